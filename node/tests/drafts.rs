//! A county clerk's draft as the CLI manages it: a wrong row listed, deleted and the draft then
//! submitted; a record others refer to refused unless the deletion cascades; `import --replace`
//! leaving exactly the file's rows; and exit codes that differ by the kind of failure.

mod common;

use common::{ENERGY_HEADER, city_and_county, run, stderr};

fn credit(serial: &str) -> String {
    schemas::records::CreditCode::with_check_digit(&format!("11640104MB000000{serial}"))
        .unwrap()
        .as_str()
        .to_owned()
}

const INSTITUTIONS_HEADER: &str =
    "统一社会信用代码,机构名称,机构类型,建筑面积（平方米）,用能人数（人）";

/// The ids of a draft's records of one table, from `records --json`.
fn record_ids(dir: &str, table: &str) -> Vec<String> {
    let listed = run(&[
        "records", "--dir", dir, "--ledger", "energy", "--period", "2025", "--table", table,
        "--json",
    ]);
    assert!(listed.status.success(), "{}", stderr(&listed));
    let answer: serde_json::Value = serde_json::from_slice(&listed.stdout).unwrap();
    answer["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|record| record["id"].as_str().unwrap().to_owned())
        .collect()
}

/// Imports, as `actor`, one institution (`known`) and the given energy consumption rows into
/// the county's 2025 energy draft; returns the consumption file, for later imports.
fn energy_draft(root: &std::path::Path, dir: &str, rows: &str, actor: &str) -> std::path::PathBuf {
    let institutions = root.join("机构.csv");
    std::fs::write(
        &institutions,
        format!(
            "{INSTITUTIONS_HEADER}\n{},兴庆区机关事务服务中心,国家机关,2000,80\n",
            credit("1")
        ),
    )
    .unwrap();
    let consumption = root.join("能源.csv");
    std::fs::write(&consumption, format!("{ENERGY_HEADER}\n{rows}")).unwrap();
    for file in [&institutions, &consumption] {
        let imported = run(&[
            "--as",
            actor,
            "import",
            "--dir",
            dir,
            "--ledger",
            "energy",
            "--period",
            "2025",
            file.to_str().unwrap(),
        ]);
        assert!(imported.status.success(), "{}", stderr(&imported));
    }
    consumption
}

#[test]
fn a_wrong_row_is_listed_deleted_and_the_draft_then_submits() {
    let directory = tempfile::tempdir().unwrap();
    let (_, county, _) = city_and_county(directory.path());
    let dir = county.to_str().unwrap();
    let (known, unknown) = (credit("1"), credit("2"));
    let consumption = energy_draft(
        directory.path(),
        dir,
        &format!("{known},2025-01,electricity,1000,600\n{unknown},2025-01,electricity,50,30\n"),
        "张三",
    );

    // The import takes the row of an institution not (yet) in the ledger, and says at once
    // that the submission will be refused until it is corrected.
    let again = run(&[
        "import",
        "--dir",
        dir,
        "--ledger",
        "energy",
        "--period",
        "2025",
        consumption.to_str().unwrap(),
    ]);
    assert!(again.status.success(), "{}", stderr(&again));
    let text = String::from_utf8_lossy(&again.stdout).into_owned();
    assert!(
        text.contains("报送前须改正") && text.contains(&unknown),
        "{text}"
    );

    // The row of an institution not in the ledger blocks the submission (rules broken: 3).
    let refused = run(&[
        "submit", "--dir", dir, "--ledger", "energy", "--period", "2025",
    ]);
    assert_eq!(refused.status.code(), Some(3), "{}", stderr(&refused));

    // `records` prints each id as `delete` takes it, the composite ones included.
    let ids = record_ids(dir, "energy_consumption");
    assert_eq!(ids.len(), 2, "{ids:?}");
    let wrong = ids
        .iter()
        .find(|id| id.starts_with(&unknown))
        .unwrap()
        .clone();
    assert_eq!(wrong, format!("{unknown}/electricity/2025-01"));
    let text = run(&[
        "records", "--dir", dir, "--ledger", "energy", "--period", "2025",
    ]);
    let text = String::from_utf8_lossy(&text.stdout).into_owned();
    assert!(text.contains(&wrong) && text.contains("条记录"), "{text}");

    // An id the draft does not hold is not found (4), and nothing is deleted.
    let missing = run(&[
        "delete",
        "--dir",
        dir,
        "--ledger",
        "energy",
        "--period",
        "2025",
        "--table",
        "energy_consumption",
        "no-such-id",
        &wrong,
    ]);
    assert_eq!(missing.status.code(), Some(4), "{}", stderr(&missing));
    assert!(
        stderr(&missing).contains("no-such-id"),
        "{}",
        stderr(&missing)
    );
    assert_eq!(record_ids(dir, "energy_consumption").len(), 2);

    let deleted = run(&[
        "delete",
        "--dir",
        dir,
        "--ledger",
        "energy",
        "--period",
        "2025",
        "--table",
        "能源资源消费",
        &wrong,
    ]);
    assert!(deleted.status.success(), "{}", stderr(&deleted));
    assert!(String::from_utf8_lossy(&deleted.stdout).contains("已从"));
    assert_eq!(record_ids(dir, "energy_consumption").len(), 1);

    let submitted = run(&[
        "submit", "--dir", dir, "--ledger", "energy", "--period", "2025", "--json",
    ]);
    assert!(submitted.status.success(), "{}", stderr(&submitted));
    let outcome: serde_json::Value = serde_json::from_slice(&submitted.stdout).unwrap();
    assert_eq!(
        outcome["n_records"], 2,
        "one institution and one consumption: {outcome}"
    );
}

#[test]
fn a_referred_record_is_refused_unless_cascading_and_replace_leaves_exactly_the_file() {
    let directory = tempfile::tempdir().unwrap();
    let (_, county, _) = city_and_county(directory.path());
    let dir = county.to_str().unwrap();
    let known = credit("1");
    let institutions = directory.path().join("机构.csv");
    std::fs::write(
        &institutions,
        format!("{INSTITUTIONS_HEADER}\n{known},兴庆区机关事务服务中心,国家机关,2000,80\n"),
    )
    .unwrap();
    let consumption = directory.path().join("能源.csv");
    std::fs::write(
        &consumption,
        format!(
            "{ENERGY_HEADER}\n{known},2025-01,electricity,1000,600\n{known},2025-02,electricity,900,540\n{known},2025-03,electricity,800,480\n"
        ),
    )
    .unwrap();
    for file in [&institutions, &consumption] {
        let imported = run(&[
            "import",
            "--dir",
            dir,
            "--ledger",
            "energy",
            "--period",
            "2025",
            file.to_str().unwrap(),
        ]);
        assert!(imported.status.success(), "{}", stderr(&imported));
    }

    // Replace: the table holds exactly the file's rows afterwards.
    let replacement = directory.path().join("更正.csv");
    std::fs::write(
        &replacement,
        format!("{ENERGY_HEADER}\n{known},2025-02,electricity,950,570\n{known},2025-04,electricity,700,420\n"),
    )
    .unwrap();
    let replaced = run(&[
        "import",
        "--replace",
        "--dir",
        dir,
        "--ledger",
        "energy",
        "--period",
        "2025",
        replacement.to_str().unwrap(),
    ]);
    assert!(replaced.status.success(), "{}", stderr(&replaced));
    let mut ids = record_ids(dir, "energy_consumption");
    ids.sort();
    assert_eq!(
        ids,
        vec![
            format!("{known}/electricity/2025-02"),
            format!("{known}/electricity/2025-04")
        ]
    );
    assert_eq!(
        record_ids(dir, "institutions").len(),
        1,
        "other tables untouched"
    );

    // The institution is referred to by the consumption rows: refused (conflict: 7), naming them.
    let refused = run(&[
        "delete",
        "--dir",
        dir,
        "--ledger",
        "energy",
        "--period",
        "2025",
        "--table",
        "institutions",
        &known,
    ]);
    assert_eq!(refused.status.code(), Some(7), "{}", stderr(&refused));
    let message = stderr(&refused);
    assert!(
        message.contains("energy_consumption") && message.contains("--cascade"),
        "{message}"
    );
    assert_eq!(record_ids(dir, "institutions").len(), 1, "nothing deleted");

    let cascaded = run(&[
        "delete",
        "--dir",
        dir,
        "--ledger",
        "energy",
        "--period",
        "2025",
        "--table",
        "institutions",
        &known,
        "--cascade",
        "--json",
    ]);
    assert!(cascaded.status.success(), "{}", stderr(&cascaded));
    let outcome: serde_json::Value = serde_json::from_slice(&cascaded.stdout).unwrap();
    assert_eq!(outcome["deleted"].as_array().unwrap().len(), 3, "{outcome}");
    assert_eq!(outcome["n_records_in_document"], 0);
    assert!(record_ids(dir, "energy_consumption").is_empty());

    // A header-only file with --replace empties its table; --all clears one.
    std::fs::write(&replacement, format!("{ENERGY_HEADER}\n")).unwrap();
    let emptied = run(&[
        "import",
        "--replace",
        "--dir",
        dir,
        "--ledger",
        "energy",
        "--period",
        "2025",
        replacement.to_str().unwrap(),
    ]);
    assert!(emptied.status.success(), "{}", stderr(&emptied));
    let no_ids = run(&[
        "delete",
        "--dir",
        dir,
        "--ledger",
        "energy",
        "--period",
        "2025",
        "--table",
        "institutions",
    ]);
    assert_eq!(
        no_ids.status.code(),
        Some(2),
        "neither ids nor --all: {}",
        stderr(&no_ids)
    );
}

#[test]
fn exit_codes_differ_by_the_kind_of_failure() {
    let directory = tempfile::tempdir().unwrap();
    let (_, county, _) = city_and_county(directory.path());
    let dir = county.to_str().unwrap();
    // Invalid input: 2.
    let invalid = run(&[
        "records", "--dir", dir, "--ledger", "energy", "--period", "2025-13",
    ]);
    assert_eq!(invalid.status.code(), Some(2), "{}", stderr(&invalid));
    // Not found: 4.
    let absent = run(&[
        "delete",
        "--dir",
        dir,
        "--ledger",
        "energy",
        "--period",
        "2025",
        "--table",
        "institutions",
        "no-such-id",
    ]);
    assert_eq!(absent.status.code(), Some(4), "{}", stderr(&absent));
    // A table of another ledger is invalid: 2.
    let table = run(&[
        "records", "--dir", dir, "--ledger", "energy", "--period", "2025", "--table", "vehicles",
    ]);
    assert_eq!(table.status.code(), Some(2), "{}", stderr(&table));
    // Nothing to submit is a conflict with the draft's state: 7.
    let empty = run(&[
        "submit", "--dir", dir, "--ledger", "energy", "--period", "2025",
    ]);
    assert_eq!(empty.status.code(), Some(7), "{}", stderr(&empty));
    let codes = [
        invalid.status.code(),
        absent.status.code(),
        empty.status.code(),
    ];
    let mut distinct = codes.to_vec();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), 3, "distinct codes: {codes:?}");
    // JSON failures are JSON, with their kind.
    let json = run(&[
        "submit", "--dir", dir, "--ledger", "energy", "--period", "2025", "--json",
    ]);
    let failure: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(failure["kind"], "conflict");
}

