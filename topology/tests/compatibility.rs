//! Files signed by earlier code still read and verify bit for bit (fixtures in `tests/fixtures`,
//! described in their README).

mod common;

use common::{code, public_key};
use topology::Topology;

/// The region topology of the store-format-1 fixture, signed by the binary of commit e2c68b6.
const RELEASED: &str = include_str!("fixtures/store-format-1-region.toml");

/// The Ningxia tree with retired keys and a root key handover, signed before key history.
const WITH_RETIRED_KEYS: &str = include_str!("fixtures/signed-before-key-history.toml");

#[test]
fn a_topology_signed_by_the_last_release_still_verifies() {
    let topology = Topology::from_toml_str(RELEASED, "store-format-1-region.toml").unwrap();
    topology.verify_signature().unwrap();
    let root_key = topology.root().public_key.unwrap();
    topology.verify_signed_by(&root_key).unwrap();
}

#[test]
fn a_handover_signed_before_key_history_still_verifies() {
    let topology =
        Topology::from_toml_str(WITH_RETIRED_KEYS, "signed-before-key-history.toml").unwrap();
    let root = topology.root().code;
    // The root's old key signed the handover to `public_key(600)`.
    let old_root_key = common::public_key(0);
    topology.verify_signed_by(&old_root_key).unwrap();
    assert!(topology.verify_signature().is_err());
    assert_eq!(topology.root().public_key, Some(public_key(600)));
    assert!(topology.key_speaks_for(root, &old_root_key));
    assert!(topology.key_speaks_for(code("640104000000"), &public_key(800)));
    // Written again unchanged, the file reads back to the same topology.
    let again = Topology::from_toml_str(&topology.to_toml_string(), "again.toml").unwrap();
    assert_eq!(again, topology);
    again.verify_signed_by(&old_root_key).unwrap();
}
