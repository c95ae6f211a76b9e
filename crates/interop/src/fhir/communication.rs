//! FHIR Communication out: a logbook note (transmission), one version of it.
//!
//! A note is something said by one professional to the team about a person, kept as sent:
//! Communication (status completed, `sent`, `sender`, `payload`) says exactly that, where
//! Observation or ClinicalImpression would claim a finding or an assessment.

use super::{CATEGORY_SYSTEM, instant};
use serde_json::{Value, json};

pub const LINEAGE_SYSTEM: &str = "urn:relais:note";
pub const IMPORTANCE_EXTENSION: &str = "urn:relais:fhir:note-importance";

pub struct CommunicationView<'a> {
    pub id: String,
    pub lineage_id: String,
    pub version: i32,
    pub is_current: bool,
    pub patient_id: String,
    pub category_code: &'a str,
    pub category_label: &'a str,
    /// `normal`, `to_read` or `alert`.
    pub importance: &'a str,
    pub text: &'a str,
    /// A targeted transmission: its target and Data–Action–Result.
    pub target: Option<&'a str>,
    pub data: Option<&'a str>,
    pub action: Option<&'a str>,
    pub result: Option<&'a str>,
    pub correction_reason: Option<&'a str>,
    pub author_label: &'a str,
    pub recorded_at: i64,
}

pub fn to_json(v: &CommunicationView) -> Value {
    let mut payload = Vec::new();
    for (label, part) in [("Données", v.data), ("Actions", v.action), ("Résultats", v.result)] {
        if let Some(p) = part.filter(|p| !p.is_empty()) {
            payload.push(json!({ "contentString": format!("{label} : {p}") }));
        }
    }
    if !v.text.is_empty() {
        payload.push(json!({ "contentString": v.text }));
    }
    let mut out = json!({
        "resourceType": "Communication",
        "id": v.id,
        "meta": { "lastUpdated": instant(v.recorded_at), "versionId": v.version.to_string() },
        "identifier": [{ "system": LINEAGE_SYSTEM, "value": format!("{}/{}", v.lineage_id, v.version) }],
        // A corrected version is kept, as FHIR says of a record replaced by another.
        "status": if v.is_current { "completed" } else { "entered-in-error" },
        "category": [{ "coding": [{ "system": CATEGORY_SYSTEM, "code": v.category_code, "display": v.category_label }] }],
        "priority": if v.importance == "alert" { "urgent" } else { "routine" },
        "extension": [{ "url": IMPORTANCE_EXTENSION, "valueCode": v.importance }],
        "subject": { "reference": format!("Patient/{}", v.patient_id) },
        "sent": instant(v.recorded_at),
        "sender": { "display": v.author_label },
        "payload": payload,
    });
    if let Some(t) = v.target.filter(|t| !t.is_empty()) {
        out["topic"] = json!({ "text": t });
    }
    if let Some(r) = v.correction_reason {
        out["note"] = json!([{ "text": format!("Correction : {r}") }]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_targeted_transmission_keeps_its_parts() {
        let v = CommunicationView {
            id: "n2".into(),
            lineage_id: "n1".into(),
            version: 2,
            is_current: true,
            patient_id: "p".into(),
            category_code: "nursing_care",
            category_label: "Soins",
            importance: "alert",
            text: "",
            target: Some("Chute"),
            data: Some("retrouvée au sol"),
            action: Some("relevée, constantes"),
            result: None,
            correction_reason: Some("heure erronée"),
            author_label: "A. Martin",
            recorded_at: 0,
        };
        let out = to_json(&v);
        assert_eq!(out["topic"]["text"], "Chute");
        assert_eq!(out["payload"].as_array().unwrap().len(), 2);
        assert_eq!(out["payload"][0]["contentString"], "Données : retrouvée au sol");
        assert_eq!(out["priority"], "urgent");
        assert_eq!(out["identifier"][0]["value"], "n1/2");
        assert!(out["note"][0]["text"].as_str().unwrap().contains("heure erronée"));
    }
}
