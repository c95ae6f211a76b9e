//! Identity vigilance: INSi retrieval and acceptance, trait changes, attributes, duplicates, the referent's queue.

use crate::persons::{IdentityInput, decision};
use crate::{Actor, App, AppError, Principal, Result, Validation};
use relais_domain::DomainError;
use relais_domain::access::{Decision, PersonAction};
use relais_domain::date::BirthDate;
use relais_domain::identity::{
    IdentityAttribute, IdentityStatus, InseeCode, Sex, StrictTraits, TraitAgreement, TraitComparison, UsedNames,
    compare_with_insi, rise_refusal,
};
use relais_domain::ids::*;
use relais_domain::matching::{MatchGrade, MatchResult, MatchTraits, blocking_keys, compare};
use relais_interop::insi::{InsiClient, InsiResult, TraitsQuery};
use relais_store::audit;
use relais_store::audit::AuditActor;
use relais_store::identities::{
    self, IdentityChange, InsiCall, InsiDecision, InsiOutcome, ReturnedIdentity, match_candidates,
};
use relais_store::persons::{self, Evidence, Person, Stay};
use relais_store::{Conn, StoreError};
use std::sync::Arc;

/// Candidates read per duplicate search before scoring: enough for the commonest names.
const CANDIDATE_LIMIT: i64 = 200;

/// What the identity page shows.
pub struct IdentityFile {
    pub person: Person,
    pub stays: Vec<Stay>,
    pub evidence: Vec<Evidence>,
    pub calls: Vec<InsiCall>,
    /// The last INSi answer still waiting for a decision, compared with the person's traits.
    pub pending: Option<(InsiCall, TraitComparison)>,
    pub changes: Vec<IdentityChange>,
    pub duplicates: Vec<DuplicateCandidate>,
    pub may_edit: bool,
    /// The actor works the identity-vigilance queue here: may merge and unmerge.
    pub may_merge: bool,
    pub merges: Vec<relais_store::identities::PersonMerge>,
    pub insi_configured: bool,
}

/// A possible duplicate as the actor may see it: the identity when the actor may view it,
/// only the fact and the grade otherwise.
pub struct DuplicateCandidate {
    pub person: Option<Person>,
    pub result: MatchResult,
}

/// A change of identity as kept: whose, what kind, before, after, why.
struct ChangeRecord {
    person: PersonId,
    /// `traits`, `insi`, `attributes`, `merge`, `unmerge`.
    kind: &'static str,
    before: String,
    after: String,
    reason: String,
}

/// What a batch qualification did.
#[derive(Debug, Default)]
pub struct BatchReport {
    pub eligible: usize,
    /// INS recorded: INSi's traits identical to the person's.
    pub recorded: usize,
    /// Found, with traits to compare by a professional (in the referent's queue).
    pub to_review: usize,
    pub not_found: usize,
    pub several: usize,
    pub errors: usize,
    pub first_error: Option<String>,
}

/// The identity-vigilance work queue of an establishment's referent.
pub struct IdentityQueue {
    pub to_qualify: Vec<Person>,
    pub mismatches: Vec<(InsiCall, Person, TraitComparison)>,
    pub undecided: Vec<(InsiCall, Person)>,
    pub suspected_duplicates: Vec<Person>,
}

fn traits_text(t: &StrictTraits, u: &UsedNames) -> String {
    let mut s = format!(
        "{} {} {} {} {}",
        t.birth_name,
        t.first_names_joined(),
        t.sex.code(),
        t.birth_date.to_storage(),
        t.birthplace.as_ref().map(|p| p.as_str()).unwrap_or("-")
    );
    if let Some(n) = &u.used_name {
        s.push_str(&format!(" usage:{n}"));
    }
    if let Some(f) = &u.used_first_name {
        s.push_str(&format!(" prénom-usage:{f}"));
    }
    s
}

fn reason_required(reason: &str) -> Result<String> {
    let r = reason.split_whitespace().collect::<Vec<_>>().join(" ");
    if r.is_empty() {
        return Err(
            DomainError::new("reason", "required", "indiquez le motif : il est conservé avec la modification").into()
        );
    }
    if r.chars().count() > 500 {
        return Err(DomainError::new("reason", "too-long", "500 caractères au plus").into());
    }
    Ok(r)
}

impl App {
    /// Sets the INSi client used for retrievals (none: the INSi buttons say it is not configured).
    pub fn with_insi(mut self, client: InsiClient) -> Self {
        self.insi = Some(Arc::new(client));
        self
    }

    fn account(actor: &Actor) -> Result<AccountId> {
        actor.account_id().ok_or(AppError::Forbidden)
    }

