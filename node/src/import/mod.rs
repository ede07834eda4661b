//! Importing ledger records from CSV files and XLSX workbooks: every row parsed and checked before
//! anything is written, so a file is imported whole or not at all, and a refused file lists every
//! problem it has at once.
//!
//! A file is first read into a header row and rows of text cells ([`csv_file`], which decodes the
//! encodings Excel and WPS save in, and [`workbook`], which chooses the sheets and refuses those
//! that match no table). The header row is matched to a table ([`headers`]); each cell is made
//! into the plain text the schema reads ([`cells`]: full-width characters and units; [`dates`]:
//! dates as months; [`codes`]: codes stored as numbers) and parsed by the schema's column mapping,
//! row by row on several threads for large files ([`rows`]); every division code is looked up in
//! the topology and ids must be unique. Each problem names the file (and sheet), the line or row
//! (1-based, the header being 1), the column (1-based for CSV, a letter for sheets, with its
//! header), the field and the rule ([`problems`]); the findings of rules spanning records that the
//! core returns are placed at their rows the same way ([`findings`]).

mod cells;
mod codes;
mod csv_file;
mod dates;
mod findings;
mod headers;
mod problems;
mod progress;
mod rows;
mod workbook;

use std::path::Path;

use schemas::records::Record;
use schemas::table::Table;
use schemas::{Ledger, Period};
use topology::Topology;

pub use csv_file::parse_csv;
pub use findings::findings_problems;
pub use problems::{
    ImportError, ImportProblem, ImportProblems, PROBLEMS_LISTED_MAX, problem_lines, summary,
};
pub use progress::Progress;
pub use rows::parse_rows;
pub use workbook::parse_workbook;

use crate::core::ErrorKind;
use problems::ProblemList;

/// Rows a single file may hold. A county's largest table (a year of dispatch orders) is tens of
/// thousands of rows; two million leaves room for a region's while refusing runaway files before
/// they exhaust memory.
pub const MAX_IMPORT_ROWS: usize = 2_000_000;

/// How a file numbers its rows and columns in messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// A CSV file: lines, and columns numbered from 1.
    Csv,
    /// A spreadsheet: rows, and columns lettered from A.
    Sheet,
}

/// Where the rows of an import come from, for messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    pub file: String,
    pub sheet: Option<String>,
    pub layout: Layout,
    /// The sheet's position in its workbook (0 for a CSV file), so that problems list in the
    /// workbook's order.
    pub order: usize,
}

impl Source {
    /// A CSV file.
    pub fn csv(file: &str) -> Source {
        Source {
            file: file.to_owned(),
            sheet: None,
            layout: Layout::Csv,
            order: 0,
        }
    }

    /// How a 0-based column is shown: `4` in a CSV file, `D` in a sheet.
    pub fn column_label(&self, index: usize) -> String {
        match self.layout {
            Layout::Csv => (index + 1).to_string(),
            Layout::Sheet => crate::spreadsheet::column_letter(index),
        }
    }

    /// A problem of this source at a row (or the whole source) and a column (or the whole row).
    pub(crate) fn problem(&self, at: At<'_>, rule: &str, message: impl Into<String>) -> Placed {
        let order = (
            self.order,
            at.row.unwrap_or(0),
            at.column.map_or(0, |(index, _)| index + 1),
        );
        let problem = ImportProblem {
            file: self.file.clone(),
            sheet: self.sheet.clone(),
            row: at.row,
            column: at.column.map(|(index, _)| self.column_label(index)),
            header: at
                .column
                .map(|(_, header)| header.to_owned())
                .filter(|header| !header.trim().is_empty()),
            field: at
                .field
                .filter(|field| !field.is_empty())
                .map(str::to_owned),
            rule: rule.to_owned(),
            message: message.into(),
        };
        (order, problem)
    }

