//! Relatives and contacts of a person, legal protection measures and consents: codes, labels,
//! and the checks on what is typed (French phone numbers, e-mail addresses).

use crate::DomainError;

/// What a contact is to the person; a contact may hold several roles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RelationKind {
    Family,
    /// Proche aidant.
    Carer,
    /// Personne de confiance (CSP L1111-6, CASF L311-5-1): at most one in force.
    Trusted,
    LegalRepresentative,
    /// Personne à prévenir en cas d'urgence.
    Emergency,
    Referent,
    Other,
}

/// The code system of HL7 v3 RoleClass as the ANS publishes it (TRE_R260), used by FR Core's
/// RelatedPerson `relationship[RolePerson]`.
pub const ROLE_CLASS_SYSTEM: &str = "https://mos.esante.gouv.fr/NOS/TRE_R260-HL7RoleClass/FHIR/TRE-R260-HL7RoleClass";
/// HL7 v3 RoleCode as the ANS publishes it (TRE_R216): the family link.
pub const ROLE_CODE_SYSTEM: &str = "https://mos.esante.gouv.fr/NOS/TRE_R216-HL7RoleCode/FHIR/TRE-R216-HL7RoleCode";

impl RelationKind {
    pub const ALL: [RelationKind; 7] = [
        Self::Family,
        Self::Carer,
        Self::Trusted,
        Self::LegalRepresentative,
        Self::Emergency,
        Self::Referent,
        Self::Other,
    ];
    pub fn code(self) -> &'static str {
        match self {
            Self::Family => "family",
            Self::Carer => "carer",
            Self::Trusted => "trusted",
            Self::LegalRepresentative => "legal_representative",
            Self::Emergency => "emergency",
            Self::Referent => "referent",
            Self::Other => "other",
        }
    }
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.code() == code)
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::Family => "Famille",
            Self::Carer => "Proche aidant",
            Self::Trusted => "Personne de confiance",
            Self::LegalRepresentative => "Représentant légal",
            Self::Emergency => "Personne à prévenir",
            Self::Referent => "Référent",
            Self::Other => "Autre",
        }
    }
    /// The TRE_R260 role class, where one exists (FR Core `relationship[RolePerson]`).
    pub fn role_class(self) -> Option<(&'static str, &'static str)> {
        match self {
            Self::Carer => Some(("CAREGIVER", "Aidant")),
            Self::Trusted => Some(("NOK", "Personne de confiance")),
            Self::LegalRepresentative => Some(("GUARD", "Responsable légal")),
            Self::Emergency => Some(("ECON", "Personne à prévenir en cas d'urgence")),
            Self::Family | Self::Referent | Self::Other => None,
        }
    }
    pub fn from_role_class(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.role_class().is_some_and(|(c, _)| c == code))
    }
}

/// The link of a contact to the person, coded in HL7 v3 RoleCode where it has one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Relationship {
    Spouse,
    Child,
    Parent,
    Sibling,
    Grandchild,
    NieceNephew,
    OtherFamily,
    Friend,
    Neighbour,
    /// A mandataire judiciaire or another professional.
    Professional,
    Other,
}

impl Relationship {
    pub const ALL: [Relationship; 11] = [
        Self::Spouse,
        Self::Child,
        Self::Parent,
        Self::Sibling,
        Self::Grandchild,
        Self::NieceNephew,
        Self::OtherFamily,
        Self::Friend,
        Self::Neighbour,
        Self::Professional,
        Self::Other,
    ];
    pub fn code(self) -> &'static str {
        match self {
            Self::Spouse => "spouse",
            Self::Child => "child",
            Self::Parent => "parent",
            Self::Sibling => "sibling",
            Self::Grandchild => "grandchild",
            Self::NieceNephew => "niece_nephew",
            Self::OtherFamily => "other_family",
            Self::Friend => "friend",
            Self::Neighbour => "neighbour",
            Self::Professional => "professional",
            Self::Other => "other",
        }
    }
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.code() == code)
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::Spouse => "Conjoint",
            Self::Child => "Enfant",
            Self::Parent => "Parent",
            Self::Sibling => "Frère ou sœur",
            Self::Grandchild => "Petit-enfant",
            Self::NieceNephew => "Neveu ou nièce",
            Self::OtherFamily => "Autre membre de la famille",
            Self::Friend => "Ami",
            Self::Neighbour => "Voisin",
            Self::Professional => "Professionnel (mandataire…)",
            Self::Other => "Autre",
        }
    }
    /// The HL7 v3 RoleCode (TRE_R216), where one exists.
    pub fn role_code(self) -> Option<(&'static str, &'static str)> {
        match self {
            Self::Spouse => Some(("SPS", "conjoint")),
            Self::Child => Some(("CHILD", "enfant")),
            Self::Parent => Some(("PRN", "parent")),
            Self::Sibling => Some(("SIB", "frère ou sœur")),
            Self::Grandchild => Some(("GRNDCHILD", "petit-enfant")),
            Self::NieceNephew => Some(("NIENEPH", "neveu ou nièce")),
            Self::OtherFamily => Some(("FAMMEMB", "membre de la famille")),
            Self::Friend => Some(("FRND", "ami")),
            Self::Neighbour => Some(("NBOR", "voisin")),
            Self::Professional | Self::Other => None,
        }
    }
    pub fn from_role_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.role_code().is_some_and(|(c, _)| c == code))
    }
}

