-- Every word of a person's names, folded (accents, case, separators), for prefix search on any
-- word through an index ("martin" finds "DUPONT-MARTIN Jeanne" and "Jeanne Martine").
CREATE TABLE person_name_token (
    organisation_id TEXT NOT NULL,
    person_id TEXT NOT NULL REFERENCES person(id),
    kind TEXT NOT NULL,
    token TEXT NOT NULL,
    PRIMARY KEY (person_id, kind, token)
);
CREATE INDEX person_name_token_search ON person_name_token(organisation_id, token);
