//! Writes the sample ledgers of the Ningxia tree shipped in `sample-data/ningxia/` and used by
//! `huizong demo`: for every node, its own buildings, vehicles, dispatch orders and monthly energy
//! consumption for 2025, at magnitudes seen in the region's reports (DOMAIN.md).
//!
//! Deterministic: the same code gives the same files. Counties' files use the Chinese headers and
//! names of the clerk's form; cities' and the region's use the English field names. Every row is
//! parsed back with the import rules before it is written.
//!
//! Run from the repository root: `cargo run -p schemas --example generate_sample_data`.

use std::fmt::Write as _;
use std::path::PathBuf;

use schemas::Period;
use schemas::columns::{check_unique_ids, header_row, resolve_headers};
use schemas::records::CreditCode;
use schemas::table::Table;
use topology::{DivisionCode, Level};

/// The year of the sample data.
const YEAR: u16 = 2025;

/// A small deterministic generator (SplitMix64), so the files do not depend on a crate's version.
struct Random(u64);

impl Random {
    fn new(seed: u64) -> Self {
        Self(seed)
    }
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in [low, high].
    fn between(&mut self, low: u64, high: u64) -> u64 {
        low + self.next() % (high - low + 1)
    }
    /// True with the given percent chance.
    fn percent(&mut self, chance: u64) -> bool {
        self.next() % 100 < chance
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[(self.next() % items.len() as u64) as usize]
    }
}

/// Institutions, vehicles and buildings a node's own level has.
struct Scale {
    institutions: u64,
    vehicles: u64,
    buildings: u64,
    dispatch_orders: u64,
}

fn scale(level: Level) -> Scale {
    match level {
        Level::Nation | Level::Region => Scale {
            institutions: 90,
            vehicles: 260,
            buildings: 110,
            dispatch_orders: 2_400,
        },
        Level::City => Scale {
            institutions: 40,
            vehicles: 110,
            buildings: 48,
            dispatch_orders: 900,
        },
        Level::County | Level::Township | Level::Village => Scale {
            institutions: 24,
            vehicles: 55,
            buildings: 28,
            dispatch_orders: 420,
        },
    }
}

/// The plate prefix of each Ningxia city (宁A Yinchuan … 宁E Zhongwei).
fn plate_prefix(code: DivisionCode) -> &'static str {
    match &code.as_str()[..4] {
        "6402" => "宁B",
        "6403" => "宁C",
        "6404" => "宁D",
        "6405" => "宁E",
        _ => "宁A",
    }
}

const ORGANIZATION_CHARACTERS: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

fn credit_code(random: &mut Random, code: DivisionCode, public_service: bool) -> String {
    let mut first17 = String::from(if public_service { "12" } else { "11" });
    first17.push_str(&code.as_str()[..6]);
    for _ in 0..9 {
        first17.push(*random.pick(ORGANIZATION_CHARACTERS) as char);
    }
    CreditCode::with_check_digit(&first17)
        .expect("generated credit codes use the allowed characters")
        .as_str()
        .to_owned()
}

const VIN_CHARACTERS: &[u8] = b"ABCDEFGHJKLMNPRSTUVWXYZ0123456789";

fn vin(random: &mut Random) -> String {
    let manufacturer = *random.pick(&["LFV", "LSG", "LGW", "LVS", "LBV", "LC0", "LDC"]);
    let mut text = manufacturer.to_owned();
    while text.len() < 17 {
        text.push(*random.pick(VIN_CHARACTERS) as char);
    }
    text
}

/// One table being written: its header and rows.
struct TableText {
    table: Table,
    text: String,
}

impl TableText {
    fn new(table: Table, chinese: bool) -> Self {
        let mut text = header_row(table, chinese).join(",");
        text.push('\n');
        Self { table, text }
    }

