//! Collective activities: an establishment's week of sessions and the form to plan one, and a
//! session's page to register persons and take attendance on a tablet.

use crate::AppState;
use crate::error::WebError;
use crate::forms::{CsrfForm, FormView};
use crate::pages::{PageResult, Places, nav, parse_id, render, see_other};
use crate::session::Staff;
use crate::views::{Banner, Nav, french_date, french_day, hour, local_day};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use relais_app::AppError;
use relais_app::activities::ActivityInput;
use relais_app::store::activities::Activity;
use relais_domain::activity::Attendance;
use relais_domain::ids::*;
use relais_domain::recurrence::Repeat;
use std::collections::HashMap;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/establishments/{id}/activities", get(week_page).post(plan))
        .route("/activities/{id}", get(session_page))
        .route("/activities/{id}/participants", post(register))
        .route("/activities/{id}/attendance", post(attendance))
        .route("/activities/{id}/cancel", post(cancel))
}

/// A session in a list.
pub struct SessionView {
    pub id: String,
    pub when: String,
    pub title: String,
    pub location: Option<String>,
    pub place: String,
    pub registered: usize,
    pub capacity: Option<i32>,
    pub cancelled: bool,
}

impl SessionView {
    pub fn of(a: &Activity, registered: usize, places: &Places, tz: &jiff::tz::TimeZone) -> Self {
        Self {
            id: a.id.to_string(),
            when: format!("{} – {}", hour(a.starts_at, tz), hour(a.ends_at, tz)),
            title: a.title.clone(),
            location: a.location.clone(),
            place: match a.unit_id {
                Some(u) => places.units.iter().find(|x| x.id == u).map(|x| x.name.clone()).unwrap_or_default(),
                None => "tout l'établissement".into(),
            },
            registered,
            capacity: a.capacity,
            cancelled: a.cancelled_at.is_some(),
        }
    }
}

/// Sessions grouped by local day over the week from `first`.
pub fn by_day(
    first: jiff::civil::Date,
    sessions: Vec<(jiff::civil::Date, SessionView)>,
) -> Result<Vec<(String, Vec<SessionView>)>, WebError> {
    let mut days: Vec<(jiff::civil::Date, String, Vec<SessionView>)> = Vec::new();
    for i in 0..7 {
        let day = first.checked_add(jiff::Span::new().days(i)).map_err(|_| WebError::BadRequest("date".into()))?;
        days.push((day, french_day(day), vec![]));
    }
    for (d, s) in sessions {
        if let Some(slot) = days.iter_mut().find(|(day, _, _)| *day == d) {
            slot.2.push(s);
        }
    }
    Ok(days.into_iter().map(|(_, label, list)| (label, list)).collect())
}

#[derive(Template)]
#[template(path = "activities.html")]
struct WeekPage {
    title: String,
    nav: Option<Nav>,
    establishment_id: String,
    establishment_name: String,
    days: Vec<(String, Vec<SessionView>)>,
    previous: String,
    next: String,
    may_plan: bool,
    units: Vec<(String, String)>,
    repeats: Vec<(&'static str, &'static str)>,
    form: FormView,
    csrf: String,
    form_id: String,
    flash: Option<&'static str>,
}

/// The week (7 days) from `from` (JJ/MM/AAAA or AAAA-MM-JJ, today by default).
pub fn week(state: &AppState, params: &HashMap<String, String>) -> Result<(jiff::civil::Date, i64, i64), WebError> {
    let first = match params.get("from").map(|s| s.trim()).filter(|s| !s.is_empty()) {
        None => state.app.today(),
        Some(v) => {
            relais_domain::date::parse_date("from", v).map_err(|_| WebError::BadRequest("date non reconnue".into()))?
        }
    };
    let tz = state.app.time_zone();
    let start = tz
        .to_timestamp(first.to_datetime(jiff::civil::Time::midnight()))
        .map_err(|_| WebError::BadRequest("date non reconnue".into()))?;
    let end = start + jiff::SignedDuration::from_hours(24 * 7);
    Ok((first, start.as_microsecond(), end.as_microsecond()))
}

async fn render_week(
    state: &AppState,
    staff: &Staff,
    est: EstablishmentId,
    params: &HashMap<String, String>,
    form: FormView,
    status: StatusCode,
) -> PageResult {
    let places = Places::load(state, staff.actor().organisation_id).await?;
    let name = places.establishments.iter().find(|e| e.id == est).map(|e| e.name.clone()).ok_or(WebError::NotFound)?;
    let (first, from, to) = week(state, params)?;
    let (list, may_plan) = state.app.activities_between(staff.actor(), est, None, (from, to)).await?;
    let tz = state.app.time_zone();
    let sessions = list
        .iter()
        .filter_map(|(a, n)| local_day(a.starts_at, tz).map(|d| (d, SessionView::of(a, *n, &places, tz))))
        .collect();
    let shift = |d: i64| first.checked_add(jiff::Span::new().days(d)).map(|x| x.to_string()).unwrap_or_default();
    render(
        WeekPage {
            title: format!("Activités — {name}"),
            nav: nav(state, staff),
            establishment_id: est.to_string(),
            establishment_name: name,
            days: by_day(first, sessions)?,
            previous: shift(-7),
            next: shift(7),
            may_plan,
            units: places
                .units
                .iter()
                .filter(|u| u.establishment_id == est)
                .map(|u| (u.id.to_string(), u.name.clone()))
                .collect(),
            repeats: Repeat::BY_DAYS.iter().map(|r| (r.code(), r.label())).collect(),
            form,
            csrf: staff.csrf().to_string(),
            form_id: relais_app::secret::random_token()?,
            flash: match params.get("ok").map(String::as_str) {
                Some("planned") => Some("Activité planifiée."),
                Some("cancelled") => Some("Séance annulée."),
                _ => None,
            },
        },
        status,
    )
}

