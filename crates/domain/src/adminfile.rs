//! The administrative and social file: social security cover, social benefits, MDPH
//! notifications, absences during a stay, and the occupancy they feed.

use crate::DomainError;
use crate::access::{Category, Decision, Grant, PersonAction, PersonScope, decide};
use crate::ins::Matricule;
use crate::stay::StayMode;
use jiff::civil::Date;
use std::fmt;

/// Days ahead within which an expiring right is flagged.
pub const EXPIRY_WARNING_DAYS: i64 = 90;

/// A social security number (NIR used as NSS). It is not the INS: the person may be covered on
/// someone else's number (INTEROP.md §1.1), so it is kept apart from the identity.
#[derive(Clone, PartialEq, Eq)]
pub struct Nss(Matricule);

impl Nss {
    /// Parses a NIR with its key, spaces tolerated; the messages speak of the NSS, not the INS.
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        Matricule::parse(input).map(Self).map_err(|e| {
            let message = match e.code {
                "ins-length" => {
                    "le numéro de sécurité sociale doit comporter 15 caractères (13 chiffres et une clé de 2 chiffres)"
                }
                "ins-key" => "la clé du numéro de sécurité sociale est incorrecte : vérifiez la saisie",
                _ => "le numéro de sécurité sociale ne peut contenir que des chiffres (et 2A/2B pour la Corse)",
            };
            DomainError::new("nss", if e.code == "ins-key" { "nss-key" } else { "nss-format" }, message)
        })
    }
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
    /// `2 97 02 2A 020 778 78`, as printed on a carte Vitale.
    pub fn display(&self) -> String {
        let s = self.as_str();
        format!("{} {} {} {} {} {} {}", &s[0..1], &s[1..3], &s[3..5], &s[5..7], &s[7..10], &s[10..13], &s[13..15])
    }
}

/// Never print a number by accident (logs, panics): Debug hides it.
impl fmt::Debug for Nss {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Nss(***)")
    }
}

/// An amount in euro cents: exact, never a float.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Cents(pub i64);

impl Cents {
    /// Parses `1234,56`, `1 234,56 €`, `1234.56` or `1234`. More than two decimals is refused
    /// rather than rounded.
    pub fn parse(field: &'static str, input: &str) -> Result<Self, DomainError> {
        let err = |code: &'static str, msg: &str| DomainError::new(field, code, msg);
        let compact: String = input
            .trim()
            .trim_end_matches('€')
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '\u{202f}' && *c != '\u{a0}')
            .collect();
        if compact.is_empty() {
            return Err(err("required", "le montant est obligatoire"));
        }
        let (units, decimals) = match compact.split_once([',', '.']) {
            Some((u, d)) => (u, d),
            None => (compact.as_str(), ""),
        };
        if units.is_empty()
            || !units.chars().all(|c| c.is_ascii_digit())
            || !decimals.chars().all(|c| c.is_ascii_digit())
        {
            return Err(err("amount-format", "le montant doit être un nombre en euros, par exemple 1234,56"));
        }
        if decimals.len() > 2 {
            return Err(err("amount-precision", "le montant ne peut avoir plus de deux décimales (centimes)"));
        }
        let units: i64 = units.parse().map_err(|_| err("amount-range", "le montant est trop grand"))?;
        let mut cents: i64 = if decimals.is_empty() { 0 } else { decimals.parse().unwrap_or(0) };
        if decimals.len() == 1 {
            cents *= 10;
        }
        if units > 10_000_000 {
            return Err(err("amount-range", "le montant est trop grand"));
        }
        Ok(Self(units * 100 + cents))
    }

    /// `1 234,56 €`.
    pub fn display(self) -> String {
        let units = (self.0 / 100).to_string();
        let mut grouped = String::new();
        for (i, c) in units.chars().enumerate() {
            if i > 0 && (units.len() - i).is_multiple_of(3) {
                grouped.push('\u{a0}');
            }
            grouped.push(c);
        }
        format!("{grouped},{:02}\u{a0}€", self.0 % 100)
    }
}

