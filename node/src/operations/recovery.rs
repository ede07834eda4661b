//! `recovery end`: a node restored from a backup stops waiting for children that will not answer
//! (their machines are gone), so that it signs again. What only they held of its work after the
//! backup is not taken back; they are recorded as given up, with who decided it.

use serde::{Deserialize, Serialize};
use topology::DivisionCode;

use super::{Context, Operation, OperationError};
use crate::core::NodeCore;

/// Which child to stop waiting for; every child still awaited when `None`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndRecoveryRequest {
    pub child: Option<DivisionCode>,
}

/// The children given up, and those still awaited.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndRecoveryAnswer {
    pub given_up: Vec<DivisionCode>,
    pub still_waiting: Vec<DivisionCode>,
}

impl Operation for EndRecoveryRequest {
    type Answer = EndRecoveryAnswer;

    fn apply(
        self,
        core: &mut NodeCore,
        context: &Context<'_>,
    ) -> Result<EndRecoveryAnswer, OperationError> {
        let Some(state) = core.recovery() else {
            return Err(OperationError::new(
                crate::core::ErrorKind::Conflict,
                crate::t!("cli.recovery.not_restored"),
            ));
        };
        if let Some(child) = self.child
            && !state.waiting().contains(&child)
        {
            return Err(OperationError::new(
                crate::core::ErrorKind::Conflict,
                crate::t!("cli.recovery.not_waiting_for", child = child),
            ));
        }
        let given_up =
            core.give_up_recovery(self.child, &context.actor.to_string(), context.now_ms)?;
        let still_waiting = core
            .recovery()
            .map(crate::core::recovery::RecoveryState::waiting)
            .unwrap_or_default();
        Ok(EndRecoveryAnswer {
            given_up,
            still_waiting,
        })
    }
}
