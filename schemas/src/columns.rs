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
use std::fmt;

use topology::DivisionCode;

use crate::Decimal;
use crate::ledger::Ledger;
use crate::period::{Month, Period};
use crate::records::{
    BUILD_YEAR_MAX, BUILD_YEAR_MIN, Building, Carrier, CreditCode, Date, DateTime, DispatchOrder,
    EnergyConsumption, FuelType, Ownership, Plate, Record, RecordError, Vehicle, VehicleCategory,
    VehicleStatus, Vin, parse_amount,
};
use crate::table::{Table, tables_of};

/// One column of an import table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ColumnSpec {
    /// The English field name, unit-suffixed, as in the record type and the document.
    pub field: &'static str,
    /// The Chinese header of the national forms, with its unit in full-width parentheses.
    pub header_zh: &'static str,
    /// Whether the column must be present; an absent optional column takes its default (an empty
    /// text, or zero).
    pub required: bool,
    /// What the cell must hold, for templates and error messages.
    pub rule: &'static str,
}

/// The rule text of every amount column.
const AMOUNT_RULE: &str = "a non-negative decimal number written plainly, such as 1200 or 35.5 (no thousands separators, exponent or unit), at most 12 digits before and 4 after the point";

/// The columns of the buildings table, in template order.
const BUILDING_COLUMNS: [ColumnSpec; 12] = [
    ColumnSpec {
        field: "building_id",
        header_zh: "建筑编号",
        required: true,
        rule: "the body's identifier of the building, 1 to 64 characters, unique in the table",
    },
    ColumnSpec {
        field: "name",
        header_zh: "建筑名称",
        required: true,
        rule: "the building's name, 1 to 200 characters",
    },
    ColumnSpec {
        field: "institution_credit_code",
        header_zh: "使用单位统一社会信用代码",
        required: true,
        rule: "the user's 18-character unified social credit code, with a valid check character",
    },
    ColumnSpec {
        field: "division_code",
        header_zh: "所在地行政区划代码",
        required: true,
        rule: "the 12-digit administrative division code of where the building stands",
    },
    ColumnSpec {
        field: "address",
        header_zh: "地址",
        required: false,
        rule: "the street address, at most 500 characters; may be empty",
    },
    ColumnSpec {
        field: "build_year",
        header_zh: "建成年份",
        required: true,
        rule: "the four-digit year the building was completed, 1800 to 2100",
    },
    ColumnSpec {
        field: "ownership",
        header_zh: "权属",
        required: true,
        rule: "one of 自有自用, 自有出租出借, 租用, 借用 (or owned_in_use, owned_lent_out, rented, borrowed)",
    },
    ColumnSpec {
        field: "floor_area_m2",
        header_zh: "建筑面积（平方米）",
        required: true,
        rule: "the floor area in m2, a non-negative decimal number; at least the office, service and equipment usable areas together",
    },
    ColumnSpec {
        field: "office_usable_m2",
        header_zh: "办公室用房使用面积（平方米）",
        required: true,
        rule: AMOUNT_RULE,
    },
    ColumnSpec {
        field: "service_usable_m2",
        header_zh: "服务用房使用面积（平方米）",
        required: true,
        rule: AMOUNT_RULE,
    },
    ColumnSpec {
        field: "equipment_usable_m2",
        header_zh: "设备用房使用面积（平方米）",
        required: true,
        rule: AMOUNT_RULE,
    },
    ColumnSpec {
        field: "ancillary_floor_m2",
        header_zh: "附属用房建筑面积（平方米）",
        required: false,
        rule: "the ancillary floor area in m2, a non-negative decimal number; 0 when absent",
    },
];

