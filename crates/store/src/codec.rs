//! Conversions between domain values and the portable column types.

use crate::StoreError;
use jiff::civil::Date;
use std::str::FromStr;

/// Microseconds since the Unix epoch, UTC.
pub type Micros = i64;

pub fn now_micros() -> Micros {
    jiff::Timestamp::now().as_microsecond()
}

pub(crate) fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt(what.to_string())
}

pub(crate) fn id<T: FromStr>(s: &str, what: &str) -> Result<T, StoreError> {
    s.parse().map_err(|_| corrupt(what))
}

pub(crate) fn opt_id<T: FromStr>(s: Option<String>, what: &str) -> Result<Option<T>, StoreError> {
    s.map(|s| id(&s, what)).transpose()
}

pub(crate) fn date(s: &str, what: &str) -> Result<Date, StoreError> {
    s.parse().map_err(|_| corrupt(what))
}

pub(crate) fn opt_date(s: Option<String>, what: &str) -> Result<Option<Date>, StoreError> {
    s.map(|s| date(&s, what)).transpose()
}

pub(crate) fn flag(v: i16) -> bool {
    v != 0
}
