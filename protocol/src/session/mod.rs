//! The peer session: one state machine per connection, fed by the driver and drained by it.
//!
//! The driver feeds bytes read from the stream with [`Session::handle_bytes`], tells it of local
//! changes with [`Session::handle_local_change`] and of time with [`Session::handle_timeout`], and
//! drains [`Session::poll_transmit`] (frames to write), [`Session::poll_event`] (what was stored
//! or refused) and [`Session::poll_timeout`] (when to call back). No I/O, no clock: time is the
//! driver's monotonic milliseconds.
//!
//! The conversation on one tree edge:
//! 1. both sides send `Hello`, then the notices (review decisions) the peer may see; both send new
//!    ones whenever they are told of a local change (see `notices.rs`);
//! 2. the child offers the latest signed submissions it holds, in pages (an offer round);
//! 3. the parent verifies each, and pulls every document it lacks with automerge sync, a few at a
//!    time, storing a replica only when it ends exactly at the signed heads;
//! 4. when the round is done, the parent sends `Settled` and the child sends its rollups, deepest
//!    first, which the parent checks against the inputs it holds;
//! 5. idle until a local change at the child starts a new round with what changed.
//!
//! A child that lost its store sends `RestoreRequest` after its hello instead of offering; the
//! parent's session then answers its `RestoreNext` requests page by page (`restore_serve.rs`).
//!
//! A parent restored from a backup (version 7 on) sends `RecoveryRequest` after its hello; the
//! child answers with its newer topology and every notice it holds about its subtree and the
//! root's definitions and locks (`recovery.rs`), before its offer is settled.
//!
//! Each hello names the newest protocol version its sender speaks; the session speaks the older
//! of the two ([`crate::message::negotiated_version`]) and never sends a message that version
//! lacks.

use std::collections::VecDeque;

use schemas::{Ledger, Period};
use topology::DivisionCode;

use crate::frame::{FrameDecoder, FrameError};
use crate::key::DocumentKey;
use crate::limits::{MAX_EVENTS, MAX_OUTBOX_FRAMES, SessionLimits};
use crate::message::{Message, MessageError, PROTOCOL_VERSION, negotiated_version};
use crate::refusal::{Refusal, RefusalReason};
use crate::replicas::{Replicas, StoreFailure};

mod deadlines;
mod download;
mod notices;
mod recovery;
mod restore_serve;
mod topology_exchange;
mod upload;

use deadlines::Deadlines;
use download::Download;
use notices::NoticeExchange;
use recovery::RecoveryExchange;
use restore_serve::RestoreServe;
use upload::Upload;

/// Which end of a tree edge this session is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// We accepted the connection of one of our children: we receive.
    Parent,
    /// We connected to our parent: we send.
    Child,
}

/// Who talks to whom.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionConfig {
    pub local: DivisionCode,
    /// The peer as authenticated by the transport (its key is the one the topology names).
    pub peer: DivisionCode,
    pub role: Role,
    /// The version of the topology we hold, announced in `Hello`.
    pub topology_version: u64,
    /// Timeouts and caps; production values unless a test shortens them.
    pub limits: SessionLimits,
    /// The protocol version our hello names: [`PROTOCOL_VERSION`], or the older version the peer
    /// said in an earlier session (a version-6 node refuses any hello but its own).
    pub hello_version: u32,
    /// We were restored from a backup and have not yet taken back from this child what it holds
    /// (as a parent only; see `recovery.rs`).
    pub recovering: bool,
}

impl SessionConfig {
    /// A session of this build's protocol version, not recovering.
    pub fn new(
        local: DivisionCode,
        peer: DivisionCode,
        role: Role,
        topology_version: u64,
        limits: SessionLimits,
    ) -> Self {
        Self {
            local,
            peer,
            role,
            topology_version,
            limits,
            hello_version: PROTOCOL_VERSION,
            recovering: false,
        }
    }
}

