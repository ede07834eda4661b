//! Files signed by earlier code still read and verify bit for bit (fixtures in `tests/fixtures`,
//! described in their README), and key history is covered by the signature of encoding 2.

mod common;

use common::{code, public_key, signed_ningxia};
use topology::signing::{CANONICAL_DOMAIN, CANONICAL_DOMAIN_WITH_KEY_HISTORY};
use topology::{Topology, TopologyError};

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

#[test]
fn files_without_key_history_are_encoded_and_written_exactly_as_before() {
    for (origin, text) in [
        ("store-format-1-region.toml", RELEASED),
        ("signed-before-key-history.toml", WITH_RETIRED_KEYS),
    ] {
        let topology = Topology::from_toml_str(text, origin).unwrap();
        let bytes = topology.canonical_bytes();
        assert!(bytes.starts_with(CANONICAL_DOMAIN), "{origin}");
        assert!(topology.iter().all(|entry| {
            entry.revoked_keys.is_empty()
                && entry
                    .retired_keys
                    .iter()
                    .all(|retired| retired.retired_in_version == 0)
        }));
        // The writer lays such a file out exactly as the code that signed it did.
        assert_eq!(topology.to_toml_string(), text, "{origin}");
    }
}

/// The Ningxia tree with key history, signed by the root: 兴庆区 rotated twice (versions 2 and 3),
/// then its first key revoked (4); the city's current key revoked and replaced (5).
fn signed_with_history() -> (Topology, ed25519_dalek::SigningKey) {
    let (mut topology, root_key) = signed_ningxia();
    let county = code("640104000000");
    let city = code("640100000000");
    let first_county_key = topology.node(county).unwrap().public_key.unwrap();
    let city_key = topology.node(city).unwrap().public_key.unwrap();
    assert_eq!(topology.rotate_key(county, public_key(800)).unwrap(), 2);
    assert_eq!(topology.rotate_key(county, public_key(801)).unwrap(), 3);
    assert_eq!(
        topology
            .revoke_key(county, &first_county_key, COMPROMISED_SINCE_MS, None)
            .unwrap(),
        4
    );
    assert_eq!(
        topology
            .revoke_key(
                city,
                &city_key,
                COMPROMISED_SINCE_MS + 250,
                Some(public_key(802))
            )
            .unwrap(),
        5
    );
    assert!(!topology.is_signed());
    topology.sign(&root_key).unwrap();
    (topology, root_key)
}

/// 2026-11-20T08:00:00+08:00.
const COMPROMISED_SINCE_MS: i64 = 1_795_132_800_000;

#[test]
fn rotate_and_revoke_then_sign_round_trips_through_the_file() {
    let (topology, root_key) = signed_with_history();
    assert!(
        topology
            .canonical_bytes()
            .starts_with(CANONICAL_DOMAIN_WITH_KEY_HISTORY)
    );
    topology.verify_signature().unwrap();

    let text = topology.to_toml_string();
    let county_lines = [
        "retired_keys = [".to_owned(),
        format!("    {{ key = \"{}\", retired_in_version = 3 }},", public_key(800)),
        "]".to_owned(),
        "revoked_keys = [".to_owned(),
        format!(
            "    {{ key = \"{}\", revoked_in_version = 4, compromised_since = \"2026-11-20T08:00:00+08:00\" }},",
            signed_ningxia().0.node(code("640104000000")).unwrap().public_key.unwrap()
        ),
        "]".to_owned(),
    ]
    .join("\n");
    assert!(
        text.contains(&county_lines),
        "{county_lines}\nnot in\n{text}"
    );
    assert!(
        text.contains(
            "revoked_in_version = 5, compromised_since = \"2026-11-20T08:00:00.25+08:00\""
        ),
        "{text}"
    );
    let read_back = Topology::from_toml_str(&text, "history.toml").unwrap();
    assert_eq!(read_back, topology);
    assert_eq!(read_back.to_toml_string(), text);
    read_back.verify_signature().unwrap();
    read_back
        .verify_signed_by(&read_back.root().public_key.unwrap())
        .unwrap();

    // Signing again gives the same signature (ed25519 is deterministic).
    let mut again = read_back.clone();
    again.sign(&root_key).unwrap();
    assert_eq!(again, read_back);
}

#[test]
fn changing_any_key_history_breaks_the_signature() {
    let (topology, _) = signed_with_history();
    let text = topology.to_toml_string();
    let revoked_county_key = topology.node(code("640104000000")).unwrap().revoked_keys[0]
        .key
        .to_string();
    let cases: Vec<(&str, String)> = vec![
        (
            "a retirement version",
            text.replace("retired_in_version = 3", "retired_in_version = 2"),
        ),
        (
            "a retirement version to unknown",
            text.replace("retired_in_version = 3", "retired_in_version = 0"),
        ),
        (
            "a revocation version",
            text.replace("revoked_in_version = 4", "revoked_in_version = 3"),
        ),
        (
            "a compromise time",
            text.replace("2026-11-20T08:00:00+08:00", "2026-11-20T09:00:00+08:00"),
        ),
        (
            "a compromise time by a millisecond",
            text.replace("08:00:00.25+08:00", "08:00:00.251+08:00"),
        ),
        (
            "a revocation turned into a retirement",
            text.replace(
                &format!(
                    "revoked_keys = [\n    {{ key = \"{revoked_county_key}\", revoked_in_version = 4, compromised_since = \"2026-11-20T08:00:00+08:00\" }},\n]\n"
                ),
                "",
            )
            .replace(
                "retired_in_version = 3 },\n",
                &format!(
                    "retired_in_version = 3 }},\n    {{ key = \"{revoked_county_key}\", retired_in_version = 4 }},\n"
                ),
            ),
        ),
        (
            "a removed revocation",
            {
                let start = text.find("revoked_keys = [").unwrap();
                let end = start + text[start..].find("]\n").unwrap() + 2;
                format!("{}{}", &text[..start], &text[end..])
            },
        ),
    ];
    let trusted = topology.root().public_key.unwrap();
    for (description, tampered) in cases {
        assert_ne!(tampered, text, "{description}: the edit changed nothing");
        match Topology::from_toml_str(&tampered, "tampered.toml") {
            // Some edits leave a key unaccounted for or a version out of order; refused either way.
            Err(error) => eprintln!("{description}: refused when read: {error}"),
            Ok(tampered) => {
                assert_ne!(tampered, topology, "{description}");
                assert!(
                    matches!(
                        tampered.verify_signature(),
                        Err(TopologyError::BadSignature { .. })
                    ),
                    "{description}: verify_signature accepted the change"
                );
                assert!(
                    tampered.verify_signed_by(&trusted).is_err(),
                    "{description}: verify_signed_by accepted the change"
                );
            }
        }
    }
}

#[test]
fn stripping_the_history_cannot_pass_for_a_signature_under_the_old_encoding() {
    let (topology, _) = signed_with_history();
    let text = topology.to_toml_string();
    // Every retirement version set to 0 and the revocations gone: encoding 1 again.
    let mut stripped = text.replace("retired_in_version = 3", "retired_in_version = 0");
    while let Some(start) = stripped.find("revoked_keys = [") {
        let end = start + stripped[start..].find("]\n").unwrap() + 2;
        stripped = format!("{}{}", &stripped[..start], &stripped[end..]);
    }
    let stripped = Topology::from_toml_str(&stripped, "stripped.toml").unwrap();
    assert!(stripped.canonical_bytes().starts_with(CANONICAL_DOMAIN));
    assert!(matches!(
        stripped.verify_signature(),
        Err(TopologyError::BadSignature { .. })
    ));
}
