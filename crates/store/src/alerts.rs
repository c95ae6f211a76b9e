//! Alerts pinned on persons: pinned, listed while active, resolved with a reason.

use crate::codec::{corrupt, id, opt_id};
use crate::{Conn, Micros, Result, placeholders};
use relais_domain::alert::AlertKind;
use relais_domain::ids::*;
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

#[derive(Debug, Clone)]
pub struct PersonAlert {
    pub id: PersonAlertId,
    pub person_id: PersonId,
    pub kind: AlertKind,
    pub detail: Option<String>,
    pub created_by: AccountId,
    pub created_label: String,
    pub created_at: Micros,
    pub resolved_by: Option<AccountId>,
    pub resolved_label: Option<String>,
    pub resolved_at: Option<Micros>,
    pub resolution: Option<String>,
}

const COLUMNS: &str = "id, person_id, kind, detail, created_by, created_label, created_at, resolved_by, resolved_label, resolved_at, resolution";

fn from_row(r: &AnyRow) -> Result<PersonAlert> {
    Ok(PersonAlert {
        id: id(&r.try_get::<String, _>(0)?, "alert id")?,
        person_id: id(&r.try_get::<String, _>(1)?, "person id")?,
        kind: AlertKind::from_code(&r.try_get::<String, _>(2)?).map_err(|_| corrupt("alert kind"))?,
        detail: r.try_get(3)?,
        created_by: id(&r.try_get::<String, _>(4)?, "account id")?,
        created_label: r.try_get(5)?,
        created_at: r.try_get(6)?,
        resolved_by: opt_id(r.try_get(7)?, "account id")?,
        resolved_label: r.try_get(8)?,
        resolved_at: r.try_get(9)?,
        resolution: r.try_get(10)?,
    })
}

pub async fn insert(conn: &mut Conn, org: OrganisationId, a: &PersonAlert) -> Result<()> {
    sqlx::query(
        "INSERT INTO person_alert (id, organisation_id, person_id, kind, detail, created_by, created_label, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(a.id.to_string())
    .bind(org.to_string())
    .bind(a.person_id.to_string())
    .bind(a.kind.code())
    .bind(&a.detail)
    .bind(a.created_by.to_string())
    .bind(&a.created_label)
    .bind(a.created_at)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn get(conn: &mut Conn, org: OrganisationId, alert: PersonAlertId) -> Result<Option<PersonAlert>> {
    let sql = format!("SELECT {COLUMNS} FROM person_alert WHERE id = $1 AND organisation_id = $2");
    let r = sqlx::query(AssertSqlSafe(sql)).bind(alert.to_string()).bind(org.to_string()).fetch_optional(conn).await?;
    r.as_ref().map(from_row).transpose()
}

/// Resolves an active alert; false when it was already resolved.
pub async fn resolve(
    conn: &mut Conn,
    alert: PersonAlertId,
    by: AccountId,
    label: &str,
    at: Micros,
    resolution: &str,
) -> Result<bool> {
    let r = sqlx::query(
        "UPDATE person_alert SET resolved_by = $2, resolved_label = $3, resolved_at = $4, resolution = $5 \
         WHERE id = $1 AND resolved_at IS NULL",
    )
    .bind(alert.to_string())
    .bind(by.to_string())
    .bind(label)
    .bind(at)
    .bind(resolution)
    .execute(conn)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Active alerts of the given persons, oldest first.
pub async fn active_for(conn: &mut Conn, persons: &[PersonId]) -> Result<Vec<PersonAlert>> {
    if persons.is_empty() {
        return Ok(vec![]);
    }
    let sql = format!(
        "SELECT {COLUMNS} FROM person_alert WHERE person_id IN ({}) AND resolved_at IS NULL ORDER BY created_at",
        placeholders(1, persons.len())
    );
    let q = persons.iter().fold(sqlx::query(AssertSqlSafe(sql)), |q, p| q.bind(p.to_string()));
    let rows = q.fetch_all(conn).await?;
    rows.iter().map(from_row).collect()
}
