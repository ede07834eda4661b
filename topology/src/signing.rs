//! Signing the topology with the root's key, and checking that signature.
//!
//! The root signs [`Topology::canonical_bytes`]: a fixed binary encoding of the version, the name and
//! every entry in code order. It does not depend on the TOML layout, comments, key order or quoting,
//! so an operator may reformat a signed file without breaking it, but any change of value does.
//!
//! A signed topology is also complete: every node has a public key, and every node with children has
//! an address for them to connect to. [`Topology::sign`] refuses an incomplete topology and the two
//! verifying functions check completeness again, so code that accepted a verified topology may rely
//! on it.
//!
//! Two encodings: a topology whose key history records nothing beyond a plain list of retired keys
//! (every `retired_in_version` 0, no revoked keys), as every file signed before key history, is
//! encoded exactly as it always was ([`CANONICAL_DOMAIN`]), so those signatures still verify bit for
//! bit. Any other topology is encoded with [`CANONICAL_DOMAIN_WITH_KEY_HISTORY`] and the history after
//! each entry; the domains differ, so no signature over one encoding can pass as one over the other.
//!
//! Root key rotation: a node accepts a new topology when [`Topology::verify_signed_by`] passes with
//! the root key it already trusts. To move the root to a new key, publish one version that lists the
//! new key as the root's `public_key` and the old one under `retired_keys`, signed with the old key
//! through [`Topology::sign_key_handover`]; later versions are signed with the new key.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use ed25519_dalek::{Signature, Signer, SigningKey};
use sha2::{Digest, Sha256};

use crate::code::DivisionCode;
use crate::error::{KeyRole, TopologyError};
use crate::keys::PublicKey;
use crate::tree::{NodeEntry, Topology};

/// Prefix of the canonical encoding: a root key also signs other objects (return definitions), and
/// this tag makes sure no signature over a topology can be presented as one over anything else.
pub const CANONICAL_DOMAIN: &[u8] = b"huizong topology, canonical encoding 1\n";

/// Prefix of the canonical encoding of a topology with key history ([`Topology::canonical_bytes`]),
/// distinct from [`CANONICAL_DOMAIN`] for the same reason, and so that the two encodings can never
/// be taken for each other.
pub const CANONICAL_DOMAIN_WITH_KEY_HISTORY: &[u8] = b"huizong topology, canonical encoding 2\n";

/// The root's signature over a topology's canonical bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TopologySignature {
    /// The division code of the signer, always the root's (checked when a file is read).
    pub(crate) signer: DivisionCode,
    /// The ed25519 signature.
    pub(crate) value: Signature,
}

impl TopologySignature {
    /// The code of the node that signed: the root.
    pub fn signer(&self) -> DivisionCode {
        self.signer
    }

    /// The ed25519 signature.
    pub fn value(&self) -> &Signature {
        &self.value
    }

    /// The signature as standard base64, as written in the file.
    pub fn value_base64(&self) -> String {
        BASE64.encode(self.value.to_bytes())
    }
}

impl Topology {
    /// The deterministic encoding of everything the signature covers.
    ///
    /// Layout (integers big-endian, text UTF-8 preceded by its length in bytes as a u64):
    /// [`CANONICAL_DOMAIN`]; version u64; name; number of entries u64; then for each entry in
    /// ascending code order: the 12 code digits, `name_zh`, `name_en`, the level slug, the parent
    /// (byte 0, or byte 1 and 12 digits), the public key (byte 0, or byte 1 and 32 bytes), the number
    /// of retired keys u64 and their 32 bytes each in listed order, the address (byte 0, or byte 1 and
    /// the text).
    ///
    /// When any retired key has a `retired_in_version` other than 0, or any node has a revoked key,
    /// the domain is [`CANONICAL_DOMAIN_WITH_KEY_HISTORY`] instead, and each entry continues after
    /// its address with: the number of retired keys u64 and, for each in listed order, its 32 bytes
    /// and `retired_in_version` u64; then the number of revoked keys u64 and, for each in listed
    /// order, its 32 bytes, `revoked_in_version` u64 and `compromised_since_ms` i64 (two's
    /// complement). Without such history the bytes are exactly those of encoding 1, so topologies
    /// signed before key history existed still verify.
    pub fn canonical_bytes(&self) -> Vec<u8> {
        let with_history = self.has_key_history();
        let domain = if with_history {
            CANONICAL_DOMAIN_WITH_KEY_HISTORY
        } else {
            CANONICAL_DOMAIN
        };
        // About 256 bytes an entry with a key and an address; only a hint to avoid reallocation.
        let mut bytes = Vec::with_capacity(domain.len() + 256 * self.entries.len());
        bytes.extend_from_slice(domain);
        bytes.extend_from_slice(&self.version.to_be_bytes());
        push_text(&mut bytes, &self.name);
        push_count(&mut bytes, self.entries.len());
        for entry in &self.entries {
            push_entry(&mut bytes, entry);
            if with_history {
                push_key_history(&mut bytes, entry);
            }
        }
        bytes
    }

