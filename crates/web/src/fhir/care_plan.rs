//! FHIR CarePlan and Goal (read, search by patient, create): the projet personnalisé, its expectations and objectives.

use super::{ApiActor, FhirBody, Outcome, create_error, created, fhir_response, form_pairs, missing_reference};

use crate::AppState;
use axum::extract::{Path, RawQuery, State};
use axum::http::{StatusCode, Uri};
use axum::response::Response;
use relais_app::AppError;
use relais_app::support_plans::{FHIR_RESOURCE, FhirPlan, ObjectiveInput, PlanDetailsInput};
use relais_domain::ids::{ObjectiveId, PersonId, SupportPlanId};
use relais_domain::scope::Access;
use relais_interop::fhir::{self, care_plan};
use serde_json::Value;

fn view<'a>(
    p: &'a FhirPlan,
    content: &'a relais_domain::support_plan::PlanContent,
    version: i64,
    tz: &jiff::tz::TimeZone,
) -> care_plan::CarePlanView<'a> {
    care_plan::CarePlanView {
        id: p.plan.id.to_string(),
        patient_id: p.plan.person_id.to_string(),
        status: p.plan.status,
        version,
        content,
        start: p
            .versions
            .first()
            .map(|v| relais_app::store::support_plans::start_date(v, tz))
            .unwrap_or(jiff::civil::Date::MIN),
        last_updated: fhir::instant(p.plan.updated_at),
    }
}

fn care_plan_json(p: &FhirPlan, tz: &jiff::tz::TimeZone) -> Option<Value> {
    let current = p.current()?;
    Some(care_plan::care_plan_to_json(&view(p, &current.content, current.version, tz)))
}

fn goals_json(p: &FhirPlan, tz: &jiff::tz::TimeZone) -> Vec<Value> {
    let Some(current) = p.current() else { return vec![] };
    let v = view(p, &current.content, current.version, tz);
    care_plan::goals(&v, &|o| p.evaluation(o.id).map(|e| (e.outcome, e.comment.clone())))
}

/// Reads `patient` (or `subject`) and nothing else from a search.
fn patient_param(raw: Option<&str>) -> Result<String, Outcome> {
    let mut patient = None;
    for (k, v) in form_pairs(raw.unwrap_or(""))? {
        match k.as_str() {
            "patient" | "subject" => patient = Some(v.trim_start_matches("Patient/").to_string()),
            other => {
                return Err(Outcome::new(
                    StatusCode::BAD_REQUEST,
                    "not-supported",
                    format!("search parameter not supported: {}", other.chars().take(60).collect::<String>()),
                ));
            }
        }
    }
    patient.ok_or_else(|| Outcome::new(StatusCode::BAD_REQUEST, "required", "patient (or subject) is required"))
}

async fn plans_of(
    state: &AppState,
    actor: &relais_app::Actor,
    patient: &str,
    resource: &'static str,
) -> Result<Vec<FhirPlan>, Outcome> {
    match patient.parse::<PersonId>() {
        Ok(person) => match state.app.fhir_support_plans(actor, person, resource).await {
            Ok(list) => Ok(list),
            Err(AppError::NotFound) => Ok(vec![]),
            Err(e) => Err(e.into()),
        },
        Err(_) => Ok(vec![]),
    }
}

pub(super) async fn search_care_plans(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    uri: Uri,
    RawQuery(raw): RawQuery,
) -> Result<Response, Outcome> {
    let patient = patient_param(raw.as_deref())?;
    let tz = state.app.time_zone();
    let entries =
        plans_of(&state, &actor, &patient, "CarePlan").await?.iter().filter_map(|p| care_plan_json(p, tz)).collect();
    Ok(fhir_response(StatusCode::OK, fhir::searchset("/fhir", &uri.to_string(), entries)))
}

