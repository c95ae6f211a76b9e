//! Documents filed in a person's record: their type (LOINC, as for the DMP), and the check that
//! a file is what it says it is.

use crate::DomainError;

/// Largest document accepted (a scanned contract of a few pages).
pub const MAX_BYTES: usize = 10 * 1024 * 1024;

/// Document types offered when filing (LOINC, INTEROP.md §3.4).
pub const TYPES: &[(&str, &str)] = &[
    ("28653-4", "Document du secteur social / médico-social"),
    ("88348-8", "Lettre de liaison d'entrée"),
    ("83981-1", "Lettre de liaison de sortie"),
    ("60591-5", "Synthèse médicale"),
    ("74207-2", "Document de liaison d'urgence (DLU)"),
    ("34842-5", "Grille d'évaluation"),
    ("80788-3", "Projet personnalisé d'accompagnement"),
    ("59284-0", "Attestation de consentement"),
    ("11506-3", "Fiche de suivi de soins"),
];

pub fn type_label(code: &str) -> Option<&'static str> {
    TYPES.iter().find(|(c, _)| *c == code).map(|(_, l)| *l)
}

/// The formats accepted, recognised by their first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaType {
    Pdf,
    Png,
    Jpeg,
}

impl MediaType {
    pub fn mime(self) -> &'static str {
        match self {
            Self::Pdf => "application/pdf",
            Self::Png => "image/png",
            Self::Jpeg => "image/jpeg",
        }
    }
    pub fn from_mime(m: &str) -> Option<Self> {
        [Self::Pdf, Self::Png, Self::Jpeg].into_iter().find(|t| t.mime() == m)
    }
    pub fn extension(self) -> &'static str {
        match self {
            Self::Pdf => "pdf",
            Self::Png => "png",
            Self::Jpeg => "jpg",
        }
    }
    /// What the bytes are, whatever the name or the declared type say.
    pub fn sniff(bytes: &[u8]) -> Option<Self> {
        if bytes.starts_with(b"%PDF-") {
            Some(Self::Pdf)
        } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(Self::Png)
        } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(Self::Jpeg)
        } else {
            None
        }
    }
}

/// Checks an upload: not empty, not too large, a PDF, PNG or JPEG, and declared as what it is.
pub fn check_file(declared: &str, bytes: &[u8]) -> Result<MediaType, DomainError> {
    if bytes.is_empty() {
        return Err(DomainError::new("file", "required", "choisissez un fichier"));
    }
    if bytes.len() > MAX_BYTES {
        return Err(DomainError::new("file", "too-large", "10 Mo au plus"));
    }
    let actual = MediaType::sniff(bytes)
        .ok_or_else(|| DomainError::new("file", "type-invalid", "seuls les PDF, PNG et JPEG sont acceptés"))?;
    let declared = declared.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    let declared = if declared == "image/jpg" { "image/jpeg".to_string() } else { declared };
    if !declared.is_empty() && declared != "application/octet-stream" && declared != actual.mime() {
        return Err(DomainError::new(
            "file",
            "type-mismatch",
            format!("le fichier est un {} mais se présente comme {declared}", actual.extension().to_uppercase()),
        ));
    }
    Ok(actual)
}

/// A title as typed: required, one line, 200 characters at most.
pub fn check_title(title: &str) -> Result<String, DomainError> {
    let t = title.trim();
    if t.is_empty() {
        return Err(DomainError::new("doc_title", "required", "obligatoire"));
    }
    if t.chars().count() > 200 || t.chars().any(char::is_control) {
        return Err(DomainError::new("doc_title", "invalid", "une ligne de 200 caractères au plus"));
    }
    Ok(t.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_what_it_says_it_is() {
        assert_eq!(check_file("application/pdf", b"%PDF-1.7\n...").unwrap(), MediaType::Pdf);
        assert_eq!(check_file("", b"\x89PNG\r\n\x1a\n....").unwrap(), MediaType::Png);
        assert_eq!(check_file("image/jpg", &[0xFF, 0xD8, 0xFF, 0xE0]).unwrap(), MediaType::Jpeg);
        assert_eq!(check_file("application/pdf", b"MZ\x90\x00").unwrap_err().code, "type-invalid");
        assert_eq!(check_file("image/png", b"%PDF-1.4").unwrap_err().code, "type-mismatch");
        assert_eq!(check_file("application/pdf", b"").unwrap_err().code, "required");
        let big = [b"%PDF-".as_slice(), &vec![0u8; MAX_BYTES]].concat();
        assert_eq!(check_file("application/pdf", &big).unwrap_err().code, "too-large");
        assert_eq!(check_title("  ").unwrap_err().code, "required");
        assert_eq!(type_label("28653-4"), Some("Document du secteur social / médico-social"));
    }
}
