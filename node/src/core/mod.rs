//! The node's core: its identity, topology, store and the documents, submissions and rollups held,
//! with every operation on them. Synchronous and deterministic given its inputs (time is passed in),
//! so the same core runs under the tokio driver, the CLI and the simulator.
//!
//! Data flow: imports write records into the node's own draft documents; `submit` signs a draft's
//! heads; sessions (through the [`protocol::Replicas`] implementation in `replicas`) offer the
//! signed state up and store checked replicas from children; `consolidate` adds the node's own
//! submission and its children's contributions into a signed rollup. Every change to what the
//! node would send bumps [`NodeCore::generation`], which the driver watches to push.

pub mod accounts;
pub mod activity;
pub mod actor;
pub mod changes;
mod consolidation;
mod documents;
pub mod drafts;
pub mod error_kind;
pub mod keys;
mod ledger_operations;
pub mod preview;
mod provenance;
mod quotas;
pub mod receipts;
pub mod recovery;
mod replicas;
mod restore;
mod review;
mod signing_keys;
pub mod trust;
mod verification;
mod workflow;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use ed25519_dalek::SigningKey;
use protocol::{AcceptedSubmission, DocumentKey, Rollup, Signed, SignedError};
use schemas::figures::Figures;
use schemas::table::Table;
use schemas::{Ledger, Period};
use serde::{Deserialize, Serialize};
use topology::{DivisionCode, NodeEntry, PublicKey, Topology};

use crate::store::{Batch, Durability, Store, StoreError, Tree};

pub use actor::Actor;
pub use consolidation::Coverage;
pub use documents::MAX_LOADED_REPLICAS;
pub use error_kind::ErrorKind;
pub use ledger_operations::{ImportOutcome, SubmitOutcome};
pub use provenance::Contribution;
pub use quotas::QuotaLimits;
pub use restore::{KnownSequences, RestoreCounts, salvage_known_sequences};
pub use signing_keys::public_key;
pub use verification::{VerifyFailure, VerifyReport};
pub use workflow::ReturnTerms;
pub use workflow::{DecisionView, DocumentReview, ReviewState, SubmissionView};

