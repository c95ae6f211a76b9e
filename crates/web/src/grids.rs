//! Evaluations with the configurable grids (MNA, Braden, Morse, free grid): the list of grids
//! with the latest result of each, the form drawn from the grid's definition, the history per
//! grid, and « Ajouter au projet personnalisé ».

use crate::AppState;
use crate::forms::{CsrfForm, Fields, FormView, field_label};
use crate::pages::{PageResult, nav, parse_id, render, see_other};
use crate::session::Staff;
use crate::views::{Banner, Nav, french_date, when};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use relais_app::AppError;
use relais_app::grids::{GridEvaluation, GridInput};
use relais_domain::DomainError;
use relais_domain::ids::*;
use relais_domain::instrument::{AnswerType, Definition, points};
use std::collections::HashMap;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/persons/{id}/grids", get(overview_page))
        .route("/persons/{id}/grids/{code}", get(history_page).post(record))
        .route("/persons/{id}/grids/{code}/new", get(form_page))
        .route("/persons/{id}/grids/{code}/{assessment}/plan", post(add_to_plan))
}

/// The form field of an item: prefixed, so that no item code can meet another field's name.
fn field(item: &str) -> String {
    format!("i_{item}")
}

/// « Braden 12/23 — risque élevé, le 26/11/2026 ».
pub(crate) fn dated_summary(e: &GridEvaluation) -> String {
    format!("{}, le {}", e.summary(), french_date(e.record.assessed_on))
}

struct OptionView {
    value: String,
    label: String,
    /// « 2 pts »; empty for unscored answers.
    points: String,
    checked: bool,
}

struct ItemView {
    code: String,
    field: String,
    label: String,
    help: String,
    required: bool,
    /// choice, yes_no, integer, text
    kind: &'static str,
    options: Vec<OptionView>,
    value: String,
    min: i64,
    max: i64,
    max_length: usize,
    error: Option<String>,
}

struct SectionView {
    title: String,
    items: Vec<ItemView>,
}

fn pts(tenths: i64) -> String {
    if tenths == 10 { "1 pt".into() } else { format!("{} pts", points(tenths)) }
}

fn sections(d: &Definition, form: &FormView) -> Vec<SectionView> {
    d.sections
        .iter()
        .map(|s| SectionView {
            title: s.title.clone(),
            items: s
                .items
                .iter()
                .map(|i| {
                    let f = field(&i.code);
                    let value = form.value(&f).to_string();
                    let opt = |v: &str, label: &str, score: Option<i64>| OptionView {
                        value: v.to_string(),
                        label: label.to_string(),
                        points: score.map(pts).unwrap_or_default(),
                        checked: value == v,
                    };
                    let (kind, options, min, max, max_length) = match &i.answer {
                        AnswerType::Choice { options } => {
                            ("choice", options.iter().map(|o| opt(&o.code, &o.label, Some(o.score))).collect(), 0, 0, 0)
                        }
                        AnswerType::YesNo { yes, no } => {
                            ("yes_no", vec![opt("yes", "Oui", Some(*yes)), opt("no", "Non", Some(*no))], 0, 0, 0)
                        }
                        AnswerType::Integer { min, max } => ("integer", vec![], *min, *max, 0),
                        AnswerType::Text { max_length } => ("text", vec![], 0, 0, *max_length),
                    };
                    ItemView {
                        code: i.code.clone(),
                        error: form.err(&i.code).map(str::to_string),
                        field: f,
                        label: i.label.clone(),
                        help: i.help.clone().unwrap_or_default(),
                        required: i.required,
                        kind,
                        options,
                        value,
                        min,
                        max,
                        max_length,
                    }
                })
                .collect(),
        })
        .collect()
}

/// The form shown back with its errors: an item's message already names the item.
fn form_with(f: &Fields, errors: &[DomainError], d: &Definition) -> FormView {
    let mut form = FormView::with(f, &[]);
    form.errors = errors
        .iter()
        .map(|e| {
            let text = if d.item(e.field).is_some() || e.field == "instrument" {
                e.message.clone()
            } else {
                format!("{} : {}", field_label(e.field), e.message)
            };
            (e.field.to_string(), text)
        })
        .collect();
    form
}

