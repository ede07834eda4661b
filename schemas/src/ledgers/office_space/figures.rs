//! The additive figures of the office space ledger: counts and sums of buildings, space, office
//! rooms, disposals and rental income, which a rollup adds up level by level.
//!
//! Only sums and counts are kept; the ratios of the return (idle rate, registered share, m2 per
//! occupant) are computed in [`super::report`] from these totals. The choices made here:
//!
//! - Buildings count whatever their ownership, so `office_space.floor_area_m2` is all the floor area
//!   the bodies use or own; the breakdowns by ownership, registration and safety grade split it.
//! - Space of status `disposed` is kept in the ledger for the record but is no longer held: it counts
//!   only in `office_space.status.disposed.usable_m2`. Every other space figure (by category, basic,
//!   usable, idle) covers the space held, so the idle rate (idle usable ÷ usable) and the category
//!   totals describe the same area, and the categories add up to `office_space.usable_m2`.
//! - Basic usable area is offices, service and equipment rooms ([`SpaceCategory::is_basic`]).
//! - An office room is over standard when it has occupants and its usable area exceeds the rank's
//!   limit times the occupants ([`room_over_standard`]); the excess summed is the area above that.
//!   Vacant rooms count in the rooms and their area, never as over standard.
//! - Rental months count the records of rental income, one per building and month.
//!
//! The period and the coefficients do not enter: disposals and rentals were checked on import to lie
//! within the document's period, and no figure here converts to standard coal.

use super::tables::fields;
use crate::Decimal;
use crate::figures::{FigureSpec, Sums};
use crate::records::{
    Ownership, Record, Registration, SafetyGrade, SpaceCategory, SpaceDisposalMethod, SpaceStatus,
};
use crate::standards::{RoomRank, room_limits};
use crate::table::Table;
use crate::vocabulary::FigureContext;

/// Number of buildings.
pub const BUILDINGS: &str = "office_space.buildings";
/// Floor area of all buildings, m2.
pub const FLOOR_AREA_M2: &str = "office_space.floor_area_m2";
/// Land area of all buildings, m2.
pub const LAND_AREA_M2: &str = "office_space.land_area_m2";
/// Number of buildings whose ownership is registered.
pub const REGISTERED_BUILDINGS: &str = "office_space.registered.buildings";
/// Floor area of buildings whose ownership is registered, m2.
pub const REGISTERED_FLOOR_AREA_M2: &str = "office_space.registered.floor_area_m2";
/// Basic office usable area (offices, service, equipment) held, m2.
pub const BASIC_USABLE_M2: &str = "office_space.basic_usable_m2";
/// Usable area of every category held (not disposed of), m2.
pub const USABLE_M2: &str = "office_space.usable_m2";
/// Idle usable area of every category, m2.
pub const IDLE_USABLE_M2: &str = "office_space.idle_usable_m2";
/// Number of office rooms.
pub const ROOMS: &str = "office_space.rooms";
/// Occupants of office rooms.
pub const ROOM_OCCUPANTS: &str = "office_space.room_occupants";
/// Usable area of office rooms, m2.
pub const ROOM_USABLE_M2: &str = "office_space.room_usable_m2";
/// Number of office rooms over the area standard.
pub const ROOMS_OVER_STANDARD: &str = "office_space.rooms_over_standard";
/// Usable area above the standard, summed over the rooms over standard, m2.
pub const ROOMS_OVER_STANDARD_EXCESS_M2: &str = "office_space.rooms_over_standard_excess_m2";
/// Number of disposals.
pub const DISPOSALS: &str = "office_space.disposals";
/// Floor area disposed of, m2.
pub const DISPOSED_FLOOR_M2: &str = "office_space.disposed_floor_m2";
/// Income from disposals, yuan.
pub const DISPOSAL_INCOME_YUAN: &str = "office_space.disposal_income_yuan";
/// Rental income, yuan.
pub const RENTAL_INCOME_YUAN: &str = "office_space.rental_income_yuan";
/// Number of rental income records (building-months).
pub const RENTAL_MONTHS: &str = "office_space.rental_months";

