//! The projet personnalisé (support plan): its states and versions, objectives and actions, co-construction and review.
//!
//! Access: the plan is the team's shared project with the person, so it is read under the
//! **educational** category (every care, social and educational profile reads it; the
//! secretariat does not) and written by whoever writes **educational, social or nursing-care**
//! data (educators, social workers, nurses, care coordinators, care aides, the coordinating
//! physician): in an EHPAD the nursing team drafts it, in a disability service the educators do.
//!
//! Versions: a plan has numbered versions. Only the working version (a draft, or the version
//! a review prepares) can be changed; validating freezes it, and starting a review copies it
//! into a new working version. A frozen version is never changed again.

use crate::DomainError;
use crate::access::{Category, PersonAction, Profile};
use crate::appointment::text;
use crate::ids::{AccountId, AssessmentId, ObjectiveId};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

/// Longest free text kept (expectations, needs, notes); longer is refused, never cut.
pub const MAX_TEXT: usize = 4000;
/// Longest title of an objective or description of an action.
pub const MAX_LINE: usize = 300;

/// Reading the plan needs this.
pub const READ: PersonAction = PersonAction::Read(Category::Educational);
/// Writing the plan needs any of these.
pub const WRITE: [PersonAction; 3] = [
    PersonAction::Write(Category::Educational),
    PersonAction::Write(Category::Social),
    PersonAction::Write(Category::NursingCare),
];

/// Where a plan stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PlanStatus {
    Draft,
    Validated,
    InProgress,
    UnderReview,
    Closed,
}

impl PlanStatus {
    pub const ALL: [PlanStatus; 5] = [Self::Draft, Self::Validated, Self::InProgress, Self::UnderReview, Self::Closed];

    pub fn code(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Validated => "validated",
            Self::InProgress => "in_progress",
            Self::UnderReview => "under_review",
            Self::Closed => "closed",
        }
    }
    pub fn from_code(code: &str) -> Result<Self, DomainError> {
        Self::ALL
            .into_iter()
            .find(|s| s.code() == code)
            .ok_or_else(|| DomainError::new("plan_status", "status-invalid", "statut de projet inconnu"))
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::Draft => "Brouillon",
            Self::Validated => "Validé",
            Self::InProgress => "En cours",
            Self::UnderReview => "En révision",
            Self::Closed => "Clos",
        }
    }
    /// The words of the button that moves a plan to this status.
    pub fn action_label(self) -> &'static str {
        match self {
            Self::Draft => "Remettre en brouillon",
            Self::Validated => "Valider le projet",
            Self::InProgress => "Mettre en œuvre",
            Self::UnderReview => "Réviser le projet",
            Self::Closed => "Clore le projet",
        }
    }
    /// The working version can be changed only in these states.
    pub fn is_editable(self) -> bool {
        matches!(self, Self::Draft | Self::UnderReview)
    }
    /// A plan in these states is followed: its review date may pass.
    pub fn is_running(self) -> bool {
        matches!(self, Self::Validated | Self::InProgress)
    }
    /// The statuses this one may move to, in the order a form offers them.
    pub fn next(self) -> &'static [PlanStatus] {
        use PlanStatus::*;
        match self {
            // A draft started by mistake, or left by a merge beside another plan, may be closed.
            Draft => &[Validated, Closed],
            Validated => &[InProgress, UnderReview, Closed],
            InProgress => &[UnderReview, Closed],
            UnderReview => &[Validated],
            Closed => &[],
        }
    }
    /// The FHIR CarePlan.status of a plan in this state.
    pub fn fhir_status(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Validated | Self::InProgress | Self::UnderReview => "active",
            Self::Closed => "completed",
        }
    }
}

