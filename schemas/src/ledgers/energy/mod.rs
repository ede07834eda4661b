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
