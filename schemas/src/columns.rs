//! The import column mapping: which columns each table's spreadsheet or CSV has, how headers are
//! recognised, and how a row of text cells becomes a typed record.
//!
//! The node reads a file into a header row and rows of text cells and hands them here:
//! [`resolve_headers`] matches the headers to a table's [`ColumnSpec`]s (English field names or
//! Chinese headers, with or without their unit), inferring the table when the file does not name it;
//! [`HeaderMap::parse_row`] turns each row into a [`Record`] or a [`CellError`] that names the
//! column, the rule and the value; [`check_unique_ids`] finds rows that name the same record twice.
//! [`header_row`] gives the headers of a blank template.

use std::collections::HashMap;

use crate::t;

use crate::i18n::{display_in_current_language, shown};
use crate::ledger::Ledger;
use crate::period::Period;
use crate::records::{Record, RecordError, parse_field};
use crate::table::{Table, tables_of};

pub use crate::records::ColumnSpec;

/// The columns of a table, in template order.
pub fn columns(table: Table) -> &'static [ColumnSpec] {
    table.spec().columns
}

/// The header row of a blank template: Chinese headers or English field names.
pub fn header_row(table: Table, chinese: bool) -> Vec<&'static str> {
    columns(table)
        .iter()
        .map(|spec| if chinese { spec.header_zh } else { spec.field })
        .collect()
}

/// Why a header row does not fit a table.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HeaderError {
    /// A header names no column of the table.
    UnknownColumn {
        /// 0-based index of the column.
        column_index: usize,
        /// The header as written.
        header: String,
        /// The table matched against.
        table: Table,
    },
    /// A required column is absent.
    MissingColumn {
        /// The table matched against.
        table: Table,
        /// The field of the missing column.
        field: &'static str,
        /// Its Chinese header.
        header_zh: &'static str,
    },
    /// Two headers name the same column.
    DuplicateColumn {
        /// The field named twice.
        field: &'static str,
        /// 0-based index of the first column naming it.
        first_index: usize,
        /// 0-based index of the second.
        second_index: usize,
    },
    /// No table of the ledger has all its required columns among the headers.
    NoTableMatches {
        /// The ledger.
        ledger: Ledger,
        /// For each table of the ledger, the required fields that are missing.
        missing: Vec<(Table, Vec<&'static str>)>,
    },
    /// Several tables of the ledger have all their required columns among the headers.
    AmbiguousTable {
        /// The ledger.
        ledger: Ledger,
        /// The tables that fit.
        tables: Vec<Table>,
    },
    /// The table named is not a table of the ledger.
    TableNotInLedger {
        /// The table named.
        table: Table,
        /// The ledger.
        ledger: Ledger,
    },
}

impl HeaderError {
    /// What does not fit and how to make it fit, in a language of the catalogues.
    pub fn localized(&self, locale: &str) -> String {
        match self {
            HeaderError::UnknownColumn {
                column_index,
                header,
                table,
            } => t!(
                "schemas.header.unknown_column",
                locale = locale,
                column = column_index + 1,
                header = shown(header),
                table = table.slug(),
                table_zh = table.name_zh()
            ),
            HeaderError::MissingColumn {
                table,
                field,
                header_zh,
            } => t!(
                "schemas.header.missing_column",
                locale = locale,
                table = table.named(locale),
                field = field,
                header_zh = header_zh
            ),
            HeaderError::DuplicateColumn {
                field,
                first_index,
                second_index,
            } => t!(
                "schemas.header.duplicate_column",
                locale = locale,
                first = first_index + 1,
                second = second_index + 1,
                field = field
            ),
            HeaderError::NoTableMatches { ledger, missing } => {
                let missing = missing.iter().map(|(table, fields)| {
                    t!(
                        "schemas.header.table_lacks",
                        locale = locale,
                        table = table.slug(),
                        fields = fields.join(", ")
                    )
                    .into_owned()
                });
                let missing = missing.collect::<Vec<_>>().join("; ");
                t!(
                    "schemas.header.no_table_matches",
                    locale = locale,
                    ledger = ledger.named(locale),
                    missing = missing
                )
            }
            HeaderError::AmbiguousTable { ledger, tables } => t!(
                "schemas.header.ambiguous_table",
                locale = locale,
                ledger = ledger.named(locale),
                tables = tables
                    .iter()
                    .map(|table| table.slug())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            HeaderError::TableNotInLedger { table, ledger } => t!(
                "schemas.header.table_not_in_ledger",
                locale = locale,
                table = table.slug(),
                ledger = ledger.slug(),
                ledger_name = ledger.named(locale)
            ),
        }
        .into_owned()
    }
}

display_in_current_language!(HeaderError);

/// Why a cell of a row is refused: the column, the rule and the value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CellError {
    /// 0-based index of the column.
    pub column_index: usize,
    /// The column's header as written in the file (empty for a cell beyond the header row).
    pub header: String,
    /// The column's field (empty for a column without one).
    pub field: &'static str,
    /// The rule the cell broke, phrased to follow the column ("must be ...").
    pub rule: String,
    /// The cell as written.
    pub value: String,
}

