//! Persons (identity), identity evidence and stays.

use crate::bulk::AnyQuery;
use crate::codec::{corrupt, date, id, opt_date, opt_id};
use crate::{Conn, Micros, Result, now_micros, placeholders};
use jiff::civil::Date;
use relais_domain::access::{PersonScope, StayScope};
use relais_domain::admission::AdmissionStatus;
use relais_domain::date::BirthDate;
use relais_domain::identity::{
    EvidenceKind, IdentityAttributes, IdentityStatus, InseeCode, Sex, StrictTraits, UsedNames,
};
use relais_domain::ids::*;
use relais_domain::ins::Ins;
use relais_domain::stay::{DischargeReason, StayMode};
use relais_domain::text::fold;
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

#[derive(Debug, Clone)]
pub struct Person {
    pub id: PersonId,
    pub organisation_id: OrganisationId,
    pub registered_at: Option<EstablishmentId>,
    pub traits: StrictTraits,
    pub used: UsedNames,
    pub status: IdentityStatus,
    /// Stored as received; emitted only when `status` allows it.
    pub ins: Option<Ins>,
    pub attributes: IdentityAttributes,
    /// Former INS of the person returned by INSi (INSHISTO).
    pub ins_history: Vec<Ins>,
    /// When INSi last returned the INS recorded here.
    pub ins_retrieved_at: Option<Micros>,
    /// Set when this identity was merged into another: it is then an inactive alias.
    pub merged_into: Option<PersonId>,
    pub created_at: Micros,
    pub updated_at: Micros,
    /// Establishments the person applied to with an admission request still open. Not a column
    /// of the person: loaded with `admissions::open_requests_to` by access control, and only
    /// where it may change a decision; empty otherwise.
    pub applied_to: Vec<EstablishmentId>,
}

#[derive(Debug, Clone)]
pub struct Stay {
    pub id: StayId,
    pub person_id: PersonId,
    pub establishment_id: EstablishmentId,
    pub unit_id: Option<UnitId>,
    pub mode: StayMode,
    pub start: Date,
    pub end: Option<Date>,
    pub discharge_reason: Option<DischargeReason>,
    pub transferred_from: Option<StayId>,
}

impl Stay {
    pub fn scope(&self) -> StayScope {
        StayScope { establishment: self.establishment_id, unit: self.unit_id, start: self.start, end: self.end }
    }
    pub fn is_open(&self) -> bool {
        self.end.is_none()
    }
}

pub fn scope_of(person: &Person, stays: &[Stay]) -> PersonScope {
    PersonScope {
        registered_at: person.registered_at,
        stays: stays.iter().map(Stay::scope).collect(),
        applied_to: person.applied_to.clone(),
    }
}

/// How many columns `PERSON_COLUMNS` reads: what a join reads after them starts there.
const PERSON_COLUMN_COUNT: usize = 19;

pub(crate) const PERSON_COLUMNS: &str = "p.id, p.organisation_id, p.registered_establishment_id, p.birth_name, p.first_names, p.birth_date, p.sex, p.birthplace, p.used_name, p.used_first_name, p.identity_status, p.ins_matricule, p.ins_oid, p.created_at, p.updated_at, p.identity_attributes, p.ins_history, p.ins_retrieved_at, p.merged_into";

