//! Who may do what on whose record: a pure decision over the actor's grants and the person's stays.
//!
//! The default matrix below is published in `docs/access-matrix.md`; a test keeps both equal.

use crate::ids::{EstablishmentId, UnitId};
use jiff::civil::Date;

/// A named set of permissions (profil d'habilitation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Profile {
    Director,
    CareCoordinator,
    Nurse,
    CareAide,
    CoordinatingPhysician,
    Psychologist,
    Educator,
    SocialWorker,
    Secretary,
    /// Référent en identitovigilance: qualifies identities, settles duplicates and INSi mismatches.
    IdentityReferent,
    Dpo,
    Administrator,
}

impl Profile {
    pub const ALL: [Profile; 12] = [
        Self::Director,
        Self::CareCoordinator,
        Self::Nurse,
        Self::CareAide,
        Self::CoordinatingPhysician,
        Self::Psychologist,
        Self::Educator,
        Self::SocialWorker,
        Self::Secretary,
        Self::IdentityReferent,
        Self::Dpo,
        Self::Administrator,
    ];
    pub fn code(self) -> &'static str {
        match self {
            Self::Director => "director",
            Self::CareCoordinator => "care_coordinator",
            Self::Nurse => "nurse",
            Self::CareAide => "care_aide",
            Self::CoordinatingPhysician => "coordinating_physician",
            Self::Psychologist => "psychologist",
            Self::Educator => "educator",
            Self::SocialWorker => "social_worker",
            Self::Secretary => "secretary",
            Self::IdentityReferent => "identity_referent",
            Self::Dpo => "dpo",
            Self::Administrator => "administrator",
        }
    }
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.code() == code)
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::Director => "Directeur",
            Self::CareCoordinator => "IDEC",
            Self::Nurse => "Infirmier",
            Self::CareAide => "Aide-soignant",
            Self::CoordinatingPhysician => "Médecin coordonnateur",
            Self::Psychologist => "Psychologue",
            Self::Educator => "Éducateur",
            Self::SocialWorker => "Travailleur social",
            Self::Secretary => "Secrétariat",
            Self::IdentityReferent => "Référent identitovigilance",
            Self::Dpo => "DPO",
            Self::Administrator => "Administrateur",
        }
    }
}

/// A confidentiality category of record data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Category {
    Administrative,
    Social,
    Educational,
    Psychological,
    NursingCare,
    Medical,
    Medication,
    SharedWithFamily,
}

impl Category {
    pub const ALL: [Category; 8] = [
        Self::Administrative,
        Self::Social,
        Self::Educational,
        Self::Psychological,
        Self::NursingCare,
        Self::Medical,
        Self::Medication,
        Self::SharedWithFamily,
    ];
    pub fn code(self) -> &'static str {
        match self {
            Self::Administrative => "administrative",
            Self::Social => "social",
            Self::Educational => "educational",
            Self::Psychological => "psychological",
            Self::NursingCare => "nursing_care",
            Self::Medical => "medical",
            Self::Medication => "medication",
            Self::SharedWithFamily => "shared_with_family",
        }
    }
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.code() == code)
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::Administrative => "Administratif",
            Self::Social => "Social",
            Self::Educational => "Éducatif",
            Self::Psychological => "Psychologique",
            Self::NursingCare => "Soins",
            Self::Medical => "Médical",
            Self::Medication => "Médicaments",
            Self::SharedWithFamily => "Partagé avec la famille",
        }
    }
}

/// What a profile may do with a category.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    None,
    Read,
    Write,
}

