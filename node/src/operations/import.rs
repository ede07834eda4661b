//! `import`: a CSV file or the sheets of a workbook into this node's draft of a ledger and period.
//! The file is read and checked whole before anything is written; nothing is imported while any
//! problem remains.

use std::path::PathBuf;

use schemas::table::Table;
use schemas::{Ledger, Period};
use serde::{Deserialize, Serialize};
use topology::Topology;

use super::{Context, ErrorDetails, Operation, OperationError};
use crate::core::{CoreError, ImportOutcome, NodeCore};
use crate::import::{
    ImportError, ImportTarget, ParsedImport, Progress, findings_problems, parse_file,
};

/// The arguments of `import`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportRequest {
    pub ledger: Ledger,
    pub period: Period,
    /// The table; inferred from the headers (or the sheet names) when absent.
    pub table: Option<Table>,
    /// The sheet of a workbook; every sheet named after a table when absent.
    pub sheet: Option<String>,
    /// The file, as an absolute path (a running node resolves nothing against its own directory).
    pub path: PathBuf,
    /// Replace mode: each table of the file holds exactly the file's rows afterwards (a sheet
    /// with headers and no rows empties its table).
    #[serde(default)]
    pub replace: bool,
}

/// A file read and checked against the schema and the topology, not yet written.
#[derive(Debug, Clone)]
pub struct ParsedFile {
    pub sheets: Vec<ParsedImport>,
}

/// The answer to `import`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportAnswer {
    pub file: String,
    pub tables: Vec<Table>,
    /// Whether the file's tables were replaced (`--replace`).
    #[serde(default)]
    pub replaced: bool,
    #[serde(flatten)]
    pub outcome: ImportOutcome,
}

impl ImportRequest {
    /// Reads and checks the file: done before taking the core's lock, and by the CLI itself
    /// before it hands a file to a running node, so that a clerk sees progress and problems at
    /// once.
    pub fn parse(
        &self,
        topology: &Topology,
        progress: &Progress,
    ) -> Result<ParsedFile, OperationError> {
        let target = ImportTarget {
            ledger: self.ledger,
            period: self.period,
            table: self.table,
            topology: Some(topology),
            allow_empty: self.replace,
        };
        let sheets = parse_file(&self.path, self.sheet.as_deref(), &target, progress)
            .map_err(import_failure)?;
        Ok(ParsedFile { sheets })
    }
}

impl Operation for ImportRequest {
    type Answer = ImportAnswer;

    fn apply(
        self,
        core: &mut NodeCore,
        context: &Context<'_>,
    ) -> Result<ImportAnswer, OperationError> {
        let parsed = self.parse(core.topology(), &Progress::hidden())?;
        apply_parsed(&self, parsed, core, context)
    }
}

/// Writes a parsed file into the draft; records that break a rule spanning records refuse the
/// whole file, each problem placed at its row.
pub fn apply_parsed(
    request: &ImportRequest,
    parsed: ParsedFile,
    core: &mut NodeCore,
    context: &Context<'_>,
) -> Result<ImportAnswer, OperationError> {
    let records: Vec<schemas::Record> = parsed
        .sheets
        .iter()
        .flat_map(|sheet| sheet.records.iter().cloned())
        .collect();
    let tables: Vec<schemas::table::Table> =
        parsed.sheets.iter().map(|sheet| sheet.table).collect();
    let outcome = match core.import_records_replacing(
        request.ledger,
        request.period,
        if request.replace { &tables } else { &[] },
        &records,
        context.now_ms,
        Some(context.actor),
    ) {
        Err(CoreError::RulesBroken { findings, .. }) => {
            return Err(import_failure(findings_problems(&parsed.sheets, &findings)));
        }
        other => other?,
    };
    Ok(ImportAnswer {
        file: request.path.display().to_string(),
        tables: parsed.sheets.iter().map(|sheet| sheet.table).collect(),
        replaced: request.replace,
        outcome,
    })
}

/// A refused file as an operation's failure: its kind, a one-line summary for people, and every
/// problem listed in the details.
pub fn import_failure(error: ImportError) -> OperationError {
    OperationError {
        kind: error.kind,
        message: error.summary(),
        details: ErrorDetails::ImportProblems {
            problems: error.problems.problems,
            more: error.problems.more,
        },
    }
}