macro_rules! code_enum {
    ($name:ident, $field:literal, $unknown:literal, [$($variant:ident = $code:literal, $label:literal;)*]) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $($variant),* }
        impl $name {
            pub const ALL: &'static [$name] = &[$(Self::$variant),*];
            pub fn code(self) -> &'static str { match self { $(Self::$variant => $code),* } }
            pub fn label(self) -> &'static str { match self { $(Self::$variant => $label),* } }
            pub fn from_code(code: &str) -> Result<Self, DomainError> {
                Self::ALL.iter().copied().find(|k| k.code() == code)
                    .ok_or_else(|| DomainError::new($field, "unknown", $unknown))
            }
        }
    };
}

code_enum!(StateCover, "state_cover", "couverture inconnue", [
    None = "none", "Aucune";
    Css = "css", "Complémentaire santé solidaire (CSS)";
    Ame = "ame", "Aide médicale de l'État (AME)";
]);

code_enum!(BenefitKind, "benefit_kind", "choisissez le type d'aide", [
    Apa = "apa", "APA (allocation personnalisée d'autonomie)";
    Pch = "pch", "PCH (prestation de compensation du handicap)";
    Aah = "aah", "AAH (allocation aux adultes handicapés)";
    Ash = "ash", "Aide sociale à l'hébergement";
    Other = "other", "Autre aide";
]);

code_enum!(Periodicity, "periodicity", "choisissez la périodicité", [
    Monthly = "monthly", "mensuelle";
    Quarterly = "quarterly", "trimestrielle";
    Yearly = "yearly", "annuelle";
    OneOff = "one_off", "versement unique";
]);

code_enum!(MdphDecision, "mdph_decision", "choisissez le type de décision", [
    OrientationEsms = "orientation_esms", "Orientation en ESMS";
    Pch = "pch", "PCH";
    Aah = "aah", "AAH";
    Cmi = "cmi", "Carte mobilité inclusion";
    Other = "other", "Autre décision";
]);

code_enum!(AbsenceKind, "absence_kind", "choisissez le motif d'absence", [
    Hospitalisation = "hospitalisation", "Hospitalisation";
    Holidays = "holidays", "Vacances";
    FamilyStay = "family_stay", "Séjour en famille";
    Other = "other", "Autre absence";
]);

/// Checks a validity period: the end, when given, does not precede the start.
pub fn check_period(field: &'static str, start: Option<Date>, end: Option<Date>) -> Result<(), DomainError> {
    match (start, end) {
        (Some(s), Some(e)) if e < s => {
            Err(DomainError::new(field, "date-order", "la fin de validité précède le début"))
        }
        _ => Ok(()),
    }
}

/// Is a right ending on `expiry` to be flagged today: it ends within the warning window, or has
/// ended within it (a right just lost needs the same renewal)?
pub fn expires_soon(expiry: Option<Date>, today: Date) -> bool {
    let Some(expiry) = expiry else { return false };
    let span = jiff::Span::new().days(EXPIRY_WARNING_DAYS);
    let horizon = today.checked_add(span).unwrap_or(Date::MAX);
    let lapsed = today.checked_sub(span).unwrap_or(Date::MIN);
    lapsed <= expiry && expiry <= horizon
}

/// A period of absence: `end` is the day of return, `None` until the person is back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AbsencePeriod {
    pub start: Date,
    pub end: Option<Date>,
}

impl AbsencePeriod {
    /// Days away run from the departure to the day before the return (the return day is a day
    /// of presence), so leaving again on the day of return is no overlap.
    fn overlaps(&self, other: &AbsencePeriod) -> bool {
        let ends_after = |end: Option<Date>, start: Date| end.is_none_or(|e| start < e);
        ends_after(other.end, self.start) && ends_after(self.end, other.start)
    }
}

