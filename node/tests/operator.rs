//! What an operator setting up nodes by hand meets: `topology check` lists everything `sign` would
//! refuse, `key show` prints a key file's public key again, and a running node's log written to a
//! file is plain text (or JSON lines when node.toml asks), without terminal colour codes.

mod common;

use common::{RunningNode, assert_one_line_error, city_and_county, run, stderr};

#[test]
fn topology_check_lists_every_problem_sign_would_meet_and_fails() {
    let directory = tempfile::tempdir().unwrap();
    let path = |name: &str| directory.path().join(name);
    let key = path("region.key");
    let keygen = run(&["keygen", "--out", key.to_str().unwrap()]);
    assert!(keygen.status.success(), "{}", stderr(&keygen));
    let region_public = String::from_utf8_lossy(&keygen.stdout).trim().to_owned();
    // A region with a key but no address, and a city with neither key nor address above a
    // county with neither: signing needs the two addresses and the two missing keys.
    let topology = format!(
        "version = 1\nname = \"three levels\"\n\n\
         [[node]]\ncode = \"640000000000\"\nname_zh = \"宁夏回族自治区\"\nname_en = \"Ningxia\"\nlevel = \"region\"\npublic_key = \"{region_public}\"\n\n\
         [[node]]\ncode = \"640100000000\"\nname_zh = \"银川市\"\nname_en = \"Yinchuan\"\nlevel = \"city\"\nparent = \"640000000000\"\n\n\
         [[node]]\ncode = \"640104000000\"\nname_zh = \"兴庆区\"\nname_en = \"Xingqing\"\nlevel = \"county\"\nparent = \"640100000000\"\n"
    );
    std::fs::write(path("topology.toml"), topology).unwrap();
    let checked = run(&["topology", "check", path("topology.toml").to_str().unwrap()]);
    assert!(
        !checked.status.success(),
        "an incomplete file fails the check"
    );
    let out = String::from_utf8_lossy(&checked.stdout);
    let problems: Vec<&str> = out.lines().skip(1).collect();
    assert_eq!(problems.len(), 4, "{out}");
    // Each problem is one line naming its node: the parents' missing addresses among them.
    for (code, what) in [
        ("640000000000", "地址"),
        ("640100000000", "公钥"),
        ("640100000000", "地址"),
        ("640104000000", "公钥"),
    ] {
        assert!(
            problems
                .iter()
                .any(|line| line.contains(code) && line.contains(what)),
            "{code} {what} in {out}"
        );
    }
    let error = assert_one_line_error(&checked);
    assert!(error.contains("4"), "{error}");

    // `sign` refuses the same file, naming the first of them.
    let signed = run(&[
        "topology",
        "sign",
        path("topology.toml").to_str().unwrap(),
        "--key",
        key.to_str().unwrap(),
    ]);
    assert!(assert_one_line_error(&signed).contains("640000000000"));
}

#[test]
fn key_show_prints_the_public_key_keygen_printed() {
    let directory = tempfile::tempdir().unwrap();
    let key = directory.path().join("node.key");
    let keygen = run(&["keygen", "--out", key.to_str().unwrap()]);
    assert!(keygen.status.success(), "{}", stderr(&keygen));
    let shown = run(&["key", "show", key.to_str().unwrap()]);
    assert!(shown.status.success(), "{}", stderr(&shown));
    assert_eq!(shown.stdout, keygen.stdout);
    let missing = run(&[
        "key",
        "show",
        directory.path().join("none.key").to_str().unwrap(),
    ]);
    assert!(assert_one_line_error(&missing).contains("none.key"));
}

/// What a node writes to its log up to its start event ("node running"); the node is then
/// stopped.
fn log_until_running(directory: &std::path::Path) -> Vec<String> {
    let mut node = RunningNode::start(directory, &[]);
    node.wait_for(|line| line.contains("node running"));
    std::mem::take(&mut node.log)
}

