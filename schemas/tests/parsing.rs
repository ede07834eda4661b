//! Import parsing of rows and cells: every table's rows parse under either header language, every
//! broken rule is reported at its column with its field and rule, rows dated outside the period or
//! of the wrong length are refused, and ids join their fields in canonical form. Header resolution
//! and duplicate ids are tested in `parsing_headers`.
//!
//! Row cases start from a valid row of a table and replace some cells by field. Expected columns
//! are found from the template, so each case states only the field.

mod valid_rows;

use schemas::{CellError, Period, Record, Table, header_row};
use valid_rows::{
    ENERGY_CREDIT_PREFIX, cells, credit, map_for, row_with, spec, template_column, valid_cells,
    valid_row,
};

#[test]
fn the_valid_rows_follow_the_template_order() {
    for table in Table::ALL {
        let fields: Vec<&str> = valid_cells(table)
            .into_iter()
            .map(|(field, _)| field)
            .collect();
        assert_eq!(fields, header_row(table, false), "{table}");
    }
    assert_eq!(
        credit(ENERGY_CREDIT_PREFIX),
        format!("{ENERGY_CREDIT_PREFIX}Q")
    );
}

#[test]
fn valid_rows_of_every_table_parse_in_both_header_languages() {
    for table in Table::ALL {
        let row = valid_row(table);
        let english = map_for(table, false).parse_row(&cells(&row)).unwrap();
        let chinese = map_for(table, true).parse_row(&cells(&row)).unwrap();
        assert_eq!(english.table(), table);
        assert_eq!(english, chinese, "{table}");
        // The same texts given by field name make the same record.
        let texts = valid_cells(table);
        let by_field: Vec<(&str, &str)> = texts
            .iter()
            .map(|(field, cell)| (*field, cell.as_str()))
            .collect();
        assert_eq!(
            Record::from_texts(table.spec(), &by_field).unwrap(),
            english
        );
        english.validate().unwrap();
    }
}

#[test]
fn choices_parse_from_slugs_and_chinese_names_alike() {
    let slugs = row_with(
        Table::Buildings,
        &[
            ("ownership", "OWNED_IN_USE"),
            ("registration", "registered"),
            ("safety_grade", "a"),
        ],
    );
    let map = map_for(Table::Buildings, true);
    let from_slugs = map.parse_row(&cells(&slugs)).unwrap();
    let from_names = map.parse_row(&cells(&valid_row(Table::Buildings))).unwrap();
    assert_eq!(from_slugs, from_names);
    assert_eq!(from_slugs.choice("ownership"), "owned_in_use");
    assert_eq!(from_slugs.choice("safety_grade"), "a");
}

/// Some cells of a valid row replaced, and the error expected: the field (whose column the error
/// must name) and a part of the rule.
struct RowCase {
    what: &'static str,
    table: Table,
    replaced: &'static [(&'static str, &'static str)],
    field: &'static str,
    rule_contains: &'static str,
}

