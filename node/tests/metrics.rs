//! The node's monitoring endpoints: `/metrics` reads as Prometheus text with every name prefixed
//! `huizong_` and counts refusals by kind; a running node serves `/metrics`, `/healthz` and
//! `/readyz` on its metrics address and names the URL in `status --json`.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::Duration;

use common::{RunningNode, city_and_county, run, stderr};
use node::directory::NodeDirectory;
use node::driver::NodeHandle;
use protocol::{Event, Refusal, RefusalReason};
use topology::DivisionCode;

/// Checks the exposition text line by line as Prometheus reads it: `# HELP`/`# TYPE`/`# UNIT`
/// comments naming a `huizong_` family, samples `name{labels} value` of a declared family with
/// a number, and the closing `# EOF`. Returns the samples, name with labels, and their values.
fn parse_exposition(text: &str) -> Vec<(String, f64)> {
    let mut families = Vec::new();
    let mut samples = Vec::new();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.last(), Some(&"# EOF"), "{text}");
    for line in &lines[..lines.len() - 1] {
        if let Some(comment) = line.strip_prefix("# ") {
            let mut words = comment.splitn(3, ' ');
            let kind = words.next().unwrap();
            let name = words.next().unwrap();
            assert!(["HELP", "TYPE", "UNIT"].contains(&kind), "{line}");
            assert!(name.starts_with("huizong_"), "{line}");
            if kind == "TYPE" {
                let metric_type = words.next().unwrap();
                assert!(
                    ["counter", "gauge", "histogram", "info", "unknown"].contains(&metric_type),
                    "{line}"
                );
                families.push(name.to_owned());
            }
            continue;
        }
        let (series, value) = line.rsplit_once(' ').unwrap_or_else(|| panic!("{line}"));
        let name = series.split('{').next().unwrap();
        assert!(
            families.iter().any(|family| name == family
                || name
                    .strip_prefix(family.as_str())
                    .is_some_and(|rest| ["_total", "_bucket", "_sum", "_count"].contains(&rest))),
            "{name} belongs to no declared family"
        );
        if let Some(labels) = series.strip_prefix(name)
            && !labels.is_empty()
        {
            assert!(labels.starts_with('{') && labels.ends_with('}'), "{line}");
            for pair in labels[1..labels.len() - 1].split(',') {
                let (key, quoted) = pair.split_once('=').unwrap();
                assert!(!key.is_empty() && quoted.starts_with('"') && quoted.ends_with('"'));
            }
        }
        let value: f64 = value.parse().unwrap_or_else(|_| panic!("{line}"));
        samples.push((series.to_owned(), value));
    }
    samples
}

/// The city of a city-and-county tree made under `root`, held as a running node holds it (its
/// store open, its directory known), without serving anything.
fn city_handle(root: &std::path::Path) -> Arc<NodeHandle> {
    let (city, _county, _) = city_and_county(root);
    let node_directory = NodeDirectory::existing(&city).unwrap();
    Arc::new(NodeHandle::new(node_directory.open_core().unwrap()).with_directory(node_directory))
}

#[test]
fn metrics_read_as_prometheus_text_and_count_refusals_by_kind() {
    let directory = tempfile::tempdir().unwrap();
    let handle = city_handle(directory.path());
    let county = DivisionCode::parse("640104000000").unwrap();
    let before = parse_exposition(&node::metrics::render(&handle));
    // Every kind starts at zero, and every link the topology calls for is down.
    assert!(
        before.iter().any(|(series, value)| series
            == "huizong_refusals_total{kind=\"write_from_parent\"}"
            && *value == 0.0),
        "{before:?}"
    );
    assert!(
        before.iter().any(|(series, value)| series
            == "huizong_links_up{peer=\"640104000000\",role=\"child\"}"
            && *value == 0.0),
        "{before:?}"
    );
    for _ in 0..3 {
        handle.handle_session_event(
            county,
            Event::Refused(Refusal {
                peer: county,
                subject: "a sync message".to_owned(),
                reason: RefusalReason::WriteFromParent,
            }),
        );
    }
    let text = node::metrics::render(&handle);
    let samples = parse_exposition(&text);
    let value = |series: &str| {
        samples
            .iter()
            .find(|(name, _)| name == series)
            .map(|(_, value)| *value)
            .unwrap_or_else(|| panic!("{series} in {text}"))
    };
    assert_eq!(
        value("huizong_refusals_total{kind=\"write_from_parent\"}"),
        3.0
    );
    assert_eq!(value("huizong_documents_held{kind=\"own\"}"), 0.0);
    assert!(value("huizong_store_bytes") > 0.0);
    assert!(value("huizong_disk_free_bytes") > 0.0);
    assert_eq!(value("huizong_submissions_stored_total"), 0.0);
}

/// Answers a plain HTTP GET on `address`: status code and body.
fn get(address: &str, path: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or(0);
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_owned())
        .unwrap_or_default();
    (status, body)
}

