//! The three ledgers, each in its own module: the tables it keeps ([`TableSpec`]s), the checks that
//! span records, the consolidated figures and the statistical return built from them.
//!
//! Everything outside this module is generic over tables: imports, documents, templates and exports
//! read the [`TableSpec`]s here, and figures, checks and returns are reached through the functions
//! below, which dispatch to the ledger.
//!
//! - [`office_space`]: buildings, spaces by category, office rooms, disposals, rental income.
//! - [`vehicles`]: vehicles, quotas, dispatch orders, running costs, disposals.
//! - [`energy`]: institutions, monthly consumption per carrier, waste sorting.

pub mod energy;
pub mod office_space;
pub mod vehicles;

use topology::DivisionCode;

use crate::coefficients::CoefficientTable;
use crate::figures::{FigureSpec, Figures, Sums};
use crate::ledger::Ledger;
use crate::period::Period;
use crate::records::{ColumnSpec, Record, RecordError};
use crate::returns::{Finding, ReturnSheet};
use crate::standards::EnergyBenchmarks;
use crate::table::Table;

/// A table: its columns, which of them make up a record's id, which one dates a record within its
/// document's period, and the rules that span the fields of one record.
#[derive(Debug)]
pub struct TableSpec {
    /// The table.
    pub table: Table,
    /// The columns, in template order.
    pub columns: &'static [ColumnSpec],
    /// The fields whose canonical texts, joined with `/`, make the record's id. Identifiers among
    /// several id fields may not contain `/`.
    pub id_fields: &'static [&'static str],
    /// The field (a month, date or date-time) that must lie in the document's period, for records
    /// of a period; `None` for standing records such as buildings.
    pub dated_by: Option<&'static str>,
    /// The rules that span the fields of one record (such as usable area within floor area).
    pub rule: fn(&Record) -> Result<(), RecordError>,
}

impl TableSpec {
    /// The position of a field among the columns.
    pub fn index_of(&self, field: &str) -> Option<usize> {
        self.columns.iter().position(|column| column.field == field)
    }

    /// The column of a field.
    pub fn column(&self, field: &str) -> Option<&'static ColumnSpec> {
        self.columns.iter().find(|column| column.field == field)
    }

    /// Whether a field is part of the record id.
    pub fn is_id_field(&self, field: &str) -> bool {
        self.id_fields.contains(&field)
    }
}

/// A table without rules that span fields.
pub(crate) fn no_rule(_: &Record) -> Result<(), RecordError> {
    Ok(())
}

