//! HTML pages for staff: login, second factor, home, persons, stays, logbook, audit, accounts.

use crate::AppState;
use crate::error::WebError;
use crate::forms::{CsrfForm, Fields, FormView, PlainForm, SessionForm};
use crate::session::{AnySession, PRE_LOGIN_COOKIE, SESSION_COOKIE, Staff, client_ip, cookie, set_cookie};
use crate::views::{Banner, Fragment, Nav, NoteView, PersonRow, french_date, highlight, when};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use relais_app::auth::SessionStage;
use relais_app::notes::NoteInput;
use relais_app::observations::ObservationInput;
use relais_app::persons::IdentityInput;
use relais_app::secret::{random_token, same};
use relais_app::store::org::Unit;
use relais_app::store::persons::{Person, PersonQuery};
use relais_app::{AppError, admin::AdminBy};
use relais_domain::access::may_register_person;
use relais_domain::date::BirthDate;
use relais_domain::ids::*;
use relais_domain::observation::VitalSign;
use relais_domain::stay::{DischargeReason, StayMode};
use std::collections::HashMap;

pub(crate) type PageResult = Result<Response, WebError>;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/login", get(login_page).post(login))
        .route("/login/totp", get(totp_page).post(totp_check))
        .route("/logout", post(logout))
        .route("/account/totp", get(enrol_page).post(enrol_confirm))
        .route("/persons", get(search).post(register))
        .route("/persons/new", get(new_person))
        .route("/persons/{id}", get(person_page))
        .route("/persons/{id}/notes", post(write_note))
        .route("/persons/{id}/stays", post(admit))
        .route("/persons/{id}/observations", post(record_observation))
        .route("/persons/{id}/stays/{stay}/discharge", post(discharge))
        .route("/persons/{id}/stays/{stay}/transfer", post(transfer))
        .route("/persons/{id}/evidence", post(evidence))
        .route("/persons/{id}/access-log", get(access_log))
        .route("/persons/{id}/alerts", post(pin_alert))
        .route("/persons/{id}/appointments", post(plan_appointment))
        .route(
            "/persons/{id}/documents",
            post(file_document)
                .layer(axum::extract::DefaultBodyLimit::max(relais_domain::document::MAX_BYTES + 64 * 1024)),
        )
        .route("/documents/{id}", get(download_document))
        .route("/documents/{id}/preview", get(preview_document))
        .route("/appointments/{id}/cancel", post(cancel_appointment))
        .route("/alerts/{id}/resolve", post(resolve_alert))
        .route("/notes/{id}/history", get(note_history))
        .route("/notes/{id}/correct", get(correct_page).post(correct))
        .route("/logbook/search", get(logbook_search))
        .route("/logbook/shift", get(logbook_shift))
        .route("/notes/{id}/read", post(acknowledge))
        .route("/units/{id}", get(unit_page))
        .route("/units/{id}/round", get(round_page).post(round_post))
        .route("/establishments/{id}", get(establishment_page))
        .route("/admin/accounts", get(accounts))
        .route("/admin/accounts/{id}/{action}", post(account_action))
}

pub(crate) fn render(t: impl Template, status: StatusCode) -> PageResult {
    let body = t.render().map_err(|e| {
        tracing::error!(error = %e, "template failure");
        WebError::Internal
    })?;
    Ok((status, Html(body)).into_response())
}

pub(crate) fn parse_id<T: std::str::FromStr>(s: &str) -> Result<T, WebError> {
    s.parse().map_err(|_| WebError::NotFound)
}

pub(crate) fn nav(state: &AppState, staff: &Staff) -> Option<Nav> {
    Some(Nav::of(staff.actor(), staff.csrf(), state.app.today()))
}

pub(crate) fn see_other(to: &str) -> Response {
    Redirect::to(to).into_response()
}

/// Names of establishments and units, for display.
pub(crate) struct Places(std::sync::Arc<relais_app::admin::Places>);

impl std::ops::Deref for Places {
    type Target = relais_app::admin::Places;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl Places {
    pub(crate) async fn load(state: &AppState, org: OrganisationId) -> Result<Self, WebError> {
        Ok(Self(state.app.places(org).await?))
    }
    pub(crate) fn establishment(&self, id: EstablishmentId) -> String {
        self.establishments.iter().find(|e| e.id == id).map(|e| e.name.clone()).unwrap_or_default()
    }
    pub(crate) fn place(&self, e: EstablishmentId, u: Option<UnitId>) -> String {
        match u.and_then(|u| self.units.iter().find(|x| x.id == u)) {
            Some(unit) => format!("{} — {}", self.establishment(e), unit.name),
            None => self.establishment(e),
        }
    }
    /// Where the actor may record an admission request, as form values `est:unit`: each
    /// establishment whose admissions they manage (unit to be decided), then each of its units.
    fn request_targets(&self, staff: &Staff, today: jiff::civil::Date) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for e in &self.establishments {
            if !may_register_person(staff.actor().grants(), e.id, today) {
                continue;
            }
            out.push((format!("{}:", e.id), format!("{} — unité à définir", e.name)));
            for u in self.units.iter().filter(|u| u.establishment_id == e.id) {
                out.push((format!("{}:{}", e.id, u.id), format!("{} — {}", e.name, u.name)));
            }
        }
        out
    }
    /// Establishment/unit pairs the actor may admit to, as form values `est:unit`.
    fn admit_targets(&self, staff: &Staff, today: jiff::civil::Date) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for e in &self.establishments {
            if !may_register_person(staff.actor().grants(), e.id, today) {
                continue;
            }
            let units: Vec<&Unit> = self.units.iter().filter(|u| u.establishment_id == e.id).collect();
            if units.is_empty() {
                out.push((format!("{}:", e.id), e.name.clone()));
            }
            for u in units {
                out.push((format!("{}:{}", e.id, u.id), format!("{} — {}", e.name, u.name)));
            }
        }
        out
    }
}

pub(crate) fn parse_target(v: &str) -> Result<(EstablishmentId, Option<UnitId>), WebError> {
    let (e, u) = v.split_once(':').ok_or_else(|| WebError::BadRequest("établissement non reconnu".into()))?;
    let e: EstablishmentId = e.parse().map_err(|_| WebError::BadRequest("établissement non reconnu".into()))?;
    let u = if u.is_empty() {
        None
    } else {
        Some(u.parse().map_err(|_| WebError::BadRequest("unité non reconnue".into()))?)
    };
    Ok((e, u))
}

// ---------- login and second factor ----------

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    title: &'static str,
    nav: Option<Nav>,
    pre_token: String,
    username: String,
    error: Option<String>,
}

fn login_form(state: &AppState, username: String, error: Option<String>, status: StatusCode) -> PageResult {
    let pre = random_token()?;
    let mut res = render(LoginPage { title: "Connexion", nav: None, pre_token: pre.clone(), username, error }, status)?;
    if let Ok(v) = HeaderValue::from_str(&set_cookie(PRE_LOGIN_COOKIE, &pre, state.config.secure_cookies)) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(res)
}

async fn login_page(State(state): State<AppState>) -> PageResult {
    login_form(&state, String::new(), None, StatusCode::OK)
}

async fn login(State(state): State<AppState>, PlainForm(parts, f): PlainForm) -> PageResult {
    // Login CSRF: the form must come with the token its page set as a cookie.
    let pre = cookie(&parts.headers, PRE_LOGIN_COOKIE).unwrap_or_default();
    if pre.is_empty() || !same(&pre, f.get("pre_token")) {
        return Err(WebError::Csrf);
    }
    let username = f.get("username").chars().take(100).collect::<String>();
    let ip = client_ip(&parts, state.config.trust_forwarded_for);
    match state.app.login(&username, f.get("password"), &ip).await {
        Ok(ok) => {
            let to = match ok.stage {
                SessionStage::Ready => "/",
                SessionStage::NeedsTotp => "/login/totp",
                SessionStage::NeedsEnrolment => "/account/totp",
            };
            let mut res = see_other(to);
            if let Ok(v) = HeaderValue::from_str(&set_cookie(SESSION_COOKIE, &ok.token, state.config.secure_cookies)) {
                res.headers_mut().append(header::SET_COOKIE, v);
            }
            Ok(res)
        }
        Err(AppError::Unauthenticated) => login_form(
            &state,
            username,
            Some("Identifiant ou mot de passe incorrect.".into()),
            StatusCode::UNAUTHORIZED,
        ),
        Err(AppError::TooManyAttempts) => login_form(
            &state,
            username,
            Some("Trop de tentatives ont échoué : patientez 15 minutes ou contactez votre administrateur.".into()),
            StatusCode::TOO_MANY_REQUESTS,
        ),
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "totp.html")]
struct TotpPage {
    title: &'static str,
    nav: Option<Nav>,
    csrf: String,
    error: Option<String>,
}

