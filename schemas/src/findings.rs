//! Rules that span records and what they find: each ledger lists its [`Rule`]s in a registry (code,
//! severity, phase, Chinese name, catalogue message), and its checks report broken rules into one
//! [`Findings`] list, which orders them once for every ledger.
//!
//! A rule's message lives in the catalogues (`locales/<language>.yml`) under
//! [`Rule::message_id`]; the checks fill in its placeholders in the language in force.

use serde::{Deserialize, Serialize};
use topology::DivisionCode;

use crate::records::{Field, Record};
use crate::table::Table;

/// How serious a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// The data cannot be imported or submitted as it is.
    Error,
    /// The data is accepted and the finding is listed with the return for review.
    Warning,
}

/// When a rule's errors refuse data.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Checked on every import of a table: the rule holds within the tables imported so far.
    Import,
    /// Checked when the ledger is submitted: rules about references between tables and about the
    /// previous year, so that a clerk may import the tables in any order and add notes last.
    Submit,
}

/// One rule of a ledger's registry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rule {
    /// The code findings, return definitions (`--blocking`) and filters name it by, such as
    /// `room_over_standard`.
    pub code: &'static str,
    /// Whether a broken rule refuses the data or is listed for review.
    pub severity: Severity,
    /// When its errors refuse data.
    pub phase: Phase,
    /// The rule's short Chinese name, for lists of rules on forms and screens.
    pub name_zh: &'static str,
    /// The id of its message in the catalogues, `rules.<code>`.
    pub message_id: &'static str,
}

impl Rule {
    /// A rule checked at import.
    pub const fn at_import(
        code: &'static str,
        severity: Severity,
        name_zh: &'static str,
        message_id: &'static str,
    ) -> Self {
        Self::in_phase(Phase::Import, code, severity, name_zh, message_id)
    }

    /// A rule checked when the ledger is submitted.
    pub const fn at_submit(
        code: &'static str,
        severity: Severity,
        name_zh: &'static str,
        message_id: &'static str,
    ) -> Self {
        Self::in_phase(Phase::Submit, code, severity, name_zh, message_id)
    }

    const fn in_phase(
        phase: Phase,
        code: &'static str,
        severity: Severity,
        name_zh: &'static str,
        message_id: &'static str,
    ) -> Self {
        Self {
            code,
            severity,
            phase,
            name_zh,
            message_id,
        }
    }
}

impl Rule {
    /// How a message or a list names the rule: `办公室面积超标（room_over_standard）` in Chinese,
    /// the code in English.
    pub fn named(&self, locale: &str) -> String {
        crate::i18n::named(self.name_zh, self.code, locale)
    }
}

/// Rules as a list names them, in a language of the catalogues: `办公室面积超标（room_over_standard）、…`
/// in Chinese, `room_over_standard, …` in English.
pub fn list_named<'a>(rules: impl IntoIterator<Item = &'a Rule>, locale: &str) -> String {
    let separator = if crate::i18n::is_chinese(locale) {
        "、"
    } else {
        ", "
    };
    rules
        .into_iter()
        .map(|rule| rule.named(locale))
        .collect::<Vec<_>>()
        .join(separator)
}

/// A rule broken by a record or a set of records, named so that a clerk can find and fix it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// Whether the finding refuses the data or is listed for review.
    pub severity: Severity,
    /// The document owner the records belong to.
    pub owner: DivisionCode,
    /// The table slug of the record, such as `office_rooms`.
    pub table: String,
    /// The record's id within its table.
    pub record_id: String,
    /// The field the rule is about.
    pub field: String,
    /// A short code of the rule, such as `room_over_standard`, for filtering and counting.
    pub rule: String,
    /// The whole message, phrased for a clerk.
    pub message: String,
}

/// The findings of one document's checks, gathered by the ledger's rules and ordered once.
#[derive(Debug)]
pub struct Findings {
    owner: DivisionCode,
    rules: &'static [Rule],
    list: Vec<Finding>,
}

impl Findings {
    /// An empty list for the checks of `owner`'s document, whose ledger has `rules`.
    pub fn new(owner: DivisionCode, rules: &'static [Rule]) -> Self {
        Self {
            owner,
            rules,
            list: Vec::new(),
        }
    }

    /// Reports that `record` broke `rule` at `field`, with the rule's message filled in.
    pub fn add<K, const N: usize>(
        &mut self,
        rule: &Rule,
        record: &Record,
        field: Field<K, N>,
        message: String,
    ) {
        self.add_at(rule, record, field.name(), message);
    }

    /// Reports a broken rule about a field named at run time (a column chosen by data, such as a
    /// carrier's quantity).
    pub fn add_at(&mut self, rule: &Rule, record: &Record, field: &str, message: String) {
        debug_assert!(
            self.rules.contains(rule),
            "rule {} is not in the ledger's registry",
            rule.code
        );
        self.list.push(Finding {
            severity: rule.severity,
            owner: self.owner,
            table: record.table().slug().to_owned(),
            record_id: record.id(),
            field: field.to_owned(),
            rule: rule.code.to_owned(),
            message,
        });
    }

    /// How many findings there are so far.
    pub fn len(&self) -> usize {
        self.list.len()
    }

    /// Whether nothing was found so far.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// The findings in their one order: by table in the order the ledger lists its tables, then
    /// record id, then rule code, then field.
    pub fn into_sorted(self, tables: &[Table]) -> Vec<Finding> {
        let mut list = self.list;
        list.sort_by_cached_key(|finding| {
            let table = tables
                .iter()
                .position(|table| table.slug() == finding.table)
                .unwrap_or(tables.len());
            (
                table,
                finding.record_id.clone(),
                finding.rule.clone(),
                finding.field.clone(),
            )
        });
        list
    }
}
