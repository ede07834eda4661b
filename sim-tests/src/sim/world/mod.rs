//! The event loop of a simulated run: the nodes (a real [`NodeCore`] over a [`SimDisk`] each,
//! absent while the node is down), the connections between them, the clerks' scripts, and a
//! queue of timed events processed in (time, order) sequence. Only [`SimRng`] decides anything,
//! so a seed replays a run exactly.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, VecDeque};
use std::sync::Arc;

use node::core::NodeCore;
use protocol::{Role, Session, SessionConfig};
use sha2::{Digest, Sha256};
use topology::{DivisionCode, Topology};

mod checks;
mod drafts;
mod idleness;
mod links;

use super::disk::SimDisk;
use super::invariants::{self, Violation};
use super::liars::Forgeries;
use super::network::{Connection, ConnectionId, Pipe, Side};
use super::rng::SimRng;
use super::workload::{self, ClerkAction, ClerkStep, Model};
use super::{InjectedBug, SimConfig, SimReport, SimStats};
use crate::harness::{SAMPLE_PERIOD, clerk, sample_definitions, test_key};

/// How long a connection survives silence before both ends drop it, as QUIC's idle timeout in the
/// real driver (`node::transport::tls::IDLE_TIMEOUT_MS`).
const IDLE_TIMEOUT_MS: u64 = node::transport::tls::IDLE_TIMEOUT_MS as u64;

/// First and longest wait between a child's attempts to reach its parent.
const RECONNECT_MS_MIN: u64 = 500;
const RECONNECT_MS_MAX: u64 = 8_000;

/// How long a clerk whose node is down waits before trying again.
const CLERK_RETRY_MS: u64 = 1_000;

/// Retransmission timeouts double per attempt up to this many times.
const MAX_RETRANSMIT_DOUBLINGS: u32 = 6;

/// Trace lines kept for a failing run's message.
const TRACE_TAIL_LINES: usize = 40;

/// One node of the run.
struct SimNode {
    code: DivisionCode,
    parent: Option<usize>,
    disk: SimDisk,
    /// The running process; `None` while the node is down.
    core: Option<NodeCore>,
    /// Bumped at every crash, so connections of an earlier process are told apart.
    incarnation: u32,
    /// The connection to the parent this process opened.
    uplink: Option<ConnectionId>,
    /// Every open connection this node is an end of.
    connections: Vec<ConnectionId>,
    connect_scheduled: bool,
    backoff_ms: u64,
    script: VecDeque<ClerkStep>,
}

/// Something that happens at a time.
#[derive(Debug)]
enum Action {
    Clerk {
        node: usize,
    },
    Connect {
        node: usize,
    },
    Arrive {
        connection: ConnectionId,
        to: Side,
        sequence: u64,
    },
    Retransmit {
        connection: ConnectionId,
        to: Side,
        sequence: u64,
    },
    Timer {
        connection: ConnectionId,
        side: Side,
    },
    /// The idle timeout of a connection that may have lost its peer.
    Close {
        connection: ConnectionId,
    },
    Crash {
        node: usize,
    },
    Restart {
        node: usize,
    },
    Cut {
        child: usize,
    },
    Heal {
        child: usize,
    },
}

impl Action {
    /// Whether the event may still change data: a run is idle only when none is pending.
    fn is_work(&self) -> bool {
        !matches!(
            self,
            Action::Connect { .. } | Action::Timer { .. } | Action::Close { .. }
        )
    }
}

struct Scheduled {
    at_ms: u64,
    order: u64,
    action: Action,
}

impl PartialEq for Scheduled {
    fn eq(&self, other: &Self) -> bool {
        (self.at_ms, self.order) == (other.at_ms, other.order)
    }
}
impl Eq for Scheduled {}
impl PartialOrd for Scheduled {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Scheduled {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.at_ms, self.order).cmp(&(other.at_ms, other.order))
    }
}

/// What a session is asked to do.
enum Work {
    Bytes(Vec<u8>),
    Timeout,
    LocalChange,
}

