//! Test support: start the real Relais on port 0 with a fresh database (a temporary SQLite
//! file, or a new PostgreSQL database when `RELAIS_TEST_POSTGRES_URL` is set), a clock the
//! test can move, and a small organisation with known accounts.

use jiff::{SignedDuration, Timestamp};
use relais_app::admin::{AdminBy, NewAccount, open_grant};
use relais_app::{App, Clock, Settings};
use relais_domain::access::Profile;
use relais_domain::ids::*;
use relais_store::Store;
use std::io::Write;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

/// The password of every fixture account (it passes the policy).
pub const PASSWORD: &str = "cheval agrafe pile correcte";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// A clock that follows real time plus an offset the test moves forward.
#[derive(Debug, Default)]
pub struct FakeClock {
    offset_us: AtomicI64,
}

impl FakeClock {
    pub fn advance(&self, d: SignedDuration) {
        self.offset_us.fetch_add(d.as_micros() as i64, Ordering::SeqCst);
    }
}

impl Clock for FakeClock {
    fn now(&self) -> Timestamp {
        Timestamp::now() + SignedDuration::from_micros(self.offset_us.load(Ordering::SeqCst))
    }
}

/// Everything the server logged during the test run (all tests of the binary share it).
pub fn captured_logs() -> String {
    String::from_utf8_lossy(&log_buffer().lock().map(|b| b.clone()).unwrap_or_default()).into_owned()
}

fn log_buffer() -> &'static Arc<Mutex<Vec<u8>>> {
    static BUF: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    BUF.get_or_init(|| Arc::new(Mutex::new(Vec::new())))
}

struct BufWriter;

impl Write for BufWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut b) = log_buffer().lock() {
            b.extend_from_slice(buf);
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Captures every log line, at the most verbose level, so that tests can check what leaks.
fn init_logs() {
    static INIT: OnceLock<()> = OnceLock::new();
    INIT.get_or_init(|| {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new("trace"))
            .with_writer(|| BufWriter)
            .with_ansi(false)
            .try_init();
    });
}

/// The fixture organisation: two establishments in one organisation, and a third organisation-less
/// view of them through accounts with different profiles.
#[derive(Debug, Clone)]
pub struct Fixture {
    pub org: OrganisationId,
    /// EHPAD with units `north` and `south`.
    pub ehpad: EstablishmentId,
    pub north: UnitId,
    pub south: UnitId,
    /// IME with unit `group`.
    pub ime: EstablishmentId,
    pub group: UnitId,
}

pub struct TestApp {
    pub base: String,
    pub addr: SocketAddr,
    pub app: App,
    pub clock: Arc<FakeClock>,
    pub fixture: Fixture,
    pub engine: Engine,
    pub sqlite_path: Option<std::path::PathBuf>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    postgres: Option<(String, String)>,
    /// The local INSi peer this app's INSi client talks to (over mutual TLS).
    pub insi: relais_testpeers::insi::InsiPeer,
    _dir: tempfile::TempDir,
}

/// The CNDA authorisation number the test INSi peer accepts.
pub const INSI_AUTHORISATION: &str = "RELAIS-TEST-0001";

/// The test PKI, made once per test process by the fixture script.
fn test_pki() -> &'static relais_testpeers::Pki {
    static PKI: OnceLock<(tempfile::TempDir, relais_testpeers::Pki)> = OnceLock::new();
    &PKI.get_or_init(|| {
        let dir = tempfile::tempdir().expect("PKI dir");
        let pki = relais_testpeers::test_pki(dir.path()).expect("test PKI (scripts/insi-test-pki needs openssl)");
        (dir, pki)
    })
    .1
}

/// Starts a local INSi peer and the real client configured for it.
async fn insi_peer() -> (relais_testpeers::insi::InsiPeer, relais_interop::insi::InsiClient) {
    let pki = test_pki();
    let config = relais_testpeers::insi::PeerConfig::from_pki(pki)
        .expect("peer config")
        .with_authorisation_number(INSI_AUTHORISATION);
    let peer = relais_testpeers::insi::start(config).await.expect("INSi peer");
    let read = |p: &std::path::Path| std::fs::read(p).expect("PKI file");
    let client = relais_interop::insi::InsiClient::new(relais_interop::insi::InsiConfig {
        endpoint: peer.endpoint(),
        client_cert_pem: read(&pki.insi_auto_pem),
        client_key_pem: read(&pki.insi_auto_key),
        server_ca_pem: read(&pki.ca_pem),
        authorisation_number: INSI_AUTHORISATION.into(),
        software_name: "Relais".into(),
        software_version: "test".into(),
        instance: uuid::Uuid::now_v7(),
        emitter: "750000026".into(),
        timeout: std::time::Duration::from_secs(10),
    })
    .expect("INSi client");
    (peer, client)
}

