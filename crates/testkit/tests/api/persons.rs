//! Identity, search, stays, logbook and confidentiality through the web UI.

use crate::{admit, both_engines, register, resident};
use relais_testkit::{TestApp, person_links};

both_engines!(
    registration_errors_keep_what_was_typed,
    search_folds_accents_and_case,
    logbook_and_scope_between_establishments,
    correction_keeps_history,
    transfer_and_discharge,
    evidence_validates_identity,
    confidentiality_by_profile,
);

async fn registration_errors_keep_what_was_typed(t: TestApp) {
    let b = t.login("secretariat").await;
    let res = b
        .post(
            "/persons",
            &[
                ("establishment", &t.fixture.ehpad.to_string()),
                ("birth_name", "Lefèvre-Ménard"),
                ("first_names", "Zoé Anaïs"),
                ("birth_date", "30/02/1950"),
                ("sex", ""),
                ("birthplace", "ABC"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(page.contains("value=\"Lefèvre-Ménard\""), "typed name kept");
    assert!(page.contains("value=\"Zoé Anaïs\""));
    assert!(
        page.contains("cette date n&#39;existe pas") || page.contains("cette date n'existe pas"),
        "French date message"
    );
    assert!(page.contains("Sexe : sexe attendu"));
    assert!(page.contains("Lieu de naissance : code INSEE"));
    // Nothing was written.
    let (_, search) = b.text("/persons?q=lefevre").await;
    assert!(person_links(&search).is_empty());
    // Partial dates are allowed.
    let id = register(&b, &t.fixture.ehpad.to_string(), "Lefèvre-Ménard", "Zoé Anaïs", "00/00/1950").await;
    let (_, page) = b.text(&format!("/persons/{id}")).await;
    assert!(page.contains("LEFÈVRE-MÉNARD Zoé"));
    assert!(page.contains("00/00/1950"));
    assert!(page.contains("Identité provisoire"));
}

async fn search_folds_accents_and_case(t: TestApp) {
    let b = t.login("secretariat").await;
    let est = t.fixture.ehpad.to_string();
    let a = register(&b, &est, "LEFÈVRE", "Hélène", "01/02/1940").await;
    let c = register(&b, &est, "LEFEBVRE", "Jean", "03/04/1941").await;
    let (_, p) = b.text("/persons?q=lefevre").await;
    assert_eq!(person_links(&p), vec![a.clone()]);
    let (_, p) = b.text("/persons?q=LEFE").await;
    let links = person_links(&p);
    assert!(links.contains(&a) && links.contains(&c));
    let (_, p) = b.text("/persons?q=helene").await;
    assert_eq!(person_links(&p), vec![a.clone()]);
    let (_, p) = b.text("/persons?birth_date=03/04/1941").await;
    assert_eq!(person_links(&p), vec![c.clone()]);
    let (_, p) = b.text("/persons?q=lef&birth_date=1940-02-01").await;
    assert_eq!(person_links(&p), vec![a]);
    // Any word of the names, several words at once.
    let d = register(&b, &est, "DUPONT-MARTIN", "Marie Claire", "05/06/1942").await;
    let (_, p) = b.text("/persons?q=martin").await;
    assert_eq!(person_links(&p), vec![d.clone()]);
    let (_, p) = b.text("/persons?q=claire%20dup").await;
    assert_eq!(person_links(&p), vec![d.clone()]);
    let (_, p) = b.text("/persons?q=claire%20lefevre").await;
    assert!(person_links(&p).is_empty());
    let (_, p) = b.text("/persons?birth_date=31/02/1941").await;
    assert!(p.contains("Date de naissance"), "bad date explained");
    // htmx asks for the results fragment only.
    let r = b.client.get(t.url("/persons?q=lefebvre")).header("hx-request", "true").send().await.unwrap();
    let frag = r.text().await.unwrap();
    assert!(!frag.contains("<html"));
    assert_eq!(person_links(&frag), vec![c]);
}

async fn logbook_and_scope_between_establishments(t: TestApp) {
    let id = resident(&t, "DURAND").await;
    let aide = t.login("aide.nord").await;
    let res = aide
        .post(
            &format!("/persons/{id}/notes"),
            &[("category", "nursing_care"), ("text", "A bien dormi, toilette faite.")],
        )
        .await;
    assert_eq!(res.status(), 303);
    // A double tap (the same form posted twice) writes once.
    let (_, page) = aide.text(&format!("/persons/{id}")).await;
    let form_id = relais_testkit::extract(&page, "name=\"form_id\" value=\"").expect("form id");
    let fields =
        [("category", "nursing_care"), ("text", "Transmission envoyée deux fois"), ("form_id", form_id.as_str())];
    assert_eq!(aide.post(&format!("/persons/{id}/notes"), &fields).await.status(), 303);
    let replay = aide.post(&format!("/persons/{id}/notes"), &fields).await;
    assert_eq!(replay.status(), 409);
    assert!(replay.text().await.unwrap().contains("déjà été envoyé"));
    let (_, page) = aide.text(&format!("/persons/{id}")).await;
    assert_eq!(page.matches("Transmission envoyée deux fois").count(), 1);
    let (_, unit) = aide.text(&format!("/units/{}", t.fixture.north)).await;
    assert!(unit.contains("A bien dormi, toilette faite."), "note in the unit logbook");
    assert!(unit.contains("DURAND Jeanne"));
    let (_, home) = aide.text("/").await;
    assert!(home.contains(&format!("/units/{}", t.fixture.north)));
    assert!(!home.contains(&format!("/units/{}", t.fixture.south)));
    // The IME educator: 404 on the EHPAD resident, who is absent from searches.
    let edu = t.login("educateur").await;
    let (status, page) = edu.text(&format!("/persons/{id}")).await;
    assert_eq!(status, 404);
    let (missing, _) = edu.text("/persons/0190b6f5-0000-7000-8000-000000000000").await;
    assert_eq!(missing, 404, "same answer as an id that does not exist");
    assert!(page.contains("Introuvable"));
    let (_, search) = edu.text("/persons?q=durand").await;
    assert!(person_links(&search).is_empty());
    assert_eq!(edu.get(&format!("/units/{}", t.fixture.north)).await.status(), 404);
    let res = edu.post(&format!("/persons/{id}/notes"), &[("category", "educational"), ("text", "x")]).await;
    assert_eq!(res.status(), 404);
    let nurse = t.login("infirmier").await;
    let (status, _) = nurse.text(&format!("/persons/{id}")).await;
    assert_eq!(status, 200, "establishment-wide nurse sees the resident");
    let (status, list) = nurse.text(&format!("/establishments/{}", t.fixture.ehpad)).await;
    assert_eq!(status, 200);
    assert_eq!(person_links(&list), vec![id.clone()]);
    assert_eq!(
        aide.get(&format!("/establishments/{}", t.fixture.ehpad)).await.status(),
        404,
        "unit grant: no establishment list"
    );
}

async fn correction_keeps_history(t: TestApp) {
    let id = resident(&t, "PETIT").await;
    let nurse = t.login("infirmier").await;
    nurse
        .post(
            &format!("/persons/{id}/notes"),
            &[("category", "nursing_care"), ("text", "Tension 15/9 à 8 h."), ("target", "Tension")],
        )
        .await;
    let (_, page) = nurse.text(&format!("/persons/{id}")).await;
    let note = page.split("/notes/").nth(1).unwrap().split('/').next().unwrap().to_string();
    // A correction without reason is refused, and nothing changes.
    let res = nurse
        .post(
            &format!("/notes/{note}/correct"),
            &[("category", "nursing_care"), ("text", "Tension 13/8 à 8 h."), ("reason", "")],
        )
        .await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("Motif : indiquez le motif"));
    let res = nurse
        .post(
            &format!("/notes/{note}/correct"),
            &[
                ("category", "nursing_care"),
                ("text", "Tension 13/8 à 8 h."),
                ("target", "Tension"),
                ("reason", "Erreur de saisie"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let (_, page) = nurse.text(&format!("/persons/{id}")).await;
    assert!(page.contains("Tension 13/8"));
    assert!(!page.contains("Tension 15/9"), "the person page shows the current version");
    let (_, history) = nurse.text(&format!("/notes/{note}/history")).await;
    assert!(
        history.contains("Tension 15/9") && history.contains("Tension 13/8") && history.contains("Erreur de saisie")
    );
    // Correcting the superseded version again is a conflict.
    let res = nurse
        .post(
            &format!("/notes/{note}/correct"),
            &[("category", "nursing_care"), ("text", "Autre"), ("reason", "Encore")],
        )
        .await;
    assert_eq!(res.status(), 409);
}

async fn transfer_and_discharge(t: TestApp) {
    let id = resident(&t, "MOREAU").await;
    let dir = t.login("directrice").await;
    let (_, page) = dir.text(&format!("/persons/{id}")).await;
    let stay = page.split("/stays/").nth(1).unwrap().split('/').next().unwrap().to_string();
    let today = crate::today();
    let res = dir
        .post(
            &format!("/persons/{id}/stays/{stay}/transfer"),
            &[("target", &format!("{}:{}", t.fixture.ime, t.fixture.group)), ("date", &today)],
        )
        .await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap_or_default());
    let (_, page) = dir.text(&format!("/persons/{id}")).await;
    assert!(page.contains("IME Test — Groupe"));
    assert!(page.contains("en cours"));
    // The IME's educator now sees the person.
    let edu = t.login("educateur").await;
    assert_eq!(edu.get(&format!("/persons/{id}")).await.status(), 200);
    let new_stay =
        page.split("/stays/").skip(1).filter_map(|s| s.split('/').next()).find(|s| *s != stay).unwrap().to_string();
    // A discharge before the admission is refused with a message.
    let res = dir
        .post(&format!("/persons/{id}/stays/{new_stay}/discharge"), &[("end", "01/01/2000"), ("reason", "return_home")])
        .await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("précède la date"));
    let res = dir
        .post(&format!("/persons/{id}/stays/{new_stay}/discharge"), &[("end", &today), ("reason", "return_home")])
        .await;
    assert_eq!(res.status(), 303);
    let (_, page) = dir.text(&format!("/persons/{id}")).await;
    assert!(!page.contains("en cours"));
}

async fn evidence_validates_identity(t: TestApp) {
    let id = resident(&t, "GIRARD").await;
    let sec = t.login("secretariat").await;
    let res = sec.post(&format!("/persons/{id}/evidence"), &[("kind", "CNI"), ("expires_on", "01/01/2001")]).await;
    assert_eq!(res.status(), 422, "an expired document cannot validate");
    let (_, page) = sec.text(&format!("/persons/{id}")).await;
    assert!(page.contains("Identité provisoire"));
    let res = sec.post(&format!("/persons/{id}/evidence"), &[("kind", "AUTRE"), ("expires_on", "")]).await;
    assert_eq!(res.status(), 303);
    let (_, page) = sec.text(&format!("/persons/{id}")).await;
    assert!(page.contains("Identité provisoire"), "a low-trust document does not validate");
    let res =
        sec.post(&format!("/persons/{id}/evidence"), &[("kind", "PASSEPORT"), ("expires_on", "01/01/2035")]).await;
    assert_eq!(res.status(), 303);
    let (_, page) = sec.text(&format!("/persons/{id}")).await;
    assert!(page.contains("Identité validée"));
    // A care aide may not record identity documents.
    let aide = t.login("aide.nord").await;
    let res = aide.post(&format!("/persons/{id}/evidence"), &[("kind", "CNI"), ("expires_on", "")]).await;
    assert_eq!(res.status(), 403);
}

async fn confidentiality_by_profile(t: TestApp) {
    let id = resident(&t, "ROUSSEAU").await;
    let doctor = t.login("medecin").await;
    let res = doctor
        .post(&format!("/persons/{id}/notes"), &[("category", "medical"), ("text", "Diagnostic confidentiel XYZ.")])
        .await;
    assert_eq!(res.status(), 303);
    let aide = t.login("aide.nord").await;
    let (_, page) = aide.text(&format!("/persons/{id}")).await;
    assert!(!page.contains("Diagnostic confidentiel XYZ."), "no medical note for a care aide");
    let (_, unit) = aide.text(&format!("/units/{}", t.fixture.north)).await;
    assert!(!unit.contains("Diagnostic confidentiel XYZ."), "nor in the unit logbook");
    let res = aide.post(&format!("/persons/{id}/notes"), &[("category", "medical"), ("text", "x")]).await;
    assert_eq!(res.status(), 403);
    let (_, page) = t.login("infirmier").await.text(&format!("/persons/{id}")).await;
    assert!(page.contains("Diagnostic confidentiel XYZ."), "a nurse reads medical notes");
    // Admission needs an admissions profile.
    let res = aide
        .post(
            &format!("/persons/{id}/stays"),
            &[
                ("target", &format!("{}:{}", t.fixture.ehpad, t.fixture.south)),
                ("mode", "permanent"),
                ("start", "01/01/2026"),
            ],
        )
        .await;
    assert_eq!(res.status(), 403);
    let _ = admit;
}
