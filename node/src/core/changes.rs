//! What changed in a document between two of its signed submissions: records added, removed and
//! changed, table by table, so that a reviewer sees what a county changed since its previous
//! submission before accepting or returning the new one.
//!
//! Data flow: the latest submission held for the document and the one held before it (the
//! highest sequence below the latest's; usually N-1, but a parent that never received N-1
//! compares with the newest it did receive) each give signed heads. The document held (a child's
//! replica, or this node's own draft) is read at each of those heads with the schemas crate's
//! reader, [`schemas::document::read_records`], which checks every record as it reads. The reader
//! reads a document's current state, so an older state is read from a fork at its heads
//! ([`NodeCore::document_at`]): the fork is made for one version at a time and dropped as soon as
//! its records are read. A replica always ends at its latest submission's heads, so only the
//! previous version is forked; this node's own draft, when it has moved on since its latest
//! submission, is forked for both.
//!
//! With one submission held there is nothing before it: the answer says `from_sequence: None`
//! and lists every record as added. With none, there is no answer (`None`).
//!
//! Each list of ids is cut at [`CHANGES_LISTED_PER_KIND_MAX`] per kind per table, with the full
//! count beside it, so the answer to a document of hundreds of thousands of records stays small.

use std::collections::BTreeMap;

use protocol::DocumentKey;
use schemas::document;
use schemas::records::Record;
use schemas::table::Table;
use serde::{Deserialize, Serialize};

use super::{CoreError, NodeCore, object_hash};
use crate::store::Tree;

/// Ids listed per kind (added, removed, changed) per table at most; the counts say how many
/// there are in all. A reviewer reads a hundred ids, not a hundred thousand, and the answer goes
/// to the web console as one page: a wholesale replacement of a table is told by its counts.
pub const CHANGES_LISTED_PER_KIND_MAX: usize = 100;

/// What changed in a document from one submission to a later one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubmissionChanges {
    /// The document, as `owner/ledger/period`.
    pub key: String,
    /// The earlier submission compared; `None` when only one submission is held, in which case
    /// every record of `to_sequence` is listed as added.
    pub from_sequence: Option<u64>,
    /// The latest submission held.
    pub to_sequence: u64,
    /// Records in the earlier submission (0 when there is none).
    pub from_n_records: usize,
    /// Records in the latest submission.
    pub to_n_records: usize,
    /// The tables with any change, in the order forms list them; a table that did not change is
    /// not listed.
    pub tables: Vec<TableChanges>,
}

/// What changed in one table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableChanges {
    pub table: Table,
    /// Ids of records the latest submission has and the earlier one had not, in id order, at
    /// most [`CHANGES_LISTED_PER_KIND_MAX`].
    pub added: Vec<String>,
    /// How many records were added in all.
    pub added_count: usize,
    /// Ids of records the earlier submission had and the latest has not, as `added`.
    pub removed: Vec<String>,
    /// How many records were removed in all.
    pub removed_count: usize,
    /// Records both have with some field changed, as `added`.
    pub changed: Vec<ChangedRecord>,
    /// How many records were changed in all.
    pub changed_count: usize,
}

/// A record both submissions hold, with the fields that differ.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangedRecord {
    /// The record's id as `records` and `delete` show it (composite ids joined with `/`).
    pub id: String,
    /// Every field that differs, in the table's column order.
    pub fields: Vec<FieldChange>,
}

/// One field of a record, before and after, as canonical text (what documents store).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldChange {
    /// The field's name in the table's spec, such as `quantity`.
    pub field: String,
    pub before: String,
    pub after: String,
}

/// A document's records by table, then by id.
type RecordsByTable = BTreeMap<Table, BTreeMap<String, Record>>;

/// A submission as far as a comparison needs it: which one, and the heads it signed.
struct SignedState {
    sequence: u64,
    heads: Vec<[u8; 32]>,
}

impl NodeCore {
    /// What changed in `key` between the latest submission held and the one held before it; see
    /// the module's documentation for which one that is and for a document submitted once.
    /// `None` when no submission of `key` is held. Works for any document held, a child's
    /// replica or this node's own; who may ask is the operation's business.
    pub fn submission_changes(
        &mut self,
        key: DocumentKey,
    ) -> Result<Option<SubmissionChanges>, CoreError> {
        let Some(latest) = self.latest_submissions.get(&key) else {
            return Ok(None);
        };
        let to_sequence = latest.submission.payload().sequence;
        let to_heads = latest.submission.payload().heads.clone();
        let previous = self.submission_before(key, to_sequence)?;
        let before = match &previous {
            Some(earlier) => self.records_at(key, &earlier.heads)?,
            None => RecordsByTable::new(),
        };
        let after = self.records_at(key, &to_heads)?;
        let count = |records: &RecordsByTable| records.values().map(BTreeMap::len).sum();
        Ok(Some(SubmissionChanges {
            key: key.to_string(),
            from_sequence: previous.map(|earlier| earlier.sequence),
            to_sequence,
            from_n_records: count(&before),
            to_n_records: count(&after),
            tables: compare(&before, &after),
        }))
    }