/// The default matrix: profile × category.
pub fn default_level(profile: Profile, category: Category) -> Level {
    use Category as C;
    use Level::{None as N, Read as R, Write as W};
    use Profile as P;
    // Columns: administrative, social, educational, psychological, nursing care, medical,
    // medication, shared with family.
    let row: [Level; 8] = match profile {
        P::Director => [W, R, R, N, N, N, N, W],
        P::CareCoordinator => [R, R, R, N, W, R, W, W],
        P::Nurse => [R, R, R, N, W, R, W, W],
        P::CareAide => [R, N, R, N, W, N, R, W],
        P::CoordinatingPhysician => [R, R, R, R, W, W, W, W],
        P::Psychologist => [R, R, R, W, R, N, N, W],
        P::Educator => [R, R, W, N, N, N, N, W],
        P::SocialWorker => [W, W, R, N, N, N, N, W],
        P::Secretary => [W, R, N, N, N, N, N, R],
        P::IdentityReferent => [R, N, N, N, N, N, N, N],
        P::Dpo | P::Administrator => [N; 8],
    };
    let index = match category {
        C::Administrative => 0,
        C::Social => 1,
        C::Educational => 2,
        C::Psychological => 3,
        C::NursingCare => 4,
        C::Medical => 5,
        C::Medication => 6,
        C::SharedWithFamily => 7,
    };
    row[index]
}

/// Actions on a person's record that are not tied to one category.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PersonAction {
    /// See the identity banner, stays and the person in lists.
    ViewIdentity,
    /// Change identity traits or record an identity document.
    EditIdentity,
    /// Admit, discharge, transfer.
    ManageStays,
    Read(Category),
    Write(Category),
    /// "Who accessed this record" (DPO, director).
    ViewAccessLog,
}

impl PersonAction {
    pub fn all() -> Vec<PersonAction> {
        let mut v = vec![Self::ViewIdentity, Self::EditIdentity, Self::ManageStays, Self::ViewAccessLog];
        for c in Category::ALL {
            v.push(Self::Read(c));
            v.push(Self::Write(c));
        }
        v
    }
}

/// Profiles that register identities and manage admissions.
fn manages_admissions(p: Profile) -> bool {
    matches!(p, Profile::Director | Profile::Secretary | Profile::CareCoordinator | Profile::SocialWorker)
}

/// Profiles that keep access to the records of persons discharged long ago.
fn keeps_archive_access(p: Profile) -> bool {
    matches!(
        p,
        Profile::Director
            | Profile::Secretary
            | Profile::Dpo
            | Profile::CoordinatingPhysician
            | Profile::IdentityReferent
    )
}

/// Profiles that work the identity-vigilance queue: identities to qualify, INSi mismatches,
/// suspected duplicates, and merge records.
pub fn works_identity_queue(p: Profile) -> bool {
    matches!(p, Profile::IdentityReferent | Profile::Director)
}

/// May this profile take `action` on a person it is related to?
pub fn profile_allows(profile: Profile, action: PersonAction) -> bool {
    match action {
        PersonAction::ViewIdentity => profile != Profile::Administrator,
        PersonAction::EditIdentity => manages_admissions(profile) || profile == Profile::IdentityReferent,
        PersonAction::ManageStays => manages_admissions(profile),
        PersonAction::ViewAccessLog => matches!(profile, Profile::Dpo | Profile::Director),
        PersonAction::Read(c) => default_level(profile, c) >= Level::Read,
        PersonAction::Write(c) => default_level(profile, c) == Level::Write,
    }
}

/// Days after discharge during which the care team still sees a person (late notes, letters).
pub const AFTER_DISCHARGE_DAYS: i64 = 30;

/// A grant held by the actor: a profile in an establishment or one of its units, for a period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub profile: Profile,
    pub establishment: EstablishmentId,
    pub unit: Option<UnitId>,
    pub valid_from: Date,
    pub valid_until: Option<Date>,
}

impl Grant {
    pub fn is_active(&self, today: Date) -> bool {
        self.valid_from <= today && self.valid_until.is_none_or(|end| today <= end)
    }
    /// Does this grant cover work in `unit` of `establishment`?
    pub fn covers_unit(&self, establishment: EstablishmentId, unit: UnitId) -> bool {
        self.establishment == establishment && self.unit.is_none_or(|u| u == unit)
    }
}

/// A stay as access control sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StayScope {
    pub establishment: EstablishmentId,
    pub unit: Option<UnitId>,
    pub start: Date,
    pub end: Option<Date>,
}

