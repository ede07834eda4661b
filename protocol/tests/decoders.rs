//! Fuzzing every decoder a peer reaches, on stable Rust with proptest: frames, messages, signed
//! envelopes (decoded and verified), the sync-message pre-check, restore pages and topology
//! files. Inputs are random bytes and mutations (flips, insertions, cuts, splices) of valid
//! encodings. Each must end in a value or an error, never a panic, and allocate no more than its
//! bound: a small multiple of its input plus a constant (the bytes a decoder may reserve on the
//! strength of a length it read, which serde caps at 1 MiB per collection).
//!
//! 256 cases per property in CI; `HUIZONG_FUZZ_CASES=N` runs N (the long mode).

use std::sync::Mutex;

use peak_alloc::PeakAlloc;
use proptest::prelude::*;
use protocol::frame::FrameDecoder;
use protocol::message::{EagerSync, Message, RestorePart};
use protocol::notice::{Decision, Receipt, Verdict};
use protocol::{
    DocumentKey, Envelope, Notice, NoticeBody, RestoreClient, Rollup, Signed, Submission,
};
use schemas::{Ledger, Period};
use topology::{DivisionCode, Topology};

#[path = "support/ningxia.rs"]
mod ningxia;

use ningxia::{key_of, topology};

#[global_allocator]
static ALLOCATOR: PeakAlloc = PeakAlloc;

/// The allocation measurements are process-wide: one property runs at a time.
static SERIAL: Mutex<()> = Mutex::new(());

const DEFAULT_CASES: u32 = 256;

/// Bytes any decoder may allocate beyond a multiple of its input: what serde reserves for a
/// collection whose claimed length it cannot trust (1 MiB) a few times over, plus small fixed
/// structures.
const ALLOCATION_CONSTANT_BYTES: usize = 8 * 1024 * 1024;

/// Multiple of its input a decoder may allocate: decoding copies the input once or twice and
/// builds values of about its size; a TOML parser's tables take several times the text.
const ALLOCATION_PER_INPUT_BYTE: usize = 64;

fn config() -> ProptestConfig {
    let cases = std::env::var("HUIZONG_FUZZ_CASES")
        .ok()
        .and_then(|cases| cases.parse().ok())
        .unwrap_or(DEFAULT_CASES);
    ProptestConfig::with_cases(cases)
}

/// Runs `decode` over `input` and checks that it allocated within the bound.
fn within_bound<T>(what: &str, input_bytes: usize, decode: impl FnOnce() -> T) -> T {
    let before = ALLOCATOR.current_usage();
    ALLOCATOR.reset_peak_usage();
    let value = decode();
    let allocated = ALLOCATOR.peak_usage().saturating_sub(before);
    let bound = ALLOCATION_CONSTANT_BYTES + ALLOCATION_PER_INPUT_BYTE * input_bytes;
    assert!(
        allocated <= bound,
        "{what}: {allocated} bytes allocated for {input_bytes} bytes of input (bound {bound})"
    );
    value
}

fn code(text: &str) -> DivisionCode {
    DivisionCode::parse(text).unwrap()
}

fn document_key() -> DocumentKey {
    DocumentKey::new(code("640104000000"), Ledger::Energy, Period::Year(2025))
}

/// A valid envelope of each kind.
fn sample_envelopes(topology: &Topology) -> Vec<Envelope> {
    let county = code("640104000000");
    let city = code("640100000000");
    let submission = Signed::sign(
        Submission {
            key: document_key(),
            heads: vec![[7; 32]],
            n_records: 3,
            figures_digest: [9; 32],
            coefficients_version: "GB/T 2589-2020".to_owned(),
            sequence: 1,
            time_ms: 1_000,
            submitted_by: Some("张三".to_owned()),
        },
        &key_of(county),
        topology,
    )
    .unwrap();
    let rollup = Signed::sign(
        Rollup {
            node: city,
            ledger: Ledger::Energy,
            period: Period::Year(2025),
            sequence: 1,
            time_ms: 1_000,
            figures: Default::default(),
            inputs: vec![protocol::RollupInput {
                node: county,
                kind: protocol::InputKind::Submission,
                hash: submission.hash(),
            }],
        },
        &key_of(city),
        topology,
    )
    .unwrap();
    let decision = Signed::sign(
        Notice {
            signer: city,
            time_ms: 2_000,
            body: NoticeBody::Decision(Decision {
                key: document_key(),
                sequence: 1,
                submission: submission.hash(),
                verdict: Verdict::Returned {
                    reason: "请核对".to_owned(),
                },
                decided_by: Some("李四".to_owned()),
            }),
        },
        &key_of(city),
        topology,
    )
    .unwrap();
    let receipt = Signed::sign(
        Notice {
            signer: city,
            time_ms: 2_000,
            body: NoticeBody::Receipt(Receipt {
                key: document_key(),
                sequence: 1,
                submission: submission.hash(),
                lock_revision_held: 0,
                topology_version: 1,
            }),
        },
        &key_of(city),
        topology,
    )
    .unwrap();
    vec![
        submission.envelope().clone(),
        rollup.envelope().clone(),
        decision.envelope().clone(),
        receipt.envelope().clone(),
    ]
}

