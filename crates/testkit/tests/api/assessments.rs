//! AGGIR evaluations through the UI: the GIR computed on save, the history, access and audit.

use crate::{both_engines, resident, today};
use relais_testkit::TestApp;

/// Form fields of a grid where cohérence and orientation are « ne fait pas » (C) and every other
/// computed item is done spontaneously, totally, correctly and habitually (A): CCAAAAAA, which
/// annexe 2-2 ranks 4, GIR 2.
fn grid_ccaaaaaa() -> Vec<(String, String)> {
    let mut f = Vec::new();
    for c in ["coherence_communication", "coherence_behaviour", "orientation_time", "orientation_space"] {
        f.push((c.to_string(), "does_not".to_string()));
    }
    for c in [
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
        f.push((c.to_string(), "does".to_string()));
        for a in ["s", "t", "c", "h"] {
            f.push((format!("{c}_{a}"), "on".to_string()));
        }
    }
    f
}

fn fields(v: &[(String, String)]) -> Vec<(&str, &str)> {
    v.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

both_engines!(an_aggir_evaluation_gives_the_official_gir);

async fn an_aggir_evaluation_gives_the_official_gir(t: TestApp) {
    let id = resident(&t, "AGGIR").await;
    let nurse = t.login("infirmier").await;
    let (status, form) = nurse.text(&format!("/persons/{id}/aggir/new")).await;
    assert_eq!(status, 200);
    assert!(form.contains("Déplacements à l") && form.contains("entre dans le GIR"));

    // Incomplete: refused, nothing written, the missing variables named.
    let mut partial = grid_ccaaaaaa();
    partial.retain(|(k, _)| !k.starts_with("transfers"));
    partial.push(("assessed_on".into(), today()));
    let res = nurse.post(&format!("/persons/{id}/aggir"), &fields(&partial)).await;
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(page.contains("le GIR ne peut pas être calculé") && page.contains("Transferts"), "{page}");
    assert!(page.contains("value=\"does_not\" checked"), "what was typed is kept");

    // « Ne fait pas » and adverbs together: refused with the item named.
    let mut conflict = grid_ccaaaaaa();
    conflict.push(("coherence_communication_s".into(), "on".into()));
    conflict.push(("assessed_on".into(), today()));
    let res = nurse.post(&format!("/persons/{id}/aggir"), &fields(&conflict)).await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("ensemble"));

    // In the future: refused.
    let mut future = grid_ccaaaaaa();
    future.push(("assessed_on".into(), "2999-01-01".into()));
    assert_eq!(nurse.post(&format!("/persons/{id}/aggir"), &fields(&future)).await.status(), 422);

    let (_, person_page) = nurse.text(&format!("/persons/{id}")).await;
    assert!(person_page.contains("Aucune évaluation AGGIR"), "nothing was written by the refusals");

    let mut ok = grid_ccaaaaaa();
    ok.push(("assessed_on".into(), today()));
    ok.push(("comment".into(), "Évaluation d'entrée avec la fille".into()));
    let res = nurse.post(&format!("/persons/{id}/aggir"), &fields(&ok)).await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap_or_default());
    let (status, history) = nurse.text(&format!("/persons/{id}/aggir?ok=aggir")).await;
    assert_eq!(status, 200);
    assert!(history.contains("GIR 2") && history.contains("Rang 4"), "{history}");
    assert!(history.contains("Évaluation d") && history.contains("avec la fille"));
    let (_, person_page) = nurse.text(&format!("/persons/{id}")).await;
    assert!(person_page.contains(&format!("GIR 2 (évalué le {})", today())), "the GIR is on the summary");

    // The secretary (administrative file) sees the GIR, not the grid.
    let sec = t.login("secretariat").await;
    let (_, page) = sec.text(&format!("/persons/{id}")).await;
    assert!(page.contains("GIR 2"));
    assert!(!page.contains("Évaluations AGGIR</a>"));
    assert_eq!(sec.get(&format!("/persons/{id}/aggir")).await.status(), 403);
    assert_eq!(sec.get(&format!("/persons/{id}/aggir/new")).await.status(), 403);
    // An educator of another establishment does not even learn the person exists.
    let edu = t.login("educateur").await;
    assert_eq!(edu.get(&format!("/persons/{id}/aggir")).await.status(), 404);

    // FHIR: the evaluation as a QuestionnaireResponse, with its items and its GIR.
    let token = t.api_token("system/QuestionnaireResponse.read").await;
    let c = reqwest::Client::new();
    let b: serde_json::Value = c
        .get(t.url(&format!("/fhir/QuestionnaireResponse?patient={id}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(b["total"], 1);
    let qr = &b["entry"][0]["resource"];
    assert_eq!(qr["questionnaire"], "urn:relais:questionnaire:aggir");
    let items = qr["item"].as_array().unwrap();
    let gir = items.iter().find(|i| i["linkId"] == "gir").unwrap();
    assert_eq!(gir["answer"][0]["valueInteger"], 2);
    let coherence = items.iter().find(|i| i["linkId"] == "coherence").unwrap();
    assert_eq!(coherence["item"][0]["answer"][0]["valueCoding"]["code"], "C");
    let qid = qr["id"].as_str().unwrap();
    let r = c.get(t.url(&format!("/fhir/QuestionnaireResponse/{qid}"))).bearer_auth(&token).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let r = c
        .get(t.url(&format!("/fhir/QuestionnaireResponse?patient={id}&questionnaire=urn:other")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let patient_only = t.api_token("system/Patient.read").await;
    let r =
        c.get(t.url(&format!("/fhir/QuestionnaireResponse/{qid}"))).bearer_auth(&patient_only).send().await.unwrap();
    assert_eq!(r.status(), 403);

    let mut conn = t.app.store.read().await.unwrap();
    let events =
        relais_app::store::audit::for_person(&mut conn, t.fixture.org, id.parse().unwrap(), 100).await.unwrap();
    let create = events.iter().find(|e| e.action == "assessment.create").expect("creation audited");
    assert_eq!(create.detail.as_deref(), Some("aggir rank 4 gir 2"));
    assert!(events.iter().any(|e| e.action == "assessment.read"));
}
