//! What changed in a county's document since its previous submission, as its city sees it: a
//! county submits, edits one record, deletes one and adds one, submits again, and the city's
//! comparison lists exactly those three; a document submitted once lists every record as added;
//! the operation refuses nodes outside the asking node's subtree.

use std::collections::BTreeSet;

use node::core::changes::{
    CHANGES_LISTED_PER_KIND_MAX, ChangedRecord, FieldChange, SubmissionChanges, TableChanges,
};
use node::core::drafts::Deletion;
use node::core::{Actor, ErrorKind, NodeCore};
use node::operations::changes::{ChangesAnswer, ChangesRequest};
use node::operations::{Context, Operation};
use protocol::DocumentKey;
use schemas::Ledger;
use schemas::records::Record;
use schemas::table::Table;
use sim_tests::harness::{
    Link, SAMPLE_PERIOD, changed_consumption, code, import_and_submit, memory_core, ningxia,
    sample_records,
};
use topology::DivisionCode;

const CITY: &str = "640100000000";
const COUNTY: &str = "640104000000";

/// The sample energy consumption records of a node.
fn consumption(node: DivisionCode) -> Vec<Record> {
    sample_records(node, Ledger::Energy)
        .into_iter()
        .filter(|record| record.table() == Table::EnergyConsumption)
        .collect()
}

/// A consumption record the sample data does not have: a sample record moved to a month its
/// institution and carrier have no record for.
fn new_consumption(node: DivisionCode) -> Record {
    let records = consumption(node);
    let held: BTreeSet<String> = records.iter().map(Record::id).collect();
    records
        .iter()
        .flat_map(|record| {
            (1..=12).map(move |month| {
                record
                    .with("month", &format!("{SAMPLE_PERIOD}-{month:02}"))
                    .unwrap()
            })
        })
        .find(|record| !held.contains(&record.id()))
        .expect("some carrier of the sample data lacks a month")
}

/// Runs `changes` on `core` as a reviewer would.
fn ask(
    core: &mut NodeCore,
    node: DivisionCode,
) -> Result<ChangesAnswer, node::operations::OperationError> {
    let actor = Actor::new("审核员").unwrap();
    let context = Context {
        actor: &actor,
        now_ms: 9_000,
        running: None,
    };
    ChangesRequest {
        ledger: Ledger::Energy,
        period: SAMPLE_PERIOD,
        node,
    }
    .apply(core, &context)
}

#[test]
fn the_city_sees_exactly_the_record_edited_the_one_deleted_and_the_one_added() {
    let topology = ningxia();
    let (city_code, county_code) = (code(CITY), code(COUNTY));
    let mut city = memory_core(&topology, city_code);
    let mut county = memory_core(&topology, county_code);
    let key = DocumentKey::new(county_code, Ledger::Energy, SAMPLE_PERIOD);

    import_and_submit(&mut county, Ledger::Energy, 1_000);
    let mut link = Link::open(&topology, city_code, county_code);
    link.run(&mut city, &mut county).unwrap();

    // One record edited (its quantity raised), one deleted, one added; then submitted again.
    let edited = changed_consumption(county_code, 7);
    let before_edit = consumption(county_code)
        .into_iter()
        .find(|record| record.id() == edited.id())
        .unwrap();
    let deleted = consumption(county_code)
        .into_iter()
        .find(|record| record.id() != edited.id())
        .unwrap()
        .id();
    let added = new_consumption(county_code);
    county
        .import_records(
            Ledger::Energy,
            SAMPLE_PERIOD,
            &[edited.clone(), added.clone()],
            2_000,
        )
        .unwrap();
    county
        .delete_draft_records(
            Ledger::Energy,
            SAMPLE_PERIOD,
            Deletion {
                table: Table::EnergyConsumption,
                ids: std::slice::from_ref(&deleted),
                cascade: false,
            },
            2_000,
            None,
        )
        .unwrap();
    county
        .submit(
            Ledger::Energy,
            SAMPLE_PERIOD,
            &sim_tests::harness::clerk(),
            2_000,
        )
        .unwrap();
    link.push(&mut city, &mut county).unwrap();
    assert!(link.parent_refusals().is_empty());

    let n_records = sample_records(county_code, Ledger::Energy).len();
    let expected = SubmissionChanges {
        key: key.to_string(),
        from_sequence: Some(1),
        to_sequence: 2,
        from_n_records: n_records,
        to_n_records: n_records,
        tables: vec![TableChanges {
            table: Table::EnergyConsumption,
            added: vec![added.id()],
            added_count: 1,
            removed: vec![deleted],
            removed_count: 1,
            changed: vec![ChangedRecord {
                id: edited.id(),
                fields: vec![FieldChange {
                    field: "quantity".to_owned(),
                    before: before_edit.text_of("quantity"),
                    after: edited.text_of("quantity"),
                }],
            }],
            changed_count: 1,
        }],
    };
    assert_eq!(
        city.submission_changes(key).unwrap(),
        Some(expected.clone())
    );

    // The county sees the same of its own document, also once its draft has moved on since.
    assert_eq!(
        county.submission_changes(key).unwrap(),
        Some(expected.clone())
    );
    county
        .import_records(
            Ledger::Energy,
            SAMPLE_PERIOD,
            &[changed_consumption(county_code, 100)],
            3_000,
        )
        .unwrap();
    assert_eq!(
        county.submission_changes(key).unwrap(),
        Some(expected.clone()),
        "the comparison is of signed submissions, not of the draft"
    );

    // The operation answers the same, and its answer survives JSON (the web console's form).
    let answer = ask(&mut city, county_code).unwrap();
    assert_eq!(answer.node.code, county_code);
    assert_eq!(answer.changes, Some(expected));
    let json = serde_json::to_string(&answer).unwrap();
    assert_eq!(
        serde_json::from_str::<ChangesAnswer>(&json).unwrap(),
        answer
    );
}

