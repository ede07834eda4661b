//! The three ledgers (台账) a node keeps, one automerge document per (owner, ledger, period).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// One of the three ledgers of an offices-administration body.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Ledger {
    /// 党政机关办公用房: buildings and the space in them.
    OfficeSpace,
    /// 党政机关公务用车: vehicles, quotas, dispatch orders and costs.
    Vehicles,
    /// 公共机构能源资源消费: institutions' energy and water use.
    Energy,
}

/// A ledger name that is not one of the three.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct UnknownLedger {
    /// The text that was given.
    pub value: String,
}

impl UnknownLedger {
    /// What was given and which ledgers there are, in a language of the catalogues.
    pub fn localized(&self, locale: &str) -> String {
        rust_i18n::t!(
            "schemas.ledger.unknown",
            locale = locale,
            value = crate::i18n::shown(&self.value)
        )
        .into_owned()
    }
}

crate::i18n::display_in_current_language!(UnknownLedger);

impl Ledger {
    /// Every ledger, in the order reports list them.
    pub const ALL: [Ledger; 3] = [Ledger::OfficeSpace, Ledger::Vehicles, Ledger::Energy];

    /// The name used on the command line, in files and in JSON.
    pub fn slug(self) -> &'static str {
        match self {
            Ledger::OfficeSpace => "office_space",
            Ledger::Vehicles => "vehicles",
            Ledger::Energy => "energy",
        }
    }

    /// How a message names the ledger: its Chinese name with its slug in Chinese, its slug in
    /// English.
    pub fn named(self, locale: &str) -> String {
        if crate::i18n::is_chinese(locale) {
            format!("{}（{}）", self.name_zh(), self.slug())
        } else {
            self.slug().to_owned()
        }
    }

    /// The Chinese name used on forms.
    pub fn name_zh(self) -> &'static str {
        match self {
            Ledger::OfficeSpace => "党政机关办公用房",
            Ledger::Vehicles => "党政机关公务用车",
            Ledger::Energy => "公共机构能源资源消费",
        }
    }
}

impl FromStr for Ledger {
    type Err = UnknownLedger;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Ledger::ALL
            .into_iter()
            .find(|ledger| ledger.slug() == text)
            .ok_or_else(|| UnknownLedger {
                value: text.to_owned(),
            })
    }
}

impl fmt::Display for Ledger {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.slug())
    }
}
