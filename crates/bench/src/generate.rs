//! The reference data set: an organisation, its establishments and units, ~600 accounts,
//! persons with stays, logbook notes and vital signs over N years, and the administrative and
//! social records of current persons (see `records`). Deterministic for a seed.

use crate::names::*;
use crate::records::{self, Records, Subject};
use anyhow::{Context, bail};
use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use relais_app::admin::AdminBy;
use relais_app::{App, Settings, SystemClock};
use relais_domain::access::{Category, Grant, Profile};
use relais_domain::activity::Attendance;
use relais_domain::appointment::{AppointmentDetails, Transport};
use relais_domain::date::BirthDate;
use relais_domain::identity::{IdentityStatus, InseeCode, Sex, StrictTraits, UsedNames};
use relais_domain::ids::*;
use relais_domain::ins::{Ins, InsAuthority};
use relais_domain::note::{Importance, Mention, NoteContent};
use relais_domain::observation::{Threshold, VitalSign};
use relais_domain::recurrence::Repeat;
use relais_domain::stay::{DischargeReason, StayMode};
use relais_store::activities::Activity;
use relais_store::appointments::{Appointment, Series};
use relais_store::notes::Note;
use relais_store::observations::Observation;
use relais_store::org::{Account, GrantRow};
use relais_store::persons::{Person, Stay};
use relais_store::thresholds::{self, ThresholdRule, ThresholdScope};
use relais_store::{Engine, Store, bulk, org};
use serde_json::json;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

/// xorshift64*: small, fast, and the same numbers for the same seed.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15).max(1))
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
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }
    /// A UUIDv7 for an instant, with random bits from this generator (deterministic ids).
    pub fn uuid_at(&mut self, micros: i64) -> uuid::Uuid {
        let mut bytes = [0u8; 10];
        bytes[..8].copy_from_slice(&self.next_u64().to_le_bytes());
        bytes[8..].copy_from_slice(&self.next_u64().to_le_bytes()[..2]);
        uuid::Builder::from_unix_timestamp_millis((micros / 1000).max(0) as u64, &bytes).into_uuid()
    }
}

/// Appointments of the data set: (title, location, outside, transport).
const APPOINTMENTS: &[(&str, &str, bool, Transport)] = &[
    ("Consultation cardiologie", "Centre hospitalier", true, Transport::Vsl),
    ("Bilan sanguin", "Laboratoire de ville", true, Transport::Taxi),
    ("Coiffeur", "Salon de l'établissement", false, Transport::None),
    ("Visite de la famille", "Salon des familles", false, Transport::None),
    ("Dentiste", "Cabinet dentaire", true, Transport::Family),
    ("Kinésithérapie", "Salle de rééducation", false, Transport::None),
    ("Radiographie", "Centre d'imagerie", true, Transport::Ambulance),
];

/// Years before the history window whose discharged persons are kept (identity and stay only).
const ARCHIVE_YEARS: usize = 8;

/// One kind of establishment in a profile.
struct Kind {
    label: &'static str,
    sector: &'static str,
    category: &'static str,
    count: usize,
    units: usize,
    capacity: usize,
    residential: bool,
    mode: StayMode,
    /// Discharges per year, in percent of capacity.
    turnover: u64,
    birth_years: (i16, i16),
    care_profile: Profile,
    notes: &'static [&'static str],
}

const ELDERLY_NOTES: &[&str] = &[
    "nursing_care",
    "nursing_care",
    "nursing_care",
    "medical",
    "medication",
    "shared_with_family",
    "social",
    "administrative",
];
const DISABILITY_NOTES: &[&str] =
    &["educational", "educational", "educational", "nursing_care", "psychological", "shared_with_family", "social"];
const CHILD_NOTES: &[&str] =
    &["educational", "educational", "educational", "psychological", "social", "shared_with_family"];

fn group76() -> Vec<Kind> {
    use Profile::*;
    use StayMode::*;
    let k = |label,
             sector,
             category,
             count,
             units,
             capacity,
             residential,
             mode,
             turnover,
             birth_years,
             care_profile,
             notes| Kind {
        label,
        sector,
        category,
        count,
        units,
        capacity,
        residential,
        mode,
        turnover,
        birth_years,
        care_profile,
        notes,
    };
    vec![
        k("EHPAD", "elderly", "500", 25, 4, 88, true, PermanentResidential, 35, (1922, 1950), CareAide, ELDERLY_NOTES),
        k("SSIAD", "home", "354", 12, 2, 70, false, Home, 60, (1925, 1955), CareAide, ELDERLY_NOTES),
        k("SAAD", "home", "460", 3, 3, 160, false, Home, 40, (1925, 1960), CareAide, ELDERLY_NOTES),
        k("IME", "disability", "183", 4, 3, 70, true, DayCare, 15, (2006, 2020), Educator, DISABILITY_NOTES),
        k(
            "MAS",
            "disability",
            "255",
            4,
            3,
            55,
            true,
            PermanentResidential,
            8,
            (1960, 2004),
            CareAide,
            DISABILITY_NOTES,
        ),
        k(
            "FAM",
            "disability",
            "437",
            4,
            3,
            50,
            true,
            PermanentResidential,
            8,
            (1960, 2004),
            Educator,
            DISABILITY_NOTES,
        ),
        k("ESAT", "disability", "246", 4, 2, 100, false, DayCare, 10, (1966, 2004), Educator, DISABILITY_NOTES),
        k("SESSAD", "disability", "182", 4, 2, 60, false, Home, 20, (2008, 2022), Educator, DISABILITY_NOTES),
        k(
            "MECS",
            "child_protection",
            "177",
            12,
            3,
            45,
            true,
            PermanentResidential,
            40,
            (2008, 2022),
            Educator,
            CHILD_NOTES,
        ),
        k(
            "CSAPA",
            "specific_difficulties",
            "197",
            4,
            2,
            150,
            false,
            DayCare,
            60,
            (1960, 2004),
            Educator,
            DISABILITY_NOTES,
        ),
    ]
}

fn small() -> Vec<Kind> {
    let mut kinds = group76();
    kinds.truncate(1);
    kinds[0].count = 1;
    kinds[0].capacity = 80;
    kinds
}

