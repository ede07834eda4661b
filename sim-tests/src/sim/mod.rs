//! The deterministic simulator: many nodes' real cores and protocol sessions over a simulated
//! network, disk and clock, all driven from one seed.
//!
//! A run builds every node of a tree over its own [`disk::SimDisk`], gives each clerk a script
//! ([`workload`]), schedules faults (partitions of tree edges, crashes with restarts, packet loss,
//! duplication and reordering on every pipe), and then processes events in time order until the
//! tree goes idle or the step bound is hit. Every event and every frame goes into a SHA-256 trace
//! hash, so two runs of the same seed can be compared by one value. After the run, [`invariants`]
//! checks what must hold; a failing run reports its seed and the command that replays it.

mod disk;
pub mod invariants;
mod liars;
mod network;
pub mod rng;
mod workload;
mod world;

pub use disk::SimDisk;
pub use invariants::Violation;
use world::World;

use topology::Topology;

/// How hostile the run is. Times are in simulated milliseconds.
#[derive(Debug, Clone)]
pub struct Faults {
    /// One-way latency of a packet, drawn per packet (reordering follows from the spread).
    pub latency_ms: (u64, u64),
    /// Probability that a packet is lost (and retransmitted after a timeout).
    pub loss: f64,
    /// Probability that a packet arrives twice.
    pub duplication: f64,
    /// Tree edges cut during the run, each for a random time.
    pub partitions: usize,
    pub partition_ms: (u64, u64),
    /// Node crashes during the run (power lost: unflushed writes may go), each followed by a
    /// restart.
    pub crashes: usize,
    pub downtime_ms: (u64, u64),
    /// Counties that lie: besides their honest data they send a forged review decision and a
    /// rollup they may not sign ([`liars`]).
    pub liars: usize,
    /// Faults happen in `0..fault_window_ms`; after it every edge is healed and every node up.
    pub fault_window_ms: u64,
}

impl Faults {
    /// A hostile network for the CI scenarios.
    pub fn hostile() -> Self {
        Self {
            latency_ms: (1, 80),
            loss: 0.05,
            duplication: 0.02,
            partitions: 6,
            partition_ms: (500, 120_000),
            crashes: 6,
            downtime_ms: (100, 30_000),
            liars: 2,
            fault_window_ms: 300_000,
        }
    }

    /// A clean network with a little latency, for benchmarks.
    pub fn none() -> Self {
        Self {
            latency_ms: (1, 20),
            loss: 0.0,
            duplication: 0.0,
            partitions: 0,
            partition_ms: (0, 0),
            crashes: 0,
            downtime_ms: (0, 0),
            liars: 0,
            fault_window_ms: 60_000,
        }
    }
}

/// A bug planted on purpose, so a test can show that the checker catches it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InjectedBug {
    /// Disks do not make flushed writes durable: a crash loses acknowledged submissions.
    FlushNotDurable,
    /// The driver forgets to hand submissions stored from a child to the core, so nothing is
    /// consolidated after them.
    EventsDropped,
    /// The root's disk flips a byte of a superseded rollup after the run, one that only a scan
    /// of everything stored reads.
    DiskCorruptsRollup,
    /// The driver ignores the flow-control window and writes every frame at once.
    WindowIgnored,
    /// A parent stores a lying county's forged rollup as if it had not checked it.
    ForgeryStored,
}

/// Everything that determines a run.
#[derive(Debug, Clone)]
pub struct SimConfig {
    pub seed: u64,
    pub topology: Topology,
    pub faults: Faults,
    /// Clerks act in `0..clerk_window_ms`.
    pub clerk_window_ms: u64,
    /// Events the run may process before it is declared stuck.
    pub max_steps: u64,
    pub bug: Option<InjectedBug>,
    /// Children's replicas each node keeps loaded at most (the rest are read from its disk when
    /// needed); the national tree keeps few so that thousands of nodes fit one process.
    pub loaded_replicas: usize,
    /// Whether clerks sometimes correct a record and submit again after their first submission.
    pub corrections: bool,
    /// Whether every clerk's imports are done before the run (on all cores), so that the run
    /// measures submission and convergence only; otherwise clerks import at random times.
    pub prepared_drafts: bool,
}

