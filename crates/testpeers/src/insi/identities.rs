//! The identities the local INSi peer knows: the CNDA test-environment identities published with the
//! padoa/tlsi-ins fixtures (INTEROP.md §1.5), plus two local homonym pairs for CR 02 and a local pair of
//! twins for the Vitale-card search. Every Vitale card datum here is a local addition: the published
//! fixtures contain no `rechercherInsAvecCarteVitale` exchange.

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

/// What a Vitale card carries about the identity as one of its beneficiaries (local test data).
#[derive(Debug, Clone, Copy)]
pub struct VitaleCard {
    /// NIR of the card holder (*ouvrant droit*): the identity itself, or a parent.
    pub holder: Matricule,
    /// Rank of birth (*rang gémellaire*), 1 unless twins share the card.
    pub rank: u8,
    /// The beneficiary's own NIR as written on the card, when it carries one (it may be an old one,
    /// since superseded: INSi answers with the active one).
    pub own_nir: Option<Matricule>,
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
    /// The Vitale card the identity is a beneficiary of, if any (local addition, see the module doc).
    pub vitale: Option<VitaleCard>,
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
    vitale: None,
};

/// Card holders that are not themselves test identities (local, keys computed).
const PARENT_NESSI: Matricule = m("1780563220123", "06");
const PARENT_ECETINSI: Matricule = m("1800163220456", "93");
const PARENT_GEMEAU: Matricule = m("2870963220321", "60");

pub const IDENTITIES: &[TestIdentity] = &[
    TestIdentity {
        birth_name: "ADRTROIS",
        first_names: &["DOMINIQUE"],
        sex: "F",
        birth_date: "1997-02-26",
        birthplace: "2A020",
        active: m("297022A020778", "78"),
        source: "CNDA (padoa persons/adrtrois-dominique), Corse-du-Sud 2A",
        // Her own card (local): a Corsican NIR as holder and as beneficiary.
        vitale: Some(VitaleCard { holder: m("297022A020778", "78"), rank: 1, own_nir: Some(m("297022A020778", "78")) }),
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
        // On a parent's card (local) that still carries his first, superseded NIR.
        vitale: Some(VitaleCard { holder: PARENT_ECETINSI, rank: 1, own_nir: Some(m("2090763220834", "39")) }),
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
        // On a parent's card (local), without a NIR of his own.
        vitale: Some(VitaleCard { holder: PARENT_NESSI, rank: 1, own_nir: None }),
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
    // Local addition, not a CNDA identity: twins on one Vitale card, told apart by their rank of birth
    // only (same holder, same birth date), so that a card search without `RangNaissance` gives CR 02.
    TestIdentity {
        birth_name: "GEMEAU",
        first_names: &["LEA"],
        sex: "F",
        birth_date: "2015-04-10",
        birthplace: "63220",
        active: m("2150463220501", "30"),
        source: "local twins on one Vitale card",
        vitale: Some(VitaleCard { holder: PARENT_GEMEAU, rank: 1, own_nir: None }),
        ..BASE
    },
    TestIdentity {
        birth_name: "GEMEAU",
        first_names: &["LOU"],
        sex: "F",
        birth_date: "2015-04-10",
        birthplace: "63220",
        active: m("2150463220502", "29"),
        source: "local twins on one Vitale card",
        vitale: Some(VitaleCard { holder: PARENT_GEMEAU, rank: 2, own_nir: None }),
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

/// What a `RECVITALE` request says, as the peer read it. NIRs are the 13 characters followed by the key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardQuery {
    /// `MatriculeOD`.
    pub holder_nir: String,
    /// `MatriculeIndividu`, when sent.
    pub beneficiary_nir: Option<String>,
    /// `NomNaissance`, when sent.
    pub birth_name: Option<String>,
    /// `DateNaissance`.
    pub birth_date: String,
    /// `RangNaissance`, when sent.
    pub rank: Option<u8>,
}

fn full(m: Matricule) -> String {
    format!("{}{}", m.number, m.key)
}

/// The peer's rule for a card search (the service's own rule is not published): same holder and same
/// birth date; the rank, the beneficiary's NIR (active or historical) and the birth name, each only
/// when sent, equal.
pub fn matches_card(identity: &TestIdentity, query: &CardQuery) -> bool {
    let Some(card) = identity.vitale else { return false };
    let own_nirs = || std::iter::once(identity.active).chain(identity.history.iter().map(|h| h.matricule));
    full(card.holder).eq_ignore_ascii_case(&query.holder_nir)
        && identity.birth_date == query.birth_date
        && query.rank.is_none_or(|rank| rank == card.rank)
        && query.beneficiary_nir.as_deref().is_none_or(|nir| own_nirs().any(|m| full(m).eq_ignore_ascii_case(nir)))
        && query.birth_name.as_deref().is_none_or(|name| same(identity.birth_name, name))
}

pub fn search_card(query: &CardQuery) -> Vec<&'static TestIdentity> {
    IDENTITIES.iter().filter(|i| matches_card(i, query)).collect()
}

/// The query a card gives for `identity` as its beneficiary, everything the card carries sent.
pub fn card_query(identity: &TestIdentity) -> Option<CardQuery> {
    let card = identity.vitale?;
    Some(CardQuery {
        holder_nir: full(card.holder),
        beneficiary_nir: card.own_nir.map(full),
        birth_name: Some(identity.birth_name.to_string()),
        birth_date: identity.birth_date.to_string(),
        rank: Some(card.rank),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use relais_domain::ins::Matricule as DomainMatricule;

    #[test]
    fn every_matricule_has_a_valid_key() {
        for identity in IDENTITIES {
            let card = identity.vitale.iter().flat_map(|c| std::iter::once(c.holder).chain(c.own_nir));
            let all = std::iter::once(identity.active).chain(identity.history.iter().map(|h| h.matricule)).chain(card);
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

    #[test]
    fn card_matching_rules() {
        let with_card: Vec<&TestIdentity> = IDENTITIES.iter().filter(|i| i.vitale.is_some()).collect();
        assert_eq!(with_card.len(), 5);
        for identity in with_card {
            let query = card_query(identity).unwrap();
            assert_eq!(search_card(&query).len(), 1, "{}", identity.birth_name);
            // The card alone (holder, date, rank) is enough too.
            let bare = CardQuery { beneficiary_nir: None, birth_name: None, ..query.clone() };
            assert_eq!(search_card(&bare).len(), 1, "{}", identity.birth_name);
            assert!(search_card(&CardQuery { rank: Some(9), ..query.clone() }).is_empty());
            assert!(search_card(&CardQuery { birth_date: "1900-01-01".into(), ..query.clone() }).is_empty());
            assert!(search_card(&CardQuery { birth_name: Some("AUTRE".into()), ..query.clone() }).is_empty());
        }
        let twins = card_query(&IDENTITIES[IDENTITIES.len() - 1]).unwrap();
        assert_eq!(search_card(&CardQuery { rank: None, ..twins }).len(), 2);
    }
}
