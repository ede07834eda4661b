//! The simulated network: one connection per tree edge at a time, each a pair of sessions and a
//! pipe each way. A pipe is what QUIC gives the real driver, a reliable ordered byte stream, built
//! here over packets the run loses, duplicates and delays: the sender numbers each frame and
//! keeps it until it arrives (retransmitting with a doubling timeout), the receiver drops copies
//! it has seen and hands frames to its session in order. A flow-control window bounds what is in
//! flight; beyond it the sender leaves frames in its session's outbox, as the real driver does
//! while `write_all` waits.

use std::collections::BTreeMap;

use protocol::Session;

/// Identifies a connection for the whole run; never reused.
pub type ConnectionId = u64;

/// The two ends of a tree edge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Side {
    Child = 0,
    Parent = 1,
}

impl Side {
    pub fn other(self) -> Side {
        match self {
            Side::Child => Side::Parent,
            Side::Parent => Side::Child,
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }

    pub fn name(self) -> &'static str {
        match self {
            Side::Child => "child",
            Side::Parent => "parent",
        }
    }
}

/// Frames a sender may have in flight on one pipe (QUIC's flow-control window, in frames). Small,
/// so that runs fill it and frames wait in the sessions' outboxes, as they do behind a slow link.
pub const WINDOW_FRAMES: usize = 4;

/// Bytes a sender may have in flight on one pipe.
pub const WINDOW_BYTES: usize = 8 * 1024 * 1024;

/// A frame sent and not yet arrived, with how often it was sent.
#[derive(Debug)]
pub struct InFlight {
    pub frame: Vec<u8>,
    pub attempts: u32,
}

/// One direction of a connection.
#[derive(Debug, Default)]
pub struct Pipe {
    /// Sequence number of the next frame sent.
    pub next_sent: u64,
    /// Sequence number of the next frame the receiver hands to its session.
    pub next_delivered: u64,
    /// Frames sent that have not arrived.
    pub in_flight: BTreeMap<u64, InFlight>,
    pub in_flight_bytes: usize,
    /// Frames that arrived ahead of a missing one.
    pub reorder_buffer: BTreeMap<u64, Vec<u8>>,
}

impl Pipe {
    pub fn has_room(&self) -> bool {
        self.in_flight.len() < WINDOW_FRAMES && self.in_flight_bytes < WINDOW_BYTES
    }

    /// Takes a frame to send; returns its sequence number.
    pub fn send(&mut self, frame: Vec<u8>) -> u64 {
        let sequence = self.next_sent;
        self.next_sent += 1;
        self.in_flight_bytes += frame.len();
        self.in_flight
            .insert(sequence, InFlight { frame, attempts: 1 });
        sequence
    }

    /// A copy of frame `sequence` arrived. Returns the frames now deliverable in order, or `None`
    /// when this copy is a duplicate.
    pub fn arrive(&mut self, sequence: u64) -> Option<Vec<Vec<u8>>> {
        let arrived = self.in_flight.remove(&sequence)?;
        self.in_flight_bytes -= arrived.frame.len();
        self.reorder_buffer.insert(sequence, arrived.frame);
        let mut deliverable = Vec::new();
        while let Some(frame) = self.reorder_buffer.remove(&self.next_delivered) {
            deliverable.push(frame);
            self.next_delivered += 1;
        }
        Some(deliverable)
    }

    pub fn is_empty(&self) -> bool {
        self.in_flight.is_empty() && self.reorder_buffer.is_empty()
    }
}

/// A connection between a child node and its parent.
#[derive(Debug)]
pub struct Connection {
    pub child: usize,
    pub parent: usize,
    /// The session at each side, indexed by [`Side::index`]; `None` once that side's process
    /// died.
    pub sessions: [Option<Session>; 2],
    /// The pipe toward each side, indexed by the receiving side.
    pub pipes: [Pipe; 2],
    /// The time each side's session timer is scheduled for, so it is scheduled once.
    pub timers: [Option<u64>; 2],
    /// The incarnation of each node when the connection opened: a restarted process does not
    /// inherit its predecessor's connections.
    pub incarnations: [u32; 2],
}

impl Connection {
    pub fn node(&self, side: Side) -> usize {
        match side {
            Side::Child => self.child,
            Side::Parent => self.parent,
        }
    }

    pub fn side_of(&self, node: usize) -> Option<Side> {
        if node == self.child {
            Some(Side::Child)
        } else if node == self.parent {
            Some(Side::Parent)
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pipe_delivers_in_order_and_drops_copies() {
        let mut pipe = Pipe::default();
        let first = pipe.send(b"a".to_vec());
        let second = pipe.send(b"b".to_vec());
        assert_eq!(pipe.arrive(second), Some(vec![]));
        assert_eq!(pipe.arrive(second), None, "a copy is dropped");
        assert_eq!(pipe.arrive(first), Some(vec![b"a".to_vec(), b"b".to_vec()]));
        assert!(pipe.is_empty());
    }
}
