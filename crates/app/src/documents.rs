//! Documents of a person's record: filed with their type, category and date, checked to be what
//! they say, versioned, and every download or preview audited.

use crate::persons::{decision, enforce, refuse_writes_to_alias};
use crate::{Actor, App, AppError, Result};
use relais_domain::DomainError;
use relais_domain::access::{Category, Decision, PersonAction};
use relais_domain::document::{MediaType, check_file, check_title, type_label};
use relais_domain::ids::*;
use relais_domain::scope::Access;
use relais_store::StoreError;
use relais_store::audit;
use relais_store::documents::{self, DocumentInfo, DocumentQuery};
use sha2::{Digest, Sha256};

/// Which documents a search asks for; the categories are the actor's.
#[derive(Debug, Clone)]
pub struct DocumentFilter {
    pub type_code: Option<String>,
    /// When they were filed: [from, to).
    pub period: (i64, i64),
    pub limit: i64,
}

impl DocumentFilter {
    pub fn all() -> Self {
        Self { type_code: None, period: (i64::MIN, i64::MAX), limit: 200 }
    }
}

/// A document as uploaded.
#[derive(Debug, Clone, Default)]
pub struct DocumentInput {
    pub type_code: String,
    pub title: String,
    pub date: String,
    pub category: String,
    pub declared_type: String,
    pub bytes: Vec<u8>,
    /// The document this one is a new version of.
    pub replaces: Option<DocumentId>,
}

impl App {
    /// Files a document (or a new version of one) in a person's record.
    pub async fn file_document(&self, actor: &Actor, person: PersonId, input: &DocumentInput) -> Result<DocumentId> {
        // An API client files under its own name.
        let account = actor.account_id();
        // Access first: a reader or a stranger learns nothing from the validation of what they
        // typed. The category asked for, when it is one, must be writable; otherwise at least one.
        let mut tx = self.store.begin_write().await?;
        let needed = ("DocumentReference", Access::Write);
        let (p, stays) = self.load_for_resource(&mut tx, actor, person, needed, PersonAction::ViewIdentity).await?;
        let may_write = |c| decision(self, actor, PersonAction::Write(c), &p, &stays) == Decision::Allow;
        if let crate::Principal::Staff { .. } = actor.principal {
            let allowed = match Category::from_code(&input.category) {
                Some(c) => may_write(c),
                None => Category::ALL.into_iter().any(may_write),
            };
            if !allowed {
                return Err(AppError::Forbidden);
            }
        }
        refuse_writes_to_alias(&p, PersonAction::Write(Category::Administrative))?;
        let mut v = crate::Validation::default();
        let media = v.check(check_file(&input.declared_type, &input.bytes));
        let title = v.check(check_title(&input.title));
        if type_label(&input.type_code).is_none() {
            v.push(DomainError::new("type_code", "type-invalid", "type de document inconnu"));
        }
        let category = v.check(
            Category::from_code(&input.category)
                .ok_or_else(|| DomainError::new("category", "category-invalid", "catégorie inconnue")),
        );
        let date = v.check(relais_domain::date::parse_date("date", &input.date));
        if let Some(d) = date
            && d > self.today()
        {
            v.push(DomainError::new("date", "date-future", "la date du document ne peut pas être à venir"));
        }
        v.finish()?;
        let (Some(media), Some(title), Some(category), Some(date)) = (media, title, category, date) else {
            return Err(AppError::Internal("validation".into()));
        };
        if let crate::Principal::Staff { .. } = actor.principal {
            enforce(decision(self, actor, PersonAction::Write(category), &p, &stays))?;
        }
        let (lineage, version) = match input.replaces {
            None => (None, 1),
            Some(old_id) => {
                let old = documents::get(&mut tx, actor.organisation_id, old_id).await?.ok_or(AppError::NotFound)?;
                if old.person_id != p.id {
                    return Err(AppError::NotFound);
                }
                if let crate::Principal::Staff { .. } = actor.principal {
                    enforce(decision(self, actor, PersonAction::Write(old.category), &p, &stays))?;
                }
                if !old.is_current || !documents::supersede(&mut tx, old.id).await? {
                    return Err(AppError::Conflict("ce document a déjà été remplacé : rechargez la page".into()));
                }
                (Some(old.lineage_id), old.version + 1)
            }
        };
        let id = DocumentId::generate();
        let info = DocumentInfo {
            id,
            person_id: person,
            lineage_id: lineage.unwrap_or(id),
            version,
            is_current: true,
            type_code: input.type_code.clone(),
            title,
            document_date: date,
            category,
            media_type: media,
            size: input.bytes.len() as i64,
            sha256: hex::encode(Sha256::digest(&input.bytes)),
            author_id: account,
            author_label: actor.label(),
            created_at: self.now_micros(),
        };
        documents::insert(&mut tx, actor.organisation_id, &info, &input.bytes).await?;
        let mut ev = actor.event("document.create", "ok");
        ev.person_id = Some(person);
        ev.resource = Some(format!("document/{id}"));
        ev.detail = Some(format!("sha256 {}", info.sha256));
        audit::append(&mut tx, ev).await?;
        tx.commit().await.map_err(StoreError::from)?;
        Ok(id)
    }

