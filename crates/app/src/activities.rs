//! Collective activities of an establishment: planned once or repeated, persons registered on a
//! session or on the whole series, attendance taken at the session; audited where persons appear.

use crate::persons::decision;
use crate::{Actor, App, AppError, Result, Validation};
use jiff::civil::{Date, Time};
use relais_domain::DomainError;
use relais_domain::access::{Decision, PersonAction, may_plan_activities};
use relais_domain::activity::{ActivityDetails, Attendance};
use relais_domain::date::parse_date;
use relais_domain::ids::*;
use relais_domain::recurrence::{Planned, Repeat, occurrences};
use relais_store::activities::{self, Activity, Participant};
use relais_store::persons::{self, Person};
use relais_store::{StoreError, audit};

/// The raw fields of the activity form.
#[derive(Debug, Clone, Default)]
pub struct ActivityInput {
    pub title: String,
    pub location: String,
    pub capacity: String,
    /// JJ/MM/AAAA, and HH:MM local times.
    pub date: String,
    pub start: String,
    pub end: String,
    pub repeat: String,
    pub until: String,
    /// A unit of the establishment, or empty for the whole establishment.
    pub unit: String,
}

/// A session as its page shows it.
#[derive(Debug, Clone)]
pub struct ActivitySession {
    pub activity: Activity,
    pub participants: Vec<(Participant, Person)>,
    /// Persons staying in the establishment and not yet registered.
    pub candidates: Vec<Person>,
    /// Sessions of the series from this one on (this one included).
    pub sessions_ahead: usize,
    pub may_manage: bool,
}

fn time(field: &'static str, v: &str) -> std::result::Result<Time, DomainError> {
    v.trim().parse::<Time>().map_err(|_| DomainError::new(field, "time-invalid", "heure attendue au format HH:MM"))
}

impl App {
    /// Whether the actor works in the establishment (else it is not found to them), and may
    /// plan its activities.
    fn activities_access(&self, actor: &Actor, establishment: EstablishmentId) -> Result<bool> {
        let today = self.today();
        if !actor.grants().iter().any(|g| g.is_active(today) && g.establishment == establishment) {
            return Err(AppError::NotFound);
        }
        Ok(may_plan_activities(actor.grants(), establishment, today))
    }

    /// A session the actor may change: in their establishment, planned by profiles who may, and
    /// not cancelled.
    async fn session_to_change(&self, tx: &mut relais_store::Conn, actor: &Actor, id: ActivityId) -> Result<Activity> {
        let activity = activities::get(tx, actor.organisation_id, id).await?.ok_or(AppError::NotFound)?;
        if !self.activities_access(actor, activity.establishment_id)? {
            return Err(AppError::Forbidden);
        }
        if activity.cancelled_at.is_some() {
            return Err(AppError::Conflict("cette séance est annulée".into()));
        }
        Ok(activity)
    }

    /// Plans an activity: one session, or one per day of its repetition. Returns the first.
    pub async fn plan_activity(
        &self,
        actor: &Actor,
        establishment: EstablishmentId,
        input: &ActivityInput,
    ) -> Result<ActivityId> {
        let account = actor.account_id().ok_or(AppError::Forbidden)?;
        if !self.activities_access(actor, establishment)? {
            return Err(AppError::Forbidden);
        }
        let mut v = Validation::default();
        let details = match ActivityDetails::new(&input.title, &input.location, &input.capacity) {
            Ok(d) => Some(d),
            Err(errors) => {
                errors.into_iter().for_each(|e| v.push(e));
                None
            }
        };
        let day = v.check(parse_date("date", &input.date));
        let start = v.check(time("start", &input.start));
        let end = v.check(time("end", &input.end));
        if let (Some(s), Some(e)) = (start, end)
            && e <= s
        {
            v.push(DomainError::new("end", "order", "la fin doit suivre le début"));
        }
        let repeat = v.check(Repeat::from_code_among(&input.repeat, &Repeat::BY_DAYS));
        let until = match input.until.trim() {
            "" => None,
            u => v.check(parse_date("until", u)),
        };
        let places = self.places(actor.organisation_id).await?;
        let unit = match input.unit.trim() {
            "" => None,
            u => {
                let found = u
                    .parse::<UnitId>()
                    .ok()
                    .filter(|id| places.units.iter().any(|x| x.id == *id && x.establishment_id == establishment));
                if found.is_none() {
                    v.push(DomainError::new("unit", "unit-invalid", "unité inconnue dans cet établissement"));
                }
                found
            }
        };
        let dates = match (day, repeat) {
            (Some(d), Some(r)) => v.check(occurrences(d, r, until, Planned::Session)).map(|o| o.dates),
            _ => None,
        };
        if let Some(d) = day
            && d < self.today()
        {
            v.push(DomainError::new("date", "date-past", "la première séance ne peut pas être passée"));
        }
        v.finish()?;
        let (Some(details), Some(dates), Some(start), Some(end)) = (details, dates, start, end) else {
            return Err(AppError::Internal("validation".into()));
        };
        let tz = self.time_zone();
        let at = |d: Date, t: Time| {
            tz.to_timestamp(d.to_datetime(t)).map(|x| x.as_microsecond()).map_err(|e| AppError::Internal(e.to_string()))
        };
        let now = self.now_micros();
        let series = ActivityId::generate();
        let mut tx = self.store.begin_write().await?;
        for (i, d) in dates.iter().enumerate() {
            let a = Activity {
                id: if i == 0 { series } else { ActivityId::generate() },
                establishment_id: establishment,
                unit_id: unit,
                series_id: series,
                title: details.title.clone(),
                location: details.location.clone(),
                capacity: details.capacity,
                starts_at: at(*d, start)?,
                ends_at: at(*d, end)?,
                created_by: account,
                created_label: actor.label(),
                created_at: now,
                cancelled_at: None,
            };
            activities::insert(&mut tx, actor.organisation_id, &a).await?;
        }
        let mut ev = actor.event("activity.create", "ok");
        ev.resource = Some(format!("activity/{series}"));
        ev.detail = Some(format!("{} session(s)", dates.len()));
        audit::append(&mut tx, ev).await?;
        tx.commit().await.map_err(StoreError::from)?;
        Ok(series)
    }