/// What can go wrong in the core. Messages name the document or object concerned.
#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{}", crate::t!("node.core.corrupt_object", what = .what, reason = .reason))]
    CorruptObject { what: String, reason: String },
    #[error("{}", crate::t!("node.core.corrupt_document", key = .key, reason = .reason))]
    CorruptDocument { key: DocumentKey, reason: String },
    #[error("{}", crate::t!("node.core.nothing_to_submit", key = .key))]
    NothingToSubmit { key: DocumentKey },
    #[error("{}", crate::t!("node.core.document", key = .key, source = .source))]
    Document {
        key: DocumentKey,
        source: Box<schemas::document::DocumentError>,
    },
    #[error("{}", crate::t!("node.core.figures", key = .key, reason = .reason))]
    Figures { key: DocumentKey, reason: String },
    #[error("{}", crate::t!("node.core.rules_broken", key = .key, findings = describe_findings(.findings)))]
    RulesBroken {
        key: DocumentKey,
        findings: Vec<schemas::returns::Finding>,
    },
    #[error("{}", crate::t!("node.core.return_not_defined", ledger = .ledger, period = .period))]
    ReturnNotDefined { ledger: Ledger, period: Period },
    #[error("{}", crate::t!("node.core.definition", reason = .reason))]
    Definition { reason: String },
    #[error("{}", crate::t!("node.core.review", key = .key, reason = .reason))]
    Review { key: DocumentKey, reason: String },
    #[error("{}", crate::t!("node.core.signing", reason = .0))]
    Signing(#[from] SignedError),
    #[error("{}", crate::t!("node.core.consolidation", node = .node, ledger = .ledger, period = .period, reason = .reason))]
    Consolidation {
        node: DivisionCode,
        ledger: Ledger,
        period: Period,
        reason: String,
    },
    #[error("{}", crate::t!("node.core.unknown_node", code = .code))]
    UnknownNode { code: DivisionCode },
    #[error("{}", crate::t!("node.core.key_mismatch", code = .code))]
    KeyMismatch { code: DivisionCode },
    #[error("{}", crate::t!("node.core.unsigned_topology", reason = .reason))]
    UnsignedTopology { reason: String },
    #[error("{}", crate::t!("node.core.store_format_too_new", found = .found, supported = .supported))]
    StoreFormatTooNew { found: u32, supported: u32 },
    #[error("{}", crate::t!("node.core.recovering", waiting = .waiting))]
    Recovering { waiting: String },
    #[error("{}", crate::t!("draft.table_not_in_ledger", table = .table.slug(), ledger = .ledger))]
    TableNotInLedger { table: Table, ledger: Ledger },
    #[error("{}", crate::t!("draft.not_found", key = .key, table = .table.slug(), ids = .ids.join(", ")))]
    RecordsNotFound {
        key: DocumentKey,
        table: Table,
        ids: Vec<String>,
    },
    #[error("{}", crate::t!("draft.referenced", key = .key, count = .referring.len(), records = drafts::describe_refs(.referring)))]
    RecordsReferenced {
        key: DocumentKey,
        referring: Vec<drafts::RecordRef>,
    },
    #[error("{}", crate::t!("confirm.nothing_submitted", key = .key))]
    NothingToConfirm { key: DocumentKey },
    #[error("{}", crate::t!("confirm.not_returned", key = .key, sequence = .sequence))]
    NotReturned { key: DocumentKey, sequence: u64 },
    #[error("{}", crate::t!("confirm.draft_changed", key = .key, sequence = .sequence))]
    DraftChangedSinceSubmission { key: DocumentKey, sequence: u64 },
}

/// Lists the first findings for a message.
fn describe_findings(findings: &[schemas::returns::Finding]) -> String {
    const LISTED_MAX: usize = 10;
    let mut listed: Vec<String> = findings
        .iter()
        .take(LISTED_MAX)
        .map(|finding| {
            crate::t!(
                "node.core.finding",
                table = finding.table,
                id = finding.record_id,
                field = finding.field,
                message = finding.message
            )
            .into_owned()
        })
        .collect();
    if findings.len() > LISTED_MAX {
        listed.push(
            crate::t!(
                "node.core.more_findings",
                count = findings.len() - LISTED_MAX
            )
            .into_owned(),
        );
    }
    listed.join(&crate::t!("node.core.finding_separator"))
}

/// A stored object that does not read back: what it is and why, both put into words with `t!`.
fn corrupt_object(what: impl Into<String>, reason: impl Into<String>) -> CoreError {
    CoreError::CorruptObject {
        what: what.into(),
        reason: reason.into(),
    }
}

/// Why a fixed-size value read from the store is unusable: its length.
fn wrong_length(found: usize, expected: usize) -> String {
    crate::t!(
        "node.core.reason.wrong_length",
        found = found,
        expected = expected
    )
    .into_owned()
}

/// How a submission is kept on disk: the signed envelope and the figures computed from its
/// document when it was checked.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct StoredSubmission {
    envelope: Vec<u8>,
    figures: Figures,
}

