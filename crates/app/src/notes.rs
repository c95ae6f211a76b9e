//! The logbook: write a note, correct it (new version with a reason), history, a unit's recent notes.

use crate::persons::{decision, enforce};
use crate::{Actor, App, AppError, Result};
use relais_domain::access::{PersonAction, readable_categories_in_unit};
use relais_domain::ids::*;
use relais_domain::note::{NoteContent, correction_reason};
use relais_store::StoreError;
use relais_store::audit;
use relais_store::notes::{self, Note};
use relais_store::persons::{self, Person};

/// The raw fields of a note form.
#[derive(Debug, Clone, Default)]
pub struct NoteInput {
    pub category: String,
    pub text: String,
    pub target: String,
    pub data: String,
    pub action: String,
    pub result: String,
}

impl NoteInput {
    fn validate(&self) -> Result<NoteContent> {
        Ok(NoteContent::new(&self.category, &self.text, &self.target, &self.data, &self.action, &self.result)?)
    }
}

impl App {
    /// Writes a note on a person. It is filed under the unit of the person's open stay
    /// in an establishment where the author works, so that it shows in that unit's logbook.
    pub async fn write_note(&self, actor: &Actor, person: PersonId, input: &NoteInput) -> Result<NoteId> {
        let content = input.validate()?;
        let account = actor.account_id().ok_or(AppError::Forbidden)?;
        let today = self.today();
        let mut tx = self.store.begin_write().await?;
        let (p, stays) = self.load_for(&mut tx, actor, person, PersonAction::Write(content.category)).await?;
        let stay = stays
            .iter()
            .filter(|s| s.is_open())
            .find(|s| actor.grants().iter().any(|g| g.is_active(today) && g.establishment == s.establishment_id));
        let id = NoteId::generate();
        let note = Note {
            id,
            person_id: p.id,
            establishment_id: stay.map(|s| s.establishment_id),
            unit_id: stay.and_then(|s| s.unit_id),
            lineage_id: id,
            version: 1,
            is_current: true,
            content,
            correction_reason: None,
            author_id: account,
            author_label: author_label(actor),
            recorded_at: self.now_micros(),
        };
        notes::insert(&mut tx, actor.organisation_id, &note).await?;
        let mut ev = actor.event("note.create", "ok");
        ev.person_id = Some(person);
        ev.resource = Some(format!("note/{id}"));
        audit::append(&mut tx, ev).await?;
        tx.commit().await.map_err(StoreError::from)?;
        Ok(id)
    }

    /// Corrects a note: a new version with the reason; the old one stays in the history.
    pub async fn correct_note(
        &self,
        actor: &Actor,
        note_id: NoteId,
        input: &NoteInput,
        reason: &str,
    ) -> Result<NoteId> {
        let content = input.validate();
        let reason = correction_reason(reason);
        let (content, reason) = match (content, reason) {
            (Ok(c), Ok(r)) => (c, r),
            (c, r) => {
                let mut errors = Vec::new();
                if let Err(AppError::Invalid(e)) = c {
                    errors.extend(e);
                }
                if let Err(e) = r {
                    errors.push(e);
                }
                return Err(AppError::Invalid(errors));
            }
        };
        let account = actor.account_id().ok_or(AppError::Forbidden)?;
        let mut tx = self.store.begin_write().await?;
        let old = notes::note(&mut tx, actor.organisation_id, note_id).await?.ok_or(AppError::NotFound)?;
        let (person, stays) =
            self.load_for(&mut tx, actor, old.person_id, PersonAction::Read(old.content.category)).await?;
        enforce(decision(self, actor, PersonAction::Write(old.content.category), &person, &stays))?;
        enforce(decision(self, actor, PersonAction::Write(content.category), &person, &stays))?;
        if !old.is_current || !notes::supersede(&mut tx, old.id).await? {
            return Err(AppError::Conflict("cette transmission a déjà été corrigée : rechargez la page".into()));
        }
        let id = NoteId::generate();
        let note = Note {
            id,
            person_id: old.person_id,
            establishment_id: old.establishment_id,
            unit_id: old.unit_id,
            lineage_id: old.lineage_id,
            version: old.version + 1,
            is_current: true,
            content,
            correction_reason: Some(reason),
            author_id: account,
            author_label: author_label(actor),
            recorded_at: self.now_micros(),
        };
        notes::insert(&mut tx, actor.organisation_id, &note).await?;
        let mut ev = actor.event("note.correct", "ok");
        ev.person_id = Some(old.person_id);
        ev.resource = Some(format!("note/{id}"));
        ev.detail = Some(format!("corrects note/{}", old.id));
        audit::append(&mut tx, ev).await?;
        tx.commit().await.map_err(StoreError::from)?;
        Ok(id)
    }

