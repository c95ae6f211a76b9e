//! FHIR for the daily record: Appointment (+ create), DocumentReference (+ create) and Binary, Communication.

use crate::{both_engines, resident};
use base64::Engine;
use relais_testkit::TestApp;
use serde_json::{Value, json};

both_engines!(fhir_daily_record, fhir_appointment_booked_by_a_client);

async fn get(t: &TestApp, token: &str, path: &str) -> (u16, Value) {
    let r = reqwest::Client::new().get(t.url(path)).bearer_auth(token).send().await.unwrap();
    let s = r.status().as_u16();
    (s, r.json().await.unwrap_or(Value::Null))
}

fn document(patient: &str, code: &str, content_type: &str, bytes: &[u8]) -> Value {
    json!({
        "resourceType": "DocumentReference",
        "status": "current",
        "type": { "coding": [{ "system": "http://loinc.org", "code": code }] },
        "subject": { "reference": format!("Patient/{patient}") },
        "securityLabel": [{ "coding": [{ "system": "urn:relais:category", "code": "medical" }] }],
        "content": [{ "attachment": {
            "contentType": content_type,
            "data": base64::engine::general_purpose::STANDARD.encode(bytes),
            "title": "Compte rendu d'hospitalisation",
            "creation": "2026-11-20"
        } }]
    })
}

async fn post(t: &TestApp, token: &str, body: &Value) -> (u16, Value, String) {
    let r = reqwest::Client::new()
        .post(t.url("/fhir/DocumentReference"))
        .bearer_auth(token)
        .header("content-type", "application/fhir+json")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let s = r.status().as_u16();
    let loc = r.headers().get("location").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
    (s, r.json().await.unwrap_or(Value::Null), loc)
}

