//! The vehicles ledger of a node's organs: the fleet, quotas per institution and category,
//! dispatch orders, monthly running costs and disposals.
//!
//! The fleet is drawn first: vehicles bought from 2010 on, mostly sedans, with a few SUVs, medium
//! buses for emergencies and trucks for technical work, each within the caps of its category and
//! body type; those past the replacement age disposed of and replaced this year, at least 30 % of
//! the year's purchases new energy (but at one planted node); a few vehicles transferred in this
//! year (调入), which are not purchases. Dispatch orders are then spread over the months each vehicle is on
//! the books; each month's distance in the running costs is the orders' plus trips without one
//! (patrols, for law enforcement), and the odometer adds it up.

use std::collections::BTreeMap;

use schemas::Table;
use schemas::records::{AcquisitionKind, BodyType, FuelType, VehicleCategory};
use schemas::standards::vehicle_caps;

use super::{Institution, Node, Random, Tables, YEAR, amount, optional, to_f64, when};

/// Days of each month of [`YEAR`].
const DAYS_IN_MONTH: [u64; 12] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/// Deliberate warning: an emergency sedan over the price and displacement caps (a medium bus of
/// that price would be within its own caps, and one is added beside it).
const PLANTED_OVER_PRICE_CAP: &str = "640000000000";
/// Deliberate warning: a county whose purchases this year are below 30 % new energy.
const PLANTED_LOW_NEW_ENERGY_SHARE: &str = "640381000000";
/// Nodes receiving vehicles transferred in this year (划转 from reformed bodies), and how many.
const TRANSFERS_IN: [(&str, usize); 3] = [
    ("640000000000", 3),
    ("640100000000", 2),
    ("640522000000", 1),
];
/// Deliberate warning: an institution keeping one vehicle more than its quota.
const PLANTED_OVER_QUOTA: &str = "640400000000";
/// Deliberate warning: a vehicle scrapped after an accident at four years old.
const PLANTED_EARLY_DISPOSAL: &str = "640324000000";

/// Trip purposes by vehicle category, in the order of [`VehicleCategory::ALL`].
const PURPOSES: [&str; 5] = [
    "机要文件交换 机要通信保障",
    "应急值守 防汛抗旱 森林防火巡查 安全生产检查",
    "执法检查 巡逻执勤 案件调查 交通执法 市场监管执法",
    "环境监测采样 测绘作业 质量检测 设备巡检",
    "会议保障 下乡调研 督查检查 乡村振兴驻村工作 公务接待",
];

/// One vehicle of the node's organs.
struct Vehicle {
    owner: usize,
    category: VehicleCategory,
    body: BodyType,
    acquisition: AcquisitionKind,
    fuel: FuelType,
    /// Year, month and day of acquisition.
    acquired: (u64, u64, u64),
    status: &'static str,
    disposal_month: u64,
    price_yuan: f64,
    displacement_l: f64,
}

impl Vehicle {
    /// A vehicle bought in `year`, priced and sized within the caps of its category and body.
    fn new(random: &mut Random, owner: usize, category: VehicleCategory, year: u64) -> Self {
        let special = category == VehicleCategory::SpecialTechnical;
        let fuel = match (year, random.between(0, 99)) {
            (2025, roll) if roll < 50 => FuelType::Bev,
            (2025, roll) if roll < 70 => FuelType::Phev,
            (2020.., roll) if roll < 30 && !special => FuelType::Bev,
            (2020.., roll) if roll < 40 => FuelType::Phev,
            (2016.., roll) if roll < 8 => FuelType::Bev,
            _ => FuelType::Ice,
        };
        let caps = vehicle_caps().category(category);
        let price_cap = match fuel.is_new_energy() && caps.new_energy_cap_applies {
            true => Some(vehicle_caps().new_energy_price_yuan_max()),
            false => caps.base.price_yuan_max,
        };
        let price_yuan = match price_cap {
            Some(cap) => to_f64(cap) * random.uniform(0.55, 0.97),
            None => random.uniform(150_000.0, 380_000.0),
        };
        let displacement_l = match (fuel, caps.base.displacement_l_max.map(to_f64)) {
            (FuelType::Bev, _) => 0.0,
            (FuelType::Phev, _) => 1.5,
            (_, Some(cap)) if cap >= 1.8 => *random.pick(&[1.5, 1.6, 1.8]),
            (_, Some(_)) => *random.pick(&[1.4, 1.5, 1.6]),
            (_, None) => *random.pick(&[2.0, 2.4, 2.5, 3.0]),
        };
        let acquired = (year, random.between(1, 12), random.between(1, 28));
        let (status, disposal_month, price_yuan) = ("in_service", 0, price_yuan.floor());
        // Mostly sedans, whose caps the category's are; the others within their own or none.
        let body_roll = random.between(0, 99);
        let (body, price_yuan, displacement_l) = match category {
            VehicleCategory::Emergency if body_roll < 12 && fuel == FuelType::Ice => (
                BodyType::MediumBus,
                (price_yuan * 1.3).floor(),
                *random.pick(&[2.4, 2.8]),
            ),
            VehicleCategory::Other if body_roll < 10 => (BodyType::Suv, price_yuan, displacement_l),
            VehicleCategory::SpecialTechnical if body_roll < 30 => {
                (BodyType::Other, price_yuan, displacement_l)
            }
            _ => (BodyType::Sedan, price_yuan, displacement_l),
        };
        Self {
            owner,
            category,
            body,
            acquisition: AcquisitionKind::Purchase,
            fuel,
            acquired,
            status,
            disposal_month,
            price_yuan,
            displacement_l,
        }
    }

