//! Every reason a topology is refused: each test builds a small file (or entry list) with one
//! mistake, and checks the error variant and that its message names the file, line and code.

mod common;

use common::{code, line_of, line_of_nth, public_key};
use topology::{
    AddressError, CodeError, CompromiseTimeProblem, KeyError, KeyRole, Level, MAX_NAME_CHARS,
    MAX_NODES, MAX_RETIRED_KEYS_PER_NODE, MAX_REVOKED_KEYS_PER_NODE, MAX_TOPOLOGY_TEXT_BYTES,
    MAX_VERSION, NameProblem, NodeEntry, RetiredKey, RevokedKey, SignatureEncodingProblem,
    Topology, TopologyError,
};

/// Tells whether an address error is the one a test case expects.
type IsExpected = fn(&AddressError) -> bool;

const ORIGIN: &str = "test-tree.toml";

const HEADER: &str = "version = 3\nname = \"test tree\"\n";

/// One `[[node]]` table with names derived from the code.
fn node(code: &str, level: &str, parent: Option<&str>) -> String {
    let mut text = format!(
        "\n[[node]]\ncode = \"{code}\"\nname_zh = \"节点{code}\"\nname_en = \"Node {code}\"\nlevel = \"{level}\"\n"
    );
    if let Some(parent) = parent {
        text.push_str(&format!("parent = \"{parent}\"\n"));
    }
    text
}

/// A valid region with one city and two counties.
fn valid_text() -> String {
    [
        HEADER.to_owned(),
        node("640000000000", "region", None),
        node("640100000000", "city", Some("640000000000")),
        node("640104000000", "county", Some("640100000000")),
        node("640105000000", "county", Some("640100000000")),
    ]
    .concat()
}

/// Parses `text`, expecting an error, and checks its English message (from the catalogue) mentions
/// every piece of `mentions`.
fn refuse(text: &str, mentions: &[&str]) -> TopologyError {
    let error = Topology::from_toml_str(text, ORIGIN).expect_err("the text should be refused");
    let message = error.localized("en");
    // Shown with `--nocapture`, to read the messages an operator would see, in both languages.
    let chinese = error.localized("zh-CN");
    eprintln!("{message}\n{chinese}");
    for text in [&message, &chinese] {
        assert!(
            !text.contains("topology.") && !text.contains("%{"),
            "a key or placeholder is missing from the catalogue: {text}"
        );
    }
    for mention in mentions {
        assert!(
            message.contains(mention),
            "message {message:?} should mention {mention:?}"
        );
    }
    error
}

fn at_line(line: usize) -> String {
    format!("{ORIGIN}:{line}")
}

#[test]
fn the_valid_text_is_accepted() {
    let topology = Topology::from_toml_str(&valid_text(), ORIGIN).unwrap();
    assert_eq!(topology.len(), 4);
    assert_eq!(topology.version(), 3);
}

#[test]
fn toml_syntax_errors_give_line_and_column() {
    let text = valid_text().replace(
        "code = \"640105000000\"",
        "code = \"640105000000\nbroken = ",
    );
    let line = line_of(&text, "code = \"640105000000");
    let error = refuse(&text, &[&at_line(line), "syntax"]);
    assert!(
        matches!(error, TopologyError::Syntax { line: reported, .. } if reported == line),
        "{error:?}"
    );

    let text = format!("{HEADER}[[node]\n");
    let error = refuse(&text, &[&at_line(3)]);
    assert!(
        matches!(
            error,
            TopologyError::Syntax {
                line: 3,
                column: 8,
                ..
            }
        ),
        "{error:?}"
    );
}

#[test]
fn unknown_keys_and_wrong_types_are_structure_errors() {
    let text = valid_text().replace("parent = \"640100000000\"", "parnet = \"640100000000\"");
    let line = line_of(&text, "parnet");
    let error = refuse(&text, &[&at_line(line), "parnet"]);
    assert!(matches!(error, TopologyError::Structure { line: reported, .. } if reported == line));

    let text = valid_text().replace("code = \"640104000000\"", "code = 640104000000");
    let line = line_of(&text, "code = 640104000000");
    let error = refuse(&text, &[&at_line(line)]);
    assert!(
        matches!(error, TopologyError::Structure { .. }),
        "{error:?}"
    );

    let text = valid_text().replace("version = 3", "version = -3");
    let error = refuse(&text, &[&at_line(1)]);
    assert!(
        matches!(error, TopologyError::Structure { .. }),
        "{error:?}"
    );
}

