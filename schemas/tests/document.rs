//! The automerge layout: round trips through save and load, deterministic writes, replacement and
//! deletion, refusals before writing, and precise errors for hand-corrupted documents.

use automerge::transaction::Transactable;
use automerge::{Automerge, ObjId, ObjType, ROOT, ReadDoc, ScalarValue};
use schemas::document::{
    actor_for, count_records, delete_records, new_document, read_meta, read_records, write_records,
};
use schemas::{
    Building, Carrier, CreditCode, Date, DateTime, Decimal, DispatchOrder, DocumentError,
    DocumentMeta, EnergyConsumption, FuelType, Ledger, Month, Ownership, Period, Plate, Record,
    RecordError, SCHEMA_VERSION, Table, Vehicle, VehicleCategory, VehicleStatus, Vin,
};
use topology::DivisionCode;

/// 2025-01-01 00:00:00 UTC.
const TIME_MS: i64 = 1_735_689_600_000;

fn owner() -> DivisionCode {
    DivisionCode::parse("640104000000").unwrap()
}

fn meta(ledger: Ledger) -> DocumentMeta {
    DocumentMeta {
        owner: owner(),
        ledger,
        period: Period::parse("2025").unwrap(),
        schema_version: SCHEMA_VERSION,
    }
}

fn decimal(text: &str) -> Decimal {
    text.parse().unwrap()
}

fn institution(serial: u32) -> CreditCode {
    CreditCode::with_check_digit(&format!("12640104MB{serial:07}")).unwrap()
}

fn energy(serial: u32, month: &str, carrier: Carrier, quantity: &str) -> Record {
    Record::EnergyConsumption(EnergyConsumption {
        institution_credit_code: institution(serial),
        month: Month::parse(month).unwrap(),
        carrier,
        quantity: decimal(quantity),
        cost_yuan: decimal("12.5"),
    })
}

fn energy_records() -> Vec<Record> {
    vec![
        energy(1, "2025-01", Carrier::Electricity, "1000"),
        energy(1, "2025-02", Carrier::Water, "20.25"),
        energy(2, "2025-03", Carrier::Gasoline, "0.0001"),
    ]
}

fn building(id: &str, floor_area: &str) -> Record {
    Record::Building(Building {
        building_id: id.to_owned(),
        name: "兴庆区机关综合办公楼".to_owned(),
        institution_credit_code: institution(3),
        division_code: owner(),
        address: String::new(),
        build_year: 1998,
        ownership: Ownership::Borrowed,
        floor_area_m2: decimal(floor_area),
        office_usable_m2: decimal("100"),
        service_usable_m2: decimal("50.5"),
        equipment_usable_m2: decimal("0"),
        ancillary_floor_m2: decimal("12"),
    })
}

fn vehicle_records() -> Vec<Record> {
    vec![
        Record::Vehicle(Vehicle {
            plate: Plate::parse("宁AD12345").unwrap(),
            vin: Vin::parse("LGXCE6CD5N0123456").unwrap(),
            institution_credit_code: institution(4),
            category: VehicleCategory::SpecialTechnical,
            fuel_type: FuelType::Bev,
            domestic_brand: true,
            displacement_l: Decimal::ZERO,
            price_yuan: decimal("149900.5"),
            acquisition_date: Date::parse("2023-03-01").unwrap(),
            status: VehicleStatus::Idle,
        }),
        Record::DispatchOrder(DispatchOrder {
            order_id: "PC-1".to_owned(),
            plate: Plate::parse("宁AD12345").unwrap(),
            start: DateTime::parse("2025-03-01 08:30").unwrap(),
            end: DateTime::parse("2025-03-01 08:30").unwrap(),
            purpose: "会议".to_owned(),
            distance_km: decimal("3.2"),
        }),
    ]
}

/// Records sorted by table and id, the order a document reads them in.
fn sorted(mut records: Vec<Record>) -> Vec<Record> {
    records.sort_by_key(|record| (record.table(), record.id()));
    records
}

fn document_with(ledger: Ledger, records: &[Record]) -> Automerge {
    let mut doc = new_document(&meta(ledger), TIME_MS).unwrap();
    write_records(&mut doc, records, TIME_MS + 1_000).unwrap();
    doc
}

