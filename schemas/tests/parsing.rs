//! Import parsing: every rule failure yields the right error, at the right column and field.
//!
//! Row cases start from a valid row of a table and replace one cell; header cases give a header row.

use schemas::{
    CellError, HeaderError, Ledger, Period, Record, Table, check_unique_ids, header_row,
    resolve_headers,
};

/// A valid row of each table, in template column order.
fn valid_row(table: Table) -> Vec<&'static str> {
    match table {
        Table::Buildings => vec![
            "B-001",
            "综合办公楼",
            "11640104MB00000032",
            "640104000000",
            "解放东街1号",
            "2005",
            "自有自用",
            "5000",
            "2000",
            "800",
            "300",
            "400",
        ],
        Table::Vehicles => vec![
            "宁A12345",
            "LSVAN4187C2123456",
            "11640104MB00000032",
            "执法执勤",
            "燃油",
            "是",
            "1.598",
            "119800",
            "2018-06-15",
            "在用",
        ],
        Table::DispatchOrders => vec![
            "PC-1",
            "宁A12345",
            "2025-03-01 08:30",
            "2025-03-01 11:45",
            "执法检查",
            "12.5",
        ],
        Table::EnergyConsumption => vec!["12640104MB0000001Q", "2025-01", "电力", "1000", "650"],
    }
}

/// One cell replaced in a valid row, and the error expected.
struct RowCase {
    what: &'static str,
    table: Table,
    column_index: usize,
    value: &'static str,
    field: &'static str,
    rule_contains: &'static str,
}

const ROW_CASES: &[RowCase] = &[
    RowCase {
        what: "bad credit code check character",
        table: Table::EnergyConsumption,
        column_index: 0,
        value: "12640104MB0000001A",
        field: "institution_credit_code",
        rule_contains: "check character should be 'Q'",
    },
    RowCase {
        what: "credit code of the wrong length",
        table: Table::EnergyConsumption,
        column_index: 0,
        value: "12640104MB",
        field: "institution_credit_code",
        rule_contains: "18-character",
    },
    RowCase {
        what: "negative quantity",
        table: Table::EnergyConsumption,
        column_index: 3,
        value: "-3",
        field: "quantity",
        rule_contains: "must be a non-negative decimal number",
    },
    RowCase {
        what: "text in a number cell",
        table: Table::EnergyConsumption,
        column_index: 3,
        value: "一千",
        field: "quantity",
        rule_contains: "non-negative decimal number written with digits",
    },
    RowCase {
        what: "thousands separator",
        table: Table::EnergyConsumption,
        column_index: 4,
        value: "1,650",
        field: "cost_yuan",
        rule_contains: "no thousands separators",
    },
    RowCase {
        what: "too many decimals",
        table: Table::EnergyConsumption,
        column_index: 4,
        value: "1.23456",
        field: "cost_yuan",
        rule_contains: "at most 4 digits after",
    },
    RowCase {
        what: "empty required cell",
        table: Table::EnergyConsumption,
        column_index: 3,
        value: "  ",
        field: "quantity",
        rule_contains: "must not be empty",
    },
    RowCase {
        what: "unknown carrier",
        table: Table::EnergyConsumption,
        column_index: 2,
        value: "蒸汽",
        field: "carrier",
        rule_contains: "电力 (electricity)",
    },
    RowCase {
        what: "month that is not a month",
        table: Table::EnergyConsumption,
        column_index: 1,
        value: "2025-13",
        field: "month",
        rule_contains: "YYYY-MM",
    },
    RowCase {
        what: "plate that is not a plate",
        table: Table::Vehicles,
        column_index: 0,
        value: "A12345",
        field: "plate",
        rule_contains: "number plate",
    },
    RowCase {
        what: "plate with a letter O",
        table: Table::DispatchOrders,
        column_index: 1,
        value: "宁A1234O",
        field: "plate",
        rule_contains: "other than I and O",
    },
    RowCase {
        what: "VIN with a Q",
        table: Table::Vehicles,
        column_index: 1,
        value: "LSVAN4187C212345Q",
        field: "vin",
        rule_contains: "I, O and Q",
    },
    RowCase {
        what: "unknown vehicle category",
        table: Table::Vehicles,
        column_index: 3,
        value: "领导专车",
        field: "category",
        rule_contains: "机要通信",
    },
    RowCase {
        what: "boolean that is not yes or no",
        table: Table::Vehicles,
        column_index: 5,
        value: "对",
        field: "domestic_brand",
        rule_contains: "是 or 否",
    },
    RowCase {
        what: "no such day",
        table: Table::Vehicles,
        column_index: 8,
        value: "2023-02-29",
        field: "acquisition_date",
        rule_contains: "real calendar day",
    },
    RowCase {
        what: "battery electric with a displacement",
        table: Table::Vehicles,
        column_index: 4,
        value: "纯电动",
        field: "displacement_l",
        rule_contains: "must be 0 for a battery electric",
    },
    RowCase {
        what: "end before start",
        table: Table::DispatchOrders,
        column_index: 3,
        value: "2025-03-01 08:00",
        field: "end",
        rule_contains: "must not be before the start",
    },
    RowCase {
        what: "time without a leading zero",
        table: Table::DispatchOrders,
        column_index: 2,
        value: "2025-03-01 8:30",
        field: "start",
        rule_contains: "YYYY-MM-DD HH:MM",
    },
    RowCase {
        what: "usable area above floor area",
        table: Table::Buildings,
        column_index: 7,
        value: "3000",
        field: "floor_area_m2",
        rule_contains: "at least the usable area",
    },
    RowCase {
        what: "build year out of range",
        table: Table::Buildings,
        column_index: 5,
        value: "1700",
        field: "build_year",
        rule_contains: "1800 to 2100",
    },
    RowCase {
        what: "unknown ownership",
        table: Table::Buildings,
        column_index: 6,
        value: "公有",
        field: "ownership",
        rule_contains: "自有自用",
    },
    RowCase {
        what: "division code that is not one",
        table: Table::Buildings,
        column_index: 3,
        value: "640104",
        field: "division_code",
        rule_contains: "12-digit",
    },
    RowCase {
        what: "name that is too long",
        table: Table::Buildings,
        column_index: 1,
        value: "楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼",
        field: "name",
        rule_contains: "at most 200 characters",
    },
];