    /// Keeps an identity change with its before, after and reason, and audits it on the person,
    /// in the caller's transaction.
    async fn keep_change(
        &self,
        tx: &mut Conn,
        actor: &Actor,
        change: ChangeRecord,
        action: &'static str,
        detail: Option<String>,
    ) -> Result<()> {
        identities::insert_identity_change(
            tx,
            actor.organisation_id,
            &IdentityChange {
                person_id: change.person,
                account_id: actor.account_id(),
                changed_at: self.now_micros(),
                kind: change.kind.into(),
                before: change.before,
                after: change.after,
                reason: change.reason,
            },
        )
        .await?;
        let mut ev = actor.event(action, "ok");
        ev.person_id = Some(change.person);
        ev.detail = detail;
        audit::append(tx, ev).await?;
        Ok(())
    }

    /// The identity page: traits, status, attributes, evidence, INSi calls, changes, duplicates.
    pub async fn identity_file(&self, actor: &Actor, id: PersonId) -> Result<IdentityFile> {
        let mut conn = self.store.read().await?;
        let (person, stays) = self.load_for(&mut conn, actor, id, PersonAction::ViewIdentity).await?;
        // A merged identity takes no change: its forms are not offered.
        let may_edit = person.merged_into.is_none()
            && decision(self, actor, PersonAction::EditIdentity, &person, &stays) == Decision::Allow;
        let evidence = persons::evidence(&mut conn, id).await?;
        let calls = identities::insi_calls_of(&mut conn, id, 20).await?;
        let pending = calls
            .iter()
            .find(|c| c.outcome == InsiOutcome::Found && c.decision.is_none())
            .and_then(|c| c.returned.as_ref().map(|r| (c.clone(), compare_with_insi(&person.traits, &r.traits))));
        let changes = identities::identity_changes(&mut conn, id).await?;
        let merges = identities::merges_of(&mut conn, id).await?;
        let may_merge = self.may_merge(actor, &person, &stays);
        let duplicates: Vec<DuplicateCandidate> = self
            .duplicates_of(&mut conn, actor, &MatchTraits::from_identity(&person.traits, &person.used), Some(id))
            .await?
            .into_iter()
            .filter(|d| d.result.grade != MatchGrade::CertainlyNot)
            .collect();
        drop(conn);
        let mut ev = actor.event("person.identity.read", "ok");
        ev.person_id = Some(id);
        self.audit(ev).await?;
        self.audit_candidates(actor, &duplicates).await?;
        Ok(IdentityFile {
            person,
            stays,
            evidence,
            calls,
            pending,
            changes,
            duplicates,
            may_edit,
            may_merge,
            merges,
            insi_configured: self.insi.is_some(),
        })
    }

    /// Scored duplicate candidates of `traits` in the actor's organisation, best first.
    pub(crate) async fn duplicates_of(
        &self,
        conn: &mut Conn,
        actor: &Actor,
        traits: &MatchTraits,
        except: Option<PersonId>,
    ) -> Result<Vec<DuplicateCandidate>> {
        let keys = blocking_keys(traits);
        let ids: Vec<PersonId> = match_candidates(conn, actor.organisation_id, &keys, CANDIDATE_LIMIT)
            .await?
            .into_iter()
            .filter(|p| Some(*p) != except)
            .collect();
        let mut people = persons::persons_by_ids(conn, actor.organisation_id, &ids).await?;
        let stays = persons::stays_of(conn, &ids).await?;
        self.note_applications(conn, actor, &mut people, &stays).await?;
        let mut out: Vec<DuplicateCandidate> = people
            .into_iter()
            .map(|p| {
                let result = compare(traits, &MatchTraits::from_identity(&p.traits, &p.used));
                let theirs: Vec<Stay> = stays.iter().filter(|s| s.person_id == p.id).cloned().collect();
                let visible = decision(self, actor, PersonAction::ViewIdentity, &p, &theirs) == Decision::Allow;
                DuplicateCandidate { person: visible.then_some(p), result }
            })
            .collect();
        out.sort_by(|a, b| b.result.score.total_cmp(&a.result.score));
        Ok(out)
    }

    /// Duplicate candidates for identity input typed before registration (grade possible or better).
    pub async fn check_duplicates(&self, actor: &Actor, input: &IdentityInput) -> Result<Vec<DuplicateCandidate>> {
        let person = self.new_person(actor, input)?;
        let mut conn = self.store.read().await?;
        let found = self
            .duplicates_of(&mut conn, actor, &MatchTraits::from_identity(&person.traits, &person.used), None)
            .await?;
        drop(conn);
        let found: Vec<DuplicateCandidate> =
            found.into_iter().filter(|d| d.result.grade != MatchGrade::CertainlyNot).collect();
        self.audit_candidates(actor, &found).await?;
        Ok(found)
    }

    /// The identities of candidates shown to the actor are a read of each: one listing event.
    async fn audit_candidates(&self, actor: &Actor, shown: &[DuplicateCandidate]) -> Result<()> {
        let ids: Vec<PersonId> = shown.iter().filter_map(|d| d.person.as_ref().map(|p| p.id)).collect();
        if ids.is_empty() {
            return Ok(());
        }
        self.audit(actor.event("person.duplicates.read", "ok").listing(&ids)).await
    }

