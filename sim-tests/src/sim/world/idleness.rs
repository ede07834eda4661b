//! When a run is over: every node up and connected, nothing in flight, every session idle.

use super::World;
use crate::sim::network::{Pipe, Side};

impl World {
    /// Every node up and connected to its parent, nothing in flight, every session idle with no
    /// timer pending.
    pub(super) fn is_idle(&self) -> bool {
        self.busy_description().is_empty()
    }

    /// Why the run is not idle, or an empty string.
    pub(super) fn busy_description(&self) -> String {
        if self.pending_work > 0 {
            return format!(
                "{} events that may change data are pending",
                self.pending_work
            );
        }
        if !self.cut.is_empty() {
            return format!("{} tree edges are cut", self.cut.len());
        }
        for node in &self.nodes {
            if node.core.is_none() {
                return format!("{} is down", node.code);
            }
            if node.parent.is_some() && node.uplink.is_none() {
                return format!("{} is not connected to its parent", node.code);
            }
        }
        for (id, connection) in &self.connections {
            if self.is_broken(*id) {
                return format!("connection #{id} lost its peer and is not yet closed");
            }
            if !connection.pipes.iter().all(Pipe::is_empty) {
                return format!("connection #{id} has frames in flight");
            }
            for side in [Side::Child, Side::Parent] {
                let Some(session) = connection.sessions[side.index()].as_ref() else {
                    continue;
                };
                if !session.is_idle() || session.poll_timeout().is_some() {
                    return format!(
                        "the {} session of connection #{id} ({}) is busy",
                        side.name(),
                        self.nodes[connection.node(side)].code
                    );
                }
            }
        }
        String::new()
    }
}
