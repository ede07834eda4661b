//! `huizong template`: the blank forms a clerk fills in Excel or WPS, one set per ledger, that the
//! import reads back as they are.
//!
//! XLSX: one workbook per ledger. Its first sheet, 填表说明, says what the form is, lists every
//! column of every table (required or not, unit, format, allowed values, meaning) with an example
//! row per table, and explains the rules that span records ([`instructions`]). Then comes one sheet
//! per table, named as the import looks for it (the table's Chinese name), with the headers the
//! import reads in a frozen first row, required columns shaded, and every column laid out for its
//! kind of value ([`columns`]): a dropdown on every closed list, number and text-length checks,
//! text format on codes and months so that Excel keeps leading zeros and does not turn `2025-03`
//! into a date, and input messages that show the format. A dropdown whose values do not fit
//! Excel's 255 characters refers to a column of a hidden sheet of lists.
//!
//! CSV: one UTF-8 file with a byte-order mark (so that Excel on Chinese Windows opens the headers
//! right) per table, holding the header row only, plus `README-<ledger>.csv` with the same
//! instructions as the workbook's first sheet.
//!
//! Every text that is not a schema header, a table name or a value the import accepts comes from
//! the `template` section of the message catalogues, in the language asked for.

mod columns;
mod examples;
mod instructions;
mod rules;

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::t;
use anyhow::{Context, Result, bail};
use schemas::columns::header_row;
use schemas::table::tables_of;
use schemas::{Language, Ledger};

use crate::export::{ExportError, ExportFormat, write_atomically};
use crate::spreadsheet::{
    CellOut, CellRule, ColumnLayout, ColumnWidth, FormSheet, SheetLayout, SheetOut,
    TEXT_NUMBER_FORMAT, fits_inline_list, write_forms,
};

pub use columns::dropdown_values;
pub use examples::example_row;
pub use instructions::{Instructions, instructions};
pub use rules::rules_of;

/// The name of the sheet of instructions in Chinese, the first sheet of a template workbook (the
/// catalogue's `template.sheet.instructions`; an English workbook names it in English).
pub const NOTES_SHEET: &str = "填表说明";

/// Writes the blank form of a ledger in the language in force ([`Language::current`]). `out` is
/// the workbook's path for XLSX (default `<ledger>-template.xlsx`), or the directory of the CSV
/// files (default the current one). Returns the files written.
pub fn write_template(
    ledger: Ledger,
    format: ExportFormat,
    out: Option<&Path>,
) -> Result<Vec<PathBuf>> {
    write_template_in(ledger, format, out, Language::current())
}

/// Writes the blank form of a ledger with its texts in `language`; see [`write_template`].
pub fn write_template_in(
    ledger: Ledger,
    format: ExportFormat,
    out: Option<&Path>,
    language: Language,
) -> Result<Vec<PathBuf>> {
    let locale = language.code();
    match format {
        ExportFormat::Xlsx => {
            let path = out.map_or_else(
                || PathBuf::from(format!("{}-template.xlsx", ledger.slug())),
                Path::to_path_buf,
            );
            write_forms(&path, &workbook_sheets(ledger, language)).with_context(|| {
                t!(
                    "template.failure.cannot_write",
                    locale = locale,
                    path = path.display()
                )
                .into_owned()
            })?;
            Ok(vec![path])
        }
        ExportFormat::Csv => {
            let directory = out.map_or_else(|| PathBuf::from("."), Path::to_path_buf);
            if !directory.is_dir() {
                bail!(
                    "{}",
                    t!(
                        "template.failure.not_a_directory",
                        locale = locale,
                        path = directory.display()
                    )
                );
            }
            let mut written = Vec::new();
            for table in tables_of(ledger) {
                let path = directory.join(format!("{}-{}.csv", ledger.slug(), table.slug()));
                let header: Vec<String> = header_row(*table, true)
                    .into_iter()
                    .map(str::to_owned)
                    .collect();
                write_csv(&path, &[header], language)?;
                written.push(path);
            }
            let notes = directory.join(format!("README-{}.csv", ledger.slug()));
            write_csv(
                &notes,
                &instructions(ledger, language, ExportFormat::Csv).all_rows(),
                language,
            )?;
            written.push(notes);
            Ok(written)
        }
        other => bail!(
            "{}",
            t!(
                "template.failure.not_supported",
                locale = locale,
                format = other
            )
        ),
    }
}

/// The sheets of a template workbook: the instructions, one sheet per table, and the hidden sheet
/// of lists when a dropdown needs it.
fn workbook_sheets(ledger: Ledger, language: Language) -> Vec<FormSheet> {
    let instructions = instructions(ledger, language, ExportFormat::Xlsx);
    let mut sheets = vec![instructions.form_sheet()];
    let mut lists = ListsSheet::new(t!("template.sheet.lists", locale = language.code()).as_ref());
    for table in tables_of(ledger) {
        let layouts: Vec<ColumnLayout> = schemas::columns::columns(*table)
            .iter()
            .map(|spec| {
                columns::column_layout(spec, language, &mut |header, values| {
                    lists.rule_for(header, values)
                })
            })
            .collect();
        sheets.push(FormSheet {
            sheet: SheetOut {
                name: table.name_zh().to_owned(),
                header: header_row(*table, true)
                    .into_iter()
                    .map(str::to_owned)
                    .collect(),
                ..SheetOut::default()
            },
            layout: SheetLayout {
                columns: layouts,
                ..SheetLayout::default()
            },
        });
    }
    if let Some(lists_sheet) = lists.into_form_sheet() {
        sheets.push(lists_sheet);
    }
    sheets
}