    /// FHIR `Patient/$match`: candidates of the given identity with their score and grade. API
    /// clients with the Patient read scope see every identity of their organisation, as with
    /// Patient search; staff see those in their scope.
    pub async fn match_patients(
        &self,
        actor: &Actor,
        input: &IdentityInput,
        only_certain: bool,
        count: usize,
    ) -> Result<Vec<(Person, MatchResult)>> {
        if let Principal::ApiClient { scopes, .. } = &actor.principal
            && !scopes.allows("Patient", relais_domain::scope::Access::Read)
        {
            return Err(AppError::Forbidden);
        }
        let probe = self.new_person(actor, input)?;
        let traits = MatchTraits::from_identity(&probe.traits, &probe.used);
        let mut conn = self.store.read().await?;
        let found = self.duplicates_of(&mut conn, actor, &traits, None).await?;
        drop(conn);
        let out: Vec<(Person, MatchResult)> = found
            .into_iter()
            .filter_map(|d| d.person.map(|p| (p, d.result)))
            .filter(|(_, r)| r.grade != MatchGrade::CertainlyNot)
            .filter(|(_, r)| !only_certain || r.grade == MatchGrade::Certain)
            .take(count)
            .collect();
        // One event for the answer, indexed under every person it shows (as other listings are).
        let shown: Vec<PersonId> = out.iter().map(|(p, _)| p.id).collect();
        self.audit(actor.event("person.match", "ok").listing(&shown)).await?;
        Ok(out)
    }

    /// Asks INSi for the person's INS with the person's traits, logs the call, and keeps the
    /// returned identity until a professional accepts or rejects it.
    pub async fn query_insi(&self, actor: &Actor, id: PersonId) -> Result<InsiCallId> {
        let account = Self::account(actor)?;
        let client = self
            .insi
            .clone()
            .ok_or_else(|| AppError::Unavailable("le téléservice INSi n'est pas configuré sur ce serveur".into()))?;
        let person = {
            let mut conn = self.store.read().await?;
            self.load_for(&mut conn, actor, id, PersonAction::EditIdentity).await?.0
        };
        if person.attributes.contains(IdentityAttribute::Fictitious) {
            return Err(DomainError::new(
                "attributes",
                "identity-fictitious",
                "une identité fictive n'est pas recherchée dans INSi",
            )
            .into());
        }
        if person.traits.sex == Sex::Undetermined {
            return Err(DomainError::new(
                "sex",
                "insi-sex",
                "INSi ne connaît que les sexes féminin et masculin : vérifiez le sexe sur le justificatif",
            )
            .into());
        }
        let (call, failure) = self.call_insi(&client, &person, Some(account)).await?;
        let mut tx = self.store.begin_write().await?;
        if call.outcome == InsiOutcome::Found {
            identities::supersede_insi_calls(&mut tx, id, account, call.called_at).await?;
        }
        identities::insert_insi_call(&mut tx, actor.organisation_id, &call).await?;
        let mut ev = actor.event("person.identity.insi", if failure.is_some() { "error" } else { "ok" });
        ev.person_id = Some(id);
        ev.detail = Some(format!("{} {}", call.outcome.code(), call.code));
        audit::append(&mut tx, ev).await?;
        tx.commit().await.map_err(StoreError::from)?;
        match failure {
            Some(message) => Err(AppError::Unavailable(message)),
            None => Ok(call.id),
        }
    }

    /// One search in INSi with the person's traits (the client applies the first-name strategy):
    /// the call as it is logged, and the French message of a failure.
    async fn call_insi(
        &self,
        client: &InsiClient,
        person: &Person,
        account: Option<AccountId>,
    ) -> Result<(InsiCall, Option<String>)> {
        let query = TraitsQuery {
            birth_name: insi_text(&person.traits.birth_name),
            first_names: person.traits.first_names.iter().map(|f| insi_text(f)).collect(),
            sex: person.traits.sex,
            birth_date: person.traits.birth_date.to_storage(),
            birthplace: person.traits.birthplace.as_ref().map(|p| p.as_str().to_string()),
        };
        let started = std::time::Instant::now();
        let called_at = self.now_micros();
        let answer = client.search_by_traits(&query).await;
        let duration_micros = i64::try_from(started.elapsed().as_micros()).unwrap_or(i64::MAX);
        let mut call = InsiCall {
            id: InsiCallId::generate(),
            person_id: Some(person.id),
            account_id: account,
            called_at,
            duration_micros,
            attempts: 1,
            outcome: InsiOutcome::Error,
            code: String::new(),
            label: String::new(),
            returned: None,
            consistent: None,
            decision: None,
            decided_by: None,
            decided_at: None,
        };
        let failure = match answer {
            Ok(outcome) => {
                call.attempts = outcome.calls.len() as i64;
                if let Some(last) = outcome.calls.last() {
                    call.code = last.code.clone();
                    call.label = last.label.clone();
                }
                match outcome.result {
                    InsiResult::Found(found) => {
                        let returned = self.returned_identity(&found)?;
                        call.consistent = Some(compare_with_insi(&person.traits, &returned.traits).consistent());
                        call.returned = Some(returned);
                        call.outcome = InsiOutcome::Found;
                    }
                    InsiResult::NotFound => call.outcome = InsiOutcome::NotFound,
                    InsiResult::Several => call.outcome = InsiOutcome::Several,
                }
                None
            }
            Err(e) => {
                call.code = match &e {
                    relais_interop::insi::InsiError::Fault { code, .. } => code.clone(),
                    _ => "erreur".into(),
                };
                call.label = e.french_message();
                Some(e.french_message())
            }
        };
        Ok((call, failure))
    }