#[test]
fn records_survive_save_and_load() {
    let cases = [
        (Ledger::Energy, energy_records()),
        (
            Ledger::OfficeSpace,
            vec![building("B-1", "200"), building("B-2", "150.5")],
        ),
        (Ledger::Vehicles, vehicle_records()),
    ];
    for (ledger, records) in cases {
        let doc = document_with(ledger, &records);
        let loaded = Automerge::load(&doc.save()).unwrap();
        assert_eq!(read_meta(&loaded).unwrap(), meta(ledger));
        assert_eq!(read_records(&loaded).unwrap(), sorted(records.clone()));
        assert_eq!(count_records(&loaded).unwrap(), records.len());
    }
}

#[test]
fn writes_are_deterministic_and_attributed_to_the_owner() {
    let first = document_with(Ledger::Energy, &energy_records());
    let second = document_with(Ledger::Energy, &energy_records());
    assert_eq!(first.get_heads(), second.get_heads());
    assert_eq!(first.save(), second.save());
    let changes = first.get_changes(&[]);
    assert_eq!(changes.len(), 2);
    for change in &changes {
        assert_eq!(change.actor_id(), &actor_for(owner()));
    }
    // automerge keeps change times in seconds.
    assert_eq!(changes[0].timestamp(), TIME_MS / 1000);
    assert_eq!(changes[1].timestamp(), TIME_MS / 1000 + 1);

    let other_time = {
        let mut doc = new_document(&meta(Ledger::Energy), TIME_MS).unwrap();
        write_records(&mut doc, &energy_records(), TIME_MS + 60_000).unwrap();
        doc
    };
    assert_ne!(first.get_heads(), other_time.get_heads());
    assert_ne!(
        actor_for(owner()),
        actor_for(DivisionCode::parse("640105000000").unwrap())
    );
}

#[test]
fn a_loaded_document_continues_the_owners_sequence() {
    let doc = document_with(Ledger::Energy, &energy_records());
    let mut restored = Automerge::load(&doc.save()).unwrap();
    write_records(
        &mut restored,
        &[energy(9, "2025-05", Carrier::Heat, "3")],
        TIME_MS + 2_000,
    )
    .unwrap();
    let changes = restored.get_changes(&[]);
    let last = changes.last().unwrap();
    assert_eq!(last.actor_id(), &actor_for(owner()));
    assert_eq!(last.seq(), 3);
}

#[test]
fn a_record_with_an_existing_id_replaces_it_and_deletes_remove_it() {
    let mut doc = document_with(
        Ledger::OfficeSpace,
        &[building("B-1", "200"), building("B-2", "300")],
    );
    write_records(&mut doc, &[building("B-1", "250")], TIME_MS + 2_000).unwrap();
    assert_eq!(count_records(&doc).unwrap(), 2);
    let read = read_records(&doc).unwrap();
    assert_eq!(read[0], building("B-1", "250"));

    let deleted = delete_records(
        &mut doc,
        Table::Buildings,
        &["B-2".to_owned(), "B-9".to_owned()],
        TIME_MS + 3_000,
    )
    .unwrap();
    assert_eq!(deleted, 1);
    assert_eq!(read_records(&doc).unwrap(), vec![building("B-1", "250")]);
    let heads = doc.get_heads();
    assert_eq!(
        delete_records(
            &mut doc,
            Table::Buildings,
            &["B-9".to_owned()],
            TIME_MS + 4_000
        )
        .unwrap(),
        0
    );
    assert_eq!(doc.get_heads(), heads, "deleting nothing makes no change");
    assert!(matches!(
        delete_records(&mut doc, Table::Vehicles, &["宁A12345".to_owned()], TIME_MS),
        Err(DocumentError::TableNotInLedger { .. })
    ));
}

#[test]
fn refuses_to_write_records_that_do_not_belong() {
    let mut doc = new_document(&meta(Ledger::Energy), TIME_MS).unwrap();
    let heads = doc.get_heads();
    assert!(matches!(
        write_records(&mut doc, &[building("B-1", "200")], TIME_MS),
        Err(DocumentError::TableNotInLedger {
            table: Table::Buildings,
            ledger: Ledger::Energy
        })
    ));
    let outside = energy(1, "2024-12", Carrier::Electricity, "1");
    match write_records(&mut doc, &[outside], TIME_MS) {
        Err(DocumentError::InvalidRecord {
            field: "month",
            source: RecordError::OutsidePeriod { .. },
            ..
        }) => {}
        other => panic!("expected a period error, got {other:?}"),
    }
    let mut negative = energy(1, "2025-01", Carrier::Electricity, "1");
    if let Record::EnergyConsumption(consumption) = &mut negative {
        consumption.quantity = decimal("-1");
    }
    assert!(matches!(
        write_records(&mut doc, &[negative], TIME_MS),
        Err(DocumentError::InvalidRecord {
            field: "quantity",
            ..
        })
    ));
    let twice = [
        energy(1, "2025-01", Carrier::Electricity, "1"),
        energy(1, "2025-01", Carrier::Electricity, "2"),
    ];
    assert!(matches!(
        write_records(&mut doc, &twice, TIME_MS),
        Err(DocumentError::DuplicateId(_))
    ));
    assert_eq!(doc.get_heads(), heads, "refused writes change nothing");
}

