//! The AGGIR grid (17 variables, the adverbs S T C H, modalities A B C) and the official GIR algorithm.
//!
//! Sources, both in the Code de l'action sociale et des familles (CASF), article R232-3:
//! - **annexe 2-1**, the national AGGIR grid and its filling guide, in the version of décret
//!   n° 2008-821 du 21 août 2008 (« Le modèle AGGIR — Guide d'utilisation », CNAMTS, janvier 2008,
//!   published in the Journal officiel of 21 August 2008). The guide gives the rule from the four
//!   adverbs to A/B/C (page 4) and, per variable, the « codage final » that combines sub-variables
//!   (toilette p. 10, élimination p. 12, habillage p. 14, alimentation p. 17, orientation p. 27,
//!   cohérence p. 29).
//! - **annexe 2-2**, « Algorithme de la grille AGGIR »: eight groups A…H of weights per variable
//!   and modality, tested in order, give a rank 1…13, and the rank gives the GIR 1…6. The 2008
//!   guide states the algorithm unchanged; the same tables are in décret n° 2001-1084 du
//!   20 novembre 2001, annexe II. Only the first eight discriminant variables carry weights
//!   (déplacements à l'extérieur and alerter weigh 0 in every group).
//!
//! The weights below are annexe 2-2 as published (Légifrance export of the CASF); they are checked
//! on all 3^8 combinations against two independent implementations in `tests/aggir_reference.rs`.

use crate::DomainError;
use crate::ids::AccountId;
use jiff::civil::Date;
use std::fmt;

/// The coding of a variable: A fait seul, totalement, habituellement et correctement; B fait
/// partiellement, ou non habituellement, ou non correctement; C ne fait pas.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Modality {
    A,
    B,
    C,
}

impl Modality {
    pub const ALL: [Modality; 3] = [Modality::A, Modality::B, Modality::C];

    pub fn letter(self) -> char {
        match self {
            Modality::A => 'A',
            Modality::B => 'B',
            Modality::C => 'C',
        }
    }

    /// `a`, `b`, `c` are read as their capitals: the letters cannot be mistaken for anything else.
    pub fn from_letter(c: char) -> Option<Self> {
        match c {
            'A' | 'a' => Some(Modality::A),
            'B' | 'b' => Some(Modality::B),
            'C' | 'c' => Some(Modality::C),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Modality::A => "fait seul, totalement, habituellement et correctement",
            Modality::B => "fait partiellement, ou non habituellement, ou non correctement",
            Modality::C => "ne fait pas",
        }
    }
}

impl fmt::Display for Modality {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.letter())
    }
}

/// The four adverbs of the guide, in its order S T C H.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Adverb {
    Spontaneously,
    Totally,
    Correctly,
    Habitually,
}

impl Adverb {
    pub const ALL: [Adverb; 4] = [Adverb::Spontaneously, Adverb::Totally, Adverb::Correctly, Adverb::Habitually];

    pub fn letter(self) -> char {
        match self {
            Adverb::Spontaneously => 'S',
            Adverb::Totally => 'T',
            Adverb::Correctly => 'C',
            Adverb::Habitually => 'H',
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Adverb::Spontaneously => "spontanément",
            Adverb::Totally => "totalement",
            Adverb::Correctly => "correctement",
            Adverb::Habitually => "habituellement",
        }
    }
}

/// The answers « oui » (true) / « non » (false) to « la personne fait-elle seule … ? » for each adverb.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Adverbs {
    pub spontaneously: bool,
    pub totally: bool,
    pub correctly: bool,
    pub habitually: bool,
}

impl Adverbs {
    pub const ALL_YES: Adverbs = Adverbs { spontaneously: true, totally: true, correctly: true, habitually: true };

    pub fn get(self, adverb: Adverb) -> bool {
        match adverb {
            Adverb::Spontaneously => self.spontaneously,
            Adverb::Totally => self.totally,
            Adverb::Correctly => self.correctly,
            Adverb::Habitually => self.habitually,
        }
    }

    /// Guide p. 4: « oui » to all four adverbs is A, « non » to all four is C, « non » to one to
    /// three is B.
    pub fn modality(self) -> Modality {
        match Adverb::ALL.iter().filter(|a| self.get(**a)).count() {
            4 => Modality::A,
            0 => Modality::C,
            _ => Modality::B,
        }
    }
}

/// What the evaluator recorded for one item of the grid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Answer {
    /// « Ne fait pas »: never does it alone, even partly, or it must all be redone every time.
    /// The guide asks this first; « oui » codes C whatever the adverbs would say (p. 5: one or two
    /// adverbs met can still be a real C).
    DoesNot,
    /// « Ne fait pas » answered « non », then the four adverbs.
    Adverbs(Adverbs),
    /// The modality alone, for a grid whose adverbs were not recorded (a paper grid typed in, or
    /// one received from another system).
    Coded(Modality),
}

impl Answer {
    pub fn modality(self) -> Modality {
        match self {
            Answer::DoesNot => Modality::C,
            Answer::Adverbs(a) => a.modality(),
            Answer::Coded(m) => m,
        }
    }
}

