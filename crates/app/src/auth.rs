//! Authentication: passwords (Argon2id), login throttling, sessions, TOTP, API client tokens.

use crate::secret::{digest, random_token, same};
use crate::{Actor, App, AppError, Principal, Result};
use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use relais_domain::ids::{ApiClientId, OrganisationId};
use relais_domain::scope::Scopes;
use relais_store::audit::{AuditActor, NewAuditEvent};
use relais_store::security::{self, ApiClient, WebSession};
use relais_store::{StoreError, org};
use std::sync::OnceLock;

/// Hashes a password with Argon2id (default parameters: 19 MiB, 2 passes), off the async threads.
pub async fn hash_password(password: &str) -> Result<String> {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| AppError::Internal(format!("password hashing failed: {e}")))
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))?
}

async fn verify_password(password: &str, hash: &str) -> bool {
    let (password, hash) = (password.to_owned(), hash.to_owned());
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash)
            .is_ok_and(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
    })
    .await
    .unwrap_or(false)
}

/// A hash to verify against when the login does not exist, so that both cases take as long.
fn dummy_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| {
        Argon2::default().hash_password(b"relais-timing-equaliser").map(|h| h.to_string()).unwrap_or_default()
    })
}

/// Where a session stands after login.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionStage {
    /// Fully authenticated.
    Ready,
    /// Must type a TOTP code.
    NeedsTotp,
    /// The organisation requires TOTP and the account has none yet: enrol first.
    NeedsEnrolment,
}

pub struct LoginSuccess {
    pub token: String,
    pub stage: SessionStage,
}

/// A live session and who holds it.
#[derive(Debug, Clone)]
pub struct SessionInfo {
    pub token_hash: String,
    pub csrf_token: String,
    pub stage: SessionStage,
    pub actor: Actor,
}

/// An unauthenticated actor, labelled with the login it tried (cut, never the password).
fn anonymous(label: &str) -> AuditActor {
    AuditActor { kind: "anonymous", id: None, label: label.chars().take(64).collect() }
}

/// Inactivity that separates two shifts: a night between two day shifts, or a split shift's
/// break, is longer; a change of tablet within a shift is shorter.
pub const SHIFT_GAP: i64 = 3 * 3600 * 1_000_000;

impl App {
    /// Checks a login and password; opens a session. Failures are throttled per login and per address.
    pub async fn login(&self, username: &str, password: &str, ip: &str) -> Result<LoginSuccess> {
        let username = username.trim().to_lowercase();
        let since = (self.now() - self.settings.login_window).as_microsecond();
        let mut conn = self.store.read().await?;
        let (by_user, by_ip) = security::login_failures(&mut conn, &username, ip, since).await?;
        if by_user >= self.settings.login_max_failures || by_ip >= self.settings.login_max_failures_per_ip {
            drop(conn);
            self.audit(NewAuditEvent {
                organisation_id: None,
                actor: anonymous(&username),
                action: "login",
                outcome: "throttled",
                person_id: None,
                resource: None,
                detail: None,
                client_ip: Some(ip.to_string()),
            })
            .await?;
            return Err(AppError::TooManyAttempts);
        }
        let account = org::account_by_username(&mut conn, &username).await?;
        drop(conn);
        let permit = self.hashing_permit().await?;
        let ok = match &account {
            Some(a) => verify_password(password, &a.password_hash).await && !a.disabled,
            None => {
                verify_password(password, dummy_hash()).await;
                false
            }
        };
        drop(permit);
        let Some(account) = account.filter(|_| ok) else {
            let mut tx = self.store.begin_write().await?;
            security::record_login_failure(&mut tx, &username, ip).await?;
            relais_store::audit::append(
                &mut tx,
                NewAuditEvent {
                    organisation_id: None,
                    actor: anonymous(&username),
                    action: "login",
                    outcome: "failed",
                    person_id: None,
                    resource: None,
                    detail: None,
                    client_ip: Some(ip.to_string()),
                },
            )
            .await?;
            tx.commit().await.map_err(StoreError::from)?;
            return Err(AppError::Unauthenticated);
        };
        let organisation = {
            let mut conn = self.store.read().await?;
            org::organisation(&mut conn, account.organisation_id).await?
        };
        let stage = if account.totp_enabled {
            SessionStage::NeedsTotp
        } else if organisation.totp_required {
            SessionStage::NeedsEnrolment
        } else {
            SessionStage::Ready
        };
        let token = random_token()?;
        let now = self.now_micros();
        let mut tx = self.store.begin_write().await?;
        security::clear_login_failures(&mut tx, &username).await?;
        security::begin_shift(&mut tx, account.id, now, SHIFT_GAP).await?;
        security::insert_session(
            &mut tx,
            &digest(&token),
            &WebSession {
                account_id: account.id,
                csrf_token: random_token()?,
                second_factor_done: stage == SessionStage::Ready,
                created_at: now,
                last_seen_at: now,
            },
        )
        .await?;
        relais_store::audit::append(
            &mut tx,
            NewAuditEvent {
                organisation_id: Some(account.organisation_id),
                actor: AuditActor {
                    kind: "account",
                    id: Some(account.id.to_string()),
                    label: account.username.clone(),
                },
                action: "login",
                outcome: if stage == SessionStage::Ready { "ok" } else { "password-ok" },
                person_id: None,
                resource: None,
                detail: None,
                client_ip: Some(ip.to_string()),
            },
        )
        .await?;
        tx.commit().await.map_err(StoreError::from)?;
        Ok(LoginSuccess { token, stage })
    }