/// The object ids a corruption needs: the tables map, the energy table and the first record.
struct Places {
    tables: ObjId,
    table: ObjId,
    record: ObjId,
    record_id: String,
    meta: ObjId,
}

fn places(doc: &Automerge) -> Places {
    let (_, tables) = doc.get(ROOT, "tables").unwrap().unwrap();
    let (_, meta) = doc.get(ROOT, "meta").unwrap().unwrap();
    let (_, table) = doc.get(&tables, "energy_consumption").unwrap().unwrap();
    let record_id = energy_records()[0].id();
    let (_, record) = doc.get(&table, record_id.as_str()).unwrap().unwrap();
    Places {
        tables,
        table,
        record,
        record_id,
        meta,
    }
}

/// Stores a record map with the non-key fields of an energy record under `key`, as a peer could.
fn put_energy_under(
    transaction: &mut automerge::transaction::Transaction<'_>,
    at: &Places,
    key: &str,
) {
    let map = transaction
        .put_object(&at.table, key, ObjType::Map)
        .unwrap();
    transaction.put(&map, "quantity", "1").unwrap();
    transaction.put(&map, "cost_yuan", "0").unwrap();
}

/// A corruption a peer could send, and what the error must name.
struct Corruption {
    what: &'static str,
    corrupt: fn(&mut automerge::transaction::Transaction<'_>, &Places),
    expect: fn(&DocumentError) -> bool,
    message_names: &'static [&'static str],
}

