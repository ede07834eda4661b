//! The demo as a new user runs it: the whole Ningxia tree, its region's totals against the raw
//! records, `verify` at the region, and `verify` catching a corrupted replica.

use std::process::Command;

use node::store::{Batch, Durability, SledStore, Store, Tree};

fn huizong() -> Command {
    Command::new(env!("CARGO_BIN_EXE_huizong"))
}

#[test]
fn the_demo_consolidates_every_ledger_exactly_and_verify_catches_a_corrupted_replica() {
    let directory = tempfile::tempdir().unwrap();
    let tree = directory.path().join("tree");
    let output = huizong()
        .args(["demo", "--json", "--dir"])
        .arg(&tree)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "demo failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let summary: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(summary["nodes"], 28);
    let ledgers = summary["ledgers"].as_array().unwrap();
    assert_eq!(ledgers.len(), 3, "every ledger is in the demo");
    for ledger in ledgers {
        assert_eq!(
            ledger["region_figures"], ledger["raw_figures"],
            "{}: the region's totals equal the sum over the raw records of all 28 nodes",
            ledger["ledger"]
        );
        assert!(!ledger["raw_figures"].as_object().unwrap().is_empty());
        assert_eq!(
            ledger["region_report"]["included"]
                .as_array()
                .unwrap()
                .len(),
            28
        );
    }

    let region = tree.join("640000000000");
    let verified = huizong()
        .arg("verify")
        .arg("--dir")
        .arg(&region)
        .output()
        .unwrap();
    assert!(
        verified.status.success(),
        "verify after the demo: {}",
        String::from_utf8_lossy(&verified.stderr)
    );
    let report = String::from_utf8_lossy(&verified.stdout);
    assert!(report.contains("84 submissions"), "{report}");

    // Corrupt the region's replica of one county's energy document: flip bytes in its first chunk.
    {
        let store = SledStore::open(&region.join("store")).unwrap();
        let county = topology::DivisionCode::parse("640104000000").unwrap();
        let key = protocol::DocumentKey::new(
            county,
            schemas::Ledger::Energy,
            schemas::Period::Year(2025),
        );
        let chunk_key = node::core::keys::document_chunk(&key, 0);
        let mut chunk = store
            .get(Tree::Documents, &chunk_key)
            .unwrap()
            .expect("the replica is stored");
        let middle = chunk.len() / 2;
        for byte in &mut chunk[middle..middle + 16] {
            *byte ^= 0x5a;
        }
        let mut batch = Batch::new();
        batch.put(Tree::Documents, chunk_key, chunk);
        store.apply(&batch, Durability::Flush).unwrap();
    }
    let failed = huizong()
        .arg("verify")
        .arg("--dir")
        .arg(&region)
        .output()
        .unwrap();
    assert!(
        !failed.status.success(),
        "verify must fail on a corrupted replica"
    );
    let message = String::from_utf8_lossy(&failed.stderr);
    assert!(
        message.contains("document 640104000000/energy/2025"),
        "the failure names the document: {message}"
    );
    assert_eq!(message.lines().count(), 1, "one line: {message}");
}
