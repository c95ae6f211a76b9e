//! INSi client: the CNAM teleservice that returns a person's INS from their strict traits
//! (operation `rechercherInsAvecTraitsIdentite`) or from the data of a Vitale card
//! (`rechercherInsAvecCarteVitale`), SOAP 1.2 over mutual TLS; INTEROP.md §2.

mod xml;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::rt::TokioIo;
use relais_domain::identity::{InseeCode, Sex};
use relais_domain::ins::{Ins, Matricule};
use rustls::pki_types::ServerName;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use xml::Element;

pub const SOAP12_NS: &str = "http://www.w3.org/2003/05/soap-envelope";
pub const WSA_NS: &str = "http://www.w3.org/2005/08/addressing";
pub const CTXBAM_NS: &str = "urn:siram:bam:ctxbam";
pub const CTXLPS_NS: &str = "urn:siram:lps:ctxlps";
pub const SIRAM_NS: &str = "urn:siram";
pub const RECSANS_NS: &str = "http://www.cnamts.fr/INSiRecSans";
pub const RECVIT_NS: &str = "http://www.cnamts.fr/INSiRecVit";
pub const RESULTAT_NS: &str = "http://www.cnamts.fr/INSiResultat";
/// `wsaw:Action` of the operation in WSDL `DESIR_ICIR_EXP_1.5.0`, also the SOAP 1.2 `action` parameter.
pub const ACTION_TRAITS: &str = "urn:ServiceIdentiteCertifiee:1.0.0:rechercherInsAvecTraitsIdentite";
pub const CONTENT_TYPE: &str = "application/soap+xml; charset=utf-8; \
     action=\"urn:ServiceIdentiteCertifiee:1.0.0:rechercherInsAvecTraitsIdentite\"";
/// `wsaw:Action` of `rechercherInsAvecCarteVitale` (same WSDL), also its SOAP 1.2 `action` parameter.
pub const ACTION_VITALE: &str = "urn:ServiceIdentiteCertifiee:1.0.0:rechercherInsAvecCarteVitale";
pub const CONTENT_TYPE_VITALE: &str = "application/soap+xml; charset=utf-8; \
     action=\"urn:ServiceIdentiteCertifiee:1.0.0:rechercherInsAvecCarteVitale\"";

/// An INSi answer is a few kilobytes; anything much larger is not one.
const MAX_RESPONSE_BYTES: usize = 1 << 20;

/// How to reach INSi and how Relais presents itself to it.
#[derive(Clone)]
pub struct InsiConfig {
    /// `https://host:port/path`.
    pub endpoint: String,
    /// The establishment's certificate chain (PEM); its CN must be `INSI-AUTO` or `INSI-MANU`.
    pub client_cert_pem: Vec<u8>,
    /// The matching private key (PEM: PKCS#8, PKCS#1 or SEC1).
    pub client_key_pem: Vec<u8>,
    /// The CA(s) trusted for the server (PEM): IGC-Santé for the real service.
    pub server_ca_pem: Vec<u8>,
    /// CNDA authorisation number of the software (`ContexteLPS/LPS/IDAM R="4"`).
    pub authorisation_number: String,
    pub software_name: String,
    pub software_version: String,
    /// `ContexteLPS/LPS/Instance`: identifies this installation.
    pub instance: uuid::Uuid,
    /// `Emetteur`: the structure calling (e.g. its FINESS).
    pub emitter: String,
    pub timeout: Duration,
}

/// Never print the key: Debug shows where Relais calls and who it says it is, nothing secret.
impl std::fmt::Debug for InsiConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InsiConfig")
            .field("endpoint", &self.endpoint)
            .field("authorisation_number", &self.authorisation_number)
            .field("software_name", &self.software_name)
            .field("software_version", &self.software_version)
            .field("instance", &self.instance)
            .field("emitter", &self.emitter)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

/// The traits a search starts from (as on the identity document).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraitsQuery {
    pub birth_name: String,
    /// Birth first names, one per element, in the order of the civil-status record.
    pub first_names: Vec<String>,
    /// `M` or `F`: INSi knows no other value.
    pub sex: Sex,
    /// `YYYY-MM-DD`; `00` parts are allowed (unknown day or month).
    pub birth_date: String,
    /// INSEE code (COG) of the birthplace; `99xxx` abroad.
    pub birthplace: Option<String>,
}

/// What a Vitale card says about one of its beneficiaries: exactly what goes into `RECVITALE`
/// (`INSi_RECVITALE_INS.xsd`, type `Beneficiaire`). No card reader is involved here: whoever read the
/// card (or the paper attestation) fills this in. `MatriculeIndividu/TypeMatricule` and
/// `MatriculeOD/TypeMatricule` are optional and not sent: the interface does not publish their values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VitaleQuery {
    /// The card holder's (*ouvrant droit*) NIR with its key, 15 characters (spaces tolerated):
    /// `MatriculeOD/NumIdentifiant` (the 13 characters) and `MatriculeOD/Cle` (the key).
    pub holder_nir: String,
    /// The beneficiary's own NIR with its key, when the card carries one:
    /// `MatriculeIndividu/NumIdentifiant` and `MatriculeIndividu/Cle`; omitted when `None`.
    pub beneficiary_nir: Option<String>,
    /// `NomNaissance`: the beneficiary's birth name as on the card; omitted when `None` or blank.
    pub birth_name: Option<String>,
    /// `DateNaissance`: the beneficiary's birth date, `YYYY-MM-DD`; `00` parts are allowed (cards carry
    /// lunar dates).
    pub birth_date: String,
    /// `RangNaissance`: the beneficiary's rank of birth (*rang gémellaire*), 1 to 9, which tells twins
    /// on one card apart.
    pub birth_rank: u8,
}

