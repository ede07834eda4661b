//! The sheets of the office space return, built from consolidated figures ([`super::figures`]).
//!
//! In form order:
//!
//! 1. `indicators` (主要指标): the key indicators, each ratio with its numerator and denominator, and
//!    the change on the same period of the previous year
//!    ([`year_on_year`](crate::returns::year_on_year)). Ratios are always ratios of totals.
//! 2. `by_category` (办公用房分类): usable, floor and idle usable area and the idle rate per space
//!    category, for the space held (not disposed of); the totals row is the whole space held.
//! 3. `by_status` (使用状态): usable area per status of the space held and its share of the usable
//!    area held. Disposed space is no longer held, so it has no row here: its area stays in the
//!    figure `office_space.status.disposed.usable_m2`, and the totals match `by_category`.
//! 4. `by_ownership` (权属): buildings and floor area per ownership.
//! 5. `by_child` (按下级单位): the main figures of the node's own level and of each child, the totals
//!    row from the node's consolidated figures.
//!
//! Rounding: areas and money 2 places, ratios and percentages 2 places, counts 0.

use crate::Decimal;
use crate::figures::Figures;
use crate::records::{Ownership, SpaceCategory, SpaceStatus};
use crate::returns::ReturnInput;
use crate::returns::{
    ColumnDef, IndicatorDef, Measure, ReturnSheet, RowDimension, RowSource, build_by_child_sheet,
    build_indicator_sheet, build_sheet,
};

use super::figures::{
    BASIC_USABLE_M2, BUILDINGS, CATEGORY, DISPOSAL_INCOME_YUAN, FLOOR_AREA_M2, IDLE_USABLE_M2,
    OWNERSHIP, REGISTERED_FLOOR_AREA_M2, RENTAL_INCOME_YUAN, ROOM_OCCUPANTS, ROOM_USABLE_M2,
    ROOMS_OVER_STANDARD, SAFETY, STATUS, USABLE_M2, breakdown,
};

/// Decimal places of areas, money and ratios.
const PLACES: u32 = 2;

/// Decimal places of counts.
const COUNT_PLACES: u32 = 0;

/// The sheets of the office space return, in form order.
pub fn sheets(input: &ReturnInput<'_>) -> Vec<ReturnSheet> {
    vec![
        build_indicator_sheet(&indicators(), input.total, input.previous_year),
        category_sheet(input),
        status_sheet(input),
        ownership_sheet(input),
        child_sheet(input),
    ]
}

/// A percentage of two figures.
fn percent(numerator: &str, denominator: &str) -> Measure {
    Measure::ratio(numerator, denominator, Decimal::ONE_HUNDRED, PLACES)
}

/// An indicator.
fn indicator(code: &str, label_zh: &str, unit: &str, measure: Measure) -> IndicatorDef {
    IndicatorDef {
        code: code.to_owned(),
        label_zh: label_zh.to_owned(),
        unit: unit.to_owned(),
        measure,
    }
}

/// The key indicators of the ledger, in form order.
pub fn indicators() -> Vec<IndicatorDef> {
    vec![
        indicator(
            "FLOOR_AREA_M2",
            "办公用房建筑面积",
            "m2",
            Measure::sum(FLOOR_AREA_M2, PLACES),
        ),
        indicator(
            "BASIC_USABLE_M2",
            "基本办公用房使用面积",
            "m2",
            Measure::sum(BASIC_USABLE_M2, PLACES),
        ),
        indicator(
            "IDLE_RATE",
            "闲置率",
            "percent",
            percent(IDLE_USABLE_M2, USABLE_M2),
        ),
        indicator(
            "REGISTERED_FLOOR_SHARE",
            "已登记建筑面积占比",
            "percent",
            percent(REGISTERED_FLOOR_AREA_M2, FLOOR_AREA_M2),
        ),
        indicator(
            "ROOMS_OVER_STANDARD",
            "超标准办公室间数",
            "count",
            Measure::sum(ROOMS_OVER_STANDARD, COUNT_PLACES),
        ),
        indicator(
            "OFFICE_M2_PER_OCCUPANT",
            "办公室人均使用面积",
            "m2/person",
            Measure::ratio(ROOM_USABLE_M2, ROOM_OCCUPANTS, Decimal::ONE, PLACES),
        ),
        indicator(
            "DISPOSAL_INCOME_YUAN",
            "处置收入",
            "yuan",
            Measure::sum(DISPOSAL_INCOME_YUAN, PLACES),
        ),
        indicator(
            "RENTAL_INCOME_YUAN",
            "出租收入",
            "yuan",
            Measure::sum(RENTAL_INCOME_YUAN, PLACES),
        ),
        indicator(
            "DANGEROUS_FLOOR_AREA_M2",
            "D级危房建筑面积",
            "m2",
            Measure::sum(breakdown(SAFETY, "d", "floor_area_m2"), PLACES),
        ),
    ]
}

