//! `completeness`: every node of this node's subtree and where its document stands (submitted,
//! accepted, returned with the reason, missing; on time, late, overdue), and whether this node's
//! figures are provisional.

use schemas::{Ledger, Period};
use serde::{Deserialize, Serialize};

use super::{Context, NodeView, Operation, OperationError};
use crate::core::{CoreError, DocumentReview, NodeCore, ReviewState};

/// The arguments of `completeness`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompletenessRequest {
    pub ledger: Ledger,
    pub period: Period,
}

impl Operation for CompletenessRequest {
    type Answer = CompletenessView;

    fn apply(
        self,
        core: &mut NodeCore,
        context: &Context<'_>,
    ) -> Result<CompletenessView, OperationError> {
        let mut view = completeness(core, self.ledger, self.period, context.now_ms)?;
        add_confirmations(core, &mut view)?;
        Ok(view)
    }
}

/// Marks the documents awaiting review whose latest submission confirms, unchanged, the one
/// returned just before it, with the clerk's reason: what a reviewer needs to decide again.
pub fn add_confirmations(
    core: &mut NodeCore,
    view: &mut CompletenessView,
) -> Result<(), CoreError> {
    for row in &mut view.documents {
        if row.document.review != ReviewState::Submitted {
            continue;
        }
        // The last decision must be the return of the submission confirmed.
        let Some(last_decision) = row.document.history.last() else {
            continue;
        };
        if last_decision.verdict != "returned" {
            continue;
        }
        let key = protocol::DocumentKey::new(row.document.owner, view.ledger, view.period);
        row.confirmed = core
            .confirmations_of(&key)?
            .into_iter()
            .find(|confirmation| confirmation.confirms == last_decision.sequence);
    }
    Ok(())
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
    /// Set when the latest submission confirms the returned one unchanged: the clerk's reason.
    #[serde(default)]
    pub confirmed: Option<schemas::document::Confirmation>,
    #[serde(flatten)]
    pub document: DocumentReview,
}

/// The answer to `completeness`: every node of the subtree and where its document stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompletenessView {
    pub node: NodeView,
    pub ledger: Ledger,
    pub period: Period,
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
) -> Result<CompletenessView, CoreError> {
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
            confirmed: None,
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
        ledger,
        period,
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
