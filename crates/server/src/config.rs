//! Configuration: a TOML file, overridden by `RELAIS_*` variables, overridden by flags.

use anyhow::{Context, bail};
use jiff::SignedDuration;
use relais_app::Settings;
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The configuration file's shape; every key is optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub data_dir: Option<PathBuf>,
    pub database_url: Option<String>,
    pub listen: Option<String>,
    pub metrics_listen: Option<String>,
    pub secure_cookies: Option<bool>,
    pub trust_forwarded_for: Option<bool>,
    pub session_idle_minutes: Option<i64>,
    pub session_absolute_hours: Option<i64>,
    pub max_connections: Option<u32>,
    pub insi: Option<InsiFileConfig>,
}

/// The INSi teleservice: where it is and how Relais authenticates to it (`[insi]` table).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InsiFileConfig {
    /// `https://…/lps` of the teleservice.
    pub endpoint: String,
    /// The establishment's INSi certificate (PEM; CN `INSI-AUTO` or `INSI-MANU`) and its key.
    pub certificate: PathBuf,
    pub key: PathBuf,
    /// The CA certificates trusted for the teleservice (PEM).
    pub ca: PathBuf,
    /// The CNDA authorisation number of this software.
    pub authorisation_number: String,
    /// The structure calling (its FINESS).
    pub emitter: String,
    /// Seconds before a call is given up; 10 by default.
    pub timeout_seconds: Option<u64>,
}

/// The resolved configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub data_dir: PathBuf,
    pub database_url: Option<String>,
    pub listen: String,
    pub metrics_listen: Option<String>,
    pub secure_cookies: bool,
    pub trust_forwarded_for: bool,
    pub session_idle_minutes: i64,
    pub session_absolute_hours: i64,
    /// Database connections; by default 4 on SQLite (more readers only added page-cache memory and
    /// thread switches on 2 cores, bench/README.md) and 8 on PostgreSQL.
    pub max_connections: Option<u32>,
    /// Allow creating a new SQLite file at an explicit `--database-url`.
    pub create: bool,
    pub insi: Option<InsiFileConfig>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            data_dir: PathBuf::from("data"),
            database_url: None,
            listen: "127.0.0.1:8080".into(),
            metrics_listen: None,
            secure_cookies: false,
            trust_forwarded_for: false,
            session_idle_minutes: 15,
            session_absolute_hours: 12,
            max_connections: None,
            create: false,
            insi: None,
        }
    }
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn env_parse<T: std::str::FromStr>(name: &str) -> anyhow::Result<Option<T>> {
    match env(name) {
        None => Ok(None),
        Some(v) => v.trim().parse().map(Some).map_err(|_| anyhow::anyhow!("{name}={v:?} is not a valid value")),
    }
}

