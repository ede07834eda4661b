//! The energy ledger of a node's own level: every institution with its floor area and people,
//! 12 months of energy and water per carrier, and waste sorting for some.
//!
//! Runs last, as it reports the floor areas the office space ledger added up; institutions without
//! buildings are given a floor area here. Each institution's annual energy is drawn around the
//! benchmark intensity of its type, split by carrier and spread over the months by seasonal
//! weights.
//!
//! The state organs (01) are the Party and government bodies to be created as saving-type
//! institutions (节约型机关): nearly all are eligible, and each node has its own pace, so that
//! some nodes are below the 70 % target. These draws come from a generator of their own (seeded by
//! the node's code), so that they leave the energy figures as they were.

use schemas::records::Carrier;
use schemas::standards::energy_benchmarks;
use schemas::{Table, coefficients};
use topology::Level;

use super::{Institution, Node, Random, Tables, YEAR, amount, round1, to_f64};

/// How the bodies created as saving-type institutions spread over the years from 2020: most passed
/// in 2021-2023, when the national plan's 2022 goal fell.
const SAVING_TYPE_YEAR_WEIGHTS: [u64; 6] = [10, 25, 25, 20, 12, 8];

/// The saving-type cells (eligible, in progress, year passed) of each institution, in order: a
/// state organ is eligible 19 times in 20, and passed with the node's own share (0.62 to 1.0).
fn saving_type_cells(node: &Node, institutions: &[Institution]) -> Vec<[String; 3]> {
    let code: u64 = node
        .entry
        .code
        .as_str()
        .parse()
        .expect("a numeric division code");
    let mut random = Random(code ^ 0x5A5A_1234_8765_F0F0);
    let share = random.uniform(0.62, 1.0);
    let first_year = 2020;
    let years = (YEAR + 1 - first_year) as usize;
    institutions
        .iter()
        .map(|institution| {
            if institution.type_code != "01" || !random.percent(95) {
                return ["false".to_owned(), "false".to_owned(), String::new()];
            }
            if random.uniform(0.0, 1.0) < share {
                let year =
                    first_year + random.weighted(&SAVING_TYPE_YEAR_WEIGHTS[..years.min(6)]) as u64;
                ["true".to_owned(), "false".to_owned(), year.to_string()]
            } else {
                let in_progress = random.percent(50).to_string();
                ["true".to_owned(), in_progress, String::new()]
            }
        })
        .collect()
}

/// Monthly weights of electricity (air conditioning in summer), water, heating (November to March
/// in Ningxia), natural gas (heating and canteens) and solar generation.
const ELECTRICITY_BY_MONTH: [f64; 12] = [
    1.1, 1., 0.95, 0.85, 0.85, 1.05, 1.25, 1.25, 0.95, 0.85, 0.9, 1.,
];
const WATER_BY_MONTH: [f64; 12] = [
    0.8, 0.7, 0.85, 0.95, 1.05, 1.2, 1.3, 1.3, 1.1, 0.95, 0.9, 0.9,
];
const HEATING_BY_MONTH: [f64; 12] = [0.25, 0.21, 0.14, 0., 0., 0., 0., 0., 0., 0., 0.15, 0.25];
const GAS_BY_MONTH: [f64; 12] = [
    0.2, 0.17, 0.12, 0.03, 0.02, 0.02, 0.02, 0.02, 0.02, 0.03, 0.14, 0.2,
];
const SOLAR_BY_MONTH: [f64; 12] = [
    0.5, 0.65, 0.85, 1.05, 1.25, 1.3, 1.3, 1.2, 1., 0.85, 0.6, 0.45,
];

/// The waste categories, in form order.
const WASTE: [&str; 4] = ["recyclable", "kitchen", "hazardous", "other"];

