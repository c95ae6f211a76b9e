//! The real INSi client against the local INSi peer, over real mutual TLS on 127.0.0.1.

use relais_domain::identity::Sex;
use relais_domain::ins::InsAuthority;
use relais_interop::insi::{
    ACTION_TRAITS, ACTION_VITALE, CONTENT_TYPE, CONTENT_TYPE_VITALE, CallTraits, InsiClient, InsiConfig, InsiError,
    InsiOutcome, InsiResult, TraitsQuery, VitaleQuery, parse_response, request_xml, vitale_request_xml,
};
use relais_testpeers::insi::identities::{IDENTITIES, TestIdentity, card_query, cnda_count};
use relais_testpeers::insi::{INVALID_REQUEST_CODE, InsiPeer, PeerConfig, start};
use relais_testpeers::{Pki, test_pki};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use std::path::Path;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

const IDAM: &str = "RELAIS-TEST-0001";

fn pki() -> &'static Pki {
    static PKI: OnceLock<(tempfile::TempDir, Pki)> = OnceLock::new();
    &PKI.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temp dir");
        let pki = test_pki(dir.path()).expect("test PKI");
        (dir, pki)
    })
    .1
}

async fn peer() -> InsiPeer {
    let config = PeerConfig::from_pki(pki()).expect("peer config").with_authorisation_number(IDAM);
    start(config).await.expect("peer starts")
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn config(peer: &InsiPeer, cert: &Path, key: &Path) -> InsiConfig {
    InsiConfig {
        endpoint: peer.endpoint(),
        client_cert_pem: read(cert),
        client_key_pem: read(key),
        server_ca_pem: read(&pki().ca_pem),
        authorisation_number: IDAM.into(),
        software_name: "Relais".into(),
        software_version: "0.1.0".into(),
        instance: uuid::Uuid::from_u128(0x1234),
        emitter: "FINESS-000000000".into(),
        timeout: Duration::from_secs(10),
    }
}

fn client(peer: &InsiPeer) -> InsiClient {
    InsiClient::new(config(peer, &pki().insi_auto_pem, &pki().insi_auto_key)).expect("client")
}

fn query(name: &str, first_names: &[&str], sex: Sex, date: &str, place: Option<&str>) -> TraitsQuery {
    TraitsQuery {
        birth_name: name.into(),
        first_names: first_names.iter().map(|s| s.to_string()).collect(),
        sex,
        birth_date: date.into(),
        birthplace: place.map(str::to_string),
    }
}

fn query_for(identity: &TestIdentity) -> TraitsQuery {
    let sex = if identity.sex == "M" { Sex::Male } else { Sex::Female };
    query(identity.birth_name, identity.first_names, sex, identity.birth_date, None)
}

fn codes(outcome: &InsiOutcome) -> Vec<(&str, &str, bool)> {
    outcome.calls.iter().map(|c| (c.first_names_sent.as_str(), c.code.as_str(), c.birthplace_sent)).collect()
}

#[tokio::test]
async fn every_cnda_identity_is_found_with_its_checked_ins() {
    let peer = peer().await;
    let client = client(&peer);
    let mut found = 0;
    for identity in IDENTITIES.iter().filter(|i| i.source.starts_with("CNDA")) {
        let outcome = client.search_by_traits(&query_for(identity)).await.expect(identity.birth_name);
        let InsiResult::Found(got) = &outcome.result else {
            panic!("{} {:?}: {:?}", identity.birth_name, identity.first_names, outcome.result);
        };
        assert_eq!(got.ins.matricule.as_str(), format!("{}{}", identity.active.number, identity.active.key));
        let expected_authority = if identity.nia { InsAuthority::Nia } else { InsAuthority::Nir };
        assert_eq!(got.ins.authority, expected_authority, "{}", identity.birth_name);
        assert_eq!(got.history.len(), identity.history.len());
        assert_eq!(got.birth_name, identity.birth_name);
        assert_eq!(got.first_names, identity.first_names);
        assert_eq!(got.birth_date, identity.birth_date);
        assert_eq!(got.birthplace.as_deref(), Some(identity.birthplace));
        // The first first name alone is enough for every published identity.
        assert_eq!(codes(&outcome), [(identity.first_names[0], "00", false)]);
        found += 1;
    }
    assert_eq!(found, cnda_count());
    println!("CNDA test identities found with CR 00 through the real client and TLS: {found}");
}

#[tokio::test]
async fn corsica_2a_and_2b() {
    let peer = peer().await;
    let client = client(&peer);
    for (name, first, sex, date, place, ins) in [
        ("ADRTROIS", "DOMINIQUE", Sex::Female, "1997-02-26", "2A020", "297022A02077878"),
        ("ADRTROIS", "TOUSSAINT", Sex::Male, "1960-01-01", "2B020", "160012B02077713"),
        ("CORSE", "ANTHONY", Sex::Male, "1980-03-02", "2B020", "180032B02040123"),
    ] {
        let outcome = client.search_by_traits(&query(name, &[first], sex, date, Some(place))).await.expect(name);
        let InsiResult::Found(got) = outcome.result else { panic!("{name}: {:?}", outcome.result) };
        assert_eq!(got.ins.matricule.as_str(), ins);
        assert_eq!(got.birthplace.as_deref(), Some(place));
    }
}

#[tokio::test]
async fn history_of_ecetinsi() {
    let peer = peer().await;
    let outcome = client(&peer)
        .search_by_traits(&query("ECETINSI", &["PIERRE-ALAIN", "MURIEL", "FLORIANT"], Sex::Male, "2009-07-14", None))
        .await
        .expect("search");
    let InsiResult::Found(got) = outcome.result else { panic!("{:?}", outcome.result) };
    let history: Vec<&str> = got.history.iter().map(|i| i.matricule.as_str()).collect();
    assert_eq!(history, ["209076322083439", "209066322012355"]);
    assert_eq!(got.ins.matricule.as_str(), "109076322083489");
}

#[tokio::test]
async fn tchitchi_with_ola_is_cr01_then_catarina_is_found() {
    let peer = peer().await;
    let client = client(&peer);
    let ola = client.search_by_traits(&query("TCHITCHI", &["OLA"], Sex::Female, "1936-06-21", None)).await.unwrap();
    assert_eq!(ola.result, InsiResult::NotFound);
    assert_eq!(codes(&ola), [("OLA", "01", false)]);
    assert_eq!(ola.calls[0].label, "Aucune identite trouvee");

    // The published CNDA flow: OLA (01), then CATARINA (00).
    let flow = client
        .search_by_traits(&query("TCHITCHI", &["OLA", "CATARINA"], Sex::Female, "1936-06-21", None))
        .await
        .unwrap();
    assert!(matches!(flow.result, InsiResult::Found(_)));
    assert_eq!(codes(&flow), [("OLA", "01", false), ("CATARINA", "00", false)]);

    // Unknown people: every first name, then the list, all CR 01 (HOUILLES, CNDA).
    let houilles = client
        .search_by_traits(&query("HOUILLES", &["PIERRE", "PAUL", "JACQUES"], Sex::Male, "1993-01-27", None))
        .await
        .unwrap();
    assert_eq!(houilles.result, InsiResult::NotFound);
    assert_eq!(
        codes(&houilles),
        [
            ("PIERRE", "01", false),
            ("PAUL", "01", false),
            ("JACQUES", "01", false),
            ("PIERRE PAUL JACQUES", "01", false)
        ]
    );
}

#[tokio::test]
async fn cr02_is_resolved_by_the_other_first_names() {
    let peer = peer().await;
    let outcome = client(&peer)
        .search_by_traits(&query("HOMONYME", &["MARIE", "CLAIRE"], Sex::Female, "1990-05-15", None))
        .await
        .unwrap();
    assert_eq!(codes(&outcome), [("MARIE", "02", false), ("MARIE CLAIRE", "00", false)]);
    assert_eq!(outcome.calls[0].label, "Plusieurs identites trouvees");
    let InsiResult::Found(got) = outcome.result else { panic!("{:?}", outcome.result) };
    assert_eq!(got.ins.matricule.as_str(), "290056322010169");
}

#[tokio::test]
async fn cr02_is_resolved_by_the_birthplace_or_stays_several() {
    let peer = peer().await;
    let client = client(&peer);
    let outcome =
        client.search_by_traits(&query("JUMEAU", &["JEAN"], Sex::Male, "2000-01-01", Some("33063"))).await.unwrap();
    // "JEAN" alone is also the full list: it is not sent twice.
    assert_eq!(codes(&outcome), [("JEAN", "02", false), ("JEAN", "00", true)]);
    let InsiResult::Found(got) = outcome.result else { panic!("{:?}", outcome.result) };
    assert_eq!(got.ins.matricule.as_str(), "100013306320287");

    let without_place =
        client.search_by_traits(&query("JUMEAU", &["JEAN"], Sex::Male, "2000-01-01", None)).await.unwrap();
    assert_eq!(without_place.result, InsiResult::Several);
    assert_eq!(codes(&without_place), [("JEAN", "02", false)]);
}

#[tokio::test]
async fn the_peer_saw_what_the_client_sent() {
    let peer = peer().await;
    let outcome = client(&peer)
        .search_by_traits(&query("ADRUN", &["ZOE"], Sex::Female, "1975-12-31", Some("63220")))
        .await
        .unwrap();
    let calls = peer.calls();
    assert_eq!(calls.len(), 1);
    let seen = &calls[0];
    assert_eq!(seen.client_cn.as_deref(), Some("INSI-AUTO"));
    assert_eq!(seen.authorisation_number.as_deref(), Some(IDAM));
    assert_eq!(seen.message_id.as_deref(), Some(outcome.calls[0].message_id.as_str()));
    assert!(seen.content_type.contains(ACTION_TRAITS));
    let traits = seen.traits.as_ref().expect("traits read");
    assert_eq!(traits.first_names, ["ZOE"]);
    // The strategy sends the birthplace only to resolve a CR 02.
    assert_eq!(traits.birthplace, None);
    assert_eq!(seen.code, "00");
}

#[tokio::test]
async fn a_certificate_that_is_not_insi_gets_desir_560() {
    let peer = peer().await;
    let client = InsiClient::new(config(&peer, &pki().wrong_cn_pem, &pki().wrong_cn_key)).unwrap();
    let err = client.search_by_traits(&query("ADRUN", &["ZOE"], Sex::Female, "1975-12-31", None)).await.unwrap_err();
    let InsiError::Fault { code, .. } = &err else { panic!("{err:?}") };
    assert_eq!(code, "DESIR_560");
    assert_eq!(
        err.french_message(),
        "Niveau d'accès insuffisant : le certificat de l'établissement n'est pas un certificat INSi \
         (CN INSI-AUTO ou INSI-MANU attendu)."
    );
    assert_eq!(peer.calls()[0].client_cn.as_deref(), Some("RELAIS-WRONG"));
}

#[tokio::test]
async fn an_unknown_authorisation_number_gets_desir_550() {
    let peer = peer().await;
    let mut cfg = config(&peer, &pki().insi_auto_pem, &pki().insi_auto_key);
    cfg.authorisation_number = "NOT-AUTHORISED".into();
    let err = InsiClient::new(cfg)
        .unwrap()
        .search_by_traits(&query("ADRUN", &["ZOE"], Sex::Female, "1975-12-31", None))
        .await
        .unwrap_err();
    assert_eq!(
        err,
        InsiError::Fault { code: "desir_550".into(), message: "Numéro d'autorisation du logiciel inconnu.".into() }
    );
    assert!(err.french_message().starts_with("Le numéro d'autorisation du logiciel n'est pas reconnu"));
}

/// A TLS client with the test CA and no certificate, speaking HTTP/1.1 by hand: what no INSi client
/// should be, so the peer must refuse it.
async fn post_without_certificate(peer: &InsiPeer, body: String) -> Result<u16, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(&read(&pki().ca_pem)) {
        roots.add(cert.unwrap()).unwrap();
    }
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let tcp = tokio::net::TcpStream::connect(peer.addr).await.map_err(|e| e.to_string())?;
    let name = ServerName::try_from("localhost").unwrap();
    let stream = tokio_rustls::TlsConnector::from(Arc::new(tls)).connect(name, tcp).await.map_err(|e| e.to_string())?;
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream)).await.map_err(|e| e.to_string())?;
    let driver = tokio::spawn(connection);
    let request = hyper::Request::post("/lps")
        .header("host", "localhost")
        .header("content-type", CONTENT_TYPE)
        .body(http_body_util::Full::new(bytes::Bytes::from(body)))
        .unwrap();
    let status = sender.send_request(request).await.map(|r| r.status().as_u16()).map_err(|e| format!("{e:?}"));
    driver.abort();
    status
}