    /// The identity INSi returned, checked as any identity entering Relais.
    fn returned_identity(&self, found: &relais_interop::insi::InsiIdentity) -> Result<ReturnedIdentity> {
        let bad = |what: &str| {
            AppError::Unavailable(format!("INSi a renvoyé {what} illisible : l'identité n'est pas reprise"))
        };
        let birth_date = BirthDate::parse(&found.birth_date, self.today()).map_err(|_| bad("une date de naissance"))?;
        let birthplace =
            found.birthplace.as_deref().map(InseeCode::parse).transpose().map_err(|_| bad("un lieu de naissance"))?;
        let traits =
            StrictTraits::new(&found.birth_name, &found.first_names.join(" "), birth_date, found.sex, birthplace)
                .map_err(|_| bad("un nom"))?;
        Ok(ReturnedIdentity { ins: found.ins.clone(), history: found.history.clone(), traits })
    }

    /// Accepts the identity INSi returned: its traits replace the person's, the INS is recorded,
    /// and the status rises (provisional → retrieved, validated → qualified).
    pub async fn accept_insi(&self, actor: &Actor, id: PersonId, call_id: InsiCallId) -> Result<IdentityStatus> {
        let account = Self::account(actor)?;
        let mut tx = self.store.begin_write().await?;
        let (mut person, _) = self.load_for(&mut tx, actor, id, PersonAction::EditIdentity).await?;
        let call = identities::insi_call(&mut tx, actor.organisation_id, call_id).await?.ok_or(AppError::NotFound)?;
        if call.person_id != Some(id) {
            return Err(AppError::NotFound);
        }
        if call.decision.is_some() {
            return Err(AppError::Conflict("cette réponse INSi a déjà été traitée".into()));
        }
        let Some(returned) = call.returned else {
            return Err(AppError::Conflict("cette interrogation INSi n'a pas renvoyé d'identité".into()));
        };
        let comparison = compare_with_insi(&person.traits, &returned.traits);
        if !comparison.consistent() {
            return Err(DomainError::new(
                "insi",
                "insi-mismatch",
                format!(
                    "les traits renvoyés par INSi ne concordent pas ({}) : vérifiez le justificatif d'identité ; l'INS n'est pas enregistré",
                    comparison.differing().join(", ").to_lowercase()
                ),
            )
            .into());
        }
        if let Some(e) = rise_refusal(&person.attributes) {
            return Err(e.into());
        }
        // One person, one INS: another identity holding it is the same person registered twice.
        let holders =
            identities::holders_of_ins(&mut tx, actor.organisation_id, returned.ins.matricule.as_str(), id).await?;
        if let Some(other) = holders.first() {
            return Err(DomainError::new(
                "insi",
                "ins-already-held",
                format!(
                    "cet INS est déjà celui d'une autre identité de l'organisme (/persons/{other}) : il s'agit probablement d'un doublon, à signaler au référent identitovigilance pour fusion"
                ),
            )
            .into());
        }
        let before = format!("{} {}", person.status.code(), traits_text(&person.traits, &person.used));
        let old_status = person.status;
        person.traits = returned.traits;
        person.ins = Some(returned.ins);
        person.ins_history = returned.history;
        person.ins_retrieved_at = Some(call.called_at);
        person.status = old_status.after_insi_retrieval();
        let now = self.now_micros();
        identities::update_identity(&mut tx, &person, now).await?;
        identities::decide_insi_call(&mut tx, call_id, InsiDecision::Accepted, account, now).await?;
        self.keep_change(
            &mut tx,
            actor,
            ChangeRecord {
                person: id,
                kind: "insi",
                before,
                after: format!("{} {}", person.status.code(), traits_text(&person.traits, &person.used)),
                reason: "identité INSi acceptée après comparaison des traits".into(),
            },
            "person.identity.insi.accept",
            Some(format!("{}→{}", old_status.code(), person.status.code())),
        )
        .await?;
        tx.commit().await.map_err(StoreError::from)?;
        Ok(person.status)
    }

