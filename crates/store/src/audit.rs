//! The audit trail: append-only, each event chained to the previous one by SHA-256.

use crate::bulk::multi_insert;
use crate::{Conn, Engine, Micros, Result, Store, now_micros};
use relais_domain::ids::{OrganisationId, PersonId};
use sha2::{Digest, Sha256};
use sqlx::Row;
use sqlx::any::AnyRow;

/// Who did it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditActor {
    /// `account`, `api_client`, `system` or `anonymous`.
    pub kind: &'static str,
    pub id: Option<String>,
    /// A display label (login or client name); never a person's data.
    pub label: String,
}

impl AuditActor {
    pub fn system() -> Self {
        Self { kind: "system", id: None, label: "relais".into() }
    }
}

/// An event to append. `detail` must never hold personal data or secrets.
#[derive(Debug, Clone)]
pub struct NewAuditEvent {
    pub organisation_id: Option<OrganisationId>,
    pub actor: AuditActor,
    pub action: &'static str,
    pub outcome: &'static str,
    pub person_id: Option<PersonId>,
    pub resource: Option<String>,
    pub detail: Option<String>,
    pub client_ip: Option<String>,
}

impl NewAuditEvent {
    /// An event about a list of persons shown at once (search results, a unit's residents):
    /// their ids go in the hashed detail and in the person index.
    pub fn listing(mut self, persons: &[PersonId]) -> Self {
        if !persons.is_empty() {
            self.detail = Some(persons.iter().map(|p| p.to_string()).collect::<Vec<_>>().join(","));
        }
        self
    }

    fn persons(&self) -> Vec<String> {
        let mut out: Vec<String> = self.person_id.iter().map(|p| p.to_string()).collect();
        if self.person_id.is_none()
            && let Some(detail) = &self.detail
        {
            out.extend(detail.split(',').filter(|s| s.parse::<uuid::Uuid>().is_ok()).map(str::to_string));
        }
        out.sort();
        out.dedup();
        out
    }
}

/// A stored event.
#[derive(Debug, Clone)]
pub struct AuditEvent {
    pub seq: i64,
    pub id: String,
    pub occurred_at: Micros,
    pub organisation_id: Option<String>,
    pub actor_kind: String,
    pub actor_id: Option<String>,
    pub actor_label: String,
    pub action: String,
    pub outcome: String,
    pub person_id: Option<String>,
    pub resource: Option<String>,
    pub detail: Option<String>,
    pub client_ip: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

impl AuditEvent {
    fn from_row(r: &AnyRow) -> Result<Self> {
        Ok(Self {
            seq: r.try_get("seq")?,
            id: r.try_get("id")?,
            occurred_at: r.try_get("occurred_at")?,
            organisation_id: r.try_get("organisation_id")?,
            actor_kind: r.try_get("actor_kind")?,
            actor_id: r.try_get("actor_id")?,
            actor_label: r.try_get("actor_label")?,
            action: r.try_get("action")?,
            outcome: r.try_get("outcome")?,
            person_id: r.try_get("person_id")?,
            resource: r.try_get("resource")?,
            detail: r.try_get("detail")?,
            client_ip: r.try_get("client_ip")?,
            prev_hash: r.try_get("prev_hash")?,
            hash: r.try_get("hash")?,
        })
    }

