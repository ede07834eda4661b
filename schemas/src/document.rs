//! The automerge layout of one ledger document: one document per (owner, ledger, period).
//!
//! ```text
//! ROOT
//! ├── meta: map
//! │   ├── owner: "640104000000"       division code text of the only body that writes the document
//! │   ├── ledger: "energy"            ledger slug
//! │   ├── period: "2025"              period text (YYYY, YYYY-Qn or YYYY-MM)
//! │   └── schema_version: 1           unsigned integer, SCHEMA_VERSION
//! └── tables: map
//!     └── <table slug>: map           one per table of the ledger, made with its first records
//!         └── <record id>: map        one per record, field name → scalar, except the fields
//!             │                       that make up the id (see `key_fields`), which the key holds
//!             ├── decimals            normalized decimal strings ("122.9", never 122.90 or floats)
//!             ├── closed lists        slugs ("electricity", "in_service")
//!             ├── booleans            automerge booleans
//!             ├── build_year          unsigned integer
//!             └── everything else     canonical text (codes, plates, "2025-03-01", "2025-03-01 08:30")
//! ```
//!
//! The owner's changes are made under [`actor_for`] the owner, with commit times passed in, so the
//! same inputs always give the same change hashes. Records are written with automerge's batch object
//! creation, one object per record. Documents come from untrusted peers: [`read_records`] checks every
//! field and rule and names the table, record id and field of anything malformed.

use automerge::hydrate::{self, MapValue};
use automerge::transaction::{CommitOptions, Transactable};
use automerge::{
    ActorId, Automerge, AutomergeError, ObjId, ObjType, ROOT, ReadDoc, ScalarValue, ScalarValueRef,
    ValueRef,
};
use sha2::{Digest, Sha256};
use topology::DivisionCode;

use crate::Decimal;
use crate::columns::{DuplicateId, check_unique_ids, columns};
use crate::ledger::Ledger;
use crate::period::{Month, Period};
use crate::records::{
    Building, Carrier, CreditCode, Date, DateTime, DispatchOrder, EnergyConsumption, FuelType,
    Ownership, Plate, RECORDS_PER_DOCUMENT_MAX, Record, RecordError, Vehicle, VehicleCategory,
    VehicleStatus, Vin, amount_text, parse_amount,
};
use crate::table::{Table, tables_of};

/// The version of this layout, stored in every document's meta. A reader refuses documents of a
/// later version rather than misread them.
pub const SCHEMA_VERSION: u64 = 1;

/// The text hashed with the owner's code to make its actor id; versioned so that a future scheme
/// cannot collide with this one.
const ACTOR_DOMAIN: &str = "huizong actor v1\n";

/// Bytes of an actor id: 16, the size automerge's own random actor ids have.
const ACTOR_ID_BYTES: usize = 16;

/// Key of the meta map in the root.
const META: &str = "meta";
/// Key of the tables map in the root.
const TABLES: &str = "tables";
/// Keys of the meta map.
const META_OWNER: &str = "owner";
const META_LEDGER: &str = "ledger";
const META_PERIOD: &str = "period";
const META_SCHEMA_VERSION: &str = "schema_version";

/// What a document is: whose, which ledger, which period, which layout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DocumentMeta {
    /// The only body that writes the document.
    pub owner: DivisionCode,
    /// The ledger the document holds.
    pub ledger: Ledger,
    /// The reporting period; dated records must lie in it.
    pub period: Period,
    /// The layout version, [`SCHEMA_VERSION`] for documents made here.
    pub schema_version: u64,
}

