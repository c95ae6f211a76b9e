//! A local INSi teleservice: mutual TLS requiring a certificate from the configured CA, the checks the
//! published WSDL/XSD (`wsdl/`) impose on `rechercherInsAvecTraitsIdentite` and
//! `rechercherInsAvecCarteVitale`, the access rules the real service applies (certificate CN, CNDA
//! authorisation number) and answers from the CNDA test identities.

pub mod identities;

use crate::xml::{self, Node};
use crate::{PeerError, cert};
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use identities::{CardQuery, TestIdentity, Traits};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::convert::Infallible;
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;

pub const SOAP12_NS: &str = "http://www.w3.org/2003/05/soap-envelope";
pub const SOAP11_NS: &str = "http://schemas.xmlsoap.org/soap/envelope/";
pub const WSA_NS: &str = "http://www.w3.org/2005/08/addressing";
pub const WSSE_NS: &str = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd";
pub const CTXBAM_NS: &str = "urn:siram:bam:ctxbam";
pub const CTXLPS_NS: &str = "urn:siram:lps:ctxlps";
pub const RECSANS_NS: &str = "http://www.cnamts.fr/INSiRecSans";
pub const RECVIT_NS: &str = "http://www.cnamts.fr/INSiRecVit";
pub const RESULTAT_NS: &str = "http://www.cnamts.fr/INSiResultat";
pub const ACTION_TRAITS: &str = "urn:ServiceIdentiteCertifiee:1.0.0:rechercherInsAvecTraitsIdentite";
pub const ACTION_VITALE: &str = "urn:ServiceIdentiteCertifiee:1.0.0:rechercherInsAvecCarteVitale";
/// The path of the real endpoint (`https://qualiflps-services-ps-tlsm.ameli.fr:443/lps`).
pub const PATH: &str = "/lps";
/// OID the CNDA test environment returns in its published answers (the production INS-NIR OID).
pub const FIXTURE_OID: &str = "1.2.250.1.213.1.4.8";
pub const NIA_OID: &str = "1.2.250.1.213.1.4.9";
/// Common names INSi grants access to (padoa/tlsi-ins README, DESIR_560 note).
pub const ALLOWED_CNS: [&str; 2] = ["INSI-AUTO", "INSI-MANU"];
/// Local code of the fault for a request the XSD or the service rules refuse: the real service's code
/// for that case is not published.
pub const INVALID_REQUEST_CODE: &str = "requete_invalide";

const MAX_REQUEST_BYTES: usize = 256 * 1024;

/// What the tests can read back: every request the peer answered.
pub type Received = Arc<Mutex<Vec<ReceivedCall>>>;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedCall {
    /// CN of the client certificate.
    pub client_cn: Option<String>,
    pub content_type: String,
    pub message_id: Option<String>,
    pub authorisation_number: Option<String>,
    /// The traits, when a `rechercherInsAvecTraitsIdentite` request could be read.
    pub traits: Option<Traits>,
    /// The card data, when a `rechercherInsAvecCarteVitale` request could be read.
    pub card: Option<CardQuery>,
    /// `00`, `01`, `02`, or the fault code answered.
    pub code: String,
    /// The request as received.
    pub body: String,
}

#[derive(Clone)]
pub struct PeerConfig {
    /// Server certificate chain and key (PEM).
    pub cert_pem: Vec<u8>,
    pub key_pem: Vec<u8>,
    /// CA(s) that client certificates must chain to (PEM).
    pub client_ca_pem: Vec<u8>,
    /// CNDA authorisation numbers accepted in `LPS/IDAM`; empty accepts any non-empty number.
    pub authorisation_numbers: Vec<String>,
    /// OID returned with NIR matricules; defaults to what the published CNDA answers carry.
    pub oid: String,
    pub received: Received,
}

impl std::fmt::Debug for PeerConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PeerConfig")
            .field("authorisation_numbers", &self.authorisation_numbers)
            .field("oid", &self.oid)
            .finish_non_exhaustive()
    }
}

impl PeerConfig {
    pub fn new(cert_pem: Vec<u8>, key_pem: Vec<u8>, client_ca_pem: Vec<u8>) -> Self {
        Self {
            cert_pem,
            key_pem,
            client_ca_pem,
            authorisation_numbers: Vec::new(),
            oid: FIXTURE_OID.to_string(),
            received: Received::default(),
        }
    }

    pub fn from_files(cert: &Path, key: &Path, client_ca: &Path) -> Result<Self, PeerError> {
        let read = |p: &Path| std::fs::read(p).map_err(|e| PeerError::Config(format!("{}: {e}", p.display())));
        Ok(Self::new(read(cert)?, read(key)?, read(client_ca)?))
    }

    /// The peer for a test PKI: server certificate for localhost, client CA of the PKI.
    pub fn from_pki(pki: &crate::Pki) -> Result<Self, PeerError> {
        Self::from_files(&pki.server_pem, &pki.server_key, &pki.ca_pem)
    }

