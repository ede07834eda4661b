//! Golden tests of the energy ledger: small datasets computed by hand.
//!
//! Three record sets stand for one city (银川市, 640100000000): its own level (one state organ) and
//! two counties, 兴庆区 (a state organ and a school) and 西夏区 (a hospital). Their figures are
//! asserted exactly, figure by figure; the checks are run on datasets that break each rule and on
//! the clean ones; and the return of the city, built from the three figure sets, is asserted cell by
//! cell. Expected figures and cells are written as small text tables, one line per figure or row,
//! with the arithmetic in `#` comments.
//!
//! Coefficients (current table, kgce per unit): electricity 0.1229/kWh, natural gas 1.2143/m3, coal
//! 714.3/t, gasoline 1.074122/L, diesel 1.223964/L, LPG 1.7143/kg, heat 34.12/GJ, other 1000/tce.

use schemas::ledgers::{CheckContext, ReturnInput, check, return_sheets};
use schemas::returns::{ReturnSheet, RowDimension};
use schemas::{CreditCode, Decimal, Figures, Ledger, Period, Record, Table};
use topology::DivisionCode;

/// The period of every dataset: a whole year, so that intensities are checked too.
const PERIOD: Period = Period::Year(2025);

fn decimal(text: &str) -> Decimal {
    text.parse().unwrap()
}

/// A valid credit code whose serial part is `serial`.
fn code(serial: u32) -> String {
    CreditCode::with_check_digit(&format!("12640000MB{serial:06}N"))
        .unwrap()
        .as_str()
        .to_owned()
}

/// An institution: serial, type code, floor area, people, heated area, note.
fn institution(serial: u32, type_code: &str, area: &str, people: &str, heated: &str) -> Record {
    let fields = [
        ("institution_credit_code", code(serial)),
        ("name", format!("机构{serial}")),
        ("type_code", type_code.to_owned()),
        ("floor_area_m2", area.to_owned()),
        ("people", people.to_owned()),
        ("heated_area_m2", heated.to_owned()),
    ];
    let texts: Vec<(&str, &str)> = fields.iter().map(|(f, t)| (*f, t.as_str())).collect();
    Record::from_texts(Table::Institutions.spec(), &texts).unwrap()
}

/// A consumption record: serial, month, carrier, quantity, cost.
fn consumption(serial: u32, month: &str, carrier: &str, quantity: &str, cost: &str) -> Record {
    let credit_code = code(serial);
    let texts = [
        ("institution_credit_code", credit_code.as_str()),
        ("month", month),
        ("carrier", carrier),
        ("quantity", quantity),
        ("cost_yuan", cost),
    ];
    Record::from_texts(Table::EnergyConsumption.spec(), &texts).unwrap()
}

/// A waste record: serial, month, category, collected and disposed kg.
fn waste(serial: u32, month: &str, category: &str, collected: &str, disposed: &str) -> Record {
    let credit_code = code(serial);
    let texts = [
        ("institution_credit_code", credit_code.as_str()),
        ("month", month),
        ("category", category),
        ("collected_kg", collected),
        ("disposed_kg", disposed),
    ];
    Record::from_texts(Table::WasteSorting.spec(), &texts).unwrap()
}

/// The city's own level: one state organ (serial 4).
fn own_level_records() -> Vec<Record> {
    vec![
        institution(4, "01", "3000", "150", ""),
        consumption(4, "2025-01", "electricity", "200000", "130000"),
        consumption(4, "2025-01", "water", "4000", "12000"),
    ]
}

/// 兴庆区: a state organ (serial 1) and a school (serial 2).
fn county_a_records() -> Vec<Record> {
    vec![
        institution(1, "01", "2000", "100", "1500"),
        institution(2, "021", "5000", "400", ""),
        consumption(1, "2025-01", "electricity", "100000", "65000"),
        consumption(1, "2025-01", "natural_gas", "5000", "15000"),
        consumption(1, "2025-01", "water", "3000", "9000"),
        consumption(1, "2025-02", "gasoline", "1000", "7500"),
        consumption(2, "2025-01", "electricity", "120000", "78000"),
        consumption(2, "2025-01", "heat", "100", "4000"),
        consumption(2, "2025-01", "water", "8000", "24000"),
        consumption(2, "2025-01", "solar_pv", "5000", "0"),
        waste(1, "2025-01", "recyclable", "120.5", "100"),
        waste(2, "2025-01", "kitchen", "300", ""),
    ]
}

/// 西夏区: a hospital (serial 3).
fn county_b_records() -> Vec<Record> {
    vec![
        institution(3, "024", "10000", "300", "10000"),
        consumption(3, "2025-01", "electricity", "800000", "520000"),
        consumption(3, "2025-01", "coal", "20.5", "20500"),
        consumption(3, "2025-03", "diesel", "500", "3800"),
        consumption(3, "2025-03", "lpg", "200", "1600"),
        consumption(3, "2025-01", "water", "30000", "90000"),
        consumption(3, "2025-01", "other", "1.5", "1000"),
        waste(3, "2025-02", "hazardous", "2.5", "2.5"),
        waste(3, "2025-02", "other", "500", "450"),
    ]
}

fn figures_of(records: &[Record]) -> Figures {
    let coefficients = schemas::coefficients::current();
    schemas::compute(Ledger::Energy, PERIOD, records, coefficients).unwrap()
}

/// The figures as (name, value) pairs, in name order.
fn pairs(figures: &Figures) -> Vec<(String, Decimal)> {
    figures
        .iter()
        .map(|(name, value)| (name.to_owned(), value))
        .collect()
}