#[test]
fn a_log_written_to_a_file_has_no_colour_codes_and_json_lines_when_asked() {
    let directory = tempfile::tempdir().unwrap();
    let (city, _county, _) = city_and_county(directory.path());
    let text = log_until_running(&city);
    assert!(!text.is_empty(), "the node logged nothing");
    for line in &text {
        assert!(!line.contains('\u{1b}'), "an escape sequence in {line:?}");
    }
    // The start event names the address as an operator writes it, not a Rust debug form.
    let running = text
        .iter()
        .find(|line| line.contains("node running"))
        .unwrap_or_else(|| panic!("no start event in {text:?}"));
    assert!(running.contains("address=127.0.0.1:"), "{running}");
    assert!(!running.contains("Some("), "{running}");

    let config = city.join("node.toml");
    let mut toml = std::fs::read_to_string(&config).unwrap();
    toml.push_str("\n[log]\nformat = \"json\"\nlevel = \"info\"\n");
    std::fs::write(&config, toml).unwrap();
    let json = log_until_running(&city);
    assert!(!json.is_empty(), "the node logged nothing");
    let mut messages = Vec::new();
    for line in &json {
        let value: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|error| panic!("{line:?}: {error}"));
        assert!(value["level"].is_string(), "{line}");
        assert!(value["fields"].is_object(), "{line}");
        messages.push(
            value["fields"]["message"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        );
    }
    assert!(
        messages.iter().any(|message| message == "node running"),
        "{json:?}"
    );

    // logfmt: every line is key=value pairs (a value with spaces quoted), with the level.
    let toml = std::fs::read_to_string(&config)
        .unwrap()
        .replace("format = \"json\"", "format = \"logfmt\"");
    std::fs::write(&config, toml).unwrap();
    let logfmt = log_until_running(&city);
    assert!(!logfmt.is_empty(), "the node logged nothing");
    for line in &logfmt {
        assert!(!line.contains('\u{1b}'), "an escape sequence in {line:?}");
        assert!(line.contains("level="), "{line}");
        let mut quoted = false;
        let mut token = String::new();
        for character in line.chars().chain(std::iter::once(' ')) {
            match character {
                '"' => {
                    quoted = !quoted;
                    token.push(character);
                }
                ' ' if !quoted => {
                    assert!(
                        token.is_empty() || token.contains('='),
                        "{token:?} is not key=value in {line}"
                    );
                    token.clear();
                }
                _ => token.push(character),
            }
        }
        assert!(!quoted, "an unclosed quote in {line}");
    }
    let running = logfmt
        .iter()
        .find(|line| line.contains("node running"))
        .unwrap_or_else(|| panic!("no start event in {logfmt:?}"));
    assert!(running.contains("address=127.0.0.1:"), "{running}");

    // A misspelt setting is refused at start, naming the file.
    let mut toml = std::fs::read_to_string(&config).unwrap();
    toml.push_str("colour = true\n");
    std::fs::write(&config, toml).unwrap();
    let refused = run(&["run", "--dir", city.to_str().unwrap()]);
    assert!(assert_one_line_error(&refused).contains("node.toml"));
}

#[test]
fn config_check_shows_the_settings_in_force_or_every_problem_at_once() {
    let directory = tempfile::tempdir().unwrap();
    let (city, _county, _) = city_and_county(directory.path());
    let dir = city.to_str().unwrap();
    let checked = run(&["config", "check", "--dir", dir]);
    assert!(checked.status.success(), "{}", stderr(&checked));
    let out = String::from_utf8_lossy(&checked.stdout);
    for setting in [
        "节点代码：640100000000",
        "监听地址（QUIC，UDP）：127.0.0.1:",
        "日志：格式 text",
    ] {
        assert!(out.contains(setting), "{setting} in {out}");
    }

    // Three problems in one file: each is listed, and the check fails.
    let config = city.join("node.toml");
    let toml = std::fs::read_to_string(&config).unwrap();
    let retry = toml
        .lines()
        .find(|line| line.starts_with("retry_ms_min"))
        .expect("init writes the retry delays");
    let toml = toml.replace(retry, "retry_ms_min = 0");
    let toml = match toml.lines().find(|line| line.starts_with("listen")) {
        Some(listen) => toml.replace(listen, "listen = \"nowhere\""),
        None => format!("listen = \"nowhere\"\n{toml}"),
    };
    let broken = format!("{toml}\n[log]\nlevel = \"loud=\"\n");
    std::fs::write(&config, broken).unwrap();
    let checked = run(&["config", "check", "--dir", dir]);
    let out = String::from_utf8_lossy(&checked.stdout);
    assert_eq!(
        out.lines().count(),
        3,
        "{out}{}",
        std::fs::read_to_string(&config).unwrap()
    );
    for key in ["listen", "retry_ms_min", "[log] level"] {
        assert!(out.contains(key), "{key} in {out}");
    }
    assert!(assert_one_line_error(&checked).contains("3"));

    // A syntax error is named by its line.
    std::fs::write(&config, "code = \"640100000000\"\ncolour = true\n").unwrap();
    let checked = run(&["config", "check", "--dir", dir]);
    let out = String::from_utf8_lossy(&checked.stdout);
    assert!(out.contains("node.toml:2"), "{out}");
    assert!(!checked.status.success());
}