#[test]
fn a_running_node_serves_metrics_health_and_readiness_and_status_names_the_url() {
    let directory = tempfile::tempdir().unwrap();
    let (city, _county, _) = city_and_county(directory.path());
    let config = city.join("node.toml");
    let mut toml = std::fs::read_to_string(&config).unwrap();
    // Port 0: the system picks one, which the node prints.
    toml.push_str("\n[metrics]\naddress = \"127.0.0.1:0\"\n");
    std::fs::write(&config, toml).unwrap();
    let mut node = RunningNode::start(&city, &["--lang", "en"]);
    let address = node
        .wait_for(|line| line.starts_with("metrics: http://"))
        .and_then(|line| {
            line.strip_prefix("metrics: http://")
                .and_then(|rest| rest.split('/').next())
                .map(str::to_owned)
        })
        .expect("the node prints its metrics address");
    let answers = [
        get(&address, "/healthz"),
        get(&address, "/readyz"),
        get(&address, "/metrics"),
    ];
    let status = run(&["status", "--json", "--dir", city.to_str().unwrap()]);
    drop(node);

    assert_eq!(answers[0], (200, "ok\n".to_owned()));
    assert_eq!(answers[1].0, 200, "{:?}", answers[1]);
    assert_eq!(answers[2].0, 200);
    let samples = parse_exposition(&answers[2].1);
    // No child has connected yet: its link is listed down, and no round has settled.
    for family in [
        "huizong_links_up{peer=\"640104000000\",role=\"child\"} 0",
        "# TYPE huizong_refusals counter",
    ] {
        assert!(
            answers[2].1.contains(family),
            "{family} in {}",
            answers[2].1
        );
    }
    assert!(
        samples
            .iter()
            .any(|(series, _)| series == "huizong_documents_held{kind=\"own\"}"),
        "{samples:?}"
    );
    assert!(status.status.success(), "{}", stderr(&status));
    let view: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    assert_eq!(view["metrics_url"], format!("http://{address}/metrics"));
}

/// A log sink the test reads back.
#[derive(Clone, Default)]
struct LogSink(Arc<std::sync::Mutex<Vec<u8>>>);

impl Write for LogSink {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn a_flood_of_refusals_from_one_peer_is_one_log_line_and_each_is_counted() {
    let directory = tempfile::tempdir().unwrap();
    let handle = city_handle(directory.path());
    let county = DivisionCode::parse("640104000000").unwrap();
    let sink = LogSink::default();
    let writer = sink.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    tracing::subscriber::with_default(subscriber, || {
        for _ in 0..1_000 {
            handle.handle_session_event(
                county,
                Event::Refused(Refusal {
                    peer: county,
                    subject: "a sync message".to_owned(),
                    reason: RefusalReason::BadSyncMessage {
                        reason: "garbage".to_owned(),
                    },
                }),
            );
        }
    });
    let log = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
    let lines: Vec<&str> = log
        .lines()
        .filter(|line| line.contains("garbage"))
        .collect();
    assert_eq!(lines.len(), 1, "{log}");
    assert!(lines[0].contains("peer=640104000000"), "{}", lines[0]);
    assert_eq!(
        handle.event_counts().refusals.get("bad_sync_message"),
        Some(&1_000)
    );
}

#[test]
fn every_metric_the_dashboard_uses_is_served() {
    let directory = tempfile::tempdir().unwrap();
    let handle = city_handle(directory.path());
    // A child that has connected and settled a round, as the dashboard's link panels show.
    handle.set_link(node::driver::LinkStatus {
        peer: DivisionCode::parse("640104000000").unwrap(),
        role: "child".to_owned(),
        state: node::driver::LinkState::Connected,
        last_settled_ms: Some(node::clock::unix_ms() - 5_000),
        last_error: None,
        bytes_sent: 1_000,
        bytes_received: 2_000,
        queues: node::driver::LinkQueues {
            outbox_frames: 3,
            documents_waiting: 2,
            documents_in_flight: 1,
        },
    });
    // A round settled and an import done, as the duration panels show.
    handle.durations().observe_round("child", 0.5);
    handle.durations().import_seconds.observe(2.0);
    let exposition = node::metrics::render(&handle);
    assert!(
        exposition.contains("huizong_link_queue_depth{peer=\"640104000000\",role=\"child\",queue=\"documents_waiting\"} 2"),
        "{exposition}"
    );
    assert!(
        exposition.contains("huizong_sync_round_duration_seconds_count{role=\"child\"} 1"),
        "{exposition}"
    );
    let served: Vec<String> = parse_exposition(&exposition)
        .into_iter()
        .map(|(series, _)| series.split('{').next().unwrap().to_owned())
        .collect();
    let dashboard = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy/grafana-dashboard.json"),
    )
    .unwrap();
    let dashboard: serde_json::Value = serde_json::from_str(&dashboard).unwrap();
    let mut used = std::collections::BTreeSet::new();
    let text = dashboard.to_string();
    for (start, _) in text.match_indices("huizong_") {
        let name: String = text[start..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        used.insert(name);
    }
    assert!(used.len() >= 8, "{used:?}");
    for name in &used {
        assert!(
            served.contains(name),
            "the dashboard uses {name}, not served: {served:?}"
        );
    }
}
