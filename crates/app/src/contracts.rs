//! Contracts of a stay (contrat de séjour, DIPC): generated from their template and filed as documents of the record, signed or refused, and the unsigned ones followed; by the administrative office, every read and write audited.

use crate::persons::{decision, enforce};
use crate::{Actor, App, AppError, Result};
use jiff::civil::Date;
use relais_domain::access::{Category, Decision, PersonAction};
use relais_domain::contract::{ContractKind, SignatureStatus, check_signature, overdue_before, signature_overdue};
use relais_domain::date::parse_date;
use relais_domain::ids::*;
use relais_domain::scope::Access;
use relais_store::contracts::{self, Contract};
use relais_store::documents::{self, DocumentInfo};
use relais_store::persons::{Person, Stay};
use relais_store::{StoreError, audit, org};
use serde_json::json;
use sha2::{Digest, Sha256};

/// LOINC type of the filed contract: « Document du secteur social / médico-social ».
const CONTRACT_DOCUMENT_TYPE: &str = "28653-4";

/// A person's contracts and stays, with what the actor may do.
#[derive(Debug, Clone)]
pub struct PersonContracts {
    pub person: Person,
    pub stays: Vec<Stay>,
    pub contracts: Vec<Contract>,
    /// Establishment names, for the stays and contracts listed.
    pub establishments: Vec<(EstablishmentId, String)>,
    pub may_write: bool,
    pub today: Date,
}

/// What the person's page says of their contracts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContractSummary {
    pub count: usize,
    pub to_sign: usize,
    /// Still to sign more than `REMINDER_DAYS` after their generation.
    pub overdue: usize,
}

/// A signature as typed: `status` one of the signature codes, `signed_on` a date.
#[derive(Debug, Clone, Default)]
pub struct SignatureInput {
    pub status: String,
    pub signed_on: String,
}

/// `26/11/2026`.
fn french(d: Date) -> String {
    d.strftime("%d/%m/%Y").to_string()
}

/// The data a contract template receives. The INS is given only for a qualified identity (the
/// rule of the identity banner and of the FHIR Patient).
pub fn contract_data(
    person: &Person,
    stay: &Stay,
    establishment: &org::Establishment,
    unit: Option<&str>,
    amendment: i32,
    today: Date,
    author: &str,
) -> serde_json::Value {
    let t = &person.traits;
    let used = match (&person.used.used_name, &person.used.used_first_name) {
        (None, None) => None,
        (n, f) => {
            Some(format!("{} {}", n.as_deref().unwrap_or(&t.birth_name), f.as_deref().unwrap_or("")).trim().to_string())
        }
    };
    let ins = person
        .ins
        .as_ref()
        .filter(|_| person.status.may_emit_ins())
        .map(|i| format!("{} ({})", i.matricule.as_str(), i.authority.type_code()));
    let finess = (!establishment.finess.is_empty()).then(|| establishment.finess.clone());
    json!({
        "kind": ContractKind::for_mode(stay.mode).code(),
        "amendment": amendment,
        "establishment": { "name": establishment.name, "finess": finess },
        "person": {
            "birth_name": t.birth_name,
            "first_names": t.first_names.join(" "),
            "used_name": used,
            "birth_date": t.birth_date.to_string(),
            "sex": t.sex.label(),
            "ins": ins,
        },
        "stay": { "mode": stay.mode.label(), "start": french(stay.start), "unit": unit },
        "generated_on": french(today),
        "generated_by": author,
    })
}

fn allowed(app: &App, actor: &Actor, action: PersonAction, person: &Person, stays: &[Stay]) -> bool {
    decision(app, actor, action, person, stays) == Decision::Allow
}

impl App {
    /// Sets how documents are rendered to PDF (the binary passes `relais_pdf`'s functions).
    pub fn with_pdf_renderer(mut self, renderer: crate::PdfRenderer) -> Self {
        self.pdf = Some(renderer);
        self
    }

