//! The review workflow over real node cores joined by protocol sessions: a city returns a county's
//! submission with a reason, the county sees it, corrects and resubmits, the city accepts, and the
//! region's figure turns from provisional to final; a decision signed by anyone but the owner's
//! parent is refused.

use protocol::{Decision, DocumentKey, Notice, NoticeBody, RefusalReason, Signed, Verdict};
use schemas::Ledger;
use sim_tests::harness::{
    Link, SAMPLE_DEADLINE_MS, SAMPLE_PERIOD, changed_consumption, clerk, code, import_and_submit,
    memory_core, ningxia, reviewer, sample_records, test_key, undefined_core,
};
use sim_tests::tampering::Tampering;

/// What the city refuses when the county sends up a notice it signed itself (a forgery of a
/// modified county binary); the city stores nothing of it.
fn city_refuses_the_countys_notice(
    topology: &topology::Topology,
    city: &mut node::core::NodeCore,
    county: &mut node::core::NodeCore,
    body: NoticeBody,
) -> RefusalReason {
    let (city_code, county_code) = (city.code(), county.code());
    let forged = Signed::sign(
        Notice {
            signer: county_code,
            time_ms: 1_500,
            body,
        },
        &test_key(county_code),
        topology,
    )
    .unwrap();
    let mut tampering = Tampering::new(county);
    tampering.extra_notices.push(forged);
    let mut link = Link::open(topology, city_code, county_code);
    link.run(city, &mut tampering).unwrap();
    let refusals = link.parent_refusals();
    assert_eq!(refusals.len(), 1, "{refusals:?}");
    refusals[0].reason.clone()
}

#[test]
fn a_returned_submission_is_corrected_accepted_and_the_regions_figure_becomes_final() {
    let topology = ningxia();
    let (region_code, city_code, county_code) = (
        code("640000000000"),
        code("640100000000"),
        code("640104000000"),
    );
    let mut region = memory_core(&topology, region_code);
    let mut city = memory_core(&topology, city_code);
    let mut county = memory_core(&topology, county_code);
    let key = DocumentKey::new(county_code, Ledger::Energy, SAMPLE_PERIOD);

    import_and_submit(&mut county, Ledger::Energy, 1_000);
    let mut county_link = Link::open(&topology, city_code, county_code);
    county_link.run(&mut city, &mut county).unwrap();
    let mut region_link = Link::open(&topology, region_code, city_code);
    region_link.run(&mut region, &mut city).unwrap();
    assert_eq!(
        region
            .unaccepted_inputs(region_code, Ledger::Energy, SAMPLE_PERIOD)
            .unwrap(),
        vec![county_code],
        "the region's figure includes the county's unreviewed submission: provisional"
    );

    // The city returns the submission; the county sees the reason.
    let reason = "三月电力用量是二月的十倍，请核实";
    city.decide(
        key,
        Verdict::Returned {
            reason: reason.to_owned(),
        },
        &reviewer(),
        2_000,
    )
    .unwrap();
    county_link.push_down(&mut city, &mut county).unwrap();
    assert_eq!(
        county.document_review(key).review,
        node::core::ReviewState::Returned {
            reason: reason.to_owned()
        }
    );

    // The county corrects and resubmits; the city sees a new submission awaiting review.
    county
        .import_records(
            Ledger::Energy,
            SAMPLE_PERIOD,
            &[changed_consumption(county_code, 1)],
            3_000,
        )
        .unwrap();
    county
        .submit(Ledger::Energy, SAMPLE_PERIOD, &clerk(), 3_000)
        .unwrap();
    county_link.push(&mut city, &mut county).unwrap();
    let review = city.document_review(key);
    assert_eq!(review.sequence, Some(2));
    assert_eq!(review.review, node::core::ReviewState::Submitted);

    // The city accepts; the decisions and the new rollup reach the region.
    city.decide(key, Verdict::Accepted, &reviewer(), 4_000)
        .unwrap();
    county_link.push_down(&mut city, &mut county).unwrap();
    assert_eq!(
        county.document_review(key).review,
        node::core::ReviewState::Accepted
    );
    region_link.push(&mut region, &mut city).unwrap();
    assert!(
        region
            .unaccepted_inputs(region_code, Ledger::Energy, SAMPLE_PERIOD)
            .unwrap()
            .is_empty(),
        "every submission under the region's figure is accepted: final"
    );
    let history = region.document_review(key).history;
    let verdicts: Vec<(u64, &str)> = history
        .iter()
        .map(|decision| (decision.sequence, decision.verdict.as_str()))
        .collect();
    assert_eq!(verdicts, [(1, "returned"), (2, "accepted")]);
    assert_eq!(history[0].reason.as_deref(), Some(reason));
    assert!(
        history
            .iter()
            .all(|decision| decision.decided_by == city_code)
    );
    assert!(region_link.parent_refusals().is_empty());
    assert!(county_link.child_refusals().is_empty());
}

