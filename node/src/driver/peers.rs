//! The node's links: accepting its children's connections and keeping one to its parent.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Result, anyhow};
use ed25519_dalek::VerifyingKey;
use protocol::Role;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use topology::{DivisionCode, PublicKey};

use super::handshakes::{self, Admission, AdmittedHandshake, HandshakeCounts, HandshakeEnd};
use super::node_handle::{LinkState, LinkStatus, NodeHandle};
use super::session_task::run_session;
use crate::core::{CoreError, NodeCore};
use crate::transport::tls;

/// Connections a node accepts at once beyond one per child: room for a child reconnecting while
/// its old connection is still timing out. Anything past the limit is refused at once.
const EXTRA_CONNECTIONS: usize = 8;

/// How long a handshake may take: several round trips on a poor provincial link, and no more, so
/// a stranger that starts one and goes quiet frees its slot even when no newcomer evicts it.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// How often the accept loop logs a summary of handshakes refused, evicted, failed and timed out:
/// often enough to show an attack while it happens, rarely enough that a flood of attempts cannot
/// fill the log (each attempt is logged at debug level only).
const HANDSHAKE_LOG_INTERVAL: Duration = Duration::from_secs(10);

/// Which parent to keep a link to. Its address and key are read from the topology in force at
/// each attempt, so a new topology (the parent moved or rotated its key) applies at once.
#[derive(Debug, Clone)]
pub struct ParentLink {
    pub code: DivisionCode,
    pub retry_ms_min: u64,
    pub retry_ms_max: u64,
}

/// The parent's address and current key in the topology in force.
fn parent_endpoint(handle: &NodeHandle, parent: DivisionCode) -> Result<(String, VerifyingKey)> {
    handle.with_core(|core| {
        let entry = core.topology().node(parent).ok_or_else(|| {
            anyhow!(crate::t!(
                "node.link.parent_not_in_topology",
                parent = parent
            ))
        })?;
        let address = entry.address.clone().ok_or_else(|| {
            anyhow!(crate::t!(
                "node.link.parent_has_no_address",
                parent = parent
            ))
        })?;
        let key = entry
            .public_key
            .ok_or_else(|| anyhow!(crate::t!("node.link.parent_has_no_key", parent = parent)))?;
        Ok((address, *key.verifying_key()))
    })
}

/// The keys of this node's children its endpoint accepts: each child's current key, and its
/// retired keys, so that a child that has not yet heard of its rotation can connect and be sent
/// the topology that names its new key (its session then ends; nothing new signed by a retired
/// key is taken). Revoked keys are not accepted at all.
pub fn children_keys(core: &NodeCore) -> Result<Vec<VerifyingKey>, CoreError> {
    let topology = core.topology();
    Ok(topology
        .children_of(core.code())
        .iter()
        .filter_map(|child| topology.node(*child))
        .flat_map(|entry| {
            entry
                .public_key
                .into_iter()
                .chain(entry.retired_keys.iter().map(|retired| retired.key))
        })
        .map(|key| *key.verifying_key())
        .collect())
}

fn child_with_key(handle: &NodeHandle, key: &VerifyingKey) -> Option<DivisionCode> {
    let public = PublicKey::from_bytes(&key.to_bytes()).ok()?;
    handle.with_core(|core| {
        let topology = core.topology();
        topology
            .children_of(core.code())
            .iter()
            .copied()
            .find(|child| topology.key_speaks_for(*child, &public))
    })
}

