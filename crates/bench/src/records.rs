//! The administrative and social records of the data set: cover, benefits and MDPH
//! notifications, relatives with the personne de confiance and legal protection, consents,
//! projets personnalisés, and admission requests on the waiting lists.
//!
//! They draw from their own random generator, so that the rest of the data set stays as it was
//! for a seed.

use crate::generate::Rng;
use jiff::Span;
use jiff::civil::Date;
use relais_domain::adminfile::{BenefitKind, Cents, MdphDecision, Nss, Periodicity, StateCover};
use relais_domain::admission::{AdmissionSource, AdmissionStatus, Priority};
use relais_domain::ids::*;
use relais_domain::relative::{
    ConsentPurpose, ConsentStatus, Measure, ProtectionScope, RelationKind, Relationship, Sharing,
};
use relais_domain::stay::StayMode;
use relais_domain::support_plan::{Action, Objective, Performer, PlanContent, PlanStatus, Professional};
use relais_store::adminfile::{Benefit, Coverage, MdphNotification, Recorded};
use relais_store::admissions::{AdmissionRequest, StatusChange};
use relais_store::persons::{Person, Stay};
use relais_store::relatives::{Consent, Protection, Relative};
use relais_store::{Conn, Engine, bulk};

/// The records waiting for the next commit, and how many of each were written.
#[derive(Default)]
pub struct Records {
    pub coverages: Vec<Coverage>,
    pub benefits: Vec<Benefit>,
    pub mdph: Vec<MdphNotification>,
    pub contacts: Vec<Relative>,
    pub protections: Vec<Protection>,
    pub consents: Vec<Consent>,
    pub plans: Vec<bulk::PlanRow>,
    pub admissions: Vec<bulk::AdmissionRow>,
    pub totals: Totals,
}

#[derive(Default, Clone, Copy, Debug, serde::Serialize)]
pub struct Totals {
    pub coverages: usize,
    pub benefits: usize,
    pub mdph_notifications: usize,
    pub contacts: usize,
    pub protections: usize,
    pub consents: usize,
    pub support_plans: usize,
    pub admission_requests: usize,
}

impl Records {
    pub fn rows(&self) -> usize {
        self.coverages.len()
            + self.benefits.len()
            + self.mdph.len()
            + self.contacts.len()
            + self.protections.len()
            + self.consents.len()
            + self.plans.len() * 6
            + self.admissions.len() * 3
    }

    /// Writes what is waiting in the caller's transaction (after the persons it refers to).
    pub async fn flush(&mut self, tx: &mut Conn, engine: Engine, org: OrganisationId) -> relais_store::Result<()> {
        bulk::coverages(tx, engine, &self.coverages).await?;
        bulk::benefits(tx, engine, &self.benefits).await?;
        bulk::mdph_notifications(tx, engine, &self.mdph).await?;
        bulk::contacts(tx, engine, org, &self.contacts).await?;
        bulk::protections(tx, engine, org, &self.protections).await?;
        bulk::consents(tx, engine, org, &self.consents).await?;
        bulk::support_plans(tx, engine, &self.plans).await?;
        bulk::admission_requests(tx, engine, &self.admissions).await?;
        let t = &mut self.totals;
        t.coverages += self.coverages.len();
        t.benefits += self.benefits.len();
        t.mdph_notifications += self.mdph.len();
        t.contacts += self.contacts.len();
        t.protections += self.protections.len();
        t.consents += self.consents.len();
        t.support_plans += self.plans.len();
        t.admission_requests += self.admissions.len();
        self.coverages.clear();
        self.benefits.clear();
        self.mdph.clear();
        self.contacts.clear();
        self.protections.clear();
        self.consents.clear();
        self.plans.clear();
        self.admissions.clear();
        Ok(())
    }
}

/// Who a record is written by: the establishment's secretary or lead professional.
pub type Author = (AccountId, String);