#[test]
fn a_decision_not_signed_by_the_owners_parent_is_refused() {
    let topology = ningxia();
    let (city_code, county_code) = (code("640100000000"), code("640104000000"));
    let mut city = memory_core(&topology, city_code);
    let mut county = memory_core(&topology, county_code);
    import_and_submit(&mut county, Ledger::Energy, 1_000);
    let key = DocumentKey::new(county_code, Ledger::Energy, SAMPLE_PERIOD);
    let submission = county
        .latest_submission_of(&key)
        .unwrap()
        .submission
        .clone();

    // A modified county binary accepts its own submission and sends the decision up.
    let reason = city_refuses_the_countys_notice(
        &topology,
        &mut city,
        &mut county,
        NoticeBody::Decision(Decision {
            key,
            sequence: submission.payload().sequence,
            submission: submission.hash(),
            verdict: Verdict::Accepted,
            decided_by: Some("王五".to_owned()),
        }),
    );
    assert_eq!(
        reason,
        RefusalReason::NotTheReviewer {
            signer: county_code,
            owner: county_code
        }
    );
    assert_eq!(
        city.document_review(key).review,
        node::core::ReviewState::Submitted,
        "the forged acceptance counts for nothing"
    );
    assert!(city.document_review(key).history.is_empty());
}

#[test]
fn the_city_accepts_while_the_region_is_away_and_the_region_learns_it_on_return() {
    let topology = ningxia();
    let (region_code, city_code, county_code) = (
        code("640000000000"),
        code("640100000000"),
        code("640104000000"),
    );
    let mut region = memory_core(&topology, region_code);
    let mut city = memory_core(&topology, city_code);
    let mut county = memory_core(&topology, county_code);
    let key = DocumentKey::new(county_code, Ledger::Energy, SAMPLE_PERIOD);

    // No link to the region while the county reports and the city reviews.
    import_and_submit(&mut county, Ledger::Energy, 1_000);
    Link::open(&topology, city_code, county_code)
        .run(&mut city, &mut county)
        .unwrap();
    city.decide(key, Verdict::Accepted, &reviewer(), 2_000)
        .unwrap();
    assert!(
        city.unaccepted_inputs(city_code, Ledger::Energy, SAMPLE_PERIOD)
            .unwrap()
            .is_empty()
    );

    // The region comes back: one session brings the submission, the rollup and the decision.
    Link::open(&topology, region_code, city_code)
        .run(&mut region, &mut city)
        .unwrap();
    assert_eq!(
        region.document_review(key).review,
        node::core::ReviewState::Accepted
    );
    assert!(
        region
            .unaccepted_inputs(region_code, Ledger::Energy, SAMPLE_PERIOD)
            .unwrap()
            .is_empty(),
        "the region's figure is final"
    );
}

#[test]
fn explain_at_the_region_lists_every_submission_under_a_figure_and_verify_passes() {
    let topology = ningxia();
    let region_code = code("640000000000");
    let city_code = code("640100000000");
    let counties = [code("640104000000"), code("640105000000")];
    let mut region = memory_core(&topology, region_code);
    let mut city = memory_core(&topology, city_code);
    import_and_submit(&mut city, Ledger::Energy, 1_000);
    for county_code in counties {
        let mut county = memory_core(&topology, county_code);
        import_and_submit(&mut county, Ledger::Energy, 1_000);
        Link::open(&topology, city_code, county_code)
            .run(&mut city, &mut county)
            .unwrap();
        city.decide(
            DocumentKey::new(county_code, Ledger::Energy, SAMPLE_PERIOD),
            Verdict::Accepted,
            &reviewer(),
            2_000,
        )
        .unwrap();
    }
    Link::open(&topology, region_code, city_code)
        .run(&mut region, &mut city)
        .unwrap();

    let figure = "energy.standard_coal_kgce";
    let explained = region
        .explain(Ledger::Energy, SAMPLE_PERIOD, figure)
        .unwrap()
        .expect("the region holds a rollup");
    assert_eq!(explained.node, region_code);
    assert_eq!(
        explained.value,
        region
            .consolidated_figures(Ledger::Energy, SAMPLE_PERIOD)
            .unwrap()
            .get(figure)
    );
    let mut submissions = Vec::new();
    let mut stack = vec![&explained];
    while let Some(contribution) = stack.pop() {
        if contribution.kind == "submission" {
            submissions.push(contribution);
        } else {
            let sum: schemas::Decimal = contribution.inputs.iter().map(|input| input.value).sum();
            assert_eq!(
                sum, contribution.value,
                "a rollup's value is its inputs' sum"
            );
        }
        stack.extend(&contribution.inputs);
    }
    let mut owners: Vec<_> = submissions
        .iter()
        .map(|submission| submission.node)
        .collect();
    owners.sort();
    assert_eq!(owners, [city_code, counties[0], counties[1]]);
    for submission in &submissions {
        let expected = if submission.node == city_code {
            // The city's own submission waits for the region's review.
            node::core::ReviewState::Submitted
        } else {
            node::core::ReviewState::Accepted
        };
        assert_eq!(
            submission.review.as_ref(),
            Some(&expected),
            "{}",
            submission.node
        );
        assert_eq!(submission.signer, submission.node);
        assert_eq!(submission.hash.len(), 64);
    }
    let report = region.verify().unwrap();
    assert_eq!(report.submissions_checked, 3);
    assert_eq!(report.decisions_checked, 2);
}

