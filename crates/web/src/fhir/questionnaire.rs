//! FHIR QuestionnaireResponse: AGGIR evaluations and evaluations with the configurable grids
//! (read, search by patient, create), checked exactly as the forms check them.

use super::{ApiActor, FhirBody, Outcome, fhir_response, form_pairs};
use crate::AppState;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::Response;
use relais_app::AppError;
use relais_app::assessments::{AggirEvaluation, AggirInput, ItemInput};
use relais_app::grids::{GridEvaluation, GridInput};
use relais_domain::DomainError;
use relais_domain::ids::{AssessmentId, PersonId};
use relais_interop::fhir::{self, questionnaire_response as qr};
use serde_json::Value;

fn aggir_json(e: &AggirEvaluation) -> Value {
    let r = &e.record;
    qr::aggir_to_json(&qr::AggirView {
        id: r.id.to_string(),
        patient_id: r.person_id.to_string(),
        authored: r.assessed_on.to_string(),
        author: &r.author_label,
        last_updated: fhir::instant(r.recorded_at),
        grid: &e.grid,
        ranking: e.ranking,
        comment: &r.comment,
    })
}

fn grid_json(e: &GridEvaluation) -> Value {
    let r = &e.record;
    qr::grid_to_json(&qr::GridView {
        id: r.id.to_string(),
        patient_id: r.person_id.to_string(),
        authored: r.assessed_on.to_string(),
        author: &r.author_label,
        last_updated: fhir::instant(r.recorded_at),
        definition: e.definition,
        answers: &e.answers,
        comment: &r.comment,
    })
}

