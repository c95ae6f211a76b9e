-- The projet personnalisé (support plan) of a person: the plan, its numbered versions, and the
-- logbook notes tied to one of its objectives. A version's content is kept whole (JSON text);
-- once frozen (validated, or replaced by a review) it is never updated again.
CREATE TABLE support_plan (
    id TEXT PRIMARY KEY,
    organisation_id TEXT NOT NULL REFERENCES organisation(id),
    person_id TEXT NOT NULL REFERENCES person(id),
    establishment_id TEXT REFERENCES establishment(id),
    status TEXT NOT NULL,
    current_version BIGINT NOT NULL,
    -- The review date of the current version, copied here for the overdue list.
    review_due TEXT,
    created_by TEXT,
    created_label TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX support_plan_person ON support_plan(person_id);
CREATE INDEX support_plan_review ON support_plan(establishment_id, status, review_due);

CREATE TABLE support_plan_version (
    id TEXT PRIMARY KEY,
    plan_id TEXT NOT NULL REFERENCES support_plan(id),
    -- Copied from the plan so that a merge of persons moves versions with their plan.
    person_id TEXT NOT NULL REFERENCES person(id),
    version BIGINT NOT NULL,
    content TEXT NOT NULL,
    created_by TEXT,
    created_label TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    -- Set when the version is validated: from then on it is frozen.
    validated_label TEXT,
    validated_at BIGINT,
    UNIQUE (plan_id, version)
);

CREATE TABLE support_plan_status_change (
    id TEXT PRIMARY KEY,
    plan_id TEXT NOT NULL REFERENCES support_plan(id),
    version BIGINT NOT NULL,
    from_status TEXT,
    to_status TEXT NOT NULL,
    author_label TEXT NOT NULL,
    changed_at BIGINT NOT NULL
);
CREATE INDEX support_plan_status_change_plan ON support_plan_status_change(plan_id, changed_at);

CREATE TABLE note_objective (
    note_lineage_id TEXT NOT NULL,
    objective_id TEXT NOT NULL,
    plan_id TEXT NOT NULL REFERENCES support_plan(id),
    person_id TEXT NOT NULL REFERENCES person(id),
    created_at BIGINT NOT NULL,
    PRIMARY KEY (note_lineage_id, objective_id)
);
CREATE INDEX note_objective_objective ON note_objective(objective_id);

-- Which plan an objective belongs to: objectives live inside version content, and keep their
-- id from version to version; this finds their plan by id (FHIR Goal read).
CREATE TABLE support_plan_objective (
    objective_id TEXT PRIMARY KEY,
    plan_id TEXT NOT NULL REFERENCES support_plan(id),
    person_id TEXT NOT NULL REFERENCES person(id),
    created_at BIGINT NOT NULL
);
CREATE INDEX support_plan_objective_plan ON support_plan_objective(plan_id);
