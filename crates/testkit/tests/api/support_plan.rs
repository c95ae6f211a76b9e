//! The projet personnalisé through the UI: drafted, validated, carried out, reviewed into a new
//! version with each objective evaluated; frozen versions, invalid moves, overdue reviews, notes
//! tied to objectives, access and audit, FHIR CarePlan and Goal, the printout.

use crate::{both_engines, resident};
use relais_testkit::{Browser, TestApp};
use serde_json::Value;

/// A date `days` after today in Europe/Paris, as typed in forms.
fn in_days(days: i64) -> String {
    let tz = jiff::tz::TimeZone::get("Europe/Paris").unwrap();
    let today = tz.to_datetime(jiff::Timestamp::now()).date();
    today.checked_add(jiff::Span::new().days(days)).unwrap().strftime("%d/%m/%Y").to_string()
}

/// Starts a plan from the person's page; returns its id.
async fn start(b: &Browser, person: &str) -> String {
    let res = b.post(&format!("/persons/{person}/support-plans"), &[]).await;
    assert_eq!(res.status(), 303, "start: {}", res.text().await.unwrap_or_default());
    let loc = res.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    assert!(loc.ends_with("?ok=created"), "{loc}");
    loc.trim_start_matches("/support-plans/").split('?').next().unwrap_or_default().to_string()
}

async fn ok(b: &Browser, path: &str, fields: &[(&str, &str)]) {
    let res = b.post(path, fields).await;
    assert_eq!(res.status(), 303, "{path}: {}", res.text().await.unwrap_or_default());
}

async fn refused(b: &Browser, path: &str, fields: &[(&str, &str)]) -> String {
    let res = b.post(path, fields).await;
    assert_eq!(res.status(), 422, "{path}");
    res.text().await.unwrap()
}

/// The objective ids of the current version, in order.
async fn objectives(t: &TestApp, plan: &str) -> Vec<String> {
    let mut conn = t.app.store.read().await.unwrap();
    let rows = sqlx::query("SELECT objective_id FROM support_plan_objective WHERE plan_id = $1 ORDER BY created_at")
        .bind(plan)
        .fetch_all(&mut *conn)
        .await
        .unwrap();
    rows.iter().map(|r| sqlx::Row::try_get::<String, _>(r, 0).unwrap()).collect()
}

async fn versions(t: &TestApp, plan: &str) -> Vec<(i64, String, bool)> {
    let mut conn = t.app.store.read().await.unwrap();
    let rows = sqlx::query(
        "SELECT version, content, validated_at FROM support_plan_version WHERE plan_id = $1 ORDER BY version",
    )
    .bind(plan)
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    rows.iter()
        .map(|r| {
            let at: Option<i64> = sqlx::Row::try_get(r, 2).unwrap();
            (sqlx::Row::try_get(r, 0).unwrap(), sqlx::Row::try_get(r, 1).unwrap(), at.is_some())
        })
        .collect()
}

/// Writes a plan with two objectives (one with a referent and an action by a named
/// professional), a meeting and the person's oral agreement; returns (plan, objectives).
async fn two_objective_plan(t: &TestApp, nurse: &Browser, person: &str) -> (String, Vec<String>) {
    let plan = start(nurse, person).await;
    let p = format!("/support-plans/{plan}");
    ok(
        nurse,
        &format!("{p}/details"),
        &[
            ("person_expectations", "Je veux continuer à aller au jardin"),
            ("relatives_expectations", "Sa fille souhaite qu'elle mange mieux"),
            ("needs", "Aide à la marche\nSurveillance de l'alimentation"),
            ("review_due", &in_days(180)),
        ],
    )
    .await;
    let infirmier = t.account("infirmier").await.to_string();
    ok(
        nurse,
        &format!("{p}/objectives"),
        &[
            ("objective_title", "Marcher jusqu'au jardin"),
            ("referent", &infirmier),
            ("deadline", &in_days(90)),
            ("indicators", "Trois sorties par semaine"),
        ],
    )
    .await;
    ok(nurse, &format!("{p}/objectives"), &[("objective_title", "Reprendre du poids"), ("deadline", "")]).await;
    let ids = objectives(t, &plan).await;
    assert_eq!(ids.len(), 2);
    ok(
        nurse,
        &format!("{p}/objectives/{}/actions", ids[0]),
        &[
            ("performer", &format!("account:{infirmier}")),
            ("what", "Accompagner au jardin"),
            ("frequency", "lundi, mercredi, vendredi"),
        ],
    )
    .await;
    ok(
        nurse,
        &format!("{p}/objectives/{}/actions", ids[1]),
        &[("performer", "profile:care_aide"), ("what", "Proposer une collation"), ("frequency", "chaque après-midi")],
    )
    .await;
    ok(
        nurse,
        &format!("{p}/meetings"),
        &[
            ("held_on", &crate::today()),
            ("person_present", "yes"),
            ("relatives", "Mme Durand (fille)"),
            ("professionals", "IDE, aide-soignante"),
            ("meeting_notes", "Projet discuté avec la personne et sa fille"),
        ],
    )
    .await;
    ok(nurse, &format!("{p}/agreement"), &[("agreement", "oral"), ("given_on", &crate::today())]).await;
    (plan, ids)
}

