//! Configurable assessment grids: a grid is data (sections, items, answer types, scores,
//! interpretation bands), read from the JSON definitions shipped under `instruments/`, and the
//! rules that check typed answers against it and compute the score and its interpretation.
//!
//! Scores are integers in **tenths of a point** everywhere (definitions, stored scores), so the
//! half points of the MNA are exact. An interpretation band is an inclusive range of tenths; the
//! bands of a scale cover its whole range, each starting one tenth after the previous one ends.
//!
//! Shipped grids and the wording they follow:
//! - `mna`: Mini Nutritional Assessment, full form (Nestlé Nutrition Institute, French version;
//!   Guigoz Y., Vellas B., Garry P.J., 1994; Rubenstein L.Z. et al., MNA-SF, 2001). Screening
//!   A–F /14: 12–14 état nutritionnel normal, 8–11 risque de dénutrition, 0–7 dénutrition avérée;
//!   global assessment G–R, total /30: 24–30 normal, 17–23,5 risque, < 17 mauvais état
//!   nutritionnel. The screening alone may stop the evaluation at 12 or more.
//! - `braden`: Braden scale (Bergstrom N., Braden B., 1987), French wording of the HAS/ANAES
//!   consensus conference « Prévention et traitement des escarres de l'adulte et du sujet âgé »
//!   (2001); six items, 6–23; ≤ 9 très élevé, 10–12 élevé, 13–14 modéré, 15–18 à risque,
//!   ≥ 19 pas de risque.
//! - `morse`: Morse Fall Scale (Morse J.M., Morse R.M., Tylko S.J., Can J Aging 1989), French
//!   wording as used in French-speaking hospitals; six items, 0–125; 0–24 faible, 25–44 modéré,
//!   ≥ 45 élevé.
//! - `free`: a free grid (subject, observations, conclusion), no score.

use crate::DomainError;
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

/// The shipped definitions, in the order the grids are offered. When a grid changes, its new
/// version is added here beside the old one, which stays to read the evaluations made with it.
const SHIPPED: [&str; 4] = [
    include_str!("../instruments/mna.json"),
    include_str!("../instruments/braden.json"),
    include_str!("../instruments/morse.json"),
    include_str!("../instruments/free.json"),
];

static DEFINITIONS: LazyLock<Result<Vec<Definition>, DomainError>> = LazyLock::new(|| {
    let all = SHIPPED.iter().map(|text| Definition::parse(text)).collect::<Result<Vec<_>, _>>()?;
    let mut seen = BTreeSet::new();
    for d in &all {
        if !seen.insert((d.code.as_str(), d.version)) {
            return Err(invalid(format!("{} version {} livrée deux fois", d.code, d.version)));
        }
    }
    Ok(all)
});

/// Every shipped definition, every version, parsed and checked once.
pub fn shipped() -> Result<&'static [Definition], DomainError> {
    DEFINITIONS.as_ref().map(Vec::as_slice).map_err(Clone::clone)
}

/// The grids offered: the latest version of each, in the shipped order.
pub fn current() -> Result<Vec<&'static Definition>, DomainError> {
    let all = shipped()?;
    let mut out: Vec<&'static Definition> = Vec::new();
    for d in all {
        match out.iter_mut().find(|o| o.code == d.code) {
            Some(o) if o.version < d.version => *o = d,
            Some(_) => {}
            None => out.push(d),
        }
    }
    Ok(out)
}

/// The latest version of the grid with this code, if any.
pub fn find(code: &str) -> Result<Option<&'static Definition>, DomainError> {
    Ok(current()?.into_iter().find(|d| d.code == code))
}

/// One version of a grid: the one an evaluation was made with.
pub fn find_version(code: &str, version: u32) -> Result<Option<&'static Definition>, DomainError> {
    Ok(shipped()?.iter().find(|d| d.code == code && d.version == version))
}

