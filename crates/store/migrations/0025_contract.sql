-- Contracts of a stay (contrat de séjour, DIPC) and their amendments. Each is generated from a
-- template and filed as a document of the person's record; this row follows its signature. An
-- amendment points to the first contract of its stay (original_id) and carries its number.
CREATE TABLE contract (
    id TEXT PRIMARY KEY,
    organisation_id TEXT NOT NULL REFERENCES organisation(id),
    person_id TEXT NOT NULL REFERENCES person(id),
    stay_id TEXT NOT NULL REFERENCES stay(id),
    establishment_id TEXT NOT NULL REFERENCES establishment(id),
    -- residential_contract, dipc
    kind TEXT NOT NULL,
    original_id TEXT REFERENCES contract(id),
    -- 0 for the contract, n for its n-th amendment.
    amendment INTEGER NOT NULL,
    document_id TEXT NOT NULL REFERENCES document(id),
    generated_on TEXT NOT NULL,
    generated_at BIGINT NOT NULL,
    generated_by TEXT,
    generated_label TEXT NOT NULL,
    -- to_sign, signed_person, signed_representative, refused
    status TEXT NOT NULL,
    signed_on TEXT,
    status_by TEXT,
    status_label TEXT,
    status_at BIGINT,
    UNIQUE (stay_id, amendment)
);
CREATE INDEX contract_person ON contract(person_id, generated_at);
-- The reminder list: contracts of one establishment still to sign, oldest first.
CREATE INDEX contract_unsigned ON contract(establishment_id, status, generated_on);
