//! The three ledgers, each in its own module and each given as one value, its
//! [`LedgerDefinition`]: the tables it keeps ([`TableSpec`]s with typed field handles), its rule
//! registry, the checks that span records, the consolidated figures and the statistical return built
//! from them.
//!
//! This module is the one place that knows every ledger: it looks a ledger's definition up and runs
//! what generic code asks for (checks, figures, return sheets), ordering the findings of every
//! ledger the same way, once. The ledgers are written in the terms of [`crate::vocabulary`] and
//! never call this module, and nothing they use calls it either.
//!
//! - [`office_space`]: buildings, spaces by category, office rooms, disposals, rental income.
//! - [`vehicles`]: vehicles, quotas, dispatch orders, running costs, disposals.
//! - [`energy`]: institutions, monthly consumption per carrier, waste sorting.

pub mod energy;
pub mod office_space;
pub mod vehicles;

use crate::coefficients::CoefficientTable;
use crate::figures::{FigureError, FigureSpec, Figures, Sums};
use crate::findings::{Finding, Findings, Phase, Rule};
use crate::ledger::Ledger;
use crate::period::Period;
use crate::records::{RECORDS_PER_DOCUMENT_MAX, Record};
use crate::returns::ReturnSheet;
use crate::table::{Table, tables_of};

pub use crate::records::TableSpec;
pub use crate::returns::ReturnInput;
pub use crate::vocabulary::{
    CheckContext, CheckOptions, DEFAULT_SAVING_TARGET_PERCENT, FigureContext, LedgerDefinition,
};

/// The definition of a ledger.
pub fn definition(ledger: Ledger) -> &'static LedgerDefinition {
    match ledger {
        Ledger::OfficeSpace => &office_space::DEFINITION,
        Ledger::Vehicles => &vehicles::DEFINITION,
        Ledger::Energy => &energy::DEFINITION,
    }
}

/// The spec of a table, from its ledger's definition.
pub fn spec(table: Table) -> &'static TableSpec {
    definition(table.ledger())
        .tables
        .iter()
        .copied()
        .find(|spec| spec.table == table)
        .unwrap_or_else(|| unreachable!("{table} is not among its ledger's tables"))
}

impl Table {
    /// The columns, id and rules of the table, from its ledger's definition.
    pub fn spec(self) -> &'static TableSpec {
        spec(self)
    }
}

/// The checks that span the records of one document (areas that must add up, references between
/// tables, odometers, quotas, limits), each broken rule a [`Finding`]: an error refuses the import
/// or the submission, a warning is listed with the return. The records have passed their own rules.
/// Findings come in one order for every ledger ([`Findings::into_sorted`]).
pub fn check(ledger: Ledger, records: &[Record], context: &CheckContext<'_>) -> Vec<Finding> {
    let definition = definition(ledger);
    let mut findings = Findings::new(context.owner, definition.rules);
    (definition.check)(records, context, &mut findings);
    findings.into_sorted(tables_of(ledger))
}

/// The rule registry of a ledger.
pub fn rules(ledger: Ledger) -> &'static [Rule] {
    definition(ledger).rules
}

/// Every rule code the checks of a ledger may report in [`Finding::rule`], in registry order; each
/// has its message in the catalogues.
pub fn rule_codes(ledger: Ledger) -> impl Iterator<Item = &'static str> {
    rules(ledger).iter().map(|rule| rule.code)
}

/// The rules of a ledger's registry as a list names them, in a language of the catalogues.
pub fn rules_named(ledger: Ledger, locale: &str) -> String {
    crate::findings::list_named(rules(ledger), locale)
}

/// The rule of any ledger's registry with this code.
pub fn rule(code: &str) -> Option<&'static Rule> {
    Ledger::ALL
        .into_iter()
        .find_map(|ledger| definition(ledger).rule(code))
}

/// Whether an import is refused by an error finding of this rule: the rule's phase in its registry.
/// Rules about references between tables and year-on-year rules are checked when the ledger is
/// submitted, so that a clerk may import the tables of a ledger in any order and add notes last.
pub fn is_checked_at_import(code: &str) -> bool {
    rule(code).is_none_or(|rule| rule.phase == Phase::Import)
}

/// Computes the figures of one ledger from its records with a coefficient table. Records of other
/// ledgers, invalid records and more than [`RECORDS_PER_DOCUMENT_MAX`] records are refused.
pub fn compute(
    ledger: Ledger,
    period: Period,
    records: &[Record],
    coefficients: &CoefficientTable,
) -> Result<Figures, FigureError> {
    if records.len() > RECORDS_PER_DOCUMENT_MAX {
        return Err(FigureError::TooManyRecords {
            count: records.len(),
        });
    }
    for (record_index, record) in records.iter().enumerate() {
        let table = record.table();
        if table.ledger() != ledger {
            return Err(FigureError::WrongLedger {
                record_index,
                table,
                ledger,
            });
        }
        record
            .validate()
            .map_err(|source| FigureError::InvalidRecord {
                record_index,
                table,
                record_id: record.id(),
                field: source.field(),
                source,
            })?;
    }
    let mut sums = Sums::default();
    let context = FigureContext {
        period,
        coefficients,
    };
    (definition(ledger).figures)(records, &context, &mut sums);
    sums.into_figures()
}

/// The figures of a ledger in report order, with labels and units; [`compute`] yields only these
/// names (those that are not zero).
pub fn catalog(ledger: Ledger) -> Vec<FigureSpec> {
    (definition(ledger).catalog)()
}

/// The sheets of a ledger's return.
pub fn return_sheets(input: &ReturnInput<'_>) -> Vec<ReturnSheet> {
    (definition(input.ledger).sheets)(input)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Language;

    #[test]
    fn every_rule_code_has_its_message_in_every_language() {
        let mut seen = std::collections::BTreeSet::new();
        for ledger in Ledger::ALL {
            for rule in rules(ledger) {
                let code = rule.code;
                assert!(seen.insert(code), "rule code {code} is used by two ledgers");
                assert_eq!(rule.message_id, format!("rules.{code}"));
                assert!(!rule.name_zh.is_empty(), "{code} has no Chinese name");
                for language in Language::ALL {
                    assert!(
                        language.has_text(rule.message_id),
                        "{} has no text in {}",
                        rule.message_id,
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
