//! The node's own ledgers: writing imported records into a draft and signing a submission.

use protocol::{AcceptedSubmission, DocumentKey, Signed, Submission};
use std::collections::HashMap;
use std::collections::hash_map::Entry;

use schemas::ledgers::CheckContext;
use schemas::records::Record;
use schemas::returns::{Finding, Severity};
use schemas::table::Table;
use schemas::{Ledger, Period, coefficients, document};
use serde::{Deserialize, Serialize};

use super::{Actor, CoreError, NodeCore};
use crate::store::Batch;

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportOutcome {
    pub key: String,
    pub n_records_written: usize,
    pub n_records_in_document: usize,
    /// Errors of the draft as it now stands that do not refuse an import but will refuse the
    /// submission: references to records of other tables not imported (yet), year-on-year notes.
    /// Reported now so the clerk knows before submitting.
    #[serde(default)]
    pub blocking_submission: Vec<Finding>,
}

/// What a submit did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubmitOutcome {
    pub key: String,
    pub sequence: u64,
    pub n_records: u64,
    pub hash: String,
    /// False when the draft had not changed since the latest submission, which is returned.
    pub new: bool,
}

impl NodeCore {
    /// Writes records into this node's draft of (ledger, period), creating it if needed, and
    /// stores the draft durably. The records were checked when parsed; the document checks that
    /// each belongs to the ledger and period.
    ///
    /// On any error the draft in memory is the one on disk: a draft created here and not stored,
    /// or one holding records that could not be stored (a full disk), is dropped from memory and
    /// read again from the store when next needed, so a retry starts from what is on disk.
    pub fn import_records(
        &mut self,
        ledger: Ledger,
        period: Period,
        records: &[Record],
        now_ms: i64,
    ) -> Result<ImportOutcome, CoreError> {
        self.import_records_replacing(ledger, period, &[], records, now_ms, None)
    }

    /// Like [`NodeCore::import_records`], but each table of `replacing` holds exactly the given
    /// records afterwards: its other records are deleted in the same store write (`import
    /// --replace`). The rules spanning records are checked on the draft as it will be. `by`
    /// names who imports: the draft's change records it.
    pub fn import_records_replacing(
        &mut self,
        ledger: Ledger,
        period: Period,
        replacing: &[Table],
        records: &[Record],
        now_ms: i64,
        by: Option<&Actor>,
    ) -> Result<ImportOutcome, CoreError> {
        let key = DocumentKey::new(self.code, ledger, period);
        let document_error = |source| CoreError::Document {
            key,
            source: Box::new(source),
        };
        let created = self.document_mut(&key)?.is_none();
        if created {
            let meta = document::DocumentMeta {
                owner: self.code,
                ledger,
                period,
                schema_version: document::SCHEMA_VERSION,
            };
            let created = document::new_document(&meta, now_ms).map_err(document_error)?;
            self.documents.insert(key, created);
        }
        let mut blocking_submission = Vec::new();
        let outcome = self
            .check_import(&key, replacing, records)
            .and_then(|deferred| {
                blocking_submission = deferred;
                self.write_draft(&key, replacing, records, now_ms, by)
            });
        if outcome.is_err() {
            let draft_changed = matches!(outcome, Err(ImportFailure::Writing(_)));
            if created || draft_changed {
                self.documents.remove(&key);
            }
        }
        let (n_records_written, n_records_in_document) = outcome.map_err(CoreError::from)?;
        Ok(ImportOutcome {
            key: key.to_string(),
            n_records_written,
            n_records_in_document,
            blocking_submission,
        })
    }