/// One person of the data set with what their records need.
pub struct Subject<'a> {
    pub person: &'a Person,
    pub stay: &'a Stay,
    pub sector: &'a str,
    /// The person's NIR with its key (their social security number).
    pub nss: &'a str,
    pub current: bool,
    pub author: Option<&'a Author>,
    /// The lead professional, referent of the plan's objectives.
    pub referent: Option<&'a Author>,
    /// When the records were imported (µs): the day before the history window.
    pub created: i64,
    pub today: Date,
}

const FUNDS: &[(&str, &str)] = &[
    ("CPAM du Puy-de-Dôme", "631"),
    ("CPAM de la Seine-Maritime", "761"),
    ("MSA Auvergne", "632"),
    ("CPAM de Paris", "751"),
];
const MUTUELLES: &[&str] = &["Harmonie Mutuelle", "MGEN", "Mutuelle Générale", "Malakoff Humanis", "Groupama"];
const FAMILY: &[&str] = &["DURAND", "MARTIN", "BERNARD", "PETIT", "ROUX", "FAURE", "GIRARD", "LEFEBVRE"];
const GIVEN: &[&str] = &["Marie", "Sophie", "Pierre", "Jean", "Claire", "Luc", "Anne", "Paul"];

fn days(d: Date, n: i64) -> Date {
    d.checked_add(Span::new().days(n)).unwrap_or(d)
}

fn phone(rng: &mut Rng) -> String {
    format!("06{:08}", rng.below(100_000_000))
}

