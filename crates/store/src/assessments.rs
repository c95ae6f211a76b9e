//! Assessments of a person (AGGIR evaluations and the configurable grids), newest first; never
//! overwritten.

use crate::codec::{corrupt, date, id, opt_id};
use crate::{Conn, Micros, Result};
use jiff::civil::Date;
use relais_domain::ids::*;
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

/// The instrument code of an AGGIR evaluation.
pub const AGGIR: &str = "aggir";

#[derive(Debug, Clone)]
pub struct Assessment {
    pub id: AssessmentId,
    pub person_id: PersonId,
    pub establishment_id: Option<EstablishmentId>,
    pub instrument: String,
    pub assessed_on: Date,
    /// Encoded by the instrument's domain type.
    pub answers: String,
    /// AGGIR: the rank; a grid: the total (or the subtotal it stopped at) in tenths of a point.
    pub score: Option<i64>,
    /// AGGIR: the GIR; a grid: the position of the interpretation band.
    pub result: Option<i64>,
    /// The version of the grid's definition used; none for AGGIR.
    pub definition_version: Option<i64>,
    pub comment: String,
    pub author_id: Option<AccountId>,
    pub author_label: String,
    pub recorded_at: Micros,
}

const COLUMNS: &str = "a.id, a.person_id, a.establishment_id, a.instrument, a.assessed_on, a.answers, a.score, a.result, a.comment, a.author_id, a.author_label, a.recorded_at, a.definition_version";

fn from_row(r: &AnyRow) -> Result<Assessment> {
    Ok(Assessment {
        id: id(&r.try_get::<String, _>(0)?, "assessment id")?,
        person_id: id(&r.try_get::<String, _>(1)?, "person id")?,
        establishment_id: opt_id(r.try_get(2)?, "establishment id")?,
        instrument: r.try_get(3)?,
        assessed_on: date(&r.try_get::<String, _>(4)?, "assessment date")?,
        answers: r.try_get(5)?,
        score: r.try_get(6)?,
        result: r.try_get(7)?,
        comment: r.try_get(8)?,
        author_id: opt_id(r.try_get(9)?, "account id")?,
        author_label: r.try_get(10)?,
        recorded_at: r.try_get(11)?,
        definition_version: r.try_get(12)?,
    })
}

pub async fn insert(conn: &mut Conn, org: OrganisationId, a: &Assessment) -> Result<()> {
    // `Any` cannot bind a typed NULL: the optional columns are left out when absent.
    let mut columns = vec![
        "id",
        "organisation_id",
        "person_id",
        "instrument",
        "assessed_on",
        "answers",
        "comment",
        "author_label",
        "recorded_at",
    ];
    let optional: [(&str, Option<String>, Option<i64>); 5] = [
        ("establishment_id", a.establishment_id.map(|e| e.to_string()), None),
        ("author_id", a.author_id.map(|x| x.to_string()), None),
        ("score", None, a.score),
        ("result", None, a.result),
        ("definition_version", None, a.definition_version),
    ];
    columns.extend(optional.iter().filter(|(_, t, n)| t.is_some() || n.is_some()).map(|(c, _, _)| *c));
    let placeholders: Vec<String> = (1..=columns.len()).map(|i| format!("${i}")).collect();
    let sql = format!("INSERT INTO assessment ({}) VALUES ({})", columns.join(", "), placeholders.join(", "));
    let mut q = sqlx::query(AssertSqlSafe(sql))
        .bind(a.id.to_string())
        .bind(org.to_string())
        .bind(a.person_id.to_string())
        .bind(a.instrument.clone())
        .bind(a.assessed_on.to_string())
        .bind(a.answers.clone())
        .bind(a.comment.clone())
        .bind(a.author_label.clone())
        .bind(a.recorded_at);
    for (_, text, number) in optional {
        if let Some(t) = text {
            q = q.bind(t);
        } else if let Some(n) = number {
            q = q.bind(n);
        }
    }
    q.execute(conn).await?;
    Ok(())
}

/// A person's assessments with one instrument, newest first (by date, then by recording).
pub async fn for_person(conn: &mut Conn, person: PersonId, instrument: &str, limit: i64) -> Result<Vec<Assessment>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM assessment a WHERE a.person_id = $1 AND a.instrument = $2 \
         ORDER BY a.assessed_on DESC, a.recorded_at DESC LIMIT $3"
    );
    let rows = sqlx::query(AssertSqlSafe(sql))
        .bind(person.to_string())
        .bind(instrument.to_string())
        .bind(limit)
        .fetch_all(conn)
        .await?;
    rows.iter().map(from_row).collect()
}

pub async fn get(conn: &mut Conn, org: OrganisationId, assessment: AssessmentId) -> Result<Option<Assessment>> {
    let sql = format!("SELECT {COLUMNS} FROM assessment a WHERE a.id = $1 AND a.organisation_id = $2");
    let r =
        sqlx::query(AssertSqlSafe(sql)).bind(assessment.to_string()).bind(org.to_string()).fetch_optional(conn).await?;
    r.as_ref().map(from_row).transpose()
}

/// The GIR of the person's latest AGGIR evaluation that gave one, with its date.
pub async fn latest_gir(conn: &mut Conn, person: PersonId) -> Result<Option<(i64, Date)>> {
    let r = sqlx::query(
        "SELECT a.result, a.assessed_on FROM assessment a WHERE a.person_id = $1 AND a.instrument = $2 \
         AND a.result IS NOT NULL ORDER BY a.assessed_on DESC, a.recorded_at DESC LIMIT 1",
    )
    .bind(person.to_string())
    .bind(AGGIR)
    .fetch_optional(conn)
    .await?;
    match r {
        Some(r) => {
            let gir: i64 = r.try_get(0)?;
            let on = date(&r.try_get::<String, _>(1)?, "assessment date")?;
            if !(1..=6).contains(&gir) {
                return Err(corrupt("GIR"));
            }
            Ok(Some((gir, on)))
        }
        None => Ok(None),
    }
}

/// The latest assessment of a person with one instrument, if any.
pub async fn latest(conn: &mut Conn, person: PersonId, instrument: &str) -> Result<Option<Assessment>> {
    Ok(for_person(conn, person, instrument, 1).await?.into_iter().next())
}
