//! Signed objects: submissions, rollups and notices (review decisions among them), each an
//! ed25519 signature over a canonical payload, named by the hash of its envelope.
//!
//! A [`Signed`] value can only be made two ways: by signing a payload with our own key, or by
//! verifying an [`Envelope`] that came from a peer or from disk against the topology (the payload
//! decodes, keeps its bounds, the key speaks for the signer's code, the signature holds). Code that
//! holds a `Signed<T>` therefore never checks it again.
//!
//! A kind of payload may change its encoding. Objects signed before keep their signature over
//! their original bytes, so each kind decodes every form it ever had ([`SignedPayload::decode`])
//! into one type, and says which domain the bytes must have been signed under; new objects are
//! always encoded in the current form ([`SignedPayload::encode`]). An envelope keeps the bytes it
//! was verified from: stored objects are never re-encoded, and their hash never changes.

use std::fmt;
use std::sync::Arc;

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use topology::{DivisionCode, PublicKey, Topology};

/// Bytes of an ed25519 signature.
const SIGNATURE_BYTES: usize = 64;

/// The SHA-256 of a signed object's envelope: how rollups and decisions refer to it.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ObjectHash(pub [u8; 32]);

impl ObjectHash {
    /// Lower-case hex, as shown to users and used in file names.
    pub fn to_hex(&self) -> String {
        self.0.iter().map(|byte| format!("{byte:02x}")).collect()
    }

    /// The first 12 hex digits, enough to tell objects apart on screen.
    pub fn short(&self) -> String {
        self.to_hex()[..12].to_owned()
    }
}

impl fmt::Display for ObjectHash {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.to_hex())
    }
}

impl fmt::Debug for ObjectHash {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "ObjectHash({})", self.short())
    }
}

/// A payload that travels signed.
pub trait SignedPayload: Clone + fmt::Debug + Sized {
    /// Domain separation: prefixed to the payload before signing, so a signature over one kind of
    /// object can never be replayed as another. The domain of the current form; an earlier form
    /// still read has its own (see [`SignedPayload::decode`]).
    const DOMAIN: &'static [u8];

    /// The node whose key must have signed it.
    fn signer(&self) -> DivisionCode;

    /// The payload's own bounds and consistency, checked before the signature. Each payload type
    /// lists what it checks.
    fn check(&self) -> Result<(), String>;

    /// The largest envelope of this kind, payload, key and signature together: checked before
    /// anything is decoded or verified, and when signing, so that a page of the largest envelopes
    /// always fits in one frame (see `crate::limits`).
    const MAX_ENVELOPE_BYTES: usize;

    /// The payload's bytes in the current form, signed under [`SignedPayload::DOMAIN`]. A value
    /// only an earlier form can carry (one decoded from an object signed before the form changed)
    /// is refused: earlier forms are read, never signed anew.
    fn encode(&self) -> Result<Vec<u8>, String>;

    /// Decodes a payload exactly (no trailing bytes), in the current form or an earlier one still
    /// read, and returns the domain its signature must be over. The forms of one kind never decode
    /// the same bytes, so the bytes alone say which form they are in.
    fn decode(bytes: &[u8]) -> Result<(Self, &'static [u8]), String>;
}

/// [`SignedPayload::encode`] for a kind whose serde form is its only form.
pub(crate) fn encode_serde<T: Serialize>(payload: &T) -> Result<Vec<u8>, String> {
    postcard::to_stdvec(payload).map_err(|error| error.to_string())
}

/// The wire and disk form of a signed object.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Envelope {
    /// The postcard encoding of the payload.
    pub payload: Vec<u8>,
    /// The signer's public key; the topology says whether it speaks for the signer's code.
    pub signer_key: [u8; 32],
    /// The ed25519 signature over `DOMAIN || payload`.
    pub signature: Vec<u8>,
}

impl fmt::Debug for Envelope {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("Envelope")
            .field("payload_bytes", &self.payload.len())
            .field("hash", &self.hash())
            .finish()
    }
}

impl Envelope {
    /// The envelope's hash: SHA-256 of its canonical encoding.
    pub fn hash(&self) -> ObjectHash {
        let mut hasher = Sha256::new();
        hasher.update((self.payload.len() as u64).to_be_bytes());
        hasher.update(&self.payload);
        hasher.update(self.signer_key);
        hasher.update(&self.signature);
        ObjectHash(hasher.finalize().into())
    }

    /// The canonical bytes, for storage.
    pub fn to_bytes(&self) -> Vec<u8> {
        postcard::to_stdvec(self).expect("an envelope always encodes")
    }

