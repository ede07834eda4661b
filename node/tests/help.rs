//! The command line's help, as a clerk reads it: every command's `--help` is Chinese by default
//! (its description, every argument's line, the headings and clap's own lines), and English with
//! `--lang en` or `HUIZONG_LANG=en`. The commands are found by reading the help itself, from the
//! top level down, so a command added later is checked too.

use std::process::Command;

/// The help of `huizong <path> --help`, in the language given (`None`: the default).
fn help(path: &[String], language: Option<&str>) -> String {
    let mut command = Command::new(env!("CARGO_BIN_EXE_huizong"));
    command.env_remove("HUIZONG_LANG").env_remove("HUIZONG_DIR");
    if let Some(language) = language {
        command.args(["--lang", language]);
    }
    let output = command.args(path).arg("--help").output().unwrap();
    assert!(
        output.status.success(),
        "{path:?} --help: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

fn has_cjk(text: &str) -> bool {
    text.chars().any(|character| {
        ('\u{3000}'..='\u{9fff}').contains(&character)
            || ('\u{ff00}'..='\u{ffef}').contains(&character)
    })
}

/// Entries start 2 or 6 columns in; clap writes a long argument's help on the next line, 10 in.
const CONTINUATION_INDENT: usize = 8;

/// A help text cut into its description, usage line and sections (heading, entry lines).
struct Help {
    about: String,
    usage: String,
    sections: Vec<(String, Vec<String>)>,
}

fn parse(text: &str) -> Help {
    let mut lines = text.lines();
    let about = lines.next().unwrap_or_default().to_owned();
    let mut usage = String::new();
    let mut sections: Vec<(String, Vec<String>)> = Vec::new();
    for line in lines {
        if line.trim().is_empty() {
            continue;
        }
        if line.starts_with(' ') {
            let (_, entries) = sections
                .last_mut()
                .unwrap_or_else(|| panic!("an entry before any heading: {line:?}\n{text}"));
            let indent = line.len() - line.trim_start().len();
            match entries.last_mut() {
                // clap puts the help under a long argument, indented further: one entry still.
                Some(entry) if indent >= CONTINUATION_INDENT => {
                    entry.push_str("  ");
                    entry.push_str(line.trim_start());
                }
                _ => entries.push(line.to_owned()),
            }
        } else if usage.is_empty() {
            usage = line.to_owned();
        } else {
            sections.push((line.to_owned(), Vec::new()));
        }
    }
    Help {
        about,
        usage,
        sections,
    }
}

/// The subcommands a help lists, `help` aside.
fn subcommands(help: &Help, heading: &str) -> Vec<String> {
    help.sections
        .iter()
        .filter(|(name, _)| name == heading)
        .flat_map(|(_, entries)| entries)
        .filter_map(|entry| entry.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_owned)
        .collect()
}

/// Every command path, the top level first, found by reading the default (Chinese) help.
fn every_command() -> Vec<Vec<String>> {
    let mut found = vec![Vec::new()];
    let mut index = 0;
    while index < found.len() {
        let path = found[index].clone();
        for name in subcommands(&parse(&help(&path, None)), "命令：") {
            let mut child = path.clone();
            child.push(name);
            found.push(child);
        }
        index += 1;
    }
    found
}

#[test]
fn every_command_and_every_argument_has_chinese_help_by_default() {
    let commands = every_command();
    assert!(
        commands.len() > 30,
        "the walk finds every command: {commands:?}"
    );
    for nested in [
        ["topology", "sign"],
        ["return", "define"],
        ["review", "return"],
    ] {
        assert!(
            commands.iter().any(|path| path == &nested),
            "{nested:?} in {commands:?}"
        );
    }
    for path in &commands {
        let text = help(path, None);
        let help = parse(&text);
        assert!(has_cjk(&help.about), "{path:?}: {}", help.about);
        assert!(
            help.usage.starts_with("用法：huizong"),
            "{path:?}: {}",
            help.usage
        );
        assert!(!help.sections.is_empty(), "{path:?}:\n{text}");
        for (heading, entries) in &help.sections {
            assert!(
                ["命令：", "参数：", "选项："].contains(&heading.as_str()),
                "{path:?}: heading {heading:?}\n{text}"
            );
            assert!(!entries.is_empty(), "{path:?}: {heading} is empty");
            for entry in entries {
                assert!(
                    has_cjk(entry),
                    "{path:?}: an argument or command without Chinese help: {entry:?}"
                );
            }
        }
        for english in [
            "Usage:",
            "Options:",
            "Commands:",
            "Arguments:",
            "Print help",
            "Print version",
            "Print this message",
            "[env:",
            "[default:",
        ] {
            assert!(!text.contains(english), "{path:?}: {english:?} in\n{text}");
        }
    }
    // The help and version flags are there, in Chinese.
    let top = help(&[], None);
    assert!(
        top.contains("-h, --help") && top.contains("打印帮助"),
        "{top}"
    );
    assert!(
        top.contains("-V, --version") && top.contains("打印版本号"),
        "{top}"
    );
    assert!(top.contains("打印本帮助，或所给子命令的帮助"), "{top}");
}

#[test]
fn the_help_subcommand_prints_the_same_help() {
    let run = |arguments: &[&str]| {
        let output = Command::new(env!("CARGO_BIN_EXE_huizong"))
            .env_remove("HUIZONG_LANG")
            .args(arguments)
            .output()
            .unwrap();
        assert!(output.status.success(), "{arguments:?}");
        String::from_utf8(output.stdout).unwrap()
    };
    assert_eq!(run(&["help", "delete"]), run(&["delete", "--help"]));
    // A command whose own arguments are required still answers `help`.
    assert_eq!(
        run(&["review", "help", "return"]),
        run(&["help", "review", "return"])
    );
    assert!(run(&["help"]).contains("命令："));
}

#[test]
fn english_is_asked_with_lang_or_the_environment() {
    let path = vec!["delete".to_owned()];
    let chinese = help(&path, None);
    assert!(chinese.contains("选项：") && chinese.contains("表（英文名或中文名）"));
    for english in [
        help(&path, Some("en")),
        String::from_utf8(
            Command::new(env!("CARGO_BIN_EXE_huizong"))
                .env("HUIZONG_LANG", "en")
                .args(["delete", "--help"])
                .output()
                .unwrap()
                .stdout,
        )
        .unwrap(),
    ] {
        let parsed = parse(&english);
        assert_eq!(
            parsed.about,
            "Delete records of the draft by id, or a whole table with --all. Refused while other \
             records refer to them (they are named), unless --cascade deletes those too"
        );
        assert!(
            parsed.usage.starts_with("Usage: huizong delete"),
            "{english}"
        );
        let headings: Vec<&str> = parsed
            .sections
            .iter()
            .map(|(heading, _)| heading.as_str())
            .collect();
        assert_eq!(headings, ["Arguments:", "Options:"], "{english}");
        for line in [
            "The table (its slug or Chinese name)",
            "The node directory (made by `huizong init`) [env: HUIZONG_DIR] [default: .]",
            "Print JSON instead of text",
            "Print help",
        ] {
            assert!(english.contains(line), "{line:?} in\n{english}");
        }
        assert!(!has_cjk(&english.replace("中文", "")), "{english}");
    }
    // Every command reads English with --lang en: its headings and every line of help.
    for path in every_command() {
        let text = help(&path, Some("en"));
        let parsed = parse(&text);
        assert!(
            parsed.usage.starts_with("Usage: huizong"),
            "{path:?}\n{text}"
        );
        for (heading, entries) in &parsed.sections {
            assert!(
                ["Commands:", "Arguments:", "Options:"].contains(&heading.as_str()),
                "{path:?}: {heading}"
            );
            for entry in entries {
                let help_text = entry.trim_start().split_once("  ").map(|(_, help)| help);
                assert!(
                    help_text.is_some_and(|help| !help.trim().is_empty()),
                    "{path:?}: an entry without help: {entry:?}"
                );
            }
        }
    }
}