/// A node's state and operations.
#[derive(Debug)]
pub struct NodeCore {
    code: DivisionCode,
    signing_key: SigningKey,
    /// Shared, so a process simulating thousands of nodes holds one copy. The topology in force:
    /// the stored one, or a newer one adopted since (see `trust`).
    topology: Arc<Topology>,
    /// The root key this node trusts, pinned at `init` (see `trust`).
    pinned_root_key: PublicKey,
    /// Why the topology file the node was started with was not used, for `status`.
    topology_file_not_used: Option<String>,
    /// The key this node will sign with once a topology names it (`huizong key new`).
    next_key: Option<SigningKey>,
    /// Receipts held, by the hash of the submission they are about (see `receipts`).
    receipts: HashMap<protocol::ObjectHash, Signed<protocol::Notice>>,
    /// What the quotas per child keep (see `quotas`).
    quotas: quotas::QuotaState,
    /// The wall clock as last told by the driver (Unix milliseconds): the time receipts carry.
    wall_clock_ms: i64,
    /// Who reports, as node.toml names it (`[reporting_unit]`): printed on the returns' forms.
    reporting_unit: schemas::returns::ReportingUnit,
    /// The lowest sequence this node signs (set by a restore; see `restore`).
    sequence_floor: u64,
    store: Box<dyn Store>,
    /// Newest submission per document held, verified when loaded.
    latest_submissions: BTreeMap<DocumentKey, AcceptedSubmission>,
    /// Newest rollup per (node, ledger, period) held, verified when loaded.
    latest_rollups: BTreeMap<(DivisionCode, Ledger, Period), Signed<Rollup>>,
    /// Documents loaded from the store: the node's own drafts and its replicas.
    documents: HashMap<DocumentKey, automerge::Automerge>,
    /// What is on disk for every document loaded or written since the core started.
    persisted: HashMap<DocumentKey, documents::Persisted>,
    /// The node's own documents as of their latest submission, when the draft has moved on.
    published: HashMap<DocumentKey, (Vec<[u8; 32]>, automerge::Automerge)>,
    /// Bumped whenever something the node would send to its parent changes.
    generation: u64,
    /// Refusals counted since the store was created.
    refusals: u64,
    /// Rollups this core signed since it was opened (for the metrics).
    rollups_made: u64,
    /// Replicas kept loaded in memory at most (see `documents::MAX_LOADED_REPLICAS`).
    loaded_replicas_max: usize,
    /// The recovery after a restore from a backup, when the node was restored from one.
    recovery: Option<recovery::RecoveryState>,
    /// Every notice held (review decisions), by hash, verified when loaded.
    notices: BTreeMap<protocol::ObjectHash, Signed<protocol::Notice>>,
    /// (ledger, period) whose last consolidation failed (a rollup that could not be stored),
    /// consolidated again with the next session event.
    unfinished_consolidations: BTreeSet<(Ledger, Period)>,
    /// The findings of each descendant's latest submission, by the heads it signed: a signed
    /// state never changes, so its findings are worked out once (see `review`).
    findings_memo: HashMap<DocumentKey, (Vec<[u8; 32]>, Vec<schemas::returns::Finding>)>,
}