fn map_for(table: Table, chinese: bool) -> schemas::HeaderMap {
    resolve_headers(table.ledger(), Some(table), &header_row(table, chinese)).unwrap()
}

#[test]
fn valid_rows_parse_in_both_header_languages() {
    for table in Table::ALL {
        for chinese in [false, true] {
            let record = map_for(table, chinese)
                .parse_row(&valid_row(table))
                .unwrap();
            assert_eq!(record.table(), table);
        }
    }
}

#[test]
fn each_broken_rule_is_reported_at_its_column() {
    for case in ROW_CASES {
        let mut row = valid_row(case.table);
        row[case.column_index] = case.value;
        let map = map_for(case.table, true);
        let error = map.parse_row(&row).expect_err(case.what);
        let expected_column = map_column(case.table, case.field);
        assert_eq!(error.field, case.field, "{}: {error}", case.what);
        assert_eq!(
            error.column_index, expected_column,
            "{}: {error}",
            case.what
        );
        assert!(
            error.rule.contains(case.rule_contains),
            "{}: {error}",
            case.what
        );
        assert_eq!(
            error.header,
            header_row(case.table, true)[expected_column],
            "{}",
            case.what
        );
    }
}

/// The column of a field in the template order.
fn map_column(table: Table, field: &str) -> usize {
    header_row(table, false)
        .iter()
        .position(|header| *header == field)
        .unwrap()
}

#[test]
fn the_message_names_column_field_rule_and_value() {
    let mut row = valid_row(Table::EnergyConsumption);
    row[3] = "-3";
    let error = map_for(Table::EnergyConsumption, false)
        .parse_row(&row)
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        r#"column 4 (quantity): must be a non-negative decimal number, found "-3""#
    );
    let error = map_for(Table::EnergyConsumption, true)
        .parse_row(&row)
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        r#"column 4 (消费量, quantity): must be a non-negative decimal number, found "-3""#
    );
}

#[test]
fn a_month_outside_the_document_period_is_refused() {
    let map = map_for(Table::EnergyConsumption, true);
    let row = valid_row(Table::EnergyConsumption);
    assert!(
        map.parse_row_for_period(&row, Period::parse("2025-Q1").unwrap())
            .is_ok()
    );
    let error = map
        .parse_row_for_period(&row, Period::parse("2025-Q2").unwrap())
        .unwrap_err();
    assert_eq!((error.column_index, error.field), (1, "month"));
    assert!(error.rule.contains("2025-Q2"), "{error}");

    let orders = map_for(Table::DispatchOrders, true);
    let error = orders
        .parse_row_for_period(
            &valid_row(Table::DispatchOrders),
            Period::parse("2024").unwrap(),
        )
        .unwrap_err();
    assert_eq!((error.column_index, error.field), (2, "start"));
}

#[test]
fn rows_of_the_wrong_length_are_refused() {
    let map = map_for(Table::EnergyConsumption, false);
    let row = valid_row(Table::EnergyConsumption);
    let error: CellError = map.parse_row(&row[..3]).unwrap_err();
    assert_eq!((error.column_index, error.field), (3, "quantity"));
    assert!(error.rule.contains("has 3 cells"), "{error}");
    let mut long = row.clone();
    long.push("extra");
    let error = map.parse_row(&long).unwrap_err();
    assert_eq!(error.column_index, 5);
    assert_eq!(error.value, "extra");
}

#[test]
fn blank_headers_are_ignored_but_their_cells_must_be_empty() {
    let mut headers = header_row(Table::EnergyConsumption, true);
    headers.push("");
    let map = resolve_headers(Ledger::Energy, None, &headers).unwrap();
    let mut row = valid_row(Table::EnergyConsumption);
    row.push(" ");
    assert!(map.parse_row(&row).is_ok());
    row[5] = "note";
    let error = map.parse_row(&row).unwrap_err();
    assert_eq!((error.column_index, error.field), (5, ""));
}

