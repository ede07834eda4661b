//! Golden tests of the office space ledger: three small hand-computed datasets (a city's own level
//! and two of its counties), whose every figure, finding and return cell is asserted exactly, and a
//! dataset that breaks every cross-record rule once.
//!
//! Datasets and expectations are text tables: cells split on white space, `-` for an empty cell,
//! `#` starts a comment (the hand arithmetic).

use schemas::figures::Figures;
use schemas::ledgers::{CheckContext, ReturnInput, check, return_sheets};
use schemas::returns::{ReturnSheet, Severity, ratio};
use schemas::{CreditCode, Decimal, Ledger, Period, Record, Table, coefficients};
use topology::DivisionCode;

/// The city whose return is built.
const CITY: &str = "640100000000";
/// 兴庆区, the first child.
const XINGQING: &str = "640104000000";
/// 西夏区, the second child.
const XIXIA: &str = "640105000000";

fn period() -> Period {
    Period::parse("2025").unwrap()
}

fn decimal(text: &str) -> Decimal {
    text.parse().unwrap()
}

/// The lines of a text table: comments and blank lines left out, cells split on white space.
fn table_lines(table: &str) -> Vec<Vec<&str>> {
    table
        .lines()
        .map(|line| {
            line.split('#')
                .next()
                .unwrap_or("")
                .split_whitespace()
                .collect::<Vec<_>>()
        })
        .filter(|cells| !cells.is_empty())
        .collect()
}

/// Records from a text table: a line starting with a table slug names the fields of the rows
/// below it. Fields the tests never vary take a fixed value: a building's name, user, place and
/// year, a disposal's date and a rental's rented area.
fn records(text: &str) -> Vec<Record> {
    let code = CreditCode::with_check_digit("12640000MB000000N").unwrap();
    let mut header: Option<(Table, Vec<&str>)> = None;
    let mut records = Vec::new();
    for cells in table_lines(text) {
        if let Ok(table) = cells[0].parse::<Table>() {
            header = Some((table, cells[1..].to_vec()));
            continue;
        }
        let (table, fields) = header.as_ref().expect("a table line comes first");
        assert_eq!(cells.len(), fields.len(), "{cells:?}");
        let mut texts: Vec<(&str, &str)> = fields.iter().copied().zip(cells).collect();
        texts.retain(|(_, text)| *text != "-");
        texts.extend(match table {
            Table::Buildings => vec![
                ("name", "办公楼"),
                ("institution_credit_code", code.as_str()),
                ("division_code", "640104000000"),
                ("build_year", "2005"),
            ],
            Table::SpaceDisposals => vec![("date", "2025-06-30")],
            Table::RentalIncome => vec![("rented_floor_m2", "800")],
            _ => vec![],
        });
        records.push(Record::from_texts(table.spec(), &texts).unwrap());
    }
    records
}

/// The city's own level: three buildings (owned, lent out, rented), space in every category,
/// disposed space, four rooms (one over standard, one vacant), two disposals, three rental months.
fn own_level_records() -> Vec<Record> {
    records(
        "
        buildings    building_id land_area_m2 floor_area_m2 ownership      registration safety_grade
                     B-001       3000         6000          owned_in_use   registered   a
                     B-002       1000.5       1500.5        owned_lent_out in_progress  c
                     B-003       -            800           rented         unregistered b
        office_spaces building_id category  status     usable_m2 floor_m2
                     B-001       office     in_use     2000      2600
                     B-001       office     idle       150       200
                     B-001       service    in_use     900       1200
                     B-001       equipment  in_use     300       400
                     B-001       ancillary  in_use     500       700
                     B-002       office     rented_out 600       800
                     B-002       technical  idle       250.5     300.5
                     B-002       office     disposed   200       260
                     B-003       office     in_use     500       650
        office_rooms building_id room_no occupant_rank      occupants usable_m2
                     B-001       101     city_bureau_head   1         24
                     B-001       102     city_staff         4         40   # 9 m2 × 4 = 36
                     B-001       103     city_bureau_deputy 0         18   # vacant
                     B-003       201     city_staff         3         27
        space_disposals disposal_id building_id method floor_m2 income_yuan
                     D-2025-01   B-002       sale     260      1300000
                     D-2025-02   B-001       transfer 100      -
        rental_income building_id month   income_yuan
                     B-002       2025-01 12000
                     B-002       2025-02 12000
                     B-002       2025-03 12500.5
        ",
    )
}

