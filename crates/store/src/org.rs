//! The organisation model: organisation, establishments, units, professionals, accounts, grants.

use crate::codec::{corrupt, date, flag, id, opt_date, opt_id};
use crate::{Conn, Result, StoreError, now_micros};
use relais_domain::access::{Grant, Profile};
use relais_domain::ids::*;
use relais_domain::organisation::Sector;
use sqlx::Row;
use sqlx::any::AnyRow;

#[derive(Debug, Clone)]
pub struct Organisation {
    pub id: OrganisationId,
    pub name: String,
    pub finess_legal: String,
    pub totp_required: bool,
}

#[derive(Debug, Clone)]
pub struct Establishment {
    pub id: EstablishmentId,
    pub organisation_id: OrganisationId,
    pub name: String,
    pub finess: String,
    pub sector: Sector,
    /// Category code of the FINESS nomenclature (500 = EHPAD, 354 = SSIAD, 183 = IME…).
    pub category: String,
}

#[derive(Debug, Clone)]
pub struct Unit {
    pub id: UnitId,
    pub establishment_id: EstablishmentId,
    pub name: String,
}

#[derive(Debug, Clone)]
pub struct Account {
    pub id: AccountId,
    pub organisation_id: OrganisationId,
    pub professional_id: ProfessionalId,
    pub username: String,
    pub password_hash: String,
    pub totp_secret: Option<String>,
    pub totp_enabled: bool,
    pub disabled: bool,
    pub family_name: String,
    pub given_name: String,
}

impl Account {
    pub fn display_name(&self) -> String {
        format!("{} {}", self.given_name, self.family_name)
    }
}

#[derive(Debug, Clone)]
pub struct GrantRow {
    pub id: GrantId,
    pub grant: Grant,
}

