//! Confirmations: the owner's signed word that a returned submission is correct as it stands.
//!
//! A reviewer returns a submission; the clerk checks it and finds nothing to correct. Submitting
//! the same data again would sign the same heads, which the tree already holds. Instead the owner
//! writes a confirmation into the document, beside the tables:
//!
//! ```text
//! ROOT
//! └── confirmations: map
//!     └── <sequence>: map          the sequence of the submission confirmed, as decimal text
//!         ├── reason: "…"          why it stands (1 to CONFIRMATION_REASON_CHARS_MAX characters)
//!         ├── by: "张三"           who confirmed (1 to CONFIRMED_BY_CHARS_MAX characters)
//!         └── time_ms: 1760000000000
//! ```
//!
//! The confirmation is an ordinary change of the document, so the next submission signs new heads
//! and travels up and is reviewed like any other; its records are those of the submission it
//! confirms. Documents come from peers: every entry is checked when the document is read.

use automerge::transaction::Transactable;
use automerge::{Automerge, ObjType, ROOT, ReadDoc, ScalarValue, Value};
use serde::{Deserialize, Serialize};

use super::{DocumentError, commit_options_by, get_map};
use crate::i18n::{display_in_current_language, shown};
use crate::t;

/// The root key of the confirmations map.
pub const CONFIRMATIONS: &str = "confirmations";

/// Longest reason of a confirmation, in characters.
pub const CONFIRMATION_REASON_CHARS_MAX: usize = 500;

/// Longest name of whoever confirmed, in characters.
pub const CONFIRMED_BY_CHARS_MAX: usize = 64;

/// Most confirmations a document may hold (one per returned submission, so far beyond any use).
pub const CONFIRMATIONS_MAX: usize = 1_000;

/// One confirmation: a submission stands unchanged, why, who said so and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Confirmation {
    /// The sequence of the submission confirmed.
    pub confirms: u64,
    pub reason: String,
    pub by: String,
    pub time_ms: i64,
}

/// Why a confirmation cannot be written or read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfirmationError {
    /// The reason is empty.
    EmptyReason,
    /// The reason is longer than the limit.
    ReasonTooLong { chars: usize },
    /// The name is empty or longer than the limit.
    BadName { chars: usize },
    /// The document already confirms that submission.
    AlreadyConfirmed { sequence: u64 },
    /// An entry of a peer's document is not a confirmation.
    Malformed { entry: String, reason: String },
    /// A peer's document holds more confirmations than any use needs.
    TooMany { count: usize },
}

impl ConfirmationError {
    /// What is wrong, in a language of the catalogues.
    pub fn localized(&self, locale: &str) -> String {
        match self {
            ConfirmationError::EmptyReason => {
                t!("schemas.confirmation.empty_reason", locale = locale)
            }
            ConfirmationError::ReasonTooLong { chars } => t!(
                "schemas.confirmation.reason_too_long",
                locale = locale,
                chars = chars,
                max = CONFIRMATION_REASON_CHARS_MAX
            ),
            ConfirmationError::BadName { chars } => t!(
                "schemas.confirmation.bad_name",
                locale = locale,
                chars = chars,
                max = CONFIRMED_BY_CHARS_MAX
            ),
            ConfirmationError::AlreadyConfirmed { sequence } => t!(
                "schemas.confirmation.already_confirmed",
                locale = locale,
                sequence = sequence
            ),
            ConfirmationError::Malformed { entry, reason } => t!(
                "schemas.confirmation.malformed",
                locale = locale,
                entry = shown(entry),
                reason = reason
            ),
            ConfirmationError::TooMany { count } => t!(
                "schemas.confirmation.too_many",
                locale = locale,
                count = count,
                max = CONFIRMATIONS_MAX
            ),
        }
        .into_owned()
    }
}

display_in_current_language!(ConfirmationError);