/// A valid message of each kind, as frame bodies.
fn sample_messages(topology: &Topology) -> Vec<Vec<u8>> {
    let envelopes = sample_envelopes(topology);
    let messages = vec![
        Message::Hello {
            protocol_version: protocol::message::PROTOCOL_VERSION,
            node: code("640104000000"),
            topology_version: 1,
        },
        Message::Offer {
            round: 1,
            submissions: vec![envelopes[0].clone()],
            eager: vec![EagerSync {
                key: document_key(),
                sequence: 1,
                message: vec![0x42, 0, 0, 0, 0],
            }],
            last_page: true,
        },
        Message::Sync {
            key: document_key(),
            sequence: 1,
            restart: true,
            message: vec![0x42, 1, 7, 0, 0, 0],
        },
        Message::Settled {
            round: 1,
            not_stored: vec![document_key()],
        },
        Message::Notices {
            notices: envelopes[2..].to_vec(),
        },
        Message::Rollups {
            rollups: vec![envelopes[1].clone()],
            last_page: true,
        },
        Message::RestorePage {
            part: RestorePart::Submissions(vec![envelopes[0].clone()]),
            last_page: false,
        },
        Message::RestorePage {
            part: RestorePart::DocumentChunk {
                key: document_key(),
                sequence: 1,
                total_bytes: 10,
                offset: 0,
                bytes: vec![0x85, 0x6f, 0x4a, 0x83, 1, 2],
            },
            last_page: true,
        },
        Message::Topology {
            text: "version = 1\nname = \"x\"\n".to_owned(),
        },
    ];
    messages
        .iter()
        .map(|message| postcard::to_stdvec(message).unwrap())
        .collect()
}

/// One change to a byte string.
#[derive(Debug, Clone)]
enum Mutation {
    Flip {
        at: usize,
        bits: u8,
    },
    Insert {
        at: usize,
        bytes: Vec<u8>,
    },
    Cut {
        at: usize,
        length: usize,
    },
    Truncate {
        at: usize,
    },
    /// A varint-sized claim written somewhere: lengths and counts are where decoders trust input.
    HugeLength {
        at: usize,
    },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 1u8..).prop_map(|(at, bits)| Mutation::Flip { at, bits }),
        (
            any::<usize>(),
            proptest::collection::vec(any::<u8>(), 1..16)
        )
            .prop_map(|(at, bytes)| Mutation::Insert { at, bytes }),
        (any::<usize>(), 1usize..32).prop_map(|(at, length)| Mutation::Cut { at, length }),
        any::<usize>().prop_map(|at| Mutation::Truncate { at }),
        any::<usize>().prop_map(|at| Mutation::HugeLength { at }),
    ]
}

fn mutate(bytes: &[u8], mutations: &[Mutation]) -> Vec<u8> {
    let mut bytes = bytes.to_vec();
    for mutation in mutations {
        let at = |position: usize, bytes: &Vec<u8>| position % (bytes.len() + 1);
        match mutation {
            Mutation::Flip { at: position, bits } => {
                if !bytes.is_empty() {
                    let index = position % bytes.len();
                    bytes[index] ^= bits;
                }
            }
            Mutation::Insert {
                at: position,
                bytes: inserted,
            } => {
                let index = at(*position, &bytes);
                bytes.splice(index..index, inserted.iter().copied());
            }
            Mutation::Cut {
                at: position,
                length,
            } => {
                let index = at(*position, &bytes);
                let end = (index + length).min(bytes.len());
                bytes.drain(index..end);
            }
            Mutation::Truncate { at: position } => {
                let index = at(*position, &bytes);
                bytes.truncate(index);
            }
            Mutation::HugeLength { at: position } => {
                let index = at(*position, &bytes);
                bytes.splice(index..index, [0xff, 0xff, 0xff, 0xff, 0x0f]);
            }
        }
    }
    bytes
}

/// The topology, valid messages, valid envelopes and the topology's text, made once.
type Fixtures = (Topology, Vec<Vec<u8>>, Vec<Vec<u8>>, String);

