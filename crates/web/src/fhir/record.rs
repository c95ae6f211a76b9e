//! FHIR for the daily record: Appointment and DocumentReference (read, search, create), the
//! Binary of a document, and logbook notes as Communication.

use super::{ApiActor, FhirBody, Outcome, date_bound, fhir_response, form_pairs};

use crate::AppState;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use relais_app::documents::{DocumentFilter, DocumentInput};
use relais_app::store::appointments::Appointment;
use relais_app::store::documents::DocumentInfo;
use relais_app::store::notes::Note;
use relais_app::{AppError, Result as AppResult};
use relais_domain::access::Category;
use relais_domain::ids::{AppointmentId, DocumentId, NoteId, PersonId};
use relais_interop::fhir::{self, appointment, communication, document_reference, operation_outcome};
use serde_json::Value;

const DAY: i64 = 86_400_000_000;

/// The search parameters shared by the record's resources.
struct Search {
    patient: Option<PersonId>,
    /// False when `patient` names nobody: the search answers an empty bundle.
    patient_known: bool,
    period: (i64, i64),
    count: i64,
    other: Vec<(String, String)>,
}

/// `date_param` is the resource's date search parameter (`date`, or `sent` for Communication).
fn search(state: &AppState, raw: Option<&str>, date_param: &str) -> Result<Search, Outcome> {
    let max_count = 500;
    let mut s = Search { patient: None, patient_known: true, period: (i64::MIN, i64::MAX), count: 50, other: vec![] };
    let mut patient_seen = false;
    for (k, v) in form_pairs(raw.unwrap_or(""))? {
        match k.as_str() {
            "patient" | "subject" | "actor" => {
                patient_seen = true;
                match v.trim_start_matches("Patient/").parse::<PersonId>() {
                    Ok(p) => s.patient = Some(p),
                    Err(_) => s.patient_known = false,
                }
            }
            d if d == date_param => match date_bound(&v, state.app.time_zone())? {
                (">=", t) => s.period.0 = s.period.0.max(t),
                ("<", t) => s.period.1 = s.period.1.min(t),
                (_, t) => s.period = (t, t + DAY),
            },
            "_count" => {
                s.count = v.parse::<i64>().ok().filter(|n| (1..=max_count).contains(n)).ok_or_else(|| {
                    Outcome::new(
                        StatusCode::BAD_REQUEST,
                        "value",
                        format!("_count must be a number from 1 to {max_count}"),
                    )
                })?;
            }
            _ => s.other.push((k, v)),
        }
    }
    if !patient_seen {
        return Err(Outcome::new(StatusCode::BAD_REQUEST, "required", "patient is required"));
    }
    Ok(s)
}

fn unsupported(name: &str) -> Outcome {
    Outcome::new(
        StatusCode::BAD_REQUEST,
        "not-supported",
        format!("search parameter not supported: {}", name.chars().take(60).collect::<String>()),
    )
}

/// Runs a search for a person; a person unknown or out of scope gives an empty bundle, as a
/// Patient search does.
async fn entries<T>(
    s: &Search,
    run: impl AsyncFnOnce(PersonId) -> AppResult<Vec<T>>,
    to_json: impl Fn(&T) -> Value,
) -> Result<Vec<Value>, Outcome> {
    let Some(person) = s.patient.filter(|_| s.patient_known) else { return Ok(vec![]) };
    match run(person).await {
        Ok(list) => Ok(list.iter().map(to_json).collect()),
        Err(AppError::NotFound) => Ok(vec![]),
        Err(e) => Err(e.into()),
    }
}

fn searchset(uri: &Uri, entries: Vec<Value>) -> Response {
    fhir_response(StatusCode::OK, fhir::searchset("/fhir", &uri.to_string(), entries))
}

fn appointment_json(a: &Appointment) -> Value {
    appointment::to_json(&appointment::AppointmentView {
        id: a.id.to_string(),
        patient_id: a.person_id.to_string(),
        details: &a.details,
        created_at: a.created_at,
        cancelled_at: a.cancelled_at,
    })
}