pub async fn insert_organisation(conn: &mut Conn, o: &Organisation) -> Result<()> {
    sqlx::query(
        "INSERT INTO organisation (id, name, finess_legal, totp_required, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(o.id.to_string())
    .bind(&o.name)
    .bind(&o.finess_legal)
    .bind(o.totp_required as i16)
    .bind(now_micros())
    .execute(conn)
    .await?;
    Ok(())
}

fn organisation_from_row(r: &AnyRow) -> Result<Organisation> {
    Ok(Organisation {
        id: id(&r.try_get::<String, _>("id")?, "organisation id")?,
        name: r.try_get("name")?,
        finess_legal: r.try_get("finess_legal")?,
        totp_required: flag(r.try_get("totp_required")?),
    })
}

pub async fn organisation(conn: &mut Conn, org: OrganisationId) -> Result<Organisation> {
    let r = sqlx::query("SELECT id, name, finess_legal, totp_required FROM organisation WHERE id = $1")
        .bind(org.to_string())
        .fetch_optional(conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    organisation_from_row(&r)
}

pub async fn organisations(conn: &mut Conn) -> Result<Vec<Organisation>> {
    let rows = sqlx::query("SELECT id, name, finess_legal, totp_required FROM organisation ORDER BY name")
        .fetch_all(conn)
        .await?;
    rows.iter().map(organisation_from_row).collect()
}

pub async fn set_totp_required(conn: &mut Conn, org: OrganisationId, required: bool) -> Result<()> {
    sqlx::query("UPDATE organisation SET totp_required = $1 WHERE id = $2")
        .bind(required as i16)
        .bind(org.to_string())
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn insert_establishment(conn: &mut Conn, e: &Establishment) -> Result<()> {
    sqlx::query(
        "INSERT INTO establishment (id, organisation_id, name, finess, sector, category, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(e.id.to_string())
    .bind(e.organisation_id.to_string())
    .bind(&e.name)
    .bind(&e.finess)
    .bind(e.sector.code())
    .bind(&e.category)
    .bind(now_micros())
    .execute(conn)
    .await?;
    Ok(())
}

fn establishment_from_row(r: &AnyRow) -> Result<Establishment> {
    Ok(Establishment {
        id: id(&r.try_get::<String, _>("id")?, "establishment id")?,
        organisation_id: id(&r.try_get::<String, _>("organisation_id")?, "organisation id")?,
        name: r.try_get("name")?,
        finess: r.try_get("finess")?,
        sector: Sector::from_code(&r.try_get::<String, _>("sector")?).map_err(|_| corrupt("sector"))?,
        category: r.try_get("category")?,
    })
}

pub async fn establishments(conn: &mut Conn, org: OrganisationId) -> Result<Vec<Establishment>> {
    let rows = sqlx::query(
        "SELECT id, organisation_id, name, finess, sector, category FROM establishment WHERE organisation_id = $1 ORDER BY name",
    )
    .bind(org.to_string())
    .fetch_all(conn)
    .await?;
    rows.iter().map(establishment_from_row).collect()
}

pub async fn establishment_by_finess(conn: &mut Conn, finess: &str) -> Result<Option<Establishment>> {
    let r =
        sqlx::query("SELECT id, organisation_id, name, finess, sector, category FROM establishment WHERE finess = $1")
            .bind(finess)
            .fetch_optional(conn)
            .await?;
    r.as_ref().map(establishment_from_row).transpose()
}

pub async fn insert_unit(conn: &mut Conn, org: OrganisationId, u: &Unit) -> Result<()> {
    sqlx::query(
        "INSERT INTO unit (id, organisation_id, establishment_id, name, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(u.id.to_string())
    .bind(org.to_string())
    .bind(u.establishment_id.to_string())
    .bind(&u.name)
    .bind(now_micros())
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn units(conn: &mut Conn, org: OrganisationId) -> Result<Vec<Unit>> {
    let rows = sqlx::query("SELECT id, establishment_id, name FROM unit WHERE organisation_id = $1 ORDER BY name")
        .bind(org.to_string())
        .fetch_all(conn)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(Unit {
                id: id(&r.try_get::<String, _>(0)?, "unit id")?,
                establishment_id: id(&r.try_get::<String, _>(1)?, "establishment id")?,
                name: r.try_get(2)?,
            })
        })
        .collect()
}

pub async fn insert_professional(
    conn: &mut Conn,
    org: OrganisationId,
    id: ProfessionalId,
    family_name: &str,
    given_name: &str,
    rpps: Option<&str>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO professional (id, organisation_id, family_name, given_name, rpps, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(id.to_string())
    .bind(org.to_string())
    .bind(family_name)
    .bind(given_name)
    .bind(rpps)
    .bind(now_micros())
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn insert_account(conn: &mut Conn, a: &Account) -> Result<()> {
    let now = now_micros();
    let res = sqlx::query(
        "INSERT INTO account (id, organisation_id, professional_id, username, password_hash, totp_secret, totp_enabled, disabled, created_at, password_changed_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(a.id.to_string())
    .bind(a.organisation_id.to_string())
    .bind(a.professional_id.to_string())
    .bind(&a.username)
    .bind(&a.password_hash)
    .bind(&a.totp_secret)
    .bind(a.totp_enabled as i16)
    .bind(a.disabled as i16)
    .bind(now)
    .bind(now)
    .execute(conn)
    .await;
    match res {
        Err(sqlx::Error::Database(d)) if d.is_unique_violation() => Err(StoreError::Conflict("username".into())),
        Err(e) => Err(e.into()),
        Ok(_) => Ok(()),
    }
}

const ACCOUNT_SELECT: &str = "SELECT a.id, a.organisation_id, a.professional_id, a.username, a.password_hash, a.totp_secret, a.totp_enabled, a.disabled, p.family_name, p.given_name \
     FROM account a JOIN professional p ON p.id = a.professional_id";

fn account_from_row(r: &AnyRow) -> Result<Account> {
    Ok(Account {
        id: id(&r.try_get::<String, _>(0)?, "account id")?,
        organisation_id: id(&r.try_get::<String, _>(1)?, "organisation id")?,
        professional_id: id(&r.try_get::<String, _>(2)?, "professional id")?,
        username: r.try_get(3)?,
        password_hash: r.try_get(4)?,
        totp_secret: r.try_get(5)?,
        totp_enabled: flag(r.try_get(6)?),
        disabled: flag(r.try_get(7)?),
        family_name: r.try_get(8)?,
        given_name: r.try_get(9)?,
    })
}

pub async fn account_by_username(conn: &mut Conn, username: &str) -> Result<Option<Account>> {
    let sql = sqlx::AssertSqlSafe(format!("{ACCOUNT_SELECT} WHERE a.username = $1"));
    let r = sqlx::query(sql).bind(username).fetch_optional(conn).await?;
    r.as_ref().map(account_from_row).transpose()
}

pub async fn account_by_id(conn: &mut Conn, account: AccountId) -> Result<Option<Account>> {
    let sql = sqlx::AssertSqlSafe(format!("{ACCOUNT_SELECT} WHERE a.id = $1"));
    let r = sqlx::query(sql).bind(account.to_string()).fetch_optional(conn).await?;
    r.as_ref().map(account_from_row).transpose()
}

pub async fn accounts(conn: &mut Conn, org: OrganisationId) -> Result<Vec<Account>> {
    let sql = sqlx::AssertSqlSafe(format!("{ACCOUNT_SELECT} WHERE a.organisation_id = $1 ORDER BY a.username"));
    let rows = sqlx::query(sql).bind(org.to_string()).fetch_all(conn).await?;
    rows.iter().map(account_from_row).collect()
}

pub async fn set_password_hash(conn: &mut Conn, account: AccountId, hash: &str) -> Result<()> {
    sqlx::query("UPDATE account SET password_hash = $1, password_changed_at = $2 WHERE id = $3")
        .bind(hash)
        .bind(now_micros())
        .bind(account.to_string())
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn set_totp(conn: &mut Conn, account: AccountId, secret: Option<&str>, enabled: bool) -> Result<()> {
    sqlx::query("UPDATE account SET totp_secret = $1, totp_enabled = $2 WHERE id = $3")
        .bind(secret)
        .bind(enabled as i16)
        .bind(account.to_string())
        .execute(conn)
        .await?;
    Ok(())
}

/// Disables or re-enables an account; disabling ends its sessions in the same transaction.
pub async fn set_disabled(conn: &mut Conn, account: AccountId, disabled: bool) -> Result<()> {
    sqlx::query("UPDATE account SET disabled = $1 WHERE id = $2")
        .bind(disabled as i16)
        .bind(account.to_string())
        .execute(&mut *conn)
        .await?;
    if disabled {
        sqlx::query("DELETE FROM web_session WHERE account_id = $1")
            .bind(account.to_string())
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

pub async fn insert_grant(conn: &mut Conn, org: OrganisationId, account: AccountId, g: &GrantRow) -> Result<()> {
    sqlx::query(
        "INSERT INTO access_grant (id, organisation_id, account_id, profile, establishment_id, unit_id, valid_from, valid_until, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(g.id.to_string())
    .bind(org.to_string())
    .bind(account.to_string())
    .bind(g.grant.profile.code())
    .bind(g.grant.establishment.to_string())
    .bind(g.grant.unit.map(|u| u.to_string()))
    .bind(g.grant.valid_from.to_string())
    .bind(g.grant.valid_until.map(|d| d.to_string()))
    .bind(now_micros())
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn grants(conn: &mut Conn, account: AccountId) -> Result<Vec<GrantRow>> {
    let rows = sqlx::query(
        "SELECT id, profile, establishment_id, unit_id, valid_from, valid_until FROM access_grant WHERE account_id = $1 ORDER BY valid_from",
    )
    .bind(account.to_string())
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| Ok(GrantRow { id: id(&r.try_get::<String, _>(0)?, "grant id")?, grant: grant_at(r, 1)? }))
        .collect()
}

/// A grant from five columns starting at `at`: profile, establishment, unit, valid from, valid until.
pub(crate) fn grant_at(r: &AnyRow, at: usize) -> Result<Grant> {
    Ok(Grant {
        profile: Profile::from_code(&r.try_get::<String, _>(at)?).ok_or_else(|| corrupt("profile"))?,
        establishment: id(&r.try_get::<String, _>(at + 1)?, "establishment id")?,
        unit: opt_id(r.try_get(at + 2)?, "unit id")?,
        valid_from: date(&r.try_get::<String, _>(at + 3)?, "grant start")?,
        valid_until: opt_date(r.try_get(at + 4)?, "grant end")?,
    })
}

/// Accepts a TOTP step once: true when `step` is newer than the last one used.
pub async fn use_totp_step(conn: &mut Conn, account: AccountId, step: i64) -> Result<bool> {
    let r = sqlx::query("UPDATE account SET totp_last_step = $1 WHERE id = $2 AND totp_last_step < $1")
        .bind(step)
        .bind(account.to_string())
        .execute(conn)
        .await?;
    Ok(r.rows_affected() == 1)
}

/// A colleague working in an establishment: their account, name and grant there.
#[derive(Debug, Clone)]
pub struct Colleague {
    pub account_id: AccountId,
    pub name: String,
    pub grant: Grant,
}

/// The enabled accounts with a grant in `establishment` (each grant a row), by name.
pub async fn colleagues(conn: &mut Conn, establishment: EstablishmentId) -> Result<Vec<Colleague>> {
    let rows = sqlx::query(
        "SELECT a.id, p.given_name, p.family_name, g.profile, g.establishment_id, g.unit_id, g.valid_from, g.valid_until \
         FROM access_grant g JOIN account a ON a.id = g.account_id JOIN professional p ON p.id = a.professional_id \
         WHERE g.establishment_id = $1 AND a.disabled = 0 ORDER BY p.family_name, p.given_name",
    )
    .bind(establishment.to_string())
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Colleague {
                account_id: id(&r.try_get::<String, _>(0)?, "account id")?,
                name: format!("{} {}", r.try_get::<String, _>(1)?, r.try_get::<String, _>(2)?),
                grant: grant_at(r, 3)?,
            })
        })
        .collect()
}
