//! A decompression bomb: a compromised county offers a submission it signed itself with an eager
//! automerge sync message whose changes hold one compressed change chunk (type 2) of about 1 MiB
//! that inflates to about 1 GiB of zeros. The city runs as its own process; its peak resident
//! memory must stay under 256 MiB while it refuses the message, stores nothing of the attacker's
//! and stores and consolidates an honest sibling's submission. The same bytes sent to a city
//! started with the cap turned off (`HUIZONG_UNSAFE_INFLATION_UNBOUNDED=1`) push it past 256 MiB,
//! so this test can fail.

use protocol::inflation::write_unsigned;
use std::io::Write as _;
use std::net::SocketAddr;
use std::time::Duration;

use node::directory::{NodeDirectory, write_config};
use protocol::limits::MAX_EAGER_BYTES_PER_PAGE;
use protocol::message::{EagerSync, Message, PROTOCOL_VERSION};
use protocol::{DocumentKey, Signed, Submission};
use schemas::table::Table;
use schemas::{Ledger, Period};
use sim_tests::attack_peer::{AttackPeer, peak_resident_kib};
use sim_tests::harness::code;
use sim_tests::processes::{NodeProcess, huizong, huizong_json, wait_until};

/// The peak resident memory the city must stay under while it refuses the bomb.
const CITY_PEAK_KIB_MAX: u64 = 256 * 1024;
/// Zeros the bomb inflates to: about 1 GiB, while its eager message still fits in one offer page
/// (DEFLATE reaches about 1,030:1 on zeros).
const BOMB_INFLATED_BYTES: usize = 1000 * 1024 * 1024;
/// How long each wait of the test may take.
const WAIT: Duration = Duration::from_secs(30);

/// An automerge sync message (v1) whose changes are one compressed change chunk of
/// [`BOMB_INFLATED_BYTES`] zeros, claiming `head` as the sender's heads.
fn bomb_sync_message(head: [u8; 32]) -> anyhow::Result<Vec<u8>> {
    let mut encoder = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    let zeros = vec![0u8; 1024 * 1024];
    for _ in 0..BOMB_INFLATED_BYTES / zeros.len() {
        encoder.write_all(&zeros)?;
    }
    let deflated = encoder.finish()?;
    // magic, checksum (any: automerge checks it only after inflating), type 2, length, data.
    let mut chunk = vec![0x85, 0x6f, 0x4a, 0x83, 0, 0, 0, 0, 2];
    write_unsigned(&mut chunk, deflated.len() as u64);
    chunk.extend(deflated);
    // type, heads, need, have, changes.
    let mut message = vec![0x42, 1];
    message.extend(head);
    message.extend([0, 0, 1]);
    write_unsigned(&mut message, chunk.len() as u64);
    message.extend(chunk);
    Ok(message)
}

/// The frames the attacker sends: hello, then an offer of one submission it signed itself, with
/// the bomb as its eager sync message.
fn attack_messages(
    attacker_directory: &std::path::Path,
    bomb: &[u8],
) -> anyhow::Result<(Vec<Message>, ed25519_dalek::SigningKey)> {
    let directory = NodeDirectory::existing(attacker_directory)?;
    let key = directory.read_key()?;
    let topology = directory.read_topology()?;
    let attacker = code(
        attacker_directory
            .file_name()
            .and_then(|name| name.to_str())
            .expect("node directories are named by code"),
    );
    let document = DocumentKey::new(attacker, Ledger::Vehicles, Period::Year(2025));
    let head = [0x42u8; 32];
    let submission = Signed::sign(
        Submission {
            key: document,
            heads: vec![head],
            n_records: 1,
            figures_digest: [0; 32],
            coefficients_version: "2025".to_owned(),
            sequence: 1,
            time_ms: 1_750_000_000_000,
            submitted_by: Some("张三".to_owned()),
        },
        &key,
        &topology,
    )?;
    let messages = vec![
        Message::Hello {
            protocol_version: PROTOCOL_VERSION,
            node: attacker,
            topology_version: topology.version(),
        },
        Message::Offer {
            round: 1,
            submissions: vec![submission.envelope().clone()],
            eager: vec![EagerSync {
                key: document,
                sequence: 1,
                message: bomb.to_vec(),
            }],
            last_page: true,
        },
    ];
    Ok((messages, key))
}

