//! The packaging in `deploy/` (issue 14): the systemd unit is one systemd accepts and keeps its
//! hardening, `install.sh` installs into a staging directory (`DESTDIR`) twice over without root
//! and refuses to touch the real system without root, and the operators' guides use only commands
//! and flags that `huizong` has. Nothing here needs root or the network; every program run is
//! stopped after a bounded time.

use std::collections::{BTreeSet, HashMap};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Longest any program started here may run.
const LIMIT: Duration = Duration::from_secs(60);

fn deploy_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy")
}

fn binary() -> &'static str {
    env!("CARGO_BIN_EXE_huizong")
}

fn read(name: &str) -> String {
    let path = deploy_dir().join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

/// Runs a command to its end, its output captured, and fails the test if it takes longer than
/// [`LIMIT`]. `None` when the program is not installed.
fn run_bounded(command: &mut Command) -> Option<Output> {
    let mut child = match command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(child) => child,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return None,
        Err(error) => panic!("{command:?}: {error}"),
    };
    let drain = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = pipe.read_to_end(&mut bytes);
            bytes
        })
    };
    let stdout = drain(Box::new(child.stdout.take().unwrap()));
    let stderr = drain(Box::new(child.stderr.take().unwrap()));
    let deadline = Instant::now() + LIMIT;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{command:?} took longer than {LIMIT:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Some(Output {
        status,
        stdout: stdout.join().unwrap(),
        stderr: stderr.join().unwrap(),
    })
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

// ---- the unit ----

/// The unit's settings as (section, key, value), comments and blank lines left out.
fn unit_settings(unit: &str) -> Vec<(String, String, String)> {
    let mut section = String::new();
    let mut settings = Vec::new();
    for line in unit.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(name) = line
            .strip_prefix('[')
            .and_then(|rest| rest.strip_suffix(']'))
        {
            section = name.to_owned();
            continue;
        }
        let (key, value) = line
            .split_once('=')
            .unwrap_or_else(|| panic!("not a setting: {line:?}"));
        settings.push((
            section.clone(),
            key.trim().to_owned(),
            value.trim().to_owned(),
        ));
    }
    settings
}

const EXEC_START: &str = "ExecStart=/usr/bin/huizong run --dir /var/lib/huizong";

#[test]
fn the_unit_runs_the_node_as_its_own_user_with_the_hardening_named() {
    let settings = unit_settings(&read("huizong.service"));
    let values = |section: &str, key: &str| -> Vec<String> {
        settings
            .iter()
            .filter(|(s, k, _)| s == section && k == key)
            .map(|(_, _, value)| value.clone())
            .collect()
    };
    for (section, key, value) in [
        ("Unit", "After", "network-online.target"),
        ("Unit", "Wants", "network-online.target"),
        (
            "Service",
            "ExecStart",
            "/usr/bin/huizong run --dir /var/lib/huizong",
        ),
        ("Service", "User", "huizong"),
        ("Service", "Group", "huizong"),
        ("Service", "Environment", "HUIZONG_LANG=zh"),
        ("Service", "Restart", "on-failure"),
        ("Service", "ProtectSystem", "strict"),
        ("Service", "ReadWritePaths", "/var/lib/huizong"),
        ("Service", "NoNewPrivileges", "yes"),
        ("Service", "PrivateTmp", "yes"),
        ("Service", "ProtectHome", "yes"),
        ("Service", "ProtectKernelTunables", "yes"),
        ("Service", "ProtectKernelModules", "yes"),
        (
            "Service",
            "RestrictAddressFamilies",
            "AF_INET AF_INET6 AF_UNIX",
        ),
        ("Install", "WantedBy", "multi-user.target"),
    ] {
        assert_eq!(
            values(section, key),
            vec![value.to_owned()],
            "[{section}] {key}= should be exactly {value:?}"
        );
    }
    let restart_sec = values("Service", "RestartSec");
    assert_eq!(restart_sec.len(), 1, "one RestartSec");
    assert!(
        restart_sec[0].trim_end_matches('s').parse::<u32>().is_ok(),
        "RestartSec={restart_sec:?} is a number of seconds"
    );
    // What ExecStart runs is a command of this binary, with the flag it gives.
    let help = huizong_help(&["run"]);
    assert!(help.contains("--dir <DIR>"), "{help}");
}