const ROW_CASES: &[RowCase] = &[
    RowCase {
        what: "bad credit code check character",
        table: Table::EnergyConsumption,
        replaced: &[("institution_credit_code", "12640104MB0000001A")],
        field: "institution_credit_code",
        rule_contains: "check character should be 'Q'",
    },
    RowCase {
        what: "credit code of the wrong length",
        table: Table::EnergyConsumption,
        replaced: &[("institution_credit_code", "12640104MB")],
        field: "institution_credit_code",
        rule_contains: "18-character",
    },
    RowCase {
        what: "credit code with a letter outside its alphabet",
        table: Table::Institutions,
        replaced: &[("institution_credit_code", "12640104MB000000IQ")],
        field: "institution_credit_code",
        rule_contains: "except I, O, S, V and Z",
    },
    RowCase {
        what: "negative amount",
        table: Table::EnergyConsumption,
        replaced: &[("quantity", "-3")],
        field: "quantity",
        rule_contains: "must be a non-negative decimal number",
    },
    RowCase {
        what: "text in a number cell",
        table: Table::EnergyConsumption,
        replaced: &[("quantity", "一千")],
        field: "quantity",
        rule_contains: "non-negative decimal number written with digits",
    },
    RowCase {
        what: "a unit in a number cell",
        table: Table::WasteSorting,
        replaced: &[("collected_kg", "350kg")],
        field: "collected_kg",
        rule_contains: "no thousands separators, exponent or unit",
    },
    RowCase {
        what: "thousands separator",
        table: Table::EnergyConsumption,
        replaced: &[("cost_yuan", "1,650")],
        field: "cost_yuan",
        rule_contains: "no thousands separators",
    },
    RowCase {
        what: "too many decimals",
        table: Table::EnergyConsumption,
        replaced: &[("cost_yuan", "1.23456")],
        field: "cost_yuan",
        rule_contains: "at most 4 digits after",
    },
    RowCase {
        what: "amount too large",
        table: Table::Vehicles,
        replaced: &[("price_yuan", "1000000000000")],
        field: "price_yuan",
        rule_contains: "at most 12 digits before",
    },
    RowCase {
        what: "negative optional cost",
        table: Table::VehicleCosts,
        replaced: &[("tolls_yuan", "-35")],
        field: "tolls_yuan",
        rule_contains: "must be a non-negative decimal number",
    },
    RowCase {
        what: "empty required cell",
        table: Table::EnergyConsumption,
        replaced: &[("quantity", "  ")],
        field: "quantity",
        rule_contains: "must not be empty",
    },
    RowCase {
        what: "empty required name",
        table: Table::DispatchOrders,
        replaced: &[("purpose", "")],
        field: "purpose",
        rule_contains: "must not be empty",
    },
    RowCase {
        what: "unknown carrier",
        table: Table::EnergyConsumption,
        replaced: &[("carrier", "蒸汽")],
        field: "carrier",
        rule_contains: "电力 (electricity)",
    },
    RowCase {
        what: "unknown waste category",
        table: Table::WasteSorting,
        replaced: &[("category", "塑料")],
        field: "category",
        rule_contains: "可回收物 (recyclable)",
    },
    RowCase {
        what: "unknown institution type",
        table: Table::Institutions,
        replaced: &[("type_code", "99")],
        field: "type_code",
        rule_contains: "国家机关 (01)",
    },
    RowCase {
        what: "unknown space category",
        table: Table::OfficeSpaces,
        replaced: &[("category", "会议室")],
        field: "category",
        rule_contains: "办公室用房 (office)",
    },
    RowCase {
        what: "unknown space status",
        table: Table::OfficeSpaces,
        replaced: &[("status", "维修")],
        field: "status",
        rule_contains: "闲置 (idle)",
    },
    RowCase {
        what: "unknown occupant rank",
        table: Table::OfficeRooms,
        replaced: &[("occupant_rank", "部长")],
        field: "occupant_rank",
        rule_contains: "正科级 (county_section_head)",
    },
    RowCase {
        what: "unknown space disposal method",
        table: Table::SpaceDisposals,
        replaced: &[("method", "拍卖")],
        field: "method",
        rule_contains: "出售 (sale)",
    },
    RowCase {
        what: "unknown vehicle disposal method",
        table: Table::VehicleDisposals,
        replaced: &[("method", "出售")],
        field: "method",
        rule_contains: "拍卖 (auction)",
    },
    RowCase {
        what: "unknown registration",
        table: Table::Buildings,
        replaced: &[("registration", "待定")],
        field: "registration",
        rule_contains: "已登记 (registered)",
    },
    RowCase {
        what: "unknown safety grade",
        table: Table::Buildings,
        replaced: &[("safety_grade", "E级")],
        field: "safety_grade",
        rule_contains: "D级 (d)",
    },
    RowCase {
        what: "month that is not a month",
        table: Table::EnergyConsumption,
        replaced: &[("month", "2025-13")],
        field: "month",
        rule_contains: "YYYY-MM",
    },
    RowCase {
        what: "month written as a day",
        table: Table::RentalIncome,
        replaced: &[("month", "2025-03-01")],
        field: "month",
        rule_contains: "YYYY-MM",
    },
    RowCase {
        what: "plate that is not a plate",
        table: Table::Vehicles,
        replaced: &[("plate", "A12345")],
        field: "plate",
        rule_contains: "number plate",
    },
    RowCase {
        what: "plate with a letter O",
        table: Table::DispatchOrders,
        replaced: &[("plate", "宁A1234O")],
        field: "plate",
        rule_contains: "other than I and O",
    },
    RowCase {
        what: "plate of no province",
        table: Table::VehicleCosts,
        replaced: &[("plate", "X A12345")],
        field: "plate",
        rule_contains: "province abbreviation",
    },
    RowCase {
        what: "VIN with a Q",
        table: Table::Vehicles,
        replaced: &[("vin", "LSVAN4187C212345Q")],
        field: "vin",
        rule_contains: "I, O and Q",
    },
    RowCase {
        what: "unknown vehicle category",
        table: Table::Vehicles,
        replaced: &[("category", "领导专车")],
        field: "category",
        rule_contains: "机要通信",
    },
    RowCase {
        what: "unknown vehicle category in a quota",
        table: Table::VehicleQuotas,
        replaced: &[("category", "领导专车")],
        field: "category",
        rule_contains: "机要通信",
    },
    RowCase {
        what: "boolean that is not yes or no",
        table: Table::Vehicles,
        replaced: &[("domestic_brand", "对")],
        field: "domestic_brand",
        rule_contains: "是 or 否",
    },
    RowCase {
        what: "no such day",
        table: Table::Vehicles,
        replaced: &[("acquisition_date", "2023-02-29")],
        field: "acquisition_date",
        rule_contains: "real calendar day",
    },
    RowCase {
        what: "date before 1900",
        table: Table::SpaceDisposals,
        replaced: &[("date", "1899-12-31")],
        field: "date",
        rule_contains: "1900 to 2100",
    },
    RowCase {
        what: "count with a fraction",
        table: Table::OfficeRooms,
        replaced: &[("occupants", "1.5")],
        field: "occupants",
        rule_contains: "a whole number from 0 to",
    },
    RowCase {
        what: "negative count",
        table: Table::VehicleQuotas,
        replaced: &[("quota", "-1")],
        field: "quota",
        rule_contains: "a whole number from 0 to",
    },
    RowCase {
        what: "count too large",
        table: Table::Institutions,
        replaced: &[("people", "2000000000")],
        field: "people",
        rule_contains: "a whole number from 0 to 1000000000",
    },
    RowCase {
        what: "two-digit year",
        table: Table::Buildings,
        replaced: &[("build_year", "25")],
        field: "build_year",
        rule_contains: "four-digit year",
    },
    RowCase {
        what: "build year out of range",
        table: Table::Buildings,
        replaced: &[("build_year", "1700")],
        field: "build_year",
        rule_contains: "1800 to 2100",
    },
    RowCase {
        what: "battery electric with a displacement",
        table: Table::Vehicles,
        replaced: &[("fuel_type", "纯电动")],
        field: "displacement_l",
        rule_contains: "must be 0 for a battery electric",
    },
    RowCase {
        what: "end before start",
        table: Table::DispatchOrders,
        replaced: &[("end", "2025-03-01 08:00")],
        field: "end",
        rule_contains: "must not be before the start",
    },
    RowCase {
        what: "time without a leading zero",
        table: Table::DispatchOrders,
        replaced: &[("start", "2025-03-01 8:30")],
        field: "start",
        rule_contains: "YYYY-MM-DD HH:MM",
    },
    RowCase {
        what: "time past midnight",
        table: Table::DispatchOrders,
        replaced: &[("end", "2025-03-01 24:10")],
        field: "end",
        rule_contains: "00:00 to 23:59",
    },
    RowCase {
        what: "institution with floor area 0",
        table: Table::Institutions,
        replaced: &[("floor_area_m2", "0")],
        field: "floor_area_m2",
        rule_contains: "must be above 0",
    },
    RowCase {
        what: "institution with 0 people",
        table: Table::Institutions,
        replaced: &[("people", "0")],
        field: "people",
        rule_contains: "must be above 0",
    },
    RowCase {
        what: "space with usable area above floor area",
        table: Table::OfficeSpaces,
        replaced: &[("usable_m2", "3000")],
        field: "usable_m2",
        rule_contains: "must not exceed the floor area 2600 m2",
    },
    RowCase {
        what: "identifier with / in a composite id",
        table: Table::OfficeRooms,
        replaced: &[("room_no", "3/01")],
        field: "room_no",
        rule_contains: "must not contain /",
    },
    RowCase {
        what: "building id with / in a composite id",
        table: Table::OfficeSpaces,
        replaced: &[("building_id", "B/001")],
        field: "building_id",
        rule_contains: "must not contain /",
    },
    RowCase {
        what: "identifier with a control character",
        table: Table::DispatchOrders,
        replaced: &[("order_id", "PC\t1")],
        field: "order_id",
        rule_contains: "control characters",
    },
    RowCase {
        what: "identifier that is too long",
        table: Table::SpaceDisposals,
        replaced: &[(
            "disposal_id",
            "CZ-0000000000000000000000000000000000000000000000000000000000000001",
        )],
        field: "disposal_id",
        rule_contains: "at most 64 characters",
    },
    RowCase {
        what: "unknown ownership",
        table: Table::Buildings,
        replaced: &[("ownership", "公有")],
        field: "ownership",
        rule_contains: "自有自用",
    },
    RowCase {
        what: "division code that is not one",
        table: Table::Buildings,
        replaced: &[("division_code", "640104")],
        field: "division_code",
        rule_contains: "12-digit",
    },
    RowCase {
        what: "name that is too long",
        table: Table::Buildings,
        replaced: &[(
            "name",
            "楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼\
             楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼\
             楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼\
             楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼楼",
        )],
        field: "name",
        rule_contains: "at most 200 characters",
    },
];

