//! Versioned standard-coal coefficient tables, which turn energy quantities into kilograms of
//! standard coal equivalent (kgce).
//!
//! The coefficients are data, not code: each table is a TOML file under `schemas/tables/`, embedded
//! in the binary and parsed once on first use. A table names its version (figures record which one
//! they were computed with), its source text, and which of its values are unverified, so that a
//! corrected or newer table can be added beside it without touching the code. [`current`] is the
//! table new figures use; [`by_version`] finds the one an older figure was computed with.
//!
//! Electricity converts on one of two bases (see [`ElectricityBasis`]): its equivalent value
//! (当量值, 0.1229 kgce/kWh, what each table file gives) or the power-generation coal basis
//! (等价值: the year's coal per kWh of thermal power supplied, from
//! `schemas/tables/power-generation-coal-rates.toml`). Submissions carry only a version string and
//! a parent recomputes their figures with [`by_version`], so the basis is part of the version:
//! `gbt2589-2020-annex-a` is the table file on the equivalent basis, and
//! `gbt2589-2020-annex-a+power-generation-2022` the same table with electricity at 2022's rate.
//! Every such combination is built once, beside the file tables, and found by [`by_version`];
//! [`choose`] makes the version of a table and a basis, or says which tables and years there are.
//! The yearly rates are read in `power_generation.rs`.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use crate::t;
use serde::Deserialize;

use crate::Decimal;
use crate::i18n::{display_in_current_language, named, shown};
use crate::records::{AmountError, Carrier, check_amount, parse_amount};

mod power_generation;

pub use power_generation::{PowerGenerationRate, power_generation_rates, power_generation_source};

/// The version of the table that new figures are computed with.
pub const CURRENT_VERSION: &str = "gbt2589-2008-annex-a";

/// Decimal places kept of a record's standard coal, in kgce: a milligram is far below any meter's
/// precision, and rounding each record to a fixed scale keeps every later sum exact (see
/// [`crate::figures`]).
pub const STANDARD_COAL_DECIMAL_PLACES: u32 = 6;

/// Largest kgce per unit a table may give. The largest real coefficient is 1,000 kgce per tce (for
/// "other" energy, reported in tce); the bound keeps a bounded quantity times a coefficient within
/// `Decimal`'s exact range.
pub const KGCE_PER_UNIT_MAX: i64 = 10_000;

/// The tables shipped in the binary: file name and text.
const EMBEDDED_TABLES: &[(&str, &str)] = &[
    (
        "gbt2589-2008-annex-a.toml",
        include_str!("../../tables/gbt2589-2008-annex-a.toml"),
    ),
    (
        "gbt2589-2020-annex-a.toml",
        include_str!("../../tables/gbt2589-2020-annex-a.toml"),
    ),
];

/// What joins a table's version and the power-generation basis in a version string.
const POWER_GENERATION_SUFFIX: &str = "+power-generation-";

/// How electricity converts to standard coal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ElectricityBasis {
    /// 当量值: the heat content of a kWh, 0.1229 kgce/kWh.
    Equivalent,
    /// 等价值: the coal burnt per kWh of thermal power supplied in the year given.
    PowerGeneration {
        /// The year whose rate is used.
        year: u16,
    },
}

/// Why a table and an electricity basis cannot be combined.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CoefficientChoiceError {
    /// No table has this version.
    UnknownTable {
        /// The version given.
        version: String,
    },
    /// The power-generation basis has no rate for this year.
    NoRateForYear {
        /// The year asked for.
        year: u16,
    },
    /// An electricity basis that is neither of the two.
    UnknownBasis {
        /// The text given.
        basis: String,
    },
}

