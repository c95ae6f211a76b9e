//! The demo organisation: three establishments, their units, a dozen accounts with passwords
//! generated at that moment, about a hundred persons with stays and notes.

use relais_app::App;
use relais_app::admin::{AdminBy, NewAccount, open_grant};
use relais_app::secret::generate_password;
use relais_domain::access::{Category, Profile};
use relais_domain::date::BirthDate;
use relais_domain::identity::{IdentityStatus, InseeCode, Sex, StrictTraits, UsedNames};
use relais_domain::ids::*;
use relais_domain::note::{Importance, NoteContent};
use relais_domain::stay::StayMode;
use relais_store::audit::{AuditActor, NewAuditEvent};
use relais_store::notes::{self, Note};
use relais_store::persons::{self, Person, Stay};

pub const FAMILY_NAMES: &[&str] = &[
    "MARTIN",
    "BERNARD",
    "THOMAS",
    "PETIT",
    "ROBERT",
    "RICHARD",
    "DURAND",
    "DUBOIS",
    "MOREAU",
    "LAURENT",
    "SIMON",
    "MICHEL",
    "LEFÈVRE",
    "LEROY",
    "ROUX",
    "DAVID",
    "BERTRAND",
    "MOREL",
    "FOURNIER",
    "GIRARD",
    "BONNET",
    "DUPONT",
    "LAMBERT",
    "FONTAINE",
    "ROUSSEAU",
    "VINCENT",
    "MULLER",
    "LEFEBVRE",
    "FAURE",
    "ANDRÉ",
    "MERCIER",
    "BLANC",
    "GUÉRIN",
    "BOYER",
    "GARNIER",
    "CHEVALIER",
    "FRANÇOIS",
    "LEGRAND",
    "GAUTHIER",
    "GARCIA",
    "PERRIN",
    "ROBIN",
    "CLÉMENT",
    "MORIN",
    "NICOLAS",
    "HENRY",
    "ROUSSEL",
    "MATHIEU",
    "LE GALL",
    "D'ALMEIDA",
    "N'DIAYE",
    "NGUYEN",
];
pub const FEMALE_NAMES: &[&str] = &[
    "Marie",
    "Jeanne",
    "Françoise",
    "Monique",
    "Catherine",
    "Nathalie",
    "Isabelle",
    "Sylvie",
    "Hélène",
    "Christiane",
    "Odette",
    "Simone",
    "Germaine",
    "Yvette",
    "Léa",
    "Chloé",
    "Inès",
    "Manon",
    "Zoé",
    "Anaïs",
    "Geneviève",
    "Thérèse",
    "Éliane",
];
pub const MALE_NAMES: &[&str] = &[
    "Jean",
    "Pierre",
    "Michel",
    "André",
    "Philippe",
    "René",
    "Louis",
    "Alain",
    "Jacques",
    "Bernard",
    "Marcel",
    "Robert",
    "Lucas",
    "Hugo",
    "Nathan",
    "Enzo",
    "Théo",
    "Mathis",
    "Noé",
    "Gérard",
    "Raymond",
    "Joël",
    "François",
];
pub const COMMUNES: &[&str] =
    &["75056", "69123", "13055", "31555", "06088", "44109", "67482", "34172", "33063", "59350", "2A004", "99134"];

/// A small deterministic generator (xorshift64*): the same seed gives the same data.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed.max(1))
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }
}

/// A demo login, printed once.
pub struct DemoLogin {
    pub username: String,
    pub password: String,
    pub role: String,
}

const NOTES: &[(&str, &str)] = &[
    ("nursing_care", "A bien dormi. Toilette faite au lavabo avec aide partielle."),
    ("nursing_care", "Refus du petit-déjeuner, a accepté un yaourt à 10 h."),
    ("shared_with_family", "Visite de sa fille cet après-midi, moment agréable."),
    ("educational", "Atelier cuisine : a participé avec plaisir à la préparation du goûter."),
    ("social", "Dossier APA : le renouvellement est à déposer avant la fin du mois."),
    ("medical", "Tension à surveiller deux fois par jour pendant une semaine."),
    ("nursing_care", "Pansement talon gauche refait, plaie propre."),
    ("administrative", "Attestation de mutuelle reçue et classée."),
];

