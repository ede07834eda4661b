//! One connection's task: moves bytes between a QUIC stream and a [`Session`], runs the session's
//! work on the core on a blocking thread, and wakes it on local changes and timeouts.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Result, anyhow};
use protocol::{Role, Session, SessionError, SessionStats};
use tokio_util::sync::CancellationToken;
use topology::DivisionCode;

use super::node_handle::NodeHandle;
use crate::core::NodeCore;

/// Bytes read from the stream per wake-up: bounds the work done before the task yields.
const READ_CHUNK_BYTES: usize = 256 * 1024;

/// One piece of work for a session on the core, run on a blocking thread.
type SessionWork = Box<dyn FnOnce(&mut Session, &mut NodeCore) -> Result<(), SessionError> + Send>;

/// How long a session that ends waits for its last frames to be acknowledged: a few round trips
/// on a poor link, and no more, so that a peer that stopped reading cannot hold the task.
const FINAL_FRAMES_DRAIN: Duration = Duration::from_secs(2);

/// How long a parent waits for a connected child to open its stream and say hello.
const OPEN_STREAM_TIMEOUT: Duration = Duration::from_secs(30);

/// Runs `work` on the session and the core on a blocking thread (automerge work can take seconds
/// on large documents), then hands the session's events to the node. The session comes back with
/// the work's outcome, so that a session that failed can still be looked at.
async fn on_core(
    handle: &Arc<NodeHandle>,
    session: Session,
    work: impl FnOnce(&mut Session, &mut NodeCore) -> Result<(), SessionError> + Send + 'static,
) -> Result<(Session, Result<(), SessionError>)> {
    let handle = handle.clone();
    tokio::task::spawn_blocking(move || {
        let mut session = session;
        let result = handle.with_core(|core| work(&mut session, core));
        let peer = session.config().peer;
        while let Some(event) = session.poll_event() {
            handle.handle_session_event(peer, event);
        }
        (session, result)
    })
    .await
    .map_err(|join_error| anyhow!(crate::t!("node.session.work_panicked", error = join_error)))
}

