//! The logbook beyond a single note: full-text search within the reader's scope.

use crate::{both_engines, resident};
use relais_testkit::TestApp;

both_engines!(note_search_is_accent_insensitive_scoped_and_audited, note_search_rejects_bad_input);

async fn note_search_is_accent_insensitive_scoped_and_audited(t: TestApp) {
    let id = resident(&t, "LEBRETON").await;
    let aide = t.login("aide.nord").await;
    let dar = [
        ("category", "nursing_care"),
        ("target", "Chute"),
        ("data", "Retrouvée au sol près du lit à 3 h"),
        ("action", "Relevée à deux, infirmière prévenue"),
        ("result", "Pas de douleur à la mobilisation"),
    ];
    assert_eq!(aide.post(&format!("/persons/{id}/notes"), &dar).await.status(), 303);
    let free = [("category", "nursing_care"), ("text", "Retour de l'hôpital, traitement inchangé.")];
    assert_eq!(aide.post(&format!("/persons/{id}/notes"), &free).await.status(), 303);
    let doctor = t.login("medecin").await;
    let secret = [("category", "medical"), ("text", "Hospitalisation envisagée, secret médical.")];
    assert_eq!(doctor.post(&format!("/persons/{id}/notes"), &secret).await.status(), 303);

    // Accents and case ignored, words by prefix, every word required, the DAR fields searched.
    let (status, page) = aide.text("/logbook/search?q=HOPITAL&days=7").await;
    assert_eq!(status, 200);
    assert!(page.contains("<mark>hôpital</mark>"), "{page}");
    assert!(page.contains("LEBRETON"));
    let (_, page) = aide.text("/logbook/search?q=relev%C3%A9e+douleur").await;
    assert!(page.contains("<mark>Relevée</mark>") && page.contains("<mark>douleur</mark>"), "{page}");
    let (_, page) = aide.text("/logbook/search?q=relevee+girafe").await;
    assert!(page.contains("Aucune transmission trouvée"), "every word must match");

    // A medical note is found by the physician and never by the care aide.
    let (_, page) = aide.text("/logbook/search?q=hospitalisation").await;
    assert!(page.contains("Aucune transmission trouvée") && !page.contains("secret"), "{page}");
    let (_, page) = doctor.text("/logbook/search?q=hospitalisation").await;
    assert!(page.contains("<mark>Hospitalisation</mark>"), "{page}");
    // An educator of another establishment finds nothing of the EHPAD.
    let (_, page) = t.login("educateur").await.text("/logbook/search?q=hopital").await;
    assert!(page.contains("Aucune transmission trouvée"));

    // Only the current version of a corrected note is searched.
    let (_, person) = aide.text(&format!("/persons/{id}")).await;
    let note = person.split("/notes/").nth(1).unwrap().split('/').next().unwrap().to_string();
    let fix =
        [("category", "nursing_care"), ("text", "Retour de la clinique, traitement inchangé."), ("reason", "Lieu")];
    assert_eq!(aide.post(&format!("/notes/{note}/correct"), &fix).await.status(), 303);
    let (_, page) = aide.text("/logbook/search?q=hopital").await;
    assert!(page.contains("Aucune transmission trouvée"), "the superseded version is not found: {page}");
    let (_, page) = aide.text("/logbook/search?q=clinique").await;
    assert!(page.contains("<mark>clinique</mark>"), "{page}");

    // Ligatures fold as typed: "oedeme", "œdème" and the beginning "oedè" find "Œdème".
    let swelling = [("category", "nursing_care"), ("text", "Œdème des chevilles ce soir.")];
    assert_eq!(aide.post(&format!("/persons/{id}/notes"), &swelling).await.status(), 303);
    for q in ["oedeme", "%C5%93d%C3%A8me", "oed%C3%A8", "CHEVILLE"] {
        let (_, page) = aide.text(&format!("/logbook/search?q={q}")).await;
        assert!(page.contains("chevilles</mark>") || page.contains("des chevilles"), "{q}: {page}");
    }
    let (_, page) = aide.text("/logbook/search?q=chevillesx").await;
    assert!(page.contains("Aucune transmission trouvée"), "a word no note holds finds nothing");

    // The searches are in the person's access log.
    let (_, log) = t.login("dpo").await.text(&format!("/persons/{id}/access-log")).await;
    assert!(log.contains("note.search"), "{log}");
}

