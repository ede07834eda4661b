//! The blank forms as a clerk gets them: every workbook written by `template` is read back (its
//! cells with calamine, its validations, column formats and sheet states from the XML inside the
//! file) and compared with the schema: each closed-list column offers exactly the values of its
//! list, codes and months are text, numbers are checked, the headers resolve to every column of
//! the table, the instructions come first with an example row per table that the import accepts
//! and that breaks no rule, and the rules listed are the ones the ledger's checks report.
//!
//! Expected values come from `schemas` (its column specs, lists, parsers and check sources) or
//! from the catalogue, never from the template code under test.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::io::Read as _;
use std::path::{Path, PathBuf};

use node::export::ExportFormat;
use node::import::{ImportTarget, Progress, parse_file};
use node::spreadsheet::{CellOut, SheetOut, read_workbook, write_workbook};
use node::template::{rules_of, write_template_in};
use rust_i18n::t;
use schemas::columns::{ColumnSpec, columns, header_row, resolve_headers};
use schemas::ledgers::{CheckContext, check};
use schemas::records::FieldKind;
use schemas::returns::Severity;
use schemas::table::{Table, tables_of};
use schemas::{Language, Ledger, Period};

// The catalogues, to compare the texts of the workbook with.
rust_i18n::i18n!("../locales", fallback = "zh-CN");

/// Rows a validation must cover at least, below the header: a year of a county's dispatch
/// orders is several thousand rows.
const VALIDATED_ROWS_MIN: u32 = 10_000;

/// The period the examples lie in (all of them are dated March 2025).
const EXAMPLE_PERIOD: &str = "2025-03";

// ------------------------------------------------------------------------------------------
// Reading the parts of an XLSX file.

/// One XML element: its attributes (unescaped) and the text inside it.
#[derive(Debug, Clone)]
struct Element {
    attributes: BTreeMap<String, String>,
    inner: String,
}

/// Replaces XML's predefined entities.
fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// Every element named `tag` in `xml`, in order (elements of that name are not nested in the
/// parts read here).
fn elements(xml: &str, tag: &str) -> Vec<Element> {
    let mut found = Vec::new();
    let open = format!("<{tag}");
    let mut rest = xml;
    while let Some(start) = rest.find(&open) {
        let after_name = &rest[start + open.len()..];
        // `<col` must not match `<cols`.
        if !after_name.starts_with([' ', '>', '/']) {
            rest = after_name;
            continue;
        }
        let end = after_name.find('>').expect("a tag ends");
        let (attributes_text, self_closing) = match after_name[..end].strip_suffix('/') {
            Some(text) => (text, true),
            None => (&after_name[..end], false),
        };
        let mut attributes = BTreeMap::new();
        let mut text = attributes_text.trim();
        while let Some(equals) = text.find("=\"") {
            let name = text[..equals].trim().to_owned();
            let value_start = equals + 2;
            let value_end = value_start + text[value_start..].find('"').expect("a closing quote");
            attributes.insert(name, unescape(&text[value_start..value_end]));
            text = text[value_end + 1..].trim_start();
        }
        let body = &after_name[end + 1..];
        let (inner, next) = if self_closing {
            (String::new(), body)
        } else {
            let close = format!("</{tag}>");
            let close_at = body.find(&close).expect("a closing tag");
            (body[..close_at].to_owned(), &body[close_at + close.len()..])
        };
        found.push(Element { attributes, inner });
        rest = next;
    }
    found
}

/// The parts of a workbook read from its zip: each sheet's XML by name, in workbook order, with
/// whether it is hidden, and the styles.
struct Parts {
    sheets: Vec<(String, bool, String)>,
    styles: String,
}

impl Parts {
    fn read(path: &Path) -> Parts {
        let file = std::fs::File::open(path).unwrap();
        let mut archive = zip::ZipArchive::new(file).unwrap();
        let mut part = |name: &str| {
            let mut text = String::new();
            archive
                .by_name(name)
                .unwrap_or_else(|error| panic!("{name}: {error}"))
                .read_to_string(&mut text)
                .unwrap();
            text
        };
        let workbook = part("xl/workbook.xml");
        let relationships = part("xl/_rels/workbook.xml.rels");
        let targets: BTreeMap<String, String> = elements(&relationships, "Relationship")
            .into_iter()
            .map(|relationship| {
                (
                    relationship.attributes["Id"].clone(),
                    relationship.attributes["Target"].clone(),
                )
            })
            .collect();
        let sheets = elements(&workbook, "sheet")
            .into_iter()
            .map(|sheet| {
                let target = &targets[&sheet.attributes["r:id"]];
                let xml = part(&format!("xl/{}", target.trim_start_matches("/xl/")));
                let hidden = sheet
                    .attributes
                    .get("state")
                    .is_some_and(|state| state != "visible");
                (sheet.attributes["name"].clone(), hidden, xml)
            })
            .collect();
        let styles = part("xl/styles.xml");
        Parts { sheets, styles }
    }