    /// Rejects the identity INSi returned (not this person, or traits to check), with a reason.
    pub async fn reject_insi(&self, actor: &Actor, id: PersonId, call_id: InsiCallId, reason: &str) -> Result<()> {
        let account = Self::account(actor)?;
        let reason = reason_required(reason)?;
        let mut tx = self.store.begin_write().await?;
        self.load_for(&mut tx, actor, id, PersonAction::EditIdentity).await?;
        let call = identities::insi_call(&mut tx, actor.organisation_id, call_id).await?.ok_or(AppError::NotFound)?;
        if call.person_id != Some(id) {
            return Err(AppError::NotFound);
        }
        if call.decision.is_some() {
            return Err(AppError::Conflict("cette réponse INSi a déjà été traitée".into()));
        }
        let now = self.now_micros();
        identities::decide_insi_call(&mut tx, call_id, InsiDecision::Rejected, account, now).await?;
        self.keep_change(
            &mut tx,
            actor,
            ChangeRecord {
                person: id,
                kind: "insi",
                before: String::new(),
                after: "identité INSi refusée".into(),
                reason,
            },
            "person.identity.insi.reject",
            None,
        )
        .await?;
        tx.commit().await.map_err(StoreError::from)?;
        Ok(())
    }

    /// Changes the traits of an identity. Strict traits that INSi or a document confirmed are
    /// locked: changing one needs a reason and makes the identity provisional again (its INS is
    /// no longer used). Returns the status after the change.
    pub async fn change_identity(
        &self,
        actor: &Actor,
        id: PersonId,
        input: &IdentityInput,
        reason: &str,
    ) -> Result<IdentityStatus> {
        // Staff only: an identity change is signed by a person.
        Self::account(actor)?;
        let typed = self.new_person(actor, input)?;
        let mut tx = self.store.begin_write().await?;
        let (mut person, _) = self.load_for(&mut tx, actor, id, PersonAction::EditIdentity).await?;
        let strict_changed = typed.traits != person.traits;
        let used_changed = typed.used != person.used;
        if !strict_changed && !used_changed {
            return Ok(person.status);
        }
        let confirmed = person.status != IdentityStatus::Provisional;
        let reason = if strict_changed && confirmed {
            reason_required(reason)?
        } else {
            reason.split_whitespace().collect::<Vec<_>>().join(" ")
        };
        let before = format!("{} {}", person.status.code(), traits_text(&person.traits, &person.used));
        let old_status = person.status;
        if strict_changed {
            person.traits = typed.traits;
            person.status = old_status.after_strict_trait_change();
            person.ins = None;
            person.ins_retrieved_at = None;
        }
        person.used = typed.used;
        let now = self.now_micros();
        identities::update_identity(&mut tx, &person, now).await?;
        self.keep_change(
            &mut tx,
            actor,
            ChangeRecord {
                person: id,
                kind: "traits",
                before,
                after: format!("{} {}", person.status.code(), traits_text(&person.traits, &person.used)),
                reason,
            },
            "person.identity.edit",
            Some(format!("{}→{}", old_status.code(), person.status.code())),
        )
        .await?;
        tx.commit().await.map_err(StoreError::from)?;
        Ok(person.status)
    }

    /// Sets or lifts an identity attribute, with a reason. A doubtful or fictitious identity is
    /// provisional: setting either drops a higher status and stops the INS being used.
    pub async fn set_identity_attribute(
        &self,
        actor: &Actor,
        id: PersonId,
        attribute: &str,
        on: bool,
        reason: &str,
    ) -> Result<IdentityStatus> {
        Self::account(actor)?;
        // Access first: a reader or a stranger learns nothing from the validation of what they typed.
        let mut tx = self.store.begin_write().await?;
        let (mut person, _) = self.load_for(&mut tx, actor, id, PersonAction::EditIdentity).await?;
        let attribute = IdentityAttribute::from_code(attribute)
            .ok_or_else(|| DomainError::new("attribute", "attribute-unknown", "attribut d'identité inconnu"))?;
        let reason = reason_required(reason)?;
        if person.attributes.contains(attribute) == on {
            return Ok(person.status);
        }
        let before = format!("{} [{}]", person.status.code(), person.attributes.to_storage());
        let old_status = person.status;
        person.attributes.set(attribute, on);
        if on && matches!(attribute, IdentityAttribute::Doubtful | IdentityAttribute::Fictitious) {
            person.status = IdentityStatus::Provisional;
        }
        let now = self.now_micros();
        identities::update_identity(&mut tx, &person, now).await?;
        self.keep_change(
            &mut tx,
            actor,
            ChangeRecord {
                person: id,
                kind: "attributes",
                before,
                after: format!("{} [{}]", person.status.code(), person.attributes.to_storage()),
                reason,
            },
            "person.identity.attribute",
            Some(format!(
                "{}{} {}→{}",
                if on { "+" } else { "-" },
                attribute.code(),
                old_status.code(),
                person.status.code()
            )),
        )
        .await?;
        tx.commit().await.map_err(StoreError::from)?;
        Ok(person.status)
    }

