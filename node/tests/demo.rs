//! The demo as a new user runs it: the whole Ningxia tree, its region's totals against the raw
//! records, the year-on-year column of its 2025 returns filled from the 2024 year it submitted
//! first, `verify` at the region, and `verify` catching a corrupted replica.

use std::process::Command;

use node::store::{Batch, Durability, SledStore, Store, Tree};

#[path = "support/python.rs"]
mod python;

fn huizong() -> Command {
    Command::new(env!("CARGO_BIN_EXE_huizong"))
}

#[test]
fn the_demo_consolidates_every_ledger_exactly_and_verify_catches_a_corrupted_replica() {
    let directory = tempfile::tempdir().unwrap();
    let tree = directory.path().join("tree");
    let output = huizong()
        .args(["demo", "--json", "--dir"])
        .arg(&tree)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "demo failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let summary: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(summary["nodes"], 28);
    let ledgers = summary["ledgers"].as_array().unwrap();
    assert_eq!(ledgers.len(), 3, "every ledger is in the demo");
    for ledger in ledgers {
        assert_eq!(
            ledger["region_figures"], ledger["raw_figures"],
            "{}: the region's totals equal the sum over the raw records of all 28 nodes",
            ledger["ledger"]
        );
        assert!(!ledger["raw_figures"].as_object().unwrap().is_empty());
        assert_eq!(
            ledger["region_report"]["included"]
                .as_array()
                .unwrap()
                .len(),
            28
        );
        assert_eq!(
            ledger["region_report"]["provisional"], false,
            "{}: every parent accepted its children's submissions, so the figures are final",
            ledger["ledger"]
        );
    }

    let region = tree.join("640000000000");
    for ledger in ["office_space", "vehicles", "energy"] {
        the_exported_workbook_matches_the_json_report(&tree, &region, ledger);
    }
    explain_reaches_every_submission(&region);
    for node in ["640000000000", "640100000000", "640105000000"] {
        for ledger in ["office_space", "vehicles", "energy"] {
            every_year_on_year_cell_is_filled(&tree.join(node), ledger);
        }
    }
    the_year_on_year_rule_was_explained(&tree, &summary);

    let verified = huizong()
        .arg("verify")
        .arg("--dir")
        .arg(&region)
        .output()
        .unwrap();
    assert!(
        verified.status.success(),
        "verify after the demo: {}",
        String::from_utf8_lossy(&verified.stderr)
    );
    let report = String::from_utf8_lossy(&verified.stdout);
    // 28 nodes × 3 ledgers × 2 years (the refused submission was never signed).
    assert!(report.contains("168 份签名报送"), "{report}");
    the_readme_duckdb_query_gives_the_rollup_from_the_raw_records(directory.path(), &region);

    // Corrupt the region's replica of one county's energy document: flip bytes in its first chunk.
    {
        let store = SledStore::open(&region.join("store")).unwrap();
        let county = topology::DivisionCode::parse("640104000000").unwrap();
        let key = protocol::DocumentKey::new(
            county,
            schemas::Ledger::Energy,
            schemas::Period::Year(2025),
        );
        let chunk_key = node::core::keys::document_chunk(&key, 0);
        let mut chunk = store
            .get(Tree::Documents, &chunk_key)
            .unwrap()
            .expect("the replica is stored");
        let middle = chunk.len() / 2;
        for byte in &mut chunk[middle..middle + 16] {
            *byte ^= 0x5a;
        }
        let mut batch = Batch::new();
        batch.put(Tree::Documents, chunk_key, chunk);
        store.apply(&batch, Durability::Flush).unwrap();
    }
    let failed = huizong()
        .arg("verify")
        .arg("--dir")
        .arg(&region)
        .output()
        .unwrap();
    assert!(
        !failed.status.success(),
        "verify must fail on a corrupted replica"
    );
    let message = String::from_utf8_lossy(&failed.stderr);
    assert!(
        message.contains("文档 640104000000/energy/2025"),
        "the failure names the document: {message}"
    );
    assert_eq!(message.lines().count(), 1, "one line: {message}");
}