#[test]
fn a_missing_version_is_refused() {
    let text = valid_text().replace("version = 3\n", "");
    let error = refuse(&text, &[ORIGIN, "version"]);
    assert!(
        matches!(error, TopologyError::MissingVersion { .. }),
        "{error:?}"
    );
}

#[test]
fn a_missing_topology_name_is_refused() {
    let text = valid_text().replace("name = \"test tree\"\n", "");
    let error = refuse(&text, &[ORIGIN, "name"]);
    assert!(
        matches!(error, TopologyError::MissingName { .. }),
        "{error:?}"
    );
}

#[test]
fn a_node_missing_a_required_key_is_refused_with_its_code() {
    let text = valid_text().replace("name_en = \"Node 640104000000\"\n", "");
    let line = line_of_nth(&text, "[[node]]", 2);
    let error = refuse(&text, &[&at_line(line), "640104000000", "name_en"]);
    assert!(
        matches!(
            error,
            TopologyError::MissingField {
                field: "name_en",
                ..
            }
        ),
        "{error:?}"
    );

    let text = valid_text().replace("code = \"640104000000\"\n", "");
    let error = refuse(&text, &[&at_line(line), "`code`"]);
    assert!(
        matches!(
            error,
            TopologyError::MissingField {
                field: "code",
                code: None,
                ..
            }
        ),
        "{error:?}"
    );
}

#[test]
fn malformed_division_codes_are_refused() {
    let text = valid_text().replace("code = \"640105000000\"", "code = \"64010500000\"");
    let line = line_of(&text, "\"64010500000\"");
    let error = refuse(&text, &[&at_line(line), "64010500000", "12 digits"]);
    assert!(
        matches!(
            error,
            TopologyError::MalformedCode {
                field: "code",
                source: CodeError::WrongLength { length: 11, .. },
                ..
            }
        ),
        "{error:?}"
    );

    let text = valid_text().replace("parent = \"640100000000\"", "parent = \"6401OO000000\"");
    let line = line_of(&text, "6401OO");
    let error = refuse(&text, &[&at_line(line), "6401OO000000"]);
    assert!(
        matches!(
            error,
            TopologyError::MalformedCode {
                field: "parent",
                source: CodeError::NotDigits { .. },
                ..
            }
        ),
        "{error:?}"
    );
}

#[test]
fn an_unknown_level_is_refused() {
    let text = valid_text().replacen("level = \"county\"", "level = \"hamlet\"", 1);
    let line = line_of(&text, "hamlet");
    let error = refuse(&text, &[&at_line(line), "640104000000", "hamlet"]);
    assert!(
        matches!(error, TopologyError::UnknownLevel { .. }),
        "{error:?}"
    );
}

#[test]
fn a_duplicate_code_is_refused_with_both_lines() {
    let text = [
        valid_text(),
        node("640104000000", "county", Some("640100000000")),
    ]
    .concat();
    let first = line_of_nth(&text, "[[node]]", 2);
    let second = line_of_nth(&text, "[[node]]", 4);
    let error = refuse(&text, &[&at_line(first), &at_line(second), "640104000000"]);
    assert!(
        matches!(&error, TopologyError::DuplicateCode { first: f, second: s, .. }
            if f.line == Some(first) && s.line == Some(second)),
        "{error:?}"
    );
}

#[test]
fn more_than_one_root_is_refused_listing_every_root() {
    let text = [valid_text(), node("650000000000", "region", None)].concat();
    let first = line_of_nth(&text, "[[node]]", 0);
    let second = line_of_nth(&text, "[[node]]", 4);
    let error = refuse(
        &text,
        &[
            "640000000000",
            "650000000000",
            &at_line(first),
            &at_line(second),
        ],
    );
    assert!(
        matches!(&error, TopologyError::MultipleRoots { roots, .. } if roots.len() == 2),
        "{error:?}"
    );
}

