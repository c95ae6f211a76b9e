//! Vital signs and measures (constantes): codes, UCUM units, plausibility ranges.

use crate::DomainError;

/// A kind of measure Relais records: the vital signs, and the pain scales and daily intake and
/// elimination records that a care team charts beside them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VitalSign {
    BodyWeight,
    BodyHeight,
    BloodPressure,
    HeartRate,
    BodyTemperature,
    OxygenSaturation,
    RespiratoryRate,
    CapillaryGlucose,
    PainScore,
    /// Algoplus: behavioural pain scale of acute pain in elderly persons who cannot say it, 0–5.
    Algoplus,
    /// Doloplus-2: behavioural pain scale of the elderly with communication troubles, 0–30.
    Doloplus,
    /// Stools, recorded as their Bristol type (1 hard lumps … 7 liquid).
    StoolConsistency,
    /// What the person drank over the day.
    FluidIntake,
    /// The share of a meal the person ate.
    FoodIntake,
}

/// The code system of a kind's code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Terminology {
    Loinc,
    /// Relais' own codes, for the French scales that have no LOINC code.
    Relais,
}

impl Terminology {
    pub fn system(self) -> &'static str {
        match self {
            Self::Loinc => LOINC_SYSTEM,
            Self::Relais => RELAIS_MEASURE_SYSTEM,
        }
    }
    pub fn from_system(system: &str) -> Option<Self> {
        match system {
            LOINC_SYSTEM => Some(Self::Loinc),
            RELAIS_MEASURE_SYSTEM => Some(Self::Relais),
            _ => None,
        }
    }
}

pub const LOINC_SYSTEM: &str = "http://loinc.org";
/// Relais' code system for measures without a LOINC code (Algoplus, Doloplus, food intake).
pub const RELAIS_MEASURE_SYSTEM: &str = "urn:relais:measure";

/// The FHIR observation category a kind belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MeasureCategory {
    VitalSigns,
    /// Scores of an assessment scale.
    Survey,
    /// Intake and elimination observed by the team.
    Exam,
}

impl MeasureCategory {
    pub fn code(self) -> &'static str {
        match self {
            Self::VitalSigns => "vital-signs",
            Self::Survey => "survey",
            Self::Exam => "exam",
        }
    }
    pub fn display(self) -> &'static str {
        match self {
            Self::VitalSigns => "Vital Signs",
            Self::Survey => "Survey",
            Self::Exam => "Exam",
        }
    }
}

/// How a value stands against the ranges of its kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plausibility {
    Normal,
    /// Possible but unusual: a person must confirm it.
    Unusual,
}

struct Spec {
    code: &'static str,
    terminology: Terminology,
    /// The code in `terminology`.
    term: &'static str,
    display: &'static str,
    label: &'static str,
    unit: &'static str,
    /// Values outside are impossible (typing errors).
    possible: (f64, f64),
    /// Values outside are unusual and need confirmation.
    usual: (f64, f64),
    /// Scores and counts: no decimals.
    whole: bool,
    category: MeasureCategory,
    /// From this score on, the scale says the person is in pain.
    pain_from: Option<f64>,
}