/// Checks a move of a plan from `from` to `to`.
pub fn check_transition(from: PlanStatus, to: PlanStatus) -> Result<(), DomainError> {
    if from.next().contains(&to) {
        return Ok(());
    }
    let msg = match (from, to) {
        (PlanStatus::Closed, _) => "le projet est clos : il ne peut plus changer de statut".to_string(),
        (PlanStatus::Draft, PlanStatus::InProgress | PlanStatus::UnderReview) => format!(
            "un projet en brouillon doit d'abord être validé avant de passer à « {} »",
            to.label().to_lowercase()
        ),
        _ => format!("passage impossible de « {} » à « {} »", from.label().to_lowercase(), to.label().to_lowercase()),
    };
    Err(DomainError::new("plan_status", "transition-invalid", msg))
}

/// How an objective was met, said at review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Achieved,
    Partly,
    NotAchieved,
    Abandoned,
}

impl Outcome {
    pub const ALL: [Outcome; 4] = [Self::Achieved, Self::Partly, Self::NotAchieved, Self::Abandoned];
    pub fn code(self) -> &'static str {
        match self {
            Self::Achieved => "achieved",
            Self::Partly => "partly",
            Self::NotAchieved => "not_achieved",
            Self::Abandoned => "abandoned",
        }
    }
    pub fn from_code(code: &str) -> Result<Self, DomainError> {
        Self::ALL.into_iter().find(|o| o.code() == code).ok_or_else(|| {
            DomainError::new(
                "outcome",
                "outcome-invalid",
                "choisissez l'évaluation : atteint, partiellement atteint, non atteint ou abandonné",
            )
        })
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::Achieved => "Atteint",
            Self::Partly => "Partiellement atteint",
            Self::NotAchieved => "Non atteint",
            Self::Abandoned => "Abandonné",
        }
    }
    /// FHIR Goal.achievementStatus (http://terminology.hl7.org/CodeSystem/goal-achievement).
    pub fn fhir_achievement(self) -> (&'static str, &'static str) {
        match self {
            Self::Achieved => ("achieved", "Achieved"),
            Self::Partly => ("improving", "Improving"),
            Self::NotAchieved => ("not-achieved", "Not Achieved"),
            Self::Abandoned => ("not-attainable", "Not Attainable"),
        }
    }
}

/// Dates inside a stored version are ISO strings.
mod iso_date {
    use jiff::civil::Date;
    use serde::{Deserialize, Deserializer, Serializer};
    pub fn serialize<S: Serializer>(d: &Date, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(d)
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
        String::deserialize(d)?.parse().map_err(serde::de::Error::custom)
    }
    pub mod opt {
        use super::*;
        pub fn serialize<S: Serializer>(d: &Option<Date>, s: S) -> Result<S::Ok, S::Error> {
            match d {
                Some(d) => s.collect_str(d),
                None => s.serialize_none(),
            }
        }
        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Date>, D::Error> {
            Option::<String>::deserialize(d)?.map(|s| s.parse().map_err(serde::de::Error::custom)).transpose()
        }
    }
}

/// A named professional (an account) with the name shown when it was chosen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Professional {
    pub account: AccountId,
    pub name: String,
}

/// Who carries out an action: a profile (« l'équipe aide-soignante ») or a named professional.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Performer {
    Profile { profile: String },
    Professional(Professional),
}

