//! Writes the sample ledgers of the Ningxia tree shipped in `sample-data/ningxia/` and used by
//! `huizong demo`: `<year>/<12-digit code>/<table slug>.csv` for every node, for 2025 (all 13
//! tables) and 2024 (all but vehicle disposals, which it has none of), at magnitudes seen in the
//! region's reports (DOMAIN.md). The 2024 year is derived from the 2025 one ([`previous_year`]), so
//! that every year-on-year column of the 2025 returns has a previous value and the ±30 % rule of
//! the energy ledger fires for two planted institutions.
//!
//! Each node's own level (本级) gets institutions: organs, public service units and social
//! organisations, listed here. One module per ledger then fills its tables from them:
//! [`office_space`] (buildings, space, rooms, disposals, rental income), [`vehicles`] (fleet,
//! quotas, dispatch orders, running costs, disposals) and [`energy`] (institutions, monthly energy
//! and water, waste sorting). The records agree with the checks that span records by construction,
//! except for a few deliberate warnings (each module's `PLANTED_` constants), so that the returns'
//! review lists are not empty.
//!
//! Deterministic: SplitMix64 seeded by each node's code, and only basic float arithmetic; the
//! ledgers draw from the node's generator in a fixed order (office space, vehicles, energy).
//! Counties' files use the Chinese headers and names of the clerk's form; cities' and the region's
//! use the English field names and slugs. Before anything is written, every row is parsed back with
//! the import rules and every ledger goes through the cross-record checks (2025's with 2024's
//! records, as a submission is checked): an error stops the generator, except the one planted
//! refusal of the year-on-year rule.
//!
//! Run from the repository root: `cargo run -p schemas --example generate_sample_data`.

mod energy;
mod office_space;
mod previous_year;
mod vehicles;

use std::collections::BTreeMap;
use std::path::PathBuf;

use rust_decimal::prelude::ToPrimitive;
use schemas::columns::{check_unique_ids, header_row, resolve_headers};
use schemas::ledgers::{CheckContext, check};
use schemas::records::{CreditCode, FieldKind, Record};
use schemas::returns::{Finding, Severity};
use schemas::standards::StandardLevel;
use schemas::{Decimal, Ledger, Period, Table};
use topology::{Level, NodeEntry, Topology};

/// The year of the sample data.
const YEAR: u64 = 2025;

/// Party and government organs: the region's name, then the cities' and counties' where it differs.
/// The first five are the party and government offices, which keep the confidential communications
/// vehicles; the next ten enforce laws and keep the law enforcement, emergency and technical ones.
const ORGANS: &str = "党委办公厅:党委办公室,人大常委会办公厅:人大常委会办公室,\
    政府办公厅:政府办公室,政协办公厅:政协办公室,纪委监委,公安厅:公安局,\
    市场监督管理厅:市场监督管理局,自然资源厅:自然资源局,生态环境厅:生态环境局,\
    交通运输厅:交通运输局,应急管理厅:应急管理局,农业农村厅:农业农村局,\
    住房和城乡建设厅:住房和城乡建设局,水利厅:水务局,林业和草原局,党委组织部,党委宣传部,党委统战部,\
    党委政法委员会,发展和改革委员会:发展和改革局,教育厅:教育局,科学技术厅:科学技术局,\
    工业和信息化厅:工业和信息化局,民政厅:民政局,司法厅:司法局,财政厅:财政局,\
    人力资源和社会保障厅:人力资源和社会保障局,商务厅:商务局,文化和旅游厅:文化旅游广电局,\
    卫生健康委员会,退役军人事务厅:退役军人事务局,审计厅:审计局,统计局,医疗保障局,机关事务管理局,\
    信访局,乡村振兴局,国有资产监督管理委员会,地方金融监督管理局,粮食和物资储备局,广播电视局,体育局,\
    民族事务委员会,政务服务管理局";

/// What an organ's own service units are called (type 026).
const SERVICE_UNITS: [&str; 4] = ["机关服务中心", "信息中心", "综合保障中心", "事务服务中心"];

