//! The automerge layout of one ledger document: one document per (owner, ledger, period).
//!
//! ```text
//! ROOT
//! ├── meta: map
//! │   ├── owner: "640104000000"       division code text of the only body that writes the document
//! │   ├── ledger: "energy"            ledger slug
//! │   ├── period: "2025"              period text (YYYY, YYYY-Qn or YYYY-MM)
//! │   └── schema_version: 1           unsigned integer, SCHEMA_VERSION
//! ├── confirmations: map          only once a returned submission was confirmed unchanged (see
//! │                               `confirmations`)
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
//!
//! `write` turns records into automerge operations; `read` turns a document from a peer back
//! into checked records.

mod confirmations;
mod read;
mod write;

pub use confirmations::{
    CONFIRMATION_REASON_CHARS_MAX, CONFIRMATIONS, CONFIRMATIONS_MAX, CONFIRMED_BY_CHARS_MAX,
    Confirmation, ConfirmationError, read_confirmations, write_confirmation,
};
pub use read::read_records;
pub use write::{delete_records, delete_records_by, write_records, write_records_by};

use automerge::hydrate::{self, MapValue};
use automerge::transaction::{CommitOptions, Transactable};
use automerge::{
    ActorId, Automerge, AutomergeError, ObjId, ObjType, ROOT, ReadDoc, ScalarValue, ScalarValueRef,
    ValueRef,
};
use sha2::{Digest, Sha256};
use topology::DivisionCode;

use crate::columns::DuplicateId;
use crate::i18n::{display_in_current_language, shown};
use crate::ledger::Ledger;
use crate::period::Period;
use crate::records::{RECORDS_PER_DOCUMENT_MAX, RecordError};
use crate::table::Table;

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
    Automerge {
        /// automerge's error.
        #[from]
        source: AutomergeError,
    },
    /// The root has a key other than meta and tables.
    UnknownRootKey {
        /// The key.
        key: String,
    },
    /// The root has no meta map.
    MetaMissing,
    /// A field of the meta map is missing, of the wrong type or invalid.
    MetaField {
        /// The field.
        field: &'static str,
        /// What is wrong with it.
        problem: String,
    },
    /// The meta map has a field this version does not know.
    UnknownMetaField {
        /// The field.
        field: String,
    },
    /// The document was made by a later version of the layout.
    UnsupportedSchemaVersion {
        /// The version found.
        found: u64,
    },
    /// The root has no tables map.
    TablesMissing,
    /// A table map's key is not a table.
    UnknownTable {
        /// The key.
        table: String,
    },
    /// A table, or a record, belongs to another ledger than the document's.
    TableNotInLedger {
        /// The table.
        table: Table,
        /// The document's ledger.
        ledger: Ledger,
    },
    /// Something that must be a map is not.
    NotAMap {
        /// Where: `tables`, `tables.<table>` or `tables.<table>.<id>`.
        place: String,
        /// What it is instead.
        found: String,
    },
    /// A record lacks a field.
    MissingField {
        /// The table.
        table: Table,
        /// The record's key.
        record_id: String,
        /// The field missing.
        field: &'static str,
    },
    /// A record has a field this version does not know.
    UnknownField {
        /// The table.
        table: Table,
        /// The record's key.
        record_id: String,
        /// The field.
        field: String,
    },
    /// A field holds a value of the wrong type.
    WrongType {
        /// The table.
        table: Table,
        /// The record's key.
        record_id: String,
        /// The field.
        field: &'static str,
        /// The type expected.
        expected: ExpectedType,
        /// The value found, described.
        found: String,
    },
    /// A field holds a value of the right type that breaks its rule.
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
    IdMismatch {
        /// The table.
        table: Table,
        /// The key the record is stored under.
        record_id: String,
        /// The id its fields give.
        content_id: String,
    },
    /// A record breaks a rule that spans fields, or lies outside the document's period.
    InvalidRecord {
        /// The table.
        table: Table,
        /// The record's id.
        record_id: String,
        /// The field at fault.
        field: &'static str,
        /// The rule broken.
        #[source]
        source: RecordError,
    },
    /// The document would hold more records than allowed.
    TooManyRecords {
        /// How many.
        count: usize,
    },
    /// Records to write name the same id twice.
    DuplicateId(#[from] DuplicateId),
    /// A confirmation cannot be written, or one of a peer's is malformed.
    #[error(transparent)]
    Confirmation(#[from] ConfirmationError),
}

/// The stored type a field must have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpectedType {
    UnsignedInteger,
    Boolean,
    String,
}

