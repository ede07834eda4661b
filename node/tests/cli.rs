//! The command line as people meet it: the operator's set-up steps, and one clear line for each
//! kind of bad input.

mod common;

use common::{
    ENERGY_HEADER, a_credit_code, assert_one_line_error, city_and_county, huizong, run, stderr,
};

#[test]
fn a_malformed_row_is_named_by_file_line_column_and_rule_and_nothing_is_imported() {
    let directory = tempfile::tempdir().unwrap();
    let (_, county, _) = city_and_county(directory.path());
    let credit = a_credit_code();
    let file = directory.path().join("energy.csv");
    std::fs::write(
        &file,
        format!(
            "{ENERGY_HEADER}\n{credit},2025-01,electricity,1200,700.5\n{credit},2025-02,electricity,1100,650\n{credit},2025-03,electricity,-3,0\n{credit},2025-04,electricity,1000,600\n"
        ),
    )
    .unwrap();
    let output = run(&[
        "import",
        "--lang",
        "en",
        "--dir",
        county.to_str().unwrap(),
        "--ledger",
        "energy",
        "--period",
        "2025",
        file.to_str().unwrap(),
    ]);
    // A summary line, then a line per problem of the file (here one).
    assert_eq!(
        output.status.code(),
        Some(3),
        "the exit code of RulesBroken"
    );
    let message = stderr(&output);
    assert_eq!(message.lines().count(), 2, "{message:?}");
    assert!(message.starts_with("error: file "), "{message:?}");
    assert!(message.contains("energy.csv"), "names the file: {message}");
    assert!(message.contains("line 4"), "names the line: {message}");
    assert!(
        message.contains("column 4 (quantity)"),
        "names the column: {message}"
    );
    assert!(message.contains("\"-3\""), "shows the value: {message}");
    assert!(
        message.contains("nothing from this file was imported"),
        "{message}"
    );

    let status = run(&["status", "--json", "--dir", county.to_str().unwrap()]);
    assert!(status.status.success(), "{}", stderr(&status));
    let status: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    assert_eq!(
        status["own_documents"],
        serde_json::json!([]),
        "nothing was written"
    );
}

#[test]
fn chinese_headers_import_and_the_operator_flow_reaches_a_report() {
    let directory = tempfile::tempdir().unwrap();
    let (_, county, _) = city_and_county(directory.path());
    let credit = a_credit_code();
    let file = directory.path().join("能源.csv");
    std::fs::write(
        &file,
        format!(
            "\u{feff}统一社会信用代码,统计月份,能源品种,消费量,金额（元）\n{credit},2025-01,电力,1000,600\n{credit},2025-01,天然气,100,280\n"
        ),
    )
    .unwrap();
    let dir = county.to_str().unwrap();
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
    assert!(String::from_utf8_lossy(&imported.stdout).contains("已导入 2 条记录"));

    // Consumption of an institution the ledger does not list is imported (tables may come in any
    // order) but cannot be submitted.
    let refused = run(&[
        "submit", "--dir", dir, "--ledger", "energy", "--period", "2025",
    ]);
    // Every finding at once: a summary line, then one line per finding with its rule and record.
    assert!(!refused.status.success());
    let message = stderr(&refused);
    let lines: Vec<&str> = message.lines().collect();
    assert_eq!(lines.len(), 3, "{message}");
    assert!(
        lines[0].starts_with("错误：") && lines[0].contains("2 处"),
        "{message}"
    );
    for (line, carrier) in lines[1..].iter().zip(["electricity", "natural_gas"]) {
        assert!(line.contains("unknown_institution"), "{message}");
        assert!(line.contains("energy_consumption"), "{message}");
        assert!(
            line.contains(&credit) && line.contains(carrier),
            "{message}"
        );
    }
    assert_eq!(refused.status.code(), Some(3), "rules broken: {message}");

    let institutions = directory.path().join("机构.csv");
    std::fs::write(
        &institutions,
        format!(
            "统一社会信用代码,机构名称,机构类型,建筑面积（平方米）,用能人数（人）\n{credit},兴庆区机关事务服务中心,国家机关,2000,80\n"
        ),
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
        institutions.to_str().unwrap(),
    ]);
    assert!(imported.status.success(), "{}", stderr(&imported));
    let submitted = run(&[
        "submit", "--dir", dir, "--ledger", "energy", "--period", "2025",
    ]);
    assert!(submitted.status.success(), "{}", stderr(&submitted));
    let report = run(&[
        "report", "--json", "--dir", dir, "--ledger", "energy", "--period", "2025",
    ]);
    assert!(report.status.success(), "{}", stderr(&report));
    let report: serde_json::Value = serde_json::from_slice(&report.stdout).unwrap();
    let total = report["figures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|figure| figure["name"] == "energy.standard_coal_kgce")
        .unwrap();
    // 1,000 kWh x 0.1229 + 100 m3 x 1.2143 = 122.9 + 121.43 kgce.
    assert_eq!(total["value"], "244.33");
    let verified = run(&["verify", "--dir", dir]);
    assert!(verified.status.success(), "{}", stderr(&verified));
}

