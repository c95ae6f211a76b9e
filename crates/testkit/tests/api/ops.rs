//! Operations: health, headers, no personal data in logs, database URLs, backup and restore.

use crate::{both_engines, resident};
use relais_store::Store;
use relais_testkit::{Engine, TestApp, captured_logs};
use serde_json::json;

both_engines!(health_and_headers, no_personal_data_in_logs, backup_and_restore);

async fn health_and_headers(t: TestApp) {
    let c = reqwest::Client::new();
    assert_eq!(c.get(t.url("/healthz")).send().await.unwrap().status(), 200);
    assert_eq!(c.get(t.url("/readyz")).send().await.unwrap().text().await.unwrap(), "ready");
    let r = c.get(t.url("/login")).send().await.unwrap();
    let h = r.headers();
    assert!(h["content-security-policy"].to_str().unwrap().contains("default-src 'self'"));
    assert_eq!(h["x-frame-options"], "DENY");
    assert_eq!(h["cache-control"], "no-store");
    let css = c.get(t.url("/static/app.css")).send().await.unwrap();
    assert_eq!(css.status(), 200);
    // The chart's files, vendored and our own, with the types a nosniff browser requires.
    for (file, mime, start) in [
        ("app.css", "text/css; charset=utf-8", "/* Relais"),
        ("uPlot.min.css", "text/css; charset=utf-8", ".uplot"),
        ("uPlot.iife.min.js", "text/javascript; charset=utf-8", "/*! https://github.com/leeoniya/uPlot (v1.6.32) */"),
        ("chart.js", "text/javascript; charset=utf-8", "// Interactive measure chart"),
        ("htmx.min.js", "text/javascript; charset=utf-8", "var htmx="),
    ] {
        let r = c.get(t.url(&format!("/static/{file}"))).send().await.unwrap();
        assert_eq!(r.status(), 200, "{file}");
        assert_eq!(r.headers()["content-type"], mime, "{file}");
        assert_eq!(r.headers()["cache-control"], "public, max-age=86400", "{file}");
        assert!(r.text().await.unwrap().starts_with(start), "{file}");
    }
    assert_eq!(c.get(t.url("/static/uPlot.LICENSE")).send().await.unwrap().status(), 404, "not served");
    let csp = h["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe"), "{csp}");
    assert_eq!(c.get(t.url("/static/../Cargo.toml")).send().await.unwrap().status(), 404);
    let b = t.login("infirmier").await;
    let r = b.get("/").await;
    let cookie_flags = t.login_with("infirmier", relais_testkit::PASSWORD).await.ok().map(|_| ()).is_some();
    assert!(cookie_flags);
    assert_eq!(r.status(), 200);
    let login = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let page = login.get(t.url("/login")).send().await.unwrap();
    let set = page.headers().get("set-cookie").unwrap().to_str().unwrap().to_string();
    assert!(set.contains("HttpOnly") && set.contains("SameSite=Lax"));
}

async fn no_personal_data_in_logs(t: TestApp) {
    let token = t.api_token("system/*.*").await;
    let body = json!({
        "resourceType": "Patient",
        "identifier": [{ "system": "urn:oid:1.2.250.1.213.1.4.10", "value": "297022A02077878" }],
        "name": [{ "use": "official", "family": "CANARIZOU", "given": ["Pimprenelle"] }],
        "gender": "female", "birthDate": "1997-02-26"
    });
    let r = reqwest::Client::new()
        .post(t.url("/fhir/Patient"))
        .bearer_auth(&token)
        .header("content-type", "application/fhir+json")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let id = resident(&t, "CANARIZOU").await;
    let sec = t.login("secretariat").await;
    sec.text("/persons?q=canarizou").await;
    sec.text(&format!("/persons/{id}")).await;
    reqwest::Client::new().get(t.url("/fhir/Patient?family=canarizou")).bearer_auth(&token).send().await.unwrap();
    let logs = captured_logs().to_lowercase();
    assert!(logs.contains("request"), "the server did log requests");
    for secret in ["canarizou", "pimprenelle", "297022a02077878", "1997-02-26", "cheval agrafe", &token.to_lowercase()]
    {
        assert!(!logs.contains(secret), "the logs contain {secret:?}");
    }
}

async fn backup_and_restore(t: TestApp) {
    resident(&t, "SAUVEGARDE").await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("relais.backup");
    let result = relais_server::backup::backup(&t.app.store, &file).await;
    if t.engine == Engine::Postgres {
        assert!(result.err().unwrap().to_string().contains("pg_dump"));
        return;
    }
    let report = result.unwrap();
    assert!(report.bytes > 0 && report.audit_events > 0);
    assert!(relais_server::backup::backup(&t.app.store, &file).await.is_err(), "never overwrites");
    let target = dir.path().join("restored.db");
    let r = relais_server::backup::restore(&file, &target, false).await.unwrap();
    assert!(r.persons >= 1);
    assert_eq!(r.audit_events, report.audit_events);
    // A second restore onto a database that holds data needs --force.
    let again = relais_server::backup::restore(&file, &target, false).await;
    assert!(again.err().unwrap().to_string().contains("--force"));
    relais_server::backup::restore(&file, &target, true).await.unwrap();
    // One flipped byte: refused.
    let mut bytes = std::fs::read(&file).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x01;
    std::fs::write(&file, &bytes).unwrap();
    let damaged = relais_server::backup::restore(&file, &dir.path().join("other.db"), false).await;
    assert!(damaged.err().unwrap().to_string().contains("damaged"));
    assert!(!dir.path().join("other.db").exists());
}

