//! Rollups use the counted inputs: a compromised city signs a rollup whose figures are the exact
//! sum of inputs the region holds, but one input is its county's superseded submission instead of
//! the latest. The region refuses it (the sums check alone would have passed), keeps the city's
//! honest rollup, and an honest sibling city's rollup is stored and consolidated in the same run.

use protocol::rollup::{InputKind, RollupInput, consolidate};
use protocol::{DocumentKey, RefusalReason, Rollup, Signed};
use schemas::Ledger;
use sim_tests::harness::{
    Link, SAMPLE_PERIOD, code, import_and_submit, memory_core, ningxia, submit_change, test_key,
};

#[test]
fn a_rollup_built_on_a_superseded_input_is_refused() {
    let topology = ningxia();
    let (region_code, city_code, county_code) = (
        code("640000000000"),
        code("640100000000"),
        code("640104000000"),
    );
    let (sibling_city_code, sibling_county_code) = (code("640200000000"), code("640202000000"));
    let mut region = memory_core(&topology, region_code);
    let mut city = memory_core(&topology, city_code);
    let mut county = memory_core(&topology, county_code);
    import_and_submit(&mut county, Ledger::Vehicles, 1_000);
    import_and_submit(&mut city, Ledger::Vehicles, 1_000);
    let mut down = Link::open(&topology, city_code, county_code);
    down.run(&mut city, &mut county).unwrap();
    let mut up = Link::open(&topology, region_code, city_code);
    up.run(&mut region, &mut city).unwrap();
    let key = DocumentKey::new(county_code, Ledger::Vehicles, SAMPLE_PERIOD);
    let first = region.latest_submission_of(&key).unwrap().clone();
    submit_change(&mut county, 7, 2_000);
    down.push(&mut city, &mut county).unwrap();
    up.push(&mut region, &mut city).unwrap();
    let honest_rollup = region
        .latest_rollup_of(city_code, Ledger::Vehicles, SAMPLE_PERIOD)
        .unwrap()
        .clone();
    assert_eq!(
        region
            .latest_submission_of(&key)
            .unwrap()
            .submission
            .payload()
            .sequence,
        2
    );

    // The forgery: the city's own submission and the county's first, exactly added up.
    let own_key = DocumentKey::new(city_code, Ledger::Vehicles, SAMPLE_PERIOD);
    let own = region.latest_submission_of(&own_key).unwrap().clone();
    let inputs = vec![
        (
            RollupInput {
                node: city_code,
                kind: InputKind::Submission,
                hash: own.submission.hash(),
            },
            &own.figures,
        ),
        (
            RollupInput {
                node: county_code,
                kind: InputKind::Submission,
                hash: first.submission.hash(),
            },
            &first.figures,
        ),
    ];
    let (listed, figures) = consolidate(&topology, city_code, inputs).unwrap();
    let forged = Signed::sign(
        Rollup {
            node: city_code,
            ledger: Ledger::Vehicles,
            period: SAMPLE_PERIOD,
            sequence: honest_rollup.payload().sequence + 1,
            time_ms: 3_000,
            figures,
            inputs: listed,
        },
        &test_key(city_code),
        &topology,
    )
    .unwrap();
    // Every input is held and the figures are their sum: only the counted-input rule refuses it.
    protocol::authorization::check_rollup(forged.payload(), &region).unwrap();

    up.push(&mut region, &mut city).unwrap();
    super::common::send_up(
        &mut up,
        &mut region,
        &protocol::message::Message::Rollups {
            rollups: vec![forged.envelope().clone()],
            last_page: true,
        },
    )
    .unwrap();
    let refused: Vec<_> = up
        .parent_refusals()
        .into_iter()
        .filter(|refusal| {
            matches!(&refusal.reason, RefusalReason::RollupInputNotCounted { input, .. }
                if *input == county_code)
        })
        .collect();
    assert_eq!(refused.len(), 1, "{:?}", up.parent_refusals());
    assert_eq!(
        region
            .latest_rollup_of(city_code, Ledger::Vehicles, SAMPLE_PERIOD)
            .unwrap()
            .hash(),
        honest_rollup.hash(),
        "the region keeps the city's honest rollup"
    );
    assert!(
        protocol::Replicas::rollup_by_hash(&region, &forged.hash())
            .unwrap()
            .is_none(),
        "the forgery is not stored"
    );

    // An honest sibling city (with its county) goes through in the same run.
    let mut sibling_city = memory_core(&topology, sibling_city_code);
    let mut sibling_county = memory_core(&topology, sibling_county_code);
    import_and_submit(&mut sibling_county, Ledger::Vehicles, 4_000);
    Link::open(&topology, sibling_city_code, sibling_county_code)
        .run(&mut sibling_city, &mut sibling_county)
        .unwrap();
    let mut sibling_up = Link::open(&topology, region_code, sibling_city_code);
    sibling_up.run(&mut region, &mut sibling_city).unwrap();
    assert!(sibling_up.parent_refusals().is_empty());
    let sibling_rollup = region
        .latest_rollup_of(sibling_city_code, Ledger::Vehicles, SAMPLE_PERIOD)
        .expect("the sibling city's rollup is stored");
    let region_rollup = region
        .latest_rollup_of(region_code, Ledger::Vehicles, SAMPLE_PERIOD)
        .unwrap();
    assert!(
        region_rollup
            .payload()
            .inputs
            .iter()
            .any(|input| input.hash == sibling_rollup.hash()),
        "the region's rollup counts the sibling city's"
    );
    region.verify().unwrap();
}
