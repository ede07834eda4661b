//! A stranger that holds a parent's handshake slots: QUIC handshakes that get past the parent's
//! stateless Retry and then go silent.
//!
//! Each attempt is a real quinn client on its own UDP socket bound to a chosen source address
//! (Linux routes all of 127.0.0.0/8 to loopback, so `127.0.0.N` are as many hosts). The socket is
//! wrapped ([`StallingSocket`]) so that it forwards what the client sends only until the server
//! answers the handshake: the first Initial, the Initial that carries the Retry token (and their
//! retransmissions). From the server's first Initial or Handshake packet on, everything the client
//! would send is dropped, so the server holds a real pending handshake, retransmitting its flight
//! and waiting for a certificate and `Finished` that never come. The client still receives: it sees
//! its handshake complete on its side (TLS 1.3 clients finish first) and later sees the server
//! close the connection, or refuse the attempt outright.
//!
//! Attackers present a self-signed certificate for a fresh random key, so even a handshake that was
//! let through could never authenticate.
//!
//! [`StallingClient::hold`] keeps one stalled handshake open from an address for as long as asked,
//! opening another whenever the server closes one; [`StallingClient::fire`] makes many quick
//! attempts. Both count what happened in a shared [`Tally`].

use std::io::{self, IoSliceMut};
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result};
use ed25519_dalek::VerifyingKey;
use quinn::udp::{RecvMeta, Transmit};
use quinn::{
    AsyncUdpSocket, ConnectionError, Endpoint, EndpointConfig, Runtime, TokioRuntime,
    TransportErrorCode, UdpPoller, VarInt,
};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

/// How long an attempt waits for the server to answer (refuse it, or send its handshake flight):
/// loopback answers in milliseconds, so an attempt unanswered after this was dropped.
pub const ANSWER_TIMEOUT: Duration = Duration::from_secs(5);

/// The first byte of a QUIC long-header packet has its top bit set (RFC 9000, section 17.2).
const LONG_HEADER_BIT: u8 = 0x80;

/// The two bits of a version 1 long header's first byte that give the packet type.
const PACKET_TYPE_BITS: u8 = 0x30;

/// The packet type of a Retry in those bits (RFC 9000, section 17.2.5).
const RETRY_PACKET_TYPE: u8 = 0x30;

/// A UDP socket that stops sending once the server has answered the handshake.
#[derive(Debug)]
struct StallingSocket {
    /// The real socket, as quinn's tokio runtime wraps it.
    inner: Arc<dyn AsyncUdpSocket>,
    /// Set when a datagram from the server carries an Initial or Handshake packet (anything but a
    /// Retry or a version negotiation): from then on nothing is sent.
    answered: AtomicBool,
}

impl StallingSocket {
    fn new(source: IpAddr) -> io::Result<Self> {
        let socket = std::net::UdpSocket::bind(SocketAddr::new(source, 0))?;
        socket.set_nonblocking(true)?;
        Ok(Self {
            inner: TokioRuntime.wrap_udp_socket(socket)?,
            answered: AtomicBool::new(false),
        })
    }
}

/// Whether a datagram from the server carries its part of the handshake: a version 1 long-header
/// packet that is not a Retry. Header protection leaves these bits in the clear.
fn is_handshake_answer(datagram: &[u8]) -> bool {
    let Some((&first, rest)) = datagram.split_first() else {
        return false;
    };
    let is_version_negotiation = rest.get(..4) == Some(&[0, 0, 0, 0]);
    first & LONG_HEADER_BIT != 0
        && !is_version_negotiation
        && first & PACKET_TYPE_BITS != RETRY_PACKET_TYPE
}

impl AsyncUdpSocket for StallingSocket {
    fn create_io_poller(self: Arc<Self>) -> Pin<Box<dyn UdpPoller>> {
        self.inner.clone().create_io_poller()
    }

    fn try_send(&self, transmit: &Transmit) -> io::Result<()> {
        if self.answered.load(Ordering::Acquire) {
            // Pretend it went: the client must not notice, the server must hear nothing.
            return Ok(());
        }
        self.inner.try_send(transmit)
    }

    fn poll_recv(
        &self,
        cx: &mut Context,
        bufs: &mut [IoSliceMut<'_>],
        meta: &mut [RecvMeta],
    ) -> Poll<io::Result<usize>> {
        let result = self.inner.poll_recv(cx, bufs, meta);
        if let Poll::Ready(Ok(count)) = &result {
            for (buffer, meta) in bufs.iter().zip(meta.iter()).take(*count) {
                let received = &buffer[..meta.len.min(buffer.len())];
                if received.chunks(meta.stride.max(1)).any(is_handshake_answer) {
                    self.answered.store(true, Ordering::Release);
                }
            }
        }
        result
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.local_addr()
    }

    fn max_transmit_segments(&self) -> usize {
        self.inner.max_transmit_segments()
    }

    fn max_receive_segments(&self) -> usize {
        self.inner.max_receive_segments()
    }

    fn may_fragment(&self) -> bool {
        self.inner.may_fragment()
    }
}

/// How one attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The server refused the attempt before any handshake (`CONNECTION_REFUSED`).
    Refused,
    /// The server answered nothing within [`ANSWER_TIMEOUT`].
    Unanswered,
    /// The attempt failed before the server answered, for another reason.
    Failed,
    /// The server sent its handshake flight and waited for ours; it closed the handshake after
    /// `held` (an eviction, or its handshake timeout).
    ClosedByServer { held: Duration },
    /// The server sent its handshake flight and was still waiting when the attempt gave up.
    HeldToTheEnd { held: Duration },
}

