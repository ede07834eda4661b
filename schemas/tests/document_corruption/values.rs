//! Corruptions of stored field values: a value of the wrong automerge type, one not written in its
//! canonical form or out of its range, and values that break a rule of their record (the period,
//! areas, people, displacement, the order of start and end).

use automerge::ScalarValue;
use automerge::transaction::Transactable;
use schemas::document::ExpectedType;
use schemas::{Ledger, Table};

use crate::document_samples::{credit, record_map};
use crate::{
    Corruption, invalid_field, invalid_record, put_energy_under, set_first, text, wrong_type,
};

/// Values of the wrong type or not in canonical form, of non-key fields.
pub const STORED_VALUES: &[Corruption] = &[
    Corruption {
        what: "a count stored as text",
        ledger: Ledger::Energy,
        corrupt: |transaction| set_first(transaction, Table::Institutions, "people", text("150")),
        expect: |error| {
            wrong_type(
                error,
                Table::Institutions,
                "people",
                ExpectedType::UnsignedInteger,
            )
        },
        message_names: &["unsigned integer", "the string \"150\""],
    },
    Corruption {
        what: "a non-canonical count 007 stored as text",
        ledger: Ledger::Energy,
        corrupt: |transaction| set_first(transaction, Table::Institutions, "people", text("007")),
        expect: |error| {
            wrong_type(
                error,
                Table::Institutions,
                "people",
                ExpectedType::UnsignedInteger,
            )
        },
        message_names: &["\"007\""],
    },
    Corruption {
        what: "a count stored as a signed integer",
        ledger: Ledger::OfficeSpace,
        corrupt: |transaction| {
            set_first(
                transaction,
                Table::OfficeRooms,
                "occupants",
                ScalarValue::Int(1),
            )
        },
        expect: |error| {
            wrong_type(
                error,
                Table::OfficeRooms,
                "occupants",
                ExpectedType::UnsignedInteger,
            )
        },
        message_names: &["the integer 1"],
    },
    Corruption {
        what: "a count above its bound",
        ledger: Ledger::Vehicles,
        corrupt: |transaction| {
            set_first(
                transaction,
                Table::VehicleQuotas,
                "quota",
                ScalarValue::Uint(1_000_000_001),
            )
        },
        expect: |error| invalid_field(error, Table::VehicleQuotas, "quota", "1000000001"),
        message_names: &["whole number"],
    },
    Corruption {
        what: "a year stored as text",
        ledger: Ledger::OfficeSpace,
        corrupt: |transaction| set_first(transaction, Table::Buildings, "build_year", text("1998")),
        expect: |error| {
            wrong_type(
                error,
                Table::Buildings,
                "build_year",
                ExpectedType::UnsignedInteger,
            )
        },
        message_names: &["\"1998\""],
    },
    Corruption {
        what: "a year out of range",
        ledger: Ledger::OfficeSpace,
        corrupt: |transaction| {
            set_first(
                transaction,
                Table::Buildings,
                "build_year",
                ScalarValue::Uint(1700),
            )
        },
        expect: |error| invalid_field(error, Table::Buildings, "build_year", "1700"),
        message_names: &["1800"],
    },
    Corruption {
        what: "a boolean stored as text",
        ledger: Ledger::Vehicles,
        corrupt: |transaction| {
            set_first(transaction, Table::Vehicles, "domestic_brand", text("true"))
        },
        expect: |error| {
            wrong_type(
                error,
                Table::Vehicles,
                "domestic_brand",
                ExpectedType::Boolean,
            )
        },
        message_names: &["the string \"true\""],
    },
    Corruption {
        what: "a boolean stored as an integer",
        ledger: Ledger::Vehicles,
        corrupt: |transaction| {
            set_first(
                transaction,
                Table::Vehicles,
                "domestic_brand",
                ScalarValue::Uint(1),
            )
        },
        expect: |error| {
            wrong_type(
                error,
                Table::Vehicles,
                "domestic_brand",
                ExpectedType::Boolean,
            )
        },
        message_names: &["unsigned integer 1"],
    },
    Corruption {
        what: "a decimal stored as a float",
        ledger: Ledger::Energy,
        corrupt: |transaction| {
            set_first(
                transaction,
                Table::EnergyConsumption,
                "quantity",
                ScalarValue::F64(1000.0),
            )
        },
        expect: |error| {
            wrong_type(
                error,
                Table::EnergyConsumption,
                "quantity",
                ExpectedType::String,
            )
        },
        message_names: &["float"],
    },
    Corruption {
        what: "a boolean where text belongs",
        ledger: Ledger::Energy,
        corrupt: |transaction| {
            set_first(
                transaction,
                Table::EnergyConsumption,
                "cost_yuan",
                ScalarValue::Boolean(true),
            )
        },
        expect: |error| {
            wrong_type(
                error,
                Table::EnergyConsumption,
                "cost_yuan",
                ExpectedType::String,
            )
        },
        message_names: &["boolean"],
    },
    Corruption {
        what: "a non-canonical amount 1.50",
        ledger: Ledger::Energy,
        corrupt: |transaction| {
            set_first(
                transaction,
                Table::EnergyConsumption,
                "cost_yuan",
                text("1.50"),
            )
        },
        expect: |error| invalid_field(error, Table::EnergyConsumption, "cost_yuan", "1.50"),
        message_names: &["must be written \"1.5\""],
    },
    Corruption {
        what: "a decimal with an exponent",
        ledger: Ledger::Energy,
        corrupt: |transaction| {
            set_first(
                transaction,
                Table::EnergyConsumption,
                "quantity",
                text("1e3"),
            )
        },
        expect: |error| invalid_field(error, Table::EnergyConsumption, "quantity", "1e3"),
        message_names: &["no thousands separators, exponent or unit"],
    },
    Corruption {
        what: "a decimal not in normalized form",
        ledger: Ledger::Energy,
        corrupt: |transaction| {
            set_first(
                transaction,
                Table::EnergyConsumption,
                "quantity",
                text("1000.0"),
            )
        },
        expect: |error| invalid_field(error, Table::EnergyConsumption, "quantity", "1000.0"),
        message_names: &["must be written \"1000\""],
    },
    Corruption {
        what: "a negative amount",
        ledger: Ledger::Energy,
        corrupt: |transaction| {
            set_first(
                transaction,
                Table::EnergyConsumption,
                "quantity",
                text("-1000"),
            )
        },
        expect: |error| invalid_field(error, Table::EnergyConsumption, "quantity", "-1000"),
        message_names: &["non-negative"],
    },
    Corruption {
        what: "an optional amount stored empty",
        ledger: Ledger::Energy,
        corrupt: |transaction| set_first(transaction, Table::WasteSorting, "disposed_kg", text("")),
        expect: |error| invalid_field(error, Table::WasteSorting, "disposed_kg", ""),
        message_names: &["must not be empty"],
    },
    Corruption {
        what: "a date not written canonically",
        ledger: Ledger::OfficeSpace,
        corrupt: |transaction| {
            set_first(
                transaction,
                Table::SpaceDisposals,
                "date",
                text("2025-6-30"),
            )
        },
        expect: |error| invalid_field(error, Table::SpaceDisposals, "date", "2025-6-30"),
        message_names: &["YYYY-MM-DD"],
    },
    Corruption {
        what: "a VIN with a Q",
        ledger: Ledger::Vehicles,
        corrupt: |transaction| {
            set_first(
                transaction,
                Table::Vehicles,
                "vin",
                text("LSVAN4187C212345Q"),
            )
        },
        expect: |error| invalid_field(error, Table::Vehicles, "vin", "LSVAN4187C212345Q"),
        message_names: &["I, O and Q"],
    },
    Corruption {
        what: "a lowercase VIN",
        ledger: Ledger::Vehicles,
        corrupt: |transaction| {
            set_first(
                transaction,
                Table::Vehicles,
                "vin",
                text("lsvan4187c2123456"),
            )
        },
        expect: |error| invalid_field(error, Table::Vehicles, "vin", "lsvan4187c2123456"),
        message_names: &["must be written \"LSVAN4187C2123456\""],
    },
    Corruption {
        what: "a choice slug that is not in its list",
        ledger: Ledger::OfficeSpace,
        corrupt: |transaction| {
            set_first(
                transaction,
                Table::OfficeRooms,
                "occupant_rank",
                text("minister"),
            )
        },
        expect: |error| invalid_field(error, Table::OfficeRooms, "occupant_rank", "minister"),
        message_names: &["正科级 (county_section_head)"],
    },
    Corruption {
        what: "a Chinese name where the slug belongs",
        ledger: Ledger::OfficeSpace,
        corrupt: |transaction| set_first(transaction, Table::Buildings, "ownership", text("借用")),
        expect: |error| invalid_field(error, Table::Buildings, "ownership", "借用"),
        message_names: &["must be written \"borrowed\""],
    },
    Corruption {
        what: "a slug with trailing white space",
        ledger: Ledger::Energy,
        corrupt: |transaction| {
            set_first(transaction, Table::Institutions, "type_code", text("01 "))
        },
        expect: |error| invalid_field(error, Table::Institutions, "type_code", "01 "),
        message_names: &["must be written \"01\""],
    },
];