/// One row per value of a closed list, each reading the node's consolidated figures.
fn breakdown_rows<'a>(
    values: impl Iterator<Item = (&'static str, &'static str)>,
    figures: &'a Figures,
) -> Vec<RowSource<'a>> {
    values
        .map(|(slug, name_zh)| RowSource {
            key: slug.to_owned(),
            label_zh: name_zh.to_owned(),
            figures,
        })
        .collect()
}

/// A breakdown sheet's row dimension.
fn dimension(id: &str) -> RowDimension {
    RowDimension::Breakdown { id: id.to_owned() }
}

/// Area and idle rate by space category.
fn category_sheet(input: &ReturnInput<'_>) -> ReturnSheet {
    let name = |measure| breakdown(CATEGORY, "{key}", measure);
    let columns = [
        ColumnDef::new(
            "USABLE_M2",
            "使用面积（平方米）",
            "m2",
            Measure::sum(name("usable_m2"), PLACES),
        ),
        ColumnDef::new(
            "FLOOR_M2",
            "建筑面积（平方米）",
            "m2",
            Measure::sum(name("floor_m2"), PLACES),
        ),
        ColumnDef::new(
            "IDLE_USABLE_M2",
            "闲置使用面积（平方米）",
            "m2",
            Measure::sum(name("idle_usable_m2"), PLACES),
        ),
        ColumnDef::new(
            "IDLE_RATE",
            "闲置率（%）",
            "percent",
            percent(&name("idle_usable_m2"), &name("usable_m2")),
        ),
    ];
    let rows = breakdown_rows(
        SpaceCategory::ALL
            .iter()
            .map(|category| (category.slug(), category.name_zh())),
        input.total,
    );
    build_sheet(
        "by_category",
        "办公用房分类",
        dimension("SPACE_CATEGORY"),
        "用房类别",
        &columns,
        &rows,
        Some(input.total),
    )
}

/// Usable area by status of the space held, and its share.
fn status_sheet(input: &ReturnInput<'_>) -> ReturnSheet {
    let usable = breakdown(STATUS, "{key}", "usable_m2");
    let columns = [
        ColumnDef::new(
            "USABLE_M2",
            "使用面积（平方米）",
            "m2",
            Measure::sum(usable.as_str(), PLACES),
        ),
        ColumnDef::new(
            "USABLE_SHARE",
            "占使用面积比例（%）",
            "percent",
            percent(&usable, USABLE_M2),
        ),
    ];
    let rows = breakdown_rows(
        SpaceStatus::ALL
            .iter()
            .filter(|status| **status != SpaceStatus::Disposed)
            .map(|status| (status.slug(), status.name_zh())),
        input.total,
    );
    build_sheet(
        "by_status",
        "使用状态",
        dimension("SPACE_STATUS"),
        "使用状态",
        &columns,
        &rows,
        Some(input.total),
    )
}

/// Buildings and floor area by ownership.
fn ownership_sheet(input: &ReturnInput<'_>) -> ReturnSheet {
    let columns = [
        ColumnDef::new(
            "BUILDINGS",
            "建筑数（栋）",
            "count",
            Measure::sum(breakdown(OWNERSHIP, "{key}", "buildings"), COUNT_PLACES),
        ),
        ColumnDef::new(
            "FLOOR_AREA_M2",
            "建筑面积（平方米）",
            "m2",
            Measure::sum(breakdown(OWNERSHIP, "{key}", "floor_area_m2"), PLACES),
        ),
    ];
    let rows = breakdown_rows(
        Ownership::ALL
            .iter()
            .map(|ownership| (ownership.slug(), ownership.name_zh())),
        input.total,
    );
    build_sheet(
        "by_ownership",
        "权属",
        dimension("OWNERSHIP"),
        "权属",
        &columns,
        &rows,
        Some(input.total),
    )
}

