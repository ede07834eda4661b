//! The return of the energy ledger (公共机构能源资源消费统计), built from consolidated figures.
//!
//! Sheets, in form order:
//!
//! - `indicators` (主要指标): total consumption in tce, kgce per m², kgce per person, water per
//!   person, cost per m² and solar generation, each ratio with its numerator and denominator and
//!   each with its change on the same period of the previous year
//!   ([`year_on_year`](crate::returns::year_on_year));
//! - `by_carrier` (能源消费): quantity (in each carrier's own unit, so its total is left empty),
//!   cost, standard coal and the carrier's share of total standard coal;
//! - `by_institution_type` (按机构类型): institutions, floor area, people, standard coal and the
//!   intensities of each type;
//! - `waste` (垃圾分类): collected and disposed kilograms per category;
//! - `by_child` (按下级单位): the node's own level and each child, with the totals of the node;
//! - `saving_type` (节约型机关创建): by child, the bodies eligible for creation as saving-type
//!   institutions, those created to date and in the period's year, those in progress, and the
//!   creation rate (created ÷ eligible, in percent to one decimal);
//! - `saving_type_by_year` (节约型机关按创建年份): bodies created in each year from 2020 to the
//!   period's year.
//!
//! The creation rate of a totals row is the summed created over the summed eligible: a city's rate
//! is never the mean of its counties' rates.
//!
//! Every ratio is a ratio of totals: a type's kgce per m² is its standard coal over its floor area,
//! and a totals row divides the summed numerators by the summed denominators. Standard coal is held
//! in kgce and shown in tce: such columns are built as kgce sums (exact, the figures have at most 6
//! decimals) and then divided by 1,000 and rounded to 4 places (`kgce_cells_to_tce`), since the
//! generic [`Measure::sum`] has no scale.

use crate::Decimal;
use crate::figures::{FIGURE_DECIMAL_PLACES_MAX, Figures};
use crate::records::{Carrier, InstitutionType, WasteCategory};
use crate::returns::ReturnInput;
use crate::returns::{
    ColumnDef, IndicatorDef, Measure, ReturnSheet, RowDimension, RowSource, build_by_child_sheet,
    build_indicator_sheet, build_sheet, round,
};

use super::figures::{
    COST_YUAN, FLOOR_AREA_M2, INSTITUTIONS, PEOPLE, SAVING_TYPE_CREATED,
    SAVING_TYPE_CREATED_THIS_YEAR, SAVING_TYPE_ELIGIBLE, SAVING_TYPE_IN_PROGRESS,
    SAVING_TYPE_RATE_PLACES, SOLAR_KWH, STANDARD_COAL_KGCE, UNLISTED_TYPE, WATER_M3, carrier_name,
    saving_type_created_in, saving_type_years, type_name, waste_name,
};

/// The unit of columns shown in tonnes of standard coal, built from kgce figures.
const TCE: &str = "tce";

/// Decimal places of standard coal in tce.
const TCE_PLACES: u32 = 4;

/// Decimal places of areas, money, kilograms, kWh, ratios and percentages.
const PLACES: u32 = 2;

/// Decimal places of carrier quantities: every quantity is an amount with at most 4 decimals, so
/// their sums are shown exactly (coal in t keeps its kilograms, other energy in tce its 4 places).
const QUANTITY_PLACES: u32 = 4;

/// The unit of the quantity column of the carrier sheet, whose rows each have their own unit.
const CARRIER_UNIT: &str = "carrier unit";

/// The sheets of the energy return, in form order.
pub fn sheets(input: &ReturnInput<'_>) -> Vec<ReturnSheet> {
    vec![
        indicator_sheet(input),
        carrier_sheet(input.total),
        institution_type_sheet(input.total),
        waste_sheet(input.total),
        child_sheet(input),
        saving_type_sheet(input),
        saving_type_year_sheet(input),
    ]
}

/// 节约型机关创建: by child, eligible, created to date and this year, in progress, and the rate.
fn saving_type_sheet(input: &ReturnInput<'_>) -> ReturnSheet {
    let columns = [
        ColumnDef::new(
            "SAVING_TYPE_ELIGIBLE",
            "纳入创建范围的党政机关数（个）",
            "count",
            Measure::sum(SAVING_TYPE_ELIGIBLE, 0),
        ),
        ColumnDef::new(
            "SAVING_TYPE_CREATED",
            "累计通过评价数（个）",
            "count",
            Measure::sum(SAVING_TYPE_CREATED, 0),
        ),
        ColumnDef::new(
            "SAVING_TYPE_CREATED_THIS_YEAR",
            "本年通过评价数（个）",
            "count",
            Measure::sum(SAVING_TYPE_CREATED_THIS_YEAR, 0),
        ),
        ColumnDef::new(
            "SAVING_TYPE_IN_PROGRESS",
            "创建中（个）",
            "count",
            Measure::sum(SAVING_TYPE_IN_PROGRESS, 0),
        ),
        ColumnDef::new(
            "SAVING_TYPE_RATE",
            "创建率（%）",
            "percent",
            Measure::ratio(
                SAVING_TYPE_CREATED,
                SAVING_TYPE_ELIGIBLE,
                Decimal::ONE_HUNDRED,
                SAVING_TYPE_RATE_PLACES,
            ),
        ),
    ];
    let mut sheet = build_by_child_sheet(&columns, input);
    sheet.id = "saving_type".to_owned();
    sheet.name_zh = "节约型机关创建".to_owned();
    sheet
}

