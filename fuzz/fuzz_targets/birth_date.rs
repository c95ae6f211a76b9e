//! Dates of birth (`AAAA-MM-JJ`, `JJ/MM/AAAA`, partial with `00`) and form dates.
#![no_main]

use jiff::civil::{Date, date};
use libfuzzer_sys::fuzz_target;
use relais_domain::date::{BirthDate, parse_date};

const TODAY: Date = date(2026, 11, 26);

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else { return };

    if let Ok(d) = BirthDate::parse(s, TODAY) {
        let stored = d.to_storage();
        assert_eq!(BirthDate::from_storage(&stored).as_ref(), Ok(&d), "storage round trip of {stored:?}");
        // The other written forms read back to the same date too.
        assert_eq!(BirthDate::parse(&d.to_fhir(), TODAY).as_ref(), Ok(&d), "FHIR round trip");
        assert_eq!(BirthDate::parse(&d.to_string(), TODAY).as_ref(), Ok(&d), "display round trip");
        assert!(d.earliest() <= TODAY, "nobody is born tomorrow");
        assert!(d.day().is_none() || d.month().is_some(), "no day without a month");
        assert_eq!(d.is_partial(), d.day().is_none());
    }
    // Stored values are read back with no upper bound: must not panic either.
    let _ = BirthDate::from_storage(s);
    let _ = parse_date("date", s);
});
