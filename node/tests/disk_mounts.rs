//! Disk trouble on real file systems: a node directory on a small tmpfs that the test fills up, or
//! remounts read-only, inside a private mount namespace (`unshare --mount`, then `nsenter` for
//! each command), so nothing outside the test sees the mount. The `huizong` binary runs as the
//! user runs it; every failure must be one line naming the path and the cause, and once the disk
//! is fixed everything acknowledged is still there, `verify` passes and the failed command works.
//!
//! The tests run as root, so a read-only directory has to be a read-only mount: chmod would not
//! stop root. They need util-linux (`unshare`, `nsenter`, `mount`) and the right to make a mount
//! namespace; without them they fail saying so.

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{assert_one_line_error, city_and_county, stderr};
use node::directory::{NodeDirectory, write_config};
use schemas::table::Table;

/// The small disk: room for a node directory and a few imports, filled in a moment.
const SMALL_DISK: &str = "size=48m";

/// How long the namespace's holder process lives at most, in seconds: longer than any test here,
/// and a bound if a test dies without cleaning up.
const NAMESPACE_LIFETIME_S: u32 = 600;

/// Waits for a node to do something over the network: generous, since machines are shared.
const WAIT_MAX: Duration = Duration::from_secs(90);

/// A private mount namespace with a tmpfs mounted at `mount_point`, held open by a sleeping
/// process; commands enter it with `nsenter`.
struct Namespace {
    holder: Child,
    mount_point: PathBuf,
}

const MISSING: &str = "these tests need util-linux (unshare, nsenter, mount) and the right to \
                       create a mount namespace (root, or CAP_SYS_ADMIN)";

impl Namespace {
    /// `options` are tmpfs mount options: its size, its number of inodes.
    fn with_tmpfs(mount_point: &Path, options: &str) -> Self {
        std::fs::create_dir_all(mount_point).unwrap();
        let mut holder = Command::new("unshare")
            .args(["--mount", "--propagation", "private", "sh", "-c"])
            .arg(format!(
                "mount -t tmpfs -o {options} tmpfs \"$1\" && echo ready && exec sleep {NAMESPACE_LIFETIME_S}"
            ))
            .arg("sh")
            .arg(mount_point)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|error| panic!("cannot run `unshare`: {error}; {MISSING}"));
        let mut line = String::new();
        BufReader::new(holder.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        if line.trim() != "ready" {
            let output = holder.wait_with_output().unwrap();
            panic!(
                "cannot make a private mount namespace with a tmpfs: {}; {MISSING}",
                String::from_utf8_lossy(&output.stderr).trim()
            );
        }
        Self {
            holder,
            mount_point: mount_point.to_path_buf(),
        }
    }

    /// A command that runs inside the namespace.
    fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut command = Command::new("nsenter");
        command
            .arg(format!("--target={}", self.holder.id()))
            .arg("--mount")
            .arg("--")
            .arg(program);
        command
    }

    fn huizong(&self, arguments: &[&str]) -> Output {
        self.command(env!("CARGO_BIN_EXE_huizong"))
            .args(arguments)
            .output()
            .unwrap_or_else(|error| panic!("cannot run `nsenter`: {error}; {MISSING}"))
    }

    /// Runs a shell script inside the namespace and asserts that it succeeds.
    fn sh(&self, script: &str) -> String {
        let output = self
            .command("sh")
            .args(["-c", script])
            .output()
            .unwrap_or_else(|error| panic!("cannot run `nsenter`: {error}; {MISSING}"));
        assert!(
            output.status.success(),
            "`{script}` in the namespace: {}",
            stderr(&output)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    fn path(&self, name: &str) -> String {
        self.mount_point.join(name).to_str().unwrap().to_owned()
    }

    /// Copies a node directory prepared on the ordinary disk onto the small one.
    fn copy_in(&self, directory: &Path, name: &str) -> String {
        let target = self.path(name);
        self.sh(&format!("cp -a '{}' '{target}'", directory.display()));
        target
    }

    /// Fills the small disk to the last byte.
    fn fill(&self) {
        let filler = self.path("filler");
        self.sh(&format!(
            "dd if=/dev/zero of='{filler}' bs=1M 2>/dev/null; test -s '{filler}'"
        ));
        let available = self.sh(&format!(
            "df --output=avail -B1 '{}' | tail -n 1",
            self.mount_point.display()
        ));
        assert_eq!(available.trim(), "0", "the disk is full");
    }

    fn free(&self) {
        self.sh(&format!("rm '{}'", self.path("filler")));
    }

    fn remount(&self, options: &str) {
        self.sh(&format!(
            "mount -o remount,{options} '{}'",
            self.mount_point.display()
        ));
    }
}

impl Drop for Namespace {
    fn drop(&mut self) {
        let _ = self.holder.kill();
        let _ = self.holder.wait();
    }
}

/// Writes the county's shipped sample file for `table` on the ordinary disk.
fn sample_file(directory: &Path, table: Table) -> String {
    sample_file_of("640104000000", directory, table)
}

/// Writes `node`'s shipped sample file for `table` on the ordinary disk.
fn sample_file_of(node: &str, directory: &Path, table: Table) -> String {
    let code = topology::DivisionCode::parse(node).unwrap();
    let file = node::demo::sample_files()
        .unwrap()
        .into_iter()
        .find(|file| file.code == code && file.table == table)
        .expect("every node has sample data for every table");
    let path = directory.join(format!("{node}-{}.csv", table.slug()));
    std::fs::write(&path, file.bytes).unwrap();
    path.to_str().unwrap().to_owned()
}

fn assert_success(output: &Output, what: &str) {
    assert!(output.status.success(), "{what}: {}", stderr(output));
}

fn import<'a>(directory: &'a str, ledger: &'a str, file: &'a str) -> [&'a str; 8] {
    [
        "import", "--dir", directory, "--ledger", ledger, "--period", "2025", file,
    ]
}