    /// Resolves a session cookie. Expired (idle or absolute) sessions are ended here.
    pub async fn session(&self, token: &str, ip: &str) -> Result<SessionInfo> {
        let token_hash = digest(token);
        let mut conn = self.store.read().await?;
        let context = security::session_context(&mut conn, &token_hash).await?.ok_or(AppError::Unauthenticated)?;
        drop(conn);
        let session = &context.session;
        let now = self.now_micros();
        let idle = self.settings.session_idle.as_micros() as i64;
        let absolute = self.settings.session_absolute.as_micros() as i64;
        if now - session.last_seen_at > idle || now - session.created_at > absolute {
            let mut tx = self.store.begin_write().await?;
            security::delete_session(&mut tx, &token_hash).await?;
            tx.commit().await.map_err(StoreError::from)?;
            return Err(AppError::Unauthenticated);
        }
        if context.disabled {
            return Err(AppError::Unauthenticated);
        }
        // Writing on every request would make each page a write: a minute of precision is enough.
        if now - session.last_seen_at > 60_000_000 {
            let mut tx = self.store.begin_write().await?;
            security::touch_session(&mut tx, &token_hash, now).await?;
            security::touch_account(&mut tx, context.session.account_id, now).await?;
            tx.commit().await.map_err(StoreError::from)?;
        }
        let stage = if !session.second_factor_done {
            if context.totp_enabled { SessionStage::NeedsTotp } else { SessionStage::NeedsEnrolment }
        } else if context.totp_required && !context.totp_enabled {
            SessionStage::NeedsEnrolment
        } else {
            SessionStage::Ready
        };
        Ok(SessionInfo {
            token_hash,
            csrf_token: context.session.csrf_token,
            stage,
            actor: Actor {
                organisation_id: context.organisation_id,
                principal: Principal::Staff {
                    account_id: context.session.account_id,
                    username: context.username,
                    display_name: context.display_name,
                    grants: context.grants,
                },
                client_ip: Some(ip.to_string()),
            },
        })
    }

    /// Ends a session server-side.
    pub async fn logout(&self, session: &SessionInfo) -> Result<()> {
        let mut tx = self.store.begin_write().await?;
        security::delete_session(&mut tx, &session.token_hash).await?;
        relais_store::audit::append(&mut tx, session.actor.event("logout", "ok")).await?;
        tx.commit().await.map_err(StoreError::from)?;
        Ok(())
    }

    fn totp_for(&self, secret_base32: &str, username: &str) -> Result<totp_rs::Totp> {
        let secret = totp_rs::Secret::try_from_base32(secret_base32)
            .map_err(|_| AppError::Internal("bad TOTP secret".into()))?;
        totp_rs::Builder::new()
            .with_secret(secret)
            .with_account_name(username)
            .with_issuer(Some("Relais"))
            .build()
            .map_err(|e| AppError::Internal(format!("TOTP: {e}")))
    }

    /// Checks a TOTP code for the session's account; each code is accepted once.
    pub async fn verify_totp(&self, session: &SessionInfo, code: &str) -> Result<()> {
        let account_id = session.actor.account_id().ok_or(AppError::Forbidden)?;
        let mut conn = self.store.read().await?;
        let account = org::account_by_id(&mut conn, account_id).await?.ok_or(AppError::Unauthenticated)?;
        drop(conn);
        let secret = account.totp_secret.as_deref().filter(|_| account.totp_enabled).ok_or(AppError::Forbidden)?;
        let totp = self.totp_for(secret, &account.username)?;
        let step = totp.check(code.trim(), self.now().as_second().max(0) as u64);
        let mut tx = self.store.begin_write().await?;
        let accepted = match step {
            Some(step) => org::use_totp_step(&mut tx, account.id, step as i64).await?,
            None => false,
        };
        if accepted {
            security::complete_second_factor(&mut tx, &session.token_hash).await?;
        } else {
            security::record_login_failure(
                &mut tx,
                &account.username,
                session.actor.client_ip.as_deref().unwrap_or(""),
            )
            .await?;
        }
        relais_store::audit::append(&mut tx, session.actor.event("login.totp", if accepted { "ok" } else { "failed" }))
            .await?;
        tx.commit().await.map_err(StoreError::from)?;
        if accepted { Ok(()) } else { Err(AppError::Unauthenticated) }
    }

