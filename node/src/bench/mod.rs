//! `huizong bench`: the measurements the backbone is held to, each next to a baseline
//! measured in the same run.
//!
//! 1. import: 100,000 vehicle dispatch orders from CSV into one ledger document (parse, check,
//!    batch-write into automerge, store durably), records per second; baseline: the same records
//!    written into an automerge document with one put per field.
//! 2. sync: one new record synced from a county to its city over QUIC after they converged: bytes
//!    on the wire and latency; baseline: the same change synced between two in-memory automerge
//!    documents, bytes of the sync messages.
//! 3. propagation: in the running Ningxia tree, the time from a county's submission to the
//!    region's rollup including it, over many rounds (p50, p90, max).
//! 4. import-xlsx ([`xlsx_import`]): 100,000 energy rows from an XLSX workbook, rows per second and
//!    peak memory; baseline: the same rows from CSV.
//! 5. console-pages ([`console_pages`]): the web console's completeness and figures pages at the
//!    root of the demo tree and of a generated 100-county province, median time per page;
//!    baseline: the operation each page is built on.
//! 6. bulk-sync ([`bulk_sync`], only when asked for by `--only bulk-sync`): one county document of
//!    `--records` dispatch orders synced to its city by two `huizong run` processes over QUIC;
//!    baselines: two in-memory automerge peers (the lower bound) and samod over loopback TCP.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use automerge::sync::{State as SyncState, SyncDoc};
use automerge::transaction::Transactable;
use automerge::{Automerge, ObjType};
use protocol::DocumentKey;
use schemas::columns::header_row;
use schemas::records::Record;
use schemas::table::Table;
use schemas::{Ledger, document};
use serde::Serialize;
use topology::DivisionCode;

mod bulk_sync;
mod console_pages;
pub mod memory;
mod peer;
mod xlsx_import;

pub use bulk_sync::{BulkSyncBench, bench_bulk_sync};
pub use console_pages::{ConsolePagesBench, bench_console_pages};
pub use xlsx_import::{XlsxImportBench, bench_xlsx_import};

use crate::clock::unix_ms;
use crate::core::Actor;
use crate::demo::{DEMO_PERIOD, parse_samples, run_demo};
use crate::import::{ImportTarget, Progress, parse_csv};
use crate::local_tree::{self, LocalTree};

/// Longest a benchmark waits for a change to arrive before it reports failure.
const ARRIVAL_TIMEOUT: Duration = Duration::from_secs(60);

