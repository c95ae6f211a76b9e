//! FHIR Encounter: a person's stays and the absences during them (read, search by patient and
//! date; create for an absence only); the shape is explained in `relais_interop::fhir::encounter`.

use super::{ApiActor, FhirBody, Outcome, create_error, created, fhir_response, form_pairs, missing_reference};
use crate::AppState;
use crate::pages::Places;
use axum::extract::{Path, RawQuery, State};
use axum::http::{StatusCode, Uri};
use axum::response::Response;
use jiff::civil::Date;
use relais_app::AppError;
use relais_app::adminfile::{AbsenceInput, EncounterItem};
use relais_domain::ids::{PersonId, StayId};
use relais_domain::scope::Access;
use relais_interop::fhir::{self, encounter};
use serde_json::Value;

fn encounter_json(item: &EncounterItem, places: &Places, today: Date) -> Value {
    let s = &item.stay;
    let (id, start, end, recorded, absence) = match &item.absence {
        None => (s.id.to_string(), s.start, s.end, None, None),
        Some(a) => (
            a.id.to_string(),
            a.start,
            a.end,
            Some(a.updated_at),
            Some(encounter::AbsenceView { stay_id: s.id.to_string(), kind: a.kind, reason: &a.reason }),
        ),
    };
    let status = if start > today {
        "planned"
    } else if end.is_some_and(|e| e <= today) || (absence.is_none() && end.is_some()) {
        "finished"
    } else if absence.is_none() && item.on_leave {
        "onleave"
    } else {
        "in-progress"
    };
    let place = places.place(s.establishment_id, s.unit_id);
    let last_updated = recorded.map(fhir::instant).unwrap_or_else(|| format!("{}T00:00:00Z", end.unwrap_or(start)));
    encounter::to_json(&encounter::EncounterView {
        id,
        patient_id: s.person_id.to_string(),
        mode: s.mode,
        status,
        start: start.to_string(),
        end: end.map(|e| e.to_string()),
        last_updated,
        place: &place,
        absence,
    })
}

pub(super) async fn read_encounter(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Response, Outcome> {
    let item = state.app.encounter(&actor, &id).await?;
    let places = Places::load(&state, actor.organisation_id).await.map_err(|_| Outcome::from(AppError::NotFound))?;
    Ok(fhir_response(StatusCode::OK, encounter_json(&item, &places, state.app.today())))
}

fn absence_path(field: &str) -> &'static str {
    match field {
        "absence_kind" => "Encounter.type",
        "absence_start" => "Encounter.period.start",
        "absence_end" => "Encounter.period.end",
        "absence_reason" => "Encounter.reasonCode",
        "absence_class" => "Encounter.class",
        "stay" => "Encounter.partOf",
        _ => "Encounter",
    }
}

/// Records an absence during a stay through the same use case as the administrative file's
/// form. A stay itself is not created here: its admission checks places, units and modes the
/// Encounter does not carry (see `relais_interop::fhir::encounter::parse_absence`).
pub(super) async fn create_encounter(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    FhirBody(body): FhirBody,
) -> Result<Response, Outcome> {
    actor.require_scope("Encounter", Access::Write)?;
    let input = encounter::parse_absence(&body)?;
    let person: PersonId = input.patient.parse().map_err(|_| missing_reference("Encounter.subject", "Patient"))?;
    let stay: StayId = input.stay.parse().map_err(|_| missing_reference("Encounter.partOf", "stay's Encounter"))?;
    let absence = AbsenceInput { kind: input.kind, start: input.start, end: input.end, reason: input.reason };
    let id =
        state.app.record_absence_for_api(&actor, person, stay, &absence, &input.modes).await.map_err(|e| match e {
            AppError::NotFound => missing_reference("Encounter.subject", "Patient"),
            other => create_error(other, absence_path),
        })?;
    let read_back = match state.app.encounter(&actor, &id.to_string()).await {
        Ok(item) => {
            let places =
                Places::load(&state, actor.organisation_id).await.map_err(|_| Outcome::from(AppError::NotFound))?;
            Ok(encounter_json(&item, &places, state.app.today()))
        }
        Err(e) => Err(e),
    };
    created(format!("/fhir/Encounter/{id}"), read_back)
}

