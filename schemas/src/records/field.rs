//! Fields: what kind of value each column of a table holds, and the one place where a cell's text
//! becomes a typed [`Value`] and a value becomes text again.
//!
//! Every table is described by data ([`ColumnSpec`]s in [`crate::ledgers`]), not by a hand-written
//! struct: imports, documents, templates and exports all go through [`FieldKind::parse`] and
//! [`Value::text`], so a rule is written once and holds on every path. Parsing a canonical text
//! gives a value whose text is that same string; documents are checked to store only canonical
//! text (see [`crate::document`]).

use std::fmt;

use crate::t;
use rust_decimal::Decimal;
use topology::DivisionCode;

use super::amount::{
    AMOUNT_FRACTION_DIGITS_MAX, AMOUNT_INTEGER_DIGITS_MAX, amount_text, parse_amount,
};
use super::values::{CreditCode, Date, DateTime, Plate, Vin};
use super::{IDENTIFIER_CHARS_MAX, NAME_CHARS_MAX, TEXT_CHARS_MAX, check_identifier, check_text};
use crate::period::{Month, YEAR_MAX};

/// Earliest year accepted in a year field (a building's construction year).
pub const YEAR_FIELD_MIN: u16 = 1800;

/// Latest year accepted in a year field, the same bound as [`crate::period::YEAR_MAX`].
pub const YEAR_FIELD_MAX: u16 = YEAR_MAX;

/// Largest count accepted (people, occupants, a quota): a billion is beyond any body.
pub const COUNT_MAX: u64 = 1_000_000_000;

/// One value of a closed list: stored as its slug, shown as its Chinese name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Choice {
    /// The name stored in documents and used in figure names.
    pub slug: &'static str,
    /// The name on forms.
    pub name_zh: &'static str,
}

/// A closed list a field chooses from. The list is given by a function so that it may come from a
/// versioned standards table (the ranks of office rooms) as well as from code.
#[derive(Clone, Copy)]
pub struct ChoiceList {
    /// What kind of value it is, such as "energy carrier", for messages.
    pub kind: &'static str,
    /// The values, in form order.
    pub choices: fn() -> &'static [Choice],
}

impl fmt::Debug for ChoiceList {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("ChoiceList")
            .field("kind", &self.kind)
            .finish()
    }
}

impl PartialEq for ChoiceList {
    fn eq(&self, other: &Self) -> bool {
        self.kind == other.kind
    }
}

impl Eq for ChoiceList {}

/// Whether two Chinese names are the same, taking ASCII parentheses for full-width ones.
fn same_chinese_name(name: &str, text: &str) -> bool {
    let full_width = |character: char| match character {
        '(' => '（',
        ')' => '）',
        other => other,
    };
    name.chars()
        .map(full_width)
        .eq(text.chars().map(full_width))
}

impl ChoiceList {
    /// The choice a cell names: its slug (in any letter case) or its Chinese name, trimmed, with
    /// ASCII and full-width parentheses alike (`正厅(局)级` is `正厅（局）级`, as a clerk on an
    /// English keyboard types it).
    pub fn find(&self, text: &str) -> Option<&'static Choice> {
        let trimmed = text.trim();
        (self.choices)().iter().find(|choice| {
            choice.slug.eq_ignore_ascii_case(trimmed) || same_chinese_name(choice.name_zh, trimmed)
        })
    }

    /// The choice whose slug is exactly `slug`, as documents store it.
    pub fn by_slug(&self, slug: &str) -> Option<&'static Choice> {
        (self.choices)().iter().find(|choice| choice.slug == slug)
    }

    /// The accepted names for a message: `电力 (electricity), 水 (water), ...`.
    pub fn accepted(&self) -> String {
        (self.choices)()
            .iter()
            .map(|choice| format!("{} ({})", choice.name_zh, choice.slug))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// What kind of value a field holds, which sets how it is parsed, checked, stored and shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldKind {
    /// An identifier chosen by the body: 1 to 64 characters, no control characters, no surrounding
    /// white space; no `/` when it is part of a composite record id.
    Identifier,
    /// A name: 1 to 200 characters.
    Name,
    /// Free text, possibly empty: at most 500 characters.
    Text,
    /// A non-negative decimal amount (see [`parse_amount`]).
    Amount,
    /// A non-negative whole number up to [`COUNT_MAX`].
    Count,
    /// A four-digit year from [`YEAR_FIELD_MIN`] to [`YEAR_FIELD_MAX`].
    Year,
    /// Yes or no.
    Boolean,
    /// A day, `YYYY-MM-DD`.
    Date,
    /// A time of day to the minute, `YYYY-MM-DD HH:MM`.
    DateTime,
    /// A month, `YYYY-MM`.
    Month,
    /// An 18-character unified social credit code.
    CreditCode,
    /// A 12-digit administrative division code.
    Division,
    /// A vehicle number plate.
    Plate,
    /// A 17-character vehicle identification number.
    Vin,
    /// One value of a closed list.
    Choice(ChoiceList),
}

