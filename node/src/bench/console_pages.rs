//! Benchmark 5, `--only console-pages`: how long the web console takes to answer its two heaviest
//! pages at the root of a province, the completeness page (报送情况) and the figures page (汇总数字),
//! median, p90 and max of `rounds` requests each, through the console's whole router (session,
//! operation, template, charts) in the process; baseline: the typed operation the page is built
//! on (`completeness`, `report`), timed in the same run, so the ratio is what the page adds.
//!
//! Two trees: the 28-node Ningxia demo with every county's sample data consolidated at the
//! region, and a generated province of 10 cities and 100 counties (111 nodes) whose counties each
//! submit the energy ledger of one of the 22 Ningxia counties' samples (in turn), consolidated at
//! its root before the pages are timed.

use std::time::Instant;

use anyhow::{Context as _, Result, anyhow, bail};
use axum::body::Body;
use axum::http::{Request as HttpRequest, StatusCode, header};
use schemas::{Ledger, Period};
use serde::Serialize;
use topology::DivisionCode;
use tower::ServiceExt;

use super::{milliseconds, percentile};
use crate::clock::unix_ms;
use crate::console::auth::Session;
use crate::core::Actor;
use crate::core::accounts::Role;
use crate::demo::{DEMO_PERIOD, parse_samples, run_demo};
use crate::local_tree::{self, LocalTree};
use crate::operations::completeness::CompletenessRequest;
use crate::operations::report::ReportRequest;
use crate::operations::{Call, Request, execute_running};

/// The timings of one page in one tree.
#[derive(Debug, Clone, Serialize)]
pub struct PageTimings {
    pub tree: String,
    pub nodes: usize,
    pub page: String,
    pub rounds: usize,
    /// The first request, before the node has kept any findings (see `core::review`).
    pub first_ms: f64,
    pub median_ms: f64,
    pub p90_ms: f64,
    pub max_ms: f64,
    pub page_bytes: usize,
    /// The operation the page is built on, alone.
    pub baseline_operation_median_ms: f64,
    pub page_over_operation: f64,
}

/// Results of the console pages benchmark.
#[derive(Debug, Clone, Serialize)]
pub struct ConsolePagesBench {
    pub pages: Vec<PageTimings>,
}

/// Benchmark 5.
pub async fn bench_console_pages(rounds: usize) -> Result<ConsolePagesBench> {
    let rounds = rounds.max(1);
    let mut pages = Vec::new();

    let directory = tempfile::tempdir()?;
    let (_, tree) = run_demo(directory.path()).await?;
    pages.extend(time_pages(&tree, "ningxia-demo", Ledger::Energy, DEMO_PERIOD, rounds).await?);
    tree.shutdown().await?;

    let directory = tempfile::tempdir()?;
    let shape = topology::TreeShape::new(vec![10, 10]);
    let province = topology::try_generate(&shape).map_err(|error| anyhow!("{error}"))?;
    let root = directory.path().to_owned();
    let prepared =
        tokio::task::spawn_blocking(move || local_tree::prepare(&province, &root)).await??;
    let tree = prepared.start(false)?;
    submit_county_samples(&tree).await?;
    pages.extend(
        time_pages(
            &tree,
            "generated-province",
            Ledger::Energy,
            DEMO_PERIOD,
            rounds,
        )
        .await?,
    );
    tree.shutdown().await?;
    Ok(ConsolePagesBench { pages })
}