#[test]
fn each_broken_rule_is_reported_at_its_column() {
    // The expected texts are the English catalogue's.
    schemas::Language::English.set_current();
    for case in ROW_CASES {
        let row = row_with(case.table, case.replaced);
        let expected_column = template_column(case.table, case.field);
        for chinese in [true, false] {
            let map = map_for(case.table, chinese);
            let error = map.parse_row(&cells(&row)).expect_err(case.what);
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
                header_row(case.table, chinese)[expected_column],
                "{}",
                case.what
            );
            assert_eq!(error.value, row[expected_column], "{}", case.what);
        }
    }
}

#[test]
fn the_same_rules_hold_for_records_built_from_texts() {
    // The expected texts are the English catalogue's.
    schemas::Language::English.set_current();
    for case in ROW_CASES {
        let row = row_with(case.table, case.replaced);
        let texts: Vec<(&str, &str)> = spec(case.table)
            .columns
            .iter()
            .zip(&row)
            .map(|(column, cell)| (column.field, cell.as_str()))
            .collect();
        let error = Record::from_texts(case.table.spec(), &texts).expect_err(case.what);
        assert_eq!(error.field(), case.field, "{}: {error}", case.what);
        assert!(
            error.rule.contains(case.rule_contains),
            "{}: {error}",
            case.what
        );
    }
}

