//! Alert thresholds on measures: set by clinicians for one person or a whole establishment, the
//! person's rule first; a measure outside its rule writes an alert in the logbook.

use crate::{Actor, App, AppError, Result, Validation};
use jiff::Timestamp;
use relais_domain::DomainError;
use relais_domain::access::{Category, PersonAction, may_set_thresholds};
use relais_domain::ids::*;
use relais_domain::note::NoteContent;
use relais_domain::observation::{Breach, Threshold, VitalSign, french_number, parse_number};
use relais_store::observations::Observation;
use relais_store::thresholds::{self, ThresholdRule, ThresholdScope};
use relais_store::{Conn, StoreError, audit, persons};

/// The raw fields of a threshold form.
#[derive(Debug, Clone, Default)]
pub struct ThresholdInput {
    pub kind: String,
    pub low: String,
    pub high: String,
}

/// The rule in force for a kind of measure on a person, and who may change it.
#[derive(Debug, Clone)]
pub struct PersonThreshold {
    pub rule: Option<ThresholdRule>,
    pub may_set: bool,
}

impl ThresholdInput {
    fn validate(&self) -> Result<Threshold> {
        let mut v = Validation::default();
        let kind = v.check(VitalSign::from_code(&self.kind));
        let bound = |field: &'static str, s: &str| {
            if s.trim().is_empty() { Ok(None) } else { parse_number(field, s).map(Some) }
        };
        let low = v.check(bound("low", &self.low));
        let high = v.check(bound("high", &self.high));
        v.finish()?;
        match (kind, low, high) {
            (Some(kind), Some(low), Some(high)) => Ok(Threshold::new(kind, low, high)?),
            _ => Err(AppError::Internal("validation".into())),
        }
    }
}

/// The logbook target of a threshold alert.
pub fn alert_target(kind: VitalSign) -> String {
    format!("Seuil d'alerte : {}", kind.label())
}

impl App {
    /// The establishment of the person's open stay where the actor works, if the actor may set
    /// thresholds there.
    async fn threshold_establishment(
        &self,
        conn: &mut Conn,
        actor: &Actor,
        person: PersonId,
    ) -> Result<Option<EstablishmentId>> {
        let stays = persons::stays(conn, person).await?;
        let today = self.today();
        Ok(actor
            .filing_stay(&stays, today)
            .map(|s| s.establishment_id)
            .filter(|e| may_set_thresholds(actor.grants(), *e, today)))
    }

    /// Sets a person's threshold for a kind of measure, replacing theirs for that kind.
    pub async fn set_person_threshold(
        &self,
        actor: &Actor,
        person: PersonId,
        input: &ThresholdInput,
    ) -> Result<ThresholdId> {
        let account = actor.account_id().ok_or(AppError::Forbidden)?;
        let threshold = input.validate()?;
        let mut tx = self.store.begin_write().await?;
        self.load_for(&mut tx, actor, person, PersonAction::Write(Category::NursingCare)).await?;
        if self.threshold_establishment(&mut tx, actor, person).await?.is_none() {
            return Err(AppError::Forbidden);
        }
        let id = ThresholdId::generate();
        let rule = ThresholdRule {
            id,
            scope: ThresholdScope::Person(person),
            threshold,
            created_by: account,
            created_label: actor.label(),
            created_at: self.now_micros(),
        };
        thresholds::replace(&mut tx, actor.organisation_id, &rule).await?;
        let mut ev = actor.event("threshold.set", "ok");
        ev.person_id = Some(person);
        ev.resource = Some(format!("threshold/{id}"));
        ev.detail = Some(format!("{}: {}", threshold.kind.code(), threshold.describe()));
        audit::append(&mut tx, ev).await?;
        tx.commit().await.map_err(StoreError::from)?;
        Ok(id)
    }

    /// Sets an establishment's threshold for a kind of measure.
    pub async fn set_establishment_threshold(
        &self,
        actor: &Actor,
        establishment: EstablishmentId,
        input: &ThresholdInput,
    ) -> Result<ThresholdId> {
        let account = actor.account_id().ok_or(AppError::Forbidden)?;
        self.check_establishment_thresholds(actor, establishment)?;
        let threshold = input.validate()?;
        let id = ThresholdId::generate();
        let rule = ThresholdRule {
            id,
            scope: ThresholdScope::Establishment(establishment),
            threshold,
            created_by: account,
            created_label: actor.label(),
            created_at: self.now_micros(),
        };
        let mut tx = self.store.begin_write().await?;
        thresholds::replace(&mut tx, actor.organisation_id, &rule).await?;
        let mut ev = actor.event("threshold.set", "ok");
        ev.resource = Some(format!("establishment/{establishment}"));
        ev.detail = Some(format!("{}: {}", threshold.kind.code(), threshold.describe()));
        audit::append(&mut tx, ev).await?;
        tx.commit().await.map_err(StoreError::from)?;
        Ok(id)
    }

