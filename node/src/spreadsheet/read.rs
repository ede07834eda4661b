//! Reading workbooks for import: every cell as text, at its absolute position.
//!
//! calamine opens the file (XLSX, and with it XLSM, XLS, XLSB and ODS) and decodes a sheet's used
//! range; the range is padded back out to A1, so that `rows[i]` is spreadsheet row `i + 1` and
//! `rows[i][j]` is column [`column_letter`]`(j)`, and error messages can name the cell the user
//! sees. Each cell becomes deterministic text (see [`SheetCells::rows`]) that the importer then
//! parses with the same rules as a CSV field, so a value reads the same from either format. A cell
//! holding a spreadsheet error (`#DIV/0!`, `#N/A`, ...) stops the read with its position rather
//! than turning into text that looks like data.

use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::Path;

use calamine::{Data, ExcelDateTime, Range, Reader, SheetType, Sheets, open_workbook_auto};

use super::error::{
    SHEET_COLUMNS_MAX, SHEET_ROWS_MAX, SpreadsheetError, WORKBOOK_INFLATED_BYTES_MAX,
};

/// One sheet's cells as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SheetCells {
    /// The sheet name as the workbook spells it.
    pub name: String,
    /// The cells from A1: `rows[i][j]` is the cell in spreadsheet row `i + 1` and column
    /// [`column_letter`]`(j)`, even when the first rows or columns are empty. Trailing empty cells
    /// of a row, and trailing empty rows, are left out.
    ///
    /// Texts: strings as they are; integers in decimal; other numbers in Rust's shortest
    /// round-trip form without a trailing `.0` (`1200`, `35.5`, `0.1229`), negative ones with their
    /// `-`; booleans `true`/`false`; dates `YYYY-MM-DD`, date-times `YYYY-MM-DD HH:MM`, with
    /// `:SS` (and `.mmm`) only when not zero; times alone (a date serial below one day) `HH:MM`;
    /// durations as ISO 8601 (`PT36H30M`); empty cells `""`.
    pub rows: Vec<Vec<String>>,
}

impl SheetCells {
    /// The text at a 0-based row and column; `""` for a cell outside the rows.
    pub fn cell(&self, row_index: usize, column_index: usize) -> &str {
        self.rows
            .get(row_index)
            .and_then(|row| row.get(column_index))
            .map_or("", String::as_str)
    }
}

/// Reads every worksheet of the workbook at `path`, in workbook order. Chart sheets, which hold
/// no cells, are left out.
pub fn read_workbook(path: &Path) -> Result<Vec<SheetCells>, SpreadsheetError> {
    let mut workbook = open(path)?;
    let names: Vec<String> = workbook
        .sheets_metadata()
        .iter()
        .filter(|sheet| sheet.typ != SheetType::ChartSheet)
        .map(|sheet| sheet.name.clone())
        .collect();
    names
        .iter()
        .map(|name| read_open_sheet(&mut workbook, path, name))
        .collect()
}

/// Reads the sheet named `sheet_name` (spelt exactly as in the workbook) of the workbook at
/// `path`.
pub fn read_sheet(path: &Path, sheet_name: &str) -> Result<SheetCells, SpreadsheetError> {
    let mut workbook = open(path)?;
    let existing = workbook.sheet_names();
    if !existing.iter().any(|name| name == sheet_name) {
        return Err(SpreadsheetError::SheetMissing {
            path: path.to_owned(),
            sheet: sheet_name.to_owned(),
            existing,
        });
    }
    read_open_sheet(&mut workbook, path, sheet_name)
}

/// The column letters a spreadsheet shows for a 0-based column index: 0 → `A`, 25 → `Z`,
/// 26 → `AA`.
pub fn column_letter(index0: usize) -> String {
    let mut letters = Vec::new();
    let mut remaining = index0 + 1;
    while remaining > 0 {
        remaining -= 1;
        let letter = u8::try_from(remaining % 26).expect("a remainder of 26 fits in a byte");
        letters.push(char::from(b'A' + letter));
        remaining /= 26;
    }
    letters.iter().rev().collect()
}

/// Opens a workbook, telling a file that cannot be opened apart from one that is not a workbook.
fn open(path: &Path) -> Result<Sheets<BufReader<File>>, SpreadsheetError> {
    // calamine reports a missing file as a format error when the extension is unknown, so the
    // file is opened once here first to report it as what it is.
    let open_error = |source| SpreadsheetError::Open {
        path: path.to_owned(),
        source,
    };
    let file = File::open(path).map_err(open_error)?;
    if file.metadata().map_err(open_error)?.is_dir() {
        return Err(open_error(io::Error::new(
            io::ErrorKind::IsADirectory,
            "it is a folder, not a file",
        )));
    }
    check_inflation(path, file, WORKBOOK_INFLATED_BYTES_MAX)?;
    open_workbook_auto(path).map_err(|source| SpreadsheetError::NotAWorkbook {
        path: path.to_owned(),
        source,
    })
}

