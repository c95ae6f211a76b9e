//! FHIR R4 API: token, Patient create/read/search, scopes, errors as OperationOutcome.

use crate::both_engines;
use relais_testkit::TestApp;
use serde_json::{Value, json};

both_engines!(fhir_patient_lifecycle, fhir_scopes_and_tokens, fhir_errors);

fn patient(family: &str, given: &str, ins: Option<&str>) -> Value {
    let mut p = json!({
        "resourceType": "Patient",
        "name": [{ "use": "official", "family": family, "given": [given.split(' ').next().unwrap()],
                   "extension": [{ "url": "https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-patient-birth-list-given-name", "valueString": given }] }],
        "gender": "female",
        "birthDate": "1936-06-21",
        "extension": [{ "url": "http://hl7.org/fhir/StructureDefinition/patient-birthPlace", "valueAddress": { "district": "63220" } }]
    });
    if let Some(ins) = ins {
        p["identifier"] = json!([{ "system": "urn:oid:1.2.250.1.213.1.4.10", "value": ins }]);
    }
    p
}

async fn post(t: &TestApp, token: &str, body: &Value) -> reqwest::Response {
    reqwest::Client::new()
        .post(t.url("/fhir/Patient"))
        .bearer_auth(token)
        .header("content-type", "application/fhir+json")
        .body(body.to_string())
        .send()
        .await
        .unwrap()
}

async fn get(t: &TestApp, token: &str, path: &str) -> (u16, Value) {
    let r = reqwest::Client::new().get(t.url(path)).bearer_auth(token).send().await.unwrap();
    let s = r.status().as_u16();
    (s, r.json().await.unwrap_or(Value::Null))
}

async fn fhir_patient_lifecycle(t: TestApp) {
    let (s, meta) = get(&t, "", "/fhir/metadata").await;
    assert_eq!(s, 200);
    assert_eq!(meta["fhirVersion"], "4.0.1");
    let token = t.api_token("system/Patient.read system/Patient.write").await;
    let res = post(&t, &token, &patient("TCHITCHI", "CATARINA BELLA", Some("236066322083656"))).await;
    assert_eq!(res.status(), 201);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("application/fhir+json"));
    let created: Value = res.json().await.unwrap();
    let id = created["id"].as_str().unwrap().to_string();
    let text = created.to_string();
    assert!(!text.contains("236066322083656"), "INS not returned below qualification");
    assert_eq!(created["extension"][0]["extension"][0]["valueCoding"]["code"], "PROV");
    assert_eq!(created["name"][0]["extension"][0]["valueString"], "CATARINA BELLA");
    // Stored as received.
    let mut conn = t.app.store.read().await.unwrap();
    let stored: Option<String> = sqlx::Row::try_get(
        &sqlx::query("SELECT ins_matricule FROM person WHERE id = $1").bind(&id).fetch_one(&mut *conn).await.unwrap(),
        0,
    )
    .unwrap();
    assert_eq!(stored.as_deref(), Some("236066322083656"));
    drop(conn);
    let (s, read) = get(&t, &token, &format!("/fhir/Patient/{id}")).await;
    assert_eq!(s, 200);
    assert_eq!(read["birthDate"], "1936-06-21");
    assert!(!read.to_string().contains("236066322083656"));
    post(&t, &token, &patient("TCHITCHOU", "PAUL", None)).await;
    post(&t, &token, &patient("Lefèvre", "Éloïse", None)).await;
    let (_, b) = get(&t, &token, "/fhir/Patient?family=tchit").await;
    assert_eq!(b["resourceType"], "Bundle");
    assert_eq!(b["type"], "searchset");
    assert_eq!(b["total"], 2);
    let (_, b) = get(&t, &token, "/fhir/Patient?family=LEFEVRE&given=eloise").await;
    assert_eq!(b["total"], 1);
    let (_, b) = get(&t, &token, "/fhir/Patient?name=cata&birthdate=1936-06-21").await;
    assert_eq!(b["total"], 1);
    let (_, b) = get(&t, &token, "/fhir/Patient?family=t&_count=1").await;
    assert_eq!(b["total"], 1);
    // The INS does not find an identity that is not qualified.
    let (_, b) = get(&t, &token, "/fhir/Patient?identifier=urn:oid:1.2.250.1.213.1.4.10%7C236066322083656").await;
    assert_eq!(b["total"], 0);
    let (_, b) = get(&t, &token, &format!("/fhir/Patient?identifier=urn:relais:person%7C{id}")).await;
    assert_eq!(b["total"], 1);
    // Every API access is audited under the client.
    let mut conn = t.app.store.read().await.unwrap();
    let events = relais_app::store::audit::recent(&mut conn, t.fixture.org, 50).await.unwrap();
    assert!(events.iter().any(|e| e.actor_kind == "api_client" && e.action == "person.create"));
    assert!(events.iter().any(|e| e.actor_kind == "api_client"
        && e.action == "person.read"
        && e.person_id.as_deref() == Some(id.as_str())));
    assert!(events.iter().any(|e| e.actor_kind == "api_client" && e.action == "person.search"));
}

