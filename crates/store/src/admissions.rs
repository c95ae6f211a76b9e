//! Admission requests and the history of their status; the waiting list of an establishment.

use crate::codec::{corrupt, date, id, opt_date, opt_id};
use crate::{Conn, Micros, Result, StoreError, placeholders};
use jiff::civil::Date;
use relais_domain::admission::{AdmissionSource, AdmissionStatus, Priority};
use relais_domain::ids::*;
use relais_domain::stay::StayMode;
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

#[derive(Debug, Clone)]
pub struct AdmissionRequest {
    pub id: AdmissionRequestId,
    pub organisation_id: OrganisationId,
    pub person_id: PersonId,
    pub establishment_id: EstablishmentId,
    pub unit_id: Option<UnitId>,
    pub mode: StayMode,
    pub source: AdmissionSource,
    pub received_on: Date,
    pub priority: Priority,
    pub documents: String,
    pub status: AdmissionStatus,
    pub stay_id: Option<StayId>,
    pub created_by: Option<AccountId>,
    pub created_label: String,
    pub created_at: Micros,
    pub updated_at: Micros,
}

/// One change of status (the first one is the receipt, from no status).
#[derive(Debug, Clone)]
pub struct StatusChange {
    pub from: Option<AdmissionStatus>,
    pub to: AdmissionStatus,
    pub comment: String,
    pub author_id: Option<AccountId>,
    pub author_label: String,
    pub changed_at: Micros,
}

const COLUMNS: &str = "r.id, r.organisation_id, r.person_id, r.establishment_id, r.unit_id, r.mode, r.source, \
     r.source_reference, r.source_valid_until, r.received_on, r.priority, r.documents, r.status, r.stay_id, \
     r.created_by, r.created_label, r.created_at, r.updated_at";

fn from_row(r: &AnyRow) -> Result<AdmissionRequest> {
    let source_code: String = r.try_get(6)?;
    let source =
        AdmissionSource::from_parts(&source_code, r.try_get(7)?, opt_date(r.try_get(8)?, "admission source validity")?)
            .ok_or_else(|| corrupt("admission source"))?;
    Ok(AdmissionRequest {
        id: id(&r.try_get::<String, _>(0)?, "admission request id")?,
        organisation_id: id(&r.try_get::<String, _>(1)?, "organisation id")?,
        person_id: id(&r.try_get::<String, _>(2)?, "person id")?,
        establishment_id: id(&r.try_get::<String, _>(3)?, "establishment id")?,
        unit_id: opt_id(r.try_get(4)?, "unit id")?,
        mode: StayMode::from_code(&r.try_get::<String, _>(5)?).map_err(|_| corrupt("stay mode"))?,
        source,
        received_on: date(&r.try_get::<String, _>(9)?, "admission received date")?,
        priority: Priority::from_code(&r.try_get::<String, _>(10)?).map_err(|_| corrupt("admission priority"))?,
        documents: r.try_get(11)?,
        status: AdmissionStatus::from_code(&r.try_get::<String, _>(12)?).map_err(|_| corrupt("admission status"))?,
        stay_id: opt_id(r.try_get(13)?, "stay id")?,
        created_by: opt_id(r.try_get(14)?, "account id")?,
        created_label: r.try_get(15)?,
        created_at: r.try_get(16)?,
        updated_at: r.try_get(17)?,
    })
}

pub(crate) const REQUEST_INSERT_COLUMNS: &[&str] = &[
    "id",
    "organisation_id",
    "person_id",
    "establishment_id",
    "unit_id",
    "mode",
    "source",
    "source_reference",
    "source_valid_until",
    "received_on",
    "priority",
    "documents",
    "status",
    "created_by",
    "created_label",
    "created_at",
    "updated_at",
];

/// Binds the values of one row of `admission_request`, in the order of `REQUEST_INSERT_COLUMNS`.
pub(crate) fn bind_request<'q>(q: crate::bulk::AnyQuery<'q>, r: &AdmissionRequest) -> crate::bulk::AnyQuery<'q> {
    q.bind(r.id.to_string())
        .bind(r.organisation_id.to_string())
        .bind(r.person_id.to_string())
        .bind(r.establishment_id.to_string())
        .bind(r.unit_id.map(|u| u.to_string()))
        .bind(r.mode.code())
        .bind(r.source.code())
        .bind(r.source.reference().map(str::to_string))
        .bind(r.source.valid_until().map(|d| d.to_string()))
        .bind(r.received_on.to_string())
        .bind(r.priority.code())
        .bind(r.documents.clone())
        .bind(r.status.code())
        .bind(r.created_by.map(|a| a.to_string()))
        .bind(r.created_label.clone())
        .bind(r.created_at)
        .bind(r.updated_at)
}

/// Inserts a new request and its receipt in the history.
pub async fn insert(conn: &mut Conn, r: &AdmissionRequest, comment: &str) -> Result<()> {
    bind_request(
        sqlx::query(
            "INSERT INTO admission_request (id, organisation_id, person_id, establishment_id, unit_id, mode, source, \
         source_reference, source_valid_until, received_on, priority, documents, status, created_by, created_label, \
         created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)",
        ),
        r,
    )
    .execute(&mut *conn)
    .await?;
    let receipt = StatusChange {
        from: None,
        to: r.status,
        comment: comment.to_string(),
        author_id: r.created_by,
        author_label: r.created_label.clone(),
        changed_at: r.created_at,
    };
    insert_change(conn, r.id, &receipt).await
}

