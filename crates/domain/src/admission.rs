//! Admission requests (demandes d'admission): their source, priority and the workflow from receipt to admission.

use crate::DomainError;
use crate::appointment::text;
use crate::stay::StayMode;
use jiff::civil::Date;

/// Longest comment, reason or list of documents kept; longer is refused, never cut.
pub const MAX_TEXT: usize = 2000;
/// Longest MDPH notification or ViaTrajectoire file number.
pub const MAX_REFERENCE: usize = 60;

/// Where a request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AdmissionStatus {
    Received,
    UnderReview,
    VisitPlanned,
    Accepted,
    Refused,
    Withdrawn,
    Admitted,
}

impl AdmissionStatus {
    pub const ALL: [AdmissionStatus; 7] = [
        Self::Received,
        Self::UnderReview,
        Self::VisitPlanned,
        Self::Accepted,
        Self::Refused,
        Self::Withdrawn,
        Self::Admitted,
    ];
    /// The statuses of the waiting list: the request still waits for a place or a decision.
    pub const OPEN: [AdmissionStatus; 4] = [Self::Received, Self::UnderReview, Self::VisitPlanned, Self::Accepted];

    pub fn code(self) -> &'static str {
        match self {
            Self::Received => "received",
            Self::UnderReview => "under_review",
            Self::VisitPlanned => "visit_planned",
            Self::Accepted => "accepted",
            Self::Refused => "refused",
            Self::Withdrawn => "withdrawn",
            Self::Admitted => "admitted",
        }
    }
    pub fn from_code(code: &str) -> Result<Self, DomainError> {
        Self::ALL
            .into_iter()
            .find(|s| s.code() == code)
            .ok_or_else(|| DomainError::new("status", "status-invalid", "statut de demande inconnu"))
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::Received => "Reçue",
            Self::UnderReview => "En cours d'étude",
            Self::VisitPlanned => "Visite ou entretien prévu",
            Self::Accepted => "Acceptée",
            Self::Refused => "Refusée",
            Self::Withdrawn => "Retirée",
            Self::Admitted => "Admise",
        }
    }
    /// The words of the button that moves a request to this status.
    pub fn action_label(self) -> &'static str {
        match self {
            Self::Received => "Enregistrer la demande",
            Self::UnderReview => "Mettre à l'étude",
            Self::VisitPlanned => "Prévoir une visite ou un entretien",
            Self::Accepted => "Accepter",
            Self::Refused => "Refuser",
            Self::Withdrawn => "Retrait de la demande",
            Self::Admitted => "Admettre",
        }
    }
    pub fn is_open(self) -> bool {
        Self::OPEN.contains(&self)
    }
    pub fn is_final(self) -> bool {
        matches!(self, Self::Refused | Self::Withdrawn | Self::Admitted)
    }
    /// A refusal or a withdrawal says why.
    pub fn needs_reason(self) -> bool {
        matches!(self, Self::Refused | Self::Withdrawn)
    }
    /// The statuses this one may move to, in the order a form offers them.
    pub fn next(self) -> &'static [AdmissionStatus] {
        use AdmissionStatus::*;
        match self {
            Received => &[UnderReview, Withdrawn],
            UnderReview => &[VisitPlanned, Accepted, Refused, Withdrawn],
            VisitPlanned => &[Accepted, Refused, Withdrawn],
            Accepted => &[Admitted, Withdrawn],
            Refused | Withdrawn | Admitted => &[],
        }
    }
}

/// Checks a move of a request from `from` to `to`, with the comment typed (a reason when `to`
/// is a refusal or a withdrawal). Returns the comment kept, trimmed (`None` when empty).
pub fn check_transition(
    from: AdmissionStatus,
    to: AdmissionStatus,
    comment: &str,
) -> Result<Option<String>, DomainError> {
    let err = |msg: String| DomainError::new("status", "transition-invalid", msg);
    if from.is_final() {
        return Err(err(format!(
            "la demande est « {} » : ce statut est définitif, elle ne peut plus passer à « {} »",
            from.label().to_lowercase(),
            to.label().to_lowercase()
        )));
    }
    if to == AdmissionStatus::Admitted && from != AdmissionStatus::Accepted {
        return Err(err(format!(
            "une demande « {} » ne peut pas être admise : l'admission suit l'acceptation de la demande",
            from.label().to_lowercase()
        )));
    }
    if !from.next().contains(&to) {
        return Err(err(format!(
            "passage impossible de « {} » à « {} »",
            from.label().to_lowercase(),
            to.label().to_lowercase()
        )));
    }
    let comment = text("comment", comment, MAX_TEXT, false)?;
    if to.needs_reason() && comment.is_none() {
        let what = if to == AdmissionStatus::Refused { "un refus" } else { "un retrait" };
        return Err(DomainError::new("comment", "reason-required", format!("le motif est obligatoire pour {what}")));
    }
    Ok(comment)
}

