//! The typed records of the three ledgers and the rules each record must obey.
//!
//! A [`Record`] is one row of one table: the table's [`TableSpec`] (defined by its ledger, in
//! [`crate::ledgers`]) lists its columns, and the record holds that spec and one typed [`Value`] per
//! column. Code reads a field through a typed [`Field`] handle ([`handle`]), so a field name or kind
//! that is not the table's is a compile error. Records arrive from imported
//! rows ([`crate::columns`]), from documents ([`crate::document`]) or from code
//! ([`Record::from_texts`]); every path parses text with [`FieldKind::parse`] into value types that
//! cannot be malformed ([`CreditCode`], [`Plate`], [`Vin`], [`Date`], [`DateTime`], [`Month`], the
//! closed lists of [`kinds`]) and then calls [`Record::validate`] for the rules that span fields.

pub mod amount;
pub mod field;
pub mod handle;
pub mod kinds;
pub mod values;

use crate::t;
use topology::DivisionCode;

pub use amount::{
    AMOUNT_FRACTION_DIGITS_MAX, AMOUNT_INTEGER_DIGITS_MAX, AmountError, amount_text, check_amount,
    parse_amount,
};
pub use field::{COUNT_MAX, Choice, ChoiceList, ColumnSpec, FieldKind, Value};
pub use handle::Field;
pub use kinds::{
    AcquisitionKind, BodyType, Carrier, FuelType, InstitutionType, Ownership, Registration,
    SafetyGrade, SpaceCategory, SpaceDisposalMethod, SpaceStatus, UnknownName, VehicleCategory,
    VehicleDisposalMethod, VehicleStatus, WasteCategory,
};
pub use values::{
    CreditCode, CreditCodeError, Date, DateError, DateTime, DateTimeError, Plate, PlateError, Vin,
    VinError,
};

use crate::Decimal;
use crate::i18n::{current_locale, display_in_current_language, shown};
use crate::ledger::Ledger;
use crate::period::{Month, Period};
use crate::table::Table;

/// Most records one document may hold. A province's whole network logged about 1.9 million dispatch
/// orders in a year, so one body's document stays well below; the bound keeps loading, memory and
/// the exact sums of [`crate::figures`] within known limits.
pub const RECORDS_PER_DOCUMENT_MAX: usize = 2_000_000;

/// Most characters of an identifier chosen by the body (a building id, a dispatch order number).
pub const IDENTIFIER_CHARS_MAX: usize = 64;

/// Most characters of a name (a building's name): the longest official names of Chinese bodies are
/// around 50 characters, so 200 leaves room without admitting pasted paragraphs.
pub const NAME_CHARS_MAX: usize = 200;

/// Most characters of free text (an address, the purpose of a trip).
pub const TEXT_CHARS_MAX: usize = 500;

/// Why a text field is refused. Each message is phrased as the rule the text broke.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    /// A required text is empty.
    Empty,
    /// The text is longer than its bound.
    TooLong {
        /// How many characters the text has.
        length_chars: usize,
        /// The bound for this field.
        chars_max: usize,
    },
    /// The text holds a control character such as a line break or a tab.
    ControlCharacter,
    /// An identifier begins or ends with white space, which would make two ids look alike.
    SurroundingWhiteSpace,
}

impl TextError {
    /// The rule the text broke, phrased to follow the field, in a language of the catalogues.
    pub fn localized(&self, locale: &str) -> String {
        match self {
            TextError::Empty => t!("schemas.text.empty", locale = locale),
            TextError::TooLong {
                length_chars,
                chars_max,
            } => t!(
                "schemas.text.too_long",
                locale = locale,
                length = length_chars,
                max = chars_max
            ),
            TextError::ControlCharacter => t!("schemas.text.control_character", locale = locale),
            TextError::SurroundingWhiteSpace => {
                t!("schemas.text.surrounding_white_space", locale = locale)
            }
        }
        .into_owned()
    }
}

display_in_current_language!(TextError);

/// Checks a free text: bounded, without control characters, and non-empty when `required`.
pub fn check_text(text: &str, chars_max: usize, required: bool) -> Result<(), TextError> {
    if required && text.trim().is_empty() {
        return Err(TextError::Empty);
    }
    let length_chars = text.chars().count();
    if length_chars > chars_max {
        return Err(TextError::TooLong {
            length_chars,
            chars_max,
        });
    }
    if text.chars().any(char::is_control) {
        return Err(TextError::ControlCharacter);
    }
    Ok(())
}

