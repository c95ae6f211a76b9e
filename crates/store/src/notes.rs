//! Logbook notes: versions of a lineage, a person's notes, a unit's recent notes.

use crate::bulk::{AnyQuery, multi_insert, multi_insert_with};
use crate::codec::{corrupt, flag, id, opt_id};
use crate::{Conn, Engine, Micros, Result, placeholders};
use relais_domain::access::Category;
use relais_domain::access::Profile;
use relais_domain::ids::*;
use relais_domain::note::{Importance, Mention, NoteContent};
use relais_domain::text::fold;
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

#[derive(Debug, Clone)]
pub struct Note {
    pub id: NoteId,
    pub person_id: PersonId,
    pub establishment_id: Option<EstablishmentId>,
    pub unit_id: Option<UnitId>,
    /// The id of the first version: every correction shares it.
    pub lineage_id: NoteId,
    pub version: i32,
    pub is_current: bool,
    pub content: NoteContent,
    pub importance: Importance,
    pub correction_reason: Option<String>,
    pub author_id: AccountId,
    pub author_label: String,
    pub recorded_at: Micros,
}

pub(crate) const COLUMNS: &str = "n.id, n.person_id, n.establishment_id, n.unit_id, n.lineage_id, n.version, n.is_current, n.category, n.body, n.target, n.data, n.action, n.result, n.correction_reason, n.author_id, n.author_label, n.recorded_at, n.importance";

pub(crate) fn from_row(r: &AnyRow) -> Result<Note> {
    from_row_at(r, 0)
}

/// A note from the columns of `COLUMNS` starting at column `at`.
fn from_row_at(r: &AnyRow, at: usize) -> Result<Note> {
    let col = |i: usize| at + i;
    let category: String = r.try_get(col(7))?;
    Ok(Note {
        id: id(&r.try_get::<String, _>(col(0))?, "note id")?,
        person_id: id(&r.try_get::<String, _>(col(1))?, "person id")?,
        establishment_id: opt_id(r.try_get(col(2))?, "establishment id")?,
        unit_id: opt_id(r.try_get(col(3))?, "unit id")?,
        lineage_id: id(&r.try_get::<String, _>(col(4))?, "note lineage")?,
        version: r.try_get(col(5))?,
        is_current: flag(r.try_get(col(6))?),
        content: NoteContent {
            category: Category::from_code(&category).ok_or_else(|| corrupt("note category"))?,
            text: r.try_get(col(8))?,
            target: r.try_get(col(9))?,
            data: r.try_get(col(10))?,
            action: r.try_get(col(11))?,
            result: r.try_get(col(12))?,
        },
        correction_reason: r.try_get(col(13))?,
        author_id: id(&r.try_get::<String, _>(col(14))?, "author id")?,
        author_label: r.try_get(col(15))?,
        recorded_at: r.try_get(col(16))?,
        importance: Importance::from_code(&r.try_get::<String, _>(col(17))?)
            .ok_or_else(|| corrupt("note importance"))?,
    })
}

pub(crate) const INSERT_COLUMNS: &[&str] = &[
    "id",
    "organisation_id",
    "person_id",
    "establishment_id",
    "unit_id",
    "lineage_id",
    "version",
    "is_current",
    "category",
    "body",
    "target",
    "data",
    "action",
    "result",
    "correction_reason",
    "author_id",
    "author_label",
    "recorded_at",
    "importance",
];

/// `INSERT INTO note` for `rows` notes; on PostgreSQL with the search document, bound as the
/// space-separated lexemes of `pg_document` after the columns of `INSERT_COLUMNS`.
pub(crate) fn insert_sql(engine: Engine, rows: usize) -> String {
    match engine {
        Engine::Sqlite => multi_insert(engine, "note", INSERT_COLUMNS, rows),
        Engine::Postgres => {
            let columns: Vec<&str> = INSERT_COLUMNS.iter().copied().chain(["search"]).collect();
            multi_insert_with(engine, "note", &columns, rows, |c, p| {
                if c == INSERT_COLUMNS.len() { format!("array_to_tsvector(string_to_array({p}, ' '))") } else { p }
            })
        }
    }
}

/// Binds one note's values in the order of `insert_sql`.
pub(crate) fn bind_note<'q>(q: AnyQuery<'q>, engine: Engine, org: OrganisationId, n: &Note) -> AnyQuery<'q> {
    let q = bind_columns(q, org, n);
    match engine {
        Engine::Sqlite => q,
        Engine::Postgres => q.bind(pg_document(n)),
    }
}

fn bind_columns<'q>(q: AnyQuery<'q>, org: OrganisationId, n: &Note) -> AnyQuery<'q> {
    q.bind(n.id.to_string())
        .bind(org.to_string())
        .bind(n.person_id.to_string())
        .bind(n.establishment_id.map(|e| e.to_string()))
        .bind(n.unit_id.map(|u| u.to_string()))
        .bind(n.lineage_id.to_string())
        .bind(n.version)
        .bind(n.is_current as i16)
        .bind(n.content.category.code())
        .bind(n.content.text.clone())
        .bind(n.content.target.clone())
        .bind(n.content.data.clone())
        .bind(n.content.action.clone())
        .bind(n.content.result.clone())
        .bind(n.correction_reason.clone())
        .bind(n.author_id.to_string())
        .bind(n.author_label.clone())
        .bind(n.recorded_at)
        .bind(n.importance.code())
}

fn engine_of(conn: &Conn) -> Engine {
    if conn.backend_name() == "SQLite" { Engine::Sqlite } else { Engine::Postgres }
}

