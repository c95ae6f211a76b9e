//! Admission requests through the UI: the workflow to a stay, refusals and invalid moves, the
//! waiting list, access and audit.

use crate::{both_engines, register, resident, today};
use relais_testkit::{Browser, TestApp};

/// A date `days` before today in Europe/Paris, as typed in forms.
fn days_ago(days: i64) -> String {
    let tz = jiff::tz::TimeZone::get("Europe/Paris").unwrap();
    let today = tz.to_datetime(jiff::Timestamp::now()).date();
    today.checked_sub(jiff::Span::new().days(days)).unwrap().strftime("%d/%m/%Y").to_string()
}

/// Records a direct request to `target` received on `received_on`; returns the request id.
async fn request(b: &Browser, person: &str, target: &str, received_on: &str, priority: &str) -> String {
    let res = b
        .post(
            &format!("/persons/{person}/admissions"),
            &[
                ("request_target", target),
                ("request_mode", "permanent"),
                ("source", "direct"),
                ("received_on", received_on),
                ("priority", priority),
                ("documents", "Dossier unique d'admission"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303, "request: {}", res.text().await.unwrap_or_default());
    let loc = res.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    assert!(loc.ends_with("?ok=created"), "{loc}");
    loc.trim_start_matches("/admissions/").split('?').next().unwrap_or_default().to_string()
}

async fn move_to(b: &Browser, request: &str, to: &str, comment: &str) -> reqwest::Response {
    b.post(&format!("/admissions/{request}/status"), &[("to", to), ("comment", comment)]).await
}

async fn status_of(t: &TestApp, request: &str) -> (String, Option<String>, i64) {
    let mut conn = t.app.store.read().await.unwrap();
    let row = sqlx::query("SELECT status, stay_id FROM admission_request WHERE id = $1")
        .bind(request)
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    let changes: i64 = sqlx::Row::try_get(
        &sqlx::query("SELECT COUNT(*) FROM admission_status_change WHERE request_id = $1")
            .bind(request)
            .fetch_one(&mut *conn)
            .await
            .unwrap(),
        0,
    )
    .unwrap();
    (sqlx::Row::try_get(&row, 0).unwrap(), sqlx::Row::try_get(&row, 1).unwrap(), changes)
}

both_engines!(
    an_accepted_request_opens_the_stay,
    refusals_need_a_reason_and_invalid_moves_write_nothing,
    the_waiting_list_puts_urgent_then_oldest_first,
    only_those_who_manage_stays_see_requests,
    the_office_applied_to_sees_the_applicant_while_the_request_is_open
);

async fn an_accepted_request_opens_the_stay(t: TestApp) {
    let sec = t.login("secretariat").await;
    let ehpad = t.fixture.ehpad.to_string();
    let id = register(&sec, &ehpad, "ADMISSION", "Paulette", "12/04/1940").await;
    let (_, page) = sec.text(&format!("/persons/{id}")).await;
    assert!(page.contains("Demandes d'admission") && page.contains("Aucune demande d'admission"));

    // An MDPH orientation without its validity end: refused, field named, nothing written.
    let target = format!("{}:{}", t.fixture.ehpad, t.fixture.north);
    let mut fields = vec![
        ("request_target", target.as_str()),
        ("request_mode", "temporary"),
        ("source", "mdph"),
        ("mdph_number", "CDAPH-2026-0042"),
        ("received_on", "20/11/2026"),
        ("priority", "urgent"),
        ("documents", "Notification MDPH\nCertificat médical"),
    ];
    let res = sec.post(&format!("/persons/{id}/admissions"), &fields).await;
    assert_eq!(res.status(), 422);
    let body = res.text().await.unwrap();
    assert!(body.contains("la date de fin de validité de la notification MDPH est obligatoire"), "{body}");
    assert!(body.contains("CDAPH-2026-0042"), "what was typed is kept");
    fields.push(("mdph_valid_until", "31/12/2031"));
    let received = days_ago(3);
    fields[4] = ("received_on", received.as_str());
    let res = sec.post(&format!("/persons/{id}/admissions"), &fields).await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap_or_default());
    let loc = res.headers().get("location").unwrap().to_str().unwrap().to_string();
    let rid = loc.trim_start_matches("/admissions/").split('?').next().unwrap().to_string();
    let (status, page) = sec.text(&loc).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("Reçue") && page.contains("MDPH n° CDAPH-2026-0042, valable jusqu&#39;au 31/12/2031"),
        "{page}"
    );
    assert!(page.contains("3 jours d") && page.contains("Certificat médical") && page.contains("Urgente"));

    // A second open request to the same establishment is refused.
    let res = sec.post(&format!("/persons/{id}/admissions"), &fields).await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("déjà une demande d&#39;admission en cours"));
    assert_eq!(t.audit_actions(&id).await.iter().filter(|a| *a == "admission.create").count(), 1);

    for (to, comment) in
        [("under_review", ""), ("visit_planned", "Visite le 2 décembre avec sa fille"), ("accepted", "")]
    {
        let res = move_to(&sec, &rid, to, comment).await;
        assert_eq!(res.status(), 303, "{to}: {}", res.text().await.unwrap_or_default());
    }
    let (_, page) = sec.text(&format!("/admissions/{rid}")).await;
    assert!(page.contains("Acceptée") && page.contains("Visite le 2 décembre avec sa fille"));
    assert!(page.contains("action=\"/admissions/") && page.contains("/admit\""), "the admission form is offered");

    let res = sec.post(&format!("/admissions/{rid}/admit"), &[("start", &today())]).await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap_or_default());
    assert_eq!(res.headers().get("location").unwrap().to_str().unwrap(), format!("/persons/{id}?ok=admitted"));
    let (_, page) = sec.text(&format!("/persons/{id}?ok=admitted")).await;
    assert!(page.contains("EHPAD Test — Nord") && page.contains("<strong>en cours</strong>"), "{page}");
    assert!(page.contains("Hébergement temporaire"), "the stay takes the request's mode");
    let (status, stay, changes) = status_of(&t, &rid).await;
    assert_eq!((status.as_str(), changes), ("admitted", 5));
    let stay = stay.expect("the request names the stay it opened");
    let mut conn = t.app.store.read().await.unwrap();
    let stays = relais_app::store::persons::stays(&mut conn, id.parse().unwrap()).await.unwrap();
    drop(conn);
    assert_eq!(stays.len(), 1);
    assert!(stays[0].is_open() && stays[0].id.to_string() == stay && stays[0].unit_id == Some(t.fixture.north));

    // Admitted is final: no more moves, a second admission is refused.
    let (_, page) = sec.text(&format!("/admissions/{rid}")).await;
    assert!(page.contains("Admise") && !page.contains("name=\"to\""));
    let res = sec.post(&format!("/admissions/{rid}/admit"), &[("start", &today())]).await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("définitif"));

    let actions = t.audit_actions(&id).await;
    assert_eq!(actions.iter().filter(|a| *a == "admission.create").count(), 1, "{actions:?}");
    assert_eq!(actions.iter().filter(|a| *a == "admission.status").count(), 4, "{actions:?}");
    assert!(actions.iter().any(|a| a == "admission.read") && actions.iter().any(|a| a == "stay.admit"));
}

