//! Imports from CSV files and XLSX workbooks as a clerk meets them: a good workbook imports, and
//! each kind of bad input is refused with the file (and sheet), row, column and rule, and nothing
//! from that file is imported.

mod common;

use std::path::Path;

use common::{a_credit_code, city_and_county, run, stderr};
use node::import::{ImportError, ImportTarget, ParsedImport, Progress, parse_file};
use node::spreadsheet::{CellOut, SheetOut, write_workbook};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
use schemas::Decimal;

fn text(value: &str) -> CellOut {
    CellOut::Text(value.to_owned())
}

fn number(value: i64) -> CellOut {
    CellOut::Number(Decimal::from(value))
}

/// The Chinese headers of the energy consumption sheet.
fn consumption_header() -> Vec<String> {
    [
        "统一社会信用代码",
        "统计月份",
        "能源品种",
        "消费量",
        "金额（元）",
    ]
    .map(str::to_owned)
    .to_vec()
}

/// A consumption row with the given carrier and quantity cell.
fn consumption_row(month: &str, carrier: &str, quantity: CellOut) -> Vec<CellOut> {
    vec![
        text(&a_credit_code()),
        text(month),
        text(carrier),
        quantity,
        number(600),
    ]
}

/// Writes a workbook with one energy consumption sheet named 能源资源消费.
fn consumption_workbook(path: &Path, rows: Vec<Vec<CellOut>>) {
    write_workbook(
        path,
        &[SheetOut {
            name: "能源资源消费".to_owned(),
            header: consumption_header(),
            rows,
            ..SheetOut::default()
        }],
    )
    .unwrap();
}

/// Runs `huizong import` into the county's energy ledger for 2025.
fn import(county: &Path, file: &Path, extra: &[&str]) -> std::process::Output {
    let mut arguments = vec![
        "import",
        "--lang",
        "en",
        "--dir",
        county.to_str().unwrap(),
        "--ledger",
        "energy",
        "--period",
        "2025",
    ];
    arguments.extend_from_slice(extra);
    arguments.push(file.to_str().unwrap());
    run(&arguments)
}

/// Asserts the import failed as a file that breaks rules (exit code 3): a summary line saying
/// nothing was imported, then a line per problem, naming every part; and that nothing was written.
fn assert_refused(output: &std::process::Output, county: &Path, parts: &[&str]) {
    assert!(!output.status.success(), "the import should fail");
    assert_eq!(output.status.code(), Some(RULES_BROKEN_EXIT_CODE));
    let message = stderr(output);
    let summary = message.lines().next().unwrap_or_default();
    assert!(summary.starts_with("error: file "), "{message}");
    assert!(
        summary.contains("nothing from this file was imported"),
        "{message}"
    );
    assert!(
        message.lines().count() >= 2,
        "a line per problem: {message}"
    );
    for part in parts {
        assert!(message.contains(part), "{part:?} missing from {message}");
    }
    assert_nothing_written(county);
}

/// The exit code of a failure of kind RulesBroken (core/error_kind.rs).
const RULES_BROKEN_EXIT_CODE: i32 = 3;

/// Asserts the county's store holds no document.
fn assert_nothing_written(county: &Path) {
    let status = run(&["status", "--json", "--dir", county.to_str().unwrap()]);
    let status: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    assert_eq!(
        status["own_documents"],
        serde_json::json!([]),
        "nothing written"
    );
}

