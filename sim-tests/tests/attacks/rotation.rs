//! Rotating a county's key is one command at the root, between real processes over QUIC: the
//! county makes its next key in advance (`huizong key new`), the root's operator names it in the
//! topology, signs and publishes it (`huizong topology publish`), and the topology travels down
//! region → city → county while all three run. The county switches to its new key without a
//! restart and submits under it; its old key (kept by a thief) still connects, is sent the new
//! topology, and is refused for a new submission.

use std::time::Duration;

use ed25519_dalek::Signer as _;
use node::directory::{NodeDirectory, write_config};
use protocol::message::Message;
use protocol::{DocumentKey, Envelope, Submission};
use schemas::table::Table;
use schemas::{Ledger, Period};
use sim_tests::attack_peer::AttackPeer;
use sim_tests::processes::{
    NodeProcess, huizong, huizong_json, ningxia_region_city_counties, wait_until,
};

use super::processes_scene::{WAIT, hello, run};

fn text(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn a_county_key_rotated_at_the_root_reaches_the_running_county_and_the_old_key_is_refused()
-> anyhow::Result<()> {
    let root = tempfile::tempdir()?;
    let template = ningxia_region_city_counties(1)?;
    drop(node::local_tree::prepare(&template, root.path())?);
    let region_code = template.root().code;
    let city_code = template.children_of(region_code)[0];
    let county_code = template.children_of(city_code)[0];
    let directory = |code: topology::DivisionCode| root.path().join(code.as_str());
    let dir = |code: topology::DivisionCode| directory(code).to_str().unwrap().to_owned();
    for code in [city_code, county_code] {
        let node = NodeDirectory::existing(&directory(code))?;
        let mut config = node.read_config()?;
        config.retry_ms_max = 300;
        write_config(&node, &config)?;
    }
    let old_key = NodeDirectory::existing(&directory(county_code))?.read_key()?;
    let _region = NodeProcess::start(&directory(region_code))?;
    let city = NodeProcess::start(&directory(city_code))?;
    let _county = NodeProcess::start(&directory(county_code))?;

    // At the county: the next key, made in advance.
    let made = huizong(&["key", "new", "--dir", &dir(county_code)]);
    anyhow::ensure!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let next_public = text(&made)
        .lines()
        .last()
        .expect("key new prints the public key last")
        .trim()
        .to_owned();

    // At the root: rotate, sign, publish.
    let file = root.path().join("topology-v2.toml");
    std::fs::copy(root.path().join("topology.toml"), &file)?;
    let file_text = file.to_str().unwrap();
    run(&[
        "topology",
        "rotate-key",
        file_text,
        "--node",
        county_code.as_str(),
        "--key",
        &next_public,
    ])?;
    let region_key = directory(region_code).join("node.key");
    run(&[
        "topology",
        "sign",
        file_text,
        "--key",
        region_key.to_str().unwrap(),
    ])?;
    run(&["topology", "publish", "--dir", &dir(region_code), file_text])?;

    // It reaches the running county, which switches to its next key.
    wait_until(
        WAIT,
        "the county to hold topology version 2 and its new key",
        || {
            let status = huizong_json(&["status", "--json", "--dir", &dir(county_code)])?;
            Ok(status["topology_version"] == 2 && status["signing_key_current"] == true)
        },
    )?;
    let county_directory = NodeDirectory::existing(&directory(county_code))?;
    assert_eq!(
        node::directory::public_key(&county_directory.read_key()?).to_string(),
        next_public,
        "node.key is the new key"
    );
    assert!(!county_directory.next_key_path().exists());
    assert!(directory(county_code).join("node.key.retired-2").exists());
    assert_eq!(
        county_directory.read_topology()?.version(),
        2,
        "topology.toml rewritten"
    );

    // Under its new key the county submits, and the city counts it.
    for table in [Table::Institutions, Table::EnergyConsumption] {
        let file = node::demo::sample_files()?
            .into_iter()
            .find(|file| file.code == county_code && file.table == table)
            .expect("sample data");
        let path = root.path().join(format!("{}.csv", table.slug()));
        std::fs::write(&path, file.bytes)?;
        run(&[
            "import",
            "--dir",
            &dir(county_code),
            "--ledger",
            "energy",
            "--period",
            "2025",
            path.to_str().unwrap(),
        ])?;
    }
    run(&[
        "submit",
        "--dir",
        &dir(county_code),
        "--ledger",
        "energy",
        "--period",
        "2025",
    ])?;
    wait_until(WAIT, "the city to count the county's submission", || {
        let report = huizong_json(&[
            "report",
            "--json",
            "--dir",
            &dir(city_code),
            "--ledger",
            "energy",
            "--period",
            "2025",
        ])?;
        Ok(report["included"]
            .as_array()
            .is_some_and(|included| included.iter().any(|code| code == county_code.as_str())))
    })
    .map_err(|error| anyhow::anyhow!("{error:#}\ncity log:\n{}", city.log()))?;

    // The thief with the old key: connected, told the new topology, its submission refused.
    let topology = NodeDirectory::existing(&directory(city_code))?.read_topology()?;
    let city_entry = topology.node(city_code).unwrap();
    let mut peer = AttackPeer::connect(
        &old_key,
        *city_entry.public_key.unwrap().verifying_key(),
        city_entry.address.as_deref().unwrap().parse()?,
        WAIT,
    )?;
    let forged = Submission {
        key: DocumentKey::new(county_code, Ledger::Energy, Period::Year(2025)),
        heads: vec![[9; 32]],
        n_records: 1,
        figures_digest: [0; 32],
        coefficients_version: "2025".to_owned(),
        sequence: 1 << 40,
        time_ms: 1_750_000_000_000,
        submitted_by: Some("张三".to_owned()),
    };
    let payload = protocol::SignedPayload::encode(&forged).map_err(anyhow::Error::msg)?;
    let mut signed = <Submission as protocol::signed::SignedPayload>::DOMAIN.to_vec();
    signed.extend_from_slice(&payload);
    let offer = Message::Offer {
        round: 1,
        submissions: vec![Envelope {
            signature: old_key.sign(&signed).to_bytes().to_vec(),
            signer_key: old_key.verifying_key().to_bytes(),
            payload,
        }],
        eager: Vec::new(),
        last_page: true,
    };
    // The hello and the offer in one write, so the city reads both before it ends the session.
    let mut bytes = hello(county_code, 1).to_frame()?;
    bytes.extend(offer.to_frame()?);
    peer.send_bytes(&bytes)?;
    let received = peer.wait_until_closed(Duration::from_secs(20))?;
    peer.close();
    assert!(
        received
            .iter()
            .any(|message| matches!(message, Message::Topology { .. })),
        "the old key is sent the topology that retired it: {received:?}"
    );
    let status = huizong_json(&["status", "--json", "--dir", &dir(city_code)])?;
    let refusals: Vec<&str> = status["recent_refusals"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|text| text.as_str())
        .collect();
    assert_eq!(refusals.len(), 1, "{refusals:?}");
    assert!(
        refusals[0].contains("的密钥已在拓扑第 2 版停用"),
        "{refusals:?}"
    );
    let completeness = huizong_json(&[
        "completeness",
        "--json",
        "--dir",
        &dir(city_code),
        "--ledger",
        "energy",
        "--period",
        "2025",
    ])?;
    let held = completeness["documents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|row| row["node"]["code"] == county_code.as_str())
        .and_then(|row| row["sequence"].as_u64());
    assert_eq!(
        held,
        Some(1),
        "the city holds the county's own submission, not the thief's"
    );
    Ok(())
}
