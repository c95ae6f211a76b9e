//! The logbook: write a note, correct it (new version with a reason), history, a unit's recent notes.

use crate::persons::{decision, enforce};
use crate::{Actor, App, AppError, Result};
use relais_domain::DomainError;
use relais_domain::access::{
    Category, Decision, PersonAction, PersonScope, Profile, decide, readable_categories_in_unit,
};
use relais_domain::ids::*;
use relais_domain::note::{Importance, Mention, NoteContent, correction_reason};
use relais_domain::scope::Access;
use relais_store::StoreError;
use relais_store::audit;
use relais_store::notes::{self, Note};
use relais_store::org::Colleague;
use relais_store::persons::{self, Person, scope_of};

/// The raw fields of a note form.
#[derive(Debug, Clone, Default)]
pub struct NoteInput {
    pub category: String,
    pub text: String,
    pub target: String,
    pub data: String,
    pub action: String,
    pub result: String,
    /// `normal` (or empty), `to_read` or `alert`.
    pub importance: String,
    /// Colleagues and teams to bring it to (`account:<id>`, `team:<profile>`); ignored by a
    /// correction, which keeps the note's mentions.
    pub mentions: Vec<String>,
    /// An objective of the person's projet personnalisé the note reports on (its id), if any.
    pub objective: Option<String>,
}

impl NoteInput {
    fn validate(&self) -> Result<(NoteContent, Importance)> {
        let content =
            NoteContent::new(&self.category, &self.text, &self.target, &self.data, &self.action, &self.result);
        match (content, Importance::parse(&self.importance)) {
            (Ok(c), Ok(i)) => Ok((c, i)),
            (c, i) => Err(AppError::Invalid(c.err().into_iter().chain(i.err()).collect())),
        }
    }
}

/// The (establishment, profile) teams the actor belongs to today.
fn my_teams(grants: &[relais_domain::access::Grant], today: jiff::civil::Date) -> Vec<(EstablishmentId, Profile)> {
    let mut teams: Vec<(EstablishmentId, Profile)> =
        grants.iter().filter(|g| g.is_active(today)).map(|g| (g.establishment, g.profile)).collect();
    teams.sort();
    teams.dedup();
    teams
}

/// Each mentioned colleague or team must work where the person is and be allowed to read the
/// note: a note is never brought to someone it would be hidden from.
fn check_mentions(
    mentions: &[Mention],
    colleagues: &[Colleague],
    category: Category,
    person: &PersonScope,
    today: jiff::civil::Date,
) -> Result<()> {
    let may_read = |c: &Colleague| {
        decide(std::slice::from_ref(&c.grant), PersonAction::Read(category), person, today) == Decision::Allow
    };
    let mut errors = Vec::new();
    for m in mentions {
        match m {
            Mention::Colleague(a) => {
                let theirs: Vec<&Colleague> = colleagues.iter().filter(|c| c.account_id == *a).collect();
                match theirs.first() {
                    None => errors.push(DomainError::new(
                        "mention",
                        "mention-elsewhere",
                        "ce collègue ne travaille pas auprès de cette personne",
                    )),
                    Some(c) if !theirs.iter().any(|c| may_read(c)) => errors.push(DomainError::new(
                        "mention",
                        "mention-cannot-read",
                        format!("{} ne peut pas lire une transmission « {} »", c.name, category.label()),
                    )),
                    Some(_) => {}
                }
            }
            Mention::Team(profile) => {
                if !colleagues.iter().any(|c| c.grant.profile == *profile && may_read(c)) {
                    errors.push(DomainError::new(
                        "mention",
                        "mention-cannot-read",
                        format!("aucun membre de l'équipe « {} » ne peut lire cette transmission ici", profile.label()),
                    ));
                }
            }
        }
    }
    if errors.is_empty() { Ok(()) } else { Err(AppError::Invalid(errors)) }
}

impl App {
    /// Colleagues and teams a note on the person may be brought to, as form choices
    /// (`account:<id>` or `team:<profile>`, label): those who work where the person is, the
    /// actor excepted. Whether each may read a given note is checked when it is written.
    pub(crate) async fn mention_choices(
        &self,
        conn: &mut relais_store::Conn,
        actor: &Actor,
        person: &Person,
        stays: &[relais_store::persons::Stay],
    ) -> Result<Vec<(String, String)>> {
        let today = self.today();
        let Some(stay) = actor.filing_stay(stays, today) else { return Ok(vec![]) };
        let colleagues = self.colleagues(conn, stay.establishment_id).await?;
        let scope = scope_of(person, stays);
        let present: Vec<&Colleague> = colleagues
            .iter()
            .filter(|c| {
                Some(c.account_id) != actor.account_id()
                    && decide(std::slice::from_ref(&c.grant), PersonAction::ViewIdentity, &scope, today)
                        == Decision::Allow
            })
            .collect();
        let mut teams: Vec<Profile> = present.iter().map(|c| c.grant.profile).collect();
        teams.sort();
        teams.dedup();
        let mut out: Vec<(String, String)> =
            teams.into_iter().map(|p| (Mention::Team(p).code(), format!("Équipe : {}", p.label()))).collect();
        let mut seen = Vec::new();
        for c in present {
            if !seen.contains(&c.account_id) {
                seen.push(c.account_id);
                out.push((
                    Mention::Colleague(c.account_id).code(),
                    format!("{} ({})", c.name, c.grant.profile.label()),
                ));
            }
        }
        Ok(out)
    }

