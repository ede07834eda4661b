//! Running `huizong` as separate operating-system processes: finding (or building) the binary,
//! starting and stopping nodes, running CLI commands against them, and waiting with a bound.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};

/// Lines of a node's log quoted when it fails to start: the cause is in its last few lines.
const LOG_LINES_IN_ERRORS: usize = 5;

/// How often waits poll their condition.
const POLL_INTERVAL: Duration = Duration::from_millis(50);

/// The `huizong` binary of this build, built first if needed: `cargo test` builds binaries only
/// for the package that owns them. The build asks for every target of the workspace, which is
/// what `cargo test --workspace` has just built with the same features, so under it this is a
/// no-op; `cargo test -p sim-tests` alone builds what is missing.
pub fn huizong_binary() -> PathBuf {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY
        .get_or_init(|| {
            let test_executable = std::env::current_exe().expect("the test knows its own path");
            // target/<profile>/deps/<test> -> target/<profile>/huizong
            let profile_directory = test_executable
                .parent()
                .and_then(Path::parent)
                .expect("tests run from target/<profile>/deps");
            let binary = profile_directory.join("huizong");
            let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
            let mut build = Command::new(cargo);
            // Cargo gives the test process the test's own package variables; inherited, they make
            // build scripts (ring's among them) see a changed environment and rebuild everything.
            for (name, _) in std::env::vars_os() {
                let Some(name) = name.to_str() else { continue };
                let keep = ["CARGO_HOME", "CARGO_TARGET_DIR"].contains(&name)
                    || [
                        "CARGO_BUILD_",
                        "CARGO_TERM_",
                        "CARGO_PROFILE_",
                        "CARGO_REGISTRIES_",
                        "CARGO_NET_",
                        "CARGO_HTTP_",
                    ]
                    .iter()
                    .any(|prefix| name.starts_with(prefix));
                if name.starts_with("CARGO_") && !keep {
                    build.env_remove(name);
                }
            }
            build.args(["build", "--quiet", "--workspace", "--all-targets"]);
            if profile_directory.file_name().and_then(|name| name.to_str()) == Some("release") {
                build.arg("--release");
            }
            let status = build.status().expect("cargo can be run");
            assert!(status.success(), "building huizong failed");
            assert!(binary.exists(), "{} was not built", binary.display());
            binary
        })
        .clone()
}

/// Runs a `huizong` command to completion.
pub fn huizong(arguments: &[&str]) -> Output {
    Command::new(huizong_binary())
        .args(arguments)
        .env("HUIZONG_LOG", "warn")
        .output()
        .expect("huizong can be run")
}

/// Runs a `huizong` command that must succeed and print JSON.
pub fn huizong_json(arguments: &[&str]) -> Result<serde_json::Value> {
    let output = huizong(arguments);
    if !output.status.success() {
        bail!(
            "huizong {} failed: {}",
            arguments.join(" "),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    serde_json::from_slice(&output.stdout).context("huizong printed something that is not JSON")
}

/// A node running as its own process (`huizong run`), its log in the node directory.
#[derive(Debug)]
pub struct NodeProcess {
    pub directory: PathBuf,
    child: Child,
}

impl NodeProcess {
    /// Starts `huizong run` and waits until its control socket answers.
    pub fn start(directory: &Path) -> Result<Self> {
        Self::start_with_environment(directory, &[])
    }

    /// The same, with extra environment variables set (the switches the attack tests flip).
    pub fn start_with_environment(directory: &Path, environment: &[(&str, &str)]) -> Result<Self> {
        // A node that was killed leaves its control socket behind. While it is there, a `status`
        // run to see whether the new node is up finds no one at the socket and opens the store
        // itself, racing the starting node for the store's lock; so a stale socket goes first.
        let socket = directory.join("control.sock");
        if socket.exists() && std::os::unix::net::UnixStream::connect(&socket).is_err() {
            std::fs::remove_file(&socket)
                .with_context(|| format!("cannot remove the stale {}", socket.display()))?;
        }
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(directory.join("node.log"))?;
        let mut command = Command::new(huizong_binary());
        command
            .args(["run", "--dir"])
            .arg(directory)
            .env("HUIZONG_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log);
        for (name, value) in environment {
            command.env(name, value);
        }
        let child = command.spawn().context("cannot start huizong run")?;
        let mut process = Self {
            directory: directory.to_path_buf(),
            child,
        };
        let directory_text = directory.to_str().expect("test paths are UTF-8").to_owned();
        // A node that exits (a store that cannot be opened) ends the wait at once.
        let mut exited = None;
        wait_until(
            Duration::from_secs(30),
            "the node to answer on its control socket",
            || {
                if let Some(status) = process.child.try_wait()? {
                    exited = Some(status);
                    return Ok(true);
                }
                if !process.directory.join("control.sock").exists() {
                    return Ok(false);
                }
                let status = huizong_json(&["status", "--json", "--dir", &directory_text])?;
                Ok(status["running"] == true)
            },
        )?;
        if let Some(status) = exited {
            bail!(
                "huizong run exited early with {status}: {}",
                process.log_tail(LOG_LINES_IN_ERRORS)
            );
        }
        Ok(process)
    }

    /// The last `n_lines` of the node's log: the log of a node restarted many times is long.
    pub fn log_tail(&self, n_lines: usize) -> String {
        let log = self.log();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(n_lines)..].join("\n")
    }

    /// The node's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.directory.join("node.log")).unwrap_or_default()
    }

    /// The process id, for logs.
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// Kills the node at once (SIGKILL), as a power cut would, and reaps it.
    pub fn kill(mut self) -> Result<()> {
        self.child.kill().context("cannot kill the node")?;
        self.child.wait().context("cannot reap the killed node")?;
        Ok(())
    }

    /// Asks the node to stop (SIGTERM) and waits for it to exit.
    pub fn terminate(mut self) -> Result<()> {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()?;
        if !status.success() {
            bail!("kill -TERM failed");
        }
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait()? {
                if !status.success() {
                    bail!("the node exited with {status}: {}", self.log());
                }
                return Ok(());
            }
            if started.elapsed() > Duration::from_secs(20) {
                let _ = self.child.kill();
                bail!("the node did not stop within 20 s of SIGTERM");
            }
            std::thread::sleep(POLL_INTERVAL);
        }
    }
}

