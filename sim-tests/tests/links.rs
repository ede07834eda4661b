//! Deterministic runs of real node cores (in-memory stores) joined by protocol sessions: what goes
//! up a tree edge, what it costs, and what a parent refuses.

use protocol::{DocumentKey, Envelope, RefusalReason, Signed, SignedError, Submission};
use schemas::{Ledger, document};
use sim_tests::harness::{
    Link, SAMPLE_PERIOD, changed_consumption, changed_vehicle, clerk, code, import_and_submit,
    memory_core, ningxia, sample_records, test_key,
};
use sim_tests::tampering::Tampering;

#[test]
fn a_county_submission_goes_up_two_levels_and_every_figure_checks() {
    let topology = ningxia();
    let (region_code, city_code, county_code) = (
        code("640000000000"),
        code("640100000000"),
        code("640104000000"),
    );
    let mut county = memory_core(&topology, county_code);
    let mut city = memory_core(&topology, city_code);
    let mut region = memory_core(&topology, region_code);
    for ledger in Ledger::ALL {
        import_and_submit(&mut county, ledger, 1_000);
        import_and_submit(&mut city, ledger, 1_000);
    }

    let mut county_city = Link::open(&topology, city_code, county_code);
    county_city.run(&mut city, &mut county).unwrap();
    assert!(county_city.parent_refusals().is_empty());
    let mut city_region = Link::open(&topology, region_code, city_code);
    city_region.run(&mut region, &mut city).unwrap();
    assert!(city_region.parent_refusals().is_empty());

    for ledger in Ledger::ALL {
        let key = DocumentKey::new(county_code, ledger, SAMPLE_PERIOD);
        assert!(city.latest_submission_of(&key).is_some());
        assert!(region.latest_submission_of(&key).is_some());
        let coverage = region.coverage(region_code, ledger, SAMPLE_PERIOD);
        assert!(coverage.included.contains(&county_code));
        assert!(coverage.included.contains(&city_code));
        let mut expected = county.consolidated_figures(ledger, SAMPLE_PERIOD).unwrap();
        let city_own = city
            .latest_submission_of(&DocumentKey::new(city_code, ledger, SAMPLE_PERIOD))
            .unwrap()
            .figures
            .clone();
        expected.add(&city_own).unwrap();
        assert_eq!(
            region.consolidated_figures(ledger, SAMPLE_PERIOD).unwrap(),
            expected,
            "{ledger}: the region's figures are the county's plus the city's"
        );
    }
    let report = region
        .verify()
        .expect("everything the region holds checks out");
    assert_eq!(report.submissions_checked, 6);
    assert!(report.rollups_checked >= 3);
}

