//! The administrative and social file (cover, benefits, MDPH notifications), absences during a
//! stay, rights about to expire and occupancy of an establishment; every read and write audited.

use crate::persons::refuse_writes_to_alias;
use crate::{Actor, App, AppError, Result, Validation};
use jiff::civil::Date;
use relais_domain::DomainError;
use relais_domain::access::{PersonAction, may_register_person};
use relais_domain::adminfile::{
    AbsenceKind, AbsencePeriod, BenefitKind, Cents, EXPIRY_WARNING_DAYS, FileView, MdphDecision, Nss, Occupancy,
    OccupancyStay, Periodicity, StateCover, check_absence, check_period, expires_soon, file_view, may_record_absence,
    occupancy,
};
use relais_domain::date::parse_date;
use relais_domain::ids::*;
use relais_domain::scope::Access;
use relais_domain::stay::StayMode;
use relais_store::adminfile::{self as store, Absence, Benefit, Coverage, MdphNotification, Recorded};
use relais_store::persons::{Person, Stay, scope_of};
use relais_store::{Conn, StoreError, audit};

/// The cover as typed in the form.
#[derive(Debug, Clone, Default)]
pub struct CoverageInput {
    pub nss: String,
    /// « oui » when the person is covered as a beneficiary of someone else's number.
    pub beneficiary: bool,
    pub insured_name: String,
    pub beneficiary_rank: String,
    pub fund_name: String,
    pub fund_code: String,
    pub complementary_name: String,
    pub complementary_contract: String,
    pub complementary_from: String,
    pub complementary_until: String,
    pub state_cover: String,
    pub state_cover_from: String,
    pub state_cover_until: String,
}

#[derive(Debug, Clone, Default)]
pub struct BenefitInput {
    pub kind: String,
    pub label: String,
    pub decision_date: String,
    pub amount: String,
    pub periodicity: String,
    pub start: String,
    pub expires: String,
}

#[derive(Debug, Clone, Default)]
pub struct MdphInput {
    pub decision: String,
    pub number: String,
    pub valid_from: String,
    pub valid_until: String,
}

#[derive(Debug, Clone, Default)]
pub struct AbsenceInput {
    pub kind: String,
    pub start: String,
    pub end: String,
    pub reason: String,
}

/// A person's file as the actor may see it: without the sensitive part, the NSS, insured
/// person, contract number and amounts are `None`/hidden by the view.
#[derive(Debug, Clone)]
pub struct AdministrativeFile {
    pub person: Person,
    pub stays: Vec<Stay>,
    pub view: FileView,
    pub coverage: Option<Coverage>,
    pub benefits: Vec<Benefit>,
    pub mdph: Vec<MdphNotification>,
    pub absences: Vec<Absence>,
    pub may_record_absence: bool,
}

/// What the person's page shows of the file.
#[derive(Debug, Clone)]
pub struct FileSummary {
    /// Benefits and notifications ending within the warning window (or just ended).
    pub expiring: usize,
    /// The absence the person is on today, if any.
    pub away: Option<Absence>,
}

/// A right about to expire, for an establishment's list.
#[derive(Debug, Clone)]
pub struct ExpiringRight {
    pub person: Person,
    pub what: String,
    pub expires: Date,
}

fn text(v: &mut Validation, field: &'static str, input: &str, max: usize, required: bool) -> String {
    let t = input.trim();
    if required && t.is_empty() {
        v.push(DomainError::new(field, "required", "ce champ est obligatoire"));
    }
    if t.chars().count() > max {
        v.push(DomainError::new(field, "too-long", format!("{max} caractères au plus")));
    }
    t.to_string()
}

fn opt_date(v: &mut Validation, field: &'static str, input: &str) -> Option<Date> {
    if input.trim().is_empty() { None } else { v.check(parse_date(field, input)) }
}

fn hide_sensitive(c: &mut Coverage) {
    c.nss = None;
    c.insured = None;
    c.complementary_contract = String::new();
}

impl App {
    fn view_of(&self, actor: &Actor, person: &Person, stays: &[Stay]) -> FileView {
        if person.organisation_id != actor.organisation_id {
            return FileView { read: false, read_sensitive: false, write: false };
        }
        file_view(actor.grants(), &scope_of(person, stays), self.today())
    }

