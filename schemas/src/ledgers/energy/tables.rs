//! The tables of the energy ledger (公共机构能源资源消费): institution basics, monthly consumption
//! per carrier and waste sorting, with the rules that span one record's fields.
//!
//! An institution also records whether it is a Party or government body to be created as a
//! saving-type institution (节约型机关) and how far it is: three optional columns, so that older
//! forms without them still import (a body then counts as not eligible). [`SavingTypeStatus`]
//! reads them as one status: not eligible, 未创建, 创建中, or 已通过评价 in a year.
//!
//! [`fields`] holds a typed handle for each field the ledger's rules, checks and figures read.

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
            "saving_type_eligible",
            "纳入节约型机关创建范围",
            FieldKind::Boolean,
            "institutions.saving_type_eligible",
        )
        .added_later(),
        ColumnSpec::optional(
            "saving_type_in_progress",
            "节约型机关创建中",
            FieldKind::Boolean,
            "institutions.saving_type_in_progress",
        )
        .added_later(),
        ColumnSpec::optional(
            "saving_type_passed_year",
            "节约型机关通过评价年份",
            FieldKind::Count,
            "institutions.saving_type_passed_year",
        )
        .added_later(),
        ColumnSpec::optional("note", "说明", FieldKind::Text, "institutions.note"),
    ],
    id_fields: &["institution_credit_code"],
    dated_by: None,
    rule: institution_rules,
};

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
        if !record.at(fields::SAVING_TYPE_ELIGIBLE) {
            return SavingTypeStatus::NotEligible;
        }
        match record.at(fields::SAVING_TYPE_PASSED_YEAR) {
            0 if record.at(fields::SAVING_TYPE_IN_PROGRESS) => SavingTypeStatus::InProgress,
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
    let eligible = record.at(fields::SAVING_TYPE_ELIGIBLE);
    let in_progress = record.at(fields::SAVING_TYPE_IN_PROGRESS);
    let year = record.at(fields::SAVING_TYPE_PASSED_YEAR);
    if eligible && record.at(fields::INSTITUTION_TYPE) != InstitutionType::StateOrgan.slug() {
        return Err(RecordError::new(
            fields::SAVING_TYPE_ELIGIBLE.name(),
            crate::t!("schemas.record.saving_type_not_state_organ"),
        ));
    }
    if !eligible && in_progress {
        return Err(RecordError::new(
            fields::SAVING_TYPE_IN_PROGRESS.name(),
            crate::t!("schemas.record.saving_type_not_eligible"),
        ));
    }
    if !eligible && year != 0 {
        return Err(RecordError::new(
            fields::SAVING_TYPE_PASSED_YEAR.name(),
            crate::t!("schemas.record.saving_type_not_eligible"),
        ));
    }
    if year != 0 && !(u64::from(SAVING_TYPE_FIRST_YEAR)..=u64::from(YEAR_MAX)).contains(&year) {
        return Err(RecordError::new(
            fields::SAVING_TYPE_PASSED_YEAR.name(),
            crate::t!(
                "schemas.record.saving_type_year_range",
                first = SAVING_TYPE_FIRST_YEAR,
                last = YEAR_MAX
            ),
        ));
    }
    if year != 0 && in_progress {
        return Err(RecordError::new(
            fields::SAVING_TYPE_IN_PROGRESS.name(),
            crate::t!("schemas.record.saving_type_passed_and_in_progress"),
        ));
    }
    Ok(())
}

/// An institution's floor area and people are above zero: both divide its intensities.
fn area_and_people_positive(record: &Record) -> Result<(), RecordError> {
    if record.at(fields::FLOOR_AREA_M2).is_zero() {
        return Err(RecordError::new(
            fields::FLOOR_AREA_M2.name(),
            crate::t!("schemas.record.floor_area_zero"),
        ));
    }
    if record.at(fields::PEOPLE) == 0 {
        return Err(RecordError::new(
            fields::PEOPLE.name(),
            crate::t!("schemas.record.people_zero"),
        ));
    }
    Ok(())
}