    pub fn with_authorisation_number(mut self, number: impl Into<String>) -> Self {
        self.authorisation_numbers.push(number.into());
        self
    }
}

/// A running peer; dropping it stops it.
#[derive(Debug)]
pub struct InsiPeer {
    pub addr: SocketAddr,
    pub received: Received,
    task: JoinHandle<()>,
}

impl InsiPeer {
    /// `https://127.0.0.1:PORT/lps`.
    pub fn endpoint(&self) -> String {
        format!("https://{}{PATH}", self.addr)
    }

    pub fn calls(&self) -> Vec<ReceivedCall> {
        self.received.lock().map(|c| c.clone()).unwrap_or_default()
    }
}

impl Drop for InsiPeer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Starts a peer on 127.0.0.1 with a free port.
pub async fn start(config: PeerConfig) -> Result<InsiPeer, PeerError> {
    let received = config.received.clone();
    let (addr, task) = spawn(SocketAddr::from(([127, 0, 0, 1], 0)), config).await?;
    Ok(InsiPeer { addr, received, task })
}

fn server_tls(config: &PeerConfig) -> Result<rustls::ServerConfig, PeerError> {
    let tls_err = |what: &str, e: &dyn std::fmt::Display| PeerError::Tls(format!("{what}: {e}"));
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(&config.client_ca_pem) {
        roots.add(cert.map_err(|e| tls_err("client CA", &e))?).map_err(|e| tls_err("client CA", &e))?;
    }
    if roots.is_empty() {
        return Err(PeerError::Config("no client CA: INSi requires a client certificate".into()));
    }
    let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider.clone())
        .build()
        .map_err(|e| tls_err("client verifier", &e))?;
    let chain = CertificateDer::pem_slice_iter(&config.cert_pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| tls_err("server certificate", &e))?;
    let key = PrivateKeyDer::from_pem_slice(&config.key_pem).map_err(|e| tls_err("server key", &e))?;
    let mut tls = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| tls_err("versions", &e))?
        .with_client_cert_verifier(verifier)
        .with_single_cert(chain, key)
        .map_err(|e| tls_err("server certificate", &e))?;
    tls.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(tls)
}

struct Shared {
    authorisation_numbers: Vec<String>,
    oid: String,
    received: Received,
}

/// Listens on `listen` and serves until the returned task is aborted.
pub async fn spawn(listen: SocketAddr, config: PeerConfig) -> Result<(SocketAddr, JoinHandle<()>), PeerError> {
    let acceptor = TlsAcceptor::from(Arc::new(server_tls(&config)?));
    let listener = TcpListener::bind(listen).await?;
    let addr = listener.local_addr()?;
    let shared = Arc::new(Shared {
        authorisation_numbers: config.authorisation_numbers,
        oid: config.oid,
        received: config.received,
    });
    let task = tokio::spawn(async move {
        loop {
            let tcp = match listener.accept().await {
                Ok((tcp, _)) => tcp,
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            };
            let acceptor = acceptor.clone();
            let shared = shared.clone();
            tokio::spawn(async move {
                let tls = match tokio::time::timeout(Duration::from_secs(10), acceptor.accept(tcp)).await {
                    Ok(Ok(tls)) => tls,
                    Ok(Err(e)) => {
                        tracing::info!(error = %e, "TLS handshake refused");
                        return;
                    }
                    Err(_) => return,
                };
                let names = tls
                    .get_ref()
                    .1
                    .peer_certificates()
                    .and_then(|c| c.first())
                    .and_then(|c| cert::subject_common_names(c.as_ref()));
                // Several CNs are as good as none: INSi wants exactly one, equal to its expectation.
                let cn = match names.as_deref() {
                    Some([one]) => Some(one.clone()),
                    _ => None,
                };
                let service = service_fn(move |req| {
                    let shared = shared.clone();
                    let cn = cn.clone();
                    async move { Ok::<_, Infallible>(handle(req, cn, &shared).await) }
                });
                if let Err(e) = http1::Builder::new().serve_connection(TokioIo::new(tls), service).await {
                    tracing::debug!(error = %e, "connection ended with an error");
                }
            });
        }
    });
    Ok((addr, task))
}

fn plain(status: StatusCode, text: &'static str) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from_static(text.as_bytes())));
    *response.status_mut() = status;
    response
}

