//! View models: what the templates show, already formatted in French.

use jiff::Timestamp;
use jiff::tz::TimeZone;
use relais_app::Actor;
use relais_app::store::notes::MentionRow;
use relais_app::store::notes::Note;
use relais_app::store::persons::Person;
use relais_domain::access::{Profile, may_administer};
use relais_domain::ids::NoteId;
use relais_domain::note::Mention;

/// The header: who is logged in.
#[derive(Debug, Clone)]
pub struct Nav {
    pub name: String,
    pub csrf: String,
    pub is_admin: bool,
    /// Works the identity-vigilance queue somewhere.
    pub is_identity_referent: bool,
}

impl Nav {
    pub fn of(actor: &Actor, csrf: &str, today: jiff::civil::Date) -> Self {
        let name = match &actor.principal {
            relais_app::Principal::Staff { display_name, grants, .. } => {
                let profiles: Vec<&str> = {
                    let mut p: Vec<Profile> = grants.iter().filter(|g| g.is_active(today)).map(|g| g.profile).collect();
                    p.sort();
                    p.dedup();
                    p.into_iter().map(|p| p.label()).collect()
                };
                format!("{display_name} ({})", profiles.join(", "))
            }
            relais_app::Principal::ApiClient { name, .. } => name.clone(),
        };
        let is_identity_referent =
            !relais_domain::access::identity_queue_establishments(actor.grants(), today).is_empty();
        Self { name, csrf: csrf.to_string(), is_admin: may_administer(actor.grants(), today), is_identity_referent }
    }
}

/// The identity banner (RNIV display rules: birth name, first birth first name, date of birth,
/// sex, used name, status; the INS only for a qualified identity).
pub struct Banner {
    pub id: String,
    pub birth_name: String,
    pub first_first_name: String,
    pub used: Option<String>,
    pub birth_date: String,
    pub sex: &'static str,
    pub sex_label: &'static str,
    pub status_code: &'static str,
    pub status_label: &'static str,
    pub ins: Option<String>,
    /// Identity attributes (doubtful, homonym…), shown beside the status.
    pub attributes: Vec<&'static str>,
}

impl Banner {
    pub fn of(p: &Person) -> Self {
        let used = match (&p.used.used_name, &p.used.used_first_name) {
            (None, None) => None,
            (n, f) => Some(
                format!("{} {}", n.as_deref().unwrap_or(&p.traits.birth_name), f.as_deref().unwrap_or(""))
                    .trim()
                    .to_string(),
            ),
        };
        Self {
            id: p.id.to_string(),
            birth_name: p.traits.birth_name.to_uppercase(),
            first_first_name: p.traits.first_first_name().to_string(),
            used,
            birth_date: p.traits.birth_date.to_string(),
            sex: p.traits.sex.code(),
            sex_label: p.traits.sex.label(),
            status_code: p.status.code(),
            status_label: p.status.label(),
            ins: p
                .ins
                .as_ref()
                .filter(|_| p.status.may_emit_ins())
                .map(|i| format!("{} ({})", i.matricule.as_str(), i.authority.type_code())),
            attributes: p.attributes.iter().map(|a| a.label()).collect(),
        }
    }
}

/// A line of a person list.
pub struct PersonRow {
    pub id: String,
    pub birth_name: String,
    pub first_first_name: String,
    pub used: Option<String>,
    pub birth_date: String,
    pub sex: &'static str,
    pub status_code: &'static str,
    pub status_label: &'static str,
    pub where_: String,
}

impl PersonRow {
    pub fn of(p: &Person, where_: String) -> Self {
        let b = Banner::of(p);
        Self {
            id: b.id,
            birth_name: b.birth_name,
            first_first_name: b.first_first_name,
            used: b.used,
            birth_date: b.birth_date,
            sex: b.sex,
            status_code: b.status_code,
            status_label: b.status_label,
            where_,
        }
    }
}

/// `26/11/2026 14:05` in Europe/Paris.
pub fn when(micros: i64, tz: &TimeZone) -> String {
    Timestamp::from_microsecond(micros)
        .map(|t| tz.to_datetime(t).strftime("%d/%m/%Y %H:%M").to_string())
        .unwrap_or_default()
}

pub fn french_date(d: jiff::civil::Date) -> String {
    d.strftime("%d/%m/%Y").to_string()
}

