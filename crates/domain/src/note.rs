//! Logbook notes (transmissions): free or targeted (cible + DAR), never overwritten.

use crate::DomainError;
use crate::access::{Category, Profile};
use crate::ids::AccountId;

pub const MAX_TEXT_CHARS: usize = 20_000;
pub const MAX_TARGET_CHARS: usize = 200;

/// Someone a note is brought to the attention of: a colleague, or a team (everyone with that
/// profile in the note's establishment). As a form value: `account:<id>` or `team:<profile>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mention {
    Colleague(AccountId),
    Team(Profile),
}

/// Most mentions on one note: beyond, it is a message to everyone, which the logbook already is.
pub const MAX_MENTIONS: usize = 10;

impl Mention {
    pub fn parse(value: &str) -> Result<Self, DomainError> {
        let bad = || DomainError::new("mention", "mention-invalid", "destinataire inconnu");
        match value.split_once(':') {
            Some(("account", id)) => id.parse().map(Self::Colleague).map_err(|_| bad()),
            Some(("team", code)) => Profile::from_code(code).map(Self::Team).ok_or_else(bad),
            _ => Err(bad()),
        }
    }
    pub fn code(&self) -> String {
        match self {
            Self::Colleague(a) => format!("account:{a}"),
            Self::Team(p) => format!("team:{}", p.code()),
        }
    }
    /// Parses every value, without duplicates, at most `MAX_MENTIONS`.
    pub fn parse_all<'a>(values: impl IntoIterator<Item = &'a str>) -> Result<Vec<Self>, DomainError> {
        let mut out: Vec<Self> = Vec::new();
        for v in values.into_iter().map(str::trim).filter(|v| !v.is_empty()) {
            let m = Self::parse(v)?;
            if !out.contains(&m) {
                out.push(m);
            }
        }
        if out.len() > MAX_MENTIONS {
            return Err(DomainError::new(
                "mention",
                "too-many",
                format!("{MAX_MENTIONS} destinataires au plus : pour toute l'équipe, le cahier de liaison suffit"),
            ));
        }
        Ok(out)
    }
}

/// A note as typed, validated. Either free text, or a target with data/actions/results.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteContent {
    pub category: Category,
    pub text: String,
    pub target: Option<String>,
    pub data: Option<String>,
    pub action: Option<String>,
    pub result: Option<String>,
}

fn optional(field: &'static str, value: &str, max: usize) -> Result<Option<String>, DomainError> {
    let v = value.trim();
    if v.chars().count() > max {
        return Err(DomainError::new(field, "too-long", format!("{max} caractères au plus")));
    }
    if v.chars().any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t') {
        return Err(DomainError::new(field, "characters", "caractères de contrôle non admis"));
    }
    Ok((!v.is_empty()).then(|| v.replace("\r\n", "\n").replace('\r', "\n")))
}

impl NoteContent {
    pub fn new(
        category: &str,
        text: &str,
        target: &str,
        data: &str,
        action: &str,
        result: &str,
    ) -> Result<Self, DomainError> {
        let category = Category::from_code(category)
            .ok_or_else(|| DomainError::new("category", "category-invalid", "catégorie inconnue"))?;
        let text = optional("text", text, MAX_TEXT_CHARS)?;
        let target = optional("target", target, MAX_TARGET_CHARS)?;
        let data = optional("data", data, MAX_TEXT_CHARS)?;
        let action = optional("action", action, MAX_TEXT_CHARS)?;
        let result = optional("result", result, MAX_TEXT_CHARS)?;
        let has_dar = data.is_some() || action.is_some() || result.is_some();
        if has_dar && target.is_none() {
            return Err(DomainError::new(
                "target",
                "target-required",
                "une transmission ciblée (DAR) doit avoir une cible",
            ));
        }
        if text.is_none() && !has_dar {
            return Err(DomainError::new("text", "required", "la transmission est vide"));
        }
        Ok(Self { category, text: text.unwrap_or_default(), target, data, action, result })
    }
}