#[test]
fn a_submission_for_a_return_not_defined_is_refused_by_the_node_and_by_its_parent() {
    let topology = ningxia();
    let (city_code, county_code) = (code("640100000000"), code("640104000000"));

    // A node that does not hold the definition does not sign.
    let mut lost = undefined_core(&topology, county_code);
    lost.import_records(
        Ledger::Energy,
        SAMPLE_PERIOD,
        &sample_records(county_code, Ledger::Energy),
        1_000,
    )
    .unwrap();
    let error = lost
        .submit(Ledger::Energy, SAMPLE_PERIOD, &clerk(), 1_000)
        .unwrap_err();
    assert!(
        error.to_string().contains("报表 energy/2025 尚未下发"),
        "{error}"
    );

    // A parent that does not hold it refuses what a child sends for it.
    let mut county = memory_core(&topology, county_code);
    import_and_submit(&mut county, Ledger::Energy, 1_000);
    let mut city = undefined_core(&topology, city_code);
    let mut link = Link::open(&topology, city_code, county_code);
    link.run(&mut city, &mut county).unwrap();
    let refusals = link.parent_refusals();
    assert_eq!(refusals.len(), 1, "{refusals:?}");
    assert_eq!(
        refusals[0].reason,
        RefusalReason::ReturnNotDefined {
            ledger: Ledger::Energy,
            period: SAMPLE_PERIOD
        }
    );
    let key = DocumentKey::new(county_code, Ledger::Energy, SAMPLE_PERIOD);
    assert!(city.latest_submission_of(&key).is_none());
}