    /// Loads a person for a write to their administrative file.
    async fn load_for_file_write(&self, conn: &mut Conn, actor: &Actor, person: PersonId) -> Result<Person> {
        let (p, stays) = self.load_for(conn, actor, person, PersonAction::ViewIdentity).await?;
        if !self.view_of(actor, &p, &stays).write {
            return Err(AppError::Forbidden);
        }
        refuse_writes_to_alias(&p, PersonAction::Write(relais_domain::access::Category::Administrative))?;
        Ok(p)
    }

    fn recorded(&self, actor: &Actor) -> Recorded {
        Recorded { by: actor.account_id(), label: actor.label(), at: self.now_micros() }
    }

    /// The person's administrative file, absences included.
    pub async fn administrative_file(&self, actor: &Actor, person: PersonId) -> Result<AdministrativeFile> {
        let mut conn = self.store.read().await?;
        let (p, stays) = self.load_for(&mut conn, actor, person, PersonAction::ViewIdentity).await?;
        let view = self.view_of(actor, &p, &stays);
        let (mut coverage, mut benefits, mdph) = if view.read {
            (
                store::current_coverage(&mut conn, person).await?,
                store::benefits(&mut conn, person).await?,
                store::mdph_notifications(&mut conn, person).await?,
            )
        } else {
            (None, vec![], vec![])
        };
        let absences = store::absences_of_person(&mut conn, person).await?;
        drop(conn);
        if !view.read_sensitive {
            if let Some(c) = coverage.as_mut() {
                hide_sensitive(c);
            }
            for b in &mut benefits {
                b.amount = Cents(0);
            }
        }
        let mut ev = actor.event("adminfile.read", "ok");
        ev.person_id = Some(person);
        ev.resource = Some(format!("person/{person}/administrative"));
        ev.detail = Some(
            if view.read_sensitive {
                "full"
            } else if view.read {
                "without nss and amounts"
            } else {
                "absences"
            }
            .into(),
        );
        self.audit(ev).await?;
        let may_record_absence = p.merged_into.is_none()
            && p.organisation_id == actor.organisation_id
            && may_record_absence(actor.grants(), &scope_of(&p, &stays), self.today());
        Ok(AdministrativeFile { person: p, stays, view, coverage, benefits, mdph, absences, may_record_absence })
    }

    /// What the person's page shows: expiring rights (to those who read the file) and a current
    /// absence (to everyone who sees the person).
    pub async fn administrative_summary(&self, actor: &Actor, person: PersonId) -> Result<FileSummary> {
        let mut conn = self.store.read().await?;
        let (p, stays) = self.load_for(&mut conn, actor, person, PersonAction::ViewIdentity).await?;
        let view = self.view_of(actor, &p, &stays);
        let today = self.today();
        let expiring = if view.read {
            let benefits = store::benefits(&mut conn, person).await?;
            let mdph = store::mdph_notifications(&mut conn, person).await?;
            benefits.iter().filter(|b| expires_soon(b.expires, today)).count()
                + mdph.iter().filter(|n| expires_soon(n.valid_until, today)).count()
        } else {
            0
        };
        let away = store::absences_of_person(&mut conn, person).await?.into_iter().find(|a| away_on(a, today));
        drop(conn);
        let mut ev = actor.event("adminfile.read", "ok");
        ev.person_id = Some(person);
        ev.resource = Some(format!("person/{person}/administrative"));
        ev.detail = Some("summary on the person's page".into());
        self.audit(ev).await?;
        Ok(FileSummary { expiring, away })
    }