#[test]
fn a_tree_without_root_is_refused() {
    let text = [
        HEADER.to_owned(),
        node("640100000000", "city", Some("640104000000")),
        node("640104000000", "county", Some("640100000000")),
    ]
    .concat();
    let error = refuse(&text, &[ORIGIN, "root"]);
    assert!(matches!(error, TopologyError::NoRoot { .. }), "{error:?}");
}

#[test]
fn a_topology_without_nodes_is_refused() {
    let error = refuse(HEADER, &[ORIGIN]);
    assert!(matches!(error, TopologyError::NoNodes { .. }), "{error:?}");
}

#[test]
fn an_orphan_is_refused() {
    let text = [
        valid_text(),
        node("640205000000", "county", Some("640200000000")),
    ]
    .concat();
    let line = line_of(&text, "parent = \"640200000000\"");
    let error = refuse(&text, &[&at_line(line), "640205000000", "640200000000"]);
    assert!(
        matches!(error, TopologyError::Orphan { code: orphan, .. } if orphan == code("640205000000")),
        "{error:?}"
    );
}

#[test]
fn a_cycle_is_refused_listing_its_codes() {
    let text = [
        valid_text(),
        node("640200000000", "city", Some("640205000000")),
        node("640205000000", "county", Some("640200000000")),
    ]
    .concat();
    let error = refuse(&text, &[ORIGIN, "640200000000", "640205000000", "cycle"]);
    assert!(
        matches!(&error, TopologyError::Cycle { codes, .. }
            if codes == &[code("640200000000"), code("640205000000")]),
        "{error:?}"
    );

    // A node that is its own parent is the shortest cycle.
    let text = [
        valid_text(),
        node("640300000000", "city", Some("640300000000")),
    ]
    .concat();
    let line = line_of(&text, "parent = \"640300000000\"");
    let error = refuse(&text, &[&at_line(line), "640300000000"]);
    assert!(
        matches!(&error, TopologyError::Cycle { codes, .. } if codes == &[code("640300000000")]),
        "{error:?}"
    );
}

#[test]
fn a_child_not_below_its_parent_is_refused() {
    let text = [
        valid_text(),
        node("640106000000", "county", Some("640104000000")),
    ]
    .concat();
    let line = line_of_nth(&text, "level = \"county\"", 2);
    let error = refuse(
        &text,
        &[&at_line(line), "640106000000", "640104000000", "county"],
    );
    assert!(
        matches!(
            error,
            TopologyError::LevelNotBelowParent {
                level: Level::County,
                parent_level: Level::County,
                ..
            }
        ),
        "{error:?}"
    );

    let text = [
        valid_text(),
        node("640200000000", "city", Some("640104000000")),
    ]
    .concat();
    let error = refuse(&text, &["640200000000"]);
    assert!(
        matches!(
            error,
            TopologyError::LevelNotBelowParent {
                level: Level::City,
                ..
            }
        ),
        "{error:?}"
    );
}

#[test]
fn bad_public_keys_are_refused_with_the_reason() {
    let with_key = |key: &str| {
        valid_text().replace(
            "parent = \"640000000000\"\n",
            &format!("parent = \"640000000000\"\npublic_key = \"{key}\"\n"),
        )
    };
    // Not base64.
    let text = with_key("not a key!");
    let line = line_of(&text, "public_key");
    let error = refuse(&text, &[&at_line(line), "640100000000", "base64"]);
    assert!(
        matches!(
            error,
            TopologyError::BadPublicKey {
                source: KeyError::NotBase64 { .. },
                field: "public_key",
                ..
            }
        ),
        "{error:?}"
    );
    // Base64, but of 24 bytes.
    let text = with_key(&"A".repeat(32));
    let error = refuse(&text, &[&at_line(line), "24 bytes"]);
    assert!(
        matches!(
            error,
            TopologyError::BadPublicKey {
                source: KeyError::WrongLength { length: 24 },
                ..
            }
        ),
        "{error:?}"
    );
    // 32 bytes, but y = 2 is not on the curve.
    let text = with_key("AgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");
    let error = refuse(&text, &[&at_line(line), "curve"]);
    assert!(
        matches!(
            error,
            TopologyError::BadPublicKey {
                source: KeyError::NotCurvePoint,
                ..
            }
        ),
        "{error:?}"
    );
    // A bad retired key is reported as such.
    let text = valid_text().replace(
        "parent = \"640000000000\"\n",
        &format!(
            "parent = \"640000000000\"\nretired_keys = [\"{}\", \"AAAA\"]\n",
            public_key(1)
        ),
    );
    let line = line_of(&text, "retired_keys");
    let error = refuse(&text, &[&at_line(line), "retired_keys", "640100000000"]);
    assert!(
        matches!(
            error,
            TopologyError::BadPublicKey {
                field: "retired_keys",
                ..
            }
        ),
        "{error:?}"
    );
}

