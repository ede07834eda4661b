//! Reading a sheet of an XLSX workbook into rows of cells: the sheet named, or the one named after
//! the table, or the only one; the header in row 1; empty rows skipped.

use std::path::Path;

use schemas::columns::resolve_headers;
use schemas::table::Table;

use super::{
    ImportError, ImportTarget, Layout, ParsedImport, Progress, RawRows, Source, parse_rows,
};
use crate::spreadsheet::{SheetCells, read_workbook};

/// Parses a workbook into records for the target, one [`ParsedImport`] per sheet imported. The
/// sheets are: `sheet` when given; else, with a table given, the sheet named after it or the only
/// one; else every sheet named after a table of the ledger (a filled template, whose sheets that
/// hold no rows are skipped), or the only sheet, its table inferred from its headers.
pub fn parse_workbook(
    path: &Path,
    sheet: Option<&str>,
    target: &ImportTarget<'_>,
    progress: &Progress,
) -> Result<Vec<ParsedImport>, ImportError> {
    let file = path.display().to_string();
    let whole_file = Source {
        file: file.clone(),
        sheet: None,
        layout: Layout::Sheet,
    };
    let sheets =
        read_workbook(path).map_err(|error| whole_file.error(None, None, error.to_string()))?;
    let source_of = |chosen: &SheetCells| Source {
        file: file.clone(),
        sheet: Some(chosen.name.clone()),
        layout: Layout::Sheet,
    };
    if sheet.is_none() && target.table.is_none() {
        let named: Vec<(&SheetCells, Table)> = sheets
            .iter()
            .filter_map(|candidate| {
                table_named(candidate, target.ledger).map(|table| (candidate, table))
            })
            .collect();
        if !named.is_empty() {
            let mut parsed = Vec::new();
            for (chosen, table) in named {
                let source = source_of(chosen);
                let raw = rows_of(&source, chosen, target)?;
                if raw.rows.is_empty() {
                    continue;
                }
                let sheet_target = ImportTarget {
                    table: Some(table),
                    ..*target
                };
                parsed.push(parse_rows(&source, raw, &sheet_target, progress)?);
            }
            if parsed.is_empty() {
                return Err(whole_file.error(
                    None,
                    None,
                    "the sheets named after the ledger's tables hold no records",
                ));
            }
            return Ok(parsed);
        }
    }
    let chosen = choose_sheet(&sheets, sheet, target.table)
        .map_err(|message| whole_file.error(None, None, message))?;
    let source = source_of(chosen);
    let raw = rows_of(&source, chosen, target)?;
    Ok(vec![parse_rows(&source, raw, target, progress)?])
}

/// The table of the ledger a sheet is named after (its Chinese name or slug), if any.
fn table_named(sheet: &SheetCells, ledger: schemas::Ledger) -> Option<Table> {
    let name = sheet.name.trim();
    schemas::table::tables_of(ledger)
        .iter()
        .copied()
        .find(|table| table.name_zh() == name || table.slug() == name)
}

/// The sheet to import, or why none can be chosen.
fn choose_sheet<'a>(
    sheets: &'a [SheetCells],
    wanted: Option<&str>,
    table: Option<Table>,
) -> Result<&'a SheetCells, String> {
    let names = || {
        sheets
            .iter()
            .map(|sheet| sheet.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    if let Some(wanted) = wanted {
        return sheets
            .iter()
            .find(|sheet| sheet.name.trim() == wanted.trim())
            .ok_or_else(|| {
                format!(
                    "there is no sheet {wanted:?} (the workbook has: {})",
                    names()
                )
            });
    }
    if let Some(table) = table
        && let Some(sheet) = sheets
            .iter()
            .find(|sheet| sheet.name.trim() == table.name_zh() || sheet.name.trim() == table.slug())
    {
        return Ok(sheet);
    }
    match sheets {
        [only] => Ok(only),
        [] => Err("the workbook has no sheets".to_owned()),
        _ => Err(format!(
            "the workbook has several sheets ({}); name the one to import with --sheet{}",
            names(),
            table.map_or(String::new(), |table| format!(
                " or call it {} ({})",
                table.name_zh(),
                table.slug()
            ))
        )),
    }
}

/// Rows searched for headers that do not start in row 1, to say where they are.
const HEADER_SEARCH_ROWS: usize = 20;

/// The header (row 1) and the non-empty rows of a sheet. A sheet whose headers are not in row 1
/// (a title or a blank row above them) is refused, saying where the headers are: the header row
/// must be the first row, so that nothing above the table is mistaken for headers or data.
fn rows_of(
    source: &Source,
    sheet: &SheetCells,
    target: &ImportTarget<'_>,
) -> Result<RawRows, ImportError> {
    let is_empty = |row: &Vec<String>| row.iter().all(|cell| cell.trim().is_empty());
    let fits = |row: &Vec<String>| {
        let headers: Vec<&str> = row.iter().map(String::as_str).collect();
        resolve_headers(target.ledger, target.table, &headers).is_ok()
    };
    let first = sheet.rows.first().filter(|row| !is_empty(row));
    if !first.is_some_and(fits)
        && let Some(index) = sheet
            .rows
            .iter()
            .take(HEADER_SEARCH_ROWS)
            .position(|row| !is_empty(row) && fits(row))
            .filter(|index| *index > 0)
    {
        return Err(source.error(
            Some(1),
            None,
            format!(
                "the header row must be row 1, but the headers are in row {} (delete the {} \
                 row(s) above them)",
                index + 1,
                index
            ),
        ));
    }
    let Some(first) = first else {
        return Err(source.error(
            Some(1),
            None,
            "the header row must be row 1, but row 1 is empty",
        ));
    };
    let header = first.clone();
    let rows = sheet
        .rows
        .iter()
        .enumerate()
        .skip(1)
        .filter(|(_, row)| !is_empty(row))
        .map(|(index, row)| {
            let mut cells = row.clone();
            // Trailing empty cells are trimmed by the reader; a row is as wide as its header.
            if cells.len() < header.len() {
                cells.resize(header.len(), String::new());
            }
            (index as u64 + 1, cells)
        })
        .collect();
    Ok(RawRows { header, rows })
}
