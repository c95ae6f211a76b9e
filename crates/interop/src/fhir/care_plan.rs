//! FHIR CarePlan and Goal out: a projet personnalisé and its expectations and objectives, shaped after the ANS TDDUI profiles.

use jiff::civil::Date;
use relais_domain::support_plan::{Objective, Outcome, PlanContent, PlanStatus};
use serde_json::{Value, json};

const TDDUI: &str = "https://interop.esante.gouv.fr/ig/fhir/tddui/StructureDefinition";
/// Relais' code system for the kind of Goal: the person's or relatives' expectation, or an objective.
pub const GOAL_CATEGORY: &str = "urn:relais:goal-category";
/// Identifiers of plans and goals within Relais.
pub const IDENTIFIER_SYSTEM: &str = "urn:relais:support-plan";

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
    json!({ "url": format!("{TDDUI}/tddui-careplan-reference"), "valueReference": { "reference": format!("CarePlan/{}", v.id) } })
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
        goal["expressedBy"] = json!({ "display": r.name });
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
    if let Some(a) = &c.agreement {
        plan["note"] = json!([{ "text": format!("{} le {}", a.kind.label(), a.given_on.strftime("%d/%m/%Y")) }]);
    }
    plan
}

#[cfg(test)]
mod tests {
    use super::*;
    use relais_domain::support_plan::{Performer, check_action, check_objective};

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
    }
}
