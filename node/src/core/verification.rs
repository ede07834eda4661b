//! `verify`: re-checks, from what is on disk, every signature held and recomputes every rollup
//! from the raw replicas. Stops at the first mismatch and names it.
//!
//! Nothing here trusts the in-memory caches: submissions, rollups and documents are read from the
//! store again, signatures verified again, and figures recomputed from the records.

use std::collections::HashMap;

use automerge::Automerge;
use protocol::authorization::{check_document, first_difference};
use protocol::rollup::{InputKind, RollupInput, consolidate};
use protocol::{AcceptedSubmission, DocumentKey, ObjectHash};
use schemas::figures::Figures;
use serde::{Deserialize, Serialize};

use super::NodeCore;
use crate::store::Tree;

/// What a passing verification checked.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifyReport {
    pub submissions_checked: usize,
    pub documents_checked: usize,
    pub rollups_checked: usize,
    /// Review decisions whose signature and signer's authority were checked again.
    #[serde(default)]
    pub decisions_checked: usize,
    /// Return definitions and period locks whose signature and signer (the root) were checked
    /// again.
    #[serde(default)]
    pub definitions_checked: usize,
    /// Receipts (a parent's signed record of when a submission reached it) checked again.
    #[serde(default)]
    pub receipts_checked: usize,
    /// Objects held that were signed by a key since revoked, after it was compromised: they were
    /// taken before the revocation and still count, but may be forged.
    #[serde(default)]
    pub flagged: Vec<String>,
    /// Every signed submission and rollup stored, superseded ones included, whose signature and
    /// place in this node's subtree were checked again.
    #[serde(default)]
    pub stored_objects_checked: usize,
}

/// The first thing that did not check out.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
#[error("{}", crate::t!("node.verify.failure", subject = .subject, reason = .reason))]
pub struct VerifyFailure {
    /// The document or object, e.g. `文档 640104000000/energy/2025`, in the language in force.
    pub subject: String,
    pub reason: String,
}

fn fail<T>(subject: impl Into<String>, reason: impl ToString) -> Result<T, VerifyFailure> {
    Err(VerifyFailure {
        subject: subject.into(),
        reason: reason.to_string(),
    })
}

/// How a failure names a rollup: its node, ledger, period and sequence.
fn rollup_subject(payload: &protocol::Rollup) -> String {
    crate::t!(
        "node.verify.rollup",
        node = payload.node,
        ledger = payload.ledger,
        period = payload.period,
        sequence = payload.sequence
    )
    .into_owned()
}

/// Verification state: documents read once, figures recomputed once per submission or rollup.
struct Verifier<'core> {
    core: &'core NodeCore,
    documents: HashMap<DocumentKey, Automerge>,
    submission_figures: HashMap<ObjectHash, Figures>,
    rollup_figures: HashMap<ObjectHash, Figures>,
    report: VerifyReport,
}