    /// Records a new version of the person's cover (the previous one stays in the history).
    pub async fn record_coverage(&self, actor: &Actor, person: PersonId, input: &CoverageInput) -> Result<()> {
        // Access first: a stranger learns nothing from the validation of what they typed.
        let mut tx = self.store.begin_write().await?;
        self.load_for_file_write(&mut tx, actor, person).await?;
        let mut v = Validation::default();
        let nss = if input.nss.trim().is_empty() { None } else { v.check(Nss::parse(&input.nss)) };
        let insured = if input.beneficiary {
            let name = text(&mut v, "insured_name", &input.insured_name, 200, true);
            let rank = match input.beneficiary_rank.trim() {
                "" => Some(1),
                r => match r.parse::<i64>() {
                    Ok(n) if (1..=99).contains(&n) => Some(n),
                    _ => {
                        v.push(DomainError::new("beneficiary_rank", "rank-invalid", "le rang est un nombre de 1 à 99"));
                        None
                    }
                },
            };
            if nss.is_none() && input.nss.trim().is_empty() {
                v.push(DomainError::new(
                    "nss",
                    "required",
                    "indiquez le numéro de sécurité sociale de l'assuré dont la personne est ayant droit",
                ));
            }
            rank.map(|r| (name, r))
        } else {
            None
        };
        let fund_name = text(&mut v, "fund_name", &input.fund_name, 200, false);
        let fund_code = text(&mut v, "fund_code", &input.fund_code, 20, false);
        if !fund_code.chars().all(|c| c.is_ascii_digit()) {
            v.push(DomainError::new("fund_code", "code-invalid", "le code de la caisse ne contient que des chiffres"));
        }
        let complementary_name = text(&mut v, "complementary_name", &input.complementary_name, 200, false);
        let complementary_contract = text(&mut v, "complementary_contract", &input.complementary_contract, 100, false);
        let complementary_from = opt_date(&mut v, "complementary_from", &input.complementary_from);
        let complementary_until = opt_date(&mut v, "complementary_until", &input.complementary_until);
        v.check(check_period("complementary_until", complementary_from, complementary_until));
        let state_cover =
            v.check(StateCover::from_code(if input.state_cover.is_empty() { "none" } else { &input.state_cover }));
        let state_cover_from = opt_date(&mut v, "state_cover_from", &input.state_cover_from);
        let state_cover_until = opt_date(&mut v, "state_cover_until", &input.state_cover_until);
        v.check(check_period("state_cover_until", state_cover_from, state_cover_until));
        if matches!(state_cover, Some(StateCover::Css | StateCover::Ame)) && state_cover_until.is_none() {
            v.push(DomainError::new(
                "state_cover_until",
                "required",
                "indiquez la fin de droits de la CSS ou de l'AME",
            ));
        }
        v.finish()?;
        let Some(state_cover) = state_cover else { return Err(AppError::Internal("validation".into())) };
        let coverage = Coverage {
            id: CoverageId::generate(),
            organisation_id: actor.organisation_id,
            person_id: person,
            nss,
            insured,
            fund_name,
            fund_code,
            complementary_name,
            complementary_contract,
            complementary_from,
            complementary_until,
            state_cover,
            state_cover_from,
            state_cover_until,
            recorded: self.recorded(actor),
        };
        store::insert_coverage(&mut tx, &coverage).await?;
        let mut ev = actor.event("adminfile.coverage", "ok");
        ev.person_id = Some(person);
        ev.resource = Some(format!("coverage/{}", coverage.id));
        audit::append(&mut tx, ev).await?;
        tx.commit().await.map_err(StoreError::from)?;
        Ok(())
    }