/// Cover, benefits, MDPH notification, relatives, protection, consents and, for a current
/// resident, the projet personnalisé.
pub fn person_records(rng: &mut Rng, out: &mut Records, org: OrganisationId, s: &Subject) {
    let p = s.person;
    let recorded = |at: i64| Recorded {
        by: s.author.map(|a| a.0),
        label: s.author.map(|a| a.1.clone()).unwrap_or_else(|| "Import".into()),
        at,
    };
    let label = s.author.map(|a| a.1.clone()).unwrap_or_else(|| "Import".into());
    let (fund_name, fund_code) = rng.pick(FUNDS);
    let css = rng.chance(10);
    let complementary = !css && rng.chance(75);
    out.coverages.push(Coverage {
        id: CoverageId(rng.uuid_at(s.created)),
        organisation_id: org,
        person_id: p.id,
        nss: Nss::parse(s.nss).ok(),
        insured: None,
        fund_name: fund_name.into(),
        fund_code: fund_code.into(),
        complementary_name: if complementary { rng.pick(MUTUELLES).into() } else { String::new() },
        complementary_contract: if complementary {
            format!("{:010}", rng.below(10_000_000_000))
        } else {
            String::new()
        },
        complementary_from: complementary.then_some(s.stay.start),
        complementary_until: None,
        state_cover: if css { StateCover::Css } else { StateCover::None },
        state_cover_from: css.then(|| days(s.today, -(rng.below(300) as i64))),
        state_cover_until: css.then(|| days(s.today, 20 + rng.below(300) as i64)),
        recorded: recorded(s.created),
    });

    // One or two benefits by sector, their amounts in cents; some end within the warning window.
    let benefits: &[(BenefitKind, Periodicity, i64, i64)] = match s.sector {
        "elderly" | "home" => &[
            (BenefitKind::Apa, Periodicity::Monthly, 20_000, 90_000),
            (BenefitKind::Ash, Periodicity::Monthly, 50_000, 150_000),
        ],
        "disability" => &[
            (BenefitKind::Aah, Periodicity::Monthly, 97_137, 97_137),
            (BenefitKind::Pch, Periodicity::Monthly, 30_000, 120_000),
        ],
        _ => &[],
    };
    for (i, (kind, periodicity, low, high)) in benefits.iter().enumerate() {
        if !rng.chance(if i == 0 { 80 } else { 25 }) {
            continue;
        }
        let start = days(s.stay.start, -(rng.below(60) as i64));
        let expires = if rng.chance(15) {
            days(s.today, rng.below(60) as i64)
        } else {
            days(start, 365 * (2 + rng.below(4) as i64))
        };
        out.benefits.push(Benefit {
            id: BenefitId(rng.uuid_at(s.created)),
            organisation_id: org,
            person_id: p.id,
            kind: *kind,
            label: String::new(),
            decision_date: Some(days(start, -30)),
            amount: Cents(low + rng.below((high - low + 1) as u64) as i64),
            periodicity: *periodicity,
            start,
            expires: Some(expires),
            recorded: recorded(s.created),
        });
    }
    if s.sector == "disability" {
        let valid_from = days(s.stay.start, -(30 + rng.below(300) as i64));
        out.mdph.push(MdphNotification {
            id: MdphNotificationId(rng.uuid_at(s.created)),
            organisation_id: org,
            person_id: p.id,
            decision: MdphDecision::OrientationEsms,
            number: format!("{}-{:05}", valid_from.year(), rng.below(100_000)),
            valid_from,
            valid_until: Some(days(valid_from, 365 * 5)),
            recorded: recorded(s.created),
        });
    }

    // Relatives: one to three, the first possibly the personne de confiance.
    let minor = s.sector == "child_protection" || p.traits.birth_date.year() > s.today.year() - 18;
    let n = 1 + rng.below(3) as usize;
    let mut representative = None;
    let protected = !minor && rng.chance(if s.sector == "disability" { 30 } else { 8 });
    for i in 0..n {
        let id = RelativeId(rng.uuid_at(s.created));
        let relationship = if minor {
            Relationship::Parent
        } else if s.sector == "elderly" || s.sector == "home" {
            rng.pick(&[
                Relationship::Child,
                Relationship::Child,
                Relationship::Spouse,
                Relationship::Grandchild,
                Relationship::NieceNephew,
            ])
        } else {
            rng.pick(&[Relationship::Parent, Relationship::Sibling, Relationship::Friend])
        };
        let mut roles = vec![RelationKind::Family];
        let trusted = i == 0 && !minor && rng.chance(60);
        if trusted {
            roles.push(RelationKind::Trusted);
        }
        if i == 0 && (minor || protected) {
            roles.push(RelationKind::LegalRepresentative);
            representative = Some(id);
        }
        if rng.chance(40) {
            roles.push(RelationKind::Emergency);
        }
        out.contacts.push(Relative {
            id,
            lineage_id: id,
            version: 1,
            is_current: true,
            person_id: p.id,
            family_name: if i == 0 { p.traits.birth_name.clone() } else { rng.pick(FAMILY).into() },
            given_name: rng.pick(GIVEN).into(),
            relationship,
            roles,
            sharing: vec![Sharing::Health, Sharing::Administrative],
            phone: phone(rng),
            phone2: String::new(),
            email: String::new(),
            address: String::new(),
            organisation_name: String::new(),
            trusted_since: trusted.then_some(s.stay.start),
            trusted_until: None,
            comment: String::new(),
            change_reason: "création".into(),
            author_label: label.clone(),
            recorded_at: s.created,
        });
    }
    if protected {
        let by_family = representative.is_some() && rng.chance(50);
        out.protections.push(Protection {
            id: ProtectionId(rng.uuid_at(s.created)),
            person_id: p.id,
            measure: if rng.chance(50) { Measure::CuratelleRenforcee } else { Measure::Tutelle },
            scope: ProtectionScope::Both,
            start_on: days(s.stay.start, -(rng.below(2000) as i64)),
            end_on: None,
            review_on: Some(days(s.today, 30 + rng.below(1500) as i64)),
            protector_contact: if by_family { representative } else { None },
            mandatary_name: if by_family { String::new() } else { format!("{} {}", rng.pick(GIVEN), rng.pick(FAMILY)) },
            mandatary_organisation: if by_family { String::new() } else { "UDAF".into() },
            court_reference: format!("RG {}/{:05}", s.stay.start.year() % 100, rng.below(100_000)),
            author_label: label.clone(),
            recorded_at: s.created,
        });
    }
    // Consents to data sharing with partners and to the DMP, decided at admission.
    for purpose in [ConsentPurpose::PartnerSharing, ConsentPurpose::DmpFeeding] {
        let by_contact = if minor || protected { representative } else { None };
        out.consents.push(Consent {
            id: ConsentId(rng.uuid_at(s.created)),
            person_id: p.id,
            purpose,
            purpose_text: String::new(),
            status: if rng.chance(85) { ConsentStatus::Given } else { ConsentStatus::Refused },
            decided_on: s.stay.start.max(p.traits.birth_date.earliest()),
            by_contact,
            needs_review: protected && by_contact.is_none(),
            document_id: None,
            comment: String::new(),
            author_label: label.clone(),
            recorded_at: s.created,
        });
    }
    if s.current && s.stay.mode != StayMode::Home {
        out.plans.push(plan(rng, org, s, &label));
    }
}

