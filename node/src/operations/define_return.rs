//! `return define`: at the root, define (or revise) the return of a ledger for a period; signed by
//! the root and sent down to every node, which then may submit it.

use protocol::notice::ReturnDefinition;
use schemas::{Ledger, Period};
use serde::{Deserialize, Serialize};

use super::{Context, Operation, OperationError};
use crate::core::NodeCore;

/// The arguments of `return define`, for one ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DefineReturnRequest {
    pub ledger: Ledger,
    pub period: Period,
    /// The last day of submission, `YYYY-MM-DD`, which ends at midnight Beijing time.
    pub deadline: jiff::civil::Date,
    /// Warning rules (by code) that block a submission; errors always do.
    pub blocking_rules: Vec<String>,
    /// The coefficient table; the current one when absent.
    pub coefficients_version: Option<String>,
}

/// The definition now in force.
pub type DefineReturnAnswer = ReturnDefinition;

impl Operation for DefineReturnRequest {
    type Answer = DefineReturnAnswer;

    fn apply(
        self,
        core: &mut NodeCore,
        context: &Context<'_>,
    ) -> Result<DefineReturnAnswer, OperationError> {
        let deadline_ms = crate::clock::end_of_date_ms(self.deadline);
        let version = self
            .coefficients_version
            .unwrap_or_else(|| schemas::coefficients::current().version().to_owned());
        Ok(core.define_return(
            self.ledger,
            self.period,
            deadline_ms,
            self.blocking_rules,
            version,
            context.now_ms,
        )?)
    }
}
