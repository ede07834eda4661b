//! The message catalogues: every key has a Chinese text and an English one with the same
//! placeholders, every key the source looks up exists, and no text people read is written outside
//! the catalogues (a scan of the source, with the files not yet moved held to their count).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_owned()
}

/// A catalogue flattened to `section.key.sub` → text.
fn catalogue(language: &str) -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(workspace().join("locales").join(format!("{language}.yml")))
        .unwrap();
    let value: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
    let mut flat = BTreeMap::new();
    flatten("", &value, &mut flat);
    flat.retain(|key, _| !key.starts_with('_') && !key.ends_with("._section"));
    flat
}

fn flatten(prefix: &str, value: &serde_yaml::Value, flat: &mut BTreeMap<String, String>) {
    match value {
        serde_yaml::Value::Mapping(map) => {
            for (key, value) in map {
                let key = key.as_str().unwrap();
                let path = if prefix.is_empty() {
                    key.to_owned()
                } else {
                    format!("{prefix}.{key}")
                };
                flatten(&path, value, flat);
            }
        }
        serde_yaml::Value::String(text) => {
            flat.insert(prefix.to_owned(), text.clone());
        }
        other => {
            flat.insert(prefix.to_owned(), serde_yaml::to_string(other).unwrap());
        }
    }
}

fn placeholders(text: &str) -> BTreeSet<String> {
    text.split("%{")
        .skip(1)
        .filter_map(|rest| rest.split_once('}').map(|(name, _)| name.to_owned()))
        .collect()
}

fn has_cjk(text: &str) -> bool {
    text.chars().any(|character| {
        ('\u{3000}'..='\u{9fff}').contains(&character)
            || ('\u{ff00}'..='\u{ffef}').contains(&character)
    })
}

/// English words in a text, placeholders and code spans aside: runs of three or more letters.
fn english_words(text: &str) -> usize {
    let mut cleaned = String::new();
    let mut rest = text;
    while let Some(at) = rest.find("%{") {
        cleaned.push_str(&rest[..at]);
        rest = rest[at..].split_once('}').map_or("", |(_, after)| after);
    }
    cleaned.push_str(rest);
    cleaned
        .split(|character: char| !character.is_ascii_alphabetic())
        .filter(|word| word.len() >= 3)
        .count()
}

#[test]
fn every_key_has_chinese_and_english_with_the_same_placeholders() {
    let chinese = catalogue("zh-CN");
    let english = catalogue("en");
    assert!(
        chinese.len() > 300,
        "the catalogues hold the program's texts"
    );
    let only_chinese: Vec<&String> = chinese
        .keys()
        .filter(|key| !english.contains_key(*key))
        .collect();
    let only_english: Vec<&String> = english
        .keys()
        .filter(|key| !chinese.contains_key(*key))
        .collect();
    assert!(
        only_chinese.is_empty(),
        "keys without English: {only_chinese:?}"
    );
    assert!(
        only_english.is_empty(),
        "keys without Chinese: {only_english:?}"
    );
    // Keys whose call passes a value in two forms, each language using the one it reads best in.
    let two_forms = ["schemas.header.table_not_in_ledger", "template.choice_item"];
    for (key, text) in chinese
        .iter()
        .filter(|(key, _)| !two_forms.contains(&key.as_str()))
    {
        // A name given in both languages (`name_zh`, `name_en`) is used by the one it is in.
        let shared = |text: &str| -> BTreeSet<String> {
            placeholders(text)
                .into_iter()
                .filter(|name| !name.ends_with("_zh") && !name.ends_with("_en"))
                .collect()
        };
        assert_eq!(
            shared(text),
            shared(&english[key]),
            "{key}: the same placeholders in both languages"
        );
    }
}

#[test]
fn chinese_texts_are_chinese() {
    // Texts made only of placeholders, punctuation, codes or units are the same in any language.
    for (key, text) in catalogue("zh-CN") {
        assert!(
            has_cjk(&text) || english_words(&text) == 0,
            "{key}: the Chinese catalogue has an English text: {text:?}"
        );
    }
}