/// The traits of one call: what goes into `RECSANSVITALE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallTraits {
    pub birth_name: String,
    /// One first name, or the space-separated list of all of them.
    pub first_names: String,
    pub sex: Sex,
    pub birth_date: String,
    pub birthplace: Option<String>,
}

/// One call made during a search, for the audit trail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InsiCall {
    /// `uuid:<uuid>`, as sent in `wsa:MessageID`.
    pub message_id: String,
    /// Empty for a Vitale-card search, which sends no first name.
    pub first_names_sent: String,
    /// Always `false` for a Vitale-card search, which sends no birthplace.
    pub birthplace_sent: bool,
    /// `00`, `01`, `02`, or the fault code.
    pub code: String,
    pub label: String,
    pub duration: Duration,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InsiResult {
    Found(InsiIdentity),
    NotFound,
    Several,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InsiOutcome {
    pub result: InsiResult,
    pub calls: Vec<InsiCall>,
}

/// The identity returned by INSi (`INDIVIDU`), its INS checked (key and OID).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InsiIdentity {
    /// `INSACTIF`.
    pub ins: Ins,
    /// `INSHISTO`: matricules the person had before.
    pub history: Vec<Ins>,
    pub birth_name: String,
    /// `ListePrenom` split on spaces.
    pub first_names: Vec<String>,
    pub sex: Sex,
    /// As returned (may contain `00` parts).
    pub birth_date: String,
    pub birthplace: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InsiError {
    /// Relais's INSi settings cannot be used (certificate, key, CA, endpoint).
    #[error("configuration INSi : {0}")]
    Config(String),
    /// The traits cannot be sent as they are (sex other than M/F, missing first name…).
    #[error("recherche INSi impossible : {0}")]
    Query(String),
    /// No answer: connection, TLS handshake, timeout, or an HTTP error without a SOAP body.
    #[error("téléservice INSi injoignable : {0}")]
    Transport(String),
    /// A SOAP fault from the service; `code` is the most precise code it gave (e.g. `desir_550`).
    #[error("erreur du téléservice INSi {code} : {message}")]
    Fault { code: String, message: String },
    /// An answer that breaks the published interface (including an INS whose key is wrong).
    #[error("réponse INSi non conforme : {0}")]
    Protocol(String),
}

impl InsiError {
    /// What to show the user, in French.
    pub fn french_message(&self) -> String {
        match self {
            Self::Config(detail) => format!(
                "La connexion au téléservice INSi n'est pas configurée correctement ({detail}). \
                 Contactez l'administrateur de Relais."
            ),
            Self::Query(detail) => format!("La recherche INSi ne peut pas être lancée : {detail}."),
            Self::Transport(_) => "Le téléservice INSi ne répond pas ou la connexion sécurisée a échoué. \
                 Réessayez dans quelques minutes ; si le problème persiste, vérifiez le certificat de \
                 l'établissement et l'adresse du service."
                .to_string(),
            Self::Fault { code, message } => match code.to_ascii_lowercase().as_str() {
                "desir_550" => "Le numéro d'autorisation du logiciel n'est pas reconnu par le téléservice INSi. \
                     Contactez l'éditeur de Relais."
                    .to_string(),
                "desir_560" => "Niveau d'accès insuffisant : le certificat de l'établissement n'est pas un \
                     certificat INSi (CN INSI-AUTO ou INSI-MANU attendu)."
                    .to_string(),
                _ => format!("Le téléservice INSi a refusé la demande ({code}) : {message}"),
            },
            Self::Protocol(_) => "La réponse du téléservice INSi n'est pas conforme : elle n'a pas été utilisée \
                 et l'identité n'a pas été modifiée. Réessayez plus tard ou signalez-le à l'administrateur."
                .to_string(),
        }
    }
}

/// What one answer says: the CR code and label, and the identity for CR 00.
pub type Answer = (String, String, Option<InsiIdentity>);

/// Calls INSi over mutual TLS (rustls, ring provider), one HTTP/1.1 connection per call.
pub struct InsiClient {
    config: InsiConfig,
    endpoint: Endpoint,
    tls: Arc<rustls::ClientConfig>,
}

impl std::fmt::Debug for InsiClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InsiClient").field("config", &self.config).finish_non_exhaustive()
    }
}

/// Where the service is, taken apart once.
#[derive(Debug, Clone)]
struct Endpoint {
    /// Host name or IP address, without IPv6 brackets: what TCP and SNI need.
    host: String,
    port: u16,
    /// `Host` header value.
    authority: String,
    path: String,
}

fn parse_endpoint(endpoint: &str) -> Result<Endpoint, InsiError> {
    let bad = |why: &str| InsiError::Config(format!("adresse du téléservice « {endpoint} » : {why}"));
    let uri: hyper::Uri = endpoint.parse().map_err(|_| bad("URL invalide"))?;
    if uri.scheme_str() != Some("https") {
        return Err(bad("https:// attendu"));
    }
    let authority = uri.authority().ok_or_else(|| bad("hôte manquant"))?;
    let host = authority.host().trim_start_matches('[').trim_end_matches(']').to_string();
    if host.is_empty() {
        return Err(bad("hôte manquant"));
    }
    let path = uri.path_and_query().map(|p| p.as_str().to_string()).unwrap_or_else(|| "/".into());
    Ok(Endpoint { host, port: authority.port_u16().unwrap_or(443), authority: authority.to_string(), path })
}

