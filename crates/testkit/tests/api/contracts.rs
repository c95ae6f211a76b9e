//! Contracts: a contrat de séjour generated for a resident and filed as a PDF document, the INS
//! printed only for a qualified identity, the signature, the reminder list, access and audit.

use crate::{admit, both_engines, resident, today};
use jiff::SignedDuration;
use relais_testkit::{Browser, TestApp, extract};
use std::io::Write;

both_engines!(a_residents_contract_is_generated_signed_and_followed, the_ins_is_printed_only_when_qualified);

/// The text of a PDF as Debian's `pdftotext` (poppler-utils) reads it, whitespace collapsed.
pub(crate) fn pdf_text(pdf: &[u8]) -> String {
    assert!(pdf.starts_with(b"%PDF-"), "not a PDF");
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(pdf).unwrap();
    let out = std::process::Command::new("pdftotext")
        .args(["-enc", "UTF-8"])
        .arg(file.path())
        .arg("-")
        .output()
        .unwrap_or_else(|e| panic!("pdftotext is needed to read PDFs back ({e}): install poppler-utils"));
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap().split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Generates the next contract of the person's only stay; returns the new document's id.
async fn generate(b: &Browser, person: &str) -> String {
    let (status, page) = b.text(&format!("/persons/{person}/contracts")).await;
    assert_eq!(status, 200, "{page}");
    let stay = extract(&page, &format!("action=\"/persons/{person}/stays/"))
        .unwrap_or_else(|| panic!("no generate button: {page}"));
    let stay = stay.trim_end_matches("/contracts");
    let before: Vec<String> = documents_of(&page);
    let res = b.post(&format!("/persons/{person}/stays/{stay}/contracts"), &[]).await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap_or_default());
    let (_, page) = b.text(&format!("/persons/{person}/contracts?ok=generated")).await;
    assert!(page.contains("Document établi et classé"), "{page}");
    documents_of(&page).into_iter().find(|d| !before.contains(d)).expect("a new document")
}

fn documents_of(page: &str) -> Vec<String> {
    let mut out: Vec<String> = page
        .match_indices("href=\"/documents/")
        .filter_map(|(i, m)| page[i + m.len()..].split('"').next())
        .map(|s| s.trim_end_matches("/preview").to_string())
        .collect();
    out.dedup();
    out
}

async fn download(b: &Browser, document: &str) -> Vec<u8> {
    let res = b.get(&format!("/documents/{document}")).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/pdf");
    res.bytes().await.unwrap().to_vec()
}

