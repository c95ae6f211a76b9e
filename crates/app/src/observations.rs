//! Observations (vital signs): record, read, list; staff by category, API clients by scope.

use crate::thresholds::PersonThreshold;
use crate::{Actor, App, AppError, Principal, Result, Validation};
use jiff::{SignedDuration, Timestamp};
use relais_domain::DomainError;
use relais_domain::access::{Category, PersonAction};
use relais_domain::ids::*;
use relais_domain::note::{Importance, NoteContent};
use relais_domain::observation::{Measure, Plausibility, VitalSign, parse_number, weight_loss};
use relais_domain::scope::Access;
use relais_store::audit;
use relais_store::notes::{self, Note};
use relais_store::observations::{self, Observation, ObservationQuery};
use relais_store::persons::{self, Person};
use relais_store::{Conn, StoreError};

/// A chart's data.
#[derive(Debug, Clone)]
pub struct Chart {
    pub person: Person,
    pub observations: Vec<Observation>,
    pub threshold: PersonThreshold,
    /// For a weight chart: the last height measured, in cm.
    pub last_height: Option<f64>,
}

/// The target of the logbook alert written for a weight loss.
pub const WEIGHT_ALERT_TARGET: &str = "Perte de poids";

/// One person's line of a round.
#[derive(Debug, Clone)]
pub struct RoundEntry {
    pub person: PersonId,
    pub value: String,
    pub value2: String,
    pub confirmed: bool,
}

/// What became of a round.
#[derive(Debug, Clone)]
pub enum RoundOutcome {
    Saved {
        count: usize,
        alerts: usize,
    },
    /// Nothing was written: the lines to fix.
    Rejected(Vec<(PersonId, DomainError)>),
}

/// A measure as typed or received.
#[derive(Debug, Clone, Default)]
pub struct ObservationInput {
    pub kind: String,
    pub value: String,
    pub value2: String,
    /// When it was measured; now when absent.
    pub effective_at: Option<Timestamp>,
    /// The person confirmed an unusual value.
    pub confirmed: bool,
}

impl App {
    async fn person_for_observations(
        &self,
        conn: &mut Conn,
        actor: &Actor,
        id: PersonId,
        access: Access,
    ) -> Result<Person> {
        let action = match access {
            Access::Read => PersonAction::Read(Category::NursingCare),
            Access::Write => PersonAction::Write(Category::NursingCare),
        };
        Ok(self.load_for_resource(conn, actor, id, ("Observation", access), action).await?.0)
    }

    /// Records a measure. Impossible values are refused; unusual ones need confirmation.
    pub async fn record_observation(
        &self,
        actor: &Actor,
        person: PersonId,
        input: &ObservationInput,
    ) -> Result<ObservationId> {
        let mut v = Validation::default();
        let kind = v.check(VitalSign::from_code(&input.kind));
        let value = v.check(parse_number("value", &input.value));
        let value2 = if input.value2.trim().is_empty() { None } else { v.check(parse_number("value2", &input.value2)) };
        let now = self.now();
        let effective = input.effective_at.unwrap_or(now);
        if effective > now + SignedDuration::from_mins(5) {
            v.push(DomainError::new("effective_at", "date-future", "une mesure ne peut pas être datée dans le futur"));
        }
        v.finish()?;
        let (Some(kind), Some(value)) = (kind, value) else { return Err(AppError::Internal("validation".into())) };
        let measure = Measure::new(kind, value, value2)?;
        // An API client cannot tick a box: its values were checked where they were taken.
        let is_api = matches!(actor.principal, Principal::ApiClient { .. });
        if measure.plausibility == Plausibility::Unusual && !input.confirmed && !is_api {
            return Err(DomainError::new(
                "value",
                "value-unusual",
                format!("{} : valeur inhabituelle, vérifiez-la puis cochez « Je confirme cette valeur »", kind.label()),
            )
            .into());
        }
        let mut tx = self.store.begin_write().await?;
        let (id, _) = self.insert_measure(&mut tx, actor, person, &measure, effective).await?;
        tx.commit().await.map_err(StoreError::from)?;
        Ok(id)
    }

