//! The vehicles ledger (党政机关公务用车): vehicles, quotas, dispatch orders, running costs and
//! disposals.
//!
//! - [`tables`]: the tables and the rules within one record.
//! - [`checks`]: the rules that span records, as findings.
//! - [`figures`]: the additive figures a rollup carries.
//! - [`report`]: the sheets of the return.

pub mod checks;
pub mod figures;
pub mod report;
pub mod tables;

use crate::ledger::Ledger;
use crate::vocabulary::LedgerDefinition;

/// The ledger as one value: its tables, its rule registry, checks, figures and return sheets.
pub static DEFINITION: LedgerDefinition = LedgerDefinition {
    ledger: Ledger::Vehicles,
    tables: &[
        &tables::VEHICLES,
        &tables::VEHICLE_QUOTAS,
        &tables::DISPATCH_ORDERS,
        &tables::VEHICLE_COSTS,
        &tables::VEHICLE_DISPOSALS,
    ],
    rules: checks::RULES,
    check: checks::check,
    figures: figures::compute,
    catalog: figures::catalog,
    sheets: report::sheets,
};
