//! The restoring side of a restore: a node that lost its store asks its parent for everything the
//! parent holds about the node's subtree, and checks every object as strictly as a parent checks a
//! child's replica before any of it is stored.
//!
//! [`RestoreClient`] is a small sans-IO state machine, separate from [`crate::Session`] because its
//! conversation is different (it asks, page by page, and never offers): the driver feeds it bytes
//! with [`RestoreClient::handle_bytes`] and writes what [`RestoreClient::poll_transmit`] returns.
//! Each page is checked as it arrives (signatures by the keys the topology names, every object in
//! this node's subtree, bounded sizes); when the last page is in, [`RestoreClient::finish`] checks
//! what needs the whole: each document loads and ends exactly at its latest submission's signed
//! heads with the signed record count and figure digest, older submissions are found in their
//! document's history with their own digests, and every rollup is the exact sum of inputs held.
//! Any failure refuses the whole restore: nothing from a lying parent is stored.

use std::collections::{BTreeMap, VecDeque};

use automerge::{Automerge, ChangeHash};
use schemas::figures::Figures;
use topology::{DivisionCode, Topology};

use crate::authorization::{Coverage, check_document, check_rollup_against, coverage};
use crate::frame::{FrameDecoder, FrameError};
use crate::inflation::{DocumentBudget, InflationError};
use crate::key::DocumentKey;
use crate::limits::{
    InflationLimits, MAX_NOTICES_PER_PAGE, MAX_RESTORE_BYTES, MAX_RESTORE_CHUNK_BYTES,
    MAX_RESTORE_DOCUMENT_BYTES, MAX_RESTORE_INFLATED_BYTES, MAX_RESTORE_OBJECTS, MAX_RESTORE_PAGES,
    MAX_ROLLUPS_PER_PAGE, MAX_SUBMISSIONS_PER_PAGE,
};
use crate::message::{Message, MessageError, PROTOCOL_VERSION, RestorePart, negotiated_version};
use crate::notice::{Notice, check_authority, is_in_subtree};
use crate::refusal::RefusalReason;
use crate::rollup::{InputKind, Rollup};
use crate::signed::{Envelope, ObjectHash, Signed};
use crate::submission::{AcceptedSubmission, Submission};

/// Why a restore failed. Nothing is stored after any of these.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RestoreError {
    #[error("parent {parent}: {source}")]
    Frame {
        parent: DivisionCode,
        source: FrameError,
    },
    #[error("parent {parent}: {source}")]
    Message {
        parent: DivisionCode,
        source: MessageError,
    },
    #[error("parent {parent} says hello as {claimed}")]
    WrongPeer {
        parent: DivisionCode,
        claimed: DivisionCode,
    },
    #[error("parent {parent} speaks protocol version {theirs}, we speak {ours}")]
    ProtocolVersion {
        parent: DivisionCode,
        ours: u32,
        theirs: u32,
    },
    #[error("parent {parent} sent {kind} out of turn during a restore")]
    OutOfTurn {
        parent: DivisionCode,
        kind: &'static str,
    },
    #[error("parent {parent} sent more {what} than a restore accepts ({limit})")]
    TooLarge {
        parent: DivisionCode,
        what: &'static str,
        limit: u64,
    },
    #[error("restore refused: parent {parent} sent {subject}: {reason}")]
    Refused {
        parent: DivisionCode,
        subject: String,
        reason: RefusalReason,
    },
    #[error("restore refused: parent {parent} sent an incomplete restore: {reason}")]
    Incomplete {
        parent: DivisionCode,
        reason: String,
    },
    #[error("parent {parent} ended the connection before the restore was complete")]
    EndedEarly { parent: DivisionCode },
}

/// Everything a restore brought back, every object checked.
#[derive(Debug)]
pub struct Restored {
    /// Every submission, with the figures computed from its document: the latest of each document
    /// and older ones that rollups name.
    pub submissions: Vec<AcceptedSubmission>,
    /// The hash of the latest submission of each document.
    pub latest_submissions: BTreeMap<DocumentKey, ObjectHash>,
    /// Each document at its latest submission's signed heads.
    pub documents: Vec<(DocumentKey, Automerge)>,
    /// Every rollup, checked against its inputs, deepest nodes first.
    pub rollups: Vec<Signed<Rollup>>,
    /// Notices about this subtree, and the root's definitions and locks.
    pub notices: Vec<Signed<Notice>>,
}

/// A document save being received.
#[derive(Debug)]
struct IncomingDocument {
    sequence: u64,
    total_bytes: u64,
    bytes: Vec<u8>,
}

