//! Writing a topology as TOML and reading it back: equal topologies and a stable text.

mod common;

use common::{code, public_key, signed_ningxia};
use topology::{Topology, TreeShape, generate};

#[test]
fn a_signed_topology_round_trips_and_the_text_is_stable() {
    let (mut topology, _) = signed_ningxia();
    // Retired keys are written too.
    let county = code("640104000000");
    topology.rotate_public_key(county, public_key(800)).unwrap();
    let root = topology.root().code;
    let root_key = common::key_of(&topology, root);
    topology.sign(&root_key).unwrap();

    let text = topology.to_toml_string();
    assert!(text.contains("\n[signature]\n"));
    assert!(text.contains("retired_keys = ["));
    let read_back = Topology::from_toml_str(&text, "written.toml").unwrap();
    assert_eq!(read_back, topology);
    assert_eq!(read_back.to_toml_string(), text);
    read_back.verify_signature().unwrap();
}

#[test]
fn a_template_round_trips() {
    let template = topology::ningxia();
    let text = template.to_toml_string();
    assert!(!text.contains("\n[signature]\n"));
    assert!(!text.contains("public_key"));
    let read_back = Topology::from_toml_str(&text, "template.toml").unwrap();
    assert_eq!(read_back, template);
    assert_eq!(read_back.to_toml_string(), text);
}

#[test]
fn generated_trees_round_trip() {
    for fanouts in [vec![], vec![3], vec![2, 3], vec![3, 0, 2]] {
        let tree = generate(&TreeShape::new(fanouts));
        let text = tree.to_toml_string();
        assert_eq!(
            Topology::from_toml_str(&text, "generated.toml").unwrap(),
            tree
        );
    }
}

#[test]
fn names_with_quotes_and_backslashes_survive() {
    let mut entry = topology::ningxia().root().clone();
    entry.name_en = "Ningxia \"Hui\" \\ Autonomous Region".to_owned();
    let tree = Topology::from_entries(1, "quote ' and \" both".to_owned(), vec![entry]).unwrap();
    let read_back = Topology::from_toml_str(&tree.to_toml_string(), "quotes.toml").unwrap();
    assert_eq!(read_back, tree);
}