pub async fn insert(conn: &mut Conn, org: OrganisationId, n: &Note) -> Result<()> {
    let engine = engine_of(conn);
    let sql = insert_sql(engine, 1);
    bind_note(sqlx::query(AssertSqlSafe(sql)), engine, org, n).execute(&mut *conn).await?;
    index_for_search(conn, engine, std::slice::from_ref(n)).await
}

/// Most words of the vocabulary one typed word stands for; beyond, the index merges them itself.
const MAX_EXPANSION: usize = 40;

/// Longest word kept in the search vocabulary; longer ones are still indexed.
const MAX_TERM_CHARS: usize = 64;

/// A note's searchable text (the DAR fields, then the text), folded as searches are.
fn search_text(n: &Note) -> String {
    let c = &n.content;
    let parts = [c.target.as_deref(), c.data.as_deref(), c.action.as_deref(), c.result.as_deref(), Some(&c.text)];
    fold(&parts.into_iter().flatten().filter(|p| !p.is_empty()).collect::<Vec<_>>().join(" "))
}

/// A note's row of the SQLite search index: its text folded as searches are, and its scope
/// tokens (the establishment; the establishment with the category).
pub(crate) fn search_row(n: &Note) -> (String, String) {
    let est = n.establishment_id.map(|e| e.to_string().replace('-', "")).unwrap_or_else(|| "none".into());
    (search_text(n), scope_tokens(&est, n.content.category))
}

/// Longest lexeme PostgreSQL accepts, in bytes.
const PG_MAX_LEXEME_BYTES: usize = 2047;

/// A note's PostgreSQL search document, as space-separated lexemes: the words of its folded
/// text (as SQLite's index holds them, no stemming nor stop words), then tokens of its scope and
/// month. Those begin with `#`, which no folded word holds, so that a typed word can neither be
/// nor begin one. A word longer than a lexeme may be keeps its beginning (PostgreSQL's own parser
/// would drop it): a typed word still finds it by prefix.
pub(crate) fn pg_document(n: &Note) -> String {
    let text = search_text(n);
    let mut out = String::with_capacity(text.len() + 200);
    for w in text.split(' ').filter(|w| !w.is_empty()) {
        let mut end = w.len().min(PG_MAX_LEXEME_BYTES);
        while !w.is_char_boundary(end) {
            end -= 1;
        }
        out.push_str(&w[..end]);
        out.push(' ');
    }
    let cat = n.content.category.code();
    if let Some(e) = n.establishment_id {
        out.push_str(&format!("#e{e} #p{e}{cat} "));
    }
    out.push_str(&format!("#c{cat} #m{}", month_index(n.recorded_at)));
    out
}

/// The month of an instant (UTC) as months since year 0: consecutive months are consecutive
/// numbers. Civil calendar arithmetic after H. Hinnant's `civil_from_days`.
pub(crate) fn month_index(micros: Micros) -> i64 {
    let z = micros.div_euclid(86_400_000_000) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    year * 12 + month - 1
}

/// The first instant (UTC) of a month given as by `month_index`, after `days_from_civil`.
pub(crate) fn month_start(index: i64) -> Micros {
    let (year, month) = (index.div_euclid(12), index.rem_euclid(12) + 1);
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = if month > 2 { month - 3 } else { month + 9 };
    let doy = (153 * mp + 2) / 5;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    (era * 146_097 + doe - 719_468) * 86_400_000_000
}

fn scope_tokens(est: &str, category: Category) -> String {
    format!("e{est} {}", pair_token(est, category))
}

fn pair_token(est: &str, category: Category) -> String {
    format!("x{est}c{}", category.code().replace('_', ""))
}

/// Words of a folded text that enter the vocabulary.
fn vocabulary_words(folded: &str) -> impl Iterator<Item = &str> {
    folded.split(' ').filter(|t| !t.is_empty() && t.chars().count() <= MAX_TERM_CHARS)
}

/// Writes the search index rows (SQLite; on PostgreSQL the document is a column of the note)
/// and the new vocabulary of notes, in their order.
pub(crate) async fn index_for_search(conn: &mut Conn, engine: Engine, notes: &[Note]) -> Result<()> {
    let mut terms: Vec<String> = Vec::new();
    match engine {
        Engine::Sqlite => {
            for chunk in notes.chunks(300) {
                let sql = multi_insert(Engine::Sqlite, "note_fts", &["note_id", "body", "scope"], chunk.len());
                let mut q = sqlx::query(AssertSqlSafe(sql));
                for n in chunk {
                    let (body, scope) = search_row(n);
                    terms.extend(vocabulary_words(&body).map(str::to_string));
                    q = q.bind(n.id.to_string()).bind(body).bind(scope);
                }
                q.execute(&mut *conn).await?;
            }
        }
        Engine::Postgres => {
            for n in notes {
                terms.extend(vocabulary_words(&search_text(n)).map(str::to_string));
            }
        }
    }
    insert_terms(conn, engine, terms).await
}

