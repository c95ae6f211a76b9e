//! A Relais instance for the drills: set up through the real command line, served by the
//! real binary, killed and restarted like a real process.

use anyhow::{Context, bail};
use relais_store::Store;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const PASSWORD: &str = "tournesol bleu sur la colline";

pub struct Instance {
    pub relais: PathBuf,
    pub data_dir: PathBuf,
    pub database_url: String,
    pub base: String,
    pub client_id: String,
    pub client_secret: String,
    pub establishment: String,
    child: Option<Child>,
    port: u16,
    /// (administrative URL, database) of a PostgreSQL database made for this instance.
    postgres: Option<(String, String)>,
}

/// The `relais` binary next to this one (both are built into the same target directory).
pub fn default_relais() -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|p| p.parent().map(|d| d.join("relais")))
        .unwrap_or_else(|| PathBuf::from("relais"))
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

impl Instance {
    /// A new organisation in a new database: SQLite in `dir`, or a new PostgreSQL database.
    pub async fn create(relais: &Path, dir: &Path, postgres: Option<&str>) -> anyhow::Result<Self> {
        std::fs::create_dir_all(dir)?;
        let mut made = None;
        let database_url = match postgres {
            None => format!("sqlite:{}", dir.join("relais.db").display()),
            Some(admin) => {
                let db = format!("relais_drill_{}", uuid::Uuid::now_v7().simple());
                let store = Store::connect(admin, false, 1).await?;
                sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {db}"))).execute(store.pool()).await?;
                store.close().await;
                made = Some((admin.to_string(), db.clone()));
                let (base, query) =
                    admin.split_once('?').map(|(b, q)| (b, format!("?{q}"))).unwrap_or((admin, String::new()));
                let prefix = base.rsplit_once('/').map(|(p, _)| p).unwrap_or(base);
                format!("{prefix}/{db}{query}")
            }
        };
        let mut me = Self {
            relais: relais.to_path_buf(),
            data_dir: dir.to_path_buf(),
            database_url,
            base: String::new(),
            client_id: String::new(),
            client_secret: String::new(),
            establishment: String::new(),
            child: None,
            port: free_port()?,
            postgres: made,
        };
        me.base = format!("http://127.0.0.1:{}", me.port);
        me.cli(&["migrate", "--create"], None)?;
        me.cli(&["admin", "create-organisation", "--name", "Organisme d'exercice", "--finess", "750000018"], None)?;
        let out = me.cli(
            &[
                "admin",
                "create-establishment",
                "--finess",
                "750000026",
                "--name",
                "EHPAD Exercice",
                "--sector",
                "elderly",
                "--category",
                "500",
            ],
            None,
        )?;
        me.establishment = out.trim().rsplit(' ').next().unwrap_or_default().to_string();
        me.cli(&["admin", "create-unit", "--establishment", "750000026", "--name", "Nord"], None)?;
        me.cli(&["admin", "create-unit", "--establishment", "750000026", "--name", "Sud"], None)?;
        for (user, profile) in [("secretariat", "secretary"), ("infirmier", "nurse"), ("dpo", "dpo")] {
            me.cli(
                &[
                    "admin",
                    "create-account",
                    "--username",
                    user,
                    "--given-name",
                    "Camille",
                    "--family-name",
                    "Exercice",
                    "--profile",
                    profile,
                    "--establishment",
                    "750000026",
                    "--password-stdin",
                ],
                Some(PASSWORD),
            )?;
        }
        let out = me.cli(&["admin", "client", "create", "--name", "exercice", "--scope", "system/*.*"], None)?;
        for line in out.lines() {
            if let Some(v) = line.strip_prefix("client_id=") {
                me.client_id = v.to_string();
            }
            if let Some(v) = line.strip_prefix("client_secret=") {
                me.client_secret = v.to_string();
            }
        }
        if me.client_secret.is_empty() {
            bail!("no API client was printed");
        }
        Ok(me)
    }

    /// An instance over a data directory that may not hold a database yet (restore targets).
    pub fn detached(relais: &Path, dir: &Path) -> anyhow::Result<Self> {
        std::fs::create_dir_all(dir)?;
        let port = free_port()?;
        Ok(Self {
            relais: relais.to_path_buf(),
            data_dir: dir.to_path_buf(),
            database_url: format!("sqlite:{}", dir.join("relais.db").display()),
            base: format!("http://127.0.0.1:{port}"),
            client_id: String::new(),
            client_secret: String::new(),
            establishment: String::new(),
            child: None,
            port,
            postgres: None,
        })
    }