/// 节约型机关按创建年份: bodies created in each year from the first to the period's year.
fn saving_type_year_sheet(input: &ReturnInput<'_>) -> ReturnSheet {
    let columns = [ColumnDef::new(
        "SAVING_TYPE_CREATED",
        "通过评价数（个）",
        "count",
        Measure::sum(saving_type_created_in("{key}"), 0),
    )];
    let rows: Vec<RowSource<'_>> = saving_type_years()
        .take_while(|year| *year <= input.period.year())
        .map(|year| RowSource {
            key: year.to_string(),
            label_zh: rust_i18n::t!("schemas.year_row", locale = "zh-CN", year = year).into_owned(),
            figures: input.total,
        })
        .collect();
    build_sheet(
        "saving_type_by_year",
        "节约型机关按创建年份",
        RowDimension::Breakdown {
            id: "CREATION_YEAR".to_owned(),
        },
        "通过评价年份",
        &columns,
        &rows,
        Some(input.total),
    )
}

/// A column of standard coal in tce from a kgce figure: a kgce sum converted by
/// [`kgce_cells_to_tce`] once the sheet is built.
fn tce_column(indicator: &str, header_zh: &str, kgce_name: &str) -> ColumnDef {
    ColumnDef::new(
        indicator,
        header_zh,
        TCE,
        Measure::sum(kgce_name, FIGURE_DECIMAL_PLACES_MAX),
    )
}

/// A carrier's unit as a Chinese form writes it (千瓦时, 立方米, 吨标准煤), from the catalogue.
fn unit_zh(code: &str) -> String {
    let key = format!("common.unit.{}", code.to_ascii_lowercase());
    rust_i18n::t!(&key, locale = "zh-CN").into_owned()
}

/// A kgce value in tce, rounded to [`TCE_PLACES`].
fn kgce_to_tce(kgce: Decimal) -> Decimal {
    round(kgce / Decimal::ONE_THOUSAND, TCE_PLACES)
}

/// Converts the cells of every `tce` column, built as kgce sums by [`tce_column`], to tce.
fn kgce_cells_to_tce(sheet: &mut ReturnSheet) {
    let tce_columns: Vec<usize> = (0..sheet.columns.len())
        .filter(|&index| sheet.columns[index].unit == TCE)
        .collect();
    let cells = sheet
        .rows
        .iter_mut()
        .map(|row| &mut row.values)
        .chain(sheet.totals.iter_mut());
    for values in cells {
        for &index in &tce_columns {
            values[index] = values[index].map(kgce_to_tce);
        }
    }
}

/// The column of standard coal in tce shared by several sheets.
fn standard_coal_column(kgce_name: &str) -> ColumnDef {
    tce_column("STANDARD_COAL_TCE", "能源消费量（吨标准煤）", kgce_name)
}

/// The intensity columns shared by the type and child sheets, from figure names that may hold
/// `{key}`.
fn intensity_columns(
    kgce: &str,
    floor_area_m2: &str,
    people: &str,
    water_m3: &str,
) -> [ColumnDef; 3] {
    [
        ColumnDef::new(
            "ENERGY_PER_AREA",
            "单位建筑面积能耗（千克标准煤/平方米）",
            "kgce/m2",
            Measure::ratio(kgce, floor_area_m2, Decimal::ONE, PLACES),
        ),
        ColumnDef::new(
            "ENERGY_PER_PERSON",
            "人均综合能耗（千克标准煤/人）",
            "kgce/person",
            Measure::ratio(kgce, people, Decimal::ONE, PLACES),
        ),
        ColumnDef::new(
            "WATER_PER_PERSON",
            "人均用水量（立方米/人）",
            "m3/person",
            Measure::ratio(water_m3, people, Decimal::ONE, PLACES),
        ),
    ]
}

