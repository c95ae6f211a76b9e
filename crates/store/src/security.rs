//! Sessions, login failures, API clients and their tokens. Secrets are stored only as SHA-256.

use crate::codec::{flag, id};
use crate::org::grant_at;
use crate::{Conn, Micros, Result, StoreError, now_micros};
use relais_domain::access::Grant;
use relais_domain::ids::{AccountId, ApiClientId, OrganisationId};
use sqlx::Row;

#[derive(Debug, Clone)]
pub struct WebSession {
    pub account_id: AccountId,
    pub csrf_token: String,
    pub second_factor_done: bool,
    pub created_at: Micros,
    pub last_seen_at: Micros,
}

pub async fn insert_session(conn: &mut Conn, token_hash: &str, s: &WebSession) -> Result<()> {
    sqlx::query(
        "INSERT INTO web_session (token_hash, account_id, csrf_token, second_factor_done, created_at, last_seen_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(token_hash)
    .bind(s.account_id.to_string())
    .bind(&s.csrf_token)
    .bind(s.second_factor_done as i16)
    .bind(s.created_at)
    .bind(s.last_seen_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// Everything a request needs to know about its session, read in one query: the session, its
/// account, the organisation's second-factor rule and the account's grants.
#[derive(Debug, Clone)]
pub struct SessionContext {
    pub session: WebSession,
    pub organisation_id: OrganisationId,
    pub username: String,
    pub display_name: String,
    pub totp_enabled: bool,
    pub disabled: bool,
    pub totp_required: bool,
    pub grants: Vec<Grant>,
}

pub async fn session_context(conn: &mut Conn, token_hash: &str) -> Result<Option<SessionContext>> {
    // One row per grant (or one row with empty grant columns): a page costs one round trip here.
    let rows = sqlx::query(
        "SELECT s.account_id, s.csrf_token, s.second_factor_done, s.created_at, s.last_seen_at, \
                a.organisation_id, a.username, a.totp_enabled, a.disabled, p.given_name, p.family_name, o.totp_required, \
                g.profile, g.establishment_id, g.unit_id, g.valid_from, g.valid_until \
         FROM web_session s JOIN account a ON a.id = s.account_id \
         JOIN professional p ON p.id = a.professional_id JOIN organisation o ON o.id = a.organisation_id \
         LEFT JOIN access_grant g ON g.account_id = a.id \
         WHERE s.token_hash = $1 ORDER BY g.valid_from",
    )
    .bind(token_hash)
    .fetch_all(conn)
    .await?;
    let Some(r) = rows.first() else { return Ok(None) };
    let mut grants = Vec::with_capacity(rows.len());
    for g in &rows {
        if g.try_get::<Option<String>, _>(12)?.is_some() {
            grants.push(grant_at(g, 12)?);
        }
    }
    Ok(Some(SessionContext {
        session: WebSession {
            account_id: id(&r.try_get::<String, _>(0)?, "account id")?,
            csrf_token: r.try_get(1)?,
            second_factor_done: flag(r.try_get(2)?),
            created_at: r.try_get(3)?,
            last_seen_at: r.try_get(4)?,
        },
        organisation_id: id(&r.try_get::<String, _>(5)?, "organisation id")?,
        username: r.try_get(6)?,
        totp_enabled: flag(r.try_get(7)?),
        disabled: flag(r.try_get(8)?),
        display_name: format!("{} {}", r.try_get::<String, _>(9)?, r.try_get::<String, _>(10)?),
        totp_required: flag(r.try_get(11)?),
        grants,
    }))
}

pub async fn touch_session(conn: &mut Conn, token_hash: &str, at: Micros) -> Result<()> {
    sqlx::query("UPDATE web_session SET last_seen_at = $1 WHERE token_hash = $2")
        .bind(at)
        .bind(token_hash)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn complete_second_factor(conn: &mut Conn, token_hash: &str) -> Result<()> {
    sqlx::query("UPDATE web_session SET second_factor_done = 1 WHERE token_hash = $1")
        .bind(token_hash)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn delete_session(conn: &mut Conn, token_hash: &str) -> Result<()> {
    sqlx::query("DELETE FROM web_session WHERE token_hash = $1").bind(token_hash).execute(conn).await?;
    Ok(())
}

/// Removes sessions idle or older than the limits.
pub async fn purge_sessions(conn: &mut Conn, idle_before: Micros, created_before: Micros) -> Result<u64> {
    let r = sqlx::query("DELETE FROM web_session WHERE last_seen_at < $1 OR created_at < $2")
        .bind(idle_before)
        .bind(created_before)
        .execute(conn)
        .await?;
    Ok(r.rows_affected())
}

pub async fn record_login_failure(conn: &mut Conn, username: &str, ip: &str) -> Result<()> {
    sqlx::query("INSERT INTO login_failure (id, username, ip, at) VALUES ($1, $2, $3, $4)")
        .bind(uuid::Uuid::now_v7().to_string())
        .bind(username)
        .bind(ip)
        .bind(now_micros())
        .execute(conn)
        .await?;
    Ok(())
}

/// Failures since `since` for this login, and for this address.
pub async fn login_failures(conn: &mut Conn, username: &str, ip: &str, since: Micros) -> Result<(i64, i64)> {
    let by_user: i64 = sqlx::query("SELECT COUNT(*) FROM login_failure WHERE username = $1 AND at >= $2")
        .bind(username)
        .bind(since)
        .fetch_one(&mut *conn)
        .await?
        .try_get(0)?;
    let by_ip: i64 = sqlx::query("SELECT COUNT(*) FROM login_failure WHERE ip = $1 AND at >= $2")
        .bind(ip)
        .bind(since)
        .fetch_one(&mut *conn)
        .await?
        .try_get(0)?;
    Ok((by_user, by_ip))
}

pub async fn clear_login_failures(conn: &mut Conn, username: &str) -> Result<()> {
    sqlx::query("DELETE FROM login_failure WHERE username = $1").bind(username).execute(conn).await?;
    Ok(())
}

#[derive(Debug, Clone)]
pub struct ApiClient {
    pub id: ApiClientId,
    pub organisation_id: OrganisationId,
    pub name: String,
    pub client_id: String,
    pub secret_hash: String,
    pub scopes: String,
    pub disabled: bool,
}

pub async fn insert_api_client(conn: &mut Conn, c: &ApiClient) -> Result<()> {
    let res = sqlx::query(
        "INSERT INTO api_client (id, organisation_id, name, client_id, secret_hash, scopes, disabled, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(c.id.to_string())
    .bind(c.organisation_id.to_string())
    .bind(&c.name)
    .bind(&c.client_id)
    .bind(&c.secret_hash)
    .bind(&c.scopes)
    .bind(c.disabled as i16)
    .bind(now_micros())
    .execute(conn)
    .await;
    match res {
        Err(sqlx::Error::Database(d)) if d.is_unique_violation() => Err(StoreError::Conflict("client_id".into())),
        Err(e) => Err(e.into()),
        Ok(_) => Ok(()),
    }
}

pub async fn api_client_by_client_id(conn: &mut Conn, client_id: &str) -> Result<Option<ApiClient>> {
    let r = sqlx::query(
        "SELECT id, organisation_id, name, client_id, secret_hash, scopes, disabled FROM api_client WHERE client_id = $1",
    )
    .bind(client_id)
    .fetch_optional(conn)
    .await?;
    r.map(|r| {
        Ok(ApiClient {
            id: id(&r.try_get::<String, _>(0)?, "api client id")?,
            organisation_id: id(&r.try_get::<String, _>(1)?, "organisation id")?,
            name: r.try_get(2)?,
            client_id: r.try_get(3)?,
            secret_hash: r.try_get(4)?,
            scopes: r.try_get(5)?,
            disabled: flag(r.try_get(6)?),
        })
    })
    .transpose()
}

pub async fn insert_api_token(
    conn: &mut Conn,
    token_hash: &str,
    client: ApiClientId,
    scopes: &str,
    expires_at: Micros,
) -> Result<()> {
    sqlx::query("INSERT INTO api_token (token_hash, api_client_id, scopes, expires_at) VALUES ($1, $2, $3, $4)")
        .bind(token_hash)
        .bind(client.to_string())
        .bind(scopes)
        .bind(expires_at)
        .execute(&mut *conn)
        .await?;
    // Expired tokens are useless: drop them as new ones come.
    sqlx::query("DELETE FROM api_token WHERE expires_at < $1").bind(now_micros()).execute(conn).await?;
    Ok(())
}

/// A valid token: the client (still enabled) and the granted scopes.
pub async fn api_token(conn: &mut Conn, token_hash: &str, now: Micros) -> Result<Option<(ApiClient, String)>> {
    let r = sqlx::query(
        "SELECT c.id, c.organisation_id, c.name, c.client_id, c.secret_hash, c.scopes, c.disabled, t.scopes \
         FROM api_token t JOIN api_client c ON c.id = t.api_client_id WHERE t.token_hash = $1 AND t.expires_at > $2 AND c.disabled = 0",
    )
    .bind(token_hash)
    .bind(now)
    .fetch_optional(conn)
    .await?;
    r.map(|r| {
        Ok((
            ApiClient {
                id: id(&r.try_get::<String, _>(0)?, "api client id")?,
                organisation_id: id(&r.try_get::<String, _>(1)?, "organisation id")?,
                name: r.try_get(2)?,
                client_id: r.try_get(3)?,
                secret_hash: r.try_get(4)?,
                scopes: r.try_get(5)?,
                disabled: flag(r.try_get(6)?),
            },
            r.try_get(7)?,
        ))
    })
    .transpose()
}

/// Records a form as submitted; false when it already was.
pub async fn claim_form(conn: &mut Conn, form_id: &str, account: AccountId, at: Micros) -> Result<bool> {
    let r = sqlx::query("INSERT INTO form_submission (form_id, account_id, submitted_at) VALUES ($1, $2, $3) ON CONFLICT (form_id) DO NOTHING")
        .bind(form_id)
        .bind(account.to_string())
        .bind(at)
        .execute(&mut *conn)
        .await?;
    Ok(r.rows_affected() == 1)
}

/// Forgets submissions older than `before` (a replay that late is refused by the session anyway).
pub async fn purge_forms(conn: &mut Conn, before: Micros) -> Result<u64> {
    let r = sqlx::query("DELETE FROM form_submission WHERE submitted_at < $1").bind(before).execute(conn).await?;
    Ok(r.rows_affected())
}

/// At login: when the account has been inactive for longer than `gap`, its last activity ends
/// a shift, and "since my last shift" starts there; a login within the same shift (a second
/// tablet) keeps the previous boundary.
pub async fn begin_shift(conn: &mut Conn, account: AccountId, now: Micros, gap: Micros) -> Result<()> {
    sqlx::query(
        "UPDATE account SET previous_shift_end = CASE WHEN last_active_at IS NOT NULL AND last_active_at < $2 \
         THEN last_active_at ELSE previous_shift_end END, last_active_at = $3 WHERE id = $1",
    )
    .bind(account.to_string())
    .bind(now - gap)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// The account was active (recorded at most once a minute, with the session).
pub async fn touch_account(conn: &mut Conn, account: AccountId, now: Micros) -> Result<()> {
    sqlx::query("UPDATE account SET last_active_at = $2 WHERE id = $1")
        .bind(account.to_string())
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

/// The end of the account's previous shift, if it has worked before.
pub async fn previous_shift_end(conn: &mut Conn, account: AccountId) -> Result<Option<Micros>> {
    let r = sqlx::query("SELECT previous_shift_end FROM account WHERE id = $1")
        .bind(account.to_string())
        .fetch_optional(conn)
        .await?;
    Ok(match r {
        Some(r) => r.try_get(0)?,
        None => None,
    })
}
