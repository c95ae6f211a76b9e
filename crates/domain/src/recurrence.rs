//! Repetition of planned events (activity sessions, appointments): which days a series falls on.

use crate::DomainError;
use jiff::civil::Date;

/// How a planned event repeats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Repeat {
    Once,
    Daily,
    Weekly,
    Fortnightly,
    /// The same day of each month; a month without that day (the 31st in April) has none.
    Monthly,
}

/// Most occurrences one form creates: a weekly workshop for more than two years is planned again.
pub const MAX_OCCURRENCES: usize = 120;

/// What repeats, for the wording of the messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Planned {
    Session,
    Appointment,
}

impl Planned {
    fn until_required(self) -> &'static str {
        match self {
            Self::Session => "indiquez jusqu'à quand l'activité se répète",
            Self::Appointment => "indiquez jusqu'à quand le rendez-vous se répète",
        }
    }
    fn until_before_first(self) -> &'static str {
        match self {
            Self::Session => "la fin de la répétition doit suivre la première séance",
            Self::Appointment => "la fin de la répétition doit suivre le premier rendez-vous",
        }
    }
    fn plural(self) -> &'static str {
        match self {
            Self::Session => "séances",
            Self::Appointment => "rendez-vous",
        }
    }
}

impl Repeat {
    pub const ALL: [Repeat; 5] = [Self::Once, Self::Daily, Self::Weekly, Self::Fortnightly, Self::Monthly];
    /// Repetitions by a fixed number of days, the ones activities offer.
    pub const BY_DAYS: [Repeat; 4] = [Self::Once, Self::Daily, Self::Weekly, Self::Fortnightly];

    pub fn code(self) -> &'static str {
        match self {
            Self::Once => "once",
            Self::Daily => "daily",
            Self::Weekly => "weekly",
            Self::Fortnightly => "fortnightly",
            Self::Monthly => "monthly",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::Once => "une seule fois",
            Self::Daily => "chaque jour",
            Self::Weekly => "chaque semaine",
            Self::Fortnightly => "toutes les deux semaines",
            Self::Monthly => "chaque mois",
        }
    }
    /// Reads a code among `allowed`; an empty code is `Once`.
    pub fn from_code_among(code: &str, allowed: &[Repeat]) -> Result<Self, DomainError> {
        let code = if code.trim().is_empty() { "once" } else { code.trim() };
        allowed
            .iter()
            .copied()
            .find(|r| r.code() == code)
            .ok_or_else(|| DomainError::new("repeat", "repeat-invalid", "répétition inconnue"))
    }
    pub fn from_code(code: &str) -> Result<Self, DomainError> {
        Self::from_code_among(code, &Self::ALL)
    }
}

/// The days of a series, and the months a monthly series skips.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Occurrences {
    pub dates: Vec<Date>,
    /// First day of each month that has no such day (monthly repetition only).
    pub skipped: Vec<Date>,
}

