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

/// The ratio of two totals, rounded half away from zero to `places` decimals, or `None` when the
/// denominator is zero: ratios are always computed from totals, never averaged.
pub fn ratio(numerator: Decimal, denominator: Decimal, places: u32) -> Option<Decimal> {
    if denominator.is_zero() {
        return None;
    }
    numerator
        .checked_div(denominator)
        .map(|value| round(value, places))
}

/// A value rounded half away from zero to `places` decimals and normalized.
pub fn round(value: Decimal, places: u32) -> Decimal {
    value
        .round_dp_with_strategy(places, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
        .normalize()
}

/// How one cell of a sheet is computed from figures. Figure names may hold `{key}`, replaced by
/// the row's key (a carrier's slug, an institution type code).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Measure {
    /// A sum: the figure itself, rounded to `places`.
    Sum {
        /// The figure name.
        name: String,
        /// Decimal places shown.
        places: u32,
    },
    /// A ratio of two figures times `scale` (100 for a percentage, 0.001 for kg to t).
    Ratio {
        /// The numerator's figure name.
        numerator: String,
        /// The denominator's figure name.
        denominator: String,
        /// What the ratio is multiplied by.
        scale: Decimal,
        /// Decimal places shown.
        places: u32,
    },
}

impl Measure {
    /// A sum measure.
    pub fn sum(name: impl Into<String>, places: u32) -> Self {
        Measure::Sum {
            name: name.into(),
            places,
        }
    }

    /// A ratio measure.
    pub fn ratio(
        numerator: impl Into<String>,
        denominator: impl Into<String>,
        scale: Decimal,
        places: u32,
    ) -> Self {
        Measure::Ratio {
            numerator: numerator.into(),
            denominator: denominator.into(),
            scale,
            places,
        }
    }

    /// The value for one row: names resolved with the row's key, read from the row's figures.
    fn evaluate(&self, lookup: &dyn Fn(&str) -> Decimal) -> Option<Decimal> {
        match self {
            Measure::Sum { name, places } => Some(round(lookup(name), *places)),
            Measure::Ratio {
                numerator,
                denominator,
                scale,
                places,
            } => ratio(lookup(numerator) * *scale, lookup(denominator), *places),
        }
    }
}

/// One value column of a sheet and how it is computed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ColumnDef {
    /// The column as the return shows it.
    pub column: ReturnColumn,
    /// How its cells are computed.
    pub measure: Measure,
}

impl ColumnDef {
    /// A column definition.
    pub fn new(indicator: &str, header_zh: &str, unit: &str, measure: Measure) -> Self {
        Self {
            column: ReturnColumn {
                indicator: indicator.to_owned(),
                header_zh: header_zh.to_owned(),
                unit: unit.to_owned(),
            },
            measure,
        }
    }
}

/// One row of a sheet before it is computed: its key, its label and the figures it reads.
#[derive(Clone, Debug)]
pub struct RowSource<'a> {
    /// The row's key, which replaces `{key}` in figure names.
    pub key: String,
    /// The row's label in Chinese.
    pub label_zh: String,
    /// The figures the row reads (the node's own for a breakdown, a child's for a child row).
    pub figures: &'a crate::figures::Figures,
}

/// Builds a sheet: each row's cells from its figures; the totals row, when `totals` is given,
/// from sums over the rows for names that hold `{key}` and from `totals` for the others, so that
/// every total is a sum of sums or a ratio of totals.
pub fn build_sheet(
    id: &str,
    name_zh: &str,
    rows_are: RowDimension,
    row_header_zh: &str,
    columns: &[ColumnDef],
    rows: &[RowSource<'_>],
    totals: Option<&crate::figures::Figures>,
) -> ReturnSheet {
    let resolve = |name: &str, key: &str| name.replace("{key}", key);
    let built_rows = rows
        .iter()
        .map(|row| ReturnRow {
            key: row.key.clone(),
            label_zh: row.label_zh.clone(),
            values: columns
                .iter()
                .map(|def| {
                    def.measure
                        .evaluate(&|name| row.figures.get(&resolve(name, &row.key)))
                })
                .collect(),
            unit: None,
        })
        .collect();
    let totals_row = totals.map(|total_figures| {
        columns
            .iter()
            .map(|def| {
                def.measure.evaluate(&|name| {
                    if name.contains("{key}") {
                        rows.iter()
                            .map(|row| row.figures.get(&resolve(name, &row.key)))
                            .sum()
                    } else {
                        total_figures.get(name)
                    }
                })
            })
            .collect()
    });
    ReturnSheet {
        id: id.to_owned(),
        name_zh: name_zh.to_owned(),
        rows_are,
        row_header_zh: row_header_zh.to_owned(),
        columns: columns.iter().map(|def| def.column.clone()).collect(),
        rows: built_rows,
        totals: totals_row,
    }
}

/// One indicator of an indicator sheet: a code, a label, a unit and its measure.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndicatorDef {
    /// The indicator code, upper case.
    pub code: String,
    /// The label in Chinese.
    pub label_zh: String,
    /// The unit.
    pub unit: String,
    /// How it is computed.
    pub measure: Measure,
}

/// Builds an indicator sheet (`指标`): one row per indicator with its value, and, for ratios, the
/// numerator and denominator it was computed from, so a reviewer can recompute it.
pub fn build_indicator_sheet(
    indicators: &[IndicatorDef],
    figures: &crate::figures::Figures,
) -> ReturnSheet {
    let rows = indicators
        .iter()
        .map(|indicator| {
            let value = indicator.measure.evaluate(&|name| figures.get(name));
            let (numerator, denominator) = match &indicator.measure {
                Measure::Sum { .. } => (None, None),
                Measure::Ratio {
                    numerator,
                    denominator,
                    ..
                } => (
                    Some(figures.get(numerator).normalize()),
                    Some(figures.get(denominator).normalize()),
                ),
            };
            ReturnRow {
                key: indicator.code.clone(),
                label_zh: indicator.label_zh.clone(),
                values: vec![value, numerator, denominator],
                unit: Some(indicator.unit.clone()),
            }
        })
        .collect();
    ReturnSheet {
        id: "indicators".to_owned(),
        name_zh: "主要指标".to_owned(),
        rows_are: RowDimension::Indicator,
        row_header_zh: "指标".to_owned(),
        columns: vec![
            ReturnColumn {
                indicator: "VALUE".to_owned(),
                header_zh: "数值".to_owned(),
                unit: String::new(),
            },
            ReturnColumn {
                indicator: "NUMERATOR".to_owned(),
                header_zh: "分子".to_owned(),
                unit: String::new(),
            },
            ReturnColumn {
                indicator: "DENOMINATOR".to_owned(),
                header_zh: "分母".to_owned(),
                unit: String::new(),
            },
        ],
        rows,
        totals: None,
    }
}

/// The rows of a by-child sheet: the node's own level (本级) first, then each child.
pub fn child_rows<'a>(input: &'a crate::ledgers::ReturnInput<'a>) -> Vec<RowSource<'a>> {
    let mut rows = vec![RowSource {
        key: "_own".to_owned(),
        label_zh: "本级".to_owned(),
        figures: input.own_level,
    }];
    rows.extend(
        input
            .children
            .iter()
            .map(|(code, name, figures)| RowSource {
                key: code.to_string(),
                label_zh: name.clone(),
                figures,
            }),
    );
    rows
}