    /// Adds a row given as (English field, value) pairs in header order.
    fn row(&mut self, cells: &[(&str, String)]) {
        let headers = header_row(self.table, false);
        assert_eq!(
            cells.iter().map(|(field, _)| *field).collect::<Vec<_>>(),
            headers,
            "cells of {} must follow the header order",
            self.table.slug()
        );
        let line: Vec<String> = cells
            .iter()
            .map(|(_, value)| {
                if value.contains(',') || value.contains('"') {
                    format!("\"{}\"", value.replace('"', "\"\""))
                } else {
                    value.clone()
                }
            })
            .collect();
        let _ = writeln!(self.text, "{}", line.join(","));
    }

    /// Parses every row back with the import rules; panics on a row the generator got wrong.
    fn check(&self, period: Period) {
        let mut lines = self.text.lines();
        let headers: Vec<&str> = lines.next().expect("a header").split(',').collect();
        let map = resolve_headers(self.table.ledger(), Some(self.table), &headers)
            .expect("the generator writes valid headers");
        let mut records = Vec::new();
        for (index, line) in lines.enumerate() {
            let cells: Vec<&str> = line.split(',').collect();
            let record = map
                .parse_row(&cells)
                .unwrap_or_else(|error| panic!("{} row {}: {error}", self.table.slug(), index + 2));
            record
                .check_period(period)
                .unwrap_or_else(|error| panic!("{} row {}: {error}", self.table.slug(), index + 2));
            records.push(record);
        }
        check_unique_ids(&records).expect("ids are unique");
    }
}

fn name(chinese: bool, english: &'static str, zh: &'static str) -> String {
    if chinese { zh } else { english }.to_owned()
}

/// Letters of plate serials (plates use neither I nor O).
const PLATE_LETTERS: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ";