/// The days of the occurrences, from `first` to `until` inclusive; each at the same local time,
/// which the caller applies. Refused beyond `MAX_OCCURRENCES`.
pub fn occurrences(
    first: Date,
    repeat: Repeat,
    until: Option<Date>,
    what: Planned,
) -> Result<Occurrences, DomainError> {
    if repeat == Repeat::Once {
        return Ok(Occurrences { dates: vec![first], skipped: vec![] });
    }
    let until = until.ok_or_else(|| DomainError::new("until", "required", what.until_required()))?;
    if until < first {
        return Err(DomainError::new("until", "order", what.until_before_first()));
    }
    let too_many = || {
        DomainError::new(
            "until",
            "too-many",
            format!("{MAX_OCCURRENCES} {} au plus : choisissez une fin plus proche", what.plural()),
        )
    };
    let off_calendar = || DomainError::new("until", "order", "date hors calendrier");
    let mut out = Occurrences { dates: vec![], skipped: vec![] };
    let step = match repeat {
        Repeat::Daily => 1,
        Repeat::Weekly => 7,
        Repeat::Fortnightly => 14,
        Repeat::Once | Repeat::Monthly => 0,
    };
    if step > 0 {
        let mut day = first;
        while day <= until {
            if out.dates.len() == MAX_OCCURRENCES {
                return Err(too_many());
            }
            out.dates.push(day);
            day = day.checked_add(jiff::Span::new().days(step)).map_err(|_| off_calendar())?;
        }
        return Ok(out);
    }
    let mut month = first.first_of_month();
    while month <= until {
        match Date::new(month.year(), month.month(), first.day()) {
            Ok(day) if day <= until => {
                if out.dates.len() == MAX_OCCURRENCES {
                    return Err(too_many());
                }
                out.dates.push(day);
            }
            Ok(_) => {}
            // Said only for a month wholly within the series.
            Err(_) if month.last_of_month() <= until => out.skipped.push(month),
            Err(_) => {}
        }
        month = month.checked_add(jiff::Span::new().months(1)).map_err(|_| off_calendar())?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn dates(first: Date, repeat: Repeat, until: Option<Date>) -> Result<Vec<Date>, &'static str> {
        occurrences(first, repeat, until, Planned::Session).map(|o| o.dates).map_err(|e| e.code)
    }

    #[test]
    fn series_repeat_until_the_end_date() {
        let first = date(2026, 12, 1);
        assert_eq!(dates(first, Repeat::Once, None).unwrap(), vec![first]);
        let weekly = dates(first, Repeat::Weekly, Some(date(2026, 12, 29))).unwrap();
        assert_eq!(weekly.len(), 5);
        assert_eq!(weekly[4], date(2026, 12, 29));
        let fortnight = dates(first, Repeat::Fortnightly, Some(date(2026, 12, 28))).unwrap();
        assert_eq!(fortnight, vec![first, date(2026, 12, 15)]);
        assert_eq!(dates(first, Repeat::Daily, Some(first)).unwrap(), vec![first]);
        assert_eq!(dates(first, Repeat::Daily, None).unwrap_err(), "required");
        assert_eq!(dates(first, Repeat::Daily, Some(date(2026, 11, 1))).unwrap_err(), "order");
        assert_eq!(dates(first, Repeat::Daily, Some(date(2027, 12, 1))).unwrap_err(), "too-many");
        // Exactly the most allowed, then one more.
        let last = first + jiff::Span::new().days(MAX_OCCURRENCES as i64 - 1);
        assert_eq!(dates(first, Repeat::Daily, Some(last)).unwrap().len(), MAX_OCCURRENCES);
        assert_eq!(dates(first, Repeat::Daily, Some(last + jiff::Span::new().days(1))).unwrap_err(), "too-many");
    }

    #[test]
    fn monthly_series_skip_months_without_the_day_and_say_which() {
        let o = occurrences(date(2027, 1, 31), Repeat::Monthly, Some(date(2027, 7, 30)), Planned::Appointment).unwrap();
        assert_eq!(o.dates, vec![date(2027, 1, 31), date(2027, 3, 31), date(2027, 5, 31)]);
        assert_eq!(o.skipped, vec![date(2027, 2, 1), date(2027, 4, 1), date(2027, 6, 1)]);
        let o = occurrences(date(2027, 1, 15), Repeat::Monthly, Some(date(2027, 4, 15)), Planned::Appointment).unwrap();
        assert_eq!(o.dates.len(), 4);
        assert!(o.skipped.is_empty());
        // A leap day comes back once in four years.
        let o = occurrences(date(2028, 2, 29), Repeat::Monthly, Some(date(2028, 3, 28)), Planned::Appointment).unwrap();
        assert_eq!(o.dates, vec![date(2028, 2, 29)]);
        assert!(o.skipped.is_empty(), "March 29th is after the end: not a skipped month");
    }

    #[test]
    fn messages_name_what_repeats() {
        let e = occurrences(date(2027, 1, 1), Repeat::Weekly, None, Planned::Appointment).unwrap_err();
        assert_eq!(e.message, "indiquez jusqu'à quand le rendez-vous se répète");
        let e = occurrences(date(2027, 1, 1), Repeat::Daily, Some(date(2028, 1, 1)), Planned::Appointment).unwrap_err();
        assert_eq!(e.message, "120 rendez-vous au plus : choisissez une fin plus proche");
        assert_eq!(Repeat::from_code("").unwrap(), Repeat::Once);
        assert_eq!(Repeat::from_code_among("monthly", &Repeat::BY_DAYS).unwrap_err().code, "repeat-invalid");
        assert_eq!(Repeat::from_code("monthly").unwrap(), Repeat::Monthly);
    }
}