    pub async fn record_benefit(&self, actor: &Actor, person: PersonId, input: &BenefitInput) -> Result<BenefitId> {
        // Access first: a stranger learns nothing from the validation of what they typed.
        let mut tx = self.store.begin_write().await?;
        self.load_for_file_write(&mut tx, actor, person).await?;
        let mut v = Validation::default();
        let kind = v.check(BenefitKind::from_code(&input.kind));
        let label = text(&mut v, "benefit_label", &input.label, 200, kind == Some(BenefitKind::Other));
        let decision_date = opt_date(&mut v, "decision_date", &input.decision_date);
        let amount = v.check(Cents::parse("amount", &input.amount));
        let periodicity = v.check(Periodicity::from_code(&input.periodicity));
        let start = if input.start.trim().is_empty() {
            v.push(DomainError::new("benefit_start", "required", "la date de début est obligatoire"));
            None
        } else {
            v.check(parse_date("benefit_start", &input.start))
        };
        let expires = opt_date(&mut v, "benefit_expires", &input.expires);
        if let (Some(s), Some(e)) = (start, expires)
            && e < s
        {
            v.push(DomainError::new("benefit_expires", "date-order", "l'échéance précède la date de début"));
        }
        v.finish()?;
        let (Some(kind), Some(amount), Some(periodicity), Some(start)) = (kind, amount, periodicity, start) else {
            return Err(AppError::Internal("validation".into()));
        };
        let benefit = Benefit {
            id: BenefitId::generate(),
            organisation_id: actor.organisation_id,
            person_id: person,
            kind,
            label,
            decision_date,
            amount,
            periodicity,
            start,
            expires,
            recorded: self.recorded(actor),
        };
        store::insert_benefit(&mut tx, &benefit).await?;
        let mut ev = actor.event("adminfile.benefit", "ok");
        ev.person_id = Some(person);
        ev.resource = Some(format!("benefit/{}", benefit.id));
        ev.detail = Some(kind.code().into());
        audit::append(&mut tx, ev).await?;
        tx.commit().await.map_err(StoreError::from)?;
        Ok(benefit.id)
    }

    pub async fn record_mdph(&self, actor: &Actor, person: PersonId, input: &MdphInput) -> Result<MdphNotificationId> {
        // Access first: a stranger learns nothing from the validation of what they typed.
        let mut tx = self.store.begin_write().await?;
        self.load_for_file_write(&mut tx, actor, person).await?;
        let mut v = Validation::default();
        let decision = v.check(MdphDecision::from_code(&input.decision));
        let number = text(&mut v, "mdph_number", &input.number, 100, true);
        let valid_from = if input.valid_from.trim().is_empty() {
            v.push(DomainError::new("mdph_valid_from", "required", "la date de début de validité est obligatoire"));
            None
        } else {
            v.check(parse_date("mdph_valid_from", &input.valid_from))
        };
        let valid_until = opt_date(&mut v, "mdph_valid_until", &input.valid_until);
        v.check(check_period("mdph_valid_until", valid_from, valid_until));
        v.finish()?;
        let (Some(decision), Some(valid_from)) = (decision, valid_from) else {
            return Err(AppError::Internal("validation".into()));
        };
        let n = MdphNotification {
            id: MdphNotificationId::generate(),
            organisation_id: actor.organisation_id,
            person_id: person,
            decision,
            number,
            valid_from,
            valid_until,
            recorded: self.recorded(actor),
        };
        store::insert_mdph(&mut tx, &n).await?;
        let mut ev = actor.event("adminfile.mdph", "ok");
        ev.person_id = Some(person);
        ev.resource = Some(format!("mdph/{}", n.id));
        ev.detail = Some(decision.code().into());
        audit::append(&mut tx, ev).await?;
        tx.commit().await.map_err(StoreError::from)?;
        Ok(n.id)
    }

    /// Loads a person and checks the actor may record their absences: staff by their grants,
    /// API clients by the Encounter write scope.
    async fn load_for_absence(&self, conn: &mut Conn, actor: &Actor, person: PersonId) -> Result<(Person, Vec<Stay>)> {
        let (p, stays) = self
            .load_for_resource(conn, actor, person, ("Encounter", Access::Write), PersonAction::ViewIdentity)
            .await?;
        refuse_writes_to_alias(&p, PersonAction::ManageStays)?;
        if matches!(actor.principal, crate::Principal::Staff { .. })
            && !may_record_absence(actor.grants(), &scope_of(&p, &stays), self.today())
        {
            return Err(AppError::Forbidden);
        }
        Ok((p, stays))
    }

    /// Records an absence during one of the person's stays.
    pub async fn record_absence(
        &self,
        actor: &Actor,
        person: PersonId,
        stay: StayId,
        input: &AbsenceInput,
    ) -> Result<AbsenceId> {
        self.insert_absence(actor, person, stay, input, None).await
    }

