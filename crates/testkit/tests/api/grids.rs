//! Evaluations with the configurable grids: the score and interpretation computed on save and
//! shown on the pages and in FHIR, refusals that write nothing, access checked before the
//! answers, evaluations added to the projet personnalisé, QuestionnaireResponse create.

use crate::{both_engines, resident, today};
use relais_testkit::{Browser, TestApp};
use serde_json::{Value, json};

/// Braden answers worth 2 on every item: 12/23, « risque élevé ».
fn braden_12() -> Vec<(String, String)> {
    ["sensory", "moisture", "activity", "mobility", "nutrition", "friction"]
        .iter()
        .map(|c| (format!("i_{c}"), "2".to_string()))
        .collect()
}

fn fields(v: &[(String, String)]) -> Vec<(&str, &str)> {
    v.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

async fn count_assessments(t: &TestApp) -> i64 {
    let mut conn = t.app.store.read().await.unwrap();
    let row = sqlx::query("SELECT COUNT(*) FROM assessment").fetch_one(&mut *conn).await.unwrap();
    sqlx::Row::try_get(&row, 0).unwrap()
}

/// Records a Braden at 12 as `b`; returns the evaluation id.
async fn record_braden(b: &Browser, person: &str) -> String {
    let mut f = braden_12();
    f.push(("assessed_on".into(), today()));
    let res = b.post(&format!("/persons/{person}/grids/braden"), &fields(&f)).await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap_or_default());
    let loc = res.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    assert!(loc.starts_with(&format!("/persons/{person}/grids/braden?ok=")), "{loc}");
    loc.rsplit('=').next().unwrap_or_default().to_string()
}

both_engines!(
    a_braden_is_scored_on_save_and_shown,
    an_mna_may_stop_after_the_screening,
    strangers_are_refused_before_their_answers_are_read,
    an_evaluation_is_added_to_the_plan_and_follows_its_review,
    questionnaire_responses_are_created_through_fhir,
);