#[test]
fn after_converging_one_new_record_costs_a_small_fraction_of_the_document() {
    let topology = ningxia();
    let (city_code, county_code) = (code("640100000000"), code("640104000000"));
    let mut county = memory_core(&topology, county_code);
    let mut city = memory_core(&topology, city_code);
    import_and_submit(&mut county, Ledger::Vehicles, 1_000);

    let mut link = Link::open(&topology, city_code, county_code);
    link.run(&mut city, &mut county).unwrap();
    let first_sync_bytes = link.parent_session.stats().bytes_received;

    // One more vehicle, in the same session.
    let records = sample_records(county_code, Ledger::Vehicles);
    let original = records
        .iter()
        .rev()
        .find(|record| record.table() == schemas::table::Table::Vehicles)
        .expect("the sample data has vehicles");
    let raised = |increase: u32| {
        let price = original.amount("price_yuan") + schemas::Decimal::from(increase);
        original.with("price_yuan", &price.to_string()).unwrap()
    };
    let changed = raised(1);
    county
        .import_records(
            Ledger::Vehicles,
            SAMPLE_PERIOD,
            std::slice::from_ref(&changed),
            2_000,
        )
        .unwrap();
    county
        .submit(Ledger::Vehicles, SAMPLE_PERIOD, &clerk(), 2_000)
        .unwrap();
    let before =
        link.parent_session.stats().bytes_received + link.parent_session.stats().bytes_sent;
    link.push(&mut city, &mut county).unwrap();
    let after = link.parent_session.stats().bytes_received + link.parent_session.stats().bytes_sent;
    let in_session_bytes = after - before;
    let key = DocumentKey::new(county_code, Ledger::Vehicles, SAMPLE_PERIOD);
    assert_eq!(
        city.latest_submission_of(&key)
            .unwrap()
            .submission
            .payload()
            .sequence,
        2
    );

    // Another change, then a new session: the persisted sync state means a reconnect costs what
    // changed, not the whole history.
    let changed = raised(2);
    county
        .import_records(Ledger::Vehicles, SAMPLE_PERIOD, &[changed], 3_000)
        .unwrap();
    county
        .submit(Ledger::Vehicles, SAMPLE_PERIOD, &clerk(), 3_000)
        .unwrap();
    let mut reconnected = Link::open(&topology, city_code, county_code);
    reconnected.run(&mut city, &mut county).unwrap();
    let reconnect_bytes = reconnected.parent_session.stats().bytes_received
        + reconnected.parent_session.stats().bytes_sent;
    assert_eq!(
        city.latest_submission_of(&key)
            .unwrap()
            .submission
            .payload()
            .sequence,
        3
    );
    eprintln!(
        "first sync {first_sync_bytes} B, one record in session {in_session_bytes} B, after reconnecting {reconnect_bytes} B"
    );
    assert!(
        in_session_bytes * 10 < first_sync_bytes,
        "one record in session: {in_session_bytes} bytes against {first_sync_bytes} for the document"
    );
    assert!(
        reconnect_bytes * 10 < first_sync_bytes,
        "one record after reconnecting: {reconnect_bytes} bytes against {first_sync_bytes} for the document"
    );
    city.verify().unwrap();
}

#[test]
fn changes_made_after_signing_are_refused_and_nothing_is_stored() {
    let topology = ningxia();
    let (city_code, county_code) = (code("640100000000"), code("640104000000"));
    let mut county = memory_core(&topology, county_code);
    let mut city = memory_core(&topology, city_code);
    import_and_submit(&mut county, Ledger::Energy, 1_000);
    let key = DocumentKey::new(county_code, Ledger::Energy, SAMPLE_PERIOD);

    // The county changes a record after signing, and a modified binary pushes the draft.
    let consumption = changed_consumption(county_code, 1_000);
    let mut draft = county.draft_document(&key).unwrap().unwrap();
    document::write_records(&mut draft, &[consumption], 2_000).unwrap();
    let mut tampering = Tampering::new(&mut county);
    tampering.served_instead.insert(key, draft);

    let mut link = Link::open(&topology, city_code, county_code);
    link.run(&mut city, &mut tampering).unwrap();
    let refusals = link.parent_refusals();
    assert_eq!(refusals.len(), 1, "{refusals:?}");
    assert_eq!(
        refusals[0].reason,
        RefusalReason::ChangesNotCoveredBySignature
    );
    assert_eq!(refusals[0].subject, key.to_string());
    assert!(city.latest_submission_of(&key).is_none());
    assert!(
        city.store()
            .scan_prefix(node::store::Tree::Documents, &[])
            .unwrap()
            .is_empty(),
        "no document bytes were stored"
    );
    assert_eq!(city.refusals(), 1);
}

/// Signs `payload` with `key` whatever the payload claims, as a forger would.
fn forge(payload: &Submission, key: &ed25519_dalek::SigningKey) -> Envelope {
    use ed25519_dalek::Signer;
    let bytes = protocol::SignedPayload::encode(payload).expect("a submission encodes");
    let mut message = <Submission as protocol::SignedPayload>::DOMAIN.to_vec();
    message.extend_from_slice(&bytes);
    Envelope {
        payload: bytes,
        signer_key: key.verifying_key().to_bytes(),
        signature: key.sign(&message).to_bytes().to_vec(),
    }
}