/// Every `t!("literal"` of a source tree.
fn looked_up_keys(directory: &Path, keys: &mut BTreeSet<(String, String)>) {
    for entry in std::fs::read_dir(directory).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            looked_up_keys(&path, keys);
            continue;
        }
        if path.extension().is_none_or(|extension| extension != "rs") {
            continue;
        }
        let text: String = std::fs::read_to_string(&path)
            .unwrap()
            .lines()
            .filter(|line| !line.trim_start().starts_with("//"))
            .collect::<Vec<_>>()
            .join("\n");
        let mut rest = text.as_str();
        while let Some(at) = rest.find("t!(") {
            let macro_name_starts = at == 0
                || !rest[..at]
                    .chars()
                    .next_back()
                    .is_some_and(|before| before.is_alphanumeric() || before == '_');
            rest = &rest[at + 3..];
            if !macro_name_starts {
                continue;
            }
            let trimmed = rest.trim_start();
            if let Some(literal) = trimmed.strip_prefix('"') {
                let key = literal.split('"').next().unwrap();
                if key.contains('.') && !key.contains(' ') {
                    keys.insert((key.to_owned(), path.display().to_string()));
                }
            }
        }
    }
}

#[test]
fn every_key_the_source_looks_up_is_in_the_catalogues() {
    let chinese = catalogue("zh-CN");
    let mut keys = BTreeSet::new();
    for crate_source in ["node/src", "schemas/src", "topology/src"] {
        looked_up_keys(&workspace().join(crate_source), &mut keys);
    }
    assert!(
        keys.len() > 100,
        "the scan finds the lookups: {}",
        keys.len()
    );
    let missing: Vec<&(String, String)> = keys
        .iter()
        .filter(|(key, _)| {
            !chinese.contains_key(key)
                && !chinese
                    .keys()
                    .any(|known| known.starts_with(&format!("{key}.")))
        })
        .collect();
    assert!(
        missing.is_empty(),
        "keys looked up but not in the catalogues: {missing:?}"
    );
    // Keys made at run time, family by family.
    for ledger in ["office_space", "vehicles", "energy"] {
        assert!(chinese.contains_key(&format!("cli.ledger.{ledger}")));
    }
    for key in [
        "status.link.role_parent",
        "status.link.role_child",
        "status.link.state_connecting",
        "status.link.state_connected",
        "status.link.state_down",
        "status.verdict.accepted",
        "status.verdict.returned",
        "status.explain.kind_submission",
        "status.explain.kind_rollup",
        "status.report.signed_submission",
        "status.report.signed_rollup",
        "status.severity.error",
        "status.severity.warning",
    ] {
        assert!(chinese.contains_key(key), "{key}");
    }
}

/// Macros and calls whose string literal reaches people.
const USER_FACING: [&str; 11] = [
    "println!(",
    "eprintln!(",
    "print!(",
    "eprint!(",
    "bail!(",
    "anyhow!(",
    "#[error(",
    ".context(",
    "with_context(",
    "format!(",
    "writeln!(",
];

/// Calls whose literal is for programmers or operators' logs, not for people at a form. A
/// catalogue lookup, `t!(`, is told apart from `format!(` and `print!(` (which end the same way)
/// by [`looks_up_the_catalogue`].
const NOT_USER_FACING: [&str; 11] = [
    "tracing::",
    "warn!(",
    "info!(",
    "debug!(",
    "trace!(",
    "expect(",
    "panic!(",
    "assert",
    "unreachable!(",
    "#[arg(",
    "#[command(",
];

/// Whether a piece of code calls `t!(` itself (not `format!(` or `print!(`).
fn looks_up_the_catalogue(code: &str) -> bool {
    code.match_indices("t!(").any(|(at, _)| {
        !code[..at]
            .chars()
            .next_back()
            .is_some_and(|before| before.is_alphanumeric() || before == '_')
    })
}

/// Whether a literal has Chinese characters (ideographs; punctuation alone is layout).
fn has_chinese_characters(text: &str) -> bool {
    text.chars()
        .any(|character| ('\u{3400}'..='\u{9fff}').contains(&character))
}