fn fixtures() -> &'static Fixtures {
    static FIXTURES: std::sync::OnceLock<Fixtures> = std::sync::OnceLock::new();
    FIXTURES.get_or_init(|| {
        let topology = topology();
        let messages = sample_messages(&topology);
        let envelopes = sample_envelopes(&topology)
            .iter()
            .map(Envelope::to_bytes)
            .collect();
        let text = topology.to_toml_string();
        (topology, messages, envelopes, text)
    })
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn frames_split_anywhere_never_panic(
        chunks in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..64), 0..16)
    ) {
        let _serial = SERIAL.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let input: usize = chunks.iter().map(Vec::len).sum();
        within_bound("frames", input, || {
            let mut decoder = FrameDecoder::new();
            for chunk in &chunks {
                decoder.push(chunk);
                while let Ok(Some(_)) = decoder.next_frame() {}
            }
            let _ = decoder.finish();
        });
    }

    #[test]
    fn messages_decode_or_fail_cleanly(
        which in any::<usize>(),
        mutations in proptest::collection::vec(mutation(), 0..4),
        noise in proptest::collection::vec(any::<u8>(), 0..256),
    ) {
        let _serial = SERIAL.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let (_, messages, _, _) = fixtures();
        let base = &messages[which % messages.len()];
        for input in [mutate(base, &mutations), noise.clone()] {
            within_bound("message", input.len(), || {
                let _ = Message::from_frame_body(&input);
            });
        }
    }

    #[test]
    fn envelopes_decode_and_verify_or_fail_cleanly(
        which in any::<usize>(),
        mutations in proptest::collection::vec(mutation(), 0..4),
    ) {
        let _serial = SERIAL.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let (topology, _, envelopes, _) = fixtures();
        let input = mutate(&envelopes[which % envelopes.len()], &mutations);
        within_bound("envelope", input.len(), || {
            if let Ok(envelope) = Envelope::from_bytes(&input) {
                let _ = Signed::<Submission>::verify(envelope.clone(), topology);
                let _ = Signed::<Rollup>::verify(envelope.clone(), topology);
                let _ = Signed::<Notice>::verify(envelope, topology);
            }
        });
    }

    #[test]
    fn the_sync_message_pre_check_never_panics(
        mutations in proptest::collection::vec(mutation(), 0..6),
        noise in proptest::collection::vec(any::<u8>(), 0..128),
    ) {
        let _serial = SERIAL.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        use automerge::sync::SyncDoc;
        use automerge::transaction::Transactable;
        let mut document = automerge::Automerge::new();
        let mut transaction = document.transaction();
        transaction.put(automerge::ROOT, "k", "v").unwrap();
        transaction.commit();
        let message = document
            .generate_sync_message(&mut automerge::sync::State::new())
            .unwrap()
            .encode();
        for input in [mutate(&message, &mutations), noise.clone()] {
            within_bound("sync message", input.len(), || {
                let _ = protocol::sync_check::decode_from_parent(&input);
                let _ = protocol::sync_check::decode_from_child(
                    &input,
                    &mut protocol::inflation::DocumentBudget::new(
                        protocol::limits::InflationLimits::default(),
                    ),
                );
            });
        }
    }

    #[test]
    fn restore_pages_are_checked_or_refused_cleanly(
        which in proptest::collection::vec(any::<usize>(), 1..6),
        mutations in proptest::collection::vec(mutation(), 0..4),
    ) {
        let _serial = SERIAL.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let (topology, messages, _, _) = fixtures();
        let county = code("640104000000");
        let city = code("640100000000");
        let mut input = postcard::to_stdvec(&Message::Hello {
            protocol_version: protocol::message::PROTOCOL_VERSION,
            node: city,
            topology_version: 1,
        })
        .unwrap();
        input = protocol::frame::encode_frame(&input).unwrap();
        for index in &which {
            let body = mutate(&messages[index % messages.len()], &mutations);
            input.extend(protocol::frame::encode_frame(&body).unwrap());
        }
        within_bound("restore pages", input.len(), || {
            let mut client = RestoreClient::new(topology.clone(), county, city);
            if client.handle_bytes(&input).is_ok() && client.is_finished() {
                let _ = client.finish();
            }
        });
    }

    #[test]
    fn topology_files_parse_or_fail_with_a_located_error(
        mutations in proptest::collection::vec(mutation(), 0..4),
    ) {
        let _serial = SERIAL.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let (_, _, _, text) = fixtures();
        let mutated = mutate(text.as_bytes(), &mutations);
        let Ok(text) = String::from_utf8(mutated) else { return Ok(()) };
        within_bound("topology file", text.len(), || {
            if let Ok(topology) = Topology::from_toml_str(&text, "fuzzed.toml") {
                let _ = topology.verify_signature();
            }
        });
    }
}

#[test]
fn the_allocation_bound_catches_a_decoder_that_allocates_past_it() {
    let _serial = SERIAL
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let caught = std::panic::catch_unwind(|| {
        within_bound("a greedy decoder", 16, || {
            std::hint::black_box(vec![1u8; ALLOCATION_CONSTANT_BYTES + 4096])
        });
    });
    assert!(caught.is_err(), "the bound must catch it");
}
