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
    assert!(page.contains("130/80 mmHg") && page.contains("40,9 °C"));
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

both_engines!(a_round_checks_every_line_before_writing_any);

async fn a_round_checks_every_line_before_writing_any(t: TestApp) {
    let first = resident(&t, "TOURNEE").await;
    let second = resident(&t, "RONDE").await;
    let aide = t.login("aide.nord").await;
    let round = format!("/units/{}/round", t.fixture.north);
    let (status, page) = aide.text(&format!("{round}?kind=weight")).await;
    assert_eq!(status, 200);
    assert!(page.contains(&format!("name=\"value-{first}\"")) && page.contains(&format!("name=\"value-{second}\"")));

    // One bad line: nothing is written, what was typed comes back with the error on its line.
    let v1 = format!("value-{first}");
    let v2 = format!("value-{second}");
    let res = aide.post(&round, &[("kind", "weight"), (&v1, "64"), (&v2, "7l")]).await;
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(page.contains("été enregistré : 1 ligne à corriger") && page.contains("nombre attendu"), "{page}");
    assert!(page.contains("value=\"7l\"") && page.contains("value=\"64\""));
    let (_, file) = aide.text(&format!("/persons/{first}")).await;
    assert!(!file.contains("64,0 kg") && !file.contains("64 kg"), "the valid line was not written either");

    let res = aide.post(&round, &[("kind", "weight"), (&v1, "64"), (&v2, "71,5")]).await;
    assert_eq!(res.status(), 303);
    let to = res.headers()["location"].to_str().unwrap().to_string();
    assert!(to.ends_with("saved=2&alerts=0"), "{to}");
    let (_, page) = aide.text(&to).await;
    assert!(page.contains("2 mesures enregistrées."));
    // A second round the same day: a 9 % loss raises the alert; an empty line is skipped.
    let res = aide.post(&round, &[("kind", "weight"), (&v1, "58"), (&v2, "")]).await;
    assert!(res.headers()["location"].to_str().unwrap().ends_with("saved=1&alerts=1"));
    let (_, unit) = aide.text(&format!("/units/{}", t.fixture.north)).await;
    assert!(unit.contains("Cible : Perte de poids"), "the alert reaches the unit's logbook");

    // Unusual values need a tick on their line; blood pressure takes two values.
    let res = aide.post(&round, &[("kind", "temperature"), (&v1, "40,9")]).await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("Je confirme cette valeur"));
    let c1 = format!("confirmed-{first}");
    assert_eq!(aide.post(&round, &[("kind", "temperature"), (&v1, "40,9"), (&c1, "on")]).await.status(), 303);
    let d1 = format!("value2-{first}");
    assert_eq!(aide.post(&round, &[("kind", "blood_pressure"), (&v1, "80"), (&d1, "130")]).await.status(), 422);
    assert_eq!(aide.post(&round, &[("kind", "blood_pressure"), (&v1, "130"), (&d1, "80")]).await.status(), 303);
    assert_eq!(aide.post(&round, &[("kind", "weight")]).await.status(), 422, "an empty round");
    assert_eq!(aide.post(&round, &[("kind", "bogus"), (&v1, "1")]).await.status(), 400);

    // Someone from another establishment writes nothing, even one valid line.
    let edu = t.login("educateur").await;
    assert_eq!(edu.post(&round, &[("kind", "weight"), (&v1, "70")]).await.status(), 404);
    let (_, file) = aide.text(&format!("/persons/{first}")).await;
    assert!(!file.contains("70,0 kg"));
}

both_engines!(a_chart_draws_a_period_of_measures);

async fn a_chart_draws_a_period_of_measures(t: TestApp) {
    use jiff::SignedDuration;
    let id = resident(&t, "COURBE").await;
    let path = format!("/persons/{id}/observations");
    for (days, kg) in [(0, "64"), (40, "63,2"), (40, "62,8")] {
        t.clock.advance(SignedDuration::from_hours(24 * days));
        let aide = t.login("aide.nord").await;
        assert_eq!(aide.post(&path, &[("kind", "weight"), ("value", kg)]).await.status(), 303);
    }
    let aide = t.login("aide.nord").await;
    let (status, page) = aide.text(&format!("/persons/{id}/chart?kind=weight&months=12")).await;
    assert_eq!(status, 200);
    assert!(page.contains("<svg class=\"chart\"") && page.contains("3 mesures ; dernière : 62,8 kg le"), "{page}");
    assert_eq!(page.matches("<circle").count(), 3);
    let (_, page) = aide.text(&format!("/persons/{id}/chart?kind=weight&months=1")).await;
    assert!(page.contains("1 mesure ;"), "one month back: {page}");
    let (_, page) = aide.text(&format!("/persons/{id}/chart?kind=blood_pressure")).await;
    assert!(page.contains("Aucune mesure sur cette période.") && !page.contains("<svg class"));
    assert_eq!(aide.text(&format!("/persons/{id}/chart?months=5")).await.0, 400);
    assert_eq!(aide.text(&format!("/persons/{id}/chart?kind=bogus")).await.0, 400);
    assert_eq!(t.login("educateur").await.text(&format!("/persons/{id}/chart")).await.0, 404);
    let (_, log) = t.login("dpo").await.text(&format!("/persons/{id}/access-log")).await;
    assert!(log.contains("observation.chart"));
}