/// What a group of attempts did, counted as they end; shared by every task of an attack so a test
/// can watch it.
#[derive(Debug, Default)]
pub struct Tally {
    attempts: AtomicU64,
    refused: AtomicU64,
    unanswered: AtomicU64,
    failed: AtomicU64,
    stalled: AtomicU64,
    stalled_now: AtomicU64,
    closed_by_server: AtomicU64,
    held_to_the_end: AtomicU64,
    longest_held_ms: AtomicU64,
}

/// A snapshot of a [`Tally`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TallyCounts {
    /// Attempts started.
    pub attempts: u64,
    /// Attempts the server refused outright.
    pub refused: u64,
    /// Attempts the server never answered.
    pub unanswered: u64,
    /// Attempts that failed before an answer for another reason.
    pub failed: u64,
    /// Attempts whose handshake the server started and then waited on (a stalled handshake).
    pub stalled: u64,
    /// Stalled handshakes the server is holding right now.
    pub stalled_now: u64,
    /// Stalled handshakes the server closed (evicted or timed out).
    pub closed_by_server: u64,
    /// Stalled handshakes still held when their attempt stopped.
    pub held_to_the_end: u64,
    /// The longest any one stalled handshake was held, in milliseconds.
    pub longest_held_ms: u64,
}

impl Tally {
    pub fn counts(&self) -> TallyCounts {
        let load = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        TallyCounts {
            attempts: load(&self.attempts),
            refused: load(&self.refused),
            unanswered: load(&self.unanswered),
            failed: load(&self.failed),
            stalled: load(&self.stalled),
            stalled_now: load(&self.stalled_now),
            closed_by_server: load(&self.closed_by_server),
            held_to_the_end: load(&self.held_to_the_end),
            longest_held_ms: load(&self.longest_held_ms),
        }
    }

    fn count_end(&self, outcome: Outcome) {
        let counter = match outcome {
            Outcome::Refused => &self.refused,
            Outcome::Unanswered => &self.unanswered,
            Outcome::Failed => &self.failed,
            Outcome::ClosedByServer { held } | Outcome::HeldToTheEnd { held } => {
                self.stalled_now.fetch_sub(1, Ordering::Relaxed);
                let held_ms = u64::try_from(held.as_millis()).unwrap_or(u64::MAX);
                self.longest_held_ms.fetch_max(held_ms, Ordering::Relaxed);
                if matches!(outcome, Outcome::ClosedByServer { .. }) {
                    &self.closed_by_server
                } else {
                    &self.held_to_the_end
                }
            }
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }
}

/// Opens stalled handshakes to one server.
#[derive(Debug, Clone)]
pub struct StallingClient {
    server: SocketAddr,
    /// A client configuration for a fresh random key, which the server's verifier never accepts;
    /// it expects the server's real key, so the attacker's side of the handshake goes through.
    config: quinn::ClientConfig,
    tally: Arc<Tally>,
}

impl StallingClient {
    /// An attacker of the server at `server`, whose key is `server_key` (public in the topology).
    pub fn new(server: SocketAddr, server_key: VerifyingKey) -> Result<Self> {
        let stranger = node::directory::generate_key()?;
        let config = node::transport::tls::client_config(&stranger, server_key)?;
        Ok(Self {
            server,
            config,
            tally: Arc::default(),
        })
    }

    /// What this client's attempts did so far.
    pub fn tally(&self) -> &Tally {
        &self.tally
    }

