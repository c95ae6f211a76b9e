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

/// An identity attribute (RNIV "attributs d'identité"; FR Core `fr-core-cs-v2-0445` codes): the
/// second axis beside the status, set by professionals when a doubt or a special case is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IdentityAttribute {
    /// The traits given are doubtful (no document, contradictory statements): stays provisional.
    Doubtful,
    /// A fictitious identity (anonymous stay, protection): never retrieved nor qualified.
    Fictitious,
    /// A known homonym exists: traits must be read in full before any action.
    Homonym,
    /// A duplicate is suspected: the identity may not rise until the doubt is settled.
    SuspectedDuplicate,
}

impl IdentityAttribute {
    pub const ALL: [IdentityAttribute; 4] = [Self::Doubtful, Self::Fictitious, Self::Homonym, Self::SuspectedDuplicate];
    pub fn code(self) -> &'static str {
        match self {
            Self::Doubtful => "DOUT",
            Self::Fictitious => "FICT",
            Self::Homonym => "HOMA",
            Self::SuspectedDuplicate => "DPOT",
        }
    }
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.code() == code)
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::Doubtful => "Identité douteuse",
            Self::Fictitious => "Identité fictive",
            Self::Homonym => "Homonyme connu",
            Self::SuspectedDuplicate => "Doublon suspecté",
        }
    }
    /// Whether the attribute keeps the identity from rising above its status: a doubtful or
    /// fictitious identity stays provisional, a suspected duplicate is settled first.
    pub fn blocks_rise(self) -> bool {
        !matches!(self, Self::Homonym)
    }
}

/// The set of attributes of an identity, kept sorted; stored as space-separated codes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct IdentityAttributes(Vec<IdentityAttribute>);

impl IdentityAttributes {
    pub fn from_storage(s: &str) -> Result<Self, DomainError> {
        let mut v = Vec::new();
        for code in s.split_whitespace() {
            let a = IdentityAttribute::from_code(code).ok_or_else(|| {
                DomainError::new("attributes", "attribute-unknown", format!("attribut d'identité inconnu : {code}"))
            })?;
            if !v.contains(&a) {
                v.push(a);
            }
        }
        v.sort();
        Ok(Self(v))
    }
    pub fn to_storage(&self) -> String {
        self.0.iter().map(|a| a.code()).collect::<Vec<_>>().join(" ")
    }
    pub fn contains(&self, a: IdentityAttribute) -> bool {
        self.0.contains(&a)
    }
    pub fn set(&mut self, a: IdentityAttribute, on: bool) {
        self.0.retain(|x| *x != a);
        if on {
            self.0.push(a);
            self.0.sort();
        }
    }
    pub fn iter(&self) -> impl Iterator<Item = IdentityAttribute> + '_ {
        self.0.iter().copied()
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    /// The first attribute that keeps the identity from rising, if any.
    pub fn blocking(&self) -> Option<IdentityAttribute> {
        self.0.iter().copied().find(|a| a.blocks_rise())
    }
}

/// Why an identity may not rise: the message a professional reads.
pub fn rise_refusal(attributes: &IdentityAttributes) -> Option<DomainError> {
    attributes.blocking().map(|a| {
        DomainError::new(
            "attributes",
            "identity-attribute-blocks",
            format!("« {} » : l'identité reste provisoire tant que cet attribut n'est pas levé", a.label()),
        )
    })
}

impl IdentityStatus {
    /// The status after INSi returned an INS whose traits agree with the person's.
    pub fn after_insi_retrieval(self) -> Self {
        match self {
            Self::Provisional | Self::Retrieved => Self::Retrieved,
            Self::Validated | Self::Qualified => Self::Qualified,
        }
    }
    /// The status after a strict trait was changed by hand: what INSi or a document confirmed
    /// no longer holds, so the identity is provisional again (RNIV).
    pub fn after_strict_trait_change(self) -> Self {
        Self::Provisional
    }
    /// Statuses whose strict traits came from INSi and are locked.
    pub fn traits_locked(self) -> bool {
        matches!(self, Self::Retrieved | Self::Qualified)
    }
}