fn submit<'a>(directory: &'a str, ledger: &'a str) -> [&'a str; 7] {
    [
        "submit", "--dir", directory, "--ledger", ledger, "--period", "2025",
    ]
}

fn status(namespace: &Namespace, directory: &str) -> serde_json::Value {
    let output = namespace.huizong(&["status", "--json", "--dir", directory]);
    assert_success(&output, "status");
    serde_json::from_slice(&output.stdout).unwrap()
}

/// `(sequence, records)` of the own document `key` as status shows it.
fn submitted(status: &serde_json::Value, key: &str) -> Option<(u64, u64)> {
    status["own_documents"]
        .as_array()?
        .iter()
        .find(|document| document["key"].as_str().is_some_and(|k| k.contains(key)))
        .and_then(|document| {
            Some((
                document["submitted_sequence"].as_u64()?,
                document["submitted_records"].as_u64()?,
            ))
        })
}

fn assert_disk_full(message: &str, path: &str) {
    eprintln!("{message}");
    assert!(
        message.contains("磁盘已满（设备上没有剩余空间") && message.contains("请腾出空间"),
        "says the disk is full and what to do: {message}"
    );
    assert!(message.contains(path), "names {path}: {message}");
}

fn init<'a>(directory: &'a str, topology: &'a str, key: &'a str) -> [&'a str; 9] {
    [
        "init",
        "--dir",
        directory,
        "--topology",
        topology,
        "--node",
        "640104000000",
        "--key",
        key,
    ]
}

#[test]
fn on_a_full_disk_init_import_and_submit_fail_plainly_and_work_once_space_is_freed() {
    let root = tempfile::tempdir().unwrap();
    let (_, county_prepared, _) = city_and_county(root.path());
    let namespace = Namespace::with_tmpfs(&root.path().join("small-disk"), SMALL_DISK);
    let county = namespace.copy_in(&county_prepared, "county");
    let store = format!("{county}/store");
    let topology = root.path().join("topology.toml");
    let topology = topology.to_str().unwrap();
    let key = county_prepared.join("node.key");
    let key = key.to_str().unwrap();

    // Acknowledged before the disk fills: an energy submission and a vehicles draft.
    for (ledger, table) in [
        ("energy", Table::Institutions),
        ("energy", Table::EnergyConsumption),
        ("vehicles", Table::Vehicles),
    ] {
        let file = sample_file(root.path(), table);
        assert_success(
            &namespace.huizong(&import(&county, ledger, &file)),
            "import",
        );
    }
    assert_success(&namespace.huizong(&submit(&county, "energy")), "submit");
    let before = status(&namespace, &county);
    let energy = submitted(&before, "energy").expect("energy is submitted");
    assert_eq!(energy.0, 1);

    namespace.fill();
    let refused = namespace.huizong(&submit(&county, "vehicles"));
    assert_disk_full(&assert_one_line_error(&refused), &store);
    let dispatch_orders = sample_file(root.path(), Table::DispatchOrders);
    let refused = namespace.huizong(&import(&county, "vehicles", &dispatch_orders));
    assert_disk_full(&assert_one_line_error(&refused), &store);
    let new_node = namespace.path("new-node");
    let refused = namespace.huizong(&init(&new_node, topology, key));
    assert_disk_full(&assert_one_line_error(&refused), &new_node);
    namespace.sh(&format!("test ! -e '{new_node}'"));
    // Reading still works on the full disk, and shows what was acknowledged.
    assert_eq!(
        status(&namespace, &county)["own_documents"],
        before["own_documents"]
    );

    namespace.free();
    assert_success(&namespace.huizong(&["verify", "--dir", &county]), "verify");
    assert_eq!(
        status(&namespace, &county)["own_documents"],
        before["own_documents"],
        "everything acknowledged is still there, and nothing more"
    );
    // The same commands work now.
    assert_success(
        &namespace.huizong(&submit(&county, "vehicles")),
        "submit again",
    );
    assert_success(
        &namespace.huizong(&import(&county, "vehicles", &dispatch_orders)),
        "import again",
    );
    assert_success(&namespace.huizong(&submit(&county, "vehicles")), "submit");
    assert_success(
        &namespace.huizong(&init(&new_node, topology, key)),
        "init again",
    );
    assert_success(&namespace.huizong(&["verify", "--dir", &county]), "verify");
    let after = status(&namespace, &county);
    assert_eq!(submitted(&after, "energy"), Some(energy));
    assert_eq!(
        submitted(&after, "vehicles").map(|(sequence, _)| sequence),
        Some(2)
    );
}