#[test]
fn too_many_retired_keys_are_refused() {
    let keys: Vec<String> = (0..=MAX_RETIRED_KEYS_PER_NODE)
        .map(|index| format!("\"{}\"", public_key(index)))
        .collect();
    let text = valid_text().replace(
        "parent = \"640000000000\"\n",
        &format!(
            "parent = \"640000000000\"\nretired_keys = [{}]\n",
            keys.join(", ")
        ),
    );
    let line = line_of(&text, "retired_keys");
    let error = refuse(&text, &[&at_line(line), "640100000000"]);
    assert!(
        matches!(error, TopologyError::TooManyRetiredKeys { count, .. } if count == MAX_RETIRED_KEYS_PER_NODE + 1),
        "{error:?}"
    );
}

#[test]
fn a_key_shared_by_two_nodes_is_refused() {
    let key = public_key(9);
    let text = valid_text()
        .replace(
            "parent = \"640000000000\"\n",
            &format!("parent = \"640000000000\"\npublic_key = \"{key}\"\n"),
        )
        .replacen(
            "level = \"county\"\n",
            &format!("level = \"county\"\nretired_keys = [\"{key}\"]\n"),
            1,
        );
    let line = line_of(&text, "retired_keys");
    let error = refuse(&text, &[&at_line(line), "640100000000", "640104000000"]);
    assert!(
        matches!(error, TopologyError::DuplicatePublicKey { .. }),
        "{error:?}"
    );
}

#[test]
fn bad_addresses_are_refused() {
    let with_address = |address: &str| {
        valid_text().replace(
            "parent = \"640000000000\"\n",
            &format!("parent = \"640000000000\"\naddress = \"{address}\"\n"),
        )
    };
    let cases: [(&str, IsExpected); 3] = [
        ("10.64.1.1", |error| {
            matches!(error, AddressError::MissingPort { .. })
        }),
        ("10.64.1.1:0", |error| {
            matches!(error, AddressError::PortOutOfRange { port: 0, .. })
        }),
        ("10.64.1.1:70000", |error| {
            matches!(error, AddressError::PortOutOfRange { port: 70000, .. })
        }),
    ];
    for (address, is_expected) in cases {
        let text = with_address(address);
        let line = line_of(&text, "address");
        let error = refuse(&text, &[&at_line(line), "640100000000", address]);
        match &error {
            TopologyError::BadAddress { source, .. } => assert!(is_expected(source), "{error:?}"),
            other => panic!("expected BadAddress, got {other:?}"),
        }
    }
}

#[test]
fn bad_names_are_refused() {
    let long_name = "长".repeat(MAX_NAME_CHARS + 1);
    let text = valid_text().replace(
        "name_zh = \"节点640105000000\"",
        &format!("name_zh = \"{long_name}\""),
    );
    let line = line_of(&text, &long_name);
    let error = refuse(
        &text,
        &[&at_line(line), "640105000000", "name_zh", "101 characters"],
    );
    assert!(
        matches!(
            error,
            TopologyError::BadName {
                problem: NameProblem::TooLong { chars: 101 },
                ..
            }
        ),
        "{error:?}"
    );

    let text = valid_text().replace("name_en = \"Node 640105000000\"", "name_en = \"  \"");
    let error = refuse(&text, &["640105000000", "name_en", "empty"]);
    assert!(
        matches!(
            error,
            TopologyError::BadName {
                problem: NameProblem::Empty,
                ..
            }
        ),
        "{error:?}"
    );

    let text = valid_text().replace("name = \"test tree\"", "name = \"test\\ntree\"");
    let error = refuse(&text, &[&at_line(2), "control"]);
    assert!(
        matches!(
            error,
            TopologyError::BadName {
                code: None,
                problem: NameProblem::ControlCharacter,
                ..
            }
        ),
        "{error:?}"
    );
}