async fn fhir_daily_record(t: TestApp) {
    let id = resident(&t, "FHIRJOURNAL").await;
    let aide = t.login("aide.nord").await;
    let dar = [("category", "nursing_care"), ("target", "Chute"), ("data", "Au sol à 3 h"), ("action", "Relevée")];
    assert_eq!(aide.post(&format!("/persons/{id}/notes"), &dar).await.status(), 303);
    let doctor = t.login("medecin").await;
    let secret = [("category", "medical"), ("text", "Hospitalisation envisagée.")];
    assert_eq!(doctor.post(&format!("/persons/{id}/notes"), &secret).await.status(), 303);
    let tomorrow = {
        let tz = jiff::tz::TimeZone::get("Europe/Paris").unwrap();
        tz.to_datetime(jiff::Timestamp::now()).date() + jiff::Span::new().days(1)
    };
    let appt = [
        ("title", "Dentiste"),
        ("location", "Cabinet Dr Roux"),
        ("date", &tomorrow.strftime("%d/%m/%Y").to_string()),
        ("start", "14:00"),
        ("end", "15:00"),
        ("external", "on"),
        ("transport", "taxi"),
        ("escort", "Sa fille"),
    ];
    assert_eq!(t.login("secretariat").await.post(&format!("/persons/{id}/appointments"), &appt).await.status(), 303);

    let token = t
        .api_token("system/Appointment.read system/DocumentReference.* system/Binary.read system/Communication.read")
        .await;

    let (_, meta) = get(&t, "", "/fhir/metadata").await;
    let types: Vec<&str> =
        meta["rest"][0]["resource"].as_array().unwrap().iter().map(|r| r["type"].as_str().unwrap()).collect();
    for t in ["Appointment", "DocumentReference", "Binary", "Communication"] {
        assert!(types.contains(&t), "{t} in the CapabilityStatement");
    }

    // Appointment: search by patient, date and status; read.
    let (s, b) = get(&t, &token, &format!("/fhir/Appointment?patient=Patient/{id}")).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["total"], 1);
    let a = &b["entry"][0]["resource"];
    assert_eq!((a["status"].as_str(), a["description"].as_str()), (Some("booked"), Some("Dentiste")));
    assert_eq!(a["participant"][0]["actor"]["reference"], format!("Patient/{id}"));
    assert!(a["comment"].as_str().unwrap().contains("Cabinet Dr Roux"));
    let (s, one) = get(&t, &token, &format!("/fhir/Appointment/{}", a["id"].as_str().unwrap())).await;
    assert_eq!((s, &one["description"]), (200, &json!("Dentiste")));
    let (_, b) = get(&t, &token, &format!("/fhir/Appointment?patient={id}&date=lt{tomorrow}")).await;
    assert_eq!(b["total"], 0, "date=lt excludes tomorrow's appointment");
    let (_, b) = get(&t, &token, &format!("/fhir/Appointment?patient={id}&date={tomorrow}")).await;
    assert_eq!(b["total"], 1);
    let (_, b) = get(&t, &token, &format!("/fhir/Appointment?patient={id}&status=cancelled")).await;
    assert_eq!(b["total"], 0);
    let (s, o) = get(&t, &token, "/fhir/Appointment?date=ge2026-01-01").await;
    assert_eq!((s, &o["resourceType"]), (400, &json!("OperationOutcome")), "patient is required");
    let (s, _) = get(&t, &token, &format!("/fhir/Appointment?patient={id}&foo=1")).await;
    assert_eq!(s, 400);

    // DocumentReference: created from base64, checked like an upload, searched, read; Binary.
    let pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n".to_vec();
    let (s, o, _) = post(&t, &token, &document(&id, "60591-5", "image/png", &pdf)).await;
    assert_eq!(s, 422, "{o}");
    assert_eq!(o["issue"][0]["expression"][0], "DocumentReference.content.attachment");
    let (s, o, _) = post(&t, &token, &document(&id, "1234-5", "application/pdf", &pdf)).await;
    assert_eq!((s, &o["issue"][0]["code"]), (422, &json!("not-supported")));
    let (s, o, _) =
        post(&t, &token, &document("0190e1c2-0000-7000-8000-000000000000", "60591-5", "application/pdf", &pdf)).await;
    assert_eq!(s, 422, "unknown subject: {o}");
    let (s, created, loc) = post(&t, &token, &document(&id, "60591-5", "application/pdf", &pdf)).await;
    assert_eq!(s, 201, "{created}");
    let doc = created["id"].as_str().unwrap().to_string();
    assert_eq!(loc, format!("/fhir/DocumentReference/{doc}"));
    assert_eq!(created["author"][0]["display"], "test client");
    assert_eq!(created["content"][0]["attachment"]["url"], format!("Binary/{doc}"));
    assert_eq!(created["content"][0]["attachment"]["size"], pdf.len());
    let (_, b) = get(&t, &token, &format!("/fhir/DocumentReference?patient={id}&type=http://loinc.org|60591-5")).await;
    assert_eq!(b["total"], 1);
    let (_, b) = get(&t, &token, &format!("/fhir/DocumentReference?patient={id}&type=88348-8")).await;
    assert_eq!(b["total"], 0);
    let (_, b) = get(&t, &token, &format!("/fhir/DocumentReference?patient={id}&date=ge2026-01-01&_count=5")).await;
    assert_eq!(b["total"], 1);
    let (s, _) = get(&t, &token, &format!("/fhir/DocumentReference/{doc}")).await;
    assert_eq!(s, 200);
    let raw =
        reqwest::Client::new().get(t.url(&format!("/fhir/Binary/{doc}"))).bearer_auth(&token).send().await.unwrap();
    assert_eq!(raw.headers()["content-type"], "application/pdf");
    assert_eq!(raw.bytes().await.unwrap().to_vec(), pdf);
    let json_binary = reqwest::Client::new()
        .get(t.url(&format!("/fhir/Binary/{doc}")))
        .bearer_auth(&token)
        .header("accept", "application/fhir+json")
        .send()
        .await
        .unwrap();
    let bin: Value = json_binary.json().await.unwrap();
    assert_eq!(bin["resourceType"], "Binary");
    assert_eq!(base64::engine::general_purpose::STANDARD.decode(bin["data"].as_str().unwrap()).unwrap(), pdf);
    // Filed in the medical category: the physician sees it, the care aide does not.
    let (_, page) = doctor.text(&format!("/persons/{id}")).await;
    assert!(page.contains("Compte rendu d&#39;hospitalisation"));
    let (_, page) = aide.text(&format!("/persons/{id}")).await;
    assert!(!page.contains("Compte rendu d&#39;hospitalisation"));

    // Communication: the logbook's notes, every part of a targeted one.
    let (s, b) = get(&t, &token, &format!("/fhir/Communication?patient={id}")).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["total"], 2);
    let (_, b) =
        get(&t, &token, &format!("/fhir/Communication?patient={id}&category=nursing_care&sent=ge2026-01-01")).await;
    assert_eq!(b["total"], 1);
    let c = &b["entry"][0]["resource"];
    assert_eq!(c["topic"]["text"], "Chute");
    assert_eq!(c["payload"][0]["contentString"], "Données : Au sol à 3 h");
    assert!(c["sender"]["display"].as_str().unwrap().contains("aide nord"), "{c}");
    let (s, one) = get(&t, &token, &format!("/fhir/Communication/{}", c["id"].as_str().unwrap())).await;
    assert_eq!((s, &one["topic"]["text"]), (200, &json!("Chute")));
    let (s, _) = get(&t, &token, &format!("/fhir/Communication?patient={id}&category=nope")).await;
    assert_eq!(s, 400);

    // Scopes: without Communication.read, neither search nor read.
    let narrow = t.api_token("system/Appointment.read").await;
    assert_eq!(get(&t, &narrow, &format!("/fhir/Communication?patient={id}")).await.0, 403);
    assert_eq!(get(&t, &narrow, &format!("/fhir/Binary/{doc}")).await.0, 403);
    assert_eq!(get(&t, &narrow, &format!("/fhir/DocumentReference/{doc}")).await.0, 403);
    assert_eq!(post(&t, &narrow, &document(&id, "60591-5", "application/pdf", &pdf)).await.0, 403);
    assert_eq!(get(&t, "", &format!("/fhir/Communication?patient={id}")).await.0, 401);

    // Every API read names the person in their access log.
    let (_, log) = t.login("dpo").await.text(&format!("/persons/{id}/access-log")).await;
    for action in [
        "appointment.search",
        "appointment.read",
        "document.create",
        "document.search",
        "document.read",
        "document.download",
        "note.search",
        "note.read",
    ] {
        assert!(log.contains(action), "{action} in the access log");
    }
}

