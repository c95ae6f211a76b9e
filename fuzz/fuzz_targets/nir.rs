//! NIR/NIA matricules and INS (matricule + OID), as typed in forms or sent in FHIR identifiers.
#![no_main]

use libfuzzer_sys::fuzz_target;
use relais_domain::ins::{Ins, InsAuthority, Matricule};

const TEST_OID: &str = "1.2.250.1.213.1.4.10";

fuzz_target!(|data: &[u8]| {
    // Inputs reach the parser as &str: non-UTF-8 bytes are refused earlier (forms, JSON).
    let Ok(s) = std::str::from_utf8(data) else { return };

    if let Ok(m) = Matricule::parse(s) {
        let text = m.as_str();
        assert_eq!(text.len(), 15, "a matricule has 15 characters");
        assert!(text.is_ascii(), "a matricule is ASCII");
        assert!(!text.contains(char::is_whitespace), "spaces are dropped");
        let again = Matricule::parse(text).expect("a parsed matricule parses again");
        assert_eq!(again, m, "re-parsing the canonical form gives the same matricule");
        assert_eq!(format!("{m:?}"), "Matricule(***)", "Debug never shows the matricule");
    }

    match Ins::parse(s, TEST_OID) {
        Ok(ins) => {
            assert_eq!(ins.authority, InsAuthority::NirTest);
            assert_eq!(Some(ins.matricule), Matricule::parse(s).ok());
        }
        Err(_) => assert!(Matricule::parse(s).is_err(), "with a valid OID, Ins fails only on the matricule"),
    }

    // Both parts from the input (`matricule|oid`), as a FHIR identifier carries them.
    if let Some((matricule, oid)) = s.split_once('|') {
        if let Ok(ins) = Ins::parse(matricule, oid) {
            assert_eq!(InsAuthority::from_oid(oid), Some(ins.authority));
        }
    }
    if let Some(a) = InsAuthority::from_oid(s) {
        assert_eq!(InsAuthority::from_oid(a.oid()), Some(a));
    }
});
