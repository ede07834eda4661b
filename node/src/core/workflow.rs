//! The reporting workflow at a node: review decisions on children's submissions (accept, or
//! return with a reason), the state of every document of the subtree, and whether a figure still
//! includes input nobody has accepted (provisional).
//!
//! Decisions are signed notices ([`protocol::notice`]) made by the parent of a document's owner;
//! sessions carry them down to the owner and up to every ancestor, and each node keeps all it
//! may see in its store. Everything here is derived from the submissions and notices held, so any
//! node computes the same states from the same objects.

use protocol::notice::is_in_subtree;
use protocol::notice::{PeriodLock, ReturnChoices, ReturnDefinition};
use protocol::{Decision, DocumentKey, Notice, NoticeBody, ObjectHash, Signed, Verdict};
use schemas::{Ledger, Period};
use serde::{Deserialize, Serialize};
use topology::DivisionCode;

use super::{CoreError, NodeCore, object_hash};
use crate::store::{Batch, Durability, Tree};

/// Where a document stands in review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ReviewState {
    /// Nothing submitted (held here) yet.
    Missing,
    /// Submitted and not yet decided.
    Submitted,
    /// Accepted by the owner's parent (or the root's own submission, which no one reviews).
    Accepted,
    /// Returned for correction, with the reviewer's reason; a newer submission is `Submitted`.
    Returned { reason: String },
}

fn unobserved_clock() -> super::receipts::OwnerClock {
    super::receipts::OwnerClock::Unobserved
}

/// One decision as shown in a document's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecisionView {
    pub sequence: u64,
    pub submission: String,
    pub verdict: String,
    pub reason: Option<String>,
    pub decided_by: DivisionCode,
    /// The deciding node's name in the topology.
    #[serde(default)]
    pub decided_by_name: String,
    /// The person who decided, as the signed decision names them; `None` for a decision signed
    /// before decisions named a person (shown as not recorded).
    #[serde(default)]
    pub decided_by_person: Option<String>,
    pub time_ms: i64,
    pub hash: String,
}

/// A document's review: its latest submission, its state and every decision held about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentReview {
    pub key: String,
    pub owner: DivisionCode,
    pub sequence: Option<u64>,
    pub submitted_at_ms: Option<i64>,
    /// The person who made the latest submission, as it is signed; `None` when nothing is
    /// submitted or the submission was signed before submissions named a person.
    #[serde(default)]
    pub submitted_by: Option<String>,
    pub review: ReviewState,
    /// The person whose decision (the owner's parent's) stands on the latest submission, when
    /// it was accepted or returned and the decision names them.
    #[serde(default)]
    pub decided_by_person: Option<String>,
    /// The latest submission reached the tree after the root closed the period (by its parent's
    /// receipt): it is held and shown but not counted until the period is reopened.
    #[serde(default)]
    pub late_correction: bool,
    /// When the owner's parent received the latest submission (its signed receipt), in Unix
    /// milliseconds: what lateness is judged by. `None` for the root's own submission and for
    /// submissions stored before receipts existed.
    #[serde(default)]
    pub received_at_ms: Option<i64>,
    /// How the owner's signing time compares with the receipt (a clock ahead or set back shows).
    #[serde(default = "unobserved_clock")]
    pub owner_clock: super::receipts::OwnerClock,
    /// Set when the latest submission was signed by a key since revoked, after it was
    /// compromised: held and counted (it was taken before the revocation), but suspect.
    #[serde(default)]
    pub revoked_key: Option<String>,
    /// The root has closed the period (the document is locked at its last submission before).
    #[serde(default)]
    pub period_closed: bool,
    pub history: Vec<DecisionView>,
    /// Every submission of the document held here, oldest first (filled by
    /// [`NodeCore::document_history`]; empty in summaries).
    #[serde(default)]
    pub submissions: Vec<SubmissionView>,
}

/// One signed submission in a document's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubmissionView {
    pub sequence: u64,
    pub hash: String,
    pub signed_at_ms: i64,
    pub n_records: u64,
    /// The person who submitted, as signed; `None` for a submission signed before submissions
    /// named a person.
    #[serde(default)]
    pub submitted_by: Option<String>,
}

impl NodeCore {
    /// Loads and verifies every stored notice.
    pub(super) fn load_notices(&mut self) -> Result<(), CoreError> {
        for (key, bytes) in self.store.scan_prefix(Tree::Notices, &[])? {
            let hash = object_hash(&key, &crate::t!("node.core.object.notice_key"))?;
            let notice: Signed<Notice> =
                Signed::from_bytes(&bytes, &self.topology).map_err(|error| {
                    CoreError::CorruptObject {
                        what: crate::t!("node.core.object.notice", hash = hash.short())
                            .into_owned(),
                        reason: error.to_string(),
                    }
                })?;
            self.index_receipt(&notice);
            self.notices.insert(hash, notice);
        }
        Ok(())
    }