async fn fhir_appointment_booked_by_a_client(t: TestApp) {
    let id = resident(&t, "RDVAPI").await;
    let token = t.api_token("system/Appointment.read system/Appointment.write").await;
    let start = jiff::Timestamp::now() + jiff::SignedDuration::from_hours(26);
    let appointment = |start: String, end: String, patient: &str| {
        json!({
            "resourceType": "Appointment",
            "status": "booked",
            "description": "Consultation de cardiologie",
            "start": start,
            "end": end,
            "participant": [{ "actor": { "reference": format!("Patient/{patient}") }, "status": "accepted" }],
            "extension": [
                { "url": "urn:relais:fhir:appointment-location", "valueString": "CHU, service de cardiologie" },
                { "url": "urn:relais:fhir:appointment-external", "valueBoolean": true },
                { "url": "urn:relais:fhir:appointment-transport", "valueCoding": { "code": "ambulance" } },
                { "url": "urn:relais:fhir:appointment-escort", "valueString": "Sa fille" }
            ]
        })
    };
    let send = |body: Value, token: String| {
        let url = t.url("/fhir/Appointment");
        async move {
            let r = reqwest::Client::new()
                .post(url)
                .bearer_auth(token)
                .header("content-type", "application/fhir+json")
                .body(body.to_string())
                .send()
                .await
                .unwrap();
            let s = r.status().as_u16();
            let loc = r.headers().get("location").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
            (s, r.json::<Value>().await.unwrap_or(Value::Null), loc)
        }
    };
    let end = start + jiff::SignedDuration::from_mins(45);
    let (s, created, loc) = send(appointment(start.to_string(), end.to_string(), &id), token.clone()).await;
    assert_eq!(s, 201, "{created}");
    assert!(loc.starts_with("/fhir/Appointment/"));
    assert_eq!(created["status"], "booked");
    assert_eq!(created["participant"][0]["actor"]["reference"], format!("Patient/{id}"));
    assert_eq!(created["extension"][1]["valueString"], "Sa fille");
    let (s, read) = get(&t, &token, &loc).await;
    assert_eq!(s, 200);
    assert_eq!(read["description"], "Consultation de cardiologie");
    // In the unit's agenda, with the client as author of the entry.
    let aide = t.login("aide.nord").await;
    let day = jiff::tz::TimeZone::get("Europe/Paris").unwrap().to_datetime(start).date();
    let (_, agenda) = aide.text(&format!("/units/{}/agenda?date={day}", t.fixture.north)).await;
    assert!(agenda.contains("Consultation de cardiologie"), "{agenda}");
    // Errors are precise and nothing is written.
    let (s, outcome, _) = send(appointment(end.to_string(), start.to_string(), &id), token.clone()).await;
    assert_eq!(s, 422);
    assert_eq!(outcome["issue"][0]["expression"][0], "Appointment.end", "{outcome}");
    let (s, outcome, _) = send(appointment("2026-12-01T14:30:00".into(), end.to_string(), &id), token.clone()).await;
    assert_eq!(s, 422, "{outcome}");
    let (s, _, _) =
        send(appointment(start.to_string(), end.to_string(), "00000000-0000-0000-0000-000000000000"), token.clone())
            .await;
    assert_eq!(s, 422);
    let mut odd = appointment(start.to_string(), end.to_string(), &id);
    odd["minutesDuration"] = json!(45);
    let (s, outcome, _) = send(odd, token.clone()).await;
    assert_eq!(s, 422);
    assert!(outcome["issue"][0]["diagnostics"].as_str().unwrap().contains("minutesDuration"), "{outcome}");
    let read_only = t.api_token("system/Appointment.read").await;
    let (s, _, _) = send(appointment(start.to_string(), end.to_string(), &id), read_only).await;
    assert_eq!(s, 403);
    let (_, list) = get(&t, &token, &format!("/fhir/Appointment?patient={id}")).await;
    assert_eq!(list["total"], 1, "only the valid booking was written: {list}");
}
