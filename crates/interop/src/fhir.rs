//! FHIR R4 (4.0.1) mapping of Relais resources, FR Core shapes.

use relais_domain::date::BirthDate;
use relais_domain::identity::{IdentityStatus, InseeCode, Sex};
use relais_domain::ins::{Ins, InsAuthority};
use serde::Deserialize;
use serde_json::{Value, json};

pub const FHIR_VERSION: &str = "4.0.1";
pub const IDENTITY_RELIABILITY: &str = "https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-identity-reliability";
pub const IDENTITY_STATUS_SYSTEM: &str = "https://hl7.fr/ig/fhir/core/CodeSystem/fr-core-cs-identity-status";
pub const BIRTH_LIST_GIVEN_NAME: &str =
    "https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-patient-birth-list-given-name";
pub const BIRTH_PLACE: &str = "http://hl7.org/fhir/StructureDefinition/patient-birthPlace";
pub const ADDRESS_INSEE_CODE: &str = "https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-address-insee-code";
pub const COMMUNE_SYSTEM: &str = "https://mos.esante.gouv.fr/NOS/TRE_R13-CommuneOM/FHIR/TRE-R13-CommuneOM";
pub const IDENTIFIER_TYPE_SYSTEM: &str = "https://hl7.fr/ig/fhir/core/CodeSystem/fr-core-cs-identifier-type";
pub const LOCAL_ID_SYSTEM: &str = "urn:relais:person";

/// Why a FHIR input was refused: 400 for what is not FHIR JSON, 422 for content that breaks a rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{diagnostics}")]
pub struct FhirError {
    pub status: u16,
    /// OperationOutcome `issue.code` (`structure`, `invalid`, `value`, `required`, `not-supported`).
    pub code: &'static str,
    pub diagnostics: String,
    /// FHIRPath of the element at fault.
    pub expression: Option<String>,
}

impl FhirError {
    fn structure(msg: impl Into<String>) -> Self {
        Self { status: 400, code: "structure", diagnostics: msg.into(), expression: None }
    }
    fn invalid(code: &'static str, msg: impl Into<String>, expr: &str) -> Self {
        Self { status: 422, code, diagnostics: msg.into(), expression: Some(expr.to_string()) }
    }
}

