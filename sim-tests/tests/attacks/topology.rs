//! Topology trust is pinned: a topology re-rooted and signed by another key, an older topology
//! (a rollback), and another topology with the same version are refused, whether a (compromised)
//! parent sends them over the sync protocol or they are copied over `topology.toml`; a newer
//! topology signed by the root comes down the tree and is put in force at every level.

use protocol::message::Message;
use protocol::{Event, RefusalReason};
use sim_tests::harness::{Link, code, memory_core, ningxia, test_key};
use topology::Topology;

use super::common::Scene;

/// `topology` with one more version, a changed address, signed by `key`.
fn next_version(topology: &Topology, key: &ed25519_dalek::SigningKey) -> Topology {
    let mut next = topology.clone();
    next.set_address(code("640200000000"), "127.0.0.1:47999".to_owned())
        .unwrap();
    next.set_version(topology.version() + 1);
    next.sign(key).unwrap();
    next
}

/// `topology` re-rooted: the root's key replaced by the attacker's, signed by it.
fn re_rooted(topology: &Topology) -> Topology {
    let attacker_key = ed25519_dalek::SigningKey::from_bytes(&[66; 32]);
    let mut forged = topology.clone();
    forged
        .set_public_key(
            topology.root().code,
            node::directory::public_key(&attacker_key),
        )
        .unwrap();
    forged.set_version(topology.version() + 10);
    forged.sign(&attacker_key).unwrap();
    forged
        .verify_signature()
        .expect("it verifies against its own root key");
    forged
}

/// Sends a topology from the parent's side of `link` into the child's session; returns the
/// refusals of topologies the child reported.
fn send_down(link: &mut Link, child: &mut node::core::NodeCore, topology: &Topology) -> usize {
    let frame = Message::Topology {
        text: topology.to_toml_string(),
    }
    .to_frame()
    .unwrap();
    link.now_ms += 1;
    link.child_session
        .handle_bytes(link.now_ms, &frame, child)
        .expect("a refused topology does not end the session");
    while let Some(event) = link.child_session.poll_event() {
        link.child_events.push(event);
    }
    link.child_refusals()
        .iter()
        .filter(|refusal| matches!(refusal.reason, RefusalReason::TopologyRefused { .. }))
        .count()
}

#[test]
fn a_re_rooted_topology_is_refused_over_the_link() {
    let mut scene = Scene::new();
    let mut link = Link::open(&scene.topology, scene.city_code, scene.attacker_code);
    link.run(&mut scene.city, &mut scene.attacker).unwrap();
    let forged = re_rooted(&scene.topology);
    assert_eq!(send_down(&mut link, &mut scene.attacker, &forged), 1);
    assert_eq!(scene.attacker.topology().digest(), scene.topology.digest());
    assert_eq!(
        scene.attacker.pinned_root_key(),
        scene.topology.root().public_key.unwrap()
    );
    scene.honest_sibling_goes_through();
}

#[test]
fn a_newer_topology_comes_down_and_a_rollback_or_a_twin_is_refused() {
    let topology = ningxia();
    let (region_code, city_code, county_code) = (
        code("640000000000"),
        code("640100000000"),
        code("640104000000"),
    );
    let mut region = memory_core(&topology, region_code);
    let mut city = memory_core(&topology, city_code);
    let mut county = memory_core(&topology, county_code);
    let mut up = Link::open(&topology, region_code, city_code);
    let mut down = Link::open(&topology, city_code, county_code);
    up.run(&mut region, &mut city).unwrap();
    down.run(&mut city, &mut county).unwrap();

    // The root publishes version 2; it comes down at once to every level.
    let root_key = test_key(region_code);
    let v2 = next_version(&topology, &root_key);
    assert_eq!(
        region.adopt_new_topology(v2.clone()).unwrap(),
        protocol::TopologyAdoption::Adopted { version: 2 }
    );
    up.push_down(&mut region, &mut city).unwrap();
    down.push_down(&mut city, &mut county).unwrap();
    for (name, node) in [("city", &city), ("county", &county)] {
        assert_eq!(node.topology().version(), 2, "{name}");
        assert_eq!(node.topology().digest(), v2.digest(), "{name}");
    }
    assert!(
        down.child_events
            .iter()
            .any(|event| matches!(event, Event::TopologyAdopted { version: 2 }))
    );

    // A (compromised) city sends the older version 1, then another version 2 signed by the root.
    assert_eq!(send_down(&mut down, &mut county, &topology), 1, "rollback");
    let mut twin = topology.clone();
    twin.set_address(city_code, "127.0.0.1:47998".to_owned())
        .unwrap();
    twin.set_version(2);
    twin.sign(&root_key).unwrap();
    assert_eq!(send_down(&mut down, &mut county, &twin), 2, "same version");
    assert_eq!(county.topology().digest(), v2.digest());
    let reasons: Vec<String> = down
        .child_refusals()
        .iter()
        .map(|refusal| refusal.reason.to_string())
        .collect();
    assert!(reasons[0].contains("回退"), "{reasons:?}");
    assert!(reasons[1].contains("版本号同为第 2 版"), "{reasons:?}");
}

#[test]
fn topology_files_that_are_re_rooted_or_older_are_not_used() {
    let root = tempfile::tempdir().unwrap();
    let template = node::local_tree::ningxia_city_with_counties(2).unwrap();
    let prepared = node::local_tree::prepare(&template, root.path()).unwrap();
    let topology = prepared.topology.clone();
    drop(prepared);
    let root_key = node::directory::read_key(
        &root
            .path()
            .join(topology.root().code.as_str())
            .join("node.key"),
    )
    .unwrap();
    let county = code("640104000000");
    let directory =
        node::directory::NodeDirectory::existing(&root.path().join(county.as_str())).unwrap();

    // A newer file signed by the root is taken; a re-rooted one is not, nor an older one.
    let mut v2 = topology.clone();
    v2.set_version(2);
    v2.sign(&root_key).unwrap();
    std::fs::write(directory.topology_path(), v2.to_toml_string()).unwrap();
    assert_eq!(directory.open_core().unwrap().topology().version(), 2);

    for (what, file) in [("re-rooted", re_rooted(&v2)), ("older", topology.clone())] {
        std::fs::write(directory.topology_path(), file.to_toml_string()).unwrap();
        let core = directory.open_core().unwrap();
        assert_eq!(core.topology().digest(), v2.digest(), "{what}");
        let note = core
            .topology_file_not_used()
            .expect("the file was not used");
        assert!(note.contains("未采用"), "{what}: {note}");
        drop(core);
        // The refused file is kept aside and the file is the topology in force again.
        let kept: Vec<_> = std::fs::read_dir(directory.root())
            .unwrap()
            .filter_map(|entry| entry.ok())
            .filter(|entry| {
                entry
                    .file_name()
                    .to_string_lossy()
                    .starts_with("topology.toml.refused-")
            })
            .collect();
        assert!(!kept.is_empty(), "{what}: the refused file is kept");
        assert_eq!(directory.read_topology().unwrap().digest(), v2.digest());
        for entry in kept {
            std::fs::remove_file(entry.path()).unwrap();
        }
    }
}