#[derive(Template)]
#[template(path = "grid_form.html")]
struct FormPage {
    title: String,
    nav: Option<Nav>,
    banner: Banner,
    csrf: String,
    form_id: String,
    form: FormView,
    code: String,
    description: String,
    assessed_on: String,
    sections: Vec<SectionView>,
}

fn render_form(
    state: &AppState,
    staff: &Staff,
    person: &relais_app::store::persons::Person,
    d: &Definition,
    form: FormView,
    status: StatusCode,
) -> PageResult {
    let assessed_on = if form.has_value("assessed_on") {
        form.value("assessed_on").to_string()
    } else {
        state.app.assessment_default_date().to_string()
    };
    render(
        FormPage {
            title: format!("Nouvelle évaluation — {}", d.title),
            nav: nav(state, staff),
            banner: Banner::of(person),
            csrf: staff.csrf().to_string(),
            form_id: relais_app::secret::random_token()?,
            code: d.code.clone(),
            description: d.description.clone(),
            sections: sections(d, &form),
            assessed_on,
            form,
        },
        status,
    )
}

async fn form_page(
    State(state): State<AppState>,
    staff: Staff,
    Path((id, code)): Path<(String, String)>,
) -> PageResult {
    let id: PersonId = parse_id(&id)?;
    let (person, d) = state.app.grid_form(staff.actor(), id, &code).await?;
    render_form(&state, &staff, &person, d, FormView::default(), StatusCode::OK)
}

/// The answers as typed: every field named after an item; empty ones are left unanswered.
fn input(f: &Fields) -> GridInput {
    let answers =
        f.1.iter().filter_map(|(k, v)| k.strip_prefix("i_").map(|item| (item.to_string(), v.clone()))).collect();
    GridInput { assessed_on: f.get("assessed_on").to_string(), answers, comment: f.get("comment").to_string() }
}

