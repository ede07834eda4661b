//! Benchmark 6, bulk-sync: one county document of N dispatch orders synced county → city, by
//! huizong and, in the same run, by the two things it is measured against.
//!
//! - huizong: the county and the city each run as `huizong run` in a process of its own, over
//!   real QUIC with sled stores. The county's draft is imported before the nodes start. Timed:
//!   the submit (signing, the submit-time checks) and, from the submit's answer, the sync until
//!   the city logs its rollup made of the county's submission (the city has then checked every
//!   signature and figure, stored the replica and the rollup, and flushed its store).
//! - the lower bound ([`super::peer`]): the same saved document loaded, synced into an empty
//!   document and saved, by two automerge peers in memory, in a process of its own.
//! - samod 0.16, the Rust automerge-repo: a child repo holding the document and a parent repo,
//!   both with filesystem storage, in two processes over loopback TCP; timed in the parent from
//!   the connection established until it holds all N records and has stopped (storage flushed).
//!
//! Each side's peak memory is the kernel's high-water mark of its own process.
//! `ratio_to_lower_bound` and `ratio_to_samod` divide huizong's sync (from the submit's answer to
//! the city's rollup) by the other's time; `ratio_to_samod_with_submit` adds the submit.

use std::io::{BufRead, BufReader, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use protocol::DocumentKey;
use schemas::Ledger;
use schemas::records::Record;
use schemas::table::Table;
use serde::Serialize;
use topology::DivisionCode;

use super::memory::peak_resident_mib_of;
use super::peer::{
    LowerBoundResult, PEER_VARIABLE, PeerTask, SamodChildReady, SamodParentResult, directory_bytes,
};
use super::{dispatch_orders_csv_with_plates, milliseconds};
use crate::clock::unix_ms;
use crate::core::Actor;
use crate::demo::DEMO_PERIOD;
use crate::directory::NodeDirectory;
use crate::import::{ImportTarget, Progress, parse_csv};
use crate::local_tree;
use crate::operations::{Call, Outcome, Request, Response};

/// Records imported into the county's draft per batch, so that the benchmark's own memory stays
/// bounded whatever N is.
const IMPORT_CHUNK: usize = 100_000;

/// Longest any step (a node starting, the sync, a samod peer) may take.
const STEP_TIMEOUT: Duration = Duration::from_secs(1800);

/// A vehicle's status while it is in service (使用状态 在用), as records hold it.
const IN_USE: &str = "in_service";

/// huizong's side of the bulk sync.
#[derive(Debug, Clone, Serialize)]
pub struct HuizongBulkSync {
    /// The county's submit: signing the document and the submit-time checks.
    pub submit_ms: f64,
    /// From the submit's answer to the city's rollup made (checked, stored, flushed).
    pub sync_ms: f64,
    /// From the submit's call to the city's rollup.
    pub total_ms: f64,
    /// Bytes of protocol frames on the link, both ways (the city's `link_bytes`).
    pub wire_bytes: u64,
    /// How much the city's store grew: the bytes of the keys and values it holds (sled's files
    /// grow by whole segments).
    pub city_stored_bytes: u64,
    pub county_peak_resident_mib: f64,
    pub city_peak_resident_mib: f64,
}

/// samod's side of the bulk sync.
#[derive(Debug, Clone, Serialize)]
pub struct SamodBulkSync {
    pub total_ms: f64,
    pub wire_bytes: u64,
    pub parent_stored_bytes: u64,
    pub child_stored_bytes: u64,
    pub parent_peak_resident_mib: f64,
    pub child_peak_resident_mib: f64,
}

/// Results of the bulk-sync benchmark.
#[derive(Debug, Clone, Serialize)]
pub struct BulkSyncBench {
    pub records: usize,
    /// Bytes of the county's document, saved by automerge.
    pub document_bytes: u64,
    pub huizong: HuizongBulkSync,
    pub lower_bound: LowerBoundResult,
    pub samod: SamodBulkSync,
    pub ratio_to_lower_bound: f64,
    pub ratio_to_samod: f64,
    pub ratio_to_samod_with_submit: f64,
}

/// Benchmark 6.
pub fn bench_bulk_sync(n_records: usize) -> Result<BulkSyncBench> {
    let directory = tempfile::tempdir()?;
    let topology = local_tree::ningxia_city_with_counties(1)?;
    drop(local_tree::prepare(&topology, directory.path())?);
    let city = topology.root().code;
    let county = DivisionCode::parse("640104000000")?;
    let document = directory.path().join("document.automerge");
    import_county_draft(directory.path(), county, n_records, &document)?;
    let document_bytes = std::fs::metadata(&document)?.len();

    progress(format_args!("huizong: county and city over QUIC"));
    let huizong = huizong_pair(directory.path(), city, county)?;
    progress(format_args!("lower bound: two automerge peers in memory"));
    let lower_bound: LowerBoundResult = run_peer(&PeerTask::LowerBound {
        document: document.clone(),
    })?;
    progress(format_args!("samod: two repos over loopback TCP"));
    let samod = samod_pair(directory.path(), &document, n_records)?;
    Ok(BulkSyncBench {
        records: n_records,
        document_bytes,
        ratio_to_lower_bound: huizong.sync_ms / lower_bound.total_ms,
        ratio_to_samod: huizong.sync_ms / samod.total_ms,
        ratio_to_samod_with_submit: huizong.total_ms / samod.total_ms,
        huizong,
        lower_bound,
        samod,
    })
}

fn progress(message: std::fmt::Arguments<'_>) {
    eprintln!("bulk-sync: {message}");
}

/// Writes N dispatch orders into the county's draft in bounded batches, and saves the document
/// for the lower bound and samod.
fn import_county_draft(
    root: &Path,
    county: DivisionCode,
    n_records: usize,
    document: &Path,
) -> Result<()> {
    let mut core = NodeDirectory::existing(&root.join(county.as_str()))?.open_core()?;
    let target = ImportTarget {
        ledger: Ledger::Vehicles,
        period: DEMO_PERIOD,
        table: None,
        topology: None,
        allow_empty: false,
    };
    // The county's vehicles from the sample data first: the dispatch orders name them.
    let samples = crate::demo::parse_samples(DEMO_PERIOD)?;
    let vehicles: Vec<Record> = samples
        .get(&(county, Ledger::Vehicles))
        .ok_or_else(|| anyhow!("the sample data has no vehicles for {county}"))?
        .iter()
        .filter(|record| record.table() == Table::Vehicles)
        .cloned()
        .collect();
    drop(samples);
    core.import_records(Ledger::Vehicles, DEMO_PERIOD, &vehicles, unix_ms())?;
    let plates: Vec<String> = vehicles
        .iter()
        .filter(|vehicle| vehicle.text_of("status") == IN_USE)
        .map(|vehicle| vehicle.text_of("plate"))
        .collect();
    if plates.is_empty() {
        bail!("the sample data has no vehicle in service for {county}");
    }
    let mut start = 0;
    while start < n_records {
        let end = (start + IMPORT_CHUNK).min(n_records);
        let csv = dispatch_orders_csv_with_plates(start, end, &plates)?;
        let parsed = parse_csv(
            "dispatch_orders.csv",
            csv.as_bytes(),
            &target,
            &Progress::hidden(),
        )?;
        core.import_records(Ledger::Vehicles, DEMO_PERIOD, &parsed.records, unix_ms())?;
        progress(format_args!(
            "imported {end} of {n_records} dispatch orders"
        ));
        start = end;
    }
    let key = DocumentKey::new(county, Ledger::Vehicles, DEMO_PERIOD);
    let draft = core
        .draft_document(&key)?
        .ok_or_else(|| anyhow!("the county has no draft after the import"))?;
    std::fs::write(document, draft.save())?;
    Ok(())
}

/// A `huizong run` started by the benchmark; killed when dropped.
struct NodeProcess {
    child: Child,
}

impl Drop for NodeProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_node(directory: &Path, log: &Path) -> Result<(NodeProcess, mpsc::Receiver<Instant>)> {
    let mut child = Command::new(std::env::current_exe()?)
        .args(["run", "--dir"])
        .arg(directory)
        .env("HUIZONG_LOG", "info")
        .env_remove(PEER_VARIABLE)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .context("cannot start huizong run")?;
    let stderr = child.stderr.take().expect("stderr is piped");
    let mut log = std::fs::File::create(log)?;
    let (sender, receiver) = mpsc::channel();
    let vehicles = format!("ledger={}", Ledger::Vehicles);
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if line.contains("rollup made") && line.contains(&vehicles) {
                let _ = sender.send(Instant::now());
            }
            let _ = writeln!(log, "{line}");
        }
    });
    Ok((NodeProcess { child }, receiver))
}