    /// The notices `peer` may see: to a child, those about its subtree; to the parent, those
    /// about this node's subtree (it already has what it signed itself, and sessions skip what
    /// either side sent).
    pub fn notices_for(&self, peer: DivisionCode) -> Vec<Signed<Notice>> {
        let concerned = if self.topology.parent_of(self.code) == Some(peer) {
            self.code
        } else {
            peer
        };
        let to_parent = concerned == self.code;
        self.notices
            .values()
            .filter(|notice| {
                notice.payload().signer != peer
                    && match notice.payload().key() {
                        // Definitions come down from the root, never up.
                        None => !to_parent,
                        Some(key) => is_in_subtree(&self.topology, key.owner, concerned),
                    }
            })
            .cloned()
            .collect()
    }

    /// Every notice about documents in `node`'s subtree, whoever signed it, and every definition
    /// and lock: what a child that restores its store gets back.
    pub fn notices_about(&self, node: DivisionCode) -> Vec<Signed<Notice>> {
        self.notices
            .values()
            .filter(|notice| match notice.payload().key() {
                None => true,
                Some(key) => is_in_subtree(&self.topology, key.owner, node),
            })
            .cloned()
            .collect()
    }

    /// Stores a checked notice durably; false when already held.
    pub fn put_notice(&mut self, notice: &Signed<Notice>) -> Result<bool, CoreError> {
        self.put_notice_with(notice, Durability::Flush)
    }

    /// Stores a checked notice a peer sent. Written without waiting for the disk: a peer sends
    /// every notice the other side may see again at the start of each session, so one lost in a
    /// crash comes back with the next session, and a receipt or decision arriving for every
    /// stored submission costs no flush of its own.
    pub fn put_received_notice(&mut self, notice: &Signed<Notice>) -> Result<bool, CoreError> {
        self.put_notice_with(notice, Durability::Lazy)
    }

    fn put_notice_with(
        &mut self,
        notice: &Signed<Notice>,
        durability: Durability,
    ) -> Result<bool, CoreError> {
        let hash = notice.hash();
        if self.notices.contains_key(&hash) {
            return Ok(false);
        }
        let mut batch = Batch::new();
        batch.put(Tree::Notices, hash.0.to_vec(), notice.to_bytes());
        self.store.apply(&batch, durability)?;
        self.index_receipt(notice);
        self.notices.insert(hash, notice.clone());
        self.generation += 1;
        Ok(true)
    }

    /// The root's latest definition of the return (ledger, period), if held.
    pub fn definition_of(&self, ledger: Ledger, period: Period) -> Option<&ReturnDefinition> {
        self.notices
            .values()
            .filter_map(|notice| match &notice.payload().body {
                NoticeBody::Definition(definition)
                    if definition.ledger == ledger && definition.period == period =>
                {
                    Some((definition.revision, notice.hash().0, definition))
                }
                _ => None,
            })
            .max_by_key(|(revision, hash, _)| (*revision, *hash))
            .map(|(_, _, definition)| definition)
    }

    /// What the checks of (ledger, period) use from the return's definition: its benchmark table
    /// and saving-type target; the defaults without a definition, or for a benchmark table this
    /// node does not ship (a newer root's: `return define` refuses ids the root does not ship).
    pub fn check_options(&self, ledger: Ledger, period: Period) -> schemas::ledgers::CheckOptions {
        self.definition_of(ledger, period)
            .and_then(|definition| {
                let choices = &definition.choices;
                schemas::ledgers::CheckOptions::chosen(
                    choices.benchmarks.as_deref(),
                    choices.saving_target_percent,
                )
                .ok()
            })
            .unwrap_or_default()
    }

    /// Every return definition held, the latest revision of each.
    pub fn definitions(&self) -> Vec<ReturnDefinition> {
        let mut keys: Vec<(Ledger, Period)> = self
            .notices
            .values()
            .filter_map(|notice| match &notice.payload().body {
                NoticeBody::Definition(definition) => Some((definition.ledger, definition.period)),
                NoticeBody::Decision(_) | NoticeBody::Lock(_) | NoticeBody::Receipt(_) => None,
            })
            .collect();
        keys.sort();
        keys.dedup();
        keys.into_iter()
            .filter_map(|(ledger, period)| self.definition_of(ledger, period).cloned())
            .collect()
    }