    /// Generates the contract of a stay — a contrat de séjour for a residential stay, a DIPC
    /// otherwise — or, when the stay has one already, its next amendment; files the PDF as a
    /// document of the record (administrative category) with the contract to sign.
    pub async fn generate_contract(&self, actor: &Actor, person: PersonId, stay: StayId) -> Result<ContractId> {
        let needed = ("DocumentReference", Access::Write);
        let action = PersonAction::Write(Category::Administrative);
        let today = self.today();
        // The PDF is rendered outside the write transaction: it takes longer than the writes.
        let mut conn = self.store.read().await?;
        let (p, stays) = self.load_for_resource(&mut conn, actor, person, needed, action).await?;
        let s = stays.iter().find(|s| s.id == stay).cloned().ok_or(AppError::NotFound)?;
        if !s.is_open() {
            return Err(AppError::Conflict("ce séjour est terminé : on n'établit plus de contrat pour lui".into()));
        }
        let existing = contracts::for_stay(&mut conn, stay).await?;
        let establishment = org::establishments(&mut conn, actor.organisation_id)
            .await?
            .into_iter()
            .find(|e| e.id == s.establishment_id)
            .ok_or(AppError::NotFound)?;
        let unit = match s.unit_id {
            Some(u) => {
                org::units(&mut conn, actor.organisation_id).await?.into_iter().find(|x| x.id == u).map(|x| x.name)
            }
            None => None,
        };
        drop(conn);
        let amendment = i32::try_from(existing.len()).map_err(|e| AppError::Internal(e.to_string()))?;
        let kind = ContractKind::for_mode(s.mode);
        let data = contract_data(&p, &s, &establishment, unit.as_deref(), amendment, today, &actor.label());
        let render = self.pdf.map(|r| r.contract).ok_or_else(|| {
            AppError::Unavailable("la génération des contrats en PDF n'est pas disponible sur ce serveur".into())
        })?;
        let pdf = tokio::task::spawn_blocking(move || render(&data, today))
            .await
            .map_err(|e| AppError::Internal(format!("contract rendering: {e}")))?
            .map_err(|e| AppError::Internal(format!("contract rendering: {e}")))?;

        let mut tx = self.store.begin_write().await?;
        self.load_for_resource(&mut tx, actor, person, needed, action).await?;
        if contracts::for_stay(&mut tx, stay).await?.len() != existing.len() {
            return Err(AppError::Conflict(
                "un contrat vient d'être établi pour ce séjour par quelqu'un d'autre : rechargez la page".into(),
            ));
        }
        let document_id = DocumentId::generate();
        let now = self.now_micros();
        let info = DocumentInfo {
            id: document_id,
            person_id: person,
            lineage_id: document_id,
            version: 1,
            is_current: true,
            type_code: CONTRACT_DOCUMENT_TYPE.into(),
            title: kind.title(amendment),
            document_date: today,
            category: Category::Administrative,
            media_type: relais_domain::document::MediaType::Pdf,
            size: pdf.len() as i64,
            sha256: hex::encode(Sha256::digest(&pdf)),
            author_id: actor.account_id(),
            author_label: actor.label(),
            created_at: now,
        };
        documents::insert(&mut tx, actor.organisation_id, &info, &pdf).await?;
        let id = ContractId::generate();
        let c = Contract {
            id,
            person_id: person,
            stay_id: stay,
            establishment_id: s.establishment_id,
            kind,
            original_id: existing.first().map(|c| c.id),
            amendment,
            document_id,
            generated_on: today,
            generated_at: now,
            generated_by: actor.account_id(),
            generated_label: actor.label(),
            status: SignatureStatus::ToSign,
            signed_on: None,
            status_label: None,
        };
        contracts::insert(&mut tx, actor.organisation_id, &c).await?;
        let mut ev = actor.event("contract.create", "ok");
        ev.person_id = Some(person);
        ev.resource = Some(format!("contract/{id}"));
        ev.detail =
            Some(format!("{} amendment {amendment}, document/{document_id} sha256 {}", kind.code(), info.sha256));
        audit::append(&mut tx, ev).await?;
        tx.commit().await.map_err(StoreError::from)?;
        Ok(id)
    }

    /// A person's stays and contracts (administrative file), audited.
    pub async fn person_contracts(&self, actor: &Actor, person: PersonId) -> Result<PersonContracts> {
        let mut conn = self.store.read().await?;
        let (p, stays) = self
            .load_for_resource(
                &mut conn,
                actor,
                person,
                ("DocumentReference", Access::Read),
                PersonAction::Read(Category::Administrative),
            )
            .await?;
        let list = contracts::for_person(&mut conn, person).await?;
        let establishments =
            org::establishments(&mut conn, actor.organisation_id).await?.into_iter().map(|e| (e.id, e.name)).collect();
        drop(conn);
        let may_write = match actor.principal {
            crate::Principal::Staff { .. } => {
                allowed(self, actor, PersonAction::Write(Category::Administrative), &p, &stays)
            }
            crate::Principal::ApiClient { .. } => false,
        } && p.merged_into.is_none();
        let mut ev = actor.event("contract.read", "ok");
        ev.person_id = Some(person);
        ev.detail = Some(format!("{} contract(s)", list.len()));
        self.audit(ev).await?;
        Ok(PersonContracts { person: p, stays, contracts: list, establishments, may_write, today: self.today() })
    }

