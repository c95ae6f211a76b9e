//! Appointments: planned by whoever may write care or administrative data on the person, read
//! by whoever may see the person (the team must know when someone is out), audited.

use crate::persons::decision;
use crate::{Actor, App, AppError, Result, Validation};
use jiff::Timestamp;
use jiff::civil::Date;
use relais_domain::DomainError;
use relais_domain::access::{Category, Decision, PersonAction};
use relais_domain::appointment::{AppointmentDetails, ical_line, ical_text};
use relais_domain::date::parse_date;
use relais_domain::ids::*;
use relais_domain::recurrence::{Planned, Repeat, occurrences};
use relais_domain::scope::Access;
use relais_store::StoreError;
use relais_store::appointments::{self, Appointment, Series};
use relais_store::audit;
use relais_store::persons::{Person, Stay};

/// The raw fields of an appointment form.
#[derive(Debug, Clone, Default)]
pub struct AppointmentInput {
    pub title: String,
    pub location: String,
    pub starts_at: Option<Timestamp>,
    pub ends_at: Option<Timestamp>,
    pub external: bool,
    pub transport: String,
    pub escort: String,
    /// A repetition code (empty: once) and, when it repeats, the last day (JJ/MM/AAAA).
    pub repeat: String,
    pub until: String,
}

/// What planning created.
#[derive(Debug, Clone)]
pub struct PlannedAppointments {
    pub first: AppointmentId,
    pub count: usize,
    /// Months a monthly series has no occurrence in (no such day), as their first day.
    pub skipped: Vec<Date>,
}

/// Most appointments an establishment agenda lists at once.
pub const AGENDA_LIMIT: usize = 5000;

/// An establishment's agenda: the appointments the reader may see, and whether more exist than
/// were listed.
#[derive(Debug, Clone)]
pub struct EstablishmentAgenda {
    pub appointments: Vec<(Appointment, Person)>,
    pub truncated: bool,
}

fn may_plan(app: &App, actor: &Actor, person: &Person, stays: &[Stay]) -> Decision {
    let care = decision(app, actor, PersonAction::Write(Category::NursingCare), person, stays);
    let admin = decision(app, actor, PersonAction::Write(Category::Administrative), person, stays);
    match (care, admin) {
        (Decision::Allow, _) | (_, Decision::Allow) => Decision::Allow,
        (Decision::NotFound, Decision::NotFound) => Decision::NotFound,
        _ => Decision::Forbidden,
    }
}