/// Records whose every value is well formed but which break a rule of their table.
pub const RECORD_RULES: &[Corruption] = &[
    Corruption {
        what: "a record outside the period",
        ledger: Ledger::Energy,
        corrupt: |transaction| {
            put_energy_under(transaction, &format!("{}/heat/2024-01", credit(1)))
        },
        expect: |error| {
            invalid_record(
                error,
                Table::EnergyConsumption,
                "month",
                "must lie in the document's period 2025",
            )
        },
        message_names: &["2024-01"],
    },
    Corruption {
        what: "a dispatch order starting outside the period",
        ledger: Ledger::Vehicles,
        corrupt: |transaction| {
            set_first(
                transaction,
                Table::DispatchOrders,
                "start",
                text("2024-12-31 23:00"),
            )
        },
        expect: |error| {
            invalid_record(
                error,
                Table::DispatchOrders,
                "start",
                "must lie in the document's period",
            )
        },
        message_names: &["2024-12"],
    },
    Corruption {
        what: "a space whose usable area exceeds its floor area",
        ledger: Ledger::OfficeSpace,
        corrupt: |transaction| {
            set_first(transaction, Table::OfficeSpaces, "usable_m2", text("130"))
        },
        expect: |error| {
            invalid_record(
                error,
                Table::OfficeSpaces,
                "usable_m2",
                "must not exceed the floor area 120.5 m2",
            )
        },
        message_names: &["130"],
    },
    Corruption {
        what: "an institution with floor area 0",
        ledger: Ledger::Energy,
        corrupt: |transaction| {
            set_first(transaction, Table::Institutions, "floor_area_m2", text("0"))
        },
        expect: |error| invalid_record(error, Table::Institutions, "floor_area_m2", "above 0"),
        message_names: &[],
    },
    Corruption {
        what: "an institution with no people",
        ledger: Ledger::Energy,
        corrupt: |transaction| {
            set_first(
                transaction,
                Table::Institutions,
                "people",
                ScalarValue::Uint(0),
            )
        },
        expect: |error| invalid_record(error, Table::Institutions, "people", "above 0"),
        message_names: &[],
    },
    Corruption {
        what: "a battery electric vehicle with a displacement",
        ledger: Ledger::Vehicles,
        corrupt: |transaction| {
            let map = record_map(transaction, Table::Vehicles, "宁AD12345");
            transaction.put(&map, "displacement_l", "1.5").unwrap();
        },
        expect: |error| {
            invalid_record(error, Table::Vehicles, "displacement_l", "battery electric")
        },
        message_names: &[],
    },
    Corruption {
        what: "a dispatch order ending before it starts",
        ledger: Ledger::Vehicles,
        corrupt: |transaction| {
            set_first(
                transaction,
                Table::DispatchOrders,
                "end",
                text("2025-03-01 08:29"),
            )
        },
        expect: |error| {
            invalid_record(
                error,
                Table::DispatchOrders,
                "end",
                "must not be before the start",
            )
        },
        message_names: &[],
    },
];