const CORRUPTIONS: &[Corruption] = &[
    Corruption {
        what: "a decimal stored as a float",
        corrupt: |transaction, at| {
            transaction
                .put(&at.record, "quantity", ScalarValue::F64(1000.0))
                .unwrap()
        },
        expect: |error| {
            matches!(
                error,
                DocumentError::WrongType {
                    table: Table::EnergyConsumption,
                    field: "quantity",
                    ..
                }
            )
        },
        message_names: &["energy_consumption", "quantity", "float"],
    },
    Corruption {
        what: "a boolean where text belongs",
        corrupt: |transaction, at| transaction.put(&at.record, "cost_yuan", true).unwrap(),
        expect: |error| {
            matches!(
                error,
                DocumentError::WrongType {
                    field: "cost_yuan",
                    ..
                }
            )
        },
        message_names: &["cost_yuan", "boolean"],
    },
    Corruption {
        what: "an unknown table",
        corrupt: |transaction, at| {
            transaction
                .put_object(&at.tables, "rooms", ObjType::Map)
                .unwrap();
        },
        expect: |error| matches!(error, DocumentError::UnknownTable { table } if table == "rooms"),
        message_names: &["rooms"],
    },
    Corruption {
        what: "a table of another ledger",
        corrupt: |transaction, at| {
            transaction
                .put_object(&at.tables, "buildings", ObjType::Map)
                .unwrap();
        },
        expect: |error| {
            matches!(
                error,
                DocumentError::TableNotInLedger {
                    table: Table::Buildings,
                    ..
                }
            )
        },
        message_names: &["buildings", "energy"],
    },
    Corruption {
        what: "a bad enum slug",
        corrupt: |transaction, at| {
            let credit = at.record_id.split('/').next().unwrap().to_owned();
            put_energy_under(transaction, at, &format!("{credit}/steam/2025-01"));
        },
        expect: |error| matches!(error, DocumentError::InvalidField { field: "carrier", value, .. } if value == "steam"),
        message_names: &["energy_consumption", "carrier", "steam"],
    },
    Corruption {
        what: "a Chinese name where the slug belongs",
        corrupt: |transaction, at| {
            let credit = at.record_id.split('/').next().unwrap().to_owned();
            put_energy_under(transaction, at, &format!("{credit}/电力/2025-01"));
        },
        expect: |error| {
            matches!(
                error,
                DocumentError::InvalidField {
                    field: "carrier",
                    ..
                }
            )
        },
        message_names: &["carrier"],
    },
    Corruption {
        what: "a credit code with a bad check character",
        corrupt: |transaction, at| {
            put_energy_under(transaction, at, "12640104MB0000001A/electricity/2025-01");
        },
        expect: |error| {
            matches!(
                error,
                DocumentError::InvalidField {
                    field: "institution_credit_code",
                    ..
                }
            )
        },
        message_names: &["institution_credit_code", "check character"],
    },
    Corruption {
        what: "a decimal with an exponent",
        corrupt: |transaction, at| transaction.put(&at.record, "quantity", "1e3").unwrap(),
        expect: |error| {
            matches!(
                error,
                DocumentError::InvalidField {
                    field: "quantity",
                    ..
                }
            )
        },
        message_names: &["quantity", "1e3"],
    },
    Corruption {
        what: "a decimal not in normalized form",
        corrupt: |transaction, at| transaction.put(&at.record, "quantity", "1000.0").unwrap(),
        expect: |error| {
            matches!(
                error,
                DocumentError::InvalidField {
                    field: "quantity",
                    ..
                }
            )
        },
        message_names: &["quantity", "1000.0"],
    },
    Corruption {
        what: "a negative quantity",
        corrupt: |transaction, at| transaction.put(&at.record, "quantity", "-1000").unwrap(),
        expect: |error| {
            matches!(
                error,
                DocumentError::InvalidField {
                    field: "quantity",
                    ..
                }
            )
        },
        message_names: &["quantity", "non-negative"],
    },
    Corruption {
        what: "an unknown field",
        corrupt: |transaction, at| transaction.put(&at.record, "colour", "red").unwrap(),
        expect: |error| matches!(error, DocumentError::UnknownField { field, .. } if field == "colour"),
        message_names: &["colour"],
    },
    Corruption {
        what: "a missing field",
        corrupt: |transaction, at| transaction.delete(&at.record, "cost_yuan").unwrap(),
        expect: |error| {
            matches!(
                error,
                DocumentError::MissingField {
                    field: "cost_yuan",
                    ..
                }
            )
        },
        message_names: &["cost_yuan"],
    },
    Corruption {
        what: "a key field stored again inside the record",
        corrupt: |transaction, at| transaction.put(&at.record, "month", "2025-06").unwrap(),
        expect: |error| matches!(error, DocumentError::UnknownField { field, .. } if field == "month"),
        message_names: &["month"],
    },
    Corruption {
        what: "a record id that does not join its key fields",
        corrupt: |transaction, at| put_energy_under(transaction, at, "only/two"),
        expect: |error| {
            matches!(
                error,
                DocumentError::InvalidField {
                    field: "institution_credit_code",
                    ..
                }
            )
        },
        message_names: &["only/two", "institution_credit_code, carrier, month"],
    },
    Corruption {
        what: "a record outside the period",
        corrupt: |transaction, at| {
            let record = energy(1, "2024-01", Carrier::Heat, "1");
            let (_, map) = (
                0,
                transaction
                    .put_object(&at.table, record.id(), ObjType::Map)
                    .unwrap(),
            );
            for (field, value) in [("quantity", "1".to_owned()), ("cost_yuan", "0".to_owned())] {
                transaction.put(&map, field, value).unwrap();
            }
        },
        expect: |error| {
            matches!(
                error,
                DocumentError::InvalidRecord {
                    field: "month",
                    source: RecordError::OutsidePeriod { .. },
                    ..
                }
            )
        },
        message_names: &["month", "2024-01"],
    },
    Corruption {
        what: "a record that is not a map",
        corrupt: |transaction, at| transaction.put(&at.table, "x", "not a record").unwrap(),
        expect: |error| matches!(error, DocumentError::NotAMap { place, .. } if place == "tables.energy_consumption.x"),
        message_names: &["tables.energy_consumption.x"],
    },
    Corruption {
        what: "a later schema version",
        corrupt: |transaction, at| transaction.put(&at.meta, "schema_version", 2_u64).unwrap(),
        expect: |error| matches!(error, DocumentError::UnsupportedSchemaVersion { found: 2 }),
        message_names: &["2"],
    },
    Corruption {
        what: "an owner that is not a division code",
        corrupt: |transaction, at| transaction.put(&at.meta, "owner", 640_104_i64).unwrap(),
        expect: |error| matches!(error, DocumentError::MetaField { field: "owner", .. }),
        message_names: &["owner"],
    },
    Corruption {
        what: "no meta",
        corrupt: |transaction, _| transaction.delete(ROOT, "meta").unwrap(),
        expect: |error| matches!(error, DocumentError::MetaMissing),
        message_names: &["meta"],
    },
    Corruption {
        what: "an unknown root key",
        corrupt: |transaction, _| transaction.put(ROOT, "extra", 1_i64).unwrap(),
        expect: |error| matches!(error, DocumentError::UnknownRootKey { key } if key == "extra"),
        message_names: &["extra"],
    },
    Corruption {
        what: "tables that are not a map",
        corrupt: |transaction, _| transaction.put(ROOT, "tables", "none").unwrap(),
        expect: |error| matches!(error, DocumentError::NotAMap { place, .. } if place == "tables"),
        message_names: &["tables"],
    },
];

