//! Envelopes are exact: a compromised county's bytes after a signed payload, bytes after a
//! message, an envelope larger than its kind may be, and the same content signed again and again
//! under new sequence numbers. Each is refused (the first three before any signature is checked),
//! nothing of the attacker's is stored, and its honest sibling goes through in the same run.

use ed25519_dalek::Signer as _;
use protocol::limits::{
    MAX_EAGER_BYTES_PER_PAGE, MAX_FRAME_BYTES, MAX_ROLLUP_ENVELOPE_BYTES, MAX_ROLLUPS_PER_PAGE,
    MAX_SUBMISSION_ENVELOPE_BYTES, MAX_SUBMISSIONS_PER_PAGE,
};
use protocol::message::{EagerSync, Message};
use protocol::signed::SignedPayload;
use protocol::{
    DocumentKey, Envelope, RefusalReason, SessionError, Signed, SignedError, Submission,
};
use schemas::Ledger;
use sim_tests::harness::{Link, SAMPLE_PERIOD, import_and_submit, test_key};

use super::common::{Scene, open_by_hand, refusals_matching, send_up};

/// An envelope over `payload` signed by the attacker's key, as a modified binary would make it.
fn signed_by_hand<T: SignedPayload>(scene: &Scene, payload: Vec<u8>) -> Envelope {
    let key = test_key(scene.attacker_code);
    let mut message = T::DOMAIN.to_vec();
    message.extend_from_slice(&payload);
    Envelope {
        signature: key.sign(&message).to_bytes().to_vec(),
        signer_key: key.verifying_key().to_bytes(),
        payload,
    }
}

/// The attacker's energy submission as its own node signs it (stored nowhere yet).
fn attacker_submission(scene: &mut Scene) -> Submission {
    import_and_submit(&mut scene.attacker, Ledger::Energy, 1_000);
    let key = DocumentKey::new(scene.attacker_code, Ledger::Energy, SAMPLE_PERIOD);
    scene
        .attacker
        .latest_submission_of(&key)
        .unwrap()
        .submission
        .payload()
        .clone()
}

fn offer(round: u64, submissions: Vec<Envelope>) -> Message {
    Message::Offer {
        round,
        submissions,
        eager: Vec::new(),
        last_page: true,
    }
}

#[test]
fn bytes_after_a_signed_payload_or_a_message_are_refused() {
    let mut scene = Scene::new();
    let submission = attacker_submission(&mut scene);
    let mut payload = submission.encode().unwrap();
    payload.push(0);
    let padded = signed_by_hand::<Submission>(&scene, payload);
    // The same payload without the extra byte verifies: only the trailing byte is wrong.
    let mut exact_payload = padded.payload.clone();
    exact_payload.pop();
    assert!(
        Signed::<Submission>::verify(
            signed_by_hand::<Submission>(&scene, exact_payload),
            &scene.topology
        )
        .is_ok()
    );

    let mut empty = sim_tests::harness::memory_core(&scene.topology, scene.attacker_code);
    let mut link = Link::open(&scene.topology, scene.city_code, scene.attacker_code);
    open_by_hand(&mut link, &mut scene.city, &mut empty);
    send_up(&mut link, &mut scene.city, &offer(2, vec![padded])).expect("the session goes on");
    let refused = refusals_matching(&link, |reason| {
        matches!(reason, RefusalReason::Signature(SignedError::Malformed { reason })
            if reason.contains("trailing bytes"))
    });
    assert_eq!(refused.len(), 1, "{:?}", link.parent_refusals());
    assert_eq!(link.parent_refusals().len(), 1);

    // A frame whose message is followed by more bytes breaks the protocol: the session ends.
    let mut body = postcard::to_stdvec(&offer(3, Vec::new())).unwrap();
    body.extend_from_slice(&[0, 0, 0]);
    let frame = protocol::frame::encode_frame(&body).unwrap();
    let error = link
        .parent_session
        .handle_bytes(link.now_ms + 1, &frame, &mut scene.city)
        .unwrap_err();
    assert!(
        matches!(&error, SessionError::Message { source, .. }
            if source.to_string().contains("3 trailing bytes")),
        "{error}"
    );

    scene.assert_nothing_of_attacker_beyond(&[]);
    scene.honest_sibling_goes_through();
}