/// Fixture accounts: (username, profile, establishment, unit).
pub const ACCOUNTS: &[(&str, &str)] = &[
    ("admin", "administrator@ehpad"),
    ("directrice", "director@ehpad,ime"),
    ("secretariat", "secretary@ehpad"),
    ("infirmier", "nurse@ehpad"),
    ("aide.nord", "care_aide@ehpad/north"),
    ("medecin", "coordinating_physician@ehpad"),
    ("educateur", "educator@ime"),
    ("secretariat.ime", "secretary@ime"),
    ("dpo", "dpo@ehpad,ime"),
    ("referent", "identity_referent@ehpad"),
];

fn postgres_base_url() -> String {
    match std::env::var("RELAIS_TEST_POSTGRES_URL") {
        Ok(u) if !u.is_empty() => u,
        _ => panic!(
            "RELAIS_TEST_POSTGRES_URL is not set: the PostgreSQL pass of the suite needs it \
             (run ./scripts/test, or set it to e.g. postgres://postgres@127.0.0.1:5432/postgres)"
        ),
    }
}

fn with_database(url: &str, db: &str) -> String {
    let (base, query) = url.split_once('?').map(|(b, q)| (b, format!("?{q}"))).unwrap_or((url, String::new()));
    let prefix = base.rsplit_once('/').map(|(p, _)| p).unwrap_or(base);
    format!("{prefix}/{db}{query}")
}

impl TestApp {
    pub async fn spawn(engine: Engine) -> Self {
        Self::spawn_with(engine, Settings::default()).await
    }

    pub async fn spawn_with(engine: Engine, settings: Settings) -> Self {
        init_logs();
        let dir = tempfile::tempdir().expect("temp dir");
        let mut postgres = None;
        let mut sqlite_path = None;
        let url = match engine {
            Engine::Sqlite => {
                let path = dir.path().join("relais.db");
                sqlite_path = Some(path.clone());
                format!("sqlite:{}", path.display())
            }
            Engine::Postgres => {
                let admin = postgres_base_url();
                let db = format!("relais_test_{}", uuid::Uuid::now_v7().simple());
                let store = Store::connect(&admin, false, 1).await.expect("PostgreSQL reachable");
                sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {db}")))
                    .execute(store.pool())
                    .await
                    .expect("create test database");
                store.close().await;
                postgres = Some((admin.clone(), db.clone()));
                with_database(&admin, &db)
            }
        };
        let store = Store::connect(&url, true, 8).await.expect("open test database");
        store.migrate().await.expect("migrate");
        let clock = Arc::new(FakeClock::default());
        let (insi, insi_client) = insi_peer().await;
        let app = relais_server::build_app(store, settings, clock.clone()).with_insi(insi_client);
        let fixture = seed(&app).await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let served = app.clone();
        tokio::spawn(async move {
            let web = relais_web::WebConfig { secure_cookies: false, trust_forwarded_for: false };
            let _ = relais_server::serve(served, web, listener, async {
                let _ = rx.await;
            })
            .await;
        });
        Self {
            base: format!("http://{addr}"),
            addr,
            app,
            clock,
            fixture,
            engine,
            sqlite_path,
            shutdown: Some(tx),
            postgres,
            insi,
            _dir: dir,
        }
    }

    /// A browser-like client: cookies kept, redirects not followed (tests look at them).
    pub fn client(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client")
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// Logs in through the real form; returns the client and the session's CSRF token.
    pub async fn login(&self, username: &str) -> Browser {
        self.login_with(username, PASSWORD).await.expect("login")
    }

    pub async fn login_with(&self, username: &str, password: &str) -> Result<Browser, reqwest::Response> {
        let client = self.client();
        let page = client.get(self.url("/login")).send().await.expect("login page").text().await.expect("body");
        let pre = extract(&page, "name=\"pre_token\" value=\"").expect("pre token");
        let res = client
            .post(self.url("/login"))
            .form(&[("pre_token", pre.as_str()), ("username", username), ("password", password)])
            .send()
            .await
            .expect("post login");
        if res.status() != reqwest::StatusCode::SEE_OTHER {
            return Err(res);
        }
        let location = res.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
        let session = res
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(|c| c.strip_prefix("relais_session=").map(|v| v.split(';').next().unwrap_or("").to_string()))
            .unwrap_or_default();
        let mut b = Browser { client, base: self.base.clone(), csrf: String::new(), landing: location, session };
        if b.landing == "/" {
            b.refresh_csrf().await;
        }
        Ok(b)
    }

    /// Creates an API client and gets a token for it.
    pub async fn api_token(&self, scopes: &str) -> String {
        let (id, secret) = self.app.create_api_client(self.fixture.org, "test client", scopes).await.expect("client");
        let res = reqwest::Client::new()
            .post(self.url("/oauth/token"))
            .basic_auth(&id, Some(&secret))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await
            .expect("token");
        assert_eq!(res.status(), 200, "token endpoint");
        let v: serde_json::Value = res.json().await.expect("json");
        v["access_token"].as_str().expect("access_token").to_string()
    }

    /// The audit actions recorded on a person, oldest first.
    pub async fn audit_actions(&self, person: &str) -> Vec<String> {
        let mut conn = self.app.store.read().await.expect("read");
        let rows = sqlx::query("SELECT action FROM audit_event WHERE person_id = $1 ORDER BY seq")
            .bind(person)
            .fetch_all(&mut *conn)
            .await
            .expect("audit");
        rows.iter().map(|r| sqlx::Row::try_get::<String, _>(r, 0).expect("action")).collect()
    }

    pub async fn account(&self, username: &str) -> AccountId {
        self.app.account_by_username(username).await.expect("lookup").expect("account").id
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some((admin, db)) = self.postgres.take() {
            let store = self.app.store.clone();
            // Drop the test database from a separate thread with its own runtime.
            let _ = std::thread::spawn(move || {
                let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else {
                    return;
                };
                rt.block_on(async move {
                    store.close().await;
                    if let Ok(s) = Store::connect(&admin, false, 1).await {
                        let _ = sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)")))
                            .execute(s.pool())
                            .await;
                        s.close().await;
                    }
                });
            })
            .join();
        }
    }
}

