//! The rules of the office space ledger that span records, each broken rule a [`Finding`].
//!
//! The buildings table is the master: every space, room, disposal and rental names a building of
//! the same document, and the parts of a building may not exceed it. Rule codes, by severity:
//!
//! - errors, which refuse the import or the submission:
//!   - `unknown_building`: a space, room, disposal or rental names a building not in the document;
//!   - `parts_exceed_whole`: the floor area of a building's spaces held (status other than
//!     disposed) exceeds the building's floor area;
//!   - `rooms_exceed_office_space`: the usable area of a building's office rooms exceeds the usable
//!     area of its office-category space held;
//!   - `rented_building_disposal`, `rented_building_rental_income`: a building the body rents or
//!     borrows cannot be disposed of or let by it;
//!   - `rank_not_of_body_level`: an office room's rank is not one of the ranks of the document
//!     owner's level ([`StandardLevel::of_division`]), such as 处级 (a central rank) at a provincial
//!     body, where 正处级 and 副处级 have different limits; the message lists the level's ranks;
//! - warnings, listed with the return for review:
//!   - `room_over_standard`: an office room exceeds the area limit of its occupants' rank
//!     ([`crate::standards::room_limits`]);
//!   - `dangerous_building`: a building of safety grade D (危楼).
//!
//! Findings come in a fixed order: by table in the ledger's order, then record id, then rule code.
//! Each message is the catalogue's `rules.<code>` text in the language in force when checked.

use std::collections::BTreeMap;

use crate::t;

use crate::Decimal;
use crate::findings::{Findings, Rule, Severity};
use crate::i18n::current_locale;
use crate::records::{Ownership, Record, SafetyGrade, SpaceCategory, SpaceStatus};
use crate::standards::{StandardLevel, room_limits};
use crate::table::Table;
use crate::vocabulary::CheckContext;

use super::figures::room_over_standard;
use super::tables::fields::*;

/// `unknown_building`: 建筑不在建筑表中.
pub const UNKNOWN_BUILDING: Rule = Rule::at_submit(
    "unknown_building",
    Severity::Error,
    "建筑不在建筑表中",
    "rules.unknown_building",
);

/// `parts_exceed_whole`: 各类用房面积超过建筑面积.
pub const PARTS_EXCEED_WHOLE: Rule = Rule::at_import(
    "parts_exceed_whole",
    Severity::Error,
    "各类用房面积超过建筑面积",
    "rules.parts_exceed_whole",
);

/// `rooms_exceed_office_space`: 办公室面积超过办公用房面积.
pub const ROOMS_EXCEED_OFFICE_SPACE: Rule = Rule::at_import(
    "rooms_exceed_office_space",
    Severity::Error,
    "办公室面积超过办公用房面积",
    "rules.rooms_exceed_office_space",
);

/// `rented_building_disposal`: 租用或借用的建筑不得处置.
pub const RENTED_BUILDING_DISPOSAL: Rule = Rule::at_import(
    "rented_building_disposal",
    Severity::Error,
    "租用或借用的建筑不得处置",
    "rules.rented_building_disposal",
);

/// `rented_building_rental_income`: 租用或借用的建筑不得出租.
pub const RENTED_BUILDING_RENTAL_INCOME: Rule = Rule::at_import(
    "rented_building_rental_income",
    Severity::Error,
    "租用或借用的建筑不得出租",
    "rules.rented_building_rental_income",
);

/// `rank_not_of_body_level`: 职级不属于本级机关.
pub const RANK_NOT_OF_BODY_LEVEL: Rule = Rule::at_import(
    "rank_not_of_body_level",
    Severity::Error,
    "职级不属于本级机关",
    "rules.rank_not_of_body_level",
);

/// `room_over_standard`: 办公室面积超标.
pub const ROOM_OVER_STANDARD: Rule = Rule::at_import(
    "room_over_standard",
    Severity::Warning,
    "办公室面积超标",
    "rules.room_over_standard",
);

/// `dangerous_building`: 危房（D级）.
pub const DANGEROUS_BUILDING: Rule = Rule::at_import(
    "dangerous_building",
    Severity::Warning,
    "危房（D级）",
    "rules.dangerous_building",
);

