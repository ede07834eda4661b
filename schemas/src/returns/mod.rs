//! Statistical returns (报表): the tables a node sends up or hands to the national administration,
//! built from consolidated figures.
//!
//! A [`StatReturn`] is what every export format writes: XLSX (one sheet per [`ReturnSheet`], Chinese
//! headers, a totals row), CSV, SDMX-CSV 2.0 and JSON. Each sheet breaks the node's figures down by
//! one dimension (a carrier, an institution type, a child node); every cell is a sum of records or a
//! ratio of two sums, never an average of ratios. Building a return is pure; writing it is the
//! node's job.
//!
//! Data flows: a ledger's `report` module describes its sheets as [`ColumnDef`]s and
//! [`IndicatorDef`]s over figure names, and [`build_sheet`], [`build_indicator_sheet`] and
//! [`build_by_child_sheet`] compute the cells from the node's [`Figures`].

use serde::{Deserialize, Serialize};
use topology::DivisionCode;

use crate::Decimal;
use crate::figures::Figures;
use crate::ledger::Ledger;
use crate::period::Period;

/// Decimal places of a year-on-year change in percent.
pub const YEAR_ON_YEAR_PLACES: u32 = 2;

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
    /// What heads and foots each table of the return as a statistical report form (表号,
    /// 填报单位, 单位负责人…): from the return definition and the node's `[reporting_unit]`.
    /// A return written before it existed reads with every text blank.
    #[serde(default)]
    pub heading: ReturnHeading,
    /// Whether the figures may still change: some input below the node is not accepted yet (as
    /// `huizong report` says), or the return previews a draft. Exports flag every value with it.
    #[serde(default)]
    pub provisional: bool,
}

/// The reporting body (填报单位) as its returns' forms name it (`[reporting_unit]` in a node's node.toml).
/// Every field may be left out: the unit's name is then the node's name in the topology, and the
/// people and telephone are left blank on the form, to be filled by hand.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReportingUnit {
    /// The body's name, such as 宁夏回族自治区机关事务管理局.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// 单位负责人: the head who signs the returns off.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub head: String,
    /// 填报人: who fills the returns in.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub preparer: String,
    /// 联系电话: the number to call about the returns.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub phone: String,
}

impl ReportingUnit {
    /// Whether nothing is set (the section is then left out of node.toml).
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// The heading and footing of a statistical report form (统计报表), as printed above and below
/// each table. An empty text is not known and left blank on the form, to be filled by hand.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ReturnHeading {
    /// 表号: the form's number in the statistical system, from the return definition.
    pub table_number: String,
    /// 制定机关: the body that made the form, from the return definition.
    pub made_by: String,
    /// 批准机关: the statistics office that approved it, from the return definition.
    pub approved_by: String,
    /// 批准文号: the approval's document number, from the return definition.
    pub approval_number: String,
    /// 填报单位: the reporting body's name (node.toml, else the node's name in the topology);
    /// its code is the return's division code.
    pub unit_name: String,
    /// 单位负责人: the head of the reporting body, who signs the return off.
    pub unit_head: String,
    /// 填报人: the person who filled the return in.
    pub preparer: String,
    /// 联系电话: the telephone number to call with questions about the return.
    pub phone: String,
    /// 报出日期: the day the return was produced, `YYYY-MM-DD` in Beijing time.
    pub reported_on: String,
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
    /// For an indicator row only, its unit (the sheet's columns then hold value, numerator,
    /// denominator and the change on the previous year in percent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
}

pub use crate::findings::{Finding, Severity};

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

    /// Decimal places shown.
    fn places(&self) -> u32 {
        match self {
            Measure::Sum { places, .. } | Measure::Ratio { places, .. } => *places,
        }
    }

    /// The exact, unrounded value over a set of figures whose names hold no `{key}`: what a
    /// year-on-year change compares, so that rounding does not move it. `None` for a ratio over
    /// zero (or, with forged figures only, one beyond Decimal's range).
    pub fn exact_value(&self, figures: &Figures) -> Option<Decimal> {
        self.exact(&|name| figures.get(name))
    }

    /// The exact value, each figure read through `lookup`.
    fn exact(&self, lookup: &dyn Fn(&str) -> Decimal) -> Option<Decimal> {
        match self {
            Measure::Sum { name, .. } => Some(lookup(name)),
            Measure::Ratio {
                numerator,
                denominator,
                scale,
                ..
            } => {
                let denominator = lookup(denominator);
                if denominator.is_zero() {
                    return None;
                }
                lookup(numerator)
                    .checked_mul(*scale)?
                    .checked_div(denominator)
            }
        }
    }

    /// The value for one row as shown: the exact value rounded half away from zero to `places`.
    fn evaluate(&self, lookup: &dyn Fn(&str) -> Decimal) -> Option<Decimal> {
        self.exact(lookup).map(|value| round(value, self.places()))
    }
}

