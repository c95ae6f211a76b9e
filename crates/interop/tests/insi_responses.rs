//! INSi answers published for the CNDA test environment, read by `parse_response`.

use relais_domain::identity::Sex;
use relais_domain::ins::InsAuthority;
use relais_interop::insi::{InsiError, InsiIdentity, parse_response};

fn fixture(name: &str) -> String {
    let path = format!("{}/tests/insi/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn found(name: &str) -> InsiIdentity {
    let (code, label, identity) = parse_response(&fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!((code.as_str(), label.as_str()), ("00", "OK"), "{name}");
    identity.unwrap_or_else(|| panic!("{name}: CR 00 without identity"))
}

#[test]
fn cr01_and_cr02_carry_no_identity() {
    assert_eq!(
        parse_response(&fixture("REP_CR01.xml")).unwrap(),
        ("01".into(), "Aucune identite trouvee".into(), None)
    );
    assert_eq!(
        parse_response(&fixture("CR02.xml")).unwrap(),
        ("02".into(), "Plusieurs identites trouvees".into(), None)
    );
}

#[test]
fn corsica_identities() {
    let dominique = found("adrtrois_dominique.xml");
    assert_eq!(dominique.ins.matricule.as_str(), "297022A02077878");
    assert_eq!(dominique.ins.authority, InsAuthority::Nir);
    assert_eq!(dominique.sex, Sex::Female);
    assert_eq!(dominique.birthplace.as_deref(), Some("2A020"));
    let toussaint = found("adrtrois_toussaint.xml");
    assert_eq!(toussaint.ins.matricule.as_str(), "160012B02077713");
    assert_eq!(toussaint.birthplace.as_deref(), Some("2B020"));
    let corse = found("TEST_2.08_cas1.xml");
    assert_eq!(corse.ins.matricule.as_str(), "180032B02040123");
    assert_eq!(corse.history.len(), 1);
}

#[test]
fn history_is_read_whatever_the_order_of_its_children() {
    // TEST_2.04 puts DateDeb/DateFin before IdIndividu, against the XSD order: the real service did.
    let pierre_alain = found("TEST_2.04_cas2.xml");
    assert_eq!(pierre_alain.ins.matricule.as_str(), "109076322083489");
    let history: Vec<&str> = pierre_alain.history.iter().map(|i| i.matricule.as_str()).collect();
    assert_eq!(history, ["209076322083439", "209066322012355"]);
    assert_eq!(pierre_alain.first_names, ["PIERRE-ALAIN", "MURIEL", "FLORIANT"]);
    assert_eq!(pierre_alain.birth_date, "2009-07-14");
    assert_eq!(found("ecetinsi_live.xml").history.len(), 1);
}

#[test]
fn nia_is_returned_as_such() {
    let provisional = found("TEST_2.05.xml");
    assert_eq!(provisional.ins.authority, InsAuthority::Nia);
    assert_eq!(provisional.ins.matricule.as_str(), "109076322088835");
    assert_eq!(provisional.first_names, ["MATRICULE"]);
}

#[test]
fn tchitchi_catarina() {
    let catarina = found("tchitchi_catarina.xml");
    assert_eq!(catarina.ins.matricule.as_str(), "236066322083656");
    assert_eq!(catarina.first_names, ["CATARINA", "BELLA"]);
}

#[test]
fn a_wrong_key_is_a_protocol_error_never_an_identity() {
    assert!(matches!(parse_response(&fixture("TEST_2.08_cas2_published.xml")), Err(InsiError::Protocol(_))));
    let hermann = found("TEST_2.08_cas2.xml");
    assert_eq!(hermann.ins.matricule.as_str(), "181036322045676");
    assert_eq!(hermann.history.len(), 2);
    // A wrong key in the history alone is refused too.
    let xml = fixture("TEST_2.04_cas2.xml").replace("<Cle>55</Cle>", "<Cle>54</Cle>");
    assert!(matches!(parse_response(&xml), Err(InsiError::Protocol(_))));
}

#[test]
fn an_unknown_oid_is_refused() {
    let xml = fixture("tchitchi_catarina.xml").replace("1.2.250.1.213.1.4.8", "1.2.250.1.213.1.4.13");
    assert!(matches!(parse_response(&xml), Err(InsiError::Protocol(_))));
}

#[test]
fn fault_desir_550() {
    let Err(InsiError::Fault { code, message }) = parse_response(&fixture("fault_desir_550.xml")) else {
        panic!("fault expected");
    };
    assert_eq!(code, "desir_550");
    assert_eq!(message, "Numéro d'autorisation du logiciel inconnu.");
    let err = InsiError::Fault { code, message };
    assert!(err.french_message().starts_with("Le numéro d'autorisation du logiciel n'est pas reconnu"));
}

#[test]
fn prefixes_do_not_matter_namespaces_do() {
    let renamed = fixture("REP_CR01.xml").replace("soap:", "e:").replace("xmlns:soap", "xmlns:e");
    assert_eq!(parse_response(&renamed).unwrap().0, "01");
    // Same names in another namespace are not an INSi answer.
    let wrong_ns = fixture("REP_CR01.xml").replace("http://www.cnamts.fr/INSiResultat", "urn:other");
    assert!(matches!(parse_response(&wrong_ns), Err(InsiError::Protocol(_))));
    let soap11 = fixture("REP_CR01.xml")
        .replace("http://www.w3.org/2003/05/soap-envelope", "http://schemas.xmlsoap.org/soap/envelope/");
    assert!(matches!(parse_response(&soap11), Err(InsiError::Protocol(_))));
}

#[test]
fn truncated_or_empty_answers_are_protocol_errors() {
    let full = fixture("adrtrois_dominique.xml");
    for cut in [0, 10, full.len() / 2, full.len() - 12] {
        assert!(matches!(parse_response(&full[..cut]), Err(InsiError::Protocol(_))), "cut at {cut}");
    }
    let no_tiq = full.replace("<TIQ>", "<X>").replace("</TIQ>", "</X>");
    assert!(matches!(parse_response(&no_tiq), Err(InsiError::Protocol(_))));
}

#[test]
fn vitale_card_answer_reads_like_a_traits_answer() {
    // Same RESULTAT for both operations (WSDL DESIR_ICIR_EXP_1.5.0): the same parser reads it.
    let ecetinsi = found("vitale_ecetinsi_cr00.xml");
    assert_eq!(ecetinsi.ins.matricule.as_str(), "109076322083489");
    assert_eq!(ecetinsi.ins.authority, InsAuthority::Nir);
    let history: Vec<&str> = ecetinsi.history.iter().map(|i| i.matricule.as_str()).collect();
    assert_eq!(history, ["209076322083439", "209066322012355"]);
    assert_eq!(ecetinsi.birth_name, "ECETINSI");
    assert_eq!(ecetinsi.first_names, ["PIERRE-ALAIN", "MURIEL", "FLORIANT"]);
    assert_eq!(ecetinsi.sex, Sex::Male);
    assert_eq!(ecetinsi.birth_date, "2009-07-14");
    assert_eq!(ecetinsi.birthplace.as_deref(), Some("63220"));
}
