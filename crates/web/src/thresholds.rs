//! A person's measure chart with the alert threshold in force, and alert thresholds set for a
//! person or for an establishment.

use crate::AppState;
use crate::error::WebError;
use crate::forms::{CsrfForm, Fields, FormView};
use crate::pages::{PageResult, Places, nav, parse_id, render, round_kind, see_other};
use crate::session::Staff;
use crate::views::{Banner, ChartData, Nav, script_json, when};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use relais_app::AppError;
use relais_app::store::thresholds::{ThresholdRule, ThresholdScope};
use relais_app::thresholds::ThresholdInput;
use relais_domain::ids::*;
use relais_domain::observation::VitalSign;
use std::collections::HashMap;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/persons/{id}/chart", get(chart_page))
        .route("/persons/{id}/thresholds", post(set_person_threshold))
        .route("/establishments/{id}/thresholds", get(establishment_page).post(set_establishment_threshold))
        .route("/thresholds/{id}/remove", post(remove_threshold))
}

/// Periods of a chart, in months.
const CHART_PERIODS: &[(&str, &str)] =
    &[("1", "1 mois"), ("3", "3 mois"), ("6", "6 mois"), ("12", "1 an"), ("36", "3 ans")];

/// The notice after a rule was set or removed.
fn flash(params: &HashMap<String, String>) -> Option<&'static str> {
    match params.get("ok").map(String::as_str) {
        Some("threshold") => Some("Seuil d'alerte enregistré."),
        Some("threshold-removed") => Some("Seuil d'alerte retiré."),
        _ => None,
    }
}

/// A rule as shown: what it says, whose it is, when and by whom it was set.
struct RuleView {
    id: String,
    kind_label: &'static str,
    says: String,
    personal: bool,
    set_by: String,
}

impl RuleView {
    fn of(r: &ThresholdRule, tz: &jiff::tz::TimeZone) -> Self {
        Self {
            id: r.id.to_string(),
            kind_label: if r.threshold.kind == VitalSign::BloodPressure {
                "Tension artérielle (systolique)"
            } else {
                r.threshold.kind.label()
            },
            says: r.threshold.describe(),
            personal: matches!(r.scope, ThresholdScope::Person(_)),
            set_by: format!("{}, {}", r.created_label, when(r.created_at, tz)),
        }
    }
}

#[derive(Template)]
#[template(path = "chart.html")]
struct ChartPage {
    title: String,
    nav: Option<Nav>,
    banner: Banner,
    kind: &'static str,
    kind_label: &'static str,
    unit_symbol: &'static str,
    months: String,
    periods: &'static [(&'static str, &'static str)],
    vital_signs: Vec<(&'static str, &'static str)>,
    svg: String,
    /// The same points for the interactive chart, as JSON safe inside a `<script>` element.
    chart_json: String,
    count: usize,
    last: Option<String>,
    /// For weights: the BMI with the last height, and the undernutrition criterion it meets.
    body_mass: Option<String>,
    rule: Option<RuleView>,
    may_set: bool,
    form: FormView,
    csrf: String,
    flash: Option<&'static str>,
}

