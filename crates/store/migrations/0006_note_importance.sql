-- Importance of a note, per-reader receipts of notes to read, and each account's shifts: the
-- end of the previous shift is where "since my last shift" starts.
ALTER TABLE note ADD COLUMN importance TEXT NOT NULL DEFAULT 'normal';
CREATE TABLE note_read (
    lineage_id TEXT NOT NULL,
    account_id TEXT NOT NULL REFERENCES account(id),
    read_at BIGINT NOT NULL,
    PRIMARY KEY (lineage_id, account_id)
);
ALTER TABLE account ADD COLUMN last_active_at BIGINT;
ALTER TABLE account ADD COLUMN previous_shift_end BIGINT;
-- "Since my last shift" for establishment-wide grants reads by establishment.
CREATE INDEX note_establishment ON note(establishment_id, is_current, recorded_at);
