//! What the commands answer, as plain serializable data: the JSON of `--json`, and what
//! [`crate::render`] turns into tables for people.

use anyhow::Result;
use protocol::DocumentKey;
use protocol::rollup::InputKind;
use schemas::figures::{Figures, catalog};
use schemas::returns::StatReturn;
use schemas::{Ledger, Period};
use serde::{Deserialize, Serialize};
use topology::{DivisionCode, Topology};

use crate::core::{Contribution, CoreError, DocumentReview, ImportOutcome, NodeCore, ReviewState};
use crate::driver::{LinkStatus, NodeHandle};

/// A node as shown to people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeView {
    pub code: DivisionCode,
    pub name_zh: String,
    pub name_en: String,
    pub level: String,
}

impl NodeView {
    pub fn of(topology: &Topology, code: DivisionCode) -> Self {
        match topology.node(code) {
            Some(entry) => Self {
                code,
                name_zh: entry.name_zh.clone(),
                name_en: entry.name_en.clone(),
                level: entry.level.slug().to_owned(),
            },
            None => Self {
                code,
                name_zh: String::new(),
                name_en: String::new(),
                level: String::new(),
            },
        }
    }
}

/// The answer to `import`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportView {
    pub file: String,
    pub table: String,
    #[serde(flatten)]
    pub outcome: ImportOutcome,
}

/// One of the node's own documents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnDocumentView {
    pub key: String,
    pub submitted_sequence: Option<u64>,
    pub submitted_records: Option<u64>,
    pub submitted_at_ms: Option<i64>,
    /// The draft has changes no submission covers yet.
    pub unsubmitted_changes: bool,
    /// Where the latest submission stands in review by the parent, with the reason of a return.
    pub review: ReviewState,
}

/// One of the node's rollups.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RollupView {
    pub ledger: String,
    pub period: String,
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
}

/// A child held off, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeldOffView {
    pub child: NodeView,
    pub until_ms: i64,
    pub reason: String,
}

/// Builds the status of a node.
pub fn status(core: &mut NodeCore, running: Option<&NodeHandle>) -> Result<StatusView> {
    let topology = core.topology().clone();
    let code = core.code();
    let mut own_documents = Vec::new();
    for key in core.own_document_keys()? {
        let submitted = core
            .latest_submission_of(&key)
            .map(|accepted| accepted.submission.payload().clone());
        own_documents.push(OwnDocumentView {
            key: key.to_string(),
            submitted_sequence: submitted.as_ref().map(|payload| payload.sequence),
            submitted_records: submitted.as_ref().map(|payload| payload.n_records),
            submitted_at_ms: submitted.as_ref().map(|payload| payload.time_ms),
            unsubmitted_changes: core.draft_has_unsubmitted_changes(&key)?,
            review: core.document_review(key).review,
        });
    }
    let expected = topology.subtree(code).len();
    let rollups = core
        .latest_rollups()
        .filter(|rollup| rollup.payload().node == code)
        .map(|rollup| {
            let payload = rollup.payload();
            RollupView {
                ledger: payload.ledger.slug().to_owned(),
                period: payload.period.to_string(),
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
        replicas_held: core
            .latest_submissions()
            .filter(|accepted| accepted.submission.payload().key.owner != code)
            .count(),
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
    })
}

/// One figure of a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FigureView {
    pub name: String,
    pub label_zh: String,
    pub label_en: String,
    pub unit: String,
    /// Exact decimal text.
    pub value: String,
}

/// One input of a rollup.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContributionView {
    pub node: NodeView,
    /// "submission" or "rollup".
    pub kind: String,
    pub hash: String,
}