impl NodeCore {
    /// A core over a store. Checks the store's format (migrating an earlier one, refusing a later
    /// one), decides the topology in force from the file given and the store (see `trust`: the
    /// root key pinned at `init`, versions only going up), checks that it names this node with
    /// our key as its current key, and loads and verifies every latest submission, rollup and
    /// notice held.
    pub fn new(
        code: DivisionCode,
        signing_key: SigningKey,
        topology: impl Into<Arc<Topology>>,
        store: Box<dyn Store>,
    ) -> Result<Self, CoreError> {
        let format = trust::stored_format(store.as_ref())?;
        trust::check_format(format)?;
        let in_force = trust::topology_in_force(store.as_ref(), topology.into())?;
        let topology = in_force.topology;
        if !topology.contains(code) {
            return Err(CoreError::UnknownNode { code });
        }
        let public = PublicKey::from_bytes(&signing_key.verifying_key().to_bytes())
            .map_err(|_| CoreError::KeyMismatch { code })?;
        if topology
            .node(code)
            .and_then(|node| node.public_key.as_ref())
            != Some(&public)
        {
            return Err(CoreError::KeyMismatch { code });
        }
        let mut writes = in_force.writes;
        let (document_bytes, size_writes) = quotas::load_document_bytes(store.as_ref(), format)?;
        for write in size_writes.writes() {
            if let crate::store::Write::Put { tree, key, value } = write {
                writes.put(*tree, key.clone(), value.clone());
            }
        }
        if format != Some(trust::STORE_FORMAT_VERSION) {
            writes.put(
                Tree::Meta,
                keys::META_STORE_FORMAT.to_vec(),
                trust::STORE_FORMAT_VERSION.to_be_bytes().to_vec(),
            );
        }
        if !writes.is_empty() {
            store.apply(&writes, Durability::Flush)?;
        }
        let mut core = Self {
            code,
            signing_key,
            topology,
            pinned_root_key: in_force.pinned_root_key,
            topology_file_not_used: in_force.file_not_used,
            next_key: None,
            receipts: HashMap::new(),
            wall_clock_ms: 0,
            reporting_unit: schemas::returns::ReportingUnit::default(),
            sequence_floor: 1,
            quotas: quotas::QuotaState {
                document_bytes,
                ..Default::default()
            },
            store,
            latest_submissions: BTreeMap::new(),
            latest_rollups: BTreeMap::new(),
            documents: HashMap::new(),
            persisted: HashMap::new(),
            published: HashMap::new(),
            generation: 0,
            refusals: 0,
            rollups_made: 0,
            loaded_replicas_max: documents::MAX_LOADED_REPLICAS,
            recovery: None,
            notices: BTreeMap::new(),
            unfinished_consolidations: BTreeSet::new(),
            findings_memo: HashMap::new(),
        };
        core.load_latest()?;
        core.load_notices()?;
        core.load_recovery()?;
        if let Some(bytes) = core.store.get(Tree::Meta, keys::META_SEQUENCE_FLOOR)? {
            let bytes: [u8; 8] = bytes.as_slice().try_into().map_err(|_| {
                corrupt_object(
                    crate::t!("node.core.object.sequence_floor"),
                    wrong_length(bytes.len(), 8),
                )
            })?;
            core.sequence_floor = u64::from_be_bytes(bytes);
        }
        core.refusals = core
            .store
            .get(Tree::Meta, keys::META_REFUSALS)?
            .and_then(|bytes| bytes.try_into().ok().map(u64::from_be_bytes))
            .unwrap_or(0);
        Ok(core)
    }

    fn load_latest(&mut self) -> Result<(), CoreError> {
        for (_, hash) in self.store.scan_prefix(Tree::LatestSubmissions, &[])? {
            let hash = object_hash(
                &hash,
                &crate::t!("node.core.object.latest_submission_pointer"),
            )?;
            let accepted = self.load_submission(&hash)?.ok_or_else(|| {
                corrupt_object(
                    crate::t!("node.core.object.submission", hash = hash.short()),
                    crate::t!("node.core.reason.latest_submission_missing"),
                )
            })?;
            self.latest_submissions
                .insert(accepted.submission.payload().key, accepted);
        }
        for (_, hash) in self.store.scan_prefix(Tree::LatestRollups, &[])? {
            let hash = object_hash(&hash, &crate::t!("node.core.object.latest_rollup_pointer"))?;
            let rollup = self.load_rollup(&hash)?.ok_or_else(|| {
                corrupt_object(
                    crate::t!("node.core.object.rollup", hash = hash.short()),
                    crate::t!("node.core.reason.latest_rollup_missing"),
                )
            })?;
            let payload = rollup.payload();
            self.latest_rollups
                .insert((payload.node, payload.ledger, payload.period), rollup);
        }
        Ok(())
    }