impl NodeCore {
    /// Re-checks everything held. See the module documentation.
    pub fn verify(&self) -> Result<VerifyReport, VerifyFailure> {
        let mut verifier = Verifier {
            core: self,
            documents: HashMap::new(),
            submission_figures: HashMap::new(),
            rollup_figures: HashMap::new(),
            report: VerifyReport::default(),
        };
        for accepted in self.latest_submissions.values() {
            let figures = verifier.submission(&accepted.submission.hash())?;
            if figures != accepted.figures {
                return fail(
                    crate::t!(
                        "node.verify.document",
                        key = accepted.submission.payload().key
                    ),
                    crate::t!(
                        "node.verify.figures_differ",
                        figure = first_difference(&figures, &accepted.figures)
                    ),
                );
            }
        }
        for rollup in self.latest_rollups.values() {
            verifier.rollup(&rollup.hash())?;
            // This node's own rollups must list exactly the inputs that count now, as a parent
            // requires of a child's.
            if rollup.payload().node == self.code {
                let payload = rollup.payload();
                protocol::authorization::check_counted_inputs(payload, self).map_err(|reason| {
                    VerifyFailure {
                        subject: rollup_subject(payload),
                        reason: reason.to_string(),
                    }
                })?;
            }
        }
        for notice in self.notices.values() {
            let subject = || format!("{} ({})", notice.payload().subject(), notice.hash().short());
            let again = protocol::Signed::<protocol::Notice>::from_bytes(
                &notice.to_bytes(),
                &self.topology,
            )
            .map_err(|error| VerifyFailure {
                subject: subject(),
                reason: error.to_string(),
            })?;
            protocol::notice::check_authority(&again, &self.topology).map_err(|reason| {
                VerifyFailure {
                    subject: subject(),
                    reason: reason.to_string(),
                }
            })?;
            if let Some(flag) = self.revoked_key_flag(notice, notice.payload().time_ms) {
                verifier
                    .report
                    .flagged
                    .push(format!("{}: {flag}", subject()));
            }
            match notice.payload().body {
                protocol::NoticeBody::Decision(_) => verifier.report.decisions_checked += 1,
                protocol::NoticeBody::Receipt(_) => verifier.report.receipts_checked += 1,
                protocol::NoticeBody::Definition(_) | protocol::NoticeBody::Lock(_) => {
                    verifier.report.definitions_checked += 1
                }
            }
        }
        verifier.report.stored_objects_checked =
            self.verify_every_stored_object(&mut verifier.report.flagged)?;
        Ok(verifier.report)
    }

    /// Checks every submission and rollup on disk, not only those the latest ones reach: each is
    /// validly signed by the key the topology names and belongs to this node's subtree.
    /// Objects signed by a revoked key after its compromise are added to `flagged`.
    fn verify_every_stored_object(
        &self,
        flagged: &mut Vec<String>,
    ) -> Result<usize, VerifyFailure> {
        let in_subtree = |node| protocol::notice::is_in_subtree(&self.topology, node, self.code);
        let mut checked = 0;
        for tree in [Tree::Submissions, Tree::Rollups] {
            let stored = || {
                if tree == Tree::Submissions {
                    crate::t!("node.verify.stored_submissions")
                } else {
                    crate::t!("node.verify.stored_rollups")
                }
                .into_owned()
            };
            let entries = self
                .store
                .scan_prefix(tree, &[])
                .map_err(|error| VerifyFailure {
                    subject: stored(),
                    reason: error.to_string(),
                })?;
            for (key, _) in entries {
                let hash = super::object_hash(&key, &stored()).map_err(|error| VerifyFailure {
                    subject: stored(),
                    reason: error.to_string(),
                })?;
                let subject = || {
                    if tree == Tree::Submissions {
                        crate::t!("node.verify.stored_submission", hash = hash.short())
                    } else {
                        crate::t!("node.verify.stored_rollup", hash = hash.short())
                    }
                    .into_owned()
                };
                let owner = if tree == Tree::Submissions {
                    self.load_submission(&hash).map(|held| {
                        held.map(|held| {
                            let payload = held.submission.payload();
                            if let Some(flag) =
                                self.revoked_key_flag(&held.submission, payload.time_ms)
                            {
                                flagged.push(format!("{}: {flag}", subject()));
                            }
                            payload.key.owner
                        })
                    })
                } else {
                    self.load_rollup(&hash).map(|held| {
                        held.map(|held| {
                            if let Some(flag) = self.revoked_key_flag(&held, held.payload().time_ms)
                            {
                                flagged.push(format!("{}: {flag}", subject()));
                            }
                            held.payload().node
                        })
                    })
                };
                match owner {
                    Ok(Some(owner))
                        if tree == Tree::Rollups && self.topology.children_of(owner).is_empty() =>
                    {
                        return fail(
                            subject(),
                            crate::t!("node.verify.no_children", owner = owner),
                        );
                    }
                    Ok(Some(owner)) if in_subtree(owner) => checked += 1,
                    Ok(Some(owner)) => {
                        return fail(
                            subject(),
                            crate::t!("node.verify.not_in_subtree", owner = owner),
                        );
                    }
                    Ok(None) => return fail(subject(), crate::t!("node.verify.vanished")),
                    Err(error) => return fail(subject(), error),
                }
            }
        }
        Ok(checked)
    }
}