pub(crate) fn person_from_row(r: &AnyRow) -> Result<Person> {
    let birth_date = BirthDate::from_storage(&r.try_get::<String, _>(5)?).map_err(|_| corrupt("birth date"))?;
    let sex = Sex::from_code(&r.try_get::<String, _>(6)?).map_err(|_| corrupt("sex"))?;
    let birthplace = r
        .try_get::<Option<String>, _>(7)?
        .map(|b| InseeCode::parse(&b).map_err(|_| corrupt("birthplace")))
        .transpose()?;
    let traits =
        StrictTraits::new(&r.try_get::<String, _>(3)?, &r.try_get::<String, _>(4)?, birth_date, sex, birthplace)
            .map_err(|_| corrupt("strict traits"))?;
    let used = UsedNames::new(
        &r.try_get::<Option<String>, _>(8)?.unwrap_or_default(),
        &r.try_get::<Option<String>, _>(9)?.unwrap_or_default(),
    )
    .map_err(|_| corrupt("used names"))?;
    let status = IdentityStatus::from_code(&r.try_get::<String, _>(10)?).ok_or_else(|| corrupt("identity status"))?;
    let ins = match (r.try_get::<Option<String>, _>(11)?, r.try_get::<Option<String>, _>(12)?) {
        (Some(m), Some(o)) => Some(Ins::parse(&m, &o).map_err(|_| corrupt("ins"))?),
        _ => None,
    };
    Ok(Person {
        id: id(&r.try_get::<String, _>(0)?, "person id")?,
        organisation_id: id(&r.try_get::<String, _>(1)?, "organisation id")?,
        registered_at: opt_id(r.try_get(2)?, "establishment id")?,
        traits,
        used,
        status,
        ins,
        attributes: IdentityAttributes::from_storage(&r.try_get::<String, _>(15)?)
            .map_err(|_| corrupt("identity attributes"))?,
        ins_history: ins_history_from_storage(&r.try_get::<String, _>(16)?)?,
        ins_retrieved_at: r.try_get(17)?,
        merged_into: opt_id(r.try_get(18)?, "person id")?,
        created_at: r.try_get(13)?,
        updated_at: r.try_get(14)?,
        applied_to: vec![],
    })
}

/// Former INS as stored: "matricule@oid" separated by spaces.
pub(crate) fn ins_history_to_storage(history: &[Ins]) -> String {
    history.iter().map(|i| format!("{}@{}", i.matricule.as_str(), i.authority.oid())).collect::<Vec<_>>().join(" ")
}

pub(crate) fn ins_history_from_storage(s: &str) -> Result<Vec<Ins>> {
    s.split_whitespace()
        .map(|item| {
            let (m, o) = item.split_once('@').ok_or_else(|| corrupt("ins history"))?;
            Ins::parse(m, o).map_err(|_| corrupt("ins history"))
        })
        .collect()
}

/// Folded first names (birth list and the one in use), for search.
pub(crate) fn search_first_names(p: &Person) -> String {
    let mut s = fold(&p.traits.first_names_joined());
    if let Some(u) = &p.used.used_first_name {
        s.push(' ');
        s.push_str(&fold(u));
    }
    s
}

/// The folded words of a person's names: ("family", word) for birth and used names,
/// ("given", word) for first names.
pub(crate) fn name_tokens(p: &Person) -> Vec<(&'static str, String)> {
    let firsts = p.traits.first_names_joined();
    name_tokens_of(&p.traits.birth_name, p.used.used_name.as_deref(), &firsts, p.used.used_first_name.as_deref())
}

/// The same, from the stored name columns (birth name, used name, first names, used first name).
fn name_tokens_of(
    birth_name: &str,
    used_name: Option<&str>,
    first_names: &str,
    used_first_name: Option<&str>,
) -> Vec<(&'static str, String)> {
    let mut out: Vec<(&'static str, String)> = Vec::new();
    let mut add = |kind: &'static str, text: &str| {
        for w in fold(text).split(' ').filter(|w| !w.is_empty()) {
            if !out.iter().any(|(k, t)| *k == kind && t == w) {
                out.push((kind, w.to_string()));
            }
        }
    };
    add("family", birth_name);
    if let Some(u) = used_name {
        add("family", u);
    }
    add("given", first_names);
    if let Some(u) = used_first_name {
        add("given", u);
    }
    out
}

pub(crate) async fn insert_name_tokens(conn: &mut Conn, p: &Person) -> Result<()> {
    write_name_tokens(conn, p.organisation_id, p.id, name_tokens(p)).await
}

