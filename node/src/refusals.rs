//! What a node refused from a peer, in the reader's language: the protocol crate says why in its
//! own types ([`protocol::RefusalReason`]), with no catalogue; the node words them here for
//! `status` and the log. Details a reason carries (a rule's text, a decoder's complaint) are
//! quoted as they came.

use protocol::inflation::{Cap, CapExceeded, Measure};
use protocol::signed::SignedError;
use protocol::{Refusal, RefusalReason};

use crate::t;

/// One refusal as a line: what, from which peer, and why.
pub fn refusal_text(refusal: &Refusal) -> String {
    t!(
        "node.refusal.line",
        subject = refusal.subject,
        peer = refusal.peer,
        reason = reason_text(&refusal.reason)
    )
    .into_owned()
}

/// Why an object was refused.
pub fn reason_text(reason: &RefusalReason) -> String {
    use RefusalReason as R;
    match reason {
        R::Signature(error) => signed_text(error),
        R::NotInPeerSubtree { signer, peer } => {
            t!(
                "node.refusal.not_in_peer_subtree",
                signer = signer,
                peer = peer
            )
        }
        R::ChangesNotCoveredBySignature => t!("node.refusal.changes_not_covered"),
        R::RewindsDocument => t!("node.refusal.rewinds_document"),
        R::WrongDocument { found } => t!("node.refusal.wrong_document", found = found),
        R::MalformedDocument { reason } => t!("node.refusal.malformed_document", reason = reason),
        R::RecordCountMismatch { signed, found } => t!(
            "node.refusal.record_count_mismatch",
            signed = signed,
            found = found
        ),
        R::FiguresDigestMismatch => t!("node.refusal.figures_digest_mismatch"),
        R::UnknownCoefficients { version } => {
            t!("node.refusal.unknown_coefficients", version = version)
        }
        R::FiguresUncomputable { reason } => {
            t!("node.refusal.figures_uncomputable", reason = reason)
        }
        R::RecordsBreakRules { finding } => {
            t!("node.refusal.records_break_rules", finding = finding)
        }
        R::BadSyncMessage { reason } => t!("node.refusal.bad_sync_message", reason = reason),
        R::WriteFromParent => t!("node.refusal.write_from_parent"),
        R::TooManySyncRounds { rounds } => t!("node.refusal.too_many_sync_rounds", rounds = rounds),
        R::SyncStalled { milliseconds } => {
            t!("node.refusal.sync_stalled", milliseconds = milliseconds)
        }
        R::RollupInputsInvalid { reason } => {
            t!("node.refusal.rollup_inputs_invalid", reason = reason)
        }
        R::RollupInputMissing { input } => t!("node.refusal.rollup_input_missing", input = input),
        R::RollupFiguresMismatch { figure } => {
            t!("node.refusal.rollup_figures_mismatch", figure = figure)
        }
        R::UnrequestedSync => t!("node.refusal.unrequested_sync"),
        R::QueueFull { limit } => t!("node.refusal.queue_full", limit = limit),
        R::NotTheReviewer { signer, owner } => {
            t!(
                "node.refusal.not_the_reviewer",
                signer = signer,
                owner = owner
            )
        }
        R::NotTheRoot { signer, root } => {
            t!("node.refusal.not_the_root", signer = signer, root = root)
        }
        R::ReturnNotDefined { ledger, period } => t!(
            "node.refusal.return_not_defined",
            ledger = ledger,
            period = period
        ),
        R::DefinitionFromChild => t!("node.refusal.definition_from_child"),
        R::NoticeNotForPeer { owner, peer } => {
            t!(
                "node.refusal.notice_not_for_peer",
                owner = owner,
                peer = peer
            )
        }
        R::DuplicateSubmission { held } => t!("node.refusal.duplicate_submission", held = held),
        R::RollupInputNotCounted { input, reason } => t!(
            "node.refusal.rollup_input_not_counted",
            input = input,
            reason = reason
        ),
        R::TopologyRefused { reason } => t!("node.refusal.topology_refused", reason = reason),
        R::RetiredKey {
            signer,
            retired_in_version,
        } => t!(
            "node.refusal.retired_key",
            signer = signer,
            version = retired_in_version
        ),
        R::RevokedKey { signer } => t!("node.refusal.revoked_key", signer = signer),
        R::QuotaExceeded { what, limit } => {
            t!("node.refusal.quota_exceeded", what = what, limit = limit)
        }
        R::DiskReservedForSiblings {
            child,
            used_bytes,
            share_bytes,
            available_bytes,
        } => t!(
            "node.refusal.disk_reserved_for_siblings",
            child = child,
            used = used_bytes,
            share = share_bytes,
            available = available_bytes
        ),
        R::Storage { reason } => t!("node.refusal.storage", reason = reason),
        R::InflatesPastCap(cap) => cap_text(cap).into(),
    }
    .into_owned()
}

/// Why a signed object was refused.
fn signed_text(error: &SignedError) -> std::borrow::Cow<'static, str> {
    match error {
        SignedError::Malformed { reason } => t!("node.refusal.signed.malformed", reason = reason),
        SignedError::OutOfBounds { reason } => {
            t!("node.refusal.signed.out_of_bounds", reason = reason)
        }
        SignedError::UnknownSigner { signer } => {
            t!("node.refusal.signed.unknown_signer", signer = signer)
        }
        SignedError::KeyNotBound { signer, key } => t!(
            "node.refusal.signed.key_not_bound",
            signer = signer,
            key = key
        ),
        SignedError::BadSignature { signer } => {
            t!("node.refusal.signed.bad_signature", signer = signer)
        }
        SignedError::OwnKeyNotBound { signer } => {
            t!("node.refusal.signed.own_key_not_bound", signer = signer)
        }
        SignedError::TooLarge { bytes, limit } => t!(
            "node.refusal.signed.too_large",
            bytes = bytes,
            limit = limit
        ),
    }
}

/// automerge data that would inflate past a cap.
fn cap_text(cap: &CapExceeded) -> String {
    let which = match cap.cap {
        Cap::Message { wire_bytes } => {
            t!("node.refusal.cap.message", wire_bytes = wire_bytes).into_owned()
        }
        Cap::Document => t!("node.refusal.cap.document").into_owned(),
    };
    let measure = match cap.measure {
        Measure::InflatedBytes => t!("node.refusal.cap.inflated_bytes"),
        Measure::Operations => t!("node.refusal.cap.operations"),
    };
    t!(
        "node.refusal.cap.exceeded",
        which = which,
        measure = measure,
        limit = cap.limit,
        reached = cap.reached
    )
    .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use schemas::i18n::Language;
    use topology::DivisionCode;

    #[test]
    fn a_refusal_reads_in_chinese_with_its_peer_and_details() {
        let refusal = Refusal {
            peer: DivisionCode::parse("640104000000").unwrap(),
            subject: "640104000000/energy/2025".to_owned(),
            reason: RefusalReason::RecordCountMismatch {
                signed: 10,
                found: 12,
            },
        };
        // Chinese is the default; no test of this crate switches the language, which is global.
        assert_eq!(Language::current(), Language::Chinese);
        let chinese = refusal_text(&refusal);
        assert_eq!(
            chinese,
            "拒收来自 640104000000 的 640104000000/energy/2025：报送签名的记录数为 10，台账中却有 12 条"
        );
    }
}