    /// Defines (or revises) a return at the root: signed, stored, and sent down with the next
    /// sessions. Only the root defines returns.
    pub fn define_return(
        &mut self,
        ledger: Ledger,
        period: Period,
        terms: ReturnTerms,
        now_ms: i64,
    ) -> Result<ReturnDefinition, CoreError> {
        let ReturnTerms {
            deadline_ms,
            blocking_rules,
            coefficients_version,
            choices,
        } = terms;
        if self.topology.root().code != self.code {
            return Err(CoreError::Definition {
                reason: crate::t!(
                    "node.core.reason.only_root_defines",
                    root = self.topology.root().code,
                    node = self.code
                )
                .into_owned(),
            });
        }
        if schemas::coefficients::by_version(&coefficients_version).is_none() {
            return Err(CoreError::Definition {
                reason: crate::t!(
                    "node.core.reason.unknown_coefficient_table",
                    version = coefficients_version.escape_debug()
                )
                .into_owned(),
            });
        }
        check_blocking_rules(ledger, &blocking_rules)?;
        let revision = self
            .definition_of(ledger, period)
            .map_or(1, |previous| previous.revision + 1);
        let definition = ReturnDefinition {
            ledger,
            period,
            deadline_ms,
            blocking_rules,
            coefficients_version,
            revision,
            choices,
        };
        let notice = Notice {
            signer: self.code,
            time_ms: now_ms,
            body: NoticeBody::Definition(definition.clone()),
        };
        let signed = Signed::sign(notice, &self.signing_key, &self.topology)?;
        self.put_notice(&signed)?;
        Ok(definition)
    }

    /// When the root closed (ledger, period), if its latest lock notice closes it; `None` while
    /// it is open or was reopened.
    pub fn locked_since(&self, ledger: Ledger, period: Period) -> Option<i64> {
        self.closing_lock(ledger, period).map(|lock| lock.time_ms)
    }

    /// Closes or reopens (ledger, period) at the root: signed, stored, sent down with the next
    /// sessions, and this node's rollup recomputed.
    pub fn set_lock(
        &mut self,
        ledger: Ledger,
        period: Period,
        closed: bool,
        now_ms: i64,
    ) -> Result<(), CoreError> {
        if self.topology.root().code != self.code {
            return Err(CoreError::Definition {
                reason: crate::t!(
                    "node.core.reason.only_root_locks",
                    root = self.topology.root().code,
                    node = self.code
                )
                .into_owned(),
            });
        }
        let revision = self
            .notices
            .values()
            .filter_map(|notice| match &notice.payload().body {
                NoticeBody::Lock(lock) if lock.ledger == ledger && lock.period == period => {
                    Some(lock.revision)
                }
                _ => None,
            })
            .max()
            .unwrap_or(0)
            + 1;
        let notice = Notice {
            signer: self.code,
            time_ms: now_ms,
            body: NoticeBody::Lock(PeriodLock {
                ledger,
                period,
                closed,
                revision,
            }),
        };
        let signed = Signed::sign(notice, &self.signing_key, &self.topology)?;
        self.put_notice(&signed)?;
        self.consolidate(ledger, period, now_ms)?;
        Ok(())
    }

    /// Decides on the latest submission held for a child's document: accepted, or returned with
    /// a reason. Only the owner's parent may decide; the decision, naming `by`, the person who
    /// decides, is signed, stored, and goes down to the owner and up to the root with the next
    /// sessions.
    pub fn decide(
        &mut self,
        key: DocumentKey,
        verdict: Verdict,
        by: &super::Actor,
        now_ms: i64,
    ) -> Result<DocumentReview, CoreError> {
        let review_error = |reason: String| CoreError::Review { key, reason };
        if self.topology.parent_of(key.owner) != Some(self.code) {
            return Err(review_error(
                crate::t!(
                    "node.core.reason.only_parent_reviews",
                    owner = key.owner,
                    node = self.code
                )
                .into_owned(),
            ));
        }
        let Some(latest) = self.latest_submissions.get(&key) else {
            return Err(review_error(
                crate::t!("node.core.reason.nothing_received").into_owned(),
            ));
        };
        let notice = Notice {
            signer: self.code,
            time_ms: now_ms,
            body: NoticeBody::Decision(Decision {
                key,
                sequence: latest.submission.payload().sequence,
                submission: latest.submission.hash(),
                verdict,
                decided_by: Some(by.signed_name()),
            }),
        };
        let signed = Signed::sign(notice, &self.signing_key, &self.topology)?;
        self.put_notice(&signed)?;
        Ok(self.document_review(key))
    }