    /// The hash this event must carry: SHA-256 over every field, each length-prefixed
    /// so that no two different events share a serialisation.
    pub fn compute_hash(&self) -> String {
        let mut h = Sha256::new();
        let mut field = |v: Option<&str>| match v {
            Some(s) => {
                h.update(format!("{}:", s.len()).as_bytes());
                h.update(s.as_bytes());
            }
            None => h.update(b"-:"),
        };
        field(Some(&self.seq.to_string()));
        field(Some(&self.id));
        field(Some(&self.occurred_at.to_string()));
        field(self.organisation_id.as_deref());
        field(Some(&self.actor_kind));
        field(self.actor_id.as_deref());
        field(Some(&self.actor_label));
        field(Some(&self.action));
        field(Some(&self.outcome));
        field(self.person_id.as_deref());
        field(self.resource.as_deref());
        field(self.detail.as_deref());
        field(self.client_ip.as_deref());
        field(Some(&self.prev_hash));
        hex::encode(h.finalize())
    }
}

const COLUMNS: &str = "seq, id, occurred_at, organisation_id, actor_kind, actor_id, actor_label, action, outcome, person_id, resource, detail, client_ip, prev_hash, hash";

/// Appends one event inside the caller's transaction.
pub async fn append(conn: &mut Conn, event: NewAuditEvent) -> Result<i64> {
    let seqs = append_many(conn, vec![event]).await?;
    seqs.first().copied().ok_or_else(|| crate::StoreError::Corrupt("audit append returned no sequence".into()))
}

/// Appends events in order inside the caller's transaction, with four statements whatever their
/// number (group commit of reads). The head row serialises appenders on both engines (its row
/// lock on PostgreSQL, the write lock on SQLite).
pub async fn append_many(conn: &mut Conn, events: Vec<NewAuditEvent>) -> Result<Vec<i64>> {
    if events.is_empty() {
        return Ok(Vec::new());
    }
    let engine = if conn.backend_name() == "SQLite" { Engine::Sqlite } else { Engine::Postgres };
    let head = sqlx::query("UPDATE audit_head SET seq = seq + $1 WHERE id = 1 RETURNING seq, hash")
        .bind(events.len() as i64)
        .fetch_one(&mut *conn)
        .await?;
    let last: i64 = head.try_get(0)?;
    let mut prev_hash: String = head.try_get(1)?;
    let first = last - events.len() as i64 + 1;
    let mut stored = Vec::with_capacity(events.len());
    let mut index: Vec<(String, i64)> = Vec::new();
    for (seq, event) in (first..).zip(events) {
        index.extend(event.persons().into_iter().map(|p| (p, seq)));
        let mut e = AuditEvent {
            seq,
            id: uuid::Uuid::now_v7().to_string(),
            occurred_at: now_micros(),
            organisation_id: event.organisation_id.map(|o| o.to_string()),
            actor_kind: event.actor.kind.to_string(),
            actor_id: event.actor.id,
            actor_label: event.actor.label,
            action: event.action.to_string(),
            outcome: event.outcome.to_string(),
            person_id: event.person_id.map(|p| p.to_string()),
            resource: event.resource,
            detail: event.detail,
            client_ip: event.client_ip,
            prev_hash: std::mem::take(&mut prev_hash),
            hash: String::new(),
        };
        e.hash = e.compute_hash();
        prev_hash.clone_from(&e.hash);
        stored.push(e);
    }
    for chunk in stored.chunks(200) {
        let sql = multi_insert(engine, "audit_event", EVENT_COLUMNS, chunk.len());
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for e in chunk {
            q = q
                .bind(e.seq)
                .bind(&e.id)
                .bind(e.occurred_at)
                .bind(&e.organisation_id)
                .bind(&e.actor_kind)
                .bind(&e.actor_id)
                .bind(&e.actor_label)
                .bind(&e.action)
                .bind(&e.outcome)
                .bind(&e.person_id)
                .bind(&e.resource)
                .bind(&e.detail)
                .bind(&e.client_ip)
                .bind(&e.prev_hash)
                .bind(&e.hash);
        }
        q.execute(&mut *conn).await?;
    }
    for chunk in index.chunks(1000) {
        let sql = multi_insert(engine, "audit_person", &["person_id", "seq"], chunk.len());
        let q = chunk.iter().fold(sqlx::query(sqlx::AssertSqlSafe(sql)), |q, (p, seq)| q.bind(p).bind(*seq));
        q.execute(&mut *conn).await?;
    }
    sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1").bind(&prev_hash).execute(&mut *conn).await?;
    Ok(stored.iter().map(|e| e.seq).collect())
}

const EVENT_COLUMNS: &[&str] = &[
    "seq",
    "id",
    "occurred_at",
    "organisation_id",
    "actor_kind",
    "actor_id",
    "actor_label",
    "action",
    "outcome",
    "person_id",
    "resource",
    "detail",
    "client_ip",
    "prev_hash",
    "hash",
];

/// The result of `relais audit verify`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    pub events: i64,
    /// The first event that breaks the chain, and why.
    pub first_bad: Option<(i64, String)>,
}

impl Store {
    /// Walks the whole chain: sequence without gaps, each link, each hash, and the head.
    pub async fn verify_audit(&self) -> Result<Verification> {
        let mut conn = self.read().await?;
        let mut expected_seq = 1i64;
        let mut prev_hash = "0".repeat(64);
        let sql = format!("SELECT {COLUMNS} FROM audit_event WHERE seq >= $1 ORDER BY seq LIMIT 5000");
        loop {
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql.clone())).bind(expected_seq).fetch_all(&mut *conn).await?;
            if rows.is_empty() {
                break;
            }
            for row in &rows {
                let ev = AuditEvent::from_row(row)?;
                let bad =
                    |why: &str| Ok(Verification { events: ev.seq - 1, first_bad: Some((ev.seq, why.to_string())) });
                if ev.seq != expected_seq {
                    return Ok(Verification {
                        events: expected_seq - 1,
                        first_bad: Some((expected_seq, format!("event {expected_seq} is missing (deleted)"))),
                    });
                }
                if ev.prev_hash != prev_hash {
                    return bad("its link to the previous event is broken");
                }
                if ev.compute_hash() != ev.hash {
                    return bad("its content does not match its hash (modified)");
                }
                prev_hash = ev.hash;
                expected_seq += 1;
            }
        }
        let head = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1").fetch_one(&mut *conn).await?;
        let head_seq: i64 = head.try_get(0)?;
        let head_hash: String = head.try_get(1)?;
        let last = expected_seq - 1;
        if head_seq != last || head_hash != prev_hash {
            return Ok(Verification {
                events: last,
                first_bad: Some((last + 1, format!("events after {last} are missing (the head says {head_seq})"))),
            });
        }
        Ok(Verification { events: last, first_bad: None })
    }
}

/// The events about one person, newest first ("who accessed this record").
pub async fn for_person(
    conn: &mut Conn,
    organisation: OrganisationId,
    person: PersonId,
    limit: i64,
) -> Result<Vec<AuditEvent>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM audit_event WHERE seq IN (SELECT seq FROM audit_person WHERE person_id = $1) AND organisation_id = $2 ORDER BY seq DESC LIMIT $3"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(person.to_string())
        .bind(organisation.to_string())
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(AuditEvent::from_row).collect()
}

/// The newest events of an organisation.
pub async fn recent(conn: &mut Conn, organisation: OrganisationId, limit: i64) -> Result<Vec<AuditEvent>> {
    let sql = format!("SELECT {COLUMNS} FROM audit_event WHERE organisation_id = $1 ORDER BY seq DESC LIMIT $2");
    let rows =
        sqlx::query(sqlx::AssertSqlSafe(sql)).bind(organisation.to_string()).bind(limit).fetch_all(&mut *conn).await?;
    rows.iter().map(AuditEvent::from_row).collect()
}
