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
    "energy.institution",
);

/// The column of the month a record is for.
const MONTH: ColumnSpec =
    ColumnSpec::required("month", "统计月份", FieldKind::Month, "energy.month");

/// 公共机构基本信息: one record per public institution.
pub const INSTITUTIONS: TableSpec = TableSpec {
    table: Table::Institutions,
    columns: &[
        INSTITUTION,
        ColumnSpec::required("name", "机构名称", FieldKind::Name, "institutions.name"),
        ColumnSpec::required(
            "type_code",
            "机构类型",
            FieldKind::Choice(InstitutionType::CHOICES),
            "institutions.type_code",
        ),
        ColumnSpec::required(
            "floor_area_m2",
            "建筑面积（平方米）",
            FieldKind::Amount,
            "institutions.floor_area_m2",
        ),
        ColumnSpec::required(
            "people",
            "用能人数（人）",
            FieldKind::Count,
            "institutions.people",
        ),
        ColumnSpec::optional(
            "heated_area_m2",
            "采暖面积（平方米）",
            FieldKind::Amount,
            "institutions.heated_area_m2",
        ),
        ColumnSpec::optional("note", "说明", FieldKind::Text, "institutions.note"),
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
            "energy_consumption.carrier",
        ),
        ColumnSpec::required(
            "quantity",
            "消费量",
            FieldKind::Amount,
            "energy_consumption.quantity",
        ),
        ColumnSpec::required(
            "cost_yuan",
            "金额（元）",
            FieldKind::Amount,
            "energy_consumption.cost_yuan",
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
            "waste_sorting.category",
        ),
        ColumnSpec::required(
            "collected_kg",
            "收集量（千克）",
            FieldKind::Amount,
            "waste_sorting.collected_kg",
        ),
        ColumnSpec::optional(
            "disposed_kg",
            "处置量（千克）",
            FieldKind::Amount,
            "waste_sorting.disposed_kg",
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
            crate::t!("schemas.record.floor_area_zero"),
        ));
    }
    if record.count("people") == 0 {
        return Err(RecordError::new(
            "people",
            crate::t!("schemas.record.people_zero"),
        ));
    }
    Ok(())
}
