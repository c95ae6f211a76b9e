//! Relatives, legal protection and consents: the personne de confiance replaced, bad contact
//! details refused, a curatelle on the summary, consents in force and flagged, access, audit, and
//! FHIR RelatedPerson and Consent.

use crate::{both_engines, resident, today};
use relais_testkit::{Browser, TestApp};
use serde_json::{Value, json};

fn contact<'a>(family: &'a str, roles: &[&'a str], phone: &'a str) -> Vec<(&'a str, &'a str)> {
    let mut f = vec![
        ("family_name", family),
        ("given_name", "Marie"),
        ("relationship", "child"),
        ("phone", phone),
        ("sharing", "health"),
        ("sharing", "administrative"),
    ];
    f.extend(roles.iter().map(|r| ("roles", *r)));
    f
}

async fn add(b: &Browser, person: &str, fields: &[(&str, &str)]) -> reqwest::Response {
    b.post(&format!("/persons/{person}/relatives/contacts"), fields).await
}

/// The lineage id of the contact whose card is titled `name` on the relatives page.
fn lineage_of(page: &str, name: &str) -> String {
    let at = page.find(&format!("aria-label=\"{name}\"")).unwrap_or_else(|| panic!("{name} listed: {page}"));
    relais_testkit::extract(&page[at..], "href=\"/contacts/").expect("contact link")
}

both_engines!(a_new_trusted_person_ends_the_previous_one);

async fn a_new_trusted_person_ends_the_previous_one(t: TestApp) {
    let id = resident(&t, "CONFIANCE").await;
    let sec = t.login("secretariat").await;
    let res = add(&sec, &id, &contact("DURAND", &["family", "trusted"], "06 12 34 56 78")).await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap_or_default());
    let (_, page) = sec.text(&format!("/persons/{id}")).await;
    assert!(page.contains("Marie DURAND (enfant) — 06 12 34 56 78"), "{page}");

    let res = add(&sec, &id, &contact("MARTIN", &["trusted", "carer"], "+33 1 45 67 89 10")).await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap_or_default());
    let (_, page) = sec.text(&format!("/persons/{id}")).await;
    assert!(page.contains("Marie MARTIN (enfant) — 01 45 67 89 10"), "the new one is on the summary: {page}");
    assert!(!page.contains("Marie DURAND (enfant)"));

    let (status, page) = sec.text(&format!("/persons/{id}/relatives")).await;
    assert_eq!(status, 200);
    assert_eq!(page.matches("<span class=\"tag\">Personne de confiance</span>").count(), 1, "{page}");
    assert!(page.contains(&format!("Personne de confiance jusqu&#39;au {}", today())), "{page}");
    // The previous designation is kept in the contact's history, not overwritten.
    let durand = lineage_of(&page, "Marie DURAND");
    let (status, history) = sec.text(&format!("/contacts/{durand}")).await;
    assert_eq!(status, 200);
    assert!(history.contains("Version 2") && history.contains("Version 1"), "{history}");
    assert!(history.contains("remplacé(e) comme personne de confiance"), "{history}");

    // A correction is a new version; a stale form writes nothing.
    let martin = lineage_of(&page, "Marie MARTIN");
    let (_, card) = sec.text(&format!("/contacts/{martin}")).await;
    let expected = relais_testkit::extract(&card, "name=\"expected\" value=\"").expect("version id");
    let mut fix = contact("MARTIN", &["trusted", "carer"], "06 98 76 54 32");
    fix.push(("expected", &expected));
    let res = sec.post(&format!("/contacts/{martin}"), &fix).await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap_or_default());
    let res = sec.post(&format!("/contacts/{martin}"), &fix).await;
    assert_eq!(res.status(), 409, "the form was drawn from a replaced version");
    let (_, card) = sec.text(&format!("/contacts/{martin}")).await;
    assert!(card.contains("06 98 76 54 32") && card.contains("01 45 67 89 10"), "both versions shown");

    let actions = t.audit_actions(&id).await;
    for a in ["relatives.contact.create", "relatives.trusted.end", "relatives.contact.correct", "relatives.read"] {
        assert!(actions.iter().any(|x| x == a), "{a} audited: {actions:?}");
    }
}

both_engines!(bad_contact_details_are_refused_in_french_and_nothing_is_written);

