//! The core as the protocol sees it: the [`Replicas`] implementation sessions run against.

use automerge::Automerge;
use automerge::sync::State as SyncState;
use protocol::{
    AcceptedSubmission, DocumentKey, ObjectHash, RefusalReason, Replicas, Rollup, Signed,
    StoreFailure, Submission, TopologyAdoption,
};
use schemas::figures::Figures;
use schemas::{Ledger, Period};
use topology::{DivisionCode, Topology};

use super::{CoreError, NodeCore, keys};
use crate::store::{Batch, Durability, Tree};

fn failure(error: CoreError) -> StoreFailure {
    StoreFailure(error.to_string())
}

impl Replicas for NodeCore {
    fn topology(&self) -> &Topology {
        &self.topology
    }

    fn offerable_submissions(&self) -> Result<Vec<Signed<Submission>>, StoreFailure> {
        Ok(self
            .latest_submissions
            .values()
            .map(|accepted| accepted.submission.clone())
            .collect())
    }

    fn offerable_rollups(&self) -> Result<Vec<Signed<Rollup>>, StoreFailure> {
        Ok(self.latest_rollups.values().cloned().collect())
    }

    fn latest_submission(
        &self,
        key: &DocumentKey,
    ) -> Result<Option<Signed<Submission>>, StoreFailure> {
        Ok(self
            .latest_submissions
            .get(key)
            .map(|accepted| accepted.submission.clone()))
    }

    fn with_published_document<T>(
        &mut self,
        key: &DocumentKey,
        work: impl FnOnce(&mut Automerge) -> T,
    ) -> Result<Option<T>, StoreFailure> {
        let Some(latest) = self.latest_submissions.get(key) else {
            return Ok(None);
        };
        let heads = latest.submission.payload().heads.clone();
        if self.published.get(key).is_some_and(|(at, _)| *at == heads) {
            let (_, document) = self.published.get_mut(key).expect("just checked");
            return Ok(Some(work(document)));
        }
        let Some(document) = self.document_mut(key).map_err(failure)? else {
            return Ok(None);
        };
        // The owner's draft may have moved past its latest submission; only the signed state
        // leaves the node, so work on a fork at the signed heads.
        match Self::document_at(key, document, &heads).map_err(failure)? {
            None => Ok(Some(work(document))),
            Some(fork) => {
                self.published.insert(*key, (heads, fork));
                let (_, document) = self.published.get_mut(key).expect("just inserted");
                Ok(Some(work(document)))
            }
        }
    }

    fn take_replica(&mut self, key: &DocumentKey) -> Result<Automerge, StoreFailure> {
        if let Some(document) = self.documents.remove(key) {
            return Ok(document);
        }
        match self.read_document(key).map_err(failure)? {
            Some((document, persisted)) => {
                self.check_replica_heads(key, &document).map_err(failure)?;
                self.persisted.insert(*key, persisted);
                Ok(document)
            }
            None => Ok(Automerge::new()),
        }
    }

    fn commit_replica(
        &mut self,
        submission: &Signed<Submission>,
        figures: &Figures,
        document: Automerge,
    ) -> Result<Result<(), RefusalReason>, StoreFailure> {
        let key = submission.payload().key;
        if self
            .latest_submissions
            .get(&key)
            .is_some_and(|held| held.submission.payload().sequence >= submission.payload().sequence)
        {
            // Another session stored this or a newer submission meanwhile.
            return Ok(Ok(()));
        }
        let mut batch = Batch::new();
        let persisted = self.persisted.get(&key).cloned().unwrap_or_default();
        let persisted = Self::persist_into(&key, &document, &persisted, &mut batch);
        if let Err(reason) = self.check_storage_quota(&key, persisted.stored_bytes) {
            return Ok(Err(reason));
        }
        let stored_bytes = persisted.stored_bytes;
        let receipt = self.receipt_for(submission).map_err(failure)?;
        if let Some(receipt) = &receipt {
            batch.put(Tree::Notices, receipt.hash().0.to_vec(), receipt.to_bytes());
        }
        self.store_submission(
            AcceptedSubmission {
                submission: submission.clone(),
                figures: figures.clone(),
            },
            batch,
        )
        .map_err(failure)?;
        if let Some(receipt) = receipt {
            self.hold_receipt(receipt);
        }
        self.persisted.insert(key, persisted);
        self.note_stored_bytes(key, stored_bytes);
        self.documents.insert(key, document);
        self.published.remove(&key);
        self.make_room(&key);
        Ok(Ok(()))
    }

    fn admit_submission(
        &mut self,
        peer: DivisionCode,
        now_ms: u64,
    ) -> Result<Result<(), RefusalReason>, StoreFailure> {
        Ok(NodeCore::admit_submission(self, peer, now_ms))
    }

