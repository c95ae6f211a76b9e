//! Support plans (projets personnalisés): the plan, its frozen and working versions, its status history, notes tied to objectives.

use crate::codec::{corrupt, id, opt_date, opt_id};
use crate::notes::Note;
use crate::{Conn, Micros, Result, StoreError};
use jiff::civil::Date;
use relais_domain::ids::*;
use relais_domain::support_plan::{PlanContent, PlanStatus};
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

#[derive(Debug, Clone)]
pub struct SupportPlan {
    pub id: SupportPlanId,
    pub organisation_id: OrganisationId,
    pub person_id: PersonId,
    pub establishment_id: Option<EstablishmentId>,
    pub status: PlanStatus,
    pub current_version: i64,
    pub review_due: Option<Date>,
    pub created_by: Option<AccountId>,
    pub created_label: String,
    pub created_at: Micros,
    pub updated_at: Micros,
}

#[derive(Debug, Clone)]
pub struct PlanVersion {
    pub version: i64,
    pub content: PlanContent,
    pub created_label: String,
    pub created_at: Micros,
    /// (who, when) once validated: the version is then frozen.
    pub validated: Option<(String, Micros)>,
}

#[derive(Debug, Clone)]
pub struct PlanStatusChange {
    pub version: i64,
    pub from: Option<PlanStatus>,
    pub to: PlanStatus,
    pub author_label: String,
    pub changed_at: Micros,
}

const COLUMNS: &str = "p.id, p.organisation_id, p.person_id, p.establishment_id, p.status, p.current_version, \
     p.review_due, p.created_by, p.created_label, p.created_at, p.updated_at";

fn from_row(r: &AnyRow) -> Result<SupportPlan> {
    Ok(SupportPlan {
        id: id(&r.try_get::<String, _>(0)?, "support plan id")?,
        organisation_id: id(&r.try_get::<String, _>(1)?, "organisation id")?,
        person_id: id(&r.try_get::<String, _>(2)?, "person id")?,
        establishment_id: opt_id(r.try_get(3)?, "establishment id")?,
        status: PlanStatus::from_code(&r.try_get::<String, _>(4)?).map_err(|_| corrupt("support plan status"))?,
        current_version: r.try_get(5)?,
        review_due: opt_date(r.try_get(6)?, "support plan review date")?,
        created_by: opt_id(r.try_get(7)?, "account id")?,
        created_label: r.try_get(8)?,
        created_at: r.try_get(9)?,
        updated_at: r.try_get(10)?,
    })
}

pub(crate) fn encode(c: &PlanContent) -> Result<String> {
    serde_json::to_string(c).map_err(|e| StoreError::Corrupt(format!("support plan content: {e}")))
}

pub(crate) const PLAN_INSERT_COLUMNS: &[&str] = &[
    "id",
    "organisation_id",
    "person_id",
    "establishment_id",
    "status",
    "current_version",
    "review_due",
    "created_by",
    "created_label",
    "created_at",
    "updated_at",
];

/// Binds the values of one row of `support_plan`, in the order of `PLAN_INSERT_COLUMNS`.
pub(crate) fn bind_plan<'q>(
    q: crate::bulk::AnyQuery<'q>,
    p: &SupportPlan,
    content: &PlanContent,
) -> crate::bulk::AnyQuery<'q> {
    q.bind(p.id.to_string())
        .bind(p.organisation_id.to_string())
        .bind(p.person_id.to_string())
        .bind(p.establishment_id.map(|e| e.to_string()))
        .bind(p.status.code())
        .bind(p.current_version)
        .bind(content.review_due.map(|d| d.to_string()))
        .bind(p.created_by.map(|a| a.to_string()))
        .bind(p.created_label.clone())
        .bind(p.created_at)
        .bind(p.updated_at)
}

