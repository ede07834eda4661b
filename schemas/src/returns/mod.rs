//! Statistical returns (报表): the tables a node sends up or hands to the national administration,
//! built from consolidated figures.
//!
//! A [`StatReturn`] is what every export format writes: XLSX (one sheet per [`ReturnSheet`], Chinese
//! headers, a totals row), CSV, SDMX-CSV 2.0 and JSON. Each sheet breaks the node's figures down by
//! one dimension (a carrier, an institution type, a child node); every cell is a sum of records or a
//! ratio of two sums, never an average of ratios. Building a return is pure; writing it is the
//! node's job.

use serde::{Deserialize, Serialize};
use topology::DivisionCode;

use crate::Decimal;
use crate::ledger::Ledger;
use crate::period::Period;

/// One ledger's return of one node for one period.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatReturn {
    /// The node whose return this is; its figures cover its whole subtree.
    pub node: DivisionCode,
    /// The node's name, as in the topology.
    pub node_name: String,
    /// The ledger.
    pub ledger: Ledger,
    /// The period.
    pub period: Period,
    /// The version of the standard-coal coefficient table the figures were computed with.
    pub coefficients_version: String,
    /// The tables of the return, in the order the national forms list them.
    pub sheets: Vec<ReturnSheet>,
    /// Warnings listed with the return: rules that do not refuse a record but must be reviewed.
    pub findings: Vec<Finding>,
}

/// What the rows of a sheet stand for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RowDimension {
    /// One row per indicator: the sheet lists ratios, each row its own unit.
    Indicator,
    /// One row per child node (and one for the node's own level): each row's key is a 12-digit
    /// division code, which SDMX writes as `REF_AREA`.
    RefArea,
    /// One row per value of a breakdown, such as `CARRIER` or `INST_TYPE`; each row's key is the
    /// value's code and the SDMX dimension is `id`.
    Breakdown {
        /// The SDMX dimension id, upper case, such as `CARRIER`.
        id: String,
    },
}

/// One table of a return.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnSheet {
    /// A short id, lower case, used in file names and JSON, such as `by_carrier`.
    pub id: String,
    /// The sheet name on the form, in Chinese (at most 31 characters, as spreadsheets allow).
    pub name_zh: String,
    /// What the rows stand for.
    pub rows_are: RowDimension,
    /// The header of the row label column, in Chinese, such as 能源品种.
    pub row_header_zh: String,
    /// The value columns.
    pub columns: Vec<ReturnColumn>,
    /// The rows, in form order.
    pub rows: Vec<ReturnRow>,
    /// The totals row, when the sheet has one: sums of the rows' sums and ratios of those totals.
    pub totals: Option<Vec<Option<Decimal>>>,
}

/// One value column of a sheet.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnColumn {
    /// The indicator code, upper case, such as `STANDARD_COAL_TCE`; SDMX writes it as `INDICATOR`.
    pub indicator: String,
    /// The column header in Chinese, with its unit in full-width parentheses.
    pub header_zh: String,
    /// The unit, such as `tce`, `kgce/m2`, `yuan`, `percent`; SDMX writes it as `UNIT_MEASURE`.
    pub unit: String,
}

/// One row of a sheet.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnRow {
    /// The row's code: a division code, a breakdown value's slug, or an indicator code.
    pub key: String,
    /// The row's label in Chinese.
    pub label_zh: String,
    /// One value per column; `None` where the value is undefined (a ratio over zero), which SDMX
    /// writes as `NaN` and spreadsheets leave empty.
    pub values: Vec<Option<Decimal>>,
    /// For an indicator row only, its unit (the sheet's columns then hold value, numerator and
    /// denominator).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
}

/// How serious a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// The data cannot be imported or submitted as it is.
    Error,
    /// The data is accepted and the finding is listed with the return for review.
    Warning,
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