/// The rule registry of the ledger: every rule these checks report.
pub const RULES: &[Rule] = &[
    UNKNOWN_BUILDING,
    PARTS_EXCEED_WHOLE,
    ROOMS_EXCEED_OFFICE_SPACE,
    RENTED_BUILDING_DISPOSAL,
    RENTED_BUILDING_RENTAL_INCOME,
    RANK_NOT_OF_BODY_LEVEL,
    ROOM_OVER_STANDARD,
    DANGEROUS_BUILDING,
];

/// What the records of a document add up to for one building.
#[derive(Default)]
struct BuildingParts {
    /// Floor area of the building's spaces held (not disposed of), m2.
    space_floor_m2: Decimal,
    /// Usable area of the building's office-category spaces held, m2.
    office_usable_m2: Decimal,
    /// Usable area of the building's office rooms, m2.
    room_usable_m2: Decimal,
    /// How many office rooms the building has.
    rooms: usize,
}

/// Checks the records of one office space document against the rules that span records.
pub fn check(records: &[Record], context: &CheckContext<'_>, findings: &mut Findings) {
    let buildings: BTreeMap<&str, &Record> = records
        .iter()
        .filter(|record| record.table() == Table::Buildings)
        .map(|building| (building.at(BUILDING_ID), building))
        .collect();
    let mut parts: BTreeMap<&str, BuildingParts> = BTreeMap::new();
    let body_level = StandardLevel::of_division(context.owner);
    for record in records {
        if record.table() == Table::Buildings {
            if record.at(SAFETY_GRADE) == SafetyGrade::D.slug() {
                findings.add(
                    &DANGEROUS_BUILDING,
                    record,
                    SAFETY_GRADE,
                    t!(
                        "rules.dangerous_building",
                        building = describe_building(record)
                    )
                    .into_owned(),
                );
            }
            continue;
        }
        let building_id = record.at(PART_BUILDING_ID);
        let Some(building) = buildings.get(building_id) else {
            findings.add(
                &UNKNOWN_BUILDING,
                record,
                PART_BUILDING_ID,
                t!(
                    "rules.unknown_building",
                    record = describe(record),
                    building = building_id
                )
                .into_owned(),
            );
            continue;
        };
        let building_parts = parts.entry(building_id).or_default();
        let is_used_not_owned = [Ownership::Rented.slug(), Ownership::Borrowed.slug()]
            .contains(&building.at(OWNERSHIP));
        match record.table() {
            // Disposed space is kept for the record but is no longer part of the building.
            Table::OfficeSpaces if record.at(SPACE_STATUS) != SpaceStatus::Disposed.slug() => {
                building_parts.space_floor_m2 += record.at(SPACE_FLOOR_M2);
                if record.at(SPACE_CATEGORY) == SpaceCategory::Office.slug() {
                    building_parts.office_usable_m2 += record.at(SPACE_USABLE_M2);
                }
            }
            Table::OfficeRooms => {
                building_parts.room_usable_m2 += record.at(ROOM_USABLE_M2);
                building_parts.rooms += 1;
                let limits = room_limits();
                let rank = limits.rank(record.at(ROOM_RANK));
                if let Some(rank) = rank.filter(|rank| rank.level != body_level) {
                    let ranks: Vec<&str> = limits
                        .ranks_of(body_level)
                        .map(|rank| rank.name_zh.as_str())
                        .collect();
                    findings.add(
                        &RANK_NOT_OF_BODY_LEVEL,
                        record,
                        ROOM_RANK,
                        t!(
                            "rules.rank_not_of_body_level",
                            record = describe(record),
                            rank = rank.name_zh,
                            rank_level = rank.level.name_zh(),
                            level = body_level.name_zh(),
                            ranks = ranks.join("、")
                        )
                        .into_owned(),
                    );
                } else if let Some(over) = room_over_standard(record) {
                    findings.add(
                        &ROOM_OVER_STANDARD,
                        record,
                        ROOM_USABLE_M2,
                        t!(
                            "rules.room_over_standard",
                            record = describe(record),
                            usable = number(record.at(ROOM_USABLE_M2)),
                            occupants = record.at(ROOM_OCCUPANTS),
                            rank = over.rank.name_zh,
                            limit = number(over.rank.limit_m2_per_person),
                            allowed = number(over.allowed_m2),
                            excess = number(over.excess_m2),
                            standard = limits.version(),
                            note = if over.rank.verified {
                                String::new()
                            } else {
                                t!("schemas.note.limit_unverified").into_owned()
                            }
                        )
                        .into_owned(),
                    );
                }
            }
            Table::SpaceDisposals if is_used_not_owned => findings.add(
                &RENTED_BUILDING_DISPOSAL,
                record,
                PART_BUILDING_ID,
                t!(
                    "rules.rented_building_disposal",
                    record = describe(record),
                    building = describe_building(building),
                    ownership = ownership_name(building)
                )
                .into_owned(),
            ),
            Table::RentalIncome if is_used_not_owned => findings.add(
                &RENTED_BUILDING_RENTAL_INCOME,
                record,
                PART_BUILDING_ID,
                t!(
                    "rules.rented_building_rental_income",
                    record = describe(record),
                    building = describe_building(building),
                    ownership = ownership_name(building)
                )
                .into_owned(),
            ),
            _ => {}
        }
    }
    for (building_id, building_parts) in &parts {
        let building = buildings[building_id];
        let floor_area_m2 = building.at(FLOOR_AREA_M2);
        if building_parts.space_floor_m2 > floor_area_m2 {
            findings.add(
                &PARTS_EXCEED_WHOLE,
                building,
                FLOOR_AREA_M2,
                t!(
                    "rules.parts_exceed_whole",
                    building = describe_building(building),
                    spaces = number(building_parts.space_floor_m2),
                    floor = number(floor_area_m2)
                )
                .into_owned(),
            );
        }
        if building_parts.rooms > 0
            && building_parts.room_usable_m2 > building_parts.office_usable_m2
        {
            findings.add(
                &ROOMS_EXCEED_OFFICE_SPACE,
                building,
                BUILDING_ID,
                t!(
                    "rules.rooms_exceed_office_space",
                    building = describe_building(building),
                    rooms = building_parts.rooms,
                    rooms_m2 = number(building_parts.room_usable_m2),
                    office_m2 = number(building_parts.office_usable_m2)
                )
                .into_owned(),
            );
        }
    }
}