impl InsiClient {
    pub fn new(config: InsiConfig) -> Result<Self, InsiError> {
        let endpoint = parse_endpoint(&config.endpoint)?;
        for (value, what) in [
            (&config.authorisation_number, "numéro d'autorisation CNDA"),
            (&config.software_name, "nom du logiciel"),
            (&config.software_version, "version du logiciel"),
            (&config.emitter, "émetteur"),
        ] {
            if value.trim().is_empty() {
                return Err(InsiError::Config(format!("{what} manquant")));
            }
        }
        if config.timeout.is_zero() {
            return Err(InsiError::Config("délai d'attente nul".into()));
        }
        let tls = Arc::new(tls_config(&config)?);
        Ok(Self { config, endpoint, tls })
    }

    /// The first-name strategy: each first name alone, then the full list; stop at CR 00 or at an error;
    /// when CR 02 (several) is met, retry with all first names and the birthplace if not already sent.
    pub async fn search_by_traits(&self, query: &TraitsQuery) -> Result<InsiOutcome, InsiError> {
        let query = normalise_query(query)?;
        let full = query.first_names.join(" ");
        let mut plan: Vec<String> = query.first_names.clone();
        if query.first_names.len() > 1 {
            plan.push(full.clone());
        }
        let mut calls = Vec::new();
        let mut sent: HashSet<(String, bool)> = HashSet::new();
        let mut several = false;
        for first_names in plan {
            if !sent.insert((first_names.clone(), false)) {
                continue;
            }
            match self.call_logged(&query, &first_names, false, &mut calls).await? {
                Step::Found(identity) => return Ok(InsiOutcome { result: InsiResult::Found(identity), calls }),
                Step::NotFound => {}
                Step::Several => {
                    several = true;
                    break;
                }
            }
        }
        if !several {
            return Ok(InsiOutcome { result: InsiResult::NotFound, calls });
        }
        // ANS guidance on CR 02: add the other first names, then the birthplace.
        let mut resolution = vec![(full.clone(), false)];
        if query.birthplace.is_some() {
            resolution.push((full, true));
        }
        for (first_names, with_birthplace) in resolution {
            if !sent.insert((first_names.clone(), with_birthplace)) {
                continue;
            }
            match self.call_logged(&query, &first_names, with_birthplace, &mut calls).await? {
                Step::Found(identity) => return Ok(InsiOutcome { result: InsiResult::Found(identity), calls }),
                Step::Several => {}
                // More traits cannot match what fewer did not.
                Step::NotFound => break,
            }
        }
        Ok(InsiOutcome { result: InsiResult::Several, calls })
    }

    async fn call_logged(
        &self,
        query: &TraitsQuery,
        first_names: &str,
        with_birthplace: bool,
        calls: &mut Vec<InsiCall>,
    ) -> Result<Step, InsiError> {
        let traits = CallTraits {
            birth_name: query.birth_name.clone(),
            first_names: first_names.to_string(),
            sex: query.sex,
            birth_date: query.birth_date.clone(),
            birthplace: if with_birthplace { query.birthplace.clone() } else { None },
        };
        let message_id = uuid::Uuid::new_v4();
        let started = Instant::now();
        let answer = self.call(&traits, message_id).await;
        let duration = started.elapsed();
        let (code, label) = match &answer {
            Ok((code, label, _)) => (code.clone(), label.clone()),
            Err(InsiError::Fault { code, message }) => (code.clone(), message.clone()),
            Err(e) => ("erreur".to_string(), e.to_string()),
        };
        // The audit line carries no trait: only what identifies the exchange and its result.
        tracing::info!(
            message_id = %format!("uuid:{message_id}"),
            code = %code,
            first_names_count = first_names.split(' ').count(),
            birthplace_sent = with_birthplace,
            duration_ms = duration.as_millis() as u64,
            "appel INSi rechercherInsAvecTraitsIdentite"
        );
        calls.push(InsiCall {
            message_id: format!("uuid:{message_id}"),
            first_names_sent: first_names.to_string(),
            birthplace_sent: with_birthplace,
            code: code.clone(),
            label,
            duration,
        });
        step(answer)
    }

    /// `rechercherInsAvecCarteVitale`: one call, no strategy (the card's data are all there is to send).
    /// The outcome and the errors are those of [`InsiClient::search_by_traits`]; a malformed query is
    /// refused with [`InsiError::Query`] before anything is sent.
    pub async fn search_by_vitale(&self, query: &VitaleQuery) -> Result<InsiOutcome, InsiError> {
        let query = normalise_vitale(query)?;
        let message_id = uuid::Uuid::new_v4();
        let started = Instant::now();
        let body = vitale_request_xml(&self.config, &query, message_id, jiff::Timestamp::now());
        let answer = self.exchange_soap(body, CONTENT_TYPE_VITALE).await;
        let duration = started.elapsed();
        let (code, label) = match &answer {
            Ok((code, label, _)) => (code.clone(), label.clone()),
            Err(InsiError::Fault { code, message }) => (code.clone(), message.clone()),
            Err(e) => ("erreur".to_string(), e.to_string()),
        };
        // As for the traits: no card datum in the audit line.
        tracing::info!(
            message_id = %format!("uuid:{message_id}"),
            code = %code,
            beneficiary_nir_sent = query.beneficiary_nir.is_some(),
            birth_name_sent = query.birth_name.is_some(),
            duration_ms = duration.as_millis() as u64,
            "appel INSi rechercherInsAvecCarteVitale"
        );
        let calls = vec![InsiCall {
            message_id: format!("uuid:{message_id}"),
            first_names_sent: String::new(),
            birthplace_sent: false,
            code,
            label,
            duration,
        }];
        let result = match step(answer)? {
            Step::Found(identity) => InsiResult::Found(identity),
            Step::NotFound => InsiResult::NotFound,
            Step::Several => InsiResult::Several,
        };
        Ok(InsiOutcome { result, calls })
    }

