//! The topology part of a session: a parent holding a newer topology than its child's hello
//! named sends it down (and again whenever it adopts a newer one); the child checks it against the
//! root key it pinned, adopts it and, through its own sessions, passes it on. A topology only ever
//! comes down: a child that sends one breaks the protocol.

use crate::limits::MAX_TOPOLOGY_MESSAGE_BYTES;
use crate::message::Message;
use crate::refusal::RefusalReason;
use crate::replicas::{Replicas, TopologyAdoption};

use super::{Event, Role, Session, SessionError};

impl Session {
    /// As a parent, sends the topology in force when the child holds an older one.
    pub(super) fn send_topology_if_newer<R: Replicas>(
        &mut self,
        replicas: &R,
    ) -> Result<(), SessionError> {
        let version = replicas.topology().version();
        if self.config.role != Role::Parent || version <= self.peer_topology_version {
            return Ok(());
        }
        let text = replicas.topology().to_toml_string();
        if text.len() > MAX_TOPOLOGY_MESSAGE_BYTES {
            // Our own topology is too large to send: a bug of the root's, reported, never sent.
            return Err(SessionError::PageTooLarge {
                peer: self.config.peer,
                what: "bytes of topology (ours)",
                count: text.len(),
                limit: MAX_TOPOLOGY_MESSAGE_BYTES,
            });
        }
        self.send(&Message::Topology { text })?;
        self.peer_topology_version = version;
        Ok(())
    }

    /// As a child, checks and adopts the topology the parent sent.
    pub(super) fn handle_topology<R: Replicas>(
        &mut self,
        text: &str,
        replicas: &mut R,
    ) -> Result<(), SessionError> {
        self.adopt_topology(text, replicas).map(|_| ())
    }

    /// Checks a topology the peer sent (its size, the root key we pinned, a newer version) and
    /// adopts it; returns the version adopted, if it was. A child gets one from its parent; a
    /// parent recovering from a backup from its child (`recovery.rs`).
    pub(super) fn adopt_topology<R: Replicas>(
        &mut self,
        text: &str,
        replicas: &mut R,
    ) -> Result<Option<u64>, SessionError> {
        if text.len() > MAX_TOPOLOGY_MESSAGE_BYTES {
            self.refuse(
                "a topology".to_owned(),
                RefusalReason::TopologyRefused {
                    reason: format!(
                        "{} bytes, more than the {MAX_TOPOLOGY_MESSAGE_BYTES} a topology may have",
                        text.len()
                    ),
                },
            )?;
            return Ok(None);
        }
        match replicas
            .adopt_topology(text)
            .map_err(|failure| self.store_error(failure))?
        {
            TopologyAdoption::Adopted { version } => {
                self.emit(Event::TopologyAdopted { version })?;
                Ok(Some(version))
            }
            TopologyAdoption::AlreadyHeld => Ok(None),
            TopologyAdoption::Refused { reason } => {
                self.refuse(
                    "a topology".to_owned(),
                    RefusalReason::TopologyRefused { reason },
                )?;
                Ok(None)
            }
        }
    }
}