#[test]
fn a_definition_comes_down_from_the_root_and_one_not_signed_by_the_root_is_refused() {
    let topology = ningxia();
    let (region_code, city_code, county_code) = (
        code("640000000000"),
        code("640100000000"),
        code("640104000000"),
    );
    let mut region = memory_core(&topology, region_code);
    let mut city = memory_core(&topology, city_code);
    let mut county = memory_core(&topology, county_code);
    let next_year = schemas::Period::Year(2026);
    // A blocking rule the ledger does not have (a typo, or another ledger's rule) is refused,
    // and the message lists the ledger's rules.
    let typo = region
        .define_return(
            Ledger::Energy,
            next_year,
            node::core::ReturnTerms {
                deadline_ms: 1_000_000,
                blocking_rules: vec!["year_on_year_need_note".to_owned()],
                coefficients_version: schemas::coefficients::current().version().to_owned(),
                choices: protocol::notice::ReturnChoices::default(),
            },
            5_000,
        )
        .unwrap_err()
        .to_string();
    assert!(typo.contains("year_on_year_need_note"), "{typo}");
    for rule in schemas::ledgers::rule_codes(Ledger::Energy) {
        assert!(typo.contains(rule), "{typo} lists {rule}");
    }
    let other_ledgers = region
        .define_return(
            Ledger::Energy,
            next_year,
            node::core::ReturnTerms {
                deadline_ms: 1_000_000,
                blocking_rules: vec!["room_over_standard".to_owned()],
                coefficients_version: schemas::coefficients::current().version().to_owned(),
                choices: protocol::notice::ReturnChoices::default(),
            },
            5_000,
        )
        .unwrap_err()
        .to_string();
    assert!(
        other_ledgers.contains("room_over_standard"),
        "{other_ledgers}"
    );
    assert!(region.definition_of(Ledger::Energy, next_year).is_none());

    let choices = protocol::notice::ReturnChoices {
        benchmarks: Some("north".to_owned()),
        saving_target_percent: 90,
        form: protocol::notice::FormHeading {
            table_number: "机关事务 3 表".to_owned(),
            made_by: "国家机关事务管理局".to_owned(),
            approved_by: "国家统计局".to_owned(),
            approval_number: "国统制〔2025〕1 号".to_owned(),
        },
    };
    region
        .define_return(
            Ledger::Energy,
            next_year,
            node::core::ReturnTerms {
                deadline_ms: 1_000_000,
                blocking_rules: vec!["year_on_year_needs_note".to_owned()],
                coefficients_version: schemas::coefficients::current().version().to_owned(),
                choices: choices.clone(),
            },
            5_000,
        )
        .unwrap();
    assert!(city.definition_of(Ledger::Energy, next_year).is_none());
    Link::open(&topology, region_code, city_code)
        .push_down(&mut region, &mut city)
        .unwrap();
    let mut county_link = Link::open(&topology, city_code, county_code);
    county_link.run(&mut city, &mut county).unwrap();
    let held = county
        .definition_of(Ledger::Energy, next_year)
        .expect("the definition reached the county");
    assert_eq!(held.blocking_rules, ["year_on_year_needs_note"]);
    assert_eq!(held.deadline_ms, 1_000_000);
    assert_eq!(
        held.choices, choices,
        "the choices travel down with the definition"
    );
    let error = city
        .define_return(
            Ledger::Energy,
            next_year,
            node::core::ReturnTerms {
                deadline_ms: 1,
                blocking_rules: Vec::new(),
                coefficients_version: schemas::coefficients::current().version().to_owned(),
                choices: protocol::notice::ReturnChoices::default(),
            },
            6_000,
        )
        .unwrap_err();
    assert!(error.to_string().contains("只有根节点"), "{error}");

    // A county that signs a definition of its own and sends it up is refused.
    let reason = city_refuses_the_countys_notice(
        &topology,
        &mut city,
        &mut county,
        NoticeBody::Definition(protocol::notice::ReturnDefinition {
            ledger: Ledger::Vehicles,
            period: next_year,
            deadline_ms: 1,
            blocking_rules: Vec::new(),
            coefficients_version: schemas::coefficients::current().version().to_owned(),
            revision: 1,
            choices: protocol::notice::ReturnChoices::default(),
        }),
    );
    assert_eq!(
        reason,
        RefusalReason::NotTheRoot {
            signer: county_code,
            root: region_code
        }
    );
    assert!(city.definition_of(Ledger::Vehicles, next_year).is_none());
}

#[test]
fn completeness_names_the_missing_counties_and_after_the_deadline_they_are_overdue() {
    let topology = ningxia();
    // 石嘴山市 and its three counties; one reports late, two never.
    let city_code = code("640200000000");
    let counties = [
        code("640202000000"),
        code("640205000000"),
        code("640221000000"),
    ];
    let mut city = memory_core(&topology, city_code);
    let view =
        node::operations::completeness::completeness(&city, Ledger::Energy, SAMPLE_PERIOD, 1_000)
            .unwrap();
    assert_eq!(view.expected, 4, "the city and its three counties");
    let missing: Vec<_> = view.missing.iter().map(|node| node.code).collect();
    assert_eq!(missing, [city_code, counties[0], counties[1], counties[2]]);
    assert!(
        view.overdue.is_empty(),
        "nothing is overdue before the deadline"
    );

    let late_at = SAMPLE_DEADLINE_MS + 5_000;
    let mut late = memory_core(&topology, counties[0]);
    import_and_submit(&mut late, Ledger::Energy, late_at);
    // Lateness is judged by when the city received it (its receipt), at that same time.
    let mut link = Link::open(&topology, city_code, counties[0]);
    link.now_ms = late_at as u64;
    link.run(&mut city, &mut late).unwrap();
    let view =
        node::operations::completeness::completeness(&city, Ledger::Energy, SAMPLE_PERIOD, late_at)
            .unwrap();
    assert_eq!(view.submitted, 1);
    assert_eq!(view.late, 1);
    assert_eq!(view.on_time, 0);
    let overdue: Vec<_> = view.overdue.iter().map(|node| node.code).collect();
    assert_eq!(overdue, [city_code, counties[1], counties[2]]);
    let names: Vec<_> = view
        .overdue
        .iter()
        .map(|node| node.name_zh.as_str())
        .collect();
    assert_eq!(names, ["石嘴山市", "惠农区", "平罗县"]);

    // The region, once the city has synced, names them too, among every node yet to report.
    let region_code = code("640000000000");
    let mut region = memory_core(&topology, region_code);
    Link::open(&topology, region_code, city_code)
        .run(&mut region, &mut city)
        .unwrap();
    let view = node::operations::completeness::completeness(
        &region,
        Ledger::Energy,
        SAMPLE_PERIOD,
        late_at,
    )
    .unwrap();
    assert_eq!(view.expected, 28);
    assert_eq!(view.submitted, 1);
    assert_eq!(view.late, 1);
    let overdue: Vec<_> = view.overdue.iter().map(|node| node.code).collect();
    assert_eq!(overdue.len(), 27);
    for missing in [city_code, counties[1], counties[2]] {
        assert!(
            overdue.contains(&missing),
            "{missing} is named at the region"
        );
    }
}