/// One column of a table: its field, its header on the forms, and what it holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ColumnSpec {
    /// The English field name, unit-suffixed, as in documents and JSON.
    pub field: &'static str,
    /// The Chinese header of the national forms, with its unit in full-width parentheses.
    pub header_zh: &'static str,
    /// What the field holds.
    pub kind: FieldKind,
    /// Whether the column must be present and its cells filled; an absent or empty optional cell
    /// takes the kind's default (empty text, zero, the first value of a closed list).
    pub required: bool,
    /// What the cell means, for templates and messages: the key of its text in the catalogues,
    /// under `schemas.meaning` (such as `buildings.floor_area_m2`, "the floor area of the whole
    /// building in m2"); the rule of the kind is added to it (see [`ColumnSpec::rule`]). Empty
    /// for a column whose kind says it all.
    pub meaning: &'static str,
    /// Whether the column was added to its table after documents were first written: a stored
    /// record without it takes the column's default, where an absent field of any other column
    /// is a damaged document. Only optional columns may be added later.
    pub added_later: bool,
}

impl ColumnSpec {
    /// A required column.
    pub const fn required(
        field: &'static str,
        header_zh: &'static str,
        kind: FieldKind,
        meaning: &'static str,
    ) -> Self {
        Self {
            field,
            header_zh,
            kind,
            required: true,
            meaning,
            added_later: false,
        }
    }

    /// An optional column.
    pub const fn optional(
        field: &'static str,
        header_zh: &'static str,
        kind: FieldKind,
        meaning: &'static str,
    ) -> Self {
        Self {
            field,
            header_zh,
            kind,
            required: false,
            meaning,
            added_later: false,
        }
    }

    /// This optional column, marked as added to its table after documents were first written
    /// (see [`ColumnSpec::added_later`]).
    pub const fn added_later(self) -> Self {
        assert!(!self.required, "only an optional column may be added later");
        Self {
            added_later: true,
            ..self
        }
    }

    /// What the cell means, in the language in force; empty when the column has no meaning text.
    pub fn meaning_text(&self) -> String {
        if self.meaning.is_empty() {
            String::new()
        } else {
            t!(format!("schemas.meaning.{}", self.meaning)).into_owned()
        }
    }

    /// What a cell of the column must hold, in full: its meaning and the rule of its kind, in the
    /// language in force.
    pub fn rule(&self) -> String {
        let rule = self.kind.rule();
        let rule = if self.required {
            rule
        } else {
            t!("schemas.field.optional", rule = rule).into_owned()
        };
        if self.meaning.is_empty() {
            rule
        } else {
            t!(
                "schemas.field.meaning_and_rule",
                meaning = self.meaning_text(),
                rule = rule
            )
            .into_owned()
        }
    }

    /// The value an absent or empty optional cell takes.
    pub fn default_value(&self) -> Option<Value> {
        if self.required {
            return None;
        }
        match self.kind {
            FieldKind::Text | FieldKind::Name | FieldKind::Identifier => {
                Some(Value::Text(String::new()))
            }
            FieldKind::Amount => Some(Value::Amount(Decimal::ZERO)),
            FieldKind::Count => Some(Value::Count(0)),
            FieldKind::Boolean => Some(Value::Boolean(false)),
            // An optional closed list takes its first value: the list puts the usual one first
            // (a vehicle's body type 轿车, its acquisition 购置), which is what older templates
            // without the column meant.
            FieldKind::Choice(list) => (list.choices)()
                .first()
                .map(|choice| Value::Choice(choice.slug)),
            _ => None,
        }
    }
}

