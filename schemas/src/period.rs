//! Reporting periods: a year (`2025`), a quarter (`2025-Q1`) or a month (`2025-03`).
//!
//! A `Period` cannot be malformed: it is parsed once at the edge and then carried as a value. A
//! record's month is checked against the period of the document it is written into.

use std::fmt;
use std::str::FromStr;

use crate::t;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::i18n::{display_in_current_language, shown};

/// Earliest year a period may name; older statistics are outside the system's scope.
pub const YEAR_MIN: u16 = 2000;
/// Latest year a period may name; guards against typing errors such as `20255`.
pub const YEAR_MAX: u16 = 2100;

/// A reporting period.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Period {
    /// A calendar year, the period of the annual returns.
    Year(u16),
    /// A quarter, 1 to 4.
    Quarter(u16, u8),
    /// A month, 1 to 12.
    Month(u16, u8),
}

/// A calendar month, the granularity of consumption records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    pub year: u16,
    /// 1 to 12.
    pub month: u8,
}

/// Why a text is not a period.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct PeriodError {
    /// The text as given.
    pub value: String,
    /// What is wrong with it.
    pub reason: PeriodProblem,
}

/// What is wrong with the text of a period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeriodProblem {
    /// The year is not four digits.
    YearNotFourDigits,
    /// The year is outside [`YEAR_MIN`]..=[`YEAR_MAX`].
    YearOutOfRange,
    /// The quarter is not Q1 to Q4.
    QuarterOutOfRange,
    /// The month is not 01 to 12.
    MonthOutOfRange,
    /// What follows the year is neither `-Qn` nor `-MM`.
    BadSuffix,
    /// A month was asked for, and the text is a year or a quarter.
    NotAMonth,
}

impl PeriodError {
    /// What is wrong and how periods are written, in a language of the catalogues.
    pub fn localized(&self, locale: &str) -> String {
        let reason = match self.reason {
            PeriodProblem::YearNotFourDigits => "year_not_four_digits",
            PeriodProblem::YearOutOfRange => "year_out_of_range",
            PeriodProblem::QuarterOutOfRange => "quarter_out_of_range",
            PeriodProblem::MonthOutOfRange => "month_out_of_range",
            PeriodProblem::BadSuffix => "bad_suffix",
            PeriodProblem::NotAMonth => "not_a_month",
        };
        t!(
            "schemas.period.invalid",
            locale = locale,
            value = shown(&self.value),
            reason = t!(format!("schemas.period.{reason}"), locale = locale),
            min = YEAR_MIN,
            max = YEAR_MAX
        )
        .into_owned()
    }
}

display_in_current_language!(PeriodError);

fn parse_year(text: &str, whole: &str) -> Result<u16, PeriodError> {
    if text.len() != 4 || !text.bytes().all(|byte| byte.is_ascii_digit()) {
        return Err(PeriodError {
            value: whole.to_owned(),
            reason: PeriodProblem::YearNotFourDigits,
        });
    }
    let year: u16 = text.parse().map_err(|_| PeriodError {
        value: whole.to_owned(),
        reason: PeriodProblem::YearNotFourDigits,
    })?;
    if !(YEAR_MIN..=YEAR_MAX).contains(&year) {
        return Err(PeriodError {
            value: whole.to_owned(),
            reason: PeriodProblem::YearOutOfRange,
        });
    }
    Ok(year)
}

impl Month {
    /// Parses `YYYY-MM`.
    pub fn parse(text: &str) -> Result<Self, PeriodError> {
        match Period::parse(text)? {
            Period::Month(year, month) => Ok(Month { year, month }),
            _ => Err(PeriodError {
                value: text.to_owned(),
                reason: PeriodProblem::NotAMonth,
            }),
        }
    }
}

impl fmt::Display for Month {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "{:04}-{:02}", self.year, self.month)
    }
}

impl Period {
    /// Parses `YYYY`, `YYYY-Qn` or `YYYY-MM`.
    pub fn parse(text: &str) -> Result<Self, PeriodError> {
        let error = |reason| PeriodError {
            value: text.to_owned(),
            reason,
        };
        match text.split_once('-') {
            None => Ok(Period::Year(parse_year(text, text)?)),
            Some((year, rest)) => {
                let year = parse_year(year, text)?;
                if let Some(quarter) = rest.strip_prefix('Q') {
                    match quarter {
                        "1" | "2" | "3" | "4" => {
                            Ok(Period::Quarter(year, quarter.as_bytes()[0] - b'0'))
                        }
                        _ => Err(error(PeriodProblem::QuarterOutOfRange)),
                    }
                } else if rest.len() == 2 && rest.bytes().all(|byte| byte.is_ascii_digit()) {
                    let month: u8 = rest
                        .parse()
                        .map_err(|_| error(PeriodProblem::MonthOutOfRange))?;
                    if (1..=12).contains(&month) {
                        Ok(Period::Month(year, month))
                    } else {
                        Err(error(PeriodProblem::MonthOutOfRange))
                    }
                } else {
                    Err(error(PeriodProblem::BadSuffix))
                }
            }
        }
    }

    /// The year the period lies in.
    pub fn year(self) -> u16 {
        match self {
            Period::Year(year) | Period::Quarter(year, _) | Period::Month(year, _) => year,
        }
    }

    /// Whether a month lies within this period.
    pub fn contains(self, month: Month) -> bool {
        match self {
            Period::Year(year) => month.year == year,
            Period::Quarter(year, quarter) => {
                // Written without subtraction so that a month built in code as 0 cannot underflow.
                month.year == year && u16::from(month.month).div_ceil(3) == u16::from(quarter)
            }
            Period::Month(year, number) => month.year == year && month.month == number,
        }
    }

    /// The same period one year earlier, for year-on-year comparisons.
    pub fn previous_year(self) -> Option<Period> {
        let year = self
            .year()
            .checked_sub(1)
            .filter(|year| *year >= YEAR_MIN)?;
        Some(match self {
            Period::Year(_) => Period::Year(year),
            Period::Quarter(_, quarter) => Period::Quarter(year, quarter),
            Period::Month(_, month) => Period::Month(year, month),
        })
    }
}

impl FromStr for Period {
    type Err = PeriodError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
    }
}

impl fmt::Display for Period {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Period::Year(year) => write!(formatter, "{year:04}"),
            Period::Quarter(year, quarter) => write!(formatter, "{year:04}-Q{quarter}"),
            Period::Month(year, month) => write!(formatter, "{year:04}-{month:02}"),
        }
    }
}

impl Serialize for Period {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Period {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

impl Serialize for Month {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Month {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_every_period_form() {
        for text in ["2025", "2025-Q3", "2025-03"] {
            assert_eq!(Period::parse(text).unwrap().to_string(), text);
        }
    }

    #[test]
    fn refuses_malformed_periods() {
        for text in [
            "25", "2025-13", "2025-Q5", "2025-3", "1999", "2025-", "abcd", "2025-00",
        ] {
            assert!(Period::parse(text).is_err(), "{text} should be refused");
        }
    }

    #[test]
    fn knows_which_months_it_contains() {
        let march = Month {
            year: 2025,
            month: 3,
        };
        assert!(Period::Year(2025).contains(march));
        assert!(Period::Quarter(2025, 1).contains(march));
        assert!(!Period::Quarter(2025, 2).contains(march));
        assert!(Period::Month(2025, 3).contains(march));
        assert!(!Period::Year(2024).contains(march));
    }
}
