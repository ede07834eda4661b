//! A node restored from a backup, until its children have given back what it lost.
//!
//! A backup holds the node's store as it was when taken; what the node signed or received after
//! is gone from it. Most of it is held below: the children hold the topology in force, the root's
//! definitions and locks, the node's decisions and receipts about their subtrees, and their
//! latest submissions. So after a restore from a backup the node is *recovering*: each of its
//! sessions with a child first asks the child for those (the protocol's `RecoveryRequest`),
//! and the node refuses to sign a decision, a definition, a lock, a topology or a submission
//! until every child has answered. Its next sequences start above a floor no sequence it signed
//! before can reach (see `restore::sequence_floor_after_restore`), so nothing it signs repeats
//! a sequence it signed after the backup.
//!
//! What nobody below holds cannot come back: the node's own drafts and submissions after the
//! backup, its rollups (made again from the inputs), its accounts' changes. The restore lists
//! them for the operator.

use std::collections::BTreeMap;

use schemas::{Ledger, Period};
use serde::{Deserialize, Serialize};
use topology::DivisionCode;

use super::{CoreError, NodeCore, keys};
use crate::store::{Batch, Durability, Tree};

/// Where a child stands in the recovery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ChildRecovery {
    /// Not yet answered: the node waits for its next session.
    Waiting,
    /// Answered: `notices` of what it sent were new to the node.
    Answered { notices: usize, at_ms: i64 },
    /// Its session speaks a protocol version without recovery: what it holds cannot be asked for
    /// (its offers still bring back its submissions).
    CannotAnswer { protocol_version: u32, at_ms: i64 },
    /// The operator stopped waiting for it (`huizong recovery end`): its machine is gone, say.
    /// What only it held of the node's work after the backup is not taken back.
    GivenUp { by: String, at_ms: i64 },
}

/// The recovery of a node restored from a backup, kept in the store until it ends and after.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecoveryState {
    /// When the backup was taken (Unix milliseconds): the node's own changes after it are lost.
    pub backup_taken_at_ms: i64,
    pub restored_at_ms: i64,
    pub children: BTreeMap<DivisionCode, ChildRecovery>,
}

impl RecoveryState {
    /// Children the node still waits for.
    pub fn waiting(&self) -> Vec<DivisionCode> {
        self.children
            .iter()
            .filter(|(_, state)| **state == ChildRecovery::Waiting)
            .map(|(code, _)| *code)
            .collect()
    }

    pub fn is_finished(&self) -> bool {
        self.waiting().is_empty()
    }
}

/// One of the node's own documents as the backup held it: its edits after the backup are lost.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnDocumentAtBackup {
    pub ledger: Ledger,
    pub period: Period,
    /// The sequence of its latest submission in the backup, if it was ever submitted.
    pub submitted_sequence: Option<u64>,
}

/// What the start of a recovery set, for the operator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecoveryStart {
    /// The sequence the node's next submission and rollup start from.
    pub next_sequence: u64,
    pub own_documents: Vec<OwnDocumentAtBackup>,
    /// The children asked, in their next session, for what they hold.
    pub children: Vec<DivisionCode>,
}

impl NodeCore {
    /// The recovery this node is in or went through, if it was restored from a backup.
    pub fn recovery(&self) -> Option<&RecoveryState> {
        self.recovery.as_ref()
    }

    /// Whether the node still waits for a child's answer (and so signs nothing new).
    pub fn is_recovering(&self) -> bool {
        self.recovery
            .as_ref()
            .is_some_and(|state| !state.is_finished())
    }

    /// Whether the node's session with `child` must ask it for what it holds.
    pub fn is_recovering_from(&self, child: DivisionCode) -> bool {
        self.recovery
            .as_ref()
            .is_some_and(|state| state.children.get(&child) == Some(&ChildRecovery::Waiting))
    }

