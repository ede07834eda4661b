//! Writing workbooks: returns, consolidated tables and import templates as XLSX.
//!
//! Callers describe each sheet with the plain model [`SheetOut`] (a header, rows of [`CellOut`],
//! optional totals and notes) and hand the sheets to [`write_workbook`]. It checks every sheet name
//! and size before anything is written, lays each sheet out with rust_xlsxwriter (bold frozen
//! header, rows, bold totals, a blank row, notes; column widths from the longest text, CJK
//! characters counting double), writes the workbook to a temporary file in the target folder and
//! renames it into place, so that the path holds either its old content or the whole new workbook.

use std::collections::HashSet;
use std::io::{self, BufWriter, Write as _};
use std::path::Path;

use rust_decimal::Decimal;
use rust_xlsxwriter::{ColNum, Format, RowNum, Workbook, Worksheet, XlsxError};

use super::error::{SHEET_COLUMNS_MAX, SHEET_ROWS_MAX, SpreadsheetError};

/// Characters a sheet name may have, counted in UTF-16 units as Excel counts them (a Chinese
/// character is one). Excel refuses longer names.
pub const SHEET_NAME_LENGTH_MAX: usize = 31;

/// Characters Excel refuses in a sheet name: they have meanings in cell references and paths.
const SHEET_NAME_FORBIDDEN: [char; 7] = ['[', ']', ':', '*', '?', '/', '\\'];

/// Narrowest column, in widths of a digit: Excel's default column is 8.43, and narrower columns
/// make short numbers and one-character headers look cramped.
const COLUMN_WIDTH_MIN: usize = 8;

/// Widest column, in widths of a digit: a long name or remark beyond this would push the other
/// columns off the screen; the whole text still shows in the formula bar.
const COLUMN_WIDTH_MAX: usize = 60;

/// Room added to the longest text of a column so that it does not touch the cell border.
const COLUMN_WIDTH_PADDING: usize = 2;

/// One cell to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CellOut {
    /// Nothing is written.
    Empty,
    /// Written as a string cell, even if it looks like a number (codes keep their leading zeros).
    Text(String),
    /// Written as a number cell, so that spreadsheets can sum it. Values with at most 15
    /// significant digits read back exactly; Excel stores no more.
    Number(Decimal),
}

/// One sheet to write, laid out from A1: the header, the rows, the totals, a blank row, the notes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SheetOut {
    /// The sheet name: at most [`SHEET_NAME_LENGTH_MAX`] characters, none of `[]:*?/\`, unique
    /// in the workbook without regard to case.
    pub name: String,
    /// Column headings, written bold in row 1, which stays in view when scrolling.
    pub header: Vec<String>,
    /// The table body, from row 2.
    pub rows: Vec<Vec<CellOut>>,
    /// A totals row, written bold directly after the rows, when the table has one.
    pub totals: Option<Vec<CellOut>>,
    /// Lines of explanation (sources, units, who compiled the table), written as plain text in
    /// column A after a blank row below the table.
    pub notes: Vec<String>,
}

/// Writes `sheets`, in order, as the XLSX workbook at `path`, replacing any file there. Nothing is
/// written unless every sheet name and size is acceptable, and a failed write leaves `path` as it
/// was. With no sheets, the workbook gets one blank sheet, since a workbook needs one.
pub fn write_workbook(path: &Path, sheets: &[SheetOut]) -> Result<(), SpreadsheetError> {
    check_sheets(path, sheets)?;
    let mut workbook = Workbook::new();
    for sheet in sheets {
        lay_out_sheet(workbook.add_worksheet(), sheet).map_err(|source| {
            SpreadsheetError::Build {
                path: path.to_owned(),
                source,
            }
        })?;
    }
    save_atomically(path, &mut workbook)
}

/// Checks sheet names and sizes before anything is written.
fn check_sheets(path: &Path, sheets: &[SheetOut]) -> Result<(), SpreadsheetError> {
    let mut names_seen = HashSet::new();
    for sheet in sheets {
        if let Some(reason) = sheet_name_problem(&sheet.name) {
            return Err(SpreadsheetError::InvalidSheetName {
                path: path.to_owned(),
                sheet: sheet.name.clone(),
                reason,
            });
        }
        if !names_seen.insert(sheet.name.to_lowercase()) {
            return Err(SpreadsheetError::DuplicateSheetName {
                path: path.to_owned(),
                sheet: sheet.name.clone(),
            });
        }
        let (n_rows, n_columns) = sheet_size(sheet);
        if n_rows > SHEET_ROWS_MAX || n_columns > SHEET_COLUMNS_MAX {
            return Err(SpreadsheetError::SheetTooLarge {
                path: path.to_owned(),
                sheet: sheet.name.clone(),
                n_rows,
                n_columns,
            });
        }
    }
    Ok(())
}

