-- Mentions: a note brought to a colleague's or a team's attention (a profile in the note's
-- establishment). Kept by lineage: a correction keeps its mentions.
CREATE TABLE note_mention (
    note_lineage_id TEXT NOT NULL,
    organisation_id TEXT NOT NULL REFERENCES organisation(id),
    establishment_id TEXT REFERENCES establishment(id),
    account_id TEXT REFERENCES account(id),
    profile TEXT,
    -- When the note was written: a digest reads the last days' mentions of a reader or a team.
    recorded_at BIGINT NOT NULL,
    CHECK ((account_id IS NULL) <> (profile IS NULL))
);
CREATE INDEX note_mention_lineage ON note_mention(note_lineage_id);
CREATE INDEX note_mention_account ON note_mention(account_id, recorded_at);
CREATE INDEX note_mention_team ON note_mention(establishment_id, profile, recorded_at);
-- Colleagues of an establishment, for the mention list.
CREATE INDEX access_grant_establishment ON access_grant(establishment_id);