impl CoefficientChoiceError {
    /// What is wrong and what there is, in a language of the catalogues.
    pub fn localized(&self, locale: &str) -> String {
        match self {
            CoefficientChoiceError::UnknownTable { version } => t!(
                "schemas.coefficients.unknown_table",
                locale = locale,
                version = shown(version),
                known = table_versions().join(", ")
            ),
            CoefficientChoiceError::NoRateForYear { year } => t!(
                "schemas.coefficients.no_rate_for_year",
                locale = locale,
                year = year,
                known = power_generation_rates()
                    .iter()
                    .map(|rate| rate.year.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            CoefficientChoiceError::UnknownBasis { basis } => t!(
                "schemas.coefficients.unknown_basis",
                locale = locale,
                basis = shown(basis)
            ),
        }
        .into_owned()
    }
}

display_in_current_language!(CoefficientChoiceError);

impl ElectricityBasis {
    /// Reads a basis as the command line gives it: `equivalent`, `power-generation` or
    /// `power-generation-YYYY`. Without a year, the rate of the period's year is used, or, as the
    /// rates are published a few years late, the latest year before it that has one (2022's for
    /// a 2025 return); the version string of the chosen table names the year.
    pub fn parse(text: &str, period_year: u16) -> Result<Self, CoefficientChoiceError> {
        let unknown = || CoefficientChoiceError::UnknownBasis {
            basis: text.to_owned(),
        };
        match text.trim() {
            "equivalent" | "当量值" => Ok(ElectricityBasis::Equivalent),
            "power-generation" | "等价值" => {
                let year = power_generation_rates()
                    .iter()
                    .map(|rate| rate.year)
                    .filter(|year| *year <= period_year)
                    .max()
                    .unwrap_or(period_year);
                Ok(ElectricityBasis::PowerGeneration { year })
            }
            other => other
                .strip_prefix("power-generation-")
                .and_then(|year| year.parse().ok())
                .map(|year| ElectricityBasis::PowerGeneration { year })
                .ok_or_else(unknown),
        }
    }
}

/// The version of a table (by its file version, such as `gbt2589-2020-annex-a`) on an electricity
/// basis, refused with what there is when the table or the year's rate is not shipped.
pub fn choose(table: &str, basis: ElectricityBasis) -> Result<String, CoefficientChoiceError> {
    if !table_versions().contains(&table) {
        return Err(CoefficientChoiceError::UnknownTable {
            version: table.to_owned(),
        });
    }
    let version = match basis {
        ElectricityBasis::Equivalent => table.to_owned(),
        ElectricityBasis::PowerGeneration { year } => {
            if !power_generation_rates()
                .iter()
                .any(|rate| rate.year == year)
            {
                return Err(CoefficientChoiceError::NoRateForYear { year });
            }
            format!("{table}{POWER_GENERATION_SUFFIX}{year}")
        }
    };
    debug_assert!(by_version(&version).is_some());
    Ok(version)
}

/// The versions of the table files, in the order they are shipped (the electricity bases are not
/// listed).
pub fn table_versions() -> Vec<&'static str> {
    all()
        .iter()
        .filter(|table| table.electricity_basis() == ElectricityBasis::Equivalent)
        .map(CoefficientTable::version)
        .collect()
}

/// How one carrier converts to standard coal in one table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CarrierCoefficient {
    /// The carrier.
    pub carrier: Carrier,
    /// kgce per unit of the record's quantity ([`Carrier::unit`]): the coefficient times the
    /// conversion. `None` for carriers that carry no standard coal (water, solar generation).
    pub kgce_per_unit: Option<Decimal>,
    /// The coefficient as the source states it, in `coefficient_unit`.
    pub coefficient: Option<Decimal>,
    /// The unit of the coefficient, such as `kgce/kg`.
    pub coefficient_unit: Option<String>,
    /// The conversion from the record's unit to the coefficient's unit, such as a density.
    pub conversion: Option<Decimal>,
    /// The unit of the conversion, such as `kg/L`.
    pub conversion_unit: Option<String>,
    /// Whether the values were confirmed from an official text.
    pub verified: bool,
    /// Where the values come from, or why they are unverified.
    pub note: String,
}

/// One version of the standard-coal coefficients.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CoefficientTable {
    version: String,
    source: String,
    /// How electricity converts in this table.
    electricity_basis: ElectricityBasis,
    /// One entry per carrier, in the order of [`Carrier::ALL`].
    entries: Vec<CarrierCoefficient>,
}