/// The name of a figure broken down by a closed list: `office_space.{group}.{slug}.{measure}`,
/// such as `office_space.category.office.usable_m2`. With `slug` = `{key}` it is the template a
/// return sheet resolves per row.
pub fn breakdown(group: &str, slug: &str, measure: &str) -> String {
    format!("office_space.{group}.{slug}.{measure}")
}

/// The breakdown group of buildings by ownership.
pub const OWNERSHIP: &str = "ownership";
/// The breakdown group of buildings by safety grade.
pub const SAFETY: &str = "safety";
/// The breakdown group of space by category.
pub const CATEGORY: &str = "category";
/// The breakdown group of space by status.
pub const STATUS: &str = "status";
/// The breakdown group of disposals by method.
pub const DISPOSAL: &str = "disposal";

/// An office room over the area standard: the rank that sets its limit, the area its occupants are
/// allowed and the area above it.
#[derive(Clone, Copy, Debug)]
pub struct RoomOverStandard {
    /// The rank of the room's occupants in the room limits table.
    pub rank: &'static RoomRank,
    /// The rank's limit times the occupants, m2.
    pub allowed_m2: Decimal,
    /// The room's usable area minus the allowed area, m2; always positive.
    pub excess_m2: Decimal,
}

/// Whether an office room is over the area standard: it has occupants and its usable area exceeds
/// the limit of its occupants' rank times their number. `None` for a vacant room, a room within the
/// standard, or a rank missing from the table (the field only admits ranks of the table).
pub fn room_over_standard(room: &Record) -> Option<RoomOverStandard> {
    let occupants = room.at(fields::ROOM_OCCUPANTS);
    if occupants == 0 {
        return None;
    }
    let rank = room_limits().rank(room.at(fields::ROOM_RANK))?;
    let allowed_m2 = rank.limit_m2_per_person * Decimal::from(occupants);
    let usable_m2 = room.at(fields::ROOM_USABLE_M2);
    (usable_m2 > allowed_m2).then(|| RoomOverStandard {
        rank,
        allowed_m2,
        excess_m2: usable_m2 - allowed_m2,
    })
}

/// Adds the figures of the office space ledger's records to `sums`.
pub fn compute(records: &[Record], _context: &FigureContext<'_>, sums: &mut Sums) {
    for record in records {
        match record.table() {
            Table::Buildings => add_building(record, sums),
            Table::OfficeSpaces => add_space(record, sums),
            Table::OfficeRooms => add_room(record, sums),
            Table::SpaceDisposals => add_disposal(record, sums),
            Table::RentalIncome => add_rental(record, sums),
            // Records of other ledgers are refused by `figures::compute` before this is called.
            _ => {}
        }
    }
}

/// A building: its count and areas, by ownership, registration and safety grade.
fn add_building(building: &Record, sums: &mut Sums) {
    let floor_area_m2 = building.at(fields::FLOOR_AREA_M2);
    sums.count(BUILDINGS);
    sums.add(FLOOR_AREA_M2, floor_area_m2);
    sums.add(LAND_AREA_M2, building.at(fields::LAND_AREA_M2));
    let ownership = building.at(fields::OWNERSHIP);
    sums.count(&breakdown(OWNERSHIP, ownership, "buildings"));
    sums.add(
        &breakdown(OWNERSHIP, ownership, "floor_area_m2"),
        floor_area_m2,
    );
    if building.at(fields::REGISTRATION) == Registration::Registered.slug() {
        sums.count(REGISTERED_BUILDINGS);
        sums.add(REGISTERED_FLOOR_AREA_M2, floor_area_m2);
    }
    let grade = building.at(fields::SAFETY_GRADE);
    sums.count(&breakdown(SAFETY, grade, "buildings"));
    sums.add(&breakdown(SAFETY, grade, "floor_area_m2"), floor_area_m2);
}

