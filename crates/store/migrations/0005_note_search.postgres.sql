-- The searchable document of a note: accents and ligatures folded as the application folds the
-- words searched for (`text::fold`), by immutable SQL (no extension needed), then the French
-- configuration (stemming, stop words). Upper-case accented letters are mapped before lower()
-- because lower() only knows ASCII under the C locale. The queries use the same function.
CREATE FUNCTION relais_note_document(target text, data text, action text, result text, body text)
RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT to_tsvector('french'::regconfig, lower(replace(replace(replace(replace(translate(
        coalesce(target, '') || ' ' || coalesce(data, '') || ' ' || coalesce(action, '') || ' '
            || coalesce(result, '') || ' ' || body,
        'àâäáãåçéèêëíìîïñóòôöõúùûüýÿÀÂÄÁÃÅÇÉÈÊËÍÌÎÏÑÓÒÔÖÕÚÙÛÜÝŸ',
        'aaaaaaceeeeiiiinooooouuuuyyaaaaaaceeeeiiiinooooouuuuyy'),
        'œ', 'oe'), 'æ', 'ae'), 'Œ', 'oe'), 'Æ', 'ae')))
$$;
CREATE INDEX note_search ON note USING gin (relais_note_document(target, data, action, result, body));