/// The unit with ExecStart pointing at the binary under test, written into `directory`.
fn unit_for_this_binary(directory: &Path) -> PathBuf {
    let unit = read("huizong.service");
    assert_eq!(
        unit.lines().filter(|line| *line == EXEC_START).count(),
        1,
        "the unit has the line {EXEC_START:?}"
    );
    let path = directory.join("huizong.service");
    std::fs::write(
        &path,
        unit.replace(
            EXEC_START,
            &format!("ExecStart={} run --dir /var/lib/huizong", binary()),
        ),
    )
    .unwrap();
    path
}

#[test]
fn systemd_analyze_verifies_the_unit() {
    let directory = tempfile::tempdir().unwrap();
    let unit = unit_for_this_binary(directory.path());
    let Some(verified) = run_bounded(Command::new("systemd-analyze").arg("verify").arg(&unit))
    else {
        println!("note: systemd-analyze is not installed; the unit was not verified");
        return;
    };
    let complaints = text(&verified.stderr);
    assert!(verified.status.success(), "{complaints}");
    // An unknown key or a value systemd cannot parse is only a warning: none may name the unit.
    let about_unit: Vec<&str> = complaints
        .lines()
        .filter(|line| line.contains("huizong.service"))
        .collect();
    assert!(about_unit.is_empty(), "{about_unit:#?}");
}

#[test]
fn systemd_analyze_rates_the_unit_well_exposed_at_most_three() {
    let directory = tempfile::tempdir().unwrap();
    let unit = unit_for_this_binary(directory.path());
    // The threshold is in tenths: 30 is the exposure 3.0 that systemd calls OK.
    let Some(rated) = run_bounded(
        Command::new("systemd-analyze")
            .args(["security", "--offline=yes", "--threshold=30", "--no-pager"])
            .arg(&unit),
    ) else {
        println!("note: systemd-analyze is not installed; the unit's exposure was not rated");
        return;
    };
    let complaints = text(&rated.stderr);
    if complaints.contains("unrecognized option") || complaints.contains("Unknown option") {
        println!("note: this systemd-analyze has no offline security rating: {complaints}");
        return;
    }
    assert!(
        rated.status.success(),
        "{}\n{complaints}",
        text(&rated.stdout)
    );
}

// ---- install.sh ----

fn install(destdir: Option<&Path>, binary: &str) -> Output {
    let mut command = Command::new("sh");
    command
        .arg(deploy_dir().join("install.sh"))
        .arg(binary)
        .env("HUIZONG_LANG", "en")
        .env_remove("DESTDIR");
    if let Some(destdir) = destdir {
        command.env("DESTDIR", destdir);
    }
    run_bounded(&mut command).expect("sh is installed")
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .unwrap_or_else(|error| panic!("{}: {error}", path.display()))
        .permissions()
        .mode()
        & 0o7777
}

fn same_bytes(a: &Path, b: &Path) -> bool {
    let (mut a, mut b) = (
        std::fs::File::open(a).unwrap(),
        std::fs::File::open(b).unwrap(),
    );
    let (mut left, mut right) = (vec![0u8; 1 << 20], vec![0u8; 1 << 20]);
    loop {
        let n = a.read(&mut left).unwrap();
        let mut filled = 0;
        while filled < n {
            let m = b.read(&mut right[filled..n]).unwrap();
            if m == 0 {
                return false;
            }
            filled += m;
        }
        if n == 0 {
            return b.read(&mut right[..1]).unwrap() == 0;
        }
        if left[..n] != right[..n] {
            return false;
        }
    }
}