async fn bad_contact_details_are_refused_in_french_and_nothing_is_written(t: TestApp) {
    let id = resident(&t, "INVALIDE").await;
    let sec = t.login("secretariat").await;
    let mut f = contact("LEGRAND", &["family"], "06 12 34");
    f.push(("email", "legrand@exemple"));
    let res = add(&sec, &id, &f).await;
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(page.contains("numéro de téléphone invalide"), "{page}");
    assert!(page.contains("adresse électronique invalide"), "{page}");
    assert!(page.contains("value=\"LEGRAND\""), "what was typed is kept");
    // Sharing « nothing » with another choice, and no role: refused too.
    let res = add(
        &sec,
        &id,
        &[
            ("family_name", "LEGRAND"),
            ("relationship", "friend"),
            ("phone", "0612345678"),
            ("sharing", "nothing"),
            ("sharing", "health"),
        ],
    )
    .await;
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(
        page.contains("ne se combine avec aucun autre choix") && page.contains("choisissez au moins un rôle"),
        "{page}"
    );
    let (_, page) = sec.text(&format!("/persons/{id}/relatives")).await;
    assert!(page.contains("Aucun contact enregistré"), "nothing was written");
    assert!(!t.audit_actions(&id).await.iter().any(|a| a == "relatives.contact.create"));
}

both_engines!(a_curatelle_shows_on_the_summary_and_flags_a_consent_by_the_person_alone);

