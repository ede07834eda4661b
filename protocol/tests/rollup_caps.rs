//! The caps on rollups, re-checked against the figures the ledgers compute: a rollup of every
//! figure a ledger's catalogue names (the saving-type figures per year and the vehicle transfers
//! included), each at the largest value a figure may hold, with the most inputs a rollup may
//! list, is signed and stays within its envelope cap with room to spare.

#[path = "support/ningxia.rs"]
mod ningxia;

use ningxia::{key_of, topology};
use protocol::limits::{MAX_FIGURES_PER_ROLLUP, MAX_INPUTS_PER_ROLLUP, MAX_ROLLUP_ENVELOPE_BYTES};
use protocol::{InputKind, Rollup, RollupInput, Signed};
use schemas::figures::{FIGURE_DECIMAL_PLACES_MAX, FIGURE_INTEGER_DIGITS_MAX, Figures};
use schemas::{Decimal, Ledger, Period};
use topology::DivisionCode;

/// The largest value a figure may hold: every integer digit and every decimal place a nine.
fn largest_value() -> Decimal {
    let digits = "9".repeat(FIGURE_INTEGER_DIGITS_MAX as usize);
    let places = "9".repeat(FIGURE_DECIMAL_PLACES_MAX as usize);
    format!("{digits}.{places}").parse().unwrap()
}

#[test]
fn a_rollup_of_every_figure_of_a_ledger_at_its_largest_fits_the_caps_twice_over() {
    let topology = topology();
    let region = topology.root().code;
    for ledger in Ledger::ALL {
        let catalog = schemas::catalog(ledger);
        let mut figures = Figures::new();
        for spec in &catalog {
            figures.set(&spec.name, largest_value()).unwrap();
        }
        assert!(
            figures.len() * 2 <= MAX_FIGURES_PER_ROLLUP,
            "{ledger}: {} figures",
            figures.len()
        );
        let inputs = (0..MAX_INPUTS_PER_ROLLUP)
            .map(|index| RollupInput {
                // Codes in increasing order, as a rollup's inputs must be.
                node: DivisionCode::parse(&format!("64{:010}", index)).unwrap(),
                kind: InputKind::Rollup,
                hash: protocol::signed::ObjectHash([0xEE; 32]),
            })
            .collect();
        let rollup = Rollup {
            node: region,
            ledger,
            period: Period::Year(2025),
            sequence: u64::MAX,
            time_ms: i64::MIN,
            figures,
            inputs,
        };
        let signed = Signed::sign(rollup, &key_of(region), &topology).unwrap();
        let bytes = signed.to_bytes().len();
        assert!(
            bytes * 2 <= MAX_ROLLUP_ENVELOPE_BYTES,
            "{ledger}: the largest rollup takes {bytes} bytes of {MAX_ROLLUP_ENVELOPE_BYTES}"
        );
        println!(
            "{ledger}: {} figures, {MAX_INPUTS_PER_ROLLUP} inputs, {bytes} bytes",
            catalog.len()
        );
    }
}