/// A file system out of inodes refuses new files with "no space left on device" however many
/// bytes are free. sled makes a file when it opens its store, so the command is refused there; a
/// running node, whose store is open, is refused by the room check, which counts inodes too.
#[test]
fn a_disk_out_of_inodes_is_full_however_many_bytes_are_free() {
    let root = tempfile::tempdir().unwrap();
    let (_, county_prepared, _) = city_and_county(root.path());
    let namespace = Namespace::with_tmpfs(
        &root.path().join("few-inodes"),
        &format!("{SMALL_DISK},nr_inodes=400"),
    );
    let county = namespace.copy_in(&county_prepared, "county");
    let institutions = sample_file(root.path(), Table::Institutions);
    assert_success(
        &namespace.huizong(&import(&county, "energy", &institutions)),
        "import",
    );
    // Another program uses up the inodes (a bounded loop: there are at most 400).
    let files = namespace.path("files");
    namespace.sh(&format!(
        "mkdir '{files}'; i=0; while [ $i -lt 1000 ] && touch '{files}'/$i 2>/dev/null; do i=$((i+1)); done; test $i -lt 1000"
    ));
    let consumption = sample_file(root.path(), Table::EnergyConsumption);
    let refused = namespace.huizong(&import(&county, "energy", &consumption));
    assert_disk_full(&assert_one_line_error(&refused), &format!("{county}/store"));

    namespace.sh(&format!("rm -r '{files}'"));
    assert_success(
        &namespace.huizong(&import(&county, "energy", &consumption)),
        "import",
    );
    assert_success(&namespace.huizong(&submit(&county, "energy")), "submit");
    assert_success(&namespace.huizong(&["verify", "--dir", &county]), "verify");
}

#[test]
fn a_read_only_directory_is_named_not_writable_by_init_run_and_import() {
    let root = tempfile::tempdir().unwrap();
    let (_, county_prepared, _) = city_and_county(root.path());
    let namespace = Namespace::with_tmpfs(&root.path().join("read-only"), SMALL_DISK);
    let county = namespace.copy_in(&county_prepared, "county");
    let store = format!("{county}/store");
    let institutions = sample_file(root.path(), Table::Institutions);
    assert_success(
        &namespace.huizong(&import(&county, "energy", &institutions)),
        "import",
    );
    let before = status(&namespace, &county);

    namespace.remount("ro");
    let assert_read_only = |output: &Output, path: &str| {
        let message = assert_one_line_error(output);
        eprintln!("{message}");
        assert!(
            message.contains("不可写") && message.contains("只读文件系统"),
            "says the directory is not writable and read-only: {message}"
        );
        assert!(message.contains(path), "names {path}: {message}");
    };
    let topology = root.path().join("topology.toml");
    let key = county_prepared.join("node.key");
    let new_node = namespace.path("new-node");
    assert_read_only(
        &namespace.huizong(&init(
            &new_node,
            topology.to_str().unwrap(),
            key.to_str().unwrap(),
        )),
        &new_node,
    );
    // `run` must give up at once; `timeout` bounds it if it did not.
    let run = namespace
        .command("timeout")
        .arg("120")
        .arg(env!("CARGO_BIN_EXE_huizong"))
        .args(["run", "--dir", &county])
        .output()
        .unwrap();
    assert_ne!(
        run.status.code(),
        Some(124),
        "run kept running: {}",
        stderr(&run)
    );
    let message = stderr(&run);
    let last_line = message.lines().last().unwrap_or_default();
    eprintln!("{last_line}");
    assert!(
        last_line.starts_with("错误：") && last_line.contains("只读文件系统"),
        "{message}"
    );
    assert!(last_line.contains(&store), "{message}");
    let consumption = sample_file(root.path(), Table::EnergyConsumption);
    assert_read_only(
        &namespace.huizong(&import(&county, "energy", &consumption)),
        &store,
    );

    namespace.remount("rw");
    assert_eq!(
        status(&namespace, &county)["own_documents"],
        before["own_documents"]
    );
    assert_success(
        &namespace.huizong(&import(&county, "energy", &consumption)),
        "import",
    );
    assert_success(&namespace.huizong(&submit(&county, "energy")), "submit");
    assert_success(&namespace.huizong(&["verify", "--dir", &county]), "verify");
}

