//! Identity vigilance (RNIV): candidate duplicates of a person, found by blocking keys, scored and graded.

use crate::date::BirthDate;
use crate::identity::{InseeCode, Sex, StrictTraits, UsedNames};
use crate::text::fold;

/// The traits compared to find duplicates: the strict traits and the used name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatchTraits {
    pub birth_name: String,
    pub used_name: Option<String>,
    pub first_names: Vec<String>,
    pub birth_date: BirthDate,
    pub sex: Sex,
    pub birthplace: Option<InseeCode>,
}

impl MatchTraits {
    pub fn from_identity(traits: &StrictTraits, used: &UsedNames) -> Self {
        Self {
            birth_name: traits.birth_name.clone(),
            used_name: used.used_name.clone(),
            first_names: traits.first_names.clone(),
            birth_date: traits.birth_date,
            sex: traits.sex,
            birthplace: traits.birthplace.clone(),
        }
    }
}

/// Particles dropped from family names: "DE LA FONTAINE" and "FONTAINE" are one name to a clerk.
const PARTICLES: &[&str] = &[
    "D", "DA", "DAS", "DE", "DEL", "DELLA", "DELLE", "DEN", "DER", "DES", "DI", "DO", "DOS", "DU", "L", "LA", "LE",
    "LES", "TEN", "TER", "VAN", "VON",
];

fn is_particle(token: &str) -> bool {
    PARTICLES.contains(&token)
}

/// Upper-case folded words of a name. A single letter that is not a particle is glued to the next
/// word: "N'DIAYE" and "O'NEILL" are typed as often without their apostrophe as with it.
fn name_words(s: &str) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    let mut pending = String::new();
    for w in fold(s).split(' ').filter(|w| !w.is_empty()) {
        let w = w.to_uppercase();
        if w.chars().count() == 1 && !is_particle(&w) {
            pending.push_str(&w);
            continue;
        }
        words.push(std::mem::take(&mut pending) + &w);
    }
    if !pending.is_empty() {
        words.push(pending);
    }
    words
}

/// Words of a name without its particles; a name made only of particles ("LE") keeps them.
fn significant_words(words: &[String]) -> Vec<String> {
    let kept: Vec<String> = words.iter().filter(|w| !is_particle(w)).cloned().collect();
    if kept.is_empty() { words.to_vec() } else { kept }
}

/// Name in a comparable form: upper case, no accent, words separated by one space, hyphens and
/// apostrophes as spaces, particles (DE, DU, DES, LE, LA, D', ...) removed.
/// "de la Fontaine" → "FONTAINE", "Lefèvre-Ménard" → "LEFEVRE MENARD", "N'Diaye" → "NDIAYE".
pub fn normalise_name(s: &str) -> String {
    significant_words(&name_words(s)).join(" ")
}

/// French phonetic key of a name.
///
/// A rewrite in the family of Soundex2 and Phonex (F. Brouard), keeping the whole word instead of
/// four characters so that the key stays selective: the name is normalised ([`normalise_name`],
/// spaces removed), then
/// 1. Y → I, W → V, Z → S, PH → F; H is dropped except in CH and SH; doubled letters collapse;
/// 2. vowel groups by sound: EAU, AU → O; AI, EI, EU, OEU → E; OU → U; OI → OA; U → Y;
///    nasals before a consonant or at the end: AN/AM/EN/EM → 1, ON/OM → 2, IN/IM/AIN/EIN/UN → 3;
/// 3. consonants by sound: C before E/I and SC before E/I → S, other C, Q, QU, CK → K;
///    CH, SH, SCH → X (but CHR, CHL → K); G before E/I → J (GE before A/O/U → J), GU before E/I
///    → G, GN → NI; X → KS; B before V is silent (LEFEBVRE);
/// 4. silent endings dropped: final E, ES, final S, T, D, X, G after a nasal; ER, EZ, ET → E;
///    repeated codes collapse again.
///
/// DUPOND and DUPONT, LEFEVRE and LEFEBVRE, MEUNIER and MEUNNIER, PHILIPPE and FILIPE share a key.
pub fn phonetic(s: &str) -> String {
    let letters: Vec<u8> = normalise_name(s).bytes().filter(u8::is_ascii_uppercase).collect();
    phonetic_of_letters(&letters)
}

fn phonetic_of_letters(raw: &[u8]) -> String {
    let mut w: Vec<u8> = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        match raw[i] {
            b'Y' => w.push(b'I'),
            b'W' => w.push(b'V'),
            b'Z' => w.push(b'S'),
            b'P' if raw.get(i + 1) == Some(&b'H') => {
                w.push(b'F');
                i += 1;
            }
            b'H' if !matches!(w.last(), Some(b'C' | b'S')) => {}
            c => w.push(c),
        }
        i += 1;
    }
    w.dedup();

    let n = w.len();
    let at = |k: usize| w.get(k).copied();
    let vowel = |k: usize| matches!(at(k), Some(b'A' | b'E' | b'I' | b'O' | b'U'));
    // A nasal vowel: N or M at `k`, not followed by a vowel.
    let nasal = |k: usize| matches!(at(k), Some(b'N' | b'M')) && !vowel(k + 1);
    let starts = |k: usize, p: &[u8]| w[k..].starts_with(p);
    let mut out: Vec<u8> = Vec::with_capacity(n + 2);
    let mut i = 0;
    while i < n {
        let c = w[i];
        let next = at(i + 1);
        let (code, step): (&[u8], usize) = match c {
            b'A' if (starts(i, b"AIN") || starts(i, b"AIM")) && nasal(i + 2) => (b"3", 3),
            b'A' if next == Some(b'I') => (b"E", 2),
            b'A' if next == Some(b'U') => (b"O", 2),
            b'A' if nasal(i + 1) => (b"1", 2),
            b'E' if starts(i, b"EAU") => (b"O", 3),
            b'E' if (starts(i, b"EIN") || starts(i, b"EIM")) && nasal(i + 2) => (b"3", 3),
            b'E' if matches!(next, Some(b'I' | b'U')) => (b"E", 2),
            b'E' if i + 1 == n && n > 1 => (b"", 1),
            b'E' if i + 2 == n && matches!(next, Some(b'R' | b'T')) => (b"E", 2),
            b'E' if i + 2 == n && next == Some(b'S') && n > 2 => (b"", 2),
            b'E' if nasal(i + 1) => (b"1", 2),
            b'I' if nasal(i + 1) => (b"3", 2),
            b'O' if starts(i, b"OEU") => (b"E", 3),
            b'O' if next == Some(b'U') => (b"U", 2),
            b'O' if next == Some(b'I') => (b"OA", 2),
            b'O' if nasal(i + 1) => (b"2", 2),
            b'U' if nasal(i + 1) => (b"3", 2),
            b'U' => (b"Y", 1),
            b'C' if matches!(next, Some(b'E' | b'I')) => (b"S", 1),
            b'C' if next == Some(b'H') && matches!(at(i + 2), Some(b'R' | b'L')) => (b"K", 2),
            b'C' if next == Some(b'H') => (b"X", 2),
            b'C' => (b"K", 1),
            b'S' if starts(i, b"SCH") => (b"X", 3),
            b'S' if next == Some(b'H') => (b"X", 2),
            b'S' if next == Some(b'C') && matches!(at(i + 2), Some(b'E' | b'I')) => (b"S", 2),
            b'Q' if next == Some(b'U') => (b"K", 2),
            b'Q' => (b"K", 1),
            b'G' if next == Some(b'E') && matches!(at(i + 2), Some(b'A' | b'O' | b'U')) => (b"J", 2),
            b'G' if matches!(next, Some(b'E' | b'I')) => (b"J", 1),
            b'G' if next == Some(b'U') && matches!(at(i + 2), Some(b'E' | b'I')) => (b"G", 2),
            b'G' if next == Some(b'N') => (b"NI", 2),
            b'X' if i + 1 == n => (b"", 1),
            b'X' => (b"KS", 1),
            b'B' if next == Some(b'V') => (b"", 1),
            // PERRAULT, RENAULT: the L of a final AULT is silent.
            b'L' if i + 2 == n && next == Some(b'T') && i >= 2 && &w[i - 2..i] == b"AU" => (b"", 1),
            b'H' => (b"", 1),
            _ => (std::slice::from_ref(&w[i]), 1),
        };
        out.extend_from_slice(code);
        i += step;
    }
    out.dedup();
    while out.len() > 2 {
        let last = out[out.len() - 1];
        let before = out[out.len() - 2];
        if matches!(last, b'S' | b'T' | b'D') || (last == b'G' && matches!(before, b'1' | b'2' | b'3')) {
            out.pop();
        } else {
            break;
        }
    }
    out.dedup();
    // Only ASCII letters and digits were pushed.
    String::from_utf8(out).unwrap_or_default()
}

