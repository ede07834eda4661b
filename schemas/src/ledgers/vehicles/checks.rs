//! The checks of the vehicles ledger that span records: references to vehicles, odometers that must
//! not go back, quotas, the price and displacement caps, and disposals.
//!
//! Each broken rule is a [`Finding`](crate::findings::Finding) about one record. Errors refuse the
//! import or the submission:
//! - `unknown_vehicle`: a dispatch order, running-cost or disposal record names a plate that is not
//!   in the vehicles table;
//! - `odometer_decreased`: a month's odometer reading is below an earlier month's of the same
//!   vehicle (within the document, or the last month of the previous year's records).
//!
//! Warnings are listed with the return for review:
//! - `over_price_cap`, `over_displacement_cap`: a vehicle on the books over the cap of its category,
//!   body type and drive ([`crate::standards::vehicle_caps`]); a body type the table gives no cap
//!   in the category (a truck, a bus of a special technical unit) is never flagged;
//! - `over_quota`: an institution keeps more vehicles of a category than its quota (on the quota
//!   record, or on the first vehicle by plate when there is no quota record);
//! - `early_disposal`: a vehicle disposed of before it may be replaced;
//! - `disposal_status_mismatch`: a disposed-of vehicle whose status is not disposed;
//! - `new_energy_share_below_minimum`: of the vehicles purchased (购置, not transferred in) within
//!   the period, the new-energy ones (battery electric, plug-in hybrid) are fewer than the share the
//!   central notice of October 2024 asks for "in principle" (30 %, from the caps table); reported
//!   once, on the first such purchase by plate that is not new energy, with the figures.
//!
//! The checks report into the shared [`Findings`] list, which puts them in the one order of every
//! ledger ([`Findings::into_sorted`]: by table in the ledger's order, then record id, then rule
//! code). The rules that the figures also count (on the books, quota positions, cap breaches, early
//! disposals) are functions here, shared with [`super::figures`]. Each message is the catalogue's
//! `rules.<code>` text in the language in force when checked.

use std::collections::BTreeMap;

use crate::t;

use crate::Decimal;
use crate::findings::{Findings, Rule, Severity};
use crate::records::{
    AcquisitionKind, CreditCode, Date, FuelType, Record, VehicleCategory, VehicleDisposalMethod,
    VehicleStatus, amount_text,
};
use crate::standards::vehicle_caps;
use crate::table::Table;
use crate::vocabulary::CheckContext;

use super::tables::fields::*;

/// `unknown_vehicle`: 车辆不在公务用车表中.
pub const UNKNOWN_VEHICLE: Rule = Rule::at_submit(
    "unknown_vehicle",
    Severity::Error,
    "车辆不在公务用车表中",
    "rules.unknown_vehicle",
);

/// `odometer_decreased`: 里程表读数减少.
pub const ODOMETER_DECREASED: Rule = Rule::at_import(
    "odometer_decreased",
    Severity::Error,
    "里程表读数减少",
    "rules.odometer_decreased",
);

/// `over_price_cap`: 购置价格超标.
pub const OVER_PRICE_CAP: Rule = Rule::at_import(
    "over_price_cap",
    Severity::Warning,
    "购置价格超标",
    "rules.over_price_cap",
);

/// `over_displacement_cap`: 排气量超标.
pub const OVER_DISPLACEMENT_CAP: Rule = Rule::at_import(
    "over_displacement_cap",
    Severity::Warning,
    "排气量超标",
    "rules.over_displacement_cap",
);

/// `over_quota`: 超编制配备.
pub const OVER_QUOTA: Rule = Rule::at_import(
    "over_quota",
    Severity::Warning,
    "超编制配备",
    "rules.over_quota",
);

/// `early_disposal`: 未满使用年限处置.
pub const EARLY_DISPOSAL: Rule = Rule::at_import(
    "early_disposal",
    Severity::Warning,
    "未满使用年限处置",
    "rules.early_disposal",
);

/// `disposal_status_mismatch`: 处置车辆的使用状态不符.
pub const DISPOSAL_STATUS_MISMATCH: Rule = Rule::at_import(
    "disposal_status_mismatch",
    Severity::Warning,
    "处置车辆的使用状态不符",
    "rules.disposal_status_mismatch",
);

/// `new_energy_share_below_minimum`: 新能源车比例不足.
pub const NEW_ENERGY_SHARE_BELOW_MINIMUM: Rule = Rule::at_import(
    "new_energy_share_below_minimum",
    Severity::Warning,
    "新能源车比例不足",
    "rules.new_energy_share_below_minimum",
);

