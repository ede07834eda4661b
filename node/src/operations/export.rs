//! `export`: this node's statistical return for a ledger and period, as data; the CLI writes it
//! as XLSX, CSV, SDMX-CSV or JSON.

use schemas::returns::StatReturn;
use schemas::{Ledger, Period};
use serde::{Deserialize, Serialize};

use super::{Context, Operation, OperationError};
use crate::core::NodeCore;

/// The arguments of `export`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportRequest {
    pub ledger: Ledger,
    pub period: Period,
}

impl Operation for ExportRequest {
    type Answer = StatReturn;

    fn apply(
        self,
        core: &mut NodeCore,
        _context: &Context<'_>,
    ) -> Result<StatReturn, OperationError> {
        Ok(crate::returns::build(core, self.ledger, self.period)?)
    }
}