/// Why a document cannot be made, written or read. Every variant about a record names its table, id
/// and field.
#[derive(Debug, thiserror::Error)]
pub enum DocumentError {
    /// automerge refused an operation.
    #[error("automerge refused an operation: {source}")]
    Automerge {
        /// automerge's error.
        #[from]
        source: AutomergeError,
    },
    /// The root has a key other than meta and tables.
    #[error("the document root has unknown key {key:?}")]
    UnknownRootKey {
        /// The key.
        key: String,
    },
    /// The root has no meta map.
    #[error("the document has no meta map")]
    MetaMissing,
    /// A field of the meta map is missing, of the wrong type or invalid.
    #[error("meta field {field}: {problem}")]
    MetaField {
        /// The field.
        field: &'static str,
        /// What is wrong with it.
        problem: String,
    },
    /// The meta map has a field this version does not know.
    #[error("meta has unknown field {field:?}")]
    UnknownMetaField {
        /// The field.
        field: String,
    },
    /// The document was made by a later version of the layout.
    #[error("the document has schema version {found}; this version reads {SCHEMA_VERSION}")]
    UnsupportedSchemaVersion {
        /// The version found.
        found: u64,
    },
    /// The root has no tables map.
    #[error("the document has no tables map")]
    TablesMissing,
    /// A table map's key is not a table.
    #[error("tables has unknown table {table:?}")]
    UnknownTable {
        /// The key.
        table: String,
    },
    /// A table, or a record, belongs to another ledger than the document's.
    #[error("table {table} is not in the document's ledger {ledger}")]
    TableNotInLedger {
        /// The table.
        table: Table,
        /// The document's ledger.
        ledger: Ledger,
    },
    /// Something that must be a map is not.
    #[error("{place} must be a map, but is {found}")]
    NotAMap {
        /// Where: `tables`, `tables.<table>` or `tables.<table>.<id>`.
        place: String,
        /// What it is instead.
        found: String,
    },
    /// A record lacks a field.
    #[error("{table} record {record_id:?} has no field {field}")]
    MissingField {
        /// The table.
        table: Table,
        /// The record's key.
        record_id: String,
        /// The field missing.
        field: &'static str,
    },
    /// A record has a field this version does not know.
    #[error("{table} record {record_id:?} has unknown field {field:?}")]
    UnknownField {
        /// The table.
        table: Table,
        /// The record's key.
        record_id: String,
        /// The field.
        field: String,
    },
    /// A field holds a value of the wrong type.
    #[error("{table} record {record_id:?} field {field} must be {expected}, but is {found}")]
    WrongType {
        /// The table.
        table: Table,
        /// The record's key.
        record_id: String,
        /// The field.
        field: &'static str,
        /// The type expected.
        expected: &'static str,
        /// The value found, described.
        found: String,
    },
    /// A field holds a value of the right type that breaks its rule.
    #[error("{table} record {record_id:?} field {field}: {rule} (found {value:?})")]
    InvalidField {
        /// The table.
        table: Table,
        /// The record's key.
        record_id: String,
        /// The field.
        field: &'static str,
        /// The rule broken.
        rule: String,
        /// The value found.
        value: String,
    },
    /// A record is stored under another key than its id.
    #[error("{table} record stored under {record_id:?} has id {content_id:?}")]
    IdMismatch {
        /// The table.
        table: Table,
        /// The key the record is stored under.
        record_id: String,
        /// The id its fields give.
        content_id: String,
    },
    /// A record breaks a rule that spans fields, or lies outside the document's period.
    #[error("{table} record {record_id:?} field {field}: {source}")]
    InvalidRecord {
        /// The table.
        table: Table,
        /// The record's id.
        record_id: String,
        /// The field at fault.
        field: &'static str,
        /// The rule broken.
        source: RecordError,
    },
    /// The document would hold more records than allowed.
    #[error("the document would hold {count} records, more than {RECORDS_PER_DOCUMENT_MAX}")]
    TooManyRecords {
        /// How many.
        count: usize,
    },
    /// Records to write name the same id twice.
    #[error(transparent)]
    DuplicateId(#[from] DuplicateId),
}

/// The actor id of an owner's changes: the first 16 bytes of SHA-256 of a domain text and the
/// division code. The same owner always writes under the same actor, so history is attributable to
/// the code, and a node restored from its parent's replica continues its own sequence of changes.
pub fn actor_for(owner: DivisionCode) -> ActorId {
    let hash = Sha256::digest(format!("{ACTOR_DOMAIN}{owner}").as_bytes());
    ActorId::from(&hash[..ACTOR_ID_BYTES])
}

/// automerge stores a change's time in whole seconds since the Unix epoch (its documentation and
/// the JavaScript library agree), so milliseconds are floored to seconds.
fn commit_options(time_ms: i64) -> CommitOptions {
    CommitOptions::default().with_time(time_ms.div_euclid(1000))
}

/// Makes a new document in one change that writes the meta map and an empty tables map, under the
/// owner's actor and at the given time. A table's map is made with its first records.
pub fn new_document(meta: &DocumentMeta, time_ms: i64) -> Result<Automerge, DocumentError> {
    if meta.schema_version != SCHEMA_VERSION {
        return Err(DocumentError::UnsupportedSchemaVersion {
            found: meta.schema_version,
        });
    }
    let mut meta_map = hydrate::Map::default();
    insert(&mut meta_map, META_OWNER, meta.owner.as_str().into());
    insert(&mut meta_map, META_LEDGER, meta.ledger.slug().into());
    insert(
        &mut meta_map,
        META_PERIOD,
        meta.period.to_string().as_str().into(),
    );
    insert(
        &mut meta_map,
        META_SCHEMA_VERSION,
        meta.schema_version.into(),
    );
    let mut root = hydrate::Map::default();
    insert(&mut root, META, meta_map.into());
    insert(&mut root, TABLES, hydrate::Value::map());

    let mut doc = Automerge::new().with_actor(actor_for(meta.owner));
    let mut transaction = doc.transaction();
    transaction.init_root_from_hydrate(&root)?;
    transaction.commit_with(commit_options(time_ms));
    Ok(doc)
}

/// Inserts a value into a hydrate map.
fn insert(map: &mut hydrate::Map, key: &str, value: hydrate::Value) {
    map.insert(
        key.to_owned(),
        MapValue {
            value,
            conflict: false,
        },
    );
}

/// Describes a value for an error message.
fn describe(value: &ValueRef<'_>) -> String {
    match value {
        ValueRef::Object(ObjType::Map) => "a map".to_owned(),
        ValueRef::Object(ObjType::Table) => "a table object".to_owned(),
        ValueRef::Object(ObjType::List) => "a list".to_owned(),
        ValueRef::Object(ObjType::Text) => "a text object".to_owned(),
        ValueRef::Scalar(scalar) => match scalar {
            ScalarValueRef::Str(text) => format!("the string {text:?}"),
            ScalarValueRef::Int(number) => format!("the integer {number}"),
            ScalarValueRef::Uint(number) => format!("the unsigned integer {number}"),
            ScalarValueRef::F64(number) => format!("the float {number}"),
            ScalarValueRef::Boolean(flag) => format!("the boolean {flag}"),
            ScalarValueRef::Counter(number) => format!("the counter {number}"),
            ScalarValueRef::Timestamp(time) => format!("the timestamp {time}"),
            ScalarValueRef::Bytes(bytes) => format!("{} bytes", bytes.len()),
            ScalarValueRef::Null => "null".to_owned(),
            ScalarValueRef::Unknown { type_code, .. } => {
                format!("a value of unknown type {type_code}")
            }
        },
    }
}

/// The id of the map at `key` of `parent`, or `None` when the key is absent.
fn get_map<D: ReadDoc>(
    doc: &D,
    parent: &ObjId,
    key: &str,
    place: impl FnOnce() -> String,
) -> Result<Option<ObjId>, DocumentError> {
    match doc.get(parent, key)? {
        None => Ok(None),
        Some((automerge::Value::Object(ObjType::Map), id)) => Ok(Some(id)),
        Some((value, _)) => Err(DocumentError::NotAMap {
            place: place(),
            found: describe(&value_ref(&value)),
        }),
    }
}

/// A `ValueRef` view of an owned `Value`, to describe it.
fn value_ref<'a>(value: &'a automerge::Value<'a>) -> ValueRef<'a> {
    match value {
        automerge::Value::Object(object_type) => ValueRef::Object(*object_type),
        automerge::Value::Scalar(scalar) => ValueRef::Scalar(match scalar.as_ref() {
            ScalarValue::Str(text) => ScalarValueRef::Str(text.as_str().into()),
            ScalarValue::Int(number) => ScalarValueRef::Int(*number),
            ScalarValue::Uint(number) => ScalarValueRef::Uint(*number),
            ScalarValue::F64(number) => ScalarValueRef::F64(*number),
            ScalarValue::Boolean(flag) => ScalarValueRef::Boolean(*flag),
            ScalarValue::Counter(counter) => ScalarValueRef::Counter(i64::from(counter)),
            ScalarValue::Timestamp(time) => ScalarValueRef::Timestamp(*time),
            ScalarValue::Bytes(bytes) => ScalarValueRef::Bytes(bytes.as_slice().into()),
            ScalarValue::Null => ScalarValueRef::Null,
            ScalarValue::Unknown { type_code, bytes } => ScalarValueRef::Unknown {
                type_code: *type_code,
                bytes: bytes.as_slice().into(),
            },
        }),
    }
}

/// Reads and checks the meta map.
pub fn read_meta(doc: &Automerge) -> Result<DocumentMeta, DocumentError> {
    let meta_id =
        get_map(doc, &ROOT, META, || META.to_owned())?.ok_or(DocumentError::MetaMissing)?;
    for item in doc.map_range(&meta_id, ..) {
        if ![META_OWNER, META_LEDGER, META_PERIOD, META_SCHEMA_VERSION].contains(&item.key.as_ref())
        {
            return Err(DocumentError::UnknownMetaField {
                field: item.key.into_owned(),
            });
        }
    }
    let text = |field: &'static str| -> Result<String, DocumentError> {
        match doc.get(&meta_id, field)? {
            None => Err(DocumentError::MetaField {
                field,
                problem: "is missing".to_owned(),
            }),
            Some((value, _)) => match value.as_str() {
                Some(text) => Ok(text.to_owned()),
                None => Err(DocumentError::MetaField {
                    field,
                    problem: format!("must be a string, but is {}", describe(&value_ref(&value))),
                }),
            },
        }
    };
    let invalid =
        |field: &'static str, problem: String| DocumentError::MetaField { field, problem };
    let schema_version = match doc.get(&meta_id, META_SCHEMA_VERSION)? {
        None => return Err(invalid(META_SCHEMA_VERSION, "is missing".to_owned())),
        Some((value, _)) => match value.as_scalar() {
            Some(ScalarValue::Uint(version)) => *version,
            Some(ScalarValue::Int(version)) if *version >= 0 => version.unsigned_abs(),
            _ => {
                return Err(invalid(
                    META_SCHEMA_VERSION,
                    format!(
                        "must be an unsigned integer, but is {}",
                        describe(&value_ref(&value))
                    ),
                ));
            }
        },
    };
    if schema_version != SCHEMA_VERSION {
        return Err(DocumentError::UnsupportedSchemaVersion {
            found: schema_version,
        });
    }
    let owner = DivisionCode::parse(&text(META_OWNER)?)
        .map_err(|error| invalid(META_OWNER, error.to_string()))?;
    let ledger = text(META_LEDGER)?
        .parse::<Ledger>()
        .map_err(|error| invalid(META_LEDGER, error.to_string()))?;
    let period_text = text(META_PERIOD)?;
    let period =
        Period::parse(&period_text).map_err(|error| invalid(META_PERIOD, error.to_string()))?;
    if period.to_string() != period_text {
        return Err(invalid(META_PERIOD, format!("must be written {period}")));
    }
    Ok(DocumentMeta {
        owner,
        ledger,
        period,
        schema_version,
    })
}