impl CellError {
    /// Reads like `column 4 (quantity): must be a non-negative decimal number, found "-3"`, or
    /// `第 4 列（quantity）：应为……，现为“-3”`, with the 1-based column number a spreadsheet user
    /// sees. The rule is in the language in force when the cell was parsed.
    pub fn localized(&self, locale: &str) -> String {
        let column = self.column_index + 1;
        let name = match (self.header.is_empty(), self.field.is_empty()) {
            (false, false) if self.header != self.field => {
                Some(format!("{}, {}", self.header, self.field))
            }
            (false, _) => Some(self.header.clone()),
            (true, false) => Some(self.field.to_owned()),
            (true, true) => None,
        };
        let column = match name {
            Some(name) => t!(
                "schemas.cell.column_named",
                locale = locale,
                column = column,
                name = name
            ),
            None => t!("schemas.cell.column", locale = locale, column = column),
        };
        t!(
            "schemas.cell.error",
            locale = locale,
            column = column,
            rule = self.rule,
            value = shown(&self.value)
        )
        .into_owned()
    }
}

display_in_current_language!(CellError);

impl std::error::Error for CellError {}

/// Two records with the same id in the same table.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct DuplicateId {
    /// The table.
    pub table: Table,
    /// The id given twice.
    pub id: String,
    /// 0-based position of the first record.
    pub first_index: usize,
    /// 0-based position of the second.
    pub second_index: usize,
}

impl DuplicateId {
    /// Which records clash, in a language of the catalogues.
    pub fn localized(&self, locale: &str) -> String {
        t!(
            "schemas.header.duplicate_id",
            locale = locale,
            first = self.first_index + 1,
            second = self.second_index + 1,
            table = self.table.slug(),
            id = shown(&self.id)
        )
        .into_owned()
    }
}

display_in_current_language!(DuplicateId);

/// Checks that no two records of the same table share an id.
pub fn check_unique_ids(records: &[Record]) -> Result<(), DuplicateId> {
    let mut seen: HashMap<(Table, String), usize> = HashMap::with_capacity(records.len());
    for (index, record) in records.iter().enumerate() {
        let key = (record.table(), record.id());
        if let Some(&first_index) = seen.get(&key) {
            return Err(DuplicateId {
                table: key.0,
                id: key.1,
                first_index,
                second_index: index,
            });
        }
        seen.insert(key, index);
    }
    Ok(())
}

/// A header as compared: without a byte-order mark or any white space, with ASCII parentheses made
/// full-width as the national forms write them.
fn normalize_header(header: &str) -> String {
    header
        .trim_start_matches('\u{feff}')
        .chars()
        .filter(|character| !character.is_whitespace())
        .map(|character| match character {
            '(' => '（',
            ')' => '）',
            other => other,
        })
        .collect()
}

/// The column of a table a normalized header names, if any.
fn match_header(specs: &[ColumnSpec], normalized: &str) -> Option<usize> {
    specs.iter().position(|spec| {
        spec.field.eq_ignore_ascii_case(normalized)
            || spec.header_zh == normalized
            || spec
                .header_zh
                .split_once('（')
                .is_some_and(|(without_unit, _)| without_unit == normalized)
    })
}

/// The headers of a file matched to the columns of one table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HeaderMap {
    table: Table,
    /// The headers as written, for error messages.
    headers: Vec<String>,
    /// For each column of the file, the index of its spec; `None` for a column with a blank header.
    column_specs: Vec<Option<usize>>,
    /// For each spec of the table, the index of its column in the file, if present.
    spec_columns: Vec<Option<usize>>,
}

