//! A restoring node is not fooled by withholding: a (compromised) city serves a county that lost
//! its store an older state than it holds, every object validly signed. Where the county's old
//! store still says more (its own later submission, and the city's receipt of it), the restore is
//! refused and nothing is written. Where nothing remains to compare with (the disk died), the
//! withheld submission cannot be detected by the county, but it never signs a sequence twice: it
//! signs from a floor above anything it signed before; and the honest tree does not go back: its
//! document, rewound to before the withheld change, is refused by the honest city holding it.

use node::core::salvage_known_sequences;
use protocol::DocumentKey;
use schemas::Ledger;
use sim_tests::harness::{
    Link, SAMPLE_PERIOD, import_and_submit, memory_core, restore_over_memory, submit_change,
    undefined_core,
};

use super::common::Scene;

#[test]
fn a_withheld_submission_is_caught_and_never_reused() {
    let mut scene = Scene::new();
    let county_code = scene.attacker_code;
    // `scene.city` is the honest city; `stale_city` the same city (same key) serving an older
    // state: it got the county's first submission and withholds the second.
    let mut stale_city = memory_core(&scene.topology, scene.city_code);
    let mut county = memory_core(&scene.topology, county_code);
    import_and_submit(&mut county, Ledger::Vehicles, 1_000);
    Link::open(&scene.topology, scene.city_code, county_code)
        .run(&mut stale_city, &mut county)
        .unwrap();
    let mut honest_link = Link::open(&scene.topology, scene.city_code, county_code);
    honest_link.run(&mut scene.city, &mut county).unwrap();
    submit_change(&mut county, 5, 2_000);
    honest_link.push(&mut scene.city, &mut county).unwrap();
    // The city's receipt comes down with its next notices.
    honest_link.push_down(&mut scene.city, &mut county).unwrap();
    let key = DocumentKey::new(county_code, Ledger::Vehicles, SAMPLE_PERIOD);
    assert!(
        county
            .received_at_ms(&county.latest_submission_of(&key).unwrap().submission.hash())
            .is_some(),
        "the county holds the city's receipt of #2"
    );

    // The county's store no longer opens; what it still says is salvaged object by object.
    let known = salvage_known_sequences(county.store(), &scene.topology, county_code);
    assert_eq!(
        known.latest.get(&key).map(|(sequence, _)| *sequence),
        Some(2)
    );
    let restored = restore_over_memory(&scene.topology, &mut stale_city, county_code, |message| {
        message
    })
    .expect("every object the stale city serves is validly signed");
    let (document, served, known_sequence, source) = known
        .first_withheld(&restored)
        .expect("the withheld submission is caught");
    assert_eq!((document, served, known_sequence), (key, 1, 2));
    assert!(
        source.contains("回执") || source.contains("自己的报送"),
        "{source}"
    );

    // With nothing to compare with, the restore goes through, and the county signs from its floor.
    let mut restored_county = undefined_core(&scene.topology, county_code);
    restored_county.set_wall_clock(1_780_000_000_000);
    let counts = restored_county.write_restored(restored).unwrap();
    assert_eq!(
        counts.own_submission_sequence_max, 1,
        "the stale city served #1"
    );
    assert!(counts.next_sequence > 2, "{counts:?}");
    for definition in sim_tests::harness::sample_definitions(&scene.topology) {
        restored_county.put_notice(&definition).unwrap();
    }
    submit_change(&mut restored_county, 9, 1_780_000_000_000);
    let next = restored_county
        .latest_submission_of(&key)
        .unwrap()
        .submission
        .payload()
        .sequence;
    assert_eq!(next, counts.next_sequence, "not #2 again");
    // Offered to the honest city, which holds #2: the rewound document lacks #2's changes, so
    // the city refuses it and keeps #2. The tree never goes back; the county's operator sees the
    // refusals and must bring the lost change back.
    let mut link = Link::open(&scene.topology, scene.city_code, county_code);
    link.run(&mut scene.city, &mut restored_county).unwrap();
    assert_eq!(
        link.parent_refusals().len(),
        1,
        "{:?}",
        link.parent_refusals()
    );
    assert_eq!(
        scene
            .city
            .latest_submission_of(&key)
            .unwrap()
            .submission
            .payload()
            .sequence,
        2,
        "the honest city keeps #2"
    );
    scene.honest_sibling_goes_through();
}