    /// Starts TOTP enrolment: a new secret, kept until confirmed with a first code.
    pub async fn begin_totp_enrolment(&self, session: &SessionInfo) -> Result<TotpEnrolment> {
        let account_id = session.actor.account_id().ok_or(AppError::Forbidden)?;
        let mut conn = self.store.read().await?;
        let account = org::account_by_id(&mut conn, account_id).await?.ok_or(AppError::Unauthenticated)?;
        drop(conn);
        if account.totp_enabled {
            return Err(AppError::Conflict("totp already enabled".into()));
        }
        let secret = match account.totp_secret {
            Some(s) => s,
            None => {
                let s = totp_rs::Secret::generate().to_base32();
                let mut tx = self.store.begin_write().await?;
                org::set_totp(&mut tx, account.id, Some(&s), false).await?;
                tx.commit().await.map_err(StoreError::from)?;
                s
            }
        };
        let totp = self.totp_for(&secret, &account.username)?;
        let uri = totp.to_url().map_err(|e| AppError::Internal(format!("TOTP: {e}")))?;
        let qr = qrcode::QrCode::new(uri.as_bytes()).map_err(|e| AppError::Internal(format!("QR: {e}")))?;
        let svg = qr.render::<qrcode::render::svg::Color>().min_dimensions(200, 200).build();
        Ok(TotpEnrolment { secret, uri, qr_svg: svg })
    }

    /// Confirms enrolment with a first code from the authenticator.
    pub async fn confirm_totp_enrolment(&self, session: &SessionInfo, code: &str) -> Result<()> {
        let account_id = session.actor.account_id().ok_or(AppError::Forbidden)?;
        let mut conn = self.store.read().await?;
        let account = org::account_by_id(&mut conn, account_id).await?.ok_or(AppError::Unauthenticated)?;
        drop(conn);
        let secret = account.totp_secret.clone().ok_or(AppError::Forbidden)?;
        let totp = self.totp_for(&secret, &account.username)?;
        let step = totp.check(code.trim(), self.now().as_second().max(0) as u64);
        let Some(step) = step else {
            return Err(AppError::Invalid(vec![relais_domain::DomainError::new(
                "code",
                "totp-invalid",
                "code incorrect : vérifiez l'heure de votre téléphone et saisissez le code affiché",
            )]));
        };
        let mut tx = self.store.begin_write().await?;
        org::set_totp(&mut tx, account.id, Some(&secret), true).await?;
        org::use_totp_step(&mut tx, account.id, step as i64).await?;
        security::complete_second_factor(&mut tx, &session.token_hash).await?;
        relais_store::audit::append(&mut tx, session.actor.event("account.totp-enrolled", "ok")).await?;
        tx.commit().await.map_err(StoreError::from)?;
        Ok(())
    }

    /// OAuth 2 client credentials: a short-lived bearer token for an API client.
    pub async fn issue_token(
        &self,
        client_id: &str,
        client_secret: &str,
        requested: Option<&str>,
        ip: &str,
    ) -> Result<IssuedToken> {
        let mut conn = self.store.read().await?;
        let client = security::api_client_by_client_id(&mut conn, client_id).await?;
        drop(conn);
        let client = client.filter(|c| !c.disabled && same(&digest(client_secret), &c.secret_hash));
        let Some(client) = client else {
            self.audit(NewAuditEvent {
                organisation_id: None,
                actor: anonymous(client_id),
                action: "oauth.token",
                outcome: "failed",
                person_id: None,
                resource: None,
                detail: None,
                client_ip: Some(ip.to_string()),
            })
            .await?;
            return Err(AppError::Unauthenticated);
        };
        let granted =
            Scopes::parse(&client.scopes).map_err(|_| AppError::Internal("stored scopes unreadable".into()))?;
        let scopes = match requested.filter(|s| !s.trim().is_empty()) {
            Some(r) => {
                let r = Scopes::parse(r)?;
                if !granted.covers(&r) {
                    return Err(AppError::Forbidden);
                }
                r
            }
            None => granted,
        };
        let token = random_token()?;
        let expires_in = self.settings.token_lifetime.as_secs();
        let expires_at = (self.now() + self.settings.token_lifetime).as_microsecond();
        let mut tx = self.store.begin_write().await?;
        security::insert_api_token(&mut tx, &digest(&token), client.id, &scopes.to_string_list(), expires_at).await?;
        relais_store::audit::append(
            &mut tx,
            NewAuditEvent {
                organisation_id: Some(client.organisation_id),
                actor: AuditActor { kind: "api_client", id: Some(client.id.to_string()), label: client.name.clone() },
                action: "oauth.token",
                outcome: "ok",
                person_id: None,
                resource: None,
                detail: Some(scopes.to_string_list()),
                client_ip: Some(ip.to_string()),
            },
        )
        .await?;
        tx.commit().await.map_err(StoreError::from)?;
        Ok(IssuedToken { access_token: token, expires_in, scope: scopes.to_string_list() })
    }

