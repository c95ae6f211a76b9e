//! `match-eval`: recall and precision of duplicate detection on a population with injected duplicates.

use crate::generate::Rng;
use crate::names::*;
use anyhow::Context;
use jiff::civil::Date;
use relais_domain::date::BirthDate;
use relais_domain::identity::{InseeCode, Sex};
use relais_domain::matching::{MatchGrade, MatchTraits, blocking_keys, compare, normalise_name, phonetic};
use relais_domain::text::fold;
use serde_json::json;
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::time::Instant;

pub struct Options {
    pub persons: usize,
    pub duplicates: usize,
    pub negatives: usize,
    pub seed: u64,
    pub json: Option<PathBuf>,
    /// Misses and false positives printed, for tuning.
    pub examples: usize,
}

/// Dates are checked against a fixed day so that a seed always gives the same population.
const TODAY: Date = jiff::civil::date(2026, 1, 1);

/// What a clerk changes when registering again someone already known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Variant {
    NameTypo,
    NameSpelling,
    Accents,
    Separators,
    FirstReordered,
    FirstOnly,
    FirstSpelling,
    UsedNameAsBirthName,
    DayMonthSwapped,
    DateDigit,
    BirthplaceMissing,
}

/// (variant, weight): the more frequent slips weigh more.
const VARIANTS: &[(Variant, u64)] = &[
    (Variant::NameTypo, 16),
    (Variant::NameSpelling, 12),
    (Variant::Accents, 8),
    (Variant::Separators, 8),
    (Variant::FirstReordered, 8),
    (Variant::FirstOnly, 10),
    (Variant::FirstSpelling, 6),
    (Variant::UsedNameAsBirthName, 12),
    (Variant::DayMonthSwapped, 8),
    (Variant::DateDigit, 12),
    (Variant::BirthplaceMissing, 8),
];

impl Variant {
    fn label(self) -> &'static str {
        match self {
            Self::NameTypo => "birth name typo (1-2 letters)",
            Self::NameSpelling => "birth name phonetic spelling",
            Self::Accents => "accents/case changed",
            Self::Separators => "hyphen/space/particle",
            Self::FirstReordered => "first names reordered",
            Self::FirstOnly => "first first name only",
            Self::FirstSpelling => "first name spelling/typo",
            Self::UsedNameAsBirthName => "used name as birth name",
            Self::DayMonthSwapped => "day/month swapped",
            Self::DateDigit => "one-digit date typo",
            Self::BirthplaceMissing => "birthplace missing",
        }
    }
    fn is_date(self) -> bool {
        matches!(self, Self::DayMonthSwapped | Self::DateDigit)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Negative {
    /// Same birth name, date and birthplace, other first names.
    Twin,
    /// Same names, born years apart.
    Homonym,
    /// Same first names, date and sex, another family.
    SameFirstNamesAndDate,
}

impl Negative {
    fn label(self) -> &'static str {
        match self {
            Self::Twin => "twin",
            Self::Homonym => "homonym (years apart)",
            Self::SameFirstNamesAndDate => "same first names + date, other family",
        }
    }
}

pub(crate) enum Kind {
    Duplicate(Vec<Variant>),
    Negative(Negative),
}

pub(crate) struct Probe {
    pub(crate) traits: MatchTraits,
    /// The base person it was made from.
    pub(crate) origin: usize,
    pub(crate) kind: Kind,
}

fn random_date(rng: &mut Rng, years: (i16, i16)) -> anyhow::Result<BirthDate> {
    let year = years.0 + rng.below((years.1 - years.0 + 1) as u64) as i16;
    let month = 1 + rng.below(12) as i8;
    let days = Date::new(year, month, 1)?.days_in_month();
    let day = 1 + rng.below(days as u64) as i8;
    Ok(BirthDate::new(year, month, day, TODAY)?)
}

