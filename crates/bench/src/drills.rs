//! Reliability drills: crash during writes, backup under load, bad input. Each prints its
//! figures and fails (non-zero exit) on the first broken promise.

use crate::instance::{Instance, Staff, default_relais, extract, login};
use anyhow::{Context, bail, ensure};
use serde_json::{Value, json};
use sqlx::Row;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

pub struct Options {
    pub relais: Option<PathBuf>,
    pub work: PathBuf,
    pub postgres: Option<String>,
}

impl Options {
    fn relais(&self) -> PathBuf {
        self.relais.clone().unwrap_or_else(default_relais)
    }
    fn engine(&self) -> &'static str {
        if self.postgres.is_some() { "postgres" } else { "sqlite" }
    }
}

fn patient(n: usize) -> Value {
    // Letters only: names reject digits.
    let tag: String = n.to_string().chars().map(|c| (b'A' + (c as u8 - b'0')) as char).collect();
    json!({
        "resourceType": "Patient",
        "name": [{ "use": "official", "family": format!("CRASH{tag}"), "given": ["Test"] }],
        "gender": "female",
        "birthDate": "1940-01-01"
    })
}

/// Writes Patients from `workers` tasks until `total` were tried or the server stops answering;
/// returns the ids of acknowledged (201) writes.
async fn write_patients(
    base: String,
    token: String,
    total: usize,
    workers: usize,
    stop: Arc<AtomicBool>,
) -> Vec<String> {
    write_patients_counted(base, token, total, workers, stop, Arc::new(AtomicUsize::new(0))).await
}

/// As `write_patients`, counting acknowledgements in `count` as they come.
async fn write_patients_counted(
    base: String,
    token: String,
    total: usize,
    workers: usize,
    stop: Arc<AtomicBool>,
    count: Arc<AtomicUsize>,
) -> Vec<String> {
    let acked = Arc::new(Mutex::new(Vec::new()));
    let next = Arc::new(AtomicUsize::new(0));
    let client = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().unwrap_or_default();
    let mut tasks = Vec::new();
    for _ in 0..workers {
        let (acked, next, stop, client, count) =
            (acked.clone(), next.clone(), stop.clone(), client.clone(), count.clone());
        let url = format!("{base}/fhir/Patient");
        let token = token.clone();
        tasks.push(tokio::spawn(async move {
            loop {
                let n = next.fetch_add(1, Ordering::SeqCst);
                if n >= total || stop.load(Ordering::SeqCst) {
                    break;
                }
                let r = client
                    .post(&url)
                    .bearer_auth(&token)
                    .header("content-type", "application/fhir+json")
                    .body(patient(n).to_string())
                    .send()
                    .await;
                match r {
                    Ok(r) if r.status() == 201 => {
                        if let Ok(v) = r.json::<Value>().await
                            && let Some(id) = v["id"].as_str()
                        {
                            acked.lock().await.push(id.to_string());
                            count.fetch_add(1, Ordering::SeqCst);
                        }
                    }
                    Ok(_) => {}
                    Err(_) => {
                        // The server is gone: stop trying.
                        break;
                    }
                }
            }
        }));
    }
    for t in tasks {
        let _ = t.await;
    }
    acked.lock().await.clone()
}

/// Every acknowledged id is in the database; every person has its creation event and every
/// creation event its person (nothing half-written); SQLite's integrity check; the audit chain.
async fn check_database(inst: &Instance, acked: &[String]) -> anyhow::Result<(usize, i64)> {
    let store = inst.store().await?;
    let pool = store.pool();
    let mut found = 0;
    for chunk in acked.chunks(500) {
        let list = chunk.iter().map(|id| format!("'{}'", id.replace('\'', ""))).collect::<Vec<_>>().join(",");
        let n: i64 = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM person WHERE id IN ({list})")))
            .fetch_one(pool)
            .await?
            .try_get(0)?;
        found += n as usize;
    }
    let orphans: i64 = sqlx::query(
        "SELECT COUNT(*) FROM person p WHERE NOT EXISTS (SELECT 1 FROM audit_event a WHERE a.person_id = p.id AND a.action = 'person.create')",
    )
    .fetch_one(pool)
    .await?
    .try_get(0)?;
    let ghosts: i64 = sqlx::query(
        "SELECT COUNT(*) FROM audit_event a WHERE a.action = 'person.create' AND NOT EXISTS (SELECT 1 FROM person p WHERE p.id = a.person_id)",
    )
    .fetch_one(pool)
    .await?
    .try_get(0)?;
    ensure!(
        orphans == 0 && ghosts == 0,
        "half-written transactions: {orphans} persons without their event, {ghosts} events without their person"
    );
    if store.engine() == relais_store::Engine::Sqlite {
        let check: String = sqlx::query("PRAGMA integrity_check").fetch_one(pool).await?.try_get(0)?;
        ensure!(check == "ok", "PRAGMA integrity_check: {check}");
    }
    let v = store.verify_audit().await?;
    if let Some((seq, why)) = v.first_bad {
        bail!("audit chain broken at event {seq}: {why}");
    }
    store.close().await;
    Ok((found, v.events))
}

