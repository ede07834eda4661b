//! Consolidation: this node's rollup for a ledger and period, from its own latest submission and
//! its children's contributions, and the coverage of a rollup (which nodes' submissions it
//! reaches down to).

use std::borrow::Cow;
use std::collections::BTreeSet;

use protocol::rollup::{InputKind, RollupInput, consolidate};
use protocol::{AcceptedSubmission, DocumentKey, Event, Rollup, Signed};
use schemas::figures::Figures;
use schemas::{Ledger, Period};
use serde::Serialize;
use topology::DivisionCode;

use super::{CoreError, NodeCore, object_hash};
use crate::store::Tree;

/// Which nodes' submissions a rollup reaches down to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Coverage {
    /// Nodes whose own submission is included, at any depth.
    pub included: BTreeSet<DivisionCode>,
    /// The submissions included, at any depth.
    pub submissions: BTreeSet<protocol::ObjectHash>,
    /// Rollups named as inputs that this node does not hold (should be empty).
    pub unresolved: Vec<String>,
}

impl NodeCore {
    /// Recomputes this node's rollup for (ledger, period). Signs and stores a new one only when
    /// the inputs changed; returns it. A node without children keeps no rollup: its parent adds
    /// its submission directly.
    ///
    /// When it fails (the rollup cannot be stored on a full disk), (ledger, period) is remembered
    /// and consolidated again with the next session event
    /// ([`NodeCore::consolidate_unfinished`]), so an input stored just before the failure is not
    /// left out of the rollup until the node restarts.
    pub fn consolidate(
        &mut self,
        ledger: Ledger,
        period: Period,
        now_ms: i64,
    ) -> Result<Option<Signed<Rollup>>, CoreError> {
        let result = self.consolidate_once(ledger, period, now_ms);
        if result.is_ok() {
            self.unfinished_consolidations.remove(&(ledger, period));
        } else {
            self.unfinished_consolidations.insert((ledger, period));
        }
        result
    }

    /// Consolidates again every (ledger, period) whose last consolidation failed; returns how
    /// many rollups changed. Stops at the first failure, which stays remembered.
    pub fn consolidate_unfinished(&mut self, now_ms: i64) -> Result<usize, CoreError> {
        let unfinished: Vec<(Ledger, Period)> =
            self.unfinished_consolidations.iter().copied().collect();
        let mut changed = 0;
        for (ledger, period) in unfinished {
            if self.consolidate(ledger, period, now_ms)?.is_some() {
                changed += 1;
            }
        }
        Ok(changed)
    }