/// Refuses a zipped workbook whose parts inflate past `bytes_max` in all, counting the bytes
/// each part really inflates to (not what its header claims). A file that is not a zip archive
/// (an XLS, or not a workbook at all) passes: calamine then says what it is.
fn check_inflation(path: &Path, file: File, bytes_max: u64) -> Result<(), SpreadsheetError> {
    let Ok(mut archive) = zip::ZipArchive::new(BufReader::new(file)) else {
        return Ok(());
    };
    let mut inflated = 0u64;
    for index in 0..archive.len() {
        let Ok(mut part) = archive.by_index(index) else {
            // A damaged part: calamine reports it when it reads the part.
            continue;
        };
        let left = bytes_max - inflated;
        // A part that fails to inflate is calamine's to report; what it gave so far counts.
        let read = io::copy(&mut (&mut part).take(left + 1), &mut io::sink()).unwrap_or(0);
        inflated += read;
        if inflated > bytes_max {
            return Err(SpreadsheetError::InflatesTooFar {
                path: path.to_owned(),
                bytes_max,
            });
        }
    }
    Ok(())
}

/// Reads one sheet of an open workbook; the caller has checked that the sheet exists.
fn read_open_sheet(
    workbook: &mut Sheets<BufReader<File>>,
    path: &Path,
    sheet: &str,
) -> Result<SheetCells, SpreadsheetError> {
    let range = workbook
        .worksheet_range(sheet)
        .map_err(|source| SpreadsheetError::ReadSheet {
            path: path.to_owned(),
            sheet: sheet.to_owned(),
            source,
        })?;
    sheet_cells(path, sheet, &range)
}

/// Turns a used range into texts at absolute positions (see [`SheetCells::rows`]).
fn sheet_cells(
    path: &Path,
    sheet: &str,
    range: &Range<Data>,
) -> Result<SheetCells, SpreadsheetError> {
    let mut cells = SheetCells {
        name: sheet.to_owned(),
        rows: Vec::new(),
    };
    let (Some((start_row, start_column)), Some((end_row, end_column))) =
        (range.start(), range.end())
    else {
        return Ok(cells);
    };
    let to_index = |position: u32| usize::try_from(position).unwrap_or(usize::MAX);
    let (start_row, start_column) = (to_index(start_row), to_index(start_column));
    let n_rows = to_index(end_row).saturating_add(1);
    let n_columns = to_index(end_column).saturating_add(1);
    if n_rows > SHEET_ROWS_MAX || n_columns > SHEET_COLUMNS_MAX {
        return Err(SpreadsheetError::SheetTooLarge {
            path: path.to_owned(),
            sheet: sheet.to_owned(),
            n_rows,
            n_columns,
        });
    }
    cells.rows.resize(start_row, Vec::new());
    for (row_offset, range_row) in range.rows().enumerate() {
        let row_index = start_row + row_offset;
        let mut texts = vec![String::new(); start_column];
        for (column_offset, cell) in range_row.iter().enumerate() {
            let text = cell_text(cell).map_err(|error_text| SpreadsheetError::ErrorCell {
                path: path.to_owned(),
                sheet: sheet.to_owned(),
                row: row_index + 1,
                column: column_letter(start_column + column_offset),
                error_text,
            })?;
            texts.push(text);
        }
        while texts.last().is_some_and(String::is_empty) {
            texts.pop();
        }
        cells.rows.push(texts);
    }
    while cells.rows.last().is_some_and(Vec::is_empty) {
        cells.rows.pop();
    }
    Ok(cells)
}

/// A cell's text (see [`SheetCells::rows`]), or the text of the spreadsheet error it holds.
fn cell_text(cell: &Data) -> Result<String, String> {
    Ok(match cell {
        Data::Empty => String::new(),
        Data::String(text) | Data::DurationIso(text) => text.clone(),
        Data::Int(value) => value.to_string(),
        Data::Float(value) => float_text(*value),
        Data::Bool(value) => value.to_string(),
        Data::DateTime(value) if value.is_duration() => duration_text(value.as_f64()),
        Data::DateTime(value) => date_time_text(value),
        Data::DateTimeIso(text) => iso_date_time_text(text),
        Data::Error(error) => return Err(error.to_string()),
    })
}

/// Shortest round-trip text of a number, without a trailing `.0`; negative zero is `0`.
fn float_text(value: f64) -> String {
    if value == 0.0 {
        return "0".to_owned();
    }
    let text = value.to_string();
    match text.strip_suffix(".0") {
        Some(integer) => integer.to_owned(),
        None => text,
    }
}

