//! Importing ledger records from CSV files and XLSX workbooks: every row parsed and checked before
//! anything is written, so a file is imported whole or not at all.
//!
//! A file is first read into a header row and rows of text cells ([`csv_file`], [`workbook`]); the
//! cells then go through the schema's column mapping ([`schemas::columns`]), row by row on several
//! threads for large files, and every division code is looked up in the topology. Errors name the
//! file (and sheet), the line or row (1-based, the header being line 1), the column (1-based for
//! CSV, a letter for spreadsheets, with its header text) and the rule broken.

mod csv_file;
mod findings;
mod progress;
mod workbook;

use std::fmt;
use std::path::Path;

use schemas::columns::{HeaderMap, check_unique_ids, resolve_headers};
use schemas::records::{Record, Value};
use schemas::table::Table;
use schemas::{Ledger, Period};
use topology::Topology;

pub use csv_file::parse_csv;
pub use findings::findings_error;
pub use progress::Progress;
pub use workbook::parse_workbook;

/// Rows a single file may hold. A county's largest table (a year of dispatch orders) is tens of
/// thousands of rows; two million leaves room for a region's while refusing runaway files before
/// they exhaust memory.
pub const MAX_IMPORT_ROWS: usize = 2_000_000;

/// Rows below which parsing on several threads does not pay for the threads.
const PARALLEL_PARSE_ROWS_MIN: usize = 20_000;

/// Threads at most for parsing a file: parsing is a small part of an import, two to four threads
/// take it off the critical path without crowding the automerge write that follows.
const PARALLEL_PARSE_THREADS_MAX: usize = 4;

/// How a file numbers its rows and columns in messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// A CSV file: lines, and columns numbered from 1.
    Csv,
    /// A spreadsheet: rows, and columns lettered from A.
    Sheet,
}

/// A file that cannot be imported, and where (boxed: errors travel through every parse result).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ImportError(Box<ImportFailure>);

impl std::ops::Deref for ImportError {
    type Target = ImportFailure;

    fn deref(&self) -> &ImportFailure {
        &self.0
    }
}

/// Where and why a file cannot be imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportFailure {
    pub file: String,
    /// The sheet, for a workbook.
    pub sheet: Option<String>,
    pub layout: Layout,
    /// 1-based line or row; `None` for problems with the file as a whole.
    pub line: Option<u64>,
    /// The column as shown (a number for CSV, a letter for sheets) and its header text.
    pub column: Option<(String, String)>,
    pub message: String,
}

impl fmt::Display for ImportFailure {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "{}", self.file)?;
        if let Some(sheet) = &self.sheet {
            write!(formatter, ", sheet {sheet:?}")?;
        }
        if let Some(line) = self.line {
            let unit = match self.layout {
                Layout::Csv => "line",
                Layout::Sheet => "row",
            };
            let separator = if self.sheet.is_some() { "," } else { ":" };
            write!(formatter, "{separator} {unit} {line}")?;
        }
        if let Some((column, header)) = &self.column {
            write!(formatter, ", column {column} ({header})")?;
        }
        write!(
            formatter,
            ": {}; nothing from this file was imported",
            self.message
        )
    }
}

/// Where the rows of an import come from, for messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    pub file: String,
    pub sheet: Option<String>,
    pub layout: Layout,
}

impl Source {
    /// An error at a line and column of this source.
    pub fn error(
        &self,
        line: Option<u64>,
        column: Option<(usize, String)>,
        message: impl Into<String>,
    ) -> ImportError {
        ImportError(Box::new(ImportFailure {
            file: self.file.clone(),
            sheet: self.sheet.clone(),
            layout: self.layout,
            line,
            column: column.map(|(index, header)| (self.column_label(index), header)),
            message: message.into(),
        }))
    }

    /// How a 0-based column is shown: `4` in a CSV file, `D` in a sheet.
    fn column_label(&self, index: usize) -> String {
        match self.layout {
            Layout::Csv => (index + 1).to_string(),
            Layout::Sheet => crate::spreadsheet::column_letter(index),
        }
    }
}

/// A file read into its header row and data rows, each row with its 1-based line or row number.
#[derive(Debug, Clone, Default)]
pub struct RawRows {
    pub header: Vec<String>,
    pub rows: Vec<(u64, Vec<String>)>,
}

/// The records of one file, all checked, with the line or row each came from.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedImport {
    pub table: Table,
    pub records: Vec<Record>,
    pub lines: Vec<u64>,
    /// The header of each column, to name columns in messages about records.
    pub headers: Vec<String>,
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
    if let Some(sheet) = sheet {
        return Err(Source {
            file,
            sheet: None,
            layout: Layout::Csv,
        }
        .error(
            None,
            None,
            format!("--sheet {sheet:?} was given but a CSV file has no sheets"),
        ));
    }
    let bytes = std::fs::read(path).map_err(|error| {
        Source {
            file: file.clone(),
            sheet: None,
            layout: Layout::Csv,
        }
        .error(None, None, format!("cannot read the file: {error}"))
    })?;
    Ok(vec![parse_csv(&file, &bytes, target, progress)?])
}