async fn record(
    State(state): State<AppState>,
    Path((id, code)): Path<(String, String)>,
    CsrfForm(staff, f): CsrfForm,
) -> PageResult {
    let id: PersonId = parse_id(&id)?;
    match state.app.record_grid(staff.actor(), id, &code, &input(&f)).await {
        Ok(e) => Ok(see_other(&format!("/persons/{id}/grids/{code}?ok={}", e.record.id))),
        Err(AppError::Invalid(errors)) => {
            let (person, d) = state.app.grid_form(staff.actor(), id, &code).await?;
            render_form(&state, &staff, &person, d, form_with(&f, &errors, d), StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(e) => Err(e.into()),
    }
}

struct GridRow {
    code: String,
    title: String,
    latest: Option<String>,
}

#[derive(Template)]
#[template(path = "grids.html")]
struct OverviewPage {
    title: String,
    nav: Option<Nav>,
    banner: Banner,
    grids: Vec<GridRow>,
    may_evaluate: bool,
}

async fn overview_page(State(state): State<AppState>, staff: Staff, Path(id): Path<String>) -> PageResult {
    let id: PersonId = parse_id(&id)?;
    let o = state.app.grids_overview(staff.actor(), id).await?;
    render(
        OverviewPage {
            title: "Évaluations".into(),
            nav: nav(&state, &staff),
            banner: Banner::of(&o.person),
            grids: o
                .latest
                .iter()
                .map(|(d, e)| GridRow {
                    code: d.code.clone(),
                    title: d.title.clone(),
                    latest: e.as_ref().map(dated_summary),
                })
                .collect(),
            may_evaluate: o.may_evaluate,
        },
        StatusCode::OK,
    )
}

struct EvaluationView {
    id: String,
    date: String,
    author: String,
    recorded: String,
    /// « 12/23 — risque élevé »; empty for a grid without score.
    result: String,
    /// Subtotals: (label, « 11/14 — risque de dénutrition »).
    subtotals: Vec<(String, String)>,
    comment: String,
    /// (item, answer, points)
    answers: Vec<(String, String, String)>,
    just_saved: bool,
}

fn evaluation_view(e: &GridEvaluation, tz: &jiff::tz::TimeZone, saved: Option<&str>) -> EvaluationView {
    let d = e.definition;
    let o = e.outcome();
    let result = match (o.headline(), o.stopped) {
        (Some(r), true) => format!("{} {} — {} (dépistage seul)", r.label, r.score_text(), r.band.label),
        (Some(r), false) => format!("{} {} — {}", r.label, r.score_text(), r.band.label),
        (None, _) => String::new(),
    };
    let subtotals = if o.total.is_some() {
        o.subtotals.iter().map(|r| (r.label.to_string(), format!("{} — {}", r.score_text(), r.band.label))).collect()
    } else {
        vec![]
    };
    let answers = d
        .items()
        .filter_map(|(_, i)| {
            let v = e.answers.get(&i.code)?;
            Some((i.label.clone(), d.answer_label(i, v), d.answer_points(i, v).map(pts).unwrap_or_default()))
        })
        .collect();
    let id = e.record.id.to_string();
    EvaluationView {
        just_saved: saved == Some(id.as_str()),
        id,
        date: french_date(e.record.assessed_on),
        author: e.record.author_label.clone(),
        recorded: when(e.record.recorded_at, tz),
        result,
        subtotals,
        comment: e.record.comment.clone(),
        answers,
    }
}

#[derive(Template)]
#[template(path = "grid_history.html")]
struct HistoryPage {
    title: String,
    nav: Option<Nav>,
    banner: Banner,
    csrf: String,
    flash: Option<&'static str>,
    form: FormView,
    code: String,
    grid_title: String,
    evaluations: Vec<EvaluationView>,
    may_evaluate: bool,
    /// The working plan's objectives (id, title), when the evaluation may be added to a plan.
    plan: Option<Vec<(String, String)>>,
    plan_frozen: bool,
}

async fn render_history(
    state: &AppState,
    staff: &Staff,
    id: PersonId,
    code: &str,
    params: &HashMap<String, String>,
    form: FormView,
    status: StatusCode,
) -> PageResult {
    let h = state.app.grid_history(staff.actor(), id, code).await?;
    let tz = state.app.time_zone();
    let saved = params.get("ok").map(String::as_str);
    let flash = match (saved, params.get("plan").map(String::as_str)) {
        (_, Some(_)) => Some("Évaluation ajoutée au projet personnalisé."),
        (Some(_), _) => Some("Évaluation enregistrée ; le score et son interprétation ont été calculés."),
        _ => None,
    };
    render(
        HistoryPage {
            title: h.definition.title.clone(),
            nav: nav(state, staff),
            banner: Banner::of(&h.person),
            csrf: staff.csrf().to_string(),
            flash,
            form,
            code: h.definition.code.clone(),
            grid_title: h.definition.title.clone(),
            evaluations: h.evaluations.iter().map(|e| evaluation_view(e, tz, saved)).collect(),
            may_evaluate: h.may_evaluate,
            plan_frozen: h.plan_frozen,
            plan: h.plan.map(|(_, objectives)| objectives.iter().map(|(i, t)| (i.to_string(), t.clone())).collect()),
        },
        status,
    )
}

async fn history_page(
    State(state): State<AppState>,
    staff: Staff,
    Path((id, code)): Path<(String, String)>,
    Query(params): Query<HashMap<String, String>>,
) -> PageResult {
    let id: PersonId = parse_id(&id)?;
    render_history(&state, &staff, id, &code, &params, FormView::default(), StatusCode::OK).await
}

async fn add_to_plan(
    State(state): State<AppState>,
    Path((id, code, assessment)): Path<(String, String, String)>,
    CsrfForm(staff, f): CsrfForm,
) -> PageResult {
    let id: PersonId = parse_id(&id)?;
    let assessment: AssessmentId = parse_id(&assessment)?;
    let target = f.get("target");
    let objective = match target {
        "need" => None,
        other => match other.strip_prefix("objective:").and_then(|o| o.parse::<ObjectiveId>().ok()) {
            Some(o) => Some(o),
            None => {
                let e =
                    DomainError::new("objective", "target-invalid", "choisissez un besoin ou un objectif du projet");
                let form = FormView::with(&f, &[e]);
                return render_history(
                    &state,
                    &staff,
                    id,
                    &code,
                    &HashMap::new(),
                    form,
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await;
            }
        },
    };
    match state.app.add_grid_to_plan(staff.actor(), id, assessment, objective).await {
        Ok(plan) => Ok(see_other(&format!("/support-plans/{plan}?ok=assessment"))),
        Err(AppError::Invalid(errors)) => {
            let form = FormView::with(&f, &errors);
            render_history(&state, &staff, id, &code, &HashMap::new(), form, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e.into()),
    }
}