/// The region's return exported by the demo as XLSX opens with calamine and every totals row in
/// it equals the totals of `huizong report --json`; the SDMX-CSV export has the SDMX header and
/// one observation per cell, and passes the Python checks (sdmx1, pandas, openpyxl).
fn the_exported_workbook_matches_the_json_report(
    tree: &std::path::Path,
    region: &std::path::Path,
    ledger: &str,
) {
    let report = huizong()
        .args([
            "report", "--json", "--ledger", ledger, "--period", "2025", "--dir",
        ])
        .arg(region)
        .output()
        .unwrap();
    assert!(
        report.status.success(),
        "{}",
        String::from_utf8_lossy(&report.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&report.stdout).unwrap();
    let sheets = report["statistical_return"]["sheets"].as_array().unwrap();
    assert!(sheets.len() >= 3, "{ledger}: a return has several sheets");

    let workbook = tree.join(format!("returns/640000000000-{ledger}-2025.xlsx"));
    let read = node::spreadsheet::read_workbook(&workbook).unwrap();
    let mut totals_compared = 0;
    for sheet in sheets {
        let name = sheet["name_zh"].as_str().unwrap();
        let cells = read
            .iter()
            .find(|read_sheet| read_sheet.name == name)
            .unwrap_or_else(|| panic!("{ledger}: sheet {name} is in the workbook"));
        let Some(totals) = sheet["totals"].as_array() else {
            continue;
        };
        let totals_row = cells
            .rows
            .iter()
            .find(|row| row.first().map(String::as_str) == Some("合计"))
            .unwrap_or_else(|| panic!("{ledger}: sheet {name} has a totals row"));
        // Label and code columns come first, then one cell per value column.
        for (index, total) in totals.iter().enumerate() {
            let cell = totals_row.get(index + 2).map_or("", String::as_str);
            match total.as_str() {
                Some(expected) => {
                    let expected: schemas::Decimal = expected.parse().unwrap();
                    let found: schemas::Decimal = cell.parse().unwrap_or_else(|_| {
                        panic!("{ledger} {name} total {index}: {cell:?} is not a number")
                    });
                    assert_eq!(
                        found.normalize(),
                        expected.normalize(),
                        "{ledger} {name} total {index}"
                    );
                    totals_compared += 1;
                }
                None => assert_eq!(cell, "", "{ledger} {name} total {index} is empty"),
            }
        }
    }
    assert!(totals_compared > 5, "{ledger}: totals were compared");

    let sdmx =
        std::fs::read_to_string(tree.join(format!("returns/640000000000-{ledger}-2025.sdmx.csv")))
            .unwrap();
    let mut lines = sdmx.lines();
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("STRUCTURE,STRUCTURE_ID,ACTION,FREQ,REF_AREA,COVERAGE,INDICATOR"),
        "{ledger}: the SDMX-CSV header"
    );
    assert!(
        lines.all(|line| line.starts_with("dataflow,HUIZONG:DF_")),
        "{ledger}: every line is an observation of the dataflow"
    );

    // As analysts open them: the SDMX-CSV validated against the structure shipped beside it
    // (sdmx1), the JSON loaded by pandas into one row per observation, the workbook's headings,
    // number formats and charts read by openpyxl.
    if let Some(python) = python::python() {
        let file = |suffix: &str| tree.join(format!("returns/640000000000-{ledger}-2025.{suffix}"));
        let printed = python::check_return_exports(
            &python,
            &file("sdmx.csv"),
            &file("structure.xml"),
            &file("json"),
            &file("xlsx"),
            &["填报单位：=宁夏回族自治区　　单位代码：640000000000　　报告期：2025年"],
        );
        assert!(
            printed.contains("valid against DSD_"),
            "{ledger}: {printed}"
        );
    }
}

/// `huizong explain` at the region reaches the signed submission of every one of the 28 nodes, and
/// the values add up at every level.
fn explain_reaches_every_submission(region: &std::path::Path) {
    let output = huizong()
        .args([
            "explain",
            "--json",
            "--ledger",
            "energy",
            "--period",
            "2025",
            "--figure",
            "energy.standard_coal_kgce",
            "--dir",
        ])
        .arg(region)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let view: node::operations::explain::ExplainView =
        serde_json::from_slice(&output.stdout).unwrap();
    let root = view.contribution.expect("the region holds a rollup");
    let mut submissions = 0;
    let mut stack = vec![&root];
    while let Some(contribution) = stack.pop() {
        if contribution.kind == "submission" {
            submissions += 1;
        } else {
            let sum: schemas::Decimal = contribution.inputs.iter().map(|input| input.value).sum();
            assert_eq!(sum, contribution.value, "{}", contribution.node);
        }
        stack.extend(&contribution.inputs);
    }
    assert_eq!(
        submissions, 28,
        "every node's submission is under the figure"
    );
}