/// An OperationOutcome for one issue.
pub fn operation_outcome(severity: &str, code: &str, diagnostics: &str, expression: Option<&str>) -> Value {
    let mut issue = json!({ "severity": severity, "code": code, "diagnostics": diagnostics });
    if let Some(e) = expression {
        issue["expression"] = json!([e]);
    }
    json!({ "resourceType": "OperationOutcome", "issue": [issue] })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct PatientJson {
    resource_type: String,
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    meta: Option<Value>,
    #[serde(default)]
    text: Option<Value>,
    #[serde(default)]
    extension: Vec<ExtensionJson>,
    #[serde(default)]
    identifier: Vec<IdentifierJson>,
    #[serde(default)]
    active: Option<bool>,
    #[serde(default)]
    name: Vec<HumanNameJson>,
    #[serde(default)]
    gender: Option<String>,
    #[serde(default)]
    birth_date: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ExtensionJson {
    url: String,
    #[serde(default)]
    extension: Vec<ExtensionJson>,
    #[serde(default)]
    value_coding: Option<CodingJson>,
    #[serde(default)]
    value_string: Option<String>,
    #[serde(default)]
    value_address: Option<AddressJson>,
}

#[derive(Deserialize)]
struct CodingJson {
    #[serde(default)]
    code: Option<String>,
}

#[derive(Deserialize)]
struct AddressJson {
    #[serde(default)]
    extension: Vec<ExtensionJson>,
    #[serde(default)]
    district: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct IdentifierJson {
    #[serde(default, rename = "use")]
    _use: Option<String>,
    #[serde(default, rename = "type")]
    _type: Option<Value>,
    #[serde(default)]
    system: Option<String>,
    #[serde(default)]
    value: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HumanNameJson {
    #[serde(default, rename = "use")]
    name_use: Option<String>,
    #[serde(default)]
    extension: Vec<ExtensionJson>,
    #[serde(default)]
    family: Option<String>,
    #[serde(default)]
    given: Vec<String>,
    #[serde(default)]
    text: Option<String>,
}

/// Identity fields read from a FHIR Patient, still to be validated by the domain rules.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PatientInput {
    pub birth_name: String,
    pub first_names: String,
    pub birth_date: String,
    pub sex: String,
    pub birthplace: String,
    pub used_name: String,
    pub used_first_name: String,
    pub ins_matricule: String,
    pub ins_oid: String,
}

/// Reads a Patient. Elements Relais does not keep are refused by name, never dropped silently.
pub fn parse_patient(body: &[u8]) -> Result<PatientInput, FhirError> {
    let value: Value = serde_json::from_slice(body).map_err(|e| FhirError::structure(format!("invalid JSON: {e}")))?;
    if value.get("resourceType").and_then(Value::as_str) != Some("Patient") {
        return Err(FhirError::invalid("invalid", "resourceType must be Patient", "resourceType"));
    }
    let p: PatientJson = serde_json::from_value(value).map_err(|e| {
        let msg = e.to_string();
        if msg.contains("unknown field") {
            FhirError::invalid("not-supported", format!("element not supported by this server: {msg}"), "Patient")
        } else {
            FhirError::structure(format!("Patient does not match FHIR R4: {msg}"))
        }
    })?;
    let _ = (&p.resource_type, &p.id, &p.meta, &p.text, p.active);
    let mut out = PatientInput::default();
    let official = p
        .name
        .iter()
        .find(|n| n.name_use.as_deref() == Some("official"))
        .or_else(|| p.name.iter().find(|n| n.name_use.is_none()))
        .ok_or_else(|| FhirError::invalid("required", "an official name (birth name) is required", "Patient.name"))?;
    out.birth_name = official.family.clone().unwrap_or_default();
    let birth_list =
        official.extension.iter().find(|e| e.url == BIRTH_LIST_GIVEN_NAME).and_then(|e| e.value_string.clone());
    out.first_names = birth_list.unwrap_or_else(|| official.given.join(" "));
    let _ = &official.text;
    if let Some(usual) = p.name.iter().find(|n| n.name_use.as_deref() == Some("usual")) {
        out.used_name = usual.family.clone().unwrap_or_default();
        out.used_first_name = usual.given.first().cloned().unwrap_or_default();
    }
    out.birth_date =
        p.birth_date.ok_or_else(|| FhirError::invalid("required", "birthDate is required", "Patient.birthDate"))?;
    out.sex = match p.gender.as_deref() {
        Some(g) => Sex::from_fhir_gender(g)
            .map_err(|_| FhirError::invalid("value", "gender must be female, male or other", "Patient.gender"))?
            .code()
            .to_string(),
        None => {
            return Err(FhirError::invalid("required", "gender is required", "Patient.gender"));
        }
    };
    for ext in &p.extension {
        if ext.url == BIRTH_PLACE
            && let Some(addr) = &ext.value_address
        {
            let coded = addr
                .extension
                .iter()
                .find(|e| e.url == ADDRESS_INSEE_CODE)
                .and_then(|e| e.value_coding.as_ref())
                .and_then(|c| c.code.clone());
            out.birthplace = coded.or_else(|| addr.district.clone()).unwrap_or_default();
        }
        let _ = (&ext.extension, &ext.value_coding);
    }
    let mut ins_seen = false;
    for id in &p.identifier {
        let system = id.system.as_deref().unwrap_or("");
        if let Some(authority) = InsAuthority::from_oid(system) {
            if ins_seen {
                return Err(FhirError::invalid(
                    "invalid",
                    "only one INS identifier may be given",
                    "Patient.identifier",
                ));
            }
            ins_seen = true;
            out.ins_matricule = id.value.clone().unwrap_or_default();
            out.ins_oid = authority.oid().to_string();
        } else if system != LOCAL_ID_SYSTEM {
            return Err(FhirError::invalid(
                "not-supported",
                format!("identifier system not supported: {}", system.chars().take(100).collect::<String>()),
                "Patient.identifier",
            ));
        }
        let _ = (&id._use, &id._type);
    }
    Ok(out)
}

/// The extension carrying a `$match` candidate's grade (FHIR R4 core).
pub const MATCH_GRADE: &str = "http://hl7.org/fhir/StructureDefinition/match-grade";

/// The input of `Patient/$match`.
#[derive(Debug)]
pub struct MatchRequest {
    pub patient: PatientInput,
    pub only_certain: bool,
    pub count: usize,
}

/// Most candidates a `$match` answers, whatever `count` asks.
pub const MATCH_COUNT_MAX: usize = 50;

/// Reads the Parameters of `Patient/$match`; unknown parameters are refused by name.
pub fn parse_match_parameters(body: &[u8]) -> Result<MatchRequest, FhirError> {
    let value: Value = serde_json::from_slice(body).map_err(|e| FhirError::structure(format!("invalid JSON: {e}")))?;
    if value.get("resourceType").and_then(Value::as_str) != Some("Parameters") {
        return Err(FhirError::invalid("invalid", "resourceType must be Parameters", "resourceType"));
    }
    let mut patient = None;
    let mut only_certain = false;
    let mut count = 10usize;
    let params = value.get("parameter").and_then(Value::as_array).cloned().unwrap_or_default();
    for p in &params {
        let name = p.get("name").and_then(Value::as_str).unwrap_or("");
        match name {
            "resource" => {
                let r = p.get("resource").ok_or_else(|| {
                    FhirError::invalid("required", "parameter resource must hold a Patient", "Parameters.parameter")
                })?;
                let bytes = serde_json::to_vec(r).map_err(|e| FhirError::structure(e.to_string()))?;
                patient = Some(parse_patient(&bytes)?);
            }
            "onlyCertainMatches" => {
                only_certain = p.get("valueBoolean").and_then(Value::as_bool).ok_or_else(|| {
                    FhirError::invalid("value", "onlyCertainMatches must be a valueBoolean", "Parameters.parameter")
                })?;
            }
            "count" => {
                let n = p.get("valueInteger").and_then(Value::as_i64).filter(|n| *n >= 1).ok_or_else(|| {
                    FhirError::invalid("value", "count must be a positive valueInteger", "Parameters.parameter")
                })?;
                count = usize::try_from(n).unwrap_or(MATCH_COUNT_MAX).min(MATCH_COUNT_MAX);
            }
            other => {
                return Err(FhirError::invalid(
                    "not-supported",
                    format!("parameter not supported by $match: {}", other.chars().take(60).collect::<String>()),
                    "Parameters.parameter",
                ));
            }
        }
    }
    let patient = patient
        .ok_or_else(|| FhirError::invalid("required", "parameter resource (a Patient) is required", "Parameters"))?;
    Ok(MatchRequest { patient, only_certain, count })
}

/// What a FHIR Patient shows of a person.
pub struct PatientView<'a> {
    pub id: String,
    pub birth_name: &'a str,
    pub first_names: &'a [String],
    pub birth_date: &'a BirthDate,
    pub sex: Sex,
    pub birthplace: Option<&'a InseeCode>,
    pub used_name: Option<&'a str>,
    pub used_first_name: Option<&'a str>,
    pub status: IdentityStatus,
    pub ins: Option<&'a Ins>,
    /// The survivor's id when this identity was merged into it.
    pub replaced_by: Option<String>,
    pub last_updated: String,
}

/// Writes a FR Core Patient. The INS is emitted only for a qualified identity (RNIV, INS/va1.53):
/// this function is the one place that decides it for every FHIR output.
pub fn patient(v: &PatientView) -> Value {
    let mut identifiers = vec![json!({ "system": LOCAL_ID_SYSTEM, "value": v.id })];
    if let Some(ins) = v.ins.filter(|_| v.status.may_emit_ins()) {
        identifiers.push(json!({
            "use": ins.authority.fhir_use(),
            "type": { "coding": [{ "system": IDENTIFIER_TYPE_SYSTEM, "code": ins.authority.type_code() }] },
            "system": format!("urn:oid:{}", ins.authority.oid()),
            "value": ins.matricule.as_str(),
        }));
    }
    let mut names = vec![json!({
        "extension": [{ "url": BIRTH_LIST_GIVEN_NAME, "valueString": v.first_names.join(" ") }],
        "use": "official",
        "family": v.birth_name,
        "given": [v.first_names.first().cloned().unwrap_or_default()],
    })];
    if v.used_name.is_some() || v.used_first_name.is_some() {
        let mut usual = json!({ "use": "usual" });
        if let Some(n) = v.used_name {
            usual["family"] = json!(n);
        }
        if let Some(f) = v.used_first_name {
            usual["given"] = json!([f]);
        }
        names.push(usual);
    }
    let mut extensions = vec![json!({
        "url": IDENTITY_RELIABILITY,
        "extension": [{ "url": "identityStatus", "valueCoding": { "system": IDENTITY_STATUS_SYSTEM, "code": v.status.code() } }],
    })];
    if let Some(b) = v.birthplace {
        extensions.push(json!({
            "url": BIRTH_PLACE,
            "valueAddress": {
                "extension": [{ "url": ADDRESS_INSEE_CODE, "valueCoding": { "system": COMMUNE_SYSTEM, "code": b.as_str() } }],
                "district": b.as_str(),
            },
        }));
    }
    let mut patient = json!({
        "resourceType": "Patient",
        "id": v.id,
        "meta": { "lastUpdated": v.last_updated },
        "extension": extensions,
        "identifier": identifiers,
        "active": v.replaced_by.is_none(),
        "name": names,
        "gender": v.sex.fhir_gender(),
        "birthDate": v.birth_date.to_fhir(),
    });
    if let Some(survivor) = &v.replaced_by {
        patient["link"] = json!([{ "other": { "reference": format!("Patient/{survivor}") }, "type": "replaced-by" }]);
    }
    patient
}

/// Reads a resource of type `kind`; elements this server does not keep are refused (422
/// `not-supported`) rather than dropped without a word.
pub(crate) fn read_resource<T: serde::de::DeserializeOwned>(body: &[u8], kind: &str) -> Result<T, FhirError> {
    let value: Value = serde_json::from_slice(body).map_err(|e| FhirError::structure(format!("invalid JSON: {e}")))?;
    if value.get("resourceType").and_then(Value::as_str) != Some(kind) {
        return Err(FhirError::invalid("invalid", format!("resourceType must be {kind}"), "resourceType"));
    }
    serde_json::from_value(value).map_err(|e| {
        let msg = e.to_string();
        if msg.contains("unknown field") {
            FhirError::invalid("not-supported", format!("element not supported by this server: {msg}"), kind)
        } else {
            FhirError::structure(format!("{kind} does not match FHIR R4: {msg}"))
        }
    })
}

/// The FHIR `instant` of a timestamp in microseconds.
pub fn instant(micros: i64) -> String {
    jiff::Timestamp::from_microsecond(micros).map(|t| t.to_string()).unwrap_or_default()
}

/// A searchset Bundle.
pub fn searchset(base: &str, self_link: &str, entries: Vec<Value>) -> Value {
    let total = entries.len();
    let entry: Vec<Value> = entries
        .into_iter()
        .map(|r| {
            let url = format!("{base}/{}/{}", r["resourceType"].as_str().unwrap_or(""), r["id"].as_str().unwrap_or(""));
            json!({ "fullUrl": url, "resource": r, "search": { "mode": "match" } })
        })
        .collect();
    json!({
        "resourceType": "Bundle",
        "type": "searchset",
        "total": total,
        "link": [{ "relation": "self", "url": self_link }],
        "entry": entry,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn view<'a>(first: &'a [String], bd: &'a BirthDate, ins: &'a Ins, status: IdentityStatus) -> PatientView<'a> {
        PatientView {
            id: "0190".into(),
            birth_name: "TCHITCHI",
            first_names: first,
            birth_date: bd,
            sex: Sex::Female,
            birthplace: None,
            used_name: None,
            used_first_name: None,
            status,
            ins: Some(ins),
            replaced_by: None,
            last_updated: "2026-11-26T00:00:00Z".into(),
        }
    }

    #[test]
    fn a_merged_identity_points_to_its_survivor() {
        let first = vec!["CATARINA".to_string()];
        let bd = BirthDate::parse("1936-06-21", date(2026, 1, 1)).unwrap();
        let ins = Ins::parse("236066322083656", "1.2.250.1.213.1.4.10").unwrap();
        let mut v = view(&first, &bd, &ins, IdentityStatus::Provisional);
        assert_eq!(patient(&v)["active"], true);
        assert!(patient(&v).get("link").is_none());
        v.replaced_by = Some("0191".into());
        let out = patient(&v);
        assert_eq!(out["active"], false);
        assert_eq!(out["link"][0]["type"], "replaced-by");
        assert_eq!(out["link"][0]["other"]["reference"], "Patient/0191");
    }

    #[test]
    fn ins_is_emitted_only_when_qualified() {
        let first = vec!["CATARINA".to_string(), "BELLA".to_string()];
        let bd = BirthDate::parse("1936-06-21", date(2026, 1, 1)).unwrap();
        let ins = Ins::parse("236066322083656", "1.2.250.1.213.1.4.10").unwrap();
        for status in [IdentityStatus::Provisional, IdentityStatus::Retrieved, IdentityStatus::Validated] {
            let out = patient(&view(&first, &bd, &ins, status)).to_string();
            assert!(!out.contains("236066322083656"), "{status:?}");
            assert!(!out.contains("1.2.250.1.213.1.4.10"), "{status:?}");
        }
        let out = patient(&view(&first, &bd, &ins, IdentityStatus::Qualified));
        assert_eq!(out["identifier"][1]["value"], "236066322083656");
        assert_eq!(out["identifier"][1]["system"], "urn:oid:1.2.250.1.213.1.4.10");
        assert_eq!(out["name"][0]["given"][0], "CATARINA");
        assert_eq!(out["name"][0]["extension"][0]["valueString"], "CATARINA BELLA");
    }

    #[test]
    fn reads_a_fr_core_patient() {
        let body = br#"{"resourceType":"Patient","identifier":[{"system":"urn:oid:1.2.250.1.213.1.4.10","value":"236066322083656"}],
            "name":[{"use":"official","family":"TCHITCHI","given":["CATARINA"],"extension":[{"url":"https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-patient-birth-list-given-name","valueString":"CATARINA BELLA"}]},
                    {"use":"usual","family":"MARTIN"}],
            "gender":"female","birthDate":"1936-06-21",
            "extension":[{"url":"http://hl7.org/fhir/StructureDefinition/patient-birthPlace","valueAddress":{"district":"63220"}}]}"#;
        let p = parse_patient(body).unwrap();
        assert_eq!(p.first_names, "CATARINA BELLA");
        assert_eq!(p.used_name, "MARTIN");
        assert_eq!(p.sex, "F");
        assert_eq!(p.birthplace, "63220");
        assert_eq!(p.ins_oid, "1.2.250.1.213.1.4.10");
    }

    #[test]
    fn refuses_what_it_cannot_keep() {
        assert_eq!(parse_patient(b"{").unwrap_err().status, 400);
        assert_eq!(parse_patient(br#"{"resourceType":"Observation"}"#).unwrap_err().status, 422);
        let unknown = br#"{"resourceType":"Patient","name":[{"family":"A","given":["B"]}],"gender":"male","birthDate":"1990","telecom":[]}"#;
        assert_eq!(parse_patient(unknown).unwrap_err().code, "not-supported");
        let no_gender = br#"{"resourceType":"Patient","name":[{"family":"A","given":["B"]}],"birthDate":"1990"}"#;
        assert_eq!(parse_patient(no_gender).unwrap_err().code, "required");
        let bad_system = br#"{"resourceType":"Patient","identifier":[{"system":"urn:x","value":"1"}],"name":[{"family":"A","given":["B"]}],"gender":"male","birthDate":"1990"}"#;
        assert_eq!(parse_patient(bad_system).unwrap_err().code, "not-supported");
    }
}

pub mod appointment;
pub mod care_plan;
pub mod communication;
pub mod document_reference;
pub mod encounter;
pub mod questionnaire_response;
pub mod relatives;

/// A CodeableConcept as read: its codings.
#[derive(Deserialize)]
pub(crate) struct CodeableConcept {
    #[serde(default)]
    pub coding: Vec<Coding>,
}

#[derive(Deserialize)]
pub(crate) struct Coding {
    #[serde(default)]
    pub system: Option<String>,
    #[serde(default)]
    pub code: Option<String>,
}

impl CodeableConcept {
    /// The code of the first coding in `system`.
    pub fn code_in(&self, system: &str) -> Option<&str> {
        self.coding.iter().find(|c| c.system.as_deref() == Some(system)).and_then(|c| c.code.as_deref())
    }
}

#[derive(Deserialize)]
pub(crate) struct Reference {
    pub reference: Option<String>,
}

/// Relais' own code system for confidentiality categories (security labels).
pub const CATEGORY_SYSTEM: &str = "urn:relais:category";

pub mod observation {
    //! FHIR Observation (vital-signs profile) in and out.

    use super::{CodeableConcept, FhirError, Reference};
    use relais_domain::observation::{DIASTOLIC_LOINC, MeasureCategory, SYSTOLIC_LOINC, VitalSign};
    use serde::Deserialize;
    use serde_json::{Value, json};

    pub const LOINC: &str = relais_domain::observation::LOINC_SYSTEM;
    pub const UCUM: &str = "http://unitsofmeasure.org";
    pub const VITAL_SIGNS_PROFILE: &str = "http://hl7.org/fhir/StructureDefinition/vitalsigns";
    pub const CATEGORY_SYSTEM: &str = "http://terminology.hl7.org/CodeSystem/observation-category";

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    struct ObservationJson {
        resource_type: String,
        #[serde(default)]
        id: Option<String>,
        #[serde(default)]
        meta: Option<Value>,
        #[serde(default)]
        text: Option<Value>,
        status: String,
        #[serde(default)]
        category: Vec<Value>,
        code: CodeableConcept,
        subject: Reference,
        effective_date_time: Option<String>,
        #[serde(default)]
        value_quantity: Option<Quantity>,
        #[serde(default)]
        component: Vec<Component>,
    }

    #[derive(Deserialize)]
    struct Quantity {
        value: Option<f64>,
        #[serde(default)]
        system: Option<String>,
        #[serde(default)]
        code: Option<String>,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Component {
        code: CodeableConcept,
        value_quantity: Option<Quantity>,
    }

    /// An Observation read from a client, still to be checked by the domain rules.
    #[derive(Debug, Clone, PartialEq)]
    pub struct ObservationInput {
        pub patient_id: String,
        pub kind: VitalSign,
        pub value: f64,
        pub value2: Option<f64>,
        /// `effectiveDateTime` as sent.
        pub effective: String,
    }

    fn loinc_of(c: &CodeableConcept) -> Option<&str> {
        c.code_in(LOINC)
    }

    fn quantity(q: Option<&Quantity>, unit: &str, path: &str) -> Result<f64, FhirError> {
        let q = q.ok_or_else(|| FhirError::invalid("required", format!("{path} is required"), path))?;
        if q.system.as_deref() != Some(UCUM) || q.code.as_deref() != Some(unit) {
            return Err(FhirError::invalid("value", format!("{path} must be in UCUM unit {unit}"), path));
        }
        q.value.ok_or_else(|| FhirError::invalid("required", format!("{path}.value is required"), path))
    }

    pub fn parse(body: &[u8]) -> Result<ObservationInput, FhirError> {
        let o: ObservationJson = super::read_resource(body, "Observation")?;
        let _ = (&o.resource_type, &o.id, &o.meta, &o.text, &o.category);
        if !matches!(o.status.as_str(), "final" | "amended" | "corrected") {
            return Err(FhirError::invalid(
                "value",
                "status must be final, amended or corrected",
                "Observation.status",
            ));
        }
        let kind = o
            .code
            .coding
            .iter()
            .find_map(|c| VitalSign::from_coding(c.system.as_deref()?, c.code.as_deref()?))
            .ok_or_else(|| {
                let sent = o.code.coding.first().and_then(|c| c.code.as_deref()).unwrap_or("");
                FhirError::invalid(
                    "not-supported",
                    format!(
                        "Observation.code must hold a supported LOINC code or a code of {}; got {:?}",
                        relais_domain::observation::RELAIS_MEASURE_SYSTEM,
                        sent.chars().take(20).collect::<String>()
                    ),
                    "Observation.code",
                )
            })?;
        let patient_id =
            o.subject.reference.as_deref().and_then(|r| r.strip_prefix("Patient/")).map(str::to_string).ok_or_else(
                || FhirError::invalid("required", "subject must reference Patient/{id}", "Observation.subject"),
            )?;
        let effective = o.effective_date_time.ok_or_else(|| {
            FhirError::invalid("required", "effectiveDateTime is required", "Observation.effectiveDateTime")
        })?;
        let (value, value2) = if kind == VitalSign::BloodPressure {
            let find = |loinc: &str| o.component.iter().find(|c| loinc_of(&c.code) == Some(loinc));
            let sys = find(SYSTOLIC_LOINC).ok_or_else(|| {
                FhirError::invalid("required", "systolic component (8480-6) is required", "Observation.component")
            })?;
            let dia = find(DIASTOLIC_LOINC).ok_or_else(|| {
                FhirError::invalid("required", "diastolic component (8462-4) is required", "Observation.component")
            })?;
            (
                quantity(sys.value_quantity.as_ref(), kind.unit(), "Observation.component.valueQuantity")?,
                Some(quantity(dia.value_quantity.as_ref(), kind.unit(), "Observation.component.valueQuantity")?),
            )
        } else {
            if !o.component.is_empty() {
                return Err(FhirError::invalid(
                    "not-supported",
                    "components are only read for blood pressure",
                    "Observation.component",
                ));
            }
            (quantity(o.value_quantity.as_ref(), kind.unit(), "Observation.valueQuantity")?, None)
        };
        Ok(ObservationInput { patient_id, kind, value, value2, effective })
    }

    pub struct ObservationView {
        pub id: String,
        pub patient_id: String,
        pub kind: VitalSign,
        pub value: f64,
        pub value2: Option<f64>,
        pub effective: String,
        pub last_updated: String,
    }

    fn qty(value: f64, unit: &str) -> Value {
        json!({ "value": value, "unit": unit, "system": UCUM, "code": unit })
    }

    pub fn to_json(v: &ObservationView) -> Value {
        let category = v.kind.category();
        let mut meta = json!({ "lastUpdated": v.last_updated });
        // Only vital signs claim the vital-signs profile: pain scales and intake are not.
        if category == MeasureCategory::VitalSigns {
            meta["profile"] = json!([VITAL_SIGNS_PROFILE]);
        }
        let mut out = json!({
            "resourceType": "Observation",
            "id": v.id,
            "meta": meta,
            "status": "final",
            "category": [{ "coding": [{ "system": CATEGORY_SYSTEM, "code": category.code(), "display": category.display() }] }],
            "code": { "coding": [{ "system": v.kind.terminology().system(), "code": v.kind.term(), "display": v.kind.display() }], "text": v.kind.label() },
            "subject": { "reference": format!("Patient/{}", v.patient_id) },
            "effectiveDateTime": v.effective,
        });
        match (v.kind, v.value2) {
            (VitalSign::BloodPressure, Some(d)) => {
                out["component"] = json!([
                    { "code": { "coding": [{ "system": LOINC, "code": SYSTOLIC_LOINC, "display": "Systolic blood pressure" }] }, "valueQuantity": qty(v.value, v.kind.unit()) },
                    { "code": { "coding": [{ "system": LOINC, "code": DIASTOLIC_LOINC, "display": "Diastolic blood pressure" }] }, "valueQuantity": qty(d, v.kind.unit()) },
                ]);
            }
            _ => out["valueQuantity"] = qty(v.value, v.kind.unit()),
        }
        out
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn round_trip_and_refusals() {
            let bp = br#"{"resourceType":"Observation","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"85354-9"}]},
                "subject":{"reference":"Patient/abc"},"effectiveDateTime":"2026-11-26T08:00:00Z",
                "component":[{"code":{"coding":[{"system":"http://loinc.org","code":"8480-6"}]},"valueQuantity":{"value":130,"system":"http://unitsofmeasure.org","code":"mm[Hg]"}},
                             {"code":{"coding":[{"system":"http://loinc.org","code":"8462-4"}]},"valueQuantity":{"value":80,"system":"http://unitsofmeasure.org","code":"mm[Hg]"}}]}"#;
            let p = parse(bp).unwrap();
            assert_eq!((p.kind, p.value, p.value2), (VitalSign::BloodPressure, 130.0, Some(80.0)));
            let out = to_json(&ObservationView {
                id: "1".into(),
                patient_id: "abc".into(),
                kind: p.kind,
                value: p.value,
                value2: p.value2,
                effective: p.effective.clone(),
                last_updated: p.effective,
            });
            assert_eq!(out["component"][1]["valueQuantity"]["value"], 80.0);
            let wrong_unit = br#"{"resourceType":"Observation","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"29463-7"}]},
                "subject":{"reference":"Patient/abc"},"effectiveDateTime":"2026-11-26T08:00:00Z","valueQuantity":{"value":160,"system":"http://unitsofmeasure.org","code":"[lb_av]"}}"#;
            assert_eq!(parse(wrong_unit).unwrap_err().status, 422);
            let unknown_code = br#"{"resourceType":"Observation","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"1234-5"}]},"subject":{"reference":"Patient/abc"},"effectiveDateTime":"2026-11-26T08:00:00Z"}"#;
            assert_eq!(parse(unknown_code).unwrap_err().code, "not-supported");
        }

        #[test]
        fn scales_without_loinc_travel_in_relais_codes() {
            let algoplus = br#"{"resourceType":"Observation","status":"final","code":{"coding":[{"system":"urn:relais:measure","code":"algoplus"}]},
                "subject":{"reference":"Patient/abc"},"effectiveDateTime":"2026-11-26T08:00:00Z","valueQuantity":{"value":3,"system":"http://unitsofmeasure.org","code":"{score}"}}"#;
            let p = parse(algoplus).unwrap();
            assert_eq!((p.kind, p.value), (VitalSign::Algoplus, 3.0));
            let out = to_json(&ObservationView {
                id: "1".into(),
                patient_id: "abc".into(),
                kind: p.kind,
                value: p.value,
                value2: None,
                effective: p.effective.clone(),
                last_updated: p.effective,
            });
            assert_eq!(out["code"]["coding"][0]["system"], "urn:relais:measure");
            assert_eq!(out["category"][0]["coding"][0]["code"], "survey");
            assert!(out["meta"].get("profile").is_none(), "a pain scale does not claim the vital-signs profile");
            // The same code in LOINC's system is not Algoplus.
            let wrong_system = br#"{"resourceType":"Observation","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"algoplus"}]},"subject":{"reference":"Patient/abc"},"effectiveDateTime":"2026-11-26T08:00:00Z"}"#;
            assert_eq!(parse(wrong_system).unwrap_err().code, "not-supported");
            let fluid = br#"{"resourceType":"Observation","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"9108-2"}]},
                "subject":{"reference":"Patient/abc"},"effectiveDateTime":"2026-11-26T08:00:00Z","valueQuantity":{"value":1200,"system":"http://unitsofmeasure.org","code":"mL"}}"#;
            assert_eq!(parse(fluid).unwrap().kind, VitalSign::FluidIntake);
        }
    }
}
