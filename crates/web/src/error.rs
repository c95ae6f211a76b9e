//! One place maps failures to answers: French pages for people, OperationOutcome for FHIR clients.

use askama::Template;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use relais_app::AppError;

/// A failure in an HTML route.
#[derive(Debug)]
pub enum WebError {
    NotFound,
    Forbidden,
    /// Not logged in (or the session ended): back to the login page.
    Login,
    /// Logged in but the second factor is missing.
    Redirect(String),
    Csrf,
    BadRequest(String),
    TooLarge,
    /// A document over the upload limit.
    FileTooLarge,
    UnsupportedMediaType,
    TooManyAttempts,
    Conflict(String),
    /// An outside service (INSi…) failed: the message says which and what to do.
    Unavailable(String),
    Internal,
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    title: &'a str,
    nav: Option<crate::views::Nav>,
    heading: &'a str,
    message: &'a str,
}

impl From<AppError> for WebError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::NotFound => Self::NotFound,
            AppError::Forbidden => Self::Forbidden,
            AppError::Unauthenticated => Self::Login,
            AppError::TooManyAttempts => Self::TooManyAttempts,
            AppError::Conflict(m) => Self::Conflict(m),
            AppError::Unavailable(m) => Self::Unavailable(m),
            AppError::Invalid(errors) => {
                Self::BadRequest(errors.into_iter().map(|e| e.message).collect::<Vec<_>>().join(" ; "))
            }
            AppError::Store(e) => {
                tracing::error!(error = %e, "storage failure");
                Self::Internal
            }
            AppError::Internal(m) => {
                tracing::error!(error = %m, "internal failure");
                Self::Internal
            }
        }
    }
}

fn page(status: StatusCode, heading: &str, message: &str) -> Response {
    let body =
        ErrorPage { title: heading, nav: None, heading, message }.render().unwrap_or_else(|_| message.to_string());
    (status, Html(body)).into_response()
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        match self {
            Self::NotFound => page(
                StatusCode::NOT_FOUND,
                "Introuvable",
                "Cette page ou ce dossier n'existe pas, ou ne fait pas partie de votre périmètre.",
            ),
            Self::Forbidden => {
                page(StatusCode::FORBIDDEN, "Accès refusé", "Votre profil ne permet pas cette action sur ce dossier.")
            }
            Self::Login => {
                let mut r = Redirect::to("/login").into_response();
                r.headers_mut().insert("HX-Redirect", HeaderValue::from_static("/login"));
                r.headers_mut().insert(header::SET_COOKIE, HeaderValue::from_static(crate::session::CLEAR_COOKIE));
                r
            }
            Self::Redirect(to) => Redirect::to(&to).into_response(),
            Self::Csrf => page(
                StatusCode::FORBIDDEN,
                "Formulaire expiré",
                "Ce formulaire n'est plus valide (jeton de sécurité absent ou périmé). Rechargez la page et recommencez : rien n'a été enregistré.",
            ),
            Self::BadRequest(m) => {
                page(StatusCode::BAD_REQUEST, "Requête invalide", &format!("Rien n'a été enregistré : {m}"))
            }
            Self::TooLarge => page(
                StatusCode::PAYLOAD_TOO_LARGE,
                "Envoi trop volumineux",
                "Le contenu envoyé dépasse la taille admise (1 Mo). Rien n'a été enregistré.",
            ),
            Self::FileTooLarge => page(
                StatusCode::PAYLOAD_TOO_LARGE,
                "Fichier trop volumineux",
                "Un document peut peser 10 Mo au plus : réduisez le scan (résolution, noir et blanc) ou envoyez-le en plusieurs parties. Rien n'a été enregistré.",
            ),
            Self::UnsupportedMediaType => page(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "Format non pris en charge",
                "Le formulaire doit être envoyé au format application/x-www-form-urlencoded.",
            ),
            Self::TooManyAttempts => page(
                StatusCode::TOO_MANY_REQUESTS,
                "Trop de tentatives",
                "Trop de tentatives de connexion ont échoué. Patientez 15 minutes ou contactez votre administrateur.",
            ),
            Self::Conflict(m) => page(StatusCode::CONFLICT, "Conflit", &m),
            Self::Unavailable(m) => page(
                StatusCode::BAD_GATEWAY,
                "Service indisponible",
                &format!(
                    "{m}. Rien n'a été modifié dans l'identité ; réessayez plus tard ou contactez le référent identitovigilance."
                ),
            ),
            Self::Internal => page(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Erreur interne",
                "Une erreur est survenue ; elle a été journalisée. Rien n'a été enregistré. Réessayez ou contactez votre administrateur.",
            ),
        }
    }
}
