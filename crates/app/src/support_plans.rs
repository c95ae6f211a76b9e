//! Support plans (projets personnalisés): drafted, validated, carried out and reviewed with the person, versioned, every read and write audited.
//!
//! Access follows `relais_domain::support_plan`: read with the educational category, written
//! by those who write educational, social or nursing-care data.

use crate::persons::{decision, enforce, refuse_writes_to_alias};
use crate::{Actor, App, AppError, Principal, Result};
use relais_domain::DomainError;
use relais_domain::access::{Decision, PersonAction, Profile};
use relais_domain::ids::*;
use relais_domain::scope::Access;
use relais_domain::support_plan::{
    self as rules, Agreement, Evaluation, Meeting, Objective, Outcome, Performer, PlanContent, PlanStatus, Professional,
};
use relais_store::notes::Note;
use relais_store::persons::{Person, Stay};
use relais_store::support_plans::{self, PlanStatusChange, PlanVersion, SupportPlan};
use relais_store::{Conn, StoreError, audit};

/// The FHIR resource whose scope covers plans (and their Goals) for API clients.
pub const FHIR_RESOURCE: &str = "CarePlan";

/// A plan with all its versions, as one person may see it.
#[derive(Debug, Clone)]
pub struct PlanFile {
    pub plan: SupportPlan,
    pub person: Person,
    /// Every version, oldest first.
    pub versions: Vec<PlanVersion>,
    /// The index in `versions` of the one asked for (the current one by default).
    pub shown: usize,
    pub history: Vec<PlanStatusChange>,
    pub may_write: bool,
    /// The statuses the plan may move to (empty when the actor may not write).
    pub next: Vec<PlanStatus>,
    pub overdue: bool,
    /// Who may be named referent or performer: (account, name), from the plan's establishment.
    pub colleagues: Vec<(AccountId, String)>,
}

impl PlanFile {
    pub fn shown(&self) -> &PlanVersion {
        &self.versions[self.shown]
    }
    pub fn current(&self) -> &PlanVersion {
        &self.versions[self.versions.len() - 1]
    }
    /// The version a review evaluates: the one before the working version under review.
    pub fn reviewed(&self) -> Option<&PlanVersion> {
        (self.plan.status == PlanStatus::UnderReview && self.versions.len() >= 2)
            .then(|| &self.versions[self.versions.len() - 2])
    }
    /// Is the shown version the one that may still change?
    pub fn shown_is_working(&self) -> bool {
        self.may_write && self.plan.status.is_editable() && self.shown + 1 == self.versions.len()
    }
}

/// A plan for the FHIR API: the plan and every version (the last is the current one).
#[derive(Debug, Clone)]
pub struct FhirPlan {
    pub plan: SupportPlan,
    pub versions: Vec<PlanVersion>,
}

impl FhirPlan {
    pub fn current(&self) -> Option<&PlanVersion> {
        self.versions.last()
    }
    /// The latest evaluation of an objective, in any version.
    pub fn evaluation(&self, objective: ObjectiveId) -> Option<&Evaluation> {
        self.versions.iter().rev().find_map(|v| v.content.evaluation(objective))
    }
}

/// The person page's summary of their plan.
#[derive(Debug, Clone)]
pub struct PlanSummary {
    /// The latest plan, if any.
    pub plan: Option<(SupportPlan, bool)>,
    pub may_write: bool,
    /// Objectives of a running plan a note may be tied to: (id, title).
    pub objectives: Vec<(ObjectiveId, String)>,
    /// Other plans not closed: one plan at a time is the rule, so this happens only when two
    /// records were merged, and the page asks to close one.
    pub others_open: Vec<SupportPlan>,
}

/// A printed plan.
#[derive(Debug, Clone)]
pub struct PlanPrint {
    pub pdf: Vec<u8>,
    /// ASCII only: it goes into a Content-Disposition header.
    pub file_name: String,
}

fn french(d: jiff::civil::Date) -> String {
    d.strftime("%d/%m/%Y").to_string()
}

/// The grid evaluations added to the plan as needs (`None`) or under an objective, as printed.
fn grid_results(content: &PlanContent, objective: Option<ObjectiveId>) -> Vec<String> {
    content
        .assessments_of(objective)
        .map(|l| format!("{} (évaluation du {})", l.summary, french(l.assessed_on)))
        .collect()
}

