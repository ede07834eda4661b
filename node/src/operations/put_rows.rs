//! `put_rows`: rows typed into a form (the web console's grid) written into this node's draft,
//! checked exactly as an imported file's rows are: every cell by its column's rule, the record's
//! own rules, its period, division codes, then the rules spanning records on the draft as it would
//! be. Nothing is written while any problem remains; each problem names the grid's row and the
//! column's header. With `check_only`, the rows are only checked cell by cell (as a clerk types)
//! and nothing is written.

use schemas::table::Table;
use schemas::{Ledger, Period};
use serde::{Deserialize, Serialize};

use super::import::import_failure;
use super::{Context, Operation, OperationError};
use crate::core::{CoreError, ImportOutcome, NodeCore};
use crate::import::{
    ImportTarget, Layout, Progress, RawRows, Source, findings_problems, parse_rows,
};

/// The arguments of `put_rows`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PutRowsRequest {
    pub ledger: Ledger,
    pub period: Period,
    pub table: Table,
    /// How problems name where the rows came from (the form's name for people).
    pub source: String,
    /// The columns' headers or field ids, as an import file's header row.
    pub header: Vec<String>,
    /// Each row with the number people see it under, and its cells as typed.
    pub rows: Vec<(u64, Vec<String>)>,
    /// Only check the cells; write nothing.
    #[serde(default)]
    pub check_only: bool,
}

/// The answer to `put_rows`: what was written (nothing when only checking).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PutRowsAnswer {
    pub written: Option<ImportOutcome>,
}

impl Operation for PutRowsRequest {
    type Answer = PutRowsAnswer;

    fn apply(
        self,
        core: &mut NodeCore,
        context: &Context<'_>,
    ) -> Result<PutRowsAnswer, OperationError> {
        if self.table.ledger() != self.ledger {
            return Err(CoreError::TableNotInLedger {
                table: self.table,
                ledger: self.ledger,
            }
            .into());
        }
        let source = Source {
            file: self.source.clone(),
            sheet: Some(self.table.name_zh().to_owned()),
            layout: Layout::Sheet,
            order: 0,
        };
        let target = ImportTarget {
            ledger: self.ledger,
            period: self.period,
            table: Some(self.table),
            topology: Some(core.topology()),
            allow_empty: false,
        };
        let raw = RawRows {
            header: self.header.clone(),
            rows: self.rows.clone(),
        };
        let parsed =
            parse_rows(&source, raw, &target, &Progress::hidden()).map_err(import_failure)?;
        if self.check_only {
            return Ok(PutRowsAnswer { written: None });
        }
        match core.import_records_replacing(
            self.ledger,
            self.period,
            &[],
            &parsed.records,
            context.now_ms,
            Some(context.actor),
        ) {
            Err(CoreError::RulesBroken { findings, .. }) => Err(import_failure(findings_problems(
                std::slice::from_ref(&parsed),
                &findings,
            ))),
            Err(other) => Err(other.into()),
            Ok(outcome) => Ok(PutRowsAnswer {
                written: Some(outcome),
            }),
        }
    }
}
