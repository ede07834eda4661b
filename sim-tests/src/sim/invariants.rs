//! What must hold after every simulated run, checked against the nodes' real state and the
//! checker's own [`Model`] of what the clerks did:
//!
//! - (a) once the network heals, every node's rollup equals the figures recomputed from the raw
//!   records of every acknowledged submission in its subtree, and every ancestor holds each
//!   descendant's latest submission;
//! - (b) no acknowledged submission is ever lost: its owner still holds it after every restart;
//! - (c) nothing unsigned or unauthorized is stored: `verify` passes on every node;
//! - (d) every bounded queue stayed within its bound;
//! - (e) the run went idle within its step bound (checked by the loop, reported here).

use std::collections::BTreeMap;
use std::fmt;

use node::core::NodeCore;
use protocol::limits::{
    MAX_DOCUMENTS_IN_FLIGHT, MAX_DOCUMENTS_WAITING, MAX_EAGER_BYTES_WAITING, MAX_EVENTS,
    MAX_OUTBOX_FRAMES,
};
use protocol::{DocumentKey, QueueDepths};
use schemas::Ledger;
use schemas::figures::Figures;
use topology::{DivisionCode, Topology};

use super::SimStats;
use super::network::WINDOW_FRAMES;
use super::workload::Model;
use crate::harness::SAMPLE_PERIOD;

/// One broken invariant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Violation {
    /// (a) A node's consolidated figures differ from the recomputation.
    FiguresDiffer {
        node: DivisionCode,
        ledger: Ledger,
        detail: String,
    },
    /// (a, b) An ancestor does not hold a descendant's latest acknowledged submission.
    NotPropagated {
        holder: DivisionCode,
        key: DocumentKey,
        acknowledged: u64,
        held: Option<u64>,
    },
    /// (b) The owner no longer holds a submission it acknowledged.
    AcknowledgedLost {
        key: DocumentKey,
        acknowledged: u64,
        held: Option<u64>,
        when: String,
    },
    /// (c) A node holds something `verify` rejects.
    Unverified { node: DivisionCode, reason: String },
    /// (d) A queue went past its bound.
    QueueOverBound {
        queue: String,
        depth: usize,
        limit: usize,
    },
    /// (e) The run did not go idle within its step bound.
    NotIdle {
        steps: u64,
        max_steps: u64,
        detail: String,
    },
    /// A node failed an operation a correct node does not fail (a clerk's import or submit, acting
    /// on a session event, opening its store).
    Operation { node: DivisionCode, what: String },
}

impl Violation {
    /// The invariant broken, as lettered in the module documentation; `-` for a failed operation.
    pub fn invariant(&self) -> char {
        match self {
            Violation::FiguresDiffer { .. } | Violation::NotPropagated { .. } => 'a',
            Violation::AcknowledgedLost { .. } => 'b',
            Violation::Unverified { .. } => 'c',
            Violation::QueueOverBound { .. } => 'd',
            Violation::NotIdle { .. } => 'e',
            Violation::Operation { .. } => '-',
        }
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Violation::FiguresDiffer {
                node,
                ledger,
                detail,
            } => write!(f, "(a) {node} {ledger}: {detail}"),
            Violation::NotPropagated {
                holder,
                key,
                acknowledged,
                held,
            } => write!(
                f,
                "(a) {holder} holds {key} at {held:?}, its owner acknowledged #{acknowledged}"
            ),
            Violation::AcknowledgedLost {
                key,
                acknowledged,
                held,
                when,
            } => write!(
                f,
                "(b) {key}: submission #{acknowledged} was acknowledged, {when} the owner holds {held:?}"
            ),
            Violation::Unverified { node, reason } => write!(f, "(c) {node}: verify: {reason}"),
            Violation::QueueOverBound {
                queue,
                depth,
                limit,
            } => write!(f, "(d) {queue} reached {depth}, bound {limit}"),
            Violation::NotIdle {
                steps,
                max_steps,
                detail,
            } => write!(
                f,
                "(e) not idle after {steps} steps (bound {max_steps}): {detail}"
            ),
            Violation::Operation { node, what } => write!(f, "{node}: {what}"),
        }
    }
}

/// Bounds of the session queues, by name.
const SESSION_BOUNDS: [(&str, usize); 5] = [
    ("outbox frames", MAX_OUTBOX_FRAMES),
    ("events", MAX_EVENTS),
    ("documents waiting", MAX_DOCUMENTS_WAITING),
    ("documents in flight", MAX_DOCUMENTS_IN_FLIGHT),
    ("eager bytes waiting", MAX_EAGER_BYTES_WAITING),
];

/// Keeps the deepest each session queue got (in `stats`).
pub fn note_depths(stats: &mut SimStats, depths: &QueueDepths) {
    let seen = [
        depths.outbox_frames,
        depths.events,
        depths.documents_waiting,
        depths.documents_in_flight,
        depths.eager_bytes_waiting,
    ];
    for (deepest, depth) in stats.max_session_depths.iter_mut().zip(seen) {
        *deepest = (*deepest).max(depth);
    }
}