/// What happened, for the driver to act on (consolidate, log, count).
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// Both hellos exchanged.
    Opened {
        peer_topology_version: u64,
        /// The newest version the peer's hello named (the driver opens its next session with
        /// this peer saying it when it is older than ours).
        peer_protocol_version: u32,
        /// The version this session speaks.
        protocol_version: u32,
    },
    /// Parent side, recovering from a backup: the child answered the recovery request, every
    /// page checked (`notices` stored of those it sent), or cannot answer because the session
    /// speaks a version without recovery (`answered` false).
    RecoveryAnswered {
        child: DivisionCode,
        answered: bool,
        notices: usize,
        topology_version: Option<u64>,
        /// The version the session speaks.
        protocol_version: u32,
    },
    /// A replica and its submission were stored.
    SubmissionStored { key: DocumentKey, sequence: u64 },
    /// A rollup was stored.
    RollupStored {
        node: DivisionCode,
        ledger: Ledger,
        period: Period,
        sequence: u64,
    },
    /// Something the peer sent was not stored.
    Refused(Refusal),
    /// Child side: the parent settled our latest offer round and our rollups went out. Parent
    /// side: this node settled the child's round (everything it offered is fetched or refused).
    /// Either way the link's "last settled" time.
    Settled { round: u64 },
    /// Child side: the parent sent a newer topology, which was checked, stored and is now in
    /// force (the driver updates the keys it accepts and may switch this node's own key).
    TopologyAdopted { version: u64 },
    /// A notice (a review decision, a return definition) was stored.
    NoticeStored {
        /// The document a decision is about; `None` for a definition.
        key: Option<DocumentKey>,
        hash: crate::signed::ObjectHash,
    },
}

/// A failure that ends the session: the peer broke the protocol, or our store failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SessionError {
    #[error("peer {peer}: {source}")]
    Frame {
        peer: DivisionCode,
        source: FrameError,
    },
    #[error("peer {peer}: {source}")]
    Message {
        peer: DivisionCode,
        source: MessageError,
    },
    #[error("peer {peer} says hello as {claimed}")]
    WrongPeer {
        peer: DivisionCode,
        claimed: DivisionCode,
    },
    #[error("peer {peer} speaks protocol version {theirs}, we speak {ours}")]
    ProtocolVersion {
        peer: DivisionCode,
        ours: u32,
        theirs: u32,
    },
    #[error("peer {peer} sent {kind} out of turn ({context})")]
    OutOfTurn {
        peer: DivisionCode,
        kind: &'static str,
        context: &'static str,
    },
    #[error("peer {peer} sent a page of {count} {what}, more than the limit of {limit}")]
    PageTooLarge {
        peer: DivisionCode,
        what: &'static str,
        count: usize,
        limit: usize,
    },
    #[error("the session's {queue} queue is full ({limit}); the driver is not draining it")]
    QueueFull { queue: &'static str, limit: usize },
    #[error("store failure during the session with {peer}: {source}")]
    Store {
        peer: DivisionCode,
        source: StoreFailure,
    },
    #[error("peer {peer} stalled: {what} for {waited_ms} ms")]
    PeerStalled {
        peer: DivisionCode,
        what: String,
        waited_ms: u64,
    },
    #[error(
        "peer {peer} sent {count} objects that had to be refused for misbehaviour in one \
         session (the last: {last}); the session ends"
    )]
    TooManyRefusals {
        peer: DivisionCode,
        count: u32,
        last: String,
    },
    #[error("peer {peer} sent more than {limit} notices in one session")]
    TooManyNotices { peer: DivisionCode, limit: usize },
    /// The peer sent automerge data that inflates past a cap (it was refused and counted first).
    #[error("peer {peer} sent data that inflates past a cap: {source}")]
    InflatesPastCap {
        peer: DivisionCode,
        source: crate::inflation::CapExceeded,
    },
}

/// Counters of one session, for status and benchmarks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SessionStats {
    pub frames_sent: u64,
    pub bytes_sent: u64,
    pub frames_received: u64,
    pub bytes_received: u64,
    pub documents_stored: u64,
    pub rollups_stored: u64,
    pub refusals: u64,
}

/// How full a session's bounded queues are, for status and for the simulator's bound checks.
/// Each has its limit in [`crate::limits`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QueueDepths {
    /// Frames waiting for the driver to write them ([`crate::limits::MAX_OUTBOX_FRAMES`]).
    pub outbox_frames: usize,
    /// Events waiting for the driver ([`MAX_EVENTS`]).
    pub events: usize,
    /// Offered documents waiting to be pulled ([`crate::limits::MAX_DOCUMENTS_WAITING`]).
    pub documents_waiting: usize,
    /// Documents being pulled ([`crate::limits::MAX_DOCUMENTS_IN_FLIGHT`]).
    pub documents_in_flight: usize,
    /// Bytes of eager sync messages held for waiting documents
    /// ([`crate::limits::MAX_EAGER_BYTES_WAITING`]).
    pub eager_bytes_waiting: usize,
}