    /// An establishment's sessions over [from, to) (a unit's and the establishment-wide ones
    /// with `unit`), each with how many are registered, and whether the actor may plan more.
    /// Names no one: not audited.
    pub async fn activities_between(
        &self,
        actor: &Actor,
        establishment: EstablishmentId,
        unit: Option<UnitId>,
        (from, to): (i64, i64),
    ) -> Result<(Vec<(Activity, usize)>, bool)> {
        let may_plan = self.activities_access(actor, establishment)?;
        let mut conn = self.store.read().await?;
        let list = activities::between(&mut conn, establishment, unit, from, to).await?;
        let ids: Vec<ActivityId> = list.iter().map(|a| a.id).collect();
        let registered = activities::participants(&mut conn, &ids).await?;
        let out = list
            .into_iter()
            .map(|a| {
                let n = registered.iter().filter(|p| p.activity_id == a.id).count();
                (a, n)
            })
            .collect();
        Ok((out, may_plan))
    }

    /// A session with its participants and the persons who may still be registered; one audit
    /// event names every person shown.
    pub async fn activity_session(&self, actor: &Actor, id: ActivityId) -> Result<ActivitySession> {
        let mut conn = self.store.read().await?;
        let activity = activities::get(&mut conn, actor.organisation_id, id).await?.ok_or(AppError::NotFound)?;
        let may_manage = self.activities_access(actor, activity.establishment_id)?;
        let registered = activities::participants(&mut conn, &[id]).await?;
        let participants =
            self.decide_each(&mut conn, actor, registered, |p| p.person_id, |_| PersonAction::ViewIdentity).await?;
        let candidates: Vec<Person> = if may_manage && activity.cancelled_at.is_none() {
            persons::current_residents(&mut conn, actor.organisation_id, activity.establishment_id, activity.unit_id)
                .await?
                .into_iter()
                .filter(|(p, s)| {
                    !participants.iter().any(|(_, q)| q.id == p.id)
                        && decision(self, actor, PersonAction::ViewIdentity, p, std::slice::from_ref(s))
                            == Decision::Allow
                })
                .map(|(p, _)| p)
                .collect()
        } else {
            vec![]
        };
        let sessions_ahead = activities::series_from(&mut conn, activity.series_id, activity.starts_at).await?.len();
        drop(conn);
        let shown: Vec<PersonId> =
            participants.iter().map(|(_, p)| p.id).chain(candidates.iter().map(|p| p.id)).collect();
        let mut ev = actor.event("activity.read", "ok").listing(&shown);
        ev.resource = Some(format!("activity/{id}"));
        self.audit(ev).await?;
        Ok(ActivitySession { activity, participants, candidates, sessions_ahead, may_manage })
    }

