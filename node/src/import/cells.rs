//! Cells as clerks' Excel and WPS files hold them, made into the plain text the schema's parsers
//! read, before those parsers see them (so the schema keeps one strict form per kind of value).
//!
//! Every cell but names and free text goes through Unicode NFKC (full-width digits, letters and
//! punctuation typed with a Chinese input method become ASCII: `１２００` → `1200`). Then, by the
//! column's kind: a trailing unit equal to the column's unit is dropped (`1200平方米`, `1200㎡`) and
//! any other unit refused naming the unit expected; months are read from dates and the ways people
//! write them (`2025/1`, `2025年1月`, `2025-01-15`, a date cell); days likewise; a code that Excel
//! stored as a number gets back the zeros it lost when its length says how, and a code shown in
//! scientific notation, whose digits are gone, is refused saying to format the column as text; a
//! workbook number with binary noise beyond Excel's 15 significant digits is rounded to them.
//!
//! Months and days are read in [`super::dates`], codes in [`super::codes`].

use std::borrow::Cow;

use crate::t;
use schemas::Decimal;
use schemas::records::{Carrier, ColumnSpec, FieldKind};
use schemas::table::Table;
use topology::Topology;
use unicode_normalization::UnicodeNormalization;

use super::Layout;
use super::codes::{check_credit_code, fix_division};
use super::dates::{day_text, month_text};

/// Significant digits Excel keeps of a number: digits beyond them in a workbook cell are binary
/// noise of a formula (`35.099999999999994` for 35.1), not data.
const EXCEL_SIGNIFICANT_DIGITS: u32 = 15;

/// Why a cell cannot be made into text its column's parser reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CellProblem {
    /// The rule's code.
    pub rule: &'static str,
    /// What is wrong and how to fix it.
    pub message: String,
}

/// A unit of measure as the forms name it, and the ways clerks write it.
#[derive(Debug, PartialEq, Eq)]
pub struct Unit {
    /// Its key under `import.unit` in the catalogues, for messages.
    pub key: &'static str,
    /// How it is written after a number, after NFKC (which makes `㎡` and `m²` into `m2`); ASCII
    /// spellings match in any letter case.
    pub spellings: &'static [&'static str],
}

impl Unit {
    /// The unit's name in the catalogue's language.
    pub fn name(&self) -> String {
        t!(format!("import.unit.{}", self.key)).into_owned()
    }

    fn is_written(&self, text: &str) -> bool {
        self.spellings
            .iter()
            .any(|spelling| spelling.eq_ignore_ascii_case(text))
    }
}

/// The units of the ledgers' columns: those in the headers' parentheses, and those of the energy
/// carriers ([`Carrier::unit`]).
const UNITS: &[Unit] = &[
    Unit {
        key: "m2",
        spellings: &["平方米", "m2", "平米"],
    },
    Unit {
        key: "yuan",
        spellings: &["元"],
    },
    Unit {
        key: "wan_yuan",
        spellings: &["万元"],
    },
    Unit {
        key: "people",
        spellings: &["人"],
    },
    Unit {
        key: "vehicles",
        spellings: &["辆"],
    },
    Unit {
        key: "kg",
        spellings: &["千克", "kg", "公斤"],
    },
    Unit {
        key: "tonne",
        spellings: &["吨", "t"],
    },
    Unit {
        key: "litre",
        spellings: &["升", "l"],
    },
    Unit {
        key: "km",
        spellings: &["公里", "km", "千米"],
    },
    Unit {
        key: "kwh",
        spellings: &["千瓦时", "kwh", "度"],
    },
    Unit {
        key: "m3",
        spellings: &["立方米", "m3"],
    },
    Unit {
        key: "gj",
        spellings: &["吉焦", "gj"],
    },
    Unit {
        key: "tce",
        spellings: &["吨标准煤", "tce"],
    },
    Unit {
        key: "kgce",
        spellings: &["千克标准煤", "kgce"],
    },
];

/// The unit written as `text`, if it is one of the ledgers' units.
fn unit_written(text: &str) -> Option<&'static Unit> {
    UNITS.iter().find(|unit| unit.is_written(text))
}

