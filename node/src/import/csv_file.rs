//! Reading a CSV file into rows of cells: UTF-8 (with or without a byte-order mark), the first
//! line the header, blank lines skipped.

use super::{
    ImportError, ImportTarget, Layout, ParsedImport, Progress, RawRows, Source, parse_rows,
};

/// Parses a CSV file's bytes into records for the target.
pub fn parse_csv(
    file: &str,
    bytes: &[u8],
    target: &ImportTarget<'_>,
    progress: &Progress,
) -> Result<ParsedImport, ImportError> {
    let source = Source {
        file: file.to_owned(),
        sheet: None,
        layout: Layout::Csv,
    };
    let raw = read_rows(&source, bytes)?;
    parse_rows(&source, raw, target, progress)
}

/// The header and the non-blank rows of a CSV file, each with its line number.
fn read_rows(source: &Source, bytes: &[u8]) -> Result<RawRows, ImportError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Err(utf8) = std::str::from_utf8(bytes) {
        let line = 1 + bytes[..utf8.valid_up_to()]
            .iter()
            .filter(|byte| **byte == b'\n')
            .count() as u64;
        return Err(source.error(
            Some(line),
            None,
            "the file is not UTF-8 text (save it from Excel as \"CSV UTF-8\")",
        ));
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(bytes);
    let header: Vec<String> = reader
        .headers()
        .map_err(|csv_error| source.error(Some(1), None, csv_error.to_string()))?
        .iter()
        .map(str::to_owned)
        .collect();
    let mut rows = Vec::new();
    for row in reader.records() {
        let row = row.map_err(|csv_error| {
            let line = csv_error.position().map(|position| position.line());
            source.error(line, None, csv_error.to_string())
        })?;
        if row.iter().all(|cell| cell.trim().is_empty()) {
            continue;
        }
        if rows.len() > super::MAX_IMPORT_ROWS {
            break;
        }
        let line = row.position().map_or(0, |position| position.line());
        rows.push((line, row.iter().map(str::to_owned).collect()));
    }
    Ok(RawRows { header, rows })
}
