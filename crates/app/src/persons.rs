//! Persons: register an identity, open a record, search, record identity evidence, stays.

use crate::{Actor, App, AppError, Principal, Result, Validation};
use jiff::civil::Date;
use relais_domain::DomainError;
use relais_domain::access::{
    Category, Decision, PersonAction, admission_offices, decide, may_register_person, unrelated_admission_offices,
};
use relais_domain::date::{BirthDate, parse_date};
use relais_domain::identity::{EvidenceKind, IdentityStatus, InseeCode, Sex, StrictTraits, UsedNames, rise_refusal};
use relais_domain::ids::*;
use relais_domain::ins::Ins;
use relais_domain::scope::Access;
use relais_domain::stay::{DischargeReason, StayMode, check_admission, check_discharge};
use relais_store::admissions;
use relais_store::audit::{self, AuditEvent};
use relais_store::notes::{self, Note};
use relais_store::persons::{self, Evidence, Person, PersonQuery, Stay, scope_of};
use relais_store::{Conn, StoreError};

/// Identity fields as typed in a form or read from a FHIR Patient.
#[derive(Debug, Clone, Default)]
pub struct IdentityInput {
    pub birth_name: String,
    pub first_names: String,
    pub birth_date: String,
    pub sex: String,
    pub birthplace: String,
    pub used_name: String,
    pub used_first_name: String,
    pub ins_matricule: String,
    pub ins_oid: String,
    /// The establishment registering the identity (staff); `None` for API clients.
    pub establishment: Option<EstablishmentId>,
    /// The professional saw the close identities found and states this is another person.
    pub confirm_distinct: bool,
}

/// A person's record as the actor may see it.
pub struct PersonFile {
    pub person: Person,
    pub stays: Vec<Stay>,
    pub evidence: Vec<Evidence>,
    pub notes: Vec<Note>,
    /// Recent measures, when the actor may read care data.
    pub observations: Vec<relais_store::observations::Observation>,
    /// Whom the notes shown were brought to.
    pub mentions: Vec<notes::MentionRow>,
    /// Whom a new note may be brought to: (form value, label).
    pub mention_choices: Vec<(String, String)>,
    /// Active pinned alerts, when the actor may read care data.
    pub alerts: Vec<relais_store::alerts::PersonAlert>,
    /// The GIR of the latest AGGIR evaluation and its date, when the actor may read care or
    /// administrative data (the GIR sets the dependence tariff).
    pub gir: Option<(i64, jiff::civil::Date)>,
    pub readable: Vec<Category>,
    pub writable: Vec<Category>,
    pub may_manage_stays: bool,
    pub may_edit_identity: bool,
    pub may_view_access_log: bool,
}

/// The decision for an actor and a loaded person; API clients are judged by their scopes.
pub(crate) fn decision(app: &App, actor: &Actor, action: PersonAction, person: &Person, stays: &[Stay]) -> Decision {
    if person.organisation_id != actor.organisation_id {
        return Decision::NotFound;
    }
    match &actor.principal {
        Principal::Staff { grants, .. } => decide(grants, action, &scope_of(person, stays), app.today()),
        Principal::ApiClient { scopes, .. } => {
            let needed = match action {
                PersonAction::ViewIdentity => Access::Read,
                PersonAction::EditIdentity | PersonAction::ManageStays => Access::Write,
                _ => return Decision::Forbidden,
            };
            if scopes.allows("Patient", needed) { Decision::Allow } else { Decision::Forbidden }
        }
    }
}

/// Nothing is written to a merged identity: its record lives on the survivor.
pub(crate) fn refuse_writes_to_alias(person: &Person, action: PersonAction) -> Result<()> {
    match (person.merged_into, action) {
        (Some(survivor), PersonAction::EditIdentity | PersonAction::ManageStays | PersonAction::Write(_)) => {
            Err(AppError::Conflict(format!(
                "cette identité a été fusionnée dans une autre (/persons/{survivor}) : enregistrez sur le dossier conservé"
            )))
        }
        _ => Ok(()),
    }
}

pub(crate) fn enforce(d: Decision) -> Result<()> {
    match d {
        Decision::Allow => Ok(()),
        Decision::Forbidden => Err(AppError::Forbidden),
        Decision::NotFound => Err(AppError::NotFound),
    }
}

