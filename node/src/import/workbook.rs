//! Reading the sheets of a workbook into rows of cells and choosing which sheets to import: the
//! sheet named with `--sheet`; else, with a table given, the sheet named after it or the only one;
//! else every sheet named after a table of the ledger (a filled template), or the only sheet, its
//! table told by its headers. A sheet that matches no table is refused with the sheet names
//! expected, never skipped silently; only the template's instructions sheet (填表说明) and sheets
//! with no cell at all are passed over. The header is in row 1; empty rows are skipped.
//!
//! A cell holding a spreadsheet error (`#DIV/0!`) stops the read of the workbook in
//! [`crate::spreadsheet`], so it is reported alone, at its cell.

use std::path::Path;

use crate::t;
use schemas::table::{Table, tables_of};

use super::headers::{self, ledger_name};
use super::problems::ProblemList;
use super::{At, ImportError, ImportTarget, Layout, ParsedImport, Progress, RawRows, Source};
use crate::core::ErrorKind;
use crate::spreadsheet::{SheetCells, SpreadsheetError, read_workbook};
use crate::template::NOTES_SHEET;

/// Parses a workbook into records for the target, one [`ParsedImport`] per sheet imported, with
/// every problem of every sheet reported.
pub fn parse_workbook(
    path: &Path,
    sheet: Option<&str>,
    target: &ImportTarget<'_>,
    progress: &Progress,
) -> Result<Vec<ParsedImport>, ImportError> {
    let file = path.display().to_string();
    let sheets = read_workbook(path).map_err(|error| workbook_error(&file, error))?;
    let source_of = |order: usize, chosen: &SheetCells| Source {
        file: file.clone(),
        sheet: Some(chosen.name.clone()),
        layout: Layout::Sheet,
        order: order + 1,
    };
    let mut problems = ProblemList::default();
    let chosen = choose_sheets(&file, &sheets, sheet, target, &mut problems);
    let mut parsed = Vec::new();
    for Chosen {
        index,
        table,
        skip_if_empty,
    } in chosen
    {
        let sheet = &sheets[index];
        let source = source_of(index, sheet);
        let sheet_target = ImportTarget {
            table: table.or(target.table),
            ..*target
        };
        let Some(raw) = rows_of(&source, sheet, &sheet_target, &mut problems) else {
            continue;
        };
        if raw.rows.is_empty() && skip_if_empty {
            continue;
        }
        if let Some(sheet_parsed) =
            super::rows::parse_sheet(&source, raw, &sheet_target, progress, &mut problems)
        {
            parsed.push(sheet_parsed);
        }
    }
    if problems.is_empty() && parsed.is_empty() {
        let (order, problem) = whole_file(&file).problem(
            At::whole(),
            "no_records",
            t!("import.sheet.no_records_in_tables"),
        );
        problems.push(order, problem);
    }
    if !problems.is_empty() {
        return Err(problems.into_error(&file));
    }
    Ok(parsed)
}

/// The workbook as a whole, for problems that are about no one sheet.
fn whole_file(file: &str) -> Source {
    Source {
        file: file.to_owned(),
        sheet: None,
        layout: Layout::Sheet,
        order: 0,
    }
}

/// Why a workbook cannot be read, as the problem of its file or of the cell at fault.
fn workbook_error(file: &str, error: SpreadsheetError) -> ImportError {
    let whole = whole_file(file);
    match error {
        SpreadsheetError::Open { source, .. } => {
            let kind = match source.kind() {
                std::io::ErrorKind::NotFound => ErrorKind::NotFound,
                std::io::ErrorKind::IsADirectory => ErrorKind::Invalid,
                _ => ErrorKind::Disk,
            };
            whole.error(
                kind,
                At::whole(),
                "cannot_read",
                t!("import.file.cannot_read", error = source),
            )
        }
        SpreadsheetError::NotAWorkbook { source, .. } => whole.error(
            ErrorKind::Invalid,
            At::whole(),
            "not_a_workbook",
            t!("import.file.not_a_workbook", error = source),
        ),
        SpreadsheetError::ReadSheet { sheet, source, .. } => Source {
            sheet: Some(sheet),
            ..whole
        }
        .error(
            ErrorKind::Invalid,
            At::whole(),
            "not_a_workbook",
            t!("import.file.not_a_workbook", error = source),
        ),
        SpreadsheetError::ErrorCell {
            sheet,
            row,
            column,
            error_text,
            ..
        } => {
            let mut problems = ProblemList::default();
            let (order, mut problem) = Source {
                sheet: Some(sheet),
                ..whole
            }
            .problem(
                At::row(row as u64),
                "error_cell",
                t!("import.sheet.error_cell", error = error_text),
            );
            problem.column = Some(column);
            problems.push(order, problem);
            problems.into_error(file)
        }
        SpreadsheetError::SheetTooLarge {
            sheet,
            n_rows,
            n_columns,
            ..
        } => Source {
            sheet: Some(sheet),
            ..whole
        }
        .error(
            ErrorKind::RulesBroken,
            At::whole(),
            "too_many_rows",
            t!("import.sheet.too_large", rows = n_rows, columns = n_columns),
        ),
        other => whole.error(
            ErrorKind::Invalid,
            At::whole(),
            "not_a_workbook",
            other.to_string(),
        ),
    }
}

/// A sheet to import.
#[derive(Debug, Clone, Copy)]
struct Chosen {
    /// Its position in the workbook.
    index: usize,
    /// Its table, when its name tells it.
    table: Option<Table>,
    /// Whether a sheet with no rows is passed over (a template sheet left blank) rather than
    /// refused as holding no records.
    skip_if_empty: bool,
}

