//! The energy ledger (公共机构能源资源消费): institutions, monthly consumption per carrier and
//! waste sorting.
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
    ledger: Ledger::Energy,
    tables: &[
        &tables::INSTITUTIONS,
        &tables::ENERGY_CONSUMPTION,
        &tables::WASTE_SORTING,
    ],
    rules: checks::RULES,
    check: checks::check,
    figures: figures::compute,
    catalog: figures::catalog,
    sheets: report::sheets,
};