/// 兴庆区: an owned building and a borrowed dangerous one, one room over standard, one rental.
fn xingqing_records() -> Vec<Record> {
    records(
        "
        buildings    building_id land_area_m2 floor_area_m2 ownership    registration safety_grade
                     XQ-01       2500         4000          owned_in_use registered   b
                     XQ-02       -            600           borrowed     unregistered d
        office_spaces building_id category  status   usable_m2 floor_m2
                     XQ-01       office     in_use   1600      2100
                     XQ-01       service    lent_out 400       520
                     XQ-01       equipment  idle     100       130
                     XQ-02       office     in_use   350       480
        office_rooms building_id room_no occupant_rank       occupants usable_m2
                     XQ-01       301     county_head         1         36   # 30 m2 × 1
                     XQ-01       302     county_section_head 2         30   # 18 m2 × 2 = 36
                     XQ-02       101     county_staff        5         45   # 9 m2 × 5 = 45
        rental_income building_id month   income_yuan
                     XQ-01       2025-05 8000
        ",
    )
}

/// 西夏区: one building, idle offices and ancillary space, one room over standard, one swap.
fn xixia_records() -> Vec<Record> {
    records(
        "
        buildings    building_id land_area_m2 floor_area_m2 ownership    registration safety_grade
                     XX-01       1800         3000          owned_in_use registered   a
        office_spaces building_id category  status usable_m2 floor_m2
                     XX-01       office     in_use 1200      1500
                     XX-01       office     idle   300       380
                     XX-01       ancillary  idle   200       260
        office_rooms building_id room_no occupant_rank occupants usable_m2
                     XX-01       A101    county_deputy 1         24   # 24 m2 × 1
                     XX-01       A102    county_staff  2         25   # 9 m2 × 2 = 18
        space_disposals disposal_id building_id method floor_m2 income_yuan
                     DX-1        XX-01       swap   150      450000
        ",
    )
}

fn figures_of(records: &[Record]) -> Figures {
    schemas::compute(
        Ledger::OfficeSpace,
        period(),
        records,
        coefficients::current(),
    )
    .unwrap()
}

/// Figures from one value column of a text table of `name value...` lines (names without
/// `office_space.`, `-` for a figure that is zero).
fn figures(table: &str, column: usize) -> Figures {
    let lines = table_lines(table);
    let names: Vec<String> = lines
        .iter()
        .map(|cells| format!("office_space.{}", cells[0]))
        .collect();
    let pairs: Vec<(&str, &str)> = names
        .iter()
        .zip(&lines)
        .filter(|(_, cells)| cells[column] != "-")
        .map(|(name, cells)| (name.as_str(), cells[column]))
        .collect();
    Figures::from_texts(&pairs).unwrap()
}

