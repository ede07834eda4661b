//! `huizong demo`: the real Ningxia tree (1 region, 5 cities, 22 counties) on this machine.
//!
//! Every node gets a key, a directory and (if it has children) a loopback QUIC endpoint; the
//! topology is signed by the region's key. The sample data shipped in the repository (embedded in
//! the binary) has two years: first every node imports and submits its 2024 ledgers
//! ([`DEMO_PREVIOUS_PERIOD`]), every parent accepts its children's submissions and the region's
//! figures become final; then the same for 2025 ([`DEMO_PERIOD`]), whose returns thereby have
//! every year-on-year column. A 2025 submission refused by the energy ledger's ±30 % rule (one
//! planted institution changed beyond it without a note) gets a note, as its clerk would add one,
//! and is submitted again. The demo prints the region's 2025 tables and checks them against the
//! sum computed directly over every raw record.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use include_dir::{Dir, include_dir};
use protocol::{DocumentKey, Verdict};
use schemas::figures::Figures;
use schemas::records::Record;
use schemas::returns::StatReturn;
use schemas::table::Table;
use schemas::{Ledger, Period, coefficients};
use serde::{Deserialize, Serialize};
use topology::DivisionCode;

use crate::clock::unix_ms;
use crate::core::Actor;
use crate::core::accounts::{Account, Role};
use crate::export::{self, ExportFormat};
use crate::import::{ImportTarget, Progress, parse_csv};
use crate::local_tree::{self, LocalTree};
use crate::operations::report::{self, ReportView};
use crate::{render, t};

/// The sample data: `<year>/<division code>/<table>.csv` for every node of the Ningxia tree.
static SAMPLE_DATA: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/../sample-data/ningxia");

pub use crate::local_tree::DEMO_PERIOD;

/// The year before [`DEMO_PERIOD`], whose sample data the demo submits first.
pub const DEMO_PREVIOUS_PERIOD: Period = Period::Year(2024);

/// The deadline of the demo's [`DEMO_PREVIOUS_PERIOD`] returns.
const DEMO_PREVIOUS_DEADLINE: &str = "2025-03-31";

/// The note the demo adds, as the clerk would, to an institution whose submission the ±30 %
/// year-on-year rule refused.
const DEMO_EXPLANATION: &str =
    "2025年办公楼供暖改为集中供热并完成节能改造，原燃气锅炉停用，用能下降";

/// How long the demo waits for the region to include every node before it gives up.
const CONSOLIDATION_TIMEOUT: Duration = Duration::from_secs(180);

/// How often the demo looks at the region's rollups while it waits.
const POLL_INTERVAL: Duration = Duration::from_millis(5);

/// Options of `huizong demo`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct DemoOptions {
    /// Leave the tree running until Ctrl-C, so that `huizong status --dir ...` can look at it.
    #[arg(long)]
    pub keep: bool,
    /// Create the node directories here (kept afterwards) instead of in a temporary directory.
    #[arg(long)]
    pub dir: Option<PathBuf>,
    /// Print a JSON summary instead of tables.
    #[arg(long)]
    pub json: bool,
}

/// One sample file.
#[derive(Debug, Clone)]
pub struct SampleFile {
    /// The year of the records.
    pub year: u16,
    pub code: DivisionCode,
    pub table: Table,
    pub name: String,
    pub bytes: &'static [u8],
}

/// Every embedded sample file of [`DEMO_PERIOD`]'s year, checked to name a known node and table.
pub fn sample_files() -> Result<Vec<SampleFile>> {
    sample_files_of(DEMO_PERIOD.year())
}

/// The years of the embedded sample data.
pub fn sample_years() -> Vec<u16> {
    let mut years: Vec<u16> = SAMPLE_DATA
        .dirs()
        .filter_map(|directory| directory.path().file_name()?.to_str()?.parse().ok())
        .collect();
    years.sort_unstable();
    years
}