/// A grid as data.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Definition {
    /// Stable code, stored with each evaluation (`braden`).
    pub code: String,
    pub title: String,
    /// The name used in summaries (« Braden »).
    pub short: String,
    /// Raised whenever items, scores or bands change; stored with each evaluation.
    pub version: u32,
    pub description: String,
    pub sections: Vec<Section>,
    /// Partial scores with their own bands (MNA screening).
    pub subtotals: Vec<Subtotal>,
    /// The scale of the sum of every scored item; none for a grid without score.
    pub total: Option<Scale>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Section {
    pub code: String,
    pub title: String,
    pub items: Vec<Item>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Item {
    pub code: String,
    pub label: String,
    #[serde(default)]
    pub help: Option<String>,
    pub required: bool,
    pub answer: AnswerType,
}

/// What an item accepts, and the points each answer is worth.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum AnswerType {
    Choice {
        options: Vec<Choice>,
    },
    YesNo {
        yes: i64,
        no: i64,
    },
    /// A measure, not scored.
    Integer {
        min: i64,
        max: i64,
    },
    /// Free text, not scored.
    Text {
        max_length: usize,
    },
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Choice {
    pub code: String,
    pub label: String,
    /// Tenths of a point.
    pub score: i64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Subtotal {
    pub code: String,
    /// The sections whose scored items it adds up.
    pub sections: Vec<String>,
    /// At this subtotal or more, the items outside its sections may be left unanswered.
    #[serde(default)]
    pub stop_at: Option<i64>,
    pub scale: Scale,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scale {
    pub label: String,
    pub bands: Vec<Band>,
}

/// An interpretation: the scores from `min` to `max` (tenths, inclusive) mean `label`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Band {
    pub min: i64,
    pub max: i64,
    /// French, as shown (« risque élevé »).
    pub label: String,
    /// Stable code (`high`).
    pub level: String,
}

/// An answer to one item, checked against its type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Choice(String),
    YesNo(bool),
    Integer(i64),
    Text(String),
}

/// The answers of one evaluation, by item code; only valid answers get in.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Answers(BTreeMap<String, Value>);

impl Answers {
    pub fn get(&self, item: &str) -> Option<&Value> {
        self.0.get(item)
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// A score on a scale and what it means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reading<'a> {
    /// The subtotal's code, or `total`.
    pub code: &'a str,
    pub label: &'a str,
    /// Tenths.
    pub score: i64,
    /// Tenths: the highest score of the scale.
    pub max: i64,
    /// Position of the band in the scale (stored as the evaluation's result).
    pub band_index: usize,
    pub band: &'a Band,
}

impl Reading<'_> {
    /// « 12/23 ».
    pub fn score_text(&self) -> String {
        format!("{}/{}", points(self.score), points(self.max))
    }
}

/// The result of an evaluation: the subtotals, and the total unless the grid was stopped early
/// or has no score.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome<'a> {
    pub subtotals: Vec<Reading<'a>>,
    pub total: Option<Reading<'a>>,
    /// The evaluation stopped after a subtotal that allowed it.
    pub stopped: bool,
}

impl<'a> Outcome<'a> {
    /// What the evaluation concluded: the total, or the subtotal it stopped at.
    pub fn headline(&self) -> Option<&Reading<'a>> {
        self.total.as_ref().or(if self.stopped { self.subtotals.first() } else { None })
    }
}

/// Tenths of a point in French: « 23,5 », « 12 ».
pub fn points(tenths: i64) -> String {
    let sign = if tenths < 0 { "-" } else { "" };
    let t = tenths.abs();
    if t % 10 == 0 { format!("{sign}{}", t / 10) } else { format!("{sign}{},{}", t / 10, t % 10) }
}

fn invalid(message: String) -> DomainError {
    DomainError::new("instrument", "instrument-invalid", message)
}

impl AnswerType {
    /// Lowest and highest points; none for an unscored type.
    fn range(&self) -> Option<(i64, i64)> {
        match self {
            AnswerType::Choice { options } => {
                let min = options.iter().map(|o| o.score).min()?;
                let max = options.iter().map(|o| o.score).max()?;
                Some((min, max))
            }
            AnswerType::YesNo { yes, no } => Some(((*yes).min(*no), (*yes).max(*no))),
            AnswerType::Integer { .. } | AnswerType::Text { .. } => None,
        }
    }