#[test]
fn a_county_cannot_write_or_relay_a_siblings_document() {
    let topology = ningxia();
    let (city_code, county_code, sibling_code) = (
        code("640100000000"),
        code("640104000000"),
        code("640105000000"),
    );
    let mut county = memory_core(&topology, county_code);
    let mut sibling = memory_core(&topology, sibling_code);
    let mut city = memory_core(&topology, city_code);
    import_and_submit(&mut county, Ledger::Energy, 1_000);
    import_and_submit(&mut sibling, Ledger::Energy, 1_000);
    let sibling_key = DocumentKey::new(sibling_code, Ledger::Energy, SAMPLE_PERIOD);
    let genuine = sibling
        .latest_submission_of(&sibling_key)
        .unwrap()
        .submission
        .clone();

    // A submission for the sibling's document, signed with the county's own key.
    let mut forged_payload = genuine.payload().clone();
    forged_payload.sequence += 1;
    let forged = forge(&forged_payload, &test_key(county_code));
    let forged_verification = Signed::<Submission>::verify(forged, &topology);
    assert!(matches!(
        forged_verification,
        Err(SignedError::KeyNotBound { signer, .. }) if signer == sibling_code
    ));

    // The county relays the sibling's genuine submission as if it were in its subtree.
    let mut tampering = Tampering::new(&mut county);
    tampering.extra_offers.push(genuine);
    let mut link = Link::open(&topology, city_code, county_code);
    link.run(&mut city, &mut tampering).unwrap();
    let refusals = link.parent_refusals();
    assert_eq!(refusals.len(), 1, "{refusals:?}");
    assert_eq!(
        refusals[0].reason,
        RefusalReason::NotInPeerSubtree {
            signer: sibling_code,
            peer: county_code
        }
    );
    assert!(city.latest_submission_of(&sibling_key).is_none());
    // The county's own document still went up.
    assert!(
        city.latest_submission_of(&DocumentKey::new(
            county_code,
            Ledger::Energy,
            SAMPLE_PERIOD
        ))
        .is_some()
    );
}

#[test]
fn a_rollup_that_is_not_the_sum_of_its_inputs_is_refused() {
    let topology = ningxia();
    let (region_code, city_code, county_code) = (
        code("640000000000"),
        code("640100000000"),
        code("640104000000"),
    );
    let mut county = memory_core(&topology, county_code);
    let mut city = memory_core(&topology, city_code);
    let mut region = memory_core(&topology, region_code);
    import_and_submit(&mut county, Ledger::Energy, 1_000);
    Link::open(&topology, city_code, county_code)
        .run(&mut city, &mut county)
        .unwrap();

    // The city signs a rollup that inflates its county's consumption.
    let honest = city
        .latest_rollup_of(city_code, Ledger::Energy, SAMPLE_PERIOD)
        .unwrap()
        .payload()
        .clone();
    let mut inflated = honest.clone();
    inflated.sequence += 1;
    let total = inflated.figures.get("energy.standard_coal_kgce");
    inflated
        .figures
        .set(
            "energy.standard_coal_kgce",
            total + schemas::Decimal::from(1_000_000),
        )
        .unwrap();
    let forged = Signed::sign(inflated, &test_key(city_code), &topology).unwrap();
    let mut tampering = Tampering::new(&mut city);
    tampering.extra_rollups.push(forged);

    let mut link = Link::open(&topology, region_code, city_code);
    link.run(&mut region, &mut tampering).unwrap();
    let refusals = link.parent_refusals();
    assert!(
        refusals.iter().any(|refusal| matches!(
            &refusal.reason,
            RefusalReason::RollupFiguresMismatch { figure } if figure == "energy.standard_coal_kgce"
        )),
        "{refusals:?}"
    );
    let held = region
        .latest_rollup_of(city_code, Ledger::Energy, SAMPLE_PERIOD)
        .expect("the honest rollup was stored");
    assert_eq!(held.payload().figures, honest.figures);
}

#[test]
fn a_peer_that_breaks_the_protocol_ends_the_session() {
    let topology = ningxia();
    let (city_code, county_code) = (code("640100000000"), code("640104000000"));
    let mut city = memory_core(&topology, city_code);
    let mut link = Link::open(&topology, city_code, county_code);
    // A length prefix far beyond the frame limit.
    let oversized = (protocol::limits::MAX_FRAME_BYTES as u32 + 1).to_be_bytes();
    let error = link
        .parent_session
        .handle_bytes(0, &oversized, &mut city)
        .unwrap_err();
    assert!(error.to_string().contains("exceeds the maximum"), "{error}");

    // A settled message before hello.
    let mut link = Link::open(&topology, city_code, county_code);
    let mut county = memory_core(&topology, county_code);
    let frame = protocol::message::Message::Settled {
        round: 1,
        not_stored: Vec::new(),
    }
    .to_frame()
    .unwrap();
    let error = link
        .child_session
        .handle_bytes(0, &frame, &mut county)
        .unwrap_err();
    assert!(error.to_string().contains("before hello"), "{error}");
}

