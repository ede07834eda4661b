//! The node's metrics and health endpoints for its operators' monitoring: `/metrics` in the
//! Prometheus text format (every name prefixed `huizong_`), `/healthz` (the process serves) and
//! `/readyz` (the node can take writes: not while it recovers from a backup or its disk guard
//! refuses them).
//!
//! They serve on their own address (`[metrics]` in node.toml), loopback by default; another
//! address only with an allow-list of the scrapers' IP addresses. Most figures are read when
//! scraped, from the running node (links, documents, the store, the disk); what happens between
//! scrapes (refusals by kind, objects stored) is counted as it happens ([`EventCounts`]).

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use anyhow::{Result, anyhow};
use axum::Router;
use axum::extract::{ConnectInfo, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use serde::{Deserialize, Serialize};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::clock::unix_ms;
use crate::driver::{LinkState, NodeHandle};
use crate::t;

/// The metrics' address unless node.toml says otherwise: beside the console's 8640.
pub const METRICS_ADDRESS_DEFAULT: &str = "127.0.0.1:9640";

/// Where the metrics serve (`[metrics]` in node.toml).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricsSettings {
    /// `host:port` to serve on, or `off`.
    #[serde(default = "default_address")]
    pub address: String,
    /// The IP addresses that may scrape, required for any address other than loopback (the
    /// endpoints carry no passwords; the allow-list keeps strangers out).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allow: Vec<IpAddr>,
}

fn default_address() -> String {
    METRICS_ADDRESS_DEFAULT.to_owned()
}

impl Default for MetricsSettings {
    fn default() -> Self {
        MetricsSettings {
            address: default_address(),
            allow: Vec::new(),
        }
    }
}

impl MetricsSettings {
    /// Whether the settings are the defaults (node.toml need not name them).
    pub fn is_default(&self) -> bool {
        *self == Self::default()
    }

    /// The address to serve on, `None` when off; refused when it does not parse, or when it is
    /// beyond loopback without an allow-list.
    pub fn resolve(&self) -> Result<Option<SocketAddr>> {
        let text = self.address.trim();
        if text.eq_ignore_ascii_case("off") {
            return Ok(None);
        }
        let address: SocketAddr = text
            .parse()
            .map_err(|_| anyhow!(t!("node.metrics.bad_address", address = text)))?;
        if !address.ip().is_loopback() && self.allow.is_empty() {
            return Err(anyhow!(t!(
                "node.metrics.needs_allow_list",
                address = address
            )));
        }
        Ok(Some(address))
    }
}

/// What the node counts as it happens, since it started.
#[derive(Debug, Clone, Default)]
pub struct EventCounts {
    /// Refusals of peers' objects, by [`protocol::RefusalReason::kind`].
    pub refusals: BTreeMap<&'static str, u64>,
    /// Children's submissions received and stored.
    pub submissions_stored: u64,
    /// Children's rollups received and stored.
    pub rollups_stored: u64,
}

impl EventCounts {
    /// Counts one refusal.
    pub fn refused(&mut self, kind: &'static str) {
        *self.refusals.entry(kind).or_default() += 1;
    }
}

/// How long the node's work takes, observed as it happens: imports (reading, checking and
/// writing a file) and offer rounds (from a session's opening or a change sent up, to the
/// parent's settlement), in seconds. Cloning shares the histograms.
#[derive(Debug, Clone)]
pub struct Durations {
    pub import_seconds: Histogram,
    /// Offer rounds, by the role of the peer on the link (`parent` or `child`).
    pub round_seconds: Family<RoleLabels, Histogram>,
}

/// Buckets from 10 ms to about 45 minutes, each four times the last: an import of a few rows
/// and one of two million, a round on loopback and one over a slow provincial line.
fn duration_buckets() -> impl Iterator<Item = f64> {
    exponential_buckets(0.01, 4.0, 12)
}

impl Default for Durations {
    fn default() -> Self {
        Durations {
            import_seconds: Histogram::new(duration_buckets()),
            round_seconds: Family::new_with_constructor(|| Histogram::new(duration_buckets())),
        }
    }
}

impl Durations {
    /// Records an offer round with a peer of `role` that took `seconds`.
    pub fn observe_round(&self, role: &str, seconds: f64) {
        self.round_seconds
            .get_or_create(&RoleLabels {
                role: role.to_owned(),
            })
            .observe(seconds);
    }
}

