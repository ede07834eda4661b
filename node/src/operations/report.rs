//! `report`: this node's consolidated figures for a ledger and period, with the statistical
//! return built from them and the findings of the submissions they come from; with `--draft`, the
//! figures and findings the draft would give as the next submission.

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
    /// Preview this node's draft as its next submission would be, instead of what was submitted.
    #[serde(default)]
    pub draft: bool,
}

impl Operation for ReportRequest {
    type Answer = ReportView;

    fn apply(
        self,
        core: &mut NodeCore,
        _context: &Context<'_>,
    ) -> Result<ReportView, OperationError> {
        if self.draft {
            Ok(draft_report(core, self.ledger, self.period)?)
        } else {
            Ok(report(core, self.ledger, self.period)?)
        }
    }
}

/// One input of a rollup.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContributionView {
    pub node: NodeView,
    /// "submission" or "rollup".
    pub kind: String,
    pub hash: String,
    /// For a submission: the person who submitted, as signed; `None` for a rollup and for a
    /// submission signed before submissions named a person.
    #[serde(default)]
    pub submitted_by: Option<String>,
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
    /// For a leaf's submission: the person who submitted, as signed; `None` for a rollup, which
    /// the node makes of itself, and for a submission signed before submissions named a person.
    #[serde(default)]
    pub submitted_by: Option<String>,
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
    /// Whether this node's draft differs from its latest submission (`report --draft` shows
    /// it); `None` when it has never submitted.
    #[serde(default)]
    pub draft_differs: Option<bool>,
    /// Set for `report --draft`: the draft as the next submission would be.
    #[serde(default)]
    pub preview: Option<PreviewView>,
}

/// What `report --draft` adds: how the draft stands as a submission.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreviewView {
    pub n_records: u64,
    /// How many findings would refuse the submission.
    pub blocking: usize,
    pub return_defined: bool,
    /// Who changed the draft last and when (Unix milliseconds), when the change names someone.
    pub last_changed_by: Option<String>,
    pub last_changed_at_ms: Option<i64>,
}

/// The draft of this node as its next submission would be: its figures and every finding.
pub fn draft_report(
    core: &mut NodeCore,
    ledger: Ledger,
    period: Period,
) -> std::result::Result<ReportView, CoreError> {
    let preview = core.draft_preview(ledger, period)?;
    let statistical_return = crate::returns::build_preview(core, &preview, ledger, period);
    let code = core.code();
    Ok(ReportView {
        node: NodeView::of(core.topology(), code),
        ledger,
        period,
        source: "draft".to_owned(),
        sequence: None,
        signed_at_ms: None,
        submitted_by: None,
        figures: figure_views(ledger, &preview.figures),
        included: vec![code],
        missing: Vec::new(),
        contributions: Vec::new(),
        statistical_return,
        provisional: false,
        unaccepted: Vec::new(),
        draft_differs: preview.differs_from_submission,
        preview: Some(PreviewView {
            n_records: preview.n_records,
            blocking: preview.blocking,
            return_defined: preview.return_defined,
            last_changed_by: preview.last_change.as_ref().map(|(name, _)| name.clone()),
            last_changed_at_ms: preview.last_change.as_ref().map(|(_, time)| *time),
        }),
    })
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
    let mut submitted_by = None;
    let (source, sequence, signed_at_ms, figures, contributions) = if is_leaf {
        match core.latest_submission_of(&DocumentKey::new(code, ledger, period)) {
            Some(accepted) => {
                submitted_by = accepted.submission.payload().submitted_by.clone();
                (
                    "submission",
                    Some(accepted.submission.payload().sequence),
                    Some(accepted.submission.payload().time_ms),
                    Some(accepted.figures.clone()),
                    Vec::new(),
                )
            }
            None => ("none", None, None, None, Vec::new()),
        }
    } else {
        match core.latest_rollup_of(code, ledger, period) {
            Some(rollup) => {
                let payload = rollup.payload();
                let mut contributions = Vec::with_capacity(payload.inputs.len());
                for input in &payload.inputs {
                    contributions.push(ContributionView {
                        node: NodeView::of(topology, input.node),
                        kind: match input.kind {
                            InputKind::Submission => "submission",
                            InputKind::Rollup => "rollup",
                        }
                        .to_owned(),
                        hash: input.hash.to_hex(),
                        submitted_by: match input.kind {
                            InputKind::Submission => core.submitter_of(&input.hash)?,
                            InputKind::Rollup => None,
                        },
                    });
                }
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
    let own = DocumentKey::new(code, ledger, period);
    let draft_differs = match core.latest_submission_of(&own) {
        Some(latest) => {
            let signed = latest.submission.payload().heads.clone();
            core.draft_heads(&own)?.map(|heads| heads != signed)
        }
        None => None,
    };
    Ok(ReportView {
        draft_differs,
        preview: None,
        provisional: !unaccepted.is_empty(),
        unaccepted,
        node,
        ledger,
        period,
        source: source.to_owned(),
        sequence,
        signed_at_ms,
        submitted_by,
        figures: figures
            .map(|figures| figure_views(ledger, &figures))
            .unwrap_or_default(),
        included: coverage.included.into_iter().collect(),
        missing,
        contributions,
        statistical_return,
    })
}
