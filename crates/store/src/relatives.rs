//! Relatives and contacts (versioned, never overwritten), legal protection measures and consents
//! of a person.

use crate::codec::{corrupt, date, flag, id};
use crate::{Conn, Micros, Result};
use jiff::civil::Date;
use relais_domain::ids::*;
use relais_domain::relative::{
    ConsentPurpose, ConsentStatus, Measure, ProtectionScope, RelationKind, Relationship, Sharing,
};
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

/// One version of a contact.
#[derive(Debug, Clone)]
pub struct Relative {
    pub id: RelativeId,
    pub lineage_id: RelativeId,
    pub version: i32,
    pub is_current: bool,
    pub person_id: PersonId,
    pub family_name: String,
    pub given_name: String,
    pub relationship: Relationship,
    pub roles: Vec<RelationKind>,
    pub sharing: Vec<Sharing>,
    pub phone: String,
    pub phone2: String,
    pub email: String,
    pub address: String,
    pub organisation_name: String,
    pub trusted_since: Option<Date>,
    pub trusted_until: Option<Date>,
    pub comment: String,
    pub change_reason: String,
    pub author_label: String,
    pub recorded_at: Micros,
}

impl Relative {
    pub fn has_role(&self, role: RelationKind) -> bool {
        self.roles.contains(&role)
    }
    pub fn display_name(&self) -> String {
        format!("{} {}", self.given_name, self.family_name).trim().to_string()
    }
}

fn codes<T: Copy>(items: &[T], code: fn(T) -> &'static str) -> String {
    items.iter().map(|i| code(*i)).collect::<Vec<_>>().join(" ")
}

fn decode<T>(s: &str, from: fn(&str) -> Option<T>, what: &str) -> Result<Vec<T>> {
    s.split_whitespace().map(|c| from(c).ok_or_else(|| corrupt(what))).collect()
}

fn opt_date(s: String, what: &str) -> Result<Option<Date>> {
    if s.is_empty() { Ok(None) } else { date(&s, what).map(Some) }
}

fn date_text(d: Option<Date>) -> String {
    d.map(|d| d.to_string()).unwrap_or_default()
}

const CONTACT_COLUMNS: &str = "c.id, c.lineage_id, c.version, c.is_current, c.person_id, c.family_name, c.given_name, \
    c.relationship, c.roles, c.sharing, c.phone, c.phone2, c.email, c.address, c.organisation_name, c.trusted_since, \
    c.trusted_until, c.comment, c.change_reason, c.author_label, c.recorded_at";

fn contact_from_row(r: &AnyRow) -> Result<Relative> {
    Ok(Relative {
        id: id(&r.try_get::<String, _>(0)?, "contact id")?,
        lineage_id: id(&r.try_get::<String, _>(1)?, "contact lineage")?,
        version: r.try_get(2)?,
        is_current: flag(r.try_get(3)?),
        person_id: id(&r.try_get::<String, _>(4)?, "person id")?,
        family_name: r.try_get(5)?,
        given_name: r.try_get(6)?,
        relationship: Relationship::from_code(&r.try_get::<String, _>(7)?).ok_or_else(|| corrupt("relationship"))?,
        roles: decode(&r.try_get::<String, _>(8)?, RelationKind::from_code, "contact role")?,
        sharing: decode(&r.try_get::<String, _>(9)?, Sharing::from_code, "sharing")?,
        phone: r.try_get(10)?,
        phone2: r.try_get(11)?,
        email: r.try_get(12)?,
        address: r.try_get(13)?,
        organisation_name: r.try_get(14)?,
        trusted_since: opt_date(r.try_get(15)?, "trusted since")?,
        trusted_until: opt_date(r.try_get(16)?, "trusted until")?,
        comment: r.try_get(17)?,
        change_reason: r.try_get(18)?,
        author_label: r.try_get(19)?,
        recorded_at: r.try_get(20)?,
    })
}

pub(crate) const CONTACT_INSERT_COLUMNS: &[&str] = &[
    "id",
    "lineage_id",
    "version",
    "is_current",
    "organisation_id",
    "person_id",
    "family_name",
    "given_name",
    "relationship",
    "roles",
    "sharing",
    "phone",
    "phone2",
    "email",
    "address",
    "organisation_name",
    "trusted_since",
    "trusted_until",
    "comment",
    "change_reason",
    "author_label",
    "recorded_at",
];

