//! Identity vigilance pages: a person's identity (traits, evidence, INSi, attributes, changes,
//! close identities) and the referent's work queue.

use crate::AppState;
use crate::forms::{CsrfForm, Fields, FormView};
use crate::pages::{PageResult, nav, parse_id, render, see_other};
use crate::session::Staff;
use crate::views::{Banner, Nav, when};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use relais_app::AppError;
use relais_app::identity::DuplicateCandidate;
use relais_app::persons::IdentityInput;
use relais_domain::identity::{EvidenceKind, IdentityAttribute, TraitAgreement, TraitComparison};
use relais_domain::ids::*;
use std::collections::HashMap;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/persons/{id}/identity", get(identity_page).post(change_identity))
        .route("/persons/{id}/identity/attributes", post(set_attribute))
        .route("/persons/{id}/insi", post(query_insi))
        .route("/persons/{id}/insi/{call}/accept", post(accept_insi))
        .route("/persons/{id}/insi/{call}/reject", post(reject_insi))
        .route("/persons/{id}/merge", post(merge))
        .route("/persons/{id}/unmerge", post(unmerge))
        .route("/identity/queue", get(queue_page))
}

fn flash(params: &HashMap<String, String>) -> Option<&'static str> {
    match params.get("ok").map(String::as_str) {
        Some("evidence") => Some("Justificatif enregistré."),
        Some("insi") => Some("INSi a répondu : voir ci-dessous."),
        Some("insi-accepted") => Some("Identité INSi acceptée : les traits et l'INS sont enregistrés."),
        Some("insi-rejected") => Some("Réponse INSi refusée ; le motif est conservé."),
        Some("identity") => Some("Identité modifiée."),
        Some("attribute") => Some("Attribut d'identité enregistré."),
        Some("merged") => Some("Identités fusionnées : le dossier de l'autre identité est maintenant ici."),
        Some("unmerged") => Some("Fusion annulée : chaque identité a retrouvé son dossier."),
        _ => None,
    }
}

/// A close identity as listed: the traits when the reader may see them, else only that it exists.
pub struct CandidateView {
    pub id: Option<String>,
    pub who: String,
    pub grade: &'static str,
    pub grade_code: &'static str,
    pub score: String,
    pub reasons: String,
}

impl CandidateView {
    pub fn of(c: &DuplicateCandidate) -> Self {
        let who = match &c.person {
            Some(p) => format!(
                "{} {} ({}), {} le {}, {} — {}",
                p.traits.birth_name.to_uppercase(),
                p.traits.first_names_joined(),
                p.used.used_name.as_deref().map(|u| format!("nom utilisé {u}")).unwrap_or_else(|| "—".into()),
                if p.traits.sex == relais_domain::identity::Sex::Female { "née" } else { "né" },
                p.traits.birth_date,
                p.traits.sex.label().to_lowercase(),
                p.status.label()
            ),
            None => {
                "Une identité proche existe hors de votre périmètre : signalez-la au référent identitovigilance".into()
            }
        };
        Self {
            id: c.person.as_ref().map(|p| p.id.to_string()),
            who,
            grade: c.result.grade.label(),
            grade_code: c.result.grade.code(),
            score: format!("{:.0} %", c.result.score * 100.0),
            reasons: c.result.reasons.join(", "),
        }
    }
}

struct RowView {
    label: &'static str,
    local: String,
    returned: String,
    class: &'static str,
    says: &'static str,
}

fn rows(c: &TraitComparison) -> Vec<RowView> {
    c.rows
        .iter()
        .map(|r| RowView {
            label: r.label,
            local: r.local.clone(),
            returned: r.returned.clone(),
            class: match r.agreement {
                TraitAgreement::Same => "same",
                TraitAgreement::Compatible => "compatible",
                TraitAgreement::Differs => "differs",
            },
            says: match r.agreement {
                TraitAgreement::Same => "identique",
                TraitAgreement::Compatible => "compatible",
                TraitAgreement::Differs => "différent",
            },
        })
        .collect()
}

struct PendingView {
    call_id: String,
    rows: Vec<RowView>,
    consistent: bool,
    history_count: usize,
}

struct CallView {
    when: String,
    outcome: String,
    decision: &'static str,
}

struct ChangeView {
    when: String,
    kind: &'static str,
    before: String,
    after: String,
    reason: String,
}

