//! The authorization rules: who may send which object, and when a received document may be stored.
//!
//! - A node accepts objects signed by `signer` from peer `peer` only when `peer` is its child and
//!   `signer` lies in `peer`'s subtree: a county cannot speak for a sibling, a city not for another
//!   city's counties.
//! - A document replica is stored only when its heads are exactly the heads its owner signed, its
//!   metadata names the submitted key, and the records in it count and add up to what was signed.
//! - A rollup is stored only when its inputs are what the tree calls for, every input is already
//!   held (and was itself checked), and its figures are exactly the sum of the inputs' figures.

use automerge::{Automerge, ReadDoc};
use schemas::figures::Figures;
use schemas::{Ledger, Period, coefficients, document};
use topology::{DivisionCode, Topology};

use crate::refusal::RefusalReason;
use crate::replicas::Replicas;
use crate::rollup::{InputKind, Rollup, RollupInput, consolidate};
use crate::submission::Submission;

/// `local` may accept from `peer` an object signed by `signer` only if `peer` is a child of
/// `local` and `signer` is in `peer`'s subtree.
pub fn check_relayed_by_child(
    topology: &Topology,
    local: DivisionCode,
    peer: DivisionCode,
    signer: DivisionCode,
) -> Result<(), RefusalReason> {
    if topology.parent_of(peer) == Some(local) && topology.is_in_subtree(peer, signer) {
        Ok(())
    } else {
        Err(RefusalReason::NotInPeerSubtree { signer, peer })
    }
}

/// How a document's history relates to the heads of a submission.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coverage {
    /// Some signed heads are not in the document yet.
    Incomplete,
    /// The document's heads are exactly the signed heads: every change in it is covered.
    Exact,
    /// Every signed head is present but the document has more: changes no signature covers,
    /// applied or waiting in automerge's queue for dependencies that will never come.
    Exceeds,
}

/// Whether automerge holds changes it could not apply because their dependencies are missing.
/// Such changes are outside the document's heads, so no signature covers them.
pub fn has_queued_changes(document: &Automerge) -> bool {
    !document.get_missing_deps(&[]).is_empty()
}

/// Compares a document's heads with a submission's.
pub fn coverage(document: &Automerge, submission: &Submission) -> Coverage {
    let signed = submission.change_hashes();
    let heads = document.get_heads();
    if Submission::heads_from(&heads) == submission.heads {
        return if has_queued_changes(document) {
            Coverage::Exceeds
        } else {
            Coverage::Exact
        };
    }
    let all_present = signed
        .iter()
        .all(|head| document.get_change_meta_by_hash(head).is_some());
    if all_present {
        Coverage::Exceeds
    } else {
        Coverage::Incomplete
    }
}

/// Checks the content of a document that is exactly at a submission's heads and returns the
/// figures computed from it.
pub fn check_document(
    document: &Automerge,
    submission: &Submission,
) -> Result<Figures, RefusalReason> {
    let meta = document::read_meta(document).map_err(|error| RefusalReason::MalformedDocument {
        reason: error.to_string(),
    })?;
    if meta.owner != submission.key.owner
        || meta.ledger != submission.key.ledger
        || meta.period != submission.key.period
    {
        return Err(RefusalReason::WrongDocument {
            found: format!("{}/{}/{}", meta.owner, meta.ledger, meta.period),
        });
    }
    let records =
        document::read_records(document).map_err(|error| RefusalReason::MalformedDocument {
            reason: error.to_string(),
        })?;
    if records.len() as u64 != submission.n_records {
        return Err(RefusalReason::RecordCountMismatch {
            signed: submission.n_records,
            found: records.len() as u64,
        });
    }
    let table = coefficients::by_version(&submission.coefficients_version).ok_or_else(|| {
        RefusalReason::UnknownCoefficients {
            version: submission.coefficients_version.clone(),
        }
    })?;
    let computed = schemas::compute(
        submission.key.ledger,
        submission.key.period,
        &records,
        table,
    )
    .map_err(|error| RefusalReason::FiguresUncomputable {
        reason: error.to_string(),
    })?;
    // The owner's node refuses to submit records that break a rule spanning records; a peer that
    // signs them anyway is refused here. Year-on-year rules need the previous year, which the
    // parent may not hold, so they are the owner's to enforce.
    let context = schemas::ledgers::CheckContext {
        owner: submission.key.owner,
        period: submission.key.period,
        previous: None,
        options: Default::default(),
    };
    if let Some(finding) = schemas::ledgers::check(submission.key.ledger, &records, &context)
        .into_iter()
        .find(|finding| finding.severity == schemas::returns::Severity::Error)
    {
        return Err(RefusalReason::RecordsBreakRules {
            finding: format!(
                "{} {}: {}",
                finding.table, finding.record_id, finding.message
            ),
        });
    }
    if computed.digest() != submission.figures_digest {
        return Err(RefusalReason::FiguresDigestMismatch);
    }
    Ok(computed)
}

