//! `review`: as a child's parent, accept its latest submission or return it with a reason; the
//! decision is signed and goes down to the child and up to the root.

use protocol::{DocumentKey, Verdict};
use schemas::{Ledger, Period};
use serde::{Deserialize, Serialize};
use topology::DivisionCode;

use super::{Context, Operation, OperationError};
use crate::core::{DocumentReview, NodeCore};

/// The arguments of `review`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewRequest {
    pub ledger: Ledger,
    pub period: Period,
    /// The child whose latest submission is decided on.
    pub node: DivisionCode,
    /// `None` accepts; `Some(reason)` returns the submission for correction.
    pub returned_because: Option<String>,
}

impl Operation for ReviewRequest {
    type Answer = DocumentReview;

    fn apply(
        self,
        core: &mut NodeCore,
        context: &Context<'_>,
    ) -> Result<DocumentReview, OperationError> {
        let verdict = match self.returned_because {
            None => Verdict::Accepted,
            Some(reason) => Verdict::Returned { reason },
        };
        let key = DocumentKey::new(self.node, self.ledger, self.period);
        core.decide(key, verdict, context.actor, context.now_ms)?;
        Ok(core.document_history(key)?)
    }
}