/// Every figure of the three datasets, one column each, and of the city: their exact sum.
const FIGURES: &str = "
    # name                                 own level  兴庆区  西夏区     city
    buildings                                      3       2       1        6
    floor_area_m2                             8300.5    4600    3000  15900.5  # 6000 + 1500.5 + 800; 4000 + 600
    land_area_m2                              4000.5    2500    1800   8300.5  # 3000 + 1000.5 + 0
    ownership.owned_in_use.buildings               1       1       1        3
    ownership.owned_in_use.floor_area_m2        6000    4000    3000    13000
    ownership.owned_lent_out.buildings             1       -       -        1
    ownership.owned_lent_out.floor_area_m2    1500.5       -       -   1500.5
    ownership.rented.buildings                     1       -       -        1
    ownership.rented.floor_area_m2               800       -       -      800
    ownership.borrowed.buildings                   -       1       -        1
    ownership.borrowed.floor_area_m2               -     600       -      600
    registered.buildings                           1       1       1        3
    registered.floor_area_m2                    6000    4000    3000    13000
    safety.a.buildings                             1       -       1        2
    safety.a.floor_area_m2                      6000       -    3000     9000
    safety.b.buildings                             1       1       -        2
    safety.b.floor_area_m2                       800    4000       -     4800
    safety.c.buildings                             1       -       -        1
    safety.c.floor_area_m2                    1500.5       -       -   1500.5
    safety.d.buildings                             -       1       -        1
    safety.d.floor_area_m2                         -     600       -      600
    basic_usable_m2                             4450    2450    1500     8400  # own: office 3250 + service 900 + equipment 300
    usable_m2                                 5200.5    2450    1700   9350.5  # own: 4450 + 500 + 250.5, not the disposed 200
    idle_usable_m2                             400.5     100     500   1000.5  # own: 150 + 250.5; 西夏: 300 + 200
    category.office.usable_m2                   3250    1950    1500     6700  # own: 2000 + 150 + 600 + 500
    category.office.floor_m2                    4250    2580    1880     8710  # own: 2600 + 200 + 800 + 650
    category.office.idle_usable_m2               150       -     300      450
    category.service.usable_m2                   900     400       -     1300
    category.service.floor_m2                   1200     520       -     1720
    category.equipment.usable_m2                 300     100       -      400
    category.equipment.floor_m2                  400     130       -      530
    category.equipment.idle_usable_m2              -     100       -      100
    category.ancillary.usable_m2                 500       -     200      700
    category.ancillary.floor_m2                  700       -     260      960
    category.ancillary.idle_usable_m2              -       -     200      200
    category.technical.usable_m2               250.5       -       -    250.5
    category.technical.floor_m2                300.5       -       -    300.5
    category.technical.idle_usable_m2          250.5       -       -    250.5
    status.in_use.usable_m2                     4200    1950    1200     7350  # own: 2000 + 900 + 300 + 500 + 500
    status.idle.usable_m2                      400.5     100     500   1000.5
    status.lent_out.usable_m2                      -     400       -      400
    status.rented_out.usable_m2                  600       -       -      600
    status.disposed.usable_m2                    200       -       -      200
    rooms                                          4       3       2        9
    room_occupants                                 8       8       3       19  # 1 + 4 + 0 + 3; 1 + 2 + 5; 1 + 2
    room_usable_m2                               109     111      49      269  # 24 + 40 + 18 + 27; 36 + 30 + 45; 24 + 25
    rooms_over_standard                            1       1       1        3  # rooms 102, 301, A102
    rooms_over_standard_excess_m2                  4       6       7       17  # 40 − 36; 36 − 30; 25 − 18
    disposals                                      2       -       1        3
    disposed_floor_m2                            360       -     150      510  # 260 + 100
    disposal_income_yuan                     1300000       -  450000  1750000
    disposal.sale.floor_m2                       260       -       -      260
    disposal.swap.floor_m2                         -       -     150      150
    disposal.transfer.floor_m2                   100       -       -      100
    rental_income_yuan                       36500.5    8000       -  44500.5  # 12000 + 12000 + 12500.5
    rental_months                                  3       1       -        4
";

/// The figures as (name, value) pairs, in name order.
fn pairs(figures: &Figures) -> Vec<(String, Decimal)> {
    figures
        .iter()
        .map(|(name, value)| (name.to_owned(), value))
        .collect()
}

