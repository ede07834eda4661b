//! Disk trouble, deterministically: node cores over a store that starts refusing writes the way a
//! full disk does after a given number of batches. For every point of failure in a scenario
//! (imports, submits, a parent storing its child's replica and consolidating), the failing
//! operation must return the store's error (not panic), the core's answers must still be what is
//! on the store (a core opened afresh over the same store answers the same), and once the disk
//! is "freed" the same operation must succeed, `verify` must pass, and the end state must equal
//! that of a run without failure.
//!
//! The same conditions on a real full or read-only file system are tested in `disk_mounts.rs`.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use ed25519_dalek::SigningKey;
use node::core::{CoreError, NodeCore};
use node::store::{Batch, DiskTrouble, Durability, Entries, MemoryStore, Store, StoreError, Tree};
use protocol::notice::ReturnDefinition;
use protocol::{DocumentKey, Notice, NoticeBody, Replicas, Signed};
use schemas::records::Record;
use schemas::{Ledger, Period};
use sha2::{Digest, Sha256};
use topology::{DivisionCode, Topology};

const PERIOD: Period = node::demo::DEMO_PERIOD;
const CITY: &str = "640100000000";
const COUNTY: &str = "640104000000";

/// Batches a store takes without limit.
const UNLIMITED: usize = usize::MAX;

/// A store over a shared in-memory store that refuses every batch, as a full disk does, once
/// `batches_left` reaches zero, until the test "frees space" by raising it again.
#[derive(Debug, Clone)]
struct FillingStore {
    inner: Arc<MemoryStore>,
    batches_left: Arc<AtomicUsize>,
}

impl FillingStore {
    fn new() -> Self {
        Self {
            inner: Arc::new(MemoryStore::new()),
            batches_left: Arc::new(AtomicUsize::new(UNLIMITED)),
        }
    }

    /// The disk fills after `n_batches` more batches.
    fn fill_after(&self, n_batches: usize) {
        self.batches_left.store(n_batches, Ordering::SeqCst);
    }

    fn free_space(&self) {
        self.batches_left.store(UNLIMITED, Ordering::SeqCst);
    }

    fn is_full(&self) -> bool {
        self.batches_left.load(Ordering::SeqCst) == 0
    }
}

impl Store for FillingStore {
    fn get(&self, tree: Tree, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        self.inner.get(tree, key)
    }

    fn scan_prefix(&self, tree: Tree, prefix: &[u8]) -> Result<Entries, StoreError> {
        self.inner.scan_prefix(tree, prefix)
    }

    fn apply(&self, batch: &Batch, durability: Durability) -> Result<(), StoreError> {
        let left = self.batches_left.load(Ordering::SeqCst);
        if left == 0 {
            return Err(StoreError::NoRoom {
                path: "/test/full-disk/store".into(),
                available_bytes: 0,
                needed_bytes: batch.n_bytes(),
            });
        }
        if left != UNLIMITED {
            self.batches_left.store(left - 1, Ordering::SeqCst);
        }
        self.inner.apply(batch, durability)
    }
}

fn code(text: &str) -> DivisionCode {
    DivisionCode::parse(text).unwrap()
}

fn test_key(code: DivisionCode) -> SigningKey {
    SigningKey::from_bytes(&Sha256::digest(code.as_str().as_bytes()).into())
}

/// Yinchuan and one county, keyed with the test keys and signed by the city.
fn topology() -> &'static Topology {
    static TOPOLOGY: OnceLock<Topology> = OnceLock::new();
    TOPOLOGY.get_or_init(|| {
        let mut topology = node::local_tree::ningxia_city_with_counties(1).unwrap();
        for node in [CITY, COUNTY] {
            topology
                .set_public_key(
                    code(node),
                    node::directory::public_key(&test_key(code(node))),
                )
                .unwrap();
        }
        topology
            .set_address(code(CITY), "127.0.0.1:47000".to_owned())
            .unwrap();
        topology.sign(&test_key(code(CITY))).unwrap();
        topology
    })
}

fn definitions() -> Vec<Signed<Notice>> {
    Ledger::ALL
        .iter()
        .map(|ledger| {
            Signed::sign(
                Notice {
                    signer: code(CITY),
                    time_ms: 0,
                    body: NoticeBody::Definition(ReturnDefinition {
                        ledger: *ledger,
                        period: PERIOD,
                        deadline_ms: i64::MAX / 2,
                        blocking_rules: Vec::new(),
                        coefficients_version: schemas::coefficients::current().version().to_owned(),
                        revision: 1,
                        choices: protocol::notice::ReturnChoices::default(),
                    }),
                },
                &test_key(code(CITY)),
                topology(),
            )
            .unwrap()
        })
        .collect()
}

