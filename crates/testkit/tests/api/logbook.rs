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

    // The searches are in the person's access log.
    let (_, log) = t.login("dpo").await.text(&format!("/persons/{id}/access-log")).await;
    assert!(log.contains("note.search"), "{log}");
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