impl App {
    /// Loads a person and their stays, and checks `action`. Out of scope answers `NotFound`.
    /// Keeps the items whose person the actor may act on (`action_of` each item), decided person
    /// by person as on the person's page, each with its person; the order is kept.
    pub(crate) async fn decide_each<T>(
        &self,
        conn: &mut Conn,
        actor: &Actor,
        items: Vec<T>,
        person_of: impl Fn(&T) -> PersonId,
        action_of: impl Fn(&T) -> PersonAction,
    ) -> Result<Vec<(T, Person)>> {
        let mut ids: Vec<PersonId> = items.iter().map(&person_of).collect();
        ids.sort();
        ids.dedup();
        let mut people = persons::persons_by_ids(conn, actor.organisation_id, &ids).await?;
        let stays = persons::stays_of(conn, &ids).await?;
        self.note_applications(conn, actor, &mut people, &stays).await?;
        let mut out = Vec::new();
        for item in items {
            let Some(p) = people.iter().find(|p| p.id == person_of(&item)) else { continue };
            let theirs: Vec<Stay> = stays.iter().filter(|s| s.person_id == p.id).cloned().collect();
            if decision(self, actor, action_of(&item), p, &theirs) == Decision::Allow {
                out.push((item, p.clone()));
            }
        }
        Ok(out)
    }

    /// Notes on each person the establishments they applied to (admission requests still open)
    /// among those whose admission office the actor works without being related to the person
    /// yet. Kept lazy on purpose: the care team and an office opening its own residents have no
    /// such office, so the person page and unit pages, opened all day long, make no extra query;
    /// the look-up happens only for an office that could not see the person otherwise (one query
    /// for a whole list). The decision itself stays pure, over `PersonScope::applied_to`.
    pub(crate) async fn note_applications(
        &self,
        conn: &mut Conn,
        actor: &Actor,
        people: &mut [Person],
        stays: &[Stay],
    ) -> Result<()> {
        let Principal::Staff { grants, .. } = &actor.principal else { return Ok(()) };
        let today = self.today();
        let mut offices: Vec<EstablishmentId> = Vec::new();
        let mut asking: Vec<PersonId> = Vec::new();
        for p in people.iter().filter(|p| p.organisation_id == actor.organisation_id) {
            let holder = p.merged_into.unwrap_or(p.id);
            let theirs: Vec<Stay> = stays.iter().filter(|s| s.person_id == holder).cloned().collect();
            let unrelated = unrelated_admission_offices(grants, &scope_of(p, &theirs), today);
            if !unrelated.is_empty() {
                asking.push(p.id);
                offices.extend(unrelated);
            }
        }
        if asking.is_empty() {
            return Ok(());
        }
        offices.sort();
        offices.dedup();
        let open = admissions::open_requests_to(conn, &asking, &offices).await?;
        for p in people.iter_mut() {
            p.applied_to = open.iter().filter(|(person, _)| *person == p.id).map(|(_, e)| *e).collect();
        }
        Ok(())
    }

    /// Loads a person for `access` to a record of type `resource` (a FHIR resource name): API
    /// clients are judged by their scope for it, staff by `staff_action` as on the person's page.
    pub(crate) async fn load_for_resource(
        &self,
        conn: &mut Conn,
        actor: &Actor,
        id: PersonId,
        (resource, access): (&str, Access),
        staff_action: PersonAction,
    ) -> Result<(Person, Vec<Stay>)> {
        let mut person = persons::person(conn, actor.organisation_id, id).await?.ok_or(AppError::NotFound)?;
        let stays = persons::stays(conn, person.merged_into.unwrap_or(id)).await?;
        self.note_applications(conn, actor, std::slice::from_mut(&mut person), &stays).await?;
        refuse_writes_to_alias(&person, staff_action)?;
        if access == Access::Write && person.merged_into.is_some() {
            refuse_writes_to_alias(&person, PersonAction::EditIdentity)?;
        }
        match &actor.principal {
            Principal::Staff { .. } => enforce(decision(self, actor, staff_action, &person, &stays))?,
            Principal::ApiClient { scopes, .. } => {
                if !scopes.allows(resource, access) {
                    return Err(AppError::Forbidden);
                }
            }
        }
        Ok((person, stays))
    }