/// The data the plan's template receives (`crates/pdf/templates/support_plan.typ`), every value
/// already in French. An objective's evaluation is its latest, from whichever review made it.
/// `validated_on` is the day the current version was validated, if it was.
pub fn print_data(
    file: &PlanFile,
    establishment: Option<&str>,
    validated_on: Option<jiff::civil::Date>,
    today: jiff::civil::Date,
    printed_by: &str,
) -> serde_json::Value {
    use serde_json::json;
    let person = &file.person;
    let t = &person.traits;
    let ins = person
        .ins
        .as_ref()
        .filter(|_| person.status.may_emit_ins())
        .map(|i| format!("{} ({})", i.matricule.as_str(), i.authority.type_code()));
    let name = format!("{} {}", t.birth_name.to_uppercase(), t.first_first_name());
    let used_name = person.used.used_name.as_ref().filter(|u| **u != t.birth_name).map(|u| u.to_uppercase());
    let current = file.current();
    let content = &current.content;
    let mut expectations = vec![];
    if !content.person_expectations.trim().is_empty() {
        expectations.push(json!({ "from": "La personne", "easy_from": null, "text": content.person_expectations }));
    }
    if !content.relatives_expectations.trim().is_empty() {
        expectations
            .push(json!({ "from": "Ses proches", "easy_from": "Mes proches", "text": content.relatives_expectations }));
    }
    let objectives: Vec<serde_json::Value> = content
        .objectives
        .iter()
        .map(|o| {
            let evaluation = file.versions.iter().rev().find_map(|v| v.content.evaluation(o.id)).map(|e| {
                if e.comment.trim().is_empty() {
                    e.outcome.label().to_string()
                } else {
                    format!("{} — {}", e.outcome.label(), e.comment)
                }
            });
            json!({
                "title": o.title,
                "referent": o.referent.as_ref().map(|r| r.name.clone()).unwrap_or_else(|| "à désigner".into()),
                "deadline": o.deadline.map(french).unwrap_or_else(|| "non fixée".into()),
                "indicators": (!o.indicators.trim().is_empty()).then(|| o.indicators.clone()),
                "actions": o.actions.iter().map(|a| {
                    let mut line = format!("{} : {}", a.performer.label(), a.what);
                    if !a.frequency.trim().is_empty() {
                        line.push_str(&format!(" ({})", a.frequency));
                    }
                    line
                }).collect::<Vec<_>>(),
                "evaluation": evaluation,
                "assessments": grid_results(content, Some(o.id)),
            })
        })
        .collect();
    let meetings: Vec<serde_json::Value> = content
        .meetings
        .iter()
        .map(|m| {
            let mut participants: Vec<String> = vec![];
            if m.person_present {
                participants.push("la personne".into());
            }
            participants.extend(
                [&m.professionals, &m.relatives].iter().filter(|x| !x.trim().is_empty()).map(|x| x.to_string()),
            );
            json!({ "date": french(m.held_on), "participants": participants, "summary": m.notes })
        })
        .collect();
    let agreement = match &content.agreement {
        Some(a) => json!({
            "status": a.kind.label(),
            "date": french(a.given_on),
            "by": a.recorded_by,
            "comment": (!a.comment.trim().is_empty()).then(|| a.comment.clone()),
        }),
        None => json!({ "status": "Accord non encore recueilli", "date": null, "by": null, "comment": null }),
    };
    json!({
        "person": {
            "name": name,
            "used_name": used_name,
            "birth_date": t.birth_date.to_string(),
            "sex": t.sex.label(),
            "ins": ins,
        },
        "establishment": establishment.unwrap_or(""),
        "status": file.plan.status.label(),
        "version": current.version,
        "period": { "start": validated_on.map(french), "end": content.review_due.map(french) },
        "expectations": expectations,
        "needs": (!content.needs.trim().is_empty()).then(|| content.needs.clone()),
        "assessed_needs": grid_results(content, None),
        "objectives": objectives,
        "meetings": meetings,
        "agreement": agreement,
        "printed_on": french(today),
        "printed_by": printed_by,
    })
}

/// An objective with what the record says of it.
#[derive(Debug, Clone)]
pub struct ObjectiveFile {
    pub plan: SupportPlan,
    pub person: Person,
    pub objective: Objective,
    /// The version the objective is read from (the latest that has it).
    pub version: i64,
    /// Its evaluations at each review: (version that holds the evaluation, evaluation).
    pub evaluations: Vec<(i64, Evaluation)>,
    /// The notes tied to it the actor may read, newest first.
    pub notes: Vec<Note>,
}

/// The expectations, needs and review date as typed.
#[derive(Debug, Clone, Default)]
pub struct PlanDetailsInput {
    pub person_expectations: String,
    pub relatives_expectations: String,
    pub needs: String,
    pub review_due: String,
}

#[derive(Debug, Clone, Default)]
pub struct ObjectiveInput {
    pub title: String,
    /// An account id, or empty.
    pub referent: String,
    pub deadline: String,
    pub indicators: String,
}

#[derive(Debug, Clone, Default)]
pub struct ActionInput {
    /// `profile:<code>` or `account:<id>`.
    pub performer: String,
    pub what: String,
    pub frequency: String,
}

#[derive(Debug, Clone, Default)]
pub struct MeetingInput {
    pub held_on: String,
    pub professionals: String,
    pub person_present: bool,
    pub relatives: String,
    pub notes: String,
}

fn conflict(e: StoreError) -> AppError {
    match e {
        StoreError::Conflict(_) => AppError::Conflict(
            "ce projet vient d'être modifié par quelqu'un d'autre : rechargez la page ; rien n'a été enregistré".into(),
        ),
        other => other.into(),
    }
}