#[test]
fn every_figure_of_every_dataset_and_of_their_sum() {
    let datasets = [own_level_records(), xingqing_records(), xixia_records()];
    for (index, records) in datasets.iter().enumerate() {
        assert_eq!(
            pairs(&figures_of(records)),
            pairs(&figures(FIGURES, index + 1))
        );
    }
    assert_eq!(pairs(&inputs().total), pairs(&figures(FIGURES, 4)));
}

/// The context of the checks of a document of `owner`, whose code sets the level of its ranks.
fn check_context(owner: &str) -> CheckContext<'static> {
    CheckContext {
        owner: DivisionCode::parse(owner).unwrap(),
        period: period(),
        previous: None,
        options: Default::default(),
    }
}

/// Asserts the findings of a dataset of `owner` against a text table of `table record_id severity
/// field rule` lines, and that each names the owner.
fn assert_findings(owner: &str, records: &[Record], expected: &str) {
    let findings = check(Ledger::OfficeSpace, records, &check_context(owner));
    assert!(
        findings
            .iter()
            .all(|finding| finding.owner.as_str() == owner)
    );
    let found: Vec<Vec<String>> = findings
        .iter()
        .map(|finding| {
            let severity = match finding.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
            };
            [
                &finding.table,
                &finding.record_id,
                severity,
                &finding.field,
                &finding.rule,
            ]
            .map(|cell| cell.to_string())
            .to_vec()
        })
        .collect();
    let wanted: Vec<Vec<String>> = table_lines(expected)
        .into_iter()
        .map(|cells| cells.into_iter().map(str::to_owned).collect())
        .collect();
    assert_eq!(found, wanted);
}

#[test]
fn the_datasets_raise_only_their_warnings_and_a_clean_one_none() {
    assert_findings(
        CITY,
        &own_level_records(),
        "office_rooms  B-001/102  warning  usable_m2  room_over_standard",
    );
    assert_findings(
        XINGQING,
        &xingqing_records(),
        "
        buildings     XQ-02      warning  safety_grade  dangerous_building
        office_rooms  XQ-01/301  warning  usable_m2     room_over_standard
        ",
    );
    let mut clean = xixia_records();
    clean.retain(|record| record.id() != "XX-01/A102");
    assert_findings(XIXIA, &clean, "");
}

#[test]
fn every_rule_broken_once() {
    // The expected texts are the English catalogue's.
    schemas::Language::English.set_current();
    let records = records(
        "
        buildings    building_id land_area_m2 floor_area_m2 ownership    registration safety_grade
                     E-1         -            100           owned_in_use registered   a
                     E-2         -            500           rented       unregistered b
                     E-3         -            400           borrowed     unregistered d
        office_spaces building_id category status usable_m2 floor_m2
                     E-1         office   in_use 60        70
                     E-1         service  in_use 30        40    # 70 + 40 = 110 > 100
                     E-2         office   in_use 200       250
                     Z-9         office   in_use 10        10
        office_rooms building_id room_no occupant_rank occupants usable_m2
                     E-1         1       county_staff  3         27
                     E-1         2       county_staff  4         36    # 27 + 36 = 63 > 60
                     E-2         8       county_head   1         31    # 31 > 30
                     E-2         9       处级          1         12    # a central rank
                     Z-9         1       county_staff  1         9
        rental_income building_id month   income_yuan
                     Z-9         2025-01 100
                     E-3         2025-07 100
                     E-2         2025-04 100
        space_disposals disposal_id building_id method   floor_m2 income_yuan
                     DE-3        Z-9         sale     10       -
                     DE-2        E-3         transfer 100      -
                     DE-1        E-2         sale     100      5000
        ",
    );
    assert_findings(
        XINGQING,
        &records,
        "
        buildings        E-1                error    floor_area_m2  parts_exceed_whole
        buildings        E-1                error    building_id    rooms_exceed_office_space
        buildings        E-3                warning  safety_grade   dangerous_building
        office_spaces    Z-9/office/in_use  error    building_id    unknown_building
        office_rooms     E-2/8              warning  usable_m2      room_over_standard
        office_rooms     E-2/9              error    occupant_rank  rank_not_of_body_level
        office_rooms     Z-9/1              error    building_id    unknown_building
        space_disposals  DE-1               error    building_id    rented_building_disposal
        space_disposals  DE-2               error    building_id    rented_building_disposal
        space_disposals  DE-3               error    building_id    unknown_building
        rental_income    E-2/2025-04        error    building_id    rented_building_rental_income
        rental_income    E-3/2025-07        error    building_id    rented_building_rental_income
        rental_income    Z-9/2025-01        error    building_id    unknown_building
        ",
    );
    let messages: Vec<String> = check(Ledger::OfficeSpace, &records, &check_context(XINGQING))
        .into_iter()
        .map(|finding| finding.message)
        .collect();
    assert_eq!(
        messages[0],
        "building E-1 (办公楼): its office spaces not disposed of add up to 110 m2 of floor area, \
         more than the building's floor area of 100 m2"
    );
    assert_eq!(
        messages[1],
        "building E-1 (办公楼): its 2 office room(s) add up to 63 m2 of usable area, more than the \
         60 m2 of office space (办公室用房, not disposed of) recorded for it"
    );
    assert_eq!(
        messages[5],
        "room 9 of building E-2: occupant rank 处级 is a rank of 中央机关, not of 县级机关, the \
         body's level, so no area limit applies; the ranks of 县级机关 are: 县级正职、县级副职、\
         正科级、副科级、科级以下; write one of them"
    );
    assert_eq!(
        messages[7],
        "disposal DE-1 of building E-2: building E-2 (办公楼) is 租用 (rented) by the body, which \
         cannot dispose of it"
    );
}

