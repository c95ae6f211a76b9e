//! Admission requests in the UI: recorded from the person's page, followed on their own page
//! (history, next steps, admission), and an establishment's waiting list.

use crate::AppState;
use crate::error::WebError;
use crate::forms::{CsrfForm, Fields, FormView};
use crate::pages::{PageResult, Places, nav, parse_id, parse_target, person_render, render, see_other};
use crate::session::Staff;
use crate::views::{Banner, Nav, french_date, when};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use relais_app::AppError;
use relais_app::admissions::AdmissionInput;
use relais_app::store::admissions::AdmissionRequest;
use relais_domain::admission::{AdmissionStatus, waiting_days};
use relais_domain::ids::*;
use std::collections::HashMap;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/persons/{id}/admissions", post(create))
        .route("/admissions/{id}", get(request_page))
        .route("/admissions/{id}/status", post(move_request))
        .route("/admissions/{id}/admit", post(admit))
        .route("/establishments/{id}/admissions", get(waiting_list))
}

/// A request as listed on the person's page or a waiting list.
pub(crate) struct AdmissionRow {
    pub(crate) id: String,
    pub(crate) person: String,
    pub(crate) establishment_id: String,
    pub(crate) place: String,
    /// The unit asked for, or « — ».
    pub(crate) unit: String,
    pub(crate) mode: &'static str,
    pub(crate) source: String,
    pub(crate) received: String,
    pub(crate) waiting_days: i64,
    pub(crate) urgent: bool,
    pub(crate) status: &'static str,
}

impl AdmissionRow {
    pub(crate) fn of(r: &AdmissionRequest, person: String, places: &Places, today: jiff::civil::Date) -> Self {
        Self {
            id: r.id.to_string(),
            person,
            establishment_id: r.establishment_id.to_string(),
            place: places.place(r.establishment_id, r.unit_id),
            unit: r
                .unit_id
                .and_then(|u| places.units.iter().find(|x| x.id == u))
                .map(|u| u.name.clone())
                .unwrap_or_else(|| "—".into()),
            mode: r.mode.label(),
            source: r.source.summary(),
            received: french_date(r.received_on),
            waiting_days: waiting_days(r.received_on, today),
            urgent: r.priority == relais_domain::admission::Priority::Urgent,
            status: r.status.label(),
        }
    }
}

fn input(f: &Fields) -> Result<AdmissionInput, WebError> {
    let (establishment, unit) = match f.get("request_target") {
        "" => (None, None),
        v => {
            let (e, u) = parse_target(v)?;
            (Some(e), u)
        }
    };
    Ok(AdmissionInput {
        establishment,
        unit,
        mode: f.get("request_mode").into(),
        source: f.get("source").into(),
        mdph_number: f.get("mdph_number").into(),
        mdph_valid_until: f.get("mdph_valid_until").into(),
        via_trajectoire_number: f.get("via_trajectoire_number").into(),
        source_detail: f.get("source_detail").into(),
        received_on: f.get("received_on").into(),
        priority: f.get("priority").into(),
        documents: f.get("documents").into(),
        comment: f.get("request_comment").into(),
    })
}

