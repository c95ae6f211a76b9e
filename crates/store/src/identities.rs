//! Identity vigilance: identity updates, the INSi call log, identity changes, duplicate keys.

use crate::bulk::{AnyQuery, multi_insert};
use crate::codec::{corrupt, id, opt_id};
use crate::persons::{
    PERSON_COLUMNS, Person, identity_columns, ins_history_from_storage, ins_history_to_storage, insert_name_tokens,
    person_from_row,
};
use crate::{Conn, Engine, Micros, Result, placeholders};
use relais_domain::date::BirthDate;
use relais_domain::identity::{InseeCode, Sex, StrictTraits};
use relais_domain::ids::*;
use relais_domain::ins::Ins;
use relais_domain::matching::{MatchTraits, blocking_keys};
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

/// The blocking keys under which a person is found as a duplicate candidate.
pub fn match_keys(p: &Person) -> Vec<String> {
    blocking_keys(&MatchTraits::from_identity(&p.traits, &p.used))
}

pub(crate) async fn insert_match_keys(conn: &mut Conn, p: &Person) -> Result<()> {
    let keys = match_keys(p);
    if keys.is_empty() {
        return Ok(());
    }
    let values = (0..keys.len()).map(|i| format!("($1, ${}, $2)", 3 + i)).collect::<Vec<_>>().join(", ");
    let sql = format!("INSERT INTO person_match_key (organisation_id, match_key, person_id) VALUES {values}");
    let mut q = sqlx::query(AssertSqlSafe(sql)).bind(p.organisation_id.to_string()).bind(p.id.to_string());
    for k in keys {
        q = q.bind(k);
    }
    q.execute(conn).await?;
    Ok(())
}

/// Fills the keys of persons stored before duplicate detection existed.
pub(crate) async fn backfill_match_keys(conn: &mut Conn) -> Result<()> {
    let mut after = String::new();
    loop {
        let sql = format!("SELECT {PERSON_COLUMNS} FROM person p WHERE p.id > $1 ORDER BY p.id LIMIT 2000");
        let rows = sqlx::query(AssertSqlSafe(sql)).bind(&after).fetch_all(&mut *conn).await?;
        if rows.is_empty() {
            return Ok(());
        }
        for r in &rows {
            let p = person_from_row(r)?;
            insert_match_keys(conn, &p).await?;
            after = p.id.to_string();
        }
    }
}

/// Persons of an organisation sharing at least one key, at most `limit`, most shared keys first.
pub async fn match_candidates(
    conn: &mut Conn,
    org: OrganisationId,
    keys: &[String],
    limit: i64,
) -> Result<Vec<PersonId>> {
    if keys.is_empty() {
        return Ok(vec![]);
    }
    let sql = format!(
        "SELECT person_id, COUNT(*) AS shared FROM person_match_key WHERE organisation_id = $1 AND match_key IN ({}) \
         GROUP BY person_id ORDER BY shared DESC, person_id LIMIT {limit}",
        placeholders(2, keys.len())
    );
    let mut q = sqlx::query(AssertSqlSafe(sql)).bind(org.to_string());
    for k in keys {
        q = q.bind(k.clone());
    }
    let rows = q.fetch_all(conn).await?;
    rows.iter().map(|r| id(&r.try_get::<String, _>(0)?, "person id")).collect()
}

/// Writes a person's identity as it now is: traits, names, status, INS, attributes, and the
/// search tokens and duplicate keys derived from them.
pub async fn update_identity(conn: &mut Conn, p: &Person, now: Micros) -> Result<()> {
    let q = sqlx::query(
        "UPDATE person SET birth_name = $1, first_names = $2, birth_date = $3, sex = $4, birthplace = $5, used_name = $6, \
         used_first_name = $7, identity_status = $8, ins_matricule = $9, ins_oid = $10, search_birth_name = $11, \
         search_used_name = $12, search_first_names = $13, identity_attributes = $14, ins_history = $15, \
         ins_retrieved_at = $16, updated_at = $17 WHERE id = $18",
    );
    identity_columns(q, p)
        .bind(p.attributes.to_storage())
        .bind(ins_history_to_storage(&p.ins_history))
        .bind(p.ins_retrieved_at)
        .bind(now)
        .bind(p.id.to_string())
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM person_name_token WHERE person_id = $1")
        .bind(p.id.to_string())
        .execute(&mut *conn)
        .await?;
    insert_name_tokens(conn, p).await?;
    sqlx::query("DELETE FROM person_match_key WHERE person_id = $1").bind(p.id.to_string()).execute(&mut *conn).await?;
    insert_match_keys(conn, p).await
}

