//! The manifest written by the bench data generator: accounts, ids and search terms to drive.

use anyhow::{Context, bail};
use serde::Deserialize;
use std::path::Path;

#[derive(Debug, Clone, Deserialize)]
pub struct Manifest {
    #[serde(default)]
    pub profile: Option<String>,
    #[serde(default)]
    pub engine: Option<String>,
    #[serde(default)]
    pub database_url: Option<String>,
    /// The password of every bench account, unless an account brings its own.
    #[serde(default)]
    pub password: Option<String>,
    #[serde(default)]
    pub care_users: Vec<CareUser>,
    #[serde(default)]
    pub audit_users: Vec<Account>,
    #[serde(default)]
    pub search_prefixes: Vec<String>,
    /// Words of the generated notes, for the logbook's full-text search.
    #[serde(default)]
    pub search_words: Vec<String>,
    #[serde(default)]
    pub api_client: Option<ApiClient>,
    #[serde(default)]
    pub fhir_identifiers: Vec<Identifier>,
}

/// An account whose grant covers `unit_id`, with persons of that unit it may read and write on.
#[derive(Debug, Clone, Deserialize)]
pub struct CareUser {
    pub username: String,
    #[serde(default)]
    pub password: Option<String>,
    pub unit_id: String,
    pub person_ids: Vec<String>,
}

/// An account given either as its bare username (shared password) or with its own password,
/// which the hand-written demo manifests need since demo passwords are all different.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Account {
    Name(String),
    Full {
        username: String,
        #[serde(default)]
        password: Option<String>,
    },
}

impl Account {
    pub fn username(&self) -> &str {
        match self {
            Account::Name(n) => n,
            Account::Full { username, .. } => username,
        }
    }
    fn own_password(&self) -> Option<&str> {
        match self {
            Account::Name(_) => None,
            Account::Full { password, .. } => password.as_deref(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct ApiClient {
    pub client_id: String,
    pub client_secret: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Identifier {
    pub system: String,
    pub value: String,
}

impl Manifest {
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
        serde_json::from_str(&text).with_context(|| format!("{} is not a valid manifest", path.display()))
    }

    pub fn profile(&self) -> String {
        self.profile.clone().unwrap_or_else(|| "custom".into())
    }

    /// The engine named on the command line wins; then the manifest; then the database URL.
    pub fn engine(&self, cli: Option<&str>) -> String {
        if let Some(e) = cli.or(self.engine.as_deref()) {
            return e.to_string();
        }
        match self.database_url.as_deref() {
            Some(u) if u.starts_with("postgres") => "postgres".into(),
            Some(u) if u.starts_with("sqlite") => "sqlite".into(),
            _ => "unknown".into(),
        }
    }

    fn password_for<'a>(&'a self, own: Option<&'a str>, username: &str) -> anyhow::Result<&'a str> {
        match own.or(self.password.as_deref()) {
            Some(p) => Ok(p),
            None => bail!("no password for {username}: set the manifest's \"password\" or the account's own"),
        }
    }

    pub fn care_password<'a>(&'a self, u: &'a CareUser) -> anyhow::Result<&'a str> {
        self.password_for(u.password.as_deref(), &u.username)
    }

    pub fn audit_password<'a>(&'a self, a: &'a Account) -> anyhow::Result<&'a str> {
        self.password_for(a.own_password(), a.username())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accounts_as_names_or_objects() {
        let m: Manifest = serde_json::from_str(
            r#"{ "profile": "demo", "password": "shared",
                 "care_users": [ { "username": "a", "unit_id": "u", "person_ids": ["p"] },
                                 { "username": "b", "password": "own", "unit_id": "u", "person_ids": [] } ],
                 "audit_users": [ "dpo.1", { "username": "dpo", "password": "x" } ] }"#,
        )
        .expect("manifest");
        assert_eq!(m.care_password(&m.care_users[0]).expect("pw"), "shared");
        assert_eq!(m.care_password(&m.care_users[1]).expect("pw"), "own");
        assert_eq!(m.audit_users[0].username(), "dpo.1");
        assert_eq!(m.audit_password(&m.audit_users[0]).expect("pw"), "shared");
        assert_eq!(m.audit_password(&m.audit_users[1]).expect("pw"), "x");
        assert_eq!(m.engine(None), "unknown");
        assert_eq!(m.engine(Some("postgres")), "postgres");
    }
}
