-- SQLite cannot drop a NOT NULL constraint: the table is rebuilt, columns in the same order.
CREATE TABLE document_rebuilt (
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
    content BLOB NOT NULL,
    author_id TEXT REFERENCES account(id),
    author_label TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (lineage_id, version)
);
INSERT INTO document_rebuilt SELECT * FROM document;
DROP TABLE document;
ALTER TABLE document_rebuilt RENAME TO document;
CREATE INDEX document_person ON document(person_id, is_current, document_date);
