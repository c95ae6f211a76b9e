//! Relatives and contacts, legal protection and consents of a person: validated, versioned,
//! access-checked and audited.
//!
//! A contact is never overwritten: a correction writes a new version and keeps the previous one.
//! Designating a personne de confiance ends the designation of the previous one (a new version of
//! that contact, its end date set). Protection measures and consents are insert-only; the latest
//! consent of a purpose is the one in force.

use crate::persons::decision;
use crate::{Actor, App, AppError, Principal, Result, Validation};
use jiff::civil::Date;
use relais_domain::DomainError;
use relais_domain::access::{Category, Decision, PersonAction};
use relais_domain::date::parse_date;
use relais_domain::ids::*;
use relais_domain::relative::{
    ConsentPurpose, ConsentStatus, Measure, ProtectionScope, RelationKind, Relationship, Sharing, check_sharing,
    needs_review, parse_codes, parse_email, parse_phone,
};
use relais_domain::scope::Access;
use relais_store::audit;
use relais_store::persons::{Person, Stay};
use relais_store::relatives::{self, Consent, Protection, Relative};
use relais_store::{Conn, StoreError};

/// The FHIR resource types whose scopes cover these records.
pub const RELATED_PERSON: &str = "RelatedPerson";
pub const CONSENT: &str = "Consent";

/// A contact as typed (form or FHIR RelatedPerson).
#[derive(Debug, Clone, Default)]
pub struct RelativeInput {
    pub family_name: String,
    pub given_name: String,
    pub relationship: String,
    pub roles: Vec<String>,
    pub sharing: Vec<String>,
    pub phone: String,
    pub phone2: String,
    pub email: String,
    pub address: String,
    pub organisation_name: String,
    /// Date of designation as personne de confiance; today when empty.
    pub trusted_since: String,
    pub comment: String,
}

/// A legal protection measure as typed.
#[derive(Debug, Clone, Default)]
pub struct ProtectionInput {
    pub measure: String,
    pub scope: String,
    pub start_on: String,
    pub end_on: String,
    pub review_on: String,
    /// A contact's lineage id, or empty for a professional mandataire named below.
    pub protector: String,
    pub mandatary_name: String,
    pub mandatary_organisation: String,
    pub court_reference: String,
}

/// A consent decision as typed.
#[derive(Debug, Clone, Default)]
pub struct ConsentInput {
    pub purpose: String,
    pub purpose_text: String,
    pub status: String,
    pub decided_on: String,
    /// Empty or `person`: the person; otherwise a contact's lineage id.
    pub decided_by: String,
    /// Optional id of a document of the record (the signed form).
    pub document: String,
    pub comment: String,
}

/// Everything the relatives page shows.
#[derive(Debug, Clone)]
pub struct RelativesFile {
    pub person: Person,
    pub contacts: Vec<Relative>,
    pub protections: Vec<Protection>,
    /// Every decision, the latest first; `in_force` picks the latest per purpose.
    pub consents: Vec<Consent>,
    pub may_read_contacts: bool,
    pub may_read_consents: bool,
    pub may_write: bool,
    pub today: Date,
}

/// What the person's summary shows of relatives, protection and consents.
#[derive(Debug, Clone, Default)]
pub struct RelativesSummary {
    pub trusted: Option<Relative>,
    /// Contacts designated personne de confiance: more than one happens only when two records
    /// were merged, and the page asks to settle it.
    pub trusted_count: usize,
    /// Measures in force, each with its protector's name.
    pub protections: Vec<(Protection, String)>,
    pub contacts: usize,
    pub consents: Vec<Consent>,
    pub may_read_contacts: bool,
    pub may_read_consents: bool,
}

/// The latest decision of each purpose (an « other » purpose is told apart by its text).
pub fn in_force(consents: &[Consent]) -> Vec<&Consent> {
    let mut out: Vec<&Consent> = Vec::new();
    for c in consents {
        if !out.iter().any(|o| o.purpose == c.purpose && o.purpose_text == c.purpose_text) {
            out.push(c);
        }
    }
    out
}

