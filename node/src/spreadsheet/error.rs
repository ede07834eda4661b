//! Why a workbook cannot be read or written. Every variant names the file, and the sheet, row and
//! column where they are known, so that a message can be shown to the person who made the file
//! without further context.

use std::path::PathBuf;

/// Rows an Excel worksheet can hold (Excel's own limit). Reading refuses sheets that claim more,
/// since padding a sheet out to its absolute positions would otherwise allocate without bound.
pub const SHEET_ROWS_MAX: usize = 1_048_576;

/// Columns an Excel worksheet can hold (Excel's own limit, column XFD).
pub const SHEET_COLUMNS_MAX: usize = 16_384;

/// What the parts of a zipped workbook (XLSX, XLSM, XLSB, ODS) may inflate to, in all. A
/// 100,000-row template inflates to a few tens of MiB; a file made to inflate to gigabytes (a zip
/// bomb within the console's 32 MiB upload) is refused before calamine decodes any of it.
pub const WORKBOOK_INFLATED_BYTES_MAX: u64 = 256 * 1024 * 1024;

/// A workbook that cannot be read or written, and where.
#[derive(Debug, thiserror::Error)]
pub enum SpreadsheetError {
    /// The file cannot be opened: it does not exist, is a folder, or may not be read.
    #[error("{}", crate::t!("node.spreadsheet.open", path = .path.display(), error = .source))]
    Open {
        /// The workbook.
        path: PathBuf,
        /// The operating system's reason.
        #[source]
        source: std::io::Error,
    },
    /// The file opens but is not an XLSX, XLSM, XLS, XLSB or ODS workbook.
    #[error("{}", crate::t!("node.spreadsheet.not_a_workbook", path = .path.display(), error = .source))]
    NotAWorkbook {
        /// The file.
        path: PathBuf,
        /// calamine's reason, which says which part of the file it could not make sense of.
        #[source]
        source: calamine::Error,
    },
    /// A sheet's cells cannot be read or decoded (a damaged part of the file).
    #[error("{}", crate::t!("node.spreadsheet.read_sheet", path = .path.display(), sheet = .sheet, error = .source))]
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
        "{}",
        crate::t!(
            "node.spreadsheet.sheet_missing",
            path = .path.display(),
            sheet = .sheet,
            existing = .existing.join(&crate::t!("node.spreadsheet.sheet_list_separator"))
        )
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
        "{}",
        crate::t!(
            "node.spreadsheet.error_cell",
            path = .path.display(),
            sheet = .sheet,
            cell = format!("{}{}", .column, .row),
            error = .error_text
        )
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
    /// A zipped workbook whose parts inflate past [`WORKBOOK_INFLATED_BYTES_MAX`].
    #[error(
        "{}",
        crate::t!(
            "node.spreadsheet.inflates_too_far",
            path = .path.display(),
            max_mib = .bytes_max / (1024 * 1024)
        )
    )]
    InflatesTooFar {
        /// The workbook.
        path: PathBuf,
        /// The limit it passed, in bytes.
        bytes_max: u64,
    },
    /// A sheet is larger than Excel allows.
    #[error(
        "{}",
        crate::t!(
            "node.spreadsheet.sheet_too_large",
            path = .path.display(),
            sheet = .sheet,
            rows = .n_rows,
            columns = .n_columns,
            max_rows = SHEET_ROWS_MAX,
            max_columns = SHEET_COLUMNS_MAX
        )
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
    #[error("{}", crate::t!("node.spreadsheet.invalid_sheet_name", path = .path.display(), sheet = .sheet, problem = .reason))]
    InvalidSheetName {
        /// The workbook being written.
        path: PathBuf,
        /// The refused name.
        sheet: String,
        /// The rule the name breaks.
        reason: SheetNameProblem,
    },
    /// Two sheets share a name (Excel compares sheet names without regard to case).
    #[error("{}", crate::t!("node.spreadsheet.duplicate_sheet_name", path = .path.display(), sheet = .sheet))]
    DuplicateSheetName {
        /// The workbook being written.
        path: PathBuf,
        /// The second use of the name.
        sheet: String,
    },
    /// rust_xlsxwriter refused a cell or could not assemble the workbook.
    #[error("{}", crate::t!("node.spreadsheet.build", path = .path.display(), error = .source))]
    Build {
        /// The workbook being written.
        path: PathBuf,
        /// rust_xlsxwriter's reason.
        #[source]
        source: rust_xlsxwriter::XlsxError,
    },
    /// The temporary file cannot be created, written, flushed or renamed into place.
    #[error("{}", crate::t!("node.spreadsheet.write", path = .path.display(), error = .source))]
    Write {
        /// The workbook being written.
        path: PathBuf,
        /// The operating system's reason.
        #[source]
        source: std::io::Error,
    },
}

/// A rule of Excel's that a sheet name breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SheetNameProblem {
    Empty,
    /// Longer than 31 characters (UTF-16 code units, as Excel counts).
    TooLong,
    /// One of `[ ] : * ? / \`.
    ForbiddenCharacter,
    /// An apostrophe first or last.
    Apostrophe,
    /// `History`, in any case.
    Reserved,
}

/// The rule, phrased to follow the name, in the language in force.
impl std::fmt::Display for SheetNameProblem {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(&match self {
            SheetNameProblem::Empty => crate::t!("node.spreadsheet.sheet_name.empty"),
            SheetNameProblem::TooLong => crate::t!("node.spreadsheet.sheet_name.too_long"),
            SheetNameProblem::ForbiddenCharacter => {
                crate::t!("node.spreadsheet.sheet_name.forbidden_character")
            }
            SheetNameProblem::Apostrophe => crate::t!("node.spreadsheet.sheet_name.apostrophe"),
            SheetNameProblem::Reserved => crate::t!("node.spreadsheet.sheet_name.reserved"),
        })
    }
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
            "data.xlsx：工作簿中没有工作表“能源消费”（现有：Sheet1、机构）"
        );
    }
}