fn first_names(rng: &mut Rng, sex: Sex, avoid: &[String]) -> Vec<String> {
    let list = if sex == Sex::Female { FEMALE_NAMES } else { MALE_NAMES };
    let count = match rng.below(100) {
        0..55 => 1,
        55..90 => 2,
        _ => 3,
    };
    let avoid: HashSet<String> = avoid.iter().map(|f| normalise_name(f)).collect();
    let mut out: Vec<String> = Vec::new();
    while out.len() < count {
        let f = rng.pick(list);
        if !avoid.contains(&normalise_name(f)) && !out.iter().any(|o| o == f) {
            out.push(f.to_string());
        }
    }
    out
}

fn family_name(rng: &mut Rng) -> &'static str {
    if rng.chance(8) { rng.pick(COMPOUND_NAMES) } else { rng.pick(FAMILY_NAMES) }
}

fn commune(rng: &mut Rng) -> anyhow::Result<InseeCode> {
    Ok(InseeCode::parse(rng.pick(COMMUNES))?)
}

/// A person of the base population: residents of nursing homes, adults with disabilities and
/// children, in the proportions of the group76 profile.
fn base_person(rng: &mut Rng) -> anyhow::Result<MatchTraits> {
    let sector = rng.below(100);
    let (years, female_percent, used_percent) = match sector {
        0..60 => ((1922, 1950), 70, 55),
        60..85 => ((1960, 2004), 45, 20),
        _ => ((2006, 2022), 45, 0),
    };
    let sex = if rng.chance(female_percent) { Sex::Female } else { Sex::Male };
    let full = random_date(rng, years)?;
    // Some elderly persons born abroad have only a year or a month of birth.
    let birth_date = match (sector < 60, rng.below(1000)) {
        (true, 0..20) | (false, 0..3) => BirthDate::new(full.year(), 0, 0, TODAY)?,
        (true, 20..30) => BirthDate::new(full.year(), full.month().unwrap_or(0), 0, TODAY)?,
        _ => full,
    };
    let birth_name = family_name(rng);
    let used_name = (sex == Sex::Female && rng.chance(used_percent))
        .then(|| family_name(rng))
        .filter(|u| normalise_name(u) != normalise_name(birth_name))
        .map(str::to_string);
    Ok(MatchTraits {
        birth_name: birth_name.to_string(),
        used_name,
        first_names: first_names(rng, sex, &[]),
        birth_date,
        sex,
        birthplace: if rng.chance(97) { Some(commune(rng)?) } else { None },
    })
}

const AZERTY: [&str; 3] = ["AZERTYUIOP", "QSDFGHJKLM", "WXCVBN"];

/// A key next to `c` on a French keyboard.
fn neighbour(rng: &mut Rng, c: char) -> char {
    let mut near: Vec<char> = Vec::new();
    for (r, row) in AZERTY.iter().enumerate() {
        if let Some(k) = row.find(c) {
            for (r2, row2) in AZERTY.iter().enumerate() {
                if r2.abs_diff(r) > 1 {
                    continue;
                }
                for (k2, c2) in row2.chars().enumerate() {
                    if k2.abs_diff(k) <= 1 && c2 != c {
                        near.push(c2);
                    }
                }
            }
        }
    }
    if near.is_empty() { 'E' } else { rng.pick(&near) }
}

/// One typing slip in a name: a neighbouring key, a letter dropped or doubled, two letters
/// exchanged. Slips avoid the first letter less than they hit it, as in real registers.
fn typo(rng: &mut Rng, name: &str) -> String {
    let mut chars: Vec<char> = name.to_uppercase().chars().collect();
    let letters: Vec<usize> = (0..chars.len()).filter(|&i| chars[i].is_alphabetic()).collect();
    if letters.len() < 2 {
        return name.to_string();
    }
    let weighted: Vec<usize> = letters.iter().copied().filter(|&i| i > 0 || rng.chance(30)).collect();
    let at = if weighted.is_empty() { letters[1] } else { rng.pick(&weighted) };
    match rng.below(4) {
        0 => chars[at] = neighbour(rng, chars[at]),
        1 if letters.len() > 3 => {
            chars.remove(at);
        }
        2 => chars.insert(at, if rng.chance(50) { chars[at] } else { neighbour(rng, chars[at]) }),
        _ => {
            if let Some(&next) = letters.iter().find(|&&i| i == at + 1)
                && chars[next] != chars[at]
            {
                chars.swap(at, next);
            } else {
                chars[at] = neighbour(rng, chars[at]);
            }
        }
    }
    chars.into_iter().collect()
}

