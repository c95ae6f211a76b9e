//! `Patient/$match` Parameters bodies, any bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use relais_interop::fhir::{MATCH_COUNT_MAX, parse_match_parameters};

fuzz_target!(|data: &[u8]| {
    match parse_match_parameters(data) {
        Ok(request) => {
            assert!((1..=MATCH_COUNT_MAX).contains(&request.count), "count {}", request.count);
            assert!(!request.patient.birth_date.is_empty(), "a Patient with its birth date");
        }
        Err(e) => assert!(e.status == 400 || e.status == 422, "status {} for {}", e.status, e.code),
    }
});
