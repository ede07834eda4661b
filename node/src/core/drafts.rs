//! Managing this node's own drafts: listing their records, deleting records by id (refused while
//! other records refer to them, unless the referring ones go too), clearing a table, and
//! replacing tables with exactly a file's rows. Deletions are automerge deletions: they sync like
//! any change and appear in the next submission.
//!
//! Which records refer to a record is not a second list of references: it is what the ledger's
//! rules spanning records say once the record is gone. The errors that appear only after a
//! deletion name the records that depended on what was deleted (an office space whose building
//! is gone, a dispatch order whose vehicle is gone).

use std::collections::BTreeSet;

use protocol::DocumentKey;
use schemas::ledgers::CheckContext;
use schemas::records::Record;
use schemas::returns::{Finding, Severity};
use schemas::table::Table;
use schemas::{Ledger, Period, document};
use serde::{Deserialize, Serialize};

use super::{Actor, CoreError, NodeCore};

/// How many times a cascade may widen before it is refused as runaway; each round deletes at
/// least one more record, and rules reach at most a few tables deep.
const CASCADE_ROUNDS_MAX: usize = 16;

/// A record that refers to one being deleted, named as `delete` takes it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct RecordRef {
    pub table: Table,
    pub id: String,
    /// The rule that ties it to the deleted record.
    pub rule: String,
}

/// What a deletion did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeleteOutcome {
    pub key: String,
    /// Every record deleted, the asked-for ones first, then those taken with them (`--cascade`).
    pub deleted: Vec<RecordRef>,
    pub n_records_in_document: usize,
}

/// Which records to delete: ids of one table (every record of it when empty), and whether the
/// records referring to them go too.
#[derive(Debug, Clone, Copy)]
pub struct Deletion<'a> {
    pub table: Table,
    pub ids: &'a [String],
    pub cascade: bool,
}

impl NodeCore {
    /// The records of this node's draft of (ledger, period), of one table or all, in the order
    /// forms list them; empty when there is no draft.
    pub fn draft_records(
        &mut self,
        ledger: Ledger,
        period: Period,
        table: Option<Table>,
    ) -> Result<Vec<Record>, CoreError> {
        let key = DocumentKey::new(self.code, ledger, period);
        let Some(draft) = self.document_mut(&key)? else {
            return Ok(Vec::new());
        };
        let records = document::read_records(draft).map_err(|source| CoreError::Document {
            key,
            source: Box::new(source),
        })?;
        Ok(records
            .into_iter()
            .filter(|record| table.is_none_or(|table| record.table() == table))
            .collect())
    }

    /// Deletes records of one table of the draft by id; with `ids` empty, every record of the
    /// table (clearing it). Ids the draft does not hold are refused, naming them. A deletion that
    /// would leave other records pointing at nothing is refused naming them, unless `cascade`
    /// deletes them too. Nothing is deleted unless everything asked can be.
    pub fn delete_draft_records(
        &mut self,
        ledger: Ledger,
        period: Period,
        deletion: Deletion<'_>,
        now_ms: i64,
        by: Option<&Actor>,
    ) -> Result<DeleteOutcome, CoreError> {
        let Deletion {
            table,
            ids,
            cascade,
        } = deletion;
        let key = DocumentKey::new(self.code, ledger, period);
        if table.ledger() != ledger {
            return Err(CoreError::TableNotInLedger { table, ledger });
        }
        let records = self.draft_records(ledger, period, None)?;
        let held: BTreeSet<(Table, String)> = records
            .iter()
            .map(|record| (record.table(), record.id()))
            .collect();
        let asked: Vec<String> = if ids.is_empty() {
            records
                .iter()
                .filter(|record| record.table() == table)
                .map(Record::id)
                .collect()
        } else {
            ids.to_vec()
        };
        let missing: Vec<String> = asked
            .iter()
            .filter(|id| !held.contains(&(table, (*id).clone())))
            .cloned()
            .collect();
        if !missing.is_empty() {
            return Err(CoreError::RecordsNotFound {
                key,
                table,
                ids: missing,
            });
        }
        let mut deleting: BTreeSet<(Table, String)> =
            asked.iter().map(|id| (table, id.clone())).collect();
        let mut deleted: Vec<RecordRef> = asked
            .iter()
            .map(|id| RecordRef {
                table,
                id: id.clone(),
                rule: String::new(),
            })
            .collect();
        let options = self.check_options(ledger, period);
        let context = CheckContext {
            owner: self.code,
            period,
            previous: None,
            options,
        };
        let errors_before = error_places(&schemas::ledgers::check(ledger, &records, &context));
        for _ in 0..CASCADE_ROUNDS_MAX {
            let remaining: Vec<Record> = records
                .iter()
                .filter(|record| !deleting.contains(&(record.table(), record.id())))
                .cloned()
                .collect();
            let referring: Vec<RecordRef> = schemas::ledgers::check(ledger, &remaining, &context)
                .into_iter()
                .filter(|finding| finding.severity == Severity::Error)
                .filter(|finding| !errors_before.contains(&place_of(finding)))
                .filter_map(|finding| {
                    let table = finding.table.parse::<Table>().ok()?;
                    Some(RecordRef {
                        table,
                        id: finding.record_id,
                        rule: finding.rule,
                    })
                })
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect();
            if referring.is_empty() {
                return self.write_deletions(&key, deleted, now_ms, by);
            }
            if !cascade {
                return Err(CoreError::RecordsReferenced { key, referring });
            }
            for record in referring {
                if deleting.insert((record.table, record.id.clone())) {
                    deleted.push(record);
                }
            }
        }
        Err(CoreError::RecordsReferenced {
            key,
            referring: deleted,
        })
    }