    /// Checks the rules that span records on the draft as it would be after the import; rules
    /// about references to other tables refuse only the submission, so that tables can be
    /// imported in any order, and are returned to be reported. Leaves the draft as it was.
    fn check_import(
        &self,
        key: &DocumentKey,
        replacing: &[Table],
        records: &[Record],
    ) -> Result<Vec<Finding>, ImportFailure> {
        let document_error = |source| {
            ImportFailure::Checking(CoreError::Document {
                key: *key,
                source: Box::new(source),
            })
        };
        let draft = self
            .documents
            .get(key)
            .expect("the draft was loaded or created before checking");
        let mut merged = document::read_records(draft).map_err(document_error)?;
        merged.retain(|record| !replacing.contains(&record.table()));
        merged.extend_from_slice(records);
        let merged = latest_by_id(merged);
        let options = self.check_options(key.ledger, key.period);
        let context = CheckContext {
            owner: self.code,
            period: key.period,
            previous: None,
            options,
        };
        let (refusing, deferred): (Vec<Finding>, Vec<Finding>) =
            schemas::ledgers::check(key.ledger, &merged, &context)
                .into_iter()
                .filter(|finding| finding.severity == Severity::Error)
                .partition(|finding| schemas::ledgers::is_checked_at_import(&finding.rule));
        if !refusing.is_empty() {
            return Err(ImportFailure::Checking(CoreError::RulesBroken {
                key: *key,
                findings: refusing,
            }));
        }
        Ok(deferred)
    }

    /// Writes the records into the draft and stores it durably; returns the records written and
    /// the records then in the document.
    fn write_draft(
        &mut self,
        key: &DocumentKey,
        replacing: &[Table],
        records: &[Record],
        now_ms: i64,
        by: Option<&Actor>,
    ) -> Result<(usize, usize), ImportFailure> {
        let by = by.map(Actor::name);
        let document_error = |source| {
            ImportFailure::Writing(CoreError::Document {
                key: *key,
                source: Box::new(source),
            })
        };
        let draft = self
            .documents
            .get_mut(key)
            .expect("the draft was loaded or created before writing");
        if !replacing.is_empty() {
            let kept: std::collections::HashSet<(Table, String)> = records
                .iter()
                .map(|record| (record.table(), record.id()))
                .collect();
            let held = document::read_records(draft).map_err(document_error)?;
            for table in replacing {
                let gone: Vec<String> = held
                    .iter()
                    .filter(|record| record.table() == *table)
                    .map(Record::id)
                    .filter(|id| !kept.contains(&(*table, id.clone())))
                    .collect();
                document::delete_records_by(draft, *table, &gone, now_ms, by)
                    .map_err(document_error)?;
            }
        }
        let written =
            document::write_records_by(draft, records, now_ms, by).map_err(document_error)?;
        let n_records_in_document = document::count_records(draft).map_err(document_error)?;
        self.persist_document(key).map_err(ImportFailure::Writing)?;
        Ok((written, n_records_in_document))
    }

