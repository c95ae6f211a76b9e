//! Relatives and contacts, legal protection and consents of a person: the page listing them with
//! the forms to add each, a contact's history with its correction form, and the summary on the
//! person's page.

use crate::AppState;
use crate::forms::{CsrfForm, Fields, FormView};
use crate::pages::{PageResult, nav, parse_id, render, see_other};
use crate::session::Staff;
use crate::views::{Banner, Nav, french_date, when};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use relais_app::AppError;
use relais_app::relatives::{
    ConsentInput, ProtectionInput, RelativeInput, RelativesFile, RelativesSummary, in_force, protector_label,
};
use relais_app::store::relatives::{Consent, Protection, Relative};
use relais_domain::ids::*;
use relais_domain::relative::{
    ConsentPurpose, ConsentStatus, Measure, ProtectionScope, RelationKind, Relationship, Sharing, format_phone,
};
use std::collections::HashMap;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/persons/{id}/relatives", get(relatives_page))
        .route("/persons/{id}/relatives/contacts", post(add_contact))
        .route("/persons/{id}/relatives/protections", post(add_protection))
        .route("/persons/{id}/relatives/consents", post(add_consent))
        .route("/contacts/{lineage}", get(contact_page).post(correct_contact))
}

/// A contact as listed.
pub struct RelativeView {
    pub lineage: String,
    pub name: String,
    pub relationship: &'static str,
    pub roles: Vec<&'static str>,
    pub trusted: bool,
    pub trusted_since: Option<String>,
    /// « Ancienne personne de confiance jusqu'au … ».
    pub former_trusted: Option<String>,
    pub phones: Vec<String>,
    pub email: String,
    pub address: String,
    pub organisation_name: String,
    pub sharing: Vec<&'static str>,
    pub comment: String,
    pub version: i32,
    pub change: String,
}

impl RelativeView {
    fn of(c: &Relative, tz: &jiff::tz::TimeZone) -> Self {
        Self {
            lineage: c.lineage_id.to_string(),
            name: c.display_name(),
            relationship: c.relationship.label(),
            roles: c.roles.iter().map(|r| r.label()).collect(),
            trusted: c.has_role(RelationKind::Trusted),
            trusted_since: c.trusted_since.map(french_date),
            former_trusted: c.trusted_until.map(|d| format!("Personne de confiance jusqu'au {}", french_date(d))),
            phones: [&c.phone, &c.phone2].into_iter().filter(|p| !p.is_empty()).map(|p| format_phone(p)).collect(),
            email: c.email.clone(),
            address: c.address.clone(),
            organisation_name: c.organisation_name.clone(),
            sharing: c.sharing.iter().map(|s| s.label()).collect(),
            comment: c.comment.clone(),
            version: c.version,
            change: format!("{} — {}, {}", c.change_reason, c.author_label, when(c.recorded_at, tz)),
        }
    }
}

/// A measure as listed.
pub struct ProtectionView {
    pub measure: &'static str,
    pub scope: &'static str,
    pub period: String,
    pub review: Option<String>,
    pub protector: String,
    pub court_reference: String,
    pub in_force: bool,
}

impl ProtectionView {
    fn of(p: &Protection, contacts: &[Relative], today: jiff::civil::Date) -> Self {
        Self {
            measure: p.measure.label(),
            scope: p.scope.label(),
            period: match p.end_on {
                Some(end) => format!("du {} au {}", french_date(p.start_on), french_date(end)),
                None => format!("depuis le {}", french_date(p.start_on)),
            },
            review: p.review_on.map(french_date),
            protector: protector_label(p, contacts),
            court_reference: p.court_reference.clone(),
            in_force: p.in_force(today),
        }
    }
}

/// A consent decision as listed.
pub struct ConsentView {
    pub purpose: String,
    pub status: &'static str,
    pub status_code: &'static str,
    pub date: String,
    pub by: String,
    pub review: bool,
    pub document: Option<String>,
    pub comment: String,
    pub recorded: String,
}

fn purpose_label(k: &Consent) -> String {
    if k.purpose == ConsentPurpose::Other {
        format!("Autre : {}", k.purpose_text)
    } else {
        k.purpose.label().to_string()
    }
}

fn decided_by(k: &Consent, contacts: &[Relative]) -> String {
    match k.by_contact {
        None => "la personne elle-même".into(),
        Some(l) => contacts
            .iter()
            .find(|c| c.lineage_id == l)
            .map(|c| format!("{} (représentant légal)", c.display_name()))
            .unwrap_or_else(|| "un représentant légal".into()),
    }
}