/// Every embedded sample file of `year`, checked to name a known node and table.
pub fn sample_files_of(year: u16) -> Result<Vec<SampleFile>> {
    let Some(year_directory) = SAMPLE_DATA.get_dir(year.to_string()) else {
        let years: Vec<String> = sample_years().iter().map(u16::to_string).collect();
        bail!(t!(
            "cli.demo.no_sample_year",
            year = year,
            years = years.join(&t!("cli.demo.list_separator"))
        ));
    };
    let mut files = Vec::new();
    for node_directory in year_directory.dirs() {
        let code_text = node_directory
            .path()
            .file_name()
            .and_then(|name| name.to_str())
            .unwrap_or_default();
        let code = DivisionCode::parse(code_text).map_err(|error| {
            anyhow!(t!(
                "cli.demo.sample_directory",
                name = node_directory.path().display(),
                error = error
            ))
        })?;
        for file in node_directory.files() {
            let stem = file
                .path()
                .file_stem()
                .and_then(|stem| stem.to_str())
                .unwrap_or_default();
            let table: Table = stem.parse().map_err(|error| {
                anyhow!(t!(
                    "cli.demo.sample_file",
                    file = file.path().display(),
                    error = error
                ))
            })?;
            files.push(SampleFile {
                year,
                code,
                table,
                name: format!("sample-data/ningxia/{}", file.path().display()),
                bytes: file.contents(),
            });
        }
    }
    files.sort_by_key(|file| (file.code, file.table));
    Ok(files)
}

/// The sample files of `period`'s year parsed: records per (node, ledger), in file order.
pub fn parse_samples(period: Period) -> Result<BTreeMap<(DivisionCode, Ledger), Vec<Record>>> {
    let mut records: BTreeMap<(DivisionCode, Ledger), Vec<Record>> = BTreeMap::new();
    let topology = topology::ningxia();
    for file in sample_files_of(period.year())? {
        let ledger = file.table.ledger();
        let target = ImportTarget {
            ledger,
            period,
            table: Some(file.table),
            topology: Some(&topology),
            allow_empty: false,
        };
        let parsed = parse_csv(&file.name, file.bytes, &target, &Progress::hidden())?;
        records
            .entry((file.code, ledger))
            .or_default()
            .extend(parsed.records);
    }
    Ok(records)
}

/// One ledger of the demo's outcome.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LedgerOutcome {
    pub ledger: String,
    /// The region's report as `huizong report` gives it.
    pub region_report: ReportView,
    /// The region's consolidated figures.
    pub region_figures: Figures,
    /// The same figures computed directly over every raw record of all nodes.
    pub raw_figures: Figures,
    /// The region's return written as XLSX and SDMX-CSV (and JSON), in the demo directory.
    pub exported: Vec<String>,
}

/// One year of the demo: its sample records imported, submitted, consolidated and accepted.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct YearOutcome {
    /// The period, such as `2024`.
    pub period: String,
    pub records_imported: usize,
    pub import_ms: u64,
    /// From the last node's submission to the region's rollups including every node.
    pub consolidation_ms: u64,
    /// From the parents' first acceptance to the region's figures being final (every submission
    /// under them accepted by its reviewer).
    pub review_ms: u64,
    /// Submissions refused by the year-on-year rule and submitted again with a note.
    pub notes_added: Vec<NoteAdded>,
}

/// An institution whose submission the ±30 % year-on-year rule refused until the demo, as its
/// clerk, added a note.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NoteAdded {
    /// The node that submitted.
    pub node: String,
    /// The institution's credit code.
    pub institution: String,
    /// Why the submission was refused, as the node said.
    pub refusal: String,
    /// The note added.
    pub note: String,
}

/// What the demo did and measured.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DemoSummary {
    pub directory: String,
    pub nodes: usize,
    /// Each year in the order it was submitted: 2024, then 2025.
    pub years: Vec<YearOutcome>,
    /// The region's 2025 returns.
    pub ledgers: Vec<LedgerOutcome>,
    /// `verify` at the region: what it checked.
    pub region_verify: crate::core::VerifyReport,
}

