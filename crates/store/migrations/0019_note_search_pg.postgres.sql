-- The search document is now written by Relais, as SQLite's index is (0015): the words of the
-- note folded as every search is (`text::fold`: "oedeme" finds "Œdème"), without the French
-- stemming and stop words, so that both engines find the same notes; then tokens of the note's
-- establishment, establishment with category, category and month. A typed word is searched as
-- the words of the vocabulary (`note_term`) it begins, the reader's scope and the months of the
-- period as two more conditions on the same index, newest months first (store/src/notes.rs).
-- The documents and vocabulary are written back by the migration code (`backfill_search_pg`),
-- which then builds the index.
-- Cost on an existing database: every note is rewritten once, then the index built. Measured on
-- the group76 set (7.1 M notes, 9.3 GB, two cores shared with builds): 767 s, of which 39 s for
-- the index; the table's former row versions (3.7 GB) become free space once VACUUM has run
-- (2 min there), reused by later notes (VACUUM FULL gives it back to the system).
DROP INDEX note_search;
ALTER TABLE note DROP COLUMN search;
DROP FUNCTION relais_note_document(text, text, text, text, text);
ALTER TABLE note ADD COLUMN search tsvector;
-- Byte order, as on SQLite: a word's expansions are the range [word, word || U+10FFFF), which a
-- linguistic collation would not keep together.
CREATE TABLE note_term (term TEXT COLLATE "C" PRIMARY KEY);
