//! A root restored from a backup older than the tree's last work, over the sans-IO protocol: the
//! region is "killed" after a redefinition, a lock, a decision and a county's new submission that
//! its backup does not hold, rebuilt from the backup, and converges again from its child. Before
//! the child answers it signs nothing; afterwards it holds every notice and every latest
//! submission the killed region held, the same figures, and its sequences start above any it
//! signed before. What only the region held (its own edits after the backup) is listed as lost.

use node::core::NodeCore;
use node::core::recovery::ChildRecovery;
use node::store::{Batch, Durability, MemoryStore, Store, Tree};
use protocol::{DocumentKey, Event, Role, SessionConfig, Signed, Verdict};
use schemas::Ledger;
use sim_tests::harness::{
    Link, SAMPLE_PERIOD, changed_consumption, clerk, code, import_and_submit, memory_core, ningxia,
    reviewer, sequence, submit_change, test_key,
};
use topology::{DivisionCode, Topology};

const LEDGERS: [Ledger; 2] = [Ledger::Vehicles, Ledger::Energy];

fn region_code() -> DivisionCode {
    code("640000000000")
}

fn city_code() -> DivisionCode {
    code("640100000000")
}

/// Every entry of every tree of a store: what `huizong backup` writes.
type Snapshot = Vec<(Tree, node::store::Entries)>;

/// Every entry of every tree of a core's store.
fn snapshot(core: &NodeCore) -> Snapshot {
    Tree::ALL
        .iter()
        .map(|tree| (*tree, core.store().scan_prefix(*tree, &[]).unwrap()))
        .collect()
}

/// A region core rebuilt from a snapshot, as `huizong restore --from-backup` rebuilds it.
fn restored_region(topology: &Topology, backup: &Snapshot) -> NodeCore {
    let store = MemoryStore::new();
    let mut batch = Batch::new();
    for (tree, entries) in backup {
        for (key, value) in entries {
            batch.put(*tree, key.clone(), value.clone());
        }
    }
    store.apply(&batch, Durability::Flush).unwrap();
    NodeCore::new(
        region_code(),
        test_key(region_code()),
        topology.clone(),
        Box::new(store),
    )
    .expect("the backup opens as the region")
}

/// The region's session with a child as the driver opens it: each hello names the topology
/// version its node holds, and a recovering region asks the child it still waits for.
fn link_with(region: &NodeCore, child: &NodeCore) -> Link {
    let limits = protocol::limits::SessionLimits::default();
    let mut parent = SessionConfig::new(
        region_code(),
        child.code(),
        Role::Parent,
        region.topology().version(),
        limits,
    );
    parent.recovering = region.is_recovering_from(child.code());
    Link::open_configured(
        parent,
        SessionConfig::new(
            child.code(),
            region_code(),
            Role::Child,
            child.topology().version(),
            limits,
        ),
    )
}

fn notice_hashes(core: &NodeCore) -> std::collections::BTreeSet<protocol::ObjectHash> {
    core.notices_about(core.code())
        .iter()
        .map(Signed::hash)
        .collect()
}

