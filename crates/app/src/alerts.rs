//! Alerts pinned on a person: care data (read and written as nursing care), audited.

use crate::persons::{decision, enforce};
use crate::{Actor, App, AppError, Result};
use relais_domain::DomainError;
use relais_domain::access::{Category, PersonAction, readable_categories_in_unit};
use relais_domain::alert::{AlertKind, alert_detail};
use relais_domain::ids::*;
use relais_store::StoreError;
use relais_store::alerts::{self, PersonAlert};
use relais_store::audit;

impl App {
    /// Pins an alert on a person.
    pub async fn pin_alert(&self, actor: &Actor, person: PersonId, kind: &str, detail: &str) -> Result<PersonAlertId> {
        let account = actor.account_id().ok_or(AppError::Forbidden)?;
        let kind = AlertKind::from_code(kind)?;
        let detail = alert_detail(kind, detail)?;
        let mut tx = self.store.begin_write().await?;
        self.load_for(&mut tx, actor, person, PersonAction::Write(Category::NursingCare)).await?;
        let id = PersonAlertId::generate();
        let alert = PersonAlert {
            id,
            person_id: person,
            kind,
            detail,
            created_by: account,
            created_label: actor.label(),
            created_at: self.now_micros(),
            resolved_by: None,
            resolved_label: None,
            resolved_at: None,
            resolution: None,
        };
        alerts::insert(&mut tx, actor.organisation_id, &alert).await?;
        let mut ev = actor.event("alert.pin", "ok");
        ev.person_id = Some(person);
        ev.resource = Some(format!("alert/{id}"));
        audit::append(&mut tx, ev).await?;
        tx.commit().await.map_err(StoreError::from)?;
        Ok(id)
    }

    /// Resolves an alert with a reason; it stays in the record.
    pub async fn resolve_alert(&self, actor: &Actor, alert: PersonAlertId, resolution: &str) -> Result<PersonId> {
        let account = actor.account_id().ok_or(AppError::Forbidden)?;
        let resolution = resolution.trim();
        if resolution.is_empty() || resolution.chars().count() > 500 {
            return Err(DomainError::new(
                "resolution",
                "required",
                "indiquez pourquoi l'alerte est levée (500 caractères au plus)",
            )
            .into());
        }
        let mut tx = self.store.begin_write().await?;
        let a = alerts::get(&mut tx, actor.organisation_id, alert).await?.ok_or(AppError::NotFound)?;
        let (person, stays) =
            self.load_for(&mut tx, actor, a.person_id, PersonAction::Read(Category::NursingCare)).await?;
        enforce(decision(self, actor, PersonAction::Write(Category::NursingCare), &person, &stays))?;
        if !alerts::resolve(&mut tx, alert, account, &actor.label(), self.now_micros(), resolution).await? {
            return Err(AppError::Conflict("cette alerte a déjà été levée : rechargez la page".into()));
        }
        let mut ev = actor.event("alert.resolve", "ok");
        ev.person_id = Some(a.person_id);
        ev.resource = Some(format!("alert/{alert}"));
        audit::append(&mut tx, ev).await?;
        tx.commit().await.map_err(StoreError::from)?;
        Ok(a.person_id)
    }

    /// Active alerts of a unit's residents, for the unit page (the page's audit event lists them).
    pub async fn unit_alerts(
        &self,
        actor: &Actor,
        establishment: EstablishmentId,
        unit: UnitId,
        persons: &[PersonId],
    ) -> Result<Vec<PersonAlert>> {
        let readable = readable_categories_in_unit(actor.grants(), establishment, unit, self.today());
        if !readable.contains(&Category::NursingCare) {
            return Ok(vec![]);
        }
        let mut conn = self.store.read().await?;
        Ok(alerts::active_for(&mut conn, persons).await?)
    }
}
