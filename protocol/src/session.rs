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

use crate::authorization::{
    Coverage, check_document, check_relayed_by_child, check_rollup, coverage,
};
use crate::frame::{FrameDecoder, FrameError};
use crate::key::DocumentKey;
use crate::limits::{
    MAX_DOCUMENTS_IN_FLIGHT, MAX_DOCUMENTS_WAITING, MAX_EAGER_BYTES_PER_PAGE, MAX_EVENTS,
    MAX_OUTBOX_FRAMES, MAX_ROLLUPS_PER_PAGE, MAX_SUBMISSIONS_PER_PAGE,
    MAX_SYNC_ROUNDS_PER_DOCUMENT, SYNC_STALL_TIMEOUT_MS,
};
use crate::message::{EagerSync, Message, MessageError, PROTOCOL_VERSION};
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
    /// Submissions offered in rounds the parent has not settled yet: (round, key, signed heads).
    unsettled: Vec<(u64, DocumentKey, Vec<[u8; 32]>)>,
    rounds_sent: u64,
    rounds_settled: u64,
    rollups_sent: HashMap<(DivisionCode, Ledger, Period), ObjectHash>,
    sync_states: HashMap<DocumentKey, SyncState>,
}

/// An offered submission the parent wants, with the child's eager sync message if it sent one.
#[derive(Debug)]
struct Wanted {
    submission: Signed<Submission>,
    eager: Option<Vec<u8>>,
}

/// Parent-side state: what the child offered and what is being pulled.
#[derive(Debug, Default)]
struct Download {
    waiting: VecDeque<Wanted>,
    in_flight: BTreeMap<DocumentKey, DocumentPull>,
    /// What the unsettled rounds asked for, to tell the child which documents were not stored.
    wanted_this_round: Vec<(DocumentKey, u64)>,
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
            let frame = self
                .decoder
                .next_frame()
                .map_err(|source| SessionError::Frame {
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
            .filter(|(_, pull)| {
                now_ms.saturating_sub(pull.last_progress_ms) >= SYNC_STALL_TIMEOUT_MS
            })
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
                self.record_parent_holdings(round, &not_stored);
                self.upload.rounds_settled = self.upload.rounds_settled.max(round);
                if self.upload.rounds_settled == self.upload.rounds_sent {
                    self.send_rollup_delta(replicas)?;
                    self.emit(Event::Settled { round })?;
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
            let eager = self.eager_syncs(page, replicas)?;
            let message = Message::Offer {
                round,
                submissions: page.iter().map(|s| s.envelope().clone()).collect(),
                eager,
                last_page: page_index + 1 == n_pages,
            };
            self.send(&message)?;
        }
        for submission in changed {
            let payload = submission.payload();
            self.upload.offered.insert(payload.key, submission.hash());
            self.upload
                .unsettled
                .push((round, payload.key, payload.heads.clone()));
        }
        Ok(true)
    }

    /// After a settled round the parent holds every document offered in it at its signed heads,
    /// except those it names. Each such document's sync state is set to say exactly that, so the
    /// next offer can carry the new changes without the parent asking: nothing sent before counts,
    /// and what the parent has is the signed heads.
    fn record_parent_holdings(&mut self, round: u64, not_stored: &[DocumentKey]) {
        let (settled, later): (Vec<_>, Vec<_>) = std::mem::take(&mut self.upload.unsettled)
            .into_iter()
            .partition(|(offered_round, _, _)| *offered_round <= round);
        self.upload.unsettled = later;
        for (_, key, heads) in settled {
            if not_stored.contains(&key) {
                self.upload.sync_states.remove(&key);
                continue;
            }
            let hashes: Vec<automerge::ChangeHash> = heads
                .iter()
                .map(|head| automerge::ChangeHash(*head))
                .collect();
            let capabilities = self
                .upload
                .sync_states
                .get(&key)
                .and_then(|state| state.their_capabilities.clone())
                .unwrap_or_else(|| vec![automerge::sync::Capability::MessageV2]);
            let state = SyncState {
                shared_heads: hashes.clone(),
                last_sent_heads: hashes.clone(),
                their_heads: Some(hashes.clone()),
                their_need: Some(Vec::new()),
                their_have: Some(vec![automerge::sync::Have {
                    last_sync: hashes,
                    bloom: automerge::sync::BloomFilter::default(),
                }]),
                their_capabilities: Some(capabilities),
                read_only: true,
                have_responded: true,
                ..SyncState::default()
            };
            self.upload.sync_states.insert(key, state);
        }
    }

    /// Sync messages carrying the new changes of documents already synced in this session, within
    /// [`MAX_EAGER_BYTES_PER_PAGE`]. Documents not synced yet in the session have no sync state
    /// that knows what the parent holds, so the parent pulls them.
    fn eager_syncs<R: Replicas>(
        &mut self,
        page: &[Signed<Submission>],
        replicas: &mut R,
    ) -> Result<Vec<EagerSync>, SessionError> {
        let mut eager = Vec::new();
        let mut bytes = 0usize;
        for submission in page {
            let key = submission.payload().key;
            let Some(mut state) = self.upload.sync_states.remove(&key) else {
                continue;
            };
            let generated = replicas
                .with_published_document(&key, |document| {
                    document.generate_sync_message(&mut state)
                })
                .map_err(|failure| self.store_error(failure))?;
            if let Some(Some(message)) = generated {
                let message = message.encode();
                if bytes + message.len() <= MAX_EAGER_BYTES_PER_PAGE {
                    bytes += message.len();
                    eager.push(EagerSync {
                        key,
                        sequence: submission.payload().sequence,
                        message,
                    });
                } else {
                    // Too large to send unasked: the parent will pull it, starting afresh.
                    state.sent_hashes.clear();
                }
            }
            self.upload.sync_states.insert(key, state);
        }
        Ok(eager)
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
            self.upload.rollups_sent.insert(
                (payload.node, payload.ledger, payload.period),
                rollup.hash(),
            );
        }
        Ok(())
    }

