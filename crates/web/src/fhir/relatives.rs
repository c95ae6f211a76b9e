//! FHIR RelatedPerson and Consent (read, search by patient, create).

use super::{ApiActor, FhirBody, Outcome, create_error, created, fhir_response, form_pairs, missing_reference};
use crate::AppState;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::Response;
use relais_app::AppError;
use relais_app::relatives::{CONSENT, ConsentInput, RelativeInput, in_force};
use relais_app::store::relatives::{Consent, Relative};
use relais_domain::ids::{ConsentId, PersonId, RelativeId};
use relais_domain::scope::Access;
use relais_interop::fhir::{self, relatives as fr};
use serde_json::Value;

fn related_person_json(c: &Relative) -> Value {
    fr::related_person_to_json(&fr::RelatedPersonView {
        id: c.lineage_id.to_string(),
        patient_id: c.person_id.to_string(),
        family_name: &c.family_name,
        given_name: &c.given_name,
        relationship: c.relationship,
        roles: &c.roles,
        sharing: &c.sharing,
        phones: [c.phone.as_str(), c.phone2.as_str()].into_iter().filter(|p| !p.is_empty()).collect(),
        email: &c.email,
        address: &c.address,
        trusted_since: c.trusted_since.map(|d| d.to_string()),
        version: c.version,
        last_updated: fhir::instant(c.recorded_at),
    })
}

fn consent_json(k: &Consent, in_force: bool) -> Value {
    fr::consent_to_json(&fr::ConsentView {
        id: k.id.to_string(),
        patient_id: k.person_id.to_string(),
        purpose: k.purpose,
        purpose_text: &k.purpose_text,
        status: k.status,
        in_force,
        decided_on: k.decided_on.to_string(),
        by_contact: k.by_contact.map(|c| c.to_string()),
        needs_review: k.needs_review,
        document_id: k.document_id.map(|d| d.to_string()),
        last_updated: fhir::instant(k.recorded_at),
    })
}

fn not_found() -> Outcome {
    Outcome::from(AppError::NotFound)
}

/// The `patient` (or `subject`) of a search, and nothing else.
fn patient_param(raw: Option<&str>) -> Result<String, Outcome> {
    let mut patient = None;
    for (k, v) in form_pairs(raw.unwrap_or(""))? {
        match k.as_str() {
            "patient" => patient = Some(v.trim_start_matches("Patient/").to_string()),
            other => {
                return Err(Outcome::new(
                    StatusCode::BAD_REQUEST,
                    "not-supported",
                    format!("search parameter not supported: {}", other.chars().take(60).collect::<String>()),
                ));
            }
        }
    }
    patient.ok_or_else(|| Outcome::new(StatusCode::BAD_REQUEST, "required", "patient is required"))
}

fn contact_path(field: &str) -> &'static str {
    match field {
        "family_name" | "given_name" => "RelatedPerson.name",
        "relationship" | "roles" => "RelatedPerson.relationship",
        "phone" | "phone2" | "email" => "RelatedPerson.telecom",
        "address" => "RelatedPerson.address",
        "sharing" | "trusted_since" => "RelatedPerson.extension",
        _ => "RelatedPerson",
    }
}

pub(super) async fn create_related_person(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    FhirBody(body): FhirBody,
) -> Result<Response, Outcome> {
    let input = fr::parse_related_person(&body)?;
    let patient_missing = || Outcome {
        expression: Some("RelatedPerson.patient".into()),
        ..Outcome::new(StatusCode::UNPROCESSABLE_ENTITY, "not-found", "the Patient does not exist")
    };
    let person: PersonId = input.patient.parse().map_err(|_| patient_missing())?;
    let mut phones = input.phones.into_iter();
    let contact = RelativeInput {
        family_name: input.family_name,
        given_name: input.given_name,
        relationship: input.relationship,
        roles: input.roles,
        sharing: input.sharing,
        phone: phones.next().unwrap_or_default(),
        phone2: phones.next().unwrap_or_default(),
        email: input.email,
        address: input.address,
        trusted_since: input.trusted_since,
        ..Default::default()
    };
    let id = state.app.add_contact(&actor, person, &contact).await.map_err(|e| match e {
        AppError::NotFound => patient_missing(),
        AppError::Invalid(errors) => Outcome {
            expression: errors.first().map(|e| contact_path(e.field).to_string()),
            ..Outcome::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "value",
                errors
                    .iter()
                    .map(|e| format!("{} [{}]: {}", e.field, e.code, e.message))
                    .collect::<Vec<_>>()
                    .join("; "),
            )
        },
        other => other.into(),
    })?;
    let body = match state.app.contact_for_api(&actor, id).await {
        Ok(c) => related_person_json(&c),
        Err(AppError::Forbidden) => {
            fhir::operation_outcome("information", "informational", "created; this token may not read it back", None)
        }
        Err(e) => return Err(e.into()),
    };
    let mut res = fhir_response(StatusCode::CREATED, body);
    if let Ok(v) = HeaderValue::from_str(&format!("/fhir/RelatedPerson/{id}")) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    Ok(res)
}