/// Hand-written figures, in name order: lines `prefix: part value, part value` stand for the
/// figures `prefix.part` (blank lines and `#` comments skipped).
fn expected(table: &str) -> Vec<(String, Decimal)> {
    let mut pairs = Vec::new();
    for line in table.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (prefix, figures) = line.split_once(": ").unwrap();
        for figure in figures.split(", ") {
            let (part, value) = figure.split_once(' ').unwrap();
            pairs.push((format!("{prefix}.{part}"), decimal(value)));
        }
    }
    pairs.sort();
    pairs
}

#[test]
fn own_level_figures() {
    let wanted = "
        energy: institutions 1, floor_area_m2 3000, people 150, records 2
        # 200,000 kWh × 0.1229 = 24,580 kgce; 130,000 + 12,000 yuan.
        energy: standard_coal_kgce 24580, cost_yuan 142000, water_m3 4000
        energy.carrier.electricity: quantity 200000, cost_yuan 130000, kgce 24580
        energy.carrier.water: quantity 4000, cost_yuan 12000
        energy.type.01: institutions 1, floor_area_m2 3000, people 150
        energy.type.01: kgce 24580, water_m3 4000, cost_yuan 142000";
    assert_eq!(pairs(&figures_of(&own_level_records())), expected(wanted));
}

#[test]
fn county_a_figures() {
    let wanted = "
        # 2,000 + 5,000 m2; 100 + 400 people; only the organ gives a heated area.
        energy: institutions 2, floor_area_m2 7000, people 500, heated_area_m2 1500
        # Organ: 100,000 kWh × 0.1229 = 12,290; 5,000 m3 × 1.2143 = 6,071.5; 1,000 L × 1.074122 =
        # 1,074.122; 19,435.622 in all. School: 120,000 × 0.1229 = 14,748; 100 GJ × 34.12 = 3,412;
        # 18,160 in all. Water and solar generation carry none.
        energy: standard_coal_kgce 37595.622, records 8
        # 65,000 + 15,000 + 9,000 + 7,500 + 78,000 + 4,000 + 24,000 + 0 yuan; 3,000 + 8,000 m3.
        energy: cost_yuan 202500, water_m3 11000, solar_kwh 5000
        # 100,000 + 120,000 kWh; 65,000 + 78,000 yuan; 12,290 + 14,748 kgce.
        energy.carrier.electricity: quantity 220000, cost_yuan 143000, kgce 27038
        energy.carrier.natural_gas: quantity 5000, cost_yuan 15000, kgce 6071.5
        energy.carrier.water: quantity 11000, cost_yuan 33000
        energy.carrier.gasoline: quantity 1000, cost_yuan 7500, kgce 1074.122
        energy.carrier.heat: quantity 100, cost_yuan 4000, kgce 3412
        # The solar record's cost is 0, so it adds no cost figure.
        energy.carrier.solar_pv: quantity 5000
        # 65,000 + 15,000 + 9,000 + 7,500 yuan.
        energy.type.01: institutions 1, floor_area_m2 2000, people 100
        energy.type.01: kgce 19435.622, water_m3 3000, cost_yuan 96500
        # 78,000 + 4,000 + 24,000 + 0 yuan.
        energy.type.021: institutions 1, floor_area_m2 5000, people 400
        energy.type.021: kgce 18160, water_m3 8000, cost_yuan 106000
        energy.waste.recyclable: collected_kg 120.5, disposed_kg 100
        # Kitchen waste disposed left empty: zero, not added.
        energy.waste.kitchen: collected_kg 300";
    assert_eq!(pairs(&figures_of(&county_a_records())), expected(wanted));
}

#[test]
fn county_b_figures() {
    let wanted = "
        energy: institutions 1, floor_area_m2 10000, people 300, heated_area_m2 10000
        # 98,320 + 14,643.15 + 611.982 + 342.86 + 1,500 kgce.
        energy: standard_coal_kgce 115417.992, records 6
        # 520,000 + 20,500 + 3,800 + 1,600 + 90,000 + 1,000 yuan.
        energy: cost_yuan 636900, water_m3 30000
        # 800,000 kWh × 0.1229; 20.5 t × 714.3; 500 L × 1.223964; 200 kg × 1.7143; 1.5 tce × 1,000.
        energy.carrier.electricity: quantity 800000, cost_yuan 520000, kgce 98320
        energy.carrier.coal: quantity 20.5, cost_yuan 20500, kgce 14643.15
        energy.carrier.diesel: quantity 500, cost_yuan 3800, kgce 611.982
        energy.carrier.lpg: quantity 200, cost_yuan 1600, kgce 342.86
        energy.carrier.water: quantity 30000, cost_yuan 90000
        energy.carrier.other: quantity 1.5, cost_yuan 1000, kgce 1500
        energy.type.024: institutions 1, floor_area_m2 10000, people 300
        energy.type.024: kgce 115417.992, water_m3 30000, cost_yuan 636900
        energy.waste.hazardous: collected_kg 2.5, disposed_kg 2.5
        energy.waste.other: collected_kg 500, disposed_kg 450";
    assert_eq!(pairs(&figures_of(&county_b_records())), expected(wanted));
}

/// An organ (serial 1) and consumption of serial 9, which is not in the institutions table.
fn unlisted_records() -> Vec<Record> {
    vec![
        institution(1, "01", "2000", "100", ""),
        consumption(9, "2025-01", "electricity", "1000", "650"),
        consumption(9, "2025-01", "water", "10", "30"),
    ]
}