/// A typed value of one field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    /// An identifier, name or free text.
    Text(String),
    /// A non-negative amount, normalized.
    Amount(Decimal),
    /// A whole number.
    Count(u64),
    /// A year.
    Year(u16),
    /// Yes or no.
    Boolean(bool),
    /// A day.
    Date(Date),
    /// A time of day to the minute.
    DateTime(DateTime),
    /// A month.
    Month(Month),
    /// A unified social credit code.
    CreditCode(CreditCode),
    /// An administrative division code.
    Division(DivisionCode),
    /// A number plate.
    Plate(Plate),
    /// A vehicle identification number.
    Vin(Vin),
    /// The chosen value of a closed list, by its slug.
    Choice(&'static str),
}

impl Value {
    /// The canonical text of the value: what documents store, exports write and ids join.
    pub fn text(&self) -> String {
        match self {
            Value::Text(text) => text.clone(),
            Value::Amount(amount) => amount_text(*amount),
            Value::Count(count) => count.to_string(),
            Value::Year(year) => year.to_string(),
            Value::Boolean(flag) => flag.to_string(),
            Value::Date(date) => date.to_string(),
            Value::DateTime(time) => time.to_string(),
            Value::Month(month) => month.to_string(),
            Value::CreditCode(code) => code.to_string(),
            Value::Division(code) => code.to_string(),
            Value::Plate(plate) => plate.to_string(),
            Value::Vin(vin) => vin.to_string(),
            Value::Choice(slug) => (*slug).to_owned(),
        }
    }
}

impl FieldKind {
    /// The rule a cell of this kind must obey, phrased to follow "must be" ("应为"), in the
    /// language in force.
    pub fn rule(&self) -> String {
        match self {
            FieldKind::Identifier => {
                t!("schemas.kind.identifier", max = IDENTIFIER_CHARS_MAX)
            }
            FieldKind::Name => t!("schemas.kind.name", max = NAME_CHARS_MAX),
            FieldKind::Text => t!("schemas.kind.text", max = TEXT_CHARS_MAX),
            FieldKind::Amount => t!(
                "schemas.kind.amount",
                integer_digits = AMOUNT_INTEGER_DIGITS_MAX,
                fraction_digits = AMOUNT_FRACTION_DIGITS_MAX
            ),
            FieldKind::Count => t!("schemas.kind.count", max = COUNT_MAX),
            FieldKind::Year => t!(
                "schemas.kind.year",
                min = YEAR_FIELD_MIN,
                max = YEAR_FIELD_MAX
            ),
            FieldKind::Boolean => t!("schemas.kind.boolean"),
            FieldKind::Date => t!("schemas.kind.date"),
            FieldKind::DateTime => t!("schemas.kind.date_time"),
            FieldKind::Month => t!("schemas.kind.month"),
            FieldKind::CreditCode => t!("schemas.kind.credit_code"),
            FieldKind::Division => t!("schemas.kind.division"),
            FieldKind::Plate => t!("schemas.kind.plate"),
            FieldKind::Vin => t!("schemas.kind.vin"),
            FieldKind::Choice(list) => t!("schemas.kind.choice", accepted = list.accepted()),
        }
        .into_owned()
    }

