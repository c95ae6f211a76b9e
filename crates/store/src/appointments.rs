//! Appointments: a person's, a unit's over a period; cancelled ones are kept and marked.

use crate::bulk::AnyQuery;
use crate::codec::{corrupt, flag, id, opt_id};
use crate::{Conn, Engine, Micros, Result, placeholders};
use relais_domain::appointment::{AppointmentDetails, Transport};
use relais_domain::ids::*;
use relais_domain::recurrence::Repeat;
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
    /// Set on every occurrence of a recurring appointment.
    pub series: Option<Series>,
}

/// The occurrences planned together by one repeated appointment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Series {
    /// The first occurrence's id.
    pub id: AppointmentId,
    pub repeat: Repeat,
}

const COLUMNS: &str = "a.id, a.person_id, a.establishment_id, a.unit_id, a.title, a.location, a.starts_at, a.ends_at, a.external, a.transport, a.escort, a.created_by, a.created_label, a.created_at, a.cancelled_at, a.series_id, a.series_repeat";

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
        series: match (r.try_get::<Option<String>, _>(15)?, r.try_get::<Option<String>, _>(16)?) {
            (Some(series), Some(repeat)) => Some(Series {
                id: id(&series, "appointment series")?,
                repeat: Repeat::from_code(&repeat).map_err(|_| corrupt("series repeat"))?,
            }),
            (None, None) => None,
            _ => return Err(corrupt("appointment series")),
        },
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
    "series_id",
    "series_repeat",
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
        .bind(a.series.map(|s| s.id.to_string()))
        .bind(a.series.map(|s| s.repeat.code()))
}

/// Inserts one appointment or the occurrences of a series.
pub async fn insert_all(conn: &mut Conn, org: OrganisationId, list: &[Appointment]) -> Result<()> {
    let engine = if conn.backend_name() == "SQLite" { Engine::Sqlite } else { Engine::Postgres };
    crate::bulk::appointments(conn, engine, org, list).await
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

/// The occurrences of a person's series starting at or after `from`, not cancelled, soonest first.
pub async fn series_from(
    conn: &mut Conn,
    org: OrganisationId,
    person: PersonId,
    series: AppointmentId,
    from: Micros,
) -> Result<Vec<AppointmentId>> {
    let rows = sqlx::query(
        "SELECT id FROM appointment WHERE series_id = $1 AND organisation_id = $2 AND person_id = $3 \
         AND starts_at >= $4 AND cancelled_at IS NULL ORDER BY starts_at",
    )
    .bind(series.to_string())
    .bind(org.to_string())
    .bind(person.to_string())
    .bind(from)
    .fetch_all(conn)
    .await?;
    rows.iter().map(|r| id(&r.try_get::<String, _>(0)?, "appointment id")).collect()
}

/// Cancels the given appointments not yet cancelled; returns how many were.
pub async fn cancel_all(conn: &mut Conn, list: &[AppointmentId], at: Micros) -> Result<u64> {
    if list.is_empty() {
        return Ok(0);
    }
    let sql = format!(
        "UPDATE appointment SET cancelled_at = $1 WHERE cancelled_at IS NULL AND id IN ({})",
        placeholders(2, list.len())
    );
    let q = list.iter().fold(sqlx::query(AssertSqlSafe(sql)).bind(at), |q, a| q.bind(a.to_string()));
    Ok(q.execute(conn).await?.rows_affected())
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

/// An establishment's appointments starting in [from, to), soonest first: those of its units and
/// those filed under it without a unit; with `unit`, only that unit's. At most `limit` rows.
pub async fn for_establishment(
    conn: &mut Conn,
    org: OrganisationId,
    establishment: EstablishmentId,
    unit: Option<UnitId>,
    (from, to): (Micros, Micros),
    limit: u32,
) -> Result<Vec<Appointment>> {
    let unit_filter = if unit.is_some() { "AND a.unit_id = $5" } else { "" };
    let sql = format!(
        "SELECT {COLUMNS} FROM appointment a WHERE a.establishment_id = $1 AND a.organisation_id = $2 \
         AND a.starts_at >= $3 AND a.starts_at < $4 {unit_filter} ORDER BY a.starts_at LIMIT {limit}"
    );
    let mut q =
        sqlx::query(AssertSqlSafe(sql)).bind(establishment.to_string()).bind(org.to_string()).bind(from).bind(to);
    if let Some(u) = unit {
        q = q.bind(u.to_string());
    }
    let rows = q.fetch_all(conn).await?;
    rows.iter().map(from_row).collect()
}
