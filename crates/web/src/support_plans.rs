//! The projet personnalisé in the UI: the plan page (versions, objectives, actions, meetings, agreement, review), an objective's page, an establishment's list.

use crate::AppState;
use crate::error::WebError;
use crate::forms::{CsrfForm, Fields, FormView};
use crate::pages::{PageResult, Places, nav, parse_id, person_render, render, see_other};
use crate::session::Staff;
use crate::views::{Banner, Nav, NoteView, french_date, when};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use relais_app::AppError;
use relais_app::support_plans::{ActionInput, MeetingInput, ObjectiveInput, PlanDetailsInput, PlanFile, PlanSummary};
use relais_domain::access::Profile;
use relais_domain::ids::*;
use relais_domain::support_plan::{AgreementKind, Objective, Outcome, PlanContent};
use std::collections::HashMap;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/persons/{id}/support-plans", post(create))
        .route("/support-plans/{id}", get(plan_page))
        .route("/support-plans/{id}/print", get(print))
        .route("/support-plans/{id}/details", post(details))
        .route("/support-plans/{id}/objectives", post(add_objective))
        .route("/support-plans/{id}/objectives/{objective}", get(objective_page))
        .route("/support-plans/{id}/objectives/{objective}/actions", post(add_action))
        .route("/support-plans/{id}/objectives/{objective}/evaluation", post(evaluate))
        .route("/support-plans/{id}/meetings", post(meeting))
        .route("/support-plans/{id}/agreement", post(agreement))
        .route("/support-plans/{id}/status", post(move_plan))
        .route("/establishments/{id}/support-plans", get(establishment_list))
}

/// The person page's card.
pub(crate) struct PlanCard {
    pub(crate) id: Option<String>,
    pub(crate) status: &'static str,
    pub(crate) version: i64,
    pub(crate) review_due: Option<String>,
    pub(crate) overdue: bool,
    pub(crate) may_start: bool,
    /// Objectives a note may be tied to: (id, title).
    pub(crate) objectives: Vec<(String, String)>,
    /// Other plans not closed, after a merge of two records: (id, « En cours — version 2 »).
    pub(crate) others_open: Vec<(String, String)>,
}

impl PlanCard {
    pub(crate) fn of(s: PlanSummary) -> Self {
        let running = s.plan.as_ref().is_some_and(|(p, _)| p.status != relais_domain::support_plan::PlanStatus::Closed);
        Self {
            id: s.plan.as_ref().map(|(p, _)| p.id.to_string()),
            status: s.plan.as_ref().map(|(p, _)| p.status.label()).unwrap_or(""),
            version: s.plan.as_ref().map(|(p, _)| p.current_version).unwrap_or(0),
            review_due: s.plan.as_ref().and_then(|(p, _)| p.review_due).map(french_date),
            overdue: s.plan.as_ref().is_some_and(|(_, o)| *o),
            may_start: s.may_write && !running,
            objectives: s.objectives.into_iter().map(|(id, t)| (id.to_string(), t)).collect(),
            others_open: s
                .others_open
                .iter()
                .map(|p| (p.id.to_string(), format!("{} — version {}", p.status.label(), p.current_version)))
                .collect(),
        }
    }
}

pub(crate) struct ActionView {
    pub(crate) who: String,
    pub(crate) what: String,
    pub(crate) frequency: String,
}

pub(crate) struct ObjectiveView {
    pub(crate) id: String,
    pub(crate) title: String,
    pub(crate) referent: String,
    pub(crate) deadline: String,
    pub(crate) indicators: String,
    pub(crate) actions: Vec<ActionView>,
    /// Evaluations tied to the objective: (link, date, summary).
    pub(crate) assessments: Vec<(String, String, String)>,
}

impl ObjectiveView {
    fn of(o: &Objective) -> Self {
        Self {
            id: o.id.to_string(),
            title: o.title.clone(),
            referent: o.referent.as_ref().map(|r| r.name.clone()).unwrap_or_else(|| "—".into()),
            deadline: o.deadline.map(french_date).unwrap_or_else(|| "—".into()),
            indicators: o.indicators.clone(),
            actions: o
                .actions
                .iter()
                .map(|a| ActionView { who: a.performer.label(), what: a.what.clone(), frequency: a.frequency.clone() })
                .collect(),
            assessments: vec![],
        }
    }
}