/// A run in progress.
pub(super) struct World {
    config: SimConfig,
    /// The tree, shared by every node's core.
    topology: Arc<Topology>,
    rng: SimRng,
    now_ms: u64,
    next_order: u64,
    queue: BinaryHeap<Reverse<Scheduled>>,
    pending_work: u64,
    nodes: Vec<SimNode>,
    connections: BTreeMap<ConnectionId, Connection>,
    next_connection: ConnectionId,
    /// Lying counties, with what each forges.
    liars: BTreeMap<usize, Forgeries>,
    /// Tree edges cut, by child, with how many overlapping partitions cut each.
    cut: BTreeMap<usize, u32>,
    model: Model,
    stats: SimStats,
    violations: Vec<Violation>,
    trace: Sha256,
    trace_tail: VecDeque<String>,
    /// Wall-clock seconds the prepared drafts took.
    prepare_seconds: f64,
}

impl World {
    pub fn new(config: SimConfig) -> Self {
        let mut rng = SimRng::new(config.seed);
        let mut script_rng = rng.fork();
        let topology = Arc::new(config.topology.clone());
        let definitions = sample_definitions(&topology);
        let codes: Vec<DivisionCode> = topology.iter().map(|entry| entry.code).collect();
        let positions: BTreeMap<DivisionCode, usize> = codes
            .iter()
            .enumerate()
            .map(|(index, code)| (*code, index))
            .collect();
        let flush_is_lazy = config.bug == Some(InjectedBug::FlushNotDurable);
        let nodes = codes
            .iter()
            .enumerate()
            .map(|(index, code)| {
                let disk = SimDisk::new(flush_is_lazy);
                let mut core = NodeCore::new(
                    *code,
                    test_key(*code),
                    topology.clone(),
                    Box::new(disk.clone()),
                )
                .expect("a keyed topology fits its test keys");
                core.set_loaded_replicas_max(config.loaded_replicas);
                for definition in &definitions {
                    core.put_notice(definition)
                        .expect("a fresh disk takes a notice");
                }
                let template = workload::template_for(*code, index);
                SimNode {
                    code: *code,
                    parent: topology.parent_of(*code).map(|parent| positions[&parent]),
                    disk,
                    core: Some(core),
                    incarnation: 0,
                    uplink: None,
                    connections: Vec::new(),
                    connect_scheduled: false,
                    backoff_ms: RECONNECT_MS_MIN,
                    script: workload::script(
                        *code,
                        template,
                        config.clerk_window_ms,
                        config.corrections,
                        &mut script_rng,
                    )
                    .into(),
                }
            })
            .collect();
        let mut world = Self {
            config,
            topology,
            rng,
            now_ms: 0,
            next_order: 0,
            queue: BinaryHeap::new(),
            pending_work: 0,
            nodes,
            connections: BTreeMap::new(),
            next_connection: 0,
            cut: BTreeMap::new(),
            liars: BTreeMap::new(),
            model: Model::default(),
            stats: SimStats::default(),
            violations: Vec::new(),
            trace: Sha256::new(),
            trace_tail: VecDeque::new(),
            prepare_seconds: 0.0,
        };
        if world.config.prepared_drafts {
            world.prepare_drafts();
        }
        world
    }

