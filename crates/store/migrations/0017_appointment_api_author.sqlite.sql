-- SQLite cannot drop a NOT NULL constraint: the table is rebuilt, columns in the same order.
CREATE TABLE appointment_rebuilt (
    id TEXT PRIMARY KEY,
    organisation_id TEXT NOT NULL REFERENCES organisation(id),
    person_id TEXT NOT NULL REFERENCES person(id),
    establishment_id TEXT REFERENCES establishment(id),
    unit_id TEXT REFERENCES unit(id),
    title TEXT NOT NULL,
    location TEXT,
    starts_at BIGINT NOT NULL,
    ends_at BIGINT NOT NULL,
    external SMALLINT NOT NULL,
    transport TEXT NOT NULL,
    escort TEXT,
    created_by TEXT REFERENCES account(id),
    created_label TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    cancelled_at BIGINT
);
INSERT INTO appointment_rebuilt SELECT * FROM appointment;
DROP TABLE appointment;
ALTER TABLE appointment_rebuilt RENAME TO appointment;
CREATE INDEX appointment_person ON appointment(person_id, starts_at);
CREATE INDEX appointment_unit ON appointment(unit_id, starts_at);
