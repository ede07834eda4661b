//! Consolidated figures: the additive quantities (sums and counts) computed from one ledger's records
//! and added up level by level.
//!
//! Only sums and counts are kept, never ratios or averages: a ratio such as kgce per m² is computed
//! for display from its numerator and denominator, so that the figures of a city are exactly the sum
//! of its counties' figures. Values are decimals with a bounded scale and magnitude, so every sum is
//! exact; [`Figures`] keeps no zero values and only normalized ones, so that equal figures compare,
//! serialize and digest alike.
//!
//! Data flows: records → [`crate::ledgers::compute`] → [`Figures`] → [`Figures::add`] over
//! children → a rollup, signed with [`Figures::digest`] by the protocol; [`crate::ledgers::catalog`]
//! lists the names in report order. This module knows no ledger: each ledger adds its figures to
//! [`Sums`].

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::fmt;

use crate::t;
use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha256};

use crate::Decimal;
use crate::coefficients::STANDARD_COAL_DECIMAL_PLACES;
use crate::i18n::{display_in_current_language, shown};
use crate::ledger::Ledger;
use crate::records::{RECORDS_PER_DOCUMENT_MAX, RecordError};
use crate::table::Table;

/// Most decimal places a figure may have: the per-record standard coal is rounded to
/// [`STANDARD_COAL_DECIMAL_PLACES`] and every other amount has fewer.
pub const FIGURE_DECIMAL_PLACES_MAX: u32 = STANDARD_COAL_DECIMAL_PLACES;

/// Most digits a figure may have before its decimal point. With six decimals a value below 10^22
/// has a mantissa below 10^28, and the sum of two such values stays below Decimal's 96-bit limit
/// (about 7.9 × 10^28), so every addition is exact or refused, never rounded. 10^22 kgce is ten
/// million times the world's yearly energy use.
pub const FIGURE_INTEGER_DIGITS_MAX: u32 = 22;

/// Most figures one set may hold; the catalogs list fewer than 50 per ledger, so more is not ours.
pub const FIGURE_NAMES_MAX: usize = 1024;

/// Most characters of a figure name.
pub const FIGURE_NAME_CHARS_MAX: usize = 128;

/// The first line of the text that [`Figures::digest`] hashes, which versions the canonical form.
const DIGEST_HEADER: &str = "huizong figures v1\n";

/// Why figures cannot be computed, built or added.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FigureError {
    /// A record belongs to another ledger than the one computed.
    WrongLedger {
        /// 0-based position of the record.
        record_index: usize,
        /// The record's table.
        table: Table,
        /// The ledger computed.
        ledger: Ledger,
    },
    /// A record breaks a rule.
    InvalidRecord {
        /// 0-based position of the record.
        record_index: usize,
        /// The record's table.
        table: Table,
        /// The record's id.
        record_id: String,
        /// The field at fault.
        field: &'static str,
        /// The rule broken.
        source: RecordError,
    },
    /// More records than one document may hold.
    TooManyRecords {
        /// How many records were given.
        count: usize,
    },
    /// A sum would leave the exact range of figures.
    Overflow {
        /// The figure.
        name: String,
    },
    /// A figure name is empty, too long or uses characters other than `a-z`, `0-9`, `_` and `.`.
    BadName {
        /// The name given.
        name: String,
    },
    /// A figure value is not a plain decimal within the bounds.
    BadValue {
        /// The figure.
        name: String,
        /// The value given, as text.
        value: String,
    },
    /// A set holds more figures than allowed.
    TooManyFigures,
    /// A figure is given twice where each name may appear once (a serialized map, a list of texts).
    DuplicateName {
        /// The figure.
        name: String,
    },
}