/// A `huizong run` process, stopped with SIGTERM when dropped; its log goes to a file.
struct Running {
    child: Child,
    log: PathBuf,
}

impl Running {
    fn start(mut command: Command, log: PathBuf) -> Self {
        let file = std::fs::File::create(&log).unwrap();
        let child = command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(file)
            .spawn()
            .unwrap();
        Self { child, log }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn assert_alive(&mut self) {
        assert!(
            self.child.try_wait().unwrap().is_none(),
            "the node stopped:\n{}",
            self.log()
        );
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(20) {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Polls `condition` until it holds, failing with `what` after [`WAIT_MAX`].
fn wait_until(what: &str, mut condition: impl FnMut() -> bool) {
    let started = Instant::now();
    while !condition() {
        assert!(started.elapsed() < WAIT_MAX, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn report_includes_county(namespace: &Namespace, city: &str) -> bool {
    let output = namespace.huizong(&[
        "report", "--json", "--dir", city, "--ledger", "energy", "--period", "2025",
    ]);
    if !output.status.success() {
        return false;
    }
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    report["included"]
        .as_array()
        .is_some_and(|included| included.iter().any(|code| code == "640104000000"))
}

#[test]
fn a_running_city_on_a_full_disk_refuses_the_county_keeps_serving_and_stores_it_once_freed() {
    let root = tempfile::tempdir().unwrap();
    let (city_prepared, county_prepared, _) = city_and_county(root.path());
    // The county retries quickly, so the test does not wait out a long backoff.
    let county_directory = NodeDirectory::existing(&county_prepared).unwrap();
    let mut config = county_directory.read_config().unwrap();
    config.retry_ms_max = 300;
    write_config(&county_directory, &config).unwrap();
    let namespace = Namespace::with_tmpfs(&root.path().join("small-disk"), SMALL_DISK);
    let city = namespace.copy_in(&city_prepared, "city");
    let county = county_prepared.to_str().unwrap().to_owned();

    let mut city_command = namespace.command(env!("CARGO_BIN_EXE_huizong"));
    city_command.args(["run", "--dir", &city]);
    let mut city_process = Running::start(city_command, root.path().join("city.log"));
    wait_until("the city to answer", || {
        namespace
            .huizong(&["status", "--json", "--dir", &city])
            .status
            .success()
    });
    namespace.fill();

    for table in [Table::Institutions, Table::EnergyConsumption] {
        let file = sample_file(root.path(), table);
        let output = common::run(&import(&county, "energy", &file));
        assert_success(&output, "import at the county");
    }
    assert_success(
        &common::run(&submit(&county, "energy")),
        "submit at the county",
    );
    let mut county_command = common::huizong();
    county_command.args(["run", "--dir", &county]);
    let _county_process = Running::start(county_command, root.path().join("county.log"));

    // The city cannot store the county's document: it says why, and goes on serving.
    wait_until("the city to report the full disk", || {
        city_process.log().contains("设备上没有剩余空间")
    });
    city_process.assert_alive();
    let city_status = status(&namespace, &city);
    assert_eq!(city_status["running"], true, "{city_status}");
    assert_eq!(city_status["replicas_held"], 0, "{city_status}");
    assert!(!report_includes_county(&namespace, &city));
    let log = city_process.log();
    eprintln!("the city's log:\n{log}");
    assert!(
        log.contains(&format!("{city}/store")),
        "names the store:\n{log}"
    );
    // The clerk at the city, importing into the running node, hears the same.
    let city_institutions = sample_file_of("640100000000", root.path(), Table::Institutions);
    let refused = namespace.huizong(&import(&city, "energy", &city_institutions));
    assert_disk_full(&assert_one_line_error(&refused), &format!("{city}/store"));
    city_process.assert_alive();

    // Space is freed: the county's next attempt is stored, with nothing done at either node.
    namespace.free();
    wait_until("the city to include the county", || {
        report_includes_county(&namespace, &city)
    });
    city_process.assert_alive();
    assert_success(
        &namespace.huizong(&import(&city, "energy", &city_institutions)),
        "import at the city once freed",
    );
    drop(city_process);
    assert_success(
        &namespace.huizong(&["verify", "--dir", &city]),
        "verify the city",
    );
}
