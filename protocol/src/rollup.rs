//! Rollups: a node's signed consolidated figures for one ledger and period, listing exactly which
//! signed objects they were added up from.
//!
//! A node's rollup adds its own latest submission and, for each child, that child's contribution:
//! a leaf contributes its latest submission, a node with children its latest rollup. Figures are
//! additive quantities (sums and counts), so adding them level by level is exact. The same
//! [`consolidate`] function makes a rollup and checks one received from a child: a parent
//! recomputes the sum from the inputs it already holds and verified, and refuses a mismatch.

use schemas::figures::Figures;
use schemas::{Ledger, Period};
use serde::{Deserialize, Serialize};
use topology::{DivisionCode, Topology};

use crate::limits::{MAX_FIGURES_PER_ROLLUP, MAX_INPUTS_PER_ROLLUP, MAX_TEXT_BYTES};
use crate::signed::{ObjectHash, SignedPayload};

/// Which kind of signed object an input is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum InputKind {
    Submission,
    Rollup,
}

/// One signed object a rollup was computed from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct RollupInput {
    /// The node that signed the input: the rollup's own node or one of its children.
    pub node: DivisionCode,
    pub kind: InputKind,
    pub hash: ObjectHash,
}

/// A node's consolidated figures for one ledger and period.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Rollup {
    pub node: DivisionCode,
    pub ledger: Ledger,
    pub period: Period,
    /// Increases by one each time this node's figures for the ledger and period change.
    pub sequence: u64,
    /// The node's wall clock when it signed, in milliseconds since the Unix epoch.
    pub time_ms: i64,
    /// Sum of the inputs' figures.
    pub figures: Figures,
    /// The inputs, sorted by node; provenance of every figure.
    pub inputs: Vec<RollupInput>,
}

impl SignedPayload for Rollup {
    const DOMAIN: &'static [u8] = b"huizong/rollup/1\0";
    const MAX_ENVELOPE_BYTES: usize = crate::limits::MAX_ROLLUP_ENVELOPE_BYTES;

    fn signer(&self) -> DivisionCode {
        self.node
    }

    fn encode(&self) -> Result<Vec<u8>, String> {
        crate::signed::encode_serde(self)
    }

    /// A rollup has one form.
    fn decode(bytes: &[u8]) -> Result<(Self, &'static [u8]), String> {
        Ok((crate::encoding::decode_exact(bytes)?, Self::DOMAIN))
    }

    /// Checks: bounded inputs, sorted by node with at most one per node; bounded figures with
    /// names of bounded length; a sequence of at least one.
    fn check(&self) -> Result<(), String> {
        if self.inputs.len() > MAX_INPUTS_PER_ROLLUP {
            return Err(format!(
                "a rollup lists at most {MAX_INPUTS_PER_ROLLUP} inputs, this one {}",
                self.inputs.len()
            ));
        }
        if !self
            .inputs
            .windows(2)
            .all(|pair| pair[0].node < pair[1].node)
        {
            return Err("rollup inputs must be sorted by node, one per node".to_owned());
        }
        if self.figures.len() > MAX_FIGURES_PER_ROLLUP {
            return Err(format!(
                "a rollup carries at most {MAX_FIGURES_PER_ROLLUP} figures, this one {}",
                self.figures.len()
            ));
        }
        if self
            .figures
            .iter()
            .any(|(name, _)| name.is_empty() || name.len() > MAX_TEXT_BYTES)
        {
            return Err("figure names must be 1 to 1024 bytes".to_owned());
        }
        if self.sequence == 0 {
            return Err("rollup sequence numbers start at 1".to_owned());
        }
        Ok(())
    }
}

/// Why a set of inputs does not make a rollup of `node`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConsolidationError {
    #[error("input from {input} is neither {node} nor one of its children")]
    NotAChild {
        node: DivisionCode,
        input: DivisionCode,
    },
    #[error("the figures of {input} cannot be added: {reason}")]
    Figures { input: DivisionCode, reason: String },
    #[error("{input} is listed more than once")]
    Duplicate { input: DivisionCode },
    #[error("input from {input} should be a {expected:?}: {input} {reason}")]
    WrongKind {
        input: DivisionCode,
        expected: InputKind,
        reason: &'static str,
    },
}

/// The kind of contribution `input` makes to `node`'s rollup: its own submission, a leaf child's
/// submission, or an inner child's rollup.
pub fn expected_kind(
    topology: &Topology,
    node: DivisionCode,
    input: DivisionCode,
) -> Result<InputKind, ConsolidationError> {
    if input == node {
        return Ok(InputKind::Submission);
    }
    if topology.parent_of(input) != Some(node) {
        return Err(ConsolidationError::NotAChild { node, input });
    }
    if topology.children_of(input).is_empty() {
        Ok(InputKind::Submission)
    } else {
        Ok(InputKind::Rollup)
    }
}

/// Adds up the inputs' figures, checking that each input is of the kind the tree calls for. The
/// inputs come back sorted by node.
pub fn consolidate(
    topology: &Topology,
    node: DivisionCode,
    inputs: Vec<(RollupInput, &Figures)>,
) -> Result<(Vec<RollupInput>, Figures), ConsolidationError> {
    let mut sorted = inputs;
    sorted.sort_by_key(|(input, _)| input.node);
    let mut figures = Figures::default();
    let mut listed = Vec::with_capacity(sorted.len());
    for (input, input_figures) in sorted {
        if listed
            .last()
            .is_some_and(|previous: &RollupInput| previous.node == input.node)
        {
            return Err(ConsolidationError::Duplicate { input: input.node });
        }
        let expected = expected_kind(topology, node, input.node)?;
        if expected != input.kind {
            return Err(ConsolidationError::WrongKind {
                input: input.node,
                expected,
                reason: if expected == InputKind::Rollup {
                    "has children"
                } else {
                    "is a leaf or the node itself"
                },
            });
        }
        figures
            .add(input_figures)
            .map_err(|error| ConsolidationError::Figures {
                input: input.node,
                reason: error.to_string(),
            })?;
        listed.push(input);
    }
    Ok((listed, figures))
}
