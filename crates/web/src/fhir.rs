//! FHIR R4 REST API (`/fhir`) and the OAuth 2 token endpoint for API clients.

use crate::session::client_ip;
use crate::{AppState, BODY_LIMIT};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine;
use relais_app::store::persons::{Person, PersonQuery};
use relais_app::{Actor, AppError};
use relais_domain::date::BirthDate;
use relais_domain::ids::PersonId;
use relais_domain::ins::InsAuthority;
use relais_interop::fhir::{self, FhirError, PatientView, operation_outcome};
use serde_json::{Value, json};
use std::collections::HashMap;

mod care_plan;
mod encounter;
mod questionnaire;
mod record;
mod relatives;

const FHIR_JSON: &str = "application/fhir+json; charset=utf-8";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/fhir/metadata", get(metadata))
        .route("/fhir/Patient", post(create_patient).get(search_patients))
        .route("/fhir/Patient/$match", post(match_patients))
        .route("/fhir/Patient/{id}", get(read_patient))
        .route("/fhir/Observation", post(create_observation).get(search_observations))
        .route("/fhir/Observation/{id}", get(read_observation))
        .route("/fhir/Appointment", get(record::search_appointments).post(record::create_appointment))
        .route("/fhir/Appointment/{id}", get(record::read_appointment))
        .route(
            "/fhir/DocumentReference",
            post(record::create_document)
                .layer(axum::extract::DefaultBodyLimit::max(DOCUMENT_BODY_LIMIT))
                .get(record::search_documents),
        )
        .route("/fhir/DocumentReference/{id}", get(record::read_document))
        .route("/fhir/Binary/{id}", get(record::read_binary))
        .route("/fhir/Communication", get(record::search_communications))
        .route("/fhir/Communication/{id}", get(record::read_communication))
        .route("/fhir/Encounter", get(encounter::search_encounters).post(encounter::create_encounter))
        .route("/fhir/Encounter/{id}", get(encounter::read_encounter))
        .route(
            "/fhir/QuestionnaireResponse",
            get(questionnaire::search_questionnaire_responses).post(questionnaire::create_questionnaire_response),
        )
        .route("/fhir/QuestionnaireResponse/{id}", get(questionnaire::read_questionnaire_response))
        .route("/fhir/CarePlan", get(care_plan::search_care_plans).post(care_plan::create_care_plan))
        .route("/fhir/CarePlan/{id}", get(care_plan::read_care_plan))
        .route("/fhir/Goal", get(care_plan::search_goals).post(care_plan::create_goal))
        .route("/fhir/Goal/{id}", get(care_plan::read_goal))
        .route("/fhir/RelatedPerson", get(relatives::search_related_persons).post(relatives::create_related_person))
        .route("/fhir/RelatedPerson/{id}", get(relatives::read_related_person))
        .route("/fhir/Consent", get(relatives::search_consents).post(relatives::create_consent))
        .route("/fhir/Consent/{id}", get(relatives::read_consent))
        .route("/oauth/token", post(token))
}

/// A FHIR failure, answered as an OperationOutcome.
pub struct Outcome {
    status: StatusCode,
    code: &'static str,
    diagnostics: String,
    expression: Option<String>,
}

impl Outcome {
    fn new(status: StatusCode, code: &'static str, diagnostics: impl Into<String>) -> Self {
        Self { status, code, diagnostics: diagnostics.into(), expression: None }
    }
}

impl From<FhirError> for Outcome {
    fn from(e: FhirError) -> Self {
        Self {
            status: StatusCode::from_u16(e.status).unwrap_or(StatusCode::BAD_REQUEST),
            code: e.code,
            diagnostics: e.diagnostics,
            expression: e.expression,
        }
    }
}

