//! Import header resolution: blank and absent optional columns, every header problem named, the
//! spellings clerks use for headers, every template resolving to its own table and to no table of
//! another ledger, and duplicate ids found across parsed rows.
//!
//! Header cases give a header row and the error expected; the rows parsed under them are the valid
//! rows of `valid_rows`.

mod valid_rows;

use schemas::{
    HeaderError, Ledger, Table, check_unique_ids, header_row, resolve_headers, tables_of,
};
use valid_rows::{cells, map_for, row_with, spec, valid_row};

#[test]
fn blank_headers_are_ignored_but_their_cells_must_be_empty() {
    // The expected texts are the English catalogue's.
    schemas::Language::English.set_current();
    for table in Table::ALL {
        let mut headers = header_row(table, true);
        headers.insert(1, "  ");
        headers.push("");
        let map = resolve_headers(table.ledger(), None, &headers).unwrap();
        assert_eq!(map.table(), table);
        let mut row = valid_row(table);
        row.insert(1, String::new());
        row.push(" ".to_owned());
        let expected = map_for(table, true)
            .parse_row(&cells(&valid_row(table)))
            .unwrap();
        assert_eq!(map.parse_row(&cells(&row)).unwrap(), expected, "{table}");
        for blank_column in [1, row.len() - 1] {
            let mut filled = row.clone();
            filled[blank_column] = "note".to_owned();
            let error = map.parse_row(&cells(&filled)).unwrap_err();
            assert_eq!(
                (error.column_index, error.field),
                (blank_column, ""),
                "{table}"
            );
            assert_eq!(error.value, "note");
            assert!(error.rule.contains("no header"), "{error}");
        }
    }
}

#[test]
fn optional_columns_take_their_defaults() {
    let mut tables_with_optional_columns = 0;
    for table in Table::ALL {
        let columns = spec(table).columns;
        let required: Vec<usize> = (0..columns.len())
            .filter(|index| columns[*index].required)
            .collect();
        if required.len() == columns.len() {
            continue;
        }
        tables_with_optional_columns += 1;
        let full = valid_row(table);
        for chinese in [false, true] {
            // Absent optional columns.
            let all_headers = header_row(table, chinese);
            let headers: Vec<&str> = required.iter().map(|index| all_headers[*index]).collect();
            let map = resolve_headers(table.ledger(), None, &headers).unwrap();
            assert_eq!(map.table(), table);
            let row: Vec<&str> = required.iter().map(|index| full[*index].as_str()).collect();
            let absent = map.parse_row(&row).unwrap();
            // Present optional columns with empty cells.
            let emptied: Vec<String> = columns
                .iter()
                .zip(&full)
                .map(|(column, cell)| {
                    if column.required {
                        cell.clone()
                    } else {
                        " ".to_owned()
                    }
                })
                .collect();
            let empty = map_for(table, chinese).parse_row(&cells(&emptied)).unwrap();
            assert_eq!(absent, empty, "{table}");
            for column in columns {
                let value = absent.get(column.field);
                match column.default_value() {
                    Some(default) => assert_eq!(*value, default, "{table}.{}", column.field),
                    None => assert!(column.required, "{table}.{} has no default", column.field),
                }
            }
        }
    }
    // Vehicles among them since their body type and acquisition kind (older templates lack them).
    assert_eq!(tables_with_optional_columns, 7);

    let row = valid_row(Table::Buildings);
    let headers: Vec<&str> = header_row(Table::Buildings, true)
        .into_iter()
        .filter(|header| !header.starts_with("占地") && *header != "地址")
        .collect();
    let map = resolve_headers(Ledger::OfficeSpace, None, &headers).unwrap();
    let cells: Vec<&str> = row
        .iter()
        .enumerate()
        .filter(|(index, _)| *index != 4 && *index != 5)
        .map(|(_, cell)| cell.as_str())
        .collect();
    let building = map.parse_row(&cells).unwrap();
    assert!(building.amount("land_area_m2").is_zero());
    assert!(building.text("address").is_empty());
    assert_eq!(building.text("use_right_certificate"), row[10]);
}

