//! Restoring a node's lost store from its parent over the sans-IO protocol, with no network: a city
//! and a county get back everything their parent holds about their subtree, carry on (their next
//! submissions and rollups continue the sequences and are accepted), and a lying parent's
//! tampered restore is refused whole.

use automerge::transaction::Transactable;
use automerge::{Automerge, ROOT};
use node::core::NodeCore;
use protocol::message::{Message, RestorePart};
use protocol::{DocumentKey, RefusalReason, RestoreError, Restored, Rollup, Signed, Verdict};
use schemas::Ledger;
use sim_tests::harness::{
    Link, MAX_STEPS_PER_RUN, SAMPLE_PERIOD, code, import_and_submit, memory_core, ningxia,
    restore_over_memory, reviewer, sequence, submit_change, test_key, undefined_core,
};
use topology::{DivisionCode, Topology};

const LEDGERS: [Ledger; 2] = [Ledger::Vehicles, Ledger::Energy];

/// A region, one city and two of its counties, every node's sample ledgers submitted and synced
/// up to the region; the city has accepted the first county's vehicles.
struct Tree {
    topology: Topology,
    region: NodeCore,
    city: NodeCore,
    counties: Vec<NodeCore>,
}

fn region_code() -> DivisionCode {
    code("640000000000")
}

fn city_code() -> DivisionCode {
    code("640100000000")
}

fn synced_tree() -> Tree {
    let topology = ningxia();
    let mut region = memory_core(&topology, region_code());
    let mut city = memory_core(&topology, city_code());
    let mut counties: Vec<NodeCore> = topology.children_of(city_code())[..2]
        .iter()
        .map(|county| memory_core(&topology, *county))
        .collect();
    for ledger in LEDGERS {
        import_and_submit(&mut city, ledger, 1_000);
        for county in &mut counties {
            import_and_submit(county, ledger, 1_000);
        }
    }
    for county in &mut counties {
        let mut link = Link::open(&topology, city_code(), county.code());
        link.run(&mut city, county).unwrap();
        assert!(link.parent_refusals().is_empty());
    }
    let accepted = DocumentKey::new(counties[0].code(), Ledger::Vehicles, SAMPLE_PERIOD);
    city.decide(accepted, Verdict::Accepted, &reviewer(), 2_000)
        .unwrap();
    let mut link = Link::open(&topology, region_code(), city_code());
    link.run(&mut region, &mut city).unwrap();
    assert!(link.parent_refusals().is_empty());
    Tree {
        topology,
        region,
        city,
        counties,
    }
}

/// A fresh core for `code` (nothing held, not even the return definitions) with `restored` written.
fn restored_core(topology: &Topology, code: DivisionCode, restored: Restored) -> NodeCore {
    let mut core = undefined_core(topology, code);
    core.write_restored(restored).unwrap();
    core
}

fn assert_holds_the_same(restored: &NodeCore, original: &NodeCore) {
    for accepted in original.latest_submissions() {
        let key = accepted.submission.payload().key;
        assert_eq!(
            restored
                .latest_submission_of(&key)
                .map(|held| held.submission.hash()),
            Some(accepted.submission.hash()),
            "{key}: the restored node holds the latest submission"
        );
    }
    for rollup in original.latest_rollups() {
        let payload = rollup.payload();
        assert_eq!(
            restored
                .latest_rollup_of(payload.node, payload.ledger, payload.period)
                .map(Signed::hash),
            Some(rollup.hash()),
            "{}/{}: the restored node holds the latest rollup",
            payload.node,
            payload.ledger
        );
    }
}