    /// Whether the topology records more key history than encoding 1 can hold: a retirement version
    /// or a revoked key.
    fn has_key_history(&self) -> bool {
        self.entries.iter().any(|entry| {
            !entry.revoked_keys.is_empty()
                || entry
                    .retired_keys
                    .iter()
                    .any(|retired| retired.retired_in_version != 0)
        })
    }

    /// SHA-256 of [`Topology::canonical_bytes`]: a short name for exactly this content, for logs
    /// and for comparing topologies between nodes.
    pub fn digest(&self) -> [u8; 32] {
        Sha256::digest(self.canonical_bytes()).into()
    }

    /// Signs the topology with the root's current key.
    ///
    /// Refused unless every node has a public key, every node with children has an address, and
    /// `root_key` belongs to the root's current `public_key`.
    pub fn sign(&mut self, root_key: &SigningKey) -> Result<(), TopologyError> {
        self.check_complete()?;
        let root = self.root();
        let offered = root_key.verifying_key();
        if root.public_key.map(|key| *key.as_bytes()) != Some(*offered.as_bytes()) {
            return Err(TopologyError::SigningKeyNotRoot {
                root: root.code,
                offered: BASE64.encode(offered.as_bytes()),
                expected: KeyRole::Current,
            });
        }
        self.attach_signature(root_key);
        Ok(())
    }

    /// Signs with one of the root's retired keys, to hand trust over to a new root key (see the
    /// module documentation). The result passes [`Topology::verify_signed_by`] with the old key, not
    /// [`Topology::verify_signature`].
    pub fn sign_key_handover(
        &mut self,
        previous_root_key: &SigningKey,
    ) -> Result<(), TopologyError> {
        self.check_complete()?;
        let root = self.root();
        let offered = previous_root_key.verifying_key();
        let is_retired = root
            .retired_keys
            .iter()
            .any(|retired| retired.key.as_bytes() == offered.as_bytes());
        if !is_retired {
            return Err(TopologyError::SigningKeyNotRoot {
                root: root.code,
                offered: BASE64.encode(offered.as_bytes()),
                expected: KeyRole::Retired,
            });
        }
        self.attach_signature(previous_root_key);
        Ok(())
    }

    /// Checks that the topology is complete and signed by the root's current key.
    pub fn verify_signature(&self) -> Result<(), TopologyError> {
        let signature = self.signature.as_ref().ok_or(TopologyError::NotSigned)?;
        self.check_complete()?;
        let root = self.root();
        let key = root
            .public_key
            .ok_or(TopologyError::MissingPublicKey { code: root.code })?;
        key.verify(&self.canonical_bytes(), &signature.value)
            .map_err(|_| TopologyError::BadSignature {
                root: root.code,
                key: key.to_string(),
            })
    }

