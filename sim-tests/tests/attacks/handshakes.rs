//! Handshake-slot exhaustion: strangers hold stalled QUIC handshakes open against a city (and fire
//! a thousand more attempts) so that its county cannot get a handshake through.
//!
//! Real node code over real QUIC on loopback: the city and the county run in this process
//! (`node::driver::run`), the attackers are [`StallingClient`]s, real quinn clients whose sockets go
//! silent once the city has answered their handshake. Run 1 holds 64 stalled handshakes from 64
//! other addresses (127.0.0.2–127.0.0.65); run 2 holds them from the county's own address
//! (127.0.0.1). In both, 1,000 more attempts come from the 64 other addresses while the county
//! connects. The county's round must settle within [`CHILD_SETTLE_BOUND`]; nothing of the
//! attackers' may be stored; and the city's handshake accounting says how the stalled handshakes
//! were refused or evicted.

use std::net::{IpAddr, Ipv4Addr};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, anyhow, ensure};
use node::directory::NodeDirectory;
use node::driver::handshakes::MAX_PENDING_HANDSHAKES_PER_SOURCE;
use node::driver::{self, HandshakeCounts, NodeHandle, RunOptions};
use protocol::DocumentKey;
use schemas::Ledger;
use sim_tests::harness::{SAMPLE_PERIOD, clerk, code, sample_records};
use sim_tests::stalling_client::{StallingClient, TallyCounts};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use topology::DivisionCode;

/// The stalled handshakes held open at once, one per attacking task: the number in the issue.
const STALLED_HANDSHAKES: usize = 64;

/// The quick attempts fired while the county connects.
const QUICK_ATTEMPTS: usize = 1_000;

/// Quick attempts in flight at once: one per attacking address.
const QUICK_CONCURRENCY: usize = 64;

/// Time between two quick attempts: the thousand take five seconds or more, so they are still
/// coming while the county connects.
const QUICK_SPACING: Duration = Duration::from_millis(5);

/// How long each quick attempt stalls its handshake before it gives up.
const QUICK_LINGER: Duration = Duration::from_millis(250);

/// How long a holder whose attempt was refused waits before it tries again (one whose handshake the
/// city closed opens another at once): the attack renewed its stalled handshakes every
/// 10 s. From the county's own address, holders that retry much faster take that address's slots
/// in proportion to their attempts, as no accounting by address can tell them from the county
/// (see `node::driver::handshakes`); with a 2 s pause the county did not get in within the bound.
const HOLDER_PAUSE_AFTER_REFUSAL: Duration = Duration::from_secs(10);

/// How long the stalled handshakes are held before the quick attempts start and the county after
/// them: they are well under way (older than any short grace a server might give a new handshake)
/// when the child appears.
const ATTACK_HEAD_START: Duration = Duration::from_secs(3);

/// The bound on the county's round under attack, from its start to its submission stored at the
/// city, the city's rollup made and the county's round settled. Unattacked, this takes well under a
/// second on loopback; the old accounting (16 pending handshakes for everyone) kept the county out
/// for over 60 s in both runs of this test.
const CHILD_SETTLE_BOUND: Duration = Duration::from_secs(20);

/// How long the test waits for anything else (a node to start or stop, the attack to begin).
const STEP_BOUND: Duration = Duration::from_secs(15);

/// How often the test looks at the nodes while it waits.
const POLL_INTERVAL: Duration = Duration::from_millis(20);

/// The ledgers the county imports and submits.
const LEDGERS: [Ledger; 2] = [Ledger::Energy, Ledger::Vehicles];

/// Reconnection delays of the county, as in a local tree: it retries a refused handshake quickly.
const RETRY_MS_MIN: u64 = 20;
const RETRY_MS_MAX: u64 = 500;

/// Where the stalled handshakes come from.
#[derive(Debug, Clone, Copy)]
enum StalledFrom {
    /// 127.0.0.2–127.0.0.65, one each.
    OtherAddresses,
    /// 127.0.0.1, the county's own address.
    TheChildsAddress,
}

/// The 64 attacking addresses other than the county's.
fn other_addresses() -> Vec<IpAddr> {
    (0..STALLED_HANDSHAKES)
        .map(|index| {
            let last = u8::try_from(2 + index).expect("64 addresses fit in 127.0.0.0/24");
            IpAddr::V4(Ipv4Addr::new(127, 0, 0, last))
        })
        .collect()
}

/// A node running in this process.
struct Running {
    handle: Arc<NodeHandle>,
    shutdown: CancellationToken,
    task: JoinHandle<Result<()>>,
}

