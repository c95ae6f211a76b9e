//! Admission requests: recorded, moved through their workflow, listed as an establishment's waiting
//! list, and turned into a stay; by those who manage stays in that establishment, every read and
//! write audited.

use crate::persons::{decision, enforce, refuse_writes_to_alias};
use crate::{Actor, App, AppError, Result};
use relais_domain::DomainError;
use relais_domain::access::{Decision, PersonAction, may_register_person};
use relais_domain::admission::{AdmissionDetails, AdmissionForm, AdmissionStatus, check_transition};
use relais_domain::date::parse_date;
use relais_domain::ids::*;
use relais_store::admissions::{self, AdmissionRequest, StatusChange};
use relais_store::persons::{Person, Stay};
use relais_store::{Conn, StoreError, audit};

/// A request as typed in the form.
#[derive(Debug, Clone, Default)]
pub struct AdmissionInput {
    pub establishment: Option<EstablishmentId>,
    pub unit: Option<UnitId>,
    pub mode: String,
    pub source: String,
    pub mdph_number: String,
    pub mdph_valid_until: String,
    pub via_trajectoire_number: String,
    pub source_detail: String,
    pub received_on: String,
    pub priority: String,
    pub documents: String,
    pub comment: String,
}

/// A request with its history and what the actor may do next.
#[derive(Debug, Clone)]
pub struct AdmissionFile {
    pub request: AdmissionRequest,
    pub person: Person,
    pub history: Vec<StatusChange>,
    /// The statuses the request may move to (empty once final).
    pub next: Vec<AdmissionStatus>,
}

fn conflict(e: StoreError) -> AppError {
    match e {
        StoreError::Conflict(_) => AppError::Conflict(
            "cette demande vient d'être modifiée par quelqu'un d'autre : rechargez la page ; rien n'a été enregistré"
                .into(),
        ),
        other => other.into(),
    }
}

impl App {
    /// May the actor manage admissions in `establishment`? Without any grant there, the
    /// establishment is not theirs to know: `NotFound`; with one that does not manage stays: `Forbidden`.
    fn check_admissions_office(&self, actor: &Actor, establishment: EstablishmentId) -> Result<()> {
        let today = self.today();
        let grants = actor.grants();
        if !grants.iter().any(|g| g.is_active(today) && g.establishment == establishment) {
            return Err(AppError::NotFound);
        }
        if !may_register_person(grants, establishment, today) {
            return Err(AppError::Forbidden);
        }
        Ok(())
    }

    /// Loads a request for an actor who manages stays of its person in its establishment.
    async fn load_request(
        &self,
        conn: &mut Conn,
        actor: &Actor,
        id: AdmissionRequestId,
        write: bool,
    ) -> Result<(AdmissionRequest, Person, Vec<Stay>)> {
        let request = admissions::get(conn, actor.organisation_id, id).await?.ok_or(AppError::NotFound)?;
        let (person, stays) = self.load_for(conn, actor, request.person_id, PersonAction::ViewIdentity).await?;
        enforce(decision(self, actor, PersonAction::ManageStays, &person, &stays))?;
        if !may_register_person(actor.grants(), request.establishment_id, self.today()) {
            return Err(AppError::Forbidden);
        }
        if write {
            refuse_writes_to_alias(&person, PersonAction::ManageStays)?;
        }
        Ok((request, person, stays))
    }