async fn handle(req: Request<Incoming>, cn: Option<String>, shared: &Shared) -> Response<Full<Bytes>> {
    if req.uri().path() != PATH {
        return plain(StatusCode::NOT_FOUND, "not found\n");
    }
    if req.method() != Method::POST {
        return plain(StatusCode::METHOD_NOT_ALLOWED, "POST only\n");
    }
    let content_type =
        req.headers().get(hyper::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    let body = match Limited::new(req.into_body(), MAX_REQUEST_BYTES).collect().await {
        Ok(body) => body.to_bytes(),
        Err(_) => return plain(StatusCode::PAYLOAD_TOO_LARGE, "request too large\n"),
    };
    let body = String::from_utf8_lossy(&body).into_owned();
    let answer = answer(&body, &content_type, cn.as_deref(), shared);
    tracing::info!(
        message_id = answer.message_id.as_deref().unwrap_or("-"),
        code = %answer.code,
        "INSi peer answered"
    );
    if let Ok(mut received) = shared.received.lock() {
        received.push(ReceivedCall {
            client_cn: cn,
            content_type,
            message_id: answer.message_id.clone(),
            authorisation_number: answer.authorisation_number.clone(),
            traits: answer.search.as_ref().and_then(Search::traits).cloned(),
            card: answer.search.as_ref().and_then(Search::card).cloned(),
            code: answer.code.clone(),
            body,
        });
    }
    let mut response = Response::new(Full::new(Bytes::from(answer.xml)));
    // Like the JAX-WS stack behind the real service: 200 for a CR, 500 for every fault.
    *response.status_mut() = if answer.fault { StatusCode::INTERNAL_SERVER_ERROR } else { StatusCode::OK };
    response.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("application/soap+xml; charset=utf-8"),
    );
    response
}

struct Answer {
    xml: String,
    code: String,
    fault: bool,
    message_id: Option<String>,
    authorisation_number: Option<String>,
    search: Option<Search>,
}

/// What is searched for, by operation.
enum Search {
    Traits(Traits),
    Card(CardQuery),
}

impl Search {
    fn traits(&self) -> Option<&Traits> {
        match self {
            Self::Traits(traits) => Some(traits),
            Self::Card(_) => None,
        }
    }

    fn card(&self) -> Option<&CardQuery> {
        match self {
            Self::Card(card) => Some(card),
            Self::Traits(_) => None,
        }
    }

    fn run(&self) -> Vec<&'static TestIdentity> {
        match self {
            Self::Traits(traits) => identities::search(traits),
            Self::Card(card) => identities::search_card(card),
        }
    }
}

/// What the request says, once it passed every check.
struct ReadRequest {
    message_id: String,
    authorisation_number: Option<String>,
    search: Search,
}

/// Why a request is refused before any search.
struct Invalid {
    /// SOAP 1.2 fault code: `Sender`, `VersionMismatch` or `MustUnderstand`.
    soap_code: &'static str,
    detail: String,
    message_id: Option<String>,
}

fn invalid(detail: impl Into<String>) -> Invalid {
    Invalid { soap_code: "Sender", detail: detail.into(), message_id: None }
}

/// The peer's decision for one request, with the order the real service is seen to apply: access
/// (certificate CN), then the message, then the software's authorisation, then the search.
fn answer(body: &str, content_type: &str, cn: Option<&str>, shared: &Shared) -> Answer {
    let fault = |code: &str, xml: String, message_id: Option<String>, idam: Option<String>, search| Answer {
        xml,
        code: code.to_string(),
        fault: true,
        message_id,
        authorisation_number: idam,
        search,
    };
    if !cn.is_some_and(|cn| ALLOWED_CNS.contains(&cn)) {
        let xml = fault_xml(
            "Sender",
            "siram_100",
            "Niveau d'accès insuffisant",
            "DESIR_560",
            "Vous ne disposez pas des droits suffisants pour accéder à ce service.",
            None,
        );
        return fault("DESIR_560", xml, None, None, None);
    }
    let request = match check_content_type(content_type).and_then(|action| read_request(body, action.as_deref())) {
        Ok(request) => request,
        Err(bad) => {
            let xml = fault_xml(
                bad.soap_code,
                "siram_100",
                "La requête n'est pas conforme au contrat du service.",
                INVALID_REQUEST_CODE,
                &bad.detail,
                bad.message_id.as_deref(),
            );
            return fault(INVALID_REQUEST_CODE, xml, bad.message_id, None, None);
        }
    };
    let idam_ok = request.authorisation_number.as_deref().is_some_and(|idam| {
        !idam.trim().is_empty()
            && (shared.authorisation_numbers.is_empty() || shared.authorisation_numbers.iter().any(|n| n == idam))
    });
    if !idam_ok {
        // As published in padoa/tlsi-ins `service-errors/siram_100-desir_500-fake-idam.fixtures.ts`.
        let xml = fault_xml(
            "Sender",
            "siram_100",
            "L'accès par ce progiciel au service n'est pas autorisé. Contactez l'éditeur du progiciel ou votre \
             responsable informatique.",
            "desir_550",
            "Numéro d'autorisation du logiciel inconnu.",
            Some(&request.message_id),
        );
        return fault("desir_550", xml, Some(request.message_id), request.authorisation_number, Some(request.search));
    }
    let (code, xml) = result_xml(&request.search.run(), &shared.oid);
    Answer {
        xml,
        code: code.to_string(),
        fault: false,
        message_id: Some(request.message_id),
        authorisation_number: request.authorisation_number,
        search: Some(request.search),
    }
}

