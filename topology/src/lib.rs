//! The reporting tree: which node reports to which, under what key, at what address.
//!
//! A topology is a TOML file listing every node (12-digit division code, names, level, parent, ed25519
//! public key, QUIC address), validated into a [`Topology`] and signed as a whole by the root's key.
//! Every other crate asks the topology who is whose parent and which key speaks for a code.
//!
//! Codemap: [`code`] holds division codes, [`keys`] public keys, [`address`] `host:port` addresses;
//! [`tree`] the validated [`Topology`] with its checks and indexes; [`key_history`] each node's
//! current, retired and revoked keys and the operations that rotate and revoke them; [`mod@file`]
//! the TOML form; [`signing`] the canonical encoding and the root's signature; [`error`] every
//! reason for refusal; [`generator`] synthetic trees up to national size; [`mod@ningxia`] the real
//! Ningxia tree shipped with the crate. [`text`] puts refusals into words from the workspace's
//! message catalogues (`locales/<language>.yml`, section `topology`), Chinese first.

// The message catalogues of the whole workspace, compiled in; Chinese when a key is missing.
rust_i18n::i18n!("../locales", fallback = "zh-CN");

pub mod address;
pub mod code;
pub mod error;
pub mod file;
pub mod generator;
pub mod key_history;
pub mod keys;
pub mod ningxia;
pub mod signing;
pub mod text;
pub mod tree;

pub use address::{AddressError, NodeAddress};
pub use code::{CodeError, DivisionCode};
pub use error::{
    CompromiseTimeProblem, KeyRole, Location, NameProblem, SignatureEncodingProblem, TopologyError,
};
pub use file::MAX_TOPOLOGY_TEXT_BYTES;
pub use generator::{ShapeError, TreeShape, generate, national_tree, try_generate};
pub use key_history::{
    KeyStatus, MAX_COMPROMISED_SINCE_MS, MIN_COMPROMISED_SINCE_MS, RetiredKey, RevokedKey,
    format_compromise_time, parse_compromise_time,
};
pub use keys::{KeyError, PublicKey};
pub use ningxia::{NINGXIA_TOML, ningxia};
pub use signing::TopologySignature;
pub use tree::{
    Level, LevelParseError, MAX_NAME_CHARS, MAX_NODES, MAX_RETIRED_KEYS_PER_NODE,
    MAX_REVOKED_KEYS_PER_NODE, MAX_VERSION, NodeEntry, Topology,
};