/// Binds the values of one row of `person_contact`, in the order of `CONTACT_INSERT_COLUMNS`.
pub(crate) fn bind_contact<'q>(
    q: crate::bulk::AnyQuery<'q>,
    org: OrganisationId,
    c: &Relative,
) -> crate::bulk::AnyQuery<'q> {
    q.bind(c.id.to_string())
        .bind(c.lineage_id.to_string())
        .bind(c.version)
        .bind(i16::from(c.is_current))
        .bind(org.to_string())
        .bind(c.person_id.to_string())
        .bind(c.family_name.clone())
        .bind(c.given_name.clone())
        .bind(c.relationship.code())
        .bind(codes(&c.roles, RelationKind::code))
        .bind(codes(&c.sharing, Sharing::code))
        .bind(c.phone.clone())
        .bind(c.phone2.clone())
        .bind(c.email.clone())
        .bind(c.address.clone())
        .bind(c.organisation_name.clone())
        .bind(date_text(c.trusted_since))
        .bind(date_text(c.trusted_until))
        .bind(c.comment.clone())
        .bind(c.change_reason.clone())
        .bind(c.author_label.clone())
        .bind(c.recorded_at)
}

pub async fn insert_contact(conn: &mut Conn, org: OrganisationId, c: &Relative) -> Result<()> {
    bind_contact(
        sqlx::query(
            "INSERT INTO person_contact (id, lineage_id, version, is_current, organisation_id, person_id, family_name, \
         given_name, relationship, roles, sharing, phone, phone2, email, address, organisation_name, trusted_since, \
         trusted_until, comment, change_reason, author_label, recorded_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)",
        ),
        org,
        c,
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Marks the current version of a lineage as replaced; false when `expected` no longer is
/// (someone else corrected it meanwhile).
pub async fn supersede_contact(conn: &mut Conn, expected: RelativeId) -> Result<bool> {
    let r = sqlx::query("UPDATE person_contact SET is_current = 0 WHERE id = $1 AND is_current = 1")
        .bind(expected.to_string())
        .execute(conn)
        .await?;
    Ok(r.rows_affected() == 1)
}

/// A person's current contacts, in the order they were first recorded.
pub async fn current_contacts(conn: &mut Conn, person: PersonId) -> Result<Vec<Relative>> {
    let sql = format!(
        "SELECT {CONTACT_COLUMNS} FROM person_contact c WHERE c.person_id = $1 AND c.is_current = 1 \
         ORDER BY c.lineage_id"
    );
    let rows = sqlx::query(AssertSqlSafe(sql)).bind(person.to_string()).fetch_all(conn).await?;
    rows.iter().map(contact_from_row).collect()
}

/// The current version of a contact, by lineage, within the organisation.
pub async fn current_contact(conn: &mut Conn, org: OrganisationId, lineage: RelativeId) -> Result<Option<Relative>> {
    let sql = format!(
        "SELECT {CONTACT_COLUMNS} FROM person_contact c WHERE c.lineage_id = $1 AND c.organisation_id = $2 \
         AND c.is_current = 1"
    );
    let r =
        sqlx::query(AssertSqlSafe(sql)).bind(lineage.to_string()).bind(org.to_string()).fetch_optional(conn).await?;
    r.as_ref().map(contact_from_row).transpose()
}

/// Every version of a contact, newest first.
pub async fn contact_versions(conn: &mut Conn, org: OrganisationId, lineage: RelativeId) -> Result<Vec<Relative>> {
    let sql = format!(
        "SELECT {CONTACT_COLUMNS} FROM person_contact c WHERE c.lineage_id = $1 AND c.organisation_id = $2 \
         ORDER BY c.version DESC"
    );
    let rows = sqlx::query(AssertSqlSafe(sql)).bind(lineage.to_string()).bind(org.to_string()).fetch_all(conn).await?;
    rows.iter().map(contact_from_row).collect()
}

/// A legal protection measure.
#[derive(Debug, Clone)]
pub struct Protection {
    pub id: ProtectionId,
    pub person_id: PersonId,
    pub measure: Measure,
    pub scope: ProtectionScope,
    pub start_on: Date,
    pub end_on: Option<Date>,
    pub review_on: Option<Date>,
    /// The protector when a contact of the person (its lineage).
    pub protector_contact: Option<RelativeId>,
    pub mandatary_name: String,
    pub mandatary_organisation: String,
    pub court_reference: String,
    pub author_label: String,
    pub recorded_at: Micros,
}

impl Protection {
    pub fn in_force(&self, on: Date) -> bool {
        self.start_on <= on && self.end_on.is_none_or(|end| on <= end)
    }
}

const PROTECTION_COLUMNS: &str = "p.id, p.person_id, p.measure, p.scope, p.start_on, p.end_on, p.review_on, \
    p.protector_contact, p.mandatary_name, p.mandatary_organisation, p.court_reference, p.author_label, p.recorded_at";

fn protection_from_row(r: &AnyRow) -> Result<Protection> {
    let protector: String = r.try_get(7)?;
    Ok(Protection {
        id: id(&r.try_get::<String, _>(0)?, "protection id")?,
        person_id: id(&r.try_get::<String, _>(1)?, "person id")?,
        measure: Measure::from_code(&r.try_get::<String, _>(2)?).ok_or_else(|| corrupt("protection measure"))?,
        scope: ProtectionScope::from_code(&r.try_get::<String, _>(3)?).ok_or_else(|| corrupt("protection scope"))?,
        start_on: date(&r.try_get::<String, _>(4)?, "protection start")?,
        end_on: opt_date(r.try_get(5)?, "protection end")?,
        review_on: opt_date(r.try_get(6)?, "protection review")?,
        protector_contact: if protector.is_empty() { None } else { Some(id(&protector, "protector contact")?) },
        mandatary_name: r.try_get(8)?,
        mandatary_organisation: r.try_get(9)?,
        court_reference: r.try_get(10)?,
        author_label: r.try_get(11)?,
        recorded_at: r.try_get(12)?,
    })
}

pub(crate) const PROTECTION_INSERT_COLUMNS: &[&str] = &[
    "id",
    "organisation_id",
    "person_id",
    "measure",
    "scope",
    "start_on",
    "end_on",
    "review_on",
    "protector_contact",
    "mandatary_name",
    "mandatary_organisation",
    "court_reference",
    "author_label",
    "recorded_at",
];

/// Binds the values of one row of `legal_protection`, in the order of `PROTECTION_INSERT_COLUMNS`.
pub(crate) fn bind_protection<'q>(
    q: crate::bulk::AnyQuery<'q>,
    org: OrganisationId,
    p: &Protection,
) -> crate::bulk::AnyQuery<'q> {
    q.bind(p.id.to_string())
        .bind(org.to_string())
        .bind(p.person_id.to_string())
        .bind(p.measure.code())
        .bind(p.scope.code())
        .bind(p.start_on.to_string())
        .bind(date_text(p.end_on))
        .bind(date_text(p.review_on))
        .bind(p.protector_contact.map(|c| c.to_string()).unwrap_or_default())
        .bind(p.mandatary_name.clone())
        .bind(p.mandatary_organisation.clone())
        .bind(p.court_reference.clone())
        .bind(p.author_label.clone())
        .bind(p.recorded_at)
}

