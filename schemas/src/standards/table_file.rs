//! Reading a standard table's TOML file field by field, with errors that name the entry and field.
//!
//! A file is parsed into a `toml::Table` and each entry is read through an [`Entry`], rather than
//! deserialized with serde's derive: serde's messages point at a line, but whoever corrects a table
//! needs the entry and the field to fix, and the checks that follow (duplicates, ranges, references
//! between entries) must name them the same way. Entries of a list are named by their position and
//! key, such as `ranks entry 3 (central_bureau_head)`.

use std::sync::OnceLock;

use crate::t;
use toml::{Table, Value};

use crate::Decimal;
use crate::i18n::{display_in_current_language, shown};
use crate::records::{AmountError, parse_amount};

use super::Provenance;
use super::VEHICLE_REPLACEMENT_YEARS_MAX;

/// Most entries a list of a table may hold. The real lists have fewer than thirty entries and are
/// searched by scanning; a longer list is a broken file, not a standard.
pub const ENTRIES_PER_TABLE_MAX: usize = 1_000;

/// How the fields outside any entry are named in messages.
const TOP_LEVEL: &str = "top level";

/// Why a standard table file is refused. Each variant names the entry and the field at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StandardTableError {
    /// The file is not TOML.
    Syntax {
        /// The TOML parser's message, with the line.
        message: String,
    },
    /// A required field is absent.
    MissingField {
        /// The entry, such as `ranks entry 3 (central_bureau_head)` or `top level`.
        entry: String,
        /// The field.
        field: &'static str,
    },
    /// A field that the table does not have, usually a misspelt one.
    UnknownField {
        /// The entry.
        entry: String,
        /// The field given.
        field: String,
    },
    /// A field holds a value of the wrong TOML type, such as a float where a decimal string is
    /// expected.
    WrongType {
        /// The entry.
        entry: String,
        /// The field.
        field: &'static str,
        /// What the field must hold: the key of its words under `schemas.standards.expected`.
        expected: &'static str,
        /// The TOML type found.
        found: &'static str,
    },
    /// A decimal field is not a non-negative decimal string of bounded size.
    BadValue {
        /// The entry.
        entry: String,
        /// The field.
        field: &'static str,
        /// The text given.
        value: String,
        /// The rule broken.
        source: AmountError,
    },
    /// A number is outside the range that makes sense for the field.
    OutOfRange {
        /// The entry.
        entry: String,
        /// The field.
        field: &'static str,
        /// The value given.
        value: String,
        /// The rule broken: the key of its words under `schemas.standards.rule`.
        rule: &'static str,
    },
    /// A text field is empty or not in the form the field requires.
    BadText {
        /// The entry.
        entry: String,
        /// The field.
        field: &'static str,
        /// The text given.
        value: String,
        /// The rule broken: the key of its words under `schemas.standards.rule`.
        rule: &'static str,
    },
    /// A key (a slug, a name, a code) that another entry already uses.
    DuplicateKey {
        /// The later entry.
        entry: String,
        /// The field.
        field: &'static str,
        /// The key.
        value: String,
        /// The earlier entry that has the key.
        first: String,
    },
    /// A name that is not one of the names the field accepts, such as an unknown level or a
    /// reference to an entry that does not exist.
    UnknownName {
        /// The entry.
        entry: String,
        /// The field.
        field: &'static str,
        /// The name given.
        value: String,
        /// The accepted names.
        accepted: String,
    },
    /// A list lacks an entry the table must have, or is empty.
    MissingEntry {
        /// The list, such as `categories`.
        list: String,
        /// The key of the entry it must have, such as `law_enforcement`; none when the list is
        /// empty.
        key: Option<String>,
    },
    /// A list has more than [`ENTRIES_PER_TABLE_MAX`] entries.
    TooManyEntries {
        /// The list.
        entry: String,
        /// How many entries it has.
        count: usize,
    },
}

