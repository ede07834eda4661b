//! What a ledger is made of: the [`LedgerDefinition`] each ledger gives as one value (its tables, its
//! rule registry, its checks, figures and return sheets), and the contexts those are called with.
//!
//! This module knows no ledger: each ledger module (in [`crate::ledgers`]) defines its value in
//! these terms, and the generic modules (records, figures, returns, tables) sit below both, so
//! nothing generic calls a ledger.

use topology::DivisionCode;

use crate::coefficients::CoefficientTable;
use crate::figures::{FigureSpec, Sums};
use crate::findings::{Findings, Rule};
use crate::ledger::Ledger;
use crate::period::Period;
use crate::records::{Record, TableSpec};
use crate::returns::{ReturnInput, ReturnSheet};
use crate::standards::{EnergyBenchmarks, UnknownBenchmarks};

/// One ledger as a value: everything generic code needs to import, check, compute and report it.
#[derive(Debug)]
pub struct LedgerDefinition {
    /// The ledger.
    pub ledger: Ledger,
    /// Its tables' specs, in the order forms list them.
    pub tables: &'static [&'static TableSpec],
    /// Its rule registry: every rule its checks report, with severity, phase and names.
    pub rules: &'static [Rule],
    /// The checks that span the records of one document; each broken rule goes into the list.
    /// The records have passed their own rules.
    pub check: fn(&[Record], &CheckContext<'_>, &mut Findings),
    /// Adds the figures of the records to the sums.
    pub figures: fn(&[Record], &FigureContext<'_>, &mut Sums),
    /// The figures, in report order, with labels and units.
    pub catalog: fn() -> Vec<FigureSpec>,
    /// The sheets of its statistical return.
    pub sheets: fn(&ReturnInput<'_>) -> Vec<ReturnSheet>,
}

impl LedgerDefinition {
    /// The rule of the registry with this code.
    pub fn rule(&self, code: &str) -> Option<&'static Rule> {
        self.rules.iter().find(|rule| rule.code == code)
    }
}

/// What the checks that span records know besides the records of one document.
#[derive(Clone, Copy, Debug)]
pub struct CheckContext<'a> {
    /// The owner of the document, named in findings.
    pub owner: DivisionCode,
    /// The document's period.
    pub period: Period,
    /// The records of the same owner and ledger for the previous year, when the node holds them
    /// (for year-on-year rules).
    pub previous: Option<&'a [Record]>,
    /// What the return definition sets for the checks (benchmarks, targets); the defaults where
    /// no definition is at hand.
    pub options: CheckOptions,
}

/// What a return definition sets for the checks of its ledger, besides which warnings block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CheckOptions {
    /// The energy benchmark table institutions' intensities are compared with: a table per
    /// region or climate zone, so that heated northern offices are not judged by southern
    /// averages.
    pub benchmarks: &'static EnergyBenchmarks,
    /// The share of eligible bodies to be created as saving-type institutions (节约型机关), in
    /// percent: a lower creation rate is a warning.
    pub saving_target_percent: u8,
}

/// The saving-type creation target when a return definition sets none: the national action plan
/// (2020) aims for at least 70 % of Party and government bodies at county level and above.
pub const DEFAULT_SAVING_TARGET_PERCENT: u8 = 70;

impl CheckOptions {
    /// The options a return definition chose: its benchmark table by id (`None` for the
    /// default) and its saving-type target; an unknown table id is refused, naming the ids.
    pub fn chosen(
        benchmarks: Option<&str>,
        saving_target_percent: u8,
    ) -> Result<Self, UnknownBenchmarks> {
        Ok(Self {
            benchmarks: crate::standards::energy_benchmarks_by_id(benchmarks)?,
            saving_target_percent,
        })
    }
}

impl Default for CheckOptions {
    fn default() -> Self {
        Self {
            benchmarks: crate::standards::energy_benchmarks(),
            saving_target_percent: DEFAULT_SAVING_TARGET_PERCENT,
        }
    }
}

/// What figures are computed with besides the records: the document's period (new purchases are
/// vehicles acquired within it) and the coefficient table.
#[derive(Clone, Copy, Debug)]
pub struct FigureContext<'a> {
    /// The document's period.
    pub period: Period,
    /// The standard-coal coefficients.
    pub coefficients: &'a CoefficientTable,
}
