//! The HTTP face of Relais: French HTML pages for staff, the FHIR R4 API for systems,
//! OAuth 2 client credentials, health and readiness.

mod activities;
mod adminfile;
mod admissions;
mod agenda;
mod assessments;
mod contracts;
mod error;
mod fhir;
mod forms;
mod grids;
mod identity;
mod pages;
mod relatives;
mod session;
mod support_plans;
mod thresholds;
mod views;

use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use relais_app::App;
use std::sync::Arc;
use std::time::Instant;

pub use error::WebError;
/// The strict form decoder, public for the fuzz targets.
pub use forms::{Fields, parse_fields};

/// Largest request body accepted (forms and FHIR resources).
pub const BODY_LIMIT: usize = 1024 * 1024;

/// Settings of the HTTP layer.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Set the `Secure` flag on cookies (the server is reached over TLS, directly or behind a proxy).
    pub secure_cookies: bool,
    /// Trust the left-most `X-Forwarded-For` address (only behind a reverse proxy you run).
    pub trust_forwarded_for: bool,
}

#[derive(Clone)]
pub struct AppState {
    pub app: App,
    pub config: Arc<WebConfig>,
}

/// Every route of Relais.
pub fn router(app: App, config: WebConfig) -> Router {
    let state = AppState { app, config: Arc::new(config) };
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .route("/static/{file}", get(static_file))
        .merge(pages::routes())
        .merge(thresholds::routes())
        .merge(assessments::routes())
        .merge(grids::routes())
        .merge(admissions::routes())
        .merge(adminfile::routes())
        .merge(support_plans::routes())
        .merge(relatives::routes())
        .merge(contracts::routes())
        .merge(identity::routes())
        .merge(activities::routes())
        .merge(agenda::routes())
        .merge(fhir::routes())
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(middleware::from_fn(security_headers))
        .layer(middleware::from_fn(observe))
        .with_state(state)
}

async fn readyz(State(state): State<AppState>) -> Response {
    if state.app.store.ping().await {
        "ready".into_response()
    } else {
        (axum::http::StatusCode::SERVICE_UNAVAILABLE, "database unreachable").into_response()
    }
}

/// Files embedded in the binary. Vendored ones come from npm, unchanged (see `static/README.md`):
/// htmx 2.0.11 and uPlot 1.6.32 (MIT, licence in `static/uPlot.LICENSE`).
async fn static_file(axum::extract::Path(file): axum::extract::Path<String>) -> Response {
    let (body, mime): (&'static [u8], &str) = match file.as_str() {
        "app.css" => (include_bytes!("../static/app.css"), "text/css; charset=utf-8"),
        "htmx.min.js" => (include_bytes!("../static/htmx.min.js"), "text/javascript; charset=utf-8"),
        "uPlot.iife.min.js" => (include_bytes!("../static/uPlot.iife.min.js"), "text/javascript; charset=utf-8"),
        "uPlot.min.css" => (include_bytes!("../static/uPlot.min.css"), "text/css; charset=utf-8"),
        "chart.js" => (include_bytes!("../static/chart.js"), "text/javascript; charset=utf-8"),
        _ => return WebError::NotFound.into_response(),
    };
    ([(header::CONTENT_TYPE, mime), (header::CACHE_CONTROL, "public, max-age=86400")], body).into_response()
}

/// Headers that every answer carries: no framing, no sniffing, no referrer, a strict CSP.
async fn security_headers(req: Request, next: Next) -> Response {
    let is_static = req.uri().path().starts_with("/static/");
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    // A document preview brings its own, stricter policy (sandboxed).
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
            ),
        );
    }
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    if !is_static && !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}

/// Logs and measures each request by its route template: never the raw path or query,
/// which can carry names typed in a search.
async fn observe(req: Request, next: Next) -> Response {
    let route =
        req.extensions().get::<MatchedPath>().map(|m| m.as_str().to_string()).unwrap_or_else(|| "unmatched".into());
    let method = req.method().clone();
    let start = Instant::now();
    let res = next.run(req).await;
    let elapsed = start.elapsed();
    let status = res.status().as_u16();
    metrics::counter!("relais_http_requests_total", "route" => route.clone(), "status" => status.to_string())
        .increment(1);
    metrics::histogram!("relais_http_request_seconds", "route" => route.clone()).record(elapsed.as_secs_f64());
    if status >= 500 {
        tracing::error!(%method, %route, status, ms = elapsed.as_millis() as u64, "request failed");
    } else {
        tracing::info!(%method, %route, status, ms = elapsed.as_millis() as u64, "request");
    }
    res
}