#[test]
fn a_city_restored_from_the_region_holds_its_subtree_and_carries_on() {
    let mut tree = synced_tree();
    let restored = restore_over_memory(&tree.topology, &mut tree.region, city_code(), |m| m)
        .expect("an honest region's restore checks out");
    assert_eq!(restored.documents.len(), 3 * LEDGERS.len());
    let mut city = restored_core(&tree.topology, city_code(), restored);
    assert_holds_the_same(&city, &tree.city);
    let report = city.verify().expect("the restored city verifies");
    assert_eq!(report.submissions_checked, 3 * LEDGERS.len());
    assert!(
        report.decisions_checked >= 1,
        "the city's own decision came back"
    );
    for ledger in LEDGERS {
        let key = DocumentKey::new(city_code(), ledger, SAMPLE_PERIOD);
        assert!(
            !city.draft_has_unsubmitted_changes(&key).unwrap(),
            "{key}: the draft is the latest submitted document"
        );
    }

    // The city carries on: a county's new submission comes in, the city submits a change of its
    // own, and the region accepts both, with sequences above every one restored.
    let own = DocumentKey::new(city_code(), Ledger::Vehicles, SAMPLE_PERIOD);
    let own_before = sequence(&city, &own).unwrap();
    let rollup_before = city
        .latest_rollup_of(city_code(), Ledger::Vehicles, SAMPLE_PERIOD)
        .unwrap()
        .payload()
        .sequence;
    submit_change(&mut tree.counties[1], 7, 3_000);
    let mut link = Link::open(&tree.topology, city_code(), tree.counties[1].code());
    link.run(&mut city, &mut tree.counties[1]).unwrap();
    assert!(link.parent_refusals().is_empty());
    submit_change(&mut city, 11, 3_100);
    // Above every sequence restored (the restore's floor), never one used before.
    let own_after = sequence(&city, &own).unwrap();
    assert!(own_after > own_before, "{own_after} after {own_before}");
    let mut link = Link::open(&tree.topology, region_code(), city_code());
    link.run(&mut tree.region, &mut city).unwrap();
    assert!(
        link.parent_refusals().is_empty(),
        "{:?}",
        link.parent_refusals()
    );
    assert_eq!(sequence(&tree.region, &own), Some(own_after));
    let county_key = DocumentKey::new(tree.counties[1].code(), Ledger::Vehicles, SAMPLE_PERIOD);
    assert_eq!(
        sequence(&tree.region, &county_key),
        sequence(&tree.counties[1], &county_key)
    );
    let region_rollup = tree
        .region
        .latest_rollup_of(city_code(), Ledger::Vehicles, SAMPLE_PERIOD)
        .unwrap()
        .payload()
        .sequence;
    assert!(
        region_rollup > rollup_before,
        "the city's next rollups continue the sequence"
    );
    tree.region.verify().expect("the region still verifies");
}

#[test]
fn a_county_restored_from_the_city_carries_on_where_its_parent_left_it() {
    let mut tree = synced_tree();
    let county_code = tree.counties[0].code();
    let restored = restore_over_memory(&tree.topology, &mut tree.city, county_code, |m| m)
        .expect("an honest city's restore checks out");
    let mut county = restored_core(&tree.topology, county_code, restored);
    assert_holds_the_same(&county, &tree.counties[0]);
    let key = DocumentKey::new(county_code, Ledger::Vehicles, SAMPLE_PERIOD);
    let before = sequence(&county, &key).unwrap();
    // The restored county holds the definitions again, so it may submit.
    submit_change(&mut county, 5, 4_000);
    assert_eq!(sequence(&county, &key), Some(before + 1));
    let mut link = Link::open(&tree.topology, city_code(), county_code);
    link.run(&mut tree.city, &mut county).unwrap();
    assert!(
        link.parent_refusals().is_empty(),
        "{:?}",
        link.parent_refusals()
    );
    assert_eq!(sequence(&tree.city, &key), Some(before + 1));
}

fn refusal_reason(error: RestoreError) -> RefusalReason {
    match error {
        RestoreError::Refused { reason, .. } => reason,
        other => panic!("expected a refusal, got {other}"),
    }
}