    /// The categories of a person's record the actor may read: staff by their grants, API
    /// clients all of them when their scope covers `resource`.
    pub(crate) fn readable_categories(
        &self,
        actor: &Actor,
        resource: &str,
        person: &Person,
        stays: &[Stay],
    ) -> Vec<Category> {
        match &actor.principal {
            Principal::ApiClient { scopes, .. } if scopes.allows(resource, Access::Read) => Category::ALL.to_vec(),
            Principal::ApiClient { .. } => vec![],
            Principal::Staff { .. } => Category::ALL
                .into_iter()
                .filter(|c| decision(self, actor, PersonAction::Read(*c), person, stays) == Decision::Allow)
                .collect(),
        }
    }

    pub(crate) async fn load_for(
        &self,
        conn: &mut Conn,
        actor: &Actor,
        id: PersonId,
        action: PersonAction,
    ) -> Result<(Person, Vec<Stay>)> {
        let mut person = persons::person(conn, actor.organisation_id, id).await?.ok_or(AppError::NotFound)?;
        // A merged identity is seen through its survivor's stays, and takes no writes.
        let stays = persons::stays(conn, person.merged_into.unwrap_or(id)).await?;
        self.note_applications(conn, actor, std::slice::from_mut(&mut person), &stays).await?;
        enforce(decision(self, actor, action, &person, &stays))?;
        refuse_writes_to_alias(&person, action)?;
        Ok((person, stays))
    }

    /// Validates identity input into a new person (status `Provisional`).
    pub(crate) fn new_person(&self, actor: &Actor, input: &IdentityInput) -> Result<Person> {
        let mut v = Validation::default();
        let birth_date = v.check(BirthDate::parse(&input.birth_date, self.today()));
        let sex = v.check(Sex::from_code(&input.sex));
        let birthplace =
            if input.birthplace.trim().is_empty() { None } else { v.check(InseeCode::parse(&input.birthplace)) };
        let used = v.check(UsedNames::new(&input.used_name, &input.used_first_name));
        let ins = match (input.ins_matricule.trim().is_empty(), input.ins_oid.trim().is_empty()) {
            (true, true) => None,
            (false, true) => v.check(Ins::parse(&input.ins_matricule, relais_domain::ins::InsAuthority::Nir.oid())),
            _ => v.check(Ins::parse(&input.ins_matricule, &input.ins_oid)),
        };
        let traits = match (birth_date, sex) {
            (Some(bd), Some(sex)) => {
                v.check(StrictTraits::new(&input.birth_name, &input.first_names, bd, sex, birthplace))
            }
            _ => {
                // Still report name errors alongside date/sex ones.
                let bd = BirthDate::new(2000, 1, 1, Date::MAX).ok();
                if let Some(bd) = bd {
                    v.check(StrictTraits::new(&input.birth_name, &input.first_names, bd, Sex::Female, None));
                }
                None
            }
        };
        v.finish()?;
        let (Some(traits), Some(used)) = (traits, used) else {
            return Err(AppError::Internal("validation".into()));
        };
        let now = self.now_micros();
        Ok(Person {
            id: PersonId::generate(),
            organisation_id: actor.organisation_id,
            registered_at: input.establishment,
            traits,
            used,
            // An INS received here has not been retrieved from INSi nor checked: the identity stays provisional.
            status: IdentityStatus::Provisional,
            ins,
            attributes: Default::default(),
            ins_history: vec![],
            ins_retrieved_at: None,
            merged_into: None,
            created_at: now,
            updated_at: now,
            applied_to: vec![],
        })
    }

