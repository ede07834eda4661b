//! Official standards kept as versioned tables: office room limits, vehicle caps, energy benchmarks.
//!
//! The figures are data, not code, as the standard-coal coefficients are (see
//! [`crate::coefficients`]): each table is a TOML file under `schemas/tables/`, embedded in the binary
//! and parsed once, on first use, into a `static`. A table names its version and its source text and
//! marks each value that could not be confirmed from an official text (`verified = false` with a
//! `note` saying why), so that a corrected table can replace it without touching the code. Decimal
//! values are written as strings and parsed into [`Decimal`](crate::Decimal), never floats.
//!
//! - [`room_limits()`]: usable office area per person by rank (2014 construction standard).
//! - [`vehicle_caps()`]: price and displacement caps of official vehicles by category (2017 rules), and
//!   the age after which a vehicle may be replaced.
//! - [`energy_benchmarks()`]: energy and water intensities that an institution's figures are compared
//!   with, chosen by institution type, and the thresholds of those comparisons.
//!
//! Every table file is read through one reader, so a bad file (a missing or unknown field, a
//! negative value, a duplicate key) is refused with a [`StandardTableError`] that names the entry and
//! the field to fix.

mod energy_benchmarks;
mod room_limits;
mod table_file;
mod vehicle_caps;

use std::fmt;

use serde::{Deserialize, Serialize};

pub use energy_benchmarks::{Benchmark, EnergyBenchmarks, energy_benchmarks};
pub use room_limits::{RoomLimits, RoomRank, room_limits};
pub use table_file::{ENTRIES_PER_TABLE_MAX, StandardTableError};
pub use vehicle_caps::{
    CategoryCaps, VEHICLE_REPLACEMENT_YEARS_MAX, VehicleCap, VehicleCaps, vehicle_caps,
};

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
}

impl StandardLevel {
    /// Every level, from the top down.
    pub const ALL: &'static [StandardLevel] = &[
        StandardLevel::Central,
        StandardLevel::Province,
        StandardLevel::City,
        StandardLevel::County,
    ];

    /// The name used in table files and JSON, the same as its serde form.
    pub fn slug(self) -> &'static str {
        match self {
            StandardLevel::Central => "central",
            StandardLevel::Province => "province",
            StandardLevel::City => "city",
            StandardLevel::County => "county",
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
}