#[tokio::test]
async fn no_client_certificate_no_connection() {
    let peer = peer().await;
    let traits = CallTraits {
        birth_name: "ADRUN".into(),
        first_names: "ZOE".into(),
        sex: Sex::Female,
        birth_date: "1975-12-31".into(),
        birthplace: None,
    };
    let cfg = config(&peer, &pki().insi_auto_pem, &pki().insi_auto_key);
    let body = request_xml(&cfg, &traits, uuid::Uuid::new_v4(), jiff::Timestamp::now());
    let sent = post_without_certificate(&peer, body).await;
    let refusal = sent.expect_err("the peer answered a client without certificate");
    assert!(refusal.contains("CertificateRequired"), "{refusal}");

    // A certificate of the right CA but for servers (no clientAuth usage) is refused at the handshake too.
    let client = InsiClient::new(config(&peer, &pki().server_pem, &pki().server_key)).unwrap();
    let err = client.search_by_traits(&query("ADRUN", &["ZOE"], Sex::Female, "1975-12-31", None)).await.unwrap_err();
    assert!(matches!(err, InsiError::Transport(_)), "{err:?}");
    eprintln!("server certificate used as a client one: {err}");
    assert!(err.french_message().starts_with("Le téléservice INSi ne répond pas"));
    assert!(peer.calls().is_empty());
}