fn profile(name: &str) -> anyhow::Result<Vec<Kind>> {
    Ok(match name {
        "small" => small(),
        "group76" => group76(),
        "x4" => group76().into_iter().map(|k| Kind { count: k.count * 4, ..k }).collect(),
        // For the FHIR comparison with a peer: N persons in home-care services, no history beyond a year.
        "p1000" | "p10000" => {
            let n: usize = if name == "p1000" { 1000 } else { 10_000 };
            let mut k = group76().swap_remove(1);
            k.count = 10;
            k.capacity = n / 10;
            k.turnover = 0;
            vec![k]
        }
        other => bail!("unknown profile {other}: small, group76, x4, p1000 or p10000"),
    })
}

/// A NIR with its key, for a person born in `birthplace` (INSEE code).
fn nir(rng: &mut Rng, sex: Sex, birth: &BirthDate, birthplace: &str) -> String {
    let s = if sex == Sex::Male { '1' } else { '2' };
    let yy = birth.year() % 100;
    let mm = birth.month().unwrap_or(99);
    let order = 1 + rng.below(999);
    let body = format!("{s}{yy:02}{mm:02}{birthplace}{order:03}");
    let numeric = body.replacen("2A", "19", 1).replacen("2B", "18", 1);
    let n: u64 = numeric.parse().unwrap_or(0);
    format!("{body}{:02}", 97 - n % 97)
}

struct Accounts {
    /// Per establishment: (account, label) of everyone who writes there.
    writers: Vec<Vec<(AccountId, String)>>,
    /// Unit-level care accounts: (username, unit, establishment index).
    care: Vec<(String, UnitId, usize)>,
    auditors: Vec<String>,
}