impl App {
    /// Plans an appointment, or one per occurrence of its repetition at the same local time,
    /// filed under the unit of the person's open stay. Nothing is written unless every
    /// occurrence is valid.
    pub async fn plan_appointment(
        &self,
        actor: &Actor,
        person: PersonId,
        input: &AppointmentInput,
    ) -> Result<PlannedAppointments> {
        // An API client books under its own name.
        let account = actor.account_id();
        // Access first: a reader or a stranger learns nothing from the validation of what they typed.
        let mut tx = self.store.begin_write().await?;
        let needed = ("Appointment", Access::Write);
        let (p, stays) = self.load_for_resource(&mut tx, actor, person, needed, PersonAction::ViewIdentity).await?;
        let today = self.today();
        let stay = match &actor.principal {
            crate::Principal::Staff { .. } => {
                crate::persons::enforce(may_plan(self, actor, &p, &stays))?;
                actor.filing_stay(&stays, today)
            }
            // A client has no unit of its own: the person's open stay says whose agenda it joins.
            crate::Principal::ApiClient { .. } => stays.iter().find(|s| s.is_open()),
        };
        let mut v = Validation::default();
        let details = match AppointmentDetails::new(
            &input.title,
            &input.location,
            input.starts_at.map(|t| t.as_microsecond()),
            input.ends_at.map(|t| t.as_microsecond()),
            input.external,
            &input.transport,
            &input.escort,
        ) {
            Ok(d) => Some(d),
            Err(errors) => {
                errors.into_iter().for_each(|e| v.push(e));
                None
            }
        };
        let repeat = v.check(Repeat::from_code(&input.repeat));
        let until = match input.until.trim() {
            "" => None,
            u => v.check(parse_date("until", u)),
        };
        let tz = self.time_zone();
        let starts = input.starts_at.map(|t| tz.to_datetime(t));
        let ends = input.ends_at.map(|t| tz.to_datetime(t));
        let days = match (starts, repeat) {
            (Some(s), Some(r)) => v.check(occurrences(s.date(), r, until, Planned::Appointment)),
            _ => None,
        };
        v.finish()?;
        let (Some(details), Some(repeat), Some(days), Some(starts), Some(ends)) = (details, repeat, days, starts, ends)
        else {
            return Err(AppError::Internal("validation".into()));
        };
        // Each occurrence keeps the local times typed, whatever the offset to UTC that day.
        let end_offset = ends.date().since(starts.date()).map_err(|e| AppError::Internal(e.to_string()))?;
        let mut times = Vec::with_capacity(days.dates.len());
        for d in &days.dates {
            // The first keeps the instants given: in the hour repeated in autumn, its local time
            // alone would not say which of the two it is.
            if *d == starts.date() {
                times.push((details.starts_at, details.ends_at));
                continue;
            }
            let at =
                |day: Date, time: jiff::civil::Time| tz.to_timestamp(day.to_datetime(time)).map(|t| t.as_microsecond());
            let end_day = d.checked_add(end_offset).map_err(|e| AppError::Internal(e.to_string()))?;
            match (at(*d, starts.time()), at(end_day, ends.time())) {
                (Ok(s), Ok(e)) if e > s => times.push((s, e)),
                _ => {
                    return Err(DomainError::new(
                        "starts_at",
                        "time-gap",
                        format!("le {} : cette heure n'existe pas (changement d'heure)", d.strftime("%d/%m/%Y")),
                    )
                    .into());
                }
            }
        }
        let first = AppointmentId::generate();
        let series = (repeat != Repeat::Once).then_some(Series { id: first, repeat });
        let now = self.now_micros();
        let list: Vec<Appointment> = times
            .iter()
            .enumerate()
            .map(|(i, (starts_at, ends_at))| Appointment {
                id: if i == 0 { first } else { AppointmentId::generate() },
                person_id: person,
                establishment_id: stay.map(|s| s.establishment_id),
                unit_id: stay.and_then(|s| s.unit_id),
                details: AppointmentDetails { starts_at: *starts_at, ends_at: *ends_at, ..details.clone() },
                created_by: account,
                created_label: actor.label(),
                created_at: now,
                cancelled_at: None,
                series,
            })
            .collect();
        appointments::insert_all(&mut tx, actor.organisation_id, &list).await?;
        for a in &list {
            let mut ev = actor.event("appointment.create", "ok");
            ev.person_id = Some(person);
            ev.resource = Some(format!("appointment/{}", a.id));
            ev.detail = series.map(|s| format!("series {} ({})", s.id, s.repeat.code()));
            audit::append(&mut tx, ev).await?;
        }
        tx.commit().await.map_err(StoreError::from)?;
        Ok(PlannedAppointments { first, count: list.len(), skipped: days.skipped })
    }

    /// Cancels an appointment, or it and the later occurrences of its series (they stay,
    /// marked cancelled); one audit event per appointment cancelled.
    pub async fn cancel_appointment(&self, actor: &Actor, id: AppointmentId, following: bool) -> Result<PersonId> {
        let mut tx = self.store.begin_write().await?;
        let a = appointments::get(&mut tx, actor.organisation_id, id).await?.ok_or(AppError::NotFound)?;
        let (p, stays) = self.load_for(&mut tx, actor, a.person_id, PersonAction::ViewIdentity).await?;
        crate::persons::enforce(may_plan(self, actor, &p, &stays))?;
        let list = match a.series {
            Some(series) if following => {
                appointments::series_from(&mut tx, actor.organisation_id, a.person_id, series.id, a.details.starts_at)
                    .await?
            }
            _ if a.cancelled_at.is_none() => vec![id],
            _ => vec![],
        };
        if appointments::cancel_all(&mut tx, &list, self.now_micros()).await? == 0 {
            return Err(AppError::Conflict("ce rendez-vous est déjà annulé".into()));
        }
        for cancelled in &list {
            let mut ev = actor.event("appointment.cancel", "ok");
            ev.person_id = Some(a.person_id);
            ev.resource = Some(format!("appointment/{cancelled}"));
            audit::append(&mut tx, ev).await?;
        }
        tx.commit().await.map_err(StoreError::from)?;
        Ok(a.person_id)
    }