async fn refusals_need_a_reason_and_invalid_moves_write_nothing(t: TestApp) {
    let sec = t.login("secretariat").await;
    let id = register(&sec, &t.fixture.ehpad.to_string(), "REFUS", "Marcel", "03/02/1937").await;
    let rid = request(&sec, &id, &format!("{}:", t.fixture.ehpad), &today(), "normal").await;

    // Received → admitted: refused by both routes, with the French reason, nothing written.
    let res = move_to(&sec, &rid, "admitted", "").await;
    assert_eq!(res.status(), 422);
    let body = res.text().await.unwrap();
    assert!(body.contains("ne peut pas être admise : l&#39;admission suit l&#39;acceptation de la demande"), "{body}");
    let res = sec.post(&format!("/admissions/{rid}/admit"), &[("start", &today())]).await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("l&#39;admission suit l&#39;acceptation"));
    let res = move_to(&sec, &rid, "accepted", "").await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("passage impossible de « reçue » à « acceptée »"));
    assert_eq!(status_of(&t, &rid).await, ("received".to_string(), None, 1));
    let (_, page) = sec.text(&format!("/persons/{id}")).await;
    assert!(page.contains("Aucun séjour."), "no stay was opened");

    assert_eq!(move_to(&sec, &rid, "under_review", "").await.status(), 303);
    // A refusal without its reason: refused, the status stays.
    let res = move_to(&sec, &rid, "refused", "   ").await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("le motif est obligatoire pour un refus"));
    assert_eq!(status_of(&t, &rid).await, ("under_review".to_string(), None, 2));
    let res = move_to(&sec, &rid, "refused", "Besoins de soins hors de notre projet d'établissement").await;
    assert_eq!(res.status(), 303);
    let (_, page) = sec.text(&format!("/admissions/{rid}")).await;
    assert!(page.contains("Refusée") && page.contains("hors de notre projet"));
    // Final: no way back.
    let res = move_to(&sec, &rid, "accepted", "").await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("ce statut est définitif"));
    assert_eq!(status_of(&t, &rid).await.2, 3);
    // An unknown status is named as such.
    let res = move_to(&sec, &rid, "lost", "").await;
    assert_eq!(res.status(), 422);
}