pub async fn run(profile_name: &str, years: u32, seed: u64, url: &str, manifest: &Path) -> anyhow::Result<()> {
    if years == 0 || years > 20 {
        bail!("--years must be from 1 to 20");
    }
    let kinds = profile(profile_name)?;
    let started = Instant::now();
    // One connection: the large bulk-load cache then serves every batch.
    let store = Store::connect(url, true, 1).await.context("open the database")?;
    if store.schema_version().await?.is_some() {
        bail!("the database is not empty: generate into a new one");
    }
    store.migrate().await?;
    store.begin_bulk_load().await?;
    let app = App::new(store.clone(), Settings::default(), Arc::new(SystemClock));
    let mut rng = Rng::new(seed);
    let mut records_rng = Rng::new(seed ^ 0x5EC0_4D5E_7A11_0C8D);
    let tz = TimeZone::get("Europe/Paris").unwrap_or(TimeZone::UTC);
    let now = Timestamp::now();
    let today = tz.to_datetime(now).date();
    let window_start = now - SignedDuration::from_hours(24 * 365 * years as i64);
    let password = format!("banc-{}-{}", profile_name, relais_app::secret::generate_password()?);
    let hash = relais_app::auth::hash_password(&password).await?;

    let org = app.create_organisation("Groupe associatif de référence", "750000018").await?;
    let mut establishments: Vec<(EstablishmentId, Vec<UnitId>, &Kind)> = Vec::new();
    let mut counter = 0u32;
    for kind in &kinds {
        for i in 0..kind.count {
            counter += 1;
            let finess = format!("{:09}", 750_100_000 + counter * 10);
            let e = app
                .create_establishment(
                    AdminBy::CommandLine,
                    org,
                    &format!("{} {} {}", kind.label, rng.pick(FAMILY_NAMES), i + 1),
                    &finess,
                    kind.sector,
                    kind.category,
                )
                .await
                .map_err(|e| anyhow::anyhow!("{e:?}"))?;
            let mut units = Vec::new();
            for u in 0..kind.units {
                units.push(
                    app.create_unit(AdminBy::CommandLine, org, e, &format!("Unité {}", u + 1))
                        .await
                        .map_err(|e| anyhow::anyhow!("{e:?}"))?,
                );
            }
            establishments.push((e, units, kind));
        }
    }

    // Accounts: per establishment a director, a secretary, a nurse or psychologist, two care
    // accounts per unit; two DPOs for the whole organisation.
    let from = today.saturating_sub(jiff::Span::new().years(years as i64 + 1));
    let mut accounts =
        Accounts { writers: vec![Vec::new(); establishments.len()], care: Vec::new(), auditors: Vec::new() };
    let mut tx = store.begin_write().await?;
    let mut n_accounts = 0;
    let mut add = async |tx: &mut relais_store::Tx,
                         username: String,
                         grants: Vec<Grant>|
           -> anyhow::Result<(AccountId, String)> {
        let professional = ProfessionalId::generate();
        let given = rng.pick(FEMALE_NAMES);
        let family = rng.pick(FAMILY_NAMES);
        org::insert_professional(tx, org, professional, family, given, None).await?;
        let account = Account {
            id: AccountId::generate(),
            organisation_id: org,
            professional_id: professional,
            username,
            password_hash: hash.clone(),
            totp_secret: None,
            totp_enabled: false,
            disabled: false,
            family_name: family.to_string(),
            given_name: given.to_string(),
        };
        org::insert_account(tx, &account).await?;
        for g in grants {
            org::insert_grant(tx, org, account.id, &GrantRow { id: GrantId::generate(), grant: g }).await?;
        }
        Ok((account.id, format!("{given} {family}")))
    };
    let grant =
        |profile, establishment, unit| Grant { profile, establishment, unit, valid_from: from, valid_until: None };
    for (i, (e, units, kind)) in establishments.iter().enumerate() {
        let lead =
            if kind.sector == "elderly" || kind.sector == "home" { Profile::Nurse } else { Profile::Psychologist };
        for (role, profile) in [("dir", Profile::Director), ("sec", Profile::Secretary), ("ref", lead)] {
            let w = add(&mut tx, format!("{role}.{}", i + 1), vec![grant(profile, *e, None)]).await?;
            accounts.writers[i].push(w);
            n_accounts += 1;
        }
        for (u, unit) in units.iter().enumerate() {
            for k in 0..2 {
                let username = format!("soin.{}.{}.{}", i + 1, u + 1, k + 1);
                let w = add(&mut tx, username.clone(), vec![grant(kind.care_profile, *e, Some(*unit))]).await?;
                accounts.writers[i].push(w);
                accounts.care.push((username, *unit, i));
                n_accounts += 1;
            }
        }
    }
    for d in 0..2 {
        let username = format!("dpo.{}", d + 1);
        add(&mut tx, username.clone(), establishments.iter().map(|(e, _, _)| grant(Profile::Dpo, *e, None)).collect())
            .await?;
        accounts.auditors.push(username);
        n_accounts += 1;
    }
    tx.commit().await?;

    // Persons and stays first; then notes and measures day by day over the whole organisation,
    // so that rows arrive in time order (ids are time-ordered: the indexes grow at their end).
    let mut batch = Batch::default();
    let mut unit_people: std::collections::HashMap<UnitId, Vec<PersonId>> = Default::default();
    let mut identifiers: Vec<String> = Vec::new();
    let (mut n_current, mut n_discharged) = (0usize, 0usize);
    let mut active: Vec<(PersonId, Stay, usize)> = Vec::new();
    for (i, (e, units, kind)) in establishments.iter().enumerate() {
        // Discharges of the history window, plus those of the years before it: an organisation
        // that has used its record for a decade searches through ~20,000 former persons.
        let discharged_years = years as usize + ARCHIVE_YEARS;
        let discharged = kind.capacity * kind.turnover as usize * discharged_years / 100;
        for p in 0..kind.capacity + discharged {
            let current = p < kind.capacity;
            let unit = units[p % units.len()];
            // Every record, archives included, was imported the day before the window opened.
            let created = window_start.as_microsecond() - 86_400_000_000;
            let (person, ins, nss) = make_person(&mut rng, org, *e, kind, created, today)?;
            let stay_days =
                if current { 30 + rng.below(365 * (years as u64 + 3)) as i64 } else { 10 + rng.below(300) as i64 };
            let (start, end) = if current {
                (today.saturating_sub(jiff::Span::new().days(stay_days)), None)
            } else {
                let end =
                    today.saturating_sub(jiff::Span::new().days(1 + rng.below(365 * discharged_years as u64) as i64));
                (end.saturating_sub(jiff::Span::new().days(stay_days)), Some(end))
            };
            let stay = Stay {
                id: StayId(rng.uuid_at(created)),
                person_id: person.id,
                establishment_id: *e,
                unit_id: Some(unit),
                mode: kind.mode,
                start,
                end,
                discharge_reason: end.map(|_| {
                    if kind.sector == "elderly" && rng.chance(60) {
                        DischargeReason::Death
                    } else {
                        DischargeReason::ReturnHome
                    }
                }),
                transferred_from: None,
            };
            if current {
                n_current += 1;
                unit_people.entry(unit).or_default().push(person.id);
                if let Some(m) = ins
                    && identifiers.len() < 500
                {
                    identifiers.push(m);
                }
            } else {
                n_discharged += 1;
            }
            if current && kind.sector == "elderly" {
                let author = accounts.writers[i].first().cloned();
                batch.assessments.push(aggir_at_admission(person.id, *e, &stay, author.clone(), created));
                for (n, code) in ["braden", "mna"].into_iter().enumerate() {
                    batch.assessments.push(grid_at_admission(person.id, *e, &stay, author.clone(), created, code, n)?);
                }
            }
            if current {
                let subject = Subject {
                    person: &person,
                    stay: &stay,
                    sector: kind.sector,
                    nss: &nss,
                    current,
                    author: accounts.writers[i].get(1),
                    referent: accounts.writers[i].get(2),
                    created,
                    today,
                };
                records::person_records(&mut records_rng, &mut batch.records, org, &subject);
            }
            active.push((person.id, stay.clone(), i));
            batch.persons.push(person);
            batch.stays.push(stay);
            if batch.rows() > 20_000 {
                batch.flush(&store, org).await?;
            }
        }
    }
    // A few persons per establishment wait for a place: registered, with an admission request.
    let mut n_waiting = 0usize;
    for (i, (e, units, kind)) in establishments.iter().enumerate() {
        let created = window_start.as_microsecond() - 86_400_000_000;
        for w in 0..3 + records_rng.below(6) as usize {
            let (person, _, _) = make_person(&mut records_rng, org, *e, kind, created, today)?;
            let target = (*e, Some(units[w % units.len()]), kind.mode);
            let author = accounts.writers[i].get(1);
            let row = records::admission_request(
                &mut records_rng,
                org,
                &person,
                target,
                kind.sector,
                author,
                (created, today),
            );
            batch.records.admissions.push(row);
            batch.persons.push(person);
            n_waiting += 1;
        }
    }
    batch.flush(&store, org).await?;
    let n_thresholds = thresholds(&store, org, &establishments, &accounts, &active, &mut rng).await?;
    activities(&mut rng, &mut batch, &tz, &establishments, &accounts, &active, (window_start, today, now));
    batch.flush(&store, org).await?;
    let mut day = tz.to_datetime(window_start).date();
    while day <= today {
        for (person, stay, i) in &active {
            if stay.start <= day && stay.end.is_none_or(|end| day <= end) {
                let kind = establishments[*i].2;
                one_day(&mut rng, &mut batch, &tz, *person, stay, kind, &accounts.writers[*i], day, now);
            }
        }
        if batch.rows() > 20_000 {
            batch.flush(&store, org).await?;
        }
        day = match day.tomorrow() {
            Ok(d) => d,
            Err(_) => break,
        };
    }
    batch.flush(&store, org).await?;
    let (notes, observations, appointments) = (batch.notes_total, batch.observations_total, batch.appointments_total);
    let (mentions, activities, registrations) =
        (batch.mentions_total, batch.activities_total, batch.registrations_total);
    let record_totals = batch.records.totals;
    store.end_bulk_load().await?;
    // The planner needs statistics over the loaded data, as a server that has run for a year has.
    store.analyze().await?;

    let (client_id, client_secret) =
        app.create_api_client(org, "banc de charge", "system/*.*").await.map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let care_users: Vec<serde_json::Value> = accounts
        .care
        .iter()
        .filter_map(|(username, unit, _)| {
            let people = unit_people.get(unit)?;
            Some(json!({ "username": username, "unit_id": unit.to_string(), "person_ids": people.iter().take(40).map(|p| p.to_string()).collect::<Vec<_>>() }))
        })
        .collect();
    let mut prefixes: Vec<String> = FAMILY_NAMES.iter().map(|n| n.chars().take(3).collect()).collect();
    prefixes.sort();
    prefixes.dedup();
    let engine = store.engine();
    let size = database_size(&store, url).await?;
    let doc = json!({
        "profile": profile_name,
        "years": years,
        "engine": engine.name(),
        "database_url": url,
        "password": password,
        "care_users": care_users,
        "audit_users": accounts.auditors,
        "search_prefixes": prefixes,
        // Frequent, middling and rare words of the generated notes, and a two-word search.
        "search_words": ["douleur", "chute", "pansement", "escarres", "hydratation", "cardiologique", "mandataire", "chute chambre", "atelier", "déambulation"],
        "api_client": { "client_id": client_id, "client_secret": client_secret },
        "fhir_identifiers": identifiers.iter().map(|v| json!({ "system": format!("urn:oid:{}", InsAuthority::NirTest.oid()), "value": v })).collect::<Vec<_>>(),
        "counts": {
            "establishments": establishments.len(), "accounts": n_accounts, "persons_current": n_current,
            "persons_discharged": n_discharged, "notes": notes, "observations": observations, "appointments": appointments,
            "mentions": mentions, "activity_sessions": activities, "activity_registrations": registrations, "thresholds": n_thresholds,
            "persons_waiting": n_waiting, "records": record_totals,
        },
        "generation_seconds": started.elapsed().as_secs_f64(),
        "database_bytes": size,
    });
    std::fs::write(manifest, serde_json::to_string_pretty(&doc)?)
        .with_context(|| format!("write {}", manifest.display()))?;
    store.close().await;
    println!(
        "{profile_name} ({years} y) on {}: {} establishments, {n_accounts} accounts, {n_current} current + {n_discharged} discharged persons, {notes} notes ({mentions} mentions), {observations} observations, {appointments} appointments, {activities} activity sessions ({registrations} registrations), {n_thresholds} alert thresholds, {n_waiting} persons waiting, records {record_totals:?} in {:.1} s; database {:.1} MiB",
        engine.name(),
        establishments.len(),
        started.elapsed().as_secs_f64(),
        size as f64 / 1_048_576.0
    );
    Ok(())
}