impl Running {
    fn start(directory: &Path) -> Result<Self> {
        let node_directory = NodeDirectory::existing(directory)?;
        let handle = Arc::new(NodeHandle::new(node_directory.open_core()?));
        let shutdown = CancellationToken::new();
        let options = RunOptions {
            socket: None,
            listen: None,
            control: None,
            retry_ms_min: RETRY_MS_MIN,
            retry_ms_max: RETRY_MS_MAX,
        };
        let task = tokio::spawn(driver::run(handle.clone(), options, shutdown.clone()));
        Ok(Self {
            handle,
            shutdown,
            task,
        })
    }

    async fn stop(self) -> Result<()> {
        self.shutdown.cancel();
        tokio::time::timeout(STEP_BOUND, self.task)
            .await
            .context("a node did not stop in time")?
            .context("a node task panicked")?
    }
}

/// Polls `condition` until it holds, failing after `bound`.
async fn wait_for(bound: Duration, what: &str, mut condition: impl FnMut() -> bool) -> Result<()> {
    let started = Instant::now();
    while !condition() {
        ensure!(
            started.elapsed() < bound,
            "{what} did not happen within {bound:?}"
        );
        tokio::time::sleep(POLL_INTERVAL).await;
    }
    Ok(())
}

/// Whether the city holds the county's submissions, its rollups include them, and the county's
/// round with the city has settled.
fn round_settled(city: &NodeHandle, county: &NodeHandle, city_code: DivisionCode) -> bool {
    let county_code = county.code();
    let stored = city.with_core(|core| {
        LEDGERS.iter().all(|ledger| {
            core.latest_submission_of(&DocumentKey::new(county_code, *ledger, SAMPLE_PERIOD))
                .is_some()
                && core
                    .coverage(city_code, *ledger, SAMPLE_PERIOD)
                    .included
                    .contains(&county_code)
        })
    });
    let settled = county
        .links()
        .iter()
        .any(|link| link.peer == city_code && link.last_settled_ms.is_some());
    stored && settled
}

/// What one run measured.
#[derive(Debug)]
struct RunReport {
    /// From the county's start to its round settled at the city.
    settle: Duration,
    /// What the holders of stalled handshakes saw, when the county's round settled.
    holders_at_settle: TallyCounts,
    /// The city's handshake accounting when the county started.
    city_before_child: HandshakeCounts,
    /// The city's handshake accounting once the quick attempts were all made.
    city_after_attack: HandshakeCounts,
}