/// A literal's words for people: its `{placeholders}` taken out, and nothing when it has no space
/// (a key, a file name, a format such as `{year:04}-{month:02}` is not a sentence).
fn sentence_words(literal: &str) -> usize {
    let mut text = String::new();
    let mut depth = 0_usize;
    for character in literal.chars() {
        match character {
            '{' => depth += 1,
            '}' => depth = depth.saturating_sub(1),
            _ if depth == 0 => text.push(character),
            _ => {}
        }
    }
    if !text.trim().contains(' ') {
        return 0;
    }
    text.split(|character: char| !character.is_ascii_alphabetic())
        .filter(|word| word.len() >= 2)
        .count()
}

/// Literals with English words in user-facing calls, per file: a count, outside tests.
fn english_literals(path: &Path) -> usize {
    let text = std::fs::read_to_string(path).unwrap();
    let code = text.split("#[cfg(test)]").next().unwrap();
    let lines: Vec<&str> = code.lines().collect();
    let mut count = 0;
    for (index, line) in lines.iter().enumerate() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("//") || !line.contains('"') {
            continue;
        }
        let context = lines[index.saturating_sub(2)..=index].join("\n");
        let call = USER_FACING.iter().any(|marker| context.contains(marker));
        let excluded = NOT_USER_FACING
            .iter()
            .any(|marker| context.contains(marker))
            || looks_up_the_catalogue(&context);
        if !call || excluded {
            continue;
        }
        let literals = line.split('"').skip(1).step_by(2);
        count += literals
            .filter(|literal| sentence_words(literal) >= 3 || has_chinese_characters(literal))
            .count();
    }
    count
}

/// Files whose texts are not in the catalogues yet, with how many such literals each holds: a
/// count may only go down (lower it here when a file is moved), and no other file may gain one.
/// Every file has been moved; the list stays for a file that cannot be moved at once.
const NOT_YET_MOVED: &[(&str, usize)] = &[];

fn scanned_files(directory: &Path, files: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(directory).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            scanned_files(&path, files);
        } else if path.extension().is_some_and(|extension| extension == "rs") {
            files.push(path);
        }
    }
}