/// Runs the demo in the current tokio runtime with the node directories under `directory`;
/// returns the summary and the tree, still running.
pub async fn run_demo(directory: &Path) -> Result<(DemoSummary, LocalTree)> {
    let template = topology::ningxia();
    let prepared = {
        let directory = directory.to_path_buf();
        tokio::task::spawn_blocking(move || local_tree::prepare(&template, &directory)).await??
    };
    let tree = prepared.start(true)?;
    define_previous_year_returns(&tree)?;
    // The two years parse side by side.
    let (previous, samples) = tokio::join!(
        tokio::task::spawn_blocking(|| parse_samples(DEMO_PREVIOUS_PERIOD)),
        tokio::task::spawn_blocking(|| parse_samples(DEMO_PERIOD))
    );
    let (previous, samples) = (previous??, samples??);
    let years = vec![
        run_year(&tree, DEMO_PREVIOUS_PERIOD, &previous).await?,
        run_year(&tree, DEMO_PERIOD, &samples).await?,
    ];

    let root_handle = tree.root().handle.clone();
    let table = coefficients::current();
    let mut outcomes = Vec::new();
    for ledger in ledgers_with_data(&samples) {
        // Each node's raw records computed on their own (their ids and references are the node's)
        // and added up: no rollup, signature or sync is involved.
        let mut raw_figures = Figures::new();
        for ((_, with), records) in &samples {
            if *with == ledger {
                raw_figures.add(&schemas::compute(ledger, DEMO_PERIOD, records, table)?)?;
            }
        }
        let (region_report, region_figures) = root_handle.with_core(|core| {
            (
                report::report(core, ledger, DEMO_PERIOD),
                core.consolidated_figures(ledger, DEMO_PERIOD)
                    .unwrap_or_default(),
            )
        });
        let region_report = region_report?;
        let exported = export_return(directory, &region_report.statistical_return)?;
        outcomes.push(LedgerOutcome {
            ledger: ledger.slug().to_owned(),
            region_report,
            region_figures,
            raw_figures,
            exported,
        });
    }
    let verify_handle = root_handle.clone();
    let region_verify =
        tokio::task::spawn_blocking(move || verify_handle.with_core(|core| core.verify()))
            .await??;
    let summary = DemoSummary {
        directory: directory.display().to_string(),
        nodes: tree.nodes.len(),
        years,
        ledgers: outcomes,
        region_verify,
    };
    Ok((summary, tree))
}

/// The ledgers the samples hold records of.
fn ledgers_with_data(samples: &BTreeMap<(DivisionCode, Ledger), Vec<Record>>) -> Vec<Ledger> {
    Ledger::ALL
        .into_iter()
        .filter(|ledger| samples.keys().any(|(_, with)| with == ledger))
        .collect()
}

/// Defines the returns of [`DEMO_PREVIOUS_PERIOD`] at the root and hands the signed definitions
/// to every node, as if they had come down the tree (the [`DEMO_PERIOD`] ones come with
/// [`local_tree::prepare`]).
fn define_previous_year_returns(tree: &LocalTree) -> Result<()> {
    let deadline_ms =
        crate::clock::end_of_day_ms(DEMO_PREVIOUS_DEADLINE).expect("the deadline is a date");
    let root_code = tree.topology.root().code;
    let definitions = tree.root().handle.with_core(|core| {
        for ledger in Ledger::ALL {
            core.define_return(
                ledger,
                DEMO_PREVIOUS_PERIOD,
                crate::core::ReturnTerms {
                    deadline_ms,
                    blocking_rules: Vec::new(),
                    coefficients_version: coefficients::current().version().to_owned(),
                    choices: protocol::notice::ReturnChoices::default(),
                },
                unix_ms(),
            )?;
        }
        anyhow::Ok(core.notices_about(root_code))
    })?;
    for entry in tree.topology.iter().filter(|entry| entry.code != root_code) {
        tree.node(entry.code)?.handle.with_core(|core| {
            definitions
                .iter()
                .try_for_each(|definition| core.put_notice(definition).map(|_| ()))
        })?;
    }
    Ok(())
}

