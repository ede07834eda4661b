//! Key history through the API: what `key_status` says of each kind of key, and every outcome of
//! `rotate_key` and `revoke_key`, refusals included (a refused change leaves the topology as it was).

mod common;

use common::{code, public_key, signed_ningxia};
use topology::{
    KeyStatus, MAX_COMPROMISED_SINCE_MS, MAX_RETIRED_KEYS_PER_NODE, MAX_REVOKED_KEYS_PER_NODE,
    MAX_VERSION, RetiredKey, RevokedKey, Topology, TopologyError,
};

const COUNTY: &str = "640104000000";
const CITY: &str = "640100000000";

/// 2026-11-20T08:00:00+08:00.
const COMPROMISED_SINCE_MS: i64 = 1_795_132_800_000;

fn current_key(topology: &Topology, code_text: &str) -> topology::PublicKey {
    topology.node(code(code_text)).unwrap().public_key.unwrap()
}

/// Runs a change expected to be refused and checks that it changed nothing, signature included.
fn assert_refused<T: std::fmt::Debug>(
    topology: &mut Topology,
    change: impl FnOnce(&mut Topology) -> Result<T, TopologyError>,
) -> TopologyError {
    let before = topology.clone();
    let error = change(topology).expect_err("the change should be refused");
    assert_eq!(*topology, before, "a refused change altered the topology");
    eprintln!("{error}");
    error
}

#[test]
fn key_status_tells_current_retired_revoked_and_unknown_keys_apart() {
    let (mut topology, _) = signed_ningxia();
    let county = code(COUNTY);
    let first = current_key(&topology, COUNTY);
    topology.rotate_key(county, public_key(800)).unwrap();
    topology.rotate_key(county, public_key(801)).unwrap();
    topology
        .revoke_key(county, &public_key(800), COMPROMISED_SINCE_MS, None)
        .unwrap();
    assert_eq!(topology.version(), 4);

    assert_eq!(
        topology.key_status(county, &public_key(801)),
        Some(KeyStatus::Current)
    );
    assert_eq!(
        topology.key_status(county, &first),
        Some(KeyStatus::Retired {
            retired_in_version: 2
        })
    );
    assert_eq!(
        topology.key_status(county, &public_key(800)),
        Some(KeyStatus::Revoked {
            revoked_in_version: 4,
            compromised_since_ms: COMPROMISED_SINCE_MS
        })
    );
    // Never this node's key: another node's, no node's, or an unknown code.
    let city_key = current_key(&topology, CITY);
    assert_eq!(topology.key_status(county, &city_key), None);
    assert_eq!(topology.key_status(county, &public_key(999)), None);
    assert_eq!(
        topology.key_status(code("999999000000"), &public_key(801)),
        None
    );
    let entry = topology.node(county).unwrap();
    assert_eq!(
        entry.key_status(&first),
        topology.key_status(county, &first)
    );

    // Current and retired keys speak for the node; a revoked key only ever did, and names no node.
    for (key, speaks, spoke, owner) in [
        (public_key(801), true, true, Some(county)),
        (first, true, true, Some(county)),
        (public_key(800), false, true, None),
        (city_key, false, false, Some(code(CITY))),
        (public_key(999), false, false, None),
    ] {
        assert_eq!(topology.key_speaks_for(county, &key), speaks, "{key}");
        assert_eq!(topology.key_ever_spoke_for(county, &key), spoke, "{key}");
        assert_eq!(entry.has_key(&key), speaks, "{key}");
        assert_eq!(
            topology.node_with_key(&key).map(|entry| entry.code),
            owner,
            "{key}"
        );
    }
}

#[test]
fn rotate_key_raises_the_version_and_retires_the_old_key_at_it() {
    let (signed, _) = signed_ningxia();
    let county = code(COUNTY);
    let old_key = current_key(&signed, COUNTY);
    let mut topology = signed.clone();

    let version = topology.rotate_key(county, public_key(800)).unwrap();
    assert_eq!(version, 2);
    assert_eq!(topology.version(), 2);
    assert!(!topology.is_signed());
    let entry = topology.node(county).unwrap();
    assert_eq!(entry.public_key, Some(public_key(800)));
    assert_eq!(
        entry.retired_keys,
        vec![RetiredKey {
            key: old_key,
            retired_in_version: 2
        }]
    );
    assert!(entry.revoked_keys.is_empty());

    // A second rotation retires the second key at the next version, after the first.
    assert_eq!(topology.rotate_key(county, public_key(801)).unwrap(), 3);
    let retired = &topology.node(county).unwrap().retired_keys;
    assert_eq!(
        retired
            .iter()
            .map(|retired| (retired.key, retired.retired_in_version))
            .collect::<Vec<_>>(),
        vec![(old_key, 2), (public_key(800), 3)]
    );
    // Nothing else changed.
    for entry in signed.iter().filter(|entry| entry.code != county) {
        assert_eq!(topology.node(entry.code), Some(entry));
    }

    // A node without a key (a template) gets its first key; nothing is retired.
    let mut template = topology::ningxia();
    assert_eq!(template.rotate_key(county, public_key(900)).unwrap(), 2);
    let entry = template.node(county).unwrap();
    assert_eq!(entry.public_key, Some(public_key(900)));
    assert!(entry.retired_keys.is_empty());
}

