-- FTS5 without a copy of the text (contentless); the note id is kept beside the index because
-- VACUUM may renumber the rowids of a table whose key is not an INTEGER PRIMARY KEY.
-- `remove_diacritics 2` folds accents and case: "hopital" finds "Hôpital".
-- `scope` holds one token for the establishment and one for the category, so that the index
-- itself keeps a search within what the reader may see: walking every match of a frequent word
-- and looking each note up took a second (bench/README.md).
CREATE VIRTUAL TABLE note_fts USING fts5(
    note_id UNINDEXED, body, scope, content = '', contentless_unindexed = 1,
    tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER note_fts_insert AFTER INSERT ON note BEGIN
    INSERT INTO note_fts (note_id, body, scope)
    VALUES (new.id, concat_ws(' ', new.target, new.data, new.action, new.result, new.body),
            'e' || replace(coalesce(new.establishment_id, 'none'), '-', '') || ' c' || replace(new.category, '_', ''));
END;
INSERT INTO note_fts (note_id, body, scope)
SELECT id, concat_ws(' ', target, data, action, result, body),
       'e' || replace(coalesce(establishment_id, 'none'), '-', '') || ' c' || replace(category, '_', '')
FROM note;