impl From<AppError> for Outcome {
    fn from(e: AppError) -> Self {
        match e {
            AppError::NotFound => Self::new(StatusCode::NOT_FOUND, "not-found", "resource not found"),
            AppError::Forbidden => {
                Self::new(StatusCode::FORBIDDEN, "forbidden", "the token's scopes do not allow this interaction")
            }
            AppError::Unauthenticated => {
                Self::new(StatusCode::UNAUTHORIZED, "login", "a valid bearer token is required")
            }
            AppError::TooManyAttempts => Self::new(StatusCode::TOO_MANY_REQUESTS, "throttled", "too many attempts"),
            AppError::Conflict(m) => Self::new(StatusCode::CONFLICT, "conflict", m),
            AppError::Unavailable(m) => Self::new(StatusCode::BAD_GATEWAY, "transient", m),
            AppError::Invalid(errors) => {
                let first = errors.first();
                Self {
                    status: StatusCode::UNPROCESSABLE_ENTITY,
                    code: if first.is_some_and(|e| e.code == "required") { "required" } else { "value" },
                    diagnostics: errors
                        .iter()
                        .map(|e| format!("{} [{}]: {}", e.field, e.code, e.message))
                        .collect::<Vec<_>>()
                        .join("; "),
                    expression: first.map(|e| fhir_path(e.field).to_string()),
                }
            }
            AppError::Store(e) => {
                tracing::error!(error = %e, "storage failure");
                Self::new(StatusCode::INTERNAL_SERVER_ERROR, "exception", "internal error; nothing was written")
            }
            AppError::Internal(m) => {
                tracing::error!(error = %m, "internal failure");
                Self::new(StatusCode::INTERNAL_SERVER_ERROR, "exception", "internal error; nothing was written")
            }
        }
    }
}

/// An application error of a create, with the FHIRPath of the element at fault named by `path`
/// from the use case's field (the same validation as the form's, which speaks of fields).
fn create_error(e: AppError, path: impl Fn(&str) -> &'static str) -> Outcome {
    match e {
        AppError::Invalid(errors) => {
            let first = errors.first();
            Outcome {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                code: if first.is_some_and(|e| e.code == "required") { "required" } else { "value" },
                diagnostics: errors
                    .iter()
                    .map(|e| format!("{} [{}]: {}", e.field, e.code, e.message))
                    .collect::<Vec<_>>()
                    .join("; "),
                expression: first.map(|e| path(e.field).to_string()),
            }
        }
        other => other.into(),
    }
}

/// The answer to a create: 201 with the resource as read back (or, for a token that may not
/// read it, an informational OperationOutcome) and its Location.
fn created(location: String, read_back: Result<Value, AppError>) -> Result<Response, Outcome> {
    let body = match read_back {
        Ok(v) => v,
        Err(AppError::Forbidden) => {
            operation_outcome("information", "informational", "created; this token may not read it back", None)
        }
        Err(e) => return Err(e.into()),
    };
    let mut res = fhir_response(StatusCode::CREATED, body);
    if let Ok(v) = HeaderValue::from_str(&location) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    Ok(res)
}

/// The 422 of a reference to a resource that does not exist (or that the token may not see).
fn missing_reference(expression: &str, what: &str) -> Outcome {
    Outcome {
        expression: Some(expression.into()),
        ..Outcome::new(StatusCode::UNPROCESSABLE_ENTITY, "not-found", format!("the {what} does not exist"))
    }
}

fn fhir_path(field: &str) -> &'static str {
    match field {
        "birth_name" => "Patient.name.family",
        "first_names" => "Patient.name.given",
        "birth_date" => "Patient.birthDate",
        "sex" => "Patient.gender",
        "birthplace" => "Patient.extension",
        "used_name" | "used_first_name" => "Patient.name",
        "ins" => "Patient.identifier",
        _ => "Patient",
    }
}

impl IntoResponse for Outcome {
    fn into_response(self) -> Response {
        let body = operation_outcome("error", self.code, &self.diagnostics, self.expression.as_deref());
        let mut res = (self.status, [(header::CONTENT_TYPE, FHIR_JSON)], body.to_string()).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            res.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        res
    }
}

/// The API client behind a bearer token.
pub struct ApiActor(Actor);

impl FromRequestParts<AppState> for ApiActor {
    type Rejection = Outcome;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| Outcome::from(AppError::Unauthenticated))?;
        let ip = client_ip(parts, state.config.trust_forwarded_for);
        Ok(Self(state.app.bearer(token, &ip).await?))
    }
}

/// A FHIR JSON body: the right media type, at most `LIMIT` bytes.
pub struct FhirBody<const LIMIT: usize = BODY_LIMIT>(Bytes);

/// A DocumentReference carries its file in base64: a third larger than the file.
const DOCUMENT_BODY_LIMIT: usize = relais_domain::document::MAX_BYTES / 3 * 4 + 64 * 1024;

impl<const LIMIT: usize> FromRequest<AppState> for FhirBody<LIMIT> {
    type Rejection = Outcome;

