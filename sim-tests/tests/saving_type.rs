//! Saving-type institutions (节约型机关) consolidated through a city and the region: the region's
//! figures of eligible and created bodies are the sums of the submissions below it, `explain`
//! traces each to the signed submissions it came from, and the region's creation rate is the ratio
//! of those totals, never the mean of its parts' rates.

use protocol::{DocumentKey, Verdict};
use schemas::{Decimal, Ledger};
use sim_tests::harness::{
    Link, SAMPLE_PERIOD, code, import_and_submit, memory_core, ningxia, reviewer, sample_records,
};

/// The figures of the saving-type creation: eligible and created to date.
const ELIGIBLE: &str = "energy.saving_type.eligible";
const CREATED: &str = "energy.saving_type.created";

/// (eligible, created) of one node's own sample records, counted straight from the records.
fn counted_in_the_records(node: &str) -> (u64, u64) {
    let records = sample_records(code(node), Ledger::Energy);
    let mut counts = (0, 0);
    for record in records
        .iter()
        .filter(|record| record.table() == schemas::Table::Institutions)
    {
        if record.boolean("saving_type_eligible") {
            counts.0 += 1;
            let year = record.count("saving_type_passed_year");
            if year != 0 && year <= u64::from(SAMPLE_PERIOD.year()) {
                counts.1 += 1;
            }
        }
    }
    counts
}

#[test]
fn the_regions_saving_type_rate_is_the_ratio_of_totals_traced_to_each_submission() {
    let topology = ningxia();
    let region_code = code("640000000000");
    let city_code = code("640100000000");
    let county_texts = ["640104000000", "640105000000"];
    let mut region = memory_core(&topology, region_code);
    let mut city = memory_core(&topology, city_code);
    import_and_submit(&mut city, Ledger::Energy, 1_000);
    for county_text in county_texts {
        let county_code = code(county_text);
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

    // What each submitting node's own records hold, counted here from the raw records.
    let parts: Vec<(&str, (u64, u64))> = ["640100000000", "640104000000", "640105000000"]
        .into_iter()
        .map(|node| (node, counted_in_the_records(node)))
        .collect();
    let eligible: u64 = parts.iter().map(|(_, (eligible, _))| eligible).sum();
    let created: u64 = parts.iter().map(|(_, (_, created))| created).sum();
    assert!(
        eligible > 0 && created > 0,
        "the sample has saving-type bodies"
    );

    let figures = region
        .consolidated_figures(Ledger::Energy, SAMPLE_PERIOD)
        .unwrap();
    assert_eq!(figures.get(ELIGIBLE), Decimal::from(eligible));
    assert_eq!(figures.get(CREATED), Decimal::from(created));

    // Provenance: each figure at the region is the city's rollup, whose value is the sum of the
    // city's own submission and the two counties' submissions, each worth its own records' count.
    for (figure, part) in [(ELIGIBLE, 0), (CREATED, 1)] {
        let explained = region
            .explain(Ledger::Energy, SAMPLE_PERIOD, figure)
            .unwrap()
            .expect("the region holds a rollup");
        assert_eq!(explained.node, region_code);
        assert_eq!(explained.value, figures.get(figure));
        let mut submissions = Vec::new();
        let mut stack = vec![&explained];
        while let Some(contribution) = stack.pop() {
            if contribution.kind == "submission" {
                submissions.push((contribution.node, contribution.value));
            } else {
                let sum: Decimal = contribution.inputs.iter().map(|input| input.value).sum();
                assert_eq!(
                    sum, contribution.value,
                    "{figure}: a rollup is its inputs' sum"
                );
            }
            stack.extend(&contribution.inputs);
        }
        submissions.sort();
        let wanted: Vec<_> = parts
            .iter()
            .map(|(node, counts)| {
                let count = if part == 0 { counts.0 } else { counts.1 };
                (code(node), Decimal::from(count))
            })
            .collect();
        assert_eq!(submissions, wanted, "{figure}");
    }

    // The region's return: the rate of its totals row is created ÷ eligible of the totals, to one
    // decimal, whatever the mean of its rows' rates.
    let statistical_return =
        node::returns::build(&mut region, Ledger::Energy, SAMPLE_PERIOD).unwrap();
    let sheet = statistical_return
        .sheets
        .iter()
        .find(|sheet| sheet.id == "saving_type")
        .expect("the energy return has a saving-type sheet");
    let rate_column = sheet
        .columns
        .iter()
        .position(|column| column.indicator == "SAVING_TYPE_RATE")
        .unwrap();
    let ratio_of_totals =
        schemas::returns::ratio(Decimal::from(created * 100), Decimal::from(eligible), 1);
    let totals = sheet.totals.as_ref().unwrap();
    assert_eq!(totals[rate_column], ratio_of_totals);
    let city_row = sheet
        .rows
        .iter()
        .find(|row| row.key == city_code.to_string())
        .unwrap();
    assert_eq!(city_row.values[rate_column], ratio_of_totals);
    // The mean of the three parts' rates is another number in this sample: the rate is not it.
    let rates: Vec<Decimal> = parts
        .iter()
        .map(|(_, (eligible, created))| Decimal::from(created * 100) / Decimal::from(*eligible))
        .collect();
    let mean_of_rates = schemas::returns::round(
        rates.iter().sum::<Decimal>() / Decimal::from(rates.len()),
        1,
    );
    assert_ne!(Some(mean_of_rates), ratio_of_totals);
}