/// Resolves a header row against one table.
fn resolve_for_table(table: Table, headers: &[&str]) -> Result<HeaderMap, HeaderError> {
    let specs = columns(table);
    let mut column_specs = Vec::with_capacity(headers.len());
    let mut spec_columns: Vec<Option<usize>> = vec![None; specs.len()];
    for (column_index, header) in headers.iter().enumerate() {
        let normalized = normalize_header(header);
        if normalized.is_empty() {
            column_specs.push(None);
            continue;
        }
        let spec_index =
            match_header(specs, &normalized).ok_or_else(|| HeaderError::UnknownColumn {
                column_index,
                header: (*header).to_owned(),
                table,
            })?;
        if let Some(first_index) = spec_columns[spec_index] {
            return Err(HeaderError::DuplicateColumn {
                field: specs[spec_index].field,
                first_index,
                second_index: column_index,
            });
        }
        spec_columns[spec_index] = Some(column_index);
        column_specs.push(Some(spec_index));
    }
    if let Some((spec, _)) = specs
        .iter()
        .zip(&spec_columns)
        .find(|(spec, column)| spec.required && column.is_none())
    {
        return Err(HeaderError::MissingColumn {
            table,
            field: spec.field,
            header_zh: spec.header_zh,
        });
    }
    Ok(HeaderMap {
        table,
        headers: headers.iter().map(|header| (*header).to_owned()).collect(),
        column_specs,
        spec_columns,
    })
}

/// The required fields of a table that no header names.
fn missing_required(table: Table, headers: &[&str]) -> Vec<&'static str> {
    let specs = columns(table);
    let present: Vec<Option<usize>> = headers
        .iter()
        .map(|header| match_header(specs, &normalize_header(header)))
        .collect();
    specs
        .iter()
        .enumerate()
        .filter(|(index, spec)| spec.required && !present.contains(&Some(*index)))
        .map(|(_, spec)| spec.field)
        .collect()
}

/// Matches a header row to a table of the ledger: the table given, or, when `table` is `None`, the
/// one table of the ledger whose required columns are all present.
pub fn resolve_headers(
    ledger: Ledger,
    table: Option<Table>,
    headers: &[&str],
) -> Result<HeaderMap, HeaderError> {
    let table = match table {
        Some(table) if table.ledger() != ledger => {
            return Err(HeaderError::TableNotInLedger { table, ledger });
        }
        Some(table) => table,
        None => {
            let missing: Vec<(Table, Vec<&'static str>)> = tables_of(ledger)
                .iter()
                .map(|table| (*table, missing_required(*table, headers)))
                .collect();
            let fitting: Vec<Table> = missing
                .iter()
                .filter(|(_, fields)| fields.is_empty())
                .map(|(table, _)| *table)
                .collect();
            match fitting.as_slice() {
                [table] => *table,
                [] => return Err(HeaderError::NoTableMatches { ledger, missing }),
                _ => {
                    return Err(HeaderError::AmbiguousTable {
                        ledger,
                        tables: fitting,
                    });
                }
            }
        }
    };
    resolve_for_table(table, headers)
}

impl HeaderMap {
    /// The table the headers were matched to.
    pub fn table(&self) -> Table {
        self.table
    }

    /// The 0-based column of the file that holds a field, if the file has it.
    pub fn column_of(&self, field: &str) -> Option<usize> {
        let spec_index = self.table.spec().index_of(field)?;
        self.spec_columns[spec_index]
    }

    /// Parses one row of cells into a record. Cells are trimmed; the row must have one cell per
    /// header, and cells under blank headers must be empty.
    pub fn parse_row(&self, cells: &[&str]) -> Result<Record, CellError> {
        let columns_count = self.column_specs.len();
        if cells.len() < columns_count {
            let column_index = cells.len();
            return Err(CellError {
                column_index,
                header: self.headers[column_index].clone(),
                field: self.column_specs[column_index]
                    .map_or("", |spec_index| columns(self.table)[spec_index].field),
                rule: t!(
                    "schemas.cell.row_too_short",
                    cells = cells.len(),
                    columns = columns_count
                )
                .into_owned(),
                value: String::new(),
            });
        }
        if cells.len() > columns_count {
            return Err(CellError {
                column_index: columns_count,
                header: String::new(),
                field: "",
                rule: t!(
                    "schemas.cell.row_too_long",
                    cells = cells.len(),
                    columns = columns_count
                )
                .into_owned(),
                value: cells[columns_count].to_owned(),
            });
        }
        for (column_index, spec) in self.column_specs.iter().enumerate() {
            if spec.is_none() && !cells[column_index].trim().is_empty() {
                return Err(CellError {
                    column_index,
                    header: self.headers[column_index].clone(),
                    field: "",
                    rule: t!("schemas.cell.under_blank_header").into_owned(),
                    value: cells[column_index].to_owned(),
                });
            }
        }
        Row { map: self, cells }.record()
    }

    /// Parses one row and checks that it lies in the document's period (an energy record's month, a
    /// dispatch order's start).
    pub fn parse_row_for_period(
        &self,
        cells: &[&str],
        period: Period,
    ) -> Result<Record, CellError> {
        let record = self.parse_row(cells)?;
        let row = Row { map: self, cells };
        record
            .check_period(period)
            .map_err(|error| row.record_error(&error))?;
        Ok(record)
    }
}

/// One row being parsed.
struct Row<'a> {
    map: &'a HeaderMap,
    cells: &'a [&'a str],
}

