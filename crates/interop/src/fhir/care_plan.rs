//! FHIR CarePlan and Goal in and out: a projet personnalisé and its expectations and objectives,
//! shaped after the ANS TDDUI profiles. A plan is created as a draft with its expectations as
//! contained Goals; an objective is created as a Goal naming its plan by the TDDUI extension.

use super::FhirError;
use jiff::civil::Date;
use relais_domain::support_plan::{Objective, Outcome, PlanContent, PlanStatus};
use serde::Deserialize;
use serde_json::{Value, json};

const TDDUI: &str = "https://interop.esante.gouv.fr/ig/fhir/tddui/StructureDefinition";
/// Relais' code system for the kind of Goal: the person's or relatives' expectation, or an objective.
pub const GOAL_CATEGORY: &str = "urn:relais:goal-category";
/// Identifiers of plans and goals within Relais.
pub const IDENTIFIER_SYSTEM: &str = "urn:relais:support-plan";
/// Relais' identifiers of professionals' accounts (an objective's referent).
pub const ACCOUNT_SYSTEM: &str = "urn:relais:account";
/// The TDDUI extension by which a Goal names its CarePlan.
pub const CAREPLAN_REFERENCE_EXTENSION: &str =
    "https://interop.esante.gouv.fr/ig/fhir/tddui/StructureDefinition/tddui-careplan-reference";

/// The extension on a `CarePlan.supportingInfo` reference that names the objective (Goal) an
/// evaluation was added under; without it, the evaluation is an assessed need of the person.
pub const SUPPORTING_GOAL_EXTENSION: &str = "urn:relais:fhir:careplan-supporting-goal";

/// A plan as exposed: its current version.
pub struct CarePlanView<'a> {
    pub id: String,
    pub patient_id: String,
    pub status: PlanStatus,
    pub version: i64,
    pub content: &'a PlanContent,
    /// The day the first version was written: the start of the plan's period.
    pub start: Date,
    pub last_updated: String,
}

/// Which expectation: the person's own, or their relatives'.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expectation {
    Person,
    Relatives,
}

impl Expectation {
    pub const ALL: [Expectation; 2] = [Self::Person, Self::Relatives];
    /// The Goal id of an expectation of plan `plan`.
    pub fn goal_id(self, plan: &str) -> String {
        match self {
            Self::Person => format!("{plan}-attente-personne"),
            Self::Relatives => format!("{plan}-attente-proches"),
        }
    }
    /// The plan and expectation a Goal id names, if it names one.
    pub fn parse_goal_id(id: &str) -> Option<(&str, Expectation)> {
        if let Some(plan) = id.strip_suffix("-attente-personne") {
            Some((plan, Self::Person))
        } else {
            id.strip_suffix("-attente-proches").map(|plan| (plan, Self::Relatives))
        }
    }
    fn text(self, c: &PlanContent) -> &str {
        match self {
            Self::Person => &c.person_expectations,
            Self::Relatives => &c.relatives_expectations,
        }
    }
}

fn reference_to_plan(v: &CarePlanView) -> Value {
    json!({ "url": CAREPLAN_REFERENCE_EXTENSION, "valueReference": { "reference": format!("CarePlan/{}", v.id) } })
}

fn category(code: &str, display: &str) -> Value {
    json!([{ "coding": [{ "system": GOAL_CATEGORY, "code": code, "display": display }] }])
}

/// The expectations written in the plan, as Goals (`attente`); empty ones are left out.
pub fn expectation_goals(v: &CarePlanView) -> Vec<Value> {
    Expectation::ALL.into_iter().filter(|e| !e.text(v.content).is_empty()).map(|e| expectation_goal(v, e)).collect()
}

pub fn expectation_goal(v: &CarePlanView, e: Expectation) -> Value {
    let id = e.goal_id(&v.id);
    let expressed_by = match e {
        Expectation::Person => json!({ "reference": format!("Patient/{}", v.patient_id) }),
        Expectation::Relatives => json!({ "display": "Proches" }),
    };
    json!({
        "resourceType": "Goal",
        "id": id,
        "meta": { "profile": [format!("{TDDUI}/tddui-goal-attente")], "versionId": v.version.to_string(), "lastUpdated": v.last_updated },
        "extension": [reference_to_plan(v)],
        "identifier": [{ "system": IDENTIFIER_SYSTEM, "value": id }],
        "lifecycleStatus": goal_lifecycle(v.status, None),
        "category": category("attente", "Attente"),
        "description": { "text": e.text(v.content) },
        "subject": { "reference": format!("Patient/{}", v.patient_id) },
        "expressedBy": expressed_by,
    })
}

