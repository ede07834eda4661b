//! Why a topology was refused, and where.
//!
//! Every check in [`crate::file`], [`crate::tree`] and [`crate::signing`] has its own variant of
//! [`TopologyError`]. A problem found in a file carries a [`Location`]: the origin (the file name the
//! caller passed in) and, where the TOML parser gave a position, the line. Messages start with that
//! location and name the division code involved, so an operator can go straight to the entry.

use std::fmt;

use crate::address::AddressError;
use crate::code::{CodeError, DivisionCode};
use crate::key_history::{MAX_COMPROMISED_SINCE_MS, MIN_COMPROMISED_SINCE_MS};
use crate::keys::KeyError;
use crate::tree::{
    Level, MAX_NAME_CHARS, MAX_NODES, MAX_RETIRED_KEYS_PER_NODE, MAX_REVOKED_KEYS_PER_NODE,
    MAX_VERSION,
};

/// Where in the input a problem was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The file name or other description of the input, as the caller gave it.
    pub origin: String,
    /// The 1-based line in the TOML text, when the input was TOML.
    pub line: Option<usize>,
}

impl Location {
    /// A location with no line, for input that was not read from text.
    pub fn origin_only(origin: &str) -> Self {
        Self {
            origin: origin.to_owned(),
            line: None,
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(formatter, "{}:{line}", self.origin),
            None => formatter.write_str(&self.origin),
        }
    }
}

/// What is wrong with a name (of a node or of the topology).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameProblem {
    #[error("is empty")]
    Empty,
    #[error("has {chars} characters; the limit is {MAX_NAME_CHARS}")]
    TooLong { chars: usize },
    #[error("contains a control character (such as a line break or tab)")]
    ControlCharacter,
}

/// What is wrong with the encoding of the signature in a topology file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureEncodingProblem {
    #[error("is not standard base64 ({source})")]
    NotBase64 { source: base64::DecodeError },
    #[error("decodes to {length} bytes, but an ed25519 signature has exactly 64")]
    WrongLength { length: usize },
}

/// What is wrong with the time from which a revoked key is believed compromised.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CompromiseTimeProblem {
    #[error("is a TOML {found}, not a time such as \"2026-11-20T08:00:00+08:00\"")]
    NotATime {
        /// The TOML type found instead (integer, table, ...).
        found: &'static str,
    },
    #[error(
        "{text:?} is not an RFC 3339 time with an explicit offset, such as \"2026-11-20T08:00:00+08:00\" ({reason})"
    )]
    NotRfc3339 {
        /// The text as written (boxed, like `reason`, to keep [`TopologyError`] small).
        text: Box<str>,
        /// What the time parser said.
        reason: Box<str>,
    },
    #[error("{text:?} is more precise than a millisecond, which is all the topology records")]
    FinerThanMillisecond { text: Box<str> },
    #[error(
        "{compromised_since_ms} ms since the Unix epoch is outside the accepted range, \
         {MIN_COMPROMISED_SINCE_MS} to {MAX_COMPROMISED_SINCE_MS}"
    )]
    OutOfRange { compromised_since_ms: i64 },
}

