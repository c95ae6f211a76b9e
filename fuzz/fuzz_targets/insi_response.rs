//! INSi SOAP responses (what the teleservice, or anything posing as it, sends back), any text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use relais_interop::insi::parse_response;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok((code, _label, identity)) = parse_response(text) {
        if let Some(found) = identity {
            // An INS reaches Relais only through Ins::parse: its key has been checked.
            assert!(relais_domain::ins::Ins::parse(found.ins.matricule.as_str(), found.ins.authority.oid()).is_ok());
            assert!(found.history.iter().all(|h| !h.matricule.as_str().is_empty()));
        }
        assert!(!code.is_empty(), "an answer always carries its code");
    }
});