#[test]
fn keygen_sign_and_init_build_a_node_directory_and_refuse_an_unknown_code() {
    let directory = tempfile::tempdir().unwrap();
    let path = |name: &str| directory.path().join(name);
    let root_key = path("root.key");
    let keygen = run(&["keygen", "--out", root_key.to_str().unwrap()]);
    assert!(keygen.status.success(), "{}", stderr(&keygen));
    let root_public = String::from_utf8_lossy(&keygen.stdout).trim().to_owned();
    let again = run(&["keygen", "--out", root_key.to_str().unwrap()]);
    assert!(assert_one_line_error(&again).contains("已存在"));

    let topology = format!(
        "version = 1\nname = \"one region\"\n\n[[node]]\ncode = \"640000000000\"\nname_zh = \"宁夏回族自治区\"\nname_en = \"Ningxia\"\nlevel = \"region\"\npublic_key = \"{root_public}\"\naddress = \"127.0.0.1:47999\"\n"
    );
    std::fs::write(path("topology.toml"), topology).unwrap();
    let unsigned_init = run(&[
        "init",
        "--dir",
        path("region").to_str().unwrap(),
        "--topology",
        path("topology.toml").to_str().unwrap(),
        "--node",
        "640000000000",
        "--key",
        root_key.to_str().unwrap(),
    ]);
    assert!(assert_one_line_error(&unsigned_init).contains("拓扑没有有效签名"));
    let signed = run(&[
        "topology",
        "sign",
        path("topology.toml").to_str().unwrap(),
        "--key",
        root_key.to_str().unwrap(),
    ]);
    assert!(signed.status.success(), "{}", stderr(&signed));
    let checked = run(&["topology", "check", path("topology.toml").to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&checked.stdout).contains("已由根节点签名"));

    let unknown = run(&[
        "init",
        "--dir",
        path("other").to_str().unwrap(),
        "--topology",
        path("topology.toml").to_str().unwrap(),
        "--node",
        "640199000000",
        "--key",
        root_key.to_str().unwrap(),
    ]);
    let message = assert_one_line_error(&unknown);
    assert!(message.contains("节点 640199000000 不在拓扑"), "{message}");
    assert!(!path("other").exists(), "nothing was created");

    let created = run(&[
        "init",
        "--dir",
        path("region").to_str().unwrap(),
        "--topology",
        path("topology.toml").to_str().unwrap(),
        "--node",
        "640000000000",
        "--key",
        root_key.to_str().unwrap(),
    ]);
    assert!(created.status.success(), "{}", stderr(&created));
    let status = run(&["status", "--dir", path("region").to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&status.stdout).contains("宁夏回族自治区"));
}

#[test]
fn a_node_whose_store_is_gone_does_not_start_over_and_points_to_restore() {
    let directory = tempfile::tempdir().unwrap();
    let (_, county, _) = city_and_county(directory.path());
    std::fs::remove_dir_all(county.join("store")).unwrap();
    for command in ["run", "status", "submit"] {
        let mut arguments = vec![command, "--dir", county.to_str().unwrap()];
        if command == "submit" {
            arguments.extend(["--ledger", "energy", "--period", "2025"]);
        }
        let output = huizong()
            .args(&arguments)
            .env("HUIZONG_LOG", "off")
            .output()
            .unwrap();
        let message = assert_one_line_error(&output);
        assert!(
            message.contains("本节点的存储不见了"),
            "{command}: {message}"
        );
        assert!(
            message.contains("huizong restore --dir"),
            "{command}: {message}"
        );
    }
    assert!(
        !county.join("store").exists(),
        "no empty store is created in its place"
    );
}

