//! Evaluations with the configurable grids (MNA, Braden, Morse, free grid): recorded by the care
//! team, scored and interpreted here from the grid's definition, read back per grid, and added to
//! the projet personnalisé; every read and write audited, under the rules of AGGIR evaluations.

use crate::persons::decision;
use crate::{Actor, App, AppError, Result, Validation};
use relais_domain::DomainError;
use relais_domain::access::{Category, Decision, PersonAction};
use relais_domain::date::parse_date;
use relais_domain::ids::*;
use relais_domain::instrument::{self, Answers, Definition, Outcome};
use relais_domain::scope::Access;
use relais_domain::support_plan::AssessmentLink;
use relais_store::assessments::{self, Assessment};
use relais_store::persons::{Person, Stay};
use relais_store::{StoreError, audit, support_plans};

/// The resource API clients need in their scope, as for AGGIR.
const RESOURCE: &str = "QuestionnaireResponse";

/// Longest comment kept; longer is refused, never cut.
const MAX_COMMENT: usize = 4000;

/// An evaluation as typed: the answers by item code, as the form or the API sent them.
#[derive(Debug, Clone, Default)]
pub struct GridInput {
    pub assessed_on: String,
    pub answers: Vec<(String, String)>,
    pub comment: String,
}

/// An evaluation read back with its grid and its checked answers.
#[derive(Debug, Clone)]
pub struct GridEvaluation {
    pub record: Assessment,
    pub definition: &'static Definition,
    pub answers: Answers,
}

impl GridEvaluation {
    pub fn outcome(&self) -> Outcome<'static> {
        self.definition.outcome(&self.answers)
    }

    /// « Braden 12/23 — risque élevé »; the grid's name alone when it has no score.
    pub fn summary(&self) -> String {
        let d = self.definition;
        match self.outcome().headline() {
            Some(r) if self.outcome().stopped => {
                format!("{} {} ({}) — {}", d.short, r.score_text(), r.label.to_lowercase(), r.band.label)
            }
            Some(r) => format!("{} {} — {}", d.short, r.score_text(), r.band.label),
            None => d.short.clone(),
        }
    }
}

/// A person's grids: for each shipped grid, its latest evaluation.
#[derive(Debug, Clone)]
pub struct GridsOverview {
    pub person: Person,
    pub latest: Vec<(&'static Definition, Option<GridEvaluation>)>,
    pub may_evaluate: bool,
}

/// A person's evaluations with one grid, newest first, and where they may be added in the plan.
#[derive(Debug, Clone)]
pub struct GridHistory {
    pub person: Person,
    pub definition: &'static Definition,
    pub evaluations: Vec<GridEvaluation>,
    pub may_evaluate: bool,
    /// The working plan an evaluation may be added to, with its objectives (id, title); none
    /// when there is no plan open to changes or the actor may not write it.
    pub plan: Option<(SupportPlanId, Vec<(ObjectiveId, String)>)>,
    /// The person's plan is frozen (validated, in progress): a review must start first.
    pub plan_frozen: bool,
}

fn definition(code: &str) -> Result<&'static Definition> {
    instrument::find(code).map_err(|e| AppError::Internal(e.message))?.ok_or(AppError::NotFound)
}

/// Reads a stored evaluation with the definition it was made with.
fn evaluation_of(record: Assessment) -> Result<GridEvaluation> {
    let version = record
        .definition_version
        .and_then(|v| u32::try_from(v).ok())
        .ok_or_else(|| StoreError::Corrupt(format!("{} evaluation without a grid version", record.instrument)))?;
    let definition =
        instrument::find_version(&record.instrument, version).map_err(|e| AppError::Internal(e.message))?.ok_or_else(
            || StoreError::Corrupt(format!("{} evaluation of an unshipped version {version}", record.instrument)),
        )?;
    let answers = definition.decode(&record.answers).map_err(|e| StoreError::Corrupt(e.message))?;
    Ok(GridEvaluation { record, definition, answers })
}

fn offered() -> Result<Vec<&'static Definition>> {
    instrument::current().map_err(|e| AppError::Internal(e.message))
}

