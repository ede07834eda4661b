//! The node directory: everything one node keeps on disk, and how it is created and opened.
//!
//! ```text
//! <dir>/node.toml       which node this is, and sync settings
//! <dir>/node.key        the node's ed25519 secret key (base64), readable by the owner only
//! <dir>/node.key.next   the key made in advance for the next rotation (`huizong key new`)
//! <dir>/node.key.retired-<version>   a key the node signed with until that topology version
//! <dir>/topology.toml   the signed topology in force
//! <dir>/store/          the sled database
//! <dir>/control.sock    while `huizong run` is running: where the CLI sends commands
//! <dir>/console.crt, console.key   the web console's ECDSA P-256 certificate, made by the node
//!                       when the console listens beyond loopback and none is given
//! ```

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use ed25519_dalek::SigningKey;
use serde::{Deserialize, Serialize};
use topology::{DivisionCode, PublicKey, Topology};

use crate::core::NodeCore;
use crate::store::{SledStore, StoreError, disk};
use crate::t;
/// The `[reporting_unit]` section of node.toml.
pub use schemas::returns::ReportingUnit;

/// Retry delays towards the parent, in milliseconds.
pub const RETRY_MS_MIN_DEFAULT: u64 = 200;
/// A county office whose link drops retries at least this often; long enough not to flood a city
/// that is restarting, short enough that a clerk sees the upload start within seconds.
pub const RETRY_MS_MAX_DEFAULT: u64 = 5_000;

/// `node.toml`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeConfig {
    /// The node's 12-digit division code.
    pub code: DivisionCode,
    /// Where to listen, when it differs from the address the topology publishes (for example
    /// `0.0.0.0:47000` behind a NAT that publishes the outside address).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub listen: Option<String>,
    /// First delay before reconnecting to the parent.
    #[serde(default = "default_retry_ms_min")]
    pub retry_ms_min: u64,
    /// Longest delay between reconnection attempts.
    #[serde(default = "default_retry_ms_max")]
    pub retry_ms_max: u64,
    /// Bounds that differ from the production ones: only the attack tests set these, so that
    /// they do not wait out production timeouts (`[limits]` in node.toml).
    #[serde(default, skip_serializing_if = "LimitOverrides::is_empty")]
    pub limits: LimitOverrides,
    /// The web console (`[console]` in node.toml).
    #[serde(default)]
    pub console: ConsoleSettings,
    /// Who reports (`[reporting_unit]` in node.toml, 填报单位): printed on the returns' forms.
    #[serde(default, skip_serializing_if = "ReportingUnit::is_empty")]
    pub reporting_unit: ReportingUnit,
    /// How `huizong run` logs (`[log]` in node.toml).
    #[serde(default, skip_serializing_if = "LogSettings::is_default")]
    pub log: LogSettings,
    /// Where the metrics and health endpoints serve (`[metrics]` in node.toml).
    #[serde(
        default,
        skip_serializing_if = "crate::metrics::MetricsSettings::is_default"
    )]
    pub metrics: crate::metrics::MetricsSettings,
}

/// How the running node logs (`[log]` in node.toml). Lines go to standard error, for journald or
/// a file; colours only when it is a terminal. `HUIZONG_LOG`, else `RUST_LOG`, overrides `level`
/// with a full filter (such as `info,node::driver=debug`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogSettings {
    /// `text` (one readable line an event, the default) or `json` (one JSON object a line, for a
    /// log collector).
    #[serde(default)]
    pub format: LogFormat,
    /// The least severe level written: `error`, `warn`, `info` (the default), `debug` or `trace`.
    #[serde(default = "default_log_level")]
    pub level: String,
}

/// The shape of a log line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogFormat {
    /// One readable line an event.
    #[default]
    Text,
    /// One JSON object a line.
    Json,
    /// One logfmt line an event: `ts=… level=info target=… node=… … msg="…"`, every field a
    /// `key=value` pair that log shippers (Loki, Vector) read without a pattern.
    Logfmt,
}

fn default_log_level() -> String {
    "info".to_owned()
}

impl Default for LogSettings {
    fn default() -> Self {
        LogSettings {
            format: LogFormat::Text,
            level: default_log_level(),
        }
    }
}

impl LogSettings {
    fn is_default(&self) -> bool {
        *self == Self::default()
    }
}

