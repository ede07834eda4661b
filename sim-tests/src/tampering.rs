//! A child whose answers can be tampered with, standing in for a modified county binary: it
//! serves other documents than the signed ones, offers submissions and rollups it should not.
//! Tests use it to show what a parent refuses.

use std::collections::HashMap;

use automerge::Automerge;
use automerge::sync::State as SyncState;
use node::core::NodeCore;
use protocol::{
    AcceptedSubmission, DocumentKey, ObjectHash, Replicas, Rollup, Signed, StoreFailure, Submission,
};
use schemas::figures::Figures;
use schemas::{Ledger, Period};
use topology::{DivisionCode, Topology};

/// A child whose answers can be tampered with, standing in for a modified county binary.
#[derive(Debug)]
pub struct Tampering<'core> {
    pub core: &'core mut NodeCore,
    /// Documents served instead of the signed state (for example a draft with unsigned changes).
    pub served_instead: HashMap<DocumentKey, Automerge>,
    /// Submissions offered besides the honest ones.
    pub extra_offers: Vec<Signed<Submission>>,
    /// Rollups sent besides the honest ones.
    pub extra_rollups: Vec<Signed<Rollup>>,
    /// Notices sent besides the honest ones (forged decisions).
    pub extra_notices: Vec<Signed<protocol::Notice>>,
}

impl<'core> Tampering<'core> {
    pub fn new(core: &'core mut NodeCore) -> Self {
        Self {
            core,
            served_instead: HashMap::new(),
            extra_offers: Vec::new(),
            extra_rollups: Vec::new(),
            extra_notices: Vec::new(),
        }
    }
}

impl Replicas for Tampering<'_> {
    fn topology(&self) -> &Topology {
        self.core.topology()
    }
    fn offerable_submissions(&self) -> Result<Vec<Signed<Submission>>, StoreFailure> {
        let mut offers = self.core.offerable_submissions()?;
        offers.extend(self.extra_offers.iter().cloned());
        Ok(offers)
    }
    fn offerable_rollups(&self) -> Result<Vec<Signed<Rollup>>, StoreFailure> {
        let mut rollups = self.core.offerable_rollups()?;
        rollups.extend(self.extra_rollups.iter().cloned());
        Ok(rollups)
    }
    fn latest_submission(
        &self,
        key: &DocumentKey,
    ) -> Result<Option<Signed<Submission>>, StoreFailure> {
        if let Some(extra) = self.extra_offers.iter().find(|s| s.payload().key == *key) {
            return Ok(Some(extra.clone()));
        }
        self.core.latest_submission(key)
    }
    fn with_published_document<T>(
        &mut self,
        key: &DocumentKey,
        work: impl FnOnce(&mut Automerge) -> T,
    ) -> Result<Option<T>, StoreFailure> {
        if let Some(document) = self.served_instead.get_mut(key) {
            return Ok(Some(work(document)));
        }
        self.core.with_published_document(key, work)
    }
    fn take_replica(&mut self, key: &DocumentKey) -> Result<Automerge, StoreFailure> {
        self.core.take_replica(key)
    }
    fn commit_replica(
        &mut self,
        submission: &Signed<Submission>,
        figures: &Figures,
        document: Automerge,
    ) -> Result<Result<(), protocol::RefusalReason>, StoreFailure> {
        self.core.commit_replica(submission, figures, document)
    }
    fn admit_submission(
        &mut self,
        peer: DivisionCode,
        now_ms: u64,
    ) -> Result<Result<(), protocol::RefusalReason>, StoreFailure> {
        Replicas::admit_submission(self.core, peer, now_ms)
    }
    fn sync_state(&self, peer: DivisionCode, key: &DocumentKey) -> Result<SyncState, StoreFailure> {
        self.core.sync_state(peer, key)
    }
    fn save_sync_state(
        &mut self,
        peer: DivisionCode,
        key: &DocumentKey,
        state: &SyncState,
    ) -> Result<(), StoreFailure> {
        self.core.save_sync_state(peer, key, state)
    }
    fn submission_by_hash(
        &self,
        hash: &ObjectHash,
    ) -> Result<Option<AcceptedSubmission>, StoreFailure> {
        self.core.submission_by_hash(hash)
    }
    fn rollup_by_hash(&self, hash: &ObjectHash) -> Result<Option<Signed<Rollup>>, StoreFailure> {
        self.core.rollup_by_hash(hash)
    }
    fn latest_rollup(
        &self,
        node: DivisionCode,
        ledger: Ledger,
        period: Period,
    ) -> Result<Option<Signed<Rollup>>, StoreFailure> {
        self.core.latest_rollup(node, ledger, period)
    }
    fn store_rollup(&mut self, rollup: &Signed<Rollup>) -> Result<(), StoreFailure> {
        self.core.store_rollup(rollup)
    }

    fn notices_for_peer(
        &self,
        peer: DivisionCode,
    ) -> Result<Vec<Signed<protocol::Notice>>, StoreFailure> {
        let mut notices = self.core.notices_for_peer(peer)?;
        notices.extend(self.extra_notices.iter().cloned());
        Ok(notices)
    }

    fn notices_about_subtree(
        &self,
        node: DivisionCode,
    ) -> Result<Vec<Signed<protocol::Notice>>, StoreFailure> {
        self.core.notices_about_subtree(node)
    }

    fn is_return_defined(&self, ledger: Ledger, period: Period) -> Result<bool, StoreFailure> {
        self.core.is_return_defined(ledger, period)
    }

    fn store_notice(&mut self, notice: &Signed<protocol::Notice>) -> Result<bool, StoreFailure> {
        self.core.store_notice(notice)
    }

    fn counted_submission_hash(
        &self,
        key: &DocumentKey,
    ) -> Result<Option<ObjectHash>, StoreFailure> {
        self.core.counted_submission_hash(key)
    }

    fn receipt_topology_version(
        &self,
        submission: &ObjectHash,
    ) -> Result<Option<u64>, StoreFailure> {
        self.core.receipt_topology_version(submission)
    }

    fn holds_notice(&self, hash: &ObjectHash) -> Result<bool, StoreFailure> {
        self.core.holds_notice(hash)
    }

    fn adopt_topology(&mut self, text: &str) -> Result<protocol::TopologyAdoption, StoreFailure> {
        self.core.adopt_topology(text)
    }
}
