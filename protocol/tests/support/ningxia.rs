//! The Ningxia tree as the protocol's tests sign with it: a key for every node derived from its
//! code, an address for every parent, the topology signed by the region.

use ed25519_dalek::SigningKey;
use topology::{DivisionCode, PublicKey, Topology};

/// The node's signing key, derived from its code so every test derives the same one.
pub fn key_of(code: DivisionCode) -> SigningKey {
    let mut seed = [0u8; 32];
    seed[..12].copy_from_slice(code.as_str().as_bytes());
    SigningKey::from_bytes(&seed)
}

/// Ningxia with a key for every node and an address for every node with children.
pub fn topology() -> Topology {
    let mut topology = topology::ningxia();
    let codes: Vec<DivisionCode> = topology.iter().map(|entry| entry.code).collect();
    for (index, code) in codes.iter().enumerate() {
        let public = PublicKey::from_verifying_key(&key_of(*code).verifying_key()).unwrap();
        topology.set_public_key(*code, public).unwrap();
        if !topology.children_of(*code).is_empty() {
            topology
                .set_address(*code, format!("127.0.0.1:{}", 40_000 + index))
                .unwrap();
        }
    }
    let root = topology.root().code;
    topology.sign(&key_of(root)).unwrap();
    topology
}
