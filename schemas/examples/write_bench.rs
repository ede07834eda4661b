//! Measures how fast `write_records` writes: 100,000 dispatch orders into a new document in one
//! change, then 10,000 more into the filled table, then a save, a load and a full read for
//! comparison.
//!
//! Run with `cargo run --release -p schemas --example write_bench`. The times are printed, not
//! asserted: machines differ.

use std::time::Instant;

use automerge::Automerge;
use schemas::document::{new_document, read_records, write_records};
use schemas::records::Plate;
use schemas::{DateTime, Decimal, DocumentMeta, Ledger, Period, Record, SCHEMA_VERSION, Table};
use topology::DivisionCode;

/// Records written into a new document, about what a large county logs in a year.
const RECORDS: usize = 100_000;

/// Records then added to the filled table, as a later import would.
const RECORDS_APPENDED: usize = 10_000;

/// 2025-01-01 00:00:00 UTC.
const TIME_MS: i64 = 1_735_689_600_000;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let meta = DocumentMeta {
        owner: DivisionCode::parse("640104000000")?,
        ledger: Ledger::Vehicles,
        period: Period::parse("2025")?,
        schema_version: SCHEMA_VERSION,
    };
    let plates: Vec<Plate> = (0..100)
        .map(|index| Plate::parse(&format!("宁A{:05}", 10_000 + index)))
        .collect::<Result<_, _>>()?;
    let records = dispatch_orders(&plates, 0, RECORDS)?;

    let mut doc = new_document(&meta, TIME_MS)?;
    let started = Instant::now();
    let written = write_records(&mut doc, &records, TIME_MS + 1_000)?;
    let write_seconds = started.elapsed().as_secs_f64();
    println!(
        "write_records into an empty table (one batch for the table): {written} records in \
         {write_seconds:.3} s = {:.0} records/s",
        written as f64 / write_seconds
    );

    let more = dispatch_orders(&plates, RECORDS, RECORDS_APPENDED)?;
    let started = Instant::now();
    let appended = write_records(&mut doc, &more, TIME_MS + 2_000)?;
    let append_seconds = started.elapsed().as_secs_f64();
    println!(
        "write_records into a filled table (one batch per record): {appended} records in \
         {append_seconds:.3} s = {:.0} records/s",
        appended as f64 / append_seconds
    );

    let started = Instant::now();
    let saved = doc.save();
    println!(
        "save: {} bytes in {:.3} s",
        saved.len(),
        started.elapsed().as_secs_f64()
    );
    let started = Instant::now();
    let loaded = Automerge::load(&saved)?;
    println!("load: {:.3} s", started.elapsed().as_secs_f64());
    let started = Instant::now();
    let read = read_records(&loaded)?;
    let read_seconds = started.elapsed().as_secs_f64();
    println!(
        "read_records: {} records in {read_seconds:.3} s = {:.0} records/s",
        read.len(),
        read.len() as f64 / read_seconds
    );
    Ok(())
}

/// Dispatch orders numbered from `first`, spread over the days of 2025.
fn dispatch_orders(
    plates: &[Plate],
    first: usize,
    count: usize,
) -> Result<Vec<Record>, Box<dyn std::error::Error>> {
    let mut records = Vec::with_capacity(count);
    for index in first..first + count {
        let day_of_year = index % 365;
        let month = day_of_year / 31 + 1;
        let day = day_of_year % 28 + 1;
        let hour = index % 10 + 7;
        let start = DateTime::parse(&format!("2025-{month:02}-{day:02} {hour:02}:00"))?;
        let end = DateTime::parse(&format!("2025-{month:02}-{day:02} {:02}:30", hour + 2))?;
        records.push(Record::from_texts(
            Table::DispatchOrders.spec(),
            &[
                ("order_id", &format!("PC-2025-{index:07}")),
                ("plate", plates[index % plates.len()].as_str()),
                ("start", &start.to_string()),
                ("end", &end.to_string()),
                ("purpose", "公务活动"),
                (
                    "distance_km",
                    &Decimal::new((index % 5_000) as i64, 1).to_string(),
                ),
            ],
        )?);
    }
    Ok(records)
}
