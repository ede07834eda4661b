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

mod memory;
mod sled_store;

pub use memory::MemoryStore;
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
}

/// A failure of the disk or the database under a store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "cannot open the store at {path}: another huizong process is using this node directory"
    )]
    Locked { path: String },
    #[error("cannot open the store at {path}: {reason}")]
    Open { path: String, reason: String },
    #[error("the store failed while {operation}: {reason}")]
    Io {
        operation: &'static str,
        reason: String,
    },
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
}
