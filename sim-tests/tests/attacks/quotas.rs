//! Quotas per child: a compromised county that submits without end, grows its documents without
//! end, fills its parent's disk, or sends notices without end is refused past its share, while its
//! honest sibling is still stored and counted.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use node::core::{NodeCore, QuotaLimits};
use node::store::MemoryStore;
use protocol::limits::SessionLimits;
use protocol::message::Message;
use protocol::{Notice, NoticeBody, RefusalReason, SessionError, Signed};
use schemas::Ledger;
use sim_tests::harness::{
    Link, SAMPLE_PERIOD, changed_consumption, clerk, import_and_submit, sample_definitions,
    test_key,
};

use super::common::{Scene, refusals_matching, send_up};

/// One more change of the attacker's energy ledger, signed.
fn change_and_submit(core: &mut NodeCore, increase: u32, now_ms: i64) {
    let record = changed_consumption(core.code(), increase);
    core.import_records(Ledger::Energy, SAMPLE_PERIOD, &[record], now_ms)
        .unwrap();
    core.submit(Ledger::Energy, SAMPLE_PERIOD, &clerk(), now_ms)
        .unwrap();
}

#[test]
fn a_child_submitting_without_end_is_held_to_its_hourly_quota() {
    let mut scene = Scene::new();
    scene.city.set_quota_limits(QuotaLimits {
        submissions_per_node_per_hour: 3,
        ..QuotaLimits::default()
    });
    import_and_submit(&mut scene.attacker, Ledger::Energy, 1_000);
    let mut link = Link::open(&scene.topology, scene.city_code, scene.attacker_code);
    link.run(&mut scene.city, &mut scene.attacker).unwrap();
    for increase in 1..=3 {
        change_and_submit(&mut scene.attacker, increase, 2_000 + i64::from(increase));
        link.push(&mut scene.city, &mut scene.attacker).unwrap();
    }
    let over = refusals_matching(&link, |reason| {
        matches!(reason, RefusalReason::QuotaExceeded { limit: 3, .. })
    });
    assert_eq!(over.len(), 1, "{:?}", link.parent_refusals());
    scene.assert_nothing_of_attacker_beyond(&[(Ledger::Energy, 3)]);

    // An hour later the child is admitted again (its document was not stored, so it is offered
    // again after the session's backoff).
    link.now_ms += 3_600_000;
    link.parent_session
        .handle_timeout(link.now_ms, &mut scene.city)
        .unwrap();
    link.child_session
        .handle_timeout(link.now_ms, &mut scene.attacker)
        .unwrap();
    link.run(&mut scene.city, &mut scene.attacker).unwrap();
    scene.assert_nothing_of_attacker_beyond(&[(Ledger::Energy, 4)]);
    scene.honest_sibling_goes_through();
}

#[test]
fn a_child_growing_its_documents_without_end_is_held_to_its_bytes_per_period() {
    let mut scene = Scene::new();
    scene.honest_sibling_goes_through();
    import_and_submit(&mut scene.attacker, Ledger::Energy, 1_000);
    let mut link = Link::open(&scene.topology, scene.city_code, scene.attacker_code);
    link.run(&mut scene.city, &mut scene.attacker).unwrap();
    let used = [scene.honest_code, scene.attacker_code]
        .map(|child| scene.city.stored_bytes_of(child, Some(SAMPLE_PERIOD)));
    assert!(used.iter().all(|bytes| *bytes > 0), "{used:?}");
    // Room for a few more changes each, and no more.
    scene.city.set_quota_limits(QuotaLimits {
        stored_bytes_per_node_per_period: used[0].max(used[1]) + 2_000,
        ..QuotaLimits::default()
    });
    let mut stored = 1;
    for increase in 1..=100 {
        change_and_submit(&mut scene.attacker, increase, 2_000 + i64::from(increase));
        link.push(&mut scene.city, &mut scene.attacker).unwrap();
        if !link.parent_refusals().is_empty() {
            break;
        }
        stored += 1;
    }
    let over = refusals_matching(
        &link,
        |reason| matches!(reason, RefusalReason::QuotaExceeded { what, .. } if what.contains("字节")),
    );
    assert_eq!(over.len(), 1, "{:?}", link.parent_refusals());
    assert_eq!(link.parent_refusals().len(), 1);
    assert!(
        scene
            .city
            .stored_bytes_of(scene.attacker_code, Some(SAMPLE_PERIOD))
            <= used[0].max(used[1]) + 2_000
    );
    scene.assert_nothing_of_attacker_beyond(&[(Ledger::Energy, stored)]);
    // The honest county still has room within its own share.
    change_and_submit(&mut scene.honest, 1, 3_000);
    let mut honest_link = Link::open(&scene.topology, scene.city_code, scene.honest_code);
    honest_link.run(&mut scene.city, &mut scene.honest).unwrap();
    assert!(honest_link.parent_refusals().is_empty());
}