    /// Decodes stored or received bytes; the result still has to be verified.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, SignedError> {
        crate::encoding::decode_exact(bytes).map_err(|reason| SignedError::Malformed { reason })
    }
}

/// Why an envelope is not a valid signed object.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignedError {
    #[error("the signed object cannot be decoded: {reason}")]
    Malformed { reason: String },
    #[error("the signed object breaks its bounds: {reason}")]
    OutOfBounds { reason: String },
    #[error("signer {signer} is not in the topology")]
    UnknownSigner { signer: DivisionCode },
    #[error("the key {key} does not speak for {signer} in the topology")]
    KeyNotBound { signer: DivisionCode, key: String },
    #[error("the signature by {signer} does not verify")]
    BadSignature { signer: DivisionCode },
    #[error("our own key is not the key the topology names as current for {signer}")]
    OwnKeyNotBound { signer: DivisionCode },
    #[error("the signed object is {bytes} bytes, more than the {limit} bytes its kind may have")]
    TooLarge { bytes: usize, limit: usize },
}

/// A payload with a signature that has been made or checked. Immutable once made, so clones share
/// one copy: nodes hand the same signed object to every session and every rollup that lists it.
pub struct Signed<T> {
    parts: Arc<SignedParts<T>>,
    hash: ObjectHash,
}

struct SignedParts<T> {
    payload: T,
    envelope: Envelope,
}

impl<T> Clone for Signed<T> {
    fn clone(&self) -> Self {
        Self {
            parts: Arc::clone(&self.parts),
            hash: self.hash,
        }
    }
}

impl<T: SignedPayload> fmt::Debug for Signed<T> {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("Signed")
            .field("payload", &self.parts.payload)
            .field("hash", &self.hash)
            .finish()
    }
}

impl<T: SignedPayload> PartialEq for Signed<T> {
    fn eq(&self, other: &Self) -> bool {
        self.hash == other.hash
    }
}

/// Bytes of an envelope as it is encoded: the payload, the signer's key, the signature, and at
/// most ten bytes of length prefixes.
fn envelope_size(payload: &[u8], signature_bytes: usize) -> usize {
    const LENGTH_PREFIXES_MAX: usize = 10;
    payload.len() + 32 + signature_bytes + LENGTH_PREFIXES_MAX
}

fn signed_message(domain: &[u8], payload: &[u8]) -> Vec<u8> {
    let mut message = Vec::with_capacity(domain.len() + payload.len());
    message.extend_from_slice(domain);
    message.extend_from_slice(payload);
    message
}

impl<T: SignedPayload> Signed<T> {
    /// Signs our own payload. The payload must keep its bounds and our key must be the one the
    /// topology binds to the signer: a mismatch is reported rather than producing an object every
    /// peer would refuse.
    pub fn sign(payload: T, key: &SigningKey, topology: &Topology) -> Result<Self, SignedError> {
        payload
            .check()
            .map_err(|reason| SignedError::OutOfBounds { reason })?;
        let signer = payload.signer();
        let public = PublicKey::from_bytes(&key.verifying_key().to_bytes())
            .map_err(|_| SignedError::OwnKeyNotBound { signer })?;
        // New objects are signed only with the key the topology names as current: a retired key
        // still verifies what it signed before, but signs nothing new.
        if topology.node(signer).and_then(|entry| entry.public_key) != Some(public) {
            return Err(SignedError::OwnKeyNotBound { signer });
        }
        let payload_bytes = payload
            .encode()
            .map_err(|reason| SignedError::OutOfBounds { reason })?;
        let envelope_bytes = envelope_size(&payload_bytes, SIGNATURE_BYTES);
        if envelope_bytes > T::MAX_ENVELOPE_BYTES {
            return Err(SignedError::TooLarge {
                bytes: envelope_bytes,
                limit: T::MAX_ENVELOPE_BYTES,
            });
        }
        let signature = key.sign(&signed_message(T::DOMAIN, &payload_bytes));
        let envelope = Envelope {
            payload: payload_bytes,
            signer_key: key.verifying_key().to_bytes(),
            signature: signature.to_bytes().to_vec(),
        };
        let hash = envelope.hash();
        Ok(Self {
            parts: Arc::new(SignedParts { payload, envelope }),
            hash,
        })
    }

