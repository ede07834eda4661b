//! What a node trusts and how it moves: the store format, the root key pinned at `init`, and the
//! topology in force.
//!
//! - The store records its format version ([`STORE_FORMAT_VERSION`]). A store written by an
//!   earlier binary is migrated when it is opened; one written by a later binary is refused, since
//!   this binary cannot know what its objects mean. Every change to a stored object or message
//!   bumps the version (and the protocol's), and `node/tests/store_format.rs` opens a store of
//!   every earlier format.
//! - `init` pins the root key of the topology it is given. From then on a topology is taken only
//!   when it verifies with the pinned key (so a re-rooted, self-signed file is refused), and a
//!   root-key handover (signed by the pinned key, naming a new root key) moves the pin forward.
//! - The topology in force is kept in the store. Versions only go up: a file or a message with a
//!   lower version (a rollback) or another topology with the same version is not taken. A newer
//!   topology arrives from the parent (or, at the root, from `huizong topology publish`) and is put
//!   in force at once.

use std::sync::Arc;

use protocol::TopologyAdoption;
use topology::{PublicKey, Topology};

use super::{CoreError, NodeCore, keys};
use crate::store::{Batch, Durability, Store, Tree};

/// The store format this binary writes. History: 1, no version recorded (until e2c68b6); 2
/// records the format, the pinned root key and the topology in force, and holds receipts; 3 adds
/// the activity log (`activity/` entries in the meta tree; a format 2 store opens with an empty
/// log, and nothing needs migrating).
pub const STORE_FORMAT_VERSION: u32 = 3;

/// Reads the store's format: `None` for a fresh store, `Some(1)` for a store written before
/// formats were recorded.
pub(super) fn stored_format(store: &dyn Store) -> Result<Option<u32>, CoreError> {
    if let Some(bytes) = store.get(Tree::Meta, keys::META_STORE_FORMAT)? {
        let bytes: [u8; 4] = bytes.as_slice().try_into().map_err(|_| {
            super::corrupt_object(
                crate::t!("node.core.object.store_format"),
                super::wrong_length(bytes.len(), 4),
            )
        })?;
        return Ok(Some(u32::from_be_bytes(bytes)));
    }
    for tree in Tree::ALL {
        if !store.scan_prefix(tree, &[])?.is_empty() {
            return Ok(Some(1));
        }
    }
    Ok(None)
}

/// Refuses a store written by a later binary.
pub(super) fn check_format(format: Option<u32>) -> Result<(), CoreError> {
    match format {
        Some(found) if found > STORE_FORMAT_VERSION => Err(CoreError::StoreFormatTooNew {
            found,
            supported: STORE_FORMAT_VERSION,
        }),
        _ => Ok(()),
    }
}

/// The topology in force when a node opens, and what to note about the file it was given.
pub(super) struct TopologyInForce {
    pub(super) topology: Arc<Topology>,
    pub(super) pinned_root_key: PublicKey,
    /// Why the file was not used, when it was not (it is older than or differs from the one held).
    pub(super) file_not_used: Option<String>,
    /// Meta entries to write (the pin and the topology), when they changed.
    pub(super) writes: Batch,
}

/// Decides the topology in force from the file a node was started with and what its store holds.
/// See the module documentation for the rules.
pub(super) fn topology_in_force(
    store: &dyn Store,
    file: Arc<Topology>,
) -> Result<TopologyInForce, CoreError> {
    let pinned = match store.get(Tree::Meta, keys::META_PINNED_ROOT_KEY)? {
        Some(bytes) => Some(read_pinned_key(&bytes)?),
        None => None,
    };
    let stored = match store.get(Tree::Meta, keys::META_TOPOLOGY)? {
        Some(bytes) => Some(read_stored_topology(&bytes)?),
        None => None,
    };
    let Some(pinned) = pinned else {
        // First use (init, or a store of format 1): the file must be signed by its own root's
        // current key, which is pinned from now on.
        file.verify_signature()
            .map_err(|error| CoreError::UnsignedTopology {
                reason: error.to_string(),
            })?;
        let root_key = root_key_of(&file)?;
        let mut writes = Batch::new();
        writes.put(
            Tree::Meta,
            keys::META_PINNED_ROOT_KEY.to_vec(),
            root_key.as_bytes().to_vec(),
        );
        writes.put(
            Tree::Meta,
            keys::META_TOPOLOGY.to_vec(),
            file.to_toml_string().into_bytes(),
        );
        return Ok(TopologyInForce {
            topology: file,
            pinned_root_key: root_key,
            file_not_used: None,
            writes,
        });
    };
    let checked = check_against_pin(&file, &pinned);
    let Some(stored) = stored else {
        // A pin without a stored topology cannot happen in a store this binary wrote.
        return Err(super::corrupt_object(
            crate::t!("node.core.object.stored_topology"),
            crate::t!("node.core.reason.pin_without_topology"),
        ));
    };
    let stored = Arc::new(stored);
    let file_not_used = match checked {
        Err(reason) => Some(
            crate::t!(
                "node.core.topology.file_not_signed",
                version = file.version(),
                reason = reason
            )
            .into_owned(),
        ),
        Ok(()) if file.version() < stored.version() => Some(
            crate::t!(
                "node.core.topology.file_older",
                version = file.version(),
                in_force = stored.version()
            )
            .into_owned(),
        ),
        Ok(()) if file.version() == stored.version() && file.digest() != stored.digest() => Some(
            crate::t!("node.core.topology.file_differs", version = file.version()).into_owned(),
        ),
        Ok(()) => None,
    };
    if file_not_used.is_some() || file.version() == stored.version() {
        return Ok(TopologyInForce {
            topology: stored,
            pinned_root_key: pinned,
            file_not_used,
            writes: Batch::new(),
        });
    }
    // A newer file signed by the pinned key: put it in force (and follow a root-key handover).
    let root_key = root_key_of(&file)?;
    let mut writes = Batch::new();
    writes.put(
        Tree::Meta,
        keys::META_TOPOLOGY.to_vec(),
        file.to_toml_string().into_bytes(),
    );
    if root_key != pinned {
        writes.put(
            Tree::Meta,
            keys::META_PINNED_ROOT_KEY.to_vec(),
            root_key.as_bytes().to_vec(),
        );
    }
    Ok(TopologyInForce {
        topology: file,
        pinned_root_key: root_key,
        file_not_used: None,
        writes,
    })
}