/// The same `RESULTAT` for both operations, as the WSDL declares.
fn result_xml(found: &[&TestIdentity], oid: &str) -> (&'static str, String) {
    match found {
        [] => ("01", cr_xml("01", "Aucune identite trouvee", "")),
        [one] => ("00", cr_xml("00", "OK", &individu_xml(one, oid))),
        _ => ("02", cr_xml("02", "Plusieurs identites trouvees", "")),
    }
}

/// Checks the media type and charset; returns the `action` parameter, if any, for [`read_request`] to
/// compare with `wsa:Action`.
fn check_content_type(content_type: &str) -> Result<Option<String>, Invalid> {
    let mut parts = content_type.split(';').map(str::trim);
    let media = parts.next().unwrap_or_default().to_ascii_lowercase();
    if media == "text/xml" {
        return Err(Invalid {
            soap_code: "VersionMismatch",
            detail: "SOAP 1.1 (text/xml) : le service attend SOAP 1.2 (application/soap+xml)".into(),
            message_id: None,
        });
    }
    if media != "application/soap+xml" {
        return Err(invalid(format!("Content-Type « {media} » : application/soap+xml attendu")));
    }
    let mut action = None;
    for param in parts {
        let (name, value) = param.split_once('=').unwrap_or((param, ""));
        let value = value.trim().trim_matches('"');
        match name.trim().to_ascii_lowercase().as_str() {
            "action" if value != ACTION_TRAITS && value != ACTION_VITALE => {
                return Err(invalid(format!("action « {value} » inconnue du service")));
            }
            "action" => action = Some(value.to_string()),
            "charset" if !value.eq_ignore_ascii_case("utf-8") => {
                return Err(invalid(format!("charset « {value} » : UTF-8 attendu")));
            }
            _ => {}
        }
    }
    Ok(action)
}

/// Walks the children of an element in XSD sequence order.
struct Sequence<'a> {
    parent: &'a Node,
    pos: usize,
}

impl<'a> Sequence<'a> {
    fn new(parent: &'a Node) -> Self {
        Self { parent, pos: 0 }
    }

    fn optional(&mut self, ns: &str, name: &str) -> Option<&'a Node> {
        let node = self.parent.children.get(self.pos).filter(|n| n.is(ns, name))?;
        self.pos += 1;
        Some(node)
    }

    fn required(&mut self, ns: &str, name: &str) -> Result<&'a Node, Invalid> {
        self.optional(ns, name).ok_or_else(|| {
            let found = self.parent.children.get(self.pos).map(Node::qualified).unwrap_or_else(|| "rien".into());
            invalid(format!("{} : {{{ns}}}{name} attendu, trouvé {found}", self.parent.name))
        })
    }

    fn many(&mut self, ns: &str, name: &str) -> Vec<&'a Node> {
        std::iter::from_fn(|| self.optional(ns, name)).collect()
    }

    fn end(self) -> Result<(), Invalid> {
        match self.parent.children.get(self.pos) {
            None => Ok(()),
            Some(extra) => Err(invalid(format!("{} : élément inattendu {}", self.parent.name, extra.qualified()))),
        }
    }
}

/// A simple-content element: text only, no child element, no attribute but those allowed.
fn leaf<'a>(node: &'a Node, allowed_attrs: &[&str]) -> Result<&'a str, Invalid> {
    if let Some(child) = node.children.first() {
        return Err(invalid(format!("{} : contenu simple attendu, trouvé {}", node.name, child.qualified())));
    }
    if let Some((_, name, _)) =
        node.attrs.iter().find(|(ns, name, _)| !ns.is_empty() || !allowed_attrs.contains(&name.as_str()))
    {
        return Err(invalid(format!("{} : attribut inattendu {name}", node.name)));
    }
    Ok(node.text.trim())
}

fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10 && b.iter().enumerate().all(|(i, c)| if i == 4 || i == 7 { *c == b'-' } else { c.is_ascii_digit() })
}

/// `xsd:dateTime`: date, `T`, hh:mm:ss, optional fraction, optional zone.
fn is_date_time(s: &str) -> bool {
    let Some((date, time)) = s.split_once('T') else { return false };
    let b = time.as_bytes();
    if !is_date(date) || b.len() < 8 {
        return false;
    }
    let hms = b[..8].iter().enumerate().all(|(i, c)| if i == 2 || i == 5 { *c == b':' } else { c.is_ascii_digit() });
    let mut rest = &time[8..];
    if let Some(frac) = rest.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return false;
        }
        rest = &frac[digits..];
    }
    let zone_ok = match rest.as_bytes() {
        [] | [b'Z'] => true,
        [sign, h1, h2, b':', m1, m2] => {
            matches!(sign, b'+' | b'-') && [h1, h2, m1, m2].iter().all(|c| c.is_ascii_digit())
        }
        _ => false,
    };
    hms && zone_ok
}

