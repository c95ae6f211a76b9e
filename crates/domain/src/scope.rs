//! SMART on FHIR v1 system scopes granted to API clients (`system/Patient.read`, `system/*.write`…).

use crate::DomainError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Read,
    Write,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Scope {
    /// `None` for the `*` wildcard.
    resource: Option<String>,
    read: bool,
    write: bool,
}

/// A validated set of scopes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Scopes(Vec<Scope>);

/// The FHIR resources Relais serves; scopes naming others are refused at creation.
pub const RESOURCES: &[&str] = &[
    "Patient",
    "Observation",
    "Appointment",
    "DocumentReference",
    "Binary",
    "Communication",
    "QuestionnaireResponse",
    "Encounter",
    "CarePlan",
    "Goal",
    "RelatedPerson",
    "Consent",
];

impl Scopes {
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let mut out = Vec::new();
        for token in input.split_whitespace() {
            let err = || {
                DomainError::new(
                    "scope",
                    "scope-invalid",
                    format!(
                        "scope « {} » invalide : attendu system/Ressource.read|write|*",
                        token.chars().take(80).collect::<String>()
                    ),
                )
            };
            let rest = token.strip_prefix("system/").ok_or_else(err)?;
            let (resource, access) = rest.split_once('.').ok_or_else(err)?;
            let (read, write) = match access {
                "read" => (true, false),
                "write" => (false, true),
                "*" => (true, true),
                _ => return Err(err()),
            };
            let resource = match resource {
                "*" => None,
                r if RESOURCES.contains(&r) => Some(r.to_string()),
                _ => return Err(err()),
            };
            out.push(Scope { resource, read, write });
        }
        if out.is_empty() {
            return Err(DomainError::new("scope", "scope-invalid", "au moins un scope est requis"));
        }
        Ok(Self(out))
    }

    pub fn allows(&self, resource: &str, access: Access) -> bool {
        self.0.iter().any(|s| {
            s.resource.as_deref().is_none_or(|r| r == resource)
                && match access {
                    Access::Read => s.read,
                    Access::Write => s.write,
                }
        })
    }

    /// Is every scope of `requested` granted by `self`?
    pub fn covers(&self, requested: &Scopes) -> bool {
        requested.0.iter().all(|s| {
            let resources: Vec<&str> = match &s.resource {
                Some(r) => vec![r.as_str()],
                None => RESOURCES.to_vec(),
            };
            resources
                .iter()
                .all(|r| (!s.read || self.allows(r, Access::Read)) && (!s.write || self.allows(r, Access::Write)))
        })
    }

    pub fn to_string_list(&self) -> String {
        self.0
            .iter()
            .map(|s| {
                let access = match (s.read, s.write) {
                    (true, true) => "*",
                    (true, false) => "read",
                    _ => "write",
                };
                format!("system/{}.{}", s.resource.as_deref().unwrap_or("*"), access)
            })
            .collect::<Vec<_>>()
            .join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_and_wildcards() {
        let s = Scopes::parse("system/Patient.read").unwrap();
        assert!(s.allows("Patient", Access::Read));
        assert!(!s.allows("Patient", Access::Write));
        assert!(!s.allows("Observation", Access::Read));
        let w = Scopes::parse("system/*.write").unwrap();
        assert!(w.allows("Patient", Access::Write) && w.allows("Observation", Access::Write));
        assert!(!w.allows("Patient", Access::Read));
        let all = Scopes::parse("system/*.*").unwrap();
        assert!(all.covers(&s) && all.covers(&w));
        assert!(!s.covers(&w));
        assert!(
            Scopes::parse("system/*.read system/Patient.write")
                .unwrap()
                .covers(&Scopes::parse("system/Patient.*").unwrap())
        );
        for bad in
            ["", "user/Patient.read", "system/Patient", "system/Patient.delete", "system/Foo.read", "patient/*.read"]
        {
            assert!(Scopes::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(
            Scopes::parse("system/Patient.read  system/*.*").unwrap().to_string_list(),
            "system/Patient.read system/*.*"
        );
    }
}
