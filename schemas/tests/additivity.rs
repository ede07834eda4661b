//! Property tests of consolidation: figures are additive and independent of record order.
//!
//! For random record sets of each ledger, split at random into groups (as records are split among
//! counties), the sum of the groups' figures must equal the figures of the union exactly, and the
//! digest must not depend on the order of the records.

use proptest::prelude::*;
use schemas::{
    Building, Carrier, CreditCode, Date, DateTime, Decimal, DispatchOrder, EnergyConsumption,
    Figures, FuelType, Ledger, Month, Ownership, Plate, Record, Vehicle, VehicleCategory,
    VehicleStatus, Vin, coefficients, compute,
};
use topology::DivisionCode;

/// Records per generated set: enough to mix every kind, few enough to run many cases quickly.
const RECORDS_MAX: usize = 60;

/// Groups a set is split into.
const GROUPS_MAX: usize = 6;

/// An amount: up to 12 digits before the point and 4 after, the bounds of imported amounts.
fn amount() -> impl Strategy<Value = Decimal> {
    prop_oneof![
        (0_i64..10_000_000_000_000_000).prop_map(|mantissa| Decimal::new(mantissa, 4)),
        (0_i64..100_000).prop_map(|mantissa| Decimal::new(mantissa, 2)),
        (0_i64..1_000).prop_map(Decimal::from),
    ]
}

fn institution() -> impl Strategy<Value = CreditCode> {
    (0_u32..50)
        .prop_map(|serial| CreditCode::with_check_digit(&format!("12640104MB{serial:07}")).unwrap())
}

fn energy_record() -> impl Strategy<Value = Record> {
    (
        institution(),
        1_u8..=12,
        proptest::sample::select(Carrier::ALL),
        amount(),
        amount(),
    )
        .prop_map(
            |(institution_credit_code, month, carrier, quantity, cost_yuan)| {
                Record::EnergyConsumption(EnergyConsumption {
                    institution_credit_code,
                    month: Month { year: 2025, month },
                    carrier,
                    quantity,
                    cost_yuan,
                })
            },
        )
}

fn building_record() -> impl Strategy<Value = Record> {
    (
        0_u32..1000,
        institution(),
        proptest::sample::select(Ownership::ALL),
        amount(),
        amount(),
        amount(),
        amount(),
    )
        .prop_map(
            |(serial, code, ownership, office, service, equipment, ancillary)| {
                let floor_area_m2 = office + service + equipment + Decimal::new(serial.into(), 1);
                Record::Building(Building {
                    building_id: format!("B-{serial}"),
                    name: format!("办公楼{serial}"),
                    institution_credit_code: code,
                    division_code: DivisionCode::parse("640104000000").unwrap(),
                    address: String::new(),
                    build_year: 1990,
                    ownership,
                    floor_area_m2,
                    office_usable_m2: office,
                    service_usable_m2: service,
                    equipment_usable_m2: equipment,
                    ancillary_floor_m2: ancillary,
                })
            },
        )
        // Three amounts below 10^12 may add up to more: such buildings are refused, not generated.
        .prop_filter("floor area within bounds", |record| {
            record.validate().is_ok()
        })
}

fn vehicle_record() -> impl Strategy<Value = Record> {
    prop_oneof![
        (
            10_000_u32..100_000,
            institution(),
            proptest::sample::select(VehicleCategory::ALL),
            proptest::sample::select(FuelType::ALL),
            proptest::sample::select(VehicleStatus::ALL),
            amount(),
        )
            .prop_map(|(serial, code, category, fuel_type, status, price_yuan)| {
                Record::Vehicle(Vehicle {
                    plate: Plate::parse(&format!("宁A{serial}")).unwrap(),
                    vin: Vin::parse(&format!("LSVAN4187C21{serial}")).unwrap(),
                    institution_credit_code: code,
                    category,
                    fuel_type,
                    domestic_brand: serial % 2 == 0,
                    displacement_l: if fuel_type == FuelType::Bev {
                        Decimal::ZERO
                    } else {
                        Decimal::new(16, 1)
                    },
                    price_yuan,
                    acquisition_date: Date::parse("2020-01-31").unwrap(),
                    status,
                })
            }),
        (0_u32..100_000, 1_u8..=28, amount()).prop_map(|(serial, day, distance_km)| {
            let start = DateTime::parse(&format!("2025-02-{day:02} 08:00")).unwrap();
            Record::DispatchOrder(DispatchOrder {
                order_id: format!("PC-{serial}"),
                plate: Plate::parse("宁A12345").unwrap(),
                start,
                end: DateTime::parse(&format!("2025-02-{day:02} 17:59")).unwrap(),
                purpose: "公务".to_owned(),
                distance_km,
            })
        }),
    ]
}

/// A ledger, records of it, and for each record the group it falls in.
fn ledger_records_and_groups() -> impl Strategy<Value = (Ledger, Vec<(Record, usize)>, usize)> {
    (1_usize..=GROUPS_MAX).prop_flat_map(|groups| {
        let records = prop_oneof![
            proptest::collection::vec((energy_record(), 0..groups), 0..RECORDS_MAX)
                .prop_map(|records| (Ledger::Energy, records)),
            proptest::collection::vec((building_record(), 0..groups), 0..RECORDS_MAX)
                .prop_map(|records| (Ledger::OfficeSpace, records)),
            proptest::collection::vec((vehicle_record(), 0..groups), 0..RECORDS_MAX)
                .prop_map(|records| (Ledger::Vehicles, records)),
        ];
        (records, Just(groups)).prop_map(|((ledger, records), groups)| (ledger, records, groups))
    })
}

proptest! {
    #[test]
    fn the_sum_of_the_parts_is_the_figures_of_the_whole(
        (ledger, assigned, groups) in ledger_records_and_groups()
    ) {
        let table = coefficients::current();
        let union: Vec<Record> = assigned.iter().map(|(record, _)| record.clone()).collect();
        let whole = compute(ledger, &union, table).unwrap();

        let mut sum = Figures::new();
        for group in 0..groups {
            let part: Vec<Record> = assigned
                .iter()
                .filter(|(_, assigned_group)| *assigned_group == group)
                .map(|(record, _)| record.clone())
                .collect();
            sum.add(&compute(ledger, &part, table).unwrap()).unwrap();
        }
        prop_assert_eq!(&sum, &whole);
        prop_assert_eq!(sum.digest(), whole.digest());
    }

    #[test]
    fn the_digest_does_not_depend_on_record_order(
        (ledger, assigned, _groups) in ledger_records_and_groups(),
        seed in any::<u64>(),
    ) {
        let table = coefficients::current();
        let records: Vec<Record> = assigned.into_iter().map(|(record, _)| record).collect();
        let mut shuffled = records.clone();
        // A deterministic shuffle driven by the generated seed.
        let mut state = seed | 1;
        for index in (1..shuffled.len()).rev() {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            shuffled.swap(index, (state % (index as u64 + 1)) as usize);
        }
        let in_order = compute(ledger, &records, table).unwrap();
        let reordered = compute(ledger, &shuffled, table).unwrap();
        prop_assert_eq!(in_order.digest(), reordered.digest());
        prop_assert_eq!(in_order, reordered);
    }
}
