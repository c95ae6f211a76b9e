//! The one error type of the domain crate: a rule that input broke.

/// A rule broken by some input. `code` is stable (API clients match on it);
/// `message` is French, meant for the person who typed the value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct DomainError {
    pub field: &'static str,
    pub code: &'static str,
    pub message: String,
}

impl DomainError {
    pub fn new(field: &'static str, code: &'static str, message: impl Into<String>) -> Self {
        Self { field, code, message: message.into() }
    }
}