/// The protector's name: the contact's, or the mandataire's with its organisation.
pub fn protector_label(p: &Protection, contacts: &[Relative]) -> String {
    if let Some(lineage) = p.protector_contact {
        return contacts
            .iter()
            .find(|c| c.lineage_id == lineage)
            .map(|c| c.display_name())
            .unwrap_or_else(|| "contact retiré".into());
    }
    match (p.mandatary_name.is_empty(), p.mandatary_organisation.is_empty()) {
        (true, true) => "non désigné".into(),
        (false, true) => p.mandatary_name.clone(),
        (true, false) => p.mandatary_organisation.clone(),
        (false, false) => format!("{} ({})", p.mandatary_name, p.mandatary_organisation),
    }
}

const MAX_NAME: usize = 100;
const MAX_LINE: usize = 200;
const MAX_TEXT: usize = 2000;

/// Trims `input`; refuses it when longer than `max` characters (never cut).
fn text(v: &mut Validation, field: &'static str, input: &str, max: usize) -> String {
    let t = input.trim();
    if t.chars().count() > max {
        v.push(DomainError::new(field, "too-long", format!("trop long ({max} caractères au plus)")));
    }
    t.to_string()
}

fn optional_date(v: &mut Validation, field: &'static str, input: &str) -> Option<Date> {
    if input.trim().is_empty() { None } else { v.check(parse_date(field, input)) }
}

/// A contact's fields, checked; every error reported at once.
struct CheckedRelative {
    family_name: String,
    given_name: String,
    relationship: Relationship,
    roles: Vec<RelationKind>,
    sharing: Vec<Sharing>,
    phone: String,
    phone2: String,
    email: String,
    address: String,
    organisation_name: String,
    trusted_since: Option<Date>,
    comment: String,
}

fn check_contact(input: &RelativeInput, today: Date) -> Result<CheckedRelative> {
    let mut v = Validation::default();
    let family_name = text(&mut v, "family_name", &input.family_name, MAX_NAME);
    if family_name.is_empty() {
        v.push(DomainError::new("family_name", "required", "le nom est obligatoire"));
    }
    let given_name = text(&mut v, "given_name", &input.given_name, MAX_NAME);
    let relationship = if input.relationship.trim().is_empty() {
        v.push(DomainError::new("relationship", "required", "précisez le lien avec la personne"));
        None
    } else {
        let r = Relationship::from_code(input.relationship.trim());
        if r.is_none() {
            v.push(DomainError::new("relationship", "code-unknown", "lien inconnu"));
        }
        r
    };
    let roles: Vec<&str> = input.roles.iter().map(String::as_str).collect();
    let roles = v.check(parse_codes("roles", &roles, RelationKind::from_code)).unwrap_or_default();
    if roles.is_empty() {
        v.push(DomainError::new("roles", "required", "choisissez au moins un rôle"));
    }
    let sharing: Vec<&str> = input.sharing.iter().map(String::as_str).collect();
    let sharing = v.check(parse_codes("sharing", &sharing, Sharing::from_code)).unwrap_or_default();
    if sharing.is_empty() {
        v.push(DomainError::new(
            "sharing",
            "required",
            "précisez ce que ce contact peut savoir (choisissez « Rien » s'il ne doit rien savoir)",
        ));
    } else {
        v.check(check_sharing(&sharing));
    }
    let phone = if input.phone.trim().is_empty() {
        String::new()
    } else {
        v.check(parse_phone("phone", &input.phone)).unwrap_or_default()
    };
    let phone2 = if input.phone2.trim().is_empty() {
        String::new()
    } else {
        v.check(parse_phone("phone2", &input.phone2)).unwrap_or_default()
    };
    let email = if input.email.trim().is_empty() {
        String::new()
    } else {
        v.check(parse_email("email", &input.email)).unwrap_or_default()
    };
    let address = text(&mut v, "address", &input.address, 500);
    if input.phone.trim().is_empty()
        && input.phone2.trim().is_empty()
        && input.email.trim().is_empty()
        && address.is_empty()
    {
        v.push(DomainError::new(
            "phone",
            "required",
            "indiquez au moins un moyen de joindre ce contact (téléphone, adresse électronique ou postale)",
        ));
    }
    let organisation_name = text(&mut v, "organisation_name", &input.organisation_name, MAX_LINE);
    let trusted_since = if roles.contains(&RelationKind::Trusted) {
        let d = optional_date(&mut v, "trusted_since", &input.trusted_since).or(Some(today));
        if d.is_some_and(|d| d > today) {
            v.push(DomainError::new(
                "trusted_since",
                "date-future",
                "la désignation ne peut pas être datée dans le futur",
            ));
        }
        d
    } else {
        None
    };
    let comment = text(&mut v, "contact_comment", &input.comment, MAX_TEXT);
    v.finish()?;
    let relationship = relationship.ok_or_else(|| AppError::Internal("validation".into()))?;
    Ok(CheckedRelative {
        family_name,
        given_name,
        relationship,
        roles,
        sharing,
        phone,
        phone2,
        email,
        address,
        organisation_name,
        trusted_since,
        comment,
    })
}

