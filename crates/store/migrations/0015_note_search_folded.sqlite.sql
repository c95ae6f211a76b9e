-- The index is now written by Relais itself, in the transaction of the note: the text folded as
-- every search is (so "oedeme" finds "œdème"), and per note two scope tokens, the establishment
-- (`e…`) and the establishment with the category (`x…c…`): a reader who may not read every
-- category searches the few pairs they may read instead of ANDing the large category lists
-- (60 ms for a word the reader may not see, bench/README.md). `note_term` is the vocabulary of
-- the index, so that a word typed is searched as the exact words it begins, which the index
-- answers newest first without merging every match beforehand (40 ms for a frequent word).
-- The rows are written back by the migration code (store/src/notes.rs, `backfill_search`).
DROP TRIGGER IF EXISTS note_fts_insert;
DROP TABLE note_fts;
-- Its shadow tables were seen to survive the DROP inside the migration's transaction.
DROP TABLE IF EXISTS note_fts_data;
DROP TABLE IF EXISTS note_fts_idx;
DROP TABLE IF EXISTS note_fts_content;
DROP TABLE IF EXISTS note_fts_docsize;
DROP TABLE IF EXISTS note_fts_config;
CREATE VIRTUAL TABLE note_fts USING fts5(
    note_id UNINDEXED, body, scope, content = '', contentless_unindexed = 1,
    tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TABLE note_term (term TEXT PRIMARY KEY) WITHOUT ROWID;