#[test]
fn a_warning_the_return_lists_as_blocking_refuses_the_submission() {
    let topology = ningxia();
    let (region_code, city_code, county_code) = (
        code("640000000000"),
        code("640100000000"),
        code("640104000000"),
    );
    let mut region = memory_core(&topology, region_code);
    let mut city = memory_core(&topology, city_code);
    let mut county = memory_core(&topology, county_code);
    let credit = schemas::CreditCode::with_check_digit("11640104MB0000001").unwrap();
    let dangerous = schemas::Record::from_texts(
        schemas::table::Table::Buildings.spec(),
        &[
            ("building_id", "B-9"),
            ("name", "老办公楼"),
            ("institution_credit_code", credit.as_str()),
            ("division_code", "640104000000"),
            ("floor_area_m2", "800"),
            ("build_year", "1975"),
            ("ownership", "自有自用"),
            ("registration", "已登记"),
            ("safety_grade", "D级"),
        ],
    )
    .unwrap();
    county
        .import_records(Ledger::OfficeSpace, SAMPLE_PERIOD, &[dangerous], 1_000)
        .unwrap();

    // Under the first definition a dangerous building is a warning, listed for review.
    let key = DocumentKey::new(county_code, Ledger::OfficeSpace, SAMPLE_PERIOD);
    county
        .submit(Ledger::OfficeSpace, SAMPLE_PERIOD, &clerk(), 1_000)
        .unwrap();
    assert_eq!(county.document_review(key).sequence, Some(1));

    // The root revises the return so that it blocks; the revision comes down and the next
    // submission is refused, naming the rule.
    region
        .define_return(
            Ledger::OfficeSpace,
            SAMPLE_PERIOD,
            node::core::ReturnTerms {
                deadline_ms: SAMPLE_DEADLINE_MS,
                blocking_rules: vec!["dangerous_building".to_owned()],
                coefficients_version: schemas::coefficients::current().version().to_owned(),
                choices: protocol::notice::ReturnChoices::default(),
            },
            2_000,
        )
        .unwrap();
    Link::open(&topology, region_code, city_code)
        .push_down(&mut region, &mut city)
        .unwrap();
    Link::open(&topology, city_code, county_code)
        .run(&mut city, &mut county)
        .unwrap();
    assert_eq!(
        county
            .definition_of(Ledger::OfficeSpace, SAMPLE_PERIOD)
            .unwrap()
            .revision,
        2
    );
    let changed = schemas::Record::from_texts(
        schemas::table::Table::Buildings.spec(),
        &[
            ("building_id", "B-10"),
            ("name", "新办公楼"),
            ("institution_credit_code", credit.as_str()),
            ("division_code", "640104000000"),
            ("floor_area_m2", "900"),
            ("build_year", "2015"),
            ("ownership", "自有自用"),
            ("registration", "已登记"),
            ("safety_grade", "A级"),
        ],
    )
    .unwrap();
    county
        .import_records(Ledger::OfficeSpace, SAMPLE_PERIOD, &[changed], 3_000)
        .unwrap();
    let error = county
        .submit(Ledger::OfficeSpace, SAMPLE_PERIOD, &clerk(), 3_000)
        .unwrap_err();
    assert!(
        error.to_string().contains("B-9") && error.to_string().contains("safety_grade"),
        "{error}"
    );
    assert_eq!(county.document_review(key).sequence, Some(1));
}