/// `lundi 30/11`: a day of an agenda.
pub fn french_day(d: jiff::civil::Date) -> String {
    use jiff::civil::Weekday::*;
    let name = match d.weekday() {
        Monday => "lundi",
        Tuesday => "mardi",
        Wednesday => "mercredi",
        Thursday => "jeudi",
        Friday => "vendredi",
        Saturday => "samedi",
        Sunday => "dimanche",
    };
    format!("{name} {}", d.strftime("%d/%m"))
}

/// `avril 2027`: the month of a date.
pub fn french_month(d: jiff::civil::Date) -> String {
    const NAMES: [&str; 12] = [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ];
    let name = NAMES.get(usize::try_from(d.month() - 1).unwrap_or(0)).copied().unwrap_or_default();
    format!("{name} {}", d.year())
}

/// `14:30`, local time.
pub fn hour(micros: i64, tz: &TimeZone) -> String {
    Timestamp::from_microsecond(micros).map(|t| tz.to_datetime(t).strftime("%H:%M").to_string()).unwrap_or_default()
}

/// The local day of a timestamp.
pub fn local_day(micros: i64, tz: &TimeZone) -> Option<jiff::civil::Date> {
    Timestamp::from_microsecond(micros).ok().map(|t| tz.to_datetime(t).date())
}

pub struct NoteView {
    pub id: String,
    pub person_id: String,
    pub person: String,
    pub when: String,
    pub author: String,
    pub category: &'static str,
    pub version: i32,
    pub current: bool,
    pub text: String,
    pub target: Option<String>,
    pub data: Option<String>,
    pub action: Option<String>,
    pub result: Option<String>,
    pub has_dar: bool,
    pub reason: Option<String>,
    pub correctable: bool,
    /// "à lire" or "alerte"; empty for a normal note.
    pub importance: &'static str,
    pub alert: bool,
    /// Whom it was brought to: colleagues' names, teams.
    pub mentions: Vec<String>,
}

impl NoteView {
    pub fn of(n: &Note, person: Option<&Person>, tz: &TimeZone, correctable: bool) -> Self {
        Self {
            id: n.id.to_string(),
            person_id: n.person_id.to_string(),
            person: person
                .map(|p| format!("{} {}", p.traits.birth_name.to_uppercase(), p.traits.first_first_name()))
                .unwrap_or_default(),
            when: when(n.recorded_at, tz),
            author: n.author_label.clone(),
            category: n.content.category.label(),
            version: n.version,
            current: n.is_current,
            text: n.content.text.clone(),
            target: n.content.target.clone(),
            data: n.content.data.clone(),
            action: n.content.action.clone(),
            result: n.content.result.clone(),
            has_dar: n.content.data.is_some() || n.content.action.is_some() || n.content.result.is_some(),
            reason: n.correction_reason.clone(),
            correctable,
            importance: if n.importance.wants_receipts() { n.importance.label() } else { "" },
            alert: n.importance == relais_domain::note::Importance::Alert,
            mentions: vec![],
        }
    }

    /// The same, with whom it was brought to.
    pub fn with_mentions(mut self, lineage: NoteId, mentions: &[MentionRow]) -> Self {
        self.mentions = mentions
            .iter()
            .filter(|m| m.lineage_id == lineage)
            .map(|m| match m.mention {
                Mention::Colleague(_) => m.name.clone(),
                Mention::Team(p) => format!("équipe {}", p.label()),
            })
            .collect();
        self
    }
}

#[cfg(test)]
mod tests {
    use super::Banner;
    use relais_app::store::persons::Person;
    use relais_domain::date::BirthDate;
    use relais_domain::identity::{IdentityStatus, Sex, StrictTraits, UsedNames};
    use relais_domain::ids::{OrganisationId, PersonId};
    use relais_domain::ins::Ins;

    fn person(status: IdentityStatus) -> Person {
        let bd = BirthDate::parse("1936-06-21", jiff::civil::date(2026, 1, 1)).unwrap();
        Person {
            id: PersonId::generate(),
            organisation_id: OrganisationId::generate(),
            registered_at: None,
            traits: StrictTraits::new("TCHITCHI", "CATARINA BELLA", bd, Sex::Female, None).unwrap(),
            used: UsedNames::default(),
            status,
            ins: Some(Ins::parse("236066322083656", "1.2.250.1.213.1.4.10").unwrap()),
            attributes: Default::default(),
            ins_history: vec![],
            ins_retrieved_at: None,
            merged_into: None,
            created_at: 0,
            updated_at: 0,
            applied_to: vec![],
        }
    }