fn is_vowel(c: char) -> bool {
    matches!(c, 'A' | 'E' | 'I' | 'O' | 'U' | 'Y' | 'É' | 'È' | 'Ê' | 'Ë' | 'Ï' | 'Î' | 'Ô')
}

/// Spellings a French clerk may write for the same sound.
const SPELLINGS: &[(&str, &str)] = &[
    ("PH", "F"),
    ("F", "PH"),
    ("TH", "T"),
    ("EAU", "O"),
    ("AU", "O"),
    ("Y", "I"),
    ("I", "Y"),
    ("QU", "K"),
    ("CK", "K"),
    ("EI", "AI"),
    ("Ç", "SS"),
    ("È", "AI"),
    ("Z", "S"),
];

/// A phonetic spelling variant of a name, or a typo when no rule applies.
fn respell(rng: &mut Rng, name: &str) -> String {
    let chars: Vec<char> = name.to_uppercase().chars().collect();
    let s: String = chars.iter().collect();
    let mut options: Vec<String> = Vec::new();
    for (from, to) in SPELLINGS {
        for (at, _) in s.match_indices(from) {
            options.push(format!("{}{}{}", &s[..at], to, &s[at + from.len()..]));
        }
    }
    for i in 1..chars.len().saturating_sub(1) {
        let (p, c, n) = (chars[i - 1], chars[i], chars[i + 1]);
        // A consonant between vowels doubled (ROUSEL/ROUSSEL), a double consonant simplified.
        if "LNSTRMPF".contains(c) && is_vowel(p) && is_vowel(n) {
            let mut v = chars.clone();
            v.insert(i, c);
            options.push(v.into_iter().collect());
        }
        if c == n && !is_vowel(c) {
            let mut v = chars.clone();
            v.remove(i);
            options.push(v.into_iter().collect());
        }
        // AI written E where it sounds è (MAILLARD/MEILLARD), not in a nasal AIN.
        if p == 'A' && c == 'I' && !is_vowel(n) && !matches!(n, 'N' | 'M') {
            let mut v = chars.clone();
            v.splice(i - 1..=i, ['E']);
            options.push(v.into_iter().collect());
        }
        // Nasal vowels: AN/EN before a consonant.
        if c == 'N' && !is_vowel(n) && !matches!(n, 'N' | 'M') && (p == 'A' || p == 'E') {
            let mut v = chars.clone();
            v[i - 1] = if p == 'A' { 'E' } else { 'A' };
            options.push(v.into_iter().collect());
        }
        // An open O written AU (GODIN/GAUDIN, MOREL/MAUREL), not in a nasal ON or in OI, OU.
        if c == 'O' && !is_vowel(n) && !matches!(n, 'N' | 'M') && n != 'U' {
            let mut v = chars.clone();
            v.splice(i..=i, ['A', 'U']);
            options.push(v.into_iter().collect());
        }
        // A hard C before A, O, U written K.
        if c == 'C' && matches!(n, 'A' | 'O' | 'U') {
            let mut v = chars.clone();
            v[i] = 'K';
            options.push(v.into_iter().collect());
        }
    }
    // Silent endings: DUPONT/DUPOND, MOREAU/MOREAUX.
    for (from, to) in [("T", "D"), ("D", "T"), ("AU", "AUX"), ("AUX", "AU")] {
        if s.ends_with(from) && s.len() > from.len() + 2 {
            options.push(format!("{}{to}", &s[..s.len() - from.len()]));
        }
    }
    options.retain(|o| o != &s);
    if options.is_empty() { typo(rng, name) } else { options.swap_remove(rng.below(options.len() as u64) as usize) }
}