fn check_attributes(node: &Node, version: &str, nature: &str) -> Result<(), Invalid> {
    match node.attr("", "Version") {
        Some(v) if v == version => {}
        Some(v) => return Err(invalid(format!("{} : Version « {v} », {version} attendu", node.name))),
        None => return Err(invalid(format!("{} : attribut Version obligatoire", node.name))),
    }
    if let Some(n) = node.attr("", "Nature").filter(|n| *n != nature) {
        return Err(invalid(format!("{} : Nature « {n} », {nature} attendu", node.name)));
    }
    Ok(())
}

fn check_time(node: &Node) -> Result<(), Invalid> {
    let text = leaf(node, &[])?;
    if is_date_time(text) { Ok(()) } else { Err(invalid(format!("{} : xsd:dateTime attendu", node.name))) }
}

/// `ctxbam:ContexteBAM` (ROOT_ctxbam_CTXBAM_V01_02.xsd).
fn check_bam(bam: &Node) -> Result<(), Invalid> {
    check_attributes(bam, "01_02", "CTXBAM")?;
    let mut seq = Sequence::new(bam);
    leaf(seq.required(CTXBAM_NS, "Id")?, &[])?;
    check_time(seq.required(CTXBAM_NS, "Temps")?)?;
    if let Some(emitter) = seq.optional(CTXBAM_NS, "Emetteur") {
        leaf(emitter, &[])?;
    }
    if let Some(date) = seq.optional(CTXBAM_NS, "DateRef") {
        check_time(date)?;
    }
    let coverage = seq.required(CTXBAM_NS, "COUVERTURE")?;
    seq.end()?;
    let mut seq = Sequence::new(coverage);
    for name in ["GrandRegime", "Organisme", "CodeCentre"] {
        if let Some(node) = seq.optional(CTXBAM_NS, name) {
            leaf(node, &[])?;
        }
    }
    seq.optional(CTXBAM_NS, "ASSURE");
    seq.optional(CTXBAM_NS, "BENEFICIAIRE");
    seq.end()
}

/// `ctxlps:ContexteLPS` (ROOT_ctxlps_CTXLPS_V01_00.xsd); returns `LPS/IDAM`.
fn check_lps(lps: &Node) -> Result<Option<String>, Invalid> {
    check_attributes(lps, "01_00", "CTXLPS")?;
    let mut seq = Sequence::new(lps);
    leaf(seq.required(CTXLPS_NS, "Id")?, &[])?;
    check_time(seq.required(CTXLPS_NS, "Temps")?)?;
    if let Some(emitter) = seq.optional(CTXLPS_NS, "Emetteur") {
        leaf(emitter, &[])?;
    }
    let software = seq.optional(CTXLPS_NS, "LPS");
    seq.end()?;
    let Some(software) = software else { return Ok(None) };
    let mut seq = Sequence::new(software);
    let idam = match seq.optional(CTXLPS_NS, "IDAM") {
        Some(node) => Some(leaf(node, &["R"])?.to_string()),
        None => None,
    };
    for name in ["Version", "Instance", "Nom"] {
        if let Some(node) = seq.optional(CTXLPS_NS, name) {
            leaf(node, &[])?;
        }
    }
    seq.end()?;
    Ok(idam)
}

fn must_understand(node: &Node) -> bool {
    matches!(node.attr(SOAP12_NS, "mustUnderstand"), Some("true" | "1"))
}