#[derive(Template)]
#[template(path = "identity.html")]
struct IdentityPage {
    title: String,
    nav: Option<Nav>,
    csrf: String,
    form_id: String,
    banner: Banner,
    flash: Option<&'static str>,
    form: FormView,
    error: Option<String>,
    locked: bool,
    may_edit: bool,
    insi_configured: bool,
    status_label: &'static str,
    first_names: String,
    birthplace: String,
    birth_date: String,
    sex: &'static str,
    used_name: String,
    used_first_name: String,
    ins: Option<String>,
    ins_history: Vec<String>,
    retrieved_at: Option<String>,
    attributes: Vec<(&'static str, &'static str, bool, &'static str)>,
    evidence_kinds: Vec<(&'static str, &'static str)>,
    evidence: Vec<String>,
    pending: Option<PendingView>,
    calls: Vec<CallView>,
    changes: Vec<ChangeView>,
    duplicates: Vec<CandidateView>,
    may_merge: bool,
    /// The survivor's id when this identity was merged.
    merged_into: Option<String>,
    merges: Vec<MergeView>,
}

struct MergeView {
    when: String,
    says: String,
    reason: String,
}

async fn identity_page(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> PageResult {
    let id: PersonId = parse_id(&id)?;
    render_identity(&state, &staff, id, FormView::default(), flash(&params), None, StatusCode::OK).await
}

async fn render_identity(
    state: &AppState,
    staff: &Staff,
    id: PersonId,
    form: FormView,
    flash: Option<&'static str>,
    error: Option<String>,
    status: StatusCode,
) -> PageResult {
    let file = state.app.identity_file(staff.actor(), id).await?;
    let tz = state.app.time_zone();
    let p = &file.person;
    let attribute_help = |a: IdentityAttribute| match a {
        IdentityAttribute::Doubtful => "traits incertains (pas de justificatif, déclarations contradictoires)",
        IdentityAttribute::Fictitious => "identité d'emprunt (anonymat, protection) : jamais recherchée dans INSi",
        IdentityAttribute::Homonym => "une autre personne a des traits très proches : lire les traits en entier",
        IdentityAttribute::SuspectedDuplicate => "la même personne a peut-être déjà une identité dans Relais",
    };
    let page = IdentityPage {
        title: format!("Identité — {} {}", p.traits.birth_name.to_uppercase(), p.traits.first_first_name()),
        nav: nav(state, staff),
        csrf: staff.csrf().to_string(),
        form_id: relais_app::secret::random_token()?,
        banner: Banner::of(p),
        flash,
        form,
        error,
        locked: p.status.traits_locked(),
        may_edit: file.may_edit,
        insi_configured: file.insi_configured,
        status_label: p.status.label(),
        first_names: p.traits.first_names_joined(),
        birthplace: p.traits.birthplace.as_ref().map(|b| b.as_str().to_string()).unwrap_or_default(),
        birth_date: p.traits.birth_date.to_string(),
        sex: p.traits.sex.code(),
        used_name: p.used.used_name.clone().unwrap_or_default(),
        used_first_name: p.used.used_first_name.clone().unwrap_or_default(),
        // The banner decides when an INS may be shown (RNIV): one rule for every page.
        ins: Banner::of(p).ins,
        ins_history: if p.status.may_emit_ins() {
            p.ins_history.iter().map(|i| i.matricule.as_str().to_string()).collect()
        } else {
            vec![]
        },
        retrieved_at: p.ins_retrieved_at.map(|t| when(t, tz)),
        attributes: IdentityAttribute::ALL
            .into_iter()
            .map(|a| (a.code(), a.label(), p.attributes.contains(a), attribute_help(a)))
            .collect(),
        evidence_kinds: EvidenceKind::ALL.into_iter().map(|k| (k.code(), k.label())).collect(),
        evidence: file
            .evidence
            .iter()
            .map(|e| {
                let mut s = format!("{} contrôlé le {}", e.kind.label(), when(e.checked_at, tz));
                if let Some(n) = &e.number {
                    s.push_str(&format!(", n° {n}"));
                }
                if let Some(x) = e.expires_on {
                    s.push_str(&format!(", expire le {}", crate::views::french_date(x)));
                }
                s
            })
            .collect(),
        pending: file.pending.as_ref().map(|(call, comparison)| PendingView {
            call_id: call.id.to_string(),
            rows: rows(comparison),
            consistent: comparison.consistent(),
            // The matricule is not shown before qualification (RNIV): only how many former ones exist.
            history_count: call.returned.as_ref().map(|r| r.history.len()).unwrap_or(0),
        }),
        calls: file
            .calls
            .iter()
            .map(|c| CallView {
                when: when(c.called_at, tz),
                outcome: match c.outcome {
                    relais_app::store::identities::InsiOutcome::Found => "identité trouvée".to_string(),
                    relais_app::store::identities::InsiOutcome::NotFound => "aucune identité trouvée".into(),
                    relais_app::store::identities::InsiOutcome::Several => {
                        "plusieurs identités trouvées : précisez les prénoms et le lieu de naissance".into()
                    }
                    relais_app::store::identities::InsiOutcome::Error => format!("erreur : {}", c.label),
                },
                decision: match c.decision {
                    Some(relais_app::store::identities::InsiDecision::Accepted) => "acceptée",
                    Some(relais_app::store::identities::InsiDecision::Rejected) => "refusée",
                    None => "",
                },
            })
            .collect(),
        changes: file
            .changes
            .iter()
            .map(|c| ChangeView {
                when: when(c.changed_at, tz),
                kind: match c.kind.as_str() {
                    "traits" => "Traits",
                    "insi" => "INSi",
                    "attributes" => "Attributs",
                    _ => "Identité",
                },
                before: c.before.clone(),
                after: c.after.clone(),
                reason: c.reason.clone(),
            })
            .collect(),
        duplicates: file.duplicates.iter().map(CandidateView::of).collect(),
        may_merge: file.may_merge,
        merged_into: p.merged_into.map(|s| s.to_string()),
        merges: file
            .merges
            .iter()
            .map(|m| MergeView {
                when: when(m.merged_at, tz),
                says: format!(
                    "{} fusionnée dans {}{}",
                    m.merged_id,
                    m.survivor_id,
                    m.unmerged_at.map(|t| format!(" — fusion annulée le {}", when(t, tz))).unwrap_or_default()
                ),
                reason: m.reason.clone(),
            })
            .collect(),
    };
    render(page, status)
}

/// After a form on the identity page: back to it, or the page again with the errors.
pub(crate) async fn after_identity_post(
    state: &AppState,
    staff: &Staff,
    id: PersonId,
    f: &Fields,
    r: Result<(), AppError>,
    ok: &str,
) -> PageResult {
    match r {
        Ok(()) => Ok(see_other(&format!("/persons/{id}/identity?ok={ok}"))),
        Err(AppError::Invalid(errors)) => {
            let message = errors.iter().map(|e| e.message.clone()).collect::<Vec<_>>().join(" ; ");
            render_identity(
                state,
                staff,
                id,
                FormView::with(f, &errors),
                None,
                Some(message),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(AppError::Unavailable(message)) => {
            render_identity(state, staff, id, FormView::with(f, &[]), None, Some(message), StatusCode::BAD_GATEWAY)
                .await
        }
        Err(AppError::Conflict(message)) => {
            render_identity(state, staff, id, FormView::with(f, &[]), None, Some(message), StatusCode::CONFLICT).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn change_identity(
    State(state): State<AppState>,
    Path(id): Path<String>,
    CsrfForm(staff, f): CsrfForm,
) -> PageResult {
    let id: PersonId = parse_id(&id)?;
    let input = IdentityInput {
        birth_name: f.get("birth_name").into(),
        first_names: f.get("first_names").into(),
        birth_date: f.get("birth_date").into(),
        sex: f.get("sex").into(),
        birthplace: f.get("birthplace").into(),
        used_name: f.get("used_name").into(),
        used_first_name: f.get("used_first_name").into(),
        ..Default::default()
    };
    let r = state.app.change_identity(staff.actor(), id, &input, f.get("reason")).await.map(|_| ());
    after_identity_post(&state, &staff, id, &f, r, "identity").await
}

async fn set_attribute(
    State(state): State<AppState>,
    Path(id): Path<String>,
    CsrfForm(staff, f): CsrfForm,
) -> PageResult {
    let id: PersonId = parse_id(&id)?;
    let on = match f.get("set") {
        "on" => true,
        "off" => false,
        _ => return Err(crate::error::WebError::BadRequest("action attendue : poser ou lever l'attribut".into())),
    };
    let r =
        state.app.set_identity_attribute(staff.actor(), id, f.get("attribute"), on, f.get("reason")).await.map(|_| ());
    after_identity_post(&state, &staff, id, &f, r, "attribute").await
}

async fn query_insi(State(state): State<AppState>, Path(id): Path<String>, CsrfForm(staff, f): CsrfForm) -> PageResult {
    let id: PersonId = parse_id(&id)?;
    let r = state.app.query_insi(staff.actor(), id).await.map(|_| ());
    after_identity_post(&state, &staff, id, &f, r, "insi").await
}

async fn accept_insi(
    State(state): State<AppState>,
    Path((id, call)): Path<(String, String)>,
    CsrfForm(staff, f): CsrfForm,
) -> PageResult {
    let id: PersonId = parse_id(&id)?;
    let call: InsiCallId = parse_id(&call)?;
    let r = state.app.accept_insi(staff.actor(), id, call).await.map(|_| ());
    after_identity_post(&state, &staff, id, &f, r, "insi-accepted").await
}

async fn reject_insi(
    State(state): State<AppState>,
    Path((id, call)): Path<(String, String)>,
    CsrfForm(staff, f): CsrfForm,
) -> PageResult {
    let id: PersonId = parse_id(&id)?;
    let call: InsiCallId = parse_id(&call)?;
    let r = state.app.reject_insi(staff.actor(), id, call, f.get("reason")).await;
    after_identity_post(&state, &staff, id, &f, r, "insi-rejected").await
}

struct QueueRow {
    id: String,
    who: String,
    status: &'static str,
    detail: String,
}

#[derive(Template)]
#[template(path = "identity_queue.html")]
struct QueuePage {
    title: &'static str,
    nav: Option<Nav>,
    to_qualify: Vec<QueueRow>,
    mismatches: Vec<QueueRow>,
    undecided: Vec<QueueRow>,
    duplicates: Vec<QueueRow>,
}

async fn queue_page(State(state): State<AppState>, staff: Staff) -> PageResult {
    let q = state.app.identity_queue(staff.actor()).await?;
    let tz = state.app.time_zone();
    let who = |p: &relais_app::store::persons::Person| {
        format!(
            "{} {} — {} — {}",
            p.traits.birth_name.to_uppercase(),
            p.traits.first_names_joined(),
            p.traits.birth_date,
            p.traits.sex.label().to_lowercase()
        )
    };
    let row = |p: &relais_app::store::persons::Person, detail: String| QueueRow {
        id: p.id.to_string(),
        who: who(p),
        status: p.status.label(),
        detail,
    };
    let page = QueuePage {
        title: "Identitovigilance",
        nav: nav(&state, &staff),
        to_qualify: q
            .to_qualify
            .iter()
            .map(|p| {
                let attrs: Vec<&str> = p.attributes.iter().map(|a| a.label()).collect();
                row(p, attrs.join(", "))
            })
            .collect(),
        mismatches: q
            .mismatches
            .iter()
            .map(|(c, p, cmp)| {
                row(p, format!("INSi le {} : {} différent(s)", when(c.called_at, tz), cmp.differing().join(", ")))
            })
            .collect(),
        undecided: q
            .undecided
            .iter()
            .map(|(c, p)| row(p, format!("INSi le {} : traits concordants, à accepter", when(c.called_at, tz))))
            .collect(),
        duplicates: q.suspected_duplicates.iter().map(|p| row(p, "doublon suspecté".into())).collect(),
    };
    render(page, StatusCode::OK)
}

async fn merge(State(state): State<AppState>, Path(id): Path<String>, CsrfForm(staff, f): CsrfForm) -> PageResult {
    let survivor: PersonId = parse_id(&id)?;
    let Ok(merged) = f.get("merged").parse::<PersonId>() else {
        return Err(crate::error::WebError::BadRequest("identité à fusionner non reconnue".into()));
    };
    let r = state.app.merge_persons(staff.actor(), survivor, merged, f.get("reason")).await.map(|_| ());
    after_identity_post(&state, &staff, survivor, &f, r, "merged").await
}

async fn unmerge(State(state): State<AppState>, Path(id): Path<String>, CsrfForm(staff, f): CsrfForm) -> PageResult {
    let merged: PersonId = parse_id(&id)?;
    let r = state.app.unmerge_person(staff.actor(), merged, f.get("reason")).await.map(|_| ());
    after_identity_post(&state, &staff, merged, &f, r, "unmerged").await
}
