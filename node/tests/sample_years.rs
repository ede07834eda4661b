//! The shipped sample data's two years (2024 and 2025): every node has both, their standing
//! records agree, and the energy ledger's ±30 % year-on-year rule fires for the two planted
//! institutions only, refusing the one without a note and listing the one with a note for review.

use std::collections::{BTreeMap, BTreeSet};

use node::demo::{DEMO_PERIOD, DEMO_PREVIOUS_PERIOD, parse_samples, sample_years};
use schemas::Ledger;
use schemas::ledgers::{CheckContext, check};
use schemas::records::Record;
use schemas::returns::Severity;
use schemas::table::Table;
use topology::DivisionCode;

type Samples = BTreeMap<(DivisionCode, Ledger), Vec<Record>>;

/// The ids of a table's records at one node.
fn ids(samples: &Samples, code: DivisionCode, table: Table) -> BTreeSet<String> {
    samples[&(code, table.ledger())]
        .iter()
        .filter(|record| record.table() == table)
        .map(Record::id)
        .collect()
}

#[test]
fn every_node_has_both_years_with_the_same_standing_records() {
    assert_eq!(sample_years(), [2024, 2025]);
    let previous = parse_samples(DEMO_PREVIOUS_PERIOD).unwrap();
    let current = parse_samples(DEMO_PERIOD).unwrap();
    let topology = topology::ningxia();
    for entry in topology.iter() {
        for ledger in Ledger::ALL {
            let key = (entry.code, ledger);
            assert!(
                previous.contains_key(&key),
                "{} {ledger} in 2024",
                entry.code
            );
            assert!(
                current.contains_key(&key),
                "{} {ledger} in 2025",
                entry.code
            );
        }
        for table in [
            Table::Institutions,
            Table::Buildings,
            Table::OfficeSpaces,
            Table::OfficeRooms,
            Table::VehicleQuotas,
        ] {
            let (before, now) = (
                ids(&previous, entry.code, table),
                ids(&current, entry.code, table),
            );
            assert_eq!(
                before, now,
                "{} {table}: the same in both years",
                entry.code
            );
        }
        // Vehicles bought in 2025 are not held in 2024; every 2024 vehicle is still held.
        let (before, now) = (
            ids(&previous, entry.code, Table::Vehicles),
            ids(&current, entry.code, Table::Vehicles),
        );
        assert!(before.is_subset(&now), "{} vehicles", entry.code);
    }
}

#[test]
fn the_year_on_year_rule_refuses_the_unexplained_change_and_lists_the_explained_one() {
    let previous = parse_samples(DEMO_PREVIOUS_PERIOD).unwrap();
    let current = parse_samples(DEMO_PERIOD).unwrap();
    let mut fired = Vec::new();
    for ((code, ledger), records) in &current {
        if *ledger != Ledger::Energy {
            continue;
        }
        let context = CheckContext {
            owner: *code,
            period: DEMO_PERIOD,
            previous: previous.get(&(*code, *ledger)).map(Vec::as_slice),
            options: Default::default(),
        };
        for finding in check(*ledger, records, &context) {
            if finding.rule.starts_with("year_on_year") {
                let institution = records
                    .iter()
                    .find(|record| {
                        record.table() == Table::Institutions && record.id() == finding.record_id
                    })
                    .expect("the finding names an institution");
                fired.push((
                    code.to_string(),
                    finding.record_id.clone(),
                    institution.text("name").to_owned(),
                    finding.rule.clone(),
                    finding.severity,
                ));
            }
        }
    }
    assert_eq!(
        fired,
        [
            (
                "640104000000".to_owned(),
                "1164010446CPTFUTLT".to_owned(),
                "兴庆区人大常委会办公室".to_owned(),
                "year_on_year_change".to_owned(),
                Severity::Warning,
            ),
            (
                "640105000000".to_owned(),
                "11640105DFYHEKE21L".to_owned(),
                "西夏区政府办公室".to_owned(),
                "year_on_year_needs_note".to_owned(),
                Severity::Error,
            ),
        ],
        "兴庆区人大常委会办公室 rose beyond ±30 % and explains it in its note: listed for review; \
         西夏区政府办公室 fell beyond it without a note: refused"
    );
}
