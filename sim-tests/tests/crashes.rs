//! Real crashes and restores: `huizong` nodes as operating-system processes over QUIC on loopback.
//!
//! - A county whose store is lost is restored from its city with `huizong restore` and carries on.
//! - The kill loop: a region, a city and two counties; each cycle picks a node and a phase (during
//!   an import, during a submit, during sync right after a county submits), starts the operation,
//!   kills a node with SIGKILL after a random delay and restarts it. Everything a CLI command
//!   acknowledged must still be there after the restart; a store that cannot be opened is restored
//!   from the parent with `huizong restore` and counted. Now and then a cycle overwrites a killed
//!   county's store (once the city holds its latest), so restores run under the kills too, and
//!   must lose nothing. At the end the tree must converge and
//!   `verify` pass on every node. `HUIZONG_CRASH_SEED` replays a run, `HUIZONG_CRASH_CYCLES` sets
//!   the number of cycles (50 by default; 1,000 for the long run).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail, ensure};
use node::directory::{NodeDirectory, write_config};
use schemas::Decimal;
use schemas::table::Table;
use sim_tests::processes::{
    NodeProcess, SeededRandom, huizong, huizong_binary, huizong_json, ningxia_region_city_counties,
    wait_until,
};
use topology::DivisionCode;

/// Cycles of the kill loop in CI: enough to hit every phase on every node several times while
/// staying within a few minutes of a debug build on two cores.
const CYCLES_DEFAULT: u64 = 50;

/// Longest random delay between starting an operation and the kill: a CLI command on a debug
/// build takes a few hundred milliseconds, so kills land before, during and after it.
const KILL_DELAY_MS_MAX: u64 = 400;

/// How long the tree may take to converge at the end (every county's latest submission in the
/// city's and the region's rollups); the nodes retry their parents every 300 ms at most.
const CONVERGENCE_TIMEOUT: Duration = Duration::from_secs(180);

/// A node's directory and process.
struct Node {
    code: DivisionCode,
    directory: PathBuf,
    process: Option<NodeProcess>,
}

impl Node {
    fn dir(&self) -> &str {
        self.directory.to_str().expect("test paths are UTF-8")
    }
}

/// A region, a city and `n_counties` counties in a temporary directory, every node retrying its
/// parent quickly.
struct Tree {
    _root: tempfile::TempDir,
    files: PathBuf,
    region: Node,
    city: Node,
    counties: Vec<Node>,
}

impl Tree {
    fn prepare(n_counties: usize) -> Result<Self> {
        let root = tempfile::tempdir()?;
        let template = ningxia_region_city_counties(n_counties)?;
        let prepared = node::local_tree::prepare(&template, root.path())?;
        let topology = prepared.topology.clone();
        // Releases the sockets bound for the addresses; each node binds its own.
        drop(prepared);
        let node = |code: DivisionCode| -> Result<Node> {
            let directory = root.path().join(code.as_str());
            let node_directory = NodeDirectory::existing(&directory)?;
            let mut config = node_directory.read_config()?;
            config.retry_ms_max = 300;
            write_config(&node_directory, &config)?;
            Ok(Node {
                code,
                directory,
                process: None,
            })
        };
        let region_code = topology.root().code;
        let city_code = topology.children_of(region_code)[0];
        let counties = topology
            .children_of(city_code)
            .iter()
            .map(|county| node(*county))
            .collect::<Result<Vec<_>>>()?;
        let files = root.path().join("files");
        std::fs::create_dir_all(&files)?;
        Ok(Self {
            region: node(region_code)?,
            city: node(city_code)?,
            counties,
            files,
            _root: root,
        })
    }

    fn start_all(&mut self) -> Result<()> {
        for node in [&mut self.region, &mut self.city]
            .into_iter()
            .chain(self.counties.iter_mut())
        {
            node.process = Some(NodeProcess::start(&node.directory)?);
        }
        Ok(())
    }