#[test]
fn a_good_workbook_imports_with_chinese_headers() {
    let directory = tempfile::tempdir().unwrap();
    let (_, county, _) = city_and_county(directory.path());
    let file = directory.path().join("energy.xlsx");
    consumption_workbook(
        &file,
        vec![
            consumption_row("2025-01", "电力", number(1200)),
            consumption_row(
                "2025-02",
                "电力",
                CellOut::Number("1100.5".parse().unwrap()),
            ),
        ],
    );
    let output = import(&county, &file, &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("imported 2 records"),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
}

#[test]
fn a_wrong_sheet_name_lists_the_sheets() {
    let directory = tempfile::tempdir().unwrap();
    let (_, county, _) = city_and_county(directory.path());
    let file = directory.path().join("energy.xlsx");
    consumption_workbook(&file, vec![consumption_row("2025-01", "电力", number(1))]);
    let output = import(&county, &file, &["--sheet", "能源"]);
    assert_refused(
        &output,
        &county,
        &["energy.xlsx", "\"能源\"", "能源资源消费"],
    );
}

#[test]
fn a_header_row_below_row_one_is_refused_saying_where_it_is() {
    let directory = tempfile::tempdir().unwrap();
    let (_, county, _) = city_and_county(directory.path());
    let file = directory.path().join("energy.xlsx");
    // A title in row 1, a blank row 2, the headers in row 3.
    let mut rows = vec![
        vec![CellOut::Empty],
        consumption_header()
            .iter()
            .map(|header| text(header))
            .collect(),
    ];
    rows.push(consumption_row("2025-01", "电力", number(1)));
    write_workbook(
        &file,
        &[SheetOut {
            name: "能源资源消费".to_owned(),
            header: vec!["2025年度公共机构能源资源消费统计表".to_owned()],
            rows,
            ..SheetOut::default()
        }],
    )
    .unwrap();
    let output = import(&county, &file, &[]);
    assert_refused(
        &output,
        &county,
        &[
            "energy.xlsx",
            "sheet \"能源资源消费\"",
            "row 1",
            "header row must be row 1",
            "row 3",
        ],
    );
}

#[test]
fn text_in_a_number_cell_is_named_by_sheet_row_and_column() {
    let directory = tempfile::tempdir().unwrap();
    let (_, county, _) = city_and_county(directory.path());
    let file = directory.path().join("energy.xlsx");
    consumption_workbook(
        &file,
        vec![
            consumption_row("2025-01", "电力", number(1200)),
            consumption_row("2025-02", "电力", text("一千")),
        ],
    );
    let output = import(&county, &file, &[]);
    assert_refused(
        &output,
        &county,
        &[
            "sheet \"能源资源消费\"",
            "row 3",
            "column D (消费量)",
            "decimal number",
            "\"一千\"",
        ],
    );
}

#[test]
fn a_negative_consumption_is_refused() {
    let directory = tempfile::tempdir().unwrap();
    let (_, county, _) = city_and_county(directory.path());
    let file = directory.path().join("energy.xlsx");
    consumption_workbook(&file, vec![consumption_row("2025-01", "电力", number(-3))]);
    let output = import(&county, &file, &[]);
    assert_refused(
        &output,
        &county,
        &["row 2", "column D (消费量)", "non-negative", "\"-3\""],
    );
}

#[test]
fn an_unknown_carrier_lists_the_carriers() {
    let directory = tempfile::tempdir().unwrap();
    let (_, county, _) = city_and_county(directory.path());
    let file = directory.path().join("energy.xlsx");
    consumption_workbook(&file, vec![consumption_row("2025-01", "蒸汽", number(5))]);
    let output = import(&county, &file, &[]);
    assert_refused(
        &output,
        &county,
        &[
            "row 2",
            "column C (能源品种)",
            "电力 (electricity)",
            "\"蒸汽\"",
        ],
    );
}

#[test]
fn a_duplicated_record_id_names_both_rows() {
    let directory = tempfile::tempdir().unwrap();
    let (_, county, _) = city_and_county(directory.path());
    let file = directory.path().join("energy.csv");
    let credit = a_credit_code();
    std::fs::write(
        &file,
        format!(
            "统一社会信用代码,统计月份,能源品种,消费量,金额（元）\n{credit},2025-01,电力,1,1\n{credit},2025-02,电力,1,1\n{credit},2025-01,电力,2,2\n"
        ),
    )
    .unwrap();
    let output = import(&county, &file, &[]);
    assert_refused(
        &output,
        &county,
        &["energy.csv", "line 4", "appears again", "first on line 2"],
    );
}

#[test]
fn a_division_code_not_in_the_topology_is_refused() {
    let directory = tempfile::tempdir().unwrap();
    let (_, county, _) = city_and_county(directory.path());
    let file = directory.path().join("buildings.xlsx");
    let header = [
        "建筑编号",
        "建筑名称",
        "使用单位统一社会信用代码",
        "所在地行政区划代码",
        "建筑面积（平方米）",
        "建成年份",
        "权属",
        "权属登记状态",
        "安全等级",
    ];
    write_workbook(
        &file,
        &[SheetOut {
            name: "办公用房建筑".to_owned(),
            header: header.map(str::to_owned).to_vec(),
            rows: vec![vec![
                text("B-001"),
                text("兴庆区综合办公楼"),
                text(&a_credit_code()),
                text("640199000000"),
                number(5000),
                number(2008),
                text("自有自用"),
                text("已登记"),
                text("B级"),
            ]],
            ..SheetOut::default()
        }],
    )
    .unwrap();
    let output = run(&[
        "import",
        "--lang",
        "en",
        "--dir",
        county.to_str().unwrap(),
        "--ledger",
        "office_space",
        "--period",
        "2025",
        file.to_str().unwrap(),
    ]);
    assert_refused(
        &output,
        &county,
        &[
            "buildings.xlsx",
            "row 2",
            "column D (所在地行政区划代码)",
            "640199000000",
            "topology",
        ],
    );
}

#[test]
fn templates_are_written_in_both_formats_and_import_back() {
    let directory = tempfile::tempdir().unwrap();
    let workbook = directory.path().join("energy-template.xlsx");
    let output = run(&[
        "template",
        "--ledger",
        "energy",
        "--format",
        "xlsx",
        "--out",
        workbook.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let sheets = node::spreadsheet::read_workbook(&workbook).unwrap();
    let names: Vec<&str> = sheets.iter().map(|sheet| sheet.name.as_str()).collect();
    assert_eq!(
        names,
        ["填表说明", "公共机构基本信息", "能源资源消费", "垃圾分类"]
    );
    assert_eq!(sheets[2].rows[0], consumption_header());

    let csv_directory = directory.path().join("forms");
    std::fs::create_dir(&csv_directory).unwrap();
    let output = run(&[
        "template",
        "--ledger",
        "vehicles",
        "--format",
        "csv",
        "--out",
        csv_directory.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let quotas =
        std::fs::read_to_string(csv_directory.join("vehicles-vehicle_quotas.csv")).unwrap();
    assert_eq!(
        quotas.trim_start_matches('\u{feff}').trim_end(),
        "使用单位统一社会信用代码,车辆类别,编制数量（辆）"
    );
}

/// The buildings sheet of an office space workbook: one building of the given floor area.
fn buildings_sheet(floor_area: i64) -> SheetOut {
    SheetOut {
        name: "办公用房建筑".to_owned(),
        header: [
            "建筑编号",
            "建筑名称",
            "使用单位统一社会信用代码",
            "所在地行政区划代码",
            "建筑面积（平方米）",
            "建成年份",
            "权属",
            "权属登记状态",
            "安全等级",
        ]
        .map(str::to_owned)
        .to_vec(),
        rows: vec![vec![
            text("B-001"),
            text("兴庆区综合办公楼"),
            text(&a_credit_code()),
            text("640104000000"),
            number(floor_area),
            number(2008),
            text("自有自用"),
            text("已登记"),
            text("B级"),
        ]],
        ..SheetOut::default()
    }
}

/// The spaces sheet: office space of the given floor area in building B-001.
fn spaces_sheet(floor_m2: i64) -> SheetOut {
    SheetOut {
        name: "办公用房面积".to_owned(),
        header: [
            "建筑编号",
            "用房类别",
            "使用状态",
            "使用面积（平方米）",
            "建筑面积（平方米）",
        ]
        .map(str::to_owned)
        .to_vec(),
        rows: vec![vec![
            text("B-001"),
            text("办公室用房"),
            text("在用"),
            number(floor_m2 / 2),
            number(floor_m2),
        ]],
        ..SheetOut::default()
    }
}

fn import_office_space(county: &Path, file: &Path) -> std::process::Output {
    run(&[
        "import",
        "--lang",
        "en",
        "--dir",
        county.to_str().unwrap(),
        "--ledger",
        "office_space",
        "--period",
        "2025",
        file.to_str().unwrap(),
    ])
}

#[test]
fn a_filled_template_imports_every_table_sheet_at_once() {
    let directory = tempfile::tempdir().unwrap();
    let (_, county, _) = city_and_county(directory.path());
    let file = directory.path().join("office.xlsx");
    write_workbook(&file, &[buildings_sheet(5000), spaces_sheet(3000)]).unwrap();
    let output = import_office_space(&county, &file);
    assert!(output.status.success(), "{}", stderr(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("imported 2 records (办公用房建筑, 办公用房面积)"),
        "{stdout}"
    );
}

#[test]
fn parts_that_exceed_the_whole_across_sheets_are_refused_at_the_row_at_fault() {
    let directory = tempfile::tempdir().unwrap();
    let (_, county, _) = city_and_county(directory.path());
    let file = directory.path().join("office.xlsx");
    write_workbook(&file, &[buildings_sheet(2000), spaces_sheet(3000)]).unwrap();
    let output = import_office_space(&county, &file);
    assert_refused(
        &output,
        &county,
        &[
            "office.xlsx",
            "sheet \"办公用房建筑\", row 2",
            "floor_area_m2",
            "3000",
            "2000",
        ],
    );
}

/// The rooms sheet: one room of building B-001 for one occupant of the given rank.
fn rooms_sheet(rank: &str) -> SheetOut {
    SheetOut {
        name: "办公室".to_owned(),
        header: [
            "建筑编号",
            "房间号",
            "使用人职级",
            "使用人数",
            "使用面积（平方米）",
        ]
        .map(str::to_owned)
        .to_vec(),
        rows: vec![vec![
            text("B-001"),
            text("301"),
            text(rank),
            number(1),
            number(12),
        ]],
        ..SheetOut::default()
    }
}

#[test]
fn a_rank_of_another_level_is_refused_at_its_cell_with_the_ranks_of_the_body_level() {
    let directory = tempfile::tempdir().unwrap();
    let (_, county, _) = city_and_county(directory.path());
    let file = directory.path().join("office.xlsx");
    // 处级 is a rank of central organs; a county body's ranks are the county's.
    let sheets = [buildings_sheet(5000), spaces_sheet(3000), rooms_sheet("处级")];
    write_workbook(&file, &sheets).unwrap();
    let output = import_office_space(&county, &file);
    assert_refused(
        &output,
        &county,
        &[
            "office.xlsx",
            "sheet \"办公室\", row 2",
            "column C (使用人职级)",
            "occupant_rank",
            "rank_not_of_body_level",
            "县级正职、县级副职、正科级、副科级、科级以下",
        ],
    );
    // The same room with a rank of the county's level imports.
    let sheets = [buildings_sheet(5000), spaces_sheet(3000), rooms_sheet("副科级")];
    write_workbook(&file, &sheets).unwrap();
    let output = import_office_space(&county, &file);
    assert!(output.status.success(), "{}", stderr(&output));
}

/// A second valid credit code, for a second institution.
fn another_credit_code() -> String {
    schemas::records::CreditCode::with_check_digit("11640104MB0000002")
        .unwrap()
        .as_str()
        .to_owned()
}

/// Writes one sheet of a workbook cell by cell: strings, and numbers where a cell parses as one
/// (as a clerk's Excel holds them).
fn write_rows(workbook: &mut Workbook, name: &str, rows: &[&[&str]]) {
    let worksheet = workbook.add_worksheet();
    worksheet.set_name(name).unwrap();
    for (row, cells) in rows.iter().enumerate() {
        for (column, cell) in cells.iter().enumerate() {
            let (row, column) = (row as u32, column as u16);
            match cell.parse::<f64>() {
                Ok(number) if row > 0 => worksheet.write_number(row, column, number),
                _ => worksheet.write_string(row, column, *cell),
            }
            .unwrap();
        }
    }
}

/// An energy workbook with six bad cells in its three table sheets (and the template's
/// instructions sheet, which is passed over), and where each is, in the file's order.
fn workbook_with_errors_in_three_sheets(path: &Path) -> Vec<(&'static str, u64, &'static str)> {
    let credit = a_credit_code();
    let other = another_credit_code();
    let mut workbook = Workbook::new();
    write_rows(
        &mut workbook,
        "公共机构基本信息",
        &[
            &[
                "统一社会信用代码",
                "机构名称",
                "机构类型",
                "建筑面积（平方米）",
                "用能人数（人）",
            ],
            &[&credit, "兴庆区机关事务服务中心", "国家机关", "5000", "120"],
            &[&other, "兴庆区第一中学", "学校", "五千", "80"],
        ],
    );
    write_rows(
        &mut workbook,
        "能源资源消费",
        &[
            &[
                "统一社会信用代码",
                "统计月份",
                "能源品种",
                "消费量",
                "金额（元）",
            ],
            &[&credit, "2025-01", "电力", "1200", "600"],
            &[&credit, "2025-13", "电力", "1100", "550"],
            &[&credit, "2025-03", "电力", "-5", "500"],
        ],
    );
    write_rows(
        &mut workbook,
        "垃圾分类",
        &[
            &["统一社会信用代码", "统计月份", "垃圾类别", "收集量（千克）"],
            &[&credit, "2025-01", "厨余垃圾", "30元"],
            &["12345", "2025-01", "其他垃圾", "12"],
        ],
    );
    write_rows(
        &mut workbook,
        "填表说明",
        &[&["列", "说明"], &["机构类型", "见代码表"]],
    );
    workbook.save(path).unwrap();
    vec![
        ("公共机构基本信息", 3, "C"),
        ("公共机构基本信息", 3, "D"),
        ("能源资源消费", 3, "B"),
        ("能源资源消费", 4, "D"),
        ("垃圾分类", 2, "D"),
        ("垃圾分类", 3, "A"),
    ]
}

#[test]
fn every_problem_of_a_workbook_is_listed_in_file_order_with_sheet_row_and_column() {
    let directory = tempfile::tempdir().unwrap();
    let (_, county, _) = city_and_county(directory.path());
    let file = directory.path().join("energy.xlsx");
    let expected = workbook_with_errors_in_three_sheets(&file);

    let output = import(&county, &file, &["--json"]);
    assert_eq!(output.status.code(), Some(RULES_BROKEN_EXIT_CODE));
    let failure: serde_json::Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|error| panic!("{error}: {}", String::from_utf8_lossy(&output.stdout)));
    assert_eq!(failure["kind"], "rules_broken");
    assert_eq!(failure["details"], "import_problems");
    assert_eq!(failure["more"], 0);
    assert!(
        failure["message"].as_str().unwrap().contains("6 problem"),
        "{failure}"
    );
    let problems = failure["problems"].as_array().unwrap();
    let places: Vec<(&str, u64, &str)> = problems
        .iter()
        .map(|problem| {
            (
                problem["sheet"].as_str().unwrap(),
                problem["row"].as_u64().unwrap(),
                problem["column"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(places, expected);
    for problem in problems {
        assert!(problem["file"].as_str().unwrap().ends_with("energy.xlsx"));
        assert!(problem["header"].is_string(), "{problem}");
        assert!(problem["field"].is_string(), "{problem}");
        assert!(!problem["message"].as_str().unwrap().is_empty());
    }
    let rules: Vec<&str> = problems
        .iter()
        .map(|problem| problem["rule"].as_str().unwrap())
        .collect();
    assert_eq!(
        rules,
        [
            "bad_value",
            "bad_value",
            "bad_value",
            "bad_value",
            "wrong_unit",
            "bad_value"
        ]
    );
    assert_eq!(problems[1]["header"], "建筑面积（平方米）");
    assert_eq!(problems[1]["field"], "floor_area_m2");

    // Without --json: the summary, then one line per problem, in the same order.
    let output = import(&county, &file, &[]);
    let message = stderr(&output);
    let lines: Vec<&str> = message.lines().collect();
    assert_eq!(lines.len(), 1 + expected.len(), "{message}");
    assert!(lines[1].contains("sheet \"公共机构基本信息\", row 3, column C (机构类型)"));
    assert!(lines[6].contains("sheet \"垃圾分类\", row 3, column A (统一社会信用代码)"));
    assert!(
        lines[6].contains("format the column as text"),
        "{}",
        lines[6]
    );
    assert_nothing_written(&county);
}

/// An energy consumption CSV with `n_rows` rows, each with a bad month and a bad quantity.
fn csv_with_two_errors_a_row(n_rows: usize) -> String {
    let credit = a_credit_code();
    let mut text = String::from("统一社会信用代码,统计月份,能源品种,消费量,金额（元）\n");
    for row in 0..n_rows {
        text.push_str(&format!(
            "{credit},2025-{:02}x,电力,{row}吨,1\n",
            1 + row % 12
        ));
    }
    text
}

/// What the library's import gives for a file: records or problems.
fn parse(
    path: &Path,
    ledger: schemas::Ledger,
    topology: &topology::Topology,
) -> Result<Vec<ParsedImport>, ImportError> {
    let target = ImportTarget {
        ledger,
        period: "2025".parse().unwrap(),
        table: None,
        topology: Some(topology),
        allow_empty: false,
    };
    parse_file(path, None, &target, &Progress::hidden())
}

#[test]
fn a_csv_file_with_many_errors_lists_them_all() {
    let directory = tempfile::tempdir().unwrap();
    let (_, _, topology) = city_and_county(directory.path());
    let file = directory.path().join("energy.csv");
    std::fs::write(&file, csv_with_two_errors_a_row(40)).unwrap();
    let error = parse(&file, schemas::Ledger::Energy, &topology).unwrap_err();
    assert_eq!(error.problems.more, 0);
    assert_eq!(error.problems.problems.len(), 80);
    let places: Vec<(Option<u64>, Option<&str>, Option<&str>)> = error
        .problems
        .problems
        .iter()
        .map(|problem| {
            (
                problem.row,
                problem.column.as_deref(),
                problem.field.as_deref(),
            )
        })
        .collect();
    for (row, pair) in places.chunks(2).enumerate() {
        let line = Some(row as u64 + 2);
        assert_eq!(
            pair,
            [
                (line, Some("2"), Some("month")),
                (line, Some("4"), Some("quantity"))
            ]
        );
    }
    assert!(
        error
            .problems
            .problems
            .iter()
            .all(|problem| problem.sheet.is_none())
    );
}

#[test]
fn past_two_hundred_problems_the_rest_are_counted() {
    let directory = tempfile::tempdir().unwrap();
    let (_, county, _) = city_and_county(directory.path());
    let file = directory.path().join("energy.csv");
    std::fs::write(&file, csv_with_two_errors_a_row(150)).unwrap();
    let output = import(&county, &file, &[]);
    assert_eq!(output.status.code(), Some(RULES_BROKEN_EXIT_CODE));
    let message = stderr(&output);
    let lines: Vec<&str> = message.lines().collect();
    assert_eq!(lines.len(), 1 + 200 + 1, "{message}");
    assert!(lines[0].contains("300 problem(s)"), "{}", lines[0]);
    assert!(lines[200].contains("line 101"), "{}", lines[200]);
    assert!(
        lines[201].trim_start().starts_with("and 100 more"),
        "{}",
        lines[201]
    );

    let output = import(&county, &file, &["--json"]);
    let failure: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(failure["problems"].as_array().unwrap().len(), 200);
    assert_eq!(failure["more"], 100);
}

#[test]
fn a_date_cell_in_a_month_column_imports_as_its_month() {
    let directory = tempfile::tempdir().unwrap();
    let (_, _, topology) = city_and_county(directory.path());
    let file = directory.path().join("energy.xlsx");
    let mut workbook = Workbook::new();
    let worksheet = workbook.add_worksheet();
    worksheet.set_name("能源资源消费").unwrap();
    for (column, header) in consumption_header().iter().enumerate() {
        worksheet.write_string(0, column as u16, header).unwrap();
    }
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let chinese_month = Format::new().set_num_format("yyyy\"年\"m\"月\"");
    let days = [
        (2025, 1, 15, &date),
        (2025, 2, 28, &date),
        (2025, 3, 1, &chinese_month),
    ];
    for (index, (year, month, day, format)) in days.into_iter().enumerate() {
        let row = index as u32 + 1;
        worksheet.write_string(row, 0, a_credit_code()).unwrap();
        let day = ExcelDateTime::from_ymd(year, month, day).unwrap();
        worksheet
            .write_datetime_with_format(row, 1, &day, format)
            .unwrap();
        worksheet.write_string(row, 2, "电力").unwrap();
        worksheet.write_number(row, 3, 1200).unwrap();
        worksheet.write_number(row, 4, 600).unwrap();
    }
    workbook.save(&file).unwrap();
    let parsed = parse(&file, schemas::Ledger::Energy, &topology).unwrap();
    let months: Vec<String> = parsed[0]
        .records
        .iter()
        .map(|record| record.month("month").to_string())
        .collect();
    assert_eq!(months, ["2025-01", "2025-02", "2025-03"]);
}

/// An office space workbook with one buildings sheet whose rows are the given (id, division code
/// cell, floor area cell); numbers are written as number cells.
fn buildings_workbook(path: &Path, rows: &[(&str, &str, &str)]) {
    let credit = a_credit_code();
    let mut cells: Vec<Vec<&str>> = vec![vec![
        "建筑编号",
        "建筑名称",
        "使用单位统一社会信用代码",
        "所在地行政区划代码",
        "建筑面积（平方米）",
        "建成年份",
        "权属",
        "权属登记状态",
        "安全等级",
    ]];
    for (id, division, area) in rows {
        cells.push(vec![
            id,
            "综合办公楼",
            &credit,
            division,
            area,
            "2008",
            "自有自用",
            "已登记",
            "B级",
        ]);
    }
    let borrowed: Vec<&[&str]> = cells.iter().map(Vec::as_slice).collect();
    let mut workbook = Workbook::new();
    write_rows(&mut workbook, "办公用房建筑", &borrowed);
    workbook.save(path).unwrap();
}

#[test]
fn a_division_code_stored_as_a_number_imports_with_its_zeros() {
    let directory = tempfile::tempdir().unwrap();
    let (_, _, topology) = city_and_county(directory.path());
    let file = directory.path().join("office.xlsx");
    // The full code as a number cell, and the county's 6-digit form as a number cell.
    buildings_workbook(
        &file,
        &[
            ("B-001", "640104000000", "5000"),
            ("B-002", "640104", "3000"),
        ],
    );
    let parsed = parse(&file, schemas::Ledger::OfficeSpace, &topology).unwrap();
    let codes: Vec<String> = parsed[0]
        .records
        .iter()
        .map(|record| record.division("division_code").to_string())
        .collect();
    assert_eq!(codes, ["640104000000", "640104000000"]);
}

#[test]
fn the_columns_unit_after_a_number_imports_and_another_unit_is_refused_naming_it() {
    let directory = tempfile::tempdir().unwrap();
    let (_, county, topology) = city_and_county(directory.path());
    let good = directory.path().join("good.xlsx");
    buildings_workbook(&good, &[("B-001", "640104000000", "1200平方米")]);
    let parsed = parse(&good, schemas::Ledger::OfficeSpace, &topology).unwrap();
    assert_eq!(
        parsed[0].records[0].amount("floor_area_m2"),
        Decimal::from(1200)
    );

    let bad = directory.path().join("bad.xlsx");
    buildings_workbook(&bad, &[("B-001", "640104000000", "1200元")]);
    // In Chinese, as clerks read it by default.
    let output = run(&[
        "import",
        "--dir",
        county.to_str().unwrap(),
        "--ledger",
        "office_space",
        "--period",
        "2025",
        bad.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(RULES_BROKEN_EXIT_CODE));
    let message = stderr(&output);
    assert!(
        message.contains("第 2 行，E 列（建筑面积（平方米））"),
        "{message}"
    );
    assert!(message.contains("[wrong_unit]"), "{message}");
    assert!(message.contains("“元”"), "{message}");
    assert!(message.contains("平方米"), "{message}");
    assert_nothing_written(&county);
}

#[test]
fn full_width_digits_and_punctuation_import() {
    let directory = tempfile::tempdir().unwrap();
    let (_, _, topology) = city_and_county(directory.path());
    let file = directory.path().join("energy.csv");
    let credit = a_credit_code();
    std::fs::write(
        &file,
        format!(
            "统一社会信用代码，统计月份，能源品种，消费量，金额（元）\n{credit},２０２５－０１,电力,１２００．５,６００\n"
        )
        .replace('，', ","),
    )
    .unwrap();
    let parsed = parse(&file, schemas::Ledger::Energy, &topology).unwrap();
    let record = &parsed[0].records[0];
    assert_eq!(record.month("month").to_string(), "2025-01");
    assert_eq!(record.amount("quantity"), "1200.5".parse().unwrap());
    assert_eq!(record.amount("cost_yuan"), Decimal::from(600));
}

/// An energy consumption file of two rows as text.
fn consumption_text(separator: &str) -> String {
    let credit = a_credit_code();
    [
        consumption_header().join(separator),
        [credit.as_str(), "2025-01", "电力", "1200", "600"].join(separator),
        [credit.as_str(), "2025年2月", "天然气", "35.5", "120"].join(separator),
    ]
    .join("\r\n")
}

#[test]
fn gb18030_and_utf16_csv_files_import() {
    let directory = tempfile::tempdir().unwrap();
    let (_, county, topology) = city_and_county(directory.path());
    // As Excel saves "CSV (comma delimited)" on Chinese Windows.
    let gb18030 = directory.path().join("energy-gbk.csv");
    let text = consumption_text(",");
    let (bytes, _, unmappable) = encoding_rs::GB18030.encode(&text);
    assert!(!unmappable);
    std::fs::write(&gb18030, &bytes).unwrap();
    // As Excel saves "Unicode text": UTF-16 little-endian with a byte-order mark, tabs between.
    let utf16 = directory.path().join("energy-utf16.csv");
    let mut bytes = vec![0xFF, 0xFE];
    for unit in consumption_text("\t").encode_utf16() {
        bytes.extend_from_slice(&unit.to_le_bytes());
    }
    std::fs::write(&utf16, &bytes).unwrap();
    for file in [&gb18030, &utf16] {
        let parsed = parse(file, schemas::Ledger::Energy, &topology)
            .unwrap_or_else(|error| panic!("{}: {error}", file.display()));
        assert_eq!(parsed[0].records.len(), 2);
        assert_eq!(parsed[0].records[1].month("month").to_string(), "2025-02");
        assert_eq!(parsed[0].records[1].choice("carrier"), "natural_gas");
    }
    let output = import(&county, &gb18030, &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("imported 2 records"),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
}

#[test]
fn a_sheet_that_matches_no_table_is_refused_with_the_sheet_names_expected() {
    let directory = tempfile::tempdir().unwrap();
    let (_, county, _) = city_and_county(directory.path());
    let file = directory.path().join("energy.xlsx");
    let credit = a_credit_code();
    let mut workbook = Workbook::new();
    write_rows(
        &mut workbook,
        "能源资源消费",
        &[
            &[
                "统一社会信用代码",
                "统计月份",
                "能源品种",
                "消费量",
                "金额（元）",
            ],
            &[&credit, "2025-01", "电力", "1200", "600"],
        ],
    );
    write_rows(
        &mut workbook,
        "Sheet2",
        &[&["单位", "用水"], &["某单位", "30"]],
    );
    workbook.save(&file).unwrap();
    let output = import(&county, &file, &["--json"]);
    assert_eq!(output.status.code(), Some(RULES_BROKEN_EXIT_CODE));
    let failure: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let problems = failure["problems"].as_array().unwrap();
    assert_eq!(problems.len(), 1, "{failure}");
    assert_eq!(problems[0]["rule"], "unknown_sheet");
    assert_eq!(problems[0]["sheet"], "Sheet2");
    let message = problems[0]["message"].as_str().unwrap();
    for expected in ["公共机构基本信息", "能源资源消费", "垃圾分类"] {
        assert!(message.contains(expected), "{message}");
    }
    assert_nothing_written(&county);
}