/// What a contact may be told about the person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sharing {
    Health,
    Administrative,
    EmergenciesOnly,
    Nothing,
}

impl Sharing {
    pub const ALL: [Sharing; 4] = [Self::Health, Self::Administrative, Self::EmergenciesOnly, Self::Nothing];
    pub fn code(self) -> &'static str {
        match self {
            Self::Health => "health",
            Self::Administrative => "administrative",
            Self::EmergenciesOnly => "emergencies",
            Self::Nothing => "nothing",
        }
    }
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::Health => "Nouvelles de santé",
            Self::Administrative => "Questions administratives",
            Self::EmergenciesOnly => "Urgences seulement",
            Self::Nothing => "Rien",
        }
    }
}

/// Reads a list of codes (roles or sharing); unknown ones are refused, duplicates kept once.
pub fn parse_codes<T: Copy + PartialEq>(
    field: &'static str,
    codes: &[&str],
    from_code: fn(&str) -> Option<T>,
) -> Result<Vec<T>, DomainError> {
    let mut out = Vec::new();
    for c in codes.iter().map(|c| c.trim()).filter(|c| !c.is_empty()) {
        let v = from_code(c).ok_or_else(|| {
            DomainError::new(
                field,
                "code-unknown",
                format!("valeur inconnue : « {} »", c.chars().take(40).collect::<String>()),
            )
        })?;
        if !out.contains(&v) {
            out.push(v);
        }
    }
    Ok(out)
}

/// Checks the information-sharing choices: « rien » excludes every other, « urgences seulement »
/// excludes health and administrative news.
pub fn check_sharing(sharing: &[Sharing]) -> Result<(), DomainError> {
    if sharing.contains(&Sharing::Nothing) && sharing.len() > 1 {
        return Err(DomainError::new("sharing", "sharing-conflict", "« Rien » ne se combine avec aucun autre choix"));
    }
    if sharing.contains(&Sharing::EmergenciesOnly) && sharing.len() > 1 {
        return Err(DomainError::new(
            "sharing",
            "sharing-conflict",
            "« Urgences seulement » ne se combine pas avec les nouvelles de santé ou administratives",
        ));
    }
    Ok(())
}

/// A French phone number, kept as ten digits (`0612345678`); `+33` and `0033` prefixes, spaces,
/// dots and hyphens are accepted as typed. Overseas departments share the ten-digit plan.
pub fn parse_phone(field: &'static str, input: &str) -> Result<String, DomainError> {
    let compact: String = input.chars().filter(|c| !matches!(c, ' ' | '.' | '-' | '\u{a0}')).collect();
    let national = if let Some(rest) = compact.strip_prefix("+33").or_else(|| compact.strip_prefix("0033")) {
        // `+33 (0)6…` is a common way of writing it.
        let rest = rest.strip_prefix("(0)").unwrap_or(rest);
        format!("0{rest}")
    } else {
        compact
    };
    let digits_ok = national.len() == 10 && national.bytes().all(|b| b.is_ascii_digit());
    let plan_ok = digits_ok && national.starts_with('0') && national.as_bytes()[1] != b'0';
    if !plan_ok {
        return Err(DomainError::new(
            field,
            "phone-invalid",
            "numéro de téléphone invalide : dix chiffres commençant par 0 (01 à 09), ou +33 suivi de neuf chiffres",
        ));
    }
    Ok(national)
}

