//! Reading a ledger document back into records, checking every field and rule: documents come
//! from untrusted peers, and every error names the table, record id and field.

use automerge::{Automerge, ObjType, ReadDoc, ScalarValueRef, ValueRef};

use super::{DocumentError, ExpectedType, TABLES, describe, key_fields, read_meta, table_maps};
use crate::i18n::shown;

use crate::records::{ColumnSpec, FieldKind, RECORDS_PER_DOCUMENT_MAX, Record, RecordError, Value};
use crate::table::Table;

/// Reads every record, checking every field and rule: documents come from untrusted peers.
pub fn read_records(doc: &Automerge) -> Result<Vec<Record>, DocumentError> {
    let meta = read_meta(doc)?;
    let tables = table_maps(doc, meta.ledger)?;
    // A peer's confirmations are checked with its records, though they are not records.
    super::read_confirmations(doc)?;
    let count: usize = tables
        .iter()
        .map(|(_, table_id)| doc.length(table_id))
        .sum();
    if count > RECORDS_PER_DOCUMENT_MAX {
        return Err(DocumentError::TooManyRecords { count });
    }
    let mut records = Vec::with_capacity(count);
    for (table, table_id) in &tables {
        let specs = table.spec().columns;
        for item in doc.map_range(table_id, ..) {
            let record_id = item.key.as_ref();
            if !matches!(item.value, ValueRef::Object(ObjType::Map)) {
                return Err(DocumentError::NotAMap {
                    place: format!("{TABLES}.{table}.{record_id}"),
                    found: describe(&item.value),
                });
            }
            let record_object = item.id();
            // A single id field is the whole key, `/` and all; several are joined with `/`, which
            // their identifiers may not contain.
            let key_parts: Vec<&str> = if key_fields(*table).len() == 1 {
                vec![record_id]
            } else {
                record_id.split('/').collect()
            };
            if key_parts.len() != key_fields(*table).len() {
                return Err(DocumentError::InvalidField {
                    table: *table,
                    record_id: record_id.to_owned(),
                    field: key_fields(*table)[0],
                    rule: crate::t!(
                        "schemas.document.problem.id_must_join",
                        fields = key_fields(*table).join(", ")
                    )
                    .into_owned(),
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

/// The fields of one stored record, by the position of their column, and the parts of its key
/// that stand for its id fields.
struct Fields<'a> {
    table: Table,
    record_id: &'a str,
    key_parts: Vec<&'a str>,
    values: Vec<Option<ValueRef<'a>>>,
}

impl Fields<'_> {
    /// The record, each field parsed from its stored form and checked to be canonical.
    fn record(&self) -> Result<Record, DocumentError> {
        let spec = self.table.spec();
        let mut values = Vec::with_capacity(spec.columns.len());
        for (index, column) in spec.columns.iter().enumerate() {
            values.push(self.value(index, column)?);
        }
        Record::new(self.table.spec(), values).map_err(|source| DocumentError::InvalidRecord {
            table: self.table,
            record_id: self.record_id.to_owned(),
            field: source.field(),
            source,
        })
    }

    /// One field's value: from the key for an id field, else from the stored scalar.
    fn value(&self, index: usize, column: &ColumnSpec) -> Result<Value, DocumentError> {
        let field = column.field;
        let spec = self.table.spec();
        let text = if let Some(position) = spec.id_fields.iter().position(|key| *key == field) {
            self.key_parts[position]
        } else {
            let stored = match self.values[index].as_ref() {
                Some(stored) => stored,
                // A column added to its table after documents were written (a vehicle's body
                // type and acquisition kind, the saving-type columns of institutions) takes its
                // default in those documents; any other absent field is a damaged document.
                None => {
                    return match column.default_value() {
                        Some(default) if column.added_later => Ok(default),
                        _ => Err(DocumentError::MissingField {
                            table: self.table,
                            record_id: self.record_id.to_owned(),
                            field,
                        }),
                    };
                }
            };
            match (&column.kind, stored) {
                (kind, ValueRef::Scalar(ScalarValueRef::Uint(number)))
                    if kind.is_stored_as_integer() =>
                {
                    return self.parse_canonical(column, &number.to_string());
                }
                (FieldKind::Boolean, ValueRef::Scalar(ScalarValueRef::Boolean(flag))) => {
                    return Ok(Value::Boolean(*flag));
                }
                (kind, ValueRef::Scalar(ScalarValueRef::Str(text)))
                    if !kind.is_stored_as_integer() && *kind != FieldKind::Boolean =>
                {
                    text.as_ref()
                }
                (kind, other) => {
                    return Err(DocumentError::WrongType {
                        table: self.table,
                        record_id: self.record_id.to_owned(),
                        field,
                        expected: match kind {
                            FieldKind::Count | FieldKind::Year => ExpectedType::UnsignedInteger,
                            FieldKind::Boolean => ExpectedType::Boolean,
                            _ => ExpectedType::String,
                        },
                        found: describe(other),
                    });
                }
            }
        };
        self.parse_canonical(column, text)
    }

    /// Parses a stored text and checks that it is written in canonical form, as this crate writes
    /// it: an optional text may be empty, every other value must parse and print back the same.
    fn parse_canonical(&self, column: &ColumnSpec, text: &str) -> Result<Value, DocumentError> {
        let invalid = |rule: String| DocumentError::InvalidField {
            table: self.table,
            record_id: self.record_id.to_owned(),
            field: column.field,
            rule,
            value: text.to_owned(),
        };
        let value = if text.is_empty() {
            column
                .default_value()
                .filter(|value| value.text().is_empty())
                .ok_or_else(|| {
                    invalid(
                        crate::t!(
                            "schemas.document.problem.must_not_be_empty",
                            rule = column.rule()
                        )
                        .into_owned(),
                    )
                })?
        } else {
            column.kind.parse(text).map_err(invalid)?
        };
        let canonical = value.text();
        if canonical != text {
            return Err(invalid(
                crate::t!(
                    "schemas.document.problem.must_be_written",
                    canonical = shown(&canonical)
                )
                .into_owned(),
            ));
        }
        Ok(value)
    }
}