/// What access control needs to know about a person.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PersonScope {
    /// The establishment that registered the identity (before any admission).
    pub registered_at: Option<EstablishmentId>,
    pub stays: Vec<StayScope>,
    /// Establishments the person applied to, with an admission request still open (received,
    /// under review, visit planned, accepted). Known only where it may change a decision: see
    /// `unrelated_admission_offices`; empty elsewhere.
    pub applied_to: Vec<EstablishmentId>,
}

/// The outcome of a decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allow,
    /// The actor knows the person but its profiles do not allow this action: 403.
    Forbidden,
    /// The person is outside the actor's scope: answered exactly like a missing record, 404.
    NotFound,
}

/// Is `grant` related to the person today?
fn relates(grant: &Grant, person: &PersonScope, today: Date) -> bool {
    if !grant.is_active(today) {
        return false;
    }
    let recent_limit = today.checked_sub(jiff::Span::new().days(AFTER_DISCHARGE_DAYS)).unwrap_or(Date::MIN);
    let stay_related = person.stays.iter().any(|s| {
        if s.establishment != grant.establishment || s.start > today {
            return false;
        }
        let recent = s.end.is_none_or(|end| end >= recent_limit);
        match grant.unit {
            Some(u) => recent && s.unit == Some(u),
            None => recent || keeps_archive_access(grant.profile),
        }
    });
    let registered_related = grant.unit.is_none()
        && person.registered_at == Some(grant.establishment)
        && (manages_admissions(grant.profile) || keeps_archive_access(grant.profile));
    // An applicant is known to the admission office of the establishment applied to, exactly as
    // a registered identity is to the one that registered it: the office studies the request,
    // and admits. Not the care team, nor a unit: the person is not theirs until the stay opens.
    // Each profile sees then what it sees of a registered identity (a secretary the
    // administrative file, an IDEC also the care record, which is empty until the admission).
    let applied_related =
        grant.unit.is_none() && manages_admissions(grant.profile) && person.applied_to.contains(&grant.establishment);
    stay_related || registered_related || applied_related
}

/// The establishments where the actor holds an admission office grant (establishment-wide, of a
/// profile that manages admissions, active today) that does not yet relate to the person by
/// registration or stay: only there could an open admission request change a decision. Empty for
/// everyone else (the care team opening its residents, the office opening its own residents),
/// who are then spared the look-up of the person's requests.
pub fn unrelated_admission_offices(grants: &[Grant], person: &PersonScope, today: Date) -> Vec<EstablishmentId> {
    let mut out: Vec<EstablishmentId> = grants
        .iter()
        .filter(|g| g.unit.is_none() && manages_admissions(g.profile) && g.is_active(today))
        .filter(|g| !relates(g, person, today))
        .map(|g| g.establishment)
        .collect();
    out.sort();
    out.dedup();
    out
}

/// The establishments where the actor works admissions (establishment-wide grants of a profile
/// that manages admissions, active today), sorted: their applicants are within the actor's reach.
pub fn admission_offices(grants: &[Grant], today: Date) -> Vec<EstablishmentId> {
    let mut out: Vec<EstablishmentId> = grants
        .iter()
        .filter(|g| g.unit.is_none() && manages_admissions(g.profile) && g.is_active(today))
        .map(|g| g.establishment)
        .collect();
    out.sort();
    out.dedup();
    out
}

/// The decision for `action` on `person`, by an actor holding `grants`, on `today`.
pub fn decide(grants: &[Grant], action: PersonAction, person: &PersonScope, today: Date) -> Decision {
    let mut related = grants
        .iter()
        .filter(|g| relates(g, person, today) && profile_allows(g.profile, PersonAction::ViewIdentity))
        .peekable();
    if related.peek().is_none() {
        return Decision::NotFound;
    }
    if related.any(|g| profile_allows(g.profile, action)) { Decision::Allow } else { Decision::Forbidden }
}

