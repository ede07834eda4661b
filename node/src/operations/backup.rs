//! `backup`: one consistent snapshot of the node's store and directory files, written to a file
//! under the core's lock (so a running node's sessions wait for it, and nothing writes halfway
//! through). The caller reads the file back and verifies it outside the lock (`crate::backup`).

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::{Context, Operation, OperationError};
use crate::backup::BackupSummary;
use crate::core::NodeCore;
use crate::directory::NodeDirectory;

/// Where the node's directory is, where the backup goes, and whether the secret key goes with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackupRequest {
    pub directory: PathBuf,
    pub out: PathBuf,
    pub with_key: bool,
}

impl Operation for BackupRequest {
    type Answer = BackupSummary;

    fn apply(
        self,
        core: &mut NodeCore,
        context: &Context<'_>,
    ) -> Result<BackupSummary, OperationError> {
        let directory = NodeDirectory::existing(&self.directory)?;
        Ok(crate::backup::write_backup(
            &directory,
            core,
            &self.out,
            self.with_key,
            context.now_ms,
        )?)
    }
}
