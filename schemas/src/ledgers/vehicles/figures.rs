//! The figures of the vehicles ledger: counts and sums only, so that a city's figures are exactly the
//! sum of its counties' and every ratio of the return is computed from totals.
//!
//! Data flows: the records of one document (vehicles, quotas, dispatch orders, running costs,
//! disposals) → [`compute`] → named sums in [`Sums`]. Every name starts with `vehicles.`; breakdowns
//! put the slug of a closed list as a name part (`vehicles.category.<slug>.count`,
//! `vehicles.fuel.<slug>.count`, `vehicles.disposal.<method>.count`) or the cost kind
//! (`vehicles.cost.<kind>_yuan`, see [`COST_KINDS`]). [`catalog`] lists every name in report order.
//!
//! A vehicle is on the books when its status is in service or idle; disposed vehicles stay in the
//! ledger for the record but are not counted. Vehicles over quota are counted per institution and
//! category (the vehicles on the books beyond the quota, an institution without a quota row for a
//! category having quota 0) and then summed, so the figure stays additive. The rules themselves (on
//! the books, quota positions, cap breaches, early disposals) live in [`super::checks`], so that
//! figures count exactly what the checks flag.

use crate::figures::{FigureSpec, Sums, sub_name};
use crate::records::handle::kind;
use crate::records::{
    Field, FuelType, Record, VehicleCategory, VehicleDisposalMethod, VehicleStatus,
};
use crate::table::Table;
use crate::vocabulary::FigureContext;
use crate::{Decimal, Language};

use super::checks::{
    cap_breaches, is_early_disposal, is_new_energy, is_on_books, is_purchase, quota_positions,
    vehicles_by_plate,
};
use super::tables::fields;

/// Vehicles on the books (in service or idle).
pub const COUNT: &str = "vehicles.count";
/// Idle vehicles (闲置), part of those on the books.
pub const IDLE: &str = "vehicles.idle";
/// Vehicles on the books of a domestic brand.
pub const DOMESTIC: &str = "vehicles.domestic";
/// The sum of the quotas of every institution and category.
pub const QUOTA: &str = "vehicles.quota";
/// Vehicles on the books beyond their institution's quota, summed over institutions and categories.
pub const OVER_QUOTA: &str = "vehicles.over_quota";
/// Vehicles purchased within the period (new purchases, 购置), whatever their status now;
/// vehicles transferred in are not purchases and count in [`TRANSFERS_IN`] instead.
pub const NEW_COUNT: &str = "vehicles.new.count";
/// Vehicles transferred in (调入, 划转) within the period, whatever their status now.
pub const TRANSFERS_IN: &str = "vehicles.transfers_in";
/// New purchases that are new-energy vehicles (battery electric or plug-in hybrid).
pub const NEW_NEW_ENERGY: &str = "vehicles.new.new_energy";
/// New purchases of a domestic brand.
pub const NEW_DOMESTIC: &str = "vehicles.new.domestic";
/// The purchase price of the new purchases, in yuan excluding tax.
pub const NEW_PRICE_YUAN: &str = "vehicles.new.price_yuan";
/// Vehicles on the books whose price exceeds the cap of their category and drive.
pub const OVER_PRICE_CAP: &str = "vehicles.over_price_cap";
/// Vehicles on the books whose displacement exceeds the cap of their category and drive.
pub const OVER_DISPLACEMENT_CAP: &str = "vehicles.over_displacement_cap";
/// Dispatch orders (trips) in the period.
pub const DISPATCH_ORDERS: &str = "vehicles.dispatch_orders";
/// The distance of the dispatch orders, in km.
pub const DISPATCH_DISTANCE_KM: &str = "vehicles.dispatch_distance_km";
/// The running costs of every kind, in yuan.
pub const COST_YUAN: &str = "vehicles.cost_yuan";
/// The distance driven as the running-cost records give it, in km: the denominator of cost per km.
pub const COST_DISTANCE_KM: &str = "vehicles.cost_distance_km";
/// Disposals in the period.
pub const DISPOSALS: &str = "vehicles.disposals";
/// The income from the disposals, in yuan.
pub const DISPOSAL_INCOME_YUAN: &str = "vehicles.disposal_income_yuan";
/// Disposals of vehicles not yet past the replacement age.
pub const DISPOSALS_EARLY: &str = "vehicles.disposals_early";