/// How urgent a request is: urgent ones head the waiting list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Priority {
    Normal,
    Urgent,
}

impl Priority {
    pub const ALL: [Priority; 2] = [Self::Normal, Self::Urgent];
    pub fn code(self) -> &'static str {
        match self {
            Self::Normal => "normal",
            Self::Urgent => "urgent",
        }
    }
    pub fn from_code(code: &str) -> Result<Self, DomainError> {
        Self::ALL
            .into_iter()
            .find(|p| p.code() == code)
            .ok_or_else(|| DomainError::new("priority", "priority-invalid", "priorité inconnue"))
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::Normal => "Normale",
            Self::Urgent => "Urgente",
        }
    }
}

/// Where a request comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdmissionSource {
    /// The person or their family asked the establishment.
    Direct,
    /// A notification of orientation by the MDPH (CDAPH decision), with its number and the end of its validity.
    Mdph { number: String, valid_until: Date },
    /// The national ViaTrajectoire platform, with its file number.
    ViaTrajectoire { file_number: String },
    /// Anything else (hospital social service, court order…), said in words.
    Other { detail: String },
}

impl AdmissionSource {
    pub const KINDS: [(&'static str, &'static str); 4] = [
        ("direct", "Demande directe"),
        ("mdph", "Notification d'orientation MDPH"),
        ("via_trajectoire", "ViaTrajectoire"),
        ("other", "Autre"),
    ];
    pub fn code(&self) -> &'static str {
        match self {
            Self::Direct => "direct",
            Self::Mdph { .. } => "mdph",
            Self::ViaTrajectoire { .. } => "via_trajectoire",
            Self::Other { .. } => "other",
        }
    }
    pub fn label(&self) -> &'static str {
        Self::KINDS.iter().find(|(c, _)| *c == self.code()).map(|(_, l)| *l).unwrap_or("")
    }
    /// The number or words that go with the source.
    pub fn reference(&self) -> Option<&str> {
        match self {
            Self::Direct => None,
            Self::Mdph { number, .. } => Some(number),
            Self::ViaTrajectoire { file_number } => Some(file_number),
            Self::Other { detail } => Some(detail),
        }
    }
    pub fn valid_until(&self) -> Option<Date> {
        match self {
            Self::Mdph { valid_until, .. } => Some(*valid_until),
            _ => None,
        }
    }
    /// « MDPH n° 2026-0042, valable jusqu'au 31/12/2031 »: the source in one line.
    pub fn summary(&self) -> String {
        match self {
            Self::Direct => self.label().to_string(),
            Self::Mdph { number, valid_until } => {
                format!("MDPH n° {number}, valable jusqu'au {}", valid_until.strftime("%d/%m/%Y"))
            }
            Self::ViaTrajectoire { file_number } => format!("ViaTrajectoire, dossier n° {file_number}"),
            Self::Other { detail } => format!("Autre : {detail}"),
        }
    }
    /// Rebuilds a stored source; `None` when the columns do not make one.
    pub fn from_parts(code: &str, reference: Option<String>, valid_until: Option<Date>) -> Option<Self> {
        match (code, reference, valid_until) {
            ("direct", _, _) => Some(Self::Direct),
            ("mdph", Some(number), Some(valid_until)) => Some(Self::Mdph { number, valid_until }),
            ("via_trajectoire", Some(file_number), _) => Some(Self::ViaTrajectoire { file_number }),
            ("other", Some(detail), _) => Some(Self::Other { detail }),
            _ => None,
        }
    }
}

/// A request as typed, validated: everything but the person, the place and the status.
#[derive(Debug, Clone, PartialEq)]
pub struct AdmissionDetails {
    pub mode: StayMode,
    pub source: AdmissionSource,
    pub received_on: Date,
    pub priority: Priority,
    /// The documents received, one per line, as typed.
    pub documents: String,
    pub comment: Option<String>,
}

/// The fields of a request form, as typed.
#[derive(Debug, Clone, Default)]
pub struct AdmissionForm<'a> {
    pub mode: &'a str,
    pub source: &'a str,
    pub mdph_number: &'a str,
    pub mdph_valid_until: &'a str,
    pub via_trajectoire_number: &'a str,
    pub source_detail: &'a str,
    pub received_on: &'a str,
    pub priority: &'a str,
    pub documents: &'a str,
    pub comment: &'a str,
}