    /// Registers a new identity.
    pub async fn register_person(&self, actor: &Actor, input: &IdentityInput) -> Result<PersonId> {
        match (&actor.principal, input.establishment) {
            (Principal::Staff { grants, .. }, Some(e)) if may_register_person(grants, e, self.today()) => {}
            (Principal::Staff { .. }, _) => return Err(AppError::Forbidden),
            (Principal::ApiClient { scopes, .. }, _) if scopes.allows("Patient", Access::Write) => {}
            (Principal::ApiClient { .. }, _) => return Err(AppError::Forbidden),
        }
        let mut person = self.new_person(actor, input)?;
        let mut tx = self.store.begin_write().await?;
        let traits = relais_domain::matching::MatchTraits::from_identity(&person.traits, &person.used);
        let candidates = self.duplicates_of(&mut tx, actor, &traits, None).await?;
        if crate::identity::duplicate_warning(&candidates).is_some() {
            if matches!(actor.principal, Principal::Staff { .. }) && !input.confirm_distinct {
                return Err(AppError::Conflict("duplicate-candidates".into()));
            }
            // Created anyway: the referent settles the doubt before the identity may rise.
            person.attributes.set(relais_domain::identity::IdentityAttribute::SuspectedDuplicate, true);
        }
        // An INS received that another identity already carries: the same person twice.
        if let Some(ins) = &person.ins
            && !relais_store::identities::holders_of_ins(
                &mut tx,
                actor.organisation_id,
                ins.matricule.as_str(),
                person.id,
            )
            .await?
            .is_empty()
        {
            person.attributes.set(relais_domain::identity::IdentityAttribute::SuspectedDuplicate, true);
        }
        persons::insert_person(&mut tx, &person).await?;
        let mut ev = actor.event("person.create", "ok");
        ev.person_id = Some(person.id);
        audit::append(&mut tx, ev).await?;
        tx.commit().await.map_err(StoreError::from)?;
        Ok(person.id)
    }

    /// Opens a person's record: identity, stays, evidence and the notes the actor may read.
    pub async fn person_file(&self, actor: &Actor, id: PersonId) -> Result<PersonFile> {
        let mut conn = self.store.read().await?;
        let (person, stays) = self.load_for(&mut conn, actor, id, PersonAction::ViewIdentity).await?;
        let allowed = |a| decision(self, actor, a, &person, &stays) == Decision::Allow;
        let readable: Vec<Category> = Category::ALL.into_iter().filter(|c| allowed(PersonAction::Read(*c))).collect();
        let writable: Vec<Category> = Category::ALL.into_iter().filter(|c| allowed(PersonAction::Write(*c))).collect();
        let evidence = persons::evidence(&mut conn, id).await?;
        let notes = notes::for_person(&mut conn, id, &readable, (i64::MIN, i64::MAX), 100).await?;
        let lineages: Vec<NoteId> = notes.iter().map(|n| n.lineage_id).collect();
        let mentions = notes::mentions_of(&mut conn, &lineages).await?;
        let mention_choices =
            if writable.is_empty() { vec![] } else { self.mention_choices(&mut conn, actor, &person, &stays).await? };
        let (observations, alerts) = if readable.contains(&Category::NursingCare) {
            let q = relais_store::observations::ObservationQuery { limit: 20, ..Default::default() };
            (
                relais_store::observations::for_person(&mut conn, id, &q).await?,
                relais_store::alerts::active_for(&mut conn, &[id]).await?,
            )
        } else {
            (vec![], vec![])
        };
        let gir = if readable.contains(&Category::NursingCare) || readable.contains(&Category::Administrative) {
            relais_store::assessments::latest_gir(&mut conn, id).await?
        } else {
            None
        };
        let file = PersonFile {
            gir,
            mentions,
            mention_choices,
            observations,
            alerts,
            may_manage_stays: allowed(PersonAction::ManageStays),
            may_edit_identity: allowed(PersonAction::EditIdentity),
            may_view_access_log: allowed(PersonAction::ViewAccessLog),
            person,
            stays,
            evidence,
            notes,
            readable,
            writable,
        };
        drop(conn);
        let mut ev = actor.event("person.read", "ok");
        ev.person_id = Some(id);
        self.audit(ev).await?;
        Ok(file)
    }

    /// The categories the actor may write on a person (to build a form; reveals no record data).
    pub async fn writable_categories(&self, actor: &Actor, id: PersonId) -> Result<Vec<Category>> {
        let mut conn = self.store.read().await?;
        let (person, stays) = self.load_for(&mut conn, actor, id, PersonAction::ViewIdentity).await?;
        Ok(Category::ALL
            .into_iter()
            .filter(|c| decision(self, actor, PersonAction::Write(*c), &person, &stays) == Decision::Allow)
            .collect())
    }

    /// Reads a person's identity only (FHIR read).
    pub async fn person_identity(&self, actor: &Actor, id: PersonId) -> Result<Person> {
        let mut conn = self.store.read().await?;
        let (person, _) = self.load_for(&mut conn, actor, id, PersonAction::ViewIdentity).await?;
        drop(conn);
        let mut ev = actor.event("person.read", "ok");
        ev.person_id = Some(id);
        self.audit(ev).await?;
        Ok(person)
    }

