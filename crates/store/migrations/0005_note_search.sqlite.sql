-- FTS5 without a copy of the text (contentless); the note id is kept beside the index because
-- VACUUM may renumber the rowids of a table whose key is not an INTEGER PRIMARY KEY.
-- `remove_diacritics 2` folds accents and case: "hopital" finds "Hôpital".
CREATE VIRTUAL TABLE note_fts USING fts5(
    note_id UNINDEXED, body, content = '', contentless_unindexed = 1,
    tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER note_fts_insert AFTER INSERT ON note BEGIN
    INSERT INTO note_fts (note_id, body)
    VALUES (new.id, concat_ws(' ', new.target, new.data, new.action, new.result, new.body));
END;
INSERT INTO note_fts (note_id, body)
SELECT id, concat_ws(' ', target, data, action, result, body) FROM note;