    /// The sequence and heads of the submission of `key` held with the highest sequence below
    /// `below`. Every stored submission is read (they are stored by hash), as
    /// [`NodeCore::document_history`] reads them.
    fn submission_before(
        &self,
        key: DocumentKey,
        below: u64,
    ) -> Result<Option<SignedState>, CoreError> {
        let mut found: Option<SignedState> = None;
        for (hash, _) in self.store.scan_prefix(Tree::Submissions, &[])? {
            let hash = object_hash(&hash, &crate::t!("node.core.object.submission_key"))?;
            let Some(held) = self.load_submission(&hash)? else {
                continue;
            };
            let payload = held.submission.payload();
            if payload.key == key
                && payload.sequence < below
                && found
                    .as_ref()
                    .is_none_or(|earlier| payload.sequence > earlier.sequence)
            {
                found = Some(SignedState {
                    sequence: payload.sequence,
                    heads: payload.heads.clone(),
                });
            }
        }
        Ok(found)
    }

    /// The records of the document held for `key` as of `heads`, read and checked by the schemas
    /// crate's reader; a fork at `heads` is made only when the document has moved past them, and
    /// dropped before returning.
    fn records_at(
        &mut self,
        key: DocumentKey,
        heads: &[[u8; 32]],
    ) -> Result<RecordsByTable, CoreError> {
        let Some(document) = self.document_mut(&key)? else {
            return Err(CoreError::CorruptDocument {
                key,
                reason: crate::t!("changes.reason.document_missing").into_owned(),
            });
        };
        let fork = Self::document_at(&key, document, heads)?;
        let records =
            document::read_records(fork.as_ref().unwrap_or(document)).map_err(|source| {
                CoreError::Document {
                    key,
                    source: Box::new(source),
                }
            })?;
        drop(fork);
        let mut by_table = RecordsByTable::new();
        for record in records {
            by_table
                .entry(record.table())
                .or_default()
                .insert(record.id(), record);
        }
        Ok(by_table)
    }
}

/// The changes from `before` to `after`, table by table, tables without change left out.
fn compare(before: &RecordsByTable, after: &RecordsByTable) -> Vec<TableChanges> {
    let empty = BTreeMap::new();
    let mut tables: Vec<Table> = before.keys().chain(after.keys()).copied().collect();
    tables.sort();
    tables.dedup();
    tables
        .into_iter()
        .map(|table| {
            compare_table(
                table,
                before.get(&table).unwrap_or(&empty),
                after.get(&table).unwrap_or(&empty),
            )
        })
        .filter(|changes| changes.added_count + changes.removed_count + changes.changed_count > 0)
        .collect()
}

/// The changes of one table: every id counted, the first [`CHANGES_LISTED_PER_KIND_MAX`] of
/// each kind listed.
fn compare_table(
    table: Table,
    before: &BTreeMap<String, Record>,
    after: &BTreeMap<String, Record>,
) -> TableChanges {
    let mut changes = TableChanges {
        table,
        added: Vec::new(),
        added_count: 0,
        removed: Vec::new(),
        removed_count: 0,
        changed: Vec::new(),
        changed_count: 0,
    };
    for (id, record) in after {
        match before.get(id) {
            None => {
                changes.added_count += 1;
                if changes.added.len() < CHANGES_LISTED_PER_KIND_MAX {
                    changes.added.push(id.clone());
                }
            }
            Some(earlier) if earlier != record => {
                changes.changed_count += 1;
                if changes.changed.len() < CHANGES_LISTED_PER_KIND_MAX {
                    changes.changed.push(ChangedRecord {
                        id: id.clone(),
                        fields: field_changes(earlier, record),
                    });
                }
            }
            Some(_) => {}
        }
    }
    for id in before.keys().filter(|id| !after.contains_key(*id)) {
        changes.removed_count += 1;
        if changes.removed.len() < CHANGES_LISTED_PER_KIND_MAX {
            changes.removed.push(id.clone());
        }
    }
    changes
}

/// The fields of two versions of one record that differ, in column order.
fn field_changes(before: &Record, after: &Record) -> Vec<FieldChange> {
    before
        .fields()
        .zip(after.values())
        .filter(|((_, earlier), later)| earlier != later)
        .map(|((column, earlier), later)| FieldChange {
            field: column.field.to_owned(),
            before: earlier.text(),
            after: later.text(),
        })
        .collect()
}