#[test]
fn a_running_node_logs_one_line_per_import_and_submit_naming_the_person() {
    let directory = tempfile::tempdir().unwrap();
    let (_city, county, _) = city_and_county(directory.path());
    let dir = county.to_str().unwrap();
    let credit = common::a_credit_code();
    let file = directory.path().join("energy.csv");
    std::fs::write(
        &file,
        format!(
            "{}\n{credit},2025-01,electricity,1000,600\n",
            common::ENERGY_HEADER
        ),
    )
    .unwrap();
    let mut node = RunningNode::start(&county, &[]);
    let started = node
        .wait_for(|line| line.contains("node running"))
        .is_some();
    let imported = run(&[
        "--as",
        "王芳",
        "import",
        "--dir",
        dir,
        "--ledger",
        "energy",
        "--period",
        "2025",
        file.to_str().unwrap(),
    ]);
    let logged_import = node
        .wait_for(|line| line.contains("operation=\"import\""))
        .is_some();
    // No return is defined in this tree, so the submission is refused: logged all the same.
    let submitted = run(&[
        "--as", "王芳", "submit", "--dir", dir, "--ledger", "energy", "--period", "2025",
    ]);
    let logged_submit = node
        .wait_for(|line| line.contains("operation=\"submit\""))
        .is_some();
    let log = std::mem::take(&mut node.log);

    assert!(started, "{log:?}");
    assert!(imported.status.success(), "{}", stderr(&imported));
    assert!(!submitted.status.success());
    assert!(logged_import && logged_submit, "{log:?}");
    for operation in ["import", "submit"] {
        let lines: Vec<&String> = log
            .iter()
            .filter(|line| line.contains(&format!("operation=\"{operation}\"")))
            .collect();
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert!(lines[0].contains("person=王芳"), "{}", lines[0]);
        assert!(
            lines[0].contains("640104000000/energy/2025"),
            "{}",
            lines[0]
        );
        assert!(!lines[0].contains('\u{1b}'), "{}", lines[0]);
    }
}

#[test]
fn a_topology_template_is_commented_and_check_lists_what_it_still_needs() {
    let directory = tempfile::tempdir().unwrap();
    let file = directory.path().join("topology.toml");
    let written = run(&["topology", "template", "--out", file.to_str().unwrap()]);
    assert!(written.status.success(), "{}", stderr(&written));
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.starts_with("# "), "{text}");
    assert!(
        text.contains("public_key") && text.contains("UDP"),
        "{text}"
    );
    // Every node needs its key, and the region and its five cities their addresses.
    let checked = run(&["topology", "check", file.to_str().unwrap()]);
    let out = String::from_utf8_lossy(&checked.stdout);
    assert_eq!(out.lines().skip(1).count(), 28 + 6, "{out}");
    assert!(assert_one_line_error(&checked).contains("34"));
    // Not overwritten; another region is not embedded.
    assert!(
        assert_one_line_error(&run(&[
            "topology",
            "template",
            "--out",
            file.to_str().unwrap()
        ]))
        .contains("topology.toml")
    );
    // Another region gets a generated tree to rename, rooted at it, that check reads; a code
    // that is no provincial division is refused naming the embedded one.
    let generated = run(&["topology", "template", "--region", "650000000000"]);
    assert!(generated.status.success(), "{}", stderr(&generated));
    let text = String::from_utf8_lossy(&generated.stdout).into_owned();
    assert!(
        text.contains("样式树") && text.contains("650000000000"),
        "{text}"
    );
    let generated_file = directory.path().join("xinjiang.toml");
    std::fs::write(&generated_file, &text).unwrap();
    let tree = topology::Topology::from_toml_str(&text, "generated").unwrap();
    assert_eq!(tree.root().code.as_str(), "650000000000");
    assert!(tree.len() > 1);
    let checked = run(&["topology", "check", generated_file.to_str().unwrap()]);
    assert!(!checked.status.success(), "keys are still to fill in");
    assert!(
        assert_one_line_error(&run(&["topology", "template", "--region", "650100000000"]))
            .contains("640000000000")
    );
}
