//! `key new` (on a running node): take the next key from the node directory, where `huizong key
//! new` put it.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::{Context, Operation, OperationError};
use crate::core::NodeCore;

/// The arguments: the next key's file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoadNextKeyRequest {
    pub key_file: PathBuf,
}

/// The answer: the next key's public half, and whether the current key is still the one named.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoadNextKeyAnswer {
    pub next_public_key: Option<String>,
    pub signing_key_current: bool,
}

impl Operation for LoadNextKeyRequest {
    type Answer = LoadNextKeyAnswer;

    fn apply(
        self,
        core: &mut NodeCore,
        _context: &Context<'_>,
    ) -> Result<LoadNextKeyAnswer, OperationError> {
        let key = crate::directory::read_key(&self.key_file)?;
        core.set_next_key(Some(key));
        Ok(LoadNextKeyAnswer {
            next_public_key: core.next_public_key().map(|key| key.to_string()),
            signing_key_current: core.signing_key_is_current(),
        })
    }
}