fn open_core(node: &str, store: &FillingStore) -> NodeCore {
    NodeCore::new(
        code(node),
        test_key(code(node)),
        topology().clone(),
        Box::new(store.clone()),
    )
    .unwrap()
}

/// A core with the return definitions, and its store.
fn new_node(node: &str) -> (NodeCore, FillingStore) {
    let store = FillingStore::new();
    let mut core = open_core(node, &store);
    for definition in definitions() {
        core.put_notice(&definition).unwrap();
    }
    (core, store)
}

fn vehicles(node: &str) -> Vec<Record> {
    static SAMPLES: OnceLock<BTreeMap<(DivisionCode, Ledger), Vec<Record>>> = OnceLock::new();
    SAMPLES.get_or_init(|| node::demo::parse_samples(PERIOD).unwrap())
        [&(code(node), Ledger::Vehicles)]
        .clone()
}

/// One of the node's vehicles with its price raised by `increase` yuan.
fn changed_vehicle(node: &str, increase: u32) -> Record {
    let vehicle = vehicles(node)
        .into_iter()
        .find(|record| record.table() == schemas::table::Table::Vehicles)
        .unwrap();
    let price = vehicle.amount("price_yuan") + schemas::Decimal::from(increase);
    vehicle.with("price_yuan", &price.to_string()).unwrap()
}

