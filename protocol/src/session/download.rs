//! The parent's side of a session: checking offers, pulling documents a few at a time, storing a
//! replica only at its owner's signed heads, settling rounds, and checking rollups.

use std::collections::{BTreeMap, HashMap, VecDeque};

use automerge::Automerge;
use automerge::sync::{State as SyncState, SyncDoc};

use super::{Event, Session, SessionError};
use crate::authorization::{
    Coverage, check_counted_inputs, check_document, check_relayed_by_child, check_rollup, coverage,
};
use crate::inflation::{DocumentBudget, InflationError};
use crate::key::DocumentKey;
use crate::key_use::check_key_for_new;
use crate::limits::{
    MAX_DOCUMENTS_IN_FLIGHT, MAX_DOCUMENTS_WAITING, MAX_EAGER_BYTES_PER_PAGE,
    MAX_EAGER_BYTES_WAITING, MAX_ROLLUPS_PER_PAGE, MAX_SUBMISSIONS_PER_PAGE,
    MAX_SYNC_ROUNDS_PER_DOCUMENT,
};
use crate::message::{EagerSync, Message};
use crate::refusal::RefusalReason;
use crate::replicas::Replicas;
use crate::rollup::Rollup;
use crate::signed::Signed;
use crate::submission::Submission;
use crate::sync_check::{FromChildError, decode_from_child};

/// A document being pulled from the child.
#[derive(Debug)]
pub(super) struct DocumentPull {
    pub(super) submission: Signed<Submission>,
    pub(super) document: Automerge,
    pub(super) state: SyncState,
    pub(super) rounds: u32,
    /// Requests the parent has sent in this pull; the first says `restart`.
    pub(super) requests_sent: u32,
    pub(super) last_progress_ms: u64,
    /// What the child's messages for this pull have inflated to, against the document's cap.
    pub(super) inflation: DocumentBudget,
}

/// An offered submission the parent wants, with the child's eager sync message if it sent one.
#[derive(Debug)]
pub(super) struct Wanted {
    pub(super) submission: Signed<Submission>,
    pub(super) eager: Option<Vec<u8>>,
}

/// Parent-side state: what the child offered and what is being pulled.
#[derive(Debug, Default)]
pub(super) struct Download {
    /// Offered documents not yet being pulled, by key, and the order they were offered in.
    pub(super) waiting: HashMap<DocumentKey, Wanted>,
    pub(super) waiting_order: VecDeque<DocumentKey>,
    /// Bytes of eager messages held in `waiting`, bounded by [`MAX_EAGER_BYTES_WAITING`].
    pub(super) eager_bytes_waiting: usize,
    pub(super) in_flight: BTreeMap<DocumentKey, DocumentPull>,
    /// What the unsettled rounds asked for, to tell the child which documents were not stored.
    pub(super) wanted_this_round: Vec<(DocumentKey, u64)>,
    pub(super) rounds_complete: u64,
    pub(super) rounds_settled: u64,
    /// An offer round has pages in and its last page has not come yet.
    pub(super) offer_round_open: bool,
}