/// The city's return input: own level, the two counties, the exact sum as total.
struct Inputs {
    own: Figures,
    children: Vec<(DivisionCode, String, Figures)>,
    total: Figures,
}

fn inputs() -> Inputs {
    let own = figures_of(&own_level_records());
    let child = |code: &str, name: &str, records: Vec<Record>| {
        (
            DivisionCode::parse(code).unwrap(),
            name.to_owned(),
            figures_of(&records),
        )
    };
    let children = vec![
        child(XINGQING, "兴庆区", xingqing_records()),
        child(XIXIA, "西夏区", xixia_records()),
    ];
    let mut total = own.clone();
    for (_, _, child_figures) in &children {
        total.add(child_figures).unwrap();
    }
    Inputs {
        own,
        children,
        total,
    }
}

fn input<'a>(inputs: &'a Inputs, previous_year: Option<&'a Figures>) -> ReturnInput<'a> {
    ReturnInput {
        ledger: Ledger::OfficeSpace,
        period: period(),
        total: &inputs.total,
        own_level: &inputs.own,
        children: &inputs.children,
        previous_year,
    }
}

/// A row of cells: `-` for an empty cell.
fn cells(texts: &[&str]) -> Vec<Option<Decimal>> {
    texts
        .iter()
        .map(|text| (*text != "-").then(|| decimal(text)))
        .collect()
}

/// Asserts a sheet: `id name_zh`, its column codes, and a text table of `key label cells...` rows
/// followed by an optional `totals cells...` line (`-` for an empty cell).
fn assert_sheet(sheet: &ReturnSheet, id_and_name: &str, columns: &str, table: &str) {
    let found = format!("{} {}", sheet.id, sheet.name_zh);
    assert_eq!(found, id_and_name);
    let codes: Vec<&str> = sheet
        .columns
        .iter()
        .map(|column| column.indicator.as_str())
        .collect();
    assert_eq!(
        codes,
        columns.split_whitespace().collect::<Vec<_>>(),
        "{found}"
    );
    let mut rows = Vec::new();
    let mut totals = None;
    for line in table_lines(table) {
        match line.split_first() {
            Some((&"totals", values)) => totals = Some(cells(values)),
            _ => rows.push((line[0].to_owned(), line[1].to_owned(), cells(&line[2..]))),
        }
    }
    let found_rows: Vec<_> = sheet
        .rows
        .iter()
        .map(|row| (row.key.clone(), row.label_zh.clone(), row.values.clone()))
        .collect();
    assert_eq!(found_rows, rows, "{found}");
    assert_eq!(sheet.totals, totals, "{found} totals");
}