/// Inserts a new plan with its first (working) version.
pub async fn insert(conn: &mut Conn, p: &SupportPlan, content: &PlanContent) -> Result<()> {
    bind_plan(
        sqlx::query(
            "INSERT INTO support_plan (id, organisation_id, person_id, establishment_id, status, current_version, \
         review_due, created_by, created_label, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        ),
        p,
        content,
    )
    .execute(&mut *conn)
    .await?;
    insert_version(conn, p, p.current_version, content, p.created_by, &p.created_label, p.created_at).await?;
    insert_change(conn, p.id, p.current_version, None, p.status, &p.created_label, p.created_at).await
}

/// Adds a new working version (a review starts).
pub async fn insert_version(
    conn: &mut Conn,
    p: &SupportPlan,
    version: i64,
    content: &PlanContent,
    by: Option<AccountId>,
    label: &str,
    at: Micros,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO support_plan_version (id, plan_id, person_id, version, content, created_by, created_label, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(uuid::Uuid::now_v7().to_string())
    .bind(p.id.to_string())
    .bind(p.person_id.to_string())
    .bind(version)
    .bind(encode(content)?)
    .bind(by.map(|a| a.to_string()))
    .bind(label.to_string())
    .bind(at)
    .execute(conn)
    .await?;
    Ok(())
}

/// Replaces the content of a working version. A frozen (validated) version is never touched:
/// the update names it unvalidated, and reports a conflict otherwise.
pub async fn update_working(conn: &mut Conn, p: &SupportPlan, content: &PlanContent, at: Micros) -> Result<()> {
    let n = sqlx::query(
        "UPDATE support_plan_version SET content = $1 WHERE plan_id = $2 AND version = $3 AND validated_at IS NULL",
    )
    .bind(encode(content)?)
    .bind(p.id.to_string())
    .bind(p.current_version)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if n != 1 {
        return Err(StoreError::Conflict("support plan version is frozen".into()));
    }
    let n = sqlx::query(
        "UPDATE support_plan SET review_due = $1, updated_at = $2 WHERE id = $3 AND status = $4 AND current_version = $5",
    )
    .bind(content.review_due.map(|d| d.to_string()))
    .bind(at)
    .bind(p.id.to_string())
    .bind(p.status.code())
    .bind(p.current_version)
    .execute(conn)
    .await?
    .rows_affected();
    if n != 1 {
        return Err(StoreError::Conflict("support plan changed meanwhile".into()));
    }
    Ok(())
}

/// Freezes the current version.
pub async fn validate_version(conn: &mut Conn, p: &SupportPlan, label: &str, at: Micros) -> Result<()> {
    let n = sqlx::query(
        "UPDATE support_plan_version SET validated_label = $1, validated_at = $2 \
         WHERE plan_id = $3 AND version = $4 AND validated_at IS NULL",
    )
    .bind(label.to_string())
    .bind(at)
    .bind(p.id.to_string())
    .bind(p.current_version)
    .execute(conn)
    .await?
    .rows_affected();
    if n != 1 {
        return Err(StoreError::Conflict("support plan version already validated".into()));
    }
    Ok(())
}

/// Moves a plan from `from` to `to` (and to `version`), refused as a conflict when someone
/// else moved it meanwhile.
pub async fn change_status(
    conn: &mut Conn,
    p: &SupportPlan,
    to: PlanStatus,
    version: i64,
    review_due: Option<Date>,
    label: &str,
    at: Micros,
) -> Result<()> {
    let n = sqlx::query(
        "UPDATE support_plan SET status = $1, current_version = $2, review_due = $3, updated_at = $4 \
         WHERE id = $5 AND status = $6 AND current_version = $7",
    )
    .bind(to.code())
    .bind(version)
    .bind(review_due.map(|d| d.to_string()))
    .bind(at)
    .bind(p.id.to_string())
    .bind(p.status.code())
    .bind(p.current_version)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if n != 1 {
        return Err(StoreError::Conflict("support plan status changed meanwhile".into()));
    }
    insert_change(conn, p.id, version, Some(p.status), to, label, at).await
}

async fn insert_change(
    conn: &mut Conn,
    plan: SupportPlanId,
    version: i64,
    from: Option<PlanStatus>,
    to: PlanStatus,
    label: &str,
    at: Micros,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO support_plan_status_change (id, plan_id, version, from_status, to_status, author_label, changed_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(uuid::Uuid::now_v7().to_string())
    .bind(plan.to_string())
    .bind(version)
    .bind(from.map(|s| s.code()))
    .bind(to.code())
    .bind(label.to_string())
    .bind(at)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn get(conn: &mut Conn, org: OrganisationId, plan: SupportPlanId) -> Result<Option<SupportPlan>> {
    let sql = format!("SELECT {COLUMNS} FROM support_plan p WHERE p.id = $1 AND p.organisation_id = $2");
    let r = sqlx::query(AssertSqlSafe(sql)).bind(plan.to_string()).bind(org.to_string()).fetch_optional(conn).await?;
    r.as_ref().map(from_row).transpose()
}

/// A person's plans, newest first.
pub async fn for_person(conn: &mut Conn, person: PersonId) -> Result<Vec<SupportPlan>> {
    let sql = format!("SELECT {COLUMNS} FROM support_plan p WHERE p.person_id = $1 ORDER BY p.created_at DESC, p.id");
    let rows = sqlx::query(AssertSqlSafe(sql)).bind(person.to_string()).fetch_all(conn).await?;
    rows.iter().map(from_row).collect()
}

/// Running plans of an establishment whose review date is before `today`, oldest due first.
pub async fn overdue(
    conn: &mut Conn,
    org: OrganisationId,
    establishment: EstablishmentId,
    today: Date,
) -> Result<Vec<SupportPlan>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM support_plan p WHERE p.organisation_id = $1 AND p.establishment_id = $2 \
         AND p.status IN ($3, $4) AND p.review_due IS NOT NULL AND p.review_due < $5 ORDER BY p.review_due, p.id"
    );
    let rows = sqlx::query(AssertSqlSafe(sql))
        .bind(org.to_string())
        .bind(establishment.to_string())
        .bind(PlanStatus::Validated.code())
        .bind(PlanStatus::InProgress.code())
        .bind(today.to_string())
        .fetch_all(conn)
        .await?;
    rows.iter().map(from_row).collect()
}

/// Every plan of an establishment not closed, by review date.
pub async fn open_in(conn: &mut Conn, org: OrganisationId, establishment: EstablishmentId) -> Result<Vec<SupportPlan>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM support_plan p WHERE p.organisation_id = $1 AND p.establishment_id = $2 \
         AND p.status <> $3 ORDER BY p.review_due, p.id"
    );
    let rows = sqlx::query(AssertSqlSafe(sql))
        .bind(org.to_string())
        .bind(establishment.to_string())
        .bind(PlanStatus::Closed.code())
        .fetch_all(conn)
        .await?;
    rows.iter().map(from_row).collect()
}