    fn consolidate_once(
        &mut self,
        ledger: Ledger,
        period: Period,
        now_ms: i64,
    ) -> Result<Option<Signed<Rollup>>, CoreError> {
        let children = self.topology.children_of(self.code).to_vec();
        if children.is_empty() {
            return Ok(None);
        }
        // Submissions are owned here: while the period is closed, the one that counts may be an
        // older one loaded from the store.
        let mut counted: Vec<(DivisionCode, Cow<'_, AcceptedSubmission>)> = Vec::new();
        let mut rollups: Vec<(DivisionCode, &Signed<Rollup>)> = Vec::new();
        for node in std::iter::once(self.code).chain(children.iter().copied()) {
            let is_leaf_child = node != self.code && self.topology.children_of(node).is_empty();
            if node == self.code || is_leaf_child {
                if let Some(held) =
                    self.counted_submission(&DocumentKey::new(node, ledger, period))?
                {
                    counted.push((node, held));
                }
            } else if let Some(rollup) = self.latest_rollups.get(&(node, ledger, period)) {
                rollups.push((node, rollup));
            }
        }
        let mut inputs: Vec<(RollupInput, &Figures)> = Vec::with_capacity(children.len() + 1);
        for (node, held) in &counted {
            inputs.push((
                RollupInput {
                    node: *node,
                    kind: InputKind::Submission,
                    hash: held.submission.hash(),
                },
                &held.figures,
            ));
        }
        for (node, rollup) in &rollups {
            inputs.push((
                RollupInput {
                    node: *node,
                    kind: InputKind::Rollup,
                    hash: rollup.hash(),
                },
                &rollup.payload().figures,
            ));
        }
        if inputs.is_empty() {
            return Ok(None);
        }
        let previous = self.latest_rollups.get(&(self.code, ledger, period));
        if let Some(previous) = previous {
            // Most calls change nothing (a rollup page names many rollups of one ledger): compare
            // the inputs before adding their figures.
            let mut unchanged: Vec<RollupInput> = inputs.iter().map(|(input, _)| *input).collect();
            unchanged.sort_by_key(|input| input.node);
            if previous.payload().inputs == unchanged {
                return Ok(None);
            }
        }
        let (listed, figures) =
            consolidate(&self.topology, self.code, inputs).map_err(|error| {
                CoreError::Consolidation {
                    node: self.code,
                    ledger,
                    period,
                    reason: error.to_string(),
                }
            })?;
        let rollup = Rollup {
            node: self.code,
            ledger,
            period,
            sequence: self.next_sequence(previous.map(|previous| previous.payload().sequence)),
            time_ms: now_ms,
            figures,
            inputs: listed,
        };
        let signed = Signed::sign(rollup, &self.signing_key, &self.topology)?;
        self.put_rollup(signed.clone())?;
        self.rollups_made += 1;
        tracing::info!(
            node = %self.code,
            ledger = %ledger,
            period = %period,
            sequence = signed.payload().sequence,
            inputs = signed.payload().inputs.len(),
            "rollup made"
        );
        Ok(Some(signed))
    }

    /// The submission of a document that counts in rollups: the latest held, or, while the root
    /// has the period closed, the latest that reached the tree before the closing (see
    /// `receipts`; a later one is a late correction, held but not counted until the period is
    /// reopened).
    pub fn counted_submission(
        &self,
        key: &DocumentKey,
    ) -> Result<Option<Cow<'_, AcceptedSubmission>>, CoreError> {
        let latest = self.latest_submissions.get(key);
        let Some(lock) = self.closing_lock(key.ledger, key.period) else {
            return Ok(latest.map(Cow::Borrowed));
        };
        if let Some(held) = latest
            && self.counts_while_closed(held, lock)
        {
            return Ok(Some(Cow::Borrowed(held)));
        }
        let mut best: Option<AcceptedSubmission> = None;
        for (hash, _) in self.store.scan_prefix(Tree::Submissions, &[])? {
            let hash = object_hash(&hash, &crate::t!("node.core.object.submission_key"))?;
            let Some(held) = self.load_submission(&hash)? else {
                continue;
            };
            let payload = held.submission.payload();
            if payload.key == *key
                && self.counts_while_closed(&held, lock)
                && best
                    .as_ref()
                    .is_none_or(|best| best.submission.payload().sequence < payload.sequence)
            {
                best = Some(held);
            }
        }
        Ok(best.map(Cow::Owned))
    }

    /// Brings every rollup of this node up to date with the inputs it holds, returning how many
    /// changed. Run when the node starts: it may have stopped between storing an input and
    /// consolidating it, and nothing else would notice.
    pub fn consolidate_all(&mut self, now_ms: i64) -> Result<usize, CoreError> {
        let ledger_periods: BTreeSet<(Ledger, Period)> = self
            .latest_submissions
            .keys()
            .map(|key| (key.ledger, key.period))
            .chain(
                self.latest_rollups
                    .keys()
                    .map(|(_, ledger, period)| (*ledger, *period)),
            )
            .collect();
        let mut changed = 0;
        for (ledger, period) in ledger_periods {
            if self.consolidate(ledger, period, now_ms)?.is_some() {
                changed += 1;
            }
        }
        Ok(changed)
    }