both_engines!(
    a_plan_is_reviewed_into_a_new_version,
    overdue_plans_are_flagged_and_listed,
    notes_tied_to_an_objective_show_on_it,
    access_and_audit_of_plans,
    fhir_care_plan_and_goals,
    a_reviewed_plan_is_printed,
    two_open_plans_after_a_merge_are_flagged
);

async fn a_plan_is_reviewed_into_a_new_version(t: TestApp) {
    let id = resident(&t, "PROJET").await;
    let nurse = t.login("infirmier").await;
    let (_, page) = nurse.text(&format!("/persons/{id}")).await;
    assert!(page.contains("Projet personnalisé") && page.contains("Aucun projet personnalisé."), "{page}");
    assert!(page.contains("Commencer un projet personnalisé"));
    let (plan, ids) = two_objective_plan(&t, &nurse, &id).await;
    let p = format!("/support-plans/{plan}");

    // One plan at a time.
    let res = nurse.post(&format!("/persons/{id}/support-plans"), &[]).await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("déjà un projet personnalisé en cours"));

    let (status, page) = nurse.text(&p).await;
    assert_eq!(status, 200);
    for s in [
        "Brouillon",
        "Je veux continuer à aller au jardin",
        "Sa fille souhaite qu&#39;elle mange mieux",
        "Marcher jusqu&#39;au jardin",
        "Accompagner au jardin",
        "Aide-soignant",
        "Proposer une collation",
        "Mme Durand (fille)",
        "Accord oral",
    ] {
        assert!(page.contains(s), "{s} missing");
    }

    // Invalid moves are refused in French and change nothing.
    let body = refused(&nurse, &format!("{p}/status"), &[("to", "in_progress")]).await;
    assert!(body.contains("un projet en brouillon doit d&#39;abord être validé"), "{body}");
    let body = refused(&nurse, &format!("{p}/status"), &[("to", "archived")]).await;
    assert!(body.contains("statut de projet inconnu"), "{body}");
    let body = refused(&nurse, &format!("{p}/details"), &[("review_due", "01/01/2020")]).await;
    assert!(body.contains("la date de révision ne peut pas être déjà passée"), "{body}");

    ok(&nurse, &format!("{p}/status"), &[("to", "validated")]).await;
    // A validated version is frozen.
    let body = refused(&nurse, &format!("{p}/objectives"), &[("objective_title", "Un troisième")]).await;
    assert!(body.contains("cette version est figée"), "{body}");
    let body = refused(&nurse, &format!("{p}/status"), &[("to", "validated")]).await;
    assert!(body.contains("passage impossible de « validé » à « validé »"), "{body}");
    ok(&nurse, &format!("{p}/status"), &[("to", "in_progress")]).await;
    let frozen = versions(&t, &plan).await;
    assert_eq!(frozen.len(), 1);
    assert!(frozen[0].2, "version 1 is validated");

    // Evaluations are made at review only.
    let body = refused(&nurse, &format!("{p}/objectives/{}/evaluation", ids[0]), &[("outcome", "achieved")]).await;
    assert!(body.contains("figée"), "{body}");

    ok(&nurse, &format!("{p}/status"), &[("to", "under_review")]).await;
    let (_, page) = nurse.text(&p).await;
    assert!(page.contains("En révision") && page.contains("version 2"), "{page}");
    assert!(page.contains("Évaluation des objectifs de la version 1"));
    let body = refused(&nurse, &format!("{p}/status"), &[("to", "validated")]).await;
    assert!(body.contains("évaluez chaque objectif avant de valider la révision"), "{body}");
    let body = refused(&nurse, &format!("{p}/objectives/{}/evaluation", ids[0]), &[("outcome", "perhaps")]).await;
    assert!(body.contains("choisissez l&#39;évaluation"), "{body}");

    ok(
        &nurse,
        &format!("{p}/objectives/{}/evaluation", ids[0]),
        &[("outcome", "achieved"), ("evaluation_comment", "Sort au jardin chaque jour")],
    )
    .await;
    ok(
        &nurse,
        &format!("{p}/objectives/{}/evaluation", ids[1]),
        &[("outcome", "partly"), ("evaluation_comment", "Poids stable")],
    )
    .await;
    ok(
        &nurse,
        &format!("{p}/details"),
        &[
            ("person_expectations", "Je veux pouvoir recevoir mes petits-enfants"),
            ("relatives_expectations", "Sa fille souhaite qu'elle mange mieux"),
            ("needs", "Aide à la marche"),
            ("review_due", &in_days(365)),
        ],
    )
    .await;
    ok(&nurse, &format!("{p}/status"), &[("to", "validated")]).await;

    let vs = versions(&t, &plan).await;
    assert_eq!(vs.len(), 2);
    assert!(vs[0].2 && vs[1].2, "both versions validated");
    assert_eq!(vs[0].1, frozen[0].1, "version 1 was never rewritten");
    let (_, page) = nurse.text(&p).await;
    assert!(page.contains("Validé") && page.contains("version 2"));
    assert!(page.contains("Je veux pouvoir recevoir mes petits-enfants"));
    assert!(
        page.contains("Atteint")
            && page.contains("Sort au jardin chaque jour")
            && page.contains("Partiellement atteint")
    );
    let (status, old) = nurse.text(&format!("{p}?version=1")).await;
    assert_eq!(status, 200);
    assert!(old.contains("version antérieure, en lecture seule"), "{old}");
    assert!(old.contains("Je veux continuer à aller au jardin") && !old.contains("petits-enfants"));
    assert!(!old.contains("Sort au jardin chaque jour"), "evaluations belong to the review's version");
    assert_eq!(nurse.text(&format!("{p}?version=9")).await.0, 404);

    // The objective page lists its evaluation with the version that holds it.
    let (_, page) = nurse.text(&format!("{p}/objectives/{}", ids[1])).await;
    assert!(
        page.contains("Reprendre du poids") && page.contains("Partiellement atteint") && page.contains("Poids stable")
    );

    let actions = t.audit_actions(&id).await;
    for a in [
        "support_plan.create",
        "support_plan.update",
        "support_plan.status",
        "support_plan.evaluate",
        "support_plan.read",
    ] {
        assert!(actions.iter().any(|x| x == a), "{a} not audited: {actions:?}");
    }
    assert_eq!(actions.iter().filter(|a| *a == "support_plan.evaluate").count(), 2);
}