#[test]
fn a_signature_by_anyone_but_the_root_is_refused() {
    let text = format!(
        "{}\n[signature]\nsigner = \"640100000000\"\nvalue = \"{}\"\n",
        valid_text(),
        "A".repeat(86) + "=="
    );
    let line = line_of(&text, "signer");
    let error = refuse(&text, &[&at_line(line), "640100000000", "640000000000"]);
    assert!(
        matches!(error, TopologyError::SignerNotRoot { .. }),
        "{error:?}"
    );
}

#[test]
fn a_malformed_signature_value_is_refused() {
    let text = format!(
        "{}\n[signature]\nsigner = \"640000000000\"\nvalue = \"AAAA\"\n",
        valid_text()
    );
    let line = line_of(&text, "value");
    let error = refuse(&text, &[&at_line(line), "3 bytes"]);
    assert!(
        matches!(
            error,
            TopologyError::MalformedSignature {
                problem: SignatureEncodingProblem::WrongLength { length: 3 },
                ..
            }
        ),
        "{error:?}"
    );
    let text = text.replace("\"AAAA\"", "\"@@@@\"");
    let error = refuse(&text, &[&at_line(line), "base64"]);
    assert!(
        matches!(
            error,
            TopologyError::MalformedSignature {
                problem: SignatureEncodingProblem::NotBase64 { .. },
                ..
            }
        ),
        "{error:?}"
    );
}

#[test]
fn oversized_text_is_refused_before_parsing() {
    let text = " ".repeat(MAX_TOPOLOGY_TEXT_BYTES + 1);
    let error = refuse(&text, &[ORIGIN]);
    assert!(
        matches!(error, TopologyError::TextTooLarge { .. }),
        "{error:?}"
    );
}

fn county(code_text: &str, parent: &str) -> NodeEntry {
    NodeEntry::new(
        code(code_text),
        "县",
        "County",
        Level::County,
        Some(code(parent)),
    )
}

#[test]
fn from_entries_applies_the_same_checks() {
    let region = NodeEntry::new(code("640000000000"), "宁夏", "Ningxia", Level::Region, None);
    let entries = vec![region.clone(), county("640104000000", "640000000000")];
    let topology = Topology::from_entries(1, "two nodes".to_owned(), entries).unwrap();
    assert_eq!(topology.len(), 2);

    let error = Topology::from_entries(
        1,
        "orphan".to_owned(),
        vec![region.clone(), county("640104000000", "640100000000")],
    )
    .unwrap_err();
    assert!(matches!(error, TopologyError::Orphan { .. }));
    let message = error.localized("en");
    assert!(
        message.contains("Topology::from_entries") && message.contains("640104000000"),
        "{message}"
    );

    let error = Topology::from_entries(MAX_VERSION + 1, "too new".to_owned(), vec![region.clone()])
        .unwrap_err();
    assert!(
        matches!(error, TopologyError::VersionTooLarge { .. }),
        "{error:?}"
    );

    let mut with_bad_address = region.clone();
    with_bad_address.address = Some("localhost".to_owned());
    let error =
        Topology::from_entries(1, "bad address".to_owned(), vec![with_bad_address]).unwrap_err();
    assert!(
        matches!(error, TopologyError::BadAddress { .. }),
        "{error:?}"
    );
}

