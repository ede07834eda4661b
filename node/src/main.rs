//! `huizong`: the command line of a node. See `huizong --help`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, Result};
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use node::core::{Actor, ErrorKind};
use node::directory::{self, NodeDirectory};
use node::driver::{self, NodeHandle, RunOptions};
use node::export::{self, ExportFormat};
use node::import::Progress;
use node::operations::{self, Call, OperationError, Outcome, Request, Response};
use node::{bench, demo, render, template};
use schemas::t;
use schemas::table::Table;
use schemas::{Language, Ledger, Period};
use serde::Serialize;
use tokio_util::sync::CancellationToken;
use topology::DivisionCode;

// The message catalogues, for this binary's own texts (the library has its own copy).
rust_i18n::i18n!("../locales", fallback = "zh-CN");

#[derive(Debug, Parser)]
#[command(
    name = "huizong",
    version,
    about = "汇总: consolidate the office-space, vehicle and energy ledgers of a province, level by level, with every figure traceable to signed county submissions."
)]
struct Cli {
    /// The language of what huizong prints: zh (中文, the default) or en.
    #[arg(long, global = true, env = "HUIZONG_LANG")]
    lang: Option<Language>,
    /// Who is working, recorded with every change (the OS user by default).
    #[arg(long = "as", global = true, value_name = "NAME")]
    actor: Option<String>,
    #[command(subcommand)]
    command: CliCommand,
}

#[derive(Debug, Clone, clap::Args)]
struct DirectoryArgument {
    /// The node directory (made by `huizong init`).
    #[arg(long, env = "HUIZONG_DIR", default_value = ".")]
    dir: PathBuf,
}

/// What `export --format` names: a statistical return's format, or the subtree as Parquet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ExportTarget {
    Return(ExportFormat),
    Parquet,
}

impl std::str::FromStr for ExportTarget {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if text == "parquet" {
            return Ok(ExportTarget::Parquet);
        }
        text.parse()
            .map(ExportTarget::Return)
            .map_err(|error: export::UnknownExportFormat| error.to_string())
    }
}

#[derive(Debug, Clone, clap::Args)]
struct LedgerPeriod {
    /// office_space, vehicles or energy.
    #[arg(long)]
    ledger: Ledger,
    /// YYYY, YYYY-Qn or YYYY-MM.
    #[arg(long)]
    period: Period,
}

