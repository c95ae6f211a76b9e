-- When the archival rule purged the person's daily record (identity and stays are kept).
ALTER TABLE person ADD COLUMN record_archived_at BIGINT;
