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
    /// 办公用房建筑: one record per building used as office space (office space ledger).
    Buildings,
    /// 办公用房面积: usable and floor area of a building by category and status.
    OfficeSpaces,
    /// 办公室: one record per office room, with its occupants' rank.
    OfficeRooms,
    /// 办公用房处置: disposals of office space by sale, swap or transfer.
    SpaceDisposals,
    /// 出租收入: rental income of a building per month.
    RentalIncome,
    /// 公务用车: one record per official vehicle (vehicles ledger).
    Vehicles,
    /// 车辆编制: the vehicle quota of an institution per category.
    VehicleQuotas,
    /// 派车单: one record per vehicle dispatch order.
    DispatchOrders,
    /// 运行费用: a vehicle's running costs and mileage per month.
    VehicleCosts,
    /// 车辆处置: disposals of vehicles.
    VehicleDisposals,
    /// 公共机构基本信息: one record per public institution (energy ledger).
    Institutions,
    /// 能源资源消费: one record per institution, energy carrier and month.
    EnergyConsumption,
    /// 垃圾分类: sorted waste per institution, category and month.
    WasteSorting,
}

/// A table name that is not one of the tables.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct UnknownTable {
    /// The text that was given.
    pub value: String,
}

impl UnknownTable {
    /// What was given and which tables there are, in a language of the catalogues.
    pub fn localized(&self, locale: &str) -> String {
        let tables = Table::ALL
            .iter()
            .map(|table| table.slug())
            .collect::<Vec<_>>()
            .join(", ");
        rust_i18n::t!(
            "schemas.table.unknown",
            locale = locale,
            value = crate::i18n::shown(&self.value),
            tables = tables
        )
        .into_owned()
    }
}

crate::i18n::display_in_current_language!(UnknownTable);

const OFFICE_SPACE_TABLES: [Table; 5] = [
    Table::Buildings,
    Table::OfficeSpaces,
    Table::OfficeRooms,
    Table::SpaceDisposals,
    Table::RentalIncome,
];
const VEHICLES_TABLES: [Table; 5] = [
    Table::Vehicles,
    Table::VehicleQuotas,
    Table::DispatchOrders,
    Table::VehicleCosts,
    Table::VehicleDisposals,
];
const ENERGY_TABLES: [Table; 3] = [
    Table::Institutions,
    Table::EnergyConsumption,
    Table::WasteSorting,
];

impl Table {
    /// Every table, grouped by ledger in the order of [`Ledger::ALL`].
    pub const ALL: [Table; 13] = [
        Table::Buildings,
        Table::OfficeSpaces,
        Table::OfficeRooms,
        Table::SpaceDisposals,
        Table::RentalIncome,
        Table::Vehicles,
        Table::VehicleQuotas,
        Table::DispatchOrders,
        Table::VehicleCosts,
        Table::VehicleDisposals,
        Table::Institutions,
        Table::EnergyConsumption,
        Table::WasteSorting,
    ];

    /// The ledger whose documents hold this table.
    pub fn ledger(self) -> Ledger {
        match self {
            Table::Buildings
            | Table::OfficeSpaces
            | Table::OfficeRooms
            | Table::SpaceDisposals
            | Table::RentalIncome => Ledger::OfficeSpace,
            Table::Vehicles
            | Table::VehicleQuotas
            | Table::DispatchOrders
            | Table::VehicleCosts
            | Table::VehicleDisposals => Ledger::Vehicles,
            Table::Institutions | Table::EnergyConsumption | Table::WasteSorting => Ledger::Energy,
        }
    }

    /// The name used in documents, on the command line and in JSON.
    pub fn slug(self) -> &'static str {
        match self {
            Table::Buildings => "buildings",
            Table::OfficeSpaces => "office_spaces",
            Table::OfficeRooms => "office_rooms",
            Table::SpaceDisposals => "space_disposals",
            Table::RentalIncome => "rental_income",
            Table::Vehicles => "vehicles",
            Table::VehicleQuotas => "vehicle_quotas",
            Table::DispatchOrders => "dispatch_orders",
            Table::VehicleCosts => "vehicle_costs",
            Table::VehicleDisposals => "vehicle_disposals",
            Table::Institutions => "institutions",
            Table::EnergyConsumption => "energy_consumption",
            Table::WasteSorting => "waste_sorting",
        }
    }

    /// How a message names the table: its Chinese name with its slug in Chinese, its slug in
    /// English.
    pub fn named(self, locale: &str) -> String {
        if crate::i18n::is_chinese(locale) {
            format!("{}（{}）", self.name_zh(), self.slug())
        } else {
            self.slug().to_owned()
        }
    }

    /// The Chinese name used on forms and as a spreadsheet's sheet name.
    pub fn name_zh(self) -> &'static str {
        match self {
            Table::Buildings => "办公用房建筑",
            Table::OfficeSpaces => "办公用房面积",
            Table::OfficeRooms => "办公室",
            Table::SpaceDisposals => "办公用房处置",
            Table::RentalIncome => "出租收入",
            Table::Vehicles => "公务用车",
            Table::VehicleQuotas => "车辆编制",
            Table::DispatchOrders => "派车单",
            Table::VehicleCosts => "运行费用",
            Table::VehicleDisposals => "车辆处置",
            Table::Institutions => "公共机构基本信息",
            Table::EnergyConsumption => "能源资源消费",
            Table::WasteSorting => "垃圾分类",
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
        assert_eq!(Table::ALL.len(), 13);
    }
}
