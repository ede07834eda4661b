//! `return close` / `return reopen`: at the root, close a return's period (later submissions are
//! held as late corrections) or reopen it.

use schemas::{Ledger, Period};
use serde::{Deserialize, Serialize};

use super::{Context, Operation, OperationError};
use crate::core::NodeCore;

/// The arguments of `return close` and `return reopen`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetLockRequest {
    pub ledger: Ledger,
    pub period: Period,
    pub closed: bool,
}

/// The answer: the return and whether it is closed now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetLockAnswer {
    pub ledger: Ledger,
    pub period: Period,
    pub closed: bool,
}

impl Operation for SetLockRequest {
    type Answer = SetLockAnswer;

    fn apply(
        self,
        core: &mut NodeCore,
        context: &Context<'_>,
    ) -> Result<SetLockAnswer, OperationError> {
        core.set_lock(self.ledger, self.period, self.closed, context.now_ms)?;
        Ok(SetLockAnswer {
            ledger: self.ledger,
            period: self.period,
            closed: self.closed,
        })
    }
}