/// Where the web console listens (`[console]` in node.toml). Every field has a default: a node
/// serves its console on 127.0.0.1 unless told otherwise.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsoleSettings {
    /// `host:port` to serve on, or `off`. Any address other than loopback requires TLS.
    #[serde(default = "default_console_address")]
    pub address: String,
    /// A PEM certificate chain the operator gives (with `private_key`); without one, a node
    /// serving beyond loopback makes its own ECDSA P-256 certificate (`console.crt`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate: Option<PathBuf>,
    /// The PEM private key of `certificate`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_key: Option<PathBuf>,
    /// TLS: unset serves loopback plainly and anything else over TLS; `true` uses TLS on
    /// loopback too; `false` beyond loopback is refused at start (passwords would cross the
    /// network in clear).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls: Option<bool>,
}

/// The console's port unless node.toml says otherwise: one above the common 8080s, unregistered.
pub const CONSOLE_ADDRESS_DEFAULT: &str = "127.0.0.1:8640";

fn default_console_address() -> String {
    CONSOLE_ADDRESS_DEFAULT.to_owned()
}

impl Default for ConsoleSettings {
    fn default() -> Self {
        ConsoleSettings {
            address: default_console_address(),
            certificate: None,
            private_key: None,
            tls: None,
        }
    }
}

impl ConsoleSettings {
    /// Whether the console is switched off (`address = "off"`).
    pub fn is_off(&self) -> bool {
        self.address.trim().eq_ignore_ascii_case("off")
    }
}

/// Overrides of the node's timeouts and budgets (see `protocol::limits` and
/// `driver::node_handle`). Every one is optional; none is needed in production.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitOverrides {
    pub reply_timeout_ms: Option<u64>,
    pub frame_grace_ms: Option<u64>,
    pub frame_min_bytes_per_second: Option<u64>,
    pub sync_stall_timeout_ms: Option<u64>,
    pub max_misbehaviour_refusals: Option<u32>,
    pub hold_off_ms_min: Option<u64>,
    pub hold_off_ms_max: Option<u64>,
}

impl LimitOverrides {
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// The session bounds with these overrides applied.
    pub fn apply(&self, limits: &mut protocol::limits::SessionLimits) {
        if let Some(value) = self.reply_timeout_ms {
            limits.reply_timeout_ms = value;
        }
        if let Some(value) = self.frame_grace_ms {
            limits.frame_grace_ms = value;
        }
        if let Some(value) = self.frame_min_bytes_per_second {
            limits.frame_min_bytes_per_second = value;
        }
        if let Some(value) = self.sync_stall_timeout_ms {
            limits.sync_stall_timeout_ms = value;
        }
        if let Some(value) = self.max_misbehaviour_refusals {
            limits.max_misbehaviour_refusals = value;
        }
    }
}

fn default_retry_ms_min() -> u64 {
    RETRY_MS_MIN_DEFAULT
}

fn default_retry_ms_max() -> u64 {
    RETRY_MS_MAX_DEFAULT
}

/// The paths of one node directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeDirectory {
    root: PathBuf,
}