async fn a_curatelle_shows_on_the_summary_and_flags_a_consent_by_the_person_alone(t: TestApp) {
    let id = resident(&t, "CURATELLE").await;
    let sec = t.login("secretariat").await;
    let protection = [
        ("measure", "curatelle_renforcee"),
        ("protection_scope", "both"),
        ("start_on", "01/02/2025"),
        ("review_on", "01/02/2030"),
        ("mandatary_name", "Paul BLANC"),
        ("mandatary_organisation", "UDAF 63"),
        ("court_reference", "TJ Clermont RG 25/123"),
    ];
    // Without a protector: refused.
    let res = sec.post(&format!("/persons/{id}/relatives/protections"), &protection[..3]).await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("désignez le protecteur"));
    let res = sec.post(&format!("/persons/{id}/relatives/protections"), &protection).await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap_or_default());
    let (_, page) = sec.text(&format!("/persons/{id}")).await;
    assert!(
        page.contains("Curatelle renforcée (personne et biens) — protecteur : Paul BLANC (UDAF 63)"),
        "the measure is on the summary: {page}"
    );

    // A consent by the person alone is kept, flagged; then withdrawn: the latest is in force.
    let consent = |status: &'static str, by: String| {
        vec![
            ("purpose", "dmp".to_string()),
            ("consent_status", status.to_string()),
            ("decided_on", today()),
            ("decided_by", by),
        ]
    };
    let post = |fields: Vec<(&'static str, String)>| {
        let sec = &sec;
        let id = &id;
        async move {
            let f: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            sec.post(&format!("/persons/{id}/relatives/consents"), &f).await
        }
    };
    // The signed form, filed in the record, supports the decision.
    let pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n".to_vec();
    let day = today();
    let filed = [
        ("doc_title", "Formulaire DMP signé"),
        ("type_code", "59284-0"),
        ("date", day.as_str()),
        ("category", "administrative"),
    ];
    let res = sec.post_file(&format!("/persons/{id}/documents"), &filed, ("dmp.pdf", "application/pdf", pdf)).await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap_or_default());
    let (_, page) = sec.text(&format!("/persons/{id}/relatives")).await;
    let at = page.find(">Formulaire DMP signé").expect("the document is offered");
    let start = page[..at].rfind("value=\"").expect("its id") + 7;
    let document = page[start..at - 1].to_string();
    let mut given = consent("given", "person".into());
    given.push(("document", "not-a-document".into()));
    let res = post(given.clone()).await;
    assert_eq!(res.status(), 422, "an unknown document is refused");
    given.pop();
    given.push(("document", document.clone()));
    let res = post(given).await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap_or_default());
    let (_, page) = sec.text(&format!("/persons/{id}")).await;
    assert!(
        page.contains(&format!("Alimentation du DMP (Mon espace santé) : <strong>Donné le {}</strong>", today())),
        "{page}"
    );
    assert!(page.contains("à revoir"), "a protected person alone: flagged");

    // The curator as a contact of kind legal representative consents instead.
    let res = add(&sec, &id, &contact("BLANC", &["legal_representative"], "04 73 00 00 00")).await;
    assert_eq!(res.status(), 303);
    let (_, page) = sec.text(&format!("/persons/{id}/relatives")).await;
    let blanc = lineage_of(&page, "Marie BLANC");
    let res = post(consent("withdrawn", blanc.clone())).await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap_or_default());
    let (_, page) = sec.text(&format!("/persons/{id}")).await;
    assert!(
        page.contains(&format!("Alimentation du DMP (Mon espace santé) : <strong>Retiré le {}</strong>", today())),
        "{page}"
    );
    assert!(!page.contains("à revoir"), "the latest decision, by the representative, is in force");
    let (_, page) = sec.text(&format!("/persons/{id}/relatives")).await;
    assert!(page.contains("Historique des décisions") && page.contains("Donné le"), "the history keeps the first");
    // A contact who is not a legal representative may not consent for the person.
    let res = add(&sec, &id, &contact("NOIR", &["family"], "0612345678")).await;
    assert_eq!(res.status(), 303);
    let (_, page) = sec.text(&format!("/persons/{id}/relatives")).await;
    let noir = lineage_of(&page, "Marie NOIR");
    let res = post(consent("given", noir)).await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("seul un représentant légal"));

    // FHIR Consent: both decisions, the latest active-or-not by its status, the first inactive.
    let token = t.api_token("system/Consent.read").await;
    let c = reqwest::Client::new();
    let b: Value = c
        .get(t.url(&format!("/fhir/Consent?patient={id}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(b["total"], 2, "{b}");
    let latest = &b["entry"][0]["resource"];
    assert_eq!(latest["status"], "inactive");
    assert_eq!(latest["provision"]["type"], "deny");
    assert_eq!(latest["performer"][0]["reference"], format!("RelatedPerson/{blanc}"));
    let first = &b["entry"][1]["resource"];
    assert_eq!(first["performer"][0]["reference"], format!("Patient/{id}"));
    assert_eq!(first["extension"][0]["valueBoolean"], true, "flagged for review");
    assert_eq!(first["sourceReference"]["reference"], format!("DocumentReference/{document}"));
    let kid = first["id"].as_str().unwrap();
    let r = c.get(t.url(&format!("/fhir/Consent/{kid}"))).bearer_auth(&token).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let read: Value = r.json().await.unwrap();
    assert_eq!(read["status"], "inactive", "replaced by the withdrawal");
    assert_eq!(read["provision"]["type"], "permit");
    let other_scope = t.api_token("system/Patient.read").await;
    let r = c.get(t.url(&format!("/fhir/Consent?patient={id}"))).bearer_auth(&other_scope).send().await.unwrap();
    assert_eq!(r.status(), 403);

    let mut conn = t.app.store.read().await.unwrap();
    let events =
        relais_app::store::audit::for_person(&mut conn, t.fixture.org, id.parse().unwrap(), 200).await.unwrap();
    let flagged = events.iter().find(|e| {
        e.action == "consent.create" && e.detail.as_deref() == Some("dmp given, to review: protected person alone")
    });
    assert!(flagged.is_some(), "{:?}", events.iter().map(|e| (&e.action, &e.detail)).collect::<Vec<_>>());
    assert!(events.iter().any(|e| e.action == "relatives.protection.create"));
    assert!(events.iter().any(|e| e.action == "consent.search"));
}

both_engines!(relatives_are_read_only_by_those_allowed);

async fn relatives_are_read_only_by_those_allowed(t: TestApp) {
    let id = resident(&t, "ACCES").await;
    let sec = t.login("secretariat").await;
    assert_eq!(add(&sec, &id, &contact("DURAND", &["trusted"], "0612345678")).await.status(), 303);
    // An educator of another establishment: as if the person did not exist.
    let edu = t.login("educateur").await;
    assert_eq!(edu.get(&format!("/persons/{id}/relatives")).await.status(), 404);
    assert_eq!(add(&edu, &id, &contact("X", &["family"], "0612345678")).await.status(), 404);
    // The DPO sees the identity but no administrative data: refused, and not on the summary.
    let dpo = t.login("dpo").await;
    assert_eq!(dpo.get(&format!("/persons/{id}/relatives")).await.status(), 403);
    // A care aide reads but may not write.
    let aide = t.login("aide.nord").await;
    let (status, page) = aide.text(&format!("/persons/{id}/relatives")).await;
    assert_eq!(status, 200);
    assert!(page.contains("Marie DURAND") && !page.contains("Ajouter un contact"));
    assert_eq!(add(&aide, &id, &contact("X", &["family"], "0612345678")).await.status(), 403);
    let (_, page) = sec.text(&format!("/persons/{id}/relatives")).await;
    assert!(!page.contains("aria-label=\"Marie X\""), "nothing written by the refusals");
}

both_engines!(fhir_related_person_create_read_search);

async fn fhir_related_person_create_read_search(t: TestApp) {
    let id = resident(&t, "FHIRPROCHE").await;
    let token = t.api_token("system/RelatedPerson.*").await;
    let c = reqwest::Client::new();
    let body = json!({
        "resourceType": "RelatedPerson",
        "patient": { "reference": format!("Patient/{id}") },
        "relationship": [
            { "coding": [{ "system": "https://mos.esante.gouv.fr/NOS/TRE_R260-HL7RoleClass/FHIR/TRE-R260-HL7RoleClass", "code": "NOK" }] },
            { "coding": [{ "system": "https://mos.esante.gouv.fr/NOS/TRE_R216-HL7RoleCode/FHIR/TRE-R216-HL7RoleCode", "code": "SPS" }] }
        ],
        "name": [{ "family": "ROUX", "given": ["Louis"] }],
        "telecom": [{ "system": "phone", "value": "+33612345678" }, { "system": "email", "value": "louis.roux@exemple.fr" }],
        "extension": [{ "url": "urn:relais:fhir:related-person-sharing", "valueCode": "health" }]
    });
    let post = |b: Value| {
        let c = c.clone();
        let token = token.clone();
        let url = t.url("/fhir/RelatedPerson");
        async move {
            c.post(url)
                .bearer_auth(token)
                .header("content-type", "application/fhir+json")
                .body(b.to_string())
                .send()
                .await
                .unwrap()
        }
    };
    let r = post(body.clone()).await;
    assert_eq!(r.status(), 201);
    let location = r.headers().get("location").unwrap().to_str().unwrap().to_string();
    let created: Value = r.json().await.unwrap();
    assert_eq!(created["relationship"][0]["coding"][0]["code"], "NOK");
    assert_eq!(created["telecom"][0]["value"], "+33612345678");
    let r = c.get(t.url(&location)).bearer_auth(&token).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let read: Value = r.json().await.unwrap();
    assert_eq!(read["name"][0]["family"], "ROUX");
    assert_eq!(read["patient"]["reference"], format!("Patient/{id}"));
    let b: Value = c
        .get(t.url(&format!("/fhir/RelatedPerson?patient={id}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(b["total"], 1);

    // A bad phone: 422 naming the element, nothing written.
    let mut bad = body.clone();
    bad["telecom"] = json!([{ "system": "phone", "value": "12" }]);
    let r = post(bad).await;
    assert_eq!(r.status(), 422);
    let oo: Value = r.json().await.unwrap();
    assert_eq!(oo["issue"][0]["expression"][0], "RelatedPerson.telecom");
    assert!(oo["issue"][0]["diagnostics"].as_str().unwrap().contains("numéro de téléphone invalide"));
    // A second personne de confiance by the API ends the first one too.
    let mut second = body.clone();
    second["name"] = json!([{ "family": "ROUX", "given": ["Anne"] }]);
    assert_eq!(post(second).await.status(), 201);
    let b: Value = c
        .get(t.url(&format!("/fhir/RelatedPerson?patient={id}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(b["total"], 2);
    let trusted = b["entry"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["resource"]["relationship"][0]["coding"][0]["code"] == "NOK")
        .count();
    assert_eq!(trusted, 1, "{b}");

    // Scopes: a Patient-only token may not read nor create contacts.
    let patient_only = t.api_token("system/Patient.read").await;
    let r = c.get(t.url(&location)).bearer_auth(&patient_only).send().await.unwrap();
    assert_eq!(r.status(), 403);
    let read_only = t.api_token("system/RelatedPerson.read").await;
    let r = c
        .post(t.url("/fhir/RelatedPerson"))
        .bearer_auth(&read_only)
        .header("content-type", "application/fhir+json")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let meta: Value = c.get(t.url("/fhir/metadata")).send().await.unwrap().json().await.unwrap();
    let types: Vec<&str> =
        meta["rest"][0]["resource"].as_array().unwrap().iter().filter_map(|r| r["type"].as_str()).collect();
    assert!(types.contains(&"RelatedPerson") && types.contains(&"Consent"));
    let actions = t.audit_actions(&id).await;
    assert!(
        actions.iter().any(|a| a == "relatives.contact.read")
            && actions.iter().any(|a| a == "relatives.contact.search")
    );
}

both_engines!(relatives_follow_a_merge_and_the_archival_rule);

async fn relatives_follow_a_merge_and_the_archival_rule(t: TestApp) {
    use relais_app::admin::AdminBy;
    let kept = resident(&t, "GARDEE").await;
    let alias = resident(&t, "DOUBLON").await;
    let sec = t.login("secretariat").await;
    assert_eq!(add(&sec, &alias, &contact("DUPRE", &["trusted"], "0612345678")).await.status(), 303);
    assert_eq!(add(&sec, &kept, &contact("LEBRUN", &["trusted"], "0698765432")).await.status(), 303);
    let consent = [("purpose", "image_rights"), ("consent_status", "refused"), ("decided_on", "02/11/2026")];
    assert_eq!(sec.post(&format!("/persons/{alias}/relatives/consents"), &consent).await.status(), 303);

    let referent = t.login("referent").await;
    let res = referent
        .post(&format!("/persons/{kept}/merge"), &[("merged", alias.as_str()), ("reason", "même personne, CNI vue")])
        .await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap_or_default());
    let (_, page) = sec.text(&format!("/persons/{kept}/relatives")).await;
    assert!(page.contains("aria-label=\"Marie DUPRE\"") && page.contains("Droit à l&#39;image"), "moved: {page}");
    // Each record had its personne de confiance: the merged one has two, and says so.
    assert!(page.contains("Plusieurs personnes de confiance sont désignées"), "{page}");
    let (_, summary) = sec.text(&format!("/persons/{kept}")).await;
    assert!(summary.contains("Plusieurs personnes de confiance désignées"), "{summary}");
    let res = referent.post(&format!("/persons/{alias}/unmerge"), &[("reason", "deux personnes")]).await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap_or_default());
    let (_, page) = sec.text(&format!("/persons/{kept}/relatives")).await;
    assert!(!page.contains("Marie DUPRE"), "back with the alias: {page}");
    assert!(!page.contains("Plusieurs personnes de confiance"), "one again after the unmerge: {page}");
    let (_, page) = sec.text(&format!("/persons/{alias}/relatives")).await;
    assert!(page.contains("aria-label=\"Marie DUPRE\""), "{page}");

    // Ten years after the discharge, the archival rule purges them with the rest of the record.
    let (_, page) = sec.text(&format!("/persons/{alias}")).await;
    let stay = page.split("/stays/").nth(1).unwrap().split('/').next().unwrap().to_string();
    let discharge = [("end", today()), ("reason", "return_home".to_string())];
    let discharge: Vec<(&str, &str)> = discharge.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(sec.post(&format!("/persons/{alias}/stays/{stay}/discharge"), &discharge).await.status(), 303);
    let protection = [("measure", "sauvegarde_justice"), ("protection_scope", "both"), ("start_on", "01/10/2026")];
    assert_eq!(sec.post(&format!("/persons/{alias}/relatives/protections"), &protection).await.status(), 303);
    t.clock.advance(jiff::SignedDuration::from_hours(24 * 366 * 10 + 48));
    let done = t.app.archive_records(AdminBy::CommandLine, t.fixture.org, 10, true).await.unwrap();
    assert_eq!(done.persons.len(), 1);
    let mut conn = t.app.store.read().await.unwrap();
    for table in ["person_contact", "person_consent", "legal_protection"] {
        let n: i64 = sqlx::Row::try_get(
            &sqlx::query(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table} WHERE person_id = $1")))
                .bind(&alias)
                .fetch_one(&mut *conn)
                .await
                .unwrap(),
            0,
        )
        .unwrap();
        assert_eq!(n, 0, "{table} purged");
    }
}