#[test]
fn a_document_that_does_not_end_at_the_signed_heads_is_refused() {
    let mut tree = synced_tree();
    let county_code = tree.counties[0].code();
    let error = restore_over_memory(&tree.topology, &mut tree.city, county_code, |message| {
        let Message::RestorePage {
            part:
                RestorePart::DocumentChunk {
                    key,
                    sequence,
                    bytes,
                    offset: 0,
                    ..
                },
            last_page,
        } = message
        else {
            return message;
        };
        // One change past what the county signed.
        let mut document = Automerge::load(&bytes).unwrap();
        let mut transaction = document.transaction();
        transaction.put(ROOT, "unsigned", "changed").unwrap();
        transaction.commit();
        let bytes = document.save();
        Message::RestorePage {
            part: RestorePart::DocumentChunk {
                key,
                sequence,
                total_bytes: bytes.len() as u64,
                offset: 0,
                bytes,
            },
            last_page,
        }
    })
    .expect_err("a document past its signed heads is refused");
    assert_eq!(
        refusal_reason(error),
        RefusalReason::ChangesNotCoveredBySignature
    );
}

#[test]
fn a_rollup_whose_figures_are_not_the_sum_of_its_inputs_is_refused() {
    let mut tree = synced_tree();
    let topology = tree.topology.clone();
    let error = restore_over_memory(&topology, &mut tree.region, city_code(), |message| {
        let Message::RestorePage {
            part: RestorePart::Rollups(envelopes),
            last_page,
        } = message
        else {
            return message;
        };
        // The city's key signs a rollup that leaves one county out but keeps the full figures,
        // as a city binary that lies would.
        let forged = envelopes
            .into_iter()
            .map(|envelope| {
                let rollup = Signed::<Rollup>::verify(envelope, &topology).unwrap();
                let mut payload = rollup.payload().clone();
                payload.inputs.pop();
                Signed::sign(payload, &test_key(city_code()), &topology)
                    .unwrap()
                    .envelope()
                    .clone()
            })
            .collect();
        Message::RestorePage {
            part: RestorePart::Rollups(forged),
            last_page,
        }
    })
    .expect_err("a rollup that is not the sum is refused");
    assert!(
        matches!(
            refusal_reason(error),
            RefusalReason::RollupFiguresMismatch { .. }
        ),
        "the refusal names the sum"
    );
}

#[test]
fn an_object_about_another_subtree_is_refused() {
    let mut tree = synced_tree();
    let (county_code, sibling) = (tree.counties[0].code(), tree.counties[1].code());
    let sibling_submission = tree
        .city
        .latest_submission_of(&DocumentKey::new(sibling, Ledger::Vehicles, SAMPLE_PERIOD))
        .unwrap()
        .submission
        .envelope()
        .clone();
    let error =
        restore_over_memory(
            &tree.topology,
            &mut tree.city,
            county_code,
            |message| match message {
                Message::RestorePage {
                    part: RestorePart::Submissions(mut envelopes),
                    last_page,
                } => {
                    envelopes.push(sibling_submission.clone());
                    Message::RestorePage {
                        part: RestorePart::Submissions(envelopes),
                        last_page,
                    }
                }
                other => other,
            },
        )
        .expect_err("a sibling's submission is refused");
    assert_eq!(
        refusal_reason(error),
        RefusalReason::NotInPeerSubtree {
            signer: sibling,
            peer: county_code
        }
    );
}

#[test]
fn a_submission_without_its_document_or_a_stale_document_is_refused() {
    let mut tree = synced_tree();
    let county_code = tree.counties[0].code();
    let error =
        restore_over_memory(
            &tree.topology,
            &mut tree.city,
            county_code,
            |message| match message {
                Message::RestorePage {
                    part: RestorePart::DocumentChunk { key, .. },
                    last_page,
                } if key.ledger == Ledger::Energy => Message::RestorePage {
                    part: RestorePart::Notices(Vec::new()),
                    last_page,
                },
                other => other,
            },
        )
        .expect_err("a submission without its document is refused");
    assert!(
        matches!(error, RestoreError::Incomplete { ref reason, .. } if reason.contains("without its document")),
        "{error}"
    );

    // A parent that sends a new submission but the document of the old one.
    let key = DocumentKey::new(county_code, Ledger::Vehicles, SAMPLE_PERIOD);
    let mut stale = Vec::new();
    restore_over_memory(&tree.topology, &mut tree.city, county_code, |message| {
        if let Message::RestorePage {
            part:
                RestorePart::DocumentChunk {
                    key: sent,
                    ref bytes,
                    ..
                },
            ..
        } = message
            && sent == key
        {
            stale = bytes.clone();
        }
        message
    })
    .unwrap();
    submit_change(&mut tree.counties[0], 9, 5_000);
    let mut link = Link::open(&tree.topology, city_code(), county_code);
    link.run(&mut tree.city, &mut tree.counties[0]).unwrap();
    let error =
        restore_over_memory(
            &tree.topology,
            &mut tree.city,
            county_code,
            |message| match message {
                Message::RestorePage {
                    part:
                        RestorePart::DocumentChunk {
                            key: sent,
                            sequence,
                            ..
                        },
                    last_page,
                } if sent == key => Message::RestorePage {
                    part: RestorePart::DocumentChunk {
                        key: sent,
                        sequence,
                        total_bytes: stale.len() as u64,
                        offset: 0,
                        bytes: stale.clone(),
                    },
                    last_page,
                },
                other => other,
            },
        )
        .expect_err("a document short of the signed heads is refused");
    assert!(
        matches!(
            refusal_reason(error),
            RefusalReason::MalformedDocument { .. }
        ),
        "the refusal says the document lacks the signed heads"
    );
}