    fn terminate_all(&mut self) -> Result<()> {
        for node in self
            .counties
            .iter_mut()
            .chain([&mut self.city, &mut self.region])
        {
            if let Some(process) = node.process.take() {
                process.terminate()?;
            }
        }
        Ok(())
    }
}

/// Writes a county's shipped sample file for `table`.
fn sample_file(files: &Path, county: DivisionCode, table: Table) -> Result<PathBuf> {
    let file = node::demo::sample_files()?
        .into_iter()
        .find(|file| file.code == county && file.table == table)
        .ok_or_else(|| anyhow!("no sample {} for {county}", table.slug()))?;
    let path = files.join(format!("{county}-{}.csv", table.slug()));
    std::fs::write(&path, file.bytes)?;
    Ok(path)
}

/// A one-record energy consumption file: the county's first sample record with its quantity
/// raised by `change`, so each change is a new state of the same record.
fn consumption_change(files: &Path, county: DivisionCode, change: u64) -> Result<PathBuf> {
    let sample = sample_file(files, county, Table::EnergyConsumption)?;
    let text = std::fs::read_to_string(&sample)?;
    let mut lines = text.lines();
    let header = lines.next().context("the sample has a header")?;
    let first = lines.next().context("the sample has a record")?;
    let mut fields: Vec<String> = first.split(',').map(str::to_owned).collect();
    let quantity: u64 = fields[3]
        .parse()
        .with_context(|| format!("the sample's fourth column is a quantity: {first}"))?;
    fields[3] = (quantity + change).to_string();
    let path = files.join(format!("{county}-change-{change}.csv"));
    std::fs::write(&path, format!("{header}\n{}\n", fields.join(",")))?;
    Ok(path)
}