async fn totp_page(AnySession(s): AnySession) -> PageResult {
    match s.stage {
        SessionStage::Ready => Ok(see_other("/")),
        SessionStage::NeedsEnrolment => Ok(see_other("/account/totp")),
        SessionStage::NeedsTotp => render(
            TotpPage { title: "Code de vérification", nav: None, csrf: s.csrf_token, error: None },
            StatusCode::OK,
        ),
    }
}

async fn totp_check(State(state): State<AppState>, SessionForm(s, f): SessionForm) -> PageResult {
    match state.app.verify_totp(&s, f.get("code")).await {
        Ok(()) => Ok(see_other("/")),
        Err(AppError::Unauthenticated) => render(
            TotpPage {
                title: "Code de vérification",
                nav: None,
                csrf: s.csrf_token,
                error: Some("Code incorrect ou déjà utilisé.".into()),
            },
            StatusCode::UNAUTHORIZED,
        ),
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "enrol.html")]
struct EnrolPage {
    title: &'static str,
    nav: Option<Nav>,
    csrf: String,
    required: bool,
    qr_svg: String,
    secret: String,
    error: Option<String>,
}

async fn enrol_render(
    state: &AppState,
    s: &relais_app::auth::SessionInfo,
    error: Option<String>,
    status: StatusCode,
) -> PageResult {
    let e = state.app.begin_totp_enrolment(s).await.map_err(|e| match e {
        AppError::Conflict(_) => WebError::Redirect("/".into()),
        other => other.into(),
    })?;
    render(
        EnrolPage {
            title: "Double authentification",
            nav: None,
            csrf: s.csrf_token.clone(),
            required: s.stage == SessionStage::NeedsEnrolment,
            qr_svg: e.qr_svg,
            secret: e.secret,
            error,
        },
        status,
    )
}

async fn enrol_page(State(state): State<AppState>, AnySession(s): AnySession) -> PageResult {
    if s.stage == SessionStage::NeedsTotp {
        return Ok(see_other("/login/totp"));
    }
    enrol_render(&state, &s, None, StatusCode::OK).await
}

