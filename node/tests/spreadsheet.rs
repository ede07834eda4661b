//! The spreadsheet module at its boundary: workbooks written by `write_workbook` or directly with
//! rust_xlsxwriter (as Excel would write them), read back with `read_workbook` and `read_sheet`.

use std::path::Path;
use std::str::FromStr;

use node::spreadsheet::{
    CellOut, SheetCells, SheetOut, SpreadsheetError, read_sheet, read_workbook, write_workbook,
};
use rust_decimal::Decimal;
use rust_xlsxwriter::{ExcelDateTime, Format, Formula, Workbook};

fn text(value: &str) -> CellOut {
    CellOut::Text(value.to_owned())
}

fn number(value: &str) -> CellOut {
    CellOut::Number(Decimal::from_str(value).expect("a decimal"))
}

fn strings(row: &[&str]) -> Vec<String> {
    row.iter().map(|cell| (*cell).to_owned()).collect()
}

/// Writes one sheet directly with rust_xlsxwriter, the way another program would.
fn write_raw(path: &Path, fill: impl FnOnce(&mut rust_xlsxwriter::Worksheet)) {
    let mut workbook = Workbook::new();
    let worksheet = workbook.add_worksheet();
    worksheet.set_name("能源消费").expect("a valid name");
    fill(worksheet);
    workbook.save(path).expect("saved");
}

#[test]
fn written_workbooks_read_back_as_the_same_text() {
    let folder = tempfile::tempdir().expect("temporary folder");
    let path = folder.path().join("汇总.xlsx");
    let energy = SheetOut {
        name: "能源消费".to_owned(),
        header: strings(&["单位名称", "统一社会信用代码", "用电量（千瓦时）", "占比"]),
        rows: vec![
            vec![
                text("宁夏回族自治区机关事务管理局"),
                text("007"),
                number("1200"),
                number("0.1229"),
            ],
            vec![
                text("银川市机关事务服务中心"),
                CellOut::Empty,
                number("35.50"),
                CellOut::Empty,
            ],
            vec![text("负数"), text(""), number("-3"), number("1234567.8912")],
        ],
        totals: Some(vec![text("合计"), CellOut::Empty, number("1232.5")]),
        notes: strings(&["注：数据来自各单位报送。", "填表人：张三"]),
    };
    let institutions = SheetOut {
        name: "机构".to_owned(),
        header: strings(&["名称"]),
        rows: vec![vec![text("宁夏回族自治区机关事务管理局")]],
        ..SheetOut::default()
    };
    write_workbook(&path, &[energy, institutions]).expect("written");

    let sheets = read_workbook(&path).expect("read back");
    let expected_energy = vec![
        strings(&["单位名称", "统一社会信用代码", "用电量（千瓦时）", "占比"]),
        strings(&["宁夏回族自治区机关事务管理局", "007", "1200", "0.1229"]),
        strings(&["银川市机关事务服务中心", "", "35.5"]),
        strings(&["负数", "", "-3", "1234567.8912"]),
        strings(&["合计", "", "1232.5"]),
        vec![],
        strings(&["注：数据来自各单位报送。"]),
        strings(&["填表人：张三"]),
    ];
    let expected = vec![
        SheetCells {
            name: "能源消费".to_owned(),
            rows: expected_energy,
        },
        SheetCells {
            name: "机构".to_owned(),
            rows: vec![
                strings(&["名称"]),
                strings(&["宁夏回族自治区机关事务管理局"]),
            ],
        },
    ];
    assert_eq!(sheets, expected);
    assert_eq!(read_sheet(&path, "机构").expect("read"), expected[1]);

    let mut workbook: calamine::Xlsx<_> = calamine::open_workbook(&path).expect("opened");
    let styles = workbook.worksheet_style("能源消费").expect("styles");
    let is_bold = |row, column| {
        let style = styles.get((row, column));
        style
            .and_then(|style| style.font.as_ref())
            .is_some_and(|font| font.is_bold())
    };
    assert!(is_bold(0, 0) && is_bold(0, 3), "the header is bold");
    assert!(is_bold(4, 0) && is_bold(4, 2), "the totals are bold");
    assert!(
        !is_bold(1, 0) && !is_bold(6, 0),
        "the rows and notes are not bold"
    );

    let leftovers: Vec<_> = std::fs::read_dir(folder.path())
        .expect("listed")
        .map(|entry| entry.expect("entry").file_name())
        .collect();
    assert_eq!(leftovers, ["汇总.xlsx"], "no temporary file is left behind");
}

#[test]
fn rows_and_columns_keep_their_spreadsheet_positions() {
    let folder = tempfile::tempdir().expect("temporary folder");
    let path = folder.path().join("data.xlsx");
    write_raw(&path, |worksheet| {
        worksheet.write_string(2, 1, "单位名称").expect("written");
        worksheet.write_string(2, 2, "用电量").expect("written");
        worksheet
            .write_string(3, 1, "机关事务管理局")
            .expect("written");
        worksheet.write_number(3, 2, 35.5).expect("written");
    });
    let sheet = read_sheet(&path, "能源消费").expect("read");
    let expected = vec![
        vec![],
        vec![],
        strings(&["", "单位名称", "用电量"]),
        strings(&["", "机关事务管理局", "35.5"]),
    ];
    assert_eq!(sheet.rows, expected);
}