/// `node_index` (the node's place in the tree, by code) makes plates unique within a city's prefix.
fn generate_node(
    code: DivisionCode,
    node_index: usize,
    level: Level,
    name_zh: &str,
) -> Vec<TableText> {
    let chinese = level == Level::County;
    let scale = scale(level);
    let mut random = Random::new(code.as_u64());
    let period = Period::Year(YEAR);
    let institutions: Vec<(String, u64, u64)> = (0..scale.institutions)
        .map(|index| {
            let public_service = index % 3 == 2;
            let floor_area_m2 = random.between(1_500, 16_000);
            let people = floor_area_m2 / random.between(25, 60) + 10;
            (
                credit_code(&mut random, code, public_service),
                floor_area_m2,
                people,
            )
        })
        .collect();

    let mut buildings = TableText::new(Table::Buildings, chinese);
    for index in 0..scale.buildings {
        let (credit, _, _) = &institutions[(index % scale.institutions) as usize];
        let floor_area = random.between(1_200, 18_000);
        let office = floor_area * random.between(30, 40) / 100;
        let service = floor_area * random.between(8, 14) / 100;
        let equipment = floor_area * random.between(3, 7) / 100;
        let ancillary = floor_area * random.between(5, 12) / 100;
        let ownership = *random.pick(&[
            ("owned_in_use", "自有自用"),
            ("owned_in_use", "自有自用"),
            ("owned_in_use", "自有自用"),
            ("owned_in_use", "自有自用"),
            ("owned_lent_out", "自有出租出借"),
            ("rented", "租用"),
            ("borrowed", "借用"),
        ]);
        buildings.row(&[
            (
                "building_id",
                format!("B{}{:04}", &code.as_str()[..6], index + 1),
            ),
            ("name", format!("{name_zh}办公楼{}号", index + 1)),
            ("institution_credit_code", credit.clone()),
            ("division_code", code.to_string()),
            (
                "address",
                format!("{name_zh}政务路{}号", random.between(1, 300)),
            ),
            ("build_year", random.between(1988, 2022).to_string()),
            ("ownership", name(chinese, ownership.0, ownership.1)),
            (
                "floor_area_m2",
                format!("{floor_area}.{}", random.between(0, 9)),
            ),
            ("office_usable_m2", office.to_string()),
            ("service_usable_m2", service.to_string()),
            ("equipment_usable_m2", equipment.to_string()),
            ("ancillary_floor_m2", ancillary.to_string()),
        ]);
    }

    let mut vehicles = TableText::new(Table::Vehicles, chinese);
    let mut plates = Vec::new();
    for index in 0..scale.vehicles {
        let (credit, _, _) = &institutions[(index % scale.institutions) as usize];
        let category = *random.pick(&[
            ("law_enforcement", "执法执勤", 120_000u64, 16u64),
            ("law_enforcement", "执法执勤", 120_000, 16),
            ("law_enforcement", "执法执勤", 120_000, 16),
            ("emergency", "应急保障", 180_000, 18),
            ("emergency", "应急保障", 180_000, 18),
            ("confidential_communications", "机要通信", 120_000, 16),
            ("special_technical", "特种专业技术", 180_000, 18),
            ("other", "其他", 180_000, 18),
        ]);
        let fuel = *random.pick(&[
            ("ice", "燃油"),
            ("ice", "燃油"),
            ("ice", "燃油"),
            ("ice", "燃油"),
            ("ice", "燃油"),
            ("bev", "纯电动"),
            ("bev", "纯电动"),
            ("phev", "插电式混合动力"),
        ]);
        let new_energy = fuel.0 != "ice";
        let node_letter = PLATE_LETTERS[node_index % PLATE_LETTERS.len()] as char;
        let plate = if new_energy {
            format!("{}D{node_letter}{index:04}", plate_prefix(code))
        } else {
            format!("{}{node_letter}{index:04}", plate_prefix(code))
        };
        let displacement = match fuel.0 {
            "bev" => "0".to_owned(),
            _ => format!("1.{}", random.between(3, category.3 - 10)),
        };
        let status = *random.pick(&[
            ("in_service", "在用"),
            ("in_service", "在用"),
            ("in_service", "在用"),
            ("in_service", "在用"),
            ("in_service", "在用"),
            ("in_service", "在用"),
            ("in_service", "在用"),
            ("in_service", "在用"),
            ("in_service", "在用"),
            ("in_service", "在用"),
            ("in_service", "在用"),
            ("idle", "闲置"),
            ("disposed", "已处置"),
        ]);
        let domestic = random.percent(92);
        vehicles.row(&[
            ("plate", plate.clone()),
            ("vin", vin(&mut random)),
            ("institution_credit_code", credit.clone()),
            ("category", name(chinese, category.0, category.1)),
            ("fuel_type", name(chinese, fuel.0, fuel.1)),
            (
                "domestic_brand",
                if chinese {
                    if domestic { "是" } else { "否" }
                } else if domestic {
                    "true"
                } else {
                    "false"
                }
                .to_owned(),
            ),
            ("displacement_l", displacement),
            (
                "price_yuan",
                (random.between(75, category.2 / 1000) * 1000 + random.between(0, 9) * 100)
                    .to_string(),
            ),
            (
                "acquisition_date",
                format!(
                    "{}-{:02}-{:02}",
                    random.between(2014, 2025),
                    random.between(1, 12),
                    random.between(1, 28)
                ),
            ),
            ("status", name(chinese, status.0, status.1)),
        ]);
        if status.0 != "disposed" {
            plates.push(plate);
        }
    }

    let mut orders = TableText::new(Table::DispatchOrders, chinese);
    for index in 0..scale.dispatch_orders {
        let plate = random.pick(&plates).clone();
        let month = random.between(1, 12);
        let day = random.between(1, 28);
        let start_hour = random.between(7, 16);
        let hours = random.between(1, 6);
        let purpose = *random.pick(&[
            "执法检查",
            "应急处置",
            "机要文件交换",
            "会议保障",
            "专项督查",
            "下乡调研",
        ]);
        orders.row(&[
            (
                "order_id",
                format!("P{}-{YEAR}-{:05}", &code.as_str()[..6], index + 1),
            ),
            ("plate", plate),
            (
                "start",
                format!(
                    "{YEAR}-{month:02}-{day:02} {start_hour:02}:{:02}",
                    random.between(0, 59)
                ),
            ),
            (
                "end",
                format!(
                    "{YEAR}-{month:02}-{day:02} {:02}:{:02}",
                    start_hour + hours,
                    random.between(0, 59)
                ),
            ),
            ("purpose", purpose.to_owned()),
            (
                "distance_km",
                format!("{}.{}", random.between(4, 60) * hours, random.between(0, 9)),
            ),
        ]);
    }

    let mut energy = TableText::new(Table::EnergyConsumption, chinese);
    for (credit, floor_area_m2, people) in &institutions {
        let uses_gas = random.percent(55);
        let uses_heat = !uses_gas || random.percent(20);
        let uses_gasoline = random.percent(50);
        let uses_diesel = random.percent(10);
        let uses_solar = random.percent(12);
        let uses_coal = random.percent(4);
        for month in 1..=12u64 {
            let heating = matches!(month, 1..=3 | 11 | 12);
            let mut carriers: Vec<(&'static str, &'static str, u64, u64)> = Vec::new();
            // (slug, Chinese name, quantity, price per unit in fen)
            let electricity = floor_area_m2 * random.between(28, 46) / 12;
            carriers.push(("electricity", "电力", electricity, random.between(55, 66)));
            carriers.push((
                "water",
                "水",
                people * random.between(15, 22) / 10 + 5,
                random.between(380, 450),
            ));
            if uses_gas {
                let gas = floor_area_m2
                    * if heating {
                        random.between(8, 14)
                    } else {
                        random.between(0, 2)
                    }
                    / 10;
                carriers.push((
                    "natural_gas",
                    "天然气",
                    gas.max(20),
                    random.between(260, 300),
                ));
            }
            if uses_heat && heating {
                carriers.push((
                    "heat",
                    "热力",
                    floor_area_m2 * random.between(6, 9) / 100,
                    random.between(3_800, 4_500),
                ));
            }
            if uses_gasoline {
                carriers.push((
                    "gasoline",
                    "汽油",
                    random.between(150, 1_400),
                    random.between(780, 830),
                ));
            }
            if uses_diesel {
                carriers.push((
                    "diesel",
                    "柴油",
                    random.between(80, 600),
                    random.between(720, 760),
                ));
            }
            if uses_solar {
                carriers.push(("solar_pv", "光伏发电", random.between(800, 6_000), 0));
            }
            if uses_coal && heating {
                carriers.push((
                    "coal",
                    "煤炭",
                    random.between(2, 12),
                    random.between(80_000, 95_000),
                ));
            }
            for (slug, zh, quantity, price_fen) in carriers {
                let cost_fen = quantity * price_fen;
                energy.row(&[
                    ("institution_credit_code", credit.clone()),
                    ("month", format!("{YEAR}-{month:02}")),
                    ("carrier", name(chinese, slug, zh)),
                    ("quantity", quantity.to_string()),
                    (
                        "cost_yuan",
                        format!("{}.{:02}", cost_fen / 100, cost_fen % 100),
                    ),
                ]);
            }
        }
    }
    let tables = vec![buildings, vehicles, orders, energy];
    for table in &tables {
        table.check(period);
    }
    tables
}

fn main() {
    let output = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("sample-data/ningxia"));
    let tree = topology::ningxia();
    let mut rows = 0usize;
    for (node_index, entry) in tree.iter().enumerate() {
        let directory = output.join(entry.code.as_str());
        std::fs::create_dir_all(&directory).expect("cannot create the output directory");
        for table in generate_node(entry.code, node_index, entry.level, &entry.name_zh) {
            rows += table.text.lines().count() - 1;
            let path = directory.join(format!("{}.csv", table.table.slug()));
            std::fs::write(&path, &table.text).expect("cannot write a sample file");
        }
    }
    println!(
        "wrote {rows} rows for {} nodes under {}",
        tree.len(),
        output.display()
    );
}