#[cfg(unix)]
#[test]
fn install_sh_into_a_staging_directory_installs_binary_unit_and_guides_and_runs_twice() {
    let staging = tempfile::tempdir().unwrap();
    let root = staging.path().join("root");
    let installed = root.join("usr/bin/huizong");
    let unit = root.join("etc/systemd/system/huizong.service");
    let state = root.join("var/lib/huizong");
    for round in 1..=2 {
        let output = install(Some(&root), binary());
        let said = text(&output.stdout);
        assert!(
            output.status.success(),
            "round {round}: {said}{}",
            text(&output.stderr)
        );
        assert!(
            said.contains("skipping useradd, chown and systemctl"),
            "round {round} says what it skips: {said}"
        );
        assert!(same_bytes(&installed, Path::new(binary())), "round {round}");
        assert_eq!(mode(&installed), 0o755);
        assert_eq!(
            std::fs::read_to_string(&unit).unwrap(),
            read("huizong.service")
        );
        assert_eq!(mode(&unit), 0o644);
        assert!(state.is_dir());
        assert_eq!(mode(&state), 0o700, "round {round}");
        for guide in [
            "OPERATORS-GUIDE.zh-CN.md",
            "OPERATORS-GUIDE.en.md",
            "node.toml.example",
        ] {
            assert_eq!(
                std::fs::read_to_string(root.join("usr/share/doc/huizong").join(guide)).unwrap(),
                read(guide)
            );
        }
        // No temporary file is left beside the binary.
        let in_bin: Vec<_> = std::fs::read_dir(root.join("usr/bin"))
            .unwrap()
            .map(|entry| entry.unwrap().file_name())
            .collect();
        assert_eq!(in_bin, vec![std::ffi::OsString::from("huizong")]);
        // The next steps it prints are commands huizong has.
        let mut helps = Helps::default();
        let commands: Vec<String> = said
            .lines()
            .map(str::trim)
            .filter(|line| line.starts_with("runuser ") || line.starts_with("huizong "))
            .map(str::to_owned)
            .collect();
        assert!(commands.len() >= 4, "{said}");
        for line in &commands {
            for invocation in huizong_invocations(line) {
                helps
                    .check(&invocation)
                    .unwrap_or_else(|problem| panic!("install.sh prints {line:?}: {problem}"));
            }
        }
        if round == 1 {
            // What an initialised node holds is never touched by a second run.
            std::fs::write(state.join("node.toml"), "code = \"640104000000\"\n").unwrap();
        }
    }
    assert_eq!(
        std::fs::read_to_string(state.join("node.toml")).unwrap(),
        "code = \"640104000000\"\n"
    );
}

#[test]
fn install_sh_refuses_a_missing_or_foreign_binary_and_a_wrong_call() {
    let staging = tempfile::tempdir().unwrap();
    let root = staging.path().join("root");
    let missing = staging.path().join("no-such-huizong");
    let output = install(Some(&root), missing.to_str().unwrap());
    assert_eq!(output.status.code(), Some(1));
    assert!(text(&output.stderr).contains("no such file"), "{output:?}");
    // A file that does not run as huizong (here the unit itself).
    let unit = deploy_dir().join("huizong.service");
    let output = install(Some(&root), unit.to_str().unwrap());
    assert_eq!(output.status.code(), Some(1));
    assert!(
        text(&output.stderr).contains("does not run on this machine"),
        "{output:?}"
    );
    assert!(!root.join("usr/bin/huizong").exists());
    // No binary named: usage, exit 2.
    let mut command = Command::new("sh");
    command
        .arg(deploy_dir().join("install.sh"))
        .env("HUIZONG_LANG", "en")
        .env("DESTDIR", &root);
    let output = run_bounded(&mut command).unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).starts_with("usage:"), "{output:?}");
}

/// Without DESTDIR and without root the script refuses before doing anything. As root, it is run
/// as the user nobody (with `setpriv`), so the real system is never installed into by a test.
#[test]
fn install_sh_refuses_to_install_into_the_system_without_root() {
    let uid = run_bounded(Command::new("id").arg("-u"))
        .map(|output| text(&output.stdout).trim().to_owned())
        .unwrap_or_default();
    let script = deploy_dir().join("install.sh");
    let output = if uid == "0" {
        let mut command = Command::new("setpriv");
        command
            .args(["--reuid=65534", "--regid=65534", "--clear-groups", "sh"])
            .arg(&script)
            .arg(binary())
            .env("HUIZONG_LANG", "en")
            .env_remove("DESTDIR");
        match run_bounded(&mut command) {
            Some(output) => output,
            None => {
                println!("note: running as root without setpriv; the refusal was not checked");
                return;
            }
        }
    } else if uid.is_empty() {
        println!("note: `id -u` did not answer; the refusal was not checked");
        return;
    } else {
        install(None, binary())
    };
    let complaint = text(&output.stderr);
    if complaint.contains("Permission denied") && !complaint.contains("root") {
        println!("note: the user nobody cannot read {}", script.display());
        return;
    }
    assert_eq!(output.status.code(), Some(1), "{complaint}");
    assert!(complaint.contains("run this as root"), "{complaint}");
    assert!(output.stdout.is_empty(), "nothing done: {output:?}");
}

// ---- the guides ----

