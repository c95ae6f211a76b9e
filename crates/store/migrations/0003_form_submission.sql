-- Forms already submitted, so that a double tap or a replayed post does not write twice.
CREATE TABLE form_submission (
    form_id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES account(id),
    submitted_at BIGINT NOT NULL
);
CREATE INDEX form_submission_at ON form_submission(submitted_at);
