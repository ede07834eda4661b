//! Returns in official form, end to end: the return definition's form heading (表号, 制定机关,
//! 批准机关, 文号) and node.toml's `[reporting_unit]` (填报单位, 单位负责人, 填报人, 联系电话)
//! reach every table of the exported workbook, and the exports pass the checks of the libraries
//! analysts read them with (sdmx1, pandas, openpyxl).

mod common;

#[path = "support/python.rs"]
mod python;

use std::io::Write as _;

use common::{city_and_county, run, stderr};

#[test]
fn the_definition_and_the_reporting_unit_head_and_foot_every_form() {
    let directory = tempfile::tempdir().unwrap();
    let (city, _county, _) = city_and_county(directory.path());
    let root = city.to_str().unwrap();
    let mut config = std::fs::OpenOptions::new()
        .append(true)
        .open(city.join("node.toml"))
        .unwrap();
    writeln!(
        config,
        "\n[reporting_unit]\nname = \"银川市机关事务管理局\"\nhead = \"张伟\"\npreparer = \"李娜\"\nphone = \"0951-6012345\""
    )
    .unwrap();
    drop(config);
    let defined = run(&[
        "return",
        "define",
        "--dir",
        root,
        "--ledger",
        "energy",
        "--period",
        "2025",
        "--deadline",
        "2026-03-31",
        "--form-number",
        "机关事务 3 表",
        "--form-made-by",
        "国家机关事务管理局",
        "--form-approved-by",
        "国家统计局",
        "--form-approval-number",
        "国统制〔2025〕1号",
        // The 2025 rate is not published yet: the latest before it, 2022's, is taken.
        "--electricity",
        "power-generation",
    ]);
    assert!(defined.status.success(), "{}", stderr(&defined));

    let out = directory.path().join("returns");
    std::fs::create_dir(&out).unwrap();
    for (format, name) in [
        ("xlsx", "r.xlsx"),
        ("sdmx-csv", "r.sdmx.csv"),
        ("json", "r.json"),
        ("json-sheets", "r.sheets.json"),
    ] {
        let exported = run(&[
            "export",
            "--dir",
            root,
            "--ledger",
            "energy",
            "--period",
            "2025",
            "--format",
            format,
            "--out",
            out.join(name).to_str().unwrap(),
        ]);
        assert!(exported.status.success(), "{format}: {}", stderr(&exported));
    }
    assert!(
        out.join("r.structure.xml").exists(),
        "the SDMX structure is written beside the data"
    );

    let workbook = out.join("r.xlsx");
    let sheets = node::spreadsheet::read_workbook(&workbook).unwrap();
    let names: Vec<&str> = sheets.iter().map(|sheet| sheet.name.as_str()).collect();
    for name in ["图表", "代码说明", "核查提示", "说明"] {
        assert!(names.contains(&name), "{name} in {names:?}");
    }
    let texts = |sheet: &node::spreadsheet::SheetCells| -> Vec<String> {
        sheet.rows.iter().flatten().cloned().collect()
    };
    // The cover names the coefficient table and the electricity basis the definition chose.
    let cover = sheets.iter().find(|sheet| sheet.name == "说明").unwrap();
    assert!(
        texts(cover)
            .iter()
            .any(|text| text.contains("gbt2589-2008-annex-a")
                && text.contains("电力按等价值（2022 年火电供电标准煤耗")),
        "{:?}",
        texts(cover)
    );
    for sheet in sheets
        .iter()
        .filter(|sheet| !["图表", "代码说明", "核查提示", "说明"].contains(&sheet.name.as_str()))
    {
        let texts = texts(sheet);
        for line in [
            "表    号：机关事务 3 表",
            "制定机关：国家机关事务管理局",
            "批准机关：国家统计局",
            "批准文号：国统制〔2025〕1号",
            "填报单位：银川市机关事务管理局　　单位代码：640100000000　　报告期：2025年",
        ] {
            assert!(
                texts.iter().any(|text| text == line),
                "{}: {line}",
                sheet.name
            );
        }
        let footer = texts
            .iter()
            .find(|text| text.starts_with("单位负责人："))
            .unwrap_or_else(|| panic!("{}: a footing", sheet.name));
        assert!(
            footer.starts_with(
                "单位负责人：张伟　　填报人：李娜　　联系电话：0951-6012345　　报出日期：20"
            ),
            "{footer}"
        );
    }

    let observations: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("r.json")).unwrap()).unwrap();
    let observations = observations.as_array().unwrap();
    assert!(!observations.is_empty());
    // Every observation carries the provisional flag, and its value is a number (null when
    // undefined).
    assert!(observations.iter().all(|observation| {
        observation["provisional"].is_boolean()
            && (observation["value"].is_number() || observation["value"].is_null())
    }));

    if let Some(python) = python::python() {
        let printed = python::check_return_exports(
            &python,
            &out.join("r.sdmx.csv"),
            &out.join("r.structure.xml"),
            &out.join("r.json"),
            &workbook,
            &[
                "表    号：=机关事务 3 表",
                "批准文号：=国统制〔2025〕1号",
                "单位负责人：=张伟",
            ],
        );
        assert!(printed.contains("valid against DSD_ENERGY"), "{printed}");
    }
}