    /// The banner is the HTML output path of the INS: shown only for a qualified identity.
    #[test]
    fn banner_shows_the_ins_only_when_qualified() {
        for status in [IdentityStatus::Provisional, IdentityStatus::Retrieved, IdentityStatus::Validated] {
            assert!(Banner::of(&person(status)).ins.is_none(), "{status:?}");
        }
        let b = Banner::of(&person(IdentityStatus::Qualified));
        assert!(b.ins.unwrap().starts_with("236066322083656"));
        assert_eq!(b.first_first_name, "CATARINA");
        assert_eq!(b.birth_date, "21/06/1936");
    }
}

/// A piece of text, marked when it matched a searched word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fragment {
    pub text: String,
    pub hit: bool,
}

/// Splits `text` into fragments, marking each word whose folded form begins with one of the
/// folded `words` (the search's own rule, so what is marked is what matched).
pub fn highlight(text: &str, words: &[String]) -> Vec<Fragment> {
    let mut out: Vec<Fragment> = Vec::new();
    let mut push = |piece: &str, hit: bool| match out.last_mut() {
        Some(last) if last.hit == hit => last.text.push_str(piece),
        _ => out.push(Fragment { text: piece.to_string(), hit }),
    };
    let mut start = 0;
    let mut in_word = false;
    for (i, c) in text.char_indices().chain(std::iter::once((text.len(), ' '))) {
        let is_word = c.is_alphanumeric() && i < text.len();
        if is_word != in_word {
            let piece = &text[start..i];
            if !piece.is_empty() {
                let hit = in_word && {
                    let folded = relais_domain::text::fold(piece);
                    words.iter().any(|w| folded.split(' ').any(|f| f.starts_with(w.as_str())))
                };
                push(piece, hit);
            }
            start = i;
            in_word = is_word;
        }
    }
    if start < text.len() {
        push(&text[start..], false);
    }
    out
}

#[cfg(test)]
mod highlight_tests {
    use super::*;

    #[test]
    fn highlight_marks_words_by_folded_prefix() {
        let words = vec!["hopital".to_string(), "chut".to_string()];
        let parts = highlight("Retour de l'Hôpital après une chute, pas de chuchotement.", &words);
        let marked: Vec<&str> = parts.iter().filter(|f| f.hit).map(|f| f.text.as_str()).collect();
        assert_eq!(marked, vec!["Hôpital", "chute"]);
        let joined: String = parts.iter().map(|f| f.text.as_str()).collect();
        assert_eq!(joined, "Retour de l'Hôpital après une chute, pas de chuchotement.", "no text lost");
        assert!(highlight("", &words).is_empty());
        assert_eq!(highlight("rien", &words), vec![Fragment { text: "rien".into(), hit: false }]);
    }
}

/// A point of a chart: when (microseconds), the value, and the second value of a pair.
pub type ChartPoint = (i64, f64, Option<f64>);

