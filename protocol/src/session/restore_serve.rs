//! The parent's side of a restore: a child that lost its store asks for everything the parent holds
//! about its subtree, and the parent answers one page per request (see `crate::restore` for the
//! child's side, which checks every object).
//!
//! On `RestoreRequest` the parent lists what it will send: the notices about the child's subtree,
//! the latest submission of every document in it and the latest rollup of every node in it, plus
//! the older submissions and rollups those rollups name as inputs (so the child can check each
//! rollup against its inputs). Documents are saved one at a time, when their turn comes, and sent
//! in chunks of at most [`MAX_RESTORE_CHUNK_BYTES`].

use std::collections::{BTreeSet, VecDeque};

use crate::key::DocumentKey;
use crate::limits::{
    MAX_NOTICES_PER_PAGE, MAX_RESTORE_CHUNK_BYTES, MAX_RESTORE_OBJECTS, MAX_ROLLUPS_PER_PAGE,
    MAX_SUBMISSIONS_PER_PAGE,
};
use crate::message::{Message, RestorePart};
use crate::notice::is_in_subtree;
use crate::replicas::Replicas;
use crate::rollup::InputKind;
use crate::signed::{Envelope, ObjectHash};

use super::{Session, SessionError};

/// What remains to be sent of a restore.
#[derive(Debug, Default)]
pub(super) struct RestoreServe {
    started: bool,
    finished: bool,
    notices: VecDeque<Envelope>,
    submissions: VecDeque<Envelope>,
    /// Documents not yet started.
    documents: VecDeque<DocumentKey>,
    /// The save of the document being sent and how far it has gone.
    current: Option<DocumentInTransit>,
    rollups: VecDeque<Envelope>,
}

#[derive(Debug)]
struct DocumentInTransit {
    key: DocumentKey,
    sequence: u64,
    save: Vec<u8>,
    offset: usize,
}

impl Session {
    /// The child asks to be restored: list what to send and send the first page.
    pub(super) fn handle_restore_request<R: Replicas>(
        &mut self,
        replicas: &mut R,
    ) -> Result<(), SessionError> {
        if self.restore.started {
            return Err(self.out_of_turn("restore request", "a second restore request"));
        }
        self.restore.started = true;
        let child = self.config.peer;
        let topology = replicas.topology();
        let in_subtree = |node| is_in_subtree(topology, node, child);
        let notices: VecDeque<Envelope> = replicas
            .notices_about_subtree(child)
            .map_err(|failure| self.store_error(failure))?
            .into_iter()
            .map(|notice| notice.envelope().clone())
            .collect();
        let latest_submissions: Vec<_> = replicas
            .offerable_submissions()
            .map_err(|failure| self.store_error(failure))?
            .into_iter()
            .filter(|submission| in_subtree(submission.payload().key.owner))
            .collect();
        let mut rollups: Vec<_> = replicas
            .offerable_rollups()
            .map_err(|failure| self.store_error(failure))?
            .into_iter()
            .filter(|rollup| in_subtree(rollup.payload().node))
            .collect();
        let mut submission_hashes: BTreeSet<ObjectHash> =
            latest_submissions.iter().map(|s| s.hash()).collect();
        let mut rollup_hashes: BTreeSet<ObjectHash> = rollups.iter().map(|r| r.hash()).collect();
        let mut submissions: Vec<Envelope> = latest_submissions
            .iter()
            .map(|submission| submission.envelope().clone())
            .collect();
        // Older inputs the rollups name, followed down through older rollups.
        let mut index = 0;
        while index < rollups.len() {
            let inputs = rollups[index].payload().inputs.clone();
            index += 1;
            for input in inputs {
                if submission_hashes.len() + rollup_hashes.len() >= MAX_RESTORE_OBJECTS {
                    break;
                }
                match input.kind {
                    InputKind::Submission => {
                        if submission_hashes.insert(input.hash)
                            && let Some(held) = replicas
                                .submission_by_hash(&input.hash)
                                .map_err(|failure| self.store_error(failure))?
                        {
                            submissions.push(held.submission.envelope().clone());
                        }
                    }
                    InputKind::Rollup => {
                        if rollup_hashes.insert(input.hash)
                            && let Some(held) = replicas
                                .rollup_by_hash(&input.hash)
                                .map_err(|failure| self.store_error(failure))?
                        {
                            rollups.push(held);
                        }
                    }
                }
            }
        }
        self.restore.notices = notices;
        self.restore.submissions = submissions.into();
        self.restore.documents = latest_submissions
            .iter()
            .map(|submission| submission.payload().key)
            .collect();
        self.restore.rollups = rollups
            .iter()
            .map(|rollup| rollup.envelope().clone())
            .collect();
        self.send_restore_page(replicas)
    }