/// Changes only the attributes of an identity (its traits and keys untouched).
pub async fn set_attributes(
    conn: &mut Conn,
    person: PersonId,
    attributes: &relais_domain::identity::IdentityAttributes,
    now: Micros,
) -> Result<()> {
    sqlx::query("UPDATE person SET identity_attributes = $1, updated_at = $2 WHERE id = $3")
        .bind(attributes.to_storage())
        .bind(now)
        .bind(person.to_string())
        .execute(conn)
        .await?;
    Ok(())
}

/// Other identities of the organisation (merged aliases aside) that carry this INS matricule.
pub async fn holders_of_ins(
    conn: &mut Conn,
    org: OrganisationId,
    matricule: &str,
    except: PersonId,
) -> Result<Vec<PersonId>> {
    let rows = sqlx::query(
        "SELECT id FROM person WHERE organisation_id = $1 AND ins_matricule = $2 AND id <> $3 AND merged_into IS NULL",
    )
    .bind(org.to_string())
    .bind(matricule)
    .bind(except.to_string())
    .fetch_all(conn)
    .await?;
    rows.iter().map(|r| id(&r.try_get::<String, _>(0)?, "person id")).collect()
}

/// What a call to INSi gave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InsiOutcome {
    Found,
    NotFound,
    Several,
    Error,
}

impl InsiOutcome {
    pub fn code(self) -> &'static str {
        match self {
            Self::Found => "found",
            Self::NotFound => "not_found",
            Self::Several => "several",
            Self::Error => "error",
        }
    }
    fn from_code(s: &str) -> Option<Self> {
        [Self::Found, Self::NotFound, Self::Several, Self::Error].into_iter().find(|o| o.code() == s)
    }
}

/// What the professional decided about the identity INSi returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InsiDecision {
    Accepted,
    Rejected,
}

impl InsiDecision {
    pub fn code(self) -> &'static str {
        match self {
            Self::Accepted => "accepted",
            Self::Rejected => "rejected",
        }
    }
    fn from_code(s: &str) -> Option<Self> {
        [Self::Accepted, Self::Rejected].into_iter().find(|o| o.code() == s)
    }
}

/// The identity INSi returned, as stored with the call.
#[derive(Debug, Clone)]
pub struct ReturnedIdentity {
    pub ins: Ins,
    pub history: Vec<Ins>,
    pub traits: StrictTraits,
}

/// One logged call to INSi (the strategy's attempts counted in `attempts`).
#[derive(Debug, Clone)]
pub struct InsiCall {
    pub id: InsiCallId,
    pub person_id: Option<PersonId>,
    pub account_id: Option<AccountId>,
    pub called_at: Micros,
    pub duration_micros: i64,
    pub attempts: i64,
    pub outcome: InsiOutcome,
    pub code: String,
    pub label: String,
    pub returned: Option<ReturnedIdentity>,
    /// Whether the returned traits agree with the person's at the time of the call.
    pub consistent: Option<bool>,
    pub decision: Option<InsiDecision>,
    pub decided_by: Option<AccountId>,
    pub decided_at: Option<Micros>,
}

const INSERT_CALL_COLUMNS: &[&str] = &[
    "id",
    "organisation_id",
    "person_id",
    "account_id",
    "called_at",
    "duration_micros",
    "attempts",
    "outcome",
    "code",
    "label",
    "ins_matricule",
    "ins_oid",
    "ins_history",
    "birth_name",
    "first_names",
    "sex",
    "birth_date",
    "birthplace",
    "consistent",
    "decision",
    "decided_by",
    "decided_at",
];