    async fn from_request(req: Request, _state: &AppState) -> Result<Self, Self::Rejection> {
        let ct =
            req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_ascii_lowercase();
        if !(ct.starts_with("application/fhir+json") || ct.starts_with("application/json")) {
            return Err(Outcome::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "not-supported",
                "Content-Type must be application/fhir+json",
            ));
        }
        let bytes = axum::body::to_bytes(req.into_body(), LIMIT).await.map_err(|_| {
            Outcome::new(StatusCode::PAYLOAD_TOO_LARGE, "too-long", format!("the body exceeds {LIMIT} bytes"))
        })?;
        Ok(Self(bytes))
    }
}

fn fhir_response(status: StatusCode, body: Value) -> Response {
    (status, [(header::CONTENT_TYPE, FHIR_JSON)], body.to_string()).into_response()
}

fn patient_json(p: &Person) -> Value {
    let last_updated = jiff::Timestamp::from_microsecond(p.updated_at).map(|t| t.to_string()).unwrap_or_default();
    fhir::patient(&PatientView {
        id: p.id.to_string(),
        birth_name: &p.traits.birth_name,
        first_names: &p.traits.first_names,
        birth_date: &p.traits.birth_date,
        sex: p.traits.sex,
        birthplace: p.traits.birthplace.as_ref(),
        used_name: p.used.used_name.as_deref(),
        used_first_name: p.used.used_first_name.as_deref(),
        status: p.status,
        ins: p.ins.as_ref(),
        replaced_by: p.merged_into.map(|s| s.to_string()),
        last_updated,
    })
}

/// The search parameters of a person's record resources: `patient`, `_count` and `own`.
fn record_params(own: &[(&str, &str)]) -> Vec<Value> {
    [("patient", "reference"), ("_count", "number")]
        .iter()
        .chain(own)
        .map(|(name, kind)| json!({ "name": name, "type": kind }))
        .collect()
}

