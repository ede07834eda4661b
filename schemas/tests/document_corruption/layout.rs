//! Corruptions of the layout of a document: record keys that are malformed or not canonical, fields
//! unknown or missing, and maps, tables, meta and root keys that do not belong.

use automerge::transaction::Transactable;
use automerge::{ObjType, ROOT, ReadDoc};
use schemas::{DocumentError, Ledger, Table};

use crate::document_samples::{credit, table_map};
use crate::{
    Corruption, first_record, invalid_field, put_energy_under, put_record, put_room_under,
    set_first, text,
};

/// Record keys that are malformed, not canonical, or have the wrong number of parts.
pub const KEYS: &[Corruption] = &[
    Corruption {
        what: "a choice slug in a key that is not in its list",
        ledger: Ledger::Energy,
        corrupt: |transaction| {
            put_energy_under(transaction, &format!("{}/steam/2025-01", credit(1)))
        },
        expect: |error| invalid_field(error, Table::EnergyConsumption, "carrier", "steam"),
        message_names: &["电力 (electricity)"],
    },
    Corruption {
        what: "a Chinese name in a key where the slug belongs",
        ledger: Ledger::Energy,
        corrupt: |transaction| {
            put_energy_under(transaction, &format!("{}/电力/2025-01", credit(1)))
        },
        expect: |error| invalid_field(error, Table::EnergyConsumption, "carrier", "电力"),
        message_names: &["must be written \"electricity\""],
    },
    Corruption {
        what: "a credit code with a bad check character in a key",
        ledger: Ledger::Energy,
        corrupt: |transaction| {
            put_energy_under(transaction, "12640104MB0000001A/electricity/2025-01")
        },
        expect: |error| {
            invalid_field(
                error,
                Table::EnergyConsumption,
                "institution_credit_code",
                "12640104MB0000001A",
            )
        },
        message_names: &["check character"],
    },
    Corruption {
        what: "a key whose credit code is not written canonically",
        ledger: Ledger::Energy,
        corrupt: |transaction| {
            let key = format!("{}/electricity/2025-04", credit(1).to_lowercase());
            put_energy_under(transaction, &key)
        },
        expect: |error| {
            matches!(
                error,
                DocumentError::InvalidField {
                    table: Table::EnergyConsumption,
                    field: "institution_credit_code",
                    rule,
                    ..
                } if rule.starts_with("must be written")
            )
        },
        message_names: &["12640104mb"],
    },
    Corruption {
        what: "a key whose plate is in lower case",
        ledger: Ledger::Vehicles,
        corrupt: |transaction| {
            put_record(
                transaction,
                Table::VehicleDisposals,
                "宁b54322",
                &[
                    ("method", "scrap"),
                    ("date", "2025-02-01"),
                    ("income_yuan", "0"),
                ],
            )
        },
        expect: |error| invalid_field(error, Table::VehicleDisposals, "plate", "宁b54322"),
        message_names: &["must be written \"宁B54322\""],
    },
    Corruption {
        what: "a key that is not a plate",
        ledger: Ledger::Vehicles,
        corrupt: |transaction| {
            put_record(
                transaction,
                Table::VehicleDisposals,
                "A12345",
                &[
                    ("method", "scrap"),
                    ("date", "2025-02-01"),
                    ("income_yuan", "0"),
                ],
            )
        },
        expect: |error| invalid_field(error, Table::VehicleDisposals, "plate", "A12345"),
        message_names: &["number plate"],
    },
    Corruption {
        what: "a key whose month is not written canonically",
        ledger: Ledger::OfficeSpace,
        corrupt: |transaction| {
            put_record(
                transaction,
                Table::RentalIncome,
                "B-1/2025-4",
                &[("rented_floor_m2", "30"), ("income_yuan", "4500")],
            )
        },
        expect: |error| invalid_field(error, Table::RentalIncome, "month", "2025-4"),
        message_names: &["YYYY-MM"],
    },
    Corruption {
        what: "a key with an empty identifier part",
        ledger: Ledger::OfficeSpace,
        corrupt: |transaction| put_room_under(transaction, "/103"),
        expect: |error| invalid_field(error, Table::OfficeRooms, "building_id", ""),
        message_names: &["must not be empty"],
    },
    Corruption {
        what: "a single-id key with surrounding white space",
        ledger: Ledger::Vehicles,
        corrupt: |transaction| {
            put_record(
                transaction,
                Table::DispatchOrders,
                " PC-3",
                &[
                    ("plate", "宁AD12345"),
                    ("start", "2025-03-02 08:00"),
                    ("end", "2025-03-02 09:00"),
                    ("purpose", "会议"),
                    ("distance_km", "1"),
                ],
            )
        },
        expect: |error| invalid_field(error, Table::DispatchOrders, "order_id", " PC-3"),
        message_names: &["white space"],
    },
    Corruption {
        what: "a composite key with too few parts",
        ledger: Ledger::Energy,
        corrupt: |transaction| put_energy_under(transaction, "only/two"),
        expect: |error| {
            invalid_field(
                error,
                Table::EnergyConsumption,
                "institution_credit_code",
                "only/two",
            )
        },
        message_names: &["institution_credit_code, carrier, month"],
    },
    Corruption {
        what: "a composite key with too many parts",
        ledger: Ledger::OfficeSpace,
        corrupt: |transaction| put_room_under(transaction, "B-1/1/01"),
        expect: |error| invalid_field(error, Table::OfficeRooms, "building_id", "B-1/1/01"),
        message_names: &["building_id, room_no"],
    },
];