async fn overdue_plans_are_flagged_and_listed(t: TestApp) {
    let id = resident(&t, "RETARD").await;
    let other = resident(&t, "ALHEURE").await;
    let nurse = t.login("infirmier").await;
    let (late, _) = two_objective_plan(&t, &nurse, &id).await;
    let (on_time, _) = two_objective_plan(&t, &nurse, &other).await;
    ok(&nurse, &format!("/support-plans/{late}/details"), &[("review_due", &in_days(10))]).await;
    for plan in [&late, &on_time] {
        ok(&nurse, &format!("/support-plans/{plan}/status"), &[("to", "validated")]).await;
    }
    let list = format!("/establishments/{}/support-plans?overdue=1", t.fixture.ehpad);
    let (status, page) = nurse.text(&list).await;
    assert_eq!(status, 200);
    assert!(page.contains("Aucun projet en retard de révision"), "{page}");

    t.clock.advance(jiff::SignedDuration::from_hours(24 * 11));
    // Eleven days later the session has long expired.
    let nurse = t.login("infirmier").await;
    let (_, page) = nurse.text(&list).await;
    assert!(page.contains(&late) && page.contains("RETARD"), "{page}");
    assert!(!page.contains(&on_time) && !page.contains("ALHEURE"), "the other's review is in 180 days");
    let (_, page) = nurse.text(&format!("/support-plans/{late}")).await;
    assert!(page.contains("Révision en retard"));
    let (_, page) = nurse.text(&format!("/persons/{id}")).await;
    assert!(page.contains("Révision en retard"));
    let (_, page) = nurse.text(&format!("/support-plans/{on_time}")).await;
    assert!(!page.contains("Révision en retard"));
    // The full list has both.
    let (_, page) = nurse.text(&format!("/establishments/{}/support-plans", t.fixture.ehpad)).await;
    assert!(page.contains(&late) && page.contains(&on_time));
    // Not an establishment of the educator's: as if it did not exist.
    let educ = t.login("educateur").await;
    assert_eq!(educ.text(&list).await.0, 404);
}

