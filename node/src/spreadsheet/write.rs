//! Writing workbooks: returns, consolidated tables and import templates as XLSX.
//!
//! Callers describe each sheet with the plain model [`SheetOut`] (a header, rows of [`CellOut`],
//! optional totals and notes) and hand the sheets to [`write_workbook`]. It checks every sheet name
//! and size before anything is written, lays each sheet out with rust_xlsxwriter (bold frozen
//! header, rows, bold totals, a blank row, notes; column widths from the longest text, CJK
//! characters counting double), writes the workbook to a temporary file in the target folder and
//! renames it into place, so that the path holds either its old content or the whole new workbook.
//!
//! Forms to fill (the import templates) need more than cells: [`write_forms`] takes each sheet
//! with a [`SheetLayout`] that gives, column by column ([`ColumnLayout`]), a number format (text,
//! so that codes keep their leading zeros), a width, wrapping, a shaded header for a column that
//! must be filled, and a [`CellValidation`]: the rule the spreadsheet checks as a cell is typed
//! (a dropdown list, a number range, a text length) with its input and error messages. Sheets of
//! a layout may also be hidden (the lists that long dropdowns refer to) and have bold rows.

use std::collections::HashSet;
use std::io::{self, BufWriter, Write as _};
use std::path::Path;

use rust_decimal::Decimal;
use rust_xlsxwriter::{
    ColNum, DataValidation, DataValidationRule, Format, FormatAlign, Formula, RowNum, Workbook,
    Worksheet, XlsxError,
};

use super::error::{SHEET_COLUMNS_MAX, SHEET_ROWS_MAX, SheetNameProblem, SpreadsheetError};

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

/// Characters a dropdown list written inside its validation may have, its values joined with
/// commas, counted in UTF-16 units: Excel refuses longer lists. Longer lists go on a sheet and
/// the validation refers to their cells ([`CellRule::ListInSheet`]).
pub const INLINE_LIST_LENGTH_MAX: usize = 255;

/// Characters of the title Excel shows above an input or error message.
pub const VALIDATION_TITLE_LENGTH_MAX: usize = 32;

/// Characters of an input or error message Excel shows.
pub const VALIDATION_MESSAGE_LENGTH_MAX: usize = 255;

/// The height of one line of a wrapped text, in points: Excel's default row of 11-point text,
/// with room for CJK characters, which stand taller than Latin ones.
const LINE_HEIGHT_POINTS: f64 = 16.0;

/// The number format code of text: a cell keeps what is typed, digits included.
pub const TEXT_NUMBER_FORMAT: &str = "@";

/// The index of Excel's built-in text format.
const TEXT_NUMBER_FORMAT_INDEX: u8 = 49;

/// The shade of the header of a column that must be filled: a light orange that prints readably
/// in black and white.
const REQUIRED_HEADER_SHADE: u32 = 0x00F8_CBAD;

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

/// How wide a column is drawn, in widths of a digit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ColumnWidth {
    /// From the longest text of the column, CJK characters counting double.
    #[default]
    Fit,
    /// From the longest text, but with room for at least this many widths of a digit: for a
    /// form, whose longest values are typed later.
    AtLeast(usize),
    /// Exactly this many widths of a digit (at most the widest column): for a column of notes
    /// whose long texts wrap.
    Exactly(usize),
}

