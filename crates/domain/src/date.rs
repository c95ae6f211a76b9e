//! Dates of birth, which may be partial in French identities (`00` for an unknown day or month).

use crate::DomainError;
use jiff::civil::Date;
use std::fmt;

/// A date of birth: the year is always known; the month and then the day may be unknown
/// ("lunar" dates, written with `00`). A day without a month cannot exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BirthDate {
    year: i16,
    month: Option<i8>,
    day: Option<i8>,
}

impl BirthDate {
    /// Accepts `AAAA-MM-JJ` (ISO, as INSi and FHIR write it) and `JJ/MM/AAAA` (as people type it),
    /// with `00` for an unknown day or month. `today` bounds the date: nobody is born tomorrow.
    pub fn parse(input: &str, today: Date) -> Result<Self, DomainError> {
        let s = input.trim();
        let err = |code: &'static str, msg: &str| DomainError::new("birth_date", code, msg);
        let (y, m, d) = if let Some((d, rest)) = s.split_once('/') {
            let (m, y) =
                rest.split_once('/').ok_or_else(|| err("date-format", "date attendue au format JJ/MM/AAAA"))?;
            (y, m, d)
        } else {
            let mut parts = s.splitn(3, '-');
            match (parts.next(), parts.next(), parts.next()) {
                (Some(y), Some(m), Some(d)) => (y, m, d),
                (Some(y), Some(m), None) => (y, m, "00"),
                (Some(y), None, None) if !y.is_empty() => (y, "00", "00"),
                _ => return Err(err("date-format", "date attendue au format JJ/MM/AAAA")),
            }
        };
        let all_digits = |p: &str, len: usize| p.len() == len && p.bytes().all(|b| b.is_ascii_digit());
        if !all_digits(y, 4) || !all_digits(m, 2) || !all_digits(d, 2) {
            return Err(err("date-format", "date attendue au format JJ/MM/AAAA (00 pour un jour ou un mois inconnu)"));
        }
        let year: i16 = y.parse().map_err(|_| err("date-format", "année illisible"))?;
        let month: i8 = m.parse().map_err(|_| err("date-format", "mois illisible"))?;
        let day: i8 = d.parse().map_err(|_| err("date-format", "jour illisible"))?;
        Self::new(year, month, day, today)
    }

    /// `month` and `day` use 0 for unknown.
    pub fn new(year: i16, month: i8, day: i8, today: Date) -> Result<Self, DomainError> {
        let err = |code: &'static str, msg: &str| DomainError::new("birth_date", code, msg);
        if year < 1850 {
            return Err(err("date-range", "l'année de naissance doit être postérieure à 1850"));
        }
        if !(0..=12).contains(&month) {
            return Err(err("date-invalid", "le mois doit être compris entre 01 et 12 (00 si inconnu)"));
        }
        if month == 0 && day != 0 {
            return Err(err("date-invalid", "un jour ne peut être connu si le mois est inconnu"));
        }
        if day != 0 && Date::new(year, month, day).is_err() {
            return Err(err("date-invalid", "cette date n'existe pas dans le calendrier"));
        }
        let date = Self { year, month: (month != 0).then_some(month), day: (day != 0).then_some(day) };
        if date.earliest() > today {
            return Err(err("date-future", "la date de naissance ne peut pas être dans le futur"));
        }
        Ok(date)
    }

    /// Age in whole years on `today`; with an unknown day or month, counted from the earliest
    /// possible birth date.
    pub fn age_on(&self, today: Date) -> i16 {
        let born = self.earliest();
        let mut age = today.year() - born.year();
        if (today.month(), today.day()) < (born.month(), born.day()) {
            age -= 1;
        }
        age
    }
    pub fn year(&self) -> i16 {
        self.year
    }
    pub fn month(&self) -> Option<i8> {
        self.month
    }
    pub fn day(&self) -> Option<i8> {
        self.day
    }
    pub fn is_partial(&self) -> bool {
        self.day.is_none()
    }