/// `content_action`: the `action` parameter of the Content-Type, which SOAP 1.2 wants equal to
/// `wsa:Action` when both are given.
fn read_request(body: &str, content_action: Option<&str>) -> Result<ReadRequest, Invalid> {
    let envelope = xml::parse(body).map_err(|e| invalid(format!("XML illisible : {e}")))?;
    if envelope.is(SOAP11_NS, "Envelope") {
        return Err(Invalid {
            soap_code: "VersionMismatch",
            detail: "enveloppe SOAP 1.1 : le service attend SOAP 1.2".into(),
            message_id: None,
        });
    }
    if !envelope.is(SOAP12_NS, "Envelope") {
        return Err(invalid(format!("enveloppe SOAP 1.2 attendue, trouvé {}", envelope.qualified())));
    }
    let mut seq = Sequence::new(&envelope);
    let header = seq.required(SOAP12_NS, "Header")?;
    let body = seq.required(SOAP12_NS, "Body")?;
    seq.end()?;

    let mut bam = None;
    let mut lps = None;
    let mut action = None;
    let mut message_id = None;
    for block in &header.children {
        let slot = match (block.ns.as_str(), block.name.as_str()) {
            (CTXBAM_NS, "ContexteBAM") => &mut bam,
            (CTXLPS_NS, "ContexteLPS") => &mut lps,
            (WSA_NS, "Action") => &mut action,
            (WSA_NS, "MessageID") => &mut message_id,
            // Mutual-TLS mode sends no assertion; other WS-Addressing headers are harmless.
            (WSSE_NS, "Security") | (WSA_NS, _) => continue,
            ("", _) => return Err(invalid(format!("bloc d'en-tête {} sans espace de noms", block.name))),
            _ if must_understand(block) => {
                return Err(Invalid {
                    soap_code: "MustUnderstand",
                    detail: format!("bloc d'en-tête {} non compris", block.qualified()),
                    message_id: None,
                });
            }
            _ => continue,
        };
        if slot.replace(block).is_some() {
            return Err(invalid(format!("bloc d'en-tête {} en double", block.name)));
        }
    }
    let message_id = match message_id {
        Some(node) => {
            let id = leaf(node, &[])?;
            if id.is_empty() || id.contains(char::is_whitespace) {
                return Err(invalid("wsa:MessageID : URI attendue"));
            }
            id.to_string()
        }
        None => return Err(invalid("en-tête wsa:MessageID obligatoire")),
    };
    let with_id = |mut bad: Invalid| {
        bad.message_id = Some(message_id.clone());
        bad
    };
    let action = match action.map(|a| leaf(a, &[])) {
        Some(Ok(action @ (ACTION_TRAITS | ACTION_VITALE))) => action,
        Some(Ok(other)) => return Err(with_id(invalid(format!("wsa:Action « {other} » inconnue du service")))),
        Some(Err(e)) => return Err(with_id(e)),
        None => return Err(with_id(invalid("en-tête wsa:Action obligatoire"))),
    };
    if let Some(content_action) = content_action.filter(|a| *a != action) {
        return Err(with_id(invalid(format!(
            "action « {content_action} » du Content-Type différente de wsa:Action « {action} »"
        ))));
    }
    check_bam(bam.ok_or_else(|| with_id(invalid("en-tête ctxbam:ContexteBAM obligatoire")))?).map_err(with_id)?;
    let authorisation_number =
        check_lps(lps.ok_or_else(|| with_id(invalid("en-tête ctxlps:ContexteLPS obligatoire")))?).map_err(with_id)?;
    let search = if action == ACTION_VITALE {
        Search::Card(read_card(body).map_err(with_id)?)
    } else {
        Search::Traits(read_traits(body).map_err(with_id)?)
    };
    Ok(ReadRequest { message_id, authorisation_number, search })
}

/// The one element of the SOAP body, which must be the one of the operation `wsa:Action` announced.
fn operation<'a>(body: &'a Node, ns: &str, name: &str) -> Result<&'a Node, Invalid> {
    let operation = match body.children.as_slice() {
        [one] => one,
        [] => return Err(invalid("corps SOAP vide")),
        _ => return Err(invalid("le corps SOAP doit contenir un seul élément")),
    };
    let other = if name == "RECVITALE" {
        (RECSANS_NS, "RECSANSVITALE", "rechercherInsAvecTraitsIdentite")
    } else {
        (RECVIT_NS, "RECVITALE", "rechercherInsAvecCarteVitale")
    };
    if operation.is(other.0, other.1) {
        return Err(invalid(format!("{} n'est pas l'opération annoncée par wsa:Action", other.2)));
    }
    if !operation.is(ns, name) {
        return Err(invalid(format!("élément {} inconnu : {name} attendu", operation.qualified())));
    }
    Ok(operation)
}

/// `RECSANSVITALE` (INSi_RECSANS_INS.xsd), with the patterns of INSi_RESULTAT_INS.xsd and the traits
/// the search needs.
fn read_traits(body: &Node) -> Result<Traits, Invalid> {
    let operation = operation(body, RECSANS_NS, "RECSANSVITALE")?;
    let mut seq = Sequence::new(operation);
    let birth_name = seq.optional(RECSANS_NS, "NomNaissance");
    let first_names = seq.many(RECSANS_NS, "Prenom");
    let sex = seq.optional(RECSANS_NS, "Sexe");
    let birth_date = seq.optional(RECSANS_NS, "DateNaissance");
    let birthplace = seq.optional(RECSANS_NS, "LieuNaissance");
    seq.end()?;

    let birth_name = leaf(birth_name.ok_or_else(|| invalid("NomNaissance obligatoire"))?, &[])?;
    if birth_name.is_empty() {
        return Err(invalid("NomNaissance vide"));
    }
    let mut names = Vec::new();
    for node in first_names {
        let text = leaf(node, &[])?;
        if text.is_empty() {
            return Err(invalid("Prenom vide"));
        }
        names.extend(text.split_whitespace().map(str::to_string));
    }
    if names.is_empty() {
        return Err(invalid("au moins un Prenom obligatoire"));
    }
    let sex = leaf(sex.ok_or_else(|| invalid("Sexe obligatoire"))?, &[])?;
    // CodSexe `[A-Z]{1}`; the search knows M and F only.
    if !matches!(sex, "M" | "F") {
        return Err(invalid(format!("Sexe « {sex} » : M ou F attendu")));
    }
    let birth_date = leaf(birth_date.ok_or_else(|| invalid("DateNaissance obligatoire"))?, &[])?;
    if !is_date(birth_date) {
        return Err(invalid(format!("DateNaissance « {birth_date} » : AAAA-MM-JJ attendu")));
    }
    let birthplace = match birthplace {
        Some(node) => {
            let cog = leaf(node, &[])?;
            if cog.len() != 5 || !cog.bytes().all(|b| b.is_ascii_alphanumeric()) {
                return Err(invalid(format!("LieuNaissance « {cog} » : code COG de 5 caractères attendu")));
            }
            Some(cog.to_string())
        }
        None => None,
    };
    Ok(Traits {
        birth_name: birth_name.to_string(),
        first_names: names,
        sex: sex.to_string(),
        birth_date: birth_date.to_string(),
        birthplace,
    })
}