/// Adds words to the vocabulary. Sorted, so that concurrent writers of the same new words on
/// PostgreSQL wait for each other in one order instead of deadlocking.
async fn insert_terms(conn: &mut Conn, engine: Engine, mut terms: Vec<String>) -> Result<()> {
    terms.sort();
    terms.dedup();
    for chunk in terms.chunks(500) {
        let values = (1..=chunk.len())
            .map(|i| if engine == Engine::Sqlite { "(?)".to_string() } else { format!("(${i})") })
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!("INSERT INTO note_term (term) VALUES {values} ON CONFLICT (term) DO NOTHING");
        let q = chunk.iter().fold(sqlx::query(AssertSqlSafe(sql)), |q, t| q.bind(t.clone()));
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Writes the search index of every note already stored (the migration to the folded index),
/// in the order they were written, so that the index still answers newest first.
pub(crate) async fn backfill_search(conn: &mut Conn) -> Result<()> {
    let mut after = i64::MIN;
    loop {
        let sql = format!("SELECT n.rowid, {COLUMNS} FROM note n WHERE n.rowid > $1 ORDER BY n.rowid LIMIT 5000");
        let rows = sqlx::query(AssertSqlSafe(sql)).bind(after).fetch_all(&mut *conn).await?;
        let Some(last) = rows.last() else { return Ok(()) };
        after = last.try_get(0)?;
        let notes = rows.iter().map(|r| from_row_at(r, 1)).collect::<Result<Vec<_>>>()?;
        index_for_search(conn, Engine::Sqlite, &notes).await?;
    }
}

/// Writes the PostgreSQL search document and the vocabulary of every note already stored (the
/// migration to exact words with scope and month tokens), then builds the index: building it
/// once is much faster than updating it note by note.
pub(crate) async fn backfill_search_pg(conn: &mut Conn) -> Result<()> {
    let mut after = String::new();
    loop {
        let sql = format!("SELECT {COLUMNS} FROM note n WHERE n.id > $1 ORDER BY n.id LIMIT 5000");
        let rows = sqlx::query(AssertSqlSafe(sql)).bind(after.clone()).fetch_all(&mut *conn).await?;
        let Some(last) = rows.last() else { break };
        after = last.try_get(0)?;
        let notes = rows.iter().map(from_row).collect::<Result<Vec<_>>>()?;
        for chunk in notes.chunks(500) {
            let values = (0..chunk.len()).map(|i| format!("(${}, ${})", 2 * i + 1, 2 * i + 2)).collect::<Vec<_>>();
            let sql = format!(
                "UPDATE note SET search = array_to_tsvector(string_to_array(v.doc, ' ')) \
                 FROM (VALUES {}) AS v(id, doc) WHERE note.id = v.id",
                values.join(", ")
            );
            let q = chunk
                .iter()
                .fold(sqlx::query(AssertSqlSafe(sql)), |q, n| q.bind(n.id.to_string()).bind(pg_document(n)));
            q.execute(&mut *conn).await?;
        }
        index_for_search(conn, Engine::Postgres, &notes).await?;
    }
    // The default (64 MB) builds the index of a large logbook in many more passes.
    sqlx::query("SET LOCAL maintenance_work_mem = '256MB'").execute(&mut *conn).await?;
    sqlx::query("CREATE INDEX note_search ON note USING gin (search)").execute(&mut *conn).await?;
    sqlx::query("ANALYZE note").execute(&mut *conn).await?;
    Ok(())
}

/// Deletes the search index rows of every note of `persons` (SQLite): a contentless index forgets
/// a row only when told its exact tokens again. One pass over the index, whose note id is not
/// indexed (the join is forced in that order).
pub(crate) async fn unindex_for_search(conn: &mut Conn, persons: &[PersonId]) -> Result<()> {
    let notes = all_versions_of(conn, persons).await?;
    if notes.is_empty() {
        return Ok(());
    }
    let by_id: std::collections::HashMap<String, &Note> = notes.iter().map(|n| (n.id.to_string(), n)).collect();
    let sql = format!(
        "SELECT f.rowid, f.note_id FROM note_fts f CROSS JOIN note n ON n.id = f.note_id WHERE n.person_id IN ({})",
        placeholders(1, persons.len())
    );
    let q = persons.iter().fold(sqlx::query(AssertSqlSafe(sql)), |q, p| q.bind(p.to_string()));
    let rows = q.fetch_all(&mut *conn).await?;
    for r in rows {
        let note_id: String = r.try_get(1)?;
        let Some(n) = by_id.get(&note_id) else { continue };
        let rowid: i64 = r.try_get(0)?;
        let (body, scope) = search_row(n);
        sqlx::query("INSERT INTO note_fts (note_fts, rowid, note_id, body, scope) VALUES ('delete', $1, $2, $3, $4)")
            .bind(rowid)
            .bind(note_id)
            .bind(body)
            .bind(scope)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Every version of the notes of `persons`.
async fn all_versions_of(conn: &mut Conn, persons: &[PersonId]) -> Result<Vec<Note>> {
    if persons.is_empty() {
        return Ok(vec![]);
    }
    let sql = format!("SELECT {COLUMNS} FROM note n WHERE n.person_id IN ({})", placeholders(1, persons.len()));
    let q = persons.iter().fold(sqlx::query(AssertSqlSafe(sql)), |q, p| q.bind(p.to_string()));
    let rows = q.fetch_all(conn).await?;
    rows.iter().map(from_row).collect()
}

/// Marks the current version of a lineage as superseded. Returns false when `expected`
/// is no longer the current version (someone corrected it meanwhile).
pub async fn supersede(conn: &mut Conn, expected: NoteId) -> Result<bool> {
    let r = sqlx::query("UPDATE note SET is_current = 0 WHERE id = $1 AND is_current = 1")
        .bind(expected.to_string())
        .execute(conn)
        .await?;
    Ok(r.rows_affected() == 1)
}

pub async fn note(conn: &mut Conn, org: OrganisationId, note: NoteId) -> Result<Option<Note>> {
    let sql = format!("SELECT {COLUMNS} FROM note n WHERE n.id = $1 AND n.organisation_id = $2");
    let r = sqlx::query(AssertSqlSafe(sql)).bind(note.to_string()).bind(org.to_string()).fetch_optional(conn).await?;
    r.as_ref().map(from_row).transpose()
}

/// Every version of a lineage, oldest first.
pub async fn history(conn: &mut Conn, org: OrganisationId, lineage: NoteId) -> Result<Vec<Note>> {
    let sql =
        format!("SELECT {COLUMNS} FROM note n WHERE n.lineage_id = $1 AND n.organisation_id = $2 ORDER BY n.version");
    let rows = sqlx::query(AssertSqlSafe(sql)).bind(lineage.to_string()).bind(org.to_string()).fetch_all(conn).await?;
    rows.iter().map(from_row).collect()
}

fn category_list(categories: &[Category], first: usize) -> (String, Vec<&'static str>) {
    (placeholders(first, categories.len()), categories.iter().map(|c| c.code()).collect())
}

/// Current notes of a person in the given categories recorded in [from, to), newest first.
pub async fn for_person(
    conn: &mut Conn,
    person: PersonId,
    categories: &[Category],
    (from, to): (Micros, Micros),
    limit: i64,
) -> Result<Vec<Note>> {
    if categories.is_empty() {
        return Ok(vec![]);
    }
    let (list, codes) = category_list(categories, 5);
    let sql = format!(
        "SELECT {COLUMNS} FROM note n WHERE n.person_id = $1 AND n.is_current = 1 AND n.recorded_at >= $3 AND n.recorded_at < $4 \
         AND n.category IN ({list}) ORDER BY n.recorded_at DESC LIMIT $2"
    );
    let mut q = sqlx::query(AssertSqlSafe(sql)).bind(person.to_string()).bind(limit).bind(from).bind(to);
    for c in codes {
        q = q.bind(c);
    }
    let rows = q.fetch_all(conn).await?;
    rows.iter().map(from_row).collect()
}

/// Current notes written in a unit since `since`, newest first, with the person's id.
pub async fn for_unit(
    conn: &mut Conn,
    unit: UnitId,
    since: Micros,
    categories: &[Category],
    limit: i64,
) -> Result<Vec<Note>> {
    if categories.is_empty() {
        return Ok(vec![]);
    }
    let (list, codes) = category_list(categories, 4);
    let sql = format!(
        "SELECT {COLUMNS} FROM note n WHERE n.unit_id = $1 AND n.is_current = 1 AND n.recorded_at >= $2 AND n.category IN ({list}) \
         ORDER BY n.recorded_at DESC LIMIT $3"
    );
    let mut q = sqlx::query(AssertSqlSafe(sql)).bind(unit.to_string()).bind(since).bind(limit);
    for c in codes {
        q = q.bind(c);
    }
    let rows = q.fetch_all(conn).await?;
    rows.iter().map(from_row).collect()
}

/// A full-text search over current notes. Words match by prefix, accents and case ignored.
#[derive(Debug, Clone)]
pub struct NoteSearch {
    /// Folded words (`text::fold`), each made of letters and digits only.
    pub words: Vec<String>,
    pub categories: Vec<Category>,
    pub establishments: Vec<EstablishmentId>,
    /// Only notes recorded from then on.
    pub since: Option<Micros>,
    /// The time of the search: PostgreSQL reads the newest months first.
    pub now: Micros,
    pub limit: i64,
}

/// What one typed word is searched as.
enum Expansion {
    /// The words of the vocabulary it begins.
    Terms(Vec<String>),
    /// Too many of those: the word as a prefix, which the index merges itself.
    Prefix,
}

/// Each typed word as the words of the vocabulary it begins; `None` when one begins none (the
/// search then finds nothing).
async fn expand(conn: &mut Conn, words: &[&str]) -> Result<Option<Vec<Expansion>>> {
    let mut out = Vec::new();
    for w in words {
        let terms: Vec<String> =
            sqlx::query("SELECT term FROM note_term WHERE term >= $1 AND term < $2 ORDER BY term LIMIT $3")
                .bind(w.to_string())
                .bind(format!("{w}\u{10FFFF}"))
                .bind(MAX_EXPANSION as i64 + 1)
                .fetch_all(&mut *conn)
                .await?
                .iter()
                .map(|r| r.try_get(0))
                .collect::<std::result::Result<_, _>>()?;
        match terms.len() {
            0 => return Ok(None),
            n if n > MAX_EXPANSION => out.push(Expansion::Prefix),
            _ => out.push(Expansion::Terms(terms)),
        }
    }
    Ok(Some(out))
}

/// Most scope tokens one PostgreSQL search names: GIN's consistent function walks them all for
/// each candidate note. A wider scope (a director of many establishments) is searched by its
/// categories, and the establishments are checked on the notes.
const PG_MAX_SCOPE_TOKENS: usize = 64;

/// Notes matching every word, newest first, within the given categories and establishments.
pub async fn search(conn: &mut Conn, org: OrganisationId, s: &NoteSearch) -> Result<Vec<Note>> {
    let words: Vec<&str> = s
        .words
        .iter()
        .map(String::as_str)
        .filter(|w| !w.is_empty() && w.chars().all(char::is_alphanumeric))
        .take(8)
        .collect();
    if words.is_empty() || s.categories.is_empty() || s.establishments.is_empty() {
        return Ok(vec![]);
    }
    // Each word is searched as the words of the index it begins (the vocabulary): the index then
    // skips through each word's list instead of merging every list a prefix begins beforehand.
    let Some(expansions) = expand(conn, &words).await? else { return Ok(vec![]) };
    let (cats, codes) = category_list(&s.categories, 4);
    let ests = placeholders(4 + codes.len(), s.establishments.len());
    let since = 4 + codes.len() + s.establishments.len();
    let filter = format!(
        "n.organisation_id = $2 AND n.is_current = 1 AND n.category IN ({cats}) AND n.establishment_id IN ({ests}) AND n.recorded_at >= ${since}"
    );
    let limit = s.limit.clamp(1, 1000);
    let bind_filter = |q: AnyQuery<'static>| {
        let q = codes.iter().fold(q.bind(org.to_string()).bind(limit), |q, c| q.bind(*c));
        s.establishments.iter().fold(q, |q, e| q.bind(e.to_string())).bind(s.since.unwrap_or(i64::MIN))
    };
    if engine_of(conn) == Engine::Sqlite {
        let mut clauses = Vec::new();
        for (w, e) in words.iter().zip(&expansions) {
            match e {
                Expansion::Prefix => clauses.push(format!("\"{w}\"*")),
                Expansion::Terms(terms) => clauses
                    .push(format!("({})", terms.iter().map(|t| format!("\"{t}\"")).collect::<Vec<_>>().join(" OR "))),
            }
        }
        let body = clauses.join(" AND ");
        // Same tokens as `search_row`: the establishment alone when every category is readable.
        let all = Category::ALL.iter().all(|c| s.categories.contains(c));
        let mut scope = Vec::new();
        for e in &s.establishments {
            let est = e.to_string().replace('-', "");
            if all {
                scope.push(format!("\"e{est}\""));
            } else {
                scope.extend(s.categories.iter().map(|c| format!("\"{}\"", pair_token(&est, *c))));
            }
        }
        let q = format!("body : ({body}) AND scope : ({})", scope.join(" OR "));
        let sql = format!(
            "SELECT {COLUMNS} FROM (SELECT note_id, rowid AS r FROM note_fts WHERE note_fts MATCH $1 ORDER BY rowid DESC) f \
             JOIN note n ON n.id = f.note_id WHERE {filter} ORDER BY f.r DESC LIMIT $3"
        );
        let rows = bind_filter(sqlx::query(AssertSqlSafe(sql)).bind(q)).fetch_all(conn).await?;
        return rows.iter().map(from_row).collect();
    }

    // PostgreSQL: a GIN index answers in no order, with every match, so the period is read in
    // steps, newest first, until enough notes are found. The months, the scope and the words
    // are three conditions on the one index, which GIN intersects by skipping through each list
    // to the next candidate of the others, starting again from the first condition each time
    // they disagree. One month first makes it jump straight to the window; the many months of
    // the last step come last, where they are only checked on notes that match the rest (first,
    // each restart would move every month's list: 45 instead of 12 ms for a word the reader may
    // not read, bench/README.md). In one query GIN would instead read whole the group whose
    // lists are individually shortest (the scope's or the months'), and a prefix (`word:*`)
    // would merge every list it begins beforehand. The index conditions are kept apart from the
    // others (`OFFSET 0`): the planner otherwise also ANDs in the establishment's B-tree, which
    // only adds its reading.
    let words_q = words
        .iter()
        .zip(&expansions)
        .map(|(w, e)| match e {
            Expansion::Prefix => format!("'{w}':*"),
            Expansion::Terms(terms) => {
                format!("({})", terms.iter().map(|t| format!("'{t}'")).collect::<Vec<_>>().join(" | "))
            }
        })
        .collect::<Vec<_>>()
        .join(" & ");
    let scope_q = pg_scope_query(&s.establishments, &s.categories);
    let mut found: Vec<Note> = Vec::new();
    for w in pg_windows(s.since, s.now) {
        let (months, scope) = (w.months.as_ref().map(Key::Param), scope_q.as_ref().map(Key::Param));
        let order = if w.months_first { [months, scope, Some(Key::Words)] } else { [scope, Some(Key::Words), months] };
        let mut conds = Vec::new();
        let mut keys = Vec::new();
        for key in order.into_iter().flatten() {
            match key {
                Key::Words => conds.push("n.search @@ CAST($1 AS tsquery)".to_string()),
                Key::Param(q) => {
                    keys.push(q);
                    conds.push(format!("n.search @@ CAST(${} AS tsquery)", since + keys.len()));
                }
            }
        }
        let next = since + 1 + keys.len();
        let sql = format!(
            "SELECT {COLUMNS} FROM (SELECT * FROM note n WHERE {} OFFSET 0) n \
             WHERE {filter} AND n.recorded_at >= ${next} AND n.recorded_at < ${} ORDER BY n.recorded_at DESC LIMIT $3",
            conds.join(" AND "),
            next + 1
        );
        let mut q = bind_filter(sqlx::query(AssertSqlSafe(sql)).bind(words_q.clone()));
        for key in keys {
            q = q.bind(key.clone());
        }
        let rows = q.bind(w.from).bind(w.until).fetch_all(&mut *conn).await?;
        for r in &rows {
            found.push(from_row(r)?);
        }
        if found.len() as i64 >= limit {
            found.truncate(limit as usize);
            break;
        }
    }
    Ok(found)
}

/// A condition of a PostgreSQL search step: the words (always `$1`) or a bound `tsquery`.
enum Key<'a> {
    Words,
    Param(&'a String),
}

/// The scope part of a PostgreSQL search (tokens of `pg_document`): the establishments when
/// every category is readable, else each establishment with each category; by categories alone
/// when that makes too many tokens; `None` when no condition would narrow it enough.
fn pg_scope_query(establishments: &[EstablishmentId], categories: &[Category]) -> Option<String> {
    let all = Category::ALL.iter().all(|c| categories.contains(c));
    let tokens: Vec<String> = if all {
        if establishments.len() > PG_MAX_SCOPE_TOKENS {
            return None;
        }
        establishments.iter().map(|e| format!("'#e{e}'")).collect()
    } else if establishments.len() * categories.len() <= PG_MAX_SCOPE_TOKENS {
        establishments.iter().flat_map(|e| categories.iter().map(move |c| format!("'#p{e}{}'", c.code()))).collect()
    } else {
        categories.iter().map(|c| format!("'#c{}'", c.code())).collect()
    };
    Some(tokens.join(" | "))
}

/// One step of a PostgreSQL search: notes recorded in [from, until), whose month tokens are in
/// `months` (none: no month condition).
#[derive(Debug, PartialEq)]
struct Window {
    from: Micros,
    until: Micros,
    months: Option<String>,
    /// The months are the first condition (one month) or the last (many).
    months_first: bool,
}

/// Months of history searched in one step, beyond which the step has no month condition.
const PG_MAX_WINDOW_MONTHS: i64 = 24;

/// Months ahead of the current one the first step also reads: a note is recorded at the time of
/// its writing, so only a clock set back by more than that could hide one.
const PG_MONTHS_AHEAD: i64 = 12;

/// The steps of a PostgreSQL search, newest first: the current month (and any later one), the
/// month before, then the rest of the period (no month condition beyond `PG_MAX_WINDOW_MONTHS`
/// or without a period: the notes' times are checked on the notes).
fn pg_windows(since: Option<Micros>, now: Micros) -> Vec<Window> {
    let since = since.unwrap_or(i64::MIN);
    let current = month_index(now);
    let months =
        |from: i64, to: i64| -> String { (from..=to).map(|m| format!("'#m{m}'")).collect::<Vec<_>>().join(" | ") };
    let mut out = vec![Window {
        from: since.max(month_start(current)),
        until: i64::MAX,
        months: Some(months(current, current + PG_MONTHS_AHEAD)),
        months_first: true,
    }];
    let previous = current - 1;
    if since < month_start(current) {
        out.push(Window {
            from: since.max(month_start(previous)),
            until: month_start(current),
            months: Some(months(previous, previous)),
            months_first: true,
        });
    }
    if since < month_start(previous) {
        let first = if since == i64::MIN { None } else { Some(month_index(since)) };
        out.push(Window {
            from: since,
            until: month_start(previous),
            months: first.filter(|f| previous - f <= PG_MAX_WINDOW_MONTHS).map(|f| months(f, previous - 1)),
            months_first: false,
        });
    }
    out
}

/// Records that `account` has read a note (any version of its lineage). Reading twice keeps the
/// first time.
pub async fn mark_read(conn: &mut Conn, lineage: NoteId, account: AccountId, at: Micros) -> Result<bool> {
    let r = sqlx::query(
        "INSERT INTO note_read (lineage_id, account_id, read_at) VALUES ($1, $2, $3) ON CONFLICT (lineage_id, account_id) DO NOTHING",
    )
    .bind(lineage.to_string())
    .bind(account.to_string())
    .bind(at)
    .execute(conn)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Read receipts of the given lineages: (lineage, reader, when), oldest first.
pub async fn receipts(conn: &mut Conn, lineages: &[NoteId]) -> Result<Vec<(NoteId, AccountId, Micros)>> {
    if lineages.is_empty() {
        return Ok(vec![]);
    }
    let sql = format!(
        "SELECT lineage_id, account_id, read_at FROM note_read WHERE lineage_id IN ({}) ORDER BY read_at",
        placeholders(1, lineages.len())
    );
    let q = lineages.iter().fold(sqlx::query(AssertSqlSafe(sql)), |q, l| q.bind(l.to_string()));
    let rows = q.fetch_all(conn).await?;
    rows.iter()
        .map(|r| {
            Ok((
                id(&r.try_get::<String, _>(0)?, "note lineage")?,
                id(&r.try_get::<String, _>(1)?, "account id")?,
                r.try_get(2)?,
            ))
        })
        .collect()
}

/// Where a reader works: units, and establishments where the grant covers every unit.
#[derive(Debug, Clone, Default)]
pub struct Places {
    pub units: Vec<UnitId>,
    pub establishments: Vec<EstablishmentId>,
}

/// Current notes written in `places` since `since`, in `categories`, newest first.
pub async fn written_in(
    conn: &mut Conn,
    org: OrganisationId,
    places: &Places,
    categories: &[Category],
    since: Micros,
    limit: i64,
) -> Result<Vec<Note>> {
    if categories.is_empty() || (places.units.is_empty() && places.establishments.is_empty()) {
        return Ok(vec![]);
    }
    let (cats, codes) = category_list(categories, 4);
    let mut next = 4 + codes.len();
    let mut scope = Vec::new();
    if !places.units.is_empty() {
        scope.push(format!("n.unit_id IN ({})", placeholders(next, places.units.len())));
        next += places.units.len();
    }
    if !places.establishments.is_empty() {
        scope.push(format!("n.establishment_id IN ({})", placeholders(next, places.establishments.len())));
    }
    let sql = format!(
        "SELECT {COLUMNS} FROM note n WHERE n.organisation_id = $1 AND n.recorded_at >= $2 AND n.is_current = 1 \
         AND n.category IN ({cats}) AND ({}) ORDER BY n.recorded_at DESC LIMIT $3",
        scope.join(" OR ")
    );
    let mut q = sqlx::query(AssertSqlSafe(sql)).bind(org.to_string()).bind(since).bind(limit);
    for c in codes {
        q = q.bind(c);
    }
    for u in &places.units {
        q = q.bind(u.to_string());
    }
    for e in &places.establishments {
        q = q.bind(e.to_string());
    }
    let rows = q.fetch_all(conn).await?;
    rows.iter().map(from_row).collect()
}

/// Has a current note with this target been written on the person since `since`?
pub async fn recent_with_target(conn: &mut Conn, person: PersonId, target: &str, since: Micros) -> Result<bool> {
    let r = sqlx::query(
        "SELECT COUNT(*) FROM note n WHERE n.person_id = $1 AND n.is_current = 1 AND n.recorded_at >= $2 AND n.target = $3",
    )
    .bind(person.to_string())
    .bind(since)
    .bind(target)
    .fetch_one(conn)
    .await?;
    Ok(r.try_get::<i64, _>(0)? > 0)
}

/// Records the mentions of a note, filed under its lineage and establishment.
pub async fn insert_mentions(conn: &mut Conn, org: OrganisationId, note: &Note, mentions: &[Mention]) -> Result<()> {
    for m in mentions {
        let (account, profile) = match m {
            Mention::Colleague(a) => (Some(a.to_string()), None),
            Mention::Team(p) => (None, Some(p.code())),
        };
        sqlx::query(
            "INSERT INTO note_mention (note_lineage_id, organisation_id, establishment_id, account_id, profile, recorded_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(note.lineage_id.to_string())
        .bind(org.to_string())
        .bind(note.establishment_id.map(|e| e.to_string()))
        .bind(account)
        .bind(profile)
        .bind(note.recorded_at)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// A mention as read back, with the colleague's name.
#[derive(Debug, Clone)]
pub struct MentionRow {
    pub lineage_id: NoteId,
    pub establishment_id: Option<EstablishmentId>,
    pub mention: Mention,
    /// The colleague's name (empty for a team).
    pub name: String,
}

/// The mentions of the given lineages.
pub async fn mentions_of(conn: &mut Conn, lineages: &[NoteId]) -> Result<Vec<MentionRow>> {
    if lineages.is_empty() {
        return Ok(vec![]);
    }
    let sql = format!(
        "SELECT m.note_lineage_id, m.establishment_id, m.account_id, m.profile, p.given_name, p.family_name \
         FROM note_mention m LEFT JOIN account a ON a.id = m.account_id \
         LEFT JOIN professional p ON p.id = a.professional_id WHERE m.note_lineage_id IN ({})",
        placeholders(1, lineages.len())
    );
    let q = lineages.iter().fold(sqlx::query(AssertSqlSafe(sql)), |q, l| q.bind(l.to_string()));
    let rows = q.fetch_all(conn).await?;
    rows.iter()
        .map(|r| {
            let account: Option<AccountId> = opt_id(r.try_get(2)?, "account id")?;
            let profile: Option<String> = r.try_get(3)?;
            let mention = match (account, profile) {
                (Some(a), None) => Mention::Colleague(a),
                (None, Some(p)) => Mention::Team(Profile::from_code(&p).ok_or_else(|| corrupt("mention profile"))?),
                _ => return Err(corrupt("mention")),
            };
            let given: Option<String> = r.try_get(4)?;
            let family: Option<String> = r.try_get(5)?;
            Ok(MentionRow {
                lineage_id: id(&r.try_get::<String, _>(0)?, "note lineage")?,
                establishment_id: opt_id(r.try_get(1)?, "establishment id")?,
                mention,
                name: match (given, family) {
                    (Some(g), Some(f)) => format!("{g} {f}"),
                    _ => String::new(),
                },
            })
        })
        .collect()
}

/// Current notes brought since `since` to `account`, or to one of `teams` (a profile in an
/// establishment), newest first. The mentions are read first, through their own time index.
pub async fn mentioning(
    conn: &mut Conn,
    org: OrganisationId,
    account: AccountId,
    teams: &[(EstablishmentId, Profile)],
    since: Micros,
    limit: i64,
) -> Result<Vec<Note>> {
    let mut who = vec!["m.account_id = $3 AND m.recorded_at >= $2".to_string()];
    for i in 0..teams.len() {
        who.push(format!(
            "(m.establishment_id = ${} AND m.profile = ${} AND m.recorded_at >= $2)",
            5 + 2 * i,
            6 + 2 * i
        ));
    }
    let sql = format!(
        "SELECT {COLUMNS} FROM note n WHERE n.organisation_id = $1 AND n.is_current = 1 \
         AND n.lineage_id IN (SELECT m.note_lineage_id FROM note_mention m WHERE {}) \
         ORDER BY n.recorded_at DESC LIMIT $4",
        who.join(" OR ")
    );
    let mut q = sqlx::query(AssertSqlSafe(sql)).bind(org.to_string()).bind(since).bind(account.to_string()).bind(limit);
    for (e, p) in teams {
        q = q.bind(e.to_string()).bind(p.code());
    }
    let rows = q.fetch_all(conn).await?;
    rows.iter().map(from_row).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(y: i16, m: i8, d: i8) -> Micros {
        jiff::tz::TimeZone::UTC
            .to_timestamp(jiff::civil::date(y, m, d).to_datetime(jiff::civil::Time::midnight()))
            .unwrap()
            .as_microsecond()
    }

    #[test]
    fn months_follow_the_civil_calendar() {
        for (y, m) in [(1970, 1), (2000, 2), (2024, 2), (2024, 3), (2026, 11), (2026, 12), (2027, 1), (1900, 3)] {
            let start = utc(y, m, 1);
            let index = month_index(start);
            assert_eq!(index, i64::from(y) * 12 + i64::from(m) - 1, "{y}-{m}");
            assert_eq!(month_start(index), start, "{y}-{m}");
            assert_eq!(month_index(start - 1), index - 1, "the last microsecond of the month before {y}-{m}");
        }
        // Every day of four years, leap years included, falls in its own month.
        let mut day = jiff::civil::date(2023, 1, 1);
        while day.year() < 2027 {
            let t = utc(day.year(), day.month(), day.day()) + 86_399_999_999;
            assert_eq!(month_index(t), i64::from(day.year()) * 12 + i64::from(day.month()) - 1, "{day}");
            day = day.tomorrow().unwrap();
        }
    }

    #[test]
    fn windows_cover_the_period_once_newest_first() {
        let now = utc(2026, 11, 26);
        let nov = month_index(now);
        let year = now - 365 * 86_400_000_000;
        let w = pg_windows(Some(year), now);
        assert_eq!(w.len(), 3);
        assert_eq!((w[0].from, w[0].until), (utc(2026, 11, 1), i64::MAX));
        assert_eq!((w[1].from, w[1].until), (utc(2026, 10, 1), utc(2026, 11, 1)));
        assert_eq!((w[2].from, w[2].until), (year, utc(2026, 10, 1)));
        assert!(w[0].months.as_deref().unwrap().starts_with(&format!("'#m{nov}' | ")));
        assert_eq!(w[1].months.as_deref(), Some(format!("'#m{}'", nov - 1).as_str()));
        assert!(w[0].months_first && w[1].months_first && !w[2].months_first);
        let rest = w[2].months.as_deref().unwrap();
        assert!(
            rest.starts_with(&format!("'#m{}'", nov - 12)) && rest.ends_with(&format!("'#m{}'", nov - 2)),
            "{rest}"
        );
        // A period within the month is one step; no period reads everything before last month.
        assert_eq!(pg_windows(Some(utc(2026, 11, 20)), now).len(), 1);
        let all = pg_windows(None, now);
        assert_eq!((all[2].from, all[2].until, all[2].months.as_deref()), (i64::MIN, utc(2026, 10, 1), None));
    }

    #[test]
    fn the_scope_is_named_exactly_unless_too_wide() {
        let ests: Vec<EstablishmentId> = (0..70u128).map(|i| EstablishmentId(uuid::Uuid::from_u128(i))).collect();
        let aide = [Category::NursingCare, Category::Medication];
        let count = |q: Option<String>| q.map(|q| q.split(" | ").count());
        assert_eq!(pg_scope_query(&ests[..1], &Category::ALL), Some(format!("'#e{}'", ests[0])));
        assert_eq!(
            pg_scope_query(&ests[..1], &aide),
            Some(format!("'#p{0}nursing_care' | '#p{0}medication'", ests[0]))
        );
        assert_eq!(count(pg_scope_query(&ests[..32], &aide)), Some(64));
        assert_eq!(pg_scope_query(&ests[..33], &aide), Some("'#cnursing_care' | '#cmedication'".to_string()));
        assert_eq!(count(pg_scope_query(&ests[..64], &Category::ALL)), Some(64));
        assert_eq!(pg_scope_query(&ests, &Category::ALL), None);
    }

    #[test]
    fn documents_hold_folded_words_and_tokens_no_word_can_be() {
        let e = EstablishmentId(uuid::Uuid::nil());
        let n = Note {
            id: NoteId(uuid::Uuid::nil()),
            person_id: PersonId(uuid::Uuid::nil()),
            establishment_id: Some(e),
            unit_id: None,
            lineage_id: NoteId(uuid::Uuid::nil()),
            version: 1,
            is_current: true,
            content: NoteContent {
                category: Category::NursingCare,
                text: format!("Œdème, l'hôpital {}ж", "a".repeat(2046)),
                target: Some("Chute".into()),
                data: None,
                action: None,
                result: None,
            },
            importance: Importance::Normal,
            correction_reason: None,
            author_id: AccountId(uuid::Uuid::nil()),
            author_label: String::new(),
            recorded_at: utc(2026, 11, 26),
        };
        let doc = pg_document(&n);
        let lexemes: Vec<&str> = doc.split(' ').collect();
        assert_eq!(&lexemes[..4], ["chute", "oedeme", "l", "hopital"]);
        // A word longer than a lexeme keeps its beginning, cut on a character.
        assert!(lexemes[4] == "a".repeat(2046), "{} bytes", lexemes[4].len());
        assert_eq!(
            &lexemes[5..],
            [
                format!("#e{e}"),
                format!("#p{e}nursing_care"),
                "#cnursing_care".to_string(),
                format!("#m{}", month_index(n.recorded_at))
            ]
        );
        assert!(lexemes.iter().all(|l| !l.is_empty()));
    }
}