    /// What the person's page says of the contracts, for those who read the administrative file;
    /// the page's own read is the audited one.
    pub async fn contract_summary(&self, actor: &Actor, person: PersonId) -> Result<Option<ContractSummary>> {
        let mut conn = self.store.read().await?;
        let (p, stays) = self.load_for(&mut conn, actor, person, PersonAction::ViewIdentity).await?;
        if !allowed(self, actor, PersonAction::Read(Category::Administrative), &p, &stays) {
            return Ok(None);
        }
        let list = contracts::for_person(&mut conn, p.merged_into.unwrap_or(person)).await?;
        let today = self.today();
        Ok(Some(ContractSummary {
            count: list.len(),
            to_sign: list.iter().filter(|c| c.status == SignatureStatus::ToSign).count(),
            overdue: list.iter().filter(|c| signature_overdue(c.status, c.generated_on, today)).count(),
        }))
    }

    /// Records that a contract was signed by the person or their representative, or refused, on a day.
    pub async fn sign_contract(&self, actor: &Actor, id: ContractId, input: &SignatureInput) -> Result<PersonId> {
        let mut tx = self.store.begin_write().await?;
        let c = contracts::get(&mut tx, actor.organisation_id, id).await?.ok_or(AppError::NotFound)?;
        let (p, stays) = self
            .load_for_resource(
                &mut tx,
                actor,
                c.person_id,
                ("DocumentReference", Access::Write),
                PersonAction::Write(Category::Administrative),
            )
            .await?;
        enforce(decision(self, actor, PersonAction::Write(Category::Administrative), &p, &stays))?;
        // Validated once access is settled: a stranger learns nothing from it.
        let mut v = crate::Validation::default();
        let status = v.check(SignatureStatus::from_code(input.status.trim()));
        let on = v.check(parse_date("signed_on", &input.signed_on));
        v.finish()?;
        let (Some(status), Some(on)) = (status, on) else {
            return Err(AppError::Internal("validation".into()));
        };
        let signature = check_signature(c.status, status, on, c.generated_on, self.today())?;
        let recorded = contracts::set_status(
            &mut tx,
            id,
            signature.status,
            signature.on,
            actor.account_id(),
            &actor.label(),
            self.now_micros(),
        )
        .await?;
        if !recorded {
            return Err(AppError::Conflict("ce document vient d'être signé ou refusé : rechargez la page".into()));
        }
        let mut ev = actor.event("contract.sign", "ok");
        ev.person_id = Some(c.person_id);
        ev.resource = Some(format!("contract/{id}"));
        ev.detail = Some(format!("{} on {}", signature.status.code(), signature.on));
        audit::append(&mut tx, ev).await?;
        tx.commit().await.map_err(StoreError::from)?;
        Ok(c.person_id)
    }

    /// An establishment's contracts still to sign (only the overdue ones with `overdue_only`),
    /// for those who read the administrative file of its persons; one audit event names them.
    pub async fn unsigned_contracts(
        &self,
        actor: &Actor,
        establishment: EstablishmentId,
        overdue_only: bool,
    ) -> Result<Vec<(Contract, Person)>> {
        let today = self.today();
        let grants = actor.grants();
        if !grants.iter().any(|g| g.is_active(today) && g.establishment == establishment) {
            return Err(AppError::NotFound);
        }
        let administrative = grants.iter().any(|g| {
            g.is_active(today)
                && g.establishment == establishment
                && relais_domain::access::profile_allows(g.profile, PersonAction::Read(Category::Administrative))
        });
        if !administrative {
            return Err(AppError::Forbidden);
        }
        let mut conn = self.store.read().await?;
        let before = overdue_only.then(|| overdue_before(today));
        let rows = contracts::unsigned(&mut conn, actor.organisation_id, establishment, before).await?;
        let rows = self
            .decide_each(&mut conn, actor, rows, |c| c.person_id, |_| PersonAction::Read(Category::Administrative))
            .await?;
        drop(conn);
        let shown: Vec<PersonId> = rows.iter().map(|(c, _)| c.person_id).collect();
        let mut ev = actor.event("contract.read", "ok").listing(&shown);
        ev.resource = Some(format!("establishment/{establishment}/contracts"));
        self.audit(ev).await?;
        Ok(rows)
    }
}