    fn sheet(&self, name: &str) -> &str {
        self.sheets
            .iter()
            .find(|(sheet, _, _)| sheet == name)
            .map(|(_, _, xml)| xml.as_str())
            .unwrap_or_else(|| panic!("no sheet {name}"))
    }

    /// The number format code of each cell style (`cellXfs`), by its index.
    fn number_formats(&self) -> Vec<String> {
        let custom: BTreeMap<String, String> = elements(&self.styles, "numFmt")
            .into_iter()
            .map(|format| {
                (
                    format.attributes["numFmtId"].clone(),
                    format.attributes["formatCode"].clone(),
                )
            })
            .collect();
        let cell_styles = &elements(&self.styles, "cellXfs")[0].inner;
        elements(cell_styles, "xf")
            .into_iter()
            .map(|style| {
                let id = style.attributes["numFmtId"].clone();
                match (custom.get(&id), id.as_str()) {
                    (Some(code), _) => code.clone(),
                    // Excel's built-in text format.
                    (None, "49") => "@".to_owned(),
                    (None, "0") => "General".to_owned(),
                    (None, other) => format!("builtin {other}"),
                }
            })
            .collect()
    }
}

/// The letters of a 0-based column.
fn letters(column_index: usize) -> String {
    node::spreadsheet::column_letter(column_index)
}

/// A cell reference split into its column letters and row number: `C2` → (`C`, 2).
fn split_cell(reference: &str) -> (String, u32) {
    let reference = reference.replace('$', "");
    let digits_at = reference
        .find(|character: char| character.is_ascii_digit())
        .expect("a row number");
    (
        reference[..digits_at].to_owned(),
        reference[digits_at..].parse().unwrap(),
    )
}

/// The validations of a sheet that cover rows 2 to at least [`VALIDATED_ROWS_MIN`] + 1 of a
/// column, by column letters.
fn validations_by_column(sheet_xml: &str) -> BTreeMap<String, Element> {
    let mut by_column = BTreeMap::new();
    for validation in elements(sheet_xml, "dataValidation") {
        for range in validation.attributes["sqref"].split(' ') {
            let (first, last) = range.split_once(':').unwrap_or((range, range));
            let (first_column, first_row) = split_cell(first);
            let (last_column, last_row) = split_cell(last);
            assert_eq!(
                first_column, last_column,
                "one column per validation: {range}"
            );
            if first_row == 2 && last_row > VALIDATED_ROWS_MIN {
                let previous = by_column.insert(first_column, validation.clone());
                assert!(previous.is_none(), "two validations on one column: {range}");
            }
        }
    }
    by_column
}

/// The values a list validation offers: written inside it, or in the cells it refers to.
fn list_values(validation: &Element, workbook: &Path, parts: &Parts) -> Vec<String> {
    assert_eq!(validation.attributes["type"], "list");
    let formula = unescape(validation.inner.split("</formula1>").next().unwrap())
        .trim_start_matches("<formula1>")
        .to_owned();
    if let Some(inline) = formula.strip_prefix('"') {
        let inline = inline.strip_suffix('"').expect("a closing quote");
        return inline
            .split(',')
            .map(|value| value.replace("\"\"", "\""))
            .collect();
    }
    // A reference such as '选项'!$A$2:$A$23, to a column of another sheet.
    let (sheet, range) = formula.rsplit_once('!').expect("a sheet reference");
    let sheet = sheet.trim_matches('\'').replace("''", "'");
    let (first, last) = range.split_once(':').expect("a range");
    let (column, first_row) = split_cell(first);
    let (last_column, last_row) = split_cell(last);
    assert_eq!(column, last_column);
    assert!(
        parts
            .sheets
            .iter()
            .any(|(name, hidden, _)| *name == sheet && *hidden),
        "the lists sheet {sheet} is hidden"
    );
    let cells = read_workbook(workbook)
        .unwrap()
        .into_iter()
        .find(|cells| cells.name == sheet)
        .expect("the sheet referred to");
    let column_index = (0..26 * 27)
        .find(|index| letters(*index) == column)
        .unwrap();
    (first_row..=last_row)
        .map(|row| cells.cell(row as usize - 1, column_index).to_owned())
        .collect()
}