/// Imports and submits one year's sample records at every node, waits until the region's
/// rollups include every node, has every parent accept its children's submissions and waits
/// until the region's figures are final.
async fn run_year(
    tree: &LocalTree,
    period: Period,
    samples: &BTreeMap<(DivisionCode, Ledger), Vec<Record>>,
) -> Result<YearOutcome> {
    let import_started = Instant::now();
    let mut records_imported = 0;
    for ((code, ledger), records) in samples {
        let handle = tree.node(*code)?.handle.clone();
        let (ledger, records) = (*ledger, records.clone());
        records_imported += records.len();
        tokio::task::spawn_blocking(move || {
            handle.with_core(|core| core.import_records(ledger, period, &records, unix_ms()))
        })
        .await??;
    }
    let import_ms = import_started.elapsed().as_millis() as u64;

    let mut notes_added = Vec::new();
    for ((code, ledger), records) in samples {
        let handle = tree.node(*code)?.handle.clone();
        let (ledger, records) = (*ledger, records.clone());
        let added = tokio::task::spawn_blocking(move || {
            handle.with_core(|core| submit_explaining_changes(core, ledger, period, &records))
        })
        .await??;
        notes_added.extend(added);
    }
    let last_submit = Instant::now();

    let root_code = tree.topology.root().code;
    let expected: Vec<DivisionCode> = tree.topology.subtree(root_code);
    let ledgers_with_data = ledgers_with_data(samples);
    let root_handle = tree.root().handle.clone();
    loop {
        let covered = root_handle.with_core(|core| {
            ledgers_with_data.iter().all(|ledger| {
                let coverage = core.coverage(root_code, *ledger, period);
                expected
                    .iter()
                    .filter(|code| samples.contains_key(&(**code, *ledger)))
                    .all(|code| coverage.included.contains(code))
            })
        });
        if covered {
            break;
        }
        if last_submit.elapsed() > CONSOLIDATION_TIMEOUT {
            bail!(t!(
                "cli.demo.not_consolidated",
                seconds = CONSOLIDATION_TIMEOUT.as_secs()
            ));
        }
        tokio::time::sleep(POLL_INTERVAL).await;
    }
    let consolidation_ms = last_submit.elapsed().as_millis() as u64;

    // Every parent reviews and accepts its children's submissions, as the cities' and the
    // region's reviewers would; the decisions travel up, and the region's figures become final.
    let review_started = Instant::now();
    for entry in tree.topology.iter() {
        let Some(parent) = entry.parent else {
            continue;
        };
        let handle = tree.node(parent)?.handle.clone();
        let keys: Vec<DocumentKey> = ledgers_with_data
            .iter()
            .filter(|ledger| samples.contains_key(&(entry.code, **ledger)))
            .map(|ledger| DocumentKey::new(entry.code, *ledger, period))
            .collect();
        tokio::task::spawn_blocking(move || {
            handle.with_core(|core| {
                keys.iter().try_for_each(|key| {
                    core.decide(*key, Verdict::Accepted, &Actor::node(), unix_ms())
                        .map(|_| ())
                })
            })
        })
        .await??;
    }
    loop {
        let final_figures = root_handle.with_core(|core| {
            ledgers_with_data.iter().all(|ledger| {
                core.unaccepted_inputs(root_code, *ledger, period)
                    .is_ok_and(|unaccepted| unaccepted.is_empty())
            })
        });
        if final_figures {
            break;
        }
        if review_started.elapsed() > CONSOLIDATION_TIMEOUT {
            bail!(t!(
                "cli.demo.not_reviewed",
                seconds = CONSOLIDATION_TIMEOUT.as_secs()
            ));
        }
        tokio::time::sleep(POLL_INTERVAL).await;
    }
    let review_ms = review_started.elapsed().as_millis() as u64;
    Ok(YearOutcome {
        period: period.to_string(),
        records_imported,
        import_ms,
        consolidation_ms,
        review_ms,
        notes_added,
    })
}

