//! The tables of the office space ledger (党政机关办公用房): buildings, their space by category and
//! status, office rooms, disposals and rental income, with the rules that span one record's fields.

use crate::ledgers::{TableSpec, no_rule};
use crate::records::{
    ColumnSpec, FieldKind, Ownership, Record, RecordError, Registration, SafetyGrade,
    SpaceCategory, SpaceDisposalMethod, SpaceStatus,
};
use std::sync::OnceLock;

use crate::records::{Choice, ChoiceList};
use crate::standards::room_limits;
use crate::table::Table;

/// The column naming the building a space, room, disposal or rental belongs to.
const BUILDING_REFERENCE: ColumnSpec = ColumnSpec::required(
    "building_id",
    "建筑编号",
    FieldKind::Identifier,
    "the building's id as in the buildings table",
);

/// The ranks of office room occupants, from the versioned table of room area limits.
pub const ROOM_RANKS: ChoiceList = ChoiceList {
    kind: "occupant rank",
    choices: room_ranks,
};

/// The ranks of the room limits table as choices.
fn room_ranks() -> &'static [Choice] {
    static RANKS: OnceLock<Vec<Choice>> = OnceLock::new();
    RANKS.get_or_init(|| {
        room_limits()
            .ranks()
            .iter()
            .map(|rank| Choice {
                slug: rank.slug.as_str(),
                name_zh: rank.name_zh.as_str(),
            })
            .collect()
    })
}

/// 办公用房建筑: one record per building used as office space.
pub const BUILDINGS: TableSpec = TableSpec {
    table: Table::Buildings,
    columns: &[
        ColumnSpec::required(
            "building_id",
            "建筑编号",
            FieldKind::Identifier,
            "the body's identifier of the building, unique in the table and stable across years",
        ),
        ColumnSpec::required("name", "建筑名称", FieldKind::Name, "the building's name"),
        ColumnSpec::required(
            "institution_credit_code",
            "使用单位统一社会信用代码",
            FieldKind::CreditCode,
            "the user's code",
        ),
        ColumnSpec::required(
            "division_code",
            "所在地行政区划代码",
            FieldKind::Division,
            "where the building stands",
        ),
        ColumnSpec::optional("address", "地址", FieldKind::Text, "the street address"),
        ColumnSpec::optional(
            "land_area_m2",
            "占地面积（平方米）",
            FieldKind::Amount,
            "the land area in m2",
        ),
        ColumnSpec::required(
            "floor_area_m2",
            "建筑面积（平方米）",
            FieldKind::Amount,
            "the floor area of the whole building in m2",
        ),
        ColumnSpec::required(
            "build_year",
            "建成年份",
            FieldKind::Year,
            "the year the building was completed",
        ),
        ColumnSpec::required(
            "ownership",
            "权属",
            FieldKind::Choice(Ownership::CHOICES),
            "who owns and who uses the building",
        ),
        ColumnSpec::required(
            "registration",
            "权属登记状态",
            FieldKind::Choice(Registration::CHOICES),
            "whether ownership is registered",
        ),
        ColumnSpec::optional(
            "use_right_certificate",
            "使用权证号",
            FieldKind::Text,
            "the number of the use-right certificate",
        ),
        ColumnSpec::required(
            "safety_grade",
            "安全等级",
            FieldKind::Choice(SafetyGrade::CHOICES),
            "the safety grade",
        ),
    ],
    id_fields: &["building_id"],
    dated_by: None,
    rule: building_id_without_slash,
};

/// 办公用房面积: the usable and floor area of a building in one category and status.
pub const OFFICE_SPACES: TableSpec = TableSpec {
    table: Table::OfficeSpaces,
    columns: &[
        BUILDING_REFERENCE,
        ColumnSpec::required(
            "category",
            "用房类别",
            FieldKind::Choice(SpaceCategory::CHOICES),
            "the category of space",
        ),
        ColumnSpec::required(
            "status",
            "使用状态",
            FieldKind::Choice(SpaceStatus::CHOICES),
            "what the space is used for now",
        ),
        ColumnSpec::required(
            "usable_m2",
            "使用面积（平方米）",
            FieldKind::Amount,
            "the usable area in m2, at most the floor area",
        ),
        ColumnSpec::required(
            "floor_m2",
            "建筑面积（平方米）",
            FieldKind::Amount,
            "the floor area in m2",
        ),
    ],
    id_fields: &["building_id", "category", "status"],
    dated_by: None,
    rule: usable_within_floor,
};

