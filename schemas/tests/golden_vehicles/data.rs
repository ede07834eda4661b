//! The hand-written datasets of the vehicles golden tests and the figures computed from them by
//! hand: the region's own level and two of its cities, their consolidated total, and a clean
//! dataset of Yinchuan with its previous year's running costs.
//!
//! Records are written one to a line as texts separated by white space, in the field order each
//! builder's doc gives; the comments beside the datasets and tables show the hand computation.

use schemas::{CreditCode, Record, Table};

/// 宁夏回族自治区, the node whose return is built.
pub const REGION: &str = "640000000000";
/// 银川市, the first child.
pub const YINCHUAN: &str = "640100000000";
/// 石嘴山市, the second child.
pub const SHIZUISHAN: &str = "640200000000";

/// The credit code of a test institution named by one letter: A and B of the region's own level,
/// C of Yinchuan, D of Shizuishan.
pub fn institution(letter: &str) -> String {
    let first17 = match letter {
        "A" => "12640000MB000000N",
        "B" => "12640000MB0000011",
        "C" => "12640100MB000000N",
        "D" => "12640200MB000000N",
        other => panic!("no test institution {other}"),
    };
    CreditCode::with_check_digit(first17)
        .unwrap()
        .as_str()
        .to_owned()
}

/// The fields of a row written as texts separated by white space.
fn fields<const N: usize>(row: &str) -> [&str; N] {
    let texts: Vec<&str> = row.split_whitespace().collect();
    texts
        .try_into()
        .unwrap_or_else(|texts| panic!("{row:?} has not {N} fields: {texts:?}"))
}

/// A vehicle from "plate institution category fuel domestic displacement_l price_yuan
/// acquisition_date status"; the VIN is made from the plate's last five digits.
pub fn vehicle(row: &str) -> Record {
    vehicle_with(row, &[])
}

/// A vehicle as [`vehicle`] gives it, with more fields: its body type or acquisition kind.
pub fn vehicle_with(row: &str, more: &[(&str, &str)]) -> Record {
    let [
        plate,
        letter,
        category,
        fuel,
        domestic,
        displacement,
        price,
        acquired,
        status,
    ] = fields(row);
    let digits: String = plate.chars().skip(plate.chars().count() - 5).collect();
    let vin = format!("LSVAA4180E21{digits}");
    let texts = [
        ("plate", plate),
        ("vin", &vin),
        ("institution_credit_code", &institution(letter)),
        ("category", category),
        ("fuel_type", fuel),
        ("domestic_brand", domestic),
        ("displacement_l", displacement),
        ("price_yuan", price),
        ("acquisition_date", acquired),
        ("status", status),
    ];
    let texts = [&texts[..], more].concat();
    Record::from_texts(Table::Vehicles.spec(), &texts).unwrap()
}

/// A quota from "institution category quota".
pub fn quota(row: &str) -> Record {
    let [letter, category, quota] = fields(row);
    let code = institution(letter);
    let texts = [
        ("institution_credit_code", code.as_str()),
        ("category", category),
        ("quota", quota),
    ];
    Record::from_texts(Table::VehicleQuotas.spec(), &texts).unwrap()
}

/// A dispatch order from "order_id plate start_date start_time end_date end_time distance_km".
pub fn order(row: &str) -> Record {
    let [
        id,
        plate,
        start_date,
        start_time,
        end_date,
        end_time,
        distance_km,
    ] = fields(row);
    let texts = [
        ("order_id", id),
        ("plate", plate),
        ("start", &format!("{start_date} {start_time}")),
        ("end", &format!("{end_date} {end_time}")),
        ("purpose", "公务出行"),
        ("distance_km", distance_km),
    ];
    Record::from_texts(Table::DispatchOrders.spec(), &texts).unwrap()
}

/// Running costs of one month from "plate month distance_km odometer_km" followed by the costs
/// given as `kind=yuan` (fuel, charging, repair, insurance, tolls, parking; the others are 0).
pub fn cost(row: &str) -> Record {
    let mut parts = row.split_whitespace();
    let mut texts: Vec<(String, &str)> = ["plate", "month", "distance_km", "odometer_km"]
        .iter()
        .map(|field| (field.to_string(), parts.next().unwrap()))
        .collect();
    for part in parts {
        let (kind, yuan) = part.split_once('=').unwrap();
        texts.push((format!("{kind}_yuan"), yuan));
    }
    let texts: Vec<(&str, &str)> = texts
        .iter()
        .map(|(field, text)| (field.as_str(), *text))
        .collect();
    Record::from_texts(Table::VehicleCosts.spec(), &texts).unwrap()
}