/// A small deterministic generator (SplitMix64), so the files do not depend on a crate's version.
struct Random(u64);

impl Random {
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
    /// Uniform in [low, high).
    fn uniform(&mut self, low: f64, high: f64) -> f64 {
        low + (high - low) * (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    /// Uniform in [low, high) with the given percent chance, else zero.
    fn maybe(&mut self, chance: u64, low: f64, high: f64) -> f64 {
        let value = self.uniform(low, high);
        when(self.percent(chance), value)
    }
    /// True with the given percent chance.
    fn percent(&mut self, chance: u64) -> bool {
        self.next() % 100 < chance
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[(self.next() % items.len() as u64) as usize]
    }
    /// A word of a space-separated list.
    fn word(&mut self, words: &'static str) -> &'static str {
        let words: Vec<&'static str> = words.split(' ').collect();
        words[(self.next() % words.len() as u64) as usize]
    }
    /// An index drawn with the given weights.
    fn weighted(&mut self, weights: &[u64]) -> usize {
        let mut roll = self.next() % weights.iter().sum::<u64>();
        for (index, weight) in weights.iter().enumerate() {
            if roll < *weight {
                return index;
            }
            roll -= weight;
        }
        unreachable!("the roll is below the sum of the weights")
    }
}

/// `value` when `condition` holds, else zero.
fn when(condition: bool, value: f64) -> f64 {
    if condition { value } else { 0.0 }
}

/// How much a node's own level has. Derived from it: buildings with rooms listed (the main
/// compounds), vehicle disposals (3-8% of the fleet) and dispatch orders (about 20 per vehicle).
struct Scale {
    organs: usize,
    /// Public service units and social organisations, as `type:count`.
    units: &'static str,
    /// How much larger units are than a county's.
    unit_size: f64,
    buildings: usize,
    building_floor_m2: (f64, f64),
    vehicles: f64,
    /// The ranks of the room standard that apply.
    standard: StandardLevel,
}

fn scale(level: Level) -> Scale {
    match level {
        Level::Nation | Level::Region => Scale {
            organs: 44,
            units: "026:90 021:40 024:20 023:12 022:8 025:4 03:8",
            unit_size: 1.4,
            buildings: 100,
            building_floor_m2: (3_000.0, 12_000.0),
            vehicles: 150.0,
            standard: StandardLevel::Province,
        },
        Level::City => Scale {
            organs: 18,
            units: "026:6 021:3 024:2 023:1 022:1 03:1",
            unit_size: 1.2,
            buildings: 24,
            building_floor_m2: (2_500.0, 9_000.0),
            vehicles: 70.0,
            standard: StandardLevel::City,
        },
        _ => Scale {
            organs: 10,
            units: "026:1 021:2 024:1",
            unit_size: 1.0,
            buildings: 12,
            building_floor_m2: (1_800.0, 7_000.0),
            vehicles: 32.0,
            standard: StandardLevel::County,
        },
    }
}

/// One node being generated.
struct Node<'a> {
    entry: &'a NodeEntry,
    /// The first six digits of the code, which prefix ids.
    code6: &'a str,
    scale: Scale,
    /// Where its buildings stand: division code and address.
    location: (String, String),
    /// Its plates' letters after 宁: its city's (A Yinchuan ... E Zhongwei) and one of its own,
    /// which keeps plates unique in the region.
    plate_letters: (char, char),
    random: Random,
}

impl<'a> Node<'a> {
    fn new(tree: &Topology, entry: &'a NodeEntry, node_index: usize) -> Self {
        const NODE_LETTERS: &[u8] = b"ABCEFGHJKLMNPQRSTUVWXYZ";
        let code = entry.code.as_str();
        let location = match (entry.level, entry.parent.and_then(|code| tree.node(code))) {
            (Level::County, Some(city)) => (code, format!("{}{}", city.name_zh, entry.name_zh)),
            (Level::City, _) => (code, entry.name_zh.clone()),
            _ => ("640106000000", "银川市金凤区".to_owned()),
        };
        let city = code[2..4].parse::<usize>().expect("digits").clamp(1, 5);
        let node_letter = NODE_LETTERS[node_index % NODE_LETTERS.len()];
        Self {
            entry,
            code6: &code[..6],
            scale: scale(entry.level),
            location: (location.0.to_owned(), location.1),
            plate_letters: (b"ABCDE"[city - 1] as char, node_letter as char),
            random: Random(entry.code.as_u64()),
        }
    }

    fn is(&self, code: &str) -> bool {
        self.entry.code.as_str() == code
    }
}

/// One institution of the node's own level.
struct Institution {
    credit_code: String,
    name: String,
    type_code: &'static str,
    floor_area_m2: f64,
    people: u64,
}

/// The 13 tables of one node, each row a CSV line of canonical texts (slugs, `true`/`false`).
struct Tables(BTreeMap<Table, Vec<String>>);

impl Tables {
    /// Adds a row whose cells follow the table's columns (`header_row(table, false)`).
    fn row(&mut self, table: Table, line: String) {
        let cells = line.split(',').count();
        assert_eq!(cells, table.spec().columns.len(), "{table}: {line}");
        assert!(!line.contains(['"', '\n']), "{table}: {line}");
        self.0.entry(table).or_default().push(line);
    }

    fn len(&self, table: Table) -> usize {
        self.0.get(&table).map_or(0, Vec::len)
    }

    /// A table's file; a county's has the Chinese headers and names of the clerk's form.
    fn text(&self, table: Table, chinese: bool) -> String {
        let mut text = header_row(table, chinese).join(",") + "\n";
        for line in self.0.get(&table).into_iter().flatten() {
            let kinds = table.spec().columns.iter().map(|column| column.kind);
            for (index, (cell, kind)) in line.split(',').zip(kinds).enumerate() {
                text += if index == 0 { "" } else { "," };
                text += match kind {
                    FieldKind::Choice(list) if chinese => {
                        list.by_slug(cell).expect("a slug").name_zh
                    }
                    FieldKind::Boolean if chinese => ["否", "是"][usize::from(cell == "true")],
                    _ => cell,
                };
            }
            text += "\n";
        }
        text
    }
}

/// Parses a written table back with the import rules; panics on a row the generator got wrong.
fn parse_back(table: Table, text: &str, period: Period) -> Vec<Record> {
    let mut lines = text.lines();
    let headers: Vec<&str> = lines.next().expect("a header row").split(',').collect();
    let map = resolve_headers(table.ledger(), Some(table), &headers).expect("valid headers");
    let parse = |(index, line): (usize, &str)| {
        let cells: Vec<&str> = line.split(',').collect();
        let record = map.parse_row_for_period(&cells, period);
        record.unwrap_or_else(|error| panic!("{table} row {}: {error}", index + 2))
    };
    lines.enumerate().map(parse).collect()
}

/// An amount with at most `places` decimals and no trailing zeros, as a clerk types it.
fn amount(value: f64, places: usize) -> String {
    let text = format!("{:.places$}", value.max(0.0));
    match text.contains('.') {
        true => text.trim_end_matches('0').trim_end_matches('.').to_owned(),
        false => text,
    }
}

/// An optional amount: empty when zero.
fn optional(value: f64, places: usize) -> String {
    if value > 0.0 {
        amount(value, places)
    } else {
        String::new()
    }
}

fn round1(value: f64) -> f64 {
    (value * 10.0).round() / 10.0
}

fn to_f64(value: Decimal) -> f64 {
    value.to_f64().expect("standards hold ordinary numbers")
}

/// The names of units of a type; past the list, the first again with an ordinal (第二人民医院).
fn unit_names(type_code: &str) -> Vec<&'static str> {
    let names = match type_code {
        "022" => "农林科学院 科技馆 农业技术推广中心 地质调查院 环境监测中心",
        "023" => "图书馆 博物馆 文化馆 档案馆 美术馆 群众艺术馆 方志馆",
        "024" => "人民医院 中医医院 妇幼保健院 疾病预防控制中心 精神卫生中心",
        "025" => "体育运动学校 全民健身中心 体育场馆管理中心",
        _ => "红十字会 科学技术协会 文学艺术界联合会 残疾人联合会 工商业联合会",
    };
    names.split(' ').collect()
}

/// 1 to 99 in Chinese numerals, for the names of schools and hospitals.
fn numeral(number: usize) -> String {
    const DIGITS: [&str; 10] = ["", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    match (number / 10, number % 10) {
        (0, ones) => DIGITS[ones].to_owned(),
        (1, ones) => format!("十{}", DIGITS[ones]),
        (tens, ones) => format!("{}十{}", DIGITS[tens], DIGITS[ones]),
    }
}

/// The institutions of a node's own level; their floor areas and people are set later.
fn institutions(node: &mut Node) -> Vec<Institution> {
    const CODE_CHARACTERS: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
    let region = node.entry.level <= Level::Region;
    let name = node.entry.name_zh.as_str();
    let (organ_place, unit_place) = if region {
        ("宁夏回族自治区", "宁夏")
    } else {
        (name, name)
    };
    let organs: Vec<&str> = ORGANS
        .split(',')
        .map(|names| names.split_once(':').unwrap_or((names, names)))
        .map(|(upper, lower)| if region { upper } else { lower })
        .collect();
    let mut list: Vec<(&'static str, String)> = Vec::new();
    for organ in &organs[..node.scale.organs] {
        list.push(("01", format!("{organ_place}{organ}")));
    }
    for unit in node.scale.units.split(' ') {
        let (type_code, count) = unit.split_once(':').expect("type:count");
        let names = unit_names(type_code);
        for ordinal in 0..count.parse::<usize>().expect("a count") {
            let (organ, round) = (organs[ordinal % organs.len()], ordinal / organs.len());
            let (service, school) = (SERVICE_UNITS[round % 4], ["中学", "小学"][ordinal % 2]);
            let name = match (type_code, names.get(ordinal)) {
                ("026", _) => format!("{organ_place}{organ}{service}"),
                ("021", _) => format!("{unit_place}第{}{school}", numeral(ordinal / 2 + 1)),
                (_, Some(name)) => format!("{unit_place}{name}"),
                _ => format!(
                    "{unit_place}第{}{}",
                    numeral(ordinal - names.len() + 2),
                    names[0]
                ),
            };
            list.push((type_code, name));
        }
    }
    let mut institutions = Vec::with_capacity(list.len());
    for (type_code, name) in list {
        // A unified social credit code: registration authority (11 organs, 12 public service units,
        // 51 social organisations), the division and an organization code, then the check.
        let authority = match type_code {
            "01" => "11",
            "03" => "51",
            _ => "12",
        };
        let mut first17 = format!("{authority}{}", node.code6);
        while first17.len() < 17 {
            first17.push(*node.random.pick(CODE_CHARACTERS) as char);
        }
        let credit_code = CreditCode::with_check_digit(&first17).expect("allowed characters");
        let (credit_code, floor_area_m2, people) = (credit_code.to_string(), 0.0, 0);
        institutions.push(Institution {
            credit_code,
            name,
            type_code,
            floor_area_m2,
            people,
        });
    }
    institutions
}

/// One year of one node: its tables as written and its records per ledger as parsed back.
struct Year {
    year: u64,
    texts: Vec<(Table, String)>,
    records: BTreeMap<Ledger, Vec<Record>>,
}

impl Year {
    /// Writes the tables (the counties' in the clerk's Chinese form) and parses them back.
    fn new(year: u64, tables: &Tables, entry: &NodeEntry) -> Self {
        let period = Period::Year(year as u16);
        let texts: Vec<(Table, String)> = Table::ALL
            .into_iter()
            .filter(|table| tables.len(*table) > 0)
            .map(|table| (table, tables.text(table, entry.level == Level::County)))
            .collect();
        let mut records: BTreeMap<Ledger, Vec<Record>> = BTreeMap::new();
        for (table, text) in &texts {
            let parsed = parse_back(*table, text, period);
            records.entry(table.ledger()).or_default().extend(parsed);
        }
        Self {
            year,
            texts,
            records,
        }
    }
}

/// Whether a finding is the planted refusal of the year-on-year rule.
fn is_planted_refusal(code: &str, finding: &Finding) -> bool {
    code == previous_year::PLANTED_CHANGE_WITHOUT_NOTE.0
        && finding.rule == "year_on_year_needs_note"
}

fn main() {
    let argument = std::env::args().nth(1);
    let output = PathBuf::from(argument.as_deref().unwrap_or("sample-data/ningxia"));
    let tree = topology::ningxia();
    let (mut rows, mut warnings) = (BTreeMap::<(u64, Table), usize>::new(), BTreeMap::new());
    let (mut files, mut bytes, mut planted_refusals) = (0, 0, 0);
    for (node_index, entry) in tree.iter().enumerate() {
        let mut node = Node::new(&tree, entry, node_index);
        let mut institutions = institutions(&mut node);
        let mut tables = Tables(BTreeMap::new());
        office_space::generate(&mut node, &mut institutions, &mut tables);
        vehicles::generate(&mut node, &institutions, &mut tables);
        energy::generate(&mut node, &mut institutions, &mut tables);
        previous_year::plant_note(&node, &mut tables);
        for table in Table::ALL {
            assert!(tables.len(table) > 0, "{}: {table} is empty", entry.code);
        }
        let earlier = previous_year::derive(&node, &tables);
        let years = [
            (
                Year::new(previous_year::PREVIOUS_YEAR, &earlier, entry),
                &earlier,
            ),
            (Year::new(YEAR, &tables, entry), &tables),
        ];
        for (index, (year, tables)) in years.iter().enumerate() {
            let period = Period::Year(year.year as u16);
            for (ledger, records) in &year.records {
                check_unique_ids(records)
                    .unwrap_or_else(|error| panic!("{} {}: {error}", entry.code, year.year));
                // The current year is checked against the previous one, as a submission is.
                let previous = (index == 1)
                    .then(|| years[0].0.records.get(ledger).map(Vec::as_slice))
                    .flatten();
                let context = CheckContext {
                    owner: entry.code,
                    period,
                    previous,
                    options: Default::default(),
                };
                for finding in check(*ledger, records, &context) {
                    let place = format!(
                        "{} {} {} {}",
                        entry.code, year.year, finding.table, finding.record_id
                    );
                    if is_planted_refusal(entry.code.as_str(), &finding) {
                        planted_refusals += 1;
                    } else {
                        let error = finding.severity == Severity::Error;
                        assert!(!error, "{place}: {}", finding.message);
                    }
                    *warnings
                        .entry(format!("{} {} {}", year.year, finding.table, finding.rule))
                        .or_insert(0usize) += 1;
                }
            }
            let directory = output.join(year.year.to_string()).join(entry.code.as_str());
            std::fs::create_dir_all(&directory).expect("cannot create the output directory");
            for (table, text) in &year.texts {
                let path = directory.join(format!("{}.csv", table.slug()));
                std::fs::write(&path, text).expect("cannot write a sample file");
                *rows.entry((year.year, *table)).or_default() += tables.len(*table);
                (files, bytes) = (files + 1, bytes + text.len());
            }
        }
    }
    assert_eq!(planted_refusals, 1, "the planted year-on-year refusal");
    let total: usize = rows.values().sum();
    println!(
        "wrote {files} files, {total} rows, {bytes} bytes to {}",
        output.display()
    );
    for ((year, table), count) in &rows {
        println!("  {year} {:<20} {count:>7} rows", table.slug());
    }
    println!(
        "findings of the cross-record checks: {}",
        warnings.values().sum::<usize>()
    );
    for (rule, count) in &warnings {
        println!("  {rule}: {count}");
    }
}
