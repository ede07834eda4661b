//! Provenance: how one figure of a node was made, as a tree of signed objects. A rollup's value is
//! the sum of its inputs' values; each input is a child's rollup (explained the same way) or a
//! signed submission, shown with its hash, signer, signing time, the person who submitted, and its
//! review state with the person who decided.

use protocol::{InputKind, ObjectHash};
use schemas::{Decimal, Ledger, Period};
use serde::{Deserialize, Serialize};
use topology::DivisionCode;

use super::{CoreError, DecisionView, NodeCore, ReviewState};

/// Most levels an explanation follows down: the tree has at most six levels.
const EXPLAIN_DEPTH_MAX: usize = 8;

/// One signed object behind a figure, with the objects it sums.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contribution {
    pub node: DivisionCode,
    /// `rollup` or `submission`.
    pub kind: String,
    pub sequence: u64,
    pub hash: String,
    /// Who signed it (always the node itself for rollups and submissions).
    pub signer: DivisionCode,
    pub signed_at_ms: i64,
    /// The figure's value in this object.
    pub value: Decimal,
    /// For a submission: the person who submitted, as signed; `None` for a rollup, which the node
    /// makes of itself, and for a submission signed before submissions named a person.
    #[serde(default)]
    pub submitted_by: Option<String>,
    /// For a submission: where it stands in review.
    pub review: Option<ReviewState>,
    /// For a submission accepted or returned: the decision that stands on it, with the person who
    /// decided (`decided_by_person`); `None` while undecided, and for the root's own submission.
    #[serde(default)]
    pub decision: Option<DecisionView>,
    /// For a rollup: its inputs, whose values add up to `value`.
    pub inputs: Vec<Contribution>,
}

impl NodeCore {
    /// How this node's figure `figure` for (ledger, period) was made, down to every signed
    /// submission under it; `None` when nothing is held.
    pub fn explain(
        &self,
        ledger: Ledger,
        period: Period,
        figure: &str,
    ) -> Result<Option<Contribution>, CoreError> {
        if self.topology.children_of(self.code).is_empty() {
            let key = protocol::DocumentKey::new(self.code, ledger, period);
            return match self.latest_submissions.get(&key) {
                Some(held) => Ok(Some(
                    self.submission_contribution(&held.submission.hash(), figure)?,
                )),
                None => Ok(None),
            };
        }
        match self.latest_rollups.get(&(self.code, ledger, period)) {
            Some(rollup) => Ok(Some(self.rollup_contribution(&rollup.hash(), figure, 0)?)),
            None => Ok(None),
        }
    }

    fn rollup_contribution(
        &self,
        hash: &ObjectHash,
        figure: &str,
        depth: usize,
    ) -> Result<Contribution, CoreError> {
        let rollup = self
            .load_rollup(hash)?
            .ok_or_else(|| missing(crate::t!("node.core.object.rollup", hash = hash.short())))?;
        let payload = rollup.payload();
        let mut inputs = Vec::with_capacity(payload.inputs.len());
        if depth < EXPLAIN_DEPTH_MAX {
            for input in &payload.inputs {
                inputs.push(match input.kind {
                    InputKind::Submission => self.submission_contribution(&input.hash, figure)?,
                    InputKind::Rollup => {
                        self.rollup_contribution(&input.hash, figure, depth + 1)?
                    }
                });
            }
        }
        Ok(Contribution {
            node: payload.node,
            kind: "rollup".to_owned(),
            sequence: payload.sequence,
            hash: hash.to_hex(),
            signer: payload.node,
            signed_at_ms: payload.time_ms,
            value: payload.figures.get(figure),
            submitted_by: None,
            review: None,
            decision: None,
            inputs,
        })
    }

    fn submission_contribution(
        &self,
        hash: &ObjectHash,
        figure: &str,
    ) -> Result<Contribution, CoreError> {
        let held = self.load_submission(hash)?.ok_or_else(|| {
            missing(crate::t!(
                "node.core.object.submission",
                hash = hash.short()
            ))
        })?;
        let payload = held.submission.payload();
        let review = if self.is_accepted(payload.key, hash) {
            ReviewState::Accepted
        } else if self
            .latest_submissions
            .get(&payload.key)
            .map(|latest| latest.submission.hash())
            == Some(*hash)
        {
            self.document_review(payload.key).review
        } else {
            ReviewState::Submitted
        };
        Ok(Contribution {
            node: payload.key.owner,
            kind: "submission".to_owned(),
            sequence: payload.sequence,
            hash: hash.to_hex(),
            signer: payload.key.owner,
            signed_at_ms: payload.time_ms,
            value: held.figures.get(figure),
            submitted_by: payload.submitted_by.clone(),
            decision: match review {
                ReviewState::Accepted | ReviewState::Returned { .. } => {
                    self.standing_decision(payload.key, hash)
                }
                ReviewState::Missing | ReviewState::Submitted => None,
            },
            review: Some(review),
            inputs: Vec::new(),
        })
    }
}

/// An input a held rollup names but the store lacks.
fn missing(what: impl Into<String>) -> CoreError {
    CoreError::CorruptObject {
        what: what.into(),
        reason: crate::t!("node.core.reason.input_not_stored").into_owned(),
    }
}