/// A disposal from "plate method date income_yuan", the income optional.
pub fn disposal(row: &str) -> Record {
    let mut texts: Vec<(&str, &str)> = ["plate", "method", "date", "income_yuan"]
        .into_iter()
        .zip(row.split_whitespace())
        .collect();
    texts.truncate(4);
    Record::from_texts(Table::VehicleDisposals.spec(), &texts).unwrap()
}

/// The region's own level: institutions A and B.
pub fn region_records() -> Vec<Record> {
    vec![
        // New in 2025, within the law-enforcement allowance of 180,000 yuan and 1.8 L.
        vehicle("宁A10001 A law_enforcement ice 是 1.5 150000 2025-03-10 in_service"),
        // New in 2025, new energy: over the new-energy price cap of 180,000 yuan.
        vehicle("宁AD10002 A law_enforcement bev 是 0 200000 2025-06-01 in_service"),
        // Idle, over the confidential-communications displacement cap of 1.6 L.
        vehicle("宁A10003 A confidential_communications ice 否 2.0 110000 2018-05-01 idle"),
        // Disposed of in 2025 after more than 8 years: not on the books.
        vehicle("宁A10004 B emergency phev 是 1.5 170000 2016-01-15 disposed"),
        // Exactly at the caps of 180,000 yuan and 1.8 L, which are inclusive; no quota row.
        vehicle("宁A10005 B other ice 否 1.8 180000 2020-07-01 in_service"),
        quota("A law_enforcement 1"),
        quota("A confidential_communications 2"),
        quota("B emergency 1"),
        order("NX-0001 宁A10001 2025-03-12 08:00 2025-03-12 12:00 35.5"),
        order("NX-0002 宁AD10002 2025-07-01 09:30 2025-07-01 11:00 20.25"),
        cost("宁A10001 2025-03 800 800 fuel=300 insurance=1200"),
        cost("宁A10001 2025-04 600 1400 fuel=250.5 tolls=30 parking=15"),
        cost("宁AD10002 2025-06 500 500 charging=80.4"),
        cost("宁A10003 2025-01 100 80100 fuel=100"),
        disposal("宁A10004 auction 2025-02-20 15000"),
    ]
}

/// Yinchuan: institution C.
pub fn yinchuan_records() -> Vec<Record> {
    vec![
        vehicle("宁A20001 C other ice 是 1.6 160000 2019-04-01 in_service"),
        // New in 2025, a plug-in hybrid within the new-energy cap.
        vehicle("宁AF20002 C other phev 是 1.5 175000 2025-09-01 in_service"),
        // Disposed of after 6 years: early. Over the emergency price cap, but not on the books.
        vehicle("宁A20003 C emergency ice 是 1.8 190000 2019-01-01 disposed"),
        quota("C other 2"),
        quota("C emergency 1"),
        order("YC-0001 宁A20001 2025-05-05 14:00 2025-05-05 17:30 10.5"),
        cost("宁A20001 2025-05 1000 40000 fuel=400 repair=1000"),
        cost("宁AF20002 2025-10 200 200 fuel=60 charging=50"),
        disposal("宁A20003 scrap 2025-03-01"),
    ]
}

/// Shizuishan: institution D.
pub fn shizuishan_records() -> Vec<Record> {
    vec![
        // New in 2025, exactly at the base law-enforcement caps.
        vehicle("宁B30001 D law_enforcement ice 否 1.6 120000 2025-02-01 in_service"),
        // Special technical vehicles have no caps; no quota row for the category.
        vehicle("宁B30002 D special_technical ice 是 3.0 400000 2010-01-01 idle"),
        quota("D law_enforcement 2"),
        order("SZS-0001 宁B30001 2025-02-10 08:00 2025-02-10 10:00 12"),
        order("SZS-0002 宁B30001 2025-03-03 13:00 2025-03-03 15:00 8.25"),
        cost("宁B30001 2025-02 300 300 fuel=200 insurance=900 tolls=20.5"),
        cost("宁B30002 2025-06 250 120250 fuel=500 parking=40"),
    ]
}