/// A header row and the error expected.
struct HeaderCase {
    what: &'static str,
    ledger: Ledger,
    table: Option<Table>,
    headers: &'static [&'static str],
    expect: fn(&HeaderError) -> bool,
    message_contains: &'static str,
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
        message_contains: "column 6 header \"备注\"",
    },
    HeaderCase {
        what: "unknown column when the table is inferred",
        ledger: Ledger::Energy,
        table: None,
        headers: &[
            "统一社会信用代码",
            "统计月份",
            "垃圾类别",
            "收集量（千克）",
            "回收率",
        ],
        expect: |error| matches!(error, HeaderError::UnknownColumn { column_index: 4, header, table: Table::WasteSorting } if header == "回收率"),
        message_contains: "垃圾分类",
    },
    HeaderCase {
        what: "a column of another table of the ledger",
        ledger: Ledger::Energy,
        table: Some(Table::EnergyConsumption),
        headers: &[
            "统一社会信用代码",
            "统计月份",
            "能源品种",
            "消费量",
            "金额（元）",
            "垃圾类别",
        ],
        expect: |error| matches!(error, HeaderError::UnknownColumn { column_index: 5, header, .. } if header == "垃圾类别"),
        message_contains: "energy_consumption",
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
                    table: Table::EnergyConsumption,
                    field: "quantity",
                    header_zh: "消费量",
                }
            )
        },
        message_contains: "quantity (消费量)",
    },
    HeaderCase {
        what: "missing required count column",
        ledger: Ledger::OfficeSpace,
        table: Some(Table::OfficeRooms),
        headers: &["建筑编号", "房间号", "使用人职级", "使用面积"],
        expect: |error| {
            matches!(
                error,
                HeaderError::MissingColumn {
                    table: Table::OfficeRooms,
                    field: "occupants",
                    ..
                }
            )
        },
        message_contains: "occupants (使用人数)",
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
        message_contains: "columns 4 and 6 both give quantity",
    },
    HeaderCase {
        what: "duplicate column with and without its unit",
        ledger: Ledger::Vehicles,
        table: Some(Table::VehicleQuotas),
        headers: &[
            "使用单位统一社会信用代码",
            "车辆类别",
            "编制数量（辆）",
            "编制数量",
        ],
        expect: |error| {
            matches!(
                error,
                HeaderError::DuplicateColumn {
                    field: "quota",
                    first_index: 2,
                    second_index: 3
                }
            )
        },
        message_contains: "quota",
    },
    HeaderCase {
        what: "no table of the ledger fits",
        ledger: Ledger::Vehicles,
        table: None,
        headers: &["号牌号码", "用车事由"],
        expect: |error| match error {
            HeaderError::NoTableMatches {
                ledger: Ledger::Vehicles,
                missing,
            } => {
                let tables: Vec<Table> = missing.iter().map(|(table, _)| *table).collect();
                tables == tables_of(Ledger::Vehicles)
                    && missing[0].1.contains(&"vin")
                    && missing[1].1 == ["institution_credit_code", "category", "quota"]
                    && missing[2].1 == ["order_id", "start", "end", "distance_km"]
                    && missing[3].1 == ["month", "distance_km", "odometer_km"]
                    && missing[4].1 == ["method", "date"]
            }
            _ => false,
        },
        message_contains: "dispatch_orders lacks order_id, start, end, distance_km",
    },
    HeaderCase {
        what: "headers that fit several tables",
        ledger: Ledger::Vehicles,
        table: None,
        headers: &[
            "号牌号码",
            "月份",
            "行驶里程",
            "月末里程表读数",
            "处置方式",
            "处置日期",
        ],
        expect: |error| {
            matches!(
                error,
                HeaderError::AmbiguousTable { ledger: Ledger::Vehicles, tables }
                    if tables == &[Table::VehicleCosts, Table::VehicleDisposals]
            )
        },
        message_contains: "vehicle_costs, vehicle_disposals",
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
        message_contains: "table buildings is not in ledger energy",
    },
];

#[test]
fn each_header_problem_is_reported() {
    for case in HEADER_CASES {
        let error = resolve_headers(case.ledger, case.table, case.headers).expect_err(case.what);
        assert!((case.expect)(&error), "{}: got {error:?}", case.what);
        assert!(
            error.localized("en").contains(case.message_contains),
            "{}: {error}",
            case.what
        );
        let chinese = error.localized("zh-CN");
        assert!(
            !chinese.contains("schemas.")
                && !chinese.contains("%{")
                && chinese != error.localized("en"),
            "{}: the Chinese text is missing from the catalogue: {chinese}",
            case.what
        );
    }
}

/// The Chinese headers of a table written as clerks write them: without the unit, with ASCII
/// parentheses and spaces, or with a byte-order mark and surrounding spaces.
fn header_variants(table: Table) -> Vec<Vec<String>> {
    let chinese = header_row(table, true);
    let without_units = chinese
        .iter()
        .map(|header| {
            header
                .split_once('（')
                .map_or(*header, |(name, _)| name)
                .to_owned()
        })
        .collect();
    let ascii_parentheses = chinese
        .iter()
        .map(|header| header.replace('（', " (").replace('）', ")"))
        .collect();
    let padded = chinese
        .iter()
        .enumerate()
        .map(|(index, header)| {
            if index == 0 {
                format!("\u{feff}{header}")
            } else {
                format!(" {header} ")
            }
        })
        .collect();
    let english_upper_case = header_row(table, false)
        .iter()
        .map(|field| field.to_ascii_uppercase())
        .collect();
    let mixed = header_row(table, false)
        .iter()
        .zip(&chinese)
        .enumerate()
        .map(|(index, (field, header))| if index % 2 == 0 { *field } else { *header }.to_owned())
        .collect();
    vec![
        without_units,
        ascii_parentheses,
        padded,
        english_upper_case,
        mixed,
    ]
}