    /// The first day this date can stand for (used for ranges and ages).
    pub fn earliest(&self) -> Date {
        Date::new(self.year, self.month.unwrap_or(1), self.day.unwrap_or(1)).unwrap_or(Date::MIN)
    }

    /// Stored form and INSi/CDA form: `AAAA-MM-JJ` with `00` for unknown parts.
    pub fn to_storage(&self) -> String {
        format!("{:04}-{:02}-{:02}", self.year, self.month.unwrap_or(0), self.day.unwrap_or(0))
    }

    /// Reads the stored form back; stored values were validated on the way in.
    pub fn from_storage(s: &str) -> Result<Self, DomainError> {
        Self::parse(s, Date::MAX)
    }

    /// FHIR `date`: partial dates drop their unknown parts (`1936`, `1936-06`).
    pub fn to_fhir(&self) -> String {
        match (self.month, self.day) {
            (Some(m), Some(d)) => format!("{:04}-{:02}-{:02}", self.year, m, d),
            (Some(m), None) => format!("{:04}-{:02}", self.year, m),
            _ => format!("{:04}", self.year),
        }
    }
}

/// French display: `21/06/1936`, `00/06/1936`.
impl fmt::Display for BirthDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}/{:02}/{:04}", self.day.unwrap_or(0), self.month.unwrap_or(0), self.year)
    }
}

/// A calendar date typed in a form (`JJ/MM/AAAA` or `AAAA-MM-JJ`), complete.
pub fn parse_date(field: &'static str, input: &str) -> Result<Date, DomainError> {
    let s = input.trim();
    let iso = if let Some((d, rest)) = s.split_once('/') {
        match rest.split_once('/') {
            Some((m, y)) => format!("{y}-{m}-{d}"),
            None => String::new(),
        }
    } else {
        s.to_string()
    };
    iso.parse::<Date>()
        .map_err(|_| DomainError::new(field, "date-invalid", "date invalide : format attendu JJ/MM/AAAA"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    const TODAY: Date = date(2026, 11, 26);

    #[test]
    fn full_and_partial_dates() {
        let d = BirthDate::parse("1936-06-21", TODAY).unwrap();
        assert_eq!(d.to_string(), "21/06/1936");
        assert_eq!(d.to_fhir(), "1936-06-21");
        let p = BirthDate::parse("00/06/1936", TODAY).unwrap();
        assert!(p.is_partial());
        assert_eq!(p.to_storage(), "1936-06-00");
        assert_eq!(p.to_fhir(), "1936-06");
        let y = BirthDate::parse("1936-00-00", TODAY).unwrap();
        assert_eq!(y.to_fhir(), "1936");
        assert_eq!(BirthDate::parse("1936", TODAY).unwrap(), y);
        assert_eq!(BirthDate::from_storage(&p.to_storage()).unwrap(), p);
    }

    #[test]
    fn impossible_dates_are_refused() {
        for (bad, code) in [
            ("1936-02-30", "date-invalid"),
            ("2023-02-29", "date-invalid"),
            ("1936-13-01", "date-invalid"),
            ("1936-00-12", "date-invalid"),
            ("2027-01-01", "date-future"),
            ("1700-01-01", "date-range"),
            ("21-06-1936", "date-format"),
            ("1936/06/21", "date-format"),
            ("abcd-ef-gh", "date-format"),
            ("", "date-format"),
        ] {
            assert_eq!(BirthDate::parse(bad, TODAY).unwrap_err().code, code, "{bad}");
        }
        assert!(BirthDate::parse("2024-02-29", TODAY).is_ok());
    }

    #[test]
    fn parse_date_accepts_both_forms() {
        assert_eq!(parse_date("d", "02/03/2025").unwrap(), date(2025, 3, 2));
        assert_eq!(parse_date("d", "2025-03-02").unwrap(), date(2025, 3, 2));
        assert!(parse_date("d", "31/02/2025").is_err());
    }
}
