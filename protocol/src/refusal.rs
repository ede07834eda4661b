//! Refusals: what a node declines to store from a peer, and why.
//!
//! A refusal is not an error of the session: the session goes on, the object is not stored, and
//! the driver logs and counts it. Only a peer that breaks the protocol itself (a malformed frame,
//! a message out of turn) ends the session.

use std::fmt;

use topology::DivisionCode;

use crate::inflation::CapExceeded;
use crate::signed::SignedError;

/// One object refused from one peer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The peer that sent it.
    pub peer: DivisionCode,
    /// What was refused: a document key, a rollup, a message.
    pub subject: String,
    pub reason: RefusalReason,
}

impl fmt::Display for Refusal {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            formatter,
            "refused {} from peer {}: {}",
            self.subject, self.peer, self.reason
        )
    }
}

/// Why an object was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RefusalReason {
    #[error("{0}")]
    Signature(#[from] SignedError),
    #[error("{signer} is not in the subtree of {peer}, so {peer} may not send its objects")]
    NotInPeerSubtree {
        signer: DivisionCode,
        peer: DivisionCode,
    },
    #[error("the document holds changes its owner's signature does not cover")]
    ChangesNotCoveredBySignature,
    #[error("the submission's heads are older than the replica already held")]
    RewindsDocument,
    #[error("the document's metadata names {found}, not the submitted key")]
    WrongDocument { found: String },
    #[error("the document cannot be read: {reason}")]
    MalformedDocument { reason: String },
    #[error("the submission counts {signed} records but the document holds {found}")]
    RecordCountMismatch { signed: u64, found: u64 },
    #[error("the figures computed from the document do not match the signed digest")]
    FiguresDigestMismatch,
    #[error("unknown coefficient table {version:?}")]
    UnknownCoefficients { version: String },
    #[error("the figures cannot be computed: {reason}")]
    FiguresUncomputable { reason: String },
    #[error("the records break a rule of the ledger: {finding}")]
    RecordsBreakRules { finding: String },
    #[error("the sync message cannot be decoded or applied: {reason}")]
    BadSyncMessage { reason: String },
    #[error("the peer tried to write changes into a document we own or relay")]
    WriteFromParent,
    #[error("the document sync took more than {rounds} rounds")]
    TooManySyncRounds { rounds: u32 },
    #[error("the document sync made no progress for {milliseconds} ms")]
    SyncStalled { milliseconds: u64 },
    #[error("the rollup's inputs are not as the tree calls for: {reason}")]
    RollupInputsInvalid { reason: String },
    #[error("the rollup lists input {input} which has not been received")]
    RollupInputMissing { input: String },
    #[error("the rollup's figures are not the sum of its inputs (first difference: {figure})")]
    RollupFiguresMismatch { figure: String },
    #[error("a sync for a document that was not requested")]
    UnrequestedSync,
    #[error("the waiting queue is full ({limit} documents)")]
    QueueFull { limit: usize },
    #[error("{signer} may not review documents of {owner}: only its parent may")]
    NotTheReviewer {
        signer: DivisionCode,
        owner: DivisionCode,
    },
    #[error("{signer} may not define, close or reopen returns: only the root ({root}) may")]
    NotTheRoot {
        signer: DivisionCode,
        root: DivisionCode,
    },
    #[error("return {ledger}/{period} is not defined by the root")]
    ReturnNotDefined {
        ledger: schemas::Ledger,
        period: schemas::Period,
    },
    #[error("a return definition or lock can only come down from the parent")]
    DefinitionFromChild,
    #[error("the notice is about {owner}, which is not in the subtree of {peer}")]
    NoticeNotForPeer {
        owner: DivisionCode,
        peer: DivisionCode,
    },
    #[error(
        "the submission signs again exactly what submission #{held} of the same document signed"
    )]
    DuplicateSubmission { held: u64 },
    #[error("the rollup's input from {input} is not the one that counts now: {reason}")]
    RollupInputNotCounted { input: DivisionCode, reason: String },
    #[error("the topology cannot be taken: {reason}")]
    TopologyRefused { reason: String },
    #[error(
        "{signer}'s key was retired by topology version {retired_in_version}: it signs nothing \
         new, and the tree holds no receipt of this object from before"
    )]
    RetiredKey {
        signer: DivisionCode,
        retired_in_version: u64,
    },
    #[error("{signer}'s key was revoked (compromised): nothing new signed by it is taken")]
    RevokedKey { signer: DivisionCode },
    #[error("over quota: {what} (the limit is {limit})")]
    QuotaExceeded { what: String, limit: u64 },
    #[error(
        "the disk is low ({available_bytes} bytes free): {child}'s subtree already takes \
         {used_bytes} bytes, at least its share ({share_bytes}), so the room left is kept for \
         its siblings"
    )]
    DiskReservedForSiblings {
        child: DivisionCode,
        used_bytes: u64,
        share_bytes: u64,
        available_bytes: u64,
    },
    #[error("the replica store failed: {reason}")]
    Storage { reason: String },
    /// automerge data that would inflate past a cap of [`crate::limits::InflationLimits`]: the
    /// document is dropped and the session ended, since no honest peer sends it.
    #[error("the data inflates past a cap: {0}")]
    InflatesPastCap(CapExceeded),
}