async fn a_residents_contract_is_generated_signed_and_followed(t: TestApp) {
    let id = resident(&t, "Contrat").await;
    let sec = t.login("secretariat").await;
    let (_, person_page) = sec.text(&format!("/persons/{id}")).await;
    assert!(person_page.contains("Aucun contrat de séjour ni DIPC"), "{person_page}");
    let (_, page) = sec.text(&format!("/persons/{id}/contracts")).await;
    assert!(page.contains("Générer le contrat de séjour"), "a residential stay calls for a contrat de séjour");

    let doc = generate(&sec, &id).await;
    let text = pdf_text(&download(&sec, &doc).await);
    for expected in ["Contrat de séjour", "CONTRAT", "Jeanne Marie", "EHPAD Test", &today(), "hébergement permanent"]
    {
        assert!(text.contains(expected), "« {expected} » missing from the contract: {text}");
    }
    assert!(!text.contains("INS"), "no INS for a provisional identity: {text}");
    // Filed as a document of the record, in the administrative category.
    let (_, person_page) = sec.text(&format!("/persons/{id}")).await;
    assert!(person_page.contains(&format!("/documents/{doc}/preview")), "listed with the documents");
    assert!(person_page.contains("1 document, à signer."), "{person_page}");
    let preview = sec.get(&format!("/documents/{doc}/preview")).await;
    assert_eq!(preview.status(), 200);

    // The signature: refused when incomplete or in the future; nothing recorded then.
    let (_, page) = sec.text(&format!("/persons/{id}/contracts")).await;
    let contract = extract(&page, "action=\"/contracts/").unwrap().trim_end_matches("/signature").to_string();
    let sign = format!("/contracts/{contract}/signature");
    let res = sec.post(&sign, &[("person", &id), ("signed_on", &today())]).await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("Signature : choisissez qui a signé"));
    let res = sec.post(&sign, &[("person", &id), ("signature", "signed_person"), ("signed_on", "01/01/2999")]).await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("Date de signature"));
    let res =
        sec.post(&sign, &[("person", &id), ("signature", "signed_representative"), ("signed_on", &today())]).await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap_or_default());
    let (_, page) = sec.text(&format!("/persons/{id}/contracts?ok=signed")).await;
    assert!(page.contains(&format!("signé le {} par le représentant légal", today())), "{page}");
    // Once signed, it is amended, not signed again.
    let res = sec.post(&sign, &[("person", &id), ("signature", "refused"), ("signed_on", &today())]).await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("avenant"));

    // An amendment is a new contract of the stay, to sign; it is followed until signed.
    assert!(page.contains("Générer l&#39;avenant n° 1") || page.contains("Générer l'avenant n° 1"), "{page}");
    let amendment = generate(&sec, &id).await;
    assert_ne!(amendment, doc);
    let text = pdf_text(&download(&sec, &amendment).await);
    assert!(text.contains("avenant n° 1"), "{text}");
    let (_, est_page) = sec.text(&format!("/establishments/{}", t.fixture.ehpad)).await;
    assert!(est_page.contains(&format!("href=\"/establishments/{}/contracts\"", t.fixture.ehpad)), "{est_page}");
    let list = format!("/establishments/{}/contracts?unsigned=1", t.fixture.ehpad);
    let (status, overdue) = sec.text(&list).await;
    assert_eq!(status, 200);
    assert!(overdue.contains("Aucun contrat à signer"), "not overdue yet: {overdue}");
    let (_, all) = sec.text(&format!("/establishments/{}/contracts", t.fixture.ehpad)).await;
    assert!(all.contains("CONTRAT Jeanne") && all.contains("avenant n° 1"), "{all}");

    t.clock.advance(SignedDuration::from_hours(16 * 24));
    // Sixteen days later the session has long expired.
    let sec = t.login("secretariat").await;
    let (_, overdue) = sec.text(&list).await;
    assert!(overdue.contains("CONTRAT Jeanne") && overdue.contains("Relance"), "{overdue}");
    assert!(overdue.contains("16 j"), "{overdue}");
    let (_, person_page) = sec.text(&format!("/persons/{id}")).await;
    assert!(person_page.contains("À relancer"), "the person's page flags it: {person_page}");

    // Access: the nurse reads the administrative file but writes none of it; other
    // establishments do not learn the person exists; the DPO sees no administrative file.
    let nurse = t.login("infirmier").await;
    let (status, page) = nurse.text(&format!("/persons/{id}/contracts")).await;
    assert_eq!(status, 200);
    assert!(!page.contains("Générer") && !page.contains("/signature"), "{page}");
    let (_, sec_page) = sec.text(&format!("/persons/{id}/contracts")).await;
    let stay = extract(&sec_page, &format!("action=\"/persons/{id}/stays/")).unwrap();
    assert_eq!(nurse.post(&format!("/persons/{id}/stays/{stay}"), &[]).await.status(), 403);
    let amendment_contract = extract(&sec_page, "action=\"/contracts/").unwrap();
    let res = nurse
        .post(
            &format!("/contracts/{amendment_contract}"),
            &[("person", &id), ("signature", "signed_person"), ("signed_on", &today())],
        )
        .await;
    assert_eq!(res.status(), 403);
    let edu = t.login("educateur").await;
    assert_eq!(edu.get(&format!("/persons/{id}/contracts")).await.status(), 404);
    assert_eq!(edu.get(&format!("/establishments/{}/contracts", t.fixture.ehpad)).await.status(), 404);
    let dpo = t.login("dpo").await;
    assert_eq!(dpo.get(&format!("/establishments/{}/contracts", t.fixture.ehpad)).await.status(), 403);
    assert_eq!(dpo.get(&format!("/persons/{id}/contracts")).await.status(), 403);

    // Audit: generation, reads, the signature and the downloads, with the document's hash.
    let actions = t.audit_actions(&id).await;
    for a in ["contract.create", "contract.read", "contract.sign", "document.download", "document.preview"] {
        assert!(actions.iter().any(|x| x == a), "{a} not audited: {actions:?}");
    }
    let mut conn = t.app.store.read().await.unwrap();
    let events =
        relais_app::store::audit::for_person(&mut conn, t.fixture.org, id.parse().unwrap(), 200).await.unwrap();
    let create = events.iter().find(|e| e.action == "contract.create").expect("creation audited");
    let detail = create.detail.clone().unwrap_or_default();
    assert!(detail.starts_with("residential_contract amendment") && detail.contains("sha256"), "{detail}");
    let sign = events.iter().find(|e| e.action == "contract.sign").expect("signature audited");
    assert!(sign.detail.as_deref().unwrap_or_default().starts_with("signed_representative on "));
}

async fn the_ins_is_printed_only_when_qualified(t: TestApp) {
    let sec = t.login("secretariat").await;
    let id = crate::register(&sec, &t.fixture.ehpad.to_string(), "Tchitchi", "Catarina", "21/06/1936").await;
    admit(&sec, &id, &format!("{}:{}", t.fixture.ehpad, t.fixture.north)).await;
    // INSi returns the INS: the identity is « récupérée », not yet qualified.
    let res = sec.post(&format!("/persons/{id}/insi"), &[]).await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap_or_default());
    let (_, page) = sec.text(&format!("/persons/{id}/identity")).await;
    let call = extract(&page, &format!("/persons/{id}/insi/")).unwrap();
    let call = call.split('/').next().unwrap();
    let res = sec.post(&format!("/persons/{id}/insi/{call}/accept"), &[]).await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap_or_default());
    let doc = generate(&sec, &id).await;
    let text = pdf_text(&download(&sec, &doc).await);
    assert!(text.contains("TCHITCHI"), "{text}");
    assert!(!text.contains("236066322083656") && !text.contains("INS"), "no INS below qualification: {text}");

    // A high-trust document qualifies the identity: the next document carries the INS.
    let res = sec
        .post(
            &format!("/persons/{id}/evidence"),
            &[("kind", "CNI"), ("number", "X4RTBPFW4"), ("expires_on", "01/01/2031")],
        )
        .await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap_or_default());
    let doc = generate(&sec, &id).await;
    let text = pdf_text(&download(&sec, &doc).await);
    assert!(text.contains("INS (identité qualifiée)") && text.contains("236066322083656"), "{text}");
}
