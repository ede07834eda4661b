//! Writing a restore into a fresh store: what a node's parent held about its subtree, every object
//! already checked by [`protocol::RestoreClient::finish`], becomes the node's store in one atomic
//! durable batch, and is then loaded and verified again like any store.
//!
//! The node's own documents come back at the heads of its latest submissions and serve as its
//! drafts. Its next submission and rollup sequences start above a floor that no sequence it
//! signed before can reach: the restore's time in seconds, shifted 32 bits up (and above the
//! latest restored). A parent that withheld the node's latest submissions (so that the restore
//! comes back older than the node really was) therefore cannot make it sign a sequence twice,
//! unless the node had signed over four billion submissions of one document since its last
//! restore, or the clock was set back past its last restore.

use std::collections::BTreeMap;

use automerge::SaveOptions;
use protocol::{Restored, Signed};
use schemas::{Ledger, Period};
use serde::Serialize;
use topology::DivisionCode;

use super::{CoreError, NodeCore, StoredSubmission, keys};
use crate::store::{Batch, Durability, Tree};

/// What a restore wrote, for the operator.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct RestoreCounts {
    /// Submissions stored, latest and older.
    pub submissions: usize,
    /// Documents stored at their signed heads.
    pub documents: usize,
    /// Of those, the node's own (its drafts from now on).
    pub own_documents: usize,
    pub rollups: usize,
    pub notices: usize,
    /// The highest sequence of the node's own submissions restored: its next one is above.
    pub own_submission_sequence_max: u64,
    /// The highest sequence of the node's own rollups restored.
    pub own_rollup_sequence_max: u64,
    /// The sequence the node's next submission and rollup start from (see the module doc).
    #[serde(default)]
    pub next_sequence: u64,
}

/// The floor of sequences after a restore at `now_ms`: above the highest restored, and at least
/// the restore's time in seconds shifted 32 bits up.
pub fn sequence_floor_after_restore(highest_restored: u64, now_ms: i64) -> u64 {
    let seconds = u64::try_from(now_ms / 1000).unwrap_or(0);
    (highest_restored + 1).max(seconds << 32)
}

impl NodeCore {
    /// Writes a checked restore into this core's store, which must hold no submissions,
    /// documents or rollups yet, then loads it back as a store is loaded at start.
    pub fn write_restored(&mut self, restored: Restored) -> Result<RestoreCounts, CoreError> {
        for tree in [
            Tree::Documents,
            Tree::Submissions,
            Tree::LatestSubmissions,
            Tree::Rollups,
            Tree::LatestRollups,
        ] {
            if !self.store.scan_prefix(tree, &[])?.is_empty() {
                return Err(CoreError::CorruptObject {
                    what: crate::t!("node.core.object.store_tree", tree = tree.name()).into_owned(),
                    reason: crate::t!("node.core.reason.restore_needs_empty_store").into_owned(),
                });
            }
        }
        let mut counts = RestoreCounts::default();
        let mut batch = Batch::new();
        for accepted in &restored.submissions {
            let stored = StoredSubmission {
                envelope: accepted.submission.to_bytes(),
                figures: accepted.figures.clone(),
            };
            batch.put(
                Tree::Submissions,
                accepted.submission.hash().0.to_vec(),
                postcard::to_stdvec(&stored).expect("a stored submission always encodes"),
            );
            let payload = accepted.submission.payload();
            if payload.key.owner == self.code {
                counts.own_submission_sequence_max =
                    counts.own_submission_sequence_max.max(payload.sequence);
            }
        }
        counts.submissions = restored.submissions.len();
        for (key, hash) in &restored.latest_submissions {
            batch.put(
                Tree::LatestSubmissions,
                keys::document_key(key),
                hash.0.to_vec(),
            );
        }
        for (key, document) in &restored.documents {
            let save = document.save_with_options(SaveOptions {
                deflate: true,
                retain_orphans: false,
            });
            super::documents::record_stored_bytes(&mut batch, key, save.len() as u64);
            batch.put(Tree::Documents, keys::document_chunk(key, 0), save);
            if key.owner == self.code {
                counts.own_documents += 1;
            }
        }
        counts.documents = restored.documents.len();
        let mut latest_rollups: BTreeMap<
            (DivisionCode, Ledger, Period),
            &Signed<protocol::Rollup>,
        > = BTreeMap::new();
        for rollup in &restored.rollups {
            batch.put(Tree::Rollups, rollup.hash().0.to_vec(), rollup.to_bytes());
            let payload = rollup.payload();
            let slot = latest_rollups
                .entry((payload.node, payload.ledger, payload.period))
                .or_insert(rollup);
            if slot.payload().sequence < payload.sequence {
                *slot = rollup;
            }
            if payload.node == self.code {
                counts.own_rollup_sequence_max =
                    counts.own_rollup_sequence_max.max(payload.sequence);
            }
        }
        for ((node, ledger, period), rollup) in &latest_rollups {
            batch.put(
                Tree::LatestRollups,
                keys::ledger_period_key(*node, *ledger, *period),
                rollup.hash().0.to_vec(),
            );
        }
        counts.rollups = restored.rollups.len();
        for notice in &restored.notices {
            batch.put(Tree::Notices, notice.hash().0.to_vec(), notice.to_bytes());
        }
        counts.notices = restored.notices.len();
        let floor = sequence_floor_after_restore(
            counts
                .own_submission_sequence_max
                .max(counts.own_rollup_sequence_max),
            self.wall_clock_ms,
        );
        counts.next_sequence = floor;
        batch.put(
            Tree::Meta,
            keys::META_SEQUENCE_FLOOR.to_vec(),
            floor.to_be_bytes().to_vec(),
        );
        self.store.apply(&batch, Durability::Flush)?;
        self.sequence_floor = floor;
        // Load back what was written, verifying it as at every start.
        self.latest_submissions.clear();
        self.latest_rollups.clear();
        self.documents.clear();
        self.persisted.clear();
        self.published.clear();
        self.notices.clear();
        self.receipts.clear();
        self.quotas.document_bytes = super::quotas::load_document_bytes(
            self.store.as_ref(),
            Some(super::trust::STORE_FORMAT_VERSION),
        )?
        .0;
        self.load_latest()?;
        self.load_notices()?;
        for key in restored.latest_submissions.keys() {
            self.document_mut(key)?;
        }
        self.generation += 1;
        Ok(counts)
    }
}

