-- Collective activities: each session a row (a repeated activity shares its series id), with
-- the persons registered and their attendance. Cancelled sessions are kept.
CREATE TABLE activity (
    id TEXT PRIMARY KEY,
    organisation_id TEXT NOT NULL REFERENCES organisation(id),
    establishment_id TEXT NOT NULL REFERENCES establishment(id),
    unit_id TEXT REFERENCES unit(id),
    series_id TEXT NOT NULL,
    title TEXT NOT NULL,
    location TEXT,
    capacity BIGINT,
    starts_at BIGINT NOT NULL,
    ends_at BIGINT NOT NULL,
    created_by TEXT NOT NULL REFERENCES account(id),
    created_label TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    cancelled_at BIGINT
);
CREATE INDEX activity_establishment ON activity(establishment_id, starts_at);
CREATE INDEX activity_series ON activity(series_id, starts_at);
CREATE TABLE activity_participant (
    activity_id TEXT NOT NULL REFERENCES activity(id),
    person_id TEXT NOT NULL REFERENCES person(id),
    registered_by TEXT NOT NULL REFERENCES account(id),
    registered_at BIGINT NOT NULL,
    attendance TEXT,
    attendance_note TEXT,
    marked_label TEXT,
    marked_at BIGINT,
    PRIMARY KEY (activity_id, person_id)
);
CREATE INDEX activity_participant_person ON activity_participant(person_id);
