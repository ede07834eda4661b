//! Who did what on this node: one entry per operation that changed something (an import, a
//! deletion, a submission, a confirmation, a review decision, a return defined, a period closed,
//! a topology published, a key loaded), with the person, the time and what it was about. Kept in
//! the meta tree under `activity/` (store format 3), newest last, so `status` can show who last
//! touched the node and the web console's accounts have a history to join. A draft edit also
//! names its person in the automerge change itself; this log covers what is not a draft edit.

use serde::{Deserialize, Serialize};

use super::{Actor, CoreError, NodeCore};
use crate::store::{Batch, Durability, Tree};

/// Prefix of the activity entries in the meta tree: then the time (Unix ms, big-endian u64) and a
/// counter, so entries sort by time.
const ACTIVITY_PREFIX: &[u8] = b"activity/";

/// One operation that changed the node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityEntry {
    pub time_ms: i64,
    pub actor: Actor,
    /// The operation, as its request names it (`import`, `submit`, `review`, …).
    pub operation: String,
    /// What it was about: a document (`640104000000/energy/2025`), a ledger and period, a node.
    pub subject: String,
}

/// Orders entries made in the same millisecond by one process.
static SAME_MILLISECOND: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

impl NodeCore {
    /// Records an operation that changed the node.
    pub fn record_activity(&mut self, entry: &ActivityEntry) -> Result<(), CoreError> {
        let mut key = ACTIVITY_PREFIX.to_vec();
        key.extend_from_slice(&u64::try_from(entry.time_ms).unwrap_or(0).to_be_bytes());
        key.extend_from_slice(
            &SAME_MILLISECOND
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
                .to_be_bytes(),
        );
        let value = serde_json::to_vec(entry).map_err(|error| CoreError::CorruptObject {
            what: "activity".to_owned(),
            reason: error.to_string(),
        })?;
        let mut batch = Batch::new();
        batch.put(Tree::Meta, key, value);
        self.store.apply(&batch, Durability::Flush)?;
        Ok(())
    }

    /// The latest `count` entries, oldest first. An entry that does not read is skipped: the log
    /// is for people, and nothing is decided on it.
    pub fn recent_activity(&self, count: usize) -> Result<Vec<ActivityEntry>, CoreError> {
        let entries = self.store.scan_prefix(Tree::Meta, ACTIVITY_PREFIX)?;
        let skip = entries.len().saturating_sub(count);
        Ok(entries
            .into_iter()
            .skip(skip)
            .filter_map(|(_, value)| serde_json::from_slice(&value).ok())
            .collect())
    }
}
