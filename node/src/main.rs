//! `huizong`: the command line of a node. See `huizong --help`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use node::commands::{self, Command};
use node::directory::{self, NodeDirectory};
use node::driver::{self, NodeHandle, RunOptions};
use node::export::{self, ExportFormat};
use node::import::Progress;
use node::views::{ImportView, ReportView, StatusView};
use node::{bench, demo, render, template};
use schemas::Ledger;
use schemas::returns::StatReturn;
use tokio_util::sync::CancellationToken;
use topology::DivisionCode;

#[derive(Debug, Parser)]
#[command(
    name = "huizong",
    version,
    about = "汇总: consolidate the office-space, vehicle and energy ledgers of a province, level by level, with every figure traceable to signed county submissions."
)]
struct Cli {
    #[command(subcommand)]
    command: CliCommand,
}

#[derive(Debug, Clone, clap::Args)]
struct DirectoryArgument {
    /// The node directory (made by `huizong init`).
    #[arg(long, env = "HUIZONG_DIR", default_value = ".")]
    dir: PathBuf,
}

#[derive(Debug, Clone, clap::Args)]
struct LedgerPeriod {
    /// office_space, vehicles or energy.
    #[arg(long)]
    ledger: String,
    /// YYYY, YYYY-Qn or YYYY-MM.
    #[arg(long)]
    period: String,
}

