//! The recovery part of a session (version 7 on): a parent restored from a backup lost whatever
//! it signed and received after the backup was taken. Before it signs anything new it asks each
//! child for what the child holds: the topology (when the child's is newer), the root's
//! definitions and locks, and every notice about the child's subtree, its own decisions and
//! receipts included. The child answers in pages; the parent checks each notice as it checks any
//! (signature, signer's authority, subtree, key in use) and stores what it lacks. The child's
//! offer then brings back the submissions the parent lost, as in any session.

use crate::limits::{MAX_NOTICES_PER_PAGE, MAX_TOPOLOGY_MESSAGE_BYTES};
use crate::message::{Message, RECOVERY_PROTOCOL_VERSION};
use crate::replicas::Replicas;
use crate::signed::Envelope;

use super::{Event, Role, Session, SessionError};

/// Where the recovery stands in this session.
#[derive(Debug, Default)]
pub(super) struct RecoveryExchange {
    /// Parent side: we sent the request and wait for the child's pages.
    requested: bool,
    /// Parent side: the child's last page arrived.
    answered: bool,
    /// Parent side: notices stored so far from the child's pages.
    stored: usize,
    /// Parent side: the topology version the child's answer brought, when we adopted it.
    topology_version: Option<u64>,
    /// Child side: we answered a request in this session.
    sent: bool,
}

impl Session {
    /// As a parent restored from a backup, asks the child for what it holds, right after the
    /// hellos; a session speaking a version without recovery tells the driver it cannot.
    pub(super) fn request_recovery_if_restored(&mut self) -> Result<(), SessionError> {
        if self.config.role != Role::Parent || !self.config.recovering {
            return Ok(());
        }
        if self.version < RECOVERY_PROTOCOL_VERSION {
            return self.emit(Event::RecoveryAnswered {
                child: self.config.peer,
                answered: false,
                notices: 0,
                topology_version: None,
                protocol_version: self.version,
            });
        }
        self.recovery.requested = true;
        self.send(&Message::RecoveryRequest)
    }

    /// As a child, answers the parent's recovery request with our newer topology and every
    /// notice about our subtree and every definition and lock we hold.
    pub(super) fn handle_recovery_request<R: Replicas>(
        &mut self,
        replicas: &R,
    ) -> Result<(), SessionError> {
        if self.version < RECOVERY_PROTOCOL_VERSION {
            return Err(self.out_of_turn("recovery request", "in a version without recovery"));
        }
        if self.recovery.sent {
            return Err(self.out_of_turn("recovery request", "a second one"));
        }
        self.recovery.sent = true;
        let topology = (replicas.topology().version() > self.peer_topology_version)
            .then(|| replicas.topology().to_toml_string())
            .filter(|text| text.len() <= MAX_TOPOLOGY_MESSAGE_BYTES);
        let notices: Vec<Envelope> = replicas
            .notices_about_subtree(self.config.local)
            .map_err(|source| self.store_error(source))?
            .into_iter()
            .map(|notice| {
                self.notices.sent_to_peer(notice.hash());
                notice.envelope().clone()
            })
            .collect();
        let mut pages: Vec<Vec<Envelope>> = notices
            .chunks(MAX_NOTICES_PER_PAGE)
            .map(<[Envelope]>::to_vec)
            .collect();
        if pages.is_empty() {
            pages.push(Vec::new());
        }
        let last = pages.len() - 1;
        let mut topology = topology;
        for (index, page) in pages.into_iter().enumerate() {
            self.send(&Message::Recovery {
                topology: topology.take(),
                notices: page,
                last_page: index == last,
            })?;
        }
        Ok(())
    }

    /// As a parent recovering, checks and stores one page of the child's answer.
    pub(super) fn handle_recovery<R: Replicas>(
        &mut self,
        topology: Option<String>,
        notices: Vec<Envelope>,
        last_page: bool,
        replicas: &mut R,
    ) -> Result<(), SessionError> {
        if !self.recovery.requested || self.recovery.answered {
            return Err(self.out_of_turn("recovery", "never asked for"));
        }
        if let Some(text) = topology
            && let Some(version) = self.adopt_topology(&text, replicas)?
        {
            self.recovery.topology_version = Some(version);
        }
        self.recovery.stored += self.handle_notices(notices, replicas, true)?;
        if last_page {
            self.recovery.answered = true;
            self.emit(Event::RecoveryAnswered {
                child: self.config.peer,
                answered: true,
                notices: self.recovery.stored,
                topology_version: self.recovery.topology_version,
                protocol_version: self.version,
            })?;
        }
        Ok(())
    }
}
