//! What a session needs from the node's data, as a trait the node implements over its store.
//!
//! The session decides what to send, checks what it receives and says what to store; the
//! implementation only loads and stores. Documents are moved out with [`Replicas::take_replica`]
//! while a sync writes into them and moved back with [`Replicas::commit_replica`] once checked, so
//! an unchecked change is never visible to anything else and is dropped with the document if the
//! check fails.

use automerge::Automerge;
use automerge::sync::State as SyncState;
use schemas::figures::Figures;
use schemas::{Ledger, Period};
use topology::{DivisionCode, Topology};

use crate::key::DocumentKey;
use crate::notice::Notice;
use crate::refusal::RefusalReason;
use crate::rollup::Rollup;
use crate::signed::{ObjectHash, Signed};
use crate::submission::{AcceptedSubmission, Submission};

/// A failure of the node's store, reported by the implementation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct StoreFailure(pub String);

/// The node's data as a session sees it.
pub trait Replicas {
    /// The topology in force.
    fn topology(&self) -> &Topology;

    /// The latest submission held for every document owned in this node's subtree (its own and
    /// the replicas it holds), which a child offers to its parent.
    fn offerable_submissions(&self) -> Result<Vec<Signed<Submission>>, StoreFailure>;

    /// The latest rollup held for every (node, ledger, period) in this node's subtree, its own
    /// included, which a child sends its parent once its offer is settled.
    fn offerable_rollups(&self) -> Result<Vec<Signed<Rollup>>, StoreFailure>;

    /// The latest submission held for one document.
    fn latest_submission(
        &self,
        key: &DocumentKey,
    ) -> Result<Option<Signed<Submission>>, StoreFailure>;

    /// Runs `work` on the document as of its latest signed submission, the only state that may
    /// leave the node. `None` when no submission is held.
    fn with_published_document<T>(
        &mut self,
        key: &DocumentKey,
        work: impl FnOnce(&mut Automerge) -> T,
    ) -> Result<Option<T>, StoreFailure>;

    /// Moves the replica of a document out for a sync to write into; an empty document when none
    /// is held. Until it is committed, nothing else sees it.
    fn take_replica(&mut self, key: &DocumentKey) -> Result<Automerge, StoreFailure>;

    /// Stores a replica that has been checked complete at `submission`'s heads, with the
    /// submission and the figures computed from it, durably before returning. The inner error
    /// refuses it instead: storing it would take its child past a quota (see `node`'s quotas).
    fn commit_replica(
        &mut self,
        submission: &Signed<Submission>,
        figures: &Figures,
        document: Automerge,
    ) -> Result<Result<(), RefusalReason>, StoreFailure>;

    /// Admits one more submission offered by the child `peer` for pulling (`now_ms` on the
    /// session's clock), or refuses it past the child's quota of submissions per hour.
    fn admit_submission(
        &mut self,
        peer: DivisionCode,
        now_ms: u64,
    ) -> Result<Result<(), RefusalReason>, StoreFailure>;

    /// The persisted sync state with `peer` for a document, or a fresh one.
    fn sync_state(&self, peer: DivisionCode, key: &DocumentKey) -> Result<SyncState, StoreFailure>;

    /// Persists the sync state with `peer` for a document, so a reconnect costs what changed.
    fn save_sync_state(
        &mut self,
        peer: DivisionCode,
        key: &DocumentKey,
        state: &SyncState,
    ) -> Result<(), StoreFailure>;

    /// A held submission with the figures computed from its document, by hash.
    fn submission_by_hash(
        &self,
        hash: &ObjectHash,
    ) -> Result<Option<AcceptedSubmission>, StoreFailure>;

    /// A held rollup, by hash.
    fn rollup_by_hash(&self, hash: &ObjectHash) -> Result<Option<Signed<Rollup>>, StoreFailure>;

    /// The latest rollup held for (node, ledger, period).
    fn latest_rollup(
        &self,
        node: DivisionCode,
        ledger: Ledger,
        period: Period,
    ) -> Result<Option<Signed<Rollup>>, StoreFailure>;

    /// Stores a checked rollup, durably before returning.
    fn store_rollup(&mut self, rollup: &Signed<Rollup>) -> Result<(), StoreFailure>;

    /// The notices held that `peer` may see: to a child, those about documents in its subtree;
    /// to the parent, those about documents in this node's subtree.
    fn notices_for_peer(&self, peer: DivisionCode) -> Result<Vec<Signed<Notice>>, StoreFailure>;

    /// Every notice held about documents in `node`'s subtree, whoever signed it (`node`'s own
    /// decisions on its children included), and every definition and lock: what a parent hands a
    /// child that restores its store.
    fn notices_about_subtree(
        &self,
        node: DivisionCode,
    ) -> Result<Vec<Signed<Notice>>, StoreFailure>;

    /// Whether the root's definition of the return (ledger, period) is held: submissions for a
    /// return that is not defined are refused.
    fn is_return_defined(&self, ledger: Ledger, period: Period) -> Result<bool, StoreFailure>;

    /// Stores a checked notice, durably before returning; false when it was already held.
    fn store_notice(&mut self, notice: &Signed<Notice>) -> Result<bool, StoreFailure>;

    /// The hash of the submission of `key` that counts in rollups now: the latest held or, while
    /// the root has the period closed, the latest that reached the tree before the closing. A
    /// rollup from a child is accepted only when it lists exactly these.
    fn counted_submission_hash(
        &self,
        key: &DocumentKey,
    ) -> Result<Option<ObjectHash>, StoreFailure>;

    /// The topology version under which the tree's receipt of a submission was made, if a receipt
    /// of it is held: a submission signed by a key retired later was received while the key was
    /// current.
    fn receipt_topology_version(
        &self,
        submission: &ObjectHash,
    ) -> Result<Option<u64>, StoreFailure>;

    /// Whether a notice is held already.
    fn holds_notice(&self, hash: &ObjectHash) -> Result<bool, StoreFailure>;

    /// Checks a topology file the parent sent and, when it is newer than the one held and signed
    /// by the root key this node pinned, stores it and puts it in force at once.
    fn adopt_topology(&mut self, text: &str) -> Result<TopologyAdoption, StoreFailure>;
}

/// What became of a topology a parent sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TopologyAdoption {
    /// Checked, stored and in force from now on.
    Adopted { version: u64 },
    /// The very topology already held.
    AlreadyHeld,
    /// Not taken, and why (not signed by the pinned root key, older than the one held, another
    /// file with the same version, not naming this node).
    Refused { reason: String },
}