/// Fields that are not in the table, missing, or a key field stored again as a value.
pub const FIELDS: &[Corruption] = &[
    Corruption {
        what: "an unknown field",
        ledger: Ledger::Energy,
        corrupt: |transaction| {
            set_first(transaction, Table::EnergyConsumption, "colour", text("red"))
        },
        expect: |error| matches!(error, DocumentError::UnknownField { table: Table::EnergyConsumption, field, .. } if field == "colour"),
        message_names: &["colour"],
    },
    Corruption {
        what: "a missing field",
        ledger: Ledger::Energy,
        corrupt: |transaction| {
            let map = first_record(transaction, Table::EnergyConsumption);
            transaction.delete(&map, "cost_yuan").unwrap();
        },
        expect: |error| {
            matches!(
                error,
                DocumentError::MissingField {
                    table: Table::EnergyConsumption,
                    field: "cost_yuan",
                    ..
                }
            )
        },
        message_names: &[],
    },
    Corruption {
        what: "a missing optional field",
        ledger: Ledger::Vehicles,
        corrupt: |transaction| {
            let map = first_record(transaction, Table::VehicleCosts);
            transaction.delete(&map, "parking_yuan").unwrap();
        },
        expect: |error| {
            matches!(
                error,
                DocumentError::MissingField {
                    table: Table::VehicleCosts,
                    field: "parking_yuan",
                    ..
                }
            )
        },
        message_names: &[],
    },
    Corruption {
        what: "a key that does not match the content: a key field stored again, differently",
        ledger: Ledger::Energy,
        corrupt: |transaction| {
            set_first(
                transaction,
                Table::EnergyConsumption,
                "month",
                text("2025-06"),
            )
        },
        expect: |error| matches!(error, DocumentError::UnknownField { table: Table::EnergyConsumption, field, .. } if field == "month"),
        message_names: &[],
    },
    Corruption {
        what: "a key that does not match the content: a single id stored again",
        ledger: Ledger::Vehicles,
        corrupt: |transaction| set_first(transaction, Table::Vehicles, "plate", text("宁A99999")),
        expect: |error| matches!(error, DocumentError::UnknownField { table: Table::Vehicles, field, .. } if field == "plate"),
        message_names: &[],
    },
];