/// `0612345678` → `06 12 34 56 78`.
pub fn format_phone(phone: &str) -> String {
    if phone.len() != 10 || !phone.is_ascii() {
        return phone.to_string();
    }
    phone.as_bytes().chunks(2).map(|c| String::from_utf8_lossy(c).into_owned()).collect::<Vec<_>>().join(" ")
}

/// `0612345678` → `+33612345678`, as FHIR `telecom` carries it.
pub fn international_phone(phone: &str) -> String {
    match phone.strip_prefix('0') {
        Some(rest) => format!("+33{rest}"),
        None => phone.to_string(),
    }
}

/// An e-mail address: one `@`, a local part, a domain with a dot, no spaces; kept as typed
/// (trimmed), the domain lower-cased.
pub fn parse_email(field: &'static str, input: &str) -> Result<String, DomainError> {
    let s = input.trim();
    let err =
        || DomainError::new(field, "email-invalid", "adresse électronique invalide (exemple : prenom.nom@exemple.fr)");
    let (local, domain) = s.split_once('@').ok_or_else(err)?;
    let labels_ok = domain.split('.').count() >= 2
        && domain.split('.').all(|l| {
            !l.is_empty()
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_alphanumeric() || c == '-')
        });
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local.chars().all(|c| c.is_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c));
    if !local_ok || !labels_ok || s.len() > 254 {
        return Err(err());
    }
    Ok(format!("{local}@{}", domain.to_lowercase()))
}

/// A measure of legal protection (CC art. 425 and following).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    Tutelle,
    CuratelleSimple,
    CuratelleRenforcee,
    HabilitationFamiliale,
    SauvegardeJustice,
    MandatProtectionFuture,
}

impl Measure {
    pub const ALL: [Measure; 6] = [
        Self::Tutelle,
        Self::CuratelleSimple,
        Self::CuratelleRenforcee,
        Self::HabilitationFamiliale,
        Self::SauvegardeJustice,
        Self::MandatProtectionFuture,
    ];
    pub fn code(self) -> &'static str {
        match self {
            Self::Tutelle => "tutelle",
            Self::CuratelleSimple => "curatelle_simple",
            Self::CuratelleRenforcee => "curatelle_renforcee",
            Self::HabilitationFamiliale => "habilitation_familiale",
            Self::SauvegardeJustice => "sauvegarde_justice",
            Self::MandatProtectionFuture => "mandat_protection_future",
        }
    }
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.code() == code)
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::Tutelle => "Tutelle",
            Self::CuratelleSimple => "Curatelle simple",
            Self::CuratelleRenforcee => "Curatelle renforcée",
            Self::HabilitationFamiliale => "Habilitation familiale",
            Self::SauvegardeJustice => "Sauvegarde de justice",
            Self::MandatProtectionFuture => "Mandat de protection future",
        }
    }
}

/// What a measure covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProtectionScope {
    Person,
    Property,
    Both,
}

impl ProtectionScope {
    pub const ALL: [ProtectionScope; 3] = [Self::Person, Self::Property, Self::Both];
    pub fn code(self) -> &'static str {
        match self {
            Self::Person => "person",
            Self::Property => "property",
            Self::Both => "both",
        }
    }
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::Person => "Protection de la personne",
            Self::Property => "Protection des biens",
            Self::Both => "Personne et biens",
        }
    }
    /// Decisions about the person (care, consents) involve the protector.
    pub fn covers_person(self) -> bool {
        matches!(self, Self::Person | Self::Both)
    }
}

/// What a consent is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsentPurpose {
    PartnerSharing,
    DmpFeeding,
    ImageRights,
    CareDecisions,
    Other,
}

impl ConsentPurpose {
    pub const ALL: [ConsentPurpose; 5] =
        [Self::PartnerSharing, Self::DmpFeeding, Self::ImageRights, Self::CareDecisions, Self::Other];
    pub fn code(self) -> &'static str {
        match self {
            Self::PartnerSharing => "partner_sharing",
            Self::DmpFeeding => "dmp",
            Self::ImageRights => "image_rights",
            Self::CareDecisions => "care_decisions",
            Self::Other => "other",
        }
    }
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.code() == code)
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::PartnerSharing => "Partage des données avec les partenaires",
            Self::DmpFeeding => "Alimentation du DMP (Mon espace santé)",
            Self::ImageRights => "Droit à l'image",
            Self::CareDecisions => "Décisions de soins",
            Self::Other => "Autre",
        }
    }
    /// FHIR `Consent.scope`: privacy for what is shared, treatment for care decisions.
    pub fn fhir_scope(self) -> &'static str {
        match self {
            Self::CareDecisions => "treatment",
            Self::PartnerSharing | Self::DmpFeeding | Self::ImageRights | Self::Other => "patient-privacy",
        }
    }
}

