//! Loading and persisting automerge documents as a full save followed by incremental chunks.
//!
//! A document is stored as chunk 0 (a compacted `save`) and chunks 1.. (the changes since the
//! previous chunk). Loading replays them in order; a stored replica is checked after loading to end
//! exactly at the heads of its latest submission. What is on disk for each document is tracked
//! apart from the document itself, so that a replica moved out to a session and committed later
//! still appends to the right chunk. After [`MAX_CHUNKS_BEFORE_COMPACTION`] chunks the
//! next write replaces them all by one save, in the same atomic batch.

use automerge::{Automerge, ChangeHash, SaveOptions};
use protocol::authorization::has_queued_changes;
use protocol::inflation::load_document;
use protocol::limits::InflationLimits;
use protocol::{DocumentKey, Submission};

use super::{CoreError, NodeCore, keys};
use crate::store::{Batch, Durability, Tree};

/// Incremental chunks kept before a document is compacted into one save. Loading replays every
/// chunk, so a bound keeps loads fast; 64 small syncs cost less to replay than one full save of a
/// large document costs to write.
pub const MAX_CHUNKS_BEFORE_COMPACTION: u32 = 64;

/// Replicas kept loaded in memory. A region's province is a few hundred documents; a national
/// level holds thousands, each reloadable from disk in milliseconds, so only the recently used stay.
pub const MAX_LOADED_REPLICAS: usize = 512;

/// What is on disk for a document.
#[derive(Debug, Clone, Default)]
pub struct Persisted {
    /// Heads as of the last chunk written; empty when nothing is stored yet.
    pub heads: Vec<ChangeHash>,
    /// Chunks stored.
    pub n_chunks: u32,
    /// Bytes of those chunks: what the document takes in the store, for the quotas.
    pub stored_bytes: u64,
}

impl NodeCore {
    /// Reads a document's chunks from the store and replays them. `None` when nothing is stored.
    /// Every chunk is inflated within the document cap ([`InflationLimits`]) before automerge
    /// allocates for it, so a corrupt or planted chunk cannot exhaust memory.
    pub(super) fn read_document(
        &self,
        key: &DocumentKey,
    ) -> Result<Option<(Automerge, Persisted)>, CoreError> {
        let chunks = self
            .store
            .scan_prefix(Tree::Documents, &keys::document_key(key))?;
        if chunks.is_empty() {
            return Ok(None);
        }
        let corrupt = |reason: String| CoreError::CorruptDocument { key: *key, reason };
        let (document, _) = load_document(
            chunks.iter().map(|(_, chunk)| chunk.as_slice()),
            InflationLimits::default(),
        )
        .map_err(|error| corrupt(error.to_string()))?;
        if has_queued_changes(&document) {
            return Err(corrupt(
                crate::t!("node.core.reason.queued_changes").into_owned(),
            ));
        }
        let persisted = Persisted {
            heads: document.get_heads(),
            n_chunks: chunks.len() as u32,
            stored_bytes: chunks.iter().map(|(_, chunk)| chunk.len() as u64).sum(),
        };
        Ok(Some((document, persisted)))
    }

    /// A replica read from the store must end exactly at its latest submission's heads.
    pub(super) fn check_replica_heads(
        &self,
        key: &DocumentKey,
        document: &Automerge,
    ) -> Result<(), CoreError> {
        let Some(latest) = self.latest_submissions.get(key) else {
            return Err(CoreError::CorruptDocument {
                key: *key,
                reason: crate::t!("node.core.reason.replica_without_submission").into_owned(),
            });
        };
        if Submission::heads_from(&document.get_heads()) != latest.submission.payload().heads {
            return Err(CoreError::CorruptDocument {
                key: *key,
                reason: crate::t!("node.core.reason.heads_not_signed").into_owned(),
            });
        }
        Ok(())
    }

    /// The document held for `key` (the node's own draft or a replica), loaded if needed. A
    /// replica is checked to end at its owner's signed heads.
    pub(super) fn document_mut(
        &mut self,
        key: &DocumentKey,
    ) -> Result<Option<&mut Automerge>, CoreError> {
        if !self.documents.contains_key(key) {
            let Some((document, persisted)) = self.read_document(key)? else {
                return Ok(None);
            };
            if key.owner != self.code {
                self.check_replica_heads(key, &document)?;
            }
            self.persisted.insert(*key, persisted);
            self.documents.insert(*key, document);
            self.make_room(key);
        }
        Ok(self.documents.get_mut(key))
    }