/// `HH:MM`, with `:SS` when the seconds are not zero and `.mmm` when the milliseconds are not.
fn time_text(hour: u8, minute: u8, second: u8, millisecond: u16) -> String {
    match (second, millisecond) {
        (0, 0) => format!("{hour:02}:{minute:02}"),
        (_, 0) => format!("{hour:02}:{minute:02}:{second:02}"),
        _ => format!("{hour:02}:{minute:02}:{second:02}.{millisecond:03}"),
    }
}

/// An Excel date serial as `YYYY-MM-DD`, `YYYY-MM-DD HH:MM[:SS]`, or `HH:MM[:SS]` for a serial
/// below one day, which is how Excel stores a time without a date.
fn date_time_text(value: &ExcelDateTime) -> String {
    let (year, month, day, hour, minute, second, millisecond) = value.to_ymd_hms_milli();
    let time = time_text(hour, minute, second, millisecond);
    if (0.0..1.0).contains(&value.as_f64()) {
        return time;
    }
    let date = format!("{year:04}-{month:02}-{day:02}");
    if (hour, minute, second, millisecond) == (0, 0, 0, 0) {
        date
    } else {
        format!("{date} {time}")
    }
}

/// A duration in days as ISO 8601 text in hours, minutes and seconds: `PT36H30M`, `PT0S`,
/// `-PT1.5S`.
fn duration_text(days: f64) -> String {
    // The float-to-integer cast saturates, and a duration cell never comes near the bounds.
    let milliseconds_signed = (days * 86_400_000.0).round() as i64;
    let sign = if milliseconds_signed < 0 { "-" } else { "" };
    let milliseconds = milliseconds_signed.unsigned_abs();
    let hours = milliseconds / 3_600_000;
    let minutes = milliseconds / 60_000 % 60;
    let seconds = milliseconds / 1_000 % 60;
    let milliseconds = milliseconds % 1_000;
    let hours_text = if hours > 0 {
        format!("{hours}H")
    } else {
        String::new()
    };
    let minutes_text = if minutes > 0 {
        format!("{minutes}M")
    } else {
        String::new()
    };
    let seconds_text = match (seconds, milliseconds) {
        (_, 1..) => format!("{seconds}.{milliseconds:03}S"),
        (1.., 0) => format!("{seconds}S"),
        (0, 0) if hours == 0 && minutes == 0 => "0S".to_owned(),
        (0, 0) => String::new(),
    };
    format!("{sign}PT{hours_text}{minutes_text}{seconds_text}")
}

/// An ISO 8601 date, time or date-time (as ODS and some XLSX writers store them) in the same
/// form as [`date_time_text`]: `2025-03-01T08:30:00` becomes `2025-03-01 08:30`.
fn iso_date_time_text(text: &str) -> String {
    let (date, time) = match text.split_once('T') {
        Some((date, time)) => (date, iso_time_text(time)),
        None if text.contains(':') => return iso_time_text(text),
        None => return text.to_owned(),
    };
    if time == "00:00" {
        date.to_owned()
    } else {
        format!("{date} {time}")
    }
}