/// Checks an identifier: non-empty, at most [`IDENTIFIER_CHARS_MAX`] characters, no control
/// characters and no surrounding white space.
pub fn check_identifier(text: &str) -> Result<(), TextError> {
    check_text(text, IDENTIFIER_CHARS_MAX, true)?;
    if text.trim() != text {
        return Err(TextError::SurroundingWhiteSpace);
    }
    Ok(())
}

/// Why a record is refused: the field and the rule it broke, phrased to follow the field ("must
/// be ..."), so that callers can prefix it with the place.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{rule}")]
pub struct RecordError {
    /// The field whose value broke the rule.
    pub field: &'static str,
    /// The rule broken.
    pub rule: String,
}

impl RecordError {
    /// An error about a field.
    pub fn new(field: &'static str, rule: impl Into<String>) -> Self {
        Self {
            field,
            rule: rule.into(),
        }
    }

    /// The field whose value broke the rule.
    pub fn field(&self) -> &'static str {
        self.field
    }
}

/// A table: its columns, which of them make up a record's id, which one dates a record within its
/// document's period, and the rules that span the fields of one record. Each ledger defines its
/// tables' specs; a record holds the spec of its table.
#[derive(Debug)]
pub struct TableSpec {
    /// The table.
    pub table: Table,
    /// The columns, in template order.
    pub columns: &'static [ColumnSpec],
    /// The fields whose canonical texts, joined with `/`, make the record's id. Identifiers among
    /// several id fields may not contain `/`.
    pub id_fields: &'static [&'static str],
    /// The field (a month, date or date-time) that must lie in the document's period, for records
    /// of a period; `None` for standing records such as buildings.
    pub dated_by: Option<&'static str>,
    /// The rules that span the fields of one record (such as usable area within floor area).
    pub rule: fn(&Record) -> Result<(), RecordError>,
}

impl TableSpec {
    /// The position of a field among the columns.
    pub fn index_of(&self, field: &str) -> Option<usize> {
        self.columns.iter().position(|column| column.field == field)
    }

    /// The column of a field.
    pub fn column(&self, field: &str) -> Option<&'static ColumnSpec> {
        self.columns.iter().find(|column| column.field == field)
    }

    /// Whether a field is part of the record id.
    pub fn is_id_field(&self, field: &str) -> bool {
        self.id_fields.contains(&field)
    }
}

/// The rule of a table without rules that span fields.
pub fn no_rule(_: &Record) -> Result<(), RecordError> {
    Ok(())
}

/// A record of any table: its table's spec and one typed value per column of the table, in column
/// order.
#[derive(Clone)]
pub struct Record {
    spec: &'static TableSpec,
    values: Vec<Value>,
}

impl PartialEq for Record {
    fn eq(&self, other: &Self) -> bool {
        self.spec.table == other.spec.table && self.values == other.values
    }
}

impl Eq for Record {}

impl std::fmt::Debug for Record {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("Record")
            .field("table", &self.spec.table)
            .field("values", &self.values)
            .finish()
    }
}

impl Record {
    /// Builds a record from its values in column order, checking that each value is of its column's
    /// kind and that the record obeys its table's rules.
    pub fn new(spec: &'static TableSpec, values: Vec<Value>) -> Result<Self, RecordError> {
        let table = spec.table;
        if values.len() != spec.columns.len() {
            return Err(RecordError::new(
                spec.columns.first().map_or("", |column| column.field),
                t!(
                    "schemas.record.wrong_field_count",
                    table = table.named(&current_locale()),
                    expected = spec.columns.len(),
                    found = values.len()
                ),
            ));
        }
        let record = Self { spec, values };
        record.validate()?;
        Ok(record)
    }

    /// Builds a record from texts by field name, parsed as an imported cell would be; a field not
    /// given takes its column's default, or is refused when the column is required.
    pub fn from_texts(
        spec: &'static TableSpec,
        texts: &[(&str, &str)],
    ) -> Result<Self, RecordError> {
        let table = spec.table;
        if let Some((field, _)) = texts
            .iter()
            .find(|(field, _)| !spec.columns.iter().any(|column| column.field == *field))
        {
            return Err(RecordError::new(
                spec.columns[0].field,
                t!(
                    "schemas.record.unknown_field",
                    field = shown(field),
                    table = table.named(&current_locale())
                ),
            ));
        }
        let mut values = Vec::with_capacity(spec.columns.len());
        for column in spec.columns {
            let text = texts
                .iter()
                .find(|(field, _)| *field == column.field)
                .map(|(_, text)| text.trim());
            values.push(parse_field(column, text)?);
        }
        Self::new(spec, values)
    }