/// What the cells of a column may hold, checked by the spreadsheet as a cell is typed (Excel's
/// and WPS's data validation). Pasted values are not checked by spreadsheets; the import checks
/// everything again.
#[derive(Debug, Clone, PartialEq)]
pub enum CellRule {
    /// Anything: the validation only carries its input message.
    Any,
    /// One of these values, offered in a dropdown, written inside the validation: the values
    /// joined with commas may have at most [`INLINE_LIST_LENGTH_MAX`] characters and no value may
    /// hold a comma (see [`fits_inline_list`]).
    InlineList(Vec<String>),
    /// One of the values in rows `first_row_index..=last_row_index` (0-based) of one column of
    /// another sheet of the workbook, offered in a dropdown: for lists too long to write inline.
    ListInSheet {
        /// The sheet holding the values.
        sheet: String,
        /// Its 0-based column holding them.
        column_index: usize,
        /// The 0-based row of the first value.
        first_row_index: usize,
        /// The 0-based row of the last value.
        last_row_index: usize,
    },
    /// A number, decimals allowed, not below the minimum.
    DecimalAtLeast(f64),
    /// A whole number within the range, both ends included.
    WholeNumber {
        /// The smallest number allowed.
        min: i32,
        /// The largest number allowed.
        max: i32,
    },
    /// A text whose length in characters lies within the range, both ends included.
    TextLength {
        /// The fewest characters allowed.
        min: u32,
        /// The most characters allowed.
        max: u32,
    },
}

/// A rule on the cells of a column below its header, with the messages the spreadsheet shows.
#[derive(Debug, Clone, PartialEq)]
pub struct CellValidation {
    /// What a cell may hold.
    pub rule: CellRule,
    /// The title (at most [`VALIDATION_TITLE_LENGTH_MAX`] characters) and message (at most
    /// [`VALIDATION_MESSAGE_LENGTH_MAX`]) shown when a cell of the column is selected: the
    /// format to follow.
    pub input: Option<(String, String)>,
    /// The title and message shown when a typed value breaks the rule; the value is refused.
    pub error: Option<(String, String)>,
}

/// How one column of a form is laid out.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ColumnLayout {
    /// The number format of the whole column, such as `@` (text: a code typed as digits keeps its
    /// leading zeros and a month stays `2025-03`) or `yyyy-mm-dd`.
    pub number_format: Option<String>,
    /// How wide the column is drawn.
    pub width: ColumnWidth,
    /// Whether long texts wrap onto several lines, aligned at the top of the cell.
    pub wrap: bool,
    /// Whether the header is shaded, marking a column that must be filled.
    pub header_shaded: bool,
    /// The rule on every cell below the header, down to the last row of the sheet.
    pub validation: Option<CellValidation>,
}

/// What a sheet of a form needs beyond its cells.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SheetLayout {
    /// The layout of each column, from column A; columns beyond take the default.
    pub columns: Vec<ColumnLayout>,
    /// The rows of the body (0-based indices into [`SheetOut::rows`]) written bold: titles.
    pub bold_rows: Vec<usize>,
    /// Whether the sheet is hidden from the tabs (the lists long dropdowns refer to). The first
    /// sheet is never hidden: it is the one shown when the workbook opens.
    pub hidden: bool,
    /// Whether the sheet prints in landscape, scaled to the width of one page: for notes meant
    /// to be read on paper, whose columns would otherwise spread over several pages.
    pub print_on_page_width: bool,
}

/// One sheet of a form: its cells and its layout.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FormSheet {
    /// The cells.
    pub sheet: SheetOut,
    /// Formats, widths and validations.
    pub layout: SheetLayout,
}

/// Whether a dropdown list can be written inside its validation: its values joined with commas
/// have at most [`INLINE_LIST_LENGTH_MAX`] UTF-16 units and no value holds a comma, which would
/// split it.
pub fn fits_inline_list(values: &[impl AsRef<str>]) -> bool {
    let joined_length: usize = values
        .iter()
        .map(|value| value.as_ref().replace('"', "\"\"").encode_utf16().count())
        .sum::<usize>()
        + values.len().saturating_sub(1);
    joined_length <= INLINE_LIST_LENGTH_MAX
        && values.iter().all(|value| !value.as_ref().contains(','))
}