    /// The months of [`YEAR`] the vehicle is on the books: from the month after a purchase this year
    /// to the month before its disposal.
    fn months(&self) -> std::ops::RangeInclusive<u64> {
        let first = if self.acquired.0 == YEAR {
            self.acquired.1 + 1
        } else {
            1
        };
        let last = if self.status == "disposed" {
            self.disposal_month - 1
        } else {
            12
        };
        first..=last
    }

    /// How many dispatch orders it has, relative to the others: none unless in service.
    fn trips_weight(&self) -> u64 {
        let per_month = match self.category {
            VehicleCategory::LawEnforcement => 13,
            VehicleCategory::Other => 12,
            VehicleCategory::ConfidentialCommunications => 10,
            _ => 7,
        };
        u64::from(self.status == "in_service") * per_month * self.months().count() as u64
    }
}

/// The organs' fleet: vehicles bought from 2010 on; those past the replacement age are disposed of
/// and replaced by purchases this year; a few are idle.
fn fleet(node: &mut Node) -> Vec<Vehicle> {
    let (over_price_cap, early) = (
        node.is(PLANTED_OVER_PRICE_CAP),
        node.is(PLANTED_EARLY_DISPOSAL),
    );
    let low_share = node.is(PLANTED_LOW_NEW_ENERGY_SHARE);
    let transfers = TRANSFERS_IN.iter().find(|(code, _)| node.is(code));
    let random = &mut node.random;
    // The organs come first among the institutions, offices first, then enforcement (see `ORGANS`
    // in main.rs).
    let organs = node.scale.organs as u64;
    let mut fleet: Vec<Vehicle> = Vec::new();
    for _ in 0..(node.scale.vehicles * random.uniform(0.85, 1.15)) as usize {
        let category = VehicleCategory::ALL[random.weighted(&[8, 15, 40, 12, 25])];
        let (first, last) = match category {
            VehicleCategory::ConfidentialCommunications => (0, 4),
            VehicleCategory::Other => (0, organs - 1),
            _ => (5, organs.min(15) - 1),
        };
        let (owner, year) = (random.between(first, last), random.between(2010, 2024));
        fleet.push(Vehicle::new(random, owner as usize, category, year));
    }
    if over_price_cap {
        // An emergency sedan at a medium bus's price: over the sedan caps of its category.
        let sedan = &mut fleet[0];
        (sedan.category, sedan.body, sedan.fuel, sedan.acquired) = (
            VehicleCategory::Emergency,
            BodyType::Sedan,
            FuelType::Ice,
            (2019, 5, 20),
        );
        (sedan.price_yuan, sedan.displacement_l) = (236_000.0, 2.0);
        // Beside it, the same price as a medium bus: within the bus caps, not flagged.
        let bus = &mut fleet[2];
        (bus.category, bus.body, bus.fuel, bus.acquired) = (
            VehicleCategory::Emergency,
            BodyType::MediumBus,
            FuelType::Ice,
            (2020, 7, 8),
        );
        (bus.price_yuan, bus.displacement_l) = (236_000.0, 2.8);
    }
    if early {
        let wreck = &mut fleet[1];
        (wreck.acquired, wreck.status, wreck.disposal_month) = ((2021, 4, 16), "disposed", 6);
    }
    let replaceable = YEAR - u64::from(vehicle_caps().replacement_years_min()) - 1;
    let disposals = (fleet.len() as f64 * random.uniform(0.03, 0.08)).round() as usize;
    let mut disposals = disposals.max(1);
    for index in 0..fleet.len() {
        let vehicle = &mut fleet[index];
        if disposals > 0 && vehicle.acquired.0 <= replaceable && vehicle.fuel == FuelType::Ice {
            disposals -= 1;
            let month = random.between(3, 10);
            (vehicle.status, vehicle.disposal_month) = ("disposed", month);
            let mut replacement = Vehicle::new(random, vehicle.owner, vehicle.category, YEAR);
            replacement.acquired.1 = random.between(month, 10);
            fleet.push(replacement);
        } else if vehicle.status == "in_service" && random.percent(4) {
            vehicle.status = "idle";
        }
    }
    assert_eq!(
        disposals, 0,
        "{}: too few vehicles past the replacement age",
        node.code6
    );
    // The year's purchases are at least 30 % new energy (the central notice of October 2024), but
    // at the planted node, whose replacements all burn fuel.
    let purchases: Vec<usize> = (0..fleet.len())
        .filter(|&index| fleet[index].acquired.0 == YEAR)
        .collect();
    for &index in &purchases {
        let new_energy = purchases
            .iter()
            .filter(|&&index| fleet[index].fuel.is_new_energy())
            .count();
        let vehicle = &mut fleet[index];
        let below = new_energy * 100 < 30 * purchases.len();
        if low_share && vehicle.fuel.is_new_energy() {
            (vehicle.fuel, vehicle.displacement_l) = (FuelType::Ice, 1.5);
        } else if !low_share && below && !vehicle.fuel.is_new_energy() {
            (vehicle.fuel, vehicle.displacement_l, vehicle.body) =
                (FuelType::Bev, 0.0, BodyType::Sedan);
        } else {
            continue;
        }
        // Priced again within the caps of its new drive.
        let cap = vehicle_caps().cap(
            vehicle.category.slug(),
            vehicle.body.slug(),
            vehicle.fuel.is_new_energy(),
        );
        if let Some(cap) = cap.and_then(|cap| cap.price_yuan_max) {
            vehicle.price_yuan = vehicle.price_yuan.min((to_f64(cap) * 0.95).floor());
        }
    }
    // Vehicles transferred in this year from reformed bodies: older sedans, not purchases.
    for _ in 0..transfers.map_or(0, |(_, count)| *count) {
        let owner = random.between(5, organs.min(15) - 1) as usize;
        let year = random.between(2017, 2022);
        let mut vehicle = Vehicle::new(random, owner, VehicleCategory::LawEnforcement, year);
        vehicle.acquired = (YEAR, random.between(2, 9), random.between(1, 28));
        (vehicle.body, vehicle.acquisition) = (BodyType::Sedan, AcquisitionKind::TransferIn);
        fleet.push(vehicle);
    }
    fleet
}