fn strip_accents(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            'É' | 'È' | 'Ê' | 'Ë' => 'E',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'À' | 'Â' => 'A',
            'à' | 'â' => 'a',
            'Ç' => 'C',
            'ç' => 'c',
            'Ï' | 'Î' => 'I',
            'ï' | 'î' => 'i',
            'Ô' => 'O',
            'ô' => 'o',
            'Ù' | 'Û' | 'Ü' => 'U',
            'ù' | 'û' | 'ü' => 'u',
            c => c,
        })
        .collect()
}

/// Applies one variant to a copy of a person; false when it does not apply to this person.
fn apply(rng: &mut Rng, t: &mut MatchTraits, v: Variant) -> anyhow::Result<bool> {
    match v {
        Variant::NameTypo => {
            t.birth_name = typo(rng, &t.birth_name);
            if rng.chance(20) {
                t.birth_name = typo(rng, &t.birth_name);
            }
        }
        Variant::NameSpelling => t.birth_name = respell(rng, &t.birth_name),
        Variant::Accents => {
            let accented =
                t.birth_name.chars().chain(t.first_names.iter().flat_map(|f| f.chars())).any(|c| !c.is_ascii());
            if accented && rng.chance(70) {
                t.birth_name = strip_accents(&t.birth_name);
                t.first_names = t.first_names.iter().map(|f| strip_accents(f).to_uppercase()).collect();
            } else if let Some(at) = t.birth_name.find('E') {
                t.birth_name.replace_range(at..at + 1, if rng.chance(50) { "É" } else { "È" });
                t.first_names = t.first_names.iter().map(|f| f.to_lowercase()).collect();
            } else {
                return Ok(false);
            }
        }
        Variant::Separators => {
            let name = t.birth_name.clone();
            let words: Vec<&str> = name.split([' ', '-', '\'']).filter(|w| !w.is_empty()).collect();
            if words.len() > 1 {
                t.birth_name = match rng.below(4) {
                    0 => words.concat(),
                    1 => name.replace(['-', '\''], " "),
                    2 => name.replace([' ', '\''], "-"),
                    // The last word alone (particles dropped) or the first part of a compound name.
                    _ => {
                        if words[..words.len() - 1].iter().all(|w| normalise_name(w) == *w && w.len() > 2) {
                            words[0].to_string()
                        } else {
                            words[words.len() - 1].to_string()
                        }
                    }
                };
            } else if t.first_names.len() > 1 {
                // "Marie Jeanne" typed as the one first name "Marie-Jeanne".
                let joined = format!("{}-{}", t.first_names[0], t.first_names[1]);
                t.first_names.splice(0..2, [joined]);
            } else {
                return Ok(false);
            }
        }
        Variant::FirstReordered => {
            if t.first_names.len() < 2 {
                return Ok(false);
            }
            t.first_names.rotate_left(1);
        }
        Variant::FirstOnly => {
            if t.first_names.len() < 2 {
                return Ok(false);
            }
            t.first_names.truncate(1);
        }
        Variant::FirstSpelling => {
            let Some(first) = t.first_names.first_mut() else { return Ok(false) };
            *first = if rng.chance(70) { respell(rng, first) } else { typo(rng, first) };
        }
        Variant::UsedNameAsBirthName => {
            let Some(used) = t.used_name.take() else { return Ok(false) };
            let birth = std::mem::replace(&mut t.birth_name, used);
            if rng.chance(40) {
                t.used_name = Some(birth);
            }
        }
        Variant::DayMonthSwapped => {
            let d = t.birth_date;
            let (Some(m), Some(day)) = (d.month(), d.day()) else { return Ok(false) };
            if day > 12 || day == m {
                return Ok(false);
            }
            t.birth_date = BirthDate::new(d.year(), day, m, TODAY)?;
        }
        Variant::DateDigit => {
            let d = t.birth_date;
            for _ in 0..50 {
                let mut digits: Vec<u8> =
                    format!("{:04}{:02}{:02}", d.year(), d.month().unwrap_or(0), d.day().unwrap_or(0)).into_bytes();
                // The century is never mistyped; unknown parts have no digit to slip on.
                let mut positions = vec![2, 3];
                if d.month().is_some() {
                    positions.extend([4, 5]);
                }
                if d.day().is_some() {
                    positions.extend([6, 7]);
                }
                let at = rng.pick(&positions);
                let new = b'0' + rng.below(10) as u8;
                if new == digits[at] {
                    continue;
                }
                digits[at] = new;
                let s = String::from_utf8(digits)?;
                let (y, m, day) = (s[..4].parse::<i16>()?, s[4..6].parse::<i8>()?, s[6..].parse::<i8>()?);
                if d.month().is_some() && m == 0 || d.day().is_some() && day == 0 {
                    continue;
                }
                if let Ok(nd) = BirthDate::new(y, m, day, TODAY) {
                    t.birth_date = nd;
                    return Ok(true);
                }
            }
            return Ok(false);
        }
        Variant::BirthplaceMissing => {
            if t.birthplace.take().is_none() {
                return Ok(false);
            }
        }
    }
    Ok(true)
}