#[test]
fn a_missing_directory_and_a_port_in_use_are_one_line_each() {
    let missing = run(&["status", "--dir", "/nonexistent/huizong-node"]);
    let message = assert_one_line_error(&missing);
    assert!(
        message.contains("/nonexistent/huizong-node 不存在"),
        "{message}"
    );

    // The tree's ports were free when it was prepared; another test may take one before this
    // test occupies it, so a tree whose port is gone is prepared again.
    let (_directory, city, occupied) = (0..10)
        .find_map(|_| {
            let directory = tempfile::tempdir().unwrap();
            let (city, _, topology) = city_and_county(directory.path());
            let address = topology.root().address.clone().unwrap();
            std::net::UdpSocket::bind(&address)
                .ok()
                .map(|socket| (directory, city, socket))
        })
        .expect("a free port is found within ten tries");
    let address = occupied.local_addr().unwrap();
    let output = huizong()
        .args(["run", "--dir", city.to_str().unwrap()])
        .env("HUIZONG_LOG", "off")
        .output()
        .unwrap();
    let message = assert_one_line_error(&output);
    assert!(
        message.contains(&format!("无法在 {address} 上为节点 640100000000 监听")),
        "{message}"
    );
    assert!(message.contains("端口已被占用"), "{message}");
}

#[test]
fn the_root_defines_closes_and_reopens_returns_and_no_one_else_may() {
    let directory = tempfile::tempdir().unwrap();
    let (city, county, _) = city_and_county(directory.path());
    // In this tree the city is the root.
    let root = city.to_str().unwrap();
    let defined = run(&[
        "return",
        "define",
        "--dir",
        root,
        "--ledger",
        "energy,vehicles",
        "--period",
        "2026",
        "--deadline",
        "2027-03-31",
        "--blocking",
        "year_on_year_needs_note,over_quota",
        "--saving-target",
        "90",
        "--form-number",
        "机关事务 3 表",
    ]);
    assert!(defined.status.success(), "{}", stderr(&defined));
    let stdout = String::from_utf8_lossy(&defined.stdout);
    // Each ledger takes the rules of its own registry, and the choices are printed back.
    assert!(
        stdout.contains(
            "节约型机关创建率目标：90%；表号：机关事务 3 表；阻断规则：year_on_year_needs_note\n"
        ),
        "{stdout}"
    );
    assert!(stdout.contains("阻断规则：over_quota\n"), "{stdout}");
    assert!(
        stdout.contains("2026（第 1 版），截止日期 2027-03-31"),
        "{stdout}"
    );
    assert!(
        stdout.contains("已下发报表 党政机关公务用车 2026"),
        "{stdout}"
    );

    let refused = run(&[
        "return",
        "define",
        "--dir",
        county.to_str().unwrap(),
        "--ledger",
        "energy",
        "--period",
        "2026",
        "--deadline",
        "2027-03-31",
    ]);
    let message = assert_one_line_error(&refused);
    assert!(message.contains("只有根节点"), "{message}");
    let bad_date = run(&[
        "return",
        "define",
        "--dir",
        root,
        "--ledger",
        "energy",
        "--period",
        "2026",
        "--deadline",
        "2027-02-30",
    ]);
    let message = assert_one_line_error(&bad_date);
    assert!(message.contains("--deadline"), "{message}");
    // A blocking rule no ledger has (a typo) is refused, listing the rules the ledger has.
    let typo = run(&[
        "return",
        "define",
        "--dir",
        root,
        "--ledger",
        "energy",
        "--period",
        "2026",
        "--deadline",
        "2027-03-31",
        "--blocking",
        "year_on_year_need_note",
    ]);
    let message = assert_one_line_error(&typo);
    assert!(
        message.contains("没有规则“year_on_year_need_note”"),
        "{message}"
    );
    // Each with its Chinese name from the registry, as a clerk reads them.
    for rule in schemas::ledgers::rules(schemas::Ledger::Energy) {
        let named = format!("{}（{}）", rule.name_zh, rule.code);
        assert!(message.contains(&named), "{message} lists {named}");
    }
    assert!(
        message.contains("公共机构能源资源消费（energy）台账"),
        "{message}"
    );

    for action in ["close", "reopen"] {
        let output = run(&[
            "return", action, "--dir", root, "--ledger", "energy", "--period", "2026",
        ]);
        assert!(output.status.success(), "{}", stderr(&output));
    }
    let completeness = run(&[
        "completeness",
        "--json",
        "--dir",
        root,
        "--ledger",
        "energy",
        "--period",
        "2026",
    ]);
    assert!(completeness.status.success(), "{}", stderr(&completeness));
    let view: serde_json::Value = serde_json::from_slice(&completeness.stdout).unwrap();
    assert_eq!(view["expected"], 2);
    assert_eq!(view["submitted"], 0);
    assert_eq!(view["deadline_ms"], 1_806_508_799_999_i64);
    let verified = run(&["verify", "--dir", root]);
    assert!(verified.status.success(), "{}", stderr(&verified));
    assert!(
        String::from_utf8_lossy(&verified.stdout).contains("7 项报表定义"),
        "3 demo definitions, 2 defined here, a close and a reopen: {}",
        String::from_utf8_lossy(&verified.stdout)
    );
}

