//! Identity vigilance: INSi retrieval against the local INSi peer, RNIV statuses, locked traits,
//! attributes, duplicates at registration, FHIR `$match`, the referent's queue.

use crate::both_engines;
use relais_testkit::{Browser, TestApp, extract};
use serde_json::{Value, json};

both_engines!(
    insi_retrieval_then_evidence_qualifies,
    insi_mismatch_is_refused_and_queued,
    insi_not_found_and_several,
    attributes_block_and_drop_the_status,
    duplicates_are_shown_before_registration,
    fhir_match_scores_candidates,
    merge_moves_the_record_and_unmerge_restores_both,
    an_ins_already_held_is_not_recorded_twice,
);

/// Registers through the form; returns the id, or panics with the page.
async fn register_as(b: &Browser, t: &TestApp, fields: &[(&str, &str)]) -> String {
    let mut all = vec![("establishment", t.fixture.ehpad.to_string())];
    all.extend(fields.iter().map(|(k, v)| (*k, v.to_string())));
    let refs: Vec<(&str, &str)> = all.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let res = b.post("/persons", &refs).await;
    assert_eq!(res.status(), 303, "register: {}", res.text().await.unwrap_or_default());
    let loc = res.headers()["location"].to_str().unwrap().to_string();
    loc.trim_start_matches("/persons/").split('?').next().unwrap().to_string()
}

fn tchitchi<'a>(first_names: &'a str, birthplace: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("birth_name", "Tchitchi"),
        ("first_names", first_names),
        ("birth_date", "21/06/1936"),
        ("sex", "F"),
        ("birthplace", birthplace),
    ]
}

/// The id of the INSi answer waiting on the identity page.
fn pending_call(page: &str, person: &str) -> String {
    extract(page, &format!("/persons/{person}/insi/"))
        .map(|s| s.split('/').next().unwrap().to_string())
        .unwrap_or_else(|| panic!("no INSi answer to decide on: {page}"))
}

async fn fhir_patient(t: &TestApp, token: &str, id: &str) -> Value {
    let r = reqwest::Client::new().get(t.url(&format!("/fhir/Patient/{id}"))).bearer_auth(token).send().await.unwrap();
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

async fn insi_retrieval_then_evidence_qualifies(t: TestApp) {
    let sec = t.login("secretariat").await;
    let id = register_as(&sec, &t, &tchitchi("Catarina", "")).await;
    let (s, page) = sec.text(&format!("/persons/{id}/identity")).await;
    assert_eq!(s, 200);
    assert!(page.contains("Identité provisoire") && page.contains("Interroger INSi"), "{page}");

    let res = sec.post(&format!("/persons/{id}/insi"), &[]).await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
    let (_, page) = sec.text(&format!("/persons/{id}/identity")).await;
    assert!(page.contains("Réponse INSi à examiner"), "{page}");
    assert!(page.contains("CATARINA BELLA"), "INSi returns the full list of first names: {page}");
    let call = pending_call(&page, &id);

    let res = sec.post(&format!("/persons/{id}/insi/{call}/accept"), &[]).await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
    let (_, page) = sec.text(&format!("/persons/{id}/identity")).await;
    assert!(page.contains("Identité récupérée"), "{page}");
    assert!(!page.contains("236066322083656"), "no INS shown below qualification");
    let token = t.api_token("system/Patient.read").await;
    let p = fhir_patient(&t, &token, &id).await;
    assert_eq!(p["extension"][0]["extension"][0]["valueCoding"]["code"], "RECUP");
    assert!(!p.to_string().contains("236066322083656"), "no INS in FHIR below qualification: {p}");
    assert_eq!(
        p["name"][0]["extension"][0]["valueString"], "CATARINA BELLA",
        "traits from INSi replace the typed ones"
    );
    // A decided answer cannot be accepted twice.
    assert_eq!(sec.post(&format!("/persons/{id}/insi/{call}/accept"), &[]).await.status(), 409);

    let res = sec
        .post(
            &format!("/persons/{id}/evidence"),
            &[("kind", "CNI"), ("number", "X4RTBPFW4"), ("expires_on", "01/01/2031")],
        )
        .await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
    let (_, page) = sec.text(&format!("/persons/{id}/identity")).await;
    assert!(page.contains("Identité qualifiée") && page.contains("236066322083656"), "{page}");
    assert!(page.contains("n° X4RTBPFW4"), "{page}");
    let p = fhir_patient(&t, &token, &id).await;
    // CNDA answers carry the production OID, as the peer does.
    assert_eq!(p["identifier"][1]["system"], "urn:oid:1.2.250.1.213.1.4.8", "{p}");
    assert_eq!(p["identifier"][1]["value"], "236066322083656");

    // A strict trait INSi gave is locked: changing it needs a reason and drops the status.
    let change = [
        ("birth_name", "TCHITCHI"),
        ("first_names", "CATARINA"),
        ("birth_date", "21/06/1936"),
        ("sex", "F"),
        ("birthplace", "63220"),
        ("used_name", ""),
        ("used_first_name", ""),
    ];
    let res = sec.post(&format!("/persons/{id}/identity"), &change).await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("motif"));
    let mut with_reason = change.to_vec();
    with_reason.push(("reason", "erreur de saisie signalée par la famille"));
    assert_eq!(sec.post(&format!("/persons/{id}/identity"), &with_reason).await.status(), 303);
    let p = fhir_patient(&t, &token, &id).await;
    assert_eq!(p["extension"][0]["extension"][0]["valueCoding"]["code"], "PROV");
    assert!(!p.to_string().contains("236066322083656"));
    let (_, page) = sec.text(&format!("/persons/{id}/identity")).await;
    assert!(page.contains("erreur de saisie signalée par la famille"), "the change is kept with its reason");

    let events = t.audit_actions(&id).await;
    for action in
        ["person.identity.insi", "person.identity.insi.accept", "person.identity.evidence", "person.identity.edit"]
    {
        assert!(events.iter().any(|a| a == action), "{action} audited: {events:?}");
    }
}

