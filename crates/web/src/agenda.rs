//! Agendas of a unit and of a whole establishment: appointments and activity sessions by day or
//! week, on screen and as an iCalendar file.

use crate::AppState;
use crate::activities::SessionView;
use crate::error::WebError;
use crate::pages::{AppointmentView, PageResult, Places, nav, parse_id, render};
use crate::session::Staff;
use crate::views::{Nav, french_date, french_day, local_day};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use jiff::Span;
use jiff::civil::{Date, Time};
use relais_app::store::activities::Activity;
use relais_app::store::appointments::Appointment;
use relais_app::store::persons::Person;
use relais_domain::ids::*;
use std::collections::HashMap;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/units/{id}/agenda", get(unit_page))
        .route("/units/{id}/agenda.ics", get(unit_ics))
        .route("/establishments/{id}/agenda", get(establishment_page))
        .route("/establishments/{id}/agenda.ics", get(establishment_ics))
}

/// The days an agenda shows: a week from Monday, or one day.
struct Period {
    day_view: bool,
    /// The day asked for, and the first and last days shown.
    date: Date,
    first: Date,
    days: i64,
    /// The same as instants, [from, to).
    from: i64,
    to: i64,
}

impl Period {
    /// From `date` (AAAA-MM-JJ or JJ/MM/AAAA; `from`, the older name, is read too; today by
    /// default) and `view` (`week` by default, or `day`).
    fn of(state: &AppState, params: &HashMap<String, String>) -> Result<Self, WebError> {
        let typed = params.get("date").or_else(|| params.get("from")).map(|s| s.trim()).filter(|s| !s.is_empty());
        let date = match typed {
            None => state.app.today(),
            Some(v) => relais_domain::date::parse_date("date", v)
                .map_err(|_| WebError::BadRequest("date non reconnue : format attendu AAAA-MM-JJ".into()))?,
        };
        let day_view = match params.get("view").map(String::as_str) {
            None | Some("") | Some("week") => false,
            Some("day") => true,
            Some(_) => return Err(WebError::BadRequest("vue non reconnue : « week » ou « day »".into())),
        };
        let (first, days) = if day_view {
            (date, 1)
        } else {
            let back = i64::from(date.weekday().to_monday_zero_offset());
            (shift(date, -back)?, 7)
        };
        // Midnight to midnight in local time: a week with a change of time lasts 167 or 169 hours.
        let tz = state.app.time_zone();
        let midnight = |d: Date| {
            tz.to_timestamp(d.to_datetime(Time::midnight()))
                .map(|t| t.as_microsecond())
                .map_err(|_| WebError::BadRequest("date non reconnue".into()))
        };
        Ok(Self { day_view, date, first, days, from: midnight(first)?, to: midnight(shift(first, days)?)? })
    }

    fn dates(&self) -> Result<Vec<Date>, WebError> {
        (0..self.days).map(|i| shift(self.first, i)).collect()
    }

    /// Query strings of the links: the period before, after, today's, and this one in each view.
    fn links(&self, today: Date, extra: &str) -> Result<Links, WebError> {
        let view = if self.day_view { "day" } else { "week" };
        let step = if self.day_view { 1 } else { 7 };
        let q = |d: Date, v: &str| format!("?date={d}&view={v}{extra}");
        Ok(Links {
            previous: q(shift(self.date, -step)?, view),
            next: q(shift(self.date, step)?, view),
            today: q(today, view),
            current: q(self.date, view),
            week: q(self.date, "week"),
            day: q(if self.day_view { self.date } else { self.first }, "day"),
        })
    }
}

fn shift(d: Date, days: i64) -> Result<Date, WebError> {
    d.checked_add(Span::new().days(days)).map_err(|_| WebError::BadRequest("date hors calendrier".into()))
}

struct Links {
    previous: String,
    next: String,
    today: String,
    current: String,
    week: String,
    day: String,
}

/// One day of an agenda.
struct AgendaDay {
    label: String,
    activities: Vec<SessionView>,
    appointments: Vec<AppointmentView>,
}

