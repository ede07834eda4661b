//! The return of the vehicles ledger: the sheets built from a node's consolidated figures.
//!
//! In form order:
//! - `indicators` (主要指标): the key figures and ratios, each ratio with its numerator and
//!   denominator, and the change on the same period of the previous year when that is held; the
//!   new-energy share of new purchases (purchases only) and, apart, the vehicles transferred in;
//! - `by_category` (按车辆类别): vehicles on the books, quota, vehicles over quota and new purchases
//!   per vehicle category, with a totals row;
//! - `costs` (运行费用): running costs per kind with their share, per vehicle and per km, with a
//!   totals row;
//! - `by_child` (按下级单位): the node's own level and each child, with the node's totals.
//!
//! Every ratio is a ratio of totals (running cost per vehicle is the total cost over the total
//! vehicles), never an average of the units' ratios; the totals rows read the node's figures.

use crate::Decimal;
use crate::records::VehicleCategory;
use crate::returns::ReturnInput;
use crate::returns::{
    ColumnDef, IndicatorDef, Measure, ReturnSheet, RowDimension, RowSource, build_by_child_sheet,
    build_indicator_sheet, build_sheet,
};

use super::figures::{
    COST_DISTANCE_KM, COST_KINDS, COST_YUAN, COUNT, DISPATCH_ORDERS, DISPOSALS_EARLY, NEW_COUNT,
    NEW_DOMESTIC, NEW_NEW_ENERGY, OVER_DISPLACEMENT_CAP, OVER_PRICE_CAP, OVER_QUOTA, QUOTA,
    TRANSFERS_IN,
};

/// Decimal places of counts.
const COUNT_PLACES: u32 = 0;
/// Decimal places of money, areas and distances.
const AMOUNT_PLACES: u32 = 2;
/// Decimal places of ratios and percentages.
const RATIO_PLACES: u32 = 2;

/// The sheets of the vehicles return, in form order.
pub fn sheets(input: &ReturnInput<'_>) -> Vec<ReturnSheet> {
    vec![
        build_indicator_sheet(&indicators(), input.total, input.previous_year),
        category_sheet(input),
        cost_sheet(input),
        child_sheet(input),
    ]
}

/// Times one hundred, for percentages.
fn percent() -> Decimal {
    Decimal::ONE_HUNDRED
}

/// A count indicator.
fn count_indicator(code: &str, label_zh: &str, name: &str) -> IndicatorDef {
    IndicatorDef {
        code: code.to_owned(),
        label_zh: label_zh.to_owned(),
        unit: "count".to_owned(),
        measure: Measure::sum(name, COUNT_PLACES),
    }
}

/// A ratio indicator: `numerator / denominator × scale`.
fn ratio_indicator(
    code: &str,
    label_zh: &str,
    unit: &str,
    (numerator, denominator, scale): (&str, &str, Decimal),
) -> IndicatorDef {
    IndicatorDef {
        code: code.to_owned(),
        label_zh: label_zh.to_owned(),
        unit: unit.to_owned(),
        measure: Measure::ratio(numerator, denominator, scale, RATIO_PLACES),
    }
}

/// The indicators of the `indicators` sheet, in form order.
fn indicators() -> Vec<IndicatorDef> {
    vec![
        count_indicator("VEHICLES_ON_BOOKS", "实有车辆数（在用及闲置）", COUNT),
        count_indicator("VEHICLE_QUOTA", "编制数", QUOTA),
        count_indicator("VEHICLES_OVER_QUOTA", "超编车辆数", OVER_QUOTA),
        ratio_indicator(
            "NEW_ENERGY_SHARE_OF_NEW",
            "新购车辆中新能源车辆占比",
            "percent",
            (NEW_NEW_ENERGY, NEW_COUNT, percent()),
        ),
        ratio_indicator(
            "DOMESTIC_SHARE_OF_NEW",
            "新购车辆中自主品牌车辆占比",
            "percent",
            (NEW_DOMESTIC, NEW_COUNT, percent()),
        ),
        // Transferred in, not bought: kept out of the new purchases and their shares.
        count_indicator("TRANSFERS_IN", "调入车辆数", TRANSFERS_IN),
        ratio_indicator(
            "COST_PER_VEHICLE",
            "车均运行费用",
            "yuan",
            (COST_YUAN, COUNT, Decimal::ONE),
        ),
        ratio_indicator(
            "COST_PER_KM",
            "每公里运行费用",
            "yuan/km",
            (COST_YUAN, COST_DISTANCE_KM, Decimal::ONE),
        ),
        ratio_indicator(
            "KM_PER_VEHICLE",
            "车均行驶里程",
            "km",
            (COST_DISTANCE_KM, COUNT, Decimal::ONE),
        ),
        count_indicator("EARLY_DISPOSALS", "未到更新年限处置车辆数", DISPOSALS_EARLY),
        count_indicator(
            "VEHICLES_OVER_PRICE_CAP",
            "超价格标准车辆数",
            OVER_PRICE_CAP,
        ),
        count_indicator(
            "VEHICLES_OVER_DISPLACEMENT_CAP",
            "超排气量标准车辆数",
            OVER_DISPLACEMENT_CAP,
        ),
    ]
}