fn may_write(app: &App, actor: &Actor, person: &Person, stays: &[Stay]) -> bool {
    person.merged_into.is_none()
        && rules::WRITE.iter().any(|a| decision(app, actor, *a, person, stays) == Decision::Allow)
}

impl App {
    /// Loads a person for reading their plan: staff by the educational category, API clients by
    /// the CarePlan scope.
    async fn plan_reader(
        &self,
        conn: &mut Conn,
        actor: &Actor,
        person: PersonId,
        resource: &'static str,
    ) -> Result<(Person, Vec<Stay>)> {
        self.load_for_resource(conn, actor, person, (resource, Access::Read), rules::READ).await
    }

    /// Loads a person for writing their plan: staff by their grants; API clients only through
    /// the interactions the API offers (`api` names the FHIR resource whose write scope they
    /// need), never through the others.
    pub(crate) async fn plan_writer(
        &self,
        conn: &mut Conn,
        actor: &Actor,
        person: PersonId,
        api: Option<&'static str>,
    ) -> Result<(Person, Vec<Stay>)> {
        let educational = PersonAction::Write(relais_domain::access::Category::Educational);
        match (&actor.principal, api) {
            (Principal::Staff { .. }, _) => {}
            (Principal::ApiClient { .. }, Some(resource)) => {
                let (p, stays) = self
                    .load_for_resource(conn, actor, person, (resource, Access::Write), PersonAction::ViewIdentity)
                    .await?;
                refuse_writes_to_alias(&p, educational)?;
                return Ok((p, stays));
            }
            (Principal::ApiClient { .. }, None) => return Err(AppError::Forbidden),
        }
        let (p, stays) = self.load_for(conn, actor, person, PersonAction::ViewIdentity).await?;
        if !may_write(self, actor, &p, &stays) {
            refuse_writes_to_alias(&p, educational)?;
            return Err(AppError::Forbidden);
        }
        Ok((p, stays))
    }

    /// The plan with its current version, for a writer, when the working version may change.
    pub(crate) async fn working(
        &self,
        conn: &mut Conn,
        actor: &Actor,
        id: SupportPlanId,
        api: Option<&'static str>,
    ) -> Result<(SupportPlan, PlanContent)> {
        let plan = support_plans::get(conn, actor.organisation_id, id).await?.ok_or(AppError::NotFound)?;
        self.plan_writer(conn, actor, plan.person_id, api).await?;
        if !plan.status.is_editable() {
            return Err(DomainError::new(
                "plan_status",
                "plan-frozen",
                format!(
                    "le projet est « {} » : cette version est figée ; lancez une révision pour le modifier",
                    plan.status.label().to_lowercase()
                ),
            )
            .into());
        }
        let versions = support_plans::versions(conn, id).await?;
        let current = versions
            .into_iter()
            .find(|v| v.version == plan.current_version)
            .ok_or_else(|| StoreError::Corrupt("support plan without its current version".into()))?;
        Ok((plan, current.content))
    }

    /// Saves the working version and audits the change.
    pub(crate) async fn save_working(
        &self,
        mut tx: relais_store::Tx,
        actor: &Actor,
        plan: &SupportPlan,
        content: &PlanContent,
        action: &'static str,
        detail: String,
    ) -> Result<()> {
        support_plans::update_working(&mut tx, plan, content, self.now_micros()).await.map_err(conflict)?;
        let mut ev = actor.event(action, "ok");
        ev.person_id = Some(plan.person_id);
        ev.resource = Some(format!("support-plan/{}", plan.id));
        ev.detail = Some(detail);
        audit::append(&mut tx, ev).await?;
        tx.commit().await.map_err(StoreError::from)?;
        Ok(())
    }

    /// Starts a person's plan as a draft (version 1). A person has one plan not closed at a time.
    pub async fn create_support_plan(
        &self,
        actor: &Actor,
        person: PersonId,
        input: &PlanDetailsInput,
    ) -> Result<SupportPlanId> {
        self.insert_support_plan(actor, person, input, None).await
    }

    /// Starts a plan sent through the API (FHIR CarePlan create), with the CarePlan write scope.
    pub async fn create_support_plan_for_api(
        &self,
        actor: &Actor,
        person: PersonId,
        input: &PlanDetailsInput,
    ) -> Result<SupportPlanId> {
        self.insert_support_plan(actor, person, input, Some(FHIR_RESOURCE)).await
    }

