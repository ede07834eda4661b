//! `huizong restore`: rebuilds a node whose store is lost or cannot be opened from what its parent
//! holds about its subtree.
//!
//! The order keeps every failure harmless: look at the store (missing, corrupt, empty, or fine,
//! which refuses the restore); fetch everything from the parent over QUIC with the node's own key
//! (the same mutual TLS as sessions) and check it in memory ([`protocol::RestoreClient`]); only
//! then move a corrupt store aside (renamed, never deleted) and write the restore into a fresh
//! one in one atomic batch. A parent that cannot be reached leaves the directory as it was.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, anyhow, bail};
use ed25519_dalek::SigningKey;
use protocol::{RestoreClient, Restored};
use serde::{Deserialize, Serialize};
use topology::{DivisionCode, Topology};

use super::bind_socket;
use crate::clock::unix_ms;
use crate::core::{KnownSequences, NodeCore, RestoreCounts, salvage_known_sequences};
use crate::directory::NodeDirectory;
use crate::store::{SledStore, StoreError};
use crate::transport::tls;

/// How long to wait for the parent to complete the handshake: a parent that does not answer in
/// this time is reported unreachable (it is on loopback or a provincial network, a few round
/// trips at most).
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// How long to wait for each piece of the parent's answer. The parent saves each document when its
/// turn comes, which takes seconds for the largest, so this is generous; a parent silent for longer
/// is treated as gone.
pub const READ_TIMEOUT: Duration = Duration::from_secs(120);

/// Bytes read from the stream at once.
const READ_CHUNK_BYTES: usize = 256 * 1024;

/// What a restore did, printed for the operator (or as JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RestoreReport {
    pub node: DivisionCode,
    pub parent: DivisionCode,
    pub parent_address: String,
    /// What the store was before: `missing`, `empty` or `corrupt`.
    pub store_was: String,
    /// Why the old store could not be used, when it was corrupt.
    pub store_error: Option<String>,
    /// Where a corrupt store was moved, when it was.
    pub moved_aside_to: Option<String>,
    /// Own documents whose restored latest submission was compared with what the old store
    /// still said (its own submissions and its parent's receipts), to catch a withholding parent.
    #[serde(default)]
    pub documents_compared: usize,
    pub counts: RestoreCounts,
}

/// The state of a node's store before a restore.
pub(crate) enum StoreState {
    Missing,
    Empty,
    /// Why it cannot be used, and what it still says about the node's own documents.
    Corrupt(String, KnownSequences),
}

/// Looks at the store: a restore goes ahead only when it is missing, empty, or cannot be opened.
pub(crate) fn examine_store(
    path: &Path,
    code: DivisionCode,
    key: &SigningKey,
    topology: &Topology,
) -> Result<StoreState> {
    if !path.exists() {
        return Ok(StoreState::Missing);
    }
    let store = match SledStore::open(path) {
        Ok(store) => store,
        Err(StoreError::Locked { .. }) => bail!(crate::t!(
            "node.restore.store_in_use",
            store = path.display()
        )),
        Err(error) => {
            return Ok(StoreState::Corrupt(
                error.to_string(),
                KnownSequences::default(),
            ));
        }
    };
    let known = salvage_known_sequences(&store, topology, code);
    match NodeCore::new(code, key.clone(), topology.clone(), Box::new(store)) {
        Err(error) => Ok(StoreState::Corrupt(error.to_string(), known)),
        Ok(core) => {
            let n_submissions = core.latest_submissions().count();
            let n_rollups = core.latest_rollups().count();
            if n_submissions == 0 && n_rollups == 0 {
                return Ok(StoreState::Empty);
            }
            bail!(crate::t!(
                "node.restore.store_usable",
                store = path.display(),
                submissions = n_submissions,
                rollups = n_rollups
            ))
        }
    }
}

/// Restores the node in `directory` from its parent. See the module documentation.
pub fn restore_directory(directory: &NodeDirectory) -> Result<RestoreReport> {
    if super::is_running(&directory.control_socket_path()) {
        bail!(crate::t!(
            "node.restore.node_running",
            dir = directory.root().display()
        ));
    }
    let config = directory.read_config()?;
    let topology = directory.read_topology()?;
    let key = directory.read_key()?;
    let code = config.code;
    let parent = topology
        .parent_of(code)
        .ok_or_else(|| anyhow!(crate::t!("node.restore.root_has_no_parent", code = code)))?;
    let parent_address = topology
        .node(parent)
        .and_then(|entry| entry.address.clone())
        .ok_or_else(|| {
            anyhow!(crate::t!(
                "node.link.parent_has_no_address",
                parent = parent
            ))
        })?;
    let store_path = directory.store_path();
    let state = examine_store(&store_path, code, &key, &topology)?;

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context(crate::t!("node.listen.cannot_start_runtime"))?;
    let restored = runtime.block_on(fetch_from_parent(&topology, code, &key))?;
    drop(runtime);
    // A parent that serves older submissions of this node's own documents than the node knows it
    // signed, or than the parent's own receipts say it received, withholds: refused.
    let known = match &state {
        StoreState::Corrupt(_, known) => known.clone(),
        StoreState::Missing | StoreState::Empty => KnownSequences::default(),
    };
    if let Some((document, served, known_sequence, source)) = known.first_withheld(&restored) {
        bail!(crate::t!(
            "node.restore.withheld",
            parent = parent,
            address = parent_address,
            served = served,
            document = document,
            known = known_sequence,
            source = source
        ));
    }

    let (store_was, store_error, moved_aside_to) = match state {
        StoreState::Missing => ("missing", None, None),
        StoreState::Empty => ("empty", None, None),
        StoreState::Corrupt(reason, _) => {
            let aside = move_aside(&store_path)?;
            ("corrupt", Some(reason), Some(aside))
        }
    };
    let store = SledStore::open(&store_path)?;
    let mut core = NodeCore::new(code, key, topology, Box::new(store)).with_context(|| {
        crate::t!("node.restore.cannot_open_fresh_store", code = code).into_owned()
    })?;
    core.set_wall_clock(unix_ms());
    let counts = core
        .write_restored(restored)
        .with_context(|| crate::t!("node.restore.cannot_write", code = code).into_owned())?;
    Ok(RestoreReport {
        node: code,
        parent,
        parent_address,
        store_was: store_was.to_owned(),
        store_error,
        moved_aside_to,
        documents_compared: known.latest.len(),
        counts,
    })
}