/// The tables map and the map of each table present, checking that the root holds only meta and
/// tables and that every table belongs to the ledger.
fn table_maps<D: ReadDoc>(doc: &D, ledger: Ledger) -> Result<Vec<(Table, ObjId)>, DocumentError> {
    for item in doc.map_range(&ROOT, ..) {
        if item.key != META && item.key != TABLES {
            return Err(DocumentError::UnknownRootKey {
                key: item.key.into_owned(),
            });
        }
    }
    let tables_id =
        get_map(doc, &ROOT, TABLES, || TABLES.to_owned())?.ok_or(DocumentError::TablesMissing)?;
    let mut tables = Vec::new();
    for item in doc.map_range(&tables_id, ..) {
        let table = item
            .key
            .parse::<Table>()
            .ok()
            .filter(|table| table.slug() == item.key)
            .ok_or_else(|| DocumentError::UnknownTable {
                table: item.key.to_string(),
            })?;
        if table.ledger() != ledger {
            return Err(DocumentError::TableNotInLedger { table, ledger });
        }
        if !matches!(item.value, ValueRef::Object(ObjType::Map)) {
            return Err(DocumentError::NotAMap {
                place: format!("{TABLES}.{table}"),
                found: describe(&item.value),
            });
        }
        tables.push((table, item.id()));
    }
    // Tables are read in the order forms list them, not in the byte order of their slugs.
    tables.sort_by_key(|(table, _)| *table);
    Ok(tables)
}

