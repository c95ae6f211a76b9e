//! The GIR of all 3^8 combinations against the tables two independent implementations produced (see data/README.md).

use relais_domain::aggir::{Modality, format_eight, gir, group_sums, parse_eight};
use std::collections::BTreeMap;

/// `XXXXXXXX rang gir` lines, keyed by the combination; every combination exactly once.
fn table(text: &str) -> BTreeMap<String, (u8, u8)> {
    let mut out = BTreeMap::new();
    for (n, line) in text.lines().enumerate() {
        let fields: Vec<&str> = line.split(' ').collect();
        let [combination, rank, gir] = fields.as_slice() else { panic!("line {}: {line:?}", n + 1) };
        let eight = parse_eight(combination).unwrap_or_else(|e| panic!("line {}: {e}", n + 1));
        assert_eq!(format_eight(eight), *combination, "line {}: capitals only", n + 1);
        let value = (rank.parse().unwrap(), gir.parse().unwrap());
        assert!(out.insert(combination.to_string(), value).is_none(), "line {}: {combination} twice", n + 1);
    }
    assert_eq!(out.len(), 6561);
    out
}

fn ours(combination: &str) -> (u8, u8) {
    let r = gir(parse_eight(combination).unwrap());
    (r.rank.get(), r.gir.get())
}

#[test]
fn every_combination_agrees_with_the_care_link_calculator() {
    let reference = table(include_str!("data/aggir-6561.txt"));
    let differing: Vec<String> = reference
        .iter()
        .filter(|(combination, expected)| ours(combination) != **expected)
        .map(|(combination, expected)| format!("{combination}: ours {:?}, reference {expected:?}", ours(combination)))
        .collect();
    assert!(differing.is_empty(), "{} of 6561 differ:\n{}", differing.len(), differing.join("\n"));
}

/// The LWH-21 form script departs from annexe 2-2 in two places (data/README.md); every line where
/// it differs from us must be explained by one of them, and every line it could change must differ.
#[test]
fn every_disagreement_with_the_lwh21_script_is_one_of_its_two_departures_from_the_text() {
    let reference = table(include_str!("data/aggir-6561-lwh21.txt"));
    // Its group D values for B: alimentation 0, élimination 200, transferts 200, déplacements 200
    // (annexe 2-2: 200, 200, 200, 0).
    let lwh_d_b = [0, 0, 0, 0, 0, 200, 200, 200];
    let (mut agree, mut h_at_4000, mut group_d) = (0, 0, 0);
    for (combination, theirs) in &reference {
        let eight = parse_eight(combination).unwrap();
        let sums = group_sums(eight);
        let ours = ours(combination);
        let their_d: i32 = eight
            .iter()
            .enumerate()
            .map(|(i, m)| match m {
                Modality::A => 0,
                Modality::B => lwh_d_b[i],
                // Its C values for group D are those of the text.
                Modality::C => [0, 0, 0, 0, 2000, 400, 2000, 200][i],
            })
            .sum();
        // Group D is reached when groups A to C gave no rank, i.e. when our rank is 7 or more.
        let reaches_d = ours.0 >= 7;
        let d_flips = reaches_d && (sums[3] >= 2400) != (their_d >= 2400);
        // It gives rank 11 only above 4000 in group H, where the text says « supérieure ou égale ».
        let h_flips = ours.0 == 11 && sums[7] == 4000;
        if ours == *theirs {
            assert!(!d_flips && !h_flips, "{combination}: should differ");
            agree += 1;
        } else if d_flips {
            group_d += 1;
        } else if h_flips {
            assert_eq!(*theirs, (12, 5), "{combination}");
            h_at_4000 += 1;
        } else {
            panic!("{combination}: ours {ours:?}, theirs {theirs:?}, unexplained");
        }
    }
    assert_eq!((agree, group_d, h_at_4000), (6234, 225, 102));
}