    /// One SOAP exchange, without the first-name strategy.
    pub async fn call(&self, traits: &CallTraits, message_id: uuid::Uuid) -> Result<Answer, InsiError> {
        let body = request_xml(&self.config, traits, message_id, jiff::Timestamp::now());
        self.exchange_soap(body, CONTENT_TYPE).await
    }

    /// Sends a built request and reads the answer, whichever the operation: both answer `RESULTAT`.
    async fn exchange_soap(&self, body: String, content_type: &str) -> Result<Answer, InsiError> {
        let (status, text) = self.send_raw(body, content_type).await?;
        let success = (200..300).contains(&status);
        match parse_response(&text) {
            // SOAP faults come with HTTP 500 (or 400): the envelope says more than the status.
            Ok(answer) if success => Ok(answer),
            Ok(_) => Err(InsiError::Protocol(format!("HTTP {status} avec un compte rendu"))),
            Err(InsiError::Protocol(detail)) if !success => {
                Err(InsiError::Transport(format!("HTTP {status} sans enveloppe SOAP lisible ({detail})")))
            }
            Err(e) => Err(e),
        }
    }

    /// Posts `body` as it is, over the client's mutual TLS, and returns the HTTP status and body.
    /// For diagnostics and for tests that send what the client itself would never build.
    pub async fn send_raw(&self, body: String, content_type: &str) -> Result<(u16, String), InsiError> {
        let exchange = self.exchange(body, content_type);
        let (status, bytes) = tokio::time::timeout(self.config.timeout, exchange).await.map_err(|_| {
            InsiError::Transport(format!("pas de réponse en {} s", self.config.timeout.as_secs_f32()))
        })??;
        let text = String::from_utf8(bytes.to_vec()).map_err(|_| InsiError::Protocol("réponse non UTF-8".into()))?;
        Ok((status, text))
    }

    async fn exchange(&self, body: String, content_type: &str) -> Result<(u16, Bytes), InsiError> {
        let transport =
            |what: &str, e: &dyn std::error::Error| InsiError::Transport(format!("{what} : {}", error_chain(e)));
        let Endpoint { host, port, authority, path } = &self.endpoint;
        let tcp = TcpStream::connect((host.as_str(), *port)).await.map_err(|e| transport("connexion", &e))?;
        let _ = tcp.set_nodelay(true);
        let server_name = ServerName::try_from(host.clone())
            .map_err(|e| InsiError::Config(format!("nom de serveur « {host} » : {e}")))?;
        let tls = TlsConnector::from(self.tls.clone())
            .connect(server_name, tcp)
            .await
            .map_err(|e| transport("poignée de main TLS", &e))?;
        let (mut sender, connection) =
            hyper::client::conn::http1::handshake(TokioIo::new(tls)).await.map_err(|e| transport("HTTP", &e))?;
        let driver = tokio::spawn(connection);
        let request = hyper::Request::post(path.as_str())
            .header(hyper::header::HOST, authority.as_str())
            .header(hyper::header::CONTENT_TYPE, content_type)
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| InsiError::Config(format!("requête HTTP : {e}")))?;
        let result = async {
            // A TLS 1.3 server refuses a client certificate after the handshake: the error shows here.
            let response = sender.send_request(request).await.map_err(|e| transport("envoi", &e))?;
            let status = response.status().as_u16();
            let bytes = Limited::new(response.into_body(), MAX_RESPONSE_BYTES)
                .collect()
                .await
                .map_err(|e| match e.downcast_ref::<hyper::Error>() {
                    Some(e) => transport("réception", e),
                    None => InsiError::Protocol("réponse trop volumineuse".into()),
                })?
                .to_bytes();
            Ok((status, bytes))
        }
        .await;
        driver.abort();
        result
    }
}

enum Step {
    Found(InsiIdentity),
    NotFound,
    Several,
}

/// What an answer means for the search, the same for both operations.
fn step(answer: Result<Answer, InsiError>) -> Result<Step, InsiError> {
    let (code, _, identity) = answer?;
    match (code.as_str(), identity) {
        ("00", Some(identity)) => Ok(Step::Found(identity)),
        ("01", _) => Ok(Step::NotFound),
        ("02", _) => Ok(Step::Several),
        (other, _) => Err(InsiError::Protocol(format!("code compte rendu inattendu « {other} »"))),
    }
}

fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(" : ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

fn tls_config(config: &InsiConfig) -> Result<rustls::ClientConfig, InsiError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(&config.server_ca_pem) {
        let cert = cert.map_err(|e| InsiError::Config(format!("AC du serveur illisible : {e}")))?;
        roots.add(cert).map_err(|e| InsiError::Config(format!("AC du serveur refusée : {e}")))?;
    }
    if roots.is_empty() {
        return Err(InsiError::Config("aucune AC de confiance pour le serveur INSi".into()));
    }
    let chain = CertificateDer::pem_slice_iter(&config.client_cert_pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| InsiError::Config(format!("certificat de l'établissement illisible : {e}")))?;
    if chain.is_empty() {
        return Err(InsiError::Config("certificat de l'établissement manquant".into()));
    }
    let key = PrivateKeyDer::from_pem_slice(&config.client_key_pem)
        .map_err(|e| InsiError::Config(format!("clé privée de l'établissement illisible : {e}")))?;
    let mut tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| InsiError::Config(format!("TLS : {e}")))?
        .with_root_certificates(roots)
        .with_client_auth_cert(chain, key)
        .map_err(|e| InsiError::Config(format!("certificat et clé de l'établissement incompatibles : {e}")))?;
    tls.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(tls)
}