/// Optimal string alignment distance: insertions, deletions, substitutions and transpositions of
/// two adjacent letters each count one, the four typing slips.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let width = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * width];
    for (i, row) in d.chunks_mut(width).enumerate() {
        row[0] = i;
    }
    for (j, cell) in d.iter_mut().take(width).enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v =
                (d[(i - 1) * width + j] + 1).min(d[i * width + j - 1] + 1).min(d[(i - 1) * width + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[(i - 2) * width + j - 2] + 1);
            }
            d[i * width + j] = v;
        }
    }
    d[a.len() * width + b.len()]
}

/// The FHIR match grade (`match-grade` extension of a `Patient/$match` entry).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MatchGrade {
    Certain,
    Probable,
    Possible,
    CertainlyNot,
}

impl MatchGrade {
    pub fn code(self) -> &'static str {
        match self {
            Self::Certain => "certain",
            Self::Probable => "probable",
            Self::Possible => "possible",
            Self::CertainlyNot => "certainly-not",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::Certain => "Doublon certain",
            Self::Probable => "Doublon probable",
            Self::Possible => "Doublon possible",
            Self::CertainlyNot => "Pas un doublon",
        }
    }
    /// Certain or probable: the grades shown as duplicates to check before creating a person.
    pub fn is_likely(self) -> bool {
        self <= Self::Probable
    }
}

/// The outcome of comparing two identities.
#[derive(Debug, Clone, PartialEq)]
pub struct MatchResult {
    /// 0 to 1; 1 for a certain duplicate.
    pub score: f64,
    pub grade: MatchGrade,
    /// Short French reasons shown to the professional, agreements and disagreements alike.
    pub reasons: Vec<&'static str>,
}

/// Points of two identical records with a birthplace.
pub const MAX_POINTS: f64 = 30.0;
/// From this score on, a pair is a probable duplicate (unless capped).
pub const PROBABLE_SCORE: f64 = 18.0 / MAX_POINTS;
/// From this score on, a pair is a possible duplicate.
pub const POSSIBLE_SCORE: f64 = 9.0 / MAX_POINTS;

/// The forms of one family name used for comparison.
struct NameForms {
    /// Significant words.
    words: Vec<String>,
    /// Significant words glued: "DUPONT MARTIN" → "DUPONTMARTIN".
    joined: String,
    /// Glued forms with none, some or all leading particles: "DE LA FONTAINE" → DELAFONTAINE,
    /// LAFONTAINE, FONTAINE; whoever typed "LAFONTAINE" meant the same name.
    spellings: Vec<String>,
    phon: String,
}