#[test]
fn consumption_of_an_unlisted_institution_counts_under_unlisted() {
    let wanted = "
        energy: institutions 1, floor_area_m2 2000, people 100, records 2
        energy.type.01: institutions 1, floor_area_m2 2000, people 100
        # 1,000 kWh × 0.1229 = 122.9 kgce; 650 + 30 yuan.
        energy: standard_coal_kgce 122.9, cost_yuan 680, water_m3 10
        energy.carrier.electricity: quantity 1000, cost_yuan 650, kgce 122.9
        energy.carrier.water: quantity 10, cost_yuan 30
        energy.type.unlisted: kgce 122.9, water_m3 10, cost_yuan 680";
    assert_eq!(pairs(&figures_of(&unlisted_records())), expected(wanted));
}

// ---------------------------------------------------------------------------------------------
// Checks.

fn owner() -> DivisionCode {
    DivisionCode::parse("640104000000").unwrap()
}

fn context(period: Period, previous: Option<&[Record]>) -> CheckContext<'_> {
    CheckContext {
        owner: owner(),
        period,
        previous,
        options: Default::default(),
    }
}

/// The findings as `severity table record_id field rule` lines, with the owner checked.
fn summary(records: &[Record], context: &CheckContext<'_>) -> Vec<String> {
    check(Ledger::Energy, records, context)
        .into_iter()
        .map(|finding| {
            assert_eq!(finding.owner, owner());
            let (table, id, field) = (finding.table, finding.record_id, finding.field);
            format!(
                "{:?} {table} {id} {field} {}",
                finding.severity, finding.rule
            )
        })
        .collect()
}

/// The messages of the findings.
fn messages(records: &[Record], context: &CheckContext<'_>) -> Vec<String> {
    let findings = check(Ledger::Energy, records, context);
    findings
        .into_iter()
        .map(|finding| finding.message)
        .collect()
}

#[test]
fn clean_datasets_have_no_findings() {
    for records in [own_level_records(), county_a_records(), county_b_records()] {
        assert_eq!(
            summary(&records, &context(PERIOD, None)),
            Vec::<String>::new()
        );
    }
    // The same consumption the year before: no change at all.
    let previous: Vec<Record> = county_a_records()
        .iter()
        .filter(|record| record.table() == Table::EnergyConsumption)
        .map(|record| record.with("month", &record.text_of("month").replace("2025", "2024")))
        .collect::<Result<_, _>>()
        .unwrap();
    let context = context(PERIOD, Some(&previous));
    assert_eq!(summary(&county_a_records(), &context), Vec::<String>::new());
}

#[test]
fn records_of_an_unknown_institution_are_refused() {
    // The expected texts are the English catalogue's.
    schemas::Language::English.set_current();
    let mut records = county_a_records();
    records.push(waste(9, "2025-01", "other", "5", "5"));
    records.extend(unlisted_records().into_iter().skip(1));
    let unknown = code(9);
    let field_and_rule = "institution_credit_code unknown_institution";
    assert_eq!(
        summary(&records, &context(PERIOD, None)),
        [
            format!("Error energy_consumption {unknown}/electricity/2025-01 {field_and_rule}"),
            format!("Error energy_consumption {unknown}/water/2025-01 {field_and_rule}"),
            format!("Error waste_sorting {unknown}/other/2025-01 {field_and_rule}"),
        ]
    );
    let rest = format!(
        "institution {unknown} is not in the institutions table (公共机构基本信息); add the \
         institution there or correct the credit code"
    );
    assert_eq!(
        messages(&records, &context(PERIOD, None)),
        [
            format!("consumption of 电力 in 2025-01 (1000 kWh): {rest}"),
            format!("consumption of 水 in 2025-01 (10 m3): {rest}"),
            format!("其他垃圾 collected in 2025-01 (5 kg): {rest}"),
        ]
    );
}

#[test]
fn a_change_beyond_thirty_percent_needs_a_note() {
    // The expected texts are the English catalogue's.
    schemas::Language::English.set_current();
    // Previous year: the organ 60,000 kWh × 0.1229 = 7,374 + 6,071.5 + 1,074.122 = 14,519.622
    // kgce, against 19,435.622 now: +4,916 / 14,519.622 = +33.86%. The school 200,000 kWh ×
    // 0.1229 = 24,580 + 3,412 = 27,992 kgce, against 18,160 now: −9,832 / 27,992 = −35.12%.
    // A record of 2023 is not of the previous year and is left out.
    let previous = [
        consumption(1, "2024-01", "electricity", "60000", "39000"),
        consumption(1, "2024-01", "natural_gas", "5000", "15000"),
        consumption(1, "2024-06", "gasoline", "1000", "7500"),
        consumption(2, "2024-01", "electricity", "200000", "130000"),
        consumption(2, "2024-01", "heat", "100", "4000"),
        consumption(2, "2023-01", "heat", "100000", "4000000"),
    ];
    let mut records = county_a_records();
    records[1] = records[1]
        .with("note", "新建教学楼投入使用前停用旧楼")
        .unwrap();
    let context = context(PERIOD, Some(&previous));
    assert_eq!(
        summary(&records, &context),
        [
            format!(
                "Error institutions {} note year_on_year_needs_note",
                code(1)
            ),
            format!("Warning institutions {} note year_on_year_change", code(2)),
        ]
    );
    assert_eq!(
        messages(&records, &context),
        [
            format!(
                "institution {} (机构1, type 01 国家机关): 19435.62 kgce of standard coal in 2025 \
                 against 14519.62 kgce in 2024, a change of +33.86%, beyond ±30%: explain the \
                 change in the note (说明) field",
                code(1)
            ),
            format!(
                "institution {} (机构2, type 021 教育): 18160 kgce of standard coal in 2025 \
                 against 27992 kgce in 2024, a change of -35.12%, beyond ±30%; explained as \
                 “新建教学楼投入使用前停用旧楼”",
                code(2)
            ),
        ]
    );
}