/// The frame of a cell error is put into words when shown; its rule when the row is parsed, in the
/// language in force, which is the catalogue's English in tests (they set none).
#[test]
fn the_message_names_column_field_rule_and_value() {
    // The expected texts are the English catalogue's.
    schemas::Language::English.set_current();
    let row = row_with(Table::EnergyConsumption, &[("quantity", "-3")]);
    let error = map_for(Table::EnergyConsumption, false)
        .parse_row(&cells(&row))
        .unwrap_err();
    assert_eq!(
        error.localized("en"),
        r#"column 4 (quantity): must be a non-negative decimal number, found "-3""#
    );
    let error = map_for(Table::EnergyConsumption, true)
        .parse_row(&cells(&row))
        .unwrap_err();
    assert_eq!(
        error.localized("en"),
        r#"column 4 (消费量, quantity): must be a non-negative decimal number, found "-3""#
    );
    let row = row_with(Table::OfficeSpaces, &[("usable_m2", "3000")]);
    let error = map_for(Table::OfficeSpaces, true)
        .parse_row(&cells(&row))
        .unwrap_err();
    assert_eq!(
        error.localized("en"),
        "column 4 (使用面积（平方米）, usable_m2): must not exceed the floor area 2600 m2 (found \
         3000 m2), found \"3000\""
    );
}

#[test]
fn a_dated_record_outside_the_document_period_is_refused_at_its_dating_column() {
    let mut dated_tables = 0;
    for table in Table::ALL {
        let row = valid_row(table);
        for chinese in [false, true] {
            let map = map_for(table, chinese);
            assert!(
                map.parse_row_for_period(&cells(&row), Period::parse("2025").unwrap())
                    .is_ok(),
                "{table}"
            );
            let outside = map.parse_row_for_period(&cells(&row), Period::parse("2024").unwrap());
            match spec(table).dated_by {
                None => assert!(outside.is_ok(), "{table} records stand for every period"),
                Some(field) => {
                    let error = outside.expect_err(table.slug());
                    assert_eq!(
                        (error.column_index, error.field),
                        (template_column(table, field), field),
                        "{table}: {error}"
                    );
                    assert!(error.rule.contains("2024"), "{table}: {error}");
                    assert_eq!(error.value, row[template_column(table, field)]);
                }
            }
        }
        dated_tables += usize::from(spec(table).dated_by.is_some());
    }
    assert_eq!(dated_tables, 7);

    let map = map_for(Table::EnergyConsumption, true);
    let row = valid_row(Table::EnergyConsumption);
    assert!(
        map.parse_row_for_period(&cells(&row), Period::parse("2025-Q1").unwrap())
            .is_ok()
    );
    let error = map
        .parse_row_for_period(&cells(&row), Period::parse("2025-Q2").unwrap())
        .unwrap_err();
    assert_eq!((error.column_index, error.field), (1, "month"));
    assert!(error.rule.contains("2025-Q2"), "{error}");

    // A dispatch order is dated by its start: one ending in the next period still belongs.
    let orders = map_for(Table::DispatchOrders, true);
    let late = row_with(
        Table::DispatchOrders,
        &[("start", "2025-03-31 22:00"), ("end", "2025-04-01 01:00")],
    );
    assert!(
        orders
            .parse_row_for_period(&cells(&late), Period::parse("2025-03").unwrap())
            .is_ok()
    );
    let error = orders
        .parse_row_for_period(&cells(&late), Period::parse("2025-04").unwrap())
        .unwrap_err();
    assert_eq!((error.column_index, error.field), (2, "start"));
}