impl FigureError {
    /// What is wrong, in a language of the catalogues.
    pub fn localized(&self, locale: &str) -> String {
        use FigureError as E;
        match self {
            E::WrongLedger {
                record_index,
                table,
                ledger,
            } => t!(
                "schemas.figure.wrong_ledger",
                locale = locale,
                record = record_index + 1,
                table = table.named(locale),
                ledger = ledger.named(locale)
            ),
            E::InvalidRecord {
                record_index,
                table,
                record_id,
                field,
                source,
            } => t!(
                "schemas.figure.invalid_record",
                locale = locale,
                record = record_index + 1,
                table = table.named(locale),
                id = shown(record_id),
                field = field,
                rule = source
            ),
            E::TooManyRecords { count } => t!(
                "schemas.figure.too_many_records",
                locale = locale,
                count = count,
                max = RECORDS_PER_DOCUMENT_MAX
            ),
            E::Overflow { name } => t!(
                "schemas.figure.overflow",
                locale = locale,
                name = name,
                max = FIGURE_INTEGER_DIGITS_MAX
            ),
            E::BadName { name } => t!(
                "schemas.figure.bad_name",
                locale = locale,
                name = shown(name),
                max = FIGURE_NAME_CHARS_MAX
            ),
            E::BadValue { name, value } => t!(
                "schemas.figure.bad_value",
                locale = locale,
                name = name,
                value = shown(value),
                integer_digits = FIGURE_INTEGER_DIGITS_MAX,
                decimal_places = FIGURE_DECIMAL_PLACES_MAX
            ),
            E::TooManyFigures => t!(
                "schemas.figure.too_many_figures",
                locale = locale,
                max = FIGURE_NAMES_MAX
            ),
            E::DuplicateName { name } => {
                t!(
                    "schemas.figure.duplicate_name",
                    locale = locale,
                    name = name
                )
            }
        }
        .into_owned()
    }
}

display_in_current_language!(FigureError);

/// Whether a name is a well-formed figure name: dot-separated non-empty parts of `a-z`, `0-9`, `_`.
fn is_figure_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= FIGURE_NAME_CHARS_MAX
        && name.split('.').all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'_')
        })
}

/// The exclusive upper bound of a figure's magnitude, 10^22.
fn figure_magnitude_limit() -> Decimal {
    Decimal::from_i128_with_scale(10_i128.pow(FIGURE_INTEGER_DIGITS_MAX), 0)
}

/// Whether a value is within the bounds of figures.
fn is_figure_value(value: Decimal) -> bool {
    value.normalize().scale() <= FIGURE_DECIMAL_PLACES_MAX && value.abs() < figure_magnitude_limit()
}

/// Parses a figure value: plain decimal text with an optional leading minus, within the bounds.
fn parse_figure_value(text: &str) -> Option<Decimal> {
    let unsigned = text.strip_prefix('-').unwrap_or(text);
    let (integer_part, fraction_part) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    let all_digits = |part: &str| part.bytes().all(|byte| byte.is_ascii_digit());
    if integer_part.is_empty()
        || !all_digits(integer_part)
        || !all_digits(fraction_part)
        || (unsigned.contains('.') && fraction_part.is_empty())
    {
        return None;
    }
    let integer_digits = integer_part.trim_start_matches('0');
    let fraction_digits = fraction_part.trim_end_matches('0');
    if integer_digits.len() > FIGURE_INTEGER_DIGITS_MAX as usize
        || fraction_digits.len() > FIGURE_DECIMAL_PLACES_MAX as usize
    {
        return None;
    }
    // At most 22 + 6 digits: the mantissa is below 10^28, inside i128 and Decimal's 96 bits.
    let mut mantissa: i128 = 0;
    for byte in integer_digits.bytes().chain(fraction_digits.bytes()) {
        mantissa = mantissa * 10 + i128::from(byte - b'0');
    }
    if unsigned.len() != text.len() {
        mantissa = -mantissa;
    }
    Decimal::try_from_i128_with_scale(mantissa, fraction_digits.len() as u32)
        .ok()
        .map(|value| value.normalize())
}

/// A set of consolidated figures: figure name → value, zero when absent.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Figures {
    /// Non-zero, normalized values within the bounds, by well-formed name.
    values: BTreeMap<String, Decimal>,
}

impl Figures {
    /// An empty set, in which every figure is zero.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets one figure; zero removes it. Refuses malformed names and values out of bounds.
    pub fn set(&mut self, name: &str, value: Decimal) -> Result<(), FigureError> {
        if !is_figure_name(name) {
            return Err(FigureError::BadName {
                name: name.to_owned(),
            });
        }
        if !is_figure_value(value) {
            return Err(FigureError::BadValue {
                name: name.to_owned(),
                value: value.to_string(),
            });
        }
        if value.is_zero() {
            self.values.remove(name);
        } else {
            if !self.values.contains_key(name) && self.values.len() >= FIGURE_NAMES_MAX {
                return Err(FigureError::TooManyFigures);
            }
            self.values.insert(name.to_owned(), value.normalize());
        }
        Ok(())
    }

    /// Figures from `(name, value)` texts, such as a table written by hand: each value is read as
    /// serialized figures are (plain decimal text within the bounds), and a name may appear once.
    pub fn from_texts(pairs: &[(&str, &str)]) -> Result<Figures, FigureError> {
        let mut figures = Figures::new();
        for (name, text) in pairs {
            figures.set_text(name, text)?;
        }
        Ok(figures)
    }