#[derive(Template)]
#[template(path = "agenda.html")]
struct AgendaPage {
    title: String,
    nav: Option<Nav>,
    heading: String,
    /// `/units/{id}/agenda` or `/establishments/{id}/agenda`.
    path: String,
    period: String,
    day_view: bool,
    links: Links,
    days: Vec<AgendaDay>,
    /// The establishment's units, for its agenda's filter; `unit` is the one chosen.
    units: Vec<(String, String)>,
    unit: String,
    date: String,
    show_place: bool,
    truncated: bool,
    establishment_id: String,
    /// The unit page, from a unit's agenda.
    unit_id: Option<String>,
}

/// Appointments and sessions by day, in the order of the period.
fn by_day(
    period: &Period,
    state: &AppState,
    places: &Places,
    appointments: &[(Appointment, Person)],
    sessions: &[(Activity, usize)],
    show_place: bool,
) -> Result<Vec<AgendaDay>, WebError> {
    let tz = state.app.time_zone();
    let unit_name = |u: Option<UnitId>| match u.and_then(|u| places.units.iter().find(|x| x.id == u)) {
        Some(unit) => unit.name.clone(),
        None => "sans unité".to_string(),
    };
    period
        .dates()?
        .into_iter()
        .map(|day| {
            Ok(AgendaDay {
                label: french_day(day),
                activities: sessions
                    .iter()
                    .filter(|(a, _)| local_day(a.starts_at, tz) == Some(day))
                    .map(|(a, n)| SessionView::of(a, *n, places, tz))
                    .collect(),
                appointments: appointments
                    .iter()
                    .filter(|(a, _)| local_day(a.details.starts_at, tz) == Some(day))
                    .map(|(a, p)| {
                        let mut v = AppointmentView::of(a, Some(p), tz);
                        if show_place {
                            v.place = unit_name(a.unit_id);
                        }
                        v
                    })
                    .collect(),
            })
        })
        .collect()
}

fn period_label(p: &Period) -> String {
    if p.day_view {
        format!("{}/{}", french_day(p.first), p.first.year())
    } else {
        let last = shift(p.first, p.days - 1).map(french_date).unwrap_or_default();
        format!("semaine du {} au {last}", french_date(p.first))
    }
}