    /// A person's appointments from yesterday on, and whether the actor may plan more.
    pub async fn person_appointments(&self, actor: &Actor, person: PersonId) -> Result<(Vec<Appointment>, bool)> {
        let mut conn = self.store.read().await?;
        let (p, stays) = self.load_for(&mut conn, actor, person, PersonAction::ViewIdentity).await?;
        let from = self.now_micros() - 86_400_000_000;
        let list = appointments::for_person(&mut conn, person, (from, i64::MAX), 50).await?;
        drop(conn);
        let mut ev = actor.event("appointment.list", "ok");
        ev.person_id = Some(person);
        self.audit(ev).await?;
        Ok((list, may_plan(self, actor, &p, &stays) == Decision::Allow))
    }

    /// One appointment (FHIR read), audited.
    pub async fn appointment(&self, actor: &Actor, id: AppointmentId) -> Result<Appointment> {
        let mut conn = self.store.read().await?;
        let a = appointments::get(&mut conn, actor.organisation_id, id).await?.ok_or(AppError::NotFound)?;
        let needed = ("Appointment", Access::Read);
        self.load_for_resource(&mut conn, actor, a.person_id, needed, PersonAction::ViewIdentity).await?;
        drop(conn);
        let mut ev = actor.event("appointment.read", "ok");
        ev.person_id = Some(a.person_id);
        ev.resource = Some(format!("appointment/{id}"));
        self.audit(ev).await?;
        Ok(a)
    }

    /// A person's appointments starting in [from, to), soonest first (FHIR search), audited.
    pub async fn appointments_between(
        &self,
        actor: &Actor,
        person: PersonId,
        period: (i64, i64),
        limit: i64,
    ) -> Result<Vec<Appointment>> {
        let mut conn = self.store.read().await?;
        let needed = ("Appointment", Access::Read);
        self.load_for_resource(&mut conn, actor, person, needed, PersonAction::ViewIdentity).await?;
        let list = appointments::for_person(&mut conn, person, period, limit).await?;
        drop(conn);
        let mut ev = actor.event("appointment.search", "ok");
        ev.person_id = Some(person);
        self.audit(ev).await?;
        Ok(list)
    }

    /// A unit's agenda over [from, to), with each appointment's person.
    pub async fn unit_agenda(
        &self,
        actor: &Actor,
        establishment: EstablishmentId,
        unit: UnitId,
        from: i64,
        to: i64,
    ) -> Result<Vec<(Appointment, Person)>> {
        let today = self.today();
        if !actor.grants().iter().any(|g| g.is_active(today) && g.covers_unit(establishment, unit)) {
            return Err(AppError::NotFound);
        }
        let mut conn = self.store.read().await?;
        let list = appointments::for_unit(&mut conn, unit, from, to).await?;
        let out = self.decide_each(&mut conn, actor, list, |a| a.person_id, |_| PersonAction::ViewIdentity).await?;
        drop(conn);
        let shown: Vec<PersonId> = out.iter().map(|(_, p)| p.id).collect();
        self.audit(actor.event("agenda.read", "ok").listing(&shown)).await?;
        Ok(out)
    }