/// `huizong --lang en <path> --help`, each asked once.
#[derive(Default)]
struct Helps {
    texts: HashMap<Vec<String>, String>,
}

fn huizong_help(path: &[&str]) -> String {
    let output = run_bounded(
        Command::new(binary())
            .env_remove("HUIZONG_LANG")
            .args(["--lang", "en"])
            .args(path)
            .arg("--help"),
    )
    .unwrap();
    assert!(
        output.status.success(),
        "huizong {path:?} --help: {}",
        text(&output.stderr)
    );
    text(&output.stdout)
}

/// What a help text offers: its subcommands, and its options with whether each takes a value.
struct Offer {
    commands: BTreeSet<String>,
    options: HashMap<String, bool>,
}

fn offer(help: &str) -> Offer {
    let mut commands = BTreeSet::new();
    let mut options = HashMap::new();
    let mut section = "";
    for line in help.lines() {
        if !line.starts_with(' ') && line.ends_with(':') {
            section = line;
            continue;
        }
        let entry = line.trim_start();
        // Entries start 2 or 6 columns in; deeper lines continue the help of the one above.
        if line.len() - entry.len() > 6 || entry.is_empty() {
            continue;
        }
        match section {
            "Commands:" => {
                if let Some(name) = entry.split_whitespace().next() {
                    commands.insert(name.to_owned());
                }
            }
            "Options:" => {
                let words: Vec<&str> = entry.split_whitespace().collect();
                if let Some(at) = words.iter().position(|word| word.starts_with("--")) {
                    let takes_value = words.get(at + 1).is_some_and(|next| next.starts_with('<'));
                    options.insert(words[at].trim_end_matches(',').to_owned(), takes_value);
                }
            }
            _ => {}
        }
    }
    Offer { commands, options }
}

impl Helps {
    fn offer(&mut self, path: &[String]) -> Offer {
        let help = self.texts.entry(path.to_vec()).or_insert_with(|| {
            let path: Vec<&str> = path.iter().map(String::as_str).collect();
            huizong_help(&path)
        });
        offer(help)
    }

    /// Checks the arguments of one `huizong …` call: every subcommand exists where it is named,
    /// and every `--flag` is one its command takes. Returns the command path (`["user", "add"]`).
    fn check(&mut self, arguments: &[String]) -> Result<Vec<String>, String> {
        let mut path: Vec<String> = Vec::new();
        let mut offered = self.offer(&path);
        let mut words = arguments.iter();
        while let Some(word) = words.next() {
            if let Some(flag) = word.strip_prefix("--") {
                let (name, inline_value) = match flag.split_once('=') {
                    Some((name, _)) => (format!("--{name}"), true),
                    None => (word.clone(), false),
                };
                if name == "--version" && path.is_empty() {
                    continue;
                }
                let Some(takes_value) = offered.options.get(&name) else {
                    return Err(format!("`huizong {}` has no option {name}", path.join(" ")));
                };
                if *takes_value && !inline_value {
                    words.next();
                }
            } else if !offered.commands.is_empty() && offered.commands.contains(word) {
                path.push(word.clone());
                offered = self.offer(&path);
            } else if !offered.commands.is_empty() {
                // A command with subcommands takes no positional argument: a word here that is
                // not one of them is a command that does not exist.
                return Err(format!(
                    "`huizong {}` has no command {word:?} (it has {:?})",
                    path.join(" "),
                    offered.commands
                ));
            }
            // Anything else is a positional argument (a file, a login) or a value.
        }
        if path.is_empty() && !arguments.iter().any(|word| word == "--version") {
            return Err("no command".to_owned());
        }
        Ok(path)
    }
}

/// Splits a shell line into words: quotes grouped, a comment dropped.
fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    for character in line.chars() {
        match quote {
            Some(open) if character == open => quote = None,
            Some(_) => word.push(character),
            None => match character {
                '\'' | '"' => {
                    quote = Some(character);
                    in_word = true;
                }
                '#' if !in_word => break,
                c if c.is_whitespace() => {
                    if in_word {
                        words.push(std::mem::take(&mut word));
                        in_word = false;
                    }
                }
                c => {
                    word.push(c);
                    in_word = true;
                }
            },
        }
    }
    if in_word {
        words.push(word);
    }
    words
}