const OBJECTIVES: &[(&str, &str, &str)] = &[
    ("Maintenir la marche", "Deux sorties accompagnées par semaine", "Accompagner à la promenade"),
    ("Retrouver un appétit régulier", "Poids stable sur trois mois", "Proposer une collation l'après-midi"),
    ("Participer à la vie collective", "Une activité par semaine", "Inviter aux ateliers"),
    ("Garder le lien avec la famille", "Un appel par semaine", "Organiser les appels vidéo"),
    ("Gagner en autonomie pour la toilette", "Toilette du haut du corps seule", "Guider sans faire à la place"),
];

/// A plan written after admission: a draft for one in five, validated and in progress for the
/// others, with two or three objectives whose referent is the author.
fn plan(rng: &mut Rng, org: OrganisationId, s: &Subject, label: &str) -> bulk::PlanRow {
    let at = s.created;
    let in_progress = rng.chance(80);
    let count = 2 + rng.below(2) as usize;
    let first = rng.below(OBJECTIVES.len() as u64) as usize;
    let objectives = (0..count)
        .map(|k| {
            let (title, indicators, action) = OBJECTIVES[(first + k) % OBJECTIVES.len()];
            Objective {
                id: ObjectiveId(rng.uuid_at(at)),
                title: title.into(),
                referent: s.referent.map(|a| Professional { account: a.0, name: a.1.clone() }),
                deadline: Some(days(s.today, 30 + rng.below(300) as i64)),
                indicators: indicators.into(),
                actions: vec![Action {
                    id: rng.uuid_at(at),
                    performer: Performer::Profile { profile: "care_aide".into() },
                    what: action.into(),
                    frequency: "chaque semaine".into(),
                }],
            }
        })
        .collect();
    // Some reviews are overdue, as in a real organisation.
    let review_due = Some(days(s.today, rng.below(420) as i64 - 60));
    let content = PlanContent {
        person_expectations: "Rester le plus autonome possible".into(),
        relatives_expectations: if rng.chance(50) { "Qu'elle garde le moral".into() } else { String::new() },
        needs: "Aide à la toilette\nAccompagnement aux activités".into(),
        review_due,
        objectives,
        ..Default::default()
    };
    let status = if in_progress { PlanStatus::InProgress } else { PlanStatus::Draft };
    let plan = relais_store::support_plans::SupportPlan {
        id: SupportPlanId(rng.uuid_at(at)),
        organisation_id: org,
        person_id: s.person.id,
        establishment_id: Some(s.stay.establishment_id),
        status,
        current_version: 1,
        review_due,
        created_by: s.author.map(|a| a.0),
        created_label: label.to_string(),
        created_at: at,
        updated_at: at,
    };
    let mut changes = vec![(rng.uuid_at(at), None, PlanStatus::Draft, at)];
    if in_progress {
        changes.push((rng.uuid_at(at + 1), Some(PlanStatus::Draft), PlanStatus::Validated, at + 1));
        changes.push((rng.uuid_at(at + 2), Some(PlanStatus::Validated), PlanStatus::InProgress, at + 2));
    }
    bulk::PlanRow {
        plan,
        content,
        version_id: rng.uuid_at(at),
        validated: in_progress.then(|| (label.to_string(), at + 1)),
        changes,
    }
}