impl App {
    /// Loads the person for contacts and protection (administrative data).
    async fn load_for_contacts(
        &self,
        conn: &mut Conn,
        actor: &Actor,
        person: PersonId,
        access: Access,
    ) -> Result<(Person, Vec<Stay>)> {
        let action = match access {
            Access::Read => PersonAction::Read(Category::Administrative),
            Access::Write => PersonAction::Write(Category::Administrative),
        };
        self.load_for_resource(conn, actor, person, (RELATED_PERSON, access), action).await
    }

    /// Loads the person to read consents: care and administrative readers may.
    async fn load_for_consents(&self, conn: &mut Conn, actor: &Actor, person: PersonId) -> Result<(Person, Vec<Stay>)> {
        let (p, stays) =
            self.load_for_resource(conn, actor, person, (CONSENT, Access::Read), PersonAction::ViewIdentity).await?;
        if matches!(actor.principal, Principal::Staff { .. }) && !self.may_read_consents(actor, &p, &stays) {
            return Err(AppError::Forbidden);
        }
        Ok((p, stays))
    }

    fn may_read_consents(&self, actor: &Actor, p: &Person, stays: &[Stay]) -> bool {
        [PersonAction::Read(Category::Administrative), PersonAction::Read(Category::NursingCare)]
            .into_iter()
            .any(|a| decision(self, actor, a, p, stays) == Decision::Allow)
    }

    /// The relatives page: contacts, protection measures and consents, as far as the actor may
    /// read them; 403 when it may read none.
    pub async fn relatives_file(&self, actor: &Actor, person: PersonId) -> Result<RelativesFile> {
        let mut conn = self.store.read().await?;
        let (p, stays) = self.load_for(&mut conn, actor, person, PersonAction::ViewIdentity).await?;
        let allowed = |a| decision(self, actor, a, &p, &stays) == Decision::Allow;
        let may_read_contacts = allowed(PersonAction::Read(Category::Administrative));
        let may_read_consents = self.may_read_consents(actor, &p, &stays);
        if !may_read_contacts && !may_read_consents {
            return Err(AppError::Forbidden);
        }
        let may_write = allowed(PersonAction::Write(Category::Administrative)) && p.merged_into.is_none();
        let (contacts, protections) = if may_read_contacts {
            (relatives::current_contacts(&mut conn, person).await?, relatives::protections(&mut conn, person).await?)
        } else {
            (vec![], vec![])
        };
        let consents = if may_read_consents { relatives::consents(&mut conn, person).await? } else { vec![] };
        drop(conn);
        let mut ev = actor.event("relatives.read", "ok");
        ev.person_id = Some(person);
        ev.detail = Some(format!(
            "{} contact(s), {} measure(s), {} consent decision(s)",
            contacts.len(),
            protections.len(),
            consents.len()
        ));
        self.audit(ev).await?;
        Ok(RelativesFile {
            person: p,
            contacts,
            protections,
            consents,
            may_read_contacts,
            may_read_consents,
            may_write,
            today: self.today(),
        })
    }

