//! Helpers shared by the command-line tests: running the binary, reading its errors, and a city
//! with one county prepared on disk.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn huizong() -> Command {
    Command::new(env!("CARGO_BIN_EXE_huizong"))
}

pub fn run(arguments: &[&str]) -> Output {
    huizong().args(arguments).output().unwrap()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Asserts a failure reported as exactly one line starting with `错误：`.
pub fn assert_one_line_error(output: &Output) -> String {
    assert!(!output.status.success(), "the command should fail");
    let message = stderr(output);
    assert_eq!(message.lines().count(), 1, "one line: {message:?}");
    assert!(message.starts_with("错误："), "{message:?}");
    message
}

/// A city and one of its counties, prepared on disk (not running).
pub fn city_and_county(root: &Path) -> (PathBuf, PathBuf, topology::Topology) {
    let template = node::local_tree::ningxia_city_with_counties(1).unwrap();
    let city = topology::DivisionCode::parse("640100000000").unwrap();
    let county = topology::DivisionCode::parse("640104000000").unwrap();
    let prepared = node::local_tree::prepare(&template, root).unwrap();
    let topology = prepared.topology.clone();
    drop(prepared);
    (
        root.join(city.as_str()),
        root.join(county.as_str()),
        topology,
    )
}

pub const ENERGY_HEADER: &str = "institution_credit_code,month,carrier,quantity,cost_yuan";

pub fn a_credit_code() -> String {
    schemas::records::CreditCode::with_check_digit("11640104MB0000001")
        .unwrap()
        .as_str()
        .to_owned()
}

/// A `huizong run` of a node directory whose log (standard error, a pipe as a file or journald
/// would be) the test reads line by line; stopped when dropped.
pub struct RunningNode {
    child: std::process::Child,
    lines: std::sync::mpsc::Receiver<String>,
    /// Every log line read so far.
    pub log: Vec<String>,
}

impl RunningNode {
    /// Starts `huizong run` with `arguments` before `run` (such as `--lang en`), without the log
    /// filter variables of the test's environment.
    pub fn start(directory: &Path, arguments: &[&str]) -> Self {
        use std::io::BufRead;
        let mut child = huizong()
            .args(arguments)
            .args(["run", "--dir", directory.to_str().unwrap()])
            .env_remove("HUIZONG_LOG")
            .env_remove("RUST_LOG")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let reader = std::io::BufReader::new(child.stderr.take().unwrap());
        let (sender, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in reader.lines().map_while(Result::ok) {
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        RunningNode {
            child,
            lines,
            log: Vec::new(),
        }
    }

    /// Reads the log until a line matches, at most 40 more lines and 60 s; the line, if any.
    pub fn wait_for(&mut self, matches: impl Fn(&str) -> bool) -> Option<String> {
        if let Some(line) = self.log.iter().find(|line| matches(line)) {
            return Some(line.clone());
        }
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        for _ in 0..40 {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            let line = self.lines.recv_timeout(left).ok()?;
            self.log.push(line.clone());
            if matches(&line) {
                return Some(line);
            }
        }
        None
    }
}

impl Drop for RunningNode {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
