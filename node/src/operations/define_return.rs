//! `return define`: at the root, define (or revise) the return of a ledger for a period; signed by
//! the root and sent down to every node, which then may submit it.

use protocol::notice::{ReturnChoices, ReturnDefinition};
use schemas::{Ledger, Period};
use serde::{Deserialize, Serialize};

use super::{Context, Operation, OperationError};
use crate::core::NodeCore;
use crate::core::ReturnTerms;

/// The arguments of `return define`, for one ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DefineReturnRequest {
    pub ledger: Ledger,
    pub period: Period,
    /// The last day of submission, `YYYY-MM-DD`, which ends at midnight Beijing time.
    pub deadline: jiff::civil::Date,
    /// Warning rules (by code) that block a submission; errors always do.
    pub blocking_rules: Vec<String>,
    /// The coefficient table's version, which names the electricity basis too (such as
    /// `gbt2589-2020-annex-a+power-generation-2022`, see [`schemas::coefficients::choose`]); the
    /// current one when absent.
    pub coefficients_version: Option<String>,
    /// Benchmarks, targets and the heading of the forms; the defaults when absent.
    #[serde(default)]
    pub choices: ReturnChoices,
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
        // Figures are computed, and checked by every parent, with the table of this version: a
        // version no node knows, or a benchmark table no node ships, is refused here, listing
        // what there is.
        if schemas::coefficients::by_version(&version).is_none() {
            let error = schemas::coefficients::CoefficientChoiceError::UnknownTable { version };
            return Err(OperationError::invalid(error.to_string()));
        }
        schemas::standards::energy_benchmarks_by_id(self.choices.benchmarks.as_deref())
            .map_err(|error| OperationError::invalid(error.to_string()))?;
        Ok(core.define_return(
            self.ledger,
            self.period,
            ReturnTerms {
                deadline_ms,
                blocking_rules: self.blocking_rules,
                coefficients_version: version,
                choices: self.choices,
            },
            context.now_ms,
        )?)
    }
}