/// Categories the actor may read in a unit's logbook, from the grants that cover the unit.
pub fn readable_categories_in_unit(
    grants: &[Grant],
    establishment: EstablishmentId,
    unit: UnitId,
    today: Date,
) -> Vec<Category> {
    Category::ALL
        .into_iter()
        .filter(|c| {
            grants.iter().any(|g| {
                g.is_active(today)
                    && g.covers_unit(establishment, unit)
                    && profile_allows(g.profile, PersonAction::Read(*c))
            })
        })
        .collect()
}

/// Categories the actor may read somewhere, and the establishments where: the outer bound of a
/// search across records, each result being then decided person by person.
pub fn search_bounds(grants: &[Grant], today: Date) -> (Vec<Category>, Vec<EstablishmentId>) {
    let active: Vec<&Grant> = grants.iter().filter(|g| g.is_active(today)).collect();
    let categories = Category::ALL
        .into_iter()
        .filter(|c| active.iter().any(|g| profile_allows(g.profile, PersonAction::Read(*c))))
        .collect();
    let mut establishments: Vec<EstablishmentId> = active.iter().map(|g| g.establishment).collect();
    establishments.sort();
    establishments.dedup();
    (categories, establishments)
}

/// The establishments whose identity-vigilance queue the actor works (establishment-wide grants
/// of a referent or director, active today), sorted.
pub fn identity_queue_establishments(grants: &[Grant], today: Date) -> Vec<EstablishmentId> {
    let mut out: Vec<EstablishmentId> = grants
        .iter()
        .filter(|g| g.is_active(today) && g.unit.is_none() && works_identity_queue(g.profile))
        .map(|g| g.establishment)
        .collect();
    out.sort();
    out.dedup();
    out
}

/// May the actor merge this person's identity with another, or undo a merge? Only through a
/// grant that works the identity-vigilance queue and may edit this identity.
pub fn may_merge_identity(grants: &[Grant], person: &PersonScope, today: Date) -> bool {
    let queue: Vec<Grant> = grants.iter().filter(|g| works_identity_queue(g.profile)).cloned().collect();
    !queue.is_empty() && decide(&queue, PersonAction::EditIdentity, person, today) == Decision::Allow
}

/// May the actor register a new identity in `establishment`?
pub fn may_register_person(grants: &[Grant], establishment: EstablishmentId, today: Date) -> bool {
    grants.iter().any(|g| {
        g.is_active(today) && g.establishment == establishment && g.unit.is_none() && manages_admissions(g.profile)
    })
}

/// May the actor set alert thresholds on measures in `establishment` (a clinical decision:
/// nurses, care coordinators and physicians)?
pub fn may_set_thresholds(grants: &[Grant], establishment: EstablishmentId, today: Date) -> bool {
    grants.iter().any(|g| {
        g.is_active(today)
            && g.establishment == establishment
            && matches!(g.profile, Profile::Nurse | Profile::CareCoordinator | Profile::CoordinatingPhysician)
    })
}

/// May the actor plan the activities of `establishment`, register persons and take attendance?
/// Everyone who works with the persons there: not the DPO nor the administrator.
pub fn may_plan_activities(grants: &[Grant], establishment: EstablishmentId, today: Date) -> bool {
    grants.iter().any(|g| {
        g.is_active(today)
            && g.establishment == establishment
            && !matches!(g.profile, Profile::Dpo | Profile::Administrator)
    })
}

/// May the actor manage accounts, grants and API clients of the organisation?
pub fn may_administer(grants: &[Grant], today: Date) -> bool {
    grants.iter().any(|g| g.is_active(today) && g.profile == Profile::Administrator)
}

/// May the actor read the organisation-wide audit trail?
pub fn may_read_audit(grants: &[Grant], today: Date) -> bool {
    grants.iter().any(|g| g.is_active(today) && matches!(g.profile, Profile::Dpo | Profile::Director))
}

