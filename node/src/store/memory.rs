//! An in-memory store, for tests and the simulator. Batches are atomic because they are applied
//! under one lock.

use std::collections::BTreeMap;
use std::sync::Mutex;

use super::{Batch, Durability, Entries, Store, StoreError, Tree, Write};

type Trees = Vec<BTreeMap<Vec<u8>, Vec<u8>>>;

/// Every tree as a sorted map in memory.
#[derive(Debug)]
pub struct MemoryStore {
    trees: Mutex<Trees>,
}

impl Default for MemoryStore {
    fn default() -> Self {
        Self {
            trees: Mutex::new(vec![BTreeMap::new(); Tree::ALL.len()]),
        }
    }
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    /// A store whose disk reports the free bytes a test sets in `available` (shared, so the
    /// test can lower it later).
    pub fn with_available_bytes(
        available: std::sync::Arc<std::sync::atomic::AtomicU64>,
    ) -> SharedAvailable {
        SharedAvailable {
            store: Self::default(),
            available,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Trees> {
        // A panic while holding the lock leaves the maps consistent (each write is one insert),
        // so a poisoned lock is still usable.
        self.trees
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Store for MemoryStore {
    fn get(&self, tree: Tree, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.lock()[tree.index()].get(key).cloned())
    }

    fn scan_prefix(&self, tree: Tree, prefix: &[u8]) -> Result<Entries, StoreError> {
        Ok(self.lock()[tree.index()]
            .range(prefix.to_vec()..)
            .take_while(|(key, _)| key.starts_with(prefix))
            .map(|(key, value)| (key.clone(), value.clone()))
            .collect())
    }

    fn apply(&self, batch: &Batch, _durability: Durability) -> Result<(), StoreError> {
        let mut trees = self.lock();
        for write in batch.writes() {
            match write {
                Write::Put { tree, key, value } => {
                    trees[tree.index()].insert(key.clone(), value.clone());
                }
                Write::Delete { tree, key } => {
                    trees[tree.index()].remove(key);
                }
            }
        }
        Ok(())
    }
}

/// A memory store whose free disk space a test controls, to play a disk running low.
#[derive(Debug)]
pub struct SharedAvailable {
    store: MemoryStore,
    available: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl Store for SharedAvailable {
    fn get(&self, tree: Tree, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        self.store.get(tree, key)
    }

    fn scan_prefix(&self, tree: Tree, prefix: &[u8]) -> Result<Entries, StoreError> {
        self.store.scan_prefix(tree, prefix)
    }

    fn apply(&self, batch: &Batch, durability: Durability) -> Result<(), StoreError> {
        self.store.apply(batch, durability)
    }

    fn available_bytes(&self) -> Option<u64> {
        Some(self.available.load(std::sync::atomic::Ordering::SeqCst))
    }
}
