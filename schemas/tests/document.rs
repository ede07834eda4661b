//! The automerge layout: round trips of every table through save and load, the stored form of each
//! kind, deterministic writes, appends, replacement and deletion, and refusals before writing.
//! Hand-corrupted documents are tested in `document_corruption`.

mod document_samples;

use automerge::{Automerge, ReadDoc, ScalarValue, Value as StoredValue};
use document_samples::{
    TIME_MS, building, credit, document_with, energy, institution, ledger_samples, meta, owner,
    record, record_map, room, samples, sorted, space, table_map,
};
use schemas::document::{
    actor_for, count_records, delete_records, key_fields, new_document, read_meta, read_records,
    write_records,
};
use schemas::{
    Decimal, DocumentError, DocumentMeta, Ledger, Month, Period, Record, Table, Value, tables_of,
};
use topology::DivisionCode;

#[test]
fn records_of_every_table_survive_save_and_load() {
    let mut tables_seen = 0;
    for ledger in Ledger::ALL {
        let records = ledger_samples(ledger);
        let doc = document_with(ledger, &records);
        let loaded = Automerge::load(&doc.save()).unwrap();
        assert_eq!(read_meta(&loaded).unwrap(), meta(ledger));
        let read = read_records(&loaded).unwrap();
        assert_eq!(read, sorted(records.clone()), "{ledger}");
        assert_eq!(count_records(&loaded).unwrap(), records.len());
        for table in tables_of(ledger) {
            let of_table = read
                .iter()
                .filter(|record| record.table() == *table)
                .count();
            assert!(of_table > 0, "{table} has no sample");
            assert_eq!(loaded.length(table_map(&loaded, *table)), of_table);
            tables_seen += 1;
        }
    }
    assert_eq!(tables_seen, Table::ALL.len());
}

#[test]
fn ids_live_in_keys_and_values_are_stored_by_kind() {
    for table in Table::ALL {
        let records = samples(table);
        let doc = document_with(table.ledger(), &records);
        for record in &records {
            let map = record_map(&doc, table, &record.id());
            let stored: Vec<String> = doc.keys(&map).collect();
            let expected: Vec<&str> = table
                .spec()
                .columns
                .iter()
                .map(|column| column.field)
                .filter(|field| !key_fields(table).contains(field))
                .collect();
            let mut expected_sorted = expected.clone();
            expected_sorted.sort_unstable();
            assert_eq!(stored, expected_sorted, "{table}");
            for (column, value) in record.fields() {
                let Some((stored, _)) = doc.get(&map, column.field).unwrap() else {
                    assert!(table.spec().is_id_field(column.field));
                    continue;
                };
                let expected = match value {
                    Value::Count(count) => ScalarValue::Uint(*count),
                    Value::Year(year) => ScalarValue::Uint(u64::from(*year)),
                    Value::Boolean(flag) => ScalarValue::Boolean(*flag),
                    other => ScalarValue::Str(other.text().into()),
                };
                assert_eq!(
                    stored,
                    StoredValue::Scalar(std::borrow::Cow::Owned(expected)),
                    "{table}.{}",
                    column.field
                );
            }
        }
    }
    // Spot checks of the canonical forms.
    let doc = document_with(Ledger::Vehicles, &samples(Table::Vehicles));
    let map = record_map(&doc, Table::Vehicles, "宁AD12345");
    let text = |field: &str| doc.get(&map, field).unwrap().unwrap().0.into_string().ok();
    assert_eq!(text("category").as_deref(), Some("special_technical"));
    assert_eq!(text("fuel_type").as_deref(), Some("bev"));
    assert_eq!(text("displacement_l").as_deref(), Some("0"));
    assert_eq!(text("price_yuan").as_deref(), Some("149900.5"));
    assert_eq!(text("acquisition_date").as_deref(), Some("2023-03-01"));
}