    /// Records an absence sent through the API (FHIR Encounter `partOf` the stay): a stay that is
    /// not the person's is a fault of the request (`stay`), and the stay's mode must be one of
    /// `modes` (the Encounter class the client sent).
    pub async fn record_absence_for_api(
        &self,
        actor: &Actor,
        person: PersonId,
        stay: StayId,
        input: &AbsenceInput,
        modes: &[StayMode],
    ) -> Result<AbsenceId> {
        self.insert_absence(actor, person, stay, input, Some(modes)).await
    }

    async fn insert_absence(
        &self,
        actor: &Actor,
        person: PersonId,
        stay: StayId,
        input: &AbsenceInput,
        api_modes: Option<&[StayMode]>,
    ) -> Result<AbsenceId> {
        // Access first: a stranger learns nothing from the validation of what they typed.
        let mut tx = self.store.begin_write().await?;
        let (_, stays) = self.load_for_absence(&mut tx, actor, person).await?;
        let mut v = Validation::default();
        let kind = v.check(AbsenceKind::from_code(&input.kind));
        let start = if input.start.trim().is_empty() {
            v.push(DomainError::new("absence_start", "required", "la date de départ est obligatoire"));
            None
        } else {
            v.check(parse_date("absence_start", &input.start))
        };
        let end = opt_date(&mut v, "absence_end", &input.end);
        let reason = text(&mut v, "absence_reason", &input.reason, 2000, false);
        let s = match (stays.iter().find(|s| s.id == stay), api_modes) {
            (Some(s), _) => Some(s),
            (None, None) => return Err(AppError::NotFound),
            (None, Some(_)) => {
                v.push(DomainError::new("stay", "not-found", "séjour introuvable parmi ceux de la personne"));
                None
            }
        };
        if let (Some(s), Some(modes)) = (s, api_modes)
            && !modes.contains(&s.mode)
        {
            v.push(DomainError::new(
                "absence_class",
                "class-mismatch",
                format!("la classe ne correspond pas au mode du séjour ({})", s.mode.label()),
            ));
        }
        v.finish()?;
        let (Some(kind), Some(start), Some(s)) = (kind, start, s) else {
            return Err(AppError::Internal("validation".into()));
        };
        let others: Vec<AbsencePeriod> = store::absences_of_person(&mut tx, person)
            .await?
            .iter()
            .filter(|a| a.stay_id == stay)
            .map(|a| AbsencePeriod { start: a.start, end: a.end })
            .collect();
        check_absence(AbsencePeriod { start, end }, s.start, s.end, &others)?;
        let now = self.now_micros();
        let absence = Absence {
            id: AbsenceId::generate(),
            organisation_id: actor.organisation_id,
            person_id: person,
            stay_id: stay,
            kind,
            start,
            end,
            reason,
            recorded: self.recorded(actor),
            updated_at: now,
        };
        store::insert_absence(&mut tx, &absence).await?;
        let mut ev = actor.event("absence.create", "ok");
        ev.person_id = Some(person);
        ev.resource = Some(format!("absence/{}", absence.id));
        ev.detail = Some(format!("{} stay/{stay}", kind.code()));
        audit::append(&mut tx, ev).await?;
        tx.commit().await.map_err(StoreError::from)?;
        Ok(absence.id)
    }

    /// Records the return of an open absence.
    pub async fn record_return(&self, actor: &Actor, absence: AbsenceId, end: &str) -> Result<PersonId> {
        let mut tx = self.store.begin_write().await?;
        let a = store::absence(&mut tx, actor.organisation_id, absence).await?.ok_or(AppError::NotFound)?;
        let (_, stays) = self.load_for_absence(&mut tx, actor, a.person_id).await?;
        let end = if end.trim().is_empty() {
            return Err(DomainError::new("absence_end", "required", "la date de retour est obligatoire").into());
        } else {
            parse_date("absence_end", end)?
        };
        if a.end.is_some() {
            return Err(AppError::Conflict("le retour de cette absence est déjà enregistré".into()));
        }
        let s = stays.iter().find(|s| s.id == a.stay_id).ok_or(AppError::NotFound)?;
        let others: Vec<AbsencePeriod> = store::absences_of_person(&mut tx, a.person_id)
            .await?
            .iter()
            .filter(|o| o.stay_id == a.stay_id && o.id != a.id)
            .map(|o| AbsencePeriod { start: o.start, end: o.end })
            .collect();
        check_absence(AbsencePeriod { start: a.start, end: Some(end) }, s.start, s.end, &others)?;
        store::close_absence(&mut tx, absence, end, self.now_micros()).await.map_err(|e| match e {
            StoreError::Conflict(_) => AppError::Conflict("le retour de cette absence est déjà enregistré".into()),
            other => other.into(),
        })?;
        let mut ev = actor.event("absence.return", "ok");
        ev.person_id = Some(a.person_id);
        ev.resource = Some(format!("absence/{absence}"));
        audit::append(&mut tx, ev).await?;
        tx.commit().await.map_err(StoreError::from)?;
        Ok(a.person_id)
    }