#[tokio::test]
async fn nothing_listening_is_a_transport_error() {
    let peer = peer().await;
    let mut cfg = config(&peer, &pki().insi_auto_pem, &pki().insi_auto_key);
    drop(peer);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    cfg.endpoint = format!("https://{}/lps", listener.local_addr().unwrap());
    drop(listener);
    let err = InsiClient::new(cfg)
        .unwrap()
        .search_by_traits(&query("ADRUN", &["ZOE"], Sex::Female, "1975-12-31", None))
        .await
        .unwrap_err();
    assert!(matches!(err, InsiError::Transport(_)), "{err:?}");
}

/// A configuration to build requests with, never to connect.
fn offline_config() -> InsiConfig {
    InsiConfig {
        endpoint: "https://127.0.0.1/lps".into(),
        client_cert_pem: Vec::new(),
        client_key_pem: Vec::new(),
        server_ca_pem: Vec::new(),
        authorisation_number: IDAM.into(),
        software_name: "Relais".into(),
        software_version: "0.1.0".into(),
        instance: uuid::Uuid::from_u128(1),
        emitter: "FINESS-000000000".into(),
        timeout: Duration::from_secs(1),
    }
}

/// A valid request, as the client builds it, to be broken in one way at a time.
fn valid_request() -> String {
    let cfg = offline_config();
    let traits = CallTraits {
        birth_name: "ADRUN".into(),
        first_names: "ZOE".into(),
        sex: Sex::Female,
        birth_date: "1975-12-31".into(),
        birthplace: Some("63220".into()),
    };
    request_xml(&cfg, &traits, uuid::Uuid::new_v4(), jiff::Timestamp::now())
}

fn cut(xml: &str, open: &str, close: &str) -> String {
    let start = xml.find(open).unwrap_or_else(|| panic!("{open} not in request"));
    let end = xml.find(close).unwrap_or_else(|| panic!("{close} not in request")) + close.len();
    format!("{}{}", &xml[..start], &xml[end..])
}

