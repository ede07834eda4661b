//! `explain`: how one figure was made, down to every signed submission under it.

use schemas::{Ledger, Period};
use serde::{Deserialize, Serialize};

use super::{Context, NodeView, Operation, OperationError};
use crate::core::{Contribution, NodeCore};

/// The arguments of `explain`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExplainRequest {
    pub ledger: Ledger,
    pub period: Period,
    /// The figure's name, such as `energy.standard_coal_kgce`.
    pub figure: String,
}

/// The answer to `explain`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExplainView {
    pub node: NodeView,
    pub ledger: Ledger,
    pub period: Period,
    pub figure: String,
    /// The node's signed object behind the figure and everything under it; `None` when nothing
    /// is held.
    pub contribution: Option<Contribution>,
}

impl Operation for ExplainRequest {
    type Answer = ExplainView;

    fn apply(
        self,
        core: &mut NodeCore,
        _context: &Context<'_>,
    ) -> Result<ExplainView, OperationError> {
        if !schemas::catalog(self.ledger)
            .iter()
            .any(|spec| spec.name == self.figure)
        {
            return Err(OperationError::not_found(schemas::t!(
                "errors.unknown_figure",
                figure = self.figure,
                ledger = self.ledger.slug()
            )));
        }
        Ok(ExplainView {
            node: NodeView::of(core.topology(), core.code()),
            ledger: self.ledger,
            period: self.period,
            contribution: core.explain(self.ledger, self.period, &self.figure)?,
            figure: self.figure,
        })
    }
}