    /// Searches persons in the actor's scope. One audit event names every person listed.
    pub async fn search_persons(&self, actor: &Actor, mut query: PersonQuery) -> Result<Vec<(Person, Vec<Stay>)>> {
        let wanted = query.limit.clamp(1, 200);
        if let Principal::ApiClient { scopes, .. } = &actor.principal
            && !scopes.allows("Patient", Access::Read)
        {
            return Err(AppError::Forbidden);
        }
        if let Principal::Staff { grants, .. } = &actor.principal {
            let today = self.today();
            let mut ests: Vec<EstablishmentId> =
                grants.iter().filter(|g| g.is_active(today)).map(|g| g.establishment).collect();
            ests.sort();
            ests.dedup();
            query.establishments = Some(ests);
            // The office of an establishment also finds those who applied to it.
            query.applied_to = admission_offices(grants, today);
            // Candidates are filtered again by the access rules below: fetch a margin.
            query.limit = wanted * 4;
        } else {
            query.limit = wanted;
        }
        let mut conn = self.store.read().await?;
        let mut candidates = persons::search_persons(&mut conn, actor.organisation_id, &query).await?;
        let ids: Vec<PersonId> = candidates.iter().map(|p| p.id).collect();
        let all_stays = persons::stays_of(&mut conn, &ids).await?;
        self.note_applications(&mut conn, actor, &mut candidates, &all_stays).await?;
        drop(conn);
        let mut out = Vec::new();
        for p in candidates {
            let stays: Vec<Stay> = all_stays.iter().filter(|s| s.person_id == p.id).cloned().collect();
            if decision(self, actor, PersonAction::ViewIdentity, &p, &stays) == Decision::Allow {
                out.push((p, stays));
            }
            if out.len() as i64 >= wanted {
                break;
            }
        }
        let shown: Vec<PersonId> = out.iter().map(|(p, _)| p.id).collect();
        self.audit(actor.event("person.search", "ok").listing(&shown)).await?;
        Ok(out)
    }

    /// Records a checked identity document; a high-trust one validates the identity.
    pub async fn record_evidence(
        &self,
        actor: &Actor,
        id: PersonId,
        kind: &str,
        number: &str,
        expires_on: &str,
    ) -> Result<IdentityStatus> {
        let account = actor.account_id().ok_or(AppError::Forbidden)?;
        // Access first: a reader or a stranger learns nothing from the validation of what they typed.
        let mut tx = self.store.begin_write().await?;
        let (person, _) = self.load_for(&mut tx, actor, id, PersonAction::EditIdentity).await?;
        let mut v = Validation::default();
        let kind = v.check(EvidenceKind::from_code(kind));
        let number = crate::identity::evidence_number(number, &mut v);
        let expires = if expires_on.trim().is_empty() { None } else { v.check(parse_date("expires_on", expires_on)) };
        if let Some(e) = expires
            && e < self.today()
        {
            v.push(DomainError::new(
                "expires_on",
                "evidence-expired",
                "ce justificatif est expiré : il ne peut valider l'identité",
            ));
        }
        v.finish()?;
        let Some(kind) = kind else {
            return Err(AppError::Internal("validation".into()));
        };
        let is_minor = person.traits.birth_date.earliest() > self.today().saturating_sub(jiff::Span::new().years(18));
        // A doubtful, fictitious or possibly duplicated identity keeps its status: the document is
        // recorded, the rise waits until the attribute is lifted.
        let rises = kind.is_high_trust(is_minor) && rise_refusal(&person.attributes).is_none();
        let status = if rises { person.status.after_high_trust_evidence() } else { person.status };
        persons::insert_evidence(
            &mut tx,
            actor.organisation_id,
            &Evidence {
                id: EvidenceId::generate(),
                person_id: id,
                kind,
                expires_on: expires,
                number,
                checked_by: account,
                checked_at: self.now_micros(),
            },
        )
        .await?;
        if status != person.status {
            persons::set_identity_status(&mut tx, id, status).await?;
        }
        let mut ev = actor.event("person.identity.evidence", "ok");
        ev.person_id = Some(id);
        ev.detail = Some(format!("{} {}→{}", kind.code(), person.status.code(), status.code()));
        audit::append(&mut tx, ev).await?;
        tx.commit().await.map_err(StoreError::from)?;
        Ok(status)
    }

