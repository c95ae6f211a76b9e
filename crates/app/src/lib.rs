//! Use cases of Relais: one function per user action. Each validates its input, asks
//! `domain::access` for a decision, writes its rows and their audit events in one
//! transaction, and returns.

pub mod activities;
pub mod admin;
pub mod adminfile;
pub mod admissions;
pub mod alerts;
pub mod appointments;
pub mod archive;
pub mod assessments;
mod audit_queue;
pub mod auth;
pub mod contracts;
pub mod documents;
pub mod grids;
pub mod identity;
pub mod notes;
pub mod observations;
pub mod persons;
pub mod relatives;
pub mod secret;
pub mod support_plans;
pub mod thresholds;

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use relais_domain::DomainError;
use relais_domain::access::Grant;
use relais_domain::ids::{AccountId, ApiClientId, EstablishmentId, OrganisationId};
use relais_domain::scope::Scopes;
use relais_store::audit::{AuditActor, NewAuditEvent};
use relais_store::{Store, StoreError};
use std::sync::Arc;

pub use relais_store as store;

/// The one error type of the use cases.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Missing, or outside the actor's scope: both answer the same.
    #[error("not found")]
    NotFound,
    #[error("forbidden")]
    Forbidden,
    #[error("authentication required")]
    Unauthenticated,
    #[error("invalid input")]
    Invalid(Vec<DomainError>),
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("too many attempts")]
    TooManyAttempts,
    /// An outside service (INSi…) failed or is not configured; the message is for the user.
    #[error("service unavailable: {0}")]
    Unavailable(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<DomainError> for AppError {
    fn from(e: DomainError) -> Self {
        Self::Invalid(vec![e])
    }
}

pub type Result<T, E = AppError> = std::result::Result<T, E>;

/// Collects field errors so that a form reports all of them at once.
#[derive(Default)]
pub struct Validation(Vec<DomainError>);

impl Validation {
    pub fn check<T>(&mut self, r: Result<T, DomainError>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.0.push(e);
                None
            }
        }
    }
    pub fn push(&mut self, e: DomainError) {
        self.0.push(e);
    }
    pub fn finish(self) -> Result<()> {
        if self.0.is_empty() { Ok(()) } else { Err(AppError::Invalid(self.0)) }
    }
}

/// Where "now" comes from: the system clock, or a test's hand.
pub trait Clock: Send + Sync + std::fmt::Debug {
    fn now(&self) -> Timestamp;
}

#[derive(Debug)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}

/// Settings of the use cases.
#[derive(Debug, Clone)]
pub struct Settings {
    pub session_idle: SignedDuration,
    pub session_absolute: SignedDuration,
    pub token_lifetime: SignedDuration,
    /// Failed logins for one login within `login_window` before it is locked for that window.
    pub login_max_failures: i64,
    pub login_max_failures_per_ip: i64,
    pub login_window: SignedDuration,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            session_idle: SignedDuration::from_mins(15),
            session_absolute: SignedDuration::from_hours(12),
            token_lifetime: SignedDuration::from_mins(15),
            login_max_failures: 5,
            login_max_failures_per_ip: 50,
            login_window: SignedDuration::from_mins(15),
        }
    }
}

/// The application: the store, settings and clock shared by every use case.
#[derive(Clone, Debug)]
pub struct App {
    pub store: Store,
    pub settings: Arc<Settings>,
    pub clock: Arc<dyn Clock>,
    tz: TimeZone,
    audit_queue: audit_queue::AuditQueue,
    /// Argon2id takes 19 MiB a hash: a burst of logins is hashed a few at a time.
    hashing: Arc<tokio::sync::Semaphore>,
    places_cache: Arc<admin::DisplayCache<OrganisationId, admin::Places>>,
    colleagues_cache: Arc<admin::DisplayCache<EstablishmentId, Vec<relais_store::org::Colleague>>>,
    insi: Option<Arc<relais_interop::insi::InsiClient>>,
    /// Renders documents to PDF. Injected by the binary so that this crate, and all that
    /// depends on it (the web layer, the fuzz targets), stays clear of the Typst build.
    pdf: Option<PdfRenderer>,
}

/// How documents' data become PDF bytes (or why they could not): the binary passes Typst's.
#[derive(Debug, Clone, Copy)]
pub struct PdfRenderer {
    /// A contract's data and the day it is dated.
    pub contract: fn(&serde_json::Value, jiff::civil::Date) -> std::result::Result<Vec<u8>, String>,
    /// A projet personnalisé's data, in its usual (`false`) or easy-to-read (`true`) form.
    pub support_plan: fn(&serde_json::Value, bool) -> std::result::Result<Vec<u8>, String>,
}