fn make_person(
    rng: &mut Rng,
    org: OrganisationId,
    e: EstablishmentId,
    kind: &Kind,
    created: i64,
    today: Date,
) -> anyhow::Result<(Person, Option<String>, String)> {
    let female = rng.chance(if kind.sector == "elderly" { 70 } else { 50 });
    let sex = if female { Sex::Female } else { Sex::Male };
    let (y0, y1) = kind.birth_years;
    let year = y0 + rng.below((y1 - y0 + 1) as u64) as i16;
    let birth = BirthDate::new(year, 1 + rng.below(12) as i8, 1 + rng.below(28) as i8, today)?;
    let names = if female { FEMALE_NAMES } else { MALE_NAMES };
    let firsts =
        if rng.chance(60) { format!("{} {}", rng.pick(names), rng.pick(names)) } else { rng.pick(names).to_string() };
    let place = rng.pick(COMMUNES);
    let traits = StrictTraits::new(rng.pick(FAMILY_NAMES), &firsts, birth, sex, Some(InseeCode::parse(place)?))?;
    let used = if female && kind.sector == "elderly" && rng.chance(50) {
        UsedNames::new(rng.pick(FAMILY_NAMES), "")?
    } else {
        UsedNames::default()
    };
    let qualified = rng.chance(60);
    let matricule = nir(rng, sex, &birth, place);
    let ins = if qualified { Some(Ins::parse(&matricule, InsAuthority::NirTest.oid())?) } else { None };
    let id = PersonId(rng.uuid_at(created));
    // About 1 % of identities await the referent as suspected duplicates; taken from the id so
    // that the random sequence, and so the rest of the data set, stays as before.
    let mut attributes = relais_domain::identity::IdentityAttributes::default();
    if !qualified && id.0.as_u128() % 100 == 7 {
        attributes.set(relais_domain::identity::IdentityAttribute::SuspectedDuplicate, true);
    }
    let person = Person {
        id,
        organisation_id: org,
        registered_at: Some(e),
        traits,
        used,
        status: if qualified {
            IdentityStatus::Qualified
        } else if rng.chance(50) {
            IdentityStatus::Validated
        } else {
            IdentityStatus::Provisional
        },
        ins,
        attributes,
        ins_history: vec![],
        ins_retrieved_at: qualified.then_some(created),
        merged_into: None,
        created_at: created,
        updated_at: created,
        applied_to: vec![],
    };
    Ok((person, qualified.then_some(matricule.clone()), matricule))
}

/// Notes and measures of one person on one day.
/// Alert thresholds: the usual ones in every nursing home (SpO2, fever, high systolic pressure),
/// set by its nurse, and a personal SpO2 threshold for one current resident in fifty.
async fn thresholds(
    store: &Store,
    org: OrganisationId,
    establishments: &[(EstablishmentId, Vec<UnitId>, &Kind)],
    accounts: &Accounts,
    active: &[(PersonId, Stay, usize)],
    rng: &mut Rng,
) -> anyhow::Result<usize> {
    let mut tx = store.begin_write().await?;
    let mut n = 0;
    let now = Timestamp::now().as_microsecond();
    for (i, (e, _, kind)) in establishments.iter().enumerate() {
        if kind.sector != "elderly" {
            continue;
        }
        let (nurse, label) = accounts.writers[i][2].clone();
        let rule = |rng: &mut Rng, scope, kind, low, high| ThresholdRule {
            id: ThresholdId(rng.uuid_at(now)),
            scope,
            threshold: Threshold { kind, low, high },
            created_by: nurse,
            created_label: label.clone(),
            created_at: now,
        };
        let rules = [
            rule(rng, ThresholdScope::Establishment(*e), VitalSign::OxygenSaturation, Some(90.0), None),
            rule(rng, ThresholdScope::Establishment(*e), VitalSign::BodyTemperature, Some(35.5), Some(38.5)),
            rule(rng, ThresholdScope::Establishment(*e), VitalSign::BloodPressure, Some(90.0), Some(180.0)),
        ];
        let mut personal = Vec::new();
        for (person, _, _) in active.iter().filter(|(_, s, j)| *j == i && s.end.is_none()) {
            if rng.chance(2) {
                let r = rule(rng, ThresholdScope::Person(*person), VitalSign::OxygenSaturation, Some(88.0), None);
                personal.push(r);
            }
        }
        for r in rules.iter().chain(&personal) {
            thresholds::replace(&mut tx, org, r).await?;
            n += 1;
        }
    }
    tx.commit().await?;
    Ok(n)
}