pub const REGION_FIGURES: &[(&str, &str)] = &[
    // On the books: 宁A10001, 宁AD10002, 宁A10003 (idle), 宁A10005; 宁A10004 is disposed of.
    ("vehicles.count", "4"),
    ("vehicles.category.law_enforcement.count", "2"),
    ("vehicles.category.confidential_communications.count", "1"),
    ("vehicles.category.other.count", "1"),
    // ICE: 宁A10001, 宁A10003, 宁A10005; BEV: 宁AD10002.
    ("vehicles.fuel.ice.count", "3"),
    ("vehicles.fuel.bev.count", "1"),
    ("vehicles.idle", "1"),
    // Domestic: 宁A10001, 宁AD10002.
    ("vehicles.domestic", "2"),
    // 1 + 2 + 1.
    ("vehicles.quota", "4"),
    ("vehicles.category.law_enforcement.quota", "1"),
    ("vehicles.category.confidential_communications.quota", "2"),
    ("vehicles.category.emergency.quota", "1"),
    // A law enforcement: 2 − 1 = 1; B other: 1 − 0 (no quota row) = 1; A confidential: 1 < 2.
    ("vehicles.over_quota", "2"),
    ("vehicles.category.law_enforcement.over_quota", "1"),
    ("vehicles.category.other.over_quota", "1"),
    // Acquired in 2025: 宁A10001 and 宁AD10002 (new energy), both domestic; 150000 + 200000.
    ("vehicles.new.count", "2"),
    ("vehicles.new.new_energy", "1"),
    ("vehicles.new.domestic", "2"),
    ("vehicles.new.price_yuan", "350000"),
    ("vehicles.category.law_enforcement.new", "2"),
    // 宁AD10002: 200000 > 180000; 宁A10003: 2.0 L > 1.6 L.
    ("vehicles.over_price_cap", "1"),
    ("vehicles.over_displacement_cap", "1"),
    // 35.5 + 20.25.
    ("vehicles.dispatch_orders", "2"),
    ("vehicles.dispatch_distance_km", "55.75"),
    // Fuel 300 + 250.5 + 100; charging 80.4; insurance 1200; tolls 30; parking 15.
    ("vehicles.cost.fuel_yuan", "650.5"),
    ("vehicles.cost.charging_yuan", "80.4"),
    ("vehicles.cost.insurance_yuan", "1200"),
    ("vehicles.cost.tolls_yuan", "30"),
    ("vehicles.cost.parking_yuan", "15"),
    // 650.5 + 80.4 + 1200 + 30 + 15.
    ("vehicles.cost_yuan", "1975.9"),
    // 800 + 600 + 500 + 100.
    ("vehicles.cost_distance_km", "2000"),
    // 宁A10004 auctioned 2025-02-20, acquired 2016-01-15: 9 full years, not early.
    ("vehicles.disposals", "1"),
    ("vehicles.disposal.auction.count", "1"),
    ("vehicles.disposal_income_yuan", "15000"),
];

pub const YINCHUAN_FIGURES: &[(&str, &str)] = &[
    // On the books: 宁A20001 and 宁AF20002, both other, both domestic.
    ("vehicles.count", "2"),
    ("vehicles.category.other.count", "2"),
    ("vehicles.fuel.ice.count", "1"),
    ("vehicles.fuel.phev.count", "1"),
    ("vehicles.domestic", "2"),
    // 2 + 1; other: 2 vehicles for a quota of 2, emergency: none on the books.
    ("vehicles.quota", "3"),
    ("vehicles.category.other.quota", "2"),
    ("vehicles.category.emergency.quota", "1"),
    // 宁AF20002, a plug-in hybrid (new energy), domestic, 175000 yuan.
    ("vehicles.new.count", "1"),
    ("vehicles.new.new_energy", "1"),
    ("vehicles.new.domestic", "1"),
    ("vehicles.new.price_yuan", "175000"),
    ("vehicles.category.other.new", "1"),
    ("vehicles.dispatch_orders", "1"),
    ("vehicles.dispatch_distance_km", "10.5"),
    // Fuel 400 + 60; charging 50; repair 1000; total 1510 over 1000 + 200 km.
    ("vehicles.cost.fuel_yuan", "460"),
    ("vehicles.cost.charging_yuan", "50"),
    ("vehicles.cost.repair_yuan", "1000"),
    ("vehicles.cost_yuan", "1510"),
    ("vehicles.cost_distance_km", "1200"),
    // 宁A20003 scrapped 2025-03-01, acquired 2019-01-01: 6 full years, early; no income.
    ("vehicles.disposals", "1"),
    ("vehicles.disposal.scrap.count", "1"),
    ("vehicles.disposals_early", "1"),
];

pub const SHIZUISHAN_FIGURES: &[(&str, &str)] = &[
    // On the books: 宁B30001 (law enforcement, not domestic), 宁B30002 (special, idle, domestic).
    ("vehicles.count", "2"),
    ("vehicles.category.law_enforcement.count", "1"),
    ("vehicles.category.special_technical.count", "1"),
    ("vehicles.fuel.ice.count", "2"),
    ("vehicles.idle", "1"),
    ("vehicles.domestic", "1"),
    ("vehicles.quota", "2"),
    ("vehicles.category.law_enforcement.quota", "2"),
    // Special technical: 1 vehicle, no quota row.
    ("vehicles.over_quota", "1"),
    ("vehicles.category.special_technical.over_quota", "1"),
    // 宁B30001: not new energy, not domestic.
    ("vehicles.new.count", "1"),
    ("vehicles.new.price_yuan", "120000"),
    ("vehicles.category.law_enforcement.new", "1"),
    // 12 + 8.25.
    ("vehicles.dispatch_orders", "2"),
    ("vehicles.dispatch_distance_km", "20.25"),
    // Fuel 200 + 500; insurance 900; tolls 20.5; parking 40; total 1660.5 over 300 + 250 km.
    ("vehicles.cost.fuel_yuan", "700"),
    ("vehicles.cost.insurance_yuan", "900"),
    ("vehicles.cost.tolls_yuan", "20.5"),
    ("vehicles.cost.parking_yuan", "40"),
    ("vehicles.cost_yuan", "1660.5"),
    ("vehicles.cost_distance_km", "550"),
];