/// The role of the peer on a link.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RoleLabels {
    role: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct LinkQueueLabels {
    peer: String,
    role: String,
    queue: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct LinkLabels {
    peer: String,
    role: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct LinkBytesLabels {
    peer: String,
    role: String,
    direction: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KindLabels {
    kind: String,
}

/// The text of `/metrics` for a running node, read now.
pub fn render(handle: &NodeHandle) -> String {
    let mut registry = Registry::with_prefix("huizong");
    let now_ms = unix_ms();

    let links_up = Family::<LinkLabels, Gauge>::default();
    // One look at the core: the links the topology calls for, and the documents held.
    let (expected, own_documents, replicas, rollups_made) = handle.with_core(|core| {
        let topology = core.topology();
        let code = core.code();
        let mut expected: Vec<(String, &'static str)> = topology
            .children_of(code)
            .iter()
            .map(|child| (child.to_string(), "child"))
            .collect();
        if let Some(parent) = topology.node(code).and_then(|entry| entry.parent) {
            expected.push((parent.to_string(), "parent"));
        }
        let own = core.own_document_keys().map(|keys| keys.len()).unwrap_or(0);
        (expected, own, core.replicas_held(), core.rollups_made())
    });
    // Every link the topology calls for is listed, down until it has connected.
    for (peer, role) in expected {
        links_up
            .get_or_create(&LinkLabels {
                peer,
                role: role.to_owned(),
            })
            .set(0);
    }
    let settled_age = Family::<LinkLabels, Gauge<f64, std::sync::atomic::AtomicU64>>::default();
    let link_bytes = Family::<LinkBytesLabels, Gauge>::default();
    let queue_depths = Family::<LinkQueueLabels, Gauge>::default();
    for link in handle.links() {
        for (queue, depth) in [
            ("outbox_frames", link.queues.outbox_frames),
            ("documents_waiting", link.queues.documents_waiting),
            ("documents_in_flight", link.queues.documents_in_flight),
        ] {
            queue_depths
                .get_or_create(&LinkQueueLabels {
                    peer: link.peer.to_string(),
                    role: link.role.clone(),
                    queue: queue.to_owned(),
                })
                .set(i64::try_from(depth).unwrap_or(i64::MAX));
        }
        let labels = LinkLabels {
            peer: link.peer.to_string(),
            role: link.role.clone(),
        };
        let up = matches!(link.state, LinkState::Connected);
        links_up.get_or_create(&labels).set(i64::from(up));
        if let Some(settled_ms) = link.last_settled_ms {
            let age = (now_ms - settled_ms).max(0) as f64 / 1000.0;
            settled_age.get_or_create(&labels).set(age);
        }
        for (direction, bytes) in [("sent", link.bytes_sent), ("received", link.bytes_received)] {
            link_bytes
                .get_or_create(&LinkBytesLabels {
                    peer: labels.peer.clone(),
                    role: labels.role.clone(),
                    direction: direction.to_owned(),
                })
                .set(i64::try_from(bytes).unwrap_or(i64::MAX));
        }
    }
    registry.register(
        "links_up",
        "Whether the session with a parent or child is up (1) or not (0)",
        links_up,
    );
    registry.register(
        "link_last_settled_age_seconds",
        "Seconds since a link last settled an offer round (both sides hold the same)",
        settled_age,
    );
    registry.register(
        "link_bytes",
        "Bytes of protocol frames exchanged on a link's current connection",
        link_bytes,
    );
    registry.register(
        "link_queue_depth",
        "How full a link's session queues are: frames to write, documents waiting to be pulled \
         and being pulled",
        queue_depths,
    );
    let durations = handle.durations();
    registry.register(
        "import_duration_seconds",
        "Seconds an import took, from reading the file to the records written",
        durations.import_seconds.clone(),
    );
    registry.register(
        "sync_round_duration_seconds",
        "Seconds an offer round took, from a session's opening or a change sent up to its \
         settlement, by the peer's role",
        durations.round_seconds.clone(),
    );

    let counts = handle.event_counts();
    let refusals = Family::<KindLabels, Counter>::default();
    for kind in protocol::RefusalReason::KINDS {
        // Created at zero: a kind not yet seen is still listed.
        refusals
            .get_or_create(&KindLabels {
                kind: (*kind).to_owned(),
            })
            .inc_by(0);
    }
    for (kind, count) in &counts.refusals {
        refusals
            .get_or_create(&KindLabels {
                kind: (*kind).to_owned(),
            })
            .inc_by(*count);
    }
    registry.register(
        "refusals",
        "Objects refused from peers since the node started, by kind",
        refusals,
    );
    for (name, help, value) in [
        (
            "submissions_stored",
            "Children's submissions received, checked and stored since the node started",
            counts.submissions_stored,
        ),
        (
            "rollups_stored",
            "Children's rollups received, checked and stored since the node started",
            counts.rollups_stored,
        ),
        (
            "rollups_made",
            "Rollups this node signed since it started",
            rollups_made,
        ),
    ] {
        let counter = Counter::<u64>::default();
        counter.inc_by(value);
        registry.register(name, help, counter);
    }

    let documents = Family::<KindLabels, Gauge>::default();
    for (kind, count) in [("own", own_documents), ("replica", replicas)] {
        documents
            .get_or_create(&KindLabels {
                kind: kind.to_owned(),
            })
            .set(i64::try_from(count).unwrap_or(i64::MAX));
    }
    registry.register(
        "documents_held",
        "Ledger documents held: the node's own and its descendants' replicas",
        documents,
    );

    if let Some(directory) = handle.directory() {
        let store = directory.store_path();
        let store_bytes = Gauge::<i64>::default();
        store_bytes.set(i64::try_from(directory_bytes(&store)).unwrap_or(i64::MAX));
        registry.register(
            "store_bytes",
            "Bytes of the node's store on disk",
            store_bytes,
        );
        if let Some(free) = crate::store::disk::available_bytes(&store) {
            let disk_free = Gauge::<i64>::default();
            disk_free.set(i64::try_from(free).unwrap_or(i64::MAX));
            registry.register(
                "disk_free_bytes",
                "Bytes free on the file system of the store",
                disk_free,
            );
        }
    }

    let mut text = String::new();
    // Writing into a String cannot fail.
    let _ = prometheus_client::encoding::text::encode(&mut text, &registry);
    text
}

/// Bytes of the files below a directory (the store's size on disk).
fn directory_bytes(path: &std::path::Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(path) else {
        return 0;
    };
    entries
        .flatten()
        .map(|entry| match entry.metadata() {
            Ok(metadata) if metadata.is_dir() => directory_bytes(&entry.path()),
            Ok(metadata) => metadata.len(),
            Err(_) => 0,
        })
        .sum()
}

/// Why the node cannot take writes now, if it cannot: it still recovers from a backup (it signs
/// nothing until its children have given back what it lost), or its disk guard would refuse a
/// small write.
pub fn not_ready_because(handle: &NodeHandle) -> Option<&'static str> {
    if handle.with_core(|core| core.is_recovering()) {
        return Some(
            "not ready: restored from a backup, waiting for the children to give back what they hold\n",
        );
    }
    match handle.directory() {
        Some(directory) if crate::store::disk::check_room(&directory.store_path(), 0).is_err() => {
            Some("not ready: the disk guard refuses writes\n")
        }
        _ => None,
    }
}

/// What the endpoints answer with.
#[derive(Clone)]
struct Served {
    handle: Arc<NodeHandle>,
    allow: Vec<IpAddr>,
}

impl Served {
    /// Whether a scraper at `address` may be answered: loopback always, else the allow-list.
    fn admits(&self, address: &SocketAddr) -> bool {
        address.ip().is_loopback() || self.allow.contains(&address.ip())
    }
}

async fn metrics(
    State(served): State<Served>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
) -> Response {
    if !served.admits(&client) {
        return StatusCode::FORBIDDEN.into_response();
    }
    let handle = served.handle.clone();
    match tokio::task::spawn_blocking(move || render(&handle)).await {
        Ok(text) => (
            [(
                header::CONTENT_TYPE,
                "application/openmetrics-text; version=1.0.0; charset=utf-8",
            )],
            text,
        )
            .into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

async fn healthz(
    State(served): State<Served>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
) -> Response {
    if !served.admits(&client) {
        return StatusCode::FORBIDDEN.into_response();
    }
    (StatusCode::OK, "ok\n").into_response()
}

async fn readyz(
    State(served): State<Served>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
) -> Response {
    if !served.admits(&client) {
        return StatusCode::FORBIDDEN.into_response();
    }
    let handle = served.handle.clone();
    let why = tokio::task::spawn_blocking(move || not_ready_because(&handle))
        .await
        .unwrap_or(Some("not ready: the check failed\n"));
    match why {
        None => (StatusCode::OK, "ready\n").into_response(),
        Some(why) => (StatusCode::SERVICE_UNAVAILABLE, why).into_response(),
    }
}

/// Starts serving the endpoints as `settings` say (nothing when off) until `shutdown`; returns
/// the URL of `/metrics`.
pub async fn start(
    handle: Arc<NodeHandle>,
    settings: &MetricsSettings,
    shutdown: CancellationToken,
) -> Result<Option<String>> {
    let Some(address) = settings.resolve()? else {
        return Ok(None);
    };
    // A taken port leaves the node without metrics but syncing, as with the console: several
    // nodes on one machine (a test, a demo) share the default port.
    let listener = match TcpListener::bind(address).await {
        Ok(listener) => listener,
        Err(error) if error.kind() == std::io::ErrorKind::AddrInUse => {
            let warning = t!(
                "node.metrics.cannot_listen",
                address = address,
                reason = error
            );
            tracing::warn!(node = %handle.code(), "{warning}");
            return Ok(None);
        }
        Err(error) => {
            return Err(anyhow!(t!(
                "node.metrics.cannot_listen",
                address = address,
                reason = error
            )));
        }
    };
    let local = listener.local_addr()?;
    let served = Served {
        handle: handle.clone(),
        allow: settings.allow.clone(),
    };
    let router = Router::new()
        .route("/metrics", get(metrics))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .with_state(served);
    let service = router.into_make_service_with_connect_info::<SocketAddr>();
    tokio::spawn(async move {
        let _ = axum::serve(listener, service)
            .with_graceful_shutdown(shutdown.cancelled_owned())
            .await;
    });
    let host = match local.ip() {
        IpAddr::V6(ip) => format!("[{ip}]"),
        IpAddr::V4(ip) => ip.to_string(),
    };
    let url = format!("http://{host}:{}/metrics", local.port());
    handle.set_metrics_url(Some(url.clone()));
    Ok(Some(url))
}
