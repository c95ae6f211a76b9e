//! The administrative and social file (cover, benefits, MDPH notifications) and absences during
//! a stay.

use crate::codec::{corrupt, date, id, opt_date, opt_id};
use crate::{Conn, Micros, Result, StoreError};
use jiff::civil::Date;
use relais_domain::adminfile::{AbsenceKind, BenefitKind, Cents, MdphDecision, Nss, Periodicity, StateCover};
use relais_domain::ids::*;
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

/// Who recorded a row, and when.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub by: Option<AccountId>,
    pub label: String,
    pub at: Micros,
}

#[derive(Debug, Clone)]
pub struct Coverage {
    pub id: CoverageId,
    pub organisation_id: OrganisationId,
    pub person_id: PersonId,
    pub nss: Option<Nss>,
    /// The insured person and the beneficiary's rank, when covered on someone else's number.
    pub insured: Option<(String, i64)>,
    pub fund_name: String,
    pub fund_code: String,
    pub complementary_name: String,
    pub complementary_contract: String,
    pub complementary_from: Option<Date>,
    pub complementary_until: Option<Date>,
    pub state_cover: StateCover,
    pub state_cover_from: Option<Date>,
    pub state_cover_until: Option<Date>,
    pub recorded: Recorded,
}

#[derive(Debug, Clone)]
pub struct Benefit {
    pub id: BenefitId,
    pub organisation_id: OrganisationId,
    pub person_id: PersonId,
    pub kind: BenefitKind,
    pub label: String,
    pub decision_date: Option<Date>,
    pub amount: Cents,
    pub periodicity: Periodicity,
    pub start: Date,
    pub expires: Option<Date>,
    pub recorded: Recorded,
}

#[derive(Debug, Clone)]
pub struct MdphNotification {
    pub id: MdphNotificationId,
    pub organisation_id: OrganisationId,
    pub person_id: PersonId,
    pub decision: MdphDecision,
    pub number: String,
    pub valid_from: Date,
    pub valid_until: Option<Date>,
    pub recorded: Recorded,
}

#[derive(Debug, Clone)]
pub struct Absence {
    pub id: AbsenceId,
    pub organisation_id: OrganisationId,
    pub person_id: PersonId,
    pub stay_id: StayId,
    pub kind: AbsenceKind,
    pub start: Date,
    pub end: Option<Date>,
    pub reason: String,
    pub recorded: Recorded,
    pub updated_at: Micros,
}

fn recorded(r: &AnyRow, at: usize) -> Result<Recorded> {
    Ok(Recorded { by: opt_id(r.try_get(at)?, "account id")?, label: r.try_get(at + 1)?, at: r.try_get(at + 2)? })
}

fn opt_text(d: Option<Date>) -> Option<String> {
    d.map(|d| d.to_string())
}

const COVERAGE_COLUMNS: &str = "id, organisation_id, person_id, nss, insured_name, beneficiary_rank, fund_name, \
     fund_code, complementary_name, complementary_contract, complementary_from, complementary_until, state_cover, \
     state_cover_from, state_cover_until, recorded_by, recorded_label, recorded_at";

fn coverage_from_row(r: &AnyRow) -> Result<Coverage> {
    let nss: Option<String> = r.try_get(3)?;
    let insured: Option<String> = r.try_get(4)?;
    let rank: Option<i64> = r.try_get(5)?;
    Ok(Coverage {
        id: id(&r.try_get::<String, _>(0)?, "coverage id")?,
        organisation_id: id(&r.try_get::<String, _>(1)?, "organisation id")?,
        person_id: id(&r.try_get::<String, _>(2)?, "person id")?,
        nss: nss.map(|n| Nss::parse(&n).map_err(|_| corrupt("nss"))).transpose()?,
        insured: insured.map(|name| (name, rank.unwrap_or(1))),
        fund_name: r.try_get(6)?,
        fund_code: r.try_get(7)?,
        complementary_name: r.try_get(8)?,
        complementary_contract: r.try_get(9)?,
        complementary_from: opt_date(r.try_get(10)?, "complementary start")?,
        complementary_until: opt_date(r.try_get(11)?, "complementary end")?,
        state_cover: StateCover::from_code(&r.try_get::<String, _>(12)?).map_err(|_| corrupt("state cover"))?,
        state_cover_from: opt_date(r.try_get(13)?, "state cover start")?,
        state_cover_until: opt_date(r.try_get(14)?, "state cover end")?,
        recorded: recorded(r, 15)?,
    })
}