async fn insi_mismatch_is_refused_and_queued(t: TestApp) {
    let sec = t.login("secretariat").await;
    // Born in Paris says the file; INSi knows the person born in 63220.
    let id = register_as(&sec, &t, &tchitchi("Catarina", "75056")).await;
    assert_eq!(sec.post(&format!("/persons/{id}/insi"), &[]).await.status(), 303);
    let (_, page) = sec.text(&format!("/persons/{id}/identity")).await;
    assert!(page.contains("ne concordent pas"), "{page}");
    let call = pending_call(&page, &id);
    let res = sec.post(&format!("/persons/{id}/insi/{call}/accept"), &[]).await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("lieu de naissance"));

    let referent = t.login("referent").await;
    let (s, queue) = referent.text("/identity/queue").await;
    assert_eq!(s, 200);
    assert!(queue.contains(&format!("/persons/{id}/identity")) && queue.contains("Lieu de naissance"), "{queue}");
    // Others have no queue.
    assert_eq!(t.login("infirmier").await.get("/identity/queue").await.status(), 403);

    let res = referent.post(&format!("/persons/{id}/insi/{call}/reject"), &[("reason", "")]).await;
    assert_eq!(res.status(), 422, "a refusal needs a reason");
    let res = referent
        .post(&format!("/persons/{id}/insi/{call}/reject"), &[("reason", "lieu de naissance à vérifier sur la CNI")])
        .await;
    assert_eq!(res.status(), 303);
    let (_, queue) = referent.text("/identity/queue").await;
    assert!(!queue.contains("Lieu de naissance (code INSEE)"), "{queue}");
}