impl AdmissionDetails {
    /// Validates every field and reports every error at once. `today` bounds the date received.
    pub fn new(f: &AdmissionForm<'_>, today: Date) -> Result<Self, Vec<DomainError>> {
        let mut errors = Vec::new();
        let mode = StayMode::from_code(f.mode).map_err(|e| errors.push(e)).ok();
        let priority = Priority::from_code(if f.priority.is_empty() { "normal" } else { f.priority })
            .map_err(|e| errors.push(e))
            .ok();
        let received_on = match crate::date::parse_date("received_on", f.received_on) {
            Ok(d) if d > today => {
                errors.push(DomainError::new(
                    "received_on",
                    "date-future",
                    "la date de réception ne peut pas être dans le futur",
                ));
                None
            }
            Ok(d) if d.year() < 1900 => {
                errors.push(DomainError::new("received_on", "date-range", "la date de réception est invalide"));
                None
            }
            Ok(d) => Some(d),
            Err(e) => {
                errors.push(e);
                None
            }
        };
        let documents = keep(&mut errors, text_lines("documents", f.documents)).unwrap_or_default();
        let comment = keep(&mut errors, text("comment", f.comment, MAX_TEXT, false));
        let source = match f.source {
            "direct" => Some(AdmissionSource::Direct),
            "mdph" => {
                let number = keep(&mut errors, text("mdph_number", f.mdph_number, MAX_REFERENCE, true));
                let valid_until = if f.mdph_valid_until.trim().is_empty() {
                    errors.push(DomainError::new(
                        "mdph_valid_until",
                        "required",
                        "la date de fin de validité de la notification MDPH est obligatoire",
                    ));
                    None
                } else {
                    crate::date::parse_date("mdph_valid_until", f.mdph_valid_until).map_err(|e| errors.push(e)).ok()
                };
                match (number, valid_until) {
                    (Some(number), Some(valid_until)) => Some(AdmissionSource::Mdph { number, valid_until }),
                    _ => None,
                }
            }
            "via_trajectoire" => {
                keep(&mut errors, text("via_trajectoire_number", f.via_trajectoire_number, MAX_REFERENCE, true))
                    .map(|file_number| AdmissionSource::ViaTrajectoire { file_number })
            }
            "other" => keep(&mut errors, text("source_detail", f.source_detail, 200, true))
                .map(|detail| AdmissionSource::Other { detail }),
            _ => {
                errors.push(DomainError::new("source", "source-invalid", "origine de la demande inconnue"));
                None
            }
        };
        match (mode, priority, received_on, source) {
            (Some(mode), Some(priority), Some(received_on), Some(source)) if errors.is_empty() => {
                Ok(Self { mode, source, received_on, priority, documents, comment })
            }
            _ => Err(errors),
        }
    }
}

/// The value of a checked field, its error put aside with the others.
fn keep(errors: &mut Vec<DomainError>, r: Result<Option<String>, DomainError>) -> Option<String> {
    r.map_err(|e| errors.push(e)).ok().flatten()
}

/// A multi-line text: line breaks are kept, other control characters refused.
fn text_lines(field: &'static str, v: &str) -> Result<Option<String>, DomainError> {
    let lines: Vec<&str> = v.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    let joined = lines.join("\n");
    if joined.chars().count() > MAX_TEXT {
        return Err(DomainError::new(field, "too-long", format!("{MAX_TEXT} caractères au plus")));
    }
    if lines.iter().any(|l| l.chars().any(char::is_control)) {
        return Err(DomainError::new(field, "characters", "caractères de contrôle non admis"));
    }
    Ok((!joined.is_empty()).then_some(joined))
}

/// Whole days a request has waited since it was received.
pub fn waiting_days(received_on: Date, today: Date) -> i64 {
    today.duration_since(received_on).as_hours().div_euclid(24)
}

#[cfg(test)]
mod tests {
    use super::*;
    use AdmissionStatus::*;
    use jiff::civil::date;

    const TODAY: Date = date(2026, 11, 26);