async fn the_waiting_list_puts_urgent_then_oldest_first(t: TestApp) {
    let sec = t.login("secretariat").await;
    let ehpad = t.fixture.ehpad.to_string();
    let target = format!("{ehpad}:{}", t.fixture.south);
    let a = register(&sec, &ehpad, "ATTENTEA", "Anne", "01/01/1941").await;
    let b = register(&sec, &ehpad, "ATTENTEB", "Berthe", "02/02/1942").await;
    let c = register(&sec, &ehpad, "ATTENTEC", "Cécile", "03/03/1943").await;
    let d = register(&sec, &ehpad, "ATTENTED", "Denise", "04/04/1944").await;
    request(&sec, &a, &target, &days_ago(10), "normal").await;
    request(&sec, &b, &target, &days_ago(2), "urgent").await;
    request(&sec, &c, &target, &days_ago(30), "normal").await;
    let withdrawn = request(&sec, &d, &target, &days_ago(60), "urgent").await;
    assert_eq!(move_to(&sec, &withdrawn, "withdrawn", "Entrée dans un autre EHPAD").await.status(), 303);

    let (status, page) = sec.text(&format!("/establishments/{ehpad}/admissions")).await;
    assert_eq!(status, 200);
    let pos = |name: &str| page.find(name).unwrap_or_else(|| panic!("{name} missing: {page}"));
    assert!(pos("ATTENTEB") < pos("ATTENTEC") && pos("ATTENTEC") < pos("ATTENTEA"), "urgent, then oldest");
    assert!(!page.contains("ATTENTED"), "a withdrawn request leaves the list");
    assert!(page.contains("<td>2 j</td>") && page.contains("<td>10 j</td>") && page.contains("<td>30 j</td>"));
    assert!(page.contains("<td>Sud</td>") && page.contains("Demande directe"));
    // The establishment's page and the home page lead there.
    let (_, est) = sec.text(&format!("/establishments/{ehpad}")).await;
    assert!(est.contains(&format!("href=\"/establishments/{ehpad}/admissions\"")));
    let (_, home) = sec.text("/").await;
    assert!(home.contains(&format!("href=\"/establishments/{ehpad}/admissions\"")));

    // One audit event names the persons listed.
    let mut conn = t.app.store.read().await.unwrap();
    let row = sqlx::query("SELECT detail FROM audit_event WHERE action = 'admission.read' AND resource = $1")
        .bind(format!("establishment/{ehpad}/admissions"))
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    let detail: String = sqlx::Row::try_get(&row, 0).unwrap();
    for p in [&a, &b, &c] {
        assert!(detail.contains(p.as_str()), "{detail}");
    }
    assert!(!detail.contains(d.as_str()));
}

async fn only_those_who_manage_stays_see_requests(t: TestApp) {
    // A resident of the north unit, for whom a new request (another place) is recorded.
    let id = resident(&t, "ACCES").await;
    let sec = t.login("secretariat").await;
    let ehpad = t.fixture.ehpad.to_string();
    let rid = request(&sec, &id, &format!("{ehpad}:{}", t.fixture.north), &today(), "normal").await;

    let aide = t.login("aide.nord").await;
    assert_eq!(aide.get(&format!("/admissions/{rid}")).await.status(), 403);
    assert_eq!(move_to(&aide, &rid, "under_review", "").await.status(), 403);
    assert_eq!(aide.get(&format!("/establishments/{ehpad}/admissions")).await.status(), 403);
    let res = aide
        .post(
            &format!("/persons/{id}/admissions"),
            &[
                ("request_target", &format!("{ehpad}:")),
                ("request_mode", "permanent"),
                ("source", "direct"),
                ("received_on", &today()),
            ],
        )
        .await;
    assert_eq!(res.status(), 403);
    let (_, page) = aide.text(&format!("/persons/{id}")).await;
    assert!(!page.contains("Demandes d'admission"), "the section is not shown to a care aide");

    let edu = t.login("educateur").await;
    assert_eq!(edu.get(&format!("/admissions/{rid}")).await.status(), 404);
    assert_eq!(move_to(&edu, &rid, "under_review", "").await.status(), 404);
    assert_eq!(edu.get(&format!("/establishments/{ehpad}/admissions")).await.status(), 404);
    assert_eq!(sec.get("/admissions/0190a0b0-0000-7000-8000-000000000000").await.status(), 404);
    assert_eq!(status_of(&t, &rid).await, ("received".to_string(), None, 1), "nothing was written");

    let actions = t.audit_actions(&id).await;
    assert!(actions.iter().any(|a| a == "admission.create"), "{actions:?}");
}

