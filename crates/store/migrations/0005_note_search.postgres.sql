-- The searchable document of a note: accents and ligatures folded as the application folds the
-- words searched for (`text::fold`), by immutable SQL (no extension needed), then the French
-- configuration (stemming, stop words). Upper-case accented letters are mapped before lower()
-- because lower() only knows ASCII under the C locale.
CREATE FUNCTION relais_note_document(target text, data text, action text, result text, body text)
RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT to_tsvector('french'::regconfig, lower(replace(replace(replace(replace(translate(
        coalesce(target, '') || ' ' || coalesce(data, '') || ' ' || coalesce(action, '') || ' '
            || coalesce(result, '') || ' ' || body,
        'àâäáãåçéèêëíìîïñóòôöõúùûüýÿÀÂÄÁÃÅÇÉÈÊËÍÌÎÏÑÓÒÔÖÕÚÙÛÜÝŸ',
        'aaaaaaceeeeiiiinooooouuuuyyaaaaaaceeeeiiiinooooouuuuyy'),
        'œ', 'oe'), 'æ', 'ae'), 'Œ', 'oe'), 'Æ', 'ae')))
$$;
-- Stored, not an expression index: computing it costs ~100 µs a note, and the planner walks a
-- unit's notes newest first checking each one (measured: 414 ms for a frequent word when computed,
-- bench/README.md).
ALTER TABLE note ADD COLUMN search tsvector
    GENERATED ALWAYS AS (relais_note_document(target, data, action, result, body)) STORED;
CREATE INDEX note_search ON note USING gin (search);
