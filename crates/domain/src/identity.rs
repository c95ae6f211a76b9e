//! Identity of a person: strict traits, identity status (RNIV) and identity evidence.

use crate::DomainError;
use crate::date::BirthDate;
use std::fmt;

/// Sex as INSi and the RNIV know it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sex {
    Female,
    Male,
    /// Indéterminé: allowed for some newborns.
    Undetermined,
}

impl Sex {
    pub fn code(self) -> &'static str {
        match self {
            Self::Female => "F",
            Self::Male => "M",
            Self::Undetermined => "I",
        }
    }
    pub fn from_code(code: &str) -> Result<Self, DomainError> {
        match code.trim() {
            "F" | "f" => Ok(Self::Female),
            "M" | "m" => Ok(Self::Male),
            "I" | "i" => Ok(Self::Undetermined),
            _ => Err(DomainError::new("sex", "sex-invalid", "sexe attendu : F, M ou I (indéterminé)")),
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::Female => "Féminin",
            Self::Male => "Masculin",
            Self::Undetermined => "Indéterminé",
        }
    }
    pub fn fhir_gender(self) -> &'static str {
        match self {
            Self::Female => "female",
            Self::Male => "male",
            Self::Undetermined => "other",
        }
    }
    pub fn from_fhir_gender(g: &str) -> Result<Self, DomainError> {
        match g {
            "female" => Ok(Self::Female),
            "male" => Ok(Self::Male),
            "other" => Ok(Self::Undetermined),
            _ => Err(DomainError::new("gender", "sex-invalid", "gender must be female, male or other")),
        }
    }
}

/// Birthplace: a commune's INSEE code (COG), `99xxx` for a country abroad.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct InseeCode(String);

impl InseeCode {
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let s = input.trim().to_ascii_uppercase();
        let ok = s.len() == 5
            && s.is_ascii()
            && (s[..2].bytes().all(|b| b.is_ascii_digit()) || &s[..2] == "2A" || &s[..2] == "2B")
            && s[2..].bytes().all(|b| b.is_ascii_digit());
        if ok {
            Ok(Self(s))
        } else {
            Err(DomainError::new(
                "birthplace",
                "birthplace-invalid",
                "code INSEE du lieu de naissance attendu : 5 caractères (99xxx pour l'étranger)",
            ))
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    pub fn is_abroad(&self) -> bool {
        self.0.starts_with("99")
    }
}

/// A name as the RNIV allows it: letters, spaces, hyphens and apostrophes, at most 100 characters.
fn name(field: &'static str, input: &str, required: bool) -> Result<String, DomainError> {
    let s = input.split_whitespace().collect::<Vec<_>>().join(" ");
    if s.is_empty() {
        return if required { Err(DomainError::new(field, "required", "ce champ est obligatoire")) } else { Ok(s) };
    }
    if s.chars().count() > 100 {
        return Err(DomainError::new(field, "too-long", "100 caractères au plus"));
    }
    if !s.chars().all(|c| c.is_alphabetic() || c == ' ' || c == '-' || c == '\'' || c == '’') {
        return Err(DomainError::new(
            field,
            "name-characters",
            "seuls les lettres, espaces, traits d'union et apostrophes sont admis",
        ));
    }
    Ok(s)
}

/// The strict traits of an identity (traits stricts).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StrictTraits {
    pub birth_name: String,
    /// Birth first names, in order; the first is the "premier prénom".
    pub first_names: Vec<String>,
    pub birth_date: BirthDate,
    pub sex: Sex,
    pub birthplace: Option<InseeCode>,
}

impl StrictTraits {
    pub fn new(
        birth_name: &str,
        first_names: &str,
        birth_date: BirthDate,
        sex: Sex,
        birthplace: Option<InseeCode>,
    ) -> Result<Self, DomainError> {
        let birth_name = name("birth_name", birth_name, true)?;
        let list = name("first_names", first_names, true)?;
        Ok(Self { birth_name, first_names: list.split(' ').map(str::to_string).collect(), birth_date, sex, birthplace })
    }
    pub fn first_first_name(&self) -> &str {
        self.first_names.first().map(String::as_str).unwrap_or("")
    }
    pub fn first_names_joined(&self) -> String {
        self.first_names.join(" ")
    }
}

/// Names in use, which may differ from the strict traits (marriage, habit).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UsedNames {
    pub used_name: Option<String>,
    pub used_first_name: Option<String>,
}

impl UsedNames {
    pub fn new(used_name: &str, used_first_name: &str) -> Result<Self, DomainError> {
        let n = name("used_name", used_name, false)?;
        let f = name("used_first_name", used_first_name, false)?;
        Ok(Self { used_name: (!n.is_empty()).then_some(n), used_first_name: (!f.is_empty()).then_some(f) })
    }
}

/// The four exclusive statuses of RNIV [EXI SI 07] (FR Core `fr-core-cs-identity-status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IdentityStatus {
    Provisional,
    Retrieved,
    Validated,
    Qualified,
}

