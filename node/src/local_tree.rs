//! A whole reporting tree on this machine: a directory and a key per node, a topology signed by the
//! root with every node on 127.0.0.1, and every node running in this process as a real QUIC
//! endpoint. Used by `huizong demo`, the benchmarks and the tests.

use std::collections::BTreeMap;
use std::net::UdpSocket;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result, anyhow};
use protocol::notice::ReturnDefinition;
use protocol::{Notice, NoticeBody, Signed};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use topology::{DivisionCode, Topology};

use crate::clock;
use crate::directory::{self, NodeDirectory};
use crate::driver::{self, NodeHandle, RunOptions};

/// Reconnection delays used in a local tree: nodes start in any order, and a child should find
/// its parent within a fraction of a second.
const LOCAL_RETRY_MS_MIN: u64 = 20;
const LOCAL_RETRY_MS_MAX: u64 = 500;

/// A node of the tree, running.
#[derive(Debug)]
pub struct RunningNode {
    pub handle: Arc<NodeHandle>,
    pub directory: NodeDirectory,
    shutdown: CancellationToken,
    task: JoinHandle<Result<()>>,
}

/// A tree on disk, not yet running.
#[derive(Debug)]
pub struct PreparedTree {
    pub root_directory: PathBuf,
    pub topology: Topology,
    sockets: BTreeMap<DivisionCode, UdpSocket>,
}

/// A tree whose nodes are running.
#[derive(Debug)]
pub struct LocalTree {
    pub root_directory: PathBuf,
    pub topology: Topology,
    pub nodes: BTreeMap<DivisionCode, RunningNode>,
}

/// A small tree cut from Ningxia: Yinchuan (640100000000) as the root and its first `n_counties`
/// counties, for tests and benchmarks that need a parent and a few children.
pub fn ningxia_city_with_counties(n_counties: usize) -> Result<Topology> {
    let ningxia = topology::ningxia();
    let city = DivisionCode::parse("640100000000")?;
    let counties: Vec<DivisionCode> = ningxia
        .children_of(city)
        .iter()
        .copied()
        .take(n_counties)
        .collect();
    let entries = ningxia
        .iter()
        .filter(|entry| entry.code == city || counties.contains(&entry.code))
        .cloned()
        .map(|mut entry| {
            if entry.code == city {
                entry.parent = None;
            }
            entry
        })
        .collect();
    // The name is signed into the topology, so it is the same whatever the language.
    let name = rust_i18n::t!(
        "node.local_tree.tree_name",
        locale = "zh-CN",
        count = n_counties
    );
    Ok(Topology::from_entries(1, name.into_owned(), entries)?)
}

/// Creates a directory and key for every node of `template` under `root_directory`, binds a
/// loopback socket for every node that has children, and signs the completed topology with the
/// root's key.
pub fn prepare(template: &Topology, root_directory: &Path) -> Result<PreparedTree> {
    let mut topology = template.clone();
    let codes: Vec<DivisionCode> = topology.iter().map(|entry| entry.code).collect();
    let mut keys = BTreeMap::new();
    let mut sockets = BTreeMap::new();
    for code in &codes {
        let key = directory::generate_key()?;
        topology.set_public_key(*code, directory::public_key(&key))?;
        if !topology.children_of(*code).is_empty() {
            let socket = driver::bind_socket("127.0.0.1:0", code.as_str())?;
            let address = socket.local_addr()?;
            topology.set_address(*code, address.to_string())?;
            sockets.insert(*code, socket);
        }
        keys.insert(*code, key);
    }
    let root = topology.root().code;
    topology.sign(&keys[&root])?;
    std::fs::create_dir_all(root_directory).with_context(|| {
        crate::t!(
            "node.local_tree.cannot_create",
            dir = root_directory.display()
        )
        .into_owned()
    })?;
    std::fs::write(
        root_directory.join("topology.toml"),
        topology.to_toml_string(),
    )?;
    for code in &codes {
        directory::init(
            &root_directory.join(code.as_str()),
            &topology,
            *code,
            &keys[code],
        )?;
    }
    define_demo_returns(&topology, &keys[&root], root_directory)?;
    Ok(PreparedTree {
        root_directory: root_directory.to_path_buf(),
        topology,
        sockets,
    })
}

/// The deadline of the demo's returns, the end of this day in Beijing.
/// The period of the demo's returns and sample ledgers.
pub const DEMO_PERIOD: schemas::Period = schemas::Period::Year(2025);