/// The evaluations of a version added as needs (`None`) or under an objective, as listed.
fn assessment_links(
    c: &PlanContent,
    person: PersonId,
    objective: Option<ObjectiveId>,
) -> Vec<(String, String, String)> {
    c.assessments_of(objective)
        .map(|l| {
            (
                format!("/persons/{person}/grids/{}#a-{}", l.instrument, l.assessment),
                french_date(l.assessed_on),
                l.summary.clone(),
            )
        })
        .collect()
}

/// An evaluation as shown: (objective title, outcome, comment, by and when).
type EvaluationView = (String, &'static str, String, String);

/// An objective of the reviewed version and its evaluation so far.
pub(crate) struct ReviewRow {
    pub(crate) id: String,
    pub(crate) title: String,
    pub(crate) outcome: &'static str,
    pub(crate) outcome_label: &'static str,
    pub(crate) comment: String,
}

#[derive(Template)]
#[template(path = "support_plan.html")]
struct PlanPage {
    title: String,
    nav: Option<Nav>,
    banner: Banner,
    csrf: String,
    flash: Option<&'static str>,
    form: FormView,
    id: String,
    status: &'static str,
    status_code: &'static str,
    version: i64,
    /// (number, label, shown)
    versions: Vec<(i64, String, bool)>,
    is_current: bool,
    working: bool,
    overdue: bool,
    review_due: String,
    review_due_input: String,
    person_expectations: String,
    relatives_expectations: String,
    needs: String,
    /// Evaluations added as assessed needs: (link, date, summary).
    assessed_needs: Vec<(String, String, String)>,
    objectives: Vec<ObjectiveView>,
    evaluations: Vec<EvaluationView>,
    review: Vec<ReviewRow>,
    reviewed_version: i64,
    /// (held on, who, notes, recorded by)
    meetings: Vec<(String, String, String, String)>,
    agreement: Option<String>,
    moves: Vec<(&'static str, &'static str)>,
    history: Vec<(String, String, &'static str, String, i64)>,
    colleagues: Vec<(String, String)>,
    profiles: Vec<(&'static str, &'static str)>,
    outcomes: Vec<(&'static str, &'static str)>,
    agreement_kinds: Vec<(&'static str, &'static str)>,
    today: String,
}

/// The title of an objective in any version of the plan.
fn objective_title(file: &PlanFile, id: ObjectiveId) -> String {
    file.versions.iter().rev().find_map(|v| v.content.objective(id)).map(|o| o.title.clone()).unwrap_or_default()
}

fn evaluations(file: &PlanFile, content: &PlanContent, tz: &jiff::tz::TimeZone) -> Vec<EvaluationView> {
    content
        .evaluations
        .iter()
        .map(|e| {
            (
                objective_title(file, e.objective),
                e.outcome.label(),
                e.comment.clone(),
                format!("{}, {}", e.evaluated_by, when(e.evaluated_at, tz)),
            )
        })
        .collect()
}

async fn plan_render(
    state: &AppState,
    staff: &Staff,
    id: SupportPlanId,
    version: Option<i64>,
    form: FormView,
    flash: Option<&'static str>,
    status: StatusCode,
) -> PageResult {
    let file = state.app.support_plan(staff.actor(), id, version).await?;
    let tz = state.app.time_zone();
    let banner = Banner::of(&file.person);
    let shown = file.shown();
    let c = &shown.content;
    let working = file.shown_is_working();
    let review = match file.reviewed() {
        Some(r) if working => r
            .content
            .objectives
            .iter()
            .map(|o| {
                let e = c.evaluation(o.id);
                ReviewRow {
                    id: o.id.to_string(),
                    title: o.title.clone(),
                    outcome: e.map(|e| e.outcome.code()).unwrap_or(""),
                    outcome_label: e.map(|e| e.outcome.label()).unwrap_or("à évaluer"),
                    comment: e.map(|e| e.comment.clone()).unwrap_or_default(),
                }
            })
            .collect(),
        _ => vec![],
    };
    let agreement = c.agreement.as_ref().map(|a| {
        let mut s = format!(
            "{} le {} (noté par {}, {})",
            a.kind.label(),
            french_date(a.given_on),
            a.recorded_by,
            when(a.recorded_at, tz)
        );
        if !a.comment.is_empty() {
            s.push_str(" — ");
            s.push_str(&a.comment);
        }
        s
    });
    let is_current = file.shown + 1 == file.versions.len();
    render(
        PlanPage {
            title: format!("Projet personnalisé — {} {}", banner.birth_name, banner.first_first_name),
            nav: nav(state, staff),
            csrf: staff.csrf().to_string(),
            flash,
            form,
            id: file.plan.id.to_string(),
            status: file.plan.status.label(),
            status_code: file.plan.status.code(),
            version: shown.version,
            versions: file
                .versions
                .iter()
                .map(|v| {
                    let state = match &v.validated {
                        Some((by, at)) => format!("validée le {} par {by}", when(*at, tz)),
                        None => format!("en préparation depuis le {}", when(v.created_at, tz)),
                    };
                    (v.version, state, v.version == shown.version)
                })
                .collect(),
            is_current,
            working,
            overdue: file.overdue && is_current,
            review_due: c.review_due.map(french_date).unwrap_or_else(|| "non fixée".into()),
            review_due_input: c.review_due.map(french_date).unwrap_or_default(),
            person_expectations: c.person_expectations.clone(),
            relatives_expectations: c.relatives_expectations.clone(),
            needs: c.needs.clone(),
            assessed_needs: assessment_links(c, file.person.id, None),
            objectives: c
                .objectives
                .iter()
                .map(|o| ObjectiveView {
                    assessments: assessment_links(c, file.person.id, Some(o.id)),
                    ..ObjectiveView::of(o)
                })
                .collect(),
            evaluations: evaluations(&file, c, tz),
            reviewed_version: file.reviewed().map(|v| v.version).unwrap_or(0),
            review,
            meetings: c
                .meetings
                .iter()
                .map(|m| {
                    let mut who = Vec::new();
                    if m.person_present {
                        who.push("la personne".to_string());
                    }
                    if !m.relatives.is_empty() {
                        who.push(format!("proches : {}", m.relatives));
                    }
                    if !m.professionals.is_empty() {
                        who.push(format!("professionnels : {}", m.professionals));
                    }
                    (french_date(m.held_on), who.join(" ; "), m.notes.clone(), m.recorded_by.clone())
                })
                .collect(),
            agreement,
            moves: if is_current { file.next.iter().map(|s| (s.code(), s.action_label())).collect() } else { vec![] },
            history: file
                .history
                .iter()
                .map(|h| {
                    (
                        when(h.changed_at, tz),
                        h.from.map(|s| s.label().to_string()).unwrap_or_else(|| "—".into()),
                        h.to.label(),
                        h.author_label.clone(),
                        h.version,
                    )
                })
                .collect(),
            colleagues: file.colleagues.iter().map(|(a, n)| (a.to_string(), n.clone())).collect(),
            profiles: Profile::ALL
                .iter()
                .filter(|p| !matches!(p, Profile::Administrator | Profile::Dpo | Profile::IdentityReferent))
                .map(|p| (p.code(), p.label()))
                .collect(),
            outcomes: Outcome::ALL.iter().map(|o| (o.code(), o.label())).collect(),
            agreement_kinds: AgreementKind::ALL.iter().map(|k| (k.code(), k.label())).collect(),
            today: french_date(state.app.today()),
            banner,
        },
        status,
    )
}

async fn create(State(state): State<AppState>, Path(id): Path<String>, CsrfForm(staff, f): CsrfForm) -> PageResult {
    let id: PersonId = parse_id(&id)?;
    match state.app.create_support_plan(staff.actor(), id, &details_input(&f)).await {
        Ok(plan) => Ok(see_other(&format!("/support-plans/{plan}?ok=created"))),
        Err(AppError::Invalid(errors)) => {
            person_render(&state, &staff, id, FormView::with(&f, &errors), None, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn plan_page(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> PageResult {
    let id: SupportPlanId = parse_id(&id)?;
    let version = match q.get("version") {
        Some(v) => Some(v.parse::<i64>().map_err(|_| WebError::NotFound)?),
        None => None,
    };
    let flash = match q.get("ok").map(String::as_str) {
        Some("created") => Some("Projet personnalisé commencé (brouillon, version 1)."),
        Some("saved") => Some("Projet personnalisé enregistré."),
        Some("moved") => Some("Statut du projet mis à jour."),
        Some("evaluated") => Some("Évaluation enregistrée."),
        Some("assessment") => Some("Évaluation ajoutée au projet personnalisé."),
        _ => None,
    };
    plan_render(&state, &staff, id, version, FormView::default(), flash, StatusCode::OK).await
}

/// The plan's current version as a PDF: `?form=easy` for the easy-to-read form.
async fn print(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, WebError> {
    let id: SupportPlanId = parse_id(&id)?;
    let easy = match q.get("form").map(String::as_str) {
        None | Some("usual") => false,
        Some("easy") => true,
        Some(_) => return Err(WebError::NotFound),
    };
    let printed = state.app.print_support_plan(staff.actor(), id, easy).await?;
    let mut res = printed.pdf.into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/pdf"));
    let disposition = format!("inline; filename=\"{}\"", printed.file_name);
    h.insert(header::CONTENT_DISPOSITION, HeaderValue::from_str(&disposition).map_err(|_| WebError::Internal)?);
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    // Shown alone and sandboxed, as a filed document is.
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("sandbox; default-src 'none'; object-src 'self'; frame-ancestors 'self'"),
    );
    Ok(res)
}

/// Answers a plan form: back to the plan on success, the plan with the errors and what was
/// typed otherwise.
async fn after(
    state: &AppState,
    staff: &Staff,
    id: SupportPlanId,
    f: &Fields,
    r: Result<(), AppError>,
    ok: &str,
) -> PageResult {
    match r {
        Ok(()) => Ok(see_other(&format!("/support-plans/{id}?ok={ok}"))),
        Err(AppError::Invalid(errors)) => {
            plan_render(state, staff, id, None, FormView::with(f, &errors), None, StatusCode::UNPROCESSABLE_ENTITY)
                .await
        }
        Err(e) => Err(e.into()),
    }
}

fn details_input(f: &Fields) -> PlanDetailsInput {
    PlanDetailsInput {
        person_expectations: f.get("person_expectations").into(),
        relatives_expectations: f.get("relatives_expectations").into(),
        needs: f.get("needs").into(),
        review_due: f.get("review_due").into(),
    }
}

async fn details(State(state): State<AppState>, Path(id): Path<String>, CsrfForm(staff, f): CsrfForm) -> PageResult {
    let id: SupportPlanId = parse_id(&id)?;
    let r = state.app.update_support_plan(staff.actor(), id, &details_input(&f)).await;
    after(&state, &staff, id, &f, r, "saved").await
}

async fn add_objective(
    State(state): State<AppState>,
    Path(id): Path<String>,
    CsrfForm(staff, f): CsrfForm,
) -> PageResult {
    let id: SupportPlanId = parse_id(&id)?;
    let input = ObjectiveInput {
        title: f.get("objective_title").into(),
        referent: f.get("referent").into(),
        deadline: f.get("deadline").into(),
        indicators: f.get("indicators").into(),
    };
    let r = state.app.add_objective(staff.actor(), id, &input).await.map(|_| ());
    after(&state, &staff, id, &f, r, "saved").await
}

async fn add_action(
    State(state): State<AppState>,
    Path((id, objective)): Path<(String, String)>,
    CsrfForm(staff, f): CsrfForm,
) -> PageResult {
    let id: SupportPlanId = parse_id(&id)?;
    let objective: ObjectiveId = parse_id(&objective)?;
    let input = ActionInput {
        performer: f.get("performer").into(),
        what: f.get("what").into(),
        frequency: f.get("frequency").into(),
    };
    let r = state.app.add_action(staff.actor(), id, objective, &input).await;
    after(&state, &staff, id, &f, r, "saved").await
}

async fn evaluate(
    State(state): State<AppState>,
    Path((id, objective)): Path<(String, String)>,
    CsrfForm(staff, f): CsrfForm,
) -> PageResult {
    let id: SupportPlanId = parse_id(&id)?;
    let objective: ObjectiveId = parse_id(&objective)?;
    let r =
        state.app.evaluate_objective(staff.actor(), id, objective, f.get("outcome"), f.get("evaluation_comment")).await;
    after(&state, &staff, id, &f, r, "evaluated").await
}

async fn meeting(State(state): State<AppState>, Path(id): Path<String>, CsrfForm(staff, f): CsrfForm) -> PageResult {
    let id: SupportPlanId = parse_id(&id)?;
    let input = MeetingInput {
        held_on: f.get("held_on").into(),
        professionals: f.get("professionals").into(),
        person_present: f.get("person_present") == "yes",
        relatives: f.get("relatives").into(),
        notes: f.get("meeting_notes").into(),
    };
    let r = state.app.record_plan_meeting(staff.actor(), id, &input).await;
    after(&state, &staff, id, &f, r, "saved").await
}

async fn agreement(State(state): State<AppState>, Path(id): Path<String>, CsrfForm(staff, f): CsrfForm) -> PageResult {
    let id: SupportPlanId = parse_id(&id)?;
    let r = state
        .app
        .record_plan_agreement(staff.actor(), id, f.get("agreement"), f.get("given_on"), f.get("agreement_comment"))
        .await;
    after(&state, &staff, id, &f, r, "saved").await
}

async fn move_plan(State(state): State<AppState>, Path(id): Path<String>, CsrfForm(staff, f): CsrfForm) -> PageResult {
    let id: SupportPlanId = parse_id(&id)?;
    let r = state.app.move_support_plan(staff.actor(), id, f.get("to")).await;
    after(&state, &staff, id, &f, r, "moved").await
}

#[derive(Template)]
#[template(path = "plan_objective.html")]
struct ObjectivePage {
    title: String,
    nav: Option<Nav>,
    banner: Banner,
    plan_id: String,
    version: i64,
    objective: ObjectiveView,
    /// (version, outcome, comment, by and when)
    evaluations: Vec<(i64, &'static str, String, String)>,
    notes: Vec<NoteView>,
}

async fn objective_page(
    State(state): State<AppState>,
    staff: Staff,
    Path((id, objective)): Path<(String, String)>,
) -> PageResult {
    let id: SupportPlanId = parse_id(&id)?;
    let objective: ObjectiveId = parse_id(&objective)?;
    let file = state.app.plan_objective(staff.actor(), id, objective).await?;
    let tz = state.app.time_zone();
    let banner = Banner::of(&file.person);
    render(
        ObjectivePage {
            title: format!("Objectif — {}", file.objective.title),
            nav: nav(&state, &staff),
            plan_id: file.plan.id.to_string(),
            version: file.version,
            objective: ObjectiveView::of(&file.objective),
            evaluations: file
                .evaluations
                .iter()
                .map(|(v, e)| {
                    (
                        *v,
                        e.outcome.label(),
                        e.comment.clone(),
                        format!("{}, {}", e.evaluated_by, when(e.evaluated_at, tz)),
                    )
                })
                .collect(),
            notes: file.notes.iter().map(|n| NoteView::of(n, None, tz, false)).collect(),
            banner,
        },
        StatusCode::OK,
    )
}

#[derive(Template)]
#[template(path = "support_plans.html")]
struct ListPage {
    title: String,
    nav: Option<Nav>,
    establishment: String,
    establishment_id: String,
    overdue_only: bool,
    /// (plan id, person, status, version, review due, overdue)
    rows: Vec<(String, String, &'static str, i64, String, bool)>,
}

async fn establishment_list(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> PageResult {
    let est: EstablishmentId = parse_id(&id)?;
    let overdue_only = q.get("overdue").is_some_and(|v| v == "1");
    let places = Places::load(&state, staff.actor().organisation_id).await?;
    let name = places.establishments.iter().find(|e| e.id == est).map(|e| e.name.clone()).ok_or(WebError::NotFound)?;
    let rows = state.app.establishment_support_plans(staff.actor(), est, overdue_only).await?;
    let today = state.app.today();
    let rows = rows
        .iter()
        .map(|(p, person)| {
            let b = Banner::of(person);
            let overdue = p.status.is_running() && p.review_due.is_some_and(|d| d < today);
            (
                p.id.to_string(),
                format!("{} {}", b.birth_name, b.first_first_name),
                p.status.label(),
                p.current_version,
                p.review_due.map(french_date).unwrap_or_else(|| "—".into()),
                overdue,
            )
        })
        .collect();
    render(
        ListPage {
            title: if overdue_only {
                format!("Projets personnalisés à réviser — {name}")
            } else {
                format!("Projets personnalisés — {name}")
            },
            nav: nav(&state, &staff),
            establishment: name,
            establishment_id: est.to_string(),
            overdue_only,
            rows,
        },
        StatusCode::OK,
    )
}