async fn insi_not_found_and_several(t: TestApp) {
    let sec = t.login("secretariat").await;
    let id = register_as(&sec, &t, &tchitchi("Ola", "")).await;
    assert_eq!(sec.post(&format!("/persons/{id}/insi"), &[]).await.status(), 303);
    let (_, page) = sec.text(&format!("/persons/{id}/identity")).await;
    assert!(page.contains("aucune identité trouvée"), "{page}");
    assert!(!page.contains("Réponse INSi à examiner"));
    // Bad input is refused with its reason and writes nothing.
    let res = sec
        .post(&format!("/persons/{id}/evidence"), &[("kind", "CNI"), ("number", "AB-12/34 ?"), ("expires_on", "")])
        .await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("lettres et chiffres"));
    let bad_date = [
        ("birth_name", "TCHITCHI"),
        ("first_names", "OLA"),
        ("birth_date", "31/02/1936"),
        ("sex", "F"),
        ("birthplace", ""),
        ("reason", "essai"),
    ];
    let res = sec.post(&format!("/persons/{id}/identity"), &bad_date).await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("existe pas dans le calendrier"));
    let (_, page) = sec.text(&format!("/persons/{id}/identity")).await;
    assert!(page.contains("Aucun justificatif contrôlé") && page.contains("21/06/1936"), "{page}");
    assert!(!page.contains("Historique de l'identité"), "no change was kept: {page}");
    // An identity of undetermined sex is not sent to INSi.
    let id = register_as(
        &sec,
        &t,
        &[("birth_name", "Martin"), ("first_names", "Camille"), ("birth_date", "01/02/2020"), ("sex", "I")],
    )
    .await;
    let res = sec.post(&format!("/persons/{id}/insi"), &[]).await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("féminin et masculin"));
}

async fn attributes_block_and_drop_the_status(t: TestApp) {
    let sec = t.login("secretariat").await;
    let id = register_as(&sec, &t, &tchitchi("Catarina Bella", "63220")).await;
    let evidence = [("kind", "PASSEPORT"), ("number", ""), ("expires_on", "")];
    assert_eq!(sec.post(&format!("/persons/{id}/evidence"), &evidence).await.status(), 303);
    let (_, page) = sec.text(&format!("/persons/{id}/identity")).await;
    assert!(page.contains("Identité validée"), "{page}");

    let set = |on: &'static str, reason: &'static str| vec![("attribute", "DOUT"), ("set", on), ("reason", reason)];
    assert_eq!(sec.post(&format!("/persons/{id}/identity/attributes"), &set("on", "")).await.status(), 422);
    let res =
        sec.post(&format!("/persons/{id}/identity/attributes"), &set("on", "deux dates de naissance déclarées")).await;
    assert_eq!(res.status(), 303);
    let (_, page) = sec.text(&format!("/persons/{id}/identity")).await;
    assert!(page.contains("Identité provisoire") && page.contains("Identité douteuse"), "{page}");
    // A document does not raise a doubtful identity, nor does INSi.
    assert_eq!(sec.post(&format!("/persons/{id}/evidence"), &evidence).await.status(), 303);
    let (_, page) = sec.text(&format!("/persons/{id}/identity")).await;
    assert!(page.contains("Identité provisoire"), "{page}");
    assert_eq!(sec.post(&format!("/persons/{id}/insi"), &[]).await.status(), 303);
    let (_, page) = sec.text(&format!("/persons/{id}/identity")).await;
    let call = pending_call(&page, &id);
    let res = sec.post(&format!("/persons/{id}/insi/{call}/accept"), &[]).await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("Identité douteuse"));
    // Lifted, the same answer may be accepted.
    let res = sec.post(&format!("/persons/{id}/identity/attributes"), &set("off", "acte de naissance reçu")).await;
    assert_eq!(res.status(), 303);
    assert_eq!(sec.post(&format!("/persons/{id}/insi/{call}/accept"), &[]).await.status(), 303);
    // An unknown attribute or action writes nothing.
    let res = sec
        .post(&format!("/persons/{id}/identity/attributes"), &[("attribute", "XXXX"), ("set", "on"), ("reason", "x")])
        .await;
    assert_eq!(res.status(), 422);
    // A care aide may not touch identities.
    let aide = t.login("infirmier").await;
    let res = aide.post(&format!("/persons/{id}/identity/attributes"), &set("on", "test")).await;
    assert!(matches!(res.status().as_u16(), 403 | 404), "{}", res.status());
}

