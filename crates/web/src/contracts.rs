//! Contracts in the UI: a person's contracts by stay (generate, amend, record the signature) and an establishment's unsigned ones.

use crate::AppState;
use crate::error::WebError;
use crate::forms::{CsrfForm, FormView};
use crate::pages::{PageResult, Places, nav, parse_id, render, see_other};
use crate::session::Staff;
use crate::views::{Banner, Nav, french_date, when};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use relais_app::AppError;
use relais_app::contracts::SignatureInput;
use relais_app::store::contracts::Contract;
use relais_domain::contract::{ContractKind, SignatureStatus, signature_overdue};
use relais_domain::ids::*;
use std::collections::HashMap;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/persons/{id}/contracts", get(person_page))
        .route("/persons/{id}/stays/{stay}/contracts", post(generate))
        .route("/contracts/{id}/signature", post(sign))
        .route("/establishments/{id}/contracts", get(establishment_page))
}

/// A contract as listed.
struct ContractRow {
    id: String,
    title: String,
    document_id: String,
    generated: String,
    generated_by: String,
    status: &'static str,
    to_sign: bool,
    overdue: bool,
    /// « signé le 20/11/2026 par la personne (saisi par …) ».
    settled: Option<String>,
}

impl ContractRow {
    fn of(c: &Contract, today: jiff::civil::Date, tz: &jiff::tz::TimeZone) -> Self {
        let settled = c.signed_on.map(|on| {
            let what = match c.status {
                SignatureStatus::SignedByPerson => format!("signé le {} par la personne", french_date(on)),
                SignatureStatus::SignedByRepresentative => {
                    format!("signé le {} par le représentant légal", french_date(on))
                }
                SignatureStatus::Refused => format!("signature refusée le {}", french_date(on)),
                SignatureStatus::ToSign => String::new(),
            };
            match &c.status_label {
                Some(who) => format!("{what} (enregistré par {who})"),
                None => what,
            }
        });
        Self {
            id: c.id.to_string(),
            title: c.kind.title(c.amendment),
            document_id: c.document_id.to_string(),
            generated: when(c.generated_at, tz),
            generated_by: c.generated_label.clone(),
            status: c.status.label(),
            to_sign: c.status == SignatureStatus::ToSign,
            overdue: signature_overdue(c.status, c.generated_on, today),
            settled,
        }
    }
}

/// A stay with its contracts.
struct StayContracts {
    id: String,
    place: String,
    mode: &'static str,
    start: String,
    open: bool,
    /// « Générer le contrat de séjour », or « Générer l'avenant n° 1 ».
    generate_label: String,
    contracts: Vec<ContractRow>,
}

#[derive(Template)]
#[template(path = "contracts.html")]
struct PersonPage {
    title: String,
    nav: Option<Nav>,
    banner: Banner,
    csrf: String,
    flash: Option<&'static str>,
    form: FormView,
    stays: Vec<StayContracts>,
    may_write: bool,
    today: String,
    /// (code, label) of the signature outcomes offered.
    outcomes: Vec<(&'static str, &'static str)>,
}