/// A `Matricule` of INSi_RECVITALE_INS.xsd (`NumIdentifiant`, `Cle`, `TypeMatricule`, all optional
/// there); the search needs the number and its key, checked against the patterns of
/// INSi_RESULTAT_INS.xsd (NIR `\d{6}[A-Za-z0-9]{1}(\d{6})`, CLE `[0-9]{2}`). Returns the number
/// followed by its key.
fn read_matricule(node: &Node) -> Result<String, Invalid> {
    if !node.attrs.is_empty() {
        return Err(invalid(format!("{} : attribut inattendu", node.name)));
    }
    let mut seq = Sequence::new(node);
    let number = seq.optional(RECVIT_NS, "NumIdentifiant");
    let key = seq.optional(RECVIT_NS, "Cle");
    if let Some(kind) = seq.optional(RECVIT_NS, "TypeMatricule") {
        // Its values are not published: any text is taken.
        leaf(kind, &[])?;
    }
    seq.end()?;
    let number = leaf(number.ok_or_else(|| invalid(format!("{} : NumIdentifiant obligatoire", node.name)))?, &[])?;
    let b = number.as_bytes();
    let nir_ok = b.len() == 13
        && b.iter().enumerate().all(|(i, c)| if i == 6 { c.is_ascii_alphanumeric() } else { c.is_ascii_digit() });
    if !nir_ok {
        return Err(invalid(format!("{} : NumIdentifiant « {number} » hors du format NIR", node.name)));
    }
    let key = leaf(key.ok_or_else(|| invalid(format!("{} : Cle obligatoire", node.name)))?, &[])?;
    if key.len() != 2 || !key.bytes().all(|c| c.is_ascii_digit()) {
        return Err(invalid(format!("{} : Cle « {key} » : 2 chiffres attendus", node.name)));
    }
    Ok(format!("{number}{key}"))
}

/// `RECVITALE` (INSi_RECVITALE_INS.xsd, type `Beneficiaire`: every element optional), with the patterns
/// of INSi_RESULTAT_INS.xsd and what the search needs: the holder's NIR and the birth date. The rank,
/// `xsd:string` in the XSD, is the card's one digit 1–9 (`Rang`, `xsd:integer` in ContexteBAM).
fn read_card(body: &Node) -> Result<CardQuery, Invalid> {
    let operation = operation(body, RECVIT_NS, "RECVITALE")?;
    let mut seq = Sequence::new(operation);
    let beneficiary = seq.optional(RECVIT_NS, "MatriculeIndividu");
    let holder = seq.optional(RECVIT_NS, "MatriculeOD");
    let birth_name = seq.optional(RECVIT_NS, "NomNaissance");
    let birth_date = seq.optional(RECVIT_NS, "DateNaissance");
    let rank = seq.optional(RECVIT_NS, "RangNaissance");
    seq.end()?;

    let beneficiary_nir = beneficiary.map(read_matricule).transpose()?;
    let holder_nir = read_matricule(holder.ok_or_else(|| invalid("MatriculeOD obligatoire"))?)?;
    let birth_name = match birth_name {
        Some(node) => match leaf(node, &[])? {
            "" => return Err(invalid("NomNaissance vide")),
            name => Some(name.to_string()),
        },
        None => None,
    };
    let birth_date = leaf(birth_date.ok_or_else(|| invalid("DateNaissance obligatoire"))?, &[])?;
    if !is_date(birth_date) {
        return Err(invalid(format!("DateNaissance « {birth_date} » : AAAA-MM-JJ attendu")));
    }
    let rank = match rank {
        Some(node) => match leaf(node, &[])?.as_bytes() {
            [digit @ b'1'..=b'9'] => Some(digit - b'0'),
            _ => return Err(invalid("RangNaissance : un chiffre de 1 à 9 attendu")),
        },
        None => None,
    };
    Ok(CardQuery { holder_nir, beneficiary_nir, birth_name, birth_date: birth_date.to_string(), rank })
}

fn esc(text: &str) -> std::borrow::Cow<'_, str> {
    quick_xml::escape::escape(text)
}

/// The envelope of a `RESULTAT`, with the prefixes and namespace declarations of the published answers.
fn cr_xml(code: &str, label: &str, individu: &str) -> String {
    format!(
        concat!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n",
            r#"<soap:Envelope xmlns:soap="{soap}"><S:Body xmlns:S="{soap}">"#,
            r#"<RESULTAT xmlns:ns3="{recvit}" xmlns:ns2="{recsans}" xmlns="{resultat}">"#,
            "<CR><CodeCR>{code}</CodeCR><LibelleCR>{label}</LibelleCR></CR>{individu}</RESULTAT></S:Body></soap:Envelope>"
        ),
        soap = SOAP12_NS,
        recvit = RECVIT_NS,
        recsans = RECSANS_NS,
        resultat = RESULTAT_NS,
        code = code,
        label = label,
        individu = individu,
    )
}

