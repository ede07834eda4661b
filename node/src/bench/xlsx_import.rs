//! Benchmark 4, `--only import-xlsx`: 100,000 monthly energy rows imported from an XLSX workbook
//! (read with calamine, every cell checked, written into one ledger document and stored durably),
//! rows per second and the process's peak memory; baseline: the same rows from a CSV file in the
//! same run.
//!
//! Peak memory is the kernel's high-water mark of the process's resident set (`VmHWM`), reset
//! (through `/proc/self/clear_refs`) after the test files are written and before each import, so
//! each figure belongs to its import alone: the XLSX import's peak against the CSV import's.

use std::path::Path;
use std::time::Instant;

use anyhow::{Result, bail};
use schemas::records::{Carrier, CreditCode};
use schemas::{Decimal, Ledger};
use serde::Serialize;

use super::memory::{peak_resident_mib, reset_peak, resident_mib};
use super::milliseconds;
use crate::clock::unix_ms;
use crate::demo::DEMO_PERIOD;
use crate::directory::NodeDirectory;
use crate::import::{ImportTarget, Progress, parse_csv, parse_workbook};
use crate::local_tree;
use crate::spreadsheet::{CellOut, SheetOut, write_workbook};

/// Results of the XLSX import benchmark.
#[derive(Debug, Clone, Serialize)]
pub struct XlsxImportBench {
    pub rows: usize,
    pub xlsx_bytes: u64,
    /// Reading the workbook and checking every row.
    pub read_and_parse_ms: f64,
    /// Writing the records into the document and storing it.
    pub write_ms: f64,
    pub rows_per_second: f64,
    /// The same rows from CSV, parsed and written the same way into another county's document.
    pub baseline_csv_rows_per_second: f64,
    pub xlsx_over_csv: f64,
    /// Resident memory before the XLSX import and its peak during it, MiB.
    pub resident_mib_before: f64,
    pub peak_resident_mib: f64,
    /// The same for the CSV import, MiB.
    pub baseline_csv_resident_mib_before: f64,
    pub baseline_csv_peak_resident_mib: f64,
    /// Whether the peaks could be reset between stages; when not, each peak is the process's.
    pub peaks_reset: bool,
}

/// Energy rows: institutions × 12 months × carriers, `rows` of them.
fn energy_rows(rows: usize) -> Vec<[String; 5]> {
    let carriers = Carrier::ALL;
    let per_institution = 12 * carriers.len();
    let mut out = Vec::with_capacity(rows);
    for index in 0..rows {
        let institution = index / per_institution;
        let within = index % per_institution;
        let carrier = carriers[within / 12];
        let month = within % 12 + 1;
        let credit = CreditCode::with_check_digit(&format!("12640104MB{institution:07}"))
            .expect("a generated code has a valid body");
        let quantity = Decimal::new((index % 90_000 + 100) as i64, 1);
        out.push([
            credit.as_str().to_owned(),
            format!("2025-{month:02}"),
            carrier.name_zh().to_owned(),
            quantity.to_string(),
            (quantity * Decimal::new(6, 1)).round_dp(2).to_string(),
        ]);
    }
    out
}

const HEADER: [&str; 5] = [
    "统一社会信用代码",
    "统计月份",
    "能源品种",
    "消费量",
    "金额（元）",
];

/// Imports parsed records into a county's document and returns the write time.
fn write_into(directory: &Path, county: &str, records: &[schemas::Record]) -> Result<f64> {
    let node_directory = NodeDirectory::existing(&directory.join(county))?;
    let mut core = node_directory.open_core()?;
    let started = Instant::now();
    core.import_records(Ledger::Energy, DEMO_PERIOD, records, unix_ms())?;
    Ok(milliseconds(started.elapsed()))
}

/// Benchmark 4.
pub fn bench_xlsx_import(rows: usize) -> Result<XlsxImportBench> {
    let directory = tempfile::tempdir()?;
    let topology = local_tree::ningxia_city_with_counties(2)?;
    drop(local_tree::prepare(&topology, directory.path())?);
    let data = energy_rows(rows);
    let workbook = directory.path().join("energy.xlsx");
    write_workbook(
        &workbook,
        &[SheetOut {
            name: "能源资源消费".to_owned(),
            header: HEADER.map(str::to_owned).to_vec(),
            rows: data
                .iter()
                .map(|row| {
                    vec![
                        CellOut::Text(row[0].clone()),
                        CellOut::Text(row[1].clone()),
                        CellOut::Text(row[2].clone()),
                        CellOut::Number(row[3].parse().expect("generated")),
                        CellOut::Number(row[4].parse().expect("generated")),
                    ]
                })
                .collect(),
            ..SheetOut::default()
        }],
    )?;
    let mut csv = HEADER.join(",");
    csv.push('\n');
    for row in &data {
        csv.push_str(&row.join(","));
        csv.push('\n');
    }
    drop(data);
    let target = ImportTarget {
        ledger: Ledger::Energy,
        period: DEMO_PERIOD,
        table: None,
        topology: Some(&topology),
        allow_empty: false,
    };

    let peaks_reset = reset_peak();
    let resident_mib_before = resident_mib();
    let started = Instant::now();
    let mut sheets = parse_workbook(&workbook, None, &target, &Progress::hidden())?;
    let Some(parsed) = sheets.pop() else {
        bail!("the workbook's sheet was not read");
    };
    let read_and_parse_ms = milliseconds(started.elapsed());
    if parsed.records.len() != rows {
        bail!("{} records parsed from {rows} rows", parsed.records.len());
    }
    let write_ms = write_into(directory.path(), "640104000000", &parsed.records)?;
    drop(parsed);
    let rows_per_second = rows as f64 / ((read_and_parse_ms + write_ms) / 1000.0);
    let xlsx_peak_resident_mib = peak_resident_mib();

    let peaks_reset = reset_peak() && peaks_reset;
    let baseline_csv_resident_mib_before = resident_mib();
    let started = Instant::now();
    let parsed = parse_csv("energy.csv", csv.as_bytes(), &target, &Progress::hidden())?;
    let csv_parse_ms = milliseconds(started.elapsed());
    let csv_write_ms = write_into(directory.path(), "640105000000", &parsed.records)?;
    let baseline_csv_rows_per_second = rows as f64 / ((csv_parse_ms + csv_write_ms) / 1000.0);
    let baseline_csv_peak_resident_mib = peak_resident_mib();

    Ok(XlsxImportBench {
        rows,
        xlsx_bytes: std::fs::metadata(&workbook)?.len(),
        read_and_parse_ms,
        write_ms,
        rows_per_second,
        baseline_csv_rows_per_second,
        xlsx_over_csv: rows_per_second / baseline_csv_rows_per_second,
        resident_mib_before,
        peak_resident_mib: xlsx_peak_resident_mib,
        baseline_csv_resident_mib_before,
        baseline_csv_peak_resident_mib,
        peaks_reset,
    })
}