/// One kind of running cost: a column of `vehicle_costs` and a row of the costs sheet.
#[derive(Clone, Copy, Debug)]
pub struct CostKind {
    /// The kind's code, the row key of the costs sheet.
    pub slug: &'static str,
    /// The amount field of `vehicle_costs`, `<slug>_yuan`.
    pub field: Field<kind::Amount>,
    /// The Chinese name on forms.
    pub name_zh: &'static str,
    /// The English name in reports.
    pub name_en: &'static str,
}

impl PartialEq for CostKind {
    fn eq(&self, other: &Self) -> bool {
        (self.slug, self.field.name(), self.name_zh, self.name_en)
            == (other.slug, other.field.name(), other.name_zh, other.name_en)
    }
}

impl Eq for CostKind {}

impl CostKind {
    /// The figure of this kind's costs, `vehicles.cost.<slug>_yuan`.
    pub fn figure(self) -> String {
        sub_name("vehicles.cost", self.field.name())
    }
}

/// A kind of running cost from its slug, field and names.
const fn cost_kind(
    slug: &'static str,
    field: Field<kind::Amount>,
    name_zh: &'static str,
    name_en: &'static str,
) -> CostKind {
    CostKind {
        slug,
        field,
        name_zh,
        name_en,
    }
}

/// The kinds of running cost, in form order; their sum is [`COST_YUAN`].
pub const COST_KINDS: [CostKind; 6] = [
    cost_kind("fuel", fields::FUEL_YUAN, "燃油费", "fuel"),
    cost_kind("charging", fields::CHARGING_YUAN, "充电费", "charging"),
    cost_kind("repair", fields::REPAIR_YUAN, "维修费", "repair"),
    cost_kind("insurance", fields::INSURANCE_YUAN, "保险费", "insurance"),
    cost_kind("tolls", fields::TOLLS_YUAN, "通行费", "tolls"),
    cost_kind("parking", fields::PARKING_YUAN, "停车费", "parking"),
];

/// A figure of one category: `vehicles.category.<slug>.<measure>`, where measure is `count`,
/// `quota`, `over_quota` or `new`.
pub fn category_figure(category_slug: &str, measure: &str) -> String {
    format!("vehicles.category.{category_slug}.{measure}")
}

/// The count of vehicles on the books of one fuel type: `vehicles.fuel.<slug>.count`.
pub fn fuel_figure(fuel_slug: &str) -> String {
    format!("vehicles.fuel.{fuel_slug}.count")
}

/// The count of disposals by one method: `vehicles.disposal.<slug>.count`.
pub fn disposal_figure(method_slug: &str) -> String {
    format!("vehicles.disposal.{method_slug}.count")
}

/// Adds the figures of the vehicles ledger's records to `sums`.
pub fn compute(records: &[Record], context: &FigureContext<'_>, sums: &mut Sums) {
    let vehicles = vehicles_by_plate(records);
    for record in records {
        match record.table() {
            Table::Vehicles => add_vehicle(record, context, sums),
            Table::VehicleQuotas => {
                let quota = Decimal::from(record.at(fields::QUOTA));
                sums.add(QUOTA, quota);
                sums.add(
                    &category_figure(record.at(fields::CATEGORY), "quota"),
                    quota,
                );
            }
            Table::DispatchOrders => {
                sums.count(DISPATCH_ORDERS);
                sums.add(
                    DISPATCH_DISTANCE_KM,
                    record.at(fields::DISPATCH_DISTANCE_KM),
                );
            }
            Table::VehicleCosts => {
                for kind in COST_KINDS {
                    let amount = record.at(kind.field);
                    sums.add(&kind.figure(), amount);
                    sums.add(COST_YUAN, amount);
                }
                sums.add(COST_DISTANCE_KM, record.at(fields::COST_DISTANCE_KM));
            }
            Table::VehicleDisposals => {
                sums.count(DISPOSALS);
                sums.count(&disposal_figure(record.at(fields::DISPOSAL_METHOD)));
                sums.add(
                    DISPOSAL_INCOME_YUAN,
                    record.at(fields::DISPOSAL_INCOME_YUAN),
                );
                let early = vehicles
                    .get(record.at(fields::NAMED_PLATE).as_str())
                    .is_some_and(|vehicle| {
                        is_early_disposal(
                            vehicle.at(fields::ACQUISITION_DATE),
                            record.at(fields::DISPOSAL_DATE),
                        )
                    });
                if early {
                    sums.count(DISPOSALS_EARLY);
                }
            }
            _ => {}
        }
    }
    for position in quota_positions(records).values() {
        let over = position.over_quota();
        if over > 0 {
            sums.add(OVER_QUOTA, Decimal::from(over));
            sums.add(
                &category_figure(position.category, "over_quota"),
                Decimal::from(over),
            );
        }
    }
}