fn ins_xml(out: &mut String, tag: &str, m: identities::Matricule, oid: &str, start: Option<&str>, end: Option<&str>) {
    let _ = write!(
        out,
        "<{tag}><IdIndividu><NumIdentifiant>{}</NumIdentifiant><Cle>{}</Cle></IdIndividu><OID>{oid}</OID>",
        m.number, m.key
    );
    if let Some(start) = start {
        let _ = write!(out, "<DateDeb>{start}</DateDeb>");
    }
    if let Some(end) = end {
        let _ = write!(out, "<DateFin>{end}</DateFin>");
    }
    let _ = write!(out, "</{tag}>");
}

fn individu_xml(identity: &TestIdentity, nir_oid: &str) -> String {
    let oid = if identity.nia { NIA_OID } else { nir_oid };
    let mut out = String::from("<INDIVIDU>");
    ins_xml(&mut out, "INSACTIF", identity.active, oid, None, None);
    for old in identity.history {
        ins_xml(&mut out, "INSHISTO", old.matricule, oid, old.start, old.end);
    }
    let _ = write!(out, "<TIQ><NomNaissance>{}</NomNaissance>", esc(identity.birth_name));
    if identity.with_prenom
        && let Some(first) = identity.first_names.first()
    {
        let _ = write!(out, "<Prenom>{}</Prenom>", esc(first));
    }
    let _ = write!(
        out,
        "<ListePrenom>{}</ListePrenom><Sexe>{}</Sexe><DateNaissance>{}</DateNaissance>\
         <LieuNaissance>{}</LieuNaissance></TIQ></INDIVIDU>",
        esc(&identity.first_names.join(" ")),
        identity.sex,
        identity.birth_date,
        identity.birthplace
    );
    out
}

/// A SOAP 1.2 fault shaped like the published `desir_550` answer.
fn fault_xml(soap_code: &str, subcode: &str, reason: &str, code: &str, text: &str, message_id: Option<&str>) -> String {
    let message_id = message_id.map(|id| format!(r#" messageID="{}""#, esc(id))).unwrap_or_default();
    format!(
        concat!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n",
            r#"<soap:Envelope xmlns:soap="{soap}"><env:Body xmlns:env="{soap}"><soap:Fault>"#,
            "<soap:Code><soap:Value>soap:{soap_code}</soap:Value>",
            "<soap:Subcode><soap:Value>soap:{subcode}</soap:Value></soap:Subcode></soap:Code>",
            r#"<soap:Reason><soap:Text xml:lang="fr">{reason}</soap:Text></soap:Reason>"#,
            r#"<soap:Detail><siram:Erreur code="{code}"{message_id} severite="erreur" xmlns:siram="urn:siram">"#,
            "{text}</siram:Erreur></soap:Detail></soap:Fault></env:Body></soap:Envelope>"
        ),
        soap = SOAP12_NS,
        soap_code = soap_code,
        subcode = subcode,
        reason = esc(reason),
        code = esc(code),
        message_id = message_id,
        text = esc(text),
    )
}

/// What an answer looks like for a given set of traits, without TLS: for tests of the matching rules
/// and for the XSD oracle on the peer's own answers.
pub fn answer_for(traits: &Traits, oid: &str) -> String {
    result_xml(&identities::search(traits), oid).1
}

/// [`answer_for`] for a Vitale-card search.
pub fn answer_for_card(card: &CardQuery, oid: &str) -> String {
    result_xml(&identities::search_card(card), oid).1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_time_shapes() {
        for ok in
            ["2020-01-01T00:00:00Z", "2020-01-01T00:00:00.000Z", "2020-01-01T10:11:12+01:00", "2020-01-01T10:11:12"]
        {
            assert!(is_date_time(ok), "{ok}");
        }
        for bad in ["2020-01-01", "2020-01-01T10:11", "2020-01-01T10:11:12.Z", "2020-01-01 10:11:12Z", "x"] {
            assert!(!is_date_time(bad), "{bad}");
        }
    }

    #[test]
    fn content_type_rules() {
        for action in [ACTION_TRAITS, ACTION_VITALE] {
            let content_type = format!("application/soap+xml; charset=utf-8; action=\"{action}\"");
            assert_eq!(check_content_type(&content_type).ok().flatten().as_deref(), Some(action));
        }
        assert!(matches!(check_content_type("application/soap+xml"), Ok(None)));
        assert_eq!(check_content_type("text/xml; charset=utf-8").err().map(|e| e.soap_code), Some("VersionMismatch"));
        assert!(check_content_type("application/soap+xml; action=\"urn:other\"").is_err());
        assert!(check_content_type("application/json").is_err());
    }
}