/// The column of vehicles on the books, of a category (`name` holding `{key}`) or in total.
fn count_column(indicator: &str, header_zh: &str, name: impl Into<String>) -> ColumnDef {
    ColumnDef::new(
        indicator,
        header_zh,
        "count",
        Measure::sum(name, COUNT_PLACES),
    )
}

/// The `by_category` sheet: one row per vehicle category, read from the node's totals.
fn category_sheet(input: &ReturnInput<'_>) -> ReturnSheet {
    let figure = |measure: &str| format!("vehicles.category.{{key}}.{measure}");
    // The return is a Chinese form whatever the language of the program.
    let header = |text: std::borrow::Cow<'_, str>| text.into_owned();
    let columns = [
        count_column(
            "VEHICLES_ON_BOOKS",
            &header(rust_i18n::t!(
                "schemas.return_header.vehicles.on_books",
                locale = "zh-CN"
            )),
            figure("count"),
        ),
        ColumnDef::new(
            "VEHICLE_SHARE",
            &header(rust_i18n::t!(
                "schemas.return_header.vehicles.share",
                locale = "zh-CN"
            )),
            "percent",
            Measure::ratio(figure("count"), COUNT, percent(), RATIO_PLACES),
        ),
        count_column(
            "VEHICLE_QUOTA",
            &header(rust_i18n::t!(
                "schemas.return_header.vehicles.quota",
                locale = "zh-CN"
            )),
            figure("quota"),
        ),
        ColumnDef::new(
            "QUOTA_USE",
            &header(rust_i18n::t!(
                "schemas.return_header.vehicles.quota_use",
                locale = "zh-CN"
            )),
            "percent",
            Measure::ratio(figure("count"), figure("quota"), percent(), RATIO_PLACES),
        ),
        count_column(
            "VEHICLES_OVER_QUOTA",
            &header(rust_i18n::t!(
                "schemas.return_header.vehicles.over_quota",
                locale = "zh-CN"
            )),
            figure("over_quota"),
        ),
        count_column(
            "NEW_PURCHASES",
            &header(rust_i18n::t!(
                "schemas.return_header.vehicles.new_purchases",
                locale = "zh-CN"
            )),
            figure("new"),
        ),
    ];
    let rows: Vec<RowSource<'_>> = VehicleCategory::ALL
        .iter()
        .map(|category| RowSource {
            key: category.slug().to_owned(),
            label_zh: category.name_zh().to_owned(),
            figures: input.total,
        })
        .collect();
    build_sheet(
        "by_category",
        "按车辆类别",
        RowDimension::Breakdown {
            id: "VEHICLE_CATEGORY".to_owned(),
        },
        "车辆类别",
        &columns,
        &rows,
        Some(input.total),
    )
}

