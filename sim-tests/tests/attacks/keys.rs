//! Keys rotate and are revoked. A county's key is rotated at the root while a thief keeps the old
//! one: what the old key signed before its retirement still counts and travels up, but a new
//! submission signed with it is refused; the county itself re-signs under its new key and goes
//! through. When the key is revoked as compromised instead, anything new signed by it is refused
//! and what it signed after the compromise is flagged by `verify` and in the document's review.

use ed25519_dalek::SigningKey;
use protocol::message::Message;
use protocol::{DocumentKey, RefusalReason, Signed, Submission};
use schemas::Ledger;
use sim_tests::harness::{
    Link, SAMPLE_PERIOD, clerk, code, import_and_submit, memory_core, test_key,
};
use topology::Topology;

use super::common::{Scene, refusals_matching, send_up};

fn hello(node: topology::DivisionCode, topology_version: u64) -> Message {
    Message::Hello {
        protocol_version: protocol::message::PROTOCOL_VERSION,
        node,
        topology_version,
    }
}

fn public(key: &SigningKey) -> topology::PublicKey {
    node::directory::public_key(key)
}

/// The topology after `change`, signed by the root.
fn published(topology: &Topology, change: impl FnOnce(&mut Topology)) -> Topology {
    let mut next = topology.clone();
    change(&mut next);
    next.sign(&test_key(next.root().code)).unwrap();
    next
}

/// A new submission of the attacker's energy document signed with `key` (the stolen old key).
fn signed_with(scene: &Scene, key: &SigningKey, sequence: u64, topology: &Topology) -> Message {
    let document = DocumentKey::new(scene.attacker_code, Ledger::Energy, SAMPLE_PERIOD);
    let held = scene.city.latest_submission_of(&document).unwrap();
    let payload = Submission {
        sequence,
        heads: vec![[sequence as u8; 32]],
        time_ms: 9_000,
        ..held.submission.payload().clone()
    };
    // Signed by hand: `Signed::sign` refuses a key the topology no longer names as current.
    let bytes = protocol::SignedPayload::encode(&payload).unwrap();
    let mut message = <Submission as protocol::signed::SignedPayload>::DOMAIN.to_vec();
    message.extend_from_slice(&bytes);
    use ed25519_dalek::Signer as _;
    let envelope = protocol::Envelope {
        payload: bytes,
        signer_key: key.verifying_key().to_bytes(),
        signature: key.sign(&message).to_bytes().to_vec(),
    };
    assert!(Signed::<Submission>::verify(envelope.clone(), topology).is_ok());
    Message::Offer {
        round: 1,
        submissions: vec![envelope],
        eager: Vec::new(),
        last_page: true,
    }
}

