//! The FHIR mix: API workers create a Patient and a weight Observation, search by name and by
//! INS, and read the record back (Patient then its Observations).

use crate::http::{Phase, Rng, api_client, check, timed};
use crate::manifest::{Identifier, Manifest};
use crate::run::{Common, Describe, drive, result, save};
use crate::stats::Recorder;
use anyhow::{Context, bail};
use reqwest::Client;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub const CREATE_PATIENT: &str = "create_patient";
pub const CREATE_OBSERVATION: &str = "create_observation";
pub const NAME_SEARCH: &str = "name_search";
pub const IDENTIFIER_SEARCH: &str = "identifier_search";
pub const READ_RECORD: &str = "read_record";

const FHIR_JSON: &str = "application/fhir+json";

#[derive(Debug, Clone, clap::Args)]
pub struct FhirArgs {
    #[command(flatten)]
    pub common: Common,
    /// Concurrent API workers.
    #[arg(long, default_value_t = 4)]
    pub threads: usize,
}

/// One access token shared by the workers, as a real client would, renewed before it expires.
struct Tokens {
    client: Client,
    base: String,
    client_id: String,
    client_secret: String,
    /// The token and when to renew it; the lock is held during a renewal so that the workers
    /// wait for one request rather than all sending their own.
    current: tokio::sync::Mutex<Option<(String, Instant)>>,
}

impl Tokens {
    async fn get(&self) -> anyhow::Result<String> {
        let mut current = self.current.lock().await;
        if let Some((token, renew_at)) = current.as_ref()
            && Instant::now() < *renew_at
        {
            return Ok(token.clone());
        }
        let res = self
            .client
            .post(format!("{}/oauth/token", self.base))
            .basic_auth(&self.client_id, Some(&self.client_secret))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await
            .context("POST /oauth/token")?;
        let status = res.status().as_u16();
        if status != 200 {
            bail!("POST /oauth/token: HTTP {status}");
        }
        let v: Value = res.json().await.context("token response")?;
        let Some(token) = v["access_token"].as_str().map(str::to_string) else {
            bail!("POST /oauth/token: no access_token");
        };
        // Renew a minute early (or at half-life for very short tokens) so no request carries
        // a token that expires on the way.
        let lifetime = v["expires_in"].as_u64().unwrap_or(900);
        let renew_in = lifetime.saturating_sub(60).max(lifetime / 2);
        *current = Some((token.clone(), Instant::now() + Duration::from_secs(renew_in)));
        Ok(token)
    }
}

struct Worker {
    index: usize,
    client: Client,
    base: String,
    tokens: Arc<Tokens>,
    prefixes: Arc<Vec<String>>,
    identifiers: Arc<Vec<Identifier>>,
}

pub async fn run(args: FhirArgs) -> anyhow::Result<()> {
    let manifest = Manifest::load(&args.common.manifest)?;
    if args.threads == 0 {
        bail!("--threads must be at least 1");
    }
    let Some(api) = manifest.api_client.clone() else {
        bail!("the manifest has no api_client");
    };
    let mut notes = Vec::new();
    if manifest.fhir_identifiers.is_empty() {
        notes.push("identifier_search skipped: the manifest has no fhir_identifiers".to_string());
    }
    if manifest.search_prefixes.is_empty() {
        notes.push("name_search skipped: the manifest has no search_prefixes".to_string());
    }
    let base = args.common.base();
    let tokens = Arc::new(Tokens {
        client: api_client()?,
        base: base.clone(),
        client_id: api.client_id,
        client_secret: api.client_secret,
        current: tokio::sync::Mutex::new(None),
    });
    // Fails early on wrong credentials rather than with a run full of errors.
    tokens.get().await?;
    let prefixes = Arc::new(manifest.search_prefixes.clone());
    let identifiers = Arc::new(manifest.fhir_identifiers.clone());
    let mut workers = Vec::new();
    for index in 0..args.threads {
        workers.push(Worker {
            index,
            client: api_client()?,
            base: base.clone(),
            tokens: tokens.clone(),
            prefixes: prefixes.clone(),
            identifiers: identifiers.clone(),
        });
    }
    let measured = drive(&args.common, workers, work).await?;
    let r = result(
        &args.common,
        &manifest,
        Describe { scenario: "fhir", users: None, threads: Some(args.threads), notes },
        measured,
    );
    save(&args.common, &r)
}

/// Names admit letters only (RNIV rules), so numbers are spelt with A–J: 0 → A, 123 → BCD.
pub fn letters(n: u64) -> String {
    n.to_string().bytes().map(|d| char::from(b'A' + (d - b'0'))).collect()
}

fn patient(family: &str) -> Value {
    json!({
        "resourceType": "Patient",
        "name": [{ "use": "official", "family": family, "given": ["Anne"] }],
        "gender": "female",
        "birthDate": "1940-01-01"
    })
}

