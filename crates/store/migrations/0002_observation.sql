-- Observations (vital signs and measures). Never overwritten: a correction is a new version
-- of the same lineage, as for notes.
CREATE TABLE observation (
    id TEXT PRIMARY KEY,
    organisation_id TEXT NOT NULL REFERENCES organisation(id),
    person_id TEXT NOT NULL REFERENCES person(id),
    lineage_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    is_current SMALLINT NOT NULL,
    kind TEXT NOT NULL,
    loinc TEXT NOT NULL,
    value DOUBLE PRECISION NOT NULL,
    value2 DOUBLE PRECISION,
    unit TEXT NOT NULL,
    effective_at BIGINT NOT NULL,
    recorded_at BIGINT NOT NULL,
    author_kind TEXT NOT NULL,
    author_id TEXT,
    author_label TEXT NOT NULL,
    UNIQUE (lineage_id, version)
);
CREATE INDEX observation_person ON observation(person_id, is_current, effective_at);
CREATE INDEX observation_person_code ON observation(person_id, loinc, effective_at);
