//! Form bodies: strict decoding (UTF-8, size, content type) and the CSRF check on every post.

use crate::session::Staff;
use crate::{AppState, BODY_LIMIT, WebError};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header;
use relais_app::secret::same;
use relais_domain::DomainError;
use std::collections::HashMap;

/// Decoded `application/x-www-form-urlencoded` fields. `get` gives a repeated name's last value,
/// `all` every value in order (a multiple select).
#[derive(Debug, Default, Clone)]
pub struct Fields(pub HashMap<String, String>, pub Vec<(String, String)>);

impl Fields {
    pub fn get(&self, k: &str) -> &str {
        self.0.get(k).map(String::as_str).unwrap_or("")
    }
    pub fn all(&self, k: &str) -> Vec<&str> {
        self.1.iter().filter(|(name, _)| name == k).map(|(_, v)| v.as_str()).collect()
    }
}

fn decode(part: &str) -> Result<String, WebError> {
    let plus = part.replace('+', " ");
    percent_encoding::percent_decode_str(&plus)
        .decode_utf8()
        .map(|c| c.into_owned())
        .map_err(|_| WebError::BadRequest("le formulaire contient des caractères invalides (UTF-8 attendu)".into()))
}

pub fn parse_fields(body: &[u8]) -> Result<Fields, WebError> {
    let text = std::str::from_utf8(body)
        .map_err(|_| WebError::BadRequest("le formulaire contient des caractères invalides (UTF-8 attendu)".into()))?;
    let mut out = HashMap::new();
    let mut ordered = Vec::new();
    for pair in text.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let (k, v) = (decode(k)?, decode(v)?);
        ordered.push((k.clone(), v.clone()));
        out.insert(k, v);
    }
    Ok(Fields(out, ordered))
}

async fn read_form(req: Request) -> Result<(axum::http::request::Parts, Fields), WebError> {
    let (parts, body) = req.into_parts();
    let ct = parts.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    if !ct.starts_with("application/x-www-form-urlencoded") {
        return Err(WebError::UnsupportedMediaType);
    }
    let bytes = axum::body::to_bytes(body, BODY_LIMIT).await.map_err(|_| WebError::TooLarge)?;
    Ok((parts, parse_fields(&bytes)?))
}

/// A posted form from a logged-in staff member whose CSRF token matches the session's.
pub struct CsrfForm(pub Staff, pub Fields);

impl FromRequest<AppState> for CsrfForm {
    type Rejection = WebError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (mut parts, fields) = read_form(req).await?;
        let staff = Staff::from_request_parts(&mut parts, state).await?;
        check_csrf(&parts, &fields, staff.csrf())?;
        // Forms that write carry a one-time id: a double tap or a replay is refused here.
        let form_id = fields.get("form_id");
        if !form_id.is_empty() {
            state.app.claim_form(&staff.0, form_id).await?;
        }
        Ok(Self(staff, fields))
    }
}

/// A posted form from a session at any stage (second-factor pages), CSRF-checked.
pub struct SessionForm(pub relais_app::auth::SessionInfo, pub Fields);

impl FromRequest<AppState> for SessionForm {
    type Rejection = WebError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (mut parts, fields) = read_form(req).await?;
        let crate::session::AnySession(info) =
            crate::session::AnySession::from_request_parts(&mut parts, state).await?;
        check_csrf(&parts, &fields, &info.csrf_token)?;
        Ok(Self(info, fields))
    }
}

/// A posted form before login (the login form itself: double-submit cookie).
pub struct PlainForm(pub axum::http::request::Parts, pub Fields);

impl FromRequest<AppState> for PlainForm {
    type Rejection = WebError;

    async fn from_request(req: Request, _state: &AppState) -> Result<Self, Self::Rejection> {
        let (parts, fields) = read_form(req).await?;
        Ok(Self(parts, fields))
    }
}