    /// Sets one figure from its text, refusing a name already set: the one rule by which figures
    /// are read from text, whether from a peer or from a hand-written table.
    fn set_text(&mut self, name: &str, text: &str) -> Result<(), FigureError> {
        let value = parse_figure_value(text).ok_or_else(|| FigureError::BadValue {
            name: name.to_owned(),
            value: text.to_owned(),
        })?;
        if self.values.contains_key(name) {
            return Err(FigureError::DuplicateName {
                name: name.to_owned(),
            });
        }
        self.set(name, value)
    }

    /// Adds another set to this one, figure by figure. Every sum is exact; if one would leave the
    /// bounds (only possible with forged inputs), nothing is changed and the figure is named.
    ///
    /// Both sets are sorted by name, so this is one merge of the two: a rollup adds many inputs
    /// of a few hundred figures each, and a lookup per figure would dominate consolidation.
    pub fn add(&mut self, other: &Figures) -> Result<(), FigureError> {
        // First pass, by reference: the bounds, so that a failure changes nothing.
        let mut merged_len = 0;
        let mut mine = self.values.iter().peekable();
        for (name, value) in &other.values {
            let mut current = Decimal::ZERO;
            while let Some((held, held_value)) = mine.peek() {
                match held.as_str().cmp(name.as_str()) {
                    Ordering::Less => {
                        merged_len += 1;
                        mine.next();
                    }
                    Ordering::Equal => {
                        current = **held_value;
                        mine.next();
                        break;
                    }
                    Ordering::Greater => break,
                }
            }
            // Both operands are below 10^22 with at most 6 decimals, so the sum cannot overflow.
            if (current + *value).abs() >= figure_magnitude_limit() {
                return Err(FigureError::Overflow { name: name.clone() });
            }
            merged_len += 1;
        }
        merged_len += mine.count();
        if merged_len > FIGURE_NAMES_MAX {
            return Err(FigureError::TooManyFigures);
        }
        // Second pass, moving our names: cannot fail.
        let mut merged: Vec<(String, Decimal)> = Vec::with_capacity(merged_len);
        let mut mine = std::mem::take(&mut self.values).into_iter().peekable();
        for (name, value) in &other.values {
            let mut current = None;
            while let Some((held, _)) = mine.peek() {
                match held.as_str().cmp(name.as_str()) {
                    Ordering::Less => merged.extend(mine.next()),
                    Ordering::Equal => {
                        current = mine.next();
                        break;
                    }
                    Ordering::Greater => break,
                }
            }
            let (name, current) = current.unwrap_or_else(|| (name.clone(), Decimal::ZERO));
            let sum = current + *value;
            if !sum.is_zero() {
                merged.push((name, sum.normalize()));
            }
        }
        merged.extend(mine);
        self.values = merged.into_iter().collect();
        Ok(())
    }

    /// The value of a figure; zero when absent.
    pub fn get(&self, name: &str) -> Decimal {
        self.values.get(name).copied().unwrap_or(Decimal::ZERO)
    }

    /// The non-zero figures, by name in byte order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, Decimal)> + '_ {
        self.values
            .iter()
            .map(|(name, value)| (name.as_str(), *value))
    }

    /// How many figures are non-zero.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether every figure is zero.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The canonical text the digest hashes: a header line, then `name=value` lines sorted by name,
    /// values normalized (`1.50` is written `1.5`), zero figures left out.
    pub fn canonical_text(&self) -> String {
        let mut text = String::from(DIGEST_HEADER);
        for (name, value) in &self.values {
            text.push_str(name);
            text.push('=');
            text.push_str(&value.to_string());
            text.push('\n');
        }
        text
    }

    /// SHA-256 of [`Figures::canonical_text`]: equal figures give equal digests whatever the order
    /// of the records or the additions they came from.
    pub fn digest(&self) -> [u8; 32] {
        Sha256::digest(self.canonical_text().as_bytes()).into()
    }
}

impl Serialize for Figures {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.values.len()))?;
        for (name, value) in &self.values {
            map.serialize_entry(name, &value.to_string())?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Figures {
    /// Reads a map of name → decimal string, refusing malformed names and values, duplicates and
    /// more than [`FIGURE_NAMES_MAX`] entries: figures come from peers.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(FiguresVisitor)
    }
}

/// Reads figures from a serialized map.
struct FiguresVisitor;