    /// Batch qualification (`relais identity qualify`): asks INSi for every identity of the
    /// establishment that may rise (provisional or validated, sex known, no blocking attribute),
    /// at most `per_second` calls a second. An answer whose traits are identical to the person's
    /// is recorded at once; any other answer waits in the referent's queue.
    pub async fn qualify_establishment(
        &self,
        org: OrganisationId,
        establishment: EstablishmentId,
        per_second: u32,
        mut progress: impl FnMut(usize, usize),
    ) -> Result<BatchReport> {
        let client = self.insi.clone().ok_or_else(|| {
            AppError::Unavailable("le téléservice INSi n'est pas configuré ([insi] dans la configuration)".into())
        })?;
        let candidates = {
            let mut conn = self.store.read().await?;
            identities::to_qualify(&mut conn, org, &[establishment], i64::MAX).await?
        };
        let eligible: Vec<Person> = candidates
            .into_iter()
            .filter(|p| matches!(p.status, IdentityStatus::Provisional | IdentityStatus::Validated))
            .filter(|p| p.traits.sex != Sex::Undetermined && p.attributes.blocking().is_none())
            .collect();
        let mut report = BatchReport { eligible: eligible.len(), ..Default::default() };
        let pause = std::time::Duration::from_secs_f64(1.0 / f64::from(per_second.max(1)));
        let by = AuditActor { kind: "system", id: None, label: "relais identity qualify".into() };
        for (i, person) in eligible.iter().enumerate() {
            let started = std::time::Instant::now();
            let (call, failure) = self.call_insi(&client, person, None).await?;
            let mut tx = self.store.begin_write().await?;
            let mut call = call;
            let mut outcome = "ok";
            match (&call.outcome, &call.returned) {
                (InsiOutcome::Found, Some(returned)) => {
                    let identical = compare_with_insi(&person.traits, &returned.traits)
                        .rows
                        .iter()
                        .all(|r| r.agreement == TraitAgreement::Same);
                    // Re-read: the person may have changed since the list was made.
                    let current = persons::person(&mut tx, org, person.id).await?;
                    let held = !identities::holders_of_ins(&mut tx, org, returned.ins.matricule.as_str(), person.id)
                        .await?
                        .is_empty();
                    match current {
                        Some(mut p) if held => {
                            // Another identity already carries this INS: a duplicate for the referent.
                            p.attributes.set(IdentityAttribute::SuspectedDuplicate, true);
                            identities::set_attributes(&mut tx, p.id, &p.attributes, self.now_micros()).await?;
                            report.to_review += 1;
                        }
                        Some(mut p) if identical && p.traits == person.traits && p.attributes.blocking().is_none() => {
                            let now = self.now_micros();
                            call.decision = Some(InsiDecision::Accepted);
                            call.decided_at = Some(now);
                            let before = format!("{} {}", p.status.code(), traits_text(&p.traits, &p.used));
                            p.ins = Some(returned.ins.clone());
                            p.ins_history = returned.history.clone();
                            p.ins_retrieved_at = Some(call.called_at);
                            p.status = p.status.after_insi_retrieval();
                            identities::update_identity(&mut tx, &p, now).await?;
                            identities::insert_identity_change(
                                &mut tx,
                                org,
                                &IdentityChange {
                                    person_id: p.id,
                                    account_id: None,
                                    changed_at: now,
                                    kind: "insi".into(),
                                    before,
                                    after: format!("{} {}", p.status.code(), traits_text(&p.traits, &p.used)),
                                    reason: "qualification par lot : traits identiques à ceux d'INSi".into(),
                                },
                            )
                            .await?;
                            report.recorded += 1;
                        }
                        _ => report.to_review += 1,
                    }
                }
                (InsiOutcome::NotFound, _) => report.not_found += 1,
                (InsiOutcome::Several, _) => report.several += 1,
                _ => {
                    report.errors += 1;
                    outcome = "error";
                }
            }
            identities::insert_insi_call(&mut tx, org, &call).await?;
            audit::append(
                &mut tx,
                relais_store::audit::NewAuditEvent {
                    organisation_id: Some(org),
                    actor: by.clone(),
                    action: "person.identity.insi",
                    outcome,
                    person_id: Some(person.id),
                    resource: Some(format!("person/{}", person.id)),
                    detail: Some(format!(
                        "lot {} {}{}",
                        call.outcome.code(),
                        call.code,
                        if call.decision.is_some() { " enregistrée" } else { "" }
                    )),
                    client_ip: None,
                },
            )
            .await?;
            tx.commit().await.map_err(StoreError::from)?;
            if let Some(message) = failure
                && report.first_error.is_none()
            {
                report.first_error = Some(message);
            }
            progress(i + 1, report.eligible);
            if let Some(rest) = pause.checked_sub(started.elapsed()) {
                tokio::time::sleep(rest).await;
            }
        }
        Ok(report)
    }

    /// Whether the actor works the identity-vigilance queue where `person` is known.
    fn may_merge(&self, actor: &Actor, person: &Person, stays: &[Stay]) -> bool {
        matches!(actor.principal, Principal::Staff { .. })
            && relais_domain::access::may_merge_identity(
                actor.grants(),
                &relais_store::persons::scope_of(person, stays),
                self.today(),
            )
    }