/// `date` on an Encounter matches its period: `ge`/`gt` bound the end, `le`/`lt` the start,
/// `eq` (or no prefix) asks for encounters going on that day.
fn date_bounds(v: &str, bounds: &mut (Option<Date>, Option<Date>)) -> Result<(), Outcome> {
    let bad = || {
        Outcome::new(StatusCode::BAD_REQUEST, "value", "date must be YYYY-MM-DD with an optional ge/gt/le/lt/eq prefix")
    };
    let (prefix, date) = match v.get(..2) {
        Some(p @ ("ge" | "gt" | "le" | "lt" | "eq")) => (p, &v[2..]),
        _ => ("eq", v),
    };
    let day: Date = date.parse().map_err(|_| bad())?;
    let (from, to) = match prefix {
        "ge" => (Some(day), None),
        "gt" => (Some(day.tomorrow().map_err(|_| bad())?), None),
        "le" => (None, Some(day)),
        "lt" => (None, Some(day.yesterday().map_err(|_| bad())?)),
        _ => (Some(day), Some(day)),
    };
    if let Some(f) = from {
        bounds.0 = Some(bounds.0.map_or(f, |b| b.max(f)));
    }
    if let Some(t) = to {
        bounds.1 = Some(bounds.1.map_or(t, |b| b.min(t)));
    }
    Ok(())
}

pub(super) async fn search_encounters(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    uri: Uri,
    RawQuery(raw): RawQuery,
) -> Result<Response, Outcome> {
    let mut patient: Option<String> = None;
    let mut bounds = (None, None);
    for (k, v) in form_pairs(raw.as_deref().unwrap_or(""))? {
        match k.as_str() {
            "patient" | "subject" => patient = Some(v.trim_start_matches("Patient/").to_string()),
            "date" => date_bounds(&v, &mut bounds)?,
            other => {
                return Err(Outcome::new(
                    StatusCode::BAD_REQUEST,
                    "not-supported",
                    format!("search parameter not supported: {}", other.chars().take(60).collect::<String>()),
                ));
            }
        }
    }
    let patient =
        patient.ok_or_else(|| Outcome::new(StatusCode::BAD_REQUEST, "required", "patient (or subject) is required"))?;
    let entries = match patient.parse::<PersonId>() {
        Ok(person) => match state.app.encounters(&actor, person, bounds).await {
            Ok(items) => {
                let places =
                    Places::load(&state, actor.organisation_id).await.map_err(|_| Outcome::from(AppError::NotFound))?;
                let today = state.app.today();
                items.iter().map(|i| encounter_json(i, &places, today)).collect()
            }
            Err(AppError::NotFound) => vec![],
            Err(e) => return Err(e.into()),
        },
        Err(_) => vec![],
    };
    Ok(fhir_response(StatusCode::OK, fhir::searchset("/fhir", &uri.to_string(), entries)))
}

#[cfg(test)]
mod tests {
    use super::date_bounds;
    use jiff::civil::date;

    #[test]
    fn date_prefixes_bound_the_period() {
        let mut b = (None, None);
        assert!(date_bounds("ge2026-03-01", &mut b).is_ok());
        assert!(date_bounds("lt2026-04-01", &mut b).is_ok());
        assert_eq!(b, (Some(date(2026, 3, 1)), Some(date(2026, 3, 31))));
        let mut b = (None, None);
        assert!(date_bounds("2026-03-10", &mut b).is_ok());
        assert_eq!(b, (Some(date(2026, 3, 10)), Some(date(2026, 3, 10))));
        assert!(date_bounds("ge10/03/2026", &mut b).is_err());
    }
}