/// What an earlier store (one that no longer opens as a whole) still says about this node's own
/// documents: the highest sequence of each that the node signed, or that its parent's receipt
/// says the parent received. Read object by object, every one verified, skipping whatever does not
/// decode: a restore compares it with what the parent serves, to catch a parent that withholds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KnownSequences {
    /// Per document: the highest sequence known, and where it was seen.
    pub latest: BTreeMap<protocol::DocumentKey, (u64, String)>,
}

impl KnownSequences {
    /// Notes that `source` knows `sequence` of `key`; keeps the highest.
    pub fn note(&mut self, key: protocol::DocumentKey, sequence: u64, source: String) {
        let entry = self.latest.entry(key).or_insert((0, String::new()));
        if sequence > entry.0 {
            *entry = (sequence, source);
        }
    }

    /// The first document whose restored latest sequence is below what is known: a parent that
    /// served older submissions than it had (or than its own receipt says it received).
    pub fn first_withheld(
        &self,
        restored: &protocol::Restored,
    ) -> Option<(protocol::DocumentKey, u64, u64, String)> {
        self.latest.iter().find_map(|(key, (known, source))| {
            let served = restored
                .submissions
                .iter()
                .filter(|held| held.submission.payload().key == *key)
                .map(|held| held.submission.payload().sequence)
                .max()
                .unwrap_or(0);
            (served < *known).then(|| (*key, served, *known, source.clone()))
        })
    }
}

/// Reads what a store that does not open as a whole still holds about `code`'s own documents:
/// its signed submissions and its parent's receipts of them, each verified against `topology`.
pub fn salvage_known_sequences(
    store: &dyn crate::store::Store,
    topology: &topology::Topology,
    code: DivisionCode,
) -> KnownSequences {
    let mut known = KnownSequences::default();
    if let Ok(entries) = store.scan_prefix(Tree::Submissions, &[]) {
        for (_, bytes) in entries {
            let Ok(stored) = protocol::encoding::decode_exact::<StoredSubmission>(&bytes) else {
                continue;
            };
            let Ok(submission) =
                Signed::<protocol::Submission>::from_bytes(&stored.envelope, topology)
            else {
                continue;
            };
            let payload = submission.payload();
            if payload.key.owner == code {
                known.note(
                    payload.key,
                    payload.sequence,
                    crate::t!("node.restore.known_from_own_submission").into_owned(),
                );
            }
        }
    }
    if let Ok(entries) = store.scan_prefix(Tree::Notices, &[]) {
        for (_, bytes) in entries {
            let Ok(notice) = Signed::<protocol::Notice>::from_bytes(&bytes, topology) else {
                continue;
            };
            if let protocol::NoticeBody::Receipt(receipt) = &notice.payload().body
                && receipt.key.owner == code
                && protocol::notice::check_authority(&notice, topology).is_ok()
            {
                known.note(
                    receipt.key,
                    receipt.sequence,
                    crate::t!(
                        "node.restore.known_from_receipt",
                        signer = notice.payload().signer
                    )
                    .into_owned(),
                );
            }
        }
    }
    known
}