/// Why a topology could not be read, built, changed, signed or verified.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TopologyError {
    /// The text is larger than any topology should be.
    #[error("{origin}: the topology text has {length_bytes} bytes; the limit is {max_bytes}")]
    TextTooLarge {
        origin: String,
        length_bytes: usize,
        max_bytes: usize,
    },

    /// The text is not valid TOML.
    #[error("{origin}:{line}:{column}: TOML syntax error: {message}")]
    Syntax {
        origin: String,
        line: usize,
        column: usize,
        message: String,
    },

    /// The text is valid TOML but not shaped like a topology: an unknown key or a value of the wrong
    /// type.
    #[error("{origin}:{line}:{column}: {message}")]
    Structure {
        origin: String,
        line: usize,
        column: usize,
        message: String,
    },

    /// The file has no top-level `version`.
    #[error(
        "{origin}: the topology has no `version`; add `version = 1` (or one more than the version it replaces) at the top"
    )]
    MissingVersion { origin: String },

    /// The version cannot be written in TOML, whose integers are signed 64-bit.
    #[error("{origin}: version {version} is larger than the largest allowed, {MAX_VERSION}")]
    VersionTooLarge { origin: String, version: u64 },

    /// The file has no top-level `name`.
    #[error(
        "{origin}: the topology has no `name`; add a line such as `name = \"宁夏回族自治区 reporting tree\"`"
    )]
    MissingName { origin: String },

    /// A `[[node]]` table lacks a required key.
    #[error("{location}: node{} has no `{field}`", describe_code(.code))]
    MissingField {
        location: Location,
        code: Option<DivisionCode>,
        field: &'static str,
    },

    /// A division code (of a node, its parent or the signer) is malformed.
    #[error("{location}: `{field}` is not a division code: {source}")]
    MalformedCode {
        location: Location,
        field: &'static str,
        source: CodeError,
    },

    /// A level is not one of nation, region, city, county.
    #[error(
        "{location}: node {code} has level {value:?}; expected one of \"nation\", \"region\", \"city\", \"county\""
    )]
    UnknownLevel {
        location: Location,
        code: DivisionCode,
        value: String,
    },

    /// A name of a node or of the topology is empty, too long or holds control characters.
    #[error("{location}: {}`{field}` {problem}", describe_owner(.code))]
    BadName {
        location: Location,
        code: Option<DivisionCode>,
        field: &'static str,
        problem: NameProblem,
    },

    /// A public key (current or retired) is not a usable ed25519 key.
    #[error("{location}: node {code} has a bad `{field}`: {source}")]
    BadPublicKey {
        location: Location,
        code: DivisionCode,
        field: &'static str,
        source: KeyError,
    },

    /// A node lists more retired keys than allowed.
    #[error(
        "{location}: node {code} lists {count} retired keys; the limit is {MAX_RETIRED_KEYS_PER_NODE}"
    )]
    TooManyRetiredKeys {
        location: Location,
        code: DivisionCode,
        count: usize,
    },

    /// A node lists more revoked keys than allowed.
    #[error(
        "{location}: node {code} lists {count} revoked keys; the limit is {MAX_REVOKED_KEYS_PER_NODE}"
    )]
    TooManyRevokedKeys {
        location: Location,
        code: DivisionCode,
        count: usize,
    },

    /// A retired key says it was retired in a version later than the topology's own.
    #[error(
        "{location}: node {code} has retired key {key} with retired_in_version = {retired_in_version}, \
         later than the topology's version {version}"
    )]
    RetiredAfterVersion {
        location: Location,
        code: DivisionCode,
        /// The key in base64.
        key: String,
        retired_in_version: u64,
        version: u64,
    },

    /// A revoked key says it was revoked in a version later than the topology's own.
    #[error(
        "{location}: node {code} has revoked key {key} with revoked_in_version = {revoked_in_version}, \
         later than the topology's version {version}"
    )]
    RevokedAfterVersion {
        location: Location,
        code: DivisionCode,
        /// The key in base64.
        key: String,
        revoked_in_version: u64,
        version: u64,
    },

    /// A revoked key says it was revoked in version 0, which no published topology has.
    #[error(
        "{location}: node {code} has revoked key {key} with revoked_in_version = 0; \
         a revocation is published in a version of at least 1"
    )]
    RevokedInVersionZero {
        location: Location,
        code: DivisionCode,
        /// The key in base64.
        key: String,
    },

    /// The compromise time of a revoked key is missing its offset, malformed or out of range.
    #[error("{location}: node {code}, revoked key {key}: `compromised_since` {problem}")]
    BadCompromiseTime {
        location: Location,
        code: DivisionCode,
        /// The key in base64.
        key: String,
        problem: CompromiseTimeProblem,
    },

    /// An address is not `host:port` with a port from 1 to 65535.
    #[error("{location}: node {code} has a bad `address`: {source}")]
    BadAddress {
        location: Location,
        code: DivisionCode,
        source: AddressError,
    },

    /// The topology lists more nodes than allowed.
    #[error("{origin}: the topology lists {count} nodes; the limit is {MAX_NODES}")]
    TooManyNodes { origin: String, count: usize },

    /// The topology lists no nodes at all.
    #[error("{origin}: the topology lists no nodes; add at least the root as a [[node]] table")]
    NoNodes { origin: String },

    /// Two entries have the same division code.
    #[error("{second}: node {code} is listed twice (first at {first})")]
    DuplicateCode {
        code: DivisionCode,
        first: Location,
        second: Location,
    },

    /// Every node names a parent, so there is no root.
    #[error("{origin}: no node is the root (every node names a parent); the root has no `parent`")]
    NoRoot { origin: String },

    /// More than one node has no parent.
    #[error(
        "{origin}: more than one node has no `parent`, but a topology has exactly one root: {}",
        describe_nodes(.roots)
    )]
    MultipleRoots {
        origin: String,
        roots: Vec<(DivisionCode, Location)>,
    },

    /// A node names a parent that is not in the topology.
    #[error("{location}: node {code} names parent {parent}, which is not in the topology")]
    Orphan {
        location: Location,
        code: DivisionCode,
        parent: DivisionCode,
    },

    /// Following parents from some node comes back to it instead of reaching the root.
    #[error(
        "{location}: these nodes form a cycle that never reaches the root (each arrow points to the \
         node's parent): {}",
        describe_cycle(.codes)
    )]
    Cycle {
        location: Location,
        codes: Vec<DivisionCode>,
    },

    /// A node's level is not below its parent's (a city under a county, or a city under a city).
    #[error(
        "{location}: node {code} is at level {level} but its parent {parent} is at level {parent_level}; \
         a child must be at a lower level than its parent"
    )]
    LevelNotBelowParent {
        location: Location,
        code: DivisionCode,
        level: Level,
        parent: DivisionCode,
        parent_level: Level,
    },

    /// The same key speaks for two nodes, so one node could act as the other.
    #[error("{location}: key {key} is listed for both node {first} and node {second}")]
    DuplicatePublicKey {
        location: Location,
        /// The key in base64.
        key: String,
        first: DivisionCode,
        second: DivisionCode,
    },

    /// One node lists the same key twice (for example as current and retired, or retired twice).
    #[error("{location}: node {code} lists key {key} twice (as {first} and as {second})")]
    KeyListedTwice {
        location: Location,
        code: DivisionCode,
        /// The key in base64.
        key: String,
        /// Where the key was listed first: "the current key", "a retired key" or "a revoked key".
        first: &'static str,
        /// Where it was listed again.
        second: &'static str,
    },

    /// A key cannot become current again: the node's topology revoked it.
    #[error("key {key} of node {code} was revoked; it cannot become the node's key again")]
    KeyRevoked {
        code: DivisionCode,
        /// The key in base64.
        key: String,
    },

    /// A rotation to a key the node has retired, which would undo the retirement point.
    #[error(
        "key {key} of node {code} was retired in version {retired_in_version}; rotate to a new key instead"
    )]
    KeyRetired {
        code: DivisionCode,
        /// The key in base64.
        key: String,
        retired_in_version: u64,
    },

    /// A rotation to the key that is already current.
    #[error("key {key} is already the current key of node {code}")]
    KeyAlreadyCurrent {
        code: DivisionCode,
        /// The key in base64.
        key: String,
    },

    /// A revocation of a key that is already revoked.
    #[error("key {key} of node {code} was already revoked in version {revoked_in_version}")]
    KeyAlreadyRevoked {
        code: DivisionCode,
        /// The key in base64.
        key: String,
        revoked_in_version: u64,
    },

    /// A revocation of a key that was never this node's but is another node's.
    #[error("key {key} is not a key of node {code} but of node {owner}")]
    KeyOfOtherNode {
        code: DivisionCode,
        /// The key in base64.
        key: String,
        owner: DivisionCode,
    },

    /// A revocation of a key that no node of the topology has ever had.
    #[error("key {key} was never a key of node {code} (nor of any other node)")]
    UnknownKey {
        code: DivisionCode,
        /// The key in base64.
        key: String,
    },

    /// Revoking a node's current key needs a replacement, or the node could no longer sign.
    #[error(
        "key {key} is the current key of node {code}; revoking it needs a replacement key to become current"
    )]
    ReplacementRequired {
        code: DivisionCode,
        /// The key in base64.
        key: String,
    },

    /// A replacement was offered when revoking a retired key, which leaves the current key alone.
    #[error(
        "key {key} is a retired key of node {code}; revoking it leaves the current key as it is, \
         so no replacement may be given (rotate the current key separately)"
    )]
    ReplacementNotApplicable {
        code: DivisionCode,
        /// The key in base64.
        key: String,
    },

    /// A key change would raise the version past the largest a file can hold.
    #[error(
        "node {code}: the topology is at version {version}, the largest allowed; it cannot be raised"
    )]
    VersionExhausted { code: DivisionCode, version: u64 },

    /// The `[signature]` section names a signer other than the root.
    #[error(
        "{location}: the signature names signer {signer}, but only the root {root} signs the topology"
    )]
    SignerNotRoot {
        location: Location,
        signer: DivisionCode,
        root: DivisionCode,
    },

    /// The `[signature]` value is not base64 of 64 bytes.
    #[error("{location}: the signature `value` {problem}")]
    MalformedSignature {
        location: Location,
        problem: SignatureEncodingProblem,
    },

    /// A change names a node that is not in the topology.
    #[error("node {code} is not in the topology")]
    UnknownNode { code: DivisionCode },

    /// Signing or verifying needs every node's public key.
    #[error("node {code} has no public key; every node needs one before the topology is signed")]
    MissingPublicKey { code: DivisionCode },

    /// Signing or verifying needs the address of every node that has children, since they connect to it.
    #[error(
        "node {code} has children but no address; they cannot connect to it, so the topology cannot be signed"
    )]
    MissingAddress { code: DivisionCode },

    /// The key offered for signing is not the root's (current, or retired for a handover).
    #[error("the signing key {offered} is not {expected} of the root {root}")]
    SigningKeyNotRoot {
        root: DivisionCode,
        /// The offered key in base64.
        offered: String,
        /// Which of the root's keys was required: "the current key" or "a retired key".
        expected: &'static str,
    },

    /// Verification was asked of a topology that carries no signature.
    #[error("the topology is not signed")]
    NotSigned,

    /// The key a node trusts is neither the current nor a retired key of this topology's root.
    #[error("the trusted key {trusted} is not a current or retired key of the root {root}")]
    TrustedKeyNotRoot {
        root: DivisionCode,
        /// The trusted key in base64.
        trusted: String,
    },

    /// The signature does not verify: the topology was changed after signing, or signed by another key.
    #[error(
        "the topology signature does not verify under key {key} of root {root}: the content changed after signing or another key signed it"
    )]
    BadSignature {
        root: DivisionCode,
        /// The key the signature was checked against, in base64.
        key: String,
    },
}

fn describe_code(code: &Option<DivisionCode>) -> String {
    match code {
        Some(code) => format!(" {code}"),
        None => String::new(),
    }
}

fn describe_owner(code: &Option<DivisionCode>) -> String {
    match code {
        Some(code) => format!("node {code}: "),
        None => String::new(),
    }
}

fn describe_nodes(nodes: &[(DivisionCode, Location)]) -> String {
    nodes
        .iter()
        .map(|(code, location)| format!("{code} at {location}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn describe_cycle(codes: &[DivisionCode]) -> String {
    let mut text = codes
        .iter()
        .map(DivisionCode::to_string)
        .collect::<Vec<_>>()
        .join(" → ");
    if let Some(first) = codes.first() {
        text.push_str(&format!(" → {first}"));
    }
    text
}
