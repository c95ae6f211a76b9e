-- Alerts pinned on a person until someone resolves them (never deleted: resolution is recorded).
CREATE TABLE person_alert (
    id TEXT PRIMARY KEY,
    organisation_id TEXT NOT NULL REFERENCES organisation(id),
    person_id TEXT NOT NULL REFERENCES person(id),
    kind TEXT NOT NULL,
    detail TEXT,
    created_by TEXT NOT NULL REFERENCES account(id),
    created_label TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    resolved_by TEXT REFERENCES account(id),
    resolved_label TEXT,
    resolved_at BIGINT,
    resolution TEXT
);
CREATE INDEX person_alert_person ON person_alert(person_id, resolved_at);