/// Why a coefficient table file is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CoefficientTableError {
    /// The file is not TOML of the expected shape.
    Syntax {
        /// The TOML parser's message, with the line.
        message: String,
    },
    /// The version id is empty or holds characters other than lowercase letters, digits and `-`.
    BadVersion {
        /// The version given.
        version: String,
    },
    /// A carrier of the table is not a known carrier.
    UnknownCarrier {
        /// The name given.
        carrier: String,
    },
    /// A known carrier is missing: every table must say how every carrier converts.
    MissingCarrier {
        /// The carrier left out.
        carrier: Carrier,
    },
    /// The record unit named does not match the carrier's unit.
    UnitMismatch {
        /// The carrier.
        carrier: Carrier,
        /// The unit of records of the carrier.
        expected: &'static str,
        /// The unit the table names.
        found: String,
    },
    /// The table counts a carrier that is not energy consumed, or leaves out one that is.
    CountedMismatch {
        /// The carrier.
        carrier: Carrier,
        /// What the table says.
        counted: bool,
    },
    /// A counted carrier lacks its coefficient, conversion or their units.
    IncompleteCarrier {
        /// The carrier.
        carrier: Carrier,
    },
    /// A carrier marked not counted still gives a coefficient.
    CoefficientOfUncountedCarrier {
        /// The carrier.
        carrier: Carrier,
    },
    /// A coefficient or conversion is not a bounded decimal string.
    BadValue {
        /// The carrier.
        carrier: Carrier,
        /// The text given.
        value: String,
        /// The rule broken.
        source: AmountError,
    },
    /// The product of coefficient and conversion is zero or too large.
    OutOfRange {
        /// The carrier.
        carrier: Carrier,
        /// The product.
        kgce_per_unit: Decimal,
    },
    /// Two embedded tables have the same version.
    DuplicateVersion {
        /// The version.
        version: String,
    },
}

impl CoefficientTableError {
    /// What is wrong with the table, in a language of the catalogues.
    pub fn localized(&self, locale: &str) -> String {
        use CoefficientTableError as E;
        let carrier_named = |carrier: &Carrier| named(carrier.name_zh(), carrier.slug(), locale);
        match self {
            E::Syntax { message } => t!(
                "schemas.coefficients.syntax",
                locale = locale,
                message = message
            ),
            E::BadVersion { version } => t!(
                "schemas.coefficients.bad_version",
                locale = locale,
                version = shown(version)
            ),
            E::UnknownCarrier { carrier } => t!(
                "schemas.coefficients.unknown_carrier",
                locale = locale,
                carrier = shown(carrier)
            ),
            E::MissingCarrier { carrier } => t!(
                "schemas.coefficients.missing_carrier",
                locale = locale,
                carrier = carrier_named(carrier)
            ),
            E::UnitMismatch {
                carrier,
                expected,
                found,
            } => t!(
                "schemas.coefficients.unit_mismatch",
                locale = locale,
                carrier = carrier_named(carrier),
                expected = expected,
                found = found
            ),
            E::CountedMismatch {
                carrier,
                counted: true,
            } => t!(
                "schemas.coefficients.counted_but_not_energy",
                locale = locale,
                carrier = carrier_named(carrier)
            ),
            E::CountedMismatch {
                carrier,
                counted: false,
            } => t!(
                "schemas.coefficients.energy_not_counted",
                locale = locale,
                carrier = carrier_named(carrier)
            ),
            E::IncompleteCarrier { carrier } => t!(
                "schemas.coefficients.incomplete_carrier",
                locale = locale,
                carrier = carrier_named(carrier)
            ),
            E::CoefficientOfUncountedCarrier { carrier } => t!(
                "schemas.coefficients.coefficient_of_uncounted_carrier",
                locale = locale,
                carrier = carrier_named(carrier)
            ),
            E::BadValue {
                carrier,
                value,
                source,
            } => t!(
                "schemas.coefficients.bad_value",
                locale = locale,
                carrier = carrier_named(carrier),
                value = shown(value),
                rule = source.localized(locale)
            ),
            E::OutOfRange {
                carrier,
                kgce_per_unit,
            } => t!(
                "schemas.coefficients.out_of_range",
                locale = locale,
                carrier = carrier_named(carrier),
                kgce = kgce_per_unit,
                max = KGCE_PER_UNIT_MAX
            ),
            E::DuplicateVersion { version } => t!(
                "schemas.coefficients.duplicate_version",
                locale = locale,
                version = shown(version)
            ),
        }
        .into_owned()
    }
}