    /// The decisions held about a document, oldest first.
    fn decisions_about(&self, key: DocumentKey) -> Vec<(&Signed<Notice>, &Decision)> {
        let mut decisions: Vec<(&Signed<Notice>, &Decision)> = self
            .notices
            .values()
            .filter_map(|notice| match &notice.payload().body {
                NoticeBody::Decision(decision) if decision.key == key => Some((notice, decision)),
                NoticeBody::Decision(_)
                | NoticeBody::Definition(_)
                | NoticeBody::Lock(_)
                | NoticeBody::Receipt(_) => None,
            })
            .collect();
        decisions.sort_by_key(|(notice, _)| (notice.payload().time_ms, notice.hash().0));
        decisions
    }

    /// The latest decision of the owner's parent on one submission, if any: the one that stands.
    fn decision_on(
        &self,
        key: DocumentKey,
        submission: &ObjectHash,
    ) -> Option<(&Signed<Notice>, &Decision)> {
        let reviewer = self.topology.parent_of(key.owner)?;
        self.decisions_about(key)
            .into_iter()
            .rfind(|(notice, decision)| {
                notice.payload().signer == reviewer && decision.submission == *submission
            })
    }

    /// The latest verdict of the owner's parent on one submission, if any.
    fn verdict_on(&self, key: DocumentKey, submission: &ObjectHash) -> Option<&Verdict> {
        self.decision_on(key, submission)
            .map(|(_, decision)| &decision.verdict)
    }

    /// The decision of the owner's parent that stands on one submission, as shown; `None` while
    /// undecided, and for the root's own submissions, which no one reviews.
    pub fn standing_decision(
        &self,
        key: DocumentKey,
        submission: &ObjectHash,
    ) -> Option<DecisionView> {
        self.decision_on(key, submission)
            .map(|(notice, decision)| self.decision_view(notice, decision))
    }

    /// One decision as shown.
    fn decision_view(&self, notice: &Signed<Notice>, decision: &Decision) -> DecisionView {
        DecisionView {
            sequence: decision.sequence,
            submission: decision.submission.to_hex(),
            verdict: match decision.verdict {
                Verdict::Accepted => "accepted".to_owned(),
                Verdict::Returned { .. } => "returned".to_owned(),
            },
            reason: match &decision.verdict {
                Verdict::Returned { reason } => Some(reason.clone()),
                Verdict::Accepted => None,
            },
            decided_by: notice.payload().signer,
            decided_by_name: self
                .topology
                .node(notice.payload().signer)
                .map(|node| node.name_zh.clone())
                .unwrap_or_default(),
            decided_by_person: decision.decided_by.clone(),
            time_ms: notice.payload().time_ms,
            hash: notice.hash().to_hex(),
        }
    }

    /// Whether a submission counts as accepted: its owner's parent accepted it, or its owner is
    /// the root, whose own submission no one reviews.
    pub fn is_accepted(&self, key: DocumentKey, submission: &ObjectHash) -> bool {
        self.topology.parent_of(key.owner).is_none()
            || matches!(self.verdict_on(key, submission), Some(Verdict::Accepted))
    }

    /// A document's review state and history as held here.
    pub fn document_review(&self, key: DocumentKey) -> DocumentReview {
        let latest = self.latest_submissions.get(&key);
        let review = match latest {
            None => ReviewState::Missing,
            Some(accepted) => {
                let hash = accepted.submission.hash();
                if self.is_accepted(key, &hash) {
                    ReviewState::Accepted
                } else {
                    match self.verdict_on(key, &hash) {
                        Some(Verdict::Returned { reason }) => ReviewState::Returned {
                            reason: reason.clone(),
                        },
                        _ => ReviewState::Submitted,
                    }
                }
            }
        };
        let history = self
            .decisions_about(key)
            .into_iter()
            .map(|(notice, decision)| self.decision_view(notice, decision))
            .collect();
        let closing = self.closing_lock(key.ledger, key.period);
        let late_correction = match (latest, closing) {
            (Some(held), Some(lock)) => !self.counts_while_closed(held, lock),
            _ => false,
        };
        DocumentReview {
            late_correction,
            received_at_ms: latest.and_then(|held| self.received_at_ms(&held.submission.hash())),
            owner_clock: latest.map_or(super::receipts::OwnerClock::Unobserved, |held| {
                self.owner_clock(held)
            }),
            revoked_key: latest.and_then(|held| {
                self.revoked_key_flag(&held.submission, held.submission.payload().time_ms)
            }),
            period_closed: closing.is_some(),
            submissions: Vec::new(),
            key: key.to_string(),
            owner: key.owner,
            sequence: latest.map(|accepted| accepted.submission.payload().sequence),
            submitted_at_ms: latest.map(|accepted| accepted.submission.payload().time_ms),
            submitted_by: latest
                .and_then(|accepted| accepted.submission.payload().submitted_by.clone()),
            decided_by_person: latest
                .and_then(|accepted| self.decision_on(key, &accepted.submission.hash()))
                .and_then(|(_, decision)| decision.decided_by.clone()),
            review,
            history,
        }
    }