pub async fn crash(o: &Options, rounds: usize, writes: usize) -> anyhow::Result<()> {
    let dir = o.work.join(format!("crash-{}", o.engine()));
    let _ = std::fs::remove_dir_all(&dir);
    let mut inst = Instance::create(&o.relais(), &dir, o.postgres.as_deref()).await?;
    println!(
        "crash drill on {}: {rounds} rounds of {writes} writes from 64 concurrent clients, SIGKILL while they run",
        o.engine()
    );
    println!(
        "{:>5} {:>7} {:>7} {:>6} {:>8} {:>11} {:>8}",
        "round", "acked", "found", "lost", "kill_ms", "restart_ms", "events"
    );
    let started = Instant::now();
    let mut total_acked = 0;
    let mut seed = 0x5eed_u64;
    let mut restart = inst.start().await?;
    for round in 1..=rounds {
        let token = inst.token(&reqwest::Client::new()).await?;
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        // Kill after a random share (10 to 90 %) of the writes were acknowledged.
        let kill_at = writes / 10 + (seed as usize) % (writes * 8 / 10).max(1);
        let stop = Arc::new(AtomicBool::new(false));
        let count = Arc::new(AtomicUsize::new(0));
        let t0 = Instant::now();
        let writers =
            tokio::spawn(write_patients_counted(inst.base.clone(), token, writes, 64, stop.clone(), count.clone()));
        while count.load(Ordering::SeqCst) < kill_at
            && !writers.is_finished()
            && t0.elapsed() < Duration::from_secs(120)
        {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        let kill_after = t0.elapsed();
        let in_flight = !writers.is_finished();
        inst.kill()?;
        stop.store(true, Ordering::SeqCst);
        let acked = writers.await.context("writers")?;
        ensure!(in_flight, "round {round}: all writes finished before the kill; lower the delay");
        let (found, events) = check_database(&inst, &acked).await?;
        let lost = acked.len() - found.min(acked.len());
        println!(
            "{round:>5} {:>7} {found:>7} {lost:>6} {:>8} {:>11} {events:>8}",
            acked.len(),
            kill_after.as_millis(),
            restart.as_millis()
        );
        ensure!(lost == 0, "round {round}: {lost} acknowledged writes are missing after the crash");
        total_acked += acked.len();
        restart = inst.start().await?;
    }
    inst.finish().await?;
    println!(
        "crash drill passed on {}: {rounds} rounds, {total_acked} acknowledged writes, none lost, no half-written transaction, integrity and audit chain intact ({:.1} s)",
        o.engine(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

pub async fn backup(o: &Options) -> anyhow::Result<()> {
    if o.postgres.is_some() {
        println!(
            "backup drill: PostgreSQL is backed up with its own tools (pg_dump, base backups); `relais backup` refuses it, as checked by the test suite"
        );
        return Ok(());
    }
    let dir = o.work.join("backup");
    let _ = std::fs::remove_dir_all(&dir);
    let mut inst = Instance::create(&o.relais(), &dir.join("live"), None).await?;
    inst.start().await?;
    let token = inst.token(&reqwest::Client::new()).await?;
    // Writes before the backup, then during it.
    let before = write_patients(inst.base.clone(), token.clone(), 300, 16, Arc::new(AtomicBool::new(false))).await;
    let stop = Arc::new(AtomicBool::new(false));
    let during = tokio::spawn(write_patients(inst.base.clone(), token.clone(), 100_000, 16, stop.clone()));
    tokio::time::sleep(Duration::from_millis(300)).await;
    let file = dir.join("relais.backup");
    let t = Instant::now();
    let out = inst.cli_output(&["backup", "--to", file.to_str().context("path")?], None)?;
    let backup_ms = t.elapsed().as_millis();
    ensure!(out.status.success(), "backup failed: {}", String::from_utf8_lossy(&out.stderr));
    stop.store(true, Ordering::SeqCst);
    let during = during.await.context("writers")?;
    inst.stop()?;
    // Restore into a fresh directory: checksum, integrity and audit chain are checked by restore.
    let restored_dir = dir.join("restored");
    let restored = Instance::detached(&o.relais(), &restored_dir)?;
    let t = Instant::now();
    let out = restored.cli_output(&["restore", "--from", file.to_str().context("path")?], None)?;
    let restore_ms = t.elapsed().as_millis();
    ensure!(out.status.success(), "restore failed: {}", String::from_utf8_lossy(&out.stderr));
    let live = inst.store().await?;
    let copy = restored.store().await?;
    let count = |s: relais_store::Store| async move {
        let n: i64 = sqlx::query("SELECT COUNT(*) FROM person").fetch_one(s.pool()).await?.try_get(0)?;
        s.close().await;
        Ok::<i64, anyhow::Error>(n)
    };
    let persons_copy = count(copy).await?;
    let live_n: i64 = sqlx::query("SELECT COUNT(*) FROM person").fetch_one(live.pool()).await?.try_get(0)?;
    ensure!(persons_copy as usize >= before.len(), "the backup lacks writes acknowledged before it started");
    ensure!(persons_copy <= live_n, "the backup holds more persons than the live database");
    // A sample of records is identical in both.
    let copy = restored.store().await?;
    let mut compared = 0;
    for id in before.iter().step_by(7).take(40) {
        let q = "SELECT birth_name, first_names, birth_date, sex, identity_status FROM person WHERE id = $1";
        let a = sqlx::query(q).bind(id).fetch_one(live.pool()).await?;
        let b = sqlx::query(q).bind(id).fetch_one(copy.pool()).await?;
        for col in 0..5 {
            ensure!(a.try_get::<String, _>(col)? == b.try_get::<String, _>(col)?, "record {id} differs in the backup");
        }
        compared += 1;
    }
    live.close().await;
    copy.close().await;
    // One flipped byte: the restore refuses and writes nothing.
    let damaged = dir.join("damaged.backup");
    let mut bytes = std::fs::read(&file)?;
    let at = bytes.len() / 3;
    bytes[at] ^= 0x20;
    std::fs::write(&damaged, &bytes)?;
    std::fs::copy(format!("{}.sha256", file.display()), format!("{}.sha256", damaged.display()))?;
    let target = Instance::detached(&o.relais(), &dir.join("refused"))?;
    let out = target.cli_output(&["restore", "--from", damaged.to_str().context("path")?], None)?;
    let refused = !out.status.success() && String::from_utf8_lossy(&out.stderr).contains("damaged");
    ensure!(refused, "a damaged backup was not refused: {}", String::from_utf8_lossy(&out.stderr));
    ensure!(!dir.join("refused").join("relais.db").exists(), "a refused restore left a database behind");
    println!(
        "backup drill passed: {} writes before and {} during the backup; backup {backup_ms} ms ({} bytes), restore {restore_ms} ms; restored {persons_copy} persons (live {live_n}); {compared} records identical; a flipped byte was refused",
        before.len(),
        during.len(),
        std::fs::metadata(&file)?.len()
    );
    Ok(())
}

/// One bad request and what it must get.
struct Case {
    name: &'static str,
    status: &'static [u16],
    /// A phrase the answer must contain (French for pages, OperationOutcome for FHIR).
    says: &'static str,
}

pub async fn bad_input(o: &Options) -> anyhow::Result<()> {
    let dir = o.work.join(format!("bad-input-{}", o.engine()));
    let _ = std::fs::remove_dir_all(&dir);
    let mut inst = Instance::create(&o.relais(), &dir, o.postgres.as_deref()).await?;
    inst.start().await?;
    let base = inst.base.clone();
    let sec = login(&base, "secretariat").await?;
    let nurse = login(&base, "infirmier").await?;
    // A person admitted to the north unit, to aim the bad requests at.
    let est = inst.establishment.clone();
    let r = post_form(
        &sec,
        &base,
        "/persons",
        &[
            ("establishment", &est),
            ("birth_name", "CIBLE"),
            ("first_names", "Alice"),
            ("birth_date", "01/02/1940"),
            ("sex", "F"),
        ],
    )
    .await?;
    let person = r
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .and_then(|l| l.strip_prefix("/persons/"))
        .map(|l| l.split('?').next().unwrap_or("").to_string())
        .context("registration")?;
    let page = sec.client.get(format!("{base}/persons/{person}")).send().await?.text().await?;
    let target = extract(&page, "name=\"target\"><option value=\"").context("admission targets")?;
    let r = post_form(
        &sec,
        &base,
        &format!("/persons/{person}/stays"),
        &[("target", &target), ("mode", "permanent"), ("start", "01/01/2026")],
    )
    .await?;
    ensure!(r.status() == 303, "admission failed: {}", r.status());
    let page = sec.client.get(format!("{base}/persons/{person}")).send().await?.text().await?;
    let stay = page.split("/stays/").nth(1).and_then(|s| s.split('/').next()).context("stay id")?.to_string();
    let client =
        reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).pool_max_idle_per_host(0).build()?;
    let token = inst.token(&client).await?;
    let read_only = {
        let out =
            inst.cli(&["admin", "client", "create", "--name", "lecture", "--scope", "system/Patient.read"], None)?;
        let id = out.lines().find_map(|l| l.strip_prefix("client_id=")).unwrap_or_default().to_string();
        let secret = out.lines().find_map(|l| l.strip_prefix("client_secret=")).unwrap_or_default().to_string();
        let r = client
            .post(format!("{base}/oauth/token"))
            .basic_auth(&id, Some(&secret))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await?;
        r.json::<Value>().await?["access_token"].as_str().unwrap_or_default().to_string()
    };
    let before = counts(&inst).await?;

    let note = format!("/persons/{person}/notes");
    let long_text = "x".repeat(20_001);
    let big = vec![b'a'; 2 * 1024 * 1024];
    let nested = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let mut results: Vec<(String, u16, bool)> = Vec::new();
    let mut check = |case: Case, status: u16, body: String| {
        let ok = case.status.contains(&status) && body.contains(case.says) && status != 500;
        results.push((case.name.to_string(), status, ok));
    };
    macro_rules! html {
        ($case:expr, $req:expr) => {{
            let r = $req.send().await?;
            let s = r.status().as_u16();
            check($case, s, r.text().await.unwrap_or_default());
        }};
    }
    // A body over the limit, on its own connection: the server answers before reading it and
    // closes that connection. When the close reaches the client while it is still sending, the
    // kernel's reset can discard the answer: the request is sent again (5 times at most) until
    // the answer is read.
    macro_rules! oversized {
        ($case:expr, $req:expr) => {{
            let mut answer = None;
            for _ in 0..5 {
                if let Ok(r) = $req.send().await {
                    answer = Some(r);
                    break;
                }
            }
            let r = answer.context("oversized body: the connection was reset five times before any answer")?;
            let s = r.status().as_u16();
            check($case, s, r.text().await.unwrap_or_default());
        }};
    }
    let form = |b: &Staff, path: &str, fields: &[(&str, &str)]| {
        let mut all: Vec<(String, String)> = fields.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        all.push(("csrf_token".into(), b.csrf.clone()));
        b.client.post(format!("{base}{path}")).form(&all)
    };
    let reg = |birth_name: &'static str, first: &'static str, date: &'static str, sex: &'static str| {
        vec![
            ("establishment", est.clone()),
            ("birth_name", birth_name.to_string()),
            ("first_names", first.to_string()),
            ("birth_date", date.to_string()),
            ("sex", sex.to_string()),
        ]
    };
    let as_ref =
        |v: &Vec<(&'static str, String)>| v.iter().map(|(k, v)| (k.to_string(), v.clone())).collect::<Vec<_>>();
    let reg_post = |fields: Vec<(&'static str, String)>| {
        let mut all = as_ref(&fields);
        all.push(("csrf_token".into(), sec.csrf.clone()));
        sec.client.post(format!("{base}/persons")).form(&all)
    };
    // Identity form.
    html!(
        Case { name: "impossible date 30/02", status: &[422], says: "existe pas" },
        reg_post(reg("DATE", "Anne", "30/02/1950", "F"))
    );
    html!(Case { name: "month 13", status: &[422], says: "mois" }, reg_post(reg("DATE", "Anne", "01/13/1950", "F")));
    html!(
        Case { name: "day without month (partial date)", status: &[422], says: "mois est inconnu" },
        reg_post(reg("DATE", "Anne", "12/00/1950", "F"))
    );
    html!(
        Case { name: "birth in the future", status: &[422], says: "futur" },
        reg_post(reg("DATE", "Anne", "01/01/2099", "F"))
    );
    html!(
        Case { name: "SQL injection in a name", status: &[422], says: "lettres" },
        reg_post(reg("X'); DROP TABLE person;--", "Anne", "01/01/1950", "F"))
    );
    html!(
        Case { name: "HTML injection in a name", status: &[422], says: "lettres" },
        reg_post(reg("<script>alert(1)</script>", "Anne", "01/01/1950", "F"))
    );
    html!(
        Case { name: "missing sex", status: &[422], says: "sexe attendu" },
        reg_post(reg("SEXE", "Anne", "01/01/1950", ""))
    );
    html!(
        Case { name: "name of 101 characters", status: &[422], says: "100 caractères" },
        reg_post(reg(Box::leak("A".repeat(101).into_boxed_str()), "Anne", "01/01/1950", "F"))
    );
    // Notes.
    html!(
        Case { name: "empty note", status: &[422], says: "vide" },
        form(&nurse, &note, &[("category", "nursing_care"), ("text", "   ")])
    );
    html!(
        Case { name: "note over 20,000 characters", status: &[422], says: "20000 caractères" },
        form(&nurse, &note, &[("category", "nursing_care"), ("text", &long_text)])
    );
    html!(
        Case { name: "control character in a note", status: &[422], says: "contrôle" },
        form(&nurse, &note, &[("category", "nursing_care"), ("text", "a\u{7}b")])
    );
    html!(
        Case { name: "DAR without target", status: &[422], says: "cible" },
        form(&nurse, &note, &[("category", "nursing_care"), ("data", "x")])
    );
    html!(
        Case { name: "unknown category", status: &[422], says: "catégorie inconnue" },
        form(&nurse, &note, &[("category", "secret"), ("text", "x")])
    );
    html!(
        Case { name: "category the profile may not write", status: &[403], says: "Accès refusé" },
        form(&sec, &note, &[("category", "medical"), ("text", "x")])
    );
    html!(
        Case { name: "missing CSRF token", status: &[403], says: "Formulaire expiré" },
        nurse.client.post(format!("{base}{note}")).form(&[("category", "nursing_care"), ("text", "x")])
    );
    html!(
        Case { name: "forged CSRF token", status: &[403], says: "Formulaire expiré" },
        nurse.client.post(format!("{base}{note}")).form(&[
            ("category", "nursing_care"),
            ("text", "x"),
            ("csrf_token", "forged")
        ])
    );
    oversized!(
        Case { name: "form body of 2 MB", status: &[413], says: "volumineux" },
        reqwest::Client::new()
            .post(format!("{base}{note}"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(big.clone())
    );
    // The daily record: search, rounds, appointments, documents.
    html!(
        Case { name: "logbook search of punctuation only", status: &[422], says: "saisissez au moins un mot" },
        nurse.client.get(format!("{base}/logbook/search")).query(&[("q", "*\")( -")])
    );
    let unit = target.split(':').nth(1).unwrap_or_default().to_string();
    let value = format!("value-{person}");
    html!(
        Case { name: "round with a value that is not a number", status: &[422], says: "nombre attendu" },
        form(&nurse, &format!("/units/{unit}/round"), &[("kind", "weight"), (value.as_str(), "7l")])
    );
    html!(
        Case { name: "appointment ending before it starts", status: &[422], says: "la fin doit suivre" },
        form(
            &sec,
            &format!("/persons/{person}/appointments"),
            &[("title", "Dentiste"), ("date", "01/12/2030"), ("start", "10:00"), ("end", "09:00")]
        )
    );
    let upload = |bytes: Vec<u8>, mime: &str| -> anyhow::Result<reqwest::multipart::Form> {
        Ok(reqwest::multipart::Form::new()
            .text("csrf_token", nurse.csrf.clone())
            .text("doc_title", "Scan")
            .text("type_code", "28653-4")
            .text("date", "01/11/2026")
            .text("category", "nursing_care")
            .part("file", reqwest::multipart::Part::bytes(bytes).file_name("scan").mime_str(mime)?))
    };
    html!(
        Case { name: "document that is not what it says", status: &[422], says: "se présente comme image/png" },
        nurse
            .client
            .post(format!("{base}/persons/{person}/documents"))
            .multipart(upload(b"%PDF-1.4 x".to_vec(), "image/png")?)
    );
    html!(
        Case { name: "executable filed as a PDF", status: &[422], says: "seuls les PDF, PNG et JPEG" },
        nurse
            .client
            .post(format!("{base}/persons/{person}/documents"))
            .multipart(upload(b"MZ\x90\x00".to_vec(), "application/pdf")?)
    );
    oversized!(
        Case { name: "document of 11 MB", status: &[413], says: "10 Mo au plus" },
        nurse
            .client
            .post(format!("{base}/persons/{person}/documents"))
            .multipart(upload([b"%PDF-".as_slice(), &vec![0u8; 11 * 1024 * 1024]].concat(), "application/pdf")?)
    );
    html!(
        Case { name: "invalid UTF-8 in a form", status: &[400], says: "UTF-8" },
        nurse
            .client
            .post(format!("{base}{note}"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(b"category=nursing_care&text=%FF%FE".to_vec())
    );
    html!(
        Case { name: "form sent as JSON", status: &[415], says: "x-www-form-urlencoded" },
        nurse.client.post(format!("{base}{note}")).header("content-type", "application/json").body("{}")
    );
    html!(
        Case { name: "person id that is not an id", status: &[404], says: "Introuvable" },
        nurse.client.get(format!("{base}/persons/1%20OR%201=1"))
    );
    html!(
        Case { name: "unknown person", status: &[404], says: "Introuvable" },
        nurse.client.get(format!("{base}/persons/0190b6f5-0000-7000-8000-000000000000"))
    );
    // Measures and stays.
    let obs = format!("/persons/{person}/observations");
    html!(
        Case { name: "impossible temperature", status: &[422], says: "impossible" },
        form(&nurse, &obs, &[("kind", "temperature"), ("value", "73")])
    );
    html!(
        Case { name: "measure that is not a number", status: &[422], says: "nombre attendu" },
        form(&nurse, &obs, &[("kind", "weight"), ("value", "soixante")])
    );
    html!(
        Case { name: "diastolic above systolic", status: &[422], says: "inférieure" },
        form(&nurse, &obs, &[("kind", "blood_pressure"), ("value", "80"), ("value2", "120")])
    );
    html!(
        Case { name: "discharge before admission", status: &[422], says: "précède" },
        form(
            &sec,
            &format!("/persons/{person}/stays/{stay}/discharge"),
            &[("end", "01/01/2000"), ("reason", "return_home")]
        )
    );
    html!(
        Case { name: "unknown discharge reason", status: &[422], says: "motif" },
        form(
            &sec,
            &format!("/persons/{person}/stays/{stay}/discharge"),
            &[("end", "01/06/2026"), ("reason", "vanished")]
        )
    );
    // The administrative file, relatives, assessments, absences: no rounding, no half-written row.
    let admin = format!("/persons/{person}/administrative");
    html!(
        Case { name: "benefit amount with three decimals", status: &[422], says: "deux décimales" },
        form(
            &sec,
            &format!("{admin}/benefits"),
            &[
                ("benefit_kind", "apa"),
                ("amount", "1234,567"),
                ("periodicity", "monthly"),
                ("decision_date", "01/06/2026")
            ]
        )
    );
    html!(
        Case {
            name: "social security number with a wrong key",
            status: &[422],
            says: "clé du numéro de sécurité sociale"
        },
        form(&sec, &format!("{admin}/coverage"), &[("nss", "185057800608492"), ("fund_name", "CPAM")])
    );
    html!(
        Case { name: "absence before the stay began", status: &[422], says: "commence avant" },
        form(
            &sec,
            &format!("/persons/{person}/stays/{stay}/absences"),
            &[("absence_kind", "hospitalisation"), ("absence_start", "01/01/2000"), ("absence_end", "02/01/2000")]
        )
    );
    html!(
        Case {
            name: "relative with an impossible phone number", status: &[422], says: "numéro de téléphone invalide"
        },
        form(
            &sec,
            &format!("/persons/{person}/relatives/contacts"),
            &[("family_name", "DURAND"), ("given_name", "Paul"), ("relationship", "child"), ("phone", "12345")]
        )
    );
    html!(
        Case { name: "AGGIR grid dated in the future", status: &[422], says: "futur" },
        form(&nurse, &format!("/persons/{person}/aggir"), &[("assessed_on", "01/01/2099")])
    );
    html!(
        Case { name: "admission request received in the future", status: &[422], says: "futur" },
        form(
            &sec,
            &format!("/persons/{person}/admissions"),
            &[
                ("request_mode", "permanent"),
                ("source", "direct"),
                ("received_on", "01/01/2099"),
                ("priority", "normal")
            ]
        )
    );
    // A replayed form.
    let page = nurse.client.get(format!("{base}/persons/{person}")).send().await?.text().await?;
    let form_id = extract(&page, "name=\"form_id\" value=\"").context("form id")?;
    let replay = [("category", "nursing_care"), ("text", "Rejouée"), ("form_id", form_id.as_str())];
    let first = form(&nurse, &note, &replay).send().await?.status().as_u16();
    ensure!(first == 303, "the first post of the replay case failed: {first}");
    html!(Case { name: "replayed form", status: &[409], says: "déjà été envoyé" }, form(&nurse, &note, &replay));
    // Expired session: sessions end after 15 minutes idle; a forged cookie stands for it.
    html!(
        Case { name: "expired or forged session", status: &[303], says: "" },
        client.post(format!("{base}{note}")).header("cookie", "relais_session=expired").form(&[
            ("category", "nursing_care"),
            ("text", "x"),
            ("csrf_token", "x")
        ])
    );
    // FHIR.
    let fhir = |t: &str, body: Vec<u8>, ct: &str| {
        client.post(format!("{base}/fhir/Patient")).bearer_auth(t).header("content-type", ct).body(body)
    };
    let pat = |extra: Value| {
        let mut p = json!({"resourceType":"Patient","name":[{"family":"FHIR","given":["Anne"]}],"gender":"female","birthDate":"1950-01-01"});
        if let (Some(o), Some(e)) = (p.as_object_mut(), extra.as_object()) {
            for (k, v) in e {
                o.insert(k.clone(), v.clone());
            }
        }
        p.to_string().into_bytes()
    };
    html!(
        Case { name: "FHIR: INS with a wrong key", status: &[422], says: "ins-key" },
        fhir(
            &token,
            pat(json!({"identifier":[{"system":"urn:oid:1.2.250.1.213.1.4.10","value":"236066322083657"}]})),
            "application/fhir+json"
        )
    );
    html!(
        Case { name: "FHIR: malformed JSON", status: &[400], says: "OperationOutcome" },
        fhir(&token, b"{\"resourceType\":".to_vec(), "application/fhir+json")
    );
    html!(
        Case { name: "FHIR: deeply nested JSON", status: &[400], says: "OperationOutcome" },
        fhir(&token, nested.clone().into_bytes(), "application/fhir+json")
    );
    oversized!(
        Case { name: "FHIR: body of 2 MB", status: &[413], says: "OperationOutcome" },
        reqwest::Client::new()
            .post(format!("{base}/fhir/Patient"))
            .bearer_auth(&token)
            .header("content-type", "application/fhir+json")
            .body(big.clone())
    );
    html!(
        Case { name: "FHIR: unknown element", status: &[422], says: "not supported" },
        fhir(&token, pat(json!({"maritalStatus":{"text":"M"}})), "application/fhir+json")
    );
    html!(
        Case { name: "FHIR: impossible birthDate", status: &[422], says: "OperationOutcome" },
        fhir(&token, pat(json!({"birthDate":"1950-02-30"})), "application/fhir+json")
    );
    html!(
        Case { name: "FHIR: missing gender", status: &[422], says: "gender" },
        fhir(&token, pat(json!({"gender":null})), "application/fhir+json")
    );
    html!(
        Case { name: "FHIR: invalid UTF-8", status: &[400], says: "OperationOutcome" },
        fhir(
            &token,
            b"{\"resourceType\":\"Patient\",\"name\":[{\"family\":\"\xff\"}]}".to_vec(),
            "application/fhir+json"
        )
    );
    html!(
        Case { name: "FHIR: wrong content type", status: &[415], says: "OperationOutcome" },
        fhir(&token, pat(json!({})), "text/plain")
    );
    html!(
        Case { name: "FHIR: no token", status: &[401], says: "OperationOutcome" },
        client
            .post(format!("{base}/fhir/Patient"))
            .header("content-type", "application/fhir+json")
            .body(pat(json!({})))
    );
    html!(
        Case { name: "FHIR: forged token", status: &[401], says: "OperationOutcome" },
        fhir("forged", pat(json!({})), "application/fhir+json")
    );
    html!(
        Case { name: "FHIR: scope does not allow writing", status: &[403], says: "OperationOutcome" },
        fhir(&read_only, pat(json!({})), "application/fhir+json")
    );
    html!(
        Case { name: "FHIR: unsupported search parameter", status: &[400], says: "not supported" },
        client.get(format!("{base}/fhir/Patient?_filter=x")).bearer_auth(&token)
    );
    html!(Case { name: "FHIR: Observation in the wrong unit", status: &[422], says: "UCUM" }, client.post(format!("{base}/fhir/Observation")).bearer_auth(&token).header("content-type", "application/fhir+json").body(json!({"resourceType":"Observation","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"29463-7"}]},"subject":{"reference":format!("Patient/{person}")},"effectiveDateTime":"2026-11-26T08:00:00Z","valueQuantity":{"value":150,"system":"http://unitsofmeasure.org","code":"[lb_av]"}}).to_string()));
    html!(
        Case { name: "OAuth: unsupported grant", status: &[400], says: "unsupported_grant_type" },
        client
            .post(format!("{base}/oauth/token"))
            .basic_auth(&inst.client_id, Some(&inst.client_secret))
            .form(&[("grant_type", "password")])
    );
    html!(
        Case { name: "OAuth: wrong secret", status: &[401], says: "invalid_client" },
        client
            .post(format!("{base}/oauth/token"))
            .basic_auth(&inst.client_id, Some("wrong"))
            .form(&[("grant_type", "client_credentials")])
    );

    let after = counts(&inst).await?;
    inst.finish().await?;
    let failed: Vec<&(String, u16, bool)> = results.iter().filter(|r| !r.2).collect();
    for (name, status, ok) in &results {
        println!("{} {status:>3}  {name}", if *ok { "ok  " } else { "FAIL" });
    }
    // Only the replay case's first post may have written (one note).
    let written = after.iter().zip(before.iter()).map(|(a, b)| a - b).collect::<Vec<_>>();
    let listed: Vec<String> = COUNTED.iter().zip(&written).map(|(t, n)| format!("{t} {n}")).collect();
    println!("rows written by the {} bad requests: {}", results.len(), listed.join(", "));
    let mut expected = [0i64; 13];
    expected[1] = 1;
    ensure!(written == expected, "bad requests wrote data: {written:?}");
    ensure!(failed.is_empty(), "{} of {} cases did not get the expected answer", failed.len(), results.len());
    println!(
        "bad-input drill passed on {}: {} cases, each refused with a clear message, none half-written, no 500",
        o.engine(),
        results.len()
    );
    Ok(())
}

async fn post_form(b: &Staff, base: &str, path: &str, fields: &[(&str, &str)]) -> anyhow::Result<reqwest::Response> {
    let mut all: Vec<(&str, &str)> = fields.to_vec();
    all.push(("csrf_token", &b.csrf));
    Ok(b.client.post(format!("{base}{path}")).form(&all).send().await?)
}

/// Tables whose rows the bad-input drill counts before and after.
const COUNTED: [&str; 13] = [
    "person",
    "note",
    "observation",
    "stay",
    "appointment",
    "document",
    "person_alert",
    "social_coverage",
    "social_benefit",
    "stay_absence",
    "person_contact",
    "assessment",
    "admission_request",
];

async fn counts(inst: &Instance) -> anyhow::Result<[i64; 13]> {
    let store = inst.store().await?;
    let mut out = [0i64; 13];
    for (i, table) in COUNTED.iter().enumerate() {
        out[i] = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
            .fetch_one(store.pool())
            .await?
            .try_get(0)?;
    }
    store.close().await;
    Ok(out)
}
