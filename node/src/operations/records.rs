//! `records`: the records of this node's draft of a ledger and period, each with its id exactly as
//! `delete` takes it (composite ids joined with `/`).

use schemas::table::Table;
use schemas::{Ledger, Period};
use serde::{Deserialize, Serialize};

use super::{Context, Operation, OperationError};
use crate::core::NodeCore;

/// The arguments of `records`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordsRequest {
    pub ledger: Ledger,
    pub period: Period,
    /// One table, or every table of the ledger.
    pub table: Option<Table>,
}

/// One record: its table, id and every field as text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordView {
    pub table: Table,
    pub id: String,
    /// Field id and value, in the table's column order.
    pub fields: Vec<(String, String)>,
}

/// The answer to `records`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordsAnswer {
    pub key: String,
    pub records: Vec<RecordView>,
}

impl Operation for RecordsRequest {
    type Answer = RecordsAnswer;

    fn apply(
        self,
        core: &mut NodeCore,
        _context: &Context<'_>,
    ) -> Result<RecordsAnswer, OperationError> {
        if let Some(table) = self.table
            && table.ledger() != self.ledger
        {
            return Err(crate::core::CoreError::TableNotInLedger {
                table,
                ledger: self.ledger,
            }
            .into());
        }
        let records = core.draft_records(self.ledger, self.period, self.table)?;
        Ok(RecordsAnswer {
            key: protocol::DocumentKey::new(core.code(), self.ledger, self.period).to_string(),
            records: records
                .iter()
                .map(|record| RecordView {
                    table: record.table(),
                    id: record.id(),
                    fields: record
                        .fields()
                        .map(|(column, value)| (column.field.to_owned(), value.text()))
                        .collect(),
                })
                .collect(),
        })
    }
}
