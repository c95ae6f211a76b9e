//! Assessments: AGGIR evaluations recorded by the care team, the GIR computed by the official
//! algorithm, the history read back; every read and write audited.

use crate::persons::decision;
use crate::{Actor, App, AppError, Result, Validation};
use jiff::civil::Date;
use relais_domain::DomainError;
use relais_domain::access::{Category, Decision, PersonAction};
use relais_domain::aggir::{Adverbs, Answer, Grid, Item, Modality, Ranking};
use relais_domain::date::parse_date;
use relais_domain::ids::*;
use relais_domain::scope::Access;
use relais_store::StoreError;
use relais_store::assessments::{self, AGGIR, Assessment};
use relais_store::audit;
use relais_store::persons::Person;

/// One item of the grid as typed: « ne fait pas », or the adverbs met (S, T, C, H); nothing
/// chosen leaves the item unanswered.
#[derive(Debug, Clone, Default)]
pub struct ItemInput {
    pub item: String,
    pub does_not: bool,
    /// Spontanément, totalement, correctement, habituellement: « oui » when ticked.
    pub adverbs: [bool; 4],
    /// The evaluator chose « fait » (adverbs apply, even if none is ticked).
    pub does: bool,
    /// The modality coded directly (A, B or C), as an API client sends it.
    pub coded: Option<String>,
}

/// An AGGIR grid as typed.
#[derive(Debug, Clone, Default)]
pub struct AggirInput {
    pub assessed_on: String,
    pub items: Vec<ItemInput>,
    pub comment: String,
}

/// An AGGIR evaluation read back.
#[derive(Debug, Clone)]
pub struct AggirEvaluation {
    pub record: Assessment,
    pub grid: Grid,
    pub ranking: Option<Ranking>,
}

/// A person's AGGIR history.
#[derive(Debug, Clone)]
pub struct AggirHistory {
    pub person: Person,
    pub evaluations: Vec<AggirEvaluation>,
    pub may_evaluate: bool,
}

/// Longest comment kept; longer is refused, never cut.
const MAX_COMMENT: usize = 4000;

/// Reads the typed grid; every item's error is reported at once.
pub fn grid_of(items: &[ItemInput]) -> Result<Grid> {
    let mut grid = Grid::new();
    let mut v = Validation::default();
    for input in items {
        let Some(item) = Item::from_code(&input.item) else {
            v.push(DomainError::new(
                "aggir",
                "aggir-item",
                format!("élément « {} » inconnu dans la grille AGGIR", input.item.chars().take(60).collect::<String>()),
            ));
            continue;
        };
        let ticked = input.adverbs.iter().any(|a| *a);
        if let Some(code) = &input.coded {
            let mut letters = code.chars();
            match (
                letters.next().and_then(Modality::from_letter),
                letters.next(),
                input.does_not || input.does || ticked,
            ) {
                (Some(m), None, false) => grid.set(item, Answer::Coded(m)),
                (_, _, true) => v.push(DomainError::new(
                    "aggir",
                    "aggir-conflict",
                    format!(
                        "{} : une modalité codée et des réponses détaillées ensemble ; gardez l'une des deux",
                        item.label()
                    ),
                )),
                _ => v.push(DomainError::new(
                    "aggir",
                    "aggir-modality",
                    format!(
                        "{} : modalité « {} » inconnue (A, B ou C)",
                        item.label(),
                        code.chars().take(10).collect::<String>()
                    ),
                )),
            }
            continue;
        }
        match (input.does_not, input.does || ticked) {
            (true, true) => v.push(DomainError::new(
                "aggir",
                "aggir-conflict",
                format!("{} : « ne fait pas » et « fait » sont cochés ensemble ; gardez l'un des deux", item.label()),
            )),
            (true, false) => grid.set(item, Answer::DoesNot),
            (false, true) => {
                let [s, t, c, h] = input.adverbs;
                grid.set(item, Answer::Adverbs(Adverbs { spontaneously: s, totally: t, correctly: c, habitually: h }));
            }
            (false, false) => {}
        }
    }
    v.finish()?;
    Ok(grid)
}

fn may(app: &App, actor: &Actor, action: PersonAction, person: &Person, stays: &[relais_store::persons::Stay]) -> bool {
    decision(app, actor, action, person, stays) == Decision::Allow
}