    /// A copy with one field set from text, checked like a new record.
    pub fn with(&self, field: &str, text: &str) -> Result<Self, RecordError> {
        let spec = self.spec;
        let index = spec.index_of(field).ok_or_else(|| {
            RecordError::new(
                spec.columns[0].field,
                t!(
                    "schemas.record.unknown_field",
                    field = shown(field),
                    table = self.spec.table.named(&current_locale())
                ),
            )
        })?;
        let mut values = self.values.clone();
        values[index] = parse_field(&spec.columns[index], Some(text.trim()))?;
        Self::new(spec, values)
    }

    /// The table the record belongs to.
    pub fn table(&self) -> Table {
        self.spec.table
    }

    /// The spec of the record's table.
    pub fn spec(&self) -> &'static TableSpec {
        self.spec
    }

    /// The ledger the record belongs to.
    pub fn ledger(&self) -> Ledger {
        self.spec.table.ledger()
    }

    /// The columns of the record's table with the record's value of each.
    pub fn fields(&self) -> impl Iterator<Item = (&'static ColumnSpec, &Value)> {
        self.spec.columns.iter().zip(&self.values)
    }

    /// The values in column order.
    pub fn values(&self) -> &[Value] {
        &self.values
    }

    /// The value of a field. Code names fields of the tables it reads, which the tests exercise, so
    /// a field missing from the table is a bug and panics.
    pub fn get(&self, field: &str) -> &Value {
        let spec = self.spec;
        match spec.index_of(field) {
            Some(index) => &self.values[index],
            None => panic!("{field} is not a field of table {}", self.spec.table),
        }
    }

    /// The canonical text of a field, as documents store it.
    pub fn text_of(&self, field: &str) -> String {
        self.get(field).text()
    }

    /// A text field (identifier, name or free text).
    pub fn text(&self, field: &str) -> &str {
        match self.get(field) {
            Value::Text(text) => text,
            other => kind_mismatch(self.spec.table, field, "text", other),
        }
    }

    /// An amount field.
    pub fn amount(&self, field: &str) -> Decimal {
        match self.get(field) {
            Value::Amount(amount) => *amount,
            other => kind_mismatch(self.spec.table, field, "an amount", other),
        }
    }

    /// A count field.
    pub fn count(&self, field: &str) -> u64 {
        match self.get(field) {
            Value::Count(count) => *count,
            other => kind_mismatch(self.spec.table, field, "a count", other),
        }
    }

    /// A year field.
    pub fn year(&self, field: &str) -> u16 {
        match self.get(field) {
            Value::Year(year) => *year,
            other => kind_mismatch(self.spec.table, field, "a year", other),
        }
    }

    /// A yes/no field.
    pub fn boolean(&self, field: &str) -> bool {
        match self.get(field) {
            Value::Boolean(flag) => *flag,
            other => kind_mismatch(self.spec.table, field, "a boolean", other),
        }
    }

    /// A date field.
    pub fn date(&self, field: &str) -> Date {
        match self.get(field) {
            Value::Date(date) => *date,
            other => kind_mismatch(self.spec.table, field, "a date", other),
        }
    }

    /// A date-time field.
    pub fn date_time(&self, field: &str) -> DateTime {
        match self.get(field) {
            Value::DateTime(time) => *time,
            other => kind_mismatch(self.spec.table, field, "a date-time", other),
        }
    }

    /// A month field.
    pub fn month(&self, field: &str) -> Month {
        match self.get(field) {
            Value::Month(month) => *month,
            other => kind_mismatch(self.spec.table, field, "a month", other),
        }
    }

    /// A credit code field.
    pub fn credit_code(&self, field: &str) -> &CreditCode {
        match self.get(field) {
            Value::CreditCode(code) => code,
            other => kind_mismatch(self.spec.table, field, "a credit code", other),
        }
    }

    /// A division code field.
    pub fn division(&self, field: &str) -> DivisionCode {
        match self.get(field) {
            Value::Division(code) => *code,
            other => kind_mismatch(self.spec.table, field, "a division code", other),
        }
    }

    /// A plate field.
    pub fn plate(&self, field: &str) -> &Plate {
        match self.get(field) {
            Value::Plate(plate) => plate,
            other => kind_mismatch(self.spec.table, field, "a plate", other),
        }
    }

    /// The slug of a closed-list field.
    pub fn choice(&self, field: &str) -> &'static str {
        match self.get(field) {
            Value::Choice(slug) => slug,
            other => kind_mismatch(self.spec.table, field, "a choice", other),
        }
    }

    /// The record's id, unique within its table: the canonical texts of the table's id fields
    /// joined with `/`.
    pub fn id(&self) -> String {
        let spec = self.spec;
        let mut id = String::new();
        for (position, field) in spec.id_fields.iter().enumerate() {
            if position > 0 {
                id.push('/');
            }
            match self.get(field) {
                Value::Text(text) => id.push_str(text),
                other => id.push_str(&other.text()),
            }
        }
        id
    }

    /// Checks every value against its column (kinds, bounds, text rules) and the table's rules that
    /// span fields. Records built from text are checked on the way in; this checks them as a whole.
    pub fn validate(&self) -> Result<(), RecordError> {
        let spec = self.spec;
        for (column, value) in spec.columns.iter().zip(&self.values) {
            check_value(
                column,
                value,
                spec.id_fields.len() > 1 && spec.is_id_field(column.field),
            )?;
        }
        (spec.rule)(self)
    }

    /// Checks that a record dated within a period lies in the document's period (an energy record's
    /// month, a dispatch order's start). Standing records (buildings, vehicles) always pass.
    pub fn check_period(&self, period: Period) -> Result<(), RecordError> {
        let spec = self.spec;
        let Some(field) = spec.dated_by else {
            return Ok(());
        };
        let month = match self.get(field) {
            Value::Month(month) => *month,
            Value::Date(date) => date.month(),
            Value::DateTime(time) => time.date().month(),
            other => kind_mismatch(self.spec.table, field, "a date", other),
        };
        if period.contains(month) {
            Ok(())
        } else {
            Err(RecordError::new(
                field,
                t!(
                    "schemas.record.outside_period",
                    period = period,
                    month = month
                ),
            ))
        }
    }
}