/// Submits this node's (ledger, period); when the year-on-year rule refuses it for institutions
/// without a note, adds [`DEMO_EXPLANATION`] to their notes, as their clerk would, and submits
/// again. Any other refusal is an error.
fn submit_explaining_changes(
    core: &mut crate::core::NodeCore,
    ledger: Ledger,
    period: Period,
    records: &[Record],
) -> Result<Vec<NoteAdded>> {
    let findings = match core.submit(ledger, period, &Actor::node(), unix_ms()) {
        Ok(_) => return Ok(Vec::new()),
        Err(crate::core::CoreError::RulesBroken { findings, .. })
            if findings
                .iter()
                .all(|finding| finding.rule == "year_on_year_needs_note") =>
        {
            findings
        }
        Err(error) => return Err(error.into()),
    };
    let mut explained = Vec::new();
    let mut notes_added = Vec::new();
    for finding in findings {
        let institution = records
            .iter()
            .find(|record| {
                record.table().slug() == finding.table && record.id() == finding.record_id
            })
            .ok_or_else(|| anyhow!("{}", finding.message))?;
        explained.push(institution.with("note", DEMO_EXPLANATION)?);
        notes_added.push(NoteAdded {
            node: finding.owner.to_string(),
            institution: finding.record_id.clone(),
            refusal: finding.message.clone(),
            note: DEMO_EXPLANATION.to_owned(),
        });
    }
    core.import_records(ledger, period, &explained, unix_ms())?;
    core.submit(ledger, period, &Actor::node(), unix_ms())?;
    Ok(notes_added)
}

/// Writes a return under `<directory>/returns/` as XLSX, SDMX-CSV and JSON; returns the paths.
fn export_return(directory: &Path, statistical_return: &StatReturn) -> Result<Vec<String>> {
    let returns = directory.join("returns");
    std::fs::create_dir_all(&returns)
        .with_context(|| t!("cli.demo.cannot_create", dir = returns.display()).into_owned())?;
    let mut written = Vec::new();
    for format in [
        ExportFormat::Xlsx,
        ExportFormat::SdmxCsv,
        ExportFormat::Json,
    ] {
        let path = returns.join(export::default_file_name(statistical_return, format));
        export::write_return(statistical_return, format, &path)?;
        written.push(path.display().to_string());
    }
    Ok(written)
}

fn print_summary(summary: &DemoSummary) {
    println!(
        "{}",
        t!(
            "cli.demo.heading",
            nodes = summary.nodes,
            dir = summary.directory
        )
    );
    for year in &summary.years {
        println!();
        println!("{}", t!("cli.demo.year", period = year.period));
        println!(
            "  {}",
            t!(
                "cli.demo.imported",
                records = year.records_imported,
                ms = year.import_ms
            )
        );
        for added in &year.notes_added {
            println!(
                "  {}",
                t!(
                    "cli.demo.note_added",
                    node = added.node,
                    refusal = added.refusal,
                    note = added.note
                )
            );
        }
        println!(
            "  {}",
            t!(
                "cli.demo.consolidated",
                nodes = summary.nodes,
                ms = year.consolidation_ms
            )
        );
        println!("  {}", t!("cli.demo.reviewed", ms = year.review_ms));
    }
    println!();
    println!("{}", t!("cli.demo.returns_of", period = DEMO_PERIOD));
    for outcome in &summary.ledgers {
        println!();
        print!("{}", render::report(&outcome.region_report));
        let ledger = outcome
            .ledger
            .parse::<Ledger>()
            .map_or_else(|_| outcome.ledger.clone(), render::ledger_name);
        let check = if outcome.region_figures == outcome.raw_figures {
            t!("cli.demo.check_equal", ledger = ledger)
        } else {
            t!("cli.demo.check_different", ledger = ledger)
        };
        println!("\n  {check}");
        println!(
            "  {}",
            t!(
                "cli.demo.exported",
                files = outcome.exported.join(&t!("cli.demo.list_separator"))
            )
        );
    }
    println!();
    println!(
        "{}",
        t!(
            "cli.demo.verified",
            submissions = summary.region_verify.submissions_checked,
            documents = summary.region_verify.documents_checked,
            rollups = summary.region_verify.rollups_checked,
            decisions = summary.region_verify.decisions_checked
        )
    );
}

/// The password of every demo account: the demo is for trying the console on one machine.
pub const DEMO_PASSWORD: &str = "huizong-demo";

/// A demo account: login, the person's name, role.
type DemoAccount = (&'static str, &'static str, Role);