fn goal_lifecycle(status: PlanStatus, outcome: Option<Outcome>) -> &'static str {
    match (status, outcome) {
        (_, Some(Outcome::Abandoned)) => "cancelled",
        (_, Some(Outcome::Achieved)) => "completed",
        (PlanStatus::Draft, _) => "proposed",
        (PlanStatus::Closed, _) => "completed",
        _ => "active",
    }
}

/// An objective as a Goal (`objectif`), with its evaluation when the plan has one (at a
/// review, evaluations are kept with the version that follows).
pub fn objective_goal(v: &CarePlanView, o: &Objective, outcome: Option<(Outcome, &str)>) -> Value {
    let mut goal = json!({
        "resourceType": "Goal",
        "id": o.id.to_string(),
        "meta": { "profile": [format!("{TDDUI}/tddui-goal-objectif")], "versionId": v.version.to_string(), "lastUpdated": v.last_updated },
        "extension": [reference_to_plan(v)],
        "identifier": [{ "system": IDENTIFIER_SYSTEM, "value": o.id.to_string() }],
        "lifecycleStatus": goal_lifecycle(v.status, outcome.map(|(o, _)| o)),
        "category": category("objectif", "Objectif"),
        "description": { "text": o.title },
        "subject": { "reference": format!("Patient/{}", v.patient_id) },
        "note": [{
            "extension": [{ "url": format!("{TDDUI}/tddui-goal-note"), "valueCode": "titreObjectif" }],
            "text": o.title,
        }],
    });
    let mut target = json!({});
    if let Some(d) = o.deadline {
        target["dueDate"] = json!(d.to_string());
    }
    if !o.indicators.is_empty() {
        target["detailString"] = json!(o.indicators);
    }
    if target.as_object().is_some_and(|t| !t.is_empty()) {
        goal["target"] = json!([target]);
    }
    if let Some(r) = &o.referent {
        goal["expressedBy"] =
            json!({ "identifier": { "system": ACCOUNT_SYSTEM, "value": r.account.to_string() }, "display": r.name });
    }
    if let Some((outcome, comment)) = outcome {
        let (code, display) = outcome.fhir_achievement();
        goal["achievementStatus"] = json!({
            "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/goal-achievement", "code": code, "display": display }],
            "text": outcome.label(),
        });
        if !comment.is_empty() {
            goal["statusReason"] = json!(comment);
        }
    }
    goal
}

/// The Goals of a plan: expectations then objectives.
pub fn goals(v: &CarePlanView, outcomes: &dyn Fn(&Objective) -> Option<(Outcome, String)>) -> Vec<Value> {
    let mut out = expectation_goals(v);
    for o in &v.content.objectives {
        let e = outcomes(o);
        out.push(objective_goal(v, o, e.as_ref().map(|(o, c)| (*o, c.as_str()))));
    }
    out
}