/// The arguments of every `huizong` call on a shell line: at the start of each simple command,
/// after `VAR=value` assignments and after `runuser -u USER --` or `sudo -u USER`.
fn huizong_invocations(line: &str) -> Vec<Vec<String>> {
    let words = shell_words(line);
    let mut calls = Vec::new();
    for command in words.split(|word| ["|", "||", "&&", ";"].contains(&word.as_str())) {
        let mut rest = command;
        while rest.first().is_some_and(|word| {
            word.contains('=') && !word.starts_with('-') && !word.starts_with('/')
        }) {
            rest = &rest[1..];
        }
        match rest.first().map(String::as_str) {
            Some("runuser") => match rest.iter().position(|word| word == "--") {
                Some(at) => rest = &rest[at + 1..],
                None => continue,
            },
            Some("sudo") if rest.get(1).is_some_and(|word| word == "-u") => rest = &rest[3..],
            _ => {}
        }
        if rest
            .first()
            .is_some_and(|word| word == "huizong" || word.ends_with("/huizong"))
        {
            calls.push(rest[1..].to_vec());
        }
    }
    calls
}

/// The lines of a Markdown file's ```sh blocks, with `\` continuations joined.
fn shell_lines(markdown: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut in_block = false;
    let mut pending = String::new();
    for line in markdown.lines() {
        let fence = line.trim_start();
        if fence.starts_with("```") {
            in_block = !in_block && matches!(fence.trim_start_matches('`').trim(), "sh" | "bash");
            continue;
        }
        if !in_block {
            continue;
        }
        match line.strip_suffix('\\') {
            Some(start) => {
                pending.push_str(start);
                pending.push(' ');
            }
            None => {
                pending.push_str(line);
                lines.push(std::mem::take(&mut pending));
            }
        }
    }
    lines
}

/// Every `huizong` command path one guide runs in its ```sh blocks, each call checked.
fn commands_of_guide(name: &str, helps: &mut Helps) -> BTreeSet<String> {
    let guide = read(name);
    let mut used = BTreeSet::new();
    for line in shell_lines(&guide) {
        for call in huizong_invocations(&line) {
            let path = helps
                .check(&call)
                .unwrap_or_else(|problem| panic!("{name}: {line:?}: {problem}"));
            used.insert(path.join(" "));
        }
    }
    used
}

#[test]
fn the_guides_run_only_commands_and_flags_huizong_has_and_the_same_ones() {
    let mut helps = Helps::default();
    let top = helps.offer(&[]);
    let zh = commands_of_guide("OPERATORS-GUIDE.zh-CN.md", &mut helps);
    let en = commands_of_guide("OPERATORS-GUIDE.en.md", &mut helps);
    for used in zh.iter().chain(&en).filter(|used| !used.is_empty()) {
        let first = used.split(' ').next().unwrap();
        assert!(
            top.commands.contains(first),
            "`huizong --lang en --help` lists {first}: {:?}",
            top.commands
        );
    }
    // The walk from nothing to a running tree, a return and a submission, and back from a loss.
    for needed in [
        "keygen",
        "key show",
        "topology check",
        "topology sign",
        "init",
        "config check",
        "status",
        "user add",
        "return define",
        "template",
        "import",
        "report",
        "submit",
        "completeness",
        "review accept",
        "restore",
    ] {
        assert!(
            zh.contains(needed),
            "the Chinese guide runs `huizong {needed}`: {zh:?}"
        );
        assert!(
            en.contains(needed),
            "the English guide runs `huizong {needed}`: {en:?}"
        );
    }
    assert_eq!(zh, en, "both guides run the same commands");
}

#[test]
fn the_command_checker_catches_a_made_up_command_or_flag() {
    let mut helps = Helps::default();
    let call = |line: &str| huizong_invocations(line).remove(0);
    assert_eq!(
        helps
            .check(&call(
                "runuser -u huizong -- huizong --lang en user add --dir /var/lib/huizong admin --name 周建国 --role admin"
            ))
            .unwrap(),
        ["user", "add"]
    );
    assert_eq!(
        helps
            .check(&call(
                "huizong --as 张伟 review --dir D --ledger energy --period 2025 --node 640104000000 return --reason \"too # high\""
            ))
            .unwrap(),
        ["review", "return"]
    );
    assert!(helps.check(&call("huizong snapshot --dir D")).is_err());
    assert!(
        helps
            .check(&call("huizong backup --dir D --compress"))
            .is_err()
    );
    assert!(helps.check(&call("huizong run --dir D --daemon")).is_err());
    assert!(
        helps
            .check(&call("HUIZONG_LANG=en huizong topology frobnicate x.toml"))
            .is_err()
    );
    assert!(huizong_invocations("systemctl enable --now huizong").is_empty());
    assert!(huizong_invocations("journalctl -u huizong -f").is_empty());
}

