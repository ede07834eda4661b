//! The tables of the energy ledger (公共机构能源资源消费): institution basics, monthly consumption
//! per carrier and waste sorting, with the rules that span one record's fields.

use crate::ledgers::{TableSpec, no_rule};
use crate::records::{
    Carrier, ColumnSpec, FieldKind, InstitutionType, Record, RecordError, WasteCategory,
};
use crate::table::Table;

/// The column naming the institution a record is about.
const INSTITUTION: ColumnSpec = ColumnSpec::required(
    "institution_credit_code",
    "统一社会信用代码",
    FieldKind::CreditCode,
    "the institution's code",
);

/// The column of the month a record is for.
const MONTH: ColumnSpec = ColumnSpec::required(
    "month",
    "统计月份",
    FieldKind::Month,
    "the month, within the period",
);

/// 公共机构基本信息: one record per public institution.
pub const INSTITUTIONS: TableSpec = TableSpec {
    table: Table::Institutions,
    columns: &[
        INSTITUTION,
        ColumnSpec::required(
            "name",
            "机构名称",
            FieldKind::Name,
            "the institution's name",
        ),
        ColumnSpec::required(
            "type_code",
            "机构类型",
            FieldKind::Choice(InstitutionType::CHOICES),
            "the institution type code",
        ),
        ColumnSpec::required(
            "floor_area_m2",
            "建筑面积（平方米）",
            FieldKind::Amount,
            "the floor area of the office buildings in m2, above 0",
        ),
        ColumnSpec::required(
            "people",
            "用能人数（人）",
            FieldKind::Count,
            "the people using energy, staff outside the quota included, above 0",
        ),
        ColumnSpec::optional(
            "heated_area_m2",
            "采暖面积（平方米）",
            FieldKind::Amount,
            "the heated area in m2",
        ),
        ColumnSpec::optional(
            "note",
            "说明",
            FieldKind::Text,
            "an explanation, required when consumption changed by more than 30% on the year",
        ),
    ],
    id_fields: &["institution_credit_code"],
    dated_by: None,
    rule: area_and_people_positive,
};

/// 能源资源消费: one institution's consumption of one carrier in one month.
pub const ENERGY_CONSUMPTION: TableSpec = TableSpec {
    table: Table::EnergyConsumption,
    columns: &[
        INSTITUTION,
        MONTH,
        ColumnSpec::required(
            "carrier",
            "能源品种",
            FieldKind::Choice(Carrier::CHOICES),
            "what was consumed",
        ),
        ColumnSpec::required(
            "quantity",
            "消费量",
            FieldKind::Amount,
            "how much, in the carrier's unit: kWh for 电力 and 光伏发电, m3 for 水 and 天然气, t \
             for 煤炭, L for 汽油 and 柴油, kg for 液化石油气, GJ for 热力, tce for 其他",
        ),
        ColumnSpec::required(
            "cost_yuan",
            "金额（元）",
            FieldKind::Amount,
            "the cost in yuan",
        ),
    ],
    id_fields: &["institution_credit_code", "carrier", "month"],
    dated_by: Some("month"),
    rule: no_rule,
};

/// 垃圾分类: one institution's sorted waste of one category in one month.
pub const WASTE_SORTING: TableSpec = TableSpec {
    table: Table::WasteSorting,
    columns: &[
        INSTITUTION,
        MONTH,
        ColumnSpec::required(
            "category",
            "垃圾类别",
            FieldKind::Choice(WasteCategory::CHOICES),
            "the waste category",
        ),
        ColumnSpec::required(
            "collected_kg",
            "收集量（千克）",
            FieldKind::Amount,
            "the waste collected in kg",
        ),
        ColumnSpec::optional(
            "disposed_kg",
            "处置量（千克）",
            FieldKind::Amount,
            "the waste handed on for disposal in kg",
        ),
    ],
    id_fields: &["institution_credit_code", "category", "month"],
    dated_by: Some("month"),
    rule: no_rule,
};

/// An institution's floor area and people are above zero: both divide its intensities.
fn area_and_people_positive(record: &Record) -> Result<(), RecordError> {
    if record.amount("floor_area_m2").is_zero() {
        return Err(RecordError::new(
            "floor_area_m2",
            "must be above 0: energy per m2 is computed from it",
        ));
    }
    if record.count("people") == 0 {
        return Err(RecordError::new(
            "people",
            "must be above 0: energy per person is computed from it",
        ));
    }
    Ok(())
}
