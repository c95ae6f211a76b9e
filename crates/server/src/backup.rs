//! Online backup (SQLite `VACUUM INTO` with a SHA-256 sidecar) and verified restore.

use anyhow::{Context, bail};
use relais_store::{Engine, Store};
use sha2::{Digest, Sha256};
use sqlx::Row;
use std::path::{Path, PathBuf};

pub struct BackupReport {
    pub bytes: u64,
    pub sha256: String,
    pub audit_events: i64,
}

fn sidecar(path: &Path) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(".sha256");
    PathBuf::from(s)
}

fn file_sha256(path: &Path) -> anyhow::Result<String> {
    let mut f = std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut h = Sha256::new();
    std::io::copy(&mut f, &mut h)?;
    Ok(hex::encode(h.finalize()))
}

/// Writes a consistent copy of the live database while it keeps serving.
pub async fn backup(store: &Store, to: &Path) -> anyhow::Result<BackupReport> {
    if store.engine() != Engine::Sqlite {
        bail!("on PostgreSQL, back up with PostgreSQL's own tools (pg_dump, or base backups and WAL archiving)");
    }
    if to.exists() {
        bail!("{} already exists: choose a new file name", to.display());
    }
    let path = to.to_str().context("the backup path is not valid UTF-8")?;
    let sql = format!("VACUUM INTO '{}'", path.replace('\'', "''"));
    sqlx::query(sqlx::AssertSqlSafe(sql)).execute(store.pool()).await.context("VACUUM INTO failed")?;
    let sha256 = file_sha256(to)?;
    let name = to.file_name().and_then(|n| n.to_str()).unwrap_or("backup");
    std::fs::write(sidecar(to), format!("{sha256}  {name}\n"))?;
    let bytes = std::fs::metadata(to)?.len();
    let audit_events: i64 =
        sqlx::query("SELECT seq FROM audit_head WHERE id = 1").fetch_one(store.pool()).await?.try_get(0)?;
    Ok(BackupReport { bytes, sha256, audit_events })
}

pub struct RestoreReport {
    pub audit_events: i64,
    pub persons: i64,
}

/// Restores `from` into the SQLite file `target`, after checking the checksum, the file's
/// integrity and the audit chain. Refuses a non-empty target unless `force`.
pub async fn restore(from: &Path, target: &Path, force: bool) -> anyhow::Result<RestoreReport> {
    let expected = std::fs::read_to_string(sidecar(from)).with_context(|| {
        format!("no checksum file {} beside the backup: refusing an unverifiable backup", sidecar(from).display())
    })?;
    let expected = expected.split_whitespace().next().unwrap_or("").to_string();
    let actual = file_sha256(from)?;
    if expected != actual {
        bail!(
            "the backup is damaged: its SHA-256 is {actual}, the checksum file says {expected}; nothing was restored"
        );
    }
    if target.exists() && !force {
        let url = format!("sqlite:{}", target.to_str().context("target path is not valid UTF-8")?);
        let store = Store::connect(&url, false, 1).await?;
        let version = store.schema_version().await?;
        store.close().await;
        if version.is_some() {
            bail!("{} already holds a Relais database: add --force to replace it", target.display());
        }
    }
    let staging = target.with_extension("restoring");
    let _ = std::fs::remove_file(&staging);
    std::fs::copy(from, &staging).context("cannot copy the backup")?;
    let url = format!("sqlite:{}", staging.to_str().context("target path is not valid UTF-8")?);
    let store = Store::connect(&url, false, 1).await?;
    let check: String = sqlx::query("PRAGMA integrity_check").fetch_one(store.pool()).await?.try_get(0)?;
    if check != "ok" {
        store.close().await;
        let _ = std::fs::remove_file(&staging);
        bail!("the backup fails SQLite's integrity check ({check}); nothing was restored");
    }
    let verification = store.verify_audit().await?;
    if let Some((seq, why)) = verification.first_bad {
        store.close().await;
        let _ = std::fs::remove_file(&staging);
        bail!("the backup's audit chain is broken at event {seq}: {why}; nothing was restored");
    }
    let persons: i64 = sqlx::query("SELECT COUNT(*) FROM person").fetch_one(store.pool()).await?.try_get(0)?;
    store.close().await;
    for suffix in ["-wal", "-shm"] {
        let mut p = target.as_os_str().to_owned();
        p.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(p));
    }
    std::fs::rename(&staging, target).context("cannot move the restored database into place")?;
    Ok(RestoreReport { audit_events: verification.events, persons })
}
