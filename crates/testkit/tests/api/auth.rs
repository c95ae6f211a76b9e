//! Login, throttling, sessions, CSRF, TOTP, account disabling.

use crate::both_engines;
use jiff::SignedDuration;
use relais_app::admin::AdminBy;
use relais_testkit::{PASSWORD, TestApp, extract};

both_engines!(
    absolute_timeout,
    login_and_logout,
    wrong_password_and_throttling,
    disabled_account_loses_its_sessions,
    idle_timeout,
    csrf_is_required,
    totp_enrolment_and_login,
    totp_required_by_organisation
);

async fn login_and_logout(t: TestApp) {
    let b = t.login("infirmier").await;
    assert_eq!(b.landing, "/");
    let (status, home) = b.text("/").await;
    assert_eq!(status, 200);
    assert!(home.contains("Infirmier"), "home names the profile");
    let res = b.post("/logout", &[]).await;
    assert_eq!(res.status(), 303);
    // Replay the old session cookie by hand: it is dead server-side.
    let res = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(t.url("/"))
        .header("cookie", format!("relais_session={}", b.session))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/login");
}

async fn wrong_password_and_throttling(t: TestApp) {
    let err = t.login_with("infirmier", "not the password at all").await.err().expect("refused");
    assert_eq!(err.status(), 401);
    assert!(err.text().await.unwrap_or_default().contains("Identifiant ou mot de passe incorrect"));
    // Unknown logins answer the same.
    let err = t.login_with("nobody", "not the password at all").await.err().expect("refused");
    assert_eq!(err.status(), 401);
    for _ in 0..4 {
        let _ = t.login_with("infirmier", "still not the password").await;
    }
    // Five failures: the right password is refused for the window.
    let err = t.login_with("infirmier", PASSWORD).await.err().expect("throttled");
    assert_eq!(err.status(), 429);
    t.clock.advance(SignedDuration::from_mins(16));
    assert!(t.login_with("infirmier", PASSWORD).await.is_ok());
    let mut conn = t.app.store.read().await.unwrap();
    let events = relais_app::store::audit::recent(&mut conn, t.fixture.org, 100).await.unwrap();
    assert!(events.iter().any(|e| e.action == "login" && e.outcome == "ok"));
    let all: i64 = sqlx::Row::try_get(
        &sqlx::query("SELECT COUNT(*) FROM audit_event WHERE action = 'login' AND outcome = 'failed'")
            .fetch_one(&mut *conn)
            .await
            .unwrap(),
        0,
    )
    .unwrap();
    assert!(all >= 5, "failed logins are audited ({all})");
}

async fn disabled_account_loses_its_sessions(t: TestApp) {
    let nurse = t.login("infirmier").await;
    assert_eq!(nurse.get("/").await.status(), 200);
    let admin = t.login("admin").await;
    let id = t.account("infirmier").await;
    let res = admin.post(&format!("/admin/accounts/{id}/disable"), &[]).await;
    assert_eq!(res.status(), 303);
    assert_eq!(nurse.get("/").await.status(), 303, "session ended at once");
    assert!(t.login_with("infirmier", PASSWORD).await.is_err(), "a disabled account cannot log in");
    // A non-administrator cannot disable accounts.
    let other = t.login("directrice").await;
    let res = other.post(&format!("/admin/accounts/{id}/enable"), &[]).await;
    assert_eq!(res.status(), 403);
    t.app.set_account_disabled(AdminBy::CommandLine, id, false).await.unwrap();
    assert!(t.login_with("infirmier", PASSWORD).await.is_ok());
}

async fn idle_timeout(t: TestApp) {
    let b = t.login("infirmier").await;
    t.clock.advance(SignedDuration::from_mins(10));
    assert_eq!(b.get("/").await.status(), 200, "10 minutes idle: still in");
    t.clock.advance(SignedDuration::from_mins(16));
    assert_eq!(b.get("/").await.status(), 303, "16 minutes idle: out");
}

async fn absolute_timeout(first: TestApp) {
    // Idle limit out of the way: only the 12-hour absolute limit applies.
    let settings = relais_app::Settings { session_idle: SignedDuration::from_hours(24), ..Default::default() };
    let engine = first.engine;
    drop(first);
    let t = TestApp::spawn_with(engine, settings).await;
    let b = t.login("infirmier").await;
    t.clock.advance(SignedDuration::from_hours(11));
    assert_eq!(b.get("/").await.status(), 200);
    t.clock.advance(SignedDuration::from_mins(61));
    assert_eq!(b.get("/").await.status(), 303, "12 hours after login: out");
}

