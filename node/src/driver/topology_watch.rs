//! Putting a new topology in force in the running node. The core adopts a topology (from the
//! parent's session, or `huizong topology publish` at the root) and may switch to the node's next
//! key; this task then does what only the driver can: rewrites `topology.toml`, replaces the set of
//! children's keys the endpoint accepts, and, when the node's own key changed, renames the key
//! files and presents the new key (the server configuration for children now, the parent link at
//! its next connection). Sessions authenticated by a key the topology no longer names as current
//! end themselves (see `session_task`).

use std::sync::Arc;

use anyhow::Result;
use tokio_util::sync::CancellationToken;

use super::node_handle::NodeHandle;
use super::peers;
use crate::transport::tls;

/// Follows the core's changes until cancelled, applying each new topology and key.
pub async fn follow_topology(
    handle: Arc<NodeHandle>,
    endpoint: quinn::Endpoint,
    cancel: CancellationToken,
) -> Result<()> {
    let mut changes = handle.subscribe_changes();
    let mut applied_version = handle.with_core(|core| core.topology().version());
    loop {
        tokio::select! {
            () = cancel.cancelled() => return Ok(()),
            changed = changes.changed() => if changed.is_err() { return Ok(()) },
        }
        // Most changes are new submissions: look at the version and the key before copying.
        let (version, key) =
            handle.with_core(|core| (core.topology().version(), core.signing_key().clone()));
        let key_changed = key.verifying_key() != handle.signing_key().verifying_key();
        if version == applied_version && !key_changed {
            continue;
        }
        let topology = handle.with_core(|core| core.topology().clone());
        applied_version = topology.version();
        tracing::info!(node = %handle.code(), version = applied_version, "topology in force");
        if let Some(directory) = handle.directory()
            && let Err(error) = directory.write_topology(&topology)
        {
            tracing::error!(node = %handle.code(), "cannot rewrite topology.toml: {error:#}");
        }
        let accepted = handle.accepted_keys();
        if let Some(accepted) = &accepted {
            accepted.replace(handle.with_core(|core| peers::children_keys(core))?);
        }
        if key_changed {
            handle.set_signing_key(key.clone());
            if let Some(directory) = handle.directory()
                && let Err(error) = directory.promote_next_key(applied_version)
            {
                tracing::error!(node = %handle.code(), "cannot move the next key into place: {error:#}");
            }
            if let Some(accepted) = accepted {
                endpoint.set_server_config(Some(tls::server_config(&key, accepted)?));
            }
            tracing::warn!(
                node = %handle.code(),
                "switched to the next key, which topology version {applied_version} names"
            );
        }
    }
}
