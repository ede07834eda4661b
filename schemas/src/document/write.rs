//! Writing records into a ledger document: checked first, then created with automerge's batch
//! object creation.

use automerge::hydrate::{self, MapValue};
use automerge::transaction::Transactable;
use automerge::{Automerge, ROOT, ReadDoc, ScalarValue};

use super::{
    DocumentError, DocumentMeta, TABLES, actor_for, commit_options_by, get_map, insert, read_meta,
    table_maps,
};
use crate::columns::check_unique_ids;
use crate::records::{RECORDS_PER_DOCUMENT_MAX, Record, Value};
use crate::table::{Table, tables_of};

/// Checks records before they are written: each belongs to the ledger, obeys its rules, lies in the
/// period, and no two share an id.
fn check_records_to_write(meta: &DocumentMeta, records: &[Record]) -> Result<(), DocumentError> {
    for record in records {
        let table = record.table();
        if table.ledger() != meta.ledger {
            return Err(DocumentError::TableNotInLedger {
                table,
                ledger: meta.ledger,
            });
        }
        record
            .validate()
            .and_then(|()| record.check_period(meta.period))
            .map_err(|source| DocumentError::InvalidRecord {
                table,
                record_id: record.id(),
                field: source.field(),
                source,
            })?;
    }
    check_unique_ids(records)?;
    Ok(())
}

/// Writes records in one change at the given time; a record whose id exists replaces it. Returns
/// how many records were written. Every record is checked first (ledger, rules, period, unique ids)
/// and nothing is written if one fails.
///
/// Writes use automerge's batch object creation. A table that is absent or empty is created whole,
/// all its records in one batch: the path of an import into a new document, about three times
/// faster than a batch per record. Records written into a table that already holds some are created
/// one batch object each.
pub fn write_records(
    doc: &mut Automerge,
    records: &[Record],
    time_ms: i64,
) -> Result<usize, DocumentError> {
    write_records_by(doc, records, time_ms, None)
}

/// [`write_records`] on someone's behalf: the change's message names them.
pub fn write_records_by(
    doc: &mut Automerge,
    records: &[Record],
    time_ms: i64,
    by: Option<&str>,
) -> Result<usize, DocumentError> {
    let meta = read_meta(doc)?;
    check_records_to_write(&meta, records)?;
    if records.is_empty() {
        return Ok(0);
    }
    let tables_id =
        get_map(doc, &ROOT, TABLES, || TABLES.to_owned())?.ok_or(DocumentError::TablesMissing)?;
    let existing_tables = table_maps(&*doc, meta.ledger)?;
    let existing: usize = existing_tables
        .iter()
        .map(|(_, table_id)| doc.length(table_id))
        .sum();
    if existing.saturating_add(records.len()) > RECORDS_PER_DOCUMENT_MAX {
        // Replacements do not add records, so count exactly before refusing.
        let mut added = 0usize;
        for record in records {
            let present = match existing_tables
                .iter()
                .find(|(table, _)| *table == record.table())
            {
                Some((_, table_id)) => doc.get(table_id, record.id())?.is_some(),
                None => false,
            };
            if !present {
                added += 1;
            }
        }
        if existing + added > RECORDS_PER_DOCUMENT_MAX {
            return Err(DocumentError::TooManyRecords {
                count: existing + added,
            });
        }
    }
    doc.set_actor(actor_for(meta.owner));
    let mut transaction = doc.transaction();
    for &table in tables_of(meta.ledger) {
        let mut table_records = records
            .iter()
            .filter(|record| record.table() == table)
            .peekable();
        if table_records.peek().is_none() {
            continue;
        }
        let filled_table = existing_tables
            .iter()
            .find(|(known, _)| *known == table)
            .map(|(_, table_id)| table_id)
            .filter(|table_id| transaction.length(table_id) > 0);
        match filled_table {
            Some(table_id) => {
                for record in table_records {
                    transaction.batch_create_object(
                        table_id,
                        record.id(),
                        &record_value(record),
                        false,
                    )?;
                }
            }
            None => {
                let table_records: Vec<&Record> = table_records.collect();
                let mut table_map = hydrate::Map::default();
                table_map.reserve(table_records.len());
                for (id, value) in record_entries(&table_records) {
                    table_map.insert(
                        id,
                        MapValue {
                            value,
                            conflict: false,
                        },
                    );
                }
                transaction.batch_create_object(
                    &tables_id,
                    table.slug(),
                    &hydrate::Value::Map(table_map),
                    false,
                )?;
            }
        }
    }
    transaction.commit_with(commit_options_by(time_ms, by));
    Ok(records.len())
}

