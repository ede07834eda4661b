//! `verify`: re-check every signature and recompute every rollup from the raw replicas held.

use serde::{Deserialize, Serialize};

use super::{Context, Operation, OperationError};
use crate::core::{NodeCore, VerifyReport};

/// `verify` takes no arguments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifyRequest {}

impl Operation for VerifyRequest {
    type Answer = VerifyReport;

    fn apply(
        self,
        core: &mut NodeCore,
        _context: &Context<'_>,
    ) -> Result<VerifyReport, OperationError> {
        core.verify().map_err(|failure| {
            OperationError::new(crate::core::ErrorKind::Disk, failure.to_string())
        })
    }
}