#[derive(Debug, Subcommand)]
enum CliCommand {
    /// Generate a node key; prints its public half for the topology.
    Keygen {
        /// Where to write the secret key (refuses to overwrite).
        #[arg(long)]
        out: PathBuf,
    },
    /// Check or sign a topology file; at the root, publish one down the tree.
    #[command(subcommand)]
    Topology(TopologyCommand),
    /// This node's keys: make the next one in advance of a rotation.
    #[command(subcommand)]
    Key(KeyCommand),
    /// Create a node directory from a signed topology, a node code and the node's key.
    Init {
        #[arg(long)]
        dir: PathBuf,
        #[arg(long)]
        topology: PathBuf,
        /// The node's 12-digit division code.
        #[arg(long)]
        node: String,
        /// The node's secret key file (from `huizong keygen`).
        #[arg(long)]
        key: PathBuf,
    },
    /// Run the node: sync with its parent and children until interrupted.
    Run {
        #[command(flatten)]
        directory: DirectoryArgument,
    },
    /// Import a CSV file or a sheet of an XLSX workbook into this node's draft of a ledger and
    /// period. Nothing is imported unless every row is valid.
    Import {
        #[command(flatten)]
        directory: DirectoryArgument,
        #[command(flatten)]
        ledger_period: LedgerPeriod,
        /// The table (its slug or Chinese name, such as energy_consumption or 能源资源消费);
        /// inferred from the headers when omitted.
        #[arg(long)]
        table: Option<String>,
        /// The sheet of a workbook; by default the one named after the table, or the only one.
        #[arg(long)]
        sheet: Option<String>,
        /// The CSV or XLSX file.
        file: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Write the blank form of a ledger for clerks to fill: a workbook with one sheet per table, or
    /// one CSV file per table.
    Template {
        /// office_space, vehicles or energy.
        #[arg(long)]
        ledger: String,
        /// xlsx or csv.
        #[arg(long, default_value = "xlsx")]
        format: String,
        /// The workbook to write, or the directory of the CSV files.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Export this node's statistical return for a ledger and period: xlsx, csv, sdmx-csv or json.
    Export {
        #[command(flatten)]
        directory: DirectoryArgument,
        #[command(flatten)]
        ledger_period: LedgerPeriod,
        /// xlsx, csv, sdmx-csv or json.
        #[arg(long, default_value = "xlsx")]
        format: String,
        /// The file to write; by default named by the node's division code, ledger and period in
        /// the current directory.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Sign this node's draft of a ledger and period; it goes up when the parent is reachable.
    Submit {
        #[command(flatten)]
        directory: DirectoryArgument,
        #[command(flatten)]
        ledger_period: LedgerPeriod,
        #[arg(long)]
        json: bool,
    },
    /// The node, its links, documents and rollups.
    Status {
        #[command(flatten)]
        directory: DirectoryArgument,
        #[arg(long)]
        json: bool,
    },
    /// This node's consolidated figures for a ledger and period.
    Report {
        #[command(flatten)]
        directory: DirectoryArgument,
        #[command(flatten)]
        ledger_period: LedgerPeriod,
        #[arg(long)]
        json: bool,
    },
    /// At the root: define the returns every node reports.
    #[command(subcommand)]
    Return(ReturnCommand),
    /// As a child's parent, accept its latest submission or return it with a reason; the decision
    /// is signed and goes down to the child and up to the root.
    Review {
        #[command(flatten)]
        directory: DirectoryArgument,
        #[command(flatten)]
        ledger_period: LedgerPeriod,
        /// The child whose document is reviewed (its 12-digit code).
        #[arg(long)]
        node: String,
        #[command(subcommand)]
        verdict: ReviewVerdict,
        #[arg(long)]
        json: bool,
    },
    /// Every node of this node's subtree and where its document stands: submitted, accepted,
    /// returned (with the reason), missing; and whether this node's figures are provisional.
    Completeness {
        #[command(flatten)]
        directory: DirectoryArgument,
        #[command(flatten)]
        ledger_period: LedgerPeriod,
        #[arg(long)]
        json: bool,
    },
    /// How one figure was made: each child's contribution, down to each signed submission (hash,
    /// signer, time, review decision).
    Explain {
        #[command(flatten)]
        directory: DirectoryArgument,
        #[command(flatten)]
        ledger_period: LedgerPeriod,
        /// The figure's name, such as energy.standard_coal_kgce (`huizong report --json` lists them).
        #[arg(long)]
        figure: String,
        #[arg(long)]
        json: bool,
    },
    /// Rebuild this node's lost or corrupt store from its parent's signed replicas: a corrupt
    /// store is moved aside, never deleted; then `huizong run` carries on.
    Restore {
        #[command(flatten)]
        directory: DirectoryArgument,
        #[arg(long)]
        json: bool,
    },
    /// Re-check every signature and recompute every rollup from the raw replicas held.
    Verify {
        #[command(flatten)]
        directory: DirectoryArgument,
        #[arg(long)]
        json: bool,
    },
    /// Run the whole Ningxia tree (28 nodes) on this machine with sample data, and print the
    /// region's consolidated tables.
    Demo(demo::DemoOptions),
    /// Measure import, sync and propagation.
    Bench(bench::BenchOptions),
}

#[derive(Debug, Subcommand)]
enum ReturnCommand {
    /// Define (or revise) the return of one or more ledgers for a period; signed by the root and
    /// sent down to every node, which then may submit it.
    Define {
        #[command(flatten)]
        directory: DirectoryArgument,
        /// Ledgers, comma-separated: office_space, vehicles, energy.
        #[arg(long, value_delimiter = ',')]
        ledger: Vec<String>,
        /// YYYY, YYYY-Qn or YYYY-MM: the period and so the period type.
        #[arg(long)]
        period: String,
        /// The last day of submission, YYYY-MM-DD (Beijing time).
        #[arg(long)]
        deadline: String,
        /// Warning rules that block a submission (errors always do), comma-separated.
        #[arg(long, value_delimiter = ',')]
        blocking: Vec<String>,
        /// The coefficient table; the current one by default.
        #[arg(long)]
        coefficients: Option<String>,
    },
    /// Close a return's period: later submissions are late corrections, held and flagged but not
    /// counted until the period is reopened.
    Close {
        #[command(flatten)]
        directory: DirectoryArgument,
        #[command(flatten)]
        ledger_period: LedgerPeriod,
    },
    /// Reopen a closed period: the latest submissions count again.
    Reopen {
        #[command(flatten)]
        directory: DirectoryArgument,
        #[command(flatten)]
        ledger_period: LedgerPeriod,
    },
}

#[derive(Debug, Clone, Subcommand)]
enum ReviewVerdict {
    /// Accept the submission.
    Accept,
    /// Return the submission for correction.
    Return {
        /// Why, for the clerk who corrects it.
        #[arg(long)]
        reason: String,
    },
}

#[derive(Debug, Subcommand)]
enum KeyCommand {
    /// Make this node's next key (kept as node.key.next) and print its public half for the root's
    /// operator, who names it in the topology; the node switches to it when that topology arrives.
    New {
        #[command(flatten)]
        directory: DirectoryArgument,
    },
}

#[derive(Debug, Subcommand)]
enum TopologyCommand {
    /// At the root: put a newer topology (signed with `topology sign`) in force; it travels down
    /// the tree with the next sessions and every node applies it at once.
    Publish {
        #[command(flatten)]
        directory: DirectoryArgument,
        /// The signed topology file.
        file: PathBuf,
    },
    /// Make a new key the current key of a node (its old key retired at the new version); raises
    /// the version and leaves the file unsigned: sign it next, then publish it at the root.
    RotateKey {
        file: PathBuf,
        /// The node's 12-digit division code.
        #[arg(long)]
        node: String,
        /// The node's next public key (printed by `huizong key new` at that node).
        #[arg(long)]
        key: String,
    },
    /// Revoke a node's key that was lost or stolen: nothing new signed by it is taken, and what it
    /// signed after the compromise is flagged. Raises the version and leaves the file unsigned.
    RevokeKey {
        file: PathBuf,
        #[arg(long)]
        node: String,
        /// The key to revoke (current or retired).
        #[arg(long)]
        key: String,
        /// From when the key is believed compromised, RFC 3339 with its offset, such as
        /// 2026-11-20T08:00:00+08:00.
        #[arg(long)]
        compromised_since: String,
        /// The node's new key, required when the revoked key is its current one.
        #[arg(long)]
        replacement: Option<String>,
    },
    /// Print the topology in force at a node (as signed TOML).
    Show {
        #[command(flatten)]
        directory: DirectoryArgument,
    },
    /// Validate a topology file and say whether it is signed.
    Check { file: PathBuf },
    /// Sign a topology file with the root's key, in place.
    Sign {
        file: PathBuf,
        /// The root node's secret key file.
        #[arg(long)]
        key: PathBuf,
    },
}

fn print_json(value: &serde_json::Value) -> Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

/// Prints a command's answer: its JSON as it is with `--json`, else rendered for people.
fn answer<T: serde::de::DeserializeOwned>(
    value: serde_json::Value,
    json: bool,
    render: impl FnOnce(&T) -> String,
) -> Result<()> {
    if json {
        return print_json(&value);
    }
    let view: T = serde_json::from_value(value)?;
    print!("{}", render(&view));
    Ok(())
}

/// Runs a command on the node in `dir`: through its control socket when it is running, on its
/// store directly when it is not.
fn node_command(dir: &std::path::Path, command: &Command) -> Result<serde_json::Value> {
    let directory = NodeDirectory::existing(dir)?;
    if let Some(value) = driver::send_control_request(&directory.control_socket_path(), command)? {
        return Ok(value);
    }
    let mut core = directory.open_core()?;
    commands::execute_local(&mut core, command)
}

/// Closes or reopens a return's period at the root in `dir`.
fn set_lock(dir: &std::path::Path, ledger_period: LedgerPeriod, closed: bool) -> Result<()> {
    node_command(
        dir,
        &Command::SetLock {
            ledger: ledger_period.ledger.clone(),
            period: ledger_period.period.clone(),
            closed,
        },
    )?;
    println!(
        "{} return {}/{}",
        if closed { "closed" } else { "reopened" },
        ledger_period.ledger,
        ledger_period.period
    );
    Ok(())
}

/// Imports a file into the node in `dir`. The file is read and checked here first, with a progress
/// bar on a terminal, so that a clerk sees errors at once; then a running node is sent the file
/// (and checks it again), or the store is opened and the parsed records written.
fn import_file(
    dir: &std::path::Path,
    ledger_period: LedgerPeriod,
    table: Option<String>,
    sheet: Option<String>,
    path: PathBuf,
) -> Result<serde_json::Value> {
    let directory = NodeDirectory::existing(dir)?;
    let topology = directory.read_topology()?;
    let (ledger, period, parsed) = commands::parse_import(
        &topology,
        &ledger_period.ledger,
        &ledger_period.period,
        table.as_deref(),
        sheet.as_deref(),
        &path,
        &Progress::on_terminal(),
    )?;
    let command = Command::Import {
        ledger: ledger_period.ledger,
        period: ledger_period.period,
        table,
        sheet,
        path: path.clone(),
    };
    if let Some(value) = driver::send_control_request(&directory.control_socket_path(), &command)? {
        return Ok(value);
    }
    let mut core = directory.open_core()?;
    commands::import_parsed(
        &mut core,
        ledger,
        period,
        &parsed,
        path.display().to_string(),
    )
}

fn init_logging(default_level: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("HUIZONG_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_level));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

fn run_node(dir: &std::path::Path) -> Result<()> {
    let directory = NodeDirectory::existing(dir)?;
    let config = directory.read_config()?;
    let core = directory.open_core()?;
    // Only the attack test sets this: it shows what the inflation caps prevent.
    let mut limits = protocol::limits::SessionLimits::default();
    if std::env::var_os("HUIZONG_UNSAFE_INFLATION_UNBOUNDED").is_some_and(|value| value == "1") {
        let warning = "HUIZONG_UNSAFE_INFLATION_UNBOUNDED=1: inflation of peers' automerge data \
                       is NOT bounded; a child can exhaust this node's memory with one message. \
                       Never run a real node like this.";
        eprintln!("WARNING: {warning}");
        tracing::warn!("{warning}");
        limits.inflation = protocol::limits::InflationLimits::unbounded();
    }
    config.limits.apply(&mut limits);
    if !config.limits.is_empty() {
        tracing::warn!(
            "node.toml overrides production limits (for tests only): {:?}",
            config.limits
        );
    }
    let (hold_off_first_ms, hold_off_longest_ms) = (
        config
            .limits
            .hold_off_ms_min
            .unwrap_or(driver::HOLD_OFF_MS_MIN),
        config
            .limits
            .hold_off_ms_max
            .unwrap_or(driver::HOLD_OFF_MS_MAX),
    );
    let handle = Arc::new(
        NodeHandle::new(core)
            .with_directory(directory.clone())
            .with_session_limits(limits)
            .with_hold_off_ms(hold_off_first_ms, hold_off_longest_ms),
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async move {
        let shutdown = CancellationToken::new();
        let signal_shutdown = shutdown.clone();
        tokio::spawn(async move {
            wait_for_termination().await;
            signal_shutdown.cancel();
        });
        driver::run(
            handle,
            RunOptions {
                socket: None,
                listen: config.listen,
                control_socket: Some(directory.control_socket_path()),
                retry_ms_min: config.retry_ms_min,
                retry_ms_max: config.retry_ms_max,
            },
            shutdown,
        )
        .await
    })
}

/// Resolves on Ctrl-C or SIGTERM.
async fn wait_for_termination() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut terminate =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(signal) => signal,
                Err(_) => {
                    let _ = interrupt.await;
                    return;
                }
            };
        tokio::select! {
            _ = interrupt => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = interrupt.await;
    }
}

fn execute(cli: Cli) -> Result<()> {
    match cli.command {
        CliCommand::Keygen { out } => {
            let key = directory::generate_key()?;
            directory::write_key(&out, &key)?;
            println!("{}", directory::public_key(&key));
            Ok(())
        }
        CliCommand::Topology(TopologyCommand::Check { file }) => {
            let topology = directory::read_topology(&file)?;
            let signature = match topology.verify_signature() {
                Ok(()) => "signed by its root".to_owned(),
                Err(error) => format!("not usable by a node yet: {error}"),
            };
            println!(
                "{}: \"{}\" version {}, {} nodes; {signature}",
                file.display(),
                topology.name(),
                topology.version(),
                topology.len()
            );
            Ok(())
        }
        CliCommand::Topology(TopologyCommand::Publish { directory, file }) => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            // Checked here first, so that a file that is not a topology says where it is wrong.
            let topology = directory::read_topology(&file)?;
            let value = node_command(&directory.dir, &Command::PublishTopology { text })?;
            if value["adopted"] == true {
                println!(
                    "published topology version {} from {}: it goes down the tree with the next \
                     sessions",
                    topology.version(),
                    file.display()
                );
            } else {
                println!(
                    "topology version {} is already in force",
                    topology.version()
                );
            }
            Ok(())
        }
        CliCommand::Topology(TopologyCommand::RotateKey { file, node, key }) => {
            let mut topology = directory::read_topology(&file)?;
            let code = DivisionCode::parse(&node)?;
            let key: topology::PublicKey = key
                .parse()
                .map_err(|error| anyhow::anyhow!("--key {key}: {error}"))?;
            let version = topology.rotate_key(code, key)?;
            std::fs::write(&file, topology.to_toml_string())
                .with_context(|| format!("cannot write {}", file.display()))?;
            println!(
                "{code}'s key is now {key}, its old key retired in version {version}; sign {} \
                 with the root's key, then publish it at the root",
                file.display()
            );
            Ok(())
        }
        CliCommand::Topology(TopologyCommand::RevokeKey {
            file,
            node,
            key,
            compromised_since,
            replacement,
        }) => {
            let mut topology = directory::read_topology(&file)?;
            let code = DivisionCode::parse(&node)?;
            let key: topology::PublicKey = key
                .parse()
                .map_err(|error| anyhow::anyhow!("--key {key}: {error}"))?;
            let since_ms =
                topology::parse_compromise_time(&compromised_since).map_err(|error| {
                    anyhow::anyhow!("--compromised-since {compromised_since}: {error}")
                })?;
            let replacement = replacement
                .map(|text| {
                    text.parse::<topology::PublicKey>()
                        .map_err(|error| anyhow::anyhow!("--replacement {text}: {error}"))
                })
                .transpose()?;
            let version = topology.revoke_key(code, &key, since_ms, replacement)?;
            std::fs::write(&file, topology.to_toml_string())
                .with_context(|| format!("cannot write {}", file.display()))?;
            println!(
                "{code}'s key {key} is revoked in version {version}; sign {} with the root's key, \
                 then publish it at the root",
                file.display()
            );
            Ok(())
        }
        CliCommand::Topology(TopologyCommand::Show { directory }) => {
            let node_directory = NodeDirectory::existing(&directory.dir)?;
            print!("{}", node_directory.read_topology()?.to_toml_string());
            Ok(())
        }
        CliCommand::Key(KeyCommand::New { directory }) => {
            let node_directory = NodeDirectory::existing(&directory.dir)?;
            let public = node_directory.make_next_key()?;
            let key_file = node_directory.next_key_path();
            // A running node takes it at once; a stopped one at its next start.
            let _ = driver::send_control_request(
                &node_directory.control_socket_path(),
                &Command::LoadNextKey {
                    key_file: std::path::absolute(&key_file)?,
                },
            )?;
            println!(
                "made the next key of this node in {}; give its public half to the root's operator \
                 (`huizong topology rotate-key … --key {public}`):\n{public}",
                key_file.display()
            );
            Ok(())
        }
        CliCommand::Topology(TopologyCommand::Sign { file, key }) => {
            let mut topology = directory::read_topology(&file)?;
            let key = directory::read_key(&key)?;
            topology.sign(&key)?;
            std::fs::write(&file, topology.to_toml_string())
                .with_context(|| format!("cannot write {}", file.display()))?;
            println!("signed {} (version {})", file.display(), topology.version());
            Ok(())
        }
        CliCommand::Init {
            dir,
            topology,
            node,
            key,
        } => {
            let topology = directory::read_topology(&topology)?;
            let code = DivisionCode::parse(&node)?;
            let key = directory::read_key(&key)?;
            directory::init(&dir, &topology, code, &key)?;
            let entry = topology.node(code).expect("init checked the code");
            println!(
                "created node {} {} in {}",
                code,
                entry.name_zh,
                dir.display()
            );
            Ok(())
        }
        CliCommand::Run { directory } => {
            init_logging("info");
            let node_directory = NodeDirectory::existing(&directory.dir)?;
            directory::check_key_file_private(&node_directory.key_path())?;
            run_node(&directory.dir)
        }
        CliCommand::Import {
            directory,
            ledger_period,
            table,
            sheet,
            file,
            json,
        } => {
            let path = std::path::absolute(&file)
                .with_context(|| format!("cannot resolve {}", file.display()))?;
            let value = import_file(&directory.dir, ledger_period, table, sheet, path)?;
            if json {
                return print_json(&value);
            }
            let view: ImportView = serde_json::from_value(value)?;
            println!(
                "imported {} records ({}) from {} into {}; the draft now holds {} records",
                view.outcome.n_records_written,
                view.table,
                view.file,
                view.outcome.key,
                view.outcome.n_records_in_document
            );
            Ok(())
        }
        CliCommand::Template {
            ledger,
            format,
            out,
        } => {
            let ledger: Ledger = ledger.parse()?;
            let format: ExportFormat = format.parse()?;
            for path in template::write_template(ledger, format, out.as_deref())? {
                println!("wrote {}", path.display());
            }
            Ok(())
        }
        CliCommand::Export {
            directory,
            ledger_period,
            format,
            out,
        } => {
            let format: ExportFormat = format.parse()?;
            let value = node_command(
                &directory.dir,
                &Command::Export {
                    ledger: ledger_period.ledger,
                    period: ledger_period.period,
                },
            )?;
            let statistical_return: StatReturn = serde_json::from_value(value)?;
            let path = out.unwrap_or_else(|| {
                PathBuf::from(export::default_file_name(&statistical_return, format))
            });
            export::write_return(&statistical_return, format, &path)?;
            println!(
                "wrote {} ({} sheets, {} findings for review)",
                path.display(),
                statistical_return.sheets.len(),
                statistical_return.findings.len()
            );
            Ok(())
        }
        CliCommand::Submit {
            directory,
            ledger_period,
            json,
        } => {
            let value = node_command(
                &directory.dir,
                &Command::Submit {
                    ledger: ledger_period.ledger,
                    period: ledger_period.period,
                },
            )?;
            if json {
                return print_json(&value);
            }
            let outcome: node::core::SubmitOutcome = serde_json::from_value(value)?;
            if outcome.new {
                println!(
                    "submitted {} #{} ({} records), signed {}",
                    outcome.key,
                    outcome.sequence,
                    outcome.n_records,
                    &outcome.hash[..12]
                );
            } else {
                println!(
                    "{} has not changed since submission #{}; nothing new to sign",
                    outcome.key, outcome.sequence
                );
            }
            Ok(())
        }
        CliCommand::Status { directory, json } => {
            let value = node_command(&directory.dir, &Command::Status)?;
            answer(value, json, |view: &StatusView| render::status(view))
        }
        CliCommand::Report {
            directory,
            ledger_period,
            json,
        } => {
            let value = node_command(
                &directory.dir,
                &Command::Report {
                    ledger: ledger_period.ledger,
                    period: ledger_period.period,
                },
            )?;
            answer(value, json, |view: &ReportView| render::report(view))
        }
        CliCommand::Return(ReturnCommand::Define {
            directory,
            ledger,
            period,
            deadline,
            blocking,
            coefficients,
        }) => {
            for ledger in ledger {
                let value = node_command(
                    &directory.dir,
                    &Command::DefineReturn {
                        ledger: ledger.clone(),
                        period: period.clone(),
                        deadline: deadline.clone(),
                        blocking_rules: blocking.clone(),
                        coefficients_version: coefficients.clone(),
                    },
                )?;
                println!(
                    "defined return {ledger}/{period} (revision {}), due {deadline}",
                    value["revision"]
                );
            }
            Ok(())
        }
        CliCommand::Return(ReturnCommand::Close {
            directory,
            ledger_period,
        }) => set_lock(&directory.dir, ledger_period, true),
        CliCommand::Return(ReturnCommand::Reopen {
            directory,
            ledger_period,
        }) => set_lock(&directory.dir, ledger_period, false),
        CliCommand::Review {
            directory,
            ledger_period,
            node,
            verdict,
            json,
        } => {
            let value = node_command(
                &directory.dir,
                &Command::Review {
                    ledger: ledger_period.ledger,
                    period: ledger_period.period,
                    node,
                    returned_because: match verdict {
                        ReviewVerdict::Accept => None,
                        ReviewVerdict::Return { reason } => Some(reason),
                    },
                },
            )?;
            answer(value, json, |review| {
                format!("{}\n", render::document_review(review))
            })
        }
        CliCommand::Completeness {
            directory,
            ledger_period,
            json,
        } => {
            let value = node_command(
                &directory.dir,
                &Command::Completeness {
                    ledger: ledger_period.ledger,
                    period: ledger_period.period,
                },
            )?;
            answer(value, json, render::completeness)
        }
        CliCommand::Explain {
            directory,
            ledger_period,
            figure,
            json,
        } => {
            let value = node_command(
                &directory.dir,
                &Command::Explain {
                    ledger: ledger_period.ledger,
                    period: ledger_period.period,
                    figure,
                },
            )?;
            answer(value, json, render::explain)
        }
        CliCommand::Restore { directory, json } => {
            init_logging("warn");
            let directory = NodeDirectory::existing(&directory.dir)?;
            let report = driver::restore::restore_directory(&directory)?;
            if json {
                return print_json(&serde_json::to_value(&report)?);
            }
            if let Some(aside) = &report.moved_aside_to {
                println!(
                    "the store could not be used ({}); moved it to {aside}",
                    report.store_error.as_deref().unwrap_or("corrupt")
                );
            }
            let counts = &report.counts;
            println!(
                "restored node {} from parent {} at {}: {} submissions ({} documents, {} of them \
                 this node's own), {} rollups, {} notices; the latest own submission restored is \
                 #{} and rollup #{}; from now on this node signs from #{} on, so that no \
                 sequence it signed before is used twice",
                report.node,
                report.parent,
                report.parent_address,
                counts.submissions,
                counts.documents,
                counts.own_documents,
                counts.rollups,
                counts.notices,
                counts.own_submission_sequence_max,
                counts.own_rollup_sequence_max,
                counts.next_sequence
            );
            Ok(())
        }
        CliCommand::Verify { directory, json } => {
            let value = node_command(&directory.dir, &Command::Verify)?;
            if json {
                return print_json(&value);
            }
            let report: node::core::VerifyReport = serde_json::from_value(value)?;
            println!(
                "verified: {} submissions (signatures and figures recomputed from {} documents), {} rollups, {} review decisions, {} return definitions; every one of the {} signed objects stored is signed and from this node's subtree",
                report.submissions_checked,
                report.documents_checked,
                report.rollups_checked,
                report.decisions_checked,
                report.definitions_checked,
                report.stored_objects_checked
            );
            for flag in &report.flagged {
                println!("warning: {flag}");
            }
            Ok(())
        }
        CliCommand::Demo(options) => {
            init_logging("warn");
            demo::run(options)
        }
        CliCommand::Bench(options) => {
            init_logging("warn");
            bench::run(options)
        }
    }
}

/// Files the node creates (the store, keys, exports, the control socket) are its owner's alone:
/// with this mask they are created private, with no moment in which others could open them.
#[cfg(unix)]
fn make_new_files_private() {
    rustix::process::umask(rustix::fs::Mode::from_bits_truncate(0o077));
}

fn main() -> ExitCode {
    #[cfg(unix)]
    make_new_files_private();
    let cli = Cli::parse();
    match execute(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
