//! Sample records of every table and the documents written from them, shared by the document
//! tests: `document` writes and reads them back, and `document_corruption` corrupts them as a peer
//! could.
//!
//! Every sample is valid, and every document is owned by 640104000000 for the period 2025.

// Each test crate uses part of these helpers.
#![allow(dead_code)]

use automerge::{Automerge, ObjId, ROOT, ReadDoc};
use schemas::document::{new_document, write_records};
use schemas::{CreditCode, DocumentMeta, Ledger, Period, Record, SCHEMA_VERSION, Table, tables_of};
use topology::DivisionCode;

/// 2025-01-01 00:00:00 UTC.
pub const TIME_MS: i64 = 1_735_689_600_000;

pub fn owner() -> DivisionCode {
    DivisionCode::parse("640104000000").unwrap()
}

pub fn meta(ledger: Ledger) -> DocumentMeta {
    DocumentMeta {
        owner: owner(),
        ledger,
        period: Period::parse("2025").unwrap(),
        schema_version: SCHEMA_VERSION,
    }
}

/// A valid credit code of an institution of the owner, numbered by `serial`.
pub fn credit(serial: u32) -> String {
    CreditCode::with_check_digit(&format!("12640104MB{serial:07}"))
        .unwrap()
        .as_str()
        .to_owned()
}

/// A record from texts by field, which must be valid.
pub fn record(table: Table, texts: &[(&str, &str)]) -> Record {
    Record::from_texts(table.spec(), texts).unwrap_or_else(|error| {
        panic!(
            "sample {table} record is invalid: {} {error}",
            error.field()
        )
    })
}

pub fn building(id: &str, floor_area_m2: &str) -> Record {
    record(
        Table::Buildings,
        &[
            ("building_id", id),
            ("name", "兴庆区机关综合办公楼"),
            ("institution_credit_code", &credit(3)),
            ("division_code", "640104000000"),
            ("address", ""),
            ("land_area_m2", "1200.5"),
            ("floor_area_m2", floor_area_m2),
            ("build_year", "1998"),
            ("ownership", "借用"),
            ("registration", "登记中"),
            ("safety_grade", "B级"),
        ],
    )
}

pub fn space(category: &str, status: &str, usable_m2: &str, floor_m2: &str) -> Record {
    record(
        Table::OfficeSpaces,
        &[
            ("building_id", "B-1"),
            ("category", category),
            ("status", status),
            ("usable_m2", usable_m2),
            ("floor_m2", floor_m2),
        ],
    )
}

pub fn room(room_no: &str, rank: &str, occupants: &str, usable_m2: &str) -> Record {
    record(
        Table::OfficeRooms,
        &[
            ("building_id", "B-1"),
            ("room_no", room_no),
            ("occupant_rank", rank),
            ("occupants", occupants),
            ("usable_m2", usable_m2),
        ],
    )
}

pub fn vehicle(plate: &str, vin: &str, fuel_type: &str, displacement_l: &str) -> Record {
    record(
        Table::Vehicles,
        &[
            ("plate", plate),
            ("vin", vin),
            ("institution_credit_code", &credit(4)),
            ("category", "特种专业技术"),
            ("fuel_type", fuel_type),
            ("domestic_brand", "是"),
            ("displacement_l", displacement_l),
            ("price_yuan", "149900.5"),
            ("acquisition_date", "2023-03-01"),
            ("status", "闲置"),
        ],
    )
}

pub fn order(order_id: &str, start: &str, end: &str) -> Record {
    record(
        Table::DispatchOrders,
        &[
            ("order_id", order_id),
            ("plate", "宁AD12345"),
            ("start", start),
            ("end", end),
            ("purpose", "会议"),
            ("distance_km", "3.2"),
        ],
    )
}

pub fn institution(serial: u32, floor_area_m2: &str, people: &str) -> Record {
    record(
        Table::Institutions,
        &[
            ("institution_credit_code", &credit(serial)),
            ("name", "兴庆区人民政府"),
            ("type_code", "国家机关"),
            ("floor_area_m2", floor_area_m2),
            ("people", people),
            ("note", "新增办公楼一栋"),
        ],
    )
}

pub fn energy(serial: u32, month: &str, carrier: &str, quantity: &str) -> Record {
    record(
        Table::EnergyConsumption,
        &[
            ("institution_credit_code", &credit(serial)),
            ("month", month),
            ("carrier", carrier),
            ("quantity", quantity),
            ("cost_yuan", "12.5"),
        ],
    )
}