    fn score(&self, value: &Value) -> Option<i64> {
        match (self, value) {
            (AnswerType::Choice { options }, Value::Choice(c)) => {
                options.iter().find(|o| &o.code == c).map(|o| o.score)
            }
            (AnswerType::YesNo { yes, .. }, Value::YesNo(true)) => Some(*yes),
            (AnswerType::YesNo { no, .. }, Value::YesNo(false)) => Some(*no),
            _ => None,
        }
    }
}

impl Definition {
    /// Parses and checks a definition: any fault in the data is reported, none is guessed around.
    pub fn parse(text: &str) -> Result<Definition, DomainError> {
        let d: Definition = serde_json::from_str(text).map_err(|e| invalid(format!("définition illisible : {e}")))?;
        d.check()?;
        Ok(d)
    }

    pub fn items(&self) -> impl Iterator<Item = (&Section, &Item)> {
        self.sections.iter().flat_map(|s| s.items.iter().map(move |i| (s, i)))
    }

    pub fn item(&self, code: &str) -> Option<&Item> {
        self.items().map(|(_, i)| i).find(|i| i.code == code)
    }

    fn range_of<'s>(&self, items: impl Iterator<Item = &'s Item>) -> (i64, i64) {
        items.filter_map(|i| i.answer.range()).fold((0, 0), |(lo, hi), (a, b)| (lo + a, hi + b))
    }

    fn subtotal_items<'s>(&'s self, s: &'s Subtotal) -> impl Iterator<Item = &'s Item> + 's {
        self.items().filter(move |(sec, _)| s.sections.contains(&sec.code)).map(|(_, i)| i)
    }

    fn check(&self) -> Result<(), DomainError> {
        let code = &self.code;
        if code.is_empty() || !code.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') {
            return Err(invalid(format!("code de grille invalide : « {code} »")));
        }
        if self.sections.is_empty() {
            return Err(invalid(format!("{code} : aucune section")));
        }
        let mut sections = BTreeSet::new();
        let mut items = BTreeSet::new();
        for s in &self.sections {
            if !sections.insert(s.code.as_str()) {
                return Err(invalid(format!("{code} : section « {} » en double", s.code)));
            }
            if s.items.is_empty() {
                return Err(invalid(format!("{code} : section « {} » sans élément", s.code)));
            }
            for i in &s.items {
                if i.code.is_empty() || !items.insert(i.code.as_str()) {
                    return Err(invalid(format!("{code} : élément « {} » vide ou en double", i.code)));
                }
                match &i.answer {
                    AnswerType::Choice { options } => {
                        if options.len() < 2 {
                            return Err(invalid(format!("{code} : {} a moins de deux choix", i.code)));
                        }
                        let mut seen = BTreeSet::new();
                        for o in options {
                            if o.code.is_empty() || !seen.insert(o.code.as_str()) {
                                return Err(invalid(format!(
                                    "{code} : {} a un choix « {} » vide ou en double",
                                    i.code, o.code
                                )));
                            }
                            if o.score < 0 {
                                return Err(invalid(format!("{code} : {} a un score négatif", i.code)));
                            }
                        }
                    }
                    AnswerType::YesNo { yes, no } if *yes < 0 || *no < 0 => {
                        return Err(invalid(format!("{code} : {} a un score négatif", i.code)));
                    }
                    AnswerType::Integer { min, max } if min > max => {
                        return Err(invalid(format!("{code} : {} a un minimum au-dessus du maximum", i.code)));
                    }
                    AnswerType::Text { max_length: 0 } => {
                        return Err(invalid(format!("{code} : {} n'admet aucun caractère", i.code)));
                    }
                    _ => {}
                }
                // A scored item left blank would make the score meaningless.
                if i.answer.range().is_some() && !i.required {
                    return Err(invalid(format!("{code} : l'élément noté {} doit être obligatoire", i.code)));
                }
            }
        }
        let scored = self.items().any(|(_, i)| i.answer.range().is_some());
        match (&self.total, scored) {
            (Some(total), true) => {
                let (lo, hi) = self.range_of(self.items().map(|(_, i)| i));
                check_bands(code, total, lo, hi)?;
            }
            (None, false) => {}
            (Some(_), false) => return Err(invalid(format!("{code} : un score total sans élément noté"))),
            (None, true) => return Err(invalid(format!("{code} : des éléments notés sans score total"))),
        }
        let mut seen = BTreeSet::new();
        for s in &self.subtotals {
            if !seen.insert(s.code.as_str()) {
                return Err(invalid(format!("{code} : sous-total « {} » en double", s.code)));
            }
            if s.sections.is_empty() || s.sections.iter().any(|c| !sections.contains(c.as_str())) {
                return Err(invalid(format!("{code} : le sous-total {} cite une section inconnue", s.code)));
            }
            let (lo, hi) = self.range_of(self.subtotal_items(s));
            check_bands(code, &s.scale, lo, hi)?;
            if let Some(stop) = s.stop_at
                && !(lo..=hi).contains(&stop)
            {
                return Err(invalid(format!("{code} : le seuil d'arrêt de {} est hors de l'échelle", s.code)));
            }
        }
        Ok(())
    }

    /// The highest total, in tenths (0 for a grid without score).
    pub fn max_total(&self) -> i64 {
        self.range_of(self.items().map(|(_, i)| i)).1
    }

    /// Reads typed answers (item code → text as typed; empty means unanswered) and checks them
    /// against the grid. Every fault is reported, each naming its item.
    pub fn read(&'static self, typed: &[(String, String)]) -> Result<Answers, Vec<DomainError>> {
        let mut errors = Vec::new();
        let mut answers = BTreeMap::new();
        for (code, raw) in typed {
            let Some(item) = self.item(code) else {
                errors.push(DomainError::new(
                    "instrument",
                    "item-unknown",
                    format!(
                        "élément « {} » inconnu dans la grille {}",
                        code.chars().take(60).collect::<String>(),
                        self.short
                    ),
                ));
                continue;
            };
            let raw = raw.trim();
            if raw.is_empty() {
                continue;
            }
            if answers.contains_key(&item.code) {
                errors.push(item_error(item, "item-repeated", "répondu deux fois".into()));
                continue;
            }
            match read_value(item, raw) {
                Ok(v) => {
                    answers.insert(item.code.clone(), v);
                }
                Err(e) => errors.push(e),
            }
        }
        let answers = Answers(answers);
        let optional = self.stop_allows(&answers);
        for (_, item) in self.items() {
            if item.required && answers.get(&item.code).is_none() && !optional.contains(item.code.as_str()) {
                errors.push(item_error(item, "item-required", "réponse obligatoire".into()));
            }
        }
        if errors.is_empty() { Ok(answers) } else { Err(errors) }
    }

    /// Items that may be left out because a subtotal reached its stop threshold; the rest of the
    /// grid must then be left wholly empty, or else be complete.
    fn stop_allows(&self, answers: &Answers) -> BTreeSet<&str> {
        for s in &self.subtotals {
            let Some(stop) = s.stop_at else { continue };
            let Some(score) = self.sum(self.subtotal_items(s), answers) else { continue };
            let rest: Vec<&Item> = self
                .items()
                .filter(|(sec, i)| !s.sections.contains(&sec.code) && i.answer.range().is_some())
                .map(|(_, i)| i)
                .collect();
            if score >= stop && rest.iter().all(|i| answers.get(&i.code).is_none()) {
                return rest.iter().map(|i| i.code.as_str()).collect();
            }
        }
        BTreeSet::new()
    }

    /// The sum of these items' points, if all of them are answered.
    fn sum<'s>(&self, items: impl Iterator<Item = &'s Item>, answers: &Answers) -> Option<i64> {
        let mut total = 0;
        for i in items {
            if i.answer.range().is_none() {
                continue;
            }
            total += i.answer.score(answers.get(&i.code)?)?;
        }
        Some(total)
    }

    /// The score and interpretation of checked answers.
    pub fn outcome(&self, answers: &Answers) -> Outcome<'_> {
        let subtotals = self
            .subtotals
            .iter()
            .filter_map(|s| {
                let (_, max) = self.range_of(self.subtotal_items(s));
                let score = self.sum(self.subtotal_items(s), answers)?;
                reading(&s.code, &s.scale, score, max)
            })
            .collect::<Vec<_>>();
        let total = self.total.as_ref().and_then(|scale| {
            let score = self.sum(self.items().map(|(_, i)| i), answers)?;
            reading("total", scale, score, self.max_total())
        });
        let stopped = total.is_none() && self.total.is_some() && !self.stop_allows(answers).is_empty();
        Outcome { subtotals, total, stopped }
    }

    /// Answers as stored: a JSON object, choices and texts as strings, yes/no as booleans,
    /// integers as numbers.
    pub fn encode(&self, answers: &Answers) -> String {
        let map: serde_json::Map<String, serde_json::Value> = answers
            .0
            .iter()
            .map(|(k, v)| {
                let v = match v {
                    Value::Choice(s) | Value::Text(s) => serde_json::Value::from(s.clone()),
                    Value::YesNo(b) => serde_json::Value::from(*b),
                    Value::Integer(n) => serde_json::Value::from(*n),
                };
                (k.clone(), v)
            })
            .collect();
        serde_json::Value::Object(map).to_string()
    }

    /// Stored answers read back, checked against the grid as if typed.
    pub fn decode(&'static self, text: &str) -> Result<Answers, DomainError> {
        let map: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(text).map_err(|e| invalid(format!("réponses illisibles : {e}")))?;
        let typed: Vec<(String, String)> = map
            .into_iter()
            .map(|(k, v)| {
                let raw = match v {
                    serde_json::Value::String(s) => s,
                    serde_json::Value::Bool(true) => "yes".into(),
                    serde_json::Value::Bool(false) => "no".into(),
                    other => other.to_string(),
                };
                (k, raw)
            })
            .collect();
        self.read(&typed).map_err(|errors| {
            invalid(format!(
                "réponses enregistrées non conformes à la grille {} : {}",
                self.code,
                errors.iter().map(|e| e.message.as_str()).collect::<Vec<_>>().join(" ; ")
            ))
        })
    }

    /// An answer in words, for the history and the API.
    pub fn answer_label(&self, item: &Item, value: &Value) -> String {
        match (&item.answer, value) {
            (AnswerType::Choice { options }, Value::Choice(c)) => {
                options.iter().find(|o| &o.code == c).map(|o| o.label.clone()).unwrap_or_else(|| c.clone())
            }
            (_, Value::YesNo(true)) => "Oui".into(),
            (_, Value::YesNo(false)) => "Non".into(),
            (_, Value::Integer(n)) => n.to_string(),
            (_, Value::Text(t)) | (_, Value::Choice(t)) => t.clone(),
        }
    }

    /// The points an answer is worth, if the item is scored.
    pub fn answer_points(&self, item: &Item, value: &Value) -> Option<i64> {
        item.answer.score(value)
    }
}