/// The style index of each column from the sheet's `<cols>`, by 0-based column index.
fn column_styles(sheet_xml: &str) -> BTreeMap<usize, usize> {
    let mut styles = BTreeMap::new();
    for column in elements(sheet_xml, "col") {
        let min: usize = column.attributes["min"].parse().unwrap();
        let max: usize = column.attributes["max"].parse().unwrap();
        if let Some(style) = column.attributes.get("style") {
            for index in min..=max {
                styles.insert(index - 1, style.parse().unwrap());
            }
        }
    }
    styles
}

// ------------------------------------------------------------------------------------------
// Writing the forms.

/// Writes a ledger's workbook in `language` into `directory`.
fn workbook(ledger: Ledger, language: Language, directory: &Path) -> PathBuf {
    let path = directory.join(format!("{}-{}.xlsx", ledger.slug(), language.code()));
    let written = write_template_in(ledger, ExportFormat::Xlsx, Some(&path), language).unwrap();
    assert_eq!(written, std::slice::from_ref(&path));
    path
}

/// Every ledger's workbook in every language, written once per test.
fn every_workbook(directory: &Path) -> Vec<(Ledger, Language, PathBuf)> {
    let mut written = Vec::new();
    for ledger in Ledger::ALL {
        for language in Language::ALL {
            written.push((ledger, language, workbook(ledger, language, directory)));
        }
    }
    written
}

/// The allowed values of a closed-list or yes/no column as the schema gives them, in order.
fn allowed_values(spec: &ColumnSpec) -> Option<Vec<String>> {
    match spec.kind {
        FieldKind::Choice(list) => Some(
            (list.choices)()
                .iter()
                .map(|choice| choice.name_zh.to_owned())
                .collect(),
        ),
        FieldKind::Boolean => Some(vec!["是".to_owned(), "否".to_owned()]),
        _ => None,
    }
}

// ------------------------------------------------------------------------------------------
// The tests.

#[test]
fn every_closed_list_column_offers_exactly_the_values_of_its_list() {
    let directory = tempfile::tempdir().unwrap();
    let mut lists_checked = 0;
    for (ledger, language, path) in every_workbook(directory.path()) {
        let parts = Parts::read(&path);
        for table in tables_of(ledger) {
            let validations = validations_by_column(parts.sheet(table.name_zh()));
            for (column_index, spec) in columns(*table).iter().enumerate() {
                let column = letters(column_index);
                let validation = validations.get(&column);
                let Some(expected) = allowed_values(spec) else {
                    assert!(
                        validation.is_none_or(|found| found
                            .attributes
                            .get("type")
                            .is_none_or(|kind| kind != "list")),
                        "{table}.{} is not a closed list but has a dropdown",
                        spec.field
                    );
                    continue;
                };
                let validation = validation.unwrap_or_else(|| {
                    panic!(
                        "{ledger} {language:?}: {table}.{} has no dropdown",
                        spec.field
                    )
                });
                let offered = list_values(validation, &path, &parts);
                assert_eq!(offered, expected, "{table}.{}", spec.field);
                // Each value is one the import accepts, and no two mean the same.
                let parsed: HashSet<String> = offered
                    .iter()
                    .map(|value| {
                        spec.kind
                            .parse(value)
                            .unwrap_or_else(|error| panic!("{value}: {error}"))
                            .text()
                    })
                    .collect();
                assert_eq!(parsed.len(), offered.len(), "{table}.{}", spec.field);
                assert_eq!(
                    validation
                        .attributes
                        .get("showErrorMessage")
                        .map(String::as_str),
                    Some("1"),
                    "a value not in the list is refused"
                );
                assert_eq!(
                    validation.attributes["errorTitle"],
                    t!("template.error.title", locale = language.code())
                );
                lists_checked += 1;
            }
        }
    }
    let closed_lists = Table::ALL
        .iter()
        .flat_map(|table| columns(*table))
        .filter(|spec| allowed_values(spec).is_some())
        .count();
    assert!(
        closed_lists >= 16,
        "the schema's closed lists: {closed_lists}"
    );
    assert_eq!(lists_checked, closed_lists * Language::ALL.len());
}