/// The matrix as a Markdown table (the content of `docs/access-matrix.md`).
pub fn matrix_markdown() -> String {
    let mut out = String::from(
        "# Matrice d'habilitation par défaut\n\n\
         Générée depuis `crates/domain/src/access.rs` (`relais_domain::access::matrix_markdown`); un test vérifie que ce fichier est à jour.\n\n\
         L = lecture, É = lecture et écriture, — = aucun accès.\n\n| Profil |",
    );
    for c in Category::ALL {
        out.push_str(&format!(" {} |", c.label()));
    }
    out.push_str(" Identité | Identité (modif.) | Admissions | Journal des accès |\n|---|");
    for _ in 0..Category::ALL.len() + 4 {
        out.push_str("---|");
    }
    out.push('\n');
    let yes = |b: bool| if b { "oui" } else { "—" };
    for p in Profile::ALL {
        out.push_str(&format!("| {} |", p.label()));
        for c in Category::ALL {
            let cell = match default_level(p, c) {
                Level::None => "—",
                Level::Read => "L",
                Level::Write => "É",
            };
            out.push_str(&format!(" {cell} |"));
        }
        out.push_str(&format!(
            " {} | {} | {} | {} |\n",
            yes(profile_allows(p, PersonAction::ViewIdentity)),
            yes(profile_allows(p, PersonAction::EditIdentity)),
            yes(profile_allows(p, PersonAction::ManageStays)),
            yes(profile_allows(p, PersonAction::ViewAccessLog)),
        ));
    }
    out.push_str(&format!(
        "\n## Périmètre\n\n\
         - Une habilitation vaut pour un établissement (ou une unité) et une période ; hors période, elle ne donne rien.\n\
         - Une habilitation d'établissement donne accès aux personnes qui y ont un séjour en cours ou terminé depuis moins de {AFTER_DISCHARGE_DAYS} jours ; \
         Directeur, Secrétariat, DPO, Médecin coordonnateur et Référent identitovigilance gardent l'accès aux séjours plus anciens.\n\
         - Une habilitation d'unité donne accès aux personnes dont le séjour en cours (ou terminé depuis moins de {AFTER_DISCHARGE_DAYS} jours) est dans cette unité.\n\
         - Une identité enregistrée avant admission est visible des profils qui gèrent les admissions (Directeur, Secrétariat, IDEC, Travailleur social) dans l'établissement qui l'a enregistrée.\n\
         - Une personne qui a une demande d'admission en cours (reçue, à l'étude, visite prévue, acceptée) dans un établissement est visible, de la même façon, des profils qui y gèrent les admissions (habilitation d'établissement, pas d'unité) ; la demande refusée ou retirée, cet accès cesse ; admise, le séjour donne l'accès.\n\
         - Hors périmètre, une personne répond « introuvable » (404), exactement comme un identifiant qui n'existe pas ; dans le périmètre, une action que le profil n'autorise pas répond 403.\n\
         - Le Référent identitovigilance (et le Directeur) traitent la file d'identitovigilance de l'établissement : identités à qualifier, discordances INSi, doublons suspectés, fusions ; le référent ne lit que l'administratif.\n\
         - L'Administrateur gère comptes, habilitations et clients d'API ; il ne voit aucun dossier.\n\
         - Les seuils d'alerte des mesures (d'un établissement ou d'une personne) sont fixés par l'Infirmier, l'IDEC et le Médecin coordonnateur de l'établissement.\n\
         - Les activités collectives d'un établissement (planifier, inscrire, noter les présences) sont ouvertes à tous les profils qui y travaillent, sauf DPO et Administrateur ; une personne n'est inscrite ou pointée que par qui peut la voir.\n\
         - Une transmission n'est signalée qu'à un collègue (ou une équipe) qui travaille auprès de la personne et peut lire sa catégorie.\n\
         - La règle de conservation (purge du dossier du quotidien après N ans, N ≥ 10) ne s'exécute qu'en ligne de commande, sur le serveur.\n"
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    const TODAY: Date = date(2026, 11, 26);

    fn est(n: u128) -> EstablishmentId {
        EstablishmentId(uuid::Uuid::from_u128(n))
    }
    fn unit(n: u128) -> UnitId {
        UnitId(uuid::Uuid::from_u128(n))
    }
    fn grant(profile: Profile, e: u128, u: Option<u128>) -> Grant {
        Grant { profile, establishment: est(e), unit: u.map(unit), valid_from: date(2020, 1, 1), valid_until: None }
    }
    fn current_stay(e: u128, u: u128) -> PersonScope {
        PersonScope {
            registered_at: Some(est(e)),
            stays: vec![StayScope { establishment: est(e), unit: Some(unit(u)), start: date(2025, 1, 1), end: None }],
            applied_to: vec![],
        }
    }

    /// Every profile × every action, against the published table.
    #[test]
    fn matrix_is_exhaustively_as_published() {
        let person = current_stay(1, 10);
        for p in Profile::ALL {
            for action in PersonAction::all() {
                let expected = if p == Profile::Administrator {
                    Decision::NotFound
                } else if profile_allows(p, action) {
                    Decision::Allow
                } else {
                    Decision::Forbidden
                };
                assert_eq!(decide(&[grant(p, 1, None)], action, &person, TODAY), expected, "{p:?} {action:?}");
            }
        }
    }

    #[test]
    fn matrix_spot_checks_of_medical_secrecy() {
        assert_eq!(default_level(Profile::Educator, Category::Medical), Level::None);
        assert_eq!(default_level(Profile::CareAide, Category::Medical), Level::None);
        assert_eq!(default_level(Profile::Director, Category::Medical), Level::None);
        assert_eq!(default_level(Profile::Nurse, Category::Psychological), Level::None);
        assert_eq!(default_level(Profile::CoordinatingPhysician, Category::Medical), Level::Write);
        assert_eq!(default_level(Profile::Psychologist, Category::Psychological), Level::Write);
        for c in Category::ALL {
            assert_eq!(default_level(Profile::Administrator, c), Level::None);
            assert_eq!(default_level(Profile::Dpo, c), Level::None);
        }
    }

    #[test]
    fn identity_referent_edits_identities_and_reads_only_the_administrative_file() {
        let p = Profile::IdentityReferent;
        assert!(profile_allows(p, PersonAction::EditIdentity));
        assert!(!profile_allows(p, PersonAction::ManageStays));
        assert!(works_identity_queue(p) && works_identity_queue(Profile::Director));
        assert!(!works_identity_queue(Profile::Nurse));
        for c in Category::ALL {
            let expected = if c == Category::Administrative { Level::Read } else { Level::None };
            assert_eq!(default_level(p, c), expected, "{c:?}");
        }
    }

    #[test]
    fn merging_identities_is_for_the_referent_where_the_person_is_known() {
        let person = current_stay(1, 10);
        assert!(may_merge_identity(&[grant(Profile::IdentityReferent, 1, None)], &person, TODAY));
        assert!(may_merge_identity(&[grant(Profile::Director, 1, None)], &person, TODAY));
        assert!(!may_merge_identity(&[grant(Profile::Secretary, 1, None)], &person, TODAY), "edits, does not merge");
        assert!(!may_merge_identity(&[grant(Profile::IdentityReferent, 2, None)], &person, TODAY));
        let grants = [grant(Profile::IdentityReferent, 2, None), grant(Profile::Nurse, 1, None)];
        assert!(!may_merge_identity(&grants, &person, TODAY), "a referent elsewhere, a nurse here");
        let grants = [grant(Profile::IdentityReferent, 2, None), grant(Profile::Director, 1, Some(10))];
        assert_eq!(identity_queue_establishments(&grants, TODAY), vec![est(2)], "unit grants work no queue");
    }

    #[test]
    fn other_establishment_is_not_found() {
        let person = current_stay(1, 10);
        for p in Profile::ALL {
            for action in PersonAction::all() {
                assert_eq!(decide(&[grant(p, 2, None)], action, &person, TODAY), Decision::NotFound);
            }
        }
        assert_eq!(decide(&[], PersonAction::ViewIdentity, &person, TODAY), Decision::NotFound);
    }

    #[test]
    fn search_bounds_are_the_union_of_active_grants() {
        let mut ended = grant(Profile::CoordinatingPhysician, 3, None);
        ended.valid_until = Some(date(2021, 1, 1));
        let grants = [grant(Profile::CareAide, 1, Some(10)), grant(Profile::Educator, 2, None), ended];
        let (categories, establishments) = search_bounds(&grants, TODAY);
        assert_eq!(establishments, vec![est(1), est(2)]);
        assert!(categories.contains(&Category::NursingCare));
        assert!(categories.contains(&Category::Educational));
        assert!(!categories.contains(&Category::Medical), "the physician's grant has ended");
        assert_eq!(search_bounds(&[], TODAY), (vec![], vec![]));
    }

    #[test]
    fn unit_grants_see_only_their_unit() {
        let person = current_stay(1, 10);
        let read = PersonAction::Read(Category::NursingCare);
        assert_eq!(decide(&[grant(Profile::CareAide, 1, Some(10))], read, &person, TODAY), Decision::Allow);
        assert_eq!(decide(&[grant(Profile::CareAide, 1, Some(11))], read, &person, TODAY), Decision::NotFound);
    }

    #[test]
    fn grant_periods_are_enforced() {
        let person = current_stay(1, 10);
        let mut g = grant(Profile::Nurse, 1, None);
        g.valid_until = Some(date(2026, 11, 25));
        assert_eq!(decide(&[g.clone()], PersonAction::ViewIdentity, &person, TODAY), Decision::NotFound);
        g.valid_until = Some(TODAY);
        assert_eq!(decide(&[g.clone()], PersonAction::ViewIdentity, &person, TODAY), Decision::Allow);
        g.valid_from = date(2026, 11, 27);
        g.valid_until = None;
        assert_eq!(decide(&[g], PersonAction::ViewIdentity, &person, TODAY), Decision::NotFound);
    }

    #[test]
    fn discharged_persons_fade_from_care_teams_but_not_from_archives() {
        let mut person = current_stay(1, 10);
        person.stays[0].end = Some(date(2026, 11, 1));
        let view = PersonAction::ViewIdentity;
        assert_eq!(decide(&[grant(Profile::Nurse, 1, None)], view, &person, TODAY), Decision::Allow);
        person.stays[0].end = Some(date(2026, 9, 1));
        assert_eq!(decide(&[grant(Profile::Nurse, 1, None)], view, &person, TODAY), Decision::NotFound);
        assert_eq!(decide(&[grant(Profile::Nurse, 1, Some(10))], view, &person, TODAY), Decision::NotFound);
        assert_eq!(decide(&[grant(Profile::Secretary, 1, None)], view, &person, TODAY), Decision::Allow);
        assert_eq!(
            decide(&[grant(Profile::Dpo, 1, None)], PersonAction::ViewAccessLog, &person, TODAY),
            Decision::Allow
        );
    }

    #[test]
    fn registered_but_not_admitted() {
        let person = PersonScope { registered_at: Some(est(1)), ..Default::default() };
        let view = PersonAction::ViewIdentity;
        assert_eq!(decide(&[grant(Profile::Secretary, 1, None)], view, &person, TODAY), Decision::Allow);
        assert_eq!(decide(&[grant(Profile::CareAide, 1, None)], view, &person, TODAY), Decision::NotFound);
        assert_eq!(decide(&[grant(Profile::Secretary, 2, None)], view, &person, TODAY), Decision::NotFound);
    }

    /// Registered in 1 (say a home-care service), applying to 2 (a nursing home of the same
    /// organisation): the office of 2 studies the request as the office of 1 would.
    #[test]
    fn an_open_admission_request_relates_the_office_applied_to() {
        let view = PersonAction::ViewIdentity;
        let mut person = PersonScope { registered_at: Some(est(1)), ..Default::default() };
        let secretary = [grant(Profile::Secretary, 2, None)];
        assert_eq!(decide(&secretary, view, &person, TODAY), Decision::NotFound, "before the request");
        assert_eq!(unrelated_admission_offices(&secretary, &person, TODAY), vec![est(2)]);
        person.applied_to = vec![est(2)];
        for p in [Profile::Secretary, Profile::Director, Profile::CareCoordinator, Profile::SocialWorker] {
            assert_eq!(decide(&[grant(p, 2, None)], view, &person, TODAY), Decision::Allow, "{p:?}");
            assert_eq!(decide(&[grant(p, 2, None)], PersonAction::ManageStays, &person, TODAY), Decision::Allow);
        }
        // What registration gives, no more: the secretary's profile rules still apply.
        assert_eq!(decide(&secretary, PersonAction::Write(Category::Administrative), &person, TODAY), Decision::Allow);
        assert_eq!(decide(&secretary, PersonAction::Read(Category::NursingCare), &person, TODAY), Decision::Forbidden);
        assert!(unrelated_admission_offices(&secretary, &person, TODAY).is_empty(), "already related");
        // Not the care team, not a unit, not archives, not another establishment.
        for p in [Profile::CareAide, Profile::Nurse, Profile::Educator, Profile::CoordinatingPhysician, Profile::Dpo] {
            assert_eq!(decide(&[grant(p, 2, None)], view, &person, TODAY), Decision::NotFound, "{p:?}");
        }
        assert_eq!(decide(&[grant(Profile::Secretary, 2, Some(20))], view, &person, TODAY), Decision::NotFound);
        assert_eq!(decide(&[grant(Profile::Secretary, 3, None)], view, &person, TODAY), Decision::NotFound);
        let mut ended = grant(Profile::Secretary, 2, None);
        ended.valid_until = Some(date(2026, 1, 1));
        assert_eq!(decide(&[ended.clone()], view, &person, TODAY), Decision::NotFound, "grant ended");
        assert!(unrelated_admission_offices(&[ended], &person, TODAY).is_empty());
        // Closed (refused, withdrawn): the request no longer counts; the person is unknown again.
        person.applied_to = vec![];
        assert_eq!(decide(&secretary, view, &person, TODAY), Decision::NotFound, "after the request");
    }

    #[test]
    fn admission_offices_are_establishment_wide_grants_that_manage_admissions() {
        let grants = [
            grant(Profile::Secretary, 3, None),
            grant(Profile::CareAide, 1, None),
            grant(Profile::Director, 2, Some(20)),
            grant(Profile::SocialWorker, 2, None),
            grant(Profile::CareCoordinator, 3, None),
        ];
        assert_eq!(admission_offices(&grants, TODAY), vec![est(2), est(3)]);
        assert!(
            unrelated_admission_offices(&[grant(Profile::Nurse, 2, None)], &PersonScope::default(), TODAY).is_empty()
        );
    }

    #[test]
    fn several_grants_combine() {
        let person = current_stay(1, 10);
        let grants = [grant(Profile::Educator, 1, None), grant(Profile::Nurse, 2, None)];
        // The nurse grant is elsewhere: it does not lend medical access here.
        assert_eq!(decide(&grants, PersonAction::Read(Category::Medical), &person, TODAY), Decision::Forbidden);
        let grants = [grant(Profile::Educator, 1, None), grant(Profile::Nurse, 1, Some(10))];
        assert_eq!(decide(&grants, PersonAction::Read(Category::Medical), &person, TODAY), Decision::Allow);
    }

    #[test]
    fn unit_logbook_categories() {
        let cats = readable_categories_in_unit(&[grant(Profile::Educator, 1, Some(10))], est(1), unit(10), TODAY);
        assert!(cats.contains(&Category::Educational));
        assert!(!cats.contains(&Category::Medical));
        assert!(
            readable_categories_in_unit(&[grant(Profile::Educator, 1, Some(10))], est(1), unit(11), TODAY).is_empty()
        );
    }

    #[test]
    fn published_matrix_is_up_to_date() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/access-matrix.md");
        if std::env::var_os("RELAIS_UPDATE_DOCS").is_some() {
            std::fs::write(path, matrix_markdown()).unwrap();
        }
        let published = std::fs::read_to_string(path).unwrap();
        assert_eq!(published, matrix_markdown(), "regenerate with: RELAIS_UPDATE_DOCS=1 cargo test -p relais-domain");
    }
}