async fn metadata() -> Response {
    let search_params = ["family", "given", "name", "birthdate", "identifier", "_count"]
        .iter()
        .map(|n| json!({ "name": n, "type": if *n == "birthdate" { "date" } else if *n == "identifier" { "token" } else if *n == "_count" { "number" } else { "string" } }))
        .collect::<Vec<_>>();
    fhir_response(
        StatusCode::OK,
        json!({
            "resourceType": "CapabilityStatement",
            "status": "active",
            "date": "2026-11-26",
            "kind": "instance",
            "software": { "name": "Relais", "version": env!("CARGO_PKG_VERSION") },
            "fhirVersion": fhir::FHIR_VERSION,
            "format": ["application/fhir+json"],
            "rest": [{
                "mode": "server",
                "security": {
                    "service": [{ "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/restful-security-service", "code": "SMART-on-FHIR" }] }],
                    "description": "OAuth 2 client credentials at /oauth/token; SMART v1 system scopes (system/Patient.read, system/*.write…)."
                },
                "resource": [{
                    "type": "Patient",
                    "supportedProfile": ["https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-patient-ins"],
                    "interaction": [{ "code": "read" }, { "code": "create" }, { "code": "search-type" }],
                    "searchParam": search_params,
                    "operation": [{ "name": "match", "definition": "http://hl7.org/fhir/OperationDefinition/Patient-match" }],
                }, {
                    "type": "Observation",
                    "supportedProfile": ["http://hl7.org/fhir/StructureDefinition/vitalsigns"],
                    "interaction": [{ "code": "read" }, { "code": "create" }, { "code": "search-type" }],
                    "searchParam": [
                        { "name": "patient", "type": "reference" },
                        { "name": "subject", "type": "reference" },
                        { "name": "code", "type": "token" },
                        { "name": "date", "type": "date" },
                        { "name": "_count", "type": "number" },
                        { "name": "_sort", "type": "string" },
                    ],
                }, {
                    "type": "Appointment",
                    "interaction": [{ "code": "read" }, { "code": "create" }, { "code": "search-type" }],
                    "searchParam": record_params(&[("date", "date"), ("status", "token")]),
                }, {
                    "type": "DocumentReference",
                    "interaction": [{ "code": "read" }, { "code": "create" }, { "code": "search-type" }],
                    "searchParam": record_params(&[("date", "date"), ("type", "token")]),
                }, {
                    "type": "Binary",
                    "interaction": [{ "code": "read" }],
                }, {
                    "type": "QuestionnaireResponse",
                    "interaction": [{ "code": "read" }, { "code": "create" }, { "code": "search-type" }],
                    "searchParam": [
                        { "name": "patient", "type": "reference" },
                        { "name": "subject", "type": "reference" },
                        { "name": "questionnaire", "type": "reference" },
                    ],
                }, {
                    "type": "Encounter",
                    "documentation": "create: an absence during a stay only (partOf the stay's Encounter); stays are opened by admission in Relais.",
                    "interaction": [{ "code": "read" }, { "code": "create" }, { "code": "search-type" }],
                    "searchParam": [
                        { "name": "patient", "type": "reference" },
                        { "name": "subject", "type": "reference" },
                        { "name": "date", "type": "date" },
                    ],
                }, {
                    "type": "RelatedPerson",
                    "supportedProfile": [relais_interop::fhir::relatives::RELATED_PERSON_PROFILE],
                    "interaction": [{ "code": "read" }, { "code": "create" }, { "code": "search-type" }],
                    "searchParam": [{ "name": "patient", "type": "reference" }],
                }, {
                    "type": "Consent",
                    "interaction": [{ "code": "read" }, { "code": "create" }, { "code": "search-type" }],
                    "searchParam": [{ "name": "patient", "type": "reference" }],
                }, {
                    "type": "Communication",
                    "interaction": [{ "code": "read" }, { "code": "search-type" }],
                    "searchParam": record_params(&[("sent", "date"), ("category", "token")]),
                }, {
                    "type": "CarePlan",
                    "supportedProfile": ["https://interop.esante.gouv.fr/ig/fhir/tddui/StructureDefinition/tddui-careplan-projet-perso"],
                    "documentation": "create: a draft projet personnalisé, its expectations as contained Goals (category attente).",
                    "interaction": [{ "code": "read" }, { "code": "create" }, { "code": "search-type" }],
                    "searchParam": [{ "name": "patient", "type": "reference" }, { "name": "subject", "type": "reference" }],
                }, {
                    "type": "Goal",
                    "supportedProfile": [
                        "https://interop.esante.gouv.fr/ig/fhir/tddui/StructureDefinition/tddui-goal-attente",
                        "https://interop.esante.gouv.fr/ig/fhir/tddui/StructureDefinition/tddui-goal-objectif"
                    ],
                    "documentation": "create: an objective of the plan named by the tddui-careplan-reference extension, to the working version: while the plan is a draft or under review.",
                    "interaction": [{ "code": "read" }, { "code": "create" }, { "code": "search-type" }],
                    "searchParam": [{ "name": "patient", "type": "reference" }, { "name": "subject", "type": "reference" }],
                }],
            }],
        }),
    )
}

async fn create_patient(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    FhirBody(body): FhirBody,
) -> Result<Response, Outcome> {
    let input = fhir::parse_patient(&body)?;
    let id = state
        .app
        .register_person(
            &actor,
            &relais_app::persons::IdentityInput {
                birth_name: input.birth_name,
                first_names: input.first_names,
                birth_date: input.birth_date,
                sex: input.sex,
                birthplace: input.birthplace,
                used_name: input.used_name,
                used_first_name: input.used_first_name,
                ins_matricule: input.ins_matricule,
                ins_oid: input.ins_oid,
                establishment: None,
                confirm_distinct: false,
            },
        )
        .await?;
    // Returning the resource is a read: a write-only client gets an OperationOutcome instead.
    let body = match state.app.person_identity(&actor, id).await {
        Ok(person) => patient_json(&person),
        Err(AppError::Forbidden) => {
            operation_outcome("information", "informational", "created; this token may not read it back", None)
        }
        Err(e) => return Err(e.into()),
    };
    let mut res = fhir_response(StatusCode::CREATED, body);
    if let Ok(v) = HeaderValue::from_str(&format!("/fhir/Patient/{id}")) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    Ok(res)
}