/// Three weekly workshops in every residential establishment over the window and the coming
/// fortnight, eight persons staying there registered on each session, attendance taken on past
/// ones.
fn activities(
    rng: &mut Rng,
    batch: &mut Batch,
    tz: &TimeZone,
    establishments: &[(EstablishmentId, Vec<UnitId>, &Kind)],
    accounts: &Accounts,
    active: &[(PersonId, Stay, usize)],
    (window_start, today, now): (Timestamp, Date, Timestamp),
) {
    const WORKSHOPS: &[(&str, &str, jiff::civil::Weekday, i8, i8)] = &[
        ("Atelier mémoire", "Salon", jiff::civil::Weekday::Monday, 14, 30),
        ("Gym douce", "Salle d'activités", jiff::civil::Weekday::Wednesday, 10, 30),
        ("Chorale", "Salon", jiff::civil::Weekday::Friday, 15, 0),
    ];
    let end = today.saturating_add(jiff::Span::new().days(14));
    let now_us = now.as_microsecond();
    for (i, (e, _, kind)) in establishments.iter().enumerate() {
        if !kind.residential {
            continue;
        }
        let writers = &accounts.writers[i];
        let residents: Vec<&(PersonId, Stay, usize)> = active.iter().filter(|(_, _, j)| *j == i).collect();
        for (title, location, weekday, h, m) in WORKSHOPS {
            let mut day = tz.to_datetime(window_start).date();
            while day.weekday() != *weekday {
                day = day.tomorrow().unwrap_or(day);
            }
            let (author, label) = writers[0].clone();
            // The series is named after its first session, as when planned in the application.
            let mut series = None;
            while day <= end {
                let Ok(start) = tz.to_timestamp(day.to_datetime(jiff::civil::time(*h, *m, 0, 0))) else { break };
                let starts_at = start.as_microsecond();
                let id = ActivityId(rng.uuid_at(starts_at));
                let series = *series.get_or_insert(id);
                batch.activities.push(Activity {
                    id,
                    establishment_id: *e,
                    unit_id: None,
                    series_id: series,
                    title: title.to_string(),
                    location: Some(location.to_string()),
                    capacity: Some(12),
                    starts_at,
                    ends_at: starts_at + 3_600_000_000,
                    created_by: author,
                    created_label: label.clone(),
                    created_at: window_start.as_microsecond(),
                    cancelled_at: None,
                });
                let present: Vec<&&(PersonId, Stay, usize)> =
                    residents.iter().filter(|(_, s, _)| s.start <= day && s.end.is_none_or(|x| day <= x)).collect();
                let mut chosen: Vec<PersonId> = Vec::new();
                for _ in 0..8.min(present.len()) {
                    let p = present[rng.below(present.len() as u64) as usize].0;
                    if !chosen.contains(&p) {
                        chosen.push(p);
                    }
                }
                for p in chosen {
                    let marked = (starts_at < now_us).then(|| {
                        let a = match rng.below(20) {
                            0 => Attendance::Excused,
                            1 | 2 => Attendance::Absent,
                            _ => Attendance::Present,
                        };
                        (a, label.clone(), starts_at + 3_600_000_000)
                    });
                    batch.registrations.push(bulk::Registration {
                        activity: id,
                        person: p,
                        by: author,
                        at: starts_at - 7 * 86_400_000_000,
                        marked,
                    });
                }
                day = day.saturating_add(jiff::Span::new().days(7));
            }
        }
    }
}

/// Physiotherapy is planned as a weekly series (4 to 8 sessions at the same local time). Its
/// extra ids and length come from the first id's random bits, not from the generator, so the
/// rest of the data set is the same as without series.
fn weekly_series(batch: &mut Batch, tz: &TimeZone, first: Appointment) {
    let series = Series { id: first.id, repeat: Repeat::Weekly };
    let random = *first.id.0.as_bytes();
    let count = 4 + i64::from(random[15] % 5);
    let local = |micros: i64| Timestamp::from_microsecond(micros).map(|t| tz.to_datetime(t));
    let (Ok(starts), Ok(ends)) = (local(first.details.starts_at), local(first.details.ends_at)) else {
        batch.appointments.push(first);
        return;
    };
    for week in 0..count {
        let shift = jiff::Span::new().days(7 * week);
        let at = |dt: jiff::civil::DateTime| {
            dt.checked_add(shift).ok().and_then(|d| tz.to_timestamp(d).ok()).map(|t| t.as_microsecond())
        };
        let (Some(starts_at), Some(ends_at)) = (at(starts), at(ends)) else { continue };
        let id = if week == 0 {
            first.id
        } else {
            let mut bytes = [0u8; 10];
            bytes.copy_from_slice(&random[6..]);
            bytes[9] ^= week as u8;
            bytes[8] ^= 0x5a;
            AppointmentId(
                uuid::Builder::from_unix_timestamp_millis((first.created_at / 1000).max(0) as u64, &bytes).into_uuid(),
            )
        };
        batch.appointments.push(Appointment {
            id,
            details: AppointmentDetails { starts_at, ends_at, ..first.details.clone() },
            series: Some(series),
            ..first.clone()
        });
    }
}

