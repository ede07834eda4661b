//! Helpers shared by the integration tests: deterministic keys, filled-in and signed trees, and
//! finding the line of a piece of TOML text.

#![allow(dead_code)]

use ed25519_dalek::SigningKey;
use topology::{DivisionCode, PublicKey, Topology};

/// A signing key derived from `index`, the same in every run.
pub fn signing_key(index: usize) -> SigningKey {
    let mut seed = [0x5a_u8; 32];
    seed[..8].copy_from_slice(&(index as u64).to_le_bytes());
    SigningKey::from_bytes(&seed)
}

/// The public half of [`signing_key`].
pub fn public_key(index: usize) -> PublicKey {
    PublicKey::from_verifying_key(&signing_key(index).verifying_key()).unwrap()
}

/// The signing key given to `code` by [`fill_in`].
pub fn key_of(topology: &Topology, code: DivisionCode) -> SigningKey {
    let index = topology
        .iter()
        .position(|entry| entry.code == code)
        .unwrap();
    signing_key(index)
}

/// Gives every node a key (by its position in code order) and every node an address on loopback.
pub fn fill_in(topology: &mut Topology) {
    let codes: Vec<DivisionCode> = topology.iter().map(|entry| entry.code).collect();
    for (index, code) in codes.into_iter().enumerate() {
        topology.set_public_key(code, public_key(index)).unwrap();
        topology
            .set_address(code, format!("127.0.0.1:{}", 47_000 + index))
            .unwrap();
    }
}

/// The Ningxia tree with keys and addresses, signed by the region, and the region's signing key.
pub fn signed_ningxia() -> (Topology, SigningKey) {
    let mut topology = topology::ningxia();
    fill_in(&mut topology);
    let root_key = key_of(&topology, topology.root().code);
    topology.sign(&root_key).unwrap();
    (topology, root_key)
}

/// The 1-based line of the first occurrence of `needle` in `text`.
pub fn line_of(text: &str, needle: &str) -> usize {
    let offset = text
        .find(needle)
        .unwrap_or_else(|| panic!("{needle:?} not in the text"));
    text[..offset].matches('\n').count() + 1
}

/// The 1-based line of the `occurrence`-th (from 0) occurrence of `needle` in `text`.
pub fn line_of_nth(text: &str, needle: &str, occurrence: usize) -> usize {
    let (offset, _) = text
        .match_indices(needle)
        .nth(occurrence)
        .unwrap_or_else(|| panic!("{needle:?} does not occur {} times", occurrence + 1));
    text[..offset].matches('\n').count() + 1
}

/// Parses a code known to be valid.
pub fn code(text: &str) -> DivisionCode {
    DivisionCode::parse(text).unwrap()
}