/// A number as a clerk reads it: without trailing zeros.
fn number(value: Decimal) -> String {
    value.normalize().to_string()
}

/// A building as a message names it: id and name.
fn describe_building(building: &Record) -> String {
    t!(
        "schemas.describe.building",
        id = building.at(BUILDING_ID),
        name = building.at(BUILDING_NAME)
    )
    .into_owned()
}

/// How a message names a building's ownership: its Chinese name, and in English its English name
/// too.
fn ownership_name(building: &Record) -> String {
    let slug = building.at(OWNERSHIP);
    match Ownership::from_slug(slug) {
        Some(ownership) => t!(
            "schemas.describe.choice",
            name_zh = ownership.name_zh(),
            name_en = ownership.name_en()
        )
        .into_owned(),
        None => slug.to_owned(),
    }
}

/// A record other than a building as a message names it.
fn describe(record: &Record) -> String {
    let building = record.at(PART_BUILDING_ID);
    match record.table() {
        Table::OfficeSpaces => t!(
            "schemas.describe.office_space",
            building = building,
            category = choice_name(
                SpaceCategory::from_slug(record.at(SPACE_CATEGORY)).map(|c| c.name_zh())
            ),
            status =
                choice_name(SpaceStatus::from_slug(record.at(SPACE_STATUS)).map(|s| s.name_zh()))
        ),
        Table::OfficeRooms => t!(
            "schemas.describe.office_room",
            building = building,
            room = record.at(ROOM_NO)
        ),
        Table::SpaceDisposals => t!(
            "schemas.describe.space_disposal",
            building = building,
            id = record.at(DISPOSAL_ID)
        ),
        Table::RentalIncome => t!(
            "schemas.describe.rental_income",
            building = building,
            month = record.at(RENTAL_MONTH)
        ),
        other => t!(
            "schemas.describe.record",
            table = other.named(&current_locale()),
            id = record.id()
        ),
    }
    .into_owned()
}