async fn write_name_tokens(
    conn: &mut Conn,
    org: OrganisationId,
    person: PersonId,
    tokens: Vec<(&'static str, String)>,
) -> Result<()> {
    if tokens.is_empty() {
        return Ok(());
    }
    let values =
        (0..tokens.len()).map(|i| format!("($1, $2, ${}, ${})", 3 + 2 * i, 4 + 2 * i)).collect::<Vec<_>>().join(", ");
    let sql = format!("INSERT INTO person_name_token (organisation_id, person_id, kind, token) VALUES {values}");
    let mut q = sqlx::query(AssertSqlSafe(sql)).bind(org.to_string()).bind(person.to_string());
    for (k, t) in tokens {
        q = q.bind(k).bind(t);
    }
    q.execute(conn).await?;
    Ok(())
}

/// Fills the name tokens of persons stored before they existed. Reads only the name columns:
/// it runs at migration 4, before later columns of `person` exist.
pub(crate) async fn backfill_name_tokens(conn: &mut Conn) -> Result<()> {
    let mut after = String::new();
    loop {
        let rows = sqlx::query(
            "SELECT id, organisation_id, birth_name, used_name, first_names, used_first_name FROM person \
             WHERE id > $1 ORDER BY id LIMIT 2000",
        )
        .bind(&after)
        .fetch_all(&mut *conn)
        .await?;
        if rows.is_empty() {
            return Ok(());
        }
        for r in &rows {
            let person: PersonId = id(&r.try_get::<String, _>(0)?, "person id")?;
            let org: OrganisationId = id(&r.try_get::<String, _>(1)?, "organisation id")?;
            let used_name: Option<String> = r.try_get(3)?;
            let used_first_name: Option<String> = r.try_get(5)?;
            let tokens = name_tokens_of(
                &r.try_get::<String, _>(2)?,
                used_name.as_deref(),
                &r.try_get::<String, _>(4)?,
                used_first_name.as_deref(),
            );
            write_name_tokens(conn, org, person, tokens).await?;
            after = person.to_string();
        }
    }
}

/// Binds, in this order, the identity columns every write of a person sets: birth name, first
/// names, birth date, sex, birthplace, used name, used first name, status, INS matricule and
/// OID, and the folded search columns (birth name, used name, first names).
pub(crate) fn identity_columns<'q>(q: AnyQuery<'q>, p: &Person) -> AnyQuery<'q> {
    q.bind(p.traits.birth_name.clone())
        .bind(p.traits.first_names_joined())
        .bind(p.traits.birth_date.to_storage())
        .bind(p.traits.sex.code())
        .bind(p.traits.birthplace.as_ref().map(|b| b.as_str().to_string()))
        .bind(p.used.used_name.clone())
        .bind(p.used.used_first_name.clone())
        .bind(p.status.code())
        .bind(p.ins.as_ref().map(|i| i.matricule.as_str().to_string()))
        .bind(p.ins.as_ref().map(|i| i.authority.oid().to_string()))
        .bind(fold(&p.traits.birth_name))
        .bind(p.used.used_name.as_deref().map(fold).unwrap_or_default())
        .bind(search_first_names(p))
}

pub async fn insert_person(conn: &mut Conn, p: &Person) -> Result<()> {
    let q = sqlx::query(
        "INSERT INTO person (id, organisation_id, registered_establishment_id, birth_name, first_names, birth_date, sex, birthplace, used_name, used_first_name, \
         identity_status, ins_matricule, ins_oid, search_birth_name, search_used_name, search_first_names, created_at, updated_at, \
         identity_attributes, ins_history, ins_retrieved_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)",
    )
    .bind(p.id.to_string())
    .bind(p.organisation_id.to_string())
    .bind(p.registered_at.map(|e| e.to_string()));
    identity_columns(q, p)
        .bind(p.created_at)
        .bind(p.updated_at)
        .bind(p.attributes.to_storage())
        .bind(ins_history_to_storage(&p.ins_history))
        .bind(p.ins_retrieved_at)
        .execute(&mut *conn)
        .await?;
    insert_name_tokens(conn, p).await?;
    crate::identities::insert_match_keys(conn, p).await
}