#[test]
fn intensities_far_from_the_benchmark_are_listed_for_a_whole_year() {
    // The expected texts are the English catalogue's.
    schemas::Language::English.set_current();
    // A sports centre (national benchmark 18.48 kgce/m2, 329.56 kgce/person) with its floor area
    // typed in the wrong unit: 50,000 kWh × 0.1229 = 6,145 kgce over 100 m2 = 61.45 > 18.48 × 3 =
    // 55.44; 614.5 kgce/person lies within 109.85 to 988.68. A school (3.28 and 65.30) with
    // 10,000 kWh = 1,229 kgce: 0.06 kgce/m2 < 3.28 / 3 and 0.61 kgce/person < 65.30 / 3.
    let records = [
        institution(5, "025", "100", "10", ""),
        institution(6, "021", "20000", "2000", ""),
        consumption(5, "2025-01", "electricity", "50000", "32500"),
        consumption(6, "2025-01", "electricity", "10000", "6500"),
    ];
    let rule = "intensity_far_from_benchmark";
    assert_eq!(
        summary(&records, &context(PERIOD, None)),
        [
            format!("Warning institutions {} floor_area_m2 {rule}", code(5)),
            format!("Warning institutions {} floor_area_m2 {rule}", code(6)),
            format!("Warning institutions {} people {rule}", code(6)),
        ]
    );
    assert_eq!(
        messages(&records, &context(PERIOD, None)),
        [
            format!(
                "institution {} (机构5, type 025 体育): 61.45 kgce/m2 (6145 kgce over 100 m2) in \
                 2025 is more than 3 times the benchmark 全国公共机构 2020 年平均 (national \
                 average, 2020) of 18.48 kgce/m2; check the floor area and the consumption records",
                code(5)
            ),
            format!(
                "institution {} (机构6, type 021 教育): 0.06 kgce/m2 (1229 kgce over 20000 m2) in \
                 2025 is less than 1/3 of the benchmark 中小学校 2021 年平均 (primary and \
                 secondary schools, one province, 2021) of 3.28 kgce/m2; check the floor area and \
                 the consumption records",
                code(6)
            ),
            format!(
                "institution {} (机构6, type 021 教育): 0.61 kgce/person (1229 kgce over 2000 \
                 people) in 2025 is less than 1/3 of the benchmark 中小学校 2021 年平均 (primary \
                 and secondary schools, one province, 2021) of 65.3 kgce/person; check the people \
                 using energy and the consumption records",
                code(6)
            ),
        ]
    );
    // Only a whole year is judged.
    let quarter = context(Period::Quarter(2025, 1), None);
    assert_eq!(summary(&records, &quarter), Vec::<String>::new());
}

// ---------------------------------------------------------------------------------------------
// The return.

/// The city's figures: its own level, the two counties, their exact sum, and a previous year of
/// 160,000 kgce.
struct City {
    total: Figures,
    own_level: Figures,
    children: Vec<(DivisionCode, String, Figures)>,
    previous_year: Figures,
}

fn city() -> City {
    let own_level = figures_of(&own_level_records());
    let county = |code: &str, name: &str, records: Vec<Record>| {
        (
            DivisionCode::parse(code).unwrap(),
            name.to_owned(),
            figures_of(&records),
        )
    };
    let children = vec![
        county("640104000000", "兴庆区", county_a_records()),
        county("640105000000", "西夏区", county_b_records()),
    ];
    let mut total = own_level.clone();
    for (_, _, figures) in &children {
        total.add(figures).unwrap();
    }
    let previous_year = Figures::from_texts(&[("energy.standard_coal_kgce", "160000")]).unwrap();
    City {
        total,
        own_level,
        children,
        previous_year,
    }
}

fn input(city: &City, with_previous_year: bool) -> ReturnInput<'_> {
    ReturnInput {
        ledger: Ledger::Energy,
        period: PERIOD,
        total: &city.total,
        own_level: &city.own_level,
        children: &city.children,
        previous_year: with_previous_year.then_some(&city.previous_year),
    }
}

/// Cells written as text separated by spaces, `-` for an empty cell.
fn cells(text: &str) -> Vec<Option<Decimal>> {
    let cell = |word: &str| (word != "-").then(|| decimal(word));
    text.split_whitespace().map(cell).collect()
}

/// The lines of a text table, `|`-separated and trimmed, blank lines and `#` comments skipped.
fn table_lines(text: &str) -> Vec<Vec<&str>> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|line| line.split('|').map(str::trim).collect())
        .collect()
}

/// Asserts a sheet: its name, row header and dimension, its columns (`indicator | header | unit`
/// lines) and its rows (`key | label | cells` lines, the totals row keyed `totals`).
fn assert_sheet(
    sheet: &ReturnSheet,
    heading: (&str, &str, RowDimension),
    columns: &str,
    rows: &str,
) {
    let (name_zh, row_header_zh, rows_are) = heading;
    assert_eq!(
        (sheet.name_zh.as_str(), sheet.row_header_zh.as_str()),
        (name_zh, row_header_zh)
    );
    assert_eq!(sheet.rows_are, rows_are, "{}", sheet.id);
    let found_columns: Vec<Vec<&str>> = sheet
        .columns
        .iter()
        .map(|column| vec![column.indicator.as_str(), &column.header_zh, &column.unit])
        .collect();
    assert_eq!(
        found_columns,
        table_lines(columns),
        "columns of {}",
        sheet.id
    );
    let found_rows: Vec<(&str, &str, Vec<Option<Decimal>>)> = sheet
        .rows
        .iter()
        .map(|row| (row.key.as_str(), row.label_zh.as_str(), row.values.clone()))
        .chain(
            sheet
                .totals
                .iter()
                .map(|totals| ("totals", "", totals.clone())),
        )
        .collect();
    let wanted_rows: Vec<(&str, &str, Vec<Option<Decimal>>)> = table_lines(rows)
        .into_iter()
        .map(|line| (line[0], line[1], cells(line[2])))
        .collect();
    assert_eq!(found_rows, wanted_rows, "rows of {}", sheet.id);
}