#[test]
fn codes_and_months_are_text_and_numbers_are_checked() {
    let directory = tempfile::tempdir().unwrap();
    for (ledger, language, path) in every_workbook(directory.path()) {
        let parts = Parts::read(&path);
        let number_formats = parts.number_formats();
        let locale = language.code();
        for table in tables_of(ledger) {
            let sheet = parts.sheet(table.name_zh());
            let styles = column_styles(sheet);
            let validations = validations_by_column(sheet);
            assert!(
                sheet.contains("ySplit=\"1\"") && sheet.contains("state=\"frozen\""),
                "{table}: the header row is frozen"
            );
            for (column_index, spec) in columns(*table).iter().enumerate() {
                let what = format!("{ledger} {language:?} {table}.{}", spec.field);
                let format = styles
                    .get(&column_index)
                    .map_or("General", |style| number_formats[*style].as_str());
                let validation = validations.get(&letters(column_index));
                let attribute = |name: &str| {
                    validation
                        .and_then(|validation| validation.attributes.get(name))
                        .map(String::as_str)
                };
                let formulas = validation.map(|validation| {
                    (
                        elements(&validation.inner, "formula1")
                            .first()
                            .map(|formula| formula.inner.clone()),
                        elements(&validation.inner, "formula2")
                            .first()
                            .map(|formula| formula.inner.clone()),
                    )
                });
                match spec.kind {
                    FieldKind::Identifier
                    | FieldKind::CreditCode
                    | FieldKind::Division
                    | FieldKind::Plate
                    | FieldKind::Vin
                    | FieldKind::Month => {
                        assert_eq!(format, "@", "{what} is text so Excel keeps it as typed")
                    }
                    FieldKind::Amount => {
                        assert_eq!(format, "General", "{what} stays a number");
                        assert_eq!(attribute("type"), Some("decimal"), "{what}");
                        assert_eq!(attribute("operator"), Some("greaterThanOrEqual"), "{what}");
                        assert_eq!(formulas, Some((Some("0".to_owned()), None)), "{what}");
                    }
                    FieldKind::Count => {
                        assert_eq!(format, "General", "{what} stays a number");
                        assert_eq!(attribute("type"), Some("whole"), "{what}");
                        let max = schemas::records::COUNT_MAX.to_string();
                        assert_eq!(formulas, Some((Some("0".to_owned()), Some(max))), "{what}");
                    }
                    FieldKind::Year => {
                        assert_eq!(attribute("type"), Some("whole"), "{what}");
                        let bounds = (
                            Some(schemas::records::field::YEAR_FIELD_MIN.to_string()),
                            Some(schemas::records::field::YEAR_FIELD_MAX.to_string()),
                        );
                        assert_eq!(formulas, Some(bounds), "{what}");
                    }
                    _ => {}
                }
                let format_key = match spec.kind {
                    FieldKind::Date => Some("template.format.date"),
                    FieldKind::DateTime => Some("template.format.date_time"),
                    FieldKind::Month => Some("template.format.month"),
                    FieldKind::CreditCode => Some("template.format.credit_code"),
                    FieldKind::Division => Some("template.format.division"),
                    _ => None,
                };
                if let Some(key) = format_key {
                    assert_eq!(
                        attribute("prompt"),
                        Some(t!(key, locale = locale).as_ref()),
                        "{what} shows its format when selected"
                    );
                    assert_eq!(attribute("promptTitle"), Some(spec.header_zh), "{what}");
                }
            }
        }
    }
}

