//! Administration: organisation, establishments, units, accounts and grants.

use crate::auth::hash_password;
use crate::{Actor, App, AppError, Result, Validation};
use jiff::civil::Date;
use relais_domain::DomainError;
use relais_domain::access::{Grant, Profile, may_administer};
use relais_domain::ids::*;
use relais_domain::organisation::{Finess, Sector};
use relais_domain::password::check_new_password;
use relais_store::audit::{AuditActor, NewAuditEvent};
use relais_store::org::{self, Account, Establishment, GrantRow, Organisation, Unit};
use relais_store::{StoreError, audit};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

/// Who performs an administrative change: the command line, or an administrator in the UI.
pub enum AdminBy<'a> {
    CommandLine,
    Actor(&'a Actor),
}

impl AdminBy<'_> {
    pub(crate) fn audit_actor(&self) -> AuditActor {
        match self {
            AdminBy::CommandLine => AuditActor { kind: "system", id: None, label: "relais admin".into() },
            AdminBy::Actor(a) => a.audit_actor(),
        }
    }
    fn check(&self, app: &App) -> Result<()> {
        match self {
            AdminBy::CommandLine => Ok(()),
            AdminBy::Actor(a) if may_administer(a.grants(), app.today()) => Ok(()),
            AdminBy::Actor(_) => Err(AppError::Forbidden),
        }
    }
    fn ip(&self) -> Option<String> {
        match self {
            AdminBy::CommandLine => None,
            AdminBy::Actor(a) => a.client_ip.clone(),
        }
    }
}

pub struct NewAccount<'a> {
    pub username: &'a str,
    pub family_name: &'a str,
    pub given_name: &'a str,
    pub password: &'a str,
    pub grants: Vec<Grant>,
}

fn admin_event(by: &AdminBy, org: OrganisationId, action: &'static str, resource: String) -> NewAuditEvent {
    NewAuditEvent {
        organisation_id: Some(org),
        actor: by.audit_actor(),
        action,
        outcome: "ok",
        person_id: None,
        resource: Some(resource),
        detail: None,
        client_ip: by.ip(),
    }
}

fn label(field: &'static str, value: &str, max: usize) -> Result<String, DomainError> {
    let v = value.trim();
    if v.is_empty() {
        return Err(DomainError::new(field, "required", "ce champ est obligatoire"));
    }
    if v.chars().count() > max || v.chars().any(char::is_control) {
        return Err(DomainError::new(
            field,
            "too-long",
            format!("{max} caractères au plus, sans caractère de contrôle"),
        ));
    }
    Ok(v.to_string())
}

impl App {
    pub async fn create_organisation(&self, name: &str, finess_legal: &str) -> Result<OrganisationId> {
        let mut v = Validation::default();
        let name = v.check(label("name", name, 200));
        let finess = v.check(Finess::parse(finess_legal));
        v.finish()?;
        let (Some(name), Some(finess)) = (name, finess) else {
            return Err(AppError::Internal("validation".into()));
        };
        let o = Organisation {
            id: OrganisationId::generate(),
            name,
            finess_legal: finess.as_str().into(),
            totp_required: false,
        };
        let mut tx = self.store.begin_write().await?;
        org::insert_organisation(&mut tx, &o).await?;
        audit::append(
            &mut tx,
            admin_event(&AdminBy::CommandLine, o.id, "admin.organisation.create", format!("organisation/{}", o.id)),
        )
        .await?;
        tx.commit().await.map_err(StoreError::from)?;
        Ok(o.id)
    }

    pub async fn create_establishment(
        &self,
        by: AdminBy<'_>,
        organisation: OrganisationId,
        name: &str,
        finess: &str,
        sector: &str,
        category: &str,
    ) -> Result<EstablishmentId> {
        by.check(self)?;
        let mut v = Validation::default();
        let name = v.check(label("name", name, 200));
        let finess = v.check(Finess::parse(finess));
        let sector = v.check(Sector::from_code(sector));
        let category = v.check(label("category", category, 10));
        v.finish()?;
        let (Some(name), Some(finess), Some(sector), Some(category)) = (name, finess, sector, category) else {
            return Err(AppError::Internal("validation".into()));
        };
        let e = Establishment {
            id: EstablishmentId::generate(),
            organisation_id: organisation,
            name,
            finess: finess.as_str().into(),
            sector,
            category,
        };
        let mut tx = self.store.begin_write().await?;
        org::insert_establishment(&mut tx, &e).await?;
        audit::append(
            &mut tx,
            admin_event(&by, organisation, "admin.establishment.create", format!("establishment/{}", e.id)),
        )
        .await?;
        tx.commit().await.map_err(StoreError::from)?;
        self.places_cache.forget(&organisation);
        Ok(e.id)
    }

