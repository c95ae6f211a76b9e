//! `application/x-www-form-urlencoded` bodies of every HTML form (and the OAuth token request).
#![no_main]

use libfuzzer_sys::fuzz_target;
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use relais_web::parse_fields;

fuzz_target!(|data: &[u8]| {
    let Ok(fields) = parse_fields(data) else { return };
    // Keys and values are Strings, so valid UTF-8 by construction; the decoding must also
    // be faithful: encoding the fields again and decoding gives the same fields.
    let body = fields
        .0
        .iter()
        .map(|(k, v)| {
            format!("{}={}", utf8_percent_encode(k, NON_ALPHANUMERIC), utf8_percent_encode(v, NON_ALPHANUMERIC))
        })
        .collect::<Vec<_>>()
        .join("&");
    let again = parse_fields(body.as_bytes()).expect("an encoded form decodes");
    assert_eq!(again.0, fields.0, "encode/decode round trip");
    for (k, v) in &fields.0 {
        assert_eq!(fields.get(k), v.as_str());
    }
});