/// Reads and checks every confirmation of a document, in the order of the sequences confirmed.
pub fn read_confirmations<D: ReadDoc>(doc: &D) -> Result<Vec<Confirmation>, DocumentError> {
    let Some(map) = get_map(doc, &ROOT, CONFIRMATIONS, || CONFIRMATIONS.to_owned())? else {
        return Ok(Vec::new());
    };
    let count = doc.length(&map);
    if count > CONFIRMATIONS_MAX {
        return Err(ConfirmationError::TooMany { count }.into());
    }
    let mut confirmations = Vec::with_capacity(count);
    for item in doc.map_range(&map, ..) {
        let entry = item.key.to_string();
        let malformed = |reason: &str| ConfirmationError::Malformed {
            entry: entry.clone(),
            reason: reason.to_owned(),
        };
        let confirms: u64 = entry
            .parse()
            .ok()
            .filter(|sequence: &u64| sequence.to_string() == entry)
            .ok_or_else(|| malformed("sequence"))?;
        let entry_map = get_map(doc, &map, &entry, || format!("{CONFIRMATIONS}.{entry}"))?
            .ok_or_else(|| malformed("map"))?;
        let text = |field: &str| -> Result<String, ConfirmationError> {
            match doc.get(&entry_map, field) {
                Ok(Some((Value::Scalar(scalar), _))) => match scalar.as_ref() {
                    ScalarValue::Str(text) => Ok(text.to_string()),
                    _ => Err(malformed(field)),
                },
                _ => Err(malformed(field)),
            }
        };
        let reason = text("reason")?;
        let by = text("by")?;
        let time_ms = match doc.get(&entry_map, "time_ms") {
            Ok(Some((Value::Scalar(scalar), _))) => match scalar.as_ref() {
                ScalarValue::Int(time) => *time,
                _ => return Err(malformed("time_ms").into()),
            },
            _ => return Err(malformed("time_ms").into()),
        };
        if doc.length(&entry_map) != 3 {
            return Err(malformed("fields").into());
        }
        let confirmation = Confirmation {
            confirms,
            reason,
            by,
            time_ms,
        };
        check(&confirmation)?;
        confirmations.push(confirmation);
    }
    confirmations.sort_by_key(|confirmation| confirmation.confirms);
    Ok(confirmations)
}

fn check(confirmation: &Confirmation) -> Result<(), ConfirmationError> {
    let reason = confirmation.reason.trim();
    if reason.is_empty() {
        return Err(ConfirmationError::EmptyReason);
    }
    let chars = confirmation.reason.chars().count();
    if chars > CONFIRMATION_REASON_CHARS_MAX {
        return Err(ConfirmationError::ReasonTooLong { chars });
    }
    let chars = confirmation.by.chars().count();
    if chars == 0 || chars > CONFIRMED_BY_CHARS_MAX {
        return Err(ConfirmationError::BadName { chars });
    }
    Ok(())
}

/// Writes a confirmation in one change at its time, the change's message naming who confirmed.
pub fn write_confirmation(
    doc: &mut Automerge,
    confirmation: &Confirmation,
) -> Result<(), DocumentError> {
    check(confirmation)?;
    let existing = read_confirmations(doc)?;
    if existing
        .iter()
        .any(|held| held.confirms == confirmation.confirms)
    {
        return Err(ConfirmationError::AlreadyConfirmed {
            sequence: confirmation.confirms,
        }
        .into());
    }
    if existing.len() >= CONFIRMATIONS_MAX {
        return Err(ConfirmationError::TooMany {
            count: existing.len() + 1,
        }
        .into());
    }
    let mut transaction = doc.transaction();
    let map = match transaction.get(&ROOT, CONFIRMATIONS)? {
        Some((Value::Object(ObjType::Map), id)) => id,
        _ => transaction.put_object(&ROOT, CONFIRMATIONS, ObjType::Map)?,
    };
    let entry = transaction.put_object(&map, confirmation.confirms.to_string(), ObjType::Map)?;
    transaction.put(&entry, "reason", confirmation.reason.trim())?;
    transaction.put(&entry, "by", confirmation.by.as_str())?;
    transaction.put(&entry, "time_ms", ScalarValue::Int(confirmation.time_ms))?;
    transaction.commit_with(commit_options_by(
        confirmation.time_ms,
        Some(&confirmation.by),
    ));
    Ok(())
}