fn is_lunar_date(date: &str) -> bool {
    let b = date.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter().enumerate().all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
}

/// Checks and tidies the traits before anything is sent; spaces are collapsed, letters kept as typed.
fn normalise_query(query: &TraitsQuery) -> Result<TraitsQuery, InsiError> {
    let tidy = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let birth_name = tidy(&query.birth_name);
    if birth_name.is_empty() {
        return Err(InsiError::Query("le nom de naissance est obligatoire".into()));
    }
    let mut first_names: Vec<String> = Vec::new();
    for name in query.first_names.iter().flat_map(|n| n.split_whitespace()) {
        if !first_names.iter().any(|known| known == name) {
            first_names.push(name.to_string());
        }
    }
    if first_names.is_empty() {
        return Err(InsiError::Query("au moins un prénom de naissance est obligatoire".into()));
    }
    if query.sex == Sex::Undetermined {
        return Err(InsiError::Query("INSi ne connaît que les sexes M et F".into()));
    }
    let birth_date = query.birth_date.trim().to_string();
    if !is_lunar_date(&birth_date) {
        return Err(InsiError::Query("la date de naissance doit être au format AAAA-MM-JJ".into()));
    }
    let birthplace = match query.birthplace.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(code) => Some(
            InseeCode::parse(code)
                .map_err(|_| InsiError::Query("le code INSEE du lieu de naissance est invalide".into()))?
                .as_str()
                .to_string(),
        ),
        None => None,
    };
    Ok(TraitsQuery { birth_name, first_names, sex: query.sex, birth_date, birthplace })
}

/// Checks and tidies a card query before anything is sent: both NIRs must carry a correct key (a card
/// misread by one digit must not reach INSi as somebody else's number).
fn normalise_vitale(query: &VitaleQuery) -> Result<VitaleQuery, InsiError> {
    let nir = |value: &str, whose: &str| {
        Matricule::parse(value).map(|m| m.as_str().to_string()).map_err(|e| {
            InsiError::Query(format!("le NIR {whose} lu sur la carte Vitale est invalide ({})", e.message))
        })
    };
    let holder_nir = nir(&query.holder_nir, "de l'assuré")?;
    let beneficiary_nir = match query.beneficiary_nir.as_deref().filter(|n| !n.trim().is_empty()) {
        Some(value) => Some(nir(value, "du bénéficiaire")?),
        None => None,
    };
    let birth_name = query
        .birth_name
        .as_deref()
        .map(|n| n.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|n| !n.is_empty());
    let birth_date = query.birth_date.trim().to_string();
    if !is_lunar_date(&birth_date) {
        return Err(InsiError::Query("la date de naissance du bénéficiaire doit être au format AAAA-MM-JJ".into()));
    }
    if !(1..=9).contains(&query.birth_rank) {
        return Err(InsiError::Query("le rang de naissance du bénéficiaire doit être compris entre 1 et 9".into()));
    }
    Ok(VitaleQuery { holder_nir, beneficiary_nir, birth_name, birth_date, birth_rank: query.birth_rank })
}

fn esc(text: &str) -> std::borrow::Cow<'_, str> {
    quick_xml::escape::escape(text)
}