/// The restoring side's state machine. See the module documentation.
#[derive(Debug)]
pub struct RestoreClient {
    local: DivisionCode,
    parent: DivisionCode,
    topology: Topology,
    decoder: FrameDecoder,
    outbox: VecDeque<Vec<u8>>,
    hello_received: bool,
    finished: bool,
    pages: u64,
    document_bytes: u64,
    notices: BTreeMap<ObjectHash, Signed<Notice>>,
    submissions: BTreeMap<ObjectHash, Signed<Submission>>,
    documents: BTreeMap<DocumentKey, IncomingDocument>,
    rollups: BTreeMap<ObjectHash, Signed<Rollup>>,
}

impl RestoreClient {
    /// A restore of `local` from its parent; the hello and the request are ready to transmit.
    pub fn new(topology: Topology, local: DivisionCode, parent: DivisionCode) -> Self {
        let mut client = Self {
            local,
            parent,
            topology,
            decoder: FrameDecoder::new(),
            outbox: VecDeque::new(),
            hello_received: false,
            finished: false,
            pages: 0,
            document_bytes: 0,
            notices: BTreeMap::new(),
            submissions: BTreeMap::new(),
            documents: BTreeMap::new(),
            rollups: BTreeMap::new(),
        };
        let hello = Message::Hello {
            protocol_version: PROTOCOL_VERSION,
            node: local,
            topology_version: client.topology.version(),
        };
        client.send(&hello);
        client.send(&Message::RestoreRequest);
        client
    }

