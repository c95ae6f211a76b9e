//! Collective activities: sessions, their series, registered persons and attendance.

use crate::codec::{corrupt, id, opt_id};
use crate::{Conn, Micros, Result, placeholders};
use relais_domain::activity::Attendance;
use relais_domain::ids::*;
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

#[derive(Debug, Clone)]
pub struct Activity {
    pub id: ActivityId,
    pub establishment_id: EstablishmentId,
    /// `None`: open to the whole establishment.
    pub unit_id: Option<UnitId>,
    /// The first session's id, shared by every session of a repeated activity.
    pub series_id: ActivityId,
    pub title: String,
    pub location: Option<String>,
    pub capacity: Option<i32>,
    pub starts_at: Micros,
    pub ends_at: Micros,
    pub created_by: AccountId,
    pub created_label: String,
    pub created_at: Micros,
    pub cancelled_at: Option<Micros>,
}

const COLUMNS: &str = "a.id, a.establishment_id, a.unit_id, a.series_id, a.title, a.location, a.capacity, a.starts_at, a.ends_at, a.created_by, a.created_label, a.created_at, a.cancelled_at";

fn from_row(r: &AnyRow) -> Result<Activity> {
    Ok(Activity {
        id: id(&r.try_get::<String, _>(0)?, "activity id")?,
        establishment_id: id(&r.try_get::<String, _>(1)?, "establishment id")?,
        unit_id: opt_id(r.try_get(2)?, "unit id")?,
        series_id: id(&r.try_get::<String, _>(3)?, "activity series")?,
        title: r.try_get(4)?,
        location: r.try_get(5)?,
        capacity: r.try_get::<Option<i64>, _>(6)?.map(|c| c as i32),
        starts_at: r.try_get(7)?,
        ends_at: r.try_get(8)?,
        created_by: id(&r.try_get::<String, _>(9)?, "account id")?,
        created_label: r.try_get(10)?,
        created_at: r.try_get(11)?,
        cancelled_at: r.try_get(12)?,
    })
}