    /// The parent asks for a document we offered: answer from the published (signed) state only,
    /// never applying anything the parent sends.
    fn handle_pull_request<R: Replicas>(
        &mut self,
        key: DocumentKey,
        sequence: u64,
        restart: bool,
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
        if restart {
            // The parent starts this pull from what it stored; anything sent before may not have
            // been kept, so nothing counts as sent.
            state.sent_hashes.clear();
            state.in_flight = false;
        }
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
                restart: false,
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
        eager: Vec<EagerSync>,
        last_page: bool,
        replicas: &mut R,
    ) -> Result<(), SessionError> {
        let eager_bytes: usize = eager.iter().map(|sync| sync.message.len()).sum();
        if eager.len() > MAX_SUBMISSIONS_PER_PAGE || eager_bytes > MAX_EAGER_BYTES_PER_PAGE {
            return Err(SessionError::PageTooLarge {
                peer: self.config.peer,
                what: "eager sync bytes",
                count: eager_bytes,
                limit: MAX_EAGER_BYTES_PER_PAGE,
            });
        }
        let mut eager: HashMap<(DocumentKey, u64), Vec<u8>> = eager
            .into_iter()
            .map(|sync| ((sync.key, sync.sequence), sync.message))
            .collect();
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
            let eager = eager.remove(&(key, submission.payload().sequence));
            self.download
                .wanted_this_round
                .push((key, submission.payload().sequence));
            if let Some(waiting) = self
                .download
                .waiting
                .iter_mut()
                .find(|waiting| waiting.submission.payload().key == key)
            {
                if waiting.submission.payload().sequence < submission.payload().sequence {
                    *waiting = Wanted { submission, eager };
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
            self.download
                .waiting
                .push_back(Wanted { submission, eager });
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
            let Some(position) = self.download.waiting.iter().position(|waiting| {
                !self
                    .download
                    .in_flight
                    .contains_key(&waiting.submission.payload().key)
            }) else {
                break;
            };
            let wanted = self
                .download
                .waiting
                .remove(position)
                .expect("the position was just found");
            self.start_pull(now_ms, wanted, replicas)?;
        }
        if self.download.in_flight.is_empty()
            && self.download.waiting.is_empty()
            && self.download.rounds_complete > self.download.rounds_settled
        {
            let mut not_stored = Vec::new();
            for (key, sequence) in std::mem::take(&mut self.download.wanted_this_round) {
                let held = replicas
                    .latest_submission(&key)
                    .map_err(|failure| self.store_error(failure))?;
                if held.is_none_or(|held| held.payload().sequence < sequence) {
                    not_stored.push(key);
                }
            }
            self.download.rounds_settled = self.download.rounds_complete;
            self.send(&Message::Settled {
                round: self.download.rounds_complete,
                not_stored,
            })?;
        }
        Ok(())
    }

    fn start_pull<R: Replicas>(
        &mut self,
        now_ms: u64,
        wanted: Wanted,
        replicas: &mut R,
    ) -> Result<(), SessionError> {
        let Wanted { submission, eager } = wanted;
        let key = submission.payload().key;
        let sequence = submission.payload().sequence;
        let held = replicas
            .latest_submission(&key)
            .map_err(|failure| self.store_error(failure))?;
        if held.is_some_and(|held| held.payload().sequence >= sequence) {
            return Ok(());
        }
        let document = replicas
            .take_replica(&key)
            .map_err(|failure| self.store_error(failure))?;
        let state = replicas
            .sync_state(self.config.peer, &key)
            .map_err(|failure| self.store_error(failure))?;
        match coverage(&document, submission.payload()) {
            Coverage::Exact => return self.finish_pull(submission, document, state, replicas),
            Coverage::Exceeds => {
                return self.refuse(key.to_string(), RefusalReason::RewindsDocument);
            }
            Coverage::Incomplete => {}
        }
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
        match eager {
            // The child sent the changes with its offer: take them as its first answer.
            Some(message) => self.receive_pulled(now_ms, key, &message, replicas),
            None => {
                let pull = self
                    .download
                    .in_flight
                    .get_mut(&key)
                    .expect("the pull was just inserted");
                let Some(message) = pull.document.generate_sync_message(&mut pull.state) else {
                    // A fresh or reloaded sync state always produces a first message; if it does
                    // not, there is nothing we can ask for.
                    self.download.in_flight.remove(&key);
                    return self.refuse(
                        key.to_string(),
                        RefusalReason::SyncStalled { milliseconds: 0 },
                    );
                };
                self.send(&Message::Sync {
                    key,
                    sequence,
                    restart: true,
                    message: message.encode(),
                })
            }
        }
    }

    fn handle_pulled_sync<R: Replicas>(
        &mut self,
        now_ms: u64,
        key: DocumentKey,
        sequence: u64,
        bytes: &[u8],
        replicas: &mut R,
    ) -> Result<(), SessionError> {
        let Some(pull) = self.download.in_flight.get(&key) else {
            return self.refuse(key.to_string(), RefusalReason::UnrequestedSync);
        };
        if pull.submission.payload().sequence != sequence {
            // A late answer for a pull that was abandoned; nothing to do.
            return Ok(());
        }
        self.receive_pulled(now_ms, key, bytes, replicas)
    }

    /// Applies the child's sync message to the document being pulled, then stores it if it is
    /// exactly at the signed heads, refuses it if it has more, or asks for the rest.
    fn receive_pulled<R: Replicas>(
        &mut self,
        now_ms: u64,
        key: DocumentKey,
        bytes: &[u8],
        replicas: &mut R,
    ) -> Result<(), SessionError> {
        let pull = self
            .download
            .in_flight
            .get_mut(&key)
            .expect("callers check that the pull is in flight");
        let sequence = pull.submission.payload().sequence;
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
                        restart: false,
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
