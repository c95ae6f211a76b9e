//! Organisation model: sectors, establishment categories, FINESS numbers.

use crate::DomainError;

/// The sector of an establishment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sector {
    Elderly,
    Disability,
    ChildProtection,
    Home,
    SpecificDifficulties,
}

impl Sector {
    pub const ALL: [Sector; 5] =
        [Self::Elderly, Self::Disability, Self::ChildProtection, Self::Home, Self::SpecificDifficulties];
    pub fn code(self) -> &'static str {
        match self {
            Self::Elderly => "elderly",
            Self::Disability => "disability",
            Self::ChildProtection => "child_protection",
            Self::Home => "home",
            Self::SpecificDifficulties => "specific_difficulties",
        }
    }
    pub fn from_code(code: &str) -> Result<Self, DomainError> {
        Self::ALL
            .into_iter()
            .find(|s| s.code() == code)
            .ok_or_else(|| DomainError::new("sector", "sector-invalid", "secteur inconnu"))
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::Elderly => "Personnes âgées",
            Self::Disability => "Handicap",
            Self::ChildProtection => "Enfance / protection",
            Self::Home => "Domicile",
            Self::SpecificDifficulties => "Difficultés spécifiques",
        }
    }
}

/// A FINESS number: 9 characters, digits except `2A`/`2B` for Corsica, with a Luhn-style key
/// on the last digit. The key is not checked: several published test numbers do not carry one.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Finess(String);

impl Finess {
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let s = input.trim().to_ascii_uppercase();
        let ok = s.len() == 9
            && s.is_ascii()
            && (s[..2].bytes().all(|b| b.is_ascii_digit()) || &s[..2] == "2A" || &s[..2] == "2B")
            && s[2..].bytes().all(|b| b.is_ascii_digit());
        if ok {
            Ok(Self(s))
        } else {
            Err(DomainError::new("finess", "finess-invalid", "numéro FINESS attendu : 9 caractères"))
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finess_shape() {
        assert!(Finess::parse("750000010").is_ok());
        assert!(Finess::parse("2A0000010").is_ok());
        assert!(Finess::parse("75000001").is_err());
        assert!(Finess::parse("75000001X").is_err());
        for s in Sector::ALL {
            assert_eq!(Sector::from_code(s.code()).unwrap(), s);
        }
    }
}