    /// Checks an envelope from a peer or from disk: its size first, then that the payload decodes
    /// exactly, keeps its bounds, and is signed by a key the topology binds to its signer.
    pub fn verify(envelope: Envelope, topology: &Topology) -> Result<Self, SignedError> {
        let envelope_bytes = envelope_size(&envelope.payload, envelope.signature.len());
        if envelope_bytes > T::MAX_ENVELOPE_BYTES {
            return Err(SignedError::TooLarge {
                bytes: envelope_bytes,
                limit: T::MAX_ENVELOPE_BYTES,
            });
        }
        let (payload, domain) =
            T::decode(&envelope.payload).map_err(|reason| SignedError::Malformed { reason })?;
        payload
            .check()
            .map_err(|reason| SignedError::OutOfBounds { reason })?;
        let signer = payload.signer();
        if !topology.contains(signer) {
            return Err(SignedError::UnknownSigner { signer });
        }
        let key_text = || {
            PublicKey::from_bytes(&envelope.signer_key)
                .map(|key| key.to_string())
                .unwrap_or_else(|_| "(not an ed25519 key)".to_owned())
        };
        let public =
            PublicKey::from_bytes(&envelope.signer_key).map_err(|_| SignedError::KeyNotBound {
                signer,
                key: key_text(),
            })?;
        // Any key that ever spoke for the signer verifies what it signed: objects stored long ago
        // under a key since retired or revoked still load. Whether a *new* object may be signed
        // by it is the receiver's question (`Signed::key_status`).
        if !topology.key_ever_spoke_for(signer, &public) {
            return Err(SignedError::KeyNotBound {
                signer,
                key: key_text(),
            });
        }
        let signature_bytes: [u8; SIGNATURE_BYTES] = envelope
            .signature
            .as_slice()
            .try_into()
            .map_err(|_| SignedError::BadSignature { signer })?;
        let signature = Signature::from_bytes(&signature_bytes);
        let verifying_key = VerifyingKey::from_bytes(&envelope.signer_key)
            .map_err(|_| SignedError::BadSignature { signer })?;
        verifying_key
            .verify_strict(&signed_message(domain, &envelope.payload), &signature)
            .map_err(|_| SignedError::BadSignature { signer })?;
        let hash = envelope.hash();
        Ok(Self {
            parts: Arc::new(SignedParts { payload, envelope }),
            hash,
        })
    }

    /// Decodes and verifies stored bytes.
    pub fn from_bytes(bytes: &[u8], topology: &Topology) -> Result<Self, SignedError> {
        Self::verify(Envelope::from_bytes(bytes)?, topology)
    }

    pub fn payload(&self) -> &T {
        &self.parts.payload
    }

    /// What the topology says of the key that signed this object now: current, retired (since a
    /// version) or revoked (compromised since a time). `None` if it no longer names the key at
    /// all (a topology that dropped the node).
    pub fn key_status(&self, topology: &Topology) -> Option<topology::KeyStatus> {
        let key = PublicKey::from_bytes(&self.parts.envelope.signer_key).ok()?;
        topology.key_status(self.parts.payload.signer(), &key)
    }

    pub fn envelope(&self) -> &Envelope {
        &self.parts.envelope
    }

    pub fn hash(&self) -> ObjectHash {
        self.hash
    }

    /// The canonical bytes, for storage.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.parts.envelope.to_bytes()
    }
}

/// Keys and a tree for the unit tests of signed kinds.
#[cfg(test)]
pub(crate) mod testing {
    use ed25519_dalek::SigningKey;
    use topology::{DivisionCode, PublicKey, Topology};

    /// The county 兴庆区 and its parent 银川市.
    pub fn county() -> DivisionCode {
        DivisionCode::parse("640104000000").unwrap()
    }

    pub fn city() -> DivisionCode {
        DivisionCode::parse("640100000000").unwrap()
    }

    /// A fixed key per node, from its code.
    pub fn key_of(code: DivisionCode) -> SigningKey {
        let mut seed = [0u8; 32];
        seed[..12].copy_from_slice(code.as_str().as_bytes());
        SigningKey::from_bytes(&seed)
    }

    /// Ningxia with [`key_of`] for every node.
    pub fn topology() -> Topology {
        let mut topology = topology::ningxia();
        let codes: Vec<DivisionCode> = topology.iter().map(|entry| entry.code).collect();
        for code in codes {
            let public = PublicKey::from_verifying_key(&key_of(code).verifying_key()).unwrap();
            topology.set_public_key(code, public).unwrap();
        }
        topology
    }

    /// An envelope over `payload` signed by hand under `domain`, as an earlier binary signed it.
    pub fn signed_by_hand(domain: &[u8], payload: Vec<u8>, key: &SigningKey) -> super::Envelope {
        use ed25519_dalek::Signer;
        let signature = key.sign(&super::signed_message(domain, &payload));
        super::Envelope {
            payload,
            signer_key: key.verifying_key().to_bytes(),
            signature: signature.to_bytes().to_vec(),
        }
    }
}
