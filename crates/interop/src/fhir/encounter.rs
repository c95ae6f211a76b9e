//! FHIR Encounter out (a stay, and each absence during it) and in (an absence only).
//!
//! A stay is an Encounter shaped after the ANS TDDUI `TDDUIEncounterSejour` (INTEROP.md §6.1):
//! subject, serviceProvider (the establishment), period from admission to discharge, and the
//! class from HL7 v3 ActCode, as the TDDUI examples do (`HH` for care at home). Residential stays
//! are `NONAC` (inpatient, non-acute), day care is `AMB`. The profile is not claimed in
//! `meta.profile`: its stay identifier (`3+FINESS/…-SEJOUR-…`), its Organization reference and
//! its JDV_J226 `serviceType` (modalité d'accueil ROR) are not produced yet.
//!
//! An absence is its own Encounter, `partOf` the stay. It was chosen over a period of the stay's
//! `location` because an absence has a kind, a reason, an author and a life of its own (open
//! until the return, then closed), is searched by date like any encounter, and TDDUI already
//! records stay events as separate Encounters pointing to the stay (`TDDUIEncounterEvenement`).
//! While the person is away, the stay's status is `onleave`, the R4 status for exactly that.

use super::FhirError;
use relais_domain::adminfile::AbsenceKind;
use relais_domain::stay::StayMode;
use serde::Deserialize;
use serde_json::{Value, json};

pub const ACT_CODE_SYSTEM: &str = "http://terminology.hl7.org/CodeSystem/v3-ActCode";
/// Relais' codes for the kind of an absence.
pub const ABSENCE_KIND_SYSTEM: &str = "urn:relais:absence-kind";

/// The v3 ActCode class of a stay mode: (code, display).
pub fn class_of(mode: StayMode) -> (&'static str, &'static str) {
    match mode {
        StayMode::PermanentResidential | StayMode::TemporaryResidential => ("NONAC", "inpatient non-acute"),
        StayMode::DayCare => ("AMB", "ambulatory"),
        StayMode::Home => ("HH", "home health"),
    }
}

/// A stay or an absence as exposed.
pub struct EncounterView<'a> {
    pub id: String,
    pub patient_id: String,
    pub mode: StayMode,
    /// planned, in-progress, onleave, finished.
    pub status: &'static str,
    /// `YYYY-MM-DD`
    pub start: String,
    pub end: Option<String>,
    pub last_updated: String,
    /// The establishment's name (and unit), for a stay.
    pub place: &'a str,
    pub absence: Option<AbsenceView<'a>>,
}

pub struct AbsenceView<'a> {
    pub stay_id: String,
    pub kind: AbsenceKind,
    pub reason: &'a str,
}

pub fn to_json(v: &EncounterView) -> Value {
    let (code, display) = class_of(v.mode);
    let mut period = json!({ "start": v.start });
    if let Some(end) = &v.end {
        period["end"] = json!(end);
    }
    let mut out = json!({
        "resourceType": "Encounter",
        "id": v.id,
        "meta": { "lastUpdated": v.last_updated },
        "status": v.status,
        "class": { "system": ACT_CODE_SYSTEM, "code": code, "display": display },
        "subject": { "reference": format!("Patient/{}", v.patient_id) },
        "period": period,
    });
    match &v.absence {
        None => {
            out["type"] = json!([{ "text": format!("Séjour — {}", v.mode.label()) }]);
            out["serviceProvider"] = json!({ "display": v.place });
        }
        Some(a) => {
            out["partOf"] = json!({ "reference": format!("Encounter/{}", a.stay_id) });
            out["type"] = json!([{
                "coding": [{ "system": ABSENCE_KIND_SYSTEM, "code": a.kind.code(), "display": a.kind.label() }],
                "text": format!("Absence — {}", a.kind.label()),
            }]);
            if !a.reason.is_empty() {
                out["reasonCode"] = json!([{ "text": a.reason }]);
            }
        }
    }
    out
}

