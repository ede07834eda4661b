//! `huizong bench --only bulk-sync`: the whole path runs on a small document (two `huizong run`
//! processes, the lower bound, two samod processes) and its JSON carries the three timings, the
//! ratios, and each side's bytes and memory. The figures themselves are measured by running the
//! benchmark in release, not here.

use std::process::Command;

const RECORDS: usize = 300;

#[test]
fn bulk_sync_prints_the_three_timings_and_the_ratios() {
    let output = Command::new(env!("CARGO_BIN_EXE_huizong"))
        .args(["bench", "--only", "bulk-sync", "--json", "--records"])
        .arg(RECORDS.to_string())
        .output()
        .expect("huizong runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "the benchmark failed: {stderr}");
    let report: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("the benchmark prints JSON");
    let bulk = &report["bulk_sync"];
    assert_eq!(bulk["records"], RECORDS, "{bulk:#}");
    let positive = |value: &serde_json::Value, what: &str| {
        let number = value
            .as_f64()
            .unwrap_or_else(|| panic!("{what} is not a number: {bulk:#}"));
        assert!(number > 0.0, "{what} is {number}: {bulk:#}");
        number
    };
    let huizong = positive(&bulk["huizong"]["sync_ms"], "huizong's sync");
    let lower_bound = positive(&bulk["lower_bound"]["total_ms"], "the lower bound");
    let samod = positive(&bulk["samod"]["total_ms"], "samod");
    let to_lower_bound = positive(&bulk["ratio_to_lower_bound"], "ratio_to_lower_bound");
    let to_samod = positive(&bulk["ratio_to_samod"], "ratio_to_samod");
    assert!(
        (to_lower_bound - huizong / lower_bound).abs() < 1e-9,
        "{bulk:#}"
    );
    assert!((to_samod - huizong / samod).abs() < 1e-9, "{bulk:#}");
    for (side, field) in [
        ("huizong", "submit_ms"),
        ("huizong", "wire_bytes"),
        ("huizong", "city_stored_bytes"),
        ("huizong", "county_peak_resident_mib"),
        ("huizong", "city_peak_resident_mib"),
        ("lower_bound", "sync_message_bytes"),
        ("lower_bound", "saved_bytes"),
        ("lower_bound", "peak_resident_mib"),
        ("samod", "wire_bytes"),
        ("samod", "parent_stored_bytes"),
        ("samod", "parent_peak_resident_mib"),
        ("samod", "child_peak_resident_mib"),
    ] {
        positive(&bulk[side][field], &format!("{side}.{field}"));
    }
    // Both sides carried at least the document itself.
    let document = positive(&bulk["document_bytes"], "the document's bytes");
    assert!(
        positive(&bulk["huizong"]["wire_bytes"], "wire") >= document,
        "{bulk:#}"
    );
    assert!(
        positive(&bulk["samod"]["wire_bytes"], "wire") >= document,
        "{bulk:#}"
    );
}