    /// A person's current documents the actor may read (descriptions only).
    pub async fn person_documents(&self, actor: &Actor, person: PersonId) -> Result<Vec<DocumentInfo>> {
        self.documents_of(actor, person, &DocumentFilter::all(), None).await
    }

    /// A person's current documents matching `filter` (FHIR search), audited.
    pub async fn search_documents(
        &self,
        actor: &Actor,
        person: PersonId,
        filter: &DocumentFilter,
    ) -> Result<Vec<DocumentInfo>> {
        self.documents_of(actor, person, filter, Some("document.search")).await
    }

    async fn documents_of(
        &self,
        actor: &Actor,
        person: PersonId,
        filter: &DocumentFilter,
        audit_as: Option<&'static str>,
    ) -> Result<Vec<DocumentInfo>> {
        let mut conn = self.store.read().await?;
        let needed = ("DocumentReference", Access::Read);
        let (p, stays) = self.load_for_resource(&mut conn, actor, person, needed, PersonAction::ViewIdentity).await?;
        let query = DocumentQuery {
            categories: self.readable_categories(actor, "DocumentReference", &p, &stays),
            type_code: filter.type_code.clone(),
            period: filter.period,
            limit: filter.limit,
        };
        let list = documents::for_person(&mut conn, person, &query).await?;
        drop(conn);
        if let Some(action) = audit_as {
            let mut ev = actor.event(action, "ok");
            ev.person_id = Some(person);
            self.audit(ev).await?;
        }
        Ok(list)
    }

    /// One document's description (FHIR DocumentReference read), audited.
    pub async fn document(&self, actor: &Actor, id: DocumentId) -> Result<DocumentInfo> {
        let mut conn = self.store.read().await?;
        let info = documents::get(&mut conn, actor.organisation_id, id).await?.ok_or(AppError::NotFound)?;
        let needed = ("DocumentReference", Access::Read);
        self.load_for_resource(&mut conn, actor, info.person_id, needed, PersonAction::Read(info.category)).await?;
        drop(conn);
        let mut ev = actor.event("document.read", "ok");
        ev.person_id = Some(info.person_id);
        ev.resource = Some(format!("document/{id}"));
        self.audit(ev).await?;
        Ok(info)
    }

    /// A document's content, checked against its SHA-256, for download or preview (audited).
    pub async fn document_content(
        &self,
        actor: &Actor,
        id: DocumentId,
        preview: bool,
    ) -> Result<(DocumentInfo, MediaType, Vec<u8>)> {
        let mut conn = self.store.read().await?;
        let info = documents::get(&mut conn, actor.organisation_id, id).await?.ok_or(AppError::NotFound)?;
        let needed = ("Binary", Access::Read);
        self.load_for_resource(&mut conn, actor, info.person_id, needed, PersonAction::Read(info.category)).await?;
        let bytes = documents::content(&mut conn, id).await?;
        drop(conn);
        if hex::encode(Sha256::digest(&bytes)) != info.sha256 {
            return Err(AppError::Internal(format!("document {id}: content does not match its SHA-256")));
        }
        let mut ev = actor.event(if preview { "document.preview" } else { "document.download" }, "ok");
        ev.person_id = Some(info.person_id);
        ev.resource = Some(format!("document/{id}"));
        self.audit(ev).await?;
        let media = info.media_type;
        Ok((info, media, bytes))
    }
}