/// One or a few valid records of a table.
pub fn samples(table: Table) -> Vec<Record> {
    match table {
        Table::Buildings => vec![building("B-1", "200"), building("B-2东楼", "150.5")],
        Table::OfficeSpaces => vec![
            space("办公室用房", "在用", "100", "120.5"),
            space("service", "idle", "50.25", "50.25"),
        ],
        Table::OfficeRooms => vec![
            room("101", "正科级", "1", "18"),
            room("102", "科级以下", "0", "9.5"),
        ],
        Table::SpaceDisposals => vec![record(
            Table::SpaceDisposals,
            &[
                ("disposal_id", "CZ-1"),
                ("building_id", "B-3"),
                ("method", "划转"),
                ("floor_m2", "300"),
                ("date", "2025-06-30"),
            ],
        )],
        Table::RentalIncome => vec![record(
            Table::RentalIncome,
            &[
                ("building_id", "B-1"),
                ("month", "2025-03"),
                ("rented_floor_m2", "30"),
                ("income_yuan", "4500.5"),
            ],
        )],
        Table::Vehicles => vec![
            vehicle("宁A12345", "LSVAN4187C2123456", "燃油", "1.598"),
            vehicle("宁AD12345", "LGXCE6CD5N0123456", "纯电动", "0"),
        ],
        Table::VehicleQuotas => vec![record(
            Table::VehicleQuotas,
            &[
                ("institution_credit_code", &credit(4)),
                ("category", "执法执勤"),
                ("quota", "3"),
            ],
        )],
        Table::DispatchOrders => vec![
            order("PC-1", "2025-03-01 08:30", "2025-03-01 08:30"),
            order("PC/2", "2025-12-31 22:00", "2026-01-01 01:15"),
        ],
        Table::VehicleCosts => vec![record(
            Table::VehicleCosts,
            &[
                ("plate", "宁A12345"),
                ("month", "2025-03"),
                ("fuel_yuan", "650.5"),
                ("repair_yuan", "1200"),
                ("tolls_yuan", "35"),
                ("distance_km", "1500"),
                ("odometer_km", "45210"),
            ],
        )],
        Table::VehicleDisposals => vec![record(
            Table::VehicleDisposals,
            &[
                ("plate", "宁B54321"),
                ("method", "厂家回购"),
                ("date", "2025-02-28"),
                ("income_yuan", "38000"),
            ],
        )],
        Table::Institutions => vec![
            institution(1, "12000", "150"),
            institution(2, "800.25", "7"),
        ],
        Table::EnergyConsumption => vec![
            energy(1, "2025-01", "电力", "1000"),
            energy(1, "2025-02", "水", "20.25"),
            energy(2, "2025-03", "汽油", "0.0001"),
        ],
        Table::WasteSorting => vec![record(
            Table::WasteSorting,
            &[
                ("institution_credit_code", &credit(1)),
                ("month", "2025-01"),
                ("category", "厨余垃圾"),
                ("collected_kg", "350.5"),
            ],
        )],
    }
}

/// The samples of every table of a ledger.
pub fn ledger_samples(ledger: Ledger) -> Vec<Record> {
    tables_of(ledger)
        .iter()
        .flat_map(|table| samples(*table))
        .collect()
}

/// Records sorted by table and id, the order a document reads them in.
pub fn sorted(mut records: Vec<Record>) -> Vec<Record> {
    records.sort_by_key(|record| (record.table(), record.id()));
    records
}

pub fn document_with(ledger: Ledger, records: &[Record]) -> Automerge {
    let mut doc = new_document(&meta(ledger), TIME_MS).unwrap();
    write_records(&mut doc, records, TIME_MS + 1_000).unwrap();
    doc
}

/// The map of a table in a document.
pub fn table_map<D: ReadDoc>(doc: &D, table: Table) -> ObjId {
    let (_, tables) = doc.get(ROOT, "tables").unwrap().unwrap();
    let (_, table_id) = doc.get(&tables, table.slug()).unwrap().unwrap();
    table_id
}

/// The map of a record in a document.
pub fn record_map<D: ReadDoc>(doc: &D, table: Table, id: &str) -> ObjId {
    let (_, record_id) = doc
        .get(table_map(doc, table), id)
        .unwrap()
        .unwrap_or_else(|| panic!("no {table} record {id:?}"));
    record_id
}
