//! The property the whole system rests on: for random trees and random records of every table,
//! the root's figures, added level by level as rollups add them, equal the figures computed over
//! the union of all raw records; and so every ratio of the return (per area, per person, shares,
//! rates) computed from the root's totals equals the ratio computed from the union, because both
//! are ratios of the same totals.
//!
//! Records are drawn generically from the table specs: every column of every table gets a random
//! value of its kind, with references (buildings, plates, institutions) drawn from small pools of
//! the node so that the joins between tables (rooms to ranks, consumption to institution types,
//! vehicles to quotas, disposals to vehicles) are exercised. Ids are unique per node, as the
//! division code owner makes them in practice.

use std::collections::HashSet;

use proptest::prelude::*;
use schemas::compute;
use schemas::figures::Figures;
use schemas::ledgers::{ReturnInput, return_sheets};
use schemas::records::{CreditCode, FieldKind};
use schemas::table::tables_of;
use schemas::{Ledger, Period, Record, coefficients};
use topology::DivisionCode;

const PERIOD: Period = Period::Year(2025);

/// A small deterministic generator (xorshift), seeded by proptest.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, bound: u64) -> u64 {
        self.next() % bound.max(1)
    }

    fn amount(&mut self) -> String {
        let whole = self.below(50_000);
        match self.below(3) {
            0 => whole.to_string(),
            1 => format!("{whole}.{}", self.below(10)),
            _ => format!("{whole}.{:02}", self.below(100)),
        }
    }
}

/// A random text of the field's kind; references come from the node's small pools.
fn random_text(random: &mut Random, node: usize, field: &str, kind: &FieldKind) -> String {
    let pool = 4;
    match kind {
        FieldKind::Identifier => match field {
            "building_id" => format!("N{node}-B{}", random.below(pool)),
            other => format!("N{node}-{other}-{}", random.below(12)),
        },
        FieldKind::Name => format!("名称{}", random.below(100)),
        FieldKind::Text => {
            if random.below(2) == 0 {
                String::new()
            } else {
                "说明".to_owned()
            }
        }
        FieldKind::Amount => random.amount(),
        // A saving-type year only for an eligible state organ, so mostly empty (the row rules).
        FieldKind::Count if field == "saving_type_passed_year" => match random.below(3) {
            0 => (2020 + random.below(6)).to_string(),
            _ => String::new(),
        },
        FieldKind::Count => (random.below(40) + 1).to_string(),
        FieldKind::Boolean if field.starts_with("saving_type_") => {
            ["是", "否", "否", "否"][random.below(4) as usize].to_owned()
        }
        FieldKind::Year => (1990 + random.below(36)).to_string(),
        FieldKind::Boolean => ["是", "否"][random.below(2) as usize].to_owned(),
        FieldKind::Date => {
            let year = if field == "acquisition_date" {
                2010 + random.below(16)
            } else {
                2025
            };
            format!(
                "{year}-{:02}-{:02}",
                random.below(12) + 1,
                random.below(28) + 1
            )
        }
        FieldKind::DateTime => format!(
            "2025-{:02}-{:02} {:02}:{:02}",
            random.below(12) + 1,
            random.below(28) + 1,
            if field == "end" {
                20
            } else {
                random.below(12) + 6
            },
            random.below(60)
        ),
        FieldKind::Month => format!("2025-{:02}", random.below(12) + 1),
        FieldKind::CreditCode => {
            CreditCode::with_check_digit(&format!("12{node:06}MB{:07}", random.below(pool)))
                .unwrap()
                .as_str()
                .to_owned()
        }
        FieldKind::Division => "640104000000".to_owned(),
        FieldKind::Plate => format!("宁A{node:02}{:03}", random.below(6)),
        FieldKind::Vin => format!("LSV{node:04}{:010}", random.below(6)),
        FieldKind::Choice(list) => {
            let choices = (list.choices)();
            choices[random.below(choices.len() as u64) as usize]
                .slug
                .to_owned()
        }
    }
}

/// Up to `per_table` random valid records of every table of the ledger for one node, one per id.
fn node_records(random: &mut Random, node: usize, ledger: Ledger, per_table: u64) -> Vec<Record> {
    let mut records = Vec::new();
    let mut ids = HashSet::new();
    for table in tables_of(ledger) {
        let spec = table.spec();
        let wanted = random.below(per_table + 1);
        let mut made = 0;
        for _attempt in 0..wanted * 4 {
            if made == wanted {
                break;
            }
            let texts: Vec<(&str, String)> = spec
                .columns
                .iter()
                .map(|column| {
                    (
                        column.field,
                        random_text(random, node, column.field, &column.kind),
                    )
                })
                .collect();
            let pairs: Vec<(&str, &str)> = texts
                .iter()
                .map(|(field, text)| (*field, text.as_str()))
                .collect();
            // Rules within a record (usable within floor, no displacement for a battery
            // vehicle) refuse some draws; another draw is taken.
            let Ok(record) = Record::from_texts(table.spec(), &pairs) else {
                continue;
            };
            if ids.insert((*table, record.id())) {
                records.push(record);
                made += 1;
            }
        }
    }
    records
}

