//! Hand-corrupted documents, as a peer could send them: every corruption must give an error that
//! names its place (table, record id and field, or the part of the document), never a panic or a
//! silently wrong record.
//!
//! Each corruption arrives through save and load, as over the network, into a document holding
//! every sample of its ledger. The corruptions themselves are listed in `document_corruption/`:
//! `values.rs` for stored field values and the rules of a record, `layout.rs` for keys, fields,
//! tables, meta and the root.

mod document_samples;
#[path = "document_corruption/layout.rs"]
mod layout;
#[path = "document_corruption/values.rs"]
mod values;

use std::sync::LazyLock;

use automerge::transaction::{Transactable, Transaction};
use automerge::{Automerge, ObjId, ObjType, ROOT, ReadDoc, ScalarValue};
use document_samples::{document_with, ledger_samples, record_map, samples, space, table_map};
use schemas::document::ExpectedType;
use schemas::document::read_records;
use schemas::{DocumentError, Ledger, Table};

/// A corruption a peer could send, and what the error must be and name.
#[derive(Clone)]
struct Corruption {
    what: &'static str,
    /// The ledger of the document corrupted; it holds every sample of the ledger.
    ledger: Ledger,
    corrupt: fn(&mut Transaction<'_>),
    expect: fn(&DocumentError) -> bool,
    /// Texts the message must hold besides the table, record id and field, which are checked for
    /// every error about a record.
    message_names: &'static [&'static str],
}

/// Every corruption, in the order: wrong or non-canonical stored values, malformed keys, unknown or
/// missing fields, records breaking a rule, then maps, tables, meta and root keys.
static CORRUPTIONS: LazyLock<Vec<Corruption>> = LazyLock::new(|| {
    [
        values::STORED_VALUES,
        layout::KEYS,
        layout::FIELDS,
        values::RECORD_RULES,
        layout::STRUCTURE,
    ]
    .concat()
});

/// The id of the first sample of a table.
fn first_id(table: Table) -> String {
    samples(table)[0].id()
}

/// The map of the first sample of a table, in a transaction.
fn first_record(transaction: &Transaction<'_>, table: Table) -> ObjId {
    record_map(transaction, table, &first_id(table))
}

/// Stores a record map under `key` with the given non-key fields, as a peer could.
fn put_record(transaction: &mut Transaction<'_>, table: Table, key: &str, fields: &[(&str, &str)]) {
    let table_id = table_map(transaction, table);
    let map = transaction
        .put_object(&table_id, key, ObjType::Map)
        .unwrap();
    for (field, text) in fields {
        transaction.put(&map, *field, *text).unwrap();
    }
}

/// Stores an energy record's non-key fields under `key`.
fn put_energy_under(transaction: &mut Transaction<'_>, key: &str) {
    put_record(
        transaction,
        Table::EnergyConsumption,
        key,
        &[("quantity", "1"), ("cost_yuan", "0")],
    );
}

/// Stores an office room's non-key fields under `key`.
fn put_room_under(transaction: &mut Transaction<'_>, key: &str) {
    let table_id = table_map(transaction, Table::OfficeRooms);
    let map = transaction
        .put_object(&table_id, key, ObjType::Map)
        .unwrap();
    transaction
        .put(&map, "occupant_rank", "county_section_head")
        .unwrap();
    transaction.put(&map, "occupants", 1_u64).unwrap();
    transaction.put(&map, "usable_m2", "12").unwrap();
}

/// Sets one stored field of the first sample of a table.
fn set_first(transaction: &mut Transaction<'_>, table: Table, field: &str, value: ScalarValue) {
    let map = first_record(transaction, table);
    transaction.put(&map, field, value).unwrap();
}

fn text(value: &str) -> ScalarValue {
    ScalarValue::Str(value.into())
}

/// Whether an error is a wrong type of a field of a table.
fn wrong_type(error: &DocumentError, table: Table, field: &str, expected: ExpectedType) -> bool {
    matches!(
        error,
        DocumentError::WrongType { table: found_table, field: found_field, expected: found_expected, .. }
            if *found_table == table && *found_field == field && *found_expected == expected
    )
}

/// Whether an error is an invalid field of a table, holding `value`.
fn invalid_field(error: &DocumentError, table: Table, field: &str, value: &str) -> bool {
    matches!(
        error,
        DocumentError::InvalidField { table: found_table, field: found_field, value: found_value, .. }
            if *found_table == table && *found_field == field && found_value == value
    )
}

/// Whether an error is a record breaking a rule, naming the field.
fn invalid_record(error: &DocumentError, table: Table, field: &str, rule: &str) -> bool {
    matches!(
        error,
        DocumentError::InvalidRecord { table: found_table, field: found_field, source, .. }
            if *found_table == table && *found_field == field && source.rule.contains(rule)
    )
}

/// The table, record id and field an error about a record names.
fn place_of(error: &DocumentError) -> Option<(Table, &str, &str)> {
    match error {
        DocumentError::WrongType {
            table,
            record_id,
            field,
            ..
        }
        | DocumentError::InvalidField {
            table,
            record_id,
            field,
            ..
        }
        | DocumentError::MissingField {
            table,
            record_id,
            field,
        }
        | DocumentError::InvalidRecord {
            table,
            record_id,
            field,
            ..
        } => Some((*table, record_id, field)),
        DocumentError::UnknownField {
            table,
            record_id,
            field,
        } => Some((*table, record_id, field)),
        _ => None,
    }
}