both_engines!(note_search_matches_words_as_typed_over_the_whole_period);

/// Both engines find the same notes: each typed word begins a word of the note (no stemming, no
/// stop words), however many words it begins, and the period is read whole, newest first.
async fn note_search_matches_words_as_typed_over_the_whole_period(t: TestApp) {
    use jiff::SignedDuration;
    let id = resident(&t, "VERNIER").await;
    let aide = t.login("aide.nord").await;
    write_note(&aide, &id, "Genou gauche sans rougeur, marche lente.").await;
    t.clock.advance(SignedDuration::from_hours(24 * 70));
    // Ten weeks later: a new shift, a new session.
    let aide = t.login("aide.nord").await;
    write_note(&aide, &id, "Genou droit enflé, rougeur au coucher.").await;
    let many: String = (0..45).map(|i| format!("zorbal{i:02}")).collect::<Vec<_>>().join(" ");
    write_note(&aide, &id, &format!("Relevé des {many}.")).await;

    // Every typed word counts, "sans" too (a stop word of French stemming).
    let (_, page) = aide.text("/logbook/search?q=sans+rougeur&days=365").await;
    assert!(page.contains("gauche") && !page.contains("droit"), "{page}");
    // A word matches the words it begins, not its stem: "rougeurs" begins no word here.
    let (_, page) = aide.text("/logbook/search?q=rougeurs&days=365").await;
    assert!(page.contains("Aucune transmission trouvée"), "{page}");
    // Both notes over the period, ten weeks apart, newest first; the older one outside a week.
    let (_, page) = aide.text("/logbook/search?q=rouge+genou&days=365").await;
    let (right, left) = (page.find("droit").unwrap_or(usize::MAX), page.find("gauche").unwrap_or(usize::MAX));
    assert!(right < left && left < usize::MAX, "{page}");
    let (_, page) = aide.text("/logbook/search?q=genou&days=7").await;
    assert!(page.contains("droit") && !page.contains("gauche"), "{page}");
    let (_, page) = aide.text("/logbook/search?q=genou&days=").await;
    assert!(page.contains("droit") && page.contains("gauche"), "{page}");
    // A beginning shared by more words than are expanded is searched as a prefix.
    let (_, page) = aide.text("/logbook/search?q=zorbal+relev&days=365").await;
    assert!(page.contains("zorbal44"), "{page}");
    let (_, page) = aide.text("/logbook/search?q=zorbal4&days=365").await;
    assert!(page.contains("zorbal44"), "{page}");
    let (_, page) = aide.text("/logbook/search?q=zorbal+genou&days=365").await;
    assert!(page.contains("Aucune transmission trouvée"), "{page}");
}

async fn write_note(b: &relais_testkit::Browser, person: &str, text: &str) {
    let note = [("category", "nursing_care"), ("text", text)];
    assert_eq!(b.post(&format!("/persons/{person}/notes"), &note).await.status(), 303);
}

async fn note_search_rejects_bad_input(t: TestApp) {
    let aide = t.login("aide.nord").await;
    let (status, page) = aide.text("/logbook/search?q=%2A%22%29%28").await;
    assert_eq!(status, 422, "punctuation only: {page}");
    assert!(page.contains("saisissez au moins un mot"));
    let (status, _) = aide.text("/logbook/search?q=chute&days=9999").await;
    assert_eq!(status, 400);
    // FTS operators typed by a user are words, not syntax.
    let (status, _) = aide.text("/logbook/search?q=chute+OR+NOT+NEAR%28x%29+%22").await;
    assert_eq!(status, 200);
    let (status, page) = aide.text("/logbook/search").await;
    assert_eq!(status, 200);
    assert!(page.contains("Mots recherchés"));
}