    /// Benefits and MDPH notifications of the establishment's persons ending within the warning
    /// window (or just ended), the soonest first, for those who manage its admissions; each
    /// person decided as on their page.
    pub async fn expiring_rights(&self, actor: &Actor, establishment: EstablishmentId) -> Result<Vec<ExpiringRight>> {
        let today = self.today();
        if !actor.grants().iter().any(|g| g.is_active(today) && g.establishment == establishment) {
            return Err(AppError::NotFound);
        }
        if !may_register_person(actor.grants(), establishment, today) {
            return Err(AppError::Forbidden);
        }
        let span = jiff::Span::new().days(EXPIRY_WARNING_DAYS);
        let window = (today.checked_sub(span).unwrap_or(Date::MIN), today.checked_add(span).unwrap_or(Date::MAX));
        let mut conn = self.store.read().await?;
        let (benefits, notifications) =
            store::expiring(&mut conn, actor.organisation_id, establishment, today, window).await?;
        let mut rows: Vec<(PersonId, String, Date)> = benefits
            .iter()
            .filter_map(|b| b.expires.map(|e| (b.person_id, b.kind.label().to_string(), e)))
            .chain(notifications.iter().filter_map(|n| {
                n.valid_until
                    .map(|e| (n.person_id, format!("Notification MDPH : {} n° {}", n.decision.label(), n.number), e))
            }))
            .collect();
        rows.sort_by_key(|r| r.2);
        let admin = PersonAction::Read(relais_domain::access::Category::Administrative);
        let rows = self.decide_each(&mut conn, actor, rows, |r| r.0, |_| admin).await?;
        drop(conn);
        let mut shown: Vec<PersonId> = rows.iter().map(|(r, _)| r.0).collect();
        shown.sort();
        shown.dedup();
        let mut ev = actor.event("adminfile.expiring", "ok").listing(&shown);
        ev.resource = Some(format!("establishment/{establishment}/expiring"));
        self.audit(ev).await?;
        Ok(rows.into_iter().map(|((_, what, expires), person)| ExpiringRight { person, what, expires }).collect())
    }