impl<'de> Visitor<'de> for FiguresVisitor {
    type Value = Figures;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a map of figure name to decimal string")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Figures, A::Error> {
        let mut figures = Figures::new();
        let mut entries = 0usize;
        while let Some((name, text)) = access.next_entry::<String, String>()? {
            entries += 1;
            if entries > FIGURE_NAMES_MAX {
                return Err(serde::de::Error::custom(FigureError::TooManyFigures));
            }
            figures
                .set_text(&name, &text)
                .map_err(serde::de::Error::custom)?;
        }
        Ok(figures)
    }
}

// ---------------------------------------------------------------------------------------------
// Names and the catalog.

/// The name of a figure broken down by a kind: `{prefix}.{slug}`.
pub fn sub_name(prefix: &str, slug: &str) -> String {
    format!("{prefix}.{slug}")
}

/// How one figure is shown in a report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FigureSpec {
    /// The figure's name, as in [`Figures`].
    pub name: String,
    /// The label on Chinese reports.
    pub label_zh: String,
    /// The label on English reports.
    pub label_en: String,
    /// The unit of the value, such as `kgce`, `m2`, `yuan`, `kWh` or `count`.
    pub unit: &'static str,
}

impl FigureSpec {
    pub fn new(
        name: impl Into<String>,
        label_zh: impl Into<String>,
        label_en: impl Into<String>,
        unit: &'static str,
    ) -> Self {
        Self {
            name: name.into(),
            label_zh: label_zh.into(),
            label_en: label_en.into(),
            unit,
        }
    }

    /// A figure whose labels the catalogues give (`schemas.figure.label`): `label` puts it into
    /// words in a language, and the Chinese and the English label are kept.
    pub fn labelled<S: Into<String>>(
        name: impl Into<String>,
        unit: &'static str,
        label: impl Fn(crate::Language) -> S,
    ) -> Self {
        Self::new(
            name,
            label(crate::Language::Chinese),
            label(crate::Language::English),
            unit,
        )
    }
}

// ---------------------------------------------------------------------------------------------
// Computation.

/// Running sums of named figures during a computation. Each record adds values that are bounded
/// amounts (below 10^16 with at most 6 decimals) and a document holds at most
/// [`RECORDS_PER_DOCUMENT_MAX`] records, so the running sums stay below 2 × 10^22 and exact;
/// [`Figures::set`] then refuses any that left the bounds of figures.
#[derive(Default, Debug)]
pub struct Sums {
    values: BTreeMap<String, Decimal>,
}

impl Sums {
    pub fn add(&mut self, name: &str, value: Decimal) {
        if value.is_zero() {
            return;
        }
        match self.values.get_mut(name) {
            Some(sum) => *sum += value,
            None => {
                self.values.insert(name.to_owned(), value);
            }
        }
    }

    /// Adds one to a count.
    pub fn count(&mut self, name: &str) {
        self.add(name, Decimal::ONE);
    }