/// Books an appointment for a person (`system/Appointment.write`), filed under the person's open
/// stay so that it reaches the unit's agenda.
pub(super) async fn create_appointment(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    FhirBody(body): FhirBody,
) -> Result<Response, Outcome> {
    let input = appointment::parse(&body)?;
    let subject_missing = || Outcome {
        expression: Some("Appointment.participant".into()),
        ..Outcome::new(StatusCode::UNPROCESSABLE_ENTITY, "not-found", "the participant Patient does not exist")
    };
    let person: PersonId = input.patient_id.parse().map_err(|_| subject_missing())?;
    let planned = relais_app::appointments::AppointmentInput {
        title: input.title,
        location: input.location,
        starts_at: Some(input.start),
        ends_at: Some(input.end),
        external: input.external,
        transport: input.transport,
        escort: input.escort,
        ..Default::default()
    };
    let id = state.app.plan_appointment(&actor, person, &planned).await.map(|p| p.first).map_err(|e| match e {
        AppError::NotFound => subject_missing(),
        AppError::Invalid(errors) => invalid(&errors, appointment_path),
        other => other.into(),
    })?;
    created(state.app.appointment(&actor, id).await, appointment_json, &format!("/fhir/Appointment/{id}"))
}

/// A refusal of the domain rules as an OperationOutcome pointing at the first element at fault.
fn invalid(errors: &[relais_domain::DomainError], path: fn(&str) -> &'static str) -> Outcome {
    Outcome {
        expression: errors.first().map(|e| path(e.field).to_string()),
        ..Outcome::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "value",
            errors.iter().map(|e| format!("{} [{}]: {}", e.field, e.code, e.message)).collect::<Vec<_>>().join("; "),
        )
    }
}

/// 201 with the resource read back (or, for a write-only token, an OperationOutcome) and its Location.
fn created<T>(read: AppResult<T>, to_json: fn(&T) -> Value, location: &str) -> Result<Response, Outcome> {
    let body = match read {
        Ok(r) => to_json(&r),
        Err(AppError::Forbidden) => {
            operation_outcome("information", "informational", "created; this token may not read it back", None)
        }
        Err(e) => return Err(e.into()),
    };
    let mut res = fhir_response(StatusCode::CREATED, body);
    if let Ok(v) = HeaderValue::from_str(location) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    Ok(res)
}

fn appointment_path(field: &str) -> &'static str {
    match field {
        "title" => "Appointment.description",
        "starts_at" => "Appointment.start",
        "ends_at" => "Appointment.end",
        "location" | "escort" | "transport" => "Appointment.extension",
        _ => "Appointment",
    }
}