/// How much a note asks for its readers' attention.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Importance {
    #[default]
    Normal,
    /// Every colleague of the unit should read it: read receipts are kept per reader.
    ToRead,
    /// Shown first and highlighted until the shift has seen it.
    Alert,
}

impl Importance {
    pub const ALL: [Importance; 3] = [Self::Normal, Self::ToRead, Self::Alert];

    pub fn code(self) -> &'static str {
        match self {
            Self::Normal => "normal",
            Self::ToRead => "to_read",
            Self::Alert => "alert",
        }
    }
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|i| i.code() == code)
    }
    /// A form value; empty means normal.
    pub fn parse(code: &str) -> Result<Self, DomainError> {
        match code.trim() {
            "" => Ok(Self::Normal),
            c => Self::from_code(c)
                .ok_or_else(|| DomainError::new("importance", "importance-invalid", "importance inconnue")),
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::Normal => "normale",
            Self::ToRead => "à lire",
            Self::Alert => "alerte",
        }
    }
    /// Does it ask each reader to acknowledge it?
    pub fn wants_receipts(self) -> bool {
        self != Self::Normal
    }
}

/// The reason given for a correction.
pub fn correction_reason(reason: &str) -> Result<String, DomainError> {
    let r = reason.trim();
    if r.is_empty() {
        return Err(DomainError::new("reason", "required", "indiquez le motif de la correction"));
    }
    if r.chars().count() > 500 {
        return Err(DomainError::new("reason", "too-long", "500 caractères au plus"));
    }
    Ok(r.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mentions_parse_from_form_values() {
        let id = AccountId::generate();
        let all = Mention::parse_all([format!("account:{id}").as_str(), "team:nurse", "team:nurse", ""]).unwrap();
        assert_eq!(all, vec![Mention::Colleague(id), Mention::Team(Profile::Nurse)]);
        assert_eq!(Mention::parse(&all[0].code()).unwrap(), all[0]);
        assert_eq!(Mention::parse("team:pilot").unwrap_err().code, "mention-invalid");
        assert_eq!(Mention::parse("account:x").unwrap_err().code, "mention-invalid");
        let many: Vec<String> = (0..11).map(|_| format!("account:{}", AccountId::generate())).collect();
        assert_eq!(Mention::parse_all(many.iter().map(String::as_str)).unwrap_err().code, "too-many");
    }

    #[test]
    fn notes_validate() {
        assert!(NoteContent::new("nursing_care", "A bien dormi.", "", "", "", "").is_ok());
        let dar = NoteContent::new(
            "nursing_care",
            "",
            "Chute",
            "Retrouvée au sol",
            "Relevée, IDE prévenue",
            "Pas de douleur",
        )
        .unwrap();
        assert_eq!(dar.target.as_deref(), Some("Chute"));
        assert_eq!(NoteContent::new("nursing_care", "", "", "x", "", "").unwrap_err().code, "target-required");
        assert_eq!(NoteContent::new("nursing_care", "  ", "", "", "", "").unwrap_err().code, "required");
        assert_eq!(NoteContent::new("bogus", "x", "", "", "", "").unwrap_err().code, "category-invalid");
        assert_eq!(NoteContent::new("medical", &"x".repeat(20_001), "", "", "", "").unwrap_err().code, "too-long");
        assert_eq!(NoteContent::new("medical", "a\u{0}b", "", "", "", "").unwrap_err().code, "characters");
        assert_eq!(correction_reason(" ").unwrap_err().code, "required");
        assert_eq!(Importance::parse("").unwrap(), Importance::Normal);
        assert_eq!(Importance::parse("to_read").unwrap(), Importance::ToRead);
        assert_eq!(Importance::parse("urgent").unwrap_err().code, "importance-invalid");
        for i in Importance::ALL {
            assert_eq!(Importance::from_code(i.code()), Some(i));
        }
    }
}