/// Adds one vehicle: its counts when it is on the books, its purchase when acquired in the period.
fn add_vehicle(vehicle: &Record, context: &FigureContext<'_>, sums: &mut Sums) {
    let category = vehicle.at(fields::CATEGORY);
    let domestic = vehicle.at(fields::DOMESTIC_BRAND);
    if is_on_books(vehicle) {
        sums.count(COUNT);
        sums.count(&category_figure(category, "count"));
        sums.count(&fuel_figure(vehicle.at(fields::FUEL_TYPE)));
        if vehicle.at(fields::STATUS) == VehicleStatus::Idle.slug() {
            sums.count(IDLE);
        }
        if domestic {
            sums.count(DOMESTIC);
        }
        let breaches = cap_breaches(vehicle);
        if breaches.price.is_some() {
            sums.count(OVER_PRICE_CAP);
        }
        if breaches.displacement.is_some() {
            sums.count(OVER_DISPLACEMENT_CAP);
        }
    }
    let acquired_in_period = context
        .period
        .contains(vehicle.at(fields::ACQUISITION_DATE).month());
    if acquired_in_period && !is_purchase(vehicle) {
        sums.count(TRANSFERS_IN);
    }
    if acquired_in_period && is_purchase(vehicle) {
        sums.count(NEW_COUNT);
        sums.count(&category_figure(category, "new"));
        sums.add(NEW_PRICE_YUAN, vehicle.at(fields::PRICE_YUAN));
        if is_new_energy(vehicle) {
            sums.count(NEW_NEW_ENERGY);
        }
        if domestic {
            sums.count(NEW_DOMESTIC);
        }
    }
}

/// The figures of one measure for every category, in list order, labelled by `label` in a
/// language given the category's name in it.
fn per_category(measure: &str, label: impl Fn(Language, &str) -> String) -> Vec<FigureSpec> {
    VehicleCategory::ALL
        .iter()
        .map(|category| {
            FigureSpec::labelled(
                category_figure(category.slug(), measure),
                "count",
                |language| label(language, category.name_in(language)),
            )
        })
        .collect()
}

