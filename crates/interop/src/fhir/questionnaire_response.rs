//! FHIR QuestionnaireResponse: an AGGIR evaluation (each item's modality and the GIR) or an
//! evaluation with a configurable grid (each answer, the scores and their interpretation) out;
//! a QuestionnaireResponse to record in.

use super::FhirError;
use relais_domain::aggir::{Answer, Grid, Ranking, Variable};
use relais_domain::instrument::{AnswerType, Answers, Definition, Reading, Value as GridValue};
use serde::Deserialize;
use serde_json::{Value, json};

/// The questionnaire an AGGIR evaluation answers (Relais' canonical for the national grid).
pub const AGGIR_QUESTIONNAIRE: &str = "urn:relais:questionnaire:aggir";
/// The modalities A, B, C of the AGGIR grid.
pub const MODALITY_SYSTEM: &str = "urn:relais:aggir-modality";

/// An AGGIR evaluation as exposed.
pub struct AggirView<'a> {
    pub id: String,
    pub patient_id: String,
    /// The day of the evaluation (`YYYY-MM-DD`).
    pub authored: String,
    pub author: &'a str,
    pub last_updated: String,
    pub grid: &'a Grid,
    pub ranking: Option<Ranking>,
    pub comment: &'a str,
}

fn modality(answer: Answer) -> Value {
    let m = answer.modality();
    json!({ "valueCoding": { "system": MODALITY_SYSTEM, "code": m.letter().to_string(), "display": m.label() } })
}

pub fn aggir_to_json(v: &AggirView) -> Value {
    let mut items: Vec<Value> = Variable::ALL
        .iter()
        .filter_map(|var| {
            let answered: Vec<Value> = var
                .items()
                .iter()
                .filter_map(|i| {
                    let a = v.grid.answer(*i)?;
                    Some(json!({ "linkId": i.code(), "text": i.label(), "answer": [modality(a)] }))
                })
                .collect();
            if answered.is_empty() {
                return None;
            }
            Some(if var.items().len() == 1 {
                answered.into_iter().next().unwrap_or(Value::Null)
            } else {
                json!({ "linkId": var.code(), "text": var.label(), "item": answered })
            })
        })
        .collect();
    if let Some(r) = v.ranking {
        items.push(json!({ "linkId": "rank", "text": "Rang (annexe 2-2 du CASF)", "answer": [{ "valueInteger": r.rank.get() }] }));
        items.push(json!({ "linkId": "gir", "text": "GIR", "answer": [{ "valueInteger": r.gir.get() }] }));
    }
    if !v.comment.is_empty() {
        items.push(json!({ "linkId": "comment", "text": "Commentaire", "answer": [{ "valueString": v.comment }] }));
    }
    json!({
        "resourceType": "QuestionnaireResponse",
        "id": v.id,
        "meta": { "lastUpdated": v.last_updated },
        "questionnaire": AGGIR_QUESTIONNAIRE,
        "status": "completed",
        "subject": { "reference": format!("Patient/{}", v.patient_id) },
        "authored": v.authored,
        "author": { "display": v.author },
        "item": items,
    })
}

/// The canonical of the questionnaire a grid's evaluations answer: `urn:relais:questionnaire:braden`.
pub fn questionnaire_of(code: &str) -> String {
    format!("urn:relais:questionnaire:{code}")
}

/// The grid code a canonical names, if it is one of Relais' questionnaires.
pub fn instrument_of(canonical: &str) -> Option<&str> {
    let code = canonical.strip_prefix("urn:relais:questionnaire:")?;
    // A versioned canonical (`…|1`) names the same questionnaire; on create the version is read
    // apart (`version_of`) and must be the one offered.
    Some(code.split('|').next().unwrap_or(code))
}

/// The version a canonical names (`urn:relais:questionnaire:braden|1` → 1); `Err` when it is
/// not a version number.
pub fn version_of(canonical: &str) -> Result<Option<u32>, FhirError> {
    match canonical.split_once('|') {
        None => Ok(None),
        Some((_, v)) => v.parse::<u32>().map(Some).map_err(|_| {
            FhirError::invalid(
                "value",
                "the questionnaire's version (after |) must be a number",
                "QuestionnaireResponse.questionnaire",
            )
        }),
    }
}