async fn notes_tied_to_an_objective_show_on_it(t: TestApp) {
    let id = resident(&t, "LIEN").await;
    let nurse = t.login("infirmier").await;
    let (plan, ids) = two_objective_plan(&t, &nurse, &id).await;
    ok(&nurse, &format!("/support-plans/{plan}/status"), &[("to", "validated")]).await;
    let (_, page) = nurse.text(&format!("/persons/{id}")).await;
    assert!(page.contains("name=\"objective\"") && page.contains(&ids[0]), "the note form offers the objectives");

    let res = nurse
        .post(
            &format!("/persons/{id}/notes"),
            &[
                ("category", "nursing_care"),
                ("text", "Est allée au jardin avec l'aide-soignante"),
                ("objective", &ids[0]),
            ],
        )
        .await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap_or_default());
    ok(&nurse, &format!("/persons/{id}/notes"), &[("category", "nursing_care"), ("text", "Bonne nuit")]).await;
    // An unknown objective is refused; the note is not written.
    let body = refused(
        &nurse,
        &format!("/persons/{id}/notes"),
        &[("category", "nursing_care"), ("text", "Note égarée"), ("objective", "0192f0c4-0000-7000-8000-000000000000")],
    )
    .await;
    assert!(body.contains("objectif du projet personnalisé introuvable"), "{body}");
    assert!(body.contains("Note égarée"), "what was typed is kept");

    let (_, page) = nurse.text(&format!("/support-plans/{plan}/objectives/{}", ids[0])).await;
    assert!(page.contains("Est allée au jardin avec l&#39;aide-soignante"), "{page}");
    assert!(!page.contains("Bonne nuit"));
    let (_, page) = nurse.text(&format!("/support-plans/{plan}/objectives/{}", ids[1])).await;
    assert!(page.contains("Aucune transmission liée à cet objectif"));
    let mut conn = t.app.store.read().await.unwrap();
    let n: i64 = sqlx::Row::try_get(
        &sqlx::query("SELECT COUNT(*) FROM note WHERE person_id = $1 AND body = $2")
            .bind(&id)
            .bind("Note égarée")
            .fetch_one(&mut *conn)
            .await
            .unwrap(),
        0,
    )
    .unwrap();
    assert_eq!(n, 0);
}

