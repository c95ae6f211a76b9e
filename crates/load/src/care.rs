//! The care shift mix: virtual care staff open their unit, a resident's file, write a nursing
//! note, search, while a DPO reads the access log of the same person.

use crate::http::{Phase, Rng, Session, check, login, timed};
use crate::manifest::{Account, CareUser, Manifest};
use crate::run::{Common, Describe, drive, result, save};
use crate::stats::Recorder;
use anyhow::{Context, bail};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;
use tokio::task::JoinSet;

pub const UNIT_LOGBOOK: &str = "unit_logbook";
pub const PERSON_PAGE: &str = "person_page";
pub const NOTE_WRITE: &str = "note_write";
pub const SEARCH: &str = "search";
pub const AUDIT_VIEW: &str = "audit_view";

#[derive(Debug, Clone, clap::Args)]
pub struct CareArgs {
    #[command(flatten)]
    pub common: Common,
    /// Concurrent virtual users, each with its own care session and audit session.
    #[arg(long, default_value_t = 8)]
    pub users: usize,
}

/// One virtual user: a care session on its unit, and an audit session beside it.
struct VirtualUser {
    index: usize,
    care: Session,
    audit: Option<Session>,
    unit_id: String,
    person_ids: Vec<String>,
    prefixes: Arc<Vec<String>>,
    notes_written: Arc<AtomicU64>,
}

pub async fn run(args: CareArgs) -> anyhow::Result<()> {
    let manifest = Manifest::load(&args.common.manifest)?;
    if args.users == 0 {
        bail!("--users must be at least 1");
    }
    if manifest.care_users.is_empty() {
        bail!("the manifest has no care_users");
    }
    if let Some(u) = manifest.care_users.iter().find(|u| u.person_ids.is_empty()) {
        bail!("care user {} has no person_ids", u.username);
    }
    let mut notes = Vec::new();
    if manifest.audit_users.is_empty() {
        notes.push("audit_view skipped: the manifest has no audit_users".to_string());
    }
    if manifest.search_prefixes.is_empty() {
        notes.push("search skipped: the manifest has no search_prefixes".to_string());
    }
    let base = args.common.base();
    let sessions = open_sessions(&base, &manifest, args.users, true).await?;
    let prefixes = Arc::new(manifest.search_prefixes.clone());
    let counter = Arc::new(AtomicU64::new(0));
    let users: Vec<VirtualUser> = sessions
        .into_iter()
        .enumerate()
        .map(|(index, (care, audit, user))| VirtualUser {
            index,
            care,
            audit,
            unit_id: user.unit_id,
            person_ids: user.person_ids,
            prefixes: prefixes.clone(),
            notes_written: counter.clone(),
        })
        .collect();
    let measured = drive(&args.common, users, shift).await?;
    let r = result(
        &args.common,
        &manifest,
        Describe { scenario: "care", users: Some(args.users), threads: None, notes },
        measured,
    );
    save(&args.common, &r)
}

/// Logs every virtual user in before the clock starts: logins hash passwords on purpose
/// slowly and are not part of a shift's steady state.
pub(crate) async fn open_sessions(
    base: &str,
    manifest: &Manifest,
    users: usize,
    with_audit: bool,
) -> anyhow::Result<Vec<(Session, Option<Session>, CareUser)>> {
    let started = Instant::now();
    let mut set = JoinSet::new();
    for i in 0..users {
        let user = manifest.care_users[i % manifest.care_users.len()].clone();
        let password = manifest.care_password(&user)?.to_string();
        let audit: Option<(Account, String)> =
            match manifest.audit_users.get(i % manifest.audit_users.len().max(1)).filter(|_| with_audit) {
                Some(a) => Some((a.clone(), manifest.audit_password(a)?.to_string())),
                None => None,
            };
        let base = base.to_string();
        set.spawn(async move {
            let care = login(&base, &user.username, &password).await?;
            let audit = match audit {
                Some((a, pw)) => Some(login(&base, a.username(), &pw).await?),
                None => None,
            };
            anyhow::Ok((i, care, audit, user))
        });
    }
    let mut out = Vec::with_capacity(users);
    while let Some(done) = set.join_next().await {
        out.push(done.context("login task panicked")??);
    }
    out.sort_by_key(|(i, ..)| *i);
    let audits = out.iter().filter(|(_, _, a, _)| a.is_some()).count();
    eprintln!(
        "{} care sessions and {audits} audit sessions opened in {:.1} s",
        out.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(out.into_iter().map(|(_, c, a, u)| (c, a, u)).collect())
}

/// A closed loop with no think time, until the phase says stop.
async fn shift(u: VirtualUser, phase: Arc<Phase>) -> anyhow::Result<Recorder> {
    let mut kinds = vec![UNIT_LOGBOOK, PERSON_PAGE, NOTE_WRITE];
    if !u.prefixes.is_empty() {
        kinds.push(SEARCH);
    }
    if u.audit.is_some() {
        kinds.push(AUDIT_VIEW);
    }
    let mut rec = Recorder::new(&kinds);
    let mut rng = Rng::new(u.index as u64 + 1);
    let care = &u.care;
    while let Some(measured) = phase.next_iteration() {
        let unit = timed(care.client.get(care.url(&format!("/units/{}", u.unit_id))));
        check(&mut rec, measured, UNIT_LOGBOOK, unit.await, 200);

        let Some(person) = rng.pick(&u.person_ids) else { break };
        let page = timed(care.client.get(care.url(&format!("/persons/{person}"))));
        check(&mut rec, measured, PERSON_PAGE, page.await, 200);

        let n = u.notes_written.fetch_add(1, Ordering::Relaxed) + 1;
        let text = format!("Transmission de charge n°{n}");
        let post = care.client.post(care.url(&format!("/persons/{person}/notes"))).form(&[
            ("category", "nursing_care"),
            ("text", text.as_str()),
            ("csrf_token", care.csrf.as_str()),
        ]);
        match timed(post).await {
            // A 303 elsewhere than back to the file (to /login, say) is no success.
            (_, Ok(a)) if a.status == 303 && !a.location.as_deref().is_some_and(|l| l.contains("ok=note")) => {
                if measured {
                    rec.error(NOTE_WRITE, "303-elsewhere", 1);
                }
            }
            answer => {
                check(&mut rec, measured, NOTE_WRITE, answer, 303);
            }
        }

        if let Some(prefix) = rng.pick(&u.prefixes) {
            let search = timed(care.client.get(care.url("/persons")).query(&[("q", prefix.as_str())]));
            check(&mut rec, measured, SEARCH, search.await, 200);
        }

        if let Some(audit) = &u.audit {
            let log = timed(audit.client.get(audit.url(&format!("/persons/{person}/access-log"))));
            check(&mut rec, measured, AUDIT_VIEW, log.await, 200);
        }
    }
    Ok(rec)
}
