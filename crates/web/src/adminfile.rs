//! The administrative and social file in the UI: the person's page of cover, benefits, MDPH
//! notifications and absences, an establishment's expiring rights and its occupancy.

use crate::AppState;
use crate::error::WebError;
use crate::forms::{CsrfForm, Fields, FormView};
use crate::pages::{PageResult, Places, nav, parse_id, render, see_other};
use crate::session::Staff;
use crate::views::{Banner, Nav, french_date, when};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use relais_app::AppError;
use relais_app::adminfile::{AbsenceInput, BenefitInput, CoverageInput, FileSummary, MdphInput};
use relais_domain::adminfile::{AbsenceKind, BenefitKind, MdphDecision, Periodicity, StateCover, expires_soon};
use relais_domain::date::parse_date;
use relais_domain::ids::*;
use std::collections::HashMap;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/persons/{id}/administrative", get(file_page))
        .route("/persons/{id}/administrative/coverage", post(coverage))
        .route("/persons/{id}/administrative/benefits", post(benefit))
        .route("/persons/{id}/administrative/mdph", post(mdph))
        .route("/persons/{id}/stays/{stay}/absences", post(absence))
        .route("/absences/{id}/return", post(absence_return))
        .route("/establishments/{id}/expiring", get(expiring))
        .route("/establishments/{id}/occupancy", get(occupancy_page))
}

/// The person page's section: a summary and the link to the file.
pub(crate) struct SummaryView {
    pub(crate) expiring: usize,
    /// « Hospitalisation depuis le 20/11/2026 ».
    pub(crate) away: Option<String>,
}

impl SummaryView {
    pub(crate) fn of(s: &FileSummary) -> Self {
        Self {
            expiring: s.expiring,
            away: s.away.as_ref().map(|a| format!("{} depuis le {}", a.kind.label(), french_date(a.start))),
        }
    }
}

struct AbsenceRow {
    id: String,
    kind: &'static str,
    start: String,
    /// The day of return, or `None` while away.
    end: Option<String>,
    reason: String,
    recorded: String,
}

struct StayBlock {
    id: String,
    place: String,
    mode: &'static str,
    period: String,
    absences: Vec<AbsenceRow>,
}

struct BenefitRow {
    kind: &'static str,
    label: String,
    decision: String,
    /// `None` when the actor may not see amounts.
    amount: Option<String>,
    periodicity: &'static str,
    start: String,
    expires: String,
    soon: bool,
}

struct MdphRow {
    decision: &'static str,
    number: String,
    valid_from: String,
    valid_until: String,
    soon: bool,
}

struct CoverageView {
    /// `None` when the actor may not see it (shown as hidden), « non renseigné » when unknown.
    nss: Option<String>,
    insured: Option<String>,
    fund: String,
    complementary: String,
    state_cover: String,
    recorded: String,
}

#[derive(Template)]
#[template(path = "adminfile.html")]
struct FilePage {
    title: String,
    nav: Option<Nav>,
    banner: Banner,
    csrf: String,
    flash: Option<&'static str>,
    form: FormView,
    today: String,
    read: bool,
    read_sensitive: bool,
    write: bool,
    may_record_absence: bool,
    stays: Vec<StayBlock>,
    coverage: Option<CoverageView>,
    benefits: Vec<BenefitRow>,
    mdph: Vec<MdphRow>,
    benefit_kinds: Vec<(&'static str, &'static str)>,
    periodicities: Vec<(&'static str, &'static str)>,
    mdph_decisions: Vec<(&'static str, &'static str)>,
    absence_kinds: Vec<(&'static str, &'static str)>,
    state_covers: Vec<(&'static str, &'static str)>,
}

fn opt(d: Option<jiff::civil::Date>) -> String {
    d.map(french_date).unwrap_or_else(|| "—".into())
}