both_engines!(notes_to_read_have_receipts_and_a_shift_digest);

async fn notes_to_read_have_receipts_and_a_shift_digest(t: TestApp) {
    use jiff::SignedDuration;
    let id = resident(&t, "FONTAINE").await;
    let aide = t.login("aide.nord").await;
    let normal = [("category", "nursing_care"), ("text", "Petit-déjeuner pris en entier.")];
    assert_eq!(aide.post(&format!("/persons/{id}/notes"), &normal).await.status(), 303);
    let bad = [("category", "nursing_care"), ("text", "x"), ("importance", "urgent")];
    let res = aide.post(&format!("/persons/{id}/notes"), &bad).await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("Importance : importance inconnue"));
    // The aide's shift goes on a few minutes, then ends.
    t.clock.advance(SignedDuration::from_mins(2));
    assert_eq!(aide.text("/").await.0, 200);

    t.clock.advance(SignedDuration::from_hours(10));
    let nurse = t.login("infirmier").await;
    let flagged = [
        ("category", "nursing_care"),
        ("target", "Chute"),
        ("data", "Retrouvée au sol à 14 h"),
        ("action", "Relevée, constantes prises"),
        ("result", "Pas de douleur"),
        ("importance", "to_read"),
    ];
    assert_eq!(nurse.post(&format!("/persons/{id}/notes"), &flagged).await.status(), 303);
    let later = [("category", "nursing_care"), ("text", "Goûter pris avec appétit.")];
    assert_eq!(nurse.post(&format!("/persons/{id}/notes"), &later).await.status(), 303);

    // First shift of the nurse: the last 24 hours, the note to read first although older.
    let (status, page) = nurse.text("/logbook/shift").await;
    assert_eq!(status, 200);
    assert!(page.contains("Premier service"), "{page}");
    let chute = page.find("Cible : Chute").expect("the note to read is listed");
    let gouter = page.find("Goûter pris").expect("the later note is listed");
    assert!(chute < gouter, "unread notes to read come first");
    assert!(page.contains("Petit-déjeuner pris"), "the aide's note of the morning is in the last 24 hours");
    assert!(page.contains("J'ai lu") && page.contains("1 à lire"), "{page}");

    // A new shift for the aide: only what was written since the end of the previous one.
    let aide = t.login("aide.nord").await;
    let (_, page) = aide.text("/logbook/shift").await;
    assert!(page.contains("depuis la fin de votre dernier service"), "{page}");
    assert!(page.contains("Cible : Chute") && page.contains("Goûter pris"));
    assert!(!page.contains("Petit-déjeuner pris"), "written during the aide's previous shift: {page}");
    let note = page.split("/notes/").nth(1).unwrap().split('/').next().unwrap().to_string();
    let res = aide.post(&format!("/notes/{note}/read"), &[("back", "/logbook/shift")]).await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/logbook/shift");
    let res = aide.post(&format!("/notes/{note}/read"), &[("back", "https://example.org/")]).await;
    assert_eq!(res.headers()["location"], format!("/persons/{id}").as_str(), "no open redirect, replay harmless");
    let (_, page) = aide.text("/logbook/shift").await;
    assert!(page.contains("Lu · 1 lecteur") && !page.contains("1 à lire"), "{page}");
    // The nurse has not read it yet.
    let (_, page) = nurse.text("/logbook/shift").await;
    assert!(page.contains("1 à lire") && page.contains("1 lecteur"), "{page}");

    // A normal note asks for no receipt; an educator of the IME neither sees nor acknowledges.
    let (_, person) = aide.text(&format!("/persons/{id}")).await;
    let first = person.split("/notes/").nth(1).unwrap().split('/').next().unwrap().to_string();
    assert_ne!(first, note);
    assert_eq!(aide.post(&format!("/notes/{first}/read"), &[]).await.status(), 409);
    let edu = t.login("educateur").await;
    assert_eq!(edu.post(&format!("/notes/{note}/read"), &[]).await.status(), 404);
    let (_, page) = edu.text("/logbook/shift").await;
    assert!(!page.contains("FONTAINE"));
    let (_, log) = t.login("dpo").await.text(&format!("/persons/{id}/access-log")).await;
    assert!(log.contains("note.acknowledge") && log.contains("logbook.shift"), "{log}");
}