/// `huizong report --json` for a node, ledger and year.
fn report_json(node: &std::path::Path, ledger: &str, year: &str) -> serde_json::Value {
    let output = huizong()
        .args([
            "report", "--json", "--ledger", ledger, "--period", year, "--dir",
        ])
        .arg(node)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

/// Every 同比 (year-on-year) cell of the node's 2025 return is filled wherever the 2024 return
/// of the same node has a value other than zero in that row, and with the change the two values
/// give.
fn every_year_on_year_cell_is_filled(node: &std::path::Path, ledger: &str) {
    let current = report_json(node, ledger, "2025");
    let previous = report_json(node, ledger, "2024");
    let sheets = |report: &serde_json::Value| {
        report["statistical_return"]["sheets"]
            .as_array()
            .unwrap()
            .clone()
    };
    let (current_sheets, previous_sheets) = (sheets(&current), sheets(&previous));
    let mut filled = 0;
    for sheet in &current_sheets {
        let columns = sheet["columns"].as_array().unwrap();
        let Some(change) = columns
            .iter()
            .position(|column| column["header_zh"].as_str().unwrap().contains("同比"))
        else {
            continue;
        };
        let value = columns
            .iter()
            .position(|column| column["indicator"] == "VALUE")
            .expect("a sheet with a year-on-year column has the value column");
        let previous_sheet = previous_sheets
            .iter()
            .find(|other| other["id"] == sheet["id"])
            .unwrap_or_else(|| panic!("{ledger}: sheet {} in 2024", sheet["id"]));
        let numerator = columns
            .iter()
            .position(|column| column["indicator"] == "NUMERATOR");
        let denominator = columns
            .iter()
            .position(|column| column["indicator"] == "DENOMINATOR");
        // The exact value of a row: a ratio from its numerator and denominator (the change of a
        // ratio does not depend on its scale), else the value itself.
        let exact = |row: &serde_json::Value| -> Option<schemas::Decimal> {
            let number = |index: Option<usize>| {
                index
                    .and_then(|index| row["values"][index].as_str())
                    .map(|text| text.parse::<schemas::Decimal>().unwrap())
            };
            match (number(numerator), number(denominator)) {
                (Some(top), Some(bottom)) if !bottom.is_zero() => Some(top / bottom),
                _ => number(Some(value)),
            }
        };
        for row in sheet["rows"].as_array().unwrap() {
            let key = &row["key"];
            let before = previous_sheet["rows"]
                .as_array()
                .unwrap()
                .iter()
                .find(|other| &other["key"] == key)
                .and_then(exact);
            let cell = row["values"][change].as_str();
            let place = format!("{} {ledger} {} {key}", node.display(), sheet["id"]);
            match (before, exact(row)) {
                (Some(before), Some(now)) if !before.is_zero() => {
                    let cell: schemas::Decimal = cell
                        .unwrap_or_else(|| panic!("{place}: the 同比 cell is empty"))
                        .parse()
                        .unwrap();
                    let expected = (now - before) * schemas::Decimal::ONE_HUNDRED / before;
                    assert!(
                        (cell - expected).abs() < schemas::Decimal::new(1, 2),
                        "{place}: 同比 {cell}, expected about {expected}"
                    );
                    filled += 1;
                }
                _ => assert_eq!(cell, None, "{place}: no previous value, no change"),
            }
        }
    }
    assert!(
        filled >= 5,
        "{} {ledger}: {filled} 同比 cells",
        node.display()
    );
}

/// The 2025 submission of 西夏区's energy ledger was refused by the ±30 % rule for 西夏区政府办公室
/// (11640105DFYHEKE21L), which had no note; the demo added one and submitted again, so both that
/// institution and 兴庆区人大常委会办公室 (1164010446CPTFUTLT, +45 % with a note in the sample)
/// are listed for review in their counties', their city's and the region's returns, and no other
/// institution is.
fn the_year_on_year_rule_was_explained(tree: &std::path::Path, summary: &serde_json::Value) {
    let years = summary["years"].as_array().unwrap();
    let periods: Vec<&str> = years
        .iter()
        .map(|year| year["period"].as_str().unwrap())
        .collect();
    assert_eq!(periods, ["2024", "2025"], "2024 is submitted first");
    assert_eq!(years[0]["notes_added"].as_array().unwrap().len(), 0);
    let added = years[1]["notes_added"].as_array().unwrap();
    assert_eq!(added.len(), 1, "{added:?}");
    assert_eq!(added[0]["node"], "640105000000");
    assert_eq!(added[0]["institution"], "11640105DFYHEKE21L");
    let refusal = added[0]["refusal"].as_str().unwrap();
    assert!(
        refusal.contains("西夏区政府办公室") && refusal.contains("30"),
        "{refusal}"
    );
    // Each county lists its own; 银川市 and the region list both, read from the counties'
    // submissions of both years.
    let both = [
        ("640104000000", "1164010446CPTFUTLT"),
        ("640105000000", "11640105DFYHEKE21L"),
    ];
    for (node, expected) in [
        ("640104000000", &both[..1]),
        ("640105000000", &both[1..]),
        ("640100000000", &both[..]),
        ("640000000000", &both[..]),
    ] {
        let report = report_json(&tree.join(node), "energy", "2025");
        let listed: Vec<(&str, &str)> = report["statistical_return"]["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|finding| {
                finding["rule"]
                    .as_str()
                    .unwrap()
                    .starts_with("year_on_year")
            })
            .map(|finding| {
                assert_eq!(finding["rule"], "year_on_year_change", "{node}: {finding}");
                (
                    finding["owner"].as_str().unwrap(),
                    finding["record_id"].as_str().unwrap(),
                )
            })
            .collect();
        assert_eq!(listed, expected, "{node}");
    }
}