async fn access_and_audit_of_plans(t: TestApp) {
    let id = resident(&t, "ACCES").await;
    let nurse = t.login("infirmier").await;
    let (plan, _) = two_objective_plan(&t, &nurse, &id).await;
    let p = format!("/support-plans/{plan}");

    // The secretariat does not read educational data: no card, no plan.
    let sec = t.login("secretariat").await;
    let (_, page) = sec.text(&format!("/persons/{id}")).await;
    assert!(!page.contains("t-support-plan"), "no plan card for the secretariat");
    assert_eq!(sec.text(&p).await.0, 403);
    // The director reads it but cannot write it.
    let dir = t.login("directrice").await;
    let (status, page) = dir.text(&p).await;
    assert_eq!(status, 200);
    assert!(page.contains("Marcher jusqu&#39;au jardin") && !page.contains("Ajouter un objectif"));
    let res = dir.post(&format!("{p}/status"), &[("to", "validated")]).await;
    assert_eq!(res.status(), 403);
    // The educator has no grant in the EHPAD: the plan does not exist for them.
    let educ = t.login("educateur").await;
    assert_eq!(educ.text(&p).await.0, 404);
    assert_eq!(educ.post(&format!("{p}/status"), &[("to", "validated")]).await.status(), 404);
    // A care aide of the unit writes nursing care: they may add to a draft.
    let aide = t.login("aide.nord").await;
    ok(&aide, &format!("{p}/objectives"), &[("objective_title", "Participer à l'atelier mémoire")]).await;

    let director = t.account("directrice").await.to_string();
    let mut conn = t.app.store.read().await.unwrap();
    let reads: i64 = sqlx::Row::try_get(
        &sqlx::query("SELECT COUNT(*) FROM audit_event WHERE person_id = $1 AND action = $2 AND actor_id = $3")
            .bind(&id)
            .bind("support_plan.read")
            .bind(&director)
            .fetch_one(&mut *conn)
            .await
            .unwrap(),
        0,
    )
    .unwrap();
    drop(conn);
    assert!(reads >= 1, "the director's read is audited");

    // The person's access log names the plan's actions in French.
    let (_, log) = dir.text(&format!("/persons/{id}/access-log")).await;
    assert!(
        log.contains("Consultation du projet personnalisé") && log.contains("Projet personnalisé modifié"),
        "{log}"
    );
}