/// The unit a column's numbers are in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpectedUnit {
    /// The column holds plain numbers: a unit after one is refused.
    NoUnit,
    /// The column's unit: written after a number it is dropped, any other unit refused.
    Unit(&'static Unit),
    /// The unit depends on another cell of the row that is itself wrong (an energy quantity whose
    /// carrier is not known): a unit is dropped, since the row is refused for that cell already.
    Unknown,
}

/// The unit of a column: the one in its header's parentheses (`建筑面积（平方米）`), or for an
/// energy quantity the unit of the row's carrier.
pub fn expected_unit(
    table: Table,
    spec: &ColumnSpec,
    carrier: impl FnOnce() -> Option<Carrier>,
) -> ExpectedUnit {
    if let Some((_, rest)) = spec.header_zh.split_once('（')
        && let Some(unit) = rest.strip_suffix('）').and_then(unit_written)
    {
        return ExpectedUnit::Unit(unit);
    }
    if table == Table::EnergyConsumption && spec.field == "quantity" {
        return match carrier().and_then(|carrier| unit_written(carrier.unit())) {
            Some(unit) => ExpectedUnit::Unit(unit),
            None => ExpectedUnit::Unknown,
        };
    }
    ExpectedUnit::NoUnit
}

/// What a cell is read with besides its column.
#[derive(Debug, Clone, Copy)]
pub struct CellContext<'a> {
    /// Where the cell comes from: workbook cells may be date serials and carry number noise.
    pub layout: Layout,
    /// The unit of the column in this row.
    pub unit: ExpectedUnit,
    /// The topology, to choose how a division code that lost its zeros is completed.
    pub topology: Option<&'a Topology>,
}

/// The text of a cell as the column's parser should read it, or why it cannot be read.
pub fn normalize_cell<'a>(
    spec: &ColumnSpec,
    cell: &'a str,
    context: &CellContext<'_>,
) -> Result<Cow<'a, str>, CellProblem> {
    let trimmed = cell.trim();
    match spec.kind {
        FieldKind::Name | FieldKind::Text => return Ok(Cow::Borrowed(trimmed)),
        FieldKind::Choice(list) if list.find(trimmed).is_some() => {
            return Ok(Cow::Borrowed(trimmed));
        }
        _ => {}
    }
    let text = nfkc(trimmed);
    let fixed = match spec.kind {
        FieldKind::Amount | FieldKind::Count => {
            let number = strip_unit(&text, context.unit)?;
            let rounded = match (spec.kind, context.layout) {
                (FieldKind::Amount, Layout::Sheet) => without_excel_noise(number),
                _ => None,
            };
            match rounded {
                Some(rounded) => Cow::Owned(rounded),
                // Most cells: the number is the whole text, which is not copied.
                None if number.len() == text.len() => text,
                None => Cow::Owned(number.to_owned()),
            }
        }
        FieldKind::Year => match text.strip_suffix('年') {
            Some(year) => Cow::Owned(year.trim().to_owned()),
            None => text,
        },
        FieldKind::Month => match month_text(&text, context.layout) {
            Some(month) => Cow::Owned(month),
            None => text,
        },
        FieldKind::Date => match day_text(&text, context.layout) {
            Some(day) => Cow::Owned(day),
            None => text,
        },
        FieldKind::Division => fix_division(text, context.topology)?,
        FieldKind::CreditCode => check_credit_code(text)?,
        _ => text,
    };
    Ok(fixed)
}

/// NFKC of a cell, trimmed again (NFKC makes the ideographic space a space); ASCII is left as it
/// is, which NFKC would not change.
fn nfkc(text: &str) -> Cow<'_, str> {
    if text.is_ascii() {
        return Cow::Borrowed(text);
    }
    let normalized: String = text.nfkc().collect();
    let trimmed = normalized.trim();
    if trimmed == text {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(trimmed.to_owned())
    }
}

