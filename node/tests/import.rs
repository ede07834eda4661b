//! Imports from CSV files and XLSX workbooks as a clerk meets them: a good workbook imports, and
//! each kind of bad input is refused with the file (and sheet), row, column and rule, and nothing
//! from that file is imported.

mod common;

use std::path::Path;

use common::{a_credit_code, city_and_county, run, stderr};
use node::spreadsheet::{CellOut, SheetOut, write_workbook};
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

/// Asserts the import failed with one line naming every part, and wrote nothing.
fn assert_refused(output: &std::process::Output, county: &Path, parts: &[&str]) {
    assert!(!output.status.success(), "the import should fail");
    let message = stderr(output);
    assert_eq!(message.lines().count(), 1, "one line: {message:?}");
    for part in parts {
        assert!(message.contains(part), "{part:?} missing from {message}");
    }
    assert!(
        message.contains("nothing from this file was imported"),
        "{message}"
    );
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
        stdout.contains("imported 2 records (buildings, office_spaces)"),
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
    assert!(!output.status.success(), "the import should fail");
    let message = stderr(&output);
    for part in [
        "office.xlsx",
        "sheet \"办公用房建筑\" row 2",
        "floor_area_m2",
        "3000",
        "2000",
        "nothing from this file was imported",
    ] {
        assert!(message.contains(part), "{part:?} missing from {message}");
    }
    let status = run(&["status", "--json", "--dir", county.to_str().unwrap()]);
    let status: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    assert_eq!(
        status["own_documents"],
        serde_json::json!([]),
        "nothing written"
    );
}