impl NameForms {
    fn new(s: &str) -> Self {
        let all = name_words(s);
        let words = significant_words(&all);
        let joined = words.concat();
        let mut spellings = vec![joined.clone(), all.concat()];
        for k in 1..all.len() {
            if !is_particle(&all[k - 1]) {
                break;
            }
            spellings.push(all[k..].concat());
        }
        spellings.sort();
        spellings.dedup();
        let letters: Vec<u8> = joined.bytes().filter(u8::is_ascii_uppercase).collect();
        Self { phon: phonetic_of_letters(&letters), words, joined, spellings }
    }
    fn is_empty(&self) -> bool {
        self.joined.is_empty()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum NameAgreement {
    Exact,
    Phonetic,
    Compound,
    Typo,
    TwoTypos,
    /// Close but not a slip: at most 40 % of the letters differ, or the phonetic keys differ by one.
    /// Enough only when every other trait agrees.
    Similar,
    Different,
}

fn compare_names(a: &NameForms, b: &NameForms) -> NameAgreement {
    if a.is_empty() || b.is_empty() {
        return NameAgreement::Different;
    }
    if a.spellings.iter().any(|s| b.spellings.contains(s)) {
        return NameAgreement::Exact;
    }
    if !a.phon.is_empty() && a.phon == b.phon {
        return NameAgreement::Phonetic;
    }
    let (short, long) = if a.words.len() <= b.words.len() { (a, b) } else { (b, a) };
    if short.words.len() < long.words.len() && short.words.iter().all(|w| w.len() >= 2 && long.words.contains(w)) {
        return NameAgreement::Compound;
    }
    let (la, lb) = (a.joined.chars().count(), b.joined.chars().count());
    let (shortest, longest) = (la.min(lb), la.max(lb));
    let distance = edit_distance(&a.joined, &b.joined);
    let phon_shortest = a.phon.len().min(b.phon.len());
    match distance {
        1 if shortest >= 3 => NameAgreement::Typo,
        2 if shortest >= 5 => NameAgreement::TwoTypos,
        d if shortest >= 3 && 5 * d <= 2 * longest => NameAgreement::Similar,
        _ if phon_shortest >= 3 && edit_distance(&a.phon, &b.phon) <= 1 => NameAgreement::Similar,
        _ => NameAgreement::Different,
    }
}

fn name_points(agreement: NameAgreement) -> f64 {
    match agreement {
        NameAgreement::Exact => 10.0,
        NameAgreement::Phonetic => 8.0,
        NameAgreement::Compound => 7.0,
        NameAgreement::Typo => 6.5,
        NameAgreement::TwoTypos => 4.0,
        NameAgreement::Similar => 2.0,
        NameAgreement::Different => -8.0,
    }
}

/// Which names of the two records agree best.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NamePair {
    BirthBirth,
    /// A birth name against the other's used name: a married woman registered under her used name.
    Crossed,
    UsedUsed,
}

fn best_names(a: &MatchTraits, b: &MatchTraits) -> (NameAgreement, NamePair) {
    let ab = NameForms::new(&a.birth_name);
    let bb = NameForms::new(&b.birth_name);
    let au = a.used_name.as_deref().map(NameForms::new).filter(|f| !f.is_empty());
    let bu = b.used_name.as_deref().map(NameForms::new).filter(|f| !f.is_empty());
    let mut best = (compare_names(&ab, &bb), NamePair::BirthBirth);
    let mut consider = |x: &NameForms, y: &NameForms, pair: NamePair| {
        let agreement = compare_names(x, y);
        // A crossed name must be strictly better to win: the birth names are the strict traits.
        if name_points(agreement) - pair_penalty(pair) > name_points(best.0) - pair_penalty(best.1) {
            best = (agreement, pair);
        }
    };
    if let Some(bu) = &bu {
        consider(&ab, bu, NamePair::Crossed);
    }
    if let Some(au) = &au {
        consider(au, &bb, NamePair::Crossed);
        if let Some(bu) = &bu {
            consider(au, bu, NamePair::UsedUsed);
        }
    }
    best
}

fn pair_penalty(pair: NamePair) -> f64 {
    match pair {
        NamePair::BirthBirth => 0.0,
        NamePair::Crossed => 1.0,
        // Sisters-in-law share a used name: it weighs less than a birth name one slip away.
        NamePair::UsedUsed => 4.0,
    }
}

/// The words of the first names: "Jean-Pierre" and "Jean Pierre" are the same two words.
fn first_name_words(first_names: &[String]) -> Vec<String> {
    first_names.iter().flat_map(|f| name_words(f)).collect()
}

/// The same first name for a clerk: equal, pronounced alike, one slip in a long name, or a
/// keyboard slip in a short one. Short names one letter apart are often different names given to
/// twins (LINA and LENA, LEA and LENA), but not when the letters are neighbouring keys.
fn same_first_name(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    let (pa, pb) = (phonetic(a), phonetic(b));
    (!pa.is_empty() && pa == pb)
        || (a.chars().count().min(b.chars().count()) >= 5 && edit_distance(a, b) <= 1)
        || keyboard_slip(a.as_bytes(), b.as_bytes())
}

/// Rows of a French (AZERTY) keyboard.
const AZERTY: [&[u8]; 3] = [b"AZERTYUIOP", b"QSDFGHJKLM", b"WXCVBN"];

fn neighbouring_keys(a: u8, b: u8) -> bool {
    let at = |c: u8| AZERTY.iter().enumerate().find_map(|(r, row)| row.iter().position(|&k| k == c).map(|k| (r, k)));
    match (at(a), at(b)) {
        (Some((ra, ka)), Some((rb, kb))) => ra.abs_diff(rb) <= 1 && ka.abs_diff(kb) <= 1,
        _ => false,
    }
}

/// One typing slip: two adjacent letters exchanged, a neighbouring key struck instead of the right
/// one, or a letter struck twice or with its neighbour.
fn keyboard_slip(a: &[u8], b: &[u8]) -> bool {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if short.len() == long.len() {
        let diff: Vec<usize> = (0..a.len()).filter(|&k| a[k] != b[k]).collect();
        return match diff.as_slice() {
            [k] => neighbouring_keys(a[*k], b[*k]),
            [k, l] => *l == k + 1 && a[*k] == b[*l] && a[*l] == b[*k],
            _ => false,
        };
    }
    if long.len() != short.len() + 1 {
        return false;
    }
    let k = (0..short.len()).find(|&k| short[k] != long[k]).unwrap_or(short.len());
    if short[k..] != long[k + 1..] {
        return false;
    }
    let extra = long[k];
    let beside = |c: Option<&u8>| c.is_some_and(|&c| c == extra || neighbouring_keys(c, extra));
    beside(long.get(k + 1)) || (k > 0 && beside(long.get(k - 1)))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FirstNameAgreement {
    Exact,
    Reordered,
    /// One list is part of the other, with the same first first name: only it was typed.
    Subset,
    /// One list is part of the other, but the first first names differ: "Odette" for "Marie Odette".
    LaterSubset,
    /// Every first name has a counterpart, some spelled differently.
    Similar,
    /// Some first names agree, others conflict: twins are often "Marie Anne" and "Marie Claire".
    Partial,
    Different,
}

fn compare_first_names(a: &[String], b: &[String]) -> FirstNameAgreement {
    let (wa, wb) = (first_name_words(a), first_name_words(b));
    if wa.is_empty() || wb.is_empty() {
        return FirstNameAgreement::Partial;
    }
    if wa == wb {
        return FirstNameAgreement::Exact;
    }
    let (short, long) = if wa.len() <= wb.len() { (&wa, &wb) } else { (&wb, &wa) };
    let mut used = vec![false; long.len()];
    let mut matched = 0;
    let mut all_exact = true;
    for s in short {
        // Exact counterparts first, so that a spelling slip does not steal another word's match.
        let exact = long.iter().enumerate().position(|(k, l)| !used[k] && l == s);
        let found = exact.or_else(|| long.iter().enumerate().position(|(k, l)| !used[k] && same_first_name(s, l)));
        if let Some(k) = found {
            used[k] = true;
            matched += 1;
            all_exact &= exact.is_some();
        }
    }
    if matched == short.len() {
        if !all_exact {
            FirstNameAgreement::Similar
        } else if short.len() == long.len() {
            FirstNameAgreement::Reordered
        } else if short[0] == long[0] {
            FirstNameAgreement::Subset
        } else {
            FirstNameAgreement::LaterSubset
        }
    } else if matched > 0 {
        FirstNameAgreement::Partial
    } else {
        FirstNameAgreement::Different
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DateAgreement {
    Exact,
    /// Equal, with an unknown day or month on both sides.
    EqualPartial,
    /// One side has an unknown day, the year and month agree.
    Compatible,
    /// One side has only a year, which agrees: weak evidence.
    SameYear,
    Swapped,
    OneDigit,
    /// Two adjacent digits of the day, month or year exchanged: 1945 and 1954.
    Transposed,
    Different,
}

/// `YYYYMMDD` with `?` for an unknown part.
fn date_digits(d: &BirthDate) -> [u8; 8] {
    let s = d.to_storage();
    let b = s.as_bytes();
    let mut out = [b'?'; 8];
    out[..4].copy_from_slice(&b[..4]);
    if d.month().is_some() {
        out[4..6].copy_from_slice(&b[5..7]);
    }
    if d.day().is_some() {
        out[6..8].copy_from_slice(&b[8..10]);
    }
    out
}

fn compare_dates(a: &BirthDate, b: &BirthDate) -> DateAgreement {
    if a == b {
        return if a.is_partial() { DateAgreement::EqualPartial } else { DateAgreement::Exact };
    }
    if let (Some(am), Some(ad), Some(bm), Some(bd)) = (a.month(), a.day(), b.month(), b.day())
        && a.year() == b.year()
        && am == bd
        && ad == bm
    {
        return DateAgreement::Swapped;
    }
    let (da, db) = (date_digits(a), date_digits(b));
    let diffs: Vec<usize> = (0..8).filter(|&k| da[k] != b'?' && db[k] != b'?' && da[k] != db[k]).collect();
    match diffs.as_slice() {
        [] if a.month().is_some() && b.month().is_some() => DateAgreement::Compatible,
        [] => DateAgreement::SameYear,
        [_] => DateAgreement::OneDigit,
        // Same field (year 0..4, month 4..6, day 6..8) and adjacent, exchanged.
        [i, j] if *j == i + 1 && (*i < 3 || *i == 4 || *i == 6) && da[*i] == db[*j] && da[*j] == db[*i] => {
            DateAgreement::Transposed
        }
        _ => DateAgreement::Different,
    }
}

/// Compares two identities: the score, the grade and the reasons.
///
/// Each trait gives an agreement level worth points, in the spirit of Fellegi–Sunter: agreement on
/// a discriminating trait adds much, disagreement takes much away. The sum over [`MAX_POINTS`] is
/// the score. A disagreement that two records of one person rarely show (other first names, dates
/// far apart, another sex, unrelated names, another birthplace with anything else inexact) caps the
/// grade at possible whatever the other traits say: this keeps twins and homonyms out of probable.
pub fn compare(a: &MatchTraits, b: &MatchTraits) -> MatchResult {
    let mut points = 0.0;
    let mut capped = false;
    let mut reasons = Vec::new();

    let (names, pair) = best_names(a, b);
    points += name_points(names) - if names == NameAgreement::Different { 0.0 } else { pair_penalty(pair) };
    capped |= names == NameAgreement::Different;
    reasons.push(match (names, pair) {
        (NameAgreement::Different, _) => "noms différents",
        (NameAgreement::Exact, NamePair::Crossed) => "nom d'usage = nom de naissance de l'autre",
        (_, NamePair::Crossed) => "nom d'usage proche du nom de naissance de l'autre",
        (NameAgreement::Exact, NamePair::UsedUsed) => "même nom d'usage, noms de naissance différents",
        (_, NamePair::UsedUsed) => "noms d'usage proches, noms de naissance différents",
        (NameAgreement::Exact, NamePair::BirthBirth) => "même nom de naissance",
        (NameAgreement::Phonetic, NamePair::BirthBirth) => "noms de naissance de même prononciation",
        (NameAgreement::Compound, NamePair::BirthBirth) => "nom composé en partie identique",
        (NameAgreement::Typo, NamePair::BirthBirth) => "nom de naissance à une lettre près",
        (NameAgreement::TwoTypos, NamePair::BirthBirth) => "nom de naissance à deux lettres près",
        (NameAgreement::Similar, NamePair::BirthBirth) => "noms de naissance ressemblants",
    });

    let first = compare_first_names(&a.first_names, &b.first_names);
    let (first_points, first_reason) = match first {
        FirstNameAgreement::Exact => (7.0, "mêmes prénoms"),
        FirstNameAgreement::Reordered => (6.0, "prénoms dans un autre ordre"),
        FirstNameAgreement::Subset => (5.5, "une partie des prénoms seulement"),
        FirstNameAgreement::LaterSubset => (3.5, "une partie des prénoms, pas le premier"),
        FirstNameAgreement::Similar => (5.0, "prénoms d'orthographe proche"),
        FirstNameAgreement::Partial => (1.0, "prénoms en partie différents"),
        FirstNameAgreement::Different => (-8.0, "prénoms différents"),
    };
    points += first_points;
    capped |= matches!(first, FirstNameAgreement::Partial | FirstNameAgreement::Different);
    reasons.push(first_reason);

    let date = compare_dates(&a.birth_date, &b.birth_date);
    let (date_points, date_reason) = match date {
        DateAgreement::Exact => (9.0, "même date de naissance"),
        DateAgreement::EqualPartial => (6.0, "même date de naissance incomplète"),
        DateAgreement::Compatible => (4.0, "date de naissance incomplète compatible"),
        DateAgreement::SameYear => (2.5, "même année de naissance, date incomplète"),
        DateAgreement::Swapped => (5.0, "jour et mois inversés"),
        DateAgreement::OneDigit => (5.0, "date de naissance à un chiffre près"),
        DateAgreement::Transposed => (4.0, "deux chiffres de la date de naissance inversés"),
        DateAgreement::Different => (-10.0, "dates de naissance différentes"),
    };
    points += date_points;
    capped |= date == DateAgreement::Different;
    reasons.push(date_reason);

    if a.sex == b.sex {
        points += 1.0;
    } else if a.sex != Sex::Undetermined && b.sex != Sex::Undetermined {
        // A wrong sex with all else identical can be a slip: at most possible, never discarded.
        points -= 6.0;
        capped = true;
        reasons.push("sexe différent");
    }

    match (a.birthplace.as_ref().map(commune), b.birthplace.as_ref().map(commune)) {
        (Some(x), Some(y)) if x == y => {
            points += 3.0;
            reasons.push("même lieu de naissance");
        }
        (Some(_), Some(_)) => {
            points -= 6.0;
            reasons.push("lieux de naissance différents");
        }
        _ => reasons.push("lieu de naissance inconnu d'un côté"),
    }

    let birthplace_differs = matches!((a.birthplace.as_ref().map(commune), b.birthplace.as_ref().map(commune)), (Some(x), Some(y)) if x != y);
    let same_date = matches!(date, DateAgreement::Exact | DateAgreement::EqualPartial);
    // A name that only looks alike is enough when nothing else differs at all.
    capped |= names == NameAgreement::Similar
        && !(same_date
            && matches!(first, FirstNameAgreement::Exact | FirstNameAgreement::Reordered | FirstNameAgreement::Subset)
            && !birthplace_differs);
    // Another birthplace is strong evidence against: only a record otherwise identical stays probable.
    capped |= birthplace_differs
        && !(names == NameAgreement::Exact
            && same_date
            && matches!(first, FirstNameAgreement::Exact | FirstNameAgreement::Reordered));

    let strictly_equal = names == NameAgreement::Exact
        && pair == NamePair::BirthBirth
        && first == FirstNameAgreement::Exact
        && matches!(date, DateAgreement::Exact | DateAgreement::EqualPartial)
        && a.sex == b.sex
        && a.birthplace == b.birthplace;
    let mut score = (points / MAX_POINTS).clamp(0.0, 1.0);
    let grade = if strictly_equal {
        score = 1.0;
        MatchGrade::Certain
    } else if capped {
        // Keep the score below the probable threshold so that sorting by score agrees with grades.
        score = score.min(PROBABLE_SCORE - 0.01);
        if score >= POSSIBLE_SCORE { MatchGrade::Possible } else { MatchGrade::CertainlyNot }
    } else if score >= PROBABLE_SCORE {
        MatchGrade::Probable
    } else if score >= POSSIBLE_SCORE {
        MatchGrade::Possible
    } else {
        MatchGrade::CertainlyNot
    };
    MatchResult { score, grade, reasons }
}

/// The commune of a birthplace: Paris, Lyon and Marseille births are coded by arrondissement
/// as often as by commune.
fn commune(code: &InseeCode) -> &str {
    let c = code.as_str();
    match c {
        _ if ("75101"..="75120").contains(&c) => "75056",
        _ if ("69381"..="69389").contains(&c) => "69123",
        _ if ("13201"..="13216").contains(&c) => "13055",
        _ => c,
    }
}

/// Longest phonetic part of a key, so that every key fits in 40 characters.
const KEY_PHONETIC_LEN: usize = 24;

/// Keys under which a person is indexed to find candidates; two persons are compared when they
/// share one. Each key survives some typing errors:
/// - `N:` name and birth year (birth and used names in one space, so that a used name typed as
///   birth name is found): survives date slips other than in the year, first-name changes;
/// - `M:` name and day/month (unordered, so a swap keeps it): survives a slip in the year;
/// - `P:` first first name, year, day/month: survives a misspelt family name or a used name;
/// - `Q:` first first name and day/month: a misspelt family name and a slip in the year;
/// - `R:` first first name, year and birthplace: a misspelt family name and a slip in day/month;
/// - `D:` birth date and sex: misspelt names, first names reordered.
///
/// Names are keyed by their phonetic form, with and without leading particles and word by word
/// for compound names. Only errors on three of these traits at once escape every key.
pub fn blocking_keys(t: &MatchTraits) -> Vec<String> {
    let year = t.birth_date.year();
    let (m, d) = (t.birth_date.month().unwrap_or(0), t.birth_date.day().unwrap_or(0));
    let day_month = format!("{:02}{:02}", m.min(d), m.max(d));
    let short = |p: &str| p.chars().take(KEY_PHONETIC_LEN).collect::<String>();

    let mut name_keys: Vec<String> = Vec::new();
    for name in std::iter::once(t.birth_name.as_str()).chain(t.used_name.as_deref()) {
        let forms = NameForms::new(name);
        let mut spellings = forms.spellings.clone();
        if forms.words.len() > 1 {
            spellings.extend(forms.words.iter().filter(|w| w.len() >= 3).cloned());
        }
        for s in spellings {
            let letters: Vec<u8> = s.bytes().filter(u8::is_ascii_uppercase).collect();
            let p = phonetic_of_letters(&letters);
            if !p.is_empty() {
                name_keys.push(short(&p));
            }
        }
    }
    name_keys.sort();
    name_keys.dedup();

    let mut keys = Vec::with_capacity(2 * name_keys.len() + 4);
    for p in &name_keys {
        keys.push(format!("N:{p}:{year:04}"));
        keys.push(format!("M:{p}:{day_month}"));
    }
    let first = t.first_names.first().map(|f| phonetic(f)).unwrap_or_default();
    if !first.is_empty() {
        let f = short(&first);
        keys.push(format!("P:{f}:{year:04}{day_month}"));
        keys.push(format!("Q:{f}:{day_month}"));
        if let Some(place) = &t.birthplace {
            keys.push(format!("R:{f}:{year:04}{}", commune(place)));
        }
    }
    keys.push(format!("D:{year:04}{day_month}{}", t.sex.code()));
    keys.sort();
    keys.dedup();
    keys
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn bd(s: &str) -> BirthDate {
        BirthDate::parse(s, date(2026, 1, 1)).unwrap()
    }

    fn person(birth: &str, used: Option<&str>, firsts: &str, date: &str, sex: Sex, place: Option<&str>) -> MatchTraits {
        MatchTraits {
            birth_name: birth.to_string(),
            used_name: used.map(str::to_string),
            first_names: firsts.split(' ').map(str::to_string).collect(),
            birth_date: bd(date),
            sex,
            birthplace: place.map(|p| InseeCode::parse(p).unwrap()),
        }
    }

    fn jeanne() -> MatchTraits {
        person("LEFÈVRE", Some("MARTIN"), "Jeanne Marie", "1936-06-21", Sex::Female, Some("63113"))
    }

    fn grade(a: &MatchTraits, b: &MatchTraits) -> MatchGrade {
        let r = compare(a, b);
        assert_eq!(r.grade, compare(b, a).grade, "compare is symmetric: {a:?} {b:?}");
        r.grade
    }

    #[test]
    fn names_are_normalised() {
        assert_eq!(normalise_name("Lefèvre-Ménard"), "LEFEVRE MENARD");
        assert_eq!(normalise_name("de la Fontaine"), "FONTAINE");
        assert_eq!(normalise_name("D'ARC"), "ARC");
        assert_eq!(normalise_name("N'Diaye"), "NDIAYE");
        assert_eq!(normalise_name("O’Neill"), "ONEILL");
        assert_eq!(normalise_name("Le Gall"), "GALL");
        assert_eq!(normalise_name("  du   Pont "), "PONT");
        assert_eq!(normalise_name("Le"), "LE");
        assert_eq!(normalise_name("Van den Berg"), "BERG");
        assert_eq!(normalise_name("DOS SANTOS"), "SANTOS");
        assert_eq!(normalise_name(""), "");
    }

    #[test]
    fn phonetic_pairs_share_a_key() {
        for (a, b) in [
            ("DUPOND", "DUPONT"),
            ("LEFEVRE", "LEFEBVRE"),
            ("LEFÈVRE", "LEFEBVRE"),
            ("MEUNIER", "MEUNNIER"),
            ("PHILIPPE", "FILIPE"),
            ("GAUTIER", "GAUTHIER"),
            ("HENRI", "HENRY"),
            ("THOMAS", "TOMAS"),
            ("MATHIEU", "MATTHIEU"),
            ("SCHMITT", "SCHMIDT"),
            ("JACQUELINE", "JAQUELINE"),
            ("ROUSSEAU", "ROUSSAUX"),
            ("LEROY", "LEROI"),
            ("MOREAU", "MORAUD"),
            ("GUÉRIN", "GUERIN"),
            ("CATHERINE", "KATHERINE"),
            ("MICHEL", "MICHELLE"),
            ("GEORGES", "JORJE"),
            ("FAURE", "FORE"),
            ("DUBOIS", "DUBOIT"),
            ("BERNARD", "BERNART"),
            ("CLÉMENT", "CLEMANT"),
            ("MATHIS", "MATIS"),
            ("RENAUD", "RENAULT"),
            ("QUENTIN", "KENTIN"),
        ] {
            assert_eq!(phonetic(a), phonetic(b), "{a} / {b}");
        }
        assert_eq!(phonetic("DUPONT"), "DYP2");
        assert_eq!(phonetic("LEFEBVRE"), "LEFEVR");
    }

    #[test]
    fn phonetic_keeps_different_names_apart() {
        for (a, b) in [
            ("MARTIN", "MARTINEZ"),
            ("LINA", "LENA"),
            ("JEAN", "JEANNE"),
            ("DUPONT", "DUPUIS"),
            ("BERNARD", "BERTRAND"),
            ("ROBIN", "ROBERT"),
            ("MOREL", "MOREAU"),
            ("LEO", "THEO"),
        ] {
            assert_ne!(phonetic(a), phonetic(b), "{a} / {b}");
        }
        assert_eq!(phonetic(""), "");
        assert!(phonetic("Łódź-Ñandú").is_ascii());
    }

    #[test]
    fn edit_distance_counts_slips() {
        assert_eq!(edit_distance("MARTIN", "MARTIN"), 0);
        assert_eq!(edit_distance("MARTIN", "MATRIN"), 1);
        assert_eq!(edit_distance("MARTIN", "MARTN"), 1);
        assert_eq!(edit_distance("MARTIN", "MARTINN"), 1);
        assert_eq!(edit_distance("MARTIN", "MORTIN"), 1);
        assert_eq!(edit_distance("MARTIN", "MARTINEZ"), 2);
        assert_eq!(edit_distance("", "ABC"), 3);
    }

    #[test]
    fn identical_records_are_certain() {
        let a = jeanne();
        let r = compare(&a, &a);
        assert_eq!(r.grade, MatchGrade::Certain);
        assert_eq!(r.score, 1.0);
        assert!(r.reasons.contains(&"même date de naissance"));
        let b = person("Lefevre", None, "JEANNE MARIE", "1936-06-21", Sex::Female, Some("63113"));
        assert_eq!(grade(&a, &b), MatchGrade::Certain, "accents, case and a missing used name");
        let c = person("DE LA FONTAINE", None, "Jean-Pierre", "1941-03-02", Sex::Male, None);
        let d = person("LAFONTAINE", None, "JEAN PIERRE", "1941-03-02", Sex::Male, None);
        assert_eq!(grade(&c, &d), MatchGrade::Certain, "particles and hyphens");
        let e = person("LE GALL", None, "Yann", "1950-00-00", Sex::Male, None);
        let f = person("LEGALL", None, "Yann", "1950-00-00", Sex::Male, None);
        assert_eq!(grade(&e, &f), MatchGrade::Certain);
    }

    #[test]
    fn realistic_duplicates_are_probable() {
        let a = jeanne();
        let cases = [
            (person("LEFEBVRE", None, "Jeanne Marie", "1936-06-21", Sex::Female, Some("63113")), "phonetic"),
            (person("LEFERVE", None, "Jeanne Marie", "1936-06-21", Sex::Female, Some("63113")), "typo"),
            (person("LFEVRR", None, "Jeanne Marie", "1936-06-21", Sex::Female, Some("63113")), "two typos"),
            (person("LEFEVRE", None, "Marie Jeanne", "1936-06-21", Sex::Female, Some("63113")), "reordered"),
            (person("LEFEVRE", None, "Jeanne", "1936-06-21", Sex::Female, None), "first only, no birthplace"),
            (person("MARTIN", None, "Jeanne Marie", "1936-06-21", Sex::Female, Some("63113")), "used name"),
            (person("MARTIN", Some("LEFEVRE"), "Jeanne", "1936-06-21", Sex::Female, None), "names swapped"),
            (person("LEFEVRE", None, "Jeanne Marie", "1936-06-12", Sex::Female, Some("63113")), "day typo"),
            (person("LEFEVRE", None, "Jeanne Marie", "1963-06-21", Sex::Female, Some("63113")), "year transposed"),
            (person("LEFEVRE", None, "Jeanne Marie", "1937-06-21", Sex::Female, None), "year typo, no place"),
            (person("LEFEVRE", None, "Jeanne Marie", "1936-06-00", Sex::Female, Some("63113")), "partial date"),
            (person("LEFEVRE", None, "Jeanne Marie", "1936-00-00", Sex::Female, Some("63113")), "year only"),
            (person("LEFERVE", None, "Jeanne", "1936-06-12", Sex::Female, Some("63113")), "typo, first only, day typo"),
            (person("LEFEVRE", None, "Jeane Marie", "1936-06-21", Sex::Female, Some("63113")), "first name slip"),
        ];
        for (b, what) in cases {
            let r = compare(&a, &b);
            assert!(r.grade.is_likely(), "{what}: {r:?}");
            assert_eq!(r.grade, MatchGrade::Probable, "{what}");
        }
        let c = person("DUPONT", None, "Pierre", "1950-03-04", Sex::Male, Some("75056"));
        let swapped = person("DUPOND", None, "Pierre", "1950-04-03", Sex::Male, Some("75056"));
        let r = compare(&c, &swapped);
        assert_eq!(r.grade, MatchGrade::Probable);
        assert_eq!(
            r.reasons[..3],
            ["noms de naissance de même prononciation", "mêmes prénoms", "jour et mois inversés"]
        );
        let compound = person("DUPONT-MARTIN", None, "Pierre", "1950-03-04", Sex::Male, Some("75056"));
        let r = compare(&c, &compound);
        assert_eq!(r.grade, MatchGrade::Probable);
        assert!(r.reasons.contains(&"nom composé en partie identique"));
        let ndiaye = person("N'DIAYE", None, "Mamadou", "1980-07-01", Sex::Male, Some("99350"));
        let ndiaye2 = person("NDIAYE", None, "Mamadou", "1980-01-07", Sex::Male, Some("99350"));
        assert_eq!(grade(&ndiaye, &ndiaye2), MatchGrade::Probable);
    }

    #[test]
    fn names_only_alike_need_everything_else() {
        let a = person("BOYER", None, "Yvette Rose", "1943-12-07", Sex::Female, Some("21231"));
        let b = person("BOIE", None, "Yvette Rose", "1943-12-07", Sex::Female, Some("21231"));
        let r = compare(&a, &b);
        assert_eq!(r.grade, MatchGrade::Probable);
        assert_eq!(r.reasons[0], "noms de naissance ressemblants");
        let no_place = MatchTraits { birthplace: None, ..b.clone() };
        assert_eq!(grade(&a, &no_place), MatchGrade::Probable);
        let elsewhere = MatchTraits { birthplace: Some(InseeCode::parse("75056").unwrap()), ..b.clone() };
        assert_eq!(grade(&a, &elsewhere), MatchGrade::Possible);
        let date_slip = MatchTraits { birth_date: bd("1943-12-08"), ..b.clone() };
        assert_eq!(grade(&a, &date_slip), MatchGrade::Possible);
        let one_first_name_slip = MatchTraits { first_names: vec!["Yvete".into(), "Rose".into()], ..b };
        assert_eq!(grade(&a, &one_first_name_slip), MatchGrade::Possible);
        let unrelated = person("ROY", None, "Yvette Rose", "1943-12-07", Sex::Female, Some("21231"));
        assert_eq!(compare(&a, &unrelated).reasons[0], "noms différents");
        assert_eq!(grade(&a, &unrelated), MatchGrade::Possible);
    }

    #[test]
    fn used_name_crossed_is_explained() {
        let a = jeanne();
        let b = person("MARTIN", None, "Jeanne", "1936-06-21", Sex::Female, Some("63113"));
        let r = compare(&a, &b);
        assert_eq!(r.grade, MatchGrade::Probable);
        assert_eq!(r.reasons[0], "nom d'usage = nom de naissance de l'autre");
    }

    #[test]
    fn twins_are_never_probable() {
        let a = person("ROUSSEL", None, "Lucas", "2010-05-17", Sex::Male, Some("69123"));
        for twin in [
            person("ROUSSEL", None, "Hugo", "2010-05-17", Sex::Male, Some("69123")),
            person("ROUSSEL", None, "Léa", "2010-05-17", Sex::Female, Some("69123")),
        ] {
            let r = compare(&a, &twin);
            assert!(!r.grade.is_likely(), "{twin:?}: {r:?}");
        }
        let marie_anne = person("ROUSSEL", None, "Marie Anne", "2010-05-17", Sex::Female, Some("69123"));
        let marie_claire = person("ROUSSEL", None, "Marie Claire", "2010-05-17", Sex::Female, Some("69123"));
        assert_eq!(grade(&marie_anne, &marie_claire), MatchGrade::Possible);
        let lina = person("ROUSSEL", None, "Lina", "2010-05-17", Sex::Female, Some("69123"));
        let lena = person("ROUSSEL", None, "Léna", "2010-05-17", Sex::Female, Some("69123"));
        assert_eq!(grade(&lina, &lena), MatchGrade::Possible);
    }

    #[test]
    fn homonyms_are_never_probable() {
        let a = person("MARTIN", None, "Jean", "1938-02-14", Sex::Male, Some("75056"));
        let far = person("MARTIN", None, "Jean", "1972-09-30", Sex::Male, Some("75056"));
        assert_eq!(grade(&a, &far), MatchGrade::Possible);
        let elsewhere = person("MARTIN", None, "Jean", "1965-11-03", Sex::Male, Some("13055"));
        assert_eq!(grade(&a, &elsewhere), MatchGrade::CertainlyNot);
        let r = compare(&a, &elsewhere);
        assert!(r.reasons.contains(&"dates de naissance différentes"));
        assert!(r.reasons.contains(&"lieux de naissance différents"));
        let other_family = person("GIRARD", None, "Jean", "1938-02-14", Sex::Male, Some("13055"));
        assert!(!grade(&a, &other_family).is_likely());
        let sister_in_law = person("DURAND", Some("MARTIN"), "Jeanne", "1938-02-14", Sex::Female, Some("75056"));
        assert!(!grade(&a, &sister_in_law).is_likely());
        let wife = person("RENAUD", Some("PHILIPPE"), "Léa", "1925-03-18", Sex::Female, None);
        let sister_in_law =
            person("COLLET", Some("PHILIPPE"), "Léa Geneviève", "1927-03-18", Sex::Female, Some("31555"));
        let r = compare(&wife, &sister_in_law);
        assert_eq!(r.grade, MatchGrade::Possible);
        assert_eq!(r.reasons[0], "même nom d'usage, noms de naissance différents");
        let typo = person("RENAUF", Some("PHILIPPE"), "Léa", "1925-03-18", Sex::Female, None);
        let r = compare(&wife, &typo);
        assert_eq!((r.grade, r.reasons[0]), (MatchGrade::Probable, "nom de naissance à une lettre près"));
    }

    #[test]
    fn sex_and_birthplace_weigh_against() {
        let a = person("GARNIER", None, "Claude", "1945-08-09", Sex::Male, Some("21231"));
        let female = MatchTraits { sex: Sex::Female, ..a.clone() };
        let r = compare(&a, &female);
        assert_eq!(r.grade, MatchGrade::Possible, "a wrong sex with all else identical may be a slip");
        assert!(r.reasons.contains(&"sexe différent"));
        let undetermined = MatchTraits { sex: Sex::Undetermined, ..a.clone() };
        assert_eq!(grade(&a, &undetermined), MatchGrade::Probable);
        let elsewhere = MatchTraits { birthplace: Some(InseeCode::parse("99134").unwrap()), ..a.clone() };
        assert_eq!(grade(&a, &elsewhere), MatchGrade::Probable, "everything else identical");
        let typo_elsewhere = MatchTraits { birth_name: "GARNEIR".into(), ..elsewhere.clone() };
        assert_eq!(grade(&a, &typo_elsewhere), MatchGrade::Possible, "a slip and another birthplace");
        let phonetic_elsewhere = MatchTraits { birth_name: "GARNIE".into(), ..elsewhere.clone() };
        assert_eq!(grade(&a, &phonetic_elsewhere), MatchGrade::Possible);
        let fewer_elsewhere = MatchTraits { first_names: vec!["Claude".into(), "Henri".into()], ..elsewhere };
        assert_eq!(grade(&a, &fewer_elsewhere), MatchGrade::Possible);
        let paris = person("GARNIER", None, "Claude", "1945-08-09", Sex::Male, Some("75056"));
        let paris_15 = person("GARNIER", None, "Claude", "1945-08-09", Sex::Male, Some("75115"));
        assert_eq!(grade(&paris, &paris_15), MatchGrade::Probable, "an arrondissement is in its commune");
        let mut k15 = blocking_keys(&paris_15);
        k15.retain(|k| blocking_keys(&paris).contains(k));
        assert!(k15.iter().any(|k| k.starts_with("R:")));
    }

    #[test]
    fn dates_compare_loosely_only_when_plausible() {
        use DateAgreement::*;
        assert_eq!(compare_dates(&bd("1936-06-21"), &bd("1936-06-21")), Exact);
        assert_eq!(compare_dates(&bd("1936-06-00"), &bd("1936-06-00")), EqualPartial);
        assert_eq!(compare_dates(&bd("1936-06-00"), &bd("1936-06-21")), Compatible);
        assert_eq!(compare_dates(&bd("1936-00-00"), &bd("1936-06-21")), SameYear);
        assert_eq!(compare_dates(&bd("1936-00-00"), &bd("1936-06-00")), SameYear);
        assert_eq!(compare_dates(&bd("1936-06-00"), &bd("1936-07-21")), OneDigit);
        assert_eq!(compare_dates(&bd("1936-06-00"), &bd("1937-07-21")), Different);
        assert_eq!(compare_dates(&bd("1936-06-11"), &bd("1936-11-06")), Swapped);
        assert_eq!(compare_dates(&bd("1936-06-21"), &bd("1936-06-12")), Transposed);
        assert_eq!(compare_dates(&bd("1945-06-21"), &bd("1954-06-21")), Transposed);
        assert_eq!(compare_dates(&bd("1945-06-21"), &bd("1946-06-21")), OneDigit);
        assert_eq!(compare_dates(&bd("1945-06-21"), &bd("1945-06-22")), OneDigit);
        assert_eq!(compare_dates(&bd("1945-06-21"), &bd("1945-07-22")), Different);
        assert_eq!(compare_dates(&bd("1945-06-21"), &bd("1975-03-02")), Different);
    }

    #[test]
    fn first_names_in_any_order_and_subsets() {
        use FirstNameAgreement::*;
        let v = |s: &str| s.split(' ').map(str::to_string).collect::<Vec<_>>();
        assert_eq!(compare_first_names(&v("Jean-Pierre"), &v("JEAN PIERRE")), Exact);
        assert_eq!(compare_first_names(&v("Marie Odette"), &v("Odette Marie")), Reordered);
        assert_eq!(compare_first_names(&v("Marie Odette Louise"), &v("Marie")), Subset);
        assert_eq!(compare_first_names(&v("Marie Odette"), &v("Odette")), LaterSubset);
        assert_eq!(compare_first_names(&v("Mathis"), &v("Matis")), Similar);
        assert_eq!(compare_first_names(&v("Jacqueline Marie"), &v("Jaqueline")), Similar);
        assert_eq!(compare_first_names(&v("Marie Anne"), &v("Marie Claire")), Partial);
        assert_eq!(compare_first_names(&v("Lina"), &v("Léna")), Different);
        assert_eq!(compare_first_names(&v("Théo"), &v("Léo")), Different);
        assert_eq!(compare_first_names(&v("Léna"), &v("Léa")), Different);
        assert_eq!(compare_first_names(&v("Mila"), &v("MILS")), Similar, "A and S are neighbouring keys");
        assert_eq!(compare_first_names(&v("Jean"), &v("JAEN")), Similar);
        assert_eq!(compare_first_names(&v("Zoé Lina"), &v("ZOE-LLNA")), Similar);
        assert_eq!(compare_first_names(&v("Jade"), &v("JADDE")), Similar);
    }

    #[test]
    fn grades_have_fhir_codes_and_french_labels() {
        assert_eq!(MatchGrade::Certain.code(), "certain");
        assert_eq!(MatchGrade::CertainlyNot.code(), "certainly-not");
        assert_eq!(MatchGrade::Probable.label(), "Doublon probable");
        assert!(MatchGrade::Probable.is_likely() && !MatchGrade::Possible.is_likely());
    }

    #[test]
    fn blocking_keys_are_short_ascii_distinct_and_deterministic() {
        let a =
            person("DE LA FONTAINE-MÉNARD", Some("N'DIAYE"), "Marie-Ève Zoé", "1936-06-21", Sex::Female, Some("2A004"));
        let keys = blocking_keys(&a);
        assert_eq!(keys, blocking_keys(&a.clone()));
        let mut distinct = keys.clone();
        distinct.dedup();
        assert_eq!(distinct.len(), keys.len());
        assert!(keys.iter().all(|k| k.is_ascii() && k.len() <= 40), "{keys:?}");
        let long = person(&"ABCDEFGHIJ".repeat(10), None, &"Ambre".repeat(20), "1936-00-00", Sex::Male, None);
        assert!(blocking_keys(&long).iter().all(|k| k.is_ascii() && k.len() <= 40));
    }

    #[test]
    fn duplicates_share_a_blocking_key() {
        let shares = |a: &MatchTraits, b: &MatchTraits| {
            let kb = blocking_keys(b);
            blocking_keys(a).iter().any(|k| kb.contains(k))
        };
        let a = jeanne();
        for b in [
            person("LEFERVE", None, "Jeanne Marie", "1936-06-12", Sex::Female, Some("63113")),
            person("LEFERVE", None, "Jeanne", "1939-06-21", Sex::Female, None),
            person("LEFEVRE", None, "Marie Jeanne", "1939-06-21", Sex::Female, Some("63113")),
            person("MARTIN", None, "Marie", "1936-06-21", Sex::Female, None),
            person("MARTIN", None, "Jeanne", "1936-06-22", Sex::Female, None),
            person("LFEVR", None, "Marie Jeanne", "1936-06-21", Sex::Female, None),
            person("FONTAINE", None, "Jeanne", "1936-06-21", Sex::Female, Some("63113")),
        ] {
            assert!(shares(&a, &b), "{b:?}");
        }
        let c = person("DE LA FONTAINE", None, "Jean", "1941-03-02", Sex::Male, None);
        let d = person("LAFONTAINE", None, "Paul", "1941-03-03", Sex::Male, None);
        assert!(shares(&c, &d), "particle spellings");
        let e = person("DUPONT-MARTIN", None, "Jean", "1941-03-02", Sex::Male, None);
        let f = person("DUPONT", None, "Paul", "1941-03-03", Sex::Male, None);
        assert!(shares(&e, &f), "a part of a compound name");
    }
}
