//! FHIR Appointment in and out: a person's appointment with its place, transport and escort.

use super::{FhirError, Reference, instant};
use relais_domain::appointment::AppointmentDetails;
use serde::Deserialize;
use serde_json::{Value, json};

pub const TRANSPORT_EXTENSION: &str = "urn:relais:fhir:appointment-transport";
pub const ESCORT_EXTENSION: &str = "urn:relais:fhir:appointment-escort";
/// Where the appointment takes place, as a person would write it.
pub const LOCATION_EXTENSION: &str = "urn:relais:fhir:appointment-location";
/// Whether it takes place outside the establishment.
pub const EXTERNAL_EXTENSION: &str = "urn:relais:fhir:appointment-external";

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct AppointmentJson {
    #[allow(dead_code)]
    resource_type: String,
    #[serde(default)]
    #[allow(dead_code)]
    id: Option<String>,
    #[serde(default)]
    #[allow(dead_code)]
    meta: Option<Value>,
    #[serde(default)]
    #[allow(dead_code)]
    text: Option<Value>,
    #[serde(default)]
    extension: Vec<Extension>,
    status: String,
    description: Option<String>,
    start: Option<String>,
    end: Option<String>,
    #[serde(default)]
    #[allow(dead_code)]
    created: Option<String>,
    #[serde(default)]
    #[allow(dead_code)]
    comment: Option<String>,
    participant: Vec<Participant>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Extension {
    url: String,
    value_string: Option<String>,
    value_boolean: Option<bool>,
    value_coding: Option<Coding>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Coding {
    #[allow(dead_code)]
    system: Option<String>,
    code: Option<String>,
    #[allow(dead_code)]
    display: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Participant {
    actor: Option<Reference>,
    #[allow(dead_code)]
    status: String,
}

/// An Appointment read from a client, still to be checked by the domain rules.
#[derive(Debug, Clone, PartialEq)]
pub struct AppointmentInput {
    pub patient_id: String,
    pub title: String,
    pub location: String,
    pub start: jiff::Timestamp,
    pub end: jiff::Timestamp,
    pub external: bool,
    pub transport: String,
    pub escort: String,
}

/// Reads a new Appointment: `status` booked, `description`, `start` and `end` as instants with
/// their offset, one Patient participant; place, outside or not, transport and escort in the
/// extensions Relais writes. Anything else is refused by name.
pub fn parse(body: &[u8]) -> Result<AppointmentInput, FhirError> {
    let a: AppointmentJson = super::read_resource(body, "Appointment")?;
    if a.status != "booked" {
        return Err(FhirError::invalid("value", "status must be booked", "Appointment.status"));
    }
    let instant_of = |v: &Option<String>, path: &str| {
        let text = v.as_deref().ok_or_else(|| FhirError::invalid("required", format!("{path} is required"), path))?;
        text.parse::<jiff::Timestamp>().map_err(|_| {
            FhirError::invalid(
                "value",
                format!("{path} must be an instant with its offset (e.g. 2026-12-01T14:30:00+01:00)"),
                path,
            )
        })
    };
    let start = instant_of(&a.start, "Appointment.start")?;
    let end = instant_of(&a.end, "Appointment.end")?;
    let mut patients = a
        .participant
        .iter()
        .filter_map(|p| p.actor.as_ref().and_then(|r| r.reference.as_deref()))
        .filter_map(|r| r.strip_prefix("Patient/"));
    let patient_id = patients
        .next()
        .ok_or_else(|| {
            FhirError::invalid("required", "one participant must be the Patient", "Appointment.participant")
        })?
        .to_string();
    if patients.next().is_some() {
        return Err(FhirError::invalid("value", "only one Patient may take part", "Appointment.participant"));
    }
    let mut out = AppointmentInput {
        patient_id,
        title: a.description.unwrap_or_default(),
        location: String::new(),
        start,
        end,
        external: false,
        transport: "none".into(),
        escort: String::new(),
    };
    for e in &a.extension {
        match e.url.as_str() {
            LOCATION_EXTENSION => out.location = e.value_string.clone().unwrap_or_default(),
            ESCORT_EXTENSION => out.escort = e.value_string.clone().unwrap_or_default(),
            EXTERNAL_EXTENSION => out.external = e.value_boolean.unwrap_or(false),
            TRANSPORT_EXTENSION => {
                out.transport = e.value_coding.as_ref().and_then(|c| c.code.clone()).unwrap_or_default()
            }
            other => {
                return Err(FhirError::invalid(
                    "not-supported",
                    format!("extension not supported: {}", other.chars().take(100).collect::<String>()),
                    "Appointment.extension",
                ));
            }
        }
    }
    Ok(out)
}

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
    if let Some(l) = &d.location {
        extension.push(json!({ "url": LOCATION_EXTENSION, "valueString": l }));
    }
    extension.push(json!({ "url": EXTERNAL_EXTENSION, "valueBoolean": d.external }));
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

    #[test]
    fn what_is_written_reads_back() {
        let d = AppointmentDetails::new(
            "Coiffeur",
            "Salon du 2e étage",
            Some(1_800_000_000_000_000),
            Some(1_800_001_800_000_000),
            false,
            "none",
            "",
        )
        .unwrap();
        let v =
            AppointmentView { id: "a".into(), patient_id: "p".into(), details: &d, created_at: 0, cancelled_at: None };
        let back = parse(to_json(&v).to_string().as_bytes()).unwrap();
        assert_eq!(back.patient_id, "p");
        assert_eq!(back.title, "Coiffeur");
        assert_eq!(back.location, "Salon du 2e étage");
        assert_eq!(back.start.as_microsecond(), 1_800_000_000_000_000);
        assert!(!back.external);
        let bad = br#"{"resourceType":"Appointment","status":"booked","start":"2026-12-01T14:30:00","end":"2026-12-01T15:00:00Z","participant":[{"actor":{"reference":"Patient/p"},"status":"accepted"}]}"#;
        assert_eq!(parse(bad).unwrap_err().expression.as_deref(), Some("Appointment.start"));
        let odd = br#"{"resourceType":"Appointment","status":"booked","minutesDuration":30,"participant":[]}"#;
        assert!(parse(odd).is_err());
    }
}