    /// Records an admission request for a registered person (status « reçue »).
    pub async fn create_admission_request(
        &self,
        actor: &Actor,
        person: PersonId,
        input: &AdmissionInput,
    ) -> Result<AdmissionRequestId> {
        // Access first: a stranger learns nothing from the validation of what they typed.
        let mut tx = self.store.begin_write().await?;
        self.load_for(&mut tx, actor, person, PersonAction::ManageStays).await?;
        if input.establishment.is_some_and(|e| !may_register_person(actor.grants(), e, self.today())) {
            return Err(AppError::Forbidden);
        }
        let form = AdmissionForm {
            mode: &input.mode,
            source: &input.source,
            mdph_number: &input.mdph_number,
            mdph_valid_until: &input.mdph_valid_until,
            via_trajectoire_number: &input.via_trajectoire_number,
            source_detail: &input.source_detail,
            received_on: &input.received_on,
            priority: &input.priority,
            documents: &input.documents,
            comment: &input.comment,
        };
        let details = AdmissionDetails::new(&form, self.today());
        let mut errors = details.as_ref().err().cloned().unwrap_or_default();
        if input.establishment.is_none() {
            errors.insert(0, DomainError::new("establishment", "required", "choisissez l'établissement demandé"));
        }
        let (Some(establishment), Ok(details)) = (input.establishment, details) else {
            return Err(AppError::Invalid(errors));
        };
        self.check_unit(&mut tx, actor, establishment, input.unit).await?;
        let already = admissions::for_person(&mut tx, person).await?;
        if already.iter().any(|r| r.establishment_id == establishment && r.status.is_open()) {
            return Err(DomainError::new(
                "establishment",
                "request-open",
                "la personne a déjà une demande d'admission en cours dans cet établissement",
            )
            .into());
        }
        let now = self.now_micros();
        let request = AdmissionRequest {
            id: AdmissionRequestId::generate(),
            organisation_id: actor.organisation_id,
            person_id: person,
            establishment_id: establishment,
            unit_id: input.unit,
            mode: details.mode,
            source: details.source,
            received_on: details.received_on,
            priority: details.priority,
            documents: details.documents,
            status: AdmissionStatus::Received,
            stay_id: None,
            created_by: actor.account_id(),
            created_label: actor.label(),
            created_at: now,
            updated_at: now,
        };
        admissions::insert(&mut tx, &request, details.comment.as_deref().unwrap_or_default()).await?;
        let mut ev = actor.event("admission.create", "ok");
        ev.person_id = Some(person);
        ev.resource = Some(format!("admission/{}", request.id));
        ev.detail = Some(format!("{} {}", request.source.code(), request.priority.code()));
        audit::append(&mut tx, ev).await?;
        tx.commit().await.map_err(StoreError::from)?;
        Ok(request.id)
    }

    /// A request with its history, for those who manage stays in its establishment.
    pub async fn admission_request(&self, actor: &Actor, id: AdmissionRequestId) -> Result<AdmissionFile> {
        let mut conn = self.store.read().await?;
        let (request, person, _) = self.load_request(&mut conn, actor, id, false).await?;
        let history = admissions::history(&mut conn, id).await?;
        drop(conn);
        let mut ev = actor.event("admission.read", "ok");
        ev.person_id = Some(request.person_id);
        ev.resource = Some(format!("admission/{id}"));
        self.audit(ev).await?;
        let next = if person.merged_into.is_some() { vec![] } else { request.status.next().to_vec() };
        Ok(AdmissionFile { request, person, history, next })
    }

    /// The person's requests to establishments where the actor manages admissions; `None` when
    /// the actor may not manage this person's stays.
    pub async fn person_admissions(&self, actor: &Actor, person: PersonId) -> Result<Option<Vec<AdmissionRequest>>> {
        let mut conn = self.store.read().await?;
        let (p, stays) = self.load_for(&mut conn, actor, person, PersonAction::ViewIdentity).await?;
        if decision(self, actor, PersonAction::ManageStays, &p, &stays) != Decision::Allow {
            return Ok(None);
        }
        let today = self.today();
        let requests: Vec<AdmissionRequest> = admissions::for_person(&mut conn, person)
            .await?
            .into_iter()
            .filter(|r| may_register_person(actor.grants(), r.establishment_id, today))
            .collect();
        drop(conn);
        if !requests.is_empty() {
            let mut ev = actor.event("admission.read", "ok");
            ev.person_id = Some(person);
            ev.detail = Some(format!("{} request(s) on the person's page", requests.len()));
            self.audit(ev).await?;
        }
        Ok(Some(requests))
    }