pub fn care_plan_to_json(v: &CarePlanView) -> Value {
    let c = v.content;
    let mut goal_refs: Vec<Value> = Expectation::ALL
        .into_iter()
        .filter(|e| !e.text(c).is_empty())
        .map(|e| json!({ "reference": format!("Goal/{}", e.goal_id(&v.id)) }))
        .collect();
    goal_refs.extend(c.objectives.iter().map(|o| json!({ "reference": format!("Goal/{}", o.id) })));
    let activity: Vec<Value> = c
        .objectives
        .iter()
        .flat_map(|o| {
            o.actions.iter().map(move |a| {
                let mut description = a.what.clone();
                if !a.frequency.is_empty() {
                    description.push_str(" — ");
                    description.push_str(&a.frequency);
                }
                json!({ "detail": {
                    "kind": "Task",
                    "status": match v.status { PlanStatus::Draft => "not-started", PlanStatus::Closed => "completed", _ => "in-progress" },
                    "description": description,
                    "goal": [{ "reference": format!("Goal/{}", o.id) }],
                    "performer": [{ "display": a.performer.label() }],
                } })
            })
        })
        .collect();
    let mut period = json!({ "start": v.start.to_string() });
    if let Some(d) = c.review_due {
        period["end"] = json!(d.to_string());
    }
    let mut plan = json!({
        "resourceType": "CarePlan",
        "id": v.id,
        "meta": { "profile": [format!("{TDDUI}/tddui-careplan-projet-perso")], "versionId": v.version.to_string(), "lastUpdated": v.last_updated },
        "identifier": [{ "system": IDENTIFIER_SYSTEM, "value": v.id }],
        "status": v.status.fhir_status(),
        "intent": "plan",
        "title": "Projet personnalisé",
        "subject": { "reference": format!("Patient/{}", v.patient_id) },
        "period": period,
        "goal": goal_refs,
        "activity": activity,
    });
    if !c.needs.is_empty() {
        plan["description"] = json!(c.needs);
    }
    // The grid evaluations added to the plan, each as the QuestionnaireResponse it is, with the
    // summary the plan kept (part of the plan's text: the printout shows it too). Goal has no
    // element that may reference a QuestionnaireResponse, so the objective an evaluation was
    // added under is named here, by an extension on the reference.
    let supporting: Vec<Value> = c
        .assessments
        .iter()
        .map(|l| {
            let mut r = json!({ "reference": format!("QuestionnaireResponse/{}", l.assessment), "display": l.summary });
            if let Some(o) = l.objective {
                r["extension"] = json!([{
                    "url": SUPPORTING_GOAL_EXTENSION,
                    "valueReference": { "reference": format!("Goal/{o}") },
                }]);
            }
            r
        })
        .collect();
    if !supporting.is_empty() {
        plan["supportingInfo"] = json!(supporting);
    }
    if let Some(a) = &c.agreement {
        plan["note"] = json!([{ "text": format!("{} le {}", a.kind.label(), a.given_on.strftime("%d/%m/%Y")) }]);
    }
    plan
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RefJson {
    reference: Option<String>,
    #[allow(dead_code)]
    display: Option<String>,
    identifier: Option<IdentifierJson>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct IdentifierJson {
    system: Option<String>,
    value: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CodingJson {
    system: Option<String>,
    code: Option<String>,
    #[allow(dead_code)]
    display: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConceptJson {
    #[serde(default)]
    coding: Vec<CodingJson>,
    text: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct ExtensionJson {
    url: String,
    value_reference: Option<RefJson>,
    #[allow(dead_code)]
    value_code: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct TargetJson {
    due_date: Option<String>,
    detail_string: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NoteJson {
    #[serde(default)]
    #[allow(dead_code)]
    extension: Vec<ExtensionJson>,
    text: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct GoalJson {
    #[allow(dead_code)]
    resource_type: String,
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    #[allow(dead_code)]
    meta: Option<Value>,
    #[serde(default)]
    #[allow(dead_code)]
    text: Option<Value>,
    #[serde(default)]
    extension: Vec<ExtensionJson>,
    #[serde(default)]
    identifier: Vec<IdentifierJson>,
    lifecycle_status: Option<String>,
    achievement_status: Option<Value>,
    status_reason: Option<Value>,
    #[serde(default)]
    category: Vec<ConceptJson>,
    description: Option<ConceptJson>,
    subject: Option<RefJson>,
    expressed_by: Option<RefJson>,
    #[serde(default)]
    target: Vec<TargetJson>,
    #[serde(default)]
    note: Vec<NoteJson>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PeriodJson {
    #[allow(dead_code)]
    start: Option<String>,
    end: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct CarePlanJson {
    #[allow(dead_code)]
    resource_type: String,
    #[serde(default)]
    #[allow(dead_code)]
    id: Option<String>,
    #[serde(default)]
    #[allow(dead_code)]
    meta: Option<Value>,
    #[serde(default)]
    #[allow(dead_code)]
    text: Option<Value>,
    #[serde(default)]
    identifier: Vec<IdentifierJson>,
    #[serde(default)]
    contained: Vec<Value>,
    status: Option<String>,
    intent: Option<String>,
    title: Option<String>,
    description: Option<String>,
    subject: Option<RefJson>,
    period: Option<PeriodJson>,
    #[serde(default)]
    goal: Vec<RefJson>,
    #[serde(default)]
    activity: Vec<Value>,
    #[serde(default)]
    note: Vec<Value>,
    #[serde(default)]
    supporting_info: Vec<Value>,
}

/// A new plan as sent: its expectations and needs, still to be checked by the use case.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CarePlanInput {
    pub patient: String,
    pub person_expectations: String,
    pub relatives_expectations: String,
    pub needs: String,
    pub review_due: String,
}

/// A new objective as sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GoalInput {
    pub plan: String,
    pub patient: String,
    pub title: String,
    pub deadline: String,
    pub indicators: String,
    /// The referent's account id, or empty.
    pub referent: String,
}

fn patient_of(r: Option<RefJson>, path: &str) -> Result<String, FhirError> {
    r.and_then(|r| r.reference)
        .and_then(|r| r.strip_prefix("Patient/").map(str::to_string))
        .filter(|p| !p.is_empty())
        .ok_or_else(|| FhirError::invalid("required", "subject (Patient/id) is required", path))
}

fn own_identifiers(ids: &[IdentifierJson], path: &str) -> Result<(), FhirError> {
    // Relais' own identifier (a resource read back) names what Relais assigns anew; another
    // system's would not be kept, so it is refused rather than dropped.
    if ids.iter().any(|i| i.system.as_deref() != Some(IDENTIFIER_SYSTEM)) {
        return Err(FhirError::invalid(
            "not-supported",
            format!("only {IDENTIFIER_SYSTEM} identifiers are accepted; others are not kept"),
            path,
        ));
    }
    Ok(())
}

fn day(v: Option<&str>, path: &str) -> Result<String, FhirError> {
    match v {
        None => Ok(String::new()),
        Some(d) if d.len() == 10 && d.parse::<Date>().is_ok() => Ok(d.to_string()),
        Some(_) => Err(FhirError::invalid("value", format!("{path} must be a day, YYYY-MM-DD"), path)),
    }
}

/// The category code of a Goal in Relais' system, if it has one.
fn goal_category(g: &GoalJson, path: &str) -> Result<Option<String>, FhirError> {
    let mut found = None;
    for coding in g.category.iter().flat_map(|c| &c.coding) {
        if coding.system.as_deref() != Some(GOAL_CATEGORY) {
            return Err(FhirError::invalid(
                "not-supported",
                format!("category must be a code of {GOAL_CATEGORY}"),
                path,
            ));
        }
        found = coding.code.clone();
    }
    Ok(found)
}

/// Reads a new projet personnalisé: status `draft`, intent `plan`, the needs in `description`,
/// the review date in `period.end`, and the expectations as contained Goals (category
/// `attente`, `expressedBy` the Patient for the person's own, anyone else for the relatives'),
/// each referenced from `goal`. Objectives are Goals created afterwards; activities, notes
/// and other Goals are refused by name.
pub fn parse_care_plan(body: &[u8]) -> Result<CarePlanInput, FhirError> {
    let c: CarePlanJson = super::read_resource(body, "CarePlan")?;
    own_identifiers(&c.identifier, "CarePlan.identifier")?;
    match c.status.as_deref() {
        Some("draft") => {}
        None => return Err(FhirError::invalid("required", "status is required (draft)", "CarePlan.status")),
        Some(_) => {
            return Err(FhirError::invalid(
                "value",
                "a projet personnalisé starts as a draft: status must be draft; it is validated in Relais",
                "CarePlan.status",
            ));
        }
    }
    if c.intent.as_deref() != Some("plan") {
        return Err(FhirError::invalid("value", "intent must be plan", "CarePlan.intent"));
    }
    if c.title.as_deref().is_some_and(|t| t != "Projet personnalisé") {
        return Err(FhirError::invalid("value", "title, when sent, must be « Projet personnalisé »", "CarePlan.title"));
    }
    if !c.activity.is_empty() {
        return Err(FhirError::invalid(
            "not-supported",
            "actions are added to the objectives in Relais, not with the plan",
            "CarePlan.activity",
        ));
    }
    if !c.note.is_empty() {
        return Err(FhirError::invalid(
            "not-supported",
            "the person's agreement is recorded in Relais once the plan is written",
            "CarePlan.note",
        ));
    }
    if !c.supporting_info.is_empty() {
        return Err(FhirError::invalid(
            "not-supported",
            "evaluations are added to the plan from their grid in Relais, not with the plan",
            "CarePlan.supportingInfo",
        ));
    }
    let patient = patient_of(c.subject, "CarePlan.subject")?;
    let review_due = day(c.period.and_then(|p| p.end).as_deref(), "CarePlan.period.end")?;
    let mut out = CarePlanInput { patient, needs: c.description.unwrap_or_default(), review_due, ..Default::default() };
    let mut referenced: Vec<String> = Vec::new();
    for r in c.goal {
        match r.reference.as_deref().and_then(|r| r.strip_prefix('#')) {
            Some(id) if !id.is_empty() => referenced.push(id.to_string()),
            _ => {
                return Err(FhirError::invalid(
                    "not-supported",
                    "goal may only reference contained expectations (#id); objectives are created as Goals of the plan",
                    "CarePlan.goal",
                ));
            }
        }
    }
    let mut seen: Vec<String> = Vec::new();
    for value in c.contained {
        let g: GoalJson = serde_json::from_value(value).map_err(|e| {
            FhirError::invalid(
                "not-supported",
                format!("contained must hold expectation Goals: {e}"),
                "CarePlan.contained",
            )
        })?;
        if g.resource_type != "Goal" || goal_category(&g, "CarePlan.contained")?.as_deref() != Some("attente") {
            return Err(FhirError::invalid(
                "not-supported",
                "contained must hold Goals of category attente (the expectations)",
                "CarePlan.contained",
            ));
        }
        let id = g.id.clone().unwrap_or_default();
        if !referenced.contains(&id) || seen.contains(&id) {
            return Err(FhirError::invalid(
                "value",
                "each contained expectation has its own id and is referenced from goal",
                "CarePlan.contained",
            ));
        }
        seen.push(id);
        if !g.extension.is_empty() || !g.target.is_empty() || !g.note.is_empty() || g.achievement_status.is_some() {
            return Err(FhirError::invalid(
                "not-supported",
                "an expectation is a text and who expressed it; nothing else is kept",
                "CarePlan.contained",
            ));
        }
        let text = g.description.and_then(|d| d.text).unwrap_or_default();
        let by_person = match &g.expressed_by {
            Some(r) => r.reference.as_deref().is_some_and(|r| r.starts_with("Patient/")),
            None => {
                return Err(FhirError::invalid(
                    "required",
                    "expressedBy says whose expectation it is (the Patient, or the relatives)",
                    "CarePlan.contained",
                ));
            }
        };
        let slot = if by_person { &mut out.person_expectations } else { &mut out.relatives_expectations };
        if !slot.is_empty() {
            return Err(FhirError::invalid(
                "value",
                "one expectation of the person and one of the relatives at most",
                "CarePlan.contained",
            ));
        }
        *slot = text;
    }
    if let Some(missing) = referenced.iter().find(|r| !seen.contains(r)) {
        return Err(FhirError::invalid(
            "value",
            format!("goal #{} is not contained", missing.chars().take(60).collect::<String>()),
            "CarePlan.goal",
        ));
    }
    Ok(out)
}

/// Reads a new objective: a Goal (category `objectif`) naming its plan by the TDDUI CarePlan
/// reference extension, its title in `description`, `target.dueDate` and `target.detailString`
/// (indicators), its referent in `expressedBy.identifier` (Relais account). Evaluations are
/// recorded at the plan's review in Relais: sent ones are refused.
pub fn parse_goal(body: &[u8]) -> Result<GoalInput, FhirError> {
    let g: GoalJson = super::read_resource(body, "Goal")?;
    own_identifiers(&g.identifier, "Goal.identifier")?;
    match goal_category(&g, "Goal.category")?.as_deref() {
        None | Some("objectif") => {}
        Some(_) => {
            return Err(FhirError::invalid(
                "not-supported",
                "expectations are written on the CarePlan; a Goal created alone is an objective",
                "Goal.category",
            ));
        }
    }
    match g.lifecycle_status.as_deref() {
        Some("proposed" | "active") => {}
        None => return Err(FhirError::invalid("required", "lifecycleStatus is required", "Goal.lifecycleStatus")),
        Some(_) => {
            return Err(FhirError::invalid(
                "value",
                "a new objective is proposed (draft plan) or active",
                "Goal.lifecycleStatus",
            ));
        }
    }
    if g.achievement_status.is_some() || g.status_reason.is_some() {
        return Err(FhirError::invalid(
            "not-supported",
            "objectives are evaluated at the plan's review in Relais",
            if g.achievement_status.is_some() { "Goal.achievementStatus" } else { "Goal.statusReason" },
        ));
    }
    let mut plan = None;
    for e in g.extension {
        let target = e.value_reference.and_then(|r| r.reference);
        match (e.url.as_str(), target.as_deref().and_then(|r| r.strip_prefix("CarePlan/"))) {
            (CAREPLAN_REFERENCE_EXTENSION, Some(id)) if plan.is_none() && !id.is_empty() => plan = Some(id.to_string()),
            (CAREPLAN_REFERENCE_EXTENSION, _) => {
                return Err(FhirError::invalid(
                    "value",
                    "one CarePlan reference (CarePlan/id) in valueReference",
                    "Goal.extension",
                ));
            }
            (other, _) => {
                return Err(FhirError::invalid(
                    "not-supported",
                    format!("extension not supported: {}", other.chars().take(100).collect::<String>()),
                    "Goal.extension",
                ));
            }
        }
    }
    let plan = plan.ok_or_else(|| {
        FhirError::invalid(
            "required",
            format!("the plan is named by the extension {CAREPLAN_REFERENCE_EXTENSION} (valueReference CarePlan/id)"),
            "Goal.extension",
        )
    })?;
    let patient = patient_of(g.subject, "Goal.subject")?;
    let title = g.description.and_then(|d| d.text).unwrap_or_default();
    if g.note.iter().any(|n| n.text.as_deref() != Some(title.as_str())) {
        return Err(FhirError::invalid(
            "not-supported",
            "a note may only repeat the title (titreObjectif); other notes are not kept",
            "Goal.note",
        ));
    }
    if g.target.len() > 1 {
        return Err(FhirError::invalid("value", "one target at most", "Goal.target"));
    }
    let target = g.target.into_iter().next();
    let deadline = day(target.as_ref().and_then(|t| t.due_date.as_deref()), "Goal.target.dueDate")?;
    let indicators = target.and_then(|t| t.detail_string).unwrap_or_default();
    let referent = match g.expressed_by {
        None => String::new(),
        Some(RefJson { identifier: Some(IdentifierJson { system: Some(s), value: Some(v) }), .. })
            if s == ACCOUNT_SYSTEM =>
        {
            v
        }
        Some(_) => {
            return Err(FhirError::invalid(
                "value",
                format!("expressedBy names the referent by identifier ({ACCOUNT_SYSTEM}), as read back"),
                "Goal.expressedBy",
            ));
        }
    };
    Ok(GoalInput { plan, patient, title, deadline, indicators, referent })
}

#[cfg(test)]
mod tests {
    use super::*;
    use relais_domain::ids::AssessmentId;
    use relais_domain::support_plan::{AssessmentLink, Performer, check_action, check_objective};

    #[test]
    fn a_plan_and_its_goals_name_each_other() {
        let mut o = check_objective("Marcher", "01/03/2027", "Trois sorties par semaine", None).unwrap();
        o.actions
            .push(check_action(Performer::Profile { profile: "care_aide".into() }, "Accompagner", "le matin").unwrap());
        let content =
            PlanContent { person_expectations: "Sortir".into(), objectives: vec![o.clone()], ..Default::default() };
        let v = CarePlanView {
            id: "p1".into(),
            patient_id: "x".into(),
            status: PlanStatus::InProgress,
            version: 3,
            content: &content,
            start: jiff::civil::date(2026, 1, 2),
            last_updated: String::new(),
        };
        let cp = care_plan_to_json(&v);
        assert!(cp.get("supportingInfo").is_none(), "no evaluation linked: {cp}");
        assert_eq!(cp["status"], "active");
        assert_eq!(cp["meta"]["versionId"], "3");
        assert_eq!(cp["goal"].as_array().unwrap().len(), 2);
        assert_eq!(cp["activity"][0]["detail"]["description"], "Accompagner — le matin");
        assert_eq!(cp["activity"][0]["detail"]["performer"][0]["display"], "Aide-soignant");
        let goals = goals(&v, &|_| Some((Outcome::NotAchieved, "trop fatiguée".into())));
        assert_eq!(goals.len(), 2);
        assert_eq!(goals[0]["id"], "p1-attente-personne");
        assert_eq!(Expectation::parse_goal_id("p1-attente-proches"), Some(("p1", Expectation::Relatives)));
        assert_eq!(goals[1]["achievementStatus"]["coding"][0]["code"], "not-achieved");
        assert_eq!(goals[1]["target"][0]["dueDate"], "2027-03-01");
        assert_eq!(goals[1]["statusReason"], "trop fatiguée");
        // An objective read back (without its evaluation) is a Goal to create.
        let mut goal = objective_goal(&v, &o, None);
        let back = parse_goal(goal.to_string().as_bytes()).unwrap();
        assert_eq!(
            (back.plan.as_str(), back.title.as_str(), back.deadline.as_str(), back.indicators.as_str()),
            ("p1", "Marcher", "2027-03-01", "Trois sorties par semaine")
        );
        goal["category"] = category("attente", "Attente");
        assert_eq!(parse_goal(goal.to_string().as_bytes()).unwrap_err().expression.as_deref(), Some("Goal.category"));
        assert_eq!(parse_goal(goals[1].to_string().as_bytes()).unwrap_err().code, "not-supported");
    }

    #[test]
    fn linked_evaluations_are_supporting_info() {
        let o = check_objective("Prévenir les escarres", "", "", None).unwrap();
        let link = |n: u128, objective| AssessmentLink {
            assessment: AssessmentId(uuid::Uuid::from_u128(n)),
            objective,
            instrument: "braden".into(),
            summary: format!("Braden {n}/23"),
            assessed_on: jiff::civil::date(2026, 11, 2),
            linked_by: "Infirmier".into(),
            linked_at: 0,
        };
        let content = PlanContent {
            objectives: vec![o.clone()],
            assessments: vec![link(12, None), link(14, Some(o.id))],
            ..Default::default()
        };
        let v = CarePlanView {
            id: "p1".into(),
            patient_id: "x".into(),
            status: PlanStatus::Draft,
            version: 1,
            content: &content,
            start: jiff::civil::date(2026, 1, 2),
            last_updated: String::new(),
        };
        let cp = care_plan_to_json(&v);
        let info = cp["supportingInfo"].as_array().unwrap();
        assert_eq!(info.len(), 2);
        assert_eq!(info[0]["reference"], format!("QuestionnaireResponse/{}", uuid::Uuid::from_u128(12)));
        assert_eq!(info[0]["display"], "Braden 12/23");
        assert!(info[0].get("extension").is_none(), "an assessed need names no objective");
        assert_eq!(info[1]["extension"][0]["url"], SUPPORTING_GOAL_EXTENSION);
        assert_eq!(info[1]["extension"][0]["valueReference"]["reference"], format!("Goal/{}", o.id));
        // Sent back to create a plan: refused by name, not dropped.
        let mut body = cp.clone();
        body["goal"] = json!([]);
        body["activity"] = json!([]);
        let err = parse_care_plan(body.to_string().as_bytes()).unwrap_err();
        assert_eq!(err.expression.as_deref(), Some("CarePlan.supportingInfo"), "{err:?}");
    }

    #[test]
    fn a_draft_plan_carries_its_expectations_contained() {
        let body = json!({
            "resourceType": "CarePlan",
            "status": "draft",
            "intent": "plan",
            "subject": { "reference": "Patient/x" },
            "description": "Aide à la toilette",
            "period": { "end": "2027-06-30" },
            "contained": [
                { "resourceType": "Goal", "id": "a", "lifecycleStatus": "proposed", "category": category("attente", "Attente"),
                  "description": { "text": "Sortir" }, "subject": { "reference": "Patient/x" }, "expressedBy": { "reference": "Patient/x" } },
                { "resourceType": "Goal", "id": "b", "lifecycleStatus": "proposed", "category": category("attente", "Attente"),
                  "description": { "text": "Qu'elle mange mieux" }, "subject": { "reference": "Patient/x" }, "expressedBy": { "display": "Proches" } }
            ],
            "goal": [{ "reference": "#a" }, { "reference": "#b" }]
        });
        let input = parse_care_plan(body.to_string().as_bytes()).unwrap();
        assert_eq!(input.person_expectations, "Sortir");
        assert_eq!(input.relatives_expectations, "Qu'elle mange mieux");
        assert_eq!((input.needs.as_str(), input.review_due.as_str()), ("Aide à la toilette", "2027-06-30"));
        let mut active = body.clone();
        active["status"] = json!("active");
        assert_eq!(
            parse_care_plan(active.to_string().as_bytes()).unwrap_err().expression.as_deref(),
            Some("CarePlan.status")
        );
        let mut unreferenced = body;
        unreferenced["goal"] = json!([{ "reference": "#a" }]);
        assert_eq!(parse_care_plan(unreferenced.to_string().as_bytes()).unwrap_err().code, "value");
    }
}