impl RefusalReason {
    /// Every [`RefusalReason::kind`], so that counts by kind can start at zero.
    pub const KINDS: &[&str] = &[
        "signature",
        "not_in_peer_subtree",
        "rewinds_document",
        "wrong_document",
        "malformed_document",
        "record_count_mismatch",
        "figures_digest_mismatch",
        "unknown_coefficients",
        "figures_uncomputable",
        "records_break_rules",
        "bad_sync_message",
        "write_from_parent",
        "too_many_sync_rounds",
        "sync_stalled",
        "rollup_inputs_invalid",
        "rollup_input_missing",
        "rollup_figures_mismatch",
        "unrequested_sync",
        "queue_full",
        "not_the_reviewer",
        "not_the_root",
        "return_not_defined",
        "definition_from_child",
        "notice_not_for_peer",
        "duplicate_submission",
        "rollup_input_not_counted",
        "topology_refused",
        "retired_key",
        "revoked_key",
        "quota_exceeded",
        "disk_reserved_for_siblings",
        "storage",
        "inflates_past_cap",
    ];

    /// A short fixed name of the reason's kind (`bad_sync_message`, `signature`, …), for counting
    /// refusals by kind (the node's metrics); the details stay in the message.
    pub fn kind(&self) -> &'static str {
        match self {
            RefusalReason::Signature { .. } => "signature",
            RefusalReason::NotInPeerSubtree { .. } => "not_in_peer_subtree",
            RefusalReason::ChangesNotCoveredBySignature => "changes_not_covered_by_signature",
            RefusalReason::RewindsDocument => "rewinds_document",
            RefusalReason::WrongDocument { .. } => "wrong_document",
            RefusalReason::MalformedDocument { .. } => "malformed_document",
            RefusalReason::RecordCountMismatch { .. } => "record_count_mismatch",
            RefusalReason::FiguresDigestMismatch => "figures_digest_mismatch",
            RefusalReason::UnknownCoefficients { .. } => "unknown_coefficients",
            RefusalReason::FiguresUncomputable { .. } => "figures_uncomputable",
            RefusalReason::RecordsBreakRules { .. } => "records_break_rules",
            RefusalReason::BadSyncMessage { .. } => "bad_sync_message",
            RefusalReason::WriteFromParent => "write_from_parent",
            RefusalReason::TooManySyncRounds { .. } => "too_many_sync_rounds",
            RefusalReason::SyncStalled { .. } => "sync_stalled",
            RefusalReason::RollupInputsInvalid { .. } => "rollup_inputs_invalid",
            RefusalReason::RollupInputMissing { .. } => "rollup_input_missing",
            RefusalReason::RollupFiguresMismatch { .. } => "rollup_figures_mismatch",
            RefusalReason::UnrequestedSync => "unrequested_sync",
            RefusalReason::QueueFull { .. } => "queue_full",
            RefusalReason::NotTheReviewer { .. } => "not_the_reviewer",
            RefusalReason::NotTheRoot { .. } => "not_the_root",
            RefusalReason::ReturnNotDefined { .. } => "return_not_defined",
            RefusalReason::DefinitionFromChild => "definition_from_child",
            RefusalReason::NoticeNotForPeer { .. } => "notice_not_for_peer",
            RefusalReason::DuplicateSubmission { .. } => "duplicate_submission",
            RefusalReason::RollupInputNotCounted { .. } => "rollup_input_not_counted",
            RefusalReason::TopologyRefused { .. } => "topology_refused",
            RefusalReason::RetiredKey { .. } => "retired_key",
            RefusalReason::RevokedKey { .. } => "revoked_key",
            RefusalReason::QuotaExceeded { .. } => "quota_exceeded",
            RefusalReason::DiskReservedForSiblings { .. } => "disk_reserved_for_siblings",
            RefusalReason::Storage { .. } => "storage",
            RefusalReason::InflatesPastCap { .. } => "inflates_past_cap",
        }
    }
}

