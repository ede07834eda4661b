//! Review: the findings of the ledger checks over every submission of a node's subtree that the
//! node holds, listed with its return so that a reviewer sees each warning where it arose. Each
//! document is read as its latest submission signed it, not as it stands since: a draft edited
//! after submitting shows its findings in `report --draft`, not here. The year-on-year rules
//! compare a descendant's submission with its submission of the year before, when held.

use protocol::{AcceptedSubmission, DocumentKey};
use schemas::ledgers::CheckContext;
use schemas::returns::Finding;
use schemas::{Ledger, Period, document};

use super::{CoreError, NodeCore};

impl NodeCore {
    /// The findings (warnings, and errors a county would have to fix before submitting) of every
    /// submission of (ledger, period) held for this node and the nodes below it, each read at the
    /// heads it signed. Sorted by owner, then as the checks list them.
    pub fn subtree_findings(
        &mut self,
        ledger: Ledger,
        period: Period,
    ) -> Result<Vec<Finding>, CoreError> {
        let mut owners: Vec<_> = self.topology.subtree(self.code);
        owners.sort();
        let mut findings = Vec::new();
        for owner in owners {
            let key = DocumentKey::new(owner, ledger, period);
            let Some(signed_heads) = self
                .latest_submissions
                .get(&key)
                .map(|latest| latest.submission.payload().heads.clone())
            else {
                continue;
            };
            // A descendant's findings depend on its signed state and on its signed state of the
            // year before (for the year-on-year rules); this node's own also on its draft of last
            // year, so they are worked out each time.
            let previous_key = period
                .previous_year()
                .map(|previous| DocumentKey::new(owner, ledger, previous));
            let previous_heads = previous_key
                .and_then(|previous_key| self.latest_submissions.get(&previous_key))
                .map(|latest| latest.submission.payload().heads.clone());
            // The signed heads of both years, told apart by a zero hash between them.
            let memo_heads: Vec<[u8; 32]> = signed_heads
                .iter()
                .copied()
                .chain(std::iter::once([0; 32]))
                .chain(previous_heads.iter().flatten().copied())
                .collect();
            if owner != self.code
                && let Some((heads, memo)) = self.findings_memo.get(&key)
                && *heads == memo_heads
            {
                findings.extend(memo.iter().cloned());
                continue;
            }
            let previous = match (owner == self.code, previous_key, &previous_heads) {
                (true, _, _) => self.previous_year_records(ledger, period)?,
                (false, Some(previous_key), Some(previous_heads)) => {
                    self.signed_records(&previous_key, previous_heads)?
                }
                _ => None,
            };
            let options = self.check_options(ledger, period);
            let Some(document) = self.document_mut(&key)? else {
                continue;
            };
            let at_submission = Self::document_at(&key, document, &signed_heads)?;
            let records = document::read_records(at_submission.as_ref().unwrap_or(document))
                .map_err(|source| CoreError::Document {
                    key,
                    source: Box::new(source),
                })?;
            let context = CheckContext {
                owner,
                period,
                previous: previous.as_deref(),
                options,
            };
            let found = schemas::ledgers::check(ledger, &records, &context);
            if owner != self.code {
                self.findings_memo.insert(key, (memo_heads, found.clone()));
            }
            findings.extend(found);
        }
        Ok(findings)
    }

    /// The submission of a document that counts (see `counted_submission`) and its records as that
    /// submission signed them; `None` when none counts or the document is not held.
    pub fn counted_records(
        &mut self,
        key: &DocumentKey,
    ) -> Result<Option<(AcceptedSubmission, Vec<schemas::records::Record>)>, CoreError> {
        let Some(counted) = self
            .counted_submission(key)?
            .map(std::borrow::Cow::into_owned)
        else {
            return Ok(None);
        };
        let heads = counted.submission.payload().heads.clone();
        Ok(self
            .signed_records(key, &heads)?
            .map(|records| (counted, records)))
    }

    /// The records of a held document as the submission with `heads` signed them; `None` when
    /// the document is not held.
    fn signed_records(
        &mut self,
        key: &DocumentKey,
        heads: &[[u8; 32]],
    ) -> Result<Option<Vec<schemas::records::Record>>, CoreError> {
        let Some(document) = self.document_mut(key)? else {
            return Ok(None);
        };
        let at_submission = Self::document_at(key, document, heads)?;
        let records = document::read_records(at_submission.as_ref().unwrap_or(document)).map_err(
            |source| CoreError::Document {
                key: *key,
                source: Box::new(source),
            },
        )?;
        Ok(Some(records))
    }
}