/// The rule registry of the ledger: every rule these checks report.
pub const RULES: &[Rule] = &[
    UNKNOWN_VEHICLE,
    ODOMETER_DECREASED,
    OVER_PRICE_CAP,
    OVER_DISPLACEMENT_CAP,
    OVER_QUOTA,
    EARLY_DISPOSAL,
    DISPOSAL_STATUS_MISMATCH,
    NEW_ENERGY_SHARE_BELOW_MINIMUM,
];

/// Checks the records of one vehicles document against the rules that span records.
pub fn check(records: &[Record], context: &CheckContext<'_>, findings: &mut Findings) {
    let vehicles = vehicles_by_plate(records);
    check_references(records, &vehicles, findings);
    check_odometers(records, context.previous.unwrap_or(&[]), findings);
    check_caps(records, findings);
    check_quotas(records, findings);
    check_disposals(records, &vehicles, findings);
    check_new_energy_share(records, context, findings);
}

/// How a clerk finds a record in the message: the table's name for it and its id.
fn describe(record: &Record) -> String {
    match record.table() {
        Table::DispatchOrders => t!("schemas.describe.dispatch_order", id = record.at(ORDER_ID)),
        Table::VehicleCosts => t!(
            "schemas.describe.vehicle_costs",
            plate = record.at(NAMED_PLATE),
            month = record.at(COST_MONTH)
        ),
        Table::VehicleDisposals => t!(
            "schemas.describe.vehicle_disposal",
            plate = record.at(NAMED_PLATE)
        ),
        _ => t!("schemas.describe.any_record", id = record.id()),
    }
    .into_owned()
}

/// The Chinese name of a vehicle's category.
fn category_name(vehicle: &Record) -> &'static str {
    VehicleCategory::from_slug(vehicle.at(CATEGORY)).map_or("", VehicleCategory::name_zh)
}

/// A note naming the version of the caps table and whether its values are confirmed.
fn caps_source() -> String {
    let caps = vehicle_caps();
    let verified = caps.categories().iter().all(|category| category.verified);
    if verified {
        caps.version().to_owned()
    } else {
        format!("{}{}", caps.version(), t!("schemas.note.unverified"))
    }
}

/// `unknown_vehicle`: dispatch orders, running costs and disposals must name a vehicle of the table.
fn check_references(
    records: &[Record],
    vehicles: &BTreeMap<&str, &Record>,
    findings: &mut Findings,
) {
    let refers = |record: &&Record| {
        matches!(
            record.table(),
            Table::DispatchOrders | Table::VehicleCosts | Table::VehicleDisposals
        )
    };
    for record in records.iter().filter(refers) {
        let plate = record.at(NAMED_PLATE).as_str();
        if !vehicles.contains_key(plate) {
            findings.add(
                &UNKNOWN_VEHICLE,
                record,
                NAMED_PLATE,
                t!(
                    "rules.unknown_vehicle",
                    record = describe(record),
                    plate = plate
                )
                .into_owned(),
            );
        }
    }
}

/// The running-cost records of each plate, in month order.
fn costs_by_plate(records: &[Record]) -> BTreeMap<&str, Vec<&Record>> {
    let mut by_plate: BTreeMap<&str, Vec<&Record>> = BTreeMap::new();
    for record in records
        .iter()
        .filter(|record| record.table() == Table::VehicleCosts)
    {
        by_plate
            .entry(record.at(NAMED_PLATE).as_str())
            .or_default()
            .push(record);
    }
    for costs in by_plate.values_mut() {
        costs.sort_by_key(|record| record.at(COST_MONTH));
    }
    by_plate
}

/// `odometer_decreased`: per plate, in month order, no reading below the highest earlier one,
/// starting from the last month of the previous year's records when they are given.
fn check_odometers(records: &[Record], previous: &[Record], findings: &mut Findings) {
    let earlier_by_plate = costs_by_plate(previous);
    for (plate, costs) in costs_by_plate(records) {
        // The highest reading so far and the month it was read.
        let mut highest: Option<(Decimal, String)> = earlier_by_plate
            .get(plate)
            .and_then(|earlier| earlier.last())
            .map(|last| (last.at(ODOMETER_KM), last.at(COST_MONTH).to_string()));
        for record in costs {
            let reading = record.at(ODOMETER_KM);
            let month = record.at(COST_MONTH);
            match &highest {
                Some((highest_reading, highest_month)) if reading < *highest_reading => {
                    findings.add(
                        &ODOMETER_DECREASED,
                        record,
                        ODOMETER_KM,
                        t!(
                            "rules.odometer_decreased",
                            plate = plate,
                            reading = amount_text(reading),
                            month = month,
                            highest = amount_text(*highest_reading),
                            highest_month = highest_month
                        )
                        .into_owned(),
                    );
                }
                _ => highest = Some((reading, month.to_string())),
            }
        }
    }
}

