-- Alert thresholds on measures, for one person or for a whole establishment; the person's rule
-- wins. A rule is never updated: a new one replaces it and the old one is marked removed.
CREATE TABLE observation_threshold (
    id TEXT PRIMARY KEY,
    organisation_id TEXT NOT NULL REFERENCES organisation(id),
    establishment_id TEXT REFERENCES establishment(id),
    person_id TEXT REFERENCES person(id),
    kind TEXT NOT NULL,
    low DOUBLE PRECISION,
    high DOUBLE PRECISION,
    created_by TEXT NOT NULL REFERENCES account(id),
    created_label TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    removed_at BIGINT,
    CHECK ((establishment_id IS NULL) <> (person_id IS NULL)),
    CHECK (low IS NOT NULL OR high IS NOT NULL)
);
CREATE INDEX observation_threshold_person ON observation_threshold(person_id, kind);
CREATE INDEX observation_threshold_establishment ON observation_threshold(establishment_id, kind);
