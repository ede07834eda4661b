//! The example row of each table, shown in the instructions: values the import accepts, written
//! as a clerk would write them (closed lists by their Chinese names), and consistent across the
//! tables of a ledger, so that the example rows of a ledger imported together break no rule.
//!
//! All examples lie in March 2025; the disposal examples dispose of the example building's
//! space and of the example vehicle (acquired more than the replacement age earlier, and so
//! marked disposed of in the vehicles table).

use crate::t;
use schemas::Language;
use schemas::columns::{ColumnSpec, columns};
use schemas::records::FieldKind;
use schemas::table::Table;

/// The unified social credit code of the example body (a state organ of 兴庆区), with its check
/// character.
const CREDIT_CODE: &str = "11640104MB0123456Y";

/// The example body's division: 兴庆区, Yinchuan.
const DIVISION_CODE: &str = "640104000000";

/// The example building's id.
const BUILDING_ID: &str = "B-001";

/// The example vehicle's plate.
const PLATE: &str = "宁A12345";

/// The example month.
const MONTH: &str = "2025-03";

/// The example row of a table, one text per column in template order; empty for an optional
/// column the example leaves empty.
pub fn example_row(table: Table, language: Language) -> Vec<String> {
    columns(table)
        .iter()
        .map(|spec| example_value(table, spec, language))
        .collect()
}

/// The example value of one column.
fn example_value(table: Table, spec: &ColumnSpec, language: Language) -> String {
    let locale = language.code();
    let catalogue = |key: &str| t!(key, locale = locale).into_owned();
    let literal = match (table, spec.field) {
        (_, "building_id") => BUILDING_ID,
        (_, "institution_credit_code") => CREDIT_CODE,
        (_, "plate") => PLATE,
        (_, "month") => MONTH,
        (Table::Buildings, "name") => return catalogue("template.example.building_name"),
        (Table::Buildings, "division_code") => DIVISION_CODE,
        (Table::Buildings, "address") => return catalogue("template.example.address"),
        (Table::Buildings, "land_area_m2") => "2000",
        (Table::Buildings, "floor_area_m2") => "5000",
        (Table::Buildings, "build_year") => "2008",
        (Table::Buildings, "ownership") => "owned_in_use",
        (Table::Buildings, "registration") => "registered",
        (Table::Buildings, "use_right_certificate") => {
            return catalogue("template.example.certificate");
        }
        (Table::Buildings, "safety_grade") => "b",
        (Table::OfficeSpaces, "category") => "office",
        (Table::OfficeSpaces, "status") => "in_use",
        (Table::OfficeSpaces, "usable_m2") => "1800",
        (Table::OfficeSpaces, "floor_m2") => "2400",
        (Table::OfficeRooms, "room_no") => "305",
        (Table::OfficeRooms, "occupant_rank") => "county_section_head",
        (Table::OfficeRooms, "occupants") => "2",
        (Table::OfficeRooms, "usable_m2") => "30",
        (Table::SpaceDisposals, "disposal_id") => "CZ-2025-001",
        (Table::SpaceDisposals, "method") => "transfer",
        (Table::SpaceDisposals, "floor_m2") => "120",
        (Table::SpaceDisposals, "date") => "2025-03-20",
        (Table::SpaceDisposals, "income_yuan") => "",
        (Table::RentalIncome, "rented_floor_m2") => "200",
        (Table::RentalIncome, "income_yuan") => "15000",
        (Table::Vehicles, "vin") => "LFV2A21K5N3012345",
        (Table::Vehicles, "category") => "law_enforcement",
        (Table::Vehicles, "body_type") => "sedan",
        (Table::Vehicles, "fuel_type") => "ice",
        (Table::Vehicles, "domestic_brand") => "是",
        (Table::Vehicles, "displacement_l") => "1.5",
        (Table::Vehicles, "price_yuan") => "115000",
        (Table::Vehicles, "acquisition_date") => "2015-06-18",
        (Table::Vehicles, "acquisition_kind") => "purchase",
        (Table::Vehicles, "status") => "disposed",
        (Table::VehicleQuotas, "category") => "law_enforcement",
        (Table::VehicleQuotas, "quota") => "2",
        (Table::DispatchOrders, "order_id") => "PC-2025-0001",
        (Table::DispatchOrders, "start") => "2025-03-12 08:30",
        (Table::DispatchOrders, "end") => "2025-03-12 17:10",
        (Table::DispatchOrders, "purpose") => return catalogue("template.example.purpose"),
        (Table::DispatchOrders, "distance_km") => "86.5",
        (Table::VehicleCosts, "fuel_yuan") => "860.5",
        (Table::VehicleCosts, "charging_yuan") => "",
        (Table::VehicleCosts, "repair_yuan") => "1200",
        (Table::VehicleCosts, "insurance_yuan") => "",
        (Table::VehicleCosts, "tolls_yuan") => "45",
        (Table::VehicleCosts, "parking_yuan") => "30",
        (Table::VehicleCosts, "distance_km") => "1260.5",
        (Table::VehicleCosts, "odometer_km") => "128436.2",
        (Table::VehicleDisposals, "method") => "auction",
        (Table::VehicleDisposals, "date") => "2025-03-28",
        (Table::VehicleDisposals, "income_yuan") => "32000",
        (Table::Institutions, "name") => return catalogue("template.example.institution_name"),
        (Table::Institutions, "type_code") => "01",
        (Table::Institutions, "floor_area_m2") => "8000",
        (Table::Institutions, "people") => "260",
        (Table::Institutions, "heated_area_m2") => "7500",
        (Table::Institutions, "note") => "",
        (Table::EnergyConsumption, "carrier") => "electricity",
        (Table::EnergyConsumption, "quantity") => "52000",
        (Table::EnergyConsumption, "cost_yuan") => "31200",
        (Table::WasteSorting, "category") => "kitchen",
        (Table::WasteSorting, "collected_kg") => "1250",
        (Table::WasteSorting, "disposed_kg") => "1250",
        // A column added to a table without an example is left empty; the tests ask for one
        // for every required column.
        _ => "",
    };
    match spec.kind {
        // Closed lists are written by their Chinese names, as the dropdowns offer them.
        FieldKind::Choice(list) => list
            .by_slug(literal)
            .map_or_else(|| literal.to_owned(), |choice| choice.name_zh.to_owned()),
        _ => literal.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use schemas::records::parse_field;

    #[test]
    fn every_example_value_parses_and_every_required_column_has_one() {
        for language in Language::ALL {
            for table in Table::ALL {
                for (spec, value) in columns(table).iter().zip(example_row(table, language)) {
                    assert!(
                        !spec.required || !value.is_empty(),
                        "{table}.{} has no example",
                        spec.field
                    );
                    assert!(!value.contains("template."), "{value}");
                    parse_field(spec, Some(&value))
                        .unwrap_or_else(|error| panic!("{table}.{}: {error:?}", spec.field));
                }
            }
        }
    }

    #[test]
    fn closed_lists_are_shown_by_their_chinese_names() {
        let row = example_row(Table::EnergyConsumption, Language::English);
        assert_eq!(row[2], "电力");
        let row = example_row(Table::Institutions, Language::Chinese);
        assert_eq!(row[2], "国家机关");
    }
}
