//! `confirm`: after a return, say that the returned submission is correct as it stands, and why.
//! The reason and the person are written into the document and it is submitted again: a new
//! signed submission, reviewed like any other.

use schemas::{Ledger, Period};
use serde::{Deserialize, Serialize};

use super::{Context, Operation, OperationError};
use crate::core::{NodeCore, SubmitOutcome};

/// The arguments of `confirm`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfirmRequest {
    pub ledger: Ledger,
    pub period: Period,
    /// Why the returned submission stands unchanged, for the reviewer.
    pub reason: String,
}

/// The answer to `confirm`: the submission that carries the confirmation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfirmAnswer {
    /// The sequence of the submission confirmed.
    pub confirms: u64,
    pub reason: String,
    pub submission: SubmitOutcome,
}

impl Operation for ConfirmRequest {
    type Answer = ConfirmAnswer;

    fn apply(
        self,
        core: &mut NodeCore,
        context: &Context<'_>,
    ) -> Result<ConfirmAnswer, OperationError> {
        let key = protocol::DocumentKey::new(core.code(), self.ledger, self.period);
        let confirms = core
            .latest_submission_of(&key)
            .map(|latest| latest.submission.payload().sequence)
            .unwrap_or_default();
        let submission = core.confirm_unchanged(
            self.ledger,
            self.period,
            &self.reason,
            context.actor,
            context.now_ms,
        )?;
        Ok(ConfirmAnswer {
            confirms,
            reason: self.reason.trim().to_owned(),
            submission,
        })
    }
}