#[test]
fn after_the_root_closes_the_period_a_late_correction_is_flagged_and_counts_only_once_reopened() {
    let topology = ningxia();
    let (region_code, city_code, county_code) = (
        code("640000000000"),
        code("640100000000"),
        code("640104000000"),
    );
    let mut region = memory_core(&topology, region_code);
    let mut city = memory_core(&topology, city_code);
    let mut county = memory_core(&topology, county_code);
    let key = DocumentKey::new(county_code, Ledger::Energy, SAMPLE_PERIOD);
    let total = |core: &node::core::NodeCore| {
        core.consolidated_figures(Ledger::Energy, SAMPLE_PERIOD)
            .unwrap()
    };

    import_and_submit(&mut county, Ledger::Energy, 1_000);
    let mut county_link = Link::open(&topology, city_code, county_code);
    county_link.run(&mut city, &mut county).unwrap();
    let mut region_link = Link::open(&topology, region_code, city_code);
    region_link.run(&mut region, &mut city).unwrap();
    let locked_total = total(&region);

    // The region closes the period; the lock comes down to the city and the county.
    region
        .set_lock(Ledger::Energy, SAMPLE_PERIOD, true, 2_000)
        .unwrap();
    region_link.push_down(&mut region, &mut city).unwrap();
    county_link.push_down(&mut city, &mut county).unwrap();
    assert_eq!(
        city.locked_since(Ledger::Energy, SAMPLE_PERIOD),
        Some(2_000)
    );
    assert_eq!(
        county.locked_since(Ledger::Energy, SAMPLE_PERIOD),
        Some(2_000)
    );

    // A change after the lock goes up as a late correction: held, flagged, not counted.
    let changed = changed_consumption(county_code, 1_000);
    county
        .import_records(Ledger::Energy, SAMPLE_PERIOD, &[changed], 3_000)
        .unwrap();
    county
        .submit(Ledger::Energy, SAMPLE_PERIOD, &clerk(), 3_000)
        .unwrap();
    county_link.push(&mut city, &mut county).unwrap();
    region_link.push(&mut region, &mut city).unwrap();
    let review = city.document_review(key);
    assert_eq!(review.sequence, Some(2), "the city holds the correction");
    assert!(review.late_correction, "and flags it");
    assert!(review.period_closed);
    assert_eq!(
        total(&city),
        locked_total,
        "the city's figure does not move"
    );
    assert_eq!(total(&region), locked_total, "nor does the region's");
    assert!(region.verify().is_ok());

    // The region reopens the period: the correction counts, up to the region.
    region
        .set_lock(Ledger::Energy, SAMPLE_PERIOD, false, 4_000)
        .unwrap();
    region_link.push_down(&mut region, &mut city).unwrap();
    // The link harness does not apply the child's events to its core; the driver does.
    city.consolidate_all(4_000).unwrap();
    region_link.push(&mut region, &mut city).unwrap();
    assert!(!city.document_review(key).late_correction);
    let corrected = county.latest_submission_of(&key).unwrap().figures.clone();
    assert_ne!(
        corrected, locked_total,
        "the correction changed the county's figures"
    );
    assert_eq!(
        total(&region),
        corrected,
        "the correction now counts at the region"
    );
    assert!(region.verify().is_ok());
}

