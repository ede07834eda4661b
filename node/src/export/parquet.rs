//! Parquet export of a subtree, for analysis in an engine that reads a whole country at once
//! (DuckDB, Spark, Trino): the raw records of every counted submission the node holds, and the
//! figures of every rollup, partitioned hive-style so that an engine prunes by path.
//!
//! ```text
//! OUT/records/ledger=energy/table=energy_consumption/period=2025/part-0.parquet
//! OUT/figures/ledger=energy/period=2025/part-0.parquet
//! ```
//!
//! Each record row carries its provenance: the owner's division code (`node_code`), the hash of the signed
//! submission it was counted from, the public key that signed it, the person who submitted it and
//! the submission's sequence; then the record's id and one column per field of its table (amounts
//! as exact decimals, counts and years as integers, yes/no as booleans, days as dates, everything
//! else as its canonical text). Only counted submissions are exported: the latest, or while the
//! root has the period closed the latest before the closing (`NodeCore::counted_submission`).
//! Each figure row names its node (`node_code`), the figure, its exact value, and the rollup's sequence and hash.
//!
//! The export is written into a staging directory beside `OUT` and renamed into place at the end,
//! so a failure never leaves half an export; `OUT` must not exist.

use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result, anyhow, bail};
use arrow_array::{
    ArrayRef, BooleanArray, Date32Array, Decimal128Array, RecordBatch, StringArray, UInt64Array,
};
use arrow_schema::{DataType, Field, Schema};
use parquet::arrow::ArrowWriter;
use schemas::records::{FieldKind, Record, Value};
use schemas::table::Table;
use schemas::{Decimal, Ledger, Period};
use serde::{Deserialize, Serialize};
use topology::DivisionCode;

use crate::core::NodeCore;

/// Decimal places of an amount column (`schemas::records::amount::AMOUNT_FRACTION_DIGITS_MAX`).
const AMOUNT_SCALE: i8 = 4;
/// Digits of an amount column: twelve before the point and four after.
const AMOUNT_PRECISION: u8 = 16;
/// Decimal places of a figure value.
const FIGURE_SCALE: i8 = 6;
/// Digits of a figure value: twenty-two before the point and six after.
const FIGURE_PRECISION: u8 = 28;

/// One file written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParquetFile {
    /// Relative to the export's directory.
    pub path: String,
    pub rows: u64,
}

/// What an export wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParquetExport {
    pub node: DivisionCode,
    pub directory: String,
    /// Counted submissions whose records were written.
    pub submissions: u64,
    pub records: u64,
    pub figures: u64,
    pub files: Vec<ParquetFile>,
}

/// Where one counted record came from.
struct Provenance {
    owner: DivisionCode,
    submission_hash: String,
    signer_key: String,
    submitted_by: Option<String>,
    sequence: u64,
}

/// The records of one partition (ledger, table, period), each with its provenance.
type Partition = Vec<(Arc<Provenance>, Record)>;

/// Exports the subtree this node holds into `out` (see the module documentation), only `ledger`
/// and `period` when given.
pub fn export_subtree(
    core: &mut NodeCore,
    out: &Path,
    ledger: Option<Ledger>,
    period: Option<Period>,
) -> Result<ParquetExport> {
    if out.exists() {
        bail!(crate::t!("cli.export.parquet_exists", dir = out.display()));
    }
    let wanted = |key_ledger: Ledger, key_period: Period| {
        ledger.is_none_or(|ledger| ledger == key_ledger)
            && period.is_none_or(|period| period == key_period)
    };
    let keys: Vec<protocol::DocumentKey> = core
        .latest_submissions()
        .map(|accepted| accepted.submission.payload().key)
        .filter(|key| wanted(key.ledger, key.period))
        .collect();
    let mut partitions: BTreeMap<(Ledger, Table, Period), Partition> = BTreeMap::new();
    let mut submissions = 0;
    for key in keys {
        let Some((counted, records)) = core.counted_records(&key)? else {
            continue;
        };
        submissions += 1;
        let payload = counted.submission.payload();
        let provenance = Arc::new(Provenance {
            owner: key.owner,
            submission_hash: counted.submission.hash().to_hex(),
            signer_key: topology::PublicKey::from_bytes(&counted.submission.envelope().signer_key)
                .map(|key| key.to_string())
                .unwrap_or_default(),
            submitted_by: payload.submitted_by.clone(),
            sequence: payload.sequence,
        });
        for record in records {
            partitions
                .entry((key.ledger, record.table(), key.period))
                .or_default()
                .push((provenance.clone(), record));
        }
    }
    let mut figures: BTreeMap<(Ledger, Period), Vec<FigureRow>> = BTreeMap::new();
    for rollup in core.latest_rollups() {
        let payload = rollup.payload();
        if !wanted(payload.ledger, payload.period) {
            continue;
        }
        let rows = figures.entry((payload.ledger, payload.period)).or_default();
        for (name, value) in payload.figures.iter() {
            rows.push(FigureRow {
                node: payload.node,
                figure: name.to_owned(),
                value,
                rollup_sequence: payload.sequence,
                rollup_hash: rollup.hash().to_hex(),
            });
        }
    }

    let staging = staging_path(out);
    let written = write_all(&staging, &partitions, &figures);
    let files = match written {
        Ok(files) => files,
        Err(error) => {
            let _ = std::fs::remove_dir_all(&staging);
            return Err(error);
        }
    };
    std::fs::rename(&staging, out)
        .with_context(|| crate::t!("errors.cannot_write", file = out.display()).into_owned())?;
    Ok(ParquetExport {
        node: core.code(),
        directory: out.display().to_string(),
        submissions,
        records: partitions.values().map(|rows| rows.len() as u64).sum(),
        figures: figures.values().map(|rows| rows.len() as u64).sum(),
        files,
    })
}