/// Checks an absence against its stay (`stay_start`, `stay_end`) and the stay's other absences.
pub fn check_absence(
    absence: AbsencePeriod,
    stay_start: Date,
    stay_end: Option<Date>,
    others: &[AbsencePeriod],
) -> Result<(), DomainError> {
    if let Some(end) = absence.end
        && end < absence.start
    {
        return Err(DomainError::new("absence_end", "date-order", "la date de retour précède la date de départ"));
    }
    if absence.start < stay_start {
        return Err(DomainError::new(
            "absence_start",
            "outside-stay",
            "l'absence commence avant l'admission du séjour",
        ));
    }
    if let Some(stay_end) = stay_end {
        if absence.start > stay_end {
            return Err(DomainError::new(
                "absence_start",
                "outside-stay",
                "l'absence commence après la sortie du séjour",
            ));
        }
        match absence.end {
            None => {
                return Err(DomainError::new(
                    "absence_end",
                    "outside-stay",
                    "le séjour est terminé : indiquez la date de retour (au plus tard la date de sortie)",
                ));
            }
            Some(end) if end > stay_end => {
                return Err(DomainError::new(
                    "absence_end",
                    "outside-stay",
                    "l'absence se termine après la sortie du séjour",
                ));
            }
            Some(_) => {}
        }
    }
    if others.iter().any(|o| o.overlaps(&absence)) {
        return Err(DomainError::new(
            "absence_start",
            "absence-overlap",
            "cette absence chevauche une autre absence du même séjour",
        ));
    }
    Ok(())
}

/// A stay as occupancy counts it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OccupancyStay {
    pub mode: StayMode,
    pub start: Date,
    pub end: Option<Date>,
    pub absences: Vec<AbsencePeriod>,
}

/// Days of presence and of absence for one stay mode over a period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Occupancy {
    pub mode: StayMode,
    pub presence_days: i64,
    pub absence_days: i64,
}

/// Days from `a` to `b` both included, or 0 when `b < a`.
fn days_inclusive(a: Date, b: Date) -> i64 {
    if b < a {
        return 0;
    }
    a.until(b).map(|s| i64::from(s.get_days()) + 1).unwrap_or(0)
}

/// The days of presence and of absence of `stays` from `from` to `to` (both included), one line
/// per stay mode present, in the order of `StayMode::ALL`. A stay counts every day from its
/// admission to its discharge, both included; a day away (departure day to the day before the
/// return, or to `to` while the person is still away) counts as absence, every other day of the
/// stay as presence.
pub fn occupancy(stays: &[OccupancyStay], from: Date, to: Date) -> Vec<Occupancy> {
    let mut out: Vec<Occupancy> = Vec::new();
    for mode in StayMode::ALL {
        let mut line = Occupancy { mode, presence_days: 0, absence_days: 0 };
        let mut any = false;
        for s in stays.iter().filter(|s| s.mode == mode) {
            let first = s.start.max(from);
            let last = s.end.map_or(to, |e| e.min(to));
            let stay_days = days_inclusive(first, last);
            if stay_days == 0 {
                continue;
            }
            any = true;
            let away: i64 = s
                .absences
                .iter()
                .map(|a| {
                    let a_last = a.end.and_then(|e| e.yesterday().ok()).map_or(last, |e| e.min(last));
                    days_inclusive(a.start.max(first), a_last)
                })
                .sum();
            let away = away.min(stay_days);
            line.presence_days += stay_days - away;
            line.absence_days += away;
        }
        if any {
            out.push(line);
        }
    }
    out
}

/// What the actor may see of a person's administrative file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileView {
    /// Funds, benefit kinds and validity dates.
    pub read: bool,
    /// The NSS, the insured person, contract numbers and amounts: social data that a care aide,
    /// who reads the administrative category, has no need of.
    pub read_sensitive: bool,
    pub write: bool,
}

/// Decides what `grants` allow on a person's administrative file.
pub fn file_view(grants: &[Grant], person: &PersonScope, today: Date) -> FileView {
    let allows = |a| decide(grants, a, person, today) == Decision::Allow;
    let read = allows(PersonAction::Read(Category::Administrative));
    FileView {
        read,
        read_sensitive: read && allows(PersonAction::Read(Category::Social)),
        write: allows(PersonAction::Write(Category::Administrative)),
    }
}