async fn insert_change(conn: &mut Conn, request: AdmissionRequestId, c: &StatusChange) -> Result<()> {
    sqlx::query(
        "INSERT INTO admission_status_change (id, request_id, from_status, to_status, comment, author_id, author_label, changed_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(uuid::Uuid::now_v7().to_string())
    .bind(request.to_string())
    .bind(c.from.map(|s| s.code()))
    .bind(c.to.code())
    .bind(c.comment.clone())
    .bind(c.author_id.map(|a| a.to_string()))
    .bind(c.author_label.clone())
    .bind(c.changed_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// Moves a request from `change.from` to `change.to` and records the change. Refused as a
/// conflict when someone else moved it meanwhile: the status is compared, not overwritten.
pub async fn change_status(
    conn: &mut Conn,
    request: AdmissionRequestId,
    change: &StatusChange,
    stay: Option<StayId>,
) -> Result<()> {
    let from = change.from.ok_or_else(|| StoreError::Conflict("a status change starts from a status".into()))?;
    let n = sqlx::query(
        "UPDATE admission_request SET status = $1, stay_id = COALESCE($2, stay_id), updated_at = $3 \
         WHERE id = $4 AND status = $5",
    )
    .bind(change.to.code())
    .bind(stay.map(|s| s.to_string()))
    .bind(change.changed_at)
    .bind(request.to_string())
    .bind(from.code())
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if n != 1 {
        return Err(StoreError::Conflict("admission request status changed meanwhile".into()));
    }
    insert_change(conn, request, change).await
}

pub async fn get(
    conn: &mut Conn,
    org: OrganisationId,
    request: AdmissionRequestId,
) -> Result<Option<AdmissionRequest>> {
    let sql = format!("SELECT {COLUMNS} FROM admission_request r WHERE r.id = $1 AND r.organisation_id = $2");
    let r =
        sqlx::query(AssertSqlSafe(sql)).bind(request.to_string()).bind(org.to_string()).fetch_optional(conn).await?;
    r.as_ref().map(from_row).transpose()
}

/// A person's requests, newest received first.
pub async fn for_person(conn: &mut Conn, person: PersonId) -> Result<Vec<AdmissionRequest>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM admission_request r WHERE r.person_id = $1 ORDER BY r.received_on DESC, r.created_at DESC"
    );
    let rows = sqlx::query(AssertSqlSafe(sql)).bind(person.to_string()).fetch_all(conn).await?;
    rows.iter().map(from_row).collect()
}

/// The (person, establishment) pairs among `persons` × `establishments` with a request still
/// open: what access control needs to relate an admission office to its applicants.
pub async fn open_requests_to(
    conn: &mut Conn,
    persons: &[PersonId],
    establishments: &[EstablishmentId],
) -> Result<Vec<(PersonId, EstablishmentId)>> {
    if persons.is_empty() || establishments.is_empty() {
        return Ok(vec![]);
    }
    let open = AdmissionStatus::OPEN;
    let sql = format!(
        "SELECT DISTINCT r.person_id, r.establishment_id FROM admission_request r \
         WHERE r.person_id IN ({}) AND r.establishment_id IN ({}) AND r.status IN ({})",
        placeholders(1, persons.len()),
        placeholders(1 + persons.len(), establishments.len()),
        placeholders(1 + persons.len() + establishments.len(), open.len())
    );
    let mut q = sqlx::query(AssertSqlSafe(sql));
    for p in persons {
        q = q.bind(p.to_string());
    }
    for e in establishments {
        q = q.bind(e.to_string());
    }
    for s in open {
        q = q.bind(s.code());
    }
    let rows = q.fetch_all(conn).await?;
    rows.iter()
        .map(|r| {
            Ok((id(&r.try_get::<String, _>(0)?, "person id")?, id(&r.try_get::<String, _>(1)?, "establishment id")?))
        })
        .collect()
}

/// The waiting list of an establishment: open requests, urgent first, then the oldest received.
pub async fn waiting_list(
    conn: &mut Conn,
    org: OrganisationId,
    establishment: EstablishmentId,
) -> Result<Vec<AdmissionRequest>> {
    let open = AdmissionStatus::OPEN;
    let sql = format!(
        "SELECT {COLUMNS} FROM admission_request r WHERE r.organisation_id = $1 AND r.establishment_id = $2 \
         AND r.status IN ({}) \
         ORDER BY CASE WHEN r.priority = 'urgent' THEN 0 ELSE 1 END, r.received_on, r.created_at, r.id",
        placeholders(3, open.len())
    );
    let mut q = sqlx::query(AssertSqlSafe(sql)).bind(org.to_string()).bind(establishment.to_string());
    for s in open {
        q = q.bind(s.code());
    }
    let rows = q.fetch_all(conn).await?;
    rows.iter().map(from_row).collect()
}

/// The history of a request, oldest first.
pub async fn history(conn: &mut Conn, request: AdmissionRequestId) -> Result<Vec<StatusChange>> {
    let rows = sqlx::query(
        "SELECT from_status, to_status, comment, author_id, author_label, changed_at FROM admission_status_change \
         WHERE request_id = $1 ORDER BY changed_at, id",
    )
    .bind(request.to_string())
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            let status = |s: String| AdmissionStatus::from_code(&s).map_err(|_| corrupt("admission status"));
            Ok(StatusChange {
                from: r.try_get::<Option<String>, _>(0)?.map(status).transpose()?,
                to: status(r.try_get(1)?)?,
                comment: r.try_get(2)?,
                author_id: opt_id(r.try_get(3)?, "account id")?,
                author_label: r.try_get(4)?,
                changed_at: r.try_get(5)?,
            })
        })
        .collect()
}