    /// Was the note brought to the actor, by name or through one of their teams?
    async fn mentions_actor(&self, conn: &mut relais_store::Conn, actor: &Actor, lineage: NoteId) -> Result<bool> {
        let Some(me) = actor.account_id() else { return Ok(false) };
        let teams = my_teams(actor.grants(), self.today());
        Ok(notes::mentions_of(conn, &[lineage]).await?.iter().any(|m| match m.mention {
            Mention::Colleague(a) => a == me,
            Mention::Team(p) => m.establishment_id.is_some_and(|e| teams.contains(&(e, p))),
        }))
    }

    /// Writes a note on a person. It is filed under the unit of the person's open stay
    /// in an establishment where the author works, so that it shows in that unit's logbook.
    pub async fn write_note(&self, actor: &Actor, person: PersonId, input: &NoteInput) -> Result<NoteId> {
        let validated = input.validate();
        let mentions = Mention::parse_all(input.mentions.iter().map(String::as_str));
        let ((content, importance), mentions) = match (validated, mentions) {
            (Ok(c), Ok(m)) => (c, m),
            (c, m) => {
                let mut errors = match c {
                    Err(AppError::Invalid(e)) => e,
                    Err(other) => return Err(other),
                    Ok(_) => vec![],
                };
                errors.extend(m.err());
                return Err(AppError::Invalid(errors));
            }
        };
        let account = actor.account_id().ok_or(AppError::Forbidden)?;
        let today = self.today();
        let mut tx = self.store.begin_write().await?;
        let (p, stays) = self.load_for(&mut tx, actor, person, PersonAction::Write(content.category)).await?;
        let stay = actor.filing_stay(&stays, today);
        if !mentions.is_empty() {
            let Some(stay) = stay else {
                return Err(DomainError::new(
                    "mention",
                    "mention-no-stay",
                    "la personne n'a pas de séjour en cours dans votre établissement : personne à qui la signaler",
                )
                .into());
            };
            let colleagues = relais_store::org::colleagues(&mut tx, stay.establishment_id).await?;
            check_mentions(&mentions, &colleagues, content.category, &scope_of(&p, &stays), today)?;
        }
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
            importance,
            correction_reason: None,
            author_id: account,
            author_label: actor.label(),
            recorded_at: self.now_micros(),
        };
        notes::insert(&mut tx, actor.organisation_id, &note).await?;
        notes::insert_mentions(&mut tx, actor.organisation_id, &note, &mentions).await?;
        if let Some(objective) = input.objective.as_deref().filter(|o| !o.trim().is_empty()) {
            self.tie_note_to_objective(&mut tx, actor, &p, &stays, id, objective).await?;
        }
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
        let ((content, importance), reason) = match (content, reason) {
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
            importance,
            correction_reason: Some(reason),
            author_id: account,
            author_label: actor.label(),
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

    /// One version of a note (FHIR Communication read), audited.
    pub async fn note(&self, actor: &Actor, note_id: NoteId) -> Result<Note> {
        let mut conn = self.store.read().await?;
        let note = notes::note(&mut conn, actor.organisation_id, note_id).await?.ok_or(AppError::NotFound)?;
        let needed = ("Communication", Access::Read);
        let staff_action = PersonAction::Read(note.content.category);
        self.load_for_resource(&mut conn, actor, note.person_id, needed, staff_action).await?;
        drop(conn);
        let mut ev = actor.event("note.read", "ok");
        ev.person_id = Some(note.person_id);
        ev.resource = Some(format!("note/{note_id}"));
        self.audit(ev).await?;
        Ok(note)
    }

    /// A person's current notes recorded in [from, to), newest first, in `category` or every
    /// category the actor may read (FHIR Communication search), audited.
    pub async fn person_notes(
        &self,
        actor: &Actor,
        person: PersonId,
        category: Option<Category>,
        period: (i64, i64),
        limit: i64,
    ) -> Result<Vec<Note>> {
        let mut conn = self.store.read().await?;
        let needed = ("Communication", Access::Read);
        let (p, stays) = self.load_for_resource(&mut conn, actor, person, needed, PersonAction::ViewIdentity).await?;
        let mut readable = self.readable_categories(actor, "Communication", &p, &stays);
        if let Some(c) = category {
            readable.retain(|r| *r == c);
        }
        let list = notes::for_person(&mut conn, person, &readable, period, limit).await?;
        drop(conn);
        let mut ev = actor.event("note.search", "ok");
        ev.person_id = Some(person);
        self.audit(ev).await?;
        Ok(list)
    }

    /// A unit's notes of the last `hours` hours, in the categories the actor may read there.
    pub async fn unit_logbook(
        &self,
        actor: &Actor,
        establishment: EstablishmentId,
        unit: UnitId,
        filter: &LogbookFilter,
    ) -> Result<Vec<(Note, Person)>> {
        let today = self.today();
        let covered = actor.grants().iter().any(|g| g.is_active(today) && g.covers_unit(establishment, unit));
        if !covered {
            return Err(AppError::NotFound);
        }
        let hours = filter.hours;
        let mut categories = readable_categories_in_unit(actor.grants(), establishment, unit, today);
        if let Some(only) = filter.category {
            categories.retain(|c| *c == only);
        }
        let since = (self.now() - jiff::SignedDuration::from_hours(hours.clamp(1, 24 * 31))).as_microsecond();
        let mut conn = self.store.read().await?;
        let list = notes::for_unit(&mut conn, unit, since, &categories, 300).await?;
        let mut ids: Vec<PersonId> = list.iter().map(|n| n.person_id).collect();
        ids.sort();
        ids.dedup();
        let people = persons::persons_by_ids(&mut conn, actor.organisation_id, &ids).await?;
        drop(conn);
        let author = filter.author.as_deref().map(relais_domain::text::fold).filter(|a| !a.is_empty());
        let out: Vec<(Note, Person)> = list
            .into_iter()
            .filter(|n| author.as_ref().is_none_or(|a| relais_domain::text::fold(&n.author_label).contains(a.as_str())))
            .filter_map(|n| people.iter().find(|p| p.id == n.person_id).cloned().map(|p| (n, p)))
            .collect();
        self.audit(actor.event("unit.logbook", "ok").listing(&ids)).await?;
        Ok(out)
    }
}

/// What a unit's logbook shows: a period, and optionally one category or one author.
#[derive(Debug, Clone)]
pub struct LogbookFilter {
    pub hours: i64,
    pub category: Option<relais_domain::access::Category>,
    /// Part of the author's name, accents and case ignored.
    pub author: Option<String>,
}

impl Default for LogbookFilter {
    fn default() -> Self {
        Self { hours: 24, category: None, author: None }
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
            now: self.now_micros(),
            // Some candidates fall outside the actor's scope (a unit grant, a former resident).
            limit: SEARCH_LIMIT as i64 * 4,
        };
        let mut conn = self.store.read().await?;
        let found = notes::search(&mut conn, actor.organisation_id, &query).await?;
        let mut out = self
            .decide_each(&mut conn, actor, found, |n| n.person_id, |n| PersonAction::Read(n.content.category))
            .await?;
        drop(conn);
        out.truncate(SEARCH_LIMIT);
        let mut shown: Vec<PersonId> = out.iter().map(|(_, p)| p.id).collect();
        shown.sort();
        shown.dedup();
        self.audit(actor.event("note.search", "ok").listing(&shown)).await?;
        Ok(out)
    }
}

