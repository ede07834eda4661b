//! A valid import row of every table and the helpers that vary and parse it, shared by the parsing
//! tests: `parsing` breaks its cells, `parsing_headers` gives it under other header rows.
//!
//! Cases name cells by field; the column of a field is found from the template, in template order.

// Each test crate uses part of these helpers.
#![allow(dead_code)]

use schemas::ledgers::TableSpec;
use schemas::{CreditCode, HeaderMap, Table, header_row, resolve_headers};

/// The first 17 characters of the credit code of the energy rows; its check character is `Q`.
pub const ENERGY_CREDIT_PREFIX: &str = "12640104MB0000001";

/// A valid credit code made from its first 17 characters.
pub fn credit(first17: &str) -> String {
    CreditCode::with_check_digit(first17)
        .unwrap()
        .as_str()
        .to_owned()
}

/// A valid row of each table as (field, cell), in template column order.
pub fn valid_cells(table: Table) -> Vec<(&'static str, String)> {
    let body = credit("11640104MB0000003");
    let energy = credit(ENERGY_CREDIT_PREFIX);
    let cells: Vec<(&'static str, &str)> = match table {
        Table::Buildings => vec![
            ("building_id", "B-001"),
            ("name", "综合办公楼"),
            ("institution_credit_code", &body),
            ("division_code", "640104000000"),
            ("address", "解放东街1号"),
            ("land_area_m2", "3000"),
            ("floor_area_m2", "5000"),
            ("build_year", "2005"),
            ("ownership", "自有自用"),
            ("registration", "已登记"),
            ("use_right_certificate", "宁（2005）银川市不动产权第0001号"),
            ("safety_grade", "A级"),
        ],
        Table::OfficeSpaces => vec![
            ("building_id", "B-001"),
            ("category", "办公室用房"),
            ("status", "在用"),
            ("usable_m2", "2000"),
            ("floor_m2", "2600"),
        ],
        Table::OfficeRooms => vec![
            ("building_id", "B-001"),
            ("room_no", "301"),
            ("occupant_rank", "正科级"),
            ("occupants", "1"),
            ("usable_m2", "9"),
        ],
        Table::SpaceDisposals => vec![
            ("disposal_id", "CZ-1"),
            ("building_id", "B-001"),
            ("method", "出售"),
            ("floor_m2", "300"),
            ("date", "2025-06-30"),
            ("income_yuan", "150000"),
        ],
        Table::RentalIncome => vec![
            ("building_id", "B-001"),
            ("month", "2025-03"),
            ("rented_floor_m2", "120"),
            ("income_yuan", "6000"),
        ],
        Table::Vehicles => vec![
            ("plate", "宁A12345"),
            ("vin", "LSVAN4187C2123456"),
            ("institution_credit_code", &body),
            ("category", "执法执勤"),
            ("body_type", "轿车"),
            ("fuel_type", "燃油"),
            ("domestic_brand", "是"),
            ("displacement_l", "1.598"),
            ("price_yuan", "119800"),
            ("acquisition_date", "2018-06-15"),
            ("acquisition_kind", "购置"),
            ("status", "在用"),
        ],
        Table::VehicleQuotas => vec![
            ("institution_credit_code", &body),
            ("category", "执法执勤"),
            ("quota", "4"),
        ],
        Table::DispatchOrders => vec![
            ("order_id", "PC-1"),
            ("plate", "宁A12345"),
            ("start", "2025-03-01 08:30"),
            ("end", "2025-03-01 11:45"),
            ("purpose", "执法检查"),
            ("distance_km", "12.5"),
        ],
        Table::VehicleCosts => vec![
            ("plate", "宁A12345"),
            ("month", "2025-03"),
            ("fuel_yuan", "650.5"),
            ("charging_yuan", "0"),
            ("repair_yuan", "1200"),
            ("insurance_yuan", "0"),
            ("tolls_yuan", "35"),
            ("parking_yuan", "20"),
            ("distance_km", "1500"),
            ("odometer_km", "45210"),
        ],
        Table::VehicleDisposals => vec![
            ("plate", "宁A12345"),
            ("method", "拍卖"),
            ("date", "2025-06-30"),
            ("income_yuan", "38000"),
        ],
        Table::Institutions => vec![
            ("institution_credit_code", &energy),
            ("name", "兴庆区人民政府"),
            ("type_code", "国家机关"),
            ("floor_area_m2", "12000"),
            ("people", "150"),
            ("heated_area_m2", "9000"),
            ("saving_type_eligible", "是"),
            ("saving_type_in_progress", "否"),
            ("saving_type_passed_year", "2023"),
            ("note", ""),
        ],
        Table::EnergyConsumption => vec![
            ("institution_credit_code", &energy),
            ("month", "2025-01"),
            ("carrier", "电力"),
            ("quantity", "1000"),
            ("cost_yuan", "650"),
        ],
        Table::WasteSorting => vec![
            ("institution_credit_code", &energy),
            ("month", "2025-01"),
            ("category", "厨余垃圾"),
            ("collected_kg", "350.5"),
            ("disposed_kg", "300"),
        ],
    };
    cells
        .into_iter()
        .map(|(field, cell)| (field, cell.to_owned()))
        .collect()
}

/// A valid row of a table, in template column order.
pub fn valid_row(table: Table) -> Vec<String> {
    valid_cells(table)
        .into_iter()
        .map(|(_, cell)| cell)
        .collect()
}

/// A valid row with the cells of some fields replaced.
pub fn row_with(table: Table, replaced: &[(&str, &str)]) -> Vec<String> {
    valid_cells(table)
        .into_iter()
        .map(|(field, cell)| {
            replaced
                .iter()
                .find(|(replaced_field, _)| *replaced_field == field)
                .map_or(cell, |(_, value)| (*value).to_owned())
        })
        .collect()
}

/// Borrowed cells, as `parse_row` takes them.
pub fn cells(row: &[String]) -> Vec<&str> {
    row.iter().map(String::as_str).collect()
}

pub fn spec(table: Table) -> &'static TableSpec {
    table.spec()
}

/// The headers of a table matched with the table named.
pub fn map_for(table: Table, chinese: bool) -> HeaderMap {
    resolve_headers(table.ledger(), Some(table), &header_row(table, chinese)).unwrap()
}

/// The column of a field in template order.
pub fn template_column(table: Table, field: &str) -> usize {
    spec(table)
        .index_of(field)
        .unwrap_or_else(|| panic!("{field} is not a field of {table}"))
}
