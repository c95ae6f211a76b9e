//! The smaller parsers of outside input in relais-domain: API client scopes, FINESS numbers,
//! typed numbers and measures, notes (transmissions), typed identifiers from URLs.
//!
//! Input: first byte chooses the parser, the rest is the text (lines for several fields).
#![no_main]

use libfuzzer_sys::fuzz_target;
use relais_domain::ids::PersonId;
use relais_domain::note::NoteContent;
use relais_domain::observation::{Measure, VitalSign, parse_number};
use relais_domain::organisation::Finess;
use relais_domain::scope::{Access, Scopes};

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else { return };
    let Ok(s) = std::str::from_utf8(rest) else { return };
    match selector % 5 {
        0 => {
            if let Ok(scopes) = Scopes::parse(s) {
                assert!(scopes.covers(&scopes), "a scope set covers itself");
                let listed = scopes.to_string_list();
                let again = Scopes::parse(&listed).expect("listed scopes parse again");
                assert!(again.covers(&scopes) && scopes.covers(&again), "round trip of {listed:?}");
                for r in ["Patient", "Observation"] {
                    for a in [Access::Read, Access::Write] {
                        assert_eq!(again.allows(r, a), scopes.allows(r, a));
                    }
                }
            }
        }
        1 => {
            if let Ok(f) = Finess::parse(s) {
                assert_eq!(f.as_str().len(), 9);
                assert_eq!(Finess::parse(f.as_str()).as_ref(), Ok(&f), "FINESS round trip");
            }
        }
        2 => {
            // `kind\nvalue\nvalue2`, as the person page form posts a measure.
            let mut lines = s.split('\n');
            let kind = VitalSign::ALL[usize::from(selector / 5) % VitalSign::ALL.len()];
            let value = parse_number("value", lines.next().unwrap_or(""));
            let value2 = lines.next().map(|v| parse_number("value2", v));
            let Ok(v) = value else { return };
            assert!(v.is_finite(), "parse_number gives finite numbers");
            let v2 = match value2 {
                Some(Ok(v2)) => {
                    assert!(v2.is_finite());
                    Some(v2)
                }
                Some(Err(_)) => return,
                None => None,
            };
            if let Ok(m) = Measure::new(kind, v, v2) {
                assert_eq!(m.value2.is_some(), kind == VitalSign::BloodPressure);
            }
        }
        3 => {
            // category, text, target, data, action, result: one per line (a NUL stands for a newline inside).
            let fields: Vec<String> = s.splitn(6, '\n').map(|f| f.replace('\0', "\n")).collect();
            let f = |i: usize| fields.get(i).map(String::as_str).unwrap_or("");
            if let Ok(n) = NoteContent::new(f(0), f(1), f(2), f(3), f(4), f(5)) {
                assert!(!n.text.is_empty() || n.target.is_some(), "a note has a text or a target");
            }
        }
        _ => {
            if let Ok(id) = s.parse::<PersonId>() {
                assert_eq!(id.to_string().parse::<PersonId>().ok(), Some(id), "id round trip");
            }
        }
    }
});
