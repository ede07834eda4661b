//! Stores written by earlier binaries still open: the fixture `fixtures/store-format-1` holds a
//! region, a city and a county written by the last binary whose store recorded no format version.
//! Each is copied, opened with this binary and verified; what `verify` checks must be what the old
//! binary checked.

use std::path::{Path, PathBuf};

use node::directory::NodeDirectory;

/// The fixture directory of store format 1.
fn format_1_fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/store-format-1")
}

/// Copies a directory tree (the fixture must never be written to).
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// A writable copy of one node of the fixture, its key readable by the owner only.
fn node_copy(root: &Path, node: &str) -> PathBuf {
    let target = root.join(node);
    copy_tree(&format_1_fixture().join(node), &target);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(
            target.join("node.key"),
            std::fs::Permissions::from_mode(0o600),
        )
        .unwrap();
    }
    target
}

#[test]
fn every_node_of_a_format_1_store_opens_and_verifies_as_it_did() {
    let root = tempfile::tempdir().unwrap();
    for node in ["region", "city", "county"] {
        let directory = NodeDirectory::existing(&node_copy(root.path(), node)).unwrap();
        let core = directory
            .open_core()
            .unwrap_or_else(|error| panic!("{node}: {error:#}"));
        let report = core
            .verify()
            .unwrap_or_else(|failure| panic!("{node}: {failure}"));
        let expected: serde_json::Value = serde_json::from_slice(
            &std::fs::read(format_1_fixture().join(format!("{node}.verify.json"))).unwrap(),
        )
        .unwrap();
        let found = serde_json::to_value(&report).unwrap();
        for (field, value) in expected.as_object().unwrap() {
            assert_eq!(&found[field], value, "{node}: verify's {field}");
        }
    }
}

#[test]
fn a_format_1_store_is_migrated_to_the_current_format_keeping_its_meaning() {
    let root = tempfile::tempdir().unwrap();
    let region = NodeDirectory::existing(&node_copy(root.path(), "region")).unwrap();
    let topology_file = region.read_topology().unwrap();
    let core = region.open_core().unwrap();
    let store = core.store();
    let format = store
        .get(node::store::Tree::Meta, node::core::keys::META_STORE_FORMAT)
        .unwrap()
        .expect("the format is recorded once the store is opened");
    assert_eq!(
        u32::from_be_bytes(format.try_into().unwrap()),
        node::core::trust::STORE_FORMAT_VERSION
    );
    // The root key of the topology the store was made with is pinned, and that topology is the
    // one in force.
    assert_eq!(
        Some(core.pinned_root_key()),
        topology_file.root().public_key
    );
    assert_eq!(core.topology().digest(), topology_file.digest());
    // The closed period keeps its meaning: the county's energy #2 was signed after the lock (the
    // store holds no receipts from before format 2, so the owner's time decides), it is a late
    // correction, and the city's rollup counts #1.
    let county_energy = protocol::DocumentKey::new(
        topology::DivisionCode::parse("640104000000").unwrap(),
        schemas::Ledger::Energy,
        "2025".parse().unwrap(),
    );
    let review = core.document_review(county_energy);
    assert_eq!(review.sequence, Some(2));
    assert!(review.late_correction, "{review:?}");
    assert_eq!(
        core.counted_submission(&county_energy)
            .unwrap()
            .unwrap()
            .submission
            .payload()
            .sequence,
        1
    );
    drop(core);
    // Opening again changes nothing and verifies.
    let core = region.open_core().unwrap();
    core.verify().unwrap();
}

#[test]
fn a_store_of_a_later_format_is_refused_with_what_to_do() {
    let root = tempfile::tempdir().unwrap();
    let county = NodeDirectory::existing(&node_copy(root.path(), "county")).unwrap();
    let core = county.open_core().unwrap();
    let mut batch = node::store::Batch::new();
    batch.put(
        node::store::Tree::Meta,
        node::core::keys::META_STORE_FORMAT.to_vec(),
        99u32.to_be_bytes().to_vec(),
    );
    core.store()
        .apply(&batch, node::store::Durability::Flush)
        .unwrap();
    drop(core);
    let error = format!("{:#}", county.open_core().unwrap_err());
    assert!(error.contains("存储格式 99"), "{error}");
    assert!(error.contains("较新版本的 huizong"), "{error}");
}

#[test]
fn submissions_and_decisions_signed_before_they_named_a_person_verify_and_show_it_not_recorded() {
    let root = tempfile::tempdir().unwrap();
    let city = NodeDirectory::existing(&node_copy(root.path(), "city")).unwrap();
    let core = city.open_core().unwrap();
    // The county's vehicles: #1 returned with a reason, #2 resubmitted; signed by the binary of
    // e2c68b6, under the earlier forms, which named nobody.
    let county_vehicles = protocol::DocumentKey::new(
        topology::DivisionCode::parse("640104000000").unwrap(),
        schemas::Ledger::Vehicles,
        "2025".parse().unwrap(),
    );
    let review = core.document_history(county_vehicles).unwrap();
    assert_eq!(review.submissions.len(), 2, "{review:?}");
    assert!(
        review
            .submissions
            .iter()
            .all(|submission| submission.submitted_by.is_none())
    );
    assert_eq!(review.submitted_by, None);
    let returned = review
        .history
        .iter()
        .find(|decision| decision.verdict == "returned")
        .expect("the fixture's return");
    assert_eq!(returned.decided_by_person, None);
    let text = node::render::document_review(&review);
    assert!(text.contains("提交人未记录"), "{text}");
    assert!(text.contains("审核人未记录"), "{text}");
    core.verify().unwrap();
}
