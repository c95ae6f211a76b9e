-- Appointments of persons (doctor, hospital, hairdresser, family visit), filed under the unit of
-- the person's stay so that unit agendas read one index. Cancelled ones are kept.
CREATE TABLE appointment (
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
    created_by TEXT NOT NULL REFERENCES account(id),
    created_label TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    cancelled_at BIGINT
);
CREATE INDEX appointment_person ON appointment(person_id, starts_at);
CREATE INDEX appointment_unit ON appointment(unit_id, starts_at);
