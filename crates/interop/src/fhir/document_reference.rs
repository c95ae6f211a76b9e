//! FHIR DocumentReference in and out: a document of the record, its content served as `Binary`.

use super::{CATEGORY_SYSTEM, CodeableConcept, FhirError, Reference, instant};
use base64::Engine;
use relais_domain::document::type_label;
use serde::Deserialize;
use serde_json::{Value, json};

pub const LOINC: &str = "http://loinc.org";
pub const LINEAGE_SYSTEM: &str = "urn:relais:document";

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct DocumentReferenceJson {
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
    status: String,
    #[serde(rename = "type")]
    doc_type: Option<CodeableConcept>,
    subject: Option<Reference>,
    #[serde(default)]
    security_label: Vec<CodeableConcept>,
    #[serde(default)]
    description: Option<String>,
    content: Vec<Content>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Content {
    attachment: Attachment,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Attachment {
    content_type: Option<String>,
    data: Option<String>,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    creation: Option<String>,
}

/// A DocumentReference read from a client, still to be checked by the domain rules.
#[derive(Debug, Clone, PartialEq)]
pub struct DocumentInput {
    pub patient_id: String,
    pub type_code: String,
    pub category: Option<String>,
    pub title: String,
    /// `attachment.creation`, the document's own date (YYYY-MM-DD or an instant).
    pub date: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

pub fn parse(body: &[u8]) -> Result<DocumentInput, FhirError> {
    let d: DocumentReferenceJson = super::read_resource(body, "DocumentReference")?;
    if d.status != "current" {
        return Err(FhirError::invalid(
            "value",
            "status must be current: a new version is a new DocumentReference",
            "DocumentReference.status",
        ));
    }
    let type_code = d
        .doc_type
        .as_ref()
        .and_then(|t| t.code_in(LOINC))
        .ok_or_else(|| FhirError::invalid("required", "a LOINC type is required", "DocumentReference.type"))?;
    if type_label(type_code).is_none() {
        return Err(FhirError::invalid(
            "not-supported",
            format!("document type not supported: {}", type_code.chars().take(20).collect::<String>()),
            "DocumentReference.type",
        ));
    }
    let patient_id =
        d.subject.as_ref().and_then(|s| s.reference.as_deref()).and_then(|r| r.strip_prefix("Patient/")).ok_or_else(
            || FhirError::invalid("required", "subject must reference Patient/{id}", "DocumentReference.subject"),
        )?;
    let category = d.security_label.iter().find_map(|l| l.code_in(CATEGORY_SYSTEM)).map(str::to_string);
    let [content] = d.content.as_slice() else {
        return Err(FhirError::invalid(
            "value",
            "exactly one content (one file) is expected",
            "DocumentReference.content",
        ));
    };
    let a = &content.attachment;
    let data = a.data.as_deref().ok_or_else(|| {
        FhirError::invalid(
            "required",
            "the file must be sent in attachment.data (base64)",
            "DocumentReference.content.attachment.data",
        )
    })?;
    let bytes = base64::engine::general_purpose::STANDARD.decode(data.trim()).map_err(|_| {
        FhirError::invalid("value", "attachment.data is not valid base64", "DocumentReference.content.attachment.data")
    })?;
    let content_type = a.content_type.clone().ok_or_else(|| {
        FhirError::invalid(
            "required",
            "attachment.contentType is required",
            "DocumentReference.content.attachment.contentType",
        )
    })?;
    let date = a.creation.as_deref().map(|c| c.get(..10).unwrap_or(c).to_string()).ok_or_else(|| {
        FhirError::invalid(
            "required",
            "attachment.creation (the document's date) is required",
            "DocumentReference.content.attachment.creation",
        )
    })?;
    let title = a.title.clone().or(d.description).unwrap_or_default();
    Ok(DocumentInput {
        patient_id: patient_id.to_string(),
        type_code: type_code.to_string(),
        category,
        title,
        date,
        content_type,
        bytes,
    })
}

pub struct DocumentView<'a> {
    pub id: String,
    pub lineage_id: String,
    pub version: i32,
    pub is_current: bool,
    pub patient_id: String,
    pub type_code: &'a str,
    pub title: &'a str,
    /// The document's own date, YYYY-MM-DD.
    pub document_date: String,
    pub category_code: &'a str,
    pub category_label: &'a str,
    pub content_type: &'a str,
    pub size: i64,
    pub author_label: &'a str,
    pub created_at: i64,
}

pub fn to_json(v: &DocumentView) -> Value {
    json!({
        "resourceType": "DocumentReference",
        "id": v.id,
        "meta": { "lastUpdated": instant(v.created_at), "versionId": v.version.to_string() },
        "identifier": [{ "system": LINEAGE_SYSTEM, "value": format!("{}/{}", v.lineage_id, v.version) }],
        // A replaced version stays readable; FHIR calls it superseded.
        "status": if v.is_current { "current" } else { "superseded" },
        "type": { "coding": [{ "system": LOINC, "code": v.type_code, "display": type_label(v.type_code).unwrap_or_default() }] },
        "subject": { "reference": format!("Patient/{}", v.patient_id) },
        "date": instant(v.created_at),
        "author": [{ "display": v.author_label }],
        "description": v.title,
        "securityLabel": [{ "coding": [{ "system": CATEGORY_SYSTEM, "code": v.category_code, "display": v.category_label }] }],
        "content": [{ "attachment": {
            "contentType": v.content_type,
            "url": format!("Binary/{}", v.id),
            "size": v.size,
            "title": v.title,
            "creation": v.document_date,
        } }],
    })
}

/// A `Binary` resource carrying the content, for clients that ask for FHIR JSON.
pub fn binary_json(id: &str, content_type: &str, bytes: &[u8]) -> Value {
    json!({
        "resourceType": "Binary",
        "id": id,
        "contentType": content_type,
        "data": base64::engine::general_purpose::STANDARD.encode(bytes),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(status: &str, code: &str, data: &str) -> Vec<u8> {
        format!(
            r#"{{"resourceType":"DocumentReference","status":"{status}",
            "type":{{"coding":[{{"system":"http://loinc.org","code":"{code}"}}]}},
            "subject":{{"reference":"Patient/p1"}},
            "securityLabel":[{{"coding":[{{"system":"urn:relais:category","code":"medical"}}]}}],
            "content":[{{"attachment":{{"contentType":"application/pdf","data":"{data}","title":"CR","creation":"2026-11-20"}}}}]}}"#
        )
        .into_bytes()
    }

    #[test]
    fn reads_a_document_and_refuses_what_it_cannot_file() {
        let d = parse(&body("current", "60591-5", "JVBERi0xLjQK")).unwrap();
        assert_eq!(d.bytes, b"%PDF-1.4\n");
        assert_eq!((d.patient_id.as_str(), d.category.as_deref()), ("p1", Some("medical")));
        assert_eq!(d.date, "2026-11-20");
        assert_eq!(parse(&body("superseded", "60591-5", "JVBERi0xLjQK")).unwrap_err().code, "value");
        assert_eq!(parse(&body("current", "0000-0", "JVBERi0xLjQK")).unwrap_err().code, "not-supported");
        assert_eq!(parse(&body("current", "60591-5", "%%%")).unwrap_err().status, 422);
    }

    #[test]
    fn points_to_its_binary() {
        let out = to_json(&DocumentView {
            id: "d2".into(),
            lineage_id: "d1".into(),
            version: 2,
            is_current: false,
            patient_id: "p1".into(),
            type_code: "60591-5",
            title: "Synthèse",
            document_date: "2026-11-20".into(),
            category_code: "medical",
            category_label: "Médical",
            content_type: "application/pdf",
            size: 9,
            author_label: "Dr A",
            created_at: 0,
        });
        assert_eq!(out["status"], "superseded");
        assert_eq!(out["content"][0]["attachment"]["url"], "Binary/d2");
        assert_eq!(out["identifier"][0]["value"], "d1/2");
        assert_eq!(binary_json("d2", "application/pdf", b"%PDF")["data"], "JVBERg==");
    }
}
