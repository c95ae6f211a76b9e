//! FHIR QuestionnaireResponse out: an AGGIR evaluation, each item's modality and the GIR.

use relais_domain::aggir::{Answer, Grid, Ranking, Variable};
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
