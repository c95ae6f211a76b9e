-- Admission requests received before a stay exists, and every change of their status. A request
-- is never deleted by its workflow: a refusal or a withdrawal is a status, with its reason in the
-- history; only the archival rule removes them with the rest of the daily record.
CREATE TABLE admission_request (
    id TEXT PRIMARY KEY,
    organisation_id TEXT NOT NULL REFERENCES organisation(id),
    person_id TEXT NOT NULL REFERENCES person(id),
    establishment_id TEXT NOT NULL REFERENCES establishment(id),
    unit_id TEXT REFERENCES unit(id),
    mode TEXT NOT NULL,
    -- direct, mdph, via_trajectoire, other; the reference is the MDPH notification number, the
    -- ViaTrajectoire file number or the words of "other"; the validity end is the MDPH one.
    source TEXT NOT NULL,
    source_reference TEXT,
    source_valid_until TEXT,
    received_on TEXT NOT NULL,
    priority TEXT NOT NULL,
    documents TEXT NOT NULL,
    status TEXT NOT NULL,
    -- The stay the request opened, once admitted.
    stay_id TEXT REFERENCES stay(id),
    created_by TEXT,
    created_label TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
-- The waiting list: open requests of one establishment.
CREATE INDEX admission_request_waiting ON admission_request(establishment_id, status, received_on);
CREATE INDEX admission_request_person ON admission_request(person_id);

CREATE TABLE admission_status_change (
    id TEXT PRIMARY KEY,
    request_id TEXT NOT NULL REFERENCES admission_request(id),
    -- NULL for the receipt of the request.
    from_status TEXT,
    to_status TEXT NOT NULL,
    comment TEXT NOT NULL,
    author_id TEXT,
    author_label TEXT NOT NULL,
    changed_at BIGINT NOT NULL
);
CREATE INDEX admission_status_change_request ON admission_status_change(request_id, changed_at);