/// The 17 variables of the grid: 10 discriminant, then 7 illustrative.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Variable {
    Coherence,
    Orientation,
    Washing,
    Dressing,
    Feeding,
    Elimination,
    Transfers,
    MovingIndoors,
    MovingOutdoors,
    Alerting,
    Management,
    Cooking,
    Housework,
    Transport,
    Shopping,
    Treatment,
    Leisure,
}

/// The eight discriminant variables that enter the GIR, in the order of annexe 2-2 and of the
/// 8-letter notation.
pub const COMPUTED: [Variable; 8] = [
    Variable::Coherence,
    Variable::Orientation,
    Variable::Washing,
    Variable::Dressing,
    Variable::Feeding,
    Variable::Elimination,
    Variable::Transfers,
    Variable::MovingIndoors,
];

impl Variable {
    pub const ALL: [Variable; 17] = [
        Variable::Coherence,
        Variable::Orientation,
        Variable::Washing,
        Variable::Dressing,
        Variable::Feeding,
        Variable::Elimination,
        Variable::Transfers,
        Variable::MovingIndoors,
        Variable::MovingOutdoors,
        Variable::Alerting,
        Variable::Management,
        Variable::Cooking,
        Variable::Housework,
        Variable::Transport,
        Variable::Shopping,
        Variable::Treatment,
        Variable::Leisure,
    ];

    /// Stable code, for storage and APIs.
    pub fn code(self) -> &'static str {
        match self {
            Variable::Coherence => "coherence",
            Variable::Orientation => "orientation",
            Variable::Washing => "washing",
            Variable::Dressing => "dressing",
            Variable::Feeding => "feeding",
            Variable::Elimination => "elimination",
            Variable::Transfers => "transfers",
            Variable::MovingIndoors => "moving_indoors",
            Variable::MovingOutdoors => "moving_outdoors",
            Variable::Alerting => "alerting",
            Variable::Management => "management",
            Variable::Cooking => "cooking",
            Variable::Housework => "housework",
            Variable::Transport => "transport",
            Variable::Shopping => "shopping",
            Variable::Treatment => "treatment",
            Variable::Leisure => "leisure",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.code() == code)
    }

    /// The name in the grid (annexe 2-1).
    pub fn label(self) -> &'static str {
        match self {
            Variable::Coherence => "Cohérence",
            Variable::Orientation => "Orientation",
            Variable::Washing => "Toilette",
            Variable::Dressing => "Habillage",
            Variable::Feeding => "Alimentation",
            Variable::Elimination => "Élimination",
            Variable::Transfers => "Transferts",
            Variable::MovingIndoors => "Déplacements à l'intérieur",
            Variable::MovingOutdoors => "Déplacements à l'extérieur",
            Variable::Alerting => "Alerter",
            Variable::Management => "Gestion",
            Variable::Cooking => "Cuisine",
            Variable::Housework => "Ménage",
            Variable::Transport => "Transports",
            Variable::Shopping => "Achats",
            Variable::Treatment => "Suivi du traitement",
            Variable::Leisure => "Activités du temps libre",
        }
    }

    /// The ten discriminant variables describe the loss of physical and mental autonomy; the
    /// seven illustrative ones, domestic and social autonomy, and never enter the GIR.
    pub fn is_discriminant(self) -> bool {
        self <= Variable::Alerting
    }

    /// The items the evaluator answers for this variable: its sub-variables, or itself.
    pub fn items(self) -> &'static [Item] {
        match self {
            Variable::Coherence => &[Item::Communication, Item::Behaviour],
            Variable::Orientation => &[Item::OrientationInTime, Item::OrientationInSpace],
            Variable::Washing => &[Item::WashingUpper, Item::WashingLower],
            Variable::Dressing => &[Item::DressingUpper, Item::DressingMiddle, Item::DressingLower],
            Variable::Feeding => &[Item::Serving, Item::Eating],
            Variable::Elimination => &[Item::UrinaryElimination, Item::FaecalElimination],
            Variable::Transfers => &[Item::Transfers],
            Variable::MovingIndoors => &[Item::MovingIndoors],
            Variable::MovingOutdoors => &[Item::MovingOutdoors],
            Variable::Alerting => &[Item::Alerting],
            Variable::Management => &[Item::Management],
            Variable::Cooking => &[Item::Cooking],
            Variable::Housework => &[Item::Housework],
            Variable::Transport => &[Item::Transport],
            Variable::Shopping => &[Item::Shopping],
            Variable::Treatment => &[Item::Treatment],
            Variable::Leisure => &[Item::Leisure],
        }
    }

    /// The guide's « codage final » of a variable from the modalities of its items, given in the
    /// order of [`Variable::items`]. `None` when the number of modalities is not the number of items.
    pub fn combine(self, modalities: &[Modality]) -> Option<Modality> {
        use Modality::{A, B, C};
        if modalities.len() != self.items().len() {
            return None;
        }
        let all = |m: Modality| modalities.iter().all(|x| *x == m);
        let any = |m: Modality| modalities.contains(&m);
        Some(match self {
            // Orientation p. 27, cohérence p. 29, élimination p. 12: one C is enough for C.
            Variable::Coherence | Variable::Orientation | Variable::Elimination => {
                if all(A) {
                    A
                } else if any(C) {
                    C
                } else {
                    B
                }
            }
            // Toilette p. 10, habillage p. 14: C only when every part is C.
            Variable::Washing | Variable::Dressing => {
                if all(A) {
                    A
                } else if all(C) {
                    C
                } else {
                    B
                }
            }
            // Alimentation p. 17: AA = A; CC, BC, CB = C; the others, AC and CA included, = B.
            Variable::Feeding => match modalities {
                [A, A] => A,
                [C, C] | [B, C] | [C, B] => C,
                _ => B,
            },
            _ => modalities[0],
        })
    }
}