/// An evaluation with a configurable grid as exposed.
pub struct GridView<'a> {
    pub id: String,
    pub patient_id: String,
    pub authored: String,
    pub author: &'a str,
    pub last_updated: String,
    pub definition: &'a Definition,
    pub answers: &'a Answers,
    pub comment: &'a str,
}

/// Tenths of a point as a FHIR decimal.
fn decimal(tenths: i64) -> Value {
    if tenths % 10 == 0 { json!(tenths / 10) } else { json!(tenths as f64 / 10.0) }
}

fn reading_items(code: &str, link: &str, r: &Reading) -> [Value; 2] {
    [
        json!({ "linkId": link, "text": r.label, "answer": [{ "valueDecimal": decimal(r.score) }] }),
        json!({
            "linkId": format!("{link}-interpretation"),
            "text": format!("Interprétation — {}", r.label),
            "answer": [{ "valueCoding": {
                "system": format!("{}:level", questionnaire_of(code)),
                "code": r.band.level,
                "display": r.band.label,
            } }],
        }),
    ]
}

pub fn grid_to_json(v: &GridView) -> Value {
    let d = v.definition;
    let mut items: Vec<Value> = d
        .sections
        .iter()
        .filter_map(|s| {
            let answered: Vec<Value> = s
                .items
                .iter()
                .filter_map(|i| {
                    let a = v.answers.get(&i.code)?;
                    let answer = match (&i.answer, a) {
                        (AnswerType::Choice { .. }, GridValue::Choice(c)) => json!({ "valueCoding": {
                            "system": format!("{}:{}", questionnaire_of(&d.code), i.code),
                            "code": c,
                            "display": d.answer_label(i, a),
                        } }),
                        (_, GridValue::YesNo(b)) => json!({ "valueBoolean": b }),
                        (_, GridValue::Integer(n)) => json!({ "valueInteger": n }),
                        (_, GridValue::Text(t)) | (_, GridValue::Choice(t)) => json!({ "valueString": t }),
                    };
                    Some(json!({ "linkId": i.code, "text": i.label, "answer": [answer] }))
                })
                .collect();
            if answered.is_empty() {
                None
            } else {
                Some(json!({ "linkId": s.code, "text": s.title, "item": answered }))
            }
        })
        .collect();
    let outcome = d.outcome(v.answers);
    for r in &outcome.subtotals {
        items.extend(reading_items(&d.code, &format!("{}-score", r.code), r));
    }
    if let Some(r) = &outcome.total {
        items.extend(reading_items(&d.code, "total-score", r));
    }
    if !v.comment.is_empty() {
        items.push(json!({ "linkId": "comment", "text": "Commentaire", "answer": [{ "valueString": v.comment }] }));
    }
    json!({
        "resourceType": "QuestionnaireResponse",
        "id": v.id,
        "meta": { "lastUpdated": v.last_updated },
        "questionnaire": format!("{}|{}", questionnaire_of(&d.code), d.version),
        "status": "completed",
        "subject": { "reference": format!("Patient/{}", v.patient_id) },
        "authored": v.authored,
        "author": { "display": v.author },
        "item": items,
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ResponseJson {
    resource_type: String,
    questionnaire: Option<String>,
    status: Option<String>,
    subject: Option<ReferenceJson>,
    authored: Option<String>,
    #[serde(default)]
    item: Vec<ItemJson>,
}

#[derive(Deserialize)]
struct ReferenceJson {
    reference: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ItemJson {
    link_id: String,
    #[serde(default)]
    answer: Vec<AnswerJson>,
    #[serde(default)]
    item: Vec<ItemJson>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct AnswerJson {
    value_coding: Option<CodingJson>,
    value_boolean: Option<bool>,
    value_integer: Option<i64>,
    value_string: Option<String>,
    value_decimal: Option<Value>,
}

#[derive(Deserialize)]
struct CodingJson {
    code: Option<String>,
}

/// A QuestionnaireResponse to record, read at the door: the answers as the form would send them
/// (choice codes, `yes`/`no`, integers, texts), for the application to check against the grid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseInput {
    /// The instrument code (`aggir`, `braden`…).
    pub instrument: String,
    /// The grid version the canonical names, if it names one.
    pub version: Option<u32>,
    pub patient: String,
    /// `YYYY-MM-DD`.
    pub authored: String,
    /// (linkId, answer) of every answered item; groups are flattened.
    pub answers: Vec<(String, String)>,
    pub comment: String,
}

fn flatten(
    items: Vec<ItemJson>,
    path: &str,
    out: &mut Vec<(String, String)>,
    comment: &mut String,
) -> Result<(), FhirError> {
    for i in items {
        let here = format!("{path}.item");
        if !i.item.is_empty() {
            flatten(i.item, &here, out, comment)?;
        }
        if i.answer.len() > 1 {
            return Err(FhirError::invalid("value", format!("{}: one answer only", i.link_id), &here));
        }
        let Some(a) = i.answer.into_iter().next() else { continue };
        if a.value_decimal.is_some() {
            return Err(FhirError::invalid(
                "value",
                format!("{}: scores are computed by the server, not sent", i.link_id),
                &here,
            ));
        }
        let given = [
            a.value_coding.map(|c| c.code.unwrap_or_default()),
            a.value_boolean.map(|b| if b { "yes".to_string() } else { "no".to_string() }),
            a.value_integer.map(|n| n.to_string()),
            a.value_string,
        ];
        let mut values = given.into_iter().flatten();
        let (Some(value), None) = (values.next(), values.next()) else {
            return Err(FhirError::invalid(
                "value",
                format!("{}: exactly one of valueCoding, valueBoolean, valueInteger, valueString", i.link_id),
                &here,
            ));
        };
        if i.link_id == "comment" {
            *comment = value;
        } else {
            out.push((i.link_id, value));
        }
    }
    Ok(())
}

pub fn parse_questionnaire_response(body: &[u8]) -> Result<ResponseInput, FhirError> {
    let r: ResponseJson = serde_json::from_slice(body)
        .map_err(|e| FhirError::structure(format!("not a valid QuestionnaireResponse: {e}")))?;
    if r.resource_type != "QuestionnaireResponse" {
        return Err(FhirError::structure("resourceType must be QuestionnaireResponse"));
    }
    if r.status.as_deref() != Some("completed") {
        return Err(FhirError::invalid(
            "value",
            "status must be completed: an evaluation is recorded whole",
            "QuestionnaireResponse.status",
        ));
    }
    let canonical = r.questionnaire.ok_or_else(|| {
        FhirError::invalid("required", "questionnaire is required", "QuestionnaireResponse.questionnaire")
    })?;
    let version = version_of(&canonical)?;
    let instrument = instrument_of(&canonical)
        .filter(|c| !c.is_empty())
        .ok_or_else(|| {
            FhirError::invalid(
                "not-supported",
                "questionnaire must be urn:relais:questionnaire:<grid> (aggir, mna, braden, morse, free)",
                "QuestionnaireResponse.questionnaire",
            )
        })?
        .to_string();
    let patient =
        r.subject.and_then(|s| s.reference).and_then(|p| p.strip_prefix("Patient/").map(str::to_string)).ok_or_else(
            || FhirError::invalid("required", "subject (Patient/id) is required", "QuestionnaireResponse.subject"),
        )?;
    let authored = r.authored.ok_or_else(|| {
        FhirError::invalid(
            "required",
            "authored (the day of the evaluation) is required",
            "QuestionnaireResponse.authored",
        )
    })?;
    // A dateTime names its day; the evaluation is kept by day, as in the form.
    let authored = authored.get(..10).filter(|d| d.len() == 10).map(str::to_string).ok_or_else(|| {
        FhirError::invalid("value", "authored must be a date (YYYY-MM-DD)", "QuestionnaireResponse.authored")
    })?;
    let mut answers = Vec::new();
    let mut comment = String::new();
    flatten(r.item, "QuestionnaireResponse", &mut answers, &mut comment)?;
    Ok(ResponseInput { instrument, version, patient, authored, answers, comment })
}

#[cfg(test)]
mod tests {
    use super::*;
    use relais_domain::aggir::{Adverbs, Item, gir, parse_eight};

    #[test]
    fn an_evaluation_carries_its_items_and_its_gir() {
        let mut grid = Grid::new();
        for i in Item::ALL {
            grid.set(i, Answer::Adverbs(Adverbs::ALL_YES));
        }
        grid.set(Item::Transfers, Answer::DoesNot);
        let ranking = gir(parse_eight("AAAAAACA").unwrap());
        let out = aggir_to_json(&AggirView {
            id: "x".into(),
            patient_id: "p".into(),
            authored: "2026-11-26".into(),
            author: "Infirmier",
            last_updated: "2026-11-26T10:00:00Z".into(),
            grid: &grid,
            ranking: Some(ranking),
            comment: "",
        });
        assert_eq!(out["questionnaire"], AGGIR_QUESTIONNAIRE);
        let items = out["item"].as_array().unwrap();
        let washing = items.iter().find(|i| i["linkId"] == "washing").unwrap();
        assert_eq!(washing["item"].as_array().unwrap().len(), 2, "toilette haut and bas");
        let transfers = items.iter().find(|i| i["linkId"] == "transfers").unwrap();
        assert_eq!(transfers["answer"][0]["valueCoding"]["code"], "C");
        let gir_item = items.iter().find(|i| i["linkId"] == "gir").unwrap();
        assert_eq!(gir_item["answer"][0]["valueInteger"], ranking.gir.get());
        assert!(items.iter().all(|i| i["linkId"] != "comment"), "no empty comment");
    }
}

#[cfg(test)]
mod grid_tests {
    use super::*;

    #[test]
    fn a_braden_carries_answers_score_and_interpretation() {
        let d = relais_domain::instrument::find("braden").unwrap().unwrap();
        let typed: Vec<(String, String)> = ["sensory", "moisture", "activity", "mobility", "nutrition", "friction"]
            .iter()
            .map(|c| (c.to_string(), "2".to_string()))
            .collect();
        let answers = d.read(&typed).unwrap();
        let out = grid_to_json(&GridView {
            id: "x".into(),
            patient_id: "p".into(),
            authored: "2026-11-26".into(),
            author: "Infirmier",
            last_updated: "2026-11-26T10:00:00Z".into(),
            definition: d,
            answers: &answers,
            comment: "",
        });
        assert_eq!(out["questionnaire"], "urn:relais:questionnaire:braden|1");
        let items = out["item"].as_array().unwrap();
        assert_eq!(items[0]["item"][0]["answer"][0]["valueCoding"]["code"], "2");
        let total = items.iter().find(|i| i["linkId"] == "total-score").unwrap();
        assert_eq!(total["answer"][0]["valueDecimal"], 12);
        let level = items.iter().find(|i| i["linkId"] == "total-score-interpretation").unwrap();
        assert_eq!(level["answer"][0]["valueCoding"]["display"], "risque élevé");
    }

    #[test]
    fn a_response_is_read_into_typed_answers() {
        let body = br#"{"resourceType":"QuestionnaireResponse","status":"completed",
            "questionnaire":"urn:relais:questionnaire:mna|1","subject":{"reference":"Patient/abc"},
            "authored":"2026-11-26T09:00:00+01:00",
            "item":[{"linkId":"screening","item":[{"linkId":"a_appetite","answer":[{"valueCoding":{"code":"2"}}]},
            {"linkId":"d_acute","answer":[{"valueBoolean":false}]}]},
            {"linkId":"weight_kg","answer":[{"valueInteger":61}]},
            {"linkId":"comment","answer":[{"valueString":"RAS"}]}]}"#;
        let r = parse_questionnaire_response(body).unwrap();
        assert_eq!((r.instrument.as_str(), r.patient.as_str(), r.authored.as_str()), ("mna", "abc", "2026-11-26"));
        assert_eq!(r.version, Some(1));
        assert_eq!(
            r.answers,
            vec![("a_appetite".into(), "2".into()), ("d_acute".into(), "no".into()), ("weight_kg".into(), "61".into())]
        );
        assert_eq!(r.comment, "RAS");
        let scored = br#"{"resourceType":"QuestionnaireResponse","status":"completed","questionnaire":"urn:relais:questionnaire:braden",
            "subject":{"reference":"Patient/abc"},"authored":"2026-11-26","item":[{"linkId":"total-score","answer":[{"valueDecimal":12}]}]}"#;
        assert!(parse_questionnaire_response(scored).unwrap_err().diagnostics.contains("computed by the server"));
        let other =
            br#"{"resourceType":"QuestionnaireResponse","status":"completed","questionnaire":"http://example.org/q",
            "subject":{"reference":"Patient/abc"},"authored":"2026-11-26"}"#;
        assert_eq!(parse_questionnaire_response(other).unwrap_err().code, "not-supported");
    }
}