/// Runs one session over `connection` until either side ends it or `cancel` fires.
pub async fn run_session(
    handle: Arc<NodeHandle>,
    connection: quinn::Connection,
    role: Role,
    peer: DivisionCode,
    cancel: CancellationToken,
) -> Result<SessionStats> {
    let (mut send, mut recv) = match role {
        Role::Child => connection.open_bi().await?,
        Role::Parent => tokio::time::timeout(OPEN_STREAM_TIMEOUT, connection.accept_bi())
            .await
            .map_err(|_| {
                anyhow!(crate::t!(
                    "node.session.no_stream",
                    peer = peer,
                    seconds = OPEN_STREAM_TIMEOUT.as_secs()
                ))
            })??,
    };
    if role == Role::Parent
        && let Some(hold_off) = handle.held_off(peer)
    {
        connection.close(quinn::VarInt::from_u32(2), b"held off");
        return Err(anyhow!(crate::t!(
            "node.session.held_off",
            peer = peer,
            time = crate::clock::beijing_time(hold_off.until_ms),
            reason = hold_off.reason
        )));
    }
    handle.set_connection(peer, connection.clone());
    // The key the peer proved: once the topology no longer names it as the peer's current key
    // (retired or revoked), the session ends.
    let peer_key = crate::transport::tls::peer_key(&connection)?;
    let limits = handle.session_limits();
    let session = Session::new(handle.session_config(peer, role), handle.monotonic_ms());
    let elapsed_ms = {
        let handle = handle.clone();
        move || handle.monotonic_ms()
    };
    let mut changes = handle.subscribe_changes();
    changes.mark_unchanged();
    let mut buffer = vec![0u8; READ_CHUNK_BYTES];
    let mut session = Some(session);
    let outcome: Result<()> = async {
        loop {
            let current = session
                .as_mut()
                .expect("the session is back after every piece of work");
            while let Some(frame) = current.poll_transmit() {
                write_frame(&mut send, &frame, &limits, peer).await?;
            }
            if let Some(reason) = key_no_longer_current(&handle, peer, &peer_key, role, current) {
                return Err(anyhow!(reason));
            }
            let stats = current.stats();
            let queues = current.queue_depths().into();
            handle.update_link(peer, |link| {
                link.bytes_sent = stats.bytes_sent;
                link.bytes_received = stats.bytes_received;
                link.queues = queues;
            });
            let deadline = current
                .poll_timeout()
                .map(|ms| tokio::time::Instant::from_std(handle.monotonic_instant(ms)));
            let now = elapsed_ms();
            let work: SessionWork = tokio::select! {
                () = cancel.cancelled() => return Ok(()),
                read = recv.read(&mut buffer) => match read? {
                    Some(n_bytes) => {
                        let bytes = buffer[..n_bytes].to_vec();
                        Box::new(move |session, core| session.handle_bytes(now, &bytes, core))
                    }
                    None => {
                        current.handle_end_of_stream()?;
                        return Ok(());
                    }
                },
                changed = changes.changed() => {
                    if changed.is_err() {
                        return Ok(());
                    }
                    if role == Role::Child {
                        // A change to send up starts an offer round, timed until it settles.
                        handle.round_started(peer);
                    }
                    Box::new(move |session, core| session.handle_local_change(now, core))
                }
                () = async {
                    match deadline {
                        Some(deadline) => tokio::time::sleep_until(deadline).await,
                        None => std::future::pending().await,
                    }
                } => Box::new(move |session, core| session.handle_timeout(now, core)),
            };
            let taken = session.take().expect("the session is here");
            let (returned, result) = on_core(&handle, taken, work).await?;
            session = Some(returned);
            result?;
        }
    }
    .await;
    // What was written last (a topology for a child with a retired key, a refusal's aftermath)
    // is delivered before the connection closes, for a moment at most.
    if send.finish().is_ok() {
        let _ = tokio::time::timeout(FINAL_FRAMES_DRAIN, send.stopped()).await;
    }
    connection.close(quinn::VarInt::from_u32(0), b"session over");
    if let Err(error) = &outcome
        && role == Role::Parent
        && let Some(SessionError::TooManyRefusals { count, last, .. }) =
            error.downcast_ref::<SessionError>()
    {
        handle.hold_off(
            peer,
            crate::t!("node.session.too_many_refusals", count = count, last = last).into_owned(),
        );
    }
    outcome.map(|()| session.map(|session| session.stats()).unwrap_or_default())
}

/// Writes one frame, held to the same progress rule as reading: a peer that stops reading (and so
/// stops QUIC's flow control from opening) cannot hold the session's task forever.
async fn write_frame(
    send: &mut quinn::SendStream,
    frame: &[u8],
    limits: &protocol::limits::SessionLimits,
    peer: DivisionCode,
) -> Result<()> {
    let allowed_ms = limits.frame_grace_ms
        + frame.len() as u64 * 1000 / limits.frame_min_bytes_per_second.max(1);
    tokio::time::timeout(Duration::from_millis(allowed_ms), send.write_all(frame))
        .await
        .map_err(|_| {
            anyhow!(crate::t!(
                "node.session.frame_not_taken",
                peer = peer,
                bytes = frame.len(),
                ms = allowed_ms
            ))
        })??;
    Ok(())
}

/// Why a session must end because the peer's key is no longer its current one, if it must. A
/// child with a retired key is first sent the topology that names its new key (so that it can
/// switch and come back); our parent's retired key ends the link at once, and the next connection
/// expects the parent's new key.
fn key_no_longer_current(
    handle: &NodeHandle,
    peer: DivisionCode,
    peer_key: &ed25519_dalek::VerifyingKey,
    role: Role,
    session: &Session,
) -> Option<String> {
    let (current, version) = handle.with_core(|core| {
        (
            core.topology()
                .node(peer)
                .and_then(|entry| entry.public_key)
                .map(|key| *key.verifying_key()),
            core.topology().version(),
        )
    });
    if current.as_ref() == Some(peer_key) {
        return None;
    }
    if role == Role::Parent && session.peer_topology_version() < version {
        // Not yet told: the topology goes out with the session's next frames.
        return None;
    }
    Some(
        crate::t!(
            "node.session.key_no_longer_current",
            peer = peer,
            version = version
        )
        .into_owned(),
    )
}