/// `over_price_cap` and `over_displacement_cap`: each vehicle on the books within the caps of its
/// category and drive.
fn check_caps(records: &[Record], findings: &mut Findings) {
    for vehicle in records
        .iter()
        .filter(|record| record.table() == Table::Vehicles)
    {
        if !is_on_books(vehicle) {
            continue;
        }
        let breaches = cap_breaches(vehicle);
        let drive = FuelType::from_slug(vehicle.at(FUEL_TYPE)).map_or("", FuelType::name_zh);
        let what = t!(
            "schemas.describe.vehicle",
            plate = vehicle.at(PLATE),
            category = category_name(vehicle),
            drive = drive
        );
        if let Some(price) = breaches.price {
            findings.add(
                &OVER_PRICE_CAP,
                vehicle,
                PRICE_YUAN,
                t!(
                    "rules.over_price_cap",
                    vehicle = what,
                    price = amount_text(price.value),
                    cap = amount_text(price.cap),
                    source = caps_source()
                )
                .into_owned(),
            );
        }
        if let Some(displacement) = breaches.displacement {
            findings.add(
                &OVER_DISPLACEMENT_CAP,
                vehicle,
                DISPLACEMENT_L,
                t!(
                    "rules.over_displacement_cap",
                    vehicle = what,
                    displacement = amount_text(displacement.value),
                    cap = amount_text(displacement.cap),
                    source = caps_source()
                )
                .into_owned(),
            );
        }
    }
}

/// `over_quota`: per institution and category, the vehicles on the books within the quota.
fn check_quotas(records: &[Record], findings: &mut Findings) {
    for ((institution, category), position) in quota_positions(records) {
        if position.over_quota() == 0 {
            continue;
        }
        let n_vehicles = position.vehicles.len();
        let vehicles_text = if n_vehicles == 1 {
            t!("schemas.describe.one_vehicle")
        } else {
            t!("schemas.describe.vehicles", count = n_vehicles)
        };
        let quota_text = match position.quota_record {
            Some(_) => t!("schemas.describe.quota", quota = position.quota),
            None => t!("schemas.describe.no_quota_row"),
        };
        let message = t!(
            "rules.over_quota",
            institution = institution,
            vehicles = vehicles_text,
            category = category.name_zh(),
            quota = quota_text,
            over = position.over_quota()
        )
        .into_owned();
        match position.quota_record {
            Some(quota_record) => findings.add(&OVER_QUOTA, quota_record, QUOTA, message),
            // A position without a quota row exists only through its vehicles.
            None => findings.add(&OVER_QUOTA, position.vehicles[0], CATEGORY, message),
        }
    }
}

/// `early_disposal` and `disposal_status_mismatch`: each disposal of a known vehicle past the
/// replacement age and matched by the vehicle's status.
fn check_disposals(
    records: &[Record],
    vehicles: &BTreeMap<&str, &Record>,
    findings: &mut Findings,
) {
    let caps = vehicle_caps();
    for disposal in records
        .iter()
        .filter(|record| record.table() == Table::VehicleDisposals)
    {
        let plate = disposal.at(NAMED_PLATE).as_str();
        let Some(vehicle) = vehicles.get(plate) else {
            continue;
        };
        let acquired = vehicle.at(ACQUISITION_DATE);
        let disposed = disposal.at(DISPOSAL_DATE);
        if is_early_disposal(acquired, disposed) {
            let note = if caps.replacement_provenance().verified {
                String::new()
            } else {
                t!("schemas.note.unverified").into_owned()
            };
            findings.add(
                &EARLY_DISPOSAL,
                disposal,
                DISPOSAL_DATE,
                t!(
                    "rules.early_disposal",
                    plate = plate,
                    acquired = acquired,
                    disposed = disposed,
                    years = full_years(acquired, disposed).max(0),
                    years_min = caps.replacement_years_min(),
                    version = caps.version(),
                    note = note
                )
                .into_owned(),
            );
        }
        let status = vehicle.at(STATUS);
        if status != VehicleStatus::Disposed.slug() {
            let method = VehicleDisposalMethod::from_slug(disposal.at(DISPOSAL_METHOD))
                .map_or("", VehicleDisposalMethod::name_zh);
            let status_zh = VehicleStatus::from_slug(status).map_or("", VehicleStatus::name_zh);
            findings.add(
                &DISPOSAL_STATUS_MISMATCH,
                disposal,
                NAMED_PLATE,
                t!(
                    "rules.disposal_status_mismatch",
                    plate = plate,
                    disposed = disposed,
                    method = method,
                    status = status_zh,
                    disposed_status = VehicleStatus::Disposed.name_zh()
                )
                .into_owned(),
            );
        }
    }
}