#[tokio::test]
async fn wrong_database_urls_fail_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope").join("relais.db");
    let err = Store::connect(&format!("sqlite:{}", missing.display()), false, 1).await.unwrap_err();
    assert!(err.to_string().contains("no SQLite database"));
    assert!(!missing.exists(), "no empty database was created");
    let err = Store::connect("sqlite::memory:", true, 1).await.unwrap_err();
    assert!(err.to_string().contains("in-memory"));
    let err = Store::connect("postgres://postgres@127.0.0.1:1/relais", false, 1).await.unwrap_err();
    assert!(err.to_string().contains("not usable"));
    let err = Store::connect("mysql://localhost/x", false, 1).await.unwrap_err();
    assert!(err.to_string().contains("sqlite:PATH or postgres"));
}

both_engines!(the_archival_rule_purges_old_records_and_nothing_else);

async fn the_archival_rule_purges_old_records_and_nothing_else(t: TestApp) {
    use relais_app::admin::AdminBy;
    let gone = resident(&t, "ANCIENNE").await;
    let kept = resident(&t, "PRESENTE").await;
    let aide = t.login("aide.nord").await;
    for (id, text) in [(&gone, "Promenade au jardin zinnias"), (&kept, "Lecture du journal zinnias")] {
        let note = [("category", "nursing_care"), ("text", text)];
        assert_eq!(aide.post(&format!("/persons/{id}/notes"), &note).await.status(), 303);
        let w = [("kind", "weight"), ("value", "61")];
        assert_eq!(aide.post(&format!("/persons/{id}/observations"), &w).await.status(), 303);
    }
    let sec = t.login("secretariat").await;
    let (_, page) = sec.text(&format!("/persons/{gone}")).await;
    let stay = page.split("/stays/").nth(1).unwrap().split('/').next().unwrap().to_string();
    let res = sec
        .post(
            &format!("/persons/{gone}/stays/{stay}/discharge"),
            &[("end", &crate::today()), ("reason", "return_home")],
        )
        .await;
    assert_eq!(res.status(), 303);
    // A request for a later return, withdrawn: its history goes with it.
    let fields = [
        ("request_target", format!("{}:", t.fixture.ehpad)),
        ("request_mode", "temporary".to_string()),
        ("source", "direct".to_string()),
        ("received_on", crate::today()),
    ];
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let res = sec.post(&format!("/persons/{gone}/admissions"), &fields).await;
    assert_eq!(res.status(), 303);
    let request = res.headers().get("location").unwrap().to_str().unwrap().split('?').next().unwrap().to_string();
    let res = sec.post(&format!("{request}/status"), &[("to", "withdrawn"), ("comment", "Reste à domicile")]).await;
    assert_eq!(res.status(), 303);
    let org = t.fixture.org;
    // Refused below ten years; nothing eligible before the retention period has passed.
    assert!(t.app.archive_records(AdminBy::CommandLine, org, 5, true).await.is_err());
    assert!(t.app.archive_records(AdminBy::CommandLine, org, 10, false).await.unwrap().persons.is_empty());

    t.clock.advance(jiff::SignedDuration::from_hours(24 * 366 * 10 + 48));
    let dry = t.app.archive_records(AdminBy::CommandLine, org, 10, false).await.unwrap();
    assert_eq!(dry.persons.len(), 1, "only the person discharged ten years ago");
    assert_eq!(dry.persons[0].0.to_string(), gone);
    let done = t.app.archive_records(AdminBy::CommandLine, org, 10, true).await.unwrap();
    let purged = &done.persons[0].2;
    assert_eq!((purged.notes, purged.observations, purged.admission_requests), (1, 1, 1));
    assert!(t.app.archive_records(AdminBy::CommandLine, org, 10, true).await.unwrap().persons.is_empty());

    // Gone from the record and from the search index; the other person's record is whole.
    let dpo = t.login("dpo").await;
    let (status, page) = dpo.text(&format!("/persons/{gone}")).await;
    assert_eq!(status, 200, "the identity and stays remain");
    assert!(page.contains("ANCIENNE"));
    let nurse = t.login("infirmier").await;
    let (_, found) = nurse.text("/logbook/search?q=zinnias&days=").await;
    assert!(!found.contains("Promenade au jardin") && found.contains("Lecture du journal"), "{found}");
    let (_, page) = nurse.text(&format!("/persons/{kept}")).await;
    assert!(page.contains("Lecture du journal") && page.contains("61 kg"));
    let (_, log) = dpo.text(&format!("/persons/{gone}/access-log")).await;
    assert!(log.contains("record.archive"), "{log}");
    let mut conn = t.app.store.read().await.unwrap();
    let n: i64 = sqlx::Row::try_get(
        &sqlx::query("SELECT COUNT(*) FROM note WHERE person_id = $1").bind(&gone).fetch_one(&mut *conn).await.unwrap(),
        0,
    )
    .unwrap();
    assert_eq!(n, 0);
    let n: i64 = sqlx::Row::try_get(
        &sqlx::query("SELECT COUNT(*) FROM admission_status_change").fetch_one(&mut *conn).await.unwrap(),
        0,
    )
    .unwrap();
    assert_eq!(n, 0, "the history of the purged request is gone too");
    if t.engine == Engine::Sqlite {
        sqlx::query("INSERT INTO note_fts (note_fts) VALUES ('integrity-check')")
            .execute(&mut *conn)
            .await
            .expect("the full-text index is consistent after the purge");
    }
}
