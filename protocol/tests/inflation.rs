//! Property tests of bounded inflation (`protocol::inflation`): whatever automerge writes comes
//! out uncompressed and loads to the same document; whatever else is fed in never panics and
//! never grows past the budget; bombs are refused at the cap.
//!
//! 64 cases per property in CI; `HUIZONG_FUZZ_CASES=N` runs N.

use protocol::inflation::write_unsigned;
use std::io::Write as _;

use automerge::sync::{Message as SyncMessage, State as SyncState, SyncDoc};
use automerge::transaction::Transactable;
use automerge::{Automerge, ObjType, ROOT, SaveOptions};
use proptest::prelude::*;
use protocol::inflation::{Cap, CapExceeded, DocumentBudget, InflationError, Measure};
use protocol::limits::InflationLimits;

/// Cases per property unless `HUIZONG_FUZZ_CASES` says otherwise.
const DEFAULT_CASES: u32 = 64;

fn config() -> ProptestConfig {
    let cases = std::env::var("HUIZONG_FUZZ_CASES")
        .ok()
        .and_then(|cases| cases.parse().ok())
        .unwrap_or(DEFAULT_CASES);
    ProptestConfig::with_cases(cases)
}

fn generous() -> InflationLimits {
    InflationLimits {
        message_ratio: 1_000,
        message_floor_bytes: 64 * 1024 * 1024,
        document_bytes: 64 * 1024 * 1024,
        document_operations: 10_000_000,
    }
}

/// One edit of a random document.
#[derive(Debug, Clone)]
enum Edit {
    Put { key: u8, value: String },
    PutNumber { key: u8, value: i64 },
    Delete { key: u8 },
    Nested { key: u8, entries: Vec<(u8, String)> },
    Text { key: u8, text: String },
    Commit,
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<u8>(), "[a-z]{0,12}|(abc){20,80}").prop_map(|(key, value)| Edit::Put { key, value }),
        (any::<u8>(), any::<i64>()).prop_map(|(key, value)| Edit::PutNumber { key, value }),
        any::<u8>().prop_map(|key| Edit::Delete { key }),
        (
            any::<u8>(),
            proptest::collection::vec((any::<u8>(), "[a-z]{0,6}|(xy){10,40}"), 0..40)
        )
            .prop_map(|(key, entries)| Edit::Nested { key, entries }),
        (any::<u8>(), "[ -~]{0,200}").prop_map(|(key, text)| Edit::Text { key, text }),
        Just(Edit::Commit),
    ]
}

/// A document built from `edits`, committed in several changes.
fn document(edits: &[Edit]) -> Automerge {
    let mut document = Automerge::new();
    let mut transaction = document.transaction();
    for edit in edits {
        match edit {
            Edit::Put { key, value } => {
                transaction
                    .put(ROOT, format!("k{key}"), value.as_str())
                    .unwrap();
            }
            Edit::PutNumber { key, value } => {
                transaction.put(ROOT, format!("n{key}"), *value).unwrap();
            }
            Edit::Delete { key } => {
                let _ = transaction.delete(ROOT, format!("k{key}"));
            }
            Edit::Nested { key, entries } => {
                let map = transaction
                    .put_object(ROOT, format!("m{key}"), ObjType::Map)
                    .unwrap();
                for (entry, value) in entries {
                    transaction
                        .put(&map, format!("e{entry}"), value.as_str())
                        .unwrap();
                }
            }
            Edit::Text { key, text } => {
                let object = transaction
                    .put_object(ROOT, format!("t{key}"), ObjType::Text)
                    .unwrap();
                transaction.splice_text(&object, 0, 0, text).unwrap();
            }
            Edit::Commit => {
                transaction.commit();
                transaction = document.transaction();
            }
        }
    }
    transaction.commit();
    document
}

fn save(document: &Automerge, deflate: bool) -> Vec<u8> {
    document.save_with_options(SaveOptions {
        deflate,
        retain_orphans: false,
    })
}