/// May the actor record or close an absence: those who manage stays, and the nursing team (who
/// see the person leave for hospital)?
pub fn may_record_absence(grants: &[Grant], person: &PersonScope, today: Date) -> bool {
    [PersonAction::ManageStays, PersonAction::Write(Category::NursingCare)]
        .into_iter()
        .any(|a| decide(grants, a, person, today) == Decision::Allow)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::{Profile, StayScope};
    use crate::ids::{EstablishmentId, UnitId};
    use jiff::civil::date;

    #[test]
    fn nss_key_is_checked_with_french_messages() {
        let nss = Nss::parse("2 97 02 2A 020 778 78").unwrap();
        assert_eq!(nss.as_str(), "297022A02077878");
        assert_eq!(nss.display(), "2 97 02 2A 020 778 78");
        assert_eq!(format!("{nss:?}"), "Nss(***)");
        let e = Nss::parse("297022A02077879").unwrap_err();
        assert_eq!((e.field, e.code), ("nss", "nss-key"));
        assert!(e.message.contains("clé du numéro de sécurité sociale"));
        assert_eq!(Nss::parse("12345").unwrap_err().code, "nss-format");
    }

    #[test]
    fn amounts_are_exact_cents() {
        assert_eq!(Cents::parse("a", "1234,56").unwrap(), Cents(123_456));
        assert_eq!(Cents::parse("a", " 1 234,56 € ").unwrap(), Cents(123_456));
        assert_eq!(Cents::parse("a", "1234.5").unwrap(), Cents(123_450));
        assert_eq!(Cents::parse("a", "12").unwrap(), Cents(1_200));
        assert_eq!(Cents::parse("a", "0,07").unwrap(), Cents(7));
        assert_eq!(Cents::parse("a", "1,234").unwrap_err().code, "amount-precision");
        assert_eq!(Cents::parse("a", "-3").unwrap_err().code, "amount-format");
        assert_eq!(Cents::parse("a", "").unwrap_err().code, "required");
        assert_eq!(Cents(123_456).display(), "1\u{a0}234,56\u{a0}€");
        assert_eq!(Cents(5).display(), "0,05\u{a0}€");
        for (input, cents) in [("0,1", 10), ("999999,99", 99_999_999)] {
            assert_eq!(Cents::parse("a", input).unwrap().0, cents);
        }
    }

    #[test]
    fn codes_round_trip() {
        for k in BenefitKind::ALL {
            assert_eq!(BenefitKind::from_code(k.code()).unwrap(), *k);
        }
        for k in AbsenceKind::ALL {
            assert_eq!(AbsenceKind::from_code(k.code()).unwrap(), *k);
        }
        for k in MdphDecision::ALL {
            assert_eq!(MdphDecision::from_code(k.code()).unwrap(), *k);
        }
        assert!(Periodicity::from_code("weekly").is_err());
    }

    #[test]
    fn expiry_window() {
        let today = date(2026, 11, 26);
        assert!(expires_soon(Some(date(2027, 2, 24)), today));
        assert!(!expires_soon(Some(date(2027, 2, 25)), today));
        assert!(expires_soon(Some(date(2026, 11, 1)), today));
        assert!(!expires_soon(Some(date(2026, 1, 1)), today));
        assert!(!expires_soon(None, today));
    }

    #[test]
    fn absences_fall_within_the_stay_and_do_not_overlap() {
        let p = |s, e| AbsencePeriod { start: s, end: e };
        let (start, end) = (date(2026, 1, 1), Some(date(2026, 6, 30)));
        assert!(check_absence(p(date(2026, 2, 1), Some(date(2026, 2, 5))), start, None, &[]).is_ok());
        assert_eq!(
            check_absence(p(date(2025, 12, 31), Some(date(2026, 1, 5))), start, None, &[]).unwrap_err().code,
            "outside-stay"
        );
        assert_eq!(check_absence(p(date(2026, 6, 1), None), start, end, &[]).unwrap_err().code, "outside-stay");
        assert_eq!(
            check_absence(p(date(2026, 6, 1), Some(date(2026, 7, 1))), start, end, &[]).unwrap_err().code,
            "outside-stay"
        );
        assert_eq!(
            check_absence(p(date(2026, 2, 5), Some(date(2026, 2, 1))), start, None, &[]).unwrap_err().code,
            "date-order"
        );
        let existing = [p(date(2026, 2, 1), Some(date(2026, 2, 5)))];
        // Leaving again on the day of return is no overlap; leaving the day before is.
        assert!(check_absence(p(date(2026, 2, 5), Some(date(2026, 2, 8))), start, None, &existing).is_ok());
        assert_eq!(
            check_absence(p(date(2026, 2, 4), Some(date(2026, 2, 8))), start, None, &existing).unwrap_err().code,
            "absence-overlap"
        );
        assert_eq!(
            check_absence(p(date(2026, 1, 20), None), start, None, &existing).unwrap_err().code,
            "absence-overlap"
        );
        let open = [p(date(2026, 3, 1), None)];
        assert_eq!(
            check_absence(p(date(2026, 4, 1), Some(date(2026, 4, 2))), start, None, &open).unwrap_err().code,
            "absence-overlap"
        );
        assert!(check_absence(p(date(2026, 2, 1), Some(date(2026, 2, 3))), start, None, &open).is_ok());
    }

    /// November 2026 (30 days), computed by hand:
    /// - permanent stay A, admitted 1 October, hospitalised 10 → back 15 November: away on the
    ///   10th to the 14th = 5 days, present 25;
    /// - permanent stay B, admitted 20 November (11 days), away since 28 November, not back:
    ///   away 28, 29, 30 = 3 days, present 8;
    /// - temporary stay C, 5 to 12 November (8 days), at her family 7 → 9: away 7 and 8 = 2,
    ///   present 6;
    /// - day-care stay D, discharged 31 October: nothing in November.
    #[test]
    fn occupancy_of_a_month_computed_by_hand() {
        let p = |s, e| AbsencePeriod { start: s, end: e };
        let stays = [
            OccupancyStay {
                mode: StayMode::PermanentResidential,
                start: date(2026, 10, 1),
                end: None,
                absences: vec![p(date(2026, 11, 10), Some(date(2026, 11, 15)))],
            },
            OccupancyStay {
                mode: StayMode::PermanentResidential,
                start: date(2026, 11, 20),
                end: None,
                absences: vec![p(date(2026, 11, 28), None)],
            },
            OccupancyStay {
                mode: StayMode::TemporaryResidential,
                start: date(2026, 11, 5),
                end: Some(date(2026, 11, 12)),
                absences: vec![p(date(2026, 11, 7), Some(date(2026, 11, 9)))],
            },
            OccupancyStay {
                mode: StayMode::DayCare,
                start: date(2026, 9, 1),
                end: Some(date(2026, 10, 31)),
                absences: vec![],
            },
        ];
        let lines = occupancy(&stays, date(2026, 11, 1), date(2026, 11, 30));
        assert_eq!(
            lines,
            vec![
                Occupancy { mode: StayMode::PermanentResidential, presence_days: 33, absence_days: 8 },
                Occupancy { mode: StayMode::TemporaryResidential, presence_days: 6, absence_days: 2 },
            ]
        );
        // An absence that began before the period counts only its days inside it.
        let before = [OccupancyStay {
            mode: StayMode::Home,
            start: date(2026, 1, 1),
            end: None,
            absences: vec![p(date(2026, 10, 25), Some(date(2026, 11, 3)))],
        }];
        assert_eq!(
            occupancy(&before, date(2026, 11, 1), date(2026, 11, 30)),
            vec![Occupancy { mode: StayMode::Home, presence_days: 28, absence_days: 2 }]
        );
    }

    #[test]
    fn care_aides_do_not_see_the_sensitive_part() {
        let est = EstablishmentId::generate();
        let unit = UnitId::generate();
        let today = date(2026, 11, 26);
        let person = PersonScope {
            registered_at: Some(est),
            stays: vec![StayScope { establishment: est, unit: Some(unit), start: date(2026, 1, 1), end: None }],
            applied_to: vec![],
        };
        let grant = |profile, unit| Grant {
            profile,
            establishment: est,
            unit,
            valid_from: date(2026, 1, 1),
            valid_until: None,
        };
        let aide = file_view(&[grant(Profile::CareAide, Some(unit))], &person, today);
        assert_eq!(aide, FileView { read: true, read_sensitive: false, write: false });
        let secretary = file_view(&[grant(Profile::Secretary, None)], &person, today);
        assert_eq!(secretary, FileView { read: true, read_sensitive: true, write: true });
        assert!(may_record_absence(&[grant(Profile::Nurse, None)], &person, today));
        assert!(may_record_absence(&[grant(Profile::Secretary, None)], &person, today));
        assert!(!may_record_absence(&[grant(Profile::Psychologist, None)], &person, today));
    }
}