impl App {
    fn may_person(&self, actor: &Actor, action: PersonAction, person: &Person, stays: &[Stay]) -> bool {
        decision(self, actor, action, person, stays) == Decision::Allow
    }

    /// Records an evaluation with a grid. Who may evaluate this person is checked before the
    /// answers are; the score and interpretation are computed here from the definition.
    pub async fn record_grid(
        &self,
        actor: &Actor,
        person: PersonId,
        code: &str,
        input: &GridInput,
    ) -> Result<GridEvaluation> {
        let mut tx = self.store.begin_write().await?;
        let (p, stays) = self
            .load_for_resource(
                &mut tx,
                actor,
                person,
                (RESOURCE, Access::Write),
                PersonAction::Write(Category::NursingCare),
            )
            .await?;
        let definition = definition(code)?;
        let mut v = Validation::default();
        let assessed_on = v.check(parse_date("assessed_on", &input.assessed_on));
        if let Some(d) = assessed_on {
            if d > self.today() {
                v.push(DomainError::new(
                    "assessed_on",
                    "date-future",
                    "une évaluation ne peut pas être datée dans le futur",
                ));
            } else if d < p.traits.birth_date.earliest() {
                v.push(DomainError::new("assessed_on", "date-invalid", "la date d'évaluation précède la naissance"));
            }
        }
        if input.comment.chars().count() > MAX_COMMENT {
            v.push(DomainError::new(
                "comment",
                "too-long",
                format!("commentaire trop long ({MAX_COMMENT} caractères au plus)"),
            ));
        }
        let answers = match definition.read(&input.answers) {
            Ok(a) => Some(a),
            Err(errors) => {
                errors.into_iter().for_each(|e| v.push(e));
                None
            }
        };
        v.finish()?;
        let (Some(assessed_on), Some(answers)) = (assessed_on, answers) else {
            return Err(AppError::Internal("validation".into()));
        };
        let outcome = definition.outcome(&answers);
        let headline = outcome.headline();
        let id = AssessmentId::generate();
        let record = Assessment {
            id,
            person_id: person,
            establishment_id: actor.filing_stay(&stays, self.today()).map(|s| s.establishment_id),
            instrument: definition.code.clone(),
            assessed_on,
            answers: definition.encode(&answers),
            score: headline.map(|r| r.score),
            result: headline.and_then(|r| i64::try_from(r.band_index).ok()),
            definition_version: Some(i64::from(definition.version)),
            comment: input.comment.trim().to_string(),
            author_id: actor.account_id(),
            author_label: actor.label(),
            recorded_at: self.now_micros(),
        };
        assessments::insert(&mut tx, actor.organisation_id, &record).await?;
        let mut ev = actor.event("assessment.create", "ok");
        ev.person_id = Some(person);
        ev.resource = Some(format!("assessment/{id}"));
        ev.detail = Some(match headline {
            Some(r) => format!("{} v{} score {} level {}", definition.code, definition.version, r.score, r.band.level),
            None => format!("{} v{}", definition.code, definition.version),
        });
        audit::append(&mut tx, ev).await?;
        tx.commit().await.map_err(StoreError::from)?;
        Ok(GridEvaluation { record, definition, answers })
    }

    /// The grids offered and the latest evaluation of each.
    pub async fn grids_overview(&self, actor: &Actor, person: PersonId) -> Result<GridsOverview> {
        let mut conn = self.store.read().await?;
        let (p, stays) = self
            .load_for_resource(
                &mut conn,
                actor,
                person,
                (RESOURCE, Access::Read),
                PersonAction::Read(Category::NursingCare),
            )
            .await?;
        let offered = offered()?;
        let mut latest = Vec::with_capacity(offered.len());
        for d in offered {
            let last = assessments::latest(&mut conn, person, &d.code).await?.map(evaluation_of).transpose()?;
            latest.push((d, last));
        }
        drop(conn);
        let mut ev = actor.event("assessment.read", "ok");
        ev.person_id = Some(person);
        ev.detail = Some("grids, latest of each".into());
        self.audit(ev).await?;
        let may_evaluate = self.may_person(actor, PersonAction::Write(Category::NursingCare), &p, &stays);
        Ok(GridsOverview { person: p, latest, may_evaluate })
    }