/// The SOAP 1.2 request of one call. Each header block declares its own namespace so that it stands
/// alone (a gateway may copy it, and the tests validate it against its XSD as it is).
pub fn request_xml(config: &InsiConfig, call: &CallTraits, message_id: uuid::Uuid, now: jiff::Timestamp) -> String {
    let mut body = String::new();
    body.push_str(&format!("<insi:NomNaissance>{}</insi:NomNaissance>", esc(&call.birth_name)));
    body.push_str(&format!("<insi:Prenom>{}</insi:Prenom>", esc(&call.first_names)));
    body.push_str(&format!("<insi:Sexe>{}</insi:Sexe>", call.sex.code()));
    body.push_str(&format!("<insi:DateNaissance>{}</insi:DateNaissance>", esc(&call.birth_date)));
    if let Some(place) = &call.birthplace {
        body.push_str(&format!("<insi:LieuNaissance>{}</insi:LieuNaissance>", esc(place)));
    }
    let content = format!(r#"<insi:RECSANSVITALE xmlns:insi="{RECSANS_NS}">{body}</insi:RECSANSVITALE>"#);
    envelope(config, ACTION_TRAITS, message_id, now, &content)
}

/// `<insi:{tag}>`: a `Matricule` of INSi_RECVITALE_INS.xsd from a checked 15-character NIR.
fn matricule_xml(tag: &str, nir: &str) -> String {
    let (number, key) = nir.split_at(nir.len().saturating_sub(2));
    format!(
        "<insi:{tag}><insi:NumIdentifiant>{}</insi:NumIdentifiant><insi:Cle>{}</insi:Cle></insi:{tag}>",
        esc(number),
        esc(key)
    )
}

/// The SOAP 1.2 request of `rechercherInsAvecCarteVitale`: the headers of [`request_xml`] with the
/// operation's Action, and `RECVITALE` in the XSD's order. The query is sent as it is: check it first
/// ([`InsiClient::search_by_vitale`] does).
pub fn vitale_request_xml(
    config: &InsiConfig,
    query: &VitaleQuery,
    message_id: uuid::Uuid,
    now: jiff::Timestamp,
) -> String {
    let mut body = String::new();
    if let Some(nir) = &query.beneficiary_nir {
        body.push_str(&matricule_xml("MatriculeIndividu", nir));
    }
    body.push_str(&matricule_xml("MatriculeOD", &query.holder_nir));
    if let Some(name) = &query.birth_name {
        body.push_str(&format!("<insi:NomNaissance>{}</insi:NomNaissance>", esc(name)));
    }
    body.push_str(&format!("<insi:DateNaissance>{}</insi:DateNaissance>", esc(&query.birth_date)));
    body.push_str(&format!("<insi:RangNaissance>{}</insi:RangNaissance>", query.birth_rank));
    let content = format!(r#"<insi:RECVITALE xmlns:insi="{RECVIT_NS}">{body}</insi:RECVITALE>"#);
    envelope(config, ACTION_VITALE, message_id, now, &content)
}

/// The envelope both operations share: ContexteBAM, ContexteLPS, WS-Addressing, then `content`.
fn envelope(config: &InsiConfig, action: &str, message_id: uuid::Uuid, now: jiff::Timestamp, content: &str) -> String {
    let time = now.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string();
    let emitter = esc(&config.emitter);
    format!(
        concat!(
            r#"<?xml version="1.0" encoding="UTF-8"?>"#,
            r#"<soap:Envelope xmlns:soap="{soap}">"#,
            "<soap:Header>",
            r#"<ctxbam:ContexteBAM xmlns:ctxbam="{bam}" Version="01_02">"#,
            "<ctxbam:Id>{id}</ctxbam:Id><ctxbam:Temps>{time}</ctxbam:Temps>",
            "<ctxbam:Emetteur>{emitter}</ctxbam:Emetteur><ctxbam:COUVERTURE/>",
            "</ctxbam:ContexteBAM>",
            r#"<ctxlps:ContexteLPS xmlns:ctxlps="{lps}" Nature="CTXLPS" Version="01_00">"#,
            "<ctxlps:Id>{id}</ctxlps:Id><ctxlps:Temps>{time}</ctxlps:Temps>",
            "<ctxlps:Emetteur>{emitter}</ctxlps:Emetteur>",
            r#"<ctxlps:LPS><ctxlps:IDAM R="4">{idam}</ctxlps:IDAM><ctxlps:Version>{version}</ctxlps:Version>"#,
            "<ctxlps:Instance>{instance}</ctxlps:Instance><ctxlps:Nom>urn:lps:{name}:{version}</ctxlps:Nom>",
            "</ctxlps:LPS></ctxlps:ContexteLPS>",
            r#"<wsa:Action xmlns:wsa="{wsa}">{action}</wsa:Action>"#,
            r#"<wsa:MessageID xmlns:wsa="{wsa}">uuid:{id}</wsa:MessageID>"#,
            "</soap:Header>",
            "<soap:Body>{content}</soap:Body>",
            "</soap:Envelope>"
        ),
        soap = SOAP12_NS,
        bam = CTXBAM_NS,
        lps = CTXLPS_NS,
        wsa = WSA_NS,
        action = action,
        id = message_id,
        time = time,
        emitter = emitter,
        idam = esc(&config.authorisation_number),
        version = esc(&config.software_version),
        instance = config.instance,
        name = esc(&config.software_name),
        content = content,
    )
}

fn protocol(detail: impl Into<String>) -> InsiError {
    InsiError::Protocol(detail.into())
}

fn required<'a>(parent: &'a Element, ns: &str, name: &str) -> Result<&'a Element, InsiError> {
    parent.child(ns, name).ok_or_else(|| protocol(format!("élément {name} absent de {}", parent.name)))
}

fn required_text(parent: &Element, ns: &str, name: &str) -> Result<String, InsiError> {
    let text = required(parent, ns, name)?.trimmed_text().to_string();
    if text.is_empty() {
        return Err(protocol(format!("élément {name} vide")));
    }
    Ok(text)
}

/// Reads an INSi answer: `Ok((code, label, identity))` for a `RESULTAT`, `Err(Fault)` for a SOAP fault.
/// The identity is returned only for CR 00, and only once its INS (matricule, key, OID) is checked.
pub fn parse_response(xml: &str) -> Result<Answer, InsiError> {
    let root = xml::parse(xml).map_err(protocol)?;
    if !root.is("http://www.w3.org/2003/05/soap-envelope", "Envelope") {
        return Err(protocol(format!("enveloppe SOAP 1.2 attendue, reçu « {} »", root.name)));
    }
    let body = required(&root, SOAP12_NS, "Body")?;
    let content = body.children.first().ok_or_else(|| protocol("corps SOAP vide"))?;
    if content.is(SOAP12_NS, "Fault") {
        return Err(parse_fault(content));
    }
    if !content.is(RESULTAT_NS, "RESULTAT") {
        return Err(protocol(format!("élément RESULTAT attendu, reçu « {} »", content.name)));
    }
    let cr = required(content, RESULTAT_NS, "CR")?;
    let code = required_text(cr, RESULTAT_NS, "CodeCR")?;
    let label = cr.child(RESULTAT_NS, "LibelleCR").map(|l| l.trimmed_text().to_string()).unwrap_or_default();
    if code != "00" {
        return Ok((code, label, None));
    }
    let individu = required(content, RESULTAT_NS, "INDIVIDU")?;
    Ok((code, label, Some(parse_individu(individu)?)))
}

