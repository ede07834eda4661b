//! How each column of a blank form is laid out for its kind of value, and how its unit, format
//! and allowed values are described in the instructions.
//!
//! Everything here is read from the schema's [`ColumnSpec`]: a closed list
//! ([`FieldKind::Choice`]) or a yes/no column gets a dropdown of the words the import accepts, an
//! amount, count or year a number check, a code a text-length check, and codes, names and months
//! the text format, so that what a clerk types reaches the import as typed.

use crate::t;
use schemas::Language;
use schemas::columns::ColumnSpec;
use schemas::records::field::{YEAR_FIELD_MAX, YEAR_FIELD_MIN};
use schemas::records::values::CREDIT_CODE_CHARACTERS;
use schemas::records::{
    COUNT_MAX, Carrier, FieldKind, IDENTIFIER_CHARS_MAX, NAME_CHARS_MAX, TEXT_CHARS_MAX,
};

use crate::spreadsheet::{
    CellRule, CellValidation, ColumnLayout, ColumnWidth, TEXT_NUMBER_FORMAT,
    VALIDATION_MESSAGE_LENGTH_MAX, VALIDATION_TITLE_LENGTH_MAX, display_width,
};

/// The number format of date columns: a typed date shows as the import writes it.
const DATE_FORMAT: &str = "yyyy-mm-dd";

/// The number format of date-time columns.
const DATE_TIME_FORMAT: &str = "yyyy-mm-dd hh:mm";

/// Digits of an administrative division code.
const DIVISION_CODE_CHARACTERS: u32 = 12;

/// Characters of a vehicle identification number.
const VIN_CHARACTERS: u32 = 17;

/// Characters of a number plate: 7, or 8 for a new-energy vehicle.
const PLATE_CHARACTERS: (u32, u32) = (7, 8);

/// The words of a yes/no column the dropdown offers; the import accepts them (and yes/no,
/// true/false, 1/0).
const BOOLEAN_WORDS: [&str; 2] = ["是", "否"];

/// The values a cell of a column may take, in the order its dropdown offers them: the Chinese
/// names of a closed list, or 是 and 否 for a yes/no column. `None` for an open column.
pub fn dropdown_values(kind: &FieldKind) -> Option<Vec<&'static str>> {
    match kind {
        FieldKind::Choice(list) => Some(
            (list.choices)()
                .iter()
                .map(|choice| choice.name_zh)
                .collect(),
        ),
        FieldKind::Boolean => Some(BOOLEAN_WORDS.to_vec()),
        _ => None,
    }
}

/// Whether a column is formatted as text: codes and ids (which Excel would strip of leading
/// zeros or turn into numbers), names and texts, closed lists (an institution type may be typed
/// as its code, `021`), and months (which Excel would turn into dates).
pub(crate) fn is_text_column(kind: &FieldKind) -> bool {
    matches!(
        kind,
        FieldKind::Identifier
            | FieldKind::Name
            | FieldKind::Text
            | FieldKind::CreditCode
            | FieldKind::Division
            | FieldKind::Plate
            | FieldKind::Vin
            | FieldKind::Month
            | FieldKind::Choice(_)
            | FieldKind::Boolean
    )
}

/// The layout of a column of a table sheet. `list_rule` turns a dropdown's values into the rule
/// that offers them (inline, or from the sheet of lists), given the column's header.
pub(crate) fn column_layout(
    spec: &ColumnSpec,
    language: Language,
    list_rule: &mut dyn FnMut(&str, &[&str]) -> CellRule,
) -> ColumnLayout {
    let number_format = if is_text_column(&spec.kind) {
        Some(TEXT_NUMBER_FORMAT.to_owned())
    } else {
        match spec.kind {
            FieldKind::Date => Some(DATE_FORMAT.to_owned()),
            FieldKind::DateTime => Some(DATE_TIME_FORMAT.to_owned()),
            _ => None,
        }
    };
    let values = dropdown_values(&spec.kind);
    let widest_value = values
        .iter()
        .flatten()
        .map(|value| display_width(value))
        .max()
        .unwrap_or(0);
    ColumnLayout {
        number_format,
        width: ColumnWidth::AtLeast(typical_width(&spec.kind).max(widest_value)),
        wrap: false,
        header_shaded: spec.required,
        validation: Some(validation(spec, language, values.as_deref(), list_rule)),
    }
}

