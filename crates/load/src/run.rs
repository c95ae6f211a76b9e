//! What both scenarios share: the command-line options, running the workers through the
//! phases, and turning their samples into the result file.

use crate::http::Phase;
use crate::manifest::Manifest;
use crate::server::Sampler;
use crate::stats::{Machine, OpStats, Operations, Recorder, RunResult, ServerStats, human_table};
use anyhow::Context;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::task::JoinSet;

#[derive(Debug, Clone, clap::Args)]
pub struct Common {
    /// Base URL of the running server.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    pub base: String,
    /// Manifest written by the bench data generator (JSON).
    #[arg(long)]
    pub manifest: PathBuf,
    /// Seconds of load before measuring, to fill caches and connection pools.
    #[arg(long, default_value_t = 5.0)]
    pub warmup: f64,
    /// Seconds measured after the warmup (default 30 when --ops-per-kind is not given).
    #[arg(long, conflicts_with = "ops_per_kind")]
    pub seconds: Option<f64>,
    /// Stop once every operation has this many measured samples, instead of after a time.
    #[arg(long)]
    pub ops_per_kind: Option<u64>,
    /// Pid of the server, to sample its memory and CPU from /proc.
    #[arg(long)]
    pub server_pid: Option<u32>,
    /// Engine label for the results (default: from the manifest).
    #[arg(long, value_parser = ["sqlite", "postgres"])]
    pub engine: Option<String>,
    /// Where to write the JSON result.
    #[arg(long)]
    pub out: PathBuf,
}

impl Common {
    pub fn base(&self) -> String {
        self.base.trim_end_matches('/').to_string()
    }

    fn seconds(&self) -> Option<f64> {
        match (self.seconds, self.ops_per_kind) {
            (Some(s), _) => Some(s),
            (None, Some(_)) => None,
            (None, None) => Some(30.0),
        }
    }
}

/// The workers' merged samples and the measured window.
pub struct Measured {
    pub recorder: Recorder,
    pub started_at: jiff::Timestamp,
    pub seconds: f64,
    pub server: Option<ServerStats>,
}

/// Runs one worker per item until the phase says stop, sampling the server meanwhile. The
/// window runs from the end of the warmup until the last worker is back, so that operations
/// still in flight at the deadline count in both the samples and the time.
pub async fn drive<T, F, Fut>(common: &Common, items: Vec<T>, worker: F) -> anyhow::Result<Measured>
where
    T: Send + 'static,
    F: Fn(T, Arc<Phase>) -> Fut,
    Fut: Future<Output = anyhow::Result<Recorder>> + Send + 'static,
{
    let warmup = Duration::from_secs_f64(common.warmup.max(0.0));
    let phase = Arc::new(Phase::new(warmup, common.seconds(), common.ops_per_kind));
    let started_at = jiff::Timestamp::now() + warmup;
    let sampler = match common.server_pid {
        Some(pid) => Some(Sampler::start(pid, phase.warm_end)?),
        None => None,
    };
    let mut set = JoinSet::new();
    for item in items {
        set.spawn(worker(item, phase.clone()));
    }
    let mut recorder = Recorder::default();
    let mut failure = None;
    while let Some(done) = set.join_next().await {
        match done.context("worker panicked").and_then(|r| r) {
            Ok(r) => recorder.merge(r),
            Err(e) => failure = Some(e),
        }
    }
    let finished = Instant::now();
    let server = match sampler {
        Some(s) => s.finish().await,
        None => None,
    };
    if let Some(e) = failure {
        return Err(e);
    }
    let seconds = finished.saturating_duration_since(phase.warm_end).as_secs_f64();
    Ok(Measured { recorder, started_at: jiff::Timestamp::from_second(started_at.as_second())?, seconds, server })
}

/// How a scenario describes itself in the result.
pub struct Describe<'a> {
    pub scenario: &'a str,
    pub users: Option<usize>,
    pub threads: Option<usize>,
    pub notes: Vec<String>,
}

pub fn result(common: &Common, manifest: &Manifest, d: Describe, m: Measured) -> RunResult {
    let operations: Vec<(String, OpStats)> =
        m.recorder.ops.iter().map(|(k, s)| (k.to_string(), OpStats::of(s))).collect();
    let total_requests = m.recorder.total_requests();
    let errors = operations.iter().map(|(_, s)| s.errors).sum();
    let total_operations = operations.iter().map(|(_, s)| s.count).sum();
    RunResult {
        scenario: d.scenario.into(),
        engine: manifest.engine(common.engine.as_deref()),
        profile: manifest.profile(),
        users: d.users,
        threads: d.threads,
        seconds: (m.seconds * 1000.0).round() / 1000.0,
        warmup_seconds: common.warmup,
        ops_per_kind: common.ops_per_kind,
        started_at: m.started_at.to_string(),
        throughput_rps: if m.seconds > 0.0 { (total_requests as f64 / m.seconds * 10.0).round() / 10.0 } else { 0.0 },
        total_requests,
        total_operations,
        errors,
        operations: Operations(operations),
        server: m.server,
        machine: Machine { cores: std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1) },
        notes: d.notes,
    }
}

/// Writes the result file and prints the table.
pub fn save(common: &Common, r: &RunResult) -> anyhow::Result<()> {
    if let Some(dir) = common.out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let json = serde_json::to_string_pretty(r)?;
    std::fs::write(&common.out, json + "\n").with_context(|| format!("cannot write {}", common.out.display()))?;
    print!("{}", human_table(r));
    println!("written to {}", common.out.display());
    Ok(())
}