    /// Starts the recovery of a store just written from a backup: raises the sequence floor
    /// above everything the node may have signed since and waits for every child.
    pub fn begin_recovery(
        &mut self,
        backup_taken_at_ms: i64,
        now_ms: i64,
    ) -> Result<RecoveryStart, CoreError> {
        let own_submission_max = self
            .latest_submissions
            .iter()
            .filter(|(key, _)| key.owner == self.code)
            .map(|(_, accepted)| accepted.submission.payload().sequence)
            .max()
            .unwrap_or(0);
        let own_rollup_max = self
            .latest_rollups
            .iter()
            .filter(|((node, _, _), _)| *node == self.code)
            .map(|(_, rollup)| rollup.payload().sequence)
            .max()
            .unwrap_or(0);
        let floor = super::restore::sequence_floor_after_restore(
            own_submission_max
                .max(own_rollup_max)
                .max(self.sequence_floor.saturating_sub(1)),
            now_ms,
        );
        let children = self.topology.children_of(self.code).to_vec();
        let state = RecoveryState {
            backup_taken_at_ms,
            restored_at_ms: now_ms,
            children: children
                .iter()
                .map(|child| (*child, ChildRecovery::Waiting))
                .collect(),
        };
        let mut own_documents: Vec<OwnDocumentAtBackup> = self
            .own_document_keys()?
            .into_iter()
            .map(|key| OwnDocumentAtBackup {
                ledger: key.ledger,
                period: key.period,
                submitted_sequence: self
                    .latest_submissions
                    .get(&key)
                    .map(|accepted| accepted.submission.payload().sequence),
            })
            .collect();
        own_documents.sort_by_key(|document| (document.ledger, document.period));
        let mut batch = Batch::new();
        batch.put(
            Tree::Meta,
            keys::META_SEQUENCE_FLOOR.to_vec(),
            floor.to_be_bytes().to_vec(),
        );
        batch.put(Tree::Meta, keys::META_RECOVERY.to_vec(), encode(&state));
        self.store.apply(&batch, Durability::Flush)?;
        self.sequence_floor = floor;
        self.recovery = Some(state);
        Ok(RecoveryStart {
            next_sequence: floor,
            own_documents,
            children,
        })
    }

    /// Records a child's answer to the recovery (or that it cannot answer); returns the state
    /// when this answer ended the recovery.
    pub fn record_recovery_answer(
        &mut self,
        child: DivisionCode,
        answer: ChildRecovery,
    ) -> Result<Option<RecoveryState>, CoreError> {
        let Some(state) = self.recovery.as_mut() else {
            return Ok(None);
        };
        if state.children.get(&child) != Some(&ChildRecovery::Waiting) {
            return Ok(None);
        }
        state.children.insert(child, answer);
        let mut batch = Batch::new();
        batch.put(Tree::Meta, keys::META_RECOVERY.to_vec(), encode(state));
        self.store.apply(&batch, Durability::Flush)?;
        Ok(state.is_finished().then(|| state.clone()))
    }

    /// Stops waiting for `child`, or for every child still awaited, as the operator `by` decided;
    /// returns the children given up. The node signs again once none is awaited.
    pub fn give_up_recovery(
        &mut self,
        child: Option<DivisionCode>,
        by: &str,
        now_ms: i64,
    ) -> Result<Vec<DivisionCode>, CoreError> {
        let Some(state) = self.recovery.as_ref() else {
            return Ok(Vec::new());
        };
        let waiting: Vec<DivisionCode> = state
            .waiting()
            .into_iter()
            .filter(|code| child.is_none_or(|child| child == *code))
            .collect();
        for code in &waiting {
            self.record_recovery_answer(
                *code,
                ChildRecovery::GivenUp {
                    by: by.to_owned(),
                    at_ms: now_ms,
                },
            )?;
        }
        Ok(waiting)
    }

    /// Reads the recovery state from the store at start.
    pub(super) fn load_recovery(&mut self) -> Result<(), CoreError> {
        if let Some(bytes) = self.store.get(Tree::Meta, keys::META_RECOVERY)? {
            let state: RecoveryState = serde_json::from_slice(&bytes).map_err(|error| {
                super::corrupt_object(
                    crate::t!("node.core.object.recovery").into_owned(),
                    error.to_string(),
                )
            })?;
            self.recovery = Some(state);
        }
        Ok(())
    }

    /// Refuses an operation that would sign something while the node still recovers.
    pub fn refuse_signing_while_recovering(&self) -> Result<(), CoreError> {
        match &self.recovery {
            Some(state) if !state.is_finished() => Err(CoreError::Recovering {
                waiting: state
                    .waiting()
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(crate::t!("cli.list_separator").as_ref()),
            }),
            _ => Ok(()),
        }
    }
}

fn encode(state: &RecoveryState) -> Vec<u8> {
    serde_json::to_vec(state).expect("a recovery state always encodes")
}
