//! The peer session: one state machine per connection, fed by the driver and drained by it.
//!
//! The driver feeds bytes read from the stream with [`Session::handle_bytes`], tells it of local
//! changes with [`Session::handle_local_change`] and of time with [`Session::handle_timeout`], and
//! drains [`Session::poll_transmit`] (frames to write), [`Session::poll_event`] (what was stored
//! or refused) and [`Session::poll_timeout`] (when to call back). No I/O, no clock: time is the
//! driver's monotonic milliseconds.
//!
//! The conversation on one tree edge:
//! 1. both sides send `Hello`;
//! 2. the child offers the latest signed submissions it holds, in pages (an offer round);
//! 3. the parent verifies each, and pulls every document it lacks with automerge sync, a few at a
//!    time, storing a replica only when it ends exactly at the signed heads;
//! 4. when the round is done, the parent sends `Settled` and the child sends its rollups, deepest
//!    first, which the parent checks against the inputs it holds;
//! 5. idle until a local change at the child starts a new round with what changed.

use std::collections::{BTreeMap, HashMap, VecDeque};

use automerge::Automerge;
use automerge::sync::{Message as SyncMessage, State as SyncState, SyncDoc};
use schemas::{Ledger, Period};
use topology::DivisionCode;

use crate::authorization::{Coverage, check_document, check_relayed_by_child, check_rollup, coverage};
use crate::frame::{FrameDecoder, FrameError};
use crate::key::DocumentKey;
use crate::limits::{
    MAX_DOCUMENTS_IN_FLIGHT, MAX_DOCUMENTS_WAITING, MAX_EVENTS, MAX_OUTBOX_FRAMES,
    MAX_ROLLUPS_PER_PAGE, MAX_SUBMISSIONS_PER_PAGE, MAX_SYNC_ROUNDS_PER_DOCUMENT,
    SYNC_STALL_TIMEOUT_MS,
};
use crate::message::{Message, MessageError, PROTOCOL_VERSION};
use crate::refusal::{Refusal, RefusalReason};
use crate::replicas::{Replicas, StoreFailure};
use crate::rollup::Rollup;
use crate::signed::{ObjectHash, Signed};
use crate::submission::Submission;

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
}

/// What happened, for the driver to act on (consolidate, log, count).
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// Both hellos exchanged.
    Opened { peer_topology_version: u64 },
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
    /// Child side: the parent settled our latest offer round and our rollups went out.
    Settled { round: u64 },
}

/// A failure that ends the session: the peer broke the protocol, or our store failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SessionError {
    #[error("peer {peer}: {source}")]
    Frame { peer: DivisionCode, source: FrameError },
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

/// A document being pulled from the child.
#[derive(Debug)]
struct DocumentPull {
    submission: Signed<Submission>,
    document: Automerge,
    state: SyncState,
    rounds: u32,
    last_progress_ms: u64,
}

/// Child-side state: what this session has offered and sent.
#[derive(Debug, Default)]
struct Upload {
    offered: HashMap<DocumentKey, ObjectHash>,
    rounds_sent: u64,
    rounds_settled: u64,
    rollups_sent: HashMap<(DivisionCode, Ledger, Period), ObjectHash>,
    sync_states: HashMap<DocumentKey, SyncState>,
}

/// Parent-side state: what the child offered and what is being pulled.
#[derive(Debug, Default)]
struct Download {
    waiting: VecDeque<Signed<Submission>>,
    in_flight: BTreeMap<DocumentKey, DocumentPull>,
    rounds_complete: u64,
    rounds_settled: u64,
}

/// One peer session. See the module documentation for the conversation.
#[derive(Debug)]
pub struct Session {
    config: SessionConfig,
    decoder: FrameDecoder,
    hello_received: bool,
    outbox: VecDeque<Vec<u8>>,
    events: VecDeque<Event>,
    stats: SessionStats,
    upload: Upload,
    download: Download,
}