#[test]
fn writes_are_deterministic_and_attributed_to_the_owner() {
    let records = ledger_samples(Ledger::Energy);
    let first = document_with(Ledger::Energy, &records);
    let second = document_with(Ledger::Energy, &records);
    assert_eq!(first.get_heads(), second.get_heads());
    assert_eq!(first.save(), second.save());
    let changes = first.get_changes(&[]);
    assert_eq!(changes.len(), 2);
    for change in &changes {
        assert_eq!(change.actor_id(), &actor_for(owner()));
    }
    // automerge keeps change times in seconds.
    assert_eq!(changes[0].timestamp(), TIME_MS / 1000);
    assert_eq!(changes[1].timestamp(), TIME_MS / 1000 + 1);

    // The order records are given in does not change the document.
    let mut reversed = records.clone();
    reversed.reverse();
    let from_reversed = document_with(Ledger::Energy, &reversed);
    assert_eq!(
        read_records(&from_reversed).unwrap(),
        read_records(&first).unwrap()
    );

    let other_time = {
        let mut doc = new_document(&meta(Ledger::Energy), TIME_MS).unwrap();
        write_records(&mut doc, &records, TIME_MS + 60_000).unwrap();
        doc
    };
    assert_ne!(first.get_heads(), other_time.get_heads());
    assert_ne!(
        actor_for(owner()),
        actor_for(DivisionCode::parse("640105000000").unwrap())
    );
    for ledger in [Ledger::OfficeSpace, Ledger::Vehicles] {
        let records = ledger_samples(ledger);
        assert_eq!(
            document_with(ledger, &records).save(),
            document_with(ledger, &records).save(),
            "{ledger}"
        );
    }
}

#[test]
fn a_loaded_document_continues_the_owners_sequence() {
    let doc = document_with(Ledger::Energy, &ledger_samples(Ledger::Energy));
    let mut restored = Automerge::load(&doc.save()).unwrap();
    write_records(
        &mut restored,
        &[energy(9, "2025-05", "热力", "3")],
        TIME_MS + 2_000,
    )
    .unwrap();
    let changes = restored.get_changes(&[]);
    let last = changes.last().unwrap();
    assert_eq!(last.actor_id(), &actor_for(owner()));
    assert_eq!(last.seq(), 3);
}

#[test]
fn a_record_with_an_existing_id_replaces_it_and_deletes_remove_it() {
    let mut doc = document_with(
        Ledger::OfficeSpace,
        &[building("B-1", "200"), building("B-2", "300")],
    );
    write_records(&mut doc, &[building("B-1", "250")], TIME_MS + 2_000).unwrap();
    assert_eq!(count_records(&doc).unwrap(), 2);
    let read = read_records(&doc).unwrap();
    assert_eq!(read[0], building("B-1", "250"));

    let deleted = delete_records(
        &mut doc,
        Table::Buildings,
        &["B-2".to_owned(), "B-9".to_owned()],
        TIME_MS + 3_000,
    )
    .unwrap();
    assert_eq!(deleted, 1);
    assert_eq!(read_records(&doc).unwrap(), vec![building("B-1", "250")]);
    let heads = doc.get_heads();
    assert_eq!(
        delete_records(
            &mut doc,
            Table::Buildings,
            &["B-9".to_owned()],
            TIME_MS + 4_000
        )
        .unwrap(),
        0
    );
    assert_eq!(doc.get_heads(), heads, "deleting nothing makes no change");
    assert_eq!(
        delete_records(
            &mut doc,
            Table::OfficeRooms,
            &["B-1/101".to_owned()],
            TIME_MS + 4_000
        )
        .unwrap(),
        0,
        "deleting from a table never written deletes nothing"
    );
    assert_eq!(doc.get_heads(), heads);
    assert!(matches!(
        delete_records(&mut doc, Table::Vehicles, &["宁A12345".to_owned()], TIME_MS),
        Err(DocumentError::TableNotInLedger {
            table: Table::Vehicles,
            ledger: Ledger::OfficeSpace
        })
    ));
}