    /// Parses a trimmed, non-empty cell. The error is phrased as the rule the text broke.
    pub fn parse(&self, text: &str) -> Result<Value, String> {
        let must = || t!("schemas.field.must_be", rule = self.rule()).into_owned();
        match self {
            FieldKind::Identifier => check_identifier(text)
                .map(|()| Value::Text(text.to_owned()))
                .map_err(|error| error.to_string()),
            FieldKind::Name => check_text(text, NAME_CHARS_MAX, true)
                .map(|()| Value::Text(text.to_owned()))
                .map_err(|error| error.to_string()),
            FieldKind::Text => check_text(text, TEXT_CHARS_MAX, false)
                .map(|()| Value::Text(text.to_owned()))
                .map_err(|error| error.to_string()),
            FieldKind::Amount => parse_amount(text)
                .map(Value::Amount)
                .map_err(|error| error.to_string()),
            FieldKind::Count => parse_count(text).map(Value::Count).ok_or_else(must),
            FieldKind::Year => parse_year(text).map(Value::Year).ok_or_else(must),
            FieldKind::Boolean => parse_boolean(text).map(Value::Boolean).ok_or_else(must),
            FieldKind::Date => Date::parse(text)
                .map(Value::Date)
                .map_err(|error| error.to_string()),
            FieldKind::DateTime => DateTime::parse(text)
                .map(Value::DateTime)
                .map_err(|error| error.to_string()),
            FieldKind::Month => Month::parse(text).map(Value::Month).map_err(|_| must()),
            FieldKind::CreditCode => CreditCode::parse(text)
                .map(Value::CreditCode)
                .map_err(|error| error.to_string()),
            FieldKind::Division => DivisionCode::parse(text)
                .map(Value::Division)
                .map_err(|_| must()),
            FieldKind::Plate => Plate::parse(text)
                .map(Value::Plate)
                .map_err(|error| error.to_string()),
            FieldKind::Vin => Vin::parse(text)
                .map(Value::Vin)
                .map_err(|error| error.to_string()),
            FieldKind::Choice(list) => list
                .find(text)
                .map(|choice| Value::Choice(choice.slug))
                .ok_or_else(must),
        }
    }

    /// Whether documents store this kind as an unsigned integer rather than as text.
    pub fn is_stored_as_integer(&self) -> bool {
        matches!(self, FieldKind::Count | FieldKind::Year)
    }
}

/// Parses a whole number written with digits only, up to [`COUNT_MAX`].
fn parse_count(text: &str) -> Option<u64> {
    if text.is_empty() || text.len() > 10 || !text.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    let count: u64 = text.parse().ok()?;
    (count <= COUNT_MAX).then_some(count)
}

/// Parses a four-digit year within the accepted range.
fn parse_year(text: &str) -> Option<u16> {
    if text.len() != 4 || !text.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    let year: u16 = text.parse().ok()?;
    (YEAR_FIELD_MIN..=YEAR_FIELD_MAX)
        .contains(&year)
        .then_some(year)
}

/// Parses a yes/no cell: true/false, yes/no, 是/否, 1/0 (letters in any case).
fn parse_boolean(text: &str) -> Option<bool> {
    const TRUE: [&str; 4] = ["true", "yes", "是", "1"];
    const FALSE: [&str; 4] = ["false", "no", "否", "0"];
    if TRUE.iter().any(|word| word.eq_ignore_ascii_case(text)) {
        Some(true)
    } else if FALSE.iter().any(|word| word.eq_ignore_ascii_case(text)) {
        Some(false)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_text_parses_back_to_itself() {
        let cases = [
            (FieldKind::Amount, "1200.5"),
            (FieldKind::Count, "42"),
            (FieldKind::Year, "2005"),
            (FieldKind::Boolean, "true"),
            (FieldKind::Date, "2025-03-01"),
            (FieldKind::DateTime, "2025-03-01 08:30"),
            (FieldKind::Month, "2025-03"),
            (FieldKind::Division, "640104000000"),
            (FieldKind::Plate, "宁A12345"),
            (FieldKind::Identifier, "B-001"),
        ];
        for (kind, text) in cases {
            let value = kind.parse(text).unwrap();
            assert_eq!(value.text(), text, "{kind:?}");
        }
    }

    #[test]
    fn counts_and_years_refuse_what_is_not_plain_digits() {
        assert!(FieldKind::Count.parse("-1").is_err());
        assert!(FieldKind::Count.parse("1.5").is_err());
        assert!(FieldKind::Count.parse("2000000000").is_err());
        assert_eq!(FieldKind::Count.parse("007").unwrap(), Value::Count(7));
        assert!(FieldKind::Year.parse("1799").is_err());
        assert!(FieldKind::Year.parse("25").is_err());
    }
}
