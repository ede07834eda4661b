//! Storage behind a small trait: named trees of byte keys and values, atomic durable batches.
//!
//! The typed layer above ([`crate::core`]) decides what goes in which tree; an implementation only
//! has to read, scan a prefix, and apply a batch of puts and deletes atomically. [`SledStore`] is
//! the one a node runs on; [`MemoryStore`] serves tests and the simulator.
//!
//! Trees:
//! - `documents`: document key ‖ chunk index → automerge bytes (chunk 0 a full save, later chunks
//!   the changes since the chunk before);
//! - `submissions`: object hash → stored submission (signed envelope and the figures computed);
//! - `latest_submissions`: document key → hash of the newest submission;
//! - `rollups`: object hash → signed envelope;
//! - `latest_rollups`: node ‖ ledger ‖ period → hash of the newest rollup;
//! - `sync_states`: peer ‖ document key → automerge sync state (shared heads);
//! - `meta`: named values (the node's topology, counters).

pub mod disk;
mod memory;
mod sled_store;

use std::path::PathBuf;

pub use disk::DiskTrouble;
pub use memory::{MemoryStore, SharedAvailable};
pub use sled_store::SledStore;

/// The trees a node keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Tree {
    Documents,
    Submissions,
    LatestSubmissions,
    Rollups,
    LatestRollups,
    SyncStates,
    Notices,
    Meta,
}

impl Tree {
    pub const ALL: [Tree; 8] = [
        Tree::Documents,
        Tree::Submissions,
        Tree::LatestSubmissions,
        Tree::Rollups,
        Tree::LatestRollups,
        Tree::SyncStates,
        Tree::Notices,
        Tree::Meta,
    ];

    /// The tree's name on disk.
    pub fn name(self) -> &'static str {
        match self {
            Tree::Documents => "documents",
            Tree::Submissions => "submissions",
            Tree::LatestSubmissions => "latest_submissions",
            Tree::Rollups => "rollups",
            Tree::LatestRollups => "latest_rollups",
            Tree::SyncStates => "sync_states",
            Tree::Notices => "notices",
            Tree::Meta => "meta",
        }
    }

    fn index(self) -> usize {
        Tree::ALL
            .iter()
            .position(|tree| *tree == self)
            .expect("every tree is listed in ALL")
    }
}

/// Whether a batch must be on disk before `apply` returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// Flushed before returning: submissions, replicas, rollups, imports, anything acknowledged.
    Flush,
    /// Written but not flushed: sync states, which only save work on the next connection.
    Lazy,
}

/// One write in a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Write {
    Put {
        tree: Tree,
        key: Vec<u8>,
        value: Vec<u8>,
    },
    Delete {
        tree: Tree,
        key: Vec<u8>,
    },
}

/// Writes applied all together or not at all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Batch {
    writes: Vec<Write>,
}

impl Batch {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn put(&mut self, tree: Tree, key: impl Into<Vec<u8>>, value: impl Into<Vec<u8>>) {
        self.writes.push(Write::Put {
            tree,
            key: key.into(),
            value: value.into(),
        });
    }

    pub fn delete(&mut self, tree: Tree, key: impl Into<Vec<u8>>) {
        self.writes.push(Write::Delete {
            tree,
            key: key.into(),
        });
    }

    pub fn writes(&self) -> &[Write] {
        &self.writes
    }

    pub fn is_empty(&self) -> bool {
        self.writes.is_empty()
    }

    /// The bytes of keys and values written, to check the disk has room before writing.
    pub fn n_bytes(&self) -> u64 {
        self.writes
            .iter()
            .map(|write| match write {
                Write::Put { key, value, .. } => key.len() + value.len(),
                Write::Delete { key, .. } => key.len(),
            } as u64)
            .sum()
    }
}