/// One peer session. See the module documentation for the conversation.
#[derive(Debug)]
pub struct Session {
    config: SessionConfig,
    decoder: FrameDecoder,
    hello_received: bool,
    /// The protocol version spoken: what our hello named until the peer's hello, then the
    /// negotiated one.
    version: u32,
    /// The topology version the peer holds, as its hello said and as we have since sent it.
    peer_topology_version: u64,
    outbox: VecDeque<Vec<u8>>,
    events: VecDeque<Event>,
    stats: SessionStats,
    upload: Upload,
    download: Download,
    notices: NoticeExchange,
    recovery: RecoveryExchange,
    restore: RestoreServe,
    deadlines: Deadlines,
    /// Refusals for misbehaviour so far, held to the session's budget.
    misbehaviour_refusals: u32,
}

impl Session {
    /// A new session starting at `now_ms` (the driver's clock); its `Hello` is ready to transmit.
    pub fn new(config: SessionConfig, now_ms: u64) -> Self {
        let mut session = Self {
            config,
            decoder: FrameDecoder::new(),
            hello_received: false,
            version: config.hello_version,
            peer_topology_version: 0,
            outbox: VecDeque::new(),
            events: VecDeque::new(),
            stats: SessionStats::default(),
            upload: Upload::default(),
            download: Download::default(),
            notices: NoticeExchange::default(),
            recovery: RecoveryExchange::default(),
            restore: RestoreServe::default(),
            deadlines: Deadlines::starting_at(now_ms),
            misbehaviour_refusals: 0,
        };
        let hello = Message::Hello {
            protocol_version: config.hello_version,
            node: config.local,
            topology_version: config.topology_version,
        };
        // A hello is a few bytes and the outbox is empty, so neither can fail.
        session
            .send(&hello)
            .expect("a hello always fits the empty outbox");
        session
    }

    pub fn config(&self) -> &SessionConfig {
        &self.config
    }

    /// The topology version the peer holds, as far as this session knows: what its hello said,
    /// or the version this session has since sent it.
    pub fn peer_topology_version(&self) -> u64 {
        self.peer_topology_version
    }

    /// The protocol version this session speaks (before the peer's hello, the one ours named).
    pub fn protocol_version(&self) -> u32 {
        self.version
    }

    pub fn stats(&self) -> SessionStats {
        self.stats
    }

    /// Feeds bytes read from the stream; every complete frame in them is handled.
    pub fn handle_bytes<R: Replicas>(
        &mut self,
        now_ms: u64,
        bytes: &[u8],
        replicas: &mut R,
    ) -> Result<(), SessionError> {
        self.decoder.push(bytes);
        loop {
            let frame = self
                .decoder
                .next_frame()
                .map_err(|source| SessionError::Frame {
                    peer: self.config.peer,
                    source,
                })?;
            let Some(body) = frame else {
                self.deadlines
                    .note_partial_frame(now_ms, self.decoder.buffered_bytes());
                return Ok(());
            };
            self.deadlines.note_frame(now_ms);
            self.stats.frames_received += 1;
            self.stats.bytes_received += (body.len() + crate::frame::FRAME_PREFIX_BYTES) as u64;
            let message =
                Message::from_frame_body(&body).map_err(|source| SessionError::Message {
                    peer: self.config.peer,
                    source,
                })?;
            self.handle_message(now_ms, message, replicas)?;
        }
    }

    /// Called when the peer closed its side of the stream.
    pub fn handle_end_of_stream(&mut self) -> Result<(), SessionError> {
        self.decoder.finish().map_err(|source| SessionError::Frame {
            peer: self.config.peer,
            source,
        })
    }

    /// Tells the session that local data changed (a new submission, rollup or notice): both ends
    /// send the notices the peer has not seen, and a child offers what changed.
    pub fn handle_local_change<R: Replicas>(
        &mut self,
        _now_ms: u64,
        replicas: &mut R,
    ) -> Result<(), SessionError> {
        if !self.hello_received {
            return Ok(());
        }
        self.send_topology_if_newer(replicas)?;
        self.send_notice_delta(replicas)?;
        if self.config.role != Role::Child {
            return Ok(());
        }
        let offered = self.send_offer_delta(replicas)?;
        if !offered && self.upload.rounds_settled == self.upload.rounds_sent {
            self.send_rollup_delta(replicas)?;
        }
        Ok(())
    }