    /// Checks the actor may measure on the person, stores the measure with its audit event, and
    /// raises the weight alert when due. Returns the id and whether an alert was written.
    async fn insert_measure(
        &self,
        tx: &mut Conn,
        actor: &Actor,
        person: PersonId,
        measure: &Measure,
        effective: Timestamp,
    ) -> Result<(ObservationId, bool)> {
        self.person_for_observations(tx, actor, person, Access::Write).await?;
        let id = ObservationId::generate();
        let who = actor.audit_actor();
        let o = Observation {
            id,
            person_id: person,
            lineage_id: id,
            version: 1,
            is_current: true,
            kind: measure.kind,
            value: measure.value,
            value2: measure.value2,
            effective_at: effective.as_microsecond(),
            recorded_at: self.now_micros(),
            author_kind: who.kind.to_string(),
            author_id: who.id.clone(),
            author_label: actor.label(),
        };
        observations::insert(tx, actor.organisation_id, &o).await?;
        let mut ev = actor.event("observation.create", "ok");
        ev.person_id = Some(person);
        ev.resource = Some(format!("observation/{id}"));
        audit::append(tx, ev).await?;
        let weight = measure.kind == VitalSign::BodyWeight && self.weight_alert(tx, actor, person, &o).await?;
        let threshold = self.threshold_alert(tx, actor, person, &o).await?;
        let alert = weight || threshold;
        Ok((id, alert))
    }

    /// A round: one kind of measure for many persons of a unit, typed in one form on a tablet.
    /// Every value is checked before anything is written; then all are written together.
    pub async fn record_round(&self, actor: &Actor, kind: &str, entries: &[RoundEntry]) -> Result<RoundOutcome> {
        if !matches!(actor.principal, Principal::Staff { .. }) {
            return Err(AppError::Forbidden);
        }
        let kind = VitalSign::from_code(kind)?;
        let mut measures = Vec::new();
        let mut rejected = Vec::new();
        for e in entries.iter().filter(|e| !e.value.trim().is_empty() || !e.value2.trim().is_empty()) {
            let checked = parse_number("value", &e.value).and_then(|v| {
                let v2 = if e.value2.trim().is_empty() { None } else { Some(parse_number("value2", &e.value2)?) };
                Measure::new(kind, v, v2)
            });
            match checked {
                Ok(m) if m.plausibility == Plausibility::Unusual && !e.confirmed => rejected.push((
                    e.person,
                    DomainError::new(
                        "value",
                        "value-unusual",
                        "valeur inhabituelle : vérifiez-la puis cochez « Je confirme »",
                    ),
                )),
                Ok(m) => measures.push((e.person, m)),
                Err(err) => rejected.push((e.person, err)),
            }
        }
        if !rejected.is_empty() {
            return Ok(RoundOutcome::Rejected(rejected));
        }
        if measures.is_empty() {
            return Err(DomainError::new("value", "required", "saisissez au moins une mesure").into());
        }
        let now = self.now();
        let mut tx = self.store.begin_write().await?;
        let mut alerts = 0;
        for (person, m) in &measures {
            let (_, alert) = self.insert_measure(&mut tx, actor, *person, m, now).await?;
            alerts += usize::from(alert);
        }
        tx.commit().await.map_err(StoreError::from)?;
        Ok(RoundOutcome::Saved { count: measures.len(), alerts })
    }

    /// A weight that meets the undernutrition criteria writes an alert in the person's logbook,
    /// in the same transaction as the measure, unless one was written in the last seven days.
    /// Its author is the professional who weighed; a measure sent by an API client, which has no
    /// account to sign with, raises no note.
    async fn weight_alert(&self, tx: &mut Conn, actor: &Actor, person: PersonId, o: &Observation) -> Result<bool> {
        let Some(author) = actor.account_id() else { return Ok(false) };
        let q = ObservationQuery {
            kind: Some(VitalSign::BodyWeight),
            from: Some(o.effective_at - 6 * 31 * 86_400_000_000),
            to: Some(o.effective_at),
            oldest_first: false,
            limit: 400,
        };
        let history: Vec<(i64, f64)> =
            observations::for_person(tx, person, &q).await?.iter().map(|w| (w.effective_at, w.value)).collect();
        let Some(loss) = weight_loss(&history, o.effective_at, o.value) else { return Ok(false) };
        let week_ago = self.now_micros() - 7 * 86_400_000_000;
        if notes::recent_with_target(tx, person, WEIGHT_ALERT_TARGET, week_ago).await? {
            return Ok(false);
        }
        let tz = self.time_zone();
        let day = |micros: i64| {
            Timestamp::from_microsecond(micros).map(|t| tz.to_datetime(t).date().strftime("%d/%m/%Y").to_string())
        };
        let kg = |v: f64| format!("{v:.1}").replace('.', ",");
        let data = format!(
            "Poids {} kg le {} : perte de {} % en {} (poids de référence {} kg le {}).",
            kg(o.value),
            day(o.effective_at).unwrap_or_default(),
            format!("{:.1}", loss.percent).replace('.', ","),
            if loss.months == 1 { "un mois" } else { "six mois" },
            kg(loss.reference_kg),
            day(loss.reference_at).unwrap_or_default(),
        );
        let content = NoteContent::new(
            Category::NursingCare.code(),
            "",
            WEIGHT_ALERT_TARGET,
            &data,
            "À signaler au médecin et à l'infirmier coordinateur : évaluation nutritionnelle (MNA, albuminémie), surveillance des apports.",
            "",
        )?;
        let label = format!("Alerte automatique (pesée par {})", o.author_label);
        let detail = format!("weight-loss {} month(s)", loss.months);
        self.write_alert_note(tx, actor, (person, author), content, label, detail).await?;
        Ok(true)
    }