pub async fn set_identity_status(conn: &mut Conn, person: PersonId, status: IdentityStatus) -> Result<()> {
    sqlx::query("UPDATE person SET identity_status = $1, updated_at = $2 WHERE id = $3")
        .bind(status.code())
        .bind(now_micros())
        .bind(person.to_string())
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn person(conn: &mut Conn, org: OrganisationId, person: PersonId) -> Result<Option<Person>> {
    let sql = format!("SELECT {PERSON_COLUMNS} FROM person p WHERE p.id = $1 AND p.organisation_id = $2");
    let r = sqlx::query(AssertSqlSafe(sql)).bind(person.to_string()).bind(org.to_string()).fetch_optional(conn).await?;
    r.as_ref().map(person_from_row).transpose()
}

/// Several persons of an organisation at once.
pub async fn persons_by_ids(conn: &mut Conn, org: OrganisationId, ids: &[PersonId]) -> Result<Vec<Person>> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    let sql = format!(
        "SELECT {PERSON_COLUMNS} FROM person p WHERE p.organisation_id = $1 AND p.id IN ({})",
        placeholders(2, ids.len())
    );
    let mut q = sqlx::query(AssertSqlSafe(sql)).bind(org.to_string());
    for id in ids {
        q = q.bind(id.to_string());
    }
    let rows = q.fetch_all(conn).await?;
    rows.iter().map(person_from_row).collect()
}

/// A search over an organisation's persons. Names match by folded prefix.
#[derive(Debug, Clone, Default)]
pub struct PersonQuery {
    /// Birth or used name.
    pub family: Option<String>,
    pub given: Option<String>,
    /// Any of birth name, used name, first names.
    pub name: Option<String>,
    pub birth_date: Option<BirthDate>,
    pub ins_matricule: Option<String>,
    /// Only persons with a stay in, or registered by, one of these establishments.
    pub establishments: Option<Vec<EstablishmentId>>,
    /// With `establishments`: also persons with an admission request still open to one of these.
    pub applied_to: Vec<EstablishmentId>,
    pub limit: i64,
}

/// The upper bound of a prefix range: "dup" → "duq", so `col >= 'dup' AND col < 'duq'` uses the index.
fn prefix_end(prefix: &str) -> String {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        if let Some(next) = char::from_u32(last as u32 + 1) {
            chars.push(next);
            return chars.into_iter().collect();
        }
    }
    String::from(char::MAX)
}

pub async fn search_persons(conn: &mut Conn, org: OrganisationId, q: &PersonQuery) -> Result<Vec<Person>> {
    // A merged identity is an alias: searches find the survivor only.
    let mut sql =
        format!("SELECT {PERSON_COLUMNS} FROM person p WHERE p.organisation_id = $1 AND p.merged_into IS NULL");
    let mut binds: Vec<String> = vec![org.to_string()];
    let next = |binds: &mut Vec<String>, v: String| {
        binds.push(v);
        format!("${}", binds.len())
    };
    if let Some(family) = q.family.as_deref().map(fold).filter(|s| !s.is_empty()) {
        let (a, b) = (next(&mut binds, family.clone()), next(&mut binds, prefix_end(&family)));
        sql.push_str(&format!(
            " AND ((p.search_birth_name >= {a} AND p.search_birth_name < {b}) OR (p.search_used_name >= {a} AND p.search_used_name < {b}))"
        ));
    }
    // Each word typed must begin a word of the names (through the token index).
    let words = |text: &str, kind: Option<&str>, sql: &mut String, binds: &mut Vec<String>| {
        for w in fold(text).split(' ').filter(|w| !w.is_empty()).take(4) {
            let (a, b) = (next(binds, w.to_string()), next(binds, prefix_end(w)));
            let kind = kind.map(|k| format!(" AND t.kind = '{k}'")).unwrap_or_default();
            sql.push_str(&format!(
                " AND p.id IN (SELECT t.person_id FROM person_name_token t WHERE t.organisation_id = $1 AND t.token >= {a} AND t.token < {b}{kind})"
            ));
        }
    };
    if let Some(given) = q.given.as_deref() {
        words(given, Some("given"), &mut sql, &mut binds);
    }
    if let Some(name) = q.name.as_deref() {
        words(name, None, &mut sql, &mut binds);
    }
    if let Some(bd) = &q.birth_date {
        let a = next(&mut binds, bd.to_storage());
        sql.push_str(&format!(" AND p.birth_date = {a}"));
    }
    if let Some(ins) = &q.ins_matricule {
        let a = next(&mut binds, ins.clone());
        sql.push_str(&format!(" AND p.ins_matricule = {a}"));
    }
    if let Some(ests) = &q.establishments {
        if ests.is_empty() {
            return Ok(vec![]);
        }
        let first = binds.len() + 1;
        let list = placeholders(first, ests.len());
        binds.extend(ests.iter().map(|e| e.to_string()));
        let applicants = if q.applied_to.is_empty() {
            String::new()
        } else {
            let offices = placeholders(binds.len() + 1, q.applied_to.len());
            binds.extend(q.applied_to.iter().map(|e| e.to_string()));
            let open = AdmissionStatus::OPEN;
            let statuses = placeholders(binds.len() + 1, open.len());
            binds.extend(open.iter().map(|s| s.code().to_string()));
            format!(
                " OR EXISTS (SELECT 1 FROM admission_request r WHERE r.person_id = p.id AND r.establishment_id IN ({offices}) AND r.status IN ({statuses}))"
            )
        };
        sql.push_str(&format!(
            " AND (p.registered_establishment_id IN ({list}) OR EXISTS (SELECT 1 FROM stay s WHERE s.person_id = p.id AND s.establishment_id IN ({list})){applicants})"
        ));
    }
    sql.push_str(&format!(" ORDER BY p.search_birth_name, p.id LIMIT {}", q.limit.clamp(1, 1000)));
    let mut query = sqlx::query(AssertSqlSafe(sql));
    for b in binds {
        query = query.bind(b);
    }
    let rows = query.fetch_all(conn).await?;
    rows.iter().map(person_from_row).collect()
}