/// The answer to `report`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportView {
    pub node: NodeView,
    pub ledger: String,
    pub period: String,
    /// "rollup" for nodes with children, "submission" for leaves, "none" when nothing is held.
    pub source: String,
    pub sequence: Option<u64>,
    pub signed_at_ms: Option<i64>,
    pub figures: Vec<FigureView>,
    pub included: Vec<DivisionCode>,
    pub missing: Vec<NodeView>,
    pub contributions: Vec<ContributionView>,
    /// The statistical return built from the figures: its sheets, totals and findings.
    pub statistical_return: StatReturn,
    /// Whether the figures include submissions their reviewers have not accepted.
    pub provisional: bool,
    /// The nodes whose included submissions are not accepted yet.
    pub unaccepted: Vec<NodeView>,
}

/// The answer to `explain`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExplainView {
    pub node: NodeView,
    pub ledger: String,
    pub period: String,
    pub figure: String,
    /// The node's signed object behind the figure and everything under it; `None` when nothing
    /// is held.
    pub contribution: Option<Contribution>,
}

/// Whether a document came in by the return's deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Timeliness {
    /// Submitted by the deadline.
    OnTime,
    /// Submitted after the deadline.
    Late,
    /// Not submitted, and the deadline has passed.
    Overdue,
    /// Not submitted, and the deadline has not passed (or no deadline is known).
    NotYetDue,
}

/// One node's document in `completeness`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompletenessRow {
    pub node: NodeView,
    pub timeliness: Timeliness,
    #[serde(flatten)]
    pub document: DocumentReview,
}

/// The answer to `completeness`: every node of the subtree and where its document stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompletenessView {
    pub node: NodeView,
    pub ledger: String,
    pub period: String,
    /// Nodes of the subtree (this one included).
    pub expected: usize,
    pub submitted: usize,
    pub accepted: usize,
    pub returned: usize,
    pub on_time: usize,
    pub late: usize,
    /// The deadline of the return's definition, if the node holds one.
    pub deadline_ms: Option<i64>,
    pub missing: Vec<NodeView>,
    /// Missing after the deadline, by name.
    pub overdue: Vec<NodeView>,
    /// Whether this node's figure includes unaccepted submissions.
    pub provisional: bool,
    pub documents: Vec<CompletenessRow>,
}

/// Builds the completeness of a node's subtree for a ledger and period.
pub fn completeness(
    core: &NodeCore,
    ledger: Ledger,
    period: Period,
    now_ms: i64,
) -> std::result::Result<CompletenessView, CoreError> {
    let topology = core.topology();
    let code = core.code();
    let deadline_ms = core
        .definition_of(ledger, period)
        .map(|definition| definition.deadline_ms);
    let documents: Vec<CompletenessRow> = core
        .subtree_reviews(ledger, period)
        .into_iter()
        .map(|document| CompletenessRow {
            node: NodeView::of(topology, document.owner),
            // Judged by when the tree received it (the parent's receipt), not by the owner's
            // clock; the owner's time only when no receipt is held.
            timeliness: match (
                document.received_at_ms.or(document.submitted_at_ms),
                deadline_ms,
            ) {
                (Some(at), Some(deadline)) if at > deadline => Timeliness::Late,
                (Some(_), _) => Timeliness::OnTime,
                (None, Some(deadline)) if now_ms > deadline => Timeliness::Overdue,
                (None, _) => Timeliness::NotYetDue,
            },
            document,
        })
        .collect();
    let with = |wanted: Timeliness| {
        documents
            .iter()
            .filter(|row| row.timeliness == wanted)
            .collect::<Vec<_>>()
    };
    let on_time = with(Timeliness::OnTime).len();
    let late = with(Timeliness::Late).len();
    let overdue: Vec<NodeView> = with(Timeliness::Overdue)
        .into_iter()
        .map(|row| row.node.clone())
        .collect();
    let count = |wanted: fn(&ReviewState) -> bool| {
        documents
            .iter()
            .filter(|row| wanted(&row.document.review))
            .count()
    };
    Ok(CompletenessView {
        node: NodeView::of(topology, code),
        ledger: ledger.slug().to_owned(),
        period: period.to_string(),
        expected: documents.len(),
        submitted: count(|state| !matches!(state, ReviewState::Missing)),
        accepted: count(|state| matches!(state, ReviewState::Accepted)),
        returned: count(|state| matches!(state, ReviewState::Returned { .. })),
        on_time,
        late,
        deadline_ms,
        overdue,
        missing: documents
            .iter()
            .filter(|row| row.document.review == ReviewState::Missing)
            .map(|row| row.node.clone())
            .collect(),
        provisional: !core.unaccepted_inputs(code, ledger, period)?.is_empty(),
        documents,
    })
}