impl NodeDirectory {
    /// A directory that `huizong init` made.
    pub fn existing(root: &Path) -> Result<Self> {
        if !root.is_dir() {
            bail!(t!("node.directory.missing", dir = root.display()));
        }
        let directory = Self {
            root: root.to_path_buf(),
        };
        if !directory.config_path().is_file() {
            bail!(t!(
                "node.directory.not_a_node_directory",
                dir = root.display()
            ));
        }
        Ok(directory)
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn config_path(&self) -> PathBuf {
        self.root.join("node.toml")
    }

    pub fn key_path(&self) -> PathBuf {
        self.root.join("node.key")
    }

    pub fn topology_path(&self) -> PathBuf {
        self.root.join("topology.toml")
    }

    pub fn store_path(&self) -> PathBuf {
        self.root.join("store")
    }

    pub fn control_socket_path(&self) -> PathBuf {
        self.root.join("control.sock")
    }

    pub fn next_key_path(&self) -> PathBuf {
        self.root.join("node.key.next")
    }

    /// The next key, when one waits (`huizong key new`).
    pub fn read_next_key(&self) -> Result<Option<SigningKey>> {
        let path = self.next_key_path();
        if !path.exists() {
            return Ok(None);
        }
        check_key_file_private(&path)?;
        Ok(Some(read_key(&path)?))
    }

    /// Makes the next key, for a rotation the root will publish: refuses when one already waits.
    /// Returns its public half, for the root's operator.
    pub fn make_next_key(&self) -> Result<PublicKey> {
        let key = generate_key()?;
        write_key(&self.next_key_path(), &key).map_err(|error| {
            anyhow!(t!(
                "node.directory.next_key_waits",
                error = format!("{error:#}"),
                file = self.next_key_path().display()
            ))
        })?;
        Ok(public_key(&key))
    }

    /// Once the topology in force names the next key as this node's, makes it `node.key` and
    /// keeps the old one as `node.key.retired-<version>`. Each step is a rename, so a crash
    /// between them leaves both keys on disk and the next start finishes the move.
    pub fn promote_next_key(&self, topology_version: u64) -> Result<()> {
        let next = self.next_key_path();
        if !next.exists() {
            return Ok(());
        }
        let retired = self
            .root
            .join(format!("node.key.retired-{topology_version}"));
        if self.key_path().exists() {
            fs::rename(self.key_path(), &retired).with_context(|| {
                t!(
                    "node.directory.cannot_keep_old_key",
                    file = retired.display()
                )
                .into_owned()
            })?;
        }
        fs::rename(&next, self.key_path()).with_context(|| {
            t!("node.directory.cannot_promote_key", file = next.display()).into_owned()
        })?;
        Ok(())
    }

    /// Writes the topology in force over `topology.toml` (through a temporary file renamed into
    /// place), so that the file an operator reads is the one the node holds.
    pub fn write_topology(&self, topology: &Topology) -> Result<()> {
        let path = self.topology_path();
        let staging = self.root.join(".topology.toml.new");
        write_file(&self.root, &staging, &topology.to_toml_string())?;
        fs::rename(&staging, &path).with_context(|| {
            t!("node.directory.cannot_replace", file = path.display()).into_owned()
        })?;
        Ok(())
    }

    pub fn read_config(&self) -> Result<NodeConfig> {
        let path = self.config_path();
        let text = fs::read_to_string(&path)
            .with_context(|| t!("errors.cannot_read", file = path.display()).into_owned())?;
        toml::from_str(&text).map_err(|error| {
            anyhow!(t!(
                "node.directory.file_problem",
                file = path.display(),
                reason = error.message()
            ))
        })
    }

    pub fn read_topology(&self) -> Result<Topology> {
        read_topology(&self.topology_path())
    }

    pub fn read_key(&self) -> Result<SigningKey> {
        read_key(&self.key_path())
    }

    /// Opens the node's core over its sled store. Fails if another process has the store open,
    /// or if the store is gone: a node that quietly started over with an empty store would sign
    /// its documents again from sequence 1, which its parent ignores as older than what it holds.
    pub fn open_core(&self) -> Result<NodeCore> {
        let store_path = self.store_path();
        if !store_path.exists() {
            bail!(t!(
                "node.directory.store_missing",
                store = store_path.display(),
                dir = self.root.display()
            ));
        }
        self.open_core_creating()
    }

    /// Opens the node's core, creating the store if there is none (for `init`).
    fn open_core_creating(&self) -> Result<NodeCore> {
        let config = self.read_config()?;
        let topology = self.read_topology()?;
        let key = self.read_key()?;
        let store_path = self.store_path();
        // The store's directory is private before sled writes anything into it.
        create_private_directory(&store_path).map_err(|error| {
            anyhow!(t!(
                "node.directory.cannot_create_store_directory",
                dir = store_path.display(),
                reason = disk::explain_io_error(&store_path, &error)
            ))
        })?;
        let store = open_store_waiting(&store_path)?;
        let next = self.read_next_key()?;
        let reporting_unit = config.reporting_unit.clone();
        let opened = NodeCore::new(config.code, key, topology.clone(), Box::new(store));
        let mut core = match (opened, next) {
            (Ok(core), next) => {
                let mut core = core;
                core.set_next_key(next);
                core
            }
            // The topology in force names the next key: the node switched to it and stopped
            // before the files were renamed. Open with the next key and finish the move.
            (Err(crate::core::CoreError::KeyMismatch { .. }), Some(next)) => {
                let store = open_store_waiting(&store_path)?;
                let core = NodeCore::new(config.code, next, topology, Box::new(store))
                    .with_context(|| self.open_error(config.code))?;
                self.promote_next_key(core.topology().version())?;
                core
            }
            (Err(error), _) => return Err(error).with_context(|| self.open_error(config.code)),
        };
        if core.signing_key_is_current()
            && self.next_key_path().exists()
            && core.next_public_key().is_none()
        {
            // The core switched to the next key as it opened (the topology names it).
            self.promote_next_key(core.topology().version())?;
        }
        if let Some(note) = core.topology_file_not_used() {
            // Kept for whoever looks into how it got there, and replaced by the one in force.
            let refused = self.root.join(format!(
                "topology.toml.refused-{}",
                crate::clock::unix_ms() / 1000
            ));
            tracing::warn!("{note}; kept as {}", refused.display());
            fs::rename(self.topology_path(), &refused).with_context(|| {
                t!(
                    "node.directory.cannot_move_topology",
                    file = refused.display()
                )
                .into_owned()
            })?;
            self.write_topology(core.topology())?;
        } else if core.topology().digest() != self.read_topology()?.digest() {
            self.write_topology(core.topology())?;
        }
        core.set_wall_clock(crate::clock::unix_ms());
        core.set_reporting_unit(reporting_unit);
        Ok(core)
    }

    fn open_error(&self, code: DivisionCode) -> String {
        t!(
            "node.directory.cannot_open_node",
            code = code,
            dir = self.root.display()
        )
        .into_owned()
    }
}

/// How long opening a store waits for another process to let go of it: a `huizong status` run
/// by hand while the node starts holds the store for a moment, and must not stop the node.
const STORE_LOCK_WAIT: Duration = Duration::from_secs(10);

/// Opens the sled store, waiting a little if another short-lived process holds it.
fn open_store_waiting(path: &Path) -> Result<SledStore> {
    let started = Instant::now();
    loop {
        match SledStore::open(path) {
            Err(StoreError::Locked { .. }) if started.elapsed() < STORE_LOCK_WAIT => {
                std::thread::sleep(Duration::from_millis(50));
            }
            result => return Ok(result?),
        }
    }
}

/// Reads and validates a topology file.
pub fn read_topology(path: &Path) -> Result<Topology> {
    let text = fs::read_to_string(path)
        .with_context(|| t!("errors.cannot_read", file = path.display()).into_owned())?;
    Ok(Topology::from_toml_str(&text, &path.display().to_string())?)
}

/// Reads a key file written by [`write_new_key`].
pub fn read_key(path: &Path) -> Result<SigningKey> {
    let text = fs::read_to_string(path).with_context(|| {
        t!("node.directory.cannot_read_key", file = path.display()).into_owned()
    })?;
    let bytes = BASE64.decode(text.trim()).map_err(|error| {
        anyhow!(t!(
            "node.directory.key_not_base64",
            file = path.display(),
            error = error
        ))
    })?;
    let seed: [u8; 32] = bytes.as_slice().try_into().map_err(|_| {
        anyhow!(t!(
            "node.directory.key_wrong_length",
            file = path.display(),
            length = bytes.len()
        ))
    })?;
    Ok(SigningKey::from_bytes(&seed))
}

/// Refuses a key file that users other than its owner may read or write: anyone who can read it
/// can sign for this node. Says how to fix it.
pub fn check_key_file_private(path: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let metadata = fs::metadata(path).with_context(|| {
            t!("node.directory.cannot_read_key", file = path.display()).into_owned()
        })?;
        let mode = metadata.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            bail!(t!(
                "node.directory.key_not_private",
                file = path.display(),
                mode = format!("{mode:04o}")
            ));
        }
    }
    Ok(())
}

