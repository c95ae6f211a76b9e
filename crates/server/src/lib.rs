//! Wiring of Relais: configuration, opening the store, building and serving the app, demo data,
//! backup and restore. The `relais` binary is a thin command line over this.

pub mod backup;
pub mod config;
pub mod demo;

use anyhow::Context;
use axum::Router;
use relais_app::{App, Clock, PdfRenderer, Settings};
use relais_store::Store;
use relais_web::WebConfig;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;

pub use config::Config;

/// Opens the configured database, creating the SQLite file only when allowed, and migrates it.
pub async fn open_store(config: &Config, create: bool) -> anyhow::Result<Store> {
    let (url, default_path) = config.database_url()?;
    if default_path && create {
        std::fs::create_dir_all(&config.data_dir)
            .with_context(|| format!("cannot create the data directory {}", config.data_dir.display()))?;
    }
    let connections = config.max_connections.unwrap_or(if url.starts_with("sqlite:") { 4 } else { 8 });
    let store = Store::connect(&url, create && default_path || config.create, connections)
        .await
        .with_context(|| format!("cannot open the database ({})", config.redacted_url()))?;
    let applied = store.migrate().await.context("database migration failed")?;
    if applied > 0 {
        tracing::info!(applied, engine = store.engine().name(), "migrations applied");
    }
    store.optimize().await.context("cannot refresh the query planner's statistics")?;
    Ok(store)
}

/// The application over a store.
pub fn build_app(store: Store, settings: Settings, clock: Arc<dyn Clock>) -> App {
    App::new(store, settings, clock)
        .with_pdf_renderer(PdfRenderer { contract: render_contract, support_plan: render_support_plan })
}

// Documents are rendered by Typst, which only the binary links.
fn render_contract(data: &serde_json::Value, today: jiff::civil::Date) -> Result<Vec<u8>, String> {
    relais_pdf::contract(data, today).map_err(|e| e.to_string())
}

fn render_support_plan(data: &serde_json::Value, easy: bool) -> Result<Vec<u8>, String> {
    relais_pdf::support_plan(data, easy).map_err(|e| e.to_string())
}

/// The router with every route.
pub fn router(app: App, web: WebConfig) -> Router {
    relais_web::router(app, web)
}

/// Serves until `shutdown` resolves, then finishes the requests under way.
pub async fn serve(
    app: App,
    web: WebConfig,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let purge = app.clone();
    let janitor = tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(300));
        for round in 1u64.. {
            tick.tick().await;
            if let Err(e) = purge.purge_expired_sessions().await {
                tracing::warn!(error = %e, "session purge failed");
            }
            // Every six hours, as the data grows.
            if round % 72 == 0
                && let Err(e) = purge.store.optimize().await
            {
                tracing::warn!(error = %e, "planner statistics refresh failed");
            }
        }
    });
    let router = router(app, web);
    let result = axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown)
        .await;
    janitor.abort();
    result.context("server failed")
}

/// Prometheus metrics on their own listener, away from the public one.
pub async fn serve_metrics(
    listener: TcpListener,
    handle: metrics_exporter_prometheus::PrometheusHandle,
) -> anyhow::Result<()> {
    let router = Router::new().route(
        "/metrics",
        axum::routing::get(move || {
            let h = handle.clone();
            async move { h.render() }
        }),
    );
    axum::serve(listener, router).await.context("metrics server failed")
}