both_engines!(weight_loss_writes_one_alert_in_the_logbook);

async fn weight_loss_writes_one_alert_in_the_logbook(t: TestApp) {
    use jiff::SignedDuration;
    let id = resident(&t, "MAIGRET").await;
    let path = format!("/persons/{id}/observations");
    let aide = t.login("aide.nord").await;
    assert_eq!(aide.post(&path, &[("kind", "weight"), ("value", "64")]).await.status(), 303);
    t.clock.advance(SignedDuration::from_hours(24 * 10));
    let aide = t.login("aide.nord").await;
    assert_eq!(aide.post(&path, &[("kind", "weight"), ("value", "62,5")]).await.status(), 303);
    let (_, page) = aide.text(&format!("/persons/{id}")).await;
    assert!(!page.contains("Perte de poids"), "2.3 % is no alert");

    t.clock.advance(SignedDuration::from_hours(24 * 10));
    let aide = t.login("aide.nord").await;
    assert_eq!(aide.post(&path, &[("kind", "weight"), ("value", "60,5")]).await.status(), 303);
    let (_, page) = aide.text(&format!("/persons/{id}")).await;
    assert!(page.contains("Cible : Perte de poids"), "{page}");
    assert!(page.contains("perte de 5,5 % en un mois (poids de référence 64,0 kg"), "{page}");
    assert!(page.contains("note alert") && page.contains(">alerte<"));
    // The next weighing of the same week adds no second alert.
    assert_eq!(aide.post(&path, &[("kind", "weight"), ("value", "60,1")]).await.status(), 303);
    let (_, page) = aide.text(&format!("/persons/{id}")).await;
    assert_eq!(page.matches("Cible : Perte de poids").count(), 1);
    // The nurse finds it first in her digest, to acknowledge.
    let (_, digest) = t.login("infirmier").await.text("/logbook/shift").await;
    assert!(digest.find("Perte de poids").is_some_and(|i| digest.find("J'ai lu").is_some_and(|j| i < j)), "{digest}");
    let (_, log) = t.login("dpo").await.text(&format!("/persons/{id}/access-log")).await;
    assert!(log.contains("note.alert"));
}

both_engines!(unit_logbook_filters_by_period_category_and_author);

