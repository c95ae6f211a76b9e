//! `match-eval --http`: the same population and probes, through a running server's `Patient/$match`.

use crate::instance::Instance;
use crate::matching::{Kind, Options, percentile, population};
use anyhow::{Context, bail};
use relais_domain::identity::{StrictTraits, UsedNames};
use relais_domain::ids::PersonId;
use relais_domain::matching::MatchTraits;
use relais_store::persons::Person;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::path::Path;
use std::time::Instant;

/// The probe as a FHIR Patient, as a client would send it.
fn patient(t: &MatchTraits) -> Value {
    let mut names = vec![json!({
        "use": "official",
        "family": t.birth_name,
        "given": [t.first_names.first().cloned().unwrap_or_default()],
        "extension": [{
            "url": "https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-patient-birth-list-given-name",
            "valueString": t.first_names.join(" "),
        }],
    })];
    if let Some(u) = &t.used_name {
        names.push(json!({ "use": "usual", "family": u }));
    }
    let mut p = json!({
        "resourceType": "Patient",
        "name": names,
        "gender": t.sex.fhir_gender(),
        "birthDate": t.birth_date.to_fhir(),
    });
    if let Some(b) = &t.birthplace {
        p["extension"] = json!([{
            "url": "http://hl7.org/fhir/StructureDefinition/patient-birthPlace",
            "valueAddress": { "district": b.as_str() },
        }]);
    }
    p
}

fn person(
    t: &MatchTraits,
    org: relais_domain::ids::OrganisationId,
    est: relais_domain::ids::EstablishmentId,
) -> anyhow::Result<Person> {
    let traits = StrictTraits::new(&t.birth_name, &t.first_names.join(" "), t.birth_date, t.sex, t.birthplace.clone())?;
    let used = UsedNames::new(t.used_name.as_deref().unwrap_or(""), "")?;
    let now = jiff::Timestamp::now().as_microsecond();
    Ok(Person {
        id: PersonId::generate(),
        organisation_id: org,
        registered_at: Some(est),
        traits,
        used,
        status: relais_domain::identity::IdentityStatus::Provisional,
        ins: None,
        attributes: Default::default(),
        ins_history: vec![],
        ins_retrieved_at: None,
        merged_into: None,
        created_at: now,
        updated_at: now,
        applied_to: vec![],
    })
}

/// Loads the population into a new database, starts `relais serve` on it and sends every probe
/// to `Patient/$match`: recall and precision as the API answers them, and the time per call.
pub async fn run(opts: &Options, relais: &Path, work: &Path, postgres: Option<&str>) -> anyhow::Result<()> {
    let (base, probes) = population(opts)?;
    let mut inst = Instance::create(relais, work, postgres).await?;
    let store = inst.store().await?;
    let est = {
        let mut conn = store.read().await?;
        relais_store::org::establishment_by_finess(&mut conn, "750000026").await?.context("establishment")?
    };
    let loading = Instant::now();
    let mut ids: HashMap<String, usize> = HashMap::new();
    for (n, chunk) in base.chunks(5000).enumerate() {
        let rows: Vec<Person> =
            chunk.iter().map(|t| person(t, est.organisation_id, est.id)).collect::<anyhow::Result<_>>()?;
        for (i, p) in rows.iter().enumerate() {
            ids.insert(p.id.to_string(), n * 5000 + i);
        }
        let mut tx = store.begin_write().await?;
        relais_store::bulk::persons(&mut tx, store.engine(), &rows).await?;
        tx.commit().await?;
    }
    // As after any bulk load: statistics, and the write-ahead log folded into the database.
    store.analyze().await?;
    store.checkpoint().await?;
    store.close().await;
    let loaded = loading.elapsed();
    inst.start().await?;
    let client = reqwest::Client::builder().tcp_nodelay(true).build()?;
    let token = inst.token(&client).await?;
    let url = format!("{}/fhir/Patient/$match", inst.base);
    let mut millis: Vec<f64> = Vec::with_capacity(probes.len());
    let (mut found, mut false_pairs, mut blocked_miss) = (0usize, 0usize, 0usize);
    for probe in &probes {
        let body = json!({
            "resourceType": "Parameters",
            "parameter": [{ "name": "resource", "resource": patient(&probe.traits) }, { "name": "count", "valueInteger": 10 }],
        });
        let t0 = Instant::now();
        let res = client
            .post(&url)
            .bearer_auth(&token)
            .header("content-type", "application/fhir+json")
            .body(body.to_string())
            .send()
            .await?;
        let status = res.status().as_u16();
        let bundle: Value = res.json().await?;
        millis.push(t0.elapsed().as_secs_f64() * 1e3);
        if status != 200 {
            bail!("$match answered {status}: {bundle}");
        }
        let entries = bundle["entry"].as_array().cloned().unwrap_or_default();
        let mut origin_likely = false;
        let mut origin_seen = false;
        for e in &entries {
            let index = e["resource"]["id"].as_str().and_then(|id| ids.get(id)).copied();
            let likely = matches!(e["search"]["extension"][0]["valueCode"].as_str(), Some("certain" | "probable"));
            let is_origin = matches!(probe.kind, Kind::Duplicate(_)) && index == Some(probe.origin);
            origin_seen |= is_origin;
            if is_origin && likely {
                origin_likely = true;
            } else if likely {
                false_pairs += 1;
            }
        }
        if origin_likely {
            found += 1;
        } else if matches!(probe.kind, Kind::Duplicate(_)) && !origin_seen {
            blocked_miss += 1;
        }
    }
    inst.finish().await?;
    millis.sort_by(f64::total_cmp);
    let recall = found as f64 / opts.duplicates.max(1) as f64;
    let predicted = found + false_pairs;
    let precision = if predicted == 0 { 1.0 } else { found as f64 / predicted as f64 };
    let engine = if postgres.is_some() { "PostgreSQL" } else { "SQLite" };
    println!(
        "match-eval over HTTP ({engine}): {} persons loaded in {:.1} s, {} duplicates, {} negatives, seed {}",
        base.len(),
        loaded.as_secs_f64(),
        opts.duplicates,
        opts.negatives,
        opts.seed
    );
    println!("  recall at >= probable       {:.2} % ({found} / {})", recall * 100.0, opts.duplicates);
    println!("  precision at >= probable    {:.2} % ({false_pairs} false pairs)", precision * 100.0);
    println!("  duplicates not returned     {blocked_miss}");
    println!(
        "  Patient/$match ms           p50 {:.2}  p95 {:.2}  p99 {:.2}  max {:.2}  ({} calls, 1 client)",
        percentile(&millis, 0.5),
        percentile(&millis, 0.95),
        percentile(&millis, 0.99),
        millis.last().copied().unwrap_or(0.0),
        millis.len()
    );
    if let Some(path) = &opts.json {
        let report = json!({
            "engine": engine, "persons": base.len(), "duplicates": opts.duplicates, "negatives": opts.negatives,
            "seed": opts.seed, "recall": recall, "precision": precision, "false_pairs": false_pairs,
            "match_ms": { "p50": percentile(&millis, 0.5), "p95": percentile(&millis, 0.95), "p99": percentile(&millis, 0.99) },
        });
        std::fs::write(path, serde_json::to_string_pretty(&report)?)?;
    }
    Ok(())
}