/// Lists figures in the catalog's order, then any the catalog does not name.
pub fn figure_views(ledger: Ledger, figures: &Figures) -> Vec<FigureView> {
    let specs = catalog(ledger);
    let mut views: Vec<FigureView> = specs
        .iter()
        .map(|spec| FigureView {
            name: spec.name.to_string(),
            label_zh: spec.label_zh.to_string(),
            label_en: spec.label_en.to_string(),
            unit: spec.unit.to_string(),
            value: figures.get(&spec.name).normalize().to_string(),
        })
        .collect();
    for (name, value) in figures.iter() {
        if !specs.iter().any(|spec| spec.name == *name) {
            views.push(FigureView {
                name: name.to_string(),
                label_zh: String::new(),
                label_en: String::new(),
                unit: String::new(),
                value: value.normalize().to_string(),
            });
        }
    }
    views
}

/// Builds the report of a node's consolidated figures for a ledger and period.
pub fn report(
    core: &mut NodeCore,
    ledger: Ledger,
    period: Period,
) -> std::result::Result<ReportView, CoreError> {
    let statistical_return = crate::returns::build(core, ledger, period)?;
    let topology = core.topology();
    let code = core.code();
    let node = NodeView::of(topology, code);
    let is_leaf = topology.children_of(code).is_empty();
    let (source, sequence, signed_at_ms, figures, contributions) = if is_leaf {
        match core.latest_submission_of(&DocumentKey::new(code, ledger, period)) {
            Some(accepted) => (
                "submission",
                Some(accepted.submission.payload().sequence),
                Some(accepted.submission.payload().time_ms),
                Some(accepted.figures.clone()),
                Vec::new(),
            ),
            None => ("none", None, None, None, Vec::new()),
        }
    } else {
        match core.latest_rollup_of(code, ledger, period) {
            Some(rollup) => {
                let payload = rollup.payload();
                let contributions = payload
                    .inputs
                    .iter()
                    .map(|input| ContributionView {
                        node: NodeView::of(topology, input.node),
                        kind: match input.kind {
                            InputKind::Submission => "submission",
                            InputKind::Rollup => "rollup",
                        }
                        .to_owned(),
                        hash: input.hash.to_hex(),
                    })
                    .collect();
                (
                    "rollup",
                    Some(payload.sequence),
                    Some(payload.time_ms),
                    Some(payload.figures.clone()),
                    contributions,
                )
            }
            None => ("none", None, None, None, Vec::new()),
        }
    };
    let coverage = core.coverage(code, ledger, period);
    let missing = topology
        .subtree(code)
        .into_iter()
        .filter(|member| !coverage.included.contains(member))
        .map(|member| NodeView::of(topology, member))
        .collect();
    let unaccepted = core
        .unaccepted_inputs(code, ledger, period)?
        .into_iter()
        .map(|member| NodeView::of(topology, member))
        .collect::<Vec<_>>();
    Ok(ReportView {
        provisional: !unaccepted.is_empty(),
        unaccepted,
        node,
        ledger: ledger.slug().to_owned(),
        period: period.to_string(),
        source: source.to_owned(),
        sequence,
        signed_at_ms,
        figures: figures
            .map(|figures| figure_views(ledger, &figures))
            .unwrap_or_default(),
        included: coverage.included.into_iter().collect(),
        missing,
        contributions,
        statistical_return,
    })
}
