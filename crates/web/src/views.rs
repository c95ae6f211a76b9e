//! View models: what the templates show, already formatted in French.

use jiff::Timestamp;
use jiff::tz::TimeZone;
use relais_app::Actor;
use relais_app::store::notes::Note;
use relais_app::store::persons::Person;
use relais_domain::access::{Profile, may_administer};

/// The header: who is logged in.
#[derive(Debug, Clone)]
pub struct Nav {
    pub name: String,
    pub csrf: String,
    pub is_admin: bool,
}

impl Nav {
    pub fn of(actor: &Actor, csrf: &str, today: jiff::civil::Date) -> Self {
        let name = match &actor.principal {
            relais_app::Principal::Staff { display_name, grants, .. } => {
                let profiles: Vec<&str> = {
                    let mut p: Vec<Profile> = grants.iter().filter(|g| g.is_active(today)).map(|g| g.profile).collect();
                    p.sort();
                    p.dedup();
                    p.into_iter().map(|p| p.label()).collect()
                };
                format!("{display_name} ({})", profiles.join(", "))
            }
            relais_app::Principal::ApiClient { name, .. } => name.clone(),
        };
        Self { name, csrf: csrf.to_string(), is_admin: may_administer(actor.grants(), today) }
    }
}

/// The identity banner (RNIV display rules: birth name, first birth first name, date of birth,
/// sex, used name, status; the INS only for a qualified identity).
pub struct Banner {
    pub id: String,
    pub birth_name: String,
    pub first_first_name: String,
    pub used: Option<String>,
    pub birth_date: String,
    pub sex: &'static str,
    pub sex_label: &'static str,
    pub status_code: &'static str,
    pub status_label: &'static str,
    pub ins: Option<String>,
}

impl Banner {
    pub fn of(p: &Person) -> Self {
        let used = match (&p.used.used_name, &p.used.used_first_name) {
            (None, None) => None,
            (n, f) => Some(
                format!("{} {}", n.as_deref().unwrap_or(&p.traits.birth_name), f.as_deref().unwrap_or(""))
                    .trim()
                    .to_string(),
            ),
        };
        Self {
            id: p.id.to_string(),
            birth_name: p.traits.birth_name.to_uppercase(),
            first_first_name: p.traits.first_first_name().to_string(),
            used,
            birth_date: p.traits.birth_date.to_string(),
            sex: p.traits.sex.code(),
            sex_label: p.traits.sex.label(),
            status_code: p.status.code(),
            status_label: p.status.label(),
            ins: p
                .ins
                .as_ref()
                .filter(|_| p.status.may_emit_ins())
                .map(|i| format!("{} ({})", i.matricule.as_str(), i.authority.type_code())),
        }
    }
}

/// A line of a person list.
pub struct PersonRow {
    pub id: String,
    pub birth_name: String,
    pub first_first_name: String,
    pub used: Option<String>,
    pub birth_date: String,
    pub sex: &'static str,
    pub status_code: &'static str,
    pub status_label: &'static str,
    pub where_: String,
}

impl PersonRow {
    pub fn of(p: &Person, where_: String) -> Self {
        let b = Banner::of(p);
        Self {
            id: b.id,
            birth_name: b.birth_name,
            first_first_name: b.first_first_name,
            used: b.used,
            birth_date: b.birth_date,
            sex: b.sex,
            status_code: b.status_code,
            status_label: b.status_label,
            where_,
        }
    }
}

/// `26/11/2026 14:05` in Europe/Paris.
pub fn when(micros: i64, tz: &TimeZone) -> String {
    Timestamp::from_microsecond(micros)
        .map(|t| tz.to_datetime(t).strftime("%d/%m/%Y %H:%M").to_string())
        .unwrap_or_default()
}

pub fn french_date(d: jiff::civil::Date) -> String {
    d.strftime("%d/%m/%Y").to_string()
}

pub struct NoteView {
    pub id: String,
    pub person_id: String,
    pub person: String,
    pub when: String,
    pub author: String,
    pub category: &'static str,
    pub version: i32,
    pub current: bool,
    pub text: String,
    pub target: Option<String>,
    pub data: Option<String>,
    pub action: Option<String>,
    pub result: Option<String>,
    pub has_dar: bool,
    pub reason: Option<String>,
    pub correctable: bool,
    /// "à lire" or "alerte"; empty for a normal note.
    pub importance: &'static str,
    pub alert: bool,
}

