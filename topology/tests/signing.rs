//! Signing and verifying: round trips, tampering with each field, independence from TOML layout,
//! completeness, and handing trust over to a new root key.

mod common;

use common::{code, fill_in, key_of, public_key, signed_ningxia, signing_key};
use topology::{RetiredKey, Topology, TopologyError};

#[test]
fn sign_then_verify_round_trips_through_the_file() {
    let (topology, root_key) = signed_ningxia();
    assert!(topology.is_signed());
    topology.verify_signature().unwrap();
    let trusted = topology.root().public_key.unwrap();
    topology.verify_signed_by(&trusted).unwrap();
    assert_eq!(topology.signature().unwrap().signer(), topology.root().code);

    let read_back = Topology::from_toml_str(&topology.to_toml_string(), "signed.toml").unwrap();
    assert_eq!(read_back, topology);
    read_back.verify_signature().unwrap();
    read_back.verify_signed_by(&trusted).unwrap();

    // Signing is deterministic (ed25519), so signing again gives the same signature.
    let mut again = read_back.clone();
    again.sign(&root_key).unwrap();
    assert_eq!(again, read_back);
}

#[test]
fn any_change_through_the_api_drops_the_signature() {
    let (signed, _) = signed_ningxia();
    let county = code("640104000000");

    let mut topology = signed.clone();
    topology.set_version(2);
    assert!(!topology.is_signed());
    assert_eq!(topology.verify_signature(), Err(TopologyError::NotSigned));

    let mut topology = signed.clone();
    topology
        .set_address(county, "10.64.1.4:47000".to_owned())
        .unwrap();
    assert!(!topology.is_signed());

    let mut topology = signed.clone();
    topology.set_public_key(county, public_key(900)).unwrap();
    assert!(!topology.is_signed());

    let mut topology = signed;
    topology.rotate_public_key(county, public_key(901)).unwrap();
    assert!(!topology.is_signed());
}

/// A change made to the text of a signed topology.
type Edit = Box<dyn Fn(&str) -> String>;