#[test]
fn a_returned_submission_confirmed_unchanged_goes_up_signed_with_the_reason_and_is_reviewed_again()
{
    let topology = ningxia();
    let (city_code, county_code) = (code("640100000000"), code("640104000000"));
    let mut city = memory_core(&topology, city_code);
    let mut county = memory_core(&topology, county_code);
    let key = DocumentKey::new(county_code, Ledger::Energy, SAMPLE_PERIOD);
    let clerk = clerk();

    import_and_submit(&mut county, Ledger::Energy, 1_000);
    let mut link = Link::open(&topology, city_code, county_code);
    link.run(&mut city, &mut county).unwrap();

    // Before any return there is nothing to confirm.
    let early = county
        .confirm_unchanged(Ledger::Energy, SAMPLE_PERIOD, "数据无误", &clerk, 1_500)
        .unwrap_err();
    assert!(
        matches!(
            early,
            node::core::CoreError::NotReturned { sequence: 1, .. }
        ),
        "{early}"
    );

    city.decide(
        key,
        Verdict::Returned {
            reason: "车辆数比去年多一倍，请核实".to_owned(),
        },
        &reviewer(),
        2_000,
    )
    .unwrap();
    link.push_down(&mut city, &mut county).unwrap();

    // Submitting the same data again signs nothing new.
    let again = county
        .submit(Ledger::Energy, SAMPLE_PERIOD, &clerk, 2_500)
        .unwrap();
    assert!(!again.new);
    assert_eq!(again.sequence, 1);

    // An empty reason is refused and changes nothing.
    let empty = county
        .confirm_unchanged(Ledger::Energy, SAMPLE_PERIOD, "  ", &clerk, 2_600)
        .unwrap_err();
    assert_eq!(empty.kind(), node::core::ErrorKind::Invalid, "{empty}");

    let reason = "新增车辆为本年调入，已核实无误";
    let confirmed = county
        .confirm_unchanged(Ledger::Energy, SAMPLE_PERIOD, reason, &clerk, 3_000)
        .unwrap();
    assert!(confirmed.new);
    assert_eq!(confirmed.sequence, 2);
    assert_eq!(
        confirmed.n_records, again.n_records,
        "the records are unchanged"
    );

    // The city holds the new submission, awaiting review, with the reason and the person.
    link.push(&mut city, &mut county).unwrap();
    let review = city.document_review(key);
    assert_eq!(review.sequence, Some(2));
    assert_eq!(review.review, node::core::ReviewState::Submitted);
    let confirmations = city.confirmations_of(&key).unwrap();
    assert_eq!(confirmations.len(), 1);
    assert_eq!(confirmations[0].confirms, 1);
    assert_eq!(confirmations[0].reason, reason);
    assert_eq!(confirmations[0].by, "张三");
    assert!(link.parent_refusals().is_empty());
    // The reviewer's completeness shows the reason beside the county.
    let mut view =
        node::operations::completeness::completeness(&city, Ledger::Energy, SAMPLE_PERIOD, 3_500)
            .unwrap();
    node::operations::completeness::add_confirmations(&mut city, &mut view).unwrap();
    let row = view
        .documents
        .iter()
        .find(|row| row.document.owner == county_code)
        .unwrap();
    assert_eq!(
        row.confirmed
            .as_ref()
            .map(|confirmed| confirmed.reason.as_str()),
        Some(reason)
    );

    // A second confirmation of an accepted submission is refused.
    city.decide(key, Verdict::Accepted, &reviewer(), 4_000)
        .unwrap();
    link.push_down(&mut city, &mut county).unwrap();
    let late = county
        .confirm_unchanged(Ledger::Energy, SAMPLE_PERIOD, reason, &clerk, 5_000)
        .unwrap_err();
    assert!(
        matches!(late, node::core::CoreError::NotReturned { sequence: 2, .. }),
        "{late}"
    );
}

#[test]
fn a_draft_changed_after_a_return_cannot_be_confirmed_unchanged() {
    let topology = ningxia();
    let (city_code, county_code) = (code("640100000000"), code("640104000000"));
    let mut city = memory_core(&topology, city_code);
    let mut county = memory_core(&topology, county_code);
    let key = DocumentKey::new(county_code, Ledger::Energy, SAMPLE_PERIOD);
    import_and_submit(&mut county, Ledger::Energy, 1_000);
    let mut link = Link::open(&topology, city_code, county_code);
    link.run(&mut city, &mut county).unwrap();
    city.decide(
        key,
        Verdict::Returned {
            reason: "请核实".to_owned(),
        },
        &reviewer(),
        2_000,
    )
    .unwrap();
    link.push_down(&mut city, &mut county).unwrap();
    county
        .import_records(
            Ledger::Energy,
            SAMPLE_PERIOD,
            &[changed_consumption(county_code, 1)],
            3_000,
        )
        .unwrap();
    let refused = county
        .confirm_unchanged(
            Ledger::Energy,
            SAMPLE_PERIOD,
            "无误",
            &node::core::Actor::new("张三").unwrap(),
            3_500,
        )
        .unwrap_err();
    assert!(
        matches!(
            refused,
            node::core::CoreError::DraftChangedSinceSubmission { sequence: 1, .. }
        ),
        "{refused}"
    );
}

