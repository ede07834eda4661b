//! The tables of the ledgers: each ledger document holds one map of records per table.
//!
//! A [`Table`] names one kind of record. Import files name it (or it is inferred from their headers,
//! see [`crate::columns`]), documents key their record maps by its slug (see [`crate::document`]),
//! and figures are computed over the records of all the tables of one ledger.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::ledger::Ledger;

/// One kind of record kept in a ledger document.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Table {
    /// 办公用房: one record per building used as office space (office space ledger).
    Buildings,
    /// 公务用车: one record per official vehicle (vehicles ledger).
    Vehicles,
    /// 派车单: one record per vehicle dispatch order (vehicles ledger).
    DispatchOrders,
    /// 能源资源消费: one record per institution, energy carrier and month (energy ledger).
    EnergyConsumption,
}

/// A table name that is not one of the tables.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown table {value:?}: expected one of buildings, vehicles, dispatch_orders, energy_consumption"
)]
pub struct UnknownTable {
    /// The text that was given.
    pub value: String,
}

const OFFICE_SPACE_TABLES: [Table; 1] = [Table::Buildings];
const VEHICLES_TABLES: [Table; 2] = [Table::Vehicles, Table::DispatchOrders];
const ENERGY_TABLES: [Table; 1] = [Table::EnergyConsumption];

impl Table {
    /// Every table, grouped by ledger in the order of [`Ledger::ALL`].
    pub const ALL: [Table; 4] = [
        Table::Buildings,
        Table::Vehicles,
        Table::DispatchOrders,
        Table::EnergyConsumption,
    ];

    /// The ledger whose documents hold this table.
    pub fn ledger(self) -> Ledger {
        match self {
            Table::Buildings => Ledger::OfficeSpace,
            Table::Vehicles | Table::DispatchOrders => Ledger::Vehicles,
            Table::EnergyConsumption => Ledger::Energy,
        }
    }

    /// The name used in documents, on the command line and in JSON.
    pub fn slug(self) -> &'static str {
        match self {
            Table::Buildings => "buildings",
            Table::Vehicles => "vehicles",
            Table::DispatchOrders => "dispatch_orders",
            Table::EnergyConsumption => "energy_consumption",
        }
    }

    /// The Chinese name used on forms and as a spreadsheet's sheet name.
    pub fn name_zh(self) -> &'static str {
        match self {
            Table::Buildings => "办公用房",
            Table::Vehicles => "公务用车",
            Table::DispatchOrders => "派车单",
            Table::EnergyConsumption => "能源资源消费",
        }
    }
}

/// The tables of one ledger, in the order forms list them.
pub fn tables_of(ledger: Ledger) -> &'static [Table] {
    match ledger {
        Ledger::OfficeSpace => &OFFICE_SPACE_TABLES,
        Ledger::Vehicles => &VEHICLES_TABLES,
        Ledger::Energy => &ENERGY_TABLES,
    }
}

impl FromStr for Table {
    type Err = UnknownTable;

    /// Accepts the slug or the Chinese name, ignoring surrounding white space.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let trimmed = text.trim();
        Table::ALL
            .into_iter()
            .find(|table| table.slug() == trimmed || table.name_zh() == trimmed)
            .ok_or_else(|| UnknownTable {
                value: text.to_owned(),
            })
    }
}

impl fmt::Display for Table {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.slug())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_belongs_to_exactly_the_ledger_that_lists_it() {
        for ledger in Ledger::ALL {
            for table in tables_of(ledger) {
                assert_eq!(table.ledger(), ledger);
            }
        }
        let listed: usize = Ledger::ALL
            .iter()
            .map(|ledger| tables_of(*ledger).len())
            .sum();
        assert_eq!(listed, Table::ALL.len());
    }

    #[test]
    fn parses_slugs_and_chinese_names() {
        for table in Table::ALL {
            assert_eq!(table.slug().parse::<Table>().unwrap(), table);
            assert_eq!(table.name_zh().parse::<Table>().unwrap(), table);
            assert_eq!(table.to_string(), table.slug());
        }
        assert!("rooms".parse::<Table>().is_err());
    }
}
