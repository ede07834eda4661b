//! Reading a CSV file into rows of cells: the first line the header, blank lines skipped.
//!
//! Files come as Excel and WPS save them on Chinese Windows: UTF-8 with or without a byte-order
//! mark ("CSV UTF-8"), GB18030/GBK (plain "CSV"), or UTF-16 with a byte-order mark ("Unicode
//! text", whose cells are separated by tabs). The encoding is told by the byte-order mark, else
//! UTF-8 if the bytes are valid UTF-8, else GB18030 (a superset of GBK and GB2312); the separator
//! is a tab when the header line has tabs and no commas.

use std::borrow::Cow;

use crate::t;
use encoding_rs::{Encoding, GB18030};

use super::problems::ProblemList;
use super::{
    At, ImportError, ImportTarget, MAX_IMPORT_ROWS, ParsedImport, Progress, RawRows, Source,
};
use crate::core::ErrorKind;

/// Parses a CSV file's bytes into records for the target.
pub fn parse_csv(
    file: &str,
    bytes: &[u8],
    target: &ImportTarget<'_>,
    progress: &Progress,
) -> Result<ParsedImport, ImportError> {
    let source = Source::csv(file);
    let text = decode(bytes).ok_or_else(|| {
        source.error(
            ErrorKind::Invalid,
            At::whole(),
            "not_text",
            t!("import.file.not_text"),
        )
    })?;
    let mut problems = ProblemList::default();
    let raw = read_rows(&source, &text, &mut problems);
    let parsed = super::rows::parse_sheet(&source, raw, target, progress, &mut problems);
    match parsed {
        Some(parsed) if problems.is_empty() => Ok(parsed),
        _ => Err(problems.into_error(file)),
    }
}

/// The text of a CSV file, or `None` when it is not text in any encoding Excel or WPS writes.
fn decode(bytes: &[u8]) -> Option<Cow<'_, str>> {
    let (text, had_errors) = match Encoding::for_bom(bytes) {
        Some((encoding, bom_length)) => encoding.decode_without_bom_handling(&bytes[bom_length..]),
        None => match std::str::from_utf8(bytes) {
            Ok(text) => (Cow::Borrowed(text), false),
            Err(_) => GB18030.decode_without_bom_handling(bytes),
        },
    };
    // Text files hold no NUL: a file that does is binary (a workbook saved under a .csv name).
    (!had_errors && !text.contains('\0')).then_some(text)
}

/// The separator of a file's cells: a tab when the header line has tabs and no commas (Excel's
/// "Unicode text"), else a comma.
fn separator(text: &str) -> u8 {
    let header = text.lines().next().unwrap_or("");
    if header.contains('\t') && !header.contains(',') {
        b'\t'
    } else {
        b','
    }
}

/// The header and the non-blank rows of a CSV file, each with its line number; a line that cannot
/// be read is a problem, and reading stops there.
fn read_rows(source: &Source, text: &str, problems: &mut ProblemList) -> RawRows {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .delimiter(separator(text))
        .from_reader(text.as_bytes());
    let mut malformed = |line: Option<u64>, error: &csv::Error| {
        let at = line.map_or_else(At::whole, At::row);
        let (order, problem) = source.problem(
            at,
            "malformed_csv",
            t!("import.file.malformed_csv", error = error),
        );
        problems.push(order, problem);
    };
    let header: Vec<String> = match reader.headers() {
        Ok(header) => header.iter().map(str::to_owned).collect(),
        Err(error) => {
            malformed(Some(1), &error);
            return RawRows::default();
        }
    };
    let mut rows = Vec::new();
    for row in reader.records() {
        let row = match row {
            Ok(row) => row,
            Err(error) => {
                malformed(error.position().map(|position| position.line()), &error);
                break;
            }
        };
        if row.iter().all(|cell| cell.trim().is_empty()) {
            continue;
        }
        if rows.len() > MAX_IMPORT_ROWS {
            break;
        }
        let line = row.position().map_or(0, |position| position.line());
        rows.push((line, row.iter().map(str::to_owned).collect()));
    }
    RawRows { header, rows }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "统一社会信用代码,统计月份\n甲,2025年1月\n";

    #[test]
    fn utf8_gb18030_and_utf16_files_decode_to_the_same_text() {
        let utf8_bom = [b"\xEF\xBB\xBF".as_slice(), TEXT.as_bytes()].concat();
        let (gb18030, _, _) = GB18030.encode(TEXT);
        let mut utf16_le = vec![0xFF, 0xFE];
        let mut utf16_be = vec![0xFE, 0xFF];
        for unit in TEXT.encode_utf16() {
            utf16_le.extend_from_slice(&unit.to_le_bytes());
            utf16_be.extend_from_slice(&unit.to_be_bytes());
        }
        for bytes in [
            TEXT.as_bytes(),
            &utf8_bom,
            gb18030.as_ref(),
            &utf16_le,
            &utf16_be,
        ] {
            assert_eq!(decode(bytes).as_deref(), Some(TEXT));
        }
        assert_ne!(gb18030.as_ref(), TEXT.as_bytes(), "GB18030 is not UTF-8");
    }

    #[test]
    fn binary_files_are_not_text() {
        assert_eq!(decode(b"PK\x03\x04\x00\x00\x08\x00"), None);
        assert_eq!(decode(b"\xEF\xBB\xBF\xFF\xFE\xFD"), None);
    }

    #[test]
    fn tabs_separate_cells_when_the_header_has_no_commas() {
        assert_eq!(separator("a\tb\n1\t2"), b'\t');
        assert_eq!(separator("a,b\n1\t2"), b',');
        assert_eq!(separator("a\n"), b',');
    }
}