#[test]
fn too_many_nodes_are_refused() {
    let entries: Vec<NodeEntry> = (0..=MAX_NODES as u64)
        .map(|index| {
            NodeEntry::new(
                topology::DivisionCode::from_u64(100_000_000_000 + index).unwrap(),
                "节点",
                "Node",
                Level::County,
                None,
            )
        })
        .collect();
    let error = Topology::from_entries(1, "huge".to_owned(), entries).unwrap_err();
    assert!(
        matches!(error, TopologyError::TooManyNodes { count, .. } if count == MAX_NODES + 1),
        "{error:?}"
    );
    assert!(error.to_string().contains(&MAX_NODES.to_string()));
}

/// The valid text with `lines` added to the city 640100000000 (after its `parent`).
fn with_city_lines(lines: &str) -> String {
    valid_text().replace(
        "parent = \"640000000000\"\n",
        &format!("parent = \"640000000000\"\n{lines}"),
    )
}

/// A `revoked_keys` list of one key with the given version and time (a TOML value, quoted or not).
fn revoked_list(key_index: usize, version: u64, time: &str) -> String {
    format!(
        "revoked_keys = [\n    {{ key = \"{}\", revoked_in_version = {version}, compromised_since = {time} }},\n]\n",
        public_key(key_index)
    )
}

#[test]
fn retired_keys_read_as_strings_tables_or_both() {
    let city = code("640100000000");
    let text = with_city_lines(&format!(
        "retired_keys = [\n    \"{}\",\n    {{ key = \"{}\", retired_in_version = 3 }},\n]\n",
        public_key(1),
        public_key(2)
    ));
    let topology = Topology::from_toml_str(&text, ORIGIN).unwrap();
    let entry = topology.node(city).unwrap();
    assert_eq!(
        entry.retired_keys,
        vec![
            RetiredKey {
                key: public_key(1),
                retired_in_version: 0
            },
            RetiredKey {
                key: public_key(2),
                retired_in_version: 3
            },
        ]
    );
    // Written back as tables only, and read back equal.
    let written = topology.to_toml_string();
    assert!(written.contains("retired_in_version = 0 }"), "{written}");
    assert_eq!(Topology::from_toml_str(&written, ORIGIN).unwrap(), topology);
}

#[test]
fn revoked_keys_read_quoted_or_as_toml_date_times() {
    let city = code("640100000000");
    let quoted = with_city_lines(&revoked_list(1, 2, "\"2026-11-20T00:00:00Z\""));
    let bare = with_city_lines(&revoked_list(1, 2, "2026-11-20T08:00:00+08:00"));
    let from_quoted = Topology::from_toml_str(&quoted, ORIGIN).unwrap();
    let from_bare = Topology::from_toml_str(&bare, ORIGIN).unwrap();
    assert_eq!(from_quoted, from_bare);
    assert_eq!(
        from_quoted.node(city).unwrap().revoked_keys,
        vec![RevokedKey {
            key: public_key(1),
            revoked_in_version: 2,
            compromised_since_ms: 1_795_132_800_000
        }]
    );
    assert!(
        from_quoted
            .to_toml_string()
            .contains("compromised_since = \"2026-11-20T08:00:00+08:00\" }")
    );
}

#[test]
fn malformed_retired_key_tables_are_structure_errors_at_their_line() {
    let cases = [
        // No version in the table form.
        (
            format!("{{ key = \"{}\" }}", public_key(1)),
            "retired_in_version",
        ),
        // An unknown key in the table.
        (
            format!(
                "{{ key = \"{}\", retired_in_version = 1, when = 2 }}",
                public_key(1)
            ),
            "when",
        ),
        // Neither a string nor a table.
        ("42".to_owned(), "retired_in_version = 3"),
        // A negative version.
        (
            format!("{{ key = \"{}\", retired_in_version = -1 }}", public_key(1)),
            "",
        ),
    ];
    for (item, mention) in cases {
        let text = with_city_lines(&format!(
            "retired_keys = [\n    \"{}\",\n    {item},\n]\n",
            public_key(2)
        ));
        let line = line_of(&text, &format!("    {item},"));
        let error = refuse(&text, &[&at_line(line), mention]);
        assert!(
            matches!(error, TopologyError::Structure { line: reported, .. } if reported == line),
            "{item}: {error:?}"
        );
    }

    let text = with_city_lines(&format!(
        "revoked_keys = [{{ key = \"{}\", revoked_in_version = 1, compromised_since = \"2026-11-20T08:00:00+08:00\", note = \"lost\" }}]\n",
        public_key(1)
    ));
    let error = refuse(&text, &[&at_line(line_of(&text, "revoked_keys")), "note"]);
    assert!(
        matches!(error, TopologyError::Structure { .. }),
        "{error:?}"
    );
}