impl IdentityStatus {
    pub fn code(self) -> &'static str {
        match self {
            Self::Provisional => "PROV",
            Self::Retrieved => "RECUP",
            Self::Validated => "VALI",
            Self::Qualified => "QUAL",
        }
    }
    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "PROV" => Some(Self::Provisional),
            "RECUP" => Some(Self::Retrieved),
            "VALI" => Some(Self::Validated),
            "QUAL" => Some(Self::Qualified),
            _ => None,
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::Provisional => "Identité provisoire",
            Self::Retrieved => "Identité récupérée",
            Self::Validated => "Identité validée",
            Self::Qualified => "Identité qualifiée",
        }
    }
    /// Only a qualified identity may carry its INS outside Relais (RNIV; INS/va1.53).
    pub fn may_emit_ins(self) -> bool {
        self == Self::Qualified
    }
    /// The status after a high-trust identity document has been checked.
    pub fn after_high_trust_evidence(self) -> Self {
        match self {
            Self::Provisional | Self::Validated => Self::Validated,
            Self::Retrieved | Self::Qualified => Self::Qualified,
        }
    }
}

/// The kind of document seen to check an identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EvidenceKind {
    IdentityCard,
    Passport,
    ResidencePermit,
    FamilyRecordBook,
    BirthCertificate,
    /// Low trust: a health-insurance card or a declaration does not validate an identity.
    Other,
}

impl EvidenceKind {
    pub const ALL: [EvidenceKind; 6] = [
        Self::IdentityCard,
        Self::Passport,
        Self::ResidencePermit,
        Self::FamilyRecordBook,
        Self::BirthCertificate,
        Self::Other,
    ];
    pub fn code(self) -> &'static str {
        match self {
            Self::IdentityCard => "CNI",
            Self::Passport => "PASSEPORT",
            Self::ResidencePermit => "TITRE_SEJOUR",
            Self::FamilyRecordBook => "LIVRET_FAMILLE",
            Self::BirthCertificate => "ACTE_NAISSANCE",
            Self::Other => "AUTRE",
        }
    }
    pub fn from_code(code: &str) -> Result<Self, DomainError> {
        Self::ALL
            .into_iter()
            .find(|k| k.code() == code)
            .ok_or_else(|| DomainError::new("evidence_kind", "evidence-kind", "type de justificatif inconnu"))
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::IdentityCard => "Carte nationale d'identité",
            Self::Passport => "Passeport",
            Self::ResidencePermit => "Titre de séjour",
            Self::FamilyRecordBook => "Livret de famille (mineur)",
            Self::BirthCertificate => "Extrait d'acte de naissance (mineur)",
            Self::Other => "Autre document (faible niveau de confiance)",
        }
    }
    /// High-trust documents (RNIV): identity card, passport, residence permit; for minors,
    /// the family record book or a birth certificate.
    pub fn is_high_trust(self, is_minor: bool) -> bool {
        match self {
            Self::IdentityCard | Self::Passport | Self::ResidencePermit => true,
            Self::FamilyRecordBook | Self::BirthCertificate => is_minor,
            Self::Other => false,
        }
    }
}

impl fmt::Display for IdentityStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn names_are_checked_and_normalised() {
        let bd = BirthDate::parse("1936-06-21", date(2026, 1, 1)).unwrap();
        let t = StrictTraits::new("  TCHITCHI ", "CATARINA   BELLA", bd, Sex::Female, None).unwrap();
        assert_eq!(t.birth_name, "TCHITCHI");
        assert_eq!(t.first_names, vec!["CATARINA", "BELLA"]);
        assert_eq!(t.first_first_name(), "CATARINA");
        assert_eq!(StrictTraits::new("", "A", bd, Sex::Male, None).unwrap_err().code, "required");
        assert_eq!(StrictTraits::new("D'ARC-Lefèvre", "Zoé", bd, Sex::Male, None).unwrap().birth_name, "D'ARC-Lefèvre");
        assert_eq!(StrictTraits::new("R0BERT", "A", bd, Sex::Male, None).unwrap_err().code, "name-characters");
        assert_eq!(StrictTraits::new("<script>", "A", bd, Sex::Male, None).unwrap_err().code, "name-characters");
        assert_eq!(StrictTraits::new(&"A".repeat(101), "A", bd, Sex::Male, None).unwrap_err().code, "too-long");
    }

    #[test]
    fn insee_codes() {
        assert!(InseeCode::parse("63220").is_ok());
        assert!(InseeCode::parse("2a020").is_ok());
        assert!(InseeCode::parse("99134").unwrap().is_abroad());
        for bad in ["6322", "632200", "2C020", "ABCDE", "63 20"] {
            assert!(InseeCode::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn status_transitions_on_evidence() {
        use IdentityStatus::*;
        assert_eq!(Provisional.after_high_trust_evidence(), Validated);
        assert_eq!(Retrieved.after_high_trust_evidence(), Qualified);
        assert!(Qualified.may_emit_ins());
        for s in [Provisional, Retrieved, Validated] {
            assert!(!s.may_emit_ins());
            assert_eq!(IdentityStatus::from_code(s.code()), Some(s));
        }
    }

    #[test]
    fn evidence_trust() {
        assert!(EvidenceKind::Passport.is_high_trust(false));
        assert!(EvidenceKind::FamilyRecordBook.is_high_trust(true));
        assert!(!EvidenceKind::FamilyRecordBook.is_high_trust(false));
        assert!(!EvidenceKind::Other.is_high_trust(true));
    }
}