#[derive(Debug, Subcommand)]
enum CliCommand {
    /// Generate a node key; prints its public half for the topology.
    Keygen {
        /// Where to write the secret key (refuses to overwrite).
        #[arg(long)]
        out: PathBuf,
    },
    /// Check a node directory's node.toml as `run` would read it.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Check or sign a topology file; at the root, publish one down the tree.
    #[command(subcommand)]
    Topology(TopologyCommand),
    /// This node's keys: make the next one in advance of a rotation.
    #[command(subcommand)]
    Key(KeyCommand),
    /// A node restored from a backup: stop waiting for children that will not answer.
    #[command(subcommand)]
    Recovery(RecoveryCommand),
    /// Create a node directory from a signed topology, a node code and the node's key.
    Init {
        #[arg(long)]
        dir: PathBuf,
        #[arg(long)]
        topology: PathBuf,
        /// The node's 12-digit division code.
        #[arg(long)]
        node: DivisionCode,
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
        table: Option<Table>,
        /// The sheet of a workbook; by default the one named after the table, or the only one.
        #[arg(long)]
        sheet: Option<String>,
        /// The CSV or XLSX file.
        file: PathBuf,
        /// Each table in the file holds exactly the file's rows afterwards: records not in the file
        /// are deleted (a CSV with headers and no rows empties its table; an empty sheet of a
        /// workbook leaves its table as it is).
        #[arg(long)]
        replace: bool,
        #[arg(long)]
        json: bool,
    },
    /// List the records of this node's draft, each with its id exactly as `delete` takes it.
    Records {
        #[command(flatten)]
        directory: DirectoryArgument,
        #[command(flatten)]
        ledger_period: LedgerPeriod,
        /// Only this table (its slug or Chinese name).
        #[arg(long)]
        table: Option<Table>,
        #[arg(long)]
        json: bool,
    },
    /// Delete records of the draft by id, or a whole table with --all. Refused while other records
    /// refer to them (they are named), unless --cascade deletes those too.
    Delete {
        #[command(flatten)]
        directory: DirectoryArgument,
        #[command(flatten)]
        ledger_period: LedgerPeriod,
        /// The table (its slug or Chinese name).
        #[arg(long)]
        table: Table,
        /// Every record of the table.
        #[arg(long)]
        all: bool,
        /// Also delete the records that refer to those deleted.
        #[arg(long)]
        cascade: bool,
        /// The ids, as `huizong records` prints them.
        ids: Vec<String>,
        #[arg(long)]
        json: bool,
    },
    /// Write the blank form of a ledger for clerks to fill: a workbook with one sheet per table, or
    /// one CSV file per table.
    Template {
        /// office_space, vehicles or energy.
        #[arg(long)]
        ledger: Ledger,
        /// xlsx or csv.
        #[arg(long, default_value = "xlsx")]
        format: ExportFormat,
        /// The workbook to write, or the directory of the CSV files.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Export this node's statistical return for a ledger and period: xlsx, csv, sdmx-csv or json.
    Export {
        #[command(flatten)]
        directory: DirectoryArgument,
        /// office_space, vehicles or energy (with parquet: only this ledger).
        #[arg(long)]
        ledger: Option<Ledger>,
        /// YYYY, YYYY-Qn or YYYY-MM (with parquet: only this period).
        #[arg(long)]
        period: Option<Period>,
        /// xlsx, csv, sdmx-csv, sdmx-structure, json, json-sheets, or parquet (with --subtree).
        #[arg(long, default_value = "xlsx")]
        format: ExportTarget,
        /// With parquet: the raw records and figures of the whole subtree the node holds.
        #[arg(long)]
        subtree: bool,
        /// The file to write (with parquet, a directory that does not exist yet); by default named
        /// by the node's division code, ledger and period in the current directory.
        #[arg(long)]
        out: Option<PathBuf>,
        #[arg(long)]
        json: bool,
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
    /// This node's consolidated figures for a ledger and period, with the findings of the
    /// submissions they come from.
    Report {
        #[command(flatten)]
        directory: DirectoryArgument,
        #[command(flatten)]
        ledger_period: LedgerPeriod,
        /// Preview this node's draft: the figures and every finding the next submission would have.
        #[arg(long)]
        draft: bool,
        #[arg(long)]
        json: bool,
    },
    /// After a return: confirm the returned submission is correct as it stands, with the reason;
    /// it is signed and sent again for review.
    Confirm {
        #[command(flatten)]
        directory: DirectoryArgument,
        #[command(flatten)]
        ledger_period: LedgerPeriod,
        /// Why the data stands unchanged, for the reviewer.
        #[arg(long)]
        reason: String,
        #[arg(long)]
        json: bool,
    },
    /// At the root: define the returns every node reports.
    #[command(subcommand)]
    Return(ReturnCommand),
    /// The web console's accounts of this node.
    #[command(subcommand)]
    User(UserCommand),
    /// As a child's parent, accept its latest submission or return it with a reason; the decision
    /// is signed and goes down to the child and up to the root.
    Review {
        #[command(flatten)]
        directory: DirectoryArgument,
        #[command(flatten)]
        ledger_period: LedgerPeriod,
        /// The child whose document is reviewed (its 12-digit code).
        #[arg(long)]
        node: DivisionCode,
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
    /// Rebuild this node's lost or corrupt store from its parent's signed replicas, or from a
    /// backup file: a corrupt store is moved aside, never deleted; then `huizong run` carries on.
    Restore {
        #[command(flatten)]
        directory: DirectoryArgument,
        /// Restore from this backup file (`huizong backup`) instead of the parent: the node then
        /// takes back from its children what it lost after the backup before it signs anything.
        #[arg(long)]
        from_backup: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// Write a consistent, verified backup of this node (store, drafts, accounts, settings) to a
    /// file readable by its owner only, while the node runs or not.
    Backup {
        #[command(flatten)]
        directory: DirectoryArgument,
        /// The backup file to write (never over an existing one).
        #[arg(long)]
        out: PathBuf,
        /// Put the node's secret key in the backup too.
        #[arg(long)]
        with_key: bool,
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

/// What `return define` chooses besides the period and deadline: benchmarks, targets, and the
/// heading printed on the return's forms.
#[derive(Debug, Clone, clap::Args)]
struct ReturnChoicesArguments {
    /// The energy benchmark table findings compare with, by id; the default table when absent.
    #[arg(long)]
    benchmarks: Option<String>,
    /// The saving-type institutions (节约型机关) target, whole percent: a lower rate is a finding.
    #[arg(long, default_value_t = protocol::notice::SAVING_TARGET_PERCENT_DEFAULT,
          value_parser = clap::value_parser!(u8).range(0..=100))]
    saving_target: u8,
    /// 表号: the form's number in the statistical system, printed above each sheet.
    #[arg(long)]
    form_number: Option<String>,
    /// 制定机关: the body that made the form.
    #[arg(long)]
    form_made_by: Option<String>,
    /// 批准机关: the statistics office that approved the form.
    #[arg(long)]
    form_approved_by: Option<String>,
    /// 批准文号: the approval's document number.
    #[arg(long)]
    form_approval_number: Option<String>,
}

/// The blocking rules `return define` gives one of the ledgers it defines: those in the ledger's
/// registry, and those in no registry of the ledgers named (a typo), which the root then refuses
/// with the list of the ledger's rules. A rule of another ledger named is that ledger's.
fn blocking_rules_of(ledger: Ledger, ledgers: &[Ledger], blocking: &[String]) -> Vec<String> {
    blocking
        .iter()
        .filter(|rule| {
            let owner = ledgers
                .iter()
                .find(|other| schemas::ledgers::definition(**other).rule(rule).is_some());
            owner.is_none_or(|owner| *owner == ledger)
        })
        .cloned()
        .collect()
}

impl ReturnChoicesArguments {
    fn into_choices(self) -> protocol::notice::ReturnChoices {
        protocol::notice::ReturnChoices {
            benchmarks: self.benchmarks,
            saving_target_percent: self.saving_target,
            form: protocol::notice::FormHeading {
                table_number: self.form_number.unwrap_or_default(),
                made_by: self.form_made_by.unwrap_or_default(),
                approved_by: self.form_approved_by.unwrap_or_default(),
                approval_number: self.form_approval_number.unwrap_or_default(),
            },
        }
    }
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
        ledger: Vec<Ledger>,
        /// YYYY, YYYY-Qn or YYYY-MM: the period and so the period type.
        #[arg(long)]
        period: Period,
        /// The last day of submission, YYYY-MM-DD (Beijing time).
        #[arg(long, value_parser = parse_date)]
        deadline: jiff::civil::Date,
        /// Warning rules that block a submission (errors always do), comma-separated.
        #[arg(long, value_delimiter = ',')]
        blocking: Vec<String>,
        /// The coefficient table (such as gbt2589-2008-annex-a or gbt2589-2020-annex-a); the
        /// current one by default.
        #[arg(long)]
        coefficients: Option<String>,
        /// How electricity converts to standard coal: equivalent (当量值 0.1229 kgce/kWh, the
        /// default), power-generation (等价值: the period's year's coal per kWh of thermal power,
        /// or the latest year before it with a published rate) or power-generation-YYYY (that
        /// year's rate).
        #[arg(long)]
        electricity: Option<String>,
        #[command(flatten)]
        choices: Box<ReturnChoicesArguments>,
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

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// Add an account; without --password-stdin a password is made and printed once.
    Add {
        #[command(flatten)]
        directory: DirectoryArgument,
        /// What the person types to log in (letters, digits, . _ -).
        login: String,
        /// The person's name as others see it; signed submissions and decisions carry it.
        #[arg(long)]
        name: String,
        /// clerk, reviewer, admin or viewer.
        #[arg(long)]
        role: node::core::accounts::Role,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
        #[arg(long)]
        json: bool,
    },
    /// List the accounts.
    List {
        #[command(flatten)]
        directory: DirectoryArgument,
        #[arg(long)]
        json: bool,
    },
    /// Set a new password for an account (the person changes it at the next login).
    Reset {
        #[command(flatten)]
        directory: DirectoryArgument,
        login: String,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
        #[arg(long)]
        json: bool,
    },
    /// Remove an account (the last admin stays).
    Remove {
        #[command(flatten)]
        directory: DirectoryArgument,
        login: String,
        #[arg(long)]
        json: bool,
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
enum ConfigCommand {
    /// Read node.toml as `run` would and list every problem at once, or the settings in force
    /// with their defaults.
    Check {
        #[command(flatten)]
        directory: DirectoryArgument,
    },
}

#[derive(Debug, Subcommand)]
enum RecoveryCommand {
    /// Stop waiting for a child (or every child still awaited) to give back what it holds, so
    /// that the node signs again; what only that child held is not taken back.
    End {
        #[command(flatten)]
        directory: DirectoryArgument,
        /// The child's division code; every child still awaited when absent.
        #[arg(long)]
        child: Option<topology::DivisionCode>,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
enum KeyCommand {
    /// Print the public key of a key file (as keygen printed it), to name it in a topology again.
    Show {
        /// The key file, such as node.key or node.key.next.
        file: PathBuf,
    },
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
        node: DivisionCode,
        /// The node's next public key (printed by `huizong key new` at that node).
        #[arg(long)]
        key: String,
    },
    /// Revoke a node's key that was lost or stolen: nothing new signed by it is taken, and what it
    /// signed after the compromise is flagged. Raises the version and leaves the file unsigned.
    RevokeKey {
        file: PathBuf,
        /// The node's 12-digit division code.
        #[arg(long)]
        node: DivisionCode,
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
    /// Write a commented topology to fill in: Ningxia's embedded tree, or a generated tree for
    /// another region, without keys.
    Template {
        /// The region's 12-digit code: Ningxia (640000000000) is embedded; another region gets a
        /// generated tree of placeholder cities and counties to rename.
        #[arg(long, default_value = "640000000000")]
        region: topology::DivisionCode,
        /// Where to write it (refuses to overwrite); standard output when absent.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Sign a topology file with the root's key, in place.
    Sign {
        file: PathBuf,
        /// The root node's secret key file.
        #[arg(long)]
        key: PathBuf,
    },
}

/// How the CLI ended: success, or a failure of a known kind (the exit code).
type CliResult = std::result::Result<(), OperationError>;

/// What the CLI knows of the person at the terminal and how to answer them.
struct Session {
    json: bool,
}

impl Session {
    /// Prints an answer: its JSON with `--json`, else the text `render` makes of it.
    fn answer<T: Serialize>(&self, answer: &T, render: impl FnOnce(&T) -> String) -> CliResult {
        if self.json {
            print_json(answer)
        } else {
            print_out(&render(answer));
            Ok(())
        }
    }
}

fn print_json<T: Serialize + ?Sized>(value: &T) -> CliResult {
    let mut text = serde_json::to_string_pretty(value)
        .map_err(|error| OperationError::new(ErrorKind::Internal, error.to_string()))?;
    text.push('\n');
    print_out(&text);
    Ok(())
}

/// Writes an answer to standard output. A reader that stops early (`huizong records … | head`)
/// ends the command quietly, as it ends other tools, rather than with a panic.
fn print_out(text: &str) {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    let written = stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush());
    if let Err(error) = written {
        if error.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprint!(
            "{}",
            render::error(&OperationError::new(ErrorKind::Disk, error.to_string()))
        );
        std::process::exit(i32::from(ErrorKind::Disk.exit_code()));
    }
}

/// Runs a request on the node in `dir`: through its control socket when it is running, on its
/// store directly when it is not.
fn node_call(dir: &std::path::Path, actor: &Actor, request: Request) -> Outcome {
    let directory = NodeDirectory::existing(dir)?;
    let call = Call {
        actor: actor.clone(),
        request,
    };
    if let Some(outcome) =
        driver::send_control_request::<Call, Outcome>(&directory.control_socket_path(), &call)?
    {
        return outcome;
    }
    let mut core = directory.open_core()?;
    operations::execute_local(&mut core, call)
}

/// The answer of the expected kind, or an internal error when the node answered another (a
/// node of a different version behind the control socket).
macro_rules! expect_answer {
    ($outcome:expr, $variant:ident) => {
        match $outcome? {
            Response::$variant(answer) => answer,
            other => {
                return Err(OperationError::new(
                    ErrorKind::Internal,
                    t!("errors.unexpected_answer", answer = format!("{other:?}")),
                ));
            }
        }
    };
}

/// Imports a file into the node in `dir`. The file is read and checked here first, with a progress
/// bar on a terminal, so that a clerk sees every problem at once; then a running node is sent the
/// request (and checks the file again), or the store is opened and the parsed records written.
fn import_file(
    dir: &std::path::Path,
    actor: &Actor,
    request: operations::import::ImportRequest,
) -> Result<operations::import::ImportAnswer, OperationError> {
    let directory = NodeDirectory::existing(dir)?;
    let topology = directory.read_topology()?;
    let parsed = request.parse(&topology, &Progress::on_terminal())?;
    let call = Call {
        actor: actor.clone(),
        request: Request::Import(request.clone()),
    };
    if let Some(outcome) =
        driver::send_control_request::<Call, Outcome>(&directory.control_socket_path(), &call)?
    {
        return Ok(expect_answer!(outcome, Import));
    }
    let mut core = directory.open_core()?;
    let outcome = operations::execute_local_import(&mut core, actor, request, parsed)?;
    Ok(expect_answer!(Outcome::Ok(outcome), Import))
}

fn init_logging(default_level: &str) {
    init_logging_with(&directory::LogSettings {
        level: default_level.to_owned(),
        ..directory::LogSettings::default()
    });
}

/// Logs to standard error as node.toml's `[log]` says: `HUIZONG_LOG`, else `RUST_LOG`, else the
/// configured level filters; colours only on a terminal, so a file or journald gets plain lines.
fn init_logging_with(settings: &directory::LogSettings) {
    use std::io::IsTerminal as _;
    let filter = tracing_subscriber::EnvFilter::try_from_env("HUIZONG_LOG")
        .or_else(|_| tracing_subscriber::EnvFilter::try_from_default_env())
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(&settings.level));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    let _ = match settings.format {
        directory::LogFormat::Text => builder.try_init(),
        directory::LogFormat::Json => builder.json().try_init(),
        directory::LogFormat::Logfmt => builder
            .event_format(tracing_logfmt::EventsFormatter::default())
            .fmt_fields(tracing_logfmt::FieldsFormatter::default())
            .try_init(),
    };
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
    let control = operations::control_handler(handle.clone());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context(t!("node.listen.cannot_start_runtime"))?;
    runtime.block_on(async move {
        let shutdown = CancellationToken::new();
        let signal_shutdown = shutdown.clone();
        tokio::spawn(async move {
            wait_for_termination().await;
            signal_shutdown.cancel();
        });
        // The node's own port first: when it is taken, that is the one error of the start.
        let socket = driver::node_socket(&handle, config.listen.clone())?;
        let console = node::console::start(
            handle.clone(),
            &config.console,
            directory.root(),
            shutdown.child_token(),
        )
        .await?;
        let metrics =
            node::metrics::start(handle.clone(), &config.metrics, shutdown.child_token()).await?;
        let mut notices = Vec::new();
        if let Some(console) = &console {
            notices.push(t!("console.serving", url = console.url).into_owned());
            if let Some(fingerprint) = &console.fingerprint {
                notices.push(t!("console.fingerprint", fingerprint = fingerprint).into_owned());
            }
        }
        if let Some(url) = &metrics {
            notices.push(t!("node.metrics.serving", url = url).into_owned());
        }
        for notice in notices {
            // Every line of a JSON or logfmt log is one: the notices are log events there.
            match config.log.format {
                directory::LogFormat::Text => eprintln!("{notice}"),
                directory::LogFormat::Json | directory::LogFormat::Logfmt => {
                    tracing::info!("{notice}");
                }
            }
        }
        driver::run(
            handle,
            RunOptions {
                socket: Some(socket),
                listen: config.listen,
                control: Some((directory.control_socket_path(), control)),
                retry_ms_min: config.retry_ms_min,
                retry_ms_max: config.retry_ms_max,
            },
            shutdown,
        )
        .await
    })
}

/// `huizong user …`: the accounts of the node's web console.
fn user_command(command: UserCommand, actor: &Actor) -> CliResult {
    use operations::users::UsersRequest;
    let password = |from_stdin: bool| -> Result<(String, bool), OperationError> {
        if from_stdin {
            let mut line = String::new();
            std::io::stdin()
                .read_line(&mut line)
                .map_err(|error| OperationError::invalid(error.to_string()))?;
            Ok((line.trim_end_matches(['\r', '\n']).to_owned(), false))
        } else {
            Ok((node::console::new_password(), true))
        }
    };
    let (dir, request, json, made) = match command {
        UserCommand::Add {
            directory,
            login,
            name,
            role,
            password_stdin,
            json,
        } => {
            let name =
                Actor::new(&name).map_err(|error| OperationError::invalid(error.to_string()))?;
            let (password, made) = password(password_stdin)?;
            let request = UsersRequest::Add {
                login,
                name,
                role,
                password: password.clone(),
            };
            (directory.dir, request, json, made.then_some(password))
        }
        UserCommand::List { directory, json } => (directory.dir, UsersRequest::List, json, None),
        UserCommand::Reset {
            directory,
            login,
            password_stdin,
            json,
        } => {
            let (password, made) = password(password_stdin)?;
            let request = UsersRequest::ResetPassword {
                login,
                password: password.clone(),
            };
            (directory.dir, request, json, made.then_some(password))
        }
        UserCommand::Remove {
            directory,
            login,
            json,
        } => (directory.dir, UsersRequest::Remove { login }, json, None),
    };
    let answer = expect_answer!(node_call(&dir, actor, Request::Users(request)), Users);
    Session { json }.answer(&answer, |answer| render::users(answer, made.as_deref()))
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

fn execute(cli: Cli) -> CliResult {
    let actor = match &cli.actor {
        Some(name) => Actor::new(name).map_err(|error| {
            OperationError::invalid(t!("errors.bad_actor", name = name, reason = error))
        })?,
        None => Actor::os_user(),
    };
    let session = |json: bool| Session { json };
    match cli.command {
        CliCommand::Config(ConfigCommand::Check { directory }) => {
            let node_directory = NodeDirectory::existing(&directory.dir)?;
            match node::config_check::check(&node_directory) {
                node::config_check::ConfigCheck::Usable(settings) => {
                    println!(
                        "{}",
                        t!(
                            "node.config.usable",
                            file = node_directory.config_path().display()
                        )
                    );
                    for line in settings {
                        println!("  {line}");
                    }
                    Ok(())
                }
                node::config_check::ConfigCheck::Problems(problems) => {
                    for line in &problems {
                        println!("  {line}");
                    }
                    Err(anyhow::anyhow!(t!(
                        "node.config.problems",
                        file = node_directory.config_path().display(),
                        count = problems.len()
                    ))
                    .into())
                }
            }
        }
        CliCommand::Topology(TopologyCommand::Template { region, out }) => {
            // Ningxia is embedded; another region gets its part of the generated national tree,
            // placeholder names and codes for the operator to replace.
            let ningxia = topology::ningxia();
            let (tree, header) = if ningxia.root().code == region {
                (ningxia, t!("cli.topology.template_header"))
            } else if let Some(tree) = topology::generator::region_tree(region) {
                let header = format!(
                    "{}\n{}",
                    t!("cli.topology.template_header"),
                    t!("cli.topology.template_generated", nodes = tree.len())
                );
                (tree, header.into())
            } else {
                return Err(anyhow::anyhow!(t!(
                    "cli.topology.no_template",
                    region = region,
                    known = ningxia.root().code
                ))
                .into());
            };
            let text = format!(
                "{}{}",
                header
                    .lines()
                    .map(|line| format!("# {line}\n"))
                    .collect::<String>(),
                tree.to_toml_string()
            );
            match out {
                None => print!("{text}"),
                Some(path) => {
                    if path.exists() {
                        return Err(anyhow::anyhow!(t!(
                            "cli.topology.template_exists",
                            file = path.display()
                        ))
                        .into());
                    }
                    std::fs::write(&path, text)
                        .with_context(|| t!("errors.cannot_write", file = path.display()))?;
                    println!(
                        "{}",
                        t!(
                            "cli.topology.template_written",
                            file = path.display(),
                            nodes = tree.len()
                        )
                    );
                }
            }
            Ok(())
        }
        CliCommand::Recovery(RecoveryCommand::End {
            directory,
            child,
            json,
        }) => {
            let answer = expect_answer!(
                node_call(
                    &directory.dir,
                    &actor,
                    Request::EndRecovery(operations::recovery::EndRecoveryRequest { child }),
                ),
                EndRecovery
            );
            session(json).answer(&answer, render::end_recovery)
        }
        CliCommand::Key(KeyCommand::Show { file }) => {
            let key = directory::read_key(&file)?;
            println!("{}", directory::public_key(&key));
            Ok(())
        }
        CliCommand::Keygen { out } => {
            let key = directory::generate_key()?;
            directory::write_key(&out, &key)?;
            println!("{}", directory::public_key(&key));
            Ok(())
        }
        CliCommand::Topology(TopologyCommand::Check { file }) => {
            let topology = directory::read_topology(&file)?;
            let problems = topology.completeness_problems();
            let signature = match topology.verify_signature() {
                Ok(()) => t!("cli.topology.signed").into_owned(),
                Err(_) if !problems.is_empty() => t!("cli.topology.cannot_sign").into_owned(),
                Err(error) => t!("cli.topology.not_usable", reason = error).into_owned(),
            };
            println!(
                "{}",
                t!(
                    "cli.topology.checked",
                    file = file.display(),
                    name = topology.name(),
                    version = topology.version(),
                    nodes = topology.len(),
                    signature = signature
                )
            );
            // Everything `sign` would refuse, one a line, so the file is fixed in one pass.
            for problem in &problems {
                println!("  {problem}");
            }
            if problems.is_empty() {
                Ok(())
            } else {
                Err(anyhow::anyhow!(t!(
                    "cli.topology.problems",
                    file = file.display(),
                    count = problems.len()
                ))
                .into())
            }
        }
        CliCommand::Topology(TopologyCommand::Publish { directory, file }) => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| t!("errors.cannot_read", file = file.display()))?;
            // Checked here first, so that a file that is not a topology says where it is wrong.
            directory::read_topology(&file)?;
            let answer = expect_answer!(
                node_call(
                    &directory.dir,
                    &actor,
                    Request::PublishTopology(
                        operations::publish_topology::PublishTopologyRequest { text }
                    ),
                ),
                PublishTopology
            );
            if answer.adopted {
                println!(
                    "{}",
                    t!(
                        "cli.topology.published",
                        version = answer.version,
                        file = file.display()
                    )
                );
            } else {
                println!(
                    "{}",
                    t!("cli.topology.already_in_force", version = answer.version)
                );
            }
            Ok(())
        }
        CliCommand::Topology(TopologyCommand::RotateKey { file, node, key }) => {
            let mut topology = directory::read_topology(&file)?;
            let key: topology::PublicKey = key.parse().map_err(|error| {
                OperationError::invalid(t!(
                    "errors.bad_argument",
                    argument = "--key",
                    value = key,
                    reason = error
                ))
            })?;
            let version = topology.rotate_key(node, key)?;
            std::fs::write(&file, topology.to_toml_string())
                .with_context(|| t!("errors.cannot_write", file = file.display()))?;
            println!(
                "{}",
                t!(
                    "cli.topology.rotated",
                    node = node,
                    key = key,
                    version = version,
                    file = file.display()
                )
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
            let key: topology::PublicKey = key.parse().map_err(|error| {
                OperationError::invalid(t!(
                    "errors.bad_argument",
                    argument = "--key",
                    value = key,
                    reason = error
                ))
            })?;
            let since_ms =
                topology::parse_compromise_time(&compromised_since).map_err(|error| {
                    OperationError::invalid(t!(
                        "errors.bad_argument",
                        argument = "--compromised-since",
                        value = compromised_since,
                        reason = error
                    ))
                })?;
            let replacement = replacement
                .map(|text| {
                    text.parse::<topology::PublicKey>().map_err(|error| {
                        OperationError::invalid(t!(
                            "errors.bad_argument",
                            argument = "--replacement",
                            value = text,
                            reason = error
                        ))
                    })
                })
                .transpose()?;
            let version = topology.revoke_key(node, &key, since_ms, replacement)?;
            std::fs::write(&file, topology.to_toml_string())
                .with_context(|| t!("errors.cannot_write", file = file.display()))?;
            println!(
                "{}",
                t!(
                    "cli.topology.revoked",
                    node = node,
                    key = key,
                    version = version,
                    file = file.display()
                )
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
            let call = Call {
                actor: actor.clone(),
                request: Request::LoadNextKey(operations::next_key::LoadNextKeyRequest {
                    key_file: std::path::absolute(&key_file)
                        .with_context(|| t!("errors.cannot_resolve", file = key_file.display()))?,
                }),
            };
            if let Some(outcome) = driver::send_control_request::<Call, Outcome>(
                &node_directory.control_socket_path(),
                &call,
            )? {
                outcome?;
            }
            println!(
                "{}",
                t!("cli.key.made", file = key_file.display(), key = public)
            );
            Ok(())
        }
        CliCommand::Topology(TopologyCommand::Sign { file, key }) => {
            let mut topology = directory::read_topology(&file)?;
            let key = directory::read_key(&key)?;
            topology.sign(&key)?;
            std::fs::write(&file, topology.to_toml_string())
                .with_context(|| t!("errors.cannot_write", file = file.display()))?;
            println!(
                "{}",
                t!(
                    "cli.topology.signed_file",
                    file = file.display(),
                    version = topology.version()
                )
            );
            Ok(())
        }
        CliCommand::Init {
            dir,
            topology,
            node,
            key,
        } => {
            let topology = directory::read_topology(&topology)?;
            let key = directory::read_key(&key)?;
            directory::init(&dir, &topology, node, &key)?;
            let name = topology
                .node(node)
                .map(|entry| entry.name_zh.clone())
                .unwrap_or_default();
            println!(
                "{}",
                t!(
                    "cli.init.done",
                    node = node,
                    name = name,
                    dir = dir.display()
                )
            );
            Ok(())
        }
        CliCommand::Run { directory } => {
            let node_directory = NodeDirectory::existing(&directory.dir)?;
            let log = node_directory.read_config()?.log;
            if !node::config_check::is_log_filter(&log.level) {
                return Err(anyhow::anyhow!(t!(
                    "node.directory.file_problem",
                    file = node_directory.config_path().display(),
                    reason = t!("node.config.bad_log_level", level = log.level)
                ))
                .into());
            }
            init_logging_with(&log);
            directory::check_key_file_private(&node_directory.key_path())?;
            Ok(run_node(&directory.dir)?)
        }
        CliCommand::Import {
            directory,
            ledger_period,
            table,
            sheet,
            file,
            replace,
            json,
        } => {
            let path = std::path::absolute(&file)
                .with_context(|| t!("errors.cannot_resolve", file = file.display()))?;
            let request = operations::import::ImportRequest {
                ledger: ledger_period.ledger,
                period: ledger_period.period,
                table,
                sheet,
                path,
                replace,
            };
            let answer = import_file(&directory.dir, &actor, request)?;
            session(json).answer(&answer, render::import)
        }
        CliCommand::Records {
            directory,
            ledger_period,
            table,
            json,
        } => {
            let answer = expect_answer!(
                node_call(
                    &directory.dir,
                    &actor,
                    Request::Records(operations::records::RecordsRequest {
                        ledger: ledger_period.ledger,
                        period: ledger_period.period,
                        table,
                    }),
                ),
                Records
            );
            session(json).answer(&answer, render::records)
        }
        CliCommand::Delete {
            directory,
            ledger_period,
            table,
            all,
            cascade,
            ids,
            json,
        } => {
            let answer = expect_answer!(
                node_call(
                    &directory.dir,
                    &actor,
                    Request::Delete(operations::delete::DeleteRequest {
                        ledger: ledger_period.ledger,
                        period: ledger_period.period,
                        table,
                        ids,
                        all,
                        cascade,
                    }),
                ),
                Delete
            );
            session(json).answer(&answer, render::delete)
        }
        CliCommand::Template {
            ledger,
            format,
            out,
        } => {
            for path in template::write_template(ledger, format, out.as_deref())? {
                println!("{}", t!("cli.template.wrote", file = path.display()));
            }
            Ok(())
        }
        CliCommand::Export {
            directory,
            ledger,
            period,
            format: ExportTarget::Parquet,
            subtree,
            out,
            json,
        } => {
            if !subtree {
                return Err(OperationError::invalid(t!(
                    "cli.export.parquet_needs_subtree"
                )));
            }
            let Some(out) = out else {
                return Err(OperationError::invalid(t!("cli.export.parquet_needs_out")));
            };
            // A running node writes the files itself: the path must mean the same to it.
            let out = std::path::absolute(&out).map_err(anyhow::Error::from)?;
            let written = expect_answer!(
                node_call(
                    &directory.dir,
                    &actor,
                    Request::ExportParquet(operations::export_parquet::ExportParquetRequest {
                        out,
                        ledger,
                        period,
                    }),
                ),
                ExportParquet
            );
            session(json).answer(&written, render::parquet_export)
        }
        CliCommand::Export {
            directory,
            ledger,
            period,
            format: ExportTarget::Return(format),
            subtree,
            out,
            json,
        } => {
            if subtree {
                return Err(OperationError::invalid(t!(
                    "cli.export.subtree_needs_parquet"
                )));
            }
            let (Some(ledger), Some(period)) = (ledger, period) else {
                return Err(OperationError::invalid(t!(
                    "cli.export.return_needs_ledger_period"
                )));
            };
            let statistical_return = expect_answer!(
                node_call(
                    &directory.dir,
                    &actor,
                    Request::Export(operations::export::ExportRequest { ledger, period }),
                ),
                Export
            );
            let path = out.unwrap_or_else(|| {
                PathBuf::from(export::default_file_name(&statistical_return, format))
            });
            export::write_return(&statistical_return, format, &path)?;
            if json {
                println!(
                    "{}",
                    serde_json::json!({
                        "file": path.display().to_string(),
                        "sheets": statistical_return.sheets.len(),
                        "findings": statistical_return.findings.len(),
                    })
                );
            } else {
                println!(
                    "{}",
                    t!(
                        "cli.export.wrote",
                        file = path.display(),
                        sheets = statistical_return.sheets.len(),
                        findings = statistical_return.findings.len()
                    )
                );
            }
            Ok(())
        }
        CliCommand::Submit {
            directory,
            ledger_period,
            json,
        } => {
            let outcome = expect_answer!(
                node_call(
                    &directory.dir,
                    &actor,
                    Request::Submit(operations::submit::SubmitRequest {
                        ledger: ledger_period.ledger,
                        period: ledger_period.period,
                    }),
                ),
                Submit
            );
            session(json).answer(&outcome, render::submit)
        }
        CliCommand::Confirm {
            directory,
            ledger_period,
            reason,
            json,
        } => {
            let answer = expect_answer!(
                node_call(
                    &directory.dir,
                    &actor,
                    Request::Confirm(operations::confirm::ConfirmRequest {
                        ledger: ledger_period.ledger,
                        period: ledger_period.period,
                        reason,
                    }),
                ),
                Confirm
            );
            session(json).answer(&answer, render::confirm)
        }
        CliCommand::Status { directory, json } => {
            let view = expect_answer!(
                node_call(
                    &directory.dir,
                    &actor,
                    Request::Status(operations::status::StatusRequest {}),
                ),
                Status
            );
            session(json).answer(&view, render::status)
        }
        CliCommand::Report {
            directory,
            ledger_period,
            draft,
            json,
        } => {
            let view = expect_answer!(
                node_call(
                    &directory.dir,
                    &actor,
                    Request::Report(operations::report::ReportRequest {
                        ledger: ledger_period.ledger,
                        period: ledger_period.period,
                        draft,
                    }),
                ),
                Report
            );
            session(json).answer(&view, render::report)
        }
        CliCommand::User(command) => user_command(command, &actor),
        CliCommand::Return(ReturnCommand::Define {
            directory,
            ledger,
            period,
            deadline,
            blocking,
            coefficients,
            electricity,
            choices,
        }) => {
            let choices = (*choices).into_choices();
            let coefficients = match electricity {
                None => coefficients,
                Some(basis) => {
                    let table = coefficients.unwrap_or_else(|| {
                        schemas::coefficients::current().table_version().to_owned()
                    });
                    let basis =
                        schemas::coefficients::ElectricityBasis::parse(&basis, period.year())
                            .and_then(|basis| schemas::coefficients::choose(&table, basis))
                            .map_err(|error| anyhow::anyhow!("{error}"))?;
                    Some(basis)
                }
            };
            let ledgers = ledger;
            for &ledger in &ledgers {
                let blocking = blocking_rules_of(ledger, &ledgers, &blocking);
                let definition = expect_answer!(
                    node_call(
                        &directory.dir,
                        &actor,
                        Request::DefineReturn(operations::define_return::DefineReturnRequest {
                            ledger,
                            period,
                            deadline,
                            blocking_rules: blocking,
                            coefficients_version: coefficients.clone(),
                            choices: choices.clone(),
                        }),
                    ),
                    DefineReturn
                );
                print!(
                    "{}",
                    render::define_return(&definition, &deadline.to_string())
                );
            }
            Ok(())
        }
        CliCommand::Return(ReturnCommand::Close {
            directory,
            ledger_period,
        }) => set_lock(&directory.dir, &actor, ledger_period, true),
        CliCommand::Return(ReturnCommand::Reopen {
            directory,
            ledger_period,
        }) => set_lock(&directory.dir, &actor, ledger_period, false),
        CliCommand::Review {
            directory,
            ledger_period,
            node,
            verdict,
            json,
        } => {
            let review = expect_answer!(
                node_call(
                    &directory.dir,
                    &actor,
                    Request::Review(operations::review::ReviewRequest {
                        ledger: ledger_period.ledger,
                        period: ledger_period.period,
                        node,
                        returned_because: match verdict {
                            ReviewVerdict::Accept => None,
                            ReviewVerdict::Return { reason } => Some(reason),
                        },
                    }),
                ),
                Review
            );
            session(json).answer(&review, render::document_review)
        }
        CliCommand::Completeness {
            directory,
            ledger_period,
            json,
        } => {
            let view = expect_answer!(
                node_call(
                    &directory.dir,
                    &actor,
                    Request::Completeness(operations::completeness::CompletenessRequest {
                        ledger: ledger_period.ledger,
                        period: ledger_period.period,
                    }),
                ),
                Completeness
            );
            session(json).answer(&view, render::completeness)
        }
        CliCommand::Explain {
            directory,
            ledger_period,
            figure,
            json,
        } => {
            let view = expect_answer!(
                node_call(
                    &directory.dir,
                    &actor,
                    Request::Explain(operations::explain::ExplainRequest {
                        ledger: ledger_period.ledger,
                        period: ledger_period.period,
                        figure,
                    }),
                ),
                Explain
            );
            session(json).answer(&view, render::explain)
        }
        CliCommand::Restore {
            directory,
            from_backup: Some(file),
            json,
        } => {
            init_logging("warn");
            let report =
                node::backup::restore_from_backup(&directory.dir, &file, node::clock::unix_ms())?;
            session(json).answer(&report, render::restore_from_backup)
        }
        CliCommand::Restore {
            directory,
            from_backup: None,
            json,
        } => {
            init_logging("warn");
            let directory = NodeDirectory::existing(&directory.dir)?;
            let report = driver::restore::restore_directory(&directory)?;
            session(json).answer(&report, render::restore)
        }
        CliCommand::Backup {
            directory,
            out,
            with_key,
            json,
        } => {
            // A running node writes the file itself: both paths must mean the same to it.
            let dir = std::path::absolute(&directory.dir).map_err(anyhow::Error::from)?;
            let out = std::path::absolute(&out).map_err(anyhow::Error::from)?;
            let mut summary = expect_answer!(
                node_call(
                    &dir,
                    &actor,
                    Request::Backup(operations::backup::BackupRequest {
                        directory: dir.clone(),
                        out: out.clone(),
                        with_key,
                    }),
                ),
                Backup
            );
            let key = NodeDirectory::existing(&dir)?.read_key()?;
            if let Err(error) = node::backup::verify_backup(&out, &key) {
                // A backup that does not verify is no backup: it is not left to be trusted.
                let _ = std::fs::remove_file(&out);
                return Err(error.into());
            }
            summary.verified = true;
            session(json).answer(&summary, render::backup)
        }
        CliCommand::Verify { directory, json } => {
            let report = expect_answer!(
                node_call(
                    &directory.dir,
                    &actor,
                    Request::Verify(operations::verify::VerifyRequest {}),
                ),
                Verify
            );
            session(json).answer(&report, render::verify)
        }
        CliCommand::Demo(options) => {
            init_logging("warn");
            Ok(demo::run(options)?)
        }
        CliCommand::Bench(options) => {
            init_logging("warn");
            Ok(bench::run(options)?)
        }
    }
}

/// Closes or reopens a return's period at the root in `dir`.
fn set_lock(
    dir: &std::path::Path,
    actor: &Actor,
    ledger_period: LedgerPeriod,
    closed: bool,
) -> CliResult {
    let answer = expect_answer!(
        node_call(
            dir,
            actor,
            Request::SetLock(operations::set_lock::SetLockRequest {
                ledger: ledger_period.ledger,
                period: ledger_period.period,
                closed,
            }),
        ),
        SetLock
    );
    println!(
        "{}",
        t!(
            if answer.closed {
                "cli.return.closed"
            } else {
                "cli.return.reopened"
            },
            ledger = render::ledger_name(answer.ledger),
            period = answer.period
        )
    );
    Ok(())
}

/// Files the node creates (the store, keys, exports, the control socket) are its owner's alone:
/// with this mask they are created private, with no moment in which others could open them.
#[cfg(unix)]
fn make_new_files_private() {
    rustix::process::umask(rustix::fs::Mode::from_bits_truncate(0o077));
}

/// The language asked for before the command line is parsed (its help is in that language):
/// `--lang X` or `--lang=X` anywhere, else `HUIZONG_LANG`, else Chinese, whatever the system
/// locale.
fn language_asked() -> Language {
    let arguments: Vec<String> = std::env::args().collect();
    let given = arguments
        .iter()
        .enumerate()
        .find_map(|(index, argument)| match argument.strip_prefix("--lang") {
            Some("") => arguments.get(index + 1).cloned(),
            Some(rest) => rest.strip_prefix('=').map(str::to_owned),
            None => None,
        })
        .or_else(|| std::env::var("HUIZONG_LANG").ok());
    given.and_then(|text| text.parse().ok()).unwrap_or_default()
}

/// A calendar date `YYYY-MM-DD`, refused with the catalogue's words.
fn parse_date(text: &str) -> std::result::Result<jiff::civil::Date, String> {
    text.trim()
        .parse()
        .map_err(|_| t!("errors.not_a_date").into_owned())
}

/// Ends on a command line clap could not parse, with one line in the catalogue's language that
/// says what is wrong and how to see the usage (exit code of `Invalid`); help and the version are
/// clap's own (their texts come from the catalogue too).
fn exit_for_command_line_error(error: clap::Error) -> ! {
    use clap::error::{ContextKind, ContextValue, ErrorKind as ClapKind};
    let context = |kind| match error.get(kind) {
        Some(ContextValue::String(text)) => Some(text.clone()),
        Some(ContextValue::Strings(texts)) => Some(texts.join(t!("cli.list_separator").as_ref())),
        Some(ContextValue::StyledStr(text)) => Some(text.to_string()),
        _ => None,
    };
    let first_word = |text: String| {
        text.split_whitespace()
            .next()
            .unwrap_or_default()
            .to_owned()
    };
    let suggestion = || {
        context(ContextKind::SuggestedArg)
            .or_else(|| context(ContextKind::SuggestedSubcommand))
            .or_else(|| context(ContextKind::SuggestedValue))
            .map_or_else(String::new, |suggested| {
                t!("errors.command_line.did_you_mean", suggested = suggested).into_owned()
            })
    };
    let message = match error.kind() {
        ClapKind::DisplayHelp
        | ClapKind::DisplayVersion
        | ClapKind::DisplayHelpOnMissingArgumentOrSubcommand => error.exit(),
        ClapKind::ValueValidation | ClapKind::InvalidValue => match (
            context(ContextKind::InvalidArg),
            context(ContextKind::InvalidValue),
        ) {
            (Some(argument), Some(value)) => {
                let reason = std::error::Error::source(&error)
                    .map(ToString::to_string)
                    .unwrap_or_else(|| {
                        context(ContextKind::ValidValue).map_or_else(String::new, |valid| {
                            t!("errors.command_line.valid_values", valid = valid).into_owned()
                        })
                    });
                t!(
                    "errors.bad_argument",
                    argument = first_word(argument),
                    value = value,
                    reason = reason
                )
                .into_owned()
            }
            _ => t!("errors.command_line.other").into_owned(),
        },
        ClapKind::MissingRequiredArgument => t!(
            "errors.command_line.missing",
            arguments = context(ContextKind::InvalidArg).unwrap_or_default()
        )
        .into_owned(),
        ClapKind::UnknownArgument => t!(
            "errors.command_line.unknown_argument",
            argument = context(ContextKind::InvalidArg).unwrap_or_default(),
            suggestion = suggestion()
        )
        .into_owned(),
        ClapKind::InvalidSubcommand => t!(
            "errors.command_line.unknown_command",
            command = context(ContextKind::InvalidSubcommand).unwrap_or_default(),
            suggestion = suggestion()
        )
        .into_owned(),
        ClapKind::ArgumentConflict => t!(
            "errors.command_line.conflict",
            argument = first_word(context(ContextKind::InvalidArg).unwrap_or_default()),
            other = first_word(context(ContextKind::PriorArg).unwrap_or_default())
        )
        .into_owned(),
        _ => t!("errors.command_line.other").into_owned(),
    };
    let failure = OperationError::invalid(message);
    if json_asked() {
        let _ = print_json(&failure);
    } else {
        eprint!("{}", render::error(&failure));
    }
    std::process::exit(i32::from(failure.exit_code()));
}

/// Whether `--json` was asked for, so that even a failure prints JSON.
fn json_asked() -> bool {
    std::env::args().any(|argument| argument == "--json")
}

fn main() -> ExitCode {
    #[cfg(unix)]
    make_new_files_private();
    language_asked().set_current();
    let command = render::localized_help(Cli::command());
    let matches = command
        .try_get_matches()
        .unwrap_or_else(|error| exit_for_command_line_error(error));
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|error| error.exit());
    if let Some(language) = cli.lang {
        language.set_current();
    }
    match execute(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            if json_asked() {
                let _ = print_json(&error);
            } else {
                eprint!("{}", render::error(&error));
            }
            ExitCode::from(error.exit_code())
        }
    }
}