impl ConsentView {
    fn of(k: &Consent, contacts: &[Relative], tz: &jiff::tz::TimeZone) -> Self {
        Self {
            purpose: purpose_label(k),
            status: k.status.label(),
            status_code: k.status.code(),
            date: french_date(k.decided_on),
            by: decided_by(k, contacts),
            review: k.needs_review,
            document: k.document_id.map(|d| d.to_string()),
            comment: k.comment.clone(),
            recorded: format!("{}, {}", k.author_label, when(k.recorded_at, tz)),
        }
    }
}

#[derive(Template)]
#[template(path = "relatives.html")]
struct RelativesPage {
    title: String,
    nav: Option<Nav>,
    banner: Banner,
    csrf: String,
    flash: Option<&'static str>,
    form: FormView,
    today: String,
    may_read_contacts: bool,
    may_read_consents: bool,
    may_write: bool,
    contacts: Vec<RelativeView>,
    /// More than one personne de confiance (after a merge of two records).
    several_trusted: bool,
    protections: Vec<ProtectionView>,
    consents_in_force: Vec<ConsentView>,
    consent_history: Vec<ConsentView>,
    relationships: Vec<(&'static str, &'static str)>,
    roles: Vec<(&'static str, &'static str)>,
    sharings: Vec<(&'static str, &'static str)>,
    measures: Vec<(&'static str, &'static str)>,
    scopes: Vec<(&'static str, &'static str)>,
    purposes: Vec<(&'static str, &'static str)>,
    statuses: Vec<(&'static str, &'static str)>,
    /// Contacts who may be chosen as protector or may consent for the person: (lineage, name).
    representatives: Vec<(String, String)>,
    /// Documents of the record that may support a consent: (id, title and date).
    documents: Vec<(String, String)>,
}

fn choices<T: Copy>(
    all: &[T],
    code: fn(T) -> &'static str,
    label: fn(T) -> &'static str,
) -> Vec<(&'static str, &'static str)> {
    all.iter().map(|x| (code(*x), label(*x))).collect()
}

async fn render_page(
    state: &AppState,
    staff: &Staff,
    file: &RelativesFile,
    form: FormView,
    flash: Option<&'static str>,
    status: StatusCode,
) -> PageResult {
    let tz = state.app.time_zone();
    let in_force_ids: Vec<ConsentId> = in_force(&file.consents).iter().map(|k| k.id).collect();
    let documents = if file.may_write {
        state
            .app
            .person_documents(staff.actor(), file.person.id)
            .await?
            .iter()
            .map(|d| (d.id.to_string(), format!("{} — {}", d.title, french_date(d.document_date))))
            .collect()
    } else {
        vec![]
    };
    render(
        RelativesPage {
            title: "Entourage, protection et consentements".into(),
            nav: nav(state, staff),
            banner: Banner::of(&file.person),
            csrf: staff.csrf().to_string(),
            flash,
            form,
            today: french_date(file.today),
            may_read_contacts: file.may_read_contacts,
            may_read_consents: file.may_read_consents,
            may_write: file.may_write,
            contacts: file.contacts.iter().map(|c| RelativeView::of(c, tz)).collect(),
            several_trusted: file.contacts.iter().filter(|c| c.has_role(RelationKind::Trusted)).count() > 1,
            protections: file.protections.iter().map(|p| ProtectionView::of(p, &file.contacts, file.today)).collect(),
            consents_in_force: file
                .consents
                .iter()
                .filter(|k| in_force_ids.contains(&k.id))
                .map(|k| ConsentView::of(k, &file.contacts, tz))
                .collect(),
            consent_history: file.consents.iter().map(|k| ConsentView::of(k, &file.contacts, tz)).collect(),
            relationships: choices(&Relationship::ALL, Relationship::code, Relationship::label),
            roles: choices(&RelationKind::ALL, RelationKind::code, RelationKind::label),
            sharings: choices(&Sharing::ALL, Sharing::code, Sharing::label),
            measures: choices(&Measure::ALL, Measure::code, Measure::label),
            scopes: choices(&ProtectionScope::ALL, ProtectionScope::code, ProtectionScope::label),
            purposes: choices(&ConsentPurpose::ALL, ConsentPurpose::code, ConsentPurpose::label),
            statuses: choices(&ConsentStatus::ALL, ConsentStatus::code, ConsentStatus::label),
            representatives: file
                .contacts
                .iter()
                .filter(|c| c.has_role(RelationKind::LegalRepresentative))
                .map(|c| (c.lineage_id.to_string(), c.display_name()))
                .collect(),
            documents,
        },
        status,
    )
}