impl RefusalReason {
    /// Whether the refusal proves that the peer sent something wrong on purpose or by a serious
    /// bug: a bad signature, an object outside its subtree, a document that breaks its signature
    /// or its rules, a forged notice, a bomb. Such refusals count against the session's budget
    /// ([`crate::limits::MAX_MISBEHAVIOUR_REFUSALS_PER_SESSION`]). Refusals that honest peers meet
    /// in the normal course (a return not yet defined here, a full queue, a stalled pull, a rollup
    /// racing ahead of its input, a full disk) do not.
    pub fn is_misbehaviour(&self) -> bool {
        match self {
            RefusalReason::Signature(_)
            | RefusalReason::NotInPeerSubtree { .. }
            | RefusalReason::ChangesNotCoveredBySignature
            | RefusalReason::RewindsDocument
            | RefusalReason::WrongDocument { .. }
            | RefusalReason::MalformedDocument { .. }
            | RefusalReason::RecordCountMismatch { .. }
            | RefusalReason::FiguresDigestMismatch
            | RefusalReason::RecordsBreakRules { .. }
            | RefusalReason::BadSyncMessage { .. }
            | RefusalReason::WriteFromParent
            | RefusalReason::TooManySyncRounds { .. }
            | RefusalReason::RollupFiguresMismatch { .. }
            | RefusalReason::RollupInputsInvalid { .. }
            | RefusalReason::UnrequestedSync
            | RefusalReason::NotTheReviewer { .. }
            | RefusalReason::NotTheRoot { .. }
            | RefusalReason::DefinitionFromChild
            | RefusalReason::NoticeNotForPeer { .. }
            | RefusalReason::DuplicateSubmission { .. }
            | RefusalReason::TopologyRefused { .. }
            | RefusalReason::RevokedKey { .. }
            | RefusalReason::InflatesPastCap(_) => true,
            RefusalReason::UnknownCoefficients { .. }
            | RefusalReason::FiguresUncomputable { .. }
            | RefusalReason::SyncStalled { .. }
            | RefusalReason::RollupInputMissing { .. }
            | RefusalReason::RollupInputNotCounted { .. }
            | RefusalReason::QueueFull { .. }
            | RefusalReason::ReturnNotDefined { .. }
            | RefusalReason::QuotaExceeded { .. }
            | RefusalReason::RetiredKey { .. }
            | RefusalReason::DiskReservedForSiblings { .. }
            | RefusalReason::Storage { .. } => false,
        }
    }
}