display_in_current_language!(CoefficientTableError);

/// The shape of a table file.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TableFile {
    version: String,
    source: String,
    carriers: BTreeMap<String, CarrierEntry>,
}

/// The shape of one carrier's entry in a table file.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CarrierEntry {
    record_unit: String,
    #[serde(default = "counted_by_default")]
    counted: bool,
    coefficient: Option<String>,
    coefficient_unit: Option<String>,
    conversion: Option<String>,
    conversion_unit: Option<String>,
    verified: bool,
    note: String,
}

/// Carriers are counted unless the table says otherwise.
fn counted_by_default() -> bool {
    true
}

impl CoefficientTable {
    /// Parses and checks a table file.
    pub fn parse(text: &str) -> Result<Self, CoefficientTableError> {
        let file: TableFile =
            toml::from_str(text).map_err(|error| CoefficientTableError::Syntax {
                message: error.to_string(),
            })?;
        let version_is_valid = !file.version.is_empty()
            && file
                .version
                .bytes()
                .all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'-');
        if !version_is_valid {
            return Err(CoefficientTableError::BadVersion {
                version: file.version,
            });
        }
        if let Some(name) = file
            .carriers
            .keys()
            .find(|name| Carrier::from_slug(name).is_none())
        {
            return Err(CoefficientTableError::UnknownCarrier {
                carrier: name.clone(),
            });
        }
        let mut entries = Vec::with_capacity(Carrier::ALL.len());
        for &carrier in Carrier::ALL {
            let entry = file
                .carriers
                .get(carrier.slug())
                .ok_or(CoefficientTableError::MissingCarrier { carrier })?;
            entries.push(parse_entry(carrier, entry)?);
        }
        Ok(Self {
            version: file.version,
            source: file.source,
            electricity_basis: ElectricityBasis::Equivalent,
            entries,
        })
    }

    /// The version id, such as `gbt2589-2008-annex-a`.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// The source text the coefficients come from.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// How electricity converts in this table.
    pub fn electricity_basis(&self) -> ElectricityBasis {
        self.electricity_basis
    }

    /// The version of the table file this table is built on (its version without the basis).
    pub fn table_version(&self) -> &str {
        self.version
            .split_once(POWER_GENERATION_SUFFIX)
            .map_or(self.version.as_str(), |(table, _)| table)
    }

    /// What a return says about the conversion, in a language of the catalogues: the table and the
    /// electricity basis with its coefficient, such as `GB/T 2589-2020 附录 A（gbt2589-2020-annex-a）；
    /// 电力按等价值（2022 年火电供电标准煤耗 300.7 克标准煤/千瓦时）折算`.
    pub fn describe(&self, locale: &str) -> String {
        let electricity = self
            .kgce_per_unit(Carrier::Electricity)
            .unwrap_or_default()
            .normalize();
        let basis = match self.electricity_basis {
            ElectricityBasis::Equivalent => t!(
                "schemas.coefficients.basis_equivalent",
                locale = locale,
                kgce = electricity
            ),
            ElectricityBasis::PowerGeneration { year } => t!(
                "schemas.coefficients.basis_power_generation",
                locale = locale,
                year = year,
                gce = (electricity * Decimal::ONE_THOUSAND).normalize()
            ),
        };
        t!(
            "schemas.coefficients.described",
            locale = locale,
            version = self.version,
            basis = basis
        )
        .into_owned()
    }

    /// This table with electricity converted at one year's power-generation coal rate.
    fn on_power_generation(&self, rate: &PowerGenerationRate) -> CoefficientTable {
        let mut table = self.clone();
        table.version = format!("{}{POWER_GENERATION_SUFFIX}{}", self.version, rate.year);
        table.source = format!("{} Electricity: {}", self.source, power_generation_source());
        table.electricity_basis = ElectricityBasis::PowerGeneration { year: rate.year };
        let conversion = Decimal::new(1, 3);
        let index = Carrier::ALL
            .iter()
            .position(|carrier| *carrier == Carrier::Electricity)
            .expect("electricity is a carrier");
        table.entries[index] = CarrierCoefficient {
            carrier: Carrier::Electricity,
            // At most 4 decimals times 0.001: exact, and below 1 kgce per kWh.
            kgce_per_unit: Some((rate.gce_per_kwh * conversion).normalize()),
            coefficient: Some(rate.gce_per_kwh),
            coefficient_unit: Some("gce/kWh".to_owned()),
            conversion: Some(conversion),
            conversion_unit: Some("kgce/gce".to_owned()),
            verified: rate.verified,
            note: t!(
                "schemas.power_generation_note",
                year = rate.year,
                note = rate.note
            )
            .into_owned(),
        };
        table
    }

    /// kgce per unit of a record's quantity of the carrier, or `None` for carriers that carry no
    /// standard coal (water, solar generation).
    pub fn kgce_per_unit(&self, carrier: Carrier) -> Option<Decimal> {
        self.entry(carrier).kgce_per_unit
    }

    /// The whole entry of a carrier, with its source values, units and note.
    pub fn entry(&self, carrier: Carrier) -> &CarrierCoefficient {
        // `parse` fills one entry per carrier in the order of Carrier::ALL.
        let index = Carrier::ALL
            .iter()
            .position(|known| *known == carrier)
            .expect("every carrier is in Carrier::ALL");
        &self.entries[index]
    }

    /// Every entry, in the order of [`Carrier::ALL`].
    pub fn entries(&self) -> &[CarrierCoefficient] {
        &self.entries
    }

    /// The carriers whose values are unverified.
    pub fn unverified_carriers(&self) -> Vec<Carrier> {
        self.entries
            .iter()
            .filter(|entry| !entry.verified)
            .map(|entry| entry.carrier)
            .collect()
    }

    /// The standard coal of a quantity of a carrier, kgce, rounded half away from zero to
    /// [`STANDARD_COAL_DECIMAL_PLACES`]; `None` for carriers not converted. The quantity must be an
    /// amount (see [`crate::records::amount`]), which keeps the product exact before rounding.
    pub fn standard_coal_kgce(
        &self,
        carrier: Carrier,
        quantity: Decimal,
    ) -> Result<Option<Decimal>, AmountError> {
        check_amount(quantity)?;
        let Some(kgce_per_unit) = self.kgce_per_unit(carrier) else {
            return Ok(None);
        };
        // A quantity below 10^12 with at most 4 decimals times a coefficient below 10^4 with at most
        // 8 decimals has a mantissa below 10^28, inside Decimal's 96 bits: the product is exact.
        let product = quantity
            .checked_mul(kgce_per_unit)
            .ok_or(AmountError::TooLarge)?;
        Ok(Some(
            product
                .round_dp_with_strategy(
                    STANDARD_COAL_DECIMAL_PLACES,
                    rust_decimal::RoundingStrategy::MidpointAwayFromZero,
                )
                .normalize(),
        ))
    }
}