/// The hidden sheet holding the dropdown lists too long to write inside a validation: one column
/// per list, headed by the header of the first column that uses it, its values from row 2.
struct ListsSheet {
    /// The sheet's name, from the catalogue.
    name: String,
    /// Each list placed, in order, with its header: its column is its position.
    lists: Vec<(String, Vec<String>)>,
    /// The column of each list placed, by its values, so that columns sharing a list share it.
    placed: BTreeMap<Vec<String>, usize>,
}

impl ListsSheet {
    fn new(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            lists: Vec::new(),
            placed: BTreeMap::new(),
        }
    }

    /// The dropdown rule for a column offering `values`: written inside the validation when it
    /// fits, else referring to the list's column of this sheet (placing it there first).
    fn rule_for(&mut self, header: &str, values: &[&str]) -> CellRule {
        if fits_inline_list(values) {
            return CellRule::InlineList(values.iter().map(|value| (*value).to_owned()).collect());
        }
        let key: Vec<String> = values.iter().map(|value| (*value).to_owned()).collect();
        let column_index = match self.placed.get(&key) {
            Some(&column_index) => column_index,
            None => {
                let column_index = self.lists.len();
                self.lists.push((header.to_owned(), key.clone()));
                self.placed.insert(key, column_index);
                column_index
            }
        };
        CellRule::ListInSheet {
            sheet: self.name.clone(),
            column_index,
            first_row_index: 1,
            last_row_index: values.len(),
        }
    }

    /// The sheet, hidden, or `None` when every list fitted inline.
    fn into_form_sheet(self) -> Option<FormSheet> {
        if self.lists.is_empty() {
            return None;
        }
        let n_rows = self
            .lists
            .iter()
            .map(|(_, values)| values.len())
            .max()
            .unwrap_or(0);
        let rows = (0..n_rows)
            .map(|row_index| {
                self.lists
                    .iter()
                    .map(|(_, values)| {
                        values
                            .get(row_index)
                            .map_or(CellOut::Empty, |value| CellOut::Text(value.clone()))
                    })
                    .collect()
            })
            .collect();
        let columns = self
            .lists
            .iter()
            .map(|_| ColumnLayout {
                number_format: Some(TEXT_NUMBER_FORMAT.to_owned()),
                width: ColumnWidth::Fit,
                ..ColumnLayout::default()
            })
            .collect();
        Some(FormSheet {
            sheet: SheetOut {
                name: self.name,
                header: self.lists.into_iter().map(|(header, _)| header).collect(),
                rows,
                ..SheetOut::default()
            },
            layout: SheetLayout {
                columns,
                hidden: true,
                ..SheetLayout::default()
            },
        })
    }
}

/// Writes rows as a UTF-8 CSV file with a byte-order mark, atomically. Shorter rows are padded
/// with empty fields, so that every line has as many fields as the longest.
fn write_csv(path: &Path, rows: &[Vec<String>], language: Language) -> Result<()> {
    let width = rows.iter().map(Vec::len).max().unwrap_or(0);
    write_atomically(path, |out| {
        out.write_all(b"\xEF\xBB\xBF").map_err(ExportError::Write)?;
        let mut writer = csv::Writer::from_writer(out);
        for row in rows {
            let padding = std::iter::repeat_n("", width - row.len());
            writer.write_record(row.iter().map(String::as_str).chain(padding))?;
        }
        writer.flush().map_err(ExportError::Write)?;
        Ok(())
    })
    .with_context(|| {
        t!(
            "template.failure.cannot_write",
            locale = language.code(),
            path = path.display()
        )
        .into_owned()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_chinese_name_of_the_instructions_is_the_catalogue_s() {
        assert_eq!(
            t!(
                "template.sheet.instructions",
                locale = Language::Chinese.code()
            ),
            NOTES_SHEET
        );
    }

    #[test]
    fn short_lists_are_inline_and_long_ones_go_to_the_lists_sheet_once() {
        let mut lists = ListsSheet::new("选项");
        assert_eq!(
            lists.rule_for("权属", &["自有自用", "租用"]),
            CellRule::InlineList(vec!["自有自用".to_owned(), "租用".to_owned()])
        );
        let long: Vec<String> = (0..60).map(|index| format!("职级{index:03}")).collect();
        let long: Vec<&str> = long.iter().map(String::as_str).collect();
        let expected = CellRule::ListInSheet {
            sheet: "选项".to_owned(),
            column_index: 0,
            first_row_index: 1,
            last_row_index: 60,
        };
        assert_eq!(lists.rule_for("使用人职级", &long), expected);
        assert_eq!(
            lists.rule_for("另一列", &long),
            expected,
            "shared, not placed twice"
        );
        let with_comma = ["a,b", "c"];
        assert!(matches!(
            lists.rule_for("带逗号", &with_comma),
            CellRule::ListInSheet {
                column_index: 1,
                last_row_index: 2,
                ..
            }
        ));
        let sheet = lists.into_form_sheet().expect("two lists placed");
        assert!(sheet.layout.hidden);
        assert_eq!(sheet.sheet.header, ["使用人职级", "带逗号"]);
        assert_eq!(sheet.sheet.rows.len(), 60);
        assert_eq!(sheet.sheet.rows[1][1], CellOut::Text("c".to_owned()));
        assert_eq!(sheet.sheet.rows[2][1], CellOut::Empty);
        assert!(ListsSheet::new("选项").into_form_sheet().is_none());
    }
}