/// Creates the demo organisation. Returns the logins with passwords generated now.
pub async fn seed(app: &App) -> anyhow::Result<Vec<DemoLogin>> {
    let org = app.create_organisation("Association Les Tilleuls (démonstration)", "750000018").await?;
    let by = || AdminBy::CommandLine;
    let ehpad = app.create_establishment(by(), org, "EHPAD Les Tilleuls", "750000026", "elderly", "500").await?;
    let ssiad = app.create_establishment(by(), org, "SSIAD du Val", "750000034", "home", "354").await?;
    let ime = app.create_establishment(by(), org, "IME Les Sources", "750000042", "disability", "183").await?;
    let bleuets = app.create_unit(by(), org, ehpad, "Unité Les Bleuets").await?;
    let coquelicots = app.create_unit(by(), org, ehpad, "Unité Les Coquelicots").await?;
    let protegee = app.create_unit(by(), org, ehpad, "Unité protégée").await?;
    let nord = app.create_unit(by(), org, ssiad, "Tournée Nord").await?;
    let sud = app.create_unit(by(), org, ssiad, "Tournée Sud").await?;
    let petits = app.create_unit(by(), org, ime, "Groupe des petits").await?;
    let grands = app.create_unit(by(), org, ime, "Groupe des grands").await?;
    let today = app.today();
    let from = today.saturating_sub(jiff::Span::new().years(1));

    type GrantSpec = (Profile, EstablishmentId, Option<UnitId>);
    let accounts: Vec<(&str, &str, &str, Vec<GrantSpec>)> = vec![
        ("admin", "Admin", "Système", vec![(Profile::Administrator, ehpad, None)]),
        (
            "directrice",
            "Claire",
            "Marchand",
            vec![(Profile::Director, ehpad, None), (Profile::Director, ssiad, None), (Profile::Director, ime, None)],
        ),
        ("idec", "Sophie", "Lemoine", vec![(Profile::CareCoordinator, ehpad, None)]),
        ("infirmier", "Karim", "Benali", vec![(Profile::Nurse, ehpad, None)]),
        ("aide.soignante", "Julie", "Caron", vec![(Profile::CareAide, ehpad, Some(bleuets))]),
        ("medecin", "Paul", "Adam", vec![(Profile::CoordinatingPhysician, ehpad, None)]),
        ("secretariat", "Nadia", "Perret", vec![(Profile::Secretary, ehpad, None), (Profile::Secretary, ssiad, None)]),
        (
            "referent.identito",
            "Claire",
            "Morel",
            vec![(Profile::IdentityReferent, ehpad, None), (Profile::IdentityReferent, ime, None)],
        ),
        (
            "ssiad.as",
            "Lucie",
            "Renaud",
            vec![(Profile::CareAide, ssiad, Some(nord)), (Profile::CareAide, ssiad, Some(sud))],
        ),
        ("educateur", "Yanis", "Colin", vec![(Profile::Educator, ime, None)]),
        ("psychologue", "Emma", "Vidal", vec![(Profile::Psychologist, ime, None)]),
        ("travailleur.social", "Omar", "Diallo", vec![(Profile::SocialWorker, ime, None)]),
        (
            "dpo",
            "Hélène",
            "Brun",
            vec![(Profile::Dpo, ehpad, None), (Profile::Dpo, ssiad, None), (Profile::Dpo, ime, None)],
        ),
    ];
    let mut logins = Vec::new();
    let mut authors: Vec<(AccountId, String)> = Vec::new();
    for (username, given, family, grants) in &accounts {
        let password = generate_password()?;
        let role = grants.first().map(|g| g.0.label()).unwrap_or_default().to_string();
        let id = app
            .create_account(
                by(),
                org,
                NewAccount {
                    username,
                    family_name: family,
                    given_name: given,
                    password: &password,
                    grants: grants.iter().map(|(p, e, u)| open_grant(*p, *e, *u, from)).collect(),
                },
            )
            .await?;
        authors.push((id, format!("{given} {family}")));
        logins.push(DemoLogin { username: username.to_string(), password, role });
    }

    let placements: Vec<(EstablishmentId, UnitId, StayMode, usize)> = vec![
        (ehpad, bleuets, StayMode::PermanentResidential, 20),
        (ehpad, coquelicots, StayMode::PermanentResidential, 20),
        (ehpad, protegee, StayMode::PermanentResidential, 12),
        (ssiad, nord, StayMode::Home, 12),
        (ssiad, sud, StayMode::Home, 12),
        (ime, petits, StayMode::DayCare, 12),
        (ime, grands, StayMode::DayCare, 12),
    ];
    let mut rng = Rng::new(20_261_126);
    let now = app.now_micros();
    let mut tx = app.store.begin_write().await?;
    let mut count = 0;
    for (est, unit, mode, n) in placements {
        for _ in 0..n {
            let female = rng.below(2) == 0;
            let (year_from, span) = if est == ime { (2008, 14) } else { (1925, 30) };
            let year = year_from + rng.below(span) as i16;
            let birth = BirthDate::new(year, 1 + rng.below(12) as i8, 1 + rng.below(28) as i8, today)?;
            let first = if female { rng.pick(FEMALE_NAMES) } else { rng.pick(MALE_NAMES) };
            let second = if female { rng.pick(FEMALE_NAMES) } else { rng.pick(MALE_NAMES) };
            let traits = StrictTraits::new(
                rng.pick(FAMILY_NAMES),
                &format!("{first} {second}"),
                birth,
                if female { Sex::Female } else { Sex::Male },
                Some(InseeCode::parse(rng.pick(COMMUNES))?),
            )?;
            let used = if female && rng.below(3) == 0 {
                UsedNames::new(rng.pick(FAMILY_NAMES), "")?
            } else {
                UsedNames::default()
            };
            let person = Person {
                id: PersonId::generate(),
                organisation_id: org,
                registered_at: Some(est),
                traits,
                used,
                status: if rng.below(3) == 0 { IdentityStatus::Validated } else { IdentityStatus::Provisional },
                ins: None,
                attributes: Default::default(),
                ins_history: vec![],
                ins_retrieved_at: None,
                merged_into: None,
                created_at: now,
                updated_at: now,
                applied_to: vec![],
            };
            persons::insert_person(&mut tx, &person).await?;
            let start = today.saturating_sub(jiff::Span::new().days(30 + rng.below(900) as i64));
            let stay = Stay {
                id: StayId::generate(),
                person_id: person.id,
                establishment_id: est,
                unit_id: Some(unit),
                mode,
                start,
                end: None,
                discharge_reason: None,
                transferred_from: None,
            };
            persons::insert_stay(&mut tx, org, &stay).await?;
            if est == ehpad
                && let Some((author, label)) = authors.first().cloned()
            {
                // The evaluation of admission, so that the GIR shows; drawn from the id, not `rng`,
                // to leave the rest of the demonstration data as it was.
                let grid = relais_domain::aggir::sample_grid(person.id.0.as_u128() >> 7);
                let ranking = grid.ranking().ok();
                relais_store::assessments::insert(
                    &mut tx,
                    org,
                    &relais_store::assessments::Assessment {
                        id: AssessmentId::generate(),
                        person_id: person.id,
                        establishment_id: Some(est),
                        instrument: relais_store::assessments::AGGIR.to_string(),
                        assessed_on: start,
                        answers: grid.encode(),
                        score: ranking.map(|r| i64::from(r.rank.get())),
                        result: ranking.map(|r| i64::from(r.gir.get())),
                        definition_version: None,
                        comment: String::new(),
                        author_id: Some(author),
                        author_label: label,
                        recorded_at: now,
                    },
                )
                .await?;
            }
            for h in 0..3 {
                let (cat, text) = rng.pick(NOTES);
                let category = Category::from_code(cat).unwrap_or(Category::NursingCare);
                let (author, label) = authors[rng.below(authors.len() as u64) as usize].clone();
                let id = NoteId::generate();
                notes::insert(
                    &mut tx,
                    org,
                    &Note {
                        id,
                        person_id: person.id,
                        establishment_id: Some(est),
                        unit_id: Some(unit),
                        lineage_id: id,
                        version: 1,
                        is_current: true,
                        content: NoteContent {
                            category,
                            text: text.to_string(),
                            target: None,
                            data: None,
                            action: None,
                            result: None,
                        },
                        importance: if h == 0 && rng.below(10) == 0 { Importance::ToRead } else { Importance::Normal },
                        correction_reason: None,
                        author_id: author,
                        author_label: label,
                        recorded_at: now - (h * 6 + rng.below(6) as i64) * 3_600_000_000,
                    },
                )
                .await?;
            }
            count += 1;
        }
    }
    // Two identities the demonstration INSi knows (CNDA test identities), to try a retrieval.
    for (est, unit, name, first, date, sex, place) in [
        (ehpad, bleuets, "TCHITCHI", "Catarina", "1936-06-21", Sex::Female, Some("63220")),
        (ime, grands, "ECETINSI", "Pierre-Alain", "2009-07-14", Sex::Male, None),
    ] {
        let traits = StrictTraits::new(
            name,
            first,
            BirthDate::parse(date, today)?,
            sex,
            place.map(InseeCode::parse).transpose()?,
        )?;
        let person = Person {
            id: PersonId::generate(),
            organisation_id: org,
            registered_at: Some(est),
            traits,
            used: UsedNames::default(),
            status: IdentityStatus::Provisional,
            ins: None,
            attributes: Default::default(),
            ins_history: vec![],
            ins_retrieved_at: None,
            merged_into: None,
            created_at: now,
            updated_at: now,
            applied_to: vec![],
        };
        persons::insert_person(&mut tx, &person).await?;
        let stay = Stay {
            id: StayId::generate(),
            person_id: person.id,
            establishment_id: est,
            unit_id: Some(unit),
            mode: if est == ime { StayMode::DayCare } else { StayMode::PermanentResidential },
            start: today.saturating_sub(jiff::Span::new().days(10)),
            end: None,
            discharge_reason: None,
            transferred_from: None,
        };
        persons::insert_stay(&mut tx, org, &stay).await?;
        count += 1;
    }
    relais_store::audit::append(
        &mut tx,
        NewAuditEvent {
            organisation_id: Some(org),
            actor: AuditActor { kind: "system", id: None, label: "relais demo".into() },
            action: "demo.seed",
            outcome: "ok",
            person_id: None,
            resource: None,
            detail: Some(format!("{count} persons")),
            client_ip: None,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(logins)
}

/// The authorisation number the demonstration INSi accepts.
const DEMO_INSI_AUTHORISATION: &str = "RELAIS-DEMO";

/// A local INSi (the test peer, over mutual TLS with a PKI made in `data_dir/insi-pki` by
/// `scripts/insi-test-pki`) and the real client configured for it: the demo retrieves INS as
/// production would, from the published CNDA test identities.
pub async fn insi_peer(
    data_dir: &std::path::Path,
) -> anyhow::Result<(relais_testpeers::insi::InsiPeer, relais_interop::insi::InsiClient)> {
    let dir = data_dir.join("insi-pki");
    std::fs::create_dir_all(&dir)?;
    let pki = relais_testpeers::test_pki(&dir)?;
    let config = relais_testpeers::insi::PeerConfig::from_pki(&pki)?.with_authorisation_number(DEMO_INSI_AUTHORISATION);
    let peer = relais_testpeers::insi::start(config).await?;
    let client = relais_interop::insi::InsiClient::new(relais_interop::insi::InsiConfig {
        endpoint: peer.endpoint(),
        client_cert_pem: std::fs::read(&pki.insi_auto_pem)?,
        client_key_pem: std::fs::read(&pki.insi_auto_key)?,
        server_ca_pem: std::fs::read(&pki.ca_pem)?,
        authorisation_number: DEMO_INSI_AUTHORISATION.into(),
        software_name: "Relais".into(),
        software_version: env!("CARGO_PKG_VERSION").into(),
        instance: uuid::Uuid::now_v7(),
        emitter: "demo".into(),
        timeout: std::time::Duration::from_secs(10),
    })
    .map_err(|e| anyhow::anyhow!("INSi: {e}"))?;
    Ok((peer, client))
}
