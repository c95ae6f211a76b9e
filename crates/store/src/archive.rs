//! The archival rule: the daily record of persons discharged long ago, purged with its search
//! index entries; identity, stays and the audit trail stay.

use crate::codec::id;
use crate::{Conn, Micros, Result};
use relais_domain::ids::*;
use sqlx::{AssertSqlSafe, Row};

/// Persons of `org` with no open stay, whose last discharge is before `before` (ISO date), and
/// whose record has not been archived yet, with that last discharge date.
pub async fn eligible(
    conn: &mut Conn,
    org: OrganisationId,
    before: jiff::civil::Date,
    limit: i64,
) -> Result<Vec<(PersonId, String)>> {
    let rows = sqlx::query(
        "SELECT s.person_id, MAX(s.end_date) FROM stay s JOIN person p ON p.id = s.person_id \
         WHERE p.organisation_id = $1 AND p.record_archived_at IS NULL \
         GROUP BY s.person_id HAVING COUNT(*) = COUNT(s.end_date) AND MAX(s.end_date) < $2 \
         ORDER BY MAX(s.end_date), s.person_id LIMIT $3",
    )
    .bind(org.to_string())
    .bind(before.to_string())
    .bind(limit)
    .fetch_all(conn)
    .await?;
    rows.iter().map(|r| Ok((id(&r.try_get::<String, _>(0)?, "person id")?, r.try_get(1)?))).collect()
}

/// What was purged from one person's record.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Purged {
    pub notes: u64,
    pub observations: u64,
    pub appointments: u64,
    pub documents: u64,
    pub alerts: u64,
    pub activities: u64,
    pub assessments: u64,
    pub admission_requests: u64,
    /// Cover, benefits, MDPH notifications and absences.
    pub administrative_file: u64,
    pub support_plans: u64,
}

impl Purged {
    pub fn total(&self) -> u64 {
        self.notes
            + self.observations
            + self.appointments
            + self.documents
            + self.alerts
            + self.activities
            + self.assessments
            + self.admission_requests
            + self.administrative_file
            + self.support_plans
    }
}

/// Purges the daily record of `persons` and marks them archived at `at`. On SQLite the full-text
/// entries of their notes are deleted first, in one pass over the index (its note id is not
/// indexed): a contentless index forgets a row only when told its exact tokens again.
pub async fn purge(conn: &mut Conn, persons: &[PersonId], at: Micros) -> Result<Vec<(PersonId, Purged)>> {
    if persons.is_empty() {
        return Ok(vec![]);
    }
    if conn.backend_name() == "SQLite" {
        crate::notes::unindex_for_search(conn, persons).await?;
    }
    let mut out = Vec::new();
    for p in persons {
        let mut purged = Purged::default();
        let person = p.to_string();
        for (table, counter) in [
            // A contract row points at its document: it goes first, counted with the documents.
            ("contract WHERE person_id = $1", None),
            ("note_read WHERE lineage_id IN (SELECT lineage_id FROM note WHERE person_id = $1)", None),
            ("note_mention WHERE note_lineage_id IN (SELECT lineage_id FROM note WHERE person_id = $1)", None),
            ("note WHERE person_id = $1", Some(0)),
            ("observation WHERE person_id = $1", Some(1)),
            ("appointment WHERE person_id = $1", Some(2)),
            ("document WHERE person_id = $1", Some(3)),
            ("person_alert WHERE person_id = $1", Some(4)),
            ("activity_participant WHERE person_id = $1", Some(5)),
            ("observation_threshold WHERE person_id = $1", None),
            ("assessment WHERE person_id = $1", Some(6)),
            (
                "admission_status_change WHERE request_id IN (SELECT id FROM admission_request WHERE person_id = $1)",
                None,
            ),
            ("admission_request WHERE person_id = $1", Some(7)),
            ("social_coverage WHERE person_id = $1", Some(8)),
            ("social_benefit WHERE person_id = $1", Some(8)),
            ("mdph_notification WHERE person_id = $1", Some(8)),
            ("stay_absence WHERE person_id = $1", Some(8)),
            ("note_objective WHERE person_id = $1", None),
            ("support_plan_objective WHERE person_id = $1", None),
            ("support_plan_status_change WHERE plan_id IN (SELECT id FROM support_plan WHERE person_id = $1)", None),
            ("support_plan_version WHERE person_id = $1", None),
            ("support_plan WHERE person_id = $1", Some(9)),
            ("person_consent WHERE person_id = $1", None),
            ("legal_protection WHERE person_id = $1", None),
            ("person_contact WHERE person_id = $1", None),
        ] {
            let n = sqlx::query(AssertSqlSafe(format!("DELETE FROM {table}")))
                .bind(&person)
                .execute(&mut *conn)
                .await?
                .rows_affected();
            match counter {
                Some(0) => purged.notes = n,
                Some(1) => purged.observations = n,
                Some(2) => purged.appointments = n,
                Some(3) => purged.documents = n,
                Some(4) => purged.alerts = n,
                Some(5) => purged.activities = n,
                Some(6) => purged.assessments = n,
                Some(7) => purged.admission_requests = n,
                Some(8) => purged.administrative_file += n,
                Some(_) => purged.support_plans += n,
                None => {}
            }
        }
        sqlx::query("UPDATE person SET record_archived_at = $2 WHERE id = $1")
            .bind(&person)
            .bind(at)
            .execute(&mut *conn)
            .await?;
        out.push((*p, purged));
    }
    Ok(out)
}