/// Creates a directory (and any missing parents) that only its owner may enter: mode 0700 from
/// the moment it exists. An existing directory is made private too.
pub fn create_private_directory(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        if path.is_dir() {
            return fs::set_permissions(path, fs::Permissions::from_mode(0o700));
        }
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(path)
    }
    #[cfg(not(unix))]
    {
        fs::create_dir_all(path)
    }
}

/// A fresh key from the operating system's random source.
pub fn generate_key() -> Result<SigningKey> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed)
        .map_err(|error| anyhow!(t!("node.directory.no_random_source", error = error)))?;
    Ok(SigningKey::from_bytes(&seed))
}

/// Writes a new secret file (a key in PEM) readable by the owner only; refuses to overwrite one.
pub fn write_private_file(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options
        .open(path)
        .and_then(|mut file| file.write_all(bytes).and_then(|()| file.sync_all()))
        .map_err(|error| {
            anyhow!(t!(
                "node.directory.cannot_create_key",
                file = path.display(),
                reason = disk::explain_io_error(path, &error)
            ))
        })
}

/// Writes a secret key readable by the owner only; refuses to overwrite a file.
pub fn write_key(path: &Path, key: &SigningKey) -> Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(|error| {
        if error.kind() == std::io::ErrorKind::AlreadyExists {
            anyhow!(t!("node.directory.key_exists", file = path.display()))
        } else {
            anyhow!(t!(
                "node.directory.cannot_create_key",
                file = path.display(),
                reason = disk::explain_io_error(path, &error)
            ))
        }
    })?;
    writeln!(file, "{}", BASE64.encode(key.to_bytes()))
        .and_then(|()| file.sync_all())
        .map_err(|error| {
            anyhow!(t!(
                "node.directory.cannot_write_key",
                file = path.display(),
                reason = disk::explain_io_error(path, &error)
            ))
        })
}

