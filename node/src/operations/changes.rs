//! `changes`: what changed in a node's document since its previous submission (records added,
//! removed and changed, per table), for a reviewer deciding on the latest one. Any node of this
//! node's subtree may be asked about, this node included; a node outside it is refused.

use protocol::DocumentKey;
use protocol::notice::is_in_subtree;
use schemas::{Ledger, Period};
use serde::{Deserialize, Serialize};
use topology::DivisionCode;

use super::{Context, NodeView, Operation, OperationError};
use crate::core::changes::SubmissionChanges;
use crate::core::{CoreError, ErrorKind, NodeCore};

/// The arguments of `changes`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangesRequest {
    pub ledger: Ledger,
    pub period: Period,
    /// The node whose document is compared: a child under review, or any node of the subtree.
    pub node: DivisionCode,
}

/// The answer to `changes`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangesAnswer {
    /// The node whose document was compared.
    pub node: NodeView,
    /// `None` when no submission of the document is held here; with one only, `from_sequence`
    /// is `None` and every record is listed as added.
    pub changes: Option<SubmissionChanges>,
}

impl Operation for ChangesRequest {
    type Answer = ChangesAnswer;

    fn apply(
        self,
        core: &mut NodeCore,
        _context: &Context<'_>,
    ) -> Result<ChangesAnswer, OperationError> {
        if !core.topology().contains(self.node) {
            return Err(CoreError::UnknownNode { code: self.node }.into());
        }
        if !is_in_subtree(core.topology(), self.node, core.code()) {
            return Err(OperationError::new(
                ErrorKind::RefusedByTree,
                crate::t!(
                    "changes.outside_subtree",
                    node = self.node,
                    local = core.code()
                ),
            ));
        }
        let key = DocumentKey::new(self.node, self.ledger, self.period);
        Ok(ChangesAnswer {
            node: NodeView::of(core.topology(), self.node),
            changes: core.submission_changes(key)?,
        })
    }
}