/// Counts the records of a document, checking its meta and tables but not the records.
pub fn count_records(doc: &Automerge) -> Result<usize, DocumentError> {
    let meta = read_meta(doc)?;
    Ok(table_maps(doc, meta.ledger)?
        .iter()
        .map(|(_, table_id)| doc.length(table_id))
        .sum())
}

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
    transaction.commit_with(commit_options(time_ms));
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
        transaction.commit_with(commit_options(time_ms));
    }
    Ok(deleted)
}

/// Reads every record, checking every field and rule: documents come from untrusted peers.
pub fn read_records(doc: &Automerge) -> Result<Vec<Record>, DocumentError> {
    let meta = read_meta(doc)?;
    let tables = table_maps(doc, meta.ledger)?;
    let count: usize = tables
        .iter()
        .map(|(_, table_id)| doc.length(table_id))
        .sum();
    if count > RECORDS_PER_DOCUMENT_MAX {
        return Err(DocumentError::TooManyRecords { count });
    }
    let mut records = Vec::with_capacity(count);
    for (table, table_id) in &tables {
        let specs = columns(*table);
        for item in doc.map_range(table_id, ..) {
            let record_id = item.key.as_ref();
            if !matches!(item.value, ValueRef::Object(ObjType::Map)) {
                return Err(DocumentError::NotAMap {
                    place: format!("{TABLES}.{table}.{record_id}"),
                    found: describe(&item.value),
                });
            }
            let record_object = item.id();
            let key_parts: Vec<&str> = record_id.split('/').collect();
            if key_parts.len() != key_fields(*table).len() {
                return Err(DocumentError::InvalidField {
                    table: *table,
                    record_id: record_id.to_owned(),
                    field: key_fields(*table)[0],
                    rule: format!(
                        "the record id must join {} with /",
                        key_fields(*table).join(", ")
                    ),
                    value: record_id.to_owned(),
                });
            }
            let mut fields = Fields {
                table: *table,
                record_id,
                key_parts,
                values: vec![None; specs.len()],
            };
            for field in doc.map_range(&record_object, ..) {
                let stored_key_field = key_fields(*table).contains(&field.key.as_ref());
                let position = specs.iter().position(|spec| spec.field == field.key);
                let Some(index) = position.filter(|_| !stored_key_field) else {
                    return Err(DocumentError::UnknownField {
                        table: *table,
                        record_id: record_id.to_owned(),
                        field: field.key.into_owned(),
                    });
                };
                fields.values[index] = Some(field.value);
            }
            let record = fields.record()?;
            let invalid = |source: RecordError| DocumentError::InvalidRecord {
                table: *table,
                record_id: record_id.to_owned(),
                field: source.field(),
                source,
            };
            record.validate().map_err(invalid)?;
            let content_id = record.id();
            if content_id != record_id {
                return Err(DocumentError::IdMismatch {
                    table: *table,
                    record_id: record_id.to_owned(),
                    content_id,
                });
            }
            record.check_period(meta.period).map_err(invalid)?;
            records.push(record);
        }
    }
    Ok(records)
}

