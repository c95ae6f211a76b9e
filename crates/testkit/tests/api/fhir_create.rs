//! FHIR create of the médico-social records (Consent, an absence as Encounter, CarePlan and
//! Goal): created resources read back identically and are found by patient; bad input answers
//! an OperationOutcome naming the element and writes nothing; scopes are checked before the
//! body is looked at. Also: forms check access before validating what a stranger typed.

use crate::{both_engines, resident};
use relais_testkit::TestApp;
use serde_json::{Value, json};

/// A FHIR client with one token.
struct Api<'a> {
    t: &'a TestApp,
    token: String,
}

impl Api<'_> {
    async fn post(&self, kind: &str, body: &Value) -> (u16, Option<String>, Value) {
        let r = reqwest::Client::new()
            .post(self.t.url(&format!("/fhir/{kind}")))
            .bearer_auth(&self.token)
            .header("content-type", "application/fhir+json")
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        let location = r.headers().get("location").and_then(|v| v.to_str().ok()).map(str::to_string);
        (status, location, r.json().await.unwrap_or(Value::Null))
    }

    async fn get(&self, path: &str) -> (u16, Value) {
        let r = reqwest::Client::new().get(self.t.url(path)).bearer_auth(&self.token).send().await.unwrap();
        (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
    }
}

async fn api<'a>(t: &'a TestApp, scopes: &str) -> Api<'a> {
    Api { t, token: t.api_token(scopes).await }
}

/// The day `days` after today in Europe/Paris, as FHIR writes a date.
fn day(days: i64) -> String {
    let tz = jiff::tz::TimeZone::get("Europe/Paris").unwrap();
    let today = tz.to_datetime(jiff::Timestamp::now()).date();
    today.checked_add(jiff::Span::new().days(days)).unwrap().to_string()
}

fn expression(oo: &Value) -> &str {
    oo["issue"][0]["expression"][0].as_str().unwrap_or_default()
}

fn count(t: &[String], action: &str) -> usize {
    t.iter().filter(|a| *a == action).count()
}

both_engines!(
    fhir_consent_create_reads_back_and_is_found,
    fhir_absence_create_reads_back_and_stays_are_refused,
    fhir_care_plan_and_goal_create_read_back,
    forms_check_access_before_validating,
);