    /// Writes an automatic alert in the person's logbook, filed as the actor's notes are, with
    /// its audit event.
    pub(crate) async fn write_alert_note(
        &self,
        tx: &mut Conn,
        actor: &Actor,
        (person, author): (PersonId, AccountId),
        content: NoteContent,
        author_label: String,
        detail: String,
    ) -> Result<NoteId> {
        let stays = persons::stays(tx, person).await?;
        let stay = actor.filing_stay(&stays, self.today());
        let id = NoteId::generate();
        let note = Note {
            id,
            person_id: person,
            establishment_id: stay.map(|s| s.establishment_id),
            unit_id: stay.and_then(|s| s.unit_id),
            lineage_id: id,
            version: 1,
            is_current: true,
            content,
            importance: Importance::Alert,
            correction_reason: None,
            author_id: author,
            author_label,
            recorded_at: self.now_micros(),
        };
        notes::insert(tx, actor.organisation_id, &note).await?;
        let mut ev = actor.event("note.alert", "ok");
        ev.person_id = Some(person);
        ev.resource = Some(format!("note/{id}"));
        ev.detail = Some(detail);
        audit::append(tx, ev).await?;
        Ok(id)
    }

    /// One observation.
    pub async fn observation(&self, actor: &Actor, id: ObservationId) -> Result<Observation> {
        let mut conn = self.store.read().await?;
        let o = observations::get(&mut conn, actor.organisation_id, id).await?.ok_or(AppError::NotFound)?;
        self.person_for_observations(&mut conn, actor, o.person_id, Access::Read).await?;
        drop(conn);
        let mut ev = actor.event("observation.read", "ok");
        ev.person_id = Some(o.person_id);
        ev.resource = Some(format!("observation/{id}"));
        self.audit(ev).await?;
        Ok(o)
    }

    /// A person (for the identity banner) and their observations of one kind, for a chart, with
    /// the threshold in force and, for weights, the last height (for the BMI): one audit event.
    pub async fn observation_chart(&self, actor: &Actor, person: PersonId, query: &ObservationQuery) -> Result<Chart> {
        let mut conn = self.store.read().await?;
        let p = self.person_for_observations(&mut conn, actor, person, Access::Read).await?;
        let observations = observations::for_person(&mut conn, person, query).await?;
        let threshold = match query.kind {
            Some(kind) => self.person_threshold(&mut conn, actor, person, kind).await?,
            None => PersonThreshold { rule: None, may_set: false },
        };
        let last_height = if query.kind == Some(VitalSign::BodyWeight) {
            let q = ObservationQuery { kind: Some(VitalSign::BodyHeight), limit: 1, ..Default::default() };
            observations::for_person(&mut conn, person, &q).await?.first().map(|h| h.value)
        } else {
            None
        };
        drop(conn);
        let mut ev = actor.event("observation.chart", "ok");
        ev.person_id = Some(person);
        self.audit(ev).await?;
        Ok(Chart { person: p, observations, threshold, last_height })
    }

    /// A person's observations.
    pub async fn observations(
        &self,
        actor: &Actor,
        person: PersonId,
        query: &ObservationQuery,
    ) -> Result<Vec<Observation>> {
        let mut conn = self.store.read().await?;
        self.person_for_observations(&mut conn, actor, person, Access::Read).await?;
        let list = observations::for_person(&mut conn, person, query).await?;
        drop(conn);
        let mut ev = actor.event("observation.search", "ok");
        ev.person_id = Some(person);
        self.audit(ev).await?;
        Ok(list)
    }
}
