//! Spreadsheets: reading XLSX workbooks for import and writing returns and templates as XLSX.
//!
//! - [`read_workbook`] and [`read_sheet`] turn a workbook's cells into text at their absolute
//!   positions ([`SheetCells`]), so that the importer parses spreadsheet and CSV input alike and
//!   its messages name the row and column ([`column_letter`]) the user sees;
//! - [`write_workbook`] writes sheets described by the plain model [`SheetOut`] and [`CellOut`],
//!   atomically: a failed write never leaves a half-written file; [`write_forms`] adds to each
//!   sheet a [`SheetLayout`] (text columns, widths, dropdowns and other validations) for forms;
//! - [`SpreadsheetError`] says what went wrong, naming the file and, where known, the sheet, row
//!   and column.
//!
//! calamine does the reading and rust_xlsxwriter the writing; the only other module touching
//! either crate is `export::xlsx`, which lays out the returns' forms (headings, per-cell number
//! formats, charts) with rust_xlsxwriter itself.

mod error;
mod read;
mod write;

pub use error::{SHEET_COLUMNS_MAX, SHEET_ROWS_MAX, SheetNameProblem, SpreadsheetError};
pub use read::{SheetCells, column_letter, read_sheet, read_workbook};
pub use write::{
    CellOut, CellRule, CellValidation, ColumnLayout, ColumnWidth, FormSheet,
    INLINE_LIST_LENGTH_MAX, SHEET_NAME_LENGTH_MAX, SheetLayout, SheetOut, TEXT_NUMBER_FORMAT,
    VALIDATION_MESSAGE_LENGTH_MAX, VALIDATION_TITLE_LENGTH_MAX, display_width, fits_inline_list,
    write_forms, write_workbook,
};