async fn duplicates_are_shown_before_registration(t: TestApp) {
    let sec = t.login("secretariat").await;
    let first = register_as(
        &sec,
        &t,
        &[
            ("birth_name", "Lefèvre"),
            ("first_names", "Marie Thérèse"),
            ("birth_date", "12/03/1940"),
            ("sex", "F"),
            ("birthplace", "76540"),
        ],
    )
    .await;
    let typo = [
        ("establishment", t.fixture.ehpad.to_string()),
        ("birth_name", "LEFEBVRE".to_string()),
        ("first_names", "Marie-Therese".to_string()),
        ("birth_date", "12/03/1940".to_string()),
        ("sex", "F".to_string()),
        ("birthplace", "".to_string()),
    ];
    let refs: Vec<(&str, &str)> = typo.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let res = sec.post("/persons", &refs).await;
    assert_eq!(res.status(), 409);
    let page = res.text().await.unwrap();
    assert!(page.contains("très proche") && page.contains(&format!("/persons/{first}")), "{page}");
    let mut confirmed = refs.clone();
    confirmed.push(("confirm_distinct", "yes"));
    let res = sec.post("/persons", &confirmed).await;
    assert_eq!(res.status(), 303);
    let second = res.headers()["location"]
        .to_str()
        .unwrap()
        .trim_start_matches("/persons/")
        .split('?')
        .next()
        .unwrap()
        .to_string();
    let (_, page) = sec.text(&format!("/persons/{second}/identity")).await;
    assert!(page.contains("Doublon suspecté"), "{page}");
    assert!(page.contains(&format!("/persons/{first}/identity")), "the close identity is listed: {page}");
    let (_, queue) = t.login("referent").await.text("/identity/queue").await;
    assert!(queue.contains(&format!("/persons/{second}/identity")), "{queue}");
    // A different person with the same first names and date is not held up.
    let other = [
        ("establishment", t.fixture.ehpad.to_string()),
        ("birth_name", "Moreau".to_string()),
        ("first_names", "Marie Thérèse".to_string()),
        ("birth_date", "12/03/1940".to_string()),
        ("sex", "F".to_string()),
        ("birthplace", "13055".to_string()),
    ];
    let refs: Vec<(&str, &str)> = other.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(sec.post("/persons", &refs).await.status(), 303);
}

