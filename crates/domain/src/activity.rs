//! Collective activities: the sessions of a workshop or an outing, one-off or repeated, with
//! the persons registered and whether they came.

use crate::DomainError;
use crate::appointment::text;
use jiff::civil::Date;

/// How a new activity repeats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Repeat {
    Once,
    Daily,
    Weekly,
    Fortnightly,
}

/// Most sessions one form creates: a weekly workshop for more than two years is planned again.
pub const MAX_SESSIONS: usize = 120;

impl Repeat {
    pub const ALL: [Repeat; 4] = [Self::Once, Self::Daily, Self::Weekly, Self::Fortnightly];
    pub fn code(self) -> &'static str {
        match self {
            Self::Once => "once",
            Self::Daily => "daily",
            Self::Weekly => "weekly",
            Self::Fortnightly => "fortnightly",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::Once => "une seule fois",
            Self::Daily => "chaque jour",
            Self::Weekly => "chaque semaine",
            Self::Fortnightly => "toutes les deux semaines",
        }
    }
    pub fn from_code(code: &str) -> Result<Self, DomainError> {
        Self::ALL
            .into_iter()
            .find(|r| r.code() == code)
            .ok_or_else(|| DomainError::new("repeat", "repeat-invalid", "répétition inconnue"))
    }
    fn step_days(self) -> i64 {
        match self {
            Self::Once => 0,
            Self::Daily => 1,
            Self::Weekly => 7,
            Self::Fortnightly => 14,
        }
    }
}

/// The days of the sessions, from `first` to `until` inclusive, at the same local time each day.
pub fn session_dates(first: Date, repeat: Repeat, until: Option<Date>) -> Result<Vec<Date>, DomainError> {
    if repeat == Repeat::Once {
        return Ok(vec![first]);
    }
    let until =
        until.ok_or_else(|| DomainError::new("until", "required", "indiquez jusqu'à quand l'activité se répète"))?;
    if until < first {
        return Err(DomainError::new("until", "order", "la fin de la répétition doit suivre la première séance"));
    }
    let mut out = Vec::new();
    let mut day = first;
    while day <= until {
        if out.len() == MAX_SESSIONS {
            return Err(DomainError::new(
                "until",
                "too-many",
                format!("{MAX_SESSIONS} séances au plus : choisissez une fin plus proche"),
            ));
        }
        out.push(day);
        day = day
            .checked_add(jiff::Span::new().days(repeat.step_days()))
            .map_err(|_| DomainError::new("until", "order", "date hors calendrier"))?;
    }
    Ok(out)
}

/// An activity as typed, validated (its times are checked with the sessions).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityDetails {
    pub title: String,
    pub location: Option<String>,
    /// Most participants per session, if limited.
    pub capacity: Option<i32>,
}

impl ActivityDetails {
    pub fn new(title: &str, location: &str, capacity: &str) -> Result<Self, Vec<DomainError>> {
        let mut errors = Vec::new();
        let mut keep = |r: Result<Option<String>, DomainError>| r.map_err(|e| errors.push(e)).ok().flatten();
        let title = keep(text("title", title, 200, true));
        let location = keep(text("location", location, 200, false));
        let capacity = match capacity.trim() {
            "" => None,
            c => match c.parse::<i32>() {
                Ok(n) if (1..=500).contains(&n) => Some(n),
                _ => {
                    errors.push(DomainError::new("capacity", "value", "un nombre de places de 1 à 500"));
                    None
                }
            },
        };
        match title {
            Some(title) if errors.is_empty() => Ok(Self { title, location, capacity }),
            _ => Err(errors),
        }
    }
}

/// Whether a registered person came to a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attendance {
    Present,
    Absent,
    Excused,
}

impl Attendance {
    pub const ALL: [Attendance; 3] = [Self::Present, Self::Absent, Self::Excused];
    pub fn code(self) -> &'static str {
        match self {
            Self::Present => "present",
            Self::Absent => "absent",
            Self::Excused => "excused",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::Present => "présent",
            Self::Absent => "absent",
            Self::Excused => "excusé",
        }
    }
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.code() == code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn sessions_repeat_until_the_end_date() {
        let first = date(2026, 12, 1);
        assert_eq!(session_dates(first, Repeat::Once, None).unwrap(), vec![first]);
        let weekly = session_dates(first, Repeat::Weekly, Some(date(2026, 12, 29))).unwrap();
        assert_eq!(weekly.len(), 5);
        assert_eq!(weekly[4], date(2026, 12, 29));
        let fortnight = session_dates(first, Repeat::Fortnightly, Some(date(2026, 12, 28))).unwrap();
        assert_eq!(fortnight, vec![first, date(2026, 12, 15)]);
        assert_eq!(session_dates(first, Repeat::Daily, None).unwrap_err().code, "required");
        assert_eq!(session_dates(first, Repeat::Daily, Some(date(2026, 11, 1))).unwrap_err().code, "order");
        assert_eq!(session_dates(first, Repeat::Daily, Some(date(2027, 12, 1))).unwrap_err().code, "too-many");
    }

    #[test]
    fn details_are_checked() {
        assert_eq!(ActivityDetails::new("Atelier mémoire", "Salon", "12").unwrap().capacity, Some(12));
        let codes: Vec<&str> = ActivityDetails::new("", "", "0").unwrap_err().iter().map(|e| e.code).collect();
        assert_eq!(codes, vec!["required", "value"]);
    }
}