/// The README's DuckDB query, run by DuckDB from PyPI over the region's Parquet export of its
/// subtree (as the README says to make it): the floor area summed from the raw records equals the
/// region's rollup of it, and both are the figure the README prints.
fn the_readme_duckdb_query_gives_the_rollup_from_the_raw_records(
    work: &std::path::Path,
    region: &std::path::Path,
) {
    let exported = huizong()
        .current_dir(work)
        .args(["export", "--json", "--format", "parquet", "--subtree"])
        .args(["--out", "huizong-export", "--dir"])
        .arg(region)
        .output()
        .unwrap();
    assert!(
        exported.status.success(),
        "{}",
        String::from_utf8_lossy(&exported.stderr)
    );
    let summary: serde_json::Value = serde_json::from_slice(&exported.stdout).unwrap();
    assert_eq!(summary["submissions"], 168, "{summary}");
    let readme = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md"),
    )
    .unwrap();
    let start = readme
        .find("-- huizong: the demo's floor area")
        .expect("the README shows the DuckDB query");
    let query = &readme[start..start + readme[start..].find("```").unwrap()];
    let Some(python) = python::python() else {
        return;
    };
    let output = std::process::Command::new(python)
        .current_dir(work)
        .args([
            "-c",
            "import duckdb, sys; rows = duckdb.sql(sys.stdin.read()).fetchall(); \
             print(' '.join(str(value) for value in rows[0]))",
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write as _;
            child.stdin.take().unwrap().write_all(query.as_bytes())?;
            child.wait_with_output()
        })
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let printed = String::from_utf8_lossy(&output.stdout);
    let values: Vec<schemas::Decimal> = printed
        .split_whitespace()
        .map(|value| value.parse().unwrap())
        .collect();
    assert_eq!(values.len(), 2, "{printed}");
    assert_eq!(
        values[0], values[1],
        "raw records against the rollup: {printed}"
    );
    assert!(values[0] > schemas::Decimal::ZERO, "{printed}");
    assert!(
        readme.contains(&format!("Both are {} 平方米", values[0].normalize())),
        "the README prints the figure the query gives: {printed}"
    );
}