    /// Whether the actor may set an establishment's thresholds: out of their establishments the
    /// establishment is not found.
    fn check_establishment_thresholds(&self, actor: &Actor, establishment: EstablishmentId) -> Result<()> {
        let today = self.today();
        if !actor.grants().iter().any(|g| g.is_active(today) && g.establishment == establishment) {
            return Err(AppError::NotFound);
        }
        if !may_set_thresholds(actor.grants(), establishment, today) {
            return Err(AppError::Forbidden);
        }
        Ok(())
    }

    /// Removes a rule; returns whom it covered.
    pub async fn remove_threshold(&self, actor: &Actor, id: ThresholdId) -> Result<ThresholdScope> {
        let mut tx = self.store.begin_write().await?;
        let rule = thresholds::get(&mut tx, actor.organisation_id, id).await?.ok_or(AppError::NotFound)?;
        let mut ev = actor.event("threshold.remove", "ok");
        ev.resource = Some(format!("threshold/{id}"));
        match rule.scope {
            ThresholdScope::Person(p) => {
                self.load_for(&mut tx, actor, p, PersonAction::Write(Category::NursingCare)).await?;
                if self.threshold_establishment(&mut tx, actor, p).await?.is_none() {
                    return Err(AppError::Forbidden);
                }
                ev.person_id = Some(p);
            }
            ThresholdScope::Establishment(e) => self.check_establishment_thresholds(actor, e)?,
        }
        if !thresholds::remove(&mut tx, id, self.now_micros()).await? {
            return Err(AppError::Conflict("ce seuil a déjà été retiré".into()));
        }
        audit::append(&mut tx, ev).await?;
        tx.commit().await.map_err(StoreError::from)?;
        Ok(rule.scope)
    }

    /// The rule in force for `kind` on a person (theirs, else their establishment's). Read with
    /// the person's care data, whose audit event covers it.
    pub(crate) async fn person_threshold(
        &self,
        conn: &mut Conn,
        actor: &Actor,
        person: PersonId,
        kind: VitalSign,
    ) -> Result<PersonThreshold> {
        let stays = persons::stays(conn, person).await?;
        let today = self.today();
        let establishment = actor.filing_stay(&stays, today).map(|s| s.establishment_id);
        let rule = thresholds::applicable(conn, person, establishment, kind).await?;
        let may_set = establishment.is_some_and(|e| may_set_thresholds(actor.grants(), e, today));
        Ok(PersonThreshold { rule, may_set })
    }

    /// An establishment's rules, and whether the actor may change them.
    pub async fn establishment_thresholds(
        &self,
        actor: &Actor,
        establishment: EstablishmentId,
    ) -> Result<(Vec<ThresholdRule>, bool)> {
        let may_set = match self.check_establishment_thresholds(actor, establishment) {
            Ok(()) => true,
            Err(AppError::Forbidden) => false,
            Err(e) => return Err(e),
        };
        let mut conn = self.store.read().await?;
        let rules = thresholds::active(&mut conn, ThresholdScope::Establishment(establishment)).await?;
        Ok((rules, may_set))
    }

    /// Checks a new measure against the rule in force and writes an alert when it is outside.
    /// As for the weight alert, a measure sent by an API client raises no note.
    pub(crate) async fn threshold_alert(
        &self,
        tx: &mut Conn,
        actor: &Actor,
        person: PersonId,
        o: &Observation,
    ) -> Result<bool> {
        let Some(author) = actor.account_id() else { return Ok(false) };
        let stays = persons::stays(tx, person).await?;
        let establishment = actor.filing_stay(&stays, self.today()).map(|s| s.establishment_id);
        let Some(rule) = thresholds::applicable(tx, person, establishment, o.kind).await? else { return Ok(false) };
        let Some(breach) = rule.threshold.breach(o.value) else { return Ok(false) };
        let unit = o.kind.unit_label();
        let (side, bound) = match breach {
            Breach::Below(b) => ("sous le seuil bas", b),
            Breach::Above(b) => ("au-dessus du seuil haut", b),
        };
        let whose = match rule.scope {
            ThresholdScope::Person(_) => "seuil propre à la personne",
            ThresholdScope::Establishment(_) => "seuil de l'établissement",
        };
        let measured = if o.kind == VitalSign::BloodPressure { "Systolique" } else { o.kind.label() };
        let when = Timestamp::from_microsecond(o.effective_at)
            .map(|t| self.time_zone().to_datetime(t).strftime("%d/%m/%Y à %H:%M").to_string())
            .unwrap_or_default();
        let data = format!(
            "{measured} {} {unit} le {when} : {side} de {} {unit} ({whose}).",
            french_number(o.value),
            french_number(bound)
        );
        let content = NoteContent::new(
            Category::NursingCare.code(),
            "",
            &alert_target(o.kind),
            data.replace("  ", " ").trim(),
            "Recontrôler la mesure ; prévenir l'infirmier ou le médecin selon le protocole.",
            "",
        )
        .map_err(|e: DomainError| AppError::Internal(e.message))?;
        let label = format!("Alerte automatique (mesure de {})", o.author_label);
        let detail = format!("threshold {} {}", o.kind.code(), if bound < o.value { "above" } else { "below" });
        self.write_alert_note(tx, actor, (person, author), content, label, detail).await?;
        Ok(true)
    }
}
