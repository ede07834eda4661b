//! Why a workbook cannot be read or written. Every variant names the file, and the sheet, row and
//! column where they are known, so that a message can be shown to the person who made the file
//! without further context.

use std::path::PathBuf;

/// Rows an Excel worksheet can hold (Excel's own limit). Reading refuses sheets that claim more,
/// since padding a sheet out to its absolute positions would otherwise allocate without bound.
pub const SHEET_ROWS_MAX: usize = 1_048_576;

/// Columns an Excel worksheet can hold (Excel's own limit, column XFD).
pub const SHEET_COLUMNS_MAX: usize = 16_384;

/// A workbook that cannot be read or written, and where.
#[derive(Debug, thiserror::Error)]
pub enum SpreadsheetError {
    /// The file cannot be opened: it does not exist, is a folder, or may not be read.
    #[error("{}: cannot open the file: {source}", path.display())]
    Open {
        /// The workbook.
        path: PathBuf,
        /// The operating system's reason.
        #[source]
        source: std::io::Error,
    },
    /// The file opens but is not an XLSX, XLSM, XLS, XLSB or ODS workbook.
    #[error(
        "{}: is not a workbook (XLSX, XLS, XLSB or ODS) or is damaged: {source}",
        path.display()
    )]
    NotAWorkbook {
        /// The file.
        path: PathBuf,
        /// calamine's reason, which says which part of the file it could not make sense of.
        #[source]
        source: calamine::Error,
    },
    /// A sheet's cells cannot be read or decoded (a damaged part of the file).
    #[error("{}: cannot read sheet \"{sheet}\": {source}", path.display())]
    ReadSheet {
        /// The workbook.
        path: PathBuf,
        /// The sheet.
        sheet: String,
        /// calamine's reason.
        #[source]
        source: calamine::Error,
    },
    /// A sheet that was asked for does not exist.
    #[error(
        "{}: sheet \"{sheet}\" is not in the workbook (it has: {})",
        path.display(),
        existing.join(", ")
    )]
    SheetMissing {
        /// The workbook.
        path: PathBuf,
        /// The sheet asked for.
        sheet: String,
        /// The sheets the workbook has, in workbook order, so the user can see the right name.
        existing: Vec<String>,
    },
    /// A cell holds a spreadsheet error such as `#DIV/0!` instead of a value.
    #[error(
        "{}: sheet \"{sheet}\", cell {column}{row} holds the error {error_text} instead of a \
         value; correct the formula or type the value",
        path.display()
    )]
    ErrorCell {
        /// The workbook.
        path: PathBuf,
        /// The sheet.
        sheet: String,
        /// 1-based row number, as the spreadsheet shows it.
        row: usize,
        /// Column letters, as the spreadsheet shows them (A, B, ..., AA).
        column: String,
        /// The error as the spreadsheet shows it, such as `#DIV/0!` or `#N/A`.
        error_text: String,
    },
    /// A sheet is larger than Excel allows.
    #[error(
        "{}: sheet \"{sheet}\" has {n_rows} rows and {n_columns} columns; a sheet holds at most \
         {SHEET_ROWS_MAX} rows and {SHEET_COLUMNS_MAX} columns",
        path.display()
    )]
    SheetTooLarge {
        /// The workbook.
        path: PathBuf,
        /// The sheet.
        sheet: String,
        /// Rows counted from row 1.
        n_rows: usize,
        /// Columns counted from column A.
        n_columns: usize,
    },
    /// A sheet name that Excel does not accept.
    #[error("{}: sheet name \"{sheet}\" {reason}", path.display())]
    InvalidSheetName {
        /// The workbook being written.
        path: PathBuf,
        /// The refused name.
        sheet: String,
        /// The rule the name breaks, phrased to follow the name.
        reason: &'static str,
    },
    /// Two sheets share a name (Excel compares sheet names without regard to case).
    #[error("{}: sheet name \"{sheet}\" is used twice", path.display())]
    DuplicateSheetName {
        /// The workbook being written.
        path: PathBuf,
        /// The second use of the name.
        sheet: String,
    },
    /// rust_xlsxwriter refused a cell or could not assemble the workbook.
    #[error("{}: cannot build the workbook: {source}", path.display())]
    Build {
        /// The workbook being written.
        path: PathBuf,
        /// rust_xlsxwriter's reason.
        #[source]
        source: rust_xlsxwriter::XlsxError,
    },
    /// The temporary file cannot be created, written, flushed or renamed into place.
    #[error("{}: cannot write the file: {source}", path.display())]
    Write {
        /// The workbook being written.
        path: PathBuf,
        /// The operating system's reason.
        #[source]
        source: std::io::Error,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_can_cross_threads_and_into_anyhow() {
        fn assert_send_sync<T: Send + Sync + 'static>() {}
        assert_send_sync::<SpreadsheetError>();
    }

    #[test]
    fn missing_sheet_lists_the_existing_ones() {
        let error = SpreadsheetError::SheetMissing {
            path: PathBuf::from("data.xlsx"),
            sheet: "能源消费".to_owned(),
            existing: vec!["Sheet1".to_owned(), "机构".to_owned()],
        };
        assert_eq!(
            error.to_string(),
            "data.xlsx: sheet \"能源消费\" is not in the workbook (it has: Sheet1, 机构)"
        );
    }
}