#[test]
fn optional_columns_take_their_defaults() {
    let headers: Vec<&str> = header_row(Table::Buildings, true)
        .into_iter()
        .filter(|header| !header.starts_with("附属") && *header != "地址")
        .collect();
    let map = resolve_headers(Ledger::OfficeSpace, None, &headers).unwrap();
    let row: Vec<&str> = valid_row(Table::Buildings)
        .into_iter()
        .enumerate()
        .filter(|(index, _)| *index != 4 && *index != 11)
        .map(|(_, cell)| cell)
        .collect();
    let Record::Building(building) = map.parse_row(&row).unwrap() else {
        panic!("a building row gives a building");
    };
    assert!(building.ancillary_floor_m2.is_zero());
    assert!(building.address.is_empty());
}

/// A header row and the error expected.
struct HeaderCase {
    what: &'static str,
    ledger: Ledger,
    table: Option<Table>,
    headers: &'static [&'static str],
    expect: fn(&HeaderError) -> bool,
}

const HEADER_CASES: &[HeaderCase] = &[
    HeaderCase {
        what: "unknown column",
        ledger: Ledger::Energy,
        table: Some(Table::EnergyConsumption),
        headers: &[
            "统一社会信用代码",
            "统计月份",
            "能源品种",
            "消费量",
            "金额（元）",
            "备注",
        ],
        expect: |error| matches!(error, HeaderError::UnknownColumn { column_index: 5, header, table: Table::EnergyConsumption } if header == "备注"),
    },
    HeaderCase {
        what: "missing required column",
        ledger: Ledger::Energy,
        table: Some(Table::EnergyConsumption),
        headers: &["统一社会信用代码", "统计月份", "能源品种", "金额"],
        expect: |error| {
            matches!(
                error,
                HeaderError::MissingColumn {
                    field: "quantity",
                    header_zh: "消费量",
                    ..
                }
            )
        },
    },
    HeaderCase {
        what: "duplicate column in two languages",
        ledger: Ledger::Energy,
        table: None,
        headers: &[
            "统一社会信用代码",
            "统计月份",
            "能源品种",
            "消费量",
            "金额（元）",
            "quantity",
        ],
        expect: |error| {
            matches!(
                error,
                HeaderError::DuplicateColumn {
                    field: "quantity",
                    first_index: 3,
                    second_index: 5
                }
            )
        },
    },
    HeaderCase {
        what: "no table of the ledger matches",
        ledger: Ledger::Vehicles,
        table: None,
        headers: &["号牌号码", "用车事由"],
        expect: |error| match error {
            HeaderError::NoTableMatches {
                ledger: Ledger::Vehicles,
                missing,
            } => {
                missing.len() == 2
                    && missing[0].0 == Table::Vehicles
                    && missing[0].1.contains(&"vin")
                    && missing[1].0 == Table::DispatchOrders
                    && missing[1].1 == ["order_id", "start", "end", "distance_km"]
            }
            _ => false,
        },
    },
    HeaderCase {
        what: "table not in ledger",
        ledger: Ledger::Energy,
        table: Some(Table::Buildings),
        headers: &["building_id"],
        expect: |error| {
            matches!(
                error,
                HeaderError::TableNotInLedger {
                    table: Table::Buildings,
                    ledger: Ledger::Energy
                }
            )
        },
    },
];

#[test]
fn each_header_problem_is_reported() {
    for case in HEADER_CASES {
        let error = resolve_headers(case.ledger, case.table, case.headers).expect_err(case.what);
        assert!((case.expect)(&error), "{}: got {error:?}", case.what);
        assert!(!error.to_string().is_empty());
    }
}

#[test]
fn headers_in_either_language_with_or_without_units_resolve() {
    let headers = [
        "\u{feff}统一社会信用代码",
        "month",
        "能源品种 ",
        "消费量",
        "金额",
    ];
    let map = resolve_headers(Ledger::Energy, None, &headers).unwrap();
    assert_eq!(map.table(), Table::EnergyConsumption);
    let headers = [
        "派车单号",
        "号牌号码",
        "出车时间",
        "收车时间",
        "用车事由",
        "行驶里程(公里)",
    ];
    assert_eq!(
        resolve_headers(Ledger::Vehicles, None, &headers)
            .unwrap()
            .table(),
        Table::DispatchOrders
    );
}

#[test]
fn duplicate_ids_name_both_positions() {
    let map = map_for(Table::EnergyConsumption, true);
    let row = valid_row(Table::EnergyConsumption);
    let mut other = row.clone();
    other[4] = "700";
    let records = vec![
        map.parse_row(&row).unwrap(),
        map_for(Table::EnergyConsumption, true)
            .parse_row(&{
                let mut water = row.clone();
                water[2] = "水";
                water
            })
            .unwrap(),
        map.parse_row(&other).unwrap(),
    ];
    let duplicate = check_unique_ids(&records).unwrap_err();
    assert_eq!((duplicate.first_index, duplicate.second_index), (0, 2));
    assert_eq!(duplicate.id, "12640104MB0000001Q/electricity/2025-01");
    assert!(check_unique_ids(&records[..2]).is_ok());
}