both_engines!(the_chart_page_embeds_its_points_for_the_interactive_chart);

/// The JSON of the page's `<script type="application/json" id="chart-data">` element.
fn chart_data(page: &str) -> Value {
    let open = "<script type=\"application/json\" id=\"chart-data\">";
    let json = page
        .split(open)
        .nth(1)
        .and_then(|rest| rest.split("</script>").next())
        .unwrap_or_else(|| panic!("no chart-data element: {page}"));
    assert!(!json.contains('<') && !json.contains('>') && !json.contains('&'), "unescaped markup: {json}");
    serde_json::from_str(json).expect("chart data is JSON")
}

async fn the_chart_page_embeds_its_points_for_the_interactive_chart(t: TestApp) {
    use jiff::SignedDuration;
    use relais_app::Clock;
    let id = resident(&t, "INTERACTIVE").await;
    let path = format!("/persons/{id}/observations");
    let start = t.clock.now().as_millisecond();
    for (days, kg) in [(0, "64"), (10, "63,2"), (10, "62,8")] {
        t.clock.advance(SignedDuration::from_hours(24 * days));
        let aide = t.login("aide.nord").await;
        assert_eq!(aide.post(&path, &[("kind", "weight"), ("value", kg)]).await.status(), 303);
    }
    let nurse = t.login("infirmier").await;
    let res =
        nurse.post(&format!("/persons/{id}/thresholds"), &[("kind", "weight"), ("low", "45,5"), ("high", "")]).await;
    assert_eq!(res.status(), 303);
    let (status, page) = nurse.text(&format!("/persons/{id}/chart?kind=weight&months=3")).await;
    assert_eq!(status, 200);
    // The interactive chart's files, and the SVG kept for print and for browsers without script.
    for file in ["/static/uPlot.iife.min.js", "/static/uPlot.min.css", "/static/chart.js"] {
        assert!(page.contains(file), "{file} missing");
    }
    assert!(page.contains("<svg class=\"chart\"") && page.contains("id=\"chart-live\""));
    let data = chart_data(&page);
    assert_eq!(data["label"], "Poids");
    assert_eq!(data["unit"], "kg");
    assert_eq!(data["time_zone"], "Europe/Paris");
    let times: Vec<i64> = data["times"].as_array().unwrap().iter().map(|v| v.as_i64().unwrap()).collect();
    assert_eq!(times.len(), 3);
    // Milliseconds since the epoch; the fake clock follows real time, give it a minute.
    assert!((0..60_000).contains(&(times[0] - start)), "{times:?} from {start}");
    assert!((0..60_000).contains(&(times[2] - times[0] - 20 * 86_400_000)), "{times:?}");
    assert_eq!(data["series"].as_array().unwrap().len(), 1);
    assert_eq!(data["series"][0]["values"], json!([64.0, 63.2, 62.8]));
    assert_eq!(data["bounds"], json!([{ "label": "Seuil bas", "value": 45.5 }]));
    let (from, to) = (data["from"].as_i64().unwrap(), data["to"].as_i64().unwrap());
    assert!((0..60_000).contains(&(t.clock.now().as_millisecond() - to)), "ends now");
    assert_eq!(to - from, 3 * 30 * 86_400_000, "the period chosen");
    // One month back: only the points of that month.
    let (_, page) = nurse.text(&format!("/persons/{id}/chart?kind=weight&months=1")).await;
    assert_eq!(chart_data(&page)["times"].as_array().unwrap().len(), 3);
    t.clock.advance(SignedDuration::from_hours(24 * 25));
    let nurse = t.login("infirmier").await;
    let (_, page) = nurse.text(&format!("/persons/{id}/chart?kind=weight&months=1")).await;
    assert_eq!(chart_data(&page)["times"].as_array().unwrap().len(), 1);
    // Blood pressure: systolic and diastolic series, aligned on the same times.
    for (sys, dia) in [("130", "80"), ("142", "85")] {
        let res = nurse.post(&path, &[("kind", "blood_pressure"), ("value", sys), ("value2", dia)]).await;
        assert_eq!(res.status(), 303);
    }
    let (_, page) = nurse.text(&format!("/persons/{id}/chart?kind=blood_pressure")).await;
    let data = chart_data(&page);
    assert_eq!(data["unit"], "mmHg");
    assert_eq!(data["times"].as_array().unwrap().len(), 2);
    assert_eq!(data["series"][0], json!({ "label": "Systolique", "values": [130.0, 142.0] }));
    assert_eq!(data["series"][1], json!({ "label": "Diastolique", "values": [80.0, 85.0] }));
    assert_eq!(data["bounds"], json!([]));
    // No measure: no chart, no data, no script.
    let (_, page) = nurse.text(&format!("/persons/{id}/chart?kind=spo2")).await;
    assert!(!page.contains("chart-data") && !page.contains("/static/chart.js"));
}

