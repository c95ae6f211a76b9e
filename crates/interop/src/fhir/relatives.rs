//! FHIR RelatedPerson (FR Core profile) and Consent, in and out: a person's contacts with
//! their roles (HL7 v3 RoleClass as TRE_R260), their link (RoleCode as TRE_R216) and what they may
//! be told; consent decisions with their purpose, status, performer and provision, in and out.

use super::FhirError;
use relais_domain::relative::{
    ConsentPurpose, ConsentStatus, ROLE_CLASS_SYSTEM, ROLE_CODE_SYSTEM, RelationKind, Relationship, Sharing,
    international_phone,
};
use serde::Deserialize;
use serde_json::{Value, json};

pub const RELATED_PERSON_PROFILE: &str = "https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-related-person";
/// Relais' own codes for the roles without a RoleClass code (family, referent, other), and for all.
pub const ROLE_SYSTEM: &str = "urn:relais:contact-role";
/// Relais' own codes for the links without a RoleCode (professional, other).
pub const RELATIONSHIP_SYSTEM: &str = "urn:relais:relationship";
/// What the contact may be told: one `valueCode` per choice (health, administrative, emergencies, nothing).
pub const SHARING_EXTENSION: &str = "urn:relais:fhir:related-person-sharing";
/// Since when the contact is the personne de confiance (`valueDate`).
pub const TRUSTED_SINCE_EXTENSION: &str = "urn:relais:fhir:related-person-trusted-since";
/// Relais' identifiers of contacts (the RelatedPerson id).
pub const CONTACT_ID_SYSTEM: &str = "urn:relais:contact";
/// Relais' consent purposes.
pub const PURPOSE_SYSTEM: &str = "urn:relais:consent-purpose";
/// A decision by the person alone while under a measure covering the person (`valueBoolean`).
pub const REVIEW_EXTENSION: &str = "urn:relais:fhir:consent-needs-review";
pub const CONSENT_SCOPE_SYSTEM: &str = "http://terminology.hl7.org/CodeSystem/consentscope";

