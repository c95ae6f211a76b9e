//! Pure types and rules of Relais: what is valid, who may see what. No I/O, no async.

pub mod access;
pub mod activity;
pub mod adminfile;
pub mod admission;
pub mod aggir;
pub mod alert;
pub mod appointment;
pub mod contract;
pub mod date;
pub mod document;
pub mod error;
pub mod identity;
pub mod ids;
pub mod ins;
pub mod instrument;
pub mod matching;
pub mod note;
pub mod observation;
pub mod organisation;
pub mod password;
pub mod recurrence;
pub mod relative;
pub mod scope;
pub mod stay;
pub mod support_plan;
pub mod text;

pub use error::DomainError;