const SPECS: [Spec; 14] = [
    Spec {
        code: "weight",
        terminology: Terminology::Loinc,
        term: "29463-7",
        display: "Body weight",
        label: "Poids",
        unit: "kg",
        possible: (0.3, 400.0),
        usual: (25.0, 180.0),
        whole: false,
        category: MeasureCategory::VitalSigns,
        pain_from: None,
    },
    Spec {
        code: "height",
        terminology: Terminology::Loinc,
        term: "8302-2",
        display: "Body height",
        label: "Taille",
        unit: "cm",
        possible: (20.0, 260.0),
        usual: (80.0, 210.0),
        whole: false,
        category: MeasureCategory::VitalSigns,
        pain_from: None,
    },
    Spec {
        code: "blood_pressure",
        terminology: Terminology::Loinc,
        term: "85354-9",
        display: "Blood pressure panel with all children optional",
        label: "Tension artérielle",
        unit: "mm[Hg]",
        possible: (30.0, 300.0),
        usual: (80.0, 200.0),
        whole: false,
        category: MeasureCategory::VitalSigns,
        pain_from: None,
    },
    Spec {
        code: "heart_rate",
        terminology: Terminology::Loinc,
        term: "8867-4",
        display: "Heart rate",
        label: "Pouls",
        unit: "/min",
        possible: (15.0, 300.0),
        usual: (40.0, 140.0),
        whole: false,
        category: MeasureCategory::VitalSigns,
        pain_from: None,
    },
    Spec {
        code: "temperature",
        terminology: Terminology::Loinc,
        term: "8310-5",
        display: "Body temperature",
        label: "Température",
        unit: "Cel",
        possible: (25.0, 45.0),
        usual: (35.0, 40.5),
        whole: false,
        category: MeasureCategory::VitalSigns,
        pain_from: None,
    },
    Spec {
        code: "spo2",
        terminology: Terminology::Loinc,
        term: "2708-6",
        display: "Oxygen saturation in Arterial blood",
        label: "Saturation en oxygène",
        unit: "%",
        possible: (40.0, 100.0),
        usual: (88.0, 100.0),
        whole: false,
        category: MeasureCategory::VitalSigns,
        pain_from: None,
    },
    Spec {
        code: "respiratory_rate",
        terminology: Terminology::Loinc,
        term: "9279-1",
        display: "Respiratory rate",
        label: "Fréquence respiratoire",
        unit: "/min",
        possible: (2.0, 80.0),
        usual: (8.0, 35.0),
        whole: false,
        category: MeasureCategory::VitalSigns,
        pain_from: None,
    },
    Spec {
        code: "glucose",
        terminology: Terminology::Loinc,
        term: "41653-7",
        display: "Glucose [Mass/volume] in Capillary blood by Glucometer",
        label: "Glycémie capillaire",
        unit: "g/L",
        possible: (0.1, 8.0),
        usual: (0.6, 3.0),
        whole: false,
        category: MeasureCategory::VitalSigns,
        pain_from: None,
    },
    Spec {
        code: "pain",
        terminology: Terminology::Loinc,
        term: "72514-3",
        display: "Pain severity - 0-10 verbal numeric rating [Score] - Reported",
        label: "Douleur (EN 0-10)",
        unit: "{score}",
        possible: (0.0, 10.0),
        usual: (0.0, 10.0),
        whole: true,
        category: MeasureCategory::VitalSigns,
        pain_from: Some(4.0),
    },
    Spec {
        code: "algoplus",
        terminology: Terminology::Relais,
        term: "algoplus",
        display: "Algoplus pain scale score",
        label: "Douleur (Algoplus 0-5)",
        unit: "{score}",
        possible: (0.0, 5.0),
        usual: (0.0, 5.0),
        whole: true,
        category: MeasureCategory::Survey,
        pain_from: Some(2.0),
    },
    Spec {
        code: "doloplus",
        terminology: Terminology::Relais,
        term: "doloplus",
        display: "Doloplus-2 pain scale score",
        label: "Douleur (Doloplus 0-30)",
        unit: "{score}",
        possible: (0.0, 30.0),
        usual: (0.0, 30.0),
        whole: true,
        category: MeasureCategory::Survey,
        pain_from: Some(5.0),
    },
    Spec {
        code: "stools",
        terminology: Terminology::Loinc,
        term: "11029-6",
        display: "Consistency of Stool",
        label: "Selles (type de Bristol 1-7)",
        unit: "{type}",
        possible: (1.0, 7.0),
        usual: (1.0, 7.0),
        whole: true,
        category: MeasureCategory::Exam,
        pain_from: None,
    },
    Spec {
        code: "fluid_intake",
        terminology: Terminology::Loinc,
        term: "9108-2",
        display: "Fluid intake total 24 hour",
        label: "Hydratation (boissons sur 24 h)",
        unit: "mL",
        possible: (0.0, 10000.0),
        usual: (500.0, 3500.0),
        whole: true,
        category: MeasureCategory::Exam,
        pain_from: None,
    },
    Spec {
        code: "food_intake",
        terminology: Terminology::Relais,
        term: "food-intake",
        display: "Share of the meal eaten",
        label: "Alimentation (part du repas mangée)",
        unit: "%",
        possible: (0.0, 100.0),
        usual: (0.0, 100.0),
        whole: true,
        category: MeasureCategory::Exam,
        pain_from: None,
    },
];

pub const SYSTOLIC_LOINC: &str = "8480-6";
pub const DIASTOLIC_LOINC: &str = "8462-4";