impl Drop for NodeProcess {
    fn drop(&mut self) {
        // A test that fails midway must not leave nodes running.
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Polls `condition` until it holds, failing after `timeout`; the last error is reported.
pub fn wait_until(
    timeout: Duration,
    what: &str,
    mut condition: impl FnMut() -> Result<bool>,
) -> Result<()> {
    let started = Instant::now();
    let mut last_error = None;
    loop {
        match condition() {
            Ok(true) => return Ok(()),
            Ok(false) => {}
            Err(error) => last_error = Some(error),
        }
        if started.elapsed() > timeout {
            return Err(anyhow!(
                "timed out after {timeout:?} waiting for {what}{}",
                last_error
                    .map(|error| format!(" (last error: {error:#})"))
                    .unwrap_or_default()
            ));
        }
        std::thread::sleep(POLL_INTERVAL);
    }
}

/// Writes Xingqing's (640104000000) shipped sample file for `table` into `directory`, where the
/// CLI can import it, and returns its path.
pub fn county_sample_file(directory: &Path, table: schemas::table::Table) -> PathBuf {
    let county = topology::DivisionCode::parse("640104000000").expect("a valid code");
    let file = node::demo::sample_files()
        .expect("the sample data is embedded")
        .into_iter()
        .find(|file| file.code == county && file.table == table)
        .expect("the county has sample data for every table");
    let path = directory.join(format!("{}.csv", table.slug()));
    std::fs::write(&path, file.bytes).expect("the test directory is writable");
    path
}

/// A three-level tree cut from Ningxia: the region (640000000000) as the root, Yinchuan
/// (640100000000) and its first `n_counties` counties, for tests that need a grandparent.
pub fn ningxia_region_city_counties(n_counties: usize) -> Result<topology::Topology> {
    let ningxia = topology::ningxia();
    let region = topology::DivisionCode::parse("640000000000")?;
    let city = topology::DivisionCode::parse("640100000000")?;
    let counties: Vec<topology::DivisionCode> = ningxia
        .children_of(city)
        .iter()
        .copied()
        .take(n_counties)
        .collect();
    let entries = ningxia
        .iter()
        .filter(|entry| {
            entry.code == region || entry.code == city || counties.contains(&entry.code)
        })
        .cloned()
        .collect();
    Ok(topology::Topology::from_entries(
        1,
        format!("Ningxia, Yinchuan and {n_counties} counties"),
        entries,
    )?)
}

/// A small deterministic random source (SplitMix64) for tests that print their seed and replay
/// from it; no dependency for ten lines.
#[derive(Debug, Clone)]
pub struct SeededRandom {
    state: u64,
}

impl SeededRandom {
    pub fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut mixed = self.state;
        mixed = (mixed ^ (mixed >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        mixed = (mixed ^ (mixed >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        mixed ^ (mixed >> 31)
    }

    /// A number in `0..bound` (bound above zero).
    pub fn below(&mut self, bound: u64) -> u64 {
        self.next_u64() % bound
    }
}
