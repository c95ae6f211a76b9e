//! FHIR Encounter out: a stay, and each absence during it.
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

use relais_domain::adminfile::AbsenceKind;
use relais_domain::stay::StayMode;
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
    }
}