/// Known in the IME, applying to the EHPAD of the same organisation: the EHPAD's office sees the
/// applicant while a request is open, takes it to the admission, and not before nor after a
/// withdrawal; its care team does not.
async fn the_office_applied_to_sees_the_applicant_while_the_request_is_open(t: TestApp) {
    let ime_office = t.login("secretariat.ime").await;
    let id = register(&ime_office, &t.fixture.ime.to_string(), "CANDIDATE", "Yvette", "09/09/1939").await;
    let ehpad = t.fixture.ehpad.to_string();
    let sec = t.login("secretariat").await;
    let nurse = t.login("infirmier").await;
    let aide = t.login("aide.nord").await;
    let person = format!("/persons/{id}");
    let waiting = format!("/establishments/{ehpad}/admissions");
    assert_eq!(sec.get(&person).await.status(), 404, "before any request");
    let (_, found) = sec.text("/persons?q=candidate").await;
    assert!(!found.contains(&id), "not found by name before the request");

    // The director works both offices and records the request to the EHPAD's north unit.
    let director = t.login("directrice").await;
    let target = format!("{ehpad}:{}", t.fixture.north);
    let first = request(&director, &id, &target, &today(), "normal").await;
    let (status, list) = sec.text(&waiting).await;
    assert_eq!(status, 200);
    assert!(list.contains("CANDIDATE"), "on the waiting list: {list}");
    let (status, page) = sec.text(&person).await;
    assert_eq!(status, 200);
    assert!(page.contains("CANDIDATE") && page.contains(&format!("/admissions/{first}")), "{page}");
    let (_, found) = sec.text("/persons?q=candidate").await;
    assert!(found.contains(&id), "found by name: {found}");
    let (status, page) = sec.text(&format!("/admissions/{first}")).await;
    assert_eq!(status, 200);
    assert!(page.contains("Reçue"));
    // The care team of the EHPAD does not know the applicant.
    for b in [&nurse, &aide] {
        assert_eq!(b.get(&person).await.status(), 404);
        assert_eq!(b.get(&format!("/admissions/{first}")).await.status(), 404);
    }

    // Withdrawn: the person is unknown to the EHPAD's office again.
    assert_eq!(move_to(&sec, &first, "withdrawn", "La famille renonce").await.status(), 303);
    assert_eq!(status_of(&t, &first).await.0, "withdrawn");
    assert_eq!(sec.get(&person).await.status(), 404, "after the withdrawal");
    assert_eq!(sec.get(&format!("/admissions/{first}")).await.status(), 404);
    let (_, list) = sec.text(&waiting).await;
    assert!(!list.contains("CANDIDATE"));
    let (_, found) = sec.text("/persons?q=candidate").await;
    assert!(!found.contains(&id), "not found by name after the withdrawal");
    assert_eq!(ime_office.get(&person).await.status(), 200, "the registering office keeps it");

    // A new request, taken by the EHPAD's office to the admission.
    let second = request(&director, &id, &target, &today(), "urgent").await;
    let (_, list) = sec.text(&waiting).await;
    assert!(list.contains("CANDIDATE"));
    for to in ["under_review", "accepted"] {
        let res = move_to(&sec, &second, to, "").await;
        assert_eq!(res.status(), 303, "{to}: {}", res.text().await.unwrap_or_default());
    }
    assert_eq!(nurse.get(&person).await.status(), 404, "accepted is not admitted");
    let res = sec.post(&format!("/admissions/{second}/admit"), &[("start", &today())]).await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap_or_default());
    let (status, stay, _) = status_of(&t, &second).await;
    assert_eq!(status, "admitted");
    assert!(stay.is_some());
    // The stay gives access now: the office, the nurse and the north unit's care aide.
    for b in [&sec, &nurse, &aide] {
        assert_eq!(b.get(&person).await.status(), 200);
    }
    let actions = t.audit_actions(&id).await;
    assert!(actions.iter().any(|a| a == "stay.admit") && actions.iter().any(|a| a == "admission.read"));
}
