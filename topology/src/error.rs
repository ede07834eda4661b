//! Why a topology was refused, and where.
//!
//! Every check in [`crate::file`], [`crate::tree`] and [`crate::signing`] has its own variant of
//! [`TopologyError`]. A problem found in a file carries a [`Location`]: the origin (the file name the
//! caller passed in) and, where the TOML parser gave a position, the line. Messages start with that
//! location and name the division code involved, so an operator can go straight to the entry.
//!
//! The messages come from the message catalogues (section `topology`, see [`crate::text`]):
//! `localized(locale)` gives one in a chosen language, `Display` the one in the language in force.

use std::fmt;

use rust_i18n::t;

use crate::address::AddressError;
use crate::code::{CodeError, DivisionCode};
use crate::key_history::{MAX_COMPROMISED_SINCE_MS, MIN_COMPROMISED_SINCE_MS};
use crate::keys::KeyError;
use crate::text::{display_in_current_language, is_chinese, join, shown};
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

/// Where a node lists a key: as its current key, among its retired keys or among its revoked keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyRole {
    /// The node's `public_key`.
    Current,
    /// An element of `retired_keys`.
    Retired,
    /// An element of `revoked_keys`.
    Revoked,
}

impl KeyRole {
    /// How a message names the role: "the current key", "a retired key", "a revoked key".
    pub fn localized(self, locale: &str) -> String {
        match self {
            KeyRole::Current => t!("topology.key_role.current", locale = locale),
            KeyRole::Retired => t!("topology.key_role.retired", locale = locale),
            KeyRole::Revoked => t!("topology.key_role.revoked", locale = locale),
        }
        .into_owned()
    }
}

/// What is wrong with a name (of a node or of the topology).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameProblem {
    Empty,
    TooLong { chars: usize },
    ControlCharacter,
}

/// What is wrong with the encoding of the signature in a topology file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureEncodingProblem {
    NotBase64 { source: base64::DecodeError },
    WrongLength { length: usize },
}

/// What is wrong with the time from which a revoked key is believed compromised.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CompromiseTimeProblem {
    NotATime {
        /// The TOML type found instead (integer, table, ...).
        found: &'static str,
    },
    NotRfc3339 {
        /// The text as written (boxed, like `reason`, to keep [`TopologyError`] small).
        text: Box<str>,
        /// What the time parser said.
        reason: Box<str>,
    },
    FinerThanMillisecond {
        text: Box<str>,
    },
    OutOfRange {
        compromised_since_ms: i64,
    },
}