async fn read_patient(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Response, Outcome> {
    let id: PersonId = id.parse().map_err(|_| Outcome::from(AppError::NotFound))?;
    let person = state.app.person_identity(&actor, id).await?;
    Ok(fhir_response(StatusCode::OK, patient_json(&person)))
}

/// `Patient/$match` (FHIR R4 MPI operation): a Parameters resource with `resource` (a Patient
/// with at least the strict traits), `onlyCertainMatches` and `count`; answers a searchset
/// Bundle of the candidates with `search.score` and the `match-grade` extension.
async fn match_patients(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    FhirBody(body): FhirBody,
) -> Result<Response, Outcome> {
    let request = fhir::parse_match_parameters(&body)?;
    let input = request.patient;
    let identity = relais_app::persons::IdentityInput {
        birth_name: input.birth_name,
        first_names: input.first_names,
        birth_date: input.birth_date,
        sex: input.sex,
        birthplace: input.birthplace,
        used_name: input.used_name,
        used_first_name: input.used_first_name,
        ..Default::default()
    };
    let found = state.app.match_patients(&actor, &identity, request.only_certain, request.count).await?;
    let resources = found.iter().map(|(p, _)| patient_json(p)).collect();
    let mut bundle = fhir::searchset("/fhir", "/fhir/Patient/$match", resources);
    if let Some(entries) = bundle.get_mut("entry").and_then(Value::as_array_mut) {
        for (entry, (_, r)) in entries.iter_mut().zip(&found) {
            entry["search"] = json!({
                "extension": [{ "url": fhir::MATCH_GRADE, "valueCode": r.grade.code() }],
                "mode": "match",
                "score": (r.score * 1000.0).round() / 1000.0,
            });
        }
    }
    Ok(fhir_response(StatusCode::OK, bundle))
}

async fn search_patients(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    uri: axum::http::Uri,
    axum::extract::RawQuery(raw): axum::extract::RawQuery,
) -> Result<Response, Outcome> {
    let mut query = PersonQuery { limit: 20, ..Default::default() };
    let mut local_id: Option<String> = None;
    for (k, v) in form_pairs(raw.as_deref().unwrap_or(""))? {
        let v = v.trim().to_string();
        match k.as_str() {
            "family" => query.family = Some(v),
            "given" => query.given = Some(v),
            "name" => query.name = Some(v),
            "birthdate" => {
                let d = v.strip_prefix("eq").unwrap_or(&v);
                query.birth_date = Some(BirthDate::parse(d, state.app.today()).map_err(|e| Outcome {
                    expression: Some("birthdate".into()),
                    ..Outcome::new(StatusCode::BAD_REQUEST, "value", format!("birthdate: {}", e.message))
                })?);
            }
            "identifier" => {
                let (system, value) = v.split_once('|').unwrap_or(("", v.as_str()));
                if system == fhir::LOCAL_ID_SYSTEM {
                    local_id = Some(value.to_string());
                } else if InsAuthority::from_oid(system).is_some() {
                    query.ins_matricule = Some(value.to_string());
                } else {
                    return Err(Outcome::new(
                        StatusCode::BAD_REQUEST,
                        "not-supported",
                        "identifier system must be an INS OID (urn:oid:1.2.250.1.213.1.4.x) or urn:relais:person",
                    ));
                }
            }
            "_count" => {
                query.limit = v.parse::<i64>().ok().filter(|n| (1..=100).contains(n)).ok_or_else(|| {
                    Outcome::new(StatusCode::BAD_REQUEST, "value", "_count must be a number from 1 to 100")
                })?;
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
    let people: Vec<Person> = if let Some(id) = local_id {
        match id.parse::<PersonId>() {
            Ok(id) => match state.app.person_identity(&actor, id).await {
                Ok(p) => vec![p],
                Err(AppError::NotFound) => vec![],
                Err(e) => return Err(e.into()),
            },
            Err(_) => vec![],
        }
    } else {
        let ins_search = query.ins_matricule.is_some();
        state
            .app
            .search_persons(&actor, query)
            .await?
            .into_iter()
            .map(|(p, _)| p)
            // An INS only identifies a qualified identity: others are not found by it.
            .filter(|p| !ins_search || p.status.may_emit_ins())
            .collect()
    };
    let entries = people.iter().map(patient_json).collect();
    Ok(fhir_response(StatusCode::OK, fhir::searchset("/fhir", &uri.to_string(), entries)))
}

fn form_pairs(raw: &str) -> Result<Vec<(String, String)>, Outcome> {
    let bad = || Outcome::new(StatusCode::BAD_REQUEST, "structure", "the query string is not valid UTF-8");
    raw.split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let dec = |s: &str| {
                percent_encoding::percent_decode_str(&s.replace('+', " "))
                    .decode_utf8()
                    .map(|c| c.into_owned())
                    .map_err(|_| bad())
            };
            Ok((dec(k)?, dec(v)?))
        })
        .collect()
}

/// OAuth 2 errors (RFC 6749 §5.2).
fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    let mut res = (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        json!({ "error": error, "error_description": description }).to_string(),
    )
        .into_response();
    if status == StatusCode::UNAUTHORIZED {
        res.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Basic realm=\"relais\""));
    }
    res
}