fn weight(patient: &str, kg: f64, at: &str) -> Value {
    json!({
        "resourceType": "Observation", "status": "final",
        "category": [{ "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "vital-signs" }] }],
        "code": { "coding": [{ "system": "http://loinc.org", "code": "29463-7" }] },
        "subject": { "reference": format!("Patient/{patient}") },
        "effectiveDateTime": at,
        "valueQuantity": { "value": kg, "unit": "kg", "system": "http://unitsofmeasure.org", "code": "kg" }
    })
}

/// The new resource's id: from the body when the client may read, else from Location.
fn created_id(body: &[u8], location: Option<&str>) -> Option<String> {
    let from_body = serde_json::from_slice::<Value>(body).ok().and_then(|v| v["id"].as_str().map(str::to_string));
    from_body.or_else(|| {
        let l = location?;
        let after = &l[l.find("/Patient/")? + "/Patient/".len()..];
        Some(after.split('/').next()?.to_string())
    })
}

/// A closed loop with no think time, until the phase says stop.
async fn work(w: Worker, phase: Arc<Phase>) -> anyhow::Result<Recorder> {
    let mut kinds = vec![CREATE_PATIENT, CREATE_OBSERVATION];
    if !w.prefixes.is_empty() {
        kinds.push(NAME_SEARCH);
    }
    if !w.identifiers.is_empty() {
        kinds.push(IDENTIFIER_SEARCH);
    }
    kinds.push(READ_RECORD);
    let mut rec = Recorder::new(&kinds);
    let mut rng = Rng::new(w.index as u64 + 101);
    let mut n: u64 = 0;
    // When a create fails, the dependent operations go on with the last patient made.
    let mut last_patient: Option<String> = None;
    let url = |path: &str| format!("{}{}", w.base, path);
    while let Some(measured) = phase.next_iteration() {
        n += 1;
        let token = match w.tokens.get().await {
            Ok(t) => t,
            Err(e) => {
                eprintln!("worker {}: {e:#}", w.index);
                if measured {
                    for k in &kinds {
                        rec.error(k, "token", 1);
                    }
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
                continue;
            }
        };

        let family = format!("BENCH{}-{}", letters(w.index as u64), letters(n));
        let create = w
            .client
            .post(url("/fhir/Patient"))
            .bearer_auth(&token)
            .header("content-type", FHIR_JSON)
            .body(patient(&family).to_string());
        if let Some(a) = check(&mut rec, measured, CREATE_PATIENT, timed(create).await, 201)
            && let Some(id) = created_id(&a.body, a.location.as_deref())
        {
            last_patient = Some(id);
        }

        if let Some(pid) = &last_patient {
            let at = jiff::Timestamp::from_second(jiff::Timestamp::now().as_second() - 60)?;
            let kg = 45.0 + (rng.next_u64() % 500) as f64 / 10.0;
            let obs = w
                .client
                .post(url("/fhir/Observation"))
                .bearer_auth(&token)
                .header("content-type", FHIR_JSON)
                .body(weight(pid, kg, &at.to_string()).to_string());
            check(&mut rec, measured, CREATE_OBSERVATION, timed(obs).await, 201);
        }

        if let Some(prefix) = rng.pick(&w.prefixes) {
            let search = w.client.get(url("/fhir/Patient")).bearer_auth(&token).query(&[("family", prefix.as_str())]);
            check(&mut rec, measured, NAME_SEARCH, timed(search).await, 200);
        }

        if let Some(ins) = rng.pick(&w.identifiers) {
            // The `|` between system and value goes percent-encoded (%7C) by the query encoder.
            let value = format!("{}|{}", ins.system, ins.value);
            let search =
                w.client.get(url("/fhir/Patient")).bearer_auth(&token).query(&[("identifier", value.as_str())]);
            let (elapsed, res) = timed(search).await;
            match res {
                // A qualified INS must be found: an empty bundle means a wrong manifest or a bug.
                Ok(a) if a.status == 200 && bundle_total(&a.body) == Some(0) => {
                    if measured {
                        rec.error(IDENTIFIER_SEARCH, "200-empty", 1);
                    }
                }
                res => {
                    check(&mut rec, measured, IDENTIFIER_SEARCH, (elapsed, res), 200);
                }
            }
        }

        if let Some(pid) = &last_patient {
            read_record(&w, &mut rec, measured, &token, pid).await;
        }
    }
    Ok(rec)
}

fn bundle_total(body: &[u8]) -> Option<u64> {
    serde_json::from_slice::<Value>(body).ok()?["total"].as_u64()
}

/// GET Patient/{id} then GET Observation?patient={id}, timed together as one operation.
async fn read_record(w: &Worker, rec: &mut Recorder, measured: bool, token: &str, pid: &str) {
    let start = Instant::now();
    let patient = w.client.get(format!("{}/fhir/Patient/{pid}", w.base)).bearer_auth(token);
    let (_, res) = timed(patient).await;
    let failure = match res {
        Ok(a) if a.status == 200 => {
            let obs =
                w.client.get(format!("{}/fhir/Observation", w.base)).bearer_auth(token).query(&[("patient", pid)]);
            match timed(obs).await.1 {
                Ok(a) if a.status == 200 => None,
                Ok(a) => Some((a.status.to_string(), 2)),
                Err(l) => Some((l, 2)),
            }
        }
        Ok(a) => Some((a.status.to_string(), 1)),
        Err(l) => Some((l, 1)),
    };
    if !measured {
        return;
    }
    match failure {
        None => rec.ok(READ_RECORD, start.elapsed(), 2),
        Some((label, requests)) => rec.error(READ_RECORD, &label, requests),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_spelt_as_letters() {
        assert_eq!(letters(0), "A");
        assert_eq!(letters(123), "BCD");
        assert_eq!(letters(9070), "JAHA");
    }

    #[test]
    fn id_from_body_or_location() {
        assert_eq!(created_id(br#"{"id":"abc"}"#, None), Some("abc".into()));
        assert_eq!(created_id(b"", Some("http://h/fhir/Patient/xyz/_history/1")), Some("xyz".into()));
        assert_eq!(created_id(b"", None), None);
    }
}