/// A failure of the disk or the database under a store. Every message names the store's path; a
/// full disk or a read-only directory says so in plain words and what to do.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{}", crate::t!("node.store.locked", path = .path))]
    Locked { path: String },
    #[error("{}", crate::t!("node.store.open", path = .path, reason = .reason))]
    Open { path: String, reason: String },
    #[error("{}", crate::t!("node.store.open_disk", path = .path.display(), trouble = .trouble.explain(.path)))]
    OpenDisk { path: PathBuf, trouble: DiskTrouble },
    /// Refused before the write started, so nothing was written and the store stays usable.
    #[error(
        "{}",
        crate::t!(
            "node.store.no_room",
            path = .path.display(),
            available = human_size(*.available_bytes),
            needed = human_size(*.needed_bytes),
            kept = human_size(disk::FREE_BYTES_KEPT_MIN)
        )
    )]
    NoRoom {
        path: PathBuf,
        available_bytes: u64,
        needed_bytes: u64,
    },
    /// Refused before the write started: the file system is mounted read-only.
    #[error("{}", crate::t!("node.store.read_only", path = .path.display(), trouble = DiskTrouble::ReadOnly.explain(.path)))]
    ReadOnly { path: PathBuf },
    /// The database met a full disk or an unwritable directory while writing. The batch was not
    /// acknowledged; no later write is attempted until the store is reopened ([`Self::Stopped`]).
    #[error("{}", crate::t!("node.store.disk", path = .path.display(), operation = .operation, trouble = .trouble.explain(.path)))]
    Disk {
        path: PathBuf,
        operation: StoreOperation,
        trouble: DiskTrouble,
    },
    /// Refused without calling the database, because an earlier write failed: sled 0.34 blocks
    /// forever in writes and scans after a write has failed for want of space.
    #[error("{}", crate::t!("node.store.stopped", path = .path.display(), first_failure = .first_failure))]
    Stopped {
        path: PathBuf,
        first_failure: String,
    },
    #[error("{}", crate::t!("node.store.io", path = .path.display(), operation = .operation, reason = .reason))]
    Io {
        path: PathBuf,
        operation: StoreOperation,
        reason: String,
    },
}

/// What the store was doing when the database failed, as a message says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreOperation {
    Reading,
    Scanning,
    Writing,
    Flushing,
}

impl std::fmt::Display for StoreOperation {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(&match self {
            StoreOperation::Reading => crate::t!("node.store.operation.reading"),
            StoreOperation::Scanning => crate::t!("node.store.operation.scanning"),
            StoreOperation::Writing => crate::t!("node.store.operation.writing"),
            StoreOperation::Flushing => crate::t!("node.store.operation.flushing"),
        })
    }
}

impl StoreError {
    /// The disk trouble behind this error, if it is one the user can act on.
    pub fn disk_trouble(&self) -> Option<DiskTrouble> {
        match self {
            StoreError::NoRoom { .. } => Some(DiskTrouble::Full),
            StoreError::ReadOnly { .. } => Some(DiskTrouble::ReadOnly),
            StoreError::Disk { trouble, .. } | StoreError::OpenDisk { trouble, .. } => {
                Some(*trouble)
            }
            StoreError::Locked { .. }
            | StoreError::Open { .. }
            | StoreError::Stopped { .. }
            | StoreError::Io { .. } => None,
        }
    }
}

/// Bytes for messages: in KiB below a mebibyte (rounded up, so a small write does not read as
/// needing nothing), in MiB with one decimal above.
fn human_size(n_bytes: u64) -> String {
    const MEBIBYTE: u64 = 1024 * 1024;
    if n_bytes < MEBIBYTE {
        format!("{} KiB", n_bytes.div_ceil(1024))
    } else {
        format!("{:.1} MiB", n_bytes as f64 / MEBIBYTE as f64)
    }
}

/// Key and value pairs, in key order.
pub type Entries = Vec<(Vec<u8>, Vec<u8>)>;

/// Named trees of byte keys and values with atomic batches.
pub trait Store: Send + std::fmt::Debug {
    fn get(&self, tree: Tree, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError>;

    /// Every entry whose key starts with `prefix`, in key order.
    fn scan_prefix(&self, tree: Tree, prefix: &[u8]) -> Result<Entries, StoreError>;

    /// Applies every write or none; with [`Durability::Flush`], on disk before returning.
    fn apply(&self, batch: &Batch, durability: Durability) -> Result<(), StoreError>;

    /// Bytes free on the disk holding the store, when it can be asked: the quotas keep the last of
    /// it for the children that take least.
    fn available_bytes(&self) -> Option<u64> {
        None
    }
}