#[test]
fn one_submission_lists_every_record_as_added_and_none_before_any() {
    let topology = ningxia();
    let (city_code, county_code) = (code(CITY), code(COUNTY));
    let mut city = memory_core(&topology, city_code);
    let mut county = memory_core(&topology, county_code);
    let key = DocumentKey::new(county_code, Ledger::Energy, SAMPLE_PERIOD);

    assert_eq!(city.submission_changes(key).unwrap(), None);
    assert_eq!(ask(&mut city, county_code).unwrap().changes, None);

    import_and_submit(&mut county, Ledger::Energy, 1_000);
    Link::open(&topology, city_code, county_code)
        .run(&mut city, &mut county)
        .unwrap();
    let changes = city.submission_changes(key).unwrap().unwrap();
    let records = sample_records(county_code, Ledger::Energy);
    assert_eq!(changes.from_sequence, None);
    assert_eq!(changes.to_sequence, 1);
    assert_eq!(
        (changes.from_n_records, changes.to_n_records),
        (0, records.len())
    );
    let tables: BTreeSet<Table> = records.iter().map(Record::table).collect();
    assert_eq!(
        changes
            .tables
            .iter()
            .map(|table| table.table)
            .collect::<BTreeSet<_>>(),
        tables
    );
    for table in &changes.tables {
        let ids: BTreeSet<String> = records
            .iter()
            .filter(|record| record.table() == table.table)
            .map(Record::id)
            .collect();
        assert_eq!(table.added_count, ids.len(), "{:?}", table.table);
        assert_eq!(
            table.added,
            ids.iter()
                .take(CHANGES_LISTED_PER_KIND_MAX)
                .cloned()
                .collect::<Vec<_>>(),
            "{:?}: the first ids in id order, at most the bound",
            table.table
        );
        assert!(table.removed.is_empty() && table.changed.is_empty());
        assert_eq!((table.removed_count, table.changed_count), (0, 0));
    }
    assert!(
        changes
            .tables
            .iter()
            .any(|table| table.added_count > CHANGES_LISTED_PER_KIND_MAX),
        "the sample data has a table past the bound, so the bound is exercised"
    );
}

#[test]
fn a_node_outside_the_subtree_is_refused_and_an_unknown_one_not_found() {
    let topology = ningxia();
    let mut city = memory_core(&topology, code(CITY));
    // Another city's county, and the region above.
    for outside in [code("640205000000"), code("640000000000")] {
        let refused = ask(&mut city, outside).unwrap_err();
        assert_eq!(refused.kind, ErrorKind::RefusedByTree, "{refused}");
        assert!(refused.message.contains(outside.as_str()), "{refused}");
    }
    let unknown = code("640199000000");
    assert!(!topology.contains(unknown));
    let refused = ask(&mut city, unknown).unwrap_err();
    assert_eq!(refused.kind, ErrorKind::NotFound, "{refused}");
}
