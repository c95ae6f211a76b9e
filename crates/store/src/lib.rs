//! Storage of Relais on SQLite (embedded, default) or PostgreSQL, through one code path.
//!
//! This is the only crate that holds SQL. Queries use `$N` placeholders and portable types
//! (see `migrations/`); the few places where the engines differ are marked `Engine::`.

pub mod activities;
pub mod adminfile;
pub mod admissions;
pub mod alerts;
pub mod appointments;
pub mod archive;
pub mod assessments;
pub mod audit;
pub mod bulk;
mod codec;
pub mod contracts;
pub mod documents;
pub mod identities;
pub mod migrate;
pub mod notes;
pub mod observations;
pub mod org;
pub mod persons;
pub mod relatives;
pub mod security;
pub mod support_plans;
pub mod thresholds;

use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{AnyPool, Executor};
use std::sync::Arc;
use std::time::Duration;

pub use codec::{Micros, now_micros};
pub use sqlx::AnyConnection as Conn;

/// The one error type of the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("the database URL is not usable: {0}")]
    Url(String),
    #[error("stored data is unreadable ({0}): the database was changed outside Relais")]
    Corrupt(String),
    #[error("not found")]
    NotFound,
    #[error("conflict: {0}")]
    Conflict(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

impl Engine {
    pub fn name(self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Postgres => "postgres",
        }
    }
}

/// A connection pool on one of the two engines.
#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
    engine: Engine,
    /// SQLite has one writer at a time: writers queue here, in order, instead of polling the
    /// file lock in SQLite's busy handler (which sleeps up to 100 ms between tries).
    write_lane: Arc<tokio::sync::Mutex<()>>,
}

/// A write transaction (and, on SQLite, the place in the writers' lane it holds until it ends).
pub struct Tx {
    tx: sqlx::Transaction<'static, sqlx::Any>,
    _lane: Option<tokio::sync::OwnedMutexGuard<()>>,
}

impl Tx {
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        self.tx.commit().await
    }
}

impl std::ops::Deref for Tx {
    type Target = sqlx::AnyConnection;
    fn deref(&self) -> &Self::Target {
        &self.tx
    }
}

impl std::ops::DerefMut for Tx {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.tx
    }
}

impl Store {
    /// Opens the database at `url`. A SQLite file is created only when `create` is set
    /// (the default data directory); a wrong path or an unreachable server is an error,
    /// never a new empty database.
    pub async fn connect(url: &str, create: bool, max_connections: u32) -> Result<Self> {
        install_default_drivers();
        let engine = if url.starts_with("sqlite:") {
            Engine::Sqlite
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Engine::Postgres
        } else {
            return Err(StoreError::Url("expected sqlite:PATH or postgres://…".into()));
        };
        let url = match engine {
            Engine::Sqlite => sqlite_url(url, create)?,
            Engine::Postgres => url.to_string(),
        };
        let options = AnyPoolOptions::new().max_connections(max_connections).acquire_timeout(Duration::from_secs(10));
        // No mmap: measured +10 % throughput at 8 users but the mapped file pages took the server's
        // peak RSS from 127 to 168 MiB on the group76 data set (bench/README.md).
        let options = if engine == Engine::Sqlite {
            options.after_connect(|conn, _| {
                Box::pin(async move {
                    conn.execute(
                        "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; \
                         PRAGMA busy_timeout = 10000; PRAGMA temp_store = MEMORY; PRAGMA cache_size = -8000;",
                    )
                    .await?;
                    Ok(())
                })
            })
        } else {
            options
        };
        let pool = options.connect(&url).await.map_err(|e| match e {
            sqlx::Error::Database(d) => StoreError::Url(d.message().to_string()),
            other => StoreError::Url(other.to_string()),
        })?;
        Ok(Self { pool, engine, write_lane: Arc::new(tokio::sync::Mutex::new(())) })
    }