#[test]
fn corrupted_documents_give_errors_that_name_the_place() {
    let original = document_with(Ledger::Energy, &energy_records());
    for corruption in CORRUPTIONS {
        // The corruption arrives as a peer's change, through save and load as over the network.
        let mut doc = Automerge::load(&original.save()).unwrap();
        let at = places(&doc);
        let mut transaction = doc.transaction();
        (corruption.corrupt)(&mut transaction, &at);
        transaction.commit();
        let doc = Automerge::load(&doc.save()).unwrap();

        let error = read_records(&doc).expect_err(corruption.what);
        assert!(
            (corruption.expect)(&error),
            "{}: got {error:?}",
            corruption.what
        );
        let message = error.to_string();
        for name in corruption.message_names {
            assert!(
                message.contains(name),
                "{}: {message:?} should name {name:?}",
                corruption.what
            );
        }
        if let DocumentError::WrongType { record_id, .. }
        | DocumentError::InvalidField { record_id, .. }
        | DocumentError::MissingField { record_id, .. } = &error
        {
            // The error names a record that is really stored, so a clerk can find it.
            let stored = doc
                .get(ROOT, "tables")
                .unwrap()
                .and_then(|(_, tables)| doc.get(&tables, "energy_consumption").unwrap())
                .and_then(|(_, table)| doc.get(&table, record_id.as_str()).unwrap());
            assert!(
                stored.is_some(),
                "{}: {record_id} is not a stored record",
                corruption.what
            );
        }
    }
}

#[test]
fn corrupted_building_areas_are_refused_with_the_field() {
    let mut doc = document_with(Ledger::OfficeSpace, &[building("B-1", "200")]);
    let (_, tables) = doc.get(ROOT, "tables").unwrap().unwrap();
    let (_, table) = doc.get(&tables, "buildings").unwrap().unwrap();
    let (_, record) = doc.get(&table, "B-1").unwrap().unwrap();
    let mut transaction = doc.transaction();
    transaction.put(&record, "floor_area_m2", "100").unwrap();
    transaction.put(&record, "build_year", -5_i64).unwrap();
    transaction.commit();
    match read_records(&doc) {
        Err(DocumentError::WrongType {
            field: "build_year",
            ..
        }) => {}
        other => panic!("expected a build_year type error, got {other:?}"),
    }
    let mut transaction = doc.transaction();
    transaction.put(&record, "build_year", 1998_u64).unwrap();
    transaction.commit();
    match read_records(&doc) {
        Err(DocumentError::InvalidRecord {
            table: Table::Buildings,
            record_id,
            field: "floor_area_m2",
            source: RecordError::UsableAreaExceedsFloorArea { .. },
        }) if record_id == "B-1" => {}
        other => panic!("expected an area error, got {other:?}"),
    }
}

#[test]
fn appends_to_a_filled_table_and_refills_an_emptied_one() {
    let mut doc = document_with(Ledger::OfficeSpace, &[building("B-1", "200")]);
    // The table now holds a record, so these are created one batch object each.
    write_records(
        &mut doc,
        &[building("B-2", "300"), building("B-3", "400")],
        TIME_MS + 2_000,
    )
    .unwrap();
    let all = vec![
        building("B-1", "200"),
        building("B-2", "300"),
        building("B-3", "400"),
    ];
    assert_eq!(read_records(&doc).unwrap(), all);

    let ids: Vec<String> = all.iter().map(Record::id).collect();
    assert_eq!(
        delete_records(&mut doc, Table::Buildings, &ids, TIME_MS + 3_000).unwrap(),
        3
    );
    assert_eq!(count_records(&doc).unwrap(), 0);
    // The emptied table is made anew, whole, in one batch.
    write_records(&mut doc, &all[1..], TIME_MS + 4_000).unwrap();
    let loaded = Automerge::load(&doc.save()).unwrap();
    assert_eq!(read_records(&loaded).unwrap(), all[1..].to_vec());
}
