//! Receipts: what the tree observed of a submission, signed by the owner's parent when it first
//! stores the submission, and the rules that rest on them.
//!
//! A receipt records the parent's clock and the revision of the root's lock of the document's
//! period that the parent held at that moment. While the root has a period closed (at lock
//! revision `r`), a submission counts in rollups only if its receipt says it reached the tree
//! before the parent held revision `r`: a county whose clock was set back cannot get a change
//! counted in a closed period by signing it with an earlier time. The rule for a county that was
//! offline: a submission signed before the lock that reaches its parent after the parent learned
//! of the lock is a late correction, held and shown but counted only if the root reopens the
//! period. Lateness against a deadline is judged by the receipt's time too.
//!
//! Two kinds of submissions have no receipt: the root's own (no one is above it; its own clock
//! and its own lock are compared), and those stored before receipts existed (store format 1) or
//! whose receipt has not arrived yet at an ancestor; for those the owner's signing time is
//! compared with the lock's time, and views say that the owner's clock was used.

use protocol::notice::Receipt;
use protocol::{AcceptedSubmission, Notice, NoticeBody, ObjectHash, Signed, Submission};
use schemas::{Ledger, Period};
use serde::{Deserialize, Serialize};

use super::{CoreError, NodeCore};

/// An owner's signing time more than this ahead of its parent's receipt means the owner's clock
/// is wrong: an honest owner signs before it sends, and the parent stores within seconds to
/// minutes of receiving. An hour allows for clocks a little off and slow links.
pub const OWNER_CLOCK_AHEAD_MAX_MS: i64 = 3_600_000;

/// An owner's signing time more than this before its parent's receipt is flagged: a county
/// offline for a month is possible, but a figure signed that long before it reached the tree, or
/// a clock set back, is worth a reviewer's look.
pub const OWNER_CLOCK_BEHIND_FLAG_MS: i64 = 30 * 86_400_000;

/// The root's closing of a period that is in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClosingLock {
    pub revision: u64,
    /// The root's clock when it closed the period.
    pub time_ms: i64,
}

/// How a submission's signing time compares with what the tree observed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "clock", rename_all = "snake_case")]
pub enum OwnerClock {
    /// Received by the parent at about the time it was signed.
    Consistent,
    /// Signed later than its parent received it: the owner's clock is ahead.
    Ahead { by_ms: i64 },
    /// Signed long before its parent received it: offline for long, or a clock set back.
    Behind { by_ms: i64 },
    /// No receipt is held (the root's own submission, or one stored before receipts existed):
    /// only the owner's clock is known.
    Unobserved,
}

impl NodeCore {
    /// When an object signed by a key since revoked was signed after the key was compromised (by
    /// the tree's receipt when one is held, else by the signer's own time), what to say of it.
    pub fn revoked_key_flag<T: protocol::signed::SignedPayload>(
        &self,
        signed: &Signed<T>,
        signed_at_ms: i64,
    ) -> Option<String> {
        let topology::KeyStatus::Revoked {
            compromised_since_ms,
            ..
        } = signed.key_status(&self.topology)?
        else {
            return None;
        };
        let when = self.received_at_ms(&signed.hash()).unwrap_or(signed_at_ms);
        (when >= compromised_since_ms).then(|| {
            crate::t!(
                "node.verify.revoked_key_flag",
                signer = signed.payload().signer(),
                since = crate::clock::beijing_time(compromised_since_ms)
            )
            .into_owned()
        })
    }

    /// Adds a verified notice to the receipt index when it is a receipt.
    pub(super) fn index_receipt(&mut self, notice: &Signed<Notice>) {
        if let NoticeBody::Receipt(receipt) = &notice.payload().body {
            self.receipts.insert(receipt.submission, notice.clone());
        }
    }

    /// The receipt held for a submission, with the parent's clock at receipt.
    pub fn receipt_of(&self, submission: &ObjectHash) -> Option<(&Receipt, i64)> {
        let notice = self.receipts.get(submission)?;
        match &notice.payload().body {
            NoticeBody::Receipt(receipt) => Some((receipt, notice.payload().time_ms)),
            _ => None,
        }
    }