/// A tree as parent indices: node 0 is the root, each other node's parent comes before it.
fn tree_shape() -> impl Strategy<Value = Vec<usize>> {
    proptest::collection::vec(any::<prop::sample::Index>(), 0..9).prop_map(|picks| {
        let mut parents = vec![usize::MAX];
        for pick in picks {
            let parent = pick.index(parents.len());
            parents.push(parent);
        }
        parents
    })
}

/// The figures of a node added up with its children's, as rollups add them, bottom up.
fn consolidate(parents: &[usize], own: &[Figures], node: usize) -> Figures {
    let mut total = own[node].clone();
    for (child, parent) in parents.iter().enumerate() {
        if *parent == node && child != node {
            total.add(&consolidate(parents, own, child)).unwrap();
        }
    }
    total
}

fn ledger() -> impl Strategy<Value = Ledger> {
    prop_oneof![
        Just(Ledger::OfficeSpace),
        Just(Ledger::Vehicles),
        Just(Ledger::Energy)
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn the_roots_figures_and_ratios_equal_those_of_the_union_of_all_records(
        ledger in ledger(),
        parents in tree_shape(),
        seed in any::<u64>(),
        per_table in 0u64..7,
    ) {
        let table = coefficients::current();
        let mut random = Random(seed | 1);
        let records: Vec<Vec<Record>> = (0..parents.len())
            .map(|node| node_records(&mut random, node, ledger, per_table))
            .collect();
        let own: Vec<Figures> = records
            .iter()
            .map(|node_records| compute(ledger, PERIOD, node_records, table).unwrap())
            .collect();
        let root = consolidate(&parents, &own, 0);

        let union: Vec<Record> = records.iter().flatten().cloned().collect();
        let whole = compute(ledger, PERIOD, &union, table).unwrap();
        prop_assert_eq!(&root, &whole);
        prop_assert_eq!(root.digest(), whole.digest());

        // The return from the root's consolidated figures (its own level and each child's
        // subtree) equals the return built from the union's figures alone: every total and every
        // ratio of totals agrees, including the by-child sheet's totals row.
        let children: Vec<(DivisionCode, String, Figures)> = parents
            .iter()
            .enumerate()
            .filter(|(child, parent)| **parent == 0 && *child != 0)
            .map(|(child, _)| {
                let code = DivisionCode::parse(&format!("6401{child:02}000000")).unwrap();
                (code, format!("子节点{child}"), consolidate(&parents, &own, child))
            })
            .collect();
        let from_root = return_sheets(&ReturnInput {
            ledger,
            period: PERIOD,
            total: &root,
            own_level: &own[0],
            children: &children,
            previous_year: None,
        });
        let from_union = return_sheets(&ReturnInput {
            ledger,
            period: PERIOD,
            total: &whole,
            own_level: &own[0],
            children: &children,
            previous_year: None,
        });
        prop_assert_eq!(&from_root, &from_union);
        for sheet in &from_root {
            if let Some(totals) = &sheet.totals {
                prop_assert_eq!(totals.len(), sheet.columns.len());
            }
        }
    }

    #[test]
    fn the_figures_do_not_depend_on_record_order(
        ledger in ledger(),
        seed in any::<u64>(),
    ) {
        let table = coefficients::current();
        let mut random = Random(seed | 1);
        let records = node_records(&mut random, 1, ledger, 8);
        let mut shuffled = records.clone();
        for index in (1..shuffled.len()).rev() {
            let other = random.below(index as u64 + 1) as usize;
            shuffled.swap(index, other);
        }
        let in_order = compute(ledger, PERIOD, &records, table).unwrap();
        let reordered = compute(ledger, PERIOD, &shuffled, table).unwrap();
        prop_assert_eq!(in_order.digest(), reordered.digest());
        prop_assert_eq!(in_order, reordered);
    }
}

/// The generator draws records of every table (a property over empty sets would prove nothing).
#[test]
fn the_generator_draws_records_of_every_table() {
    let mut random = Random(0x5eed);
    for ledger in Ledger::ALL {
        // Each draw takes a random number of records per table; five draws take some of each.
        let records: Vec<Record> = (0..5)
            .flat_map(|node| node_records(&mut random, node, ledger, 12))
            .collect();
        for table in tables_of(ledger) {
            let count = records
                .iter()
                .filter(|record| record.table() == *table)
                .count();
            assert!(count >= 3, "{table}: {count} records drawn");
        }
        let figures = compute(ledger, PERIOD, &records, coefficients::current()).unwrap();
        assert!(figures.len() >= 10, "{ledger}: {} figures", figures.len());
    }
}