pub(super) async fn read_care_plan(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Response, Outcome> {
    let id: SupportPlanId = id.parse().map_err(|_| Outcome::from(AppError::NotFound))?;
    let p = state.app.fhir_support_plan(&actor, id, "CarePlan").await?;
    let body = care_plan_json(&p, state.app.time_zone()).ok_or_else(|| Outcome::from(AppError::NotFound))?;
    Ok(fhir_response(StatusCode::OK, body))
}

pub(super) async fn search_goals(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    uri: Uri,
    RawQuery(raw): RawQuery,
) -> Result<Response, Outcome> {
    let patient = patient_param(raw.as_deref())?;
    let tz = state.app.time_zone();
    let entries = plans_of(&state, &actor, &patient, "Goal").await?.iter().flat_map(|p| goals_json(p, tz)).collect();
    Ok(fhir_response(StatusCode::OK, fhir::searchset("/fhir", &uri.to_string(), entries)))
}

pub(super) async fn read_goal(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Response, Outcome> {
    let not_found = || Outcome::from(AppError::NotFound);
    let tz = state.app.time_zone();
    if let Some((plan, which)) = care_plan::Expectation::parse_goal_id(&id) {
        let plan: SupportPlanId = plan.parse().map_err(|_| not_found())?;
        let p = state.app.fhir_support_plan(&actor, plan, "Goal").await?;
        let current = p.current().ok_or_else(not_found)?;
        let v = view(&p, &current.content, current.version, tz);
        return care_plan::expectation_goals(&v)
            .into_iter()
            .find(|g| g["id"] == which.goal_id(&v.id).as_str())
            .map(|g| fhir_response(StatusCode::OK, g))
            .ok_or_else(not_found);
    }
    let objective: ObjectiveId = id.parse().map_err(|_| not_found())?;
    let p = state.app.fhir_objective_plan(&actor, objective).await?;
    let (version, o) =
        p.versions.iter().rev().find_map(|v| v.content.objective(objective).map(|o| (v, o))).ok_or_else(not_found)?;
    let v = view(&p, &version.content, version.version, tz);
    let e = p.evaluation(objective);
    Ok(fhir_response(StatusCode::OK, care_plan::objective_goal(&v, o, e.map(|e| (e.outcome, e.comment.as_str())))))
}

fn care_plan_path(field: &str) -> &'static str {
    match field {
        "person_expectations" | "relatives_expectations" => "CarePlan.contained",
        "needs" => "CarePlan.description",
        "review_due" => "CarePlan.period.end",
        "plan" => "CarePlan.subject",
        _ => "CarePlan",
    }
}

fn goal_path(field: &str) -> &'static str {
    match field {
        "objective_title" => "Goal.description",
        "deadline" => "Goal.target.dueDate",
        "indicators" => "Goal.target.detailString",
        "referent" => "Goal.expressedBy",
        "subject" => "Goal.subject",
        "plan_status" => "Goal.extension",
        _ => "Goal",
    }
}

/// Starts a draft projet personnalisé through the same use case as the person's page.
pub(super) async fn create_care_plan(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    FhirBody(body): FhirBody,
) -> Result<Response, Outcome> {
    actor.require_scope(FHIR_RESOURCE, Access::Write)?;
    let input = care_plan::parse_care_plan(&body)?;
    let person: PersonId = input.patient.parse().map_err(|_| missing_reference("CarePlan.subject", "Patient"))?;
    let details = PlanDetailsInput {
        person_expectations: input.person_expectations,
        relatives_expectations: input.relatives_expectations,
        needs: input.needs,
        review_due: input.review_due,
    };
    let id = state.app.create_support_plan_for_api(&actor, person, &details).await.map_err(|e| match e {
        AppError::NotFound => missing_reference("CarePlan.subject", "Patient"),
        other => create_error(other, care_plan_path),
    })?;
    let tz = state.app.time_zone();
    let read_back = state
        .app
        .fhir_support_plan(&actor, id, "CarePlan")
        .await
        .and_then(|p| care_plan_json(&p, tz).ok_or(AppError::NotFound));
    created(format!("/fhir/CarePlan/{id}"), read_back)
}

/// Adds an objective to the working version of a plan through the same use case as the plan's page.
pub(super) async fn create_goal(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    FhirBody(body): FhirBody,
) -> Result<Response, Outcome> {
    actor.require_scope("Goal", Access::Write)?;
    let input = care_plan::parse_goal(&body)?;
    let plan: SupportPlanId = input.plan.parse().map_err(|_| missing_reference("Goal.extension", "CarePlan"))?;
    let person: PersonId = input.patient.parse().map_err(|_| missing_reference("Goal.subject", "Patient"))?;
    let objective = ObjectiveInput {
        title: input.title,
        referent: input.referent,
        deadline: input.deadline,
        indicators: input.indicators,
    };
    let id = state.app.add_objective_for_api(&actor, plan, person, &objective).await.map_err(|e| match e {
        AppError::NotFound => missing_reference("Goal.extension", "CarePlan"),
        other => create_error(other, goal_path),
    })?;
    let tz = state.app.time_zone();
    let read_back = state.app.fhir_objective_plan(&actor, id).await.and_then(|p| {
        let version = p.versions.iter().rev().find(|v| v.content.objective(id).is_some()).ok_or(AppError::NotFound)?;
        let o = version.content.objective(id).ok_or(AppError::NotFound)?;
        let v = view(&p, &version.content, version.version, tz);
        Ok(care_plan::objective_goal(&v, o, None))
    });
    created(format!("/fhir/Goal/{id}"), read_back)
}