impl NoteView {
    pub fn of(n: &Note, person: Option<&Person>, tz: &TimeZone, correctable: bool) -> Self {
        Self {
            id: n.id.to_string(),
            person_id: n.person_id.to_string(),
            person: person
                .map(|p| format!("{} {}", p.traits.birth_name.to_uppercase(), p.traits.first_first_name()))
                .unwrap_or_default(),
            when: when(n.recorded_at, tz),
            author: n.author_label.clone(),
            category: n.content.category.label(),
            version: n.version,
            current: n.is_current,
            text: n.content.text.clone(),
            target: n.content.target.clone(),
            data: n.content.data.clone(),
            action: n.content.action.clone(),
            result: n.content.result.clone(),
            has_dar: n.content.data.is_some() || n.content.action.is_some() || n.content.result.is_some(),
            reason: n.correction_reason.clone(),
            correctable,
            importance: if n.importance.wants_receipts() { n.importance.label() } else { "" },
            alert: n.importance == relais_domain::note::Importance::Alert,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Banner;
    use relais_app::store::persons::Person;
    use relais_domain::date::BirthDate;
    use relais_domain::identity::{IdentityStatus, Sex, StrictTraits, UsedNames};
    use relais_domain::ids::{OrganisationId, PersonId};
    use relais_domain::ins::Ins;

    fn person(status: IdentityStatus) -> Person {
        let bd = BirthDate::parse("1936-06-21", jiff::civil::date(2026, 1, 1)).unwrap();
        Person {
            id: PersonId::generate(),
            organisation_id: OrganisationId::generate(),
            registered_at: None,
            traits: StrictTraits::new("TCHITCHI", "CATARINA BELLA", bd, Sex::Female, None).unwrap(),
            used: UsedNames::default(),
            status,
            ins: Some(Ins::parse("236066322083656", "1.2.250.1.213.1.4.10").unwrap()),
            created_at: 0,
            updated_at: 0,
        }
    }

    /// The banner is the HTML output path of the INS: shown only for a qualified identity.
    #[test]
    fn banner_shows_the_ins_only_when_qualified() {
        for status in [IdentityStatus::Provisional, IdentityStatus::Retrieved, IdentityStatus::Validated] {
            assert!(Banner::of(&person(status)).ins.is_none(), "{status:?}");
        }
        let b = Banner::of(&person(IdentityStatus::Qualified));
        assert!(b.ins.unwrap().starts_with("236066322083656"));
        assert_eq!(b.first_first_name, "CATARINA");
        assert_eq!(b.birth_date, "21/06/1936");
    }
}

/// A piece of text, marked when it matched a searched word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fragment {
    pub text: String,
    pub hit: bool,
}

/// Splits `text` into fragments, marking each word whose folded form begins with one of the
/// folded `words` (the search's own rule, so what is marked is what matched).
pub fn highlight(text: &str, words: &[String]) -> Vec<Fragment> {
    let mut out: Vec<Fragment> = Vec::new();
    let mut push = |piece: &str, hit: bool| match out.last_mut() {
        Some(last) if last.hit == hit => last.text.push_str(piece),
        _ => out.push(Fragment { text: piece.to_string(), hit }),
    };
    let mut start = 0;
    let mut in_word = false;
    for (i, c) in text.char_indices().chain(std::iter::once((text.len(), ' '))) {
        let is_word = c.is_alphanumeric() && i < text.len();
        if is_word != in_word {
            let piece = &text[start..i];
            if !piece.is_empty() {
                let hit = in_word && {
                    let folded = relais_domain::text::fold(piece);
                    words.iter().any(|w| folded.split(' ').any(|f| f.starts_with(w.as_str())))
                };
                push(piece, hit);
            }
            start = i;
            in_word = is_word;
        }
    }
    if start < text.len() {
        push(&text[start..], false);
    }
    out
}

#[cfg(test)]
mod highlight_tests {
    use super::*;

    #[test]
    fn highlight_marks_words_by_folded_prefix() {
        let words = vec!["hopital".to_string(), "chut".to_string()];
        let parts = highlight("Retour de l'Hôpital après une chute, pas de chuchotement.", &words);
        let marked: Vec<&str> = parts.iter().filter(|f| f.hit).map(|f| f.text.as_str()).collect();
        assert_eq!(marked, vec!["Hôpital", "chute"]);
        let joined: String = parts.iter().map(|f| f.text.as_str()).collect();
        assert_eq!(joined, "Retour de l'Hôpital après une chute, pas de chuchotement.", "no text lost");
        assert!(highlight("", &words).is_empty());
        assert_eq!(highlight("rien", &words), vec![Fragment { text: "rien".into(), hit: false }]);
    }
}