#[test]
fn an_error_cell_is_refused_with_its_row_and_column() {
    let folder = tempfile::tempdir().expect("temporary folder");
    let path = folder.path().join("data.xlsx");
    write_raw(&path, |worksheet| {
        worksheet.write_string(0, 0, "用电量").expect("written");
        let formula = Formula::new("=1/0").set_result("#DIV/0!");
        worksheet.write_formula(4, 2, formula).expect("written");
    });
    let error = read_workbook(&path).expect_err("an error cell");
    match &error {
        SpreadsheetError::ErrorCell {
            sheet,
            row,
            column,
            error_text,
            ..
        } => {
            assert_eq!(
                (sheet.as_str(), *row, column.as_str()),
                ("能源消费", 5, "C")
            );
            assert_eq!(error_text, "#DIV/0!");
        }
        other => panic!("expected an error cell, got {other}"),
    }
    assert!(
        error.to_string().contains("C5 单元格是错误值 #DIV/0!"),
        "{error}"
    );
}

#[test]
fn a_missing_sheet_lists_the_sheets_there_are() {
    let folder = tempfile::tempdir().expect("temporary folder");
    let path = folder.path().join("data.xlsx");
    let sheets = ["Sheet1", "机构"].map(|name| SheetOut {
        name: name.to_owned(),
        ..SheetOut::default()
    });
    write_workbook(&path, &sheets).expect("written");
    let error = read_sheet(&path, "能源消费").expect_err("no such sheet");
    assert_eq!(
        error.to_string(),
        format!(
            "{}：工作簿中没有工作表“能源消费”（现有：Sheet1、机构）",
            path.display()
        )
    );
}

#[test]
fn a_failed_write_creates_nothing_and_keeps_the_old_file() {
    let folder = tempfile::tempdir().expect("temporary folder");
    let missing_folder = folder.path().join("不存在");
    let path = missing_folder.join("out.xlsx");
    let sheet = SheetOut {
        name: "机构".to_owned(),
        ..SheetOut::default()
    };
    let error = write_workbook(&path, std::slice::from_ref(&sheet)).expect_err("no folder");
    assert!(matches!(error, SpreadsheetError::Write { .. }), "{error}");
    assert!(!missing_folder.exists());

    let existing = folder.path().join("existing.xlsx");
    std::fs::write(&existing, b"the old content").expect("written");
    let bad = SheetOut {
        name: "能源:消费".to_owned(),
        ..SheetOut::default()
    };
    let error = write_workbook(&existing, &[sheet, bad]).expect_err("bad sheet name");
    assert!(
        matches!(error, SpreadsheetError::InvalidSheetName { .. }),
        "{error}"
    );
    assert_eq!(std::fs::read(&existing).expect("read"), b"the old content");
    assert_eq!(std::fs::read_dir(folder.path()).expect("listed").count(), 1);
}

#[test]
fn dates_read_as_iso_text() {
    let folder = tempfile::tempdir().expect("temporary folder");
    let path = folder.path().join("data.xlsx");
    write_raw(&path, |worksheet| {
        let date_format = Format::new().set_num_format("yyyy-mm-dd");
        let date_time_format = Format::new().set_num_format("yyyy-mm-dd hh:mm:ss");
        let date = ExcelDateTime::from_ymd(2025, 3, 1).expect("a date");
        let morning = date.clone().and_hms(8, 30, 0).expect("a time");
        let evening = ExcelDateTime::from_ymd(2025, 3, 1)
            .and_then(|date| date.and_hms(18, 5, 7))
            .expect("a time");
        worksheet
            .write_datetime_with_format(0, 0, &date, &date_format)
            .expect("written");
        worksheet
            .write_datetime_with_format(0, 1, &morning, &date_time_format)
            .expect("written");
        worksheet
            .write_datetime_with_format(0, 2, &evening, &date_time_format)
            .expect("written");
    });
    let sheet = read_sheet(&path, "能源消费").expect("read");
    assert_eq!(
        sheet.rows,
        vec![strings(&[
            "2025-03-01",
            "2025-03-01 08:30",
            "2025-03-01 18:05:07"
        ])]
    );
}

#[test]
fn files_that_are_not_workbooks_are_told_apart_from_missing_ones() {
    let folder = tempfile::tempdir().expect("temporary folder");
    let missing = folder.path().join("missing.xlsx");
    let error = read_workbook(&missing).expect_err("missing");
    assert!(matches!(error, SpreadsheetError::Open { .. }), "{error}");

    for name in ["data.xlsx", "data.csv"] {
        let path = folder.path().join(name);
        std::fs::write(&path, "单位名称,用电量\n").expect("written");
        let error = read_workbook(&path).expect_err("not a workbook");
        assert!(
            matches!(error, SpreadsheetError::NotAWorkbook { .. }),
            "{error}"
        );
    }

    let error = read_workbook(folder.path()).expect_err("a folder");
    assert!(matches!(error, SpreadsheetError::Open { .. }), "{error}");
}
