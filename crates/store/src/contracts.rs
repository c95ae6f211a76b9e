//! Contracts of a stay (contrat de séjour, DIPC): their rows, a person's list, the signature, and an establishment's unsigned ones.

use crate::codec::{corrupt, date, id, opt_date, opt_id};
use crate::{Conn, Micros, Result};
use jiff::civil::Date;
use relais_domain::contract::{ContractKind, SignatureStatus};
use relais_domain::ids::*;
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

/// A contract or an amendment, as generated and as signed.
#[derive(Debug, Clone)]
pub struct Contract {
    pub id: ContractId,
    pub person_id: PersonId,
    pub stay_id: StayId,
    pub establishment_id: EstablishmentId,
    pub kind: ContractKind,
    /// The first contract of the stay, for an amendment.
    pub original_id: Option<ContractId>,
    /// 0 for the contract, n for its n-th amendment.
    pub amendment: i32,
    pub document_id: DocumentId,
    pub generated_on: Date,
    pub generated_at: Micros,
    pub generated_by: Option<AccountId>,
    pub generated_label: String,
    pub status: SignatureStatus,
    pub signed_on: Option<Date>,
    pub status_label: Option<String>,
}

const COLUMNS: &str = "c.id, c.person_id, c.stay_id, c.establishment_id, c.kind, c.original_id, c.amendment, c.document_id, \
     c.generated_on, c.generated_at, c.generated_by, c.generated_label, c.status, c.signed_on, c.status_label";

fn from_row(r: &AnyRow) -> Result<Contract> {
    Ok(Contract {
        id: id(&r.try_get::<String, _>(0)?, "contract id")?,
        person_id: id(&r.try_get::<String, _>(1)?, "person id")?,
        stay_id: id(&r.try_get::<String, _>(2)?, "stay id")?,
        establishment_id: id(&r.try_get::<String, _>(3)?, "establishment id")?,
        kind: ContractKind::from_code(&r.try_get::<String, _>(4)?).ok_or_else(|| corrupt("contract kind"))?,
        original_id: opt_id(r.try_get(5)?, "original contract id")?,
        amendment: r.try_get(6)?,
        document_id: id(&r.try_get::<String, _>(7)?, "document id")?,
        generated_on: date(&r.try_get::<String, _>(8)?, "generation date")?,
        generated_at: r.try_get(9)?,
        generated_by: opt_id(r.try_get(10)?, "author id")?,
        generated_label: r.try_get(11)?,
        status: SignatureStatus::from_code(&r.try_get::<String, _>(12)?).map_err(|_| corrupt("signature status"))?,
        signed_on: opt_date(r.try_get(13)?, "signature date")?,
        status_label: r.try_get(14)?,
    })
}

pub async fn insert(conn: &mut Conn, org: OrganisationId, c: &Contract) -> Result<()> {
    sqlx::query(
        "INSERT INTO contract (id, organisation_id, person_id, stay_id, establishment_id, kind, original_id, amendment, \
         document_id, generated_on, generated_at, generated_by, generated_label, status) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
    )
    .bind(c.id.to_string())
    .bind(org.to_string())
    .bind(c.person_id.to_string())
    .bind(c.stay_id.to_string())
    .bind(c.establishment_id.to_string())
    .bind(c.kind.code())
    .bind(c.original_id.map(|o| o.to_string()))
    .bind(c.amendment)
    .bind(c.document_id.to_string())
    .bind(c.generated_on.to_string())
    .bind(c.generated_at)
    .bind(c.generated_by.map(|a| a.to_string()))
    .bind(&c.generated_label)
    .bind(c.status.code())
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn get(conn: &mut Conn, org: OrganisationId, contract: ContractId) -> Result<Option<Contract>> {
    let sql = format!("SELECT {COLUMNS} FROM contract c WHERE c.id = $1 AND c.organisation_id = $2");
    let r =
        sqlx::query(AssertSqlSafe(sql)).bind(contract.to_string()).bind(org.to_string()).fetch_optional(conn).await?;
    r.as_ref().map(from_row).transpose()
}

/// A person's contracts, by stay then amendment.
pub async fn for_person(conn: &mut Conn, person: PersonId) -> Result<Vec<Contract>> {
    let sql = format!("SELECT {COLUMNS} FROM contract c WHERE c.person_id = $1 ORDER BY c.generated_at, c.amendment");
    let rows = sqlx::query(AssertSqlSafe(sql)).bind(person.to_string()).fetch_all(conn).await?;
    rows.iter().map(from_row).collect()
}

/// The contracts of one stay, oldest first (the contract, then its amendments).
pub async fn for_stay(conn: &mut Conn, stay: StayId) -> Result<Vec<Contract>> {
    let sql = format!("SELECT {COLUMNS} FROM contract c WHERE c.stay_id = $1 ORDER BY c.amendment");
    let rows = sqlx::query(AssertSqlSafe(sql)).bind(stay.to_string()).fetch_all(conn).await?;
    rows.iter().map(from_row).collect()
}

/// Records a signature or a refusal; false when the contract was no longer to sign.
pub async fn set_status(
    conn: &mut Conn,
    contract: ContractId,
    status: SignatureStatus,
    on: Date,
    by: Option<AccountId>,
    label: &str,
    at: Micros,
) -> Result<bool> {
    let r = sqlx::query(
        "UPDATE contract SET status = $2, signed_on = $3, status_by = $4, status_label = $5, status_at = $6 \
         WHERE id = $1 AND status = $7",
    )
    .bind(contract.to_string())
    .bind(status.code())
    .bind(on.to_string())
    .bind(by.map(|a| a.to_string()))
    .bind(label)
    .bind(at)
    .bind(SignatureStatus::ToSign.code())
    .execute(conn)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// An establishment's contracts still to sign, oldest first; with `generated_before`, only those
/// generated before that day (the overdue ones).
pub async fn unsigned(
    conn: &mut Conn,
    org: OrganisationId,
    establishment: EstablishmentId,
    generated_before: Option<Date>,
) -> Result<Vec<Contract>> {
    let filter = if generated_before.is_some() { "AND c.generated_on < $4" } else { "" };
    let sql = format!(
        "SELECT {COLUMNS} FROM contract c WHERE c.organisation_id = $1 AND c.establishment_id = $2 AND c.status = $3 \
         {filter} ORDER BY c.generated_on, c.generated_at LIMIT 1000"
    );
    let mut q = sqlx::query(AssertSqlSafe(sql))
        .bind(org.to_string())
        .bind(establishment.to_string())
        .bind(SignatureStatus::ToSign.code());
    if let Some(d) = generated_before {
        q = q.bind(d.to_string());
    }
    let rows = q.fetch_all(conn).await?;
    rows.iter().map(from_row).collect()
}