async fn unit_page(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> PageResult {
    let unit_id: UnitId = parse_id(&id)?;
    let places = Places::load(&state, staff.actor().organisation_id).await?;
    let unit = places.units.iter().find(|u| u.id == unit_id).ok_or(WebError::NotFound)?;
    let period = Period::of(&state, &params)?;
    let (from, to) = (period.from, period.to);
    let items = state.app.unit_agenda(staff.actor(), unit.establishment_id, unit.id, from, to).await?;
    let (sessions, _) =
        state.app.activities_between(staff.actor(), unit.establishment_id, Some(unit.id), (from, to)).await?;
    let days = by_day(&period, &state, &places, &items, &sessions, false)?;
    render(
        AgendaPage {
            title: format!("Agenda — {}", unit.name),
            nav: nav(&state, &staff),
            heading: unit.name.clone(),
            path: format!("/units/{}/agenda", unit.id),
            period: period_label(&period),
            day_view: period.day_view,
            links: period.links(state.app.today(), "")?,
            days,
            units: vec![],
            unit: String::new(),
            date: period.date.to_string(),
            show_place: false,
            truncated: false,
            establishment_id: unit.establishment_id.to_string(),
            unit_id: Some(unit.id.to_string()),
        },
        StatusCode::OK,
    )
}

/// The period shown as an iCalendar file, for a shared calendar or a transport company.
async fn unit_ics(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Response, WebError> {
    let unit_id: UnitId = parse_id(&id)?;
    let places = Places::load(&state, staff.actor().organisation_id).await?;
    let unit = places.units.iter().find(|u| u.id == unit_id).ok_or(WebError::NotFound)?;
    let period = Period::of(&state, &params)?;
    let (from, to) = (period.from, period.to);
    let items = state.app.unit_agenda(staff.actor(), unit.establishment_id, unit.id, from, to).await?;
    let (sessions, _) =
        state.app.activities_between(staff.actor(), unit.establishment_id, Some(unit.id), (from, to)).await?;
    let sessions: Vec<Activity> = sessions.into_iter().map(|(a, _)| a).collect();
    Ok(calendar(state.app.agenda_ical(&unit.name, &items, &sessions)))
}

/// The unit chosen in an establishment agenda's filter: one of its units, or none.
fn unit_filter(
    places: &Places,
    est: EstablishmentId,
    params: &HashMap<String, String>,
) -> Result<Option<UnitId>, WebError> {
    match params.get("unit").map(|s| s.trim()).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(v) => v
            .parse::<UnitId>()
            .ok()
            .filter(|u| places.units.iter().any(|x| x.id == *u && x.establishment_id == est))
            .map(Some)
            .ok_or_else(|| WebError::BadRequest("unité inconnue dans cet établissement".into())),
    }
}

async fn establishment_page(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> PageResult {
    let est: EstablishmentId = parse_id(&id)?;
    let places = Places::load(&state, staff.actor().organisation_id).await?;
    let name = places.establishments.iter().find(|e| e.id == est).map(|e| e.name.clone()).ok_or(WebError::NotFound)?;
    let period = Period::of(&state, &params)?;
    let unit = unit_filter(&places, est, &params)?;
    // The establishment check comes first: a reader who does not work there learns nothing more.
    let agenda = state.app.establishment_agenda(staff.actor(), est, unit, (period.from, period.to)).await?;
    let (sessions, _) = state.app.activities_between(staff.actor(), est, unit, (period.from, period.to)).await?;
    let days = by_day(&period, &state, &places, &agenda.appointments, &sessions, true)?;
    let extra = unit.map(|u| format!("&unit={u}")).unwrap_or_default();
    render(
        AgendaPage {
            title: format!("Agenda — {name}"),
            nav: nav(&state, &staff),
            heading: name,
            path: format!("/establishments/{est}/agenda"),
            period: period_label(&period),
            day_view: period.day_view,
            links: period.links(state.app.today(), &extra)?,
            days,
            units: places
                .units
                .iter()
                .filter(|u| u.establishment_id == est)
                .map(|u| (u.id.to_string(), u.name.clone()))
                .collect(),
            unit: unit.map(|u| u.to_string()).unwrap_or_default(),
            date: period.date.to_string(),
            show_place: true,
            truncated: agenda.truncated,
            establishment_id: est.to_string(),
            unit_id: None,
        },
        StatusCode::OK,
    )
}

async fn establishment_ics(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Response, WebError> {
    let est: EstablishmentId = parse_id(&id)?;
    let places = Places::load(&state, staff.actor().organisation_id).await?;
    let name = places.establishments.iter().find(|e| e.id == est).map(|e| e.name.clone()).ok_or(WebError::NotFound)?;
    let period = Period::of(&state, &params)?;
    let unit = unit_filter(&places, est, &params)?;
    let agenda = state.app.establishment_agenda(staff.actor(), est, unit, (period.from, period.to)).await?;
    if agenda.truncated {
        // A partial calendar would look complete in a calendar application.
        return Err(WebError::BadRequest(
            "trop de rendez-vous pour un seul fichier : choisissez une unité ou un jour".into(),
        ));
    }
    let (sessions, _) = state.app.activities_between(staff.actor(), est, unit, (period.from, period.to)).await?;
    let sessions: Vec<Activity> = sessions.into_iter().map(|(a, _)| a).collect();
    Ok(calendar(state.app.agenda_ical(&name, &agenda.appointments, &sessions)))
}

fn calendar(body: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("text/calendar; charset=utf-8")),
            (header::CONTENT_DISPOSITION, HeaderValue::from_static("attachment; filename=\"agenda.ics\"")),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        body,
    )
        .into_response()
}