async fn file_render(
    state: &AppState,
    staff: &Staff,
    id: PersonId,
    form: FormView,
    flash: Option<&'static str>,
    status: StatusCode,
) -> PageResult {
    let file = state.app.administrative_file(staff.actor(), id).await?;
    let places = Places::load(state, staff.actor().organisation_id).await?;
    let tz = state.app.time_zone();
    let today = state.app.today();
    let banner = Banner::of(&file.person);
    let stays = file
        .stays
        .iter()
        .map(|s| StayBlock {
            id: s.id.to_string(),
            place: places.place(s.establishment_id, s.unit_id),
            mode: s.mode.label(),
            period: match s.end {
                Some(e) => format!("du {} au {}", french_date(s.start), french_date(e)),
                None => format!("depuis le {}", french_date(s.start)),
            },
            absences: file
                .absences
                .iter()
                .filter(|a| a.stay_id == s.id)
                .map(|a| AbsenceRow {
                    id: a.id.to_string(),
                    kind: a.kind.label(),
                    start: french_date(a.start),
                    end: a.end.map(french_date),
                    reason: a.reason.clone(),
                    recorded: format!("{} par {}", when(a.recorded.at, tz), a.recorded.label),
                })
                .collect(),
        })
        .collect();
    let coverage = file.coverage.as_ref().map(|c| CoverageView {
        nss: if file.view.read_sensitive {
            Some(c.nss.as_ref().map(|n| n.display()).unwrap_or_else(|| "non renseigné".into()))
        } else {
            None
        },
        insured: c.insured.as_ref().map(|(name, rank)| format!("ayant droit de {name} (rang {rank})")),
        fund: match (c.fund_name.as_str(), c.fund_code.as_str()) {
            ("", "") => "—".into(),
            (n, "") => n.into(),
            (n, code) => format!("{n} (code {code})"),
        },
        complementary: if c.complementary_name.is_empty() {
            "—".into()
        } else {
            let contract = if c.complementary_contract.is_empty() {
                String::new()
            } else {
                format!(", contrat n° {}", c.complementary_contract)
            };
            format!(
                "{}{contract}, du {} au {}",
                c.complementary_name,
                opt(c.complementary_from),
                opt(c.complementary_until)
            )
        },
        state_cover: match c.state_cover {
            StateCover::None => "Aucune".into(),
            other => format!("{}, du {} au {}", other.label(), opt(c.state_cover_from), opt(c.state_cover_until)),
        },
        recorded: format!("{} par {}", when(c.recorded.at, tz), c.recorded.label),
    });
    let benefits = file
        .benefits
        .iter()
        .map(|b| BenefitRow {
            kind: b.kind.label(),
            label: b.label.clone(),
            decision: opt(b.decision_date),
            amount: file.view.read_sensitive.then(|| b.amount.display()),
            periodicity: b.periodicity.label(),
            start: french_date(b.start),
            expires: opt(b.expires),
            soon: expires_soon(b.expires, today),
        })
        .collect();
    let mdph = file
        .mdph
        .iter()
        .map(|n| MdphRow {
            decision: n.decision.label(),
            number: n.number.clone(),
            valid_from: french_date(n.valid_from),
            valid_until: opt(n.valid_until),
            soon: expires_soon(n.valid_until, today),
        })
        .collect();
    render(
        FilePage {
            title: format!("Dossier administratif — {} {}", banner.birth_name, banner.first_first_name),
            nav: nav(state, staff),
            csrf: staff.csrf().to_string(),
            flash,
            form,
            today: french_date(today),
            read: file.view.read,
            read_sensitive: file.view.read_sensitive,
            write: file.view.write,
            may_record_absence: file.may_record_absence,
            stays,
            coverage,
            benefits,
            mdph,
            benefit_kinds: BenefitKind::ALL.iter().map(|k| (k.code(), k.label())).collect(),
            periodicities: Periodicity::ALL.iter().map(|k| (k.code(), k.label())).collect(),
            mdph_decisions: MdphDecision::ALL.iter().map(|k| (k.code(), k.label())).collect(),
            absence_kinds: AbsenceKind::ALL.iter().map(|k| (k.code(), k.label())).collect(),
            state_covers: StateCover::ALL.iter().map(|k| (k.code(), k.label())).collect(),
            banner,
        },
        status,
    )
}