/// A closed-list value's Chinese name, or a placeholder for a slug the list lacks (never the case
/// for records that passed their own rules).
fn choice_name(name: Option<&'static str>) -> &'static str {
    name.unwrap_or("?")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::findings::Finding;
    use crate::period::Period;
    use crate::records::CreditCode;
    use topology::DivisionCode;

    fn building(id: &str, floor: &str, ownership: &str, grade: &str) -> Record {
        let code = CreditCode::with_check_digit("12640000MB000000N").unwrap();
        Record::from_texts(
            Table::Buildings.spec(),
            &[
                ("building_id", id),
                ("name", "综合楼"),
                ("institution_credit_code", code.as_str()),
                ("division_code", "640104000000"),
                ("floor_area_m2", floor),
                ("build_year", "2001"),
                ("ownership", ownership),
                ("registration", "registered"),
                ("safety_grade", grade),
            ],
        )
        .unwrap()
    }

    fn space(building_id: &str, category: &str, status: &str, usable: &str, floor: &str) -> Record {
        Record::from_texts(
            Table::OfficeSpaces.spec(),
            &[
                ("building_id", building_id),
                ("category", category),
                ("status", status),
                ("usable_m2", usable),
                ("floor_m2", floor),
            ],
        )
        .unwrap()
    }

    fn room(building_id: &str, room_no: &str, rank: &str, occupants: &str, usable: &str) -> Record {
        Record::from_texts(
            Table::OfficeRooms.spec(),
            &[
                ("building_id", building_id),
                ("room_no", room_no),
                ("occupant_rank", rank),
                ("occupants", occupants),
                ("usable_m2", usable),
            ],
        )
        .unwrap()
    }

    fn run(records: &[Record]) -> Vec<Finding> {
        let context = CheckContext {
            owner: DivisionCode::parse("640104000000").unwrap(),
            period: Period::parse("2025").unwrap(),
            previous: None,
            options: Default::default(),
        };
        crate::ledgers::check(crate::Ledger::OfficeSpace, records, &context)
    }

    #[test]
    fn a_room_over_standard_names_the_rank_the_limit_and_the_standard() {
        // The expected texts are the English catalogue's.
        crate::Language::English.scope(|| {
            let findings = run(&[
                building("B-001", "1000", "owned_in_use", "a"),
                space("B-001", "office", "in_use", "100", "120"),
                room("B-001", "305", "county_section_head", "1", "45"),
            ]);
            assert_eq!(findings.len(), 1);
            let finding = &findings[0];
            assert_eq!(
                (
                    finding.severity,
                    finding.rule.as_str(),
                    finding.record_id.as_str()
                ),
                (Severity::Warning, "room_over_standard", "B-001/305")
            );
            assert_eq!(
                finding.message,
                "room 305 of building B-001: 45 m2 for 1 occupant(s) of rank 正科级 exceeds the limit \
                 of 18 m2 per person (18 m2 in all) by 27 m2 (standard office-room-limits-2014, limit \
                 not yet verified)"
            );
        });
    }

    #[test]
    fn findings_are_ordered_by_table_then_record_then_rule() {
        let findings = run(&[
            room("B-009", "1", "county_staff", "1", "5"),
            space("B-002", "office", "in_use", "50", "60"),
            building("B-002", "50", "owned_in_use", "d"),
            room("B-002", "2", "county_staff", "1", "60"),
        ]);
        let found: Vec<_> = findings
            .iter()
            .map(|finding| {
                (
                    finding.table.as_str(),
                    finding.record_id.as_str(),
                    finding.rule.as_str(),
                )
            })
            .collect();
        assert_eq!(
            found,
            [
                ("buildings", "B-002", "dangerous_building"),
                ("buildings", "B-002", "parts_exceed_whole"),
                ("buildings", "B-002", "rooms_exceed_office_space"),
                ("office_rooms", "B-002/2", "room_over_standard"),
                ("office_rooms", "B-009/1", "unknown_building"),
            ]
        );
    }

    #[test]
    fn disposed_space_is_not_part_of_the_building() {
        let findings = run(&[
            building("B-001", "100", "owned_in_use", "a"),
            space("B-001", "office", "in_use", "60", "80"),
            space("B-001", "office", "disposed", "60", "80"),
        ]);
        assert_eq!(findings, []);
    }
}