async fn relatives_page(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> PageResult {
    let id: PersonId = parse_id(&id)?;
    let file = state.app.relatives_file(staff.actor(), id).await?;
    let flash = match q.get("ok").map(String::as_str) {
        Some("contact") => Some("Contact enregistré."),
        Some("protection") => Some("Mesure de protection enregistrée."),
        Some("consent") => Some("Consentement enregistré."),
        _ => None,
    };
    render_page(&state, &staff, &file, FormView::default(), flash, StatusCode::OK).await
}

fn contact_input(f: &Fields) -> RelativeInput {
    RelativeInput {
        family_name: f.get("family_name").to_string(),
        given_name: f.get("given_name").to_string(),
        relationship: f.get("relationship").to_string(),
        roles: f.all("roles").into_iter().map(str::to_string).collect(),
        sharing: f.all("sharing").into_iter().map(str::to_string).collect(),
        phone: f.get("phone").to_string(),
        phone2: f.get("phone2").to_string(),
        email: f.get("email").to_string(),
        address: f.get("address").to_string(),
        organisation_name: f.get("organisation_name").to_string(),
        trusted_since: f.get("trusted_since").to_string(),
        comment: f.get("contact_comment").to_string(),
    }
}

/// After a post on the relatives page: back to it, or the page again with the errors.
async fn after_post<T>(
    state: &AppState,
    staff: &Staff,
    id: PersonId,
    f: &Fields,
    r: Result<T, AppError>,
    ok: &str,
) -> PageResult {
    match r {
        Ok(_) => Ok(see_other(&format!("/persons/{id}/relatives?ok={ok}"))),
        Err(AppError::Invalid(errors)) => {
            let file = state.app.relatives_file(staff.actor(), id).await?;
            render_page(state, staff, &file, FormView::with(f, &errors), None, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn add_contact(
    State(state): State<AppState>,
    Path(id): Path<String>,
    CsrfForm(staff, f): CsrfForm,
) -> PageResult {
    let id: PersonId = parse_id(&id)?;
    let r = state.app.add_contact(staff.actor(), id, &contact_input(&f)).await;
    after_post(&state, &staff, id, &f, r, "contact").await
}

async fn add_protection(
    State(state): State<AppState>,
    Path(id): Path<String>,
    CsrfForm(staff, f): CsrfForm,
) -> PageResult {
    let id: PersonId = parse_id(&id)?;
    let input = ProtectionInput {
        measure: f.get("measure").to_string(),
        scope: f.get("protection_scope").to_string(),
        start_on: f.get("start_on").to_string(),
        end_on: f.get("end_on").to_string(),
        review_on: f.get("review_on").to_string(),
        protector: f.get("protector").to_string(),
        mandatary_name: f.get("mandatary_name").to_string(),
        mandatary_organisation: f.get("mandatary_organisation").to_string(),
        court_reference: f.get("court_reference").to_string(),
    };
    let r = state.app.record_protection(staff.actor(), id, &input).await;
    after_post(&state, &staff, id, &f, r, "protection").await
}

async fn add_consent(
    State(state): State<AppState>,
    Path(id): Path<String>,
    CsrfForm(staff, f): CsrfForm,
) -> PageResult {
    let id: PersonId = parse_id(&id)?;
    let input = ConsentInput {
        purpose: f.get("purpose").to_string(),
        purpose_text: f.get("purpose_text").to_string(),
        status: f.get("consent_status").to_string(),
        decided_on: f.get("decided_on").to_string(),
        decided_by: f.get("decided_by").to_string(),
        document: f.get("document").to_string(),
        comment: f.get("consent_comment").to_string(),
    };
    let r = state.app.record_consent(staff.actor(), id, &input).await;
    after_post(&state, &staff, id, &f, r, "consent").await
}

#[derive(Template)]
#[template(path = "contact.html")]
struct RelativePage {
    title: String,
    nav: Option<Nav>,
    banner: Banner,
    csrf: String,
    form: FormView,
    current: RelativeView,
    current_id: String,
    versions: Vec<RelativeView>,
    may_write: bool,
    relationships: Vec<(&'static str, &'static str)>,
    roles: Vec<(&'static str, &'static str)>,
    sharings: Vec<(&'static str, &'static str)>,
}

/// The form of a contact filled with its current values.
fn form_of(c: &Relative) -> FormView {
    let mut values: HashMap<String, String> = HashMap::new();
    let mut all = Vec::new();
    for (k, v) in [
        ("family_name", c.family_name.clone()),
        ("given_name", c.given_name.clone()),
        ("relationship", c.relationship.code().to_string()),
        ("phone", format_phone(&c.phone)),
        ("phone2", format_phone(&c.phone2)),
        ("email", c.email.clone()),
        ("address", c.address.clone()),
        ("organisation_name", c.organisation_name.clone()),
        ("trusted_since", c.trusted_since.map(french_date).unwrap_or_default()),
        ("contact_comment", c.comment.clone()),
    ] {
        values.insert(k.to_string(), v);
    }
    for r in &c.roles {
        all.push(("roles".to_string(), r.code().to_string()));
    }
    for s in &c.sharing {
        all.push(("sharing".to_string(), s.code().to_string()));
    }
    FormView { values, all_values: all, errors: vec![] }
}

fn render_contact(
    state: &AppState,
    staff: &Staff,
    person: &relais_app::store::persons::Person,
    versions: &[Relative],
    may_write: bool,
    form: Option<FormView>,
    status: StatusCode,
) -> PageResult {
    let tz = state.app.time_zone();
    let current = versions.iter().find(|c| c.is_current).or(versions.first()).ok_or(AppError::NotFound)?;
    render(
        RelativePage {
            title: format!("Contact : {}", current.display_name()),
            nav: nav(state, staff),
            banner: Banner::of(person),
            csrf: staff.csrf().to_string(),
            form: form.unwrap_or_else(|| form_of(current)),
            current: RelativeView::of(current, tz),
            current_id: current.id.to_string(),
            versions: versions.iter().map(|c| RelativeView::of(c, tz)).collect(),
            may_write,
            relationships: choices(&Relationship::ALL, Relationship::code, Relationship::label),
            roles: choices(&RelationKind::ALL, RelationKind::code, RelationKind::label),
            sharings: choices(&Sharing::ALL, Sharing::code, Sharing::label),
        },
        status,
    )
}

async fn contact_page(State(state): State<AppState>, staff: Staff, Path(lineage): Path<String>) -> PageResult {
    let lineage: RelativeId = parse_id(&lineage)?;
    let (person, versions, may_write) = state.app.contact_history(staff.actor(), lineage).await?;
    render_contact(&state, &staff, &person, &versions, may_write, None, StatusCode::OK)
}

async fn correct_contact(
    State(state): State<AppState>,
    Path(lineage): Path<String>,
    CsrfForm(staff, f): CsrfForm,
) -> PageResult {
    let lineage: RelativeId = parse_id(&lineage)?;
    let expected: RelativeId = parse_id(f.get("expected"))?;
    match state.app.correct_contact(staff.actor(), lineage, expected, &contact_input(&f)).await {
        Ok(person) => Ok(see_other(&format!("/persons/{person}/relatives?ok=contact"))),
        Err(AppError::Invalid(errors)) => {
            let (person, versions, may_write) = state.app.contact_history(staff.actor(), lineage).await?;
            render_contact(
                &state,
                &staff,
                &person,
                &versions,
                may_write,
                Some(FormView::with(&f, &errors)),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
        Err(e) => Err(e.into()),
    }
}

/// The person's page summary: the personne de confiance, measures in force, consents in force.
pub struct SummaryView {
    pub may_read_contacts: bool,
    pub may_read_consents: bool,
    pub trusted: Option<String>,
    /// More than one personne de confiance (after a merge of two records).
    pub several_trusted: bool,
    pub protections: Vec<String>,
    pub contacts: usize,
    /// (purpose, « Donné le 12/11/2026 », to review)
    pub consents: Vec<(String, String, bool)>,
}

impl SummaryView {
    pub fn of(s: &RelativesSummary) -> Self {
        Self {
            may_read_contacts: s.may_read_contacts,
            may_read_consents: s.may_read_consents,
            trusted: s.trusted.as_ref().map(|c| {
                let phone = if c.phone.is_empty() { String::new() } else { format!(" — {}", format_phone(&c.phone)) };
                format!("{} ({}){phone}", c.display_name(), c.relationship.label().to_lowercase())
            }),
            several_trusted: s.trusted_count > 1,
            protections: s
                .protections
                .iter()
                .map(|(p, who)| {
                    format!("{} ({}) — protecteur : {who}", p.measure.label(), p.scope.label().to_lowercase())
                })
                .collect(),
            contacts: s.contacts,
            consents: s
                .consents
                .iter()
                .map(|k| {
                    (purpose_label(k), format!("{} le {}", k.status.label(), french_date(k.decided_on)), k.needs_review)
                })
                .collect(),
        }
    }
}