    pub async fn create_unit(
        &self,
        by: AdminBy<'_>,
        organisation: OrganisationId,
        establishment: EstablishmentId,
        name: &str,
    ) -> Result<UnitId> {
        by.check(self)?;
        let name = label("name", name, 100)?;
        let u = Unit { id: UnitId::generate(), establishment_id: establishment, name };
        let mut tx = self.store.begin_write().await?;
        org::insert_unit(&mut tx, organisation, &u).await?;
        audit::append(&mut tx, admin_event(&by, organisation, "admin.unit.create", format!("unit/{}", u.id))).await?;
        tx.commit().await.map_err(StoreError::from)?;
        self.places_cache.forget(&organisation);
        Ok(u.id)
    }

    /// Creates a professional, their account and grants. The password must pass the policy.
    pub async fn create_account(
        &self,
        by: AdminBy<'_>,
        organisation: OrganisationId,
        new: NewAccount<'_>,
    ) -> Result<AccountId> {
        by.check(self)?;
        let username = new.username.trim().to_lowercase();
        let mut v = Validation::default();
        if username.len() < 3
            || username.len() > 64
            || !username.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '_')
        {
            v.push(DomainError::new(
                "username",
                "username-invalid",
                "identifiant de 3 à 64 caractères : lettres, chiffres, point, tiret",
            ));
        }
        let family = v.check(label("family_name", new.family_name, 100));
        let given = v.check(label("given_name", new.given_name, 100));
        v.check(check_new_password(new.password, &[&username, new.family_name, new.given_name]));
        if new.grants.is_empty() {
            v.push(DomainError::new("grants", "required", "au moins une habilitation est requise"));
        }
        v.finish()?;
        let (Some(family), Some(given)) = (family, given) else {
            return Err(AppError::Internal("validation".into()));
        };
        let hash = hash_password(new.password).await?;
        let professional = ProfessionalId::generate();
        let account = Account {
            id: AccountId::generate(),
            organisation_id: organisation,
            professional_id: professional,
            username: username.clone(),
            password_hash: hash,
            totp_secret: None,
            totp_enabled: false,
            disabled: false,
            family_name: family.clone(),
            given_name: given.clone(),
        };
        let mut tx = self.store.begin_write().await?;
        org::insert_professional(&mut tx, organisation, professional, &family, &given, None).await?;
        org::insert_account(&mut tx, &account).await.map_err(|e| match e {
            StoreError::Conflict(_) => AppError::Invalid(vec![DomainError::new(
                "username",
                "username-taken",
                "cet identifiant est déjà utilisé",
            )]),
            other => other.into(),
        })?;
        for g in new.grants {
            org::insert_grant(&mut tx, organisation, account.id, &GrantRow { id: GrantId::generate(), grant: g })
                .await?;
        }
        audit::append(
            &mut tx,
            admin_event(&by, organisation, "admin.account.create", format!("account/{}", account.id)),
        )
        .await?;
        tx.commit().await.map_err(StoreError::from)?;
        self.colleagues_cache.clear();
        Ok(account.id)
    }

    /// Disables an account and ends its sessions at once (or re-enables it).
    pub async fn set_account_disabled(&self, by: AdminBy<'_>, account: AccountId, disabled: bool) -> Result<()> {
        by.check(self)?;
        let mut conn = self.store.read().await?;
        let a = org::account_by_id(&mut conn, account).await?.ok_or(AppError::NotFound)?;
        drop(conn);
        if let AdminBy::Actor(actor) = &by
            && actor.organisation_id != a.organisation_id
        {
            return Err(AppError::NotFound);
        }
        let mut tx = self.store.begin_write().await?;
        org::set_disabled(&mut tx, account, disabled).await?;
        let action = if disabled { "admin.account.disable" } else { "admin.account.enable" };
        audit::append(&mut tx, admin_event(&by, a.organisation_id, action, format!("account/{account}"))).await?;
        tx.commit().await.map_err(StoreError::from)?;
        self.colleagues_cache.clear();
        Ok(())
    }

    pub async fn account_by_username(&self, username: &str) -> Result<Option<Account>> {
        let mut conn = self.store.read().await?;
        Ok(org::account_by_username(&mut conn, &username.trim().to_lowercase()).await?)
    }

    pub async fn set_totp_required(&self, by: AdminBy<'_>, organisation: OrganisationId, required: bool) -> Result<()> {
        by.check(self)?;
        let mut tx = self.store.begin_write().await?;
        org::set_totp_required(&mut tx, organisation, required).await?;
        audit::append(
            &mut tx,
            admin_event(&by, organisation, "admin.organisation.totp-required", format!("organisation/{organisation}")),
        )
        .await?;
        tx.commit().await.map_err(StoreError::from)?;
        Ok(())
    }

    pub async fn organisations(&self) -> Result<Vec<Organisation>> {
        let mut conn = self.store.read().await?;
        Ok(org::organisations(&mut conn).await?)
    }

    pub async fn establishments(&self, organisation: OrganisationId) -> Result<Vec<Establishment>> {
        let mut conn = self.store.read().await?;
        Ok(org::establishments(&mut conn, organisation).await?)
    }

    pub async fn units(&self, organisation: OrganisationId) -> Result<Vec<Unit>> {
        let mut conn = self.store.read().await?;
        Ok(org::units(&mut conn, organisation).await?)
    }

    /// Establishments and units of an organisation, for display on every page. Served from
    /// memory: they change a few times a year, and reading ~300 rows per page cost more than the
    /// page itself. Decisions that depend on them (admission targets) read the database.
    pub async fn places(&self, organisation: OrganisationId) -> Result<Arc<Places>> {
        if let Some(p) = self.places_cache.get(&organisation) {
            return Ok(p);
        }
        let mut conn = self.store.read().await?;
        let places = Arc::new(Places {
            establishments: org::establishments(&mut conn, organisation).await?,
            units: org::units(&mut conn, organisation).await?,
        });
        self.places_cache.put(organisation, places.clone());
        Ok(places)
    }

    /// The colleagues of an establishment, for display (whom a note may be brought to): served
    /// from memory like the places; whether a mention may be made is decided on the database.
    pub(crate) async fn colleagues(
        &self,
        conn: &mut relais_store::Conn,
        establishment: EstablishmentId,
    ) -> Result<Arc<Vec<org::Colleague>>> {
        if let Some(c) = self.colleagues_cache.get(&establishment) {
            return Ok(c);
        }
        let list = Arc::new(org::colleagues(conn, establishment).await?);
        self.colleagues_cache.put(establishment, list.clone());
        Ok(list)
    }

    /// Accounts of the organisation, for an administrator.
    pub async fn accounts(&self, actor: &Actor) -> Result<Vec<Account>> {
        AdminBy::Actor(actor).check(self)?;
        let mut conn = self.store.read().await?;
        Ok(org::accounts(&mut conn, actor.organisation_id).await?)
    }
}

