//! Observations (vital signs) through the UI and the FHIR API.

use crate::{both_engines, resident};
use relais_testkit::TestApp;
use serde_json::{Value, json};

both_engines!(measures_in_the_person_page, fhir_observations);

async fn measures_in_the_person_page(t: TestApp) {
    let id = resident(&t, "MESURE").await;
    let aide = t.login("aide.nord").await;
    let path = format!("/persons/{id}/observations");
    let res = aide.post(&path, &[("kind", "weight"), ("value", "72,5")]).await;
    assert_eq!(res.status(), 303);
    let (_, page) = aide.text(&format!("/persons/{id}")).await;
    assert!(page.contains("72,5 kg"));
    // Impossible: refused. Unusual: asks for confirmation, then accepted.
    let res = aide.post(&path, &[("kind", "temperature"), ("value", "73")]).await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("valeur impossible"));
    let res = aide.post(&path, &[("kind", "temperature"), ("value", "40,9")]).await;
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(page.contains("Je confirme cette valeur") && page.contains("value=\"40,9\""));
    let res = aide.post(&path, &[("kind", "temperature"), ("value", "40,9"), ("confirmed", "on")]).await;
    assert_eq!(res.status(), 303);
    let res = aide.post(&path, &[("kind", "blood_pressure"), ("value", "80"), ("value2", "130")]).await;
    assert_eq!(res.status(), 422);
    let res = aide.post(&path, &[("kind", "blood_pressure"), ("value", "130"), ("value2", "80")]).await;
    assert_eq!(res.status(), 303);
    let (_, page) = aide.text(&format!("/persons/{id}")).await;
    assert!(page.contains("130/80 mm[Hg]") && page.contains("40,9 Cel"));
    // The director does not read care data.
    let (_, page) = t.login("directrice").await.text(&format!("/persons/{id}")).await;
    assert!(!page.contains("72,5 kg"));
}

fn weight(patient: &str, value: f64, at: &str) -> Value {
    json!({
        "resourceType": "Observation", "status": "final",
        "category": [{ "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "vital-signs" }] }],
        "code": { "coding": [{ "system": "http://loinc.org", "code": "29463-7" }] },
        "subject": { "reference": format!("Patient/{patient}") },
        "effectiveDateTime": at,
        "valueQuantity": { "value": value, "unit": "kg", "system": "http://unitsofmeasure.org", "code": "kg" }
    })
}

async fn fhir_observations(t: TestApp) {
    let token = t.api_token("system/*.*").await;
    let c = reqwest::Client::new();
    let p: Value = c
        .post(t.url("/fhir/Patient"))
        .bearer_auth(&token)
        .header("content-type", "application/fhir+json")
        .body(json!({"resourceType":"Patient","name":[{"family":"OBS","given":["Anne"]}],"gender":"female","birthDate":"1940-01-01"}).to_string())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let pid = p["id"].as_str().unwrap().to_string();
    let post = |body: Value| {
        c.post(t.url("/fhir/Observation"))
            .bearer_auth(&token)
            .header("content-type", "application/fhir+json")
            .body(body.to_string())
            .send()
    };
    for (i, v) in [70.0, 71.5, 69.0].iter().enumerate() {
        let r = post(weight(&pid, *v, &format!("2026-0{}-10T08:00:00+01:00", i + 1))).await.unwrap();
        assert_eq!(r.status(), 201);
    }
    let r = post(weight(&pid, 70.0, "2026-11-10")).await.unwrap();
    assert_eq!(r.status(), 422, "an instant is required");
    let r = post(weight(&pid, 7000.0, "2026-05-10T08:00:00Z")).await.unwrap();
    assert_eq!(r.status(), 422, "impossible value");
    let r = post(weight("0190b6f5-0000-7000-8000-000000000000", 70.0, "2026-05-10T08:00:00Z")).await.unwrap();
    assert_eq!(r.status(), 422, "unknown subject");
    let get = |path: String| c.get(t.url(&path)).bearer_auth(&token).send();
    let b: Value = get(format!("/fhir/Observation?patient={pid}")).await.unwrap().json().await.unwrap();
    assert_eq!(b["total"], 3);
    assert_eq!(b["entry"][0]["resource"]["valueQuantity"]["value"], 69.0, "newest first");
    let b: Value = get(format!("/fhir/Observation?subject=Patient/{pid}&_sort=date&_count=2"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(b["total"], 2);
    assert_eq!(b["entry"][0]["resource"]["valueQuantity"]["value"], 70.0);
    let b: Value = get(format!("/fhir/Observation?patient={pid}&code=http://loinc.org%7C29463-7&date=ge2026-02-01"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(b["total"], 2);
    let b: Value =
        get(format!("/fhir/Observation?patient={pid}&date=lt2026-02-01")).await.unwrap().json().await.unwrap();
    assert_eq!(b["total"], 1);
    let b: Value = get(format!("/fhir/Observation?patient={pid}&code=8867-4")).await.unwrap().json().await.unwrap();
    assert_eq!(b["total"], 0);
    let all: Value = get(format!("/fhir/Observation?patient={pid}")).await.unwrap().json().await.unwrap();
    let oid = all["entry"][0]["resource"]["id"].as_str().unwrap().to_string();
    let r = get(format!("/fhir/Observation/{oid}")).await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(get("/fhir/Observation".into()).await.unwrap().status(), 400, "patient is required");
    // Scopes: a Patient-only token cannot touch observations.
    let patient_only = t.api_token("system/Patient.*").await;
    let r = c.get(t.url(&format!("/fhir/Observation?patient={pid}"))).bearer_auth(&patient_only).send().await.unwrap();
    assert_eq!(r.status(), 403);
    let mut conn = t.app.store.read().await.unwrap();
    let events =
        relais_app::store::audit::for_person(&mut conn, t.fixture.org, pid.parse().unwrap(), 100).await.unwrap();
    assert!(events.iter().any(|e| e.action == "observation.create"));
    assert!(events.iter().any(|e| e.action == "observation.search"));
}