/// Accepts children until cancelled. Each connection runs in its own task; a child that connects
/// again replaces its older session.
///
/// An attempt from an address quinn has not validated gets a stateless Retry, so a flood from
/// forged addresses never gets a slot. A validated attempt is refused or admitted by the node's
/// [`HandshakeTable`](super::handshakes::HandshakeTable), which bounds pending handshakes per source
/// and in all, and abandons stalled ones to make room (see [`super::handshakes`]).
pub async fn accept_children(
    handle: Arc<NodeHandle>,
    endpoint: quinn::Endpoint,
    cancel: CancellationToken,
) -> Result<()> {
    let max_connections = handle.with_core(|core| core.topology().children_of(core.code()).len())
        + EXTRA_CONNECTIONS
        + handshakes::MAX_PENDING_HANDSHAKES;
    let mut connections = JoinSet::new();
    let active: Arc<std::sync::Mutex<HashMap<DivisionCode, CancellationToken>>> = Arc::default();
    let mut pressure = PressureLog::default();
    loop {
        tokio::select! {
            () = cancel.cancelled() => break,
            incoming = endpoint.accept() => {
                let Some(incoming) = incoming else { break };
                if !incoming.remote_address_validated() && incoming.may_retry() {
                    // A stateless retry first: a flood from forged addresses never gets a slot.
                    let _ = incoming.retry();
                    continue;
                }
                let remote = incoming.remote_address();
                let admission = {
                    let mut table = handle.handshakes();
                    if connections.len() >= max_connections {
                        table.refuse_too_many_connections()
                    } else {
                        table.admit(remote.ip(), Instant::now())
                    }
                };
                match admission {
                    Admission::Refused(refusal) => {
                        tracing::debug!(node = %handle.code(), %remote, "refusing a connection: {refusal}");
                        incoming.refuse();
                    }
                    Admission::Admitted { handshake, evicted } => {
                        if let Some(evicted) = evicted {
                            tracing::debug!(
                                node = %handle.code(),
                                source = %evicted.source,
                                cause = ?evicted.cause,
                                "abandoned a handshake pending for {:?} to admit one from {remote}",
                                evicted.pending_for,
                            );
                        }
                        connections.spawn(serve_child(
                            handle.clone(),
                            incoming,
                            handshake,
                            active.clone(),
                            cancel.clone(),
                        ));
                    }
                }
                pressure.log_if_due(&handle);
            }
            Some(finished) = connections.join_next(), if !connections.is_empty() => {
                if let Err(join_error) = finished {
                    tracing::error!(node = %handle.code(), "a child connection task panicked: {join_error}");
                }
                pressure.log_if_due(&handle);
            }
        }
    }
    connections.shutdown().await;
    handle.handshakes().abandon_all();
    pressure.log_if_due(&handle);
    Ok(())
}

/// Logs, at most once per [`HANDSHAKE_LOG_INTERVAL`], what became of handshakes since the last
/// summary, if anything went wrong with any.
#[derive(Debug, Default)]
struct PressureLog {
    logged_at: Option<Instant>,
    logged: HandshakeCounts,
}

impl PressureLog {
    fn log_if_due(&mut self, handle: &NodeHandle) {
        if self
            .logged_at
            .is_some_and(|logged_at| logged_at.elapsed() < HANDSHAKE_LOG_INTERVAL)
        {
            return;
        }
        let now = handle.handshake_counts();
        let since = |now: u64, then: u64| now.saturating_sub(then);
        let refused = since(now.refused(), self.logged.refused());
        let evicted = since(now.evicted(), self.logged.evicted());
        let failed = since(now.failed, self.logged.failed);
        let timed_out = since(now.timed_out, self.logged.timed_out);
        if refused + evicted + failed + timed_out == 0 {
            return;
        }
        tracing::warn!(
            node = %handle.code(),
            "handshakes since the last summary: {refused} refused, {evicted} stalled ones abandoned \
             for newcomers, {failed} failed (a key that is not a child's, or an error), {timed_out} \
             timed out; {} pending now (details at debug level)",
            now.pending,
        );
        self.logged_at = Some(Instant::now());
        self.logged = now;
    }
}