/// Checks one carrier's entry and computes its kgce per unit.
fn parse_entry(
    carrier: Carrier,
    entry: &CarrierEntry,
) -> Result<CarrierCoefficient, CoefficientTableError> {
    if entry.record_unit != carrier.unit() {
        return Err(CoefficientTableError::UnitMismatch {
            carrier,
            expected: carrier.unit(),
            found: entry.record_unit.clone(),
        });
    }
    if entry.counted != carrier.is_counted_as_consumption() {
        return Err(CoefficientTableError::CountedMismatch {
            carrier,
            counted: entry.counted,
        });
    }
    let value = |text: &Option<String>| -> Result<Option<Decimal>, CoefficientTableError> {
        text.as_deref()
            .map(|text| {
                parse_amount(text).map_err(|source| CoefficientTableError::BadValue {
                    carrier,
                    value: text.to_owned(),
                    source,
                })
            })
            .transpose()
    };
    let coefficient = value(&entry.coefficient)?;
    let conversion = value(&entry.conversion)?;
    let kgce_per_unit = if entry.counted {
        let (Some(coefficient), Some(conversion), Some(_), Some(_)) = (
            coefficient,
            conversion,
            &entry.coefficient_unit,
            &entry.conversion_unit,
        ) else {
            return Err(CoefficientTableError::IncompleteCarrier { carrier });
        };
        // Each factor has at most 4 decimals, so the product has at most 8. Decimal rounds a product
        // only when its mantissa overflows 96 bits, which at 8 decimals means a value above 10^20:
        // the bound below refuses it, so every accepted product is exact.
        let kgce_per_unit = coefficient
            .checked_mul(conversion)
            .map(|product| product.normalize())
            .filter(|product| !product.is_zero() && *product <= Decimal::from(KGCE_PER_UNIT_MAX))
            .ok_or(CoefficientTableError::OutOfRange {
                carrier,
                kgce_per_unit: coefficient.saturating_mul(conversion),
            })?;
        Some(kgce_per_unit)
    } else {
        if coefficient.is_some() || conversion.is_some() {
            return Err(CoefficientTableError::CoefficientOfUncountedCarrier { carrier });
        }
        None
    };
    Ok(CarrierCoefficient {
        carrier,
        kgce_per_unit,
        coefficient,
        coefficient_unit: entry.coefficient_unit.clone(),
        conversion,
        conversion_unit: entry.conversion_unit.clone(),
        verified: entry.verified,
        note: entry.note.clone(),
    })
}