/// A space: by status always; by category, basic, usable and idle only while it is held.
fn add_space(space: &Record, sums: &mut Sums) {
    let usable_m2 = space.at(fields::SPACE_USABLE_M2);
    let status = space.at(fields::SPACE_STATUS);
    sums.add(&breakdown(STATUS, status, "usable_m2"), usable_m2);
    if status == SpaceStatus::Disposed.slug() {
        return;
    }
    let category = space.at(fields::SPACE_CATEGORY);
    let is_idle = status == SpaceStatus::Idle.slug();
    sums.add(&breakdown(CATEGORY, category, "usable_m2"), usable_m2);
    sums.add(
        &breakdown(CATEGORY, category, "floor_m2"),
        space.at(fields::SPACE_FLOOR_M2),
    );
    sums.add(USABLE_M2, usable_m2);
    if is_idle {
        sums.add(&breakdown(CATEGORY, category, "idle_usable_m2"), usable_m2);
        sums.add(IDLE_USABLE_M2, usable_m2);
    }
    if SpaceCategory::from_slug(category).is_some_and(SpaceCategory::is_basic) {
        sums.add(BASIC_USABLE_M2, usable_m2);
    }
}

/// An office room: its count, occupants and area, and whether it is over standard.
fn add_room(room: &Record, sums: &mut Sums) {
    sums.count(ROOMS);
    sums.add(
        ROOM_OCCUPANTS,
        Decimal::from(room.at(fields::ROOM_OCCUPANTS)),
    );
    sums.add(ROOM_USABLE_M2, room.at(fields::ROOM_USABLE_M2));
    if let Some(over) = room_over_standard(room) {
        sums.count(ROOMS_OVER_STANDARD);
        sums.add(ROOMS_OVER_STANDARD_EXCESS_M2, over.excess_m2);
    }
}

/// A disposal: its count, area and income, and its area by method.
fn add_disposal(disposal: &Record, sums: &mut Sums) {
    let floor_m2 = disposal.amount("floor_m2");
    sums.count(DISPOSALS);
    sums.add(DISPOSED_FLOOR_M2, floor_m2);
    sums.add(DISPOSAL_INCOME_YUAN, disposal.amount("income_yuan"));
    sums.add(
        &breakdown(DISPOSAL, disposal.choice("method"), "floor_m2"),
        floor_m2,
    );
}

/// A month of rental income.
fn add_rental(rental: &Record, sums: &mut Sums) {
    sums.count(RENTAL_MONTHS);
    sums.add(RENTAL_INCOME_YUAN, rental.amount("income_yuan"));
}