/// Runs one admitted handshake and, if it authenticates a child, the child's session.
async fn serve_child(
    handle: Arc<NodeHandle>,
    incoming: quinn::Incoming,
    handshake: AdmittedHandshake,
    active: Arc<std::sync::Mutex<HashMap<DivisionCode, CancellationToken>>>,
    cancel: CancellationToken,
) {
    let remote = incoming.remote_address();
    let outcome = tokio::select! {
        // A handshake that completed wins over its eviction in the same instant: it is a child's.
        biased;
        outcome = tokio::time::timeout(HANDSHAKE_TIMEOUT, incoming) => outcome,
        () = handshake.abandoned.cancelled() => {
            // Dropping the handshake here makes quinn close it; the table counted the eviction.
            tracing::debug!(node = %handle.code(), %remote, "abandoned a stalled handshake");
            return;
        }
        () = cancel.cancelled() => {
            handle.handshakes().finish(handshake.id, HandshakeEnd::Cancelled);
            return;
        }
    };
    let connection = match outcome {
        Err(_) => {
            handle
                .handshakes()
                .finish(handshake.id, HandshakeEnd::TimedOut);
            tracing::debug!(node = %handle.code(), %remote, "a handshake took longer than {HANDSHAKE_TIMEOUT:?}");
            return;
        }
        Ok(Err(error)) => {
            handle
                .handshakes()
                .finish(handshake.id, HandshakeEnd::Failed);
            // The TLS layer refuses any key that is not one of our children's.
            tracing::debug!(node = %handle.code(), %remote, "handshake with a would-be child failed: {error}");
            return;
        }
        Ok(Ok(connection)) => {
            // Only a child's key completes a handshake: it leaves the strangers' accounting now.
            handle
                .handshakes()
                .finish(handshake.id, HandshakeEnd::Authenticated);
            connection
        }
    };
    let child = match tls::peer_key(&connection)
        .ok()
        .and_then(|key| child_with_key(&handle, &key))
    {
        Some(child) => child,
        None => {
            tracing::warn!(node = %handle.code(), %remote, "closing a connection whose key is not a child's");
            connection.close(quinn::VarInt::from_u32(1), b"not a child");
            return;
        }
    };
    let session_cancel = cancel.child_token();
    if let Some(previous) = active
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .insert(child, session_cancel.clone())
    {
        previous.cancel();
    }
    handle.set_link(LinkStatus {
        peer: child,
        role: "child".to_owned(),
        state: LinkState::Connected,
        last_settled_ms: None,
        last_error: None,
        bytes_sent: 0,
        bytes_received: 0,
        queues: Default::default(),
    });
    let result = run_session(
        handle.clone(),
        connection,
        Role::Parent,
        child,
        session_cancel,
    )
    .await;
    let error = result.err().map(|error| format!("{error:#}"));
    if let Some(error) = &error {
        tracing::info!(node = %handle.code(), %child, "session with child ended: {error}");
    }
    handle.update_link(child, |link| {
        link.state = LinkState::Down;
        link.last_error = error;
    });
}

/// Keeps a connection to the parent: connects, runs a session, and on any failure waits and tries
/// again, doubling the wait up to the configured maximum.
pub async fn connect_to_parent(
    handle: Arc<NodeHandle>,
    endpoint: quinn::Endpoint,
    parent: ParentLink,
    cancel: CancellationToken,
) -> Result<()> {
    let mut delay_ms = parent.retry_ms_min.max(1);
    handle.set_link(LinkStatus {
        peer: parent.code,
        role: "parent".to_owned(),
        state: LinkState::Connecting,
        last_settled_ms: None,
        last_error: None,
        bytes_sent: 0,
        bytes_received: 0,
        queues: Default::default(),
    });
    while !cancel.is_cancelled() {
        handle.update_link(parent.code, |link| link.state = LinkState::Connecting);
        let attempt = async {
            // Our key and the parent's, as the topology in force says now.
            let (parent_address, parent_key) = parent_endpoint(&handle, parent.code)?;
            let client_config = tls::client_config(&handle.signing_key(), parent_key)?;
            let address = tokio::net::lookup_host(&parent_address)
                .await?
                .next()
                .ok_or_else(|| {
                    anyhow!(crate::t!(
                        "node.link.resolves_to_nothing",
                        address = parent_address
                    ))
                })?;
            let connection = endpoint
                .connect_with(client_config, address, tls::SERVER_NAME)?
                .await?;
            anyhow::Ok(connection)
        };
        let connection = tokio::select! {
            () = cancel.cancelled() => break,
            connection = attempt => connection,
        };
        let error = match connection {
            Ok(connection) => {
                delay_ms = parent.retry_ms_min.max(1);
                handle.update_link(parent.code, |link| {
                    link.state = LinkState::Connected;
                    link.last_error = None;
                });
                run_session(
                    handle.clone(),
                    connection,
                    Role::Child,
                    parent.code,
                    cancel.clone(),
                )
                .await
                .err()
            }
            Err(error) => Some(error),
        };
        if let Some(error) = &error {
            tracing::info!(node = %handle.code(), parent = %parent.code, "link to parent down: {error:#}");
        }
        handle.update_link(parent.code, |link| {
            link.state = LinkState::Down;
            link.last_error = error.map(|error| format!("{error:#}"));
        });
        tokio::select! {
            () = cancel.cancelled() => break,
            () = tokio::time::sleep(Duration::from_millis(delay_ms)) => {}
        }
        delay_ms = (delay_ms * 2).min(parent.retry_ms_max.max(1));
    }
    Ok(())
}