async fn fhir_match_scores_candidates(t: TestApp) {
    let sec = t.login("secretariat").await;
    let id = register_as(
        &sec,
        &t,
        &[
            ("birth_name", "Dupont"),
            ("first_names", "Jean Pierre"),
            ("birth_date", "05/11/1931"),
            ("sex", "M"),
            ("birthplace", "76540"),
        ],
    )
    .await;
    let token = t.api_token("system/Patient.read").await;
    let probe = |family: &str, given: &str, date: &str| {
        json!({
            "resourceType": "Parameters",
            "parameter": [
                { "name": "resource", "resource": {
                    "resourceType": "Patient",
                    "name": [{ "use": "official", "family": family, "given": [given] }],
                    "gender": "male", "birthDate": date } },
                { "name": "count", "valueInteger": 5 }
            ]
        })
    };
    let call = |body: Value, token: String| {
        let url = t.url("/fhir/Patient/$match");
        async move {
            let r = reqwest::Client::new()
                .post(url)
                .bearer_auth(token)
                .header("content-type", "application/fhir+json")
                .body(body.to_string())
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), r.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let (s, bundle) = call(probe("DUPOND", "Jean", "1931-11-05"), token.clone()).await;
    assert_eq!(s, 200, "{bundle}");
    assert_eq!(bundle["type"], "searchset");
    let entry = &bundle["entry"][0];
    assert_eq!(entry["resource"]["id"], id.as_str(), "{bundle}");
    assert_eq!(entry["search"]["mode"], "match");
    let score = entry["search"]["score"].as_f64().unwrap();
    assert!(score > 0.5 && score <= 1.0, "{score}");
    let grade = entry["search"]["extension"][0]["valueCode"].as_str().unwrap();
    assert!(["certain", "probable", "possible"].contains(&grade), "{grade}");
    // Only certain matches: a typo is not certain.
    let mut only = probe("DUPOND", "Jean", "1931-11-05");
    only["parameter"].as_array_mut().unwrap().push(json!({ "name": "onlyCertainMatches", "valueBoolean": true }));
    let (_, bundle) = call(only, token.clone()).await;
    assert!(bundle["entry"].as_array().map(|e| e.is_empty()).unwrap_or(true), "{bundle}");
    // Someone else entirely: nothing.
    let (_, bundle) = call(probe("Bernard", "Louis", "1950-01-01"), token.clone()).await;
    assert!(bundle["entry"].as_array().map(|e| e.is_empty()).unwrap_or(true), "{bundle}");
    // Errors are precise; a token without Patient read is refused.
    let mut bad = probe("DUPOND", "Jean", "1931-11-05");
    bad["parameter"].as_array_mut().unwrap().push(json!({ "name": "foo", "valueString": "x" }));
    let (s, outcome) = call(bad, token.clone()).await;
    assert_eq!(s, 422);
    assert_eq!(outcome["resourceType"], "OperationOutcome");
    let (s, _) = call(json!({ "resourceType": "Parameters", "parameter": [] }), token.clone()).await;
    assert_eq!(s, 422);
    let write_only = t.api_token("system/Patient.write").await;
    let (s, _) = call(probe("DUPOND", "Jean", "1931-11-05"), write_only.clone()).await;
    assert_eq!(s, 403);

    // An API client sending an INS another identity already carries: stored, flagged for the referent.
    let with_ins = |family: &str, given: &str| {
        json!({
            "resourceType": "Patient",
            "identifier": [{ "system": "urn:oid:1.2.250.1.213.1.4.8", "value": "236066322083656" }],
            "name": [{ "use": "official", "family": family, "given": [given] }],
            "gender": "female", "birthDate": "1936-06-21"
        })
    };
    let mut created = vec![];
    for (family, given) in [("TCHITCHI", "CATARINA"), ("MARTINEZ", "ANA")] {
        let r = reqwest::Client::new()
            .post(t.url("/fhir/Patient"))
            .bearer_auth(&write_only)
            .header("content-type", "application/fhir+json")
            .body(with_ins(family, given).to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
        let loc = r.headers()["location"].to_str().unwrap().trim_start_matches("/fhir/Patient/").to_string();
        created.push(loc);
    }
    let mut conn = t.app.store.read().await.unwrap();
    let attrs = |id: String| sqlx::query("SELECT identity_attributes FROM person WHERE id = $1").bind(id);
    let first: String = sqlx::Row::try_get(&attrs(created[0].clone()).fetch_one(&mut *conn).await.unwrap(), 0).unwrap();
    let second: String =
        sqlx::Row::try_get(&attrs(created[1].clone()).fetch_one(&mut *conn).await.unwrap(), 0).unwrap();
    assert_eq!(first, "");
    assert_eq!(second, "DPOT");
}

async fn merge_moves_the_record_and_unmerge_restores_both(t: TestApp) {
    let sec = t.login("secretariat").await;
    let traits = |name: &'static str| {
        vec![
            ("birth_name", name),
            ("first_names", "Paul Henri"),
            ("birth_date", "01/01/1940"),
            ("sex", "M"),
            ("birthplace", "76540"),
        ]
    };
    let kept = register_as(&sec, &t, &traits("Durand")).await;
    let mut second = traits("Durant");
    second.push(("confirm_distinct", "yes"));
    let alias = register_as(&sec, &t, &second).await;
    let north = format!("{}:{}", t.fixture.ehpad, t.fixture.north);
    crate::admit(&sec, &kept, &north).await;
    crate::admit(&sec, &alias, &north).await;
    let aide = t.login("aide.nord").await;
    let note = |text: &'static str| vec![("category", "nursing_care"), ("text", text)];
    assert_eq!(aide.post(&format!("/persons/{alias}/notes"), &note("Écrit sur le doublon")).await.status(), 303);
    assert_eq!(aide.post(&format!("/persons/{kept}/notes"), &note("Écrit sur la bonne identité")).await.status(), 303);
    let (_, alias_page) = aide.text(&format!("/persons/{alias}")).await;
    let alias_note = alias_page.split("/notes/").nth(1).unwrap().split('/').next().unwrap().to_string();

    // Only the referent (or the director) merges.
    let res =
        sec.post(&format!("/persons/{kept}/merge"), &[("merged", alias.as_str()), ("reason", "même personne")]).await;
    assert_eq!(res.status(), 403);
    let referent = t.login("referent").await;
    let (_, page) = referent.text(&format!("/persons/{kept}/identity")).await;
    assert!(page.contains(&format!("name=\"merged\" value=\"{alias}\"")), "the duplicate is offered for merge: {page}");
    let res = referent.post(&format!("/persons/{kept}/merge"), &[("merged", alias.as_str()), ("reason", "")]).await;
    assert_eq!(res.status(), 422, "a merge needs a reason");
    let res = referent
        .post(&format!("/persons/{kept}/merge"), &[("merged", alias.as_str()), ("reason", "même personne, CNI vue")])
        .await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());

    let (_, page) = aide.text(&format!("/persons/{kept}")).await;
    assert!(page.contains("Écrit sur le doublon") && page.contains("Écrit sur la bonne identité"), "{page}");
    let res = aide.get(&format!("/persons/{alias}")).await;
    assert_eq!(res.status(), 303, "the alias's page leads to its identity page");
    let (_, page) = aide.text(&format!("/persons/{alias}/identity")).await;
    assert!(page.contains("Identité fusionnée") && page.contains(&format!("/persons/{kept}")), "{page}");
    assert_eq!(aide.post(&format!("/persons/{alias}/notes"), &note("refusé")).await.status(), 409);
    let token = t.api_token("system/Patient.read").await;
    let p = fhir_patient(&t, &token, &alias).await;
    assert_eq!(p["active"], false);
    assert_eq!(p["link"][0]["type"], "replaced-by");
    assert_eq!(p["link"][0]["other"]["reference"], format!("Patient/{kept}"));
    // Found once by search: the alias is not listed.
    let (_, list) = sec.text("/persons?q=Durand").await;
    assert!(!list.contains(&format!("/persons/{alias}")), "{list}");
    assert_eq!(aide.post(&format!("/persons/{kept}/notes"), &note("Écrit après la fusion")).await.status(), 303);
    // A version written after the merge on a note that came with the alias goes back with it.
    let res = aide
        .post(
            &format!("/notes/{alias_note}/correct"),
            &[("category", "nursing_care"), ("text", "Doublon corrigé après la fusion"), ("reason", "précision")],
        )
        .await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());

    let res = referent.post(&format!("/persons/{alias}/unmerge"), &[("reason", "deux frères : fusion à tort")]).await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
    let (_, kept_page) = aide.text(&format!("/persons/{kept}")).await;
    assert!(kept_page.contains("Écrit sur la bonne identité") && kept_page.contains("Écrit après la fusion"));
    assert!(!kept_page.contains("Écrit sur le doublon") && !kept_page.contains("Doublon corrigé"), "{kept_page}");
    let (s, alias_page) = aide.text(&format!("/persons/{alias}")).await;
    assert_eq!(s, 200);
    assert!(alias_page.contains("Doublon corrigé après la fusion") && !alias_page.contains("Écrit après la fusion"));
    assert_eq!(fhir_patient(&t, &token, &alias).await["active"], true);
    for id in [&kept, &alias] {
        let events = t.audit_actions(id).await;
        assert!(
            events.iter().any(|a| a == "person.merge") && events.iter().any(|a| a == "person.unmerge"),
            "{events:?}"
        );
    }
}