/// Totals of the city: 4 institutions; 3,000 + 7,000 + 10,000 = 20,000 m2; 150 + 500 + 300 = 950
/// people; 24,580 + 37,595.622 + 115,417.992 = 177,593.614 kgce; 142,000 + 202,500 + 636,900 =
/// 981,400 yuan; 4,000 + 11,000 + 30,000 = 45,000 m3 of water.
#[test]
fn the_city_return_cell_by_cell() {
    let city = city();
    let sheets = return_sheets(&input(&city, true));
    let ids: Vec<&str> = sheets.iter().map(|sheet| sheet.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "indicators",
            "by_carrier",
            "by_institution_type",
            "waste",
            "by_child",
            "saving_type",
            "saving_type_by_year"
        ]
    );

    let indicators = &sheets[0];
    let heading = ("主要指标", "指标", RowDimension::Indicator);
    let columns = "
        VALUE | 数值 |
        NUMERATOR | 分子 |
        DENOMINATOR | 分母 |
        YOY_CHANGE | 同比增减（%） | percent";
    assert_sheet(
        indicators,
        heading,
        columns,
        "
        # 177,593.614 kgce / 1,000 = 177.593614 tce. The change on the previous year's 160,000 kgce
        # is 17,593.614 kgce: 17,593.614 × 100 / 160,000 = 10.99600875, 11.00 in percent.
        TOTAL_ENERGY_TCE | 能源消费总量（折标准煤） | 177.5936 - - 11.00
        # The previous year holds standard coal alone, so every other change is undefined: its
        # ratios are over a floor area or people of zero, its solar generation is zero.
        # 177,593.614 / 20,000 = 8.8796807.
        ENERGY_PER_AREA | 单位建筑面积能耗 | 8.88 177593.614 20000 -
        # 177,593.614 / 950 = 186.9406…
        ENERGY_PER_PERSON | 人均综合能耗 | 186.94 177593.614 950 -
        # 45,000 / 950 = 47.3684…
        WATER_PER_PERSON | 人均用水量 | 47.37 45000 950 -
        # 981,400 / 20,000 = 49.07.
        COST_PER_AREA | 单位建筑面积能源资源费用 | 49.07 981400 20000 -
        SOLAR_GENERATION_KWH | 光伏发电量 | 5000 - - -",
    );
    let units: Vec<&str> = indicators
        .rows
        .iter()
        .filter_map(|row| row.unit.as_deref())
        .collect();
    let wanted = [
        "tce",
        "kgce/m2",
        "kgce/person",
        "m3/person",
        "yuan/m2",
        "kWh",
    ];
    assert_eq!(units, wanted);

    let heading = (
        "能源消费",
        "能源品种",
        RowDimension::Breakdown {
            id: "CARRIER".to_owned(),
        },
    );
    assert_sheet(
        &sheets[1],
        heading,
        "
        QUANTITY | 消费量（计量单位见品种） | carrier unit
        COST_YUAN | 金额（元） | yuan
        STANDARD_COAL_TCE | 折标准煤（吨标准煤） | tce
        SHARE_OF_STANDARD_COAL | 占能源消费总量比重（%） | percent",
        "
        # Share = the carrier's kgce × 100 / 177,593.614. Electricity: 24,580 + 27,038 + 98,320 =
        # 149,938 kgce, 84.4276%.
        electricity | 电力（千瓦时） | 1220000 793000 149.938 84.43
        # Water carries no standard coal: undefined, not zero. 12,000 + 33,000 + 90,000 yuan.
        water | 水（立方米） | 45000 135000 - -
        # 6,071.5 kgce: 3.4188%.
        natural_gas | 天然气（立方米） | 5000 15000 6.0715 3.42
        # 14,643.15 kgce = 14.64315 tce, rounded half away from zero to 14.6432; 8.2453%.
        coal | 煤炭（吨） | 20.5 20500 14.6432 8.25
        # 1,074.122 kgce: 0.6048%.
        gasoline | 汽油（升） | 1000 7500 1.0741 0.60
        # 611.982 kgce: 0.3446%.
        diesel | 柴油（升） | 500 3800 0.612 0.34
        # 342.86 kgce: 0.1931%.
        lpg | 液化石油气（千克） | 200 1600 0.3429 0.19
        # 3,412 kgce: 1.9212%.
        heat | 热力（吉焦） | 100 4000 3.412 1.92
        solar_pv | 光伏发电（千瓦时） | 5000 0 - -
        # 1,500 kgce: 0.8446%.
        other | 其他（吨标准煤） | 1.5 1000 1.5 0.84
        # Quantities in different units do not add up; the standard coal is 100% of itself.
        totals | | - 981400 177.5936 100",
    );

    let size_and_intensity = "
        INSTITUTIONS | 公共机构数（个） | count
        FLOOR_AREA_M2 | 建筑面积（平方米） | m2
        PEOPLE | 用能人数（人） | person
        STANDARD_COAL_TCE | 能源消费量（吨标准煤） | tce
        ENERGY_PER_AREA | 单位建筑面积能耗（千克标准煤/平方米） | kgce/m2
        ENERGY_PER_PERSON | 人均综合能耗（千克标准煤/人） | kgce/person
        WATER_PER_PERSON | 人均用水量（立方米/人） | m3/person";
    let heading = (
        "按机构类型",
        "机构类型",
        RowDimension::Breakdown {
            id: "INST_TYPE".to_owned(),
        },
    );
    assert_sheet(
        &sheets[2],
        heading,
        size_and_intensity,
        "
        # Two organs: 3,000 + 2,000 m2, 150 + 100 people, 24,580 + 19,435.622 = 44,015.622 kgce
        # (8.8031 per m2, 176.0625 per person), 4,000 + 3,000 m3 of water (28 per person).
        01 | 国家机关 | 2 5000 250 44.0156 8.80 176.06 28
        # 18,160 kgce / 5,000 m2 = 3.632, / 400 people = 45.4; 8,000 m3 / 400 = 20.
        021 | 教育 | 1 5000 400 18.16 3.63 45.40 20
        022 | 科技 | 0 0 0 0 - - -
        023 | 文化 | 0 0 0 0 - - -
        # 115,417.992 / 10,000 = 11.5418; / 300 = 384.7266; 30,000 / 300 = 100.
        024 | 卫生 | 1 10000 300 115.418 11.54 384.73 100
        025 | 体育 | 0 0 0 0 - - -
        026 | 其他事业单位 | 0 0 0 0 - - -
        03 | 社会团体 | 0 0 0 0 - - -
        totals | | 4 20000 950 177.5936 8.88 186.94 47.37",
    );

    let heading = (
        "垃圾分类",
        "垃圾类别",
        RowDimension::Breakdown {
            id: "WASTE_CATEGORY".to_owned(),
        },
    );
    let columns = "COLLECTED_KG | 收集量（千克） | kg \n DISPOSED_KG | 处置量（千克） | kg";
    assert_sheet(
        &sheets[3],
        heading,
        columns,
        "
        recyclable | 可回收物 | 120.5 100
        kitchen | 厨余垃圾 | 300 0
        hazardous | 有害垃圾 | 2.5 2.5
        other | 其他垃圾 | 500 450
        # 120.5 + 300 + 2.5 + 500; 100 + 0 + 2.5 + 450.
        totals | | 923 552.5",
    );

    let heading = ("按下级单位", "单位", RowDimension::RefArea);
    let columns = format!("{size_and_intensity}\n COST_YUAN | 能源资源费用（元） | yuan");
    assert_sheet(
        &sheets[4],
        heading,
        &columns,
        "
        # 24,580 / 3,000 = 8.1933; / 150 = 163.8667; 4,000 / 150 = 26.667.
        _own | 本级 | 1 3000 150 24.58 8.19 163.87 26.67 142000
        # 37,595.622 / 7,000 = 5.3708; / 500 = 75.1912; 11,000 / 500 = 22.
        640104000000 | 兴庆区 | 2 7000 500 37.5956 5.37 75.19 22 202500
        # 115,417.992 / 10,000 = 11.5418; / 300 = 384.7266; 30,000 / 300 = 100.
        640105000000 | 西夏区 | 1 10000 300 115.418 11.54 384.73 100 636900
        # Ratios of the totals, not averages of the rows' ratios (8.37 kgce/m2 unweighted).
        totals | | 4 20000 950 177.5936 8.88 186.94 47.37 981400",
    );
}