async fn unit_logbook_filters_by_period_category_and_author(t: TestApp) {
    use jiff::SignedDuration;
    let id = resident(&t, "FILTRE").await;
    let nurse = t.login("infirmier").await;
    let old = [("category", "nursing_care"), ("text", "Note de la semaine dernière")];
    assert_eq!(nurse.post(&format!("/persons/{id}/notes"), &old).await.status(), 303);
    t.clock.advance(SignedDuration::from_hours(24 * 3));
    let nurse = t.login("infirmier").await;
    let med = [("category", "medication"), ("text", "Traitement donné par l'infirmier")];
    assert_eq!(nurse.post(&format!("/persons/{id}/notes"), &med).await.status(), 303);
    let aide = t.login("aide.nord").await;
    let care = [("category", "nursing_care"), ("text", "Toilette faite par l'aide")];
    assert_eq!(aide.post(&format!("/persons/{id}/notes"), &care).await.status(), 303);

    let unit = format!("/units/{}", t.fixture.north);
    let (_, page) = aide.text(&unit).await;
    assert!(page.contains("Toilette faite") && page.contains("Traitement donné"));
    assert!(!page.contains("semaine dernière"), "24 hours by default");
    let (_, page) = aide.text(&format!("{unit}?hours=168")).await;
    assert!(page.contains("semaine dernière"));
    let (_, page) = aide.text(&format!("{unit}?hours=168&category=medication")).await;
    assert!(
        page.contains("Traitement donné") && !page.contains("Toilette faite") && !page.contains("semaine dernière")
    );
    let (_, page) = aide.text(&format!("{unit}?hours=168&author=AIDE+NORD")).await;
    assert!(page.contains("Toilette faite") && !page.contains("Traitement donné"), "{page}");
    // A category the reader may not read shows nothing rather than an error; bad values are 400.
    let (status, page) = aide.text(&format!("{unit}?category=medical")).await;
    assert_eq!(status, 200);
    assert!(page.contains("Aucune transmission sur cette période."));
    assert_eq!(aide.text(&format!("{unit}?hours=5")).await.0, 400);
    assert_eq!(aide.text(&format!("{unit}?category=bogus")).await.0, 400);
}

both_engines!(pinned_alerts_show_until_resolved);

async fn pinned_alerts_show_until_resolved(t: TestApp) {
    let id = resident(&t, "EPINGLE").await;
    let aide = t.login("aide.nord").await;
    let pin = format!("/persons/{id}/alerts");
    let res = aide.post(&pin, &[("alert_kind", "other"), ("alert_detail", "")]).await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("Consignes : précisez l&#39;alerte"));
    let res = aide.post(&pin, &[("alert_kind", "volcano"), ("alert_detail", "x")]).await;
    assert_eq!(res.status(), 422);
    let res = aide.post(&pin, &[("alert_kind", "swallowing"), ("alert_detail", "Eau gélifiée, repas mixés")]).await;
    assert_eq!(res.status(), 303);
    let (_, page) = aide.text(&format!("/persons/{id}")).await;
    assert!(page.contains("Troubles de la déglutition</strong> — Eau gélifiée, repas mixés"), "{page}");
    let (_, unit) = aide.text(&format!("/units/{}", t.fixture.north)).await;
    assert!(unit.contains("alert-tag\">Troubles de la déglutition"), "shown beside the resident's name");
    // Not care data for the secretary, nor for another establishment.
    let (_, page) = t.login("secretariat").await.text(&format!("/persons/{id}")).await;
    assert!(!page.contains("Eau gélifiée"));
    assert_eq!(t.login("educateur").await.post(&pin, &[("alert_kind", "fall")]).await.status(), 404);

    let alert = page_alert_id(&aide.text(&format!("/persons/{id}")).await.1);
    let resolve = format!("/alerts/{alert}/resolve");
    assert_eq!(aide.post(&resolve, &[("resolution", " ")]).await.status(), 400);
    let res = aide.post(&resolve, &[("resolution", "Bilan orthophonique normal")]).await;
    assert_eq!(res.status(), 303);
    assert_eq!(aide.post(&resolve, &[("resolution", "encore")]).await.status(), 409);
    let (_, page) = aide.text(&format!("/persons/{id}")).await;
    assert!(!page.contains("Eau gélifiée"), "a resolved alert is no longer shown");
    let (_, log) = t.login("dpo").await.text(&format!("/persons/{id}/access-log")).await;
    assert!(log.contains("alert.pin") && log.contains("alert.resolve"));
}

fn page_alert_id(page: &str) -> String {
    page.split("/alerts/").nth(1).and_then(|s| s.split('/').next()).expect("an alert on the page").to_string()
}

both_engines!(appointments_reach_the_unit_agenda_and_its_icalendar);