fn bind_insi_call<'q>(q: AnyQuery<'q>, org: OrganisationId, c: &InsiCall) -> AnyQuery<'q> {
    let r = c.returned.as_ref();
    q.bind(c.id.to_string())
        .bind(org.to_string())
        .bind(c.person_id.map(|p| p.to_string()))
        .bind(c.account_id.map(|a| a.to_string()))
        .bind(c.called_at)
        .bind(c.duration_micros)
        .bind(c.attempts)
        .bind(c.outcome.code())
        .bind(c.code.clone())
        .bind(c.label.clone())
        .bind(r.map(|r| r.ins.matricule.as_str().to_string()))
        .bind(r.map(|r| r.ins.authority.oid().to_string()))
        .bind(r.map(|r| ins_history_to_storage(&r.history)).unwrap_or_default())
        .bind(r.map(|r| r.traits.birth_name.clone()))
        .bind(r.map(|r| r.traits.first_names_joined()))
        .bind(r.map(|r| r.traits.sex.code()))
        .bind(r.map(|r| r.traits.birth_date.to_storage()))
        .bind(r.and_then(|r| r.traits.birthplace.as_ref().map(|b| b.as_str().to_string())))
        .bind(c.consistent.map(i64::from))
        .bind(c.decision.map(|d| d.code()))
        .bind(c.decided_by.map(|a| a.to_string()))
        .bind(c.decided_at)
}

pub async fn insert_insi_call(conn: &mut Conn, org: OrganisationId, c: &InsiCall) -> Result<()> {
    insert_insi_calls(conn, org, std::slice::from_ref(c)).await
}

