//! FHIR Patient bodies (POST /fhir/Patient), any bytes; what is read then goes through the
//! same domain rules as in the web layer.
#![no_main]

use jiff::civil::{Date, date};
use libfuzzer_sys::fuzz_target;
use relais_domain::date::BirthDate;
use relais_domain::identity::{InseeCode, Sex, StrictTraits, UsedNames};
use relais_domain::ins::{Ins, InsAuthority};
use relais_interop::fhir::parse_patient;

const TODAY: Date = date(2026, 11, 26);

fuzz_target!(|data: &[u8]| {
    let p = match parse_patient(data) {
        Ok(p) => p,
        Err(e) => {
            assert!(e.status == 400 || e.status == 422, "status {} for {}", e.status, e.code);
            return;
        }
    };
    // parse_patient only ever writes a known sex code and a known INS OID.
    let sex = Sex::from_code(&p.sex).expect("sex comes from a checked gender");
    assert!(p.ins_oid.is_empty() || InsAuthority::from_oid(&p.ins_oid).is_some(), "INS OID");
    if p.ins_oid.is_empty() {
        assert!(p.ins_matricule.is_empty(), "a matricule without an INS identifier");
    } else {
        let _ = Ins::parse(&p.ins_matricule, &p.ins_oid);
    }
    let birthplace = if p.birthplace.is_empty() { None } else { InseeCode::parse(&p.birthplace).ok() };
    if let Ok(bd) = BirthDate::parse(&p.birth_date, TODAY) {
        let _ = StrictTraits::new(&p.birth_name, &p.first_names, bd, sex, birthplace);
    }
    let _ = UsedNames::new(&p.used_name, &p.used_first_name);
});
