//! Review: the findings of the ledger checks over every submission of a node's subtree that the
//! node holds, listed with its return so that a reviewer sees each warning where it arose. Each
//! document is read as its latest submission signed it, not as it stands since: a draft edited
//! after submitting shows its findings in `report --draft`, not here.

use protocol::DocumentKey;
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
            // A descendant's findings depend on its signed state only; this node's own also
            // on last year's figures, so they are worked out each time.
            if owner != self.code
                && let Some((heads, memo)) = self.findings_memo.get(&key)
                && *heads == signed_heads
            {
                findings.extend(memo.iter().cloned());
                continue;
            }
            let previous = if owner == self.code {
                self.previous_year_records(ledger, period)?
            } else {
                None
            };
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
                options: Default::default(),
            };
            let found = schemas::ledgers::check(ledger, &records, &context);
            if owner != self.code {
                self.findings_memo
                    .insert(key, (signed_heads, found.clone()));
            }
            findings.extend(found);
        }
        Ok(findings)
    }
}
