//! Bulk loading for the benchmark data set: multi-row inserts, many rows per statement.
//!
//! The data generator uses this; the audit trail uses `multi_insert` for group commits.

use crate::activities::Activity;
use crate::adminfile::{self, Benefit, Coverage, MdphNotification};
use crate::admissions::{self, AdmissionRequest, StatusChange};
use crate::notes::Note;
use crate::observations::Observation;
use crate::persons::{Person, Stay};
use crate::relatives::{self, Consent, Protection, Relative};
use crate::support_plans::{self, SupportPlan};
use crate::{Conn, Engine, Result};
use relais_domain::activity::Attendance;
use relais_domain::ids::*;
use relais_domain::note::Mention;
use relais_domain::support_plan::{PlanContent, PlanStatus};
use sqlx::AssertSqlSafe;
use sqlx::any::AnyArguments;
use sqlx::query::Query;

pub(crate) type AnyQuery<'q> = Query<'q, sqlx::Any, AnyArguments>;

/// `INSERT INTO table (cols) VALUES ($1, …), ($k, …), …` for `rows` rows. On SQLite the
/// placeholders are anonymous `?`: sqlx looks each parameter's name up, and SQLite's lookup
/// scans every name of the statement, which made thousands of `$N` quadratic (70 % of the time).
pub(crate) fn multi_insert(engine: Engine, table: &str, columns: &[&str], rows: usize) -> String {
    multi_insert_with(engine, table, columns, rows, |_, p| p)
}

/// `multi_insert` where `value(column, placeholder)` writes each value's SQL, for a column whose
/// value is computed from its parameter (PostgreSQL's search document).
pub(crate) fn multi_insert_with(
    engine: Engine,
    table: &str,
    columns: &[&str],
    rows: usize,
    value: impl Fn(usize, String) -> String,
) -> String {
    let width = columns.len();
    let values = (0..rows)
        .map(|r| {
            let ps = (1..=width)
                .map(|c| {
                    value(c - 1, if engine == Engine::Sqlite { "?".to_string() } else { format!("${}", r * width + c) })
                })
                .collect::<Vec<_>>()
                .join(", ");
            format!("({ps})")
        })
        .collect::<Vec<_>>()
        .join(", ");
    format!("INSERT INTO {table} ({}) VALUES {values}", columns.join(", "))
}

const PERSON_COLUMNS: &[&str] = &[
    "id",
    "organisation_id",
    "registered_establishment_id",
    "birth_name",
    "first_names",
    "birth_date",
    "sex",
    "birthplace",
    "used_name",
    "used_first_name",
    "identity_status",
    "ins_matricule",
    "ins_oid",
    "search_birth_name",
    "search_used_name",
    "search_first_names",
    "created_at",
    "updated_at",
];

