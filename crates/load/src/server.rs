//! Resources of the server process under load, read from /proc (Linux only).

use crate::stats::ServerStats;
use std::time::{Duration, Instant};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// Memory and CPU time of a process at one moment.
#[derive(Debug, Clone, Copy, Default)]
struct Sample {
    rss_kib: u64,
    hwm_kib: u64,
    /// utime + stime, in clock ticks.
    cpu_ticks: u64,
}

fn read_sample(pid: u32) -> Option<Sample> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    Some(Sample {
        rss_kib: status_kib(&status, "VmRSS:").unwrap_or(0),
        hwm_kib: status_kib(&status, "VmHWM:").unwrap_or(0),
        cpu_ticks: stat_cpu_ticks(&stat)?,
    })
}

/// `VmRSS: 123456 kB` (tab-separated) → 123456.
fn status_kib(status: &str, key: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with(key))?;
    line[key.len()..].split_whitespace().next()?.parse().ok()
}

/// utime + stime from /proc/PID/stat. The command name (field 2) may hold spaces and
/// parentheses, so fields are counted from the last `)`: state is field 3, utime 14, stime 15.
fn stat_cpu_ticks(stat: &str) -> Option<u64> {
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(utime + stime)
}

/// Clock ticks per second for /proc times: asked once from `getconf`; 100 is the Linux value on
/// every common architecture, kept as the fallback.
fn clock_ticks() -> f64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse::<f64>().ok())
        .filter(|t| *t > 0.0)
        .unwrap_or(100.0)
}

fn mib(kib: u64) -> f64 {
    (kib as f64 / 1024.0 * 10.0).round() / 10.0
}

/// A sampler running from the start of the measured window until `stop`.
pub struct Sampler {
    stop: oneshot::Sender<()>,
    task: JoinHandle<Option<ServerStats>>,
}

impl Sampler {
    /// Checks the process is readable now, so that a wrong pid fails before the run.
    pub fn start(pid: u32, at: Instant) -> anyhow::Result<Self> {
        if read_sample(pid).is_none() {
            anyhow::bail!("cannot read /proc/{pid}/status and /proc/{pid}/stat: is --server-pid right?");
        }
        let ticks = clock_ticks();
        let (stop, mut stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            tokio::time::sleep_until(at.into()).await;
            let first = read_sample(pid)?;
            let started = Instant::now();
            let mut rss_max = first.rss_kib;
            let mut samples = 1;
            let mut every = tokio::time::interval(Duration::from_secs(1));
            every.tick().await;
            loop {
                tokio::select! {
                    _ = every.tick() => {
                        if let Some(s) = read_sample(pid) {
                            rss_max = rss_max.max(s.rss_kib);
                            samples += 1;
                        }
                    }
                    _ = &mut stopped => break,
                }
            }
            let last = read_sample(pid)?;
            let wall = started.elapsed().as_secs_f64();
            let cpu = last.cpu_ticks.saturating_sub(first.cpu_ticks) as f64 / ticks;
            Some(ServerStats {
                pid,
                rss_mib_max: mib(rss_max.max(last.rss_kib)),
                rss_mib_end: mib(last.rss_kib),
                hwm_mib_end: mib(last.hwm_kib),
                cpu_percent: if wall > 0.0 { (cpu / wall * 1000.0).round() / 10.0 } else { 0.0 },
                samples: samples + 1,
            })
        });
        Ok(Self { stop, task })
    }

    /// None when the process went away during the run.
    pub async fn finish(self) -> Option<ServerStats> {
        let _ = self.stop.send(());
        self.task.await.ok().flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_proc_files() {
        let stat = "1234 (relais (x) y) S 1 1234 1234 0 -1 4194560 5000 0 0 0 250 75 0 0 20 0 9 0 100 0 0";
        assert_eq!(stat_cpu_ticks(stat), Some(325));
        let status = "Name:\trelais\nVmHWM:\t   81920 kB\nVmRSS:\t   40960 kB\n";
        assert_eq!(status_kib(status, "VmRSS:"), Some(40960));
        assert_eq!(status_kib(status, "VmHWM:"), Some(81920));
        assert_eq!(mib(40960), 40.0);
    }

    #[test]
    fn reads_its_own_process() {
        let s = read_sample(std::process::id()).expect("own /proc");
        assert!(s.rss_kib > 0);
    }
}