fn reading<'a>(code: &'a str, scale: &'a Scale, score: i64, max: i64) -> Option<Reading<'a>> {
    let (band_index, band) = scale.bands.iter().enumerate().find(|(_, b)| (b.min..=b.max).contains(&score))?;
    Some(Reading { code, label: &scale.label, score, max, band_index, band })
}

fn check_bands(code: &str, scale: &Scale, lo: i64, hi: i64) -> Result<(), DomainError> {
    let label = &scale.label;
    let Some(first) = scale.bands.first() else {
        return Err(invalid(format!("{code} : « {label} » n'a aucune interprétation")));
    };
    if first.min != lo {
        return Err(invalid(format!(
            "{code} : « {label} » commence à {} mais le score minimal est {}",
            points(first.min),
            points(lo)
        )));
    }
    let mut levels = BTreeSet::new();
    for (i, b) in scale.bands.iter().enumerate() {
        if b.min > b.max {
            return Err(invalid(format!("{code} : « {} » a un minimum au-dessus du maximum", b.label)));
        }
        if b.label.is_empty() || !levels.insert(b.level.as_str()) {
            return Err(invalid(format!("{code} : niveau « {} » sans libellé ou en double", b.level)));
        }
        if let Some(prev) = i.checked_sub(1).and_then(|p| scale.bands.get(p))
            && b.min != prev.max + 1
        {
            return Err(invalid(format!(
                "{code} : « {label} » a un trou ou un chevauchement entre « {} » et « {} »",
                prev.label, b.label
            )));
        }
    }
    let last = scale.bands.last().map(|b| b.max).unwrap_or(lo);
    if last != hi {
        return Err(invalid(format!(
            "{code} : « {label} » s'arrête à {} mais le score maximal est {}",
            points(last),
            points(hi)
        )));
    }
    Ok(())
}

