//! Measures what the inflation caps (`protocol/src/limits.rs`, `InflationLimits`) must admit: the
//! largest legitimate document, a county's vehicle ledger of N dispatch orders, written with the
//! project's own writer.
//!
//! ```sh
//! cargo run --release -p node --example inflation_caps -- --records 2000000
//! cargo run --release -p node --example inflation_caps -- --rle-operations 10000000
//! ```
//!
//! With `--records N` it prints the document's compressed save (as the node stores it), its size
//! once inflated through `protocol::inflation`, the operations it claims, the messages a fresh
//! parent receives when it syncs the document with automerge sync (wire and inflated bytes, and
//! their ratio), and the peak resident memory. With `--rle-operations N` it runs the run-length
//! experiment instead: a change chunk of a few dozen bytes whose columns claim N operations in
//! one run each, loaded by automerge with the time and memory it takes.

use protocol::inflation::write_unsigned;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use automerge::sync::{Message as SyncMessage, State as SyncState, SyncDoc};
use automerge::{Automerge, ReadDoc, SaveOptions};
use node::bench::memory::{peak_resident_mib, reset_peak, resident_mib};
use node::demo::DEMO_PERIOD;
use node::import::{ImportTarget, Progress, parse_csv};
use protocol::inflation::DocumentBudget;
use protocol::limits::{InflationLimits, MAX_FRAME_BYTES};
use schemas::Ledger;
use schemas::document::{self, DocumentMeta};
use topology::DivisionCode;

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

fn main() -> Result<()> {
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    let value_of = |name: &str| -> Result<Option<u64>> {
        match arguments.iter().position(|argument| argument == name) {
            None => Ok(None),
            Some(index) => {
                let value = arguments
                    .get(index + 1)
                    .with_context(|| format!("{name} needs a number"))?;
                Ok(Some(value.replace('_', "").parse()?))
            }
        }
    };
    if let Some(operations) = value_of("--rle-operations")? {
        return run_length_experiment(operations);
    }
    let records = value_of("--records")?.unwrap_or(2_000_000);
    measure_document(usize::try_from(records)?)
}