/// Connects to the city as the attacker and sends `messages`.
fn attack(
    city_directory: &std::path::Path,
    key: &ed25519_dalek::SigningKey,
    messages: &[Message],
) -> anyhow::Result<AttackPeer> {
    let topology = NodeDirectory::existing(city_directory)?.read_topology()?;
    let city = code(
        city_directory
            .file_name()
            .and_then(|name| name.to_str())
            .expect("node directories are named by code"),
    );
    let entry = topology.node(city).expect("the city is in its topology");
    let address: SocketAddr = entry
        .address
        .as_deref()
        .expect("a prepared city has an address")
        .parse()?;
    let city_key = *entry
        .public_key
        .as_ref()
        .expect("a prepared city has a key")
        .verifying_key();
    let mut peer = AttackPeer::connect(key, city_key, address, WAIT)?;
    for message in messages {
        peer.send(message)?;
    }
    Ok(peer)
}

/// Writes the county's shipped sample file for `table` where the CLI can import it.
fn sample_file(
    directory: &std::path::Path,
    county: topology::DivisionCode,
    table: Table,
) -> std::path::PathBuf {
    let file = node::demo::sample_files()
        .unwrap()
        .into_iter()
        .find(|file| file.code == county && file.table == table)
        .expect("the county has sample data for every table");
    let path = directory.join(format!("{}-{}.csv", county.as_str(), table.slug()));
    std::fs::write(&path, file.bytes).unwrap();
    path
}