/// A compressed change chunk (type 2) of `n_zeros` zeros, with any checksum.
fn zero_bomb(n_zeros: usize) -> Vec<u8> {
    let mut encoder = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    let zeros = vec![0u8; 1024 * 1024];
    let mut left = n_zeros;
    while left > 0 {
        let step = left.min(zeros.len());
        encoder.write_all(&zeros[..step]).unwrap();
        left -= step;
    }
    let deflated = encoder.finish().unwrap();
    let mut chunk = vec![0x85, 0x6f, 0x4a, 0x83, 0, 0, 0, 0, 2];
    let mut length = deflated.len() as u64;
    loop {
        let byte = (length & 0x7f) as u8;
        length >>= 7;
        if length == 0 {
            chunk.push(byte);
            break;
        }
        chunk.push(byte | 0x80);
    }
    chunk.extend(deflated);
    chunk
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn any_save_round_trips_to_the_same_document(
        edits in proptest::collection::vec(edit(), 1..120),
    ) {
        let original = document(&edits);
        let plain = save(&original, false);
        for deflate in [false, true] {
            let bytes = save(&original, deflate);
            let mut budget = DocumentBudget::new(generous());
            let rewritten = budget.rewrite(&bytes).unwrap();
            // Nothing is left compressed: exactly the save automerge writes without deflate.
            prop_assert_eq!(&rewritten, &plain);
            prop_assert_eq!(budget.inflated_bytes(), plain.len() as u64);
            let loaded = Automerge::load(&rewritten).unwrap();
            prop_assert_eq!(loaded.get_heads(), original.get_heads());
            prop_assert_eq!(loaded.hydrate(None), original.hydrate(None));
        }
    }

    #[test]
    fn any_change_compressed_or_not_round_trips(
        edits in proptest::collection::vec(edit(), 1..120),
    ) {
        let original = document(&edits);
        let mut compressed = Vec::new();
        let mut raw = Vec::new();
        for mut change in original.get_changes(&[]) {
            raw.extend_from_slice(change.raw_bytes());
            compressed.extend_from_slice(&change.bytes());
        }
        let mut budget = DocumentBudget::new(generous());
        let rewritten = budget.rewrite(&compressed).unwrap();
        // A compressed change becomes the very change chunk it was made from.
        prop_assert_eq!(&rewritten, &raw);
        let mut loaded = Automerge::new();
        loaded.load_incremental(&rewritten).unwrap();
        prop_assert_eq!(loaded.get_heads(), original.get_heads());
        prop_assert_eq!(loaded.hydrate(None), original.hydrate(None));
        // The same through a sync message, as a parent receives it.
        let mut parent = Automerge::new();
        let (mut parent_state, mut child_state) = (SyncState::new(), SyncState::new());
        let mut child = original.clone();
        for _ in 0..16 {
            if let Some(request) = parent.generate_sync_message(&mut parent_state) {
                child.receive_sync_message(&mut child_state, request).unwrap();
            }
            let Some(answer) = child.generate_sync_message(&mut child_state) else { break };
            let wire = answer.encode();
            let message = SyncMessage::decode(&wire).unwrap();
            let message = budget.rewrite_sync_message(message, wire.len() as u64).unwrap();
            parent.receive_sync_message(&mut parent_state, message).unwrap();
        }
        prop_assert_eq!(parent.get_heads(), original.get_heads());
    }

    #[test]
    fn random_bytes_never_panic_nor_grow_past_the_budget(
        bytes in proptest::collection::vec(any::<u8>(), 0..4096),
        limit in 0u64..8192,
    ) {
        let limits = InflationLimits { document_bytes: limit, ..generous() };
        let mut budget = DocumentBudget::new(limits);
        if let Ok(output) = budget.rewrite(&bytes) {
            prop_assert!(output.len() as u64 <= limit);
            prop_assert!(output.capacity() as u64 <= limit);
        }
        prop_assert!(budget.inflated_bytes() <= limit);
    }

    #[test]
    fn truncated_and_corrupted_saves_never_panic_nor_grow_past_the_budget(
        edits in proptest::collection::vec(edit(), 1..60),
        cut in any::<prop::sample::Index>(),
        flip in any::<prop::sample::Index>(),
        bit in 0u8..8,
        limit in 0u64..200_000,
    ) {
        let bytes = save(&document(&edits), true);
        let limits = InflationLimits { document_bytes: limit, ..generous() };
        let truncated = &bytes[..cut.index(bytes.len())];
        let mut flipped = bytes.clone();
        let at = flip.index(flipped.len());
        flipped[at] ^= 1 << bit;
        for input in [truncated, flipped.as_slice()] {
            let mut budget = DocumentBudget::new(limits);
            if let Ok(output) = budget.rewrite(input) {
                prop_assert!(output.len() as u64 <= limit);
                prop_assert!(output.capacity() as u64 <= limit);
                // Whatever passes is for automerge to judge; it must not panic either.
                let _ = Automerge::load(&output);
            }
        }
    }
}