    /// Abandons document pulls that made no progress for the sync stall timeout
    /// ([`crate::limits::SYNC_STALL_TIMEOUT_MS`] unless set otherwise).
    pub fn handle_timeout<R: Replicas>(
        &mut self,
        now_ms: u64,
        replicas: &mut R,
    ) -> Result<(), SessionError> {
        self.check_deadlines(now_ms)?;
        let stall_timeout_ms = self.config.limits.sync_stall_timeout_ms;
        let stalled: Vec<DocumentKey> = self
            .download
            .in_flight
            .iter()
            .filter(|(_, pull)| now_ms.saturating_sub(pull.last_progress_ms) >= stall_timeout_ms)
            .map(|(key, _)| *key)
            .collect();
        for key in stalled {
            self.download.in_flight.remove(&key);
            self.refuse(
                key.to_string(),
                RefusalReason::SyncStalled {
                    milliseconds: stall_timeout_ms,
                },
            )?;
        }
        if self
            .upload
            .retry_offer_at_ms
            .is_some_and(|due| now_ms >= due)
            && self.upload.rounds_settled == self.upload.rounds_sent
        {
            self.retry_offer(replicas)?;
        }
        self.pump_downloads(now_ms, replicas)
    }

    /// The next frame to write to the stream.
    pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        self.outbox.pop_front()
    }

    /// The next event for the driver.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// When [`Session::handle_timeout`] should next be called, in the driver's milliseconds.
    pub fn poll_timeout(&self) -> Option<u64> {
        self.download
            .in_flight
            .values()
            .map(|pull| pull.last_progress_ms + self.config.limits.sync_stall_timeout_ms)
            .chain(self.upload.retry_offer_at_ms)
            .chain(self.next_deadline())
            .min()
    }

    /// How full the session's bounded queues are now.
    pub fn queue_depths(&self) -> QueueDepths {
        QueueDepths {
            outbox_frames: self.outbox.len(),
            events: self.events.len(),
            documents_waiting: self.download.waiting.len(),
            documents_in_flight: self.download.in_flight.len(),
            eager_bytes_waiting: self.download.eager_bytes_waiting,
        }
    }

    /// Nothing to send, nothing being pulled, and (as a child) every offer round settled.
    pub fn is_idle(&self) -> bool {
        self.outbox.is_empty()
            && self.download.waiting.is_empty()
            && self.download.in_flight.is_empty()
            && self.download.rounds_settled == self.download.rounds_complete
            && self.upload.rounds_settled == self.upload.rounds_sent
            && (self.config.role == Role::Parent || self.hello_received)
    }

    fn send(&mut self, message: &Message) -> Result<(), SessionError> {
        if self.outbox.len() >= MAX_OUTBOX_FRAMES {
            return Err(SessionError::QueueFull {
                queue: "outbox",
                limit: MAX_OUTBOX_FRAMES,
            });
        }
        let frame = message.to_frame().map_err(|source| SessionError::Message {
            peer: self.config.peer,
            source,
        })?;
        self.stats.frames_sent += 1;
        self.stats.bytes_sent += frame.len() as u64;
        self.outbox.push_back(frame);
        Ok(())
    }

    fn emit(&mut self, event: Event) -> Result<(), SessionError> {
        if self.events.len() >= MAX_EVENTS {
            return Err(SessionError::QueueFull {
                queue: "event",
                limit: MAX_EVENTS,
            });
        }
        self.events.push_back(event);
        Ok(())
    }

    /// Reports an object not stored. A refusal for misbehaviour counts against the session's
    /// budget; past it the session ends (the driver then holds the peer off for a while).
    fn refuse(&mut self, subject: String, reason: RefusalReason) -> Result<(), SessionError> {
        self.stats.refusals += 1;
        let misbehaviour = reason.is_misbehaviour();
        let refusal = Refusal {
            peer: self.config.peer,
            subject,
            reason,
        };
        let last = refusal.to_string();
        self.emit(Event::Refused(refusal))?;
        if misbehaviour {
            self.misbehaviour_refusals += 1;
            if self.misbehaviour_refusals > self.config.limits.max_misbehaviour_refusals {
                return Err(SessionError::TooManyRefusals {
                    peer: self.config.peer,
                    count: self.misbehaviour_refusals,
                    last,
                });
            }
        }
        Ok(())
    }

    fn store_error(&self, source: StoreFailure) -> SessionError {
        SessionError::Store {
            peer: self.config.peer,
            source,
        }
    }

    fn out_of_turn(&self, kind: &'static str, context: &'static str) -> SessionError {
        SessionError::OutOfTurn {
            peer: self.config.peer,
            kind,
            context,
        }
    }

    fn handle_message<R: Replicas>(
        &mut self,
        now_ms: u64,
        message: Message,
        replicas: &mut R,
    ) -> Result<(), SessionError> {
        if !self.hello_received && !matches!(message, Message::Hello { .. }) {
            return Err(self.out_of_turn(message.kind(), "before hello"));
        }
        match (message, self.config.role) {
            (
                Message::Hello {
                    protocol_version,
                    node,
                    topology_version,
                },
                _,
            ) => {
                if self.hello_received {
                    return Err(self.out_of_turn("hello", "a second hello"));
                }
                if node != self.config.peer {
                    return Err(SessionError::WrongPeer {
                        peer: self.config.peer,
                        claimed: node,
                    });
                }
                let Some(version) = negotiated_version(self.config.hello_version, protocol_version)
                else {
                    return Err(SessionError::ProtocolVersion {
                        peer: self.config.peer,
                        ours: PROTOCOL_VERSION,
                        theirs: protocol_version,
                    });
                };
                self.version = version;
                self.hello_received = true;
                self.peer_topology_version = topology_version;
                self.emit(Event::Opened {
                    peer_topology_version: topology_version,
                    peer_protocol_version: protocol_version,
                    protocol_version: version,
                })?;
                self.request_recovery_if_restored()?;
                // A newer topology goes first: the notices and objects that follow may be signed
                // by keys only it names.
                self.send_topology_if_newer(replicas)?;
                self.send_notice_delta(replicas)?;
                if self.config.role == Role::Child {
                    self.send_offer_delta(replicas)?;
                }
                Ok(())
            }
            (
                Message::Offer {
                    round,
                    submissions,
                    eager,
                    last_page,
                },
                Role::Parent,
            ) => self.handle_offer(now_ms, round, submissions, eager, last_page, replicas),
            (
                Message::Sync {
                    key,
                    sequence,
                    message,
                    ..
                },
                Role::Parent,
            ) => self.handle_pulled_sync(now_ms, key, sequence, &message, replicas),
            (
                Message::Sync {
                    key,
                    sequence,
                    restart,
                    message,
                },
                Role::Child,
            ) => self.handle_pull_request(key, sequence, restart, &message, replicas),
            (Message::Superseded { key, sequence }, Role::Parent) => {
                if self
                    .download
                    .in_flight
                    .get(&key)
                    .is_some_and(|pull| pull.submission.payload().sequence == sequence)
                {
                    // Dropping the pull drops what was received for the old submission.
                    self.download.in_flight.remove(&key);
                }
                self.pump_downloads(now_ms, replicas)
            }
            (Message::Settled { round, not_stored }, Role::Child) => {
                if round > self.upload.rounds_sent {
                    return Err(self.out_of_turn("settled", "for a round never offered"));
                }
                self.record_parent_holdings(now_ms, round, &not_stored);
                self.upload.rounds_settled = self.upload.rounds_settled.max(round);
                if self.upload.rounds_settled == self.upload.rounds_sent {
                    // Submissions stored since the round was offered go first: a rollup sent
                    // before its inputs would be refused.
                    if !self.send_offer_delta(replicas)? {
                        self.send_rollup_delta(replicas)?;
                        self.emit(Event::Settled { round })?;
                    }
                }
                Ok(())
            }
            (
                Message::Rollups {
                    rollups,
                    last_page: _,
                },
                Role::Parent,
            ) => self.handle_rollups(rollups, replicas),
            (Message::Notices { notices }, _) => {
                self.handle_notices(notices, replicas, false).map(|_| ())
            }
            (Message::Topology { text }, Role::Child) => self.handle_topology(&text, replicas),
            (Message::RestoreRequest, Role::Parent) => self.handle_restore_request(replicas),
            (Message::RestoreNext, Role::Parent) => self.handle_restore_next(replicas),
            (Message::RecoveryRequest, Role::Child) => self.handle_recovery_request(replicas),
            (
                Message::Recovery {
                    topology,
                    notices,
                    last_page,
                },
                Role::Parent,
            ) => self.handle_recovery(topology, notices, last_page, replicas),
            (message, Role::Parent) => Err(self.out_of_turn(message.kind(), "sent to a parent")),
            (message, Role::Child) => Err(self.out_of_turn(message.kind(), "sent to a child")),
        }
    }
}