async fn create(State(state): State<AppState>, Path(id): Path<String>, CsrfForm(staff, f): CsrfForm) -> PageResult {
    let id: PersonId = parse_id(&id)?;
    match state.app.create_admission_request(staff.actor(), id, &input(&f)?).await {
        Ok(request) => Ok(see_other(&format!("/admissions/{request}?ok=created"))),
        Err(AppError::Invalid(errors)) => {
            person_render(&state, &staff, id, FormView::with(&f, &errors), None, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "admission.html")]
struct RequestPage {
    title: String,
    nav: Option<Nav>,
    banner: Banner,
    csrf: String,
    flash: Option<&'static str>,
    form: FormView,
    row: AdmissionRow,
    status_code: &'static str,
    priority: &'static str,
    documents: Vec<String>,
    created: String,
    /// (when, from, to, who, comment)
    history: Vec<(String, String, &'static str, String, String)>,
    /// (status code, button words) of the moves offered, « admise » aside.
    moves: Vec<(&'static str, &'static str)>,
    may_admit: bool,
    today: String,
    stay_opened: bool,
}

async fn request_render(
    state: &AppState,
    staff: &Staff,
    id: AdmissionRequestId,
    form: FormView,
    flash: Option<&'static str>,
    status: StatusCode,
) -> PageResult {
    let file = state.app.admission_request(staff.actor(), id).await?;
    let places = Places::load(state, staff.actor().organisation_id).await?;
    let tz = state.app.time_zone();
    let today = state.app.today();
    let banner = Banner::of(&file.person);
    let r = &file.request;
    let person = format!("{} {}", banner.birth_name, banner.first_first_name);
    render(
        RequestPage {
            title: format!("Demande d'admission — {person}"),
            nav: nav(state, staff),
            csrf: staff.csrf().to_string(),
            flash,
            form,
            row: AdmissionRow::of(r, person, &places, today),
            status_code: r.status.code(),
            priority: r.priority.label(),
            documents: r.documents.lines().map(str::to_string).collect(),
            created: format!("{} par {}", when(r.created_at, tz), r.created_label),
            history: file
                .history
                .iter()
                .map(|c| {
                    (
                        when(c.changed_at, tz),
                        c.from.map(|s| s.label().to_string()).unwrap_or_else(|| "—".into()),
                        c.to.label(),
                        c.author_label.clone(),
                        c.comment.clone(),
                    )
                })
                .collect(),
            moves: file
                .next
                .iter()
                .filter(|s| **s != AdmissionStatus::Admitted)
                .map(|s| (s.code(), s.action_label()))
                .collect(),
            may_admit: file.next.contains(&AdmissionStatus::Admitted),
            today: french_date(today),
            stay_opened: r.stay_id.is_some(),
            banner,
        },
        status,
    )
}

async fn request_page(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> PageResult {
    let id: AdmissionRequestId = parse_id(&id)?;
    let flash = match q.get("ok").map(String::as_str) {
        Some("created") => Some("Demande d'admission enregistrée (statut « reçue »)."),
        Some("moved") => Some("Statut de la demande mis à jour."),
        _ => None,
    };
    request_render(&state, &staff, id, FormView::default(), flash, StatusCode::OK).await
}

async fn move_request(
    State(state): State<AppState>,
    Path(id): Path<String>,
    CsrfForm(staff, f): CsrfForm,
) -> PageResult {
    let id: AdmissionRequestId = parse_id(&id)?;
    match state.app.move_admission_request(staff.actor(), id, f.get("to"), f.get("comment")).await {
        Ok(_) => Ok(see_other(&format!("/admissions/{id}?ok=moved"))),
        Err(AppError::Invalid(errors)) => {
            request_render(&state, &staff, id, FormView::with(&f, &errors), None, StatusCode::UNPROCESSABLE_ENTITY)
                .await
        }
        Err(e) => Err(e.into()),
    }
}

async fn admit(State(state): State<AppState>, Path(id): Path<String>, CsrfForm(staff, f): CsrfForm) -> PageResult {
    let id: AdmissionRequestId = parse_id(&id)?;
    match state.app.admit_from_request(staff.actor(), id, f.get("start"), f.get("admit_comment")).await {
        Ok((person, _)) => Ok(see_other(&format!("/persons/{person}?ok=admitted"))),
        Err(AppError::Invalid(errors)) => {
            request_render(&state, &staff, id, FormView::with(&f, &errors), None, StatusCode::UNPROCESSABLE_ENTITY)
                .await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "admissions.html")]
struct WaitingListPage {
    title: String,
    nav: Option<Nav>,
    establishment: String,
    establishment_id: String,
    rows: Vec<AdmissionRow>,
}

async fn waiting_list(State(state): State<AppState>, staff: Staff, Path(id): Path<String>) -> PageResult {
    let est: EstablishmentId = parse_id(&id)?;
    let places = Places::load(&state, staff.actor().organisation_id).await?;
    let name = places.establishments.iter().find(|e| e.id == est).map(|e| e.name.clone()).ok_or(WebError::NotFound)?;
    let rows = state.app.admission_waiting_list(staff.actor(), est).await?;
    let today = state.app.today();
    let rows = rows
        .iter()
        .map(|(r, p)| {
            let b = Banner::of(p);
            AdmissionRow::of(r, format!("{} {}", b.birth_name, b.first_first_name), &places, today)
        })
        .collect();
    render(
        WaitingListPage {
            title: format!("Liste d'attente — {name}"),
            nav: nav(&state, &staff),
            establishment: name,
            establishment_id: est.to_string(),
            rows,
        },
        StatusCode::OK,
    )
}