    /// Moves a request along its workflow (not to « admise »: that opens a stay, see
    /// `admit_from_request`). A refusal or a withdrawal needs its reason in `comment`.
    pub async fn move_admission_request(
        &self,
        actor: &Actor,
        id: AdmissionRequestId,
        to: &str,
        comment: &str,
    ) -> Result<PersonId> {
        let mut tx = self.store.begin_write().await?;
        let (request, _, _) = self.load_request(&mut tx, actor, id, true).await?;
        let to = AdmissionStatus::from_code(to)?;
        let comment = check_transition(request.status, to, comment)?;
        if to == AdmissionStatus::Admitted {
            return Err(DomainError::new(
                "start",
                "admission-form",
                "l'admission se fait avec le formulaire « Admettre », qui demande la date d'entrée",
            )
            .into());
        }
        let change = StatusChange {
            from: Some(request.status),
            to,
            comment: comment.unwrap_or_default(),
            author_id: actor.account_id(),
            author_label: actor.label(),
            changed_at: self.now_micros(),
        };
        admissions::change_status(&mut tx, id, &change, None).await.map_err(conflict)?;
        let mut ev = actor.event("admission.status", "ok");
        ev.person_id = Some(request.person_id);
        ev.resource = Some(format!("admission/{id}"));
        ev.detail = Some(format!("{}→{}", request.status.code(), to.code()));
        audit::append(&mut tx, ev).await?;
        tx.commit().await.map_err(StoreError::from)?;
        Ok(request.person_id)
    }

    /// Admits the person of an accepted request: the stay opens through the ordinary admission
    /// (same checks) with the request's establishment, unit and mode, and the request becomes
    /// « admise », in one transaction.
    pub async fn admit_from_request(
        &self,
        actor: &Actor,
        id: AdmissionRequestId,
        start: &str,
        comment: &str,
    ) -> Result<(PersonId, StayId)> {
        let mut tx = self.store.begin_write().await?;
        let (request, _, _) = self.load_request(&mut tx, actor, id, true).await?;
        let start = parse_date("start", start)?;
        let comment = check_transition(request.status, AdmissionStatus::Admitted, comment)?;
        let stay = self
            .admit_in(
                &mut tx,
                actor,
                request.person_id,
                (request.establishment_id, request.unit_id),
                request.mode,
                start,
            )
            .await?;
        let change = StatusChange {
            from: Some(request.status),
            to: AdmissionStatus::Admitted,
            comment: comment.unwrap_or_default(),
            author_id: actor.account_id(),
            author_label: actor.label(),
            changed_at: self.now_micros(),
        };
        admissions::change_status(&mut tx, id, &change, Some(stay)).await.map_err(conflict)?;
        let mut ev = actor.event("admission.status", "ok");
        ev.person_id = Some(request.person_id);
        ev.resource = Some(format!("admission/{id}"));
        ev.detail = Some(format!("{}→{} stay/{stay}", request.status.code(), AdmissionStatus::Admitted.code()));
        audit::append(&mut tx, ev).await?;
        tx.commit().await.map_err(StoreError::from)?;
        Ok((request.person_id, stay))
    }

    /// The waiting list of an establishment: open requests, urgent first, then the oldest
    /// received; one audit event names every person listed.
    pub async fn admission_waiting_list(
        &self,
        actor: &Actor,
        establishment: EstablishmentId,
    ) -> Result<Vec<(AdmissionRequest, Person)>> {
        self.check_admissions_office(actor, establishment)?;
        let mut conn = self.store.read().await?;
        let rows = admissions::waiting_list(&mut conn, actor.organisation_id, establishment).await?;
        let rows = self.decide_each(&mut conn, actor, rows, |r| r.person_id, |_| PersonAction::ViewIdentity).await?;
        drop(conn);
        let shown: Vec<PersonId> = rows.iter().map(|(r, _)| r.person_id).collect();
        let mut ev = actor.event("admission.read", "ok").listing(&shown);
        ev.resource = Some(format!("establishment/{establishment}/admissions"));
        self.audit(ev).await?;
        Ok(rows)
    }
}
