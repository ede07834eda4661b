//! Which keys may sign new objects. A signature by a key the topology still names verifies (so
//! stored objects load), but a node takes a *new* object from a peer only when:
//!
//! - its key is the signer's current key; or
//! - its key was retired (rotated) in topology version `v` and the object was received by the
//!   tree before that: a receipt of it by the owner's parent, made under a topology older than
//!   `v`, is held (a county's old submission relayed late by its city). A receipt itself counts
//!   when it says it was made before `v`. Rollups and other notices by a retired key are refused:
//!   their signer re-signs them with its new key;
//! - never when its key was revoked (compromised).

use crate::notice::{Notice, NoticeBody};
use crate::refusal::RefusalReason;
use crate::signed::{ObjectHash, Signed, SignedPayload};
use topology::{KeyStatus, Topology};

/// Whether a new object signed as `signed` may be taken; `receipt_version` gives the topology
/// version of the tree's receipt of it, if one is held.
pub fn check_key_for_new<T: SignedPayload>(
    signed: &Signed<T>,
    topology: &Topology,
    receipt_version: impl FnOnce(&ObjectHash) -> Option<u64>,
) -> Result<(), RefusalReason> {
    let signer = signed.payload().signer();
    match signed.key_status(topology) {
        Some(KeyStatus::Current) => Ok(()),
        Some(KeyStatus::Retired { retired_in_version }) => match receipt_version(&signed.hash()) {
            Some(version) if version < retired_in_version => Ok(()),
            _ => Err(RefusalReason::RetiredKey {
                signer,
                retired_in_version,
            }),
        },
        Some(KeyStatus::Revoked { .. }) | None => Err(RefusalReason::RevokedKey { signer }),
    }
}

/// The same for a notice: a receipt by a retired key counts when it records that it was made
/// under a topology older than the retirement.
pub fn check_notice_key(notice: &Signed<Notice>, topology: &Topology) -> Result<(), RefusalReason> {
    let made_under = match &notice.payload().body {
        NoticeBody::Receipt(receipt) => Some(receipt.topology_version),
        _ => None,
    };
    check_key_for_new(notice, topology, |_| made_under)
}