pub async fn insert(conn: &mut Conn, org: OrganisationId, a: &Activity) -> Result<()> {
    // The Any driver cannot bind a missing integer: a validated capacity is written as a literal.
    let capacity = a.capacity.map(|c| c.to_string()).unwrap_or_else(|| "NULL".into());
    let sql = format!(
        "INSERT INTO activity (id, organisation_id, establishment_id, unit_id, series_id, title, location, capacity, \
         starts_at, ends_at, created_by, created_label, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, {capacity}, $8, $9, $10, $11, $12)"
    );
    sqlx::query(AssertSqlSafe(sql))
        .bind(a.id.to_string())
        .bind(org.to_string())
        .bind(a.establishment_id.to_string())
        .bind(a.unit_id.map(|u| u.to_string()))
        .bind(a.series_id.to_string())
        .bind(&a.title)
        .bind(a.location.clone())
        .bind(a.starts_at)
        .bind(a.ends_at)
        .bind(a.created_by.to_string())
        .bind(&a.created_label)
        .bind(a.created_at)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn get(conn: &mut Conn, org: OrganisationId, activity: ActivityId) -> Result<Option<Activity>> {
    let sql = format!("SELECT {COLUMNS} FROM activity a WHERE a.id = $1 AND a.organisation_id = $2");
    let r =
        sqlx::query(AssertSqlSafe(sql)).bind(activity.to_string()).bind(org.to_string()).fetch_optional(conn).await?;
    r.as_ref().map(from_row).transpose()
}

/// Sessions of an establishment starting in [from, to); with `unit`, only those of that unit
/// and those open to the whole establishment.
pub async fn between(
    conn: &mut Conn,
    establishment: EstablishmentId,
    unit: Option<UnitId>,
    from: Micros,
    to: Micros,
) -> Result<Vec<Activity>> {
    let unit_filter = if unit.is_some() { "AND (a.unit_id IS NULL OR a.unit_id = $4)" } else { "" };
    let sql = format!(
        "SELECT {COLUMNS} FROM activity a WHERE a.establishment_id = $1 AND a.starts_at >= $2 AND a.starts_at < $3 \
         {unit_filter} ORDER BY a.starts_at LIMIT 1000"
    );
    let mut q = sqlx::query(AssertSqlSafe(sql)).bind(establishment.to_string()).bind(from).bind(to);
    if let Some(u) = unit {
        q = q.bind(u.to_string());
    }
    let rows = q.fetch_all(conn).await?;
    rows.iter().map(from_row).collect()
}

/// The sessions of a series starting at or after `from`, not cancelled.
pub async fn series_from(conn: &mut Conn, series: ActivityId, from: Micros) -> Result<Vec<ActivityId>> {
    let rows = sqlx::query(
        "SELECT id FROM activity WHERE series_id = $1 AND starts_at >= $2 AND cancelled_at IS NULL ORDER BY starts_at",
    )
    .bind(series.to_string())
    .bind(from)
    .fetch_all(conn)
    .await?;
    rows.iter().map(|r| id(&r.try_get::<String, _>(0)?, "activity id")).collect()
}

/// Cancels sessions not yet cancelled; returns how many were.
pub async fn cancel(conn: &mut Conn, sessions: &[ActivityId], at: Micros) -> Result<u64> {
    if sessions.is_empty() {
        return Ok(0);
    }
    let sql = format!(
        "UPDATE activity SET cancelled_at = $1 WHERE cancelled_at IS NULL AND id IN ({})",
        placeholders(2, sessions.len())
    );
    let q = sessions.iter().fold(sqlx::query(AssertSqlSafe(sql)).bind(at), |q, s| q.bind(s.to_string()));
    Ok(q.execute(conn).await?.rows_affected())
}

/// A person registered on a session.
#[derive(Debug, Clone)]
pub struct Participant {
    pub activity_id: ActivityId,
    pub person_id: PersonId,
    pub attendance: Option<Attendance>,
    pub attendance_note: Option<String>,
    pub marked_label: Option<String>,
}

fn participant(r: &AnyRow) -> Result<Participant> {
    let attendance = match r.try_get::<Option<String>, _>(2)? {
        None => None,
        Some(code) => Some(Attendance::from_code(&code).ok_or_else(|| corrupt("attendance"))?),
    };
    Ok(Participant {
        activity_id: id(&r.try_get::<String, _>(0)?, "activity id")?,
        person_id: id(&r.try_get::<String, _>(1)?, "person id")?,
        attendance,
        attendance_note: r.try_get(3)?,
        marked_label: r.try_get(4)?,
    })
}

/// The participants of the given sessions.
pub async fn participants(conn: &mut Conn, sessions: &[ActivityId]) -> Result<Vec<Participant>> {
    if sessions.is_empty() {
        return Ok(vec![]);
    }
    let sql = format!(
        "SELECT activity_id, person_id, attendance, attendance_note, marked_label FROM activity_participant \
         WHERE activity_id IN ({}) ORDER BY registered_at",
        placeholders(1, sessions.len())
    );
    let q = sessions.iter().fold(sqlx::query(AssertSqlSafe(sql)), |q, s| q.bind(s.to_string()));
    let rows = q.fetch_all(conn).await?;
    rows.iter().map(participant).collect()
}

/// Registers a person on sessions (already registered ones are left as they are); returns how
/// many registrations were added.
pub async fn register(
    conn: &mut Conn,
    sessions: &[ActivityId],
    person: PersonId,
    by: AccountId,
    at: Micros,
) -> Result<u64> {
    let mut added = 0;
    for s in sessions {
        added += sqlx::query(
            "INSERT INTO activity_participant (activity_id, person_id, registered_by, registered_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (activity_id, person_id) DO NOTHING",
        )
        .bind(s.to_string())
        .bind(person.to_string())
        .bind(by.to_string())
        .bind(at)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    }
    Ok(added)
}

/// Records whether a registered person came; false when they are not registered.
pub async fn set_attendance(
    conn: &mut Conn,
    session: ActivityId,
    person: PersonId,
    attendance: Attendance,
    note: Option<&str>,
    (label, at): (&str, Micros),
) -> Result<bool> {
    let r = sqlx::query(
        "UPDATE activity_participant SET attendance = $3, attendance_note = $4, marked_label = $5, marked_at = $6 \
         WHERE activity_id = $1 AND person_id = $2",
    )
    .bind(session.to_string())
    .bind(person.to_string())
    .bind(attendance.code())
    .bind(note.map(str::to_string))
    .bind(label.to_string())
    .bind(at)
    .execute(conn)
    .await?;
    Ok(r.rows_affected() == 1)
}