/// The answer recorded for a purpose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsentStatus {
    Given,
    Refused,
    Withdrawn,
}

impl ConsentStatus {
    pub const ALL: [ConsentStatus; 3] = [Self::Given, Self::Refused, Self::Withdrawn];
    pub fn code(self) -> &'static str {
        match self {
            Self::Given => "given",
            Self::Refused => "refused",
            Self::Withdrawn => "withdrawn",
        }
    }
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::Given => "Donné",
            Self::Refused => "Refusé",
            Self::Withdrawn => "Retiré",
        }
    }
    /// FHIR `Consent.status` of the decision in force.
    pub fn fhir_status(self) -> &'static str {
        match self {
            Self::Given => "active",
            Self::Refused => "rejected",
            Self::Withdrawn => "inactive",
        }
    }
}

/// A consent decided by the person alone while a measure covers the person is kept, and
/// flagged for review: the protector may have to be involved.
pub fn needs_review(by_person_alone: bool, protection_covers_person: bool) -> bool {
    by_person_alone && protection_covers_person
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn french_phone_numbers() {
        assert_eq!(parse_phone("p", "06 12 34 56 78").unwrap(), "0612345678");
        assert_eq!(parse_phone("p", "+33 6 12 34 56 78").unwrap(), "0612345678");
        assert_eq!(parse_phone("p", "+33 (0)1.45.67.89.10").unwrap(), "0145678910");
        assert_eq!(parse_phone("p", "0033262123456").unwrap(), "0262123456");
        for bad in ["", "0612", "06123456789", "1612345678", "0012345678", "06 12 34 56 7a", "+44 20 7946 0958"] {
            let e = parse_phone("p", bad).unwrap_err();
            assert_eq!(e.code, "phone-invalid", "{bad}");
        }
        assert_eq!(format_phone("0612345678"), "06 12 34 56 78");
        assert_eq!(international_phone("0612345678"), "+33612345678");
    }

    #[test]
    fn email_addresses() {
        assert_eq!(parse_email("e", " Marie.Durand@Exemple.FR ").unwrap(), "Marie.Durand@exemple.fr");
        for bad in ["marie", "marie@", "@exemple.fr", "marie@exemple", "ma rie@exemple.fr", "a..b@x.fr", "a@-x.fr"] {
            assert_eq!(parse_email("e", bad).unwrap_err().code, "email-invalid", "{bad}");
        }
    }

    #[test]
    fn sharing_choices_exclude_each_other() {
        assert!(check_sharing(&[Sharing::Health, Sharing::Administrative]).is_ok());
        assert!(check_sharing(&[Sharing::Nothing, Sharing::Health]).is_err());
        assert!(check_sharing(&[Sharing::EmergenciesOnly, Sharing::Administrative]).is_err());
        assert!(check_sharing(&[Sharing::EmergenciesOnly]).is_ok());
    }

    #[test]
    fn codes_round_trip() {
        for r in RelationKind::ALL {
            assert_eq!(RelationKind::from_code(r.code()), Some(r));
            if let Some((c, _)) = r.role_class() {
                assert_eq!(RelationKind::from_role_class(c), Some(r));
            }
        }
        for r in Relationship::ALL {
            assert_eq!(Relationship::from_code(r.code()), Some(r));
        }
        for m in Measure::ALL {
            assert_eq!(Measure::from_code(m.code()), Some(m));
        }
        for p in ConsentPurpose::ALL {
            assert_eq!(ConsentPurpose::from_code(p.code()), Some(p));
        }
        assert_eq!(parse_codes("roles", &["trusted", "family", "trusted"], RelationKind::from_code).unwrap().len(), 2);
        assert!(parse_codes("roles", &["cousin"], RelationKind::from_code).is_err());
    }

    #[test]
    fn a_protected_person_alone_is_reviewed() {
        assert!(needs_review(true, true));
        assert!(!needs_review(false, true));
        assert!(!needs_review(true, false));
        assert!(ProtectionScope::Both.covers_person() && !ProtectionScope::Property.covers_person());
    }
}