    /// The latest evaluation of each grid, for the person page: empty when the actor may not
    /// read care data.
    pub async fn latest_grids(&self, actor: &Actor, person: PersonId) -> Result<Vec<GridEvaluation>> {
        let mut conn = self.store.read().await?;
        let (p, stays) = self.load_for(&mut conn, actor, person, PersonAction::ViewIdentity).await?;
        if !self.may_person(actor, PersonAction::Read(Category::NursingCare), &p, &stays) {
            return Ok(vec![]);
        }
        let mut latest = Vec::new();
        for d in offered()? {
            if let Some(r) = assessments::latest(&mut conn, person, &d.code).await? {
                latest.push(evaluation_of(r)?);
            }
        }
        drop(conn);
        if !latest.is_empty() {
            let mut ev = actor.event("assessment.read", "ok");
            ev.person_id = Some(person);
            ev.detail = Some("grids, summary on the person's page".into());
            self.audit(ev).await?;
        }
        Ok(latest)
    }

    /// A person's evaluations with one grid, newest first.
    pub async fn grid_history(&self, actor: &Actor, person: PersonId, code: &str) -> Result<GridHistory> {
        let mut conn = self.store.read().await?;
        let (p, stays) = self
            .load_for_resource(
                &mut conn,
                actor,
                person,
                (RESOURCE, Access::Read),
                PersonAction::Read(Category::NursingCare),
            )
            .await?;
        let definition = definition(code)?;
        let records = assessments::for_person(&mut conn, person, &definition.code, 200).await?;
        let evaluations = records.into_iter().map(evaluation_of).collect::<Result<Vec<_>>>()?;
        let mut plan_frozen = false;
        let plan = match self.plan_writer(&mut conn, actor, person, None).await {
            Ok(_) => {
                let plans = support_plans::for_person(&mut conn, person).await?;
                match plans.into_iter().next() {
                    Some(pl) if pl.status.is_editable() => {
                        let versions = support_plans::versions(&mut conn, pl.id).await?;
                        let objectives = versions
                            .iter()
                            .find(|v| v.version == pl.current_version)
                            .map(|v| v.content.objectives.iter().map(|o| (o.id, o.title.clone())).collect())
                            .unwrap_or_default();
                        Some((pl.id, objectives))
                    }
                    Some(pl) => {
                        plan_frozen = pl.status.is_running();
                        None
                    }
                    None => None,
                }
            }
            Err(AppError::Forbidden | AppError::NotFound | AppError::Conflict(_)) => None,
            Err(e) => return Err(e),
        };
        drop(conn);
        let may_evaluate = self.may_person(actor, PersonAction::Write(Category::NursingCare), &p, &stays);
        let mut ev = actor.event("assessment.read", "ok");
        ev.person_id = Some(person);
        ev.detail = Some(format!("{}, {} evaluation(s)", definition.code, evaluations.len()));
        self.audit(ev).await?;
        Ok(GridHistory { person: p, definition, evaluations, may_evaluate, plan, plan_frozen })
    }

    /// The person and the grid, to draw an empty form: only for those who may evaluate.
    pub async fn grid_form(
        &self,
        actor: &Actor,
        person: PersonId,
        code: &str,
    ) -> Result<(Person, &'static Definition)> {
        let mut conn = self.store.read().await?;
        let (p, _) = self.load_for(&mut conn, actor, person, PersonAction::Write(Category::NursingCare)).await?;
        Ok((p, definition(code)?))
    }