/// `new_energy_share_below_minimum`: the new-energy share of the vehicles purchased within the
/// period, against the minimum of the caps table. A period without purchases has no share.
fn check_new_energy_share(records: &[Record], context: &CheckContext<'_>, findings: &mut Findings) {
    let mut purchases: Vec<&Record> = records
        .iter()
        .filter(|record| record.table() == Table::Vehicles)
        .filter(|vehicle| is_purchase(vehicle))
        .filter(|vehicle| {
            context
                .period
                .contains(vehicle.at(ACQUISITION_DATE).month())
        })
        .collect();
    if purchases.is_empty() {
        return;
    }
    purchases.sort_by_key(|vehicle| vehicle.at(PLATE).as_str());
    let n_purchases = purchases.len();
    let n_new_energy = purchases
        .iter()
        .filter(|vehicle| is_new_energy(vehicle))
        .count();
    let caps = vehicle_caps();
    let minimum = caps.new_energy_share_percent_min();
    // Compared as counts, without rounding: new energy × 100 < minimum × purchases.
    if Decimal::from(n_new_energy) * Decimal::ONE_HUNDRED >= minimum * Decimal::from(n_purchases) {
        return;
    }
    let Some(first) = purchases.iter().find(|vehicle| !is_new_energy(vehicle)) else {
        return;
    };
    let share = (Decimal::from(n_new_energy) * Decimal::ONE_HUNDRED / Decimal::from(n_purchases))
        .round_dp(1);
    let provenance = caps.new_energy_share_provenance();
    findings.add(
        &NEW_ENERGY_SHARE_BELOW_MINIMUM,
        first,
        FUEL_TYPE,
        t!(
            "rules.new_energy_share_below_minimum",
            purchases = n_purchases,
            new_energy = n_new_energy,
            share = share.normalize(),
            minimum = minimum.normalize(),
            plate = first.at(PLATE),
            source = if provenance.verified {
                caps.version().to_owned()
            } else {
                format!("{}{}", caps.version(), t!("schemas.note.unverified"))
            }
        )
        .into_owned(),
    );
}

/// Whether a vehicle is on the books: in service or idle, not disposed of.
pub(super) fn is_on_books(vehicle: &Record) -> bool {
    vehicle.at(STATUS) != VehicleStatus::Disposed.slug()
}

/// Whether a vehicle was purchased (购置) rather than transferred in.
pub(super) fn is_purchase(vehicle: &Record) -> bool {
    vehicle.at(ACQUISITION_KIND) == AcquisitionKind::Purchase.slug()
}

/// Whether a vehicle is new energy (battery electric or plug-in hybrid).
pub(super) fn is_new_energy(vehicle: &Record) -> bool {
    FuelType::from_slug(vehicle.at(FUEL_TYPE)).is_some_and(FuelType::is_new_energy)
}

/// The vehicles of a document by plate.
pub(super) fn vehicles_by_plate(records: &[Record]) -> BTreeMap<&str, &Record> {
    records
        .iter()
        .filter(|record| record.table() == Table::Vehicles)
        .map(|vehicle| (vehicle.at(PLATE).as_str(), vehicle))
        .collect()
}

/// A value over its cap: the value and the cap, in the cap's unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Excess {
    /// The vehicle's value.
    pub value: Decimal,
    /// The cap it exceeds.
    pub cap: Decimal,
}

/// The caps a vehicle breaches, each `None` when it is within the cap or has none.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct CapBreaches {
    /// The price in yuan over the price cap.
    pub price: Option<Excess>,
    /// The displacement in litres over the displacement cap.
    pub displacement: Option<Excess>,
}