async fn appointments_reach_the_unit_agenda_and_its_icalendar(t: TestApp) {
    let id = resident(&t, "RENDEZVOUS").await;
    let tomorrow = {
        let tz = jiff::tz::TimeZone::get("Europe/Paris").unwrap();
        (tz.to_datetime(jiff::Timestamp::now()).date() + jiff::Span::new().days(1)).strftime("%d/%m/%Y").to_string()
    };
    let sec = t.login("secretariat").await;
    let plan = format!("/persons/{id}/appointments");
    let bad =
        [("title", ""), ("date", tomorrow.as_str()), ("start", "10:30"), ("end", "09:00"), ("transport", "fusée")];
    let res = sec.post(&plan, &bad).await;
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(page.contains("Objet : obligatoire") && page.contains("Fin : la fin doit suivre le début"), "{page}");
    assert!(page.contains("value=\"10:30\""), "typed values are kept");
    let ok = [
        ("title", "Consultation cardiologie; contrôle, ECG"),
        ("location", "CHU Gabriel-Montpied"),
        ("date", tomorrow.as_str()),
        ("start", "10:30"),
        ("end", "11:30"),
        ("external", "on"),
        ("transport", "vsl"),
        ("escort", "Sa fille"),
    ];
    assert_eq!(sec.post(&plan, &ok).await.status(), 303);
    let aide = t.login("aide.nord").await;
    let (_, page) = aide.text(&format!("/persons/{id}")).await;
    assert!(page.contains("Consultation cardiologie; contrôle, ECG") && page.contains("Transport : VSL"));
    // The agenda shows the week from Monday: tomorrow's, asked for by its date.
    let (status, agenda) = aide.text(&format!("/units/{}/agenda?date={tomorrow}", t.fixture.north)).await;
    assert_eq!(status, 200);
    assert!(agenda.contains("RENDEZVOUS") && agenda.contains("10:30 – 11:30"), "{agenda}");
    let res = aide.get(&format!("/units/{}/agenda.ics?date={tomorrow}", t.fixture.north)).await;
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/calendar"));
    let ics = res.text().await.unwrap();
    assert!(ics.starts_with("BEGIN:VCALENDAR\r\n") && ics.ends_with("END:VCALENDAR\r\n"));
    assert!(ics.contains("Consultation cardiologie\\; contrôle\\, ECG"), "escaped: {ics}");
    assert!(ics.contains("STATUS:CONFIRMED") && ics.contains("LOCATION:CHU Gabriel-Montpied"));
    // Another establishment's staff sees neither the agenda nor the person's appointments.
    let edu = t.login("educateur").await;
    assert_eq!(edu.text(&format!("/units/{}/agenda", t.fixture.north)).await.0, 404);
    assert_eq!(edu.post(&plan, &ok).await.status(), 404);
    // Cancelled, it stays listed as such.
    let appt = page.split("/appointments/").nth(1).unwrap().split('/').next().unwrap().to_string();
    assert_eq!(aide.post(&format!("/appointments/{appt}/cancel"), &[]).await.status(), 303);
    assert_eq!(aide.post(&format!("/appointments/{appt}/cancel"), &[]).await.status(), 409);
    let ics = aide.get(&format!("/units/{}/agenda.ics?date={tomorrow}", t.fixture.north)).await.text().await.unwrap();
    assert!(ics.contains("STATUS:CANCELLED"));
    let (_, log) = t.login("dpo").await.text(&format!("/persons/{id}/access-log")).await;
    assert!(log.contains("appointment.create") && log.contains("appointment.cancel") && log.contains("agenda.read"));
}

both_engines!(documents_are_checked_versioned_and_audited);

