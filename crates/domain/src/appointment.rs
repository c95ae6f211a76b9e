//! Appointments of a person: inside or outside the establishment, with transport and escort.

use crate::DomainError;

/// How the person gets there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    None,
    Ambulance,
    Vsl,
    Taxi,
    Family,
    EstablishmentVehicle,
}

impl Transport {
    pub const ALL: [Transport; 6] =
        [Self::None, Self::Ambulance, Self::Vsl, Self::Taxi, Self::Family, Self::EstablishmentVehicle];

    pub fn code(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Ambulance => "ambulance",
            Self::Vsl => "vsl",
            Self::Taxi => "taxi",
            Self::Family => "family",
            Self::EstablishmentVehicle => "establishment_vehicle",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::None => "sans transport",
            Self::Ambulance => "ambulance",
            Self::Vsl => "VSL",
            Self::Taxi => "taxi conventionné",
            Self::Family => "famille",
            Self::EstablishmentVehicle => "véhicule de l'établissement",
        }
    }
    pub fn from_code(code: &str) -> Result<Self, DomainError> {
        Self::ALL
            .into_iter()
            .find(|t| t.code() == code)
            .ok_or_else(|| DomainError::new("transport", "transport-invalid", "transport inconnu"))
    }
}

/// An appointment as typed, validated. Times are microseconds since the epoch.
#[derive(Debug, Clone, PartialEq)]
pub struct AppointmentDetails {
    pub title: String,
    pub location: Option<String>,
    pub starts_at: i64,
    pub ends_at: i64,
    pub external: bool,
    pub transport: Transport,
    pub escort: Option<String>,
}

pub(crate) fn text(field: &'static str, v: &str, max: usize, required: bool) -> Result<Option<String>, DomainError> {
    let v = v.trim();
    if v.chars().count() > max {
        return Err(DomainError::new(field, "too-long", format!("{max} caractères au plus")));
    }
    if v.chars().any(char::is_control) {
        return Err(DomainError::new(field, "characters", "caractères de contrôle non admis"));
    }
    if required && v.is_empty() {
        return Err(DomainError::new(field, "required", "obligatoire"));
    }
    Ok((!v.is_empty()).then(|| v.to_string()))
}

impl AppointmentDetails {
    /// Validates every field and reports every error at once.
    pub fn new(
        title: &str,
        location: &str,
        starts_at: Option<i64>,
        ends_at: Option<i64>,
        external: bool,
        transport: &str,
        escort: &str,
    ) -> Result<Self, Vec<DomainError>> {
        let mut errors = Vec::new();
        let mut keep = |r: Result<Option<String>, DomainError>| r.map_err(|e| errors.push(e)).ok().flatten();
        let title = keep(text("title", title, 200, true));
        let location = keep(text("location", location, 200, false));
        let escort = keep(text("escort", escort, 200, false));
        let transport = Transport::from_code(if transport.is_empty() { "none" } else { transport })
            .map_err(|e| errors.push(e))
            .ok();
        match (starts_at, ends_at) {
            (None, _) => errors.push(DomainError::new("starts_at", "required", "date et heure de début attendues")),
            (Some(_), None) => errors.push(DomainError::new("ends_at", "required", "heure de fin attendue")),
            (Some(s), Some(e)) if e <= s => {
                errors.push(DomainError::new("ends_at", "order", "la fin doit suivre le début"));
            }
            (Some(s), Some(e)) if e - s > 24 * 3600 * 1_000_000 => {
                errors.push(DomainError::new("ends_at", "too-long", "un rendez-vous dure 24 heures au plus"));
            }
            _ => {}
        }
        match (title, transport, starts_at, ends_at) {
            (Some(title), Some(transport), Some(starts_at), Some(ends_at)) if errors.is_empty() => {
                Ok(Self { title, location, starts_at, ends_at, external, transport, escort })
            }
            _ => Err(errors),
        }
    }
}

/// Text escaped for an iCalendar TEXT value (RFC 5545 §3.3.11).
pub fn ical_text(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for c in v.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// A content line folded at 75 octets, never inside a character (RFC 5545 §3.1), with CRLF.
pub fn ical_line(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + 8);
    let mut width = 0;
    for c in line.chars() {
        let n = c.len_utf8();
        if width + n > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += n;
    }
    out.push_str("\r\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: i64 = 3600 * 1_000_000;

    #[test]
    fn appointments_validate_every_field_at_once() {
        let ok = AppointmentDetails::new("Cardiologue", "CHU", Some(10 * H), Some(11 * H), true, "vsl", "").unwrap();
        assert_eq!(ok.transport, Transport::Vsl);
        let errors = AppointmentDetails::new(" ", "", Some(11 * H), Some(10 * H), false, "fusée", "").unwrap_err();
        let codes: Vec<&str> = errors.iter().map(|e| e.code).collect();
        assert_eq!(codes, vec!["required", "transport-invalid", "order"]);
        assert!(AppointmentDetails::new("x", "", Some(0), Some(25 * H), false, "", "").is_err());
        assert!(AppointmentDetails::new("x", "", None, Some(H), false, "", "").is_err());
    }

    #[test]
    fn ical_text_is_escaped_and_folded_on_characters() {
        assert_eq!(ical_text("a;b,c\\d\ne"), "a\\;b\\,c\\\\d\\ne");
        let long = format!("SUMMARY:{}", "é".repeat(60));
        let folded = ical_line(&long);
        for part in folded.trim_end_matches("\r\n").split("\r\n") {
            assert!(part.len() <= 75, "{} octets", part.len());
        }
        assert_eq!(folded.replace("\r\n ", "").trim_end(), long);
    }
}