    /// Admits a person to an establishment (and unit).
    pub async fn admit(
        &self,
        actor: &Actor,
        id: PersonId,
        establishment: EstablishmentId,
        unit: Option<UnitId>,
        mode: &str,
        start: &str,
    ) -> Result<StayId> {
        // Access first: a stranger learns nothing from the validation of what they typed.
        let mut tx = self.store.begin_write().await?;
        self.load_for(&mut tx, actor, id, PersonAction::ManageStays).await?;
        let mut v = Validation::default();
        let mode = v.check(StayMode::from_code(mode));
        let start = v.check(parse_date("start", start));
        v.finish()?;
        let (Some(mode), Some(start)) = (mode, start) else {
            return Err(AppError::Internal("validation".into()));
        };
        let stay = self.admit_in(&mut tx, actor, id, (establishment, unit), mode, start).await?;
        tx.commit().await.map_err(StoreError::from)?;
        Ok(stay)
    }

    /// Opens a stay inside the caller's transaction, with every check of an admission: the
    /// actor manages admissions there, the unit belongs to the establishment, the person may
    /// have their stays managed by the actor and has no open stay there.
    pub(crate) async fn admit_in(
        &self,
        tx: &mut Conn,
        actor: &Actor,
        id: PersonId,
        (establishment, unit): (EstablishmentId, Option<UnitId>),
        mode: StayMode,
        start: Date,
    ) -> Result<StayId> {
        if !may_register_person(actor.grants(), establishment, self.today()) {
            return Err(AppError::Forbidden);
        }
        self.check_unit(tx, actor, establishment, unit).await?;
        let (_, stays) = self.load_for(tx, actor, id, PersonAction::ManageStays).await?;
        let open_here = stays.iter().any(|s| s.is_open() && s.establishment_id == establishment);
        check_admission(start, self.today(), open_here)?;
        let stay = Stay {
            id: StayId::generate(),
            person_id: id,
            establishment_id: establishment,
            unit_id: unit,
            mode,
            start,
            end: None,
            discharge_reason: None,
            transferred_from: None,
        };
        persons::insert_stay(tx, actor.organisation_id, &stay).await?;
        let mut ev = actor.event("stay.admit", "ok");
        ev.person_id = Some(id);
        ev.resource = Some(format!("stay/{}", stay.id));
        audit::append(tx, ev).await?;
        Ok(stay.id)
    }

    pub(crate) async fn check_unit(
        &self,
        conn: &mut Conn,
        actor: &Actor,
        establishment: EstablishmentId,
        unit: Option<UnitId>,
    ) -> Result<()> {
        let ests = relais_store::org::establishments(conn, actor.organisation_id).await?;
        if !ests.iter().any(|e| e.id == establishment) {
            return Err(AppError::NotFound);
        }
        if let Some(u) = unit {
            let units = relais_store::org::units(conn, actor.organisation_id).await?;
            if !units.iter().any(|x| x.id == u && x.establishment_id == establishment) {
                return Err(DomainError::new(
                    "unit",
                    "unit-invalid",
                    "cette unité n'appartient pas à l'établissement choisi",
                )
                .into());
            }
        }
        Ok(())
    }

    /// Ends a stay.
    pub async fn discharge(&self, actor: &Actor, id: PersonId, stay: StayId, end: &str, reason: &str) -> Result<()> {
        let mut tx = self.store.begin_write().await?;
        let (_, stays) = self.load_for(&mut tx, actor, id, PersonAction::ManageStays).await?;
        let mut v = Validation::default();
        let end = v.check(parse_date("end", end));
        let reason = v.check(DischargeReason::from_code(reason));
        v.finish()?;
        let (Some(end), Some(reason)) = (end, reason) else {
            return Err(AppError::Internal("validation".into()));
        };
        let s = stays.iter().find(|s| s.id == stay && s.is_open()).ok_or(AppError::NotFound)?;
        if !may_register_person(actor.grants(), s.establishment_id, self.today()) {
            return Err(AppError::Forbidden);
        }
        check_discharge(s.start, end)?;
        persons::close_stay(&mut tx, stay, end, reason).await?;
        let mut ev = actor.event("stay.discharge", "ok");
        ev.person_id = Some(id);
        ev.resource = Some(format!("stay/{stay}"));
        ev.detail = Some(reason.code().to_string());
        audit::append(&mut tx, ev).await?;
        tx.commit().await.map_err(StoreError::from)?;
        Ok(())
    }

