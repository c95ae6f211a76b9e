//! Sessions from the cookie: who is logged in, at which stage, and their CSRF token.

use crate::{AppState, WebError};
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use relais_app::Actor;
use relais_app::auth::{SessionInfo, SessionStage};
use std::net::SocketAddr;

pub const SESSION_COOKIE: &str = "relais_session";
pub const PRE_LOGIN_COOKIE: &str = "relais_pre";
pub const CLEAR_COOKIE: &str = "relais_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax";

pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers.get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(';')).find_map(|pair| {
        let (k, v) = pair.trim().split_once('=')?;
        (k == name).then(|| v.to_string())
    })
}

pub fn set_cookie(name: &str, value: &str, secure: bool) -> String {
    format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax{}", if secure { "; Secure" } else { "" })
}

/// The client's address, for throttling and the audit trail.
pub fn client_ip(parts: &Parts, trust_forwarded_for: bool) -> String {
    if trust_forwarded_for
        && let Some(ip) = parts
            .headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .map(|s| s.trim().to_string())
            .filter(|s| s.parse::<std::net::IpAddr>().is_ok())
    {
        return ip;
    }
    parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip().to_string()).unwrap_or_else(|| "unknown".into())
}

/// A session at any stage (used by the second-factor pages).
pub struct AnySession(pub SessionInfo);

impl FromRequestParts<AppState> for AnySession {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        if let Some(info) = parts.extensions.get::<SessionInfo>() {
            return Ok(Self(info.clone()));
        }
        let token = cookie(&parts.headers, SESSION_COOKIE).filter(|t| !t.is_empty()).ok_or(WebError::Login)?;
        let ip = client_ip(parts, state.config.trust_forwarded_for);
        let info = state.app.session(&token, &ip).await.map_err(WebError::from)?;
        parts.extensions.insert(info.clone());
        Ok(Self(info))
    }
}

/// A fully authenticated staff member.
pub struct Staff(pub SessionInfo);

impl Staff {
    pub fn actor(&self) -> &Actor {
        &self.0.actor
    }
    pub fn csrf(&self) -> &str {
        &self.0.csrf_token
    }
}

impl FromRequestParts<AppState> for Staff {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let AnySession(info) = AnySession::from_request_parts(parts, state).await?;
        match info.stage {
            SessionStage::Ready => Ok(Self(info)),
            SessionStage::NeedsTotp => Err(WebError::Redirect("/login/totp".into())),
            SessionStage::NeedsEnrolment => Err(WebError::Redirect("/account/totp".into())),
        }
    }
}