/// An absence as sent: Relais codes and dates still to be checked by the use case.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AbsenceInput {
    pub patient: String,
    pub stay: String,
    /// The stay modes the sent class stands for (all of them when no class was sent).
    pub modes: Vec<StayMode>,
    pub kind: String,
    pub start: String,
    pub end: String,
    pub reason: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct EncounterJson {
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
    status: Option<String>,
    class: Option<CodingJson>,
    #[serde(default, rename = "type")]
    type_: Vec<ConceptJson>,
    subject: Option<RefJson>,
    part_of: Option<RefJson>,
    period: Option<PeriodJson>,
    #[serde(default)]
    reason_code: Vec<ConceptJson>,
    service_provider: Option<Value>,
    #[serde(default)]
    location: Vec<Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CodingJson {
    system: Option<String>,
    code: Option<String>,
    #[allow(dead_code)]
    display: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConceptJson {
    #[serde(default)]
    coding: Vec<CodingJson>,
    text: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RefJson {
    reference: Option<String>,
    #[allow(dead_code)]
    display: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PeriodJson {
    start: Option<String>,
    end: Option<String>,
}

const STAY_BY_ADMISSION: &str = "a stay is opened by an admission in Relais (the person's page, « Admettre », or an \
     accepted admission request), which checks the establishment, the unit, the mode and the places; only an \
     absence during a stay (an Encounter partOf the stay's Encounter) is created through the API";

fn day(v: Option<&str>, path: &str) -> Result<String, FhirError> {
    match v {
        None => Ok(String::new()),
        Some(d) if d.len() == 10 && d.parse::<jiff::civil::Date>().is_ok() => Ok(d.to_string()),
        Some(_) => Err(FhirError::invalid(
            "value",
            format!("{path} must be a day, YYYY-MM-DD: absences are recorded by the day"),
            path,
        )),
    }
}

/// Reads an absence to create, shaped as `to_json` writes one: `partOf` the stay's Encounter,
/// `type` an absence kind of Relais, `period` by the day, `reasonCode` text. An Encounter
/// without `partOf` would be a stay: refused, with where stays are opened.
pub fn parse_absence(body: &[u8]) -> Result<AbsenceInput, FhirError> {
    let e: EncounterJson = super::read_resource(body, "Encounter")?;
    let stay = match e.part_of.and_then(|r| r.reference) {
        None => return Err(FhirError::invalid("not-supported", STAY_BY_ADMISSION, "Encounter.partOf")),
        Some(r) => r.strip_prefix("Encounter/").filter(|s| !s.is_empty()).map(str::to_string).ok_or_else(|| {
            FhirError::invalid("value", "partOf must reference the stay's Encounter (Encounter/id)", "Encounter.partOf")
        })?,
    };
    if e.service_provider.is_some() || !e.location.is_empty() {
        return Err(FhirError::invalid(
            "not-supported",
            "an absence takes place outside the establishment: serviceProvider and location belong to the stay",
            if e.service_provider.is_some() { "Encounter.serviceProvider" } else { "Encounter.location" },
        ));
    }
    let patient = e
        .subject
        .and_then(|r| r.reference)
        .and_then(|r| r.strip_prefix("Patient/").map(str::to_string))
        .ok_or_else(|| FhirError::invalid("required", "subject (Patient/id) is required", "Encounter.subject"))?;
    let modes: Vec<StayMode> = match &e.class {
        None => StayMode::ALL.to_vec(),
        Some(c) if c.system.as_deref() == Some(ACT_CODE_SYSTEM) => {
            let modes: Vec<StayMode> =
                StayMode::ALL.into_iter().filter(|m| Some(class_of(*m).0) == c.code.as_deref()).collect();
            if modes.is_empty() {
                return Err(FhirError::invalid(
                    "value",
                    "class must be NONAC, AMB or HH (the class of the stay)",
                    "Encounter.class",
                ));
            }
            modes
        }
        Some(_) => {
            return Err(FhirError::invalid(
                "value",
                format!("class must be a code of {ACT_CODE_SYSTEM}"),
                "Encounter.class",
            ));
        }
    };
    let mut kinds = e.type_.iter().flat_map(|t| &t.coding).map(|c| {
        if c.system.as_deref() == Some(ABSENCE_KIND_SYSTEM) {
            Ok(c.code.clone().unwrap_or_default())
        } else {
            Err(FhirError::invalid(
                "not-supported",
                format!("type must be a code of {ABSENCE_KIND_SYSTEM}"),
                "Encounter.type",
            ))
        }
    });
    let kind = kinds.next().ok_or_else(|| {
        FhirError::invalid("required", format!("type (a code of {ABSENCE_KIND_SYSTEM}) is required"), "Encounter.type")
    })??;
    if kinds.next().is_some() {
        return Err(FhirError::invalid("value", "one absence kind only", "Encounter.type"));
    }
    let period = e.period.unwrap_or(PeriodJson { start: None, end: None });
    let start = day(period.start.as_deref(), "Encounter.period.start")?;
    let end = day(period.end.as_deref(), "Encounter.period.end")?;
    // The status follows from the days (planned, in progress, finished); one that contradicts
    // them is refused rather than ignored.
    match e.status.as_deref() {
        None | Some("planned" | "in-progress") => {}
        Some("finished") if !end.is_empty() => {}
        Some("finished") => {
            return Err(FhirError::invalid(
                "value",
                "a finished absence needs period.end (the day of return)",
                "Encounter.status",
            ));
        }
        Some(_) => {
            return Err(FhirError::invalid(
                "value",
                "status must be planned, in-progress or finished",
                "Encounter.status",
            ));
        }
    }
    if e.reason_code.len() > 1 || e.reason_code.iter().any(|r| !r.coding.is_empty()) {
        return Err(FhirError::invalid("not-supported", "one reasonCode, as text only", "Encounter.reasonCode"));
    }
    let reason = e.reason_code.into_iter().next().and_then(|r| r.text).unwrap_or_default();
    Ok(AbsenceInput { patient, stay, modes, kind, start, end, reason })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stay_and_its_absence() {
        let stay = to_json(&EncounterView {
            id: "s".into(),
            patient_id: "p".into(),
            mode: StayMode::PermanentResidential,
            status: "onleave",
            start: "2026-01-02".into(),
            end: None,
            last_updated: "2026-01-02T00:00:00Z".into(),
            place: "EHPAD Les Tilleuls — Nord",
            absence: None,
        });
        assert_eq!(stay["class"]["code"], "NONAC");
        assert_eq!(stay["status"], "onleave");
        assert!(stay["period"].get("end").is_none());
        assert_eq!(stay["serviceProvider"]["display"], "EHPAD Les Tilleuls — Nord");
        let absence = to_json(&EncounterView {
            id: "a".into(),
            patient_id: "p".into(),
            mode: StayMode::Home,
            status: "finished",
            start: "2026-02-01".into(),
            end: Some("2026-02-05".into()),
            last_updated: "2026-02-05T00:00:00Z".into(),
            place: "",
            absence: Some(AbsenceView { stay_id: "s".into(), kind: AbsenceKind::Hospitalisation, reason: "" }),
        });
        assert_eq!(absence["partOf"]["reference"], "Encounter/s");
        assert_eq!(absence["class"]["code"], "HH");
        assert_eq!(absence["type"][0]["coding"][0]["code"], "hospitalisation");
        assert_eq!(absence["period"]["end"], "2026-02-05");
        assert!(absence.get("reasonCode").is_none() && absence.get("serviceProvider").is_none());
        let back = parse_absence(absence.to_string().as_bytes()).unwrap();
        assert_eq!((back.stay.as_str(), back.kind.as_str(), back.end.as_str()), ("s", "hospitalisation", "2026-02-05"));
        assert_eq!(back.modes, vec![StayMode::Home]);
        let err = parse_absence(stay.to_string().as_bytes()).unwrap_err();
        assert_eq!((err.code, err.expression.as_deref()), ("not-supported", Some("Encounter.partOf")));
    }
}