/// The spec of a table.
pub fn spec(table: Table) -> &'static TableSpec {
    match table {
        Table::Buildings => &office_space::tables::BUILDINGS,
        Table::OfficeSpaces => &office_space::tables::OFFICE_SPACES,
        Table::OfficeRooms => &office_space::tables::OFFICE_ROOMS,
        Table::SpaceDisposals => &office_space::tables::SPACE_DISPOSALS,
        Table::RentalIncome => &office_space::tables::RENTAL_INCOME,
        Table::Vehicles => &vehicles::tables::VEHICLES,
        Table::VehicleQuotas => &vehicles::tables::VEHICLE_QUOTAS,
        Table::DispatchOrders => &vehicles::tables::DISPATCH_ORDERS,
        Table::VehicleCosts => &vehicles::tables::VEHICLE_COSTS,
        Table::VehicleDisposals => &vehicles::tables::VEHICLE_DISPOSALS,
        Table::Institutions => &energy::tables::INSTITUTIONS,
        Table::EnergyConsumption => &energy::tables::ENERGY_CONSUMPTION,
        Table::WasteSorting => &energy::tables::WASTE_SORTING,
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
    ) -> Result<Self, crate::standards::UnknownBenchmarks> {
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

/// The checks that span the records of one document (areas that must add up, references between
/// tables, odometers, quotas, limits), each broken rule a [`Finding`]: an error refuses the import
/// or the submission, a warning is listed with the return. The records have passed their own rules.
pub fn check(ledger: Ledger, records: &[Record], context: &CheckContext<'_>) -> Vec<Finding> {
    match ledger {
        Ledger::OfficeSpace => office_space::checks::check(records, context),
        Ledger::Vehicles => vehicles::checks::check(records, context),
        Ledger::Energy => energy::checks::check(records, context),
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

/// Every rule code the checks of a ledger may emit in [`crate::returns::Finding::rule`]; each has
/// its message `rules.<code>` in the catalogues.
pub fn rule_codes(ledger: Ledger) -> &'static [&'static str] {
    match ledger {
        Ledger::OfficeSpace => office_space::checks::RULE_CODES,
        Ledger::Vehicles => vehicles::checks::RULE_CODES,
        Ledger::Energy => energy::checks::RULE_CODES,
    }
}

/// Whether an import is refused by an error finding of this rule. Rules about references between
/// tables (`unknown_*`) and year-on-year rules are checked when the ledger is submitted, so that a
/// clerk may import the tables of a ledger in any order and add notes last.
pub fn is_checked_at_import(rule: &str) -> bool {
    !(rule.starts_with("unknown_") || rule.starts_with("year_on_year"))
}

/// Adds the figures of one ledger's records to `sums`.
pub(crate) fn compute(
    ledger: Ledger,
    records: &[Record],
    context: &FigureContext<'_>,
    sums: &mut Sums,
) {
    match ledger {
        Ledger::OfficeSpace => office_space::figures::compute(records, context, sums),
        Ledger::Vehicles => vehicles::figures::compute(records, context, sums),
        Ledger::Energy => energy::figures::compute(records, context, sums),
    }
}

/// The figures of a ledger in report order, with labels and units.
pub fn catalog(ledger: Ledger) -> Vec<FigureSpec> {
    match ledger {
        Ledger::OfficeSpace => office_space::figures::catalog(),
        Ledger::Vehicles => vehicles::figures::catalog(),
        Ledger::Energy => energy::figures::catalog(),
    }
}

/// What a return is built from: the node's consolidated figures and those of each part of it.
#[derive(Clone, Debug)]
pub struct ReturnInput<'a> {
    /// The ledger.
    pub ledger: Ledger,
    /// The period.
    pub period: Period,
    /// The node's consolidated figures: its own documents and every child's rollup.
    pub total: &'a Figures,
    /// The figures of the node's own documents only (本级).
    pub own_level: &'a Figures,
    /// Each child's code, name and consolidated figures, in topology order.
    pub children: &'a [(DivisionCode, String, Figures)],
    /// The node's consolidated figures for the same period of the previous year, if held.
    pub previous_year: Option<&'a Figures>,
}

/// The sheets of a ledger's return.
pub fn return_sheets(input: &ReturnInput<'_>) -> Vec<ReturnSheet> {
    match input.ledger {
        Ledger::OfficeSpace => office_space::report::sheets(input),
        Ledger::Vehicles => vehicles::report::sheets(input),
        Ledger::Energy => energy::report::sheets(input),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Language;

    #[test]
    fn every_rule_code_has_its_message_in_every_language() {
        let mut seen = std::collections::BTreeSet::new();
        for ledger in Ledger::ALL {
            for code in rule_codes(ledger) {
                assert!(
                    seen.insert(*code),
                    "rule code {code} is used by two ledgers"
                );
                for language in Language::ALL {
                    assert!(
                        language.has_text(&format!("rules.{code}")),
                        "rules.{code} has no text in {}",
                        language.code()
                    );
                }
            }
        }
    }

    #[test]
    fn every_column_meaning_has_its_text_in_every_language() {
        for table in Table::ALL {
            for column in spec(table).columns {
                if column.meaning.is_empty() {
                    continue;
                }
                for language in Language::ALL {
                    assert!(
                        language.has_text(&format!("schemas.meaning.{}", column.meaning)),
                        "{table}.{}: schemas.meaning.{} has no text in {}",
                        column.field,
                        column.meaning,
                        language.code()
                    );
                }
            }
        }
    }

    #[test]
    fn a_finding_reads_in_chinese_from_the_catalogue() {
        let message = rust_i18n::t!(
            "rules.unknown_vehicle",
            locale = "zh-CN",
            record = "派车单 D-1",
            plate = "宁A12345"
        );
        assert_eq!(
            message,
            "派车单 D-1：车辆 宁A12345 不在公务用车表中；请在车辆表中补登该车，或改正车牌号"
        );
    }
}