#[allow(clippy::too_many_arguments)]
fn one_day(
    rng: &mut Rng,
    batch: &mut Batch,
    tz: &TimeZone,
    person: PersonId,
    stay: &Stay,
    kind: &Kind,
    writers: &[(AccountId, String)],
    day: Date,
    now: Timestamp,
) {
    let base = tz.to_timestamp(day.to_datetime(jiff::civil::Time::midnight())).map(|t| t.as_microsecond()).unwrap_or(0);
    // About two appointments a month, planned two weeks ahead (so the coming fortnight has some).
    if rng.below(15) == 0 {
        let (title, location, external, transport) = rng.pick(APPOINTMENTS);
        let start = base + (14 * 24 + 9 + rng.below(7) as i64) * 3_600_000_000;
        let (author, label) = writers[rng.below(writers.len() as u64) as usize].clone();
        let first = Appointment {
            id: AppointmentId(rng.uuid_at(base)),
            person_id: person,
            establishment_id: Some(stay.establishment_id),
            unit_id: stay.unit_id,
            details: AppointmentDetails {
                title: title.to_string(),
                location: Some(location.to_string()),
                starts_at: start,
                ends_at: start + 3_600_000_000,
                external,
                transport,
                escort: external.then(|| "Famille".to_string()),
            },
            created_by: Some(author),
            created_label: label,
            created_at: base,
            cancelled_at: None,
            series: None,
        };
        if title == "Kinésithérapie" {
            weekly_series(batch, tz, first);
        } else {
            batch.appointments.push(first);
        }
    }
    let notes_per_day = if kind.residential { 5 } else { 1 };
    let measures_per_week = if kind.residential { 3 } else { 1 };
    let now_us = now.as_microsecond();
    for _ in 0..notes_per_day {
        let at = base + rng.below(86_400_000_000) as i64;
        if at > now_us {
            continue;
        }
        let (author, label) = writers[rng.below(writers.len() as u64) as usize].clone();
        let category = Category::from_code(rng.pick(kind.notes)).unwrap_or(Category::NursingCare);
        let content = if category == Category::NursingCare && rng.chance(20) {
            let (t, d, a, r) = rng.pick(TARGETED);
            NoteContent {
                category,
                text: String::new(),
                target: Some(t.into()),
                data: Some(d.into()),
                action: Some(a.into()),
                result: Some(r.into()),
            }
        } else {
            let texts: Vec<&str> = NOTES.iter().filter(|(c, _)| *c == category.code()).map(|(_, t)| *t).collect();
            let text = if texts.is_empty() { rng.pick(NOTES).1 } else { rng.pick(&texts) };
            NoteContent { category, text: text.into(), target: None, data: None, action: None, result: None }
        };
        let id = NoteId(rng.uuid_at(at));
        // Some notes are brought to a colleague or to the care team.
        if rng.chance(3) {
            let mention = if rng.chance(50) {
                Mention::Colleague(writers[rng.below(writers.len() as u64) as usize].0)
            } else {
                Mention::Team(kind.care_profile)
            };
            batch.mentions.push((id, Some(stay.establishment_id), mention, at));
        }
        batch.notes.push(Note {
            id,
            person_id: person,
            establishment_id: Some(stay.establishment_id),
            unit_id: stay.unit_id,
            lineage_id: id,
            version: 1,
            is_current: true,
            // Falls and other targeted events are flagged for every colleague to read.
            importance: if content.target.is_some() { Importance::ToRead } else { Importance::Normal },
            content,
            correction_reason: None,
            author_id: author,
            author_label: label,
            recorded_at: at,
        });
    }
    if rng.below(7) < measures_per_week {
        let at = base + 7 * 3_600_000_000 + rng.below(3 * 3_600_000_000) as i64;
        if at <= now_us {
            let (author, label) = writers[rng.below(writers.len() as u64) as usize].clone();
            for kind in
                [VitalSign::BodyWeight, VitalSign::BloodPressure, VitalSign::HeartRate, VitalSign::BodyTemperature]
            {
                let (value, value2) = match kind {
                    VitalSign::BodyWeight => (45.0 + rng.below(500) as f64 / 10.0, None),
                    VitalSign::BloodPressure => (110.0 + rng.below(50) as f64, Some(60.0 + rng.below(30) as f64)),
                    VitalSign::HeartRate => (55.0 + rng.below(45) as f64, None),
                    _ => (36.0 + rng.below(20) as f64 / 10.0, None),
                };
                let id = ObservationId(rng.uuid_at(at));
                batch.observations.push(Observation {
                    id,
                    person_id: person,
                    lineage_id: id,
                    version: 1,
                    is_current: true,
                    kind,
                    value,
                    value2,
                    effective_at: at,
                    recorded_at: at,
                    author_kind: "account".into(),
                    author_id: Some(author.to_string()),
                    author_label: label.clone(),
                });
            }
            // One measure day in four also charts the day's drinks and an Algoplus score. Taken
            // from the last id's random bits, not from `rng`, so the rest of the set is unchanged.
            let bits = batch.observations.last().map(|o| o.id.0.as_u128()).unwrap_or_default();
            if bits.is_multiple_of(4) {
                let extra = [
                    (VitalSign::FluidIntake, 800.0 + ((bits >> 8) % 13) as f64 * 100.0),
                    (VitalSign::Algoplus, ((bits >> 16) % 8).min(5) as f64 * f64::from((bits >> 20).is_multiple_of(3))),
                ];
                for (i, (kind, value)) in extra.into_iter().enumerate() {
                    let id = ObservationId(uuid::Uuid::from_u128(bits ^ (i as u128 + 1)));
                    batch.observations.push(Observation {
                        id,
                        person_id: person,
                        lineage_id: id,
                        version: 1,
                        is_current: true,
                        kind,
                        value,
                        value2: None,
                        effective_at: at,
                        recorded_at: at,
                        author_kind: "account".into(),
                        author_id: Some(author.to_string()),
                        author_label: label.clone(),
                    });
                }
            }
        }
    }
}