/// The table of the ledger a sheet is named after (its Chinese name or slug), if any.
fn table_named(name: &str, ledger: schemas::Ledger) -> Option<Table> {
    let name = name.trim();
    tables_of(ledger)
        .iter()
        .copied()
        .find(|table| table.name_zh() == name || table.slug() == name)
}

/// Whether a sheet holds nothing at all.
fn is_blank(sheet: &SheetCells) -> bool {
    sheet
        .rows
        .iter()
        .all(|row| row.iter().all(|cell| cell.trim().is_empty()))
}

/// The sheets to import, each problem of the choice (an unknown sheet, several sheets where one is
/// wanted) added to `problems`.
fn choose_sheets(
    file: &str,
    sheets: &[SheetCells],
    wanted: Option<&str>,
    target: &ImportTarget<'_>,
    problems: &mut ProblemList,
) -> Vec<Chosen> {
    let names = || {
        sheets
            .iter()
            .map(|sheet| sheet.name.as_str())
            .collect::<Vec<_>>()
            .join(t!("cli.list_separator").as_ref())
    };
    let mut refuse = |sheet: Option<&SheetCells>, order: usize, rule: &str, message: String| {
        let source = Source {
            sheet: sheet.map(|sheet| sheet.name.clone()),
            order,
            ..whole_file(file)
        };
        let (order, problem) = source.problem(At::whole(), rule, message);
        problems.push(order, problem);
    };
    if let Some(wanted) = wanted {
        return match sheets
            .iter()
            .position(|sheet| sheet.name.trim() == wanted.trim())
        {
            Some(index) => vec![Chosen {
                index,
                table: table_named(&sheets[index].name, target.ledger),
                skip_if_empty: false,
            }],
            None => {
                refuse(
                    None,
                    0,
                    "unknown_sheet",
                    t!("import.sheet.missing", sheet = wanted, existing = names()).into_owned(),
                );
                Vec::new()
            }
        };
    }
    // The sheets that may hold records: not the instructions, not a sheet with nothing on it.
    let candidates: Vec<usize> = (0..sheets.len())
        .filter(|index| sheets[*index].name.trim() != NOTES_SHEET && !is_blank(&sheets[*index]))
        .collect();
    if let Some(table) = target.table {
        if let Some(index) = sheets
            .iter()
            .position(|sheet| table_named(&sheet.name, target.ledger) == Some(table))
        {
            return vec![Chosen {
                index,
                table: Some(table),
                skip_if_empty: false,
            }];
        }
        return match candidates.as_slice() {
            [index] => vec![Chosen {
                index: *index,
                table: Some(table),
                skip_if_empty: false,
            }],
            [] => {
                refuse(None, 0, "no_records", t!("import.sheet.none").into_owned());
                Vec::new()
            }
            _ => {
                refuse(
                    None,
                    0,
                    "several_sheets",
                    t!(
                        "import.sheet.several",
                        names = names(),
                        table = table.name_zh(),
                        slug = table.slug()
                    )
                    .into_owned(),
                );
                Vec::new()
            }
        };
    }
    let named = candidates
        .iter()
        .any(|index| table_named(&sheets[*index].name, target.ledger).is_some());
    if !named && let [index] = candidates.as_slice() {
        return vec![Chosen {
            index: *index,
            table: None,
            skip_if_empty: false,
        }];
    }
    if candidates.is_empty() {
        refuse(None, 0, "no_records", t!("import.sheet.none").into_owned());
        return Vec::new();
    }
    let mut chosen = Vec::new();
    for index in candidates {
        let sheet = &sheets[index];
        match table_named(&sheet.name, target.ledger) {
            Some(table) => chosen.push(Chosen {
                index,
                table: Some(table),
                skip_if_empty: true,
            }),
            None => refuse(
                Some(sheet),
                index + 1,
                "unknown_sheet",
                unknown_sheet_message(&sheet.name, target.ledger),
            ),
        }
    }
    chosen
}

/// Why a sheet matches no table: the sheet names the ledger's tables are expected under, or the
/// ledger whose table it is.
fn unknown_sheet_message(name: &str, ledger: schemas::Ledger) -> String {
    if let Some(other) = schemas::Ledger::ALL
        .iter()
        .copied()
        .find(|other| *other != ledger && table_named(name, *other).is_some())
    {
        return t!(
            "import.sheet.other_ledger",
            sheet = name.trim(),
            ledger = ledger_name(other),
            slug = other.slug()
        )
        .into_owned();
    }
    let expected: Vec<&str> = tables_of(ledger)
        .iter()
        .map(|table| table.name_zh())
        .collect();
    t!(
        "import.sheet.unknown",
        sheet = name.trim(),
        ledger = ledger_name(ledger),
        expected = expected.join(t!("cli.list_separator").as_ref()),
        notes = NOTES_SHEET
    )
    .into_owned()
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
    problems: &mut ProblemList,
) -> Option<RawRows> {
    let is_empty = |row: &Vec<String>| row.iter().all(|cell| cell.trim().is_empty());
    let fits = |row: &Vec<String>| headers::fits(target, row);
    let first = sheet.rows.first().filter(|row| !is_empty(row));
    if !first.is_some_and(fits)
        && let Some(index) = sheet
            .rows
            .iter()
            .take(HEADER_SEARCH_ROWS)
            .position(|row| !is_empty(row) && fits(row))
            .filter(|index| *index > 0)
    {
        let (order, problem) = source.problem(
            At::row(1),
            "header_not_in_row_1",
            t!("import.header.not_in_row_1", row = index + 1, above = index),
        );
        problems.push(order, problem);
        return None;
    }
    let Some(first) = first else {
        let (order, problem) = source.problem(
            At::row(1),
            "header_not_in_row_1",
            t!("import.header.row_1_empty"),
        );
        problems.push(order, problem);
        return None;
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
    Some(RawRows { header, rows })
}