const STAY_COLUMNS: &str = "s.id, s.person_id, s.establishment_id, s.unit_id, s.mode, s.start_date, s.end_date, s.discharge_reason, s.transferred_from";

fn stay_from_row(r: &AnyRow, offset: usize) -> Result<Stay> {
    Ok(Stay {
        id: id(&r.try_get::<String, _>(offset)?, "stay id")?,
        person_id: id(&r.try_get::<String, _>(offset + 1)?, "person id")?,
        establishment_id: id(&r.try_get::<String, _>(offset + 2)?, "establishment id")?,
        unit_id: opt_id(r.try_get(offset + 3)?, "unit id")?,
        mode: StayMode::from_code(&r.try_get::<String, _>(offset + 4)?).map_err(|_| corrupt("stay mode"))?,
        start: date(&r.try_get::<String, _>(offset + 5)?, "stay start")?,
        end: opt_date(r.try_get(offset + 6)?, "stay end")?,
        discharge_reason: r
            .try_get::<Option<String>, _>(offset + 7)?
            .map(|c| DischargeReason::from_code(&c).map_err(|_| corrupt("discharge reason")))
            .transpose()?,
        transferred_from: opt_id(r.try_get(offset + 8)?, "stay id")?,
    })
}

pub async fn insert_stay(conn: &mut Conn, org: OrganisationId, s: &Stay) -> Result<()> {
    sqlx::query(
        "INSERT INTO stay (id, organisation_id, person_id, establishment_id, unit_id, mode, start_date, end_date, discharge_reason, transferred_from, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(s.id.to_string())
    .bind(org.to_string())
    .bind(s.person_id.to_string())
    .bind(s.establishment_id.to_string())
    .bind(s.unit_id.map(|u| u.to_string()))
    .bind(s.mode.code())
    .bind(s.start.to_string())
    .bind(s.end.map(|d| d.to_string()))
    .bind(s.discharge_reason.map(|r| r.code()))
    .bind(s.transferred_from.map(|t| t.to_string()))
    .bind(now_micros())
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn close_stay(conn: &mut Conn, stay: StayId, end: Date, reason: DischargeReason) -> Result<()> {
    sqlx::query("UPDATE stay SET end_date = $1, discharge_reason = $2 WHERE id = $3 AND end_date IS NULL")
        .bind(end.to_string())
        .bind(reason.code())
        .bind(stay.to_string())
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn stays(conn: &mut Conn, person: PersonId) -> Result<Vec<Stay>> {
    let sql = format!("SELECT {STAY_COLUMNS} FROM stay s WHERE s.person_id = $1 ORDER BY s.start_date DESC, s.id DESC");
    let rows = sqlx::query(AssertSqlSafe(sql)).bind(person.to_string()).fetch_all(conn).await?;
    rows.iter().map(|r| stay_from_row(r, 0)).collect()
}

/// Stays of many persons at once (one query for a result list).
pub async fn stays_of(conn: &mut Conn, persons: &[PersonId]) -> Result<Vec<Stay>> {
    if persons.is_empty() {
        return Ok(vec![]);
    }
    let sql = format!("SELECT {STAY_COLUMNS} FROM stay s WHERE s.person_id IN ({})", placeholders(1, persons.len()));
    let mut q = sqlx::query(AssertSqlSafe(sql));
    for p in persons {
        q = q.bind(p.to_string());
    }
    let rows = q.fetch_all(conn).await?;
    rows.iter().map(|r| stay_from_row(r, 0)).collect()
}

/// Persons with an open stay in a unit (or a whole establishment when `unit` is `None`), with that stay.
pub async fn current_residents(
    conn: &mut Conn,
    org: OrganisationId,
    establishment: EstablishmentId,
    unit: Option<UnitId>,
) -> Result<Vec<(Person, Stay)>> {
    let filter = if unit.is_some() { "s.unit_id = $3" } else { "s.establishment_id = $3" };
    let sql = format!(
        "SELECT {PERSON_COLUMNS}, {STAY_COLUMNS} FROM stay s JOIN person p ON p.id = s.person_id \
         WHERE p.organisation_id = $1 AND s.establishment_id = $2 AND {filter} AND s.end_date IS NULL \
         ORDER BY p.search_birth_name, p.id"
    );
    let target = unit.map(|u| u.to_string()).unwrap_or_else(|| establishment.to_string());
    let rows = sqlx::query(AssertSqlSafe(sql))
        .bind(org.to_string())
        .bind(establishment.to_string())
        .bind(target)
        .fetch_all(conn)
        .await?;
    rows.iter().map(|r| Ok((person_from_row(r)?, stay_from_row(r, PERSON_COLUMN_COUNT)?))).collect()
}

#[derive(Debug, Clone)]
pub struct Evidence {
    pub id: EvidenceId,
    pub person_id: PersonId,
    pub kind: EvidenceKind,
    pub expires_on: Option<Date>,
    /// The document's number as read by the professional, when given.
    pub number: Option<String>,
    pub checked_by: AccountId,
    pub checked_at: Micros,
}

pub async fn insert_evidence(conn: &mut Conn, org: OrganisationId, e: &Evidence) -> Result<()> {
    sqlx::query(
        "INSERT INTO identity_evidence (id, organisation_id, person_id, kind, expires_on, checked_by, checked_at, document_number) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(e.id.to_string())
    .bind(org.to_string())
    .bind(e.person_id.to_string())
    .bind(e.kind.code())
    .bind(e.expires_on.map(|d| d.to_string()))
    .bind(e.checked_by.to_string())
    .bind(e.checked_at)
    .bind(&e.number)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn evidence(conn: &mut Conn, person: PersonId) -> Result<Vec<Evidence>> {
    let rows = sqlx::query(
        "SELECT id, person_id, kind, expires_on, checked_by, checked_at, document_number FROM identity_evidence WHERE person_id = $1 ORDER BY checked_at DESC",
    )
    .bind(person.to_string())
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Evidence {
                id: id(&r.try_get::<String, _>(0)?, "evidence id")?,
                person_id: id(&r.try_get::<String, _>(1)?, "person id")?,
                kind: EvidenceKind::from_code(&r.try_get::<String, _>(2)?).map_err(|_| corrupt("evidence kind"))?,
                expires_on: opt_date(r.try_get(3)?, "evidence expiry")?,
                checked_by: id(&r.try_get::<String, _>(4)?, "account id")?,
                checked_at: r.try_get(5)?,
                number: r.try_get(6)?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn person_column_count_matches_the_list() {
        assert_eq!(super::PERSON_COLUMNS.split(',').count(), super::PERSON_COLUMN_COUNT);
    }

    #[test]
    fn prefix_end_increments_the_last_character() {
        assert_eq!(super::prefix_end("dup"), "duq");
        assert_eq!(super::prefix_end("a"), "b");
    }
}
