//! The root of a running three-level tree (region, city, county as processes over QUIC) is
//! backed up while it runs, then work happens that the backup does not hold (a period closed at
//! the root, a county's new submission consolidated up). The root is killed and its store lost;
//! `huizong restore --from-backup` rebuilds it; started again, it takes back from its city what it
//! lost, signs nothing until then, and the tree converges with every submission kept.

use std::path::Path;
use std::time::Duration;

use node::directory::{NodeDirectory, write_config};
use schemas::table::Table;
use sim_tests::processes::{
    NodeProcess, county_sample_file, huizong, huizong_json, ningxia_region_city_counties,
    wait_until,
};

fn succeed(arguments: &[&str]) -> String {
    let output = huizong(arguments);
    assert!(
        output.status.success(),
        "huizong {arguments:?}: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn import_and_submit(root: &Path, county: &str, ledger: &str, tables: &[Table]) {
    for table in tables {
        let file = county_sample_file(root, *table);
        succeed(&[
            "import",
            "--dir",
            county,
            "--ledger",
            ledger,
            "--period",
            "2025",
            file.to_str().unwrap(),
        ]);
    }
    succeed(&[
        "submit", "--dir", county, "--ledger", ledger, "--period", "2025",
    ]);
}

/// Whether `node`'s rollup of `ledger` includes the county's submission.
fn includes_county(node: &str, ledger: &str) -> anyhow::Result<bool> {
    let report = huizong_json(&[
        "report", "--json", "--dir", node, "--ledger", ledger, "--period", "2025",
    ])?;
    Ok(report["included"]
        .as_array()
        .is_some_and(|included| included.iter().any(|code| code == "640104000000")))
}

#[test]
fn a_root_killed_and_restored_from_an_older_backup_converges_with_nothing_lost()
-> anyhow::Result<()> {
    let root = tempfile::tempdir()?;
    let template = ningxia_region_city_counties(1)?;
    drop(node::local_tree::prepare(&template, root.path())?);
    let directory = |code: &str| root.path().join(code);
    let (region, city, county) = (
        directory("640000000000"),
        directory("640100000000"),
        directory("640104000000"),
    );
    for node in [&city, &county] {
        let node = NodeDirectory::existing(node)?;
        let mut config = node.read_config()?;
        config.retry_ms_max = 300;
        write_config(&node, &config)?;
    }
    let text = |path: &Path| path.to_str().unwrap().to_owned();
    let (region_dir, county_dir) = (text(&region), text(&county));
    let region_process = NodeProcess::start(&region)?;
    let city_process = NodeProcess::start(&city)?;
    let county_process = NodeProcess::start(&county)?;

    import_and_submit(
        root.path(),
        &county_dir,
        "energy",
        &[Table::Institutions, Table::EnergyConsumption],
    );
    wait_until(
        Duration::from_secs(60),
        "the region to include the county's energy",
        || includes_county(&region_dir, "energy"),
    )?;

    // A backup of the running root, without its key.
    let backup = root.path().join("region.backup");
    let written = huizong_json(&[
        "backup",
        "--json",
        "--dir",
        &region_dir,
        "--out",
        backup.to_str().unwrap(),
    ])?;
    assert_eq!(written["verified"], true, "{written}");
    assert_eq!(written["with_key"], false, "{written}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&backup)?.permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "the backup is readable by its owner only");
    }
    let again = huizong(&[
        "backup",
        "--dir",
        &region_dir,
        "--out",
        backup.to_str().unwrap(),
    ]);
    assert!(!again.status.success(), "a backup never overwrites a file");

    // Work the backup does not hold: the root closes the energy period, the county submits its
    // vehicles, and both reach where they go.
    succeed(&[
        "return",
        "close",
        "--dir",
        &region_dir,
        "--ledger",
        "energy",
        "--period",
        "2025",
    ]);
    import_and_submit(
        root.path(),
        &county_dir,
        "vehicles",
        &[Table::Vehicles, Table::DispatchOrders],
    );
    wait_until(
        Duration::from_secs(60),
        "the region to include the county's vehicles",
        || includes_county(&region_dir, "vehicles"),
    )?;
    let before: serde_json::Value = huizong_json(&["verify", "--json", "--dir", &region_dir])?;

    // The root dies with its store.
    region_process.kill()?;
    std::fs::remove_dir_all(region.join("store"))?;
    let restored = succeed(&[
        "restore",
        "--dir",
        &region_dir,
        "--from-backup",
        backup.to_str().unwrap(),
    ]);
    assert!(restored.contains("无法取回的内容"), "{restored}");
    assert!(restored.contains("640100000000"), "{restored}");
    let status = huizong_json(&["status", "--json", "--dir", &region_dir])?;
    assert_eq!(
        status["recovery"]["children"]["640100000000"]["state"], "waiting",
        "{status}"
    );
    assert!(
        !includes_county(&region_dir, "vehicles")?,
        "the backup is older than the county's vehicles"
    );
    // Until its city answers, the root signs nothing.
    let refused = huizong(&[
        "return",
        "reopen",
        "--dir",
        &region_dir,
        "--ledger",
        "energy",
        "--period",
        "2025",
    ]);
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("备份"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );

    let region_process = NodeProcess::start(&region)?;
    wait_until(
        Duration::from_secs(60),
        "the region to recover from its city",
        || {
            let status = huizong_json(&["status", "--json", "--dir", &region_dir])?;
            Ok(status["recovery"]["children"]["640100000000"]["state"] == "answered")
        },
    )
    .map_err(|error| anyhow::anyhow!("{error:#}\nregion log:\n{}", region_process.log()))?;
    wait_until(
        Duration::from_secs(60),
        "the region to include the county's vehicles again",
        || includes_county(&region_dir, "vehicles"),
    )
    .map_err(|error| anyhow::anyhow!("{error:#}\nregion log:\n{}", region_process.log()))?;
    let after: serde_json::Value = huizong_json(&["verify", "--json", "--dir", &region_dir])?;
    for field in [
        "submissions_checked",
        "documents_checked",
        "decisions_checked",
        "definitions_checked",
    ] {
        assert!(
            after[field].as_u64() >= before[field].as_u64(),
            "{field}: {} after, {} before the kill",
            after[field],
            before[field]
        );
    }
    assert!(
        region_process.log().contains("recovery finished"),
        "{}",
        region_process.log()
    );
    // Recovered, it signs again.
    succeed(&[
        "return",
        "reopen",
        "--dir",
        &region_dir,
        "--ledger",
        "energy",
        "--period",
        "2025",
    ]);

    // A damaged backup is refused whole, naming the file.
    let mut bytes = std::fs::read(&backup)?;
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    let damaged = root.path().join("damaged.backup");
    std::fs::write(&damaged, bytes)?;
    let refused = huizong(&[
        "restore",
        "--dir",
        &region_dir,
        "--from-backup",
        damaged.to_str().unwrap(),
    ]);
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("校验和不符"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );

    region_process.terminate()?;
    city_process.terminate()?;
    county_process.terminate()?;
    Ok(())
}