impl StandardTableError {
    /// What is wrong with the table, naming the entry and the field, in a language of the
    /// catalogues.
    pub fn localized(&self, locale: &str) -> String {
        use StandardTableError as E;
        let rule_text = |rule: &str| {
            t!(
                format!("schemas.standards.rule.{rule}"),
                locale = locale,
                max = VEHICLE_REPLACEMENT_YEARS_MAX
            )
        };
        match self {
            E::Syntax { message } => {
                t!(
                    "schemas.standards.syntax",
                    locale = locale,
                    message = message
                )
            }
            E::MissingField { entry, field } => t!(
                "schemas.standards.missing_field",
                locale = locale,
                entry = entry,
                field = field
            ),
            E::UnknownField { entry, field } => t!(
                "schemas.standards.unknown_field",
                locale = locale,
                entry = entry,
                field = shown(field)
            ),
            E::WrongType {
                entry,
                field,
                expected,
                found,
            } => t!(
                "schemas.standards.wrong_type",
                locale = locale,
                entry = entry,
                field = field,
                expected = t!(
                    format!("schemas.standards.expected.{expected}"),
                    locale = locale
                ),
                found = found
            ),
            E::BadValue {
                entry,
                field,
                value,
                source,
            } => t!(
                "schemas.standards.bad_value",
                locale = locale,
                entry = entry,
                field = field,
                value = shown(value),
                rule = source.localized(locale)
            ),
            E::OutOfRange {
                entry,
                field,
                value,
                rule,
            } => t!(
                "schemas.standards.out_of_range",
                locale = locale,
                entry = entry,
                field = field,
                value = value,
                rule = rule_text(rule)
            ),
            E::BadText {
                entry,
                field,
                value,
                rule,
            } => t!(
                "schemas.standards.bad_text",
                locale = locale,
                entry = entry,
                field = field,
                value = shown(value),
                rule = rule_text(rule)
            ),
            E::DuplicateKey {
                entry,
                field,
                value,
                first,
            } => t!(
                "schemas.standards.duplicate_key",
                locale = locale,
                entry = entry,
                field = field,
                value = shown(value),
                first = first
            ),
            E::UnknownName {
                entry,
                field,
                value,
                accepted,
            } => t!(
                "schemas.standards.unknown_name",
                locale = locale,
                entry = entry,
                field = field,
                value = shown(value),
                accepted = accepted
            ),
            E::MissingEntry { list, key: None } => {
                t!("schemas.standards.empty_list", locale = locale, list = list)
            }
            E::MissingEntry {
                list,
                key: Some(key),
            } => t!(
                "schemas.standards.missing_entry",
                locale = locale,
                list = list,
                key = key
            ),
            E::TooManyEntries { entry, count } => t!(
                "schemas.standards.too_many_entries",
                locale = locale,
                entry = entry,
                count = count,
                max = ENTRIES_PER_TABLE_MAX
            ),
        }
        .into_owned()
    }
}

display_in_current_language!(StandardTableError);

/// Parses the text of a table file into a TOML table.
pub(super) fn parse_document(text: &str) -> Result<Table, StandardTableError> {
    text.parse::<Table>()
        .map_err(|error| StandardTableError::Syntax {
            message: error.to_string(),
        })
}

/// Parses an embedded table once and keeps it for the life of the program.
pub(super) fn load_embedded<T>(
    cell: &'static OnceLock<T>,
    file_name: &str,
    text: &str,
    parse: fn(&str) -> Result<T, StandardTableError>,
) -> &'static T {
    cell.get_or_init(|| match parse(text) {
        Ok(table) => table,
        // The table is part of the binary and a unit test parses it: failing here is our bug.
        Err(error) => panic!("embedded standard table {file_name} is invalid: {error}"),
    })
}

/// One entry of a table file (or its top level), read field by field.
#[derive(Debug)]
pub(super) struct Entry<'a> {
    /// How messages name the entry.
    name: String,
    /// The entry's fields.
    fields: &'a Table,
}

impl<'a> Entry<'a> {
    /// The fields of a file outside any entry.
    pub(super) fn top_level(fields: &'a Table) -> Self {
        Self {
            name: TOP_LEVEL.to_owned(),
            fields,
        }
    }

    /// How messages name the entry.
    pub(super) fn name(&self) -> &str {
        &self.name
    }

    /// Refuses any field not in `known`.
    pub(super) fn check_fields(&self, known: &[&str]) -> Result<(), StandardTableError> {
        match self
            .fields
            .keys()
            .find(|field| !known.contains(&field.as_str()))
        {
            Some(field) => Err(StandardTableError::UnknownField {
                entry: self.name.clone(),
                field: field.clone(),
            }),
            None => Ok(()),
        }
    }

