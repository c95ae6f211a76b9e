//! Stays (séjours): modes of support, admission, discharge and transfer rules.

use crate::DomainError;
use jiff::civil::Date;

/// The mode of a stay.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StayMode {
    PermanentResidential,
    TemporaryResidential,
    DayCare,
    Home,
}

impl StayMode {
    pub const ALL: [StayMode; 4] = [Self::PermanentResidential, Self::TemporaryResidential, Self::DayCare, Self::Home];
    pub fn code(self) -> &'static str {
        match self {
            Self::PermanentResidential => "permanent",
            Self::TemporaryResidential => "temporary",
            Self::DayCare => "day_care",
            Self::Home => "home",
        }
    }
    pub fn from_code(code: &str) -> Result<Self, DomainError> {
        Self::ALL
            .into_iter()
            .find(|m| m.code() == code)
            .ok_or_else(|| DomainError::new("mode", "mode-invalid", "mode de prise en charge inconnu"))
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::PermanentResidential => "Hébergement permanent",
            Self::TemporaryResidential => "Hébergement temporaire",
            Self::DayCare => "Accueil de jour",
            Self::Home => "À domicile",
        }
    }
}

/// Why a stay ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DischargeReason {
    ReturnHome,
    OtherEstablishment,
    Transfer,
    Death,
    EndOfSupport,
    Other,
}

impl DischargeReason {
    pub const ALL: [DischargeReason; 6] =
        [Self::ReturnHome, Self::OtherEstablishment, Self::Transfer, Self::Death, Self::EndOfSupport, Self::Other];
    pub fn code(self) -> &'static str {
        match self {
            Self::ReturnHome => "return_home",
            Self::OtherEstablishment => "other_establishment",
            Self::Transfer => "transfer",
            Self::Death => "death",
            Self::EndOfSupport => "end_of_support",
            Self::Other => "other",
        }
    }
    pub fn from_code(code: &str) -> Result<Self, DomainError> {
        Self::ALL
            .into_iter()
            .find(|m| m.code() == code)
            .ok_or_else(|| DomainError::new("reason", "reason-invalid", "motif de sortie inconnu"))
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::ReturnHome => "Retour à domicile",
            Self::OtherEstablishment => "Orientation vers un autre établissement",
            Self::Transfer => "Transfert interne à l'organisme",
            Self::Death => "Décès",
            Self::EndOfSupport => "Fin de prise en charge",
            Self::Other => "Autre",
        }
    }
}

/// Checks an admission date against the person's other stays: one person has at most
/// one current stay per establishment, and an admission is not set far in the future.
pub fn check_admission(start: Date, today: Date, open_in_same_establishment: bool) -> Result<(), DomainError> {
    if open_in_same_establishment {
        return Err(DomainError::new(
            "establishment",
            "stay-open",
            "la personne a déjà un séjour en cours dans cet établissement",
        ));
    }
    if start > today.checked_add(jiff::Span::new().days(366)).unwrap_or(Date::MAX) {
        return Err(DomainError::new("start", "date-range", "la date d'admission est trop lointaine"));
    }
    if start.year() < 1900 {
        return Err(DomainError::new("start", "date-range", "la date d'admission est invalide"));
    }
    Ok(())
}

/// A discharge date cannot precede the admission.
pub fn check_discharge(start: Date, end: Date) -> Result<(), DomainError> {
    if end < start {
        return Err(DomainError::new("end", "date-order", "la date de sortie précède la date d'admission"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn admission_and_discharge_rules() {
        let today = date(2026, 11, 26);
        assert!(check_admission(date(2026, 11, 1), today, false).is_ok());
        assert_eq!(check_admission(date(2026, 11, 1), today, true).unwrap_err().code, "stay-open");
        assert_eq!(check_admission(date(2030, 1, 1), today, false).unwrap_err().code, "date-range");
        assert!(check_discharge(date(2026, 1, 1), date(2026, 1, 1)).is_ok());
        assert_eq!(check_discharge(date(2026, 1, 2), date(2026, 1, 1)).unwrap_err().code, "date-order");
        for m in StayMode::ALL {
            assert_eq!(StayMode::from_code(m.code()).unwrap(), m);
        }
        for r in DischargeReason::ALL {
            assert_eq!(DischargeReason::from_code(r.code()).unwrap(), r);
        }
    }
}