async fn week_page(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> PageResult {
    let est: EstablishmentId = parse_id(&id)?;
    render_week(&state, &staff, est, &params, FormView::default(), StatusCode::OK).await
}

async fn plan(State(state): State<AppState>, Path(id): Path<String>, CsrfForm(staff, f): CsrfForm) -> PageResult {
    let est: EstablishmentId = parse_id(&id)?;
    let input = ActivityInput {
        title: f.get("title").into(),
        location: f.get("location").into(),
        capacity: f.get("capacity").into(),
        date: f.get("date").into(),
        start: f.get("start").into(),
        end: f.get("end").into(),
        repeat: f.get("repeat").into(),
        until: f.get("until").into(),
        unit: f.get("unit").into(),
    };
    match state.app.plan_activity(staff.actor(), est, &input).await {
        Ok(first) => Ok(see_other(&format!("/activities/{first}?ok=planned"))),
        Err(AppError::Invalid(errors)) => {
            let params = HashMap::new();
            let form = FormView::with(&f, &errors);
            render_week(&state, &staff, est, &params, form, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e.into()),
    }
}

struct ParticipantView {
    id: String,
    banner: Banner,
    /// The attendance code (for the form) and its French label.
    attendance: &'static str,
    attendance_label: &'static str,
    marked_by: Option<String>,
}

#[derive(Template)]
#[template(path = "activity.html")]
struct SessionPage {
    title: String,
    nav: Option<Nav>,
    id: String,
    establishment_id: String,
    day: String,
    session: SessionView,
    participants: Vec<ParticipantView>,
    candidates: Vec<(String, String)>,
    sessions_ahead: usize,
    may_manage: bool,
    attendances: Vec<(&'static str, &'static str)>,
    csrf: String,
    flash: Option<String>,
}

async fn session_page(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> PageResult {
    let id: ActivityId = parse_id(&id)?;
    let s = state.app.activity_session(staff.actor(), id).await?;
    let places = Places::load(&state, staff.actor().organisation_id).await?;
    let tz = state.app.time_zone();
    let flash = match params.get("ok").map(String::as_str) {
        Some("planned") => Some("Activité planifiée.".to_string()),
        Some("registered") => {
            let n = params.get("n").and_then(|n| n.parse::<usize>().ok()).unwrap_or(1);
            Some(format!("Inscription enregistrée ({n} séance{}).", if n > 1 { "s" } else { "" }))
        }
        Some("attendance") => Some("Présences enregistrées.".into()),
        _ => None,
    };
    render(
        SessionPage {
            title: s.activity.title.clone(),
            nav: nav(&state, &staff),
            id: id.to_string(),
            establishment_id: s.activity.establishment_id.to_string(),
            day: local_day(s.activity.starts_at, tz).map(french_date).unwrap_or_default(),
            session: SessionView::of(&s.activity, s.participants.len(), &places, tz),
            participants: s
                .participants
                .iter()
                .map(|(p, person)| ParticipantView {
                    id: person.id.to_string(),
                    banner: Banner::of(person),
                    attendance: p.attendance.map(Attendance::code).unwrap_or(""),
                    attendance_label: p.attendance.map(Attendance::label).unwrap_or(""),
                    marked_by: p.marked_label.clone(),
                })
                .collect(),
            candidates: s
                .candidates
                .iter()
                .map(|p| {
                    (
                        p.id.to_string(),
                        format!("{} {}", p.traits.birth_name.to_uppercase(), p.traits.first_first_name()),
                    )
                })
                .collect(),
            sessions_ahead: s.sessions_ahead,
            may_manage: s.may_manage,
            attendances: Attendance::ALL.iter().map(|a| (a.code(), a.label())).collect(),
            csrf: staff.csrf().to_string(),
            flash,
        },
        StatusCode::OK,
    )
}

async fn register(State(state): State<AppState>, Path(id): Path<String>, CsrfForm(staff, f): CsrfForm) -> PageResult {
    let id: ActivityId = parse_id(&id)?;
    let person: PersonId =
        f.get("person").parse().map_err(|_| WebError::BadRequest("choisissez une personne".into()))?;
    match state.app.register_participant(staff.actor(), id, person, f.get("series") == "on").await {
        Ok(n) => Ok(see_other(&format!("/activities/{id}?ok=registered&n={n}"))),
        // An invalid line is answered with its reason, as any refused form.
        Err(e) => Err(e.into()),
    }
}

async fn attendance(State(state): State<AppState>, Path(id): Path<String>, CsrfForm(staff, f): CsrfForm) -> PageResult {
    let id: ActivityId = parse_id(&id)?;
    let mut marks = Vec::new();
    for (k, v) in &f.1 {
        if let Some(person) = k.strip_prefix("attendance_") {
            let person: PersonId = parse_id(person)?;
            marks.push((person, v.clone()));
        }
    }
    match state.app.record_attendance(staff.actor(), id, &marks).await {
        Ok(_) => Ok(see_other(&format!("/activities/{id}?ok=attendance"))),
        // An invalid line is answered with its reason, as any refused form.
        Err(e) => Err(e.into()),
    }
}

async fn cancel(State(state): State<AppState>, Path(id): Path<String>, CsrfForm(staff, f): CsrfForm) -> PageResult {
    let id: ActivityId = parse_id(&id)?;
    let est = state.app.cancel_activity(staff.actor(), id, f.get("series") == "on").await?;
    Ok(see_other(&format!("/establishments/{est}/activities?ok=cancelled")))
}