impl App {
    /// Needs a Tokio runtime: it starts the audit writer.
    pub fn new(store: Store, settings: Settings, clock: Arc<dyn Clock>) -> Self {
        let tz = TimeZone::get("Europe/Paris").unwrap_or(TimeZone::UTC);
        let audit_queue = audit_queue::AuditQueue::start(store.clone());
        Self {
            store,
            settings: Arc::new(settings),
            clock,
            tz,
            audit_queue,
            hashing: Arc::new(tokio::sync::Semaphore::new(2)),
            places_cache: Default::default(),
            colleagues_cache: Default::default(),
            insi: None,
            pdf: None,
        }
    }

    /// A permit to run one password hash.
    pub(crate) async fn hashing_permit(&self) -> Result<tokio::sync::SemaphorePermit<'_>> {
        self.hashing.acquire().await.map_err(|_| AppError::Internal("hashing closed".into()))
    }

    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    pub fn now_micros(&self) -> i64 {
        self.now().as_microsecond()
    }

    /// Today in Europe/Paris: the date that grants, stays and birthdays are about.
    pub fn today(&self) -> Date {
        self.tz.to_datetime(self.now()).date()
    }

    pub fn time_zone(&self) -> &TimeZone {
        &self.tz
    }

    /// Records one audit event (for reads and security events) and returns once it is
    /// committed. Concurrent events share a commit, so reads do not queue one fsync each.
    pub async fn audit(&self, event: NewAuditEvent) -> Result<()> {
        self.audit_queue.append(event).await
    }
}

/// Who acts: a staff member through a session, or an API client with a token.
#[derive(Debug, Clone)]
pub enum Principal {
    Staff { account_id: AccountId, username: String, display_name: String, grants: Vec<Grant> },
    ApiClient { id: ApiClientId, client_id: String, name: String, scopes: Scopes },
}

#[derive(Debug, Clone)]
pub struct Actor {
    pub organisation_id: OrganisationId,
    pub principal: Principal,
    pub client_ip: Option<String>,
}

impl Actor {
    /// The name shown as author of what the actor writes.
    pub fn label(&self) -> String {
        match &self.principal {
            Principal::Staff { display_name, .. } => display_name.clone(),
            Principal::ApiClient { name, .. } => name.clone(),
        }
    }

    /// Refuses an API client whose token does not cover `access` to `resource`, before anything
    /// it sent is looked at: a client without the scope learns nothing from validation errors.
    /// Staff are judged later, on the person.
    pub fn require_scope(&self, resource: &str, access: relais_domain::scope::Access) -> Result<()> {
        match &self.principal {
            Principal::ApiClient { scopes, .. } if !scopes.allows(resource, access) => Err(AppError::Forbidden),
            _ => Ok(()),
        }
    }

    /// The open stay a record about the person is filed under: one in an establishment where the
    /// actor works, so that it shows in that unit's logbook and agenda.
    pub fn filing_stay<'s>(
        &self,
        stays: &'s [relais_store::persons::Stay],
        today: jiff::civil::Date,
    ) -> Option<&'s relais_store::persons::Stay> {
        stays
            .iter()
            .filter(|s| s.is_open())
            .find(|s| self.grants().iter().any(|g| g.is_active(today) && g.establishment == s.establishment_id))
    }

    pub fn grants(&self) -> &[Grant] {
        match &self.principal {
            Principal::Staff { grants, .. } => grants,
            Principal::ApiClient { .. } => &[],
        }
    }

    pub fn account_id(&self) -> Option<AccountId> {
        match &self.principal {
            Principal::Staff { account_id, .. } => Some(*account_id),
            Principal::ApiClient { .. } => None,
        }
    }

    pub fn audit_actor(&self) -> AuditActor {
        match &self.principal {
            Principal::Staff { account_id, username, .. } => {
                AuditActor { kind: "account", id: Some(account_id.to_string()), label: username.clone() }
            }
            Principal::ApiClient { id, name, .. } => {
                AuditActor { kind: "api_client", id: Some(id.to_string()), label: name.clone() }
            }
        }
    }

    /// An audit event by this actor.
    pub fn event(&self, action: &'static str, outcome: &'static str) -> NewAuditEvent {
        NewAuditEvent {
            organisation_id: Some(self.organisation_id),
            actor: self.audit_actor(),
            action,
            outcome,
            person_id: None,
            resource: None,
            detail: None,
            client_ip: self.client_ip.clone(),
        }
    }
}
