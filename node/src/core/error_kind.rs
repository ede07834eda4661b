//! The kinds of failure people and programs tell apart: the CLI exits with a distinct code per
//! kind (README lists them) and the web console answers with a matching status.

use serde::{Deserialize, Serialize};

/// What kind of failure an operation met.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// The data breaks rules of the ledger (cells of a file, rules spanning records): fix the data.
    RulesBroken,
    /// Something named does not exist: a record id, a document, a node, a figure, a file.
    NotFound,
    /// The disk or the store failed: room, permissions, corruption.
    Disk,
    /// The tree refuses it: not this node's to do (only the root publishes a topology), a closed
    /// period, a key the topology does not name, a peer's refusal.
    RefusedByTree,
    /// An argument or input that cannot be understood (a period, a ledger, a date).
    Invalid,
    /// The state does not allow it now (nothing to confirm, a node already running).
    Conflict,
    /// A fault of the program itself.
    Internal,
}

impl ErrorKind {
    /// The exit code of the CLI for this kind (0 is success; 2 is also clap's usage error).
    pub fn exit_code(self) -> u8 {
        match self {
            ErrorKind::Internal => 1,
            ErrorKind::Invalid => 2,
            ErrorKind::RulesBroken => 3,
            ErrorKind::NotFound => 4,
            ErrorKind::Disk => 5,
            ErrorKind::RefusedByTree => 6,
            ErrorKind::Conflict => 7,
        }
    }
}

impl super::CoreError {
    /// The kind of this failure.
    pub fn kind(&self) -> ErrorKind {
        use super::CoreError;
        match self {
            CoreError::Store(crate::store::StoreError::Locked { .. }) => ErrorKind::Conflict,
            CoreError::Store(_)
            | CoreError::CorruptObject { .. }
            | CoreError::CorruptDocument { .. } => ErrorKind::Disk,
            CoreError::StoreFormatTooNew { .. } => ErrorKind::Disk,
            CoreError::RulesBroken { .. } | CoreError::Figures { .. } => ErrorKind::RulesBroken,
            CoreError::Document { source, .. }
                if matches!(**source, schemas::document::DocumentError::Confirmation(_)) =>
            {
                ErrorKind::Invalid
            }
            CoreError::Document { .. } => ErrorKind::RulesBroken,
            CoreError::NothingToSubmit { .. } | CoreError::Recovering { .. } => ErrorKind::Conflict,
            CoreError::ReturnNotDefined { .. } => ErrorKind::RefusedByTree,
            CoreError::Definition { .. } => ErrorKind::Invalid,
            CoreError::Review { .. } => ErrorKind::Conflict,
            CoreError::Signing(_) | CoreError::KeyMismatch { .. } => ErrorKind::RefusedByTree,
            CoreError::Consolidation { .. } => ErrorKind::Internal,
            CoreError::UnknownNode { .. } => ErrorKind::NotFound,
            CoreError::UnsignedTopology { .. } => ErrorKind::RefusedByTree,
            CoreError::TableNotInLedger { .. } => ErrorKind::Invalid,
            CoreError::RecordsNotFound { .. } => ErrorKind::NotFound,
            CoreError::RecordsReferenced { .. } => ErrorKind::Conflict,
            CoreError::NothingToConfirm { .. } => ErrorKind::NotFound,
            CoreError::NotReturned { .. } | CoreError::DraftChangedSinceSubmission { .. } => {
                ErrorKind::Conflict
            }
        }
    }
}