    /// Checks that the topology is complete and signed by `trusted_root`, the root key the caller
    /// already trusts, which must still speak for the root (as its current or a retired key).
    ///
    /// This is the check for accepting a new version; the caller also compares version numbers.
    pub fn verify_signed_by(&self, trusted_root: &PublicKey) -> Result<(), TopologyError> {
        let signature = self.signature.as_ref().ok_or(TopologyError::NotSigned)?;
        self.check_complete()?;
        let root = self.root();
        if !root.has_key(trusted_root) {
            return Err(TopologyError::TrustedKeyNotRoot {
                root: root.code,
                trusted: trusted_root.to_string(),
            });
        }
        trusted_root
            .verify(&self.canonical_bytes(), &signature.value)
            .map_err(|_| TopologyError::BadSignature {
                root: root.code,
                key: trusted_root.to_string(),
            })
    }

    /// Whether the topology carries a signature. It may still fail verification.
    pub fn is_signed(&self) -> bool {
        self.signature.is_some()
    }

    /// The signature, if the topology carries one.
    pub fn signature(&self) -> Option<&TopologySignature> {
        self.signature.as_ref()
    }

    /// Checks what signing needs: a public key for every node and an address for every node with
    /// children. The first node lacking one (in code order) is named.
    pub fn check_complete(&self) -> Result<(), TopologyError> {
        match self.completeness_problems().into_iter().next() {
            Some(problem) => Err(problem),
            None => Ok(()),
        }
    }

    /// Everything [`Topology::sign`] would refuse in the file itself, in entry order: each node
    /// without a public key, each node with children but no address its children can reach.
    /// `topology check` lists them all, one a line, so an author fixes the file in one pass.
    pub fn completeness_problems(&self) -> Vec<TopologyError> {
        let mut problems = Vec::new();
        for entry in self.iter() {
            if entry.public_key.is_none() {
                problems.push(TopologyError::MissingPublicKey { code: entry.code });
            }
            if entry.address.is_none() && !self.children_of(entry.code).is_empty() {
                problems.push(TopologyError::MissingAddress { code: entry.code });
            }
        }
        problems
    }

    fn attach_signature(&mut self, key: &SigningKey) {
        let value = key.sign(&self.canonical_bytes());
        self.signature = Some(TopologySignature {
            signer: self.root().code,
            value,
        });
    }
}

fn push_count(bytes: &mut Vec<u8>, count: usize) {
    // A usize always fits in a u64 on the platforms Rust supports for this crate.
    bytes.extend_from_slice(&(count as u64).to_be_bytes());
}

fn push_text(bytes: &mut Vec<u8>, text: &str) {
    push_count(bytes, text.len());
    bytes.extend_from_slice(text.as_bytes());
}

fn push_entry(bytes: &mut Vec<u8>, entry: &NodeEntry) {
    bytes.extend_from_slice(entry.code.as_str().as_bytes());
    push_text(bytes, &entry.name_zh);
    push_text(bytes, &entry.name_en);
    push_text(bytes, entry.level.slug());
    match entry.parent {
        None => bytes.push(0),
        Some(parent) => {
            bytes.push(1);
            bytes.extend_from_slice(parent.as_str().as_bytes());
        }
    }
    match &entry.public_key {
        None => bytes.push(0),
        Some(key) => {
            bytes.push(1);
            bytes.extend_from_slice(key.as_bytes());
        }
    }
    push_count(bytes, entry.retired_keys.len());
    for retired in &entry.retired_keys {
        bytes.extend_from_slice(retired.key.as_bytes());
    }
    match &entry.address {
        None => bytes.push(0),
        Some(address) => {
            bytes.push(1);
            push_text(bytes, address);
        }
    }
}

/// The part of an entry only encoding 2 has: retirement versions and revoked keys.
fn push_key_history(bytes: &mut Vec<u8>, entry: &NodeEntry) {
    push_count(bytes, entry.retired_keys.len());
    for retired in &entry.retired_keys {
        bytes.extend_from_slice(retired.key.as_bytes());
        bytes.extend_from_slice(&retired.retired_in_version.to_be_bytes());
    }
    push_count(bytes, entry.revoked_keys.len());
    for revoked in &entry.revoked_keys {
        bytes.extend_from_slice(revoked.key.as_bytes());
        bytes.extend_from_slice(&revoked.revoked_in_version.to_be_bytes());
        bytes.extend_from_slice(&revoked.compromised_since_ms.to_be_bytes());
    }
}