/// The rule a sheet name breaks, phrased to follow the name, or `None` if Excel accepts it.
fn sheet_name_problem(name: &str) -> Option<&'static str> {
    if name.is_empty() {
        Some("is empty")
    } else if name.encode_utf16().count() > SHEET_NAME_LENGTH_MAX {
        Some("is longer than 31 characters")
    } else if name.contains(SHEET_NAME_FORBIDDEN) {
        Some("contains one of the characters [ ] : * ? / \\")
    } else if name.starts_with('\'') || name.ends_with('\'') {
        Some("starts or ends with an apostrophe")
    } else if name.eq_ignore_ascii_case("History") {
        Some("is reserved by Excel")
    } else {
        None
    }
}

/// Rows (from row 1) and columns (from column A) the sheet will take.
fn sheet_size(sheet: &SheetOut) -> (usize, usize) {
    let totals_rows = usize::from(sheet.totals.is_some());
    let notes_rows = if sheet.notes.is_empty() {
        0
    } else {
        1 + sheet.notes.len()
    };
    let n_rows = 1 + sheet.rows.len() + totals_rows + notes_rows;
    let n_columns = sheet
        .rows
        .iter()
        .chain(&sheet.totals)
        .map(Vec::len)
        .chain([sheet.header.len(), usize::from(!sheet.notes.is_empty())])
        .max()
        .unwrap_or(0);
    (n_rows, n_columns)
}

/// Writes one sheet's cells, formats and column widths.
fn lay_out_sheet(worksheet: &mut Worksheet, sheet: &SheetOut) -> Result<(), XlsxError> {
    worksheet.set_name(&sheet.name)?;
    let bold = Format::new().set_bold();
    for (column_index, heading) in sheet.header.iter().enumerate() {
        worksheet.write_string_with_format(0, column_number(column_index)?, heading, &bold)?;
    }
    if !sheet.header.is_empty() {
        worksheet.set_freeze_panes(1, 0)?;
    }
    let mut row_index = 1;
    for row in &sheet.rows {
        write_cells(worksheet, row_index, row, None)?;
        row_index += 1;
    }
    if let Some(totals) = &sheet.totals {
        write_cells(worksheet, row_index, totals, Some(&bold))?;
        row_index += 1;
    }
    if !sheet.notes.is_empty() {
        // A blank row sets the notes apart from the table.
        row_index += 1;
        for note in &sheet.notes {
            worksheet.write_string(row_number(row_index)?, 0, note)?;
            row_index += 1;
        }
    }
    for (column_index, width) in column_widths(sheet).into_iter().enumerate() {
        // Widths are at most COLUMN_WIDTH_MAX, so the conversion is exact.
        worksheet.set_column_width(column_number(column_index)?, width as f64)?;
    }
    Ok(())
}

/// Writes one row of cells, in `format` if given.
fn write_cells(
    worksheet: &mut Worksheet,
    row_index: usize,
    cells: &[CellOut],
    format: Option<&Format>,
) -> Result<(), XlsxError> {
    let row = row_number(row_index)?;
    for (column_index, cell) in cells.iter().enumerate() {
        let column = column_number(column_index)?;
        match (cell, format) {
            (CellOut::Empty, _) => {}
            (CellOut::Text(text), _) if text.is_empty() => {}
            (CellOut::Text(text), None) => {
                worksheet.write_string(row, column, text)?;
            }
            (CellOut::Text(text), Some(format)) => {
                worksheet.write_string_with_format(row, column, text, format)?;
            }
            (CellOut::Number(value), None) => {
                worksheet.write_number(row, column, decimal_to_f64(*value))?;
            }
            (CellOut::Number(value), Some(format)) => {
                worksheet.write_number_with_format(row, column, decimal_to_f64(*value), format)?;
            }
        }
    }
    Ok(())
}

/// The nearest `f64` to a decimal, through its text: the parse rounds correctly, so a value with
/// at most 15 significant digits prints back as the same digits.
fn decimal_to_f64(value: Decimal) -> f64 {
    value
        .to_string()
        .parse()
        .expect("a Decimal's text is a plain decimal number")
}

/// Column widths, in widths of a digit, from the longest header, cell or totals text.
fn column_widths(sheet: &SheetOut) -> Vec<usize> {
    let mut longest = vec![0; sheet_size(sheet).1];
    for (column_index, heading) in sheet.header.iter().enumerate() {
        longest[column_index] = display_width(heading);
    }
    for row in sheet.rows.iter().chain(&sheet.totals) {
        for (column_index, cell) in row.iter().enumerate() {
            let width = match cell {
                CellOut::Empty => 0,
                CellOut::Text(text) => display_width(text),
                CellOut::Number(value) => value.to_string().len(),
            };
            longest[column_index] = longest[column_index].max(width);
        }
    }
    longest
        .into_iter()
        .map(|width| (width + COLUMN_WIDTH_PADDING).clamp(COLUMN_WIDTH_MIN, COLUMN_WIDTH_MAX))
        .collect()
}

/// Width of a text in widths of a digit: CJK and other full-width characters count 2.
fn display_width(text: &str) -> usize {
    text.chars()
        .map(|character| if is_wide(character) { 2 } else { 1 })
        .sum()
}