pub(super) async fn read_related_person(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Response, Outcome> {
    let id: RelativeId = id.parse().map_err(|_| not_found())?;
    let c = state.app.contact_for_api(&actor, id).await?;
    Ok(fhir_response(StatusCode::OK, related_person_json(&c)))
}

pub(super) async fn search_related_persons(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    uri: Uri,
    RawQuery(raw): RawQuery,
) -> Result<Response, Outcome> {
    let patient = patient_param(raw.as_deref())?;
    let entries = match patient.parse::<PersonId>() {
        Ok(person) => match state.app.contacts_for_api(&actor, person).await {
            Ok(cs) => cs.iter().map(related_person_json).collect(),
            Err(AppError::NotFound) => vec![],
            Err(e) => return Err(e.into()),
        },
        Err(_) => vec![],
    };
    Ok(fhir_response(StatusCode::OK, fhir::searchset("/fhir", &uri.to_string(), entries)))
}

pub(super) async fn read_consent(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Response, Outcome> {
    let id: ConsentId = id.parse().map_err(|_| not_found())?;
    let (k, current) = state.app.consent_for_api(&actor, id).await?;
    Ok(fhir_response(StatusCode::OK, consent_json(&k, current)))
}

pub(super) async fn search_consents(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    uri: Uri,
    RawQuery(raw): RawQuery,
) -> Result<Response, Outcome> {
    let patient = patient_param(raw.as_deref())?;
    let entries = match patient.parse::<PersonId>() {
        Ok(person) => match state.app.consents_for_api(&actor, person).await {
            Ok(all) => {
                let current: Vec<ConsentId> = in_force(&all).iter().map(|k| k.id).collect();
                all.iter().map(|k| consent_json(k, current.contains(&k.id))).collect()
            }
            Err(AppError::NotFound) => vec![],
            Err(e) => return Err(e.into()),
        },
        Err(_) => vec![],
    };
    Ok(fhir_response(StatusCode::OK, fhir::searchset("/fhir", &uri.to_string(), entries)))
}

fn consent_path(field: &str) -> &'static str {
    match field {
        "purpose" | "purpose_text" => "Consent.category",
        "consent_status" => "Consent.status",
        "decided_on" => "Consent.dateTime",
        "decided_by" => "Consent.performer",
        "document" => "Consent.sourceReference",
        _ => "Consent",
    }
}

/// Records a consent decision through the same use case as the relatives page's form.
pub(super) async fn create_consent(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    FhirBody(body): FhirBody,
) -> Result<Response, Outcome> {
    actor.require_scope(CONSENT, Access::Write)?;
    let input = fr::parse_consent(&body)?;
    let person: PersonId = input.patient.parse().map_err(|_| missing_reference("Consent.patient", "Patient"))?;
    let decision = ConsentInput {
        purpose: input.purpose,
        purpose_text: input.purpose_text,
        status: input.status,
        decided_on: input.decided_on,
        decided_by: input.decided_by,
        document: input.document,
        comment: String::new(),
    };
    let id = state.app.record_consent(&actor, person, &decision).await.map_err(|e| match e {
        AppError::NotFound => missing_reference("Consent.patient", "Patient"),
        other => create_error(other, consent_path),
    })?;
    let read_back = state.app.consent_for_api(&actor, id).await.map(|(k, current)| consent_json(&k, current));
    created(format!("/fhir/Consent/{id}"), read_back)
}