    /// Runs until the tree is idle after the faults, or the step bound; then checks every
    /// invariant.
    pub fn run(mut self) -> SimReport {
        let started = std::time::Instant::now();
        self.schedule_start();
        let quiet_from_ms = self
            .config
            .faults
            .fault_window_ms
            .max(self.config.clerk_window_ms);
        let mut idle = false;
        while let Some(Reverse(next)) = self.queue.pop() {
            self.stats.steps += 1;
            if self.stats.steps > self.config.max_steps {
                break;
            }
            self.now_ms = next.at_ms;
            if next.action.is_work() {
                self.pending_work -= 1;
            }
            self.handle(next.action);
            if self.pending_work == 0 && self.now_ms >= quiet_from_ms && self.is_idle() {
                idle = true;
                break;
            }
        }
        if self.queue.is_empty() {
            // Nothing left to happen: the run ended quiet, perhaps before the fault window did.
            idle = self.is_idle();
        }
        self.stats.simulated_ms = self.now_ms;
        let converge_seconds = started.elapsed().as_secs_f64();
        if !idle {
            self.violations.push(Violation::NotIdle {
                steps: self.stats.steps,
                max_steps: self.config.max_steps,
                detail: self.busy_description(),
            });
        }
        if self.config.bug == Some(InjectedBug::DiskCorruptsRollup)
            && let Some(node) = self.nodes.iter().find(|node| node.parent.is_none())
        {
            node.disk.corrupt_superseded_rollup();
        }
        if self.config.bug == Some(InjectedBug::ForgeryStored)
            && let Some((liar, forgeries)) = self.liars.iter().next()
            && let Some(parent) = self.nodes[*liar].parent
        {
            let mut batch = node::store::Batch::new();
            for rollup in forgeries.rollups() {
                batch.put(
                    node::store::Tree::Rollups,
                    rollup.hash().0.to_vec(),
                    rollup.to_bytes(),
                );
            }
            let stored = node::store::Store::apply(
                &self.nodes[parent].disk,
                &batch,
                node::store::Durability::Flush,
            );
            stored.expect("the simulated disk takes a batch");
        }
        let checking = std::time::Instant::now();
        self.check_invariants();
        SimReport {
            prepare_seconds: self.prepare_seconds,
            converge_seconds,
            check_seconds: checking.elapsed().as_secs_f64(),
            seed: self.config.seed,
            trace_hash: protocol::ObjectHash(self.trace.clone().finalize().into()).to_hex(),
            stats: self.stats.clone(),
            violations: self.violations,
            trace_tail: self.trace_tail.into_iter().collect(),
        }
    }

    // ---- scheduling -------------------------------------------------------------------------

    fn schedule(&mut self, at_ms: u64, action: Action) {
        if action.is_work() {
            self.pending_work += 1;
        }
        self.next_order += 1;
        self.queue.push(Reverse(Scheduled {
            at_ms,
            order: self.next_order,
            action,
        }));
        self.stats.max_scheduled_events = self.stats.max_scheduled_events.max(self.queue.len());
    }

    fn schedule_start(&mut self) {
        for node in 0..self.nodes.len() {
            if let Some(step) = self.nodes[node].script.front() {
                let at = step.at_ms;
                self.schedule(at, Action::Clerk { node });
            }
            if self.nodes[node].parent.is_some() {
                self.schedule_connect(node);
            }
        }
        let faults = self.config.faults.clone();
        let non_roots: Vec<usize> = (0..self.nodes.len())
            .filter(|node| self.nodes[*node].parent.is_some())
            .collect();
        for _ in 0..faults.partitions {
            if non_roots.is_empty() {
                break;
            }
            let child = non_roots[self.rng.index(non_roots.len())];
            let length = self
                .rng
                .between(faults.partition_ms.0, faults.partition_ms.1);
            let start = self
                .rng
                .between(0, faults.fault_window_ms.saturating_sub(length));
            self.schedule(start, Action::Cut { child });
            self.schedule(start + length, Action::Heal { child });
        }
        let leaves: Vec<usize> = (0..self.nodes.len())
            .filter(|node| self.topology.children_of(self.nodes[*node].code).is_empty())
            .collect();
        for _ in 0..faults.liars.min(leaves.len()) {
            let liar = leaves[self.rng.index(leaves.len())];
            let forgeries = Forgeries::of(self.nodes[liar].code, &self.topology);
            self.note(format!("{} lies", self.nodes[liar].code));
            self.liars.insert(liar, forgeries);
        }
        for _ in 0..faults.crashes {
            let node = self.rng.index(self.nodes.len());
            let downtime = self.rng.between(faults.downtime_ms.0, faults.downtime_ms.1);
            let at = self
                .rng
                .between(0, faults.fault_window_ms.saturating_sub(downtime));
            self.schedule(at, Action::Crash { node });
        }
    }

