//! Clocks cannot reopen a closed period: after the root closes energy 2025, a county whose clock
//! was set back signs a change with a time before the lock (and 40 days before it reached its
//! city). By its own clock it would count and be on time; by what the tree observed (its city's
//! receipt, signed when the city stored it) it reached the tree after the closing. It is held as a
//! late correction, not counted at the city nor above, shown as late against the deadline, and its
//! clock is flagged. The honest sibling, which submitted before the lock, counts.

use node::core::receipts::OwnerClock;
use node::operations::completeness::Timeliness;
use protocol::DocumentKey;
use schemas::Ledger;
use sim_tests::harness::{
    Link, SAMPLE_DEADLINE_MS, SAMPLE_PERIOD, changed_consumption, clerk, code, import_and_submit,
    memory_core, ningxia,
};

const DAY_MS: i64 = 86_400_000;

#[test]
fn a_clock_set_back_after_a_lock_does_not_count_in_the_closed_period() {
    let topology = ningxia();
    let (region_code, city_code) = (code("640000000000"), code("640100000000"));
    let (honest_code, attacker_code) = (code("640104000000"), code("640105000000"));
    let mut region = memory_core(&topology, region_code);
    let mut city = memory_core(&topology, city_code);
    let mut honest = memory_core(&topology, honest_code);
    let mut attacker = memory_core(&topology, attacker_code);

    // Before the deadline and the lock, both counties submit and everything goes up.
    import_and_submit(&mut honest, Ledger::Energy, 1_000);
    import_and_submit(&mut attacker, Ledger::Energy, 1_000);
    let mut honest_link = Link::open(&topology, city_code, honest_code);
    let mut attacker_link = Link::open(&topology, city_code, attacker_code);
    let mut up = Link::open(&topology, region_code, city_code);
    for link in [&mut honest_link, &mut attacker_link, &mut up] {
        link.now_ms = 1_000;
    }
    honest_link.run(&mut city, &mut honest).unwrap();
    attacker_link.run(&mut city, &mut attacker).unwrap();
    up.run(&mut region, &mut city).unwrap();

    // The root closes the period at 10,000 ms; the lock comes down.
    let lock_ms = 10_000;
    region
        .set_lock(Ledger::Energy, SAMPLE_PERIOD, true, lock_ms)
        .unwrap();
    for link in [&mut honest_link, &mut attacker_link, &mut up] {
        link.now_ms = lock_ms as u64;
    }
    up.push_down(&mut region, &mut city).unwrap();
    attacker_link.push_down(&mut city, &mut attacker).unwrap();
    assert!(
        attacker
            .closing_lock(Ledger::Energy, SAMPLE_PERIOD)
            .is_some()
    );

    // At 20,000 ms the attacker signs a change with its clock set back 40 days.
    let signed_ms = 20_000 - 40 * DAY_MS;
    attacker
        .import_records(
            Ledger::Energy,
            SAMPLE_PERIOD,
            &[changed_consumption(attacker_code, 999)],
            signed_ms,
        )
        .unwrap();
    attacker
        .submit(Ledger::Energy, SAMPLE_PERIOD, &clerk(), signed_ms)
        .unwrap();
    let key = DocumentKey::new(attacker_code, Ledger::Energy, SAMPLE_PERIOD);
    let late = attacker.latest_submission_of(&key).unwrap().clone();
    assert_eq!(late.submission.payload().sequence, 2);
    assert!(
        late.submission.payload().time_ms <= lock_ms,
        "by its own clock it was signed before the lock, and would have counted"
    );
    for link in [&mut attacker_link, &mut up] {
        link.now_ms = 20_000;
    }
    attacker_link.push(&mut city, &mut attacker).unwrap();
    up.push(&mut region, &mut city).unwrap();

    for (name, node) in [("city", &city), ("region", &region)] {
        let held = node.latest_submission_of(&key).unwrap();
        assert_eq!(
            held.submission.hash(),
            late.submission.hash(),
            "{name} holds #2"
        );
        let counted = node.counted_submission(&key).unwrap().unwrap();
        assert_eq!(
            counted.submission.payload().sequence,
            1,
            "{name} counts #1, signed before the lock, not the late correction"
        );
        let review = node.document_review(key);
        assert!(review.late_correction, "{name}: {review:?}");
        let received = review.received_at_ms.expect("the city's receipt is held");
        assert!(
            (20_000..20_100).contains(&received),
            "{name}: received by the city at {received}"
        );
        assert!(
            matches!(review.owner_clock, OwnerClock::Behind { by_ms } if by_ms >= 40 * DAY_MS),
            "{name}: the clock set back is flagged: {:?}",
            review.owner_clock
        );
        let completeness = node::operations::completeness::completeness(
            node,
            Ledger::Energy,
            SAMPLE_PERIOD,
            30_000,
        )
        .unwrap();
        let row = completeness
            .documents
            .iter()
            .find(|row| row.node.code == attacker_code)
            .unwrap();
        const { assert!(20_000 > SAMPLE_DEADLINE_MS) };
        assert_eq!(
            row.timeliness,
            Timeliness::Late,
            "{name}: late by the receipt, though on time by the owner's clock"
        );
    }
    let city_rollup = city
        .latest_rollup_of(city_code, Ledger::Energy, SAMPLE_PERIOD)
        .unwrap();
    let attacker_input = city_rollup
        .payload()
        .inputs
        .iter()
        .find(|input| input.node == attacker_code)
        .unwrap();
    assert_ne!(attacker_input.hash, late.submission.hash());

    // The honest sibling's submission, before the lock, is stored and counted.
    let honest_key = DocumentKey::new(honest_code, Ledger::Energy, SAMPLE_PERIOD);
    let honest_held = city.latest_submission_of(&honest_key).unwrap();
    assert!(
        city_rollup
            .payload()
            .inputs
            .iter()
            .any(|input| input.hash == honest_held.submission.hash())
    );
    assert!(!city.document_review(honest_key).late_correction);
    city.verify().unwrap();
    region.verify().unwrap();
}