    /// The figures the sums make, refused when a sum left the bounds of figures.
    pub fn into_figures(self) -> Result<Figures, FigureError> {
        let mut figures = Figures::new();
        for (name, value) in self.values {
            figures.set(&name, value).map_err(|error| match error {
                FigureError::BadValue { name, .. } => FigureError::Overflow { name },
                other => other,
            })?;
        }
        Ok(figures)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decimal(text: &str) -> Decimal {
        parse_figure_value(text).unwrap()
    }

    #[test]
    fn equal_values_digest_alike_whatever_their_scale() {
        let mut one = Figures::new();
        one.set("energy.cost_yuan", decimal("1.50")).unwrap();
        one.set("energy.records", decimal("0")).unwrap();
        let mut other = Figures::new();
        other.set("energy.cost_yuan", Decimal::new(15, 1)).unwrap();
        assert_eq!(one, other);
        assert_eq!(one.digest(), other.digest());
        assert_eq!(
            one.canonical_text(),
            "huizong figures v1\nenergy.cost_yuan=1.5\n"
        );
        assert_eq!(one.get("energy.records"), Decimal::ZERO);
    }

    #[test]
    fn adds_exactly_and_refuses_to_leave_the_bounds() {
        let mut total = Figures::new();
        let mut part = Figures::new();
        part.set("vehicles.count", decimal("3")).unwrap();
        part.set("vehicles.dispatch_distance_km", decimal("0.1"))
            .unwrap();
        total.add(&part).unwrap();
        total.add(&part).unwrap();
        assert_eq!(total.get("vehicles.count"), decimal("6"));
        assert_eq!(total.get("vehicles.dispatch_distance_km"), decimal("0.2"));
        let mut huge = Figures::new();
        huge.set("vehicles.count", decimal("9999999999999999999999"))
            .unwrap();
        let before = total.clone();
        assert_eq!(
            total.add(&huge),
            Err(FigureError::Overflow {
                name: "vehicles.count".to_owned()
            })
        );
        assert_eq!(total, before);
    }

    #[test]
    fn adding_merges_names_on_either_side_and_drops_sums_of_zero() {
        let figures = |pairs: &[(&str, &str)]| Figures::from_texts(pairs).unwrap();
        let mut total = figures(&[
            ("energy.a", "1"),
            ("energy.c", "2"),
            ("energy.e", "-3"),
            ("energy.g", "4"),
        ]);
        total
            .add(&figures(&[
                ("energy.b", "10"),
                ("energy.c", "20"),
                ("energy.e", "3"),
                ("energy.h", "0.5"),
            ]))
            .unwrap();
        assert_eq!(
            total,
            figures(&[
                ("energy.a", "1"),
                ("energy.b", "10"),
                ("energy.c", "22"),
                ("energy.g", "4"),
                ("energy.h", "0.5"),
            ])
        );
        let mut empty = Figures::new();
        empty.add(&total).unwrap();
        assert_eq!(empty, total);
        total.add(&Figures::new()).unwrap();
        assert_eq!(empty, total);
    }

    #[test]
    fn refuses_malformed_names_and_values() {
        let mut figures = Figures::new();
        for name in ["", "Energy", "energy..records", "energy.", "能源"] {
            assert!(matches!(
                figures.set(name, Decimal::ONE),
                Err(FigureError::BadName { .. })
            ));
        }
        assert!(matches!(
            figures.set("energy.records", Decimal::new(1, 7)),
            Err(FigureError::BadValue { .. })
        ));
        assert!(matches!(
            figures.set("energy.records", Decimal::MAX),
            Err(FigureError::BadValue { .. })
        ));
        for text in [
            "1e3",
            "1,000",
            "",
            "-",
            ".5",
            "0.0000001",
            "12345678901234567890123",
        ] {
            assert_eq!(parse_figure_value(text), None, "{text:?}");
        }
        assert_eq!(parse_figure_value("-2.50"), Some(Decimal::new(-25, 1)));
    }

    #[test]
    fn serializes_as_a_map_of_decimal_strings() {
        let mut figures = Figures::new();
        figures.set("energy.cost_yuan", decimal("1.5")).unwrap();
        figures.set("energy.records", decimal("2")).unwrap();
        let text = toml::to_string(&figures).unwrap();
        assert_eq!(
            text,
            "\"energy.cost_yuan\" = \"1.5\"\n\"energy.records\" = \"2\"\n"
        );
        let back: Figures = toml::from_str(&text).unwrap();
        assert_eq!(back, figures);
        assert!(toml::from_str::<Figures>("\"energy.records\" = \"1e9\"").is_err());
        assert!(toml::from_str::<Figures>("\"energy.records\" = 2").is_err());
        assert!(toml::from_str::<Figures>("\"Energy\" = \"2\"").is_err());
    }

    #[test]
    fn figures_from_texts_follow_the_rules_of_deserialization() {
        let figures =
            Figures::from_texts(&[("energy.cost_yuan", "1.50"), ("energy.records", "0")]).unwrap();
        let back: Figures =
            toml::from_str("\"energy.cost_yuan\" = \"1.50\"\n\"energy.records\" = \"0\"").unwrap();
        assert_eq!(figures, back);
        assert_eq!(figures.get("energy.cost_yuan"), Decimal::new(15, 1));
        assert_eq!(figures.len(), 1);
        for text in ["1e3", "1,000", " 1", ".5", "0.0000001"] {
            assert_eq!(
                Figures::from_texts(&[("energy.records", text)]),
                Err(FigureError::BadValue {
                    name: "energy.records".to_owned(),
                    value: text.to_owned(),
                }),
                "{text:?}"
            );
        }
        assert!(matches!(
            Figures::from_texts(&[("Energy", "1")]),
            Err(FigureError::BadName { .. })
        ));
        assert_eq!(
            Figures::from_texts(&[("energy.records", "1"), ("energy.records", "2")]),
            Err(FigureError::DuplicateName {
                name: "energy.records".to_owned()
            })
        );
    }

    #[test]
    fn every_catalog_name_is_well_formed_and_unique() {
        for ledger in Ledger::ALL {
            let specs = crate::ledgers::catalog(ledger);
            let mut names: Vec<&str> = specs.iter().map(|spec| spec.name.as_str()).collect();
            assert!(names.iter().all(|name| is_figure_name(name)));
            assert!(names.iter().all(|name| name.starts_with(ledger.slug())));
            names.sort_unstable();
            names.dedup();
            assert_eq!(names.len(), specs.len());
        }
    }
}