    async fn insert_support_plan(
        &self,
        actor: &Actor,
        person: PersonId,
        input: &PlanDetailsInput,
        api: Option<&'static str>,
    ) -> Result<SupportPlanId> {
        // Access first: a stranger learns nothing from the validation of what they typed.
        let mut tx = self.store.begin_write().await?;
        let (_, stays) = self.plan_writer(&mut tx, actor, person, api).await?;
        let (person_exp, relatives_exp, needs, review_due) = rules::check_details(
            &input.person_expectations,
            &input.relatives_expectations,
            &input.needs,
            &input.review_due,
            self.today(),
        )
        .map_err(AppError::Invalid)?;
        let existing = support_plans::for_person(&mut tx, person).await?;
        if existing.iter().any(|p| p.status != PlanStatus::Closed) {
            return Err(DomainError::new(
                "plan",
                "plan-open",
                "la personne a déjà un projet personnalisé en cours : révisez-le ou clôturez-le avant d'en commencer un autre",
            )
            .into());
        }
        let now = self.now_micros();
        let plan = SupportPlan {
            id: SupportPlanId::generate(),
            organisation_id: actor.organisation_id,
            person_id: person,
            // An API client works nowhere: its plan belongs to the establishment of the open stay.
            establishment_id: match api {
                Some(_) if matches!(actor.principal, Principal::ApiClient { .. }) => {
                    stays.iter().find(|s| s.is_open() && s.person_id == person).map(|s| s.establishment_id)
                }
                _ => actor.filing_stay(&stays, self.today()).map(|s| s.establishment_id),
            },
            status: PlanStatus::Draft,
            current_version: 1,
            review_due,
            created_by: actor.account_id(),
            created_label: actor.label(),
            created_at: now,
            updated_at: now,
        };
        let content = PlanContent {
            person_expectations: person_exp,
            relatives_expectations: relatives_exp,
            needs,
            review_due,
            ..Default::default()
        };
        support_plans::insert(&mut tx, &plan, &content).await?;
        let mut ev = actor.event("support_plan.create", "ok");
        ev.person_id = Some(person);
        ev.resource = Some(format!("support-plan/{}", plan.id));
        audit::append(&mut tx, ev).await?;
        tx.commit().await.map_err(StoreError::from)?;
        Ok(plan.id)
    }

    /// A plan with every version; `version` picks the one shown (the current by default).
    pub async fn support_plan(&self, actor: &Actor, id: SupportPlanId, version: Option<i64>) -> Result<PlanFile> {
        let mut conn = self.store.read().await?;
        let plan = support_plans::get(&mut conn, actor.organisation_id, id).await?.ok_or(AppError::NotFound)?;
        let (person, stays) = self.plan_reader(&mut conn, actor, plan.person_id, FHIR_RESOURCE).await?;
        let versions = support_plans::versions(&mut conn, id).await?;
        let history = support_plans::history(&mut conn, id).await?;
        let writer = may_write(self, actor, &person, &stays);
        let colleagues = match (writer, plan.establishment_id) {
            (true, Some(e)) => {
                let mut list: Vec<(AccountId, String)> =
                    self.colleagues(&mut conn, e).await?.iter().map(|c| (c.account_id, c.name.clone())).collect();
                list.dedup_by_key(|c| c.0);
                list
            }
            _ => vec![],
        };
        drop(conn);
        let shown = match version {
            None => versions
                .len()
                .checked_sub(1)
                .ok_or_else(|| StoreError::Corrupt("support plan without version".into()))?,
            Some(n) => versions.iter().position(|v| v.version == n).ok_or(AppError::NotFound)?,
        };
        let mut ev = actor.event("support_plan.read", "ok");
        ev.person_id = Some(plan.person_id);
        ev.resource = Some(format!("support-plan/{id}"));
        ev.detail = Some(format!("version {}", versions[shown].version));
        self.audit(ev).await?;
        let overdue = versions[versions.len() - 1].content.is_overdue(plan.status, self.today());
        let next = if writer { plan.status.next().to_vec() } else { vec![] };
        Ok(PlanFile { plan, person, versions, shown, history, may_write: writer, next, overdue, colleagues })
    }

    /// The plan's current version as a PDF, in its usual or easy-to-read form (`easy`), with
    /// the identity banner's rule: the INS only for a qualified identity. Audited as a print.
    pub async fn print_support_plan(&self, actor: &Actor, id: SupportPlanId, easy: bool) -> Result<PlanPrint> {
        let render = self.pdf.map(|r| r.support_plan).ok_or_else(|| {
            AppError::Unavailable("l'impression du projet personnalisé n'est pas disponible sur ce serveur".into())
        })?;
        let file = self.support_plan(actor, id, None).await?;
        let establishment = match file.plan.establishment_id {
            Some(e) => self
                .places(actor.organisation_id)
                .await?
                .establishments
                .iter()
                .find(|x| x.id == e)
                .map(|x| x.name.clone()),
            None => None,
        };
        let validated_on =
            file.current().validated.as_ref().and_then(|(_, at)| {
                jiff::Timestamp::from_microsecond(*at).ok().map(|ts| self.tz.to_datetime(ts).date())
            });
        let data = print_data(&file, establishment.as_deref(), validated_on, self.today(), &actor.label());
        let pdf = tokio::task::spawn_blocking(move || render(&data, easy))
            .await
            .map_err(|e| AppError::Internal(format!("support plan rendering: {e}")))?
            .map_err(|e| AppError::Internal(format!("support plan rendering: {e}")))?;
        let version = file.current().version;
        let mut ev = actor.event("support_plan.print", "ok");
        ev.person_id = Some(file.plan.person_id);
        ev.resource = Some(format!("support-plan/{id}"));
        ev.detail = Some(format!("version {version}{}", if easy { ", easy-to-read" } else { "" }));
        self.audit(ev).await?;
        // No name in the file name: downloads lists of shared tablets are seen by everyone.
        Ok(PlanPrint { pdf, file_name: format!("projet-personnalise-{id}-v{version}.pdf") })
    }

