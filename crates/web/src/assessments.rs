//! AGGIR evaluations of a person: the history with the GIR of each, and the grid to fill in on a
//! tablet (« ne fait pas », or the adverbs S T C H met, item by item).

use crate::AppState;
use crate::forms::{CsrfForm, Fields, FormView};
use crate::pages::{PageResult, nav, parse_id, render, see_other};
use crate::session::Staff;
use crate::views::{Banner, Nav, french_date, when};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::get;
use relais_app::AppError;
use relais_app::assessments::{AggirInput, ItemInput};
use relais_domain::aggir::{Adverb, Answer, COMPUTED, Grid, Item, Variable};
use relais_domain::ids::*;
use std::collections::HashMap;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/persons/{id}/aggir", get(history_page).post(record))
        .route("/persons/{id}/aggir/new", get(form_page))
}

/// The form field of an adverb of an item: `transfers_s`.
fn adverb_field(item: Item, adverb: Adverb) -> String {
    format!("{}_{}", item.code(), adverb.letter().to_ascii_lowercase())
}

/// One line of the grid as drawn: what was chosen, kept when the form comes back with errors.
struct ItemView {
    code: &'static str,
    /// Empty for a variable without sub-variables (the fieldset's legend says it).
    label: &'static str,
    choice: String,
    /// (field name, label, ticked) for S, T, C, H.
    adverbs: Vec<(String, &'static str, bool)>,
}

struct VariableView {
    label: &'static str,
    /// Enters the GIR: every item must be answered.
    computed: bool,
    discriminant: bool,
    items: Vec<ItemView>,
}

fn grid_views(form: &FormView) -> Vec<VariableView> {
    Variable::ALL
        .iter()
        .map(|v| VariableView {
            label: v.label(),
            computed: COMPUTED.contains(v),
            discriminant: v.is_discriminant(),
            items: v
                .items()
                .iter()
                .map(|i| ItemView {
                    code: i.code(),
                    label: if v.items().len() > 1 { i.label() } else { "" },
                    choice: form.value(i.code()).to_string(),
                    adverbs: Adverb::ALL
                        .iter()
                        .map(|a| {
                            let field = adverb_field(*i, *a);
                            let ticked = form.value(&field) == "on";
                            (field, a.label(), ticked)
                        })
                        .collect(),
                })
                .collect(),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "aggir_form.html")]
struct FormPage {
    title: String,
    nav: Option<Nav>,
    banner: Banner,
    csrf: String,
    form_id: String,
    form: FormView,
    assessed_on: String,
    variables: Vec<VariableView>,
}

async fn form_page(State(state): State<AppState>, staff: Staff, Path(id): Path<String>) -> PageResult {
    let id: PersonId = parse_id(&id)?;
    let person = state.app.aggir_form(staff.actor(), id).await?;
    let form = FormView::default();
    render_form(&state, &staff, &person, form, StatusCode::OK)
}

fn render_form(
    state: &AppState,
    staff: &Staff,
    person: &relais_app::store::persons::Person,
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
            title: "Nouvelle évaluation AGGIR".into(),
            nav: nav(state, staff),
            banner: Banner::of(person),
            csrf: staff.csrf().to_string(),
            form_id: relais_app::secret::random_token()?,
            variables: grid_views(&form),
            assessed_on,
            form,
        },
        status,
    )
}

fn input(f: &Fields) -> AggirInput {
    let items = Item::ALL
        .iter()
        .map(|i| {
            let choice = f.get(i.code());
            let ticked = Adverb::ALL.map(|a| f.get(&adverb_field(*i, a)) == "on");
            ItemInput {
                item: i.code().to_string(),
                does_not: choice == "does_not",
                does: choice == "does",
                adverbs: ticked,
                coded: None,
            }
        })
        .collect();
    AggirInput { assessed_on: f.get("assessed_on").to_string(), items, comment: f.get("comment").to_string() }
}

async fn record(State(state): State<AppState>, Path(id): Path<String>, CsrfForm(staff, f): CsrfForm) -> PageResult {
    let id: PersonId = parse_id(&id)?;
    match state.app.record_aggir(staff.actor(), id, &input(&f)).await {
        Ok(_) => Ok(see_other(&format!("/persons/{id}/aggir?ok=aggir"))),
        Err(AppError::Invalid(errors)) => {
            let person = state.app.aggir_form(staff.actor(), id).await?;
            render_form(&state, &staff, &person, FormView::with(&f, &errors), StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(e) => Err(e.into()),
    }
}

/// An evaluation as listed: its result, and each variable's modality with the answers behind it.
struct EvaluationView {
    date: String,
    author: String,
    recorded: String,
    rank: String,
    gir: String,
    comment: String,
    /// (variable, modality letter or « — », answers in words)
    variables: Vec<(&'static str, String, String)>,
}

fn answer_words(answer: Answer) -> String {
    match answer {
        Answer::DoesNot => "ne fait pas".into(),
        Answer::Adverbs(a) => {
            let met: Vec<&str> = Adverb::ALL.iter().filter(|x| a.get(**x)).map(|x| x.label()).collect();
            if met.is_empty() { "aucun adverbe".into() } else { met.join(", ") }
        }
        Answer::Coded(m) => format!("codé {m}"),
    }
}

fn variables_of(grid: &Grid) -> Vec<(&'static str, String, String)> {
    Variable::ALL
        .iter()
        .filter(|v| v.items().iter().any(|i| grid.answer(*i).is_some()))
        .map(|v| {
            let letter = grid.modality(*v).map(|m| m.letter().to_string()).unwrap_or_else(|| "—".into());
            let answers: Vec<String> = v
                .items()
                .iter()
                .filter_map(|i| {
                    let a = grid.answer(*i)?;
                    Some(if v.items().len() > 1 {
                        format!("{} : {}", i.label(), answer_words(a))
                    } else {
                        answer_words(a)
                    })
                })
                .collect();
            (v.label(), letter, answers.join(" ; "))
        })
        .collect()
}

#[derive(Template)]
#[template(path = "aggir.html")]
struct HistoryPage {
    title: String,
    nav: Option<Nav>,
    banner: Banner,
    flash: Option<&'static str>,
    evaluations: Vec<EvaluationView>,
    may_evaluate: bool,
}

async fn history_page(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> PageResult {
    let id: PersonId = parse_id(&id)?;
    let history = state.app.aggir_history(staff.actor(), id).await?;
    let tz = state.app.time_zone();
    let evaluations = history
        .evaluations
        .iter()
        .map(|e| EvaluationView {
            date: french_date(e.record.assessed_on),
            author: e.record.author_label.clone(),
            recorded: when(e.record.recorded_at, tz),
            rank: e.ranking.map(|r| r.rank.to_string()).unwrap_or_else(|| "—".into()),
            gir: e.ranking.map(|r| r.gir.to_string()).unwrap_or_else(|| "—".into()),
            comment: e.record.comment.clone(),
            variables: variables_of(&e.grid),
        })
        .collect();
    let flash = match params.get("ok").map(String::as_str) {
        Some("aggir") => Some("Évaluation enregistrée ; le GIR a été calculé par l'algorithme officiel."),
        _ => None,
    };
    render(
        HistoryPage {
            title: "Évaluations AGGIR".into(),
            nav: nav(&state, &staff),
            banner: Banner::of(&history.person),
            flash,
            evaluations,
            may_evaluate: history.may_evaluate,
        },
        StatusCode::OK,
    )
}
