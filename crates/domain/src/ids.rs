//! Typed identifiers: a `PersonId` can never be passed where a `StayId` is expected.

use std::fmt;
use std::str::FromStr;

macro_rules! typed_id {
    ($($name:ident),* $(,)?) => {$(
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub uuid::Uuid);

        impl $name {
            /// A new time-ordered (UUIDv7) identifier.
            pub fn generate() -> Self {
                Self(uuid::Uuid::now_v7())
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                uuid::Uuid::parse_str(s).map(Self)
            }
        }
    )*};
}

typed_id!(
    OrganisationId,
    EstablishmentId,
    UnitId,
    ProfessionalId,
    AccountId,
    GrantId,
    PersonId,
    StayId,
    NoteId,
    EvidenceId,
    ApiClientId,
    ObservationId,
    PersonAlertId,
    AppointmentId,
    DocumentId,
    ThresholdId,
    ActivityId,
    InsiCallId,
    AssessmentId,
    AdmissionRequestId,
    CoverageId,
    BenefitId,
    MdphNotificationId,
    AbsenceId,
    SupportPlanId,
    ObjectiveId,
    RelativeId,
    ProtectionId,
    ConsentId,
    ContractId,
);