    /// A string field, if present.
    pub(super) fn optional_text(
        &self,
        field: &'static str,
    ) -> Result<Option<&'a str>, StandardTableError> {
        match self.fields.get(field) {
            None => Ok(None),
            Some(Value::String(text)) => Ok(Some(text)),
            Some(other) => Err(self.wrong_type(field, "string", other)),
        }
    }

    /// A string field that must be present and hold more than white space; returned trimmed.
    pub(super) fn text(&self, field: &'static str) -> Result<String, StandardTableError> {
        let text = self
            .optional_text(field)?
            .ok_or_else(|| self.missing(field))?;
        if text.trim().is_empty() {
            return Err(self.bad_text(field, text, "not_empty"));
        }
        Ok(text.trim().to_owned())
    }

    /// A key made of lowercase ASCII letters, digits and `_`, such as a slug.
    pub(super) fn slug(&self, field: &'static str) -> Result<String, StandardTableError> {
        let text = self.text(field)?;
        if !text
            .bytes()
            .all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'_')
        {
            return Err(self.bad_text(field, &text, "slug_form"));
        }
        Ok(text)
    }

    /// The table's version id: lowercase ASCII letters, digits and `-`, as in the coefficient tables.
    pub(super) fn version(&self) -> Result<String, StandardTableError> {
        let version = self.text("version")?;
        if !version
            .bytes()
            .all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'-')
        {
            return Err(self.bad_text("version", &version, "version_form"));
        }
        Ok(version)
    }

    /// A boolean field that must be present.
    pub(super) fn boolean(&self, field: &'static str) -> Result<bool, StandardTableError> {
        self.optional_boolean(field)?
            .ok_or_else(|| self.missing(field))
    }

    /// A boolean field, if present.
    pub(super) fn optional_boolean(
        &self,
        field: &'static str,
    ) -> Result<Option<bool>, StandardTableError> {
        match self.fields.get(field) {
            None => Ok(None),
            Some(Value::Boolean(value)) => Ok(Some(*value)),
            Some(other) => Err(self.wrong_type(field, "boolean", other)),
        }
    }

    /// An integer field that must be present and lie within `range`, described by `rule`.
    pub(super) fn integer(
        &self,
        field: &'static str,
        range: std::ops::RangeInclusive<i64>,
        rule: &'static str,
    ) -> Result<i64, StandardTableError> {
        match self.fields.get(field) {
            None => Err(self.missing(field)),
            Some(Value::Integer(value)) if range.contains(value) => Ok(*value),
            Some(Value::Integer(value)) => Err(self.out_of_range(field, value.to_string(), rule)),
            Some(other) => Err(self.wrong_type(field, "whole_number", other)),
        }
    }

    /// A decimal field above zero, written as a string, if present.
    pub(super) fn optional_positive_amount(
        &self,
        field: &'static str,
    ) -> Result<Option<Decimal>, StandardTableError> {
        let text = match self.fields.get(field) {
            None => return Ok(None),
            Some(Value::String(text)) => text,
            Some(other) => {
                return Err(self.wrong_type(field, "decimal_string", other));
            }
        };
        let value = parse_amount(text).map_err(|source| StandardTableError::BadValue {
            entry: self.name.clone(),
            field,
            value: text.clone(),
            source,
        })?;
        if value.is_zero() {
            return Err(self.out_of_range(field, text.clone(), "above_zero"));
        }
        Ok(Some(value))
    }

    /// A decimal field above zero, written as a string, that must be present.
    pub(super) fn positive_amount(
        &self,
        field: &'static str,
    ) -> Result<Decimal, StandardTableError> {
        self.optional_positive_amount(field)?
            .ok_or_else(|| self.missing(field))
    }

    /// A list of strings (`["a", "b"]`), each trimmed, if present; an absent field is an empty
    /// list.
    pub(super) fn optional_text_list(
        &self,
        field: &'static str,
    ) -> Result<Vec<String>, StandardTableError> {
        let items = match self.fields.get(field) {
            None => return Ok(Vec::new()),
            Some(Value::Array(items)) => items,
            Some(other) => return Err(self.wrong_type(field, "list_of_strings", other)),
        };
        items
            .iter()
            .map(|item| match item {
                Value::String(text) => Ok(text.trim().to_owned()),
                other => Err(self.wrong_type(field, "list_of_strings", other)),
            })
            .collect()
    }

    /// The `verified` and `note` fields: a value that is not verified must say why.
    pub(super) fn provenance(&self) -> Result<Provenance, StandardTableError> {
        let verified = self.boolean("verified")?;
        let note = match self.optional_text("note")? {
            Some(_) => self.text("note")?,
            None if verified => String::new(),
            None => return Err(self.missing("note")),
        };
        Ok(Provenance { verified, note })
    }

    /// A sub-table that must be present, such as `[far_factor]`.
    pub(super) fn table(&self, field: &'static str) -> Result<Entry<'a>, StandardTableError> {
        match self.fields.get(field) {
            None => Err(self.missing(field)),
            Some(Value::Table(fields)) => Ok(Entry {
                name: self.child_name(field),
                fields,
            }),
            Some(other) => Err(self.wrong_type(field, "table", other)),
        }
    }

    /// A list of tables (`[[field]]`) that must be present. Each entry is named by its position and
    /// by the text of its `key_field`, if that is a string.
    pub(super) fn list(
        &self,
        field: &'static str,
        key_field: &str,
    ) -> Result<Vec<Entry<'a>>, StandardTableError> {
        let list_name = self.child_name(field);
        let items = match self.fields.get(field) {
            None => return Err(self.missing(field)),
            Some(Value::Array(items)) => items,
            Some(other) => return Err(self.wrong_type(field, "list_of_tables", other)),
        };
        if items.is_empty() {
            return Err(StandardTableError::MissingEntry {
                list: list_name,
                key: None,
            });
        }
        if items.len() > ENTRIES_PER_TABLE_MAX {
            return Err(StandardTableError::TooManyEntries {
                entry: list_name,
                count: items.len(),
            });
        }
        items
            .iter()
            .enumerate()
            .map(|(index, item)| {
                let position = index + 1;
                let Value::Table(fields) = item else {
                    return Err(self.wrong_type(field, "list_of_tables", item));
                };
                let name = match fields.get(key_field) {
                    Some(Value::String(key)) => {
                        format!("{list_name} entry {position} ({})", key.trim())
                    }
                    _ => format!("{list_name} entry {position}"),
                };
                Ok(Entry { name, fields })
            })
            .collect()
    }

    /// The error for a key of this entry's `field` that an earlier entry already uses.
    pub(super) fn duplicate(
        &self,
        field: &'static str,
        value: &str,
        first: &str,
    ) -> StandardTableError {
        StandardTableError::DuplicateKey {
            entry: self.name.clone(),
            field,
            value: value.to_owned(),
            first: first.to_owned(),
        }
    }

    /// The error for a name in `field` that is not among `accepted`.
    pub(super) fn unknown_name<'b>(
        &self,
        field: &'static str,
        value: &str,
        accepted: impl IntoIterator<Item = &'b str>,
    ) -> StandardTableError {
        StandardTableError::UnknownName {
            entry: self.name.clone(),
            field,
            value: value.to_owned(),
            accepted: accepted.into_iter().collect::<Vec<_>>().join(", "),
        }
    }

    /// The error for a value of `field` outside its range.
    pub(super) fn out_of_range(
        &self,
        field: &'static str,
        value: impl Into<String>,
        rule: &'static str,
    ) -> StandardTableError {
        StandardTableError::OutOfRange {
            entry: self.name.clone(),
            field,
            value: value.into(),
            rule,
        }
    }

    /// The error for a text of `field` not in the required form.
    pub(super) fn bad_text(
        &self,
        field: &'static str,
        value: &str,
        rule: &'static str,
    ) -> StandardTableError {
        StandardTableError::BadText {
            entry: self.name.clone(),
            field,
            value: value.to_owned(),
            rule,
        }
    }

    /// The error for an absent required field.
    fn missing(&self, field: &'static str) -> StandardTableError {
        StandardTableError::MissingField {
            entry: self.name.clone(),
            field,
        }
    }

    /// The error for a field of the wrong TOML type.
    fn wrong_type(
        &self,
        field: &'static str,
        expected: &'static str,
        found: &Value,
    ) -> StandardTableError {
        StandardTableError::WrongType {
            entry: self.name.clone(),
            field,
            expected,
            found: found.type_str(),
        }
    }

    /// How messages name a sub-table or list of this entry.
    fn child_name(&self, field: &str) -> String {
        if self.name == TOP_LEVEL {
            field.to_owned()
        } else {
            format!("{}.{field}", self.name)
        }
    }
}