/// How one strict trait compares between the local identity and what INSi returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TraitAgreement {
    /// Identical once case, accents and separators are set aside.
    Same,
    /// Not identical but consistent: a first name among the list, a birthplace not known here.
    Compatible,
    /// Not the same person's trait, or a typing error to check on the document.
    Differs,
}

/// One row of the side-by-side comparison shown to the professional.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraitRow {
    pub label: &'static str,
    pub local: String,
    pub returned: String,
    pub agreement: TraitAgreement,
}

/// The comparison of local traits with those INSi returned, and whether they may be accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraitComparison {
    pub rows: Vec<TraitRow>,
}

impl TraitComparison {
    /// The traits are consistent when no row differs: only then may the INS be recorded.
    pub fn consistent(&self) -> bool {
        self.rows.iter().all(|r| r.agreement != TraitAgreement::Differs)
    }
    pub fn differing(&self) -> Vec<&'static str> {
        self.rows.iter().filter(|r| r.agreement == TraitAgreement::Differs).map(|r| r.label).collect()
    }
}

fn compact(s: &str) -> String {
    crate::text::fold(s).replace(' ', "")
}

/// Compares the person's strict traits with those INSi returned (RNIV: the returned traits must
/// be consistent with the person's before the INS is recorded; they then replace the local ones).
pub fn compare_with_insi(local: &StrictTraits, returned: &StrictTraits) -> TraitComparison {
    use TraitAgreement::*;
    let name = if compact(&local.birth_name) == compact(&returned.birth_name) { Same } else { Differs };
    let local_list: Vec<String> = local.first_names.iter().map(|f| compact(f)).collect();
    let returned_list: Vec<String> = returned.first_names.iter().map(|f| compact(f)).collect();
    let first = if local_list == returned_list {
        Same
    } else if local_list.first().is_some_and(|f| returned_list.contains(f))
        && local_list.iter().all(|f| returned_list.contains(f))
    {
        // An incomplete list typed here, every name of it among the civil-status list.
        Compatible
    } else {
        Differs
    };
    let sex = if local.sex == returned.sex { Same } else { Differs };
    let parts_agree = |a: Option<i8>, b: Option<i8>| a.is_none() || b.is_none() || a == b;
    let (l, r) = (&local.birth_date, &returned.birth_date);
    let date = if l == r {
        Same
    } else if l.year() == r.year() && parts_agree(l.month(), r.month()) && parts_agree(l.day(), r.day()) {
        // A partial date here or there: the known parts agree.
        Compatible
    } else {
        Differs
    };
    let place = match (&local.birthplace, &returned.birthplace) {
        (Some(a), Some(b)) if a == b => Same,
        (None, None) => Same,
        (None, Some(_)) | (Some(_), None) => Compatible,
        _ => Differs,
    };
    let show_place = |p: &Option<InseeCode>| p.as_ref().map(|c| c.as_str().to_string()).unwrap_or_else(|| "—".into());
    TraitComparison {
        rows: vec![
            TraitRow {
                label: "Nom de naissance",
                local: local.birth_name.clone(),
                returned: returned.birth_name.clone(),
                agreement: name,
            },
            TraitRow {
                label: "Prénom(s) de naissance",
                local: local.first_names_joined(),
                returned: returned.first_names_joined(),
                agreement: first,
            },
            TraitRow {
                label: "Sexe",
                local: local.sex.label().into(),
                returned: returned.sex.label().into(),
                agreement: sex,
            },
            TraitRow {
                label: "Date de naissance",
                local: local.birth_date.to_string(),
                returned: returned.birth_date.to_string(),
                agreement: date,
            },
            TraitRow {
                label: "Lieu de naissance (code INSEE)",
                local: show_place(&local.birthplace),
                returned: show_place(&returned.birthplace),
                agreement: place,
            },
        ],
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
    fn attributes_round_trip_and_block() {
        let mut a = IdentityAttributes::from_storage("HOMA DPOT HOMA").unwrap();
        assert_eq!(a.to_storage(), "HOMA DPOT");
        assert_eq!(a.blocking(), Some(IdentityAttribute::SuspectedDuplicate));
        a.set(IdentityAttribute::SuspectedDuplicate, false);
        assert_eq!(a.blocking(), None);
        assert!(rise_refusal(&a).is_none());
        a.set(IdentityAttribute::Doubtful, true);
        assert!(rise_refusal(&a).unwrap().message.contains("Identité douteuse"));
        assert!(IdentityAttributes::from_storage("XXX").is_err());
    }

    #[test]
    fn status_transitions_on_insi_and_trait_change() {
        use IdentityStatus::*;
        assert_eq!(Provisional.after_insi_retrieval(), Retrieved);
        assert_eq!(Validated.after_insi_retrieval(), Qualified);
        assert_eq!(Qualified.after_strict_trait_change(), Provisional);
        assert!(Retrieved.traits_locked() && Qualified.traits_locked());
        assert!(!Validated.traits_locked() && !Provisional.traits_locked());
    }

    #[test]
    fn comparison_with_insi_traits() {
        let today = date(2026, 1, 1);
        let t = |n: &str, f: &str, d: &str, s: Sex, p: Option<&str>| {
            StrictTraits::new(n, f, BirthDate::parse(d, today).unwrap(), s, p.map(|p| InseeCode::parse(p).unwrap()))
                .unwrap()
        };
        let insi = t("TCHITCHI", "CATARINA BELLA", "1936-06-21", Sex::Female, Some("63220"));
        let same = compare_with_insi(&t("Tchitchi", "Catarina Bella", "21/06/1936", Sex::Female, None), &insi);
        assert!(same.consistent());
        assert_eq!(same.rows[4].agreement, TraitAgreement::Compatible);
        let partial = compare_with_insi(&t("TCHITCHI", "CATARINA", "1936-06-21", Sex::Female, Some("63220")), &insi);
        assert_eq!(partial.rows[1].agreement, TraitAgreement::Compatible);
        assert!(partial.consistent());
        let second_only = compare_with_insi(&t("TCHITCHI", "BELLA", "1936-06-21", Sex::Female, None), &insi);
        assert!(second_only.consistent(), "a first name of the list, typed alone, is consistent");
        let wrong_day = compare_with_insi(&t("TCHITCHI", "CATARINA", "1936-06-12", Sex::Female, None), &insi);
        assert_eq!(wrong_day.differing(), vec!["Date de naissance"]);
        let wrong_sex = compare_with_insi(&t("TCHITCHI", "CATARINA", "1936-06-21", Sex::Male, None), &insi);
        assert!(!wrong_sex.consistent());
        let other_name = compare_with_insi(&t("TCHITCHA", "CATARINA", "1936-06-21", Sex::Female, None), &insi);
        assert_eq!(other_name.differing(), vec!["Nom de naissance"]);
        let other_place =
            compare_with_insi(&t("TCHITCHI", "CATARINA", "1936-06-21", Sex::Female, Some("75056")), &insi);
        assert_eq!(other_place.differing(), vec!["Lieu de naissance (code INSEE)"]);
        let lunar = compare_with_insi(&t("TCHITCHI", "CATARINA", "1936-00-00", Sex::Female, None), &insi);
        assert_eq!(lunar.rows[3].agreement, TraitAgreement::Compatible);
        let other_year = compare_with_insi(&t("TCHITCHI", "CATARINA", "1937-00-00", Sex::Female, None), &insi);
        assert!(!other_year.consistent());
    }

    #[test]
    fn evidence_trust() {
        assert!(EvidenceKind::Passport.is_high_trust(false));
        assert!(EvidenceKind::FamilyRecordBook.is_high_trust(true));
        assert!(!EvidenceKind::FamilyRecordBook.is_high_trust(false));
        assert!(!EvidenceKind::Other.is_high_trust(true));
    }
}
