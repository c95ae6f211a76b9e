//! Latency samples, percentiles and the JSON result of a run.

use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::BTreeMap;
use std::time::Duration;

/// The samples of one operation kind, gathered by one worker (merged at the end, so no locking).
#[derive(Debug, Default, Clone)]
pub struct OpSamples {
    /// Latencies of the successful operations, in microseconds.
    pub ok_us: Vec<u32>,
    /// Failures by label: the HTTP status (`"500"`), or `"transport"`, `"timeout"`…
    pub errors: BTreeMap<String, u64>,
    /// HTTP requests sent (an operation may need more than one).
    pub requests: u64,
}

impl OpSamples {
    pub fn merge(&mut self, other: OpSamples) {
        self.ok_us.extend(other.ok_us);
        for (k, v) in other.errors {
            *self.errors.entry(k).or_default() += v;
        }
        self.requests += other.requests;
    }
}

/// Every operation kind of a worker, in the scenario's order.
#[derive(Debug, Default, Clone)]
pub struct Recorder {
    pub ops: Vec<(&'static str, OpSamples)>,
}

impl Recorder {
    pub fn new(kinds: &[&'static str]) -> Self {
        Self { ops: kinds.iter().map(|k| (*k, OpSamples::default())).collect() }
    }

    fn get(&mut self, op: &'static str) -> &mut OpSamples {
        if let Some(i) = self.ops.iter().position(|(k, _)| *k == op) {
            return &mut self.ops[i].1;
        }
        self.ops.push((op, OpSamples::default()));
        let last = self.ops.len() - 1;
        &mut self.ops[last].1
    }

    pub fn ok(&mut self, op: &'static str, elapsed: Duration, requests: u64) {
        let s = self.get(op);
        s.ok_us.push(u32::try_from(elapsed.as_micros()).unwrap_or(u32::MAX));
        s.requests += requests;
    }

    pub fn error(&mut self, op: &'static str, label: &str, requests: u64) {
        let s = self.get(op);
        *s.errors.entry(label.to_string()).or_default() += 1;
        s.requests += requests;
    }

    pub fn merge(&mut self, other: Recorder) {
        for (k, s) in other.ops {
            self.get(k).merge(s);
        }
    }

    pub fn total_requests(&self) -> u64 {
        self.ops.iter().map(|(_, s)| s.requests).sum()
    }
}

/// The nearest-rank percentile `p` (0–100] of sorted samples: the smallest sample such that at
/// least p % of the samples are at or below it. None for no samples.
pub fn percentile(sorted: &[u32], p: f64) -> Option<u32> {
    if sorted.is_empty() {
        return None;
    }
    let n = sorted.len();
    let rank = ((p / 100.0) * n as f64).ceil() as usize;
    Some(sorted[rank.clamp(1, n) - 1])
}

fn ms(us: u32) -> f64 {
    f64::from(us) / 1000.0
}

/// The statistics of one operation kind in the result file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OpStats {
    /// Operations attempted in the measured window (successes and errors).
    pub count: u64,
    pub errors: u64,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub errors_by_status: BTreeMap<String, u64>,
    /// Latencies of the successful operations only: a fast error page would flatter them.
    pub p50_ms: Option<f64>,
    pub p95_ms: Option<f64>,
    pub p99_ms: Option<f64>,
    pub max_ms: Option<f64>,
    pub mean_ms: Option<f64>,
    #[serde(default)]
    pub requests: u64,
}

impl OpStats {
    pub fn of(samples: &OpSamples) -> Self {
        let mut sorted = samples.ok_us.clone();
        sorted.sort_unstable();
        let errors: u64 = samples.errors.values().sum();
        let mean = (!sorted.is_empty())
            .then(|| sorted.iter().map(|v| u64::from(*v)).sum::<u64>() as f64 / sorted.len() as f64 / 1000.0);
        Self {
            count: sorted.len() as u64 + errors,
            errors,
            errors_by_status: samples.errors.clone(),
            p50_ms: percentile(&sorted, 50.0).map(ms),
            p95_ms: percentile(&sorted, 95.0).map(ms),
            p99_ms: percentile(&sorted, 99.0).map(ms),
            max_ms: sorted.last().copied().map(ms),
            mean_ms: mean.map(|m| (m * 1000.0).round() / 1000.0),
            requests: samples.requests,
        }
    }
}

/// Operation statistics in the scenario's order (a JSON object whose key order is kept, so that
/// the file and the tables read in the order of the loop).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Operations(pub Vec<(String, OpStats)>);

impl Serialize for Operations {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

impl<'de> Deserialize<'de> for Operations {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Operations;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a map of operation statistics")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Operations, A::Error> {
                let mut out = Vec::new();
                while let Some((k, v)) = map.next_entry::<String, OpStats>()? {
                    out.push((k, v));
                }
                Ok(Operations(out))
            }
        }
        d.deserialize_map(V)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServerStats {
    pub pid: u32,
    pub rss_mib_max: f64,
    pub rss_mib_end: f64,
    /// The process's own peak (VmHWM), over its whole life and not only the window.
    pub hwm_mib_end: f64,
    /// Average over the measured window; 100 % is one core busy.
    pub cpu_percent: f64,
    pub samples: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Machine {
    pub cores: usize,
}

/// One result file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunResult {
    pub scenario: String,
    pub engine: String,
    pub profile: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub users: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threads: Option<usize>,
    /// Length of the measured window (warmup excluded).
    pub seconds: f64,
    #[serde(default)]
    pub warmup_seconds: f64,
    /// Set when the run stopped after this many samples per operation instead of after a time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ops_per_kind: Option<u64>,
    /// Start of the measured window.
    pub started_at: String,
    /// HTTP requests per second over the measured window.
    pub throughput_rps: f64,
    pub total_requests: u64,
    #[serde(default)]
    pub total_operations: u64,
    pub errors: u64,
    pub operations: Operations,
    pub server: Option<ServerStats>,
    pub machine: Machine,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl RunResult {
    /// Users for the care scenario, threads for the FHIR one.
    pub fn concurrency(&self) -> usize {
        self.users.or(self.threads).unwrap_or(0)
    }
}

/// `1.234` → "1.23"; `123.4` → "123.4": enough digits to compare runs, not more.
pub fn fmt_ms(v: Option<f64>) -> String {
    match v {
        None => "–".into(),
        Some(v) if v < 10.0 => format!("{v:.2}"),
        Some(v) if v < 1000.0 => format!("{v:.1}"),
        Some(v) => format!("{v:.0}"),
    }
}

/// The compact table printed at the end of a run.
pub fn human_table(r: &RunResult) -> String {
    let who = match (r.users, r.threads) {
        (Some(u), _) => format!("{u} users"),
        (_, Some(t)) => format!("{t} threads"),
        _ => String::new(),
    };
    let mut out = format!(
        "{} — {} / {}, {who}, {:.1} s measured after {:.0} s warmup, started {}\n",
        r.scenario, r.engine, r.profile, r.seconds, r.warmup_seconds, r.started_at
    );
    out.push_str(&format!(
        "{:<20} {:>8} {:>7} {:>9} {:>9} {:>9} {:>9} {:>9}\n",
        "operation", "count", "errors", "p50 ms", "p95 ms", "p99 ms", "max ms", "mean ms"
    ));
    for (name, s) in &r.operations.0 {
        out.push_str(&format!(
            "{:<20} {:>8} {:>7} {:>9} {:>9} {:>9} {:>9} {:>9}\n",
            name,
            s.count,
            s.errors,
            fmt_ms(s.p50_ms),
            fmt_ms(s.p95_ms),
            fmt_ms(s.p99_ms),
            fmt_ms(s.max_ms),
            fmt_ms(s.mean_ms)
        ));
        for (status, n) in &s.errors_by_status {
            out.push_str(&format!("{:<20} {:>8} × {status}\n", "", n));
        }
    }
    out.push_str(&format!(
        "total: {} requests ({} operations), {:.1} requests/s, {} errors\n",
        r.total_requests, r.total_operations, r.throughput_rps, r.errors
    ));
    if let Some(s) = &r.server {
        out.push_str(&format!(
            "server pid {}: RSS max {:.1} MiB, end {:.1} MiB (peak over its life {:.1} MiB), CPU {:.0} % ({} samples)\n",
            s.pid, s.rss_mib_max, s.rss_mib_end, s.hwm_mib_end, s.cpu_percent, s.samples
        ));
    }
    for n in &r.notes {
        out.push_str(&format!("note: {n}\n"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        assert_eq!(percentile(&[], 50.0), None);
        assert_eq!(percentile(&[7], 50.0), Some(7));
        assert_eq!(percentile(&[7], 99.0), Some(7));
        let v: Vec<u32> = (1..=100).collect();
        assert_eq!(percentile(&v, 50.0), Some(50));
        assert_eq!(percentile(&v, 95.0), Some(95));
        assert_eq!(percentile(&v, 99.0), Some(99));
        assert_eq!(percentile(&v, 100.0), Some(100));
        // Ten samples: p95 and p99 are both the largest (rank ceil(9.5) = ceil(9.9) = 10).
        let v: Vec<u32> = (1..=10).map(|x| x * 10).collect();
        assert_eq!(percentile(&v, 50.0), Some(50));
        assert_eq!(percentile(&v, 95.0), Some(100));
        assert_eq!(percentile(&v, 99.0), Some(100));
        // A tiny p never reads before the first sample.
        assert_eq!(percentile(&v, 0.01), Some(10));
        let v = [1, 2, 3];
        assert_eq!(percentile(&v, 50.0), Some(2));
        assert_eq!(percentile(&v, 66.0), Some(2));
        assert_eq!(percentile(&v, 67.0), Some(3));
    }

    #[test]
    fn op_stats_from_samples() {
        let mut r = Recorder::new(&["a", "b"]);
        for us in [3000u64, 1000, 2000, 4000] {
            r.ok("a", Duration::from_micros(us), 1);
        }
        r.error("a", "500", 1);
        r.error("a", "500", 1);
        r.error("a", "transport", 1);
        let mut other = Recorder::new(&["a", "b"]);
        other.ok("a", Duration::from_micros(5000), 2);
        r.merge(other);
        let s = OpStats::of(&r.ops[0].1);
        assert_eq!((s.count, s.errors, s.requests), (8, 3, 9));
        assert_eq!(s.errors_by_status.get("500"), Some(&2));
        assert_eq!(s.p50_ms, Some(3.0));
        assert_eq!(s.p99_ms, Some(5.0));
        assert_eq!(s.max_ms, Some(5.0));
        assert_eq!(s.mean_ms, Some(3.0));
        let empty = OpStats::of(&r.ops[1].1);
        assert_eq!((empty.count, empty.p50_ms, empty.mean_ms), (0, None, None));
        assert_eq!(r.total_requests(), 9);
    }

    #[test]
    fn operations_keep_their_order() {
        let s = OpStats::of(&OpSamples::default());
        let ops = Operations(vec![("zeta".into(), s.clone()), ("alpha".into(), s)]);
        let json = serde_json::to_string(&ops).expect("json");
        assert!(json.find("zeta") < json.find("alpha"));
        let back: Operations = serde_json::from_str(&json).expect("back");
        assert_eq!(back, ops);
    }
}