impl App {
    /// Records an AGGIR evaluation: the eight variables that give the GIR must be complete; the
    /// others may be left out. The GIR is computed here, never typed.
    pub async fn record_aggir(&self, actor: &Actor, person: PersonId, input: &AggirInput) -> Result<AssessmentId> {
        // Who may evaluate this person is settled before the grid is read: a stranger learns
        // nothing from the validation messages.
        let mut tx = self.store.begin_write().await?;
        let (p, stays) = self
            .load_for_resource(
                &mut tx,
                actor,
                person,
                ("QuestionnaireResponse", Access::Write),
                PersonAction::Write(Category::NursingCare),
            )
            .await?;
        let mut v = Validation::default();
        let assessed_on = v.check(parse_date("assessed_on", &input.assessed_on));
        if let Some(d) = assessed_on
            && d > self.today()
        {
            v.push(DomainError::new(
                "assessed_on",
                "date-future",
                "une évaluation ne peut pas être datée dans le futur",
            ));
        }
        if input.comment.chars().count() > MAX_COMMENT {
            v.push(DomainError::new(
                "comment",
                "too-long",
                format!("commentaire trop long ({} caractères au plus)", MAX_COMMENT),
            ));
        }
        let grid = match grid_of(&input.items) {
            Ok(g) => Some(g),
            Err(AppError::Invalid(errors)) => {
                errors.into_iter().for_each(|e| v.push(e));
                None
            }
            Err(e) => return Err(e),
        };
        let ranking = grid.as_ref().map(|g| g.ranking()).and_then(|r| v.check(r));
        v.finish()?;
        let (Some(assessed_on), Some(grid), Some(ranking)) = (assessed_on, grid, ranking) else {
            return Err(AppError::Internal("validation".into()));
        };
        if assessed_on < p.traits.birth_date.earliest() {
            return Err(
                DomainError::new("assessed_on", "date-invalid", "la date d'évaluation précède la naissance").into()
            );
        }
        let id = AssessmentId::generate();
        let a = Assessment {
            id,
            person_id: person,
            establishment_id: actor.filing_stay(&stays, self.today()).map(|s| s.establishment_id),
            instrument: AGGIR.to_string(),
            assessed_on,
            answers: grid.encode(),
            score: Some(i64::from(ranking.rank.get())),
            result: Some(i64::from(ranking.gir.get())),
            definition_version: None,
            comment: input.comment.trim().to_string(),
            author_id: actor.account_id(),
            author_label: actor.label(),
            recorded_at: self.now_micros(),
        };
        assessments::insert(&mut tx, actor.organisation_id, &a).await?;
        let mut ev = actor.event("assessment.create", "ok");
        ev.person_id = Some(person);
        ev.resource = Some(format!("assessment/{id}"));
        ev.detail = Some(format!("aggir rank {} gir {}", ranking.rank, ranking.gir));
        audit::append(&mut tx, ev).await?;
        tx.commit().await.map_err(StoreError::from)?;
        Ok(id)
    }

    /// A person's AGGIR evaluations, newest first, with the grid of each.
    pub async fn aggir_history(&self, actor: &Actor, person: PersonId) -> Result<AggirHistory> {
        let mut conn = self.store.read().await?;
        let (p, stays) = self
            .load_for_resource(
                &mut conn,
                actor,
                person,
                ("QuestionnaireResponse", Access::Read),
                PersonAction::Read(Category::NursingCare),
            )
            .await?;
        let records = assessments::for_person(&mut conn, person, AGGIR, 200).await?;
        drop(conn);
        let mut evaluations = Vec::with_capacity(records.len());
        for record in records {
            let grid = Grid::decode(&record.answers).map_err(|e| StoreError::Corrupt(e.message))?;
            let ranking = grid.ranking().ok();
            evaluations.push(AggirEvaluation { record, grid, ranking });
        }
        let may_evaluate = may(self, actor, PersonAction::Write(Category::NursingCare), &p, &stays);
        let mut ev = actor.event("assessment.read", "ok");
        ev.person_id = Some(person);
        ev.detail = Some(format!("aggir, {} evaluation(s)", evaluations.len()));
        self.audit(ev).await?;
        Ok(AggirHistory { person: p, evaluations, may_evaluate })
    }

    /// One AGGIR evaluation, for the API.
    pub async fn aggir_evaluation(&self, actor: &Actor, id: AssessmentId) -> Result<AggirEvaluation> {
        let mut conn = self.store.read().await?;
        let record = assessments::get(&mut conn, actor.organisation_id, id).await?.ok_or(AppError::NotFound)?;
        if record.instrument != AGGIR {
            return Err(AppError::NotFound);
        }
        self.load_for_resource(
            &mut conn,
            actor,
            record.person_id,
            ("QuestionnaireResponse", Access::Read),
            PersonAction::Read(Category::NursingCare),
        )
        .await?;
        drop(conn);
        let grid = Grid::decode(&record.answers).map_err(|e| StoreError::Corrupt(e.message))?;
        let mut ev = actor.event("assessment.read", "ok");
        ev.person_id = Some(record.person_id);
        ev.resource = Some(format!("assessment/{id}"));
        self.audit(ev).await?;
        Ok(AggirEvaluation { ranking: grid.ranking().ok(), record, grid })
    }

    /// The person, to draw an empty grid: only for those who may evaluate.
    pub async fn aggir_form(&self, actor: &Actor, person: PersonId) -> Result<Person> {
        let mut conn = self.store.read().await?;
        let (p, _) = self.load_for(&mut conn, actor, person, PersonAction::Write(Category::NursingCare)).await?;
        Ok(p)
    }

    /// The date an evaluation form proposes: today.
    pub fn assessment_default_date(&self) -> Date {
        self.today()
    }
}