/// The fields of one stored record, by the position of their column spec, and the parts of its
/// key that stand for its key fields.
struct Fields<'a> {
    table: Table,
    record_id: &'a str,
    key_parts: Vec<&'a str>,
    values: Vec<Option<ValueRef<'a>>>,
}

impl Fields<'_> {
    /// The value of a field; every field of the table's columns is written, so a missing one is an
    /// error.
    fn value(&self, field: &'static str) -> Result<&ValueRef<'_>, DocumentError> {
        columns(self.table)
            .iter()
            .position(|spec| spec.field == field)
            .and_then(|index| self.values[index].as_ref())
            .ok_or_else(|| DocumentError::MissingField {
                table: self.table,
                record_id: self.record_id.to_owned(),
                field,
            })
    }

    fn wrong_type(
        &self,
        field: &'static str,
        expected: &'static str,
        value: &ValueRef<'_>,
    ) -> DocumentError {
        DocumentError::WrongType {
            table: self.table,
            record_id: self.record_id.to_owned(),
            field,
            expected,
            found: describe(value),
        }
    }

    fn invalid(&self, field: &'static str, rule: String, value: &str) -> DocumentError {
        DocumentError::InvalidField {
            table: self.table,
            record_id: self.record_id.to_owned(),
            field,
            rule,
            value: value.to_owned(),
        }
    }

    fn text(&self, field: &'static str) -> Result<&str, DocumentError> {
        if let Some(index) = key_fields(self.table).iter().position(|key| *key == field) {
            return Ok(self.key_parts[index]);
        }
        let value = self.value(field)?;
        match value {
            ValueRef::Scalar(ScalarValueRef::Str(text)) => Ok(text.as_ref()),
            other => Err(self.wrong_type(field, "a string", other)),
        }
    }

    /// Parses a text field and checks that it is stored in canonical form, as written here.
    fn parsed<T: ToString, E: ToString>(
        &self,
        field: &'static str,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Result<T, DocumentError> {
        let text = self.text(field)?;
        let value = parse(text).map_err(|error| self.invalid(field, error.to_string(), text))?;
        let canonical = value.to_string();
        if canonical != text {
            return Err(self.invalid(field, format!("must be written {canonical:?}"), text));
        }
        Ok(value)
    }

    /// A closed-list field, stored as its slug.
    fn slug<T>(
        &self,
        field: &'static str,
        from_slug: impl FnOnce(&str) -> Option<T>,
        kind: &str,
    ) -> Result<T, DocumentError> {
        let text = self.text(field)?;
        from_slug(text)
            .ok_or_else(|| self.invalid(field, format!("must be the slug of a {kind}"), text))
    }

    fn amount(&self, field: &'static str) -> Result<Decimal, DocumentError> {
        self.parsed(field, |text| parse_amount(text).map(AmountText))
            .map(|amount| amount.0)
    }

    fn boolean(&self, field: &'static str) -> Result<bool, DocumentError> {
        match self.value(field)? {
            ValueRef::Scalar(ScalarValueRef::Boolean(flag)) => Ok(*flag),
            other => Err(self.wrong_type(field, "a boolean", other)),
        }
    }

    fn year(&self, field: &'static str) -> Result<u16, DocumentError> {
        let value = self.value(field)?;
        match value {
            ValueRef::Scalar(ScalarValueRef::Uint(year)) => u16::try_from(*year)
                .map_err(|_| self.invalid(field, "must be a year".to_owned(), &year.to_string())),
            other => Err(self.wrong_type(field, "an unsigned integer", other)),
        }
    }

    fn record(&self) -> Result<Record, DocumentError> {
        Ok(match self.table {
            Table::Buildings => Record::Building(Building {
                building_id: self.text("building_id")?.to_owned(),
                name: self.text("name")?.to_owned(),
                institution_credit_code: self
                    .parsed("institution_credit_code", CreditCode::parse)?,
                division_code: self.parsed("division_code", DivisionCode::parse)?,
                address: self.text("address")?.to_owned(),
                build_year: self.year("build_year")?,
                ownership: self.slug("ownership", Ownership::from_slug, "ownership")?,
                floor_area_m2: self.amount("floor_area_m2")?,
                office_usable_m2: self.amount("office_usable_m2")?,
                service_usable_m2: self.amount("service_usable_m2")?,
                equipment_usable_m2: self.amount("equipment_usable_m2")?,
                ancillary_floor_m2: self.amount("ancillary_floor_m2")?,
            }),
            Table::Vehicles => Record::Vehicle(Vehicle {
                plate: self.parsed("plate", Plate::parse)?,
                vin: self.parsed("vin", Vin::parse)?,
                institution_credit_code: self
                    .parsed("institution_credit_code", CreditCode::parse)?,
                category: self.slug("category", VehicleCategory::from_slug, "vehicle category")?,
                fuel_type: self.slug("fuel_type", FuelType::from_slug, "fuel type")?,
                domestic_brand: self.boolean("domestic_brand")?,
                displacement_l: self.amount("displacement_l")?,
                price_yuan: self.amount("price_yuan")?,
                acquisition_date: self.parsed("acquisition_date", Date::parse)?,
                status: self.slug("status", VehicleStatus::from_slug, "vehicle status")?,
            }),
            Table::DispatchOrders => Record::DispatchOrder(DispatchOrder {
                order_id: self.text("order_id")?.to_owned(),
                plate: self.parsed("plate", Plate::parse)?,
                start: self.parsed("start", DateTime::parse)?,
                end: self.parsed("end", DateTime::parse)?,
                purpose: self.text("purpose")?.to_owned(),
                distance_km: self.amount("distance_km")?,
            }),
            Table::EnergyConsumption => Record::EnergyConsumption(EnergyConsumption {
                institution_credit_code: self
                    .parsed("institution_credit_code", CreditCode::parse)?,
                month: self.parsed("month", Month::parse)?,
                carrier: self.slug("carrier", Carrier::from_slug, "energy carrier")?,
                quantity: self.amount("quantity")?,
                cost_yuan: self.amount("cost_yuan")?,
            }),
        })
    }
}