pub async fn persons(conn: &mut Conn, engine: Engine, rows: &[Person]) -> Result<()> {
    for chunk in rows.chunks(200) {
        let sql = multi_insert(engine, "person", PERSON_COLUMNS, chunk.len());
        let mut q: AnyQuery = sqlx::query(AssertSqlSafe(sql));
        for p in chunk {
            q = q
                .bind(p.id.to_string())
                .bind(p.organisation_id.to_string())
                .bind(p.registered_at.map(|e| e.to_string()));
            q = crate::persons::identity_columns(q, p).bind(p.created_at).bind(p.updated_at);
        }
        q.execute(&mut *conn).await?;
    }
    let tokens: Vec<(&Person, &'static str, String)> =
        rows.iter().flat_map(|p| crate::persons::name_tokens(p).into_iter().map(move |(k, t)| (p, k, t))).collect();
    for chunk in tokens.chunks(400) {
        let sql =
            multi_insert(engine, "person_name_token", &["organisation_id", "person_id", "kind", "token"], chunk.len());
        let mut q: AnyQuery = sqlx::query(AssertSqlSafe(sql));
        for (p, k, t) in chunk {
            q = q.bind(p.organisation_id.to_string()).bind(p.id.to_string()).bind(*k).bind(t.clone());
        }
        q.execute(&mut *conn).await?;
    }
    let keys: Vec<(&Person, String)> =
        rows.iter().flat_map(|p| crate::identities::match_keys(p).into_iter().map(move |k| (p, k))).collect();
    for chunk in keys.chunks(400) {
        let sql = multi_insert(engine, "person_match_key", &["organisation_id", "match_key", "person_id"], chunk.len());
        let mut q: AnyQuery = sqlx::query(AssertSqlSafe(sql));
        for (p, k) in chunk {
            q = q.bind(p.organisation_id.to_string()).bind(k.clone()).bind(p.id.to_string());
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

const STAY_COLUMNS: &[&str] = &[
    "id",
    "organisation_id",
    "person_id",
    "establishment_id",
    "unit_id",
    "mode",
    "start_date",
    "end_date",
    "discharge_reason",
    "transferred_from",
    "created_at",
];

pub async fn stays(conn: &mut Conn, engine: Engine, org: OrganisationId, rows: &[Stay], created_at: i64) -> Result<()> {
    for chunk in rows.chunks(400) {
        let sql = multi_insert(engine, "stay", STAY_COLUMNS, chunk.len());
        let mut q: AnyQuery = sqlx::query(AssertSqlSafe(sql));
        for s in chunk {
            q = q
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
                .bind(created_at);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

pub async fn notes(conn: &mut Conn, engine: Engine, org: OrganisationId, rows: &[Note]) -> Result<()> {
    for chunk in rows.chunks(200) {
        let sql = crate::notes::insert_sql(engine, chunk.len());
        let q = chunk.iter().fold(sqlx::query(AssertSqlSafe(sql)), |q, n| crate::notes::bind_note(q, engine, org, n));
        q.execute(&mut *conn).await?;
    }
    crate::notes::index_for_search(conn, engine, rows).await
}

const OBSERVATION_COLUMNS: &[&str] = &[
    "id",
    "organisation_id",
    "person_id",
    "lineage_id",
    "version",
    "is_current",
    "kind",
    "loinc",
    "value",
    "unit",
    "effective_at",
    "recorded_at",
    "author_kind",
    "author_id",
    "author_label",
];

/// Observations; those with a second value (blood pressure) go through their own statement,
/// so that no NULL double is ever bound (see `observations::insert`).
pub async fn observations(conn: &mut Conn, engine: Engine, org: OrganisationId, rows: &[Observation]) -> Result<()> {
    let (pairs, singles): (Vec<&Observation>, Vec<&Observation>) = rows.iter().partition(|o| o.value2.is_some());
    for (list, with_second) in [(singles, false), (pairs, true)] {
        let mut columns = OBSERVATION_COLUMNS.to_vec();
        if with_second {
            columns.push("value2");
        }
        for chunk in list.chunks(200) {
            let sql = multi_insert(engine, "observation", &columns, chunk.len());
            let mut q: AnyQuery = sqlx::query(AssertSqlSafe(sql));
            for o in chunk {
                q = q
                    .bind(o.id.to_string())
                    .bind(org.to_string())
                    .bind(o.person_id.to_string())
                    .bind(o.lineage_id.to_string())
                    .bind(o.version)
                    .bind(o.is_current as i16)
                    .bind(o.kind.code())
                    .bind(o.kind.term())
                    .bind(o.value)
                    .bind(o.kind.unit())
                    .bind(o.effective_at)
                    .bind(o.recorded_at)
                    .bind(o.author_kind.clone())
                    .bind(o.author_id.clone())
                    .bind(o.author_label.clone());
                if let Some(v2) = o.value2 {
                    q = q.bind(v2);
                }
            }
            q.execute(&mut *conn).await?;
        }
    }
    Ok(())
}

/// Assessments. Those with every optional column set go in multi-row statements (AGGIR rows,
/// which have no definition version, apart from grid rows, which have one); the others one by
/// one, since `Any` cannot bind a typed NULL.
pub async fn assessments(
    conn: &mut Conn,
    engine: Engine,
    org: OrganisationId,
    rows: &[crate::assessments::Assessment],
) -> Result<()> {
    const COLUMNS: &[&str] = &[
        "id",
        "organisation_id",
        "person_id",
        "establishment_id",
        "instrument",
        "assessed_on",
        "answers",
        "score",
        "result",
        "comment",
        "author_id",
        "author_label",
        "recorded_at",
        "definition_version",
    ];
    let (complete, partial): (Vec<_>, Vec<_>) = rows.iter().partition(|a| {
        a.establishment_id.is_some() && a.author_id.is_some() && a.score.is_some() && a.result.is_some()
    });
    for a in partial {
        crate::assessments::insert(conn, org, a).await?;
    }
    let (versioned, aggir): (Vec<_>, Vec<_>) = complete.into_iter().partition(|a| a.definition_version.is_some());
    for (group, columns) in [(aggir, &COLUMNS[..COLUMNS.len() - 1]), (versioned, COLUMNS)] {
        for chunk in group.chunks(200) {
            let sql = multi_insert(engine, "assessment", columns, chunk.len());
            let mut q: AnyQuery = sqlx::query(AssertSqlSafe(sql));
            for a in chunk {
                q = q
                    .bind(a.id.to_string())
                    .bind(org.to_string())
                    .bind(a.person_id.to_string())
                    .bind(a.establishment_id.map(|e| e.to_string()))
                    .bind(a.instrument.clone())
                    .bind(a.assessed_on.to_string())
                    .bind(a.answers.clone())
                    .bind(a.score)
                    .bind(a.result)
                    .bind(a.comment.clone())
                    .bind(a.author_id.map(|x| x.to_string()))
                    .bind(a.author_label.clone())
                    .bind(a.recorded_at);
                if let Some(v) = a.definition_version {
                    q = q.bind(v);
                }
            }
            q.execute(&mut *conn).await?;
        }
    }
    Ok(())
}

pub async fn appointments(
    conn: &mut Conn,
    engine: Engine,
    org: OrganisationId,
    rows: &[crate::appointments::Appointment],
) -> Result<()> {
    for chunk in rows.chunks(200) {
        let sql = multi_insert(engine, "appointment", crate::appointments::INSERT_COLUMNS, chunk.len());
        let q =
            chunk.iter().fold(sqlx::query(AssertSqlSafe(sql)), |q, a| crate::appointments::bind_appointment(q, org, a));
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Mentions of notes: (note lineage, the note's establishment, mention, the note's time).
pub async fn mentions(
    conn: &mut Conn,
    engine: Engine,
    org: OrganisationId,
    rows: &[(NoteId, Option<EstablishmentId>, Mention, i64)],
) -> Result<()> {
    const COLUMNS: &[&str] =
        &["note_lineage_id", "organisation_id", "establishment_id", "account_id", "profile", "recorded_at"];
    for chunk in rows.chunks(400) {
        let sql = multi_insert(engine, "note_mention", COLUMNS, chunk.len());
        let q = chunk.iter().fold(sqlx::query(AssertSqlSafe(sql)), |q, (lineage, est, m, at)| {
            let (account, profile) = match m {
                Mention::Colleague(a) => (Some(a.to_string()), None),
                Mention::Team(p) => (None, Some(p.code().to_string())),
            };
            q.bind(lineage.to_string())
                .bind(org.to_string())
                .bind(est.map(|e| e.to_string()))
                .bind(account)
                .bind(profile)
                .bind(*at)
        });
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Activity sessions; each must have a capacity (the generator gives one).
pub async fn activities(conn: &mut Conn, engine: Engine, org: OrganisationId, rows: &[Activity]) -> Result<()> {
    const COLUMNS: &[&str] = &[
        "id",
        "organisation_id",
        "establishment_id",
        "unit_id",
        "series_id",
        "title",
        "location",
        "capacity",
        "starts_at",
        "ends_at",
        "created_by",
        "created_label",
        "created_at",
    ];
    for chunk in rows.chunks(200) {
        let sql = multi_insert(engine, "activity", COLUMNS, chunk.len());
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for a in chunk {
            let capacity =
                a.capacity.ok_or_else(|| crate::StoreError::Corrupt("bulk activity without capacity".into()))?;
            q = q
                .bind(a.id.to_string())
                .bind(org.to_string())
                .bind(a.establishment_id.to_string())
                .bind(a.unit_id.map(|u| u.to_string()))
                .bind(a.series_id.to_string())
                .bind(a.title.clone())
                .bind(a.location.clone())
                .bind(i64::from(capacity))
                .bind(a.starts_at)
                .bind(a.ends_at)
                .bind(a.created_by.to_string())
                .bind(a.created_label.clone())
                .bind(a.created_at);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// A registration as loaded: who registered them, when, and for a past session the attendance
/// with who took it and when.
pub struct Registration {
    pub activity: ActivityId,
    pub person: PersonId,
    pub by: AccountId,
    pub at: i64,
    pub marked: Option<(Attendance, String, i64)>,
}

pub async fn registrations(conn: &mut Conn, engine: Engine, rows: &[Registration]) -> Result<()> {
    // Rows without attendance leave its columns out: the Any driver cannot bind a missing number.
    let (marked, open): (Vec<&Registration>, Vec<&Registration>) = rows.iter().partition(|r| r.marked.is_some());
    const OPEN: &[&str] = &["activity_id", "person_id", "registered_by", "registered_at"];
    const MARKED: &[&str] =
        &["activity_id", "person_id", "registered_by", "registered_at", "attendance", "marked_label", "marked_at"];
    for chunk in open.chunks(400) {
        let sql = multi_insert(engine, "activity_participant", OPEN, chunk.len());
        let q = chunk.iter().fold(sqlx::query(AssertSqlSafe(sql)), |q, r| {
            q.bind(r.activity.to_string()).bind(r.person.to_string()).bind(r.by.to_string()).bind(r.at)
        });
        q.execute(&mut *conn).await?;
    }
    for chunk in marked.chunks(300) {
        let sql = multi_insert(engine, "activity_participant", MARKED, chunk.len());
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for r in chunk {
            if let Some((attendance, label, at)) = &r.marked {
                q = q
                    .bind(r.activity.to_string())
                    .bind(r.person.to_string())
                    .bind(r.by.to_string())
                    .bind(r.at)
                    .bind(attendance.code())
                    .bind(label.clone())
                    .bind(*at);
            }
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn multi_insert_numbers_placeholders_row_by_row() {
        use crate::Engine::*;
        assert_eq!(
            super::multi_insert(Postgres, "t", &["a", "b"], 2),
            "INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4)"
        );
        assert_eq!(super::multi_insert(Sqlite, "t", &["a", "b"], 2), "INSERT INTO t (a, b) VALUES (?, ?), (?, ?)");
    }
}

/// Inserts `rows` into `table`, many per statement; `bind` binds one row's values in the order
/// of `columns`.
async fn insert_rows<T>(
    conn: &mut Conn,
    engine: Engine,
    table: &str,
    columns: &[&str],
    rows: &[T],
    bind: impl for<'q> Fn(AnyQuery<'q>, &T) -> AnyQuery<'q>,
) -> Result<()> {
    // At most ~8,000 parameters a statement: well under both engines' limits.
    let per = (8_000 / columns.len()).clamp(1, 400);
    for chunk in rows.chunks(per) {
        let sql = multi_insert(engine, table, columns, chunk.len());
        let mut q: AnyQuery = sqlx::query(AssertSqlSafe(sql));
        for r in chunk {
            q = bind(q, r);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

pub async fn contacts(conn: &mut Conn, engine: Engine, org: OrganisationId, rows: &[Relative]) -> Result<()> {
    insert_rows(conn, engine, "person_contact", relatives::CONTACT_INSERT_COLUMNS, rows, |q, c| {
        relatives::bind_contact(q, org, c)
    })
    .await
}

pub async fn protections(conn: &mut Conn, engine: Engine, org: OrganisationId, rows: &[Protection]) -> Result<()> {
    insert_rows(conn, engine, "legal_protection", relatives::PROTECTION_INSERT_COLUMNS, rows, |q, p| {
        relatives::bind_protection(q, org, p)
    })
    .await
}

pub async fn consents(conn: &mut Conn, engine: Engine, org: OrganisationId, rows: &[Consent]) -> Result<()> {
    insert_rows(conn, engine, "person_consent", relatives::CONSENT_INSERT_COLUMNS, rows, |q, k| {
        relatives::bind_consent(q, org, k)
    })
    .await
}

pub async fn coverages(conn: &mut Conn, engine: Engine, rows: &[Coverage]) -> Result<()> {
    insert_rows(conn, engine, "social_coverage", adminfile::COVERAGE_INSERT_COLUMNS, rows, adminfile::bind_coverage)
        .await
}

pub async fn benefits(conn: &mut Conn, engine: Engine, rows: &[Benefit]) -> Result<()> {
    insert_rows(conn, engine, "social_benefit", adminfile::BENEFIT_INSERT_COLUMNS, rows, adminfile::bind_benefit).await
}

pub async fn mdph_notifications(conn: &mut Conn, engine: Engine, rows: &[MdphNotification]) -> Result<()> {
    insert_rows(conn, engine, "mdph_notification", adminfile::MDPH_INSERT_COLUMNS, rows, adminfile::bind_mdph).await
}

/// An admission request with its history (the receipt first), each change with its id.
#[derive(Debug, Clone)]
pub struct AdmissionRow {
    pub request: AdmissionRequest,
    pub changes: Vec<(uuid::Uuid, StatusChange)>,
}

pub async fn admission_requests(conn: &mut Conn, engine: Engine, rows: &[AdmissionRow]) -> Result<()> {
    insert_rows(conn, engine, "admission_request", admissions::REQUEST_INSERT_COLUMNS, rows, |q, r| {
        admissions::bind_request(q, &r.request)
    })
    .await?;
    let changes: Vec<(AdmissionRequestId, &(uuid::Uuid, StatusChange))> =
        rows.iter().flat_map(|r| r.changes.iter().map(move |c| (r.request.id, c))).collect();
    let columns =
        &["id", "request_id", "from_status", "to_status", "comment", "author_id", "author_label", "changed_at"];
    insert_rows(conn, engine, "admission_status_change", columns, &changes, |q, (request, (id, c))| {
        q.bind(id.to_string())
            .bind(request.to_string())
            .bind(c.from.map(|s| s.code()))
            .bind(c.to.code())
            .bind(c.comment.clone())
            .bind(c.author_id.map(|a| a.to_string()))
            .bind(c.author_label.clone())
            .bind(c.changed_at)
    })
    .await
}

/// A projet personnalisé with its one version (validated or not), its status history and the
/// ids of its objectives (taken from the content).
#[derive(Debug, Clone)]
pub struct PlanRow {
    pub plan: SupportPlan,
    pub content: PlanContent,
    pub version_id: uuid::Uuid,
    /// Who validated the version, and when.
    pub validated: Option<(String, i64)>,
    /// Each change, the creation first.
    pub changes: Vec<PlanChange>,
}

/// One change of a plan's status: (id, from, to, at).
pub type PlanChange = (uuid::Uuid, Option<PlanStatus>, PlanStatus, i64);

pub async fn support_plans(conn: &mut Conn, engine: Engine, rows: &[PlanRow]) -> Result<()> {
    insert_rows(conn, engine, "support_plan", support_plans::PLAN_INSERT_COLUMNS, rows, |q, r| {
        support_plans::bind_plan(q, &r.plan, &r.content)
    })
    .await?;
    let versions = rows
        .iter()
        .map(|r| support_plans::encode(&r.content).map(|content| (r, content)))
        .collect::<Result<Vec<_>>>()?;
    let columns = &[
        "id",
        "plan_id",
        "person_id",
        "version",
        "content",
        "created_by",
        "created_label",
        "created_at",
        "validated_label",
        "validated_at",
    ];
    insert_rows(conn, engine, "support_plan_version", columns, &versions, |q, (r, content)| {
        q.bind(r.version_id.to_string())
            .bind(r.plan.id.to_string())
            .bind(r.plan.person_id.to_string())
            .bind(r.plan.current_version)
            .bind(content.clone())
            .bind(r.plan.created_by.map(|a| a.to_string()))
            .bind(r.plan.created_label.clone())
            .bind(r.plan.created_at)
            .bind(r.validated.as_ref().map(|(label, _)| label.clone()))
            .bind(r.validated.as_ref().map(|(_, at)| *at))
    })
    .await?;
    let changes: Vec<(&PlanRow, &PlanChange)> =
        rows.iter().flat_map(|r| r.changes.iter().map(move |c| (r, c))).collect();
    let columns = &["id", "plan_id", "version", "from_status", "to_status", "author_label", "changed_at"];
    insert_rows(conn, engine, "support_plan_status_change", columns, &changes, |q, (r, (id, from, to, at))| {
        q.bind(id.to_string())
            .bind(r.plan.id.to_string())
            .bind(r.plan.current_version)
            .bind(from.map(|s| s.code()))
            .bind(to.code())
            .bind(r.plan.created_label.clone())
            .bind(*at)
    })
    .await?;
    let objectives: Vec<(&PlanRow, ObjectiveId)> =
        rows.iter().flat_map(|r| r.content.objectives.iter().map(move |o| (r, o.id))).collect();
    let columns = &["objective_id", "plan_id", "person_id", "created_at"];
    insert_rows(conn, engine, "support_plan_objective", columns, &objectives, |q, (r, o)| {
        q.bind(o.to_string()).bind(r.plan.id.to_string()).bind(r.plan.person_id.to_string()).bind(r.plan.created_at)
    })
    .await
}