#[test]
fn changes_pushed_unasked_are_checked_like_any_and_a_refusal_falls_back_to_a_pull() {
    let topology = ningxia();
    let (city_code, county_code) = (code("640100000000"), code("640104000000"));
    let mut county = memory_core(&topology, county_code);
    let mut city = memory_core(&topology, city_code);
    let key = DocumentKey::new(county_code, Ledger::Vehicles, SAMPLE_PERIOD);
    import_and_submit(&mut county, Ledger::Vehicles, 1_000);
    let mut link = Link::open(&topology, city_code, county_code);
    link.run(&mut city, &mut county).unwrap();
    assert_eq!(
        city.latest_submission_of(&key)
            .unwrap()
            .submission
            .payload()
            .sequence,
        1
    );

    // Submission 2 is signed, but a modified county pushes a draft with one more unsigned change.
    county
        .import_records(
            Ledger::Vehicles,
            SAMPLE_PERIOD,
            &[changed_vehicle(county_code, 1)],
            2_000,
        )
        .unwrap();
    county
        .submit(Ledger::Vehicles, SAMPLE_PERIOD, &clerk(), 2_000)
        .unwrap();
    let mut beyond = county.draft_document(&key).unwrap().unwrap();
    document::write_records(&mut beyond, &[changed_vehicle(county_code, 2)], 2_500).unwrap();
    {
        let mut tampering = Tampering::new(&mut county);
        tampering.served_instead.insert(key, beyond);
        link.push(&mut city, &mut tampering).unwrap();
    }
    let refusals = link.parent_refusals();
    assert_eq!(refusals.len(), 1, "{refusals:?}");
    assert_eq!(
        refusals[0].reason,
        RefusalReason::ChangesNotCoveredBySignature
    );
    assert_eq!(
        city.latest_submission_of(&key)
            .unwrap()
            .submission
            .payload()
            .sequence,
        1,
        "the refused submission was not stored"
    );

    // The honest county submits again: the parent said it did not store 2, so it pulls afresh.
    county
        .import_records(
            Ledger::Vehicles,
            SAMPLE_PERIOD,
            &[changed_vehicle(county_code, 3)],
            3_000,
        )
        .unwrap();
    county
        .submit(Ledger::Vehicles, SAMPLE_PERIOD, &clerk(), 3_000)
        .unwrap();
    link.push(&mut city, &mut county).unwrap();
    assert_eq!(link.parent_refusals().len(), 1, "no new refusal");
    assert_eq!(
        city.latest_submission_of(&key)
            .unwrap()
            .submission
            .payload()
            .sequence,
        3
    );
    city.verify().unwrap();
}

