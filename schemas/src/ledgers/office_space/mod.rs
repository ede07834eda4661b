//! The office space ledger (党政机关办公用房): buildings, space by category and status, office rooms,
//! disposals and rental income.
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
    ledger: Ledger::OfficeSpace,
    tables: &[
        &tables::BUILDINGS,
        &tables::OFFICE_SPACES,
        &tables::OFFICE_ROOMS,
        &tables::SPACE_DISPOSALS,
        &tables::RENTAL_INCOME,
    ],
    rules: checks::RULES,
    check: checks::check,
    figures: figures::compute,
    catalog: figures::catalog,
    sheets: report::sheets,
};