    /// The summary of the person page: `None` when the actor may not read plans.
    pub async fn person_support_plan(&self, actor: &Actor, person: PersonId) -> Result<Option<PlanSummary>> {
        let mut conn = self.store.read().await?;
        let (p, stays) = self.load_for(&mut conn, actor, person, PersonAction::ViewIdentity).await?;
        if decision(self, actor, rules::READ, &p, &stays) != Decision::Allow {
            return Ok(None);
        }
        let writer = may_write(self, actor, &p, &stays);
        // The running plan if there is one (newest first), else the latest closed one.
        let mut plans = support_plans::for_person(&mut conn, person).await?;
        let shown = plans.iter().position(|p| p.status != PlanStatus::Closed).unwrap_or(0);
        if plans.is_empty() {
            return Ok(Some(PlanSummary { plan: None, may_write: writer, objectives: vec![], others_open: vec![] }));
        }
        let plan = plans.remove(shown);
        let others_open: Vec<SupportPlan> = plans.into_iter().filter(|p| p.status != PlanStatus::Closed).collect();
        let versions = support_plans::versions(&mut conn, plan.id).await?;
        drop(conn);
        let current = versions.last().map(|v| v.content.clone()).unwrap_or_default();
        let objectives = if plan.status == PlanStatus::Closed {
            vec![]
        } else {
            current.objectives.iter().map(|o| (o.id, o.title.clone())).collect()
        };
        let mut ev = actor.event("support_plan.read", "ok");
        ev.person_id = Some(person);
        ev.resource = Some(format!("support-plan/{}", plan.id));
        ev.detail = Some("summary on the person's page".into());
        self.audit(ev).await?;
        let overdue = current.is_overdue(plan.status, self.today());
        Ok(Some(PlanSummary { plan: Some((plan, overdue)), may_write: writer, objectives, others_open }))
    }

    /// Changes the expectations, needs and review date of the working version.
    pub async fn update_support_plan(&self, actor: &Actor, id: SupportPlanId, input: &PlanDetailsInput) -> Result<()> {
        // Access first: a stranger learns nothing from the validation of what they typed.
        let mut tx = self.store.begin_write().await?;
        let (plan, mut content) = self.working(&mut tx, actor, id, None).await?;
        let (person_exp, relatives_exp, needs, review_due) = rules::check_details(
            &input.person_expectations,
            &input.relatives_expectations,
            &input.needs,
            &input.review_due,
            self.today(),
        )
        .map_err(AppError::Invalid)?;
        content.person_expectations = person_exp;
        content.relatives_expectations = relatives_exp;
        content.needs = needs;
        content.review_due = review_due;
        self.save_working(tx, actor, &plan, &content, "support_plan.update", "details".into()).await
    }

    /// Resolves a colleague of the plan's establishment by account id.
    async fn colleague(
        &self,
        conn: &mut Conn,
        plan: &SupportPlan,
        account: &str,
        field: &'static str,
    ) -> Result<Professional> {
        let err = || DomainError::new(field, "professional-invalid", "choisissez un professionnel de l'établissement");
        let account: AccountId = account.trim().parse().map_err(|_| err())?;
        let establishment = plan.establishment_id.ok_or_else(err)?;
        let list = self.colleagues(conn, establishment).await?;
        let c = list.iter().find(|c| c.account_id == account).ok_or_else(err)?;
        Ok(Professional { account, name: c.name.clone() })
    }

    /// Adds an objective to the working version.
    pub async fn add_objective(&self, actor: &Actor, id: SupportPlanId, input: &ObjectiveInput) -> Result<ObjectiveId> {
        self.insert_objective(actor, id, input, None).await
    }

    /// Adds an objective sent through the API (FHIR Goal create), with the Goal write scope;
    /// `subject` is the person the client says the Goal is about: it must be the plan's.
    pub async fn add_objective_for_api(
        &self,
        actor: &Actor,
        id: SupportPlanId,
        subject: PersonId,
        input: &ObjectiveInput,
    ) -> Result<ObjectiveId> {
        self.insert_objective(actor, id, input, Some(subject)).await
    }