/// Options of `huizong bench`.
#[derive(Debug, Clone, clap::Args)]
pub struct BenchOptions {
    /// Run only one benchmark: import, sync, propagation, import-xlsx, console-pages or
    /// bulk-sync (bulk-sync runs only when named).
    #[arg(long)]
    pub only: Option<String>,
    /// Dispatch orders in the import and bulk-sync benchmarks, energy rows in the XLSX import
    /// benchmark.
    #[arg(long, default_value_t = 100_000)]
    pub records: usize,
    /// Measured rounds of the sync and propagation benchmarks.
    #[arg(long, default_value_t = 20)]
    pub rounds: usize,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Results of the import benchmark.
#[derive(Debug, Clone, Serialize)]
pub struct ImportBench {
    pub records: usize,
    pub csv_bytes: usize,
    pub parse_ms: f64,
    pub write_ms: f64,
    pub records_per_second: f64,
    pub baseline_put_per_field_ms: f64,
    pub baseline_records_per_second: f64,
    pub speedup_over_baseline: f64,
    pub stored_document_bytes: usize,
}

/// Results of the sync benchmark.
#[derive(Debug, Clone, Serialize)]
pub struct SyncBench {
    pub rounds: usize,
    /// Bytes of the sync messages between two in-memory automerge documents, per change (median).
    pub baseline_automerge_bytes: u64,
    /// Bytes of huizong's frames, both directions, per change (median).
    pub frame_bytes: u64,
    /// UDP payload bytes of the QUIC connection, both directions, per change (median).
    pub quic_udp_bytes: u64,
    pub frame_ratio: f64,
    pub quic_ratio: f64,
    pub latency_ms_p50: f64,
    pub latency_ms_max: f64,
}

/// Results of the propagation benchmark.
#[derive(Debug, Clone, Serialize)]
pub struct PropagationBench {
    pub rounds: usize,
    pub latency_ms_p50: f64,
    pub latency_ms_p90: f64,
    pub latency_ms_max: f64,
}

/// Everything measured.
#[derive(Debug, Clone, Default, Serialize)]
pub struct BenchReport {
    pub import: Option<ImportBench>,
    pub sync: Option<SyncBench>,
    pub propagation: Option<PropagationBench>,
    pub import_xlsx: Option<XlsxImportBench>,
    pub console_pages: Option<ConsolePagesBench>,
    pub bulk_sync: Option<BulkSyncBench>,
}

fn percentile(samples: &[f64], fraction: f64) -> f64 {
    let mut sorted = samples.to_vec();
    sorted.sort_by(f64::total_cmp);
    if sorted.is_empty() {
        return 0.0;
    }
    let index = ((sorted.len() - 1) as f64 * fraction).round() as usize;
    sorted[index]
}

fn median_u64(samples: &[u64]) -> u64 {
    let mut sorted = samples.to_vec();
    sorted.sort_unstable();
    sorted.get(sorted.len() / 2).copied().unwrap_or(0)
}

fn milliseconds(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

/// A CSV of `n_records` dispatch orders, valid under the schemas' rules.
pub fn dispatch_orders_csv(n_records: usize) -> Result<String> {
    dispatch_orders_csv_range(0, n_records)
}

/// A CSV of the dispatch orders numbered `start..end` of the same sequence, so that a large
/// document can be written in bounded batches.
pub fn dispatch_orders_csv_range(start: usize, end: usize) -> Result<String> {
    let plates: Vec<String> = (0..400).map(|n| format!("宁A{:05}", 10_000 + n)).collect();
    dispatch_orders_csv_with_plates(start, end, &plates)
}

/// The same dispatch orders, driven by the vehicles `plates` in turn (a document whose vehicles
/// table holds them passes the submit-time checks too).
pub fn dispatch_orders_csv_with_plates(
    start: usize,
    end: usize,
    plates: &[String],
) -> Result<String> {
    if plates.is_empty() {
        bail!("dispatch orders need at least one vehicle");
    }
    let headers = header_row(Table::DispatchOrders, false);
    let mut csv = headers.join(",");
    csv.push('\n');
    for index in start..end {
        let month = index % 12 + 1;
        let day = index % 28 + 1;
        let hour = index % 20;
        let cells: Vec<String> = headers
            .iter()
            .map(|header| match *header {
                "order_id" => Ok(format!("D2025{index:08}")),
                "plate" => Ok(plates[index % plates.len()].clone()),
                "start" => Ok(format!("2025-{month:02}-{day:02} {hour:02}:10")),
                "end" => Ok(format!("2025-{month:02}-{day:02} {:02}:40", hour + 2)),
                "purpose" => Ok(["公务接待", "执法检查", "会议", "调研"][index % 4].to_owned()),
                "distance_km" => Ok(format!("{}.{}", 5 + index % 180, index % 10)),
                other => Err(anyhow!(
                    "the dispatch order column {other} is not known to the benchmark"
                )),
            })
            .collect::<Result<_>>()?;
        csv.push_str(&cells.join(","));
        csv.push('\n');
    }
    Ok(csv)
}

/// The content of the records' document as automerge would hold it, for the baseline to write.
fn baseline_content(records: &[Record]) -> Result<automerge::hydrate::Value> {
    let meta = document::DocumentMeta {
        owner: DivisionCode::parse("640104000000")?,
        ledger: Ledger::Vehicles,
        period: DEMO_PERIOD,
        schema_version: document::SCHEMA_VERSION,
    };
    let mut source = document::new_document(&meta, 0)?;
    document::write_records(&mut source, records, 0)?;
    Ok(source.hydrate(None))
}

/// Writes a document's content into a fresh document with one automerge put per field: the
/// baseline that batch object creation is measured against.
fn write_put_per_field(content: &automerge::hydrate::Value) -> Result<Automerge> {
    let mut target = Automerge::new();
    let mut transaction = target.transaction();
    put_value(&mut transaction, automerge::ROOT, content)?;
    transaction.commit();
    Ok(target)
}

fn put_value(
    transaction: &mut automerge::transaction::Transaction<'_>,
    object: automerge::ObjId,
    value: &automerge::hydrate::Value,
) -> Result<()> {
    if let automerge::hydrate::Value::Map(map) = value {
        for (key, entry) in map.iter() {
            match &entry.value {
                automerge::hydrate::Value::Map(_) => {
                    let child = transaction.put_object(&object, key.as_str(), ObjType::Map)?;
                    put_value(transaction, child, &entry.value)?;
                }
                automerge::hydrate::Value::Scalar(scalar) => {
                    transaction.put(&object, key.as_str(), scalar.clone())?;
                }
                other => bail!("unexpected value in a ledger document: {other:?}"),
            }
        }
    }
    Ok(())
}

/// Benchmark 1.
pub async fn bench_import(n_records: usize) -> Result<ImportBench> {
    let directory = tempfile::tempdir()?;
    let topology = local_tree::ningxia_city_with_counties(1)?;
    let county = DivisionCode::parse("640104000000")?;
    let prepared = local_tree::prepare(&topology, directory.path())?;
    drop(prepared);
    let node_directory =
        crate::directory::NodeDirectory::existing(&directory.path().join(county.as_str()))?;
    tokio::task::spawn_blocking(move || {
        let csv = dispatch_orders_csv(n_records)?;
        let parse_started = Instant::now();
        let target = ImportTarget {
            ledger: Ledger::Vehicles,
            period: DEMO_PERIOD,
            table: None,
            topology: None,
            allow_empty: false,
        };
        let parsed = parse_csv(
            "dispatch_orders.csv",
            csv.as_bytes(),
            &target,
            &Progress::hidden(),
        )?;
        let parse_elapsed = parse_started.elapsed();
        let mut core = node_directory.open_core()?;
        let write_started = Instant::now();
        core.import_records(Ledger::Vehicles, DEMO_PERIOD, &parsed.records, unix_ms())?;
        let write_elapsed = write_started.elapsed();
        let stored_document_bytes: usize = core
            .store()
            .scan_prefix(
                crate::store::Tree::Documents,
                &crate::core::keys::document_key(&DocumentKey::new(
                    county,
                    Ledger::Vehicles,
                    DEMO_PERIOD,
                )),
            )?
            .iter()
            .map(|(_, chunk)| chunk.len())
            .sum();
        let content = baseline_content(&parsed.records)?;
        let baseline_started = Instant::now();
        let baseline = write_put_per_field(&content)?;
        let baseline_elapsed = baseline_started.elapsed();
        if baseline.hydrate(None) != content {
            bail!("the put-per-field baseline did not write the same content");
        }
        let total = parse_elapsed + write_elapsed;
        let records_per_second = n_records as f64 / total.as_secs_f64();
        let baseline_records_per_second = n_records as f64 / baseline_elapsed.as_secs_f64();
        Ok(ImportBench {
            records: n_records,
            csv_bytes: csv.len(),
            parse_ms: milliseconds(parse_elapsed),
            write_ms: milliseconds(write_elapsed),
            records_per_second,
            baseline_put_per_field_ms: milliseconds(baseline_elapsed),
            baseline_records_per_second,
            speedup_over_baseline: records_per_second / baseline_records_per_second,
            stored_document_bytes,
        })
    })
    .await?
}

/// The bytes two in-memory documents exchange to sync one change, after converging.
fn baseline_sync_bytes(before: &Automerge, change: &[Record]) -> Result<u64> {
    let mut sender = before.clone();
    let mut receiver = before.clone();
    let mut sender_state = SyncState::new();
    let mut receiver_state = SyncState::new();
    // Converge first, so both states know the shared heads, as a long-running session does.
    exchange(
        &mut sender,
        &mut sender_state,
        &mut receiver,
        &mut receiver_state,
    )?;
    document::write_records(&mut sender, change, 0)?;
    exchange(
        &mut sender,
        &mut sender_state,
        &mut receiver,
        &mut receiver_state,
    )
}

/// Runs the automerge sync loop between two documents until neither has anything to say; returns
/// the bytes of the messages.
fn exchange(
    left: &mut Automerge,
    left_state: &mut SyncState,
    right: &mut Automerge,
    right_state: &mut SyncState,
) -> Result<u64> {
    let mut bytes = 0u64;
    for _ in 0..64 {
        let from_left = left.generate_sync_message(left_state);
        if let Some(message) = &from_left {
            let encoded = message.clone().encode();
            bytes += encoded.len() as u64;
            right.receive_sync_message(right_state, message.clone())?;
        }
        let from_right = right.generate_sync_message(right_state);
        if let Some(message) = &from_right {
            let encoded = message.clone().encode();
            bytes += encoded.len() as u64;
            left.receive_sync_message(left_state, message.clone())?;
        }
        if from_left.is_none() && from_right.is_none() {
            return Ok(bytes);
        }
    }
    bail!("the in-memory sync did not finish in 64 rounds")
}

async fn wait_for<F: Fn() -> bool>(condition: F, what: &str) -> Result<Duration> {
    let started = Instant::now();
    while !condition() {
        if started.elapsed() > ARRIVAL_TIMEOUT {
            bail!("timed out waiting for {what}");
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    Ok(started.elapsed())
}

/// Benchmark 2.
pub async fn bench_sync(rounds: usize) -> Result<SyncBench> {
    let directory = tempfile::tempdir()?;
    let topology = local_tree::ningxia_city_with_counties(1)?;
    let city = DivisionCode::parse("640100000000")?;
    let county = DivisionCode::parse("640104000000")?;
    let tree: LocalTree = local_tree::prepare(&topology, directory.path())?.start(false)?;
    let samples = tokio::task::spawn_blocking(|| parse_samples(DEMO_PERIOD)).await??;
    let vehicles = samples
        .get(&(county, Ledger::Vehicles))
        .ok_or_else(|| anyhow!("the sample data has no vehicles for {county}"))?
        .clone();
    let key = DocumentKey::new(county, Ledger::Vehicles, DEMO_PERIOD);
    let county_handle = tree.node(county)?.handle.clone();
    let city_handle = tree.node(city)?.handle.clone();
    let (base, changes) = vehicles.split_at(vehicles.len().saturating_sub(rounds + 3));
    if changes.len() < rounds + 3 {
        bail!("the sample data has too few vehicles for {rounds} rounds");
    }
    {
        let base = base.to_vec();
        let handle = county_handle.clone();
        tokio::task::spawn_blocking(move || {
            handle.with_core(|core| {
                core.import_records(Ledger::Vehicles, DEMO_PERIOD, &base, unix_ms())?;
                core.submit(Ledger::Vehicles, DEMO_PERIOD, &Actor::node(), unix_ms())
            })
        })
        .await??;
    }
    let mut frame_bytes = Vec::new();
    let mut quic_bytes = Vec::new();
    let mut baseline_bytes = Vec::new();
    let mut latencies = Vec::new();
    for (round, record) in changes.iter().enumerate() {
        let sequence_before = county_handle.with_core(|core| {
            core.latest_submission_of(&key)
                .map_or(0, |accepted| accepted.submission.payload().sequence)
        });
        wait_for(
            || {
                city_handle.with_core(|core| {
                    core.latest_submission_of(&key)
                        .is_some_and(|held| held.submission.payload().sequence == sequence_before)
                })
            },
            "the city to converge",
        )
        .await?;
        // Let the acknowledgements of the previous round settle before reading the counters.
        tokio::time::sleep(Duration::from_millis(50)).await;
        let link_before = county_handle.link_counters(city);
        let draft_before = county_handle.with_core(|core| core.draft_document(&key))?;
        let started = Instant::now();
        {
            let handle = county_handle.clone();
            let record = record.clone();
            tokio::task::spawn_blocking(move || {
                handle.with_core(|core| {
                    core.import_records(Ledger::Vehicles, DEMO_PERIOD, &[record], unix_ms())?;
                    core.submit(Ledger::Vehicles, DEMO_PERIOD, &Actor::node(), unix_ms())
                })
            })
            .await??;
        }
        wait_for(
            || {
                city_handle.with_core(|core| {
                    core.latest_submission_of(&key)
                        .is_some_and(|held| held.submission.payload().sequence > sequence_before)
                })
            },
            "the new record to reach the city",
        )
        .await?;
        let latency = started.elapsed();
        tokio::time::sleep(Duration::from_millis(100)).await;
        let link_after = county_handle.link_counters(city);
        if round < 3 {
            continue; // warm-up rounds
        }
        latencies.push(milliseconds(latency));
        frame_bytes.push(link_after.frame_bytes - link_before.frame_bytes);
        quic_bytes.push(link_after.quic_bytes - link_before.quic_bytes);
        let draft_before = draft_before.ok_or_else(|| anyhow!("the county has no draft"))?;
        baseline_bytes.push(baseline_sync_bytes(
            &draft_before,
            std::slice::from_ref(record),
        )?);
    }
    tree.shutdown().await?;
    let baseline = median_u64(&baseline_bytes);
    let frames = median_u64(&frame_bytes);
    let quic = median_u64(&quic_bytes);
    Ok(SyncBench {
        rounds: latencies.len(),
        baseline_automerge_bytes: baseline,
        frame_bytes: frames,
        quic_udp_bytes: quic,
        frame_ratio: frames as f64 / baseline.max(1) as f64,
        quic_ratio: quic as f64 / baseline.max(1) as f64,
        latency_ms_p50: percentile(&latencies, 0.5),
        latency_ms_max: percentile(&latencies, 1.0),
    })
}

/// Benchmark 3.
pub async fn bench_propagation(rounds: usize) -> Result<PropagationBench> {
    let directory = tempfile::tempdir()?;
    let (_, tree) = run_demo(directory.path()).await?;
    let samples = tokio::task::spawn_blocking(|| parse_samples(DEMO_PERIOD)).await??;
    let root = tree.topology.root().code;
    let counties: Vec<DivisionCode> = tree
        .topology
        .iter()
        .filter(|entry| tree.topology.children_of(entry.code).is_empty())
        .map(|entry| entry.code)
        .collect();
    let root_handle = tree.root().handle.clone();
    let mut latencies = Vec::new();
    for round in 0..rounds {
        let county = counties[round % counties.len()];
        let record = samples
            .get(&(county, Ledger::Energy))
            .and_then(|records| {
                records
                    .iter()
                    .find(|record| record.table() == Table::EnergyConsumption)
            })
            .ok_or_else(|| anyhow!("no energy consumption sample for {county}"))?;
        let changed = bump_quantity(record, round)?;
        let handle = tree.node(county)?.handle.clone();
        let started = Instant::now();
        let outcome = tokio::task::spawn_blocking(move || {
            handle.with_core(|core| {
                core.import_records(Ledger::Energy, DEMO_PERIOD, &[changed], unix_ms())?;
                core.submit(Ledger::Energy, DEMO_PERIOD, &Actor::node(), unix_ms())
            })
        })
        .await??;
        let hash = outcome.hash.clone();
        wait_for(
            || {
                root_handle.with_core(|core| {
                    core.coverage(root, Ledger::Energy, DEMO_PERIOD)
                        .submissions
                        .iter()
                        .any(|included| included.to_hex() == hash)
                })
            },
            "the region's rollup to include the county's submission",
        )
        .await?;
        latencies.push(milliseconds(started.elapsed()));
    }
    tree.shutdown().await?;
    Ok(PropagationBench {
        rounds,
        latency_ms_p50: percentile(&latencies, 0.5),
        latency_ms_p90: percentile(&latencies, 0.9),
        latency_ms_max: percentile(&latencies, 1.0),
    })
}

/// The same energy record with its quantity raised, so that a re-import changes the document.
fn bump_quantity(record: &Record, round: usize) -> Result<Record> {
    if record.table() != Table::EnergyConsumption {
        bail!("expected an energy record, found {:?}", record.table());
    }
    let quantity = record.amount("quantity") + schemas::Decimal::from(round as u64 + 1);
    Ok(record.with("quantity", &quantity.to_string())?)
}

fn render(report: &BenchReport) -> String {
    let mut text = String::new();
    if let Some(import) = &report.import {
        let _ = writeln!(
            text,
            "import: {} dispatch orders ({} KiB of CSV): parse {:.0} ms + write {:.0} ms = {:.0} records/s; \
             baseline one put per field {:.0} ms = {:.0} records/s; batch is {:.1}x the baseline; stored {} KiB",
            import.records,
            import.csv_bytes / 1024,
            import.parse_ms,
            import.write_ms,
            import.records_per_second,
            import.baseline_put_per_field_ms,
            import.baseline_records_per_second,
            import.speedup_over_baseline,
            import.stored_document_bytes / 1024
        );
    }
    if let Some(sync) = &report.sync {
        let _ = writeln!(
            text,
            "sync of one new record, county to city (median of {} rounds): in-memory automerge sync {} B; \
             huizong frames {} B ({:.2}x); QUIC UDP payload {} B ({:.2}x); latency p50 {:.1} ms, max {:.1} ms",
            sync.rounds,
            sync.baseline_automerge_bytes,
            sync.frame_bytes,
            sync.frame_ratio,
            sync.quic_udp_bytes,
            sync.quic_ratio,
            sync.latency_ms_p50,
            sync.latency_ms_max
        );
    }
    if let Some(propagation) = &report.propagation {
        let _ = writeln!(
            text,
            "propagation in the Ningxia tree, county submit to region rollup ({} rounds): p50 {:.1} ms, p90 {:.1} ms, max {:.1} ms",
            propagation.rounds,
            propagation.latency_ms_p50,
            propagation.latency_ms_p90,
            propagation.latency_ms_max
        );
    }
    if let Some(xlsx) = &report.import_xlsx {
        let _ = writeln!(
            text,
            "import-xlsx: {} energy rows ({} KiB of XLSX): read and check {:.0} ms + write {:.0} ms = {:.0} rows/s; \
             baseline the same rows from CSV {:.0} rows/s ({:.2}x); resident memory {:.0} MiB before, \
             peak {:.0} MiB (CSV: {:.0} MiB before, peak {:.0} MiB){}",
            xlsx.rows,
            xlsx.xlsx_bytes / 1024,
            xlsx.read_and_parse_ms,
            xlsx.write_ms,
            xlsx.rows_per_second,
            xlsx.baseline_csv_rows_per_second,
            xlsx.xlsx_over_csv,
            xlsx.resident_mib_before,
            xlsx.peak_resident_mib,
            xlsx.baseline_csv_resident_mib_before,
            xlsx.baseline_csv_peak_resident_mib,
            if xlsx.peaks_reset {
                ""
            } else {
                "; peaks are the process's (could not reset them)"
            }
        );
    }
    if let Some(console) = &report.console_pages {
        for page in &console.pages {
            let _ = writeln!(
                text,
                "console-pages: {} ({} nodes) {} page, {} KiB: first {:.1} ms, median {:.1} ms, p90 {:.1} ms, \
                 max {:.1} ms over {} requests; baseline the operation alone {:.1} ms ({:.2}x)",
                page.tree,
                page.nodes,
                page.page,
                page.page_bytes / 1024,
                page.first_ms,
                page.median_ms,
                page.p90_ms,
                page.max_ms,
                page.rounds,
                page.baseline_operation_median_ms,
                page.page_over_operation
            );
        }
    }
    if let Some(bulk) = &report.bulk_sync {
        let huizong = &bulk.huizong;
        let lower = &bulk.lower_bound;
        let samod = &bulk.samod;
        let _ = writeln!(
            text,
            "bulk-sync of {} dispatch orders ({} KiB saved), county to city:\n  \
             huizong (two processes, QUIC, sled): submit {:.0} ms, then sync to the city's rollup {:.0} ms \
             (total {:.0} ms); wire {} KiB; city stored {} KiB; peak memory county {:.0} MiB, city {:.0} MiB\n  \
             lower bound (two automerge peers in memory): load {:.0} + sync {:.0} + save {:.0} = {:.0} ms; \
             sync messages {} KiB; saved {} KiB; loaded document {:.0} MiB; peak {:.0} MiB\n  \
             samod 0.16 (two processes, TCP, filesystem): {:.0} ms; wire {} KiB; parent stored {} KiB, \
             child stored {} KiB; peak memory child {:.0} MiB, parent {:.0} MiB\n  \
             ratios (huizong's sync over): lower bound {:.2}x, samod {:.2}x; with the submit {:.2}x samod",
            bulk.records,
            bulk.document_bytes / 1024,
            huizong.submit_ms,
            huizong.sync_ms,
            huizong.total_ms,
            huizong.wire_bytes / 1024,
            huizong.city_stored_bytes / 1024,
            huizong.county_peak_resident_mib,
            huizong.city_peak_resident_mib,
            lower.load_ms,
            lower.sync_ms,
            lower.save_ms,
            lower.total_ms,
            lower.sync_message_bytes / 1024,
            lower.saved_bytes / 1024,
            lower.loaded_document_mib,
            lower.peak_resident_mib,
            samod.total_ms,
            samod.wire_bytes / 1024,
            samod.parent_stored_bytes / 1024,
            samod.child_stored_bytes / 1024,
            samod.child_peak_resident_mib,
            samod.parent_peak_resident_mib,
            bulk.ratio_to_lower_bound,
            bulk.ratio_to_samod,
            bulk.ratio_to_samod_with_submit,
        );
    }
    text
}

/// `huizong bench`.
pub fn run(options: BenchOptions) -> Result<()> {
    if peer::run_if_asked()? {
        return Ok(());
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let wants = |name: &str| options.only.as_deref().is_none_or(|only| only == name);
    if let Some(only) = &options.only
        && ![
            "import",
            "sync",
            "propagation",
            "import-xlsx",
            "console-pages",
            "bulk-sync",
        ]
        .contains(&only.as_str())
    {
        bail!(
            "unknown benchmark {only:?}: expected import, sync, propagation, import-xlsx, console-pages or bulk-sync"
        );
    }
    let report = runtime.block_on(async {
        let mut report = BenchReport::default();
        if wants("import") {
            report.import = Some(bench_import(options.records).await?);
        }
        if wants("sync") {
            report.sync = Some(bench_sync(options.rounds).await?);
        }
        if wants("propagation") {
            report.propagation = Some(bench_propagation(options.rounds).await?);
        }
        if wants("import-xlsx") {
            let rows = options.records;
            report.import_xlsx =
                Some(tokio::task::spawn_blocking(move || bench_xlsx_import(rows)).await??);
        }
        if wants("console-pages") {
            report.console_pages = Some(bench_console_pages(options.rounds).await?);
        }
        if options.only.as_deref() == Some("bulk-sync") {
            let records = options.records;
            report.bulk_sync =
                Some(tokio::task::spawn_blocking(move || bench_bulk_sync(records)).await??);
        }
        anyhow::Ok(report)
    })?;
    if options.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", render(&report));
    }
    Ok(())
}
