//! Golden tests: small datasets per ledger, kept as CSV files under `tests/golden/`, whose every
//! figure is computed by hand in `expected.toml` beside them.
//!
//! Each dataset is imported through the column mapping (table inferred from the headers), written
//! into a document, saved, loaded and read back, and its figures computed both before and after the
//! round trip must equal the hand-computed ones exactly.

use std::collections::BTreeSet;

use automerge::Automerge;
use schemas::document::{new_document, read_records, write_records};
use schemas::{
    DocumentMeta, Figures, Ledger, Period, Record, SCHEMA_VERSION, Table, catalog,
    check_unique_ids, coefficients, compute, resolve_headers,
};
use serde::Deserialize;
use topology::DivisionCode;

/// One golden dataset: its name, its CSV files by table, and its expected figures.
struct Case {
    name: &'static str,
    files: &'static [(Table, &'static str)],
    expected: &'static str,
}

const CASES: &[Case] = &[
    Case {
        name: "energy",
        files: &[(
            Table::EnergyConsumption,
            include_str!("golden/energy/energy_consumption.csv"),
        )],
        expected: include_str!("golden/energy/expected.toml"),
    },
    Case {
        name: "office_space",
        files: &[(
            Table::Buildings,
            include_str!("golden/office_space/buildings.csv"),
        )],
        expected: include_str!("golden/office_space/expected.toml"),
    },
    Case {
        name: "vehicles",
        files: &[
            (
                Table::Vehicles,
                include_str!("golden/vehicles/vehicles.csv"),
            ),
            (
                Table::DispatchOrders,
                include_str!("golden/vehicles/dispatch_orders.csv"),
            ),
        ],
        expected: include_str!("golden/vehicles/expected.toml"),
    },
];

/// The shape of `expected.toml`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Expected {
    ledger: Ledger,
    period: Period,
    owner: DivisionCode,
    coefficients: String,
    figures: Figures,
}

/// Splits a CSV file without quoting (the golden files use none) into rows of cells.
fn rows(text: &str) -> Vec<Vec<&str>> {
    text.lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| line.split(',').collect())
        .collect()
}

/// Imports a case's files as the node would: headers resolved with the table inferred, every row
/// parsed within the period.
fn import(case: &Case, expected: &Expected) -> Vec<Record> {
    let mut records = Vec::new();
    for (table, text) in case.files {
        let rows = rows(text);
        let (headers, body) = rows.split_first().expect("a golden file has a header row");
        let map = resolve_headers(expected.ledger, None, headers)
            .unwrap_or_else(|error| panic!("{}: {error}", case.name));
        assert_eq!(map.table(), *table, "{}: inferred table", case.name);
        for (row_index, cells) in body.iter().enumerate() {
            let record = map
                .parse_row_for_period(cells, expected.period)
                .unwrap_or_else(|error| {
                    panic!("{} {table} row {}: {error}", case.name, row_index + 2)
                });
            records.push(record);
        }
    }
    check_unique_ids(&records).unwrap();
    records
}

/// Asserts that two sets of figures are equal, listing every difference.
fn assert_figures_equal(case: &str, computed: &Figures, expected: &Figures) {
    let names: BTreeSet<&str> = computed
        .iter()
        .chain(expected.iter())
        .map(|(name, _)| name)
        .collect();
    let differences: Vec<String> = names
        .into_iter()
        .filter(|name| computed.get(name) != expected.get(name))
        .map(|name| {
            format!(
                "{name}: computed {}, expected {}",
                computed.get(name),
                expected.get(name)
            )
        })
        .collect();
    assert!(
        differences.is_empty(),
        "{case}: figures differ:\n{}",
        differences.join("\n")
    );
    assert_eq!(computed, expected);
    assert_eq!(computed.digest(), expected.digest());
}

#[test]
fn golden_datasets_give_their_hand_computed_figures() {
    for case in CASES {
        let expected: Expected = toml::from_str(case.expected)
            .unwrap_or_else(|error| panic!("{}: expected.toml: {error}", case.name));
        assert!(
            !expected.figures.is_empty(),
            "{}: no expected figures",
            case.name
        );
        let table = coefficients::by_version(&expected.coefficients).expect("known coefficients");
        let records = import(case, &expected);

        let computed = compute(expected.ledger, &records, table).unwrap();
        assert_figures_equal(case.name, &computed, &expected.figures);
        let cataloged: BTreeSet<String> = catalog(expected.ledger)
            .into_iter()
            .map(|spec| spec.name)
            .collect();
        for (name, _) in computed.iter() {
            assert!(
                cataloged.contains(name),
                "{}: {name} is not in the catalog",
                case.name
            );
        }

        let meta = DocumentMeta {
            owner: expected.owner,
            ledger: expected.ledger,
            period: expected.period,
            schema_version: SCHEMA_VERSION,
        };
        let mut doc = new_document(&meta, 1_735_689_600_000).unwrap();
        assert_eq!(
            write_records(&mut doc, &records, 1_735_689_601_000).unwrap(),
            records.len()
        );
        let loaded = Automerge::load(&doc.save()).unwrap();
        let read = read_records(&loaded).unwrap();
        assert_eq!(read.len(), records.len());
        let recomputed = compute(expected.ledger, &read, table).unwrap();
        assert_figures_equal(case.name, &recomputed, &expected.figures);
    }
}