async fn person_page(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> PageResult {
    let id: PersonId = parse_id(&id)?;
    let flash = match params.get("ok").map(String::as_str) {
        Some("generated") => Some("Document établi et classé dans le dossier ; il reste à le faire signer."),
        Some("signed") => Some("Signature enregistrée."),
        _ => None,
    };
    person_render(&state, &staff, id, FormView::default(), flash, StatusCode::OK).await
}

async fn person_render(
    state: &AppState,
    staff: &Staff,
    id: PersonId,
    form: FormView,
    flash: Option<&'static str>,
    status: StatusCode,
) -> PageResult {
    let file = state.app.person_contracts(staff.actor(), id).await?;
    let places = Places::load(state, staff.actor().organisation_id).await?;
    let tz = state.app.time_zone();
    let stays = file
        .stays
        .iter()
        .map(|s| {
            let contracts: Vec<ContractRow> = file
                .contracts
                .iter()
                .filter(|c| c.stay_id == s.id)
                .map(|c| ContractRow::of(c, file.today, tz))
                .collect();
            let kind = ContractKind::for_mode(s.mode);
            let generate_label = if contracts.is_empty() {
                match kind {
                    ContractKind::Residential => "Générer le contrat de séjour".to_string(),
                    ContractKind::Dipc => "Générer le DIPC".to_string(),
                }
            } else {
                format!("Générer l'avenant n° {}", contracts.len())
            };
            StayContracts {
                id: s.id.to_string(),
                place: places.place(s.establishment_id, s.unit_id),
                mode: s.mode.label(),
                start: french_date(s.start),
                open: s.is_open(),
                generate_label,
                contracts,
            }
        })
        .collect();
    render(
        PersonPage {
            title: "Contrats".into(),
            nav: nav(state, staff),
            banner: Banner::of(&file.person),
            csrf: staff.csrf().to_string(),
            flash,
            form,
            stays,
            may_write: file.may_write,
            today: file.today.to_string(),
            outcomes: [
                SignatureStatus::SignedByPerson,
                SignatureStatus::SignedByRepresentative,
                SignatureStatus::Refused,
            ]
            .iter()
            .map(|s| (s.code(), s.label()))
            .collect(),
        },
        status,
    )
}

async fn generate(
    State(state): State<AppState>,
    Path((id, stay)): Path<(String, String)>,
    CsrfForm(staff, f): CsrfForm,
) -> PageResult {
    let id: PersonId = parse_id(&id)?;
    let stay: StayId = parse_id(&stay)?;
    match state.app.generate_contract(staff.actor(), id, stay).await {
        Ok(_) => Ok(see_other(&format!("/persons/{id}/contracts?ok=generated"))),
        Err(AppError::Invalid(errors)) => {
            person_render(&state, &staff, id, FormView::with(&f, &errors), None, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn sign(State(state): State<AppState>, Path(id): Path<String>, CsrfForm(staff, f): CsrfForm) -> PageResult {
    let id: ContractId = parse_id(&id)?;
    let input = SignatureInput { status: f.get("signature").into(), signed_on: f.get("signed_on").into() };
    match state.app.sign_contract(staff.actor(), id, &input).await {
        Ok(person) => Ok(see_other(&format!("/persons/{person}/contracts?ok=signed"))),
        Err(AppError::Invalid(errors)) => {
            let person: PersonId = parse_id(f.get("person"))?;
            person_render(&state, &staff, person, FormView::with(&f, &errors), None, StatusCode::UNPROCESSABLE_ENTITY)
                .await
        }
        Err(e) => Err(e.into()),
    }
}

/// A contract still to sign, with its person.
struct UnsignedRow {
    person_id: String,
    person: String,
    title: String,
    document_id: String,
    generated: String,
    days: i64,
    overdue: bool,
}

#[derive(Template)]
#[template(path = "contracts_unsigned.html")]
struct EstablishmentPage {
    title: String,
    nav: Option<Nav>,
    establishment: String,
    establishment_id: String,
    overdue_only: bool,
    rows: Vec<UnsignedRow>,
}

async fn establishment_page(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> PageResult {
    let est: EstablishmentId = parse_id(&id)?;
    let overdue_only = params.get("unsigned").is_some_and(|v| v == "1");
    let places = Places::load(&state, staff.actor().organisation_id).await?;
    let name = places.establishments.iter().find(|e| e.id == est).map(|e| e.name.clone()).ok_or(WebError::NotFound)?;
    let rows = state.app.unsigned_contracts(staff.actor(), est, overdue_only).await?;
    let today = state.app.today();
    let rows = rows
        .iter()
        .map(|(c, p)| {
            let b = Banner::of(p);
            UnsignedRow {
                person_id: p.id.to_string(),
                person: format!("{} {}", b.birth_name, b.first_first_name),
                title: c.kind.title(c.amendment),
                document_id: c.document_id.to_string(),
                generated: french_date(c.generated_on),
                days: (today - c.generated_on).get_days().into(),
                overdue: signature_overdue(c.status, c.generated_on, today),
            }
        })
        .collect();
    render(
        EstablishmentPage {
            title: format!("Contrats à signer — {name}"),
            nav: nav(&state, &staff),
            establishment: name,
            establishment_id: est.to_string(),
            overdue_only,
            rows,
        },
        StatusCode::OK,
    )
}

/// The person's page summary: « 2 documents, dont 1 à signer », and whether one is overdue.
pub(crate) fn summary(s: Option<relais_app::contracts::ContractSummary>) -> Option<(String, bool)> {
    let s = s?;
    let text = match (s.count, s.to_sign) {
        (0, _) => "Aucun contrat de séjour ni DIPC.".to_string(),
        (1, 0) => "1 document, signé ou refusé.".to_string(),
        (n, 0) => format!("{n} documents, signés ou refusés."),
        (1, _) => "1 document, à signer.".to_string(),
        (n, t) => format!("{n} documents, dont {t} à signer."),
    };
    Some((text, s.overdue > 0))
}

/// The establishment's list of contracts awaiting their signature, for those who read the
/// administrative file there.
pub(crate) fn unsigned_path(staff: &Staff, est: EstablishmentId, today: jiff::civil::Date) -> Option<String> {
    use relais_domain::access::{Category, PersonAction, profile_allows};
    staff
        .actor()
        .grants()
        .iter()
        .any(|g| {
            g.is_active(today)
                && g.establishment == est
                && profile_allows(g.profile, PersonAction::Read(Category::Administrative))
        })
        .then(|| format!("/establishments/{est}/contracts"))
}