/// Sets a node's console off and its metrics to `metrics` (or off).
fn configure(directory: &NodeDirectory, metrics: Option<String>) -> Result<()> {
    let mut config = directory.read_config()?;
    config.console.address = "off".to_owned();
    config.metrics.address = metrics.unwrap_or_else(|| "off".to_owned());
    crate::directory::write_config(directory, &config)
}

fn free_loopback_port() -> Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// The sum of every sample of a metric on a node's `/metrics`, by a plain HTTP/1.0 request.
fn scrape(address: &str, metric: &str) -> Result<Option<f64>> {
    use std::io::Read as _;
    let mut stream = std::net::TcpStream::connect(address)?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    write!(stream, "GET /metrics HTTP/1.0\r\nHost: {address}\r\n\r\n")?;
    let mut body = String::new();
    stream.read_to_string(&mut body)?;
    let mut found = None;
    for line in body.lines() {
        let Some(rest) = line.strip_prefix(metric) else {
            continue;
        };
        if !(rest.starts_with('{') || rest.starts_with(' ')) {
            continue;
        }
        if let Some(value) = rest
            .rsplit(' ')
            .next()
            .and_then(|value| value.parse::<f64>().ok())
        {
            *found.get_or_insert(0.0) += value;
        }
    }
    Ok(found)
}