/// Writes `sheets`, in order, as the XLSX workbook at `path`, replacing any file there. Nothing is
/// written unless every sheet name and size is acceptable, and a failed write leaves `path` as it
/// was. With no sheets, the workbook gets one blank sheet, since a workbook needs one.
pub fn write_workbook(path: &Path, sheets: &[SheetOut]) -> Result<(), SpreadsheetError> {
    let plain = SheetLayout::default();
    let laid_out: Vec<(&SheetOut, &SheetLayout)> =
        sheets.iter().map(|sheet| (sheet, &plain)).collect();
    write_laid_out(path, &laid_out)
}

/// Writes the sheets of a form, each with its layout, as the XLSX workbook at `path`, with the
/// same checks and atomic replacement as [`write_workbook`].
pub fn write_forms(path: &Path, sheets: &[FormSheet]) -> Result<(), SpreadsheetError> {
    let laid_out: Vec<(&SheetOut, &SheetLayout)> = sheets
        .iter()
        .map(|form| (&form.sheet, &form.layout))
        .collect();
    write_laid_out(path, &laid_out)
}

/// Checks the sheets, lays each out and saves the workbook atomically.
fn write_laid_out(
    path: &Path,
    sheets: &[(&SheetOut, &SheetLayout)],
) -> Result<(), SpreadsheetError> {
    check_sheets(path, sheets.iter().map(|(sheet, _)| *sheet))?;
    let mut workbook = Workbook::new();
    for (index, (sheet, layout)) in sheets.iter().enumerate() {
        let worksheet = workbook.add_worksheet();
        let worksheet =
            lay_out_sheet(worksheet, sheet, layout).map_err(|source| SpreadsheetError::Build {
                path: path.to_owned(),
                source,
            })?;
        worksheet.set_hidden(layout.hidden && index > 0);
    }
    save_atomically(path, &mut workbook)
}