#[test]
fn a_root_restored_from_an_old_backup_takes_back_what_its_child_holds_and_converges() {
    let topology = ningxia();
    let mut region = memory_core(&topology, region_code());
    let mut city = memory_core(&topology, city_code());
    let mut counties: Vec<NodeCore> = topology.children_of(city_code())[..2]
        .iter()
        .map(|county| memory_core(&topology, *county))
        .collect();
    for ledger in LEDGERS {
        import_and_submit(&mut region, ledger, 1_000);
        import_and_submit(&mut city, ledger, 1_000);
        for county in &mut counties {
            import_and_submit(county, ledger, 1_000);
        }
    }
    for county in &mut counties {
        Link::open(&topology, city_code(), county.code())
            .run(&mut city, county)
            .unwrap();
    }
    Link::open(&topology, region_code(), city_code())
        .run(&mut region, &mut city)
        .unwrap();

    // The backup, then work it does not hold: a new revision of a definition, a lock, a decision
    // on the city's document, a county's new submission consolidated up, and the region's own
    // new submission, which nobody below holds.
    let backup = snapshot(&region);
    let backup_taken_at_ms = 1_500;
    let own_energy = DocumentKey::new(region_code(), Ledger::Energy, SAMPLE_PERIOD);
    let own_sequence_at_backup = sequence(&region, &own_energy).unwrap();
    let definition = region
        .definition_of(Ledger::Vehicles, SAMPLE_PERIOD)
        .unwrap()
        .clone();
    region
        .define_return(
            Ledger::Vehicles,
            SAMPLE_PERIOD,
            node::core::ReturnTerms {
                deadline_ms: definition.deadline_ms + 86_400_000,
                blocking_rules: definition.blocking_rules.clone(),
                coefficients_version: definition.coefficients_version.clone(),
                choices: definition.choices.clone(),
            },
            2_000,
        )
        .unwrap();
    region
        .set_lock(Ledger::Energy, SAMPLE_PERIOD, true, 2_100)
        .unwrap();
    // A new version of the topology, published at the root (the same tree, re-signed).
    let mut newer = topology.clone();
    newer.set_version(topology.version() + 1);
    newer.sign(&test_key(region_code())).unwrap();
    assert!(matches!(
        region.adopt_topology_text(&newer.to_toml_string()).unwrap(),
        protocol::TopologyAdoption::Adopted { .. }
    ));
    region
        .decide(
            DocumentKey::new(city_code(), Ledger::Vehicles, SAMPLE_PERIOD),
            Verdict::Accepted,
            &reviewer(),
            2_200,
        )
        .unwrap();
    submit_change(&mut counties[0], 9, 2_300);
    Link::open(&topology, city_code(), counties[0].code())
        .run(&mut city, &mut counties[0])
        .unwrap();
    let mut link = link_with(&region, &city);
    link.run(&mut region, &mut city).unwrap();
    assert!(link.parent_refusals().is_empty());
    region
        .import_records(
            Ledger::Energy,
            SAMPLE_PERIOD,
            &[changed_consumption(region_code(), 5)],
            2_400,
        )
        .unwrap();
    region
        .submit(Ledger::Energy, SAMPLE_PERIOD, &clerk(), 2_400)
        .unwrap();
    let own_sequence_before_kill = sequence(&region, &own_energy).unwrap();
    assert!(own_sequence_before_kill > own_sequence_at_backup);
    let county_key = DocumentKey::new(counties[0].code(), Ledger::Vehicles, SAMPLE_PERIOD);
    assert_eq!(
        sequence(&region, &county_key),
        sequence(&counties[0], &county_key)
    );
    let killed = region;

    // The region is rebuilt from its backup and starts its recovery.
    let mut region = restored_region(&topology, &backup);
    assert!(sequence(&region, &county_key) < sequence(&counties[0], &county_key));
    assert!(region.locked_since(Ledger::Energy, SAMPLE_PERIOD).is_none());
    let now_ms = 1_700_000_000_000;
    region.set_wall_clock(now_ms);
    let start = region.begin_recovery(backup_taken_at_ms, now_ms).unwrap();
    assert_eq!(start.children, topology.children_of(region_code()).to_vec());
    let lost = start
        .own_documents
        .iter()
        .find(|document| document.ledger == Ledger::Energy)
        .expect("the region's own energy document is listed as of the backup");
    assert_eq!(lost.submitted_sequence, Some(own_sequence_at_backup));
    assert!(start.next_sequence > own_sequence_before_kill);
    assert!(region.is_recovering() && region.is_recovering_from(city_code()));
    let refused = region.refuse_signing_while_recovering().unwrap_err();
    assert!(refused.to_string().contains("640100000000"), "{refused}");

    // Its session with the city: the city gives back what it holds and offers its latest.
    let mut link = link_with(&region, &city);
    link.run(&mut region, &mut city).unwrap();
    assert!(
        link.parent_refusals().is_empty(),
        "{:?}",
        link.parent_refusals()
    );
    assert!(
        link.child_refusals().is_empty(),
        "{:?}",
        link.child_refusals()
    );
    let answered = link
        .parent_events
        .iter()
        .find_map(|event| match event {
            Event::RecoveryAnswered {
                child,
                answered,
                notices,
                topology_version,
                ..
            } => Some((*child, *answered, *notices, *topology_version)),
            _ => None,
        })
        .expect("the city answered the recovery");
    assert_eq!(
        city.topology().version(),
        newer.version(),
        "the city holds the newer topology"
    );
    assert_eq!(
        answered.3,
        Some(newer.version()),
        "the topology came back: {:?}",
        link.parent_events
    );
    assert_eq!(region.topology().version(), newer.version());
    assert_eq!(answered.0, city_code());
    assert!(answered.1);
    assert!(
        answered.2 >= 3,
        "the revision, the lock and the decision came back: {answered:?}"
    );
    // The other children of the region have not answered yet: it still recovers from them.
    let state = region.recovery().unwrap();
    assert!(matches!(
        state.children[&city_code()],
        ChildRecovery::Answered { .. }
    ));
    for child in topology.children_of(region_code()) {
        if *child != city_code() {
            assert_eq!(state.children[child], ChildRecovery::Waiting);
        }
    }
    assert!(region.is_recovering());

    // Everything the killed region held from below is back.
    let missing: Vec<_> = notice_hashes(&killed)
        .difference(&notice_hashes(&region))
        .copied()
        .collect();
    assert!(missing.is_empty(), "notices not taken back: {missing:?}");
    assert_eq!(
        region
            .definition_of(Ledger::Vehicles, SAMPLE_PERIOD)
            .unwrap()
            .revision,
        definition.revision + 1
    );
    assert!(region.locked_since(Ledger::Energy, SAMPLE_PERIOD).is_some());
    for accepted in killed.latest_submissions() {
        let key = accepted.submission.payload().key;
        if key.owner == region_code() {
            continue;
        }
        assert_eq!(
            region
                .latest_submission_of(&key)
                .map(|held| held.submission.hash()),
            Some(accepted.submission.hash()),
            "{key}: the latest submission is back"
        );
    }
    for rollup in killed.latest_rollups() {
        let payload = rollup.payload();
        if payload.node == region_code() {
            continue;
        }
        assert_eq!(
            region
                .latest_rollup_of(payload.node, payload.ledger, payload.period)
                .map(Signed::hash),
            Some(rollup.hash()),
            "{}/{}: the child's latest rollup is back",
            payload.node,
            payload.ledger
        );
    }
    // The region's own vehicles rollup (its own vehicles unchanged since the backup) has the
    // killed region's figures again, signed above every sequence used before.
    let before = killed
        .latest_rollup_of(region_code(), Ledger::Vehicles, SAMPLE_PERIOD)
        .unwrap();
    let after = region
        .latest_rollup_of(region_code(), Ledger::Vehicles, SAMPLE_PERIOD)
        .unwrap();
    assert_eq!(after.payload().figures, before.payload().figures);
    assert!(after.payload().sequence >= start.next_sequence);

    // One child's machine is gone: the operator stops waiting for it (`huizong recovery end`);
    // the region still waits for the others.
    let others: Vec<DivisionCode> = topology
        .children_of(region_code())
        .iter()
        .copied()
        .filter(|child| *child != city_code())
        .collect();
    let gone = others[0];
    assert_eq!(
        region
            .give_up_recovery(Some(gone), "运维员", now_ms)
            .unwrap(),
        vec![gone]
    );
    assert!(matches!(
        &region.recovery().unwrap().children[&gone],
        ChildRecovery::GivenUp { by, .. } if by == "运维员"
    ));
    assert!(region.is_recovering());

    // Once every other child has answered, the region signs again, above every sequence it used.
    for child in others.into_iter().skip(1) {
        let mut other = memory_core(&topology, child);
        link_with(&region, &other)
            .run(&mut region, &mut other)
            .unwrap();
    }
    assert!(!region.is_recovering(), "{:?}", region.recovery());
    region.refuse_signing_while_recovering().unwrap();
    region
        .import_records(
            Ledger::Energy,
            SAMPLE_PERIOD,
            &[changed_consumption(region_code(), 6)],
            now_ms,
        )
        .unwrap();
    region
        .submit(Ledger::Energy, SAMPLE_PERIOD, &clerk(), now_ms)
        .unwrap();
    assert!(sequence(&region, &own_energy).unwrap() > own_sequence_before_kill);
    region.verify().expect("the recovered region verifies");
}
