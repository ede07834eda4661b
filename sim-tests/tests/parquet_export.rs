//! The Parquet export of a subtree read back: a city and two counties, their office space
//! submitted and synced up; the city's export holds every counted record once with its
//! provenance, and the floor areas summed from the raw records equal the city's own rollup.

use std::collections::BTreeSet;
use std::fs::File;
use std::path::Path;

use arrow_array::{Array, Decimal128Array, RecordBatch, StringArray};
use node::core::NodeCore;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use protocol::DocumentKey;
use schemas::{Decimal, Ledger};
use sim_tests::harness::{Link, SAMPLE_PERIOD, code, import_and_submit, memory_core, ningxia};

fn read(path: &Path) -> Vec<RecordBatch> {
    ParquetRecordBatchReaderBuilder::try_new(File::open(path).unwrap())
        .unwrap()
        .build()
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

fn strings<'a>(batch: &'a RecordBatch, column: &str) -> &'a StringArray {
    batch
        .column_by_name(column)
        .unwrap_or_else(|| panic!("no column {column}"))
        .as_any()
        .downcast_ref::<StringArray>()
        .unwrap()
}

#[test]
fn the_subtree_export_reads_back_and_its_raw_floor_areas_sum_to_the_rollup() {
    let topology = ningxia();
    let city_code = code("640100000000");
    let mut city = memory_core(&topology, city_code);
    let mut counties: Vec<NodeCore> = topology.children_of(city_code)[..2]
        .iter()
        .map(|county| memory_core(&topology, *county))
        .collect();
    import_and_submit(&mut city, Ledger::OfficeSpace, 1_000);
    for county in &mut counties {
        import_and_submit(county, Ledger::OfficeSpace, 1_000);
        import_and_submit(county, Ledger::Vehicles, 1_000);
        Link::open(&topology, city_code, county.code())
            .run(&mut city, county)
            .unwrap();
    }

    let directory = tempfile::tempdir().unwrap();
    let out = directory.path().join("export");
    let written = node::export::parquet::export_subtree(&mut city, &out, None, None).unwrap();
    assert_eq!(written.submissions, 5, "{written:?}");
    assert!(written.records > 0 && written.figures > 0);

    // Every building of the three nodes, each with the submission it was counted from.
    let buildings = out.join(format!(
        "records/ledger=office_space/table=buildings/period={SAMPLE_PERIOD}/part-0.parquet"
    ));
    let mut floor_area: i128 = 0;
    let mut owners = BTreeSet::new();
    let mut rows = 0;
    for batch in read(&buildings) {
        rows += batch.num_rows();
        let areas = batch
            .column_by_name("floor_area_m2")
            .unwrap()
            .as_any()
            .downcast_ref::<Decimal128Array>()
            .unwrap();
        assert_eq!(areas.scale(), 4);
        floor_area += areas.iter().map(Option::unwrap).sum::<i128>();
        let nodes = strings(&batch, "node_code");
        let hashes = strings(&batch, "submission_hash");
        for row in 0..batch.num_rows() {
            let owner = code(nodes.value(row));
            owners.insert(owner);
            let key = DocumentKey::new(owner, Ledger::OfficeSpace, SAMPLE_PERIOD);
            assert_eq!(
                hashes.value(row),
                city.latest_submission_of(&key)
                    .unwrap()
                    .submission
                    .hash()
                    .to_hex(),
                "{key}: the row names the submission it was counted from"
            );
        }
    }
    assert!(rows > 0);
    assert_eq!(owners.len(), 3, "{owners:?}");
    let rollup = city
        .latest_rollup_of(city_code, Ledger::OfficeSpace, SAMPLE_PERIOD)
        .unwrap();
    let rolled = rollup.payload().figures.get("office_space.floor_area_m2");
    assert!(rolled > Decimal::ZERO);
    assert_eq!(Decimal::from_i128_with_scale(floor_area, 4), rolled);

    // The figures file has the rollup's figure, exactly.
    let figures = out.join(format!(
        "figures/ledger=office_space/period={SAMPLE_PERIOD}/part-0.parquet"
    ));
    let mut found = None;
    for batch in read(&figures) {
        let nodes = strings(&batch, "node_code");
        let names = strings(&batch, "figure");
        let values = batch
            .column_by_name("value")
            .unwrap()
            .as_any()
            .downcast_ref::<Decimal128Array>()
            .unwrap();
        for row in 0..batch.num_rows() {
            if nodes.value(row) == city_code.as_str()
                && names.value(row) == "office_space.floor_area_m2"
            {
                found = Some(Decimal::from_i128_with_scale(values.value(row), 6));
            }
        }
    }
    assert_eq!(
        found.map(|value| value.normalize()),
        Some(rolled.normalize())
    );

    // An existing directory is never written into; a ledger narrows the export.
    assert!(node::export::parquet::export_subtree(&mut city, &out, None, None).is_err());
    let narrowed = directory.path().join("vehicles");
    let written =
        node::export::parquet::export_subtree(&mut city, &narrowed, Some(Ledger::Vehicles), None)
            .unwrap();
    assert_eq!(written.submissions, 2);
    assert!(!narrowed.join("records/ledger=office_space").exists());
    assert!(narrowed.join("records/ledger=vehicles").is_dir());
}