#[test]
fn records_with_composite_ids_are_replaced_and_deleted_by_their_joined_id() {
    let mut doc = document_with(Ledger::Energy, &ledger_samples(Ledger::Energy));
    let corrected = energy(1, "2025-02", "水", "21");
    write_records(&mut doc, std::slice::from_ref(&corrected), TIME_MS + 2_000).unwrap();
    assert_eq!(count_records(&doc).unwrap(), 6);
    let read = read_records(&doc).unwrap();
    assert!(read.contains(&corrected));
    assert!(!read.contains(&energy(1, "2025-02", "水", "20.25")));

    let id = corrected.id();
    assert!(id.ends_with("/water/2025-02"), "{id}");
    assert_eq!(
        delete_records(
            &mut doc,
            Table::EnergyConsumption,
            &[id, format!("{}/heat/2025-02", credit(1))],
            TIME_MS + 3_000
        )
        .unwrap(),
        1
    );
    let read = read_records(&doc).unwrap();
    assert_eq!(read.len(), 5);
    assert!(!read.contains(&corrected));

    // A vehicle and its disposal share the plate as id, in different tables.
    let mut doc = document_with(Ledger::Vehicles, &samples(Table::Vehicles));
    let disposal = record(
        Table::VehicleDisposals,
        &[
            ("plate", "宁A12345"),
            ("method", "报废"),
            ("date", "2025-08-01"),
        ],
    );
    write_records(&mut doc, std::slice::from_ref(&disposal), TIME_MS + 2_000).unwrap();
    assert_eq!(count_records(&doc).unwrap(), 3);
    delete_records(
        &mut doc,
        Table::Vehicles,
        &["宁A12345".to_owned()],
        TIME_MS + 3_000,
    )
    .unwrap();
    let read = read_records(&doc).unwrap();
    assert_eq!(read.len(), 2);
    assert!(read.contains(&disposal));
}

#[test]
fn refuses_to_write_records_that_do_not_belong() {
    // The expected texts are the English catalogue's.
    schemas::Language::English.set_current();
    let mut doc = new_document(&meta(Ledger::Energy), TIME_MS).unwrap();
    let heads = doc.get_heads();
    for table in Table::ALL {
        if table.ledger() == Ledger::Energy {
            continue;
        }
        match write_records(&mut doc, &samples(table), TIME_MS) {
            Err(DocumentError::TableNotInLedger {
                table: refused,
                ledger: Ledger::Energy,
            }) if refused == table => {}
            other => panic!("{table}: expected a ledger error, got {other:?}"),
        }
    }
    // A wrong record among good ones refuses the whole write.
    let mut mixed = ledger_samples(Ledger::Energy);
    mixed.push(building("B-1", "200"));
    assert!(matches!(
        write_records(&mut doc, &mixed, TIME_MS),
        Err(DocumentError::TableNotInLedger {
            table: Table::Buildings,
            ..
        })
    ));

    let outside = energy(1, "2024-12", "电力", "1");
    match write_records(&mut doc, std::slice::from_ref(&outside), TIME_MS) {
        Err(DocumentError::InvalidRecord {
            table: Table::EnergyConsumption,
            record_id,
            field: "month",
            source,
        }) => {
            assert_eq!(record_id, outside.id());
            assert!(
                source
                    .rule
                    .contains("must lie in the document's period 2025"),
                "{source}"
            );
            assert!(source.rule.contains("2024-12"), "{source}");
        }
        other => panic!("expected a period error, got {other:?}"),
    }

    let twice = [
        energy(1, "2025-01", "电力", "1"),
        energy(1, "2025-01", "电力", "2"),
    ];
    match write_records(&mut doc, &twice, TIME_MS) {
        Err(DocumentError::DuplicateId(duplicate)) => {
            assert_eq!(duplicate.table, Table::EnergyConsumption);
            assert_eq!(duplicate.id, twice[0].id());
            assert_eq!((duplicate.first_index, duplicate.second_index), (0, 1));
        }
        other => panic!("expected a duplicate id, got {other:?}"),
    }
    assert_eq!(doc.get_heads(), heads, "refused writes change nothing");
    assert_eq!(write_records(&mut doc, &[], TIME_MS).unwrap(), 0);
    assert_eq!(doc.get_heads(), heads, "writing nothing makes no change");
}