/// The columns of the vehicles table, in template order.
const VEHICLE_COLUMNS: [ColumnSpec; 10] = [
    ColumnSpec {
        field: "plate",
        header_zh: "号牌号码",
        required: true,
        rule: "a number plate such as 宁A12345, or 宁AD12345 for a new-energy vehicle",
    },
    ColumnSpec {
        field: "vin",
        header_zh: "车辆识别代号",
        required: true,
        rule: "the 17-character vehicle identification number: digits and capital letters except I, O and Q",
    },
    ColumnSpec {
        field: "institution_credit_code",
        header_zh: "使用单位统一社会信用代码",
        required: true,
        rule: "the user's 18-character unified social credit code, with a valid check character",
    },
    ColumnSpec {
        field: "category",
        header_zh: "车辆类别",
        required: true,
        rule: "one of 机要通信, 应急保障, 执法执勤, 特种专业技术, 其他",
    },
    ColumnSpec {
        field: "fuel_type",
        header_zh: "能源类型",
        required: true,
        rule: "one of 燃油, 纯电动, 插电式混合动力 (or ice, bev, phev)",
    },
    ColumnSpec {
        field: "domestic_brand",
        header_zh: "是否自主品牌",
        required: true,
        rule: "是 or 否 (also yes/no, true/false, 1/0)",
    },
    ColumnSpec {
        field: "displacement_l",
        header_zh: "排气量（升）",
        required: true,
        rule: "the engine displacement in litres, a non-negative decimal number; 0 for a battery electric vehicle",
    },
    ColumnSpec {
        field: "price_yuan",
        header_zh: "购置价格（元）",
        required: true,
        rule: "the purchase price in yuan excluding tax, a non-negative decimal number",
    },
    ColumnSpec {
        field: "acquisition_date",
        header_zh: "购置日期",
        required: true,
        rule: "the acquisition date written YYYY-MM-DD",
    },
    ColumnSpec {
        field: "status",
        header_zh: "使用状态",
        required: true,
        rule: "one of 在用, 闲置, 已处置 (or in_service, idle, disposed)",
    },
];

/// The columns of the dispatch orders table, in template order.
const DISPATCH_ORDER_COLUMNS: [ColumnSpec; 6] = [
    ColumnSpec {
        field: "order_id",
        header_zh: "派车单号",
        required: true,
        rule: "the dispatch order number, 1 to 64 characters, unique in the table",
    },
    ColumnSpec {
        field: "plate",
        header_zh: "号牌号码",
        required: true,
        rule: "a number plate such as 宁A12345, or 宁AD12345 for a new-energy vehicle",
    },
    ColumnSpec {
        field: "start",
        header_zh: "出车时间",
        required: true,
        rule: "when the vehicle left, written YYYY-MM-DD HH:MM, within the period",
    },
    ColumnSpec {
        field: "end",
        header_zh: "收车时间",
        required: true,
        rule: "when the vehicle came back, written YYYY-MM-DD HH:MM, not before the start",
    },
    ColumnSpec {
        field: "purpose",
        header_zh: "用车事由",
        required: true,
        rule: "the purpose of the trip, 1 to 500 characters",
    },
    ColumnSpec {
        field: "distance_km",
        header_zh: "行驶里程（公里）",
        required: true,
        rule: "the distance driven in km, a non-negative decimal number",
    },
];

/// The columns of the energy consumption table, in template order.
const ENERGY_CONSUMPTION_COLUMNS: [ColumnSpec; 5] = [
    ColumnSpec {
        field: "institution_credit_code",
        header_zh: "统一社会信用代码",
        required: true,
        rule: "the institution's 18-character unified social credit code, with a valid check character",
    },
    ColumnSpec {
        field: "month",
        header_zh: "统计月份",
        required: true,
        rule: "the month written YYYY-MM, within the period",
    },
    ColumnSpec {
        field: "carrier",
        header_zh: "能源品种",
        required: true,
        rule: "one of 电力, 水, 天然气, 煤炭, 汽油, 柴油, 液化石油气, 热力, 光伏发电, 其他",
    },
    ColumnSpec {
        field: "quantity",
        header_zh: "消费量",
        required: true,
        rule: "a non-negative decimal number in the carrier's unit: kWh for 电力 and 光伏发电, m3 for 水 and 天然气, t for 煤炭, L for 汽油 and 柴油, kg for 液化石油气, GJ for 热力, tce for 其他",
    },
    ColumnSpec {
        field: "cost_yuan",
        header_zh: "金额（元）",
        required: true,
        rule: "the cost in yuan, a non-negative decimal number",
    },
];

