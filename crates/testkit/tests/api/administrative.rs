//! The administrative and social file through the UI: social security number, benefits and
//! their exact amounts, MDPH notifications and expiring rights, absences during a stay and the
//! occupancy they feed, access by profile and audit.

use crate::{register, resident};
use relais_testkit::{Browser, TestApp};

/// A date `days` after today (before, when negative) in Europe/Paris, as typed in forms.
fn from_today(days: i64) -> String {
    let tz = jiff::tz::TimeZone::get("Europe/Paris").unwrap();
    let today = tz.to_datetime(jiff::Timestamp::now()).date();
    today.checked_add(jiff::Span::new().days(days)).unwrap().strftime("%d/%m/%Y").to_string()
}

async fn count(t: &TestApp, sql: &'static str, bind: &str) -> i64 {
    let mut conn = t.app.store.read().await.unwrap();
    sqlx::Row::try_get(&sqlx::query(sql).bind(bind.to_string()).fetch_one(&mut *conn).await.unwrap(), 0).unwrap()
}

async fn post_ok(b: &Browser, path: &str, fields: &[(&str, &str)]) {
    let res = b.post(path, fields).await;
    assert_eq!(res.status(), 303, "{path}: {}", res.text().await.unwrap_or_default());
}

/// The absence ids of a person's stay, oldest first.
async fn absences(t: &TestApp, person: &str) -> Vec<String> {
    let mut conn = t.app.store.read().await.unwrap();
    sqlx::query("SELECT id FROM stay_absence WHERE person_id = $1 ORDER BY start_on")
        .bind(person)
        .fetch_all(&mut *conn)
        .await
        .unwrap()
        .iter()
        .map(|r| sqlx::Row::try_get::<String, _>(r, 0).unwrap())
        .collect()
}

async fn stay_of(t: &TestApp, person: &str) -> String {
    let mut conn = t.app.store.read().await.unwrap();
    sqlx::Row::try_get(
        &sqlx::query("SELECT id FROM stay WHERE person_id = $1").bind(person).fetch_one(&mut *conn).await.unwrap(),
        0,
    )
    .unwrap()
}

crate::both_engines!(
    social_security_and_benefits_are_exact_and_checked,
    expiring_rights_are_flagged_and_listed,
    absences_stay_within_the_stay_and_feed_occupancy,
    care_aides_see_absences_but_not_the_nss_or_amounts,
    fhir_encounters_are_the_stay_and_its_absences
);