pub(super) async fn read_appointment(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Response, Outcome> {
    let id: AppointmentId = id.parse().map_err(|_| Outcome::from(AppError::NotFound))?;
    Ok(fhir_response(StatusCode::OK, appointment_json(&state.app.appointment(&actor, id).await?)))
}

pub(super) async fn search_appointments(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    uri: Uri,
    RawQuery(raw): RawQuery,
) -> Result<Response, Outcome> {
    let s = search(&state, raw.as_deref(), "date")?;
    let mut status: Option<bool> = None;
    for (k, v) in &s.other {
        match (k.as_str(), v.as_str()) {
            ("status", "booked") => status = Some(false),
            ("status", "cancelled") => status = Some(true),
            ("status", _) => {
                return Err(Outcome::new(StatusCode::BAD_REQUEST, "value", "status must be booked or cancelled"));
            }
            (other, _) => return Err(unsupported(other)),
        }
    }
    let wanted = |a: &Appointment| status.is_none_or(|cancelled| cancelled == a.cancelled_at.is_some());
    let run = async |p| {
        let list = state.app.appointments_between(&actor, p, s.period, s.count).await?;
        Ok(list.into_iter().filter(|a| wanted(a)).collect::<Vec<_>>())
    };
    Ok(searchset(&uri, entries(&s, run, appointment_json).await?))
}

fn document_json(d: &DocumentInfo) -> Value {
    document_reference::to_json(&document_reference::DocumentView {
        id: d.id.to_string(),
        lineage_id: d.lineage_id.to_string(),
        version: d.version,
        is_current: d.is_current,
        patient_id: d.person_id.to_string(),
        type_code: &d.type_code,
        title: &d.title,
        document_date: d.document_date.to_string(),
        category_code: d.category.code(),
        category_label: d.category.label(),
        content_type: d.media_type.mime(),
        size: d.size,
        author_label: &d.author_label,
        created_at: d.created_at,
    })
}

pub(super) async fn read_document(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Response, Outcome> {
    let id: DocumentId = id.parse().map_err(|_| Outcome::from(AppError::NotFound))?;
    Ok(fhir_response(StatusCode::OK, document_json(&state.app.document(&actor, id).await?)))
}

pub(super) async fn search_documents(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    uri: Uri,
    RawQuery(raw): RawQuery,
) -> Result<Response, Outcome> {
    let s = search(&state, raw.as_deref(), "date")?;
    let mut filter = DocumentFilter { type_code: None, period: s.period, limit: s.count };
    for (k, v) in &s.other {
        match k.as_str() {
            "type" => {
                let code = v.split_once('|').map(|(_, c)| c).unwrap_or(v);
                if relais_domain::document::type_label(code).is_none() {
                    return Err(Outcome::new(StatusCode::BAD_REQUEST, "value", "type must be a supported LOINC code"));
                }
                filter.type_code = Some(code.to_string());
            }
            other => return Err(unsupported(other)),
        }
    }
    let list = entries(&s, async |p| state.app.search_documents(&actor, p, &filter).await, document_json).await?;
    Ok(searchset(&uri, list))
}

pub(super) async fn create_document(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    FhirBody(body): FhirBody<{ super::DOCUMENT_BODY_LIMIT }>,
) -> Result<Response, Outcome> {
    let input = document_reference::parse(&body)?;
    let subject_missing = || Outcome {
        expression: Some("DocumentReference.subject".into()),
        ..Outcome::new(StatusCode::UNPROCESSABLE_ENTITY, "not-found", "the subject Patient does not exist")
    };
    let person: PersonId = input.patient_id.parse().map_err(|_| subject_missing())?;
    let doc = DocumentInput {
        type_code: input.type_code,
        title: input.title,
        date: input.date,
        // A client that does not say is filing care data, the least restricted clinical category.
        category: input.category.unwrap_or_else(|| Category::NursingCare.code().to_string()),
        declared_type: input.content_type,
        bytes: input.bytes,
        replaces: None,
    };
    let id = state.app.file_document(&actor, person, &doc).await.map_err(|e| match e {
        AppError::NotFound => subject_missing(),
        AppError::Invalid(errors) => invalid(&errors, document_path),
        other => other.into(),
    })?;
    created(state.app.document(&actor, id).await, document_json, &format!("/fhir/DocumentReference/{id}"))
}

fn document_path(field: &str) -> &'static str {
    match field {
        "file" | "declared_type" => "DocumentReference.content.attachment",
        "doc_title" => "DocumentReference.content.attachment.title",
        "date" => "DocumentReference.content.attachment.creation",
        "category" => "DocumentReference.securityLabel",
        "type_code" => "DocumentReference.type",
        _ => "DocumentReference",
    }
}

/// The content of a document: raw bytes in its own media type, or a Binary resource when the
/// client asks for FHIR JSON.
pub(super) async fn read_binary(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, Outcome> {
    let id: DocumentId = id.parse().map_err(|_| Outcome::from(AppError::NotFound))?;
    let (_, media, bytes) = state.app.document_content(&actor, id, false).await?;
    let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).unwrap_or("");
    if accept.contains("fhir+json") || accept.contains("application/json") {
        return Ok(fhir_response(
            StatusCode::OK,
            document_reference::binary_json(&id.to_string(), media.mime(), &bytes),
        ));
    }
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, media.mime()),
            (header::CACHE_CONTROL, "no-store"),
            (header::HeaderName::from_static("x-content-type-options"), "nosniff"),
        ],
        bytes,
    )
        .into_response())
}

fn note_json(n: &Note) -> Value {
    let c = &n.content;
    communication::to_json(&communication::CommunicationView {
        id: n.id.to_string(),
        lineage_id: n.lineage_id.to_string(),
        version: n.version,
        is_current: n.is_current,
        patient_id: n.person_id.to_string(),
        category_code: c.category.code(),
        category_label: c.category.label(),
        importance: n.importance.code(),
        text: &c.text,
        target: c.target.as_deref(),
        data: c.data.as_deref(),
        action: c.action.as_deref(),
        result: c.result.as_deref(),
        correction_reason: n.correction_reason.as_deref(),
        author_label: &n.author_label,
        recorded_at: n.recorded_at,
    })
}

pub(super) async fn read_communication(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Response, Outcome> {
    let id: NoteId = id.parse().map_err(|_| Outcome::from(AppError::NotFound))?;
    Ok(fhir_response(StatusCode::OK, note_json(&state.app.note(&actor, id).await?)))
}

pub(super) async fn search_communications(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    uri: Uri,
    RawQuery(raw): RawQuery,
) -> Result<Response, Outcome> {
    let s = search(&state, raw.as_deref(), "sent")?;
    let mut category = None;
    for (k, v) in &s.other {
        match k.as_str() {
            "category" => {
                let code = v.split_once('|').map(|(_, c)| c).unwrap_or(v);
                category = Some(Category::from_code(code).ok_or_else(|| {
                    Outcome::new(StatusCode::BAD_REQUEST, "value", "category must be a Relais confidentiality category")
                })?);
            }
            other => return Err(unsupported(other)),
        }
    }
    let list =
        entries(&s, async |p| state.app.person_notes(&actor, p, category, s.period, s.count).await, note_json).await?;
    Ok(searchset(&uri, list))
}