    /// The summary on the person's page (read within the opening of the record, audited there).
    pub async fn relatives_summary(&self, actor: &Actor, person: PersonId) -> Result<RelativesSummary> {
        let mut conn = self.store.read().await?;
        let (p, stays) = self.load_for(&mut conn, actor, person, PersonAction::ViewIdentity).await?;
        let may_read_contacts =
            decision(self, actor, PersonAction::Read(Category::Administrative), &p, &stays) == Decision::Allow;
        let may_read_consents = self.may_read_consents(actor, &p, &stays);
        let mut s = RelativesSummary { may_read_contacts, may_read_consents, ..Default::default() };
        let today = self.today();
        if may_read_contacts {
            let contacts = relatives::current_contacts(&mut conn, person).await?;
            let protections = relatives::protections(&mut conn, person).await?;
            s.protections = protections
                .into_iter()
                .filter(|m| m.in_force(today))
                .map(|m| {
                    let who = protector_label(&m, &contacts);
                    (m, who)
                })
                .collect();
            s.trusted = contacts.iter().find(|c| c.has_role(RelationKind::Trusted)).cloned();
            s.trusted_count = contacts.iter().filter(|c| c.has_role(RelationKind::Trusted)).count();
            s.contacts = contacts.len();
        }
        if may_read_consents {
            let all = relatives::consents(&mut conn, person).await?;
            s.consents = in_force(&all).into_iter().cloned().collect();
        }
        Ok(s)
    }

    /// Records a new contact. A new personne de confiance ends the designation of the previous one.
    pub async fn add_contact(&self, actor: &Actor, person: PersonId, input: &RelativeInput) -> Result<RelativeId> {
        let today = self.today();
        let mut tx = self.store.begin_write().await?;
        self.load_for_contacts(&mut tx, actor, person, Access::Write).await?;
        let c = check_contact(input, today)?;
        let id = RelativeId::generate();
        let contact = Relative {
            id,
            lineage_id: id,
            version: 1,
            is_current: true,
            person_id: person,
            family_name: c.family_name,
            given_name: c.given_name,
            relationship: c.relationship,
            roles: c.roles,
            sharing: c.sharing,
            phone: c.phone,
            phone2: c.phone2,
            email: c.email,
            address: c.address,
            organisation_name: c.organisation_name,
            trusted_since: c.trusted_since,
            trusted_until: None,
            comment: c.comment,
            change_reason: "création".into(),
            author_label: actor.label(),
            recorded_at: self.now_micros(),
        };
        if let Some(since) = contact.trusted_since {
            self.end_trusted(&mut tx, actor, person, id, since).await?;
        }
        relatives::insert_contact(&mut tx, actor.organisation_id, &contact).await?;
        let mut ev = actor.event("relatives.contact.create", "ok");
        ev.person_id = Some(person);
        ev.resource = Some(format!("contact/{id}"));
        ev.detail = Some(roles_detail(&contact.roles));
        audit::append(&mut tx, ev).await?;
        tx.commit().await.map_err(StoreError::from)?;
        Ok(id)
    }

    /// Ends the designation of every other current personne de confiance of `person`: a new
    /// version of each, without the role, its designation ended on `since`.
    async fn end_trusted(
        &self,
        tx: &mut Conn,
        actor: &Actor,
        person: PersonId,
        keep: RelativeId,
        since: Date,
    ) -> Result<()> {
        let previous: Vec<Relative> = relatives::current_contacts(tx, person)
            .await?
            .into_iter()
            .filter(|c| c.lineage_id != keep && c.has_role(RelationKind::Trusted))
            .collect();
        for old in previous {
            if !relatives::supersede_contact(tx, old.id).await? {
                return Err(AppError::Conflict("la fiche du contact a changé entre-temps : recommencez".into()));
            }
            let mut next = old.clone();
            next.id = RelativeId::generate();
            next.version = old.version + 1;
            next.roles.retain(|r| *r != RelationKind::Trusted);
            if next.roles.is_empty() {
                next.roles.push(RelationKind::Other);
            }
            next.trusted_until = Some(since);
            next.change_reason = "remplacé(e) comme personne de confiance".into();
            next.author_label = actor.label();
            next.recorded_at = self.now_micros();
            relatives::insert_contact(tx, actor.organisation_id, &next).await?;
            let mut ev = actor.event("relatives.trusted.end", "ok");
            ev.person_id = Some(person);
            ev.resource = Some(format!("contact/{}", old.lineage_id));
            ev.detail = Some(format!("until {since}"));
            audit::append(tx, ev).await?;
        }
        Ok(())
    }