/// Several calls at once (the data set generator writes one per qualified identity).
pub async fn insert_insi_calls(conn: &mut Conn, org: OrganisationId, calls: &[InsiCall]) -> Result<()> {
    let engine = if conn.backend_name() == "SQLite" { Engine::Sqlite } else { Engine::Postgres };
    for chunk in calls.chunks(200) {
        let sql = multi_insert(engine, "insi_call", INSERT_CALL_COLUMNS, chunk.len());
        let q = chunk.iter().fold(sqlx::query(AssertSqlSafe(sql)), |q, c| bind_insi_call(q, org, c));
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

const CALL_COLUMNS: &str = "id, person_id, account_id, called_at, duration_micros, attempts, outcome, code, label, ins_matricule, \
     ins_oid, ins_history, birth_name, first_names, sex, birth_date, birthplace, consistent, decision, decided_by, decided_at";

fn call_from_row(r: &AnyRow) -> Result<InsiCall> {
    let returned = match (r.try_get::<Option<String>, _>(9)?, r.try_get::<Option<String>, _>(10)?) {
        (Some(m), Some(o)) => {
            let ins = Ins::parse(&m, &o).map_err(|_| corrupt("insi ins"))?;
            let birth_date =
                BirthDate::from_storage(&r.try_get::<Option<String>, _>(15)?.ok_or_else(|| corrupt("insi date"))?)
                    .map_err(|_| corrupt("insi date"))?;
            let sex = Sex::from_code(&r.try_get::<Option<String>, _>(14)?.unwrap_or_default())
                .map_err(|_| corrupt("insi sex"))?;
            let place = r
                .try_get::<Option<String>, _>(16)?
                .map(|p| InseeCode::parse(&p).map_err(|_| corrupt("insi birthplace")))
                .transpose()?;
            let traits = StrictTraits::new(
                &r.try_get::<Option<String>, _>(12)?.unwrap_or_default(),
                &r.try_get::<Option<String>, _>(13)?.unwrap_or_default(),
                birth_date,
                sex,
                place,
            )
            .map_err(|_| corrupt("insi traits"))?;
            Some(ReturnedIdentity { ins, history: ins_history_from_storage(&r.try_get::<String, _>(11)?)?, traits })
        }
        _ => None,
    };
    Ok(InsiCall {
        id: id(&r.try_get::<String, _>(0)?, "insi call id")?,
        person_id: opt_id(r.try_get(1)?, "person id")?,
        account_id: opt_id(r.try_get(2)?, "account id")?,
        called_at: r.try_get(3)?,
        duration_micros: r.try_get(4)?,
        attempts: r.try_get(5)?,
        outcome: InsiOutcome::from_code(&r.try_get::<String, _>(6)?).ok_or_else(|| corrupt("insi outcome"))?,
        code: r.try_get(7)?,
        label: r.try_get(8)?,
        returned,
        consistent: r.try_get::<Option<i64>, _>(17)?.map(|v| v != 0),
        decision: r
            .try_get::<Option<String>, _>(18)?
            .map(|d| InsiDecision::from_code(&d).ok_or_else(|| corrupt("insi decision")))
            .transpose()?,
        decided_by: opt_id(r.try_get(19)?, "account id")?,
        decided_at: r.try_get(20)?,
    })
}

pub async fn insi_call(conn: &mut Conn, org: OrganisationId, call: InsiCallId) -> Result<Option<InsiCall>> {
    let sql = format!("SELECT {CALL_COLUMNS} FROM insi_call WHERE id = $1 AND organisation_id = $2");
    let r = sqlx::query(AssertSqlSafe(sql)).bind(call.to_string()).bind(org.to_string()).fetch_optional(conn).await?;
    r.as_ref().map(call_from_row).transpose()
}

/// A person's INSi calls, newest first.
pub async fn insi_calls_of(conn: &mut Conn, person: PersonId, limit: i64) -> Result<Vec<InsiCall>> {
    let sql =
        format!("SELECT {CALL_COLUMNS} FROM insi_call WHERE person_id = $1 ORDER BY called_at DESC LIMIT {limit}");
    let rows = sqlx::query(AssertSqlSafe(sql)).bind(person.to_string()).fetch_all(conn).await?;
    rows.iter().map(call_from_row).collect()
}

/// Calls that returned an identity nobody has decided on yet, oldest first: the referent's queue.
pub async fn undecided_insi_calls(conn: &mut Conn, org: OrganisationId, limit: i64) -> Result<Vec<InsiCall>> {
    let sql = format!(
        "SELECT {CALL_COLUMNS} FROM insi_call WHERE organisation_id = $1 AND outcome = 'found' AND decision IS NULL \
         ORDER BY called_at LIMIT {limit}"
    );
    let rows = sqlx::query(AssertSqlSafe(sql)).bind(org.to_string()).fetch_all(conn).await?;
    rows.iter().map(call_from_row).collect()
}

pub async fn decide_insi_call(
    conn: &mut Conn,
    call: InsiCallId,
    decision: InsiDecision,
    by: AccountId,
    at: Micros,
) -> Result<()> {
    sqlx::query("UPDATE insi_call SET decision = $1, decided_by = $2, decided_at = $3 WHERE id = $4")
        .bind(decision.code())
        .bind(by.to_string())
        .bind(at)
        .bind(call.to_string())
        .execute(conn)
        .await?;
    Ok(())
}

/// Leaves earlier undecided calls of a person behind a newer one: only the last answer counts.
pub async fn supersede_insi_calls(conn: &mut Conn, person: PersonId, by: AccountId, at: Micros) -> Result<()> {
    sqlx::query(
        "UPDATE insi_call SET decision = 'rejected', decided_by = $1, decided_at = $2 \
         WHERE person_id = $3 AND outcome = 'found' AND decision IS NULL",
    )
    .bind(by.to_string())
    .bind(at)
    .bind(person.to_string())
    .execute(conn)
    .await?;
    Ok(())
}

/// A change of identity kept with its before, after and reason.
#[derive(Debug, Clone)]
pub struct IdentityChange {
    pub person_id: PersonId,
    pub account_id: Option<AccountId>,
    pub changed_at: Micros,
    /// `traits`, `attributes`, `insi`, `evidence`.
    pub kind: String,
    pub before: String,
    pub after: String,
    pub reason: String,
}

pub async fn insert_identity_change(conn: &mut Conn, org: OrganisationId, c: &IdentityChange) -> Result<()> {
    sqlx::query(
        "INSERT INTO identity_change (id, organisation_id, person_id, account_id, changed_at, kind, before_text, after_text, reason) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(uuid::Uuid::now_v7().to_string())
    .bind(org.to_string())
    .bind(c.person_id.to_string())
    .bind(c.account_id.map(|a| a.to_string()))
    .bind(c.changed_at)
    .bind(&c.kind)
    .bind(&c.before)
    .bind(&c.after)
    .bind(&c.reason)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn identity_changes(conn: &mut Conn, person: PersonId) -> Result<Vec<IdentityChange>> {
    let rows = sqlx::query(
        "SELECT person_id, account_id, changed_at, kind, before_text, after_text, reason FROM identity_change \
         WHERE person_id = $1 ORDER BY changed_at DESC",
    )
    .bind(person.to_string())
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(IdentityChange {
                person_id: id(&r.try_get::<String, _>(0)?, "person id")?,
                account_id: opt_id(r.try_get(1)?, "account id")?,
                changed_at: r.try_get(2)?,
                kind: r.try_get(3)?,
                before: r.try_get(4)?,
                after: r.try_get(5)?,
                reason: r.try_get(6)?,
            })
        })
        .collect()
}

/// Persons of the given establishments whose identity is not yet qualified (registered there or
/// staying there), oldest first: the queue of identities to qualify.
pub async fn to_qualify(
    conn: &mut Conn,
    org: OrganisationId,
    establishments: &[EstablishmentId],
    limit: i64,
) -> Result<Vec<Person>> {
    if establishments.is_empty() {
        return Ok(vec![]);
    }
    let ph = placeholders(2, establishments.len());
    let sql = format!(
        "SELECT {PERSON_COLUMNS} FROM person p WHERE p.organisation_id = $1 AND p.identity_status <> 'QUAL' AND p.merged_into IS NULL \
         AND (p.registered_establishment_id IN ({ph}) OR p.id IN (SELECT s.person_id FROM stay s WHERE s.establishment_id IN ({ph}) AND s.end_date IS NULL)) \
         ORDER BY p.created_at LIMIT {limit}"
    );
    let mut q = sqlx::query(AssertSqlSafe(sql)).bind(org.to_string());
    for e in establishments {
        q = q.bind(e.to_string());
    }
    let rows = q.fetch_all(conn).await?;
    rows.iter().map(person_from_row).collect()
}

/// Persons flagged as suspected duplicates in the organisation.
pub async fn suspected_duplicates(conn: &mut Conn, org: OrganisationId, limit: i64) -> Result<Vec<Person>> {
    let sql = format!(
        "SELECT {PERSON_COLUMNS} FROM person p WHERE p.organisation_id = $1 AND p.identity_attributes LIKE '%DPOT%' AND p.merged_into IS NULL \
         ORDER BY p.updated_at LIMIT {limit}"
    );
    let rows = sqlx::query(AssertSqlSafe(sql)).bind(org.to_string()).fetch_all(conn).await?;
    rows.iter().map(person_from_row).collect()
}

/// Record tables that follow a person through a merge: (table, key column). Versioned records
/// move by lineage so that a version written after the merge goes back with its lineage.
const MERGED_TABLES: &[(&str, &str)] = &[
    ("note", "lineage_id"),
    ("observation", "lineage_id"),
    ("document", "lineage_id"),
    ("stay", "id"),
    ("identity_evidence", "id"),
    ("person_alert", "id"),
    ("appointment", "id"),
    ("observation_threshold", "id"),
    ("insi_call", "id"),
    ("activity_participant", "activity_id"),
    ("assessment", "id"),
    ("admission_request", "id"),
    ("social_coverage", "id"),
    ("social_benefit", "id"),
    ("mdph_notification", "id"),
    ("stay_absence", "id"),
    ("support_plan", "id"),
    ("support_plan_version", "id"),
    ("note_objective", "note_lineage_id"),
    ("support_plan_objective", "objective_id"),
    ("person_contact", "lineage_id"),
    ("legal_protection", "id"),
    ("person_consent", "id"),
    ("contract", "id"),
];

/// A merge as recorded.
#[derive(Debug, Clone)]
pub struct PersonMerge {
    pub id: String,
    pub survivor_id: PersonId,
    pub merged_id: PersonId,
    pub merged_at: Micros,
    pub merged_by: Option<AccountId>,
    pub reason: String,
    pub unmerged_at: Option<Micros>,
}

/// How many rows of each table a merge or an unmerge moved.
pub type Moved = Vec<(&'static str, i64)>;

/// Moves every record of `merged` to `survivor`, remembers what moved, and makes `merged` an
/// alias. Activity registrations the survivor already has for the same session stay behind.
pub async fn merge(
    conn: &mut Conn,
    org: OrganisationId,
    survivor: PersonId,
    merged: PersonId,
    by: Option<AccountId>,
    reason: &str,
    now: Micros,
) -> Result<(String, Moved)> {
    let merge_id = uuid::Uuid::now_v7().to_string();
    sqlx::query(
        "INSERT INTO person_merge (id, organisation_id, survivor_id, merged_id, merged_at, merged_by, reason) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&merge_id)
    .bind(org.to_string())
    .bind(survivor.to_string())
    .bind(merged.to_string())
    .bind(now)
    .bind(by.map(|a| a.to_string()))
    .bind(reason)
    .execute(&mut *conn)
    .await?;
    let mut moved = Vec::new();
    for (table, key) in MERGED_TABLES {
        let extra = if *table == "activity_participant" {
            " AND activity_id NOT IN (SELECT activity_id FROM activity_participant WHERE person_id = $3)"
        } else {
            ""
        };
        let sql = format!(
            "INSERT INTO person_merge_item (merge_id, table_name, row_key) SELECT DISTINCT CAST($1 AS TEXT), '{table}', {key} FROM {table} WHERE person_id = $2{extra}"
        );
        sqlx::query(AssertSqlSafe(sql))
            .bind(&merge_id)
            .bind(merged.to_string())
            .bind(survivor.to_string())
            .execute(&mut *conn)
            .await?;
        let sql = format!(
            "UPDATE {table} SET person_id = $1 WHERE person_id = $2 AND {key} IN (SELECT row_key FROM person_merge_item WHERE merge_id = $3 AND table_name = '{table}')"
        );
        let n = sqlx::query(AssertSqlSafe(sql))
            .bind(survivor.to_string())
            .bind(merged.to_string())
            .bind(&merge_id)
            .execute(&mut *conn)
            .await?
            .rows_affected();
        moved.push((*table, i64::try_from(n).unwrap_or(i64::MAX)));
    }
    sqlx::query("UPDATE person SET merged_into = $1, updated_at = $2 WHERE id = $3")
        .bind(survivor.to_string())
        .bind(now)
        .bind(merged.to_string())
        .execute(&mut *conn)
        .await?;
    // The alias is found by neither duplicate detection nor search.
    sqlx::query("DELETE FROM person_match_key WHERE person_id = $1")
        .bind(merged.to_string())
        .execute(&mut *conn)
        .await?;
    Ok((merge_id, moved))
}

/// Undoes a merge: what it moved goes back to the merged person, with every version written
/// since on a moved lineage; what was recorded on the survivor since stays there.
pub async fn unmerge(
    conn: &mut Conn,
    m: &PersonMerge,
    by: Option<AccountId>,
    reason: &str,
    now: Micros,
) -> Result<Moved> {
    let mut moved = Vec::new();
    for (table, key) in MERGED_TABLES {
        let sql = format!(
            "UPDATE {table} SET person_id = $1 WHERE person_id = $2 AND {key} IN (SELECT row_key FROM person_merge_item WHERE merge_id = $3 AND table_name = '{table}')"
        );
        let n = sqlx::query(AssertSqlSafe(sql))
            .bind(m.merged_id.to_string())
            .bind(m.survivor_id.to_string())
            .bind(&m.id)
            .execute(&mut *conn)
            .await?
            .rows_affected();
        moved.push((*table, i64::try_from(n).unwrap_or(i64::MAX)));
    }
    sqlx::query("UPDATE person SET merged_into = NULL, updated_at = $1 WHERE id = $2")
        .bind(now)
        .bind(m.merged_id.to_string())
        .execute(&mut *conn)
        .await?;
    sqlx::query("UPDATE person_merge SET unmerged_at = $1, unmerged_by = $2, unmerge_reason = $3 WHERE id = $4")
        .bind(now)
        .bind(by.map(|a| a.to_string()))
        .bind(reason)
        .bind(&m.id)
        .execute(&mut *conn)
        .await?;
    let sql = format!("SELECT {PERSON_COLUMNS} FROM person p WHERE p.id = $1");
    let r = sqlx::query(AssertSqlSafe(sql)).bind(m.merged_id.to_string()).fetch_one(&mut *conn).await?;
    insert_match_keys(conn, &person_from_row(&r)?).await?;
    Ok(moved)
}

/// The merges a person took part in, newest first.
pub async fn merges_of(conn: &mut Conn, person: PersonId) -> Result<Vec<PersonMerge>> {
    let rows = sqlx::query(
        "SELECT id, survivor_id, merged_id, merged_at, merged_by, reason, unmerged_at FROM person_merge \
         WHERE survivor_id = $1 OR merged_id = $1 ORDER BY merged_at DESC",
    )
    .bind(person.to_string())
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(PersonMerge {
                id: r.try_get(0)?,
                survivor_id: id(&r.try_get::<String, _>(1)?, "person id")?,
                merged_id: id(&r.try_get::<String, _>(2)?, "person id")?,
                merged_at: r.try_get(3)?,
                merged_by: opt_id(r.try_get(4)?, "account id")?,
                reason: r.try_get(5)?,
                unmerged_at: r.try_get(6)?,
            })
        })
        .collect()
}