#[test]
fn key_history_later_than_the_topology_is_refused_at_the_key() {
    // HEADER says version 3.
    let text = with_city_lines(&format!(
        "retired_keys = [\n    {{ key = \"{}\", retired_in_version = 3 }},\n    {{ key = \"{}\", retired_in_version = 4 }},\n]\n",
        public_key(1),
        public_key(2)
    ));
    let line = line_of(&text, "retired_in_version = 4");
    let error = refuse(
        &text,
        &[&at_line(line), "640100000000", "retired_in_version = 4"],
    );
    assert!(
        matches!(
            error,
            TopologyError::RetiredAfterVersion {
                retired_in_version: 4,
                version: 3,
                ..
            }
        ),
        "{error:?}"
    );

    let text = with_city_lines(&revoked_list(1, 4, "\"2026-11-20T08:00:00+08:00\""));
    let line = line_of(&text, "revoked_in_version = 4");
    let error = refuse(&text, &[&at_line(line), "640100000000"]);
    assert!(
        matches!(
            error,
            TopologyError::RevokedAfterVersion {
                revoked_in_version: 4,
                version: 3,
                ..
            }
        ),
        "{error:?}"
    );

    let text = with_city_lines(&revoked_list(1, 0, "\"2026-11-20T08:00:00+08:00\""));
    let line = line_of(&text, "revoked_in_version = 0");
    let error = refuse(&text, &[&at_line(line), "640100000000"]);
    assert!(
        matches!(error, TopologyError::RevokedInVersionZero { .. }),
        "{error:?}"
    );
}

#[test]
fn bad_compromise_times_are_refused_with_the_reason() {
    type IsExpected = fn(&CompromiseTimeProblem) -> bool;
    let cases: [(&str, &str, IsExpected); 5] = [
        ("\"2026-11-20T08:00:00\"", "offset", |problem| {
            matches!(problem, CompromiseTimeProblem::NotRfc3339 { .. })
        }),
        // A TOML local date-time has no offset either.
        ("2026-11-20T08:00:00", "offset", |problem| {
            matches!(problem, CompromiseTimeProblem::NotRfc3339 { .. })
        }),
        ("1795132800000", "integer", |problem| {
            matches!(problem, CompromiseTimeProblem::NotATime { .. })
        }),
        (
            "\"2026-11-20T08:00:00.0001+08:00\"",
            "millisecond",
            |problem| matches!(problem, CompromiseTimeProblem::FinerThanMillisecond { .. }),
        ),
        ("\"1969-12-31T00:00:00Z\"", "range", |problem| {
            matches!(problem, CompromiseTimeProblem::OutOfRange { .. })
        }),
    ];
    for (time, mention, is_expected) in cases {
        let text = with_city_lines(&revoked_list(1, 2, time));
        let line = line_of(&text, "compromised_since");
        let key = public_key(1).to_string();
        let error = refuse(&text, &[&at_line(line), "640100000000", &key, mention]);
        match &error {
            TopologyError::BadCompromiseTime { problem, .. } => {
                assert!(is_expected(problem), "{time}: {error:?}")
            }
            other => panic!("{time}: expected BadCompromiseTime, got {other:?}"),
        }
    }
}

