//! The instructions of a blank form: the first sheet of the workbook (填表说明), or the
//! `README-<ledger>.csv` beside the CSV files.
//!
//! From the top: a title; what the form is and how to fill and import it; per table, a line
//! saying what one row is, one line per column (header, required, unit, format, allowed values,
//! meaning, field name) and an example row under the table's headers; then the rules that span
//! records, with their codes, severity, when they are checked and what they mean.

use crate::t;
use schemas::columns::{columns, header_row};
use schemas::findings::{Phase, Severity};
use schemas::table::tables_of;
use schemas::{Language, Ledger};

use super::columns::{allowed_text, format_text, unit_text};
use super::examples::example_row;
use super::rules::{explanation, rules_of, year_on_year_threshold};
use crate::export::ExportFormat;
use crate::spreadsheet::{CellOut, ColumnLayout, ColumnWidth, FormSheet, SheetLayout, SheetOut};

/// The widths of the columns of the instructions sheet, in widths of a digit: the header (and rule
/// code) column, which does not wrap so that the general lines run on to the right; then
/// required, unit, format, allowed values, meaning and field, which wrap.
const COLUMN_WIDTHS: [usize; 7] = [30, 12, 14, 36, 36, 44, 22];

/// The instructions of a ledger's blank form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instructions {
    /// The name of the sheet, from the catalogue.
    pub sheet_name: String,
    /// The title, written as the sheet's first row.
    pub title: String,
    /// The lines below the title; empty strings are empty cells.
    pub rows: Vec<Vec<String>>,
    /// The lines (0-based indices into `rows`) that are titles, written bold.
    pub bold_rows: Vec<usize>,
}

impl Instructions {
    /// The title and every line, for a CSV file.
    pub fn all_rows(&self) -> Vec<Vec<String>> {
        let mut rows = vec![vec![self.title.clone()]];
        rows.extend(self.rows.iter().cloned());
        rows
    }

    /// The sheet of the workbook: the title frozen in the first row, the lines below.
    pub fn form_sheet(&self) -> FormSheet {
        let columns = COLUMN_WIDTHS
            .iter()
            .enumerate()
            .map(|(index, width)| ColumnLayout {
                width: ColumnWidth::Exactly(*width),
                wrap: index > 0,
                ..ColumnLayout::default()
            })
            .collect();
        FormSheet {
            sheet: SheetOut {
                name: self.sheet_name.clone(),
                header: vec![self.title.clone()],
                rows: self
                    .rows
                    .iter()
                    .map(|row| row.iter().cloned().map(CellOut::Text).collect())
                    .collect(),
                ..SheetOut::default()
            },
            layout: SheetLayout {
                columns,
                bold_rows: self.bold_rows.clone(),
                hidden: false,
                print_on_page_width: true,
            },
        }
    }
}

/// Collects lines and which of them are titles.
#[derive(Default)]
struct Lines {
    rows: Vec<Vec<String>>,
    bold_rows: Vec<usize>,
}

