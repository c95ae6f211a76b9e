//! Alert thresholds on measures: a person's and an establishment's rules, the one that applies.

use crate::codec::{corrupt, id, opt_id};
use crate::{Conn, Micros, Result};
use relais_domain::ids::*;
use relais_domain::observation::{Threshold, VitalSign};
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

/// Whom a rule covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThresholdScope {
    Person(PersonId),
    Establishment(EstablishmentId),
}

#[derive(Debug, Clone)]
pub struct ThresholdRule {
    pub id: ThresholdId,
    pub scope: ThresholdScope,
    pub threshold: Threshold,
    pub created_by: AccountId,
    pub created_label: String,
    pub created_at: Micros,
}

const COLUMNS: &str = "id, establishment_id, person_id, kind, low, high, created_by, created_label, created_at";

fn from_row(r: &AnyRow) -> Result<ThresholdRule> {
    let establishment: Option<EstablishmentId> = opt_id(r.try_get(1)?, "establishment id")?;
    let person: Option<PersonId> = opt_id(r.try_get(2)?, "person id")?;
    let scope = match (person, establishment) {
        (Some(p), None) => ThresholdScope::Person(p),
        (None, Some(e)) => ThresholdScope::Establishment(e),
        _ => return Err(corrupt("threshold scope")),
    };
    let kind = VitalSign::from_code(&r.try_get::<String, _>(3)?).map_err(|_| corrupt("threshold kind"))?;
    Ok(ThresholdRule {
        id: id(&r.try_get::<String, _>(0)?, "threshold id")?,
        scope,
        threshold: Threshold { kind, low: r.try_get(4)?, high: r.try_get(5)? },
        created_by: id(&r.try_get::<String, _>(6)?, "account id")?,
        created_label: r.try_get(7)?,
        created_at: r.try_get(8)?,
    })
}

fn scope_column(scope: ThresholdScope) -> (&'static str, String) {
    match scope {
        ThresholdScope::Person(p) => ("person_id", p.to_string()),
        ThresholdScope::Establishment(e) => ("establishment_id", e.to_string()),
    }
}

/// A bound as SQL: the Any driver cannot bind a missing float, and a validated finite `f64`
/// prints as a plain number literal.
fn bound(v: Option<f64>) -> String {
    v.filter(|v| v.is_finite()).map(|v| format!("{v:?}")).unwrap_or_else(|| "NULL".into())
}

/// Stores a rule, removing the one it replaces (same scope, same kind).
pub async fn replace(conn: &mut Conn, org: OrganisationId, rule: &ThresholdRule) -> Result<()> {
    let (column, scope_id) = scope_column(rule.scope);
    let sql = format!(
        "UPDATE observation_threshold SET removed_at = $1 WHERE {column} = $2 AND kind = $3 AND removed_at IS NULL"
    );
    sqlx::query(AssertSqlSafe(sql))
        .bind(rule.created_at)
        .bind(&scope_id)
        .bind(rule.threshold.kind.code())
        .execute(&mut *conn)
        .await?;
    let sql = format!(
        "INSERT INTO observation_threshold (id, organisation_id, {column}, kind, low, high, created_by, created_label, created_at) \
         VALUES ($1, $2, $3, $4, {}, {}, $5, $6, $7)",
        bound(rule.threshold.low),
        bound(rule.threshold.high)
    );
    sqlx::query(AssertSqlSafe(sql))
        .bind(rule.id.to_string())
        .bind(org.to_string())
        .bind(scope_id)
        .bind(rule.threshold.kind.code())
        .bind(rule.created_by.to_string())
        .bind(&rule.created_label)
        .bind(rule.created_at)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn get(conn: &mut Conn, org: OrganisationId, rule: ThresholdId) -> Result<Option<ThresholdRule>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM observation_threshold WHERE id = $1 AND organisation_id = $2 AND removed_at IS NULL"
    );
    let r = sqlx::query(AssertSqlSafe(sql)).bind(rule.to_string()).bind(org.to_string()).fetch_optional(conn).await?;
    r.as_ref().map(from_row).transpose()
}

/// Removes a rule; false when it already was.
pub async fn remove(conn: &mut Conn, rule: ThresholdId, at: Micros) -> Result<bool> {
    let r = sqlx::query("UPDATE observation_threshold SET removed_at = $2 WHERE id = $1 AND removed_at IS NULL")
        .bind(rule.to_string())
        .bind(at)
        .execute(conn)
        .await?;
    Ok(r.rows_affected() == 1)
}

/// The active rules of a scope, by kind.
pub async fn active(conn: &mut Conn, scope: ThresholdScope) -> Result<Vec<ThresholdRule>> {
    let (column, scope_id) = scope_column(scope);
    let sql =
        format!("SELECT {COLUMNS} FROM observation_threshold WHERE {column} = $1 AND removed_at IS NULL ORDER BY kind");
    let rows = sqlx::query(AssertSqlSafe(sql)).bind(scope_id).fetch_all(conn).await?;
    rows.iter().map(from_row).collect()
}

/// The rule that applies to a measure of `kind` on `person`: theirs, else their establishment's.
pub async fn applicable(
    conn: &mut Conn,
    person: PersonId,
    establishment: Option<EstablishmentId>,
    kind: VitalSign,
) -> Result<Option<ThresholdRule>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM observation_threshold WHERE kind = $1 AND removed_at IS NULL \
         AND (person_id = $2 OR establishment_id = $3) ORDER BY person_id IS NULL LIMIT 1"
    );
    let r = sqlx::query(AssertSqlSafe(sql))
        .bind(kind.code())
        .bind(person.to_string())
        .bind(establishment.map(|e| e.to_string()).unwrap_or_default())
        .fetch_optional(conn)
        .await?;
    r.as_ref().map(from_row).transpose()
}