    /// Merges `merged` into `survivor` (the same person registered twice): every record of the
    /// merged identity moves to the survivor, which keeps its identity; the merged identity
    /// becomes an inactive alias. Undone by `unmerge_person`.
    pub async fn merge_persons(
        &self,
        actor: &Actor,
        survivor: PersonId,
        merged: PersonId,
        reason: &str,
    ) -> Result<Vec<(&'static str, i64)>> {
        let account = Self::account(actor)?;
        let reason = reason_required(reason)?;
        if survivor == merged {
            return Err(
                DomainError::new("merged", "merge-self", "une identité ne se fusionne pas avec elle-même").into()
            );
        }
        let mut tx = self.store.begin_write().await?;
        let (mut s, s_stays) = self.load_for(&mut tx, actor, survivor, PersonAction::ViewIdentity).await?;
        let (mut m, m_stays) = self.load_for(&mut tx, actor, merged, PersonAction::ViewIdentity).await?;
        if !self.may_merge(actor, &s, &s_stays) || !self.may_merge(actor, &m, &m_stays) {
            return Err(AppError::Forbidden);
        }
        if s.merged_into.is_some() || m.merged_into.is_some() {
            return Err(AppError::Conflict("l'une de ces identités est déjà fusionnée".into()));
        }
        if let (Some(a), Some(b)) = (&s.ins, &m.ins)
            && a.matricule != b.matricule
            && !s
                .ins_history
                .iter()
                .chain(m.ins_history.iter())
                .any(|h| h.matricule == a.matricule || h.matricule == b.matricule)
        {
            return Err(DomainError::new(
                "merged",
                "merge-two-ins",
                "ces identités portent deux INS différents : ce ne sont pas la même personne",
            )
            .into());
        }
        let now = self.now_micros();
        let (merge_id, moved) =
            identities::merge(&mut tx, actor.organisation_id, survivor, merged, Some(account), &reason, now).await?;
        // Merging settles the doubt on both sides.
        for p in [&mut s, &mut m] {
            if p.attributes.contains(IdentityAttribute::SuspectedDuplicate) {
                p.attributes.set(IdentityAttribute::SuspectedDuplicate, false);
                identities::set_attributes(&mut tx, p.id, &p.attributes, now).await?;
            }
        }
        let summary =
            moved.iter().filter(|(_, n)| *n > 0).map(|(t, n)| format!("{t} {n}")).collect::<Vec<_>>().join(", ");
        for (person, kind, after) in [
            (survivor, "merge", format!("a reçu le dossier de {merged}")),
            (merged, "merge", format!("fusionnée dans {survivor}")),
        ] {
            self.keep_change(
                &mut tx,
                actor,
                ChangeRecord {
                    person,
                    kind,
                    before: String::new(),
                    after: format!("{after} ({summary})"),
                    reason: reason.clone(),
                },
                "person.merge",
                Some(format!("fusion {merge_id}: {merged} → {survivor}; {summary}")),
            )
            .await?;
        }
        tx.commit().await.map_err(StoreError::from)?;
        Ok(moved)
    }

    /// Undoes the last merge of `merged`: its records go back to it (with the versions written
    /// since on them), what was recorded on the survivor since stays there, and it is active again.
    pub async fn unmerge_person(
        &self,
        actor: &Actor,
        merged: PersonId,
        reason: &str,
    ) -> Result<Vec<(&'static str, i64)>> {
        let account = Self::account(actor)?;
        let reason = reason_required(reason)?;
        let mut tx = self.store.begin_write().await?;
        let (m, m_stays) = self.load_for(&mut tx, actor, merged, PersonAction::ViewIdentity).await?;
        let Some(survivor) = m.merged_into else {
            return Err(AppError::Conflict("cette identité n'est pas fusionnée".into()));
        };
        if !self.may_merge(actor, &m, &m_stays) {
            return Err(AppError::Forbidden);
        }
        let merge = identities::merges_of(&mut tx, merged)
            .await?
            .into_iter()
            .find(|x| x.merged_id == merged && x.survivor_id == survivor && x.unmerged_at.is_none())
            .ok_or_else(|| AppError::Internal("merged person without its merge".into()))?;
        let now = self.now_micros();
        let moved = identities::unmerge(&mut tx, &merge, Some(account), &reason, now).await?;
        let summary =
            moved.iter().filter(|(_, n)| *n > 0).map(|(t, n)| format!("{t} {n}")).collect::<Vec<_>>().join(", ");
        for person in [survivor, merged] {
            self.keep_change(
                &mut tx,
                actor,
                ChangeRecord {
                    person,
                    kind: "unmerge",
                    before: String::new(),
                    after: format!("fusion annulée : {merged} séparée de {survivor} ({summary})"),
                    reason: reason.clone(),
                },
                "person.unmerge",
                Some(format!("fusion {} annulée; {summary}", merge.id)),
            )
            .await?;
        }
        tx.commit().await.map_err(StoreError::from)?;
        Ok(moved)
    }

