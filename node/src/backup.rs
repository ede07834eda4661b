//! `huizong backup` and `huizong restore --from-backup`: a node's whole store and its directory's
//! files in one verified file, and a node rebuilt from it.
//!
//! A backup is taken under the core's lock (on a running node, through the control socket), so it
//! is one consistent state of every tree: documents and drafts, submissions, rollups, notices,
//! sync states and the accounts and settings kept in the store's meta tree. It holds `node.toml`
//! and `topology.toml`, and the node's secret key only when asked (`--with-key`). The file is
//! written beside its destination with mode 0600, flushed and renamed into place, then read back:
//! its checksum, its decoding, and the store it holds opened as a node and verified like any.
//!
//! The file: [`MAGIC`], the SHA-256 of the body, then the body (postcard of [`BackupContents`]).
//!
//! A restore writes the backup's store into a fresh store (a corrupt one is moved aside, never
//! deleted; a usable one refuses the restore), puts back the files the directory lacks, and
//! starts the node's recovery (`core::recovery`): before it signs anything, its children give back
//! what it lost after the backup was taken.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use ed25519_dalek::SigningKey;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use topology::DivisionCode;

use crate::core::NodeCore;
use crate::core::recovery::RecoveryStart;
use crate::directory::NodeDirectory;
use crate::store::{Batch, Durability, Entries, MemoryStore, SledStore, Store, Tree};

/// The first bytes of every backup file.
pub const MAGIC: &[u8] = b"HUIZONG-BACKUP\n";

/// The version of the backup file's layout.
pub const BACKUP_FORMAT: u32 = 1;

/// What a backup file holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackupContents {
    pub format: u32,
    pub node: DivisionCode,
    /// When the snapshot was taken, Unix milliseconds.
    pub taken_at_ms: i64,
    /// The directory's files, by name (`node.toml`, `topology.toml`, and with the key
    /// `node.key` and a waiting `node.key.next`).
    pub files: Vec<(String, Vec<u8>)>,
    /// Every tree of the store, by name, with all its entries.
    pub trees: Vec<(String, Entries)>,
}

impl BackupContents {
    /// Whether the node's secret key is in the backup.
    pub fn has_key(&self) -> bool {
        self.file("node.key").is_some()
    }

    pub fn file(&self, name: &str) -> Option<&[u8]> {
        self.files
            .iter()
            .find(|(file, _)| file == name)
            .map(|(_, bytes)| bytes.as_slice())
    }

    fn entries(&self, tree: Tree) -> usize {
        self.trees
            .iter()
            .find(|(name, _)| name == tree.name())
            .map_or(0, |(_, entries)| entries.len())
    }
}

/// What a backup holds and where it went, for the operator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackupSummary {
    pub node: DivisionCode,
    pub file: String,
    pub bytes: u64,
    /// SHA-256 of the body, in hex, as the file carries it.
    pub sha256: String,
    pub taken_at_ms: i64,
    pub with_key: bool,
    pub own_documents: usize,
    pub submissions: usize,
    pub rollups: usize,
    pub notices: usize,
    pub accounts: usize,
    /// Read back, decoded, opened as a node and verified.
    pub verified: bool,
}