/// One line of the grid the evaluator answers: a sub-variable, or a variable that has none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Item {
    Communication,
    Behaviour,
    OrientationInTime,
    OrientationInSpace,
    WashingUpper,
    WashingLower,
    DressingUpper,
    DressingMiddle,
    DressingLower,
    Serving,
    Eating,
    UrinaryElimination,
    FaecalElimination,
    Transfers,
    MovingIndoors,
    MovingOutdoors,
    Alerting,
    Management,
    Cooking,
    Housework,
    Transport,
    Shopping,
    Treatment,
    Leisure,
}

impl Item {
    pub const ALL: [Item; 24] = [
        Item::Communication,
        Item::Behaviour,
        Item::OrientationInTime,
        Item::OrientationInSpace,
        Item::WashingUpper,
        Item::WashingLower,
        Item::DressingUpper,
        Item::DressingMiddle,
        Item::DressingLower,
        Item::Serving,
        Item::Eating,
        Item::UrinaryElimination,
        Item::FaecalElimination,
        Item::Transfers,
        Item::MovingIndoors,
        Item::MovingOutdoors,
        Item::Alerting,
        Item::Management,
        Item::Cooking,
        Item::Housework,
        Item::Transport,
        Item::Shopping,
        Item::Treatment,
        Item::Leisure,
    ];

    fn index(self) -> usize {
        self as usize
    }

    pub fn variable(self) -> Variable {
        match self {
            Item::Communication | Item::Behaviour => Variable::Coherence,
            Item::OrientationInTime | Item::OrientationInSpace => Variable::Orientation,
            Item::WashingUpper | Item::WashingLower => Variable::Washing,
            Item::DressingUpper | Item::DressingMiddle | Item::DressingLower => Variable::Dressing,
            Item::Serving | Item::Eating => Variable::Feeding,
            Item::UrinaryElimination | Item::FaecalElimination => Variable::Elimination,
            Item::Transfers => Variable::Transfers,
            Item::MovingIndoors => Variable::MovingIndoors,
            Item::MovingOutdoors => Variable::MovingOutdoors,
            Item::Alerting => Variable::Alerting,
            Item::Management => Variable::Management,
            Item::Cooking => Variable::Cooking,
            Item::Housework => Variable::Housework,
            Item::Transport => Variable::Transport,
            Item::Shopping => Variable::Shopping,
            Item::Treatment => Variable::Treatment,
            Item::Leisure => Variable::Leisure,
        }
    }

    /// Stable code, for storage and APIs: the variable's code for an item that is the whole variable.
    pub fn code(self) -> &'static str {
        match self {
            Item::Communication => "coherence_communication",
            Item::Behaviour => "coherence_behaviour",
            Item::OrientationInTime => "orientation_time",
            Item::OrientationInSpace => "orientation_space",
            Item::WashingUpper => "washing_upper",
            Item::WashingLower => "washing_lower",
            Item::DressingUpper => "dressing_upper",
            Item::DressingMiddle => "dressing_middle",
            Item::DressingLower => "dressing_lower",
            Item::Serving => "feeding_serving",
            Item::Eating => "feeding_eating",
            Item::UrinaryElimination => "elimination_urinary",
            Item::FaecalElimination => "elimination_faecal",
            whole => whole.variable().code(),
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|i| i.code() == code)
    }

    /// The name in the guide.
    pub fn label(self) -> &'static str {
        match self {
            Item::Communication => "Communication",
            Item::Behaviour => "Comportement",
            Item::OrientationInTime => "Orientation dans le temps",
            Item::OrientationInSpace => "Orientation dans l'espace",
            Item::WashingUpper => "Toilette du haut",
            Item::WashingLower => "Toilette du bas",
            Item::DressingUpper => "Habillage du haut",
            Item::DressingMiddle => "Habillage moyen",
            Item::DressingLower => "Habillage du bas",
            Item::Serving => "Se servir",
            Item::Eating => "Manger",
            Item::UrinaryElimination => "Élimination urinaire",
            Item::FaecalElimination => "Élimination fécale",
            whole => whole.variable().label(),
        }
    }
}

/// A grid being filled in: any item may still be unanswered. The GIR needs the items of the
/// eight computed variables; the others are recorded and shown but never change it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Grid {
    answers: [Option<Answer>; 24],
}