async fn a_braden_is_scored_on_save_and_shown(t: TestApp) {
    let id = resident(&t, "BRADEN").await;
    let nurse = t.login("infirmier").await;
    let (status, person_page) = nurse.text(&format!("/persons/{id}")).await;
    assert_eq!(status, 200);
    assert!(person_page.contains(&format!("/persons/{id}/grids\">Évaluations</a>")), "the entry on the person page");
    let (status, list) = nurse.text(&format!("/persons/{id}/grids")).await;
    assert_eq!(status, 200);
    for title in ["Mini Nutritional Assessment", "Échelle de Braden", "Échelle de Morse", "Grille libre"] {
        assert!(list.contains(title), "{title} offered");
    }
    let (status, form) = nurse.text(&format!("/persons/{id}/grids/braden/new")).await;
    assert_eq!(status, 200);
    assert!(form.contains("Perception sensorielle") && form.contains("Frottements et cisaillement"));
    assert!(form.contains("name=\"i_sensory\" value=\"1\""), "radios drawn from the definition");

    // An option off the list, an unknown item, a missing item: 422, each named, nothing written.
    let mut bad = braden_12();
    bad[0].1 = "7".into();
    bad.retain(|(k, _)| k != "i_friction");
    bad.push(("i_colour".into(), "bleu".into()));
    bad.push(("assessed_on".into(), today()));
    let res = nurse.post(&format!("/persons/{id}/grids/braden"), &fields(&bad)).await;
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(
        page.contains("Perception sensorielle : la réponse « 7 » n&#39;est pas dans la liste")
            || page.contains("Perception sensorielle : la réponse « 7 » n'est pas dans la liste"),
        "{page}"
    );
    assert!(page.contains("Frottements et cisaillement : réponse obligatoire"), "{page}");
    assert!(page.contains("élément « colour » inconnu dans la grille Braden"), "{page}");
    assert!(page.contains("name=\"i_moisture\" value=\"2\" checked"), "what was typed is kept");
    let mut future = braden_12();
    future.push(("assessed_on".into(), "01/01/2999".into()));
    assert_eq!(nurse.post(&format!("/persons/{id}/grids/braden"), &fields(&future)).await.status(), 422);
    assert_eq!(count_assessments(&t).await, 0, "refusals write nothing");

    let aid = record_braden(&nurse, &id).await;
    let (status, history) = nurse.text(&format!("/persons/{id}/grids/braden?ok={aid}")).await;
    assert_eq!(status, 200);
    assert!(history.contains("Score de Braden 12/23 — risque élevé"), "{history}");
    assert!(history.contains("Très limitée") && history.contains("2 pts"), "each answer with its points");
    let (_, person_page) = nurse.text(&format!("/persons/{id}")).await;
    assert!(person_page.contains(&format!("Braden 12/23 — risque élevé, le {}", today())), "{person_page}");
    let (_, list) = nurse.text(&format!("/persons/{id}/grids")).await;
    assert!(list.contains("Braden 12/23 — risque élevé"));

    // FHIR: the evaluation with its answers, score and interpretation.
    let token = t.api_token("system/QuestionnaireResponse.read").await;
    let c = reqwest::Client::new();
    let b: Value = c
        .get(t.url(&format!("/fhir/QuestionnaireResponse?patient={id}&questionnaire=urn:relais:questionnaire:braden")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(b["total"], 1, "{b}");
    let qr = &b["entry"][0]["resource"];
    assert_eq!(qr["id"], aid.as_str());
    assert_eq!(qr["questionnaire"], "urn:relais:questionnaire:braden|1");
    let items = qr["item"].as_array().unwrap();
    let total = items.iter().find(|i| i["linkId"] == "total-score").unwrap();
    assert_eq!(total["answer"][0]["valueDecimal"], 12);
    let level = items.iter().find(|i| i["linkId"] == "total-score-interpretation").unwrap();
    assert_eq!(level["answer"][0]["valueCoding"]["code"], "high");
    assert_eq!(level["answer"][0]["valueCoding"]["display"], "risque élevé");
    assert_eq!(items[0]["item"][0]["linkId"], "sensory");
    let r = c.get(t.url(&format!("/fhir/QuestionnaireResponse/{aid}"))).bearer_auth(&token).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let read: Value = r.json().await.unwrap();
    assert_eq!(read["questionnaire"], "urn:relais:questionnaire:braden|1");
    let b: Value = c
        .get(t.url(&format!("/fhir/QuestionnaireResponse?patient={id}&questionnaire=urn:relais:questionnaire:aggir")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(b["total"], 0, "the questionnaire filter keeps one grid");

    let mut conn = t.app.store.read().await.unwrap();
    let events =
        relais_app::store::audit::for_person(&mut conn, t.fixture.org, id.parse().unwrap(), 100).await.unwrap();
    let create = events.iter().find(|e| e.action == "assessment.create").expect("creation audited");
    assert_eq!(create.detail.as_deref(), Some("braden v1 score 120 level high"));
    assert!(
        events.iter().any(|e| e.action == "assessment.read" && e.detail.as_deref() == Some("braden, 1 evaluation(s)"))
    );
}

async fn an_mna_may_stop_after_the_screening(t: TestApp) {
    let id = resident(&t, "NUTRITION").await;
    let nurse = t.login("infirmier").await;
    let screening = |a: &str| {
        vec![
            ("i_a_appetite".to_string(), a.to_string()),
            ("i_b_weight_loss".into(), "2".into()),
            ("i_c_motricity".into(), "1".into()),
            ("i_d_acute".into(), "no".into()),
            ("i_e_neuropsy".into(), "2".into()),
            ("i_f_bmi".into(), "3".into()),
            ("assessed_on".into(), today()),
        ]
    };
    // Screening at 11: the global assessment is required, and named.
    let res = nurse.post(&format!("/persons/{id}/grids/mna"), &fields(&screening("1"))).await;
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(page.contains("G — Vit de façon indépendante à domicile : réponse obligatoire"), "{page}");
    // An out-of-range measure is refused with its limits.
    let mut heavy = screening("2");
    heavy.push(("i_weight_kg".into(), "300".into()));
    let res = nurse.post(&format!("/persons/{id}/grids/mna"), &fields(&heavy)).await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("Poids (kg) : 300 est hors des limites (20 à 250)"));
    assert_eq!(count_assessments(&t).await, 0);
    // Screening at 12: the evaluation may stop there.
    let res = nurse.post(&format!("/persons/{id}/grids/mna"), &fields(&screening("2"))).await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap_or_default());
    let (_, person_page) = nurse.text(&format!("/persons/{id}")).await;
    assert!(person_page.contains("MNA 12/14 (score de dépistage) — état nutritionnel normal"), "{person_page}");
    // Screening at 11 and the whole global assessment: the total out of 30, with half points.
    let mut full = screening("1");
    for (k, v) in [
        ("g_independent", "no"),
        ("h_drugs", "yes"),
        ("i_sores", "no"),
        ("j_meals", "3"),
        ("k_proteins", "2"),
        ("l_fruits", "yes"),
        ("m_drinks", "3to5"),
        ("n_feeding", "2"),
        ("o_self_view", "1"),
        ("p_health", "unknown"),
        ("q_arm", "gt22"),
        ("r_calf", "ge31"),
    ] {
        full.push((format!("i_{k}"), v.to_string()));
    }
    let res = nurse.post(&format!("/persons/{id}/grids/mna"), &fields(&full)).await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap_or_default());
    let (_, history) = nurse.text(&format!("/persons/{id}/grids/mna")).await;
    assert!(history.contains("Score total 21,5/30 — risque de dénutrition"), "{history}");
    assert!(history.contains("Score de dépistage : 11/14 — risque de dénutrition"), "{history}");
}

async fn strangers_are_refused_before_their_answers_are_read(t: TestApp) {
    let id = resident(&t, "ETRANGER").await;
    let nurse = t.login("infirmier").await;
    let aid = record_braden(&nurse, &id).await;
    let mut bad = braden_12();
    bad[0].1 = "7".into();
    bad.push(("assessed_on".into(), today()));

    // The secretary sees the person, not the care data: 403 even with answers that are wrong.
    let sec = t.login("secretariat").await;
    let (_, page) = sec.text(&format!("/persons/{id}")).await;
    assert!(!page.contains("Braden 12/23"), "no grid result for the secretary");
    assert_eq!(sec.get(&format!("/persons/{id}/grids")).await.status(), 403);
    assert_eq!(sec.get(&format!("/persons/{id}/grids/braden")).await.status(), 403);
    assert_eq!(sec.get(&format!("/persons/{id}/grids/braden/new")).await.status(), 403);
    assert_eq!(sec.post(&format!("/persons/{id}/grids/braden"), &fields(&bad)).await.status(), 403);
    assert_eq!(sec.post(&format!("/persons/{id}/grids/braden/{aid}/plan"), &[("target", "need")]).await.status(), 403);
    // Outside the establishment: the person does not exist.
    let edu = t.login("educateur").await;
    assert_eq!(edu.get(&format!("/persons/{id}/grids")).await.status(), 404);
    assert_eq!(edu.post(&format!("/persons/{id}/grids/braden"), &fields(&bad)).await.status(), 404);
    // An unknown grid is not found either, for those who may evaluate.
    assert_eq!(nurse.get(&format!("/persons/{id}/grids/nope/new")).await.status(), 404);
    assert_eq!(count_assessments(&t).await, 1);

    // FHIR: the scope decides.
    let patient_only = t.api_token("system/Patient.read").await;
    let c = reqwest::Client::new();
    let r =
        c.get(t.url(&format!("/fhir/QuestionnaireResponse/{aid}"))).bearer_auth(&patient_only).send().await.unwrap();
    assert_eq!(r.status(), 403);

    let mut conn = t.app.store.read().await.unwrap();
    let events =
        relais_app::store::audit::for_person(&mut conn, t.fixture.org, id.parse().unwrap(), 200).await.unwrap();
    assert_eq!(events.iter().filter(|e| e.action == "assessment.create").count(), 1, "only the nurse's");
}

async fn an_evaluation_is_added_to_the_plan_and_follows_its_review(t: TestApp) {
    let id = resident(&t, "PROJET").await;
    let nurse = t.login("infirmier").await;
    let aid = record_braden(&nurse, &id).await;
    let (_, history) = nurse.text(&format!("/persons/{id}/grids/braden")).await;
    assert!(!history.contains("Ajouter au projet personnalisé"), "no plan yet: nothing to add to");
    let res = nurse.post(&format!("/persons/{id}/grids/braden/{aid}/plan"), &[("target", "need")]).await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("pas de projet personnalisé"));

    let res = nurse.post(&format!("/persons/{id}/support-plans"), &[]).await;
    assert_eq!(res.status(), 303);
    let loc = res.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    let plan = loc.trim_start_matches("/support-plans/").split('?').next().unwrap_or_default().to_string();
    let res = nurse
        .post(
            &format!("/support-plans/{plan}/objectives"),
            &[("objective_title", "Prévenir les escarres"), ("deadline", "")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let (_, history) = nurse.text(&format!("/persons/{id}/grids/braden")).await;
    assert!(history.contains("Ajouter au projet personnalisé") && history.contains("Objectif : Prévenir les escarres"));
    let objective = {
        let mut conn = t.app.store.read().await.unwrap();
        let row = sqlx::query("SELECT objective_id FROM support_plan_objective WHERE plan_id = $1")
            .bind(&plan)
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        sqlx::Row::try_get::<String, _>(&row, 0).unwrap()
    };

    let add = |target: String| {
        let nurse = &nurse;
        let path = format!("/persons/{id}/grids/braden/{aid}/plan");
        async move { nurse.post(&path, &[("target", target.as_str())]).await }
    };
    let res = add("need".into()).await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap_or_default());
    assert_eq!(
        res.headers().get("location").and_then(|v| v.to_str().ok()),
        Some(format!("/support-plans/{plan}?ok=assessment").as_str())
    );
    let res = add(format!("objective:{objective}")).await;
    assert_eq!(res.status(), 303);
    let res = add("need".into()).await;
    assert_eq!(res.status(), 422, "the same evaluation twice at the same place");
    assert!(res.text().await.unwrap().contains("figure déjà"));
    let res = add("objective:0192f0c2-0000-7000-8000-000000000000".into()).await;
    assert_eq!(res.status(), 422);

    let (_, page) = nurse.text(&format!("/support-plans/{plan}")).await;
    assert!(page.contains("Besoins évalués par une grille"), "{page}");
    assert!(page.contains("Évaluations liées"), "{page}");
    assert_eq!(page.matches("Braden 12/23 — risque élevé").count(), 2, "as a need and under the objective");
    assert!(page.contains(&format!("/persons/{id}/grids/braden#a-{aid}")));

    // Validated, then reviewed: the new version carries the links, the frozen one keeps them.
    for to in ["validated", "under_review"] {
        let res = nurse.post(&format!("/support-plans/{plan}/status"), &[("to", to)]).await;
        assert_eq!(res.status(), 303, "{to}: {}", res.text().await.unwrap_or_default());
        if to == "validated" {
            let (_, history) = nurse.text(&format!("/persons/{id}/grids/braden")).await;
            assert!(history.contains("lancez sa révision"), "a frozen plan takes no evaluation");
            assert!(!history.contains("Ajouter au projet personnalisé</button>"));
            let res = nurse.post(&format!("/persons/{id}/grids/braden/{aid}/plan"), &[("target", "need")]).await;
            assert_eq!(res.status(), 422, "refused by the plan's state");
        }
    }
    let mut conn = t.app.store.read().await.unwrap();
    let rows = sqlx::query("SELECT version, content FROM support_plan_version WHERE plan_id = $1 ORDER BY version")
        .bind(&plan)
        .fetch_all(&mut *conn)
        .await
        .unwrap();
    drop(conn);
    assert_eq!(rows.len(), 2);
    for r in &rows {
        let content: String = sqlx::Row::try_get(r, 1).unwrap();
        let c: Value = serde_json::from_str(&content).unwrap();
        assert_eq!(c["assessments"].as_array().map(Vec::len), Some(2), "{content}");
        assert_eq!(c["assessments"][0]["assessment"], aid.as_str());
    }
    let (_, page) = nurse.text(&format!("/support-plans/{plan}")).await;
    assert_eq!(page.matches("Braden 12/23 — risque élevé").count(), 2, "the review's version shows them");
    // The printout lists it with the needs and under the objective.
    let res = nurse.get(&format!("/support-plans/{plan}/print")).await;
    assert_eq!(res.status(), 200);
    let text = crate::contracts::pdf_text(&res.bytes().await.unwrap());
    let line = format!("Braden 12/23 — risque élevé (évaluation du {})", crate::today());
    assert_eq!(text.matches(&line).count(), 2, "as a need and under the objective: {text}");

    // FHIR: the plan reads back with the evaluations as supporting information, the one under
    // the objective naming its Goal; each reference resolves to the evaluation.
    let token = t.api_token("system/CarePlan.read system/QuestionnaireResponse.read").await;
    let c = reqwest::Client::new();
    let get = |path: String| {
        let (c, token, url) = (c.clone(), token.clone(), t.url(&path));
        async move {
            let r = c.get(url).bearer_auth(token).send().await.unwrap();
            (r.status().as_u16(), r.json::<Value>().await.unwrap())
        }
    };
    let (s, cp) = get(format!("/fhir/CarePlan/{plan}")).await;
    assert_eq!(s, 200, "{cp}");
    let info = cp["supportingInfo"].as_array().unwrap_or_else(|| panic!("supportingInfo: {cp}"));
    assert_eq!(info.len(), 2, "{cp}");
    for i in info {
        assert_eq!(i["reference"], format!("QuestionnaireResponse/{aid}"));
        assert_eq!(i["display"], "Braden 12/23 — risque élevé");
    }
    let under: Vec<&Value> = info.iter().filter(|i| i.get("extension").is_some()).collect();
    assert_eq!(under.len(), 1, "one as a need, one under the objective: {cp}");
    assert_eq!(under[0]["extension"][0]["valueReference"]["reference"], format!("Goal/{objective}"));
    assert!(cp["goal"].as_array().unwrap().iter().any(|g| g["reference"] == format!("Goal/{objective}")));
    let (s, qr) = get(format!("/fhir/QuestionnaireResponse/{aid}")).await;
    assert_eq!((s, qr["id"].as_str()), (200, Some(aid.as_str())));
    let (_, bundle) = get(format!("/fhir/CarePlan?patient={id}")).await;
    assert_eq!(bundle["entry"][0]["resource"]["supportingInfo"], cp["supportingInfo"], "search agrees with read");
}

async fn questionnaire_responses_are_created_through_fhir(t: TestApp) {
    let id = resident(&t, "APIGRILLE").await;
    let token = t.api_token("system/QuestionnaireResponse.*").await;
    let c = reqwest::Client::new();
    let post = |body: Value, token: String| {
        let c = c.clone();
        let url = t.url("/fhir/QuestionnaireResponse");
        async move {
            c.post(url)
                .bearer_auth(token)
                .header("content-type", "application/fhir+json")
                .body(body.to_string())
                .send()
                .await
                .unwrap()
        }
    };
    let date = jiff::tz::TimeZone::get("Europe/Paris").unwrap().to_datetime(jiff::Timestamp::now()).date().to_string();
    let morse = |gait: &str| {
        json!({
            "resourceType": "QuestionnaireResponse",
            "status": "completed",
            "questionnaire": "urn:relais:questionnaire:morse|1",
            "subject": { "reference": format!("Patient/{id}") },
            "authored": date,
            "item": [{ "linkId": "items", "item": [
                { "linkId": "history", "answer": [{ "valueBoolean": true }] },
                { "linkId": "secondary_diagnosis", "answer": [{ "valueBoolean": false }] },
                { "linkId": "ambulatory_aid", "answer": [{ "valueCoding": { "code": "device" } }] },
                { "linkId": "iv", "answer": [{ "valueBoolean": false }] },
                { "linkId": "gait", "answer": [{ "valueCoding": { "code": gait } }] },
                { "linkId": "mental", "answer": [{ "valueCoding": { "code": "oriented" } }] },
            ] }],
        })
    };
    // A bad answer: 422, the item named, nothing written.
    let r = post(morse("running"), token.clone()).await;
    assert_eq!(r.status(), 422);
    let o: Value = r.json().await.unwrap();
    assert_eq!(o["resourceType"], "OperationOutcome");
    assert_eq!(o["issue"][0]["expression"][0], "QuestionnaireResponse.item.where(linkId='gait')");
    assert!(o["issue"][0]["diagnostics"].as_str().unwrap().contains("Démarche et transferts : la réponse « running »"));
    assert_eq!(count_assessments(&t).await, 0);
    // Without the write scope: refused.
    let read_only = t.api_token("system/QuestionnaireResponse.read").await;
    assert_eq!(post(morse("normal"), read_only).await.status(), 403);
    // Unknown grid.
    let mut other = morse("normal");
    other["questionnaire"] = json!("urn:relais:questionnaire:katz");
    assert_eq!(post(other, token.clone()).await.status(), 422);
    let mut old_version = morse("normal");
    old_version["questionnaire"] = json!("urn:relais:questionnaire:morse|7");
    let r = post(old_version, token.clone()).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("is at version 1"));

    let r = post(morse("normal"), token.clone()).await;
    assert_eq!(r.status(), 201);
    let location = r.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    assert!(location.starts_with("/fhir/QuestionnaireResponse/"));
    let created: Value = r.json().await.unwrap();
    let items = created["item"].as_array().unwrap();
    let total = items.iter().find(|i| i["linkId"] == "total-score").unwrap();
    assert_eq!(total["answer"][0]["valueDecimal"], 40);
    let level = items.iter().find(|i| i["linkId"] == "total-score-interpretation").unwrap();
    assert_eq!(level["answer"][0]["valueCoding"]["display"], "risque de chute modéré");
    let nurse = t.login("infirmier").await;
    let (_, page) = nurse.text(&format!("/persons/{id}")).await;
    assert!(page.contains("Morse 40/125 — risque de chute modéré"), "the UI shows what the API recorded");

    // AGGIR: each item's modality coded; the GIR computed.
    let mut aggir_items = vec![];
    for c in [
        "coherence_communication",
        "coherence_behaviour",
        "orientation_time",
        "orientation_space",
        "washing_upper",
        "washing_lower",
        "dressing_upper",
        "dressing_middle",
        "dressing_lower",
        "feeding_serving",
        "feeding_eating",
        "elimination_urinary",
        "elimination_faecal",
        "transfers",
        "moving_indoors",
    ] {
        aggir_items.push(json!({ "linkId": c, "answer": [{ "valueCoding": { "code": "A" } }] }));
    }
    let aggir = json!({
        "resourceType": "QuestionnaireResponse",
        "status": "completed",
        "questionnaire": "urn:relais:questionnaire:aggir",
        "subject": { "reference": format!("Patient/{id}") },
        "authored": date,
        "item": aggir_items,
    });
    let r = post(aggir.clone(), token.clone()).await;
    assert_eq!(r.status(), 201);
    let created: Value = r.json().await.unwrap();
    let gir = created["item"].as_array().unwrap().iter().find(|i| i["linkId"] == "gir").cloned().unwrap();
    assert_eq!(gir["answer"][0]["valueInteger"], 6);
    let mut wrong = aggir;
    wrong["item"][0]["answer"][0]["valueCoding"]["code"] = json!("D");
    let r = post(wrong, token.clone()).await;
    assert_eq!(r.status(), 422);
    let o: Value = r.json().await.unwrap();
    assert!(o["issue"][0]["diagnostics"].as_str().unwrap().contains("modalité « D » inconnue"), "{o}");

    let b: Value = c
        .get(t.url(&format!("/fhir/QuestionnaireResponse?patient={id}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(b["total"], 2, "the AGGIR and the Morse: {b}");

    let mut conn = t.app.store.read().await.unwrap();
    let events =
        relais_app::store::audit::for_person(&mut conn, t.fixture.org, id.parse().unwrap(), 100).await.unwrap();
    assert_eq!(events.iter().filter(|e| e.action == "assessment.create").count(), 2);
}
