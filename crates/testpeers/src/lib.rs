//! Local stand-ins for the national services Relais talks to, faithful to their published interfaces,
//! so that tests exercise the real clients over real TLS: INSi today (`insi`), and the test PKI
//! they run on (`test_pki`).

mod cert;
pub mod insi;
mod xml;

use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum PeerError {
    #[error("configuration: {0}")]
    Config(String),
    #[error("TLS: {0}")]
    Tls(String),
    #[error("I/O: {0}")]
    Io(#[from] std::io::Error),
    #[error("test PKI: {0}")]
    Pki(String),
}

/// Files of the test PKI written by `scripts/insi-test-pki`.
#[derive(Debug, Clone)]
pub struct Pki {
    pub dir: PathBuf,
    pub ca_pem: PathBuf,
    pub ca_key: PathBuf,
    pub server_pem: PathBuf,
    pub server_key: PathBuf,
    /// Client certificate with CN `INSI-AUTO`: what INSi accepts.
    pub insi_auto_pem: PathBuf,
    pub insi_auto_key: PathBuf,
    /// Client certificate with CN `RELAIS-WRONG`, signed by the same CA: INSi answers DESIR_560.
    pub wrong_cn_pem: PathBuf,
    pub wrong_cn_key: PathBuf,
}

/// The fixture script, found from this crate's sources so that any crate's tests can call it.
pub fn pki_script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/insi-test-pki")
}

/// Generates (or reuses) the test PKI in `dir` and returns its file paths.
pub fn test_pki(dir: &Path) -> Result<Pki, PeerError> {
    let output = std::process::Command::new("bash")
        .arg(pki_script())
        .arg(dir)
        .output()
        .map_err(|e| PeerError::Pki(format!("cannot run {}: {e}", pki_script().display())))?;
    if !output.status.success() {
        return Err(PeerError::Pki(format!(
            "{} failed: {}",
            pki_script().display(),
            String::from_utf8_lossy(&output.stderr).trim()
        )));
    }
    let file = |name: &str| dir.join(name);
    let pki = Pki {
        dir: dir.to_path_buf(),
        ca_pem: file("ca.pem"),
        ca_key: file("ca.key"),
        server_pem: file("server.pem"),
        server_key: file("server.key"),
        insi_auto_pem: file("insi-auto.pem"),
        insi_auto_key: file("insi-auto.key"),
        wrong_cn_pem: file("wrong-cn.pem"),
        wrong_cn_key: file("wrong-cn.key"),
    };
    for path in [&pki.ca_pem, &pki.server_pem, &pki.server_key, &pki.insi_auto_pem, &pki.wrong_cn_pem] {
        if !path.is_file() {
            return Err(PeerError::Pki(format!("{} missing after the script ran", path.display())));
        }
    }
    Ok(pki)
}