/// Renames a store to `store.corrupt-<unix seconds>` (with a counter if that exists).
pub(crate) fn move_aside(path: &Path) -> Result<String> {
    let seconds = unix_ms() / 1000;
    let name = path
        .file_name()
        .and_then(|name| name.to_str())
        .unwrap_or("store");
    let mut target = path.with_file_name(format!("{name}.corrupt-{seconds}"));
    let mut counter = 1;
    while target.exists() {
        target = path.with_file_name(format!("{name}.corrupt-{seconds}-{counter}"));
        counter += 1;
    }
    std::fs::rename(path, &target).with_context(|| {
        crate::t!(
            "node.restore.cannot_move_aside",
            store = path.display(),
            target = target.display()
        )
        .into_owned()
    })?;
    Ok(target.display().to_string())
}

/// Connects to the parent of `code` with the node's key, asks for everything it holds about the
/// node's subtree, and checks it all. Nothing is written.
pub async fn fetch_from_parent(
    topology: &Topology,
    code: DivisionCode,
    key: &SigningKey,
) -> Result<Restored> {
    let parent = topology
        .parent_of(code)
        .ok_or_else(|| anyhow!(crate::t!("node.restore.root_has_no_parent", code = code)))?;
    let entry = topology.node(parent).ok_or_else(|| {
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
    let parent_key = entry
        .public_key
        .ok_or_else(|| anyhow!(crate::t!("node.link.parent_has_no_key", parent = parent)))?;
    let unspecified = if address.starts_with('[') {
        "[::]:0"
    } else {
        "0.0.0.0:0"
    };
    let socket = bind_socket(unspecified, code.as_str())?;
    let endpoint = quinn::Endpoint::new(
        quinn::EndpointConfig::default(),
        None,
        socket,
        Arc::new(quinn::TokioRuntime),
    )
    .with_context(|| crate::t!("node.restore.cannot_start_endpoint", code = code).into_owned())?;
    let client_config = tls::client_config(key, *parent_key.verifying_key())?;
    let connect = async {
        let resolved = tokio::net::lookup_host(&address)
            .await?
            .next()
            .ok_or_else(|| {
                anyhow!(crate::t!(
                    "node.link.resolves_to_nothing",
                    address = address
                ))
            })?;
        let connection = endpoint
            .connect_with(client_config, resolved, tls::SERVER_NAME)?
            .await?;
        anyhow::Ok(connection)
    };
    let connection = tokio::time::timeout(CONNECT_TIMEOUT, connect)
        .await
        .map_err(|_| {
            anyhow!(crate::t!(
                "node.restore.unreachable",
                parent = parent,
                address = address,
                seconds = CONNECT_TIMEOUT.as_secs()
            ))
        })?
        .with_context(|| {
            crate::t!(
                "node.restore.cannot_connect",
                parent = parent,
                address = address
            )
            .into_owned()
        })?;
    let outcome = exchange(&connection, topology, code, parent).await;
    connection.close(quinn::VarInt::from_u32(0), b"restore over");
    let _ = tokio::time::timeout(Duration::from_secs(2), endpoint.wait_idle()).await;
    let client = outcome.with_context(|| {
        crate::t!("node.restore.failed", parent = parent, address = address).into_owned()
    })?;
    tokio::task::spawn_blocking(move || client.finish())
        .await
        .map_err(|join_error| {
            anyhow!(crate::t!("node.restore.check_panicked", error = join_error))
        })?
        .with_context(|| {
            crate::t!(
                "node.restore.refused_by_check",
                parent = parent,
                address = address
            )
            .into_owned()
        })
}

/// Moves the restore's frames until its last page is in.
async fn exchange(
    connection: &quinn::Connection,
    topology: &Topology,
    code: DivisionCode,
    parent: DivisionCode,
) -> Result<RestoreClient> {
    let (mut send, mut recv) = connection.open_bi().await?;
    let mut client = RestoreClient::new(topology.clone(), code, parent);
    let mut buffer = vec![0u8; READ_CHUNK_BYTES];
    loop {
        while let Some(frame) = client.poll_transmit() {
            send.write_all(&frame).await?;
        }
        if client.is_finished() {
            let _ = send.finish();
            return Ok(client);
        }
        let read = tokio::time::timeout(READ_TIMEOUT, recv.read(&mut buffer))
            .await
            .map_err(|_| {
                anyhow!(crate::t!(
                    "node.restore.silent_parent",
                    parent = parent,
                    seconds = READ_TIMEOUT.as_secs(),
                    pages = client.pages_received()
                ))
            })??;
        match read {
            Some(n_bytes) => client.handle_bytes(&buffer[..n_bytes])?,
            None => client.handle_end_of_stream()?,
        }
    }
}
