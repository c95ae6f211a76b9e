//! Observations (vital signs): record, read, list; staff by category, API clients by scope.

use crate::persons::{decision, enforce};
use crate::{Actor, App, AppError, Principal, Result, Validation};
use jiff::{SignedDuration, Timestamp};
use relais_domain::DomainError;
use relais_domain::access::{Category, PersonAction};
use relais_domain::ids::*;
use relais_domain::observation::{Measure, Plausibility, VitalSign, parse_number};
use relais_domain::scope::Access;
use relais_store::audit;
use relais_store::observations::{self, Observation, ObservationQuery};
use relais_store::persons::{self, Person};
use relais_store::{Conn, StoreError};

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
        let person = persons::person(conn, actor.organisation_id, id).await?.ok_or(AppError::NotFound)?;
        match &actor.principal {
            Principal::Staff { .. } => {
                let stays = persons::stays(conn, id).await?;
                let action = match access {
                    Access::Read => PersonAction::Read(Category::NursingCare),
                    Access::Write => PersonAction::Write(Category::NursingCare),
                };
                enforce(decision(self, actor, action, &person, &stays))?;
            }
            Principal::ApiClient { scopes, .. } => {
                if !scopes.allows("Observation", access) {
                    return Err(AppError::Forbidden);
                }
            }
        }
        Ok(person)
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
        self.person_for_observations(&mut tx, actor, person, Access::Write).await?;
        let id = ObservationId::generate();
        let who = actor.audit_actor();
        let o = Observation {
            id,
            person_id: person,
            lineage_id: id,
            version: 1,
            is_current: true,
            kind,
            value: measure.value,
            value2: measure.value2,
            effective_at: effective.as_microsecond(),
            recorded_at: now.as_microsecond(),
            author_kind: who.kind.to_string(),
            author_id: who.id.clone(),
            author_label: match &actor.principal {
                Principal::Staff { display_name, .. } => display_name.clone(),
                Principal::ApiClient { name, .. } => name.clone(),
            },
        };
        observations::insert(&mut tx, actor.organisation_id, &o).await?;
        let mut ev = actor.event("observation.create", "ok");
        ev.person_id = Some(person);
        ev.resource = Some(format!("observation/{id}"));
        audit::append(&mut tx, ev).await?;
        tx.commit().await.map_err(StoreError::from)?;
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