#[test]
fn without_the_previous_year_the_change_is_empty() {
    let city = city();
    let sheets = return_sheets(&input(&city, false));
    // The change of total standard coal is the fourth cell of its own row: empty, as is every
    // other row's, and the sheet has no row for changes of its own.
    let keys: Vec<&str> = sheets[0].rows.iter().map(|row| row.key.as_str()).collect();
    assert_eq!(
        keys,
        [
            "TOTAL_ENERGY_TCE",
            "ENERGY_PER_AREA",
            "ENERGY_PER_PERSON",
            "WATER_PER_PERSON",
            "COST_PER_AREA",
            "SOLAR_GENERATION_KWH"
        ]
    );
    assert_eq!(sheets[0].rows[0].values, cells("177.5936 - - -"));
    assert!(sheets[0].rows.iter().all(|row| row.values[3].is_none()));
}

#[test]
fn the_by_child_totals_come_from_the_total_alone() {
    let city = city();
    let sheets = return_sheets(&input(&city, true));
    let get = |name: &str| city.total.get(name);
    let round = schemas::returns::round;
    let ratio =
        |numerator, denominator| schemas::returns::ratio(get(numerator), get(denominator), 2);
    let kgce = "energy.standard_coal_kgce";
    let from_total = vec![
        Some(get("energy.institutions")),
        Some(round(get("energy.floor_area_m2"), 2)),
        Some(get("energy.people")),
        Some(round(get(kgce) / Decimal::ONE_THOUSAND, 4)),
        ratio(kgce, "energy.floor_area_m2"),
        ratio(kgce, "energy.people"),
        ratio("energy.water_m3", "energy.people"),
        Some(round(get("energy.cost_yuan"), 2)),
    ];
    assert_eq!(sheets[4].totals.as_ref(), Some(&from_total));
    // A total that is not the rows' sum (a level in between reported more) is taken as it is:
    // 177,593.614 kgce / 1,000 people = 177.59; 45,000 m3 / 1,000 = 45.
    let mut other_total = city.total.clone();
    other_total.set("energy.people", decimal("1000")).unwrap();
    let mut changed = input(&city, true);
    changed.total = &other_total;
    let totals = return_sheets(&changed)[4].totals.clone().unwrap();
    assert_eq!(totals, cells("4 20000 1000 177.5936 8.88 177.59 45 981400"));
}