/// Parses every embedded table, checking that versions are unique.
fn parse_embedded() -> Result<Vec<CoefficientTable>, (String, CoefficientTableError)> {
    let mut tables: Vec<CoefficientTable> = Vec::with_capacity(EMBEDDED_TABLES.len());
    for (file_name, text) in EMBEDDED_TABLES {
        let table =
            CoefficientTable::parse(text).map_err(|error| ((*file_name).to_owned(), error))?;
        if tables.iter().any(|known| known.version == table.version) {
            return Err((
                (*file_name).to_owned(),
                CoefficientTableError::DuplicateVersion {
                    version: table.version,
                },
            ));
        }
        tables.push(table);
    }
    Ok(tables)
}

/// Every embedded table, parsed once: each table file on the equivalent basis, then each on the
/// power-generation basis of every year with a rate.
pub fn all() -> &'static [CoefficientTable] {
    static TABLES: OnceLock<Vec<CoefficientTable>> = OnceLock::new();
    TABLES.get_or_init(|| match parse_embedded() {
        Ok(files) => {
            let mut tables = files.clone();
            for file in &files {
                for rate in power_generation_rates() {
                    tables.push(file.on_power_generation(rate));
                }
            }
            tables
        }
        // The tables are part of the binary and a test parses them: failing here is our bug.
        Err((file_name, error)) => {
            panic!("embedded coefficient table {file_name} is invalid: {error}")
        }
    })
}

/// The table new figures are computed with ([`CURRENT_VERSION`]).
pub fn current() -> &'static CoefficientTable {
    // A test checks that the current version is embedded.
    by_version(CURRENT_VERSION).expect("the current coefficient table is embedded")
}