impl Session {
    /// A new session; its `Hello` is ready to transmit.
    pub fn new(config: SessionConfig) -> Self {
        let mut session = Self {
            config,
            decoder: FrameDecoder::new(),
            hello_received: false,
            outbox: VecDeque::new(),
            events: VecDeque::new(),
            stats: SessionStats::default(),
            upload: Upload::default(),
            download: Download::default(),
        };
        let hello = Message::Hello {
            protocol_version: PROTOCOL_VERSION,
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
            let frame = self.decoder.next_frame().map_err(|source| SessionError::Frame {
                peer: self.config.peer,
                source,
            })?;
            let Some(body) = frame else { return Ok(()) };
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

    /// Tells the session that local data changed (a new submission or rollup): a child offers
    /// what changed.
    pub fn handle_local_change<R: Replicas>(
        &mut self,
        _now_ms: u64,
        replicas: &mut R,
    ) -> Result<(), SessionError> {
        if self.config.role != Role::Child || !self.hello_received {
            return Ok(());
        }
        let offered = self.send_offer_delta(replicas)?;
        if !offered && self.upload.rounds_settled == self.upload.rounds_sent {
            self.send_rollup_delta(replicas)?;
        }
        Ok(())
    }

    /// Abandons document pulls that made no progress for [`SYNC_STALL_TIMEOUT_MS`].
    pub fn handle_timeout<R: Replicas>(
        &mut self,
        now_ms: u64,
        replicas: &mut R,
    ) -> Result<(), SessionError> {
        let stalled: Vec<DocumentKey> = self
            .download
            .in_flight
            .iter()
            .filter(|(_, pull)| now_ms.saturating_sub(pull.last_progress_ms) >= SYNC_STALL_TIMEOUT_MS)
            .map(|(key, _)| *key)
            .collect();
        for key in stalled {
            self.download.in_flight.remove(&key);
            self.refuse(
                key.to_string(),
                RefusalReason::SyncStalled {
                    milliseconds: SYNC_STALL_TIMEOUT_MS,
                },
            )?;
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
            .map(|pull| pull.last_progress_ms + SYNC_STALL_TIMEOUT_MS)
            .min()
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

    fn refuse(&mut self, subject: String, reason: RefusalReason) -> Result<(), SessionError> {
        self.stats.refusals += 1;
        self.emit(Event::Refused(Refusal {
            peer: self.config.peer,
            subject,
            reason,
        }))
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
                if protocol_version != PROTOCOL_VERSION {
                    return Err(SessionError::ProtocolVersion {
                        peer: self.config.peer,
                        ours: PROTOCOL_VERSION,
                        theirs: protocol_version,
                    });
                }
                self.hello_received = true;
                self.emit(Event::Opened {
                    peer_topology_version: topology_version,
                })?;
                if self.config.role == Role::Child {
                    self.send_offer_delta(replicas)?;
                }
                Ok(())
            }
            (
                Message::Offer {
                    round,
                    submissions,
                    last_page,
                },
                Role::Parent,
            ) => self.handle_offer(now_ms, round, submissions, last_page, replicas),
            (
                Message::Sync {
                    key,
                    sequence,
                    message,
                },
                Role::Parent,
            ) => self.handle_pulled_sync(now_ms, key, sequence, &message, replicas),
            (
                Message::Sync {
                    key,
                    sequence,
                    message,
                },
                Role::Child,
            ) => self.handle_pull_request(key, sequence, &message, replicas),
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
            (Message::Settled { round }, Role::Child) => {
                if round > self.upload.rounds_sent {
                    return Err(self.out_of_turn("settled", "for a round never offered"));
                }
                self.upload.rounds_settled = self.upload.rounds_settled.max(round);
                if self.upload.rounds_settled == self.upload.rounds_sent {
                    self.send_rollup_delta(replicas)?;
                    self.emit(Event::Settled { round })?;
                }
                Ok(())
            }
            (Message::Rollups { rollups, last_page: _ }, Role::Parent) => {
                self.handle_rollups(rollups, replicas)
            }
            (message, Role::Parent) => Err(self.out_of_turn(message.kind(), "sent to a parent")),
            (message, Role::Child) => Err(self.out_of_turn(message.kind(), "sent to a child")),
        }
    }

    // ----- child side: offering and serving pulls -----

    /// Offers the submissions that changed since the last round; returns whether a round was sent.
    /// The first round is always sent, even empty, so that the parent settles it and rollups follow.
    fn send_offer_delta<R: Replicas>(&mut self, replicas: &mut R) -> Result<bool, SessionError> {
        let submissions = replicas
            .offerable_submissions()
            .map_err(|failure| self.store_error(failure))?;
        let changed: Vec<Signed<Submission>> = submissions
            .into_iter()
            .filter(|submission| {
                self.upload.offered.get(&submission.payload().key) != Some(&submission.hash())
            })
            .collect();
        if changed.is_empty() && self.upload.rounds_sent > 0 {
            return Ok(false);
        }
        self.upload.rounds_sent += 1;
        let round = self.upload.rounds_sent;
        let pages: Vec<&[Signed<Submission>]> = if changed.is_empty() {
            vec![&[]]
        } else {
            changed.chunks(MAX_SUBMISSIONS_PER_PAGE).collect()
        };
        let n_pages = pages.len();
        for (page_index, page) in pages.into_iter().enumerate() {
            let message = Message::Offer {
                round,
                submissions: page.iter().map(|s| s.envelope().clone()).collect(),
                last_page: page_index + 1 == n_pages,
            };
            self.send(&message)?;
        }
        for submission in changed {
            self.upload
                .offered
                .insert(submission.payload().key, submission.hash());
        }
        Ok(true)
    }

    /// Sends the rollups that changed since they were last sent, deepest nodes first so that a
    /// parent always holds a rollup's inputs before the rollup.
    fn send_rollup_delta<R: Replicas>(&mut self, replicas: &mut R) -> Result<(), SessionError> {
        let rollups = replicas
            .offerable_rollups()
            .map_err(|failure| self.store_error(failure))?;
        let mut changed: Vec<Signed<Rollup>> = rollups
            .into_iter()
            .filter(|rollup| {
                let payload = rollup.payload();
                self.upload
                    .rollups_sent
                    .get(&(payload.node, payload.ledger, payload.period))
                    != Some(&rollup.hash())
            })
            .collect();
        if changed.is_empty() {
            return Ok(());
        }
        let topology = replicas.topology();
        changed.sort_by_key(|rollup| {
            let payload = rollup.payload();
            (
                std::cmp::Reverse(topology.depth_of(payload.node).unwrap_or(0)),
                payload.node,
                payload.ledger,
                payload.period,
            )
        });
        let n_pages = changed.len().div_ceil(MAX_ROLLUPS_PER_PAGE);
        for (page_index, page) in changed.chunks(MAX_ROLLUPS_PER_PAGE).enumerate() {
            let message = Message::Rollups {
                rollups: page.iter().map(|r| r.envelope().clone()).collect(),
                last_page: page_index + 1 == n_pages,
            };
            self.send(&message)?;
        }
        for rollup in changed {
            let payload = rollup.payload();
            self.upload
                .rollups_sent
                .insert((payload.node, payload.ledger, payload.period), rollup.hash());
        }
        Ok(())
    }

    /// The parent asks for a document we offered: answer from the published (signed) state only,
    /// never applying anything the parent sends.
    fn handle_pull_request<R: Replicas>(
        &mut self,
        key: DocumentKey,
        sequence: u64,
        bytes: &[u8],
        replicas: &mut R,
    ) -> Result<(), SessionError> {
        let latest = replicas
            .latest_submission(&key)
            .map_err(|failure| self.store_error(failure))?;
        if latest.as_ref().map(|s| s.payload().sequence) != Some(sequence) {
            return self.send(&Message::Superseded { key, sequence });
        }
        let message = match SyncMessage::decode(bytes) {
            Ok(message) => message,
            Err(error) => {
                return self.refuse(
                    key.to_string(),
                    RefusalReason::BadSyncMessage {
                        reason: error.to_string(),
                    },
                );
            }
        };
        if !message.changes.is_empty() {
            self.refuse(key.to_string(), RefusalReason::WriteFromParent)?;
        }
        let mut state = match self.upload.sync_states.remove(&key) {
            Some(state) => state,
            None => replicas
                .sync_state(self.config.peer, &key)
                .map_err(|failure| self.store_error(failure))?,
        };
        // Read-only: whatever changes the parent's message carries are never applied, and the
        // parent is told not to send any.
        state.read_only = true;
        let outcome = replicas
            .with_published_document(&key, |document| {
                document
                    .receive_sync_message(&mut state, message)
                    .map(|()| document.generate_sync_message(&mut state))
            })
            .map_err(|failure| self.store_error(failure))?;
        let reply = match outcome {
            None => return self.send(&Message::Superseded { key, sequence }),
            Some(Err(error)) => {
                return self.refuse(
                    key.to_string(),
                    RefusalReason::BadSyncMessage {
                        reason: error.to_string(),
                    },
                );
            }
            Some(Ok(reply)) => reply,
        };
        replicas
            .save_sync_state(self.config.peer, &key, &state)
            .map_err(|failure| self.store_error(failure))?;
        self.upload.sync_states.insert(key, state);
        if let Some(reply) = reply {
            self.send(&Message::Sync {
                key,
                sequence,
                message: reply.encode(),
            })?;
        }
        Ok(())
    }

    // ----- parent side: receiving offers, pulling documents, checking rollups -----

    fn handle_offer<R: Replicas>(
        &mut self,
        now_ms: u64,
        round: u64,
        envelopes: Vec<crate::signed::Envelope>,
        last_page: bool,
        replicas: &mut R,
    ) -> Result<(), SessionError> {
        if envelopes.len() > MAX_SUBMISSIONS_PER_PAGE {
            return Err(SessionError::PageTooLarge {
                peer: self.config.peer,
                what: "submissions",
                count: envelopes.len(),
                limit: MAX_SUBMISSIONS_PER_PAGE,
            });
        }
        if round <= self.download.rounds_complete {
            return Err(self.out_of_turn("offer", "for a round already complete"));
        }
        for envelope in envelopes {
            let hash = envelope.hash();
            let submission = match Signed::<Submission>::verify(envelope, replicas.topology()) {
                Ok(submission) => submission,
                Err(error) => {
                    self.refuse(format!("submission {}", hash.short()), error.into())?;
                    continue;
                }
            };
            let key = submission.payload().key;
            if let Err(reason) = check_relayed_by_child(
                replicas.topology(),
                self.config.local,
                self.config.peer,
                key.owner,
            ) {
                self.refuse(key.to_string(), reason)?;
                continue;
            }
            let held = replicas
                .latest_submission(&key)
                .map_err(|failure| self.store_error(failure))?;
            if held.is_some_and(|held| held.payload().sequence >= submission.payload().sequence) {
                continue;
            }
            if let Some(waiting) = self
                .download
                .waiting
                .iter_mut()
                .find(|waiting| waiting.payload().key == key)
            {
                if waiting.payload().sequence < submission.payload().sequence {
                    *waiting = submission;
                }
                continue;
            }
            if self.download.waiting.len() >= MAX_DOCUMENTS_WAITING {
                self.refuse(
                    key.to_string(),
                    RefusalReason::QueueFull {
                        limit: MAX_DOCUMENTS_WAITING,
                    },
                )?;
                continue;
            }
            self.download.waiting.push_back(submission);
        }
        if last_page {
            self.download.rounds_complete = round;
        }
        self.pump_downloads(now_ms, replicas)
    }

    /// Starts pulls while there is room, and settles the latest complete round once nothing is
    /// waiting or in flight.
    fn pump_downloads<R: Replicas>(
        &mut self,
        now_ms: u64,
        replicas: &mut R,
    ) -> Result<(), SessionError> {
        while self.download.in_flight.len() < MAX_DOCUMENTS_IN_FLIGHT {
            // A newer offer for a document still being pulled waits for that pull to end.
            let Some(position) = self
                .download
                .waiting
                .iter()
                .position(|waiting| !self.download.in_flight.contains_key(&waiting.payload().key))
            else {
                break;
            };
            let submission = self
                .download
                .waiting
                .remove(position)
                .expect("the position was just found");
            self.start_pull(now_ms, submission, replicas)?;
        }
        if self.download.in_flight.is_empty()
            && self.download.waiting.is_empty()
            && self.download.rounds_complete > self.download.rounds_settled
        {
            self.download.rounds_settled = self.download.rounds_complete;
            self.send(&Message::Settled {
                round: self.download.rounds_complete,
            })?;
        }
        Ok(())
    }

    fn start_pull<R: Replicas>(
        &mut self,
        now_ms: u64,
        submission: Signed<Submission>,
        replicas: &mut R,
    ) -> Result<(), SessionError> {
        let key = submission.payload().key;
        let held = replicas
            .latest_submission(&key)
            .map_err(|failure| self.store_error(failure))?;
        if held.is_some_and(|held| held.payload().sequence >= submission.payload().sequence) {
            return Ok(());
        }
        let document = replicas
            .take_replica(&key)
            .map_err(|failure| self.store_error(failure))?;
        let mut state = replicas
            .sync_state(self.config.peer, &key)
            .map_err(|failure| self.store_error(failure))?;
        match coverage(&document, submission.payload()) {
            Coverage::Exact => return self.finish_pull(submission, document, state, replicas),
            Coverage::Exceeds => {
                return self.refuse(key.to_string(), RefusalReason::RewindsDocument);
            }
            Coverage::Incomplete => {}
        }
        let Some(message) = document.generate_sync_message(&mut state) else {
            // A fresh or reloaded sync state always produces a first message; if it does not,
            // there is nothing we can ask for.
            return self.refuse(
                key.to_string(),
                RefusalReason::SyncStalled { milliseconds: 0 },
            );
        };
        let sequence = submission.payload().sequence;
        self.download.in_flight.insert(
            key,
            DocumentPull {
                submission,
                document,
                state,
                rounds: 0,
                last_progress_ms: now_ms,
            },
        );
        self.send(&Message::Sync {
            key,
            sequence,
            message: message.encode(),
        })
    }

    fn handle_pulled_sync<R: Replicas>(
        &mut self,
        now_ms: u64,
        key: DocumentKey,
        sequence: u64,
        bytes: &[u8],
        replicas: &mut R,
    ) -> Result<(), SessionError> {
        let Some(pull) = self.download.in_flight.get_mut(&key) else {
            return self.refuse(key.to_string(), RefusalReason::UnrequestedSync);
        };
        if pull.submission.payload().sequence != sequence {
            // A late answer for a pull that was abandoned; nothing to do.
            return Ok(());
        }
        pull.rounds += 1;
        pull.last_progress_ms = now_ms;
        let failure = if pull.rounds > MAX_SYNC_ROUNDS_PER_DOCUMENT {
            Some(RefusalReason::TooManySyncRounds {
                rounds: MAX_SYNC_ROUNDS_PER_DOCUMENT,
            })
        } else {
            match SyncMessage::decode(bytes) {
                Err(error) => Some(RefusalReason::BadSyncMessage {
                    reason: error.to_string(),
                }),
                Ok(message) => pull
                    .document
                    .receive_sync_message(&mut pull.state, message)
                    .err()
                    .map(|error| RefusalReason::BadSyncMessage {
                        reason: error.to_string(),
                    }),
            }
        };
        if let Some(reason) = failure {
            self.download.in_flight.remove(&key);
            self.refuse(key.to_string(), reason)?;
            return self.pump_downloads(now_ms, replicas);
        }
        match coverage(&pull.document, pull.submission.payload()) {
            Coverage::Exact => {
                let pull = self
                    .download
                    .in_flight
                    .remove(&key)
                    .expect("the pull was just found");
                self.finish_pull(pull.submission, pull.document, pull.state, replicas)?;
                self.pump_downloads(now_ms, replicas)
            }
            Coverage::Exceeds => {
                // The received changes go no further than this pull, which is dropped here.
                self.download.in_flight.remove(&key);
                self.refuse(key.to_string(), RefusalReason::ChangesNotCoveredBySignature)?;
                self.pump_downloads(now_ms, replicas)
            }
            Coverage::Incomplete => {
                if let Some(message) = pull.document.generate_sync_message(&mut pull.state) {
                    self.send(&Message::Sync {
                        key,
                        sequence,
                        message: message.encode(),
                    })?;
                }
                Ok(())
            }
        }
    }

    /// Checks a document that is exactly at its signed heads and stores it.
    fn finish_pull<R: Replicas>(
        &mut self,
        submission: Signed<Submission>,
        document: Automerge,
        state: SyncState,
        replicas: &mut R,
    ) -> Result<(), SessionError> {
        let key = submission.payload().key;
        let figures = match check_document(&document, submission.payload()) {
            Ok(figures) => figures,
            Err(reason) => return self.refuse(key.to_string(), reason),
        };
        replicas
            .commit_replica(&submission, &figures, document)
            .map_err(|failure| self.store_error(failure))?;
        replicas
            .save_sync_state(self.config.peer, &key, &state)
            .map_err(|failure| self.store_error(failure))?;
        self.stats.documents_stored += 1;
        self.emit(Event::SubmissionStored {
            key,
            sequence: submission.payload().sequence,
        })
    }

    fn handle_rollups<R: Replicas>(
        &mut self,
        envelopes: Vec<crate::signed::Envelope>,
        replicas: &mut R,
    ) -> Result<(), SessionError> {
        if envelopes.len() > MAX_ROLLUPS_PER_PAGE {
            return Err(SessionError::PageTooLarge {
                peer: self.config.peer,
                what: "rollups",
                count: envelopes.len(),
                limit: MAX_ROLLUPS_PER_PAGE,
            });
        }
        for envelope in envelopes {
            let hash = envelope.hash();
            let rollup = match Signed::<Rollup>::verify(envelope, replicas.topology()) {
                Ok(rollup) => rollup,
                Err(error) => {
                    self.refuse(format!("rollup {}", hash.short()), error.into())?;
                    continue;
                }
            };
            let payload = rollup.payload();
            let subject = format!(
                "rollup {}/{}/{} #{}",
                payload.node, payload.ledger, payload.period, payload.sequence
            );
            if let Err(reason) = check_relayed_by_child(
                replicas.topology(),
                self.config.local,
                self.config.peer,
                payload.node,
            ) {
                self.refuse(subject, reason)?;
                continue;
            }
            let held = replicas
                .latest_rollup(payload.node, payload.ledger, payload.period)
                .map_err(|failure| self.store_error(failure))?;
            if held.is_some_and(|held| held.payload().sequence >= payload.sequence) {
                continue;
            }
            if let Err(reason) = check_rollup(payload, replicas) {
                self.refuse(subject, reason)?;
                continue;
            }
            replicas
                .store_rollup(&rollup)
                .map_err(|failure| self.store_error(failure))?;
            self.stats.rollups_stored += 1;
            self.emit(Event::RollupStored {
                node: payload.node,
                ledger: payload.ledger,
                period: payload.period,
                sequence: payload.sequence,
            })?;
        }
        Ok(())
    }
}