both_engines!(thresholds_per_person_and_establishment_raise_alerts);

async fn thresholds_per_person_and_establishment_raise_alerts(t: TestApp) {
    let x = resident(&t, "SEUILPERSO").await;
    let y = resident(&t, "SEUILETAB").await;
    let est_path = format!("/establishments/{}/thresholds", t.fixture.ehpad);
    let nurse = t.login("infirmier").await;
    // Checked, typed values kept, nothing stored.
    let res = nurse.post(&est_path, &[("kind", "spo2"), ("low", "abc"), ("high", "")]).await;
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(page.contains("Seuil bas : ") && page.contains("value=\"abc\""), "{page}");
    let res = nurse.post(&est_path, &[("kind", "spo2"), ("low", "95"), ("high", "90")]).await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("le seuil haut doit dépasser le seuil bas"));
    assert_eq!(nurse.post(&est_path, &[("kind", "spo2"), ("low", "90"), ("high", "")]).await.status(), 303);
    let (_, page) = nurse.text(&est_path).await;
    assert!(page.contains("alerte sous 90 %"), "{page}");
    // A clinical decision: not a care aide's; another establishment's staff do not find it.
    let aide = t.login("aide.nord").await;
    assert_eq!(aide.post(&est_path, &[("kind", "spo2"), ("low", "80")]).await.status(), 403);
    assert_eq!(t.login("educateur").await.post(&est_path, &[("kind", "spo2"), ("low", "80")]).await.status(), 404);
    assert_eq!(aide.post(&format!("/persons/{x}/thresholds"), &[("kind", "spo2"), ("low", "80")]).await.status(), 403);
    // The person's own rule wins over the establishment's.
    let res = nurse.post(&format!("/persons/{x}/thresholds"), &[("kind", "spo2"), ("low", "85")]).await;
    assert_eq!(res.status(), 303);
    let (_, chart) = aide.text(&format!("/persons/{x}/chart?kind=spo2")).await;
    assert!(chart.contains("alerte sous 85 %") && chart.contains("seuil propre à la personne"), "{chart}");
    let measure = |p: &str, v: &str| {
        let (p, v) = (p.to_string(), v.to_string());
        let aide = &aide;
        async move {
            aide.post(&format!("/persons/{p}/observations"), &[("kind", "spo2"), ("value", &v), ("confirmed", "on")])
                .await
                .status()
        }
    };
    assert_eq!(measure(&x, "88").await, 303);
    let (_, page) = aide.text(&format!("/persons/{x}")).await;
    assert!(!page.contains("Seuil d&#39;alerte"), "88 % is within the person's rule");
    assert_eq!(measure(&x, "84").await, 303);
    let (_, page) = aide.text(&format!("/persons/{x}")).await;
    assert!(page.contains("Cible : Seuil d&#39;alerte : Saturation en oxygène"), "{page}");
    assert!(
        page.contains("Saturation en oxygène 84 % le")
            && page.contains("sous le seuil bas de 85 % (seuil propre à la personne)")
    );
    assert_eq!(measure(&y, "88").await, 303);
    let (_, page) = aide.text(&format!("/persons/{y}")).await;
    assert!(page.contains("sous le seuil bas de 90 % (seuil de l&#39;établissement)"), "{page}");
    // Removed, the establishment's rule applies again.
    assert!(!chart.contains("/remove"), "a care aide is not offered to remove it");
    let (_, chart) = nurse.text(&format!("/persons/{x}/chart?kind=spo2")).await;
    let rule = chart.split("/thresholds/").nth(1).unwrap().split('/').next().unwrap().to_string();
    let res = nurse.post(&format!("/thresholds/{rule}/remove"), &[("kind", "spo2")]).await;
    assert_eq!(res.status(), 303);
    assert_eq!(nurse.post(&format!("/thresholds/{rule}/remove"), &[("kind", "spo2")]).await.status(), 404);
    let (_, chart) = aide.text(&format!("/persons/{x}/chart?kind=spo2")).await;
    assert!(chart.contains("alerte sous 90 %") && chart.contains("(seuil de l'établissement"), "{chart}");
    let (_, log) = t.login("dpo").await.text(&format!("/persons/{x}/access-log")).await;
    assert!(log.contains("threshold.set") && log.contains("threshold.remove") && log.contains("note.alert"));
}