    /// Days of presence and absence per stay mode in an establishment from `from` to `to`: figures
    /// without names, for those who manage its admissions.
    pub async fn occupancy(
        &self,
        actor: &Actor,
        establishment: EstablishmentId,
        from: Date,
        to: Date,
    ) -> Result<Vec<Occupancy>> {
        let today = self.today();
        if !actor.grants().iter().any(|g| g.is_active(today) && g.establishment == establishment) {
            return Err(AppError::NotFound);
        }
        if !may_register_person(actor.grants(), establishment, today) {
            return Err(AppError::Forbidden);
        }
        if to < from {
            return Err(DomainError::new("period_to", "date-order", "la fin de la période précède son début").into());
        }
        if from.until(to).map(|s| s.get_days()).unwrap_or(i32::MAX) > 3660 {
            return Err(DomainError::new("period_to", "date-range", "la période ne peut dépasser dix ans").into());
        }
        let mut conn = self.store.read().await?;
        let rows = store::occupancy_rows(&mut conn, actor.organisation_id, establishment, from, to).await?;
        drop(conn);
        let stays = rows
            .into_iter()
            .map(|(_, mode, start, end, absences)| {
                Ok(OccupancyStay {
                    mode: StayMode::from_code(&mode).map_err(|_| StoreError::Corrupt("stay mode".into()))?,
                    start,
                    end,
                    absences: absences.iter().map(|a| AbsencePeriod { start: a.start, end: a.end }).collect(),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(occupancy(&stays, from, to))
    }

    /// A person's stays and absences for FHIR `Encounter`, those overlapping `from`..=`to` (either
    /// bound open), each stay followed by its absences.
    pub async fn encounters(
        &self,
        actor: &Actor,
        person: PersonId,
        (from, to): (Option<Date>, Option<Date>),
    ) -> Result<Vec<EncounterItem>> {
        let mut conn = self.store.read().await?;
        let (_, stays) = self
            .load_for_resource(&mut conn, actor, person, ("Encounter", Access::Read), PersonAction::ViewIdentity)
            .await?;
        let absences = store::absences_of_person(&mut conn, person).await?;
        drop(conn);
        let overlaps = |start: Date, end: Option<Date>| {
            to.is_none_or(|t| start <= t) && from.is_none_or(|f| end.is_none_or(|e| e >= f))
        };
        let today = self.today();
        let mut out = Vec::new();
        for stay in stays.iter().filter(|s| s.person_id == person || absences.iter().any(|a| a.stay_id == s.id)) {
            let theirs: Vec<&Absence> = absences.iter().filter(|a| a.stay_id == stay.id).collect();
            let on_leave = stay.is_open() && theirs.iter().any(|a| away_on(a, today));
            if overlaps(stay.start, stay.end) {
                out.push(EncounterItem { stay: stay.clone(), absence: None, on_leave });
            }
            for a in theirs.into_iter().filter(|a| overlaps(a.start, a.end)) {
                out.push(EncounterItem { stay: stay.clone(), absence: Some(a.clone()), on_leave });
            }
        }
        let mut ev = actor.event("encounter.read", "ok");
        ev.person_id = Some(person);
        ev.detail = Some(format!("{} encounter(s)", out.len()));
        self.audit(ev).await?;
        Ok(out)
    }

    /// One stay or one absence by its id, for FHIR `Encounter` read.
    pub async fn encounter(&self, actor: &Actor, id: &str) -> Result<EncounterItem> {
        let mut conn = self.store.read().await?;
        let (person, absence) = if let Ok(stay) = id.parse::<StayId>()
            && let Some(person) = store::stay_person(&mut conn, actor.organisation_id, stay).await?
        {
            (person, None)
        } else if let Ok(absence) = id.parse::<AbsenceId>()
            && let Some(a) = store::absence(&mut conn, actor.organisation_id, absence).await?
        {
            (a.person_id, Some(a))
        } else {
            return Err(AppError::NotFound);
        };
        let (_, stays) = self
            .load_for_resource(&mut conn, actor, person, ("Encounter", Access::Read), PersonAction::ViewIdentity)
            .await?;
        let stay_id = absence.as_ref().map(|a| a.stay_id).or_else(|| id.parse::<StayId>().ok());
        let stay = stays.into_iter().find(|s| Some(s.id) == stay_id).ok_or(AppError::NotFound)?;
        let today = self.today();
        let on_leave = stay.is_open()
            && store::absences_of_person(&mut conn, person)
                .await?
                .iter()
                .any(|a| a.stay_id == stay.id && away_on(a, today));
        drop(conn);
        let mut ev = actor.event("encounter.read", "ok");
        ev.person_id = Some(person);
        ev.resource = Some(format!("encounter/{id}"));
        self.audit(ev).await?;
        Ok(EncounterItem { stay, absence, on_leave })
    }
}

/// Is the person away on `day` for this absence (gone, not back yet)?
fn away_on(a: &Absence, day: Date) -> bool {
    a.start <= day && a.end.is_none_or(|e| e > day)
}

/// A stay, or an absence during it, as a FHIR Encounter sees it.
#[derive(Debug, Clone)]
pub struct EncounterItem {
    pub stay: Stay,
    pub absence: Option<Absence>,
    /// The person is away today from this (open) stay.
    pub on_leave: bool,
}