    fn schedule_connect(&mut self, node: usize) {
        if self.nodes[node].connect_scheduled {
            return;
        }
        self.nodes[node].connect_scheduled = true;
        let backoff = self.nodes[node].backoff_ms;
        let delay = backoff + self.rng.between(0, backoff / 2);
        self.nodes[node].backoff_ms = (backoff * 2).min(RECONNECT_MS_MAX);
        self.schedule(self.now_ms + delay, Action::Connect { node });
    }

    fn note(&mut self, line: String) {
        self.trace.update(self.now_ms.to_le_bytes());
        self.trace.update(line.as_bytes());
        if self.trace_tail.len() == TRACE_TAIL_LINES {
            self.trace_tail.pop_front();
        }
        self.trace_tail
            .push_back(format!("{:>9} ms {line}", self.now_ms));
    }

    // ---- events -------------------------------------------------------------------------------

    fn handle(&mut self, action: Action) {
        match action {
            Action::Clerk { node } => self.clerk(node),
            Action::Connect { node } => self.connect(node),
            Action::Arrive {
                connection,
                to,
                sequence,
            } => self.arrive(connection, to, sequence),
            Action::Retransmit {
                connection,
                to,
                sequence,
            } => self.retransmit(connection, to, sequence),
            Action::Timer { connection, side } => self.timer(connection, side),
            Action::Close { connection } => {
                if self.is_broken(connection) {
                    self.close(connection, "idle timeout");
                }
            }
            Action::Crash { node } => self.crash(node),
            Action::Restart { node } => self.restart(node),
            Action::Cut { child } => {
                *self.cut.entry(child).or_default() += 1;
                self.stats.partitions += 1;
                self.note(format!("cut {}", self.nodes[child].code));
                let affected: Vec<ConnectionId> = self.nodes[child].connections.clone();
                for connection in affected {
                    if self.connections[&connection].child == child {
                        self.schedule(self.now_ms + IDLE_TIMEOUT_MS, Action::Close { connection });
                    }
                }
            }
            Action::Heal { child } => {
                let remaining = self.cut.get_mut(&child).map(|count| {
                    *count -= 1;
                    *count
                });
                if remaining == Some(0) {
                    self.cut.remove(&child);
                }
                self.note(format!("heal {}", self.nodes[child].code));
            }
        }
    }

    fn clerk(&mut self, node: usize) {
        let now = self.now_ms;
        let code = self.nodes[node].code;
        if self.nodes[node].core.is_none() {
            self.schedule(now + CLERK_RETRY_MS, Action::Clerk { node });
            return;
        }
        let Some(step) = self.nodes[node].script.pop_front() else {
            return;
        };
        let core = self.nodes[node].core.as_mut().expect("checked above");
        let before = core.generation();
        match &step.action {
            ClerkAction::Import { ledger, records } => {
                match core.import_records(*ledger, SAMPLE_PERIOD, records, now as i64) {
                    Ok(_) => self.model.imported(code, *ledger, records),
                    Err(error) => self.violations.push(Violation::Operation {
                        node: code,
                        what: format!("importing {} {ledger} records: {error}", records.len()),
                    }),
                }
                self.note(format!("{code} import {ledger} {}", records.len()));
            }
            ClerkAction::Submit { ledger } => {
                match core.submit(*ledger, SAMPLE_PERIOD, &clerk(), now as i64) {
                    Ok(outcome) => {
                        self.model.submitted(code, *ledger, outcome.sequence);
                        self.stats.submissions_acknowledged += 1;
                        self.note(format!("{code} submit {ledger} #{}", outcome.sequence));
                    }
                    Err(error) => self.violations.push(Violation::Operation {
                        node: code,
                        what: format!("submitting {ledger}: {error}"),
                    }),
                }
            }
        }
        let changed = self.nodes[node]
            .core
            .as_ref()
            .is_some_and(|core| core.generation() != before);
        if changed {
            self.local_change(node);
        }
        if let Some(next) = self.nodes[node].script.front() {
            let at = next.at_ms.max(now);
            self.schedule(at, Action::Clerk { node });
        }
    }