pub(super) async fn read_questionnaire_response(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Response, Outcome> {
    let id: AssessmentId = id.parse().map_err(|_| Outcome::from(AppError::NotFound))?;
    // Each reader answers not found for the other's evaluations.
    let body = match state.app.aggir_evaluation(&actor, id).await {
        Ok(e) => aggir_json(&e),
        Err(AppError::NotFound) => grid_json(&state.app.grid_evaluation(&actor, id).await?),
        Err(e) => return Err(e.into()),
    };
    Ok(fhir_response(StatusCode::OK, body))
}

/// Evaluations of a patient, newest first; `questionnaire` keeps one grid.
pub(super) async fn search_questionnaire_responses(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    uri: Uri,
    RawQuery(raw): RawQuery,
) -> Result<Response, Outcome> {
    let mut patient: Option<String> = None;
    let mut instrument: Option<String> = None;
    for (k, v) in form_pairs(raw.as_deref().unwrap_or(""))? {
        match k.as_str() {
            "patient" | "subject" => patient = Some(v.trim_start_matches("Patient/").to_string()),
            "questionnaire" => {
                let known = qr::instrument_of(&v).filter(|c| {
                    *c == relais_app::store::assessments::AGGIR
                        || relais_domain::instrument::find(c).ok().flatten().is_some()
                });
                match known {
                    Some(c) => instrument = Some(c.to_string()),
                    None => {
                        return Err(Outcome::new(
                            StatusCode::BAD_REQUEST,
                            "not-supported",
                            "questionnaire must be urn:relais:questionnaire:<grid> (aggir, mna, braden, morse, free)",
                        ));
                    }
                }
            }
            other => {
                return Err(Outcome::new(
                    StatusCode::BAD_REQUEST,
                    "not-supported",
                    format!("search parameter not supported: {}", other.chars().take(60).collect::<String>()),
                ));
            }
        }
    }
    let patient =
        patient.ok_or_else(|| Outcome::new(StatusCode::BAD_REQUEST, "required", "patient (or subject) is required"))?;
    let Ok(person) = patient.parse::<PersonId>() else {
        return Ok(fhir_response(StatusCode::OK, fhir::searchset("/fhir", &uri.to_string(), vec![])));
    };
    let wants = |code: &str| instrument.as_deref().is_none_or(|i| i == code);
    // (day, recorded at, resource), to order AGGIR and grid evaluations together.
    let mut found: Vec<(jiff::civil::Date, i64, Value)> = Vec::new();
    if wants(relais_app::store::assessments::AGGIR) {
        match state.app.aggir_history(&actor, person).await {
            Ok(h) => {
                found.extend(h.evaluations.iter().map(|e| (e.record.assessed_on, e.record.recorded_at, aggir_json(e))))
            }
            Err(AppError::NotFound) => {}
            Err(e) => return Err(e.into()),
        }
    }
    if instrument.as_deref().is_none_or(|i| i != relais_app::store::assessments::AGGIR) {
        match state.app.grid_evaluations(&actor, person).await {
            Ok(list) => found.extend(
                list.iter()
                    .filter(|e| wants(&e.definition.code))
                    .map(|e| (e.record.assessed_on, e.record.recorded_at, grid_json(e))),
            ),
            Err(AppError::NotFound) => {}
            Err(e) => return Err(e.into()),
        }
    }
    found.sort_by_key(|f| std::cmp::Reverse((f.0, f.1)));
    let entries = found.into_iter().map(|(_, _, v)| v).collect();
    Ok(fhir_response(StatusCode::OK, fhir::searchset("/fhir", &uri.to_string(), entries)))
}

/// Where an error of the application points in the resource.
fn expression(e: &DomainError) -> String {
    match e.field {
        "assessed_on" => "QuestionnaireResponse.authored".into(),
        "comment" => "QuestionnaireResponse.item.where(linkId='comment')".into(),
        "aggir" | "instrument" => "QuestionnaireResponse.item".into(),
        item => format!("QuestionnaireResponse.item.where(linkId='{item}')"),
    }
}

/// Records an evaluation (AGGIR or a grid) sent by an API client: the questionnaire canonical
/// names the grid, the answers go through the same checks as the form, the score is computed.
pub(super) async fn create_questionnaire_response(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    FhirBody(body): FhirBody,
) -> Result<Response, Outcome> {
    let input = qr::parse_questionnaire_response(&body)?;
    let patient_missing = || Outcome {
        expression: Some("QuestionnaireResponse.subject".into()),
        ..Outcome::new(StatusCode::UNPROCESSABLE_ENTITY, "not-found", "the Patient does not exist")
    };
    let person: PersonId = input.patient.parse().map_err(|_| patient_missing())?;
    let map_err = |e: AppError| match e {
        AppError::NotFound => patient_missing(),
        AppError::Invalid(errors) => Outcome {
            expression: errors.first().map(expression),
            ..Outcome::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                if errors.iter().any(|e| e.code == "item-required") { "required" } else { "value" },
                errors
                    .iter()
                    .map(|e| format!("{} [{}]: {}", e.field, e.code, e.message))
                    .collect::<Vec<_>>()
                    .join("; "),
            )
        },
        other => other.into(),
    };
    let (id, read_back) = if input.instrument == relais_app::store::assessments::AGGIR {
        if let Some((link, _)) = input.answers.iter().find(|(l, _)| l == "rank" || l == "gir") {
            return Err(Outcome {
                expression: Some(format!("QuestionnaireResponse.item.where(linkId='{link}')")),
                ..Outcome::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "value",
                    "the rank and the GIR are computed by the server, not sent",
                )
            });
        }
        let items = input
            .answers
            .iter()
            .map(|(item, code)| ItemInput { item: item.clone(), coded: Some(code.clone()), ..Default::default() })
            .collect();
        let aggir = AggirInput { assessed_on: input.authored.clone(), items, comment: input.comment.clone() };
        let id = state.app.record_aggir(&actor, person, &aggir).await.map_err(map_err)?;
        let back = state.app.aggir_evaluation(&actor, id).await.map(|e| aggir_json(&e));
        (id, back)
    } else {
        // An unknown grid, or a version no longer offered, is the questionnaire's fault.
        let offered = relais_domain::instrument::find(&input.instrument).ok().flatten();
        if let (Some(d), Some(v)) = (offered, input.version)
            && d.version != v
        {
            return Err(Outcome {
                expression: Some("QuestionnaireResponse.questionnaire".into()),
                ..Outcome::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "not-supported",
                    format!("{} is at version {}: answer that version", qr::questionnaire_of(&d.code), d.version),
                )
            });
        }
        if offered.is_none() {
            return Err(Outcome {
                expression: Some("QuestionnaireResponse.questionnaire".into()),
                ..Outcome::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "not-supported",
                    format!(
                        "no questionnaire {} here (aggir, mna, braden, morse, free)",
                        qr::questionnaire_of(&input.instrument)
                    ),
                )
            });
        }
        let grid = GridInput {
            assessed_on: input.authored.clone(),
            answers: input.answers.clone(),
            comment: input.comment.clone(),
        };
        let e = state.app.record_grid(&actor, person, &input.instrument, &grid).await.map_err(map_err)?;
        let id = e.record.id;
        (id, state.app.grid_evaluation(&actor, id).await.map(|e| grid_json(&e)))
    };
    let body = match read_back {
        Ok(v) => v,
        Err(AppError::Forbidden) => {
            fhir::operation_outcome("information", "informational", "created; this token may not read it back", None)
        }
        Err(e) => return Err(e.into()),
    };
    let mut res = fhir_response(StatusCode::CREATED, body);
    if let Ok(v) = HeaderValue::from_str(&format!("/fhir/QuestionnaireResponse/{id}")) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    Ok(res)
}