impl Grid {
    pub fn new() -> Self {
        Self::default()
    }

    /// Records (or replaces) the answer to an item.
    pub fn set(&mut self, item: Item, answer: Answer) {
        self.answers[item.index()] = Some(answer);
    }

    pub fn clear(&mut self, item: Item) {
        self.answers[item.index()] = None;
    }

    pub fn answer(&self, item: Item) -> Option<Answer> {
        self.answers[item.index()]
    }

    /// The answered items, in the order of the grid.
    pub fn answers(&self) -> impl Iterator<Item = (Item, Answer)> + '_ {
        Item::ALL.into_iter().filter_map(|i| self.answer(i).map(|a| (i, a)))
    }

    /// The items of a variable still unanswered.
    pub fn missing(&self, variable: Variable) -> Vec<Item> {
        variable.items().iter().copied().filter(|i| self.answer(*i).is_none()).collect()
    }

    /// The modality of a variable, once every one of its items is answered.
    pub fn modality(&self, variable: Variable) -> Option<Modality> {
        let modalities: Option<Vec<Modality>> =
            variable.items().iter().map(|i| self.answer(*i).map(Answer::modality)).collect();
        variable.combine(&modalities?)
    }

    /// The modalities of the eight computed variables, or an error naming every one that is
    /// incomplete and the items it lacks.
    pub fn computed(&self) -> Result<[Modality; 8], DomainError> {
        let mut out = [Modality::A; 8];
        let mut lacking = Vec::new();
        for (slot, variable) in out.iter_mut().zip(COMPUTED) {
            match self.modality(variable) {
                Some(m) => *slot = m,
                None => lacking.push(describe_missing(variable, &self.missing(variable))),
            }
        }
        if lacking.is_empty() {
            Ok(out)
        } else {
            Err(DomainError::new(
                "aggir",
                "aggir_incomplete",
                format!("le GIR ne peut pas être calculé : non renseigné — {}.", lacking.join(" ; ")),
            ))
        }
    }

    pub fn ranking(&self) -> Result<Ranking, DomainError> {
        self.computed().map(gir)
    }

    /// The grid as stored: `item:answer` pairs separated by `;`, where an answer is `X` for « ne
    /// fait pas », four `o`/`n` for the adverbs S T C H (« oui »/« non »), or `=A`/`=B`/`=C` for a
    /// coded modality. Stable: stored evaluations are read back with [`Grid::decode`].
    pub fn encode(&self) -> String {
        let answer = |a: Answer| match a {
            Answer::DoesNot => "X".to_string(),
            Answer::Adverbs(ad) => Adverb::ALL.iter().map(|x| if ad.get(*x) { 'o' } else { 'n' }).collect(),
            Answer::Coded(m) => format!("={}", m.letter()),
        };
        self.answers().map(|(i, a)| format!("{}:{}", i.code(), answer(a))).collect::<Vec<_>>().join(";")
    }

    /// Reads a grid written by [`Grid::encode`]; anything else is an error.
    pub fn decode(text: &str) -> Result<Self, DomainError> {
        let bad = |what: &str| DomainError::new("aggir", "aggir_record", format!("grille AGGIR illisible : {what}"));
        let mut grid = Grid::new();
        for pair in text.split(';').filter(|p| !p.is_empty()) {
            let (code, answer) = pair.split_once(':').ok_or_else(|| bad(pair))?;
            let item = Item::from_code(code).ok_or_else(|| bad(code))?;
            let answer = match answer {
                "X" => Answer::DoesNot,
                coded if coded.starts_with('=') && coded.len() == 2 => {
                    Answer::Coded(coded.chars().nth(1).and_then(Modality::from_letter).ok_or_else(|| bad(coded))?)
                }
                yes_no if yes_no.len() == 4 && yes_no.chars().all(|c| c == 'o' || c == 'n') => {
                    let b: Vec<bool> = yes_no.chars().map(|c| c == 'o').collect();
                    Answer::Adverbs(Adverbs { spontaneously: b[0], totally: b[1], correctly: b[2], habitually: b[3] })
                }
                other => return Err(bad(other)),
            };
            if grid.answer(item).is_some() {
                return Err(bad(code));
            }
            grid.set(item, answer);
        }
        Ok(grid)
    }
}

/// A plausible nursing-home resident's grid for demonstration and benchmark data, drawn from
/// `bits` (an id's random bits) so that callers consume nothing from their own random stream:
/// three items in ten done fully (A), four partly (B, not habitually), three not at all (C).
pub fn sample_grid(mut bits: u128) -> Grid {
    let mut grid = Grid::new();
    for item in Item::ALL {
        let answer = match bits % 10 {
            0..=2 => Answer::Adverbs(Adverbs::ALL_YES),
            3..=6 => Answer::Adverbs(Adverbs { habitually: false, ..Adverbs::ALL_YES }),
            _ => Answer::DoesNot,
        };
        bits = bits.rotate_right(3) ^ 0x9e37_79b9;
        grid.set(item, answer);
    }
    grid
}