/// Takes a snapshot of `core` (the caller holds it, so nothing writes meanwhile) and the files of
/// `directory`, and writes it to `out` (mode 0600, never over an existing file).
pub fn write_backup(
    directory: &NodeDirectory,
    core: &NodeCore,
    out: &Path,
    with_key: bool,
    now_ms: i64,
) -> Result<BackupSummary> {
    if out.exists() {
        bail!(crate::t!("node.backup.exists", file = out.display()));
    }
    let mut files = Vec::new();
    let mut names = vec![
        (directory.config_path(), "node.toml"),
        (directory.topology_path(), "topology.toml"),
    ];
    if with_key {
        names.push((directory.key_path(), "node.key"));
        names.push((directory.next_key_path(), "node.key.next"));
    }
    for (path, name) in names {
        match std::fs::read(&path) {
            Ok(bytes) => files.push((name.to_owned(), bytes)),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound && name != "node.key" => {}
            Err(error) => bail!(crate::t!(
                "node.backup.cannot_read",
                file = path.display(),
                reason = error
            )),
        }
    }
    let mut trees = Vec::new();
    for tree in Tree::ALL {
        trees.push((tree.name().to_owned(), core.store().scan_prefix(tree, &[])?));
    }
    let contents = BackupContents {
        format: BACKUP_FORMAT,
        node: core.code(),
        taken_at_ms: now_ms,
        files,
        trees,
    };
    let body = postcard::to_stdvec(&contents).expect("byte vectors and strings always encode");
    let digest = Sha256::digest(&body);
    let partial = partial_path(out);
    let written = (|| -> std::io::Result<()> {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(&partial)?;
        file.write_all(MAGIC)?;
        file.write_all(&digest)?;
        file.write_all(&body)?;
        file.sync_all()?;
        std::fs::rename(&partial, out)
    })();
    if let Err(error) = written {
        let _ = std::fs::remove_file(&partial);
        bail!(crate::t!(
            "node.backup.cannot_write",
            file = out.display(),
            reason = crate::store::disk::explain_io_error(out, &error)
        ));
    }
    let meta = contents
        .trees
        .iter()
        .find(|(name, _)| name == Tree::Meta.name())
        .map(|(_, entries)| entries.as_slice())
        .unwrap_or_default();
    Ok(BackupSummary {
        node: contents.node,
        file: out.display().to_string(),
        bytes: (MAGIC.len() + digest.len() + body.len()) as u64,
        sha256: hex(&digest),
        taken_at_ms: now_ms,
        with_key,
        own_documents: core.own_document_keys()?.len(),
        submissions: contents.entries(Tree::Submissions),
        rollups: contents.entries(Tree::Rollups),
        notices: contents.entries(Tree::Notices),
        accounts: meta
            .iter()
            .filter(|(key, _)| key.starts_with(crate::core::accounts::ACCOUNT_PREFIX))
            .count(),
        verified: false,
    })
}

/// Where a backup is written before it is renamed into place.
fn partial_path(out: &Path) -> PathBuf {
    let mut name = out.file_name().unwrap_or_default().to_os_string();
    name.push(".partial");
    out.with_file_name(name)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// Reads a backup file: its marker, its checksum and its decoding, nothing more.
pub fn read_backup(path: &Path) -> Result<BackupContents> {
    let bytes = std::fs::read(path).map_err(|error| {
        anyhow!(crate::t!(
            "node.backup.cannot_read",
            file = path.display(),
            reason = error
        ))
    })?;
    let broken = |reason: String| {
        anyhow!(crate::t!(
            "node.backup.broken",
            file = path.display(),
            reason = reason
        ))
    };
    let rest = bytes
        .strip_prefix(MAGIC)
        .ok_or_else(|| broken(crate::t!("node.backup.reason.not_a_backup").into_owned()))?;
    if rest.len() < 32 {
        return Err(broken(
            crate::t!("node.backup.reason.truncated").into_owned(),
        ));
    }
    let (digest, body) = rest.split_at(32);
    if Sha256::digest(body).as_slice() != digest {
        return Err(broken(
            crate::t!("node.backup.reason.checksum").into_owned(),
        ));
    }
    let contents: BackupContents = protocol::encoding::decode_exact(body).map_err(broken)?;
    if contents.format != BACKUP_FORMAT {
        return Err(broken(
            crate::t!(
                "node.backup.reason.format",
                found = contents.format,
                supported = BACKUP_FORMAT
            )
            .into_owned(),
        ));
    }
    for (name, _) in &contents.trees {
        if !Tree::ALL.iter().any(|tree| tree.name() == name) {
            return Err(broken(
                crate::t!("node.backup.reason.unknown_tree", tree = name).into_owned(),
            ));
        }
    }
    Ok(contents)
}

/// All the backup's entries as one batch for an empty store.
fn store_batch(contents: &BackupContents) -> Batch {
    let mut batch = Batch::new();
    for (name, entries) in &contents.trees {
        let tree = *Tree::ALL
            .iter()
            .find(|tree| tree.name() == name)
            .expect("read_backup checked every tree's name");
        for (key, value) in entries {
            batch.put(tree, key.clone(), value.clone());
        }
    }
    batch
}

/// The topology the backup's directory held.
fn backup_topology(contents: &BackupContents) -> Result<topology::Topology> {
    let text = contents
        .file("topology.toml")
        .ok_or_else(|| anyhow!(crate::t!("node.backup.no_topology")))?;
    let text = std::str::from_utf8(text).map_err(|error| anyhow!(error.to_string()))?;
    topology::Topology::from_toml_str(text, "topology.toml")
        .map_err(|error| anyhow!(error.to_string()))
}

/// Reads a backup back and opens the store it holds as the node (in memory), verifying every
/// signature and figure as `huizong verify` does. `key` is the node's key when the backup does
/// not carry it.
pub fn verify_backup(path: &Path, key: &SigningKey) -> Result<crate::core::VerifyReport> {
    let contents = read_backup(path)?;
    let store = MemoryStore::new();
    store.apply(&store_batch(&contents), Durability::Flush)?;
    let core = NodeCore::new(
        contents.node,
        key.clone(),
        backup_topology(&contents)?,
        Box::new(store),
    )
    .map_err(|error| {
        anyhow!(crate::t!(
            "node.backup.does_not_open",
            file = path.display(),
            reason = error
        ))
    })?;
    core.verify().map_err(|failure| {
        anyhow!(crate::t!(
            "node.backup.does_not_verify",
            file = path.display(),
            reason = failure
        ))
    })
}

/// What a restore from a backup did and what it could not bring back, for the operator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackupRestoreReport {
    pub node: DivisionCode,
    pub backup: String,
    pub taken_at_ms: i64,
    /// What the store was before: `missing`, `empty` or `corrupt`.
    pub store_was: String,
    pub moved_aside_to: Option<String>,
    /// Files of the directory written from the backup (those it lacked).
    pub files_written: Vec<String>,
    pub submissions: usize,
    pub rollups: usize,
    pub notices: usize,
    pub recovery: RecoveryStart,
}