    pub fn engine(&self) -> Engine {
        self.engine
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// A read connection (no transaction).
    pub async fn read(&self) -> Result<sqlx::pool::PoolConnection<sqlx::Any>> {
        Ok(self.pool.acquire().await?)
    }

    /// A write transaction. On SQLite it takes the write lock at once (`BEGIN IMMEDIATE`),
    /// so that two writers wait for each other instead of failing on lock upgrade.
    pub async fn begin_write(&self) -> Result<Tx> {
        Ok(match self.engine {
            Engine::Sqlite => {
                let lane = self.write_lane.clone().lock_owned().await;
                Tx { tx: self.pool.begin_with("BEGIN IMMEDIATE").await?, _lane: Some(lane) }
            }
            Engine::Postgres => Tx { tx: self.pool.begin().await?, _lane: None },
        })
    }

    /// Bulk loading only: a large page cache on SQLite, so that indexes keyed by person stay in
    /// memory while millions of rows arrive (no effect on PostgreSQL, which has its own buffers).
    pub async fn tune_for_bulk_load(&self, conn: &mut Conn) -> Result<()> {
        if self.engine == Engine::Sqlite {
            sqlx::query("PRAGMA cache_size = -1000000").execute(conn).await?;
        }
        Ok(())
    }

    /// Keeps the query planner's statistics current. Without them SQLite chose to walk every
    /// person of the organisation in name order for a three-letter search (25 ms instead of 1 ms
    /// on the group76 data set). `analysis_limit` bounds the work per index (0.6 s on group76);
    /// at 1,000 it sampled too few persons, took the 40 % without an INS for one key, and the INS
    /// search lost its index (75 ms). `optimize` only analyses tables whose statistics are
    /// missing or stale. PostgreSQL's autovacuum does this.
    pub async fn optimize(&self) -> Result<()> {
        if self.engine == Engine::Sqlite {
            let mut tx = self.begin_write().await?;
            sqlx::query("PRAGMA analysis_limit = 100000").execute(&mut *tx).await?;
            sqlx::query("PRAGMA optimize = 0x10002").execute(&mut *tx).await?;
            tx.commit().await?;
        }
        Ok(())
    }

    /// After a bulk load: statistics for every table, on both engines.
    pub async fn analyze(&self) -> Result<()> {
        let mut conn = self.read().await?;
        if self.engine == Engine::Sqlite {
            sqlx::query("PRAGMA analysis_limit = 100000").execute(&mut *conn).await?;
        }
        sqlx::query("ANALYZE").execute(&mut *conn).await?;
        Ok(())
    }

    /// Bulk loading only: on PostgreSQL the full-text index of notes is dropped, to be built
    /// once at the end (`end_bulk_load`) rather than row by row.
    pub async fn begin_bulk_load(&self) -> Result<()> {
        if self.engine == Engine::Postgres {
            sqlx::query("DROP INDEX IF EXISTS note_search").execute(&self.pool).await?;
        }
        Ok(())
    }

    pub async fn end_bulk_load(&self) -> Result<()> {
        if self.engine == Engine::Postgres {
            // As in migrations/0005_note_search.postgres.sql.
            sqlx::query("CREATE INDEX IF NOT EXISTS note_search ON note USING gin (search)")
                .execute(&self.pool)
                .await?;
        }
        Ok(())
    }

    /// Folds the write-ahead log into the database file (SQLite), after a bulk load.
    pub async fn checkpoint(&self) -> Result<()> {
        if self.engine == Engine::Sqlite {
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&self.pool).await?;
        }
        Ok(())
    }

    /// Is the database answering?
    pub async fn ping(&self) -> bool {
        sqlx::query("SELECT 1").fetch_one(&self.pool).await.is_ok()
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Builds the SQLite URL: `mode=rwc` only when creation is wanted, else `mode=rw`.
fn sqlite_url(url: &str, create: bool) -> Result<String> {
    let path = url.trim_start_matches("sqlite://").trim_start_matches("sqlite:");
    let (path, query) = path.split_once('?').unwrap_or((path, ""));
    if path.is_empty() || path.contains(":memory:") {
        return Err(StoreError::Url("an in-memory SQLite database would lose every record: give a file path".into()));
    }
    if !create && !std::path::Path::new(path).exists() {
        return Err(StoreError::Url(format!(
            "no SQLite database at {path}: check the path, or run `relais migrate` with --create to make a new one"
        )));
    }
    if query.contains("mode=") {
        return Ok(format!("sqlite://{path}?{query}"));
    }
    let mode = if create { "rwc" } else { "rw" };
    Ok(format!("sqlite://{path}?mode={mode}"))
}

/// `$first, $first+1, …` placeholders for an `IN (…)` list of `n` values.
pub(crate) fn placeholders(first: usize, n: usize) -> String {
    (first..first + n).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
}