/// Checks a rollup against the inputs this node already holds: each input is of the kind the tree
/// calls for, is held, and the figures are exactly their sum.
pub fn check_rollup<R: Replicas>(rollup: &Rollup, replicas: &R) -> Result<(), RefusalReason> {
    check_rollup_against(rollup, replicas.topology(), |input| {
        Ok(match input.kind {
            InputKind::Submission => replicas
                .submission_by_hash(&input.hash)
                .map_err(|failure| RefusalReason::Storage { reason: failure.0 })?
                .map(|held| {
                    let key = held.submission.payload().key;
                    (key.owner, key.ledger, key.period, held.figures)
                }),
            InputKind::Rollup => replicas
                .rollup_by_hash(&input.hash)
                .map_err(|failure| RefusalReason::Storage { reason: failure.0 })?
                .map(|held| {
                    let payload = held.payload();
                    (
                        payload.node,
                        payload.ledger,
                        payload.period,
                        payload.figures.clone(),
                    )
                }),
        })
    })
}

/// Checks that a rollup lists exactly the inputs that count now at this node: for its signer and
/// each of the signer's leaf children, the counted submission (the latest, or the latest that
/// reached the tree before the root closed the period); for each inner child, the latest rollup
/// held. A rollup built on an input that is stale, superseded or left out is refused, not merely
/// one built on an input this node lacks.
pub fn check_counted_inputs<R: Replicas>(
    rollup: &Rollup,
    replicas: &R,
) -> Result<(), RefusalReason> {
    let topology = replicas.topology();
    let storage =
        |failure: crate::replicas::StoreFailure| RefusalReason::Storage { reason: failure.0 };
    let contributors =
        std::iter::once(rollup.node).chain(topology.children_of(rollup.node).iter().copied());
    for node in contributors {
        let counted = match crate::rollup::expected_kind(topology, rollup.node, node) {
            Ok(InputKind::Submission) => replicas
                .counted_submission_hash(&crate::key::DocumentKey::new(
                    node,
                    rollup.ledger,
                    rollup.period,
                ))
                .map_err(storage)?
                .map(|hash| (InputKind::Submission, hash)),
            Ok(InputKind::Rollup) => replicas
                .latest_rollup(node, rollup.ledger, rollup.period)
                .map_err(storage)?
                .map(|held| (InputKind::Rollup, held.hash())),
            Err(error) => {
                return Err(RefusalReason::RollupInputsInvalid {
                    reason: error.to_string(),
                });
            }
        };
        let listed = rollup
            .inputs
            .iter()
            .find(|input| input.node == node)
            .map(|input| (input.kind, input.hash));
        if listed != counted {
            let reason = match (listed, counted) {
                (Some(_), None) => "it lists an input where none counts here".to_owned(),
                (None, Some((_, hash))) => {
                    format!("it leaves out {} which counts here", hash.short())
                }
                (Some((_, listed)), Some((_, counted))) => format!(
                    "it lists {} where {} counts here",
                    listed.short(),
                    counted.short()
                ),
                (None, None) => unreachable!("equal"),
            };
            return Err(RefusalReason::RollupInputNotCounted {
                input: node,
                reason,
            });
        }
    }
    Ok(())
}

/// What a held input is: its node, ledger, period and figures.
pub type HeldInput = (DivisionCode, Ledger, Period, Figures);

/// Checks a rollup against held inputs found by `held`, which looks an input up by its kind and
/// hash: every input must be held, be about the rollup's ledger and period and the node it names,
/// and the figures must be exactly their sum as the tree calls for.
pub fn check_rollup_against(
    rollup: &Rollup,
    topology: &Topology,
    mut held: impl FnMut(&RollupInput) -> Result<Option<HeldInput>, RefusalReason>,
) -> Result<(), RefusalReason> {
    let mut found = Vec::with_capacity(rollup.inputs.len());
    for input in &rollup.inputs {
        let figures = held(input)?
            .filter(|(node, ledger, period, _)| {
                *node == input.node && *ledger == rollup.ledger && *period == rollup.period
            })
            .map(|(_, _, _, figures)| figures)
            .ok_or_else(|| RefusalReason::RollupInputMissing {
                input: format!(
                    "{:?} {} from {}",
                    input.kind,
                    input.hash.short(),
                    input.node
                ),
            })?;
        found.push((*input, figures));
    }
    let (_, sum) = consolidate(
        topology,
        rollup.node,
        found
            .iter()
            .map(|(input, figures)| (*input, figures))
            .collect(),
    )
    .map_err(|error| RefusalReason::RollupInputsInvalid {
        reason: error.to_string(),
    })?;
    if sum != rollup.figures {
        let figure = first_difference(&sum, &rollup.figures);
        return Err(RefusalReason::RollupFiguresMismatch { figure });
    }
    Ok(())
}

/// The name of the first figure on which two sets differ, for error messages.
pub fn first_difference(left: &Figures, right: &Figures) -> String {
    left.iter()
        .map(|(name, _)| name)
        .chain(right.iter().map(|(name, _)| name))
        .find(|name| left.get(name) != right.get(name))
        .map(|name| name.to_string())
        .unwrap_or_else(|| "(none)".to_owned())
}