fn describe_missing(variable: Variable, items: &[Item]) -> String {
    if variable.items().len() == 1 {
        variable.label().to_string()
    } else {
        let names: Vec<String> = items.iter().map(|i| i.label().to_lowercase()).collect();
        format!("{} ({})", variable.label(), names.join(", "))
    }
}

/// One AGGIR evaluation of a person: the grid, when, by whom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evaluation {
    pub date: Date,
    pub evaluator: AccountId,
    pub grid: Grid,
}

impl Evaluation {
    pub fn ranking(&self) -> Result<Ranking, DomainError> {
        self.grid.ranking()
    }
}

/// A rank of annexe 2-2, 1 to 13.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Rank(u8);

impl Rank {
    pub fn new(n: u8) -> Option<Self> {
        (1..=13).contains(&n).then_some(Self(n))
    }

    pub fn get(self) -> u8 {
        self.0
    }

    /// « Passage des rangs aux groupes »: 1 → 1; 2 to 7 → 2; 8, 9 → 3; 10, 11 → 4; 12 → 5; 13 → 6.
    pub fn gir(self) -> Gir {
        Gir(match self.0 {
            1 => 1,
            2..=7 => 2,
            8 | 9 => 3,
            10 | 11 => 4,
            12 => 5,
            _ => 6,
        })
    }
}

impl fmt::Display for Rank {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A groupe iso-ressources, 1 (most dependent) to 6.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Gir(u8);

impl Gir {
    pub fn new(n: u8) -> Option<Self> {
        (1..=6).contains(&n).then_some(Self(n))
    }