    async fn insert_objective(
        &self,
        actor: &Actor,
        id: SupportPlanId,
        input: &ObjectiveInput,
        api_subject: Option<PersonId>,
    ) -> Result<ObjectiveId> {
        let mut tx = self.store.begin_write().await?;
        let (plan, mut content) = self.working(&mut tx, actor, id, api_subject.map(|_| "Goal")).await?;
        if api_subject.is_some_and(|s| s != plan.person_id) {
            return Err(DomainError::new(
                "subject",
                "subject-mismatch",
                "le projet désigné n'est pas celui de cette personne",
            )
            .into());
        }
        let referent = if input.referent.trim().is_empty() {
            Ok(None)
        } else {
            self.colleague(&mut tx, &plan, &input.referent, "referent").await.map(Some)
        };
        let objective = rules::check_objective(&input.title, &input.deadline, &input.indicators, None);
        let (referent, mut objective) = match (referent, objective) {
            (Ok(r), Ok(o)) => (r, o),
            (r, o) => {
                let mut errors = o.err().unwrap_or_default();
                match r {
                    Err(AppError::Invalid(e)) => errors.extend(e),
                    Err(other) => return Err(other),
                    Ok(_) => {}
                }
                return Err(AppError::Invalid(errors));
            }
        };
        objective.referent = referent;
        let oid = objective.id;
        content.objectives.push(objective);
        support_plans::register_objective(&mut tx, &plan, oid, self.now_micros()).await?;
        self.save_working(tx, actor, &plan, &content, "support_plan.update", format!("objective {oid} added")).await?;
        Ok(oid)
    }

    /// Adds an action to an objective of the working version.
    pub async fn add_action(
        &self,
        actor: &Actor,
        id: SupportPlanId,
        objective: ObjectiveId,
        input: &ActionInput,
    ) -> Result<()> {
        let mut tx = self.store.begin_write().await?;
        let (plan, mut content) = self.working(&mut tx, actor, id, None).await?;
        let performer = match input.performer.split_once(':') {
            Some(("profile", code)) => Profile::from_code(code)
                .filter(|p| !matches!(p, Profile::Administrator | Profile::Dpo | Profile::IdentityReferent))
                .map(|p| Performer::Profile { profile: p.code().to_string() })
                .ok_or_else(|| DomainError::new("performer", "performer-invalid", "choisissez qui réalise l'action")),
            Some(("account", account)) => match self.colleague(&mut tx, &plan, account, "performer").await {
                Ok(p) => Ok(Performer::Professional(p)),
                Err(AppError::Invalid(mut e)) => Err(e.remove(0)),
                Err(other) => return Err(other),
            },
            _ => Err(DomainError::new("performer", "performer-invalid", "choisissez qui réalise l'action")),
        };
        let action = match performer {
            Ok(p) => rules::check_action(p, &input.what, &input.frequency).map_err(AppError::Invalid)?,
            Err(e) => {
                let mut errors = vec![e];
                if let Err(more) =
                    rules::check_action(Performer::Profile { profile: String::new() }, &input.what, &input.frequency)
                {
                    errors.extend(more);
                }
                return Err(AppError::Invalid(errors));
            }
        };
        let o = content.objectives.iter_mut().find(|o| o.id == objective).ok_or(AppError::NotFound)?;
        o.actions.push(action);
        self.save_working(tx, actor, &plan, &content, "support_plan.update", format!("action added to {objective}"))
            .await
    }

    /// Records a meeting of co-construction on the working version.
    pub async fn record_plan_meeting(&self, actor: &Actor, id: SupportPlanId, input: &MeetingInput) -> Result<()> {
        // Access first: a stranger learns nothing from the validation of what they typed.
        let mut tx = self.store.begin_write().await?;
        let (plan, mut content) = self.working(&mut tx, actor, id, None).await?;
        let (held_on, professionals, relatives, notes) = rules::check_meeting(
            &input.held_on,
            &input.professionals,
            input.person_present,
            &input.relatives,
            &input.notes,
            self.today(),
        )
        .map_err(AppError::Invalid)?;
        content.meetings.push(Meeting {
            id: uuid::Uuid::now_v7(),
            held_on,
            professionals,
            person_present: input.person_present,
            relatives,
            notes,
            recorded_by: actor.label(),
        });
        self.save_working(tx, actor, &plan, &content, "support_plan.update", "meeting".into()).await
    }

    /// Records the person's agreement (signed on paper, oral) or refusal on the working version.
    pub async fn record_plan_agreement(
        &self,
        actor: &Actor,
        id: SupportPlanId,
        kind: &str,
        given_on: &str,
        comment: &str,
    ) -> Result<()> {
        // Access first: a stranger learns nothing from the validation of what they typed.
        let mut tx = self.store.begin_write().await?;
        let (plan, mut content) = self.working(&mut tx, actor, id, None).await?;
        let (kind, given_on, comment) =
            rules::check_agreement(kind, given_on, comment, self.today()).map_err(AppError::Invalid)?;
        content.agreement =
            Some(Agreement { kind, given_on, comment, recorded_by: actor.label(), recorded_at: self.now_micros() });
        self.save_working(tx, actor, &plan, &content, "support_plan.update", format!("agreement {}", kind.code())).await
    }

