//! What the attack tests over real QUIC share: a city and two of its counties prepared on disk
//! (keys, signed topology), the city and the honest county run as `huizong run` processes, and
//! the attacker (the other county, whose key the test holds) speaks raw protocol frames to the
//! city. The checks every such test makes: the honest county's submission reaches the city's
//! rollup, and nothing of the attacker's is there.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use node::directory::{LimitOverrides, NodeDirectory, write_config};
use schemas::table::Table;
use sim_tests::attack_peer::AttackPeer;
use sim_tests::harness::code;
use sim_tests::processes::{NodeProcess, huizong, huizong_json, wait_until};
use topology::DivisionCode;

/// How long each wait may take.
pub const WAIT: Duration = Duration::from_secs(30);

pub struct ProcessScene {
    pub root: tempfile::TempDir,
    pub city_code: DivisionCode,
    pub honest_code: DivisionCode,
    pub attacker_code: DivisionCode,
    pub city_directory: PathBuf,
    pub honest_directory: PathBuf,
    pub attacker_directory: PathBuf,
    pub city: Option<NodeProcess>,
    pub honest: Option<NodeProcess>,
}

impl ProcessScene {
    /// Prepares the tree; the city keeps `city_limits`.
    pub fn prepare(city_limits: LimitOverrides) -> anyhow::Result<Self> {
        let root = tempfile::tempdir()?;
        let template = node::local_tree::ningxia_city_with_counties(2)?;
        drop(node::local_tree::prepare(&template, root.path())?);
        let city_code = code("640100000000");
        let counties = template.children_of(city_code).to_vec();
        let scene = Self {
            city_directory: root.path().join(city_code.as_str()),
            honest_directory: root.path().join(counties[0].as_str()),
            attacker_directory: root.path().join(counties[1].as_str()),
            city_code,
            honest_code: counties[0],
            attacker_code: counties[1],
            root,
            city: None,
            honest: None,
        };
        let city = NodeDirectory::existing(&scene.city_directory)?;
        let mut config = city.read_config()?;
        config.limits = city_limits;
        write_config(&city, &config)?;
        let honest = NodeDirectory::existing(&scene.honest_directory)?;
        let mut config = honest.read_config()?;
        config.retry_ms_max = 300;
        write_config(&honest, &config)?;
        Ok(scene)
    }

    pub fn dir(path: &Path) -> &str {
        path.to_str().expect("test paths are UTF-8")
    }

    /// Starts the city and the honest county.
    pub fn start(&mut self) -> anyhow::Result<()> {
        self.city = Some(NodeProcess::start(&self.city_directory)?);
        self.honest = Some(NodeProcess::start(&self.honest_directory)?);
        Ok(())
    }

    /// The honest county imports and submits its energy ledger; waits until the city's rollup
    /// includes it.
    pub fn honest_sibling_goes_through(&self) -> anyhow::Result<()> {
        let honest = Self::dir(&self.honest_directory);
        for table in [Table::Institutions, Table::EnergyConsumption] {
            let file = node::demo::sample_files()?
                .into_iter()
                .find(|file| file.code == self.honest_code && file.table == table)
                .expect("the county has sample data for every table");
            let path = self
                .root
                .path()
                .join(format!("honest-{}.csv", table.slug()));
            std::fs::write(&path, file.bytes)?;
            run(&[
                "import",
                "--dir",
                honest,
                "--ledger",
                "energy",
                "--period",
                "2025",
                path.to_str().unwrap(),
            ])?;
        }
        run(&[
            "submit", "--dir", honest, "--ledger", "energy", "--period", "2025",
        ])?;
        let city = Self::dir(&self.city_directory);
        wait_until(
            WAIT,
            "the city's rollup to include the honest county",
            || {
                Ok(self
                    .included(city, "energy")?
                    .contains(&self.honest_code.to_string()))
            },
        )
        .map_err(|error| anyhow::anyhow!("{error:#}\ncity log:\n{}", self.city_log()))
    }

    /// The nodes a node's rollup of a ledger includes.
    pub fn included(&self, directory: &str, ledger: &str) -> anyhow::Result<Vec<String>> {
        let report = huizong_json(&[
            "report", "--json", "--dir", directory, "--ledger", ledger, "--period", "2025",
        ])?;
        Ok(report["included"]
            .as_array()
            .map(|included| {
                included
                    .iter()
                    .filter_map(|node| node.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default())
    }

    /// Nothing of the attacker's is in the city's rollups, and the city holds the honest
    /// county's document only.
    pub fn assert_nothing_of_attacker(&self) -> anyhow::Result<()> {
        let city = Self::dir(&self.city_directory);
        for ledger in ["energy", "vehicles", "office_space"] {
            anyhow::ensure!(
                !self
                    .included(city, ledger)?
                    .contains(&self.attacker_code.to_string()),
                "the attacker is in the city's {ledger} rollup"
            );
        }
        let status = self.city_status()?;
        anyhow::ensure!(
            status["replicas_held"] == 1,
            "the city holds only the honest county's document: {status:#}"
        );
        Ok(())
    }

    pub fn city_status(&self) -> anyhow::Result<serde_json::Value> {
        huizong_json(&["status", "--json", "--dir", Self::dir(&self.city_directory)])
    }

    pub fn city_log(&self) -> String {
        self.city.as_ref().map(NodeProcess::log).unwrap_or_default()
    }

    /// Connects to the city with the attacker's key.
    pub fn attacker_connects(&self) -> anyhow::Result<AttackPeer> {
        let attacker = NodeDirectory::existing(&self.attacker_directory)?;
        let key = attacker.read_key()?;
        let topology = attacker.read_topology()?;
        let entry = topology
            .node(self.city_code)
            .expect("the city is in the topology");
        let address: SocketAddr = entry.address.as_deref().expect("an address").parse()?;
        let city_key = *entry.public_key.as_ref().expect("a key").verifying_key();
        AttackPeer::connect(&key, city_key, address, WAIT)
    }

    /// The attacker's key and the topology, to sign what it sends.
    pub fn attacker_key(&self) -> anyhow::Result<(ed25519_dalek::SigningKey, topology::Topology)> {
        let attacker = NodeDirectory::existing(&self.attacker_directory)?;
        Ok((attacker.read_key()?, attacker.read_topology()?))
    }

    pub fn terminate(mut self) -> anyhow::Result<()> {
        if let Some(process) = self.honest.take() {
            process.terminate()?;
        }
        if let Some(process) = self.city.take() {
            process.terminate()?;
        }
        Ok(())
    }
}

/// Runs a `huizong` command that must succeed.
pub fn run(arguments: &[&str]) -> anyhow::Result<()> {
    let output = huizong(arguments);
    anyhow::ensure!(
        output.status.success(),
        "huizong {}: {}",
        arguments.join(" "),
        String::from_utf8_lossy(&output.stderr)
    );
    Ok(())
}

/// The attacker's hello.
pub fn hello(attacker: DivisionCode, topology_version: u64) -> protocol::message::Message {
    protocol::message::Message::Hello {
        protocol_version: protocol::message::PROTOCOL_VERSION,
        node: attacker,
        topology_version,
    }
}