    /// Corrects a contact: a new version; the previous one is kept. `expected` is the version the
    /// form was drawn from: when someone corrected it meanwhile, nothing is written.
    pub async fn correct_contact(
        &self,
        actor: &Actor,
        lineage: RelativeId,
        expected: RelativeId,
        input: &RelativeInput,
    ) -> Result<PersonId> {
        let today = self.today();
        let mut tx = self.store.begin_write().await?;
        let old =
            relatives::current_contact(&mut tx, actor.organisation_id, lineage).await?.ok_or(AppError::NotFound)?;
        let person = old.person_id;
        self.load_for_contacts(&mut tx, actor, person, Access::Write).await?;
        let c = check_contact(input, today)?;
        if old.id != expected || !relatives::supersede_contact(&mut tx, old.id).await? {
            return Err(AppError::Conflict(
                "ce contact a été modifié par quelqu'un d'autre entre-temps : rouvrez sa fiche".into(),
            ));
        }
        let was_trusted = old.has_role(RelationKind::Trusted);
        let is_trusted = c.roles.contains(&RelationKind::Trusted);
        let trusted_since = match (was_trusted, is_trusted) {
            // A date typed wins; otherwise the designation keeps its date.
            (true, true) if input.trusted_since.trim().is_empty() => old.trusted_since,
            _ => c.trusted_since,
        };
        let trusted_until = match (was_trusted, is_trusted) {
            (true, false) => Some(today),
            (_, true) => None,
            (false, false) => old.trusted_until,
        };
        let next = Relative {
            id: RelativeId::generate(),
            lineage_id: lineage,
            version: old.version + 1,
            is_current: true,
            person_id: person,
            family_name: c.family_name,
            given_name: c.given_name,
            relationship: c.relationship,
            roles: c.roles,
            sharing: c.sharing,
            phone: c.phone,
            phone2: c.phone2,
            email: c.email,
            address: c.address,
            organisation_name: c.organisation_name,
            trusted_since,
            trusted_until,
            comment: c.comment,
            change_reason: "correction".into(),
            author_label: actor.label(),
            recorded_at: self.now_micros(),
        };
        if !was_trusted && let Some(since) = next.trusted_since {
            self.end_trusted(&mut tx, actor, person, lineage, since).await?;
        }
        relatives::insert_contact(&mut tx, actor.organisation_id, &next).await?;
        let mut ev = actor.event("relatives.contact.correct", "ok");
        ev.person_id = Some(person);
        ev.resource = Some(format!("contact/{lineage}"));
        ev.detail = Some(format!("version {}; {}", next.version, roles_detail(&next.roles)));
        audit::append(&mut tx, ev).await?;
        tx.commit().await.map_err(StoreError::from)?;
        Ok(person)
    }

    /// A contact with all its versions, newest first, and the person.
    pub async fn contact_history(&self, actor: &Actor, lineage: RelativeId) -> Result<(Person, Vec<Relative>, bool)> {
        let mut conn = self.store.read().await?;
        let versions = relatives::contact_versions(&mut conn, actor.organisation_id, lineage).await?;
        let person = versions.first().map(|c| c.person_id).ok_or(AppError::NotFound)?;
        let (p, stays) = self.load_for_contacts(&mut conn, actor, person, Access::Read).await?;
        drop(conn);
        let may_write = decision(self, actor, PersonAction::Write(Category::Administrative), &p, &stays)
            == Decision::Allow
            && p.merged_into.is_none();
        let mut ev = actor.event("relatives.contact.history", "ok");
        ev.person_id = Some(person);
        ev.resource = Some(format!("contact/{lineage}"));
        self.audit(ev).await?;
        Ok((p, versions, may_write))
    }