#[test]
fn rotate_key_refuses_keys_the_topology_knows_and_too_many_retirements() {
    let (mut topology, _) = signed_ningxia();
    let county = code(COUNTY);
    let current = current_key(&topology, COUNTY);
    topology.rotate_key(county, public_key(800)).unwrap();
    topology
        .revoke_key(
            county,
            &public_key(800),
            COMPROMISED_SINCE_MS,
            Some(public_key(801)),
        )
        .unwrap();
    let city_key = current_key(&topology, CITY);

    let error = assert_refused(&mut topology, |topology| {
        topology.rotate_key(county, city_key)
    });
    assert!(
        matches!(error, TopologyError::DuplicatePublicKey { first, second, .. }
            if first == code(CITY) && second == county),
        "{error:?}"
    );
    let error = assert_refused(&mut topology, |topology| {
        topology.rotate_key(county, public_key(800))
    });
    assert!(
        matches!(error, TopologyError::KeyRevoked { .. }),
        "{error:?}"
    );
    let error = assert_refused(&mut topology, |topology| {
        topology.rotate_key(county, current)
    });
    assert!(
        matches!(
            error,
            TopologyError::KeyRetired {
                retired_in_version: 2,
                ..
            }
        ),
        "{error:?}"
    );
    let error = assert_refused(&mut topology, |topology| {
        topology.rotate_key(county, public_key(801))
    });
    assert!(
        matches!(error, TopologyError::KeyAlreadyCurrent { .. }),
        "{error:?}"
    );
    // Another node's revoked key is refused too: a key never moves between nodes.
    let error = assert_refused(&mut topology, |topology| {
        topology.rotate_key(code(CITY), public_key(800))
    });
    assert!(
        matches!(error, TopologyError::DuplicatePublicKey { first, .. } if first == county),
        "{error:?}"
    );
    let error = assert_refused(&mut topology, |topology| {
        topology.rotate_key(code("999999000000"), public_key(802))
    });
    assert!(
        matches!(error, TopologyError::UnknownNode { .. }),
        "{error:?}"
    );

    // Up to the limit of retired keys, then refused.
    let (mut topology, _) = signed_ningxia();
    for index in 0..MAX_RETIRED_KEYS_PER_NODE {
        topology
            .rotate_key(county, public_key(1000 + index))
            .unwrap();
    }
    assert_eq!(
        topology.node(county).unwrap().retired_keys.len(),
        MAX_RETIRED_KEYS_PER_NODE
    );
    let error = assert_refused(&mut topology, |topology| {
        topology.rotate_key(county, public_key(2000))
    });
    assert!(
        matches!(error, TopologyError::TooManyRetiredKeys { count, .. }
            if count == MAX_RETIRED_KEYS_PER_NODE + 1),
        "{error:?}"
    );

    // At the largest version there is no next one.
    let (mut topology, _) = signed_ningxia();
    topology.set_version(MAX_VERSION);
    let error = assert_refused(&mut topology, |topology| {
        topology.rotate_key(county, public_key(800))
    });
    assert!(
        matches!(error, TopologyError::VersionExhausted { version, .. } if version == MAX_VERSION),
        "{error:?}"
    );
}

#[test]
fn revoking_the_current_key_needs_a_replacement_that_becomes_current() {
    let (signed, _) = signed_ningxia();
    let county = code(COUNTY);
    let stolen = current_key(&signed, COUNTY);

    let mut topology = signed.clone();
    let error = assert_refused(&mut topology, |topology| {
        topology.revoke_key(county, &stolen, COMPROMISED_SINCE_MS, None)
    });
    assert!(
        matches!(error, TopologyError::ReplacementRequired { .. }),
        "{error:?}"
    );
    assert!(topology.is_signed());

    let version = topology
        .revoke_key(county, &stolen, COMPROMISED_SINCE_MS, Some(public_key(800)))
        .unwrap();
    assert_eq!(version, 2);
    assert_eq!(topology.version(), 2);
    assert!(!topology.is_signed());
    let entry = topology.node(county).unwrap();
    assert_eq!(entry.public_key, Some(public_key(800)));
    // The revoked key is not retired: it verifies nothing new.
    assert!(entry.retired_keys.is_empty());
    assert_eq!(
        entry.revoked_keys,
        vec![RevokedKey {
            key: stolen,
            revoked_in_version: 2,
            compromised_since_ms: COMPROMISED_SINCE_MS
        }]
    );
    assert!(!topology.key_speaks_for(county, &stolen));
    assert!(topology.key_ever_spoke_for(county, &stolen));

    // The replacement obeys the rules of a rotation.
    let mut topology = signed.clone();
    let city_key = current_key(&topology, CITY);
    let error = assert_refused(&mut topology, |topology| {
        topology.revoke_key(county, &stolen, COMPROMISED_SINCE_MS, Some(city_key))
    });
    assert!(
        matches!(error, TopologyError::DuplicatePublicKey { .. }),
        "{error:?}"
    );
    let error = assert_refused(&mut topology, |topology| {
        topology.revoke_key(county, &stolen, COMPROMISED_SINCE_MS, Some(stolen))
    });
    assert!(
        matches!(error, TopologyError::KeyAlreadyCurrent { .. }),
        "{error:?}"
    );
}