impl Row<'_> {
    /// An error at the column of a field.
    fn error(&self, field: &'static str, rule: String) -> CellError {
        let spec_index = self
            .map
            .table
            .spec()
            .index_of(field)
            .expect("errors name fields of the row's table");
        match self.map.spec_columns[spec_index] {
            Some(column_index) => CellError {
                column_index,
                header: self.map.headers[column_index].clone(),
                field,
                rule,
                value: self.cells[column_index].to_owned(),
            },
            // An absent column is either required (refused when the headers are resolved) or takes
            // a default that obeys its kind; a rule spanning fields may still name it.
            None => CellError {
                column_index: self.map.column_specs.len(),
                header: String::new(),
                field,
                rule,
                value: String::new(),
            },
        }
    }

    /// An error found by a record's own checks, at the column of its field.
    fn record_error(&self, error: &RecordError) -> CellError {
        self.error(error.field(), error.rule.clone())
    }

    /// The record: each column's trimmed cell parsed by its kind, absent and empty optional cells
    /// taking their default.
    fn record(&self) -> Result<Record, CellError> {
        let specs = columns(self.map.table);
        let mut values = Vec::with_capacity(specs.len());
        for (spec_index, spec) in specs.iter().enumerate() {
            let text = self.map.spec_columns[spec_index]
                .map(|column_index| self.cells[column_index].trim());
            let value = parse_field(spec, text).map_err(|error| self.record_error(&error))?;
            values.push(value);
        }
        Record::new(self.map.table.spec(), values).map_err(|error| self.record_error(&error))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_has_unique_fields_and_headers() {
        for table in Table::ALL {
            let specs = columns(table);
            for (index, spec) in specs.iter().enumerate() {
                for other in &specs[index + 1..] {
                    assert_ne!(spec.field, other.field);
                    assert_ne!(spec.header_zh, other.header_zh);
                }
                assert_eq!(normalize_header(spec.header_zh), spec.header_zh);
            }
            assert!(specs.iter().any(|spec| spec.required));
        }
    }

    #[test]
    fn templates_resolve_to_their_own_table() {
        for table in Table::ALL {
            for chinese in [false, true] {
                let headers = header_row(table, chinese);
                let map = resolve_headers(table.ledger(), None, &headers).unwrap();
                assert_eq!(map.table(), table);
            }
        }
    }

    #[test]
    fn headers_match_with_or_without_units_and_ascii_parentheses() {
        let specs = columns(Table::Buildings);
        let floor = Some(6);
        assert_eq!(
            match_header(specs, &normalize_header("\u{feff} 建筑面积（平方米） ")),
            floor
        );
        assert_eq!(
            match_header(specs, &normalize_header("建筑面积 (平方米)")),
            floor
        );
        assert_eq!(match_header(specs, &normalize_header("建筑面积")), floor);
        assert_eq!(
            match_header(specs, &normalize_header("Floor_Area_M2")),
            floor
        );
        assert_eq!(match_header(specs, &normalize_header("面积")), None);
    }

    #[test]
    fn booleans_accept_the_usual_words() {
        use crate::records::{FieldKind, Value};
        for text in ["true", "YES", "是", "1"] {
            assert_eq!(FieldKind::Boolean.parse(text), Ok(Value::Boolean(true)));
        }
        for text in ["False", "no", "否", "0"] {
            assert_eq!(FieldKind::Boolean.parse(text), Ok(Value::Boolean(false)));
        }
        assert!(FieldKind::Boolean.parse("对").is_err());
    }
}