/// Why a topology could not be read, built, changed, signed or verified.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TopologyError {
    /// The text is larger than any topology should be.
    TextTooLarge {
        origin: String,
        length_bytes: usize,
        max_bytes: usize,
    },

    /// The text is not valid TOML.
    Syntax {
        origin: String,
        line: usize,
        column: usize,
        message: String,
    },

    /// The text is valid TOML but not shaped like a topology: an unknown key or a value of the wrong
    /// type.
    Structure {
        origin: String,
        line: usize,
        column: usize,
        message: String,
    },

    /// The file has no top-level `version`.
    MissingVersion { origin: String },

    /// The version cannot be written in TOML, whose integers are signed 64-bit.
    VersionTooLarge { origin: String, version: u64 },

    /// The file has no top-level `name`.
    MissingName { origin: String },

    /// A `[[node]]` table lacks a required key.
    MissingField {
        location: Location,
        code: Option<DivisionCode>,
        field: &'static str,
    },

    /// A division code (of a node, its parent or the signer) is malformed.
    MalformedCode {
        location: Location,
        field: &'static str,
        source: CodeError,
    },

    /// A level is not one of nation, region, city, county.
    UnknownLevel {
        location: Location,
        code: DivisionCode,
        value: String,
    },

    /// A name of a node or of the topology is empty, too long or holds control characters.
    BadName {
        location: Location,
        code: Option<DivisionCode>,
        field: &'static str,
        problem: NameProblem,
    },

    /// A public key (current or retired) is not a usable ed25519 key.
    BadPublicKey {
        location: Location,
        code: DivisionCode,
        field: &'static str,
        source: KeyError,
    },

    /// A node lists more retired keys than allowed.
    TooManyRetiredKeys {
        location: Location,
        code: DivisionCode,
        count: usize,
    },

    /// A node lists more revoked keys than allowed.
    TooManyRevokedKeys {
        location: Location,
        code: DivisionCode,
        count: usize,
    },

    /// A retired key says it was retired in a version later than the topology's own.
    RetiredAfterVersion {
        location: Location,
        code: DivisionCode,
        /// The key in base64.
        key: String,
        retired_in_version: u64,
        version: u64,
    },

    /// A revoked key says it was revoked in a version later than the topology's own.
    RevokedAfterVersion {
        location: Location,
        code: DivisionCode,
        /// The key in base64.
        key: String,
        revoked_in_version: u64,
        version: u64,
    },

    /// A revoked key says it was revoked in version 0, which no published topology has.
    RevokedInVersionZero {
        location: Location,
        code: DivisionCode,
        /// The key in base64.
        key: String,
    },

    /// The compromise time of a revoked key is missing its offset, malformed or out of range.
    BadCompromiseTime {
        location: Location,
        code: DivisionCode,
        /// The key in base64.
        key: String,
        problem: CompromiseTimeProblem,
    },

    /// An address is not `host:port` with a port from 1 to 65535.
    BadAddress {
        location: Location,
        code: DivisionCode,
        source: AddressError,
    },

    /// The topology lists more nodes than allowed.
    TooManyNodes { origin: String, count: usize },

    /// The topology lists no nodes at all.
    NoNodes { origin: String },

    /// Two entries have the same division code.
    DuplicateCode {
        code: DivisionCode,
        first: Location,
        second: Location,
    },

    /// Every node names a parent, so there is no root.
    NoRoot { origin: String },

    /// More than one node has no parent.
    MultipleRoots {
        origin: String,
        roots: Vec<(DivisionCode, Location)>,
    },

    /// A node names a parent that is not in the topology.
    Orphan {
        location: Location,
        code: DivisionCode,
        parent: DivisionCode,
    },

    /// Following parents from some node comes back to it instead of reaching the root.
    Cycle {
        location: Location,
        codes: Vec<DivisionCode>,
    },

    /// A node's level is not below its parent's (a city under a county, or a city under a city).
    LevelNotBelowParent {
        location: Location,
        code: DivisionCode,
        level: Level,
        parent: DivisionCode,
        parent_level: Level,
    },

    /// The same key speaks for two nodes, so one node could act as the other.
    DuplicatePublicKey {
        location: Location,
        /// The key in base64.
        key: String,
        first: DivisionCode,
        second: DivisionCode,
    },

    /// One node lists the same key twice (for example as current and retired, or retired twice).
    KeyListedTwice {
        location: Location,
        code: DivisionCode,
        /// The key in base64.
        key: String,
        /// Where the key was listed first.
        first: KeyRole,
        /// Where it was listed again.
        second: KeyRole,
    },

    /// A key cannot become current again: the node's topology revoked it.
    KeyRevoked {
        code: DivisionCode,
        /// The key in base64.
        key: String,
    },

    /// A rotation to a key the node has retired, which would undo the retirement point.
    KeyRetired {
        code: DivisionCode,
        /// The key in base64.
        key: String,
        retired_in_version: u64,
    },

    /// A rotation to the key that is already current.
    KeyAlreadyCurrent {
        code: DivisionCode,
        /// The key in base64.
        key: String,
    },

    /// A revocation of a key that is already revoked.
    KeyAlreadyRevoked {
        code: DivisionCode,
        /// The key in base64.
        key: String,
        revoked_in_version: u64,
    },

    /// A revocation of a key that was never this node's but is another node's.
    KeyOfOtherNode {
        code: DivisionCode,
        /// The key in base64.
        key: String,
        owner: DivisionCode,
    },

    /// A revocation of a key that no node of the topology has ever had.
    UnknownKey {
        code: DivisionCode,
        /// The key in base64.
        key: String,
    },

    /// Revoking a node's current key needs a replacement, or the node could no longer sign.
    ReplacementRequired {
        code: DivisionCode,
        /// The key in base64.
        key: String,
    },

    /// A replacement was offered when revoking a retired key, which leaves the current key alone.
    ReplacementNotApplicable {
        code: DivisionCode,
        /// The key in base64.
        key: String,
    },

    /// A key change would raise the version past the largest a file can hold.
    VersionExhausted { code: DivisionCode, version: u64 },

    /// The `[signature]` section names a signer other than the root.
    SignerNotRoot {
        location: Location,
        signer: DivisionCode,
        root: DivisionCode,
    },

    /// The `[signature]` value is not base64 of 64 bytes.
    MalformedSignature {
        location: Location,
        problem: SignatureEncodingProblem,
    },

    /// A change names a node that is not in the topology.
    UnknownNode { code: DivisionCode },

    /// Signing or verifying needs every node's public key.
    MissingPublicKey { code: DivisionCode },

    /// Signing or verifying needs the address of every node that has children, since they connect to it.
    MissingAddress { code: DivisionCode },

    /// The key offered for signing is not the root's (current, or retired for a handover).
    SigningKeyNotRoot {
        root: DivisionCode,
        /// The offered key in base64.
        offered: String,
        /// Which of the root's keys was required: the current key or a retired key.
        expected: KeyRole,
    },

    /// Verification was asked of a topology that carries no signature.
    NotSigned,

    /// The key a node trusts is neither the current nor a retired key of this topology's root.
    TrustedKeyNotRoot {
        root: DivisionCode,
        /// The trusted key in base64.
        trusted: String,
    },

    /// The signature does not verify: the topology was changed after signing, or signed by another key.
    BadSignature {
        root: DivisionCode,
        /// The key the signature was checked against, in base64.
        key: String,
    },
}