impl Config {
    /// Reads the file (if any), then the environment. Flags are applied by the caller.
    pub fn load(file: Option<&Path>) -> anyhow::Result<Self> {
        let mut c = Self::default();
        let file = file.map(Path::to_path_buf).or_else(|| env("RELAIS_CONFIG").map(PathBuf::from));
        if let Some(path) = file {
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("cannot read the configuration file {}", path.display()))?;
            let f: FileConfig =
                toml::from_str(&text).with_context(|| format!("invalid configuration file {}", path.display()))?;
            if let Some(v) = f.data_dir {
                c.data_dir = v;
            }
            c.database_url = f.database_url.or(c.database_url);
            if let Some(v) = f.listen {
                c.listen = v;
            }
            c.metrics_listen = f.metrics_listen.or(c.metrics_listen);
            c.secure_cookies = f.secure_cookies.unwrap_or(c.secure_cookies);
            c.trust_forwarded_for = f.trust_forwarded_for.unwrap_or(c.trust_forwarded_for);
            c.session_idle_minutes = f.session_idle_minutes.unwrap_or(c.session_idle_minutes);
            c.session_absolute_hours = f.session_absolute_hours.unwrap_or(c.session_absolute_hours);
            c.max_connections = f.max_connections.or(c.max_connections);
            c.insi = f.insi;
        }
        if let Some(v) = env("RELAIS_DATA_DIR") {
            c.data_dir = PathBuf::from(v);
        }
        if let Some(v) = env("RELAIS_DATABASE_URL") {
            c.database_url = Some(v);
        }
        if let Some(v) = env("RELAIS_LISTEN") {
            c.listen = v;
        }
        if let Some(v) = env("RELAIS_METRICS_LISTEN") {
            c.metrics_listen = Some(v);
        }
        if let Some(v) = env_parse("RELAIS_SECURE_COOKIES")? {
            c.secure_cookies = v;
        }
        if let Some(v) = env_parse("RELAIS_TRUST_FORWARDED_FOR")? {
            c.trust_forwarded_for = v;
        }
        if let Some(v) = env_parse("RELAIS_SESSION_IDLE_MINUTES")? {
            c.session_idle_minutes = v;
        }
        if let Some(v) = env_parse("RELAIS_SESSION_ABSOLUTE_HOURS")? {
            c.session_absolute_hours = v;
        }
        Ok(c)
    }

    /// Checks values that would fail later in a confusing way.
    pub fn validate(&self) -> anyhow::Result<()> {
        if !(1..=24 * 60).contains(&self.session_idle_minutes) {
            bail!("session_idle_minutes must be between 1 and 1440 (got {})", self.session_idle_minutes);
        }
        if !(1..=72).contains(&self.session_absolute_hours) {
            bail!("session_absolute_hours must be between 1 and 72 (got {})", self.session_absolute_hours);
        }
        if self.listen.parse::<std::net::SocketAddr>().is_err() {
            bail!("listen must be an address and port such as 127.0.0.1:8080 (got {:?})", self.listen);
        }
        if let Some(m) = &self.metrics_listen
            && m.parse::<std::net::SocketAddr>().is_err()
        {
            bail!("metrics_listen must be an address and port such as 127.0.0.1:9090 (got {m:?})");
        }
        if let Some(url) = &self.database_url
            && !(url.starts_with("sqlite:") || url.starts_with("postgres://") || url.starts_with("postgresql://"))
        {
            bail!("database_url must start with sqlite: or postgres:// (got {})", self.redacted_url());
        }
        if self.max_connections.is_some_and(|n| !(1..=256).contains(&n)) {
            bail!("max_connections must be between 1 and 256");
        }
        Ok(())
    }

    /// The database URL and whether it is the default file in the data directory.
    pub fn database_url(&self) -> anyhow::Result<(String, bool)> {
        match &self.database_url {
            Some(u) => Ok((u.clone(), false)),
            None => {
                let path = self.data_dir.join("relais.db");
                let path = path.to_str().context("the data directory path is not valid UTF-8")?;
                Ok((format!("sqlite:{path}"), true))
            }
        }
    }

    /// The URL without its password, for messages and logs.
    pub fn redacted_url(&self) -> String {
        let url = self.database_url().map(|(u, _)| u).unwrap_or_default();
        redact(&url)
    }

    pub fn settings(&self) -> Settings {
        Settings {
            session_idle: SignedDuration::from_mins(self.session_idle_minutes),
            session_absolute: SignedDuration::from_hours(self.session_absolute_hours),
            ..Settings::default()
        }
    }

    pub fn web(&self) -> relais_web::WebConfig {
        relais_web::WebConfig { secure_cookies: self.secure_cookies, trust_forwarded_for: self.trust_forwarded_for }
    }
}

/// Hides the password of `scheme://user:password@host/…`.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{}:***{}", &url[..s + 3], user, &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

impl InsiFileConfig {
    /// The client configuration, with the certificate files read now so that a wrong path fails at start-up.
    pub fn client_config(&self) -> anyhow::Result<relais_interop::insi::InsiConfig> {
        let read = |p: &Path, what: &str| {
            std::fs::read(p).with_context(|| format!("INSi: cannot read the {what} {}", p.display()))
        };
        Ok(relais_interop::insi::InsiConfig {
            endpoint: self.endpoint.clone(),
            client_cert_pem: read(&self.certificate, "certificate")?,
            client_key_pem: read(&self.key, "key")?,
            server_ca_pem: read(&self.ca, "CA certificates")?,
            authorisation_number: self.authorisation_number.clone(),
            software_name: "Relais".into(),
            software_version: env!("CARGO_PKG_VERSION").into(),
            // Stable per installation and structure, without another setting to fill.
            instance: {
                use sha2::Digest;
                let digest = sha2::Sha256::digest(format!("{}|{}", self.emitter, self.endpoint));
                let mut bytes = [0u8; 16];
                bytes.copy_from_slice(&digest[..16]);
                uuid::Builder::from_random_bytes(bytes).into_uuid()
            },
            emitter: self.emitter.clone(),
            timeout: std::time::Duration::from_secs(self.timeout_seconds.unwrap_or(10)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_passwords() {
        assert_eq!(redact("postgres://relais:s3cret@db/relais"), "postgres://relais:***@db/relais");
        assert_eq!(redact("postgres://db/relais"), "postgres://db/relais");
        assert_eq!(redact("sqlite:data/relais.db"), "sqlite:data/relais.db");
    }

    #[test]
    fn validation_is_actionable() {
        let c = Config { listen: "nowhere".into(), ..Config::default() };
        assert!(c.validate().unwrap_err().to_string().contains("listen"));
        let c = Config { database_url: Some("mysql://x".into()), ..Config::default() };
        assert!(c.validate().unwrap_err().to_string().contains("database_url"));
        assert!(Config::default().validate().is_ok());
    }
}
