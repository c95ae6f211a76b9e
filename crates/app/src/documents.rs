//! Documents of a person's record: filed with their type, category and date, checked to be what
//! they say, versioned, and every download or preview audited.

use crate::persons::{decision, enforce};
use crate::{Actor, App, AppError, Result};
use relais_domain::DomainError;
use relais_domain::access::{Category, PersonAction};
use relais_domain::document::{MediaType, check_file, check_title, type_label};
use relais_domain::ids::*;
use relais_store::StoreError;
use relais_store::audit;
use relais_store::documents::{self, DocumentInfo};
use sha2::{Digest, Sha256};

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
        let account = actor.account_id().ok_or(AppError::Forbidden)?;
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
        let mut tx = self.store.begin_write().await?;
        let (p, stays) = self.load_for(&mut tx, actor, person, PersonAction::Write(category)).await?;
        let (lineage, version) = match input.replaces {
            None => (None, 1),
            Some(old_id) => {
                let old = documents::get(&mut tx, actor.organisation_id, old_id).await?.ok_or(AppError::NotFound)?;
                if old.person_id != p.id {
                    return Err(AppError::NotFound);
                }
                enforce(decision(self, actor, PersonAction::Write(old.category), &p, &stays))?;
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
        let mut conn = self.store.read().await?;
        let (p, stays) = self.load_for(&mut conn, actor, person, PersonAction::ViewIdentity).await?;
        let readable: Vec<Category> = Category::ALL
            .into_iter()
            .filter(|c| {
                decision(self, actor, PersonAction::Read(*c), &p, &stays) == relais_domain::access::Decision::Allow
            })
            .collect();
        Ok(documents::for_person(&mut conn, person, &readable).await?)
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
        self.load_for(&mut conn, actor, info.person_id, PersonAction::Read(info.category)).await?;
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