async fn file_page(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> PageResult {
    let id: PersonId = parse_id(&id)?;
    let flash = match q.get("ok").map(String::as_str) {
        Some("coverage") => Some("Couverture sociale enregistrée."),
        Some("benefit") => Some("Aide enregistrée."),
        Some("mdph") => Some("Notification MDPH enregistrée."),
        Some("absence") => Some("Absence enregistrée."),
        Some("return") => Some("Retour enregistré."),
        _ => None,
    };
    file_render(&state, &staff, id, FormView::default(), flash, StatusCode::OK).await
}

/// Answers a form post: back to the file with a notice, or the file again with the errors and
/// what was typed.
async fn after_post(
    state: &AppState,
    staff: &Staff,
    id: PersonId,
    f: &Fields,
    r: Result<(), AppError>,
    ok: &str,
) -> PageResult {
    match r {
        Ok(()) => Ok(see_other(&format!("/persons/{id}/administrative?ok={ok}"))),
        Err(AppError::Invalid(errors)) => {
            file_render(state, staff, id, FormView::with(f, &errors), None, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn coverage(State(state): State<AppState>, Path(id): Path<String>, CsrfForm(staff, f): CsrfForm) -> PageResult {
    let id: PersonId = parse_id(&id)?;
    let input = CoverageInput {
        nss: f.get("nss").into(),
        beneficiary: f.get("beneficiary") == "yes",
        insured_name: f.get("insured_name").into(),
        beneficiary_rank: f.get("beneficiary_rank").into(),
        fund_name: f.get("fund_name").into(),
        fund_code: f.get("fund_code").into(),
        complementary_name: f.get("complementary_name").into(),
        complementary_contract: f.get("complementary_contract").into(),
        complementary_from: f.get("complementary_from").into(),
        complementary_until: f.get("complementary_until").into(),
        state_cover: f.get("state_cover").into(),
        state_cover_from: f.get("state_cover_from").into(),
        state_cover_until: f.get("state_cover_until").into(),
    };
    let r = state.app.record_coverage(staff.actor(), id, &input).await;
    after_post(&state, &staff, id, &f, r, "coverage").await
}

async fn benefit(State(state): State<AppState>, Path(id): Path<String>, CsrfForm(staff, f): CsrfForm) -> PageResult {
    let id: PersonId = parse_id(&id)?;
    let input = BenefitInput {
        kind: f.get("benefit_kind").into(),
        label: f.get("benefit_label").into(),
        decision_date: f.get("decision_date").into(),
        amount: f.get("amount").into(),
        periodicity: f.get("periodicity").into(),
        start: f.get("benefit_start").into(),
        expires: f.get("benefit_expires").into(),
    };
    let r = state.app.record_benefit(staff.actor(), id, &input).await.map(|_| ());
    after_post(&state, &staff, id, &f, r, "benefit").await
}

async fn mdph(State(state): State<AppState>, Path(id): Path<String>, CsrfForm(staff, f): CsrfForm) -> PageResult {
    let id: PersonId = parse_id(&id)?;
    let input = MdphInput {
        decision: f.get("mdph_decision").into(),
        number: f.get("mdph_number").into(),
        valid_from: f.get("mdph_valid_from").into(),
        valid_until: f.get("mdph_valid_until").into(),
    };
    let r = state.app.record_mdph(staff.actor(), id, &input).await.map(|_| ());
    after_post(&state, &staff, id, &f, r, "mdph").await
}

async fn absence(
    State(state): State<AppState>,
    Path((id, stay)): Path<(String, String)>,
    CsrfForm(staff, f): CsrfForm,
) -> PageResult {
    let id: PersonId = parse_id(&id)?;
    let stay: StayId = parse_id(&stay)?;
    let input = AbsenceInput {
        kind: f.get("absence_kind").into(),
        start: f.get("absence_start").into(),
        end: f.get("absence_end").into(),
        reason: f.get("absence_reason").into(),
    };
    let r = state.app.record_absence(staff.actor(), id, stay, &input).await.map(|_| ());
    after_post(&state, &staff, id, &f, r, "absence").await
}

async fn absence_return(
    State(state): State<AppState>,
    Path(id): Path<String>,
    CsrfForm(staff, f): CsrfForm,
) -> PageResult {
    let id: AbsenceId = parse_id(&id)?;
    match state.app.record_return(staff.actor(), id, f.get("absence_end")).await {
        Ok(person) => Ok(see_other(&format!("/persons/{person}/administrative?ok=return"))),
        Err(AppError::Invalid(errors)) => {
            // The form is on the person's file; find the person through the absence's file.
            let person = f.get("person");
            let person: PersonId = parse_id(person)?;
            file_render(&state, &staff, person, FormView::with(&f, &errors), None, StatusCode::UNPROCESSABLE_ENTITY)
                .await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "expiring.html")]
struct ExpiringPage {
    title: String,
    nav: Option<Nav>,
    establishment: String,
    establishment_id: String,
    /// (person id, person, what, expiry, already ended)
    rows: Vec<(String, String, String, String, bool)>,
}

async fn expiring(State(state): State<AppState>, staff: Staff, Path(id): Path<String>) -> PageResult {
    let est: EstablishmentId = parse_id(&id)?;
    let places = Places::load(&state, staff.actor().organisation_id).await?;
    let name = places.establishments.iter().find(|e| e.id == est).map(|e| e.name.clone()).ok_or(WebError::NotFound)?;
    let rows = state.app.expiring_rights(staff.actor(), est).await?;
    let today = state.app.today();
    let rows = rows
        .iter()
        .map(|r| {
            let b = Banner::of(&r.person);
            (
                r.person.id.to_string(),
                format!("{} {}", b.birth_name, b.first_first_name),
                r.what.clone(),
                french_date(r.expires),
                r.expires < today,
            )
        })
        .collect();
    render(
        ExpiringPage {
            title: format!("Droits arrivant à échéance — {name}"),
            nav: nav(&state, &staff),
            establishment: name,
            establishment_id: est.to_string(),
            rows,
        },
        StatusCode::OK,
    )
}

#[derive(Template)]
#[template(path = "occupancy.html")]
struct OccupancyPage {
    title: String,
    nav: Option<Nav>,
    form: FormView,
    establishment: String,
    establishment_id: String,
    from: String,
    to: String,
    days: i64,
    /// (mode, presence days, absence days)
    lines: Vec<(&'static str, i64, i64)>,
    total: (i64, i64),
}

async fn occupancy_page(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> PageResult {
    let est: EstablishmentId = parse_id(&id)?;
    let places = Places::load(&state, staff.actor().organisation_id).await?;
    let name = places.establishments.iter().find(|e| e.id == est).map(|e| e.name.clone()).ok_or(WebError::NotFound)?;
    let today = state.app.today();
    let first_of_month = today.first_of_month();
    let raw = |k: &str| q.get(k).map(|v| v.trim().to_string()).unwrap_or_default();
    let (from_raw, to_raw) = (raw("from"), raw("to"));
    let mut errors = Vec::new();
    let from = if from_raw.is_empty() {
        Some(first_of_month)
    } else {
        parse_date("period_from", &from_raw).map_err(|e| errors.push(e)).ok()
    };
    let to =
        if to_raw.is_empty() { Some(today) } else { parse_date("period_to", &to_raw).map_err(|e| errors.push(e)).ok() };
    let mut lines = vec![];
    if let (Some(from), Some(to)) = (from, to) {
        match state.app.occupancy(staff.actor(), est, from, to).await {
            Ok(l) => lines = l,
            Err(AppError::Invalid(e)) => errors.extend(e),
            Err(e) => return Err(e.into()),
        }
    } else {
        // The period is unreadable, but the establishment must still be the actor's to answer.
        state.app.occupancy(staff.actor(), est, today, today).await?;
    }
    let mut fields = HashMap::new();
    fields.insert("from".to_string(), from.map(french_date).unwrap_or(from_raw));
    fields.insert("to".to_string(), to.map(french_date).unwrap_or(to_raw));
    let form = FormView::with(&Fields(fields, vec![]), &errors);
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let days = match (from, to) {
        (Some(f), Some(t)) if t >= f => f.until(t).map(|s| i64::from(s.get_days()) + 1).unwrap_or(0),
        _ => 0,
    };
    let lines: Vec<(&'static str, i64, i64)> =
        lines.iter().map(|l| (l.mode.label(), l.presence_days, l.absence_days)).collect();
    let total = lines.iter().fold((0, 0), |acc, l| (acc.0 + l.1, acc.1 + l.2));
    render(
        OccupancyPage {
            title: format!("Occupation — {name}"),
            nav: nav(&state, &staff),
            from: form.value("from").to_string(),
            to: form.value("to").to_string(),
            form,
            establishment: name,
            establishment_id: est.to_string(),
            days,
            lines,
            total,
        },
        status,
    )
}