/// The columns of a table, in template order.
pub fn columns(table: Table) -> &'static [ColumnSpec] {
    match table {
        Table::Buildings => &BUILDING_COLUMNS,
        Table::Vehicles => &VEHICLE_COLUMNS,
        Table::DispatchOrders => &DISPATCH_ORDER_COLUMNS,
        Table::EnergyConsumption => &ENERGY_CONSUMPTION_COLUMNS,
    }
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
    #[error("column {} header {header:?} is not a column of table {table} ({})", .column_index + 1, .table.name_zh())]
    UnknownColumn {
        /// 0-based index of the column.
        column_index: usize,
        /// The header as written.
        header: String,
        /// The table matched against.
        table: Table,
    },
    /// A required column is absent.
    #[error("table {table} needs column {field} ({header_zh})")]
    MissingColumn {
        /// The table matched against.
        table: Table,
        /// The field of the missing column.
        field: &'static str,
        /// Its Chinese header.
        header_zh: &'static str,
    },
    /// Two headers name the same column.
    #[error("columns {} and {} both give {field}", .first_index + 1, .second_index + 1)]
    DuplicateColumn {
        /// The field named twice.
        field: &'static str,
        /// 0-based index of the first column naming it.
        first_index: usize,
        /// 0-based index of the second.
        second_index: usize,
    },
    /// No table of the ledger has all its required columns among the headers.
    #[error("the headers fit no table of ledger {ledger}: {}", describe_missing(.missing))]
    NoTableMatches {
        /// The ledger.
        ledger: Ledger,
        /// For each table of the ledger, the required fields that are missing.
        missing: Vec<(Table, Vec<&'static str>)>,
    },
    /// Several tables of the ledger have all their required columns among the headers.
    #[error("the headers fit several tables of ledger {ledger} ({}); name the table", describe_tables(.tables))]
    AmbiguousTable {
        /// The ledger.
        ledger: Ledger,
        /// The tables that fit.
        tables: Vec<Table>,
    },
    /// The table named is not a table of the ledger.
    #[error("table {table} is not in ledger {ledger}")]
    TableNotInLedger {
        /// The table named.
        table: Table,
        /// The ledger.
        ledger: Ledger,
    },
}

/// Lists the missing columns of each candidate table for a message.
fn describe_missing(missing: &[(Table, Vec<&'static str>)]) -> String {
    missing
        .iter()
        .map(|(table, fields)| format!("{table} lacks {}", fields.join(", ")))
        .collect::<Vec<_>>()
        .join("; ")
}

/// Lists tables for a message.
fn describe_tables(tables: &[Table]) -> String {
    tables
        .iter()
        .map(|table| table.slug())
        .collect::<Vec<_>>()
        .join(", ")
}

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

impl fmt::Display for CellError {
    /// Reads like `column 4 (quantity): must be a non-negative decimal number, found "-3"`, with the
    /// 1-based column number a spreadsheet user sees.
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "column {}", self.column_index + 1)?;
        match (self.header.is_empty(), self.field.is_empty()) {
            (false, false) if self.header != self.field => {
                write!(formatter, " ({}, {})", self.header, self.field)?
            }
            (false, _) => write!(formatter, " ({})", self.header)?,
            (true, false) => write!(formatter, " ({})", self.field)?,
            (true, true) => {}
        }
        write!(formatter, ": {}, found {:?}", self.rule, self.value)
    }
}

impl std::error::Error for CellError {}