async fn enrol_confirm(State(state): State<AppState>, SessionForm(s, f): SessionForm) -> PageResult {
    if s.stage == SessionStage::NeedsTotp {
        return Ok(see_other("/login/totp"));
    }
    match state.app.confirm_totp_enrolment(&s, f.get("code")).await {
        Ok(()) => Ok(see_other("/")),
        Err(AppError::Invalid(e)) => {
            let msg = e.into_iter().map(|e| e.message).collect::<Vec<_>>().join(" ");
            enrol_render(&state, &s, Some(msg), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn logout(State(state): State<AppState>, SessionForm(s, _): SessionForm) -> PageResult {
    state.app.logout(&s).await?;
    let mut res = see_other("/login");
    res.headers_mut().append(header::SET_COOKIE, HeaderValue::from_static(crate::session::CLEAR_COOKIE));
    Ok(res)
}

// ---------- home and units ----------

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    title: &'static str,
    nav: Option<Nav>,
    greeting: String,
    units: Vec<(String, String, String)>,
    establishments: Vec<(String, String)>,
    /// Establishments whose admissions the actor manages: (id, name).
    registering: Vec<(String, String)>,
}

async fn home(State(state): State<AppState>, staff: Staff) -> PageResult {
    let today = state.app.today();
    let places = Places::load(&state, staff.actor().organisation_id).await?;
    let grants = staff.actor().grants();
    let units = places
        .units
        .iter()
        .filter(|u| grants.iter().any(|g| g.is_active(today) && g.covers_unit(u.establishment_id, u.id)))
        .map(|u| (u.id.to_string(), u.name.clone(), places.establishment(u.establishment_id)))
        .collect();
    let registering = places
        .establishments
        .iter()
        .filter(|e| may_register_person(grants, e.id, today))
        .map(|e| (e.id.to_string(), e.name.clone()))
        .collect();
    let establishments = places
        .establishments
        .iter()
        .filter(|e| grants.iter().any(|g| g.is_active(today) && g.establishment == e.id && g.unit.is_none()))
        .map(|e| (e.id.to_string(), e.name.clone()))
        .collect();
    let greeting = match &staff.actor().principal {
        relais_app::Principal::Staff { display_name, .. } => display_name.clone(),
        _ => String::new(),
    };
    render(
        HomePage { title: "Accueil", nav: nav(&state, &staff), greeting, units, establishments, registering },
        StatusCode::OK,
    )
}

#[derive(Template)]
#[template(path = "unit.html")]
struct UnitPage {
    title: String,
    nav: Option<Nav>,
    unit_name: String,
    establishment_name: String,
    residents: Vec<PersonRow>,
    /// Active pinned alerts: (person id, label).
    alerts: Vec<(String, &'static str)>,
    show_logbook: bool,
    unit_path: String,
    /// The unit's agenda, or the establishment's on its page.
    agenda_path: String,
    /// The establishment's alert thresholds and activities pages.
    thresholds_path: String,
    activities_path: String,
    /// The establishment's waiting list, for those who manage its admissions.
    admissions_path: Option<String>,
    /// The establishment's expiring rights and occupancy pages (prefix), for the same people.
    establishment_files_path: Option<String>,
    /// The establishment's contracts awaiting their signature, for those who read the administrative file.
    contracts_path: Option<String>,
    notes: Vec<NoteView>,
    /// The filter as chosen: hours, category code, author text.
    hours: String,
    category: String,
    author: String,
    periods: &'static [(&'static str, &'static str)],
    categories: Vec<(&'static str, &'static str)>,
}

/// Periods of a unit's logbook, in hours.
const LOGBOOK_PERIODS: &[(&str, &str)] =
    &[("24", "24 heures"), ("72", "3 jours"), ("168", "7 jours"), ("744", "31 jours")];

async fn unit_page(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> PageResult {
    let unit_id: UnitId = parse_id(&id)?;
    let hours = params.get("hours").cloned().unwrap_or_else(|| "24".into());
    if !LOGBOOK_PERIODS.iter().any(|(v, _)| *v == hours) {
        return Err(WebError::BadRequest("période non reconnue".into()));
    }
    let category = params.get("category").cloned().unwrap_or_default();
    let only = match category.as_str() {
        "" => None,
        code => Some(
            relais_domain::access::Category::from_code(code)
                .ok_or_else(|| WebError::BadRequest("catégorie non reconnue".into()))?,
        ),
    };
    let author: String = params.get("author").map(|a| a.trim().chars().take(100).collect()).unwrap_or_default();
    let filter = relais_app::notes::LogbookFilter {
        hours: hours.parse().unwrap_or(24),
        category: only,
        author: (!author.is_empty()).then(|| author.clone()),
    };
    let places = Places::load(&state, staff.actor().organisation_id).await?;
    let unit = places.units.iter().find(|u| u.id == unit_id).ok_or(WebError::NotFound)?;
    // Side by side: each waits for its audit event to be durable, and both then share a commit.
    let (residents, notes) = tokio::try_join!(
        state.app.residents(staff.actor(), unit.establishment_id, Some(unit.id)),
        state.app.unit_logbook(staff.actor(), unit.establishment_id, unit.id, &filter)
    )?;
    let ids: Vec<PersonId> = residents.iter().map(|(p, _)| p.id).collect();
    let alerts = state
        .app
        .unit_alerts(staff.actor(), unit.establishment_id, unit.id, &ids)
        .await?
        .iter()
        .map(|a| (a.person_id.to_string(), a.kind.label()))
        .collect();
    let today = state.app.today();
    let categories = relais_domain::access::readable_categories_in_unit(
        staff.actor().grants(),
        unit.establishment_id,
        unit.id,
        today,
    )
    .into_iter()
    .map(|c| (c.code(), c.label()))
    .collect();
    let tz = state.app.time_zone();
    render(
        UnitPage {
            title: unit.name.clone(),
            nav: nav(&state, &staff),
            unit_name: unit.name.clone(),
            establishment_name: places.establishment(unit.establishment_id),
            residents: residents.iter().map(|(p, _)| PersonRow::of(p, String::new())).collect(),
            alerts,
            show_logbook: true,
            unit_path: format!("/units/{}", unit.id),
            agenda_path: format!("/units/{}/agenda", unit.id),
            thresholds_path: format!("/establishments/{}/thresholds", unit.establishment_id),
            activities_path: format!("/establishments/{}/activities", unit.establishment_id),
            admissions_path: None,
            establishment_files_path: None,
            contracts_path: None,
            notes: notes.iter().map(|(n, p)| NoteView::of(n, Some(p), tz, false)).collect(),
            hours,
            category,
            author,
            periods: LOGBOOK_PERIODS,
            categories,
        },
        StatusCode::OK,
    )
}

/// One line of a round form.
struct RoundLine {
    id: String,
    name: String,
    value: String,
    value2: String,
    confirmed: bool,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "round.html")]
struct RoundPage {
    title: String,
    nav: Option<Nav>,
    csrf: String,
    form_id: String,
    unit_id: String,
    unit_name: String,
    kind: &'static str,
    kind_label: &'static str,
    unit_symbol: &'static str,
    two_values: bool,
    vital_signs: Vec<(&'static str, &'static str)>,
    lines: Vec<RoundLine>,
    flash: Option<String>,
    error: Option<String>,
}

/// What a round form shows besides its residents: what was typed, and the messages.
#[derive(Default)]
struct RoundState<'a> {
    typed: Option<&'a Fields>,
    errors: &'a [(PersonId, relais_domain::DomainError)],
    flash: Option<String>,
    error: Option<String>,
}

/// The round form: every resident of the unit, one field each (two for blood pressure).
async fn round_render(
    state: &AppState,
    staff: &Staff,
    unit_id: UnitId,
    kind: VitalSign,
    shown: RoundState<'_>,
    status: StatusCode,
) -> PageResult {
    let RoundState { typed, errors, flash, error } = shown;
    let places = Places::load(state, staff.actor().organisation_id).await?;
    let unit = places.units.iter().find(|u| u.id == unit_id).ok_or(WebError::NotFound)?;
    let residents = state.app.residents(staff.actor(), unit.establishment_id, Some(unit.id)).await?;
    let field = |name: &str, p: &PersonId| typed.map(|f| f.get(&format!("{name}-{p}")).to_string()).unwrap_or_default();
    let lines = residents
        .iter()
        .map(|(p, _)| RoundLine {
            id: p.id.to_string(),
            name: format!("{} {}", p.traits.birth_name.to_uppercase(), p.traits.first_first_name()),
            value: field("value", &p.id),
            value2: field("value2", &p.id),
            confirmed: field("confirmed", &p.id) == "on",
            error: errors.iter().find(|(id, _)| *id == p.id).map(|(_, e)| e.message.clone()),
        })
        .collect();
    render(
        RoundPage {
            title: format!("Tournée — {}", unit.name),
            nav: nav(state, staff),
            csrf: staff.csrf().to_string(),
            form_id: random_token()?,
            unit_id: unit.id.to_string(),
            unit_name: unit.name.clone(),
            kind: kind.code(),
            kind_label: kind.label(),
            unit_symbol: kind.unit_label(),
            two_values: kind == VitalSign::BloodPressure,
            vital_signs: VitalSign::ALL.iter().map(|k| (k.code(), k.label())).collect(),
            lines,
            flash,
            error,
        },
        status,
    )
}

pub(crate) fn round_kind(code: &str) -> Result<VitalSign, WebError> {
    VitalSign::from_code(if code.is_empty() { "weight" } else { code })
        .map_err(|_| WebError::BadRequest("type de mesure inconnu".into()))
}

async fn round_page(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> PageResult {
    let unit_id: UnitId = parse_id(&id)?;
    let kind = round_kind(params.get("kind").map(String::as_str).unwrap_or(""))?;
    let count = |k: &str| params.get(k).and_then(|v| v.parse::<usize>().ok());
    let flash = count("saved").map(|n| {
        let alerts = count("alerts").unwrap_or(0);
        let mut m = format!("{n} mesure{} enregistrée{}.", if n > 1 { "s" } else { "" }, if n > 1 { "s" } else { "" });
        if alerts > 0 {
            m.push_str(&format!(
                " {alerts} alerte{} de perte de poids écrite{} dans le cahier de liaison.",
                if alerts > 1 { "s" } else { "" },
                if alerts > 1 { "s" } else { "" }
            ));
        }
        m
    });
    round_render(&state, &staff, unit_id, kind, RoundState { flash, ..Default::default() }, StatusCode::OK).await
}

async fn round_post(State(state): State<AppState>, Path(id): Path<String>, CsrfForm(staff, f): CsrfForm) -> PageResult {
    let unit_id: UnitId = parse_id(&id)?;
    let kind = round_kind(f.get("kind"))?;
    // The lines are those of the form; each is checked against the person's file by the app.
    let mut entries = Vec::new();
    for (key, value) in f.0.iter() {
        let Some(person) = key.strip_prefix("value-") else { continue };
        let person: PersonId = person.parse().map_err(|_| WebError::BadRequest("ligne de tournée invalide".into()))?;
        entries.push(relais_app::observations::RoundEntry {
            person,
            value: value.clone(),
            value2: f.get(&format!("value2-{person}")).to_string(),
            confirmed: f.get(&format!("confirmed-{person}")) == "on",
        });
    }
    match state.app.record_round(staff.actor(), kind.code(), &entries).await {
        Ok(relais_app::observations::RoundOutcome::Saved { count, alerts }) => {
            Ok(see_other(&format!("/units/{unit_id}/round?kind={}&saved={count}&alerts={alerts}", kind.code())))
        }
        Ok(relais_app::observations::RoundOutcome::Rejected(errors)) => {
            let message = format!(
                "Rien n'a été enregistré : {} ligne{} à corriger.",
                errors.len(),
                if errors.len() > 1 { "s" } else { "" }
            );
            let shown = RoundState { typed: Some(&f), errors: &errors, error: Some(message), ..Default::default() };
            round_render(&state, &staff, unit_id, kind, shown, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(AppError::Invalid(errors)) => {
            let message = errors.iter().map(|e| e.message.clone()).collect::<Vec<_>>().join(" ; ");
            let shown = RoundState { typed: Some(&f), error: Some(message), ..Default::default() };
            round_render(&state, &staff, unit_id, kind, shown, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e.into()),
    }
}

/// Everyone currently supported by an establishment, for establishment-wide grants.
async fn establishment_page(State(state): State<AppState>, staff: Staff, Path(id): Path<String>) -> PageResult {
    let est: EstablishmentId = parse_id(&id)?;
    let places = Places::load(&state, staff.actor().organisation_id).await?;
    let name = places.establishments.iter().find(|e| e.id == est).map(|e| e.name.clone()).ok_or(WebError::NotFound)?;
    let residents = state.app.residents(staff.actor(), est, None).await?;
    render(
        UnitPage {
            title: name.clone(),
            nav: nav(&state, &staff),
            unit_name: name,
            establishment_name: "tous les lieux".into(),
            residents: residents
                .iter()
                .map(|(p, s)| PersonRow::of(p, places.place(s.establishment_id, s.unit_id)))
                .collect(),
            alerts: vec![],
            show_logbook: false,
            unit_path: String::new(),
            agenda_path: format!("/establishments/{est}/agenda"),
            thresholds_path: format!("/establishments/{est}/thresholds"),
            activities_path: format!("/establishments/{est}/activities"),
            admissions_path: may_register_person(staff.actor().grants(), est, state.app.today())
                .then(|| format!("/establishments/{est}/admissions")),
            establishment_files_path: may_register_person(staff.actor().grants(), est, state.app.today())
                .then(|| format!("/establishments/{est}")),
            contracts_path: crate::contracts::unsigned_path(&staff, est, state.app.today()),
            notes: vec![],
            hours: String::new(),
            category: String::new(),
            author: String::new(),
            periods: LOGBOOK_PERIODS,
            categories: vec![],
        },
        StatusCode::OK,
    )
}

// ---------- persons ----------

#[derive(Template)]
#[template(path = "persons.html")]
struct SearchPage {
    title: &'static str,
    nav: Option<Nav>,
    q: String,
    birth_date: String,
    may_register: bool,
    searched: bool,
    search_error: Option<String>,
    results: Vec<PersonRow>,
}

#[derive(Template)]
#[template(path = "persons_results.html")]
struct SearchResults {
    searched: bool,
    search_error: Option<String>,
    results: Vec<PersonRow>,
}

async fn search(
    State(state): State<AppState>,
    staff: Staff,
    headers: HeaderMap,
    Query(params): Query<HashMap<String, String>>,
) -> PageResult {
    let q = params.get("q").map(|s| s.trim().chars().take(100).collect::<String>()).unwrap_or_default();
    let bd = params.get("birth_date").map(|s| s.trim().chars().take(20).collect::<String>()).unwrap_or_default();
    let today = state.app.today();
    let mut search_error = None;
    let birth_date = if bd.is_empty() {
        None
    } else {
        match BirthDate::parse(&bd, today) {
            Ok(d) => Some(d),
            Err(e) => {
                search_error = Some(format!("Date de naissance : {}", e.message));
                None
            }
        }
    };
    let searched = search_error.is_none() && (!q.is_empty() || birth_date.is_some());
    let mut results = Vec::new();
    if searched {
        let places = Places::load(&state, staff.actor().organisation_id).await?;
        let query =
            PersonQuery { name: (!q.is_empty()).then(|| q.clone()), birth_date, limit: 50, ..Default::default() };
        for (p, stays) in state.app.search_persons(staff.actor(), query).await? {
            let open: Vec<String> =
                stays.iter().filter(|s| s.is_open()).map(|s| places.place(s.establishment_id, s.unit_id)).collect();
            let where_ = if open.is_empty() { "sans séjour en cours".to_string() } else { open.join(", ") };
            results.push(PersonRow::of(&p, where_));
        }
    }
    if headers.contains_key("hx-request") && !headers.contains_key("hx-boosted") {
        return render(SearchResults { searched, search_error, results }, StatusCode::OK);
    }
    let may_register = Places::load(&state, staff.actor().organisation_id)
        .await?
        .establishments
        .iter()
        .any(|e| may_register_person(staff.actor().grants(), e.id, today));
    render(
        SearchPage {
            title: "Personnes",
            nav: nav(&state, &staff),
            q,
            birth_date: bd,
            may_register,
            searched,
            search_error,
            results,
        },
        StatusCode::OK,
    )
}

#[derive(Template)]
#[template(path = "person_new.html")]
struct NewPersonPage {
    title: &'static str,
    nav: Option<Nav>,
    csrf: String,
    form_id: String,
    establishments: Vec<(String, String)>,
    form: FormView,
    /// Close identities found before registration, to be looked at first.
    duplicates: Vec<crate::identity::CandidateView>,
    duplicate_warning: Option<String>,
}

async fn new_person_render(state: &AppState, staff: &Staff, form: FormView, status: StatusCode) -> PageResult {
    new_person_render_with(state, staff, form, vec![], None, status).await
}

async fn new_person_render_with(
    state: &AppState,
    staff: &Staff,
    form: FormView,
    duplicates: Vec<crate::identity::CandidateView>,
    duplicate_warning: Option<String>,
    status: StatusCode,
) -> PageResult {
    let today = state.app.today();
    let establishments: Vec<(String, String)> = state
        .app
        .establishments(staff.actor().organisation_id)
        .await?
        .into_iter()
        .filter(|e| may_register_person(staff.actor().grants(), e.id, today))
        .map(|e| (e.id.to_string(), e.name))
        .collect();
    if establishments.is_empty() {
        return Err(WebError::Forbidden);
    }
    render(
        NewPersonPage {
            title: "Nouvelle personne",
            nav: nav(state, staff),
            csrf: staff.csrf().to_string(),
            form_id: random_token()?,
            establishments,
            form,
            duplicates,
            duplicate_warning,
        },
        status,
    )
}

async fn new_person(State(state): State<AppState>, staff: Staff) -> PageResult {
    new_person_render(&state, &staff, FormView::default(), StatusCode::OK).await
}

async fn register(State(state): State<AppState>, CsrfForm(staff, f): CsrfForm) -> PageResult {
    let establishment: Option<EstablishmentId> = f.get("establishment").parse().ok();
    let input = IdentityInput {
        birth_name: f.get("birth_name").into(),
        first_names: f.get("first_names").into(),
        birth_date: f.get("birth_date").into(),
        sex: f.get("sex").into(),
        birthplace: f.get("birthplace").into(),
        used_name: f.get("used_name").into(),
        used_first_name: f.get("used_first_name").into(),
        establishment,
        confirm_distinct: f.get("confirm_distinct") == "yes",
        ..Default::default()
    };
    match state.app.register_person(staff.actor(), &input).await {
        Ok(id) => Ok(see_other(&format!("/persons/{id}?ok=created"))),
        Err(AppError::Invalid(errors)) => {
            new_person_render(&state, &staff, FormView::with(&f, &errors), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(AppError::Conflict(c)) if c == "duplicate-candidates" => {
            // Show the close identities; registering anyway needs an explicit statement.
            let found = state.app.check_duplicates(staff.actor(), &input).await?;
            let warning = relais_app::identity::duplicate_warning(&found);
            let views = found.iter().map(crate::identity::CandidateView::of).collect();
            new_person_render_with(&state, &staff, FormView::with(&f, &[]), views, warning, StatusCode::CONFLICT).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "person.html")]
struct PersonPage {
    title: String,
    nav: Option<Nav>,
    csrf: String,
    form_id: String,
    banner: Banner,
    flash: Option<String>,
    form: FormView,
    writable: Vec<(&'static str, &'static str)>,
    /// Whom a note may be brought to: (form value, label).
    mention_choices: Vec<(String, String)>,
    importances: Vec<(&'static str, &'static str)>,
    notes: Vec<NoteView>,
    stays: Vec<StayRow>,
    may_manage_stays: bool,
    may_edit_identity: bool,
    may_view_access_log: bool,
    admit_targets: Vec<(String, String)>,
    modes: Vec<(&'static str, &'static str)>,
    discharge_reasons: Vec<(&'static str, &'static str)>,
    evidence: Vec<String>,
    first_names: String,
    birthplace: Option<String>,
    today: String,
    may_measure: bool,
    /// « GIR 2 (évalué le 12/11/2026) »: the latest AGGIR evaluation.
    gir: Option<String>,
    may_read_aggir: bool,
    /// The latest result of each grid: « Braden 12/23 — risque élevé, le 26/11/2026 ».
    grids: Vec<String>,
    /// Personne de confiance, protection measures and consents in force.
    relatives: crate::relatives::SummaryView,
    vital_signs: Vec<(&'static str, &'static str, &'static str)>,
    measures: Vec<(String, &'static str, String, String)>,
    alerts: Vec<AlertView>,
    alert_kinds: Vec<(&'static str, &'static str)>,
    appointments: Vec<AppointmentView>,
    may_plan: bool,
    transports: Vec<(&'static str, &'static str)>,
    repeats: Vec<(&'static str, &'static str)>,
    documents: Vec<DocumentView>,
    document_types: &'static [(&'static str, &'static str)],
    /// The person's admission requests, when the actor manages their stays.
    admissions: Option<Vec<crate::admissions::AdmissionRow>>,
    request_targets: Vec<(String, String)>,
    admission_sources: &'static [(&'static str, &'static str)],
    priorities: Vec<(&'static str, &'static str)>,
    /// The administrative file's summary (expiring rights, current absence).
    adminfile: crate::adminfile::SummaryView,
    /// The projet personnalisé card, when the actor may read it.
    support_plan: Option<crate::support_plans::PlanCard>,
    /// The contracts' summary and whether one awaits its signature too long, for the administrative file.
    contracts: Option<(String, bool)>,
}

/// An appointment as listed.
pub(crate) struct AppointmentView {
    pub(crate) id: String,
    pub(crate) person_id: String,
    pub(crate) person: String,
    pub(crate) when: String,
    /// Start and end times only, for an agenda's day.
    pub(crate) hours: String,
    pub(crate) title: String,
    pub(crate) location: Option<String>,
    pub(crate) external: bool,
    pub(crate) transport: &'static str,
    pub(crate) escort: Option<String>,
    pub(crate) cancelled: bool,
    /// How its series repeats, for an appointment of a series.
    pub(crate) series: Option<&'static str>,
    /// The unit it is filed under, in an establishment's agenda.
    pub(crate) place: String,
}

impl AppointmentView {
    pub(crate) fn of(
        a: &relais_app::store::appointments::Appointment,
        person: Option<&Person>,
        tz: &jiff::tz::TimeZone,
    ) -> Self {
        let d = &a.details;
        let end = jiff::Timestamp::from_microsecond(d.ends_at)
            .map(|t| tz.to_datetime(t).strftime("%H:%M").to_string())
            .unwrap_or_default();
        Self {
            id: a.id.to_string(),
            person_id: a.person_id.to_string(),
            person: person
                .map(|p| format!("{} {}", p.traits.birth_name.to_uppercase(), p.traits.first_first_name()))
                .unwrap_or_default(),
            when: format!("{} – {end}", when(d.starts_at, tz)),
            hours: format!("{} – {end}", crate::views::hour(d.starts_at, tz)),
            title: d.title.clone(),
            location: d.location.clone(),
            external: d.external,
            transport: d.transport.label(),
            escort: d.escort.clone(),
            cancelled: a.cancelled_at.is_some(),
            series: a.series.map(|s| s.repeat.label()),
            place: String::new(),
        }
    }
}

/// A document as listed on the person's page.
struct DocumentView {
    id: String,
    title: String,
    type_label: &'static str,
    date: String,
    category: &'static str,
    size: String,
    author: String,
    version: i32,
    sha256: String,
}

impl DocumentView {
    fn of(d: &relais_app::store::documents::DocumentInfo) -> Self {
        Self {
            id: d.id.to_string(),
            title: d.title.clone(),
            type_label: relais_domain::document::type_label(&d.type_code).unwrap_or("Document"),
            date: french_date(d.document_date),
            category: d.category.label(),
            size: if d.size >= 1024 * 1024 {
                format!("{:.1} Mo", d.size as f64 / 1_048_576.0).replace('.', ",")
            } else {
                format!("{} ko", (d.size + 1023) / 1024)
            },
            author: d.author_label.clone(),
            version: d.version,
            sha256: d.sha256.clone(),
        }
    }
}

/// A document upload (multipart): the CSRF token and the one-time form id travel as fields.
async fn file_document(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    mut multipart: axum::extract::Multipart,
) -> PageResult {
    let id: PersonId = parse_id(&id)?;
    let bad = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            WebError::FileTooLarge
        } else {
            WebError::BadRequest("envoi de fichier illisible".into())
        }
    };
    let mut fields = HashMap::new();
    let mut bytes = Vec::new();
    let mut declared = String::new();
    while let Some(field) = multipart.next_field().await.map_err(bad)? {
        let name = field.name().unwrap_or_default().to_string();
        if name == "file" {
            declared = field.content_type().unwrap_or_default().to_string();
            bytes = field.bytes().await.map_err(bad)?.to_vec();
        } else {
            fields.insert(name, field.text().await.map_err(bad)?);
        }
    }
    let f = Fields(fields, vec![]);
    if !same(f.get("csrf_token"), staff.csrf()) {
        return Err(WebError::Csrf);
    }
    if !f.get("form_id").is_empty() {
        state.app.claim_form(&staff.0, f.get("form_id")).await?;
    }
    let replaces = match f.get("replaces") {
        "" => None,
        v => Some(parse_id::<DocumentId>(v)?),
    };
    let input = relais_app::documents::DocumentInput {
        type_code: f.get("type_code").into(),
        title: f.get("doc_title").into(),
        date: f.get("date").into(),
        category: f.get("category").into(),
        declared_type: declared,
        bytes,
        replaces,
    };
    let r = state.app.file_document(staff.actor(), id, &input).await.map(|_| ());
    after_post(&state, &staff, id, &f, r, "document").await
}

async fn document_response(state: &AppState, staff: &Staff, id: &str, preview: bool) -> Result<Response, WebError> {
    let id: DocumentId = parse_id(id)?;
    let (info, media, bytes) = state.app.document_content(staff.actor(), id, preview).await?;
    let disposition = format!(
        "{}; filename=\"document-{}.{}\"",
        if preview { "inline" } else { "attachment" },
        info.id,
        media.extension()
    );
    let mut res = bytes.into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(media.mime()));
    h.insert(header::CONTENT_DISPOSITION, HeaderValue::from_str(&disposition).map_err(|_| WebError::Internal)?);
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    // Shown alone and sandboxed: a PDF cannot run script or reach the session.
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "sandbox; default-src 'none'; img-src 'self'; object-src 'self'; frame-ancestors 'self'",
        ),
    );
    Ok(res)
}

async fn download_document(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    document_response(&state, &staff, &id, false).await
}

async fn preview_document(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    document_response(&state, &staff, &id, true).await
}

/// A date (JJ/MM/AAAA) and a time (HH:MM) in the establishment's time zone.
fn local_time(state: &AppState, date: &str, time: &str) -> Option<jiff::Timestamp> {
    let day = relais_domain::date::parse_date("date", date).ok()?;
    let t: jiff::civil::Time = time.trim().parse().ok()?;
    state.app.time_zone().to_timestamp(day.to_datetime(t)).ok()
}

async fn plan_appointment(
    State(state): State<AppState>,
    Path(id): Path<String>,
    CsrfForm(staff, f): CsrfForm,
) -> PageResult {
    let id: PersonId = parse_id(&id)?;
    let input = relais_app::appointments::AppointmentInput {
        title: f.get("title").into(),
        location: f.get("location").into(),
        starts_at: local_time(&state, f.get("date"), f.get("start")),
        ends_at: local_time(&state, f.get("date"), f.get("end")),
        external: f.get("external") == "on",
        transport: f.get("transport").into(),
        escort: f.get("escort").into(),
        repeat: f.get("repeat").into(),
        until: f.get("until").into(),
    };
    match state.app.plan_appointment(staff.actor(), id, &input).await {
        Ok(planned) if planned.count > 1 || !planned.skipped.is_empty() => {
            let skipped: Vec<String> = planned.skipped.iter().map(|d| d.to_string()).collect();
            Ok(see_other(&format!("/persons/{id}?ok=appointments&n={}&skipped={}", planned.count, skipped.join(","))))
        }
        r => after_post(&state, &staff, id, &f, r.map(|_| ()), "appointment").await,
    }
}

async fn cancel_appointment(
    State(state): State<AppState>,
    Path(id): Path<String>,
    CsrfForm(staff, f): CsrfForm,
) -> PageResult {
    let id: AppointmentId = parse_id(&id)?;
    let person = state.app.cancel_appointment(staff.actor(), id, f.get("following") == "on").await?;
    Ok(see_other(&format!("/persons/{person}?ok=appointment-cancelled")))
}

/// A pinned alert as shown on the person's page.
struct AlertView {
    id: String,
    label: &'static str,
    detail: Option<String>,
    since: String,
}

struct StayRow {
    id: String,
    place: String,
    mode: &'static str,
    start: String,
    end: Option<String>,
    open: bool,
}

/// What planning a series says: how many appointments, and the months without that day.
fn series_message(q: &HashMap<String, String>) -> String {
    let n = q.get("n").and_then(|n| n.parse::<usize>().ok()).unwrap_or(0);
    let mut m = format!("{n} rendez-vous enregistrés.");
    let skipped: Vec<String> = q
        .get("skipped")
        .map(|s| {
            s.split(',').filter_map(|d| d.parse::<jiff::civil::Date>().ok()).map(crate::views::french_month).collect()
        })
        .unwrap_or_default();
    if !skipped.is_empty() {
        m.push_str(&format!(" Pas de rendez-vous en {} : ce jour n'existe pas ce mois-là.", skipped.join(", ")));
    }
    m
}

fn flash_message(code: Option<&str>) -> Option<&'static str> {
    match code {
        Some("created") => Some("Identité enregistrée (statut provisoire)."),
        Some("note") => Some("Transmission enregistrée."),
        Some("corrected") => Some("Correction enregistrée ; la version précédente reste dans l'historique."),
        Some("admitted") => Some("Admission enregistrée."),
        Some("discharged") => Some("Sortie enregistrée."),
        Some("transferred") => Some("Transfert enregistré."),
        Some("evidence") => Some("Justificatif enregistré."),
        Some("measure") => Some("Mesure enregistrée."),
        Some("alert") => {
            Some("Alerte posée : elle s'affiche sur le dossier et dans l'unité jusqu'à ce qu'elle soit levée.")
        }
        Some("alert-resolved") => Some("Alerte levée."),
        Some("appointment") => Some("Rendez-vous enregistré."),
        Some("document") => Some("Document classé dans le dossier."),
        Some("appointment-cancelled") => Some("Rendez-vous annulé."),
        _ => None,
    }
}

pub(crate) async fn person_render(
    state: &AppState,
    staff: &Staff,
    id: PersonId,
    form: FormView,
    flash: Option<String>,
    status: StatusCode,
) -> PageResult {
    // The page's reads run side by side, so that their audit events share one commit instead of
    // waiting for eight in turn (a care aide opens this page fifty times a shift).
    let actor = staff.actor();
    let (file, appointments, documents, requests, adminfile, support_plan, relatives, contracts, grids) = tokio::join!(
        state.app.person_file(actor, id),
        state.app.person_appointments(actor, id),
        state.app.person_documents(actor, id),
        state.app.person_admissions(actor, id),
        state.app.administrative_summary(actor, id),
        state.app.person_support_plan(actor, id),
        state.app.relatives_summary(actor, id),
        state.app.contract_summary(actor, id),
        state.app.latest_grids(actor, id),
    );
    let file = file?;
    if file.person.merged_into.is_some() {
        // A merged identity has no record of its own: its identity page says where it went.
        return Ok(see_other(&format!("/persons/{id}/identity")));
    }
    let (appointments, may_plan) = appointments?;
    let (documents, requests) = (documents?, requests?);
    let adminfile = crate::adminfile::SummaryView::of(&adminfile?);
    let support_plan = support_plan?;
    let relatives = crate::relatives::SummaryView::of(&relatives?);
    let contracts = contracts?;
    let grids: Vec<String> = grids?.iter().map(crate::grids::dated_summary).collect();
    let places = Places::load(state, staff.actor().organisation_id).await?;
    let tz = state.app.time_zone();
    let today = state.app.today();
    let writable: Vec<(&'static str, &'static str)> = file.writable.iter().map(|c| (c.code(), c.label())).collect();
    let notes = file
        .notes
        .iter()
        .map(|n| {
            NoteView::of(n, None, tz, file.writable.contains(&n.content.category))
                .with_mentions(n.lineage_id, &file.mentions)
        })
        .collect();
    let stays = file
        .stays
        .iter()
        .map(|s| StayRow {
            id: s.id.to_string(),
            place: places.place(s.establishment_id, s.unit_id),
            mode: s.mode.label(),
            start: french_date(s.start),
            end: s.end.map(french_date),
            open: s.is_open(),
        })
        .collect();
    let evidence = file
        .evidence
        .iter()
        .map(|e| {
            format!(
                "{} — contrôlé le {}{}",
                e.kind.label(),
                when(e.checked_at, tz),
                e.expires_on.map(|d| format!(", expire le {}", french_date(d))).unwrap_or_default()
            )
        })
        .collect();
    let measures = file
        .observations
        .iter()
        .map(|o| {
            let value = match o.value2 {
                Some(d) => format!("{}/{} {}", fmt_number(o.value), fmt_number(d), o.kind.unit_label()),
                None => format!("{} {}", fmt_number(o.value), o.kind.unit_label()).trim_end().to_string(),
            };
            // A pain score says what it means by its scale's own threshold.
            let value = match o.kind.pain_reading(o.value) {
                Some(r) => format!("{value} — {r}"),
                None => value,
            };
            (when(o.effective_at, tz), o.kind.label(), value, o.author_label.clone())
        })
        .collect();
    let banner = Banner::of(&file.person);
    render(
        PersonPage {
            importances: importance_choices(),
            title: format!("{} {}", banner.birth_name, banner.first_first_name),
            nav: nav(state, staff),
            csrf: staff.csrf().to_string(),
            form_id: random_token()?,
            flash,
            form,
            writable,
            mention_choices: file.mention_choices.clone(),
            notes,
            stays,
            may_manage_stays: file.may_manage_stays,
            may_edit_identity: file.may_edit_identity,
            may_view_access_log: file.may_view_access_log,
            admit_targets: places.admit_targets(staff, today),
            modes: StayMode::ALL.iter().map(|m| (m.code(), m.label())).collect(),
            discharge_reasons: DischargeReason::ALL
                .iter()
                .filter(|r| **r != DischargeReason::Transfer)
                .map(|r| (r.code(), r.label()))
                .collect(),
            evidence,
            first_names: file.person.traits.first_names_joined(),
            birthplace: file.person.traits.birthplace.as_ref().map(|b| b.as_str().to_string()),
            today: french_date(today),
            may_measure: file.writable.contains(&relais_domain::access::Category::NursingCare),
            gir: file.gir.map(|(g, on)| format!("GIR {g} (évalué le {})", french_date(on))),
            may_read_aggir: file.readable.contains(&relais_domain::access::Category::NursingCare),
            grids,
            relatives,
            vital_signs: VitalSign::ALL.iter().map(|k| (k.code(), k.label(), k.unit_label())).collect(),
            measures,
            alerts: file
                .alerts
                .iter()
                .map(|a| AlertView {
                    id: a.id.to_string(),
                    label: a.kind.label(),
                    detail: a.detail.clone(),
                    since: format!("posée par {} le {}", a.created_label, when(a.created_at, tz)),
                })
                .collect(),
            alert_kinds: relais_domain::alert::AlertKind::ALL.iter().map(|k| (k.code(), k.label())).collect(),
            appointments: appointments.iter().map(|a| AppointmentView::of(a, None, tz)).collect(),
            may_plan,
            transports: relais_domain::appointment::Transport::ALL.iter().map(|t| (t.code(), t.label())).collect(),
            repeats: relais_domain::recurrence::Repeat::ALL.iter().map(|r| (r.code(), r.label())).collect(),
            documents: documents.iter().map(DocumentView::of).collect(),
            document_types: relais_domain::document::TYPES,
            admissions: requests.map(|rs| {
                rs.iter().map(|r| crate::admissions::AdmissionRow::of(r, String::new(), &places, today)).collect()
            }),
            request_targets: places.request_targets(staff, today),
            admission_sources: &relais_domain::admission::AdmissionSource::KINDS,
            priorities: relais_domain::admission::Priority::ALL.iter().map(|p| (p.code(), p.label())).collect(),
            adminfile,
            support_plan: support_plan.map(crate::support_plans::PlanCard::of),
            contracts: crate::contracts::summary(contracts),
            banner,
        },
        status,
    )
}

async fn person_page(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> PageResult {
    let id: PersonId = parse_id(&id)?;
    let flash = match q.get("ok").map(String::as_str) {
        Some("appointments") => Some(series_message(&q)),
        code => flash_message(code).map(str::to_string),
    };
    person_render(&state, &staff, id, FormView::default(), flash, StatusCode::OK).await
}

/// After a post: redirect on success, the page again with the errors on invalid input.
async fn after_post(
    state: &AppState,
    staff: &Staff,
    id: PersonId,
    f: &Fields,
    r: Result<(), AppError>,
    ok: &str,
) -> PageResult {
    match r {
        Ok(()) => Ok(see_other(&format!("/persons/{id}?ok={ok}"))),
        Err(AppError::Invalid(errors)) => {
            person_render(state, staff, id, FormView::with(f, &errors), None, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn pin_alert(State(state): State<AppState>, Path(id): Path<String>, CsrfForm(staff, f): CsrfForm) -> PageResult {
    let id: PersonId = parse_id(&id)?;
    let r = state.app.pin_alert(staff.actor(), id, f.get("alert_kind"), f.get("alert_detail")).await.map(|_| ());
    after_post(&state, &staff, id, &f, r, "alert").await
}

async fn resolve_alert(
    State(state): State<AppState>,
    Path(id): Path<String>,
    CsrfForm(staff, f): CsrfForm,
) -> PageResult {
    let id: PersonAlertId = parse_id(&id)?;
    match state.app.resolve_alert(staff.actor(), id, f.get("resolution")).await {
        Ok(person) => Ok(see_other(&format!("/persons/{person}?ok=alert-resolved"))),
        Err(e) => Err(e.into()),
    }
}

/// `72.5` → `72,5`.
fn fmt_number(v: f64) -> String {
    relais_domain::observation::french_number(v)
}

async fn record_observation(
    State(state): State<AppState>,
    Path(id): Path<String>,
    CsrfForm(staff, f): CsrfForm,
) -> PageResult {
    let id: PersonId = parse_id(&id)?;
    let effective = match f.get("effective_at").trim() {
        "" => None,
        v => match v.parse::<jiff::civil::DateTime>().ok().and_then(|dt| state.app.time_zone().to_timestamp(dt).ok()) {
            Some(t) => Some(t),
            None => {
                let e = relais_domain::DomainError::new("effective_at", "date-invalid", "date et heure invalides");
                return person_render(
                    &state,
                    &staff,
                    id,
                    FormView::with(&f, &[e]),
                    None,
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await;
            }
        },
    };
    let input = ObservationInput {
        kind: f.get("kind").into(),
        value: f.get("value").into(),
        value2: f.get("value2").into(),
        effective_at: effective,
        confirmed: f.get("confirmed") == "on",
    };
    let r = state.app.record_observation(staff.actor(), id, &input).await.map(|_| ());
    after_post(&state, &staff, id, &f, r, "measure").await
}

fn importance_choices() -> Vec<(&'static str, &'static str)> {
    relais_domain::note::Importance::ALL.iter().map(|i| (i.code(), i.label())).collect()
}

fn note_input(f: &Fields) -> NoteInput {
    NoteInput {
        category: f.get("category").into(),
        text: f.get("text").into(),
        target: f.get("target").into(),
        data: f.get("data").into(),
        action: f.get("action").into(),
        result: f.get("result").into(),
        importance: f.get("importance").into(),
        mentions: f.all("mention").into_iter().map(str::to_string).collect(),
        objective: Some(f.get("objective").to_string()).filter(|o| !o.is_empty()),
    }
}

async fn write_note(State(state): State<AppState>, Path(id): Path<String>, CsrfForm(staff, f): CsrfForm) -> PageResult {
    let id: PersonId = parse_id(&id)?;
    let r = state.app.write_note(staff.actor(), id, &note_input(&f)).await.map(|_| ());
    after_post(&state, &staff, id, &f, r, "note").await
}

async fn admit(State(state): State<AppState>, Path(id): Path<String>, CsrfForm(staff, f): CsrfForm) -> PageResult {
    let id: PersonId = parse_id(&id)?;
    let (e, u) = parse_target(f.get("target"))?;
    let r = state.app.admit(staff.actor(), id, e, u, f.get("mode"), f.get("start")).await.map(|_| ());
    after_post(&state, &staff, id, &f, r, "admitted").await
}

async fn discharge(
    State(state): State<AppState>,
    Path((id, stay)): Path<(String, String)>,
    CsrfForm(staff, f): CsrfForm,
) -> PageResult {
    let id: PersonId = parse_id(&id)?;
    let stay: StayId = parse_id(&stay)?;
    let r = state.app.discharge(staff.actor(), id, stay, f.get("end"), f.get("reason")).await;
    after_post(&state, &staff, id, &f, r, "discharged").await
}

async fn transfer(
    State(state): State<AppState>,
    Path((id, stay)): Path<(String, String)>,
    CsrfForm(staff, f): CsrfForm,
) -> PageResult {
    let id: PersonId = parse_id(&id)?;
    let stay: StayId = parse_id(&stay)?;
    let (e, u) = parse_target(f.get("target"))?;
    let r = state.app.transfer(staff.actor(), id, stay, e, u, f.get("date")).await.map(|_| ());
    after_post(&state, &staff, id, &f, r, "transferred").await
}

async fn evidence(State(state): State<AppState>, Path(id): Path<String>, CsrfForm(staff, f): CsrfForm) -> PageResult {
    let id: PersonId = parse_id(&id)?;
    let r = state.app.record_evidence(staff.actor(), id, f.get("kind"), f.get("number"), f.get("expires_on")).await;
    crate::identity::after_identity_post(&state, &staff, id, &f, r.map(|_| ()), "evidence").await
}

#[derive(Template)]
#[template(path = "access_log.html")]
struct AccessLogPage {
    title: &'static str,
    nav: Option<Nav>,
    banner: Banner,
    events: Vec<(String, String, String, String, String)>,
}

/// What an audited action means, for the person's access log (the code stays beside it).
fn action_label(code: &str) -> Option<&'static str> {
    Some(match code {
        "person.create" => "Enregistrement de l'identité",
        "person.read" => "Ouverture du dossier",
        "person.search" => "Recherche de personnes",
        "person.identity.evidence" => "Justificatif d'identité",
        "stay.admit" => "Admission",
        "stay.discharge" => "Sortie",
        "stay.transfer" => "Transfert",
        "admission.create" => "Demande d'admission enregistrée",
        "admission.read" => "Consultation des demandes d'admission",
        "admission.status" => "Statut d'une demande d'admission",
        "contract.create" => "Contrat de séjour ou DIPC établi",
        "contract.read" => "Consultation des contrats",
        "contract.sign" => "Signature d'un contrat enregistrée",
        "unit.residents" => "Liste des personnes de l'unité",
        "adminfile.read" => "Consultation du dossier administratif",
        "adminfile.coverage" => "Couverture sociale enregistrée",
        "adminfile.benefit" => "Aide sociale enregistrée",
        "adminfile.mdph" => "Notification MDPH enregistrée",
        "adminfile.expiring" => "Liste des droits arrivant à échéance",
        "absence.create" => "Absence enregistrée",
        "absence.return" => "Retour d'absence enregistré",
        "encounter.read" => "Consultation des séjours et absences (API FHIR)",
        "unit.logbook" => "Cahier de liaison de l'unité",
        "logbook.shift" => "Depuis mon dernier service",
        "note.create" => "Transmission écrite",
        "note.correct" => "Transmission corrigée",
        "note.history" => "Historique d'une transmission",
        "note.search" => "Recherche dans les transmissions",
        "note.acknowledge" => "Transmission lue",
        "note.alert" => "Alerte automatique",
        "observation.create" => "Mesure enregistrée",
        "observation.read" | "observation.search" => "Consultation des mesures",
        "observation.chart" => "Courbe des mesures",
        "assessment.create" => "Évaluation AGGIR enregistrée",
        "assessment.read" => "Consultation des évaluations AGGIR",
        "support_plan.create" => "Projet personnalisé commencé",
        "support_plan.read" => "Consultation du projet personnalisé",
        "support_plan.print" => "Impression du projet personnalisé",
        "support_plan.update" => "Projet personnalisé modifié",
        "support_plan.status" => "Statut du projet personnalisé",
        "support_plan.evaluate" => "Évaluation d'un objectif du projet personnalisé",
        "relatives.read" => "Consultation de l'entourage et des consentements",
        "relatives.contact.create" => "Contact de l'entourage enregistré",
        "relatives.contact.correct" => "Contact de l'entourage corrigé",
        "relatives.contact.history" => "Historique d'un contact",
        "relatives.contact.read" => "Lecture d'un contact",
        "relatives.contact.search" => "Recherche des contacts",
        "relatives.trusted.end" => "Fin de désignation d'une personne de confiance",
        "relatives.protection.create" => "Mesure de protection enregistrée",
        "consent.create" => "Consentement enregistré",
        "consent.read" => "Lecture d'un consentement",
        "consent.search" => "Recherche des consentements",
        "alert.pin" => "Alerte posée",
        "alert.resolve" => "Alerte levée",
        "record.archive" => "Dossier archivé (règle de conservation)",
        "activity.create" => "Activité planifiée",
        "activity.cancel" => "Séance d'activité annulée",
        "activity.read" => "Séance d'activité consultée",
        "activity.register" => "Inscription à une activité",
        "activity.attendance" => "Présence à une activité",
        "threshold.set" => "Seuil d'alerte fixé",
        "threshold.remove" => "Seuil d'alerte retiré",
        "appointment.create" => "Rendez-vous prévu",
        "appointment.cancel" => "Rendez-vous annulé",
        "appointment.list" | "appointment.search" => "Consultation des rendez-vous",
        "appointment.read" => "Lecture d'un rendez-vous",
        "agenda.read" => "Agenda de l'unité",
        "agenda.establishment.read" => "Agenda de l'établissement",
        "document.create" => "Document classé",
        "document.download" => "Document téléchargé",
        "document.preview" => "Aperçu d'un document",
        "document.read" => "Lecture de la fiche d'un document",
        "document.search" => "Recherche de documents",
        "note.read" => "Lecture d'une transmission",
        "person.access-log" => "Consultation du journal des accès",
        "person.identity.read" => "Consultation de l'identité",
        "person.identity.insi" => "Interrogation INSi",
        "person.identity.insi.accept" => "Identité INSi acceptée",
        "person.identity.insi.reject" => "Réponse INSi refusée",
        "person.identity.edit" => "Identité modifiée",
        "person.identity.attribute" => "Attribut d'identité",
        "person.duplicates.read" => "Identités proches affichées",
        "person.match" => "Rapprochement d'identité (API)",
        "person.merge" => "Fusion d'identités",
        "person.unmerge" => "Fusion annulée",
        "identity.queue.read" => "File d'identitovigilance",
        _ => return None,
    })
}

async fn access_log(State(state): State<AppState>, staff: Staff, Path(id): Path<String>) -> PageResult {
    let id: PersonId = parse_id(&id)?;
    let (person, events) = state.app.access_log(staff.actor(), id).await?;
    let tz = state.app.time_zone();
    let events = events
        .iter()
        .map(|e| {
            (
                when(e.occurred_at, tz),
                format!("{} ({})", e.actor_label, e.actor_kind),
                match action_label(&e.action) {
                    Some(label) => format!("{label} ({})", e.action),
                    None => e.action.clone(),
                },
                e.outcome.clone(),
                e.client_ip.clone().unwrap_or_default(),
            )
        })
        .collect();
    render(
        AccessLogPage { title: "Accès au dossier", nav: nav(&state, &staff), banner: Banner::of(&person), events },
        StatusCode::OK,
    )
}

// ---------- notes ----------

#[derive(Template)]
#[template(path = "note_history.html")]
struct HistoryPage {
    title: &'static str,
    nav: Option<Nav>,
    banner: Banner,
    versions: Vec<NoteView>,
}

/// One note found by a logbook search, its fields cut into marked and unmarked fragments.
struct NoteHit {
    note: NoteView,
    parts: Vec<(&'static str, Vec<Fragment>)>,
}

#[derive(Template)]
#[template(path = "logbook_search.html")]
struct LogbookSearchPage {
    title: &'static str,
    nav: Option<Nav>,
    q: String,
    days: String,
    searched: bool,
    error: Option<String>,
    hits: Vec<NoteHit>,
    limit: usize,
    periods: &'static [(&'static str, &'static str)],
}

/// Periods offered by the search form, in days ("" = everything).
const SEARCH_PERIODS: &[(&str, &str)] = &[
    ("1", "24 heures"),
    ("7", "7 derniers jours"),
    ("31", "31 derniers jours"),
    ("365", "12 derniers mois"),
    ("", "tout"),
];

async fn logbook_search(
    State(state): State<AppState>,
    staff: Staff,
    Query(params): Query<HashMap<String, String>>,
) -> PageResult {
    let q = params.get("q").map(|s| s.trim().chars().take(200).collect::<String>()).unwrap_or_default();
    let days = params.get("days").cloned().unwrap_or_else(|| "365".into());
    if !SEARCH_PERIODS.iter().any(|(v, _)| *v == days) {
        return Err(WebError::BadRequest("période de recherche non reconnue".into()));
    }
    let mut page = LogbookSearchPage {
        title: "Recherche dans les transmissions",
        nav: nav(&state, &staff),
        q: q.clone(),
        days: days.clone(),
        searched: false,
        error: None,
        hits: vec![],
        limit: relais_app::notes::SEARCH_LIMIT,
        periods: SEARCH_PERIODS,
    };
    if q.is_empty() {
        return render(page, StatusCode::OK);
    }
    let period = days.parse::<i64>().ok();
    match state.app.search_notes(staff.actor(), &q, period).await {
        Ok(found) => {
            let words: Vec<String> =
                relais_domain::text::fold(&q).split(' ').filter(|w| !w.is_empty()).map(str::to_string).collect();
            let tz = state.app.time_zone();
            page.searched = true;
            page.hits = found
                .iter()
                .map(|(n, p)| {
                    let c = &n.content;
                    let fields = [
                        ("Cible", c.target.as_deref()),
                        ("Données", c.data.as_deref()),
                        ("Actions", c.action.as_deref()),
                        ("Résultats", c.result.as_deref()),
                        ("", Some(c.text.as_str()).filter(|t| !t.is_empty())),
                    ];
                    NoteHit {
                        note: NoteView::of(n, Some(p), tz, false),
                        parts: fields
                            .into_iter()
                            .filter_map(|(label, v)| v.map(|v| (label, highlight(v, &words))))
                            .collect(),
                    }
                })
                .collect();
            render(page, StatusCode::OK)
        }
        Err(AppError::Invalid(errors)) => {
            page.error = Some(errors.iter().map(|e| e.message.clone()).collect::<Vec<_>>().join(" ; "));
            render(page, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(e) => Err(e.into()),
    }
}

struct DigestRow {
    note: NoteView,
    read_by_me: bool,
    readers: usize,
    for_me: bool,
}

#[derive(Template)]
#[template(path = "logbook_shift.html")]
struct ShiftPage {
    title: &'static str,
    nav: Option<Nav>,
    csrf: String,
    since: String,
    from_previous_shift: bool,
    unread: usize,
    rows: Vec<DigestRow>,
    limit: usize,
}

async fn logbook_shift(State(state): State<AppState>, staff: Staff) -> PageResult {
    let digest = state.app.since_last_shift(staff.actor()).await?;
    let tz = state.app.time_zone();
    let rows: Vec<DigestRow> = digest
        .items
        .iter()
        .map(|i| DigestRow {
            note: NoteView::of(&i.note, Some(&i.person), tz, false),
            read_by_me: i.read_by_me,
            readers: i.readers,
            for_me: i.for_me,
        })
        .collect();
    render(
        ShiftPage {
            title: "Depuis mon dernier service",
            nav: nav(&state, &staff),
            csrf: staff.csrf().to_string(),
            since: when(digest.since, tz),
            from_previous_shift: digest.from_previous_shift,
            unread: rows.iter().filter(|r| !r.read_by_me).count(),
            rows,
            limit: relais_app::notes::DIGEST_LIMIT,
        },
        StatusCode::OK,
    )
}

/// "J'ai lu": a receipt for a note to read. Replaying it changes nothing.
async fn acknowledge(
    State(state): State<AppState>,
    Path(id): Path<String>,
    CsrfForm(staff, f): CsrfForm,
) -> PageResult {
    let id: NoteId = parse_id(&id)?;
    let person = state.app.mark_note_read(staff.actor(), id).await?;
    // Only our own pages: an open redirect would let a link send a colleague anywhere.
    let back = match f.get("back") {
        "/logbook/shift" => "/logbook/shift".to_string(),
        _ => format!("/persons/{person}"),
    };
    Ok(see_other(&back))
}

async fn note_history(State(state): State<AppState>, staff: Staff, Path(id): Path<String>) -> PageResult {
    let id: NoteId = parse_id(&id)?;
    let (person, versions) = state.app.note_history(staff.actor(), id).await?;
    let tz = state.app.time_zone();
    render(
        HistoryPage {
            title: "Historique",
            nav: nav(&state, &staff),
            banner: Banner::of(&person),
            versions: versions.iter().map(|n| NoteView::of(n, None, tz, false)).collect(),
        },
        StatusCode::OK,
    )
}

#[derive(Template)]
#[template(path = "note_correct.html")]
struct CorrectPage {
    title: &'static str,
    nav: Option<Nav>,
    csrf: String,
    form_id: String,
    banner: Banner,
    note_id: String,
    writable: Vec<(&'static str, &'static str)>,
    importances: Vec<(&'static str, &'static str)>,
    form: FormView,
}

async fn correct_render(
    state: &AppState,
    staff: &Staff,
    id: NoteId,
    form: Option<FormView>,
    status: StatusCode,
) -> PageResult {
    let (person, versions) = state.app.note_history(staff.actor(), id).await?;
    let current = versions.iter().find(|n| n.is_current).ok_or(WebError::NotFound)?;
    if current.id != id {
        return Ok(see_other(&format!("/notes/{}/correct", current.id)));
    }
    let file_writable: Vec<(&'static str, &'static str)> =
        state.app.writable_categories(staff.actor(), person.id).await?.iter().map(|c| (c.code(), c.label())).collect();
    let form = form.unwrap_or_else(|| {
        let mut v = HashMap::new();
        v.insert("category".to_string(), current.content.category.code().to_string());
        v.insert("text".to_string(), current.content.text.clone());
        v.insert("importance".to_string(), current.importance.code().to_string());
        for (k, val) in [
            ("target", &current.content.target),
            ("data", &current.content.data),
            ("action", &current.content.action),
            ("result", &current.content.result),
        ] {
            v.insert(k.to_string(), val.clone().unwrap_or_default());
        }
        FormView { values: v, all_values: vec![], errors: vec![] }
    });
    render(
        CorrectPage {
            importances: importance_choices(),
            title: "Corriger",
            nav: nav(state, staff),
            csrf: staff.csrf().to_string(),
            form_id: random_token()?,
            banner: Banner::of(&person),
            note_id: id.to_string(),
            writable: file_writable,
            form,
        },
        status,
    )
}

async fn correct_page(State(state): State<AppState>, staff: Staff, Path(id): Path<String>) -> PageResult {
    let id: NoteId = parse_id(&id)?;
    correct_render(&state, &staff, id, None, StatusCode::OK).await
}

async fn correct(State(state): State<AppState>, Path(id): Path<String>, CsrfForm(staff, f): CsrfForm) -> PageResult {
    let id: NoteId = parse_id(&id)?;
    match state.app.correct_note(staff.actor(), id, &note_input(&f), f.get("reason")).await {
        Ok(new_id) => {
            let (person, _) = state.app.note_history(staff.actor(), new_id).await?;
            Ok(see_other(&format!("/persons/{}?ok=corrected", person.id)))
        }
        Err(AppError::Invalid(errors)) => {
            correct_render(&state, &staff, id, Some(FormView::with(&f, &errors)), StatusCode::UNPROCESSABLE_ENTITY)
                .await
        }
        Err(e) => Err(e.into()),
    }
}

// ---------- administration ----------

#[derive(Template)]
#[template(path = "admin_accounts.html")]
struct AccountsPage {
    title: &'static str,
    nav: Option<Nav>,
    csrf: String,
    flash: Option<&'static str>,
    accounts: Vec<AccountRow>,
}

struct AccountRow {
    id: String,
    username: String,
    name: String,
    totp: bool,
    disabled: bool,
}

async fn accounts(State(state): State<AppState>, staff: Staff, Query(q): Query<HashMap<String, String>>) -> PageResult {
    let list = state.app.accounts(staff.actor()).await?;
    let flash = match q.get("ok").map(String::as_str) {
        Some("disabled") => Some("Compte désactivé : ses sessions sont fermées."),
        Some("enabled") => Some("Compte réactivé."),
        _ => None,
    };
    render(
        AccountsPage {
            title: "Comptes",
            nav: nav(&state, &staff),
            csrf: staff.csrf().to_string(),
            flash,
            accounts: list
                .iter()
                .map(|a| AccountRow {
                    id: a.id.to_string(),
                    username: a.username.clone(),
                    name: a.display_name(),
                    totp: a.totp_enabled,
                    disabled: a.disabled,
                })
                .collect(),
        },
        StatusCode::OK,
    )
}

async fn account_action(
    State(state): State<AppState>,
    Path((id, action)): Path<(String, String)>,
    CsrfForm(staff, _): CsrfForm,
) -> PageResult {
    let id: AccountId = parse_id(&id)?;
    let disabled = match action.as_str() {
        "disable" => true,
        "enable" => false,
        _ => return Err(WebError::NotFound),
    };
    state.app.set_account_disabled(AdminBy::Actor(staff.actor()), id, disabled).await?;
    Ok(see_other(if disabled { "/admin/accounts?ok=disabled" } else { "/admin/accounts?ok=enabled" }))
}

#[cfg(test)]
mod tests {
    use super::action_label;

    /// Every action the application audits about a person has a French label in the access log.
    #[test]
    fn audited_actions_have_french_labels() {
        let sources = [
            include_str!("../../app/src/persons.rs"),
            include_str!("../../app/src/notes.rs"),
            include_str!("../../app/src/observations.rs"),
            include_str!("../../app/src/alerts.rs"),
            include_str!("../../app/src/appointments.rs"),
            include_str!("../../app/src/documents.rs"),
            include_str!("../../app/src/thresholds.rs"),
            include_str!("../../app/src/activities.rs"),
            include_str!("../../app/src/identity.rs"),
            include_str!("../../app/src/assessments.rs"),
            include_str!("../../app/src/admissions.rs"),
            include_str!("../../app/src/adminfile.rs"),
            include_str!("../../app/src/support_plans.rs"),
            include_str!("../../app/src/relatives.rs"),
            include_str!("../../app/src/contracts.rs"),
        ];
        let mut seen = 0;
        for src in sources {
            for part in src.split("event(\"").skip(1) {
                let code = part.split('"').next().unwrap_or_default();
                assert!(action_label(code).is_some(), "no label for {code}");
                seen += 1;
            }
        }
        assert!(seen > 20, "{seen} audited actions found");
        assert_eq!(action_label("document.preview"), Some("Aperçu d'un document"));
    }
}