#[test]
fn revoking_a_retired_key_leaves_the_current_key() {
    let (mut topology, _) = signed_ningxia();
    let county = code(COUNTY);
    let old_key = current_key(&topology, COUNTY);
    topology.rotate_key(county, public_key(800)).unwrap();
    topology.rotate_key(county, public_key(801)).unwrap();

    let error = assert_refused(&mut topology, |topology| {
        topology.revoke_key(
            county,
            &old_key,
            COMPROMISED_SINCE_MS,
            Some(public_key(802)),
        )
    });
    assert!(
        matches!(error, TopologyError::ReplacementNotApplicable { .. }),
        "{error:?}"
    );

    assert_eq!(
        topology
            .revoke_key(county, &old_key, COMPROMISED_SINCE_MS, None)
            .unwrap(),
        4
    );
    let entry = topology.node(county).unwrap();
    assert_eq!(entry.public_key, Some(public_key(801)));
    assert_eq!(
        entry.retired_keys,
        vec![RetiredKey {
            key: public_key(800),
            retired_in_version: 3
        }]
    );
    assert_eq!(
        topology.key_status(county, &old_key),
        Some(KeyStatus::Revoked {
            revoked_in_version: 4,
            compromised_since_ms: COMPROMISED_SINCE_MS
        })
    );

    // Revoked once is enough.
    let error = assert_refused(&mut topology, |topology| {
        topology.revoke_key(county, &old_key, COMPROMISED_SINCE_MS, None)
    });
    assert!(
        matches!(
            error,
            TopologyError::KeyAlreadyRevoked {
                revoked_in_version: 4,
                ..
            }
        ),
        "{error:?}"
    );
}

#[test]
fn revoke_key_refuses_unknown_keys_other_nodes_keys_bad_times_and_too_many() {
    let (mut topology, _) = signed_ningxia();
    let county = code(COUNTY);
    let city_key = current_key(&topology, CITY);

    let error = assert_refused(&mut topology, |topology| {
        topology.revoke_key(county, &public_key(999), COMPROMISED_SINCE_MS, None)
    });
    assert!(
        matches!(error, TopologyError::UnknownKey { .. }),
        "{error:?}"
    );
    let error = assert_refused(&mut topology, |topology| {
        topology.revoke_key(county, &city_key, COMPROMISED_SINCE_MS, None)
    });
    assert!(
        matches!(error, TopologyError::KeyOfOtherNode { owner, .. } if owner == code(CITY)),
        "{error:?}"
    );
    assert!(error.to_string().contains(CITY), "{error}");
    let error = assert_refused(&mut topology, |topology| {
        topology.revoke_key(code("999999000000"), &city_key, COMPROMISED_SINCE_MS, None)
    });
    assert!(
        matches!(error, TopologyError::UnknownNode { .. }),
        "{error:?}"
    );

    let current = current_key(&topology, COUNTY);
    for bad_time in [-1, MAX_COMPROMISED_SINCE_MS + 1, i64::MIN, i64::MAX] {
        let error = assert_refused(&mut topology, |topology| {
            topology.revoke_key(county, &current, bad_time, Some(public_key(800)))
        });
        assert!(
            matches!(error, TopologyError::BadCompromiseTime { .. }),
            "{error:?}"
        );
    }

    // Up to the limit of revoked keys, then refused.
    for index in 0..MAX_REVOKED_KEYS_PER_NODE {
        let current = current_key(&topology, COUNTY);
        topology
            .revoke_key(
                county,
                &current,
                COMPROMISED_SINCE_MS,
                Some(public_key(1000 + index)),
            )
            .unwrap();
    }
    let current = current_key(&topology, COUNTY);
    let error = assert_refused(&mut topology, |topology| {
        topology.revoke_key(
            county,
            &current,
            COMPROMISED_SINCE_MS,
            Some(public_key(2000)),
        )
    });
    assert!(
        matches!(error, TopologyError::TooManyRevokedKeys { count, .. }
            if count == MAX_REVOKED_KEYS_PER_NODE + 1),
        "{error:?}"
    );

    let (mut topology, _) = signed_ningxia();
    topology.set_version(MAX_VERSION);
    let current = current_key(&topology, COUNTY);
    let error = assert_refused(&mut topology, |topology| {
        topology.revoke_key(
            county,
            &current,
            COMPROMISED_SINCE_MS,
            Some(public_key(800)),
        )
    });
    assert!(
        matches!(error, TopologyError::VersionExhausted { .. }),
        "{error:?}"
    );
}