impl Performer {
    pub fn label(&self) -> String {
        match self {
            Self::Profile { profile } => Profile::from_code(profile).map(|p| p.label()).unwrap_or("—").to_string(),
            Self::Professional(p) => p.name.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Action {
    pub id: uuid::Uuid,
    pub performer: Performer,
    pub what: String,
    /// How often, in words (« chaque matin », « deux fois par semaine »).
    pub frequency: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Objective {
    /// Kept from version to version: notes tied to it and FHIR Goals follow it.
    pub id: ObjectiveId,
    pub title: String,
    pub referent: Option<Professional>,
    #[serde(with = "iso_date::opt")]
    pub deadline: Option<Date>,
    pub indicators: String,
    pub actions: Vec<Action>,
}

/// A meeting of co-construction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Meeting {
    pub id: uuid::Uuid,
    #[serde(with = "iso_date")]
    pub held_on: Date,
    pub professionals: String,
    pub person_present: bool,
    /// Relatives present, by name.
    pub relatives: String,
    pub notes: String,
    pub recorded_by: String,
}

/// What the person said of the plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgreementKind {
    /// Signed on paper; the paper is kept by the establishment.
    Signed,
    Oral,
    Refused,
}

impl AgreementKind {
    pub const ALL: [AgreementKind; 3] = [Self::Signed, Self::Oral, Self::Refused];
    pub fn code(self) -> &'static str {
        match self {
            Self::Signed => "signed",
            Self::Oral => "oral",
            Self::Refused => "refused",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::Signed => "Accord signé sur papier",
            Self::Oral => "Accord oral",
            Self::Refused => "Refus",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Agreement {
    pub kind: AgreementKind,
    #[serde(with = "iso_date")]
    pub given_on: Date,
    pub comment: String,
    /// Who recorded it and when (µs since the epoch).
    pub recorded_by: String,
    pub recorded_at: i64,
}

/// The evaluation of an objective of the previous version, made at review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evaluation {
    pub objective: ObjectiveId,
    pub outcome: Outcome,
    pub comment: String,
    pub evaluated_by: String,
    pub evaluated_at: i64,
}

/// Everything one version of a plan says.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanContent {
    /// The person's expectations, in their own words.
    pub person_expectations: String,
    /// Those of relatives, kept apart.
    pub relatives_expectations: String,
    pub needs: String,
    #[serde(with = "iso_date::opt")]
    pub review_due: Option<Date>,
    pub objectives: Vec<Objective>,
    pub meetings: Vec<Meeting>,
    pub agreement: Option<Agreement>,
    /// At review: how each objective of the previous version was met.
    pub evaluations: Vec<Evaluation>,
    /// Evaluations with a grid added to the plan: as an assessed need, or under an objective.
    /// Part of the version's content, so a review carries them into the new version and a
    /// frozen version keeps those it had.
    #[serde(default)]
    pub assessments: Vec<AssessmentLink>,
}

/// An evaluation added to the plan, with what it said (an evaluation is never changed, so the
/// summary stays true).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssessmentLink {
    pub assessment: AssessmentId,
    /// None: an assessed need of the person.
    pub objective: Option<ObjectiveId>,
    /// The grid's code (`braden`).
    pub instrument: String,
    /// « Braden 12/23 — risque élevé ».
    pub summary: String,
    #[serde(with = "iso_date")]
    pub assessed_on: Date,
    pub linked_by: String,
    pub linked_at: i64,
}

impl PlanContent {
    pub fn objective(&self, id: ObjectiveId) -> Option<&Objective> {
        self.objectives.iter().find(|o| o.id == id)
    }
    pub fn evaluation(&self, id: ObjectiveId) -> Option<&Evaluation> {
        self.evaluations.iter().find(|e| e.objective == id)
    }
    /// The evaluations added as needs (`None`) or under an objective.
    pub fn assessments_of(&self, objective: Option<ObjectiveId>) -> impl Iterator<Item = &AssessmentLink> {
        self.assessments.iter().filter(move |l| l.objective == objective)
    }
    /// Is the review date passed on `today`?
    pub fn is_overdue(&self, status: PlanStatus, today: Date) -> bool {
        status.is_running() && self.review_due.is_some_and(|d| d < today)
    }
}

/// The expectations, needs and review date as typed.
pub fn check_details(
    person_expectations: &str,
    relatives_expectations: &str,
    needs: &str,
    review_due: &str,
    today: Date,
) -> Result<(String, String, String, Option<Date>), Vec<DomainError>> {
    let mut errors = Vec::new();
    let mut long = |field, v| long_text(field, v).map_err(|e| errors.push(e)).unwrap_or_default();
    let person = long("person_expectations", person_expectations);
    let relatives = long("relatives_expectations", relatives_expectations);
    let needs = long("needs", needs);
    let due = optional_date("review_due", review_due)
        .and_then(|d| match d {
            Some(d) if d < today => {
                Err(DomainError::new("review_due", "date-past", "la date de révision ne peut pas être déjà passée"))
            }
            d => Ok(d),
        })
        .map_err(|e| errors.push(e))
        .ok()
        .flatten();
    if errors.is_empty() { Ok((person, relatives, needs, due)) } else { Err(errors) }
}

/// An objective as typed; the referent is resolved by the caller, who knows the accounts.
pub fn check_objective(
    title: &str,
    deadline: &str,
    indicators: &str,
    referent: Option<Professional>,
) -> Result<Objective, Vec<DomainError>> {
    let mut errors = Vec::new();
    let title = text("objective_title", title, MAX_LINE, true).map_err(|e| errors.push(e)).ok().flatten();
    let deadline = optional_date("deadline", deadline).map_err(|e| errors.push(e)).ok().flatten();
    let indicators = long_text("indicators", indicators).map_err(|e| errors.push(e)).unwrap_or_default();
    match title {
        Some(title) if errors.is_empty() => {
            Ok(Objective { id: ObjectiveId::generate(), title, referent, deadline, indicators, actions: vec![] })
        }
        _ => Err(errors),
    }
}

/// An action as typed (the performer already resolved).
pub fn check_action(performer: Performer, what: &str, frequency: &str) -> Result<Action, Vec<DomainError>> {
    let mut errors = Vec::new();
    let what = text("what", what, MAX_LINE, true).map_err(|e| errors.push(e)).ok().flatten();
    let frequency = text("frequency", frequency, MAX_LINE, false).map_err(|e| errors.push(e)).ok().flatten();
    match what {
        Some(what) if errors.is_empty() => {
            Ok(Action { id: uuid::Uuid::now_v7(), performer, what, frequency: frequency.unwrap_or_default() })
        }
        _ => Err(errors),
    }
}

/// A meeting as typed; it has taken place (not in the future) and names who was there.
pub fn check_meeting(
    held_on: &str,
    professionals: &str,
    person_present: bool,
    relatives: &str,
    notes: &str,
    today: Date,
) -> Result<(Date, String, String, String), Vec<DomainError>> {
    let mut errors = Vec::new();
    let held_on = match crate::date::parse_date("held_on", held_on) {
        Ok(d) if d > today => {
            errors.push(DomainError::new("held_on", "date-future", "une réunion ne peut pas être datée dans le futur"));
            None
        }
        Ok(d) => Some(d),
        Err(e) => {
            errors.push(e);
            None
        }
    };
    let professionals =
        text("professionals", professionals, MAX_LINE, false).map_err(|e| errors.push(e)).ok().flatten();
    let relatives = text("relatives", relatives, MAX_LINE, false).map_err(|e| errors.push(e)).ok().flatten();
    let notes = long_text("meeting_notes", notes).map_err(|e| errors.push(e)).unwrap_or_default();
    if errors.is_empty() && professionals.is_none() && relatives.is_none() && !person_present {
        errors.push(DomainError::new("professionals", "required", "indiquez qui a participé à la réunion"));
    }
    match held_on {
        Some(d) if errors.is_empty() => {
            Ok((d, professionals.unwrap_or_default(), relatives.unwrap_or_default(), notes))
        }
        _ => Err(errors),
    }
}

/// The person's agreement as typed: a refusal says why.
pub fn check_agreement(
    kind: &str,
    given_on: &str,
    comment: &str,
    today: Date,
) -> Result<(AgreementKind, Date, String), Vec<DomainError>> {
    let mut errors = Vec::new();
    let kind = AgreementKind::ALL.into_iter().find(|k| k.code() == kind);
    if kind.is_none() {
        errors.push(DomainError::new(
            "agreement",
            "agreement-invalid",
            "choisissez : accord signé sur papier, accord oral ou refus",
        ));
    }
    let given_on = match crate::date::parse_date("given_on", given_on) {
        Ok(d) if d > today => {
            errors.push(DomainError::new(
                "given_on",
                "date-future",
                "la date de l'accord ne peut pas être dans le futur",
            ));
            None
        }
        Ok(d) => Some(d),
        Err(e) => {
            errors.push(e);
            None
        }
    };
    let comment = long_text("agreement_comment", comment).map_err(|e| errors.push(e)).unwrap_or_default();
    if kind == Some(AgreementKind::Refused) && comment.is_empty() {
        errors.push(DomainError::new(
            "agreement_comment",
            "reason-required",
            "notez ce que la personne a dit de son refus",
        ));
    }
    match (kind, given_on) {
        (Some(k), Some(d)) if errors.is_empty() => Ok((k, d, comment)),
        _ => Err(errors),
    }
}

/// A review may be validated once every objective of the reviewed version is evaluated.
pub fn check_review_complete(reviewed: &PlanContent, working: &PlanContent) -> Result<(), DomainError> {
    let missing: Vec<&str> =
        reviewed.objectives.iter().filter(|o| working.evaluation(o.id).is_none()).map(|o| o.title.as_str()).collect();
    if missing.is_empty() {
        return Ok(());
    }
    Err(DomainError::new(
        "evaluation",
        "evaluation-missing",
        format!("évaluez chaque objectif avant de valider la révision ; reste à évaluer : {}", missing.join(", ")),
    ))
}

fn optional_date(field: &'static str, v: &str) -> Result<Option<Date>, DomainError> {
    if v.trim().is_empty() { Ok(None) } else { crate::date::parse_date(field, v).map(Some) }
}

/// A multi-line text: line breaks kept, other control characters refused.
pub fn long_text(field: &'static str, v: &str) -> Result<String, DomainError> {
    let v = v.trim();
    if v.chars().count() > MAX_TEXT {
        return Err(DomainError::new(field, "too-long", format!("{MAX_TEXT} caractères au plus")));
    }
    if v.chars().any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t') {
        return Err(DomainError::new(field, "characters", "caractères de contrôle non admis"));
    }
    Ok(v.replace("\r\n", "\n"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use PlanStatus::*;
    use jiff::civil::date;

    const TODAY: Date = date(2026, 11, 26);

    #[test]
    fn the_workflow_allows_only_its_own_moves() {
        let allowed = [
            (Draft, Validated),
            (Draft, Closed),
            (Validated, InProgress),
            (Validated, UnderReview),
            (Validated, Closed),
            (InProgress, UnderReview),
            (InProgress, Closed),
            (UnderReview, Validated),
        ];
        for from in PlanStatus::ALL {
            for to in PlanStatus::ALL {
                assert_eq!(check_transition(from, to).is_ok(), allowed.contains(&(from, to)), "{from:?} → {to:?}");
            }
            assert_eq!(PlanStatus::from_code(from.code()).unwrap(), from);
        }
        assert_eq!(
            check_transition(Draft, InProgress).unwrap_err().message,
            "un projet en brouillon doit d'abord être validé avant de passer à « en cours »"
        );
        assert!(check_transition(Closed, Draft).unwrap_err().message.contains("clos"));
        assert_eq!(
            check_transition(InProgress, Validated).unwrap_err().message,
            "passage impossible de « en cours » à « validé »"
        );
        assert!(
            Draft.is_editable() && UnderReview.is_editable() && !Validated.is_editable() && !InProgress.is_editable()
        );
    }

    #[test]
    fn a_review_needs_every_objective_evaluated() {
        let o1 = check_objective("Marcher jusqu'au jardin", "31/03/2027", "3 fois par semaine", None).unwrap();
        let o2 = check_objective("Reprendre contact avec son fils", "", "", None).unwrap();
        let reviewed = PlanContent { objectives: vec![o1.clone(), o2.clone()], ..Default::default() };
        let mut working = reviewed.clone();
        let e = check_review_complete(&reviewed, &working).unwrap_err();
        assert_eq!(e.code, "evaluation-missing");
        assert!(e.message.contains("Marcher jusqu'au jardin, Reprendre contact avec son fils"), "{}", e.message);
        working.evaluations.push(Evaluation {
            objective: o1.id,
            outcome: Outcome::Achieved,
            comment: String::new(),
            evaluated_by: "x".into(),
            evaluated_at: 0,
        });
        assert!(check_review_complete(&reviewed, &working).unwrap_err().message.ends_with("son fils"));
        working.evaluations.push(Evaluation {
            objective: o2.id,
            outcome: Outcome::Abandoned,
            comment: String::new(),
            evaluated_by: "x".into(),
            evaluated_at: 0,
        });
        assert!(check_review_complete(&reviewed, &working).is_ok());
    }

    #[test]
    fn forms_are_validated_at_once_and_nothing_is_cut() {
        let long = "x".repeat(MAX_TEXT + 1);
        let errs = check_details(&long, "", "", "01/01/2020", TODAY).unwrap_err();
        let fields: Vec<_> = errs.iter().map(|e| (e.field, e.code)).collect();
        assert_eq!(fields, vec![("person_expectations", "too-long"), ("review_due", "date-past")]);
        let (p, _, needs, due) =
            check_details(" Rester chez moi \r\n le plus longtemps ", "", "Aide à la toilette", "26/05/2027", TODAY)
                .unwrap();
        assert_eq!(p, "Rester chez moi \n le plus longtemps");
        assert_eq!((needs.as_str(), due), ("Aide à la toilette", Some(date(2027, 5, 26))));

        let errs = check_objective(" ", "32/13/2027", "", None).unwrap_err();
        assert_eq!(errs.iter().map(|e| e.field).collect::<Vec<_>>(), vec!["objective_title", "deadline"]);
        let errs = check_action(Performer::Profile { profile: "nurse".into() }, "", "").unwrap_err();
        assert_eq!((errs[0].field, errs[0].code), ("what", "required"));

        let errs = check_meeting("01/01/2999", "", false, "", "", TODAY).unwrap_err();
        assert_eq!(errs[0].code, "date-future");
        assert_eq!(check_meeting("20/11/2026", "", false, "", "", TODAY).unwrap_err()[0].field, "professionals");
        assert!(check_meeting("20/11/2026", "", true, "", "", TODAY).is_ok());

        let errs = check_agreement("refused", "20/11/2026", "", TODAY).unwrap_err();
        assert_eq!(errs[0].code, "reason-required");
        assert_eq!(check_agreement("maybe", "20/11/2026", "", TODAY).unwrap_err()[0].code, "agreement-invalid");
        assert_eq!(check_agreement("oral", "20/11/2026", "", TODAY).unwrap().0, AgreementKind::Oral);
    }

    #[test]
    fn performers_are_named_and_overdue_plans_are_running_ones() {
        let mut c = PlanContent { review_due: Some(date(2026, 11, 1)), ..Default::default() };
        c.objectives.push(check_objective("Sortir", "01/02/2027", "", None).unwrap());
        c.objectives[0].actions.push(
            check_action(
                Performer::Professional(Professional { account: AccountId::generate(), name: "A. Martin".into() }),
                "Accompagner au marché",
                "le jeudi",
            )
            .unwrap(),
        );
        assert_eq!(c.objectives[0].actions[0].performer.label(), "A. Martin");
        assert_eq!(Performer::Profile { profile: "educator".into() }.label(), "Éducateur");
        assert!(c.is_overdue(InProgress, TODAY) && c.is_overdue(Validated, TODAY));
        assert!(!c.is_overdue(Draft, TODAY) && !c.is_overdue(Closed, TODAY) && !c.is_overdue(UnderReview, TODAY));
        c.review_due = Some(TODAY);
        assert!(!c.is_overdue(InProgress, TODAY));
        for o in Outcome::ALL {
            assert_eq!(Outcome::from_code(o.code()).unwrap(), o);
        }
    }
}
