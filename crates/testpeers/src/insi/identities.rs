//! The identities the local INSi peer knows: the CNDA test-environment identities published with the
//! padoa/tlsi-ins fixtures (INTEROP.md §1.5), plus two local homonym pairs for CR 02.

/// A matricule as INSi splits it: 13 characters and the 2-digit key.
#[derive(Debug, Clone, Copy)]
pub struct Matricule {
    pub number: &'static str,
    pub key: &'static str,
}

#[derive(Debug, Clone, Copy)]
pub struct History {
    pub matricule: Matricule,
    pub start: Option<&'static str>,
    pub end: Option<&'static str>,
}

#[derive(Debug, Clone, Copy)]
pub struct TestIdentity {
    pub birth_name: &'static str,
    /// `ListePrenom`, split on spaces.
    pub first_names: &'static [&'static str],
    pub sex: &'static str,
    pub birth_date: &'static str,
    pub birthplace: &'static str,
    pub active: Matricule,
    pub history: &'static [History],
    /// The matricule is a NIA (OID `1.2.250.1.213.1.4.9`), not a NIR.
    pub nia: bool,
    /// The published answer also carries `TIQ/Prenom` (the first first name).
    pub with_prenom: bool,
    /// Where it comes from, for the test report.
    pub source: &'static str,
}

const fn m(number: &'static str, key: &'static str) -> Matricule {
    Matricule { number, key }
}

const fn h(number: &'static str, key: &'static str) -> History {
    History { matricule: m(number, key), start: None, end: None }
}

const BASE: TestIdentity = TestIdentity {
    birth_name: "",
    first_names: &[],
    sex: "",
    birth_date: "",
    birthplace: "",
    active: m("", ""),
    history: &[],
    nia: false,
    with_prenom: false,
    source: "",
};

pub const IDENTITIES: &[TestIdentity] = &[
    TestIdentity {
        birth_name: "ADRTROIS",
        first_names: &["DOMINIQUE"],
        sex: "F",
        birth_date: "1997-02-26",
        birthplace: "2A020",
        active: m("297022A020778", "78"),
        source: "CNDA (padoa persons/adrtrois-dominique), Corse-du-Sud 2A",
        ..BASE
    },
    TestIdentity {
        birth_name: "ADRTROIS",
        first_names: &["TOUSSAINT"],
        sex: "M",
        birth_date: "1960-01-01",
        birthplace: "2B020",
        active: m("160012B020777", "13"),
        source: "CNDA (padoa persons/adrtrois-toussaint), Haute-Corse 2B",
        ..BASE
    },
    TestIdentity {
        birth_name: "TCHITCHI",
        first_names: &["CATARINA", "BELLA"],
        sex: "F",
        birth_date: "1936-06-21",
        birthplace: "63220",
        active: m("2360663220836", "56"),
        source: "CNDA (padoa persons/tchitchi-ola-catarina): first name OLA gives CR 01",
        ..BASE
    },
    TestIdentity {
        birth_name: "ECETINSI",
        first_names: &["PIERRE-ALAIN", "MURIEL", "FLORIANT"],
        sex: "M",
        birth_date: "2009-07-14",
        birthplace: "63220",
        active: m("1090763220834", "89"),
        // Dates as published (the end precedes the start there too).
        history: &[
            History { matricule: m("2090763220834", "39"), start: Some("2019-03-01"), end: Some("2019-02-28") },
            h("2090663220123", "55"),
        ],
        source: "CNDA TEST_2.04 cas 2: two INSHISTO",
        ..BASE
    },
    TestIdentity {
        birth_name: "ADRUN",
        first_names: &["ZOE"],
        sex: "F",
        birth_date: "1975-12-31",
        birthplace: "63220",
        active: m("2751263220749", "74"),
        source: "CNDA (padoa virtual-mode AdrunZoe)",
        ..BASE
    },
    TestIdentity {
        birth_name: "CORSE",
        first_names: &["ANTHONY"],
        sex: "M",
        birth_date: "1980-03-02",
        birthplace: "2B020",
        active: m("180032B020401", "23"),
        history: &[h("180032B020401", "23")],
        with_prenom: true,
        source: "CNDA TEST_2.08 cas 1",
        ..BASE
    },
    TestIdentity {
        birth_name: "HERMANN",
        first_names: &["GATIEN"],
        sex: "M",
        birth_date: "1981-03-24",
        birthplace: "63220",
        // Keys corrected: the published fixture has 60 and 10, which do not validate (INTEROP.md §1.2).
        active: m("1810363220456", "76"),
        history: &[h("1810363220456", "76"), h("2810363220456", "26")],
        with_prenom: true,
        source: "CNDA TEST_2.08 cas 2 (keys corrected)",
        ..BASE
    },
    TestIdentity {
        birth_name: "NESSI",
        first_names: &["MICHELANGELO", "ANTHONY"],
        sex: "M",
        birth_date: "2010-08-07",
        birthplace: "63220",
        active: m("1100863220830", "60"),
        source: "CNDA (padoa virtual-mode NessiMichelangelo)",
        ..BASE
    },
    TestIdentity {
        birth_name: "PROVISOIRE",
        first_names: &["MATRICULE"],
        sex: "M",
        birth_date: "2009-07-01",
        birthplace: "63220",
        active: m("1090763220888", "35"),
        nia: true,
        with_prenom: true,
        source: "CNDA TEST_2.05: a NIA",
        ..BASE
    },
    // Local addition, not a CNDA identity: homonyms that differ only by their second first name, so
    // that CR 02 and its resolution by adding first names can be tested.
    TestIdentity {
        birth_name: "HOMONYME",
        first_names: &["MARIE", "CLAIRE"],
        sex: "F",
        birth_date: "1990-05-15",
        birthplace: "63220",
        active: m("2900563220101", "69"),
        source: "local homonym pair (first names)",
        ..BASE
    },
    TestIdentity {
        birth_name: "HOMONYME",
        first_names: &["MARIE", "LOUISE"],
        sex: "F",
        birth_date: "1990-05-15",
        birthplace: "63220",
        active: m("2900563220102", "68"),
        source: "local homonym pair (first names)",
        ..BASE
    },
    // Local addition, not a CNDA identity: homonyms that differ only by birthplace, so that CR 02
    // and its resolution by adding the birthplace can be tested.
    TestIdentity {
        birth_name: "JUMEAU",
        first_names: &["JEAN"],
        sex: "M",
        birth_date: "2000-01-01",
        birthplace: "13055",
        active: m("1000113055201", "92"),
        source: "local homonym pair (birthplace)",
        ..BASE
    },
    TestIdentity {
        birth_name: "JUMEAU",
        first_names: &["JEAN"],
        sex: "M",
        birth_date: "2000-01-01",
        birthplace: "33063",
        active: m("1000133063202", "87"),
        source: "local homonym pair (birthplace)",
        ..BASE
    },
];