async fn documents_are_checked_versioned_and_audited(t: TestApp) {
    let id = resident(&t, "DOCUMENT").await;
    let nurse = t.login("infirmier").await;
    let path = format!("/persons/{id}/documents");
    let pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n".to_vec();
    let fields = [
        ("doc_title", "Lettre de liaison"),
        ("type_code", "88348-8"),
        ("date", "02/11/2026"),
        ("category", "nursing_care"),
    ];
    // A file that is not what it says, an executable, a missing title: refused, nothing filed.
    let res = nurse.post_file(&path, &fields, ("lettre.png", "image/png", pdf.clone())).await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("le fichier est un PDF mais se présente comme image/png"));
    let res = nurse.post_file(&path, &fields, ("virus.pdf", "application/pdf", b"MZ\x90\x00".to_vec())).await;
    assert_eq!(res.status(), 422);
    let untitled = [("doc_title", ""), ("type_code", "88348-8"), ("date", "02/11/2026"), ("category", "nursing_care")];
    assert_eq!(nurse.post_file(&path, &untitled, ("l.pdf", "application/pdf", pdf.clone())).await.status(), 422);
    let res = nurse.post_file(&path, &fields, ("lettre.pdf", "application/pdf", pdf.clone())).await;
    assert_eq!(res.status(), 303);
    let (_, page) = nurse.text(&format!("/persons/{id}")).await;
    assert!(page.contains("Lettre de liaison") && page.contains("Lettre de liaison d&#39;entrée"), "{page}");
    let sha = {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(&pdf))
    };
    assert!(page.contains(&sha), "the SHA-256 is shown");
    let doc = page.split("/documents/").nth(1).unwrap().split('/').next().unwrap().to_string();
    let res = nurse.get(&format!("/documents/{doc}")).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/pdf");
    assert!(res.headers()["content-disposition"].to_str().unwrap().starts_with("attachment"));
    assert_eq!(res.bytes().await.unwrap().to_vec(), pdf);
    let res = nurse.get(&format!("/documents/{doc}/preview")).await;
    assert!(res.headers()["content-disposition"].to_str().unwrap().starts_with("inline"));
    assert!(res.headers()["content-security-policy"].to_str().unwrap().starts_with("sandbox"));
    // A new version replaces it in the file; the old one stays readable by its id.
    let png = b"\x89PNG\r\n\x1a\n0000".to_vec();
    let v2 = [
        ("doc_title", "Lettre de liaison (signée)"),
        ("type_code", "88348-8"),
        ("date", "03/11/2026"),
        ("category", "nursing_care"),
        ("replaces", doc.as_str()),
    ];
    assert_eq!(nurse.post_file(&path, &v2, ("scan.png", "image/png", png)).await.status(), 303);
    assert_eq!(
        nurse.post_file(&path, &v2, ("scan.png", "image/png", b"\x89PNG\r\n\x1a\n1".to_vec())).await.status(),
        409
    );
    let (_, page) = nurse.text(&format!("/persons/{id}")).await;
    assert!(page.contains("Lettre de liaison (signée)") && page.contains("version 2"));
    assert_eq!(nurse.get(&format!("/documents/{doc}")).await.status(), 200);
    // Confidentiality: a medical document is not listed nor served to a care aide.
    let doctor = t.login("medecin").await;
    let secret = [
        ("doc_title", "Compte rendu confidentiel"),
        ("type_code", "60591-5"),
        ("date", "01/11/2026"),
        ("category", "medical"),
    ];
    assert_eq!(doctor.post_file(&path, &secret, ("cr.pdf", "application/pdf", pdf.clone())).await.status(), 303);
    let (_, page) = doctor.text(&format!("/persons/{id}")).await;
    let after = page.split("Compte rendu confidentiel").nth(1).expect("listed for the physician");
    let medical = after.split("/documents/").nth(1).unwrap().split('/').next().unwrap().to_string();
    let aide = t.login("aide.nord").await;
    let (_, page) = aide.text(&format!("/persons/{id}")).await;
    assert!(!page.contains("Compte rendu confidentiel"));
    assert_eq!(aide.get(&format!("/documents/{medical}")).await.status(), 403);
    assert_eq!(doctor.get(&format!("/documents/{medical}")).await.status(), 200);
    assert_eq!(t.login("educateur").await.get(&format!("/documents/{doc}")).await.status(), 404);
    let (_, log) = t.login("dpo").await.text(&format!("/persons/{id}/access-log")).await;
    assert!(log.contains("document.create") && log.contains("document.download") && log.contains("document.preview"));
}