#[test]
fn the_headers_read_back_resolve_to_every_column_of_their_table() {
    let directory = tempfile::tempdir().unwrap();
    for (ledger, language, path) in every_workbook(directory.path()) {
        let sheets = read_workbook(&path).unwrap();
        for table in tables_of(ledger) {
            let sheet = sheets
                .iter()
                .find(|sheet| sheet.name == table.name_zh())
                .unwrap_or_else(|| panic!("{ledger} {language:?}: no sheet for {table}"));
            assert_eq!(sheet.rows.len(), 1, "{table}: the header row only");
            let headers: Vec<&str> = sheet.rows[0].iter().map(String::as_str).collect();
            assert_full_column_set(ledger, *table, &headers);
        }
    }
    let csv_directory = tempfile::tempdir().unwrap();
    for ledger in Ledger::ALL {
        let written = write_template_in(
            ledger,
            ExportFormat::Csv,
            Some(csv_directory.path()),
            Language::Chinese,
        )
        .unwrap();
        assert_eq!(
            written.len(),
            tables_of(ledger).len() + 1,
            "a file per table and notes"
        );
        for table in tables_of(ledger) {
            let path = csv_directory
                .path()
                .join(format!("{}-{}.csv", ledger.slug(), table.slug()));
            let bytes = std::fs::read(&path).unwrap();
            let text = std::str::from_utf8(&bytes)
                .unwrap()
                .strip_prefix('\u{feff}')
                .expect("a byte-order mark, for Excel on Chinese Windows");
            assert_eq!(text.lines().count(), 1, "{table}: the header row only");
            let headers: Vec<&str> = text.trim_end().split(',').collect();
            assert_full_column_set(ledger, *table, &headers);
        }
    }
}

/// The headers resolve, without naming the table, to `table` and to every one of its columns.
fn assert_full_column_set(ledger: Ledger, table: Table, headers: &[&str]) {
    let map =
        resolve_headers(ledger, None, headers).unwrap_or_else(|error| panic!("{table}: {error}"));
    assert_eq!(map.table(), table);
    for (index, spec) in columns(table).iter().enumerate() {
        assert_eq!(
            map.column_of(spec.field),
            Some(index),
            "{table}.{}",
            spec.field
        );
    }
}

#[test]
fn the_instructions_come_first_with_an_example_row_per_table_that_imports_cleanly() {
    let directory = tempfile::tempdir().unwrap();
    for (ledger, language, path) in every_workbook(directory.path()) {
        let sheets = read_workbook(&path).unwrap();
        let parts = Parts::read(&path);
        let instructions_name = t!("template.sheet.instructions", locale = language.code());
        assert_eq!(
            sheets[0].name, instructions_name,
            "the instructions come first"
        );
        assert!(!parts.sheets[0].1, "and are not hidden");
        let visible: Vec<&str> = parts
            .sheets
            .iter()
            .filter(|(_, hidden, _)| !hidden)
            .map(|(name, _, _)| name.as_str())
            .collect();
        let mut expected: Vec<&str> = vec![&instructions_name];
        expected.extend(tables_of(ledger).iter().map(|table| table.name_zh()));
        assert_eq!(visible, expected);
        assert_eq!(
            sheets[0].rows[0][0],
            t!(
                "template.title",
                locale = language.code(),
                ledger = t!(
                    format!("template.ledger.{}", ledger.slug()),
                    locale = language.code()
                )
            )
        );

        // The example row of each table lies under the table's headers.
        let instructions = &sheets[0];
        let mut filled = Vec::new();
        for table in tables_of(ledger) {
            let headers = header_row(*table, true);
            let header_at = instructions
                .rows
                .iter()
                .position(|row| row.iter().map(String::as_str).eq(headers.iter().copied()))
                .unwrap_or_else(|| panic!("{language:?}: no example headers for {table}"));
            let mut example = instructions.rows[header_at + 1].clone();
            example.resize(headers.len(), String::new());
            assert!(
                example.iter().any(|cell| !cell.is_empty()),
                "{table}: an example row"
            );
            filled.push(SheetOut {
                name: table.name_zh().to_owned(),
                header: headers.iter().map(|header| (*header).to_owned()).collect(),
                rows: vec![example.into_iter().map(CellOut::Text).collect()],
                ..SheetOut::default()
            });
        }

        // Filled into a workbook, the examples import and break no rule of the ledger.
        let filled_path =
            directory
                .path()
                .join(format!("filled-{}-{}.xlsx", ledger.slug(), language.code()));
        write_workbook(&filled_path, &filled).unwrap();
        let records = import_records(ledger, &filled_path);
        let tables: BTreeSet<Table> = records.iter().map(|record| record.table()).collect();
        assert_eq!(
            tables,
            tables_of(ledger).iter().copied().collect(),
            "{ledger}: one record per table"
        );
        assert_no_findings(ledger, &records);
    }
}