    /// One evaluation with a grid, for the API.
    pub async fn grid_evaluation(&self, actor: &Actor, id: AssessmentId) -> Result<GridEvaluation> {
        let mut conn = self.store.read().await?;
        let record = assessments::get(&mut conn, actor.organisation_id, id).await?.ok_or(AppError::NotFound)?;
        if record.instrument == assessments::AGGIR {
            return Err(AppError::NotFound);
        }
        self.load_for_resource(
            &mut conn,
            actor,
            record.person_id,
            (RESOURCE, Access::Read),
            PersonAction::Read(Category::NursingCare),
        )
        .await?;
        drop(conn);
        let person = record.person_id;
        let e = evaluation_of(record)?;
        let mut ev = actor.event("assessment.read", "ok");
        ev.person_id = Some(person);
        ev.resource = Some(format!("assessment/{id}"));
        self.audit(ev).await?;
        Ok(e)
    }

    /// A patient's evaluations with every grid, newest first, for the API.
    pub async fn grid_evaluations(&self, actor: &Actor, person: PersonId) -> Result<Vec<GridEvaluation>> {
        let mut conn = self.store.read().await?;
        self.load_for_resource(
            &mut conn,
            actor,
            person,
            (RESOURCE, Access::Read),
            PersonAction::Read(Category::NursingCare),
        )
        .await?;
        let mut all = Vec::new();
        for d in offered()? {
            for r in assessments::for_person(&mut conn, person, &d.code, 200).await? {
                all.push(evaluation_of(r)?);
            }
        }
        drop(conn);
        all.sort_by(|a, b| {
            (b.record.assessed_on, b.record.recorded_at).cmp(&(a.record.assessed_on, a.record.recorded_at))
        });
        let mut ev = actor.event("assessment.read", "ok");
        ev.person_id = Some(person);
        ev.detail = Some(format!("grids, {} evaluation(s)", all.len()));
        self.audit(ev).await?;
        Ok(all)
    }

    /// Adds an evaluation to the person's working plan: as an assessed need (`objective` none)
    /// or under one of its objectives. Reading the evaluation and writing the plan are both
    /// required; the link is part of the working version, so a review carries it on.
    pub async fn add_grid_to_plan(
        &self,
        actor: &Actor,
        person: PersonId,
        assessment: AssessmentId,
        objective: Option<ObjectiveId>,
    ) -> Result<SupportPlanId> {
        let mut tx = self.store.begin_write().await?;
        let record = assessments::get(&mut tx, actor.organisation_id, assessment).await?.ok_or(AppError::NotFound)?;
        if record.instrument == assessments::AGGIR || record.person_id != person {
            return Err(AppError::NotFound);
        }
        self.load_for_resource(
            &mut tx,
            actor,
            record.person_id,
            (RESOURCE, Access::Read),
            PersonAction::Read(Category::NursingCare),
        )
        .await?;
        let plans = support_plans::for_person(&mut tx, record.person_id).await?;
        let Some(plan) = plans.into_iter().next() else {
            return Err(DomainError::new(
                "plan",
                "plan-missing",
                "la personne n'a pas de projet personnalisé : créez-le avant d'y ajouter une évaluation",
            )
            .into());
        };
        let (plan, mut content) = self.working(&mut tx, actor, plan.id, None).await?;
        if let Some(o) = objective
            && content.objective(o).is_none()
        {
            return Err(DomainError::new(
                "objective",
                "objective-unknown",
                "cet objectif n'est pas dans la version de travail du projet",
            )
            .into());
        }
        if content.assessments.iter().any(|l| l.assessment == assessment && l.objective == objective) {
            return Err(DomainError::new(
                "objective",
                "already-linked",
                "cette évaluation figure déjà à cet endroit du projet personnalisé",
            )
            .into());
        }
        let e = evaluation_of(record)?;
        content.assessments.push(AssessmentLink {
            assessment,
            objective,
            instrument: e.definition.code.clone(),
            summary: e.summary(),
            assessed_on: e.record.assessed_on,
            linked_by: actor.label(),
            linked_at: self.now_micros(),
        });
        let detail = match objective {
            Some(o) => format!("assessment {assessment} tied to objective {o}"),
            None => format!("assessment {assessment} added as a need"),
        };
        let id = plan.id;
        self.save_working(tx, actor, &plan, &content, "support_plan.update", detail).await?;
        Ok(id)
    }
}