    /// The next frame to write to the stream.
    pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        self.outbox.pop_front()
    }

    /// Whether the last page has arrived; then call [`RestoreClient::finish`].
    pub fn is_finished(&self) -> bool {
        self.finished
    }

    /// Pages received so far, for progress.
    pub fn pages_received(&self) -> u64 {
        self.pages
    }

    fn send(&mut self, message: &Message) {
        // Our own messages are a few bytes and one is in flight at a time.
        let frame = message
            .to_frame()
            .expect("restore requests always encode within a frame");
        self.outbox.push_back(frame);
    }

    /// Called when the parent closed its side of the stream.
    pub fn handle_end_of_stream(&mut self) -> Result<(), RestoreError> {
        if self.finished {
            return Ok(());
        }
        self.decoder
            .finish()
            .map_err(|source| RestoreError::Frame {
                parent: self.parent,
                source,
            })?;
        Err(RestoreError::EndedEarly {
            parent: self.parent,
        })
    }

    /// Feeds bytes read from the stream; every complete frame in them is handled.
    pub fn handle_bytes(&mut self, bytes: &[u8]) -> Result<(), RestoreError> {
        self.decoder.push(bytes);
        loop {
            let frame = self
                .decoder
                .next_frame()
                .map_err(|source| RestoreError::Frame {
                    parent: self.parent,
                    source,
                })?;
            let Some(body) = frame else { return Ok(()) };
            let message =
                Message::from_frame_body(&body).map_err(|source| RestoreError::Message {
                    parent: self.parent,
                    source,
                })?;
            self.handle_message(message)?;
        }
    }

    fn out_of_turn(&self, kind: &'static str) -> RestoreError {
        RestoreError::OutOfTurn {
            parent: self.parent,
            kind,
        }
    }

    fn refused(&self, subject: String, reason: RefusalReason) -> RestoreError {
        RestoreError::Refused {
            parent: self.parent,
            subject,
            reason,
        }
    }

    fn page_limit(
        &self,
        what: &'static str,
        count: usize,
        limit: usize,
    ) -> Result<(), RestoreError> {
        if count > limit {
            return Err(RestoreError::TooLarge {
                parent: self.parent,
                what,
                limit: limit as u64,
            });
        }
        Ok(())
    }

    fn handle_message(&mut self, message: Message) -> Result<(), RestoreError> {
        if self.finished {
            // The parent's session may still send notices it holds, or a newer topology; the
            // restore is complete.
            return match message {
                Message::Notices { .. } | Message::Topology { .. } => Ok(()),
                other => Err(self.out_of_turn(other.kind())),
            };
        }
        match message {
            Message::Hello {
                protocol_version,
                node,
                ..
            } => {
                if self.hello_received {
                    return Err(self.out_of_turn("a second hello"));
                }
                if node != self.parent {
                    return Err(RestoreError::WrongPeer {
                        parent: self.parent,
                        claimed: node,
                    });
                }
                // The restore's messages are the same in every version this build speaks.
                if negotiated_version(PROTOCOL_VERSION, protocol_version).is_none() {
                    return Err(RestoreError::ProtocolVersion {
                        parent: self.parent,
                        ours: PROTOCOL_VERSION,
                        theirs: protocol_version,
                    });
                }
                self.hello_received = true;
                Ok(())
            }
            _ if !self.hello_received => Err(self.out_of_turn("a message before hello")),
            // A parent holding a newer topology sends it after its hello. A restore works with the
            // topology this node pinned; the first session after it brings the newer one, checked
            // then like any other.
            Message::Topology { .. } => Ok(()),
            // A parent restored from a backup asks every child to give back what it holds; a
            // child that is itself restoring has nothing yet, and its next session answers.
            Message::RecoveryRequest => Ok(()),
            // The session's own exchange of notices: checked like the restore's.
            Message::Notices { notices } => self.receive_notices(notices),
            Message::RestorePage { part, last_page } => {
                self.pages += 1;
                if self.pages > MAX_RESTORE_PAGES {
                    return Err(RestoreError::TooLarge {
                        parent: self.parent,
                        what: "pages",
                        limit: MAX_RESTORE_PAGES,
                    });
                }
                match part {
                    RestorePart::Notices(notices) => self.receive_notices(notices)?,
                    RestorePart::Submissions(submissions) => {
                        self.receive_submissions(submissions)?
                    }
                    RestorePart::DocumentChunk {
                        key,
                        sequence,
                        total_bytes,
                        offset,
                        bytes,
                    } => self.receive_chunk(key, sequence, total_bytes, offset, bytes)?,
                    RestorePart::Rollups(rollups) => self.receive_rollups(rollups)?,
                }
                if last_page {
                    self.finished = true;
                } else {
                    self.send(&Message::RestoreNext);
                }
                Ok(())
            }
            other => Err(self.out_of_turn(other.kind())),
        }
    }

    fn count_objects(&self) -> Result<(), RestoreError> {
        let count = self.notices.len() + self.submissions.len() + self.rollups.len();
        if count > MAX_RESTORE_OBJECTS {
            return Err(RestoreError::TooLarge {
                parent: self.parent,
                what: "signed objects",
                limit: MAX_RESTORE_OBJECTS as u64,
            });
        }
        Ok(())
    }

    fn receive_notices(&mut self, notices: Vec<Envelope>) -> Result<(), RestoreError> {
        self.page_limit("notices in a page", notices.len(), MAX_NOTICES_PER_PAGE)?;
        for envelope in notices {
            let hash = envelope.hash();
            let notice = Signed::<Notice>::verify(envelope, &self.topology)
                .map_err(|error| self.refused(format!("notice {}", hash.short()), error.into()))?;
            let subject = notice.payload().subject();
            check_authority(&notice, &self.topology)
                .map_err(|reason| self.refused(subject.clone(), reason))?;
            if let Some(key) = notice.payload().key()
                && !is_in_subtree(&self.topology, key.owner, self.local)
            {
                return Err(self.refused(
                    subject,
                    RefusalReason::NoticeNotForPeer {
                        owner: key.owner,
                        peer: self.local,
                    },
                ));
            }
            self.notices.insert(hash, notice);
        }
        self.count_objects()
    }

    fn receive_submissions(&mut self, submissions: Vec<Envelope>) -> Result<(), RestoreError> {
        self.page_limit(
            "submissions in a page",
            submissions.len(),
            MAX_SUBMISSIONS_PER_PAGE,
        )?;
        for envelope in submissions {
            let hash = envelope.hash();
            let submission =
                Signed::<Submission>::verify(envelope, &self.topology).map_err(|error| {
                    self.refused(format!("submission {}", hash.short()), error.into())
                })?;
            let owner = submission.payload().key.owner;
            if !is_in_subtree(&self.topology, owner, self.local) {
                return Err(self.refused(
                    format!("submission {}", submission.payload().key),
                    RefusalReason::NotInPeerSubtree {
                        signer: owner,
                        peer: self.local,
                    },
                ));
            }
            self.submissions.insert(hash, submission);
        }
        self.count_objects()
    }

    fn receive_chunk(
        &mut self,
        key: DocumentKey,
        sequence: u64,
        total_bytes: u64,
        offset: u64,
        bytes: Vec<u8>,
    ) -> Result<(), RestoreError> {
        self.page_limit(
            "document bytes in a page",
            bytes.len(),
            MAX_RESTORE_CHUNK_BYTES,
        )?;
        if !is_in_subtree(&self.topology, key.owner, self.local) {
            return Err(self.refused(
                format!("document {key}"),
                RefusalReason::NotInPeerSubtree {
                    signer: key.owner,
                    peer: self.local,
                },
            ));
        }
        if total_bytes > MAX_RESTORE_DOCUMENT_BYTES {
            return Err(RestoreError::TooLarge {
                parent: self.parent,
                what: "bytes in one document",
                limit: MAX_RESTORE_DOCUMENT_BYTES,
            });
        }
        self.document_bytes += bytes.len() as u64;
        if self.document_bytes > MAX_RESTORE_BYTES {
            return Err(RestoreError::TooLarge {
                parent: self.parent,
                what: "document bytes",
                limit: MAX_RESTORE_BYTES,
            });
        }
        let incoming = self.documents.entry(key).or_insert(IncomingDocument {
            sequence,
            total_bytes,
            bytes: Vec::new(),
        });
        let received = incoming.bytes.len() as u64;
        if incoming.sequence != sequence
            || incoming.total_bytes != total_bytes
            || offset != received
            || received + bytes.len() as u64 > total_bytes
        {
            return Err(RestoreError::Incomplete {
                parent: self.parent,
                reason: format!(
                    "document {key}: a piece at byte {offset} does not continue the {received} \
                     bytes of the save of submission #{} received so far",
                    incoming.sequence
                ),
            });
        }
        incoming.bytes.extend_from_slice(&bytes);
        Ok(())
    }

    fn receive_rollups(&mut self, rollups: Vec<Envelope>) -> Result<(), RestoreError> {
        self.page_limit("rollups in a page", rollups.len(), MAX_ROLLUPS_PER_PAGE)?;
        for envelope in rollups {
            let hash = envelope.hash();
            let rollup = Signed::<Rollup>::verify(envelope, &self.topology)
                .map_err(|error| self.refused(format!("rollup {}", hash.short()), error.into()))?;
            let node = rollup.payload().node;
            if !is_in_subtree(&self.topology, node, self.local) {
                return Err(self.refused(
                    format!("rollup of {node}"),
                    RefusalReason::NotInPeerSubtree {
                        signer: node,
                        peer: self.local,
                    },
                ));
            }
            self.rollups.insert(hash, rollup);
        }
        self.count_objects()
    }

    /// Checks what needs the whole restore and hands it over. Call once
    /// [`RestoreClient::is_finished`].
    pub fn finish(self) -> Result<Restored, RestoreError> {
        if !self.finished {
            return Err(RestoreError::EndedEarly {
                parent: self.parent,
            });
        }
        let parent = self.parent;
        let refused = |subject: String, reason: RefusalReason| RestoreError::Refused {
            parent,
            subject,
            reason,
        };
        let incomplete = |reason: String| RestoreError::Incomplete { parent, reason };
        // The latest submission of each document, and the older ones.
        let mut by_key: BTreeMap<DocumentKey, Vec<Signed<Submission>>> = BTreeMap::new();
        for submission in self.submissions.into_values() {
            by_key
                .entry(submission.payload().key)
                .or_default()
                .push(submission);
        }
        let mut documents = self.documents;
        let mut submissions = Vec::new();
        let mut latest_submissions = BTreeMap::new();
        let mut restored_documents = Vec::new();
        // What every restored document has inflated to, held in memory until the end.
        let mut inflated_bytes: u64 = 0;
        for (key, mut versions) in by_key {
            versions.sort_by_key(|submission| submission.payload().sequence);
            if let Some(pair) = versions
                .windows(2)
                .find(|pair| pair[0].payload().sequence == pair[1].payload().sequence)
            {
                return Err(incomplete(format!(
                    "document {key}: two different submissions both numbered #{}",
                    pair[0].payload().sequence
                )));
            }
            let latest = versions.pop().expect("every key has a submission");
            let Some(incoming) = documents.remove(&key) else {
                return Err(incomplete(format!(
                    "document {key}: submission #{} came without its document",
                    latest.payload().sequence
                )));
            };
            if incoming.sequence != latest.payload().sequence
                || incoming.bytes.len() as u64 != incoming.total_bytes
            {
                return Err(incomplete(format!(
                    "document {key}: the document sent is for submission #{} ({} of {} bytes), \
                     the latest submission sent is #{}",
                    incoming.sequence,
                    incoming.bytes.len(),
                    incoming.total_bytes,
                    latest.payload().sequence
                )));
            }
            let subject = format!("document {key} #{}", latest.payload().sequence);
            // Inflated before automerge allocates for it, within the document cap and, since a
            // save is what the first sync of a document sends, the per-message cap for its size.
            let mut budget = DocumentBudget::new(InflationLimits::default());
            let uncompressed = budget.rewrite_message(&incoming.bytes).map_err(|error| {
                let reason = match error {
                    InflationError::Cap(exceeded) => RefusalReason::InflatesPastCap(exceeded),
                    other => RefusalReason::MalformedDocument {
                        reason: other.to_string(),
                    },
                };
                refused(subject.clone(), reason)
            })?;
            let document = Automerge::load(&uncompressed).map_err(|error| {
                refused(
                    subject.clone(),
                    RefusalReason::MalformedDocument {
                        reason: error.to_string(),
                    },
                )
            })?;
            drop(uncompressed);
            inflated_bytes = inflated_bytes.saturating_add(budget.inflated_bytes());
            if inflated_bytes > MAX_RESTORE_INFLATED_BYTES {
                return Err(RestoreError::TooLarge {
                    parent,
                    what: "inflated document bytes",
                    limit: MAX_RESTORE_INFLATED_BYTES,
                });
            }
            match coverage(&document, latest.payload()) {
                Coverage::Exact => {}
                Coverage::Exceeds => {
                    return Err(refused(
                        subject,
                        RefusalReason::ChangesNotCoveredBySignature,
                    ));
                }
                Coverage::Incomplete => {
                    return Err(refused(
                        subject,
                        RefusalReason::MalformedDocument {
                            reason: "it does not hold every head its owner signed".to_owned(),
                        },
                    ));
                }
            }
            let figures = check_document(&document, latest.payload())
                .map_err(|reason| refused(subject, reason))?;
            // Older submissions must be in the document's history, with their own digests.
            for older in versions {
                let subject = format!("document {key} #{}", older.payload().sequence);
                let heads: Vec<ChangeHash> = older.payload().change_hashes();
                let fork = document.fork_at(&heads).map_err(|error| {
                    refused(
                        subject.clone(),
                        RefusalReason::MalformedDocument {
                            reason: format!("its signed heads are not in the document: {error}"),
                        },
                    )
                })?;
                let older_figures = check_document(&fork, older.payload())
                    .map_err(|reason| refused(subject, reason))?;
                submissions.push(AcceptedSubmission {
                    submission: older,
                    figures: older_figures,
                });
            }
            latest_submissions.insert(key, latest.hash());
            submissions.push(AcceptedSubmission {
                submission: latest,
                figures,
            });
            restored_documents.push((key, document));
        }
        if let Some((key, _)) = documents.into_iter().next() {
            return Err(incomplete(format!(
                "document {key} came without a submission"
            )));
        }
        let rollups = check_rollups(
            &self.topology,
            self.rollups.into_values().collect(),
            &submissions,
        )
        .map_err(|(subject, reason)| refused(subject, reason))?;
        Ok(Restored {
            submissions,
            latest_submissions,
            documents: restored_documents,
            rollups,
            notices: self.notices.into_values().collect(),
        })
    }
}

