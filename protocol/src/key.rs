//! Document keys: one automerge document per (owner node, ledger, period).

use std::fmt;
use std::str::FromStr;

use schemas::{Ledger, Period};
use serde::{Deserialize, Serialize};
use topology::DivisionCode;

/// Names one ledger document: written only by `owner`, for one ledger and one period.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct DocumentKey {
    pub owner: DivisionCode,
    pub ledger: Ledger,
    pub period: Period,
}

/// Why a text is not a document key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("document key {value:?} is not valid: {reason} (expected CODE/LEDGER/PERIOD)")]
pub struct KeyError {
    pub value: String,
    pub reason: String,
}

impl DocumentKey {
    pub fn new(owner: DivisionCode, ledger: Ledger, period: Period) -> Self {
        Self {
            owner,
            ledger,
            period,
        }
    }
}

impl fmt::Display for DocumentKey {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "{}/{}/{}", self.owner, self.ledger, self.period)
    }
}

impl FromStr for DocumentKey {
    type Err = KeyError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let error = |reason: String| KeyError {
            value: text.to_owned(),
            reason,
        };
        let mut parts = text.split('/');
        let (Some(owner), Some(ledger), Some(period), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(error("it must have three parts".to_owned()));
        };
        Ok(Self {
            owner: owner.parse().map_err(|e| error(format!("{e}")))?,
            ledger: ledger.parse().map_err(|e| error(format!("{e}")))?,
            period: period.parse().map_err(|e| error(format!("{e}")))?,
        })
    }
}