/// Records, tables, meta and root keys that are not maps, unknown, or of another ledger or version.
pub const STRUCTURE: &[Corruption] = &[
    Corruption {
        what: "a record that is not a map",
        ledger: Ledger::Energy,
        corrupt: |transaction| {
            let table_id = table_map(transaction, Table::EnergyConsumption);
            transaction.put(&table_id, "x", "not a record").unwrap();
        },
        expect: |error| matches!(error, DocumentError::NotAMap { place, .. } if place == "tables.energy_consumption.x"),
        message_names: &["tables.energy_consumption.x", "the string \"not a record\""],
    },
    Corruption {
        what: "a table that is not a map",
        ledger: Ledger::Energy,
        corrupt: |transaction| {
            let (_, tables) = transaction.get(ROOT, "tables").unwrap().unwrap();
            transaction.put(&tables, "waste_sorting", 3_u64).unwrap();
        },
        expect: |error| matches!(error, DocumentError::NotAMap { place, .. } if place == "tables.waste_sorting"),
        message_names: &["tables.waste_sorting"],
    },
    Corruption {
        what: "an unknown table",
        ledger: Ledger::Energy,
        corrupt: |transaction| {
            let (_, tables) = transaction.get(ROOT, "tables").unwrap().unwrap();
            transaction
                .put_object(&tables, "rooms", ObjType::Map)
                .unwrap();
        },
        expect: |error| matches!(error, DocumentError::UnknownTable { table } if table == "rooms"),
        message_names: &["rooms"],
    },
    Corruption {
        what: "a table under its Chinese name",
        ledger: Ledger::Energy,
        corrupt: |transaction| {
            let (_, tables) = transaction.get(ROOT, "tables").unwrap().unwrap();
            transaction
                .put_object(&tables, "垃圾分类", ObjType::Map)
                .unwrap();
        },
        expect: |error| matches!(error, DocumentError::UnknownTable { table } if table == "垃圾分类"),
        message_names: &["垃圾分类"],
    },
    Corruption {
        what: "a table of another ledger",
        ledger: Ledger::Energy,
        corrupt: |transaction| {
            let (_, tables) = transaction.get(ROOT, "tables").unwrap().unwrap();
            transaction
                .put_object(&tables, "buildings", ObjType::Map)
                .unwrap();
        },
        expect: |error| {
            matches!(
                error,
                DocumentError::TableNotInLedger {
                    table: Table::Buildings,
                    ledger: Ledger::Energy,
                }
            )
        },
        message_names: &["buildings", "energy"],
    },
    Corruption {
        what: "a vehicles table in an office space document",
        ledger: Ledger::OfficeSpace,
        corrupt: |transaction| {
            let (_, tables) = transaction.get(ROOT, "tables").unwrap().unwrap();
            transaction
                .put_object(&tables, "dispatch_orders", ObjType::Map)
                .unwrap();
        },
        expect: |error| {
            matches!(
                error,
                DocumentError::TableNotInLedger {
                    table: Table::DispatchOrders,
                    ledger: Ledger::OfficeSpace,
                }
            )
        },
        message_names: &["dispatch_orders", "office_space"],
    },
    Corruption {
        what: "a later schema version",
        ledger: Ledger::Energy,
        corrupt: |transaction| {
            let (_, meta) = transaction.get(ROOT, "meta").unwrap().unwrap();
            transaction.put(&meta, "schema_version", 2_u64).unwrap();
        },
        expect: |error| matches!(error, DocumentError::UnsupportedSchemaVersion { found: 2 }),
        message_names: &["2"],
    },
    Corruption {
        what: "an owner that is not a division code",
        ledger: Ledger::Energy,
        corrupt: |transaction| {
            let (_, meta) = transaction.get(ROOT, "meta").unwrap().unwrap();
            transaction.put(&meta, "owner", 640_104_i64).unwrap();
        },
        expect: |error| matches!(error, DocumentError::MetaField { field: "owner", .. }),
        message_names: &["owner"],
    },
    Corruption {
        what: "a period not written canonically",
        ledger: Ledger::Vehicles,
        corrupt: |transaction| {
            let (_, meta) = transaction.get(ROOT, "meta").unwrap().unwrap();
            transaction.put(&meta, "period", "2025-q1").unwrap();
        },
        expect: |error| {
            matches!(
                error,
                DocumentError::MetaField {
                    field: "period",
                    ..
                }
            )
        },
        message_names: &["period"],
    },
    Corruption {
        what: "an unknown meta field",
        ledger: Ledger::Energy,
        corrupt: |transaction| {
            let (_, meta) = transaction.get(ROOT, "meta").unwrap().unwrap();
            transaction.put(&meta, "signature", "x").unwrap();
        },
        expect: |error| matches!(error, DocumentError::UnknownMetaField { field } if field == "signature"),
        message_names: &["signature"],
    },
    Corruption {
        what: "no meta",
        ledger: Ledger::Energy,
        corrupt: |transaction| transaction.delete(ROOT, "meta").unwrap(),
        expect: |error| matches!(error, DocumentError::MetaMissing),
        message_names: &["meta"],
    },
    Corruption {
        what: "an unknown root key",
        ledger: Ledger::Energy,
        corrupt: |transaction| transaction.put(ROOT, "extra", 1_i64).unwrap(),
        expect: |error| matches!(error, DocumentError::UnknownRootKey { key } if key == "extra"),
        message_names: &["extra"],
    },
    Corruption {
        what: "tables that are not a map",
        ledger: Ledger::Energy,
        corrupt: |transaction| transaction.put(ROOT, "tables", "none").unwrap(),
        expect: |error| matches!(error, DocumentError::NotAMap { place, .. } if place == "tables"),
        message_names: &["tables"],
    },
];