/// `deploy/node.toml.example` with every `# key = value` line taken in.
fn node_toml_example_uncommented() -> String {
    read("node.toml.example")
        .lines()
        .map(|line| match line.strip_prefix("# ") {
            Some(setting)
                if setting.split_once(" = ").is_some_and(|(key, _)| {
                    key.chars().all(|c| c.is_ascii_lowercase() || c == '_')
                }) =>
            {
                setting.to_owned()
            }
            _ => line.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_node_toml_example_names_every_setting_with_its_real_default() {
    use node::directory::NodeConfig;
    // As shipped it is a valid node.toml: only the code, every other setting its default.
    let shipped: NodeConfig = toml::from_str(&read("node.toml.example")).unwrap();
    let code = shipped.code;
    let defaults: NodeConfig = toml::from_str(&format!("code = \"{code}\"\n")).unwrap();
    assert_eq!(shipped, defaults);
    // With every commented setting taken in it still reads (no unknown key), and each setting
    // shown with a default value has that value.
    let full: NodeConfig = toml::from_str(&node_toml_example_uncommented()).unwrap();
    assert_eq!(full.retry_ms_min, defaults.retry_ms_min);
    assert_eq!(full.retry_ms_max, defaults.retry_ms_max);
    assert_eq!(full.console.address, defaults.console.address);
    assert_eq!(full.log, defaults.log);
    assert_eq!(full.metrics.address, defaults.metrics.address);
    let mut production = protocol::limits::SessionLimits::default();
    full.limits.apply(&mut production);
    assert_eq!(production, protocol::limits::SessionLimits::default());
    assert_eq!(
        full.limits.hold_off_ms_min,
        Some(node::driver::HOLD_OFF_MS_MIN)
    );
    assert_eq!(
        full.limits.hold_off_ms_max,
        Some(node::driver::HOLD_OFF_MS_MAX)
    );
    // Every setting is there: the keys of a configuration with every option set, as written. A
    // setting added to NodeConfig breaks this literal until it is added here and to the example.
    let every_option = NodeConfig {
        code,
        listen: Some("0.0.0.0:47000".to_owned()),
        retry_ms_min: 1,
        retry_ms_max: 2,
        limits: node::directory::LimitOverrides {
            reply_timeout_ms: Some(1),
            frame_grace_ms: Some(1),
            frame_min_bytes_per_second: Some(1),
            sync_stall_timeout_ms: Some(1),
            max_misbehaviour_refusals: Some(1),
            hold_off_ms_min: Some(1),
            hold_off_ms_max: Some(1),
        },
        console: node::directory::ConsoleSettings {
            address: "off".to_owned(),
            certificate: Some("c.pem".into()),
            private_key: Some("k.pem".into()),
            tls: Some(true),
        },
        reporting_unit: schemas::returns::ReportingUnit {
            name: "n".to_owned(),
            head: "h".to_owned(),
            preparer: "p".to_owned(),
            phone: "1".to_owned(),
        },
        log: node::directory::LogSettings {
            format: node::directory::LogFormat::Json,
            level: "warn".to_owned(),
        },
        metrics: node::metrics::MetricsSettings {
            address: "off".to_owned(),
            allow: vec!["10.0.0.5".parse().unwrap()],
        },
    };
    let written = toml::to_string(&every_option).unwrap();
    let table: toml::Table = toml::from_str(&written).unwrap();
    let mut keys = BTreeSet::new();
    for (key, value) in &table {
        match value.as_table() {
            Some(section) => keys.extend(section.keys().map(|inner| format!("{key}.{inner}"))),
            None => {
                keys.insert(key.clone());
            }
        }
    }
    let example: toml::Table = toml::from_str(&node_toml_example_uncommented()).unwrap();
    for key in &keys {
        let found = match key.split_once('.') {
            Some((section, inner)) => example
                .get(section)
                .and_then(|section| section.get(inner))
                .is_some(),
            None => example.contains_key(key),
        };
        assert!(found, "node.toml.example does not name {key}");
    }
    assert!(keys.len() >= 20, "{keys:?}");
}