both_engines!(the_weight_chart_gives_the_bmi_and_its_criterion);

async fn the_weight_chart_gives_the_bmi_and_its_criterion(t: TestApp) {
    let id = resident(&t, "CORPULENCE").await;
    let aide = t.login("aide.nord").await;
    let path = format!("/persons/{id}/observations");
    assert_eq!(aide.post(&path, &[("kind", "weight"), ("value", "61")]).await.status(), 303);
    let (_, chart) = aide.text(&format!("/persons/{id}/chart?kind=weight")).await;
    assert!(!chart.contains("IMC"), "no height yet: no BMI");
    assert_eq!(aide.post(&path, &[("kind", "height"), ("value", "165")]).await.status(), 303);
    let (_, chart) = aide.text(&format!("/persons/{id}/chart?kind=weight")).await;
    assert!(chart.contains("IMC 22,4 (dernier poids, taille 165 cm)</strong>"), "{chart}");
    assert_eq!(aide.post(&path, &[("kind", "weight"), ("value", "58")]).await.status(), 303);
    let (_, chart) = aide.text(&format!("/persons/{id}/chart?kind=weight")).await;
    // Born in 1938: from 70 years on, a BMI under 22 is a criterion of undernutrition.
    assert!(chart.contains("IMC 21,3 (dernier poids, taille 165 cm) : critère de dénutrition (HAS)"), "{chart}");
}

both_engines!(pain_scales_intake_and_stools);

async fn pain_scales_intake_and_stools(t: TestApp) {
    let id = resident(&t, "ALGOPLUS").await;
    let aide = t.login("aide.nord").await;
    let path = format!("/persons/{id}/observations");
    for (kind, value) in [("algoplus", "3"), ("stools", "4"), ("fluid_intake", "1200"), ("food_intake", "75")] {
        let res = aide.post(&path, &[("kind", kind), ("value", value)]).await;
        assert_eq!(res.status(), 303, "{kind}");
    }
    let (_, page) = aide.text(&format!("/persons/{id}")).await;
    assert!(page.contains("Douleur (Algoplus 0-5)"), "{page}");
    assert!(page.contains("3 — douleur (score ≥ 2/5)"), "the scale says what the score means");
    assert!(page.contains("1200 mL") && page.contains("75 %"));
    let res = aide.post(&path, &[("kind", "doloplus"), ("value", "4,5")]).await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("nombre entier attendu"));
    let res = aide.post(&path, &[("kind", "stools"), ("value", "8")]).await;
    assert_eq!(res.status(), 422);

    let token = t.api_token("system/*.*").await;
    let c = reqwest::Client::new();
    let body = json!({
        "resourceType": "Observation", "status": "final",
        "code": { "coding": [{ "system": "urn:relais:measure", "code": "doloplus" }] },
        "subject": { "reference": format!("Patient/{id}") },
        "effectiveDateTime": "2026-11-20T09:00:00+01:00",
        "valueQuantity": { "value": 12, "system": "http://unitsofmeasure.org", "code": "{score}" }
    });
    let r = c
        .post(t.url("/fhir/Observation"))
        .bearer_auth(&token)
        .header("content-type", "application/fhir+json")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let get = |path: String| c.get(t.url(&path)).bearer_auth(&token).send();
    let b: Value = get(format!("/fhir/Observation?patient={id}&code=urn:relais:measure%7Cdoloplus"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(b["total"], 1);
    assert_eq!(b["entry"][0]["resource"]["category"][0]["coding"][0]["code"], "survey");
    assert_eq!(b["entry"][0]["resource"]["valueQuantity"]["value"], 12.0);
    let b: Value = get(format!("/fhir/Observation?patient={id}&code=9108-2")).await.unwrap().json().await.unwrap();
    assert_eq!(b["total"], 1, "a bare code is looked up in LOINC");
    assert_eq!(b["entry"][0]["resource"]["valueQuantity"]["code"], "mL");
    let r = get(format!("/fhir/Observation?patient={id}&code=http://loinc.org%7Cdoloplus")).await.unwrap();
    assert_eq!(r.status(), 400, "a Relais code is not a LOINC code");
    // The chart and the round know the new kinds.
    let (status, chart) = aide.text(&format!("/persons/{id}/chart?kind=fluid_intake&months=12")).await;
    assert_eq!(status, 200);
    assert!(chart.contains("Hydratation (boissons sur 24 h)") && chart.contains("<svg"));
}
