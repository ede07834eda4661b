//! `huizong template`: the blank forms a clerk fills, one per ledger, with the Chinese headers the
//! import accepts and a sheet (or file) that says what every column must hold.
//!
//! XLSX: one workbook per ledger, one sheet per table named as the import looks for it, then a
//! 填表说明 sheet listing every column's field, whether it is required and its rule. CSV: one
//! UTF-8 file (with a byte-order mark, so Excel opens the Chinese headers) per table, in a
//! directory, plus a `README-<ledger>.csv` of the same column notes.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use schemas::Ledger;
use schemas::columns::{columns, header_row};
use schemas::table::tables_of;

use crate::export::{ExportFormat, write_atomically};
use crate::spreadsheet::{CellOut, SheetOut, write_workbook};

/// The name of the sheet of column notes.
pub const NOTES_SHEET: &str = "填表说明";

/// Writes the blank form of a ledger. `out` is the workbook's path for XLSX (default
/// `<ledger>-template.xlsx`), or the directory of the CSV files (default the current one). Returns
/// the files written.
pub fn write_template(
    ledger: Ledger,
    format: ExportFormat,
    out: Option<&Path>,
) -> Result<Vec<PathBuf>> {
    match format {
        ExportFormat::Xlsx => {
            let path = out.map_or_else(
                || PathBuf::from(format!("{}-template.xlsx", ledger.slug())),
                Path::to_path_buf,
            );
            let mut sheets: Vec<SheetOut> = tables_of(ledger)
                .iter()
                .map(|table| SheetOut {
                    name: table.name_zh().to_owned(),
                    header: header_row(*table, true)
                        .into_iter()
                        .map(str::to_owned)
                        .collect(),
                    ..SheetOut::default()
                })
                .collect();
            sheets.push(SheetOut {
                name: NOTES_SHEET.to_owned(),
                header: note_header(),
                rows: note_rows(ledger)
                    .into_iter()
                    .map(|row| row.into_iter().map(CellOut::Text).collect())
                    .collect(),
                ..SheetOut::default()
            });
            write_workbook(&path, &sheets)
                .with_context(|| format!("cannot write the template {}", path.display()))?;
            Ok(vec![path])
        }
        ExportFormat::Csv => {
            let directory = out.map_or_else(|| PathBuf::from("."), Path::to_path_buf);
            if !directory.is_dir() {
                bail!(
                    "{} is not a directory: CSV templates are one file per table",
                    directory.display()
                );
            }
            let mut written = Vec::new();
            for table in tables_of(ledger) {
                let path = directory.join(format!("{}-{}.csv", ledger.slug(), table.slug()));
                write_csv(
                    &path,
                    &[header_row(*table, true)
                        .into_iter()
                        .map(str::to_owned)
                        .collect()],
                )?;
                written.push(path);
            }
            let notes = directory.join(format!("README-{}.csv", ledger.slug()));
            let mut rows = vec![note_header()];
            rows.extend(note_rows(ledger));
            write_csv(&notes, &rows)?;
            written.push(notes);
            Ok(written)
        }
        other => bail!("templates are written as xlsx or csv, not {other}"),
    }
}

/// The header of the column notes.
fn note_header() -> Vec<String> {
    [
        "表 (table)",
        "列 (header)",
        "字段 (field)",
        "必填 (required)",
        "规则 (rule)",
    ]
    .map(str::to_owned)
    .to_vec()
}

/// One note per column of every table of the ledger.
fn note_rows(ledger: Ledger) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    for table in tables_of(ledger) {
        for column in columns(*table) {
            rows.push(vec![
                format!("{} ({})", table.name_zh(), table.slug()),
                column.header_zh.to_owned(),
                column.field.to_owned(),
                if column.required { "是" } else { "否" }.to_owned(),
                column.rule(),
            ]);
        }
    }
    rows
}

/// Writes rows as a UTF-8 CSV file with a byte-order mark, atomically.
fn write_csv(path: &Path, rows: &[Vec<String>]) -> Result<()> {
    write_atomically(path, |out| {
        out.write_all(b"\xEF\xBB\xBF")
            .map_err(crate::export::ExportError::Write)?;
        let mut writer = csv::Writer::from_writer(out);
        for row in rows {
            writer.write_record(row)?;
        }
        writer.flush().map_err(crate::export::ExportError::Write)?;
        Ok(())
    })
    .with_context(|| format!("cannot write {}", path.display()))
}
