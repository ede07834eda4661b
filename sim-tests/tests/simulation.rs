//! The deterministic simulator over the Ningxia tree: fixed seeds and fresh random ones with
//! every invariant holding, replay of a seed from the command line by trace hash, and planted
//! bugs the checker must catch.
//!
//! `HUIZONG_SIM_SEEDS=N` runs N fresh seeds instead of the CI batch (the long run); a failing
//! seed is printed with the command that replays it.

use sim_tests::sim::{self, InjectedBug, SimConfig, SimReport, SimStats};

/// Seeds every CI run replays; a seed that once found a bug belongs here.
const FIXED_SEEDS: [u64; 6] = [1, 2, 3, 42, 2026, 14_504_045_336_156_245_347];

/// Time CI spends on fresh random seeds, unless `HUIZONG_SIM_SEEDS` asks for a count: as many
/// seeds as fit, at least [`FRESH_SEEDS_MIN`].
const FRESH_SEEDS_BUDGET: std::time::Duration = std::time::Duration::from_secs(60);
const FRESH_SEEDS_MIN: usize = 4;

fn run_ningxia(seed: u64) -> SimReport {
    let report = sim::run(SimConfig::ningxia(seed));
    report.assert_ok("ningxia");
    report
}

/// Adds up the fault counters of several runs.
fn total(reports: &[SimReport]) -> SimStats {
    let mut sum = SimStats::default();
    for report in reports {
        let stats = &report.stats;
        sum.packets_lost += stats.packets_lost;
        sum.packets_duplicated += stats.packets_duplicated;
        sum.frames_reordered += stats.frames_reordered;
        sum.crashes += stats.crashes;
        sum.unflushed_writes_lost += stats.unflushed_writes_lost;
        sum.partitions += stats.partitions;
        sum.connections_lost += stats.connections_lost;
        sum.submissions_acknowledged += stats.submissions_acknowledged;
        sum.refusals_of_liars += stats.refusals_of_liars;
    }
    sum
}

#[test]
fn fixed_seeds_hold_every_invariant_under_every_kind_of_fault() {
    let reports: Vec<SimReport> = FIXED_SEEDS.iter().map(|seed| run_ningxia(*seed)).collect();
    // The faults really happened, so the invariants were tested against them.
    let sum = total(&reports);
    assert!(sum.packets_lost > 0, "packets were lost: {sum:?}");
    assert!(
        sum.packets_duplicated > 0,
        "packets were duplicated: {sum:?}"
    );
    assert!(
        sum.frames_reordered > 0,
        "frames arrived out of order: {sum:?}"
    );
    assert!(sum.crashes > 0, "nodes crashed: {sum:?}");
    assert!(
        sum.unflushed_writes_lost > 0,
        "crashes lost unflushed writes: {sum:?}"
    );
    assert!(sum.partitions > 0, "edges were cut: {sum:?}");
    assert!(sum.connections_lost > 0, "connections died: {sum:?}");
    assert!(
        sum.refusals_of_liars > 0,
        "lying counties sent forgeries and were refused: {sum:?}"
    );
    // Every node submits every ledger at least once.
    assert!(sum.submissions_acknowledged >= (FIXED_SEEDS.len() * 28 * 3) as u64);
}

#[test]
fn fresh_random_seeds_hold_every_invariant() {
    let count: Option<usize> = std::env::var("HUIZONG_SIM_SEEDS")
        .ok()
        .and_then(|text| text.parse().ok());
    let started = std::time::Instant::now();
    let mut runs = 0;
    while match count {
        Some(count) => runs < count,
        None => runs < FRESH_SEEDS_MIN || started.elapsed() < FRESH_SEEDS_BUDGET,
    } {
        let seed = sim::fresh_seed();
        eprintln!("simulating seed {seed}");
        run_ningxia(seed);
        runs += 1;
    }
    eprintln!("{runs} fresh seeds held every invariant");
}

#[test]
fn a_seed_replays_the_same_trace_and_another_seed_does_not() {
    let first = sim::run(SimConfig::ningxia(7));
    let again = sim::run(SimConfig::ningxia(7));
    let other = sim::run(SimConfig::ningxia(8));
    assert_eq!(first.trace_hash, again.trace_hash);
    assert_eq!(first.stats, again.stats);
    assert_ne!(first.trace_hash, other.trace_hash);
}

#[test]
fn a_seed_given_on_the_command_line_replays_the_trace_of_the_test() {
    let seed = 11;
    let in_process = sim::run(SimConfig::ningxia(seed));
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_simulate"))
        .args(["--tree", "ningxia", "--seed", &seed.to_string()])
        .output()
        .expect("the simulate binary runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "simulate failed: {stdout}");
    let printed = stdout
        .split_whitespace()
        .skip_while(|word| *word != "trace")
        .nth(1)
        .expect("simulate prints the trace hash");
    assert_eq!(printed, in_process.trace_hash);
}

/// Runs a seed with a planted bug and returns the invariants the checker says it broke.
fn broken_invariants(config: SimConfig) -> Vec<char> {
    let report = sim::run(config);
    for violation in &report.violations {
        eprintln!("caught: {violation}");
    }
    let mut letters: Vec<char> = report
        .violations
        .iter()
        .map(|violation| violation.invariant())
        .collect();
    letters.dedup();
    letters
}

fn with_bug(seed: u64, bug: InjectedBug) -> SimConfig {
    SimConfig {
        bug: Some(bug),
        ..SimConfig::ningxia(seed)
    }
}

#[test]
fn the_checker_catches_a_disk_that_loses_flushed_writes() {
    // Crashes late in the run, after most submissions, lose them with the disk's buffer.
    let mut config = with_bug(5, InjectedBug::FlushNotDurable);
    config.faults.crashes = 12;
    assert!(broken_invariants(config).contains(&'b'));
}

#[test]
fn the_checker_catches_a_driver_that_drops_events() {
    assert!(broken_invariants(with_bug(5, InjectedBug::EventsDropped)).contains(&'a'));
}

#[test]
fn the_checker_catches_a_disk_that_corrupts_a_superseded_rollup() {
    assert!(broken_invariants(with_bug(5, InjectedBug::DiskCorruptsRollup)).contains(&'c'));
}

#[test]
fn the_checker_catches_a_parent_that_stores_a_forgery() {
    assert!(broken_invariants(with_bug(5, InjectedBug::ForgeryStored)).contains(&'c'));
}

#[test]
fn the_checker_catches_a_driver_that_ignores_the_window() {
    assert!(broken_invariants(with_bug(5, InjectedBug::WindowIgnored)).contains(&'d'));
}

#[test]
fn the_checker_catches_a_run_that_does_not_go_idle() {
    let config = SimConfig {
        max_steps: 200,
        ..SimConfig::ningxia(5)
    };
    assert!(broken_invariants(config).contains(&'e'));
}

#[test]
fn a_tree_shaped_like_the_nation_converges_one_annual_return() {
    // The national benchmark's scenario (four levels, one submission per ledger, few replicas
    // loaded per node) on a tree small enough for every CI run; the benchmark itself is
    // `simulate --tree national`.
    let shape = topology::generator::TreeShape::new(vec![2, 3, 4]);
    let mut config = SimConfig::national(3);
    config.topology = sim_tests::harness::keyed_topology(&topology::generator::generate(&shape));
    let report = sim::run(config);
    report.assert_ok("national");
    assert_eq!(report.stats.submissions_acknowledged, (1 + 2 + 6 + 24) * 3);
}
