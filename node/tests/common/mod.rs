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