    /// Loads and verifies a stored submission.
    fn load_submission(
        &self,
        hash: &protocol::ObjectHash,
    ) -> Result<Option<AcceptedSubmission>, CoreError> {
        let Some(bytes) = self.store.get(Tree::Submissions, &hash.0)? else {
            return Ok(None);
        };
        let what = || crate::t!("node.core.object.submission", hash = hash.short()).into_owned();
        let stored: StoredSubmission =
            protocol::encoding::decode_exact(&bytes).map_err(|reason| {
                CoreError::CorruptObject {
                    what: what(),
                    reason,
                }
            })?;
        let submission = Signed::from_bytes(&stored.envelope, &self.topology).map_err(|error| {
            CoreError::CorruptObject {
                what: what(),
                reason: error.to_string(),
            }
        })?;
        if submission.hash() != *hash {
            return Err(corrupt_object(
                what(),
                crate::t!("node.core.reason.hash_mismatch"),
            ));
        }
        Ok(Some(AcceptedSubmission {
            submission,
            figures: stored.figures,
        }))
    }

    /// Loads and verifies a stored rollup.
    fn load_rollup(
        &self,
        hash: &protocol::ObjectHash,
    ) -> Result<Option<Signed<Rollup>>, CoreError> {
        let Some(bytes) = self.store.get(Tree::Rollups, &hash.0)? else {
            return Ok(None);
        };
        let what = || crate::t!("node.core.object.rollup", hash = hash.short()).into_owned();
        let rollup = Signed::<Rollup>::from_bytes(&bytes, &self.topology)
            .map_err(|error| corrupt_object(what(), error.to_string()))?;
        if rollup.hash() != *hash {
            return Err(corrupt_object(
                what(),
                crate::t!("node.core.reason.hash_mismatch"),
            ));
        }
        Ok(Some(rollup))
    }

    /// Stores a submission with its figures and makes it the latest for its document.
    fn store_submission(
        &mut self,
        accepted: AcceptedSubmission,
        mut batch: Batch,
    ) -> Result<(), CoreError> {
        let stored = StoredSubmission {
            envelope: accepted.submission.to_bytes(),
            figures: accepted.figures.clone(),
        };
        let hash = accepted.submission.hash();
        let key = accepted.submission.payload().key;
        batch.put(
            Tree::Submissions,
            hash.0.to_vec(),
            postcard::to_stdvec(&stored).expect("a stored submission always encodes"),
        );
        batch.put(
            Tree::LatestSubmissions,
            keys::document_key(&key),
            hash.0.to_vec(),
        );
        self.store.apply(&batch, Durability::Flush)?;
        self.latest_submissions.insert(key, accepted);
        self.generation += 1;
        Ok(())
    }

    pub fn code(&self) -> DivisionCode {
        self.code
    }

    /// The sequence of this node's next submission of a document or rollup whose latest was
    /// `previous`: the next number, and never below the floor a restore set.
    fn next_sequence(&self, previous: Option<u64>) -> u64 {
        previous
            .map_or(1, |previous| previous + 1)
            .max(self.sequence_floor)
    }

    /// Tells the core the wall clock (Unix milliseconds). The driver does so before every piece
    /// of work; operations that take a time argument set it too.
    pub fn set_wall_clock(&mut self, now_ms: i64) {
        self.wall_clock_ms = now_ms;
    }

    /// The wall clock as last told (Unix milliseconds; 0 before the driver told it).
    pub fn wall_clock_ms(&self) -> i64 {
        self.wall_clock_ms
    }

    /// Tells the core who reports (node.toml's `[reporting_unit]`), for the returns' forms.
    pub fn set_reporting_unit(&mut self, unit: schemas::returns::ReportingUnit) {
        self.reporting_unit = unit;
    }

    /// Who reports, as node.toml names it.
    pub fn reporting_unit(&self) -> &schemas::returns::ReportingUnit {
        &self.reporting_unit
    }

    pub fn entry(&self) -> &NodeEntry {
        self.topology
            .node(self.code)
            .expect("the constructor checked that the node is in the topology")
    }

    /// Keeps at most `limit` children's replicas loaded (the rest are read from disk when
    /// needed): a simulator running thousands of nodes in one process keeps few per node.
    pub fn set_loaded_replicas_max(&mut self, limit: usize) {
        self.loaded_replicas_max = limit.max(1);
    }

