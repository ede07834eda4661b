//! The handle every task of a running node shares: the core behind a lock, the change signal that
//! wakes the session towards the parent, and the state of each link for `status`.

use std::collections::{BTreeMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Mutex, MutexGuard};
use std::time::Instant;

use ed25519_dalek::SigningKey;
use protocol::Event;
use protocol::limits::SessionLimits;
use serde::{Deserialize, Serialize};
use tokio::sync::watch;
use topology::DivisionCode;

use super::handshakes::{HandshakeCounts, HandshakeTable};
use crate::clock::unix_ms;
use crate::core::NodeCore;

/// Refusals kept in memory for `status`; older ones are in the log.
const MAX_RECENT_REFUSALS: usize = 32;

/// The state of one link to a peer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkState {
    Connecting,
    Connected,
    Down,
}

/// What `status` shows of a link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkStatus {
    pub peer: DivisionCode,
    /// "parent" or "child".
    pub role: String,
    pub state: LinkState,
    /// When the last offer round on this link was settled, in Unix milliseconds.
    pub last_settled_ms: Option<i64>,
    pub last_error: Option<String>,
    pub bytes_sent: u64,
    pub bytes_received: u64,
    /// How full the session's bounded queues were when last looked at.
    #[serde(default)]
    pub queues: LinkQueues,
}

/// How full a session's queues are (see [`protocol::QueueDepths`]), for status and metrics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkQueues {
    /// Frames waiting to be written to the peer.
    pub outbox_frames: usize,
    /// Offered documents waiting to be pulled (parent side).
    pub documents_waiting: usize,
    /// Documents being pulled (parent side).
    pub documents_in_flight: usize,
}

impl From<protocol::QueueDepths> for LinkQueues {
    fn from(depths: protocol::QueueDepths) -> Self {
        LinkQueues {
            outbox_frames: depths.outbox_frames,
            documents_waiting: depths.documents_waiting,
            documents_in_flight: depths.documents_in_flight,
        }
    }
}

/// Bytes exchanged on a link so far, both directions together.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LinkCounters {
    /// Bytes of protocol frames.
    pub frame_bytes: u64,
    /// UDP payload bytes of the QUIC connection, as quinn counts them.
    pub quic_bytes: u64,
}

/// Shared by all tasks of one running node.
#[derive(Debug)]
pub struct NodeHandle {
    core: Mutex<NodeCore>,
    /// The key this node presents and signs with: replaced when a topology names its next key.
    signing_key: Mutex<SigningKey>,
    /// The node's directory, when it runs from one: where a new topology and key are written.
    directory: Option<crate::directory::NodeDirectory>,
    /// The children's keys the endpoint accepts, replaced when the topology changes.
    accepted_keys: Mutex<Option<crate::transport::tls::AcceptedKeys>>,
    code: DivisionCode,
    changes: watch::Sender<u64>,
    links: Mutex<BTreeMap<DivisionCode, LinkStatus>>,
    recent_refusals: Mutex<VecDeque<String>>,
    local_address: Mutex<Option<SocketAddr>>,
    /// The live connection of each link, for byte counters.
    connections: Mutex<BTreeMap<DivisionCode, quinn::Connection>>,
    /// The bounds every session of this node keeps (production values unless a test sets them).
    session_limits: SessionLimits,
    /// The handshakes the node's endpoint has in progress, by source, and what became of them.
    handshakes: Mutex<HandshakeTable>,
    /// The node's monotonic clock starts here: every session and the core's quotas count
    /// milliseconds from it, so times agree across sessions.
    started: Instant,
    /// Children held off after a session that ended for misbehaviour.
    hold_offs: Mutex<BTreeMap<DivisionCode, HoldOff>>,
    /// First and longest hold-off, in milliseconds (settable for tests).
    hold_off_ms: (u64, u64),
    /// Where the node's web console answers, once it serves (for `status` and the log).
    console_url: Mutex<Option<String>>,
    /// Where the node's metrics answer, once they serve (for `status`).
    metrics_url: Mutex<Option<String>>,
    /// What the node counts for its metrics as it happens (refusals by kind, objects stored).
    counts: Mutex<crate::metrics::EventCounts>,
    /// Refusal lines held back per peer: a flood is one log line a minute with a count.
    refusal_log: Mutex<BTreeMap<DivisionCode, RefusalLogWindow>>,
    /// The protocol version each peer's last hello named, when older than ours: the next session
    /// with it says that version (a node of the previous version refuses any other).
    peer_versions: Mutex<BTreeMap<DivisionCode, u32>>,
    /// How long imports and offer rounds take, for the metrics' histograms.
    durations: crate::metrics::Durations,
    /// When the offer round now running on each link started (a session's opening, or a local
    /// change sent to the parent), until it settles.
    rounds_started: Mutex<BTreeMap<DivisionCode, Instant>>,
}