/// An amount shown in its canonical text, so that `Fields::parsed` can check the stored form.
struct AmountText(Decimal);

impl std::fmt::Display for AmountText {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(&amount_text(self.0))
    }
}

/// The fields that make up a table's record id, in the order the id joins them with `/`. The record
/// map is stored under its id, so these fields are not stored again inside it: an import writes
/// fewer operations (an energy record keeps two of its five fields), and a record's identity
/// cannot disagree with its key.
pub fn key_fields(table: Table) -> &'static [&'static str] {
    match table {
        Table::Buildings => &["building_id"],
        Table::Vehicles => &["plate"],
        Table::DispatchOrders => &["order_id"],
        Table::EnergyConsumption => &["institution_credit_code", "carrier", "month"],
    }
}

/// The stored form of a record: a map of its table's fields to scalars, without its key fields.
fn record_value(record: &Record) -> hydrate::Value {
    let mut map = hydrate::Map::default();
    map.reserve(12);
    let text = |value: &str| hydrate::Value::Scalar(ScalarValue::Str(value.into()));
    let amount = |value: Decimal| text(&amount_text(value));
    match record {
        Record::Building(building) => {
            insert(&mut map, "name", text(&building.name));
            insert(
                &mut map,
                "institution_credit_code",
                text(building.institution_credit_code.as_str()),
            );
            insert(
                &mut map,
                "division_code",
                text(building.division_code.as_str()),
            );
            insert(&mut map, "address", text(&building.address));
            insert(
                &mut map,
                "build_year",
                hydrate::Value::from(u64::from(building.build_year)),
            );
            insert(&mut map, "ownership", text(building.ownership.slug()));
            insert(&mut map, "floor_area_m2", amount(building.floor_area_m2));
            insert(
                &mut map,
                "office_usable_m2",
                amount(building.office_usable_m2),
            );
            insert(
                &mut map,
                "service_usable_m2",
                amount(building.service_usable_m2),
            );
            insert(
                &mut map,
                "equipment_usable_m2",
                amount(building.equipment_usable_m2),
            );
            insert(
                &mut map,
                "ancillary_floor_m2",
                amount(building.ancillary_floor_m2),
            );
        }
        Record::Vehicle(vehicle) => {
            insert(&mut map, "vin", text(vehicle.vin.as_str()));
            insert(
                &mut map,
                "institution_credit_code",
                text(vehicle.institution_credit_code.as_str()),
            );
            insert(&mut map, "category", text(vehicle.category.slug()));
            insert(&mut map, "fuel_type", text(vehicle.fuel_type.slug()));
            insert(
                &mut map,
                "domestic_brand",
                hydrate::Value::Scalar(ScalarValue::Boolean(vehicle.domestic_brand)),
            );
            insert(&mut map, "displacement_l", amount(vehicle.displacement_l));
            insert(&mut map, "price_yuan", amount(vehicle.price_yuan));
            insert(
                &mut map,
                "acquisition_date",
                text(&vehicle.acquisition_date.to_string()),
            );
            insert(&mut map, "status", text(vehicle.status.slug()));
        }
        Record::DispatchOrder(order) => {
            insert(&mut map, "plate", text(order.plate.as_str()));
            insert(&mut map, "start", text(&order.start.to_string()));
            insert(&mut map, "end", text(&order.end.to_string()));
            insert(&mut map, "purpose", text(&order.purpose));
            insert(&mut map, "distance_km", amount(order.distance_km));
        }
        Record::EnergyConsumption(consumption) => {
            insert(&mut map, "quantity", amount(consumption.quantity));
            insert(&mut map, "cost_yuan", amount(consumption.cost_yuan));
        }
    }
    hydrate::Value::Map(map)
}
