//! The driver: runs one node's core over QUIC with tokio.
//!
//! [`run`] binds the node's endpoint, accepts its children (each connection one task running a
//! [`protocol::Session`] as parent), keeps one connection to its parent (a task that reconnects
//! with backoff and runs a session as child), and serves the local control socket. All data work
//! happens in the core, under its lock, on blocking threads; the tasks only move bytes and wake
//! sessions. Shutdown: cancel the tasks, close the endpoint, drain the join set.

mod control;
pub mod handshakes;
mod node_handle;
mod peers;
pub mod restore;
mod session_task;
mod topology_watch;

use std::net::{SocketAddr, ToSocketAddrs, UdpSocket};
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result, anyhow};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

pub use control::{ControlHandler, is_running, json_control_handler, send_control_request};
pub use handshakes::HandshakeCounts;
pub use node_handle::{
    HOLD_OFF_MS_MAX, HOLD_OFF_MS_MIN, HoldOff, LinkCounters, LinkQueues, LinkState, LinkStatus,
    NodeHandle,
};

use crate::clock::unix_ms;
use crate::transport::tls;

/// How long shutdown waits for connections to finish closing: a few round trips on loopback or a
/// provincial network, bounded so that a stuck peer cannot hold a node up.
const SHUTDOWN_DRAIN: std::time::Duration = std::time::Duration::from_secs(2);

/// How to run a node beyond what its core knows.
pub struct RunOptions {
    /// A socket already bound for the node's endpoint (the demo binds every node's socket before
    /// it writes the topology); otherwise the node binds its listen address.
    pub socket: Option<UdpSocket>,
    /// Where to listen when the topology's address is not the local one.
    pub listen: Option<String>,
    /// Where to serve the control socket and what answers it; none for nodes driven
    /// in-process.
    pub control: Option<(PathBuf, ControlHandler)>,
    pub retry_ms_min: u64,
    pub retry_ms_max: u64,
}

impl std::fmt::Debug for RunOptions {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("RunOptions")
            .field("socket", &self.socket)
            .field("listen", &self.listen)
            .field(
                "control_socket",
                &self.control.as_ref().map(|(path, _)| path),
            )
            .field("retry_ms_min", &self.retry_ms_min)
            .field("retry_ms_max", &self.retry_ms_max)
            .finish()
    }
}

/// Binds the UDP socket a node listens on, with a message that names the node and the address.
pub fn bind_socket(address: &str, node: &str) -> Result<UdpSocket> {
    let resolved: Vec<SocketAddr> = address
        .to_socket_addrs()
        .with_context(|| {
            crate::t!("node.listen.cannot_resolve", address = address, node = node).into_owned()
        })?
        .collect();
    let first = resolved.first().ok_or_else(|| {
        anyhow!(crate::t!(
            "node.listen.resolves_to_nothing",
            address = address,
            node = node
        ))
    })?;
    UdpSocket::bind(first).map_err(|error| {
        if error.kind() == std::io::ErrorKind::AddrInUse {
            anyhow!(crate::t!(
                "node.listen.port_in_use",
                address = address,
                node = node
            ))
        } else {
            anyhow!(crate::t!(
                "node.listen.cannot_listen",
                address = address,
                node = node,
                error = error
            ))
        }
    })
}

/// The endpoint's configuration, with a stateless-reset key derived from the node's own key.
///
/// A node that crashed and restarted has lost its connections, but its peers have not: without a
/// reset they would wait out the idle timeout (a minute) before reconnecting. With the same reset
/// key in every run of the node, the restarted node answers a packet of a connection it no longer
/// knows with a stateless reset its peer can verify, and the peer reconnects at once. Connection
/// ids are random and any id is taken as possibly ours ([`RandomConnectionIds`]), since quinn's
/// default ids are keyed per process and a restarted node would drop the old ones unanswered.
pub fn endpoint_config(key: &ed25519_dalek::SigningKey) -> quinn::EndpointConfig {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    hasher.update(b"huizong/stateless-reset-key/1\0");
    hasher.update(key.to_bytes());
    let secret: [u8; 32] = hasher.finalize().into();
    let reset_key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &secret);
    let mut config = quinn::EndpointConfig::new(Arc::new(reset_key));
    config.cid_generator(|| Box::new(RandomConnectionIds));
    config
}

/// Bytes of a connection id: 8 random bytes make collisions between a node's connections
/// negligible, as quinn's own default length does.
const CONNECTION_ID_BYTES: usize = 8;

/// Random connection ids that every run of the node accepts as its own (see [`endpoint_config`]).
struct RandomConnectionIds;

impl quinn::ConnectionIdGenerator for RandomConnectionIds {
    fn generate_cid(&mut self) -> quinn::ConnectionId {
        let mut bytes = [0u8; CONNECTION_ID_BYTES];
        // The operating system's random source does not fail once the process has started.
        getrandom::fill(&mut bytes).expect("the system random source works");
        quinn::ConnectionId::new(&bytes)
    }

    fn cid_len(&self) -> usize {
        CONNECTION_ID_BYTES
    }

    fn cid_lifetime(&self) -> Option<std::time::Duration> {
        None
    }
}