    /// Every version of a note, oldest first.
    pub async fn note_history(&self, actor: &Actor, note_id: NoteId) -> Result<(Person, Vec<Note>)> {
        let mut conn = self.store.read().await?;
        let note = notes::note(&mut conn, actor.organisation_id, note_id).await?.ok_or(AppError::NotFound)?;
        let (person, _) =
            self.load_for(&mut conn, actor, note.person_id, PersonAction::Read(note.content.category)).await?;
        let history = notes::history(&mut conn, actor.organisation_id, note.lineage_id).await?;
        drop(conn);
        let mut ev = actor.event("note.history", "ok");
        ev.person_id = Some(person.id);
        ev.resource = Some(format!("note/{}", note.lineage_id));
        self.audit(ev).await?;
        Ok((person, history))
    }

    /// A unit's notes of the last `hours` hours, in the categories the actor may read there.
    pub async fn unit_logbook(
        &self,
        actor: &Actor,
        establishment: EstablishmentId,
        unit: UnitId,
        hours: i64,
    ) -> Result<Vec<(Note, Person)>> {
        let today = self.today();
        let covered = actor.grants().iter().any(|g| g.is_active(today) && g.covers_unit(establishment, unit));
        if !covered {
            return Err(AppError::NotFound);
        }
        let categories = readable_categories_in_unit(actor.grants(), establishment, unit, today);
        let since = (self.now() - jiff::SignedDuration::from_hours(hours.clamp(1, 24 * 31))).as_microsecond();
        let mut conn = self.store.read().await?;
        let list = notes::for_unit(&mut conn, unit, since, &categories, 300).await?;
        let mut ids: Vec<PersonId> = list.iter().map(|n| n.person_id).collect();
        ids.sort();
        ids.dedup();
        let people = persons::persons_by_ids(&mut conn, actor.organisation_id, &ids).await?;
        drop(conn);
        let out: Vec<(Note, Person)> = list
            .into_iter()
            .filter_map(|n| people.iter().find(|p| p.id == n.person_id).cloned().map(|p| (n, p)))
            .collect();
        self.audit(actor.event("unit.logbook", "ok").listing(&ids)).await?;
        Ok(out)
    }
}

/// Most results a logbook search shows.
pub const SEARCH_LIMIT: usize = 50;

impl App {
    /// Searches the current notes the actor may read, newest first, over the last `days` days
    /// (everything when `None`). Each result is decided person by person, as on the person's
    /// page; one audit event names every person shown.
    pub async fn search_notes(&self, actor: &Actor, text: &str, days: Option<i64>) -> Result<Vec<(Note, Person)>> {
        let crate::Principal::Staff { grants, .. } = &actor.principal else {
            return Err(AppError::Forbidden);
        };
        let words: Vec<String> =
            relais_domain::text::fold(text).split(' ').filter(|w| !w.is_empty()).map(str::to_string).collect();
        if words.is_empty() {
            return Err(AppError::Invalid(vec![relais_domain::DomainError::new(
                "q",
                "required",
                "saisissez au moins un mot",
            )]));
        }
        let today = self.today();
        let (categories, establishments) = relais_domain::access::search_bounds(grants, today);
        let since =
            days.map(|d| (self.now() - jiff::SignedDuration::from_hours(24 * d.clamp(1, 3660))).as_microsecond());
        let query = notes::NoteSearch {
            words,
            categories,
            establishments,
            since,
            // Some candidates fall outside the actor's scope (a unit grant, a former resident).
            limit: SEARCH_LIMIT as i64 * 4,
        };
        let mut conn = self.store.read().await?;
        let found = notes::search(&mut conn, actor.organisation_id, &query).await?;
        let mut ids: Vec<PersonId> = found.iter().map(|n| n.person_id).collect();
        ids.sort();
        ids.dedup();
        let people = persons::persons_by_ids(&mut conn, actor.organisation_id, &ids).await?;
        let stays = persons::stays_of(&mut conn, &ids).await?;
        drop(conn);
        let mut out = Vec::new();
        for note in found {
            let Some(person) = people.iter().find(|p| p.id == note.person_id) else { continue };
            let theirs: Vec<_> = stays.iter().filter(|s| s.person_id == person.id).cloned().collect();
            let action = PersonAction::Read(note.content.category);
            if decision(self, actor, action, person, &theirs) == relais_domain::access::Decision::Allow {
                out.push((note, person.clone()));
                if out.len() == SEARCH_LIMIT {
                    break;
                }
            }
        }
        let mut shown: Vec<PersonId> = out.iter().map(|(_, p)| p.id).collect();
        shown.sort();
        shown.dedup();
        self.audit(actor.event("note.search", "ok").listing(&shown)).await?;
        Ok(out)
    }
}

fn author_label(actor: &Actor) -> String {
    match &actor.principal {
        crate::Principal::Staff { display_name, .. } => display_name.clone(),
        crate::Principal::ApiClient { name, .. } => name.clone(),
    }
}