async fn social_security_and_benefits_are_exact_and_checked(t: TestApp) {
    let id = resident(&t, "SECU").await;
    let sec = t.login("secretariat").await;
    let path = format!("/persons/{id}/administrative/coverage");

    // A wrong key: refused in French, what was typed kept, nothing written.
    let mut fields = vec![
        ("nss", "2 97 02 2A 020 778 79"),
        ("fund_name", "CPAM du Puy-de-Dôme"),
        ("fund_code", "631"),
        ("complementary_name", "Mutuelle des Volcans"),
        ("complementary_contract", "MV-889-2026"),
        ("complementary_from", "01/01/2026"),
        ("complementary_until", "31/12/2026"),
        ("state_cover", "none"),
    ];
    let res = sec.post(&path, &fields).await;
    assert_eq!(res.status(), 422);
    let body = res.text().await.unwrap();
    assert!(
        body.contains("Numéro de sécurité sociale : la clé du numéro de sécurité sociale est incorrecte"),
        "{body}"
    );
    assert!(body.contains("Mutuelle des Volcans"), "what was typed is kept");
    assert_eq!(count(&t, "SELECT COUNT(*) FROM social_coverage WHERE person_id = $1", &id).await, 0);

    // CSS without its end of rights: refused too.
    fields[0] = ("nss", "2 97 02 2A 020 778 78");
    fields.push(("state_cover", "css"));
    let res = sec.post(&path, &fields).await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("indiquez la fin de droits de la CSS ou de l&#39;AME"));
    assert_eq!(count(&t, "SELECT COUNT(*) FROM social_coverage WHERE person_id = $1", &id).await, 0);

    // As a beneficiary of her husband's number, rank 2.
    fields.pop();
    fields.extend([("beneficiary", "yes"), ("insured_name", "SECU Gaston"), ("beneficiary_rank", "2")]);
    post_ok(&sec, &path, &fields).await;
    let (_, page) = sec.text(&format!("/persons/{id}/administrative")).await;
    assert!(page.contains("2 97 02 2A 020 778 78"), "{page}");
    assert!(page.contains("ayant droit de SECU Gaston (rang 2)"));
    assert!(page.contains("CPAM du Puy-de-Dôme (code 631)") && page.contains("contrat n° MV-889-2026"));

    // A benefit of 1234,56 € reads back to the cent.
    let benefits = format!("/persons/{id}/administrative/benefits");
    let mut benefit = vec![
        ("benefit_kind", "apa"),
        ("benefit_label", "Conseil départemental"),
        ("decision_date", "15/10/2026"),
        ("amount", "1234,567"),
        ("periodicity", "monthly"),
        ("benefit_start", "01/11/2026"),
        ("benefit_expires", "31/10/2028"),
    ];
    let res = sec.post(&benefits, &benefit).await;
    assert_eq!(res.status(), 422, "three decimals are refused, not rounded");
    assert!(res.text().await.unwrap().contains("Montant : le montant ne peut avoir plus de deux décimales"));
    assert_eq!(count(&t, "SELECT COUNT(*) FROM social_benefit WHERE person_id = $1", &id).await, 0);
    benefit[3] = ("amount", "1234,56");
    post_ok(&sec, &benefits, &benefit).await;
    assert_eq!(count(&t, "SELECT amount_cents FROM social_benefit WHERE person_id = $1", &id).await, 123_456);
    let (_, page) = sec.text(&format!("/persons/{id}/administrative")).await;
    assert!(page.contains("1\u{a0}234,56\u{a0}€"), "{page}");
    assert!(page.contains("APA (allocation personnalisée d&#39;autonomie)") && page.contains("mensuelle"));

    // A care aide cannot write the file; an educator of another establishment does not see it.
    let aide = t.login("aide.nord").await;
    assert_eq!(aide.post(&benefits, &benefit).await.status(), 403);
    let edu = t.login("educateur").await;
    assert_eq!(edu.get(&format!("/persons/{id}/administrative")).await.status(), 404);
    assert_eq!(count(&t, "SELECT COUNT(*) FROM social_benefit WHERE person_id = $1", &id).await, 1);

    let actions = t.audit_actions(&id).await;
    for a in ["adminfile.coverage", "adminfile.benefit", "adminfile.read"] {
        assert!(actions.iter().any(|x| x == a), "{a} in {actions:?}");
    }
    assert_eq!(actions.iter().filter(|a| *a == "adminfile.coverage").count(), 1, "refusals write nothing");
    let (_, log) = t.login("directrice").await.text(&format!("/persons/{id}/access-log")).await;
    assert!(log.contains("Couverture sociale enregistrée") && log.contains("Aide sociale enregistrée"), "{log}");
}