    /// Runs a `relais` command on this instance's database; returns its standard output.
    pub fn cli(&self, args: &[&str], stdin: Option<&str>) -> anyhow::Result<String> {
        let out = self.cli_output(args, stdin)?;
        if !out.status.success() {
            bail!(
                "relais {} failed: {}{}",
                args.join(" "),
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    pub fn cli_output(&self, args: &[&str], stdin: Option<&str>) -> anyhow::Result<std::process::Output> {
        let mut cmd = Command::new(&self.relais);
        cmd.args(args)
            .env("RELAIS_DATA_DIR", &self.data_dir)
            .env("RELAIS_DATABASE_URL", &self.database_url)
            .env("RELAIS_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() });
        let mut child = cmd.spawn().with_context(|| format!("cannot run {}", self.relais.display()))?;
        if let Some(input) = stdin
            && let Some(mut s) = child.stdin.take()
        {
            writeln!(s, "{input}")?;
        }
        Ok(child.wait_with_output()?)
    }

    /// Starts `relais serve` and waits until it is ready.
    pub async fn start(&mut self) -> anyhow::Result<Duration> {
        let started = Instant::now();
        let child = Command::new(&self.relais)
            .args(["serve", "--listen", &format!("127.0.0.1:{}", self.port)])
            .env("RELAIS_DATA_DIR", &self.data_dir)
            .env("RELAIS_DATABASE_URL", &self.database_url)
            .env("RELAIS_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("start relais serve")?;
        self.child = Some(child);
        let client = reqwest::Client::new();
        while started.elapsed() < Duration::from_secs(60) {
            if let Ok(r) = client.get(format!("{}/readyz", self.base)).send().await
                && r.status() == 200
            {
                return Ok(started.elapsed());
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        bail!("relais did not become ready in 60 s")
    }

    /// SIGKILL: no chance to flush or close anything.
    pub fn kill(&mut self) -> anyhow::Result<()> {
        if let Some(mut c) = self.child.take() {
            c.kill()?;
            c.wait()?;
        }
        Ok(())
    }

    /// SIGTERM and wait: a graceful stop.
    pub fn stop(&mut self) -> anyhow::Result<()> {
        if let Some(mut c) = self.child.take() {
            let _ = Command::new("kill").args(["-TERM", &c.id().to_string()]).status();
            c.wait()?;
        }
        Ok(())
    }

    /// Stops the server and drops a PostgreSQL database made for the drill.
    pub async fn finish(mut self) -> anyhow::Result<()> {
        self.stop()?;
        if let Some((admin, db)) = self.postgres.take() {
            let store = Store::connect(&admin, false, 1).await?;
            sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)")))
                .execute(store.pool())
                .await?;
            store.close().await;
        }
        Ok(())
    }

    pub async fn store(&self) -> anyhow::Result<Store> {
        Ok(Store::connect(&self.database_url, false, 2).await?)
    }

    pub async fn token(&self, client: &reqwest::Client) -> anyhow::Result<String> {
        let r = client
            .post(format!("{}/oauth/token", self.base))
            .basic_auth(&self.client_id, Some(&self.client_secret))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await?;
        let v: serde_json::Value = r.json().await?;
        v["access_token"].as_str().map(str::to_string).context("no access token")
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.kill();
    }
}

/// A staff member logged in through the real form, with the session's CSRF token.
pub struct Staff {
    pub client: reqwest::Client,
    pub csrf: String,
}

pub fn extract(page: &str, marker: &str) -> Option<String> {
    let start = page.find(marker)? + marker.len();
    let end = page[start..].find('"')? + start;
    Some(page[start..end].to_string())
}

pub async fn login(base: &str, username: &str) -> anyhow::Result<Staff> {
    // No kept-alive connections: a bad request the server answers without reading its body closes
    // its connection, and a pooled one could be taken for the next request just as it closes.
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(0)
        .build()?;
    let page = client.get(format!("{base}/login")).send().await?.text().await?;
    let pre = extract(&page, "name=\"pre_token\" value=\"").context("login page")?;
    let r = client
        .post(format!("{base}/login"))
        .form(&[("pre_token", pre.as_str()), ("username", username), ("password", PASSWORD)])
        .send()
        .await?;
    if r.status() != 303 {
        bail!("login of {username} failed: {}", r.status());
    }
    let home = client.get(format!("{base}/")).send().await?.text().await?;
    let csrf = extract(&home, "name=\"csrf_token\" value=\"").context("csrf token")?;
    Ok(Staff { client, csrf })
}
