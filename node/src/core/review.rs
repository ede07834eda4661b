//! Review: the findings of the ledger checks over every document of a node's subtree that the node
//! holds, listed with its return so that a reviewer sees each warning where it arose.

use protocol::DocumentKey;
use schemas::ledgers::CheckContext;
use schemas::returns::Finding;
use schemas::{Ledger, Period, document};

use super::{CoreError, NodeCore};

impl NodeCore {
    /// The findings (warnings, and errors a county would have to fix before submitting) of every
    /// document of (ledger, period) held for this node and the nodes below it: its own draft and
    /// the replicas of its descendants' submissions. Sorted by owner, then as the checks list them.
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
            let is_own = owner == self.code;
            if !is_own && !self.latest_submissions.contains_key(&key) {
                continue;
            }
            let previous = if is_own {
                self.previous_year_records(ledger, period)?
            } else {
                None
            };
            let Some(document) = self.document_mut(&key)? else {
                continue;
            };
            let records =
                document::read_records(document).map_err(|source| CoreError::Document {
                    key,
                    source: Box::new(source),
                })?;
            let context = CheckContext {
                owner,
                period,
                previous: previous.as_deref(),
            };
            findings.extend(schemas::ledgers::check(ledger, &records, &context));
        }
        Ok(findings)
    }
}