pub async fn insert_protection(conn: &mut Conn, org: OrganisationId, p: &Protection) -> Result<()> {
    bind_protection(sqlx::query(
        "INSERT INTO legal_protection (id, organisation_id, person_id, measure, scope, start_on, end_on, review_on, \
         protector_contact, mandatary_name, mandatary_organisation, court_reference, author_label, recorded_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
    ), org, p)
    .execute(conn)
    .await?;
    Ok(())
}

/// A person's protection measures, the latest start first.
pub async fn protections(conn: &mut Conn, person: PersonId) -> Result<Vec<Protection>> {
    let sql = format!(
        "SELECT {PROTECTION_COLUMNS} FROM legal_protection p WHERE p.person_id = $1 \
         ORDER BY p.start_on DESC, p.recorded_at DESC"
    );
    let rows = sqlx::query(AssertSqlSafe(sql)).bind(person.to_string()).fetch_all(conn).await?;
    rows.iter().map(protection_from_row).collect()
}

/// One consent decision.
#[derive(Debug, Clone)]
pub struct Consent {
    pub id: ConsentId,
    pub person_id: PersonId,
    pub purpose: ConsentPurpose,
    pub purpose_text: String,
    pub status: ConsentStatus,
    pub decided_on: Date,
    /// The representative who decided (a contact's lineage); `None`: the person.
    pub by_contact: Option<RelativeId>,
    pub needs_review: bool,
    pub document_id: Option<DocumentId>,
    pub comment: String,
    pub author_label: String,
    pub recorded_at: Micros,
}