impl Lines {
    fn line(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    fn title(&mut self, cells: Vec<String>) {
        self.bold_rows.push(self.rows.len());
        self.rows.push(cells);
    }

    fn blank(&mut self) {
        self.rows.push(Vec::new());
    }
}

/// The instructions of a ledger's blank form in `language`, for a workbook or for CSV files.
pub fn instructions(ledger: Ledger, language: Language, format: ExportFormat) -> Instructions {
    let locale = language.code();
    let text = |key: &str| t!(key, locale = locale).into_owned();
    let ledger_name = text(&format!("template.ledger.{}", ledger.slug()));
    let mut lines = Lines::default();

    let general: &[&str] = if format == ExportFormat::Csv {
        &[
            "what_csv",
            "rows_csv",
            "required_csv",
            "numbers",
            "dates",
            "import_csv",
            "whole_csv",
        ]
    } else {
        &[
            "what_xlsx",
            "rows_xlsx",
            "required_xlsx",
            "dropdowns",
            "text_columns",
            "numbers",
            "dates",
            "import_xlsx",
            "whole_xlsx",
        ]
    };
    for key in general {
        lines.line(vec![
            t!(
                format!("template.general.{key}"),
                locale = locale,
                ledger = ledger_name,
                slug = ledger.slug()
            )
            .into_owned(),
        ]);
    }
    lines.blank();

    lines.title(vec![text("template.tables_title")]);
    let column_header: Vec<String> = [
        "column", "required", "unit", "format", "allowed", "meaning", "field",
    ]
    .iter()
    .map(|key| text(&format!("template.column_header.{key}")))
    .collect();
    for table in tables_of(ledger) {
        lines.title(vec![
            t!(
                "template.table_title",
                locale = locale,
                name = table.name_zh(),
                slug = table.slug(),
                row = t!(format!("template.table.{}", table.slug()), locale = locale)
            )
            .into_owned(),
        ]);
        lines.title(column_header.clone());
        for spec in columns(*table) {
            lines.line(vec![
                spec.header_zh.to_owned(),
                text(if spec.required {
                    "template.required_yes"
                } else {
                    "template.required_no"
                }),
                unit_text(spec, language),
                format_text(&spec.kind, language),
                allowed_text(&spec.kind, language),
                t!(
                    format!("template.column.{}.{}", table.slug(), spec.field),
                    locale = locale,
                    threshold = year_on_year_threshold()
                )
                .into_owned(),
                spec.field.to_owned(),
            ]);
        }
        lines.line(vec![
            t!(
                "template.example_title",
                locale = locale,
                name = table.name_zh()
            )
            .into_owned(),
        ]);
        lines.title(
            header_row(*table, true)
                .into_iter()
                .map(str::to_owned)
                .collect(),
        );
        lines.line(example_row(*table, language));
        lines.blank();
    }

    lines.title(vec![text("template.rules_title")]);
    lines.line(vec![text("template.rules_intro")]);
    lines.title(
        ["code", "severity", "when", "meaning"]
            .iter()
            .map(|key| text(&format!("template.rules_header.{key}")))
            .collect(),
    );
    for rule in rules_of(ledger) {
        let severity = match rule.severity {
            Severity::Error => "template.severity.error",
            Severity::Warning => "template.severity.warning",
        };
        let when = match rule.phase {
            Phase::Import => "template.when.import",
            Phase::Submit => "template.when.submit",
        };
        lines.line(vec![
            rule.code.to_owned(),
            text(severity),
            text(when),
            explanation(rule.code, language),
        ]);
    }

    Instructions {
        sheet_name: text("template.sheet.instructions"),
        title: t!("template.title", locale = locale, ledger = ledger_name).into_owned(),
        rows: lines.rows,
        bold_rows: lines.bold_rows,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_text_comes_from_the_catalogue_in_both_languages() {
        for ledger in Ledger::ALL {
            for language in Language::ALL {
                for format in [ExportFormat::Xlsx, ExportFormat::Csv] {
                    let instructions = instructions(ledger, language, format);
                    for row in instructions.all_rows() {
                        for cell in row {
                            assert!(
                                !cell.contains("template.") && !cell.contains("%{"),
                                "{ledger} {language:?}: {cell}"
                            );
                        }
                    }
                }
            }
        }
        let chinese = instructions(Ledger::Energy, Language::Chinese, ExportFormat::Xlsx);
        let english = instructions(Ledger::Energy, Language::English, ExportFormat::Xlsx);
        assert_eq!(chinese.sheet_name, "填表说明");
        assert_eq!(english.sheet_name, "Instructions");
        assert_ne!(chinese.rows[0], english.rows[0]);
    }

    #[test]
    fn every_column_has_its_meaning_in_every_language() {
        for table in schemas::Table::ALL {
            for spec in columns(table) {
                for language in Language::ALL {
                    let key = format!("template.column.{}.{}", table.slug(), spec.field);
                    let meaning = t!(&key, locale = language.code());
                    assert!(!meaning.contains(&key), "{language:?}: {meaning}");
                    assert!(!meaning.is_empty(), "{key}");
                }
            }
        }
    }
}