#[tokio::test]
async fn invalid_requests_get_a_sender_fault_never_a_cr() {
    let peer = peer().await;
    let http = client(&peer);
    let valid = valid_request();
    let cases: Vec<(&str, String, &str)> = vec![
        ("lower-case sex", valid.replace("<insi:Sexe>F</insi:Sexe>", "<insi:Sexe>f</insi:Sexe>"), CONTENT_TYPE),
        ("sex I", valid.replace("<insi:Sexe>F</insi:Sexe>", "<insi:Sexe>I</insi:Sexe>"), CONTENT_TYPE),
        ("French date", valid.replace("1975-12-31", "31/12/1975"), CONTENT_TYPE),
        ("COG of 4", valid.replace(">63220<", ">6322<"), CONTENT_TYPE),
        ("no ContexteLPS", cut(&valid, "<ctxlps:ContexteLPS", "</ctxlps:ContexteLPS>"), CONTENT_TYPE),
        ("no ContexteBAM", cut(&valid, "<ctxbam:ContexteBAM", "</ctxbam:ContexteBAM>"), CONTENT_TYPE),
        ("no Action", cut(&valid, "<wsa:Action", "</wsa:Action>"), CONTENT_TYPE),
        ("no MessageID", cut(&valid, "<wsa:MessageID", "</wsa:MessageID>"), CONTENT_TYPE),
        ("no first name", cut(&valid, "<insi:Prenom>", "</insi:Prenom>"), CONTENT_TYPE),
        ("no COUVERTURE", valid.replace("<ctxbam:COUVERTURE/>", ""), CONTENT_TYPE),
        (
            "LPS version",
            valid.replace(r#"Nature="CTXLPS" Version="01_00""#, r#"Nature="CTXLPS" Version="02_00""#),
            CONTENT_TYPE,
        ),
        ("bad Temps", valid.replacen("<ctxbam:Temps>", "<ctxbam:Temps>hier ", 1), CONTENT_TYPE),
        ("other action", valid.replace(ACTION_TRAITS, "urn:ServiceIdentiteCertifiee:1.0.0:autre"), CONTENT_TYPE),
        (
            "XSD order",
            valid.replace(
                "<insi:Prenom>ZOE</insi:Prenom><insi:Sexe>F</insi:Sexe>",
                "<insi:Sexe>F</insi:Sexe><insi:Prenom>ZOE</insi:Prenom>",
            ),
            CONTENT_TYPE,
        ),
        ("wrong namespace", valid.replace("http://www.cnamts.fr/INSiRecSans", "urn:insi"), CONTENT_TYPE),
        (
            "unknown element",
            valid.replace("</insi:RECSANSVITALE>", "<insi:Age>50</insi:Age></insi:RECSANSVITALE>"),
            CONTENT_TYPE,
        ),
        ("not XML", "bonjour".to_string(), CONTENT_TYPE),
        (
            "DTD",
            format!("<!DOCTYPE x []>{}", valid.trim_start_matches(r#"<?xml version="1.0" encoding="UTF-8"?>"#)),
            CONTENT_TYPE,
        ),
        ("SOAP 1.1 content type", valid.clone(), "text/xml; charset=utf-8"),
        ("action parameter", valid.clone(), "application/soap+xml; charset=utf-8; action=\"urn:autre\""),
    ];
    for (what, body, content_type) in &cases {
        let (status, text) = http.send_raw(body.clone(), content_type).await.unwrap();
        assert_eq!(status, 500, "{what}");
        match parse_response(&text) {
            Err(InsiError::Fault { code, message }) => {
                assert_eq!(code, INVALID_REQUEST_CODE, "{what}: {message}");
                assert!(!message.is_empty(), "{what}");
            }
            other => panic!("{what}: fault expected, got {other:?}"),
        }
    }
    let calls = peer.calls();
    assert_eq!(calls.len(), cases.len());
    assert!(calls.iter().all(|c| c.code == INVALID_REQUEST_CODE));

    // The unbroken request, sent the same way, is answered.
    let (status, text) = http.send_raw(valid, CONTENT_TYPE).await.unwrap();
    assert_eq!(status, 200);
    let (code, _, identity) = parse_response(&text).unwrap();
    assert_eq!(code, "00");
    assert!(identity.is_some());
}

#[tokio::test]
async fn the_binary_serves_the_same_peer() {
    use tokio::io::AsyncBufReadExt;
    let pki = pki();
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_relais-testpeers"))
        .args(["insi", "--listen", "127.0.0.1:0", "--authorisation-number", IDAM])
        .arg("--cert")
        .arg(&pki.server_pem)
        .arg("--key")
        .arg(&pki.server_key)
        .arg("--client-ca")
        .arg(&pki.ca_pem)
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("binary starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = tokio::io::BufReader::new(stdout).lines();
    let line = tokio::time::timeout(Duration::from_secs(30), lines.next_line()).await.unwrap().unwrap().unwrap();
    let endpoint = line.rsplit(' ').next().unwrap().to_string();
    assert!(endpoint.starts_with("https://127.0.0.1:"), "{line}");
    let mut cfg = InsiConfig { endpoint, ..config_for_endpoint() };
    cfg.client_cert_pem = read(&pki.insi_auto_pem);
    cfg.client_key_pem = read(&pki.insi_auto_key);
    let outcome = InsiClient::new(cfg)
        .unwrap()
        .search_by_traits(&query("TCHITCHI", &["CATARINA"], Sex::Female, "1936-06-21", None))
        .await
        .unwrap();
    assert!(matches!(outcome.result, InsiResult::Found(_)));
    child.kill().await.unwrap();
}

fn config_for_endpoint() -> InsiConfig {
    InsiConfig {
        endpoint: String::new(),
        client_cert_pem: Vec::new(),
        client_key_pem: Vec::new(),
        server_ca_pem: read(&pki().ca_pem),
        authorisation_number: IDAM.into(),
        software_name: "Relais".into(),
        software_version: "0.1.0".into(),
        instance: uuid::Uuid::from_u128(2),
        emitter: "FINESS-000000000".into(),
        timeout: Duration::from_secs(10),
    }
}

// Oracle: the published XSDs, applied by libxml2's validator to what the client sends and what the
// peer answers.

fn xmllint_available() -> bool {
    let found = std::process::Command::new("xmllint").arg("--version").output().is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "xmllint is missing (Debian package libxml2-utils): the XSD oracle cannot run in CI"
        );
        eprintln!("SKIP: xmllint not found (install libxml2-utils); XSD oracle not run");
    }
    found
}

fn xsd(relative: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("wsdl/xsd").join(relative)
}

fn xmllint(schema: &Path, document: &str) -> Result<(), String> {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("doc.xml");
    std::fs::write(&file, document).unwrap();
    let out = std::process::Command::new("xmllint")
        .args(["--noout", "--nonet", "--schema"])
        .arg(schema)
        .arg(&file)
        .output()
        .unwrap();
    if out.status.success() { Ok(()) } else { Err(String::from_utf8_lossy(&out.stderr).into_owned()) }
}

/// The element from `open` to `close`, standing alone (each block declares its own namespace).
fn element(xml: &str, open: &str, close: &str) -> String {
    let start = xml.find(open).unwrap_or_else(|| panic!("{open} not in {xml}"));
    let end = xml[start..].find(close).unwrap_or_else(|| panic!("{close} not in {xml}")) + start + close.len();
    xml[start..end].to_string()
}

#[test]
fn xsd_oracle_on_the_request_the_client_builds() {
    if !xmllint_available() {
        return;
    }
    let request = valid_request();
    let parts = [
        ("CTX/ROOT_ctxbam_CTXBAM_V01_02.xsd", "<ctxbam:ContexteBAM", "</ctxbam:ContexteBAM>"),
        ("CTX/ROOT_ctxlps_CTXLPS_V01_00.xsd", "<ctxlps:ContexteLPS", "</ctxlps:ContexteLPS>"),
        ("ServiceIdentiteCertifiee/INSi_RECSANS_INS.xsd", "<insi:RECSANSVITALE", "</insi:RECSANSVITALE>"),
    ];
    for (schema, open, close) in parts {
        let part = element(&request, open, close);
        xmllint(&xsd(schema), &part).unwrap_or_else(|e| panic!("{schema}: {e}\n{part}"));
    }
    // The oracle bites: a block without its required COUVERTURE, or with a bad Temps, is refused.
    let bam = element(&request, "<ctxbam:ContexteBAM", "</ctxbam:ContexteBAM>");
    assert!(xmllint(&xsd(parts[0].0), &bam.replace("<ctxbam:COUVERTURE/>", "")).is_err());
    assert!(xmllint(&xsd(parts[0].0), &bam.replacen("<ctxbam:Temps>", "<ctxbam:Temps>x", 1)).is_err());
    let body = element(&request, parts[2].1, parts[2].2);
    let swapped = body.replace(
        "<insi:Prenom>ZOE</insi:Prenom><insi:Sexe>F</insi:Sexe>",
        "<insi:Sexe>F</insi:Sexe><insi:Prenom>ZOE</insi:Prenom>",
    );
    assert!(xmllint(&xsd(parts[2].0), &swapped).is_err());
}

#[test]
fn xsd_oracle_on_every_answer_of_the_peer() {
    if !xmllint_available() {
        return;
    }
    let schema = xsd("ServiceIdentiteCertifiee/INSi_RESULTAT_INS.xsd");
    let mut traits: Vec<relais_testpeers::insi::identities::Traits> = IDENTITIES
        .iter()
        .map(|i| relais_testpeers::insi::identities::Traits {
            birth_name: i.birth_name.into(),
            first_names: i.first_names.iter().map(|s| s.to_string()).collect(),
            sex: i.sex.into(),
            birth_date: i.birth_date.into(),
            birthplace: Some(i.birthplace.into()),
        })
        .collect();
    let mut several = traits[0].clone();
    several.birth_name = "HOMONYME".into();
    several.first_names = vec!["MARIE".into()];
    several.sex = "F".into();
    several.birth_date = "1990-05-15".into();
    several.birthplace = None;
    let mut nobody = several.clone();
    nobody.birth_name = "PERSONNE".into();
    traits.extend([several, nobody]);
    let mut seen = std::collections::BTreeSet::new();
    for t in &traits {
        let answer = relais_testpeers::insi::answer_for(t, relais_testpeers::insi::FIXTURE_OID);
        let resultat = element(&answer, "<RESULTAT", "</RESULTAT>");
        xmllint(&schema, &resultat).unwrap_or_else(|e| panic!("{}: {e}\n{resultat}", t.birth_name));
        seen.insert(parse_response(&answer).unwrap().0);
    }
    assert_eq!(seen.into_iter().collect::<Vec<_>>(), ["00", "01", "02"]);
}

#[tokio::test]
async fn xsd_oracle_on_the_faults_of_the_peer() {
    if !xmllint_available() {
        return;
    }
    let peer = peer().await;
    let schema = xsd("schema_faultSOAP_V01_01.xsd");
    let valid = valid_request();
    let unknown_idam = valid.replace(IDAM, "INCONNU");
    let http = client(&peer);
    let wrong_cn = InsiClient::new(config(&peer, &pki().wrong_cn_pem, &pki().wrong_cn_key)).unwrap();
    for (client, body) in [(&http, unknown_idam), (&http, valid.replace(">F<", ">f<")), (&wrong_cn, valid)] {
        let (_, text) = client.send_raw(body, CONTENT_TYPE).await.unwrap();
        let erreur = element(&text, "<siram:Erreur", "</siram:Erreur>");
        xmllint(&schema, &erreur).unwrap_or_else(|e| panic!("{e}\n{erreur}"));
    }
}

// rechercherInsAvecCarteVitale: the card's data are values in the request, so no card reader is needed.

fn full(m: relais_testpeers::insi::identities::Matricule) -> String {
    format!("{}{}", m.number, m.key)
}

/// The query a reader of `identity`'s Vitale card would fill in.
fn vitale_for(identity: &TestIdentity) -> VitaleQuery {
    let card = identity.vitale.unwrap_or_else(|| panic!("{} has no card", identity.birth_name));
    VitaleQuery {
        holder_nir: full(card.holder),
        beneficiary_nir: card.own_nir.map(full),
        birth_name: Some(identity.birth_name.into()),
        birth_date: identity.birth_date.into(),
        birth_rank: card.rank,
    }
}

fn identity(name: &str, first: &str) -> &'static TestIdentity {
    IDENTITIES.iter().find(|i| i.birth_name == name && i.first_names[0] == first).expect(name)
}

#[tokio::test]
async fn every_vitale_card_gives_cr00_with_the_ins_and_the_traits() {
    let peer = peer().await;
    let client = client(&peer);
    let mut found = 0;
    for identity in IDENTITIES.iter().filter(|i| i.vitale.is_some()) {
        let outcome = client.search_by_vitale(&vitale_for(identity)).await.expect(identity.birth_name);
        let InsiResult::Found(got) = &outcome.result else {
            panic!("{} {:?}: {:?}", identity.birth_name, identity.first_names, outcome.result);
        };
        assert_eq!(got.ins.matricule.as_str(), full(identity.active));
        assert_eq!(got.ins.authority, InsAuthority::Nir);
        assert_eq!(got.history.len(), identity.history.len());
        assert_eq!(got.birth_name, identity.birth_name);
        assert_eq!(got.first_names, identity.first_names);
        assert_eq!(got.sex, if identity.sex == "M" { Sex::Male } else { Sex::Female });
        assert_eq!(got.birth_date, identity.birth_date);
        assert_eq!(got.birthplace.as_deref(), Some(identity.birthplace));
        assert_eq!(outcome.calls.len(), 1, "one call, no strategy");
        let call = &outcome.calls[0];
        assert_eq!((call.code.as_str(), call.label.as_str()), ("00", "OK"));
        assert_eq!((call.first_names_sent.as_str(), call.birthplace_sent), ("", false));
        found += 1;
    }
    assert_eq!(found, 5);
    let seen = peer.calls();
    assert_eq!(seen.len(), found);
    for call in &seen {
        assert!(call.content_type.contains(ACTION_VITALE), "{}", call.content_type);
        assert!(call.body.contains("<insi:RECVITALE"));
        assert_eq!(call.traits, None);
        assert_eq!(call.code, "00");
    }
    // ECETINSI's card carries his superseded NIR: INSi answers with the active one and the history.
    let ecetinsi = seen.iter().filter_map(|c| c.card.as_ref()).find(|c| c.birth_date == "2009-07-14").unwrap();
    assert_eq!(ecetinsi.beneficiary_nir.as_deref(), Some("209076322083439"));
    assert_eq!(ecetinsi.rank, Some(1));
    println!("Vitale cards found with CR 00 through the real client and TLS: {found}");
}

#[tokio::test]
async fn a_card_that_matches_nobody_is_cr01() {
    let peer = peer().await;
    let client = client(&peer);
    let dominique = vitale_for(identity("ADRTROIS", "DOMINIQUE"));
    let tchitchi = identity("TCHITCHI", "CATARINA");
    let cases = [
        // A valid NIR that holds no card in the peer.
        (
            "no such card",
            VitaleQuery {
                holder_nir: full(tchitchi.active),
                beneficiary_nir: None,
                birth_name: None,
                birth_date: tchitchi.birth_date.into(),
                birth_rank: 1,
            },
        ),
        ("other rank", VitaleQuery { birth_rank: 2, ..dominique.clone() }),
        ("other birth date", VitaleQuery { birth_date: "1997-02-27".into(), ..dominique.clone() }),
        ("other birth name", VitaleQuery { birth_name: Some("ADRDEUX".into()), ..dominique.clone() }),
        ("other beneficiary NIR", VitaleQuery { beneficiary_nir: Some(full(tchitchi.active)), ..dominique.clone() }),
    ];
    for (what, query) in &cases {
        let outcome = client.search_by_vitale(query).await.unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(outcome.result, InsiResult::NotFound, "{what}");
        assert_eq!(outcome.calls.len(), 1, "{what}");
        assert_eq!(
            (outcome.calls[0].code.as_str(), outcome.calls[0].label.as_str()),
            ("01", "Aucune identite trouvee")
        );
    }
    assert_eq!(peer.calls().len(), cases.len());

    // A misread card never reaches the service.
    let misread = VitaleQuery { holder_nir: dominique.holder_nir.replace("78", "79"), ..dominique.clone() };
    let err = client.search_by_vitale(&misread).await.unwrap_err();
    let InsiError::Query(detail) = &err else { panic!("{err:?}") };
    assert!(detail.contains("NIR de l'assuré"), "{detail}");
    assert!(err.french_message().starts_with("La recherche INSi ne peut pas être lancée"));
    let err = client.search_by_vitale(&VitaleQuery { birth_rank: 0, ..dominique }).await.unwrap_err();
    assert!(matches!(err, InsiError::Query(_)), "{err:?}");
    assert_eq!(peer.calls().len(), cases.len());
}

#[tokio::test]
async fn twins_on_one_card_are_told_apart_by_rank_and_no_rank_is_cr02() {
    let peer = peer().await;
    let client = client(&peer);
    let lea = identity("GEMEAU", "LEA");
    let lou = identity("GEMEAU", "LOU");
    assert_eq!(lea.vitale.map(|c| full(c.holder)), lou.vitale.map(|c| full(c.holder)));
    for twin in [lea, lou] {
        let outcome = client.search_by_vitale(&vitale_for(twin)).await.unwrap();
        let InsiResult::Found(got) = outcome.result else { panic!("{:?}", outcome.result) };
        assert_eq!(got.ins.matricule.as_str(), full(twin.active));
        assert_eq!(got.first_names, twin.first_names);
    }
    // RangNaissance is optional in the XSD: without it the card designates both twins. The client always
    // sends the rank, so this request is built by hand.
    let body = vitale_request_xml(&offline_config(), &vitale_for(lea), uuid::Uuid::new_v4(), jiff::Timestamp::now());
    let without_rank = cut(&body, "<insi:RangNaissance>", "</insi:RangNaissance>");
    let (status, text) = client.send_raw(without_rank, CONTENT_TYPE_VITALE).await.unwrap();
    assert_eq!(status, 200);
    assert_eq!(parse_response(&text).unwrap(), ("02".into(), "Plusieurs identites trouvees".into(), None));
    assert_eq!(peer.calls().last().and_then(|c| c.card.as_ref()).map(|c| c.rank), Some(None));
}

/// A valid card request (ADRTROIS DOMINIQUE, everything her card carries), to be broken one way at a time.
fn valid_vitale_request() -> String {
    let query = vitale_for(identity("ADRTROIS", "DOMINIQUE"));
    vitale_request_xml(&offline_config(), &query, uuid::Uuid::new_v4(), jiff::Timestamp::now())
}

async fn expect_invalid(http: &InsiClient, what: &str, body: String, content_type: &str) -> String {
    let (status, text) = http.send_raw(body, content_type).await.unwrap();
    assert_eq!(status, 500, "{what}");
    match parse_response(&text) {
        Err(InsiError::Fault { code, message }) => {
            assert_eq!(code, INVALID_REQUEST_CODE, "{what}: {message}");
            message
        }
        other => panic!("{what}: fault expected, got {other:?}"),
    }
}

#[tokio::test]
async fn the_action_must_be_the_operation_of_the_body() {
    let peer = peer().await;
    let http = client(&peer);
    let vitale = valid_vitale_request();
    let traits = valid_request();
    let as_traits = vitale.replace(ACTION_VITALE, ACTION_TRAITS);
    let message = expect_invalid(&http, "card body, traits Action", as_traits.clone(), CONTENT_TYPE).await;
    assert!(message.contains("rechercherInsAvecCarteVitale n'est pas l'opération annoncée"), "{message}");
    let as_vitale = traits.replace(ACTION_TRAITS, ACTION_VITALE);
    let message = expect_invalid(&http, "traits body, card Action", as_vitale, CONTENT_TYPE_VITALE).await;
    assert!(message.contains("rechercherInsAvecTraitsIdentite n'est pas l'opération annoncée"), "{message}");
    // SOAP 1.2: the action parameter and wsa:Action say the same thing, or the request is refused.
    let message = expect_invalid(&http, "content type of the other operation", vitale.clone(), CONTENT_TYPE).await;
    assert!(message.contains("différente de wsa:Action"), "{message}");
    let unknown = vitale.replace(ACTION_VITALE, "urn:ServiceIdentiteCertifiee:1.0.0:rechercherInsAvecCarteCpx");
    expect_invalid(&http, "unknown Action", unknown, "application/soap+xml; charset=utf-8").await;
    assert!(peer.calls().iter().all(|c| c.code == INVALID_REQUEST_CODE && c.card.is_none()));

    // Each body under its own Action is answered, also without the action parameter.
    for (body, content_type) in [(vitale, CONTENT_TYPE_VITALE), (traits, "application/soap+xml; charset=utf-8")] {
        let (status, text) = http.send_raw(body, content_type).await.unwrap();
        assert_eq!(status, 200, "{text}");
        assert_eq!(parse_response(&text).unwrap().0, "00");
    }
}

#[tokio::test]
async fn invalid_card_requests_get_a_sender_fault_never_a_cr() {
    let peer = peer().await;
    let http = client(&peer);
    let valid = valid_vitale_request();
    let number = |n: &str| format!("<insi:NumIdentifiant>{n}</insi:NumIdentifiant>");
    let key = |k: &str| format!("<insi:Cle>{k}</insi:Cle>");
    let kind = "<insi:TypeMatricule>NIR</insi:TypeMatricule>";
    let valid_od = format!("<insi:MatriculeOD>{}{}</insi:MatriculeOD>", number("297022A020778"), key("78"));
    assert!(valid.contains(&valid_od));
    // The request with MatriculeOD made of `parts`.
    let with_od =
        |parts: &[&str]| valid.replace(&valid_od, &format!("<insi:MatriculeOD>{}</insi:MatriculeOD>", parts.concat()));
    let cases: Vec<(&str, String)> = vec![
        ("no MatriculeOD", valid.replace(&valid_od, "")),
        ("MatriculeOD without key", with_od(&[&number("297022A020778")])),
        ("NIR of 12", with_od(&[&number("297022A02077"), &key("78")])),
        ("NIR with a letter out of place", with_od(&[&number("2970A22020778"), &key("78")])),
        ("key of 1", with_od(&[&number("297022A020778"), &key("7")])),
        ("key after TypeMatricule", with_od(&[&number("297022A020778"), kind, &key("78")])),
        ("no birth date", cut(&valid, "<insi:DateNaissance>", "</insi:DateNaissance>")),
        ("French date", valid.replace("1997-02-26", "26/02/1997")),
        ("rank 0", valid.replace("<insi:RangNaissance>1<", "<insi:RangNaissance>0<")),
        ("rank 10", valid.replace("<insi:RangNaissance>1<", "<insi:RangNaissance>10<")),
        ("rank A", valid.replace("<insi:RangNaissance>1<", "<insi:RangNaissance>A<")),
        ("empty birth name", valid.replace("<insi:NomNaissance>ADRTROIS<", "<insi:NomNaissance><")),
        (
            "XSD order",
            valid.replace(
                "<insi:DateNaissance>1997-02-26</insi:DateNaissance><insi:RangNaissance>1</insi:RangNaissance>",
                "<insi:RangNaissance>1</insi:RangNaissance><insi:DateNaissance>1997-02-26</insi:DateNaissance>",
            ),
        ),
        (
            "unknown element",
            valid.replace("</insi:RECVITALE>", "<insi:Prenom>DOMINIQUE</insi:Prenom></insi:RECVITALE>"),
        ),
        ("wrong namespace", valid.replace("http://www.cnamts.fr/INSiRecVit", "urn:insi")),
        ("no ContexteBAM", cut(&valid, "<ctxbam:ContexteBAM", "</ctxbam:ContexteBAM>")),
        ("no MessageID", cut(&valid, "<wsa:MessageID", "</wsa:MessageID>")),
    ];
    for (what, body) in &cases {
        let message = expect_invalid(&http, what, body.clone(), CONTENT_TYPE_VITALE).await;
        assert!(!message.is_empty(), "{what}");
    }
    let calls = peer.calls();
    assert_eq!(calls.len(), cases.len());
    assert!(calls.iter().all(|c| c.code == INVALID_REQUEST_CODE && c.card.is_none()));

    // A TypeMatricule in its place is accepted (its values are not published), and the unbroken request
    // is answered.
    let typed = with_od(&[&number("297022A020778"), &key("78"), kind]);
    for body in [typed, valid] {
        let (status, text) = http.send_raw(body, CONTENT_TYPE_VITALE).await.unwrap();
        assert_eq!(status, 200);
        let (code, _, identity) = parse_response(&text).unwrap();
        assert_eq!(code, "00");
        assert_eq!(identity.unwrap().ins.matricule.as_str(), "297022A02077878");
    }
}

#[tokio::test]
async fn card_searches_get_the_same_access_faults() {
    let peer = peer().await;
    let card = vitale_for(identity("NESSI", "MICHELANGELO"));
    let wrong_cn = InsiClient::new(config(&peer, &pki().wrong_cn_pem, &pki().wrong_cn_key)).unwrap();
    let err = wrong_cn.search_by_vitale(&card).await.unwrap_err();
    let InsiError::Fault { code, .. } = &err else { panic!("{err:?}") };
    assert_eq!(code, "DESIR_560");
    assert!(err.french_message().contains("INSI-AUTO ou INSI-MANU"));

    let mut cfg = config(&peer, &pki().insi_auto_pem, &pki().insi_auto_key);
    cfg.authorisation_number = "NOT-AUTHORISED".into();
    let err = InsiClient::new(cfg).unwrap().search_by_vitale(&card).await.unwrap_err();
    assert_eq!(
        err,
        InsiError::Fault { code: "desir_550".into(), message: "Numéro d'autorisation du logiciel inconnu.".into() }
    );
    let calls = peer.calls();
    assert_eq!(calls.iter().map(|c| c.code.as_str()).collect::<Vec<_>>(), ["DESIR_560", "desir_550"]);
    // The card was read before the authorisation was checked, as for the traits.
    assert_eq!(calls[1].card.as_ref().map(|c| c.holder_nir.as_str()), Some("178056322012306"));
}

#[test]
fn xsd_oracle_on_the_card_request_the_client_builds() {
    if !xmllint_available() {
        return;
    }
    let schema = xsd("ServiceIdentiteCertifiee/INSi_RECVITALE_INS.xsd");
    let request = valid_vitale_request();
    for (headers, open, close) in [
        ("CTX/ROOT_ctxbam_CTXBAM_V01_02.xsd", "<ctxbam:ContexteBAM", "</ctxbam:ContexteBAM>"),
        ("CTX/ROOT_ctxlps_CTXLPS_V01_00.xsd", "<ctxlps:ContexteLPS", "</ctxlps:ContexteLPS>"),
    ] {
        let part = element(&request, open, close);
        xmllint(&xsd(headers), &part).unwrap_or_else(|e| panic!("{headers}: {e}\n{part}"));
    }
    // Every card the peer knows, with all it carries and with the least a card search sends.
    for identity in IDENTITIES.iter().filter(|i| i.vitale.is_some()) {
        let full_query = vitale_for(identity);
        let bare = VitaleQuery { beneficiary_nir: None, birth_name: None, ..full_query.clone() };
        for query in [full_query, bare] {
            let xml = vitale_request_xml(&offline_config(), &query, uuid::Uuid::new_v4(), jiff::Timestamp::now());
            let body = element(&xml, "<insi:RECVITALE", "</insi:RECVITALE>");
            xmllint(&schema, &body).unwrap_or_else(|e| panic!("{}: {e}\n{body}", identity.birth_name));
        }
    }
    // The oracle bites: the XSD's order, its names and its namespace are enforced.
    let body = element(&request, "<insi:RECVITALE", "</insi:RECVITALE>");
    let individu = element(&body, "<insi:MatriculeIndividu>", "</insi:MatriculeIndividu>");
    let od = element(&body, "<insi:MatriculeOD>", "</insi:MatriculeOD>");
    let swapped = body.replace(&format!("{individu}{od}"), &format!("{od}{individu}"));
    assert_ne!(swapped, body);
    assert!(xmllint(&schema, &swapped).is_err());
    assert!(xmllint(&schema, &body.replace("RangNaissance>", "Rang>")).is_err());
    assert!(xmllint(&schema, &body.replace("http://www.cnamts.fr/INSiRecVit", "urn:insi")).is_err());
}

#[test]
fn xsd_oracle_on_the_card_answers_of_the_peer() {
    if !xmllint_available() {
        return;
    }
    let schema = xsd("ServiceIdentiteCertifiee/INSi_RESULTAT_INS.xsd");
    let mut queries: Vec<_> = IDENTITIES.iter().filter_map(card_query).collect();
    let twins = card_query(identity("GEMEAU", "LEA")).unwrap();
    queries.push(relais_testpeers::insi::identities::CardQuery { rank: None, ..twins.clone() });
    queries.push(relais_testpeers::insi::identities::CardQuery { rank: Some(3), ..twins });
    let mut seen = std::collections::BTreeSet::new();
    for query in &queries {
        let answer = relais_testpeers::insi::answer_for_card(query, relais_testpeers::insi::FIXTURE_OID);
        let resultat = element(&answer, "<RESULTAT", "</RESULTAT>");
        xmllint(&schema, &resultat).unwrap_or_else(|e| panic!("{query:?}: {e}\n{resultat}"));
        seen.insert(parse_response(&answer).unwrap().0);
    }
    assert_eq!(seen.into_iter().collect::<Vec<_>>(), ["00", "01", "02"]);
}

/// The golden card answer of `relais-interop`'s tests is what this peer answers to ECETINSI's card:
/// a change to either shows here.
#[test]
fn the_golden_card_answer_is_the_peers() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../interop/tests/insi/vitale_ecetinsi_cr00.xml");
    let golden = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let query = card_query(identity("ECETINSI", "PIERRE-ALAIN")).unwrap();
    let answer = relais_testpeers::insi::answer_for_card(&query, relais_testpeers::insi::FIXTURE_OID);
    assert_eq!(answer.trim_end(), golden.trim_end());
}