fn pick_variant(rng: &mut Rng) -> Variant {
    let total: u64 = VARIANTS.iter().map(|(_, w)| w).sum();
    let mut r = rng.below(total);
    for (v, w) in VARIANTS {
        if r < *w {
            return *v;
        }
        r -= w;
    }
    Variant::NameTypo
}

/// A record of a base person typed again with one or two slips.
fn duplicate(rng: &mut Rng, base: &[MatchTraits]) -> anyhow::Result<Probe> {
    loop {
        let origin = rng.below(base.len() as u64) as usize;
        let mut t = base[origin].clone();
        let wanted = if rng.chance(55) { 1 } else { 2 };
        let mut applied: Vec<Variant> = Vec::new();
        for _ in 0..20 {
            if applied.len() == wanted {
                break;
            }
            let v = pick_variant(rng);
            if applied.contains(&v) || (v.is_date() && applied.iter().any(|a| a.is_date())) {
                continue;
            }
            if apply(rng, &mut t, v)? {
                applied.push(v);
            }
        }
        // A slip may give back the original spelling (a typo undone by normalisation is still a record).
        if applied.len() == wanted && t != base[origin] {
            applied.sort();
            return Ok(Probe { traits: t, origin, kind: Kind::Duplicate(applied) });
        }
    }
}

fn negative(rng: &mut Rng, base: &[MatchTraits], kind: Negative) -> anyhow::Result<Probe> {
    let origin = rng.below(base.len() as u64) as usize;
    let o = &base[origin];
    let mut t = o.clone();
    let married =
        |rng: &mut Rng, sex: Sex| (sex == Sex::Female && rng.chance(40)).then(|| family_name(rng).to_string());
    match kind {
        Negative::Twin => {
            t.sex = if rng.chance(60) {
                o.sex
            } else if o.sex == Sex::Female {
                Sex::Male
            } else {
                Sex::Female
            };
            t.first_names = first_names(rng, t.sex, &o.first_names);
            t.used_name = married(rng, t.sex);
        }
        Negative::Homonym => {
            let gap = 2 + rng.below(30) as i16;
            let y0 = o.birth_date.year();
            let year = if (rng.chance(50) && y0 + gap <= 2024) || y0 - gap < 1905 { y0 + gap } else { y0 - gap };
            t.birth_date = random_date(rng, (year, year))?;
            t.birthplace = if rng.chance(30) { o.birthplace.clone() } else { Some(commune(rng)?) };
            t.used_name = married(rng, t.sex);
        }
        Negative::SameFirstNamesAndDate => {
            // Another family, not another spelling of the same one (DU PONT and DUPONT).
            let spellings = |n: &str| {
                let glued: String = fold(n).split(' ').collect();
                [phonetic(n), phonetic(&glued), normalise_name(n).replace(' ', ""), glued.to_uppercase()]
            };
            let taken = spellings(&o.birth_name);
            t.birth_name = loop {
                let n = family_name(rng);
                if !spellings(n).iter().any(|s| taken.contains(s)) {
                    break n.to_string();
                }
            };
            t.used_name = married(rng, t.sex);
            t.birthplace = Some(commune(rng)?);
        }
    }
    Ok(Probe { traits: t, origin, kind: Kind::Negative(kind) })
}