/// The number of a cell without a trailing unit equal to the column's; another unit of the
/// ledgers is refused naming the one expected. Text that is not a number and a unit is left to the
/// column's parser.
fn strip_unit(text: &str, expected: ExpectedUnit) -> Result<&str, CellProblem> {
    let number_end = text
        .find(|character: char| !(character.is_ascii_digit() || ".-+ ".contains(character)))
        .unwrap_or(text.len());
    let (number, written) = (text[..number_end].trim(), text[number_end..].trim());
    if number.is_empty() || written.is_empty() {
        return Ok(text);
    }
    let Some(found) = unit_written(written) else {
        return Ok(text);
    };
    match expected {
        ExpectedUnit::Unit(unit) if unit == found => Ok(number),
        ExpectedUnit::Unknown => Ok(number),
        ExpectedUnit::Unit(unit) => Err(CellProblem {
            rule: "wrong_unit",
            message: t!(
                "import.cell.wrong_unit",
                value = text,
                found = written,
                expected = unit.name()
            )
            .into_owned(),
        }),
        ExpectedUnit::NoUnit => Err(CellProblem {
            rule: "wrong_unit",
            message: t!("import.cell.no_unit", value = text, found = written).into_owned(),
        }),
    }
}

/// A workbook number rounded to Excel's 15 significant digits when it has more (the noise of a
/// formula's binary arithmetic), or `None` when it is not such a number.
fn without_excel_noise(text: &str) -> Option<String> {
    let significant = text
        .bytes()
        .skip_while(|byte| *byte == b'0' || *byte == b'.')
        .filter(u8::is_ascii_digit)
        .count();
    if significant <= EXCEL_SIGNIFICANT_DIGITS as usize || !text.contains('.') {
        return None;
    }
    let value: Decimal = text.parse().ok()?;
    let rounded = value.round_sf(EXCEL_SIGNIFICANT_DIGITS)?.normalize();
    Some(rounded.to_string())
}

#[cfg(test)]
mod tests {
    use schemas::columns::columns;

    use super::*;

