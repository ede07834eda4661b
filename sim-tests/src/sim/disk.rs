//! A simulated disk under the real store interface. What the node process sees and what survives
//! a crash are kept apart: a batch written with [`Durability::Flush`] is on the platter when
//! `apply` returns, and so is every lazy write before it (a flush writes everything, as sled's
//! does); lazy writes since the last flush are lost in a crash unless the run's coin says the
//! background flusher got to them first.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

use node::store::{Batch, Durability, Entries, Store, StoreError, Tree, Write};

use super::rng::SimRng;

type Trees = Vec<BTreeMap<Vec<u8>, Vec<u8>>>;

/// One undo step: the tree and key written lazily, and what was there before.
type Undo = (usize, Vec<u8>, Option<Vec<u8>>);

#[derive(Debug)]
struct DiskState {
    trees: Trees,
    /// Lazy writes since the last flush, oldest first, with the values they replaced.
    unflushed: Vec<Undo>,
    /// An injected bug: flushes are not durable, so a crash loses everything since the node
    /// started.
    flush_is_lazy: bool,
}

/// A node's disk; clones share it, so it outlives the node process that has it open.
#[derive(Debug, Clone)]
pub struct SimDisk {
    state: Arc<Mutex<DiskState>>,
}

fn tree_index(tree: Tree) -> usize {
    Tree::ALL
        .iter()
        .position(|candidate| *candidate == tree)
        .expect("every tree is listed in ALL")
}

impl SimDisk {
    pub fn new(flush_is_lazy: bool) -> Self {
        Self {
            state: Arc::new(Mutex::new(DiskState {
                trees: vec![BTreeMap::new(); Tree::ALL.len()],
                unflushed: Vec::new(),
                flush_is_lazy,
            })),
        }
    }

    fn lock(&self) -> MutexGuard<'_, DiskState> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The power goes: unflushed writes are lost, unless `rng` says the background flush had
    /// written them. Returns how many writes were lost.
    pub fn crash(&self, rng: &mut SimRng) -> usize {
        let mut state = self.lock();
        if rng.chance(0.5) && !state.flush_is_lazy {
            state.unflushed.clear();
            return 0;
        }
        let undo = std::mem::take(&mut state.unflushed);
        let lost = undo.len();
        for (tree, key, previous) in undo.into_iter().rev() {
            match previous {
                Some(value) => state.trees[tree].insert(key, value),
                None => state.trees[tree].remove(&key),
            };
        }
        lost
    }

    /// Flips a byte of a superseded rollup (one no latest pointer names), for the injected-bug
    /// tests: a disk that corrupts what only a full scan reads. Returns whether there was one.
    pub fn corrupt_superseded_rollup(&self) -> bool {
        let mut state = self.lock();
        let latest: std::collections::BTreeSet<Vec<u8>> = state.trees
            [tree_index(Tree::LatestRollups)]
        .values()
        .cloned()
        .collect();
        let Some(value) = state.trees[tree_index(Tree::Rollups)]
            .iter_mut()
            .find(|(hash, _)| !latest.contains(*hash))
            .map(|(_, value)| value)
        else {
            return false;
        };
        if let Some(byte) = value.last_mut() {
            *byte ^= 0xFF;
        }
        true
    }
}

impl Store for SimDisk {
    fn get(&self, tree: Tree, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.lock().trees[tree_index(tree)].get(key).cloned())
    }

    fn scan_prefix(&self, tree: Tree, prefix: &[u8]) -> Result<Entries, StoreError> {
        Ok(self.lock().trees[tree_index(tree)]
            .range(prefix.to_vec()..)
            .take_while(|(key, _)| key.starts_with(prefix))
            .map(|(key, value)| (key.clone(), value.clone()))
            .collect())
    }

    fn apply(&self, batch: &Batch, durability: Durability) -> Result<(), StoreError> {
        let mut state = self.lock();
        let lazy = durability == Durability::Lazy || state.flush_is_lazy;
        for write in batch.writes() {
            let (tree, key, value) = match write {
                Write::Put { tree, key, value } => (tree_index(*tree), key, Some(value.clone())),
                Write::Delete { tree, key } => (tree_index(*tree), key, None),
            };
            let previous = match value {
                Some(value) => state.trees[tree].insert(key.clone(), value),
                None => state.trees[tree].remove(key),
            };
            if lazy {
                state.unflushed.push((tree, key.clone(), previous));
            }
        }
        if !lazy {
            state.unflushed.clear();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn put(disk: &SimDisk, key: &[u8], durability: Durability) {
        let mut batch = Batch::new();
        batch.put(Tree::Meta, key.to_vec(), b"value".to_vec());
        disk.apply(&batch, durability).unwrap();
    }

    #[test]
    fn a_crash_keeps_flushed_writes_and_may_lose_lazy_ones() {
        let mut lost_any = false;
        for seed in 0..16 {
            let disk = SimDisk::new(false);
            put(&disk, b"flushed", Durability::Flush);
            put(&disk, b"lazy", Durability::Lazy);
            disk.crash(&mut SimRng::new(seed));
            assert!(disk.get(Tree::Meta, b"flushed").unwrap().is_some());
            lost_any |= disk.get(Tree::Meta, b"lazy").unwrap().is_none();
        }
        assert!(lost_any, "some crash loses the lazy write");
    }

    #[test]
    fn a_flush_makes_earlier_lazy_writes_durable() {
        let disk = SimDisk::new(false);
        put(&disk, b"lazy", Durability::Lazy);
        put(&disk, b"flushed", Durability::Flush);
        for seed in 0..8 {
            disk.crash(&mut SimRng::new(seed));
            assert!(disk.get(Tree::Meta, b"lazy").unwrap().is_some());
        }
    }

    #[test]
    fn the_injected_bug_loses_flushed_writes() {
        let disk = SimDisk::new(true);
        put(&disk, b"flushed", Durability::Flush);
        disk.crash(&mut SimRng::new(0));
        assert!(disk.get(Tree::Meta, b"flushed").unwrap().is_none());
    }
}