    /// The current version of a contact, for the API (FHIR RelatedPerson read).
    pub async fn contact_for_api(&self, actor: &Actor, lineage: RelativeId) -> Result<Relative> {
        let mut conn = self.store.read().await?;
        let c =
            relatives::current_contact(&mut conn, actor.organisation_id, lineage).await?.ok_or(AppError::NotFound)?;
        self.load_for_contacts(&mut conn, actor, c.person_id, Access::Read).await?;
        drop(conn);
        let mut ev = actor.event("relatives.contact.read", "ok");
        ev.person_id = Some(c.person_id);
        ev.resource = Some(format!("contact/{lineage}"));
        self.audit(ev).await?;
        Ok(c)
    }

    /// A person's current contacts, for the API (FHIR RelatedPerson search).
    pub async fn contacts_for_api(&self, actor: &Actor, person: PersonId) -> Result<Vec<Relative>> {
        let mut conn = self.store.read().await?;
        self.load_for_contacts(&mut conn, actor, person, Access::Read).await?;
        let contacts = relatives::current_contacts(&mut conn, person).await?;
        drop(conn);
        let mut ev = actor.event("relatives.contact.search", "ok");
        ev.person_id = Some(person);
        ev.detail = Some(format!("{} contact(s)", contacts.len()));
        self.audit(ev).await?;
        Ok(contacts)
    }

    /// Records a legal protection measure.
    pub async fn record_protection(
        &self,
        actor: &Actor,
        person: PersonId,
        input: &ProtectionInput,
    ) -> Result<ProtectionId> {
        // Access first: a stranger learns nothing from the validation of what they typed.
        let mut tx = self.store.begin_write().await?;
        self.load_for_contacts(&mut tx, actor, person, Access::Write).await?;
        let mut v = Validation::default();
        let measure = Measure::from_code(input.measure.trim());
        if measure.is_none() {
            v.push(DomainError::new("measure", "required", "choisissez la mesure de protection"));
        }
        let scope = ProtectionScope::from_code(input.scope.trim());
        if scope.is_none() {
            v.push(DomainError::new("protection_scope", "required", "précisez ce que couvre la mesure"));
        }
        let start_on = if input.start_on.trim().is_empty() {
            v.push(DomainError::new("start_on", "required", "la date du jugement ou de début est obligatoire"));
            None
        } else {
            v.check(parse_date("start_on", &input.start_on))
        };
        let end_on = optional_date(&mut v, "end_on", &input.end_on);
        let review_on = optional_date(&mut v, "review_on", &input.review_on);
        if let (Some(s), Some(e)) = (start_on, end_on)
            && e < s
        {
            v.push(DomainError::new("end_on", "date-order", "la fin précède le début"));
        }
        if let (Some(s), Some(r)) = (start_on, review_on)
            && r < s
        {
            v.push(DomainError::new("review_on", "date-order", "la révision précède le début"));
        }
        let protector: Option<RelativeId> = if input.protector.trim().is_empty() {
            None
        } else {
            let parsed = input.protector.trim().parse().ok();
            if parsed.is_none() {
                v.push(DomainError::new("protector", "not-found", "protecteur introuvable parmi les contacts"));
            }
            parsed
        };
        let mandatary_name = text(&mut v, "mandatary_name", &input.mandatary_name, MAX_LINE);
        let mandatary_organisation = text(&mut v, "mandatary_organisation", &input.mandatary_organisation, MAX_LINE);
        let court_reference = text(&mut v, "court_reference", &input.court_reference, MAX_LINE);
        if protector.is_some() && !mandatary_name.is_empty() {
            v.push(DomainError::new(
                "protector",
                "protector-conflict",
                "choisissez un contact ou nommez un mandataire professionnel, pas les deux",
            ));
        }
        if protector.is_none()
            && mandatary_name.is_empty()
            && mandatary_organisation.is_empty()
            && measure != Some(Measure::SauvegardeJustice)
        {
            v.push(DomainError::new(
                "protector",
                "required",
                "désignez le protecteur : un contact représentant légal, ou un mandataire professionnel",
            ));
        }
        v.finish()?;
        let (Some(measure), Some(scope), Some(start_on)) = (measure, scope, start_on) else {
            return Err(AppError::Internal("validation".into()));
        };
        if let Some(lineage) = protector {
            let c = relatives::current_contact(&mut tx, actor.organisation_id, lineage).await?;
            match c {
                Some(c) if c.person_id == person && c.has_role(RelationKind::LegalRepresentative) => {}
                Some(c) if c.person_id == person => {
                    return Err(DomainError::new(
                        "protector",
                        "protector-role",
                        "ce contact n'a pas le rôle de représentant légal : corrigez d'abord sa fiche",
                    )
                    .into());
                }
                _ => {
                    return Err(DomainError::new(
                        "protector",
                        "not-found",
                        "protecteur introuvable parmi les contacts",
                    )
                    .into());
                }
            }
        }
        let id = ProtectionId::generate();
        let p = Protection {
            id,
            person_id: person,
            measure,
            scope,
            start_on,
            end_on,
            review_on,
            protector_contact: protector,
            mandatary_name,
            mandatary_organisation,
            court_reference,
            author_label: actor.label(),
            recorded_at: self.now_micros(),
        };
        relatives::insert_protection(&mut tx, actor.organisation_id, &p).await?;
        let mut ev = actor.event("relatives.protection.create", "ok");
        ev.person_id = Some(person);
        ev.resource = Some(format!("protection/{id}"));
        ev.detail = Some(format!("{} {}", measure.code(), scope.code()));
        audit::append(&mut tx, ev).await?;
        tx.commit().await.map_err(StoreError::from)?;
        Ok(id)
    }

