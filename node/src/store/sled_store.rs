//! The store a node runs on: one sled database in the node directory, one sled tree per [`Tree`].
//! A batch is one sled transaction across the trees it touches, flushed when asked. Before a
//! batch is written, the room on the disk is checked ([`disk::check_room`]), so that sled does
//! not meet a full disk mid-write (see [`super::disk`] for why that matters).
//!
//! What sled 0.34.7 does on a full disk, measured on a small tmpfs: the write that meets it
//! returns `StorageFull` (or, sometimes, its flush blocks forever), and after that every write,
//! flush and scan through the same database blocks forever, even once space is freed (a single
//! `get` still answered). Nothing is corrupted: reopened, the database holds exactly the batches
//! acknowledged before. So once a write fails, this store touches the database no more and
//! answers [`StoreError::Stopped`] until it is reopened: a node says what is wrong instead of
//! hanging.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use sled::Transactional;
use sled::transaction::{ConflictableTransactionError, TransactionError};

use super::disk::{self, DiskTrouble, NoRoom};
use super::{Batch, Durability, Entries, Store, StoreError, StoreOperation, Tree, Write};

/// A sled database holding every tree.
#[derive(Debug)]
pub struct SledStore {
    database: sled::Db,
    trees: Vec<sled::Tree>,
    /// The database's directory, named in every error and checked for room before writes.
    path: PathBuf,
    /// The first write failure, after which the database is not touched (see the module doc).
    failure: Mutex<Option<String>>,
}

impl SledStore {
    /// Opens (creating if needed) the database at `path`. Fails if another process holds it.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let open_error = |error: sled::Error| match error {
            sled::Error::Io(io) if io.to_string().contains("could not acquire lock") => {
                StoreError::Locked {
                    path: path.display().to_string(),
                }
            }
            sled::Error::Io(io) if DiskTrouble::of(&io).is_some() => StoreError::OpenDisk {
                path: path.to_path_buf(),
                trouble: DiskTrouble::of(&io).expect("just checked"),
            },
            other => StoreError::Open {
                path: path.display().to_string(),
                reason: other.to_string(),
            },
        };
        let database = sled::Config::new().path(path).open().map_err(open_error)?;
        let trees = Tree::ALL
            .iter()
            .map(|tree| database.open_tree(tree.name()))
            .collect::<Result<Vec<_>, _>>()
            .map_err(open_error)?;
        Ok(Self {
            database,
            trees,
            path: path.to_path_buf(),
            failure: Mutex::new(None),
        })
    }

    fn tree(&self, tree: Tree) -> &sled::Tree {
        &self.trees[tree.index()]
    }

    fn lock_failure(&self) -> std::sync::MutexGuard<'_, Option<String>> {
        // The value is one assignment, never half made, so a poisoned lock is still usable.
        self.failure
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Refuses to touch the database once a write has failed (see the module doc).
    fn check_not_stopped(&self) -> Result<(), StoreError> {
        match self.lock_failure().as_ref() {
            Some(first_failure) => Err(StoreError::Stopped {
                path: self.path.clone(),
                first_failure: first_failure.clone(),
            }),
            None => Ok(()),
        }
    }

    /// A sled error while `operation`, classified.
    fn error(&self, operation: StoreOperation, error: sled::Error) -> StoreError {
        match &error {
            sled::Error::Io(io) => match DiskTrouble::of(io) {
                Some(trouble) => StoreError::Disk {
                    path: self.path.clone(),
                    operation,
                    trouble,
                },
                None => StoreError::Io {
                    path: self.path.clone(),
                    operation,
                    reason: io.to_string(),
                },
            },
            _ => StoreError::Io {
                path: self.path.clone(),
                operation,
                reason: error.to_string(),
            },
        }
    }
}

impl Store for SledStore {
    fn available_bytes(&self) -> Option<u64> {
        disk::available_bytes(&self.path)
    }

    fn get(&self, tree: Tree, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        self.check_not_stopped()?;
        Ok(self
            .tree(tree)
            .get(key)
            .map_err(|error| self.error(StoreOperation::Reading, error))?
            .map(|value| value.to_vec()))
    }

    fn scan_prefix(&self, tree: Tree, prefix: &[u8]) -> Result<Entries, StoreError> {
        self.check_not_stopped()?;
        self.tree(tree)
            .scan_prefix(prefix)
            .map(|entry| {
                entry
                    .map(|(key, value)| (key.to_vec(), value.to_vec()))
                    .map_err(|error| self.error(StoreOperation::Scanning, error))
            })
            .collect()
    }

    fn apply(&self, batch: &Batch, durability: Durability) -> Result<(), StoreError> {
        if batch.is_empty() {
            return Ok(());
        }
        self.check_not_stopped()?;
        let result = self.write(batch, durability);
        if let Err(error) = &result
            && matches!(error, StoreError::Disk { .. } | StoreError::Io { .. })
        {
            *self.lock_failure() = Some(error.to_string());
        }
        result
    }
}

impl SledStore {
    /// Checks the room on the disk, then writes the batch as one transaction.
    fn write(&self, batch: &Batch, durability: Durability) -> Result<(), StoreError> {
        disk::check_room(&self.path, batch.n_bytes()).map_err(|no_room| match no_room {
            NoRoom::ReadOnly => StoreError::ReadOnly {
                path: self.path.clone(),
            },
            NoRoom::Full {
                available_bytes,
                needed_bytes,
            } => StoreError::NoRoom {
                path: self.path.clone(),
                available_bytes,
                needed_bytes,
            },
        })?;
        let trees: Vec<&sled::Tree> = self.trees.iter().collect();
        trees
            .as_slice()
            .transaction(|views| {
                for write in batch.writes() {
                    match write {
                        Write::Put { tree, key, value } => {
                            views[tree.index()].insert(key.as_slice(), value.as_slice())?;
                        }
                        Write::Delete { tree, key } => {
                            views[tree.index()].remove(key.as_slice())?;
                        }
                    }
                }
                Ok::<(), ConflictableTransactionError<()>>(())
            })
            .map_err(|error: TransactionError<()>| match error {
                TransactionError::Storage(error) => self.error(StoreOperation::Writing, error),
                TransactionError::Abort(()) => StoreError::Io {
                    path: self.path.clone(),
                    operation: StoreOperation::Writing,
                    reason: crate::t!("node.store.transaction_aborted").into_owned(),
                },
            })?;
        if durability == Durability::Flush {
            self.database
                .flush()
                .map_err(|error| self.error(StoreOperation::Flushing, error))?;
        }
        Ok(())
    }
}