fn measure_document(n_records: usize) -> Result<()> {
    let started = Instant::now();
    let csv = node::bench::dispatch_orders_csv(n_records)?;
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
    drop(csv);
    let meta = DocumentMeta {
        owner: DivisionCode::parse("640104000000")?,
        ledger: Ledger::Vehicles,
        period: DEMO_PERIOD,
        schema_version: document::SCHEMA_VERSION,
    };
    let mut full = document::new_document(&meta, 0)?;
    document::write_records(&mut full, &parsed.records, 0)?;
    drop(parsed);
    println!("records: {n_records}");
    println!(
        "built in {:.1} s, resident {:.0} MiB",
        started.elapsed().as_secs_f64(),
        resident_mib()
    );

    // As node/src/core/documents.rs stores it.
    let save = full.save_with_options(SaveOptions {
        deflate: true,
        retain_orphans: false,
    });
    let mut budget = DocumentBudget::new(InflationLimits::unbounded());
    let rewrite_started = Instant::now();
    let uncompressed = budget.rewrite(&save)?;
    let rewrite_seconds = rewrite_started.elapsed().as_secs_f64();
    println!(
        "compressed save: {} bytes ({:.1} MiB)",
        save.len(),
        mib(save.len() as u64)
    );
    println!(
        "inflated through protocol::inflation: {} bytes ({:.1} MiB), ratio {:.2}, in {:.2} s",
        budget.inflated_bytes(),
        mib(budget.inflated_bytes()),
        budget.inflated_bytes() as f64 / save.len() as f64,
        rewrite_seconds
    );
    println!(
        "operations claimed (action column rows): {}",
        budget.operations()
    );
    let load_started = Instant::now();
    let loaded = Automerge::load(&uncompressed)?;
    println!(
        "automerge loads the uncompressed save in {:.2} s",
        load_started.elapsed().as_secs_f64()
    );
    if loaded.get_heads() != full.get_heads() {
        bail!("the uncompressed save does not load to the same heads");
    }
    drop(loaded);
    drop(uncompressed);

    // A fresh parent syncs the document: it asks first, the child answers, until neither has
    // anything to say. Every message to the parent goes through the wrapper, as in a session.
    reset_peak();
    let before_sync = resident_mib();
    let mut parent = Automerge::new();
    let mut parent_state = SyncState::new();
    let mut child_state = SyncState::new();
    let mut pull = DocumentBudget::new(InflationLimits::unbounded());
    let mut largest_ratio = 0.0f64;
    let mut n_messages = 0;
    for _ in 0..64 {
        let request = parent.generate_sync_message(&mut parent_state);
        if let Some(request) = request.clone() {
            full.receive_sync_message(&mut child_state, request)?;
        }
        let answer = full.generate_sync_message(&mut child_state);
        let Some(answer) = answer.clone() else {
            if request.is_none() {
                break;
            }
            continue;
        };
        let wire = answer.encode();
        let before = pull.inflated_bytes();
        let decoded = SyncMessage::decode(&wire)?;
        let rewritten = pull.rewrite_sync_message(decoded, wire.len() as u64)?;
        let inflated = pull.inflated_bytes() - before;
        let ratio = inflated as f64 / wire.len() as f64;
        largest_ratio = largest_ratio.max(ratio);
        n_messages += 1;
        println!(
            "message {n_messages} to the parent: {} bytes on the wire ({:.1} MiB{}), {} inflated \
             ({:.1} MiB), ratio {:.2}",
            wire.len(),
            mib(wire.len() as u64),
            if wire.len() > MAX_FRAME_BYTES {
                ", MORE than MAX_FRAME_BYTES"
            } else {
                ""
            },
            inflated,
            mib(inflated),
            ratio
        );
        parent.receive_sync_message(&mut parent_state, rewritten)?;
    }
    if parent.get_heads() != full.get_heads() {
        bail!("the parent did not reach the child's heads");
    }
    println!(
        "sync: {n_messages} messages to the parent, {} bytes inflated in all, {} operations",
        pull.inflated_bytes(),
        pull.operations()
    );
    println!("largest per-message ratio: {largest_ratio:.2}");
    println!(
        "the parent's peak during the sync: {:.0} MiB over {:.0} MiB before",
        peak_resident_mib() - before_sync,
        before_sync
    );
    drop(parent);

    // The same document as change chunks (what an incremental sync sends), applied to an empty
    // document: the memory automerge needs per operation for honest changes.
    let changes: Vec<u8> = full
        .get_changes(&[])
        .iter()
        .flat_map(|change| change.raw_bytes().to_vec())
        .collect();
    reset_peak();
    let before_changes = resident_mib();
    let started_changes = Instant::now();
    let mut applied = Automerge::new();
    applied.load_incremental(&changes)?;
    let peak = peak_resident_mib() - before_changes;
    println!(
        "as change chunks: {} bytes, applied in {:.1} s, peak {:.0} MiB over before, {:.0} bytes \
         per operation",
        changes.len(),
        started_changes.elapsed().as_secs_f64(),
        peak,
        peak * 1024.0 * 1024.0 / budget.operations() as f64
    );
    println!(
        "peak resident memory: {:.0} MiB, total time {:.1} s",
        peak_resident_mib(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn write_signed(out: &mut Vec<u8>, mut value: i64) {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        let done = (value == 0 && byte & 0x40 == 0) || (value == -1 && byte & 0x40 != 0);
        if done {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// A change chunk (type 1) by a fresh actor whose op columns hold one run of `operations` rows
/// each: `operations` puts of null at key "x" of the root map.
fn run_length_change(operations: u64) -> Vec<u8> {
    let count = i64::try_from(operations).expect("fewer than 2^63 operations");
    let mut columns: Vec<(u32, Vec<u8>)> = Vec::new();
    // Key string (column 1, string): "x" repeated.
    let mut key = Vec::new();
    write_signed(&mut key, count);
    write_unsigned(&mut key, 1);
    key.push(b'x');
    columns.push(((1 << 4) | 5, key));
    // Insert (column 3, boolean): runs alternate starting with false, so one run of false.
    let mut insert = Vec::new();
    write_unsigned(&mut insert, operations);
    columns.push(((3 << 4) | 4, insert));
    // Action (column 4, integer): 1, a put.
    let mut action = Vec::new();
    write_signed(&mut action, count);
    write_unsigned(&mut action, 1);
    columns.push(((4 << 4) | 2, action));
    // Value metadata (column 5): type null, length 0.
    let mut value = Vec::new();
    write_signed(&mut value, count);
    write_unsigned(&mut value, 0);
    columns.push(((5 << 4) | 6, value));
    // Predecessor group (column 7): no predecessors.
    let mut predecessors = Vec::new();
    write_signed(&mut predecessors, count);
    write_unsigned(&mut predecessors, 0);
    columns.push((7 << 4, predecessors));

    let mut body = Vec::new();
    write_unsigned(&mut body, 0); // dependencies
    write_unsigned(&mut body, 16); // actor
    body.extend([0x5a; 16]);
    write_unsigned(&mut body, 1); // sequence
    write_unsigned(&mut body, 1); // start operation
    write_signed(&mut body, 0); // time
    write_unsigned(&mut body, 0); // message
    write_unsigned(&mut body, 0); // other actors
    write_unsigned(&mut body, columns.len() as u64);
    for (spec, data) in &columns {
        write_unsigned(&mut body, u64::from(*spec));
        write_unsigned(&mut body, data.len() as u64);
    }
    for (_, data) in &columns {
        body.extend(data);
    }
    let mut hashed = vec![1u8];
    write_unsigned(&mut hashed, body.len() as u64);
    hashed.extend(&body);
    let hash = <sha2::Sha256 as sha2::Digest>::digest(&hashed);
    let mut chunk = vec![
        0x85, 0x6f, 0x4a, 0x83, hash[0], hash[1], hash[2], hash[3], 1,
    ];
    write_unsigned(&mut chunk, body.len() as u64);
    chunk.extend(body);
    chunk
}

fn run_length_experiment(operations: u64) -> Result<()> {
    let chunk = run_length_change(operations);
    println!(
        "a change chunk of {} bytes claiming {operations} operations",
        chunk.len()
    );
    let mut budget = DocumentBudget::new(InflationLimits::default());
    match budget.rewrite(&chunk) {
        Ok(_) => println!("the default caps admit it"),
        Err(error) => println!("the default caps refuse it: {error}"),
    }

    reset_peak();
    let before = resident_mib();
    let started = Instant::now();
    let mut fresh = Automerge::new();
    let result = fresh.load_incremental(&chunk);
    println!(
        "load_incremental into an empty document: {:?} in {:.2} s, peak {:.0} MiB over {:.0} MiB \
         before, {} operations held",
        result.map_err(|error| error.to_string()),
        started.elapsed().as_secs_f64(),
        peak_resident_mib() - before,
        before,
        fresh.length(automerge::ROOT)
    );

    reset_peak();
    let before = resident_mib();
    let started = Instant::now();
    let save = fresh.save();
    println!(
        "its save: {} bytes, in {:.2} s, peak {:.0} MiB over before",
        save.len(),
        started.elapsed().as_secs_f64(),
        peak_resident_mib() - before
    );
    drop(fresh);

    reset_peak();
    let before = resident_mib();
    let started = Instant::now();
    let loaded = Automerge::load(&save);
    println!(
        "Automerge::load of that save: {} in {:.2} s, peak {:.0} MiB over {:.0} MiB before",
        if loaded.is_ok() { "ok" } else { "refused" },
        started.elapsed().as_secs_f64(),
        peak_resident_mib() - before,
        before
    );
    Ok(())
}