/// The columns of institutions, floor area and people.
fn size_columns(institutions: &str, floor_area_m2: &str, people: &str) -> [ColumnDef; 3] {
    [
        ColumnDef::new(
            "INSTITUTIONS",
            "公共机构数（个）",
            "count",
            Measure::sum(institutions, 0),
        ),
        ColumnDef::new(
            "FLOOR_AREA_M2",
            "建筑面积（平方米）",
            "m2",
            Measure::sum(floor_area_m2, PLACES),
        ),
        ColumnDef::new(
            "PEOPLE",
            "用能人数（人）",
            "person",
            Measure::sum(people, 0),
        ),
    ]
}

/// 主要指标: the key figures and ratios of the node's totals, with their year-on-year change.
fn indicator_sheet(input: &ReturnInput<'_>) -> ReturnSheet {
    let indicator = |code: &str, label_zh: &str, unit: &str, measure: Measure| IndicatorDef {
        code: code.to_owned(),
        label_zh: label_zh.to_owned(),
        unit: unit.to_owned(),
        measure,
    };
    let per = |numerator: &str, denominator: &str| {
        Measure::ratio(numerator, denominator, Decimal::ONE, PLACES)
    };
    let indicators = [
        indicator(
            "TOTAL_ENERGY_TCE",
            "能源消费总量（折标准煤）",
            TCE,
            Measure::sum(STANDARD_COAL_KGCE, FIGURE_DECIMAL_PLACES_MAX),
        ),
        indicator(
            "ENERGY_PER_AREA",
            "单位建筑面积能耗",
            "kgce/m2",
            per(STANDARD_COAL_KGCE, FLOOR_AREA_M2),
        ),
        indicator(
            "ENERGY_PER_PERSON",
            "人均综合能耗",
            "kgce/person",
            per(STANDARD_COAL_KGCE, PEOPLE),
        ),
        indicator(
            "WATER_PER_PERSON",
            "人均用水量",
            "m3/person",
            per(WATER_M3, PEOPLE),
        ),
        indicator(
            "COST_PER_AREA",
            "单位建筑面积能源资源费用",
            "yuan/m2",
            per(COST_YUAN, FLOOR_AREA_M2),
        ),
        indicator(
            "SOLAR_GENERATION_KWH",
            "光伏发电量",
            "kWh",
            Measure::sum(SOLAR_KWH, PLACES),
        ),
    ];
    let mut sheet = build_indicator_sheet(&indicators, input.total, input.previous_year);
    // The first row's value is a kgce sum: shown in tce. Its change is a percentage, the same in
    // either unit.
    sheet.rows[0].values[0] = sheet.rows[0].values[0].map(kgce_to_tce);
    sheet
}

/// 能源消费: one row per carrier, with the carrier's unit in its label.
fn carrier_sheet(total: &Figures) -> ReturnSheet {
    let key = "{key}";
    let columns = [
        ColumnDef::new(
            "QUANTITY",
            "消费量（计量单位见品种）",
            CARRIER_UNIT,
            Measure::sum(carrier_name(key, "quantity"), QUANTITY_PLACES),
        ),
        ColumnDef::new(
            "COST_YUAN",
            "金额（元）",
            "yuan",
            Measure::sum(carrier_name(key, "cost_yuan"), PLACES),
        ),
        tce_column(
            "STANDARD_COAL_TCE",
            "折标准煤（吨标准煤）",
            &carrier_name(key, "kgce"),
        ),
        ColumnDef::new(
            "SHARE_OF_STANDARD_COAL",
            "占能源消费总量比重（%）",
            "percent",
            Measure::ratio(
                carrier_name(key, "kgce"),
                STANDARD_COAL_KGCE,
                Decimal::ONE_HUNDRED,
                PLACES,
            ),
        ),
    ];
    let rows: Vec<RowSource<'_>> = Carrier::ALL
        .iter()
        .map(|carrier| RowSource {
            key: carrier.slug().to_owned(),
            label_zh: format!("{}（{}）", carrier.name_zh(), unit_zh(carrier.unit())),
            figures: total,
        })
        .collect();
    let mut sheet = build_sheet(
        "by_carrier",
        "能源消费",
        RowDimension::Breakdown {
            id: "CARRIER".to_owned(),
        },
        "能源品种",
        &columns,
        &rows,
        Some(total),
    );
    kgce_cells_to_tce(&mut sheet);
    // Water and solar generation carry no standard coal: their coal and share are undefined.
    for (row, carrier) in sheet.rows.iter_mut().zip(Carrier::ALL) {
        if !carrier.is_counted_as_consumption() {
            row.values[2] = None;
            row.values[3] = None;
        }
    }
    // Quantities in different units do not add up.
    if let Some(totals) = sheet.totals.as_mut() {
        totals[0] = None;
    }
    sheet
}