const CONSENT_COLUMNS: &str = "k.id, k.person_id, k.purpose, k.purpose_text, k.status, k.decided_on, k.by_contact, \
    k.needs_review, k.document_id, k.comment, k.author_label, k.recorded_at";

fn consent_from_row(r: &AnyRow) -> Result<Consent> {
    let by: String = r.try_get(6)?;
    let doc: String = r.try_get(8)?;
    Ok(Consent {
        id: id(&r.try_get::<String, _>(0)?, "consent id")?,
        person_id: id(&r.try_get::<String, _>(1)?, "person id")?,
        purpose: ConsentPurpose::from_code(&r.try_get::<String, _>(2)?).ok_or_else(|| corrupt("consent purpose"))?,
        purpose_text: r.try_get(3)?,
        status: ConsentStatus::from_code(&r.try_get::<String, _>(4)?).ok_or_else(|| corrupt("consent status"))?,
        decided_on: date(&r.try_get::<String, _>(5)?, "consent date")?,
        by_contact: if by.is_empty() { None } else { Some(id(&by, "consent contact")?) },
        needs_review: flag(r.try_get(7)?),
        document_id: if doc.is_empty() { None } else { Some(id(&doc, "consent document")?) },
        comment: r.try_get(9)?,
        author_label: r.try_get(10)?,
        recorded_at: r.try_get(11)?,
    })
}

pub(crate) const CONSENT_INSERT_COLUMNS: &[&str] = &[
    "id",
    "organisation_id",
    "person_id",
    "purpose",
    "purpose_text",
    "status",
    "decided_on",
    "by_contact",
    "needs_review",
    "document_id",
    "comment",
    "author_label",
    "recorded_at",
];

/// Binds the values of one row of `person_consent`, in the order of `CONSENT_INSERT_COLUMNS`.
pub(crate) fn bind_consent<'q>(
    q: crate::bulk::AnyQuery<'q>,
    org: OrganisationId,
    k: &Consent,
) -> crate::bulk::AnyQuery<'q> {
    q.bind(k.id.to_string())
        .bind(org.to_string())
        .bind(k.person_id.to_string())
        .bind(k.purpose.code())
        .bind(k.purpose_text.clone())
        .bind(k.status.code())
        .bind(k.decided_on.to_string())
        .bind(k.by_contact.map(|c| c.to_string()).unwrap_or_default())
        .bind(i16::from(k.needs_review))
        .bind(k.document_id.map(|d| d.to_string()).unwrap_or_default())
        .bind(k.comment.clone())
        .bind(k.author_label.clone())
        .bind(k.recorded_at)
}

pub async fn insert_consent(conn: &mut Conn, org: OrganisationId, k: &Consent) -> Result<()> {
    bind_consent(
        sqlx::query(
            "INSERT INTO person_consent (id, organisation_id, person_id, purpose, purpose_text, status, decided_on, \
         by_contact, needs_review, document_id, comment, author_label, recorded_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        ),
        org,
        k,
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Every consent decision of a person, the latest first (by date, then by recording).
pub async fn consents(conn: &mut Conn, person: PersonId) -> Result<Vec<Consent>> {
    let sql = format!(
        "SELECT {CONSENT_COLUMNS} FROM person_consent k WHERE k.person_id = $1 \
         ORDER BY k.decided_on DESC, k.recorded_at DESC"
    );
    let rows = sqlx::query(AssertSqlSafe(sql)).bind(person.to_string()).fetch_all(conn).await?;
    rows.iter().map(consent_from_row).collect()
}

pub async fn consent(conn: &mut Conn, org: OrganisationId, consent: ConsentId) -> Result<Option<Consent>> {
    let sql = format!("SELECT {CONSENT_COLUMNS} FROM person_consent k WHERE k.id = $1 AND k.organisation_id = $2");
    let r =
        sqlx::query(AssertSqlSafe(sql)).bind(consent.to_string()).bind(org.to_string()).fetch_optional(conn).await?;
    r.as_ref().map(consent_from_row).transpose()
}
