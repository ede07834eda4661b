//! What a hostile or unlucky peer can do to a link, and that it does not work: changes smuggled in
//! automerge's queue, crafted bloom filters, eager messages lost to a replaced offer, a rollup
//! racing ahead of its input, and a refusal that must be retried. Several of these were found by
//! review and first reproduced as failing runs.

use automerge::sync::{BloomFilter, ChunkList, Have, Message as SyncMessage, MessageVersion};
use protocol::{DocumentKey, RefusalReason};
use schemas::{Ledger, document};
use sim_tests::harness::{
    Link, SAMPLE_PERIOD, changed_consumption, changed_vehicle, clerk, code, deliver_down,
    deliver_up, import_and_submit, memory_core, ningxia, sequence, submit_change,
};
use sim_tests::tampering::Tampering;

#[test]
fn changes_waiting_in_automerges_queue_are_refused_not_stored() {
    let topology = ningxia();
    let (city_code, county_code) = (code("640100000000"), code("640104000000"));
    let mut county = memory_core(&topology, county_code);
    let mut city = memory_core(&topology, city_code);
    import_and_submit(&mut county, Ledger::Vehicles, 1_000);
    let key = DocumentKey::new(county_code, Ledger::Vehicles, SAMPLE_PERIOD);

    // The signed document plus one change whose dependency is withheld: automerge queues it, and
    // the document's heads are still exactly the signed ones.
    let signed = county.draft_document(&key).unwrap().unwrap();
    let mut other = signed.fork();
    document::write_records(&mut other, &[changed_vehicle(county_code, 1)], 2_000).unwrap();
    document::write_records(&mut other, &[changed_vehicle(county_code, 2)], 2_001).unwrap();
    let orphan = other.get_last_local_change().unwrap().raw_bytes().to_vec();
    let mut served = signed.clone();
    served.load_incremental(&orphan).unwrap();
    assert_eq!(served.get_heads(), signed.get_heads());

    let mut tampering = Tampering::new(&mut county);
    tampering.served_instead.insert(key, served);
    let mut link = Link::open(&topology, city_code, county_code);
    link.run(&mut city, &mut tampering).unwrap();
    let refusals = link.parent_refusals();
    assert_eq!(refusals.len(), 1, "{refusals:?}");
    assert_eq!(
        refusals[0].reason,
        RefusalReason::ChangesNotCoveredBySignature
    );
    assert_eq!(sequence(&city, &key), None);
    assert!(
        city.store()
            .scan_prefix(node::store::Tree::Documents, &[])
            .unwrap()
            .is_empty(),
        "nothing of the document was stored"
    );
}

#[test]
fn a_crafted_bloom_filter_from_the_parent_is_refused_without_harm() {
    let topology = ningxia();
    let (city_code, county_code) = (code("640100000000"), code("640104000000"));
    let mut county = memory_core(&topology, county_code);
    import_and_submit(&mut county, Ledger::Vehicles, 1_000);
    let key = DocumentKey::new(county_code, Ledger::Vehicles, SAMPLE_PERIOD);
    let mut link = Link::open(&topology, city_code, county_code);
    let hello = link.parent_session.poll_transmit().unwrap();
    link.child_session
        .handle_bytes(0, &hello, &mut county)
        .unwrap();
    while link.child_session.poll_transmit().is_some() {}

    for (what, header) in [
        ("zero bits per entry", vec![1u8, 0, 7]),
        (
            "2^32 probes",
            vec![1, 10, 0xff, 0xff, 0xff, 0xff, 0x0f, 0, 0],
        ),
    ] {
        let message = SyncMessage {
            heads: vec![automerge::ChangeHash([7; 32])],
            need: vec![],
            have: vec![Have {
                last_sync: vec![],
                bloom: BloomFilter::try_from(&header[..]).unwrap(),
            }],
            changes: ChunkList::from(Vec::<Vec<u8>>::new()),
            flags: None,
            version: MessageVersion::V1,
        };
        let frame = protocol::message::Message::Sync {
            key,
            sequence: 1,
            restart: true,
            message: message.encode(),
        }
        .to_frame()
        .unwrap();
        link.child_session
            .handle_bytes(1, &frame, &mut county)
            .expect("the session goes on");
        let refused = std::iter::from_fn(|| link.child_session.poll_event()).any(|event| {
            matches!(
                event,
                protocol::Event::Refused(refusal)
                    if matches!(refusal.reason, RefusalReason::BadSyncMessage { .. })
            )
        });
        assert!(refused, "{what}: refused as a bad sync message");
    }
}