impl Session {
    pub(super) fn handle_offer<R: Replicas>(
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
            let defined = replicas
                .is_return_defined(key.ledger, key.period)
                .map_err(|failure| self.store_error(failure))?;
            if !defined {
                self.refuse(
                    key.to_string(),
                    RefusalReason::ReturnNotDefined {
                        ledger: key.ledger,
                        period: key.period,
                    },
                )?;
                // Listed as not stored when the round settles, so the child offers it again
                // after a while: the definition may have arrived by then.
                self.download
                    .wanted_this_round
                    .push((key, submission.payload().sequence));
                continue;
            }
            let held = replicas
                .latest_submission(&key)
                .map_err(|failure| self.store_error(failure))?;
            if let Some(held) = held {
                if held.payload().sequence >= submission.payload().sequence {
                    continue;
                }
                if signs_the_same(held.payload(), submission.payload()) {
                    // A new sequence over unchanged heads adds nothing but a stored object.
                    self.refuse(
                        key.to_string(),
                        RefusalReason::DuplicateSubmission {
                            held: held.payload().sequence,
                        },
                    )?;
                    continue;
                }
            }
            let receipt_version = replicas
                .receipt_topology_version(&submission.hash())
                .map_err(|failure| self.store_error(failure))?;
            if let Err(reason) =
                check_key_for_new(&submission, replicas.topology(), |_| receipt_version)
            {
                self.refuse(key.to_string(), reason)?;
                continue;
            }
            if let Err(reason) = replicas
                .admit_submission(self.config.peer, now_ms)
                .map_err(|failure| self.store_error(failure))?
            {
                self.refuse(key.to_string(), reason)?;
                // Not stored: the child offers it again after its backoff, when the quota may
                // have room.
                self.download
                    .wanted_this_round
                    .push((key, submission.payload().sequence));
                continue;
            }
            let sequence = submission.payload().sequence;
            let eager = eager.remove(&(key, sequence));
            if let Some(waiting) = self.download.waiting.get(&key) {
                if waiting.submission.payload().sequence < sequence {
                    let replaced = self.download.waiting.remove(&key).expect("just found");
                    self.download.eager_bytes_waiting -= replaced.eager.map_or(0, |m| m.len());
                    let eager = self.admit_eager(eager);
                    self.download
                        .waiting
                        .insert(key, Wanted { submission, eager });
                    self.download.wanted_this_round.push((key, sequence));
                }
                continue;
            }
            if self.download.waiting.len() >= MAX_DOCUMENTS_WAITING
                || self.download.wanted_this_round.len() >= MAX_DOCUMENTS_WAITING
            {
                self.refuse(
                    key.to_string(),
                    RefusalReason::QueueFull {
                        limit: MAX_DOCUMENTS_WAITING,
                    },
                )?;
                continue;
            }
            let eager = self.admit_eager(eager);
            self.download
                .waiting
                .insert(key, Wanted { submission, eager });
            self.download.waiting_order.push_back(key);
            self.download.wanted_this_round.push((key, sequence));
        }
        if last_page {
            self.download.rounds_complete = round;
        }
        self.download.offer_round_open = !last_page;
        self.pump_downloads(now_ms, replicas)
    }

    /// Keeps an eager message while the bytes held for waiting documents stay within bounds;
    /// otherwise the document is pulled the normal way.
    fn admit_eager(&mut self, eager: Option<Vec<u8>>) -> Option<Vec<u8>> {
        let message = eager?;
        if self.download.eager_bytes_waiting + message.len() > MAX_EAGER_BYTES_WAITING {
            return None;
        }
        self.download.eager_bytes_waiting += message.len();
        Some(message)
    }

    /// Starts pulls while there is room, and settles the latest complete round once nothing is
    /// waiting or in flight.
    pub(super) fn pump_downloads<R: Replicas>(
        &mut self,
        now_ms: u64,
        replicas: &mut R,
    ) -> Result<(), SessionError> {
        // Each waiting key is looked at once per pump: a newer offer for a document still being
        // pulled goes to the back and waits for that pull to end.
        let mut looked_at = 0;
        while self.download.in_flight.len() < MAX_DOCUMENTS_IN_FLIGHT
            && looked_at < self.download.waiting_order.len()
        {
            let key = self
                .download
                .waiting_order
                .pop_front()
                .expect("the order is not empty");
            if self.download.in_flight.contains_key(&key) {
                self.download.waiting_order.push_back(key);
                looked_at += 1;
                continue;
            }
            let Some(wanted) = self.download.waiting.remove(&key) else {
                continue;
            };
            self.download.eager_bytes_waiting -= wanted.eager.as_ref().map_or(0, Vec::len);
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
            let round = self.download.rounds_complete;
            self.send(&Message::Settled { round, not_stored })?;
            self.emit(Event::Settled { round })?;
        }
        Ok(())
    }

    pub(super) fn start_pull<R: Replicas>(
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
                requests_sent: 0,
                last_progress_ms: now_ms,
                inflation: DocumentBudget::new(self.config.limits.inflation),
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
                pull.requests_sent += 1;
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

    pub(super) fn handle_pulled_sync<R: Replicas>(
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
    /// exactly at the signed heads, refuses it if it has more, or asks for the rest. A message
    /// that would inflate past a cap is refused before automerge sees it, the pull dropped and
    /// the session ended.
    pub(super) fn receive_pulled<R: Replicas>(
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
            match decode_from_child(bytes, &mut pull.inflation) {
                Err(FromChildError::Inflation(InflationError::Cap(exceeded))) => {
                    Some(RefusalReason::InflatesPastCap(exceeded))
                }
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
            let inflation = match &reason {
                RefusalReason::InflatesPastCap(exceeded) => Some(*exceeded),
                _ => None,
            };
            self.refuse(key.to_string(), reason)?;
            if let Some(source) = inflation {
                return Err(SessionError::InflatesPastCap {
                    peer: self.config.peer,
                    source,
                });
            }
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
                    // The first request of a pull always restarts the child's side, even after
                    // an eager message: an earlier eager message may have been dropped here,
                    // and the child must not count its changes as delivered.
                    let restart = pull.requests_sent == 0;
                    pull.requests_sent += 1;
                    self.send(&Message::Sync {
                        key,
                        sequence,
                        restart,
                        message: message.encode(),
                    })?;
                }
                Ok(())
            }
        }
    }

    /// Checks a document that is exactly at its signed heads and stores it.
    pub(super) fn finish_pull<R: Replicas>(
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
        if let Err(reason) = replicas
            .commit_replica(&submission, &figures, document)
            .map_err(|failure| self.store_error(failure))?
        {
            return self.refuse(key.to_string(), reason);
        }
        replicas
            .save_sync_state(self.config.peer, &key, &state)
            .map_err(|failure| self.store_error(failure))?;
        self.stats.documents_stored += 1;
        self.emit(Event::SubmissionStored {
            key,
            sequence: submission.payload().sequence,
        })
    }

    pub(super) fn handle_rollups<R: Replicas>(
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
            if let Err(reason) = check_key_for_new(&rollup, replicas.topology(), |_| None)
                .and_then(|()| check_rollup(payload, replicas))
                .and_then(|()| check_counted_inputs(payload, replicas))
            {
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

/// Whether two submissions of one document sign the same content: the same heads, record count,
/// figures and coefficient table. Only the sequence and the signing time may differ.
fn signs_the_same(held: &Submission, offered: &Submission) -> bool {
    held.key == offered.key
        && held.heads == offered.heads
        && held.n_records == offered.n_records
        && held.figures_digest == offered.figures_digest
        && held.coefficients_version == offered.coefficients_version
}