#[test]
fn bad_and_too_many_revoked_keys_are_refused() {
    let text = with_city_lines(
        "revoked_keys = [{ key = \"AAAA\", revoked_in_version = 1, compromised_since = \"2026-11-20T08:00:00+08:00\" }]\n",
    );
    let line = line_of(&text, "revoked_keys");
    let error = refuse(&text, &[&at_line(line), "revoked_keys", "640100000000"]);
    assert!(
        matches!(
            error,
            TopologyError::BadPublicKey {
                field: "revoked_keys",
                source: KeyError::WrongLength { length: 3 },
                ..
            }
        ),
        "{error:?}"
    );

    let items: Vec<String> = (0..=MAX_REVOKED_KEYS_PER_NODE)
        .map(|index| {
            format!(
                "{{ key = \"{}\", revoked_in_version = 1, compromised_since = \"2026-11-20T08:00:00+08:00\" }}",
                public_key(index)
            )
        })
        .collect();
    let text = with_city_lines(&format!("revoked_keys = [{}]\n", items.join(", ")));
    let line = line_of(&text, "revoked_keys");
    let error = refuse(&text, &[&at_line(line), "640100000000"]);
    assert!(
        matches!(error, TopologyError::TooManyRevokedKeys { count, .. }
            if count == MAX_REVOKED_KEYS_PER_NODE + 1),
        "{error:?}"
    );
}

#[test]
fn a_key_is_listed_once_across_current_retired_and_revoked_keys() {
    let key = public_key(9);
    // The same node: current and revoked.
    let text = with_city_lines(&format!(
        "public_key = \"{key}\"\n{}",
        revoked_list(9, 2, "\"2026-11-20T08:00:00+08:00\"")
    ));
    let line = line_of(&text, "revoked_in_version");
    let error = refuse(
        &text,
        &[
            &at_line(line),
            "640100000000",
            "twice",
            "the current key",
            "a revoked key",
        ],
    );
    assert!(
        matches!(
            error,
            TopologyError::KeyListedTwice {
                first: KeyRole::Current,
                second: KeyRole::Revoked,
                ..
            }
        ),
        "{error:?}"
    );

    // The same node: retired twice.
    let text = with_city_lines(&format!(
        "retired_keys = [\n    \"{key}\",\n    {{ key = \"{key}\", retired_in_version = 2 }},\n]\n"
    ));
    let line = line_of(&text, "retired_in_version = 2");
    let error = refuse(&text, &[&at_line(line), "640100000000"]);
    assert!(
        matches!(
            error,
            TopologyError::KeyListedTwice {
                first: KeyRole::Retired,
                second: KeyRole::Retired,
                ..
            }
        ),
        "{error:?}"
    );

    // Two nodes: one's revoked key is the other's current key.
    let text = with_city_lines(&revoked_list(9, 2, "\"2026-11-20T08:00:00+08:00\"")).replacen(
        "level = \"county\"\n",
        &format!("level = \"county\"\npublic_key = \"{key}\"\n"),
        1,
    );
    let line = line_of(&text, &format!("public_key = \"{key}\""));
    let error = refuse(&text, &[&at_line(line), "640100000000", "640104000000"]);
    assert!(
        matches!(error, TopologyError::DuplicatePublicKey { first, second, .. }
            if first == code("640100000000") && second == code("640104000000")),
        "{error:?}"
    );
}

#[test]
fn from_entries_checks_key_history_too() {
    let region = NodeEntry::new(code("640000000000"), "宁夏", "Ningxia", Level::Region, None);
    let mut retired_late = region.clone();
    retired_late.retired_keys.push(RetiredKey {
        key: public_key(1),
        retired_in_version: 2,
    });
    let error = Topology::from_entries(1, "late".to_owned(), vec![retired_late]).unwrap_err();
    assert!(
        matches!(error, TopologyError::RetiredAfterVersion { .. }),
        "{error:?}"
    );
    let message = error.localized("en");
    assert!(
        message.contains("Topology::from_entries") && message.contains("640000000000"),
        "{message}"
    );

    let mut revoked_before_epoch = region;
    revoked_before_epoch.revoked_keys.push(RevokedKey {
        key: public_key(1),
        revoked_in_version: 1,
        compromised_since_ms: -1,
    });
    let error =
        Topology::from_entries(1, "early".to_owned(), vec![revoked_before_epoch]).unwrap_err();
    assert!(
        matches!(
            error,
            TopologyError::BadCompromiseTime {
                problem: CompromiseTimeProblem::OutOfRange {
                    compromised_since_ms: -1
                },
                ..
            }
        ),
        "{error:?}"
    );
}