#[test]
fn a_compressed_change_comes_out_as_the_change_chunk_it_was_made_from() {
    let mut original = Automerge::new();
    original
        .transact::<_, _, automerge::AutomergeError>(|transaction| {
            for index in 0..200 {
                transaction.put(ROOT, format!("key{index}"), "the same value again")?;
            }
            Ok(())
        })
        .unwrap();
    let mut change = original.get_changes(&[]).pop().unwrap().clone();
    let raw = change.raw_bytes().to_vec();
    let compressed = change.bytes().to_vec();
    assert_eq!(compressed[8], 2, "a large change is compressed (type 2)");
    assert!(compressed.len() < raw.len());
    let mut budget = DocumentBudget::new(generous());
    assert_eq!(budget.rewrite(&compressed).unwrap(), raw);
    assert_eq!(budget.operations(), 200);
}

#[test]
fn a_deflate_bomb_is_refused_at_the_document_cap() {
    let bomb = zero_bomb(256 * 1024 * 1024);
    assert!(bomb.len() < 300 * 1024, "{} bytes", bomb.len());
    let limits = InflationLimits {
        document_bytes: 8 * 1024 * 1024,
        ..InflationLimits::default()
    };
    let mut budget = DocumentBudget::new(limits);
    let error = budget.rewrite(&bomb).unwrap_err();
    let InflationError::Cap(CapExceeded {
        cap,
        measure,
        limit,
        reached,
    }) = error
    else {
        panic!("not a cap: {error}");
    };
    assert_eq!(cap, Cap::Document);
    assert_eq!(measure, Measure::InflatedBytes);
    assert_eq!(limit, 8 * 1024 * 1024);
    // Inflation stopped within one step of the cap, not at 256 MiB.
    assert!(reached > limit && reached <= limit + 64 * 1024, "{reached}");
    assert_eq!(
        budget.inflated_bytes(),
        0,
        "nothing is charged for a refusal"
    );
}

#[test]
fn a_deflate_bomb_in_a_sync_message_is_refused_at_the_message_cap() {
    let bomb = zero_bomb(512 * 1024 * 1024);
    let mut wire = vec![0x42, 0, 0, 0, 1];
    let mut length = bomb.len() as u64;
    loop {
        let byte = (length & 0x7f) as u8;
        length >>= 7;
        if length == 0 {
            wire.push(byte);
            break;
        }
        wire.push(byte | 0x80);
    }
    wire.extend(&bomb);
    let message = SyncMessage::decode(&wire).unwrap();
    let mut budget = DocumentBudget::new(InflationLimits::default());
    let error = budget
        .rewrite_sync_message(message, wire.len() as u64)
        .unwrap_err();
    let expected_limit = (InflationLimits::default().message_ratio * wire.len() as u64)
        .max(InflationLimits::default().message_floor_bytes);
    assert!(
        matches!(
            error,
            InflationError::Cap(CapExceeded {
                cap: Cap::Message { wire_bytes },
                measure: Measure::InflatedBytes,
                limit,
                ..
            }) if wire_bytes == wire.len() as u64 && limit == expected_limit
        ),
        "{error}"
    );
    assert!(error.to_string().contains("per-message cap"), "{error}");
}