fn check_csrf(parts: &axum::http::request::Parts, fields: &Fields, expected: &str) -> Result<(), WebError> {
    let sent = parts
        .headers
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .unwrap_or_else(|| fields.get("csrf_token").to_string());
    if sent.is_empty() || !same(&sent, expected) {
        return Err(WebError::Csrf);
    }
    Ok(())
}

/// What a form shows back: the values typed and the errors per field.
#[derive(Debug, Default, Clone)]
pub struct FormView {
    pub values: HashMap<String, String>,
    /// Every value in order, for fields that take several (a multiple select).
    pub all_values: Vec<(String, String)>,
    pub errors: Vec<(String, String)>,
}

impl FormView {
    pub fn with(fields: &Fields, errors: &[DomainError]) -> Self {
        Self {
            values: fields.0.clone(),
            all_values: fields.1.clone(),
            errors: errors
                .iter()
                .map(|e| (e.field.to_string(), format!("{} : {}", field_label(e.field), e.message)))
                .collect(),
        }
    }
    /// Was `k` sent at all (a form shown again keeps what was typed, even emptied)?
    pub fn has_value(&self, k: &str) -> bool {
        self.values.contains_key(k)
    }
    pub fn value(&self, k: &str) -> &str {
        self.values.get(k).map(String::as_str).unwrap_or("")
    }
    /// Was `v` among the values of `k`?
    pub fn has(&self, k: &str, v: &str) -> bool {
        self.all_values.iter().any(|(name, value)| name == k && value == v)
    }
    pub fn err(&self, k: &str) -> Option<&str> {
        self.errors.iter().find(|(f, _)| f == k).map(|(_, m)| m.as_str())
    }
}