/// The change of a measure on the same period of the previous year, in percent of the previous
/// value: computed from exact values and rounded half away from zero to [`YEAR_ON_YEAR_PLACES`].
/// `None` when the previous value is zero or undefined, or the current one undefined.
pub fn year_on_year(measure: &Measure, current: &Figures, previous: &Figures) -> Option<Decimal> {
    let now = measure.exact_value(current)?;
    let before = measure.exact_value(previous)?;
    let change = now.checked_sub(before)?.checked_mul(Decimal::ONE_HUNDRED)?;
    ratio(change, before, YEAR_ON_YEAR_PLACES)
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
    pub figures: &'a Figures,
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
    totals: Option<&Figures>,
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

/// Builds an indicator sheet (`主要指标`): one row per indicator with its value; for ratios, the
/// numerator and denominator it was computed from, so a reviewer can recompute it; and its
/// [`year_on_year`] change when the previous year's figures are given (`None` otherwise).
pub fn build_indicator_sheet(
    indicators: &[IndicatorDef],
    figures: &Figures,
    previous_year: Option<&Figures>,
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
            let change = previous_year
                .and_then(|previous| year_on_year(&indicator.measure, figures, previous));
            ReturnRow {
                key: indicator.code.clone(),
                label_zh: indicator.label_zh.clone(),
                values: vec![value, numerator, denominator, change],
                unit: Some(indicator.unit.clone()),
            }
        })
        .collect();
    let column = |indicator: &str, header_zh: &str, unit: &str| ReturnColumn {
        indicator: indicator.to_owned(),
        header_zh: header_zh.to_owned(),
        unit: unit.to_owned(),
    };
    ReturnSheet {
        id: "indicators".to_owned(),
        name_zh: "主要指标".to_owned(),
        rows_are: RowDimension::Indicator,
        row_header_zh: "指标".to_owned(),
        columns: vec![
            column("VALUE", "数值", ""),
            column("NUMERATOR", "分子", ""),
            column("DENOMINATOR", "分母", ""),
            column("YOY_CHANGE", "同比增减（%）", "percent"),
        ],
        rows,
        totals: None,
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

/// The rows of a by-child sheet: the node's own level (本级) first, then each child.
pub fn child_rows<'a>(input: &'a ReturnInput<'a>) -> Vec<RowSource<'a>> {
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

/// Builds the by-child sheet (`按下级单位`) of a return: one row for the node's own level and one
/// per child ([`child_rows`]), the totals row from the node's consolidated figures.
pub fn build_by_child_sheet(columns: &[ColumnDef], input: &ReturnInput<'_>) -> ReturnSheet {
    build_sheet(
        "by_child",
        "按下级单位",
        RowDimension::RefArea,
        "单位",
        columns,
        &child_rows(input),
        Some(input.total),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn figures(pairs: &[(&str, &str)]) -> Figures {
        Figures::from_texts(pairs).unwrap()
    }

    fn decimal(text: &str) -> Decimal {
        text.parse().unwrap()
    }

    /// A year-on-year change of the sum of `x`, from `before` to `now`.
    fn sum_change(now: &str, before: &str) -> Option<Decimal> {
        let measure = Measure::sum("x", 2);
        year_on_year(
            &measure,
            &figures(&[("x", now)]),
            &figures(&[("x", before)]),
        )
    }

    #[test]
    fn the_exact_value_is_not_rounded_and_a_ratio_over_zero_has_none() {
        let values = figures(&[("a", "1.23456"), ("b", "3")]);
        assert_eq!(
            Measure::sum("a", 2).exact_value(&values),
            Some(decimal("1.23456"))
        );
        // 1.23456 × 100 / 3 = 41.152, shown 41.15.
        let share = Measure::ratio("a", "b", Decimal::ONE_HUNDRED, 2);
        assert_eq!(share.exact_value(&values), Some(decimal("41.152")));
        assert_eq!(
            share.evaluate(&|name| values.get(name)),
            Some(decimal("41.15"))
        );
        // An absent figure is zero: a sum of it is zero, a ratio over it undefined.
        assert_eq!(
            Measure::sum("c", 2).exact_value(&values),
            Some(Decimal::ZERO)
        );
        let over_zero = Measure::ratio("a", "c", Decimal::ONE, 2);
        assert_eq!(over_zero.exact_value(&values), None);
    }

    #[test]
    fn the_change_on_the_previous_year_is_a_percentage_of_the_previous_value() {
        assert_eq!(sum_change("12", "10"), Some(decimal("20")));
        // −2 / 3 = −66.666…%.
        assert_eq!(sum_change("1", "3"), Some(decimal("-66.67")));
        assert_eq!(sum_change("5", "0"), None);
        // From exact values: 0.334 → 0.336 is +0.5988…%, not the +3.03% of the shown 0.33 → 0.34.
        assert_eq!(sum_change("0.336", "0.334"), Some(decimal("0.6")));
        // Half away from zero: ±0.0004 on 8 is ±0.005%.
        assert_eq!(sum_change("8.0004", "8"), Some(decimal("0.01")));
        assert_eq!(sum_change("7.9996", "8"), Some(decimal("-0.01")));
    }

    #[test]
    fn the_change_of_a_ratio_is_undefined_when_either_year_is() {
        let per_person = Measure::ratio("cost", "people", Decimal::ONE, 2);
        let defined = figures(&[("cost", "300"), ("people", "4")]);
        let undefined = figures(&[("cost", "300")]);
        // 300 / 4 = 75 against 200 / 4 = 50: +50%.
        let before = figures(&[("cost", "200"), ("people", "4")]);
        assert_eq!(
            year_on_year(&per_person, &defined, &before),
            Some(decimal("50"))
        );
        assert_eq!(year_on_year(&per_person, &defined, &undefined), None);
        assert_eq!(year_on_year(&per_person, &undefined, &before), None);
    }

    #[test]
    fn an_indicator_sheet_has_value_numerator_denominator_and_change() {
        let indicators = [
            IndicatorDef {
                code: "COUNT".to_owned(),
                label_zh: "数".to_owned(),
                unit: "count".to_owned(),
                measure: Measure::sum("count", 0),
            },
            IndicatorDef {
                code: "SHARE".to_owned(),
                label_zh: "占比".to_owned(),
                unit: "percent".to_owned(),
                measure: Measure::ratio("part", "count", Decimal::ONE_HUNDRED, 2),
            },
        ];
        let now = figures(&[("count", "8"), ("part", "2")]);
        let before = figures(&[("count", "10"), ("part", "5")]);
        let sheet = build_indicator_sheet(&indicators, &now, Some(&before));
        let headers: Vec<(&str, &str, &str)> = sheet
            .columns
            .iter()
            .map(|column| {
                let ReturnColumn {
                    indicator,
                    header_zh,
                    unit,
                } = column;
                (indicator.as_str(), header_zh.as_str(), unit.as_str())
            })
            .collect();
        assert_eq!(
            headers,
            [
                ("VALUE", "数值", ""),
                ("NUMERATOR", "分子", ""),
                ("DENOMINATOR", "分母", ""),
                ("YOY_CHANGE", "同比增减（%）", "percent"),
            ]
        );
        let values: Vec<&[Option<Decimal>]> =
            sheet.rows.iter().map(|row| row.values.as_slice()).collect();
        // 8 against 10: −20%; 2 / 8 = 25% against 5 / 10 = 50%: −50%.
        let some = |text| Some(decimal(text));
        assert_eq!(
            values,
            [
                &[some("8"), None, None, some("-20")][..],
                &[some("25"), some("2"), some("8"), some("-50")][..],
            ]
        );
        let sheet = build_indicator_sheet(&indicators, &now, None);
        assert!(sheet.rows.iter().all(|row| row.values[3].is_none()));
    }
}