/// 办公室: one office room, its occupants and their rank.
pub const OFFICE_ROOMS: TableSpec = TableSpec {
    table: Table::OfficeRooms,
    columns: &[
        BUILDING_REFERENCE,
        ColumnSpec::required(
            "room_no",
            "房间号",
            FieldKind::Identifier,
            "the room number, unique within the building",
        ),
        ColumnSpec::required(
            "occupant_rank",
            "使用人职级",
            FieldKind::Choice(ROOM_RANKS),
            "the highest rank among the occupants, which sets the area limit",
        ),
        ColumnSpec::required(
            "occupants",
            "使用人数",
            FieldKind::Count,
            "how many people use the room; 0 for a vacant room",
        ),
        ColumnSpec::required(
            "usable_m2",
            "使用面积（平方米）",
            FieldKind::Amount,
            "the room's usable area in m2",
        ),
    ],
    id_fields: &["building_id", "room_no"],
    dated_by: None,
    rule: no_rule,
};

/// 办公用房处置: a disposal of office space.
pub const SPACE_DISPOSALS: TableSpec = TableSpec {
    table: Table::SpaceDisposals,
    columns: &[
        ColumnSpec::required(
            "disposal_id",
            "处置编号",
            FieldKind::Identifier,
            "the body's identifier of the disposal, unique in the table",
        ),
        BUILDING_REFERENCE,
        ColumnSpec::required(
            "method",
            "处置方式",
            FieldKind::Choice(SpaceDisposalMethod::CHOICES),
            "how the space was disposed of",
        ),
        ColumnSpec::required(
            "floor_m2",
            "处置面积（平方米）",
            FieldKind::Amount,
            "the floor area disposed of in m2",
        ),
        ColumnSpec::required(
            "date",
            "处置日期",
            FieldKind::Date,
            "the day of the disposal, within the period",
        ),
        ColumnSpec::optional(
            "income_yuan",
            "处置收入（元）",
            FieldKind::Amount,
            "the income from the disposal in yuan",
        ),
    ],
    id_fields: &["disposal_id"],
    dated_by: Some("date"),
    rule: no_rule,
};

/// 出租收入: the rental income of a building in one month.
pub const RENTAL_INCOME: TableSpec = TableSpec {
    table: Table::RentalIncome,
    columns: &[
        BUILDING_REFERENCE,
        ColumnSpec::required(
            "month",
            "月份",
            FieldKind::Month,
            "the month, within the period",
        ),
        ColumnSpec::required(
            "rented_floor_m2",
            "出租面积（平方米）",
            FieldKind::Amount,
            "the floor area let in m2",
        ),
        ColumnSpec::required(
            "income_yuan",
            "租金收入（元）",
            FieldKind::Amount,
            "the rent received in yuan",
        ),
    ],
    id_fields: &["building_id", "month"],
    dated_by: Some("month"),
    rule: no_rule,
};

/// A space's usable area never exceeds its floor area.
fn usable_within_floor(record: &Record) -> Result<(), RecordError> {
    let usable = record.amount("usable_m2");
    let floor = record.amount("floor_m2");
    if usable > floor {
        return Err(RecordError::new(
            "usable_m2",
            format!(
                "must not exceed the floor area {} m2 (found {} m2)",
                floor.normalize(),
                usable.normalize()
            ),
        ));
    }
    Ok(())
}

/// A building's id is part of the composite ids of its spaces, rooms and rental income, which are
/// joined with `/`, so it cannot contain one.
fn building_id_without_slash(record: &Record) -> Result<(), RecordError> {
    if record.text("building_id").contains('/') {
        return Err(RecordError::new(
            "building_id",
            "must not contain / (spaces, rooms and rental income name the building in ids joined \
             with /)",
        ));
    }
    Ok(())
}