    /// Registers a person staying in the establishment on a session, or on it and every later
    /// session of its series.
    pub async fn register_participant(
        &self,
        actor: &Actor,
        id: ActivityId,
        person: PersonId,
        whole_series: bool,
    ) -> Result<usize> {
        let account = actor.account_id().ok_or(AppError::Forbidden)?;
        let mut tx = self.store.begin_write().await?;
        let activity = self.session_to_change(&mut tx, actor, id).await?;
        let (_, stays) = self.load_for(&mut tx, actor, person, PersonAction::ViewIdentity).await?;
        if !stays.iter().any(|s| s.is_open() && s.establishment_id == activity.establishment_id) {
            return Err(DomainError::new(
                "person",
                "not-staying",
                "cette personne n'est pas accueillie dans l'établissement de l'activité",
            )
            .into());
        }
        if let Some(cap) = activity.capacity {
            let n = activities::participants(&mut tx, &[id]).await?.len();
            if n as i64 >= i64::from(cap) {
                return Err(AppError::Conflict(format!("séance complète ({cap} places)")));
            }
        }
        let sessions = if whole_series {
            activities::series_from(&mut tx, activity.series_id, activity.starts_at).await?
        } else {
            vec![id]
        };
        let added = activities::register(&mut tx, &sessions, person, account, self.now_micros()).await?;
        let mut ev = actor.event("activity.register", "ok");
        ev.person_id = Some(person);
        ev.resource = Some(format!("activity/{id}"));
        ev.detail = Some(format!("{added} session(s)"));
        audit::append(&mut tx, ev).await?;
        tx.commit().await.map_err(StoreError::from)?;
        Ok(added as usize)
    }

    /// Takes the attendance of a session: `(person, present|absent|excused)`; empty codes are
    /// left as they are. Every line is checked before any is written.
    pub async fn record_attendance(
        &self,
        actor: &Actor,
        id: ActivityId,
        marks: &[(PersonId, String)],
    ) -> Result<usize> {
        actor.account_id().ok_or(AppError::Forbidden)?;
        let mut tx = self.store.begin_write().await?;
        let activity = self.session_to_change(&mut tx, actor, id).await?;
        // Attendance is taken at the session, not before it.
        if self.now_micros() < activity.starts_at - 3_600_000_000 {
            return Err(DomainError::new(
                "attendance",
                "too-early",
                "la présence se note au moment de la séance, pas avant",
            )
            .into());
        }
        let registered = activities::participants(&mut tx, &[id]).await?;
        let mut checked = Vec::new();
        for (person, code) in marks.iter().filter(|(_, c)| !c.trim().is_empty()) {
            // Only for persons the actor may see, as the session's page lists them; checked
            // before the mark, so that nothing is learnt from its validation about the others.
            self.load_for(&mut tx, actor, *person, PersonAction::ViewIdentity).await?;
            let attendance = Attendance::from_code(code.trim())
                .ok_or_else(|| DomainError::new("attendance", "attendance-invalid", "présence inconnue"))?;
            if !registered.iter().any(|p| p.person_id == *person) {
                return Err(AppError::NotFound);
            }
            checked.push((*person, attendance));
        }
        let label = actor.label();
        let now = self.now_micros();
        for (person, attendance) in &checked {
            activities::set_attendance(&mut tx, id, *person, *attendance, None, (&label, now)).await?;
            let mut ev = actor.event("activity.attendance", "ok");
            ev.person_id = Some(*person);
            ev.resource = Some(format!("activity/{id}"));
            ev.detail = Some(attendance.code().to_string());
            audit::append(&mut tx, ev).await?;
        }
        tx.commit().await.map_err(StoreError::from)?;
        Ok(checked.len())
    }

    /// Cancels a session, or it and every later session of its series; they stay listed.
    pub async fn cancel_activity(&self, actor: &Actor, id: ActivityId, whole_series: bool) -> Result<EstablishmentId> {
        let mut tx = self.store.begin_write().await?;
        let activity = activities::get(&mut tx, actor.organisation_id, id).await?.ok_or(AppError::NotFound)?;
        if !self.activities_access(actor, activity.establishment_id)? {
            return Err(AppError::Forbidden);
        }
        let sessions = if whole_series {
            activities::series_from(&mut tx, activity.series_id, activity.starts_at).await?
        } else {
            vec![id]
        };
        if activities::cancel(&mut tx, &sessions, self.now_micros()).await? == 0 {
            return Err(AppError::Conflict("cette séance est déjà annulée".into()));
        }
        let mut ev = actor.event("activity.cancel", "ok");
        ev.resource = Some(format!("activity/{id}"));
        ev.detail = Some(format!("{} session(s)", sessions.len()));
        audit::append(&mut tx, ev).await?;
        tx.commit().await.map_err(StoreError::from)?;
        Ok(activity.establishment_id)
    }
}
