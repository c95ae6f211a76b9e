//! The archival rule: the only way a note (or any daily record) leaves Relais. Persons
//! discharged more than the retention period ago have their daily record purged, each purge
//! audited on the person; a dry run lists them first.

use crate::admin::AdminBy;
use crate::{App, AppError, Result};
use relais_domain::DomainError;
use relais_domain::ids::*;
use relais_store::archive::{self, Purged};
use relais_store::audit::NewAuditEvent;
use relais_store::{StoreError, audit};

/// A purge is irreversible: below this, the rule is refused.
pub const MIN_RETENTION_YEARS: i16 = 10;
/// Persons purged per transaction.
const BATCH: i64 = 200;

/// What the rule found or did.
#[derive(Debug, Clone, Default)]
pub struct ArchiveReport {
    pub cutoff: String,
    /// (person, last discharge date, what was purged — zeros on a dry run).
    pub persons: Vec<(PersonId, String, Purged)>,
}

impl App {
    /// Applies (or, without `apply`, lists) the archival rule for the organisation: the daily
    /// record of every person whose last stay ended more than `retention_years` ago.
    pub async fn archive_records(
        &self,
        by: AdminBy<'_>,
        org: OrganisationId,
        retention_years: i16,
        apply: bool,
    ) -> Result<ArchiveReport> {
        if !matches!(by, AdminBy::CommandLine) {
            // A purge is an operator's act, run where the server runs, not a click.
            return Err(AppError::Forbidden);
        }
        if retention_years < MIN_RETENTION_YEARS {
            return Err(DomainError::new(
                "retention_years",
                "too-short",
                format!("durée de conservation trop courte : {MIN_RETENTION_YEARS} ans au moins"),
            )
            .into());
        }
        let cutoff = self
            .today()
            .checked_sub(jiff::Span::new().years(retention_years))
            .map_err(|e| AppError::Internal(e.to_string()))?;
        let mut report = ArchiveReport { cutoff: cutoff.to_string(), persons: vec![] };
        if !apply {
            let mut conn = self.store.read().await?;
            let found = archive::eligible(&mut conn, org, cutoff, i64::MAX).await?;
            report.persons = found.into_iter().map(|(p, d)| (p, d, Purged::default())).collect();
            return Ok(report);
        }
        loop {
            let mut tx = self.store.begin_write().await?;
            let found = archive::eligible(&mut tx, org, cutoff, BATCH).await?;
            if found.is_empty() {
                break;
            }
            let ids: Vec<PersonId> = found.iter().map(|(p, _)| *p).collect();
            let purged = archive::purge(&mut tx, &ids, self.now_micros()).await?;
            let mut events = Vec::new();
            for ((person, last), (_, counts)) in found.into_iter().zip(purged) {
                events.push(NewAuditEvent {
                    organisation_id: Some(org),
                    actor: by.audit_actor(),
                    action: "record.archive",
                    outcome: "ok",
                    person_id: Some(person),
                    resource: Some(format!("person/{person}")),
                    detail: Some(format!(
                        "retention {retention_years} y, last discharge {last}: {} notes, {} observations, {} appointments, {} documents, {} alerts, {} activity registrations, {} assessments, {} admission requests",
                        counts.notes, counts.observations, counts.appointments, counts.documents, counts.alerts, counts.activities, counts.assessments, counts.admission_requests
                    )),
                    client_ip: None,
                });
                report.persons.push((person, last, counts));
            }
            audit::append_many(&mut tx, events).await?;
            tx.commit().await.map_err(StoreError::from)?;
        }
        Ok(report)
    }
}