/// How many of [`IDENTITIES`] come from the CNDA publications (the others are local additions).
pub fn cnda_count() -> usize {
    IDENTITIES.iter().filter(|i| i.source.starts_with("CNDA")).count()
}

/// The traits of one request, as the peer read them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Traits {
    pub birth_name: String,
    /// Every `Prenom` sent, each split on spaces.
    pub first_names: Vec<String>,
    pub sex: String,
    pub birth_date: String,
    pub birthplace: Option<String>,
}

fn same(a: &str, b: &str) -> bool {
    let norm = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ").to_uppercase();
    norm(a) == norm(b)
}

/// The rule as INSi applies it to a traits search: birth name, sex and birth date equal; one first name
/// sent must be one of the birth first names, several must be the whole list; the birthplace, when sent,
/// equal.
pub fn matches(identity: &TestIdentity, traits: &Traits) -> bool {
    let first_names_match = match traits.first_names.as_slice() {
        [] => false,
        [one] => identity.first_names.iter().any(|f| same(f, one)),
        many => {
            many.len() == identity.first_names.len() && many.iter().zip(identity.first_names).all(|(a, b)| same(a, b))
        }
    };
    same(identity.birth_name, &traits.birth_name)
        && identity.sex == traits.sex
        && identity.birth_date == traits.birth_date
        && first_names_match
        && traits.birthplace.as_deref().is_none_or(|place| same(identity.birthplace, place))
}

pub fn search(traits: &Traits) -> Vec<&'static TestIdentity> {
    IDENTITIES.iter().filter(|i| matches(i, traits)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use relais_domain::ins::Matricule as DomainMatricule;

    #[test]
    fn every_matricule_has_a_valid_key() {
        for identity in IDENTITIES {
            let all = std::iter::once(identity.active).chain(identity.history.iter().map(|h| h.matricule));
            for mat in all {
                let full = format!("{}{}", mat.number, mat.key);
                assert!(DomainMatricule::parse(&full).is_ok(), "{} {full}", identity.birth_name);
            }
        }
    }

    fn traits(name: &str, first: &[&str], sex: &str, date: &str, place: Option<&str>) -> Traits {
        Traits {
            birth_name: name.into(),
            first_names: first.iter().map(|s| s.to_string()).collect(),
            sex: sex.into(),
            birth_date: date.into(),
            birthplace: place.map(str::to_string),
        }
    }

    #[test]
    fn matching_rules() {
        assert_eq!(search(&traits("TCHITCHI", &["OLA"], "F", "1936-06-21", None)).len(), 0);
        assert_eq!(search(&traits("TCHITCHI", &["BELLA"], "F", "1936-06-21", None)).len(), 1);
        assert_eq!(search(&traits("tchitchi", &["CATARINA", "BELLA"], "F", "1936-06-21", None)).len(), 1);
        assert_eq!(search(&traits("TCHITCHI", &["BELLA", "CATARINA"], "F", "1936-06-21", None)).len(), 0);
        assert_eq!(search(&traits("TCHITCHI", &["CATARINA"], "M", "1936-06-21", None)).len(), 0);
        assert_eq!(search(&traits("HOMONYME", &["MARIE"], "F", "1990-05-15", None)).len(), 2);
        assert_eq!(search(&traits("JUMEAU", &["JEAN"], "M", "2000-01-01", None)).len(), 2);
        assert_eq!(search(&traits("JUMEAU", &["JEAN"], "M", "2000-01-01", Some("33063"))).len(), 1);
    }
}
