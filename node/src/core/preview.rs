//! What the next submission would be, before it is made: the draft's figures and every finding,
//! checked exactly as `submit` checks them (`report --draft`); and confirming a returned
//! submission unchanged (`confirm`), which writes the clerk's reason into the document so that the
//! next submission signs new heads and is reviewed like any other.

use protocol::DocumentKey;
use schemas::document::{self, Confirmation};
use schemas::figures::Figures;
use schemas::records::Record;
use schemas::returns::{Finding, Severity};
use schemas::{Ledger, Period, coefficients};
use serde::{Deserialize, Serialize};

use super::ledger_operations::SubmitOutcome;
use super::workflow::ReviewState;
use super::{Actor, CoreError, NodeCore};

/// The draft as the next submission would carry it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DraftPreview {
    pub key: String,
    pub n_records: u64,
    pub figures: Figures,
    pub coefficients_version: String,
    /// Every finding of the draft, as the submission's report will list them.
    pub findings: Vec<Finding>,
    /// How many findings would refuse the submission: errors, and warnings the return's
    /// definition makes blocking.
    pub blocking: usize,
    /// Whether a return is defined for the period (without one, `submit` is refused).
    pub return_defined: bool,
    /// Whether the draft differs from the latest submission; `None` before the first.
    pub differs_from_submission: Option<bool>,
    /// Who made the draft's latest change and when (Unix milliseconds), if it names someone.
    pub last_change: Option<(String, i64)>,
}

/// A draft read and checked as `submit` reads and checks it.
pub(super) struct CheckedDraft {
    pub heads: Vec<[u8; 32]>,
    pub records: Vec<Record>,
    /// Every finding, in the order the ledger's rules give them.
    pub findings: Vec<Finding>,
}

impl NodeCore {
    /// Reads this node's draft of `key` and checks it with the rules `submit` applies (the
    /// previous year's records included); `None` when there is no draft.
    pub(super) fn checked_draft(
        &mut self,
        key: &DocumentKey,
    ) -> Result<Option<CheckedDraft>, CoreError> {
        let previous_year = self.previous_year_records(key.ledger, key.period)?;
        let options = self.check_options(key.ledger, key.period);
        let Some(draft) = self.document_mut(key)? else {
            return Ok(None);
        };
        let heads = protocol::Submission::heads_from(&draft.get_heads());
        let records = document::read_records(draft).map_err(|source| CoreError::Document {
            key: *key,
            source: Box::new(source),
        })?;
        let context = schemas::ledgers::CheckContext {
            owner: key.owner,
            period: key.period,
            previous: previous_year.as_deref(),
            options,
        };
        let findings = schemas::ledgers::check(key.ledger, &records, &context);
        Ok(Some(CheckedDraft {
            heads,
            records,
            findings,
        }))
    }

    /// Whether a finding refuses a submission under the return's definition.
    pub(super) fn blocks_submission(
        &self,
        ledger: Ledger,
        period: Period,
        finding: &Finding,
    ) -> bool {
        finding.severity == Severity::Error
            || self
                .definition_of(ledger, period)
                .is_some_and(|definition| definition.blocking_rules.contains(&finding.rule))
    }

    /// The draft of (ledger, period) as the next submission would be: figures, every finding,
    /// and whether it differs from the latest submission.
    pub fn draft_preview(
        &mut self,
        ledger: Ledger,
        period: Period,
    ) -> Result<DraftPreview, CoreError> {
        let key = DocumentKey::new(self.code, ledger, period);
        let Some(checked) = self.checked_draft(&key)? else {
            return Err(CoreError::NothingToSubmit { key });
        };
        let definition = self.definition_of(ledger, period).cloned();
        let table = definition
            .as_ref()
            .and_then(|definition| coefficients::by_version(&definition.coefficients_version))
            .unwrap_or_else(coefficients::current);
        let figures =
            schemas::compute(ledger, period, &checked.records, table).map_err(|error| {
                CoreError::Figures {
                    key,
                    reason: error.to_string(),
                }
            })?;
        let blocking = checked
            .findings
            .iter()
            .filter(|finding| self.blocks_submission(ledger, period, finding))
            .count();
        let differs_from_submission = self
            .latest_submission_of(&key)
            .map(|latest| latest.submission.payload().heads != checked.heads);
        let last_change = self.documents.get(&key).and_then(document::last_change_by);
        Ok(DraftPreview {
            key: key.to_string(),
            n_records: checked.records.len() as u64,
            figures,
            coefficients_version: table.version().to_owned(),
            findings: checked.findings,
            blocking,
            return_defined: definition.is_some(),
            differs_from_submission,
            last_change,
        })
    }

    /// The heads of this node's draft of `key`, as a submission stores them; `None` without one.
    pub fn draft_heads(&mut self, key: &DocumentKey) -> Result<Option<Vec<[u8; 32]>>, CoreError> {
        Ok(self
            .document_mut(key)?
            .map(|draft| protocol::Submission::heads_from(&draft.get_heads())))
    }

    /// Confirms the latest submission of (ledger, period), returned by the parent, as correct
    /// unchanged: writes the reason and the person into the draft and submits it. Refused when
    /// nothing was submitted, when the latest submission is not returned, or when the draft has
    /// changed since (then it is simply submitted).
    pub fn confirm_unchanged(
        &mut self,
        ledger: Ledger,
        period: Period,
        reason: &str,
        by: &Actor,
        now_ms: i64,
    ) -> Result<SubmitOutcome, CoreError> {
        let key = DocumentKey::new(self.code, ledger, period);
        let Some(latest) = self.latest_submission_of(&key) else {
            return Err(CoreError::NothingToConfirm { key });
        };
        let sequence = latest.submission.payload().sequence;
        let signed_heads = latest.submission.payload().heads.clone();
        if !matches!(
            self.document_review(key).review,
            ReviewState::Returned { .. }
        ) {
            return Err(CoreError::NotReturned { key, sequence });
        }
        let document_error = |source| CoreError::Document {
            key,
            source: Box::new(source),
        };
        let Some(draft) = self.document_mut(&key)? else {
            return Err(CoreError::NothingToConfirm { key });
        };
        if protocol::Submission::heads_from(&draft.get_heads()) != signed_heads {
            return Err(CoreError::DraftChangedSinceSubmission { key, sequence });
        }
        let confirmation = Confirmation {
            confirms: sequence,
            reason: reason.to_owned(),
            by: by.name().to_owned(),
            time_ms: now_ms,
        };
        if let Err(error) = document::write_confirmation(draft, &confirmation) {
            // Nothing was committed on a refusal, but a failed transaction is not trusted: the
            // draft is read again from the store when next needed.
            self.documents.remove(&key);
            return Err(document_error(error));
        }
        if let Err(error) = self.persist_document(&key) {
            self.documents.remove(&key);
            return Err(error);
        }
        self.submit(ledger, period, by, now_ms)
    }

    /// The confirmations written into a document held here (this node's draft or a child's
    /// replica), oldest first.
    pub fn confirmations_of(&mut self, key: &DocumentKey) -> Result<Vec<Confirmation>, CoreError> {
        let Some(document) = self.document_mut(key)? else {
            return Ok(Vec::new());
        };
        document::read_confirmations(document).map_err(|source| CoreError::Document {
            key: *key,
            source: Box::new(source),
        })
    }
}
