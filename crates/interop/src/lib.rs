//! Formats and protocols of Relais, without storage: FHIR R4 mapping today; CDA R2, XDS.b,
//! XDM, INSi, MSSanté and Pro Santé Connect clients will live here beside it.

pub mod fhir;
pub mod insi;