/// The vehicles ledger of the node's organs.
pub(super) fn generate(node: &mut Node, institutions: &[Institution], tables: &mut Tables) {
    let fleet = fleet(node);
    let mut over_quota = node.is(PLANTED_OVER_QUOTA);
    let (code6, (city, letter)) = (node.code6, node.plate_letters);
    let random = &mut node.random;
    let mut plates = Vec::with_capacity(fleet.len());
    for (index, vehicle) in fleet.iter().enumerate() {
        const VIN_CHARACTERS: &[u8] = b"ABCDEFGHJKLMNPRSTUVWXYZ0123456789";
        let new_energy = ["", "D"][usize::from(vehicle.fuel.is_new_energy())];
        let plate = format!("宁{city}{new_energy}{letter}{index:04}");
        let mut vin = random.word("LFV LSG LGW LVS LBV LC0 LDC").to_owned();
        while vin.len() < 17 {
            vin.push(*random.pick(VIN_CHARACTERS) as char);
        }
        let (code, (year, month, day)) =
            (&institutions[vehicle.owner].credit_code, vehicle.acquired);
        let (category, fuel, status) = (vehicle.category, vehicle.fuel.slug(), vehicle.status);
        let (body, acquisition) = (vehicle.body.slug(), vehicle.acquisition.slug());
        let displacement = amount(vehicle.displacement_l, 1);
        let price = amount(vehicle.price_yuan, 0);
        let line = format!(
            "{plate},{vin},{code},{category},{body},{fuel},true,{displacement},{price},\
             {year}-{month:02}-{day:02},{acquisition},{status}"
        );
        tables.row(Table::Vehicles, line);
        plates.push(plate);
    }

    // Quotas cover every vehicle of an institution and category, disposed ones included.
    let mut held: BTreeMap<(usize, VehicleCategory), (u64, u64)> = BTreeMap::new();
    for vehicle in &fleet {
        let (all, disposed) = held.entry((vehicle.owner, vehicle.category)).or_default();
        *all += 1;
        *disposed += u64::from(vehicle.status == "disposed");
    }
    for ((owner, category), (all, disposed)) in held {
        let mut quota = all + u64::from(random.percent(30));
        if over_quota && all >= 2 && disposed == 0 {
            (over_quota, quota) = (false, all - 1);
        }
        let code = &institutions[owner].credit_code;
        tables.row(Table::VehicleQuotas, format!("{code},{category},{quota}"));
    }
    assert!(!over_quota, "{code6}: no place for the planted excess");
    for (vehicle, plate) in fleet
        .iter()
        .zip(&plates)
        .filter(|(vehicle, _)| vehicle.status == "disposed")
    {
        let method = ["auction", "scrap", "buy_back"][random.weighted(&[55, 40, 5])];
        let (low, high) = match method {
            "auction" => (6_000.0, 28_000.0),
            "scrap" => (600.0, 2_500.0),
            _ => (15_000.0, 40_000.0),
        };
        let (month, day) = (vehicle.disposal_month, random.between(1, 28));
        let income = amount(random.uniform(low, high), 0);
        let line = format!("{plate},{method},{YEAR}-{month:02}-{day:02},{income}");
        tables.row(Table::VehicleDisposals, line);
    }

    // Dispatch orders of the vehicles in service, about 20 a vehicle and year, spread by use.
    // Distances are in tenths of a km, so that the months' sums are exact.
    let weights: u64 = fleet.iter().map(Vehicle::trips_weight).sum();
    let orders_per_weight = fleet.len() as f64 * random.uniform(17.0, 23.0) / weights as f64;
    let mut orders: Vec<(String, String, usize, &str, u64)> = Vec::new();
    let mut ordered_tenths = vec![[0u64; 13]; fleet.len()];
    for (index, vehicle) in fleet.iter().enumerate() {
        let months: Vec<u64> = vehicle.months().collect();
        let trips = (orders_per_weight * vehicle.trips_weight() as f64).round() as u64;
        for _ in 0..trips {
            let (month, overnight) = (*random.pick(&months), random.percent(3));
            let last_day = DAYS_IN_MONTH[month as usize - 1] - 2 * u64::from(overnight);
            let (day, hour) = (random.between(1, last_day), random.between(7, 16));
            let minute = random.between(0, 59);
            let hours = random.between(1, 6) + 24 * u64::from(overnight);
            let end = hour + hours + u64::from(minute >= 30);
            let (end_day, end_hour, end_minute) = (day + end / 24, end % 24, (minute + 30) % 60);
            let start = format!("{YEAR}-{month:02}-{day:02} {hour:02}:{minute:02}");
            let end = format!("{YEAR}-{month:02}-{end_day:02} {end_hour:02}:{end_minute:02}");
            let distance = hours.min(10) * random.between(80, 350) + random.between(0, 9);
            ordered_tenths[index][month as usize] += distance;
            let purpose = random.word(PURPOSES[vehicle.category as usize]);
            orders.push((start, end, index, purpose, distance));
        }
    }
    orders.sort();
    for (number, (start, end, index, purpose, distance)) in orders.into_iter().enumerate() {
        let (number, plate, distance) = (number + 1, &plates[index], distance as f64 / 10.0);
        let line =
            format!("P{code6}-{YEAR}-{number:05},{plate},{start},{end},{purpose},{distance}");
        tables.row(Table::DispatchOrders, line);
    }

    // Monthly costs of every vehicle on the books; the odometer adds each month's distance, which
    // is the dispatch orders' and, for law enforcement, patrols logged on duty sheets instead.
    for (index, vehicle) in fleet.iter().enumerate() {
        let in_service = vehicle.status == "in_service";
        let patrols = vehicle.category == VehicleCategory::LawEnforcement;
        let age = YEAR - vehicle.acquired.0;
        let mut odometer = age * random.between(50_000, 120_000) + random.between(100, 900);
        let insurance_month = vehicle.acquired.1 + u64::from(vehicle.acquired.0 == YEAR);
        for month in vehicle.months() {
            let unordered =
                random.between(200, 900) + u64::from(patrols) * random.between(2_000, 6_000);
            let unordered = u64::from(in_service) * unordered;
            let distance = ordered_tenths[index][month as usize] + unordered;
            odometer += distance;
            let km = distance as f64 / 10.0;
            let (fuel, charging) = match vehicle.fuel {
                FuelType::Ice => (km * random.uniform(0.55, 0.75), 0.0),
                FuelType::Phev => (km * random.uniform(0.2, 0.3), km * 0.07),
                FuelType::Bev => (0.0, km * random.uniform(0.08, 0.14)),
            };
            let costs = [
                fuel,
                charging,
                random.maybe(15, 150.0, 2_500.0),
                when(month == insurance_month, random.uniform(2_200.0, 4_800.0)),
                when(in_service, random.maybe(20, 20.0, 300.0)),
                random.maybe(30, 10.0, 200.0),
            ];
            let costs = costs.map(|cost| optional(cost, 2)).join(",");
            let (plate, odometer) = (&plates[index], odometer as f64 / 10.0);
            let line = format!("{plate},{YEAR}-{month:02},{costs},{km},{odometer}");
            tables.row(Table::VehicleCosts, line);
        }
    }
}