/// Whether `topology` is complete and signed by the pinned root key (the root's current key, or
/// a retired one handing over to a new key).
fn check_against_pin(topology: &Topology, pinned: &PublicKey) -> Result<(), String> {
    topology.verify_signed_by(pinned).map_err(|error| {
        crate::t!(
            "node.core.topology.not_signed_by_pin",
            key = pinned,
            error = error
        )
        .into_owned()
    })
}

fn root_key_of(topology: &Topology) -> Result<PublicKey, CoreError> {
    topology
        .root()
        .public_key
        .ok_or_else(|| CoreError::UnsignedTopology {
            reason: crate::t!(
                "node.core.reason.root_has_no_key",
                root = topology.root().code
            )
            .into_owned(),
        })
}

fn read_pinned_key(bytes: &[u8]) -> Result<PublicKey, CoreError> {
    let corrupt = |reason: String| {
        super::corrupt_object(crate::t!("node.core.object.pinned_root_key"), reason)
    };
    let bytes: [u8; 32] = bytes
        .try_into()
        .map_err(|_| corrupt(super::wrong_length(bytes.len(), 32)))?;
    PublicKey::from_bytes(&bytes).map_err(|error| corrupt(error.to_string()))
}

fn read_stored_topology(bytes: &[u8]) -> Result<Topology, CoreError> {
    let corrupt = |reason: String| {
        super::corrupt_object(crate::t!("node.core.object.stored_topology"), reason)
    };
    let text = std::str::from_utf8(bytes).map_err(|error| corrupt(error.to_string()))?;
    Topology::from_toml_str(text, &crate::t!("node.core.object.stored_topology"))
        .map_err(|error| corrupt(error.to_string()))
}

impl NodeCore {
    /// The root key this node trusts.
    pub fn pinned_root_key(&self) -> PublicKey {
        self.pinned_root_key
    }

    /// Why the topology file this node was started with was not used, if it was not.
    pub fn topology_file_not_used(&self) -> Option<&str> {
        self.topology_file_not_used.as_deref()
    }

    /// Takes a newer topology: from the parent (over a session) or, at the root, from `huizong
    /// topology publish`. It must verify with the pinned root key, be newer than the one in force
    /// (the same one again is `AlreadyHeld`), and still name this node. Stored, then in force.
    pub fn adopt_new_topology(
        &mut self,
        candidate: Topology,
    ) -> Result<TopologyAdoption, CoreError> {
        if let Err(reason) = check_against_pin(&candidate, &self.pinned_root_key) {
            return Ok(TopologyAdoption::Refused { reason });
        }
        let held = self.topology.version();
        if candidate.version() < held {
            return Ok(TopologyAdoption::Refused {
                reason: crate::t!(
                    "node.core.topology.rollback",
                    version = candidate.version(),
                    in_force = held
                )
                .into_owned(),
            });
        }
        if candidate.version() == held {
            return Ok(if candidate.digest() == self.topology.digest() {
                TopologyAdoption::AlreadyHeld
            } else {
                TopologyAdoption::Refused {
                    reason: crate::t!("node.core.topology.same_version_differs", version = held)
                        .into_owned(),
                }
            });
        }
        if !candidate.contains(self.code) {
            return Ok(TopologyAdoption::Refused {
                reason: crate::t!("node.core.topology.not_naming_this_node", node = self.code)
                    .into_owned(),
            });
        }
        let root_key = root_key_of(&candidate)?;
        let mut batch = Batch::new();
        batch.put(
            Tree::Meta,
            keys::META_TOPOLOGY.to_vec(),
            candidate.to_toml_string().into_bytes(),
        );
        if root_key != self.pinned_root_key {
            batch.put(
                Tree::Meta,
                keys::META_PINNED_ROOT_KEY.to_vec(),
                root_key.as_bytes().to_vec(),
            );
        }
        self.store.apply(&batch, Durability::Flush)?;
        let version = candidate.version();
        self.pinned_root_key = root_key;
        self.topology = Arc::new(candidate);
        self.topology_file_not_used = None;
        self.switch_to_next_key_if_named();
        self.generation += 1;
        Ok(TopologyAdoption::Adopted { version })
    }

    /// Takes a topology sent as text (by the parent).
    pub fn adopt_topology_text(&mut self, text: &str) -> Result<TopologyAdoption, CoreError> {
        match Topology::from_toml_str(text, "the topology the parent sent") {
            Ok(candidate) => self.adopt_new_topology(candidate),
            Err(error) => Ok(TopologyAdoption::Refused {
                reason: error.to_string(),
            }),
        }
    }
}
