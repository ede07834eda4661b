//! Quotas per child: how much one child (with everything below it) may make this node store, so
//! that a compromised county or city cannot fill its parent's disk or keep it busy re-storing.
//!
//! - Submissions: at most [`SUBMISSIONS_PER_NODE_PER_HOUR`] per node of the child's subtree in any
//!   hour, counted when an offer is admitted for pulling (on the node's monotonic clock).
//! - Bytes: documents of one period owned in the child's subtree may take at most
//!   [`STORED_BYTES_PER_NODE_PER_PERIOD`] per node of that subtree in the store.
//! - Disk: when the disk holding the store has less than [`DISK_RESERVE_FOR_SIBLINGS_BYTES`] free,
//!   a child that already takes at least its fair share of what the children take is refused
//!   first, so the room left goes to its siblings; the store's own guard (a few MiB) still stops
//!   everything before the disk is full.
//!
//! Superseded submissions are kept, not pruned: each is a few KiB (the envelope and its figures),
//! review history and `verify` read them, a restore brings them back with the rollups that name
//! them, and the submission quota bounds how fast a child can add them.

use std::collections::{HashMap, VecDeque};

use protocol::{DocumentKey, RefusalReason};
use schemas::Period;
use topology::DivisionCode;

use super::{CoreError, NodeCore, keys};
use crate::store::{Batch, Store, Tree};

/// Submissions a node of a child's subtree may have admitted per hour. A clerk who corrects and
/// submits again every half minute on all three ledgers makes about 360 an hour; a node that
/// relays many submissions of one owner in a burst (after being offline) is covered by its
/// subtree's share. Anything beyond is a child re-signing without end.
pub const SUBMISSIONS_PER_NODE_PER_HOUR: usize = 360;

/// The window of [`SUBMISSIONS_PER_NODE_PER_HOUR`].
const SUBMISSION_WINDOW_MS: u64 = 3_600_000;

/// Bytes the documents of one period may take in the store, per node of a child's subtree: two
/// of the largest legitimate documents (`protocol::limits::MAX_DOCUMENT_STORED_BYTES`) and the
/// two smaller ledgers beside them.
pub const STORED_BYTES_PER_NODE_PER_PERIOD: u64 = 2 * protocol::limits::MAX_DOCUMENT_STORED_BYTES;

/// Free bytes below which the disk is kept for the children that take least. A gibibyte is the
/// replicas of a few dozen ordinary county documents, enough for the siblings to go on while an
/// operator looks at the one that grew.
pub const DISK_RESERVE_FOR_SIBLINGS_BYTES: u64 = 1024 * 1024 * 1024;

/// The quotas' numbers: production values by default; tests lower them so that they need not
/// store gigabytes or submit hundreds of times.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuotaLimits {
    pub submissions_per_node_per_hour: usize,
    pub stored_bytes_per_node_per_period: u64,
    pub disk_reserve_for_siblings_bytes: u64,
}

impl Default for QuotaLimits {
    fn default() -> Self {
        Self {
            submissions_per_node_per_hour: SUBMISSIONS_PER_NODE_PER_HOUR,
            stored_bytes_per_node_per_period: STORED_BYTES_PER_NODE_PER_PERIOD,
            disk_reserve_for_siblings_bytes: DISK_RESERVE_FOR_SIBLINGS_BYTES,
        }
    }
}

/// What the quotas keep in memory.
#[derive(Debug, Default)]
pub(super) struct QuotaState {
    /// The numbers in force.
    pub(super) limits: QuotaLimits,
    /// Bytes each document takes in the store (also in the store's meta entries).
    pub(super) document_bytes: HashMap<DocumentKey, u64>,
    /// When each child's recent submissions were admitted, on the node's monotonic clock.
    pub(super) admissions: HashMap<DivisionCode, VecDeque<u64>>,
}