/// Checks every rollup against the inputs restored, deepest nodes first (their inputs are
/// submissions and deeper rollups), and returns them in that order.
fn check_rollups(
    topology: &Topology,
    mut rollups: Vec<Signed<Rollup>>,
    submissions: &[AcceptedSubmission],
) -> Result<Vec<Signed<Rollup>>, (String, RefusalReason)> {
    rollups.sort_by_key(|rollup| {
        let payload = rollup.payload();
        (
            std::cmp::Reverse(topology.depth_of(payload.node).unwrap_or(0)),
            payload.node,
            payload.ledger,
            payload.period,
            payload.sequence,
        )
    });
    let submission_figures: BTreeMap<ObjectHash, (&Submission, &Figures)> = submissions
        .iter()
        .map(|held| {
            (
                held.submission.hash(),
                (held.submission.payload(), &held.figures),
            )
        })
        .collect();
    let mut checked: BTreeMap<ObjectHash, &Signed<Rollup>> = BTreeMap::new();
    for rollup in &rollups {
        let payload = rollup.payload();
        let subject = format!(
            "rollup {}/{}/{} #{}",
            payload.node, payload.ledger, payload.period, payload.sequence
        );
        check_rollup_against(payload, topology, |input| {
            Ok(match input.kind {
                InputKind::Submission => {
                    submission_figures
                        .get(&input.hash)
                        .map(|(submission, figures)| {
                            (
                                submission.key.owner,
                                submission.key.ledger,
                                submission.key.period,
                                (*figures).clone(),
                            )
                        })
                }
                InputKind::Rollup => checked.get(&input.hash).map(|held| {
                    let held = held.payload();
                    (held.node, held.ledger, held.period, held.figures.clone())
                }),
            })
        })
        .map_err(|reason| (subject, reason))?;
        checked.insert(rollup.hash(), rollup);
    }
    Ok(rollups)
}
