//! The review workflow over real node cores joined by protocol sessions: a city returns a county's
//! submission with a reason, the county sees it, corrects and resubmits, the city accepts, and the
//! region's figure turns from provisional to final; a decision signed by anyone but the owner's
//! parent is refused.

use protocol::{Decision, DocumentKey, Notice, NoticeBody, RefusalReason, Signed, Verdict};
use schemas::Ledger;
use sim_tests::harness::{
    Link, SAMPLE_PERIOD, changed_consumption, code, import_and_submit, memory_core, ningxia,
    test_key,
};
use sim_tests::tampering::Tampering;

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
    county.submit(Ledger::Energy, SAMPLE_PERIOD, 3_000).unwrap();
    county_link.push(&mut city, &mut county).unwrap();
    let review = city.document_review(key);
    assert_eq!(review.sequence, Some(2));
    assert_eq!(review.review, node::core::ReviewState::Submitted);

    // The city accepts; the decisions and the new rollup reach the region.
    city.decide(key, Verdict::Accepted, 4_000).unwrap();
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
    let forged = Signed::sign(
        Notice {
            signer: county_code,
            time_ms: 1_500,
            body: NoticeBody::Decision(Decision {
                key,
                sequence: submission.payload().sequence,
                submission: submission.hash(),
                verdict: Verdict::Accepted,
            }),
        },
        &test_key(county_code),
        &topology,
    )
    .unwrap();
    let mut tampering = Tampering::new(&mut county);
    tampering.extra_notices.push(forged);
    let mut link = Link::open(&topology, city_code, county_code);
    link.run(&mut city, &mut tampering).unwrap();
    let refusals = link.parent_refusals();
    assert_eq!(refusals.len(), 1, "{refusals:?}");
    assert_eq!(
        refusals[0].reason,
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
    city.decide(key, Verdict::Accepted, 2_000).unwrap();
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
