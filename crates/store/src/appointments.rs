//! Appointments: a person's, a unit's over a period; cancelled ones are kept and marked.

use crate::bulk::{AnyQuery, multi_insert};
use crate::codec::{corrupt, flag, id, opt_id};
use crate::{Conn, Engine, Micros, Result};
use relais_domain::appointment::{AppointmentDetails, Transport};
use relais_domain::ids::*;
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

#[derive(Debug, Clone)]
pub struct Appointment {
    pub id: AppointmentId,
    pub person_id: PersonId,
    pub establishment_id: Option<EstablishmentId>,
    pub unit_id: Option<UnitId>,
    pub details: AppointmentDetails,
    /// `None` when an API client booked it.
    pub created_by: Option<AccountId>,
    pub created_label: String,
    pub created_at: Micros,
    pub cancelled_at: Option<Micros>,
}

const COLUMNS: &str = "a.id, a.person_id, a.establishment_id, a.unit_id, a.title, a.location, a.starts_at, a.ends_at, a.external, a.transport, a.escort, a.created_by, a.created_label, a.created_at, a.cancelled_at";

fn from_row(r: &AnyRow) -> Result<Appointment> {
    Ok(Appointment {
        id: id(&r.try_get::<String, _>(0)?, "appointment id")?,
        person_id: id(&r.try_get::<String, _>(1)?, "person id")?,
        establishment_id: opt_id(r.try_get(2)?, "establishment id")?,
        unit_id: opt_id(r.try_get(3)?, "unit id")?,
        details: AppointmentDetails {
            title: r.try_get(4)?,
            location: r.try_get(5)?,
            starts_at: r.try_get(6)?,
            ends_at: r.try_get(7)?,
            external: flag(r.try_get(8)?),
            transport: Transport::from_code(&r.try_get::<String, _>(9)?).map_err(|_| corrupt("transport"))?,
            escort: r.try_get(10)?,
        },
        created_by: opt_id(r.try_get(11)?, "account id")?,
        created_label: r.try_get(12)?,
        created_at: r.try_get(13)?,
        cancelled_at: r.try_get(14)?,
    })
}

pub(crate) const INSERT_COLUMNS: &[&str] = &[
    "id",
    "organisation_id",
    "person_id",
    "establishment_id",
    "unit_id",
    "title",
    "location",
    "starts_at",
    "ends_at",
    "external",
    "transport",
    "escort",
    "created_by",
    "created_label",
    "created_at",
];

/// Binds one appointment's values in the order of `INSERT_COLUMNS`.
pub(crate) fn bind_appointment<'q>(q: AnyQuery<'q>, org: OrganisationId, a: &Appointment) -> AnyQuery<'q> {
    let d = &a.details;
    q.bind(a.id.to_string())
        .bind(org.to_string())
        .bind(a.person_id.to_string())
        .bind(a.establishment_id.map(|e| e.to_string()))
        .bind(a.unit_id.map(|u| u.to_string()))
        .bind(d.title.clone())
        .bind(d.location.clone())
        .bind(d.starts_at)
        .bind(d.ends_at)
        .bind(d.external as i16)
        .bind(d.transport.code())
        .bind(d.escort.clone())
        .bind(a.created_by.map(|c| c.to_string()))
        .bind(a.created_label.clone())
        .bind(a.created_at)
}

pub async fn insert(conn: &mut Conn, org: OrganisationId, a: &Appointment) -> Result<()> {
    let engine = if conn.backend_name() == "SQLite" { Engine::Sqlite } else { Engine::Postgres };
    let sql = multi_insert(engine, "appointment", INSERT_COLUMNS, 1);
    bind_appointment(sqlx::query(AssertSqlSafe(sql)), org, a).execute(conn).await?;
    Ok(())
}

pub async fn get(conn: &mut Conn, org: OrganisationId, appointment: AppointmentId) -> Result<Option<Appointment>> {
    let sql = format!("SELECT {COLUMNS} FROM appointment a WHERE a.id = $1 AND a.organisation_id = $2");
    let r = sqlx::query(AssertSqlSafe(sql))
        .bind(appointment.to_string())
        .bind(org.to_string())
        .fetch_optional(conn)
        .await?;
    r.as_ref().map(from_row).transpose()
}

/// Cancels a planned appointment; false when it already was.
pub async fn cancel(conn: &mut Conn, appointment: AppointmentId, at: Micros) -> Result<bool> {
    let r = sqlx::query("UPDATE appointment SET cancelled_at = $2 WHERE id = $1 AND cancelled_at IS NULL")
        .bind(appointment.to_string())
        .bind(at)
        .execute(conn)
        .await?;
    Ok(r.rows_affected() == 1)
}

/// A person's appointments starting in [from, to), soonest first.
pub async fn for_person(
    conn: &mut Conn,
    person: PersonId,
    (from, to): (Micros, Micros),
    limit: i64,
) -> Result<Vec<Appointment>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM appointment a WHERE a.person_id = $1 AND a.starts_at >= $2 AND a.starts_at < $4 \
         ORDER BY a.starts_at LIMIT $3"
    );
    let rows = sqlx::query(AssertSqlSafe(sql))
        .bind(person.to_string())
        .bind(from)
        .bind(limit)
        .bind(to)
        .fetch_all(conn)
        .await?;
    rows.iter().map(from_row).collect()
}

/// A unit's appointments starting in [from, to), soonest first.
pub async fn for_unit(conn: &mut Conn, unit: UnitId, from: Micros, to: Micros) -> Result<Vec<Appointment>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM appointment a WHERE a.unit_id = $1 AND a.starts_at >= $2 AND a.starts_at < $3 ORDER BY a.starts_at LIMIT 2000"
    );
    let rows = sqlx::query(AssertSqlSafe(sql)).bind(unit.to_string()).bind(from).bind(to).fetch_all(conn).await?;
    rows.iter().map(from_row).collect()
}