fn parse_fault(fault: &Element) -> InsiError {
    let code_el = fault.child(SOAP12_NS, "Code");
    let value = |el: Option<&Element>| {
        el.and_then(|c| c.child(SOAP12_NS, "Value"))
            .map(|v| {
                let text = v.trimmed_text();
                // QName values: the prefix is the peer's choice, the local part is the code.
                text.rsplit(':').next().unwrap_or(text).to_string()
            })
            .filter(|v| !v.is_empty())
    };
    let main = value(code_el);
    let sub = value(code_el.and_then(|c| c.child(SOAP12_NS, "Subcode")));
    let reason = fault
        .child(SOAP12_NS, "Reason")
        .and_then(|r| r.child(SOAP12_NS, "Text"))
        .map(|t| t.trimmed_text().to_string())
        .unwrap_or_default();
    let erreur = fault.child(SOAP12_NS, "Detail").and_then(|d| d.children.iter().find(|c| c.name == "Erreur"));
    let detail_code = erreur.and_then(|e| e.attr("code")).map(str::to_string).filter(|c| !c.is_empty());
    let detail_text = erreur.map(|e| e.trimmed_text().to_string()).filter(|t| !t.is_empty());
    InsiError::Fault {
        code: detail_code.or(sub).or(main).unwrap_or_else(|| "inconnu".to_string()),
        message: detail_text.unwrap_or(reason),
    }
}

fn parse_ins(block: &Element) -> Result<Ins, InsiError> {
    let id = required(block, RESULTAT_NS, "IdIndividu")?;
    let number = required_text(id, RESULTAT_NS, "NumIdentifiant")?;
    let key = required_text(id, RESULTAT_NS, "Cle")?;
    let oid = required_text(block, RESULTAT_NS, "OID")?;
    Ins::parse(&format!("{number}{key}"), &oid)
        .map_err(|e| protocol(format!("INS {} refusé : {}", block.name, e.message)))
}

