-- Identity vigilance: identity attributes, INS history from INSi, the INSi call log, the history
-- of identity changes, evidence numbers and the blocking keys of duplicate detection.
ALTER TABLE person ADD COLUMN identity_attributes TEXT NOT NULL DEFAULT '';
-- Former matricules returned by INSi (INSHISTO), "matricule@oid" separated by spaces.
ALTER TABLE person ADD COLUMN ins_history TEXT NOT NULL DEFAULT '';
-- When INSi last returned the INS recorded on the person.
ALTER TABLE person ADD COLUMN ins_retrieved_at BIGINT;
ALTER TABLE identity_evidence ADD COLUMN document_number TEXT;

-- Every call to the INSi teleservice: who, when, for which person, what came back (traceability
-- and indicators). A call that returned an identity keeps the returned traits until a
-- professional accepts or rejects them.
CREATE TABLE insi_call (
    id TEXT PRIMARY KEY,
    organisation_id TEXT NOT NULL REFERENCES organisation(id),
    person_id TEXT REFERENCES person(id),
    account_id TEXT REFERENCES account(id),
    called_at BIGINT NOT NULL,
    duration_micros BIGINT NOT NULL,
    attempts BIGINT NOT NULL,
    outcome TEXT NOT NULL,
    code TEXT NOT NULL,
    label TEXT NOT NULL,
    ins_matricule TEXT,
    ins_oid TEXT,
    ins_history TEXT NOT NULL DEFAULT '',
    birth_name TEXT,
    first_names TEXT,
    sex TEXT,
    birth_date TEXT,
    birthplace TEXT,
    consistent BIGINT,
    decision TEXT,
    decided_by TEXT REFERENCES account(id),
    decided_at BIGINT
);
CREATE INDEX insi_call_person ON insi_call(person_id, called_at);
CREATE INDEX insi_call_org ON insi_call(organisation_id, called_at);

-- Identity changes kept with their before and after, shown on the identity page.
CREATE TABLE identity_change (
    id TEXT PRIMARY KEY,
    organisation_id TEXT NOT NULL REFERENCES organisation(id),
    person_id TEXT NOT NULL REFERENCES person(id),
    account_id TEXT REFERENCES account(id),
    changed_at BIGINT NOT NULL,
    kind TEXT NOT NULL,
    before_text TEXT NOT NULL,
    after_text TEXT NOT NULL,
    reason TEXT NOT NULL
);
CREATE INDEX identity_change_person ON identity_change(person_id, changed_at);

-- Blocking keys of duplicate detection: candidates share at least one key.
CREATE TABLE person_match_key (
    organisation_id TEXT NOT NULL,
    match_key TEXT NOT NULL,
    person_id TEXT NOT NULL REFERENCES person(id),
    PRIMARY KEY (organisation_id, match_key, person_id)
);
CREATE INDEX person_match_key_person ON person_match_key(person_id);

-- Merged identities: the merged person stays as an inactive alias of the survivor; the merge
-- remembers every row it moved so that it can be undone.
ALTER TABLE person ADD COLUMN merged_into TEXT REFERENCES person(id);
CREATE TABLE person_merge (
    id TEXT PRIMARY KEY,
    organisation_id TEXT NOT NULL REFERENCES organisation(id),
    survivor_id TEXT NOT NULL REFERENCES person(id),
    merged_id TEXT NOT NULL REFERENCES person(id),
    merged_at BIGINT NOT NULL,
    merged_by TEXT REFERENCES account(id),
    reason TEXT NOT NULL,
    unmerged_at BIGINT,
    unmerged_by TEXT REFERENCES account(id),
    unmerge_reason TEXT
);
CREATE INDEX person_merge_survivor ON person_merge(survivor_id);
CREATE INDEX person_merge_merged ON person_merge(merged_id);
-- What a merge moved: a row by id, or for versioned records (notes, measures, documents) a
-- lineage, so that versions written after the merge go back with it.
CREATE TABLE person_merge_item (
    merge_id TEXT NOT NULL REFERENCES person_merge(id),
    table_name TEXT NOT NULL,
    row_key TEXT NOT NULL,
    PRIMARY KEY (merge_id, table_name, row_key)
);