#[test]
fn a_county_that_signs_records_breaking_a_ledger_rule_is_refused() {
    let topology = ningxia();
    let (city_code, county_code) = (code("640100000000"), code("640104000000"));
    let mut county = memory_core(&topology, county_code);
    let mut city = memory_core(&topology, city_code);
    county
        .import_records(
            Ledger::OfficeSpace,
            SAMPLE_PERIOD,
            &sample_records(county_code, Ledger::OfficeSpace),
            1_000,
        )
        .unwrap();
    let key = DocumentKey::new(county_code, Ledger::OfficeSpace, SAMPLE_PERIOD);

    // A modified binary writes a space larger than its building straight into the draft (the
    // honest core refuses such an import) and signs it with the county's real key.
    let building = sample_records(county_code, Ledger::OfficeSpace)
        .into_iter()
        .find(|record| record.table() == schemas::table::Table::Buildings)
        .expect("the sample data has buildings");
    let too_large = (building.amount("floor_area_m2") + schemas::Decimal::ONE).to_string();
    let space = schemas::Record::from_texts(
        schemas::table::Table::OfficeSpaces.spec(),
        &[
            ("building_id", building.text("building_id")),
            ("category", "office"),
            ("status", "idle"),
            ("usable_m2", "1"),
            ("floor_m2", &too_large),
        ],
    )
    .unwrap();
    let mut draft = county.draft_document(&key).unwrap().unwrap();
    document::write_records(&mut draft, &[space], 2_000).unwrap();
    let records = document::read_records(&draft).unwrap();
    let table = schemas::coefficients::current();
    let figures = schemas::compute(Ledger::OfficeSpace, SAMPLE_PERIOD, &records, table).unwrap();
    let submission = Submission {
        key,
        heads: Submission::heads_from(&draft.get_heads()),
        n_records: records.len() as u64,
        figures_digest: figures.digest(),
        coefficients_version: table.version().to_owned(),
        sequence: 1,
        time_ms: 2_000,
        submitted_by: Some("张三".to_owned()),
    };
    let signed = Signed::sign(submission, &test_key(county_code), &topology).unwrap();

    let mut tampering = Tampering::new(&mut county);
    tampering.served_instead.insert(key, draft);
    tampering.extra_offers.push(signed);
    let mut link = Link::open(&topology, city_code, county_code);
    link.run(&mut city, &mut tampering).unwrap();
    let refusals = link.parent_refusals();
    assert_eq!(refusals.len(), 1, "{refusals:?}");
    assert!(
        matches!(
            &refusals[0].reason,
            RefusalReason::RecordsBreakRules { finding } if finding.contains("buildings")
        ),
        "{:?}",
        refusals[0].reason
    );
    assert!(
        city.latest_submission_of(&key).is_none(),
        "the city stores no submission that breaks a rule"
    );
}

#[test]
fn a_peer_of_protocol_5_which_cannot_read_definition_choices_is_told_both_versions() {
    use protocol::message::{Message, PROTOCOL_VERSION};
    use protocol::{Role, Session, SessionConfig, SessionError};

    let topology = ningxia();
    let (city_code, county_code) = (code("640100000000"), code("640104000000"));
    let mut city = memory_core(&topology, city_code);
    let mut session = Session::new(
        SessionConfig::new(
            city_code,
            county_code,
            Role::Parent,
            topology.version(),
            protocol::limits::SessionLimits::default(),
        ),
        0,
    );
    // `Hello` keeps its encoding across versions, so an older county is understood this far.
    let hello = Message::Hello {
        protocol_version: 5,
        node: county_code,
        topology_version: topology.version(),
    };
    let error = session
        .handle_bytes(1, &hello.to_frame().unwrap(), &mut city)
        .unwrap_err();
    // Version 7 still speaks 6, not 5: a peer of 5 is two versions behind.
    assert_eq!(PROTOCOL_VERSION, 7);
    assert!(
        matches!(
            error,
            SessionError::ProtocolVersion {
                ours: 7,
                theirs: 5,
                ..
            }
        ),
        "{error}"
    );
}

/// Both ends of a link learn that a round settled: the child when the parent's `Settled` comes,
/// the parent when it sends it (the time `status` and the console's sync page show for each link).
#[test]
fn both_ends_of_a_link_see_the_round_settle() {
    let topology = sim_tests::harness::ningxia();
    let (city_code, county_code) = (
        sim_tests::harness::code("640100000000"),
        sim_tests::harness::code("640104000000"),
    );
    let mut city = sim_tests::harness::memory_core(&topology, city_code);
    let mut county = sim_tests::harness::memory_core(&topology, county_code);
    sim_tests::harness::import_and_submit(&mut county, schemas::Ledger::Energy, 1_000);
    let mut link = sim_tests::harness::Link::open(&topology, city_code, county_code);
    link.run(&mut city, &mut county).unwrap();
    let settled = |events: &[protocol::Event]| {
        events
            .iter()
            .filter(|event| matches!(event, protocol::Event::Settled { .. }))
            .count()
    };
    assert!(settled(&link.child_events) >= 1, "{:?}", link.child_events);
    assert!(
        settled(&link.parent_events) >= 1,
        "{:?}",
        link.parent_events
    );
}
