//! Contracts of a stay (contrat de séjour, DIPC): which one a stay calls for, its signature, and when an unsigned one is overdue.

use crate::DomainError;
use crate::stay::StayMode;
use jiff::ToSpan;
use jiff::civil::Date;

/// Days after which a contract still to sign is flagged (CASF: signed within the month of admission).
pub const REMINDER_DAYS: i32 = 15;

/// The kind of contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ContractKind {
    /// Contrat de séjour: residential stays (permanent or temporary).
    Residential,
    /// Document individuel de prise en charge: home care and day settings.
    Dipc,
}

impl ContractKind {
    pub const ALL: [ContractKind; 2] = [Self::Residential, Self::Dipc];
    /// The stay's mode decides: residential settings sign a contrat de séjour, the others a DIPC.
    pub fn for_mode(mode: StayMode) -> Self {
        match mode {
            StayMode::PermanentResidential | StayMode::TemporaryResidential => Self::Residential,
            StayMode::DayCare | StayMode::Home => Self::Dipc,
        }
    }
    pub fn code(self) -> &'static str {
        match self {
            Self::Residential => "residential_contract",
            Self::Dipc => "dipc",
        }
    }
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::Residential => "Contrat de séjour",
            Self::Dipc => "Document individuel de prise en charge (DIPC)",
        }
    }
    /// Title of the document filed in the record.
    pub fn title(self, amendment: i32) -> String {
        let base = match self {
            Self::Residential => "Contrat de séjour",
            Self::Dipc => "DIPC",
        };
        if amendment == 0 { base.to_string() } else { format!("{base} — avenant n° {amendment}") }
    }
}

/// Where a contract's signature stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SignatureStatus {
    ToSign,
    SignedByPerson,
    SignedByRepresentative,
    Refused,
}

impl SignatureStatus {
    pub const ALL: [SignatureStatus; 4] =
        [Self::ToSign, Self::SignedByPerson, Self::SignedByRepresentative, Self::Refused];
    pub fn code(self) -> &'static str {
        match self {
            Self::ToSign => "to_sign",
            Self::SignedByPerson => "signed_person",
            Self::SignedByRepresentative => "signed_representative",
            Self::Refused => "refused",
        }
    }
    pub fn from_code(code: &str) -> Result<Self, DomainError> {
        Self::ALL
            .into_iter()
            .find(|s| s.code() == code)
            .ok_or_else(|| DomainError::new("signature", "signature-invalid", "choisissez qui a signé, ou le refus"))
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::ToSign => "À signer",
            Self::SignedByPerson => "Signé par la personne",
            Self::SignedByRepresentative => "Signé par le représentant légal",
            Self::Refused => "Signature refusée",
        }
    }
}

/// A signature as recorded: who signed (or refused) and on which day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Signature {
    pub status: SignatureStatus,
    pub on: Date,
}

/// Checks a signature before it is recorded on a contract generated on `generated_on`.
/// Only a contract still to sign takes one: a signed or refused contract is amended, not re-signed.
pub fn check_signature(
    current: SignatureStatus,
    status: SignatureStatus,
    on: Date,
    generated_on: Date,
    today: Date,
) -> Result<Signature, DomainError> {
    if current != SignatureStatus::ToSign {
        return Err(DomainError::new(
            "signature",
            "already-settled",
            format!("ce document est déjà « {} » : établissez un avenant pour le modifier", current.label()),
        ));
    }
    if status == SignatureStatus::ToSign {
        return Err(DomainError::new("signature", "signature-invalid", "choisissez qui a signé, ou le refus"));
    }
    if on > today {
        return Err(DomainError::new("signed_on", "date-future", "la date de signature ne peut pas être à venir"));
    }
    if on < generated_on {
        return Err(DomainError::new(
            "signed_on",
            "date-before-generation",
            "la date de signature précède l'établissement du document",
        ));
    }
    Ok(Signature { status, on })
}

/// Is a contract generated on `generated_on` and still to sign overdue on `today`?
pub fn signature_overdue(status: SignatureStatus, generated_on: Date, today: Date) -> bool {
    status == SignatureStatus::ToSign && generated_on.saturating_add(REMINDER_DAYS.days()) < today
}

/// The latest generation day for a contract still to sign to be overdue on `today`.
pub fn overdue_before(today: Date) -> Date {
    today.saturating_sub(REMINDER_DAYS.days())
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn the_mode_decides_the_kind() {
        assert_eq!(ContractKind::for_mode(StayMode::PermanentResidential), ContractKind::Residential);
        assert_eq!(ContractKind::for_mode(StayMode::TemporaryResidential), ContractKind::Residential);
        assert_eq!(ContractKind::for_mode(StayMode::DayCare), ContractKind::Dipc);
        assert_eq!(ContractKind::for_mode(StayMode::Home), ContractKind::Dipc);
        for k in ContractKind::ALL {
            assert_eq!(ContractKind::from_code(k.code()), Some(k));
        }
        assert_eq!(ContractKind::Dipc.title(2), "DIPC — avenant n° 2");
    }

    #[test]
    fn a_signature_is_recorded_once_on_a_plausible_day() {
        let generated = date(2026, 11, 2);
        let today = date(2026, 11, 26);
        let s =
            check_signature(SignatureStatus::ToSign, SignatureStatus::SignedByRepresentative, today, generated, today)
                .unwrap();
        assert_eq!(s.status, SignatureStatus::SignedByRepresentative);
        let e = check_signature(SignatureStatus::SignedByPerson, SignatureStatus::Refused, today, generated, today);
        assert_eq!(e.unwrap_err().code, "already-settled");
        let e = check_signature(SignatureStatus::ToSign, SignatureStatus::ToSign, today, generated, today);
        assert_eq!(e.unwrap_err().code, "signature-invalid");
        let e =
            check_signature(SignatureStatus::ToSign, SignatureStatus::Refused, date(2026, 11, 27), generated, today);
        assert_eq!(e.unwrap_err().code, "date-future");
        let e = check_signature(SignatureStatus::ToSign, SignatureStatus::Refused, date(2026, 11, 1), generated, today);
        assert_eq!(e.unwrap_err().code, "date-before-generation");
        assert!(SignatureStatus::from_code("signed").is_err());
    }

    #[test]
    fn an_unsigned_contract_is_overdue_after_fifteen_days() {
        let generated = date(2026, 11, 1);
        assert!(!signature_overdue(SignatureStatus::ToSign, generated, date(2026, 11, 16)));
        assert!(signature_overdue(SignatureStatus::ToSign, generated, date(2026, 11, 17)));
        assert!(!signature_overdue(SignatureStatus::SignedByPerson, generated, date(2026, 12, 31)));
        assert!(!signature_overdue(SignatureStatus::Refused, generated, date(2026, 12, 31)));
        assert_eq!(overdue_before(date(2026, 11, 17)), date(2026, 11, 2));
    }
}