#[test]
fn rows_of_the_wrong_length_are_refused() {
    // The expected texts are the English catalogue's.
    schemas::Language::English.set_current();
    for table in Table::ALL {
        let map = map_for(table, false);
        let row = valid_row(table);
        let last = row.len() - 1;
        let error: CellError = map.parse_row(&cells(&row[..last])).unwrap_err();
        assert_eq!(
            (error.column_index, error.field),
            (last, spec(table).columns[last].field),
            "{table}"
        );
        assert!(
            error.rule.contains(&format!("has {last} cells")),
            "{table}: {error}"
        );
        let mut long = row.clone();
        long.push("extra".to_owned());
        let error = map.parse_row(&cells(&long)).unwrap_err();
        assert_eq!(
            (error.column_index, error.field),
            (row.len(), ""),
            "{table}"
        );
        assert_eq!(error.value, "extra");
        assert!(error.rule.contains("beyond the last column"), "{error}");
    }
    let error = map_for(Table::EnergyConsumption, false)
        .parse_row(&[])
        .unwrap_err();
    assert_eq!(
        (error.column_index, error.field),
        (0, "institution_credit_code")
    );
}

#[test]
fn ids_join_the_id_fields_in_canonical_form() {
    let energy = credit(ENERGY_CREDIT_PREFIX);
    let body = credit("11640104MB0000003");
    let expected = [
        (Table::Buildings, "B-001".to_owned()),
        (Table::OfficeSpaces, "B-001/office/in_use".to_owned()),
        (Table::OfficeRooms, "B-001/301".to_owned()),
        (Table::SpaceDisposals, "CZ-1".to_owned()),
        (Table::RentalIncome, "B-001/2025-03".to_owned()),
        (Table::Vehicles, "宁A12345".to_owned()),
        (Table::VehicleQuotas, format!("{body}/law_enforcement")),
        (Table::DispatchOrders, "PC-1".to_owned()),
        (Table::VehicleCosts, "宁A12345/2025-03".to_owned()),
        (Table::VehicleDisposals, "宁A12345".to_owned()),
        (Table::Institutions, energy.clone()),
        (
            Table::EnergyConsumption,
            format!("{energy}/electricity/2025-01"),
        ),
        (Table::WasteSorting, format!("{energy}/kitchen/2025-01")),
    ];
    for (table, id) in expected {
        let record = map_for(table, true)
            .parse_row(&cells(&valid_row(table)))
            .unwrap();
        assert_eq!(record.id(), id, "{table}");
    }
    // Cells are trimmed and codes and plates take their canonical letter case.
    let loose = row_with(
        Table::VehicleCosts,
        &[("plate", " 宁a12345 "), ("month", "2025-03")],
    );
    let record = map_for(Table::VehicleCosts, false)
        .parse_row(&cells(&loose))
        .unwrap();
    assert_eq!(record.id(), "宁A12345/2025-03");
}

#[test]
fn a_closed_list_name_with_ascii_parentheses_is_the_full_width_name() {
    let room = |rank: &str| {
        schemas::Record::from_texts(
            schemas::table::Table::OfficeRooms.spec(),
            &[
                ("building_id", "B-1"),
                ("room_no", "301"),
                ("occupant_rank", rank),
                ("occupants", "1"),
                ("usable_m2", "20"),
            ],
        )
    };
    let full_width = room("正厅（局）级").unwrap();
    let ascii = room("正厅(局)级").unwrap();
    let mixed = room(" 正厅(局）级 ").unwrap();
    assert_eq!(ascii, full_width);
    assert_eq!(mixed, full_width);
    assert!(room("正厅[局]级").is_err());
}