    /// Resolves a bearer token to its API client actor.
    pub async fn bearer(&self, token: &str, ip: &str) -> Result<Actor> {
        let mut conn = self.store.read().await?;
        let (client, scopes) = security::api_token(&mut conn, &digest(token), self.now_micros())
            .await?
            .ok_or(AppError::Unauthenticated)?;
        let scopes = Scopes::parse(&scopes).map_err(|_| AppError::Unauthenticated)?;
        Ok(Actor {
            organisation_id: client.organisation_id,
            principal: Principal::ApiClient { id: client.id, client_id: client.client_id, name: client.name, scopes },
            client_ip: Some(ip.to_string()),
        })
    }

    /// Creates an API client; the secret is returned once and only its digest is kept.
    pub async fn create_api_client(
        &self,
        organisation: OrganisationId,
        name: &str,
        scopes: &str,
    ) -> Result<(String, String)> {
        let scopes = Scopes::parse(scopes)?;
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(relais_domain::DomainError::new(
                "name",
                "required",
                "nom du client requis (100 caractères au plus)",
            )
            .into());
        }
        let client_id = format!("relais-{}", &random_token()?[..16]);
        let secret = random_token()?;
        let mut tx = self.store.begin_write().await?;
        security::insert_api_client(
            &mut tx,
            &ApiClient {
                id: ApiClientId::generate(),
                organisation_id: organisation,
                name: name.to_string(),
                client_id: client_id.clone(),
                secret_hash: digest(&secret),
                scopes: scopes.to_string_list(),
                disabled: false,
            },
        )
        .await?;
        relais_store::audit::append(
            &mut tx,
            NewAuditEvent {
                organisation_id: Some(organisation),
                actor: AuditActor::system(),
                action: "admin.api-client.create",
                outcome: "ok",
                person_id: None,
                resource: Some(format!("api_client/{client_id}")),
                detail: Some(scopes.to_string_list()),
                client_ip: None,
            },
        )
        .await?;
        tx.commit().await.map_err(StoreError::from)?;
        Ok((client_id, secret))
    }

    /// Claims a form's one-time id: a second post of the same form is a conflict, not a second write.
    pub async fn claim_form(&self, session: &SessionInfo, form_id: &str) -> Result<()> {
        let account = session.actor.account_id().ok_or(AppError::Forbidden)?;
        if form_id.len() < 16
            || form_id.len() > 64
            || !form_id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(AppError::Invalid(vec![relais_domain::DomainError::new(
                "form_id",
                "form-invalid",
                "formulaire invalide : rechargez la page",
            )]));
        }
        let mut tx = self.store.begin_write().await?;
        let fresh = security::claim_form(&mut tx, form_id, account, self.now_micros()).await?;
        tx.commit().await.map_err(StoreError::from)?;
        if fresh {
            Ok(())
        } else {
            Err(AppError::Conflict("Ce formulaire a déjà été envoyé : la saisie est enregistrée une seule fois. Rechargez la page pour en saisir une nouvelle.".into()))
        }
    }

    /// Removes expired sessions (run periodically by the server).
    pub async fn purge_expired_sessions(&self) -> Result<u64> {
        let now = self.now();
        let mut tx = self.store.begin_write().await?;
        let n = security::purge_sessions(
            &mut tx,
            (now - self.settings.session_idle).as_microsecond(),
            (now - self.settings.session_absolute).as_microsecond(),
        )
        .await?;
        security::purge_forms(&mut tx, (now - self.settings.session_absolute).as_microsecond()).await?;
        tx.commit().await.map_err(StoreError::from)?;
        Ok(n)
    }
}

pub struct TotpEnrolment {
    pub secret: String,
    pub uri: String,
    pub qr_svg: String,
}

pub struct IssuedToken {
    pub access_token: String,
    pub expires_in: i64,
    pub scope: String,
}
