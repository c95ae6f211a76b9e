//! Logbook notes: versions of a lineage, a person's notes, a unit's recent notes.

use crate::bulk::{AnyQuery, multi_insert};
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

/// Binds one note's values in the order of `INSERT_COLUMNS`.
pub(crate) fn bind_note<'q>(q: AnyQuery<'q>, org: OrganisationId, n: &Note) -> AnyQuery<'q> {
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

pub async fn insert(conn: &mut Conn, org: OrganisationId, n: &Note) -> Result<()> {
    let engine = if conn.backend_name() == "SQLite" { Engine::Sqlite } else { Engine::Postgres };
    let sql = multi_insert(engine, "note", INSERT_COLUMNS, 1);
    bind_note(sqlx::query(AssertSqlSafe(sql)), org, n).execute(&mut *conn).await?;
    if engine == Engine::Sqlite {
        index_for_search(conn, std::slice::from_ref(n)).await?;
    }
    Ok(())
}

/// Most words of the vocabulary one typed word stands for; beyond, the index merges them itself.
const MAX_EXPANSION: usize = 40;

/// Longest word kept in the search vocabulary; longer ones are still indexed.
const MAX_TERM_CHARS: usize = 64;

/// A note's row of the SQLite search index: its text folded as searches are, and its scope
/// tokens (the establishment; the establishment with the category).
pub(crate) fn search_row(n: &Note) -> (String, String) {
    let c = &n.content;
    let parts = [c.target.as_deref(), c.data.as_deref(), c.action.as_deref(), c.result.as_deref(), Some(&c.text)];
    let text = parts.into_iter().flatten().filter(|p| !p.is_empty()).collect::<Vec<_>>().join(" ");
    let est = n.establishment_id.map(|e| e.to_string().replace('-', "")).unwrap_or_else(|| "none".into());
    (fold(&text), scope_tokens(&est, n.content.category))
}

fn scope_tokens(est: &str, category: Category) -> String {
    format!("e{est} {}", pair_token(est, category))
}

fn pair_token(est: &str, category: Category) -> String {
    format!("x{est}c{}", category.code().replace('_', ""))
}

/// Writes the search index rows and the new vocabulary of notes (SQLite), in their order.
pub(crate) async fn index_for_search(conn: &mut Conn, notes: &[Note]) -> Result<()> {
    let mut terms: Vec<String> = Vec::new();
    for chunk in notes.chunks(300) {
        let sql = multi_insert(Engine::Sqlite, "note_fts", &["note_id", "body", "scope"], chunk.len());
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for n in chunk {
            let (body, scope) = search_row(n);
            terms.extend(
                body.split(' ').filter(|t| !t.is_empty() && t.chars().count() <= MAX_TERM_CHARS).map(str::to_string),
            );
            q = q.bind(n.id.to_string()).bind(body).bind(scope);
        }
        q.execute(&mut *conn).await?;
    }
    terms.sort();
    terms.dedup();
    for chunk in terms.chunks(500) {
        let values = vec!["(?)"; chunk.len()].join(", ");
        let sql = format!("INSERT OR IGNORE INTO note_term (term) VALUES {values}");
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
        index_for_search(conn, &notes).await?;
    }
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
    pub limit: i64,
}

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
    let sqlite = conn.backend_name() == "SQLite";
    let (cats, codes) = category_list(&s.categories, 4);
    let ests = placeholders(4 + codes.len(), s.establishments.len());
    let since = format!("${}", 4 + codes.len() + s.establishments.len());
    let filter = format!(
        "n.organisation_id = $2 AND n.is_current = 1 AND n.category IN ({cats}) AND n.establishment_id IN ({ests}) AND n.recorded_at >= {since}"
    );
    let (sql, query) = if sqlite {
        // Each word is searched as the words of the index it begins (the vocabulary), so that the
        // index answers newest first and the first matches within scope end the walk; a word
        // that begins none finds nothing.
        let mut clauses = Vec::new();
        for w in &words {
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
                0 => return Ok(vec![]),
                n if n > MAX_EXPANSION => clauses.push(format!("\"{w}\"*")),
                _ => clauses
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
        (
            format!(
                "SELECT {COLUMNS} FROM (SELECT note_id, rowid AS r FROM note_fts WHERE note_fts MATCH $1 ORDER BY rowid DESC) f \
                 JOIN note n ON n.id = f.note_id WHERE {filter} ORDER BY f.r DESC LIMIT $3"
            ),
            q,
        )
    } else {
        let q = words.iter().map(|w| format!("{w}:*")).collect::<Vec<_>>().join(" & ");
        (
            format!(
                "SELECT {COLUMNS} FROM note n WHERE n.search @@ to_tsquery('french', $1) \
                 AND {filter} ORDER BY n.recorded_at DESC LIMIT $3"
            ),
            q,
        )
    };
    let mut q = sqlx::query(AssertSqlSafe(sql)).bind(query).bind(org.to_string()).bind(s.limit.clamp(1, 1000));
    for c in codes {
        q = q.bind(c);
    }
    for e in &s.establishments {
        q = q.bind(e.to_string());
    }
    let rows = q.bind(s.since.unwrap_or(i64::MIN)).fetch_all(conn).await?;
    rows.iter().map(from_row).collect()
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
