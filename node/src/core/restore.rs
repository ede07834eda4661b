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
                    what: format!("the store's {} tree", tree.name()),
                    reason: "a restore is written only into an empty store".to_owned(),
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
