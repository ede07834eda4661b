//! The tables of the energy ledger (公共机构能源资源消费): institution basics, monthly consumption
//! per carrier and waste sorting, with the rules that span one record's fields.
//!
//! An institution also records whether it is a Party or government body to be created as a
//! saving-type institution (节约型机关) and how far it is: three optional columns, so that older
//! forms without them still import (a body then counts as not eligible). [`SavingTypeStatus`]
//! reads them as one status: not eligible, 未创建, 创建中, or 已通过评价 in a year.

use crate::period::YEAR_MAX;
use crate::records::{
    Carrier, ColumnSpec, FieldKind, InstitutionType, Record, RecordError, WasteCategory,
};
use crate::records::{TableSpec, no_rule};
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
        ColumnSpec::optional(
            SAVING_TYPE_ELIGIBLE,
            "纳入节约型机关创建范围",
            FieldKind::Boolean,
            "institutions.saving_type_eligible",
        ),
        ColumnSpec::optional(
            SAVING_TYPE_IN_PROGRESS,
            "节约型机关创建中",
            FieldKind::Boolean,
            "institutions.saving_type_in_progress",
        ),
        ColumnSpec::optional(
            SAVING_TYPE_PASSED_YEAR,
            "节约型机关通过评价年份",
            FieldKind::Count,
            "institutions.saving_type_passed_year",
        ),
        ColumnSpec::optional("note", "说明", FieldKind::Text, "institutions.note"),
    ],
    id_fields: &["institution_credit_code"],
    dated_by: None,
    rule: institution_rules,
};

/// 纳入节约型机关创建范围: whether the body is one of the Party and government bodies at county level
/// and above that are to be created as saving-type institutions (节约型机关); only state organs
/// (type 01) may be.
pub const SAVING_TYPE_ELIGIBLE: &str = "saving_type_eligible";

/// 节约型机关创建中: an eligible body that is being created but has not passed the evaluation yet.
pub const SAVING_TYPE_IN_PROGRESS: &str = "saving_type_in_progress";

/// 节约型机关通过评价年份: the year an eligible body passed the evaluation (was created); empty or 0
/// while it has not.
pub const SAVING_TYPE_PASSED_YEAR: &str = "saving_type_passed_year";

/// The first year a body can have been created as a saving-type institution: the national action
/// plan (节约型机关创建行动方案) dates from 2020.
pub const SAVING_TYPE_FIRST_YEAR: u16 = 2020;

/// The status of a body's creation as a saving-type institution (创建状态), from its record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SavingTypeStatus {
    /// Not in the scope of creation (not eligible).
    NotEligible,
    /// Eligible, creation not started (未创建).
    NotStarted,
    /// Eligible, being created (创建中).
    InProgress,
    /// Eligible and passed the evaluation in the year given (已通过评价).
    Passed(u16),
}

impl SavingTypeStatus {
    /// The status a record of the institutions table holds (its row rules have passed).
    pub fn of(record: &Record) -> Self {
        if !record.boolean(SAVING_TYPE_ELIGIBLE) {
            return SavingTypeStatus::NotEligible;
        }
        match record.count(SAVING_TYPE_PASSED_YEAR) {
            0 if record.boolean(SAVING_TYPE_IN_PROGRESS) => SavingTypeStatus::InProgress,
            0 => SavingTypeStatus::NotStarted,
            // The row rules keep the year within SAVING_TYPE_FIRST_YEAR..=YEAR_MAX.
            year => SavingTypeStatus::Passed(u16::try_from(year).unwrap_or(u16::MAX)),
        }
    }
}

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

/// The rules of one institution record: floor area and people above zero, and the saving-type
/// fields consistent.
fn institution_rules(record: &Record) -> Result<(), RecordError> {
    area_and_people_positive(record)?;
    saving_type_consistent(record)
}

/// The saving-type fields agree: only a state organ (01) is eligible; only an eligible body is in
/// progress or has a year; a body that passed is not also in progress; a year lies from
/// [`SAVING_TYPE_FIRST_YEAR`] to [`YEAR_MAX`] (that it is not after the period is a check, which
/// knows the period).
fn saving_type_consistent(record: &Record) -> Result<(), RecordError> {
    let eligible = record.boolean(SAVING_TYPE_ELIGIBLE);
    let in_progress = record.boolean(SAVING_TYPE_IN_PROGRESS);
    let year = record.count(SAVING_TYPE_PASSED_YEAR);
    if eligible && record.choice("type_code") != InstitutionType::StateOrgan.slug() {
        return Err(RecordError::new(
            SAVING_TYPE_ELIGIBLE,
            crate::t!("schemas.record.saving_type_not_state_organ"),
        ));
    }
    if !eligible && in_progress {
        return Err(RecordError::new(
            SAVING_TYPE_IN_PROGRESS,
            crate::t!("schemas.record.saving_type_not_eligible"),
        ));
    }
    if !eligible && year != 0 {
        return Err(RecordError::new(
            SAVING_TYPE_PASSED_YEAR,
            crate::t!("schemas.record.saving_type_not_eligible"),
        ));
    }
    if year != 0 && !(u64::from(SAVING_TYPE_FIRST_YEAR)..=u64::from(YEAR_MAX)).contains(&year) {
        return Err(RecordError::new(
            SAVING_TYPE_PASSED_YEAR,
            crate::t!(
                "schemas.record.saving_type_year_range",
                first = SAVING_TYPE_FIRST_YEAR,
                last = YEAR_MAX
            ),
        ));
    }
    if year != 0 && in_progress {
        return Err(RecordError::new(
            SAVING_TYPE_IN_PROGRESS,
            crate::t!("schemas.record.saving_type_passed_and_in_progress"),
        ));
    }
    Ok(())
}

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