/// Whether a character is drawn twice as wide as a digit: the East Asian wide and full-width
/// blocks (Hangul Jamo, CJK punctuation, kana, ideographs, Yi, Hangul syllables, compatibility
/// ideographs and forms, full-width forms, and the supplementary ideograph planes).
fn is_wide(character: char) -> bool {
    matches!(
        u32::from(character),
        0x1100..=0x115F
            | 0x2E80..=0x303E
            | 0x3041..=0x33FF
            | 0x3400..=0x4DBF
            | 0x4E00..=0x9FFF
            | 0xA000..=0xA4CF
            | 0xAC00..=0xD7A3
            | 0xF900..=0xFAFF
            | 0xFE30..=0xFE4F
            | 0xFF00..=0xFF60
            | 0xFFE0..=0xFFE6
            | 0x2_0000..=0x3_FFFD
    )
}

/// A 0-based row index as rust_xlsxwriter's row number.
fn row_number(row_index: usize) -> Result<RowNum, XlsxError> {
    RowNum::try_from(row_index).map_err(|_| XlsxError::RowColumnLimitError)
}

/// A 0-based column index as rust_xlsxwriter's column number.
fn column_number(column_index: usize) -> Result<ColNum, XlsxError> {
    ColNum::try_from(column_index).map_err(|_| XlsxError::RowColumnLimitError)
}

/// Saves the workbook to a temporary file next to `path`, flushes it to disk and renames it over
/// `path`. On any failure the temporary file is removed and `path` is untouched.
fn save_atomically(path: &Path, workbook: &mut Workbook) -> Result<(), SpreadsheetError> {
    let write_error = |source| SpreadsheetError::Write {
        path: path.to_owned(),
        source,
    };
    if path.file_name().is_none() {
        return Err(write_error(io::Error::new(
            io::ErrorKind::InvalidInput,
            "the path does not end in a file name",
        )));
    }
    let folder = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let mut temporary = tempfile::Builder::new()
        .prefix(".huizong-")
        .suffix(".xlsx.tmp")
        .tempfile_in(folder)
        .map_err(write_error)?;
    let mut writer = BufWriter::new(temporary.as_file_mut());
    workbook
        .save_to_writer(&mut writer)
        .map_err(|source| SpreadsheetError::Build {
            path: path.to_owned(),
            source,
        })?;
    writer.flush().map_err(write_error)?;
    drop(writer);
    temporary.as_file().sync_all().map_err(write_error)?;
    temporary
        .persist(path)
        .map_err(|error| write_error(error.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sheet(name: &str) -> SheetOut {
        SheetOut {
            name: name.to_owned(),
            header: vec!["名称".to_owned()],
            ..SheetOut::default()
        }
    }

    #[test]
    fn sheet_names_are_checked_before_writing() {
        let folder = tempfile::tempdir().expect("temporary folder");
        let path = folder.path().join("out.xlsx");
        let long_name = "机".repeat(SHEET_NAME_LENGTH_MAX + 1);
        for (name, reason) in [
            ("", "is empty"),
            (long_name.as_str(), "is longer than 31 characters"),
            ("能源/消费", "contains one of the characters [ ] : * ? / \\"),
            ("'机构", "starts or ends with an apostrophe"),
            ("history", "is reserved by Excel"),
        ] {
            let error = write_workbook(&path, &[sheet(name)]).expect_err(name);
            assert!(
                matches!(&error, SpreadsheetError::InvalidSheetName { reason: found, .. } if *found == reason),
                "{name}: {error}"
            );
        }
        let at_limit = "机".repeat(SHEET_NAME_LENGTH_MAX);
        write_workbook(&path, &[sheet(&at_limit)]).expect("31 characters are allowed");

        let error = write_workbook(&path, &[sheet("Sheet1"), sheet("SHEET1")]).expect_err("dup");
        assert_eq!(
            error.to_string(),
            format!("{}: sheet name \"SHEET1\" is used twice", path.display())
        );
    }

    #[test]
    fn sizes_count_header_totals_blank_row_and_notes() {
        let mut table = sheet("表");
        table.rows = vec![vec![CellOut::Empty; 3]; 2];
        assert_eq!(sheet_size(&table), (3, 3));
        table.totals = Some(vec![CellOut::Empty]);
        table.notes = vec!["注：单位为平方米".to_owned(), "填表人".to_owned()];
        assert_eq!(sheet_size(&table), (7, 3));
    }

    #[test]
    fn widths_count_cjk_characters_double_within_bounds() {
        assert_eq!(display_width("建筑面积（m2）"), 4 * 2 + 2 * 2 + 2);
        let mut table = sheet("表");
        table.header = vec!["a".to_owned(), "建筑面积".to_owned(), "x".repeat(200)];
        table.rows = vec![vec![CellOut::Number(Decimal::new(12_345_678_912, 4))]];
        assert_eq!(column_widths(&table), vec![14, 10, COLUMN_WIDTH_MAX]);
    }

    #[test]
    fn decimals_become_the_nearest_float() {
        assert_eq!(
            decimal_to_f64(Decimal::new(12_345_678_912, 4)),
            1_234_567.891_2
        );
        assert_eq!(decimal_to_f64(Decimal::new(120_000, 2)), 1200.0);
        assert_eq!(decimal_to_f64(Decimal::new(-355, 1)), -35.5);
    }
}