async fn csrf_is_required(t: TestApp) {
    let id = crate::resident(&t, "CSRFTEST").await;
    let b = t.login("infirmier").await;
    let path = format!("/persons/{id}/notes");
    let fields = [("category", "nursing_care"), ("text", "Ne doit pas être enregistrée")];
    let res = b.post_without_csrf(&path, &fields).await;
    assert_eq!(res.status(), 403);
    assert!(res.text().await.unwrap().contains("Formulaire expiré"));
    let mut with_bad = fields.to_vec();
    with_bad.push(("csrf_token", "forged"));
    assert_eq!(b.post_without_csrf(&path, &with_bad).await.status(), 403);
    let (_, page) = b.text(&format!("/persons/{id}")).await;
    assert!(!page.contains("Ne doit pas être enregistrée"), "nothing was written");
    assert_eq!(b.post(&path, &fields).await.status(), 303);
}

fn code_for(secret: &str, username: &str, at: jiff::Timestamp) -> String {
    let totp = totp_rs::Builder::new()
        .with_secret(totp_rs::Secret::try_from_base32(secret).unwrap())
        .with_account_name(username)
        .with_issuer(Some("Relais"))
        .build()
        .unwrap();
    totp.generate(at.as_second() as u64).to_string()
}

async fn totp_enrolment_and_login(t: TestApp) {
    let b = t.login("medecin").await;
    let (status, page) = b.text("/account/totp").await;
    assert_eq!(status, 200);
    assert!(page.contains("<svg"), "QR code shown");
    let secret = extract(&page, "<code id=\"totp-secret\">").map(|s| s.split('<').next().unwrap_or("").to_string());
    let secret = secret.unwrap_or_else(|| {
        page.split("<code id=\"totp-secret\">").nth(1).unwrap().split('<').next().unwrap().to_string()
    });
    let csrf = extract(&page, "name=\"csrf_token\" value=\"").unwrap();
    let bad = b
        .client
        .post(format!("{}/account/totp", t.base))
        .form(&[("csrf_token", csrf.as_str()), ("code", "000000")])
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 422);
    let code = code_for(&secret, "medecin", t.clock_now());
    let ok = b
        .client
        .post(format!("{}/account/totp", t.base))
        .form(&[("csrf_token", csrf.as_str()), ("code", code.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 303);
    // Next login asks for the code; other pages are closed until then.
    t.clock.advance(SignedDuration::from_secs(60));
    let b2 = t.login("medecin").await;
    assert_eq!(b2.landing, "/login/totp");
    let res = b2.get("/persons").await;
    assert_eq!(res.headers()["location"], "/login/totp");
    let (_, totp_page) = b2.text("/login/totp").await;
    let csrf2 = extract(&totp_page, "name=\"csrf_token\" value=\"").unwrap();
    let code = code_for(&secret, "medecin", t.clock_now());
    let res = b2
        .client
        .post(format!("{}/login/totp", t.base))
        .form(&[("csrf_token", csrf2.as_str()), ("code", code.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(b2.get("/").await.status(), 200);
    // The same code cannot be used twice.
    let b3 = t.login("medecin").await;
    let (_, p3) = b3.text("/login/totp").await;
    let csrf3 = extract(&p3, "name=\"csrf_token\" value=\"").unwrap();
    let res = b3
        .client
        .post(format!("{}/login/totp", t.base))
        .form(&[("csrf_token", csrf3.as_str()), ("code", code.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401, "replayed code refused");
}

async fn totp_required_by_organisation(t: TestApp) {
    t.app.set_totp_required(AdminBy::CommandLine, t.fixture.org, true).await.unwrap();
    let b = t.login("infirmier").await;
    assert_eq!(b.landing, "/account/totp");
    let res = b.get("/persons").await;
    assert_eq!(res.headers()["location"], "/account/totp");
}

trait ClockNow {
    fn clock_now(&self) -> jiff::Timestamp;
}

impl ClockNow for TestApp {
    fn clock_now(&self) -> jiff::Timestamp {
        relais_app::Clock::now(self.clock.as_ref())
    }
}