impl ExpectedType {
    /// The type, as a message names it, in a language of the catalogues.
    pub fn localized(self, locale: &str) -> String {
        match self {
            ExpectedType::UnsignedInteger => {
                rust_i18n::t!(
                    "schemas.document.expected.unsigned_integer",
                    locale = locale
                )
            }
            ExpectedType::Boolean => {
                rust_i18n::t!("schemas.document.expected.boolean", locale = locale)
            }
            ExpectedType::String => {
                rust_i18n::t!("schemas.document.expected.string", locale = locale)
            }
        }
        .into_owned()
    }
}

impl DocumentError {
    /// What is wrong and where, in a language of the catalogues. Texts built when the document
    /// was read (a value described, a rule broken) are in the language in force then.
    pub fn localized(&self, locale: &str) -> String {
        use rust_i18n::t;
        match self {
            DocumentError::Automerge { source } => {
                t!(
                    "schemas.document.automerge",
                    locale = locale,
                    error = source
                )
            }
            DocumentError::UnknownRootKey { key } => t!(
                "schemas.document.unknown_root_key",
                locale = locale,
                key = shown(key)
            ),
            DocumentError::MetaMissing => t!("schemas.document.meta_missing", locale = locale),
            DocumentError::MetaField { field, problem } => t!(
                "schemas.document.meta_field",
                locale = locale,
                field = field,
                problem = problem
            ),
            DocumentError::UnknownMetaField { field } => t!(
                "schemas.document.unknown_meta_field",
                locale = locale,
                field = shown(field)
            ),
            DocumentError::UnsupportedSchemaVersion { found } => t!(
                "schemas.document.unsupported_schema_version",
                locale = locale,
                found = found,
                supported = SCHEMA_VERSION
            ),
            DocumentError::TablesMissing => t!("schemas.document.tables_missing", locale = locale),
            DocumentError::UnknownTable { table } => t!(
                "schemas.document.unknown_table",
                locale = locale,
                table = shown(table)
            ),
            DocumentError::TableNotInLedger { table, ledger } => t!(
                "schemas.document.table_not_in_ledger",
                locale = locale,
                table = table,
                ledger = ledger
            ),
            DocumentError::NotAMap { place, found } => t!(
                "schemas.document.not_a_map",
                locale = locale,
                place = place,
                found = found
            ),
            DocumentError::MissingField {
                table,
                record_id,
                field,
            } => t!(
                "schemas.document.missing_field",
                locale = locale,
                table = table,
                record_id = shown(record_id),
                field = field
            ),
            DocumentError::UnknownField {
                table,
                record_id,
                field,
            } => t!(
                "schemas.document.unknown_field",
                locale = locale,
                table = table,
                record_id = shown(record_id),
                field = shown(field)
            ),
            DocumentError::WrongType {
                table,
                record_id,
                field,
                expected,
                found,
            } => t!(
                "schemas.document.wrong_type",
                locale = locale,
                table = table,
                record_id = shown(record_id),
                field = field,
                expected = expected.localized(locale),
                found = found
            ),
            DocumentError::InvalidField {
                table,
                record_id,
                field,
                rule,
                value,
            } => t!(
                "schemas.document.invalid_field",
                locale = locale,
                table = table,
                record_id = shown(record_id),
                field = field,
                rule = rule,
                value = shown(value)
            ),
            DocumentError::IdMismatch {
                table,
                record_id,
                content_id,
            } => t!(
                "schemas.document.id_mismatch",
                locale = locale,
                table = table,
                record_id = shown(record_id),
                content_id = shown(content_id)
            ),
            DocumentError::InvalidRecord {
                table,
                record_id,
                field,
                source,
            } => t!(
                "schemas.document.invalid_record",
                locale = locale,
                table = table,
                record_id = shown(record_id),
                field = field,
                rule = &source.rule
            ),
            DocumentError::TooManyRecords { count } => t!(
                "schemas.document.too_many_records",
                locale = locale,
                count = count,
                max = RECORDS_PER_DOCUMENT_MAX
            ),
            DocumentError::DuplicateId(duplicate) => return duplicate.localized(locale),
            DocumentError::Confirmation(confirmation) => return confirmation.localized(locale),
        }
        .into_owned()
    }
}

display_in_current_language!(DocumentError);

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