    /// Moves a person from one establishment of the organisation to another: the open stay
    /// ends with reason "transfer" and a new one starts the same day, linked to it.
    pub async fn transfer(
        &self,
        actor: &Actor,
        id: PersonId,
        stay: StayId,
        to_establishment: EstablishmentId,
        to_unit: Option<UnitId>,
        date: &str,
    ) -> Result<StayId> {
        let today = self.today();
        if !may_register_person(actor.grants(), to_establishment, today) {
            return Err(AppError::Forbidden);
        }
        let mut tx = self.store.begin_write().await?;
        self.check_unit(&mut tx, actor, to_establishment, to_unit).await?;
        let (_, stays) = self.load_for(&mut tx, actor, id, PersonAction::ManageStays).await?;
        let date = parse_date("date", date)?;
        let from = stays.iter().find(|s| s.id == stay && s.is_open()).ok_or(AppError::NotFound)?;
        if !may_register_person(actor.grants(), from.establishment_id, today) {
            return Err(AppError::Forbidden);
        }
        if from.establishment_id == to_establishment && from.unit_id == to_unit {
            return Err(DomainError::new(
                "establishment",
                "transfer-same",
                "la personne est déjà dans cet établissement et cette unité",
            )
            .into());
        }
        check_discharge(from.start, date)?;
        let open_there = stays.iter().any(|s| s.is_open() && s.id != stay && s.establishment_id == to_establishment);
        check_admission(date, today, open_there)?;
        persons::close_stay(&mut tx, stay, date, DischargeReason::Transfer).await?;
        let new = Stay {
            id: StayId::generate(),
            person_id: id,
            establishment_id: to_establishment,
            unit_id: to_unit,
            mode: from.mode,
            start: date,
            end: None,
            discharge_reason: None,
            transferred_from: Some(stay),
        };
        persons::insert_stay(&mut tx, actor.organisation_id, &new).await?;
        let mut ev = actor.event("stay.transfer", "ok");
        ev.person_id = Some(id);
        ev.resource = Some(format!("stay/{}", new.id));
        audit::append(&mut tx, ev).await?;
        tx.commit().await.map_err(StoreError::from)?;
        Ok(new.id)
    }

    /// The persons currently in a unit (or an establishment), for an actor whose grants cover it.
    pub async fn residents(
        &self,
        actor: &Actor,
        establishment: EstablishmentId,
        unit: Option<UnitId>,
    ) -> Result<Vec<(Person, Stay)>> {
        let today = self.today();
        let covered = actor.grants().iter().any(|g| {
            g.is_active(today)
                && g.establishment == establishment
                && (g.unit.is_none() || (unit.is_some() && g.unit == unit))
        });
        if !covered {
            return Err(AppError::NotFound);
        }
        let mut conn = self.store.read().await?;
        let rows = persons::current_residents(&mut conn, actor.organisation_id, establishment, unit).await?;
        drop(conn);
        let rows: Vec<(Person, Stay)> = rows
            .into_iter()
            .filter(|(p, s)| {
                decision(self, actor, PersonAction::ViewIdentity, p, std::slice::from_ref(s)) == Decision::Allow
            })
            .collect();
        let shown: Vec<PersonId> = rows.iter().map(|(p, _)| p.id).collect();
        self.audit(actor.event("unit.residents", "ok").listing(&shown)).await?;
        Ok(rows)
    }

    /// "Who accessed this record": for the DPO and the director.
    pub async fn access_log(&self, actor: &Actor, id: PersonId) -> Result<(Person, Vec<AuditEvent>)> {
        let mut conn = self.store.read().await?;
        let (person, _) = self.load_for(&mut conn, actor, id, PersonAction::ViewAccessLog).await?;
        let events = audit::for_person(&mut conn, actor.organisation_id, id, 200).await?;
        drop(conn);
        let mut ev = actor.event("person.access-log", "ok");
        ev.person_id = Some(id);
        self.audit(ev).await?;
        Ok((person, events))
    }
}