#[test]
fn the_csv_forms_filled_with_the_examples_import_cleanly() {
    let directory = tempfile::tempdir().unwrap();
    for ledger in Ledger::ALL {
        write_template_in(
            ledger,
            ExportFormat::Csv,
            Some(directory.path()),
            Language::Chinese,
        )
        .unwrap();
        let notes = std::fs::read_to_string(
            directory
                .path()
                .join(format!("README-{}.csv", ledger.slug())),
        )
        .unwrap();
        let mut notes_reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(notes.trim_start_matches('\u{feff}').as_bytes());
        let notes_rows: Vec<Vec<String>> = notes_reader
            .records()
            .map(|record| record.unwrap().iter().map(str::to_owned).collect())
            .collect();
        let mut records = Vec::new();
        for table in tables_of(ledger) {
            let headers = header_row(*table, true);
            let header_at = notes_rows
                .iter()
                .position(|row| {
                    row[..headers.len()]
                        .iter()
                        .map(String::as_str)
                        .eq(headers.iter().copied())
                })
                .unwrap_or_else(|| panic!("no example headers for {table}"));
            let example = &notes_rows[header_at + 1][..headers.len()];
            let path = directory
                .path()
                .join(format!("{}-{}.csv", ledger.slug(), table.slug()));
            let mut writer = csv::Writer::from_writer(
                std::fs::OpenOptions::new()
                    .append(true)
                    .open(&path)
                    .unwrap(),
            );
            writer.write_record(example).unwrap();
            writer.flush().unwrap();
            records.extend(import_records(ledger, &path));
        }
        assert_no_findings(ledger, &records);
    }
}

/// The records of a file as the import parses them, for the example period.
fn import_records(ledger: Ledger, path: &Path) -> Vec<schemas::records::Record> {
    let target = ImportTarget {
        ledger,
        period: Period::parse(EXAMPLE_PERIOD).unwrap(),
        table: None,
        topology: None,
        allow_empty: false,
    };
    parse_file(path, None, &target, &Progress::hidden())
        .unwrap_or_else(|error| panic!("{}: {error}", path.display()))
        .into_iter()
        .flat_map(|parsed| parsed.records)
        .collect()
}

/// The ledger's checks that span records find nothing in the examples.
fn assert_no_findings(ledger: Ledger, records: &[schemas::records::Record]) {
    let context = CheckContext {
        owner: topology::DivisionCode::parse("640104000000").unwrap(),
        period: Period::parse(EXAMPLE_PERIOD).unwrap(),
        previous: None,
        options: Default::default(),
    };
    let findings = check(ledger, records, &context);
    assert!(findings.is_empty(), "{ledger}: {findings:#?}");
}

#[test]
fn the_rules_listed_are_the_registry_each_reported_by_the_checks_with_its_severity() {
    let sources = [
        (
            Ledger::OfficeSpace,
            include_str!("../../schemas/src/ledgers/office_space/checks.rs"),
        ),
        (
            Ledger::Vehicles,
            include_str!("../../schemas/src/ledgers/vehicles/checks.rs"),
        ),
        (
            Ledger::Energy,
            include_str!("../../schemas/src/ledgers/energy/checks.rs"),
        ),
    ];
    let directory = tempfile::tempdir().unwrap();
    for (ledger, source) in sources {
        // Every rule of the registry is reported by the checks, and listed.
        let reported = rules_reported(source);
        let listed: BTreeSet<String> = rules_of(ledger)
            .iter()
            .map(|rule| rule.code.to_owned())
            .collect();
        assert_eq!(listed, reported, "{ledger}");

        // Each is explained on the instructions sheet, in each language.
        for language in Language::ALL {
            let sheets = read_workbook(&workbook(ledger, language, directory.path())).unwrap();
            let severity_texts = [
                t!("template.severity.error", locale = language.code()),
                t!("template.severity.warning", locale = language.code()),
            ];
            for rule in rules_of(ledger) {
                let row = sheets[0]
                    .rows
                    .iter()
                    .find(|row| row.first().is_some_and(|cell| cell == rule.code))
                    .unwrap_or_else(|| panic!("{language:?}: rule {} not listed", rule.code));
                let severity = usize::from(rule.severity != Severity::Error);
                assert_eq!(row[1], severity_texts[severity], "{}", rule.code);
                assert!(
                    row[3].chars().count() > 10 && !row[3].contains("template."),
                    "{}: {:?}",
                    rule.code,
                    row[3]
                );
            }
        }
    }
}

