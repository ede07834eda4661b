//! `report`: this node's consolidated figures for a ledger and period, with the statistical
//! return built from them.

use protocol::DocumentKey;
use protocol::rollup::InputKind;
use schemas::returns::StatReturn;
use schemas::{Ledger, Period};
use serde::{Deserialize, Serialize};
use topology::DivisionCode;

use super::{Context, FigureView, NodeView, Operation, OperationError, figure_views};
use crate::core::{CoreError, NodeCore};

/// The arguments of `report`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportRequest {
    pub ledger: Ledger,
    pub period: Period,
}

impl Operation for ReportRequest {
    type Answer = ReportView;

    fn apply(
        self,
        core: &mut NodeCore,
        _context: &Context<'_>,
    ) -> Result<ReportView, OperationError> {
        Ok(report(core, self.ledger, self.period)?)
    }
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
    pub ledger: Ledger,
    pub period: Period,
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
        ledger,
        period,
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