#[test]
fn every_cell_of_the_city_return() {
    let inputs = inputs();
    // The previous year: floor area 12720.4 (× 1.25 = 15900.5), basic 8000, idle area twice
    // today's, 4 rooms over standard, 20 occupants, no disposal income, rent 40000, the same grade
    // D area.
    let previous = figures(
        "
        floor_area_m2              12720.4
        basic_usable_m2               8000
        idle_usable_m2                2001
        usable_m2                   9350.5
        registered.floor_area_m2     13000
        rooms_over_standard              4
        room_usable_m2                 269
        room_occupants                  20
        rental_income_yuan           40000
        safety.d.floor_area_m2         600
        ",
        1,
    );
    let sheets = return_sheets(&input(&inputs, Some(&previous)));
    assert_eq!(sheets.len(), 5);
    assert_sheet(
        &sheets[0],
        "indicators 主要指标",
        "VALUE NUMERATOR DENOMINATOR YOY_CHANGE",
        "
        FLOOR_AREA_M2            办公用房建筑面积        15900.5  -        -        25
        BASIC_USABLE_M2          基本办公用房使用面积       8400  -        -         5
        IDLE_RATE                闲置率                  10.7  1000.5   9350.5   -50  # half last year's 2001
        REGISTERED_FLOOR_SHARE   已登记建筑面积占比        81.76  13000    15900.5  -20  # 13000 / 12720.4 before
        ROOMS_OVER_STANDARD      超标准办公室间数             3  -        -       -25  # 1 + 1 + 1; 4 before
        OFFICE_M2_PER_OCCUPANT   办公室人均使用面积        14.16  269      19      5.26  # 20 / 19 − 1
        DISPOSAL_INCOME_YUAN     处置收入              1750000  -        -         -   # none last year
        RENTAL_INCOME_YUAN       出租收入              44500.5  -        -     11.25   # 4500.5 / 40000
        DANGEROUS_FLOOR_AREA_M2  D级危房建筑面积            600  -        -         0
        ",
    );
    let units: Vec<_> = sheets[0]
        .rows
        .iter()
        .map(|row| row.unit.clone().unwrap())
        .collect();
    let expected_units = "m2 m2 percent percent count m2/person yuan yuan m2";
    assert_eq!(units, expected_units.split_whitespace().collect::<Vec<_>>());
    let headers: Vec<_> = sheets[0]
        .columns
        .iter()
        .map(|column| (column.header_zh.as_str(), column.unit.as_str()))
        .collect();
    assert_eq!(
        headers,
        [
            ("数值", ""),
            ("分子", ""),
            ("分母", ""),
            ("同比增减（%）", "percent")
        ]
    );
    assert_sheet(
        &sheets[1],
        "by_category 办公用房分类",
        "USABLE_M2 FLOOR_M2 IDLE_USABLE_M2 IDLE_RATE",
        "
        office     办公室用房      6700     8710    450    6.72  # 3250 + 1950 + 1500; 450 / 6700
        service    服务用房        1300     1720      0       0
        equipment  设备用房         400      530    100      25
        ancillary  附属用房         700      960    200   28.57
        technical  技术业务用房    250.5    300.5  250.5     100
        totals                  9350.5  12220.5 1000.5    10.7  # 1000.5 / 9350.5
        ",
    );
    assert_sheet(
        &sheets[2],
        "by_status 使用状态",
        "USABLE_M2 USABLE_SHARE",
        "
        in_use      在用    7350  78.61  # 4200 + 1950 + 1200, of 9350.5
        idle        闲置  1000.5   10.7
        lent_out    出借     400   4.28
        rented_out  出租     600   6.42
        totals            9350.5    100
        ",
    );
    assert_sheet(
        &sheets[3],
        "by_ownership 权属",
        "BUILDINGS FLOOR_AREA_M2",
        "
        owned_in_use    自有自用      3    13000  # 6000 + 4000 + 3000
        owned_lent_out  自有出租出借  1   1500.5
        rented          租用          1      800
        borrowed        借用          1      600
        totals                        6  15900.5
        ",
    );
    assert_sheet(
        &sheets[4],
        "by_child 按下级单位",
        "BUILDINGS FLOOR_AREA_M2 BASIC_USABLE_M2 IDLE_USABLE_M2 IDLE_RATE REGISTERED_FLOOR_SHARE \
         ROOMS_OVER_STANDARD DISPOSAL_INCOME_YUAN RENTAL_INCOME_YUAN",
        "
        _own          本级    3   8300.5  4450   400.5    7.7  72.28  1  1300000  36500.5  # 400.5 / 5200.5; 6000 / 8300.5
        640104000000  兴庆区  2     4600  2450     100   4.08  86.96  1        0     8000  # 100 / 2450; 4000 / 4600
        640105000000  西夏区  1     3000  1500     500  29.41    100  1   450000        0  # 500 / 1700
        totals                6  15900.5  8400  1000.5   10.7  81.76  3  1750000  44500.5
        ",
    );
    // Without a previous year the change is empty.
    let sheets = return_sheets(&input(&inputs, None));
    assert!(sheets[0].rows.iter().all(|row| row.values[3].is_none()));
}