    pub fn topology(&self) -> &Topology {
        &self.topology
    }

    pub fn signing_key(&self) -> &SigningKey {
        &self.signing_key
    }

    /// Bumped whenever something this node would send its parent changes.
    /// Rollups this core signed since it was opened.
    pub fn rollups_made(&self) -> u64 {
        self.rollups_made
    }

    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Refusals counted since the store was created.
    pub fn refusals(&self) -> u64 {
        self.refusals
    }

    /// Counts a refusal durably, so status shows it after a restart.
    pub fn count_refusal(&mut self) -> Result<(), CoreError> {
        let refusals = self.refusals + 1;
        let mut batch = Batch::new();
        batch.put(
            Tree::Meta,
            keys::META_REFUSALS.to_vec(),
            refusals.to_be_bytes().to_vec(),
        );
        self.store.apply(&batch, Durability::Lazy)?;
        self.refusals = refusals;
        Ok(())
    }

    /// The newest submission held for a document.
    pub fn latest_submission_of(&self, key: &DocumentKey) -> Option<&AcceptedSubmission> {
        self.latest_submissions.get(key)
    }

    /// Every newest submission held.
    pub fn latest_submissions(&self) -> impl Iterator<Item = &AcceptedSubmission> {
        self.latest_submissions.values()
    }

    /// How many descendants' documents the node holds as replicas (those whose submission it
    /// holds), for `status` and the metrics.
    pub fn replicas_held(&self) -> usize {
        let code = self.code();
        self.latest_submissions()
            .filter(|accepted| accepted.submission.payload().key.owner != code)
            .count()
    }

    /// The newest rollup held for (node, ledger, period).
    pub fn latest_rollup_of(
        &self,
        node: DivisionCode,
        ledger: Ledger,
        period: Period,
    ) -> Option<&Signed<Rollup>> {
        self.latest_rollups.get(&(node, ledger, period))
    }

    /// Every newest rollup held.
    pub fn latest_rollups(&self) -> impl Iterator<Item = &Signed<Rollup>> {
        self.latest_rollups.values()
    }

    /// Keys of the node's own documents on disk, submitted or not.
    pub fn own_document_keys(&self) -> Result<Vec<DocumentKey>, CoreError> {
        let mut found: Vec<DocumentKey> = self
            .store
            .scan_prefix(Tree::Documents, &self.code.as_u64().to_be_bytes())?
            .iter()
            .filter_map(|(key, _)| keys::decode_document_key(key))
            .collect();
        found.dedup();
        Ok(found)
    }

    /// Whether the node's draft of `key` has changes its latest submission does not cover.
    pub fn draft_has_unsubmitted_changes(&mut self, key: &DocumentKey) -> Result<bool, CoreError> {
        let submitted = self
            .latest_submissions
            .get(key)
            .map(|accepted| accepted.submission.payload().heads.clone());
        let Some(draft) = self.document_mut(key)? else {
            return Ok(false);
        };
        Ok(submitted.as_deref() != Some(&protocol::Submission::heads_from(&draft.get_heads())[..]))
    }

    /// A copy of the node's own draft of `key`, if it has one.
    pub fn draft_document(
        &mut self,
        key: &DocumentKey,
    ) -> Result<Option<automerge::Automerge>, CoreError> {
        if key.owner != self.code {
            return Ok(None);
        }
        Ok(self.document_mut(key)?.map(|draft| draft.clone()))
    }

    /// The store, for tools that inspect or repair it.
    pub fn store(&self) -> &dyn Store {
        self.store.as_ref()
    }
}

fn object_hash(bytes: &[u8], what: &str) -> Result<protocol::ObjectHash, CoreError> {
    let hash: [u8; 32] = bytes
        .try_into()
        .map_err(|_| corrupt_object(what, wrong_length(bytes.len(), 32)))?;
    Ok(protocol::ObjectHash(hash))
}