/// A measure chart drawn on the server as SVG: no script, printable, and light on a tablet.
/// Only numbers and fixed labels go into the markup.
pub fn chart_svg(points: &[ChartPoint], from: i64, to: i64, tz: &TimeZone) -> String {
    const W: f64 = 720.0;
    const H: f64 = 260.0;
    const LEFT: f64 = 56.0;
    const RIGHT: f64 = 12.0;
    const TOP: f64 = 12.0;
    const BOTTOM: f64 = 32.0;
    let values = points.iter().flat_map(|(_, a, b)| std::iter::once(*a).chain(*b));
    let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)));
    if !lo.is_finite() || to <= from {
        return String::new();
    }
    let pad = ((hi - lo) * 0.08).max(1.0);
    let (lo, hi) = (lo - pad, hi + pad);
    let x = |t: i64| LEFT + (t - from) as f64 / (to - from) as f64 * (W - LEFT - RIGHT);
    let y = |v: f64| TOP + (hi - v) / (hi - lo) * (H - TOP - BOTTOM);
    let mut svg = format!(
        "<svg class=\"chart\" viewBox=\"0 0 {W} {H}\" role=\"img\" aria-label=\"Courbe de {} mesures\" xmlns=\"http://www.w3.org/2000/svg\">",
        points.len()
    );
    for i in 0..=4 {
        let v = lo + (hi - lo) * f64::from(i) / 4.0;
        let yy = y(v);
        svg.push_str(&format!(
            "<line x1=\"{LEFT}\" x2=\"{}\" y1=\"{yy:.1}\" y2=\"{yy:.1}\" class=\"grid\"/><text x=\"{}\" y=\"{:.1}\" class=\"axis\" text-anchor=\"end\">{}</text>",
            W - RIGHT,
            LEFT - 6.0,
            yy + 4.0,
            format!("{v:.1}").replace('.', ",")
        ));
    }
    for i in 0..=3 {
        let t = from + (to - from) / 3 * i;
        let label = jiff::Timestamp::from_microsecond(t)
            .map(|ts| tz.to_datetime(ts).date().strftime("%d/%m/%y").to_string())
            .unwrap_or_default();
        let anchor = match i {
            0 => "start",
            3 => "end",
            _ => "middle",
        };
        svg.push_str(&format!(
            "<text x=\"{:.1}\" y=\"{}\" class=\"axis\" text-anchor=\"{anchor}\">{label}</text>",
            x(t),
            H - 8.0
        ));
    }
    let mut line = |pick: &dyn Fn(&ChartPoint) -> Option<f64>, class: &str| {
        let pts: Vec<String> =
            points.iter().filter_map(|p| pick(p).map(|v| format!("{:.1},{:.1}", x(p.0), y(v)))).collect();
        if !pts.is_empty() {
            svg.push_str(&format!("<polyline class=\"{class}\" points=\"{}\"/>", pts.join(" ")));
        }
        if pts.len() <= 120 {
            for p in &pts {
                let (cx, cy) = p.split_once(',').unwrap_or(("0", "0"));
                svg.push_str(&format!("<circle class=\"{class}\" cx=\"{cx}\" cy=\"{cy}\" r=\"3\"/>"));
            }
        }
    };
    line(&|p| Some(p.1), "series");
    line(&|p| p.2, "series second");
    svg.push_str("</svg>");
    svg
}

/// What the interactive chart (`static/chart.js`) draws: the points of the SVG, with times in
/// milliseconds since the epoch as JavaScript counts them, and the alert bounds in force.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ChartData {
    /// The kind of measure, as the page heading names it.
    pub label: &'static str,
    /// The unit as caregivers write it; empty for scores.
    pub unit: &'static str,
    /// IANA name of the time zone the server shows dates in, so both charts read alike.
    pub time_zone: Option<String>,
    /// The period shown before any zoom.
    pub from: i64,
    pub to: i64,
    pub times: Vec<i64>,
    /// One series per value of the measure: two for a pair such as blood pressure.
    pub series: Vec<ChartSeries>,
    pub bounds: Vec<ChartBound>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ChartSeries {
    pub label: &'static str,
    /// Aligned with `ChartData::times`; a missing second value stays a gap, not a zero.
    pub values: Vec<Option<f64>>,
}

/// An alert bound, drawn as a dashed horizontal line.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ChartBound {
    pub label: &'static str,
    pub value: f64,
}

impl ChartData {
    /// The chart of `points` (times in microseconds) over `from..to`, with the bounds of the
    /// threshold in force (for blood pressure they bear on the systolic value, the first series).
    pub fn of(
        kind: relais_domain::observation::VitalSign,
        points: &[ChartPoint],
        from: i64,
        to: i64,
        threshold: Option<&relais_domain::observation::Threshold>,
        tz: &TimeZone,
    ) -> Self {
        use relais_domain::observation::VitalSign;
        let ms = |us: i64| us.div_euclid(1000);
        let paired = kind == VitalSign::BloodPressure || points.iter().any(|p| p.2.is_some());
        let (first, second) = match kind {
            VitalSign::BloodPressure => ("Systolique", "Diastolique"),
            k => (k.label(), "Seconde valeur"),
        };
        let mut series = vec![ChartSeries { label: first, values: points.iter().map(|p| Some(p.1)).collect() }];
        if paired {
            series.push(ChartSeries { label: second, values: points.iter().map(|p| p.2).collect() });
        }
        let bounds = threshold
            .map(|t| {
                [("Seuil bas", t.low), ("Seuil haut", t.high)]
                    .into_iter()
                    .filter_map(|(label, v)| v.map(|value| ChartBound { label, value }))
                    .collect()
            })
            .unwrap_or_default();
        Self {
            label: kind.label(),
            unit: kind.unit_label(),
            time_zone: tz.iana_name().map(str::to_string),
            from: ms(from),
            to: ms(to),
            times: points.iter().map(|p| ms(p.0)).collect(),
            series,
            bounds,
        }
    }
}