/// Checks sheet names and sizes before anything is written.
fn check_sheets<'a>(
    path: &Path,
    sheets: impl Iterator<Item = &'a SheetOut>,
) -> Result<(), SpreadsheetError> {
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
fn sheet_name_problem(name: &str) -> Option<SheetNameProblem> {
    if name.is_empty() {
        Some(SheetNameProblem::Empty)
    } else if name.encode_utf16().count() > SHEET_NAME_LENGTH_MAX {
        Some(SheetNameProblem::TooLong)
    } else if name.contains(SHEET_NAME_FORBIDDEN) {
        Some(SheetNameProblem::ForbiddenCharacter)
    } else if name.starts_with('\'') || name.ends_with('\'') {
        Some(SheetNameProblem::Apostrophe)
    } else if name.eq_ignore_ascii_case("History") {
        Some(SheetNameProblem::Reserved)
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

/// Writes one sheet's cells, formats, column widths and validations.
fn lay_out_sheet<'a>(
    worksheet: &'a mut Worksheet,
    sheet: &SheetOut,
    layout: &SheetLayout,
) -> Result<&'a mut Worksheet, XlsxError> {
    worksheet.set_name(&sheet.name)?;
    let bold = Format::new().set_bold();
    let column_layout = |column_index: usize| layout.columns.get(column_index);
    for (column_index, heading) in sheet.header.iter().enumerate() {
        let shaded = column_layout(column_index).is_some_and(|column| column.header_shaded);
        let format = if shaded {
            bold.clone().set_background_color(REQUIRED_HEADER_SHADE)
        } else {
            bold.clone()
        };
        worksheet.write_string_with_format(0, column_number(column_index)?, heading, &format)?;
    }
    if !sheet.header.is_empty() {
        worksheet.set_freeze_panes(1, 0)?;
    }
    if layout.print_on_page_width {
        worksheet.set_landscape();
        // As many pages down as the rows need.
        worksheet.set_print_fit_to_pages(1, 0);
    }
    let wraps: Vec<bool> = layout.columns.iter().map(|column| column.wrap).collect();
    let mut row_index = 1;
    for (body_index, row) in sheet.rows.iter().enumerate() {
        let row_bold = layout.bold_rows.contains(&body_index);
        write_body_cells(worksheet, row_index, row, row_bold, &wraps)?;
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
    for (column_index, column) in layout.columns.iter().enumerate() {
        let column_index = column_number(column_index)?;
        let mut format = Format::new();
        let mut formatted = false;
        match column.number_format.as_deref() {
            // Excel's own text format, as Excel writes it, rather than a custom format "@".
            Some(TEXT_NUMBER_FORMAT) => {
                format = format.set_num_format_index(TEXT_NUMBER_FORMAT_INDEX);
                formatted = true;
            }
            Some(number_format) => {
                format = format.set_num_format(number_format);
                formatted = true;
            }
            None => {}
        }
        if column.wrap {
            format = format.set_text_wrap().set_align(FormatAlign::Top);
            formatted = true;
        }
        if formatted {
            worksheet.set_column_format(column_index, &format)?;
        }
        if let Some(validation) = &column.validation {
            let last_row = row_number(SHEET_ROWS_MAX - 1)?;
            worksheet.add_data_validation(
                1,
                column_index,
                last_row,
                column_index,
                &data_validation(validation)?,
            )?;
        }
    }
    let mut widths = column_widths(sheet);
    if widths.len() < layout.columns.len() {
        // Columns laid out beyond the cells: a form's columns are typed in later.
        widths.resize(layout.columns.len(), COLUMN_WIDTH_MIN);
    }
    let widths: Vec<usize> = widths
        .into_iter()
        .enumerate()
        .map(
            |(column_index, width)| match column_layout(column_index).map(|column| column.width) {
                None | Some(ColumnWidth::Fit) => width,
                Some(ColumnWidth::AtLeast(room)) => {
                    width.max((room + COLUMN_WIDTH_PADDING).min(COLUMN_WIDTH_MAX))
                }
                Some(ColumnWidth::Exactly(exact)) => exact.min(COLUMN_WIDTH_MAX),
            },
        )
        .collect();
    for (column_index, width) in widths.iter().enumerate() {
        // Widths are at most COLUMN_WIDTH_MAX, so the conversion is exact.
        worksheet.set_column_width(column_number(column_index)?, *width as f64)?;
    }
    if wraps.contains(&true) {
        for (body_index, row) in sheet.rows.iter().enumerate() {
            let n_lines = wrapped_lines(row, &wraps, &widths);
            if n_lines > 1 {
                // Rows are as high as their longest wrapped text: spreadsheets do not all fit
                // the height of a row on opening (LibreOffice keeps one line).
                worksheet.set_row_height(
                    row_number(body_index + 1)?,
                    n_lines as f64 * LINE_HEIGHT_POINTS,
                )?;
            }
        }
    }
    Ok(worksheet)
}

/// The lines the longest wrapped text of a row takes, from the widths of its columns.
fn wrapped_lines(row: &[CellOut], wraps: &[bool], widths: &[usize]) -> usize {
    row.iter()
        .enumerate()
        .filter(|(column_index, _)| wraps.get(*column_index).copied().unwrap_or(false))
        .map(|(column_index, cell)| {
            let CellOut::Text(text) = cell else {
                return 1;
            };
            // A line holds about the column's width less a margin.
            let line_width = widths
                .get(column_index)
                .map_or(COLUMN_WIDTH_MIN, |width| width.saturating_sub(1).max(1));
            text.split('\n')
                .map(|line| display_width(line).div_ceil(line_width).max(1))
                .sum()
        })
        .max()
        .unwrap_or(1)
}

/// rust_xlsxwriter's data validation for a cell rule and its messages.
fn data_validation(validation: &CellValidation) -> Result<DataValidation, XlsxError> {
    let mut built = DataValidation::new();
    built = match &validation.rule {
        CellRule::Any => built.allow_any_value(),
        CellRule::InlineList(values) => built.allow_list_strings(values)?,
        CellRule::ListInSheet {
            sheet,
            column_index,
            first_row_index,
            last_row_index,
        } => {
            let column = super::column_letter(*column_index);
            built.allow_list_formula(Formula::new(format!(
                "='{}'!${column}${}:${column}${}",
                sheet.replace('\'', "''"),
                first_row_index + 1,
                last_row_index + 1
            )))
        }
        CellRule::DecimalAtLeast(min) => {
            built.allow_decimal_number(DataValidationRule::GreaterThanOrEqualTo(*min))
        }
        CellRule::WholeNumber { min, max } => {
            built.allow_whole_number(DataValidationRule::Between(*min, *max))
        }
        CellRule::TextLength { min, max } if min == max => {
            built.allow_text_length(DataValidationRule::EqualTo(*min))
        }
        CellRule::TextLength { min, max } => {
            built.allow_text_length(DataValidationRule::Between(*min, *max))
        }
    };
    if let Some((title, message)) = &validation.input {
        built = built.set_input_title(title)?.set_input_message(message)?;
    }
    if let Some((title, message)) = &validation.error {
        built = built.set_error_title(title)?.set_error_message(message)?;
    }
    Ok(built)
}

/// Writes one row of the body: bold for a title row, wrapped in the columns that wrap, and
/// aligned at the top when any column wraps.
fn write_body_cells(
    worksheet: &mut Worksheet,
    row_index: usize,
    cells: &[CellOut],
    bold: bool,
    wraps: &[bool],
) -> Result<(), XlsxError> {
    if !bold && !wraps.contains(&true) {
        return write_cells(worksheet, row_index, cells, None);
    }
    let row = row_number(row_index)?;
    for (column_index, cell) in cells.iter().enumerate() {
        let mut format = Format::new();
        if bold {
            format = format.set_bold();
        }
        if wraps.get(column_index).copied().unwrap_or(false) {
            format = format.set_text_wrap();
        }
        if wraps.contains(&true) {
            // Rows grow with their wrapped texts: every cell of the row starts at the top.
            format = format.set_align(FormatAlign::Top);
        }
        write_cell(
            worksheet,
            row,
            column_number(column_index)?,
            cell,
            Some(&format),
        )?;
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
        write_cell(worksheet, row, column_number(column_index)?, cell, format)?;
    }
    Ok(())
}

/// Writes one cell, in `format` if given; an empty cell or text is not written.
fn write_cell(
    worksheet: &mut Worksheet,
    row: RowNum,
    column: ColNum,
    cell: &CellOut,
    format: Option<&Format>,
) -> Result<(), XlsxError> {
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
pub fn display_width(text: &str) -> usize {
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
            ("", SheetNameProblem::Empty),
            (long_name.as_str(), SheetNameProblem::TooLong),
            ("能源/消费", SheetNameProblem::ForbiddenCharacter),
            ("'机构", SheetNameProblem::Apostrophe),
            ("history", SheetNameProblem::Reserved),
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
            format!("{}：工作表名称“SHEET1”用了两次", path.display())
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

    /// The text of a part of a written XLSX file.
    fn part(path: &Path, name: &str) -> String {
        use std::io::Read as _;
        let mut archive = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
        let mut text = String::new();
        archive
            .by_name(name)
            .unwrap()
            .read_to_string(&mut text)
            .unwrap();
        text
    }

    #[test]
    fn forms_carry_validations_text_columns_and_a_hidden_sheet_of_lists() {
        let folder = tempfile::tempdir().expect("temporary folder");
        let path = folder.path().join("form.xlsx");
        let ranks: Vec<String> = (0..60).map(|index| format!("职级{index:02}")).collect();
        assert!(!fits_inline_list(&ranks));
        assert!(fits_inline_list(&["是", "否"]));
        assert!(!fits_inline_list(&["a,b"]));
        let list = |rule| ColumnLayout {
            validation: Some(CellValidation {
                rule,
                input: None,
                error: Some(("输入有误".to_owned(), "只能从下拉列表中选择".to_owned())),
            }),
            ..ColumnLayout::default()
        };
        let form = FormSheet {
            sheet: SheetOut {
                header: vec!["使用人职级".to_owned(), "是否自主品牌".to_owned()],
                ..sheet("办公室")
            },
            layout: SheetLayout {
                columns: vec![
                    list(CellRule::ListInSheet {
                        sheet: "选项".to_owned(),
                        column_index: 1,
                        first_row_index: 1,
                        last_row_index: 60,
                    }),
                    ColumnLayout {
                        header_shaded: true,
                        ..list(CellRule::InlineList(vec!["是".to_owned(), "否".to_owned()]))
                    },
                    ColumnLayout {
                        number_format: Some(TEXT_NUMBER_FORMAT.to_owned()),
                        width: ColumnWidth::AtLeast(18),
                        ..ColumnLayout::default()
                    },
                ],
                ..SheetLayout::default()
            },
        };
        let lists = FormSheet {
            sheet: SheetOut {
                name: "选项".to_owned(),
                header: vec!["x".to_owned(), "使用人职级".to_owned()],
                rows: ranks
                    .iter()
                    .map(|rank| vec![CellOut::Empty, CellOut::Text(rank.clone())])
                    .collect(),
                ..SheetOut::default()
            },
            layout: SheetLayout {
                hidden: true,
                ..SheetLayout::default()
            },
        };
        write_forms(&path, &[form, lists]).expect("written");

        let workbook = part(&path, "xl/workbook.xml");
        assert!(workbook.contains(r#"<sheet name="选项" sheetId="2" state="hidden""#));
        let sheet = part(&path, "xl/worksheets/sheet1.xml");
        assert!(sheet.contains(r#"sqref="A2:A1048576"><formula1>'选项'!$B$2:$B$61</formula1>"#));
        assert!(sheet.contains(r#"sqref="B2:B1048576"><formula1>"是,否"</formula1>"#));
        assert!(sheet.contains(r#"errorTitle="输入有误""#));
        assert!(sheet.contains(r#"<col min="3" max="3" width="20.7109375" style="#));
        let styles = part(&path, "xl/styles.xml");
        assert!(styles.contains(r#"numFmtId="49""#), "the text format");
        assert!(
            styles.contains(r#"<fgColor rgb="FFF8CBAD"/>"#),
            "the shaded header"
        );
        let read = super::super::read_workbook(&path).expect("read back");
        assert_eq!(read[1].cell(60, 1), "职级59");
    }

    #[test]
    fn a_list_too_long_to_write_inline_is_refused_before_anything_is_written() {
        let folder = tempfile::tempdir().expect("temporary folder");
        let path = folder.path().join("form.xlsx");
        let long: Vec<String> = (0..60).map(|index| format!("职级{index:02}")).collect();
        let form = FormSheet {
            sheet: sheet("表"),
            layout: SheetLayout {
                columns: vec![ColumnLayout {
                    validation: Some(CellValidation {
                        rule: CellRule::InlineList(long),
                        input: None,
                        error: None,
                    }),
                    ..ColumnLayout::default()
                }],
                ..SheetLayout::default()
            },
        };
        let error = write_forms(&path, &[form]).expect_err("too long");
        assert!(matches!(error, SpreadsheetError::Build { .. }), "{error}");
        assert!(!path.exists());
    }

    #[test]
    fn wrapped_rows_are_as_high_as_their_longest_text() {
        let text = |value: &str| CellOut::Text(value.to_owned());
        let widths = [10, 11, 11];
        let wraps = [false, true, true];
        // Column A does not wrap; B holds 10 widths a line, C too.
        let row = [text(&"长".repeat(40)), text("短"), text(&"机".repeat(11))];
        assert_eq!(wrapped_lines(&row, &wraps, &widths), 3);
        assert_eq!(wrapped_lines(&[text("a\nb\nc\nd")], &[true], &[20]), 4);
        assert_eq!(wrapped_lines(&[CellOut::Empty], &[true], &[20]), 1);
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
