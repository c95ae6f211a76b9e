//! Password policy: length and a blocklist of common passwords, no composition rules (ANSSI, NIST SP 800-63B).

use crate::DomainError;
use crate::text::fold;
use std::collections::HashSet;
use std::sync::OnceLock;

pub const MIN_CHARS: usize = 12;
pub const MAX_CHARS: usize = 256;

fn blocklist() -> &'static HashSet<&'static str> {
    static LIST: OnceLock<HashSet<&'static str>> = OnceLock::new();
    LIST.get_or_init(|| {
        include_str!("common_passwords.txt")
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .collect()
    })
}

/// Checks a new password. `context` holds words the password must not be built on
/// (the login, the person's names).
pub fn check_new_password(password: &str, context: &[&str]) -> Result<(), DomainError> {
    let err = |code: &'static str, msg: String| DomainError::new("password", code, msg);
    let chars = password.chars().count();
    if chars < MIN_CHARS {
        return Err(err(
            "password-too-short",
            format!("le mot de passe doit comporter au moins {MIN_CHARS} caractères"),
        ));
    }
    if chars > MAX_CHARS {
        return Err(err("password-too-long", format!("le mot de passe ne peut dépasser {MAX_CHARS} caractères")));
    }
    let lower = password.to_lowercase();
    if blocklist().contains(lower.as_str()) {
        return Err(err(
            "password-common",
            "ce mot de passe fait partie des mots de passe les plus courants : choisissez-en un autre".into(),
        ));
    }
    let mut distinct: Vec<char> = lower.chars().collect();
    distinct.sort_unstable();
    distinct.dedup();
    if distinct.len() < 4 {
        return Err(err("password-repetitive", "ce mot de passe est trop répétitif".into()));
    }
    let folded = fold(password).replace(' ', "");
    for word in context {
        let w = fold(word).replace(' ', "");
        if w.chars().count() >= 4 && folded.contains(&w) {
            return Err(err(
                "password-personal",
                "le mot de passe ne doit pas contenir votre identifiant ou votre nom".into(),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy() {
        assert_eq!(check_new_password("court", &[]).unwrap_err().code, "password-too-short");
        assert_eq!(check_new_password("qzqzqzqzqzqzqzqzq", &[]).unwrap_err().code, "password-repetitive");
        assert_eq!(
            check_new_password("jean.dupont-2026!", &["jdupont", "Dupont"]).unwrap_err().code,
            "password-personal"
        );
        assert_eq!(check_new_password(&"ab1-".repeat(70), &[]).unwrap_err().code, "password-too-long");
        // No composition rules: a long passphrase of lower-case words is fine.
        assert!(check_new_password("cheval agrafe pile correcte", &["jdupont"]).is_ok());
        // Counts characters, not bytes.
        assert_eq!(check_new_password("éééééàààà", &[]).unwrap_err().code, "password-too-short");
    }

    #[test]
    fn common_passwords_are_refused() {
        assert_eq!(check_new_password("123456789012", &[]).unwrap_err().code, "password-common");
        assert_eq!(check_new_password("AZERTYUIOP123", &[]).unwrap_err().code, "password-common");
        assert!(blocklist().len() > 100);
    }
}