/// Every county of `tree` signs the energy ledger of a Ningxia county's samples (in turn); returns
/// once the root's rollup includes them all.
async fn submit_county_samples(tree: &LocalTree) -> Result<()> {
    let samples = tokio::task::spawn_blocking(|| parse_samples(DEMO_PERIOD)).await??;
    let sources: Vec<Vec<schemas::Record>> = samples
        .into_iter()
        .filter(|((code, ledger), _)| {
            *ledger == Ledger::Energy && topology::ningxia().children_of(*code).is_empty()
        })
        .map(|(_, records)| records)
        .collect();
    if sources.is_empty() {
        bail!("the sample data has no county's energy ledger");
    }
    let counties: Vec<DivisionCode> = tree
        .topology
        .iter()
        .filter(|entry| tree.topology.children_of(entry.code).is_empty())
        .map(|entry| entry.code)
        .collect();
    for (index, county) in counties.iter().enumerate() {
        let handle = tree.node(*county)?.handle.clone();
        let records = sources[index % sources.len()].clone();
        tokio::task::spawn_blocking(move || {
            handle.with_core(|core| {
                core.import_records(Ledger::Energy, DEMO_PERIOD, &records, unix_ms())?;
                core.submit(Ledger::Energy, DEMO_PERIOD, &Actor::node(), unix_ms())
            })
        })
        .await??;
    }
    let root = tree.root();
    let root_code = root.handle.code();
    let started = Instant::now();
    while root.handle.with_core(|core| {
        core.coverage(root_code, Ledger::Energy, DEMO_PERIOD)
            .submissions
            .len()
    }) < counties.len()
    {
        if started.elapsed() > SUBMISSIONS_ARRIVE_WITHIN {
            bail!(
                "the root's rollup did not include the {} counties' submissions within {:?}",
                counties.len(),
                SUBMISSIONS_ARRIVE_WITHIN
            );
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    Ok(())
}

/// How long the generated province may take to consolidate its counties' submissions.
const SUBMISSIONS_ARRIVE_WITHIN: std::time::Duration = std::time::Duration::from_secs(300);

/// Times the completeness and figures pages at the tree's root, and their operations.
async fn time_pages(
    tree: &LocalTree,
    name: &str,
    ledger: Ledger,
    period: Period,
    rounds: usize,
) -> Result<Vec<PageTimings>> {
    let root = tree.root();
    let console = tree
        .serve_console(root.handle.code(), "127.0.0.1:0")
        .await?
        .context("no free loopback port for the console")?;
    crate::demo::add_demo_account(&root.handle, "bench", "基准", Role::Viewer)?;
    let now_ms = unix_ms();
    let token = console.console.sessions.start(
        Session {
            login: "bench".to_owned(),
            name: Actor::new("基准")?,
            role: Role::Viewer,
            csrf: String::new(),
            must_change_password: false,
            started_ms: now_ms,
            last_seen_ms: now_ms,
            credentials_ms: 0,
        },
        now_ms,
    );
    let cookie = format!("{}={token}", console.console.sessions.session_cookie());
    let router = crate::console::server::router(console.console.clone());
    let pages = [
        (
            "completeness",
            format!("/completeness/{}/{period}", ledger.slug()),
            Request::Completeness(CompletenessRequest { ledger, period }),
        ),
        (
            "figures",
            format!("/figures/{}/{period}", ledger.slug()),
            Request::Report(ReportRequest {
                ledger,
                period,
                draft: false,
            }),
        ),
    ];
    let mut timings = Vec::new();
    for (page, path, request) in pages {
        let mut samples = Vec::with_capacity(rounds);
        let mut page_bytes = 0;
        for _ in 0..rounds {
            let http = HttpRequest::get(path.as_str())
                .header(header::COOKIE, cookie.as_str())
                .body(Body::empty())?;
            let started = Instant::now();
            let answer = router.clone().oneshot(http).await?;
            let status = answer.status();
            let body = axum::body::to_bytes(answer.into_body(), usize::MAX).await?;
            samples.push(milliseconds(started.elapsed()));
            if status != StatusCode::OK {
                bail!(
                    "{path} answered {status}: {}",
                    String::from_utf8_lossy(&body)
                );
            }
            page_bytes = body.len();
        }
        let mut baseline = Vec::with_capacity(rounds);
        for _ in 0..rounds {
            let handle = root.handle.clone();
            let call = Call {
                actor: Actor::new("基准")?,
                request: request.clone(),
            };
            let started = Instant::now();
            tokio::task::spawn_blocking(move || execute_running(&handle, call))
                .await?
                .map_err(|error| anyhow!("{}", error.message))?;
            baseline.push(milliseconds(started.elapsed()));
        }
        let median_ms = percentile(&samples, 0.5);
        let baseline_operation_median_ms = percentile(&baseline, 0.5);
        timings.push(PageTimings {
            tree: name.to_owned(),
            nodes: tree.topology.len(),
            page: page.to_owned(),
            rounds,
            first_ms: samples[0],
            median_ms,
            p90_ms: percentile(&samples, 0.9),
            max_ms: percentile(&samples, 1.0),
            page_bytes,
            baseline_operation_median_ms,
            page_over_operation: median_ms / baseline_operation_median_ms.max(f64::EPSILON),
        });
    }
    Ok(timings)
}