    /// An establishment's agenda over [from, to): the appointments of its units and those filed
    /// under it without a unit (with `unit`, that unit's only), each with its person, for a reader
    /// who works there; persons the reader may not see are left out, as in a unit's agenda.
    pub async fn establishment_agenda(
        &self,
        actor: &Actor,
        establishment: EstablishmentId,
        unit: Option<UnitId>,
        (from, to): (i64, i64),
    ) -> Result<EstablishmentAgenda> {
        let today = self.today();
        if !actor.grants().iter().any(|g| g.is_active(today) && g.establishment == establishment) {
            return Err(AppError::NotFound);
        }
        let mut conn = self.store.read().await?;
        let limit = AGENDA_LIMIT as u32 + 1;
        let mut list =
            appointments::for_establishment(&mut conn, actor.organisation_id, establishment, unit, (from, to), limit)
                .await?;
        let truncated = list.len() > AGENDA_LIMIT;
        list.truncate(AGENDA_LIMIT);
        let out = self.decide_each(&mut conn, actor, list, |a| a.person_id, |_| PersonAction::ViewIdentity).await?;
        drop(conn);
        let mut shown: Vec<PersonId> = out.iter().map(|(_, p)| p.id).collect();
        shown.sort();
        shown.dedup();
        let mut ev = actor.event("agenda.establishment.read", "ok").listing(&shown);
        ev.resource = Some(format!("establishment/{establishment}"));
        self.audit(ev).await?;
        Ok(EstablishmentAgenda { appointments: out, truncated })
    }

    /// The agenda as an iCalendar file (RFC 5545), cancelled appointments marked so.
    pub fn agenda_ical(
        &self,
        calendar_name: &str,
        items: &[(Appointment, Person)],
        activities: &[relais_store::activities::Activity],
    ) -> String {
        let stamp = |micros: i64| {
            Timestamp::from_microsecond(micros).map(|t| t.strftime("%Y%m%dT%H%M%SZ").to_string()).unwrap_or_default()
        };
        let now = stamp(self.now_micros());
        let mut out = String::new();
        for line in ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Relais//Agenda//FR", "CALSCALE:GREGORIAN"] {
            out.push_str(&ical_line(line));
        }
        out.push_str(&ical_line(&format!("X-WR-CALNAME:{}", ical_text(calendar_name))));
        for (a, p) in items {
            let d = &a.details;
            let who = format!("{} {}", p.traits.birth_name.to_uppercase(), p.traits.first_first_name());
            out.push_str(&ical_line("BEGIN:VEVENT"));
            out.push_str(&ical_line(&format!("UID:{}@relais", a.id)));
            out.push_str(&ical_line(&format!("DTSTAMP:{now}")));
            out.push_str(&ical_line(&format!("DTSTART:{}", stamp(d.starts_at))));
            out.push_str(&ical_line(&format!("DTEND:{}", stamp(d.ends_at))));
            out.push_str(&ical_line(&format!("SUMMARY:{}", ical_text(&format!("{who} — {}", d.title)))));
            if let Some(l) = &d.location {
                out.push_str(&ical_line(&format!("LOCATION:{}", ical_text(l))));
            }
            let mut desc = format!("Transport : {}", d.transport.label());
            if let Some(e) = &d.escort {
                desc.push_str(&format!("\nAccompagnement : {e}"));
            }
            out.push_str(&ical_line(&format!("DESCRIPTION:{}", ical_text(&desc))));
            out.push_str(&ical_line(if a.cancelled_at.is_some() { "STATUS:CANCELLED" } else { "STATUS:CONFIRMED" }));
            out.push_str(&ical_line("END:VEVENT"));
        }
        for a in activities {
            out.push_str(&ical_line("BEGIN:VEVENT"));
            out.push_str(&ical_line(&format!("UID:{}@relais", a.id)));
            out.push_str(&ical_line(&format!("DTSTAMP:{now}")));
            out.push_str(&ical_line(&format!("DTSTART:{}", stamp(a.starts_at))));
            out.push_str(&ical_line(&format!("DTEND:{}", stamp(a.ends_at))));
            out.push_str(&ical_line(&format!("SUMMARY:{}", ical_text(&format!("Activité — {}", a.title)))));
            if let Some(l) = &a.location {
                out.push_str(&ical_line(&format!("LOCATION:{}", ical_text(l))));
            }
            out.push_str(&ical_line(if a.cancelled_at.is_some() { "STATUS:CANCELLED" } else { "STATUS:CONFIRMED" }));
            out.push_str(&ical_line("END:VEVENT"));
        }
        out.push_str(&ical_line("END:VCALENDAR"));
        out
    }
}