async fn expiring_rights_are_flagged_and_listed(t: TestApp) {
    let soon = resident(&t, "ECHEANCE").await;
    let later = resident(&t, "TRANQUILLE").await;
    let sec = t.login("secretariat").await;
    let in_30 = from_today(30);
    let in_200 = from_today(200);
    let in_60 = from_today(60);
    let start = from_today(-300);
    for (person, expires) in [(&soon, in_30.as_str()), (&later, in_200.as_str())] {
        post_ok(
            &sec,
            &format!("/persons/{person}/administrative/benefits"),
            &[
                ("benefit_kind", "apa"),
                ("amount", "512"),
                ("periodicity", "monthly"),
                ("benefit_start", &start),
                ("benefit_expires", expires),
            ],
        )
        .await;
    }
    post_ok(
        &sec,
        &format!("/persons/{soon}/administrative/mdph"),
        &[
            ("mdph_decision", "cmi"),
            ("mdph_number", "CDAPH-63-2024-117"),
            ("mdph_valid_from", &start),
            ("mdph_valid_until", &in_60),
        ],
    )
    .await;
    // A validity that ends before it starts is refused.
    let res = sec
        .post(
            &format!("/persons/{soon}/administrative/mdph"),
            &[
                ("mdph_decision", "aah"),
                ("mdph_number", "X"),
                ("mdph_valid_from", &in_60),
                ("mdph_valid_until", &start),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);

    let (_, page) = sec.text(&format!("/persons/{soon}")).await;
    assert!(page.contains("2 droits à renouveler"), "{page}");
    let (_, page) = sec.text(&format!("/persons/{later}")).await;
    assert!(!page.contains("à renouveler"));

    let (status, list) = sec.text(&format!("/establishments/{}/expiring", t.fixture.ehpad)).await;
    assert_eq!(status, 200);
    assert!(list.contains("ECHEANCE") && !list.contains("TRANQUILLE"), "{list}");
    assert!(
        list.contains(&in_30) && list.contains("Notification MDPH : Carte mobilité inclusion n° CDAPH-63-2024-117")
    );
    assert!(list.find(&in_30) < list.find(&in_60), "soonest first");

    // Those who do not manage the establishment's admissions do not get the list.
    let aide = t.login("aide.nord").await;
    assert_eq!(aide.get(&format!("/establishments/{}/expiring", t.fixture.ehpad)).await.status(), 403);
    let edu = t.login("educateur").await;
    assert_eq!(edu.get(&format!("/establishments/{}/expiring", t.fixture.ehpad)).await.status(), 404);
    assert_eq!(count(&t, "SELECT COUNT(*) FROM audit_event WHERE action = $1", "adminfile.expiring").await, 1);
}

async fn absences_stay_within_the_stay_and_feed_occupancy(t: TestApp) {
    let sec = t.login("secretariat").await;
    let ehpad = t.fixture.ehpad.to_string();
    let north = format!("{ehpad}:{}", t.fixture.north);
    let a = register(&sec, &ehpad, "PRESENTE", "Odette", "02/05/1935").await;
    let b = register(&sec, &ehpad, "PASSAGERE", "Yvonne", "19/08/1939").await;
    post_ok(
        &sec,
        &format!("/persons/{a}/stays"),
        &[("target", &north), ("mode", "permanent"), ("start", "15/02/2026")],
    )
    .await;
    post_ok(
        &sec,
        &format!("/persons/{b}/stays"),
        &[("target", &north), ("mode", "temporary"), ("start", "20/03/2026")],
    )
    .await;
    let (stay_a, stay_b) = (stay_of(&t, &a).await, stay_of(&t, &b).await);

    let nurse = t.login("infirmier").await;
    let absence = |kind: &'static str, start: &'static str, end: &'static str| {
        vec![("absence_kind", kind), ("absence_start", start), ("absence_end", end), ("absence_reason", "")]
    };
    post_ok(
        &nurse,
        &format!("/persons/{a}/stays/{stay_a}/absences"),
        &absence("hospitalisation", "10/03/2026", "15/03/2026"),
    )
    .await;
    // Overlapping the first absence, or before the admission: refused, nothing written.
    for (fields, message) in [
        (absence("holidays", "12/03/2026", "13/03/2026"), "chevauche une autre absence"),
        (absence("holidays", "01/02/2026", "03/02/2026"), "avant l&#39;admission"),
        (absence("holidays", "20/03/2026", "18/03/2026"), "la date de retour précède la date de départ"),
    ] {
        let res = nurse.post(&format!("/persons/{a}/stays/{stay_a}/absences"), &fields).await;
        assert_eq!(res.status(), 422);
        let body = res.text().await.unwrap();
        assert!(body.contains(message), "{message}: {body}");
    }
    assert_eq!(absences(&t, &a).await.len(), 1);
    // Leaving again on the day of return is allowed.
    post_ok(
        &nurse,
        &format!("/persons/{a}/stays/{stay_a}/absences"),
        &absence("family_stay", "15/03/2026", "16/03/2026"),
    )
    .await;
    // A stay of someone else's is not a path to write.
    let res = nurse.post(&format!("/persons/{a}/stays/{stay_b}/absences"), &absence("other", "25/03/2026", "")).await;
    assert_eq!(res.status(), 404);
    // Holidays still going on.
    post_ok(&nurse, &format!("/persons/{b}/stays/{stay_b}/absences"), &absence("holidays", "28/03/2026", "")).await;
    let (_, page) = nurse.text(&format!("/persons/{b}")).await;
    assert!(page.contains("Absent(e) : Vacances depuis le 28/03/2026"), "{page}");

    // March 2026, by hand: A is there all 31 days, away 10 → 15 (5 days) and 15 → 16 (1 day):
    // 25 present, 6 away. B from the 20th (12 days), away since the 28th (28–31, 4 days): 8 and 4.
    let (status, page) = sec.text(&format!("/establishments/{ehpad}/occupancy?from=01/03/2026&to=31/03/2026")).await;
    assert_eq!(status, 200, "{page}");
    let row = |mode: &str| {
        let start = page.find(&format!("<td>{mode}</td>")).unwrap_or_else(|| panic!("{mode}: {page}"));
        page[start..].split("</tr>").next().unwrap().to_string()
    };
    let permanent = row("Hébergement permanent");
    assert!(permanent.contains("class=\"presence\">25<") && permanent.contains("class=\"absence\">6<"), "{permanent}");
    let temporary = row("Hébergement temporaire");
    assert!(temporary.contains("class=\"presence\">8<") && temporary.contains("class=\"absence\">4<"), "{temporary}");
    assert!(page.contains("class=\"presence\">33<") && page.contains("class=\"absence\">10<"), "totals");
    assert!(page.contains("Période de 31 jours"));
    let res = sec.get(&format!("/establishments/{ehpad}/occupancy?from=31/03/2026&to=01/03/2026")).await;
    assert_eq!(res.status(), 422);
    assert_eq!(nurse.get(&format!("/establishments/{ehpad}/occupancy")).await.status(), 403);

    // Her return, then the figures move: back on 02/04, she was away 28–31 March only; in
    // April she is away on the 1st.
    let open = absences(&t, &b).await.pop().unwrap();
    let res = nurse.post(&format!("/absences/{open}/return"), &[("absence_end", "01/03/2026"), ("person", &b)]).await;
    assert_eq!(res.status(), 422, "a return before the departure is refused");
    post_ok(&nurse, &format!("/absences/{open}/return"), &[("absence_end", "02/04/2026"), ("person", &b)]).await;
    let res = nurse.post(&format!("/absences/{open}/return"), &[("absence_end", "03/04/2026"), ("person", &b)]).await;
    assert_eq!(res.status(), 409, "the return is recorded once");
    let (_, page) = sec.text(&format!("/establishments/{ehpad}/occupancy?from=01/04/2026&to=02/04/2026")).await;
    assert!(page.contains("class=\"presence\">3<") && page.contains("class=\"absence\">1<"), "{page}");

    let actions = t.audit_actions(&b).await;
    assert!(actions.iter().any(|x| x == "absence.create") && actions.iter().any(|x| x == "absence.return"));
}

