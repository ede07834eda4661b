//! The connections of a run: packets on the wire (arrival, loss, duplication, retransmission),
//! the sessions at each end driven as the real driver drives them, and the closing of a
//! connection whose peer is gone.

use protocol::{Event, Replicas, Session, SessionError};
use sha2::Digest;

use super::{Action, MAX_RETRANSMIT_DOUBLINGS, Work, World};
use crate::sim::InjectedBug;
use crate::sim::invariants::{self, Violation};
use crate::sim::network::{ConnectionId, Side};

impl World {
    pub(super) fn arrive(&mut self, id: ConnectionId, to: Side, sequence: u64) {
        let Some(connection) = self.connections.get_mut(&id) else {
            return;
        };
        if connection.sessions[to.index()].is_none() {
            return;
        }
        let Some(frames) = connection.pipes[to.index()].arrive(sequence) else {
            self.note(format!("#{id} copy of {sequence} to {} dropped", to.name()));
            return;
        };
        if frames.is_empty() {
            self.stats.frames_reordered += 1;
        }
        self.note(format!("#{id} {sequence} arrives at {}", to.name()));
        for frame in frames {
            if !self.connections.contains_key(&id) {
                return;
            }
            self.session_work(id, to, Work::Bytes(frame));
        }
        self.flush(id, to.other());
    }

    pub(super) fn retransmit(&mut self, id: ConnectionId, to: Side, sequence: u64) {
        let Some(connection) = self.connections.get_mut(&id) else {
            return;
        };
        let Some(in_flight) = connection.pipes[to.index()].in_flight.get_mut(&sequence) else {
            return;
        };
        in_flight.attempts += 1;
        let attempts = in_flight.attempts;
        self.transmit(id, to, sequence, attempts);
    }

    /// Puts one packet of frame `sequence` on the wire toward `to`, and arms its retransmission.
    pub(super) fn transmit(&mut self, id: ConnectionId, to: Side, sequence: u64, attempts: u32) {
        let connection = &self.connections[&id];
        let receiver = connection.node(to);
        let reachable = !self.cut.contains_key(&connection.child)
            && connection.sessions[to.index()].is_some()
            && self.nodes[receiver].incarnation == connection.incarnations[to.index()];
        let (low, high) = self.config.faults.latency_ms;
        if reachable {
            if self.rng.chance(self.config.faults.loss) {
                self.stats.packets_lost += 1;
            } else {
                let latency = self.rng.between(low, high);
                let arrive = Action::Arrive {
                    connection: id,
                    to,
                    sequence,
                };
                self.schedule(self.now_ms + latency, arrive);
                if self.rng.chance(self.config.faults.duplication) {
                    self.stats.packets_duplicated += 1;
                    let latency = self.rng.between(low, high);
                    let copy = Action::Arrive {
                        connection: id,
                        to,
                        sequence,
                    };
                    self.schedule(self.now_ms + latency, copy);
                }
            }
        }
        let timeout = (2 * high + 50) << (attempts - 1).min(MAX_RETRANSMIT_DOUBLINGS);
        self.schedule(
            self.now_ms + timeout,
            Action::Retransmit {
                connection: id,
                to,
                sequence,
            },
        );
    }

    pub(super) fn timer(&mut self, id: ConnectionId, side: Side) {
        let Some(connection) = self.connections.get_mut(&id) else {
            return;
        };
        if connection.timers[side.index()] != Some(self.now_ms) {
            return;
        }
        connection.timers[side.index()] = None;
        let due = connection.sessions[side.index()]
            .as_ref()
            .and_then(Session::poll_timeout)
            .is_some_and(|deadline| deadline <= self.now_ms);
        if due {
            self.note(format!("#{id} timer at {}", side.name()));
            self.session_work(id, side, Work::Timeout);
        }
        self.schedule_timer(id, side);
    }

    /// Whether a connection has lost its peer: a cut edge, or an end whose process died.
    pub(super) fn is_broken(&self, id: ConnectionId) -> bool {
        let Some(connection) = self.connections.get(&id) else {
            return false;
        };
        self.cut.contains_key(&connection.child)
            || [Side::Child, Side::Parent].iter().any(|side| {
                connection.sessions[side.index()].is_none()
                    || self.nodes[connection.node(*side)].incarnation
                        != connection.incarnations[side.index()]
            })
    }

    pub(super) fn close(&mut self, id: ConnectionId, why: &str) {
        let Some(connection) = self.connections.remove(&id) else {
            return;
        };
        self.stats.connections_lost += 1;
        self.note(format!("close #{id}: {why}"));
        for node in [connection.child, connection.parent] {
            self.nodes[node].connections.retain(|held| *held != id);
        }
        let child = connection.child;
        if self.nodes[child].uplink == Some(id) {
            self.nodes[child].uplink = None;
            if self.nodes[child].core.is_some() {
                self.schedule_connect(child);
            }
        }
    }