#[test]
fn headers_with_or_without_units_and_ascii_parentheses_resolve() {
    for table in Table::ALL {
        let expected = map_for(table, true)
            .parse_row(&cells(&valid_row(table)))
            .unwrap();
        for headers in header_variants(table) {
            let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
            for named in [None, Some(table)] {
                let map = resolve_headers(table.ledger(), named, &headers)
                    .unwrap_or_else(|error| panic!("{table} {headers:?}: {error}"));
                assert_eq!(map.table(), table, "{headers:?}");
                assert_eq!(
                    map.parse_row(&cells(&valid_row(table))).unwrap(),
                    expected,
                    "{headers:?}"
                );
            }
        }
    }
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
    // A wrong unit is not the column's header.
    let error = resolve_headers(
        Ledger::OfficeSpace,
        Some(Table::RentalIncome),
        &["建筑编号", "月份", "出租面积（亩）", "租金收入"],
    )
    .unwrap_err();
    assert!(
        matches!(
            &error,
            HeaderError::UnknownColumn {
                column_index: 2,
                ..
            }
        ),
        "{error:?}"
    );
}

#[test]
fn every_template_resolves_to_its_own_table_and_to_no_table_of_another_ledger() {
    for ledger in Ledger::ALL {
        for table in tables_of(ledger) {
            for chinese in [false, true] {
                let headers = header_row(*table, chinese);
                let map = resolve_headers(ledger, None, &headers)
                    .unwrap_or_else(|error| panic!("{table} chinese={chinese}: {error}"));
                assert_eq!(map.table(), *table, "chinese={chinese}");
                for other in Ledger::ALL.into_iter().filter(|other| *other != ledger) {
                    match resolve_headers(other, None, &headers) {
                        Err(HeaderError::NoTableMatches { ledger, missing }) => {
                            assert_eq!(ledger, other);
                            assert_eq!(missing.len(), tables_of(other).len());
                        }
                        unexpected => panic!("{table} in ledger {other}: {unexpected:?}"),
                    }
                    assert!(matches!(
                        resolve_headers(other, Some(*table), &headers),
                        Err(HeaderError::TableNotInLedger { .. })
                    ));
                }
            }
        }
    }
}

#[test]
fn duplicate_ids_name_both_positions() {
    let map = map_for(Table::EnergyConsumption, true);
    let row = valid_row(Table::EnergyConsumption);
    let water = row_with(Table::EnergyConsumption, &[("carrier", "水")]);
    let other_cost = row_with(Table::EnergyConsumption, &[("cost_yuan", "700")]);
    let records = vec![
        map.parse_row(&cells(&row)).unwrap(),
        map.parse_row(&cells(&water)).unwrap(),
        map.parse_row(&cells(&other_cost)).unwrap(),
    ];
    let duplicate = check_unique_ids(&records).unwrap_err();
    assert_eq!((duplicate.first_index, duplicate.second_index), (0, 2));
    assert_eq!(duplicate.table, Table::EnergyConsumption);
    assert_eq!(duplicate.id, "12640104MB0000001Q/electricity/2025-01");
    assert_eq!(
        duplicate.localized("en"),
        "records 1 and 3 of table energy_consumption both have id \
         \"12640104MB0000001Q/electricity/2025-01\""
    );
    assert!(check_unique_ids(&records[..2]).is_ok());
}

#[test]
fn every_table_finds_duplicate_ids_and_only_them() {
    let mut all = Vec::new();
    for table in Table::ALL {
        let record = map_for(table, false)
            .parse_row(&cells(&valid_row(table)))
            .unwrap();
        let twice = [record.clone(), record.clone()];
        let duplicate = check_unique_ids(&twice).unwrap_err();
        assert_eq!(duplicate.table, table);
        assert_eq!(duplicate.id, record.id());
        assert_eq!((duplicate.first_index, duplicate.second_index), (0, 1));
        all.push(record);
    }
    // Ids are unique within a table: a vehicle and its disposal share the plate as id.
    assert_eq!(all[5].table(), Table::Vehicles);
    assert_eq!(all[9].table(), Table::VehicleDisposals);
    assert_eq!(all[5].id(), all[9].id());
    assert!(check_unique_ids(&all).is_ok());
}
