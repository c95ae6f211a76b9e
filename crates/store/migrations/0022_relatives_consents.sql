-- Relatives and contacts of a person, legal protection measures, and consents.
-- Absent optional values are empty strings: the portable driver cannot bind a typed NULL.

-- A contact is never overwritten: a correction is a new version of its lineage, the previous
-- one kept with is_current = 0, so the history of who was designated when is the table itself.
CREATE TABLE person_contact (
    id TEXT PRIMARY KEY,
    lineage_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    is_current SMALLINT NOT NULL,
    organisation_id TEXT NOT NULL REFERENCES organisation(id),
    person_id TEXT NOT NULL REFERENCES person(id),
    family_name TEXT NOT NULL,
    given_name TEXT NOT NULL,
    relationship TEXT NOT NULL,
    -- Role codes separated by spaces (domain::relative::RelationKind).
    roles TEXT NOT NULL,
    -- What the contact may be told, codes separated by spaces (domain::relative::Sharing).
    sharing TEXT NOT NULL,
    phone TEXT NOT NULL,
    phone2 TEXT NOT NULL,
    email TEXT NOT NULL,
    address TEXT NOT NULL,
    -- A professional mandataire's service or association.
    organisation_name TEXT NOT NULL,
    -- Designation as personne de confiance: since when, and until when once replaced.
    trusted_since TEXT NOT NULL,
    trusted_until TEXT NOT NULL,
    comment TEXT NOT NULL,
    -- Why this version was written: « création », « correction », « remplacée comme personne de confiance ».
    change_reason TEXT NOT NULL,
    author_label TEXT NOT NULL,
    recorded_at BIGINT NOT NULL
);
CREATE INDEX person_contact_person ON person_contact(person_id, is_current);
CREATE INDEX person_contact_lineage ON person_contact(lineage_id, version);

-- Legal protection measures; the protector is a contact (by lineage) or a professional named here.
CREATE TABLE legal_protection (
    id TEXT PRIMARY KEY,
    organisation_id TEXT NOT NULL REFERENCES organisation(id),
    person_id TEXT NOT NULL REFERENCES person(id),
    measure TEXT NOT NULL,
    scope TEXT NOT NULL,
    start_on TEXT NOT NULL,
    end_on TEXT NOT NULL,
    review_on TEXT NOT NULL,
    protector_contact TEXT NOT NULL,
    mandatary_name TEXT NOT NULL,
    mandatary_organisation TEXT NOT NULL,
    court_reference TEXT NOT NULL,
    author_label TEXT NOT NULL,
    recorded_at BIGINT NOT NULL
);
CREATE INDEX legal_protection_person ON legal_protection(person_id, start_on);

-- Consents: one row per decision; the latest of a purpose is the one in force.
CREATE TABLE person_consent (
    id TEXT PRIMARY KEY,
    organisation_id TEXT NOT NULL REFERENCES organisation(id),
    person_id TEXT NOT NULL REFERENCES person(id),
    purpose TEXT NOT NULL,
    purpose_text TEXT NOT NULL,
    status TEXT NOT NULL,
    decided_on TEXT NOT NULL,
    -- The contact (by lineage) who decided as representative; empty when the person decided.
    by_contact TEXT NOT NULL,
    -- Decided by the person alone while a measure covers the person.
    needs_review SMALLINT NOT NULL,
    document_id TEXT NOT NULL,
    comment TEXT NOT NULL,
    author_label TEXT NOT NULL,
    recorded_at BIGINT NOT NULL
);
CREATE INDEX person_consent_person ON person_consent(person_id, purpose, decided_on);