#[test]
fn by_child_totals_are_the_consolidated_figures_alone() {
    let inputs = inputs();
    let sheets = return_sheets(&input(&inputs, None));
    let get = |name: &str| inputs.total.get(&format!("office_space.{name}"));
    let percent = |numerator: &str, denominator: &str| {
        ratio(get(numerator) * Decimal::ONE_HUNDRED, get(denominator), 2)
    };
    let from_total = vec![
        Some(get("buildings")),
        Some(get("floor_area_m2")),
        Some(get("basic_usable_m2")),
        Some(get("idle_usable_m2")),
        percent("idle_usable_m2", "usable_m2"),
        percent("registered.floor_area_m2", "floor_area_m2"),
        Some(get("rooms_over_standard")),
        Some(get("disposal_income_yuan")),
        Some(get("rental_income_yuan")),
    ];
    assert_eq!(sheets[4].totals, Some(from_total));
    // Not the average of the rows' idle rates ((7.70 + 4.08 + 29.41) / 3 = 13.73).
    assert_ne!(
        sheets[4].totals.as_ref().unwrap()[4],
        Some(decimal("13.73"))
    );
}

/// The room limits of the 2014 standard, as reprinted (DOMAIN.md): a body of each level (by its
/// division code), each of its ranks as clerks write it, and the limit per person in m2.
const ROOM_LIMITS: &[(&str, &str, i64)] = &[
    ("100000000000", "正部级", 54),
    ("100000000000", "副部级", 42),
    ("100000000000", "正司级", 24),
    ("100000000000", "副司级", 18),
    ("100000000000", "处级", 12),
    ("100000000000", "处级以下", 9),
    ("640000000000", "省级正职", 54),
    ("640000000000", "省级副职", 42),
    ("640000000000", "正厅（局）级", 30),
    ("640000000000", "副厅（局）级", 24),
    ("640000000000", "正处级", 18),
    ("640000000000", "副处级", 12),
    ("640000000000", "省直处级以下", 9),
    ("640100000000", "市级正职", 42),
    ("640100000000", "市级副职", 30),
    ("640100000000", "市直正局（处）级", 24),
    ("640100000000", "市直副局（处）级", 18),
    ("640100000000", "市直局（处）级以下", 9),
    ("640104000000", "县级正职", 30),
    ("640104000000", "县级副职", 24),
    ("640104000000", "正科级", 18),
    ("640104000000", "副科级", 12),
    ("640104000000", "科级以下", 9),
    // Township organs: not above the county organs' deputy limit.
    ("640104001000", "乡级机关人员", 24),
];