#[test]
fn eager_changes_lost_with_a_replaced_offer_do_not_stall_the_pull() {
    let topology = ningxia();
    let (region_code, city_code) = (code("640000000000"), code("640100000000"));
    let (c104, c105, c106) = (
        code("640104000000"),
        code("640105000000"),
        code("640106000000"),
    );
    let mut region = memory_core(&topology, region_code);
    let mut city = memory_core(&topology, city_code);
    let mut county104 = memory_core(&topology, c104);
    let mut county105 = memory_core(&topology, c105);
    let mut county106 = memory_core(&topology, c106);
    let key = DocumentKey::new(c106, Ledger::Vehicles, SAMPLE_PERIOD);

    // County 106's vehicles, with enough history that one change is a small part of it.
    import_and_submit(&mut county106, Ledger::Vehicles, 1_000);
    for index in 0..8 {
        let record = changed_vehicle(c106, index + 1);
        county106
            .import_records(
                Ledger::Vehicles,
                SAMPLE_PERIOD,
                &[record],
                1_100 + i64::from(index),
            )
            .unwrap();
    }
    county106
        .submit(Ledger::Vehicles, SAMPLE_PERIOD, &clerk(), 1_200)
        .unwrap();
    let mut link106 = Link::open(&topology, city_code, c106);
    link106.run(&mut city, &mut county106).unwrap();
    let mut up = Link::open(&topology, region_code, city_code);
    up.run(&mut region, &mut city).unwrap();
    assert_eq!(sequence(&region, &key), Some(2));

    // Six documents the region has never seen fill its pulls; 106's change waits with its eager
    // message.
    for county in [&mut county104, &mut county105] {
        for ledger in Ledger::ALL {
            import_and_submit(county, ledger, 2_000);
        }
    }
    Link::open(&topology, city_code, c104)
        .run(&mut city, &mut county104)
        .unwrap();
    Link::open(&topology, city_code, c105)
        .run(&mut city, &mut county105)
        .unwrap();
    submit_change(&mut county106, 100, 2_000);
    link106.push(&mut city, &mut county106).unwrap();
    up.child_session
        .handle_local_change(up.now_ms, &mut city)
        .unwrap();
    deliver_up(&mut up, &mut region);

    // Before the region answers, 106 submits again: the waiting offer is replaced and the first
    // eager message is dropped, while the city counts its changes as sent.
    submit_change(&mut county106, 200, 3_000);
    link106.push(&mut city, &mut county106).unwrap();
    assert_eq!(sequence(&city, &key), Some(4));
    up.child_session
        .handle_local_change(up.now_ms, &mut city)
        .unwrap();
    deliver_up(&mut up, &mut region);

    up.run(&mut region, &mut city).unwrap();
    assert_eq!(sequence(&region, &key), Some(4), "the pull completed");
    assert!(up.parent_session.is_idle(), "nothing is left waiting");
    assert!(
        up.parent_refusals().is_empty(),
        "{:?}",
        up.parent_refusals()
    );
    region.verify().unwrap();
}

#[test]
fn a_rollup_never_goes_up_ahead_of_its_input() {
    let topology = ningxia();
    let (region_code, city_code, county_code) = (
        code("640000000000"),
        code("640100000000"),
        code("640104000000"),
    );
    let mut county = memory_core(&topology, county_code);
    let mut city = memory_core(&topology, city_code);
    let mut region = memory_core(&topology, region_code);
    import_and_submit(&mut county, Ledger::Vehicles, 1_000);
    import_and_submit(&mut city, Ledger::Vehicles, 1_000);
    let key = DocumentKey::new(county_code, Ledger::Vehicles, SAMPLE_PERIOD);
    let mut down = Link::open(&topology, city_code, county_code);
    down.run(&mut city, &mut county).unwrap();
    let mut up = Link::open(&topology, region_code, city_code);
    up.run(&mut region, &mut city).unwrap();

    // Submission 2 goes up; the region's settle message waits in its outbox.
    submit_change(&mut county, 1, 2_000);
    down.push(&mut city, &mut county).unwrap();
    up.child_session
        .handle_local_change(up.now_ms, &mut city)
        .unwrap();
    deliver_up(&mut up, &mut region);

    // Submission 3 reaches the city, which makes a new rollup, before its upward session hears of
    // it; then the settle message arrives.
    submit_change(&mut county, 2, 3_000);
    down.push(&mut city, &mut county).unwrap();
    let current = city
        .latest_rollup_of(city_code, Ledger::Vehicles, SAMPLE_PERIOD)
        .unwrap()
        .clone();
    deliver_down(&mut up, &mut city);
    up.run(&mut region, &mut city).unwrap();

    assert!(
        up.parent_refusals().is_empty(),
        "{:?}",
        up.parent_refusals()
    );
    assert_eq!(sequence(&region, &key), Some(3));
    let held = region
        .latest_rollup_of(city_code, Ledger::Vehicles, SAMPLE_PERIOD)
        .unwrap();
    assert_eq!(
        held.hash(),
        current.hash(),
        "the region holds the city's current rollup"
    );
}

#[test]
fn a_document_the_parent_did_not_store_is_offered_again_later() {
    let topology = ningxia();
    let (city_code, county_code) = (code("640100000000"), code("640104000000"));
    let mut county = memory_core(&topology, county_code);
    let mut city = memory_core(&topology, city_code);
    import_and_submit(&mut county, Ledger::Energy, 1_000);
    let key = DocumentKey::new(county_code, Ledger::Energy, SAMPLE_PERIOD);

    // The first offer is answered with a document the parent refuses.
    let mut beyond = county.draft_document(&key).unwrap().unwrap();
    let consumption = changed_consumption(county_code, 1);
    document::write_records(&mut beyond, &[consumption], 1_500).unwrap();
    let mut link = Link::open(&topology, city_code, county_code);
    {
        let mut tampering = Tampering::new(&mut county);
        tampering.served_instead.insert(key, beyond);
        link.run(&mut city, &mut tampering).unwrap();
    }
    assert_eq!(link.parent_refusals().len(), 1);
    assert_eq!(sequence(&city, &key), None);

    // Nothing changes at the county; once the retry is due, the same submission is offered again
    // and this time stored.
    let timeout = link
        .child_session
        .poll_timeout()
        .expect("a retry is scheduled");
    assert!(
        timeout > link.now_ms + protocol::limits::NOT_STORED_RETRY_MS_MIN / 2,
        "the retry waits rather than hammering the parent"
    );
    link.now_ms = timeout;
    link.child_session
        .handle_timeout(timeout, &mut county)
        .unwrap();
    link.run(&mut city, &mut county).unwrap();
    assert_eq!(sequence(&city, &key), Some(1));
    assert_eq!(link.parent_refusals().len(), 1, "no new refusal");
}
