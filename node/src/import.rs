//! Importing ledger records from CSV files: every row parsed and checked before anything is
//! written, so a file is imported whole or not at all.
//!
//! Errors name the file, the line (1-based, the header being line 1), the column (1-based, with
//! its header text) and the rule broken.

use std::fmt;

use schemas::columns::{HeaderMap, check_unique_ids, resolve_headers};
use schemas::records::Record;
use schemas::table::Table;
use schemas::{Ledger, Period};

/// Rows a single file may hold. A county's largest table (a year of dispatch orders) is tens of
/// thousands of rows; two million leaves room for a region's while refusing runaway files before
/// they exhaust memory.
pub const MAX_IMPORT_ROWS: usize = 2_000_000;

/// Rows below which parsing on several threads does not pay for the threads.
const PARALLEL_PARSE_ROWS_MIN: usize = 20_000;

/// Threads at most for parsing a file: parsing is a small part of an import, two to four threads
/// take it off the critical path without crowding the automerge write that follows.
const PARALLEL_PARSE_THREADS_MAX: usize = 4;

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

/// A file that cannot be imported, and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ImportError {
    pub file: String,
    /// 1-based line in the file; `None` for problems with the file as a whole.
    pub line: Option<u64>,
    /// 1-based column and its header text.
    pub column: Option<(usize, String)>,
    pub message: String,
}

impl fmt::Display for ImportError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(formatter, ": line {line}")?;
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

/// The records of one file, all checked.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedImport {
    pub table: Table,
    pub records: Vec<Record>,
}

/// Parses a CSV file's bytes into records of `ledger` for `period`. The table is inferred from
/// the headers unless given.
pub fn parse_csv(
    file: &str,
    bytes: &[u8],
    ledger: Ledger,
    period: Period,
    table: Option<Table>,
) -> Result<ParsedImport, ImportError> {
    let error = |line: Option<u64>, column: Option<(usize, String)>, message: String| ImportError {
        file: file.to_owned(),
        line,
        column,
        message,
    };
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Err(utf8) = std::str::from_utf8(bytes) {
        let line = 1 + bytes[..utf8.valid_up_to()]
            .iter()
            .filter(|byte| **byte == b'\n')
            .count() as u64;
        return Err(error(
            Some(line),
            None,
            "the file is not UTF-8 text (save it from Excel as \"CSV UTF-8\")".to_owned(),
        ));
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(bytes);
    let headers = reader
        .headers()
        .map_err(|csv_error| error(Some(1), None, csv_error.to_string()))?
        .clone();
    let header_texts: Vec<&str> = headers.iter().collect();
    let header_map: HeaderMap = resolve_headers(ledger, table, &header_texts)
        .map_err(|header_error| error(Some(1), None, header_error.to_string()))?;
    let mut rows: Vec<(u64, csv::StringRecord)> = Vec::new();
    for row in reader.records() {
        let row = row.map_err(|csv_error| {
            let line = csv_error.position().map(|position| position.line());
            error(line, None, csv_error.to_string())
        })?;
        let line = row.position().map_or(0, |position| position.line());
        if row.iter().all(|cell| cell.trim().is_empty()) {
            continue;
        }
        if rows.len() >= MAX_IMPORT_ROWS {
            return Err(error(
                Some(line),
                None,
                format!("the file holds more than {MAX_IMPORT_ROWS} rows"),
            ));
        }
        rows.push((line, row));
    }
    let parse_rows = |part: &[(u64, csv::StringRecord)]| -> Result<Vec<Record>, ImportError> {
        let mut records = Vec::with_capacity(part.len());
        for (line, row) in part {
            let cells: Vec<&str> = row.iter().collect();
            let record = header_map.parse_row(&cells).map_err(|cell_error| {
                error(
                    Some(*line),
                    Some((cell_error.column_index + 1, cell_error.header.clone())),
                    format!("{}, found {:?}", cell_error.rule, cell_error.value),
                )
            })?;
            if let Err(period_error) = record.check_period(period) {
                return Err(error(Some(*line), None, period_error.to_string()));
            }
            records.push(record);
        }
        Ok(records)
    };
    let records = parse_in_parallel(&rows, parse_rows)?;
    let lines: Vec<u64> = rows.iter().map(|(line, _)| *line).collect();
    if records.is_empty() {
        return Err(error(None, None, "the file holds no records".to_owned()));
    }
    check_unique_ids(&records).map_err(|duplicate| {
        error(
            Some(lines[duplicate.second_index]),
            None,
            format!(
                "record id {:?} appears again (first on line {})",
                duplicate.id, lines[duplicate.first_index]
            ),
        )
    })?;
    Ok(ParsedImport {
        table: header_map.table(),
        records,
    })
}