    /// Unloads replicas beyond the node's limit ([`MAX_LOADED_REPLICAS`] unless set otherwise),
    /// keeping `keep` and the node's own drafts. Nothing is lost: a replica in memory is always
    /// the one on disk.
    pub(super) fn make_room(&mut self, keep: &DocumentKey) {
        let own = self.code;
        let limit = self.loaded_replicas_max;
        let loaded_replicas = self.documents.keys().filter(|key| key.owner != own).count();
        if loaded_replicas <= limit {
            return;
        }
        let excess = loaded_replicas - limit * 3 / 4;
        let unload: Vec<DocumentKey> = self
            .documents
            .keys()
            .filter(|key| key.owner != own && *key != keep)
            .take(excess)
            .copied()
            .collect();
        for key in unload {
            self.documents.remove(&key);
        }
    }

    /// Adds to `batch` what must be written for `loaded` to be on disk: its changes since the last
    /// chunk, or one compacted save. Returns what will be on disk once the batch is applied.
    pub(super) fn persist_into(
        key: &DocumentKey,
        document: &Automerge,
        persisted: &Persisted,
        batch: &mut Batch,
    ) -> Persisted {
        let heads = document.get_heads();
        if heads == persisted.heads && persisted.n_chunks > 0 {
            return persisted.clone();
        }
        if persisted.n_chunks == 0 || persisted.n_chunks >= MAX_CHUNKS_BEFORE_COMPACTION {
            for chunk_index in 1..persisted.n_chunks {
                batch.delete(Tree::Documents, keys::document_chunk(key, chunk_index));
            }
            // Changes automerge could not apply (missing dependencies) are never stored: no
            // signature covers them.
            let save = document.save_with_options(SaveOptions {
                deflate: true,
                retain_orphans: false,
            });
            let stored_bytes = save.len() as u64;
            batch.put(Tree::Documents, keys::document_chunk(key, 0), save);
            record_stored_bytes(batch, key, stored_bytes);
            Persisted {
                heads,
                n_chunks: 1,
                stored_bytes,
            }
        } else {
            let chunk = document.save_after(&persisted.heads);
            let stored_bytes = persisted.stored_bytes + chunk.len() as u64;
            batch.put(
                Tree::Documents,
                keys::document_chunk(key, persisted.n_chunks),
                chunk,
            );
            record_stored_bytes(batch, key, stored_bytes);
            Persisted {
                heads,
                n_chunks: persisted.n_chunks + 1,
                stored_bytes,
            }
        }
    }

    /// Writes the document held for `key` to disk, durably.
    pub(super) fn persist_document(&mut self, key: &DocumentKey) -> Result<(), CoreError> {
        let Some(document) = self.documents.get(key) else {
            return Ok(());
        };
        let mut batch = Batch::new();
        let persisted = self.persisted.get(key).cloned().unwrap_or_default();
        let persisted = Self::persist_into(key, document, &persisted, &mut batch);
        self.store.apply(&batch, Durability::Flush)?;
        self.note_stored_bytes(*key, persisted.stored_bytes);
        self.persisted.insert(*key, persisted);
        Ok(())
    }

    /// The document as of given heads: itself when it is there, otherwise a fork at them.
    pub(super) fn document_at(
        key: &DocumentKey,
        document: &Automerge,
        heads: &[[u8; 32]],
    ) -> Result<Option<Automerge>, CoreError> {
        if Submission::heads_from(&document.get_heads()) == heads {
            return Ok(None);
        }
        let hashes: Vec<ChangeHash> = heads.iter().map(|head| ChangeHash(*head)).collect();
        document
            .fork_at(&hashes)
            .map(Some)
            .map_err(|error| CoreError::CorruptDocument {
                key: *key,
                reason: crate::t!("node.core.reason.signed_heads_missing", error = error)
                    .into_owned(),
            })
    }
}

/// Records in the same batch how many bytes a document takes in the store, so that the quotas
/// know every document's size without reading it.
pub(super) fn record_stored_bytes(batch: &mut Batch, key: &DocumentKey, stored_bytes: u64) {
    batch.put(
        Tree::Meta,
        keys::document_bytes_key(key),
        stored_bytes.to_be_bytes().to_vec(),
    );
}