    fn form() -> AdmissionForm<'static> {
        AdmissionForm {
            mode: "permanent",
            source: "direct",
            received_on: "20/11/2026",
            priority: "normal",
            documents: "Dossier unique d'admission\n\n  Certificat médical  ",
            ..Default::default()
        }
    }

    #[test]
    fn the_workflow_allows_only_its_own_moves() {
        let allowed = [
            (Received, UnderReview),
            (Received, Withdrawn),
            (UnderReview, VisitPlanned),
            (UnderReview, Accepted),
            (UnderReview, Refused),
            (UnderReview, Withdrawn),
            (VisitPlanned, Accepted),
            (VisitPlanned, Refused),
            (VisitPlanned, Withdrawn),
            (Accepted, Admitted),
            (Accepted, Withdrawn),
        ];
        for from in AdmissionStatus::ALL {
            for to in AdmissionStatus::ALL {
                let ok = check_transition(from, to, "un motif").is_ok();
                assert_eq!(ok, allowed.contains(&(from, to)), "{from:?} → {to:?}");
                assert_eq!(from.next().contains(&to), allowed.contains(&(from, to)));
            }
        }
        for s in [Refused, Withdrawn, Admitted] {
            assert!(s.is_final() && !s.is_open() && s.next().is_empty());
        }
    }

    #[test]
    fn refusals_say_why_and_errors_are_precise() {
        let e = check_transition(UnderReview, Refused, "  ").unwrap_err();
        assert_eq!((e.field, e.code), ("comment", "reason-required"));
        assert_eq!(e.message, "le motif est obligatoire pour un refus");
        assert_eq!(
            check_transition(Accepted, Withdrawn, "").unwrap_err().message,
            "le motif est obligatoire pour un retrait"
        );
        assert_eq!(
            check_transition(VisitPlanned, Refused, " Pas de place adaptée ").unwrap().as_deref(),
            Some("Pas de place adaptée")
        );
        assert_eq!(check_transition(Received, UnderReview, "").unwrap(), None);
        let e = check_transition(Received, Admitted, "").unwrap_err();
        assert_eq!(e.code, "transition-invalid");
        assert!(e.message.contains("l'admission suit l'acceptation"), "{}", e.message);
        let e = check_transition(Refused, Accepted, "").unwrap_err();
        assert!(e.message.contains("définitif"), "{}", e.message);
        assert_eq!(
            check_transition(Received, Accepted, "").unwrap_err().message,
            "passage impossible de « reçue » à « acceptée »"
        );
        assert_eq!(check_transition(UnderReview, Refused, &"x".repeat(MAX_TEXT + 1)).unwrap_err().code, "too-long");
    }

    #[test]
    fn a_request_form_is_validated_at_once() {
        let d = AdmissionDetails::new(&form(), TODAY).unwrap();
        assert_eq!(d.source, AdmissionSource::Direct);
        assert_eq!(d.documents, "Dossier unique d'admission\nCertificat médical");
        assert_eq!(d.priority, Priority::Normal);

        let mdph = AdmissionForm { source: "mdph", mdph_number: "N-2026-42", mdph_valid_until: "31/12/2031", ..form() };
        let d = AdmissionDetails::new(&mdph, TODAY).unwrap();
        assert_eq!(d.source.summary(), "MDPH n° N-2026-42, valable jusqu'au 31/12/2031");
        let back =
            AdmissionSource::from_parts("mdph", d.source.reference().map(str::to_string), d.source.valid_until());
        assert_eq!(back, Some(d.source));

        let bad = AdmissionForm { source: "mdph", received_on: "01/01/2999", mode: "x", priority: "vite", ..form() };
        let codes: Vec<&str> = AdmissionDetails::new(&bad, TODAY).unwrap_err().iter().map(|e| e.field).collect();
        assert_eq!(codes, vec!["mode", "priority", "received_on", "mdph_number", "mdph_valid_until"]);
        let vt = AdmissionForm { source: "via_trajectoire", ..form() };
        assert_eq!(AdmissionDetails::new(&vt, TODAY).unwrap_err()[0].field, "via_trajectoire_number");
        let unknown = AdmissionForm { source: "pigeon", ..form() };
        assert_eq!(AdmissionDetails::new(&unknown, TODAY).unwrap_err()[0].code, "source-invalid");
        let long = "y".repeat(MAX_TEXT + 1);
        let too_long = AdmissionForm { documents: &long, ..form() };
        assert_eq!(AdmissionDetails::new(&too_long, TODAY).unwrap_err()[0].code, "too-long");
    }

    #[test]
    fn waiting_days_count_whole_days() {
        assert_eq!(waiting_days(TODAY, TODAY), 0);
        assert_eq!(waiting_days(date(2026, 11, 20), TODAY), 6);
        assert_eq!(waiting_days(date(2025, 11, 26), TODAY), 365);
        for p in Priority::ALL {
            assert_eq!(Priority::from_code(p.code()).unwrap(), p);
        }
        for s in AdmissionStatus::ALL {
            assert_eq!(AdmissionStatus::from_code(s.code()).unwrap(), s);
        }
    }
}