impl Verifier<'_> {
    /// The document of `key` as stored, read once.
    fn document(&mut self, key: &DocumentKey) -> Result<&Automerge, VerifyFailure> {
        if !self.documents.contains_key(key) {
            let subject = crate::t!("node.verify.document", key = key);
            let document = match self.core.read_document(key) {
                Ok(Some((document, _))) => document,
                Ok(None) => return fail(subject, crate::t!("node.verify.no_replica")),
                Err(error) => return fail(subject, error),
            };
            if key.owner != self.core.code
                && let Err(error) = self.core.check_replica_heads(key, &document)
            {
                return fail(subject, error);
            }
            self.report.documents_checked += 1;
            self.documents.insert(*key, document);
        }
        Ok(&self.documents[key])
    }

    /// Re-verifies a stored submission and recomputes its figures from its document.
    fn submission(&mut self, hash: &ObjectHash) -> Result<Figures, VerifyFailure> {
        if let Some(figures) = self.submission_figures.get(hash) {
            return Ok(figures.clone());
        }
        let subject = crate::t!("node.core.object.submission", hash = hash.short());
        let accepted: AcceptedSubmission = match self.core.load_submission(hash) {
            Ok(Some(accepted)) => accepted,
            Ok(None) => return fail(subject, crate::t!("node.verify.not_stored")),
            Err(error) => return fail(subject, error),
        };
        let payload = accepted.submission.payload().clone();
        let key = payload.key;
        let document = self.document(&key)?;
        let figures = match NodeCore::document_at(&key, document, &payload.heads) {
            Ok(None) => check_document(document, &payload),
            Ok(Some(fork)) => check_document(&fork, &payload),
            Err(error) => return fail(crate::t!("node.verify.document", key = key), error),
        };
        let figures = match figures {
            Ok(figures) => figures,
            Err(reason) => {
                return fail(
                    crate::t!(
                        "node.verify.document_submission",
                        key = key,
                        sequence = payload.sequence
                    ),
                    reason,
                );
            }
        };
        self.report.submissions_checked += 1;
        self.submission_figures.insert(*hash, figures.clone());
        Ok(figures)
    }

    /// Re-verifies a stored rollup and recomputes its figures from its inputs, down to the raw
    /// documents.
    fn rollup(&mut self, hash: &ObjectHash) -> Result<Figures, VerifyFailure> {
        if let Some(figures) = self.rollup_figures.get(hash) {
            return Ok(figures.clone());
        }
        let what = || crate::t!("node.core.object.rollup", hash = hash.short());
        let rollup = match self.core.load_rollup(hash) {
            Ok(Some(rollup)) => rollup,
            Ok(None) => return fail(what(), crate::t!("node.verify.not_stored")),
            Err(error) => return fail(what(), error),
        };
        let payload = rollup.payload();
        let subject = rollup_subject(payload);
        let mut inputs: Vec<(RollupInput, Figures)> = Vec::with_capacity(payload.inputs.len());
        for input in &payload.inputs {
            let figures = match input.kind {
                InputKind::Submission => self.submission(&input.hash)?,
                InputKind::Rollup => self.rollup(&input.hash)?,
            };
            inputs.push((*input, figures));
        }
        let (_, recomputed) = match consolidate(
            &self.core.topology,
            payload.node,
            inputs
                .iter()
                .map(|(input, figures)| (*input, figures))
                .collect(),
        ) {
            Ok(result) => result,
            Err(error) => return fail(subject, error),
        };
        if recomputed != payload.figures {
            let figure = first_difference(&recomputed, &payload.figures);
            return fail(
                subject,
                crate::t!(
                    "node.verify.figure_differs",
                    figure = figure,
                    stored = payload.figures.get(&figure),
                    recomputed = recomputed.get(&figure)
                ),
            );
        }
        self.report.rollups_checked += 1;
        self.rollup_figures.insert(*hash, recomputed.clone());
        Ok(recomputed)
    }
}
