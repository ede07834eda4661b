//! The notices part of a session, the same at both ends of an edge: each side sends the notices
//! it holds that the peer may see and has not been sent in this session, and checks and stores
//! those it receives.

use std::collections::HashSet;

use crate::key_use::check_notice_key;
use crate::limits::MAX_NOTICES_PER_PAGE;
use crate::message::Message;
use crate::notice::{Notice, check_authority, is_in_subtree};
use crate::refusal::RefusalReason;
use crate::replicas::Replicas;
use crate::signed::{Envelope, ObjectHash, Signed};

use super::{Event, Role, Session, SessionError};

/// What this session has sent of the notices, so each goes once per session.
#[derive(Debug, Default)]
pub(super) struct NoticeExchange {
    sent: HashSet<ObjectHash>,
    /// Notices the peer sent in this session, held to the session's limit.
    received: usize,
}

impl NoticeExchange {
    /// Marks a notice as sent to the peer in this session (the recovery sends them on its own).
    pub(super) fn sent_to_peer(&mut self, hash: ObjectHash) {
        self.sent.insert(hash);
    }
}

impl Session {
    /// Sends the notices the peer may see that it has not been sent (or sent us) in this session.
    pub(super) fn send_notice_delta<R: Replicas>(
        &mut self,
        replicas: &R,
    ) -> Result<(), SessionError> {
        let fresh: Vec<Envelope> = replicas
            .notices_for_peer(self.config.peer)
            .map_err(|source| self.store_error(source))?
            .into_iter()
            .filter(|notice| self.notices.sent.insert(notice.hash()))
            .map(|notice| notice.envelope().clone())
            .collect();
        for page in fresh.chunks(MAX_NOTICES_PER_PAGE) {
            self.send(&Message::Notices {
                notices: page.to_vec(),
            })?;
        }
        Ok(())
    }

    /// Checks and stores a page of notices from the peer. A notice is stored when its signature
    /// verifies, its signer may make it, and it is about a document the exchange concerns: from
    /// a child, one in the child's subtree; from the parent, one in ours. Definitions and locks
    /// come only from the parent, or from a child answering our recovery (`recovery` true), and
    /// in both cases only signed by the root. Returns how many notices were stored.
    pub(super) fn handle_notices<R: Replicas>(
        &mut self,
        notices: Vec<Envelope>,
        replicas: &mut R,
        recovery: bool,
    ) -> Result<usize, SessionError> {
        let mut stored_count = 0;
        if notices.len() > MAX_NOTICES_PER_PAGE {
            return Err(SessionError::PageTooLarge {
                peer: self.config.peer,
                what: "notices",
                count: notices.len(),
                limit: MAX_NOTICES_PER_PAGE,
            });
        }
        self.notices.received += notices.len();
        if self.notices.received > self.config.limits.max_notices_per_session {
            return Err(SessionError::TooManyNotices {
                peer: self.config.peer,
                limit: self.config.limits.max_notices_per_session,
            });
        }
        for envelope in notices {
            let notice = match Signed::<Notice>::verify(envelope, replicas.topology()) {
                Ok(notice) => notice,
                Err(error) => {
                    self.refuse("a notice".to_owned(), RefusalReason::Signature(error))?;
                    continue;
                }
            };
            // Whatever we hold the peer need not be sent back.
            self.notices.sent.insert(notice.hash());
            let subject = notice.payload().subject();
            if let Err(reason) = check_authority(&notice, replicas.topology()) {
                self.refuse(subject, reason)?;
                continue;
            }
            let concerned = match self.config.role {
                Role::Parent => self.config.peer,
                Role::Child => self.config.local,
            };
            match notice.payload().key() {
                // Definitions come down from the root, never up.
                None if self.config.role == Role::Parent && !recovery => {
                    self.refuse(subject, RefusalReason::DefinitionFromChild)?;
                    continue;
                }
                None => {}
                Some(key) if !is_in_subtree(replicas.topology(), key.owner, concerned) => {
                    self.refuse(
                        subject,
                        RefusalReason::NoticeNotForPeer {
                            owner: key.owner,
                            peer: concerned,
                        },
                    )?;
                    continue;
                }
                Some(_) => {}
            }
            let held = replicas
                .holds_notice(&notice.hash())
                .map_err(|source| self.store_error(source))?;
            if held {
                continue;
            }
            if let Err(reason) = check_notice_key(&notice, replicas.topology()) {
                self.refuse(subject, reason)?;
                continue;
            }
            let stored = replicas
                .store_notice(&notice)
                .map_err(|source| self.store_error(source))?;
            if stored {
                stored_count += 1;
                self.emit(Event::NoticeStored {
                    key: notice.payload().key(),
                    hash: notice.hash(),
                })?;
            }
        }
        Ok(stored_count)
    }
}