#[test]
fn corrupted_documents_give_errors_that_name_the_place() {
    // The expected texts are the English catalogue's.
    schemas::Language::English.scope(every_corruption_names_the_place);
}

fn every_corruption_names_the_place() {
    for ledger in Ledger::ALL {
        let original = document_with(ledger, &ledger_samples(ledger));
        assert!(read_records(&original).is_ok());
        for corruption in CORRUPTIONS.iter().filter(|c| c.ledger == ledger) {
            // The corruption arrives as a peer's change, through save and load as over the network.
            let mut doc = Automerge::load(&original.save()).unwrap();
            let mut transaction = doc.transaction();
            (corruption.corrupt)(&mut transaction);
            transaction.commit();
            let doc = Automerge::load(&doc.save()).unwrap();

            let error = read_records(&doc).expect_err(corruption.what);
            assert!(
                (corruption.expect)(&error),
                "{}: got {error:?}",
                corruption.what
            );
            let message = error.to_string();
            for name in corruption.message_names {
                assert!(
                    message.contains(name),
                    "{}: {message:?} should name {name:?}",
                    corruption.what
                );
            }
            if let Some((table, record_id, field)) = place_of(&error) {
                for name in [table.slug(), &format!("{record_id:?}"), field] {
                    assert!(
                        message.contains(name),
                        "{}: {message:?} should name {name:?}",
                        corruption.what
                    );
                }
                // The error names a record that is really stored, so a clerk can find it.
                let (_, tables) = doc.get(ROOT, "tables").unwrap().unwrap();
                let stored = doc
                    .get(&tables, table.slug())
                    .unwrap()
                    .and_then(|(_, table_id)| doc.get(&table_id, record_id).unwrap());
                assert!(
                    stored.is_some(),
                    "{}: {record_id} is not a stored {table} record",
                    corruption.what
                );
            }
        }
    }
    for ledger in Ledger::ALL {
        assert!(
            CORRUPTIONS.iter().any(|c| c.ledger == ledger),
            "no corruption of a {ledger} document"
        );
    }
}

#[test]
fn a_stored_space_whose_usable_area_exceeds_its_floor_area_is_refused_naming_the_field() {
    let mut doc = document_with(Ledger::OfficeSpace, &ledger_samples(Ledger::OfficeSpace));
    let building = record_map(&doc, Table::Buildings, "B-1");
    let space_id = space("office", "in_use", "100", "120.5").id();
    assert_eq!(space_id, "B-1/office/in_use");
    let space = record_map(&doc, Table::OfficeSpaces, &space_id);
    let mut transaction = doc.transaction();
    transaction.put(&space, "floor_m2", "90").unwrap();
    transaction.put(&building, "build_year", -5_i64).unwrap();
    transaction.commit();
    match read_records(&doc) {
        Err(DocumentError::WrongType {
            table: Table::Buildings,
            record_id,
            field: "build_year",
            ..
        }) if record_id == "B-1" => {}
        other => panic!("expected a build_year type error, got {other:?}"),
    }
    let mut transaction = doc.transaction();
    transaction.put(&building, "build_year", 1998_u64).unwrap();
    transaction.commit();
    match read_records(&doc) {
        Err(DocumentError::InvalidRecord {
            table: Table::OfficeSpaces,
            record_id,
            field: "usable_m2",
            source,
        }) if record_id == space_id => {
            assert_eq!(source.field(), "usable_m2");
            assert_eq!(
                source.rule,
                "must not exceed the floor area 90 m2 (found 100 m2)"
            );
        }
        other => panic!("expected an area error, got {other:?}"),
    }
    let mut transaction = doc.transaction();
    transaction.put(&space, "floor_m2", "100").unwrap();
    transaction.commit();
    assert_eq!(
        read_records(&doc).unwrap().len(),
        ledger_samples(Ledger::OfficeSpace).len(),
        "usable area equal to the floor area is allowed"
    );
}

#[test]
fn a_column_added_later_reads_as_its_default_where_a_stored_record_lacks_it() {
    // Documents written before a column was added to its table lack it: a vehicle's body type
    // and acquisition kind, an institution's saving-type columns.
    let added: Vec<(Table, &str)> = Table::ALL
        .iter()
        .flat_map(|table| {
            table
                .spec()
                .columns
                .iter()
                .filter(|column| column.added_later)
                .map(|column| (*table, column.field))
        })
        .collect();
    assert_eq!(
        added,
        [
            (Table::Vehicles, "body_type"),
            (Table::Vehicles, "acquisition_kind"),
            (Table::Institutions, "saving_type_eligible"),
            (Table::Institutions, "saving_type_in_progress"),
            (Table::Institutions, "saving_type_passed_year"),
        ]
    );
    for (table, field) in added {
        let ledger = table.ledger();
        let original = document_with(ledger, &ledger_samples(ledger));
        let mut doc = Automerge::load(&original.save()).unwrap();
        let mut transaction = doc.transaction();
        let map = first_record(&transaction, table);
        transaction.delete(&map, field).unwrap();
        transaction.commit();
        let records = read_records(&Automerge::load(&doc.save()).unwrap())
            .unwrap_or_else(|error| panic!("{table}.{field} absent: {error}"));
        let record = records
            .iter()
            .find(|record| record.table() == table && record.id() == first_id(table))
            .unwrap();
        let column = table.spec().column(field).unwrap();
        let position = table.spec().index_of(field).unwrap();
        assert_eq!(
            Some(&record.values()[position]),
            column.default_value().as_ref(),
            "{table}.{field}"
        );
    }
}