#[derive(Default)]
struct Batch {
    persons: Vec<Person>,
    stays: Vec<Stay>,
    notes: Vec<Note>,
    observations: Vec<Observation>,
    appointments: Vec<Appointment>,
    mentions: Vec<(NoteId, Option<EstablishmentId>, Mention, i64)>,
    activities: Vec<Activity>,
    registrations: Vec<bulk::Registration>,
    assessments: Vec<relais_store::assessments::Assessment>,
    records: Records,
    notes_total: usize,
    observations_total: usize,
    appointments_total: usize,
    mentions_total: usize,
    activities_total: usize,
    registrations_total: usize,
}

impl Batch {
    fn rows(&self) -> usize {
        self.persons.len()
            + self.stays.len()
            + self.notes.len()
            + self.observations.len()
            + self.appointments.len()
            + self.mentions.len()
            + self.activities.len()
            + self.registrations.len()
            + self.assessments.len()
            + self.records.rows()
    }

    async fn flush(&mut self, store: &Store, org: OrganisationId) -> anyhow::Result<()> {
        let engine = store.engine();
        let mut tx = store.begin_write().await?;
        store.tune_for_bulk_load(&mut tx).await?;
        bulk::persons(&mut tx, engine, &self.persons).await?;
        bulk::stays(&mut tx, engine, org, &self.stays, jiff::Timestamp::now().as_microsecond()).await?;
        self.records.flush(&mut tx, engine, org).await?;
        bulk::notes(&mut tx, engine, org, &self.notes).await?;
        bulk::observations(&mut tx, engine, org, &self.observations).await?;
        bulk::appointments(&mut tx, engine, org, &self.appointments).await?;
        bulk::mentions(&mut tx, engine, org, &self.mentions).await?;
        bulk::activities(&mut tx, engine, org, &self.activities).await?;
        bulk::registrations(&mut tx, engine, &self.registrations).await?;
        bulk::assessments(&mut tx, engine, org, &self.assessments).await?;
        // A qualified identity was retrieved from INSi once: its accepted call is in the log.
        let mut calls = Vec::new();
        for p in &self.persons {
            let (Some(ins), Some(at)) = (&p.ins, p.ins_retrieved_at) else { continue };
            calls.push(relais_store::identities::InsiCall {
                id: relais_domain::ids::InsiCallId(uuid::Uuid::from_u128(p.id.0.as_u128() ^ 1)),
                person_id: Some(p.id),
                account_id: None,
                called_at: at,
                duration_micros: 180_000,
                attempts: 1,
                outcome: relais_store::identities::InsiOutcome::Found,
                code: "00".into(),
                label: "OK".into(),
                returned: Some(relais_store::identities::ReturnedIdentity {
                    ins: ins.clone(),
                    history: vec![],
                    traits: p.traits.clone(),
                }),
                consistent: Some(true),
                decision: Some(relais_store::identities::InsiDecision::Accepted),
                decided_by: None,
                decided_at: Some(at),
            });
        }
        relais_store::identities::insert_insi_calls(&mut tx, org, &calls).await?;
        tx.commit().await?;
        self.mentions_total += self.mentions.len();
        self.activities_total += self.activities.len();
        self.registrations_total += self.registrations.len();
        self.mentions.clear();
        self.activities.clear();
        self.registrations.clear();
        self.assessments.clear();
        self.notes_total += self.notes.len();
        self.observations_total += self.observations.len();
        self.appointments_total += self.appointments.len();
        self.appointments.clear();
        self.persons.clear();
        self.stays.clear();
        self.notes.clear();
        self.observations.clear();
        Ok(())
    }
}

async fn database_size(store: &Store, url: &str) -> anyhow::Result<u64> {
    Ok(match store.engine() {
        Engine::Sqlite => {
            let path = url.trim_start_matches("sqlite://").trim_start_matches("sqlite:");
            let path = path.split('?').next().unwrap_or(path);
            ["", "-wal"].iter().filter_map(|s| std::fs::metadata(format!("{path}{s}")).ok()).map(|m| m.len()).sum()
        }
        Engine::Postgres => {
            let row = sqlx::query("SELECT pg_database_size(current_database())").fetch_one(store.pool()).await?;
            sqlx::Row::try_get::<i64, _>(&row, 0)? as u64
        }
    })
}

/// A Braden or MNA evaluation of a nursing-home resident at admission: each item's answer drawn
/// from the person id's random bits (as for AGGIR), scored by the grid's definition.
fn grid_at_admission(
    person: PersonId,
    establishment: EstablishmentId,
    stay: &Stay,
    author: Option<(AccountId, String)>,
    created: i64,
    code: &str,
    n: usize,
) -> anyhow::Result<relais_store::assessments::Assessment> {
    use relais_domain::instrument::{self, AnswerType};
    let d = instrument::find(code)?.ok_or_else(|| anyhow::anyhow!("grid {code} not shipped"))?;
    let mut bits = person.0.as_u128().rotate_right(17 + 11 * n as u32);
    let mut typed = Vec::new();
    for (_, item) in d.items() {
        let answer = match &item.answer {
            AnswerType::Choice { options } => options[(bits % options.len() as u128) as usize].code.clone(),
            AnswerType::YesNo { .. } => if bits.is_multiple_of(2) { "yes" } else { "no" }.to_string(),
            AnswerType::Integer { .. } | AnswerType::Text { .. } => continue,
        };
        bits = bits.rotate_right(3);
        typed.push((item.code.clone(), answer));
    }
    let answers = d.read(&typed).map_err(|e| anyhow::anyhow!("generated {code} answers refused: {e:?}"))?;
    let outcome = d.outcome(&answers);
    let headline = outcome.headline();
    let (author_id, author_label) = match author {
        Some((id, label)) => (Some(id), label),
        None => (None, "Import".to_string()),
    };
    Ok(relais_store::assessments::Assessment {
        id: AssessmentId(uuid::Uuid::from_u128(person.0.as_u128() ^ (3 + n as u128))),
        person_id: person,
        establishment_id: Some(establishment),
        instrument: d.code.clone(),
        assessed_on: stay.start,
        answers: d.encode(&answers),
        score: headline.map(|r| r.score),
        result: headline.and_then(|r| i64::try_from(r.band_index).ok()),
        definition_version: Some(i64::from(d.version)),
        comment: String::new(),
        author_id,
        author_label,
        recorded_at: created,
    })
}

