CREATE TABLE document (
    id TEXT PRIMARY KEY,
    organisation_id TEXT NOT NULL REFERENCES organisation(id),
    person_id TEXT NOT NULL REFERENCES person(id),
    lineage_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    is_current SMALLINT NOT NULL,
    type_code TEXT NOT NULL,
    title TEXT NOT NULL,
    document_date TEXT NOT NULL,
    category TEXT NOT NULL,
    media_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    content BYTEA NOT NULL,
    author_id TEXT NOT NULL REFERENCES account(id),
    author_label TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (lineage_id, version)
);
CREATE INDEX document_person ON document(person_id, is_current, document_date);