impl VitalSign {
    pub const ALL: [VitalSign; 14] = [
        Self::BodyWeight,
        Self::BodyHeight,
        Self::BloodPressure,
        Self::HeartRate,
        Self::BodyTemperature,
        Self::OxygenSaturation,
        Self::RespiratoryRate,
        Self::CapillaryGlucose,
        Self::PainScore,
        Self::Algoplus,
        Self::Doloplus,
        Self::StoolConsistency,
        Self::FluidIntake,
        Self::FoodIntake,
    ];

    fn spec(self) -> &'static Spec {
        &SPECS[self as usize]
    }
    pub fn code(self) -> &'static str {
        self.spec().code
    }
    pub fn terminology(self) -> Terminology {
        self.spec().terminology
    }
    /// The code in the kind's terminology (a LOINC code, else Relais' own).
    pub fn term(self) -> &'static str {
        self.spec().term
    }
    pub fn category(self) -> MeasureCategory {
        self.spec().category
    }
    /// Whether values are whole numbers (scores, types, millilitres, percentages).
    pub fn whole(self) -> bool {
        self.spec().whole
    }
    /// What a score says of pain, by the scale's own threshold: « douleur (≥ 2/5) ».
    pub fn pain_reading(self, value: f64) -> Option<String> {
        let from = self.spec().pain_from?;
        let max = self.spec().possible.1;
        (value >= from).then(|| format!("douleur (score ≥ {}/{})", french_number(from), french_number(max)))
    }
    pub fn display(self) -> &'static str {
        self.spec().display
    }
    pub fn label(self) -> &'static str {
        self.spec().label
    }
    /// The UCUM unit values are stored in.
    /// The UCUM unit code, as exchanged.
    pub fn unit(self) -> &'static str {
        self.spec().unit
    }
    /// The unit as a caregiver writes it (`°C`, `mmHg`); empty for scores.
    pub fn unit_label(self) -> &'static str {
        match self.spec().unit {
            "Cel" => "°C",
            "mm[Hg]" => "mmHg",
            "{score}" | "{type}" => "",
            u => u,
        }
    }
    pub fn from_code(code: &str) -> Result<Self, DomainError> {
        Self::ALL
            .into_iter()
            .find(|k| k.code() == code)
            .ok_or_else(|| DomainError::new("kind", "kind-invalid", "type de mesure inconnu"))
    }
    /// The kind a code of `system` stands for.
    pub fn from_coding(system: &str, code: &str) -> Option<Self> {
        let t = Terminology::from_system(system)?;
        Self::ALL.into_iter().find(|k| k.terminology() == t && k.term() == code)
    }
}

/// A validated measure: one value, or systolic/diastolic for blood pressure.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Measure {
    pub kind: VitalSign,
    pub value: f64,
    /// Diastolic pressure for `BloodPressure`.
    pub value2: Option<f64>,
    pub plausibility: Plausibility,
}

fn range_check(kind: VitalSign, field: &'static str, v: f64) -> Result<Plausibility, DomainError> {
    let s = kind.spec();
    if !v.is_finite() || v < s.possible.0 || v > s.possible.1 {
        return Err(DomainError::new(
            field,
            "value-impossible",
            format!("{} : valeur impossible ({} à {} {} attendus)", s.label, s.possible.0, s.possible.1, s.unit),
        ));
    }
    Ok(if v < s.usual.0 || v > s.usual.1 { Plausibility::Unusual } else { Plausibility::Normal })
}

/// Reads a number typed with a comma or a point.
pub fn parse_number(field: &'static str, input: &str) -> Result<f64, DomainError> {
    let t = input.trim().replace(',', ".");
    t.parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| DomainError::new(field, "number-invalid", "nombre attendu (par exemple 72,5)"))
}

impl Measure {
    pub fn new(kind: VitalSign, value: f64, value2: Option<f64>) -> Result<Self, DomainError> {
        let mut p = range_check(kind, "value", value)?;
        match (kind, value2) {
            (VitalSign::BloodPressure, Some(d)) => {
                let s = kind.spec();
                if !d.is_finite() || !(15.0..=200.0).contains(&d) {
                    return Err(DomainError::new(
                        "value2",
                        "value-impossible",
                        format!("{} : diastolique impossible (15 à 200 mm Hg)", s.label),
                    ));
                }
                if d >= value {
                    return Err(DomainError::new(
                        "value2",
                        "value-order",
                        "la diastolique doit être inférieure à la systolique",
                    ));
                }
                if !(40.0..=120.0).contains(&d) {
                    p = Plausibility::Unusual;
                }
            }
            (VitalSign::BloodPressure, None) => {
                return Err(DomainError::new(
                    "value2",
                    "required",
                    "la tension demande la systolique et la diastolique",
                ));
            }
            (_, Some(_)) => {
                return Err(DomainError::new("value2", "value-extra", "une seule valeur pour ce type de mesure"));
            }
            (_, None) => {}
        }
        if kind.whole() && value.fract() != 0.0 {
            let s = kind.spec();
            return Err(DomainError::new(
                "value",
                "value-impossible",
                format!(
                    "{} : nombre entier attendu, de {} à {}",
                    s.label,
                    french_number(s.possible.0),
                    french_number(s.possible.1)
                ),
            ));
        }
        Ok(Self { kind, value, value2, plausibility: p })
    }
}

