//! Official standards kept as versioned tables: office room limits, vehicle caps, energy benchmarks.
//!
//! The figures are data, not code, as the standard-coal coefficients are (see
//! [`crate::coefficients`]): each table is a TOML file under `schemas/tables/`, embedded in the binary
//! and parsed once, on first use, into a `static`. A table names its version and its source text and
//! marks each value that could not be confirmed from an official text (`verified = false` with a
//! `note` saying why), so that a corrected table can replace it without touching the code. Decimal
//! values are written as strings and parsed into [`Decimal`](crate::Decimal), never floats.
//!
//! - [`room_limits()`]: usable office area per person by rank and level of government (2014
//!   construction standard); [`StandardLevel::of_division`] gives a body's level.
//! - [`vehicle_caps()`]: price and displacement caps of official vehicles by category and body type
//!   (2017 rules), the age after which a vehicle may be replaced, and the least new-energy share of
//!   a period's purchases (2024 notice).
//! - [`energy_benchmarks()`]: energy and water intensities that an institution's figures are compared
//!   with, chosen by institution type, and the thresholds of those comparisons.
//!
//! Every table file is read through one reader, so a bad file (a missing or unknown field, a
//! negative value, a duplicate key) is refused with a [`StandardTableError`] that names the entry and
//! the field to fix.

/// Most years a vehicle caps table may give as the replacement age: far above the 8 years of the
/// 2017 rules, so a larger figure is a typing error rather than a policy. The table file reader
/// names it when it refuses such a value.
pub const VEHICLE_REPLACEMENT_YEARS_MAX: u32 = 30;

mod energy_benchmarks;
mod room_limits;
mod table_file;
mod vehicle_caps;

use std::fmt;

use serde::{Deserialize, Serialize};
use topology::DivisionCode;

pub use energy_benchmarks::{
    Benchmark, EnergyBenchmarks, UnknownBenchmarks, energy_benchmark_tables, energy_benchmarks,
    energy_benchmarks_by_id,
};
pub use room_limits::{RoomLimits, RoomRank, room_limits};
pub use table_file::{ENTRIES_PER_TABLE_MAX, StandardTableError};
pub use vehicle_caps::{BodyTypeCaps, CategoryCaps, VehicleCap, VehicleCaps, vehicle_caps};

/// The division code of the nation in topologies of this project (`topology`'s generator), whose
/// own level is the central organs.
pub const NATION_CODE: &str = "100000000000";

/// The level of government a rank belongs to in the office-space standard: the standard sets
/// different limits for the same kind of post at each level.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StandardLevel {
    /// Central Party and government organs (中央机关).
    Central,
    /// Provincial-level organs (省级机关).
    Province,
    /// Prefecture-level city organs (市级机关).
    City,
    /// County-level organs (县级机关).
    County,
    /// Township-level organs (乡级机关), whose limit is the county organs' deputy limit.
    Township,
}

impl StandardLevel {
    /// Every level, from the top down.
    pub const ALL: &'static [StandardLevel] = &[
        StandardLevel::Central,
        StandardLevel::Province,
        StandardLevel::City,
        StandardLevel::County,
        StandardLevel::Township,
    ];

    /// The name used in table files and JSON, the same as its serde form.
    pub fn slug(self) -> &'static str {
        match self {
            StandardLevel::Central => "central",
            StandardLevel::Province => "province",
            StandardLevel::City => "city",
            StandardLevel::County => "county",
            StandardLevel::Township => "township",
        }
    }

    /// The Chinese name of the level's organs, for messages: `省级机关`.
    pub fn name_zh(self) -> &'static str {
        match self {
            StandardLevel::Central => "中央机关",
            StandardLevel::Province => "省级机关",
            StandardLevel::City => "市级机关",
            StandardLevel::County => "县级机关",
            StandardLevel::Township => "乡级机关",
        }
    }

    /// The level of the organs whose ledger a node of `code` keeps, from the code's trailing
    /// zeros: 10, 8 and 6 make a province, a city and a county, fewer a township. The nation's
    /// code in this project, [`NATION_CODE`], is no province's (those start 11 to 82) and keeps
    /// the central organs' ledger.
    pub fn of_division(code: DivisionCode) -> StandardLevel {
        let digits = code.as_str();
        let zeros = digits.len() - digits.trim_end_matches('0').len();
        match zeros {
            _ if digits == NATION_CODE => StandardLevel::Central,
            10 | 11 => StandardLevel::Province,
            8 | 9 => StandardLevel::City,
            6 | 7 => StandardLevel::County,
            _ => StandardLevel::Township,
        }
    }
}

impl fmt::Display for StandardLevel {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.slug())
    }
}

/// Whether a single value of a table (a rule or a threshold rather than an entry of a list) was
/// confirmed from an official text, and where it comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Provenance {
    /// Whether the value was confirmed from an official text. A check that uses an unverified value
    /// should say so in its report.
    pub verified: bool,
    /// Where the value comes from, or why it is unverified or a choice of this project.
    pub note: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_level_is_written_as_its_slug() {
        for &level in StandardLevel::ALL {
            assert_eq!(
                toml::Value::try_from(level).unwrap(),
                toml::Value::String(level.slug().to_owned())
            );
            assert_eq!(
                toml::Value::String(level.slug().to_owned())
                    .try_into::<StandardLevel>()
                    .unwrap(),
                level
            );
            assert_eq!(level.to_string(), level.slug());
        }
    }

    #[test]
    fn a_body_level_is_read_from_its_division_code() {
        for (code, level) in [
            ("100000000000", StandardLevel::Central),
            ("640000000000", StandardLevel::Province),
            ("640100000000", StandardLevel::City),
            ("640104000000", StandardLevel::County),
            ("640110000000", StandardLevel::County),
            ("640104001000", StandardLevel::Township),
        ] {
            let code = DivisionCode::parse(code).unwrap();
            assert_eq!(StandardLevel::of_division(code), level, "{code:?}");
        }
    }
}