/// The commit options of a change made on someone's behalf: the change's message is the person's
/// name, so the document's history says who made each change (see [`last_change_by`]).
fn commit_options_by(time_ms: i64, by: Option<&str>) -> CommitOptions {
    let options = commit_options(time_ms);
    match by {
        Some(name) if !name.is_empty() => options.with_message(name.to_owned()),
        _ => options,
    }
}

/// Who made the document's latest change and when (its time in Unix milliseconds, to the second),
/// when the change names someone. With concurrent heads, the latest of them.
pub fn last_change_by(doc: &Automerge) -> Option<(String, i64)> {
    doc.get_heads()
        .iter()
        .filter_map(|head| doc.get_change_by_hash(head))
        .filter_map(|change| {
            change
                .message()
                .filter(|name| !name.is_empty())
                .map(|name| (name.to_owned(), change.timestamp().saturating_mul(1000)))
        })
        .max_by_key(|(_, time_ms)| *time_ms)
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

/// Describes a value for an error message, in the language in force.
fn describe(value: &ValueRef<'_>) -> String {
    use crate::t;
    match value {
        ValueRef::Object(ObjType::Map) => t!("schemas.document.value.map"),
        ValueRef::Object(ObjType::Table) => t!("schemas.document.value.table_object"),
        ValueRef::Object(ObjType::List) => t!("schemas.document.value.list"),
        ValueRef::Object(ObjType::Text) => t!("schemas.document.value.text_object"),
        ValueRef::Scalar(scalar) => match scalar {
            ScalarValueRef::Str(text) => t!("schemas.document.value.string", text = shown(text)),
            ScalarValueRef::Int(number) => t!("schemas.document.value.integer", number = number),
            ScalarValueRef::Uint(number) => {
                t!("schemas.document.value.unsigned_integer", number = number)
            }
            ScalarValueRef::F64(number) => t!("schemas.document.value.float", number = number),
            ScalarValueRef::Boolean(flag) => t!("schemas.document.value.boolean", value = flag),
            ScalarValueRef::Counter(number) => {
                t!("schemas.document.value.counter", number = number)
            }
            ScalarValueRef::Timestamp(time) => t!("schemas.document.value.timestamp", time = time),
            ScalarValueRef::Bytes(bytes) => t!("schemas.document.value.bytes", count = bytes.len()),
            ScalarValueRef::Null => t!("schemas.document.value.null_value"),
            ScalarValueRef::Unknown { type_code, .. } => {
                t!("schemas.document.value.unknown", code = type_code)
            }
        },
    }
    .into_owned()
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
                problem: crate::t!("schemas.document.problem.missing").into_owned(),
            }),
            Some((value, _)) => match value.as_str() {
                Some(text) => Ok(text.to_owned()),
                None => Err(DocumentError::MetaField {
                    field,
                    problem: crate::t!(
                        "schemas.document.problem.must_be_string",
                        found = describe(&value_ref(&value))
                    )
                    .into_owned(),
                }),
            },
        }
    };
    let invalid =
        |field: &'static str, problem: String| DocumentError::MetaField { field, problem };
    let schema_version = match doc.get(&meta_id, META_SCHEMA_VERSION)? {
        None => {
            return Err(invalid(
                META_SCHEMA_VERSION,
                crate::t!("schemas.document.problem.missing").into_owned(),
            ));
        }
        Some((value, _)) => match value.as_scalar() {
            Some(ScalarValue::Uint(version)) => *version,
            Some(ScalarValue::Int(version)) if *version >= 0 => version.unsigned_abs(),
            _ => {
                return Err(invalid(
                    META_SCHEMA_VERSION,
                    crate::t!(
                        "schemas.document.problem.must_be_unsigned",
                        found = describe(&value_ref(&value))
                    )
                    .into_owned(),
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
        return Err(invalid(
            META_PERIOD,
            crate::t!(
                "schemas.document.problem.must_be_written",
                canonical = period
            )
            .into_owned(),
        ));
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
        if item.key != META && item.key != TABLES && item.key != CONFIRMATIONS {
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

/// The fields that make up a table's record id, in the order the id joins them with `/`. The record
/// map is stored under its id, so these fields are not stored again inside it: an import writes
/// fewer operations (an energy record keeps two of its five fields), and a record's identity
/// cannot disagree with its key.
pub fn key_fields(table: Table) -> &'static [&'static str] {
    table.spec().id_fields
}