/// The widths of a digit a typical value of the kind takes.
fn typical_width(kind: &FieldKind) -> usize {
    match kind {
        FieldKind::Identifier => 12,
        FieldKind::Name => 24,
        FieldKind::Text => 30,
        FieldKind::Amount => 12,
        FieldKind::Count => 8,
        FieldKind::Year => 6,
        FieldKind::Boolean => 4,
        FieldKind::Date => 10,
        FieldKind::DateTime => 16,
        FieldKind::Month => 7,
        FieldKind::CreditCode => 18,
        FieldKind::Division => 12,
        // A province character counts double.
        FieldKind::Plate => 9,
        FieldKind::Vin => 17,
        FieldKind::Choice(_) => 8,
    }
}

/// The rule on the cells of a column, with its messages.
fn validation(
    spec: &ColumnSpec,
    language: Language,
    values: Option<&[&'static str]>,
    list_rule: &mut dyn FnMut(&str, &[&str]) -> CellRule,
) -> CellValidation {
    let locale = language.code();
    let title = fit(spec.header_zh, VALIDATION_TITLE_LENGTH_MAX);
    let error_title = fit(
        &t!("template.error.title", locale = locale),
        VALIDATION_TITLE_LENGTH_MAX,
    );
    let error = |message: String| Some((error_title.clone(), message));
    let input = |message: String| {
        let message = fit(&message, VALIDATION_MESSAGE_LENGTH_MAX);
        Some((title.clone(), message))
    };
    let length_exact = |length: u32| {
        error(
            t!(
                "template.error.length_exact",
                locale = locale,
                length = length
            )
            .into_owned(),
        )
    };
    let length_range = |min: usize, max: usize| {
        error(
            t!(
                "template.error.length_range",
                locale = locale,
                min = min,
                max = max
            )
            .into_owned(),
        )
    };
    let format = format_text(&spec.kind, language);
    let to_u32 = |count: usize| u32::try_from(count).unwrap_or(u32::MAX);
    let (rule, input, error) = match (&spec.kind, values) {
        (FieldKind::Choice(_) | FieldKind::Boolean, Some(values)) => {
            let listed = values.join(&t!("template.list_separator", locale = locale));
            let message = t!("template.error.list", locale = locale, values = listed);
            let message = if message.encode_utf16().count() <= VALIDATION_MESSAGE_LENGTH_MAX {
                message.into_owned()
            } else {
                t!("template.error.list_long", locale = locale).into_owned()
            };
            (list_rule(spec.header_zh, values), None, error(message))
        }
        (FieldKind::Amount, _) => (
            CellRule::DecimalAtLeast(0.0),
            None,
            error(t!("template.error.amount", locale = locale).into_owned()),
        ),
        (FieldKind::Count, _) => (
            CellRule::WholeNumber {
                min: 0,
                max: i32::try_from(COUNT_MAX).unwrap_or(i32::MAX),
            },
            None,
            error(t!("template.error.count", locale = locale, max = COUNT_MAX).into_owned()),
        ),
        (FieldKind::Year, _) => (
            CellRule::WholeNumber {
                min: i32::from(YEAR_FIELD_MIN),
                max: i32::from(YEAR_FIELD_MAX),
            },
            None,
            error(
                t!(
                    "template.error.year",
                    locale = locale,
                    min = YEAR_FIELD_MIN,
                    max = YEAR_FIELD_MAX
                )
                .into_owned(),
            ),
        ),
        (FieldKind::CreditCode, _) => {
            let length = to_u32(CREDIT_CODE_CHARACTERS);
            (
                CellRule::TextLength {
                    min: length,
                    max: length,
                },
                input(format),
                length_exact(length),
            )
        }
        (FieldKind::Division, _) => (
            CellRule::TextLength {
                min: DIVISION_CODE_CHARACTERS,
                max: DIVISION_CODE_CHARACTERS,
            },
            input(format),
            length_exact(DIVISION_CODE_CHARACTERS),
        ),
        (FieldKind::Vin, _) => (
            CellRule::TextLength {
                min: VIN_CHARACTERS,
                max: VIN_CHARACTERS,
            },
            input(format),
            length_exact(VIN_CHARACTERS),
        ),
        (FieldKind::Plate, _) => (
            CellRule::TextLength {
                min: PLATE_CHARACTERS.0,
                max: PLATE_CHARACTERS.1,
            },
            input(format),
            length_range(PLATE_CHARACTERS.0 as usize, PLATE_CHARACTERS.1 as usize),
        ),
        (FieldKind::Identifier, _) => (
            CellRule::TextLength {
                min: 1,
                max: to_u32(IDENTIFIER_CHARS_MAX),
            },
            input(format),
            length_range(1, IDENTIFIER_CHARS_MAX),
        ),
        (FieldKind::Name, _) => (
            CellRule::TextLength {
                min: 1,
                max: to_u32(NAME_CHARS_MAX),
            },
            None,
            length_range(1, NAME_CHARS_MAX),
        ),
        (FieldKind::Text, _) => (
            CellRule::TextLength {
                min: 0,
                max: to_u32(TEXT_CHARS_MAX),
            },
            None,
            length_range(0, TEXT_CHARS_MAX),
        ),
        (FieldKind::Date | FieldKind::DateTime | FieldKind::Month, _) => {
            (CellRule::Any, input(format), None)
        }
        // A choice or yes/no column always has its values.
        (FieldKind::Choice(_) | FieldKind::Boolean, None) => (CellRule::Any, None, None),
    };
    CellValidation { rule, input, error }
}

/// A text cut to at most `max` UTF-16 units, as Excel counts a validation's title and messages.
fn fit(text: &str, max: usize) -> String {
    let mut length = 0;
    text.chars()
        .take_while(|character| {
            length += character.len_utf16();
            length <= max
        })
        .collect()
}

/// How a cell of the kind is written, for the instructions and input messages.
pub(crate) fn format_text(kind: &FieldKind, language: Language) -> String {
    let locale = language.code();
    match kind {
        FieldKind::Identifier => {
            t!(
                "template.format.identifier",
                locale = locale,
                max = IDENTIFIER_CHARS_MAX
            )
        }
        FieldKind::Name => t!(
            "template.format.name",
            locale = locale,
            max = NAME_CHARS_MAX
        ),
        FieldKind::Text => t!(
            "template.format.text",
            locale = locale,
            max = TEXT_CHARS_MAX
        ),
        FieldKind::Amount => t!("template.format.amount", locale = locale),
        FieldKind::Count => t!("template.format.count", locale = locale, max = COUNT_MAX),
        FieldKind::Year => t!(
            "template.format.year",
            locale = locale,
            min = YEAR_FIELD_MIN,
            max = YEAR_FIELD_MAX
        ),
        FieldKind::Boolean => t!("template.format.boolean", locale = locale),
        FieldKind::Date => t!("template.format.date", locale = locale),
        FieldKind::DateTime => t!("template.format.date_time", locale = locale),
        FieldKind::Month => t!("template.format.month", locale = locale),
        FieldKind::CreditCode => t!("template.format.credit_code", locale = locale),
        FieldKind::Division => t!("template.format.division", locale = locale),
        FieldKind::Plate => t!("template.format.plate", locale = locale),
        FieldKind::Vin => t!("template.format.vin", locale = locale),
        FieldKind::Choice(_) => t!("template.format.choice", locale = locale),
    }
    .into_owned()
}

/// The allowed values of a closed-list or yes/no column, for the instructions: the Chinese
/// names (and, in English, the slug each stands for); empty for an open column.
pub(crate) fn allowed_text(kind: &FieldKind, language: Language) -> String {
    let locale = language.code();
    let separator = t!("template.list_separator", locale = locale);
    match kind {
        FieldKind::Choice(list) => (list.choices)()
            .iter()
            .map(|choice| {
                t!(
                    "template.choice_item",
                    locale = locale,
                    name = choice.name_zh,
                    slug = choice.slug
                )
                .into_owned()
            })
            .collect::<Vec<_>>()
            .join(&separator),
        FieldKind::Boolean => BOOLEAN_WORDS.join(&separator),
        _ => String::new(),
    }
}

/// The unit of a column, from its field name, whose unit comes last (`floor_area_m2`,
/// `price_yuan`): empty for a column without one. An energy quantity's unit depends on the
/// carrier, so it lists each carrier's.
pub(crate) fn unit_text(spec: &ColumnSpec, language: Language) -> String {
    let locale = language.code();
    let field = spec.field;
    let key = if field == "quantity" {
        return carrier_units(language);
    } else if field.ends_with("_m2") {
        "m2"
    } else if field.ends_with("_yuan") {
        "yuan"
    } else if field.ends_with("_km") {
        "km"
    } else if field.ends_with("_kg") {
        "kg"
    } else if field.ends_with("_l") {
        "litre"
    } else if matches!(field, "people" | "occupants") {
        "people"
    } else if field == "quota" {
        "vehicles"
    } else {
        return String::new();
    };
    t!(format!("template.unit.{key}"), locale = locale).into_owned()
}

/// Each carrier's unit: `按能源品种：电力 千瓦时；水 立方米；…`.
fn carrier_units(language: Language) -> String {
    let locale = language.code();
    let units: Vec<String> = Carrier::ALL
        .iter()
        .map(|carrier| {
            let key = match carrier.unit() {
                "kWh" => "kwh",
                "m3" => "m3",
                "t" => "tonne",
                "L" => "litre",
                "kg" => "kg",
                "GJ" => "gj",
                _ => "tce",
            };
            t!(
                "template.unit.carrier_unit",
                locale = locale,
                carrier = carrier.name_zh(),
                unit = t!(format!("template.unit.{key}"), locale = locale)
            )
            .into_owned()
        })
        .collect();
    t!(
        "template.unit.by_carrier",
        locale = locale,
        units = units.join(&t!("template.unit.separator", locale = locale))
    )
    .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use schemas::Table;
    use schemas::columns::columns;

    #[test]
    fn units_agree_with_the_units_in_the_chinese_headers() {
        for table in Table::ALL {
            for spec in columns(table) {
                let Some((_, unit)) = spec.header_zh.split_once('（') else {
                    continue;
                };
                let unit = unit.trim_end_matches('）');
                assert_eq!(
                    unit_text(spec, Language::Chinese),
                    unit,
                    "{table}.{}",
                    spec.field
                );
            }
        }
    }

    #[test]
    fn every_carrier_unit_is_in_the_catalogue() {
        for language in Language::ALL {
            let units = carrier_units(language);
            assert!(!units.contains("template."), "{units}");
            for carrier in Carrier::ALL {
                assert!(units.contains(carrier.name_zh()), "{units}");
            }
        }
    }

    #[test]
    fn titles_and_messages_are_cut_as_excel_counts() {
        assert_eq!(fit("使用单位统一社会信用代码", 5), "使用单位统");
        assert_eq!(fit("abc", 32), "abc");
        assert_eq!(fit("a𠀀b", 2), "a", "a supplementary character counts 2");
    }
}
