-- Foundation schema: organisation model, accounts, sessions, persons, stays, notes, audit.
-- Portable SQL (SQLite and PostgreSQL): ids as TEXT (UUIDv7), instants as BIGINT
-- microseconds since the epoch, civil dates as TEXT 'YYYY-MM-DD', booleans as SMALLINT 0/1.


CREATE TABLE organisation (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    finess_legal TEXT NOT NULL,
    totp_required SMALLINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);

CREATE TABLE establishment (
    id TEXT PRIMARY KEY,
    organisation_id TEXT NOT NULL REFERENCES organisation(id),
    name TEXT NOT NULL,
    finess TEXT NOT NULL,
    sector TEXT NOT NULL,
    category TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX establishment_org ON establishment(organisation_id);

CREATE TABLE unit (
    id TEXT PRIMARY KEY,
    organisation_id TEXT NOT NULL REFERENCES organisation(id),
    establishment_id TEXT NOT NULL REFERENCES establishment(id),
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX unit_establishment ON unit(establishment_id);

CREATE TABLE professional (
    id TEXT PRIMARY KEY,
    organisation_id TEXT NOT NULL REFERENCES organisation(id),
    family_name TEXT NOT NULL,
    given_name TEXT NOT NULL,
    rpps TEXT,
    created_at BIGINT NOT NULL
);

CREATE TABLE account (
    id TEXT PRIMARY KEY,
    organisation_id TEXT NOT NULL REFERENCES organisation(id),
    professional_id TEXT NOT NULL REFERENCES professional(id),
    username TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    totp_secret TEXT,
    totp_enabled SMALLINT NOT NULL DEFAULT 0,
    totp_last_step BIGINT NOT NULL DEFAULT 0,
    disabled SMALLINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    password_changed_at BIGINT NOT NULL
);

CREATE TABLE access_grant (
    id TEXT PRIMARY KEY,
    organisation_id TEXT NOT NULL REFERENCES organisation(id),
    account_id TEXT NOT NULL REFERENCES account(id),
    profile TEXT NOT NULL,
    establishment_id TEXT NOT NULL REFERENCES establishment(id),
    unit_id TEXT REFERENCES unit(id),
    valid_from TEXT NOT NULL,
    valid_until TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX access_grant_account ON access_grant(account_id);

-- The session token is never stored: only its SHA-256.
CREATE TABLE web_session (
    token_hash TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES account(id),
    csrf_token TEXT NOT NULL,
    second_factor_done SMALLINT NOT NULL,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL
);
CREATE INDEX web_session_account ON web_session(account_id);

CREATE TABLE login_failure (
    id TEXT PRIMARY KEY,
    username TEXT NOT NULL,
    ip TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX login_failure_username ON login_failure(username, at);
CREATE INDEX login_failure_ip ON login_failure(ip, at);

CREATE TABLE api_client (
    id TEXT PRIMARY KEY,
    organisation_id TEXT NOT NULL REFERENCES organisation(id),
    name TEXT NOT NULL,
    client_id TEXT NOT NULL UNIQUE,
    secret_hash TEXT NOT NULL,
    scopes TEXT NOT NULL,
    disabled SMALLINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);

CREATE TABLE api_token (
    token_hash TEXT PRIMARY KEY,
    api_client_id TEXT NOT NULL REFERENCES api_client(id),
    scopes TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);

CREATE TABLE person (
    id TEXT PRIMARY KEY,
    organisation_id TEXT NOT NULL REFERENCES organisation(id),
    registered_establishment_id TEXT REFERENCES establishment(id),
    birth_name TEXT NOT NULL,
    first_names TEXT NOT NULL,
    birth_date TEXT NOT NULL,
    sex TEXT NOT NULL,
    birthplace TEXT,
    used_name TEXT,
    used_first_name TEXT,
    identity_status TEXT NOT NULL,
    ins_matricule TEXT,
    ins_oid TEXT,
    search_birth_name TEXT NOT NULL,
    search_used_name TEXT NOT NULL,
    search_first_names TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX person_birth_name ON person(organisation_id, search_birth_name);
CREATE INDEX person_used_name ON person(organisation_id, search_used_name);
CREATE INDEX person_birth_date ON person(organisation_id, birth_date);
CREATE INDEX person_ins ON person(organisation_id, ins_matricule);

CREATE TABLE identity_evidence (
    id TEXT PRIMARY KEY,
    organisation_id TEXT NOT NULL REFERENCES organisation(id),
    person_id TEXT NOT NULL REFERENCES person(id),
    kind TEXT NOT NULL,
    expires_on TEXT,
    checked_by TEXT NOT NULL REFERENCES account(id),
    checked_at BIGINT NOT NULL
);
CREATE INDEX identity_evidence_person ON identity_evidence(person_id);

CREATE TABLE stay (
    id TEXT PRIMARY KEY,
    organisation_id TEXT NOT NULL REFERENCES organisation(id),
    person_id TEXT NOT NULL REFERENCES person(id),
    establishment_id TEXT NOT NULL REFERENCES establishment(id),
    unit_id TEXT REFERENCES unit(id),
    mode TEXT NOT NULL,
    start_date TEXT NOT NULL,
    end_date TEXT,
    discharge_reason TEXT,
    transferred_from TEXT REFERENCES stay(id),
    created_at BIGINT NOT NULL
);
CREATE INDEX stay_person ON stay(person_id);
CREATE INDEX stay_unit_open ON stay(unit_id, end_date);
CREATE INDEX stay_establishment_open ON stay(establishment_id, end_date);

-- Notes are never overwritten: a correction is a new row of the same lineage;
-- only `is_current` of the previous version changes.
CREATE TABLE note (
    id TEXT PRIMARY KEY,
    organisation_id TEXT NOT NULL REFERENCES organisation(id),
    person_id TEXT NOT NULL REFERENCES person(id),
    establishment_id TEXT REFERENCES establishment(id),
    unit_id TEXT REFERENCES unit(id),
    lineage_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    is_current SMALLINT NOT NULL,
    category TEXT NOT NULL,
    body TEXT NOT NULL,
    target TEXT,
    data TEXT,
    action TEXT,
    result TEXT,
    correction_reason TEXT,
    author_id TEXT NOT NULL REFERENCES account(id),
    author_label TEXT NOT NULL,
    recorded_at BIGINT NOT NULL,
    UNIQUE (lineage_id, version)
);
CREATE INDEX note_person ON note(person_id, is_current, recorded_at);
CREATE INDEX note_unit ON note(unit_id, is_current, recorded_at);

-- Append-only, hash-chained audit trail. `seq` has no gaps: a missing number is a deleted event.
CREATE TABLE audit_event (
    seq BIGINT PRIMARY KEY,
    id TEXT NOT NULL,
    occurred_at BIGINT NOT NULL,
    organisation_id TEXT,
    actor_kind TEXT NOT NULL,
    actor_id TEXT,
    actor_label TEXT NOT NULL,
    action TEXT NOT NULL,
    outcome TEXT NOT NULL,
    person_id TEXT,
    resource TEXT,
    detail TEXT,
    client_ip TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);

-- Index of the persons an event is about (one for a record opened, several for a list shown),
-- for "who accessed this record". The ids are also in the hashed event itself.
CREATE TABLE audit_person (
    person_id TEXT NOT NULL,
    seq BIGINT NOT NULL,
    PRIMARY KEY (person_id, seq)
);

CREATE TABLE audit_head (
    id SMALLINT PRIMARY KEY,
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