/// The `costs` sheet: one row per kind of running cost, read from the node's totals.
fn cost_sheet(input: &ReturnInput<'_>) -> ReturnSheet {
    let kind = "vehicles.cost.{key}_yuan";
    let columns = [
        ColumnDef::new(
            "COST_YUAN",
            "金额（元）",
            "yuan",
            Measure::sum(kind, AMOUNT_PLACES),
        ),
        ColumnDef::new(
            "COST_SHARE",
            "占比（%）",
            "percent",
            Measure::ratio(kind, COST_YUAN, percent(), RATIO_PLACES),
        ),
        ColumnDef::new(
            "COST_PER_VEHICLE",
            "车均（元/辆）",
            "yuan",
            Measure::ratio(kind, COUNT, Decimal::ONE, RATIO_PLACES),
        ),
        ColumnDef::new(
            "COST_PER_KM",
            "每公里（元/公里）",
            "yuan/km",
            Measure::ratio(kind, COST_DISTANCE_KM, Decimal::ONE, RATIO_PLACES),
        ),
    ];
    let rows: Vec<RowSource<'_>> = COST_KINDS
        .iter()
        .map(|kind| RowSource {
            key: kind.slug.to_owned(),
            label_zh: kind.name_zh.to_owned(),
            figures: input.total,
        })
        .collect();
    build_sheet(
        "costs",
        "运行费用",
        RowDimension::Breakdown {
            id: "COST_KIND".to_owned(),
        },
        "费用项目",
        &columns,
        &rows,
        Some(input.total),
    )
}

/// The `by_child` sheet: the node's own level, then each child; the totals row reads the node's
/// consolidated figures.
fn child_sheet(input: &ReturnInput<'_>) -> ReturnSheet {
    let columns = [
        count_column("VEHICLES_ON_BOOKS", "实有车辆数（辆）", COUNT),
        count_column("VEHICLE_QUOTA", "编制数（辆）", QUOTA),
        count_column("VEHICLES_OVER_QUOTA", "超编车辆数（辆）", OVER_QUOTA),
        count_column("NEW_PURCHASES", "新购车辆数（辆）", NEW_COUNT),
        ColumnDef::new(
            "NEW_ENERGY_SHARE_OF_NEW",
            "新购新能源占比（%）",
            "percent",
            Measure::ratio(NEW_NEW_ENERGY, NEW_COUNT, percent(), RATIO_PLACES),
        ),
        count_column("TRANSFERS_IN", "调入车辆数（辆）", TRANSFERS_IN),
        ColumnDef::new(
            "COST_YUAN",
            "运行费用（元）",
            "yuan",
            Measure::sum(COST_YUAN, AMOUNT_PLACES),
        ),
        ColumnDef::new(
            "COST_PER_VEHICLE",
            "车均运行费用（元/辆）",
            "yuan",
            Measure::ratio(COST_YUAN, COUNT, Decimal::ONE, RATIO_PLACES),
        ),
        ColumnDef::new(
            "COST_PER_KM",
            "每公里运行费用（元/公里）",
            "yuan/km",
            Measure::ratio(COST_YUAN, COST_DISTANCE_KM, Decimal::ONE, RATIO_PLACES),
        ),
        count_column("DISPATCH_ORDERS", "派车单数（张）", DISPATCH_ORDERS),
    ];
    build_by_child_sheet(&columns, input)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::figures::Figures;
    use crate::ledger::Ledger;
    use crate::period::Period;

    #[test]
    fn sheets_come_in_form_order_with_short_chinese_names() {
        let total = Figures::from_texts(&[(COUNT, "3"), (COST_YUAN, "100")]).unwrap();
        let input = ReturnInput {
            ledger: Ledger::Vehicles,
            period: Period::Year(2025),
            total: &total,
            own_level: &total,
            children: &[],
            previous_year: None,
        };
        let sheets = sheets(&input);
        let ids: Vec<&str> = sheets.iter().map(|sheet| sheet.id.as_str()).collect();
        assert_eq!(ids, ["indicators", "by_category", "costs", "by_child"]);
        for sheet in &sheets {
            assert!(sheet.name_zh.chars().count() <= 31);
            for row in &sheet.rows {
                assert_eq!(row.values.len(), sheet.columns.len(), "{}", sheet.id);
            }
        }
        // Without the previous year, no change is given.
        assert!(sheets[0].rows.iter().all(|row| row.values[3].is_none()));
        // The cost per vehicle is the total cost over the total vehicles: 100 / 3.
        let cost_per_vehicle = &sheets[0].rows[6];
        assert_eq!(cost_per_vehicle.key, "COST_PER_VEHICLE");
        assert_eq!(cost_per_vehicle.values[0], Some(Decimal::new(3333, 2)));
    }
}