#[test]
fn an_unlisted_institution_gets_its_own_row_by_type() {
    let figures = figures_of(&unlisted_records());
    let city = City {
        total: figures.clone(),
        own_level: figures,
        children: Vec::new(),
        previous_year: Figures::new(),
    };
    let sheets = return_sheets(&input(&city, false));
    let by_type = &sheets[2];
    let last = by_type.rows.last().unwrap();
    // 122.9 kgce = 0.1229 tce, with neither area nor people.
    assert_eq!(
        (last.key.as_str(), last.label_zh.as_str()),
        ("unlisted", "未列入基本信息的机构")
    );
    assert_eq!(last.values, cells("0 0 0 0.1229 - - -"));
    // The totals count it: 122.9 kgce / 2,000 m2 = 0.06; / 100 people = 1.23; 10 m3 / 100 = 0.1.
    assert_eq!(
        by_type.totals,
        Some(cells("1 2000 100 0.1229 0.06 1.23 0.1"))
    );
}

// ---------------------------------------------------------------------------------------------
// Saving-type institutions (节约型机关).

/// The period the saving-type checks run for: the last quarter of 2025, so that organs without
/// consumption records are not also flagged far below their intensity benchmark (a yearly check).
const CHECK_PERIOD: Period = Period::Quarter(2025, 4);

/// A state organ with its saving-type cells: eligible, in progress, year passed (empty: not).
fn organ(serial: u32, eligible: &str, in_progress: &str, passed_year: &str) -> Record {
    let fields = [
        ("institution_credit_code", code(serial)),
        ("name", format!("机关{serial}")),
        ("type_code", "01".to_owned()),
        ("floor_area_m2", "1000".to_owned()),
        ("people", "50".to_owned()),
        ("saving_type_eligible", eligible.to_owned()),
        ("saving_type_in_progress", in_progress.to_owned()),
        ("saving_type_passed_year", passed_year.to_owned()),
    ];
    let texts: Vec<(&str, &str)> = fields.iter().map(|(f, t)| (*f, t.as_str())).collect();
    Record::from_texts(Table::Institutions.spec(), &texts).unwrap()
}

/// The city's own level: 2 of 3 eligible organs created (2021, 2025), one not eligible.
fn saving_own_level() -> Vec<Record> {
    vec![
        organ(1, "是", "否", "2021"),
        organ(2, "是", "否", "2025"),
        organ(3, "是", "是", ""),
        organ(4, "否", "否", ""),
    ]
}

/// County A: 1 of 1 eligible created (2022): a rate of 100 %.
fn saving_county_a() -> Vec<Record> {
    vec![organ(11, "是", "否", "2022")]
}

/// County B: 1 of 4 eligible created (2023): a rate of 25 %.
fn saving_county_b() -> Vec<Record> {
    vec![
        organ(21, "是", "否", "2023"),
        organ(22, "是", "是", ""),
        organ(23, "是", "否", ""),
        organ(24, "是", "否", ""),
    ]
}

#[test]
fn saving_type_figures_golden() {
    let wanted = "
        energy.saving_type: eligible 3, created 2, created_this_year 1, in_progress 1
        energy.saving_type.created_in: 2021 1, 2025 1";
    let found: Vec<(String, Decimal)> = pairs(&figures_of(&saving_own_level()))
        .into_iter()
        .filter(|(name, _)| name.starts_with("energy.saving_type"))
        .collect();
    assert_eq!(found, expected(wanted));
}

#[test]
fn the_saving_type_rate_is_a_ratio_of_totals_by_child() {
    let own_level = figures_of(&saving_own_level());
    let children = vec![
        (
            DivisionCode::parse("640104000000").unwrap(),
            "兴庆区".to_owned(),
            figures_of(&saving_county_a()),
        ),
        (
            DivisionCode::parse("640105000000").unwrap(),
            "西夏区".to_owned(),
            figures_of(&saving_county_b()),
        ),
    ];
    let mut total = own_level.clone();
    for (_, _, figures) in &children {
        total.add(figures).unwrap();
    }
    let input = ReturnInput {
        ledger: Ledger::Energy,
        period: PERIOD,
        total: &total,
        own_level: &own_level,
        children: &children,
        previous_year: None,
    };
    let sheets = return_sheets(&input);
    let sheet = sheets
        .iter()
        .find(|sheet| sheet.id == "saving_type")
        .unwrap();
    let columns = "
        SAVING_TYPE_ELIGIBLE | 纳入创建范围的党政机关数（个） | count
        SAVING_TYPE_CREATED | 累计通过评价数（个） | count
        SAVING_TYPE_CREATED_THIS_YEAR | 本年通过评价数（个） | count
        SAVING_TYPE_IN_PROGRESS | 创建中（个） | count
        SAVING_TYPE_RATE | 创建率（%） | percent";
    // 2/3 = 66.7 %, 1/1 = 100 %, 1/4 = 25 %; the city: (2 + 1 + 1) / (3 + 1 + 4) = 4/8 = 50 %,
    // not the mean of the rates (63.9 %).
    let rows = "
        _own | 本级 | 3 2 1 1 66.7
        640104000000 | 兴庆区 | 1 1 0 0 100
        640105000000 | 西夏区 | 4 1 0 1 25
        totals | | 8 4 1 2 50";
    assert_sheet(
        sheet,
        ("节约型机关创建", "单位", RowDimension::RefArea),
        columns,
        rows,
    );
    let by_year = sheets
        .iter()
        .find(|sheet| sheet.id == "saving_type_by_year")
        .unwrap();
    let rows = "
        2020 | 2020年 | 0
        2021 | 2021年 | 1
        2022 | 2022年 | 1
        2023 | 2023年 | 1
        2024 | 2024年 | 0
        2025 | 2025年 | 1
        totals | | 4";
    assert_sheet(
        by_year,
        (
            "节约型机关按创建年份",
            "通过评价年份",
            RowDimension::Breakdown {
                id: "CREATION_YEAR".to_owned(),
            },
        ),
        "SAVING_TYPE_CREATED | 通过评价数（个） | count",
        rows,
    );
}