async fn care_aides_see_absences_but_not_the_nss_or_amounts(t: TestApp) {
    let id = resident(&t, "DISCRETE").await;
    let sec = t.login("secretariat").await;
    post_ok(
        &sec,
        &format!("/persons/{id}/administrative/coverage"),
        &[("nss", "160012B02077713"), ("fund_name", "CPAM de Haute-Corse"), ("fund_code", "202")],
    )
    .await;
    post_ok(
        &sec,
        &format!("/persons/{id}/administrative/benefits"),
        &[("benefit_kind", "ash"), ("amount", "987,65"), ("periodicity", "monthly"), ("benefit_start", "01/01/2026")],
    )
    .await;
    let stay = stay_of(&t, &id).await;
    let today = crate::today();
    post_ok(
        &sec,
        &format!("/persons/{id}/stays/{stay}/absences"),
        &[("absence_kind", "hospitalisation"), ("absence_start", &today), ("absence_reason", "Chute, CHU")],
    )
    .await;

    let aide = t.login("aide.nord").await;
    let (status, page) = aide.text(&format!("/persons/{id}/administrative")).await;
    assert_eq!(status, 200);
    assert!(page.contains("masqué pour votre profil") && page.contains("CPAM de Haute-Corse"), "{page}");
    assert!(!page.contains("1 60 01 2B") && !page.contains("160012B"), "no NSS for a care aide");
    assert!(!page.contains("987,65") && page.contains("Aide sociale à l&#39;hébergement"), "no amount");
    assert!(page.contains("Hospitalisation") && page.contains("Chute, CHU") && page.contains("en cours"));
    let (_, person) = aide.text(&format!("/persons/{id}")).await;
    assert!(person.contains("Absent(e) : Hospitalisation depuis le"));

    let (_, page) = sec.text(&format!("/persons/{id}/administrative")).await;
    assert!(page.contains("1 60 01 2B 020 777 13") && page.contains("987,65"));
    let mut conn = t.app.store.read().await.unwrap();
    let details: Vec<String> = sqlx::query(
        "SELECT detail FROM audit_event WHERE person_id = $1 AND action = 'adminfile.read' AND detail IS NOT NULL ORDER BY seq",
    )
    .bind(&id)
    .fetch_all(&mut *conn)
    .await
    .unwrap()
    .iter()
    .map(|r| sqlx::Row::try_get::<String, _>(r, 0).unwrap())
    .collect();
    assert!(
        details.iter().any(|d| d == "without nss and amounts") && details.iter().any(|d| d == "full"),
        "{details:?}"
    );
}