/// Every figure [`compute`] can produce, in report order, with labels and units.
pub fn catalog() -> Vec<FigureSpec> {
    let mut specs = vec![
        FigureSpec::labelled(BUILDINGS, "count", |language| {
            rust_i18n::t!(
                "schemas.figure.label.office_space.buildings",
                locale = language.code()
            )
        }),
        FigureSpec::labelled(FLOOR_AREA_M2, "m2", |language| {
            rust_i18n::t!(
                "schemas.figure.label.office_space.floor_area_m2",
                locale = language.code()
            )
        }),
        FigureSpec::labelled(LAND_AREA_M2, "m2", |language| {
            rust_i18n::t!(
                "schemas.figure.label.office_space.land_area_m2",
                locale = language.code()
            )
        }),
    ];
    for ownership in Ownership::ALL {
        let slug = ownership.slug();
        specs.extend([
            FigureSpec::labelled(
                breakdown(OWNERSHIP, slug, "buildings"),
                "count",
                |language| {
                    rust_i18n::t!(
                        "schemas.figure.label.office_space.ownership_buildings",
                        locale = language.code(),
                        ownership = ownership.name_in(language)
                    )
                },
            ),
            FigureSpec::labelled(
                breakdown(OWNERSHIP, slug, "floor_area_m2"),
                "m2",
                |language| {
                    rust_i18n::t!(
                        "schemas.figure.label.office_space.ownership_floor_area_m2",
                        locale = language.code(),
                        ownership = ownership.name_in(language)
                    )
                },
            ),
        ]);
    }
    specs.extend([
        FigureSpec::labelled(REGISTERED_BUILDINGS, "count", |language| {
            rust_i18n::t!(
                "schemas.figure.label.office_space.registered_buildings",
                locale = language.code()
            )
        }),
        FigureSpec::labelled(REGISTERED_FLOOR_AREA_M2, "m2", |language| {
            rust_i18n::t!(
                "schemas.figure.label.office_space.registered_floor_area_m2",
                locale = language.code()
            )
        }),
    ]);
    for grade in SafetyGrade::ALL {
        let slug = grade.slug();
        specs.extend([
            FigureSpec::labelled(breakdown(SAFETY, slug, "buildings"), "count", |language| {
                rust_i18n::t!(
                    "schemas.figure.label.office_space.safety_buildings",
                    locale = language.code(),
                    grade = grade.name_in(language)
                )
            }),
            FigureSpec::labelled(breakdown(SAFETY, slug, "floor_area_m2"), "m2", |language| {
                rust_i18n::t!(
                    "schemas.figure.label.office_space.safety_floor_area_m2",
                    locale = language.code(),
                    grade = grade.name_in(language)
                )
            }),
        ]);
    }
    specs.extend([
        FigureSpec::labelled(BASIC_USABLE_M2, "m2", |language| {
            rust_i18n::t!(
                "schemas.figure.label.office_space.basic_usable_m2",
                locale = language.code()
            )
        }),
        FigureSpec::labelled(USABLE_M2, "m2", |language| {
            rust_i18n::t!(
                "schemas.figure.label.office_space.usable_m2",
                locale = language.code()
            )
        }),
        FigureSpec::labelled(IDLE_USABLE_M2, "m2", |language| {
            rust_i18n::t!(
                "schemas.figure.label.office_space.idle_usable_m2",
                locale = language.code()
            )
        }),
    ]);
    for category in SpaceCategory::ALL {
        let slug = category.slug();
        specs.extend([
            FigureSpec::labelled(breakdown(CATEGORY, slug, "usable_m2"), "m2", |language| {
                rust_i18n::t!(
                    "schemas.figure.label.office_space.category_usable_m2",
                    locale = language.code(),
                    category = category.name_in(language)
                )
            }),
            FigureSpec::labelled(breakdown(CATEGORY, slug, "floor_m2"), "m2", |language| {
                rust_i18n::t!(
                    "schemas.figure.label.office_space.category_floor_m2",
                    locale = language.code(),
                    category = category.name_in(language)
                )
            }),
            FigureSpec::labelled(
                breakdown(CATEGORY, slug, "idle_usable_m2"),
                "m2",
                |language| {
                    rust_i18n::t!(
                        "schemas.figure.label.office_space.category_idle_usable_m2",
                        locale = language.code(),
                        category = category.name_in(language)
                    )
                },
            ),
        ]);
    }
    for status in SpaceStatus::ALL {
        specs.push(FigureSpec::labelled(
            breakdown(STATUS, status.slug(), "usable_m2"),
            "m2",
            |language| {
                rust_i18n::t!(
                    "schemas.figure.label.office_space.status_usable_m2",
                    locale = language.code(),
                    status = status.name_in(language)
                )
            },
        ));
    }
    specs.extend([
        FigureSpec::labelled(ROOMS, "count", |language| {
            rust_i18n::t!(
                "schemas.figure.label.office_space.rooms",
                locale = language.code()
            )
        }),
        FigureSpec::labelled(ROOM_OCCUPANTS, "person", |language| {
            rust_i18n::t!(
                "schemas.figure.label.office_space.room_occupants",
                locale = language.code()
            )
        }),
        FigureSpec::labelled(ROOM_USABLE_M2, "m2", |language| {
            rust_i18n::t!(
                "schemas.figure.label.office_space.room_usable_m2",
                locale = language.code()
            )
        }),
        FigureSpec::labelled(ROOMS_OVER_STANDARD, "count", |language| {
            rust_i18n::t!(
                "schemas.figure.label.office_space.rooms_over_standard",
                locale = language.code()
            )
        }),
        FigureSpec::labelled(ROOMS_OVER_STANDARD_EXCESS_M2, "m2", |language| {
            rust_i18n::t!(
                "schemas.figure.label.office_space.rooms_over_standard_excess_m2",
                locale = language.code()
            )
        }),
        FigureSpec::labelled(DISPOSALS, "count", |language| {
            rust_i18n::t!(
                "schemas.figure.label.office_space.disposals",
                locale = language.code()
            )
        }),
        FigureSpec::labelled(DISPOSED_FLOOR_M2, "m2", |language| {
            rust_i18n::t!(
                "schemas.figure.label.office_space.disposed_floor_m2",
                locale = language.code()
            )
        }),
        FigureSpec::labelled(DISPOSAL_INCOME_YUAN, "yuan", |language| {
            rust_i18n::t!(
                "schemas.figure.label.office_space.disposal_income_yuan",
                locale = language.code()
            )
        }),
    ]);
    for method in SpaceDisposalMethod::ALL {
        specs.push(FigureSpec::labelled(
            breakdown(DISPOSAL, method.slug(), "floor_m2"),
            "m2",
            |language| {
                rust_i18n::t!(
                    "schemas.figure.label.office_space.disposal_floor_m2",
                    locale = language.code(),
                    method = method.name_in(language)
                )
            },
        ));
    }
    specs.extend([
        FigureSpec::labelled(RENTAL_INCOME_YUAN, "yuan", |language| {
            rust_i18n::t!(
                "schemas.figure.label.office_space.rental_income_yuan",
                locale = language.code()
            )
        }),
        FigureSpec::labelled(RENTAL_MONTHS, "month", |language| {
            rust_i18n::t!(
                "schemas.figure.label.office_space.rental_months",
                locale = language.code()
            )
        }),
    ]);
    specs
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::coefficients;
    use crate::figures::Figures;
    use crate::ledger::Ledger;
    use crate::period::Period;
    use crate::records::CreditCode;

    /// A record of the office space ledger from texts; the test data is valid.
    fn record(table: Table, texts: &[(&str, &str)]) -> Record {
        Record::from_texts(table.spec(), texts).unwrap()
    }

    /// A dataset touching every breakdown value: a building per ownership and grade, a space per
    /// category and status, a room over and one within standard, a disposal per method, a rental.
    fn rich_dataset() -> Vec<Record> {
        let code = CreditCode::with_check_digit("12640000MB000000N").unwrap();
        let mut records = Vec::new();
        let registrations = Registration::ALL.iter().cycle();
        for (index, ((ownership, grade), registration)) in Ownership::ALL
            .iter()
            .zip(SafetyGrade::ALL)
            .zip(registrations)
            .enumerate()
        {
            let id = format!("B-{index}");
            records.push(record(
                Table::Buildings,
                &[
                    ("building_id", &id),
                    ("name", "楼"),
                    ("institution_credit_code", code.as_str()),
                    ("division_code", "640104000000"),
                    ("land_area_m2", "100"),
                    ("floor_area_m2", "10000"),
                    ("build_year", "2000"),
                    ("ownership", ownership.slug()),
                    ("registration", registration.slug()),
                    ("safety_grade", grade.slug()),
                ],
            ));
        }
        for category in SpaceCategory::ALL {
            for status in SpaceStatus::ALL {
                records.push(record(
                    Table::OfficeSpaces,
                    &[
                        ("building_id", "B-0"),
                        ("category", category.slug()),
                        ("status", status.slug()),
                        ("usable_m2", "10"),
                        ("floor_m2", "12.5"),
                    ],
                ));
            }
        }
        for (room, occupants, usable) in [("1", "1", "40"), ("2", "2", "10"), ("3", "0", "20")] {
            records.push(record(
                Table::OfficeRooms,
                &[
                    ("building_id", "B-0"),
                    ("room_no", room),
                    ("occupant_rank", "county_staff"),
                    ("occupants", occupants),
                    ("usable_m2", usable),
                ],
            ));
        }
        for (index, method) in SpaceDisposalMethod::ALL.iter().enumerate() {
            records.push(record(
                Table::SpaceDisposals,
                &[
                    ("disposal_id", &format!("D-{index}")),
                    ("building_id", "B-0"),
                    ("method", method.slug()),
                    ("floor_m2", "30"),
                    ("date", "2025-05-01"),
                    ("income_yuan", "1000"),
                ],
            ));
        }
        records.push(record(
            Table::RentalIncome,
            &[
                ("building_id", "B-1"),
                ("month", "2025-02"),
                ("rented_floor_m2", "50"),
                ("income_yuan", "700"),
            ],
        ));
        records
    }

    fn rich_figures() -> Figures {
        crate::compute(
            Ledger::OfficeSpace,
            Period::parse("2025").unwrap(),
            &rich_dataset(),
            coefficients::current(),
        )
        .unwrap()
    }

    #[test]
    fn every_computed_name_is_in_the_catalog_and_every_catalog_name_is_computed() {
        let catalog: BTreeSet<String> = catalog().into_iter().map(|spec| spec.name).collect();
        let computed: BTreeSet<String> = rich_figures()
            .iter()
            .map(|(name, _)| name.to_owned())
            .collect();
        assert_eq!(computed.difference(&catalog).count(), 0, "{computed:?}");
        // The rich dataset reaches every name, so the catalog lists nothing compute never yields.
        assert_eq!(computed, catalog);
    }

    #[test]
    fn every_catalog_name_is_well_formed_unique_and_labelled() {
        let specs = catalog();
        let mut names = BTreeSet::new();
        for spec in &specs {
            assert!(spec.name.starts_with("office_space."), "{}", spec.name);
            assert!(
                Figures::new().set(&spec.name, Decimal::ONE).is_ok(),
                "{}",
                spec.name
            );
            assert!(names.insert(spec.name.as_str()), "{} twice", spec.name);
            assert!(
                !spec.label_zh.is_empty() && !spec.label_en.is_empty() && !spec.unit.is_empty()
            );
        }
    }

    #[test]
    fn disposed_space_counts_only_by_status_and_rooms_over_standard_sum_their_excess() {
        let figures = rich_figures();
        let decimal = |text: &str| text.parse::<Decimal>().unwrap();
        // 5 categories × 4 held statuses × 10 m2; basic = 3 categories × 4 statuses × 10 m2.
        assert_eq!(figures.get(USABLE_M2), decimal("200"));
        assert_eq!(figures.get(BASIC_USABLE_M2), decimal("120"));
        assert_eq!(figures.get(IDLE_USABLE_M2), decimal("50"));
        assert_eq!(
            figures.get("office_space.status.disposed.usable_m2"),
            decimal("50")
        );
        assert_eq!(
            figures.get("office_space.category.office.floor_m2"),
            decimal("50")
        );
        // Room 1: 40 − 9 × 1 = 31 over; room 2: 10 ≤ 18; room 3 is vacant.
        assert_eq!(figures.get(ROOMS_OVER_STANDARD), Decimal::ONE);
        assert_eq!(figures.get(ROOMS_OVER_STANDARD_EXCESS_M2), decimal("31"));
        assert_eq!(figures.get(ROOM_OCCUPANTS), decimal("3"));
    }
}