/// The energy ledger: institutions, monthly consumption per carrier, and waste sorting for some.
pub(super) fn generate(node: &mut Node, institutions: &mut [Institution], tables: &mut Tables) {
    let coal_weight = 7 * u64::from(node.entry.level == Level::County);
    let coefficients = coefficients::current();
    let saving_type = saving_type_cells(node, institutions);
    let random = &mut node.random;
    for (index, institution) in institutions.iter_mut().enumerate() {
        // Intensities near the benchmark of the type, above the south's for the heating.
        let benchmark = energy_benchmarks().for_type(institution.type_code);
        let per_m2 = to_f64(benchmark.kgce_per_m2);
        let m2_per_person = to_f64(benchmark.kgce_per_person) / per_m2 * random.uniform(0.75, 1.2);
        let (low, high) = match institution.type_code {
            "021" => (6_000.0, 22_000.0),
            "024" => (9_000.0, 40_000.0),
            "023" | "025" => (2_500.0, 12_000.0),
            "03" => (400.0, 1_500.0),
            _ => (800.0, 4_000.0),
        };
        if institution.floor_area_m2 == 0.0 {
            institution.floor_area_m2 = round1(random.uniform(low, high) * node.scale.unit_size);
        }
        let floor = institution.floor_area_m2;
        institution.people = ((floor / m2_per_person).round() as u64).max(5);
        let kgce = floor * per_m2 * random.uniform(0.8, 1.6);
        let heating = [Carrier::Heat, Carrier::NaturalGas, Carrier::Coal];
        let heating = heating[random.weighted(&[60, 33, coal_weight])];
        let gasoline_chance = 20 + 30 * u64::from(institution.type_code == "01");
        let shares = [
            (heating, random.uniform(0.35, 0.5)),
            (Carrier::Gasoline, random.maybe(gasoline_chance, 0.03, 0.08)),
            (Carrier::Diesel, random.maybe(8, 0.01, 0.03)),
            (Carrier::Lpg, random.maybe(4, 0.01, 0.02)),
        ];
        let electricity = 1.0 - shares.iter().map(|(_, share)| share).sum::<f64>();
        let mut annual = vec![(Carrier::Electricity, electricity)];
        annual.extend(shares);
        for (carrier, share) in &mut annual {
            let per_unit = coefficients
                .kgce_per_unit(*carrier)
                .expect("an energy carrier");
            *share *= kgce / to_f64(per_unit);
        }
        let water = institution.people as f64 * random.uniform(14.0, 30.0);
        annual.insert(1, (Carrier::Water, water));
        annual.push((Carrier::SolarPv, random.maybe(6, 3.0, 10.0) * floor));
        let heated = amount(floor * random.uniform(0.85, 1.0), 1);
        let switched = heating == Carrier::NaturalGas && random.percent(5);
        let note = ["", "锅炉房改造后改用天然气采暖"][usize::from(switched)];
        let (code, name, floor) = (
            &institution.credit_code,
            &institution.name,
            amount(floor, 1),
        );
        let (type_code, people) = (institution.type_code, institution.people);
        let [eligible, in_progress, passed_year] = &saving_type[index];
        let line = format!(
            "{code},{name},{type_code},{floor},{people},{heated},{eligible},{in_progress},{passed_year},{note}"
        );
        tables.row(Table::Institutions, line);
        for (carrier, quantity) in annual.into_iter().filter(|(_, quantity)| *quantity > 0.0) {
            let (weights, places, price) = match carrier {
                Carrier::Electricity => (ELECTRICITY_BY_MONTH, 0, random.uniform(0.52, 0.62)),
                Carrier::Water => (WATER_BY_MONTH, 0, random.uniform(3.9, 4.6)),
                Carrier::NaturalGas => (GAS_BY_MONTH, 0, random.uniform(2.6, 3.1)),
                Carrier::Heat => (HEATING_BY_MONTH, 1, random.uniform(38.0, 48.0)),
                Carrier::Coal => (HEATING_BY_MONTH, 2, random.uniform(700.0, 900.0)),
                Carrier::Gasoline => ([1.0; 12], 1, random.uniform(7.5, 8.1)),
                Carrier::Diesel => ([1.0; 12], 1, random.uniform(7.1, 7.6)),
                Carrier::Lpg => ([1.0; 12], 0, random.uniform(6.5, 8.0)),
                _ => (SOLAR_BY_MONTH, 0, 0.0),
            };
            let total: f64 = weights.iter().sum();
            for (month, weight) in (1..=12).zip(weights).filter(|(_, weight)| *weight > 0.0) {
                let monthly = amount(
                    quantity * weight / total * random.uniform(0.93, 1.07),
                    places,
                );
                let cost = amount(monthly.parse::<f64>().expect("a number") * price, 2);
                let line = format!("{code},{YEAR}-{month:02},{carrier},{monthly},{cost}");
                tables.row(Table::EnergyConsumption, line);
            }
        }
        // About 0.25-0.45 kg of waste per person and working day, 21.5 working days a month.
        let sorts_waste = index == 0 || random.percent(20);
        let per_person_day = random.uniform(0.25, 0.45);
        for month in (1..=12).filter(|_| sorts_waste) {
            let total = people as f64 * 21.5 * per_person_day * random.uniform(0.9, 1.1);
            let (kitchen, recyclable) = (random.uniform(0.30, 0.40), random.uniform(0.22, 0.30));
            let hazardous = random.uniform(0.001, 0.003);
            let shares = [
                recyclable,
                kitchen,
                hazardous,
                1.0 - kitchen - recyclable - hazardous,
            ];
            for (category, share) in WASTE.iter().zip(shares) {
                let kg = amount(total * share, 1);
                let line = format!("{code},{YEAR}-{month:02},{category},{kg},{kg}");
                tables.row(Table::WasteSorting, line);
            }
        }
    }
}