async fn token(State(state): State<AppState>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let ct = parts.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    if !ct.starts_with("application/x-www-form-urlencoded") {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Content-Type must be application/x-www-form-urlencoded",
        );
    }
    let Ok(bytes) = axum::body::to_bytes(body, 16 * 1024).await else {
        return oauth_error(StatusCode::PAYLOAD_TOO_LARGE, "invalid_request", "body too large");
    };
    let Ok(fields) = crate::forms::parse_fields(&bytes) else {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", "body is not valid form data");
    };
    let f: HashMap<String, String> = fields.0;
    if f.get("grant_type").map(String::as_str) != Some("client_credentials") {
        return oauth_error(StatusCode::BAD_REQUEST, "unsupported_grant_type", "only client_credentials is supported");
    }
    let basic = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b.trim()).ok())
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| s.split_once(':').map(|(a, b)| (a.to_string(), b.to_string())));
    let (id, secret) = match basic {
        Some(pair) => pair,
        None => (f.get("client_id").cloned().unwrap_or_default(), f.get("client_secret").cloned().unwrap_or_default()),
    };
    if id.is_empty() || secret.is_empty() {
        return oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", "client authentication is required");
    }
    let ip = client_ip(&parts, state.config.trust_forwarded_for);
    match state.app.issue_token(&id, &secret, f.get("scope").map(String::as_str), &ip).await {
        Ok(t) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json"), (header::CACHE_CONTROL, "no-store")],
            json!({ "access_token": t.access_token, "token_type": "bearer", "expires_in": t.expires_in, "scope": t.scope }).to_string(),
        )
            .into_response(),
        Err(AppError::Unauthenticated) => oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", "unknown client or wrong secret"),
        Err(AppError::Forbidden) | Err(AppError::Invalid(_)) => oauth_error(StatusCode::BAD_REQUEST, "invalid_scope", "the requested scope is not granted to this client"),
        Err(e) => Outcome::from(e).into_response(),
    }
}

fn observation_json(o: &relais_app::store::observations::Observation) -> Value {
    let ts = |us: i64| jiff::Timestamp::from_microsecond(us).map(|t| t.to_string()).unwrap_or_default();
    fhir::observation::to_json(&fhir::observation::ObservationView {
        id: o.id.to_string(),
        patient_id: o.person_id.to_string(),
        kind: o.kind,
        value: o.value,
        value2: o.value2,
        effective: ts(o.effective_at),
        last_updated: ts(o.recorded_at),
    })
}

async fn create_observation(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    FhirBody(body): FhirBody,
) -> Result<Response, Outcome> {
    let input = fhir::observation::parse(&body)?;
    let person: PersonId = input.patient_id.parse().map_err(|_| Outcome {
        expression: Some("Observation.subject".into()),
        ..Outcome::new(StatusCode::UNPROCESSABLE_ENTITY, "not-found", "the subject Patient does not exist")
    })?;
    let effective: jiff::Timestamp = input.effective.parse().map_err(|_| Outcome {
        expression: Some("Observation.effectiveDateTime".into()),
        ..Outcome::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "value",
            "effectiveDateTime must be an instant with a time zone, e.g. 2026-11-26T08:30:00+01:00",
        )
    })?;
    let id = state
        .app
        .record_observation(
            &actor,
            person,
            &relais_app::observations::ObservationInput {
                kind: input.kind.code().to_string(),
                value: input.value.to_string(),
                value2: input.value2.map(|v| v.to_string()).unwrap_or_default(),
                effective_at: Some(effective),
                confirmed: false,
            },
        )
        .await
        .map_err(|e| match e {
            AppError::NotFound => Outcome {
                expression: Some("Observation.subject".into()),
                ..Outcome::new(StatusCode::UNPROCESSABLE_ENTITY, "not-found", "the subject Patient does not exist")
            },
            other => other.into(),
        })?;
    let body = match state.app.observation(&actor, id).await {
        Ok(o) => observation_json(&o),
        Err(AppError::Forbidden) => {
            operation_outcome("information", "informational", "created; this token may not read it back", None)
        }
        Err(e) => return Err(e.into()),
    };
    let mut res = fhir_response(StatusCode::CREATED, body);
    if let Ok(v) = HeaderValue::from_str(&format!("/fhir/Observation/{id}")) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    Ok(res)
}

