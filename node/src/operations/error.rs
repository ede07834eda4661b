//! How an operation fails: a kind (the CLI's exit code), a message for people in the catalogue's
//! language, and the details a program or a form needs to show every problem at once. The same
//! value crosses the control socket, so the CLI talking to a running node exits as it would have
//! opening the store itself.

use std::fmt;

use schemas::returns::Finding;
use serde::{Deserialize, Serialize};

use crate::core::{CoreError, ErrorKind};
use crate::import::ImportProblem;

/// The details of a failure, beyond its message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "details", rename_all = "snake_case")]
pub enum ErrorDetails {
    /// Nothing more than the message.
    None,
    /// The findings of rules spanning records that refuse a draft (at submit).
    Findings { findings: Vec<Finding> },
    /// Every problem of a refused import file, in the file's order, at most
    /// [`crate::import::PROBLEMS_LISTED_MAX`] of them, and how many more there are.
    ImportProblems {
        problems: Vec<ImportProblem>,
        more: usize,
    },
}

/// A failed operation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OperationError {
    pub kind: ErrorKind,
    pub message: String,
    #[serde(flatten)]
    pub details: ErrorDetails,
}

impl OperationError {
    /// A failure of the given kind with nothing beyond its message.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> OperationError {
        OperationError {
            kind,
            message: message.into(),
            details: ErrorDetails::None,
        }
    }

    /// An argument or input that cannot be understood.
    pub fn invalid(message: impl Into<String>) -> OperationError {
        OperationError::new(ErrorKind::Invalid, message)
    }

    /// Something named that does not exist.
    pub fn not_found(message: impl Into<String>) -> OperationError {
        OperationError::new(ErrorKind::NotFound, message)
    }

    /// The CLI's exit code.
    pub fn exit_code(&self) -> u8 {
        self.kind.exit_code()
    }
}

impl fmt::Display for OperationError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.message)
    }
}

impl std::error::Error for OperationError {}

impl From<CoreError> for OperationError {
    fn from(error: CoreError) -> OperationError {
        let kind = error.kind();
        let message = error.to_string();
        match error {
            CoreError::RulesBroken { key, findings } => OperationError {
                kind,
                message: crate::t!("errors.rules_broken", key = key, count = findings.len())
                    .into_owned(),
                details: ErrorDetails::Findings { findings },
            },
            _ => OperationError::new(kind, message),
        }
    }
}

impl From<topology::TopologyError> for OperationError {
    fn from(error: topology::TopologyError) -> OperationError {
        OperationError::invalid(error.to_string())
    }
}

impl From<crate::export::ExportError> for OperationError {
    fn from(error: crate::export::ExportError) -> OperationError {
        OperationError::from(anyhow::Error::new(error))
    }
}

/// Failures of the edges (files, keys, the directory) that come as `anyhow` errors: an I/O error
/// underneath is disk trouble (or a missing file), anything else an input that cannot be used.
impl From<anyhow::Error> for OperationError {
    fn from(error: anyhow::Error) -> OperationError {
        if let Some(operation) = error.downcast_ref::<OperationError>() {
            return operation.clone();
        }
        let kind = match error
            .chain()
            .find_map(|cause| cause.downcast_ref::<std::io::Error>())
        {
            Some(io) if io.kind() == std::io::ErrorKind::NotFound => ErrorKind::NotFound,
            Some(_) => ErrorKind::Disk,
            None => ErrorKind::Invalid,
        };
        OperationError::new(kind, format!("{error:#}"))
    }
}