/// Where an export is written before it is renamed into place.
fn staging_path(out: &Path) -> PathBuf {
    let mut name = out.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".partial-{}", std::process::id()));
    out.with_file_name(name)
}

struct FigureRow {
    node: DivisionCode,
    figure: String,
    value: Decimal,
    rollup_sequence: u64,
    rollup_hash: String,
}

fn write_all(
    root: &Path,
    partitions: &BTreeMap<(Ledger, Table, Period), Partition>,
    figures: &BTreeMap<(Ledger, Period), Vec<FigureRow>>,
) -> Result<Vec<ParquetFile>> {
    let mut files = Vec::new();
    for ((ledger, table, period), rows) in partitions {
        let relative = PathBuf::from("records")
            .join(format!("ledger={}", ledger.slug()))
            .join(format!("table={}", table.slug()))
            .join(format!("period={period}"))
            .join("part-0.parquet");
        write_batch(&root.join(&relative), &records_batch(*table, rows)?)?;
        files.push(ParquetFile {
            path: relative.display().to_string(),
            rows: rows.len() as u64,
        });
    }
    for ((ledger, period), rows) in figures {
        let relative = PathBuf::from("figures")
            .join(format!("ledger={}", ledger.slug()))
            .join(format!("period={period}"))
            .join("part-0.parquet");
        write_batch(&root.join(&relative), &figures_batch(rows)?)?;
        files.push(ParquetFile {
            path: relative.display().to_string(),
            rows: rows.len() as u64,
        });
    }
    if files.is_empty() {
        std::fs::create_dir_all(root).with_context(|| {
            crate::t!("errors.cannot_write", file = root.display()).into_owned()
        })?;
    }
    Ok(files)
}

fn write_batch(path: &Path, batch: &RecordBatch) -> Result<()> {
    let parent = path.parent().expect("a partition file has a directory");
    std::fs::create_dir_all(parent)
        .with_context(|| crate::t!("errors.cannot_write", file = parent.display()).into_owned())?;
    let file = File::create(path)
        .with_context(|| crate::t!("errors.cannot_write", file = path.display()).into_owned())?;
    let mut writer = ArrowWriter::try_new(file, batch.schema(), None)?;
    writer.write(batch)?;
    writer.close()?;
    Ok(())
}

/// A decimal as the integer of its digits at `scale` places (every value here has at most that
/// many places, so nothing is rounded).
fn scaled(value: Decimal, scale: i8) -> i128 {
    let mut value = value;
    value.rescale(u32::try_from(scale).expect("a non-negative scale"));
    value.mantissa()
}

/// Days since 1970-01-01 of a `YYYY-MM-DD` text.
fn days_since_epoch(text: &str) -> Result<i32> {
    let date: jiff::civil::Date = text.parse().map_err(|error| anyhow!("{text}: {error}"))?;
    let days = date
        .since(jiff::civil::date(1970, 1, 1))
        .map_err(|error| anyhow!("{text}: {error}"))?
        .get_days();
    Ok(days)
}