    /// Whether a restore is under way and waits for the child's next request.
    pub(super) fn restore_awaiting_next(&self) -> bool {
        self.restore.started && !self.restore.finished
    }

    /// The child checked the previous page and asks for the next.
    pub(super) fn handle_restore_next<R: Replicas>(
        &mut self,
        replicas: &mut R,
    ) -> Result<(), SessionError> {
        if !self.restore.started || self.restore.finished {
            return Err(self.out_of_turn("restore next", "with no restore under way"));
        }
        self.send_restore_page(replicas)
    }

    fn send_restore_page<R: Replicas>(&mut self, replicas: &mut R) -> Result<(), SessionError> {
        let part = self.next_restore_part(replicas)?;
        let serve = &self.restore;
        let last_page = serve.notices.is_empty()
            && serve.submissions.is_empty()
            && serve.current.is_none()
            && serve.documents.is_empty()
            && serve.rollups.is_empty();
        self.restore.finished = last_page;
        self.send(&Message::RestorePage { part, last_page })
    }

    fn next_restore_part<R: Replicas>(
        &mut self,
        replicas: &mut R,
    ) -> Result<RestorePart, SessionError> {
        let serve = &mut self.restore;
        if !serve.notices.is_empty() {
            let n = serve.notices.len().min(MAX_NOTICES_PER_PAGE);
            return Ok(RestorePart::Notices(serve.notices.drain(..n).collect()));
        }
        if !serve.submissions.is_empty() {
            let n = serve.submissions.len().min(MAX_SUBMISSIONS_PER_PAGE);
            return Ok(RestorePart::Submissions(
                serve.submissions.drain(..n).collect(),
            ));
        }
        while serve.current.is_none() {
            let Some(key) = serve.documents.pop_front() else {
                break;
            };
            // The document as of its latest submission now; the child checks that it is the one
            // it was sent the submission of.
            let latest =
                replicas
                    .latest_submission(&key)
                    .map_err(|failure| SessionError::Store {
                        peer: self.config.peer,
                        source: failure,
                    })?;
            let save = replicas
                .with_published_document(&key, |document| document.save())
                .map_err(|failure| SessionError::Store {
                    peer: self.config.peer,
                    source: failure,
                })?;
            // A document the parent cannot produce is left out: the child refuses the restore,
            // naming the submission without its document.
            if let (Some(latest), Some(save)) = (latest, save) {
                serve.current = Some(DocumentInTransit {
                    key,
                    sequence: latest.payload().sequence,
                    save,
                    offset: 0,
                });
            }
        }
        if let Some(current) = &mut serve.current {
            let end = (current.offset + MAX_RESTORE_CHUNK_BYTES).min(current.save.len());
            let part = RestorePart::DocumentChunk {
                key: current.key,
                sequence: current.sequence,
                total_bytes: current.save.len() as u64,
                offset: current.offset as u64,
                bytes: current.save[current.offset..end].to_vec(),
            };
            current.offset = end;
            if end == current.save.len() {
                serve.current = None;
            }
            return Ok(part);
        }
        let n = serve.rollups.len().min(MAX_ROLLUPS_PER_PAGE);
        Ok(RestorePart::Rollups(serve.rollups.drain(..n).collect()))
    }
}