#[test]
fn a_rollup_naming_an_older_submission_is_restored_with_that_submission_checked() {
    let mut tree = synced_tree();
    let county_code = tree.counties[0].code();
    let key = DocumentKey::new(county_code, Ledger::Vehicles, SAMPLE_PERIOD);
    submit_change(&mut tree.counties[0], 13, 6_000);
    let mut link = Link::open(&tree.topology, city_code(), county_code);
    link.run(&mut tree.city, &mut tree.counties[0]).unwrap();
    // The county's new submission reaches the region, but the city's new rollup does not: the
    // region's latest rollup of the city still names the county's older submission.
    let old_city_rollup = tree
        .region
        .latest_rollup_of(city_code(), Ledger::Vehicles, SAMPLE_PERIOD)
        .unwrap()
        .clone();
    let mut link = Link::open(&tree.topology, region_code(), city_code());
    sim_tests::harness::deliver_up(&mut link, &mut tree.region);
    sim_tests::harness::deliver_down(&mut link, &mut tree.city);
    for _ in 0..MAX_STEPS_PER_RUN {
        if sequence(&tree.region, &key) == Some(2) {
            break;
        }
        sim_tests::harness::deliver_up(&mut link, &mut tree.region);
        sim_tests::harness::deliver_down(&mut link, &mut tree.city);
    }
    assert_eq!(sequence(&tree.region, &key), Some(2));
    assert_eq!(
        tree.region
            .latest_rollup_of(city_code(), Ledger::Vehicles, SAMPLE_PERIOD)
            .map(Signed::hash),
        Some(old_city_rollup.hash()),
        "the region still holds the city's older rollup"
    );

    let restored = restore_over_memory(&tree.topology, &mut tree.region, city_code(), |m| m)
        .expect("an older input is checked against its document's history");
    let mut city = restored_core(&tree.topology, city_code(), restored);
    assert_eq!(sequence(&city, &key), Some(2));
    assert_eq!(
        city.latest_rollup_of(city_code(), Ledger::Vehicles, SAMPLE_PERIOD)
            .map(Signed::hash),
        Some(old_city_rollup.hash())
    );
    // At start the restored city brings its rollup up to date, with the next sequence, and the
    // region takes it.
    assert!(city.consolidate_all(7_000).unwrap() >= 1);
    let rollup = city
        .latest_rollup_of(city_code(), Ledger::Vehicles, SAMPLE_PERIOD)
        .unwrap()
        .clone();
    assert_eq!(
        rollup.payload().sequence,
        old_city_rollup.payload().sequence + 1
    );
    let mut link = Link::open(&tree.topology, region_code(), city_code());
    link.run(&mut tree.region, &mut city).unwrap();
    assert!(
        link.parent_refusals().is_empty(),
        "{:?}",
        link.parent_refusals()
    );
    assert_eq!(
        tree.region
            .latest_rollup_of(city_code(), Ledger::Vehicles, SAMPLE_PERIOD)
            .map(Signed::hash),
        Some(rollup.hash())
    );
}