    /// One attempt from `source`: gets past the Retry, stalls the handshake, and holds it until the
    /// server closes it, `hold` passes or `stop` fires.
    pub async fn attempt(
        &self,
        source: IpAddr,
        hold: Duration,
        stop: &CancellationToken,
    ) -> Result<Outcome> {
        let socket = Arc::new(
            StallingSocket::new(source)
                .with_context(|| format!("cannot bind a UDP socket on {source}"))?,
        );
        let endpoint = Endpoint::new_with_abstract_socket(
            EndpointConfig::default(),
            None,
            socket,
            Arc::new(TokioRuntime),
        )?;
        self.tally.attempts.fetch_add(1, Ordering::Relaxed);
        let connecting = endpoint.connect_with(
            self.config.clone(),
            self.server,
            node::transport::tls::SERVER_NAME,
        )?;
        let answer = tokio::select! {
            () = stop.cancelled() => None,
            answer = tokio::time::timeout(ANSWER_TIMEOUT, connecting) => Some(answer),
        };
        let outcome = match answer {
            None => Outcome::Unanswered,
            Some(Err(_elapsed)) => Outcome::Unanswered,
            Some(Ok(Err(ConnectionError::ConnectionClosed(close))))
                if close.error_code == TransportErrorCode::CONNECTION_REFUSED =>
            {
                Outcome::Refused
            }
            Some(Ok(Err(_))) => Outcome::Failed,
            Some(Ok(Ok(connection))) => {
                // Our side of the handshake is done; the server never heard it.
                self.tally.stalled.fetch_add(1, Ordering::Relaxed);
                self.tally.stalled_now.fetch_add(1, Ordering::Relaxed);
                let stalled_at = Instant::now();
                let closed = tokio::select! {
                    _ = connection.closed() => true,
                    () = tokio::time::sleep(hold) => false,
                    () = stop.cancelled() => false,
                };
                let held = stalled_at.elapsed();
                // The close is dropped like everything else we send: the server finds out by itself.
                connection.close(VarInt::from_u32(0), b"");
                if closed {
                    Outcome::ClosedByServer { held }
                } else {
                    Outcome::HeldToTheEnd { held }
                }
            }
        };
        self.tally.count_end(outcome);
        endpoint.close(VarInt::from_u32(0), b"");
        Ok(outcome)
    }

    /// Keeps one stalled handshake open from `source` until `stop` fires: another is opened as
    /// soon as the server closes one, and `pause_after_refusal` after the server refuses one.
    pub async fn hold(
        self,
        source: IpAddr,
        pause_after_refusal: Duration,
        stop: CancellationToken,
    ) -> Result<()> {
        /// Longer than any test runs: the handshake is held until the server or `stop` ends it.
        const FOREVER: Duration = Duration::from_secs(24 * 60 * 60);
        while !stop.is_cancelled() {
            match self.attempt(source, FOREVER, &stop).await? {
                Outcome::ClosedByServer { .. } => {}
                Outcome::HeldToTheEnd { .. } => break,
                Outcome::Refused | Outcome::Unanswered | Outcome::Failed => {
                    tokio::select! {
                        () = stop.cancelled() => break,
                        () = tokio::time::sleep(pause_after_refusal) => {}
                    }
                }
            }
        }
        Ok(())
    }

    /// Makes `attempts` quick attempts, from `sources` in turn, one every `spacing` and at most
    /// `concurrency` at once; each stalls its handshake for at most `linger` and then gives up (the
    /// server is not told: it holds the handshake until it ends it itself). Stops early when `stop`
    /// fires.
    pub async fn fire(
        self,
        sources: Vec<IpAddr>,
        attempts: usize,
        concurrency: usize,
        spacing: Duration,
        linger: Duration,
        stop: CancellationToken,
    ) -> Result<()> {
        assert!(!sources.is_empty() && concurrency > 0);
        let mut ticks = tokio::time::interval(spacing.max(MIN_SPACING));
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut running = JoinSet::new();
        let mut started = 0;
        loop {
            let may_start = started < attempts && running.len() < concurrency;
            if !may_start && running.is_empty() {
                break;
            }
            tokio::select! {
                () = stop.cancelled(), if started < attempts => started = attempts,
                _ = ticks.tick(), if may_start => {
                    let (client, source) = (self.clone(), sources[started % sources.len()]);
                    let stop = stop.clone();
                    running.spawn(async move { client.attempt(source, linger, &stop).await });
                    started += 1;
                }
                Some(finished) = running.join_next(), if !running.is_empty() => {
                    finished??;
                }
            }
        }
        Ok(())
    }
}

/// The shortest spacing [`StallingClient::fire`] keeps between attempts (tokio's interval needs
/// a period above zero).
const MIN_SPACING: Duration = Duration::from_micros(1);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_servers_initial_or_handshake_packet_is_an_answer() {
        let version_1 = [0, 0, 0, 1];
        let packet = |first: u8, version: [u8; 4]| {
            let mut datagram = vec![first];
            datagram.extend_from_slice(&version);
            datagram
        };
        assert!(is_handshake_answer(&packet(0xc0, version_1)), "Initial");
        assert!(is_handshake_answer(&packet(0xe0, version_1)), "Handshake");
        assert!(!is_handshake_answer(&packet(0xf0, version_1)), "Retry");
        assert!(
            !is_handshake_answer(&packet(0xc0, [0; 4])),
            "version negotiation"
        );
        assert!(
            !is_handshake_answer(&packet(0x40, version_1)),
            "short header"
        );
        assert!(!is_handshake_answer(&[]));
    }
}