fn parse_individu(individu: &Element) -> Result<InsiIdentity, InsiError> {
    let ins = parse_ins(required(individu, RESULTAT_NS, "INSACTIF")?)?;
    let history = individu.children_named(RESULTAT_NS, "INSHISTO").map(parse_ins).collect::<Result<Vec<_>, _>>()?;
    let tiq = required(individu, RESULTAT_NS, "TIQ")?;
    let birth_name = required_text(tiq, RESULTAT_NS, "NomNaissance")?;
    let first_names: Vec<String> =
        required_text(tiq, RESULTAT_NS, "ListePrenom")?.split_whitespace().map(str::to_string).collect();
    let sex = match required_text(tiq, RESULTAT_NS, "Sexe")?.as_str() {
        "M" => Sex::Male,
        "F" => Sex::Female,
        other => return Err(protocol(format!("sexe « {other} » inattendu"))),
    };
    let birth_date = required_text(tiq, RESULTAT_NS, "DateNaissance")?;
    if !is_lunar_date(&birth_date) {
        return Err(protocol("date de naissance hors du format AAAA-MM-JJ"));
    }
    let birthplace = match tiq.child(RESULTAT_NS, "LieuNaissance").map(|l| l.trimmed_text()).filter(|l| !l.is_empty()) {
        Some(code) => Some(
            InseeCode::parse(code).map_err(|_| protocol("lieu de naissance hors du format COG"))?.as_str().to_string(),
        ),
        None => None,
    };
    Ok(InsiIdentity { ins, history, birth_name, first_names, sex, birth_date, birthplace })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> InsiConfig {
        InsiConfig {
            endpoint: "https://127.0.0.1:1/lps".into(),
            client_cert_pem: Vec::new(),
            client_key_pem: Vec::new(),
            server_ca_pem: Vec::new(),
            authorisation_number: "AUTH<&>".into(),
            software_name: "Relais".into(),
            software_version: "0.1.0".into(),
            instance: uuid::Uuid::nil(),
            emitter: "FINESS 123".into(),
            timeout: Duration::from_secs(5),
        }
    }

    fn query() -> TraitsQuery {
        TraitsQuery {
            birth_name: " TCHITCHI ".into(),
            first_names: vec!["CATARINA BELLA".into(), "BELLA".into()],
            sex: Sex::Female,
            birth_date: "1936-06-21".into(),
            birthplace: Some("63220".into()),
        }
    }

    #[test]
    fn request_escapes_and_reads_back() {
        let call = CallTraits {
            birth_name: "D'ARC & <FILS>".into(),
            first_names: "JEANNE".into(),
            sex: Sex::Female,
            birth_date: "1412-01-00".into(),
            birthplace: None,
        };
        let id = uuid::Uuid::from_u128(7);
        let xml_text = request_xml(&config(), &call, id, jiff::Timestamp::UNIX_EPOCH);
        let doc = xml::parse(&xml_text).unwrap();
        let header = doc.child(SOAP12_NS, "Header").unwrap();
        let lps = header.child(CTXLPS_NS, "ContexteLPS").unwrap();
        let idam = lps.child(CTXLPS_NS, "LPS").unwrap().child(CTXLPS_NS, "IDAM").unwrap();
        assert_eq!(idam.text, "AUTH<&>");
        assert_eq!(idam.attr("R"), Some("4"));
        assert_eq!(header.child(WSA_NS, "MessageID").unwrap().text, format!("uuid:{id}"));
        let bam = header.child(CTXBAM_NS, "ContexteBAM").unwrap();
        assert_eq!(bam.child(CTXBAM_NS, "Temps").unwrap().text, "1970-01-01T00:00:00.000Z");
        let body = doc.child(SOAP12_NS, "Body").unwrap().child(RECSANS_NS, "RECSANSVITALE").unwrap();
        let names: Vec<&str> = body.children.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["NomNaissance", "Prenom", "Sexe", "DateNaissance"]);
        assert_eq!(body.children[0].text, "D'ARC & <FILS>");
    }

    #[test]
    fn query_is_checked_before_any_call() {
        let q = normalise_query(&query()).unwrap();
        assert_eq!(q.birth_name, "TCHITCHI");
        assert_eq!(q.first_names, ["CATARINA", "BELLA"]);
        for broken in [
            TraitsQuery { sex: Sex::Undetermined, ..query() },
            TraitsQuery { first_names: vec![" ".into()], ..query() },
            TraitsQuery { birth_name: "".into(), ..query() },
            TraitsQuery { birth_date: "21/06/1936".into(), ..query() },
            TraitsQuery { birthplace: Some("6322".into()), ..query() },
        ] {
            assert!(matches!(normalise_query(&broken), Err(InsiError::Query(_))), "{broken:?}");
        }
        assert!(normalise_query(&TraitsQuery { birth_date: "1936-00-00".into(), ..query() }).is_ok());
    }

    fn card() -> VitaleQuery {
        VitaleQuery {
            holder_nir: "2 97 02 2A 020 778 78".into(),
            beneficiary_nir: Some("297022A02077878".into()),
            birth_name: Some(" ADRTROIS ".into()),
            birth_date: "1997-02-26".into(),
            birth_rank: 1,
        }
    }

    #[test]
    fn vitale_request_follows_the_xsd_order() {
        let q = normalise_vitale(&card()).unwrap();
        let xml_text = vitale_request_xml(&config(), &q, uuid::Uuid::from_u128(9), jiff::Timestamp::UNIX_EPOCH);
        let doc = xml::parse(&xml_text).unwrap();
        let header = doc.child(SOAP12_NS, "Header").unwrap();
        assert_eq!(header.child(WSA_NS, "Action").unwrap().text, ACTION_VITALE);
        let body = doc.child(SOAP12_NS, "Body").unwrap().child(RECVIT_NS, "RECVITALE").unwrap();
        let names: Vec<&str> = body.children.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["MatriculeIndividu", "MatriculeOD", "NomNaissance", "DateNaissance", "RangNaissance"]);
        let od = body.child(RECVIT_NS, "MatriculeOD").unwrap();
        assert_eq!(od.child(RECVIT_NS, "NumIdentifiant").unwrap().text, "297022A020778");
        assert_eq!(od.child(RECVIT_NS, "Cle").unwrap().text, "78");
        assert_eq!(body.child(RECVIT_NS, "NomNaissance").unwrap().text, "ADRTROIS");
        assert_eq!(body.child(RECVIT_NS, "RangNaissance").unwrap().text, "1");
        // What the card does not carry is not sent.
        let bare = VitaleQuery { beneficiary_nir: None, birth_name: Some("  ".into()), ..card() };
        let xml_text = vitale_request_xml(
            &config(),
            &normalise_vitale(&bare).unwrap(),
            uuid::Uuid::from_u128(9),
            jiff::Timestamp::UNIX_EPOCH,
        );
        let doc = xml::parse(&xml_text).unwrap();
        let body = doc.child(SOAP12_NS, "Body").unwrap().child(RECVIT_NS, "RECVITALE").unwrap();
        let names: Vec<&str> = body.children.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["MatriculeOD", "DateNaissance", "RangNaissance"]);
    }

    #[test]
    fn vitale_query_is_checked_before_any_call() {
        for (broken, expected) in [
            (VitaleQuery { holder_nir: "297022A02077879".into(), ..card() }, "NIR de l'assuré"),
            (VitaleQuery { holder_nir: "".into(), ..card() }, "NIR de l'assuré"),
            (VitaleQuery { beneficiary_nir: Some("29702".into()), ..card() }, "NIR du bénéficiaire"),
            (VitaleQuery { birth_date: "26/02/1997".into(), ..card() }, "AAAA-MM-JJ"),
            (VitaleQuery { birth_rank: 0, ..card() }, "entre 1 et 9"),
            (VitaleQuery { birth_rank: 10, ..card() }, "entre 1 et 9"),
        ] {
            match normalise_vitale(&broken) {
                Err(InsiError::Query(message)) => assert!(message.contains(expected), "{message}"),
                other => panic!("{broken:?}: {other:?}"),
            }
        }
        assert!(normalise_vitale(&VitaleQuery { birth_date: "1997-00-00".into(), ..card() }).is_ok());
        assert!(
            normalise_vitale(&VitaleQuery { beneficiary_nir: Some(" ".into()), ..card() })
                .unwrap()
                .beneficiary_nir
                .is_none()
        );
    }

    #[test]
    fn client_refuses_unusable_configuration() {
        let no_https = InsiConfig { endpoint: "http://x/lps".into(), ..config() };
        assert!(matches!(InsiClient::new(no_https), Err(InsiError::Config(_))));
        // No CA, no certificate: refused before any connection.
        assert!(matches!(InsiClient::new(config()), Err(InsiError::Config(_))));
    }

    #[test]
    fn endpoints_are_taken_apart_once() {
        let e = parse_endpoint("https://qualiflps-services-ps-tlsm.ameli.fr:443/lps").unwrap();
        assert_eq!((e.host.as_str(), e.port, e.path.as_str()), ("qualiflps-services-ps-tlsm.ameli.fr", 443, "/lps"));
        let e = parse_endpoint("https://[::1]:8443/lps?x=1").unwrap();
        assert_eq!(
            (e.host.as_str(), e.port, e.authority.as_str(), e.path.as_str()),
            ("::1", 8443, "[::1]:8443", "/lps?x=1")
        );
        assert_eq!(parse_endpoint("https://h").unwrap().port, 443);
        for bad in ["http://h/lps", "h/lps", "", "https:///lps"] {
            assert!(parse_endpoint(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn french_messages_name_the_cause() {
        let fault = |code: &str| InsiError::Fault { code: code.into(), message: "x".into() };
        assert!(fault("desir_550").french_message().contains("numéro d'autorisation"));
        assert!(fault("DESIR_560").french_message().contains("INSI-AUTO ou INSI-MANU"));
        assert!(InsiError::Transport("t".into()).french_message().starts_with("Le téléservice INSi ne répond pas"));
    }
}