/// Typed handles of the fields the ledger's rules and figures read (see
/// [`crate::records::handle`]): a name or kind that is not the table's does not compile.
pub mod fields {
    use super::{ENERGY_CONSUMPTION, INSTITUTIONS, WASTE_SORTING};
    use crate::records::Field;
    use crate::records::handle::{amount, boolean, choice, count, kind, text};

    /// 统一社会信用代码 of the institution a record is about: the id of an institution, and the
    /// institution a consumption or waste record belongs to.
    pub const INSTITUTION_CREDIT_CODE: Field<kind::CreditCode, 3> =
        Field::<kind::CreditCode, 3>::shared(
            [&INSTITUTIONS, &ENERGY_CONSUMPTION, &WASTE_SORTING],
            "institution_credit_code",
        );

    /// 机构名称 of an institution.
    pub const INSTITUTION_NAME: Field<kind::Text> = text(&INSTITUTIONS, "name");
    /// 机构类型 of an institution: its type code, such as `021`.
    pub const INSTITUTION_TYPE: Field<kind::Choice> = choice(&INSTITUTIONS, "type_code");
    /// 建筑面积 of an institution, m² (above zero).
    pub const FLOOR_AREA_M2: Field<kind::Amount> = amount(&INSTITUTIONS, "floor_area_m2");
    /// 用能人数 of an institution (above zero).
    pub const PEOPLE: Field<kind::Count> = count(&INSTITUTIONS, "people");
    /// 采暖面积 of an institution, m² (0 when not given).
    pub const HEATED_AREA_M2: Field<kind::Amount> = amount(&INSTITUTIONS, "heated_area_m2");
    /// 纳入节约型机关创建范围: whether the body is one of the Party and government bodies at county
    /// level and above that are to be created as saving-type institutions (节约型机关); only state
    /// organs (type 01) may be.
    pub const SAVING_TYPE_ELIGIBLE: Field<kind::Boolean> =
        boolean(&INSTITUTIONS, "saving_type_eligible");
    /// 节约型机关创建中: an eligible body that is being created but has not passed the evaluation
    /// yet.
    pub const SAVING_TYPE_IN_PROGRESS: Field<kind::Boolean> =
        boolean(&INSTITUTIONS, "saving_type_in_progress");
    /// 节约型机关通过评价年份: the year an eligible body passed the evaluation (was created); empty
    /// or 0 while it has not.
    pub const SAVING_TYPE_PASSED_YEAR: Field<kind::Count> =
        count(&INSTITUTIONS, "saving_type_passed_year");
    /// 说明 of an institution: its explanation of a change on the previous year.
    pub const NOTE: Field<kind::Text> = text(&INSTITUTIONS, "note");

    /// 统计月份 of a consumption or waste record.
    pub const MONTH: Field<kind::Month, 2> =
        Field::<kind::Month, 2>::shared([&ENERGY_CONSUMPTION, &WASTE_SORTING], "month");

    /// 能源品种 of a consumption record.
    pub const CARRIER: Field<kind::Choice> = choice(&ENERGY_CONSUMPTION, "carrier");
    /// 消费量 of a consumption record, in the carrier's unit.
    pub const QUANTITY: Field<kind::Amount> = amount(&ENERGY_CONSUMPTION, "quantity");
    /// 金额 of a consumption record, yuan.
    pub const COST_YUAN: Field<kind::Amount> = amount(&ENERGY_CONSUMPTION, "cost_yuan");

    /// 垃圾类别 of a waste record.
    pub const WASTE_CATEGORY: Field<kind::Choice> = choice(&WASTE_SORTING, "category");
    /// 收集量 of a waste record, kg.
    pub const COLLECTED_KG: Field<kind::Amount> = amount(&WASTE_SORTING, "collected_kg");
    /// 处置量 of a waste record, kg (0 when not given).
    pub const DISPOSED_KG: Field<kind::Amount> = amount(&WASTE_SORTING, "disposed_kg");
}
