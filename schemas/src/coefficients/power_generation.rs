//! The yearly power-generation coal rates (火电供电标准煤耗, grams of standard coal per kWh of
//! thermal power supplied): what electricity converts at on the 等价值 basis, one rate a year, kept
//! as a data file (`schemas/tables/power-generation-coal-rates.toml`) that names its source and
//! marks each year unverified until it is checked against the publisher's own text.

use std::sync::OnceLock;

use serde::Deserialize;

use super::CoefficientTableError;
use crate::Decimal;
use crate::records::parse_amount;
use crate::t;

/// The rates shipped in the binary: file name and text.
const POWER_GENERATION_RATES: (&str, &str) = (
    "power-generation-coal-rates.toml",
    include_str!("../../tables/power-generation-coal-rates.toml"),
);

/// One year's coal per kWh of thermal power supplied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PowerGenerationRate {
    /// The year.
    pub year: u16,
    /// Grams of standard coal per kWh.
    pub gce_per_kwh: Decimal,
    /// Whether the value was confirmed from the publisher's own text.
    pub verified: bool,
    /// Where the value comes from, or why it is unverified.
    pub note: String,
}

/// The shape of the power-generation rates file.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RatesFile {
    source: String,
    years: Vec<RateEntry>,
}

/// The shape of one year of the rates file.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RateEntry {
    year: u16,
    gce_per_kwh: String,
    verified: bool,
    note: String,
}

/// The rates file, parsed once: its source text and its years.
fn rates_file() -> &'static (String, Vec<PowerGenerationRate>) {
    static RATES: OnceLock<(String, Vec<PowerGenerationRate>)> = OnceLock::new();
    RATES.get_or_init(|| match parse_rates(POWER_GENERATION_RATES.1) {
        Ok(rates) => rates,
        // The file is part of the binary and a test parses it: failing here is our bug.
        Err(error) => panic!(
            "embedded file {} is invalid: {error}",
            POWER_GENERATION_RATES.0
        ),
    })
}

/// The yearly power-generation coal rates, by year.
pub fn power_generation_rates() -> &'static [PowerGenerationRate] {
    &rates_file().1
}

/// The source text of the power-generation rates.
pub fn power_generation_source() -> &'static str {
    &rates_file().0
}

/// Parses the rates file: years unique and ascending, each rate a positive amount below 1,000 g.
fn parse_rates(text: &str) -> Result<(String, Vec<PowerGenerationRate>), CoefficientTableError> {
    let file: RatesFile = toml::from_str(text).map_err(|error| CoefficientTableError::Syntax {
        message: error.to_string(),
    })?;
    let mut rates: Vec<PowerGenerationRate> = Vec::with_capacity(file.years.len());
    for entry in file.years {
        let gce_per_kwh = parse_amount(&entry.gce_per_kwh)
            .ok()
            .filter(|value| !value.is_zero() && *value < Decimal::ONE_THOUSAND)
            .ok_or_else(|| CoefficientTableError::Syntax {
                message: t!(
                    "schemas.bad_power_generation_rate",
                    year = entry.year,
                    value = format!("{:?}", entry.gce_per_kwh)
                )
                .into_owned(),
            })?;
        if rates.last().is_some_and(|last| last.year >= entry.year) {
            return Err(CoefficientTableError::DuplicateVersion {
                version: entry.year.to_string(),
            });
        }
        rates.push(PowerGenerationRate {
            year: entry.year,
            gce_per_kwh,
            verified: entry.verified,
            note: entry.note,
        });
    }
    Ok((file.source, rates))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decimal(text: &str) -> Decimal {
        text.parse().unwrap()
    }

    #[test]
    fn power_generation_rates_are_golden_and_unverified() {
        let rates: Vec<(u16, Decimal, bool)> = power_generation_rates()
            .iter()
            .map(|rate| (rate.year, rate.gce_per_kwh, rate.verified))
            .collect();
        let expected = [
            (2015, "315"),
            (2016, "312"),
            (2017, "309"),
            (2018, "307.6"),
            (2019, "306.4"),
            (2020, "305.5"),
            (2021, "302.5"),
            (2022, "300.7"),
        ];
        let expected: Vec<(u16, Decimal, bool)> = expected
            .iter()
            .map(|(year, gce)| (*year, decimal(gce), false))
            .collect();
        assert_eq!(rates, expected);
        assert!(!power_generation_source().is_empty());
    }
}
