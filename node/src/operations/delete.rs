//! `delete`: records of this node's draft by id, or a whole table; refused while other records
//! refer to them, naming those, unless `cascade` deletes them too.

use schemas::table::Table;
use schemas::{Ledger, Period};
use serde::{Deserialize, Serialize};

use super::{Context, Operation, OperationError};
use crate::core::NodeCore;
use crate::core::drafts::DeleteOutcome;

/// The arguments of `delete`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeleteRequest {
    pub ledger: Ledger,
    pub period: Period,
    pub table: Table,
    /// The ids, as `records` prints them; empty with `all` to clear the table.
    pub ids: Vec<String>,
    /// Every record of the table.
    pub all: bool,
    /// Also delete the records that refer to those deleted.
    pub cascade: bool,
}

impl Operation for DeleteRequest {
    type Answer = DeleteOutcome;

    fn apply(
        self,
        core: &mut NodeCore,
        context: &Context<'_>,
    ) -> Result<DeleteOutcome, OperationError> {
        if self.ids.is_empty() != self.all {
            return Err(OperationError::invalid(crate::t!("draft.ids_or_all")));
        }
        Ok(core.delete_draft_records(
            self.ledger,
            self.period,
            crate::core::drafts::Deletion {
                table: self.table,
                ids: &self.ids,
                cascade: self.cascade,
            },
            context.now_ms,
            Some(context.actor),
        )?)
    }
}
