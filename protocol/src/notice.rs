//! Notices: signed statements about the reporting workflow that travel both ways on a tree edge,
//! as opposed to submissions and rollups, which only go up.
//!
//! A review decision is made by the parent of a document's owner, about one signed submission:
//! accepted, or returned with a reason. The decision goes down to the owner (so the clerk sees the
//! reason) and up to every ancestor (so a figure that includes unaccepted input is known to be
//! provisional all the way up). Notices form a grow-only set: every node keeps every notice it may
//! see, each identified by its hash, and a session sends the peer those it has not sent it yet.

use serde::{Deserialize, Serialize};
use topology::{DivisionCode, Topology};

use crate::key::DocumentKey;
use crate::limits::MAX_TEXT_BYTES;
use crate::refusal::RefusalReason;
use crate::signed::{ObjectHash, Signed, SignedPayload};

/// A signed statement about the reporting workflow.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    /// The node whose key signed it.
    pub signer: DivisionCode,
    /// The signer's wall clock when it signed, milliseconds since the Unix epoch.
    pub time_ms: i64,
    /// What it states.
    pub body: NoticeBody,
}

/// What a notice states.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum NoticeBody {
    /// A review decision on one submission.
    Decision(Decision),
}

/// A parent's decision on one of its child's submissions.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    /// The document reviewed.
    pub key: DocumentKey,
    /// The sequence of the submission reviewed.
    pub sequence: u64,
    /// The hash of the signed submission reviewed, so the decision cannot be moved to another.
    pub submission: ObjectHash,
    /// What the reviewer decided.
    pub verdict: Verdict,
}

/// A reviewer's verdict.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Verdict {
    /// The submission is accepted: figures that include it are final as far as it goes.
    Accepted,
    /// The submission is returned for correction, with the reason the clerk reads.
    Returned { reason: String },
}

impl SignedPayload for Notice {
    const DOMAIN: &'static [u8] = b"huizong/notice/1\0";

    fn signer(&self) -> DivisionCode {
        self.signer
    }

    /// Checks: a decision names a submission sequence of at least one, and a returned one a reason
    /// of 1 to [`MAX_TEXT_BYTES`] bytes.
    fn check(&self) -> Result<(), String> {
        match &self.body {
            NoticeBody::Decision(decision) => {
                if decision.sequence == 0 {
                    return Err("a decision names a submission sequence of at least 1".to_owned());
                }
                if let Verdict::Returned { reason } = &decision.verdict
                    && (reason.trim().is_empty() || reason.len() > MAX_TEXT_BYTES)
                {
                    return Err(format!(
                        "a returned submission needs a reason of 1 to {MAX_TEXT_BYTES} bytes"
                    ));
                }
                Ok(())
            }
        }
    }
}

impl Notice {
    /// The document a notice is about.
    pub fn key(&self) -> DocumentKey {
        match &self.body {
            NoticeBody::Decision(decision) => decision.key,
        }
    }
}

/// Checks that the signer of a verified notice may make it: a decision is made by the parent of
/// the document's owner, and by no one else.
pub fn check_authority(notice: &Signed<Notice>, topology: &Topology) -> Result<(), RefusalReason> {
    let payload = notice.payload();
    match &payload.body {
        NoticeBody::Decision(decision) => {
            let reviewer = topology.parent_of(decision.key.owner);
            if reviewer != Some(payload.signer) {
                return Err(RefusalReason::NotTheReviewer {
                    signer: payload.signer,
                    owner: decision.key.owner,
                });
            }
            Ok(())
        }
    }
}

/// Whether `node` is `ancestor` or below it.
pub fn is_in_subtree(topology: &Topology, node: DivisionCode, ancestor: DivisionCode) -> bool {
    let mut current = Some(node);
    while let Some(code) = current {
        if code == ancestor {
            return true;
        }
        current = topology.parent_of(code);
    }
    false
}
