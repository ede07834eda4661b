//! `topology publish`: at the root, put a newer topology (signed by the root) in force; it goes
//! down the tree with the next sessions.

use serde::{Deserialize, Serialize};

use super::{Context, Operation, OperationError};
use crate::core::{ErrorKind, NodeCore};

/// The arguments of `topology publish`: the signed topology's text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishTopologyRequest {
    pub text: String,
}

/// The answer: the version in force and whether this call put it there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishTopologyAnswer {
    pub version: u64,
    pub adopted: bool,
}

impl Operation for PublishTopologyRequest {
    type Answer = PublishTopologyAnswer;

    fn apply(
        self,
        core: &mut NodeCore,
        _context: &Context<'_>,
    ) -> Result<PublishTopologyAnswer, OperationError> {
        let root = core.topology().root().code;
        if root != core.code() {
            return Err(OperationError::new(
                ErrorKind::RefusedByTree,
                schemas::t!(
                    "errors.only_root_publishes",
                    root = root,
                    node = core.code()
                ),
            ));
        }
        match core.adopt_topology_text(&self.text)? {
            protocol::TopologyAdoption::Adopted { version } => Ok(PublishTopologyAnswer {
                version,
                adopted: true,
            }),
            protocol::TopologyAdoption::AlreadyHeld => Ok(PublishTopologyAnswer {
                version: core.topology().version(),
                adopted: false,
            }),
            protocol::TopologyAdoption::Refused { reason } => Err(OperationError::new(
                ErrorKind::RefusedByTree,
                schemas::t!("errors.topology_refused", reason = reason),
            )),
        }
    }
}