/// Records below which building their stored values on several threads does not pay for the
/// threads: a county's usual table is a few thousand records, an import of a year of dispatch
/// orders a hundred thousand.
const PARALLEL_BUILD_RECORDS_MIN: usize = 20_000;

/// Threads at most for building stored values; the automerge write that follows is single-threaded,
/// so more would only compete with it.
const PARALLEL_BUILD_THREADS_MAX: usize = 4;

/// Each record's id and stored value, built on several threads for large imports (pure CPU work on
/// disjoint records; the order of the result is the order of `records`).
fn record_entries(records: &[&Record]) -> Vec<(String, hydrate::Value)> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |count| count.get())
        .min(PARALLEL_BUILD_THREADS_MAX);
    let build = |part: &[&Record]| -> Vec<(String, hydrate::Value)> {
        part.iter()
            .map(|record| (record.id(), record_value(record)))
            .collect()
    };
    if records.len() < PARALLEL_BUILD_RECORDS_MIN || threads < 2 {
        return build(records);
    }
    let chunk = records.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let workers: Vec<_> = records
            .chunks(chunk)
            .map(|part| scope.spawn(move || build(part)))
            .collect();
        workers
            .into_iter()
            .flat_map(|worker| worker.join().expect("building stored values cannot panic"))
            .collect()
    })
}

/// Deletes records of a table by id in one change at the given time. Ids not in the document are
/// skipped. Returns how many records were deleted.
pub fn delete_records(
    doc: &mut Automerge,
    table: Table,
    ids: &[String],
    time_ms: i64,
) -> Result<usize, DocumentError> {
    delete_records_by(doc, table, ids, time_ms, None)
}

/// [`delete_records`] on someone's behalf: the change's message names them.
pub fn delete_records_by(
    doc: &mut Automerge,
    table: Table,
    ids: &[String],
    time_ms: i64,
    by: Option<&str>,
) -> Result<usize, DocumentError> {
    let meta = read_meta(doc)?;
    if table.ledger() != meta.ledger {
        return Err(DocumentError::TableNotInLedger {
            table,
            ledger: meta.ledger,
        });
    }
    let Some((_, table_id)) = table_maps(&*doc, meta.ledger)?
        .into_iter()
        .find(|(known, _)| *known == table)
    else {
        return Ok(0);
    };
    doc.set_actor(actor_for(meta.owner));
    let mut transaction = doc.transaction();
    let mut deleted = 0usize;
    for id in ids {
        if transaction.get(&table_id, id.as_str())?.is_some() {
            transaction.delete(&table_id, id.as_str())?;
            deleted += 1;
        }
    }
    if deleted == 0 {
        transaction.rollback();
    } else {
        transaction.commit_with(commit_options_by(time_ms, by));
    }
    Ok(deleted)
}

/// The stored form of a record: a map of its table's fields to scalars, without its id fields
/// (the key holds them). Counts and years are stored as unsigned integers, yes/no as booleans, and
/// every other value as its canonical text.
fn record_value(record: &Record) -> hydrate::Value {
    let spec = record.table().spec();
    let mut map = hydrate::Map::default();
    map.reserve(spec.columns.len());
    for (column, value) in record.fields() {
        if spec.is_id_field(column.field) {
            continue;
        }
        let scalar = match value {
            Value::Count(count) => ScalarValue::Uint(*count),
            Value::Year(year) => ScalarValue::Uint(u64::from(*year)),
            Value::Boolean(flag) => ScalarValue::Boolean(*flag),
            other => ScalarValue::Str(other.text().into()),
        };
        insert(&mut map, column.field, hydrate::Value::Scalar(scalar));
    }
    hydrate::Value::Map(map)
}
