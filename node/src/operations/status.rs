//! `status`: the node, its links, documents and rollups, and the children held off.

use schemas::{Ledger, Period};
use serde::{Deserialize, Serialize};

use super::{Context, NodeView, Operation, OperationError};
use crate::core::{NodeCore, ReviewState};
use crate::driver::{LinkStatus, NodeHandle};

/// `status` takes no arguments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusRequest {}

impl Operation for StatusRequest {
    type Answer = StatusView;

    fn apply(
        self,
        core: &mut NodeCore,
        context: &Context<'_>,
    ) -> Result<StatusView, OperationError> {
        Ok(status(core, context.running)?)
    }
}

/// One of the node's own documents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnDocumentView {
    pub key: String,
    pub submitted_sequence: Option<u64>,
    pub submitted_records: Option<u64>,
    pub submitted_at_ms: Option<i64>,
    /// The person who made the latest submission, as signed (`None` for one signed before
    /// submissions named a person).
    #[serde(default)]
    pub submitted_by: Option<String>,
    /// The draft has changes no submission covers yet.
    pub unsubmitted_changes: bool,
    /// Where the latest submission stands in review by the parent, with the reason of a return.
    pub review: ReviewState,
    /// The person who accepted or returned the latest submission, as the parent's signed decision
    /// names them (`None` while undecided, at the root, or for a decision naming nobody).
    #[serde(default)]
    pub decided_by_person: Option<String>,
}

/// One of the node's rollups.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RollupView {
    pub ledger: Ledger,
    pub period: Period,
    pub sequence: u64,
    pub signed_at_ms: i64,
    /// Nodes of the subtree whose submissions the rollup includes.
    pub included: usize,
    /// Nodes in the subtree.
    pub expected: usize,
    /// Whether the figures include a submission its reviewer has not accepted.
    pub provisional: bool,
}

/// The answer to `status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusView {
    pub node: NodeView,
    pub parent: Option<NodeView>,
    pub children: Vec<NodeView>,
    pub topology_version: u64,
    /// Whether the answer came from a running node (links are only known then).
    pub running: bool,
    pub links: Vec<LinkStatus>,
    pub own_documents: Vec<OwnDocumentView>,
    /// Documents of descendants held as replicas.
    pub replicas_held: usize,
    pub rollups: Vec<RollupView>,
    pub refusals: u64,
    pub recent_refusals: Vec<String>,
    /// The root key this node trusts (pinned at `init`).
    #[serde(default)]
    pub pinned_root_key: String,
    /// Why the topology file was not used, when it was not (older, re-rooted, different).
    #[serde(default)]
    pub topology_file_not_used: Option<String>,
    /// Whether the topology in force names this node's signing key as current; when not, the
    /// node signs nothing new until its next key (`huizong key new`) is named.
    #[serde(default)]
    pub signing_key_current: bool,
    /// The public half of the next key, when one waits in `node.key.next`.
    #[serde(default)]
    pub next_public_key: Option<String>,
    /// Children held off after sessions that ended for misbehaviour (running nodes only).
    #[serde(default)]
    pub held_off: Vec<HeldOffView>,
    /// The latest operations that changed the node, who made them and when, oldest first.
    #[serde(default)]
    pub recent_activity: Vec<crate::core::activity::ActivityEntry>,
    /// Where the node's web console answers (running nodes whose console serves).
    #[serde(default)]
    pub console_url: Option<String>,
    /// Where the node's Prometheus metrics answer (running nodes whose metrics serve); `/healthz`
    /// and `/readyz` beside it.
    #[serde(default)]
    pub metrics_url: Option<String>,
    /// The recovery after a restore from a backup, when the node was restored from one: which
    /// children have given back what they hold, and which it still waits for.
    #[serde(default)]
    pub recovery: Option<crate::core::recovery::RecoveryState>,
}

/// A child held off, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeldOffView {
    pub child: NodeView,
    pub until_ms: i64,
    pub reason: String,
}

/// Builds the status of a node.
pub fn status(
    core: &mut NodeCore,
    running: Option<&NodeHandle>,
) -> Result<StatusView, crate::core::CoreError> {
    let topology = core.topology().clone();
    let code = core.code();
    let mut own_documents = Vec::new();
    for key in core.own_document_keys()? {
        let submitted = core
            .latest_submission_of(&key)
            .map(|accepted| accepted.submission.payload().clone());
        let review = core.document_review(key);
        own_documents.push(OwnDocumentView {
            key: key.to_string(),
            submitted_sequence: submitted.as_ref().map(|payload| payload.sequence),
            submitted_records: submitted.as_ref().map(|payload| payload.n_records),
            submitted_at_ms: submitted.as_ref().map(|payload| payload.time_ms),
            submitted_by: review.submitted_by,
            unsubmitted_changes: core.draft_has_unsubmitted_changes(&key)?,
            review: review.review,
            decided_by_person: review.decided_by_person,
        });
    }
    let expected = topology.subtree(code).len();
    let rollups = core
        .latest_rollups()
        .filter(|rollup| rollup.payload().node == code)
        .map(|rollup| {
            let payload = rollup.payload();
            RollupView {
                ledger: payload.ledger,
                period: payload.period,
                sequence: payload.sequence,
                signed_at_ms: payload.time_ms,
                included: core
                    .coverage(code, payload.ledger, payload.period)
                    .included
                    .len(),
                expected,
                provisional: core
                    .unaccepted_inputs(code, payload.ledger, payload.period)
                    .is_ok_and(|unaccepted| !unaccepted.is_empty()),
            }
        })
        .collect();
    Ok(StatusView {
        node: NodeView::of(&topology, code),
        parent: topology
            .parent_of(code)
            .map(|parent| NodeView::of(&topology, parent)),
        children: topology
            .children_of(code)
            .iter()
            .map(|child| NodeView::of(&topology, *child))
            .collect(),
        topology_version: topology.version(),
        running: running.is_some(),
        links: running.map(NodeHandle::links).unwrap_or_default(),
        own_documents,
        replicas_held: core.replicas_held(),
        rollups,
        refusals: core.refusals(),
        recent_refusals: running.map(NodeHandle::recent_refusals).unwrap_or_default(),
        pinned_root_key: core.pinned_root_key().to_string(),
        topology_file_not_used: core.topology_file_not_used().map(str::to_owned),
        signing_key_current: core.signing_key_is_current(),
        next_public_key: core.next_public_key().map(|key| key.to_string()),
        held_off: running
            .map(|handle| {
                handle
                    .hold_offs()
                    .into_iter()
                    .map(|(child, hold_off)| HeldOffView {
                        child: NodeView::of(&topology, child),
                        until_ms: hold_off.until_ms,
                        reason: hold_off.reason,
                    })
                    .collect()
            })
            .unwrap_or_default(),
        recent_activity: core.recent_activity(RECENT_ACTIVITY_SHOWN)?,
        console_url: running.and_then(NodeHandle::console_url),
        metrics_url: running.and_then(NodeHandle::metrics_url),
        recovery: core.recovery().cloned(),
    })
}

/// How many of the latest operations `status` shows.
const RECENT_ACTIVITY_SHOWN: usize = 5;
