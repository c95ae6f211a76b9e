//! Observations: vital signs of a person, newest first.

use crate::codec::{corrupt, flag, id};
use crate::{Conn, Micros, Result};
use relais_domain::ids::*;
use relais_domain::observation::VitalSign;
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

#[derive(Debug, Clone)]
pub struct Observation {
    pub id: ObservationId,
    pub person_id: PersonId,
    pub lineage_id: ObservationId,
    pub version: i32,
    pub is_current: bool,
    pub kind: VitalSign,
    pub value: f64,
    pub value2: Option<f64>,
    pub effective_at: Micros,
    pub recorded_at: Micros,
    /// `account` or `api_client`.
    pub author_kind: String,
    pub author_id: Option<String>,
    pub author_label: String,
}

const COLUMNS: &str = "o.id, o.person_id, o.lineage_id, o.version, o.is_current, o.kind, o.value, o.value2, o.effective_at, o.recorded_at, o.author_kind, o.author_id, o.author_label";

fn from_row(r: &AnyRow) -> Result<Observation> {
    Ok(Observation {
        id: id(&r.try_get::<String, _>(0)?, "observation id")?,
        person_id: id(&r.try_get::<String, _>(1)?, "person id")?,
        lineage_id: id(&r.try_get::<String, _>(2)?, "observation lineage")?,
        version: r.try_get(3)?,
        is_current: flag(r.try_get(4)?),
        kind: VitalSign::from_code(&r.try_get::<String, _>(5)?).map_err(|_| corrupt("observation kind"))?,
        value: r.try_get(6)?,
        value2: r.try_get(7)?,
        effective_at: r.try_get(8)?,
        recorded_at: r.try_get(9)?,
        author_kind: r.try_get(10)?,
        author_id: r.try_get(11)?,
        author_label: r.try_get(12)?,
    })
}

pub async fn insert(conn: &mut Conn, org: OrganisationId, o: &Observation) -> Result<()> {
    // sqlx 0.9's `Any` sends a NULL double as float4 on PostgreSQL, and the cached statement then
    // refuses a real value in that slot: the column is left out when there is no second value.
    let sql = if o.value2.is_some() {
        "INSERT INTO observation (id, organisation_id, person_id, lineage_id, version, is_current, kind, loinc, value, unit, effective_at, recorded_at, author_kind, author_id, author_label, value2) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)"
    } else {
        "INSERT INTO observation (id, organisation_id, person_id, lineage_id, version, is_current, kind, loinc, value, unit, effective_at, recorded_at, author_kind, author_id, author_label) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)"
    };
    let mut q = sqlx::query(sql)
        .bind(o.id.to_string())
        .bind(org.to_string())
        .bind(o.person_id.to_string())
        .bind(o.lineage_id.to_string())
        .bind(o.version)
        .bind(o.is_current as i16)
        .bind(o.kind.code())
        // The `loinc` column holds the kind's code in its own system: LOINC, or Relais' codes
        // for the French scales LOINC lacks (they cannot be mistaken for a LOINC code).
        .bind(o.kind.term())
        .bind(o.value)
        .bind(o.kind.unit())
        .bind(o.effective_at)
        .bind(o.recorded_at)
        .bind(&o.author_kind)
        .bind(&o.author_id)
        .bind(&o.author_label);
    if let Some(v2) = o.value2 {
        q = q.bind(v2);
    }
    q.execute(conn).await?;
    Ok(())
}

pub async fn get(conn: &mut Conn, org: OrganisationId, obs: ObservationId) -> Result<Option<Observation>> {
    let sql = format!("SELECT {COLUMNS} FROM observation o WHERE o.id = $1 AND o.organisation_id = $2");
    let r = sqlx::query(AssertSqlSafe(sql)).bind(obs.to_string()).bind(org.to_string()).fetch_optional(conn).await?;
    r.as_ref().map(from_row).transpose()
}

/// A search over a person's current observations.
#[derive(Debug, Clone, Default)]
pub struct ObservationQuery {
    pub kind: Option<VitalSign>,
    /// Inclusive lower bound of `effective_at`.
    pub from: Option<Micros>,
    /// Exclusive upper bound of `effective_at`.
    pub to: Option<Micros>,
    pub oldest_first: bool,
    pub limit: i64,
}

/// Current observations of a person, newest first unless asked otherwise.
pub async fn for_person(conn: &mut Conn, person: PersonId, q: &ObservationQuery) -> Result<Vec<Observation>> {
    let mut sql = format!("SELECT {COLUMNS} FROM observation o WHERE o.person_id = $1 AND o.is_current = 1");
    let mut texts: Vec<String> = vec![person.to_string()];
    let mut numbers: Vec<(usize, i64)> = Vec::new();
    let mut n = 1;
    if let Some(k) = q.kind {
        n += 1;
        sql.push_str(&format!(" AND o.loinc = ${n}"));
        texts.push(k.term().to_string());
    }
    if let Some(from) = q.from {
        n += 1;
        sql.push_str(&format!(" AND o.effective_at >= ${n}"));
        numbers.push((n, from));
    }
    if let Some(to) = q.to {
        n += 1;
        sql.push_str(&format!(" AND o.effective_at < ${n}"));
        numbers.push((n, to));
    }
    let order = if q.oldest_first { "ASC" } else { "DESC" };
    sql.push_str(&format!(" ORDER BY o.effective_at {order}, o.id {order} LIMIT {}", q.limit.clamp(1, 10_000)));
    let mut query = sqlx::query(AssertSqlSafe(sql));
    // Text binds come first ($1, $2), numbers after, in placeholder order.
    for t in texts {
        query = query.bind(t);
    }
    for (_, v) in numbers {
        query = query.bind(v);
    }
    let rows = query.fetch_all(conn).await?;
    rows.iter().map(from_row).collect()
}