#[test]
fn every_dated_table_refuses_records_outside_the_period() {
    let quarter = DocumentMeta {
        period: Period::parse("2025-Q1").unwrap(),
        ..meta(Ledger::Vehicles)
    };
    for ledger in Ledger::ALL {
        let mut doc = new_document(&DocumentMeta { ledger, ..quarter }, TIME_MS).unwrap();
        for table in tables_of(ledger) {
            let spec = table.spec();
            for sample in samples(*table) {
                let result = write_records(&mut doc, std::slice::from_ref(&sample), TIME_MS);
                let Some(field) = spec.dated_by else {
                    assert!(result.is_ok(), "{table} records stand for every period");
                    continue;
                };
                let month = match sample.get(field) {
                    Value::Month(month) => *month,
                    Value::Date(date) => date.month(),
                    Value::DateTime(time) => time.date().month(),
                    other => panic!("{table}.{field} dates nothing: {other:?}"),
                };
                if (1..=3).contains(&month.month) {
                    assert!(result.is_ok(), "{table} {}", sample.id());
                    continue;
                }
                match result {
                    Err(DocumentError::InvalidRecord {
                        table: refused,
                        record_id,
                        field: refused_field,
                        source,
                    }) => {
                        assert_eq!(refused, *table);
                        assert_eq!(record_id, sample.id());
                        assert_eq!(refused_field, field);
                        assert!(source.rule.contains("2025-Q1"), "{source}");
                    }
                    other => panic!(
                        "{table} {}: expected a period error, got {other:?}",
                        sample.id()
                    ),
                }
            }
        }
    }
}

#[test]
fn an_invalid_record_cannot_be_built_so_never_reaches_a_document() {
    // The expected texts are the English catalogue's.
    schemas::Language::English.set_current();
    let valid = energy(1, "2025-01", "电力", "1");
    let mut values = valid.values().to_vec();
    let quantity = Table::EnergyConsumption
        .spec()
        .index_of("quantity")
        .unwrap();
    values[quantity] = Value::Amount(Decimal::NEGATIVE_ONE);
    let error = Record::new(Table::EnergyConsumption.spec(), values).unwrap_err();
    assert_eq!(error.field(), "quantity");
    assert!(error.rule.contains("non-negative"), "{error}");
    assert_eq!(
        valid.with("quantity", "-1").unwrap_err().field(),
        "quantity"
    );

    let cases: Vec<(Record, &str, Value, &str)> = vec![
        (
            space("office", "in_use", "10", "20"),
            "usable_m2",
            Value::Amount(Decimal::from(30)),
            "must not exceed the floor area",
        ),
        (
            institution(1, "100", "5"),
            "people",
            Value::Count(0),
            "must be above 0",
        ),
        (
            samples(Table::Vehicles)[1].clone(),
            "displacement_l",
            Value::Amount(Decimal::ONE),
            "battery electric",
        ),
        (
            energy(1, "2025-01", "电力", "1"),
            "carrier",
            Value::Choice("steam"),
            "one of",
        ),
        (
            energy(1, "2025-01", "电力", "1"),
            "month",
            Value::Month(Month {
                year: 2025,
                month: 13,
            }),
            "YYYY-MM",
        ),
        (
            room("101", "正科级", "1", "18"),
            "room_no",
            Value::Text("1/01".to_owned()),
            "must not contain /",
        ),
        (
            building("B-1", "200"),
            "build_year",
            Value::Year(1799),
            "four-digit year",
        ),
        (
            building("B-1", "200"),
            "name",
            Value::Amount(Decimal::ONE),
            "a name",
        ),
    ];
    for (record, field, value, rule_contains) in cases {
        let table = record.table();
        let mut values = record.values().to_vec();
        values[table.spec().index_of(field).unwrap()] = value;
        let error = Record::new(table.spec(), values).expect_err(field);
        assert_eq!(error.field(), field, "{table}: {error}");
        assert!(
            error.rule.contains(rule_contains),
            "{table}.{field}: {error}"
        );
    }
}