fn run_ok(arguments: &[&str]) -> Result<std::process::Output> {
    let output = huizong(arguments);
    if !output.status.success() {
        bail!(
            "huizong {} failed: {}",
            arguments.join(" "),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(output)
}

fn import_energy(dir: &str, file: &Path) -> Result<()> {
    run_ok(&[
        "import",
        "--dir",
        dir,
        "--ledger",
        "energy",
        "--period",
        "2025",
        file.to_str().expect("test paths are UTF-8"),
    ])?;
    Ok(())
}

fn submit_energy(dir: &str) -> Result<u64> {
    let outcome = huizong_json(&[
        "submit", "--json", "--dir", dir, "--ledger", "energy", "--period", "2025",
    ])?;
    outcome["sequence"]
        .as_u64()
        .ok_or_else(|| anyhow!("submit printed no sequence: {outcome}"))
}

/// A county's own energy document in its status: (submitted sequence, unsubmitted changes).
fn own_energy(dir: &str, county: DivisionCode) -> Result<(u64, bool)> {
    let status = huizong_json(&["status", "--json", "--dir", dir])?;
    let key = format!("{county}/energy/2025");
    let document = status["own_documents"]
        .as_array()
        .and_then(|documents| documents.iter().find(|document| document["key"] == key))
        .ok_or_else(|| anyhow!("{county} lists no {key} in its status"))?;
    Ok((
        document["submitted_sequence"].as_u64().unwrap_or(0),
        document["unsubmitted_changes"] == true,
    ))
}

/// The sequence of `owner`'s energy submission held at the node in `dir`.
fn held_sequence(dir: &str, owner: DivisionCode) -> Result<Option<u64>> {
    let completeness = huizong_json(&[
        "completeness",
        "--json",
        "--dir",
        dir,
        "--ledger",
        "energy",
        "--period",
        "2025",
    ])?;
    Ok(completeness["documents"].as_array().and_then(|rows| {
        rows.iter()
            .find(|row| row["owner"] == owner.as_str())
            .and_then(|row| row["sequence"].as_u64())
    }))
}

fn energy_report(dir: &str) -> Result<serde_json::Value> {
    huizong_json(&[
        "report", "--json", "--dir", dir, "--ledger", "energy", "--period", "2025",
    ])
}

/// Starts every county's energy ledger (institutions and consumption) and submits it.
fn submit_samples(tree: &Tree) -> Result<()> {
    for county in &tree.counties {
        for table in [Table::Institutions, Table::EnergyConsumption] {
            import_energy(county.dir(), &sample_file(&tree.files, county.code, table)?)?;
        }
        submit_energy(county.dir())?;
    }
    Ok(())
}

/// Waits until the city and the region hold every county's latest submission and the region's
/// figures are the city's (the region submits nothing of its own here).
fn wait_for_convergence(tree: &Tree, timeout: Duration) -> Result<()> {
    // Each poll that finds the tree not converged says why, and the timeout reports the last.
    wait_until(timeout, "the tree to converge", || {
        for county in &tree.counties {
            let (latest, _) = own_energy(county.dir(), county.code)?;
            for parent in [&tree.city, &tree.region] {
                let held = held_sequence(parent.dir(), county.code)?;
                ensure!(
                    held == Some(latest),
                    "{} holds #{held:?} of {}, whose latest is #{latest}",
                    parent.code,
                    county.code
                );
            }
        }
        let (city, region) = (
            energy_report(tree.city.dir())?,
            energy_report(tree.region.dir())?,
        );
        let included = region["included"].as_array().cloned().unwrap_or_default();
        ensure!(
            tree.counties
                .iter()
                .all(|county| included.iter().any(|code| code == county.code.as_str())),
            "the region's figures include only {included:?}"
        );
        ensure!(
            city["figures"] == region["figures"],
            "the region's figures are not the city's yet"
        );
        Ok(true)
    })
}

fn verify_all(tree: &Tree) -> Result<()> {
    for node in [&tree.region, &tree.city]
        .into_iter()
        .chain(tree.counties.iter())
    {
        run_ok(&["verify", "--dir", node.dir()])
            .with_context(|| format!("verify at {}", node.code))?;
    }
    Ok(())
}

#[test]
fn a_county_whose_store_is_lost_is_restored_from_its_city_and_carries_on() -> Result<()> {
    let mut tree = Tree::prepare(1)?;
    tree.start_all()?;
    submit_samples(&tree)?;
    wait_for_convergence(&tree, Duration::from_secs(60))?;
    let county_code = tree.counties[0].code;
    let county_dir = tree.counties[0].dir().to_owned();

    // The root has no parent to restore from.
    tree.region.process.take().expect("running").terminate()?;
    let root_restore = huizong(&["restore", "--dir", tree.region.dir()]);
    assert!(!root_restore.status.success());
    assert!(
        String::from_utf8_lossy(&root_restore.stderr).contains("没有可以从中恢复的上级"),
        "{}",
        String::from_utf8_lossy(&root_restore.stderr)
    );
    tree.region.process = Some(NodeProcess::start(&tree.region.directory)?);

    // A store that opens and holds data is not replaced.
    tree.counties[0]
        .process
        .take()
        .expect("running")
        .terminate()?;
    let refused = huizong(&["restore", "--dir", &county_dir]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("可以打开，其中有"));

    // The store is lost while the city is away: the restore names the address, writes nothing.
    std::fs::remove_dir_all(tree.counties[0].directory.join("store"))?;
    tree.city.process.take().expect("running").terminate()?;
    let unreachable = huizong(&["restore", "--dir", &county_dir]);
    assert!(!unreachable.status.success());
    let message = String::from_utf8_lossy(&unreachable.stderr).to_string();
    assert!(
        message.contains("秒内没有应答") && message.contains("127.0.0.1:"),
        "{message}"
    );
    assert!(!tree.counties[0].directory.join("store").exists());

    // With the city back, the county is restored and carries on.
    tree.city.process = Some(NodeProcess::start(&tree.city.directory)?);
    let report = huizong_json(&["restore", "--json", "--dir", &county_dir])?;
    assert_eq!(report["store_was"], "missing", "{report}");
    assert_eq!(report["counts"]["own_documents"], 1, "{report}");
    assert_eq!(
        report["counts"]["own_submission_sequence_max"], 1,
        "{report}"
    );
    tree.counties[0].process = Some(NodeProcess::start(&tree.counties[0].directory)?);
    assert_eq!(own_energy(&county_dir, county_code)?, (1, false));
    import_energy(
        &county_dir,
        &consumption_change(&tree.files, county_code, 1)?,
    )?;
    // The restored county signs above the floor its restore set, never a sequence it may have
    // signed before (its parent could have withheld some).
    let floor = report["counts"]["next_sequence"]
        .as_u64()
        .expect("the report gives the next sequence");
    assert!(floor > 1 << 32, "the floor is the restore's time: {report}");
    let next = submit_energy(&county_dir)?;
    assert_eq!(
        next, floor,
        "the first submission after the restore starts at the floor"
    );
    wait_for_convergence(&tree, Duration::from_secs(60))?;
    assert_eq!(held_sequence(tree.region.dir(), county_code)?, Some(next));

    // A store that cannot be opened is moved aside, not deleted.
    tree.counties[0]
        .process
        .take()
        .expect("running")
        .terminate()?;
    let store = tree.counties[0].directory.join("store");
    for entry in std::fs::read_dir(&store)? {
        let path = entry?.path();
        if path.is_file() {
            std::fs::write(&path, b"not a sled file")?;
        }
    }
    let report = huizong_json(&["restore", "--json", "--dir", &county_dir])?;
    assert_eq!(report["store_was"], "corrupt", "{report}");
    let aside = PathBuf::from(report["moved_aside_to"].as_str().expect("moved"));
    assert!(
        aside.is_dir(),
        "the corrupt store is kept at {}",
        aside.display()
    );
    assert_eq!(
        report["counts"]["own_submission_sequence_max"], next,
        "{report}"
    );
    tree.counties[0].process = Some(NodeProcess::start(&tree.counties[0].directory)?);
    verify_all(&tree)?;
    tree.terminate_all()
}

/// The operations a kill can interrupt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// A county is killed while a clerk's import runs.
    Import,
    /// A county is killed while a clerk's submit runs.
    Submit,
    /// The city is killed right after a county submits, while it pulls.
    CitySync,
    /// The region is killed right after a county submits, while the city's changes go up.
    RegionSync,
    /// A county is killed once the city holds its latest submission, and its store is overwritten
    /// as a failed disk would leave it: it must be restored from the city, losing nothing.
    CorruptStore,
}

/// The phases a cycle picks from evenly; [`Phase::CorruptStore`] is picked instead once in
/// [`CORRUPT_STORE_ONE_IN`] cycles.
const PHASES: [Phase; 4] = [
    Phase::Import,
    Phase::Submit,
    Phase::CitySync,
    Phase::RegionSync,
];

/// How rarely a cycle corrupts a county's store: often enough that a CI run restores a store or
/// two, rarely enough that the kills mostly interrupt work.
const CORRUPT_STORE_ONE_IN: u64 = 25;

/// Overwrites every file of a node's store, as a failed disk would leave it.
fn corrupt_store(directory: &Path) -> Result<()> {
    for entry in std::fs::read_dir(directory.join("store"))? {
        let path = entry?.path();
        if path.is_file() {
            std::fs::write(&path, b"overwritten by the crash test")?;
        }
    }
    Ok(())
}

/// What a county's clerk was told succeeded.
#[derive(Debug, Default, Clone)]
struct Acknowledged {
    /// The highest sequence a submit reported.
    sequence: u64,
    /// An import was acknowledged after the last acknowledged submit.
    import_pending: bool,
    /// The sum of the county's consumption quantities with its sample data.
    baseline: Decimal,
    /// The change (the raise of the first record's quantity) of the last acknowledged import.
    change: Option<u64>,
    /// Every change tried at this county, acknowledged or not.
    attempted: BTreeSet<u64>,
}

/// The sum of the energy quantities of every carrier in the county's own submitted figures: the
/// sample's, plus the change its first consumption record carries.
fn quantity_total(dir: &str) -> Result<Decimal> {
    let report = energy_report(dir)?;
    let mut total = Decimal::ZERO;
    for figure in report["figures"]
        .as_array()
        .context("a report lists figures")?
    {
        let name = figure["name"].as_str().unwrap_or_default();
        if name.starts_with("energy.carrier.") && name.ends_with(".quantity") {
            let value = figure["value"].as_str().context("a figure has a value")?;
            total += value
                .parse::<Decimal>()
                .with_context(|| format!("figure {name} is a decimal: {value}"))?;
        }
    }
    Ok(total)
}

#[derive(Debug, Default)]
struct Summary {
    cycles: u64,
    kills: [u64; 5],
    failed_to_open: u64,
    /// Of the stores that failed to open, those the test corrupted on purpose.
    corrupted_on_purpose: u64,
    restores: u64,
    /// Imports and submits interrupted by a kill that still reported success (the rest failed and
    /// were not acknowledged).
    acknowledged_despite_kill: u64,
    /// Acknowledged submissions that were not at the parent when a store had to be restored.
    lost_with_restored_store: u64,
}

/// Starts a CLI command without waiting for it.
fn spawn_huizong(arguments: &[&str]) -> Result<std::process::Child> {
    Command::new(huizong_binary())
        .args(arguments)
        .env("HUIZONG_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context("cannot start huizong")
}

/// Restarts a killed node; if its store cannot be opened, restores it from its parent first.
fn restart(node: &mut Node, summary: &mut Summary) -> Result<Option<u64>> {
    match NodeProcess::start(&node.directory) {
        Ok(process) => {
            node.process = Some(process);
            Ok(None)
        }
        Err(error) => {
            summary.failed_to_open += 1;
            eprintln!("node {} did not start after the kill: {error:#}", node.code);
            let report = huizong_json(&["restore", "--json", "--dir", node.dir()])
                .with_context(|| format!("restoring {} after a failed start", node.code))?;
            summary.restores += 1;
            eprintln!("restored {}: {report}", node.code);
            node.process = Some(NodeProcess::start(&node.directory)?);
            Ok(report["counts"]["own_submission_sequence_max"].as_u64())
        }
    }
}

/// Checks that what a county acknowledged survived its restart: its submissions, and the exact
/// record of its last acknowledged import, which a submit (acknowledged in turn) makes visible in
/// its figures. A later import that was interrupted may have gone through too.
fn check_acknowledged(county: &Node, acknowledged: &mut Acknowledged) -> Result<()> {
    let (sequence, unsubmitted) = own_energy(county.dir(), county.code)?;
    ensure!(
        sequence >= acknowledged.sequence,
        "{}: submission #{} was acknowledged but only #{sequence} is held",
        county.code,
        acknowledged.sequence
    );
    ensure!(
        !acknowledged.import_pending || unsubmitted || sequence > acknowledged.sequence,
        "{}: an acknowledged import is not in the draft",
        county.code
    );
    let Some(change) = acknowledged.change else {
        return Ok(());
    };
    acknowledged.sequence = submit_energy(county.dir())?;
    acknowledged.import_pending = false;
    let found = quantity_total(county.dir())? - acknowledged.baseline;
    let found: u64 = found
        .try_into()
        .with_context(|| format!("{}: the quantities changed by {found}", county.code))?;
    ensure!(
        found >= change && acknowledged.attempted.contains(&found),
        "{}: the last acknowledged import raised the quantity by {change}, the draft holds a \
         raise of {found}",
        county.code
    );
    acknowledged.change = Some(found);
    Ok(())
}

#[test]
fn kill_cycles_lose_nothing_acknowledged_and_the_tree_converges() -> Result<()> {
    let seed = std::env::var("HUIZONG_CRASH_SEED")
        .ok()
        .map(|text| text.parse::<u64>())
        .transpose()
        .context("HUIZONG_CRASH_SEED is a number")?
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |elapsed| elapsed.as_nanos() as u64)
        });
    let cycles = std::env::var("HUIZONG_CRASH_CYCLES")
        .ok()
        .map(|text| text.parse::<u64>())
        .transpose()
        .context("HUIZONG_CRASH_CYCLES is a number")?
        .unwrap_or(CYCLES_DEFAULT);
    eprintln!("crash test: seed {seed} (HUIZONG_CRASH_SEED={seed} replays it), {cycles} cycles");
    let mut random = SeededRandom::new(seed);
    let started = Instant::now();

    let mut tree = Tree::prepare(2)?;
    tree.start_all()?;
    submit_samples(&tree)?;
    eprintln!("{:.1} s: tree started", started.elapsed().as_secs_f64());
    let mut acknowledged: Vec<Acknowledged> = tree
        .counties
        .iter()
        .map(|county| {
            Ok(Acknowledged {
                sequence: 1,
                import_pending: false,
                baseline: quantity_total(county.dir())?,
                change: None,
                attempted: BTreeSet::new(),
            })
        })
        .collect::<Result<_>>()?;
    let mut summary = Summary::default();
    let mut change = 0u64;
    for cycle in 0..cycles {
        let phase = if random.below(CORRUPT_STORE_ONE_IN) == 0 {
            Phase::CorruptStore
        } else {
            PHASES[random.below(PHASES.len() as u64) as usize]
        };
        let county_index = random.below(tree.counties.len() as u64) as usize;
        let delay = Duration::from_millis(random.below(KILL_DELAY_MS_MAX + 1));
        change += 1;
        let file = consumption_change(&tree.files, tree.counties[county_index].code, change)?;
        let county_dir = tree.counties[county_index].dir().to_owned();
        let file_text = file.to_str().expect("test paths are UTF-8").to_owned();
        let import_arguments = [
            "import",
            "--json",
            "--dir",
            &county_dir,
            "--ledger",
            "energy",
            "--period",
            "2025",
            &file_text,
        ];
        let submit_arguments = [
            "submit",
            "--json",
            "--dir",
            &county_dir,
            "--ledger",
            "energy",
            "--period",
            "2025",
        ];
        let model = &mut acknowledged[county_index];
        model.attempted.insert(change);
        let victim = match phase {
            Phase::Import => {
                let command = spawn_huizong(&import_arguments)?;
                std::thread::sleep(delay);
                let county = &mut tree.counties[county_index];
                county.process.take().expect("running").kill()?;
                if command.wait_with_output()?.status.success() {
                    model.import_pending = true;
                    model.change = Some(change);
                    summary.acknowledged_despite_kill += 1;
                }
                county
            }
            Phase::Submit => {
                import_energy(&county_dir, &file)?;
                model.import_pending = true;
                model.change = Some(change);
                let command = spawn_huizong(&submit_arguments)?;
                std::thread::sleep(delay);
                let county = &mut tree.counties[county_index];
                county.process.take().expect("running").kill()?;
                let output = command.wait_with_output()?;
                if output.status.success() {
                    let outcome: serde_json::Value = serde_json::from_slice(&output.stdout)?;
                    model.sequence = outcome["sequence"].as_u64().context("a sequence")?;
                    model.import_pending = false;
                    summary.acknowledged_despite_kill += 1;
                }
                county
            }
            Phase::CitySync | Phase::RegionSync => {
                import_energy(&county_dir, &file)?;
                model.change = Some(change);
                model.sequence = submit_energy(&county_dir)?;
                model.import_pending = false;
                std::thread::sleep(delay);
                let node = if phase == Phase::CitySync {
                    &mut tree.city
                } else {
                    &mut tree.region
                };
                node.process.take().expect("running").kill()?;
                node
            }
            Phase::CorruptStore => {
                let county_code = tree.counties[county_index].code;
                let city_dir = tree.city.dir().to_owned();
                // Whatever the clerk imported is submitted first, so it is all at the city.
                import_energy(&county_dir, &file)?;
                model.change = Some(change);
                model.sequence = submit_energy(&county_dir)?;
                wait_until(
                    Duration::from_secs(60),
                    "the city to hold the county's latest submission",
                    || {
                        let (latest, _) = own_energy(&county_dir, county_code)?;
                        Ok(held_sequence(&city_dir, county_code)? == Some(latest))
                    },
                )?;
                // What the county holds is all at the city: the restore must bring it all back.
                let (latest, _) = own_energy(&county_dir, county_code)?;
                model.sequence = model.sequence.max(latest);
                model.import_pending = false;
                let county = &mut tree.counties[county_index];
                county.process.take().expect("running").kill()?;
                corrupt_store(&county.directory)?;
                summary.corrupted_on_purpose += 1;
                county
            }
        };
        summary.kills[phase as usize] += 1;
        let victim_code = victim.code;
        if let Some(restored_sequence) = restart(victim, &mut summary)?
            && let Some(index) = tree.counties.iter().position(|c| c.code == victim_code)
        {
            // A restored county has what its city held: anything newer it acknowledged is gone,
            // which the summary reports.
            let model = &mut acknowledged[index];
            if restored_sequence < model.sequence {
                summary.lost_with_restored_store += model.sequence - restored_sequence;
            }
            model.sequence = restored_sequence;
            model.import_pending = false;
            if summary.lost_with_restored_store > 0 {
                // What the restored draft holds is no longer what was acknowledged.
                model.change = None;
            }
        }
        if let Some(index) = tree.counties.iter().position(|c| c.code == victim_code) {
            check_acknowledged(&tree.counties[index], &mut acknowledged[index])
                .with_context(|| format!("cycle {cycle} ({phase:?}), seed {seed}"))?;
        }
        summary.cycles += 1;
        eprintln!(
            "cycle {cycle}: {phase:?} on {victim_code} after {} ms; {:.1} s elapsed",
            delay.as_millis(),
            started.elapsed().as_secs_f64()
        );
    }
    eprintln!(
        "{:.1} s: cycles done; converging",
        started.elapsed().as_secs_f64()
    );
    // Every county submits what its clerk imported, then the tree must converge and verify.
    for (county, model) in tree.counties.iter().zip(&acknowledged) {
        let sequence = submit_energy(county.dir())?;
        ensure!(
            sequence >= model.sequence,
            "{}: submit went back",
            county.code
        );
    }
    wait_for_convergence(&tree, CONVERGENCE_TIMEOUT).with_context(|| format!("seed {seed}"))?;
    verify_all(&tree)?;
    tree.terminate_all()?;
    eprintln!(
        "crash test summary: seed {seed}, {} cycles, kills: {} during import, {} during submit, \
         {} of the city during sync, {} of the region during sync, {} with the store corrupted; \
         {} interrupted imports and submits acknowledged anyway; {} stores failed to open ({} corrupted on purpose), {} restores, {} acknowledged \
         submissions lost with a restored store; {:.1} s",
        summary.cycles,
        summary.kills[Phase::Import as usize],
        summary.kills[Phase::Submit as usize],
        summary.kills[Phase::CitySync as usize],
        summary.kills[Phase::RegionSync as usize],
        summary.kills[Phase::CorruptStore as usize],
        summary.acknowledged_despite_kill,
        summary.failed_to_open,
        summary.corrupted_on_purpose,
        summary.restores,
        summary.lost_with_restored_store,
        started.elapsed().as_secs_f64()
    );
    ensure!(
        summary.restores == summary.failed_to_open
            && summary.failed_to_open >= summary.corrupted_on_purpose,
        "every store that failed to open was restored, the corrupted ones among them"
    );
    ensure!(
        summary.lost_with_restored_store == 0,
        "acknowledged submissions were lost with a store that had to be restored"
    );
    Ok(())
}