/// The outcome of one probe.
struct Outcome {
    candidates: usize,
    micros: f64,
    /// Grade of the pair (probe, origin) when the origin was among the candidates.
    origin_grade: Option<MatchGrade>,
    /// Base persons other than a duplicate's origin predicted duplicates.
    false_positives: Vec<(usize, MatchGrade)>,
}

pub(crate) fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn describe(t: &MatchTraits) -> String {
    format!(
        "{}{} | {} | {} | {} | {}",
        t.birth_name,
        t.used_name.as_deref().map(|u| format!(" (usage {u})")).unwrap_or_default(),
        t.first_names.join(" "),
        t.birth_date,
        t.sex.code(),
        t.birthplace.as_ref().map(InseeCode::as_str).unwrap_or("-")
    )
}

/// The base population (distinct persons) and the probes typed against it, the same for a seed.
pub(crate) fn population(opts: &Options) -> anyhow::Result<(Vec<MatchTraits>, Vec<Probe>)> {
    let mut rng = Rng::new(opts.seed);
    let mut base: Vec<MatchTraits> = Vec::with_capacity(opts.persons);
    let mut seen: HashSet<(String, String, String)> = HashSet::new();
    while base.len() < opts.persons {
        let p = base_person(&mut rng)?;
        let firsts: Vec<String> = p.first_names.iter().map(|f| normalise_name(f)).collect();
        if seen.insert((normalise_name(&p.birth_name), firsts.join(" "), p.birth_date.to_storage())) {
            base.push(p);
        }
    }
    let mut probes: Vec<Probe> = Vec::with_capacity(opts.duplicates + opts.negatives);
    for _ in 0..opts.duplicates {
        probes.push(duplicate(&mut rng, &base)?);
    }
    let kinds = [Negative::Twin, Negative::Homonym, Negative::SameFirstNamesAndDate];
    for i in 0..opts.negatives {
        probes.push(negative(&mut rng, &base, kinds[i % kinds.len()])?);
    }
    Ok((base, probes))
}