async fn fhir_consent_create_reads_back_and_is_found(t: TestApp) {
    let id = resident(&t, "FHIRCONSENT").await;
    let c = api(&t, "system/Consent.* system/RelatedPerson.*").await;
    let consent = json!({
        "resourceType": "Consent",
        "status": "active",
        "scope": { "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "patient-privacy" }] },
        "category": [
            { "coding": [{ "system": "http://loinc.org", "code": "59284-0" }] },
            { "coding": [{ "system": "urn:relais:consent-purpose", "code": "dmp" }] }
        ],
        "patient": { "reference": format!("Patient/{id}") },
        "dateTime": day(0),
        "performer": [{ "reference": format!("Patient/{id}") }],
        "provision": { "type": "permit", "period": { "start": day(0) } }
    });
    let (s, location, created) = c.post("Consent", &consent).await;
    assert_eq!(s, 201, "{created}");
    let location = location.expect("Location");
    assert_eq!(created["status"], "active");
    assert_eq!(created["provision"]["type"], "permit");
    assert_eq!(created["category"][1]["coding"][0]["code"], "dmp");
    assert_eq!(created["dateTime"], day(0).as_str());
    assert_eq!(created["performer"][0]["reference"], format!("Patient/{id}"));
    let (s, read) = c.get(&location).await;
    assert_eq!(s, 200);
    assert_eq!(read, created, "the created Consent reads back identically");
    let (_, bundle) = c.get(&format!("/fhir/Consent?patient={id}")).await;
    assert_eq!(bundle["total"], 1, "{bundle}");

    // A withdrawal by a legal representative, then read back as sent.
    let representative = json!({
        "resourceType": "RelatedPerson",
        "patient": { "reference": format!("Patient/{id}") },
        "relationship": [
            { "coding": [{ "system": "urn:relais:contact-role", "code": "legal_representative" }] },
            { "coding": [{ "system": "urn:relais:relationship", "code": "professional" }] }
        ],
        "name": [{ "family": "TUTEUR", "given": ["Paul"] }],
        "telecom": [{ "system": "phone", "value": "+33612345678" }],
        "extension": [{ "url": "urn:relais:fhir:related-person-sharing", "valueCode": "administrative" }]
    });
    let (s, _, rp) = c.post("RelatedPerson", &representative).await;
    assert_eq!(s, 201, "{rp}");
    let rep = rp["id"].as_str().unwrap().to_string();
    let mut withdrawn = consent.clone();
    withdrawn["status"] = json!("inactive");
    withdrawn["provision"]["type"] = json!("deny");
    withdrawn["performer"] = json!([{ "reference": format!("RelatedPerson/{rep}") }]);
    let (s, location, created) = c.post("Consent", &withdrawn).await;
    assert_eq!(s, 201, "{created}");
    assert_eq!(created["status"], "inactive");
    assert_eq!(created["performer"][0]["reference"], format!("RelatedPerson/{rep}"));
    let (_, read) = c.get(&location.unwrap()).await;
    assert_eq!(read, created);
    let (_, bundle) = c.get(&format!("/fhir/Consent?patient={id}")).await;
    assert_eq!(bundle["total"], 2);

    // Bad input: 422 naming the element, nothing written.
    let mut future = consent.clone();
    future["dateTime"] = json!(day(3));
    future["provision"]["period"]["start"] = json!(day(3));
    let (s, _, oo) = c.post("Consent", &future).await;
    assert_eq!((s, expression(&oo)), (422, "Consent.dateTime"), "{oo}");
    assert!(oo["issue"][0]["diagnostics"].as_str().unwrap().contains("futur"), "{oo}");
    let mut mismatch = consent.clone();
    mismatch["provision"]["type"] = json!("deny");
    let (s, _, oo) = c.post("Consent", &mismatch).await;
    assert_eq!((s, expression(&oo)), (422, "Consent.provision.type"), "{oo}");
    // A contact who is not a legal representative may not consent for the person.
    let trusted = json!({
        "resourceType": "RelatedPerson",
        "patient": { "reference": format!("Patient/{id}") },
        "relationship": [
            { "coding": [{ "system": "urn:relais:contact-role", "code": "family" }] },
            { "coding": [{ "system": "urn:relais:relationship", "code": "neighbour" }] }
        ],
        "name": [{ "family": "VOISIN" }],
        "telecom": [{ "system": "phone", "value": "+33612345679" }],
        "extension": [{ "url": "urn:relais:fhir:related-person-sharing", "valueCode": "emergencies" }]
    });
    let (_, _, rp) = c.post("RelatedPerson", &trusted).await;
    let mut by_family = consent.clone();
    by_family["performer"] = json!([{ "reference": format!("RelatedPerson/{}", rp["id"].as_str().unwrap()) }]);
    let (s, _, oo) = c.post("Consent", &by_family).await;
    assert_eq!((s, expression(&oo)), (422, "Consent.performer"), "{oo}");
    let mut nobody = consent.clone();
    nobody["patient"] = json!({ "reference": "Patient/01900000-0000-7000-8000-000000000000" });
    nobody.as_object_mut().unwrap().remove("performer");
    let (s, _, oo) = c.post("Consent", &nobody).await;
    assert_eq!((s, expression(&oo)), (422, "Consent.patient"), "{oo}");
    let (_, bundle) = c.get(&format!("/fhir/Consent?patient={id}")).await;
    assert_eq!(bundle["total"], 2, "nothing written by the refused ones");

    // Scopes, checked before the body: a read-only token is refused even with a bad body.
    let reader = api(&t, "system/Consent.read").await;
    assert_eq!(reader.post("Consent", &consent).await.0, 403);
    assert_eq!(reader.post("Consent", &future).await.0, 403);
    assert_eq!(reader.post("Consent", &json!({ "resourceType": "Consent" })).await.0, 403);
    // A write-only token creates, and is told it may not read back.
    let writer = api(&t, "system/Consent.write").await;
    let (s, _, oo) = writer.post("Consent", &consent).await;
    assert_eq!((s, oo["resourceType"].as_str()), (201, Some("OperationOutcome")));
    let actions = t.audit_actions(&id).await;
    assert_eq!(count(&actions, "consent.create"), 3, "{actions:?}");
}

async fn fhir_absence_create_reads_back_and_stays_are_refused(t: TestApp) {
    let id = resident(&t, "FHIRABSENCE").await;
    let c = api(&t, "system/Encounter.*").await;
    let (_, bundle) = c.get(&format!("/fhir/Encounter?patient={id}")).await;
    assert_eq!(bundle["total"], 1, "{bundle}");
    let stay = bundle["entry"][0]["resource"]["id"].as_str().unwrap().to_string();
    let absence = json!({
        "resourceType": "Encounter",
        "status": "planned",
        "class": { "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "NONAC" },
        "type": [{ "coding": [{ "system": "urn:relais:absence-kind", "code": "holidays" }] }],
        "subject": { "reference": format!("Patient/{id}") },
        "partOf": { "reference": format!("Encounter/{stay}") },
        "period": { "start": day(10), "end": day(20) },
        "reasonCode": [{ "text": "Vacances chez sa fille" }]
    });
    let (s, location, created) = c.post("Encounter", &absence).await;
    assert_eq!(s, 201, "{created}");
    assert_eq!(created["partOf"]["reference"], format!("Encounter/{stay}"));
    assert_eq!(created["type"][0]["coding"][0]["code"], "holidays");
    assert_eq!(created["period"], json!({ "start": day(10), "end": day(20) }));
    assert_eq!(created["reasonCode"][0]["text"], "Vacances chez sa fille");
    assert_eq!(created["status"], "planned");
    let (s, read) = c.get(&location.expect("Location")).await;
    assert_eq!(s, 200);
    assert_eq!(read, created, "the created Encounter reads back identically");
    let (_, bundle) = c.get(&format!("/fhir/Encounter?patient={id}")).await;
    assert_eq!(bundle["total"], 2, "the stay and its absence: {bundle}");

    // Overlapping, outside the stay, of another class, or a stay: refused by element.
    let mut overlap = absence.clone();
    overlap["period"] = json!({ "start": day(15) });
    let (s, _, oo) = c.post("Encounter", &overlap).await;
    assert_eq!((s, expression(&oo)), (422, "Encounter.period.start"), "{oo}");
    assert!(oo["issue"][0]["diagnostics"].as_str().unwrap().contains("chevauche"), "{oo}");
    let mut before = absence.clone();
    before["period"] = json!({ "start": day(-400), "end": day(-390) });
    let (s, _, oo) = c.post("Encounter", &before).await;
    assert_eq!((s, expression(&oo)), (422, "Encounter.period.start"), "{oo}");
    let mut day_care = absence.clone();
    day_care["class"]["code"] = json!("AMB");
    day_care["period"] = json!({ "start": day(30) });
    let (s, _, oo) = c.post("Encounter", &day_care).await;
    assert_eq!((s, expression(&oo)), (422, "Encounter.class"), "{oo}");
    let mut elsewhere = absence.clone();
    elsewhere["partOf"] = json!({ "reference": format!("Encounter/{id}") });
    elsewhere["period"] = json!({ "start": day(30) });
    let (s, _, oo) = c.post("Encounter", &elsewhere).await;
    assert_eq!((s, expression(&oo)), (422, "Encounter.partOf"), "{oo}");
    let mut new_stay = absence.clone();
    new_stay.as_object_mut().unwrap().remove("partOf");
    let (s, _, oo) = c.post("Encounter", &new_stay).await;
    assert_eq!((s, expression(&oo), oo["issue"][0]["code"].as_str()), (422, "Encounter.partOf", Some("not-supported")));
    assert!(oo["issue"][0]["diagnostics"].as_str().unwrap().contains("admission"), "{oo}");
    let (_, bundle) = c.get(&format!("/fhir/Encounter?patient={id}")).await;
    assert_eq!(bundle["total"], 2, "nothing written by the refused ones");

    // Scopes before the body; the API client is audited as the form's user is.
    let reader = api(&t, "system/Encounter.read system/Patient.*").await;
    assert_eq!(reader.post("Encounter", &absence).await.0, 403);
    assert_eq!(reader.post("Encounter", &new_stay).await.0, 403);
    let actions = t.audit_actions(&id).await;
    assert_eq!(count(&actions, "absence.create"), 1, "{actions:?}");
    let meta: Value = reqwest::get(t.url("/fhir/metadata")).await.unwrap().json().await.unwrap();
    for kind in ["Encounter", "Consent", "CarePlan", "Goal"] {
        let r = meta["rest"][0]["resource"].as_array().unwrap().iter().find(|r| r["type"] == kind).unwrap();
        assert!(r["interaction"].as_array().unwrap().iter().any(|i| i["code"] == "create"), "{kind} lists create: {r}");
    }
}

async fn fhir_care_plan_and_goal_create_read_back(t: TestApp) {
    let id = resident(&t, "FHIRPROJET").await;
    let other = resident(&t, "FHIRAUTRE").await;
    let c = api(&t, "system/CarePlan.* system/Goal.*").await;
    let plan = json!({
        "resourceType": "CarePlan",
        "status": "draft",
        "intent": "plan",
        "subject": { "reference": format!("Patient/{id}") },
        "description": "Aide à la marche\nSurveillance de l'alimentation",
        "period": { "end": day(180) },
        "contained": [
            { "resourceType": "Goal", "id": "personne", "lifecycleStatus": "proposed",
              "category": [{ "coding": [{ "system": "urn:relais:goal-category", "code": "attente" }] }],
              "description": { "text": "Je veux continuer à aller au jardin" },
              "subject": { "reference": format!("Patient/{id}") },
              "expressedBy": { "reference": format!("Patient/{id}") } },
            { "resourceType": "Goal", "id": "proches", "lifecycleStatus": "proposed",
              "category": [{ "coding": [{ "system": "urn:relais:goal-category", "code": "attente" }] }],
              "description": { "text": "Sa fille souhaite qu'elle mange mieux" },
              "subject": { "reference": format!("Patient/{id}") },
              "expressedBy": { "display": "Proches" } }
        ],
        "goal": [{ "reference": "#personne" }, { "reference": "#proches" }]
    });
    let (s, location, created) = c.post("CarePlan", &plan).await;
    assert_eq!(s, 201, "{created}");
    let plan_id = created["id"].as_str().unwrap().to_string();
    assert_eq!(created["status"], "draft");
    assert_eq!(created["description"], "Aide à la marche\nSurveillance de l'alimentation");
    assert_eq!(created["period"]["end"], day(180).as_str());
    assert_eq!(created["goal"].as_array().unwrap().len(), 2, "{created}");
    let (s, read) = c.get(&location.expect("Location")).await;
    assert_eq!(s, 200);
    assert_eq!(read, created, "the created CarePlan reads back identically");
    let (s, expectation) = c.get(&format!("/fhir/Goal/{plan_id}-attente-personne")).await;
    assert_eq!(s, 200);
    assert_eq!(expectation["description"]["text"], "Je veux continuer à aller au jardin");
    assert_eq!(expectation["expressedBy"]["reference"], format!("Patient/{id}"));
    let (_, bundle) = c.get(&format!("/fhir/CarePlan?patient={id}")).await;
    assert_eq!(bundle["total"], 1);
    // One plan not closed at a time; a past review date is refused by element.
    let (s, _, oo) = c.post("CarePlan", &plan).await;
    assert_eq!(s, 422, "{oo}");
    assert!(oo["issue"][0]["diagnostics"].as_str().unwrap().contains("plan-open"), "{oo}");
    let mut past = plan.clone();
    past["subject"] = json!({ "reference": format!("Patient/{other}") });
    past["period"] = json!({ "end": day(-1) });
    let (s, _, oo) = c.post("CarePlan", &past).await;
    assert_eq!((s, expression(&oo)), (422, "CarePlan.period.end"), "{oo}");
    let (_, bundle) = c.get(&format!("/fhir/CarePlan?patient={other}")).await;
    assert_eq!(bundle["total"], 0, "nothing written for the refused plan");

    // An objective added to the working version, with its referent, deadline and indicators.
    let nurse = t.account("infirmier").await.to_string();
    let goal = json!({
        "resourceType": "Goal",
        "extension": [{
            "url": "https://interop.esante.gouv.fr/ig/fhir/tddui/StructureDefinition/tddui-careplan-reference",
            "valueReference": { "reference": format!("CarePlan/{plan_id}") }
        }],
        "lifecycleStatus": "proposed",
        "category": [{ "coding": [{ "system": "urn:relais:goal-category", "code": "objectif" }] }],
        "description": { "text": "Marcher jusqu'au jardin" },
        "subject": { "reference": format!("Patient/{id}") },
        "target": [{ "dueDate": day(90), "detailString": "Trois sorties par semaine" }],
        "expressedBy": { "identifier": { "system": "urn:relais:account", "value": nurse } }
    });
    let (s, location, created) = c.post("Goal", &goal).await;
    assert_eq!(s, 201, "{created}");
    assert_eq!(created["description"]["text"], "Marcher jusqu'au jardin");
    assert_eq!(created["target"][0]["dueDate"], day(90).as_str());
    assert_eq!(created["target"][0]["detailString"], "Trois sorties par semaine");
    assert_eq!(created["expressedBy"]["identifier"]["value"], nurse.as_str());
    assert_eq!(created["extension"][0]["valueReference"]["reference"], format!("CarePlan/{plan_id}"));
    assert_eq!(created["lifecycleStatus"], "proposed");
    let (s, read) = c.get(&location.expect("Location")).await;
    assert_eq!(s, 200);
    assert_eq!(read, created, "the created Goal reads back identically");
    let (_, goals) = c.get(&format!("/fhir/Goal?patient={id}")).await;
    assert_eq!(goals["total"], 3, "two expectations and the objective: {goals}");
    let (_, cp) = c.get(&format!("/fhir/CarePlan/{plan_id}")).await;
    assert!(
        cp["goal"]
            .as_array()
            .unwrap()
            .iter()
            .any(|g| g["reference"] == format!("Goal/{}", created["id"].as_str().unwrap()))
    );

    // Bad objectives: by element, nothing written.
    let mut untitled = goal.clone();
    untitled["description"] = json!({ "text": "  " });
    let (s, _, oo) = c.post("Goal", &untitled).await;
    assert_eq!((s, expression(&oo)), (422, "Goal.description"), "{oo}");
    let mut stranger_referent = goal.clone();
    stranger_referent["expressedBy"]["identifier"]["value"] = json!(t.account("educateur").await.to_string());
    let (s, _, oo) = c.post("Goal", &stranger_referent).await;
    assert_eq!((s, expression(&oo)), (422, "Goal.expressedBy"), "{oo}");
    let mut wrong_subject = goal.clone();
    wrong_subject["subject"] = json!({ "reference": format!("Patient/{other}") });
    let (s, _, oo) = c.post("Goal", &wrong_subject).await;
    assert_eq!((s, expression(&oo)), (422, "Goal.subject"), "{oo}");
    let mut no_plan = goal.clone();
    no_plan["extension"][0]["valueReference"]["reference"] = json!("CarePlan/01900000-0000-7000-8000-000000000000");
    let (s, _, oo) = c.post("Goal", &no_plan).await;
    assert_eq!((s, expression(&oo)), (422, "Goal.extension"), "{oo}");
    let (_, goals) = c.get(&format!("/fhir/Goal?patient={id}")).await;
    assert_eq!(goals["total"], 3, "nothing written by the refused ones");

    // Scopes before the body: each resource needs its own write scope.
    let reader = api(&t, "system/CarePlan.read system/Goal.read").await;
    assert_eq!(reader.post("CarePlan", &plan).await.0, 403);
    assert_eq!(reader.post("Goal", &untitled).await.0, 403);
    let plans_only = api(&t, "system/CarePlan.*").await;
    assert_eq!(plans_only.post("Goal", &goal).await.0, 403);
    let actions = t.audit_actions(&id).await;
    assert_eq!(count(&actions, "support_plan.create"), 1, "{actions:?}");
    assert_eq!(count(&actions, "support_plan.update"), 1, "{actions:?}");
}

type Form<'a> = Vec<(&'a str, &'a str)>;

/// Posts a valid then an invalid form as `b`: both refused alike (403 or 404), without the
/// validation's messages.
async fn refused_alike(b: &relais_testkit::Browser, path: &str, valid: &Form<'_>, invalid: &Form<'_>) {
    let answer = b.post(path, valid).await.status().as_u16();
    assert!(answer == 403 || answer == 404, "{path}: a valid form is refused ({answer})");
    let res = b.post(path, invalid).await;
    let status = res.status().as_u16();
    assert_eq!(status, answer, "{path}: an invalid form answers as a valid one, not with its errors");
    let body = res.text().await.unwrap_or_default();
    assert!(!body.contains("obligatoire") && !body.contains("invalide"), "{path}: {body}");
}

/// A person of the EHPAD and a secretary of the IME: whatever the IME secretary posts about
/// that person, valid or not, answers as for a valid form (the person is out of their scope),
/// never with the validation errors of what they typed; nothing is written.
async fn forms_check_access_before_validating(t: TestApp) {
    let id = resident(&t, "ETRANGER").await;
    let c = api(&t, "system/Encounter.read").await;
    let (_, bundle) = c.get(&format!("/fhir/Encounter?patient={id}")).await;
    let stay = bundle["entry"][0]["resource"]["id"].as_str().unwrap().to_string();
    let stranger = t.login("secretariat.ime").await;
    let today = crate::today();
    let ime = format!("{}:", t.fixture.ime);
    let forms: Vec<(String, Form, Form)> = vec![
        (
            format!("/persons/{id}/relatives/consents"),
            vec![("purpose", "dmp"), ("consent_status", "given"), ("decided_on", &today), ("decided_by", "person")],
            vec![("purpose", "nonsense"), ("consent_status", ""), ("decided_on", "31/02/2026")],
        ),
        (
            format!("/persons/{id}/relatives/protections"),
            vec![
                ("measure", "curatelle_simple"),
                ("protection_scope", "both"),
                ("start_on", &today),
                ("mandatary_name", "X"),
            ],
            vec![("measure", ""), ("start_on", "hier")],
        ),
        (
            format!("/persons/{id}/administrative/benefits"),
            vec![("benefit_kind", "apa"), ("amount", "120,50"), ("periodicity", "monthly"), ("benefit_start", &today)],
            vec![("benefit_kind", "nonsense"), ("amount", "beaucoup")],
        ),
        (
            format!("/persons/{id}/stays/{stay}/absences"),
            vec![("absence_kind", "holidays"), ("absence_start", &today)],
            vec![("absence_kind", ""), ("absence_start", "demain")],
        ),
        (format!("/persons/{id}/support-plans"), vec![], vec![("review_due", "01/01/2000")]),
        (
            format!("/persons/{id}/admissions"),
            vec![
                ("request_target", &ime),
                ("request_mode", "permanent"),
                ("source", "direct"),
                ("received_on", &today),
            ],
            vec![("request_target", &ime), ("request_mode", ""), ("received_on", "hier")],
        ),
    ];
    for (path, valid, invalid) in &forms {
        refused_alike(&stranger, path, valid, invalid).await;
    }
    // A care aide of the unit reads the person's consents but writes none of the administrative
    // forms (she records absences and takes part in the plan): refused, and not shown the errors
    // of the form as if she might correct them.
    let aide = t.login("aide.nord").await;
    for (path, valid, invalid) in
        forms.iter().filter(|f| !f.0.ends_with("/absences") && !f.0.ends_with("/support-plans"))
    {
        refused_alike(&aide, path, valid, invalid).await;
    }
    let (_, page) = aide.text(&format!("/persons/{id}/relatives")).await;
    assert!(page.contains("Consentements"), "the care aide reads the consents: {page}");
    // Identity forms: the stranger, and the care aide who sees the identity but may not edit it.
    let identity: Vec<(String, Form, Form)> = vec![
        (
            format!("/persons/{id}/evidence"),
            vec![("kind", "CNI"), ("number", "X4RTBPFW4"), ("expires_on", "01/01/2031")],
            vec![("kind", "nonsense"), ("number", "?"), ("expires_on", "hier")],
        ),
        (
            format!("/persons/{id}/identity/attributes"),
            vec![("attribute", "DOUT"), ("set", "on"), ("reason", "deux dates de naissance déclarées")],
            vec![("attribute", "nonsense"), ("set", "on"), ("reason", "")],
        ),
    ];
    for (path, valid, invalid) in &identity {
        refused_alike(&stranger, path, valid, invalid).await;
        refused_alike(&aide, path, valid, invalid).await;
    }
    // An appointment and a document: the stranger, and the identity referent who reads the
    // administrative file but writes nothing of the record.
    let referent = t.login("referent").await;
    let plan = format!("/persons/{id}/appointments");
    let valid: Form = vec![
        ("title", "Dentiste"),
        ("date", "15/03/2027"),
        ("start", "10:00"),
        ("end", "10:45"),
        ("transport", "none"),
        ("repeat", "once"),
    ];
    let invalid: Form = vec![("title", ""), ("date", "31/02/2027"), ("start", "25:00"), ("repeat", "nonsense")];
    for b in [&stranger, &referent] {
        refused_alike(b, &plan, &valid, &invalid).await;
    }
    let documents = format!("/persons/{id}/documents");
    let pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n".to_vec();
    let valid =
        [("doc_title", "Lettre"), ("type_code", "88348-8"), ("date", "02/11/2026"), ("category", "administrative")];
    let invalid = [("doc_title", ""), ("type_code", "nonsense"), ("date", "hier"), ("category", "nonsense")];
    for b in [&stranger, &referent] {
        let answer = b.post_file(&documents, &valid, ("l.pdf", "application/pdf", pdf.clone())).await.status();
        assert!(answer == 403 || answer == 404, "a valid document is refused ({answer})");
        let res = b.post_file(&documents, &invalid, ("virus.pdf", "application/pdf", b"MZ\x90\x00".to_vec())).await;
        assert_eq!(res.status(), answer, "an invalid document answers as a valid one");
        let body = res.text().await.unwrap_or_default();
        assert!(!body.contains("obligatoire") && !body.contains("inconnu"), "{body}");
    }
    let actions = t.audit_actions(&id).await;
    for written in
        ["consent.create", "relatives.protection.create", "adminfile.benefit", "absence.create", "support_plan.create"]
            .into_iter()
            .chain(["person.identity.evidence", "person.identity.attribute", "appointment.create", "document.create"])
    {
        assert_eq!(count(&actions, written), 0, "{written}: {actions:?}");
    }
}