    /// When the tree first saw a submission: its parent's receipt time, if held.
    pub fn received_at_ms(&self, submission: &ObjectHash) -> Option<i64> {
        self.receipt_of(submission).map(|(_, time_ms)| time_ms)
    }

    /// How a submission's signing time compares with its receipt.
    pub fn owner_clock(&self, accepted: &AcceptedSubmission) -> OwnerClock {
        let Some(received_ms) = self.received_at_ms(&accepted.submission.hash()) else {
            return OwnerClock::Unobserved;
        };
        let skew = accepted.submission.payload().time_ms - received_ms;
        if skew > OWNER_CLOCK_AHEAD_MAX_MS {
            OwnerClock::Ahead { by_ms: skew }
        } else if -skew > OWNER_CLOCK_BEHIND_FLAG_MS {
            OwnerClock::Behind { by_ms: -skew }
        } else {
            OwnerClock::Consistent
        }
    }

    /// The highest revision of the root's lock of (ledger, period) held; 0 when none.
    pub fn lock_revision_held(&self, ledger: Ledger, period: Period) -> u64 {
        self.notices
            .values()
            .filter_map(|notice| match &notice.payload().body {
                NoticeBody::Lock(lock) if lock.ledger == ledger && lock.period == period => {
                    Some(lock.revision)
                }
                _ => None,
            })
            .max()
            .unwrap_or(0)
    }

    /// The root's closing of (ledger, period) in force, if its latest lock closes it.
    pub fn closing_lock(&self, ledger: Ledger, period: Period) -> Option<ClosingLock> {
        self.notices
            .values()
            .filter_map(|notice| match &notice.payload().body {
                NoticeBody::Lock(lock) if lock.ledger == ledger && lock.period == period => Some((
                    lock.revision,
                    notice.hash().0,
                    lock.closed,
                    notice.payload().time_ms,
                )),
                _ => None,
            })
            .max_by_key(|(revision, hash, _, _)| (*revision, *hash))
            .and_then(|(revision, _, closed, time_ms)| {
                closed.then_some(ClosingLock { revision, time_ms })
            })
    }

    /// Whether a submission counts while `lock` closes its period: it reached the tree before the
    /// closing did (by its receipt), or, with no receipt, it was signed before the lock.
    pub fn counts_while_closed(&self, accepted: &AcceptedSubmission, lock: ClosingLock) -> bool {
        let payload = accepted.submission.payload();
        let is_root = self.topology.parent_of(payload.key.owner).is_none();
        match self.receipt_of(&accepted.submission.hash()) {
            Some((receipt, _)) if !is_root => receipt.lock_revision_held < lock.revision,
            _ => payload.time_ms <= lock.time_ms,
        }
    }

    /// The receipt this node signs for a child's submission it is about to store, when it is
    /// the owner's parent: written in the same batch as the replica, so a stored submission of a
    /// child never lacks its receipt. Timed by the node's wall clock (`set_wall_clock`).
    pub(super) fn receipt_for(
        &self,
        submission: &Signed<Submission>,
    ) -> Result<Option<Signed<Notice>>, CoreError> {
        let key = submission.payload().key;
        if self.topology.parent_of(key.owner) != Some(self.code) {
            return Ok(None);
        }
        let receipt = Receipt {
            key,
            sequence: submission.payload().sequence,
            submission: submission.hash(),
            lock_revision_held: self.lock_revision_held(key.ledger, key.period),
            topology_version: self.topology.version(),
        };
        let notice = Notice {
            signer: self.code,
            time_ms: self.wall_clock_ms,
            body: NoticeBody::Receipt(receipt),
        };
        Ok(Some(Signed::sign(
            notice,
            &self.signing_key,
            &self.topology,
        )?))
    }

    /// Takes into memory a receipt just written with its replica.
    pub(super) fn hold_receipt(&mut self, receipt: Signed<Notice>) {
        self.index_receipt(&receipt);
        self.notices.insert(receipt.hash(), receipt);
    }
}