    fn spec(table: Table, field: &str) -> &'static ColumnSpec {
        columns(table)
            .iter()
            .find(|spec| spec.field == field)
            .expect("a column of the table")
    }

    fn context(layout: Layout, unit: ExpectedUnit) -> CellContext<'static> {
        CellContext {
            layout,
            unit,
            topology: None,
        }
    }

    fn read(table: Table, field: &str, cell: &str, layout: Layout) -> Result<String, CellProblem> {
        let spec = spec(table, field);
        let unit = expected_unit(table, spec, || Some(Carrier::Electricity));
        normalize_cell(spec, cell, &context(layout, unit)).map(Cow::into_owned)
    }

    #[test]
    fn months_are_read_from_dates_and_the_ways_people_write_them() {
        for cell in [
            "2025-01",
            "2025/1",
            "2025.1",
            "2025年1月",
            "2025年01月",
            "202501",
            "2025-01-01",
            "2025-01-31",
            "2025/1/15",
            "2025年1月15日",
            "2025-01-15 08:30",
            "２０２５－０１",
        ] {
            assert_eq!(
                read(Table::EnergyConsumption, "month", cell, Layout::Csv).as_deref(),
                Ok("2025-01"),
                "{cell}"
            );
        }
        // 45658 is 2025-01-01 and 45688 2025-01-31 in a workbook whose date format was lost.
        for serial in ["45658", "45688", "45670.5"] {
            assert_eq!(
                read(Table::EnergyConsumption, "month", serial, Layout::Sheet).as_deref(),
                Ok("2025-01"),
                "{serial}"
            );
        }
        // Not dates, or not in a workbook: left for the parser to refuse.
        for cell in ["2025-13", "2025-02-30", "45658", "一月", "2025-01 morning"] {
            assert_eq!(
                read(Table::EnergyConsumption, "month", cell, Layout::Csv).as_deref(),
                Ok(nfkc(cell).as_ref()),
                "{cell}"
            );
        }
    }

    #[test]
    fn days_are_read_like_months_but_need_their_day() {
        let day = |cell| read(Table::SpaceDisposals, "date", cell, Layout::Sheet);
        assert_eq!(day("2025/3/1").as_deref(), Ok("2025-03-01"));
        assert_eq!(day("2025年3月1日").as_deref(), Ok("2025-03-01"));
        assert_eq!(day("45717").as_deref(), Ok("2025-03-01"));
        assert_eq!(day("2025-03").as_deref(), Ok("2025-03"));
    }

    #[test]
    fn the_columns_unit_is_dropped_and_any_other_refused_naming_it() {
        let area = |cell| read(Table::Buildings, "floor_area_m2", cell, Layout::Csv);
        for cell in [
            "1200平方米",
            "1200 平方米",
            "1200㎡",
            "1200m²",
            "1200M2",
            "１２００平方米",
        ] {
            assert_eq!(area(cell).as_deref(), Ok("1200"), "{cell}");
        }
        let refused = area("1200元").expect_err("yuan in an area column");
        assert_eq!(refused.rule, "wrong_unit");
        let square_metres = t!("import.unit.m2");
        assert!(
            refused.message.contains(square_metres.as_ref()),
            "{refused:?}"
        );
        let cost = |cell| read(Table::EnergyConsumption, "cost_yuan", cell, Layout::Csv);
        assert_eq!(cost("35.5元").as_deref(), Ok("35.5"));
        let quantity = |cell| read(Table::EnergyConsumption, "quantity", cell, Layout::Csv);
        assert_eq!(quantity("800千瓦时").as_deref(), Ok("800"));
        assert_eq!(quantity("800kWh").as_deref(), Ok("800"));
        assert_eq!(
            quantity("800吨标准煤").map_err(|problem| problem.rule),
            Err("wrong_unit")
        );
        // A word that is no unit is the parser's to refuse.
        assert_eq!(area("1200左右").as_deref(), Ok("1200左右"));
    }

    #[test]
    fn full_width_digits_and_punctuation_become_ascii_but_names_stay_as_written() {
        assert_eq!(
            read(
                Table::Buildings,
                "floor_area_m2",
                "１２００．５",
                Layout::Csv
            )
            .as_deref(),
            Ok("1200.5")
        );
        assert_eq!(
            read(Table::Buildings, "name", "  综合楼（一号）　", Layout::Csv).as_deref(),
            Ok("综合楼（一号）")
        );
    }

    #[test]
    fn workbook_number_noise_is_rounded_to_excels_digits() {
        let area = |cell, layout| read(Table::Buildings, "floor_area_m2", cell, layout);
        assert_eq!(
            area("35.099999999999994", Layout::Sheet).as_deref(),
            Ok("35.1")
        );
        assert_eq!(area("0.12345", Layout::Sheet).as_deref(), Ok("0.12345"));
        assert_eq!(
            area("35.099999999999994", Layout::Csv).as_deref(),
            Ok("35.099999999999994")
        );
    }

    #[test]
    fn division_codes_get_back_the_zeros_a_number_lost() {
        let code = |cell, topology| {
            let spec = spec(Table::Buildings, "division_code");
            let context = CellContext {
                layout: Layout::Sheet,
                unit: ExpectedUnit::NoUnit,
                topology,
            };
            normalize_cell(spec, cell, &context).map(Cow::into_owned)
        };
        assert_eq!(code("64010400000", None).as_deref(), Ok("064010400000"));
        assert_eq!(code("640104000000", None).as_deref(), Ok("640104000000"));
        let ambiguous = code("640104", None).expect_err("two completions");
        assert_eq!(ambiguous.rule, "ambiguous_code");
        assert!(ambiguous.message.contains("000000640104"), "{ambiguous:?}");
        assert!(ambiguous.message.contains("640104000000"), "{ambiguous:?}");
        let topology = topology::ningxia();
        assert_eq!(
            code("640104", Some(&topology)).as_deref(),
            Ok("640104000000")
        );
        assert_eq!(
            code("6.40104E+11", Some(&topology)).map_err(|problem| problem.rule),
            Err("code_as_number")
        );
        assert_eq!(
            code("64010400000", Some(&topology)).map_err(|problem| problem.rule),
            Err("bad_value")
        );
    }

    #[test]
    fn a_credit_code_stored_as_a_number_says_to_format_the_column_as_text() {
        let credit = |cell| {
            read(
                Table::EnergyConsumption,
                "institution_credit_code",
                cell,
                Layout::Sheet,
            )
        };
        let problem = credit("916401001234567000").expect_err("digits lost");
        assert_eq!(problem.rule, "bad_value");
        assert_eq!(
            problem.message,
            t!(
                "import.cell.credit_code_as_number",
                value = "916401001234567000",
                characters = 18
            )
        );
        let good =
            schemas::records::CreditCode::with_check_digit("11640104MB0000001").expect("a code");
        assert_eq!(credit(good.as_str()).as_deref(), Ok(good.as_str()));
    }
}