fn has_cjk(text: &str) -> bool {
    text.chars()
        .any(|character| ('\u{3000}'..='\u{9fff}').contains(&character))
}

/// English words of three letters or more in a line, codes, paths, ids and `field=value` aside.
fn english_words(line: &str) -> Vec<String> {
    line.split_whitespace()
        .filter(|word| !word.contains('=') && !word.contains('/') && !word.contains('_'))
        .flat_map(|word| {
            // Hashes and codes mix digits into their letters.
            word.split(|character: char| !character.is_ascii_alphanumeric())
                .filter(|part| part.len() >= 3 && part.chars().all(|c| c.is_ascii_alphabetic()))
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .filter(|part| !["UTC", "huizong"].contains(&part.as_str()))
        // Table slugs are ids, as `delete --table` takes them.
        .filter(|part| part.parse::<schemas::table::Table>().is_err())
        .collect()
}

#[test]
fn the_main_commands_answer_in_chinese_and_in_english_on_request() {
    let directory = tempfile::tempdir().unwrap();
    let (_, county, _) = city_and_county(directory.path());
    let dir = county.to_str().unwrap();
    let known = credit("1");
    let institutions = directory.path().join("机构.csv");
    std::fs::write(
        &institutions,
        format!("{INSTITUTIONS_HEADER}\n{known},兴庆区机关事务服务中心,国家机关,2000,80\n"),
    )
    .unwrap();
    let import = [
        "import",
        "--dir",
        dir,
        "--ledger",
        "energy",
        "--period",
        "2025",
        institutions.to_str().unwrap(),
    ];
    let period = ["--dir", dir, "--ledger", "energy", "--period", "2025"];
    let with = |command: &str| -> Vec<String> {
        std::iter::once(command.to_owned())
            .chain(period.iter().map(|part| part.to_string()))
            .collect()
    };
    let commands: Vec<Vec<String>> = vec![
        import.iter().map(|part| part.to_string()).collect(),
        with("records"),
        with("submit"),
        vec!["status".into(), "--dir".into(), dir.into()],
        with("report"),
        with("completeness"),
        vec!["verify".into(), "--dir".into(), dir.into()],
    ];
    for command in &commands {
        // As a clerk with a Chinese name: the person's name is data, shown as it was given, and
        // signed submissions carry it.
        let arguments: Vec<&str> = ["--as", "张三"]
            .into_iter()
            .chain(command.iter().map(String::as_str))
            .collect();
        let chinese = run(&arguments);
        assert!(
            chinese.status.success(),
            "{command:?}: {}",
            stderr(&chinese)
        );
        let text = String::from_utf8_lossy(&chinese.stdout).into_owned();
        assert!(
            has_cjk(text.lines().next().unwrap_or_default()),
            "{command:?}: {text}"
        );
        for line in text.lines() {
            assert!(
                english_words(line).is_empty(),
                "{command:?}: English in a Chinese line {line:?}: {:?}",
                english_words(line)
            );
        }
        if command[0] == "import" || command[0] == "submit" {
            continue; // once is enough: a second run would change nothing
        }
        let mut english_arguments = vec!["--lang", "en"];
        english_arguments.extend(&arguments);
        let english = run(&english_arguments);
        let english = String::from_utf8_lossy(&english.stdout).into_owned();
        assert_ne!(english, text, "{command:?} in English");
        assert!(
            !english_words(english.lines().next().unwrap_or_default()).is_empty(),
            "{command:?}: {english}"
        );
    }
}

/// `report` (or `report --draft`) as JSON.
fn report_json(dir: &str, draft: bool) -> serde_json::Value {
    let mut arguments = vec![
        "report", "--dir", dir, "--ledger", "energy", "--period", "2025", "--json",
    ];
    if draft {
        arguments.push("--draft");
    }
    let output = run(&arguments);
    assert!(output.status.success(), "{}", stderr(&output));
    serde_json::from_slice(&output.stdout).unwrap()
}

#[test]
fn a_draft_previews_the_findings_its_submission_then_has_and_the_report_says_when_the_draft_moves_on()
 {
    let directory = tempfile::tempdir().unwrap();
    let (_, county, _) = city_and_county(directory.path());
    let dir = county.to_str().unwrap();
    let (known, unknown) = (credit("1"), credit("2"));
    let consumption = energy_draft(
        directory.path(),
        dir,
        &format!("{known},2025-01,electricity,1000,600\n"),
        "李四",
    );

    // Before the first submission, `report` points to the preview, which shows the draft.
    let nothing = run(&[
        "report", "--dir", dir, "--ledger", "energy", "--period", "2025",
    ]);
    assert!(
        String::from_utf8_lossy(&nothing.stdout).contains("report --draft"),
        "{}",
        String::from_utf8_lossy(&nothing.stdout)
    );
    let preview = report_json(dir, true);
    assert_eq!(preview["source"], "draft");
    assert_eq!(preview["preview"]["n_records"], 2);
    assert_eq!(preview["preview"]["blocking"], 0);
    assert_eq!(preview["preview"]["last_changed_by"], "李四", "{preview}");
    assert!(preview["draft_differs"].is_null(), "never submitted");
    let previewed = preview["statistical_return"]["findings"].clone();
    assert!(
        !previewed.as_array().unwrap().is_empty(),
        "the sample's intensity is far from the benchmark: a warning to preview"
    );
    let text = run(&[
        "report", "--dir", dir, "--ledger", "energy", "--period", "2025", "--draft",
    ]);
    let text = String::from_utf8_lossy(&text.stdout).into_owned();
    assert!(
        text.contains("草稿预览") && text.contains("李四") && text.contains("可以报送"),
        "{text}"
    );

    let submitted = run(&[
        "--as", "王五", "submit", "--dir", dir, "--ledger", "energy", "--period", "2025",
    ]);
    assert!(submitted.status.success(), "{}", stderr(&submitted));
    // Who did what is in the node's activity log, which `status` shows.
    let status = run(&["status", "--dir", dir, "--json"]);
    let status: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    let activity: Vec<(String, String)> = status["recent_activity"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| {
            (
                entry["actor"].as_str().unwrap().to_owned(),
                entry["operation"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let expected: Vec<(String, String)> =
        [("李四", "import"), ("李四", "import"), ("王五", "submit")]
            .iter()
            .map(|(actor, operation)| (actor.to_string(), operation.to_string()))
            .collect();
    assert_eq!(activity, expected);
    let text = run(&["status", "--dir", dir]);
    let text = String::from_utf8_lossy(&text.stdout).into_owned();
    assert!(text.contains("王五报送"), "{text}");
    let report = report_json(dir, false);
    assert_eq!(report["source"], "submission");
    assert_eq!(
        report["statistical_return"]["findings"], previewed,
        "the submission's findings are the ones previewed"
    );
    assert_eq!(report["draft_differs"], false);
    assert_eq!(report_json(dir, true)["draft_differs"], false);

    // A row added afterwards is in the preview, not in the submitted report, which says the
    // draft has moved on.
    std::fs::write(
        &consumption,
        format!("{ENERGY_HEADER}\n{unknown},2025-02,electricity,50,30\n"),
    )
    .unwrap();
    let imported = run(&[
        "import",
        "--dir",
        dir,
        "--ledger",
        "energy",
        "--period",
        "2025",
        consumption.to_str().unwrap(),
    ]);
    assert!(imported.status.success(), "{}", stderr(&imported));
    let report = report_json(dir, false);
    assert_eq!(report["statistical_return"]["findings"], previewed);
    assert_eq!(report["draft_differs"], true);
    let text = run(&[
        "report", "--dir", dir, "--ledger", "energy", "--period", "2025",
    ]);
    let text = String::from_utf8_lossy(&text.stdout).into_owned();
    assert!(text.contains("草稿在这次报送之后已有修改"), "{text}");
    let preview = report_json(dir, true);
    assert_eq!(preview["preview"]["blocking"], 1, "{preview}");
    assert_eq!(preview["draft_differs"], true);
    let findings = preview["statistical_return"]["findings"]
        .as_array()
        .unwrap();
    assert!(
        findings
            .iter()
            .any(|finding| finding["rule"] == "unknown_institution"),
        "{findings:?}"
    );
    let text = run(&[
        "report", "--dir", dir, "--ledger", "energy", "--period", "2025", "--draft",
    ]);
    let text = String::from_utf8_lossy(&text.stdout).into_owned();
    assert!(
        text.contains("现在不能报送") && text.contains(&unknown),
        "{text}"
    );
}

#[test]
fn command_line_mistakes_are_one_chinese_line_each_with_the_way_to_the_usage() {
    let missing = run(&["submit", "--dir", "/nonexistent", "--period", "2025"]);
    assert_eq!(missing.status.code(), Some(2));
    let message = common::assert_one_line_error(&missing);
    assert!(
        message.contains("缺少必填参数") && message.contains("--ledger"),
        "{message}"
    );
    let unknown = run(&["records", "--dir", "/nonexistent", "--tabel", "vehicles"]);
    assert_eq!(unknown.status.code(), Some(2));
    let message = common::assert_one_line_error(&unknown);
    assert!(
        message.contains("没有参数 --tabel") && message.contains("--table"),
        "{message}"
    );
    let command = run(&["submitt"]);
    let message = common::assert_one_line_error(&command);
    assert!(
        message.contains("没有命令 submitt") && message.contains("submit"),
        "{message}"
    );
    // In English on request, and as JSON when asked.
    let english = run(&["--lang", "en", "submit", "--dir", "/nonexistent", "--json"]);
    let failure: serde_json::Value = serde_json::from_slice(&english.stdout).unwrap();
    assert_eq!(failure["kind"], "invalid", "{failure}");
    assert!(
        failure["message"]
            .as_str()
            .unwrap()
            .contains("required arguments are missing"),
        "{failure}"
    );
}