/// A contact as sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RelatedPersonInput {
    pub patient: String,
    pub family_name: String,
    pub given_name: String,
    pub relationship: String,
    pub roles: Vec<String>,
    pub sharing: Vec<String>,
    pub phones: Vec<String>,
    pub email: String,
    pub address: String,
    pub trusted_since: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct RelatedPersonJson {
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
    active: Option<bool>,
    #[serde(default)]
    identifier: Vec<IdentifierJson>,
    #[serde(default)]
    extension: Vec<ExtensionJson>,
    patient: Option<RefJson>,
    #[serde(default)]
    relationship: Vec<ConceptJson>,
    #[serde(default)]
    name: Vec<NameJson>,
    #[serde(default)]
    telecom: Vec<TelecomJson>,
    #[serde(default)]
    address: Vec<AddressJson>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct ExtensionJson {
    url: String,
    value_code: Option<String>,
    value_date: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct IdentifierJson {
    system: Option<String>,
    #[allow(dead_code)]
    value: Option<String>,
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
struct ConceptJson {
    #[serde(default)]
    coding: Vec<CodingJson>,
    #[allow(dead_code)]
    text: Option<String>,
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
struct NameJson {
    family: Option<String>,
    #[serde(default)]
    given: Vec<String>,
    #[allow(dead_code)]
    #[serde(rename = "use")]
    use_: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TelecomJson {
    system: Option<String>,
    value: Option<String>,
    #[allow(dead_code)]
    #[serde(rename = "use")]
    use_: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AddressJson {
    text: Option<String>,
    #[serde(default)]
    line: Vec<String>,
    #[serde(rename = "postalCode")]
    postal_code: Option<String>,
    city: Option<String>,
    #[allow(dead_code)]
    country: Option<String>,
}

/// Reads a RelatedPerson to create. Codes are passed on as Relais codes; the use case checks them.
pub fn parse_related_person(body: &[u8]) -> Result<RelatedPersonInput, FhirError> {
    let r: RelatedPersonJson =
        serde_json::from_slice(body).map_err(|e| FhirError::structure(format!("not a valid RelatedPerson: {e}")))?;
    if r.resource_type != "RelatedPerson" {
        return Err(FhirError::structure("resourceType must be RelatedPerson"));
    }
    if r.active == Some(false) {
        return Err(FhirError::invalid("value", "an inactive RelatedPerson cannot be created", "RelatedPerson.active"));
    }
    // Relais' own identifier (a resource read back) names the contact Relais assigns anew; another
    // system's identifier would not be kept, so it is refused rather than dropped.
    if r.identifier.iter().any(|i| i.system.as_deref() != Some(CONTACT_ID_SYSTEM)) {
        return Err(FhirError::invalid(
            "not-supported",
            format!("only {CONTACT_ID_SYSTEM} identifiers are accepted; others are not kept"),
            "RelatedPerson.identifier",
        ));
    }
    let patient =
        r.patient.and_then(|p| p.reference).and_then(|p| p.strip_prefix("Patient/").map(str::to_string)).ok_or_else(
            || FhirError::invalid("required", "patient (Patient/id) is required", "RelatedPerson.patient"),
        )?;
    if r.name.len() > 1 {
        return Err(FhirError::invalid("value", "one name only", "RelatedPerson.name"));
    }
    let name = r.name.into_iter().next();
    let (family_name, given_name) = match name {
        Some(n) => {
            if n.given.len() > 1 {
                return Err(FhirError::invalid("value", "one given name only", "RelatedPerson.name.given"));
            }
            (n.family.unwrap_or_default(), n.given.into_iter().next().unwrap_or_default())
        }
        None => (String::new(), String::new()),
    };
    let mut roles = Vec::new();
    let mut relationship = String::new();
    for coding in r.relationship.iter().flat_map(|c| &c.coding) {
        let code = coding.code.as_deref().unwrap_or_default();
        let role = match coding.system.as_deref() {
            Some(ROLE_CLASS_SYSTEM) => Some(RelationKind::from_role_class(code).map(|r| r.code()).unwrap_or(code)),
            Some(ROLE_SYSTEM) => Some(code),
            Some(ROLE_CODE_SYSTEM) | Some(RELATIONSHIP_SYSTEM) => {
                let link = Relationship::from_role_code(code).map(|r| r.code()).unwrap_or(code);
                if !relationship.is_empty() && relationship != link {
                    return Err(FhirError::invalid(
                        "value",
                        "one link to the patient only",
                        "RelatedPerson.relationship",
                    ));
                }
                relationship = link.to_string();
                None
            }
            other => {
                return Err(FhirError::invalid(
                    "not-supported",
                    format!(
                        "relationship system not supported: {}",
                        other.unwrap_or("(none)").chars().take(100).collect::<String>()
                    ),
                    "RelatedPerson.relationship",
                ));
            }
        };
        if let Some(role) = role
            && !roles.iter().any(|r: &String| r == role)
        {
            roles.push(role.to_string());
        }
    }
    let mut sharing = Vec::new();
    let mut trusted_since = String::new();
    for e in r.extension {
        match e.url.as_str() {
            SHARING_EXTENSION => sharing.push(e.value_code.ok_or_else(|| {
                FhirError::invalid("required", "sharing extension needs valueCode", "RelatedPerson.extension")
            })?),
            TRUSTED_SINCE_EXTENSION => trusted_since = e.value_date.unwrap_or_default(),
            other => {
                return Err(FhirError::invalid(
                    "not-supported",
                    format!("extension not supported: {}", other.chars().take(100).collect::<String>()),
                    "RelatedPerson.extension",
                ));
            }
        }
    }
    let mut phones = Vec::new();
    let mut email = String::new();
    for t in r.telecom {
        let value = t.value.unwrap_or_default();
        match t.system.as_deref() {
            Some("phone") => phones.push(value),
            Some("email") if email.is_empty() => email = value,
            Some("email") => {
                return Err(FhirError::invalid("value", "one email address only", "RelatedPerson.telecom"));
            }
            _ => {
                return Err(FhirError::invalid(
                    "not-supported",
                    "telecom.system must be phone or email",
                    "RelatedPerson.telecom",
                ));
            }
        }
    }
    if phones.len() > 2 {
        return Err(FhirError::invalid("value", "two phone numbers at most", "RelatedPerson.telecom"));
    }
    if r.address.len() > 1 {
        return Err(FhirError::invalid("value", "one address only", "RelatedPerson.address"));
    }
    let address = r
        .address
        .into_iter()
        .next()
        .map(|a| match a.text {
            Some(t) if !t.trim().is_empty() => t,
            _ => {
                let city = [a.postal_code.unwrap_or_default(), a.city.unwrap_or_default()].join(" ").trim().to_string();
                a.line.into_iter().chain(std::iter::once(city)).filter(|l| !l.is_empty()).collect::<Vec<_>>().join("\n")
            }
        })
        .unwrap_or_default();
    Ok(RelatedPersonInput {
        patient,
        family_name,
        given_name,
        relationship,
        roles,
        sharing,
        phones,
        email,
        address,
        trusted_since,
    })
}

/// A contact as the API shows it.
pub struct RelatedPersonView<'a> {
    pub id: String,
    pub patient_id: String,
    pub family_name: &'a str,
    pub given_name: &'a str,
    pub relationship: Relationship,
    pub roles: &'a [RelationKind],
    pub sharing: &'a [Sharing],
    pub phones: Vec<&'a str>,
    pub email: &'a str,
    pub address: &'a str,
    pub trusted_since: Option<String>,
    pub version: i32,
    pub last_updated: String,
}

pub fn related_person_to_json(v: &RelatedPersonView) -> Value {
    let mut relationship: Vec<Value> = v
        .roles
        .iter()
        .map(|r| {
            let mut coding = vec![json!({ "system": ROLE_SYSTEM, "code": r.code(), "display": r.label() })];
            if let Some((code, display)) = r.role_class() {
                coding.insert(0, json!({ "system": ROLE_CLASS_SYSTEM, "code": code, "display": display }));
            }
            json!({ "coding": coding, "text": r.label() })
        })
        .collect();
    let link = match v.relationship.role_code() {
        Some((code, display)) => json!({ "system": ROLE_CODE_SYSTEM, "code": code, "display": display }),
        None => {
            json!({ "system": RELATIONSHIP_SYSTEM, "code": v.relationship.code(), "display": v.relationship.label() })
        }
    };
    relationship.push(json!({ "coding": [link], "text": v.relationship.label() }));
    let mut telecom: Vec<Value> =
        v.phones.iter().map(|p| json!({ "system": "phone", "value": international_phone(p) })).collect();
    if !v.email.is_empty() {
        telecom.push(json!({ "system": "email", "value": v.email }));
    }
    let mut extension: Vec<Value> =
        v.sharing.iter().map(|s| json!({ "url": SHARING_EXTENSION, "valueCode": s.code() })).collect();
    if let Some(d) = &v.trusted_since {
        extension.push(json!({ "url": TRUSTED_SINCE_EXTENSION, "valueDate": d }));
    }
    let mut name = json!({ "family": v.family_name });
    if !v.given_name.is_empty() {
        name["given"] = json!([v.given_name]);
    }
    let mut out = json!({
        "resourceType": "RelatedPerson",
        "id": v.id,
        "meta": { "versionId": v.version.to_string(), "lastUpdated": v.last_updated, "profile": [RELATED_PERSON_PROFILE] },
        "identifier": [{ "system": CONTACT_ID_SYSTEM, "value": v.id }],
        "active": true,
        "patient": { "reference": format!("Patient/{}", v.patient_id) },
        "relationship": relationship,
        "name": [name],
    });
    if !extension.is_empty() {
        out["extension"] = json!(extension);
    }
    if !telecom.is_empty() {
        out["telecom"] = json!(telecom);
    }
    if !v.address.is_empty() {
        out["address"] = json!([{ "text": v.address, "line": v.address.lines().collect::<Vec<_>>() }]);
    }
    out
}

/// A consent decision as the API shows it.
pub struct ConsentView<'a> {
    pub id: String,
    pub patient_id: String,
    pub purpose: ConsentPurpose,
    pub purpose_text: &'a str,
    pub status: ConsentStatus,
    /// The latest decision of its purpose: older ones are inactive.
    pub in_force: bool,
    pub decided_on: String,
    /// The representative's RelatedPerson id; `None`: the patient decided.
    pub by_contact: Option<String>,
    pub needs_review: bool,
    pub document_id: Option<String>,
    pub last_updated: String,
}

pub fn consent_to_json(v: &ConsentView) -> Value {
    let status = if v.in_force { v.status.fhir_status() } else { "inactive" };
    let performer = match &v.by_contact {
        Some(c) => format!("RelatedPerson/{c}"),
        None => format!("Patient/{}", v.patient_id),
    };
    let purpose_display = if v.purpose == ConsentPurpose::Other {
        format!("Autre : {}", v.purpose_text)
    } else {
        v.purpose.label().to_string()
    };
    let mut out = json!({
        "resourceType": "Consent",
        "id": v.id,
        "meta": { "lastUpdated": v.last_updated },
        "status": status,
        "scope": { "coding": [{ "system": CONSENT_SCOPE_SYSTEM, "code": v.purpose.fhir_scope() }] },
        "category": [
            { "coding": [{ "system": "http://loinc.org", "code": "59284-0", "display": "Consent Document" }] },
            { "coding": [{ "system": PURPOSE_SYSTEM, "code": v.purpose.code(), "display": purpose_display }], "text": purpose_display },
        ],
        "patient": { "reference": format!("Patient/{}", v.patient_id) },
        "dateTime": v.decided_on,
        "performer": [{ "reference": performer }],
        "provision": {
            "type": if v.status == ConsentStatus::Given { "permit" } else { "deny" },
            "period": { "start": v.decided_on },
            "code": [{ "coding": [{ "system": PURPOSE_SYSTEM, "code": v.purpose.code() }], "text": purpose_display }],
        },
        "extension": [{ "url": REVIEW_EXTENSION, "valueBoolean": v.needs_review }],
    });
    if let Some(d) = &v.document_id {
        out["sourceReference"] = json!({ "reference": format!("DocumentReference/{d}") });
    }
    out
}

/// A consent decision as sent, in Relais' codes; the use case checks them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConsentInput {
    pub patient: String,
    pub purpose: String,
    pub purpose_text: String,
    /// given, refused or withdrawn.
    pub status: String,
    pub decided_on: String,
    /// `person`, or the representative's RelatedPerson id.
    pub decided_by: String,
    pub document: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct ConsentJson {
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
    extension: Vec<ConsentExtensionJson>,
    status: Option<String>,
    scope: Option<ConceptJson>,
    #[serde(default)]
    category: Vec<ConceptJson>,
    patient: Option<RefJson>,
    date_time: Option<String>,
    #[serde(default)]
    performer: Vec<RefJson>,
    source_reference: Option<RefJson>,
    provision: Option<ProvisionJson>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct ConsentExtensionJson {
    url: String,
    #[allow(dead_code)]
    value_boolean: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProvisionJson {
    #[serde(rename = "type")]
    type_: Option<String>,
    period: Option<PeriodJson>,
    #[serde(default)]
    code: Vec<ConceptJson>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PeriodJson {
    start: Option<String>,
    end: Option<String>,
}

/// The text of an « other » purpose, as `consent_to_json` writes it.
fn other_purpose_text(display: &str) -> &str {
    display.strip_prefix("Autre : ").unwrap_or(display).trim()
}

/// Reads a Consent to create, shaped as `consent_to_json` writes one: `status` active (given),
/// rejected (refused) or inactive (withdrawn) with the matching `provision.type`; the purpose
/// in `category` (Relais' purpose system) and/or `provision.code`; `dateTime` the day of the
/// decision; `performer` the Patient or the representative's RelatedPerson; `sourceReference`
/// the signed form filed as a DocumentReference. Anything else is refused by name.
pub fn parse_consent(body: &[u8]) -> Result<ConsentInput, FhirError> {
    let c: ConsentJson = super::read_resource(body, "Consent")?;
    for e in &c.extension {
        // The review flag is the server's conclusion (a protected person deciding alone): it is
        // accepted as read back and computed again.
        if e.url != REVIEW_EXTENSION {
            return Err(FhirError::invalid(
                "not-supported",
                format!("extension not supported: {}", e.url.chars().take(100).collect::<String>()),
                "Consent.extension",
            ));
        }
    }
    let patient = c
        .patient
        .and_then(|p| p.reference)
        .and_then(|p| p.strip_prefix("Patient/").map(str::to_string))
        .ok_or_else(|| FhirError::invalid("required", "patient (Patient/id) is required", "Consent.patient"))?;
    let status = match c.status.as_deref() {
        Some("active") => ConsentStatus::Given,
        Some("rejected") => ConsentStatus::Refused,
        Some("inactive") => ConsentStatus::Withdrawn,
        Some(_) => {
            return Err(FhirError::invalid(
                "value",
                "status must be active (consent given), rejected (refused) or inactive (withdrawn)",
                "Consent.status",
            ));
        }
        None => return Err(FhirError::invalid("required", "status is required", "Consent.status")),
    };
    let provision = c.provision;
    let expected = if status == ConsentStatus::Given { "permit" } else { "deny" };
    if let Some(t) = provision.as_ref().and_then(|p| p.type_.as_deref())
        && t != expected
    {
        return Err(FhirError::invalid(
            "value",
            format!("provision.type must be {expected} for a {} consent", c.status.as_deref().unwrap_or_default()),
            "Consent.provision.type",
        ));
    }
    // The purpose, from the category and the provision code: both may name it, never differently.
    let mut purpose: Option<(String, String)> = None;
    let mut name_purpose = |code: &str, text: &str, path: &str| -> Result<(), FhirError> {
        let text = if code == ConsentPurpose::Other.code() { other_purpose_text(text) } else { "" };
        if let Some((known, known_text)) = &purpose {
            if known != code || (!text.is_empty() && !known_text.is_empty() && known_text != text) {
                return Err(FhirError::invalid("value", "category and provision.code name different purposes", path));
            }
            if !known_text.is_empty() {
                return Ok(());
            }
        }
        purpose = Some((code.to_string(), text.to_string()));
        Ok(())
    };
    for concept in &c.category {
        for coding in &concept.coding {
            match (coding.system.as_deref(), coding.code.as_deref()) {
                (Some("http://loinc.org"), Some("59284-0")) => {}
                (Some(PURPOSE_SYSTEM), Some(code)) => {
                    let text = concept.text.as_deref().or(coding.display.as_deref()).unwrap_or_default();
                    name_purpose(code, text, "Consent.category")?;
                }
                (system, _) => {
                    return Err(FhirError::invalid(
                        "not-supported",
                        format!(
                            "category must be LOINC 59284-0 or a code of {PURPOSE_SYSTEM}, not {}",
                            system.unwrap_or("(no system)").chars().take(100).collect::<String>()
                        ),
                        "Consent.category",
                    ));
                }
            }
        }
    }
    if let Some(p) = &provision {
        for concept in &p.code {
            for coding in &concept.coding {
                match (coding.system.as_deref(), coding.code.as_deref()) {
                    (Some(PURPOSE_SYSTEM), Some(code)) => {
                        let text = concept.text.as_deref().or(coding.display.as_deref()).unwrap_or_default();
                        name_purpose(code, text, "Consent.provision.code")?;
                    }
                    _ => {
                        return Err(FhirError::invalid(
                            "not-supported",
                            format!("provision.code must be a code of {PURPOSE_SYSTEM}"),
                            "Consent.provision.code",
                        ));
                    }
                }
            }
        }
    }
    let (purpose, purpose_text) = purpose.ok_or_else(|| {
        FhirError::invalid(
            "required",
            format!("the purpose (a code of {PURPOSE_SYSTEM}) is required"),
            "Consent.category",
        )
    })?;
    if let Some(scope) = &c.scope {
        let known = ConsentPurpose::from_code(&purpose).map(|p| p.fhir_scope());
        for coding in &scope.coding {
            let ok = coding.system.as_deref() == Some(CONSENT_SCOPE_SYSTEM)
                && known.is_none_or(|k| coding.code.as_deref() == Some(k));
            if !ok {
                return Err(FhirError::invalid(
                    "value",
                    format!(
                        "scope must be {} of {CONSENT_SCOPE_SYSTEM} for this purpose",
                        known.unwrap_or("the consent scope")
                    ),
                    "Consent.scope",
                ));
            }
        }
    }
    let decided_on = c.date_time.ok_or_else(|| {
        FhirError::invalid("required", "dateTime (the day of the decision) is required", "Consent.dateTime")
    })?;
    if decided_on.len() != 10 || decided_on.parse::<jiff::civil::Date>().is_err() {
        return Err(FhirError::invalid(
            "value",
            "dateTime must be the day of the decision, YYYY-MM-DD: Relais records the day, not the hour",
            "Consent.dateTime",
        ));
    }
    if let Some(period) = provision.as_ref().and_then(|p| p.period.as_ref()) {
        if period.start.as_deref().is_some_and(|s| s != decided_on) {
            return Err(FhirError::invalid(
                "value",
                "provision.period.start must be the day of the decision (dateTime)",
                "Consent.provision.period",
            ));
        }
        if period.end.is_some() {
            return Err(FhirError::invalid(
                "not-supported",
                "a decision holds until the next one: provision.period.end is not kept",
                "Consent.provision.period",
            ));
        }
    }
    if c.performer.len() > 1 {
        return Err(FhirError::invalid("value", "one performer at most", "Consent.performer"));
    }
    let decided_by = match c.performer.into_iter().next().and_then(|r| r.reference) {
        None => "person".to_string(),
        Some(r) if r == format!("Patient/{patient}") => "person".to_string(),
        Some(r) => match r.strip_prefix("RelatedPerson/") {
            Some(id) if !id.is_empty() => id.to_string(),
            _ => {
                return Err(FhirError::invalid(
                    "value",
                    "performer must be the Patient or a RelatedPerson (legal representative)",
                    "Consent.performer",
                ));
            }
        },
    };
    let document = match c.source_reference.and_then(|r| r.reference) {
        None => String::new(),
        Some(r) => r
            .strip_prefix("DocumentReference/")
            .filter(|d| !d.is_empty())
            .ok_or_else(|| {
                FhirError::invalid(
                    "value",
                    "sourceReference must be a DocumentReference of the record",
                    "Consent.sourceReference",
                )
            })?
            .to_string(),
    };
    Ok(ConsentInput {
        patient,
        purpose,
        purpose_text,
        status: status.code().to_string(),
        decided_on,
        decided_by,
        document,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_trusted_person_round_trips() {
        let roles = [RelationKind::Trusted, RelationKind::Family];
        let sharing = [Sharing::Health];
        let v = RelatedPersonView {
            id: "c1".into(),
            patient_id: "p1".into(),
            family_name: "Durand",
            given_name: "Marie",
            relationship: Relationship::Child,
            roles: &roles,
            sharing: &sharing,
            phones: vec!["0612345678"],
            email: "marie@exemple.fr",
            address: "3 rue des Lilas\n63000 Clermont-Ferrand",
            trusted_since: Some("2026-11-02".into()),
            version: 1,
            last_updated: "2026-11-26T10:00:00Z".into(),
        };
        let j = related_person_to_json(&v);
        assert_eq!(j["relationship"][0]["coding"][0]["code"], "NOK");
        assert_eq!(j["relationship"][2]["coding"][0]["code"], "CHILD");
        assert_eq!(j["telecom"][0]["value"], "+33612345678");
        let back = parse_related_person(j.to_string().as_bytes()).unwrap();
        assert_eq!(back.patient, "p1");
        assert_eq!(back.roles, vec!["trusted", "family"]);
        assert_eq!(back.relationship, "child");
        assert_eq!(back.sharing, vec!["health"]);
        assert_eq!(back.phones, vec!["+33612345678"]);
        assert_eq!(back.trusted_since, "2026-11-02");
        assert_eq!(back.address, "3 rue des Lilas\n63000 Clermont-Ferrand");
    }

    #[test]
    fn unknown_content_is_refused_not_dropped() {
        let body = br#"{"resourceType":"RelatedPerson","patient":{"reference":"Patient/p"},"gender":"female"}"#;
        assert_eq!(parse_related_person(body).unwrap_err().status, 400);
        let body = br#"{"resourceType":"RelatedPerson","patient":{"reference":"Patient/p"},"telecom":[{"system":"fax","value":"01"}]}"#;
        assert_eq!(parse_related_person(body).unwrap_err().status, 422);
        let body = br#"{"resourceType":"RelatedPerson","patient":{"reference":"Patient/p"},"identifier":[{"system":"urn:oid:1.2.3","value":"9"}]}"#;
        assert_eq!(parse_related_person(body).unwrap_err().code, "not-supported");
        let body = br#"{"resourceType":"RelatedPerson","name":[{"family":"X"}]}"#;
        assert_eq!(parse_related_person(body).unwrap_err().code, "required");
    }

    #[test]
    fn a_consent_reads_back_as_sent() {
        let v = ConsentView {
            id: "k".into(),
            patient_id: "p".into(),
            purpose: ConsentPurpose::Other,
            purpose_text: "Sorties au marché",
            status: ConsentStatus::Withdrawn,
            in_force: true,
            decided_on: "2026-11-02".into(),
            by_contact: Some("c".into()),
            needs_review: false,
            document_id: Some("d".into()),
            last_updated: String::new(),
        };
        let back = parse_consent(consent_to_json(&v).to_string().as_bytes()).unwrap();
        assert_eq!(
            back,
            ConsentInput {
                patient: "p".into(),
                purpose: "other".into(),
                purpose_text: "Sorties au marché".into(),
                status: "withdrawn".into(),
                decided_on: "2026-11-02".into(),
                decided_by: "c".into(),
                document: "d".into(),
            }
        );
        let mut j = consent_to_json(&v);
        j["provision"]["type"] = json!("permit");
        assert_eq!(
            parse_consent(j.to_string().as_bytes()).unwrap_err().expression.as_deref(),
            Some("Consent.provision.type")
        );
        let mut j = consent_to_json(&v);
        j["dateTime"] = json!("2026-11-02T10:00:00+01:00");
        assert_eq!(
            parse_consent(j.to_string().as_bytes()).unwrap_err().expression.as_deref(),
            Some("Consent.dateTime")
        );
        let mut j = consent_to_json(&v);
        j["category"][1]["coding"][0]["code"] = json!("dmp");
        assert_eq!(
            parse_consent(j.to_string().as_bytes()).unwrap_err().expression.as_deref(),
            Some("Consent.provision.code")
        );
        let mut j = consent_to_json(&v);
        j["policy"] = json!([]);
        assert_eq!(parse_consent(j.to_string().as_bytes()).unwrap_err().code, "not-supported");
    }

    #[test]
    fn a_superseded_consent_is_inactive() {
        let mut v = ConsentView {
            id: "k".into(),
            patient_id: "p".into(),
            purpose: ConsentPurpose::DmpFeeding,
            purpose_text: "",
            status: ConsentStatus::Given,
            in_force: true,
            decided_on: "2026-11-02".into(),
            by_contact: Some("c".into()),
            needs_review: false,
            document_id: None,
            last_updated: String::new(),
        };
        let j = consent_to_json(&v);
        assert_eq!(j["status"], "active");
        assert_eq!(j["provision"]["type"], "permit");
        assert_eq!(j["performer"][0]["reference"], "RelatedPerson/c");
        v.in_force = false;
        assert_eq!(consent_to_json(&v)["status"], "inactive");
        v.in_force = true;
        v.status = ConsentStatus::Refused;
        let j = consent_to_json(&v);
        assert_eq!((j["status"].as_str(), j["provision"]["type"].as_str()), (Some("rejected"), Some("deny")));
    }
}
