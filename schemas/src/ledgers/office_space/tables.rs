//! The tables of the office space ledger (党政机关办公用房): buildings, their space by category and
//! status, office rooms, disposals and rental income, with the rules that span one record's fields.

use crate::records::{
    ColumnSpec, FieldKind, Ownership, Record, RecordError, Registration, SafetyGrade,
    SpaceCategory, SpaceDisposalMethod, SpaceStatus,
};
use crate::records::{TableSpec, no_rule};
use std::sync::OnceLock;

use crate::records::{Choice, ChoiceList};
use crate::standards::room_limits;
use crate::table::Table;

/// The column naming the building a space, room, disposal or rental belongs to.
const BUILDING_REFERENCE: ColumnSpec = ColumnSpec::required(
    "building_id",
    "建筑编号",
    FieldKind::Identifier,
    "office_space.building_reference",
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
            "buildings.building_id",
        ),
        ColumnSpec::required("name", "建筑名称", FieldKind::Name, "buildings.name"),
        ColumnSpec::required(
            "institution_credit_code",
            "使用单位统一社会信用代码",
            FieldKind::CreditCode,
            "buildings.institution_credit_code",
        ),
        ColumnSpec::required(
            "division_code",
            "所在地行政区划代码",
            FieldKind::Division,
            "buildings.division_code",
        ),
        ColumnSpec::optional("address", "地址", FieldKind::Text, "buildings.address"),
        ColumnSpec::optional(
            "land_area_m2",
            "占地面积（平方米）",
            FieldKind::Amount,
            "buildings.land_area_m2",
        ),
        ColumnSpec::required(
            "floor_area_m2",
            "建筑面积（平方米）",
            FieldKind::Amount,
            "buildings.floor_area_m2",
        ),
        ColumnSpec::required(
            "build_year",
            "建成年份",
            FieldKind::Year,
            "buildings.build_year",
        ),
        ColumnSpec::required(
            "ownership",
            "权属",
            FieldKind::Choice(Ownership::CHOICES),
            "buildings.ownership",
        ),
        ColumnSpec::required(
            "registration",
            "权属登记状态",
            FieldKind::Choice(Registration::CHOICES),
            "buildings.registration",
        ),
        ColumnSpec::optional(
            "use_right_certificate",
            "使用权证号",
            FieldKind::Text,
            "buildings.use_right_certificate",
        ),
        ColumnSpec::required(
            "safety_grade",
            "安全等级",
            FieldKind::Choice(SafetyGrade::CHOICES),
            "buildings.safety_grade",
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
            "office_spaces.category",
        ),
        ColumnSpec::required(
            "status",
            "使用状态",
            FieldKind::Choice(SpaceStatus::CHOICES),
            "office_spaces.status",
        ),
        ColumnSpec::required(
            "usable_m2",
            "使用面积（平方米）",
            FieldKind::Amount,
            "office_spaces.usable_m2",
        ),
        ColumnSpec::required(
            "floor_m2",
            "建筑面积（平方米）",
            FieldKind::Amount,
            "office_spaces.floor_m2",
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
            "office_rooms.room_no",
        ),
        ColumnSpec::required(
            "occupant_rank",
            "使用人职级",
            FieldKind::Choice(ROOM_RANKS),
            "office_rooms.occupant_rank",
        ),
        ColumnSpec::required(
            "occupants",
            "使用人数",
            FieldKind::Count,
            "office_rooms.occupants",
        ),
        ColumnSpec::required(
            "usable_m2",
            "使用面积（平方米）",
            FieldKind::Amount,
            "office_rooms.usable_m2",
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
            "space_disposals.disposal_id",
        ),
        BUILDING_REFERENCE,
        ColumnSpec::required(
            "method",
            "处置方式",
            FieldKind::Choice(SpaceDisposalMethod::CHOICES),
            "space_disposals.method",
        ),
        ColumnSpec::required(
            "floor_m2",
            "处置面积（平方米）",
            FieldKind::Amount,
            "space_disposals.floor_m2",
        ),
        ColumnSpec::required("date", "处置日期", FieldKind::Date, "space_disposals.date"),
        ColumnSpec::optional(
            "income_yuan",
            "处置收入（元）",
            FieldKind::Amount,
            "space_disposals.income_yuan",
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
        ColumnSpec::required("month", "月份", FieldKind::Month, "rental_income.month"),
        ColumnSpec::required(
            "rented_floor_m2",
            "出租面积（平方米）",
            FieldKind::Amount,
            "rental_income.rented_floor_m2",
        ),
        ColumnSpec::required(
            "income_yuan",
            "租金收入（元）",
            FieldKind::Amount,
            "rental_income.income_yuan",
        ),
    ],
    id_fields: &["building_id", "month"],
    dated_by: Some("month"),
    rule: no_rule,
};