/// The region's consolidated figures: own level + Yinchuan + Shizuishan.
pub const TOTAL_FIGURES: &[(&str, &str)] = &[
    ("vehicles.count", "8"),                                      // 4 + 2 + 2
    ("vehicles.category.law_enforcement.count", "3"),             // 2 + 1
    ("vehicles.category.confidential_communications.count", "1"), // 1
    ("vehicles.category.other.count", "3"),                       // 1 + 2
    ("vehicles.category.special_technical.count", "1"),           // 1
    ("vehicles.fuel.ice.count", "6"),                             // 3 + 1 + 2
    ("vehicles.fuel.bev.count", "1"),
    ("vehicles.fuel.phev.count", "1"),
    ("vehicles.idle", "2"),                           // 1 + 1
    ("vehicles.domestic", "5"),                       // 2 + 2 + 1
    ("vehicles.quota", "9"),                          // 4 + 3 + 2
    ("vehicles.category.law_enforcement.quota", "3"), // 1 + 2
    ("vehicles.category.confidential_communications.quota", "2"),
    ("vehicles.category.emergency.quota", "2"), // 1 + 1
    ("vehicles.category.other.quota", "2"),
    ("vehicles.over_quota", "3"), // 2 + 1
    ("vehicles.category.law_enforcement.over_quota", "1"),
    ("vehicles.category.other.over_quota", "1"),
    ("vehicles.category.special_technical.over_quota", "1"),
    ("vehicles.new.count", "4"),                    // 2 + 1 + 1
    ("vehicles.new.new_energy", "2"),               // 1 + 1
    ("vehicles.new.domestic", "3"),                 // 2 + 1
    ("vehicles.new.price_yuan", "645000"),          // 350000 + 175000 + 120000
    ("vehicles.category.law_enforcement.new", "3"), // 2 + 1
    ("vehicles.category.other.new", "1"),
    ("vehicles.over_price_cap", "1"),
    ("vehicles.over_displacement_cap", "1"),
    ("vehicles.dispatch_orders", "5"),         // 2 + 1 + 2
    ("vehicles.dispatch_distance_km", "86.5"), // 55.75 + 10.5 + 20.25
    ("vehicles.cost.fuel_yuan", "1810.5"),     // 650.5 + 460 + 700
    ("vehicles.cost.charging_yuan", "130.4"),  // 80.4 + 50
    ("vehicles.cost.repair_yuan", "1000"),
    ("vehicles.cost.insurance_yuan", "2100"), // 1200 + 900
    ("vehicles.cost.tolls_yuan", "50.5"),     // 30 + 20.5
    ("vehicles.cost.parking_yuan", "55"),     // 15 + 40
    ("vehicles.cost_yuan", "5146.4"),         // 1975.9 + 1510 + 1660.5
    ("vehicles.cost_distance_km", "3750"),    // 2000 + 1200 + 550
    ("vehicles.disposals", "2"),
    ("vehicles.disposal.auction.count", "1"),
    ("vehicles.disposal.scrap.count", "1"),
    ("vehicles.disposal_income_yuan", "15000"),
    ("vehicles.disposals_early", "1"),
];

/// A clean dataset of Yinchuan: within quota and caps, odometers rising, the disposal after more
/// than 8 years of a vehicle whose status is disposed.
pub fn clean_records() -> Vec<Record> {
    vec![
        vehicle("宁A40001 C other ice 是 1.6 160000 2019-04-01 in_service"),
        vehicle("宁A40002 C emergency ice 是 1.8 150000 2015-06-01 disposed"),
        quota("C other 1"),
        quota("C emergency 1"),
        order("Q-0001 宁A40001 2025-05-05 14:00 2025-05-05 17:30 10.5"),
        cost("宁A40001 2025-04 900 39000 fuel=300"),
        cost("宁A40001 2025-05 1000 40000 fuel=400"),
        disposal("宁A40002 auction 2025-07-01 20000"),
    ]
}

/// The 2024 running costs of the clean dataset's vehicle, ending at `december_km`.
pub fn previous_costs(december_km: &str) -> Vec<Record> {
    vec![
        cost("宁A40001 2024-11 900 37000"),
        cost(&format!("宁A40001 2024-12 1100 {december_km}")),
    ]
}