/// A logged-in browser.
pub struct Browser {
    pub client: reqwest::Client,
    pub base: String,
    pub csrf: String,
    /// Where the login redirected (`/`, `/login/totp`, `/account/totp`).
    pub landing: String,
    /// The raw session cookie value, to replay it after logout.
    pub session: String,
}

impl Browser {
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(format!("{}{}", self.base, path)).send().await.expect("get")
    }

    pub async fn text(&self, path: &str) -> (u16, String) {
        let r = self.get(path).await;
        let s = r.status().as_u16();
        (s, r.text().await.unwrap_or_default())
    }

    /// Posts a form with the session's CSRF token.
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let mut all: Vec<(&str, &str)> = fields.to_vec();
        all.push(("csrf_token", &self.csrf));
        self.client.post(format!("{}{}", self.base, path)).form(&all).send().await.expect("post")
    }

    /// Posts a multipart form (a file upload) with the session's CSRF token.
    pub async fn post_file(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        file: (&str, &str, Vec<u8>),
    ) -> reqwest::Response {
        let mut form = reqwest::multipart::Form::new().text("csrf_token", self.csrf.clone());
        for (k, v) in fields {
            form = form.text(k.to_string(), v.to_string());
        }
        let (name, mime, bytes) = file;
        let part = reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()).mime_str(mime).expect("mime");
        form = form.part("file", part);
        self.client.post(format!("{}{}", self.base, path)).multipart(form).send().await.expect("post")
    }

    /// Posts without the CSRF token.
    pub async fn post_without_csrf(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        self.client.post(format!("{}{}", self.base, path)).form(fields).send().await.expect("post")
    }

    pub async fn refresh_csrf(&mut self) {
        let page = self.get("/").await.text().await.unwrap_or_default();
        if let Some(t) = extract(&page, "name=\"csrf_token\" value=\"") {
            self.csrf = t;
        }
    }
}

/// The text after `marker` up to the next `"`.
pub fn extract(page: &str, marker: &str) -> Option<String> {
    let start = page.find(marker)? + marker.len();
    let end = page[start..].find('"')? + start;
    Some(page[start..end].to_string())
}

/// Every `/persons/{uuid}` link of a page, in order.
pub fn person_links(page: &str) -> Vec<String> {
    page.match_indices("href=\"/persons/")
        .filter_map(|(i, m)| {
            let rest = &page[i + m.len()..];
            let id = &rest[..rest.find('"')?];
            (id.len() == 36).then(|| id.to_string())
        })
        .collect()
}

async fn seed(app: &App) -> Fixture {
    let org = app.create_organisation("Organisme de test", "750000018").await.expect("org");
    let by = || AdminBy::CommandLine;
    let ehpad = app.create_establishment(by(), org, "EHPAD Test", "750000026", "elderly", "500").await.expect("ehpad");
    let ime = app.create_establishment(by(), org, "IME Test", "750000042", "disability", "183").await.expect("ime");
    let north = app.create_unit(by(), org, ehpad, "Nord").await.expect("unit");
    let south = app.create_unit(by(), org, ehpad, "Sud").await.expect("unit");
    let group = app.create_unit(by(), org, ime, "Groupe").await.expect("unit");
    let f = Fixture { org, ehpad, north, south, ime, group };
    let from = app.today().saturating_sub(jiff::Span::new().days(30));
    for (username, spec) in ACCOUNTS {
        let (profile, places) = spec.split_once('@').expect("spec");
        let profile = Profile::from_code(profile).expect("profile");
        let grants = places
            .split(',')
            .map(|p| {
                let (e, u) = p.split_once('/').map(|(e, u)| (e, Some(u))).unwrap_or((p, None));
                let est = if e == "ehpad" { f.ehpad } else { f.ime };
                let unit = u.map(|u| match u {
                    "north" => f.north,
                    "south" => f.south,
                    _ => f.group,
                });
                open_grant(profile, est, unit, from)
            })
            .collect();
        app.create_account(
            by(),
            org,
            NewAccount {
                username,
                family_name: "Testeur",
                given_name: &username.replace('.', " "),
                password: PASSWORD,
                grants,
            },
        )
        .await
        .expect("account");
    }
    f
}