    /// A document's review with every signed submission of it held here: the whole history of
    /// its transitions, each signed by whoever made it.
    pub fn document_history(&self, key: DocumentKey) -> Result<DocumentReview, CoreError> {
        let mut review = self.document_review(key);
        for (hash, _) in self
            .store
            .scan_prefix(crate::store::Tree::Submissions, &[])?
        {
            let hash = object_hash(&hash, &crate::t!("node.core.object.submission_key"))?;
            if let Some(held) = self.load_submission(&hash)?
                && held.submission.payload().key == key
            {
                let payload = held.submission.payload();
                review.submissions.push(SubmissionView {
                    sequence: payload.sequence,
                    hash: hash.to_hex(),
                    signed_at_ms: payload.time_ms,
                    n_records: payload.n_records,
                    submitted_by: payload.submitted_by.clone(),
                });
            }
        }
        review
            .submissions
            .sort_by_key(|submission| submission.sequence);
        Ok(review)
    }

    /// The review of every node's document of (ledger, period) in this node's subtree, this
    /// node's own first.
    pub fn subtree_reviews(&self, ledger: Ledger, period: Period) -> Vec<DocumentReview> {
        let mut owners = self.topology.subtree(self.code);
        owners.sort();
        owners.sort_by_key(|owner| *owner != self.code);
        owners
            .into_iter()
            .map(|owner| self.document_review(DocumentKey::new(owner, ledger, period)))
            .collect()
    }

    /// The person who made a held submission, as signed: `None` when the submission names nobody
    /// (signed before submissions named a person) or is not held.
    pub fn submitter_of(&self, hash: &ObjectHash) -> Result<Option<String>, CoreError> {
        if let Some(held) = self
            .latest_submissions
            .values()
            .find(|held| held.submission.hash() == *hash)
        {
            return Ok(held.submission.payload().submitted_by.clone());
        }
        Ok(self
            .load_submission(hash)?
            .and_then(|held| held.submission.payload().submitted_by.clone()))
    }

    /// The owners whose submissions a node's figure includes without their parent's acceptance:
    /// while any is listed, the figure is provisional.
    pub fn unaccepted_inputs(
        &self,
        node: DivisionCode,
        ledger: Ledger,
        period: Period,
    ) -> Result<Vec<DivisionCode>, CoreError> {
        let coverage = self.coverage(node, ledger, period);
        let mut unaccepted = Vec::new();
        for hash in &coverage.submissions {
            let key = match self
                .latest_submissions
                .values()
                .find(|held| held.submission.hash() == *hash)
            {
                Some(held) => held.submission.payload().key,
                None => match self.load_submission(hash)? {
                    Some(held) => held.submission.payload().key,
                    None => continue,
                },
            };
            if !self.is_accepted(key, hash) {
                unaccepted.push(key.owner);
            }
        }
        unaccepted.sort();
        unaccepted.dedup();
        Ok(unaccepted)
    }
}

/// What the root sets when it defines a return, besides its ledger and period.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReturnTerms {
    /// When submissions are due, milliseconds since the Unix epoch.
    pub deadline_ms: i64,
    /// Warning rules (by code, from the ledger's registry) that block a submission.
    pub blocking_rules: Vec<String>,
    /// The coefficient table the figures are computed with.
    pub coefficients_version: String,
    /// Benchmarks, targets and the heading of the forms.
    pub choices: ReturnChoices,
}

/// Refuses a blocking rule that is not in the ledger's rule registry, listing every rule it has:
/// a typo would otherwise block nothing, silently.
fn check_blocking_rules(ledger: Ledger, blocking_rules: &[String]) -> Result<(), CoreError> {
    let registry = schemas::ledgers::definition(ledger);
    let unknown: Vec<&str> = blocking_rules
        .iter()
        .map(String::as_str)
        .filter(|rule| registry.rule(rule).is_none())
        .collect();
    if unknown.is_empty() {
        return Ok(());
    }
    let locale = schemas::Language::current().code();
    Err(CoreError::Definition {
        reason: crate::t!(
            "node.core.reason.unknown_blocking_rule",
            rules = unknown.join(", "),
            ledger = ledger.named(locale),
            known = schemas::ledgers::rules_named(ledger, locale)
        )
        .into_owned(),
    })
}