/// (d): every session queue and every pipe within its bound.
pub fn check_bounds(stats: &SimStats) -> Vec<Violation> {
    let mut found: Vec<Violation> = SESSION_BOUNDS
        .iter()
        .zip(stats.max_session_depths)
        .filter(|((_, limit), depth)| depth > limit)
        .map(|((name, limit), depth)| Violation::QueueOverBound {
            queue: format!("session {name}"),
            depth,
            limit: *limit,
        })
        .collect();
    if stats.max_in_flight_frames > WINDOW_FRAMES {
        found.push(Violation::QueueOverBound {
            queue: "frames in flight on a pipe".to_owned(),
            depth: stats.max_in_flight_frames,
            limit: WINDOW_FRAMES,
        });
    }
    found
}

/// (b): the owner still holds every submission it acknowledged.
pub fn check_acknowledged_held(core: &NodeCore, model: &Model, when: &str) -> Vec<Violation> {
    model
        .acknowledged()
        .iter()
        .filter(|(key, _)| key.owner == core.code())
        .filter_map(|(key, acknowledged)| {
            let held = core
                .latest_submission_of(key)
                .map(|accepted| accepted.submission.payload().sequence);
            (held < Some(acknowledged.sequence)).then(|| Violation::AcknowledgedLost {
                key: *key,
                acknowledged: acknowledged.sequence,
                held,
                when: when.to_owned(),
            })
        })
        .collect()
}

/// (b) and (c) on one node at the end of a run.
pub fn check_node(core: &NodeCore, model: &Model) -> Vec<Violation> {
    let mut found = check_acknowledged_held(core, model, "at the end");
    if let Err(failure) = core.verify() {
        found.push(Violation::Unverified {
            node: core.code(),
            reason: failure.to_string(),
        });
    }
    found
}

/// (a) and (b) across the tree at the end of a run: every acknowledged submission reached every
/// ancestor, and every node's figures equal the recomputation.
pub fn check_tree(
    topology: &Topology,
    nodes: &[(DivisionCode, Option<&NodeCore>)],
    model: &Model,
) -> Vec<Violation> {
    let mut found = Vec::new();
    let cores: BTreeMap<DivisionCode, &NodeCore> = nodes
        .iter()
        .filter_map(|(code, core)| core.map(|core| (*code, core)))
        .collect();
    // Every ancestor holds each acknowledged submission at its acknowledged sequence.
    for (key, acknowledged) in model.acknowledged() {
        let mut ancestor = topology.parent_of(key.owner);
        while let Some(holder) = ancestor {
            if let Some(core) = cores.get(&holder) {
                let held = core
                    .latest_submission_of(key)
                    .map(|accepted| accepted.submission.payload().sequence);
                if held != Some(acknowledged.sequence) {
                    found.push(Violation::NotPropagated {
                        holder,
                        key: *key,
                        acknowledged: acknowledged.sequence,
                        held,
                    });
                }
            }
            ancestor = topology.parent_of(holder);
        }
    }
    found.extend(check_figures(topology, &cores, model));
    found
}

/// (a): each node's consolidated figures (a leaf's submission, an inner node's rollup) equal the
/// sum of the figures recomputed from every acknowledged submission's records in its subtree.
fn check_figures(
    topology: &Topology,
    cores: &BTreeMap<DivisionCode, &NodeCore>,
    model: &Model,
) -> Vec<Violation> {
    let mut found = Vec::new();
    let mut own: BTreeMap<DocumentKey, Figures> = BTreeMap::new();
    for key in model.acknowledged().keys() {
        if let Some(figures) = model.figures_of(key) {
            own.insert(*key, figures);
        }
    }
    // Sums per subtree, children before parents.
    let mut subtree: BTreeMap<(DivisionCode, Ledger), Figures> = BTreeMap::new();
    let order: Vec<DivisionCode> = topology.iter_preorder().map(|entry| entry.code).collect();
    for code in order.iter().rev() {
        for ledger in Ledger::ALL {
            let mut sum = own
                .get(&DocumentKey::new(*code, ledger, SAMPLE_PERIOD))
                .cloned()
                .unwrap_or_default();
            for child in topology.children_of(*code) {
                if let Some(figures) = subtree.get(&(*child, ledger))
                    && let Err(error) = sum.add(figures)
                {
                    found.push(Violation::FiguresDiffer {
                        node: *code,
                        ledger,
                        detail: format!("the recomputation cannot add: {error}"),
                    });
                }
            }
            subtree.insert((*code, ledger), sum);
        }
    }
    for (code, core) in cores {
        for ledger in Ledger::ALL {
            let expected = &subtree[&(*code, ledger)];
            let held = if topology.children_of(*code).is_empty() {
                core.latest_submission_of(&DocumentKey::new(*code, ledger, SAMPLE_PERIOD))
                    .map(|accepted| accepted.figures.clone())
            } else {
                core.latest_rollup_of(*code, ledger, SAMPLE_PERIOD)
                    .map(|rollup| rollup.payload().figures.clone())
            };
            let held = held.unwrap_or_default();
            if held.digest() != expected.digest() {
                found.push(Violation::FiguresDiffer {
                    node: *code,
                    ledger,
                    detail: first_difference(&held, expected),
                });
            }
        }
    }
    found
}

/// The first figure that differs, for a readable message.
fn first_difference(held: &Figures, expected: &Figures) -> String {
    let names: std::collections::BTreeSet<&str> = held
        .iter()
        .map(|(name, _)| name)
        .chain(expected.iter().map(|(name, _)| name))
        .collect();
    for name in names {
        if held.get(name) != expected.get(name) {
            return format!(
                "{name} is {} at the node, {} recomputed from the raw records",
                held.get(name),
                expected.get(name)
            );
        }
    }
    "the figures differ".to_owned()
}