/// A weight loss that meets the French undernutrition criteria for adults and the elderly
/// (HAS 2019/2021): at least 5 % in one month, or at least 10 % in six months.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WeightLoss {
    /// Loss in percent of the reference weight.
    pub percent: f64,
    pub reference_kg: f64,
    /// When the reference weight was measured (microseconds since the epoch).
    pub reference_at: i64,
    /// 1 or 6.
    pub months: u8,
}

const MONTH_MICROS: i64 = 30 * 24 * 3600 * 1_000_000;

/// Checks a new weight against the person's earlier ones (`(measured at, kg)`, any order).
/// The reference is the highest weight of the window, so that the loss is found whatever the
/// days of weighing; the one-month criterion is checked first, being the more acute.
pub fn weight_loss(history: &[(i64, f64)], at: i64, kg: f64) -> Option<WeightLoss> {
    for (months, threshold) in [(1u8, 5.0), (6u8, 10.0)] {
        let from = at - MONTH_MICROS * i64::from(months);
        let reference =
            history.iter().filter(|(t, w)| *t >= from && *t < at && *w > 0.0).max_by(|a, b| a.1.total_cmp(&b.1));
        if let Some(&(reference_at, reference_kg)) = reference {
            let percent = (reference_kg - kg) / reference_kg * 100.0;
            // Rounded as displayed, so that "5,0 %" never fails to alert.
            if (percent * 10.0).round() / 10.0 >= threshold {
                return Some(WeightLoss { percent, reference_kg, reference_at, months });
            }
        }
    }
    None
}

/// The body mass index of a weight (kg) and a height (cm), one decimal.
pub fn bmi(weight_kg: f64, height_cm: f64) -> Option<f64> {
    let m = height_cm / 100.0;
    (weight_kg > 0.0 && m > 0.0).then(|| (weight_kg / (m * m) * 10.0).round() / 10.0)
}

/// What a BMI says of undernutrition by the HAS criteria: from 70 years on, below 22
/// (below 20: severe); before, below 18.5 (17 and below: severe).
pub fn bmi_undernutrition(bmi: f64, age_years: i16) -> Option<&'static str> {
    let (moderate, severe) = if age_years >= 70 { (22.0, 20.0) } else { (18.5, 17.0) };
    if (age_years >= 70 && bmi < severe) || (age_years < 70 && bmi <= severe) {
        Some("critère de dénutrition sévère")
    } else if bmi < moderate {
        Some("critère de dénutrition")
    } else {
        None
    }
}

/// An alert threshold on a kind of measure, for one person or a whole establishment: a measure
/// below `low` or above `high` writes an alert in the logbook. For blood pressure the bounds
/// are on the systolic pressure.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Threshold {
    pub kind: VitalSign,
    pub low: Option<f64>,
    pub high: Option<f64>,
}

/// Which bound a measure crossed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Breach {
    Below(f64),
    Above(f64),
}

/// A number in French: `37,5`, `90`.
pub fn french_number(v: f64) -> String {
    let s = format!("{v}");
    s.replace('.', ",")
}

impl Threshold {
    pub fn new(kind: VitalSign, low: Option<f64>, high: Option<f64>) -> Result<Self, DomainError> {
        let s = kind.spec();
        for (field, v) in [("low", low), ("high", high)] {
            if let Some(v) = v
                && (!v.is_finite() || v < s.possible.0 || v > s.possible.1)
            {
                return Err(DomainError::new(
                    field,
                    "value-impossible",
                    format!(
                        "{} : un seuil doit être entre {} et {} {}",
                        s.label,
                        french_number(s.possible.0),
                        french_number(s.possible.1),
                        s.unit
                    ),
                ));
            }
        }
        match (low, high) {
            (None, None) => {
                Err(DomainError::new("low", "required", "indiquez un seuil bas, un seuil haut ou les deux"))
            }
            (Some(l), Some(h)) if l >= h => {
                Err(DomainError::new("high", "value-order", "le seuil haut doit dépasser le seuil bas"))
            }
            _ => Ok(Self { kind, low, high }),
        }
    }