/// Applies `edit` to the signed Ningxia file and checks that the result is refused, either when read
/// or when verified.
fn assert_tampering_detected(description: &str, edit: impl Fn(&str) -> String) {
    let (topology, _) = signed_ningxia();
    let trusted = topology.root().public_key.unwrap();
    let original = topology.to_toml_string();
    let tampered = edit(&original);
    assert_ne!(
        tampered, original,
        "{description}: the edit changed nothing"
    );
    match Topology::from_toml_str(&tampered, "tampered.toml") {
        Err(_) => {}
        Ok(tampered) => {
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

#[test]
fn tampering_with_any_field_after_signing_fails_verification() {
    let other_key = public_key(999).to_string();
    let cases: Vec<(&str, Edit)> = vec![
        (
            "version",
            Box::new(|text| text.replace("version = 1", "version = 2")),
        ),
        (
            "topology name",
            Box::new(|text| text.replace("reporting tree\"", "reporting tree!\"")),
        ),
        (
            "name_zh",
            Box::new(|text| text.replace("name_zh = \"兴庆区\"", "name_zh = \"兴庆县\"")),
        ),
        (
            "name_en",
            Box::new(|text| text.replace("Xingqing District", "Xingqing County")),
        ),
        (
            "root level",
            Box::new(|text| text.replacen("level = \"region\"", "level = \"nation\"", 1)),
        ),
        (
            "parent",
            Box::new(|text| {
                // Move 兴庆区 from 银川市 to 石嘴山市.
                text.replacen(
                    "name_en = \"Xingqing District\"\nlevel = \"county\"\nparent = \"640100000000\"",
                    "name_en = \"Xingqing District\"\nlevel = \"county\"\nparent = \"640200000000\"",
                    1,
                )
            }),
        ),
        (
            "public_key",
            Box::new(move |text| {
                let county_key = public_key(2).to_string();
                text.replace(&county_key, &other_key)
            }),
        ),
        (
            "retired_keys",
            Box::new(|text| {
                text.replacen(
                    "address = \"127.0.0.1:47002\"",
                    &format!(
                        "address = \"127.0.0.1:47002\"\nretired_keys = [\"{}\"]",
                        public_key(998)
                    ),
                    1,
                )
            }),
        ),
        (
            "address",
            Box::new(|text| text.replace("127.0.0.1:47001\"", "127.0.0.1:47999\"")),
        ),
        (
            "a removed node",
            Box::new(|text| {
                let start = text.find("[[node]]\ncode = \"640522000000\"").unwrap();
                let end = text.find("[signature]").unwrap();
                format!("{}{}", &text[..start], &text[end..])
            }),
        ),
        (
            "an added node",
            Box::new(|text| {
                text.replace(
                    "[signature]",
                    &format!(
                        "[[node]]\ncode = \"640523000000\"\nname_zh = \"新县\"\nname_en = \"New County\"\n\
                         level = \"county\"\nparent = \"640500000000\"\npublic_key = \"{}\"\n\n[signature]",
                        public_key(997)
                    ),
                )
            }),
        ),
        (
            "signature value",
            Box::new(|text| {
                let start = text.find("value = \"").unwrap() + "value = \"".len();
                let mut bytes = text.as_bytes().to_vec();
                bytes[start] = if bytes[start] == b'A' { b'B' } else { b'A' };
                String::from_utf8(bytes).unwrap()
            }),
        ),
    ];
    for (description, edit) in cases {
        assert_tampering_detected(description, edit);
    }
}

#[test]
fn the_signature_ignores_layout_comments_and_order() {
    let (topology, _) = signed_ningxia();
    let text = topology.to_toml_string();
    // Reverse the node tables, add comments and blank lines, and write one string as a literal.
    let (head, rest) = text.split_at(text.find("\n[[node]]\n").unwrap());
    let (nodes, signature) = rest.split_at(rest.find("[signature]").unwrap());
    let mut tables: Vec<&str> = nodes
        .split("[[node]]")
        .filter(|table| !table.trim().is_empty())
        .collect();
    tables.reverse();
    let reordered: String = tables
        .iter()
        .map(|table| format!("# a comment the signature does not cover\n[[node]]{table}\n\n"))
        .collect();
    let head = head.replace(
        "name = \"宁夏回族自治区 reporting tree\"",
        "name = '宁夏回族自治区 reporting tree'",
    );
    let relaid = format!("{head}\n\n{reordered}{signature}");
    assert_ne!(relaid, text);
    let read_back = Topology::from_toml_str(&relaid, "relaid.toml").unwrap();
    assert_eq!(read_back.canonical_bytes(), topology.canonical_bytes());
    assert_eq!(read_back.digest(), topology.digest());
    read_back.verify_signature().unwrap();
}

#[test]
fn signing_needs_keys_addresses_and_the_root_key() {
    let mut template = topology::ningxia();
    let root = template.root().code;
    assert!(matches!(
        template.sign(&signing_key(0)),
        Err(TopologyError::MissingPublicKey { code }) if code == root
    ));

    let mut topology = template;
    fill_in(&mut topology);
    let root_key = key_of(&topology, root);
    let text = topology.to_toml_string();
    // Without the address of a city, its counties could not connect.
    let mut without_city_address = Topology::from_toml_str(
        &text.replace("address = \"127.0.0.1:47001\"\n", ""),
        "no-city-address.toml",
    )
    .unwrap();
    assert!(matches!(
        without_city_address.sign(&root_key),
        Err(TopologyError::MissingAddress { code: city }) if city == code("640100000000")
    ));
    // Every problem signing would meet is listed at once, each naming its node.
    let region_address = format!(
        "address = \"{}\"\n",
        topology.root().address.clone().unwrap()
    );
    let without_two = Topology::from_toml_str(
        &text
            .replace("address = \"127.0.0.1:47001\"\n", "")
            .replace(&region_address, ""),
        "two-problems.toml",
    )
    .unwrap();
    assert_eq!(
        without_two.completeness_problems(),
        [
            TopologyError::MissingAddress { code: root },
            TopologyError::MissingAddress {
                code: code("640100000000")
            },
        ]
    );
    assert_eq!(topology::ningxia().completeness_problems().len(), 28 + 6);
    // Counties may go without an address.
    let mut without_county_address = Topology::from_toml_str(
        &text.replace("address = \"127.0.0.1:47002\"\n", ""),
        "no-county-address.toml",
    )
    .unwrap();
    without_county_address.sign(&root_key).unwrap();
    without_county_address.verify_signature().unwrap();

    let city_key = key_of(&topology, code("640100000000"));
    let error = topology.sign(&city_key).unwrap_err();
    assert!(
        matches!(error, TopologyError::SigningKeyNotRoot { .. }),
        "{error:?}"
    );
    assert!(!topology.is_signed());
    topology.sign(&root_key).unwrap();
    topology.verify_signature().unwrap();
}

#[test]
fn verification_refuses_other_signers_and_untrusted_keys() {
    let (topology, _) = signed_ningxia();
    // A key that is not the root's is refused before any signature check.
    let city_key = topology
        .node(code("640100000000"))
        .unwrap()
        .public_key
        .unwrap();
    assert!(matches!(
        topology.verify_signed_by(&city_key),
        Err(TopologyError::TrustedKeyNotRoot { .. })
    ));

    // Someone who swaps in their own root key and signs with it fails against the trusted key.
    let trusted = topology.root().public_key.unwrap();
    let mut forged = topology.clone();
    let root = forged.root().code;
    forged.set_public_key(root, public_key(500)).unwrap();
    forged.sign(&signing_key(500)).unwrap();
    forged.verify_signature().unwrap();
    assert!(matches!(
        forged.verify_signed_by(&trusted),
        Err(TopologyError::TrustedKeyNotRoot { .. })
    ));
}

#[test]
fn a_root_key_handover_is_accepted_with_the_old_key() {
    let (topology, old_root_key) = signed_ningxia();
    let trusted = topology.root().public_key.unwrap();
    let root = topology.root().code;

    let mut next = topology.clone();
    next.set_version(2);
    next.rotate_public_key(root, public_key(600)).unwrap();
    assert_eq!(
        next.root().retired_keys,
        vec![RetiredKey {
            key: trusted,
            retired_in_version: 2
        }]
    );
    // The new key cannot sign the handover: nodes do not trust it yet.
    assert!(matches!(
        next.sign_key_handover(&signing_key(600)),
        Err(TopologyError::SigningKeyNotRoot { .. })
    ));
    next.sign_key_handover(&old_root_key).unwrap();
    next.verify_signed_by(&trusted).unwrap();
    assert!(matches!(
        next.verify_signature(),
        Err(TopologyError::BadSignature { .. })
    ));
    assert!(next.key_speaks_for(root, &trusted));

    // Later versions are signed with the new key, which nodes now trust.
    let mut later = next.clone();
    later.set_version(3);
    later.sign(&signing_key(600)).unwrap();
    later.verify_signature().unwrap();
    later.verify_signed_by(&public_key(600)).unwrap();
    assert!(later.verify_signed_by(&trusted).is_err());
}

#[test]
fn keys_cannot_be_shared_between_nodes() {
    let (mut topology, _) = signed_ningxia();
    let city_key = topology
        .node(code("640100000000"))
        .unwrap()
        .public_key
        .unwrap();
    let error = topology
        .set_public_key(code("640104000000"), city_key)
        .unwrap_err();
    assert!(
        matches!(error, TopologyError::DuplicatePublicKey { .. }),
        "{error:?}"
    );
    assert!(
        topology.is_signed(),
        "a refused change leaves the signature"
    );
    let error = topology
        .set_public_key(code("999999000000"), public_key(700))
        .unwrap_err();
    assert!(
        matches!(error, TopologyError::UnknownNode { .. }),
        "{error:?}"
    );
    let error = topology
        .set_address(code("640104000000"), "no-port".to_owned())
        .unwrap_err();
    assert!(
        matches!(error, TopologyError::BadAddress { .. }),
        "{error:?}"
    );
}