async fn an_ins_already_held_is_not_recorded_twice(t: TestApp) {
    let sec = t.login("secretariat").await;
    let first = register_as(&sec, &t, &tchitchi("Catarina Bella", "63220")).await;
    let mut again = tchitchi("Catarina", "");
    again.push(("confirm_distinct", "yes"));
    let second = register_as(&sec, &t, &again).await;
    // The second is a suspected duplicate: the referent lifts the attribute, wrongly.
    let lift = [("attribute", "DPOT"), ("set", "off"), ("reason", "vérifié à tort")];
    assert_eq!(sec.post(&format!("/persons/{second}/identity/attributes"), &lift).await.status(), 303);
    for id in [&first, &second] {
        assert_eq!(sec.post(&format!("/persons/{id}/insi"), &[]).await.status(), 303);
    }
    let (_, page) = sec.text(&format!("/persons/{first}/identity")).await;
    let call = pending_call(&page, &first);
    assert_eq!(sec.post(&format!("/persons/{first}/insi/{call}/accept"), &[]).await.status(), 303);
    let (_, page) = sec.text(&format!("/persons/{second}/identity")).await;
    let call = pending_call(&page, &second);
    let res = sec.post(&format!("/persons/{second}/insi/{call}/accept"), &[]).await;
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(page.contains("déjà celui d") && page.contains(&format!("/persons/{first}")), "{page}");
    let (_, page) = sec.text(&format!("/persons/{second}/identity")).await;
    assert!(page.contains("Identité provisoire"), "{page}");
}
