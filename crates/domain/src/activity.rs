//! Collective activities: the sessions of a workshop or an outing, one-off or repeated, with
//! the persons registered and whether they came.

use crate::DomainError;
use crate::appointment::text;

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

    #[test]
    fn details_are_checked() {
        assert_eq!(ActivityDetails::new("Atelier mémoire", "Salon", "12").unwrap().capacity, Some(12));
        let codes: Vec<&str> = ActivityDetails::new("", "", "0").unwrap_err().iter().map(|e| e.code).collect();
        assert_eq!(codes, vec!["required", "value"]);
    }
}