/// A base population of distinct persons is indexed by blocking key, as the server's table does.
/// Probes are then searched the way the server will before creating a person: variants of base
/// persons as a clerk would type them (true duplicates), and hard negatives (twins, homonyms,
/// namesakes by first names and date). A pair is predicted a duplicate at grade probable or better.
pub fn run(opts: &Options) -> anyhow::Result<()> {
    let started = Instant::now();
    let (base, probes) = population(opts)?;
    let mut index: HashMap<String, Vec<u32>> = HashMap::new();
    let mut key_count = 0usize;
    for (i, p) in base.iter().enumerate() {
        for k in blocking_keys(p) {
            key_count += 1;
            index.entry(k).or_default().push(i as u32);
        }
    }
    let largest_bucket = index.values().map(Vec::len).max().unwrap_or(0);
    let kinds = [Negative::Twin, Negative::Homonym, Negative::SameFirstNamesAndDate];
    let prepared = started.elapsed();

    let mut outcomes: Vec<Outcome> = Vec::with_capacity(probes.len());
    for probe in &probes {
        let t0 = Instant::now();
        let mut candidates: Vec<u32> =
            blocking_keys(&probe.traits).iter().filter_map(|k| index.get(k)).flatten().copied().collect();
        candidates.sort_unstable();
        candidates.dedup();
        let scored: Vec<(usize, MatchGrade)> =
            candidates.iter().map(|&c| (c as usize, compare(&probe.traits, &base[c as usize]).grade)).collect();
        let micros = t0.elapsed().as_secs_f64() * 1e6;
        let is_duplicate = matches!(probe.kind, Kind::Duplicate(_));
        outcomes.push(Outcome {
            candidates: candidates.len(),
            micros,
            origin_grade: scored.iter().find(|(c, _)| *c == probe.origin).map(|(_, g)| *g),
            false_positives: scored
                .into_iter()
                .filter(|(c, g)| g.is_likely() && !(is_duplicate && *c == probe.origin))
                .collect(),
        });
    }

    // Duplicates: found by blocking, found at probable or better, grades.
    let n_dup = opts.duplicates.max(1) as f64;
    let dup: Vec<(&Probe, &Outcome)> =
        probes.iter().zip(&outcomes).filter(|(p, _)| matches!(p.kind, Kind::Duplicate(_))).collect();
    let blocked = dup.iter().filter(|(_, o)| o.origin_grade.is_some()).count();
    let found = dup.iter().filter(|(_, o)| o.origin_grade.is_some_and(MatchGrade::is_likely)).count();
    let false_positives: usize = outcomes.iter().map(|o| o.false_positives.len()).sum();
    let predicted = found + false_positives;
    let recall = found as f64 / n_dup;
    let precision = if predicted == 0 { 1.0 } else { found as f64 / predicted as f64 };
    let mut grade_counts: HashMap<&str, usize> = HashMap::new();
    for (_, o) in &dup {
        *grade_counts.entry(o.origin_grade.map(MatchGrade::code).unwrap_or("not blocked")).or_default() += 1;
    }
    let mut candidates: Vec<usize> = outcomes.iter().map(|o| o.candidates).collect();
    candidates.sort_unstable();
    let mean_candidates = candidates.iter().sum::<usize>() as f64 / candidates.len().max(1) as f64;
    let mut micros: Vec<f64> = outcomes.iter().map(|o| o.micros).collect();
    micros.sort_by(f64::total_cmp);

    println!(
        "match-eval: {} persons, {} duplicates, {} negatives, seed {} (prepared in {:.1} s)",
        opts.persons,
        opts.duplicates,
        opts.negatives,
        opts.seed,
        prepared.as_secs_f64()
    );
    println!();
    println!("{:<44} {:>12}", "measure", "value");
    println!("{}", "-".repeat(57));
    let row = |label: &str, value: String| println!("{label:<44} {value:>12}");
    row("recall at >= probable", format!("{:.2} %", recall * 100.0));
    row("precision at >= probable", format!("{:.2} %", precision * 100.0));
    row("recall of blocking alone", format!("{:.2} %", blocked as f64 * 100.0 / n_dup));
    row("true pairs found / injected", format!("{found} / {}", opts.duplicates));
    row("false pairs at >= probable", format!("{false_positives}"));
    row("blocking keys per person (mean)", format!("{:.2}", key_count as f64 / base.len().max(1) as f64));
    row("largest key bucket (persons)", format!("{largest_bucket}"));
    row("candidates per probe (mean)", format!("{mean_candidates:.1}"));
    row("candidates per probe (p95)", format!("{}", candidates.get(candidates.len() * 95 / 100).unwrap_or(&0)));
    row("candidates per probe (max)", format!("{}", candidates.last().unwrap_or(&0)));
    row("time per probe p50 (blocking + scoring)", format!("{:.0} µs", percentile(&micros, 0.5)));
    row("time per probe p95 (blocking + scoring)", format!("{:.0} µs", percentile(&micros, 0.95)));

    println!();
    println!("duplicates, grade of the true pair:");
    for g in ["certain", "probable", "possible", "certainly-not", "not blocked"] {
        println!("  {g:<42} {:>12}", grade_counts.get(g).copied().unwrap_or(0));
    }

    println!();
    println!("{:<44} {:>5} {:>7} {:>8}", "variant (alone or with another)", "count", "found", "recall");
    let mut per_variant: Vec<(Variant, usize, usize)> = Vec::new();
    for &(v, _) in VARIANTS {
        let with: Vec<&(&Probe, &Outcome)> =
            dup.iter().filter(|(p, _)| matches!(&p.kind, Kind::Duplicate(vs) if vs.contains(&v))).collect();
        let ok = with.iter().filter(|(_, o)| o.origin_grade.is_some_and(MatchGrade::is_likely)).count();
        println!(
            "  {:<42} {:>5} {:>7} {:>7.1}%",
            v.label(),
            with.len(),
            ok,
            ok as f64 * 100.0 / with.len().max(1) as f64
        );
        per_variant.push((v, with.len(), ok));
    }

    println!();
    println!("{:<44} {:>5} {:>8} {:>8} {:>9}", "negative probes", "count", "probable", "possible", "cert.-not");
    let mut per_negative = Vec::new();
    for kind in kinds {
        let of: Vec<(&Probe, &Outcome)> =
            probes.iter().zip(&outcomes).filter(|(p, _)| matches!(p.kind, Kind::Negative(k) if k == kind)).collect();
        let grade_of = |o: &Outcome| o.origin_grade.unwrap_or(MatchGrade::CertainlyNot);
        let likely = of.iter().filter(|(_, o)| !o.false_positives.is_empty()).count();
        let possible = of.iter().filter(|(_, o)| grade_of(o) == MatchGrade::Possible).count();
        let not = of.iter().filter(|(_, o)| grade_of(o) == MatchGrade::CertainlyNot).count();
        println!("  {:<42} {:>5} {:>8} {:>8} {:>9}", kind.label(), of.len(), likely, possible, not);
        per_negative.push(json!({"kind": kind.label(), "count": of.len(), "probable_or_better": likely,
            "possible": possible, "certainly_not": not}));
    }
    println!(
        "  (probable = probes with a false pair at >= probable; possible/cert.-not = grade against the person copied)"
    );

    if opts.examples > 0 {
        println!();
        println!("missed duplicates:");
        for (p, o) in dup.iter().filter(|(_, o)| !o.origin_grade.is_some_and(MatchGrade::is_likely)).take(opts.examples)
        {
            let Kind::Duplicate(vs) = &p.kind else { continue };
            let labels: Vec<&str> = vs.iter().map(|v| v.label()).collect();
            let r = compare(&p.traits, &base[p.origin]);
            println!(
                "  [{}] {:?} {:.2} {}",
                labels.join(" + "),
                o.origin_grade.map(MatchGrade::code),
                r.score,
                r.reasons.join(", ")
            );
            println!("      {}", describe(&base[p.origin]));
            println!("      {}", describe(&p.traits));
        }
        println!("false pairs:");
        for (p, o) in probes.iter().zip(&outcomes).filter(|(_, o)| !o.false_positives.is_empty()).take(opts.examples) {
            let what = match &p.kind {
                Kind::Duplicate(_) => "duplicate probe",
                Kind::Negative(k) => k.label(),
            };
            for (c, g) in &o.false_positives {
                let r = compare(&p.traits, &base[*c]);
                println!("  [{what}] {} {:.2} {}", g.code(), r.score, r.reasons.join(", "));
                println!("      {}", describe(&base[*c]));
                println!("      {}", describe(&p.traits));
            }
        }
    }

    if let Some(path) = &opts.json {
        let report = json!({
            "persons": opts.persons,
            "duplicates": opts.duplicates,
            "negatives": opts.negatives,
            "seed": opts.seed,
            "recall": recall,
            "precision": precision,
            "blocking_recall": blocked as f64 / n_dup,
            "true_pairs_found": found,
            "false_pairs": false_positives,
            "keys_per_person": key_count as f64 / base.len().max(1) as f64,
            "largest_key_bucket": largest_bucket,
            "candidates": {"mean": mean_candidates, "p95": candidates.get(candidates.len() * 95 / 100),
                "max": candidates.last()},
            "micros_per_probe": {"p50": percentile(&micros, 0.5), "p95": percentile(&micros, 0.95)},
            "duplicate_grades": grade_counts,
            "variants": per_variant.iter().map(|(v, n, ok)| json!({"variant": v.label(), "count": n, "found": ok}))
                .collect::<Vec<_>>(),
            "negatives_by_kind": per_negative,
        });
        std::fs::write(path, serde_json::to_string_pretty(&report)?)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}