/// The figures of the vehicles ledger in report order, with labels and units; every name
/// [`compute`] can produce, breakdowns expanded over every slug.
pub fn catalog() -> Vec<FigureSpec> {
    let mut specs = vec![FigureSpec::labelled(COUNT, "count", |language| {
        rust_i18n::t!(
            "schemas.figure.label.vehicles.count",
            locale = language.code()
        )
    })];
    specs.extend(per_category("count", |language, category| {
        rust_i18n::t!(
            "schemas.figure.label.vehicles.category_count",
            locale = language.code(),
            category = category
        )
        .into_owned()
    }));
    specs.extend(FuelType::ALL.iter().map(|fuel| {
        FigureSpec::labelled(fuel_figure(fuel.slug()), "count", |language| {
            rust_i18n::t!(
                "schemas.figure.label.vehicles.fuel_count",
                locale = language.code(),
                fuel = fuel.name_in(language)
            )
        })
    }));
    specs.extend([
        FigureSpec::labelled(IDLE, "count", |language| {
            rust_i18n::t!(
                "schemas.figure.label.vehicles.idle",
                locale = language.code()
            )
        }),
        FigureSpec::labelled(DOMESTIC, "count", |language| {
            rust_i18n::t!(
                "schemas.figure.label.vehicles.domestic",
                locale = language.code()
            )
        }),
        FigureSpec::labelled(QUOTA, "count", |language| {
            rust_i18n::t!(
                "schemas.figure.label.vehicles.quota",
                locale = language.code()
            )
        }),
    ]);
    specs.extend(per_category("quota", |language, category| {
        rust_i18n::t!(
            "schemas.figure.label.vehicles.category_quota",
            locale = language.code(),
            category = category
        )
        .into_owned()
    }));
    specs.push(FigureSpec::labelled(OVER_QUOTA, "count", |language| {
        rust_i18n::t!(
            "schemas.figure.label.vehicles.over_quota",
            locale = language.code()
        )
    }));
    specs.extend(per_category("over_quota", |language, category| {
        rust_i18n::t!(
            "schemas.figure.label.vehicles.category_over_quota",
            locale = language.code(),
            category = category
        )
        .into_owned()
    }));
    specs.extend([
        FigureSpec::labelled(NEW_COUNT, "count", |language| {
            rust_i18n::t!(
                "schemas.figure.label.vehicles.new_count",
                locale = language.code()
            )
        }),
        FigureSpec::labelled(NEW_NEW_ENERGY, "count", |language| {
            rust_i18n::t!(
                "schemas.figure.label.vehicles.new_new_energy",
                locale = language.code()
            )
        }),
        FigureSpec::labelled(NEW_DOMESTIC, "count", |language| {
            rust_i18n::t!(
                "schemas.figure.label.vehicles.new_domestic",
                locale = language.code()
            )
        }),
        FigureSpec::labelled(NEW_PRICE_YUAN, "yuan", |language| {
            rust_i18n::t!(
                "schemas.figure.label.vehicles.new_price_yuan",
                locale = language.code()
            )
        }),
        FigureSpec::labelled(TRANSFERS_IN, "count", |language| {
            rust_i18n::t!(
                "schemas.figure.label.vehicles.transfers_in",
                locale = language.code()
            )
        }),
    ]);
    specs.extend(per_category("new", |language, category| {
        rust_i18n::t!(
            "schemas.figure.label.vehicles.category_new",
            locale = language.code(),
            category = category
        )
        .into_owned()
    }));
    specs.extend([
        FigureSpec::labelled(OVER_PRICE_CAP, "count", |language| {
            rust_i18n::t!(
                "schemas.figure.label.vehicles.over_price_cap",
                locale = language.code()
            )
        }),
        FigureSpec::labelled(OVER_DISPLACEMENT_CAP, "count", |language| {
            rust_i18n::t!(
                "schemas.figure.label.vehicles.over_displacement_cap",
                locale = language.code()
            )
        }),
        FigureSpec::labelled(DISPATCH_ORDERS, "count", |language| {
            rust_i18n::t!(
                "schemas.figure.label.vehicles.dispatch_orders",
                locale = language.code()
            )
        }),
        FigureSpec::labelled(DISPATCH_DISTANCE_KM, "km", |language| {
            rust_i18n::t!(
                "schemas.figure.label.vehicles.dispatch_distance_km",
                locale = language.code()
            )
        }),
    ]);
    specs.extend(COST_KINDS.iter().map(|kind| {
        FigureSpec::labelled(kind.figure(), "yuan", |language| {
            let name = match language {
                Language::Chinese => kind.name_zh,
                Language::English => kind.name_en,
            };
            rust_i18n::t!(
                "schemas.figure.label.vehicles.cost_kind",
                locale = language.code(),
                kind = name
            )
        })
    }));
    specs.extend([
        FigureSpec::labelled(COST_YUAN, "yuan", |language| {
            rust_i18n::t!(
                "schemas.figure.label.vehicles.cost_yuan",
                locale = language.code()
            )
        }),
        FigureSpec::labelled(COST_DISTANCE_KM, "km", |language| {
            rust_i18n::t!(
                "schemas.figure.label.vehicles.cost_distance_km",
                locale = language.code()
            )
        }),
        FigureSpec::labelled(DISPOSALS, "count", |language| {
            rust_i18n::t!(
                "schemas.figure.label.vehicles.disposals",
                locale = language.code()
            )
        }),
    ]);
    specs.extend(VehicleDisposalMethod::ALL.iter().map(|method| {
        FigureSpec::labelled(disposal_figure(method.slug()), "count", |language| {
            rust_i18n::t!(
                "schemas.figure.label.vehicles.disposal_count",
                locale = language.code(),
                method = method.name_in(language)
            )
        })
    }));
    specs.extend([
        FigureSpec::labelled(DISPOSAL_INCOME_YUAN, "yuan", |language| {
            rust_i18n::t!(
                "schemas.figure.label.vehicles.disposal_income_yuan",
                locale = language.code()
            )
        }),
        FigureSpec::labelled(DISPOSALS_EARLY, "count", |language| {
            rust_i18n::t!(
                "schemas.figure.label.vehicles.disposals_early",
                locale = language.code()
            )
        }),
    ]);
    specs
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coefficients;
    use crate::period::Period;
    use crate::records::CreditCode;

    /// The fields of a vehicle record, in the order the tests give their texts.
    const VEHICLE: &str = "plate vin institution_credit_code category fuel_type domestic_brand \
                           displacement_l price_yuan acquisition_date status";

    /// A record from its field names, separated by white space, and their texts.
    fn record(table: Table, fields: &str, texts: &[&str]) -> Record {
        let pairs: Vec<(&str, &str)> = fields
            .split_whitespace()
            .zip(texts.iter().copied())
            .collect();
        Record::from_texts(table.spec(), &pairs).unwrap()
    }

    /// A dataset that yields every figure: every category and fuel type on the books and bought in
    /// the period, an idle vehicle, quotas exceeded, caps breached, every cost kind and every
    /// disposal method, each disposal early.
    fn rich_records() -> Vec<Record> {
        let code = CreditCode::with_check_digit("12640000MB000000N").unwrap();
        let code = code.as_str();
        let mut records = Vec::new();
        let mut serial = 0;
        for category in VehicleCategory::ALL.iter().map(|category| category.slug()) {
            for fuel in FuelType::ALL {
                serial += 1;
                let plate = format!("宁A{serial:05}");
                let vin = format!("LSVAA4180E2{serial:06}");
                let displacement = if *fuel == FuelType::Bev { "0" } else { "2.5" };
                let status = if serial % 4 == 0 {
                    "idle"
                } else {
                    "in_service"
                };
                let texts = [
                    &plate,
                    &vin,
                    code,
                    category,
                    fuel.slug(),
                    "是",
                    displacement,
                ];
                let texts = [&texts[..], &["300000", "2025-04-01", status]].concat();
                records.push(record(Table::Vehicles, VEHICLE, &texts));
                records.push(record(
                    Table::VehicleCosts,
                    "plate month fuel_yuan charging_yuan repair_yuan insurance_yuan tolls_yuan \
                     parking_yuan distance_km odometer_km",
                    &[&plate, "2025-05", "1", "2", "3", "4", "5", "6", "7", "7"],
                ));
            }
            let quota = [code, category, "1"];
            records.push(record(
                Table::VehicleQuotas,
                "institution_credit_code category quota",
                &quota,
            ));
        }
        for (index, method) in VehicleDisposalMethod::ALL.iter().enumerate() {
            let plate = format!("宁B{index:05}");
            let vehicle = [
                &plate,
                "LSVAA4180E2999999",
                code,
                "other",
                "ice",
                "否",
                "1.5",
                "100000",
            ];
            let vehicle = [&vehicle[..], &["2020-01-01", "disposed"]].concat();
            records.push(record(Table::Vehicles, VEHICLE, &vehicle));
            let disposal = [plate.as_str(), method.slug(), "2025-06-30", "1000"];
            records.push(record(
                Table::VehicleDisposals,
                "plate method date income_yuan",
                &disposal,
            ));
        }
        // A vehicle transferred in within the period: not a purchase.
        records.push(record(
            Table::Vehicles,
            &format!("{VEHICLE} acquisition_kind"),
            &[
                "宁C00001",
                "LSVAA4180E2888888",
                code,
                "other",
                "ice",
                "是",
                "1.5",
                "100000",
                "2025-03-01",
                "in_service",
                "调入",
            ],
        ));
        records.push(record(
            Table::DispatchOrders,
            "order_id plate start end purpose distance_km",
            &[
                "D-1",
                "宁A00001",
                "2025-05-01 08:00",
                "2025-05-01 09:00",
                "会议",
                "12.5",
            ],
        ));
        records
    }

    #[test]
    fn every_name_computed_is_in_the_catalog_and_the_catalog_is_well_formed() {
        let figures = crate::compute(
            crate::ledger::Ledger::Vehicles,
            Period::Year(2025),
            &rich_records(),
            coefficients::current(),
        )
        .unwrap();
        let catalog = catalog();
        let names: Vec<&str> = catalog.iter().map(|spec| spec.name.as_str()).collect();
        for (name, _) in figures.iter() {
            assert!(names.contains(&name), "{name} is not in the catalog");
        }
        // The rich dataset yields every figure of the catalog.
        for name in &names {
            assert!(!figures.get(name).is_zero(), "{name} is not computed");
        }
        let mut check = crate::figures::Figures::new();
        for spec in &catalog {
            assert!(spec.name.starts_with("vehicles."), "{}", spec.name);
            assert!(!spec.label_zh.is_empty() && !spec.label_en.is_empty());
            check.set(&spec.name, Decimal::ONE).unwrap();
        }
        assert_eq!(check.len(), catalog.len(), "catalog names are unique");
    }
}