both_engines!(mentions_bring_a_note_to_a_colleague_or_a_team);

async fn mentions_bring_a_note_to_a_colleague_or_a_team(t: TestApp) {
    let id = resident(&t, "MENTION").await;
    let aide_id = t.account("aide.nord").await;
    let educ_id = t.account("educateur").await;
    let nurse = t.login("infirmier").await;
    let (_, page) = nurse.text(&format!("/persons/{id}")).await;
    assert!(
        page.contains(&format!("value=\"account:{aide_id}\"")) && page.contains("value=\"team:care_aide\""),
        "{page}"
    );
    assert!(!page.contains(&format!("account:{educ_id}")), "the IME's educator does not work here");
    let path = format!("/persons/{id}/notes");
    // Someone who does not work here, or may not read the note, is refused; nothing is written.
    let elsewhere =
        [("category", "nursing_care"), ("text", "Voir pansement"), ("mention", &format!("account:{educ_id}"))];
    let res = nurse.post(&path, &elsewhere).await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("Signaler à : ce collègue ne travaille pas auprès de cette personne"));
    let doctor = t.login("medecin").await;
    let secret =
        [("category", "medical"), ("text", "Bilan cardiaque prévu"), ("mention", &format!("account:{aide_id}"))];
    let res = doctor.post(&path, &secret).await;
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(page.contains("ne peut pas lire une transmission « Médical »"), "{page}");
    assert!(page.contains("Bilan cardiaque prévu"), "the typed note is kept");
    let (_, person) = nurse.text(&format!("/persons/{id}")).await;
    assert!(!person.contains("Voir pansement") && !person.contains("Bilan cardiaque"));
    // Brought to the aide by name and to the care aides' team: both recorded once, shown on the note.
    let mention = format!("account:{aide_id}");
    let ok = [
        ("category", "nursing_care"),
        ("text", "Surveiller l'hydratation cet après-midi"),
        ("mention", mention.as_str()),
        ("mention", "team:care_aide"),
        ("mention", mention.as_str()),
    ];
    assert_eq!(nurse.post(&path, &ok).await.status(), 303);
    let (_, person) = nurse.text(&format!("/persons/{id}")).await;
    assert!(person.contains("signalée à aide nord Testeur, équipe Aide-soignant"), "{person}");
    // In the aide's digest it comes first, for her, until she acknowledges it.
    let aide = t.login("aide.nord").await;
    let free = [("category", "nursing_care"), ("text", "Repas pris en entier")];
    assert_eq!(aide.post(&path, &free).await.status(), 303);
    let (_, digest) = aide.text("/logbook/shift").await;
    let first = digest.find("Surveiller l&#39;hydratation").expect("listed");
    assert!(first < digest.find("Repas pris en entier").unwrap(), "{digest}");
    assert!(digest.contains("pour vous"));
    let note = digest[first..].split("/notes/").nth(1).unwrap().split('/').next().unwrap().to_string();
    let res = aide.post(&format!("/notes/{note}/read"), &[("back", "/logbook/shift")]).await;
    assert_eq!(res.status(), 303);
    let (_, digest) = aide.text("/logbook/shift").await;
    assert!(digest.contains("Lu · 1 lecteur"), "{digest}");
    // A normal note not brought to the reader asks for no receipt.
    let (_, person) = aide.text(&format!("/persons/{id}")).await;
    let own = person.split("Repas pris en entier").nth(1).unwrap().split("/notes/").nth(1).unwrap();
    let own = own.split('/').next().unwrap();
    assert_eq!(t.login("infirmier").await.post(&format!("/notes/{own}/read"), &[]).await.status(), 409);
}