/// A space's usable area never exceeds its floor area.
fn usable_within_floor(record: &Record) -> Result<(), RecordError> {
    let usable = record.at(fields::SPACE_USABLE_M2);
    let floor = record.at(fields::SPACE_FLOOR_M2);
    if usable > floor {
        return Err(RecordError::new(
            "usable_m2",
            rust_i18n::t!(
                "schemas.record.usable_over_floor",
                floor = floor.normalize(),
                usable = usable.normalize()
            ),
        ));
    }
    Ok(())
}

/// A building's id is part of the composite ids of its spaces, rooms and rental income, which are
/// joined with `/`, so it cannot contain one.
fn building_id_without_slash(record: &Record) -> Result<(), RecordError> {
    if record.at(fields::BUILDING_ID).contains('/') {
        return Err(RecordError::new(
            "building_id",
            rust_i18n::t!("schemas.record.slash_in_building_id"),
        ));
    }
    Ok(())
}

/// Typed handles of the fields the ledger's rules and figures read (see
/// [`crate::records::handle`]): a name or kind that is not the table's does not compile.
pub mod fields {
    use super::{BUILDINGS, OFFICE_ROOMS, OFFICE_SPACES, RENTAL_INCOME, SPACE_DISPOSALS};
    use crate::records::Field;
    use crate::records::handle::{amount, choice, count, kind, month, text};

    /// 建筑编号 of a building.
    pub const BUILDING_ID: Field<kind::Text> = text(&BUILDINGS, "building_id");
    /// 建筑名称.
    pub const BUILDING_NAME: Field<kind::Text> = text(&BUILDINGS, "name");
    /// 占地面积 of a building, m².
    pub const LAND_AREA_M2: Field<kind::Amount> = amount(&BUILDINGS, "land_area_m2");
    /// 建筑面积 of a building, m².
    pub const FLOOR_AREA_M2: Field<kind::Amount> = amount(&BUILDINGS, "floor_area_m2");
    /// Whether the body owns, rents or borrows the building.
    pub const OWNERSHIP: Field<kind::Choice> = choice(&BUILDINGS, "ownership");
    /// Whether the building's title is registered.
    pub const REGISTRATION: Field<kind::Choice> = choice(&BUILDINGS, "registration");
    /// The building's safety grade (A to D).
    pub const SAFETY_GRADE: Field<kind::Choice> = choice(&BUILDINGS, "safety_grade");

    /// The building a space, room, disposal or rental belongs to.
    pub const PART_BUILDING_ID: Field<kind::Text, 4> = Field::<kind::Text, 4>::shared(
        [
            &OFFICE_SPACES,
            &OFFICE_ROOMS,
            &SPACE_DISPOSALS,
            &RENTAL_INCOME,
        ],
        "building_id",
    );

    /// A space's category (办公室用房, 服务用房, ...).
    pub const SPACE_CATEGORY: Field<kind::Choice> = choice(&OFFICE_SPACES, "category");
    /// A space's status (in use, idle, let, disposed).
    pub const SPACE_STATUS: Field<kind::Choice> = choice(&OFFICE_SPACES, "status");
    /// A space's usable area, m².
    pub const SPACE_USABLE_M2: Field<kind::Amount> = amount(&OFFICE_SPACES, "usable_m2");
    /// A space's floor area, m².
    pub const SPACE_FLOOR_M2: Field<kind::Amount> = amount(&OFFICE_SPACES, "floor_m2");

    /// An office room's number within its building.
    pub const ROOM_NO: Field<kind::Text> = text(&OFFICE_ROOMS, "room_no");
    /// The rank of a room's occupants.
    pub const ROOM_RANK: Field<kind::Choice> = choice(&OFFICE_ROOMS, "occupant_rank");
    /// How many people the room holds.
    pub const ROOM_OCCUPANTS: Field<kind::Count> = count(&OFFICE_ROOMS, "occupants");
    /// A room's usable area, m².
    pub const ROOM_USABLE_M2: Field<kind::Amount> = amount(&OFFICE_ROOMS, "usable_m2");

    /// A disposal's id.
    pub const DISPOSAL_ID: Field<kind::Text> = text(&SPACE_DISPOSALS, "disposal_id");

    /// The month of a rental income record.
    pub const RENTAL_MONTH: Field<kind::Month> = month(&RENTAL_INCOME, "month");
}
