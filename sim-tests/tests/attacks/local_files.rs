//! Local files are private: a careless operator leaves a county's key readable by every user of
//! the machine, and `huizong run` refuses to start, saying how to fix it. A node made with the
//! binary has its directory and store 0700 and every file in them 0600 from their creation, and
//! its control socket 0600 while it runs. The honest county goes through meanwhile.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::Duration;

use node::directory::LimitOverrides;
use sim_tests::processes::{NodeProcess, huizong, wait_until};

use super::processes_scene::{ProcessScene, run};

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// Every file and directory under `root`, with its mode.
fn modes_under(root: &Path) -> Vec<(std::path::PathBuf, u32)> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(root).unwrap() {
        let entry = entry.unwrap();
        let path = entry.path();
        found.push((path.clone(), mode(&path)));
        if entry.file_type().unwrap().is_dir() {
            found.extend(modes_under(&path));
        }
    }
    found
}

#[test]
fn a_key_readable_by_others_stops_the_node_and_new_files_are_private() -> anyhow::Result<()> {
    let mut scene = ProcessScene::prepare(LimitOverrides::default())?;
    scene.start()?;

    // The careless operator's key file.
    let key = scene.attacker_directory.join("node.key");
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644))?;
    let refused = huizong(&["run", "--dir", ProcessScene::dir(&scene.attacker_directory)]);
    assert!(!refused.status.success(), "the node must not start");
    let message = String::from_utf8_lossy(&refused.stderr);
    assert!(
        message.contains("可被其他用户读取或写入（权限 0644）")
            && message.contains(&format!("chmod 600 {}", key.display())),
        "{message}"
    );
    assert!(!scene.attacker_directory.join("control.sock").exists());

    // A node made with the binary: private from the moment each file exists.
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600))?;
    let fresh = scene.root.path().join("fresh-county");
    run(&[
        "init",
        "--dir",
        fresh.to_str().unwrap(),
        "--topology",
        scene.root.path().join("topology.toml").to_str().unwrap(),
        "--node",
        scene.attacker_code.as_str(),
        "--key",
        key.to_str().unwrap(),
    ])?;
    assert_eq!(mode(&fresh), 0o700, "the node directory");
    for (path, found) in modes_under(&fresh) {
        let expected = if path.is_dir() { 0o700 } else { 0o600 };
        assert_eq!(found, expected, "{}", path.display());
    }
    let process = NodeProcess::start(&fresh)?;
    let socket = fresh.join("control.sock");
    wait_until(Duration::from_secs(10), "the control socket", || {
        Ok(socket.exists())
    })?;
    assert_eq!(mode(&socket), 0o600, "the control socket");
    process.terminate()?;

    scene.honest_sibling_goes_through()?;
    scene.assert_nothing_of_attacker()?;
    scene.terminate()
}