    pub fn get(self) -> u8 {
        self.0
    }
}

impl fmt::Display for Gir {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Ranking {
    pub rank: Rank,
    pub gir: Gir,
}

/// One group of annexe 2-2: the value of C and of B for each computed variable (A is worth 0),
/// and the ranks its sum gives, highest threshold first. A sum below every threshold goes on to
/// the next group.
struct Group {
    weights: [(i32, i32); 8],
    ranks: &'static [(i32, u8)],
}

const GROUPS: [Group; 8] = [
    // A
    Group {
        weights: [(2000, 0), (1200, 0), (40, 16), (40, 16), (60, 20), (100, 16), (800, 120), (200, 32)],
        ranks: &[(4380, 1), (4140, 2), (3390, 3)],
    },
    // B: déplacements à l'intérieur weighs less than nothing, as published.
    Group {
        weights: [(1500, 320), (1200, 120), (40, 16), (40, 16), (60, 0), (100, 16), (800, 120), (-80, -40)],
        ranks: &[(2016, 4)],
    },
    // C
    Group {
        weights: [(0, 0), (0, 0), (40, 16), (40, 16), (60, 20), (160, 20), (1000, 200), (400, 40)],
        ranks: &[(1700, 5), (1432, 6)],
    },
    // D
    Group {
        weights: [(0, 0), (0, 0), (0, 0), (0, 0), (2000, 200), (400, 200), (2000, 200), (200, 0)],
        ranks: &[(2400, 7)],
    },
    // E
    Group {
        weights: [(400, 0), (400, 0), (400, 100), (400, 100), (400, 100), (800, 100), (800, 100), (200, 0)],
        ranks: &[(1200, 8)],
    },
    // F
    Group {
        weights: [(200, 100), (200, 100), (500, 100), (500, 100), (500, 100), (500, 100), (500, 100), (200, 0)],
        ranks: &[(800, 9)],
    },
    // G
    Group {
        weights: [(150, 0), (150, 0), (300, 200), (300, 200), (500, 200), (500, 200), (400, 200), (200, 100)],
        ranks: &[(650, 10)],
    },
    // H: transferts B (2 000) is worth more than transferts C (1 000), as published. Below 2 000: rank 13.
    Group {
        weights: [(0, 0), (0, 0), (3000, 2000), (3000, 2000), (3000, 2000), (3000, 2000), (1000, 2000), (1000, 1000)],
        ranks: &[(4000, 11), (2000, 12)],
    },
];

/// The sum of each group A…H for these modalities (what a detailed result can show).
pub fn group_sums(eight: [Modality; 8]) -> [i32; 8] {
    GROUPS.each_ref().map(|g| {
        g.weights
            .iter()
            .zip(eight)
            .map(|(&(c, b), m)| match m {
                Modality::A => 0,
                Modality::B => b,
                Modality::C => c,
            })
            .sum()
    })
}

/// Annexe 2-2: test the groups in order; the first whose sum reaches one of its thresholds gives
/// the rank; below every threshold of group H the rank is 13.
pub fn gir(eight: [Modality; 8]) -> Ranking {
    let sums = group_sums(eight);
    let rank = GROUPS
        .iter()
        .zip(sums)
        .find_map(|(group, sum)| group.ranks.iter().find(|(threshold, _)| sum >= *threshold).map(|(_, r)| *r))
        .unwrap_or(13);
    let rank = Rank(rank);
    Ranking { rank, gir: rank.gir() }
}

/// Reads the eight modalities written as eight letters in the order of [`COMPUTED`], e.g.
/// `ABCAABCC`. Lower case is accepted; anything else (spaces, separators, other letters, more or
/// fewer than eight) is refused with the position and the variable at fault.
pub fn parse_eight(text: &str) -> Result<[Modality; 8], DomainError> {
    let order = "cohérence, orientation, toilette, habillage, alimentation, élimination, transferts, \
                 déplacements à l'intérieur";
    let count = text.chars().count();
    if count != 8 {
        return Err(DomainError::new(
            "aggir",
            "aggir_length",
            format!(
                "il faut exactement 8 lettres (A, B ou C), une par variable dans l'ordre {order} ; \
                 {count} caractère{} reçu{}.",
                if count > 1 { "s" } else { "" },
                if count > 1 { "s" } else { "" }
            ),
        ));
    }
    let mut out = [Modality::A; 8];
    for (position, (c, slot)) in text.chars().zip(out.iter_mut()).enumerate() {
        *slot = Modality::from_letter(c).ok_or_else(|| {
            DomainError::new(
                "aggir",
                "aggir_letter",
                format!(
                    "position {} ({}) : « {} » n'est pas une modalité ; A, B ou C attendu.",
                    position + 1,
                    COMPUTED[position].label().to_lowercase(),
                    c.escape_debug()
                ),
            )
        })?;
    }
    Ok(out)
}

/// The eight modalities as eight capitals, the notation [`parse_eight`] reads.
pub fn format_eight(eight: [Modality; 8]) -> String {
    eight.iter().map(|m| m.letter()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_grid_reads_back_as_stored() {
        let mut g = Grid::new();
        g.set(Item::Communication, Answer::DoesNot);
        g.set(
            Item::WashingUpper,
            Answer::Adverbs(Adverbs { spontaneously: true, totally: false, correctly: true, habitually: true }),
        );
        g.set(Item::Leisure, Answer::Coded(Modality::B));
        let text = g.encode();
        assert_eq!(Grid::decode(&text).unwrap(), g);
        assert_eq!(Grid::decode("").unwrap(), Grid::new());
        for bad in
            ["inconnu:X", "transfers", "transfers:oonx", "transfers:=D", "transfers:X;transfers:X", "transfers:onnoo"]
        {
            assert_eq!(Grid::decode(bad).unwrap_err().code, "aggir_record", "{bad}");
        }
    }
    use Modality::{A, B, C};

    fn eight(s: &str) -> [Modality; 8] {
        parse_eight(s).unwrap()
    }

    fn ranked(s: &str) -> (u8, u8) {
        let r = gir(eight(s));
        (r.rank.get(), r.gir.get())
    }

    #[test]
    fn adverbs_give_a_only_when_all_four_are_met_and_c_only_when_none_is() {
        for bits in 0u8..16 {
            let a = Adverbs {
                spontaneously: bits & 1 != 0,
                totally: bits & 2 != 0,
                correctly: bits & 4 != 0,
                habitually: bits & 8 != 0,
            };
            let expected = match bits.count_ones() {
                4 => A,
                0 => C,
                _ => B,
            };
            assert_eq!(a.modality(), expected, "{a:?}");
            assert_eq!(Answer::Adverbs(a).modality(), expected);
        }
        // « Ne fait pas » is C even when the adverbs were not asked.
        assert_eq!(Answer::DoesNot.modality(), C);
        assert_eq!(Answer::Coded(B).modality(), B);
    }

    #[test]
    fn sub_variables_combine_as_the_guide_tables_say() {
        // Every row of the guide's « c'est-à-dire » tables.
        let two = |v: Variable, a, b| v.combine(&[a, b]).unwrap();
        for v in [Variable::Coherence, Variable::Orientation] {
            assert_eq!(two(v, A, A), A);
            for (a, b) in [(A, B), (B, A), (B, B)] {
                assert_eq!(two(v, a, b), B, "{v:?} {a}{b}");
            }
            for (a, b) in [(C, C), (B, C), (C, B), (A, C), (C, A)] {
                assert_eq!(two(v, a, b), C, "{v:?} {a}{b}");
            }
        }
        assert_eq!(two(Variable::Washing, A, A), A);
        assert_eq!(two(Variable::Washing, C, C), C);
        for (a, b) in [(A, B), (B, A), (B, B), (A, C), (C, A), (B, C), (C, B)] {
            assert_eq!(two(Variable::Washing, a, b), B, "{a}{b}");
        }
        assert_eq!(two(Variable::Elimination, A, A), A);
        for (a, b) in [(C, C), (C, B), (B, C), (C, A), (A, C)] {
            assert_eq!(two(Variable::Elimination, a, b), C, "{a}{b}");
        }
        for (a, b) in [(A, B), (B, A), (B, B)] {
            assert_eq!(two(Variable::Elimination, a, b), B, "{a}{b}");
        }
        assert_eq!(two(Variable::Feeding, A, A), A);
        for (a, b) in [(C, C), (B, C), (C, B)] {
            assert_eq!(two(Variable::Feeding, a, b), C, "{a}{b}");
        }
        // Se servir A and manger C (or the reverse) is B for alimentation, unlike élimination.
        for (a, b) in [(A, B), (B, A), (B, B), (A, C), (C, A)] {
            assert_eq!(two(Variable::Feeding, a, b), B, "{a}{b}");
        }
        for x in Modality::ALL {
            for y in Modality::ALL {
                for z in Modality::ALL {
                    let expected = if [x, y, z] == [A; 3] {
                        A
                    } else if [x, y, z] == [C; 3] {
                        C
                    } else {
                        B
                    };
                    assert_eq!(Variable::Dressing.combine(&[x, y, z]), Some(expected), "{x}{y}{z}");
                }
            }
        }
        for m in Modality::ALL {
            assert_eq!(Variable::Transfers.combine(&[m]), Some(m));
        }
        assert_eq!(Variable::Dressing.combine(&[A, A]), None);
    }

    #[test]
    fn the_extremes() {
        assert_eq!(ranked("CCCCCCCC"), (1, 1));
        assert_eq!(ranked("AAAAAAAA"), (13, 6));
    }

    /// Worked by hand from the tables of annexe 2-2, on profiles the guide describes (pp. 29-30).
    #[test]
    fn worked_examples_from_the_group_descriptions() {
        // GIR 1: confined to bed or chair, mental activity lost. Group A: 2000 + 1200 + 40 + 40 +
        // 60 + 100 + 800 + 200 = 4440 >= 4380 → rank 1.
        assert_eq!(ranked("CCCCCCCC"), (1, 1));
        // GIR 2, « grabataire lucide »: cohérence and orientation A, the rest C. Group A: 1240 <
        // 3390; B: 40+40+60+100+800-80 = 960 < 2016; C: 40+40+60+160+1000+400 = 1700 → rank 5.
        assert_eq!(ranked("AACCCCCC"), (5, 2));
        // GIR 2, « dément déambulant »: cohérence and orientation C, toilette, habillage,
        // alimentation, élimination B (done when stimulated), transferts and déplacements A.
        // A: 3200 + 16+16+20+16 = 3268 < 3390; B: 1500 + 1200 + 16+16+0+16 = 2748 → rank 4.
        assert_eq!(ranked("CCBBBBAA"), (4, 2));
        // GIR 3: mental functions kept, locomotion partial, daily help for body care, does not
        // ensure elimination. A: 40+40+20+100+120+32 = 352; B: 40+40+0+100+120-40 = 260; C:
        // 40+40+20+160+200+40 = 500; D: 200+400+200 = 800 < 2400; E: 400+400+100+800+100 = 1800
        // >= 1200 → rank 8.
        assert_eq!(ranked("AACCBCBB"), (8, 3));
        // GIR 4, first sub-group: does not transfer alone but moves indoors once up, helped for
        // washing and dressing, eats alone. A … D short; E: 100+100+800 = 1000 < 1200; F:
        // 100+100+500 = 700 < 800; G: 200+200+400 = 800 >= 650 → rank 10.
        assert_eq!(ranked("AABBAACA"), (10, 4));
        // GIR 4, second sub-group: no locomotion problem, helped for body care including meals,
        // elimination partly helped. E: 100×4 = 400; F: 400; G: 800 → rank 10.
        assert_eq!(ranked("AABBBBAA"), (10, 4));
        // GIR 5: transfers, moves indoors, eats and dresses alone; occasional help for washing.
        // G: 200 < 650; H: 2000 → rank 12.
        assert_eq!(ranked("AABAAAAA"), (12, 5));
        // GIR 6: independent for every discriminant activity → rank 13.
        assert_eq!(ranked("AAAAAAAA"), (13, 6));
    }

    #[test]
    fn thresholds_are_inclusive_as_published() {
        // Group H « supérieure ou égale à 4 000 : rang 11 »: toilette and habillage B make 4000.
        assert_eq!(group_sums(eight("AABBAAAA"))[7], 4000);
        assert_eq!(ranked("AABBAAAA"), (11, 4));
        // « comprise entre 4 000 (exclus) et 2 000 (inclus) : rang 12 »: toilette B alone is 2000.
        assert_eq!(group_sums(eight("AABAAAAA"))[7], 2000);
        assert_eq!(ranked("AABAAAAA"), (12, 5));
        // Below 2000: rank 13.
        assert_eq!(group_sums(eight("AAAAAAAB"))[7], 1000);
        assert_eq!(ranked("AAAAAAAB"), (13, 6));
        // Group C « supérieure ou égale à 1 700 : rang 5 », reached exactly.
        assert_eq!(group_sums(eight("AACCCCCC"))[2], 1700);
        assert_eq!(ranked("AACCCCCC"), (5, 2));
        // Group A: 4272 lies in [4140, 4380) → rank 2.
        assert_eq!(group_sums(eight("CCCCCCCB"))[0], 4272);
        assert_eq!(ranked("CCCCCCCB"), (2, 2));
    }

    #[test]
    fn every_rank_maps_to_its_group() {
        let expected = [1, 2, 2, 2, 2, 2, 2, 3, 3, 4, 4, 5, 6];
        for (n, g) in (1u8..=13).zip(expected) {
            assert_eq!(Rank::new(n).unwrap().gir().get(), g, "rank {n}");
        }
        assert!(Rank::new(0).is_none() && Rank::new(14).is_none());
        assert!(Gir::new(0).is_none() && Gir::new(7).is_none() && Gir::new(6).is_some());
    }

    #[test]
    fn every_rank_is_reached() {
        let mut seen = [false; 13];
        let mut each = [A; 8];
        for n in 0..6561u32 {
            let mut k = n;
            for slot in each.iter_mut().rev() {
                *slot = Modality::ALL[(k % 3) as usize];
                k /= 3;
            }
            seen[usize::from(gir(each).rank.get() - 1)] = true;
        }
        assert!(seen.iter().all(|s| *s), "{seen:?}");
    }

    #[test]
    fn parsing_the_eight_letters() {
        assert_eq!(parse_eight("ABCAABCC").unwrap(), [A, B, C, A, A, B, C, C]);
        assert_eq!(parse_eight("abcaabcc").unwrap(), [A, B, C, A, A, B, C, C]);
        assert_eq!(format_eight(parse_eight("aBcAaBcC").unwrap()), "ABCAABCC");

        let e = parse_eight("ABCAABC").unwrap_err();
        assert_eq!(e.code, "aggir_length");
        assert!(e.message.contains("7 caractères reçus"), "{}", e.message);
        let e = parse_eight("").unwrap_err();
        assert!(e.message.contains("0 caractère reçu"), "{}", e.message);
        let e = parse_eight("ABCAABCCA").unwrap_err();
        assert!(e.message.contains("9 caractères"), "{}", e.message);
        // Counted in characters, not bytes: « É » is one wrong letter, not a wrong length.
        let e = parse_eight("ABCAABCÉ").unwrap_err();
        assert_eq!(e.code, "aggir_letter");
        assert!(e.message.contains("position 8 (déplacements à l'intérieur)"), "{}", e.message);
        assert!(e.message.contains("« É »"), "{}", e.message);
        let e = parse_eight("ABDAABCC").unwrap_err();
        assert!(e.message.starts_with("position 3 (toilette) : « D »"), "{}", e.message);
        let e = parse_eight("ABCA BCC").unwrap_err();
        assert!(e.message.starts_with("position 5 (alimentation) : « "), "{}", e.message);
    }

    #[test]
    fn a_grid_gives_its_gir_once_the_eight_variables_are_complete() {
        let mut grid = Grid::new();
        let err = grid.ranking().unwrap_err();
        assert_eq!(err.code, "aggir_incomplete");
        assert!(err.message.contains("Cohérence (communication, comportement)"), "{}", err.message);

        for variable in COMPUTED {
            for item in variable.items() {
                grid.set(*item, Answer::Adverbs(Adverbs::ALL_YES));
            }
        }
        grid.clear(Item::WashingLower);
        grid.clear(Item::Transfers);
        let err = grid.ranking().unwrap_err();
        assert_eq!(
            err.message,
            "le GIR ne peut pas être calculé : non renseigné — Toilette (toilette du bas) ; Transferts."
        );

        // The illustrative variables and the last two discriminant ones never change the GIR.
        grid.set(Item::WashingLower, Answer::DoesNot);
        grid.set(Item::Transfers, Answer::Coded(A));
        assert_eq!(grid.modality(Variable::Washing), Some(B));
        let before = grid.ranking().unwrap();
        assert_eq!((before.rank.get(), before.gir.get()), (12, 5));
        grid.set(Item::MovingOutdoors, Answer::DoesNot);
        grid.set(Item::Alerting, Answer::DoesNot);
        grid.set(Item::Cooking, Answer::DoesNot);
        assert_eq!(grid.ranking().unwrap(), before);

        // Adverbs go through the guide's rules: eating with « non » to spontanément is B, so is
        // « se servir » C with « manger » A.
        grid.set(Item::Eating, Answer::Adverbs(Adverbs { spontaneously: false, ..Adverbs::ALL_YES }));
        assert_eq!(grid.modality(Variable::Feeding), Some(B));
        grid.set(Item::Eating, Answer::Adverbs(Adverbs::ALL_YES));
        grid.set(Item::Serving, Answer::DoesNot);
        assert_eq!(grid.modality(Variable::Feeding), Some(B));
        assert_eq!(grid.computed().unwrap(), eight("AABABAAA"));
    }

    #[test]
    fn codes_round_trip_and_items_belong_to_their_variable() {
        for v in Variable::ALL {
            assert_eq!(Variable::from_code(v.code()), Some(v));
            for i in v.items() {
                assert_eq!(i.variable(), v);
            }
        }
        for i in Item::ALL {
            assert_eq!(Item::from_code(i.code()), Some(i));
            assert_eq!(Item::ALL[i.index()], i);
        }
        let total: usize = Variable::ALL.iter().map(|v| v.items().len()).sum();
        assert_eq!(total, Item::ALL.len());
        assert_eq!(Variable::ALL.iter().filter(|v| v.is_discriminant()).count(), 10);
    }
}
