//! HTTP plumbing shared by the scenarios: browser sessions through the real login form, timed
//! requests, the run's phases (warmup, measured window, stop) and a small random generator.

use crate::stats::Recorder;
use anyhow::{Context, bail};
use reqwest::{Client, RequestBuilder};
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant};

/// Long enough for a saturated server, short enough that a stuck request does not hang the run.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// A browser-like client: its own cookie jar and connection, redirects left to the caller (a
/// note post answers 303 and following it would time the person page as well).
pub fn browser() -> anyhow::Result<Client> {
    Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(REQUEST_TIMEOUT)
        .build()
        .context("HTTP client")
}

/// A plain client for the API (bearer tokens, no cookies).
pub fn api_client() -> anyhow::Result<Client> {
    Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(REQUEST_TIMEOUT)
        .build()
        .context("HTTP client")
}

/// A logged-in staff session.
pub struct Session {
    pub client: Client,
    pub base: String,
    pub csrf: String,
}

impl Session {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }
}

/// The text after `marker` up to the next `"`.
pub fn extract(page: &str, marker: &str) -> Option<String> {
    let start = page.find(marker)? + marker.len();
    let end = page[start..].find('"')? + start;
    Some(page[start..end].to_string())
}

/// Logs in through the form, as a browser does: the login page sets the pre-login cookie and
/// token, the post opens the session, the home page gives the session's CSRF token.
pub async fn login(base: &str, username: &str, password: &str) -> anyhow::Result<Session> {
    let client = browser()?;
    let page = client.get(format!("{base}/login")).send().await.context("GET /login")?.text().await?;
    let Some(pre) = extract(&page, "name=\"pre_token\" value=\"") else {
        bail!("GET /login: no pre_token in the page (is {base} a Relais server?)");
    };
    let res = client
        .post(format!("{base}/login"))
        .form(&[("pre_token", pre.as_str()), ("username", username), ("password", password)])
        .send()
        .await
        .context("POST /login")?;
    let status = res.status().as_u16();
    let location = res.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    if status != 303 {
        bail!("login of {username} refused: HTTP {status}");
    }
    if location != "/" {
        // A second factor would need a TOTP secret the manifest does not carry.
        bail!("login of {username} needs a second step ({location}); bench accounts must not require TOTP");
    }
    let home = client.get(format!("{base}/")).send().await.context("GET /")?.text().await?;
    let Some(csrf) = extract(&home, "name=\"csrf_token\" value=\"") else {
        bail!("login of {username}: no csrf_token in the home page");
    };
    Ok(Session { client, base: base.to_string(), csrf })
}

/// The answer to one timed request.
pub struct Answer {
    pub status: u16,
    pub location: Option<String>,
    pub body: Vec<u8>,
}

/// Sends and reads the whole body, timing both. Err is the error label (`timeout`, `transport`).
pub async fn timed(req: RequestBuilder) -> (Duration, Result<Answer, String>) {
    let start = Instant::now();
    let res = async {
        let res = req.send().await.map_err(label)?;
        let status = res.status().as_u16();
        let location = res.headers().get("location").and_then(|v| v.to_str().ok()).map(str::to_string);
        let body = res.bytes().await.map_err(label)?;
        Ok(Answer { status, location, body: body.to_vec() })
    }
    .await;
    (start.elapsed(), res)
}

/// Records a single-request operation (when measured) and hands back the answer if it has the
/// expected status.
pub fn check(
    rec: &mut Recorder,
    measured: bool,
    op: &'static str,
    (elapsed, res): (Duration, Result<Answer, String>),
    expect: u16,
) -> Option<Answer> {
    match res {
        Ok(a) if a.status == expect => {
            if measured {
                rec.ok(op, elapsed, 1);
            }
            Some(a)
        }
        Ok(a) => {
            if measured {
                rec.error(op, &a.status.to_string(), 1);
            }
            None
        }
        Err(l) => {
            if measured {
                rec.error(op, &l, 1);
            }
            None
        }
    }
}

fn label(e: reqwest::Error) -> String {
    if e.is_timeout() {
        "timeout".into()
    } else if e.is_connect() {
        "connect".into()
    } else {
        "transport".into()
    }
}

/// When to measure and when to stop, shared by every worker.
pub struct Phase {
    pub warm_end: Instant,
    pub end: Option<Instant>,
    /// Iterations still to measure, when the run stops after a count rather than a time.
    left: Option<AtomicI64>,
}

impl Phase {
    pub fn new(warmup: Duration, seconds: Option<f64>, ops_per_kind: Option<u64>) -> Self {
        let warm_end = Instant::now() + warmup;
        Self {
            warm_end,
            end: seconds.map(|s| warm_end + Duration::from_secs_f64(s)),
            left: ops_per_kind.map(|k| AtomicI64::new(i64::try_from(k).unwrap_or(i64::MAX))),
        }
    }

    /// Before an iteration: None to stop, else whether it is measured. An iteration counts
    /// whole or not at all, so that with a count every operation gets exactly that many samples.
    pub fn next_iteration(&self) -> Option<bool> {
        let now = Instant::now();
        if self.end.is_some_and(|end| now >= end) {
            return None;
        }
        let measured = now >= self.warm_end;
        if measured
            && let Some(left) = &self.left
            && left.fetch_sub(1, Ordering::SeqCst) <= 0
        {
            return None;
        }
        Some(measured)
    }
}

/// xorshift64*: enough to pick persons and prefixes, and no extra crate.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        let time = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0x9E37_79B9_7F4A_7C15);
        Self((seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ time) | 1)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// An element of a non-empty slice; None for an empty one.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        if items.is_empty() {
            return None;
        }
        items.get((self.next_u64() % items.len() as u64) as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extracts_hidden_fields() {
        let page = r#"<input type="hidden" name="csrf_token" value="abc123"><p>"#;
        assert_eq!(extract(page, "name=\"csrf_token\" value=\""), Some("abc123".into()));
        assert_eq!(extract(page, "name=\"pre_token\" value=\""), None);
    }

    #[test]
    fn a_count_stops_after_that_many_measured_iterations() {
        let p = Phase::new(Duration::ZERO, None, Some(3));
        assert_eq!(
            (0..5).map(|_| p.next_iteration()).collect::<Vec<_>>(),
            vec![Some(true), Some(true), Some(true), None, None]
        );
        let warm = Phase::new(Duration::from_secs(3600), None, Some(1));
        assert_eq!(warm.next_iteration(), Some(false), "warmup iterations do not count");
    }
}