impl SimConfig {
    /// The Ningxia tree under hostile faults.
    pub fn ningxia(seed: u64) -> Self {
        Self {
            seed,
            topology: crate::harness::ningxia(),
            faults: Faults::hostile(),
            clerk_window_ms: 240_000,
            max_steps: 2_000_000,
            bug: None,
            loaded_replicas: node::core::MAX_LOADED_REPLICAS,
            corrections: true,
            prepared_drafts: false,
        }
    }

    /// The national tree (3,209 nodes) on a clean network, converging one annual return of all
    /// three ledgers.
    pub fn national(seed: u64) -> Self {
        Self {
            seed,
            topology: crate::harness::keyed_topology(&topology::generator::national_tree()),
            faults: Faults::none(),
            clerk_window_ms: 60_000,
            max_steps: 50_000_000,
            bug: None,
            loaded_replicas: 8,
            // One annual return: every node submits each ledger once.
            corrections: false,
            // Data entry happens on thousands of machines over weeks, not in this process's
            // timed run: drafts are prepared first, and clerks submit at random times.
            prepared_drafts: true,
        }
    }
}

/// Counts of what happened in a run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SimStats {
    pub steps: u64,
    pub simulated_ms: u64,
    pub frames_sent: u64,
    pub bytes_sent: u64,
    pub packets_lost: u64,
    pub packets_duplicated: u64,
    pub frames_reordered: u64,
    pub connections: u64,
    pub connections_lost: u64,
    pub session_errors: u64,
    pub crashes: u64,
    pub unflushed_writes_lost: u64,
    pub partitions: u64,
    pub submissions_acknowledged: u64,
    pub refusals: u64,
    /// Refusals of what a lying county sent.
    pub refusals_of_liars: u64,
    /// The deepest each session queue got: outbox frames, events, documents waiting, documents
    /// in flight, eager bytes waiting.
    pub max_session_depths: [usize; 5],
    /// The most frames any pipe had in flight.
    pub max_in_flight_frames: usize,
    /// The most events scheduled at once.
    pub max_scheduled_events: usize,
}

impl SimStats {
    /// The deepest any session's outbox got, in frames.
    pub fn max_outbox_frames(&self) -> usize {
        self.max_session_depths[0]
    }
}

/// What a run produced.
#[derive(Debug, Clone)]
pub struct SimReport {
    pub seed: u64,
    /// SHA-256 over every event processed and every frame moved, in order.
    pub trace_hash: String,
    pub stats: SimStats,
    pub violations: Vec<Violation>,
    /// The last events of the trace, for a failing run's message.
    pub trace_tail: Vec<String>,
    /// Wall-clock seconds the prepared drafts took (see [`SimConfig::prepared_drafts`]).
    pub prepare_seconds: f64,
    /// Wall-clock seconds from the first event until the tree was idle (not part of the trace).
    pub converge_seconds: f64,
    /// Wall-clock seconds the final checks took.
    pub check_seconds: f64,
}

impl SimReport {
    /// The command that replays this run.
    pub fn replay_command(&self, tree: &str) -> String {
        format!(
            "cargo run --release -p sim-tests --bin simulate -- --tree {tree} --seed {}",
            self.seed
        )
    }

    /// Panics with the violations, the seed and the replay command if the run broke an
    /// invariant.
    pub fn assert_ok(&self, tree: &str) {
        if self.violations.is_empty() {
            return;
        }
        let listed: Vec<String> = self
            .violations
            .iter()
            .take(20)
            .map(|violation| format!("  - {violation}"))
            .collect();
        panic!(
            "simulation seed {} broke {} invariant(s):\n{}\nlast events:\n  {}\nreplay: {}",
            self.seed,
            self.violations.len(),
            listed.join("\n"),
            self.trace_tail.join("\n  "),
            self.replay_command(tree)
        );
    }
}

/// Runs one simulation.
pub fn run(config: SimConfig) -> SimReport {
    World::new(config).run()
}

/// A seed no earlier run chose: the clock's nanoseconds mixed with a counter.
pub fn fresh_seed() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_nanos() as u64);
    rng::SimRng::new(nanos ^ COUNTER.fetch_add(1, Ordering::Relaxed).rotate_left(32)).next_u64()
}

/// The process's peak resident memory so far, from `/proc/self/status` (Linux).
pub fn peak_rss_mib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024)
}