/// The demo's consoles: the region, one city and one county, each with accounts for the people
/// who work there (login, name, role), on ports 8640–8642 when free.
const DEMO_CONSOLES: [(&str, &str, &[DemoAccount]); 3] = [
    (
        "640000000000",
        "127.0.0.1:8640",
        &[
            ("region", "马丽", Role::Reviewer),
            ("region-admin", "周建国", Role::Admin),
        ],
    ),
    (
        "640100000000",
        "127.0.0.1:8641",
        &[("yinchuan", "张伟", Role::Reviewer)],
    ),
    (
        "640104000000",
        "127.0.0.1:8642",
        &[("xingqing", "王芳", Role::Clerk)],
    ),
];

/// Starts the demo's consoles and adds their accounts; one line per account to print.
async fn serve_demo_consoles(tree: &LocalTree) -> Result<Vec<String>> {
    let mut lines = Vec::new();
    for (code, address, accounts) in DEMO_CONSOLES {
        let code = DivisionCode::parse(code)?;
        let Ok(node) = tree.node(code) else {
            continue;
        };
        for (login, name, role) in accounts {
            add_demo_account(&node.handle, login, name, *role)?;
        }
        let console = match tree.serve_console(code, address).await? {
            Some(console) => Some(console),
            None => tree.serve_console(code, "127.0.0.1:0").await?,
        };
        let Some(console) = console else { continue };
        let node_name = tree
            .topology
            .node(code)
            .map(|entry| entry.name_zh.clone())
            .unwrap_or_default();
        for (login, name, role) in accounts {
            let role_key = format!("accounts.role.{}", role.slug());
            lines.push(
                t!(
                    "console.demo.line",
                    node = node_name,
                    url = console.url,
                    login = login,
                    role = t!(&role_key),
                    name = name
                )
                .into_owned(),
            );
        }
    }
    Ok(lines)
}

/// An account with the demo password that need not be changed first.
pub fn add_demo_account(
    handle: &crate::driver::NodeHandle,
    login: &str,
    name: &str,
    role: Role,
) -> Result<()> {
    let now_ms = crate::clock::unix_ms();
    let account = Account {
        login: login.to_owned(),
        name: Actor::new(name)?,
        role,
        password_hash: crate::core::accounts::hash_password(DEMO_PASSWORD)?,
        created_ms: now_ms,
        password_changed_ms: now_ms,
        must_change_password: false,
    };
    handle.with_core(|core| core.put_account(&account))?;
    Ok(())
}

/// `huizong demo`.
pub fn run(options: DemoOptions) -> Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context(t!("node.listen.cannot_start_runtime"))?;
    let temporary;
    let directory = match &options.dir {
        Some(directory) => directory.clone(),
        None => {
            temporary = tempfile::Builder::new()
                .prefix("huizong-demo-")
                .tempdir()
                .context(t!("cli.demo.cannot_create_temporary"))?;
            temporary.path().to_path_buf()
        }
    };
    runtime.block_on(async {
        let (summary, tree) = run_demo(&directory).await?;
        if options.json {
            println!("{}", serde_json::to_string_pretty(&summary)?);
        } else {
            print_summary(&summary);
        }
        let mismatched: Vec<&str> = summary
            .ledgers
            .iter()
            .filter(|outcome| outcome.region_figures != outcome.raw_figures)
            .map(|outcome| outcome.ledger.as_str())
            .collect();
        let consoles = serve_demo_consoles(&tree).await?;
        if !options.json {
            println!();
            println!("{}", t!("console.demo.heading", password = DEMO_PASSWORD));
            for console in &consoles {
                println!("  {console}");
            }
            if !options.keep {
                println!("{}", t!("console.demo.keep_hint"));
            }
        }
        if options.keep {
            println!();
            println!(
                "{}",
                t!(
                    "cli.demo.keeps_running",
                    dir = directory.join(tree.topology.root().code.as_str()).display()
                )
            );
            println!("{}", t!("cli.demo.press_ctrl_c"));
            let _ = tokio::signal::ctrl_c().await;
        }
        tree.shutdown().await?;
        if !mismatched.is_empty() {
            bail!(t!(
                "cli.demo.figures_differ",
                ledgers = mismatched.join(&t!("cli.demo.list_separator"))
            ));
        }
        Ok(())
    })
}