/// Panics for a field read as another kind than its column's: the accessors are called only by
/// code that names the fields of its own tables, so this is a bug.
fn kind_mismatch(table: Table, field: &str, expected: &str, found: &Value) -> ! {
    panic!("field {field} of table {table} is read as {expected} but holds {found:?}")
}

/// Parses the trimmed text of a field, or takes its default when it is absent or empty.
pub fn parse_field(column: &ColumnSpec, text: Option<&str>) -> Result<Value, RecordError> {
    match text {
        Some(text) if !text.is_empty() => column
            .kind
            .parse(text)
            .map_err(|rule| RecordError::new(column.field, rule)),
        _ => column.default_value().ok_or_else(|| {
            let key = if text.is_some() {
                "schemas.record.cell_empty"
            } else {
                "schemas.record.column_absent"
            };
            RecordError::new(column.field, t!(key, rule = column.rule()))
        }),
    }
}

/// Checks a value against its column: the kind and, for texts, the bounds (values parsed from text
/// obey them already; values built in code might not).
fn check_value(
    column: &ColumnSpec,
    value: &Value,
    in_composite_id: bool,
) -> Result<(), RecordError> {
    let field = column.field;
    let text_rule = |result: Result<(), TextError>| {
        result.map_err(|source| RecordError::new(field, source.to_string()))
    };
    match (&column.kind, value) {
        (FieldKind::Identifier, Value::Text(text)) => {
            text_rule(check_identifier(text))?;
            if in_composite_id && text.contains('/') {
                return Err(RecordError::new(field, t!("schemas.record.slash_in_id")));
            }
        }
        (FieldKind::Name, Value::Text(text)) => {
            text_rule(check_text(text, NAME_CHARS_MAX, column.required))?
        }
        (FieldKind::Text, Value::Text(text)) => {
            text_rule(check_text(text, TEXT_CHARS_MAX, column.required))?
        }
        (FieldKind::Amount, Value::Amount(amount)) => {
            check_amount(*amount).map_err(|source| RecordError::new(field, source.to_string()))?
        }
        (FieldKind::Count, Value::Count(count)) if *count <= COUNT_MAX => {}
        (FieldKind::Year, Value::Year(year))
            if (field::YEAR_FIELD_MIN..=field::YEAR_FIELD_MAX).contains(year) => {}
        (FieldKind::Boolean, Value::Boolean(_))
        | (FieldKind::Date, Value::Date(_))
        | (FieldKind::DateTime, Value::DateTime(_))
        | (FieldKind::CreditCode, Value::CreditCode(_))
        | (FieldKind::Division, Value::Division(_))
        | (FieldKind::Plate, Value::Plate(_))
        | (FieldKind::Vin, Value::Vin(_)) => {}
        (FieldKind::Month, Value::Month(month)) => {
            if Month::parse(&month.to_string()).is_err() {
                return Err(RecordError::new(
                    field,
                    t!("schemas.field.must_be", rule = column.kind.rule()),
                ));
            }
        }
        (FieldKind::Choice(list), Value::Choice(slug)) if list.by_slug(slug).is_some() => {}
        (kind, value) => {
            return Err(RecordError::new(
                field,
                t!(
                    "schemas.field.must_be_found",
                    rule = kind.rule(),
                    found = shown(&value.text())
                ),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn building() -> Record {
        Record::from_texts(
            Table::Buildings.spec(),
            &[
                ("building_id", "B-001"),
                ("name", "自治区机关综合办公楼"),
                (
                    "institution_credit_code",
                    CreditCode::with_check_digit("11640000MB0000001")
                        .unwrap()
                        .as_str(),
                ),
                ("division_code", "640000000000"),
                ("address", "银川市金凤区"),
                ("floor_area_m2", "1000"),
                ("build_year", "2005"),
                ("ownership", "自有自用"),
                ("registration", "已登记"),
                ("safety_grade", "A级"),
            ],
        )
        .unwrap()
    }

    #[test]
    fn records_from_text_read_back_typed() {
        let record = building();
        assert_eq!(record.id(), "B-001");
        assert_eq!(record.amount("floor_area_m2"), Decimal::from(1000));
        assert_eq!(record.amount("land_area_m2"), Decimal::ZERO);
        assert_eq!(record.choice("ownership"), "owned_in_use");
        assert_eq!(record.year("build_year"), 2005);
        let changed = record.with("floor_area_m2", "1200.5").unwrap();
        assert_eq!(changed.text_of("floor_area_m2"), "1200.5");
    }

    #[test]
    fn text_fields_are_bounded() {
        // The expected texts are the English catalogue's.
        crate::Language::English.scope(|| {
            let record = building();
            let error = record
                .with("building_id", &"x".repeat(IDENTIFIER_CHARS_MAX + 1))
                .unwrap_err();
            assert_eq!(error.field(), "building_id");
            let error = record.with("name", "a\nb").unwrap_err();
            assert_eq!(error.field(), "name");
            assert!(error.rule.contains("control characters"), "{error}");
            assert!(record.with("build_year", "1799").is_err());
            // Spaces and rooms name the building in ids joined with '/'.
            assert_eq!(
                record.with("building_id", "B/1").unwrap_err().field(),
                "building_id"
            );
            assert!(Record::from_texts(Table::Buildings.spec(), &[("name", "x")]).is_err());
        });
    }

    #[test]
    fn dated_records_lie_in_their_period() {
        let record = Record::from_texts(
            Table::EnergyConsumption.spec(),
            &[
                (
                    "institution_credit_code",
                    CreditCode::with_check_digit("12640000MB0000002")
                        .unwrap()
                        .as_str(),
                ),
                ("month", "2025-03"),
                ("carrier", "电力"),
                ("quantity", "1000"),
                ("cost_yuan", "560.5"),
            ],
        )
        .unwrap();
        assert!(record.check_period(Period::parse("2025").unwrap()).is_ok());
        assert!(
            record
                .check_period(Period::parse("2025-Q1").unwrap())
                .is_ok()
        );
        let error = record
            .check_period(Period::parse("2025-04").unwrap())
            .unwrap_err();
        assert_eq!(error.field(), "month");
        assert!(record.id().ends_with("/electricity/2025-03"));
        let negative = record.with("quantity", "-3").unwrap_err();
        assert_eq!(negative.field(), "quantity");
    }
}