    /// Evaluates, during a review, an objective of the version under review.
    pub async fn evaluate_objective(
        &self,
        actor: &Actor,
        id: SupportPlanId,
        objective: ObjectiveId,
        outcome: &str,
        comment: &str,
    ) -> Result<()> {
        // Access first: a stranger learns nothing from the validation of what they typed.
        let mut tx = self.store.begin_write().await?;
        let (plan, mut content) = self.working(&mut tx, actor, id, None).await?;
        let outcome = Outcome::from_code(outcome);
        let comment = rules::long_text("evaluation_comment", comment);
        let (outcome, comment) = match (outcome, comment) {
            (Ok(o), Ok(c)) => (o, c),
            (o, c) => return Err(AppError::Invalid(o.err().into_iter().chain(c.err()).collect())),
        };
        if plan.status != PlanStatus::UnderReview {
            return Err(DomainError::new(
                "plan_status",
                "review-required",
                "les objectifs s'évaluent pendant une révision du projet",
            )
            .into());
        }
        let versions = support_plans::versions(&mut tx, id).await?;
        let reviewed = versions
            .iter()
            .find(|v| v.version == plan.current_version - 1)
            .ok_or_else(|| StoreError::Corrupt("review without the reviewed version".into()))?;
        if reviewed.content.objective(objective).is_none() {
            return Err(AppError::NotFound);
        }
        content.evaluations.retain(|e| e.objective != objective);
        content.evaluations.push(Evaluation {
            objective,
            outcome,
            comment,
            evaluated_by: actor.label(),
            evaluated_at: self.now_micros(),
        });
        self.save_working(
            tx,
            actor,
            &plan,
            &content,
            "support_plan.evaluate",
            format!("{objective} {}", outcome.code()),
        )
        .await
    }

    /// Moves a plan along its workflow. Validating freezes the working version; starting a
    /// review copies the current version into a new working one; validating a review needs
    /// every objective of the reviewed version evaluated.
    pub async fn move_support_plan(&self, actor: &Actor, id: SupportPlanId, to: &str) -> Result<()> {
        let mut tx = self.store.begin_write().await?;
        let plan = support_plans::get(&mut tx, actor.organisation_id, id).await?.ok_or(AppError::NotFound)?;
        self.plan_writer(&mut tx, actor, plan.person_id, None).await?;
        let to = PlanStatus::from_code(to)?;
        rules::check_transition(plan.status, to)?;
        let versions = support_plans::versions(&mut tx, id).await?;
        let current = versions
            .iter()
            .find(|v| v.version == plan.current_version)
            .ok_or_else(|| StoreError::Corrupt("support plan without its current version".into()))?;
        let now = self.now_micros();
        let label = actor.label();
        let mut version = plan.current_version;
        let mut review_due = current.content.review_due;
        match to {
            PlanStatus::Validated => {
                if current.content.objectives.is_empty() {
                    return Err(DomainError::new(
                        "objectives",
                        "objective-required",
                        "un projet se valide avec au moins un objectif",
                    )
                    .into());
                }
                if plan.status == PlanStatus::UnderReview {
                    let reviewed = versions
                        .iter()
                        .find(|v| v.version == plan.current_version - 1)
                        .ok_or_else(|| StoreError::Corrupt("review without the reviewed version".into()))?;
                    rules::check_review_complete(&reviewed.content, &current.content)?;
                }
                support_plans::validate_version(&mut tx, &plan, &label, now).await.map_err(conflict)?;
            }
            PlanStatus::UnderReview => {
                version += 1;
                let working = PlanContent {
                    meetings: vec![],
                    agreement: None,
                    evaluations: vec![],
                    review_due: None,
                    ..current.content.clone()
                };
                review_due = None;
                support_plans::insert_version(&mut tx, &plan, version, &working, actor.account_id(), &label, now)
                    .await?;
            }
            PlanStatus::Draft | PlanStatus::InProgress | PlanStatus::Closed => {}
        }
        support_plans::change_status(&mut tx, &plan, to, version, review_due, &label, now).await.map_err(conflict)?;
        let mut ev = actor.event("support_plan.status", "ok");
        ev.person_id = Some(plan.person_id);
        ev.resource = Some(format!("support-plan/{id}"));
        ev.detail = Some(format!("{}→{} version {version}", plan.status.code(), to.code()));
        audit::append(&mut tx, ev).await?;
        tx.commit().await.map_err(StoreError::from)?;
        Ok(())
    }

    /// An objective, its evaluations and the notes tied to it.
    pub async fn plan_objective(
        &self,
        actor: &Actor,
        id: SupportPlanId,
        objective: ObjectiveId,
    ) -> Result<ObjectiveFile> {
        let mut conn = self.store.read().await?;
        let plan = support_plans::get(&mut conn, actor.organisation_id, id).await?.ok_or(AppError::NotFound)?;
        let (person, stays) = self.plan_reader(&mut conn, actor, plan.person_id, FHIR_RESOURCE).await?;
        let versions = support_plans::versions(&mut conn, id).await?;
        let (version, found) = versions
            .iter()
            .rev()
            .find_map(|v| v.content.objective(objective).map(|o| (v.version, o.clone())))
            .ok_or(AppError::NotFound)?;
        let evaluations =
            versions.iter().filter_map(|v| v.content.evaluation(objective).map(|e| (v.version, e.clone()))).collect();
        let readable = self.readable_categories(actor, FHIR_RESOURCE, &person, &stays);
        let notes: Vec<Note> = support_plans::notes_of(&mut conn, objective)
            .await?
            .into_iter()
            .filter(|n| readable.contains(&n.content.category))
            .collect();
        drop(conn);
        let mut ev = actor.event("support_plan.read", "ok");
        ev.person_id = Some(plan.person_id);
        ev.resource = Some(format!("support-plan/{id}/objective/{objective}"));
        ev.detail = Some(format!("{} note(s)", notes.len()));
        self.audit(ev).await?;
        Ok(ObjectiveFile { plan, person, objective: found, version, evaluations, notes })
    }

