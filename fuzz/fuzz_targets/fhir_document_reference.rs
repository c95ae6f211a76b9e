//! FHIR DocumentReference bodies (POST /fhir/DocumentReference, a file in base64), any bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use relais_domain::document::{check_file, check_title, type_label};
use relais_interop::fhir::document_reference::parse;

fuzz_target!(|data: &[u8]| {
    let d = match parse(data) {
        Ok(d) => d,
        Err(e) => {
            assert!(e.status == 400 || e.status == 422, "status {} for {}", e.status, e.code);
            return;
        }
    };
    assert!(type_label(&d.type_code).is_some(), "only known document types get through");
    assert!(!d.patient_id.is_empty(), "a subject is required");
    // The application then checks the file against its declared type, and the title.
    if let Ok(media) = check_file(&d.content_type, &d.bytes) {
        assert_eq!(relais_domain::document::MediaType::sniff(&d.bytes), Some(media), "a file is what it says it is");
    }
    let _ = check_title(&d.title);
});
