//! Documents: versions of a lineage, a person's current documents (without their content), and
//! one document's content.

use crate::codec::{corrupt, date, flag, id, opt_id};
use crate::{Conn, Micros, Result, placeholders};
use jiff::civil::Date;
use relais_domain::access::Category;
use relais_domain::document::MediaType;
use relais_domain::ids::*;
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

/// A document's description; the content is read on its own.
#[derive(Debug, Clone)]
pub struct DocumentInfo {
    pub id: DocumentId,
    pub person_id: PersonId,
    pub lineage_id: DocumentId,
    pub version: i32,
    pub is_current: bool,
    pub type_code: String,
    pub title: String,
    pub document_date: Date,
    pub category: Category,
    pub media_type: MediaType,
    pub size: i64,
    pub sha256: String,
    /// `None` when an API client filed it (its name is the label).
    pub author_id: Option<AccountId>,
    pub author_label: String,
    pub created_at: Micros,
}

const COLUMNS: &str = "d.id, d.person_id, d.lineage_id, d.version, d.is_current, d.type_code, d.title, d.document_date, d.category, d.media_type, d.size, d.sha256, d.author_id, d.author_label, d.created_at";

fn from_row(r: &AnyRow) -> Result<DocumentInfo> {
    Ok(DocumentInfo {
        id: id(&r.try_get::<String, _>(0)?, "document id")?,
        person_id: id(&r.try_get::<String, _>(1)?, "person id")?,
        lineage_id: id(&r.try_get::<String, _>(2)?, "document lineage")?,
        version: r.try_get(3)?,
        is_current: flag(r.try_get(4)?),
        type_code: r.try_get(5)?,
        title: r.try_get(6)?,
        document_date: date(&r.try_get::<String, _>(7)?, "document date")?,
        category: Category::from_code(&r.try_get::<String, _>(8)?).ok_or_else(|| corrupt("document category"))?,
        media_type: MediaType::from_mime(&r.try_get::<String, _>(9)?).ok_or_else(|| corrupt("media type"))?,
        size: r.try_get(10)?,
        sha256: r.try_get(11)?,
        author_id: opt_id(r.try_get(12)?, "author id")?,
        author_label: r.try_get(13)?,
        created_at: r.try_get(14)?,
    })
}

pub async fn insert(conn: &mut Conn, org: OrganisationId, d: &DocumentInfo, content: &[u8]) -> Result<()> {
    sqlx::query(
        "INSERT INTO document (id, organisation_id, person_id, lineage_id, version, is_current, type_code, title, document_date, \
         category, media_type, size, sha256, content, author_id, author_label, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)",
    )
    .bind(d.id.to_string())
    .bind(org.to_string())
    .bind(d.person_id.to_string())
    .bind(d.lineage_id.to_string())
    .bind(d.version)
    .bind(d.is_current as i16)
    .bind(&d.type_code)
    .bind(&d.title)
    .bind(d.document_date.to_string())
    .bind(d.category.code())
    .bind(d.media_type.mime())
    .bind(d.size)
    .bind(&d.sha256)
    .bind(content.to_vec())
    .bind(d.author_id.map(|a| a.to_string()))
    .bind(&d.author_label)
    .bind(d.created_at)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn get(conn: &mut Conn, org: OrganisationId, doc: DocumentId) -> Result<Option<DocumentInfo>> {
    let sql = format!("SELECT {COLUMNS} FROM document d WHERE d.id = $1 AND d.organisation_id = $2");
    let r = sqlx::query(AssertSqlSafe(sql)).bind(doc.to_string()).bind(org.to_string()).fetch_optional(conn).await?;
    r.as_ref().map(from_row).transpose()
}

pub async fn content(conn: &mut Conn, doc: DocumentId) -> Result<Vec<u8>> {
    let r = sqlx::query("SELECT content FROM document WHERE id = $1").bind(doc.to_string()).fetch_one(conn).await?;
    Ok(r.try_get(0)?)
}

/// Marks the current version of a lineage as replaced; false when `expected` no longer is.
pub async fn supersede(conn: &mut Conn, expected: DocumentId) -> Result<bool> {
    let r = sqlx::query("UPDATE document SET is_current = 0 WHERE id = $1 AND is_current = 1")
        .bind(expected.to_string())
        .execute(conn)
        .await?;
    Ok(r.rows_affected() == 1)
}

/// Which of a person's current documents to list.
#[derive(Debug, Clone)]
pub struct DocumentQuery {
    pub categories: Vec<Category>,
    pub type_code: Option<String>,
    /// When they were filed: [from, to).
    pub period: (Micros, Micros),
    pub limit: i64,
}

/// A person's current documents, newest first.
pub async fn for_person(conn: &mut Conn, person: PersonId, query: &DocumentQuery) -> Result<Vec<DocumentInfo>> {
    if query.categories.is_empty() {
        return Ok(vec![]);
    }
    let type_filter = if query.type_code.is_some() { "AND d.type_code = $4" } else { "" };
    let first = if query.type_code.is_some() { 5 } else { 4 };
    let sql = format!(
        "SELECT {COLUMNS} FROM document d WHERE d.person_id = $1 AND d.is_current = 1 AND d.created_at >= $2 \
         AND d.created_at < $3 {type_filter} AND d.category IN ({}) \
         ORDER BY d.document_date DESC, d.created_at DESC LIMIT {}",
        placeholders(first, query.categories.len()),
        query.limit.clamp(1, 1000)
    );
    let mut q = sqlx::query(AssertSqlSafe(sql)).bind(person.to_string()).bind(query.period.0).bind(query.period.1);
    if let Some(t) = &query.type_code {
        q = q.bind(t.clone());
    }
    let q = query.categories.iter().fold(q, |q, c| q.bind(c.code()));
    let rows = q.fetch_all(conn).await?;
    rows.iter().map(from_row).collect()
}