/// The rule codes a checks module reports: each rule constant of its registry
/// (`pub const NAME: Rule = Rule::at_…("code", …)`) that the code before its tests names as `&NAME`
/// outside the `RULES` list, that is hands to the findings.
fn rules_reported(source: &str) -> BTreeSet<String> {
    let code = source.split("#[cfg(test)]").next().unwrap();
    let (before_list, after_list) = code.split_once("pub const RULES: &[Rule] = &[").unwrap();
    let after_list = after_list.split_once("];").unwrap().1;
    let body = format!("{before_list}{after_list}");
    let mut reported = BTreeSet::new();
    for (at, _) in code.match_indices("pub const ") {
        let rest = &code[at + "pub const ".len()..];
        let Some((name, definition)) = rest.split_once(": Rule = Rule::at_") else {
            continue;
        };
        if name.contains(char::is_whitespace) {
            continue;
        }
        let rule_code = definition.split('"').nth(1).unwrap();
        if body.contains(&format!("&{name},")) || body.contains(&format!("&{name})")) {
            reported.insert(rule_code.to_owned());
        }
    }
    assert!(!reported.is_empty());
    reported
}

#[test]
fn every_text_of_the_workbook_is_in_the_language_asked_for() {
    let directory = tempfile::tempdir().unwrap();
    let chinese = read_workbook(&workbook(
        Ledger::Vehicles,
        Language::Chinese,
        directory.path(),
    ))
    .unwrap();
    let english = read_workbook(&workbook(
        Ledger::Vehicles,
        Language::English,
        directory.path(),
    ))
    .unwrap();
    assert_eq!(chinese[0].name, "填表说明");
    assert_eq!(english[0].name, "Instructions");
    for (sheets, language) in [(&chinese, Language::Chinese), (&english, Language::English)] {
        let locale = language.code();
        let instructions = &sheets[0].rows;
        let column_header: Vec<String> = [
            "column", "required", "unit", "format", "allowed", "meaning", "field",
        ]
        .iter()
        .map(|key| t!(format!("template.column_header.{key}"), locale = locale).into_owned())
        .collect();
        assert!(instructions.contains(&column_header), "{language:?}");
        // The plate column's notes: required, its format, its meaning from the catalogue.
        let plate = instructions
            .iter()
            .find(|row| row.first().is_some_and(|cell| cell == "号牌号码"))
            .unwrap();
        assert_eq!(plate[1], t!("template.required_yes", locale = locale));
        assert_eq!(plate[3], t!("template.format.plate", locale = locale));
        assert_eq!(
            plate[5],
            t!("template.column.vehicles.plate", locale = locale)
        );
        // The table sheets keep the names and headers the import reads.
        assert_eq!(sheets[1].name, "公务用车");
        assert_eq!(sheets[1].rows[0][0], "号牌号码");
    }
    assert_ne!(chinese[0].rows[1], english[0].rows[1]);
}

#[test]
fn a_form_that_cannot_be_written_says_why_in_the_language_asked_for() {
    let directory = tempfile::tempdir().unwrap();
    let missing = directory.path().join("no such folder");
    for language in Language::ALL {
        let locale = language.code();
        let error = write_template_in(Ledger::Energy, ExportFormat::Csv, Some(&missing), language)
            .expect_err("CSV forms go into a directory that exists");
        assert_eq!(
            error.to_string(),
            t!(
                "template.failure.not_a_directory",
                locale = locale,
                path = missing.display()
            )
        );
        let error = write_template_in(Ledger::Energy, ExportFormat::Json, None, language)
            .expect_err("no JSON forms");
        assert_eq!(
            error.to_string(),
            t!(
                "template.failure.not_supported",
                locale = locale,
                format = ExportFormat::Json
            )
        );
        let inside_missing = missing.join("energy.xlsx");
        let error = write_template_in(
            Ledger::Energy,
            ExportFormat::Xlsx,
            Some(&inside_missing),
            language,
        )
        .expect_err("no folder to write into");
        assert_eq!(
            error.to_string(),
            t!(
                "template.failure.cannot_write",
                locale = locale,
                path = inside_missing.display()
            )
        );
    }
    assert!(!missing.exists(), "nothing was created");
}