#[test]
fn a_retired_key_signs_nothing_new_while_what_it_signed_before_still_counts() {
    let mut scene = Scene::new();
    let region_code = code("640000000000");
    let mut region = memory_core(&scene.topology, region_code);
    import_and_submit(&mut scene.attacker, Ledger::Energy, 1_000);
    let mut link = Link::open(&scene.topology, scene.city_code, scene.attacker_code);
    link.run(&mut scene.city, &mut scene.attacker).unwrap();
    let old_key = test_key(scene.attacker_code);

    // The county makes its next key; the root rotates to it and the topology comes down.
    let new_key = SigningKey::from_bytes(&[77; 32]);
    let v2 = published(&scene.topology, |topology| {
        topology
            .rotate_key(scene.attacker_code, public(&new_key))
            .unwrap();
    });
    scene.attacker.set_next_key(Some(new_key.clone()));
    for node in [&mut region, &mut scene.city] {
        node.adopt_new_topology(v2.clone()).unwrap();
    }
    link.push_down(&mut scene.city, &mut scene.attacker)
        .unwrap();
    assert_eq!(scene.attacker.topology().version(), 2);
    assert!(
        scene.attacker.signing_key_is_current(),
        "the county switched to its next key"
    );

    // The thief of the old key signs a new submission: refused.
    let thief = signed_with(&scene, &old_key, 5, &v2);
    let mut thief_link = Link::open(&v2, scene.city_code, scene.attacker_code);
    thief_link.now_ms = link.now_ms;
    send_up(
        &mut thief_link,
        &mut scene.city,
        &hello(scene.attacker_code, 1),
    )
    .unwrap();
    send_up(&mut thief_link, &mut scene.city, &thief).unwrap();
    let retired = refusals_matching(&thief_link, |reason| {
        matches!(
            reason,
            RefusalReason::RetiredKey {
                retired_in_version: 2,
                ..
            }
        )
    });
    assert_eq!(retired.len(), 1, "{:?}", thief_link.parent_refusals());
    scene.assert_nothing_of_attacker_beyond(&[(Ledger::Energy, 1)]);

    // What the old key signed before (received under version 1) still counts and goes up.
    let mut up = Link::open(&v2, region_code, scene.city_code);
    up.run(&mut region, &mut scene.city).unwrap();
    let key = DocumentKey::new(scene.attacker_code, Ledger::Energy, SAMPLE_PERIOD);
    assert_eq!(
        region
            .latest_submission_of(&key)
            .unwrap()
            .submission
            .payload()
            .sequence,
        1
    );
    assert!(
        up.parent_refusals().is_empty(),
        "{:?}",
        up.parent_refusals()
    );
    region.verify().unwrap();
    scene.city.verify().unwrap();

    // The county's next submission, under its new key, goes through.
    let change = sim_tests::harness::changed_consumption(scene.attacker_code, 3);
    scene
        .attacker
        .import_records(Ledger::Energy, SAMPLE_PERIOD, &[change], 20_000)
        .unwrap();
    scene
        .attacker
        .submit(Ledger::Energy, SAMPLE_PERIOD, &clerk(), 20_000)
        .unwrap();
    link.push(&mut scene.city, &mut scene.attacker).unwrap();
    assert_eq!(
        scene
            .city
            .latest_submission_of(&key)
            .unwrap()
            .submission
            .payload()
            .sequence,
        2
    );
    assert!(
        link.parent_refusals().is_empty(),
        "{:?}",
        link.parent_refusals()
    );
    scene.honest_sibling_goes_through();
}

#[test]
fn a_revoked_key_is_refused_and_what_it_signed_after_the_compromise_is_flagged() {
    let mut scene = Scene::new();
    import_and_submit(&mut scene.attacker, Ledger::Energy, 1_000);
    let mut link = Link::open(&scene.topology, scene.city_code, scene.attacker_code);
    link.now_ms = 1_000;
    link.run(&mut scene.city, &mut scene.attacker).unwrap();
    let stolen = test_key(scene.attacker_code);

    // The key was stolen at 500 ms, before the city received #1: revoked, with a replacement.
    let replacement = SigningKey::from_bytes(&[78; 32]);
    let v2 = published(&scene.topology, |topology| {
        topology
            .revoke_key(
                scene.attacker_code,
                &public(&stolen),
                500,
                Some(public(&replacement)),
            )
            .unwrap();
    });
    scene.city.adopt_new_topology(v2.clone()).unwrap();
    let thief = signed_with(&scene, &stolen, 5, &v2);
    let mut thief_link = Link::open(&v2, scene.city_code, scene.attacker_code);
    thief_link.now_ms = link.now_ms;
    send_up(
        &mut thief_link,
        &mut scene.city,
        &hello(scene.attacker_code, 1),
    )
    .unwrap();
    send_up(&mut thief_link, &mut scene.city, &thief).unwrap();
    let revoked = refusals_matching(
        &thief_link,
        |reason| matches!(reason, RefusalReason::RevokedKey { signer } if *signer == scene.attacker_code),
    );
    assert_eq!(revoked.len(), 1, "{:?}", thief_link.parent_refusals());
    scene.assert_nothing_of_attacker_beyond(&[(Ledger::Energy, 1)]);

    // #1 was taken before the revocation and still counts, but it is flagged.
    let report = scene.city.verify().unwrap();
    assert!(
        report
            .flagged
            .iter()
            .any(|flag| flag.contains("已吊销的密钥在其泄露之后")),
        "{report:?}"
    );
    let key = DocumentKey::new(scene.attacker_code, Ledger::Energy, SAMPLE_PERIOD);
    let review = scene.city.document_review(key);
    assert!(review.revoked_key.is_some(), "{review:?}");
    let completeness = node::operations::completeness::completeness(
        &scene.city,
        Ledger::Energy,
        SAMPLE_PERIOD,
        10_000,
    )
    .unwrap();
    assert!(
        completeness
            .documents
            .iter()
            .any(|row| row.node.code == scene.attacker_code && row.document.revoked_key.is_some())
    );
    scene.honest_sibling_goes_through();
}