    /// The bound `value` crosses, if any; a value equal to a bound is within.
    pub fn breach(&self, value: f64) -> Option<Breach> {
        match (self.low, self.high) {
            (Some(l), _) if value < l => Some(Breach::Below(l)),
            (_, Some(h)) if value > h => Some(Breach::Above(h)),
            _ => None,
        }
    }

    /// The rule in words: « alerte sous 90 % ou au-dessus de 100 % ».
    pub fn describe(&self) -> String {
        let unit = self.kind.unit_label();
        let bound = |v: f64| format!("{} {unit}", french_number(v));
        match (self.low, self.high) {
            (Some(l), Some(h)) => format!("alerte sous {} ou au-dessus de {}", bound(l), bound(h)),
            (Some(l), None) => format!("alerte sous {}", bound(l)),
            (None, Some(h)) => format!("alerte au-dessus de {}", bound(h)),
            (None, None) => String::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bmi_and_the_undernutrition_criteria() {
        assert_eq!(bmi(61.0, 165.0), Some(22.4));
        assert_eq!(bmi(61.0, 0.0), None);
        assert_eq!(bmi_undernutrition(22.4, 85), None);
        assert_eq!(bmi_undernutrition(21.9, 85), Some("critère de dénutrition"));
        assert_eq!(bmi_undernutrition(19.9, 85), Some("critère de dénutrition sévère"));
        assert_eq!(bmi_undernutrition(21.0, 45), None, "before 70 the threshold is 18.5");
        assert_eq!(bmi_undernutrition(17.0, 45), Some("critère de dénutrition sévère"));
    }

    #[test]
    fn thresholds_alert_outside_their_bounds() {
        let spo2 = Threshold::new(VitalSign::OxygenSaturation, Some(90.0), None).unwrap();
        assert_eq!(spo2.breach(88.0), Some(Breach::Below(90.0)));
        assert_eq!(spo2.breach(90.0), None, "a bound is within");
        let bp = Threshold::new(VitalSign::BloodPressure, Some(90.0), Some(160.0)).unwrap();
        assert_eq!(bp.breach(172.0), Some(Breach::Above(160.0)));
        assert!(bp.describe().contains("sous 90") && bp.describe().contains("au-dessus de 160"));
        assert_eq!(Threshold::new(VitalSign::HeartRate, None, None).unwrap_err().code, "required");
        assert_eq!(Threshold::new(VitalSign::HeartRate, Some(120.0), Some(50.0)).unwrap_err().code, "value-order");
        assert_eq!(Threshold::new(VitalSign::BodyTemperature, None, Some(60.0)).unwrap_err().code, "value-impossible");
        assert_eq!(french_number(38.5), "38,5");
    }

    #[test]
    fn weight_loss_follows_the_undernutrition_criteria() {
        let day = 24 * 3600 * 1_000_000_i64;
        let now = 400 * day;
        // 64 → 60.8 kg in 20 days: exactly 5.0 %.
        let loss = weight_loss(&[(now - 20 * day, 64.0)], now, 60.8).unwrap();
        assert_eq!((loss.months, loss.reference_kg), (1, 64.0));
        assert!((loss.percent - 5.0).abs() < 1e-9);
        assert_eq!(weight_loss(&[(now - 20 * day, 64.0)], now, 61.0), None, "4.7 % is not enough");
        // Older than a month: only the six-month criterion applies.
        assert_eq!(weight_loss(&[(now - 40 * day, 64.0)], now, 60.0), None, "6 % in 40 days");
        let loss = weight_loss(&[(now - 150 * day, 70.0), (now - 40 * day, 66.0)], now, 63.0).unwrap();
        assert_eq!((loss.months, loss.reference_kg), (6, 70.0));
        // The highest weight of the window is the reference; later or future weighings are not.
        let loss = weight_loss(&[(now - 25 * day, 63.0), (now - 10 * day, 65.0)], now, 61.5).unwrap();
        assert_eq!(loss.reference_kg, 65.0);
        assert_eq!(weight_loss(&[(now + day, 80.0), (now, 80.0)], now, 60.0), None);
        assert_eq!(weight_loss(&[], now, 40.0), None);
        assert_eq!(weight_loss(&[(now - 200 * day, 90.0)], now, 60.0), None, "beyond six months");
    }

    #[test]
    fn pain_scales_intake_and_stools() {
        assert_eq!(Measure::new(VitalSign::Algoplus, 3.0, None).unwrap().plausibility, Plausibility::Normal);
        assert_eq!(Measure::new(VitalSign::Algoplus, 6.0, None).unwrap_err().code, "value-impossible");
        let e = Measure::new(VitalSign::Doloplus, 4.5, None).unwrap_err();
        assert!(e.message.contains("entier"), "{}", e.message);
        assert_eq!(VitalSign::Algoplus.pain_reading(2.0).as_deref(), Some("douleur (score ≥ 2/5)"));
        assert_eq!(VitalSign::Algoplus.pain_reading(1.0), None);
        assert_eq!(VitalSign::Doloplus.pain_reading(5.0).as_deref(), Some("douleur (score ≥ 5/30)"));
        assert_eq!(VitalSign::PainScore.pain_reading(4.0).as_deref(), Some("douleur (score ≥ 4/10)"));
        assert_eq!(VitalSign::BodyWeight.pain_reading(90.0), None);
        assert_eq!(Measure::new(VitalSign::StoolConsistency, 0.0, None).unwrap_err().code, "value-impossible");
        assert!(Measure::new(VitalSign::StoolConsistency, 7.0, None).is_ok());
        assert_eq!(Measure::new(VitalSign::FluidIntake, 300.0, None).unwrap().plausibility, Plausibility::Unusual);
        assert_eq!(Measure::new(VitalSign::FluidIntake, 1500.0, None).unwrap().plausibility, Plausibility::Normal);
        assert_eq!(Measure::new(VitalSign::FoodIntake, 120.0, None).unwrap_err().code, "value-impossible");
        assert_eq!(VitalSign::FoodIntake.unit_label(), "%");
        assert_eq!(VitalSign::StoolConsistency.unit_label(), "");
        assert_eq!(VitalSign::Algoplus.category(), MeasureCategory::Survey);
        assert_eq!(VitalSign::FluidIntake.terminology(), Terminology::Loinc);
    }

    #[test]
    fn ranges() {
        assert_eq!(Measure::new(VitalSign::BodyWeight, 72.5, None).unwrap().plausibility, Plausibility::Normal);
        assert_eq!(Measure::new(VitalSign::BodyWeight, 190.0, None).unwrap().plausibility, Plausibility::Unusual);
        assert_eq!(Measure::new(VitalSign::BodyWeight, 725.0, None).unwrap_err().code, "value-impossible");
        assert_eq!(Measure::new(VitalSign::BodyTemperature, f64::NAN, None).unwrap_err().code, "value-impossible");
        assert_eq!(Measure::new(VitalSign::BloodPressure, 130.0, None).unwrap_err().code, "required");
        assert_eq!(Measure::new(VitalSign::BloodPressure, 80.0, Some(130.0)).unwrap_err().code, "value-order");
        assert!(Measure::new(VitalSign::BloodPressure, 130.0, Some(80.0)).is_ok());
        assert_eq!(Measure::new(VitalSign::HeartRate, 70.0, Some(1.0)).unwrap_err().code, "value-extra");
        assert_eq!(Measure::new(VitalSign::PainScore, 3.5, None).unwrap_err().code, "value-impossible");
        assert_eq!(parse_number("value", "72,5").unwrap(), 72.5);
        assert!(parse_number("value", "abc").is_err());
        assert!(parse_number("value", "inf").is_err());
        assert_eq!(VitalSign::BodyWeight.term(), "29463-7");
        assert_eq!(VitalSign::BloodPressure.term(), "85354-9");
        assert_eq!(VitalSign::PainScore.unit(), "{score}");
        for (i, k) in VitalSign::ALL.into_iter().enumerate() {
            assert_eq!(k as usize, i, "ALL follows the declaration order the specs are indexed by");
            assert_eq!(VitalSign::from_code(k.code()).unwrap(), k);
            assert_eq!(VitalSign::from_coding(k.terminology().system(), k.term()), Some(k));
        }
        assert_eq!(VitalSign::from_coding(RELAIS_MEASURE_SYSTEM, "29463-7"), None, "a code is read in its system");
    }
}
