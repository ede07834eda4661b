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