async fn fhir_get(t: &TestApp, token: &str, path: &str) -> (u16, serde_json::Value) {
    let r = reqwest::Client::new().get(t.url(path)).bearer_auth(token).send().await.unwrap();
    let s = r.status().as_u16();
    (s, r.json().await.unwrap_or(serde_json::Value::Null))
}

async fn fhir_encounters_are_the_stay_and_its_absences(t: TestApp) {
    let sec = t.login("secretariat").await;
    let ehpad = t.fixture.ehpad.to_string();
    let id = register(&sec, &ehpad, "RENCONTRE", "Simone", "07/07/1937").await;
    let north = format!("{ehpad}:{}", t.fixture.north);
    post_ok(
        &sec,
        &format!("/persons/{id}/stays"),
        &[("target", &north), ("mode", "permanent"), ("start", "01/02/2026")],
    )
    .await;
    let stay = stay_of(&t, &id).await;
    post_ok(
        &sec,
        &format!("/persons/{id}/stays/{stay}/absences"),
        &[
            ("absence_kind", "hospitalisation"),
            ("absence_start", "10/03/2026"),
            ("absence_end", "15/03/2026"),
            ("absence_reason", "Fracture du col"),
        ],
    )
    .await;
    let absence = absences(&t, &id).await.pop().unwrap();

    let token = t.api_token("system/Encounter.read").await;
    let (status, bundle) = fhir_get(&t, &token, &format!("/fhir/Encounter?patient=Patient/{id}")).await;
    assert_eq!(status, 200, "{bundle}");
    let resources: Vec<&serde_json::Value> =
        bundle["entry"].as_array().unwrap().iter().map(|e| &e["resource"]).collect();
    assert_eq!(resources.len(), 2, "{bundle}");
    let s = resources.iter().find(|r| r["id"] == stay.as_str()).expect("the stay");
    assert_eq!(s["resourceType"], "Encounter");
    assert_eq!(s["status"], "in-progress");
    assert_eq!(s["class"]["code"], "NONAC");
    assert_eq!(s["period"]["start"], "2026-02-01");
    assert_eq!(s["subject"]["reference"], format!("Patient/{id}"));
    let a = resources.iter().find(|r| r["id"] == absence.as_str()).expect("the absence");
    assert_eq!(a["partOf"]["reference"], format!("Encounter/{stay}"));
    assert_eq!(a["status"], "finished");
    assert_eq!((a["period"]["start"].as_str(), a["period"]["end"].as_str()), (Some("2026-03-10"), Some("2026-03-15")));
    assert_eq!(a["type"][0]["coding"][0]["code"], "hospitalisation");
    assert_eq!(a["reasonCode"][0]["text"], "Fracture du col");

    // By date: in April only the stay goes on; on 12 March both.
    let (_, april) = fhir_get(&t, &token, &format!("/fhir/Encounter?patient={id}&date=ge2026-04-01")).await;
    assert_eq!(april["entry"].as_array().map(Vec::len), Some(1), "{april}");
    let (_, march) = fhir_get(&t, &token, &format!("/fhir/Encounter?patient={id}&date=2026-03-12")).await;
    assert_eq!(march["entry"].as_array().map(Vec::len), Some(2));
    let (_, january) = fhir_get(&t, &token, &format!("/fhir/Encounter?patient={id}&date=lt2026-02-01")).await;
    assert!(january["entry"].as_array().is_none_or(Vec::is_empty), "{january}");

    let (status, read) = fhir_get(&t, &token, &format!("/fhir/Encounter/{absence}")).await;
    assert_eq!((status, read["id"].as_str()), (200, Some(absence.as_str())));
    let (status, _) = fhir_get(&t, &token, &format!("/fhir/Encounter/{}", uuid::Uuid::now_v7())).await;
    assert_eq!(status, 404);
    let (status, outcome) = fhir_get(&t, &token, "/fhir/Encounter?date=2026-03-12").await;
    assert_eq!((status, outcome["resourceType"].as_str()), (400, Some("OperationOutcome")));

    // Without the Encounter scope: refused.
    let other = t.api_token("system/Patient.read").await;
    let (status, _) = fhir_get(&t, &other, &format!("/fhir/Encounter/{stay}")).await;
    assert_eq!(status, 403);
    let (_, meta) = fhir_get(&t, &token, "/fhir/metadata").await;
    assert!(meta["rest"][0]["resource"].as_array().unwrap().iter().any(|r| r["type"] == "Encounter"));
    assert!(t.audit_actions(&id).await.iter().any(|a| a == "encounter.read"));
}
