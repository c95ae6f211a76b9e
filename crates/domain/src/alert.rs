//! Alerts pinned on a person (fall risk, swallowing disorder…): shown to every carer until resolved.

use crate::DomainError;

/// What a pinned alert warns about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertKind {
    Fall,
    Swallowing,
    Behaviour,
    Wandering,
    PressureSore,
    Other,
}

impl AlertKind {
    pub const ALL: [AlertKind; 6] =
        [Self::Fall, Self::Swallowing, Self::Behaviour, Self::Wandering, Self::PressureSore, Self::Other];

    pub fn code(self) -> &'static str {
        match self {
            Self::Fall => "fall",
            Self::Swallowing => "swallowing",
            Self::Behaviour => "behaviour",
            Self::Wandering => "wandering",
            Self::PressureSore => "pressure_sore",
            Self::Other => "other",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::Fall => "Risque de chute",
            Self::Swallowing => "Troubles de la déglutition",
            Self::Behaviour => "Troubles du comportement",
            Self::Wandering => "Risque de fugue",
            Self::PressureSore => "Risque d'escarre",
            Self::Other => "Autre",
        }
    }
    pub fn from_code(code: &str) -> Result<Self, DomainError> {
        Self::ALL
            .into_iter()
            .find(|k| k.code() == code)
            .ok_or_else(|| DomainError::new("alert_kind", "alert-kind-invalid", "type d'alerte inconnu"))
    }
}

/// The instructions of an alert ("eau gélifiée, repas mixés"); required for `Other`.
pub fn alert_detail(kind: AlertKind, detail: &str) -> Result<Option<String>, DomainError> {
    let d = detail.trim();
    if d.chars().count() > 500 {
        return Err(DomainError::new("alert_detail", "too-long", "500 caractères au plus"));
    }
    if d.chars().any(|c| c.is_control() && c != '\n') {
        return Err(DomainError::new("alert_detail", "characters", "caractères de contrôle non admis"));
    }
    if d.is_empty() && kind == AlertKind::Other {
        return Err(DomainError::new("alert_detail", "required", "précisez l'alerte"));
    }
    Ok((!d.is_empty()).then(|| d.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alerts_validate() {
        for k in AlertKind::ALL {
            assert_eq!(AlertKind::from_code(k.code()), Ok(k));
        }
        assert_eq!(AlertKind::from_code("x").unwrap_err().code, "alert-kind-invalid");
        assert_eq!(alert_detail(AlertKind::Fall, "  ").unwrap(), None);
        assert_eq!(alert_detail(AlertKind::Other, "").unwrap_err().code, "required");
        assert_eq!(alert_detail(AlertKind::Swallowing, "Eau gélifiée").unwrap().as_deref(), Some("Eau gélifiée"));
        assert_eq!(alert_detail(AlertKind::Fall, &"x".repeat(501)).unwrap_err().code, "too-long");
    }
}