pub(crate) const COVERAGE_INSERT_COLUMNS: &[&str] = &[
    "id",
    "organisation_id",
    "person_id",
    "nss",
    "insured_name",
    "beneficiary_rank",
    "fund_name",
    "fund_code",
    "complementary_name",
    "complementary_contract",
    "complementary_from",
    "complementary_until",
    "state_cover",
    "state_cover_from",
    "state_cover_until",
    "recorded_by",
    "recorded_label",
    "recorded_at",
];

/// Binds the values of one row of `social_coverage`, in the order of `COVERAGE_INSERT_COLUMNS`.
pub(crate) fn bind_coverage<'q>(q: crate::bulk::AnyQuery<'q>, c: &Coverage) -> crate::bulk::AnyQuery<'q> {
    q.bind(c.id.to_string())
        .bind(c.organisation_id.to_string())
        .bind(c.person_id.to_string())
        .bind(c.nss.as_ref().map(|n| n.as_str().to_string()))
        .bind(c.insured.as_ref().map(|(n, _)| n.clone()))
        .bind(c.insured.as_ref().map(|(_, r)| *r))
        .bind(c.fund_name.clone())
        .bind(c.fund_code.clone())
        .bind(c.complementary_name.clone())
        .bind(c.complementary_contract.clone())
        .bind(opt_text(c.complementary_from))
        .bind(opt_text(c.complementary_until))
        .bind(c.state_cover.code())
        .bind(opt_text(c.state_cover_from))
        .bind(opt_text(c.state_cover_until))
        .bind(c.recorded.by.map(|a| a.to_string()))
        .bind(c.recorded.label.clone())
        .bind(c.recorded.at)
}

/// Records a new version of a person's cover; the previous ones stay.
pub async fn insert_coverage(conn: &mut Conn, c: &Coverage) -> Result<()> {
    bind_coverage(sqlx::query(
        "INSERT INTO social_coverage (id, organisation_id, person_id, nss, insured_name, beneficiary_rank, fund_name, \
         fund_code, complementary_name, complementary_contract, complementary_from, complementary_until, state_cover, \
         state_cover_from, state_cover_until, recorded_by, recorded_label, recorded_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)",
    ), c)
    .execute(conn)
    .await?;
    Ok(())
}

/// The person's current cover: the newest version.
pub async fn current_coverage(conn: &mut Conn, person: PersonId) -> Result<Option<Coverage>> {
    let sql = format!(
        "SELECT {COVERAGE_COLUMNS} FROM social_coverage WHERE person_id = $1 ORDER BY recorded_at DESC, id DESC LIMIT 1"
    );
    let r = sqlx::query(AssertSqlSafe(sql)).bind(person.to_string()).fetch_optional(conn).await?;
    r.as_ref().map(coverage_from_row).transpose()
}

const BENEFIT_COLUMNS: &str = "id, organisation_id, person_id, kind, label, decision_date, amount_cents, periodicity, \
     start_on, expires_on, recorded_by, recorded_label, recorded_at";

fn benefit_from_row(r: &AnyRow) -> Result<Benefit> {
    Ok(Benefit {
        id: id(&r.try_get::<String, _>(0)?, "benefit id")?,
        organisation_id: id(&r.try_get::<String, _>(1)?, "organisation id")?,
        person_id: id(&r.try_get::<String, _>(2)?, "person id")?,
        kind: BenefitKind::from_code(&r.try_get::<String, _>(3)?).map_err(|_| corrupt("benefit kind"))?,
        label: r.try_get(4)?,
        decision_date: opt_date(r.try_get(5)?, "benefit decision date")?,
        amount: Cents(r.try_get(6)?),
        periodicity: Periodicity::from_code(&r.try_get::<String, _>(7)?).map_err(|_| corrupt("periodicity"))?,
        start: date(&r.try_get::<String, _>(8)?, "benefit start")?,
        expires: opt_date(r.try_get(9)?, "benefit expiry")?,
        recorded: recorded(r, 10)?,
    })
}