/// Parses rows of cells into records: headers matched to a table, every cell checked, dated
/// records checked against the period, division codes against the topology, ids unique.
pub fn parse_rows(
    source: &Source,
    raw: RawRows,
    target: &ImportTarget<'_>,
    progress: &Progress,
) -> Result<ParsedImport, ImportError> {
    let header_texts: Vec<&str> = raw.header.iter().map(String::as_str).collect();
    let header_map: HeaderMap = resolve_headers(target.ledger, target.table, &header_texts)
        .map_err(|header_error| source.error(Some(1), None, header_error.to_string()))?;
    if raw.rows.len() > MAX_IMPORT_ROWS {
        return Err(source.error(
            None,
            None,
            format!("the file holds more than {MAX_IMPORT_ROWS} rows"),
        ));
    }
    progress.start("checking rows", raw.rows.len() as u64);
    let parse_part = |part: &[(u64, Vec<String>)]| -> Result<Vec<Record>, ImportError> {
        let mut records = Vec::with_capacity(part.len());
        for (line, row) in part {
            let cells: Vec<&str> = row.iter().map(String::as_str).collect();
            let record = header_map
                .parse_row_for_period(&cells, target.period)
                .map_err(|cell_error| {
                    source.error(
                        Some(*line),
                        Some((cell_error.column_index, cell_error.header.clone())),
                        format!("{}, found {:?}", cell_error.rule, cell_error.value),
                    )
                })?;
            if let Some(topology) = target.topology {
                check_divisions(source, &header_map, &raw.header, *line, &record, topology)?;
            }
            records.push(record);
            progress.advance(1);
        }
        Ok(records)
    };
    let records = parse_in_parallel(&raw.rows, parse_part)?;
    progress.finish();
    if records.is_empty() {
        return Err(source.error(None, None, "the file holds no records"));
    }
    let lines: Vec<u64> = raw.rows.iter().map(|(line, _)| *line).collect();
    check_unique_ids(&records).map_err(|duplicate| {
        source.error(
            Some(lines[duplicate.second_index]),
            None,
            format!(
                "record id {:?} appears again (first on {} {})",
                duplicate.id,
                match source.layout {
                    Layout::Csv => "line",
                    Layout::Sheet => "row",
                },
                lines[duplicate.first_index]
            ),
        )
    })?;
    Ok(ParsedImport {
        table: header_map.table(),
        records,
        lines,
        headers: raw.header,
        source: source.clone(),
    })
}

/// Checks that every division code of a record names a node of the topology.
fn check_divisions(
    source: &Source,
    header_map: &HeaderMap,
    headers: &[String],
    line: u64,
    record: &Record,
    topology: &Topology,
) -> Result<(), ImportError> {
    for (column, value) in record.fields() {
        let Value::Division(code) = value else {
            continue;
        };
        if topology.node(*code).is_some() {
            continue;
        }
        let column_index = header_map.column_of(column.field);
        return Err(source.error(
            Some(line),
            column_index.map(|index| (index, headers[index].clone())),
            format!(
                "must be the division code of a node of the topology ({}), found {code}, which \
                 is not in it",
                topology.name()
            ),
        ));
    }
    Ok(())
}

/// Parses rows in order-preserving chunks on several threads; the error reported is the one on the
/// earliest line, as a sequential parse would report it.
fn parse_in_parallel<Row: Sync>(
    rows: &[Row],
    parse: impl Fn(&[Row]) -> Result<Vec<Record>, ImportError> + Sync,
) -> Result<Vec<Record>, ImportError> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |count| count.get())
        .min(PARALLEL_PARSE_THREADS_MAX);
    if rows.len() < PARALLEL_PARSE_ROWS_MIN || threads < 2 {
        return parse(rows);
    }
    let chunk = rows.len().div_ceil(threads);
    let parts: Vec<Result<Vec<Record>, ImportError>> = std::thread::scope(|scope| {
        let parse = &parse;
        let workers: Vec<_> = rows
            .chunks(chunk)
            .map(|part| scope.spawn(move || parse(part)))
            .collect();
        workers
            .into_iter()
            .map(|worker| worker.join().expect("parsing rows cannot panic"))
            .collect()
    });
    let mut records = Vec::with_capacity(rows.len());
    for part in parts {
        records.extend(part?);
    }
    Ok(records)
}