/// 按机构类型: one row per institution type, and one for consumption of institutions missing
/// from the institutions table when there is any.
fn institution_type_sheet(total: &Figures) -> ReturnSheet {
    let name = |part: &str| type_name("{key}", part);
    let mut columns = Vec::new();
    columns.extend(size_columns(
        &name("institutions"),
        &name("floor_area_m2"),
        &name("people"),
    ));
    columns.push(standard_coal_column(&name("kgce")));
    columns.extend(intensity_columns(
        &name("kgce"),
        &name("floor_area_m2"),
        &name("people"),
        &name("water_m3"),
    ));
    let mut rows: Vec<RowSource<'_>> = InstitutionType::ALL
        .iter()
        .map(|institution_type| RowSource {
            key: institution_type.slug().to_owned(),
            label_zh: institution_type.name_zh().to_owned(),
            figures: total,
        })
        .collect();
    let unlisted_is_empty = ["kgce", "water_m3", "cost_yuan"]
        .iter()
        .all(|part| total.get(&type_name(UNLISTED_TYPE, part)).is_zero());
    if !unlisted_is_empty {
        rows.push(RowSource {
            key: UNLISTED_TYPE.to_owned(),
            label_zh: "未列入基本信息的机构".to_owned(),
            figures: total,
        });
    }
    let mut sheet = build_sheet(
        "by_institution_type",
        "按机构类型",
        RowDimension::Breakdown {
            id: "INST_TYPE".to_owned(),
        },
        "机构类型",
        &columns,
        &rows,
        Some(total),
    );
    kgce_cells_to_tce(&mut sheet);
    sheet
}

/// 垃圾分类: collected and disposed kilograms per category.
fn waste_sheet(total: &Figures) -> ReturnSheet {
    let columns = [
        ColumnDef::new(
            "COLLECTED_KG",
            "收集量（千克）",
            "kg",
            Measure::sum(waste_name("{key}", "collected_kg"), PLACES),
        ),
        ColumnDef::new(
            "DISPOSED_KG",
            "处置量（千克）",
            "kg",
            Measure::sum(waste_name("{key}", "disposed_kg"), PLACES),
        ),
    ];
    let rows: Vec<RowSource<'_>> = WasteCategory::ALL
        .iter()
        .map(|category| RowSource {
            key: category.slug().to_owned(),
            label_zh: category.name_zh().to_owned(),
            figures: total,
        })
        .collect();
    build_sheet(
        "waste",
        "垃圾分类",
        RowDimension::Breakdown {
            id: "WASTE_CATEGORY".to_owned(),
        },
        "垃圾类别",
        &columns,
        &rows,
        Some(total),
    )
}

/// 按下级单位: the node's own level, then each child; the totals row is the node's total.
fn child_sheet(input: &ReturnInput<'_>) -> ReturnSheet {
    let mut columns = Vec::new();
    columns.extend(size_columns(INSTITUTIONS, FLOOR_AREA_M2, PEOPLE));
    columns.push(standard_coal_column(STANDARD_COAL_KGCE));
    columns.extend(intensity_columns(
        STANDARD_COAL_KGCE,
        FLOOR_AREA_M2,
        PEOPLE,
        WATER_M3,
    ));
    columns.push(ColumnDef::new(
        "COST_YUAN",
        "能源资源费用（元）",
        "yuan",
        Measure::sum(COST_YUAN, PLACES),
    ));
    let mut sheet = build_by_child_sheet(&columns, input);
    kgce_cells_to_tce(&mut sheet);
    sheet
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::Ledger;
    use crate::period::Period;

    #[test]
    fn sheets_come_in_form_order_with_short_chinese_names() {
        let total = Figures::from_texts(&[("energy.standard_coal_kgce", "1234.5678")]).unwrap();
        let input = ReturnInput {
            ledger: Ledger::Energy,
            period: Period::Year(2025),
            total: &total,
            own_level: &total,
            children: &[],
            previous_year: None,
        };
        let sheets = sheets(&input);
        let ids: Vec<&str> = sheets.iter().map(|sheet| sheet.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "indicators",
                "by_carrier",
                "by_institution_type",
                "waste",
                "by_child",
                "saving_type",
                "saving_type_by_year"
            ]
        );
        for sheet in &sheets {
            assert!(sheet.name_zh.chars().count() <= 31, "{}", sheet.name_zh);
            for column in &sheet.columns {
                assert!(
                    column
                        .indicator
                        .bytes()
                        .all(|byte| byte.is_ascii_uppercase()
                            || byte.is_ascii_digit()
                            || byte == b'_'),
                    "{}",
                    column.indicator
                );
            }
        }
        // 1,234.5678 kgce is 1.2345678 tce, shown as 1.2346; no previous year, no change.
        assert_eq!(
            sheets[0].rows[0].values,
            [Some("1.2346".parse().unwrap()), None, None, None]
        );
        assert!(sheets[0].rows.iter().all(|row| row.values[3].is_none()));
        // No unlisted consumption: no row for it.
        assert_eq!(sheets[2].rows.len(), InstitutionType::ALL.len());
    }
}
