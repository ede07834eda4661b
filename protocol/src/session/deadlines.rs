//! How long a session waits for its peer. Two rules, both measured on progress rather than as one
//! absolute deadline, so that the largest legitimate transfer completes on a slow link while a
//! peer that holds a session open without doing its part is dropped:
//!
//! - while the peer owes us a frame (our hello's answer, answers to pulls in flight, the rest of an
//!   offer round, the settling of our round, a restoring child's next request), its next complete
//!   frame must come within the reply timeout. A session that owes nothing may stay idle as long
//!   as QUIC keeps the connection alive;
//! - once a frame has started, its bytes must keep arriving at the minimum rate after a grace
//!   period: a peer that trickles a byte now and then never completes a frame in time.

use super::{Role, Session, SessionError};

/// When the session last heard from its peer, and the frame it is receiving.
#[derive(Debug, Default)]
pub(super) struct Deadlines {
    /// When the session started or its last complete frame arrived.
    last_frame_ms: u64,
    /// When the frame being received started, if one is partly in.
    partial_since_ms: Option<u64>,
    /// Bytes of that frame received so far.
    partial_bytes: usize,
}

impl Deadlines {
    pub(super) fn starting_at(now_ms: u64) -> Self {
        Self {
            last_frame_ms: now_ms,
            ..Self::default()
        }
    }

    /// A complete frame arrived.
    pub(super) fn note_frame(&mut self, now_ms: u64) {
        self.last_frame_ms = now_ms;
        self.partial_since_ms = None;
        self.partial_bytes = 0;
    }

    /// After a read: `buffered` bytes of an incomplete frame are held.
    pub(super) fn note_partial_frame(&mut self, now_ms: u64, buffered: usize) {
        if buffered == 0 {
            self.partial_since_ms = None;
        } else if self.partial_since_ms.is_none() {
            self.partial_since_ms = Some(now_ms);
        }
        self.partial_bytes = buffered;
    }
}

impl Session {
    /// Whether the peer owes this session a frame.
    pub(super) fn awaiting_peer(&self) -> Option<&'static str> {
        if !self.hello_received {
            return Some("no hello came");
        }
        match self.config.role {
            Role::Parent if !self.download.in_flight.is_empty() => {
                Some("documents were pulled and not sent")
            }
            Role::Parent if self.download.offer_round_open => {
                Some("an offer round was begun and not finished")
            }
            Role::Parent if self.restore_awaiting_next() => {
                Some("a restore was begun and its next page not asked for")
            }
            Role::Child if self.upload.rounds_settled < self.upload.rounds_sent => {
                Some("our offer round was not settled")
            }
            Role::Parent | Role::Child => None,
        }
    }

    /// The next time a deadline falls, if one runs.
    pub(super) fn next_deadline(&self) -> Option<u64> {
        let limits = &self.config.limits;
        let reply = self
            .awaiting_peer()
            .map(|_| self.deadlines.last_frame_ms + limits.reply_timeout_ms);
        let frame = self.deadlines.partial_since_ms.map(|since| {
            since
                + limits.frame_grace_ms
                + self.deadlines.partial_bytes as u64 * 1000
                    / limits.frame_min_bytes_per_second.max(1)
        });
        reply.into_iter().chain(frame).min()
    }

    /// Ends the session when the peer missed a deadline.
    pub(super) fn check_deadlines(&self, now_ms: u64) -> Result<(), SessionError> {
        let Some(due) = self.next_deadline() else {
            return Ok(());
        };
        if now_ms < due {
            return Ok(());
        }
        let (what, since) = match self.deadlines.partial_since_ms {
            Some(since) if self.frame_deadline_passed(now_ms) => (
                format!(
                    "a frame arrived slower than {} bytes/s ({} bytes in)",
                    self.config.limits.frame_min_bytes_per_second, self.deadlines.partial_bytes
                ),
                since,
            ),
            _ => (
                self.awaiting_peer().unwrap_or("it owed a frame").to_owned(),
                self.deadlines.last_frame_ms,
            ),
        };
        Err(SessionError::PeerStalled {
            peer: self.config.peer,
            what,
            waited_ms: now_ms.saturating_sub(since),
        })
    }

    fn frame_deadline_passed(&self, now_ms: u64) -> bool {
        let limits = &self.config.limits;
        self.deadlines.partial_since_ms.is_some_and(|since| {
            now_ms
                >= since
                    + limits.frame_grace_ms
                    + self.deadlines.partial_bytes as u64 * 1000
                        / limits.frame_min_bytes_per_second.max(1)
        })
    }
}
