//! `export --format parquet --subtree`: the raw records of every counted submission the node holds
//! and the figures of every rollup, as hive-partitioned Parquet files (`crate::export::parquet`).

use std::path::PathBuf;

use schemas::{Ledger, Period};
use serde::{Deserialize, Serialize};

use super::{Context, Operation, OperationError};
use crate::core::NodeCore;
use crate::export::parquet::ParquetExport;

/// Where the export goes (a directory that must not exist yet), and which ledger and period only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportParquetRequest {
    pub out: PathBuf,
    pub ledger: Option<Ledger>,
    pub period: Option<Period>,
}

impl Operation for ExportParquetRequest {
    type Answer = ParquetExport;

    fn apply(
        self,
        core: &mut NodeCore,
        _context: &Context<'_>,
    ) -> Result<ParquetExport, OperationError> {
        Ok(crate::export::parquet::export_subtree(
            core,
            &self.out,
            self.ledger,
            self.period,
        )?)
    }
}