async fn fhir_care_plan_and_goals(t: TestApp) {
    let id = resident(&t, "FHIRPLAN").await;
    let nurse = t.login("infirmier").await;
    let (plan, ids) = two_objective_plan(&t, &nurse, &id).await;
    let p = format!("/support-plans/{plan}");
    ok(&nurse, &format!("{p}/status"), &[("to", "validated")]).await;
    ok(&nurse, &format!("{p}/status"), &[("to", "in_progress")]).await;
    ok(&nurse, &format!("{p}/status"), &[("to", "under_review")]).await;
    ok(&nurse, &format!("{p}/objectives/{}/evaluation", ids[0]), &[("outcome", "achieved")]).await;
    ok(&nurse, &format!("{p}/objectives/{}/evaluation", ids[1]), &[("outcome", "abandoned")]).await;
    ok(&nurse, &format!("{p}/status"), &[("to", "validated")]).await;

    let token = t.api_token("system/CarePlan.read system/Goal.read").await;
    let get = |path: String| {
        let token = token.clone();
        let url = t.url(&path);
        async move {
            let r = reqwest::Client::new().get(url).bearer_auth(token).send().await.unwrap();
            let s = r.status().as_u16();
            (s, r.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let (s, bundle) = get(format!("/fhir/CarePlan?patient=Patient/{id}")).await;
    assert_eq!(s, 200, "{bundle}");
    assert_eq!(bundle["total"], 1);
    let cp = &bundle["entry"][0]["resource"];
    assert_eq!(cp["resourceType"], "CarePlan");
    assert_eq!(cp["id"], plan.as_str());
    assert_eq!(cp["status"], "active");
    assert_eq!(cp["intent"], "plan");
    assert_eq!(cp["subject"]["reference"], format!("Patient/{id}"));
    assert_eq!(cp["meta"]["versionId"], "2");
    assert_eq!(cp["activity"].as_array().unwrap().len(), 2, "{cp}");
    assert!(cp["activity"][0]["detail"]["description"].as_str().unwrap().contains("Accompagner au jardin"));
    assert_eq!(cp["goal"].as_array().unwrap().len(), 4, "two expectations and two objectives: {cp}");

    let (s, goals) = get(format!("/fhir/Goal?patient={id}")).await;
    assert_eq!(s, 200, "{goals}");
    assert_eq!(goals["total"], 4, "{goals}");
    let entries = goals["entry"].as_array().unwrap();
    let category = |g: &Value| g["category"][0]["coding"][0]["code"].as_str().unwrap_or_default().to_string();
    assert_eq!(entries.iter().filter(|e| category(&e["resource"]) == "attente").count(), 2);
    let objective = entries
        .iter()
        .map(|e| &e["resource"])
        .find(|g| g["id"] == ids[0].as_str())
        .expect("the first objective is a Goal");
    assert_eq!(category(objective), "objectif");
    assert_eq!(objective["achievementStatus"]["coding"][0]["code"], "achieved");
    assert_eq!(objective["description"]["text"], "Marcher jusqu'au jardin");
    assert!(objective["target"][0]["dueDate"].is_string());
    let (s, g) = get(format!("/fhir/Goal/{}", ids[1])).await;
    assert_eq!(s, 200);
    assert_eq!(g["achievementStatus"]["coding"][0]["code"], "not-attainable");
    assert_eq!(g["lifecycleStatus"], "cancelled");
    let (s, read) = get(format!("/fhir/CarePlan/{plan}")).await;
    assert_eq!((s, read["id"].as_str()), (200, Some(plan.as_str())));

    // Another token without the scope is refused; the capability statement lists both.
    let other = t.api_token("system/Patient.read").await;
    let r =
        reqwest::Client::new().get(t.url(&format!("/fhir/CarePlan/{plan}"))).bearer_auth(other).send().await.unwrap();
    assert_eq!(r.status(), 403);
    let meta: Value = reqwest::get(t.url("/fhir/metadata")).await.unwrap().json().await.unwrap();
    let types: Vec<&str> =
        meta["rest"][0]["resource"].as_array().unwrap().iter().filter_map(|r| r["type"].as_str()).collect();
    assert!(types.contains(&"CarePlan") && types.contains(&"Goal"), "{types:?}");
    assert!(t.audit_actions(&id).await.iter().filter(|a| *a == "support_plan.read").count() >= 3);
}

/// The plan's printout as `b` gets it: (status, text read back from the PDF, or the body).
async fn printed(b: &Browser, path: &str) -> (u16, String) {
    let res = b.get(path).await;
    let status = res.status().as_u16();
    if status != 200 {
        return (status, res.text().await.unwrap_or_default());
    }
    let h = res.headers();
    assert_eq!(h.get("content-type").unwrap(), "application/pdf");
    assert_eq!(h.get("cache-control").unwrap(), "no-store");
    let disposition = h.get("content-disposition").unwrap().to_str().unwrap().to_string();
    assert!(disposition.starts_with("inline; filename=\"projet-personnalise-"), "{disposition}");
    assert!(!disposition.to_lowercase().contains("impression"), "no name in the file name: {disposition}");
    (status, crate::contracts::pdf_text(&res.bytes().await.unwrap()))
}

async fn a_reviewed_plan_is_printed(t: TestApp) {
    let id = resident(&t, "IMPRESSION").await;
    let nurse = t.login("infirmier").await;
    let (plan, ids) = two_objective_plan(&t, &nurse, &id).await;
    let p = format!("/support-plans/{plan}");

    // A draft prints as it stands.
    let (status, text) = printed(&nurse, &format!("{p}/print")).await;
    assert_eq!(status, 200, "{text}");
    for s in [
        "IMPRESSION Jeanne — né(e) le",
        "Version 1 — Brouillon",
        "La personne : Je veux continuer à aller au jardin",
        "Ses proches : Sa fille souhaite qu'elle mange mieux",
        "Besoins évalués Aide à la marche Surveillance de l'alimentation",
        "Marcher jusqu'au jardin",
        "Trois sorties par semaine",
        "Reprendre du poids",
        "Accompagner au jardin (lundi, mercredi, vendredi)",
        "Aide-soignant : Proposer une collation (chaque après-midi)",
        "Accord oral le",
        "Référent",
    ] {
        assert!(text.contains(s), "« {s} » missing: {text}");
    }
    assert!(!text.contains("INS :"), "no INS for an identity that is not qualified: {text}");

    // Reviewed: version 2 carries each objective's evaluation.
    ok(&nurse, &format!("{p}/status"), &[("to", "validated")]).await;
    ok(&nurse, &format!("{p}/status"), &[("to", "in_progress")]).await;
    ok(&nurse, &format!("{p}/status"), &[("to", "under_review")]).await;
    ok(
        &nurse,
        &format!("{p}/objectives/{}/evaluation", ids[0]),
        &[("outcome", "achieved"), ("evaluation_comment", "Sort au jardin chaque jour")],
    )
    .await;
    ok(&nurse, &format!("{p}/objectives/{}/evaluation", ids[1]), &[("outcome", "not_achieved")]).await;
    ok(&nurse, &format!("{p}/status"), &[("to", "validated")]).await;
    let (_, text) = printed(&nurse, &format!("{p}/print")).await;
    for s in [
        "Version 2 — Validé",
        &format!("Validé le {}", crate::today()),
        "Atteint — Sort au jardin chaque jour",
        "Non atteint",
    ] {
        assert!(text.contains(s), "« {s} » missing: {text}");
    }
    let (status, easy) = printed(&nurse, &format!("{p}/print?form=easy")).await;
    assert_eq!(status, 200);
    assert!(easy.contains("Mon projet") && easy.contains("Marcher jusqu'au jardin"), "{easy}");
    assert!(easy.contains("Mes proches : Sa fille souhaite"), "relatives' words are theirs: {easy}");
    assert!(!easy.contains("Référent") && !easy.contains("Échéance"), "no jargon: {easy}");
    assert_eq!(nurse.get(&format!("{p}/print?form=large")).await.status(), 404);

    // Printing is reading: the same rules, and it is audited as a print.
    let sec = t.login("secretariat").await;
    assert_eq!(printed(&sec, &format!("{p}/print")).await.0, 403);
    let educ = t.login("educateur").await;
    assert_eq!(printed(&educ, &format!("{p}/print")).await.0, 404);
    let mut conn = t.app.store.read().await.unwrap();
    let rows = sqlx::query("SELECT detail FROM audit_event WHERE person_id = $1 AND action = $2 ORDER BY seq")
        .bind(&id)
        .bind("support_plan.print")
        .fetch_all(&mut *conn)
        .await
        .unwrap();
    drop(conn);
    let details: Vec<String> = rows.iter().map(|r| sqlx::Row::try_get(r, 0).unwrap()).collect();
    assert_eq!(details, ["version 1", "version 2", "version 2, easy-to-read"]);
    let dir = t.login("directrice").await;
    let (_, log) = dir.text(&format!("/persons/{id}/access-log")).await;
    assert!(log.contains("Impression du projet personnalisé"), "{log}");
}

async fn two_open_plans_after_a_merge_are_flagged(t: TestApp) {
    let kept = resident(&t, "PLANGARDE").await;
    let alias = resident(&t, "PLANDOUBLE").await;
    let nurse = t.login("infirmier").await;
    let first = start(&nurse, &kept).await;
    let second = start(&nurse, &alias).await;
    let (_, page) = nurse.text(&format!("/persons/{kept}")).await;
    assert!(!page.contains("Un seul projet personnalisé peut être en cours"), "{page}");

    let referent = t.login("referent").await;
    let res = referent
        .post(&format!("/persons/{kept}/merge"), &[("merged", alias.as_str()), ("reason", "même personne, CNI vue")])
        .await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap_or_default());
    let (_, page) = nurse.text(&format!("/persons/{kept}")).await;
    assert!(page.contains("Un seul projet personnalisé peut être en cours"), "{page}");
    let shown = [&first, &second].iter().filter(|p| page.contains(&format!("href=\"/support-plans/{p}\""))).count();
    assert_eq!(shown, 2, "both plans reachable from the page: {page}");

    // Closing one settles it.
    ok(&nurse, &format!("/support-plans/{second}/status"), &[("to", "closed")]).await;
    let (_, page) = nurse.text(&format!("/persons/{kept}")).await;
    assert!(!page.contains("Un seul projet personnalisé peut être en cours"), "{page}");
    assert!(page.contains(&format!("href=\"/support-plans/{first}\"")), "the running plan is the one shown: {page}");
}