    /// The error refusing this source's file for one problem, of the given kind.
    pub(crate) fn error(
        &self,
        kind: ErrorKind,
        at: At<'_>,
        rule: &str,
        message: impl Into<String>,
    ) -> ImportError {
        let mut problems = ProblemList::default();
        let (order, problem) = self.problem(at, rule, message);
        problems.push(order, problem);
        ImportError {
            kind,
            ..problems.into_error(&self.file)
        }
    }
}

/// A problem with its place in the file's order.
pub(crate) type Placed = (problems::Order, ImportProblem);

/// Where in a source a problem is.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct At<'a> {
    /// The 1-based row or line.
    pub row: Option<u64>,
    /// The 0-based column and its header.
    pub column: Option<(usize, &'a str)>,
    /// The field the column holds.
    pub field: Option<&'a str>,
}

impl<'a> At<'a> {
    /// The whole file or sheet.
    pub fn whole() -> At<'a> {
        At::default()
    }

    /// A whole row.
    pub fn row(row: u64) -> At<'a> {
        At {
            row: Some(row),
            ..At::default()
        }
    }

    /// A cell.
    pub fn cell(row: u64, column: usize, header: &'a str, field: Option<&'a str>) -> At<'a> {
        At {
            row: Some(row),
            column: Some((column, header)),
            field,
        }
    }
}

/// A file read into its header row and data rows, each row with its 1-based line or row number.
#[derive(Debug, Clone, Default)]
pub struct RawRows {
    pub header: Vec<String>,
    pub rows: Vec<(u64, Vec<String>)>,
}

/// The records of one file or sheet, all checked, with the line or row each came from.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedImport {
    pub table: Table,
    pub records: Vec<Record>,
    pub lines: Vec<u64>,
    /// The header of each column, to name columns in messages about records.
    pub headers: Vec<String>,
    /// For each column of the table, the 0-based column of the file holding it, to place the
    /// findings about records found later.
    pub spec_columns: Vec<Option<usize>>,
    /// Where the rows came from, for messages about records found later.
    pub source: Source,
}

/// What an import is checked against besides the schema.
#[derive(Debug, Clone, Copy)]
pub struct ImportTarget<'a> {
    pub ledger: Ledger,
    pub period: Period,
    /// The table, or `None` to infer it from the headers.
    pub table: Option<Table>,
    /// Division codes in the records must be nodes of this topology.
    pub topology: Option<&'a Topology>,
    /// A table with headers and no rows is read as empty rather than refused (`import
    /// --replace`, which then empties that table).
    pub allow_empty: bool,
}

/// Reads and parses a CSV file or a workbook (by its extension), showing progress on a terminal:
/// one [`ParsedImport`] per table read (a workbook may hold several).
pub fn parse_file(
    path: &Path,
    sheet: Option<&str>,
    target: &ImportTarget<'_>,
    progress: &Progress,
) -> Result<Vec<ParsedImport>, ImportError> {
    let file = path.display().to_string();
    let extension = path
        .extension()
        .and_then(|extension| extension.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    if matches!(extension.as_str(), "xlsx" | "xlsm" | "xls" | "xlsb" | "ods") {
        return parse_workbook(path, sheet, target, progress);
    }
    let source = Source::csv(&file);
    if let Some(sheet) = sheet {
        return Err(source.error(
            ErrorKind::Invalid,
            At::whole(),
            "sheet_given_for_csv",
            crate::t!("import.file.sheet_given_for_csv", sheet = sheet),
        ));
    }
    let bytes = std::fs::read(path).map_err(|error| {
        let kind = match error.kind() {
            std::io::ErrorKind::NotFound => ErrorKind::NotFound,
            std::io::ErrorKind::IsADirectory => ErrorKind::Invalid,
            _ => ErrorKind::Disk,
        };
        source.error(
            kind,
            At::whole(),
            "cannot_read",
            crate::t!("import.file.cannot_read", error = error),
        )
    })?;
    Ok(vec![parse_csv(&file, &bytes, target, progress)?])
}