/// The caps of [`vehicle_caps`] a vehicle breaches: the cap of its category, body type and drive
/// (the allowance where the rules give one; the new-energy price cap and no displacement cap for a
/// new-energy vehicle; none where the table gives the body type no cap in the category). Caps are
/// inclusive: a price equal to the cap is within it.
pub(super) fn cap_breaches(vehicle: &Record) -> CapBreaches {
    let over = |value: Decimal, cap: Option<Decimal>| {
        cap.filter(|cap| value > *cap)
            .map(|cap| Excess { value, cap })
    };
    let caps = vehicle_caps();
    match caps.cap(
        vehicle.at(CATEGORY),
        vehicle.at(BODY_TYPE),
        is_new_energy(vehicle),
    ) {
        Some(cap) => CapBreaches {
            price: over(vehicle.at(PRICE_YUAN), cap.price_yuan_max),
            displacement: over(vehicle.at(DISPLACEMENT_L), cap.displacement_l_max),
        },
        None => CapBreaches {
            price: None,
            displacement: None,
        },
    }
}

/// The full years from one day to a later one: 2017-03-01 to 2025-02-28 is 7, to 2025-03-01 is 8.
/// Negative when `to` is before `from`.
pub(super) fn full_years(from: Date, to: Date) -> i32 {
    let years = i32::from(to.year()) - i32::from(from.year());
    if (to.month_number(), to.day()) < (from.month_number(), from.day()) {
        years - 1
    } else {
        years
    }
}

/// Whether a disposal on `disposed` comes before the vehicle may be replaced: a vehicle acquired on
/// `acquired` may be replaced only once it has served strictly more than
/// [`replacement_years_min`](crate::standards::VehicleCaps::replacement_years_min) years, so a
/// disposal on the 8th anniversary or before it is early.
pub(super) fn is_early_disposal(acquired: Date, disposed: Date) -> bool {
    let years_min = i64::from(vehicle_caps().replacement_years_min());
    let anniversary = (
        i64::from(acquired.year()) + years_min,
        acquired.month_number(),
        acquired.day(),
    );
    (
        i64::from(disposed.year()),
        disposed.month_number(),
        disposed.day(),
    ) <= anniversary
}

/// The vehicles on the books and the quota of one institution in one category.
#[derive(Clone, Debug)]
pub(super) struct QuotaPosition<'a> {
    /// The category's slug.
    pub category: &'static str,
    /// The vehicles on the books, in plate order.
    pub vehicles: Vec<&'a Record>,
    /// The quota, 0 without a quota row.
    pub quota: u64,
    /// The quota row, if there is one.
    pub quota_record: Option<&'a Record>,
}

impl QuotaPosition<'_> {
    /// How many vehicles on the books exceed the quota.
    pub fn over_quota(&self) -> u64 {
        (self.vehicles.len() as u64).saturating_sub(self.quota)
    }
}

/// Every (institution, category) that has a quota row or vehicles on the books, in code and
/// category order.
pub(super) fn quota_positions(
    records: &[Record],
) -> BTreeMap<(CreditCode, VehicleCategory), QuotaPosition<'_>> {
    let mut positions: BTreeMap<(CreditCode, VehicleCategory), QuotaPosition<'_>> = BTreeMap::new();
    for record in records {
        let is_quota = record.table() == Table::VehicleQuotas;
        let is_counted = record.table() == Table::Vehicles && is_on_books(record);
        if !is_quota && !is_counted {
            continue;
        }
        let slug = record.at(CATEGORY);
        // Choice values are slugs of the column's list, so this only fails on a bug.
        let category = VehicleCategory::from_slug(slug).expect("a category slug of the list");
        let key = (*record.at(INSTITUTION), category);
        let position = positions.entry(key).or_insert_with(|| QuotaPosition {
            category: category.slug(),
            vehicles: Vec::new(),
            quota: 0,
            quota_record: None,
        });
        if is_quota {
            position.quota += record.at(QUOTA);
            position.quota_record.get_or_insert(record);
        } else {
            position.vehicles.push(record);
        }
    }
    for position in positions.values_mut() {
        position
            .vehicles
            .sort_by(|one, other| one.at(PLATE).cmp(other.at(PLATE)));
    }
    positions
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_years_and_early_disposals_count_by_date() {
        let date = |text: &str| Date::parse(text).unwrap();
        assert_eq!(full_years(date("2017-03-01"), date("2025-02-28")), 7);
        assert_eq!(full_years(date("2017-03-01"), date("2025-03-01")), 8);
        assert_eq!(full_years(date("2025-03-01"), date("2025-02-28")), -1);
        assert!(is_early_disposal(date("2017-03-01"), date("2025-03-01")));
        assert!(!is_early_disposal(date("2017-03-01"), date("2025-03-02")));
        assert!(is_early_disposal(date("2016-02-29"), date("2024-02-29")));
        assert!(!is_early_disposal(date("2016-02-29"), date("2024-03-01")));
    }
}