    /// Tells every session of `node` that its data changed.
    pub(super) fn local_change(&mut self, node: usize) {
        for id in self.nodes[node].connections.clone() {
            let Some(side) = self
                .connections
                .get(&id)
                .and_then(|connection| connection.side_of(node))
            else {
                continue;
            };
            self.session_work(id, side, Work::LocalChange);
        }
    }

    /// Runs one piece of work on a session and its node's core, acts on the session's events as
    /// the real driver does, and sends what the session queued.
    pub(super) fn session_work(&mut self, id: ConnectionId, side: Side, work: Work) {
        let now = self.now_ms;
        let Some(connection) = self.connections.get_mut(&id) else {
            return;
        };
        let node = connection.node(side);
        if connection.incarnations[side.index()] != self.nodes[node].incarnation {
            return;
        }
        let (Some(session), Some(core)) = (
            connection.sessions[side.index()].as_mut(),
            self.nodes[node].core.as_mut(),
        ) else {
            return;
        };
        core.set_wall_clock(now as i64);
        let before = core.generation();
        if let Work::Bytes(frame) = &work {
            self.trace.update(frame);
        }
        let result = match (side, self.liars.get(&node)) {
            (Side::Child, Some(forgeries)) => drive(session, work, now, &mut forgeries.wrap(core)),
            _ => drive(session, work, now, core),
        };
        invariants::note_depths(&mut self.stats, &session.queue_depths());
        let mut events = Vec::new();
        while let Some(event) = session.poll_event() {
            events.push(event);
        }
        let code = self.nodes[node].code;
        let peer_lies = side == Side::Parent && self.liars.contains_key(&connection.child);
        for event in &events {
            if let Event::Refused(refusal) = event {
                self.stats.refusals += 1;
                if peer_lies {
                    self.stats.refusals_of_liars += 1;
                }
                let line = format!("{code} refused: {refusal}");
                self.note(line);
            }
            let dropped = self.config.bug == Some(InjectedBug::EventsDropped)
                && matches!(event, Event::SubmissionStored { .. });
            if dropped {
                continue;
            }
            let core = self.nodes[node].core.as_mut().expect("checked above");
            if let Err(error) = core.apply_session_event(event, now as i64) {
                self.violations.push(Violation::Operation {
                    node: code,
                    what: format!("acting on a session event: {error}"),
                });
            }
        }
        let changed = self.nodes[node]
            .core
            .as_ref()
            .is_some_and(|core| core.generation() != before);
        match result {
            Ok(()) => {
                self.flush(id, side);
                self.schedule_timer(id, side);
            }
            Err(error) => {
                self.stats.session_errors += 1;
                if let SessionError::QueueFull { queue, limit } = &error {
                    self.violations.push(Violation::QueueOverBound {
                        queue: format!("session {queue} at {code}"),
                        depth: *limit + 1,
                        limit: *limit,
                    });
                }
                self.close(id, &format!("session error at {code}: {error}"));
            }
        }
        if changed {
            self.local_change(node);
        }
    }

    /// Moves frames from `side`'s session onto the wire while the window has room.
    pub(super) fn flush(&mut self, id: ConnectionId, side: Side) {
        let ignore_window = self.config.bug == Some(InjectedBug::WindowIgnored);
        let to = side.other();
        loop {
            let Some(connection) = self.connections.get_mut(&id) else {
                return;
            };
            if !ignore_window && !connection.pipes[to.index()].has_room() {
                return;
            }
            let Some(session) = connection.sessions[side.index()].as_mut() else {
                return;
            };
            let Some(frame) = session.poll_transmit() else {
                return;
            };
            self.stats.frames_sent += 1;
            self.stats.bytes_sent += frame.len() as u64;
            let pipe = &mut connection.pipes[to.index()];
            let sequence = pipe.send(frame);
            self.stats.max_in_flight_frames =
                self.stats.max_in_flight_frames.max(pipe.in_flight.len());
            self.transmit(id, to, sequence, 1);
        }
    }

    pub(super) fn schedule_timer(&mut self, id: ConnectionId, side: Side) {
        let Some(connection) = self.connections.get_mut(&id) else {
            return;
        };
        let Some(deadline) = connection.sessions[side.index()]
            .as_ref()
            .and_then(Session::poll_timeout)
        else {
            return;
        };
        let at = deadline.max(self.now_ms);
        if connection.timers[side.index()] == Some(at) {
            return;
        }
        connection.timers[side.index()] = Some(at);
        self.schedule(
            at,
            Action::Timer {
                connection: id,
                side,
            },
        );
    }
}

/// Hands one piece of work to a session over a node's data.
fn drive<R: Replicas>(
    session: &mut Session,
    work: Work,
    now: u64,
    replicas: &mut R,
) -> Result<(), SessionError> {
    match work {
        Work::Bytes(frame) => session.handle_bytes(now, &frame, replicas),
        Work::Timeout => session.handle_timeout(now, replicas),
        Work::LocalChange => session.handle_local_change(now, replicas),
    }
}
