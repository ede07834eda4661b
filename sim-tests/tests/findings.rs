//! A parent's findings over its subtree follow each child's latest signed state: worked out once
//! per signed state (the core keeps them by the heads signed), and worked out again when the child
//! submits a new state.

use schemas::Ledger;
use schemas::table::Table;
use sim_tests::harness::{Link, SAMPLE_PERIOD, clerk, code, memory_core, ningxia, sample_records};

fn over_quota(findings: &[schemas::returns::Finding], owner: topology::DivisionCode) -> usize {
    findings
        .iter()
        .filter(|finding| finding.owner == owner && finding.rule == "over_quota")
        .count()
}

#[test]
fn the_parents_findings_follow_the_childs_latest_submission() {
    let topology = ningxia();
    let (city_code, county_code) = (code("640100000000"), code("640104000000"));
    let mut city = memory_core(&topology, city_code);
    let mut county = memory_core(&topology, county_code);
    let records = sample_records(county_code, Ledger::Vehicles);
    let (quotas, vehicles): (Vec<_>, Vec<_>) = records
        .into_iter()
        .filter(|record| matches!(record.table(), Table::Vehicles | Table::VehicleQuotas))
        .partition(|record| record.table() == Table::VehicleQuotas);
    assert!(!quotas.is_empty() && !vehicles.is_empty());

    // Vehicles without their quotas: every vehicle in use is over a quota of zero.
    county
        .import_records(Ledger::Vehicles, SAMPLE_PERIOD, &vehicles, 1_000)
        .unwrap();
    county
        .submit(Ledger::Vehicles, SAMPLE_PERIOD, &clerk(), 1_000)
        .unwrap();
    let mut link = Link::open(&topology, city_code, county_code);
    link.run(&mut city, &mut county).unwrap();
    let first = city
        .subtree_findings(Ledger::Vehicles, SAMPLE_PERIOD)
        .unwrap();
    let without_quotas = over_quota(&first, county_code);
    assert!(without_quotas > 0, "{first:?}");
    assert_eq!(
        city.subtree_findings(Ledger::Vehicles, SAMPLE_PERIOD)
            .unwrap(),
        first,
        "the same signed state gives the same findings"
    );

    // The quotas added and submitted again: the city's findings are those of the new state.
    county
        .import_records(Ledger::Vehicles, SAMPLE_PERIOD, &quotas, 2_000)
        .unwrap();
    county
        .submit(Ledger::Vehicles, SAMPLE_PERIOD, &clerk(), 2_000)
        .unwrap();
    let mut link = Link::open(&topology, city_code, county_code);
    link.run(&mut city, &mut county).unwrap();
    assert_eq!(
        sim_tests::harness::sequence(
            &city,
            &protocol::DocumentKey::new(county_code, Ledger::Vehicles, SAMPLE_PERIOD)
        ),
        Some(2)
    );
    let second = city
        .subtree_findings(Ledger::Vehicles, SAMPLE_PERIOD)
        .unwrap();
    let with_quotas = over_quota(&second, county_code);
    assert!(
        with_quotas < without_quotas,
        "over quota: {without_quotas} before the quotas, {with_quotas} after"
    );
    // A core that never saw the first state finds the same.
    let mut fresh_city = memory_core(&topology, city_code);
    let mut fresh_link = Link::open(&topology, city_code, county_code);
    fresh_link.run(&mut fresh_city, &mut county).unwrap();
    assert_eq!(
        fresh_city
            .subtree_findings(Ledger::Vehicles, SAMPLE_PERIOD)
            .unwrap(),
        second
    );
}