pub(crate) const BENEFIT_INSERT_COLUMNS: &[&str] = &[
    "id",
    "organisation_id",
    "person_id",
    "kind",
    "label",
    "decision_date",
    "amount_cents",
    "periodicity",
    "start_on",
    "expires_on",
    "recorded_by",
    "recorded_label",
    "recorded_at",
];

/// Binds the values of one row of `social_benefit`, in the order of `BENEFIT_INSERT_COLUMNS`.
pub(crate) fn bind_benefit<'q>(q: crate::bulk::AnyQuery<'q>, b: &Benefit) -> crate::bulk::AnyQuery<'q> {
    q.bind(b.id.to_string())
        .bind(b.organisation_id.to_string())
        .bind(b.person_id.to_string())
        .bind(b.kind.code())
        .bind(b.label.clone())
        .bind(opt_text(b.decision_date))
        .bind(b.amount.0)
        .bind(b.periodicity.code())
        .bind(b.start.to_string())
        .bind(opt_text(b.expires))
        .bind(b.recorded.by.map(|a| a.to_string()))
        .bind(b.recorded.label.clone())
        .bind(b.recorded.at)
}

pub async fn insert_benefit(conn: &mut Conn, b: &Benefit) -> Result<()> {
    bind_benefit(
        sqlx::query(
            "INSERT INTO social_benefit (id, organisation_id, person_id, kind, label, decision_date, amount_cents, \
         periodicity, start_on, expires_on, recorded_by, recorded_label, recorded_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        ),
        b,
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// A person's benefits, the latest start first.
pub async fn benefits(conn: &mut Conn, person: PersonId) -> Result<Vec<Benefit>> {
    let sql =
        format!("SELECT {BENEFIT_COLUMNS} FROM social_benefit WHERE person_id = $1 ORDER BY start_on DESC, id DESC");
    let rows = sqlx::query(AssertSqlSafe(sql)).bind(person.to_string()).fetch_all(conn).await?;
    rows.iter().map(benefit_from_row).collect()
}

const MDPH_COLUMNS: &str = "id, organisation_id, person_id, decision, decision_number, valid_from, valid_until, \
     recorded_by, recorded_label, recorded_at";

fn mdph_from_row(r: &AnyRow) -> Result<MdphNotification> {
    Ok(MdphNotification {
        id: id(&r.try_get::<String, _>(0)?, "MDPH notification id")?,
        organisation_id: id(&r.try_get::<String, _>(1)?, "organisation id")?,
        person_id: id(&r.try_get::<String, _>(2)?, "person id")?,
        decision: MdphDecision::from_code(&r.try_get::<String, _>(3)?).map_err(|_| corrupt("MDPH decision"))?,
        number: r.try_get(4)?,
        valid_from: date(&r.try_get::<String, _>(5)?, "MDPH validity start")?,
        valid_until: opt_date(r.try_get(6)?, "MDPH validity end")?,
        recorded: recorded(r, 7)?,
    })
}

pub(crate) const MDPH_INSERT_COLUMNS: &[&str] = &[
    "id",
    "organisation_id",
    "person_id",
    "decision",
    "decision_number",
    "valid_from",
    "valid_until",
    "recorded_by",
    "recorded_label",
    "recorded_at",
];

/// Binds the values of one row of `mdph_notification`, in the order of `MDPH_INSERT_COLUMNS`.
pub(crate) fn bind_mdph<'q>(q: crate::bulk::AnyQuery<'q>, n: &MdphNotification) -> crate::bulk::AnyQuery<'q> {
    q.bind(n.id.to_string())
        .bind(n.organisation_id.to_string())
        .bind(n.person_id.to_string())
        .bind(n.decision.code())
        .bind(n.number.clone())
        .bind(n.valid_from.to_string())
        .bind(opt_text(n.valid_until))
        .bind(n.recorded.by.map(|a| a.to_string()))
        .bind(n.recorded.label.clone())
        .bind(n.recorded.at)
}

pub async fn insert_mdph(conn: &mut Conn, n: &MdphNotification) -> Result<()> {
    bind_mdph(
        sqlx::query(
            "INSERT INTO mdph_notification (id, organisation_id, person_id, decision, decision_number, valid_from, \
         valid_until, recorded_by, recorded_label, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        ),
        n,
    )
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn mdph_notifications(conn: &mut Conn, person: PersonId) -> Result<Vec<MdphNotification>> {
    let sql =
        format!("SELECT {MDPH_COLUMNS} FROM mdph_notification WHERE person_id = $1 ORDER BY valid_from DESC, id DESC");
    let rows = sqlx::query(AssertSqlSafe(sql)).bind(person.to_string()).fetch_all(conn).await?;
    rows.iter().map(mdph_from_row).collect()
}

/// Persons with a stay in `establishment` that is open or ended on or after `since`.
const STAYING: &str = "person_id IN (SELECT s.person_id FROM stay s WHERE s.establishment_id = $2 \
     AND s.organisation_id = $1 AND (s.end_date IS NULL OR s.end_date >= $3))";

/// Benefits and MDPH notifications of the persons staying in an establishment (stay open or
/// ended since `since`) whose end falls between `from` and `until`.
pub async fn expiring(
    conn: &mut Conn,
    org: OrganisationId,
    establishment: EstablishmentId,
    since: Date,
    (from, until): (Date, Date),
) -> Result<(Vec<Benefit>, Vec<MdphNotification>)> {
    let sql = format!(
        "SELECT {BENEFIT_COLUMNS} FROM social_benefit WHERE organisation_id = $1 AND {STAYING} \
         AND expires_on >= $4 AND expires_on <= $5 ORDER BY expires_on, id"
    );
    let rows = sqlx::query(AssertSqlSafe(sql))
        .bind(org.to_string())
        .bind(establishment.to_string())
        .bind(since.to_string())
        .bind(from.to_string())
        .bind(until.to_string())
        .fetch_all(&mut *conn)
        .await?;
    let benefits = rows.iter().map(benefit_from_row).collect::<Result<Vec<_>>>()?;
    let sql = format!(
        "SELECT {MDPH_COLUMNS} FROM mdph_notification WHERE organisation_id = $1 AND {STAYING} \
         AND valid_until >= $4 AND valid_until <= $5 ORDER BY valid_until, id"
    );
    let rows = sqlx::query(AssertSqlSafe(sql))
        .bind(org.to_string())
        .bind(establishment.to_string())
        .bind(since.to_string())
        .bind(from.to_string())
        .bind(until.to_string())
        .fetch_all(&mut *conn)
        .await?;
    let notifications = rows.iter().map(mdph_from_row).collect::<Result<Vec<_>>>()?;
    Ok((benefits, notifications))
}

const ABSENCE_COLUMNS: &str = "a.id, a.organisation_id, a.person_id, a.stay_id, a.kind, a.start_on, a.end_on, a.reason, \
     a.recorded_by, a.recorded_label, a.recorded_at, a.updated_at";

fn absence_from_row(r: &AnyRow) -> Result<Absence> {
    Ok(Absence {
        id: id(&r.try_get::<String, _>(0)?, "absence id")?,
        organisation_id: id(&r.try_get::<String, _>(1)?, "organisation id")?,
        person_id: id(&r.try_get::<String, _>(2)?, "person id")?,
        stay_id: id(&r.try_get::<String, _>(3)?, "stay id")?,
        kind: AbsenceKind::from_code(&r.try_get::<String, _>(4)?).map_err(|_| corrupt("absence kind"))?,
        start: date(&r.try_get::<String, _>(5)?, "absence start")?,
        end: opt_date(r.try_get(6)?, "absence end")?,
        reason: r.try_get(7)?,
        recorded: recorded(r, 8)?,
        updated_at: r.try_get(11)?,
    })
}

pub async fn insert_absence(conn: &mut Conn, a: &Absence) -> Result<()> {
    sqlx::query(
        "INSERT INTO stay_absence (id, organisation_id, person_id, stay_id, kind, start_on, end_on, reason, \
         recorded_by, recorded_label, recorded_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(a.id.to_string())
    .bind(a.organisation_id.to_string())
    .bind(a.person_id.to_string())
    .bind(a.stay_id.to_string())
    .bind(a.kind.code())
    .bind(a.start.to_string())
    .bind(opt_text(a.end))
    .bind(a.reason.clone())
    .bind(a.recorded.by.map(|x| x.to_string()))
    .bind(a.recorded.label.clone())
    .bind(a.recorded.at)
    .bind(a.updated_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// Records the return of an absence still open; a conflict when someone recorded it meanwhile.
pub async fn close_absence(conn: &mut Conn, absence: AbsenceId, end: Date, now: Micros) -> Result<()> {
    let n = sqlx::query("UPDATE stay_absence SET end_on = $1, updated_at = $2 WHERE id = $3 AND end_on IS NULL")
        .bind(end.to_string())
        .bind(now)
        .bind(absence.to_string())
        .execute(conn)
        .await?
        .rows_affected();
    if n != 1 {
        return Err(StoreError::Conflict("absence already closed".into()));
    }
    Ok(())
}

pub async fn absence(conn: &mut Conn, org: OrganisationId, absence: AbsenceId) -> Result<Option<Absence>> {
    let sql = format!("SELECT {ABSENCE_COLUMNS} FROM stay_absence a WHERE a.id = $1 AND a.organisation_id = $2");
    let r =
        sqlx::query(AssertSqlSafe(sql)).bind(absence.to_string()).bind(org.to_string()).fetch_optional(conn).await?;
    r.as_ref().map(absence_from_row).transpose()
}

/// A person's absences, the latest first.
pub async fn absences_of_person(conn: &mut Conn, person: PersonId) -> Result<Vec<Absence>> {
    let sql = format!(
        "SELECT {ABSENCE_COLUMNS} FROM stay_absence a WHERE a.person_id = $1 ORDER BY a.start_on DESC, a.id DESC"
    );
    let rows = sqlx::query(AssertSqlSafe(sql)).bind(person.to_string()).fetch_all(conn).await?;
    rows.iter().map(absence_from_row).collect()
}

/// The stays of an establishment that overlap `from`..=`to`, as (stay id, mode code, start, end),
/// with their absences.
pub async fn occupancy_rows(
    conn: &mut Conn,
    org: OrganisationId,
    establishment: EstablishmentId,
    from: Date,
    to: Date,
) -> Result<Vec<(String, String, Date, Option<Date>, Vec<Absence>)>> {
    let rows = sqlx::query(
        "SELECT s.id, s.mode, s.start_date, s.end_date FROM stay s WHERE s.organisation_id = $1 \
         AND s.establishment_id = $2 AND s.start_date <= $3 AND (s.end_date IS NULL OR s.end_date >= $4) ORDER BY s.id",
    )
    .bind(org.to_string())
    .bind(establishment.to_string())
    .bind(to.to_string())
    .bind(from.to_string())
    .fetch_all(&mut *conn)
    .await?;
    let sql = format!(
        "SELECT {ABSENCE_COLUMNS} FROM stay_absence a JOIN stay s ON s.id = a.stay_id WHERE s.organisation_id = $1 \
         AND s.establishment_id = $2 AND a.start_on <= $3 AND (a.end_on IS NULL OR a.end_on >= $4)"
    );
    let absences = sqlx::query(AssertSqlSafe(sql))
        .bind(org.to_string())
        .bind(establishment.to_string())
        .bind(to.to_string())
        .bind(from.to_string())
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(absence_from_row)
        .collect::<Result<Vec<_>>>()?;
    rows.iter()
        .map(|r| {
            let stay: String = r.try_get(0)?;
            let theirs = absences.iter().filter(|a| a.stay_id.to_string() == stay).cloned().collect();
            Ok((
                stay,
                r.try_get(1)?,
                date(&r.try_get::<String, _>(2)?, "stay start")?,
                opt_date(r.try_get(3)?, "stay end")?,
                theirs,
            ))
        })
        .collect()
}

/// The person a stay belongs to, within an organisation.
pub async fn stay_person(conn: &mut Conn, org: OrganisationId, stay: StayId) -> Result<Option<PersonId>> {
    let r = sqlx::query("SELECT person_id FROM stay WHERE id = $1 AND organisation_id = $2")
        .bind(stay.to_string())
        .bind(org.to_string())
        .fetch_optional(conn)
        .await?;
    r.map(|r| id(&r.try_get::<String, _>(0)?, "person id")).transpose()
}
