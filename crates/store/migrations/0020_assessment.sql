-- Assessments of a person (the AGGIR grid first; MNA, Braden and the configurable grids later):
-- never overwritten, a new evaluation is a new row, so the history of the GIR is the table itself.
CREATE TABLE assessment (
    id TEXT PRIMARY KEY,
    organisation_id TEXT NOT NULL REFERENCES organisation(id),
    person_id TEXT NOT NULL REFERENCES person(id),
    establishment_id TEXT,
    instrument TEXT NOT NULL,
    assessed_on TEXT NOT NULL,
    -- The answers as the instrument's domain type encodes them (`aggir::Grid::encode`).
    answers TEXT NOT NULL,
    -- AGGIR: the rank (1–13) and the GIR (1–6); NULL while the grid cannot give them.
    score INTEGER,
    result INTEGER,
    comment TEXT NOT NULL,
    author_id TEXT,
    author_label TEXT NOT NULL,
    recorded_at BIGINT NOT NULL
);
CREATE INDEX assessment_person ON assessment(person_id, instrument, assessed_on);
