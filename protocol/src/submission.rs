//! Submissions: an owner's signed statement that its document, at these automerge heads, holds this
//! many records whose figures have this digest.
//!
//! Automerge change hashes form a hash DAG, so signing the heads covers every record and its whole
//! history. A document travels to the parent only as far as its latest signed heads; the parent
//! stores a change only if the heads it ends at are exactly the signed ones.

use schemas::figures::Figures;
use serde::{Deserialize, Serialize};
use topology::DivisionCode;

use crate::key::DocumentKey;
use crate::limits::{MAX_HEADS_PER_SUBMISSION, MAX_TEXT_BYTES};
use crate::signed::{Signed, SignedPayload};

/// What the owner of a document signs when it submits a period's return.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Submission {
    /// The document submitted.
    pub key: DocumentKey,
    /// The automerge heads of the document as submitted, sorted ascending.
    pub heads: Vec<[u8; 32]>,
    /// Records in the document at those heads, so a receiver can tell a truncated read.
    pub n_records: u64,
    /// SHA-256 digest of the figures computed from the records, so every receiver can check that
    /// its own computation agrees with the owner's.
    pub figures_digest: [u8; 32],
    /// The coefficient table the figures were computed with.
    pub coefficients_version: String,
    /// Increases by one with each submission of this document; the newest wins.
    pub sequence: u64,
    /// The owner's wall clock when it signed, in milliseconds since the Unix epoch.
    pub time_ms: i64,
}

impl SignedPayload for Submission {
    const DOMAIN: &'static [u8] = b"huizong/submission/1\0";
    const MAX_ENVELOPE_BYTES: usize = crate::limits::MAX_SUBMISSION_ENVELOPE_BYTES;

    fn signer(&self) -> DivisionCode {
        self.key.owner
    }

    /// Checks: between one and [`MAX_HEADS_PER_SUBMISSION`] heads, sorted without duplicates; a
    /// sequence of at least one; a coefficient version of bounded length.
    fn check(&self) -> Result<(), String> {
        if self.heads.is_empty() || self.heads.len() > MAX_HEADS_PER_SUBMISSION {
            return Err(format!(
                "a submission names 1 to {MAX_HEADS_PER_SUBMISSION} heads, this one {}",
                self.heads.len()
            ));
        }
        if !self.heads.windows(2).all(|pair| pair[0] < pair[1]) {
            return Err("the heads of a submission must be sorted and distinct".to_owned());
        }
        if self.sequence == 0 {
            return Err("submission sequence numbers start at 1".to_owned());
        }
        if self.coefficients_version.is_empty() || self.coefficients_version.len() > MAX_TEXT_BYTES
        {
            return Err("the coefficient version must be 1 to 1024 bytes".to_owned());
        }
        Ok(())
    }
}

impl Submission {
    /// The heads as automerge change hashes.
    pub fn change_hashes(&self) -> Vec<automerge::ChangeHash> {
        self.heads
            .iter()
            .map(|head| automerge::ChangeHash(*head))
            .collect()
    }

    /// Heads in the form a submission stores them: sorted, distinct.
    pub fn heads_from(hashes: &[automerge::ChangeHash]) -> Vec<[u8; 32]> {
        let mut heads: Vec<[u8; 32]> = hashes.iter().map(|hash| hash.0).collect();
        heads.sort_unstable();
        heads.dedup();
        heads
    }
}

/// A verified submission together with the figures its receiver computed from the document and
/// checked against the signed digest.
#[derive(Clone, Debug)]
pub struct AcceptedSubmission {
    pub submission: Signed<Submission>,
    pub figures: Figures,
}