/// Rebuilds the node in `dir` from a backup file. See the module documentation.
pub fn restore_from_backup(dir: &Path, file: &Path, now_ms: i64) -> Result<BackupRestoreReport> {
    let contents = read_backup(file)?;
    if crate::driver::is_running(&dir.join("control.sock")) {
        bail!(crate::t!("node.restore.node_running", dir = dir.display()));
    }
    // Nothing is written unless the node's key will be there: in the directory or the backup.
    if !dir.join("node.key").exists() && !contents.has_key() {
        bail!(crate::t!("node.backup.key_needed", file = file.display()));
    }
    if !dir.exists() {
        crate::directory::create_private_directory(dir).map_err(|error| {
            anyhow!(crate::t!(
                "node.backup.cannot_write",
                file = dir.display(),
                reason = error
            ))
        })?;
    }
    let mut files_written = Vec::new();
    for (name, bytes) in &contents.files {
        let path = dir.join(name);
        if path.exists() {
            continue;
        }
        if name.starts_with("node.key") {
            crate::directory::write_private_file(&path, bytes)?;
        } else {
            std::fs::write(&path, bytes).map_err(|error| {
                anyhow!(crate::t!(
                    "node.backup.cannot_write",
                    file = path.display(),
                    reason = error
                ))
            })?;
        }
        files_written.push(name.clone());
    }
    let directory = NodeDirectory::existing(dir)?;
    let key = directory
        .read_key()
        .with_context(|| crate::t!("node.backup.key_needed", file = file.display()).into_owned())?;
    let topology = directory.read_topology()?;
    let config = directory.read_config()?;
    if config.code != contents.node {
        bail!(crate::t!(
            "node.backup.other_node",
            file = file.display(),
            backup_node = contents.node,
            node = config.code
        ));
    }
    let store_path = directory.store_path();
    let state = crate::driver::restore::examine_store(&store_path, config.code, &key, &topology)?;
    let (store_was, moved_aside_to) = match state {
        crate::driver::restore::StoreState::Missing => ("missing", None),
        crate::driver::restore::StoreState::Empty => {
            let aside = crate::driver::restore::move_aside(&store_path)?;
            ("empty", Some(aside))
        }
        crate::driver::restore::StoreState::Corrupt(..) => {
            let aside = crate::driver::restore::move_aside(&store_path)?;
            ("corrupt", Some(aside))
        }
    };
    crate::directory::create_private_directory(&store_path).map_err(|error| {
        anyhow!(crate::t!(
            "node.backup.cannot_write",
            file = store_path.display(),
            reason = error
        ))
    })?;
    {
        let store = SledStore::open(&store_path)?;
        store.apply(&store_batch(&contents), Durability::Flush)?;
    }
    let mut core = directory.open_core().with_context(|| {
        crate::t!(
            "node.backup.does_not_open",
            file = file.display(),
            reason = ""
        )
        .into_owned()
    })?;
    core.set_wall_clock(now_ms);
    let recovery = core.begin_recovery(contents.taken_at_ms, now_ms)?;
    Ok(BackupRestoreReport {
        node: contents.node,
        backup: file.display().to_string(),
        taken_at_ms: contents.taken_at_ms,
        store_was: store_was.to_owned(),
        moved_aside_to,
        files_written,
        submissions: contents.entries(Tree::Submissions),
        rollups: contents.entries(Tree::Rollups),
        notices: contents.entries(Tree::Notices),
        recovery,
    })
}