#[test]
fn no_text_people_read_is_written_outside_the_catalogues() {
    let root = workspace();
    let mut files = Vec::new();
    for crate_source in ["node/src", "schemas/src", "topology/src"] {
        scanned_files(&root.join(crate_source), &mut files);
    }
    let allowed: BTreeMap<&str, usize> = NOT_YET_MOVED.iter().copied().collect();
    let mut found = BTreeMap::new();
    for path in &files {
        let relative = path.strip_prefix(&root).unwrap().display().to_string();
        // Benchmarks print measurements for engineers.
        if relative.starts_with("node/src/bench") {
            continue;
        }
        let count = english_literals(path);
        if count > 0 {
            found.insert(relative, count);
        }
    }
    let mut wrong = Vec::new();
    for (file, count) in &found {
        let limit = allowed.get(file.as_str()).copied().unwrap_or(0);
        if *count > limit {
            wrong.push(format!(
                "{file}: {count} texts outside the catalogues (allowed {limit})"
            ));
        }
    }
    for (file, limit) in &allowed {
        let count = found.get(*file).copied().unwrap_or(0);
        if count < *limit {
            wrong.push(format!(
                "{file}: now {count}, lower NOT_YET_MOVED from {limit}"
            ));
        }
    }
    if std::env::var_os("HUIZONG_PRINT_SCAN").is_some() {
        for (file, count) in &found {
            println!("    (\"{file}\", {count}),");
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn the_scan_finds_an_english_message_and_passes_a_catalogue_lookup() {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("sample.rs");
    std::fs::write(
        &path,
        "fn a() {\n    anyhow::bail!(\"the file cannot be read here\");\n    let m = t!(\"errors.cannot_read\", file = f);\n    tracing::warn!(\"a log line for operators only\");\n}\n",
    )
    .unwrap();
    assert_eq!(english_literals(&path), 1);
}

#[test]
fn the_scan_tells_format_and_print_from_a_catalogue_lookup() {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("sample.rs");
    // Each call two lines apart from the next, so that each is judged on its own.
    let calls = [
        // Counted: English sentences and Chinese text written in the code.
        "let m = format!(\"cannot open the store at {path}: {reason}\");",
        "eprint!(\"the tree keeps running at {dir}\");",
        "print!(\"按 Ctrl-C 停止\");",
        // Not counted: a lookup, keys and file names, placeholders and layout.
        "let m = t!(\"errors.cannot_read\", file = format!(\"{dir}/node.toml\"));",
        "let f = format!(\"node.key.retired-{version}\");",
        "let k = format!(\"cli.help.{path}._about\");",
        "let line = format!(\"{count} × {rule} ({severity})\");",
        "let name = format!(\"{}（{}）\", zh, slug);",
    ];
    let text = format!("fn a() {{\n{}\n}}\n", calls.join("\n\n\n"));
    std::fs::write(&path, text).unwrap();
    assert_eq!(english_literals(&path), 3);
}

/// Keys (or key prefixes) with the file each was found in.
type KeysFound = BTreeSet<(String, String)>;

/// Every `t("key"` (or `t('key'`) of the console's templates, and every prefix of a key made at
/// render time (`t("console.state." ~ state)`), with the template's name.
fn template_lookups() -> (KeysFound, KeysFound) {
    let mut keys = BTreeSet::new();
    let mut prefixes = BTreeSet::new();
    let directory = workspace().join("node/src/console/templates");
    for entry in std::fs::read_dir(&directory).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        for (at, _) in text.match_indices("t(") {
            if text[..at]
                .chars()
                .next_back()
                .is_some_and(|before| before.is_alphanumeric() || before == '_')
            {
                continue;
            }
            let rest = &text[at + 2..];
            let Some(quote) = rest.chars().next().filter(|c| *c == '"' || *c == '\'') else {
                continue;
            };
            let literal = rest[1..].split(quote).next().unwrap();
            let after = rest[1 + literal.len() + 1..].trim_start();
            if after.starts_with('~') {
                prefixes.insert((literal.to_owned(), name.clone()));
            } else {
                keys.insert((literal.to_owned(), name.clone()));
            }
        }
    }
    (keys, prefixes)
}

#[test]
fn every_key_the_console_templates_look_up_is_in_the_catalogues() {
    let chinese = catalogue("zh-CN");
    let english = catalogue("en");
    let (keys, prefixes) = template_lookups();
    assert!(
        keys.len() > 100,
        "the scan finds the lookups: {}",
        keys.len()
    );
    assert!(
        prefixes.len() >= 8,
        "the scan finds the made keys: {prefixes:?}"
    );
    let missing: Vec<_> = keys
        .iter()
        .filter(|(key, _)| !chinese.contains_key(key) || !english.contains_key(key))
        .collect();
    assert!(
        missing.is_empty(),
        "keys the templates look up but not in both catalogues: {missing:?}"
    );
    let no_family: Vec<_> = prefixes
        .iter()
        .filter(|(prefix, _)| !chinese.keys().any(|key| key.starts_with(prefix.as_str())))
        .collect();
    assert!(
        no_family.is_empty(),
        "made keys with no catalogue entry at all: {no_family:?}"
    );
    // The values the pages put after each prefix, family by family.
    let families: [(&str, &[&str]); 10] = [
        (
            "console.state.",
            &["missing", "submitted", "accepted", "returned"],
        ),
        ("console.verdict.", &["accepted", "returned"]),
        ("console.severity.", &["error", "warning"]),
        (
            "console.timeliness.",
            &["on_time", "late", "overdue", "not_yet_due"],
        ),
        ("console.explain.kind.", &["submission", "rollup"]),
        (
            "console.draft.done.",
            &["imported", "saved", "deleted", "submitted", "confirmed"],
        ),
        (
            "console.figures.download.",
            &[
                "xlsx",
                "csv",
                "sdmx-csv",
                "sdmx-structure",
                "json",
                "json-sheets",
            ],
        ),
        ("accounts.role.", &["clerk", "reviewer", "admin", "viewer"]),
        ("console.sync.role_", &["parent", "child"]),
        (
            "status.activity.",
            &[
                "import",
                "submit",
                "delete",
                "confirm",
                "review",
                "define_return",
                "set_lock",
                "publish_topology",
                "load_next_key",
                "edit",
                "user_add",
                "user_change_password",
                "user_reset_password",
                "user_set_role",
                "user_remove",
            ],
        ),
    ];
    for (prefix, values) in families {
        for value in values {
            let key = format!("{prefix}{value}");
            assert!(
                chinese.contains_key(&key) && english.contains_key(&key),
                "{key} is made by a template but missing from a catalogue"
            );
        }
    }
}