/// The embedded table of a version, if there is one.
pub fn by_version(version: &str) -> Option<&'static CoefficientTable> {
    all().iter().find(|table| table.version == version)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decimal(text: &str) -> Decimal {
        text.parse().unwrap()
    }

    #[test]
    fn the_embedded_tables_parse_and_the_current_one_is_among_them() {
        let tables = parse_embedded().unwrap();
        assert!(!tables.is_empty());
        assert_eq!(current().version(), CURRENT_VERSION);
        assert!(current().source().contains("GB/T 2589-2008"));
        assert!(by_version("no-such-table").is_none());
    }

    #[test]
    fn the_current_table_holds_the_annex_a_values() {
        let table = current();
        let expected = [
            (Carrier::Electricity, Some("0.1229")),
            (Carrier::Water, None),
            (Carrier::NaturalGas, Some("1.2143")),
            // 0.7143 kgce/kg x 1000 kg/t.
            (Carrier::Coal, Some("714.3")),
            // 1.4714 kgce/kg x 0.73 kg/L = 1.074122 kgce/L.
            (Carrier::Gasoline, Some("1.074122")),
            // 1.4571 kgce/kg x 0.84 kg/L = 1.223964 kgce/L.
            (Carrier::Diesel, Some("1.223964")),
            (Carrier::Lpg, Some("1.7143")),
            (Carrier::Heat, Some("34.12")),
            (Carrier::SolarPv, None),
            // 1 kgce/kgce x 1000 kgce/tce.
            (Carrier::Other, Some("1000")),
        ];
        for (carrier, kgce_per_unit) in expected {
            assert_eq!(
                table.kgce_per_unit(carrier),
                kgce_per_unit.map(decimal),
                "{carrier}"
            );
        }
        assert_eq!(
            table.unverified_carriers(),
            [Carrier::NaturalGas, Carrier::Gasoline, Carrier::Diesel]
        );
    }

    #[test]
    fn the_2020_table_holds_its_values_and_marks_those_not_confirmed() {
        let table = by_version("gbt2589-2020-annex-a").unwrap();
        assert!(table.source().contains("GB/T 2589-2020"));
        assert_eq!(table.electricity_basis(), ElectricityBasis::Equivalent);
        for carrier in Carrier::ALL {
            assert_eq!(
                table.kgce_per_unit(*carrier),
                current().kgce_per_unit(*carrier),
                "{carrier}"
            );
        }
        assert_eq!(
            table.unverified_carriers(),
            [
                Carrier::NaturalGas,
                Carrier::Coal,
                Carrier::Gasoline,
                Carrier::Diesel,
                Carrier::Lpg
            ]
        );
        for carrier in table.unverified_carriers() {
            assert!(
                table.entry(carrier).note.starts_with("Unverified"),
                "{carrier}"
            );
        }
    }

    #[test]
    fn a_version_names_its_table_and_electricity_basis_and_round_trips() {
        let equivalent = choose("gbt2589-2020-annex-a", ElectricityBasis::Equivalent).unwrap();
        assert_eq!(equivalent, "gbt2589-2020-annex-a");
        let basis = ElectricityBasis::parse("power-generation", 2022).unwrap();
        assert_eq!(basis, ElectricityBasis::PowerGeneration { year: 2022 });
        let version = choose("gbt2589-2020-annex-a", basis).unwrap();
        assert_eq!(version, "gbt2589-2020-annex-a+power-generation-2022");
        let table = by_version(&version).unwrap();
        assert_eq!(table.version(), version);
        assert_eq!(table.table_version(), "gbt2589-2020-annex-a");
        assert_eq!(table.electricity_basis(), basis);
        // 300.7 gce/kWh × 0.001 = 0.3007 kgce/kWh; the other carriers as in the table file.
        assert_eq!(
            table.kgce_per_unit(Carrier::Electricity),
            Some(decimal("0.3007"))
        );
        assert_eq!(table.kgce_per_unit(Carrier::Heat), Some(decimal("34.12")));
        assert!(!table.entry(Carrier::Electricity).verified);
        // Every shipped version round-trips through by_version.
        for table in all() {
            assert_eq!(by_version(table.version()).unwrap(), table);
        }
        assert_eq!(
            ElectricityBasis::parse("power-generation-2019", 2025),
            Ok(ElectricityBasis::PowerGeneration { year: 2019 })
        );
        assert_eq!(
            ElectricityBasis::parse("equivalent", 2025),
            Ok(ElectricityBasis::Equivalent)
        );
    }

    #[test]
    fn a_figure_differs_by_electricity_basis() {
        // 1,000 kWh: 122.9 kgce at its equivalent value, 300.7 kgce at 2022's power-generation rate.
        let equivalent = by_version("gbt2589-2020-annex-a").unwrap();
        let power = by_version("gbt2589-2020-annex-a+power-generation-2022").unwrap();
        assert_eq!(
            equivalent.standard_coal_kgce(Carrier::Electricity, decimal("1000")),
            Ok(Some(decimal("122.9")))
        );
        assert_eq!(
            power.standard_coal_kgce(Carrier::Electricity, decimal("1000")),
            Ok(Some(decimal("300.7")))
        );
        let english = power.describe("en");
        assert!(
            english.contains("2022") && english.contains("300.7"),
            "{english}"
        );
        let chinese = equivalent.describe("zh-CN");
        assert!(
            chinese.contains("当量值") && chinese.contains("0.1229"),
            "{chinese}"
        );
    }

    #[test]
    fn an_unknown_table_or_a_year_without_a_rate_is_refused_with_what_there_is() {
        let error = choose("gbt2589-2030", ElectricityBasis::Equivalent).unwrap_err();
        let message = error.localized("en");
        assert!(
            message.contains("gbt2589-2008-annex-a, gbt2589-2020-annex-a"),
            "{message}"
        );
        let error = choose(
            "gbt2589-2020-annex-a",
            ElectricityBasis::PowerGeneration { year: 2025 },
        )
        .unwrap_err();
        assert_eq!(error, CoefficientChoiceError::NoRateForYear { year: 2025 });
        assert!(error.localized("en").contains("2021, 2022"), "{error:?}");
        assert!(ElectricityBasis::parse("coal", 2025).is_err());
        assert!(by_version("gbt2589-2020-annex-a+power-generation-2025").is_none());
    }

    #[test]
    fn the_power_generation_basis_takes_the_period_year_or_the_latest_published_before_it() {
        let year_of =
            |text: &str, period_year: u16| match ElectricityBasis::parse(text, period_year) {
                Ok(ElectricityBasis::PowerGeneration { year }) => year,
                other => panic!("{text} for {period_year}: {other:?}"),
            };
        let latest = power_generation_rates().iter().map(|rate| rate.year).max();
        assert_eq!(latest, Some(2022));
        // A year with its own rate uses it; a later one the latest published.
        assert_eq!(year_of("power-generation", 2019), 2019);
        assert_eq!(year_of("等价值", 2022), 2022);
        assert_eq!(year_of("power-generation", 2025), 2022);
        // A year before the first rate has none: it is refused when the table is chosen.
        assert_eq!(year_of("power-generation", 2010), 2010);
        assert!(
            choose(
                "gbt2589-2020-annex-a",
                ElectricityBasis::PowerGeneration { year: 2010 }
            )
            .is_err()
        );
        // A year given is kept as given.
        assert_eq!(year_of("power-generation-2016", 2025), 2016);
        assert_eq!(
            choose(
                "gbt2589-2020-annex-a",
                ElectricityBasis::parse("power-generation", 2025).unwrap()
            ),
            Ok("gbt2589-2020-annex-a+power-generation-2022".to_owned())
        );
    }

    #[test]
    fn standard_coal_is_rounded_to_a_fixed_scale() {
        let table = current();
        // 1,000 kWh x 0.1229 = 122.9 kgce.
        assert_eq!(
            table.standard_coal_kgce(Carrier::Electricity, decimal("1000")),
            Ok(Some(decimal("122.9")))
        );
        // 0.0001 L x 1.074122 = 0.0001074122, rounded to 0.000107 kgce.
        assert_eq!(
            table.standard_coal_kgce(Carrier::Gasoline, decimal("0.0001")),
            Ok(Some(decimal("0.000107")))
        );
        assert_eq!(
            table.standard_coal_kgce(Carrier::Water, decimal("5")),
            Ok(None)
        );
        assert_eq!(
            table.standard_coal_kgce(Carrier::Water, Decimal::MAX),
            Err(AmountError::TooLarge)
        );
    }

    #[test]
    fn refuses_tables_that_leave_out_or_mislabel_carriers() {
        let text = EMBEDDED_TABLES[0].1;
        let without_heat = text.replace("[carriers.heat]", "[carriers.steam]");
        assert!(matches!(
            CoefficientTable::parse(&without_heat),
            Err(CoefficientTableError::UnknownCarrier { .. })
        ));
        let wrong_unit = text.replace("record_unit = \"GJ\"", "record_unit = \"MJ\"");
        assert!(matches!(
            CoefficientTable::parse(&wrong_unit),
            Err(CoefficientTableError::UnitMismatch {
                carrier: Carrier::Heat,
                ..
            })
        ));
        let float = text.replace("coefficient = \"34.12\"", "coefficient = 34.12");
        assert!(matches!(
            CoefficientTable::parse(&float),
            Err(CoefficientTableError::Syntax { .. })
        ));
        let negative = text.replace("\"34.12\"", "\"-34.12\"");
        assert!(matches!(
            CoefficientTable::parse(&negative),
            Err(CoefficientTableError::BadValue {
                carrier: Carrier::Heat,
                ..
            })
        ));
    }
}