/// The main figures of the own level and of each child.
fn child_sheet(input: &ReturnInput<'_>) -> ReturnSheet {
    let columns = [
        ColumnDef::new(
            "BUILDINGS",
            "建筑数（栋）",
            "count",
            Measure::sum(BUILDINGS, COUNT_PLACES),
        ),
        ColumnDef::new(
            "FLOOR_AREA_M2",
            "建筑面积（平方米）",
            "m2",
            Measure::sum(FLOOR_AREA_M2, PLACES),
        ),
        ColumnDef::new(
            "BASIC_USABLE_M2",
            "基本办公用房使用面积（平方米）",
            "m2",
            Measure::sum(BASIC_USABLE_M2, PLACES),
        ),
        ColumnDef::new(
            "IDLE_USABLE_M2",
            "闲置使用面积（平方米）",
            "m2",
            Measure::sum(IDLE_USABLE_M2, PLACES),
        ),
        ColumnDef::new(
            "IDLE_RATE",
            "闲置率（%）",
            "percent",
            percent(IDLE_USABLE_M2, USABLE_M2),
        ),
        ColumnDef::new(
            "REGISTERED_FLOOR_SHARE",
            "已登记建筑面积占比（%）",
            "percent",
            percent(REGISTERED_FLOOR_AREA_M2, FLOOR_AREA_M2),
        ),
        ColumnDef::new(
            "ROOMS_OVER_STANDARD",
            "超标准办公室（间）",
            "count",
            Measure::sum(ROOMS_OVER_STANDARD, COUNT_PLACES),
        ),
        ColumnDef::new(
            "DISPOSAL_INCOME_YUAN",
            "处置收入（元）",
            "yuan",
            Measure::sum(DISPOSAL_INCOME_YUAN, PLACES),
        ),
        ColumnDef::new(
            "RENTAL_INCOME_YUAN",
            "出租收入（元）",
            "yuan",
            Measure::sum(RENTAL_INCOME_YUAN, PLACES),
        ),
    ];
    build_by_child_sheet(&columns, input)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::Ledger;
    use crate::period::Period;

    #[test]
    fn sheets_come_in_form_order_with_short_names_and_year_on_year_when_held() {
        let total = Figures::from_texts(&[
            (FLOOR_AREA_M2, "1200"),
            (IDLE_USABLE_M2, "10"),
            (USABLE_M2, "300"),
        ])
        .unwrap();
        let previous = Figures::from_texts(&[
            (FLOOR_AREA_M2, "1000"),
            (IDLE_USABLE_M2, "20"),
            (USABLE_M2, "300"),
        ])
        .unwrap();
        let empty = Figures::new();
        let mut input = ReturnInput {
            ledger: Ledger::OfficeSpace,
            period: Period::parse("2025").unwrap(),
            total: &total,
            own_level: &empty,
            children: &[],
            previous_year: Some(&previous),
        };
        let sheets = sheets(&input);
        let ids: Vec<_> = sheets.iter().map(|sheet| sheet.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "indicators",
                "by_category",
                "by_status",
                "by_ownership",
                "by_child"
            ]
        );
        assert!(
            sheets
                .iter()
                .all(|sheet| sheet.name_zh.chars().count() <= 31)
        );
        let yoy = |sheets: &[ReturnSheet], row: usize| sheets[0].rows[row].values[3];
        // Floor area 1000 → 1200: +20%; idle rate 6.67% → 3.33%: −50%; no rooms: undefined.
        assert_eq!(yoy(&sheets, 0), Some(Decimal::from(20)));
        assert_eq!(yoy(&sheets, 2), Some(Decimal::from(-50)));
        assert_eq!(yoy(&sheets, 5), None);
        input.previous_year = None;
        assert_eq!(yoy(&super::sheets(&input), 0), None);
    }
}