/// Two records with the same id in the same table.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("records {} and {} of table {table} both have id {id:?}", .first_index + 1, .second_index + 1)]
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
                rule: format!(
                    "is missing: the row has {} cells but the header row has {columns_count}",
                    cells.len()
                ),
                value: String::new(),
            });
        }
        if cells.len() > columns_count {
            return Err(CellError {
                column_index: columns_count,
                header: String::new(),
                field: "",
                rule: format!(
                    "is beyond the last column: the row has {} cells but the header row has \
                     {columns_count}",
                    cells.len()
                ),
                value: cells[columns_count].to_owned(),
            });
        }
        for (column_index, spec) in self.column_specs.iter().enumerate() {
            if spec.is_none() && !cells[column_index].trim().is_empty() {
                return Err(CellError {
                    column_index,
                    header: self.headers[column_index].clone(),
                    field: "",
                    rule: "must be empty, as the column has no header".to_owned(),
                    value: cells[column_index].to_owned(),
                });
            }
        }
        let row = Row { map: self, cells };
        let record = match self.table {
            Table::Buildings => Record::Building(row.building()?),
            Table::Vehicles => Record::Vehicle(row.vehicle()?),
            Table::DispatchOrders => Record::DispatchOrder(row.dispatch_order()?),
            Table::EnergyConsumption => Record::EnergyConsumption(row.energy_consumption()?),
        };
        record
            .validate()
            .map_err(|error| row.record_error(&error))?;
        Ok(record)
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
    /// The spec index of a field of the table. The parsers below name only fields of the table's
    /// column list (the tests parse a row of every table), so a field missing from it is our bug.
    fn spec_index(&self, field: &str) -> usize {
        columns(self.map.table)
            .iter()
            .position(|spec| spec.field == field)
            .expect("the parsers name only fields of their table")
    }

    /// The column index of a field and its trimmed cell, or `None` when the column is absent.
    fn cell(&self, field: &str) -> Option<(usize, &str)> {
        let spec_index = self.spec_index(field);
        self.map.spec_columns[spec_index]
            .map(|column_index| (column_index, self.cells[column_index].trim()))
    }

    /// An error at the column of a field.
    fn error(&self, field: &'static str, rule: String) -> CellError {
        let spec_index = self.spec_index(field);
        match self.map.spec_columns[spec_index] {
            Some(column_index) => CellError {
                column_index,
                header: self.map.headers[column_index].clone(),
                field,
                rule,
                value: self.cells[column_index].to_owned(),
            },
            // An absent optional column takes a default that obeys every rule, so this is not
            // reached; it still gives a readable error rather than a panic.
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
        self.error(error.field(), error.to_string())
    }

    /// Parses the cell of a field, or gives `default` when the column is absent or, for an optional
    /// column, the cell is empty. An empty cell of a required column is refused with the column's
    /// rule.
    fn parse<T, E: fmt::Display>(
        &self,
        field: &'static str,
        default: Option<T>,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Result<T, CellError> {
        let spec = &columns(self.map.table)[self.spec_index(field)];
        let Some((_, text)) = self.cell(field) else {
            return default
                .ok_or_else(|| self.error(field, format!("must be present: {}", spec.rule)));
        };
        if text.is_empty() {
            if let (false, Some(default)) = (spec.required, default) {
                return Ok(default);
            }
            return Err(self.error(field, format!("must not be empty: {}", spec.rule)));
        }
        parse(text).map_err(|error| self.error(field, error.to_string()))
    }

    fn text(&self, field: &'static str) -> Result<String, CellError> {
        self.parse(field, Some(String::new()), |text| {
            Ok::<_, std::convert::Infallible>(text.to_owned())
        })
    }

    fn amount(&self, field: &'static str) -> Result<Decimal, CellError> {
        self.parse(field, Some(Decimal::ZERO), parse_amount)
    }

    fn credit_code(&self, field: &'static str) -> Result<CreditCode, CellError> {
        self.parse(field, None, CreditCode::parse)
    }

    fn plate(&self) -> Result<Plate, CellError> {
        self.parse("plate", None, Plate::parse)
    }

    fn date_time(&self, field: &'static str) -> Result<DateTime, CellError> {
        self.parse(field, None, DateTime::parse)
    }

    fn boolean(&self, field: &'static str) -> Result<bool, CellError> {
        self.parse(field, None, parse_boolean)
    }

    fn building(&self) -> Result<Building, CellError> {
        Ok(Building {
            building_id: self.text("building_id")?,
            name: self.text("name")?,
            institution_credit_code: self.credit_code("institution_credit_code")?,
            division_code: self.parse("division_code", None, |text| {
                DivisionCode::parse(text)
                    .map_err(|_| "must be a 12-digit administrative division code")
            })?,
            address: self.text("address")?,
            build_year: self.parse("build_year", None, parse_build_year)?,
            ownership: self.parse("ownership", None, str::parse::<Ownership>)?,
            floor_area_m2: self.amount("floor_area_m2")?,
            office_usable_m2: self.amount("office_usable_m2")?,
            service_usable_m2: self.amount("service_usable_m2")?,
            equipment_usable_m2: self.amount("equipment_usable_m2")?,
            ancillary_floor_m2: self.amount("ancillary_floor_m2")?,
        })
    }

    fn vehicle(&self) -> Result<Vehicle, CellError> {
        Ok(Vehicle {
            plate: self.plate()?,
            vin: self.parse("vin", None, Vin::parse)?,
            institution_credit_code: self.credit_code("institution_credit_code")?,
            category: self.parse("category", None, str::parse::<VehicleCategory>)?,
            fuel_type: self.parse("fuel_type", None, str::parse::<FuelType>)?,
            domestic_brand: self.boolean("domestic_brand")?,
            displacement_l: self.amount("displacement_l")?,
            price_yuan: self.amount("price_yuan")?,
            acquisition_date: self.parse("acquisition_date", None, Date::parse)?,
            status: self.parse("status", None, str::parse::<VehicleStatus>)?,
        })
    }

    fn dispatch_order(&self) -> Result<DispatchOrder, CellError> {
        Ok(DispatchOrder {
            order_id: self.text("order_id")?,
            plate: self.plate()?,
            start: self.date_time("start")?,
            end: self.date_time("end")?,
            purpose: self.text("purpose")?,
            distance_km: self.amount("distance_km")?,
        })
    }

    fn energy_consumption(&self) -> Result<EnergyConsumption, CellError> {
        Ok(EnergyConsumption {
            institution_credit_code: self.credit_code("institution_credit_code")?,
            month: self.parse("month", None, |text| {
                Month::parse(text).map_err(|_| "must be a month written YYYY-MM, such as 2025-03")
            })?,
            carrier: self.parse("carrier", None, str::parse::<Carrier>)?,
            quantity: self.amount("quantity")?,
            cost_yuan: self.amount("cost_yuan")?,
        })
    }
}

/// Parses a yes/no cell: true/false, yes/no, 是/否, 1/0 (letters in any case).
fn parse_boolean(text: &str) -> Result<bool, &'static str> {
    const TRUE: [&str; 4] = ["true", "yes", "是", "1"];
    const FALSE: [&str; 4] = ["false", "no", "否", "0"];
    if TRUE.iter().any(|word| word.eq_ignore_ascii_case(text)) {
        Ok(true)
    } else if FALSE.iter().any(|word| word.eq_ignore_ascii_case(text)) {
        Ok(false)
    } else {
        Err("must be 是 or 否 (also yes/no, true/false, 1/0)")
    }
}

/// Parses a four-digit construction year within the accepted range.
fn parse_build_year(text: &str) -> Result<u16, String> {
    let rule = || format!("must be a four-digit year from {BUILD_YEAR_MIN} to {BUILD_YEAR_MAX}");
    if text.len() != 4 || !text.bytes().all(|byte| byte.is_ascii_digit()) {
        return Err(rule());
    }
    let year: u16 = text.parse().map_err(|_| rule())?;
    if (BUILD_YEAR_MIN..=BUILD_YEAR_MAX).contains(&year) {
        Ok(year)
    } else {
        Err(rule())
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
        let floor = Some(7);
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
        for text in ["true", "YES", "是", "1"] {
            assert_eq!(parse_boolean(text), Ok(true));
        }
        for text in ["False", "no", "否", "0"] {
            assert_eq!(parse_boolean(text), Ok(false));
        }
        assert!(parse_boolean("对").is_err());
    }
}
