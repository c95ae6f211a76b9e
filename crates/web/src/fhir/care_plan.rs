//! FHIR CarePlan and Goal (read, search by patient): the projet personnalisé, its expectations and objectives.

use super::{ApiActor, Outcome, fhir_response, form_pairs};

use crate::AppState;
use axum::extract::{Path, RawQuery, State};
use axum::http::{StatusCode, Uri};
use axum::response::Response;
use relais_app::AppError;
use relais_app::support_plans::FhirPlan;
use relais_domain::ids::{ObjectiveId, PersonId, SupportPlanId};
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
