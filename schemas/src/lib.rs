//! The three ledgers: record types, units, checks, coefficient tables and consolidated figures.
//!
//! Pure: no I/O, no async, no clock. Files are read by the node, which hands rows of text cells here
//! to be parsed into typed records; records are written into and read back from automerge documents
//! here; figures are computed here from records and added up level by level.
//!
//! - [`ledger`], [`table`], [`period`]: what a document holds and for when.
//! - [`records`]: the typed records and value types that cannot be malformed, with their rules.
//! - [`columns`]: the import column mapping, from header rows and text cells to records.
//! - [`document`]: the automerge layout of one (owner, ledger, period) document.
//! - [`coefficients`]: versioned standard-coal coefficient tables, kept as data files.
//! - [`figures`]: additive consolidated figures, added level by level.
//! - [`findings`]: rules that span records, their registry entries and the findings they report.
//! - [`vocabulary`]: what a ledger is made of ([`vocabulary::LedgerDefinition`]), knowing no ledger.
//! - [`ledgers`]: each ledger as one value, and the one place that dispatches to them.
//! - [`standards`]: official limits kept as versioned tables (room areas, vehicle caps, benchmarks).
//! - [`returns`]: the statistical return every export format writes.
//! - [`i18n`]: the language people read; the message catalogues are `locales/<language>.yml`.

// The message catalogues of the whole workspace, compiled in; Chinese when a key is missing.
rust_i18n::i18n!("../locales", fallback = "zh-CN");

pub mod coefficients;
pub mod columns;
pub mod document;
pub mod figures;
pub mod findings;
pub mod i18n;
pub mod ledger;
pub mod ledgers;
pub mod period;
pub mod records;
pub mod returns;
pub mod standards;
pub mod table;
pub mod vocabulary;

pub use coefficients::CoefficientTable;
pub use columns::{
    CellError, DuplicateId, HeaderError, HeaderMap, check_unique_ids, columns, header_row,
    resolve_headers,
};
pub use document::{DocumentError, DocumentMeta, SCHEMA_VERSION};
pub use figures::{FigureError, FigureSpec, Figures};
pub use i18n::Language;
pub use ledger::Ledger;
pub use ledgers::{catalog, compute};
pub use period::{Month, Period, PeriodError, PeriodProblem};
pub use records::{
    Carrier, ColumnSpec, CreditCode, Date, DateTime, Field, FieldKind, FuelType, Ownership,
    RECORDS_PER_DOCUMENT_MAX, Record, RecordError, Value, VehicleCategory, VehicleStatus, Vin,
};
pub use rust_decimal::Decimal;
pub use table::{Table, tables_of};