/// One step of the scenario.
#[derive(Debug, Clone, Copy)]
enum Step {
    /// The node imports its sample vehicles (`None`) or one vehicle changed by that much.
    Import(&'static str, Option<u32>),
    Submit(&'static str),
    /// The city stores the county's latest submission as a session does (take the replica,
    /// bring it to the signed heads, commit), then consolidates as the stored event makes it.
    /// When it already holds it, a session only opens.
    CityStoresCountyReplica,
}

const SCENARIO: [Step; 9] = [
    Step::Import(COUNTY, None),
    Step::Submit(COUNTY),
    Step::CityStoresCountyReplica,
    Step::Import(CITY, None),
    Step::Submit(CITY),
    Step::Import(COUNTY, Some(500)),
    Step::Submit(COUNTY),
    Step::CityStoresCountyReplica,
    Step::Import(CITY, Some(700)),
];

/// A city and its county, each over its own store.
struct Pair {
    city: NodeCore,
    city_store: FillingStore,
    county: NodeCore,
    county_store: FillingStore,
}

impl Pair {
    fn new() -> Self {
        let (city, city_store) = new_node(CITY);
        let (county, county_store) = new_node(COUNTY);
        Self {
            city,
            city_store,
            county,
            county_store,
        }
    }

    fn store(&self, node: &str) -> &FillingStore {
        if node == CITY {
            &self.city_store
        } else {
            &self.county_store
        }
    }

    fn core(&mut self, node: &str) -> &mut NodeCore {
        if node == CITY {
            &mut self.city
        } else {
            &mut self.county
        }
    }

    /// Runs a step at a time given by its place in the scenario, so that a retry writes exactly
    /// what the first attempt would have.
    fn run(&mut self, step: Step, now_ms: i64) -> Result<(), String> {
        match step {
            Step::Import(node, change) => {
                let records = match change {
                    None => vehicles(node),
                    Some(increase) => vec![changed_vehicle(node, increase)],
                };
                self.core(node)
                    .import_records(Ledger::Vehicles, PERIOD, &records, now_ms)
                    .map(|_| ())
                    .map_err(|error| describe(&error))
            }
            Step::Submit(node) => self
                .core(node)
                .submit(Ledger::Vehicles, PERIOD, &node::core::Actor::node(), now_ms)
                .map(|_| ())
                .map_err(|error| describe(&error)),
            Step::CityStoresCountyReplica => {
                let key = county_key();
                let accepted = self.county.latest_submission_of(&key).unwrap().clone();
                let sequence = accepted.submission.payload().sequence;
                if self
                    .city
                    .latest_submission_of(&key)
                    .is_some_and(|held| held.submission.payload().sequence >= sequence)
                {
                    // The replica was stored and only the rollup failed: the county's next
                    // session finds the document held, stores nothing, and only opens.
                    return self
                        .city
                        .apply_session_event(
                            &protocol::Event::Opened {
                                peer_topology_version: topology().version(),
                                peer_protocol_version: protocol::message::PROTOCOL_VERSION,
                                protocol_version: protocol::message::PROTOCOL_VERSION,
                            },
                            now_ms,
                        )
                        .map_err(|error| describe(&error));
                }
                let mut signed_state = self.county.draft_document(&key).unwrap().unwrap();
                let mut replica = self.city.take_replica(&key).unwrap();
                replica.merge(&mut signed_state).unwrap();
                self.city
                    .commit_replica(&accepted.submission, &accepted.figures, replica)
                    .map_err(|failure| failure.to_string())?
                    .map_err(|refusal| refusal.to_string())?;
                self.city
                    .apply_session_event(
                        &protocol::Event::SubmissionStored { key, sequence },
                        now_ms,
                    )
                    .map_err(|error| describe(&error))
            }
        }
    }
}

fn county_key() -> DocumentKey {
    DocumentKey::new(code(COUNTY), Ledger::Vehicles, PERIOD)
}

/// A core error's message, after checking that a store error is classified as a full disk.
fn describe(error: &CoreError) -> String {
    if let CoreError::Store(store_error) = error {
        assert_eq!(
            store_error.disk_trouble(),
            Some(DiskTrouble::Full),
            "{error}"
        );
    }
    error.to_string()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

fn heads_word(document: &automerge::Automerge) -> String {
    let heads: Vec<String> = document
        .get_heads()
        .iter()
        .map(|head| hex(&head.0))
        .collect();
    format!("heads={}", heads.join(","))
}

/// What a core answers about its state: latest submissions and rollups (with hashes), its
/// consolidated figures, its own draft (heads and records), refusals.
fn answers(core: &mut NodeCore) -> String {
    let mut lines = Vec::new();
    for accepted in core.latest_submissions() {
        let payload = accepted.submission.payload();
        lines.push(format!(
            "submission {} #{} {} {} records {:?}",
            payload.key,
            payload.sequence,
            accepted.submission.hash().to_hex(),
            payload.n_records,
            accepted.figures
        ));
    }
    for rollup in core.latest_rollups() {
        lines.push(format!(
            "rollup #{} {} {:?}",
            rollup.payload().sequence,
            rollup.hash().to_hex(),
            rollup.payload().figures
        ));
    }
    let own = DocumentKey::new(core.code(), Ledger::Vehicles, PERIOD);
    match core.draft_document(&own).unwrap() {
        None => lines.push("no draft".to_owned()),
        Some(draft) => {
            let records = schemas::document::read_records(&draft).unwrap();
            lines.push(format!(
                "draft {} unsubmitted {} {} records, digest {}",
                heads_word(&draft),
                core.draft_has_unsubmitted_changes(&own).unwrap(),
                records.len(),
                // Short enough not to be taken for a hash by `without_hashes`.
                &hex(&Sha256::digest(format!("{records:?}").as_bytes()))[..16]
            ));
        }
    }
    lines.push(format!(
        "own documents on the store {:?}; refusals {}; figures {:?}",
        core.own_document_keys().unwrap(),
        core.refusals(),
        core.consolidated_figures(Ledger::Vehicles, PERIOD)
    ));
    lines.join("\n")
}

/// The core's answers equal those of a core opened afresh over what is on its store, and every
/// replica on the store ends at its signed heads.
fn assert_memory_matches_store(core: &mut NodeCore, store: &FillingStore, context: &str) {
    let reopened_store = FillingStore {
        inner: store.inner.clone(),
        batches_left: Arc::new(AtomicUsize::new(UNLIMITED)),
    };
    let mut reopened = NodeCore::new(
        core.code(),
        test_key(core.code()),
        topology().clone(),
        Box::new(reopened_store),
    )
    .unwrap();
    assert_eq!(
        answers(core),
        answers(&mut reopened),
        "{context}: {} answers differently from its store",
        core.code()
    );
    let replicas: Vec<DocumentKey> = reopened
        .latest_submissions()
        .map(|accepted| accepted.submission.payload().key)
        .filter(|key| key.owner != core.code())
        .collect();
    for key in replicas {
        let replica = reopened
            .take_replica(&key)
            .unwrap_or_else(|failure| panic!("{context}: replica {key} on the store: {failure}"));
        assert_eq!(
            heads_word(&replica),
            format!(
                "heads={}",
                reopened
                    .latest_submission_of(&key)
                    .unwrap()
                    .submission
                    .payload()
                    .heads
                    .iter()
                    .map(|head| hex(head))
                    .collect::<Vec<_>>()
                    .join(",")
            ),
            "{context}: replica {key}"
        );
    }
}

/// Runs the scenario, the store of `filling`'s node filling after that many batches (none when
/// `None`); returns the end state's answers of city and county and how many steps failed.
fn run_scenario(filling: Option<(&str, usize)>) -> (String, String, usize) {
    let mut pair = Pair::new();
    if let Some((node, n_batches)) = filling {
        pair.store(node).fill_after(n_batches);
    }
    let mut n_failed = 0;
    for (index, step) in SCENARIO.iter().enumerate() {
        let context = format!("{filling:?}, step {index} {step:?}");
        let now_ms = 1_000 + index as i64;
        if let Err(message) = pair.run(*step, now_ms) {
            n_failed += 1;
            assert!(
                message.contains("所在磁盘已满（设备上没有剩余空间")
                    && message.contains("/test/full-disk/store"),
                "{context}: the error says the disk is full and where: {message}"
            );
            let (node, _) = filling.expect("only a filling store fails");
            assert!(pair.store(node).is_full(), "{context}: {message}");
            assert_memory_matches_store(&mut pair.city, &pair.city_store, &context);
            assert_memory_matches_store(&mut pair.county, &pair.county_store, &context);
            // While the disk stays full, trying again fails again and changes nothing.
            let before = (answers(&mut pair.city), answers(&mut pair.county));
            assert!(pair.run(*step, now_ms).is_err(), "{context}: still full");
            assert_eq!(
                (answers(&mut pair.city), answers(&mut pair.county)),
                before,
                "{context}: a second failure changed something"
            );
            // Space is freed: the same step succeeds.
            pair.store(node).free_space();
            pair.run(*step, now_ms)
                .unwrap_or_else(|error| panic!("{context}: retry after freeing space: {error}"));
        }
        // Only the node whose disk fills can be affected; both are checked at the end.
        match filling {
            Some((node, _)) if node == COUNTY => {
                assert_memory_matches_store(&mut pair.county, &pair.county_store, &context);
            }
            Some(_) => assert_memory_matches_store(&mut pair.city, &pair.city_store, &context),
            None => {}
        }
    }
    assert_memory_matches_store(&mut pair.city, &pair.city_store, "the end");
    assert_memory_matches_store(&mut pair.county, &pair.county_store, "the end");
    for core in [&pair.city, &pair.county] {
        core.verify()
            .unwrap_or_else(|failure| panic!("{filling:?}: verify {}: {failure:?}", core.code()));
    }
    (answers(&mut pair.city), answers(&mut pair.county), n_failed)
}

/// Drops what depends on when a step happened to be retried: hashes (a rollup signed again
/// covers its signing time) and heads are compared within a run, not across runs.
fn without_hashes(answers: &str) -> String {
    answers
        .lines()
        .map(|line| {
            line.split(' ')
                .filter(|word| {
                    let is_hash =
                        word.len() == 64 && word.bytes().all(|byte| byte.is_ascii_hexdigit());
                    !(is_hash || word.starts_with("heads="))
                })
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn every_point_of_failure_is_reported_leaves_memory_matching_the_store_and_heals_on_retry() {
    let (city_clean, county_clean, n_failed) = run_scenario(None);
    assert_eq!(n_failed, 0);
    assert!(city_clean.contains("rollup #3"), "{city_clean}");
    let mut n_points = 0;
    for node in [COUNTY, CITY] {
        // Every batch the scenario writes on this node is a point of failure; once the scenario
        // writes fewer batches than the store takes, nothing fails.
        for n_batches in 0.. {
            assert!(
                n_batches < 100,
                "the scenario writes fewer than 100 batches"
            );
            let (city, county, n_failed) = run_scenario(Some((node, n_batches)));
            let context = format!("{node} filling after {n_batches} batches");
            assert_eq!(
                without_hashes(&city),
                without_hashes(&city_clean),
                "{context}: the city ends as without failure"
            );
            assert_eq!(
                without_hashes(&county),
                without_hashes(&county_clean),
                "{context}: the county ends as without failure"
            );
            if n_failed == 0 {
                break;
            }
            assert_eq!(n_failed, 1, "{context}: the disk fills once");
            n_points += 1;
        }
    }
    // The county's imports and submits; the city's replicas, rollups, imports and submits.
    eprintln!("{n_points} points of failure");
    assert!(n_points >= 12, "{n_points} points of failure");
}
