//! Markdown tables of the newest result per (scenario, engine, profile, concurrency), for
//! bench/README.md.

use crate::stats::{RunResult, fmt_ms};
use anyhow::Context;
use std::collections::BTreeMap;
use std::path::Path;

/// Reads every `*.json` result of `dir`; files that are not results are named on stderr and
/// left out, so that a stray file does not hide the table.
pub fn load_dir(dir: &Path) -> anyhow::Result<Vec<RunResult>> {
    let mut out = Vec::new();
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .with_context(|| format!("cannot read {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        // A peer's results have their own shape; bench/compare reads them.
        .filter(|p| !p.file_name().is_some_and(|n| n.to_string_lossy().contains("gnuhealth")))
        .collect();
    paths.sort();
    for p in paths {
        let parsed = std::fs::read_to_string(&p)
            .map_err(anyhow::Error::from)
            .and_then(|t| serde_json::from_str::<RunResult>(&t).map_err(anyhow::Error::from));
        match parsed {
            Ok(r) => out.push(r),
            Err(e) => eprintln!("skipped {}: {e}", p.display()),
        }
    }
    Ok(out)
}

/// Newer first by start time; RFC 3339 strings that do not parse compare as text.
fn newer(a: &RunResult, b: &RunResult) -> bool {
    match (a.started_at.parse::<jiff::Timestamp>(), b.started_at.parse::<jiff::Timestamp>()) {
        (Ok(x), Ok(y)) => x > y,
        _ => a.started_at > b.started_at,
    }
}

/// One table per scenario; rows sorted by profile, engine and concurrency.
pub fn render(results: &[RunResult]) -> String {
    let mut newest: BTreeMap<(String, String, String, usize), &RunResult> = BTreeMap::new();
    for r in results {
        let key = (r.scenario.clone(), r.profile.clone(), r.engine.clone(), r.concurrency());
        match newest.get(&key) {
            Some(old) if !newer(r, old) => {}
            _ => {
                newest.insert(key, r);
            }
        }
    }
    let mut by_scenario: BTreeMap<&str, Vec<&RunResult>> = BTreeMap::new();
    for r in newest.values() {
        by_scenario.entry(r.scenario.as_str()).or_default().push(r);
    }
    let mut out = String::new();
    for (scenario, rows) in by_scenario {
        // Operation columns in the order of the loop, as first met.
        let mut ops: Vec<&str> = Vec::new();
        for r in &rows {
            for (k, _) in &r.operations.0 {
                if !ops.contains(&k.as_str()) {
                    ops.push(k);
                }
            }
        }
        let who = if scenario == "fhir" { "threads" } else { "users" };
        out.push_str(&format!("### {scenario}\n\n"));
        let mut head =
            vec!["date".to_string(), "engine".into(), "profile".into(), who.into(), "req/s".into(), "errors".into()];
        head.extend(ops.iter().map(|o| format!("{o} p50/p95/p99 ms")));
        head.extend(["RSS max MiB".to_string(), "CPU %".into()]);
        out.push_str(&format!("| {} |\n", head.join(" | ")));
        let align: Vec<&str> = head.iter().enumerate().map(|(i, _)| if i < 3 { "---" } else { "---:" }).collect();
        out.push_str(&format!("| {} |\n", align.join(" | ")));
        for r in rows {
            let mut cells = vec![
                r.started_at.get(..10).unwrap_or(&r.started_at).to_string(),
                r.engine.clone(),
                r.profile.clone(),
                r.concurrency().to_string(),
                format!("{:.1}", r.throughput_rps),
                r.errors.to_string(),
            ];
            for op in &ops {
                cells.push(match r.operations.0.iter().find(|(k, _)| k == op) {
                    Some((_, s)) => format!("{} / {} / {}", fmt_ms(s.p50_ms), fmt_ms(s.p95_ms), fmt_ms(s.p99_ms)),
                    None => "–".into(),
                });
            }
            match &r.server {
                Some(s) => cells.extend([format!("{:.0}", s.rss_mib_max), format!("{:.0}", s.cpu_percent)]),
                None => cells.extend(["–".to_string(), "–".to_string()]),
            }
            out.push_str(&format!("| {} |\n", cells.join(" | ")));
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::{Machine, OpStats, Operations, ServerStats};

    fn op(p50: f64) -> OpStats {
        OpStats {
            count: 10,
            errors: 0,
            errors_by_status: Default::default(),
            p50_ms: Some(p50),
            p95_ms: Some(p50 * 2.0),
            p99_ms: Some(p50 * 3.0),
            max_ms: Some(p50 * 4.0),
            mean_ms: Some(p50),
            requests: 10,
        }
    }

    fn run(scenario: &str, engine: &str, n: usize, at: &str, rps: f64) -> RunResult {
        let (users, threads, ops) = if scenario == "fhir" {
            (None, Some(n), vec![("create_patient".to_string(), op(4.0)), ("read_record".to_string(), op(2.5))])
        } else {
            (Some(n), None, vec![("unit_logbook".to_string(), op(12.5)), ("note_write".to_string(), op(1.5))])
        };
        RunResult {
            scenario: scenario.into(),
            engine: engine.into(),
            profile: "group76".into(),
            users,
            threads,
            seconds: 60.0,
            warmup_seconds: 10.0,
            ops_per_kind: None,
            started_at: at.into(),
            throughput_rps: rps,
            total_requests: 100,
            total_operations: 100,
            errors: 0,
            operations: Operations(ops),
            server: Some(ServerStats {
                pid: 1,
                rss_mib_max: 80.4,
                rss_mib_end: 70.0,
                hwm_mib_end: 90.0,
                cpu_percent: 143.2,
                samples: 60,
            }),
            machine: Machine { cores: 2 },
            notes: vec![],
        }
    }

    #[test]
    fn newest_per_combination_one_table_per_scenario() {
        let results = vec![
            run("care", "sqlite", 8, "2026-11-20T10:00:00Z", 100.0),
            run("care", "sqlite", 8, "2026-11-21T10:00:00Z", 200.0),
            run("care", "postgres", 8, "2026-11-19T10:00:00Z", 150.0),
            run("care", "sqlite", 32, "2026-11-18T10:00:00Z", 300.0),
            run("fhir", "sqlite", 4, "2026-11-22T09:00:00Z", 50.0),
        ];
        let md = render(&results);
        let expected = "\
### care

| date | engine | profile | users | req/s | errors | unit_logbook p50/p95/p99 ms | note_write p50/p95/p99 ms | RSS max MiB | CPU % |
| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
| 2026-11-19 | postgres | group76 | 8 | 150.0 | 0 | 12.5 / 25.0 / 37.5 | 1.50 / 3.00 / 4.50 | 80 | 143 |
| 2026-11-21 | sqlite | group76 | 8 | 200.0 | 0 | 12.5 / 25.0 / 37.5 | 1.50 / 3.00 / 4.50 | 80 | 143 |
| 2026-11-18 | sqlite | group76 | 32 | 300.0 | 0 | 12.5 / 25.0 / 37.5 | 1.50 / 3.00 / 4.50 | 80 | 143 |

### fhir

| date | engine | profile | threads | req/s | errors | create_patient p50/p95/p99 ms | read_record p50/p95/p99 ms | RSS max MiB | CPU % |
| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
| 2026-11-22 | sqlite | group76 | 4 | 50.0 | 0 | 4.00 / 8.00 / 12.0 | 2.50 / 5.00 / 7.50 | 80 | 143 |

";
        assert_eq!(md, expected);
        assert!(!md.contains("100.0"), "the older run of the same combination is left out");
    }

    #[test]
    fn results_round_trip_through_json() {
        let r = run("fhir", "postgres", 4, "2026-11-22T09:00:00Z", 50.0);
        let text = serde_json::to_string_pretty(&r).expect("json");
        assert!(text.contains("\"threads\": 4") && !text.contains("\"users\""));
        let back: RunResult = serde_json::from_str(&text).expect("back");
        assert_eq!(back, r);
    }

    #[test]
    fn loads_a_directory_skipping_other_files() {
        let dir = std::env::temp_dir().join(format!("relais-load-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let r = run("care", "sqlite", 8, "2026-11-21T10:00:00Z", 200.0);
        std::fs::write(dir.join("a.json"), serde_json::to_string(&r).expect("json")).expect("write");
        std::fs::write(dir.join("b.json"), "{ not a result").expect("write");
        std::fs::write(dir.join("c.txt"), "notes").expect("write");
        let loaded = load_dir(&dir).expect("load");
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(loaded, vec![r]);
    }
}