/// One run: the city under attack, then the county's round.
async fn run(stalled_from: StalledFrom, root: &Path) -> Result<RunReport> {
    let (city_code, county_code) = (code("640100000000"), code("640104000000"));
    let template = node::local_tree::ningxia_city_with_counties(1)?;
    // The nodes bind their own sockets below, the county only once the attack is under way.
    let prepared = node::local_tree::prepare(&template, root)?;
    let topology = prepared.topology.clone();
    drop(prepared);
    let city_key = *topology
        .node(city_code)
        .and_then(|entry| entry.public_key)
        .context("the city has a key")?
        .verifying_key();

    // The county's clerk imports and submits before the county is connected: its round is what
    // must get through.
    let county_directory = root.join(county_code.as_str());
    {
        let mut county_core = NodeDirectory::existing(&county_directory)?.open_core()?;
        for ledger in LEDGERS {
            let records = sample_records(county_code, ledger);
            ensure!(
                !records.is_empty(),
                "the county has sample {ledger} records"
            );
            county_core.import_records(ledger, SAMPLE_PERIOD, &records, node::clock::unix_ms())?;
            county_core.submit(ledger, SAMPLE_PERIOD, &clerk(), node::clock::unix_ms())?;
        }
    }

    let city = Running::start(&root.join(city_code.as_str()))?;
    wait_for(STEP_BOUND, "the city to listen", || {
        city.handle.local_address().is_some()
    })
    .await?;
    let city_address = city
        .handle
        .local_address()
        .ok_or_else(|| anyhow!("the city has no address"))?;

    let stop = CancellationToken::new();
    let holders = StallingClient::new(city_address, city_key)?;
    let holder_sources: Vec<IpAddr> = match stalled_from {
        StalledFrom::OtherAddresses => other_addresses(),
        StalledFrom::TheChildsAddress => vec![IpAddr::V4(Ipv4Addr::LOCALHOST); STALLED_HANDSHAKES],
    };
    let mut attack = tokio::task::JoinSet::new();
    for source in holder_sources {
        attack.spawn(
            holders
                .clone()
                .hold(source, HOLDER_PAUSE_AFTER_REFUSAL, stop.clone()),
        );
    }
    wait_for(
        STEP_BOUND,
        "every holder's first attempt to be answered",
        || {
            let counts = holders.tally().counts();
            counts.stalled + counts.refused >= STALLED_HANDSHAKES as u64
        },
    )
    .await?;
    tokio::time::sleep(ATTACK_HEAD_START).await;

    // The quick attempts start, and the county comes while they are under way.
    let quick = StallingClient::new(city_address, city_key)?;
    let flood = tokio::spawn(quick.clone().fire(
        other_addresses(),
        QUICK_ATTEMPTS,
        QUICK_CONCURRENCY,
        QUICK_SPACING,
        QUICK_LINGER,
        stop.clone(),
    ));
    wait_for(STEP_BOUND, "the quick attempts to be under way", || {
        quick.tally().counts().attempts >= QUICK_CONCURRENCY as u64
    })
    .await?;
    let holders_before_child = holders.tally().counts();
    let city_before_child = city.handle.handshake_counts();

    let county_started = Instant::now();
    let county = Running::start(&county_directory)?;
    let settled = wait_for(CHILD_SETTLE_BOUND, "the county's round to settle", || {
        round_settled(&city.handle, &county.handle, city_code)
    })
    .await;
    let settle = county_started.elapsed();
    let holders_at_settle = holders.tally().counts();
    let quick_at_settle = quick.tally().counts();
    let city_at_settle = city.handle.handshake_counts();
    eprintln!(
        "{stalled_from:?}: county's round settled: {settled:?} after {settle:?}\n  \
         holders when the county started: {holders_before_child:?}\n  \
         city's handshakes when the county started: {city_before_child:?}\n  \
         holders when it settled: {holders_at_settle:?}\n  \
         quick attempts when it settled: {quick_at_settle:?}\n  \
         city's handshakes when it settled: {city_at_settle:?}"
    );

    // The rest of the quick attempts, unless the county failed (then stop at once).
    if settled.is_ok() {
        let _ = tokio::time::timeout(STEP_BOUND, async {
            while !flood.is_finished() {
                tokio::time::sleep(POLL_INTERVAL).await;
            }
        })
        .await;
    }
    let city_after_attack = city.handle.handshake_counts();
    let holders_after_attack = holders.tally().counts();
    let quick_after_attack = quick.tally().counts();
    eprintln!(
        "  after the quick attempts: holders {holders_after_attack:?}\n  \
         quick attempts {quick_after_attack:?}\n  city's handshakes {city_after_attack:?}"
    );

    // Stop the attack before judging, so a failure does not leave it running.
    stop.cancel();
    let attack_result = tokio::time::timeout(STEP_BOUND, async {
        while let Some(finished) = attack.join_next().await {
            finished??;
        }
        flood.await??;
        anyhow::Ok(())
    })
    .await
    .context("the attack did not stop in time");
    let (city_handle, county_handle) = (city.handle.clone(), county.handle.clone());
    county.stop().await?;
    city.stop().await?;
    attack_result??;
    settled?;

    // The attack was real: while the county connected, the city was holding stalled handshakes.
    ensure!(
        holders_before_child.stalled_now > 0 && holders_at_settle.stalled_now > 0,
        "the holders held no stalled handshake while the county connected"
    );
    // How the stalled handshakes were dealt with.
    ensure!(
        quick_after_attack.attempts == QUICK_ATTEMPTS as u64,
        "all the quick attempts were made: {quick_after_attack:?}"
    );
    match stalled_from {
        StalledFrom::OtherAddresses => {
            // One per address fits: the city held all 64 when the county came, and the county's
            // own address held nothing, so it was admitted beside them. The quick attempts, some
            // fifteen per address, met the per-address bound: stalled handshakes past the grace
            // were abandoned for them, and the rest were refused.
            ensure!(
                holders_before_child.refused == 0
                    && holders_before_child.stalled_now == STALLED_HANDSHAKES as u64
                    && city_before_child.pending >= STALLED_HANDSHAKES as u64,
                "the city held the 64 stalled handshakes: {holders_before_child:?} \
                 {city_before_child:?}"
            );
            // Each address admits at most its bound into free slots (more only as handshakes
            // end), so every other attempt was refused or took the place of a stalled handshake.
            let unanswered = holders_after_attack.unanswered + quick_after_attack.unanswered;
            let free_slots = (STALLED_HANDSHAKES * MAX_PENDING_HANDSHAKES_PER_SOURCE) as u64
                + city_after_attack.timed_out
                + city_after_attack.failed;
            let beyond_bound = (STALLED_HANDSHAKES + QUICK_ATTEMPTS) as u64
                - unanswered.min((STALLED_HANDSHAKES + QUICK_ATTEMPTS) as u64);
            let beyond_bound = beyond_bound.saturating_sub(free_slots);
            ensure!(
                city_after_attack.evicted_for_same_source + city_after_attack.refused_source_full
                    >= beyond_bound.max(1),
                "at least {beyond_bound} attempts were refused or replaced a stalled handshake: \
                 {city_after_attack:?}"
            );
        }
        StalledFrom::TheChildsAddress => {
            // Only a few fit per address: the rest were refused, and a stalled one was abandoned
            // to let the county (a newcomer from the same address) in.
            let beyond_quota = (STALLED_HANDSHAKES - MAX_PENDING_HANDSHAKES_PER_SOURCE) as u64;
            ensure!(
                city_before_child.refused_source_full >= beyond_quota,
                "{beyond_quota} holders beyond the address's quota were refused: \
                 {city_before_child:?}"
            );
            ensure!(
                city_at_settle.evicted_for_same_source >= 1,
                "a stalled handshake from the county's address was abandoned: {city_at_settle:?}"
            );
        }
    }
    // None of it needed the table to be full: 64 addresses at their bound fit beside the county.
    ensure!(
        city_after_attack.refused_table_full == 0
            && city_after_attack.evicted_for_lighter_source == 0,
        "{city_after_attack:?}"
    );
    ensure!(
        city_at_settle.authenticated >= 1,
        "the county's handshake authenticated: {city_at_settle:?}"
    );
    ensure!(
        holders_after_attack.refused
            + holders_after_attack.closed_by_server
            + quick_after_attack.refused
            >= 1,
        "the attackers saw handshakes refused or closed: {holders_after_attack:?} \
         {quick_after_attack:?}"
    );
    // Nothing of the attackers' was stored: the city's only link is the county, its sessions
    // refused nothing, and it holds exactly the county's submissions.
    let links: Vec<DivisionCode> = city_handle.links().iter().map(|link| link.peer).collect();
    ensure!(links == vec![county_code], "the city's links: {links:?}");
    ensure!(
        city_handle.recent_refusals().is_empty(),
        "{:?}",
        city_handle.recent_refusals()
    );
    let owners: Vec<DivisionCode> = city_handle.with_core(|core| {
        core.latest_submissions()
            .map(|accepted| accepted.submission.payload().key.owner)
            .collect()
    });
    ensure!(
        owners.len() == LEDGERS.len() && owners.iter().all(|owner| *owner == county_code),
        "the city holds submissions of {owners:?}"
    );
    ensure!(
        county_handle
            .links()
            .iter()
            .any(|link| link.peer == city_code && link.last_settled_ms.is_some()),
        "the county's round settled"
    );
    Ok(RunReport {
        settle,
        holders_at_settle,
        city_before_child,
        city_after_attack,
    })
}

/// Handshake-slot exhaustion (the child's round settles within a bound).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn handshake_slot_exhaustion_the_childs_round_settles_within_a_bound() -> Result<()> {
    for stalled_from in [StalledFrom::OtherAddresses, StalledFrom::TheChildsAddress] {
        let root = tempfile::tempdir()?;
        let report = run(stalled_from, root.path()).await?;
        let city = report.city_after_attack;
        eprintln!(
            "{stalled_from:?}: the county's round settled {:?} after it started (bound \
             {CHILD_SETTLE_BOUND:?}), beside {} handshakes pending at the city ({} of them the \
             holders' stalled ones, still held when it settled). Over the whole attack the city \
             refused {} attempts ({} for a full address, {} for a full table), abandoned {} \
             stalled handshakes ({} for a newcomer from the same address, {} for one from a \
             lighter address) and timed out {}.",
            report.settle,
            report.city_before_child.pending,
            report.holders_at_settle.stalled_now,
            city.refused(),
            city.refused_source_full,
            city.refused_table_full,
            city.evicted(),
            city.evicted_for_same_source,
            city.evicted_for_lighter_source,
            city.timed_out,
        );
        ensure!(report.settle <= CHILD_SETTLE_BOUND);
    }
    Ok(())
}