async fn read_observation(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Response, Outcome> {
    let id: relais_domain::ids::ObservationId = id.parse().map_err(|_| Outcome::from(AppError::NotFound))?;
    let o = state.app.observation(&actor, id).await?;
    Ok(fhir_response(StatusCode::OK, observation_json(&o)))
}

/// `ge2026-01-01` → (">=", date). FHIR date prefixes on day precision.
fn date_bound(v: &str, tz: &jiff::tz::TimeZone) -> Result<(&'static str, i64), Outcome> {
    let (prefix, date) = match v.get(..2) {
        Some(p @ ("ge" | "gt" | "le" | "lt" | "eq")) => (p, &v[2..]),
        _ => ("eq", v),
    };
    let bad = || {
        Outcome::new(StatusCode::BAD_REQUEST, "value", "date must be YYYY-MM-DD with an optional ge/gt/le/lt/eq prefix")
    };
    let day: jiff::civil::Date = date.parse().map_err(|_| bad())?;
    let start = tz.to_timestamp(day.to_datetime(jiff::civil::Time::midnight())).map_err(|_| bad())?.as_microsecond();
    let next = day.tomorrow().map_err(|_| bad())?;
    let end = tz.to_timestamp(next.to_datetime(jiff::civil::Time::midnight())).map_err(|_| bad())?.as_microsecond();
    Ok(match prefix {
        "ge" => (">=", start),
        "gt" => (">=", end),
        "le" => ("<", end),
        "lt" => ("<", start),
        _ => ("=", start),
    })
}

async fn search_observations(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    uri: axum::http::Uri,
    axum::extract::RawQuery(raw): axum::extract::RawQuery,
) -> Result<Response, Outcome> {
    let mut query = relais_app::store::observations::ObservationQuery { limit: 50, ..Default::default() };
    let mut patient: Option<String> = None;
    let tz = state.app.time_zone().clone();
    for (k, v) in form_pairs(raw.as_deref().unwrap_or(""))? {
        match k.as_str() {
            "patient" | "subject" => patient = Some(v.trim_start_matches("Patient/").to_string()),
            "code" => {
                use relais_domain::observation::{Terminology, VitalSign};
                // A token is `system|code`, or a bare code looked up in LOINC, then Relais' codes.
                let kind = match v.split_once('|') {
                    Some((system, code)) => VitalSign::from_coding(system, code),
                    None => [Terminology::Loinc, Terminology::Relais]
                        .into_iter()
                        .find_map(|t| VitalSign::from_coding(t.system(), &v)),
                };
                query.kind = Some(kind.ok_or_else(|| {
                    Outcome::new(
                        StatusCode::BAD_REQUEST,
                        "not-supported",
                        "code must be a supported LOINC code or a code of urn:relais:measure",
                    )
                })?);
            }
            "date" => match date_bound(&v, &tz)? {
                (">=", t) => query.from = Some(t),
                ("<", t) => query.to = Some(t),
                (_, t) => {
                    query.from = Some(t);
                    query.to = Some(t + 86_400_000_000);
                }
            },
            "_count" => {
                query.limit = v.parse::<i64>().ok().filter(|n| (1..=1000).contains(n)).ok_or_else(|| {
                    Outcome::new(StatusCode::BAD_REQUEST, "value", "_count must be a number from 1 to 1000")
                })?;
            }
            "_sort" => match v.as_str() {
                "-date" => query.oldest_first = false,
                "date" => query.oldest_first = true,
                _ => return Err(Outcome::new(StatusCode::BAD_REQUEST, "not-supported", "_sort must be date or -date")),
            },
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
    let entries = match patient.parse::<PersonId>() {
        Ok(person) => match state.app.observations(&actor, person, &query).await {
            Ok(list) => list.iter().map(observation_json).collect(),
            Err(AppError::NotFound) => vec![],
            Err(e) => return Err(e.into()),
        },
        Err(_) => vec![],
    };
    Ok(fhir_response(StatusCode::OK, fhir::searchset("/fhir", &uri.to_string(), entries)))
}