/// A note in a reader's digest, with its read receipts.
#[derive(Debug, Clone)]
pub struct DigestItem {
    pub note: Note,
    pub person: Person,
    /// Has the reader acknowledged it? (always true for a normal note)
    pub read_by_me: bool,
    /// How many colleagues have acknowledged it.
    pub readers: usize,
    /// Brought to the reader's attention, by name or through their team.
    pub for_me: bool,
}

/// What happened on the reader's units since their last shift.
#[derive(Debug, Clone)]
pub struct ShiftDigest {
    /// Where the digest starts (the end of the previous shift, at most three days back).
    pub since: i64,
    /// Whether `since` is the end of a previous shift (false: first shift, last 24 hours shown).
    pub from_previous_shift: bool,
    /// Notes to read or alerts not yet acknowledged first, then the others; newest first in each.
    pub items: Vec<DigestItem>,
}

/// Most notes a digest lists.
pub const DIGEST_LIMIT: usize = 300;

impl App {
    /// "Since my last shift": the current notes written on the reader's units (or whole
    /// establishments for establishment-wide grants) since the end of their previous shift.
    pub async fn since_last_shift(&self, actor: &Actor) -> Result<ShiftDigest> {
        let crate::Principal::Staff { grants, account_id, .. } = &actor.principal else {
            return Err(AppError::Forbidden);
        };
        let today = self.today();
        let now = self.now_micros();
        let mut places = notes::Places::default();
        for g in grants.iter().filter(|g| g.is_active(today)) {
            match g.unit {
                Some(u) => places.units.push(u),
                None => places.establishments.push(g.establishment),
            }
        }
        places.units.sort();
        places.units.dedup();
        places.establishments.sort();
        places.establishments.dedup();
        let (categories, _) = relais_domain::access::search_bounds(grants, today);
        let mut conn = self.store.read().await?;
        let previous = relais_store::security::previous_shift_end(&mut conn, *account_id).await?;
        let (since, from_previous_shift) = match previous {
            Some(end) => (end.max(now - 72 * 3_600_000_000), true),
            None => (now - 24 * 3_600_000_000, false),
        };
        let mut found =
            notes::written_in(&mut conn, actor.organisation_id, &places, &categories, since, DIGEST_LIMIT as i64)
                .await?;
        // What was brought to me stays in my digest for a week, wherever in my establishments it
        // was written, and comes first until I acknowledge it.
        let teams = my_teams(grants, today);
        let week_ago = now - 7 * 86_400_000_000;
        let mentioned = notes::mentioning(&mut conn, actor.organisation_id, *account_id, &teams, week_ago, 100).await?;
        let for_me: Vec<NoteId> = mentioned.iter().map(|n| n.lineage_id).collect();
        for n in mentioned {
            if !found.iter().any(|f| f.id == n.id) {
                found.push(n);
            }
        }
        found.sort_by_key(|n| std::cmp::Reverse(n.recorded_at));
        let items = self.decided_items(&mut conn, actor, found, *account_id, &for_me).await?;
        drop(conn);
        let mut shown: Vec<PersonId> = items.iter().map(|i| i.person.id).collect();
        shown.sort();
        shown.dedup();
        self.audit(actor.event("logbook.shift", "ok").listing(&shown)).await?;
        Ok(ShiftDigest { since, from_previous_shift, items })
    }

