//! `submit`: sign this node's draft of a ledger and period; it goes up when the parent is
//! reachable.

use schemas::{Ledger, Period};
use serde::{Deserialize, Serialize};

use super::{Context, Operation, OperationError};
use crate::core::{NodeCore, SubmitOutcome};

/// The arguments of `submit`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubmitRequest {
    pub ledger: Ledger,
    pub period: Period,
}

impl Operation for SubmitRequest {
    type Answer = SubmitOutcome;

    fn apply(
        self,
        core: &mut NodeCore,
        context: &Context<'_>,
    ) -> Result<SubmitOutcome, OperationError> {
        Ok(core.submit(self.ledger, self.period, context.actor, context.now_ms)?)
    }
}