/// The refusals of one peer within the current minute of the log.
#[derive(Debug, Clone, Copy)]
struct RefusalLogWindow {
    /// When the window's first refusal was logged.
    opened: Instant,
    /// Refusals after it, not logged one by one.
    held_back: u64,
}

/// How long a peer's refusals after one logged line are only counted.
const REFUSAL_LOG_WINDOW: std::time::Duration = std::time::Duration::from_secs(60);

/// First hold-off of a child whose session ended for misbehaviour: long enough that a forging
/// child costs its parent a few checks a minute, not a stream of them.
pub const HOLD_OFF_MS_MIN: u64 = 60_000;

/// Longest hold-off, reached by doubling while the child keeps misbehaving: an hour, so that a
/// child whose key was fixed (or whose bug was) is heard again the same day without an operator.
pub const HOLD_OFF_MS_MAX: u64 = 3_600_000;

/// A child the node refuses to hold sessions with for a while, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HoldOff {
    /// Until when, Unix milliseconds.
    pub until_ms: i64,
    /// How long this hold-off is; the next one is twice as long.
    pub duration_ms: u64,
    pub reason: String,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic in a task holding a lock is a bug we want reported, not hidden behind poisoning for
    // every other task: the data behind these locks stays consistent (each update is one call).
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl NodeHandle {
    pub fn new(core: NodeCore) -> Self {
        let (changes, _) = watch::channel(core.generation());
        Self {
            signing_key: Mutex::new(core.signing_key().clone()),
            directory: None,
            accepted_keys: Mutex::new(None),
            code: core.code(),
            core: Mutex::new(core),
            changes,
            links: Mutex::new(BTreeMap::new()),
            recent_refusals: Mutex::new(VecDeque::new()),
            local_address: Mutex::new(None),
            connections: Mutex::new(BTreeMap::new()),
            session_limits: SessionLimits::default(),
            started: Instant::now(),
            hold_offs: Mutex::new(BTreeMap::new()),
            hold_off_ms: (HOLD_OFF_MS_MIN, HOLD_OFF_MS_MAX),
            handshakes: Mutex::new(HandshakeTable::default()),
            console_url: Mutex::new(None),
            metrics_url: Mutex::new(None),
            counts: Mutex::new(crate::metrics::EventCounts::default()),
            refusal_log: Mutex::new(BTreeMap::new()),
            peer_versions: Mutex::new(BTreeMap::new()),
            durations: crate::metrics::Durations::default(),
            rounds_started: Mutex::new(BTreeMap::new()),
        }
    }

    /// The histograms of durations (shared: the metrics endpoint reads the same ones).
    pub fn durations(&self) -> &crate::metrics::Durations {
        &self.durations
    }

    /// Notes that an offer round with `peer` started now, unless one is already running.
    pub fn round_started(&self, peer: DivisionCode) {
        lock(&self.rounds_started)
            .entry(peer)
            .or_insert_with(Instant::now);
    }

    /// The session configuration for a link with `peer`: the hello names the version the peer
    /// last said when it is older than ours, and a node restored from a backup asks a child it
    /// still waits for to give back what it holds.
    pub fn session_config(
        &self,
        peer: DivisionCode,
        role: protocol::Role,
    ) -> protocol::SessionConfig {
        let (topology_version, recovering) = self.with_core(|core| {
            (
                core.topology().version(),
                role == protocol::Role::Parent && core.is_recovering_from(peer),
            )
        });
        let mut config = protocol::SessionConfig::new(
            self.code,
            peer,
            role,
            topology_version,
            self.session_limits(),
        );
        if let Some(version) = lock(&self.peer_versions).get(&peer) {
            config.hello_version = (*version).min(protocol::message::PROTOCOL_VERSION);
        }
        config.recovering = recovering;
        config
    }

    /// Remembers the version a peer's hello named, for the next session with it.
    fn remember_peer_version(&self, peer: DivisionCode, version: u32) {
        let mut versions = lock(&self.peer_versions);
        if version < protocol::message::PROTOCOL_VERSION {
            versions.insert(peer, version);
        } else {
            versions.remove(&peer);
        }
    }

    /// Records where the web console answers.
    pub fn set_console_url(&self, url: Option<String>) {
        *self.console_url.lock().expect("console url lock") = url;
    }

    /// Where the web console answers, when it serves.
    pub fn console_url(&self) -> Option<String> {
        self.console_url.lock().expect("console url lock").clone()
    }

    /// Records where the metrics answer.
    pub fn set_metrics_url(&self, url: Option<String>) {
        *lock(&self.metrics_url) = url;
    }

    /// Where the metrics answer, when they serve.
    pub fn metrics_url(&self) -> Option<String> {
        lock(&self.metrics_url).clone()
    }

    /// What the node has counted since it started.
    pub fn event_counts(&self) -> crate::metrics::EventCounts {
        lock(&self.counts).clone()
    }

    /// Logs a refusal unless this peer already had one logged within the minute: then it is
    /// counted, and the count is logged with the peer's next refusal after the minute.
    fn log_refusal(&self, peer: DivisionCode, text: &str) {
        let now = Instant::now();
        let mut windows = lock(&self.refusal_log);
        match windows.get_mut(&peer) {
            Some(window) if now.duration_since(window.opened) < REFUSAL_LOG_WINDOW => {
                window.held_back += 1;
            }
            Some(window) => {
                let held_back = window.held_back;
                *window = RefusalLogWindow {
                    opened: now,
                    held_back: 0,
                };
                if held_back > 0 {
                    tracing::warn!(
                        node = %self.code,
                        peer = %peer,
                        held_back,
                        "{}",
                        crate::t!("node.refusal.held_back", count = held_back, peer = peer)
                    );
                }
                tracing::warn!(node = %self.code, peer = %peer, "{text}");
            }
            None => {
                windows.insert(
                    peer,
                    RefusalLogWindow {
                        opened: now,
                        held_back: 0,
                    },
                );
                tracing::warn!(node = %self.code, peer = %peer, "{text}");
            }
        }
    }

    /// The same handle with other hold-off durations: tests shorten them this way.
    pub fn with_hold_off_ms(mut self, first_ms: u64, longest_ms: u64) -> Self {
        self.hold_off_ms = (first_ms, longest_ms.max(first_ms));
        self
    }

    /// Milliseconds on the node's monotonic clock.
    pub fn monotonic_ms(&self) -> u64 {
        self.started.elapsed().as_millis() as u64
    }

    /// The instant of a time on the node's monotonic clock.
    pub fn monotonic_instant(&self, ms: u64) -> Instant {
        self.started + std::time::Duration::from_millis(ms)
    }

    /// Holds a child off after a session that ended for misbehaviour: the first time for the
    /// shortest hold-off, then twice as long as the last one, up to the longest.
    pub fn hold_off(&self, child: DivisionCode, reason: String) {
        let (first_ms, longest_ms) = self.hold_off_ms;
        let mut hold_offs = lock(&self.hold_offs);
        let duration_ms = hold_offs.get(&child).map_or(first_ms, |previous| {
            (previous.duration_ms * 2).min(longest_ms)
        });
        let until_ms = unix_ms() + duration_ms as i64;
        tracing::warn!(node = %self.code, %child, "holding child off for {duration_ms} ms: {reason}");
        hold_offs.insert(
            child,
            HoldOff {
                until_ms,
                duration_ms,
                reason,
            },
        );
    }

    /// The hold-off in force for a child, if any.
    pub fn held_off(&self, child: DivisionCode) -> Option<HoldOff> {
        lock(&self.hold_offs)
            .get(&child)
            .filter(|hold_off| hold_off.until_ms > unix_ms())
            .cloned()
    }

    /// Every hold-off in force, for `status`.
    pub fn hold_offs(&self) -> Vec<(DivisionCode, HoldOff)> {
        let now = unix_ms();
        lock(&self.hold_offs)
            .iter()
            .filter(|(_, hold_off)| hold_off.until_ms > now)
            .map(|(child, hold_off)| (*child, hold_off.clone()))
            .collect()
    }

    /// The same handle with other session bounds: tests shorten timeouts this way.
    pub fn with_session_limits(mut self, limits: SessionLimits) -> Self {
        self.session_limits = limits;
        self
    }

    /// The bounds every session of this node keeps.
    pub fn session_limits(&self) -> SessionLimits {
        self.session_limits
    }

    pub fn code(&self) -> DivisionCode {
        self.code
    }

    /// The key the node presents now.
    pub fn signing_key(&self) -> SigningKey {
        lock(&self.signing_key).clone()
    }

    /// Presents `key` from now on (the core already signs with it).
    pub fn set_signing_key(&self, key: SigningKey) {
        *lock(&self.signing_key) = key;
    }

    /// The same handle, running from `directory`.
    pub fn with_directory(mut self, directory: crate::directory::NodeDirectory) -> Self {
        self.directory = Some(directory);
        self
    }

    pub fn directory(&self) -> Option<&crate::directory::NodeDirectory> {
        self.directory.as_ref()
    }

    /// Remembers the set of keys the endpoint accepts, to replace it when the topology changes.
    pub fn set_accepted_keys(&self, keys: crate::transport::tls::AcceptedKeys) {
        *lock(&self.accepted_keys) = Some(keys);
    }

    pub fn accepted_keys(&self) -> Option<crate::transport::tls::AcceptedKeys> {
        lock(&self.accepted_keys).clone()
    }

    /// Runs `work` on the core under its lock; wakes the parent session if what the node would
    /// send changed. Call from blocking threads for anything that touches documents.
    pub fn with_core<T>(&self, work: impl FnOnce(&mut NodeCore) -> T) -> T {
        let mut core = lock(&self.core);
        core.set_wall_clock(unix_ms());
        let before = core.generation();
        let result = work(&mut core);
        let after = core.generation();
        drop(core);
        if after != before {
            self.changes.send_replace(after);
        }
        result
    }

    /// A receiver that is told when the node has something new for its parent.
    pub fn subscribe_changes(&self) -> watch::Receiver<u64> {
        self.changes.subscribe()
    }

    /// Acts on what a session reports: the core consolidates or counts; refusals are logged and
    /// kept for `status`; settled rounds are recorded on the link.
    pub fn handle_session_event(&self, peer: DivisionCode, event: Event) {
        if let Err(error) = self.with_core(|core| core.apply_session_event(&event, unix_ms())) {
            tracing::error!(node = %self.code, "cannot act on a session event: {error}");
        }
        match event {
            Event::Refused(refusal) => {
                let text = crate::refusals::refusal_text(&refusal);
                self.log_refusal(peer, &text);
                lock(&self.counts).refused(refusal.reason.kind());
                let mut recent = lock(&self.recent_refusals);
                if recent.len() == MAX_RECENT_REFUSALS {
                    recent.pop_front();
                }
                recent.push_back(text);
            }
            Event::Settled { .. } => {
                self.update_link(peer, |link| link.last_settled_ms = Some(unix_ms()));
                if let Some(started) = lock(&self.rounds_started).remove(&peer) {
                    let role = lock(&self.links)
                        .get(&peer)
                        .map_or_else(String::new, |link| link.role.clone());
                    self.durations
                        .observe_round(&role, started.elapsed().as_secs_f64());
                }
            }
            Event::SubmissionStored { key, sequence } => {
                tracing::info!(node = %self.code, peer = %peer, document = %key, sequence, "submission stored");
                lock(&self.counts).submissions_stored += 1;
            }
            Event::RollupStored {
                node,
                ledger,
                period,
                ..
            } => {
                tracing::info!(node = %self.code, peer = %peer, from = %node, ledger = %ledger, period = %period, "rollup stored");
                lock(&self.counts).rollups_stored += 1;
            }
            Event::NoticeStored { key, .. } => {
                let about = key.map(|key| key.to_string()).unwrap_or_default();
                tracing::info!(node = %self.code, peer = %peer, about = %about, "notice stored");
            }
            Event::Opened {
                peer_protocol_version,
                ..
            } => {
                self.remember_peer_version(peer, peer_protocol_version);
                lock(&self.rounds_started).insert(peer, Instant::now());
            }
            Event::RecoveryAnswered {
                answered,
                notices,
                topology_version,
                protocol_version,
                ..
            } => {
                // The core recorded the answer (`apply_session_event`); the log says it.
                tracing::info!(
                    node = %self.code,
                    peer = %peer,
                    answered,
                    notices,
                    topology_version,
                    protocol_version,
                    "recovery: child answered"
                );
                if self.with_core(|core| core.recovery().is_some_and(|state| state.is_finished())) {
                    tracing::info!(node = %self.code, "recovery finished: every child answered; the node signs again");
                }
            }
            Event::TopologyAdopted { .. } => {}
        }
    }

    /// Records a link's new state.
    pub fn set_link(&self, status: LinkStatus) {
        lock(&self.links).insert(status.peer, status);
    }

    /// Changes a link's status in place, if it is known.
    pub fn update_link(&self, peer: DivisionCode, change: impl FnOnce(&mut LinkStatus)) {
        if let Some(link) = lock(&self.links).get_mut(&peer) {
            change(link);
        }
    }

    pub fn links(&self) -> Vec<LinkStatus> {
        lock(&self.links).values().cloned().collect()
    }

    pub fn recent_refusals(&self) -> Vec<String> {
        lock(&self.recent_refusals).iter().cloned().collect()
    }

    /// Remembers the connection of a link, replacing an older one.
    pub fn set_connection(&self, peer: DivisionCode, connection: quinn::Connection) {
        lock(&self.connections).insert(peer, connection);
    }

    /// Bytes exchanged with `peer` so far on its current connection.
    pub fn link_counters(&self, peer: DivisionCode) -> LinkCounters {
        let frame_bytes = lock(&self.links)
            .get(&peer)
            .map_or(0, |link| link.bytes_sent + link.bytes_received);
        let quic_bytes = lock(&self.connections).get(&peer).map_or(0, |connection| {
            let stats = connection.stats();
            stats.udp_tx.bytes + stats.udp_rx.bytes
        });
        LinkCounters {
            frame_bytes,
            quic_bytes,
        }
    }

    pub fn set_local_address(&self, address: Option<SocketAddr>) {
        *lock(&self.local_address) = address;
    }

    /// The handshake accounting of the node's endpoint, for the accept loop and its tasks.
    pub(super) fn handshakes(&self) -> MutexGuard<'_, HandshakeTable> {
        lock(&self.handshakes)
    }

    /// What the node's endpoint has done with handshakes so far: admitted, authenticated, refused,
    /// evicted.
    pub fn handshake_counts(&self) -> HandshakeCounts {
        lock(&self.handshakes).counts()
    }

    /// The address the node's endpoint is bound to, once running.
    pub fn local_address(&self) -> Option<SocketAddr> {
        *lock(&self.local_address)
    }
}