async fn chart_page(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> PageResult {
    let id: PersonId = parse_id(&id)?;
    let kind = round_kind(params.get("kind").map(String::as_str).unwrap_or(""))?;
    let months = params.get("months").cloned().unwrap_or_else(|| "12".into());
    let flash = flash(&params);
    render_chart(&state, &staff, id, kind, months, FormView::default(), flash, StatusCode::OK).await
}

#[allow(clippy::too_many_arguments)]
async fn render_chart(
    state: &AppState,
    staff: &Staff,
    id: PersonId,
    kind: VitalSign,
    months: String,
    form: FormView,
    flash: Option<&'static str>,
    status: StatusCode,
) -> PageResult {
    let Some(n) = CHART_PERIODS.iter().find(|(v, _)| *v == months).and_then(|(v, _)| v.parse::<i64>().ok()) else {
        return Err(WebError::BadRequest("période non reconnue".into()));
    };
    let to = state.app.now().as_microsecond();
    let from = to - n * 30 * 86_400_000_000;
    let q = relais_app::store::observations::ObservationQuery {
        kind: Some(kind),
        from: Some(from),
        to: None,
        oldest_first: true,
        limit: 5000,
    };
    let chart = state.app.observation_chart(staff.actor(), id, &q).await?;
    let (person, list, threshold) = (&chart.person, &chart.observations, &chart.threshold);
    let tz = state.app.time_zone();
    // The BMI of the last weight and the last height, and what it says for the person's age.
    let body_mass = match (list.last(), chart.last_height) {
        (Some(w), Some(h)) => relais_domain::observation::bmi(w.value, h).map(|b| {
            let age = person.traits.birth_date.age_on(state.app.today());
            let criterion = relais_domain::observation::bmi_undernutrition(b, age);
            format!(
                "IMC {} (dernier poids, taille {} cm){}",
                relais_domain::observation::french_number(b),
                relais_domain::observation::french_number(h),
                criterion.map(|c| format!(" : {c} (HAS)")).unwrap_or_default()
            )
        }),
        _ => None,
    };
    let points: Vec<(i64, f64, Option<f64>)> = list.iter().map(|o| (o.effective_at, o.value, o.value2)).collect();
    let data = ChartData::of(kind, &points, from, to, threshold.rule.as_ref().map(|r| &r.threshold), tz);
    let chart_json = script_json(&data).map_err(|e| {
        tracing::error!(error = %e, "chart data not serialised");
        WebError::Internal
    })?;
    let last = list.last().map(|o| {
        let v = match o.value2 {
            Some(d) => format!("{}/{}", o.value, d),
            None => format!("{}", o.value).replace('.', ","),
        };
        format!("{v} {} le {}", kind.unit_label(), when(o.effective_at, tz))
    });
    render(
        ChartPage {
            title: format!("{} — courbe", kind.label()),
            nav: nav(state, staff),
            banner: Banner::of(person),
            body_mass,
            kind: kind.code(),
            kind_label: kind.label(),
            unit_symbol: kind.unit_label(),
            months,
            periods: CHART_PERIODS,
            vital_signs: VitalSign::ALL.iter().map(|k| (k.code(), k.label())).collect(),
            svg: crate::views::chart_svg(&points, from, to, tz),
            chart_json,
            count: points.len(),
            last,
            rule: threshold.rule.as_ref().map(|r| RuleView::of(r, tz)),
            may_set: threshold.may_set,
            form,
            csrf: staff.csrf().to_string(),
            flash,
        },
        status,
    )
}

fn input(f: &Fields) -> ThresholdInput {
    ThresholdInput { kind: f.get("kind").to_string(), low: f.get("low").to_string(), high: f.get("high").to_string() }
}

async fn set_person_threshold(
    State(state): State<AppState>,
    Path(id): Path<String>,
    CsrfForm(staff, f): CsrfForm,
) -> PageResult {
    let id: PersonId = parse_id(&id)?;
    let kind = round_kind(f.get("kind"))?;
    match state.app.set_person_threshold(staff.actor(), id, &input(&f)).await {
        Ok(_) => Ok(see_other(&format!("/persons/{id}/chart?kind={}&ok=threshold", kind.code()))),
        Err(AppError::Invalid(errors)) => {
            let form = FormView::with(&f, &errors);
            render_chart(&state, &staff, id, kind, "12".into(), form, None, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "thresholds.html")]
struct EstablishmentThresholdsPage {
    title: String,
    nav: Option<Nav>,
    establishment_id: String,
    establishment_name: String,
    rules: Vec<RuleView>,
    may_set: bool,
    vital_signs: Vec<(&'static str, &'static str, &'static str)>,
    form: FormView,
    csrf: String,
    flash: Option<&'static str>,
}

async fn render_establishment(
    state: &AppState,
    staff: &Staff,
    est: EstablishmentId,
    form: FormView,
    flash: Option<&'static str>,
    status: StatusCode,
) -> PageResult {
    let places = Places::load(state, staff.actor().organisation_id).await?;
    let name = places.establishments.iter().find(|e| e.id == est).map(|e| e.name.clone()).ok_or(WebError::NotFound)?;
    let (rules, may_set) = state.app.establishment_thresholds(staff.actor(), est).await?;
    let tz = state.app.time_zone();
    render(
        EstablishmentThresholdsPage {
            title: format!("Seuils d'alerte — {name}"),
            nav: nav(state, staff),
            establishment_id: est.to_string(),
            establishment_name: name,
            rules: rules.iter().map(|r| RuleView::of(r, tz)).collect(),
            may_set,
            vital_signs: VitalSign::ALL.iter().map(|k| (k.code(), k.label(), k.unit_label())).collect(),
            form,
            csrf: staff.csrf().to_string(),
            flash,
        },
        status,
    )
}

async fn establishment_page(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> PageResult {
    let est: EstablishmentId = parse_id(&id)?;
    let flash = flash(&params);
    render_establishment(&state, &staff, est, FormView::default(), flash, StatusCode::OK).await
}

async fn set_establishment_threshold(
    State(state): State<AppState>,
    Path(id): Path<String>,
    CsrfForm(staff, f): CsrfForm,
) -> PageResult {
    let est: EstablishmentId = parse_id(&id)?;
    match state.app.set_establishment_threshold(staff.actor(), est, &input(&f)).await {
        Ok(_) => Ok(see_other(&format!("/establishments/{est}/thresholds?ok=threshold"))),
        Err(AppError::Invalid(errors)) => {
            let form = FormView::with(&f, &errors);
            render_establishment(&state, &staff, est, form, None, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn remove_threshold(
    State(state): State<AppState>,
    Path(id): Path<String>,
    CsrfForm(staff, f): CsrfForm,
) -> PageResult {
    let id: ThresholdId = parse_id(&id)?;
    Ok(match state.app.remove_threshold(staff.actor(), id).await? {
        ThresholdScope::Person(p) => {
            let kind = round_kind(f.get("kind"))?;
            see_other(&format!("/persons/{p}/chart?kind={}&ok=threshold-removed", kind.code()))
        }
        ThresholdScope::Establishment(e) => see_other(&format!("/establishments/{e}/thresholds?ok=threshold-removed")),
    })
}