    /// Deletes the records from the draft in one change per table and stores it; on failure the
    /// draft in memory is dropped and read again from disk when next needed.
    fn write_deletions(
        &mut self,
        key: &DocumentKey,
        deleted: Vec<RecordRef>,
        now_ms: i64,
        by: Option<&Actor>,
    ) -> Result<DeleteOutcome, CoreError> {
        let result = self.delete_and_persist(key, &deleted, now_ms, by);
        if result.is_err() {
            self.documents.remove(key);
        }
        let n_records_in_document = result?;
        Ok(DeleteOutcome {
            key: key.to_string(),
            deleted,
            n_records_in_document,
        })
    }

    fn delete_and_persist(
        &mut self,
        key: &DocumentKey,
        deleted: &[RecordRef],
        now_ms: i64,
        by: Option<&Actor>,
    ) -> Result<usize, CoreError> {
        let document_error = |source| CoreError::Document {
            key: *key,
            source: Box::new(source),
        };
        let tables: BTreeSet<Table> = deleted.iter().map(|record| record.table).collect();
        let Some(draft) = self.document_mut(key)? else {
            return Ok(0);
        };
        for table in tables {
            let ids: Vec<String> = deleted
                .iter()
                .filter(|record| record.table == table)
                .map(|record| record.id.clone())
                .collect();
            document::delete_records_by(draft, table, &ids, now_ms, by.map(Actor::name))
                .map_err(document_error)?;
        }
        let n_records_in_document = document::count_records(draft).map_err(document_error)?;
        self.persist_document(key)?;
        Ok(n_records_in_document)
    }
}

/// Records named for a message: `table id (rule)`, the first few, then how many more.
pub(super) fn describe_refs(records: &[RecordRef]) -> String {
    const LISTED_MAX: usize = 20;
    let mut listed: Vec<String> = records
        .iter()
        .take(LISTED_MAX)
        .map(|record| format!("{} {} ({})", record.table.slug(), record.id, record.rule))
        .collect();
    if records.len() > LISTED_MAX {
        listed.push(crate::t!("cli.and_more", count = records.len() - LISTED_MAX).into_owned());
    }
    listed.join("; ")
}

/// Where an error finding is: its table, record and rule.
fn place_of(finding: &Finding) -> (String, String, String) {
    (
        finding.table.clone(),
        finding.record_id.clone(),
        finding.rule.clone(),
    )
}

fn error_places(findings: &[Finding]) -> BTreeSet<(String, String, String)> {
    findings
        .iter()
        .filter(|finding| finding.severity == Severity::Error)
        .map(place_of)
        .collect()
}