#[test]
fn a_child_filling_the_disk_is_refused_first_and_its_sibling_is_still_stored() {
    let mut scene = Scene::new();
    let available = Arc::new(AtomicU64::new(u64::MAX));
    let store = MemoryStore::with_available_bytes(available.clone());
    scene.city = NodeCore::new(
        scene.city_code,
        test_key(scene.city_code),
        scene.topology.clone(),
        Box::new(store),
    )
    .unwrap();
    for definition in sample_definitions(&scene.topology) {
        scene.city.put_notice(&definition).unwrap();
    }
    for ledger in Ledger::ALL {
        import_and_submit(&mut scene.attacker, ledger, 1_000);
    }
    let mut link = Link::open(&scene.topology, scene.city_code, scene.attacker_code);
    link.run(&mut scene.city, &mut scene.attacker).unwrap();
    assert!(link.parent_refusals().is_empty());

    // The disk runs low: the attacker, which takes everything the children take, is refused.
    available.store(100 * 1024 * 1024, Ordering::SeqCst);
    change_and_submit(&mut scene.attacker, 9, 2_000);
    link.push(&mut scene.city, &mut scene.attacker).unwrap();
    let reserved = refusals_matching(&link, |reason| {
        matches!(reason, RefusalReason::DiskReservedForSiblings { .. })
    });
    assert_eq!(reserved.len(), 1, "{:?}", link.parent_refusals());
    scene.assert_nothing_of_attacker_beyond(&[
        (Ledger::Energy, 1),
        (Ledger::Vehicles, 1),
        (Ledger::OfficeSpace, 1),
    ]);
    // Its sibling, which takes less than its share, is still stored.
    scene.honest_sibling_goes_through();
}

#[test]
fn a_child_sending_notices_without_end_ends_its_session() {
    let mut scene = Scene::new();
    let limits = SessionLimits {
        max_notices_per_session: 5,
        ..SessionLimits::default()
    };
    let mut empty = sim_tests::harness::memory_core(&scene.topology, scene.attacker_code);
    let mut link = Link::open_with_limits(
        &scene.topology,
        scene.city_code,
        scene.attacker_code,
        limits,
    );
    link.run(&mut scene.city, &mut empty).unwrap();
    let notices: Vec<_> = (0..6)
        .map(|index| {
            Signed::sign(
                Notice {
                    signer: scene.attacker_code,
                    time_ms: index,
                    body: NoticeBody::Lock(protocol::notice::PeriodLock {
                        ledger: Ledger::Energy,
                        period: SAMPLE_PERIOD,
                        closed: true,
                        revision: 1 + index as u64,
                    }),
                },
                &test_key(scene.attacker_code),
                &scene.topology,
            )
            .unwrap()
            .envelope()
            .clone()
        })
        .collect();
    let error = send_up(&mut link, &mut scene.city, &Message::Notices { notices }).unwrap_err();
    assert!(
        matches!(error, SessionError::TooManyNotices { limit: 5, .. }),
        "{error}"
    );
    assert!(
        scene
            .city
            .closing_lock(Ledger::Energy, SAMPLE_PERIOD)
            .is_none(),
        "none of them was stored"
    );
    scene.honest_sibling_goes_through();
}