/// The French label of a field, for error summaries.
pub fn field_label(field: &str) -> &'static str {
    match field {
        "birth_name" => "Nom de naissance",
        "first_names" => "Prénoms de naissance",
        "birth_date" => "Date de naissance",
        "assessed_on" => "Date de l'évaluation",
        "aggir" => "Grille AGGIR",
        "comment" => "Commentaire",
        "received_on" => "Date de réception",
        "source" => "Origine de la demande",
        "mdph_number" => "Numéro de la notification MDPH",
        "mdph_valid_until" => "Fin de validité de la notification MDPH",
        "via_trajectoire_number" => "Numéro de dossier ViaTrajectoire",
        "source_detail" => "Précision sur l'origine",
        "priority" => "Priorité",
        "documents" => "Pièces reçues",
        "status" => "Statut de la demande",
        "sex" => "Sexe",
        "birthplace" => "Lieu de naissance",
        "used_name" => "Nom utilisé",
        "used_first_name" => "Prénom utilisé",
        "ins" => "Matricule INS",
        "establishment" => "Établissement",
        "unit" => "Unité",
        "mode" => "Mode de prise en charge",
        "start" => "Date d'admission",
        "end" => "Date de sortie",
        "date" => "Date",
        "reason" => "Motif",
        "category" => "Catégorie",
        "text" => "Transmission",
        "target" => "Cible",
        "data" => "Données",
        "action" => "Actions",
        "result" => "Résultats",
        "importance" => "Importance",
        "alert_kind" => "Alerte",
        "title" => "Objet",
        "doc_title" => "Titre",
        "file" => "Fichier",
        "type_code" => "Type de document",
        "location" => "Lieu",
        "starts_at" => "Début",
        "ends_at" => "Fin",
        "transport" => "Transport",
        "escort" => "Accompagnement",
        "alert_detail" => "Consignes",
        "resolution" => "Motif",
        "evidence_kind" => "Type de justificatif",
        "expires_on" => "Date d'expiration",
        "number" => "Numéro du justificatif",
        "attributes" | "attribute" => "Attribut d'identité",
        "insi" => "INSi",
        "code" => "Code",
        "kind" => "Mesure",
        "value" => "Valeur",
        "value2" => "Diastolique",
        "low" => "Seuil bas",
        "mention" => "Signaler à",
        "capacity" => "Places",
        "repeat" => "Répétition",
        "until" => "Jusqu'au",
        "high" => "Seuil haut",
        "effective_at" => "Date de la mesure",
        "password" => "Mot de passe",
        "username" => "Identifiant",
        "nss" => "Numéro de sécurité sociale",
        "insured_name" => "Nom de l'assuré",
        "beneficiary_rank" => "Rang de l'ayant droit",
        "fund_name" => "Caisse d'assurance maladie",
        "fund_code" => "Code de la caisse",
        "complementary_name" => "Complémentaire santé",
        "complementary_contract" => "Numéro de contrat",
        "complementary_from" | "state_cover_from" => "Début des droits",
        "complementary_until" | "state_cover_until" => "Fin des droits",
        "state_cover" => "CSS / AME",
        "benefit_kind" => "Type d'aide",
        "benefit_label" => "Intitulé de l'aide",
        "decision_date" => "Date de décision",
        "amount" => "Montant",
        "periodicity" => "Périodicité",
        "benefit_start" => "Début du versement",
        "benefit_expires" => "Échéance",
        "mdph_decision" => "Type de décision MDPH",
        "mdph_valid_from" => "Début de validité",
        "absence_kind" => "Motif d'absence",
        "absence_start" => "Date de départ",
        "absence_end" => "Date de retour",
        "absence_reason" => "Précisions",
        "period_from" | "period_to" => "Période",
        "person_expectations" => "Attentes de la personne",
        "relatives_expectations" => "Attentes des proches",
        "needs" => "Besoins évalués",
        "review_due" => "Date de révision",
        "objective_title" => "Objectif",
        "referent" => "Référent",
        "deadline" => "Échéance",
        "indicators" => "Indicateurs",
        "performer" => "Qui réalise l'action",
        "what" => "Action",
        "frequency" => "Fréquence",
        "held_on" => "Date de la réunion",
        "professionals" => "Professionnels présents",
        "relatives" => "Proches présents",
        "meeting_notes" => "Compte rendu",
        "agreement" => "Accord de la personne",
        "given_on" => "Date de l'accord",
        "agreement_comment" => "Précisions sur l'accord",
        "outcome" => "Évaluation",
        "evaluation_comment" => "Commentaire d'évaluation",
        "evaluation" => "Évaluation des objectifs",
        "objective" => "Objectif du projet personnalisé",
        "objectives" => "Objectifs",
        "plan" => "Projet personnalisé",
        "plan_status" => "Statut du projet",
        "family_name" => "Nom du contact",
        "given_name" => "Prénom du contact",
        "relationship" => "Lien avec la personne",
        "roles" => "Rôles",
        "sharing" => "Ce que ce contact peut savoir",
        "phone" => "Téléphone",
        "phone2" => "Autre téléphone",
        "email" => "Adresse électronique",
        "address" => "Adresse postale",
        "organisation_name" => "Service ou association",
        "trusted_since" => "Date de désignation",
        "contact_comment" | "consent_comment" => "Commentaire",
        "measure" => "Mesure de protection",
        "protection_scope" => "Portée de la mesure",
        "start_on" => "Début de la mesure",
        "end_on" => "Fin de la mesure",
        "review_on" => "Révision de la mesure",
        "protector" => "Protecteur",
        "mandatary_name" => "Mandataire judiciaire",
        "mandatary_organisation" => "Service du mandataire",
        "court_reference" => "Référence du jugement",
        "purpose" => "Objet du consentement",
        "purpose_text" => "Précision",
        "consent_status" => "Décision",
        "decided_on" => "Date de la décision",
        "decided_by" => "Décidé par",
        "document" => "Justificatif",
        "signature" => "Signature",
        "signed_on" => "Date de signature",
        _ => "Champ",
    }
}