#[test]
fn bundles_and_strangers_are_refused() {
    let bundle = [0x85, 0x6f, 0x4a, 0x83, 0, 0, 0, 0, 3, 0];
    assert!(matches!(
        DocumentBudget::new(generous()).rewrite(&bundle),
        Err(InflationError::Bundle { offset: 0 })
    ));
    let not_a_chunk = b"not an automerge chunk";
    assert!(matches!(
        DocumentBudget::new(generous()).rewrite(not_a_chunk),
        Err(InflationError::Malformed { .. })
    ));
    // A whole chunk followed by part of another.
    let mut document = Automerge::new();
    document
        .transact::<_, _, automerge::AutomergeError>(|transaction| {
            transaction.put(ROOT, "a", 1)?;
            Ok(())
        })
        .unwrap();
    let mut bytes = document.save();
    bytes.extend_from_slice(&[0x85, 0x6f, 0x4a]);
    assert!(matches!(
        DocumentBudget::new(generous()).rewrite(&bytes),
        Err(InflationError::Malformed { .. })
    ));
}

fn write_signed(out: &mut Vec<u8>, mut value: i64) {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if (value == 0 && byte & 0x40 == 0) || (value == -1 && byte & 0x40 != 0) {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// An uncompressed change chunk whose op columns each hold one run of `operations` rows (puts of
/// null at one key of the root map): a few dozen bytes for any count.
fn run_length_bomb(operations: i64) -> Vec<u8> {
    let run = |value: u64| {
        let mut column = Vec::new();
        write_signed(&mut column, operations);
        write_unsigned(&mut column, value);
        column
    };
    let mut key = run(1);
    key.push(b'x');
    let mut insert = Vec::new();
    write_unsigned(&mut insert, operations as u64);
    let columns = [
        ((1 << 4) | 5, key),
        ((3 << 4) | 4, insert),
        ((4 << 4) | 2, run(1)),
        ((5 << 4) | 6, run(0)),
        (7 << 4, run(0)),
    ];
    let mut body = vec![0, 16];
    body.extend([0x5a; 16]);
    body.extend([1, 1, 0, 0, 0]);
    write_unsigned(&mut body, columns.len() as u64);
    for (spec, data) in &columns {
        write_unsigned(&mut body, *spec);
        write_unsigned(&mut body, data.len() as u64);
    }
    for (_, data) in &columns {
        body.extend(data);
    }
    let mut chunk = vec![0x85, 0x6f, 0x4a, 0x83, 0, 0, 0, 0, 1];
    write_unsigned(&mut chunk, body.len() as u64);
    chunk.extend(body);
    chunk
}

#[test]
fn a_run_length_bomb_is_refused_at_the_operation_cap() {
    let limits = InflationLimits::default();
    let bomb = run_length_bomb(1_000_000_000);
    assert!(bomb.len() < 100, "{} bytes", bomb.len());
    let error = DocumentBudget::new(limits).rewrite(&bomb).unwrap_err();
    assert!(
        matches!(
            error,
            InflationError::Cap(CapExceeded {
                cap: Cap::Document,
                measure: Measure::Operations,
                limit,
                reached: 1_000_000_000,
            }) if limit == limits.document_operations
        ),
        "{error}"
    );
    // Below the cap it is counted, and the count is summed over the document.
    let small = run_length_bomb(1_000);
    let mut budget = DocumentBudget::new(limits);
    budget.rewrite(&small).unwrap();
    budget.rewrite(&small).unwrap();
    assert_eq!(budget.operations(), 2_000);
}