fn version_from_row(r: &AnyRow) -> Result<PlanVersion> {
    let content: String = r.try_get(1)?;
    let validated_label: Option<String> = r.try_get(4)?;
    let validated_at: Option<Micros> = r.try_get(5)?;
    Ok(PlanVersion {
        version: r.try_get(0)?,
        content: serde_json::from_str(&content).map_err(|_| corrupt("support plan content"))?,
        created_label: r.try_get(2)?,
        created_at: r.try_get(3)?,
        validated: validated_label.zip(validated_at),
    })
}

/// Every version of a plan, oldest first.
pub async fn versions(conn: &mut Conn, plan: SupportPlanId) -> Result<Vec<PlanVersion>> {
    let rows = sqlx::query(
        "SELECT version, content, created_label, created_at, validated_label, validated_at \
         FROM support_plan_version WHERE plan_id = $1 ORDER BY version",
    )
    .bind(plan.to_string())
    .fetch_all(conn)
    .await?;
    rows.iter().map(version_from_row).collect()
}

/// The history of a plan's status, oldest first.
pub async fn history(conn: &mut Conn, plan: SupportPlanId) -> Result<Vec<PlanStatusChange>> {
    let rows = sqlx::query(
        "SELECT version, from_status, to_status, author_label, changed_at FROM support_plan_status_change \
         WHERE plan_id = $1 ORDER BY changed_at, id",
    )
    .bind(plan.to_string())
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            let status = |s: String| PlanStatus::from_code(&s).map_err(|_| corrupt("support plan status"));
            Ok(PlanStatusChange {
                version: r.try_get(0)?,
                from: r.try_get::<Option<String>, _>(1)?.map(status).transpose()?,
                to: status(r.try_get(2)?)?,
                author_label: r.try_get(3)?,
                changed_at: r.try_get(4)?,
            })
        })
        .collect()
}

/// Records which plan a new objective belongs to.
pub async fn register_objective(conn: &mut Conn, plan: &SupportPlan, objective: ObjectiveId, at: Micros) -> Result<()> {
    sqlx::query(
        "INSERT INTO support_plan_objective (objective_id, plan_id, person_id, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(objective.to_string())
    .bind(plan.id.to_string())
    .bind(plan.person_id.to_string())
    .bind(at)
    .execute(conn)
    .await?;
    Ok(())
}

/// The plan an objective belongs to.
pub async fn plan_of_objective(conn: &mut Conn, objective: ObjectiveId) -> Result<Option<SupportPlanId>> {
    let r = sqlx::query("SELECT plan_id FROM support_plan_objective WHERE objective_id = $1")
        .bind(objective.to_string())
        .fetch_optional(conn)
        .await?;
    r.map(|r| id(&r.try_get::<String, _>(0)?, "support plan id")).transpose()
}

/// Ties a note (its lineage: corrections stay tied) to an objective.
pub async fn tie_note(
    conn: &mut Conn,
    lineage: NoteId,
    objective: ObjectiveId,
    plan: &SupportPlan,
    at: Micros,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO note_objective (note_lineage_id, objective_id, plan_id, person_id, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(lineage.to_string())
    .bind(objective.to_string())
    .bind(plan.id.to_string())
    .bind(plan.person_id.to_string())
    .bind(at)
    .execute(conn)
    .await?;
    Ok(())
}

/// The current version of the notes tied to an objective, newest first.
pub async fn notes_of(conn: &mut Conn, objective: ObjectiveId) -> Result<Vec<Note>> {
    let sql = format!(
        "SELECT {} FROM note n JOIN note_objective t ON t.note_lineage_id = n.lineage_id \
         WHERE t.objective_id = $1 AND n.is_current = 1 ORDER BY n.recorded_at DESC, n.id",
        crate::notes::COLUMNS
    );
    let rows = sqlx::query(AssertSqlSafe(sql)).bind(objective.to_string()).fetch_all(conn).await?;
    rows.iter().map(crate::notes::from_row).collect()
}

/// The day (in `tz`) a version was written: the start of its period.
pub fn start_date(v: &PlanVersion, tz: &jiff::tz::TimeZone) -> Date {
    jiff::Timestamp::from_microsecond(v.created_at).map(|t| tz.to_datetime(t).date()).unwrap_or(Date::MIN)
}