    /// Records a consent decision. By the person alone while a measure covering the person is in
    /// force, it is kept and flagged for review.
    pub async fn record_consent(&self, actor: &Actor, person: PersonId, input: &ConsentInput) -> Result<ConsentId> {
        // Access first: a stranger learns nothing from the validation of what they typed.
        let mut tx = self.store.begin_write().await?;
        let (p, _) = self
            .load_for_resource(
                &mut tx,
                actor,
                person,
                (CONSENT, Access::Write),
                PersonAction::Write(Category::Administrative),
            )
            .await?;
        let mut v = Validation::default();
        let purpose = ConsentPurpose::from_code(input.purpose.trim());
        if purpose.is_none() {
            v.push(DomainError::new("purpose", "required", "choisissez l'objet du consentement"));
        }
        let purpose_text = text(&mut v, "purpose_text", &input.purpose_text, MAX_LINE);
        if purpose == Some(ConsentPurpose::Other) && purpose_text.is_empty() {
            v.push(DomainError::new("purpose_text", "required", "précisez l'objet du consentement"));
        }
        let status = ConsentStatus::from_code(input.status.trim());
        if status.is_none() {
            v.push(DomainError::new(
                "consent_status",
                "required",
                "indiquez si le consentement est donné, refusé ou retiré",
            ));
        }
        let decided_on = if input.decided_on.trim().is_empty() {
            v.push(DomainError::new("decided_on", "required", "la date de la décision est obligatoire"));
            None
        } else {
            v.check(parse_date("decided_on", &input.decided_on))
        };
        if decided_on.is_some_and(|d| d > self.today()) {
            v.push(DomainError::new("decided_on", "date-future", "une décision ne peut pas être datée dans le futur"));
        }
        let by = input.decided_by.trim();
        let by_contact: Option<RelativeId> = if by.is_empty() || by == "person" {
            None
        } else {
            let parsed = by.parse().ok();
            if parsed.is_none() {
                v.push(DomainError::new("decided_by", "not-found", "représentant introuvable parmi les contacts"));
            }
            parsed
        };
        let document: Option<DocumentId> = if input.document.trim().is_empty() {
            None
        } else {
            let parsed = input.document.trim().parse().ok();
            if parsed.is_none() {
                v.push(DomainError::new("document", "not-found", "document introuvable dans le dossier"));
            }
            parsed
        };
        let comment = text(&mut v, "consent_comment", &input.comment, MAX_TEXT);
        v.finish()?;
        let (Some(purpose), Some(status), Some(decided_on)) = (purpose, status, decided_on) else {
            return Err(AppError::Internal("validation".into()));
        };
        if decided_on < p.traits.birth_date.earliest() {
            return Err(DomainError::new("decided_on", "date-invalid", "la date précède la naissance").into());
        }
        if let Some(lineage) = by_contact {
            match relatives::current_contact(&mut tx, actor.organisation_id, lineage).await? {
                Some(c) if c.person_id == person && c.has_role(RelationKind::LegalRepresentative) => {}
                Some(c) if c.person_id == person => {
                    return Err(DomainError::new(
                        "decided_by",
                        "representative-role",
                        "seul un représentant légal peut consentir à la place de la personne",
                    )
                    .into());
                }
                _ => {
                    return Err(DomainError::new(
                        "decided_by",
                        "not-found",
                        "représentant introuvable parmi les contacts",
                    )
                    .into());
                }
            }
        }
        if let Some(doc) = document {
            let found = relais_store::documents::get(&mut tx, actor.organisation_id, doc).await?;
            if found.is_none_or(|d| d.person_id != person) {
                return Err(DomainError::new("document", "not-found", "document introuvable dans le dossier").into());
            }
        }
        let covered = relatives::protections(&mut tx, person)
            .await?
            .iter()
            .any(|m| m.in_force(decided_on) && m.scope.covers_person());
        let flagged = needs_review(by_contact.is_none(), covered);
        let id = ConsentId::generate();
        let k = Consent {
            id,
            person_id: person,
            purpose,
            purpose_text: if purpose == ConsentPurpose::Other { purpose_text } else { String::new() },
            status,
            decided_on,
            by_contact,
            needs_review: flagged,
            document_id: document,
            comment,
            author_label: actor.label(),
            recorded_at: self.now_micros(),
        };
        relatives::insert_consent(&mut tx, actor.organisation_id, &k).await?;
        let mut ev = actor.event("consent.create", "ok");
        ev.person_id = Some(person);
        ev.resource = Some(format!("consent/{id}"));
        ev.detail = Some(format!(
            "{} {}{}",
            purpose.code(),
            status.code(),
            if flagged { ", to review: protected person alone" } else { "" }
        ));
        audit::append(&mut tx, ev).await?;
        tx.commit().await.map_err(StoreError::from)?;
        Ok(id)
    }