#[test]
fn the_person_who_submits_and_the_person_who_decides_are_signed_and_seen_up_and_down_the_tree() {
    use node::core::Actor;
    use node::operations::completeness::CompletenessRequest;
    use node::operations::explain::ExplainRequest;
    use node::operations::report::ReportRequest;
    use node::operations::review::ReviewRequest;
    use node::operations::status::StatusRequest;
    use node::operations::submit::SubmitRequest;
    use node::operations::{Context, Operation};

    let topology = ningxia();
    let (region_code, city_code, county_code) = (
        code("640000000000"),
        code("640100000000"),
        code("640104000000"),
    );
    let mut region = memory_core(&topology, region_code);
    let mut city = memory_core(&topology, city_code);
    let mut county = memory_core(&topology, county_code);
    let (ledger, period) = (Ledger::Energy, SAMPLE_PERIOD);
    let zhang = Actor::new("张三").unwrap();
    let li = Actor::new("李四").unwrap();
    fn as_person(actor: &Actor, now_ms: i64) -> Context<'_> {
        Context {
            actor,
            now_ms,
            running: None,
        }
    }

    // 张三 submits at the county (`huizong --as 张三 submit`).
    county
        .import_records(ledger, period, &sample_records(county_code, ledger), 1_000)
        .unwrap();
    SubmitRequest { ledger, period }
        .apply(&mut county, &as_person(&zhang, 1_100))
        .unwrap();
    let mut county_link = Link::open(&topology, city_code, county_code);
    county_link.run(&mut city, &mut county).unwrap();
    let mut region_link = Link::open(&topology, region_code, city_code);
    region_link.run(&mut region, &mut city).unwrap();

    // The parent and the region see who submitted, in explain and in the parent's report.
    let explain = ExplainRequest {
        ledger,
        period,
        figure: "energy.standard_coal_kgce".to_owned(),
    };
    let county_submission = |view: &node::operations::explain::ExplainView| {
        let mut stack = vec![view.contribution.clone().expect("a rollup is held")];
        while let Some(contribution) = stack.pop() {
            if contribution.kind == "submission" && contribution.node == county_code {
                return contribution;
            }
            stack.extend(contribution.inputs);
        }
        panic!("the county's submission is under the figure");
    };
    for core in [&mut city, &mut region] {
        let view = explain.clone().apply(core, &as_person(&li, 1_200)).unwrap();
        assert_eq!(
            county_submission(&view).submitted_by.as_deref(),
            Some("张三")
        );
        let text = node::render::explain(&view);
        assert!(text.contains("由 张三 提交"), "{text}");
    }
    let report = ReportRequest {
        ledger,
        period,
        draft: false,
    }
    .apply(&mut city, &as_person(&li, 1_200))
    .unwrap();
    let contribution = report
        .contributions
        .iter()
        .find(|contribution| contribution.node.code == county_code)
        .unwrap();
    assert_eq!(contribution.submitted_by.as_deref(), Some("张三"));

    // 李四 returns it at the city (`huizong --as 李四 review ... return`).
    let reviewed = ReviewRequest {
        ledger,
        period,
        node: county_code,
        returned_because: Some("请核实".to_owned()),
    }
    .apply(&mut city, &as_person(&li, 2_000))
    .unwrap();
    assert_eq!(reviewed.submitted_by.as_deref(), Some("张三"));
    assert_eq!(reviewed.decided_by_person.as_deref(), Some("李四"));
    assert_eq!(
        reviewed
            .history
            .last()
            .unwrap()
            .decided_by_person
            .as_deref(),
        Some("李四")
    );
    assert_eq!(
        reviewed.submissions.last().unwrap().submitted_by.as_deref(),
        Some("张三")
    );
    let text = node::render::document_review(&reviewed);
    assert!(text.contains("审核人 李四"), "{text}");
    assert!(text.contains("由 张三 提交"), "{text}");
    county_link.push_down(&mut city, &mut county).unwrap();
    region_link.push(&mut region, &mut city).unwrap();

    // The county sees who returned it.
    let status = StatusRequest {}
        .apply(&mut county, &as_person(&zhang, 2_100))
        .unwrap();
    let own = status
        .own_documents
        .iter()
        .find(|document| document.key == "640104000000/energy/2025")
        .unwrap();
    assert_eq!(own.submitted_by.as_deref(), Some("张三"));
    assert_eq!(own.decided_by_person.as_deref(), Some("李四"));
    let text = node::render::status(&status);
    assert!(text.contains("由 张三 提交"), "{text}");
    assert!(text.contains("审核人 李四"), "{text}");

    // So does the region, in completeness and in explain.
    let completeness = CompletenessRequest { ledger, period }
        .apply(&mut region, &as_person(&li, 2_200))
        .unwrap();
    let row = completeness
        .documents
        .iter()
        .find(|row| row.node.code == county_code)
        .unwrap();
    assert_eq!(row.document.submitted_by.as_deref(), Some("张三"));
    assert_eq!(row.document.decided_by_person.as_deref(), Some("李四"));
    let text = node::render::completeness(&completeness);
    assert!(text.contains("由 张三 提交，审核人 李四"), "{text}");
    let view = explain.apply(&mut region, &as_person(&li, 2_200)).unwrap();
    let decision = county_submission(&view).decision.expect("it was returned");
    assert_eq!(decision.decided_by_person.as_deref(), Some("李四"));
    assert!(node::render::explain(&view).contains("审核人 李四"));
    assert!(region.verify().is_ok());
}