async fn fhir_scopes_and_tokens(t: TestApp) {
    let read_only = t.api_token("system/Patient.read").await;
    let res = post(&t, &read_only, &patient("SCOPE", "ANNE", None)).await;
    assert_eq!(res.status(), 403);
    let oo: Value = res.json().await.unwrap();
    assert_eq!(oo["resourceType"], "OperationOutcome");
    let writer = t.api_token("system/*.write").await;
    let created = post(&t, &writer, &patient("SCOPE", "ANNE", None)).await;
    assert_eq!(created.status(), 201);
    assert!(created.headers().contains_key("location"));
    let body = created.text().await.unwrap();
    assert!(!body.contains("ANNE"), "a write-only client gets no representation back");
    let (s, _) = get(&t, &writer, "/fhir/Patient?family=scope").await;
    assert_eq!(s, 403, "write-only wildcard cannot read");
    let all = t.api_token("system/*.*").await;
    let (s, b) = get(&t, &all, "/fhir/Patient?family=scope").await;
    assert_eq!((s, b["total"].as_i64()), (200, Some(1)));
    let (s, _) = get(&t, "not-a-token", "/fhir/Patient?family=scope").await;
    assert_eq!(s, 401);
    let r = reqwest::Client::new().get(t.url("/fhir/Patient")).send().await.unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(r.headers()["www-authenticate"], "Bearer");
    // Token endpoint: form credentials, wrong secret, unsupported grant, scope beyond the grant.
    let (id, secret) = t.app.create_api_client(t.fixture.org, "form client", "system/Patient.read").await.unwrap();
    let c = reqwest::Client::new();
    let ok = c
        .post(t.url("/oauth/token"))
        .form(&[("grant_type", "client_credentials"), ("client_id", &id), ("client_secret", &secret)])
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    let v: Value = ok.json().await.unwrap();
    assert_eq!(v["token_type"], "bearer");
    assert!(v["expires_in"].as_i64().unwrap() <= 900);
    let bad = c
        .post(t.url("/oauth/token"))
        .form(&[("grant_type", "client_credentials"), ("client_id", &id), ("client_secret", "wrong")])
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 401);
    let grant = c
        .post(t.url("/oauth/token"))
        .basic_auth(&id, Some(&secret))
        .form(&[("grant_type", "password")])
        .send()
        .await
        .unwrap();
    assert_eq!(grant.status(), 400);
    let scope = c
        .post(t.url("/oauth/token"))
        .basic_auth(&id, Some(&secret))
        .form(&[("grant_type", "client_credentials"), ("scope", "system/Patient.write")])
        .send()
        .await
        .unwrap();
    assert_eq!(scope.status(), 400);
    assert_eq!(scope.json::<Value>().await.unwrap()["error"], "invalid_scope");
    // Tokens are short-lived.
    t.clock.advance(jiff::SignedDuration::from_mins(16));
    let (s, _) = get(&t, &all, "/fhir/Patient?family=scope").await;
    assert_eq!(s, 401);
}

async fn fhir_errors(t: TestApp) {
    let token = t.api_token("system/*.*").await;
    let wrong_key = post(&t, &token, &patient("CLE", "FAUSSE", Some("236066322083657"))).await;
    assert_eq!(wrong_key.status(), 422);
    let oo: Value = wrong_key.json().await.unwrap();
    assert_eq!(oo["resourceType"], "OperationOutcome");
    assert!(oo["issue"][0]["diagnostics"].as_str().unwrap().contains("ins-key"));
    let c = reqwest::Client::new();
    let send = |body: Vec<u8>, ct: &'static str| {
        c.post(t.url("/fhir/Patient")).bearer_auth(&token).header("content-type", ct).body(body).send()
    };
    assert_eq!(send(b"{not json".to_vec(), "application/fhir+json").await.unwrap().status(), 400);
    assert_eq!(send(b"{}".to_vec(), "text/plain").await.unwrap().status(), 415);
    // A fresh connection: the server stops reading an oversized body and closes that one.
    let big = reqwest::Client::new()
        .post(t.url("/fhir/Patient"))
        .bearer_auth(&token)
        .header("content-type", "application/fhir+json")
        .body(vec![b' '; 2 * 1024 * 1024])
        .send()
        .await;
    if let Ok(r) = big {
        assert_eq!(r.status(), 413);
    }
    let nested = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    assert_eq!(send(nested.into_bytes(), "application/fhir+json").await.unwrap().status(), 400);
    let mut unknown = patient("X", "Y", None);
    unknown["telecom"] = json!([{ "system": "phone", "value": "0102030405" }]);
    let r = send(unknown.to_string().into_bytes(), "application/fhir+json").await.unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("not supported"));
    let mut bad_date = patient("X", "Y", None);
    bad_date["birthDate"] = json!("1936-02-30");
    assert_eq!(send(bad_date.to_string().into_bytes(), "application/fhir+json").await.unwrap().status(), 422);
    let (s, _) = get(&t, &token, "/fhir/Patient/0190b6f5-0000-7000-8000-000000000000").await;
    assert_eq!(s, 404);
    let (s, _) = get(&t, &token, "/fhir/Patient/not-an-id").await;
    assert_eq!(s, 404);
    let (s, oo) = get(&t, &token, "/fhir/Patient?telecom=0102").await;
    assert_eq!(s, 400);
    assert_eq!(oo["issue"][0]["code"], "not-supported");
    let (s, _) = get(&t, &token, "/fhir/Patient?_count=1000").await;
    assert_eq!(s, 400);
    // Nothing was half-written by the refused requests.
    let (_, b) = get(&t, &token, "/fhir/Patient?family=x").await;
    assert_eq!(b["total"], 0);
    let (_, b) = get(&t, &token, "/fhir/Patient?family=cle").await;
    assert_eq!(b["total"], 0);
}
