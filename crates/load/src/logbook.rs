//! The logbook mix: care staff read their unit's last 24 hours, what happened since their last
//! shift, search the notes of the last twelve months, open a resident's weight chart over a
//! year, and their unit's agenda of the week (appointments and activities).

use crate::care::open_sessions;
use crate::http::{Phase, Rng, Session, check, timed};
use crate::manifest::Manifest;
use crate::run::{Common, Describe, drive, result, save};
use crate::stats::Recorder;
use anyhow::bail;
use std::sync::Arc;

pub const UNIT_LOGBOOK: &str = "unit_logbook";
pub const SHIFT_DIGEST: &str = "since_last_shift";
pub const NOTE_SEARCH: &str = "note_search";
pub const CHART: &str = "weight_chart_1y";
pub const AGENDA: &str = "unit_agenda_week";

#[derive(Debug, Clone, clap::Args)]
pub struct LogbookArgs {
    #[command(flatten)]
    pub common: Common,
    /// Concurrent virtual users, each with its own care session.
    #[arg(long, default_value_t = 8)]
    pub users: usize,
}

struct VirtualUser {
    index: usize,
    care: Session,
    unit_id: String,
    person_ids: Vec<String>,
    words: Arc<Vec<String>>,
}

pub async fn run(args: LogbookArgs) -> anyhow::Result<()> {
    let manifest = Manifest::load(&args.common.manifest)?;
    if args.users == 0 {
        bail!("--users must be at least 1");
    }
    if manifest.care_users.is_empty() {
        bail!("the manifest has no care_users");
    }
    if manifest.search_words.is_empty() {
        bail!("the manifest has no search_words (regenerate the data set)");
    }
    let sessions = open_sessions(&args.common.base(), &manifest, args.users, false).await?;
    let words = Arc::new(manifest.search_words.clone());
    let users: Vec<VirtualUser> = sessions
        .into_iter()
        .enumerate()
        .map(|(index, (care, _, user))| VirtualUser {
            index,
            care,
            unit_id: user.unit_id,
            person_ids: user.person_ids,
            words: words.clone(),
        })
        .collect();
    let measured = drive(&args.common, users, shift).await?;
    let r = result(
        &args.common,
        &manifest,
        Describe { scenario: "logbook", users: Some(args.users), threads: None, notes: vec![] },
        measured,
    );
    save(&args.common, &r)
}

async fn shift(u: VirtualUser, phase: Arc<Phase>) -> anyhow::Result<Recorder> {
    let mut rec = Recorder::new(&[UNIT_LOGBOOK, SHIFT_DIGEST, NOTE_SEARCH, CHART, AGENDA]);
    let mut rng = Rng::new(u.index as u64 + 101);
    let care = &u.care;
    while let Some(measured) = phase.next_iteration() {
        let unit = timed(care.client.get(care.url(&format!("/units/{}", u.unit_id))));
        check(&mut rec, measured, UNIT_LOGBOOK, unit.await, 200);
        let digest = timed(care.client.get(care.url("/logbook/shift")));
        check(&mut rec, measured, SHIFT_DIGEST, digest.await, 200);
        if let Some(word) = rng.pick(&u.words) {
            let search = care.client.get(care.url("/logbook/search")).query(&[("q", word.as_str()), ("days", "365")]);
            check(&mut rec, measured, NOTE_SEARCH, timed(search).await, 200);
        }
        if let Some(person) = rng.pick(&u.person_ids) {
            let chart = care
                .client
                .get(care.url(&format!("/persons/{person}/chart")))
                .query(&[("kind", "weight"), ("months", "12")]);
            check(&mut rec, measured, CHART, timed(chart).await, 200);
        }
        let agenda = timed(care.client.get(care.url(&format!("/units/{}/agenda", u.unit_id))));
        check(&mut rec, measured, AGENDA, agenda.await, 200);
    }
    Ok(rec)
}