/// An admission request of a person waiting for a place, with its history up to `status`.
pub fn admission_request(
    rng: &mut Rng,
    org: OrganisationId,
    person: &Person,
    (establishment, unit, mode): (EstablishmentId, Option<UnitId>, StayMode),
    sector: &str,
    author: Option<&Author>,
    (created, today): (i64, Date),
) -> bulk::AdmissionRow {
    let received_on = days(today, -(rng.below(200) as i64));
    let status = rng.pick(&[
        AdmissionStatus::Received,
        AdmissionStatus::Received,
        AdmissionStatus::UnderReview,
        AdmissionStatus::UnderReview,
        AdmissionStatus::VisitPlanned,
        AdmissionStatus::Accepted,
        AdmissionStatus::Refused,
        AdmissionStatus::Withdrawn,
    ]);
    let source = if sector == "disability" {
        AdmissionSource::Mdph {
            number: format!("{}-{:05}", received_on.year(), rng.below(100_000)),
            valid_until: days(received_on, 365 * 5),
        }
    } else if sector == "elderly" {
        AdmissionSource::ViaTrajectoire { file_number: format!("VT{:08}", rng.below(100_000_000)) }
    } else {
        AdmissionSource::Direct
    };
    let label = author.map(|a| a.1.clone()).unwrap_or_else(|| "Import".into());
    let request = AdmissionRequest {
        id: AdmissionRequestId(rng.uuid_at(created)),
        organisation_id: org,
        person_id: person.id,
        establishment_id: establishment,
        unit_id: unit,
        mode,
        source,
        received_on,
        priority: if rng.chance(15) { Priority::Urgent } else { Priority::Normal },
        documents: "Dossier de demande, certificat médical".into(),
        status,
        stay_id: None,
        created_by: author.map(|a| a.0),
        created_label: label.clone(),
        created_at: created,
        updated_at: created,
    };
    // The path to the status: received, then studied, then the visit, then the decision.
    let path: &[AdmissionStatus] = match status {
        AdmissionStatus::Received => &[AdmissionStatus::Received],
        AdmissionStatus::UnderReview => &[AdmissionStatus::Received, AdmissionStatus::UnderReview],
        AdmissionStatus::VisitPlanned => {
            &[AdmissionStatus::Received, AdmissionStatus::UnderReview, AdmissionStatus::VisitPlanned]
        }
        AdmissionStatus::Withdrawn => &[AdmissionStatus::Received, AdmissionStatus::Withdrawn],
        other => &[AdmissionStatus::Received, AdmissionStatus::UnderReview, AdmissionStatus::VisitPlanned, other],
    };
    let changes = path
        .iter()
        .enumerate()
        .map(|(i, to)| {
            let comment = match to {
                AdmissionStatus::Refused => "Pas de place adaptée à ses besoins",
                AdmissionStatus::Withdrawn => "La famille a trouvé une autre solution",
                _ => "",
            };
            let change = StatusChange {
                from: i.checked_sub(1).map(|j| path[j]),
                to: *to,
                comment: comment.into(),
                author_id: author.map(|a| a.0),
                author_label: label.clone(),
                changed_at: created + i as i64,
            };
            (rng.uuid_at(created + i as i64), change)
        })
        .collect();
    bulk::AdmissionRow { request, changes }
}