#[test]
fn an_identifier_field_holding_another_kind_of_value_is_refused() {
    // Found while writing these tests: `check_value` in schemas/src/records/mod.rs accepts any
    // value in an Identifier column (its arm `(FieldKind::Identifier, _) => {}`), so a record built
    // in code with a count as its building id passes `Record::new` and `validate`, is written by
    // `write_records`, and reads back as a different record (the key parses to text); `text()` of
    // that field panics.
    let valid = building("B-7", "200");
    let mut values = valid.values().to_vec();
    values[0] = Value::Count(7);
    let built = Record::new(Table::Buildings.spec(), values);
    assert!(
        built.is_err(),
        "BUG: Record::new accepted Value::Count(7) in the Identifier column building_id: {built:?}"
    );
    assert_eq!(built.unwrap_err().field(), "building_id");
}

#[test]
fn appends_to_a_filled_table_and_refills_an_emptied_one() {
    let mut doc = document_with(Ledger::OfficeSpace, &[building("B-1", "200")]);
    // The table now holds a record, so these are created one batch object each; the rooms table is
    // new and is created whole in the same change.
    let rooms = samples(Table::OfficeRooms);
    let mut written = vec![building("B-2", "300"), building("B-3", "400")];
    written.extend(rooms.iter().cloned());
    write_records(&mut doc, &written, TIME_MS + 2_000).unwrap();
    let buildings = vec![
        building("B-1", "200"),
        building("B-2", "300"),
        building("B-3", "400"),
    ];
    let mut all = buildings.clone();
    all.extend(rooms.iter().cloned());
    assert_eq!(read_records(&doc).unwrap(), all);

    let ids: Vec<String> = buildings.iter().map(Record::id).collect();
    assert_eq!(
        delete_records(&mut doc, Table::Buildings, &ids, TIME_MS + 3_000).unwrap(),
        3
    );
    assert_eq!(count_records(&doc).unwrap(), rooms.len());
    // The emptied table is made anew, whole, in one batch.
    write_records(&mut doc, &buildings[1..], TIME_MS + 4_000).unwrap();
    let loaded = Automerge::load(&doc.save()).unwrap();
    let mut expected = buildings[1..].to_vec();
    expected.extend(rooms.iter().cloned());
    assert_eq!(read_records(&loaded).unwrap(), expected);

    // Every ledger: a document written in two halves equals one written at once.
    for ledger in Ledger::ALL {
        let records = ledger_samples(ledger);
        let (first, second) = records.split_at(records.len() / 2);
        let mut doc = document_with(ledger, first);
        write_records(&mut doc, second, TIME_MS + 2_000).unwrap();
        let loaded = Automerge::load(&doc.save()).unwrap();
        assert_eq!(
            read_records(&loaded).unwrap(),
            sorted(records.clone()),
            "{ledger}"
        );
        // Appending again to every filled table, then reading back.
        let mut again = Automerge::load(&doc.save()).unwrap();
        write_records(&mut again, &records, TIME_MS + 3_000).unwrap();
        assert_eq!(count_records(&again).unwrap(), records.len());
        assert_eq!(read_records(&again).unwrap(), sorted(records), "{ledger}");
    }
}