#[test]
fn an_oversized_envelope_is_refused_before_it_is_decoded_or_verified() {
    let mut scene = Scene::new();
    let mut empty = sim_tests::harness::memory_core(&scene.topology, scene.attacker_code);
    let mut link = Link::open(&scene.topology, scene.city_code, scene.attacker_code);
    open_by_hand(&mut link, &mut scene.city, &mut empty);
    // Bytes that are no payload at all: were they decoded or verified, the refusal would say so.
    let huge_rollup = Envelope {
        payload: vec![0xAB; MAX_ROLLUP_ENVELOPE_BYTES],
        signer_key: test_key(scene.attacker_code).verifying_key().to_bytes(),
        signature: vec![0; 64],
    };
    let huge_submission = Envelope {
        payload: vec![0xCD; MAX_SUBMISSION_ENVELOPE_BYTES],
        ..huge_rollup.clone()
    };
    send_up(&mut link, &mut scene.city, &offer(2, vec![huge_submission])).unwrap();
    send_up(
        &mut link,
        &mut scene.city,
        &Message::Rollups {
            rollups: vec![huge_rollup],
            last_page: true,
        },
    )
    .unwrap();
    let too_large = refusals_matching(&link, |reason| {
        matches!(
            reason,
            RefusalReason::Signature(SignedError::TooLarge { .. })
        )
    });
    assert_eq!(too_large.len(), 2, "{:?}", link.parent_refusals());
    assert_eq!(link.parent_refusals().len(), 2);
    scene.assert_nothing_of_attacker_beyond(&[]);
    scene.honest_sibling_goes_through();
}

#[test]
fn a_page_of_the_largest_allowed_envelopes_fits_in_one_frame() {
    let largest = |bytes: usize| Envelope {
        payload: vec![1; bytes - 32 - 64 - 10],
        signer_key: [2; 32],
        signature: vec![3; 64],
    };
    let rollups = Message::Rollups {
        rollups: vec![largest(MAX_ROLLUP_ENVELOPE_BYTES); MAX_ROLLUPS_PER_PAGE],
        last_page: true,
    };
    assert!(rollups.to_frame().unwrap().len() <= MAX_FRAME_BYTES + 4);
    let offer = Message::Offer {
        round: u64::MAX,
        submissions: vec![largest(MAX_SUBMISSION_ENVELOPE_BYTES); MAX_SUBMISSIONS_PER_PAGE],
        eager: vec![EagerSync {
            key: DocumentKey::new(
                sim_tests::harness::code("640104000000"),
                Ledger::Energy,
                SAMPLE_PERIOD,
            ),
            sequence: u64::MAX,
            message: vec![4; MAX_EAGER_BYTES_PER_PAGE],
        }],
        last_page: true,
    };
    assert!(offer.to_frame().unwrap().len() <= MAX_FRAME_BYTES + 4);
}

#[test]
fn the_same_content_signed_again_under_new_sequences_is_refused_and_a_flood_ends_the_session() {
    let mut scene = Scene::new();
    let submission = attacker_submission(&mut scene);
    let mut link = Link::open(&scene.topology, scene.city_code, scene.attacker_code);
    link.run(&mut scene.city, &mut scene.attacker).unwrap();
    scene.assert_nothing_of_attacker_beyond(&[(Ledger::Energy, 1)]);

    let resigned = |sequence: u64| {
        Signed::sign(
            Submission {
                sequence,
                time_ms: 2_000 + sequence as i64,
                ..submission.clone()
            },
            &test_key(scene.attacker_code),
            &scene.topology,
        )
        .unwrap()
        .envelope()
        .clone()
    };
    let ten: Vec<Envelope> = (2..12).map(resigned).collect();
    send_up(&mut link, &mut scene.city, &offer(2, ten)).expect("ten refusals end nothing");
    let duplicates = refusals_matching(&link, |reason| {
        matches!(reason, RefusalReason::DuplicateSubmission { held: 1 })
    });
    assert_eq!(duplicates.len(), 10, "{:?}", link.parent_refusals());
    scene.assert_nothing_of_attacker_beyond(&[(Ledger::Energy, 1)]);

    // A flood: past the session's budget of refusals for misbehaviour, the session ends.
    let flood: Vec<Envelope> = (12..52).map(resigned).collect();
    let error = send_up(&mut link, &mut scene.city, &offer(3, flood)).unwrap_err();
    let budget = protocol::limits::MAX_MISBEHAVIOUR_REFUSALS_PER_SESSION;
    assert!(
        matches!(error, SessionError::TooManyRefusals { count, .. } if count == budget + 1),
        "{error}"
    );
    let duplicates = refusals_matching(&link, |reason| {
        matches!(reason, RefusalReason::DuplicateSubmission { .. })
    });
    assert_eq!(duplicates.len() as u32, budget + 1);
    scene.assert_nothing_of_attacker_beyond(&[(Ledger::Energy, 1)]);
    scene.honest_sibling_goes_through();
}