/// The Arrow type of a field's column.
fn column_type(kind: FieldKind) -> DataType {
    match kind {
        FieldKind::Amount => DataType::Decimal128(AMOUNT_PRECISION, AMOUNT_SCALE),
        FieldKind::Count | FieldKind::Year => DataType::UInt64,
        FieldKind::Boolean => DataType::Boolean,
        FieldKind::Date => DataType::Date32,
        _ => DataType::Utf8,
    }
}

fn records_batch(table: Table, rows: &Partition) -> Result<RecordBatch> {
    let spec = table.spec();
    let mut fields = vec![
        Field::new("node_code", DataType::Utf8, false),
        Field::new("submission_hash", DataType::Utf8, false),
        Field::new("signer_key", DataType::Utf8, false),
        Field::new("submitted_by", DataType::Utf8, true),
        Field::new("submission_sequence", DataType::UInt64, false),
        Field::new("record_id", DataType::Utf8, false),
    ];
    let mut columns: Vec<ArrayRef> = vec![
        Arc::new(StringArray::from_iter_values(
            rows.iter().map(|(from, _)| from.owner.to_string()),
        )),
        Arc::new(StringArray::from_iter_values(
            rows.iter().map(|(from, _)| from.submission_hash.clone()),
        )),
        Arc::new(StringArray::from_iter_values(
            rows.iter().map(|(from, _)| from.signer_key.clone()),
        )),
        Arc::new(StringArray::from(
            rows.iter()
                .map(|(from, _)| from.submitted_by.clone())
                .collect::<Vec<_>>(),
        )),
        Arc::new(UInt64Array::from_iter_values(
            rows.iter().map(|(from, _)| from.sequence),
        )),
        Arc::new(StringArray::from_iter_values(
            rows.iter().map(|(_, record)| record.id()),
        )),
    ];
    for (index, column) in spec.columns.iter().enumerate() {
        let values = rows.iter().map(|(_, record)| &record.values()[index]);
        let array: ArrayRef = match column.kind {
            FieldKind::Amount => Arc::new(
                Decimal128Array::from_iter_values(values.map(|value| match value {
                    Value::Amount(amount) => scaled(*amount, AMOUNT_SCALE),
                    _ => 0,
                }))
                .with_precision_and_scale(AMOUNT_PRECISION, AMOUNT_SCALE)?,
            ),
            FieldKind::Count | FieldKind::Year => Arc::new(UInt64Array::from_iter_values(
                values.map(|value| match value {
                    Value::Count(count) => *count,
                    Value::Year(year) => u64::from(*year),
                    _ => 0,
                }),
            )),
            FieldKind::Boolean => Arc::new(BooleanArray::from(
                values
                    .map(|value| matches!(value, Value::Boolean(true)))
                    .collect::<Vec<_>>(),
            )),
            FieldKind::Date => Arc::new(Date32Array::from(
                values
                    .map(|value| days_since_epoch(&value.text()))
                    .collect::<Result<Vec<_>>>()?,
            )),
            _ => Arc::new(StringArray::from_iter_values(values.map(Value::text))),
        };
        fields.push(Field::new(column.field, column_type(column.kind), false));
        columns.push(array);
    }
    Ok(RecordBatch::try_new(
        Arc::new(Schema::new(fields)),
        columns,
    )?)
}

fn figures_batch(rows: &[FigureRow]) -> Result<RecordBatch> {
    let schema = Schema::new(vec![
        Field::new("node_code", DataType::Utf8, false),
        Field::new("figure", DataType::Utf8, false),
        Field::new(
            "value",
            DataType::Decimal128(FIGURE_PRECISION, FIGURE_SCALE),
            false,
        ),
        Field::new("rollup_sequence", DataType::UInt64, false),
        Field::new("rollup_hash", DataType::Utf8, false),
    ]);
    let columns: Vec<ArrayRef> = vec![
        Arc::new(StringArray::from_iter_values(
            rows.iter().map(|row| row.node.to_string()),
        )),
        Arc::new(StringArray::from_iter_values(
            rows.iter().map(|row| row.figure.clone()),
        )),
        Arc::new(
            Decimal128Array::from_iter_values(
                rows.iter().map(|row| scaled(row.value, FIGURE_SCALE)),
            )
            .with_precision_and_scale(FIGURE_PRECISION, FIGURE_SCALE)?,
        ),
        Arc::new(UInt64Array::from_iter_values(
            rows.iter().map(|row| row.rollup_sequence),
        )),
        Arc::new(StringArray::from_iter_values(
            rows.iter().map(|row| row.rollup_hash.clone()),
        )),
    ];
    Ok(RecordBatch::try_new(Arc::new(schema), columns)?)
}