pub const DEMO_DEADLINE: &str = "2026-03-31";

/// Defines the demo's returns (every ledger for [`DEMO_PERIOD`]) as the root would, and gives
/// every node the signed definitions, as if they had come down the tree: a local tree can submit
/// at once.
fn define_demo_returns(
    topology: &Topology,
    root_key: &ed25519_dalek::SigningKey,
    root_directory: &Path,
) -> Result<()> {
    let deadline_ms = clock::end_of_day_ms(DEMO_DEADLINE).expect("the demo deadline is a date");
    let definitions: Vec<Signed<Notice>> = schemas::Ledger::ALL
        .iter()
        .map(|ledger| {
            Signed::sign(
                Notice {
                    signer: topology.root().code,
                    time_ms: clock::unix_ms(),
                    body: NoticeBody::Definition(ReturnDefinition {
                        ledger: *ledger,
                        period: DEMO_PERIOD,
                        deadline_ms,
                        blocking_rules: Vec::new(),
                        coefficients_version: schemas::coefficients::current().version().to_owned(),
                        revision: 1,
                        choices: protocol::notice::ReturnChoices::default(),
                    }),
                },
                root_key,
                topology,
            )
        })
        .collect::<Result<_, _>>()?;
    for entry in topology.iter() {
        let mut core =
            NodeDirectory::existing(&root_directory.join(entry.code.as_str()))?.open_core()?;
        for definition in &definitions {
            core.put_notice(definition)?;
        }
    }
    Ok(())
}

impl PreparedTree {
    /// Starts every node in the current tokio runtime.
    pub fn start(mut self, control_sockets: bool) -> Result<LocalTree> {
        let mut nodes = BTreeMap::new();
        for entry in self.topology.iter() {
            let code = entry.code;
            let node_directory = NodeDirectory::existing(&self.root_directory.join(code.as_str()))?;
            let handle = Arc::new(NodeHandle::new(node_directory.open_core()?));
            let shutdown = CancellationToken::new();
            let options = RunOptions {
                socket: self.sockets.remove(&code),
                listen: None,
                control: control_sockets.then(|| {
                    (
                        node_directory.control_socket_path(),
                        crate::operations::control_handler(handle.clone()),
                    )
                }),
                retry_ms_min: LOCAL_RETRY_MS_MIN,
                retry_ms_max: LOCAL_RETRY_MS_MAX,
            };
            let task = tokio::spawn(driver::run(handle.clone(), options, shutdown.clone()));
            nodes.insert(
                code,
                RunningNode {
                    handle,
                    directory: node_directory,
                    shutdown,
                    task,
                },
            );
        }
        Ok(LocalTree {
            root_directory: self.root_directory,
            topology: self.topology,
            nodes,
        })
    }
}

impl LocalTree {
    pub fn node(&self, code: DivisionCode) -> Result<&RunningNode> {
        self.nodes
            .get(&code)
            .ok_or_else(|| anyhow!(crate::t!("node.local_tree.not_in_tree", code = code)))
    }

    /// Serves the web console of one node of the tree at `address` (port 0: any free port) until
    /// the tree shuts down; `None` when the port is taken.
    pub async fn serve_console(
        &self,
        code: DivisionCode,
        address: &str,
    ) -> Result<Option<crate::console::ConsoleHandle>> {
        let node = self.node(code)?;
        let settings = crate::directory::ConsoleSettings {
            address: address.to_owned(),
            ..crate::directory::ConsoleSettings::default()
        };
        crate::console::start(
            node.handle.clone(),
            &settings,
            node.directory.root(),
            node.shutdown.child_token(),
        )
        .await
    }

    /// The root node.
    pub fn root(&self) -> &RunningNode {
        &self.nodes[&self.topology.root().code]
    }

    /// Stops every node and waits for each to finish.
    pub async fn shutdown(self) -> Result<()> {
        for node in self.nodes.values() {
            node.shutdown.cancel();
        }
        for (code, node) in self.nodes {
            node.task
                .await
                .map_err(|join_error| {
                    anyhow!(crate::t!(
                        "node.local_tree.node_panicked",
                        code = code,
                        error = join_error
                    ))
                })?
                .with_context(|| {
                    crate::t!("node.local_tree.node_failed", code = code).into_owned()
                })?;
        }
        Ok(())
    }
}