    /// Signs the draft of (ledger, period) as it stands: its heads, record count, the digest of
    /// its figures and `by`, the person who submits. The submission is on disk before this
    /// returns; then the node's rollup is brought up to date.
    pub fn submit(
        &mut self,
        ledger: Ledger,
        period: Period,
        by: &Actor,
        now_ms: i64,
    ) -> Result<SubmitOutcome, CoreError> {
        let key = DocumentKey::new(self.code, ledger, period);
        let Some(definition) = self.definition_of(ledger, period).cloned() else {
            return Err(CoreError::ReturnNotDefined { ledger, period });
        };
        let Some(checked) = self.checked_draft(&key)? else {
            return Err(CoreError::NothingToSubmit { key });
        };
        let heads = checked.heads;
        let records = checked.records;
        // Errors always block; the return's definition may make warnings block too.
        let refusing: Vec<Finding> = checked
            .findings
            .into_iter()
            .filter(|finding| self.blocks_submission(ledger, period, finding))
            .collect();
        if !refusing.is_empty() {
            return Err(CoreError::RulesBroken {
                key,
                findings: refusing,
            });
        }
        let previous = self.latest_submissions.get(&key);
        // The same heads need no new signature, unless the latest was signed with a key the
        // topology has since retired: the tree takes nothing new signed by it, so it is signed
        // again with the current key.
        let signed_with_current_key = previous.is_some_and(|previous| {
            matches!(
                previous.submission.key_status(&self.topology),
                Some(topology::KeyStatus::Current)
            )
        });
        if let Some(previous) = previous
            && previous.submission.payload().heads == heads
            && signed_with_current_key
        {
            let outcome = SubmitOutcome {
                key: key.to_string(),
                sequence: previous.submission.payload().sequence,
                n_records: previous.submission.payload().n_records,
                hash: previous.submission.hash().to_hex(),
                new: false,
            };
            // A submit that stored its submission and then failed to store the rollup (a full
            // disk) is retried by submitting again: the rollup is brought up to date here.
            self.consolidate(ledger, period, now_ms)?;
            return Ok(outcome);
        }
        let table =
            coefficients::by_version(&definition.coefficients_version).ok_or_else(|| {
                CoreError::Figures {
                    key,
                    reason: crate::t!(
                        "node.core.reason.unknown_coefficients",
                        version = definition.coefficients_version.escape_debug()
                    )
                    .into_owned(),
                }
            })?;
        let figures = schemas::compute(ledger, period, &records, table).map_err(|error| {
            CoreError::Figures {
                key,
                reason: error.to_string(),
            }
        })?;
        let submission = Submission {
            key,
            heads,
            n_records: records.len() as u64,
            figures_digest: figures.digest(),
            coefficients_version: table.version().to_owned(),
            sequence: self
                .next_sequence(previous.map(|previous| previous.submission.payload().sequence)),
            time_ms: now_ms,
            submitted_by: Some(by.signed_name()),
        };
        let signed = Signed::sign(submission, &self.signing_key, &self.topology)?;
        let outcome = SubmitOutcome {
            key: key.to_string(),
            sequence: signed.payload().sequence,
            n_records: signed.payload().n_records,
            hash: signed.hash().to_hex(),
            new: true,
        };
        self.store_submission(
            AcceptedSubmission {
                submission: signed,
                figures,
            },
            Batch::new(),
        )?;
        self.published.remove(&key);
        self.consolidate(ledger, period, now_ms)?;
        Ok(outcome)
    }

    /// This node's records of the same ledger for the same period a year earlier, if it holds
    /// them (for the year-on-year rules).
    pub fn previous_year_records(
        &mut self,
        ledger: Ledger,
        period: Period,
    ) -> Result<Option<Vec<Record>>, CoreError> {
        let Some(previous) = period.previous_year() else {
            return Ok(None);
        };
        let key = DocumentKey::new(self.code, ledger, previous);
        let Some(document) = self.document_mut(&key)? else {
            return Ok(None);
        };
        let records = document::read_records(document).map_err(|source| CoreError::Document {
            key,
            source: Box::new(source),
        })?;
        Ok(Some(records))
    }
}

/// Why an import failed, and whether the draft in memory may have changed.
enum ImportFailure {
    /// Before the draft was touched.
    Checking(CoreError),
    /// While writing into the draft or storing it: memory may hold what the disk does not.
    Writing(CoreError),
}

impl From<ImportFailure> for CoreError {
    fn from(failure: ImportFailure) -> Self {
        match failure {
            ImportFailure::Checking(error) | ImportFailure::Writing(error) => error,
        }
    }
}

/// The records with one record per (table, id): a later record replaces an earlier one, as a write
/// into a document does.
fn latest_by_id(records: Vec<Record>) -> Vec<Record> {
    let mut position: HashMap<(Table, String), usize> = HashMap::with_capacity(records.len());
    let mut latest: Vec<Record> = Vec::with_capacity(records.len());
    for record in records {
        match position.entry((record.table(), record.id())) {
            Entry::Occupied(slot) => latest[*slot.get()] = record,
            Entry::Vacant(slot) => {
                slot.insert(latest.len());
                latest.push(record);
            }
        }
    }
    latest
}
