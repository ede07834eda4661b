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
