//! The INS (Identifiant National de Santé): a NIR or NIA matricule with a valid key, and its OID.

use crate::DomainError;
use std::fmt;

/// Who assigned the matricule (FR Core `FRCorePatientINSProfile`, INTEROP.md §1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InsAuthority {
    /// INS-NIR, production: `1.2.250.1.213.1.4.8`.
    Nir,
    /// INS-NIA (temporary number): `1.2.250.1.213.1.4.9`.
    Nia,
    /// INS-NIR of the national test environment: `1.2.250.1.213.1.4.10`.
    NirTest,
    /// INS-NIR of the demonstration environment: `1.2.250.1.213.1.4.11`.
    NirDemo,
}

impl InsAuthority {
    pub const ALL: [InsAuthority; 4] = [Self::Nir, Self::Nia, Self::NirTest, Self::NirDemo];

    pub fn oid(self) -> &'static str {
        match self {
            Self::Nir => "1.2.250.1.213.1.4.8",
            Self::Nia => "1.2.250.1.213.1.4.9",
            Self::NirTest => "1.2.250.1.213.1.4.10",
            Self::NirDemo => "1.2.250.1.213.1.4.11",
        }
    }

    pub fn from_oid(oid: &str) -> Option<Self> {
        let oid = oid.strip_prefix("urn:oid:").unwrap_or(oid);
        Self::ALL.into_iter().find(|a| a.oid() == oid)
    }

    /// FHIR `identifier.use`: the NIA is temporary.
    pub fn fhir_use(self) -> &'static str {
        match self {
            Self::Nia => "temp",
            _ => "official",
        }
    }

    /// FHIR `identifier.type` code (`fr-core-cs-identifier-type`).
    pub fn type_code(self) -> &'static str {
        match self {
            Self::Nir => "INS-NIR",
            Self::Nia => "INS-NIA",
            Self::NirTest => "INS-NIR-TEST",
            Self::NirDemo => "INS-NIR-DEMO",
        }
    }
}

/// A 15-character matricule (13 characters and a 2-digit key) whose key is correct.
/// The only way to build one is [`Matricule::parse`].
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Matricule(String);

impl Matricule {
    /// Parses a NIR/NIA with its key. Spaces are tolerated (people type "2 97 02 2A…").
    /// Corsica: `2A` and `2B` at positions 6–7 count as 19 and 18 for the key.
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let compact: String = input.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_uppercase();
        let err = |code: &'static str, msg: &str| DomainError::new("ins", code, msg);
        if compact.len() != 15 || !compact.is_ascii() {
            return Err(err(
                "ins-length",
                "le matricule INS doit comporter 15 caractères (13 chiffres et une clé de 2 chiffres)",
            ));
        }
        let bytes = compact.as_bytes();
        if !matches!(bytes[0], b'1'..=b'8') {
            return Err(err("ins-format", "le matricule INS doit commencer par un chiffre de 1 à 8"));
        }
        let department = &compact[5..7];
        let corsica = match department {
            "2A" => Some("19"),
            "2B" => Some("18"),
            _ => None,
        };
        let digits_ok =
            compact.char_indices().all(|(i, c)| c.is_ascii_digit() || (corsica.is_some() && (i == 5 || i == 6)));
        if !digits_ok {
            return Err(err(
                "ins-format",
                "le matricule INS ne peut contenir que des chiffres (et 2A/2B pour la Corse)",
            ));
        }
        let mut body = compact[..13].to_string();
        if let Some(replacement) = corsica {
            body.replace_range(5..7, replacement);
        }
        let number: u64 = body.parse().map_err(|_| err("ins-format", "le matricule INS est mal formé"))?;
        let key: u64 =
            compact[13..].parse().map_err(|_| err("ins-format", "la clé du matricule INS est mal formée"))?;
        if 97 - (number % 97) != key {
            return Err(err("ins-key", "la clé du matricule INS est incorrecte : vérifiez la saisie"));
        }
        Ok(Self(compact))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Never print a matricule by accident (logs, panics): Debug hides it.
impl fmt::Debug for Matricule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Matricule(***)")
    }
}

/// An INS: a valid matricule and the authority that assigned it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Ins {
    pub matricule: Matricule,
    pub authority: InsAuthority,
}

impl Ins {
    pub fn parse(matricule: &str, oid: &str) -> Result<Self, DomainError> {
        let authority = InsAuthority::from_oid(oid).ok_or_else(|| {
            DomainError::new(
                "ins",
                "ins-oid",
                format!("l'OID « {} » n'est pas celui d'un INS", oid.chars().take(64).collect::<String>()),
            )
        })?;
        Ok(Self { matricule: Matricule::parse(matricule)?, authority })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Published INSi test identities (INTEROP.md §1.2, §1.5).
    const VALID: &[&str] = &[
        "297022A020778 78",
        "160012B02077713",
        "180032B02040123",
        "236066322083656",
        "109076322083489",
        "209076322083439",
        "209066322012355",
    ];

    #[test]
    fn accepts_published_test_identities() {
        for nir in VALID {
            let m = Matricule::parse(nir).unwrap_or_else(|e| panic!("{nir}: {e}"));
            assert_eq!(m.as_str().len(), 15);
        }
    }

    #[test]
    fn lower_case_corsica_is_accepted() {
        assert_eq!(Matricule::parse("297022a02077878").unwrap().as_str(), "297022A02077878");
    }

    #[test]
    fn rejects_every_wrong_key() {
        for key in 0..100u32 {
            let candidate = format!("2360663220836{key:02}");
            assert_eq!(Matricule::parse(&candidate).is_ok(), key == 56, "{candidate}");
        }
    }

    #[test]
    fn rejects_ig_examples_with_invalid_keys() {
        // FR Core and TDDUI IG examples carry keys that do not validate (INTEROP.md §1.2).
        assert_eq!(Matricule::parse("147720425367411").unwrap_err().code, "ins-key");
        assert_eq!(Matricule::parse("123456789012244").unwrap_err().code, "ins-key");
    }

    #[test]
    fn rejects_bad_shapes() {
        for bad in [
            "",
            "12345",
            "2970225A0207878",
            "29702AA02077878",
            "A97022A02077878",
            "2970222A020778788",
            "9970263220836xx",
            "297022à02077878",
        ] {
            assert!(Matricule::parse(bad).is_err(), "{bad}");
        }
        // 2A/2B only at the department position.
        assert!(Matricule::parse("2A7022002077878").is_err());
    }

    #[test]
    fn debug_never_shows_the_matricule() {
        let ins = Ins::parse("236066322083656", "urn:oid:1.2.250.1.213.1.4.10").unwrap();
        assert!(!format!("{ins:?}").contains("2360663"));
        assert_eq!(ins.authority, InsAuthority::NirTest);
    }

    #[test]
    fn unknown_oid_is_refused() {
        // The NSS OID is not an INS authority.
        assert_eq!(Ins::parse("236066322083656", "1.2.250.1.213.1.4.13").unwrap_err().code, "ins-oid");
    }
}