/// The public half of a key, as the topology writes it.
pub fn public_key(key: &SigningKey) -> PublicKey {
    crate::core::public_key(key)
}

/// Creates a node directory for `code` from a signed topology and the node's key.
pub fn init(
    root: &Path,
    topology: &Topology,
    code: DivisionCode,
    key: &SigningKey,
) -> Result<NodeDirectory> {
    topology
        .verify_signature()
        .map_err(|error| anyhow!(t!("node.directory.topology_not_signed", error = error)))?;
    let Some(entry) = topology.node(code) else {
        bail!(t!(
            "node.directory.node_not_in_topology",
            code = code,
            name = topology.name()
        ));
    };
    if entry.public_key.as_ref() != Some(&public_key(key)) {
        bail!(t!(
            "node.directory.key_not_in_topology",
            code = code,
            name = entry.name_zh
        ));
    }
    if root.exists() && fs::read_dir(root)?.next().is_some() {
        bail!(t!(
            "node.directory.directory_not_empty",
            dir = root.display()
        ));
    }
    let root_existed = root.exists();
    let directory = NodeDirectory {
        root: root.to_path_buf(),
    };
    // A directory half made (a full disk, a read-only mount) is removed again, so that the same
    // `huizong init` can simply be run again once the disk is fixed.
    if let Err(error) = fill_new_directory(&directory, topology, code, key) {
        directory.remove_what_init_made(root_existed);
        return Err(error);
    }
    Ok(directory)
}

/// Writes everything `init` puts into a new node directory and creates the store.
fn fill_new_directory(
    directory: &NodeDirectory,
    topology: &Topology,
    code: DivisionCode,
    key: &SigningKey,
) -> Result<()> {
    let root = directory.root();
    create_private_directory(root).map_err(|error| {
        anyhow!(t!(
            "node.directory.cannot_create_directory",
            dir = root.display(),
            reason = disk::explain_io_error(root, &error)
        ))
    })?;
    let config = NodeConfig {
        code,
        listen: None,
        retry_ms_min: RETRY_MS_MIN_DEFAULT,
        retry_ms_max: RETRY_MS_MAX_DEFAULT,
        limits: LimitOverrides::default(),
        console: ConsoleSettings::default(),
        reporting_unit: ReportingUnit::default(),
        log: LogSettings::default(),
        metrics: crate::metrics::MetricsSettings::default(),
    };
    write_config(directory, &config)?;
    write_key(&directory.key_path(), key)?;
    write_file(root, &directory.topology_path(), &topology.to_toml_string())?;
    // Opening creates the store and checks that everything fits together.
    directory.open_core_creating()?;
    Ok(())
}

impl NodeDirectory {
    /// Removes the files `init` writes (and the directory, when `init` created it). Errors are
    /// ignored: on a read-only disk nothing was written in the first place.
    fn remove_what_init_made(&self, root_existed: bool) {
        let _ = fs::remove_file(self.config_path());
        let _ = fs::remove_file(self.key_path());
        let _ = fs::remove_file(self.topology_path());
        let _ = fs::remove_dir_all(self.store_path());
        if !root_existed {
            let _ = fs::remove_dir(&self.root);
        }
    }
}

/// Writes a file of the node directory `root`, saying plainly when the disk is full or the
/// directory not writable.
fn write_file(root: &Path, path: &Path, text: &str) -> Result<()> {
    fs::write(path, text).map_err(|error| {
        anyhow!(t!(
            "node.directory.cannot_write_file",
            file = path.display(),
            reason = disk::explain_io_error(root, &error)
        ))
    })
}

/// Rewrites `node.toml`.
pub fn write_config(directory: &NodeDirectory, config: &NodeConfig) -> Result<()> {
    // A struct of strings and numbers always encodes as TOML.
    let text = toml::to_string(config).expect("node.toml always encodes");
    write_file(directory.root(), &directory.config_path(), &text)
}