    /// The identity-vigilance queue over the establishments where the actor works it.
    pub async fn identity_queue(&self, actor: &Actor) -> Result<IdentityQueue> {
        if !matches!(actor.principal, Principal::Staff { .. }) {
            return Err(AppError::Forbidden);
        }
        let establishments = relais_domain::access::identity_queue_establishments(actor.grants(), self.today());
        if establishments.is_empty() {
            return Err(AppError::Forbidden);
        }
        let mut conn = self.store.read().await?;
        let to_qualify = identities::to_qualify(&mut conn, actor.organisation_id, &establishments, 200).await?;
        let calls = identities::undecided_insi_calls(&mut conn, actor.organisation_id, 200).await?;
        let duplicates = identities::suspected_duplicates(&mut conn, actor.organisation_id, 200).await?;
        let visible = |this: &App, p: &Person, stays: &[Stay]| {
            decision(this, actor, PersonAction::EditIdentity, p, stays) == Decision::Allow
        };
        let call_persons: Vec<PersonId> = calls.iter().filter_map(|c| c.person_id).collect();
        let mut all: Vec<PersonId> = to_qualify.iter().map(|p| p.id).chain(duplicates.iter().map(|p| p.id)).collect();
        all.extend(call_persons.iter().copied());
        let stays = persons::stays_of(&mut conn, &all).await?;
        let people = persons::persons_by_ids(&mut conn, actor.organisation_id, &call_persons).await?;
        drop(conn);
        let stays_of = |id: PersonId| stays.iter().filter(|s| s.person_id == id).cloned().collect::<Vec<_>>();
        let mut mismatches = Vec::new();
        let mut undecided = Vec::new();
        for c in calls {
            let Some(p) = c.person_id.and_then(|id| people.iter().find(|p| p.id == id)) else { continue };
            if !visible(self, p, &stays_of(p.id)) {
                continue;
            }
            let Some(returned) = &c.returned else { continue };
            let comparison = compare_with_insi(&p.traits, &returned.traits);
            if comparison.consistent() {
                undecided.push((c, p.clone()));
            } else {
                mismatches.push((c, p.clone(), comparison));
            }
        }
        let queue = IdentityQueue {
            to_qualify: to_qualify.into_iter().filter(|p| visible(self, p, &stays_of(p.id))).collect(),
            mismatches,
            undecided,
            suspected_duplicates: duplicates.into_iter().filter(|p| visible(self, p, &stays_of(p.id))).collect(),
        };
        let mut shown: Vec<PersonId> = queue
            .to_qualify
            .iter()
            .chain(queue.suspected_duplicates.iter())
            .chain(queue.mismatches.iter().map(|(_, p, _)| p))
            .chain(queue.undecided.iter().map(|(_, p)| p))
            .map(|p| p.id)
            .collect();
        shown.sort();
        shown.dedup();
        self.audit(actor.event("identity.queue.read", "ok").listing(&shown)).await?;
        Ok(queue)
    }
}

/// Why the duplicate check of a registration asks for confirmation.
pub fn duplicate_warning(candidates: &[DuplicateCandidate]) -> Option<String> {
    let strong =
        candidates.iter().filter(|c| matches!(c.result.grade, MatchGrade::Certain | MatchGrade::Probable)).count();
    (strong > 0).then(|| {
        format!(
            "{strong} identité(s) très proche(s) existe(nt) déjà : vérifiez qu'il ne s'agit pas de la même personne avant de créer une nouvelle identité"
        )
    })
}

/// A name as INSi holds it: capitals without diacritics, hyphens, apostrophes and spaces kept
/// ("Zoé" is searched as "ZOE", "Pierre-Alain" as "PIERRE-ALAIN").
fn insi_text(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '-' | ' ' => c.to_string(),
            '\'' | '’' => "'".to_string(),
            _ => relais_domain::text::fold(&c.to_string()).to_uppercase(),
        })
        .collect()
}

/// Evidence number as typed: letters and digits only, at most 30, so that nothing else is kept.
pub(crate) fn evidence_number(input: &str, v: &mut Validation) -> Option<String> {
    let s: String = input.split_whitespace().collect::<Vec<_>>().join("");
    if s.is_empty() {
        return None;
    }
    if s.chars().count() > 30 || !s.chars().all(|c| c.is_ascii_alphanumeric()) {
        v.push(DomainError::new(
            "number",
            "evidence-number",
            "numéro du justificatif : lettres et chiffres, 30 au plus",
        ));
        return None;
    }
    Some(s.to_uppercase())
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_are_sent_to_insi_in_capitals_without_diacritics() {
        assert_eq!(super::insi_text("Zoé"), "ZOE");
        assert_eq!(super::insi_text("Pierre-Alain"), "PIERRE-ALAIN");
        assert_eq!(super::insi_text("D’Arc Lefèvre"), "D'ARC LEFEVRE");
        assert_eq!(super::insi_text("Œdipe"), "OEDIPE");
    }
}
