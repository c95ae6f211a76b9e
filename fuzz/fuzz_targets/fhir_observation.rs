//! FHIR Observation bodies (POST /fhir/Observation, vital signs), any bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use relais_domain::observation::{Measure, VitalSign};
use relais_interop::fhir::observation::parse;

fuzz_target!(|data: &[u8]| {
    let o = match parse(data) {
        Ok(o) => o,
        Err(e) => {
            assert!(e.status == 400 || e.status == 422, "status {} for {}", e.status, e.code);
            return;
        }
    };
    assert!(o.value.is_finite(), "JSON numbers are finite");
    assert_eq!(o.value2.is_some(), o.kind == VitalSign::BloodPressure, "a second value only for blood pressure");
    assert!(o.value2.is_none_or(f64::is_finite));
    // The web layer then checks the ranges.
    let _ = Measure::new(o.kind, o.value, o.value2);
});