fn run(arguments: &[&str]) {
    let output = huizong(arguments);
    assert!(
        output.status.success(),
        "huizong {}: {}",
        arguments.join(" "),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn a_decompression_bomb_is_refused_within_bounded_memory() -> anyhow::Result<()> {
    let root = tempfile::tempdir()?;
    let template = node::local_tree::ningxia_city_with_counties(2)?;
    drop(node::local_tree::prepare(&template, root.path())?);
    let city_code = code("640100000000");
    let counties = template.children_of(city_code).to_vec();
    let (honest_code, attacker_code) = (counties[0], counties[1]);
    let city_directory = root.path().join(city_code.as_str());
    let honest_directory = root.path().join(honest_code.as_str());
    let attacker_directory = root.path().join(attacker_code.as_str());
    for directory in [&city_directory, &honest_directory, &attacker_directory] {
        let mode = std::os::unix::fs::PermissionsExt::mode(
            &std::fs::metadata(directory.join("node.key"))?.permissions(),
        );
        assert_eq!(
            mode & 0o777,
            0o600,
            "node keys are readable by their owner only"
        );
    }
    let honest_node = NodeDirectory::existing(&honest_directory)?;
    let mut config = honest_node.read_config()?;
    config.retry_ms_max = 300;
    write_config(&honest_node, &config)?;
    let (city, honest) = (
        city_directory.to_str().unwrap().to_owned(),
        honest_directory.to_str().unwrap().to_owned(),
    );

    let started = std::time::Instant::now();
    let bomb = bomb_sync_message([0x42; 32])?;
    assert!(
        bomb.len() <= MAX_EAGER_BYTES_PER_PAGE,
        "{} bytes",
        bomb.len()
    );
    eprintln!(
        "{:?} bomb: {} bytes inflating to {} bytes",
        started.elapsed(),
        bomb.len(),
        BOMB_INFLATED_BYTES
    );
    let (messages, attacker_key) = attack_messages(&attacker_directory, &bomb)?;

    let city_process = NodeProcess::start(&city_directory)?;
    let honest_process = NodeProcess::start(&honest_directory)?;
    for table in [Table::Institutions, Table::EnergyConsumption] {
        let file = sample_file(root.path(), honest_code, table);
        run(&[
            "import",
            "--dir",
            &honest,
            "--ledger",
            "energy",
            "--period",
            "2025",
            file.to_str().unwrap(),
        ]);
    }
    run(&[
        "submit", "--dir", &honest, "--ledger", "energy", "--period", "2025",
    ]);

    // The attack, while the honest county syncs.
    let mut peer = attack(&city_directory, &attacker_key, &messages)?;
    peer.wait_until_closed(WAIT)
        .map_err(|error| anyhow::anyhow!("{error:#}\ncity log:\n{}", city_process.log()))?;
    peer.close();
    eprintln!(
        "{:?} the city ended the attacker's session",
        started.elapsed()
    );

    wait_until(WAIT, "the city to include the honest county", || {
        let report = huizong_json(&[
            "report", "--json", "--dir", &city, "--ledger", "energy", "--period", "2025",
        ])?;
        Ok(report["included"]
            .as_array()
            .is_some_and(|included| included.iter().any(|node| node == honest_code.as_str())))
    })
    .map_err(|error| anyhow::anyhow!("{error:#}\ncity log:\n{}", city_process.log()))?;

    let status = huizong_json(&["status", "--json", "--dir", &city])?;
    let inflation_refusals: Vec<&str> = status["recent_refusals"]
        .as_array()
        .expect("status lists recent refusals")
        .iter()
        .filter_map(|text| text.as_str())
        .filter(|text| text.contains("数据解压后超过"))
        .collect();
    assert_eq!(
        inflation_refusals.len(),
        1,
        "the city refuses the bomb once: {status:#}"
    );
    assert!(
        inflation_refusals[0].contains(attacker_code.as_str())
            && inflation_refusals[0].contains("单条消息上限"),
        "{}",
        inflation_refusals[0]
    );
    assert_eq!(
        status["refusals"], 1,
        "nothing else was refused: {status:#}"
    );
    assert_eq!(
        status["replicas_held"], 1,
        "the city holds the honest county's document only: {status:#}"
    );
    for ledger in ["energy", "vehicles"] {
        let report = huizong_json(&[
            "report", "--json", "--dir", &city, "--ledger", ledger, "--period", "2025",
        ])?;
        assert!(
            !report["included"]
                .as_array()
                .is_some_and(|included| included.iter().any(|node| node == attacker_code.as_str())),
            "the attacker is in the city's {ledger} rollup: {report:#}"
        );
    }
    let capped_peak_kib = peak_resident_kib(city_process.id())?;
    eprintln!(
        "{:?} the city's peak resident memory with the cap: {} MiB",
        started.elapsed(),
        capped_peak_kib / 1024
    );
    assert!(
        capped_peak_kib < CITY_PEAK_KIB_MAX,
        "the city's peak resident memory is {capped_peak_kib} KiB"
    );
    city_process.terminate()?;

    // The same bytes against the same city with the cap turned off. automerge then inflates the
    // whole gigabyte and only afterwards finds the chunk's checksum wrong, and refuses it.
    let unbounded = NodeProcess::start_with_environment(
        &city_directory,
        &[("HUIZONG_UNSAFE_INFLATION_UNBOUNDED", "1")],
    )?;
    let refusals_before = huizong_json(&["status", "--json", "--dir", &city])?["refusals"]
        .as_u64()
        .unwrap_or(0);
    let peer = attack(&city_directory, &attacker_key, &messages)?;
    let pid = unbounded.id();
    wait_until(WAIT, "the unbounded city to be done with the bomb", || {
        let status = huizong_json(&["status", "--json", "--dir", &city])?;
        Ok(status["refusals"].as_u64().unwrap_or(0) > refusals_before)
    })
    .map_err(|error| anyhow::anyhow!("{error:#}\ncity log:\n{}", unbounded.log()))?;
    let unbounded_peak_kib = peak_resident_kib(pid)?;
    eprintln!(
        "{:?} the city's peak resident memory without the cap: {} MiB",
        started.elapsed(),
        unbounded_peak_kib / 1024
    );
    assert!(
        unbounded_peak_kib > CITY_PEAK_KIB_MAX,
        "without the cap the same bytes stay under 256 MiB ({unbounded_peak_kib} KiB): the test \
         cannot fail"
    );
    assert!(
        unbounded
            .log()
            .contains("HUIZONG_UNSAFE_INFLATION_UNBOUNDED")
    );
    peer.close();
    unbounded.kill()?;
    honest_process.terminate()?;
    Ok(())
}