    /// One consent decision, for the API (FHIR Consent read), and whether it is the one in force
    /// for its purpose (a later decision replaces it).
    pub async fn consent_for_api(&self, actor: &Actor, id: ConsentId) -> Result<(Consent, bool)> {
        let mut conn = self.store.read().await?;
        let k = relatives::consent(&mut conn, actor.organisation_id, id).await?.ok_or(AppError::NotFound)?;
        self.load_for_consents(&mut conn, actor, k.person_id).await?;
        let all = relatives::consents(&mut conn, k.person_id).await?;
        drop(conn);
        let current = in_force(&all).iter().any(|c| c.id == k.id);
        let mut ev = actor.event("consent.read", "ok");
        ev.person_id = Some(k.person_id);
        ev.resource = Some(format!("consent/{id}"));
        self.audit(ev).await?;
        Ok((k, current))
    }

    /// A person's consent decisions, the latest first, for the API (FHIR Consent search).
    pub async fn consents_for_api(&self, actor: &Actor, person: PersonId) -> Result<Vec<Consent>> {
        let mut conn = self.store.read().await?;
        self.load_for_consents(&mut conn, actor, person).await?;
        let all = relatives::consents(&mut conn, person).await?;
        drop(conn);
        let mut ev = actor.event("consent.search", "ok");
        ev.person_id = Some(person);
        ev.detail = Some(format!("{} decision(s)", all.len()));
        self.audit(ev).await?;
        Ok(all)
    }
}

fn roles_detail(roles: &[RelationKind]) -> String {
    roles.iter().map(|r| r.code()).collect::<Vec<_>>().join(" ")
}
