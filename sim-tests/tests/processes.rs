//! A county and a city as two operating-system processes syncing over QUIC on loopback.

use std::time::Duration;

use node::directory::{NodeDirectory, write_config};
use schemas::table::Table;
use sim_tests::harness::code;
use sim_tests::processes::{NodeProcess, county_sample_file, huizong, huizong_json, wait_until};

fn report_includes(city: &str, ledger: &str, county: &str) -> anyhow::Result<bool> {
    let report = huizong_json(&[
        "report", "--json", "--dir", city, "--ledger", ledger, "--period", "2025",
    ])?;
    Ok(report["included"]
        .as_array()
        .is_some_and(|included| included.iter().any(|code| code == county)))
}

#[test]
fn a_city_that_was_down_catches_up_with_no_action_at_the_county() -> anyhow::Result<()> {
    let root = tempfile::tempdir()?;
    let (city_code, county_code) = (code("640100000000"), code("640104000000"));
    let template = node::local_tree::ningxia_city_with_counties(1)?;
    drop(node::local_tree::prepare(&template, root.path())?);
    let city_directory = root.path().join(city_code.as_str());
    let county_directory = root.path().join(county_code.as_str());
    // Retry quickly so the test does not wait out a long backoff.
    let county_node = NodeDirectory::existing(&county_directory)?;
    let mut config = county_node.read_config()?;
    config.retry_ms_max = 300;
    write_config(&county_node, &config)?;
    let (city, county) = (
        city_directory.to_str().unwrap().to_owned(),
        county_directory.to_str().unwrap().to_owned(),
    );

    let started = std::time::Instant::now();
    let city_process = NodeProcess::start(&city_directory)?;
    eprintln!("{:?} city started", started.elapsed());
    let county_process = NodeProcess::start(&county_directory)?;

    eprintln!("{:?} county started", started.elapsed());
    // Consumption names institutions, which the ledger must list before it is submitted.
    for table in [Table::Institutions, Table::EnergyConsumption] {
        let file = county_sample_file(root.path(), table);
        let imported = huizong(&[
            "import",
            "--dir",
            &county,
            "--ledger",
            "energy",
            "--period",
            "2025",
            file.to_str().unwrap(),
        ]);
        assert!(
            imported.status.success(),
            "{}",
            String::from_utf8_lossy(&imported.stderr)
        );
    }
    // 张三 submits; the signed submission names them all the way up.
    let submitted = huizong(&[
        "--as", "张三", "submit", "--dir", &county, "--ledger", "energy", "--period", "2025",
    ]);
    assert!(
        submitted.status.success(),
        "{}",
        String::from_utf8_lossy(&submitted.stderr)
    );
    wait_until(
        Duration::from_secs(30),
        "the city to include the county's energy",
        || report_includes(&city, "energy", county_code.as_str()),
    )?;

    eprintln!("{:?} energy included", started.elapsed());
    let explained = huizong(&[
        "explain",
        "--dir",
        &city,
        "--ledger",
        "energy",
        "--period",
        "2025",
        "--figure",
        "energy.standard_coal_kgce",
    ]);
    let explained_text = String::from_utf8_lossy(&explained.stdout);
    assert!(
        explained.status.success() && explained_text.contains("由 张三 提交"),
        "{explained_text}{}",
        String::from_utf8_lossy(&explained.stderr)
    );
    // The city goes away; the county keeps working.
    city_process.terminate()?;
    for table in [Table::Vehicles, Table::DispatchOrders] {
        let file = county_sample_file(root.path(), table);
        let imported = huizong(&[
            "import",
            "--dir",
            &county,
            "--ledger",
            "vehicles",
            "--period",
            "2025",
            file.to_str().unwrap(),
        ]);
        assert!(
            imported.status.success(),
            "{}",
            String::from_utf8_lossy(&imported.stderr)
        );
    }
    let submitted = huizong(&[
        "submit", "--dir", &county, "--ledger", "vehicles", "--period", "2025",
    ]);
    assert!(
        submitted.status.success(),
        "{}",
        String::from_utf8_lossy(&submitted.stderr)
    );
    let status = huizong_json(&["status", "--json", "--dir", &county])?;
    assert_eq!(status["running"], true);

    eprintln!("{:?} county worked offline", started.elapsed());
    // The city comes back; nothing is done at the county.
    let city_process = NodeProcess::start(&city_directory)?;
    wait_until(
        Duration::from_secs(30),
        "the city's vehicles rollup to catch up",
        || report_includes(&city, "vehicles", county_code.as_str()),
    )
    .map_err(|error| anyhow::anyhow!("{error:#}\ncounty log:\n{}", county_process.log()))?;
    eprintln!("{:?} city caught up", started.elapsed());

    // The city returns the county's energy with a reason; the running county hears of it.
    let reason = "请补报热力消费";
    let returned = huizong(&[
        "--as",
        "李四",
        "review",
        "--dir",
        &city,
        "--ledger",
        "energy",
        "--period",
        "2025",
        "--node",
        county_code.as_str(),
        "return",
        "--reason",
        reason,
    ]);
    assert!(
        returned.status.success(),
        "{}",
        String::from_utf8_lossy(&returned.stderr)
    );
    wait_until(
        Duration::from_secs(30),
        "the county to see the city's reason",
        || {
            let status = huizong_json(&["status", "--json", "--dir", &county])?;
            Ok(status["own_documents"].as_array().is_some_and(|documents| {
                documents.iter().any(|document| {
                    document["key"] == "640104000000/energy/2025"
                        && document["review"]["state"] == "returned"
                        && document["review"]["reason"] == reason
                        && document["submitted_by"] == "张三"
                        && document["decided_by_person"] == "李四"
                })
            }))
        },
    )
    .map_err(|error| anyhow::anyhow!("{error:#}\ncounty log:\n{}", county_process.log()))?;
    // The logs, written to files: one line for the review at the city, naming the person and
    // the document, and one at the county for the decision received; no colour codes.
    let city_log = city_process.log();
    let reviews: Vec<&str> = city_log
        .lines()
        .filter(|line| line.contains("operation=\"review\""))
        .collect();
    assert_eq!(reviews.len(), 1, "{city_log}");
    assert!(
        reviews[0].contains("person=李四") && reviews[0].contains("640104000000/energy/2025"),
        "{}",
        reviews[0]
    );
    let county_log = county_process.log();
    assert!(
        county_log
            .lines()
            .any(|line| line.contains("notice stored") && line.contains("640104000000/energy/2025")),
        "{county_log}"
    );
    assert!(!city_log.contains('\u{1b}') && !county_log.contains('\u{1b}'));
    let completeness = huizong_json(&[
        "completeness",
        "--json",
        "--dir",
        &city,
        "--ledger",
        "energy",
        "--period",
        "2025",
    ])?;
    assert_eq!(completeness["returned"], 1, "{completeness}");
    let county_row = completeness["documents"]
        .as_array()
        .and_then(|rows| rows.iter().find(|row| row["owner"] == county_code.as_str()))
        .expect("the county's row");
    assert_eq!(county_row["submitted_by"], "张三", "{county_row}");
    assert_eq!(county_row["decided_by_person"], "李四", "{county_row}");
    assert_eq!(completeness["provisional"], true, "{completeness}");

    let verified = huizong(&["verify", "--dir", &city]);
    assert!(
        verified.status.success(),
        "{}",
        String::from_utf8_lossy(&verified.stderr)
    );
    assert!(
        String::from_utf8_lossy(&verified.stdout).contains("1 项审核决定"),
        "{}",
        String::from_utf8_lossy(&verified.stdout)
    );

    city_process.terminate()?;
    county_process.terminate()?;
    Ok(())
}