    /// Keeps the notes the actor may read (decided person by person), with their receipts,
    /// unacknowledged notes first.
    async fn decided_items(
        &self,
        conn: &mut relais_store::Conn,
        actor: &Actor,
        found: Vec<Note>,
        me: AccountId,
        for_me: &[NoteId],
    ) -> Result<Vec<DigestItem>> {
        let allowed =
            self.decide_each(conn, actor, found, |n| n.person_id, |n| PersonAction::Read(n.content.category)).await?;
        let wants_receipt = |n: &Note| n.importance.wants_receipts() || for_me.contains(&n.lineage_id);
        let flagged: Vec<NoteId> =
            allowed.iter().filter(|(n, _)| wants_receipt(n)).map(|(n, _)| n.lineage_id).collect();
        let receipts = notes::receipts(conn, &flagged).await?;
        let mut items: Vec<DigestItem> = Vec::new();
        for (note, person) in allowed {
            let of_note = receipts.iter().filter(|(l, _, _)| *l == note.lineage_id);
            let read_by_me = !wants_receipt(&note) || of_note.clone().any(|(_, a, _)| *a == me);
            let mine = for_me.contains(&note.lineage_id);
            items.push(DigestItem { readers: of_note.count(), read_by_me, for_me: mine, person, note });
        }
        // Stable: newest first within each group, as the query returned them; what is still to
        // acknowledge first, and among it what was brought to me.
        items.sort_by_key(|i| (i.read_by_me, !i.for_me));
        Ok(items)
    }

    /// Acknowledges a note to read (or an alert) for the actor.
    pub async fn mark_note_read(&self, actor: &Actor, note_id: NoteId) -> Result<PersonId> {
        let account = actor.account_id().ok_or(AppError::Forbidden)?;
        let mut tx = self.store.begin_write().await?;
        let note = notes::note(&mut tx, actor.organisation_id, note_id).await?.ok_or(AppError::NotFound)?;
        self.load_for(&mut tx, actor, note.person_id, PersonAction::Read(note.content.category)).await?;
        if !note.importance.wants_receipts() && !self.mentions_actor(&mut tx, actor, note.lineage_id).await? {
            return Err(AppError::Conflict("cette transmission ne demande pas d'accusé de lecture".into()));
        }
        if notes::mark_read(&mut tx, note.lineage_id, account, self.now_micros()).await? {
            let mut ev = actor.event("note.acknowledge", "ok");
            ev.person_id = Some(note.person_id);
            ev.resource = Some(format!("note/{}", note.lineage_id));
            audit::append(&mut tx, ev).await?;
        }
        tx.commit().await.map_err(StoreError::from)?;
        Ok(note.person_id)
    }
}