/// `value` as JSON to put inside `<script type="application/json">`: `<`, `>` and `&` are
/// written as `\u003c`, `\u003e`, `\u0026`, which JSON reads back unchanged, so no text in the
/// data can close the element or open an HTML comment.
pub fn script_json<T: serde::Serialize>(value: &T) -> Result<String, serde_json::Error> {
    let json = serde_json::to_string(value)?;
    Ok(json.replace('<', "\\u003c").replace('>', "\\u003e").replace('&', "\\u0026"))
}

#[cfg(test)]
mod chart_tests {
    use super::*;

    #[test]
    fn chart_draws_every_point_within_the_frame() {
        let tz = TimeZone::UTC;
        let day = 86_400_000_000_i64;
        let points = vec![(10 * day, 64.0, None), (20 * day, 62.5, None), (30 * day, 60.5, None)];
        let svg = chart_svg(&points, 0, 40 * day, &tz);
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert_eq!(svg.matches("<circle").count(), 3);
        let poly = svg.split("points=\"").nth(1).unwrap().split('"').next().unwrap();
        for xy in poly.split(' ') {
            let (x, y) = xy.split_once(',').unwrap();
            let (x, y): (f64, f64) = (x.parse().unwrap(), y.parse().unwrap());
            assert!((56.0..=708.0).contains(&x) && (12.0..=228.0).contains(&y), "{xy}");
        }
        // The highest value is drawn highest.
        let ys: Vec<f64> = poly.split(' ').map(|p| p.split_once(',').unwrap().1.parse().unwrap()).collect();
        assert!(ys[0] < ys[1] && ys[1] < ys[2]);
        // Two series for blood pressure; nothing at all without values.
        let bp = chart_svg(&[(day, 130.0, Some(80.0))], 0, 2 * day, &tz);
        assert_eq!(bp.matches("<polyline").count(), 2);
        assert!(chart_svg(&[], 0, day, &tz).is_empty());
    }

    #[test]
    fn chart_data_gives_every_point_in_milliseconds_with_the_bounds() {
        use relais_domain::observation::{Threshold, VitalSign};
        let tz = TimeZone::get("Europe/Paris").unwrap();
        let points = vec![(1_000_000, 64.0, None), (2_500_000, 62.5, None)];
        let rule = Threshold::new(VitalSign::BodyWeight, Some(50.0), None).unwrap();
        let data = ChartData::of(VitalSign::BodyWeight, &points, 0, 3_000_000, Some(&rule), &tz);
        assert_eq!((data.label, data.unit, data.time_zone.as_deref()), ("Poids", "kg", Some("Europe/Paris")));
        assert_eq!((data.from, data.to, data.times.clone()), (0, 3000, vec![1000, 2500]));
        assert_eq!(data.series, vec![ChartSeries { label: "Poids", values: vec![Some(64.0), Some(62.5)] }]);
        assert_eq!(data.bounds, vec![ChartBound { label: "Seuil bas", value: 50.0 }]);
        // Blood pressure: two series, a missing diastolic value stays a gap.
        let bp = ChartData::of(VitalSign::BloodPressure, &[(0, 130.0, Some(80.0)), (1, 125.0, None)], 0, 1, None, &tz);
        let labels: Vec<&str> = bp.series.iter().map(|s| s.label).collect();
        assert_eq!(labels, vec!["Systolique", "Diastolique"]);
        assert_eq!(bp.series[1].values, vec![Some(80.0), None]);
        assert!(bp.bounds.is_empty());
        // A score has no unit; every kind gets its own label.
        for kind in VitalSign::ALL {
            let d = ChartData::of(kind, &[(0, 1.0, None)], 0, 1, None, &tz);
            assert_eq!((d.label, d.unit), (kind.label(), kind.unit_label()));
        }
    }

    #[test]
    fn script_json_cannot_close_its_element() {
        let hostile = "</script><script>alert(1)</script><!-- & -->";
        let json = script_json(&serde_json::json!({ "label": hostile, "n": 1.5 })).unwrap();
        assert!(!json.contains('<') && !json.contains('>') && !json.contains('&'), "{json}");
        assert!(json.contains("\\u003c/script\\u003e"), "{json}");
        let back: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(back["label"], hostile);
        assert_eq!(back["n"], 1.5);
    }
}
