//! The child's side of a session: offering signed submissions (with eager sync messages for
//! documents the parent settled), answering the parent's pulls read-only, and sending rollups.

use std::collections::{HashMap, HashSet};

use automerge::sync::{State as SyncState, SyncDoc};
use schemas::{Ledger, Period};
use topology::DivisionCode;

use super::{Session, SessionError};
use crate::key::DocumentKey;
use crate::limits::{
    MAX_EAGER_BYTES_PER_PAGE, MAX_ROLLUPS_PER_PAGE, MAX_SUBMISSIONS_PER_PAGE,
    NOT_STORED_RETRY_MS_MAX, NOT_STORED_RETRY_MS_MIN,
};
use crate::message::{EagerSync, Message};
use crate::refusal::RefusalReason;
use crate::replicas::Replicas;
use crate::rollup::Rollup;
use crate::signed::{ObjectHash, Signed};
use crate::submission::Submission;
use crate::sync_check::decode_from_parent;

/// Child-side state: what this session has offered and sent.
#[derive(Debug, Default)]
pub(super) struct Upload {
    pub(super) offered: HashMap<DocumentKey, ObjectHash>,
    /// Documents the parent said it did not store, offered again when the retry is due (unless a
    /// newer submission goes up first).
    pub(super) not_stored: HashSet<DocumentKey>,
    /// When to offer again the documents the parent did not store, if any.
    pub(super) retry_offer_at_ms: Option<u64>,
    /// The current wait before such a retry; doubles while the parent keeps not storing them.
    pub(super) retry_delay_ms: u64,
    /// Submissions offered in rounds the parent has not settled yet: (round, key, signed heads).
    pub(super) unsettled: Vec<(u64, DocumentKey, Vec<[u8; 32]>)>,
    pub(super) rounds_sent: u64,
    pub(super) rounds_settled: u64,
    pub(super) rollups_sent: HashMap<(DivisionCode, Ledger, Period), ObjectHash>,
    pub(super) sync_states: HashMap<DocumentKey, SyncState>,
}

impl Session {
    /// Offers the submissions that changed since the last round; returns whether a round was sent.
    /// The first round is always sent, even empty, so that the parent settles it and rollups follow.
    pub(super) fn send_offer_delta<R: Replicas>(
        &mut self,
        replicas: &mut R,
    ) -> Result<bool, SessionError> {
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
    pub(super) fn record_parent_holdings(
        &mut self,
        now_ms: u64,
        round: u64,
        not_stored: &[DocumentKey],
    ) {
        let not_stored: HashSet<DocumentKey> = not_stored.iter().copied().collect();
        let (settled, later): (Vec<_>, Vec<_>) = std::mem::take(&mut self.upload.unsettled)
            .into_iter()
            .partition(|(offered_round, _, _)| *offered_round <= round);
        self.upload.unsettled = later;
        let mut any_not_stored = false;
        for (_, key, heads) in settled {
            if not_stored.contains(&key) {
                // Offered again after a while: the refusal may have been passing (a stalled
                // pull, a full queue), and nothing else would make the parent try again.
                self.upload.sync_states.remove(&key);
                self.upload.not_stored.insert(key);
                any_not_stored = true;
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
        if any_not_stored {
            self.upload.retry_delay_ms = self
                .upload
                .retry_delay_ms
                .saturating_mul(2)
                .clamp(NOT_STORED_RETRY_MS_MIN, NOT_STORED_RETRY_MS_MAX);
            self.upload.retry_offer_at_ms = Some(now_ms + self.upload.retry_delay_ms);
        } else if self.upload.unsettled.is_empty() {
            self.upload.retry_delay_ms = 0;
        }
    }

    /// Offers again what the parent did not store, and every rollup, since rollups that named
    /// those documents were refused too.
    pub(super) fn retry_offer<R: Replicas>(
        &mut self,
        replicas: &mut R,
    ) -> Result<(), SessionError> {
        self.upload.retry_offer_at_ms = None;
        for key in std::mem::take(&mut self.upload.not_stored) {
            self.upload.offered.remove(&key);
        }
        self.upload.rollups_sent.clear();
        if !self.send_offer_delta(replicas)? {
            self.send_rollup_delta(replicas)?;
        }
        Ok(())
    }

    /// Sync messages carrying the new changes of documents already synced in this session, within
    /// [`MAX_EAGER_BYTES_PER_PAGE`]. Documents not synced yet in the session have no sync state
    /// that knows what the parent holds, so the parent pulls them.
    pub(super) fn eager_syncs<R: Replicas>(
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
    pub(super) fn send_rollup_delta<R: Replicas>(
        &mut self,
        replicas: &mut R,
    ) -> Result<(), SessionError> {
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
    pub(super) fn handle_pull_request<R: Replicas>(
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
        let message = match decode_from_parent(bytes) {
            Ok(message) => message,
            Err(reason) => {
                return self.refuse(key.to_string(), RefusalReason::BadSyncMessage { reason });
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
}