impl NameProblem {
    /// What is wrong, phrased to follow the name of the field, in a language of the catalogues.
    pub fn localized(&self, locale: &str) -> String {
        match self {
            NameProblem::Empty => t!("topology.name_problem.empty", locale = locale),
            NameProblem::TooLong { chars } => t!(
                "topology.name_problem.too_long",
                locale = locale,
                chars = chars,
                max = MAX_NAME_CHARS
            ),
            NameProblem::ControlCharacter => {
                t!("topology.name_problem.control_character", locale = locale)
            }
        }
        .into_owned()
    }
}

impl SignatureEncodingProblem {
    /// What is wrong, phrased to follow "the signature `value`", in a language of the catalogues.
    pub fn localized(&self, locale: &str) -> String {
        match self {
            SignatureEncodingProblem::NotBase64 { source } => t!(
                "topology.signature_encoding.not_base64",
                locale = locale,
                reason = source
            ),
            SignatureEncodingProblem::WrongLength { length } => t!(
                "topology.signature_encoding.wrong_length",
                locale = locale,
                length = length
            ),
        }
        .into_owned()
    }
}

impl CompromiseTimeProblem {
    /// What is wrong, phrased to follow "`compromised_since`", in a language of the catalogues.
    pub fn localized(&self, locale: &str) -> String {
        match self {
            CompromiseTimeProblem::NotATime { found } => t!(
                "topology.compromise_time.not_a_time",
                locale = locale,
                found = found
            ),
            CompromiseTimeProblem::NotRfc3339 { text, reason } => t!(
                "topology.compromise_time.not_rfc3339",
                locale = locale,
                text = shown(text),
                reason = reason
            ),
            CompromiseTimeProblem::FinerThanMillisecond { text } => t!(
                "topology.compromise_time.finer_than_millisecond",
                locale = locale,
                text = shown(text)
            ),
            CompromiseTimeProblem::OutOfRange {
                compromised_since_ms,
            } => t!(
                "topology.compromise_time.out_of_range",
                locale = locale,
                ms = compromised_since_ms,
                min = MIN_COMPROMISED_SINCE_MS,
                max = MAX_COMPROMISED_SINCE_MS
            ),
        }
        .into_owned()
    }
}

/// A level as a message names it: its Chinese name in Chinese, its slug otherwise.
fn level_name(level: Level, locale: &str) -> String {
    if is_chinese(locale) {
        format!("{}（{}）", level.name_zh(), level.slug())
    } else {
        level.slug().to_owned()
    }
}