fn item_error(item: &'static Item, code: &'static str, what: String) -> DomainError {
    DomainError::new(item.code.as_str(), code, format!("{} : {what}", item.label))
}

fn read_value(item: &'static Item, raw: &str) -> Result<Value, DomainError> {
    let shown: String = raw.chars().take(60).collect();
    match &item.answer {
        AnswerType::Choice { options } => {
            if options.iter().any(|o| o.code == raw) {
                Ok(Value::Choice(raw.to_string()))
            } else {
                Err(item_error(item, "option-unknown", format!("la réponse « {shown} » n'est pas dans la liste")))
            }
        }
        AnswerType::YesNo { .. } => match raw {
            "yes" | "oui" => Ok(Value::YesNo(true)),
            "no" | "non" => Ok(Value::YesNo(false)),
            _ => Err(item_error(item, "yes-no", format!("répondez oui ou non (reçu « {shown} »)"))),
        },
        AnswerType::Integer { min, max } => match raw.parse::<i64>() {
            Ok(n) if (*min..=*max).contains(&n) => Ok(Value::Integer(n)),
            Ok(n) => Err(item_error(item, "out-of-range", format!("{n} est hors des limites ({min} à {max})"))),
            Err(_) => Err(item_error(item, "not-integer", format!("« {shown} » n'est pas un nombre entier"))),
        },
        AnswerType::Text { max_length } => {
            let n = raw.chars().count();
            if n > *max_length {
                Err(item_error(item, "too-long", format!("texte trop long ({n} caractères, {max_length} au plus)")))
            } else {
                Ok(Value::Text(raw.to_string()))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn def(code: &str) -> &'static Definition {
        find(code).expect("shipped definitions valid").expect("definition shipped")
    }

    fn typed(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    const BRADEN_12: [(&str, &str); 6] = [
        ("sensory", "2"),
        ("moisture", "2"),
        ("activity", "2"),
        ("mobility", "2"),
        ("nutrition", "2"),
        ("friction", "2"),
    ];

    const SCREENING_11: [(&str, &str); 6] = [
        ("a_appetite", "1"),
        ("b_weight_loss", "2"),
        ("c_motricity", "1"),
        ("d_acute", "no"),
        ("e_neuropsy", "2"),
        ("f_bmi", "3"),
    ];

    #[test]
    fn every_shipped_definition_is_valid() {
        let all = current().expect("valid");
        assert_eq!(shipped().expect("valid").len(), all.len(), "one version of each grid so far");
        assert_eq!(find_version("braden", 1).expect("valid").map(|d| d.version), Some(1));
        assert!(find_version("braden", 2).expect("valid").is_none());
        let codes: Vec<&str> = all.iter().map(|d| d.code.as_str()).collect();
        assert_eq!(codes, ["mna", "braden", "morse", "free"]);
        assert_eq!(def("braden").max_total(), 230);
        assert_eq!(def("morse").max_total(), 1250);
        assert_eq!(def("mna").max_total(), 300);
        assert_eq!(def("free").max_total(), 0);
    }

    #[test]
    fn braden_worked_example() {
        let d = def("braden");
        let a = d.read(&typed(&BRADEN_12)).expect("valid");
        let o = d.outcome(&a);
        let t = o.total.expect("total");
        assert_eq!(t.score, 120);
        assert_eq!(t.score_text(), "12/23");
        assert_eq!(t.band.label, "risque élevé");
        assert_eq!(t.band_index, 1);
        // Boundaries: 9 very high, 10 high, 19 no risk.
        let mut nine = typed(&BRADEN_12);
        nine.iter_mut().take(3).for_each(|p| p.1 = "1".into());
        let o = d.outcome(&d.read(&nine).expect("valid")).total.expect("total");
        assert_eq!((o.score, o.band.level.as_str()), (90, "very_high"));
        let nineteen = typed(&[
            ("sensory", "4"),
            ("moisture", "4"),
            ("activity", "3"),
            ("mobility", "3"),
            ("nutrition", "3"),
            ("friction", "2"),
        ]);
        let o = d.outcome(&d.read(&nineteen).expect("valid")).total.expect("total");
        assert_eq!((o.score, o.band.label.as_str()), (190, "pas de risque"));
        let eighteen = typed(&[
            ("sensory", "4"),
            ("moisture", "4"),
            ("activity", "3"),
            ("mobility", "3"),
            ("nutrition", "2"),
            ("friction", "2"),
        ]);
        let o = d.outcome(&d.read(&eighteen).expect("valid")).total.expect("total");
        assert_eq!((o.score, o.band.label.as_str()), (180, "à risque"));
    }

    #[test]
    fn mna_screening_eleven_is_at_risk_and_must_go_on() {
        let d = def("mna");
        let errors = d.read(&typed(&SCREENING_11)).expect_err("global assessment required below 12");
        assert!(errors.iter().any(|e| e.field == "g_independent" && e.message.starts_with("G — ")));
        assert_eq!(errors.len(), 12);
        let mut all = typed(&SCREENING_11);
        all.extend(typed(&[
            ("g_independent", "no"),
            ("h_drugs", "yes"),
            ("i_sores", "no"),
            ("j_meals", "3"),
            ("k_proteins", "2"),
            ("l_fruits", "yes"),
            ("m_drinks", "3to5"),
            ("n_feeding", "2"),
            ("o_self_view", "1"),
            ("p_health", "unknown"),
            ("q_arm", "gt22"),
            ("r_calf", "ge31"),
        ]));
        let o = d.outcome(&d.read(&all).expect("complete"));
        let s = &o.subtotals[0];
        assert_eq!((s.score, s.band.label.as_str()), (110, "risque de dénutrition"));
        let t = o.total.expect("total");
        // 11 + G 0 + H 0 + I 1 + J 2 + K 0,5 + L 1 + M 0,5 + N 2 + O 1 + P 0,5 + Q 1 + R 1 = 21,5
        assert_eq!(t.score, 215);
        assert_eq!(t.score_text(), "21,5/30");
        assert_eq!(t.band.level, "at_risk");
        assert!(!o.stopped);
    }

    #[test]
    fn mna_screening_twelve_may_stop() {
        let d = def("mna");
        let mut twelve = typed(&SCREENING_11);
        twelve[0].1 = "2".into();
        let a = d.read(&twelve).expect("stopping allowed at 12");
        let o = d.outcome(&a);
        assert!(o.stopped);
        assert_eq!(o.total, None);
        let h = o.headline().expect("screening");
        assert_eq!((h.score_text(), h.band.label.as_str()), ("12/14".to_string(), "état nutritionnel normal"));
        // Started the global assessment: it must then be complete.
        twelve.push(("g_independent".into(), "yes".into()));
        let errors = d.read(&twelve).expect_err("partial global assessment");
        assert!(errors.iter().any(|e| e.field == "h_drugs"));
    }

    #[test]
    fn mna_total_boundaries() {
        let total = def("mna").total.as_ref().expect("scale");
        let at = |s| reading("total", total, s, 300).expect("covered").band.level.clone();
        assert_eq!(at(165), "malnourished");
        assert_eq!(at(170), "at_risk");
        assert_eq!(at(235), "at_risk");
        assert_eq!(at(240), "normal");
    }

    #[test]
    fn morse_example() {
        let d = def("morse");
        let a = d
            .read(&typed(&[
                ("history", "yes"),
                ("secondary_diagnosis", "no"),
                ("ambulatory_aid", "device"),
                ("iv", "no"),
                ("gait", "normal"),
                ("mental", "oriented"),
            ]))
            .expect("valid");
        let t = d.outcome(&a).total.expect("total");
        assert_eq!((t.score, t.band.label.as_str()), (400, "risque de chute modéré"));
        assert_eq!(t.score_text(), "40/125");
    }

    #[test]
    fn bad_answers_name_the_item() {
        let d = def("braden");
        let mut bad = typed(&BRADEN_12);
        bad[0].1 = "7".into();
        bad.push(("colour".into(), "blue".into()));
        bad.retain(|(k, _)| k != "friction");
        let errors = d.read(&bad).expect_err("invalid");
        let messages: Vec<&str> = errors.iter().map(|e| e.message.as_str()).collect();
        assert!(
            messages.contains(&"Perception sensorielle : la réponse « 7 » n'est pas dans la liste"),
            "{messages:?}"
        );
        assert!(messages.contains(&"élément « colour » inconnu dans la grille Braden"), "{messages:?}");
        assert!(messages.contains(&"Frottements et cisaillement : réponse obligatoire"), "{messages:?}");
        let m = def("mna");
        let mut all = typed(&SCREENING_11);
        all[0].1 = "2".into();
        all.push(("weight_kg".into(), "300".into()));
        all.push(("height_cm".into(), "grand".into()));
        all.push(("d_acute".into(), "peut-être".into()));
        let errors = m.read(&all).expect_err("invalid");
        let messages: Vec<&str> = errors.iter().map(|e| e.message.as_str()).collect();
        assert!(messages.contains(&"Poids (kg) : 300 est hors des limites (20 à 250)"), "{messages:?}");
        assert!(messages.contains(&"Taille (cm) : « grand » n'est pas un nombre entier"), "{messages:?}");
        assert!(messages.iter().any(|m| m.contains("répondu deux fois")), "{messages:?}");
    }

    #[test]
    fn free_grid_has_no_score_and_limits_text() {
        let d = def("free");
        let a = d.read(&typed(&[("subject", "Sommeil"), ("observations", "Se réveille la nuit")])).expect("valid");
        let o = d.outcome(&a);
        assert_eq!((o.total.as_ref(), o.headline()), (None, None));
        let errors = d.read(&typed(&[("subject", "Sommeil")])).expect_err("observations required");
        assert_eq!(errors[0].field, "observations");
        let long = "x".repeat(201);
        let errors = d.read(&typed(&[("subject", &long), ("observations", "ok")])).expect_err("too long");
        assert_eq!(errors[0].code, "too-long");
    }

    #[test]
    fn encode_decode_round_trip() {
        let d = def("mna");
        let mut all = typed(&SCREENING_11);
        all[0].1 = "2".into();
        all.push(("weight_kg".into(), "61".into()));
        let a = d.read(&all).expect("valid");
        let text = d.encode(&a);
        assert!(text.contains("\"d_acute\":false") && text.contains("\"weight_kg\":61"), "{text}");
        assert_eq!(d.decode(&text).expect("decodes"), a);
        assert!(d.decode("{\"a_appetite\":\"9\"}").is_err());
    }

    #[test]
    fn faulty_definitions_are_refused() {
        let ok = include_str!("../instruments/braden.json");
        let gap = ok.replace("\"min\": 100, \"max\": 129", "\"min\": 101, \"max\": 129");
        assert!(Definition::parse(&gap).expect_err("gap").message.contains("trou ou un chevauchement"));
        let overlap = ok.replace("\"min\": 100, \"max\": 129", "\"min\": 99, \"max\": 129");
        assert!(Definition::parse(&overlap).is_err());
        let short = ok.replace("\"min\": 190, \"max\": 230", "\"min\": 190, \"max\": 220");
        assert!(Definition::parse(&short).expect_err("short").message.contains("score maximal est 23"));
        let dup =
            ok.replace("{\"code\": \"2\", \"label\": \"Très humide\"", "{\"code\": \"1\", \"label\": \"Très humide\"");
        assert!(Definition::parse(&dup).expect_err("duplicate").message.contains("en double"));
        let optional = ok.replacen("\"required\": true", "\"required\": false", 1);
        assert!(Definition::parse(&optional).is_err());
        assert!(Definition::parse("{\"code\": \"x\"}").is_err());
    }

    #[test]
    fn points_in_french() {
        assert_eq!(points(235), "23,5");
        assert_eq!(points(120), "12");
        assert_eq!(points(5), "0,5");
    }
}