    fn connect(&mut self, node: usize) {
        self.nodes[node].connect_scheduled = false;
        let Some(parent) = self.nodes[node].parent else {
            return;
        };
        if self.nodes[node].core.is_none() || self.nodes[node].uplink.is_some() {
            return;
        }
        if self.cut.contains_key(&node) || self.nodes[parent].core.is_none() {
            self.note(format!("{} cannot reach its parent", self.nodes[node].code));
            self.schedule_connect(node);
            return;
        }
        let id = self.next_connection;
        self.next_connection += 1;
        let version = self.config.topology.version();
        let child_code = self.nodes[node].code;
        let parent_code = self.nodes[parent].code;
        let now_ms = self.now_ms;
        let session = |local, peer, role| {
            Some(Session::new(
                SessionConfig::new(
                    local,
                    peer,
                    role,
                    version,
                    protocol::limits::SessionLimits::default(),
                ),
                now_ms,
            ))
        };
        self.connections.insert(
            id,
            Connection {
                child: node,
                parent,
                sessions: [
                    session(child_code, parent_code, Role::Child),
                    session(parent_code, child_code, Role::Parent),
                ],
                pipes: [Pipe::default(), Pipe::default()],
                timers: [None, None],
                incarnations: [self.nodes[node].incarnation, self.nodes[parent].incarnation],
            },
        );
        self.nodes[node].uplink = Some(id);
        self.nodes[node].connections.push(id);
        self.nodes[parent].connections.push(id);
        self.nodes[node].backoff_ms = RECONNECT_MS_MIN;
        self.stats.connections += 1;
        self.note(format!("connect #{id} {child_code} -> {parent_code}"));
        self.flush(id, Side::Child);
        self.flush(id, Side::Parent);
    }

    fn crash(&mut self, node: usize) {
        if self.nodes[node].core.is_none() {
            return;
        }
        let code = self.nodes[node].code;
        self.nodes[node].core = None;
        self.nodes[node].incarnation += 1;
        self.nodes[node].uplink = None;
        let lost = self.nodes[node].disk.crash(&mut self.rng) as u64;
        self.stats.crashes += 1;
        self.stats.unflushed_writes_lost += lost;
        self.note(format!("crash {code}, {lost} unflushed writes lost"));
        for id in self.nodes[node].connections.clone() {
            if let Some(connection) = self.connections.get_mut(&id)
                && let Some(side) = connection.side_of(node)
            {
                connection.sessions[side.index()] = None;
                self.schedule(
                    self.now_ms + IDLE_TIMEOUT_MS,
                    Action::Close { connection: id },
                );
            }
        }
        let (low, high) = self.config.faults.downtime_ms;
        let downtime = self.rng.between(low, high);
        self.schedule(self.now_ms + downtime, Action::Restart { node });
    }

    fn restart(&mut self, node: usize) {
        let code = self.nodes[node].code;
        let disk = self.nodes[node].disk.clone();
        match NodeCore::new(code, test_key(code), self.topology.clone(), Box::new(disk)) {
            Ok(core) => {
                self.violations.extend(invariants::check_acknowledged_held(
                    &core,
                    &self.model,
                    "after a restart",
                ));
                self.nodes[node].core = Some(core);
                self.note(format!("restart {code}"));
                if self.nodes[node].parent.is_some() {
                    self.nodes[node].backoff_ms = RECONNECT_MS_MIN;
                    self.schedule_connect(node);
                }
            }
            Err(error) => self.violations.push(Violation::Operation {
                node: code,
                what: format!("the store does not open after a crash: {error}"),
            }),
        }
    }
}