/// A grant valid from `from` with no end.
pub fn open_grant(profile: Profile, establishment: EstablishmentId, unit: Option<UnitId>, from: Date) -> Grant {
    Grant { profile, establishment, unit, valid_from: from, valid_until: None }
}

/// The establishments and units of one organisation.
#[derive(Debug)]
pub struct Places {
    pub establishments: Vec<Establishment>,
    pub units: Vec<Unit>,
}

/// What pages show and that changes a few times a year (places per organisation, colleagues
/// per establishment). Changes made through this process clear their entry at once; the time
/// limit bounds how long another server on the same PostgreSQL database shows an old value.
/// Decisions never read it: they read the database.
#[derive(Debug)]
pub(crate) struct DisplayCache<K, V>(RwLock<HashMap<K, (Instant, Arc<V>)>>);

impl<K, V> Default for DisplayCache<K, V> {
    fn default() -> Self {
        Self(RwLock::new(HashMap::new()))
    }
}

const DISPLAY_TTL: Duration = Duration::from_secs(30);

impl<K: std::hash::Hash + Eq, V> DisplayCache<K, V> {
    pub(crate) fn get(&self, key: &K) -> Option<Arc<V>> {
        let map = self.0.read().unwrap_or_else(|e| e.into_inner());
        map.get(key).filter(|(at, _)| at.elapsed() < DISPLAY_TTL).map(|(_, v)| v.clone())
    }
    pub(crate) fn put(&self, key: K, value: Arc<V>) {
        self.0.write().unwrap_or_else(|e| e.into_inner()).insert(key, (Instant::now(), value));
    }
    fn forget(&self, key: &K) {
        self.0.write().unwrap_or_else(|e| e.into_inner()).remove(key);
    }
    fn clear(&self) {
        self.0.write().unwrap_or_else(|e| e.into_inner()).clear();
    }
}