    fn sync_state(&self, peer: DivisionCode, key: &DocumentKey) -> Result<SyncState, StoreFailure> {
        let stored = self
            .store
            .get(Tree::SyncStates, &keys::sync_state(peer, key))
            .map_err(|error| StoreFailure(error.to_string()))?;
        // A sync state only saves work; one that does not decode is replaced by a fresh one.
        Ok(stored
            .and_then(|bytes| SyncState::decode(&bytes).ok())
            .unwrap_or_default())
    }

    fn save_sync_state(
        &mut self,
        peer: DivisionCode,
        key: &DocumentKey,
        state: &SyncState,
    ) -> Result<(), StoreFailure> {
        let mut batch = Batch::new();
        batch.put(
            Tree::SyncStates,
            keys::sync_state(peer, key),
            state.encode(),
        );
        self.store
            .apply(&batch, Durability::Lazy)
            .map_err(|error| StoreFailure(error.to_string()))
    }

    fn submission_by_hash(
        &self,
        hash: &ObjectHash,
    ) -> Result<Option<AcceptedSubmission>, StoreFailure> {
        if let Some(latest) = self
            .latest_submissions
            .values()
            .find(|accepted| accepted.submission.hash() == *hash)
        {
            return Ok(Some(latest.clone()));
        }
        self.load_submission(hash).map_err(failure)
    }

    fn rollup_by_hash(&self, hash: &ObjectHash) -> Result<Option<Signed<Rollup>>, StoreFailure> {
        if let Some(latest) = self
            .latest_rollups
            .values()
            .find(|rollup| rollup.hash() == *hash)
        {
            return Ok(Some(latest.clone()));
        }
        self.load_rollup(hash).map_err(failure)
    }

    fn latest_rollup(
        &self,
        node: DivisionCode,
        ledger: Ledger,
        period: Period,
    ) -> Result<Option<Signed<Rollup>>, StoreFailure> {
        Ok(self.latest_rollups.get(&(node, ledger, period)).cloned())
    }

    fn store_rollup(&mut self, rollup: &Signed<Rollup>) -> Result<(), StoreFailure> {
        self.put_rollup(rollup.clone()).map_err(failure)
    }

    fn notices_for_peer(
        &self,
        peer: DivisionCode,
    ) -> Result<Vec<Signed<protocol::Notice>>, StoreFailure> {
        Ok(self.notices_for(peer))
    }

    fn notices_about_subtree(
        &self,
        node: DivisionCode,
    ) -> Result<Vec<Signed<protocol::Notice>>, StoreFailure> {
        Ok(self.notices_about(node))
    }

    fn is_return_defined(&self, ledger: Ledger, period: Period) -> Result<bool, StoreFailure> {
        Ok(self.definition_of(ledger, period).is_some())
    }

    fn store_notice(&mut self, notice: &Signed<protocol::Notice>) -> Result<bool, StoreFailure> {
        self.put_received_notice(notice).map_err(failure)
    }

    fn counted_submission_hash(
        &self,
        key: &DocumentKey,
    ) -> Result<Option<ObjectHash>, StoreFailure> {
        Ok(self
            .counted_submission(key)
            .map_err(failure)?
            .map(|held| held.submission.hash()))
    }

    fn receipt_topology_version(
        &self,
        submission: &ObjectHash,
    ) -> Result<Option<u64>, StoreFailure> {
        Ok(self
            .receipt_of(submission)
            .map(|(receipt, _)| receipt.topology_version))
    }

    fn holds_notice(&self, hash: &ObjectHash) -> Result<bool, StoreFailure> {
        Ok(self.notices.contains_key(hash))
    }

    fn adopt_topology(&mut self, text: &str) -> Result<TopologyAdoption, StoreFailure> {
        self.adopt_topology_text(text).map_err(failure)
    }
}

impl NodeCore {
    /// Stores a rollup (ours or a checked one from a child) as the latest for its key, durably.
    pub(super) fn put_rollup(&mut self, rollup: Signed<Rollup>) -> Result<(), CoreError> {
        let payload = rollup.payload();
        let mut batch = Batch::new();
        batch.put(Tree::Rollups, rollup.hash().0.to_vec(), rollup.to_bytes());
        batch.put(
            Tree::LatestRollups,
            keys::ledger_period_key(payload.node, payload.ledger, payload.period),
            rollup.hash().0.to_vec(),
        );
        self.store.apply(&batch, Durability::Flush)?;
        self.latest_rollups
            .insert((payload.node, payload.ledger, payload.period), rollup);
        self.generation += 1;
        Ok(())
    }
}
