//! `simulate`: runs the deterministic simulator from the command line.
//!
//! ```text
//! simulate --tree ningxia --seed 42            # one run; prints its trace hash
//! simulate --tree ningxia --seeds 200          # 200 fresh random seeds (the long run)
//! simulate --tree national                     # the national benchmark: time and peak memory
//! simulate --tree national --import-in-run     # ... with the clerks' imports inside the timed run
//! ```
//!
//! Exits non-zero if any run broke an invariant, after printing the seed and the violations.

use std::time::Instant;

use anyhow::{Context, Result, bail};
use sim_tests::sim::{self, Faults, SimConfig, SimReport};

struct Options {
    tree: String,
    seeds: Vec<u64>,
    no_faults: bool,
    import_in_run: bool,
}

fn parse_options() -> Result<Options> {
    let mut options = Options {
        tree: "ningxia".to_owned(),
        seeds: Vec::new(),
        no_faults: false,
        import_in_run: false,
    };
    let mut fresh = 0u64;
    let mut arguments = std::env::args().skip(1);
    while let Some(argument) = arguments.next() {
        let mut value = |name: &str| {
            arguments
                .next()
                .with_context(|| format!("{name} needs a value"))
        };
        match argument.as_str() {
            "--tree" => options.tree = value("--tree")?,
            "--seed" => {
                let text = value("--seed")?;
                options.seeds.push(
                    text.parse()
                        .with_context(|| format!("--seed {text}: not a whole number"))?,
                );
            }
            "--seeds" => {
                let text = value("--seeds")?;
                fresh = text
                    .parse()
                    .with_context(|| format!("--seeds {text}: not a whole number"))?;
            }
            "--no-faults" => options.no_faults = true,
            "--import-in-run" => options.import_in_run = true,
            "--help" | "-h" => {
                println!(
                    "simulate [--tree ningxia|national] [--seed N]... [--seeds COUNT] [--no-faults] [--import-in-run]"
                );
                std::process::exit(0);
            }
            other => bail!("unknown argument {other}; see --help"),
        }
    }
    options
        .seeds
        .extend((0..fresh).map(|_| sim_tests::sim::fresh_seed()));
    if options.seeds.is_empty() {
        options.seeds.push(sim_tests::sim::fresh_seed());
    }
    Ok(options)
}

fn config(options: &Options, seed: u64) -> Result<SimConfig> {
    let mut config = match options.tree.as_str() {
        "ningxia" => SimConfig::ningxia(seed),
        "national" => SimConfig::national(seed),
        other => bail!("--tree {other}: the trees are ningxia and national"),
    };
    if options.no_faults {
        config.faults = Faults::none();
    }
    if options.import_in_run {
        config.prepared_drafts = false;
    }
    Ok(config)
}

fn print(report: &SimReport, seconds: f64) {
    let stats = &report.stats;
    println!(
        "seed {} trace {} steps {} simulated {:.1} s wall {:.2} s (drafts prepared {:.2} s, converged {:.2} s, checked {:.2} s) frames {} bytes {} lost {} duplicated {} reordered {} crashes {} partitions {} connections {} acknowledged {} refusals {} (of liars {}) max-in-flight {} max-outbox {} peak-rss {} MiB",
        report.seed,
        report.trace_hash,
        stats.steps,
        stats.simulated_ms as f64 / 1000.0,
        seconds,
        report.prepare_seconds,
        report.converge_seconds,
        report.check_seconds,
        stats.frames_sent,
        stats.bytes_sent,
        stats.packets_lost,
        stats.packets_duplicated,
        stats.frames_reordered,
        stats.crashes,
        stats.partitions,
        stats.connections,
        stats.submissions_acknowledged,
        stats.refusals,
        stats.refusals_of_liars,
        stats.max_in_flight_frames,
        stats.max_outbox_frames(),
        sim::peak_rss_mib().map_or("?".to_owned(), |mib| mib.to_string()),
    );
}

fn main() -> std::process::ExitCode {
    match run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("simulate: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run() -> Result<()> {
    let options = parse_options()?;
    let mut failed = 0;
    for seed in &options.seeds {
        let started = Instant::now();
        let report = sim::run(config(&options, *seed)?);
        print(&report, started.elapsed().as_secs_f64());
        if !report.violations.is_empty() {
            failed += 1;
            for violation in &report.violations {
                eprintln!("  {violation}");
            }
            eprintln!("  replay: {}", report.replay_command(&options.tree));
        }
    }
    if failed > 0 {
        bail!(
            "{failed} of {} runs broke an invariant",
            options.seeds.len()
        );
    }
    Ok(())
}