fn wait_until(what: &str, mut condition: impl FnMut() -> Result<bool>) -> Result<()> {
    let started = Instant::now();
    while !condition()? {
        if started.elapsed() > STEP_TIMEOUT {
            bail!("timed out waiting for {what}");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    Ok(())
}

fn huizong_pair(root: &Path, city: DivisionCode, county: DivisionCode) -> Result<HuizongBulkSync> {
    let city_directory = NodeDirectory::existing(&root.join(city.as_str()))?;
    let county_directory = NodeDirectory::existing(&root.join(county.as_str()))?;
    let metrics = format!("127.0.0.1:{}", free_loopback_port()?);
    configure(&city_directory, Some(metrics.clone()))?;
    configure(&county_directory, None)?;
    let stored_before = stored_bytes(&city_directory)?;
    let (city_process, city_rollups) = start_node(city_directory.root(), &root.join("city.log"))?;
    let (county_process, _) = start_node(county_directory.root(), &root.join("county.log"))?;
    wait_until("the city's metrics to show the county's link up", || {
        Ok(scrape(&metrics, "huizong_links_up")
            .ok()
            .flatten()
            .is_some_and(|up| up >= 1.0)
            && crate::driver::is_running(&county_directory.control_socket_path()))
    })?;
    // Rollups the city makes as it starts are not the ones measured.
    std::thread::sleep(Duration::from_millis(500));
    while city_rollups.try_recv().is_ok() {}
    let call = Call {
        actor: Actor::node(),
        request: Request::Submit(crate::operations::submit::SubmitRequest {
            ledger: Ledger::Vehicles,
            period: DEMO_PERIOD,
        }),
    };
    let started = Instant::now();
    let outcome: Outcome =
        crate::driver::send_control_request(&county_directory.control_socket_path(), &call)?
            .ok_or_else(|| anyhow!("the county node did not answer on its control socket"))?;
    let submitted = Instant::now();
    match outcome {
        Ok(Response::Submit(_)) => {}
        Ok(other) => bail!("the county answered the submit with {other:?}"),
        Err(error) => bail!("the county refused the submit: {error:?}"),
    }
    let rollup_made = city_rollups
        .recv_timeout(STEP_TIMEOUT)
        .context("the city made no rollup of the county's submission in time")?;
    let wire_bytes = scrape(&metrics, "huizong_link_bytes")?.unwrap_or(0.0) as u64;
    let result = HuizongBulkSync {
        submit_ms: milliseconds(submitted - started),
        sync_ms: milliseconds(rollup_made.saturating_duration_since(submitted)),
        total_ms: milliseconds(rollup_made.saturating_duration_since(started)),
        wire_bytes,
        city_stored_bytes: 0,
        county_peak_resident_mib: peak_resident_mib_of(county_process.child.id()),
        city_peak_resident_mib: peak_resident_mib_of(city_process.child.id()),
    };
    drop(county_process);
    drop(city_process);
    Ok(HuizongBulkSync {
        city_stored_bytes: stored_bytes(&city_directory)?.saturating_sub(stored_before),
        ..result
    })
}

/// The bytes of every key and value in a node's store (the node not running).
fn stored_bytes(directory: &NodeDirectory) -> Result<u64> {
    let core = directory.open_core()?;
    let mut total = 0;
    for tree in crate::store::Tree::ALL {
        for (key, value) in core.store().scan_prefix(tree, &[])? {
            total += (key.len() + value.len()) as u64;
        }
    }
    Ok(total)
}

/// Starts this binary as a benchmark peer.
fn peer_command(task: &PeerTask) -> Result<Command> {
    let mut command = Command::new(std::env::current_exe()?);
    command
        .arg("bench")
        .env(PEER_VARIABLE, serde_json::to_string(task)?)
        .stderr(Stdio::inherit());
    Ok(command)
}

/// Runs a peer to its end and reads its one line of results.
fn run_peer<T: serde::de::DeserializeOwned>(task: &PeerTask) -> Result<T> {
    let output = peer_command(task)?
        .stdin(Stdio::null())
        .output()
        .context("cannot start a benchmark peer")?;
    if !output.status.success() {
        bail!("the benchmark peer {task:?} failed with {}", output.status);
    }
    let text = String::from_utf8(output.stdout)?;
    let line = text
        .lines()
        .last()
        .ok_or_else(|| anyhow!("the benchmark peer {task:?} printed nothing"))?;
    serde_json::from_str(line).with_context(|| format!("the benchmark peer printed {line:?}"))
}

fn samod_pair(root: &Path, document: &Path, n_records: usize) -> Result<SamodBulkSync> {
    let child_storage: PathBuf = root.join("samod-child");
    let parent_storage: PathBuf = root.join("samod-parent");
    // The guard kills the child if anything below fails.
    let mut guard = NodeProcess {
        child: peer_command(&PeerTask::SamodChild {
            document: document.to_path_buf(),
            storage: child_storage.clone(),
        })?
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .context("cannot start the samod child")?,
    };
    let stdout = guard.child.stdout.take().expect("stdout is piped");
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line)?;
    let ready: SamodChildReady = serde_json::from_str(line.trim())
        .with_context(|| format!("the samod child printed {line:?}"))?;
    let parent: SamodParentResult = run_peer(&PeerTask::SamodParent {
        port: ready.port,
        document_id: ready.document_id,
        storage: parent_storage,
        records: n_records,
    })?;
    let child_peak_resident_mib = peak_resident_mib_of(guard.child.id());
    // Closing its standard input stops the child.
    drop(guard.child.stdin.take());
    let status = guard.child.wait()?;
    if !status.success() {
        bail!("the samod child failed with {status}");
    }
    Ok(SamodBulkSync {
        total_ms: parent.total_ms,
        wire_bytes: parent.wire_bytes,
        parent_stored_bytes: parent.stored_bytes,
        child_stored_bytes: directory_bytes(&child_storage)?,
        parent_peak_resident_mib: parent.peak_resident_mib,
        child_peak_resident_mib,
    })
}