    /// Acts on what a session stored or refused: a stored submission or rollup may change this
    /// node's rollup for its ledger and period; a refusal is counted. Any event first retries the
    /// consolidations a failed write left unfinished.
    pub fn apply_session_event(&mut self, event: &Event, now_ms: i64) -> Result<(), CoreError> {
        self.set_wall_clock(now_ms);
        // A failed retry stays remembered and must not keep this event from being acted on.
        let retried = self.consolidate_unfinished(now_ms);
        match event {
            // Only our own submission and our children's contributions are inputs of our rollup;
            // a deeper node's object only passes through.
            Event::SubmissionStored { key, .. } if self.is_input_node(key.owner) => {
                self.consolidate(key.ledger, key.period, now_ms)?;
            }
            Event::RollupStored {
                node,
                ledger,
                period,
                ..
            } if self.is_input_node(*node) => {
                self.consolidate(*ledger, *period, now_ms)?;
            }
            Event::SubmissionStored { .. } | Event::RollupStored { .. } => {}
            Event::Refused(_) => self.count_refusal()?,
            // A definition or a lock may change which submissions count, and a new topology
            // which nodes are children.
            Event::NoticeStored { key: None, .. } | Event::TopologyAdopted { .. } => {
                self.consolidate_all(now_ms)?;
            }
            // A receipt of an input decides whether it counts while its period is closed.
            Event::NoticeStored { key: Some(key), .. }
                if self.is_input_node(key.owner)
                    && self.closing_lock(key.ledger, key.period).is_some() =>
            {
                self.consolidate(key.ledger, key.period, now_ms)?;
            }
            Event::RecoveryAnswered {
                child,
                answered,
                notices,
                protocol_version,
                ..
            } => {
                let answer = if *answered {
                    super::recovery::ChildRecovery::Answered {
                        notices: *notices,
                        at_ms: now_ms,
                    }
                } else {
                    super::recovery::ChildRecovery::CannotAnswer {
                        protocol_version: *protocol_version,
                        at_ms: now_ms,
                    }
                };
                if self.record_recovery_answer(*child, answer)?.is_some() {
                    // What came back may change which submissions count.
                    self.consolidate_all(now_ms)?;
                }
            }
            Event::Opened { .. } | Event::Settled { .. } | Event::NoticeStored { .. } => {}
        }
        retried.map(|_| ())
    }

    /// Whether objects of `node` can be inputs of this node's rollups: ours and our children's.
    fn is_input_node(&self, node: DivisionCode) -> bool {
        node == self.code || self.topology.parent_of(node) == Some(self.code)
    }

    /// The nodes whose submissions a rollup of `node` includes, following rollup inputs down.
    pub fn coverage(&self, node: DivisionCode, ledger: Ledger, period: Period) -> Coverage {
        let mut coverage = Coverage::default();
        if self.topology.children_of(node).is_empty() {
            if let Some(accepted) = self
                .latest_submissions
                .get(&DocumentKey::new(node, ledger, period))
            {
                coverage.included.insert(node);
                coverage.submissions.insert(accepted.submission.hash());
            }
            return coverage;
        }
        let Some(rollup) = self.latest_rollups.get(&(node, ledger, period)) else {
            return coverage;
        };
        let mut pending: Vec<RollupInput> = rollup.payload().inputs.clone();
        while let Some(input) = pending.pop() {
            match input.kind {
                InputKind::Submission => {
                    coverage.included.insert(input.node);
                    coverage.submissions.insert(input.hash);
                }
                InputKind::Rollup => {
                    let held = self
                        .latest_rollups
                        .get(&(input.node, ledger, period))
                        .filter(|held| held.hash() == input.hash)
                        .cloned()
                        .or_else(|| self.load_rollup(&input.hash).ok().flatten());
                    match held {
                        Some(held) => pending.extend(held.payload().inputs.iter().copied()),
                        None => coverage.unresolved.push(format!(
                            "rollup {} of {}",
                            input.hash.short(),
                            input.node
                        )),
                    }
                }
            }
        }
        coverage
    }

    /// This node's consolidated figures for (ledger, period): its rollup when it has children,
    /// otherwise the figures of its own latest submission.
    pub fn consolidated_figures(&self, ledger: Ledger, period: Period) -> Option<Figures> {
        self.figures_of(self.code, ledger, period)
    }

    /// The consolidated figures held for any node of the tree: its latest rollup when it has
    /// children, otherwise the figures of its latest submission.
    pub fn figures_of(
        &self,
        node: DivisionCode,
        ledger: Ledger,
        period: Period,
    ) -> Option<Figures> {
        if self.topology.children_of(node).is_empty() {
            self.latest_submissions
                .get(&DocumentKey::new(node, ledger, period))
                .map(|accepted| accepted.figures.clone())
        } else {
            self.latest_rollups
                .get(&(node, ledger, period))
                .map(|rollup| rollup.payload().figures.clone())
        }
    }

    /// The figures of a node's own latest submission (its own level, 本级), if held.
    pub fn own_level_figures_of(
        &self,
        node: DivisionCode,
        ledger: Ledger,
        period: Period,
    ) -> Option<Figures> {
        self.latest_submissions
            .get(&DocumentKey::new(node, ledger, period))
            .map(|accepted| accepted.figures.clone())
    }
}