/// An ISO 8601 time without a zero fraction and without zero seconds.
fn iso_time_text(time: &str) -> String {
    let time = match time.split_once('.') {
        Some((whole, fraction)) if fraction.bytes().all(|digit| digit == b'0') => whole,
        _ => time,
    };
    match time.strip_suffix(":00") {
        Some(hours_minutes) if hours_minutes.len() == "HH:MM".len() => hours_minutes.to_owned(),
        _ => time.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use calamine::{CellErrorType, ExcelDateTimeType};

    use super::*;

    fn serial(value: f64, kind: ExcelDateTimeType) -> Data {
        Data::DateTime(ExcelDateTime::new(value, kind, false))
    }

    fn text(cell: Data) -> String {
        cell_text(&cell).expect("not an error cell")
    }

    #[test]
    fn a_workbook_that_inflates_past_the_limit_is_refused_before_it_is_decoded() {
        let directory = tempfile::tempdir().expect("a temporary directory");
        let path = directory.path().join("炸弹.xlsx");
        let mut writer = zip::ZipWriter::new(File::create(&path).expect("created"));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        writer
            .start_file("xl/worksheets/sheet1.xml", options)
            .expect("a part");
        let zeros = vec![b'0'; 1024 * 1024];
        for _ in 0..4 {
            std::io::Write::write_all(&mut writer, &zeros).expect("written");
        }
        writer.finish().expect("finished");
        let compressed = std::fs::metadata(&path).expect("the file").len();
        assert!(
            compressed < 64 * 1024,
            "zeros compress well: {compressed} bytes"
        );

        let file = File::open(&path).expect("opened");
        let refusal = check_inflation(&path, file, 3 * 1024 * 1024).expect_err("refused");
        assert!(
            matches!(refusal, SpreadsheetError::InflatesTooFar { bytes_max, .. } if bytes_max == 3 * 1024 * 1024),
            "{refusal:?}"
        );
        assert!(refusal.to_string().contains("炸弹.xlsx"), "{refusal}");
        let file = File::open(&path).expect("opened");
        assert!(check_inflation(&path, file, 5 * 1024 * 1024).is_ok());
        // Through `read_workbook` with the real limit, the same file is read as far as calamine
        // goes: the limit does not refuse ordinary sizes.
        assert!(!matches!(
            read_workbook(&path),
            Err(SpreadsheetError::InflatesTooFar { .. })
        ));
    }

    #[test]
    fn column_letters() {
        let letters: Vec<String> = [0, 25, 26, 27, 51, 52, 701, 702, 16_383]
            .into_iter()
            .map(column_letter)
            .collect();
        let expected = ["A", "Z", "AA", "AB", "AZ", "BA", "ZZ", "AAA", "XFD"];
        assert_eq!(letters, expected);
    }

    #[test]
    fn numbers_read_as_shortest_text_with_their_sign() {
        let cases = [
            (1200.0, "1200"),
            (35.5, "35.5"),
            (0.1229, "0.1229"),
            (1_234_567.891_2, "1234567.8912"),
            (-3.0, "-3"),
            (-0.5, "-0.5"),
            (-0.0, "0"),
            (1e20, "100000000000000000000"),
        ];
        for (value, expected) in cases {
            assert_eq!(text(Data::Float(value)), expected);
        }
        assert_eq!(text(Data::Int(-42)), "-42");
        assert_eq!(text(Data::Bool(true)), "true");
        assert_eq!(text(Data::Empty), "");
        assert_eq!(text(Data::String(" 宁A12345 ".to_owned())), " 宁A12345 ");
    }

    #[test]
    fn dates_drop_zero_times_and_zero_seconds() {
        // Serial 45717 is 2025-03-01 in the 1900 date system; 30615 seconds are 08:30:15.
        let cases = [
            (45_717.0, "2025-03-01"),
            (45_717.5, "2025-03-01 12:00"),
            (45_717.0 + 30_615.0 / 86_400.0, "2025-03-01 08:30:15"),
            (45_717.0 + 510.0 / 1440.0, "2025-03-01 08:30"),
            (0.75, "18:00"),
        ];
        for (value, expected) in cases {
            assert_eq!(text(serial(value, ExcelDateTimeType::DateTime)), expected);
        }
        let iso = |value: &str| text(Data::DateTimeIso(value.to_owned()));
        assert_eq!(iso("2025-03-01T00:00:00"), "2025-03-01");
        assert_eq!(iso("2025-03-01T08:30:00.000"), "2025-03-01 08:30");
        assert_eq!(iso("2025-03-01T08:30:05"), "2025-03-01 08:30:05");
        assert_eq!(iso("2025-03-01"), "2025-03-01");
        assert_eq!(iso("08:30:00"), "08:30");
    }

    #[test]
    fn durations_read_as_iso_text() {
        let duration = |days: f64| text(serial(days, ExcelDateTimeType::TimeDelta));
        assert_eq!(duration(1.5), "PT36H");
        assert_eq!(duration(1.5 + 30.0 / 1440.0), "PT36H30M");
        assert_eq!(duration(0.0), "PT0S");
        assert_eq!(duration(-1.5 / 86_400.0), "-PT1.500S");
        assert_eq!(text(Data::DurationIso("PT2H".to_owned())), "PT2H");
    }

    #[test]
    fn ranges_are_padded_to_a1_and_error_cells_are_located() {
        let path = Path::new("data.xlsx");
        let mut range = Range::new((2, 1), (3, 2));
        range.set_value((2, 1), Data::String("名称".to_owned()));
        range.set_value((3, 2), Data::Float(35.5));
        let cells = sheet_cells(path, "机构", &range).expect("no error cells");
        let expected = vec![
            vec![],
            vec![],
            vec![String::new(), "名称".to_owned()],
            vec![String::new(), String::new(), "35.5".to_owned()],
        ];
        assert_eq!(cells.rows, expected);
        assert_eq!(cells.cell(3, 2), "35.5");
        assert_eq!(cells.cell(9, 9), "");

        range.set_value((3, 1), Data::Error(CellErrorType::Div0));
        let error = sheet_cells(path, "机构", &range).expect_err("an error cell");
        assert_eq!(
            error.to_string(),
            "data.xlsx：工作表“机构”的 B4 单元格是错误值 #DIV/0!，而不是数值；请改正公式或直接填写数值"
        );
    }

    #[test]
    fn an_empty_range_has_no_rows() {
        let cells = sheet_cells(Path::new("data.xlsx"), "空", &Range::empty()).expect("empty");
        assert!(cells.rows.is_empty());
    }
}