    /// The plans of an establishment: those not closed, or with `overdue_only` the running ones
    /// whose review date has passed. One audit event names every person listed.
    pub async fn establishment_support_plans(
        &self,
        actor: &Actor,
        establishment: EstablishmentId,
        overdue_only: bool,
    ) -> Result<Vec<(SupportPlan, Person)>> {
        let today = self.today();
        if !actor.grants().iter().any(|g| g.is_active(today) && g.establishment == establishment) {
            return Err(AppError::NotFound);
        }
        let mut conn = self.store.read().await?;
        let rows = if overdue_only {
            support_plans::overdue(&mut conn, actor.organisation_id, establishment, today).await?
        } else {
            support_plans::open_in(&mut conn, actor.organisation_id, establishment).await?
        };
        let rows = self.decide_each(&mut conn, actor, rows, |p| p.person_id, |_| rules::READ).await?;
        drop(conn);
        let shown: Vec<PersonId> = rows.iter().map(|(p, _)| p.person_id).collect();
        let mut ev = actor.event("support_plan.read", "ok").listing(&shown);
        ev.resource = Some(format!("establishment/{establishment}/support-plans"));
        self.audit(ev).await?;
        Ok(rows)
    }

    /// A person's plans for the API (`resource` is CarePlan or Goal, whose scope is checked),
    /// newest first.
    pub async fn fhir_support_plans(
        &self,
        actor: &Actor,
        person: PersonId,
        resource: &'static str,
    ) -> Result<Vec<FhirPlan>> {
        let mut conn = self.store.read().await?;
        self.plan_reader(&mut conn, actor, person, resource).await?;
        let mut out = Vec::new();
        for plan in support_plans::for_person(&mut conn, person).await? {
            let versions = support_plans::versions(&mut conn, plan.id).await?;
            out.push(FhirPlan { plan, versions });
        }
        drop(conn);
        let mut ev = actor.event("support_plan.read", "ok");
        ev.person_id = Some(person);
        ev.detail = Some(format!("{resource} search, {} plan(s)", out.len()));
        self.audit(ev).await?;
        Ok(out)
    }

    /// One plan for the API, by its id.
    pub async fn fhir_support_plan(
        &self,
        actor: &Actor,
        id: SupportPlanId,
        resource: &'static str,
    ) -> Result<FhirPlan> {
        let mut conn = self.store.read().await?;
        let plan = support_plans::get(&mut conn, actor.organisation_id, id).await?.ok_or(AppError::NotFound)?;
        self.plan_reader(&mut conn, actor, plan.person_id, resource).await?;
        let versions = support_plans::versions(&mut conn, id).await?;
        drop(conn);
        let mut ev = actor.event("support_plan.read", "ok");
        ev.person_id = Some(plan.person_id);
        ev.resource = Some(format!("support-plan/{id}"));
        ev.detail = Some(format!("{resource} read"));
        self.audit(ev).await?;
        Ok(FhirPlan { plan, versions })
    }

    /// The plan an objective belongs to, for the API's Goal read.
    pub async fn fhir_objective_plan(&self, actor: &Actor, objective: ObjectiveId) -> Result<FhirPlan> {
        let mut conn = self.store.read().await?;
        let plan = support_plans::plan_of_objective(&mut conn, objective).await?.ok_or(AppError::NotFound)?;
        drop(conn);
        self.fhir_support_plan(actor, plan, "Goal").await
    }

    /// Ties a note being written to an objective of the person's plan not closed, in the
    /// note's own transaction.
    pub(crate) async fn tie_note_to_objective(
        &self,
        tx: &mut Conn,
        actor: &Actor,
        person: &Person,
        stays: &[Stay],
        lineage: NoteId,
        objective: &str,
    ) -> Result<()> {
        let err = || DomainError::new("objective", "objective-invalid", "objectif du projet personnalisé introuvable");
        let objective: ObjectiveId = objective.trim().parse().map_err(|_| err())?;
        enforce(decision(self, actor, rules::READ, person, stays))?;
        for plan in support_plans::for_person(tx, person.id).await? {
            if plan.status == PlanStatus::Closed {
                continue;
            }
            let versions = support_plans::versions(tx, plan.id).await?;
            if versions.last().is_some_and(|v| v.content.objective(objective).is_some()) {
                support_plans::tie_note(tx, lineage, objective, &plan, self.now_micros()).await?;
                return Ok(());
            }
        }
        Err(err().into())
    }
}