/// One building with ample office space and one room of `rank` for one occupant of `usable` m2.
fn one_room(rank: &str, usable: &str) -> Vec<Record> {
    records(&format!(
        "
        buildings    building_id land_area_m2 floor_area_m2 ownership    registration safety_grade
                     R-1         -            1000          owned_in_use registered   a
        office_spaces building_id category status usable_m2 floor_m2
                     R-1         office   in_use 500       600
        office_rooms building_id room_no occupant_rank occupants usable_m2
                     R-1         1       {rank}        1         {usable}
        "
    ))
}

#[test]
fn every_rank_of_every_level_has_the_limit_of_the_2014_standard() {
    let found: Vec<(&str, &str, Decimal)> = ROOM_LIMITS
        .iter()
        .map(|&(owner, rank, _)| {
            let limit = schemas::standards::room_limits()
                .rank(rank)
                .unwrap_or_else(|| panic!("{rank} is a rank of the table"))
                .limit_m2_per_person;
            (owner, rank, limit)
        })
        .collect();
    let expected: Vec<(&str, &str, Decimal)> = ROOM_LIMITS
        .iter()
        .map(|&(owner, rank, limit)| (owner, rank, Decimal::from(limit)))
        .collect();
    assert_eq!(found, expected);
    for &(owner, rank, limit) in ROOM_LIMITS {
        // At the limit: no finding. Half a square metre above: over standard, by that half.
        assert_findings(owner, &one_room(rank, &limit.to_string()), "");
        let over = format!("{limit}.5");
        assert_findings(
            owner,
            &one_room(rank, &over),
            "office_rooms  R-1/1  warning  usable_m2  room_over_standard",
        );
        let figures = figures_of(&one_room(rank, &over));
        assert_eq!(
            figures.get("office_space.rooms_over_standard_excess_m2"),
            decimal("0.5"),
            "{rank}"
        );
    }
    // Every rank of the table is in the list above, with its level's body.
    assert_eq!(
        schemas::standards::room_limits().ranks().len(),
        ROOM_LIMITS.len()
    );
}

#[test]
fn a_rank_naming_no_single_row_of_the_body_level_is_refused_with_the_level_ranks() {
    const PROVINCE: &str = "640000000000";
    // 处级 at a provincial body: 正处级 (18) or 副处级 (12)?
    let records = one_room("处级", "12");
    assert_findings(
        PROVINCE,
        &records,
        "office_rooms  R-1/1  error  occupant_rank  rank_not_of_body_level",
    );
    // Chinese on this thread only: other tests of this binary set English for the process.
    let findings = schemas::Language::Chinese
        .scope(|| check(Ledger::OfficeSpace, &records, &check_context(PROVINCE)));
    let finding = &findings[0];
    assert_eq!(
        finding.message,
        "建筑 R-1 的 1 号办公室：使用人职级“处级”是中央机关的职级，不是本单位所属的省级机关的职级，\
         无法确定面积标准；省级机关的职级为：省级正职、省级副职、正厅（局）级、副厅（局）级、\
         正处级、副处级、省直处级以下，请改填其中之一"
    );
    // The checks refusing it run at import (not only at submission).
    assert!(schemas::ledgers::is_checked_at_import(&finding.rule));
    // A county rank at a city body, and a city rank at a county body, are refused the same way.
    assert_findings(
        CITY,
        &one_room("副科级", "12"),
        "office_rooms  R-1/1  error  occupant_rank  rank_not_of_body_level",
    );
    assert_findings(
        XINGQING,
        &one_room("市级副职", "12"),
        "office_rooms  R-1/1  error  occupant_rank  rank_not_of_body_level",
    );
}