#[test]
fn the_import_benchmarks_run_on_small_inputs() {
    for only in ["import", "import-xlsx"] {
        let output = run(&["bench", "--only", only, "--records", "2000", "--json"]);
        assert!(output.status.success(), "{only}: {}", stderr(&output));
        let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        let key = only.replace('-', "_");
        let section = &report[key.as_str()];
        assert!(section.is_object(), "{only}: {report}");
        let rate = section
            .get("records_per_second")
            .or_else(|| section.get("rows_per_second"))
            .and_then(serde_json::Value::as_f64)
            .unwrap_or(0.0);
        assert!(rate > 0.0, "{only}: {report}");
    }
}

#[test]
fn accounts_of_the_console_are_added_listed_reset_and_removed_from_the_command_line() {
    let directory = tempfile::tempdir().unwrap();
    let (_, county, _) = city_and_county(directory.path());
    let dir = county.to_str().unwrap();

    // A made password, printed once, in Chinese.
    let added = run(&[
        "user",
        "add",
        "--dir",
        dir,
        "admin",
        "--name",
        "周建国",
        "--role",
        "admin",
    ]);
    assert!(added.status.success(), "{}", stderr(&added));
    let text = String::from_utf8_lossy(&added.stdout).into_owned();
    assert!(text.contains("账户 admin 的初始密码："), "{text}");
    assert!(text.contains("周建国") && text.contains("管理员"), "{text}");

    // A chosen password from standard input.
    let mut clerk = huizong()
        .args([
            "user",
            "add",
            "--dir",
            dir,
            "wangfang",
            "--name",
            "王芳",
            "--role",
            "clerk",
            "--password-stdin",
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(clerk.stdin.as_mut().unwrap(), b"a-long-password-1\n").unwrap();
    let clerk = clerk.wait_with_output().unwrap();
    assert!(clerk.status.success(), "{}", stderr(&clerk));
    assert!(!String::from_utf8_lossy(&clerk.stdout).contains("a-long-password-1"));

    let listed = run(&["user", "list", "--dir", dir, "--json"]);
    assert!(listed.status.success(), "{}", stderr(&listed));
    let listed: serde_json::Value = serde_json::from_slice(&listed.stdout).unwrap();
    let accounts = listed["accounts"].as_array().unwrap();
    assert_eq!(accounts.len(), 2, "{listed}");
    let clerk = accounts
        .iter()
        .find(|account| account["login"] == "wangfang")
        .unwrap();
    assert_eq!(clerk["role"], "clerk");
    assert_eq!(clerk["must_change_password"], true, "{clerk}");
    assert!(
        !listed.to_string().contains("argon2"),
        "no password hash is shown: {listed}"
    );

    // Bad input: one line each, saying what is wrong.
    let role = run(&[
        "user", "add", "--dir", dir, "x1", "--name", "某人", "--role", "boss",
    ]);
    assert!(!role.status.success());
    assert!(stderr(&role).contains("boss"), "{}", stderr(&role));
    let again = run(&[
        "user", "add", "--dir", dir, "wangfang", "--name", "王芳", "--role", "clerk",
    ]);
    assert_one_line_error(&again);
    let login = run(&[
        "user", "add", "--dir", dir, "王芳", "--name", "王芳", "--role", "clerk",
    ]);
    assert_one_line_error(&login);

    let reset = run(&["user", "reset", "--dir", dir, "wangfang"]);
    assert!(reset.status.success(), "{}", stderr(&reset));
    assert!(String::from_utf8_lossy(&reset.stdout).contains("账户 wangfang 的初始密码："));

    // The last administrator stays.
    assert_one_line_error(&run(&["user", "remove", "--dir", dir, "admin"]));
    let removed = run(&["user", "remove", "--dir", dir, "wangfang"]);
    assert!(removed.status.success(), "{}", stderr(&removed));
    let listed = run(&["user", "list", "--dir", dir, "--json"]);
    let listed: serde_json::Value = serde_json::from_slice(&listed.stdout).unwrap();
    assert_eq!(listed["accounts"].as_array().unwrap().len(), 1, "{listed}");
    let missing = run(&["user", "remove", "--dir", dir, "nobody"]);
    assert_eq!(
        missing.status.code(),
        Some(4),
        "not found: {}",
        stderr(&missing)
    );
}