/// Binds the node's UDP socket: at its listening address (`listen`, else the topology's) when it
/// has children, on any port otherwise. The binary binds it before anything else starts, so that
/// a port in use is the one error a failed start reports.
pub fn node_socket(handle: &NodeHandle, listen: Option<String>) -> Result<UdpSocket> {
    let (code, has_children, parent_address, listen_address) = handle.with_core(|core| {
        let topology = core.topology();
        let code = core.code();
        let parent_address = topology
            .parent_of(code)
            .and_then(|parent| topology.node(parent))
            .and_then(|entry| entry.address.clone());
        (
            code,
            !topology.children_of(code).is_empty(),
            parent_address,
            core.entry().address.clone(),
        )
    });
    if has_children {
        let address = listen
            .or(listen_address)
            .ok_or_else(|| anyhow!(crate::t!("node.listen.no_address", code = code)))?;
        bind_socket(&address, code.as_str())
    } else {
        let unspecified = match &parent_address {
            Some(address) if address.starts_with('[') => "[::]:0",
            _ => "0.0.0.0:0",
        };
        bind_socket(unspecified, code.as_str())
    }
}

/// Runs a node until `shutdown` is cancelled or a fatal error occurs.
pub async fn run(
    handle: Arc<NodeHandle>,
    options: RunOptions,
    shutdown: CancellationToken,
) -> Result<()> {
    let (code, has_children, parent) = handle.with_core(|core| {
        let topology = core.topology();
        let code = core.code();
        let parent = topology.parent_of(code).map(|parent| {
            let entry = topology.node(parent).expect("a parent is in the topology");
            (parent, entry.address.clone(), entry.public_key)
        });
        (code, !topology.children_of(code).is_empty(), parent)
    });
    let reconsolidated = handle.with_core(|core| core.consolidate_all(unix_ms()))?;
    if reconsolidated > 0 {
        tracing::info!(node = %code, "brought {reconsolidated} rollups up to date at start");
    }
    if let Some(recovery) = handle.with_core(|core| core.recovery().cloned())
        && !recovery.is_finished()
    {
        let waiting: Vec<String> = recovery.waiting().iter().map(ToString::to_string).collect();
        tracing::info!(
            node = %code,
            backup_taken = %crate::clock::beijing_time(recovery.backup_taken_at_ms),
            waiting = %waiting.join(","),
            "restored from a backup: recovering, signing nothing until these children answer"
        );
    }
    let socket = match options.socket {
        Some(socket) => socket,
        None => node_socket(&handle, options.listen.clone())?,
    };
    let server_config = if has_children {
        let keys = handle.with_core(|core| peers::children_keys(core))?;
        let accepted = tls::AcceptedKeys::new(keys);
        handle.set_accepted_keys(accepted.clone());
        Some(tls::server_config(&handle.signing_key(), accepted)?)
    } else {
        None
    };
    let endpoint = quinn::Endpoint::new(
        endpoint_config(&handle.signing_key()),
        server_config,
        socket,
        Arc::new(quinn::TokioRuntime),
    )
    .with_context(|| crate::t!("node.listen.cannot_start_endpoint", code = code).into_owned())?;
    handle.set_local_address(endpoint.local_addr().ok());

    let mut tasks = JoinSet::new();
    if has_children {
        tasks.spawn(peers::accept_children(
            handle.clone(),
            endpoint.clone(),
            shutdown.child_token(),
        ));
    }
    if let Some((parent, _, _)) = parent {
        tasks.spawn(peers::connect_to_parent(
            handle.clone(),
            endpoint.clone(),
            peers::ParentLink {
                code: parent,
                retry_ms_min: options.retry_ms_min,
                retry_ms_max: options.retry_ms_max,
            },
            shutdown.child_token(),
        ));
    }
    tasks.spawn(topology_watch::follow_topology(
        handle.clone(),
        endpoint.clone(),
        shutdown.child_token(),
    ));
    if let Some((path, handler)) = options.control {
        let listener = control::bind(&path)?;
        tasks.spawn(control::serve(
            handler,
            listener,
            path,
            shutdown.child_token(),
        ));
    }
    let address = endpoint
        .local_addr()
        .map_or_else(|_| String::new(), |address| address.to_string());
    tracing::info!(node = %code, address = %address, "node running");

    let mut failure = None;
    tokio::select! {
        () = shutdown.cancelled() => {}
        Some(finished) = tasks.join_next() => {
            // A task only ends early on a fatal error (a control socket that cannot serve).
            match finished {
                Ok(Err(error)) => failure = Some(error),
                Err(join_error) => {
                    failure = Some(anyhow!(crate::t!(
                        "node.listen.task_panicked",
                        error = join_error
                    )))
                }
                Ok(Ok(())) => {}
            }
        }
    }
    shutdown.cancel();
    endpoint.close(quinn::VarInt::from_u32(0), b"node shutting down");
    while let Some(finished) = tasks.join_next().await {
        if let Ok(Err(error)) = finished {
            tracing::warn!(node = %code, "task ended with an error during shutdown: {error:#}");
        }
    }
    // Connections were told to close; give them a moment to say so to their peers.
    let _ = tokio::time::timeout(SHUTDOWN_DRAIN, endpoint.wait_idle()).await;
    tracing::info!(node = %code, "node stopped");
    failure.map_or(Ok(()), Err)
}