#[test]
fn a_saving_type_rate_below_the_target_is_a_warning_and_one_above_is_not() {
    schemas::Language::English.set_current();
    // County B: 25 % < 70 %. The finding names the first eligible organ not created.
    assert_eq!(
        summary(&saving_county_b(), &context(CHECK_PERIOD, None)),
        [format!(
            "Warning institutions {} saving_type_passed_year saving_type_rate_below_target",
            code(22)
        )]
    );
    let message = &messages(&saving_county_b(), &context(CHECK_PERIOD, None))[0];
    assert!(
        message.contains("4 bodies") && message.contains("1 had passed by 2025"),
        "{message}"
    );
    assert!(
        message.contains("25%") && message.contains("70%"),
        "{message}"
    );
    assert!(message.contains("机关22、机关23、机关24"), "{message}");
    // County A: 100 %; the own level: 66.7 % is below 70 % but above a target of 60 %.
    assert_eq!(
        summary(&saving_county_a(), &context(CHECK_PERIOD, None)),
        Vec::<String>::new()
    );
    assert_eq!(
        summary(&saving_own_level(), &context(CHECK_PERIOD, None)).len(),
        1
    );
    let mut lower = context(CHECK_PERIOD, None);
    lower.options.saving_target_percent = 60;
    assert_eq!(summary(&saving_own_level(), &lower), Vec::<String>::new());
    // Exactly at the target is not below it: 2 of 3 against 66 % and 67 %.
    lower.options.saving_target_percent = 66;
    assert!(summary(&saving_own_level(), &lower).is_empty());
    lower.options.saving_target_percent = 67;
    assert_eq!(summary(&saving_own_level(), &lower).len(), 1);
}

#[test]
fn a_saving_type_year_after_the_period_is_refused() {
    schemas::Language::English.set_current();
    // A year after the period does not count as created: 1 of 2 is also below the target.
    let records = vec![organ(1, "是", "否", "2026"), organ(2, "是", "否", "2024")];
    assert_eq!(
        summary(&records, &context(CHECK_PERIOD, None)),
        [
            format!(
                "Warning institutions {} saving_type_passed_year saving_type_rate_below_target",
                code(1)
            ),
            format!(
                "Error institutions {} saving_type_passed_year saving_type_year_after_period",
                code(1)
            )
        ]
    );
}

#[test]
fn saving_type_cells_that_disagree_are_refused_by_the_row_rules() {
    let texts = |type_code: &str, eligible: &str, in_progress: &str, year: &str| {
        let credit_code = code(1);
        let fields = [
            ("institution_credit_code", credit_code.as_str()),
            ("name", "机构"),
            ("type_code", type_code),
            ("floor_area_m2", "100"),
            ("people", "5"),
            ("saving_type_eligible", eligible),
            ("saving_type_in_progress", in_progress),
            ("saving_type_passed_year", year),
        ];
        Record::from_texts(Table::Institutions.spec(), &fields).map_err(|error| error.field())
    };
    assert!(texts("01", "是", "否", "2023").is_ok());
    assert!(texts("024", "否", "否", "").is_ok());
    // Only a state organ is eligible; only an eligible body has a status or a year; a year lies
    // from 2020; a body that passed is not in progress.
    assert_eq!(
        texts("024", "是", "否", "").err(),
        Some("saving_type_eligible")
    );
    assert_eq!(
        texts("01", "否", "是", "").err(),
        Some("saving_type_in_progress")
    );
    assert_eq!(
        texts("01", "否", "否", "2023").err(),
        Some("saving_type_passed_year")
    );
    assert_eq!(
        texts("01", "是", "否", "2019").err(),
        Some("saving_type_passed_year")
    );
    assert_eq!(
        texts("01", "是", "是", "2023").err(),
        Some("saving_type_in_progress")
    );
}

// ---------------------------------------------------------------------------------------------
// Benchmark tables by region.

#[test]
fn a_heated_northern_organ_is_flagged_against_the_southern_table_and_not_the_northern_one() {
    schemas::Language::English.set_current();
    // A state organ of 1,000 m2 and 50 people burning 40,000 kgce a year (heating included):
    // 40 kgce/m2 is above 3 × 11.02 = 33.06 (the southern table's organs) but not above
    // 3 × 18.48 = 55.44 (the northern table); 800 kgce/person is within 3 × 397.34 and 3 × 329.56.
    let records = vec![
        institution(1, "01", "1000", "50", "1000"),
        consumption(1, "2025-01", "other", "40", "0"),
    ];
    let with = |benchmarks: Option<&str>| {
        let mut context = context(PERIOD, None);
        context.options = schemas::ledgers::CheckOptions::chosen(benchmarks, 70).unwrap();
        summary(&records, &context)
    };
    let flagged = format!(
        "Warning institutions {} floor_area_m2 intensity_far_from_benchmark",
        code(1)
    );
    assert_eq!(with(None), std::slice::from_ref(&flagged));
    assert_eq!(with(Some("south-guangdong-2021")), [flagged]);
    assert_eq!(with(Some("north-heated")), Vec::<String>::new());
    assert_eq!(with(Some("national-2020")), Vec::<String>::new());
    assert!(schemas::ledgers::CheckOptions::chosen(Some("beijing"), 70).is_err());
}