/// The AGGIR evaluation of a nursing-home resident at admission (or when the records were
/// imported): modalities drawn from the person id's random bits, not from the generator's
/// stream, so the rest of the data set is unchanged. Residents lean to dependence, as in EHPAD.
fn aggir_at_admission(
    person: PersonId,
    establishment: EstablishmentId,
    stay: &Stay,
    author: Option<(AccountId, String)>,
    created: i64,
) -> relais_store::assessments::Assessment {
    let grid = relais_domain::aggir::sample_grid(person.0.as_u128() >> 7);
    let ranking = grid.ranking().ok();
    let (author_id, author_label) = match author {
        Some((id, label)) => (Some(id), label),
        None => (None, "Import".to_string()),
    };
    relais_store::assessments::Assessment {
        id: AssessmentId(uuid::Uuid::from_u128(person.0.as_u128() ^ 2)),
        person_id: person,
        establishment_id: Some(establishment),
        instrument: relais_store::assessments::AGGIR.to_string(),
        assessed_on: stay.start,
        answers: grid.encode(),
        score: ranking.map(|r| i64::from(r.rank.get())),
        result: ranking.map(|r| i64::from(r.gir.get())),
        definition_version: None,
        comment: String::new(),
        author_id,
        author_label,
        recorded_at: created,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The records of a person in a disability establishment: an MDPH orientation, and for a
    /// child a parent as legal representative who decides the consents; the same for a seed.
    #[test]
    fn a_child_of_an_ime_has_its_mdph_notification_and_a_representative() {
        let kinds = group76();
        let ime = kinds.iter().find(|k| k.label == "IME").expect("IME");
        let today = jiff::civil::date(2026, 11, 26);
        let org = OrganisationId::generate();
        let e = EstablishmentId::generate();
        let author = (AccountId::generate(), "Claire Secrétaire".to_string());
        let make = |seed: u64| {
            let mut rng = Rng::new(seed);
            let mut out = Records::default();
            let (person, _, nss) = make_person(&mut rng, org, e, ime, 0, today).expect("person");
            let stay = Stay {
                id: StayId(rng.uuid_at(0)),
                person_id: person.id,
                establishment_id: e,
                unit_id: None,
                mode: ime.mode,
                start: jiff::civil::date(2025, 9, 1),
                end: None,
                discharge_reason: None,
                transferred_from: None,
            };
            let subject = Subject {
                person: &person,
                stay: &stay,
                sector: ime.sector,
                nss: &nss,
                current: true,
                author: Some(&author),
                referent: Some(&author),
                created: 0,
                today,
            };
            records::person_records(&mut rng, &mut out, org, &subject);
            (person, out)
        };
        let (seed, (person, out)) = (1..50)
            .map(|seed| (seed, make(seed)))
            .find(|(_, (p, _))| p.traits.birth_date.year() > today.year() - 18)
            .expect("a minor among the first seeds");
        assert!(person.traits.birth_date.year() >= 2006, "an IME supports children and young adults");
        assert_eq!(out.mdph.len(), 1);
        assert_eq!(out.coverages.len(), 1);
        assert!(out.coverages[0].nss.is_some(), "the NSS is the person's NIR");
        assert_eq!(out.consents.len(), 2);
        assert_eq!(out.plans.len(), 1, "a day-care pupil has a projet personnalisé");
        let objectives = out.plans[0].content.objectives.len();
        assert!((2..=3).contains(&objectives));
        let representative =
            out.contacts.iter().find(|c| c.roles.contains(&relais_domain::relative::RelationKind::LegalRepresentative));
        let representative = representative.expect("a minor has a legal representative");
        assert!(out.consents.iter().all(|k| k.by_contact == Some(representative.lineage_id)));
        let (_, again) = make(seed);
        assert_eq!(
            again.contacts.iter().map(|c| c.id).collect::<Vec<_>>(),
            out.contacts.iter().map(|c| c.id).collect::<Vec<_>>()
        );
    }

    async fn count(store: &relais_store::Store, table: &str) -> i64 {
        let sql = format!("SELECT COUNT(*) FROM {table}");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_one(store.pool()).await.expect("count");
        sqlx::Row::try_get::<i64, _>(&row, 0).expect("count")
    }

    /// The small data set holds every kind of record, the same for the same seed.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_small_data_set_has_every_kind_of_record() {
        let dir = tempfile::tempdir().expect("dir");
        let mut counts = Vec::new();
        for name in ["a", "b"] {
            let url = format!("sqlite://{}", dir.path().join(format!("{name}.db")).display());
            let manifest = dir.path().join(format!("{name}.json"));
            run("small", 1, 42, &url, &manifest).await.expect("generate");
            let store = relais_store::Store::connect(&url, false, 1).await.expect("open");
            let mut these = Vec::new();
            for table in [
                "social_coverage",
                "social_benefit",
                "person_contact",
                "legal_protection",
                "person_consent",
                "support_plan",
                "support_plan_version",
                "support_plan_objective",
                "admission_request",
                "admission_status_change",
            ] {
                let n = count(&store, table).await;
                assert!(n > 0, "{table} is filled");
                these.push((table, n));
            }
            let current = count(&store, "stay WHERE end_date IS NULL").await;
            assert_eq!(these[0].1, current, "one cover per current person");
            assert!(these[2].1 >= current && these[2].1 <= 3 * current, "one to three relatives per person");
            assert_eq!(these[4].1, 2 * current, "data sharing and DMP consents");
            let objectives = these[7].1;
            assert!(objectives >= 2 * these[5].1 && objectives <= 3 * these[5].1, "two or three objectives a plan");
            let trusted = count(&store, "person_contact WHERE trusted_since IS NOT NULL AND trusted_since <> ''").await;
            assert!(trusted > 0 && trusted <= current, "a personne de confiance for some, one at most each");
            counts.push(these);
            store.close().await;
        }
        assert_eq!(counts[0], counts[1], "the same records for the same seed");
    }
}