/// Reads every document's stored size from the meta entries; for a store of format 1, which has
/// none, measures the documents once and returns the entries to write.
pub(super) fn load_document_bytes(
    store: &dyn Store,
    format: Option<u32>,
) -> Result<(HashMap<DocumentKey, u64>, Batch), CoreError> {
    let mut sizes = HashMap::new();
    let mut writes = Batch::new();
    if format == Some(1) {
        for (key, chunk) in store.scan_prefix(Tree::Documents, &[])? {
            if let Some(document) = keys::decode_document_key(&key) {
                *sizes.entry(document).or_insert(0) += chunk.len() as u64;
            }
        }
        for (document, bytes) in &sizes {
            super::documents::record_stored_bytes(&mut writes, document, *bytes);
        }
        return Ok((sizes, writes));
    }
    for (key, value) in store.scan_prefix(Tree::Meta, keys::META_DOCUMENT_BYTES_PREFIX)? {
        let document = keys::decode_document_key(&key[keys::META_DOCUMENT_BYTES_PREFIX.len()..]);
        let bytes: Option<[u8; 8]> = value.as_slice().try_into().ok();
        if let (Some(document), Some(bytes)) = (document, bytes) {
            sizes.insert(document, u64::from_be_bytes(bytes));
        }
    }
    Ok((sizes, writes))
}

impl NodeCore {
    /// Sets the quotas' numbers (tests lower them).
    pub fn set_quota_limits(&mut self, limits: QuotaLimits) {
        self.quotas.limits = limits;
    }

    /// The child of this node whose subtree holds `node`.
    fn child_toward(&self, node: DivisionCode) -> Option<DivisionCode> {
        self.topology.child_toward(self.code, node)
    }

    /// Admits one more submission offered by `child` for pulling, or refuses it past the hourly
    /// quota of the child's subtree.
    pub fn admit_submission(
        &mut self,
        child: DivisionCode,
        now_ms: u64,
    ) -> Result<(), RefusalReason> {
        let limit =
            self.topology.subtree_len(child) * self.quotas.limits.submissions_per_node_per_hour;
        let admitted = self.quotas.admissions.entry(child).or_default();
        while admitted
            .front()
            .is_some_and(|at| now_ms.saturating_sub(*at) >= SUBMISSION_WINDOW_MS)
        {
            admitted.pop_front();
        }
        if admitted.len() >= limit {
            return Err(RefusalReason::QuotaExceeded {
                what: crate::t!(
                    "node.core.quota_submissions",
                    count = admitted.len(),
                    child = child
                )
                .into_owned(),
                limit: limit as u64,
            });
        }
        admitted.push_back(now_ms);
        Ok(())
    }

    /// Bytes the documents of `period` owned in `child`'s subtree take in the store.
    pub fn stored_bytes_of(&self, child: DivisionCode, period: Option<Period>) -> u64 {
        self.quotas
            .document_bytes
            .iter()
            .filter(|(key, _)| period.is_none_or(|period| key.period == period))
            .filter(|(key, _)| self.child_toward(key.owner) == Some(child))
            .map(|(_, bytes)| *bytes)
            .sum()
    }

    /// Checks that storing a replica of `key` that will take `new_bytes` keeps its child within
    /// the period's quota, and within its share of the disk when the disk runs low.
    pub(super) fn check_storage_quota(
        &self,
        key: &DocumentKey,
        new_bytes: u64,
    ) -> Result<(), RefusalReason> {
        let Some(child) = self.child_toward(key.owner) else {
            return Ok(());
        };
        let held = self.quotas.document_bytes.get(key).copied().unwrap_or(0);
        let period_bytes = self.stored_bytes_of(child, Some(key.period)) - held + new_bytes;
        let limit = self.topology.subtree_len(child) as u64
            * self.quotas.limits.stored_bytes_per_node_per_period;
        if period_bytes > limit {
            return Err(RefusalReason::QuotaExceeded {
                what: crate::t!(
                    "node.core.quota_stored_bytes",
                    bytes = period_bytes,
                    period = key.period,
                    child = child
                )
                .into_owned(),
                limit,
            });
        }
        let Some(available) = self.store.available_bytes() else {
            return Ok(());
        };
        if available >= self.quotas.limits.disk_reserve_for_siblings_bytes {
            return Ok(());
        }
        let children = self.topology.children_of(self.code);
        let total: u64 = children
            .iter()
            .map(|sibling| self.stored_bytes_of(*sibling, None))
            .sum();
        let share = total / children.len().max(1) as u64;
        let used = self.stored_bytes_of(child, None);
        if used > 0 && used >= share {
            return Err(RefusalReason::DiskReservedForSiblings {
                child,
                used_bytes: used,
                share_bytes: share,
                available_bytes: available,
            });
        }
        Ok(())
    }

    /// Notes what a document takes in the store once a batch that wrote it is applied.
    pub(super) fn note_stored_bytes(&mut self, key: DocumentKey, stored_bytes: u64) {
        self.quotas.document_bytes.insert(key, stored_bytes);
    }
}
