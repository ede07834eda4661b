//! The store a node runs on: one sled database in the node directory, one sled tree per [`Tree`].
//! A batch is one sled transaction across the trees it touches, flushed when asked.

use std::path::Path;

use sled::Transactional;
use sled::transaction::{ConflictableTransactionError, TransactionError};

use super::{Batch, Durability, Entries, Store, StoreError, Tree, Write};

/// A sled database holding every tree.
#[derive(Debug)]
pub struct SledStore {
    database: sled::Db,
    trees: Vec<sled::Tree>,
}

fn io_error(operation: &'static str) -> impl Fn(sled::Error) -> StoreError {
    move |error| StoreError::Io {
        operation,
        reason: error.to_string(),
    }
}

impl SledStore {
    /// Opens (creating if needed) the database at `path`. Fails if another process holds it.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let open_error = |reason: String| StoreError::Open {
            path: path.display().to_string(),
            reason,
        };
        let database = sled::Config::new()
            .path(path)
            .open()
            .map_err(|error| match error {
                sled::Error::Io(io) if io.to_string().contains("could not acquire lock") => {
                    StoreError::Locked {
                        path: path.display().to_string(),
                    }
                }
                other => open_error(other.to_string()),
            })?;
        let trees = Tree::ALL
            .iter()
            .map(|tree| database.open_tree(tree.name()))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|error| open_error(error.to_string()))?;
        Ok(Self { database, trees })
    }

    fn tree(&self, tree: Tree) -> &sled::Tree {
        &self.trees[tree.index()]
    }
}

impl Store for SledStore {
    fn get(&self, tree: Tree, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self
            .tree(tree)
            .get(key)
            .map_err(io_error("reading"))?
            .map(|value| value.to_vec()))
    }

    fn scan_prefix(&self, tree: Tree, prefix: &[u8]) -> Result<Entries, StoreError> {
        self.tree(tree)
            .scan_prefix(prefix)
            .map(|entry| {
                entry
                    .map(|(key, value)| (key.to_vec(), value.to_vec()))
                    .map_err(io_error("scanning"))
            })
            .collect()
    }

    fn apply(&self, batch: &Batch, durability: Durability) -> Result<(), StoreError> {
        if batch.is_empty() {
            return Ok(());
        }
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
            .map_err(|error: TransactionError<()>| StoreError::Io {
                operation: "writing a batch",
                reason: format!("{error:?}"),
            })?;
        if durability == Durability::Flush {
            self.database.flush().map_err(io_error("flushing"))?;
        }
        Ok(())
    }
}