impl TopologyError {
    /// The message in a language of the catalogues (`"zh-CN"`, `"en"`): where, what is wrong and,
    /// where it helps, how to put it right.
    pub fn localized(&self, locale: &str) -> String {
        use TopologyError as E;
        match self {
            E::TextTooLarge {
                origin,
                length_bytes,
                max_bytes,
            } => t!(
                "topology.error.text_too_large",
                locale = locale,
                origin = origin,
                length = length_bytes,
                max = max_bytes
            ),
            E::Syntax {
                origin,
                line,
                column,
                message,
            } => t!(
                "topology.error.syntax",
                locale = locale,
                origin = origin,
                line = line,
                column = column,
                message = message
            ),
            E::Structure {
                origin,
                line,
                column,
                message,
            } => t!(
                "topology.error.structure",
                locale = locale,
                origin = origin,
                line = line,
                column = column,
                message = message
            ),
            E::MissingVersion { origin } => {
                t!(
                    "topology.error.missing_version",
                    locale = locale,
                    origin = origin
                )
            }
            E::VersionTooLarge { origin, version } => t!(
                "topology.error.version_too_large",
                locale = locale,
                origin = origin,
                version = version,
                max = MAX_VERSION
            ),
            E::MissingName { origin } => {
                t!(
                    "topology.error.missing_name",
                    locale = locale,
                    origin = origin
                )
            }
            E::MissingField {
                location,
                code: Some(code),
                field,
            } => t!(
                "topology.error.missing_field",
                locale = locale,
                location = location,
                code = code,
                field = field
            ),
            E::MissingField {
                location,
                code: None,
                field,
            } => t!(
                "topology.error.missing_field_of_unnamed_node",
                locale = locale,
                location = location,
                field = field
            ),
            E::MalformedCode {
                location,
                field,
                source,
            } => t!(
                "topology.error.malformed_code",
                locale = locale,
                location = location,
                field = field,
                problem = source.localized(locale)
            ),
            E::UnknownLevel {
                location,
                code,
                value,
            } => t!(
                "topology.error.unknown_level",
                locale = locale,
                location = location,
                code = code,
                value = shown(value)
            ),
            E::BadName {
                location,
                code: Some(code),
                field,
                problem,
            } => t!(
                "topology.error.bad_node_name",
                locale = locale,
                location = location,
                code = code,
                field = field,
                problem = problem.localized(locale)
            ),
            E::BadName {
                location,
                code: None,
                field,
                problem,
            } => t!(
                "topology.error.bad_name",
                locale = locale,
                location = location,
                field = field,
                problem = problem.localized(locale)
            ),
            E::BadPublicKey {
                location,
                code,
                field,
                source,
            } => t!(
                "topology.error.bad_public_key",
                locale = locale,
                location = location,
                code = code,
                field = field,
                problem = source.localized(locale)
            ),
            E::TooManyRetiredKeys {
                location,
                code,
                count,
            } => t!(
                "topology.error.too_many_retired_keys",
                locale = locale,
                location = location,
                code = code,
                count = count,
                max = MAX_RETIRED_KEYS_PER_NODE
            ),
            E::TooManyRevokedKeys {
                location,
                code,
                count,
            } => t!(
                "topology.error.too_many_revoked_keys",
                locale = locale,
                location = location,
                code = code,
                count = count,
                max = MAX_REVOKED_KEYS_PER_NODE
            ),
            E::RetiredAfterVersion {
                location,
                code,
                key,
                retired_in_version,
                version,
            } => t!(
                "topology.error.retired_after_version",
                locale = locale,
                location = location,
                code = code,
                key = key,
                retired_in_version = retired_in_version,
                version = version
            ),
            E::RevokedAfterVersion {
                location,
                code,
                key,
                revoked_in_version,
                version,
            } => t!(
                "topology.error.revoked_after_version",
                locale = locale,
                location = location,
                code = code,
                key = key,
                revoked_in_version = revoked_in_version,
                version = version
            ),
            E::RevokedInVersionZero {
                location,
                code,
                key,
            } => t!(
                "topology.error.revoked_in_version_zero",
                locale = locale,
                location = location,
                code = code,
                key = key
            ),
            E::BadCompromiseTime {
                location,
                code,
                key,
                problem,
            } => t!(
                "topology.error.bad_compromise_time",
                locale = locale,
                location = location,
                code = code,
                key = key,
                problem = problem.localized(locale)
            ),
            E::BadAddress {
                location,
                code,
                source,
            } => t!(
                "topology.error.bad_address",
                locale = locale,
                location = location,
                code = code,
                problem = source.localized(locale)
            ),
            E::TooManyNodes { origin, count } => t!(
                "topology.error.too_many_nodes",
                locale = locale,
                origin = origin,
                count = count,
                max = MAX_NODES
            ),
            E::NoNodes { origin } => {
                t!("topology.error.no_nodes", locale = locale, origin = origin)
            }
            E::DuplicateCode {
                code,
                first,
                second,
            } => t!(
                "topology.error.duplicate_code",
                locale = locale,
                code = code,
                first = first,
                second = second
            ),
            E::NoRoot { origin } => t!("topology.error.no_root", locale = locale, origin = origin),
            E::MultipleRoots { origin, roots } => {
                let roots = roots.iter().map(|(code, location)| {
                    t!(
                        "topology.error.root_at",
                        locale = locale,
                        code = code,
                        location = location
                    )
                    .into_owned()
                });
                t!(
                    "topology.error.multiple_roots",
                    locale = locale,
                    origin = origin,
                    roots = join(roots, locale)
                )
            }
            E::Orphan {
                location,
                code,
                parent,
            } => t!(
                "topology.error.orphan",
                locale = locale,
                location = location,
                code = code,
                parent = parent
            ),
            E::Cycle { location, codes } => t!(
                "topology.error.cycle",
                locale = locale,
                location = location,
                cycle = describe_cycle(codes)
            ),
            E::LevelNotBelowParent {
                location,
                code,
                level,
                parent,
                parent_level,
            } => t!(
                "topology.error.level_not_below_parent",
                locale = locale,
                location = location,
                code = code,
                level = level_name(*level, locale),
                parent = parent,
                parent_level = level_name(*parent_level, locale)
            ),
            E::DuplicatePublicKey {
                location,
                key,
                first,
                second,
            } => t!(
                "topology.error.duplicate_public_key",
                locale = locale,
                location = location,
                key = key,
                first = first,
                second = second
            ),
            E::KeyListedTwice {
                location,
                code,
                key,
                first,
                second,
            } => t!(
                "topology.error.key_listed_twice",
                locale = locale,
                location = location,
                code = code,
                key = key,
                first = first.localized(locale),
                second = second.localized(locale)
            ),
            E::KeyRevoked { code, key } => t!(
                "topology.error.key_revoked",
                locale = locale,
                code = code,
                key = key
            ),
            E::KeyRetired {
                code,
                key,
                retired_in_version,
            } => t!(
                "topology.error.key_retired",
                locale = locale,
                code = code,
                key = key,
                retired_in_version = retired_in_version
            ),
            E::KeyAlreadyCurrent { code, key } => t!(
                "topology.error.key_already_current",
                locale = locale,
                code = code,
                key = key
            ),
            E::KeyAlreadyRevoked {
                code,
                key,
                revoked_in_version,
            } => t!(
                "topology.error.key_already_revoked",
                locale = locale,
                code = code,
                key = key,
                revoked_in_version = revoked_in_version
            ),
            E::KeyOfOtherNode { code, key, owner } => t!(
                "topology.error.key_of_other_node",
                locale = locale,
                code = code,
                key = key,
                owner = owner
            ),
            E::UnknownKey { code, key } => t!(
                "topology.error.unknown_key",
                locale = locale,
                code = code,
                key = key
            ),
            E::ReplacementRequired { code, key } => t!(
                "topology.error.replacement_required",
                locale = locale,
                code = code,
                key = key
            ),
            E::ReplacementNotApplicable { code, key } => t!(
                "topology.error.replacement_not_applicable",
                locale = locale,
                code = code,
                key = key
            ),
            E::VersionExhausted { code, version } => t!(
                "topology.error.version_exhausted",
                locale = locale,
                code = code,
                version = version
            ),
            E::SignerNotRoot {
                location,
                signer,
                root,
            } => t!(
                "topology.error.signer_not_root",
                locale = locale,
                location = location,
                signer = signer,
                root = root
            ),
            E::MalformedSignature { location, problem } => t!(
                "topology.error.malformed_signature",
                locale = locale,
                location = location,
                problem = problem.localized(locale)
            ),
            E::UnknownNode { code } => {
                t!("topology.error.unknown_node", locale = locale, code = code)
            }
            E::MissingPublicKey { code } => {
                t!(
                    "topology.error.missing_public_key",
                    locale = locale,
                    code = code
                )
            }
            E::MissingAddress { code } => {
                t!(
                    "topology.error.missing_address",
                    locale = locale,
                    code = code
                )
            }
            E::SigningKeyNotRoot {
                root,
                offered,
                expected,
            } => t!(
                "topology.error.signing_key_not_root",
                locale = locale,
                root = root,
                offered = offered,
                expected = expected.localized(locale)
            ),
            E::NotSigned => t!("topology.error.not_signed", locale = locale),
            E::TrustedKeyNotRoot { root, trusted } => t!(
                "topology.error.trusted_key_not_root",
                locale = locale,
                root = root,
                trusted = trusted
            ),
            E::BadSignature { root, key } => t!(
                "topology.error.bad_signature",
                locale = locale,
                root = root,
                key = key
            ),
        }
        .into_owned()
    }
}

display_in_current_language!(
    NameProblem,
    SignatureEncodingProblem,
    CompromiseTimeProblem,
    TopologyError
);

/// The nodes of a cycle, each followed by an arrow to its parent, back to the first.
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
