//! Python with the libraries analysts read returns with (pandas, sdmx1, openpyxl), for the tests
//! that check the exports the way their users open them.
//!
//! When Python or a library is missing the check is skipped loudly ([`python`] returns `None`),
//! unless `HUIZONG_REQUIRE_PYTHON=1` (set by `.ci/run`, which installs them) makes that a failure.
//! `HUIZONG_PYTHON` names the interpreter instead of `python3` on PATH.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// Makes missing Python libraries fail the test instead of skipping it (CI sets it).
const REQUIRE_VARIABLE: &str = "HUIZONG_REQUIRE_PYTHON";
/// Names the Python interpreter instead of `python3` on PATH.
const PYTHON_VARIABLE: &str = "HUIZONG_PYTHON";
/// The modules the checks import: pandas, sdmx1 (imported as `sdmx`), openpyxl, and duckdb (the
/// README's query over the Parquet export).
const MODULES: &str = "import pandas, sdmx, openpyxl, duckdb";
const MISSING_MESSAGE: &str = "python3 with pandas, sdmx1, openpyxl and duckdb not found; install \
     them with `python3 -m pip install pandas sdmx1 openpyxl duckdb`";

/// The Python interpreter, once it is known to import the libraries; `None` after a loud message
/// when it does not, or a panic then when `HUIZONG_REQUIRE_PYTHON=1`.
pub fn python() -> Option<PathBuf> {
    let program = std::env::var_os(PYTHON_VARIABLE)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("python3"));
    let imports = Command::new(&program).args(["-c", MODULES]).output();
    let problem = match imports {
        Ok(output) if output.status.success() => return Some(program),
        Ok(output) => String::from_utf8_lossy(&output.stderr).into_owned(),
        Err(error) => error.to_string(),
    };
    let required = std::env::var(REQUIRE_VARIABLE).is_ok_and(|value| value == "1");
    assert!(
        !required,
        "{MISSING_MESSAGE} ({REQUIRE_VARIABLE}=1): {}: {problem}",
        program.display()
    );
    eprintln!(
        "SKIPPED: {MISSING_MESSAGE}: {}: {problem}",
        program.display()
    );
    None
}

/// Runs `node/tests/python/check_return_exports.py` on a return's SDMX-CSV, structure, JSON
/// observations and workbook; panics with its output unless every check passes, and returns what
/// it printed. Each of `headings` is `LABEL=TEXT`: the workbook's first sheet has a line with
/// that label (such as `表    号：`) holding that text.
pub fn check_return_exports(
    python: &Path,
    sdmx_csv: &Path,
    structure: &Path,
    observations_json: &Path,
    workbook: &Path,
    headings: &[&str],
) -> String {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/check_return_exports.py");
    let output = Command::new(python)
        .arg(&script)
        .args([sdmx_csv, structure, observations_json, workbook])
        .args(headings)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "the Python checks failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}
