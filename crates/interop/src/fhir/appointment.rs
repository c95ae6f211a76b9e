//! FHIR Appointment out: a person's appointment with its place, transport and escort.

use super::instant;
use relais_domain::appointment::AppointmentDetails;
use serde_json::{Value, json};

pub const TRANSPORT_EXTENSION: &str = "urn:relais:fhir:appointment-transport";
pub const ESCORT_EXTENSION: &str = "urn:relais:fhir:appointment-escort";

pub struct AppointmentView<'a> {
    pub id: String,
    pub patient_id: String,
    pub details: &'a AppointmentDetails,
    pub created_at: i64,
    pub cancelled_at: Option<i64>,
}

pub fn to_json(v: &AppointmentView) -> Value {
    let d = v.details;
    let mut extension = vec![json!({ "url": TRANSPORT_EXTENSION, "valueCoding": {
        "system": "urn:relais:transport", "code": d.transport.code(), "display": d.transport.label() } })];
    if let Some(e) = &d.escort {
        extension.push(json!({ "url": ESCORT_EXTENSION, "valueString": e }));
    }
    let mut out = json!({
        "resourceType": "Appointment",
        "id": v.id,
        "meta": { "lastUpdated": instant(v.cancelled_at.unwrap_or(v.created_at)) },
        "extension": extension,
        "status": if v.cancelled_at.is_some() { "cancelled" } else { "booked" },
        "description": d.title,
        "start": instant(d.starts_at),
        "end": instant(d.ends_at),
        "created": instant(v.created_at).get(..10).unwrap_or_default(),
        "participant": [{ "actor": { "reference": format!("Patient/{}", v.patient_id) }, "status": "accepted" }],
    });
    // Appointment has no place as text; the place is said in the comment, as a person would.
    let mut comment = Vec::new();
    if let Some(l) = &d.location {
        comment.push(format!("Lieu : {l}"));
    }
    comment.push(if d.external { "À l'extérieur".to_string() } else { "Dans l'établissement".to_string() });
    out["comment"] = json!(comment.join(" — "));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use relais_domain::appointment::AppointmentDetails;

    #[test]
    fn cancelled_appointments_say_so() {
        let d = AppointmentDetails::new(
            "Cardiologue",
            "CHU Rouen",
            Some(1_800_000_000_000_000),
            Some(1_800_003_600_000_000),
            true,
            "ambulance",
            "Mme Roux",
        )
        .unwrap();
        let mut v =
            AppointmentView { id: "a".into(), patient_id: "p".into(), details: &d, created_at: 0, cancelled_at: None };
        let out = to_json(&v);
        assert_eq!(out["status"], "booked");
        assert_eq!(out["participant"][0]["actor"]["reference"], "Patient/p");
        assert_eq!(out["extension"][1]["valueString"], "Mme Roux");
        assert!(out["comment"].as_str().unwrap().contains("CHU Rouen"));
        v.cancelled_at = Some(5);
        assert_eq!(to_json(&v)["status"], "cancelled");
    }
}