#[test]
fn the_older_key_operations_keep_their_behaviour_and_respect_revocation() {
    let (mut topology, _) = signed_ningxia();
    let county = code(COUNTY);
    let first = current_key(&topology, COUNTY);

    // rotate_public_key records the version as it is, without raising it.
    topology.rotate_public_key(county, public_key(800)).unwrap();
    assert_eq!(topology.version(), 1);
    assert_eq!(
        topology.key_status(county, &first),
        Some(KeyStatus::Retired {
            retired_in_version: 1
        })
    );
    // Rotating back to a retired key makes it current again, as it always did.
    topology.rotate_public_key(county, first).unwrap();
    assert_eq!(
        topology.node(county).unwrap().retired_keys,
        vec![RetiredKey {
            key: public_key(800),
            retired_in_version: 1
        }]
    );
    // set_public_key takes a retired key back without leaving it listed twice.
    topology.set_public_key(county, public_key(800)).unwrap();
    let entry = topology.node(county).unwrap();
    assert_eq!(entry.public_key, Some(public_key(800)));
    assert!(entry.retired_keys.is_empty());

    // Neither older operation brings back a revoked key.
    topology
        .revoke_key(county, &public_key(800), COMPROMISED_SINCE_MS, Some(first))
        .unwrap();
    let error = assert_refused(&mut topology, |topology| {
        topology.set_public_key(county, public_key(800))
    });
    assert!(
        matches!(error, TopologyError::KeyRevoked { .. }),
        "{error:?}"
    );
    let error = assert_refused(&mut topology, |topology| {
        topology.rotate_public_key(county, public_key(800))
    });
    assert!(
        matches!(error, TopologyError::KeyRevoked { .. }),
        "{error:?}"
    );
    let error = assert_refused(&mut topology, |topology| {
        topology.set_public_key(code(CITY), public_key(800))
    });
    assert!(
        matches!(error, TopologyError::DuplicatePublicKey { .. }),
        "{error:?}"
    );
}

#[test]
fn set_version_never_goes_below_recorded_key_history() {
    let (mut topology, _) = signed_ningxia();
    let county = code(COUNTY);
    topology.rotate_key(county, public_key(800)).unwrap();
    topology.rotate_key(county, public_key(801)).unwrap();
    assert_eq!(topology.version(), 3);
    topology.set_version(1);
    assert_eq!(topology.version(), 3);
    topology.set_version(7);
    assert_eq!(topology.version(), 7);
    // What was written reads back.
    let read_back = Topology::from_toml_str(&topology.to_toml_string(), "lowered.toml").unwrap();
    assert_eq!(read_back, topology);
}

#[test]
fn a_root_key_handover_works_with_rotate_key_but_not_with_a_revoked_root_key() {
    let (topology, old_root_key) = signed_ningxia();
    let trusted = topology.root().public_key.unwrap();
    let root = topology.root().code;

    // A rotation retires the old root key at the new version; the old key signs the handover.
    let mut next = topology.clone();
    assert_eq!(next.rotate_key(root, public_key(600)).unwrap(), 2);
    next.sign_key_handover(&old_root_key).unwrap();
    next.verify_signed_by(&trusted).unwrap();
    assert!(next.root().has_key(&trusted));
    let read_back = Topology::from_toml_str(&next.to_toml_string(), "handover.toml").unwrap();
    read_back.verify_signed_by(&trusted).unwrap();

    // A revoked root key neither signs a handover nor is trusted to verify one.
    let mut revoked = topology.clone();
    revoked
        .revoke_key(
            root,
            &trusted,
            COMPROMISED_SINCE_MS,
            Some(common::public_key(601)),
        )
        .unwrap();
    assert!(!revoked.root().has_key(&trusted));
    assert!(matches!(
        revoked.sign_key_handover(&old_root_key),
        Err(TopologyError::SigningKeyNotRoot { .. })
    ));
    revoked.sign(&common::signing_key(601)).unwrap();
    assert!(matches!(
        revoked.verify_signed_by(&trusted),
        Err(TopologyError::TrustedKeyNotRoot { .. })
    ));
}
