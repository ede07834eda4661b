//! Checks of a peer's automerge sync messages before automerge sees them.
//!
//! automerge trusts the header of each bloom filter in a message's `have` list: zero bits per
//! entry divides by zero, and a huge probe count allocates gigabytes. A parent never sends changes
//! to its child, so it drops the child's `have` and `need` altogether; a child checks the parent's
//! bloom filters against the bounds below.
//!
//! A child's changes are also made uncompressed before automerge sees them, within the caps of
//! the document being pulled and of the message ([`crate::inflation`]): automerge would otherwise
//! inflate whatever the child compressed, without limit.

use automerge::sync::{BloomFilter, Message as SyncMessage};

use crate::inflation::{DocumentBudget, InflationError};

/// Why a child's sync message was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FromChildError {
    #[error("{0}")]
    Undecodable(String),
    #[error("{0}")]
    Inflation(#[from] InflationError),
}

/// Most bits per entry a bloom filter may use; automerge uses 10.
const BLOOM_BITS_PER_ENTRY_MAX: u64 = 64;
/// Most probes a bloom filter may use; automerge uses 7.
const BLOOM_PROBES_MAX: u64 = 32;
/// Most entries a bloom filter may summarise: changes since the last sync of one document, which
/// even a year of daily edits keeps far below.
const BLOOM_ENTRIES_MAX: u64 = 10_000_000;
/// Most change hashes a message may name as needed.
const NEEDED_HASHES_MAX: usize = 100_000;

/// Reads one unsigned LEB128 number.
fn read_unsigned(bytes: &[u8], position: &mut usize) -> Option<u64> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let byte = *bytes.get(*position)?;
        *position += 1;
        value |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Some(value);
        }
    }
    None
}

/// Checks a bloom filter's header: entries, bits per entry and probes within bounds.
fn check_bloom(bloom: &BloomFilter) -> Result<(), String> {
    let bytes = bloom.to_bytes();
    if bytes.is_empty() {
        return Ok(());
    }
    let mut position = 0;
    let mut field = |name: &str| {
        read_unsigned(&bytes, &mut position)
            .ok_or_else(|| format!("bloom filter {name} unreadable"))
    };
    let entries = field("entries")?;
    let bits_per_entry = field("bits per entry")?;
    let probes = field("probes")?;
    if entries > BLOOM_ENTRIES_MAX {
        return Err(format!("a bloom filter of {entries} entries"));
    }
    if !(1..=BLOOM_BITS_PER_ENTRY_MAX).contains(&bits_per_entry) {
        return Err(format!("a bloom filter of {bits_per_entry} bits per entry"));
    }
    if !(1..=BLOOM_PROBES_MAX).contains(&probes) {
        return Err(format!("a bloom filter of {probes} probes"));
    }
    Ok(())
}

/// Decodes a child's sync message for the parent: what it has and needs is dropped, since the
/// parent only receives, and its changes come out uncompressed, charged to `budget` (the
/// document being pulled) within the per-message cap for `bytes`. Nothing is charged if refused.
pub fn decode_from_child(
    bytes: &[u8],
    budget: &mut DocumentBudget,
) -> Result<SyncMessage, FromChildError> {
    let mut message = SyncMessage::decode(bytes)
        .map_err(|error| FromChildError::Undecodable(error.to_string()))?;
    message.have.clear();
    message.need.clear();
    Ok(budget.rewrite_sync_message(message, bytes.len() as u64)?)
}

/// Decodes a parent's sync message for the child, checking its bloom filters and needs.
pub fn decode_from_parent(bytes: &[u8]) -> Result<SyncMessage, String> {
    let message = SyncMessage::decode(bytes).map_err(|error| error.to_string())?;
    if message.need.len() > NEEDED_HASHES_MAX {
        return Err(format!("{} needed hashes", message.need.len()));
    }
    for have in &message.have {
        check_bloom(&have.bloom)?;
    }
    Ok(message)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message_with_bloom(bloom_bytes: Vec<u8>) -> Vec<u8> {
        // A v1 sync message: type, heads, need, have (last_sync, bloom bytes), changes.
        let mut bytes = vec![0x42, 0, 0, 1, 0];
        bytes.push(bloom_bytes.len() as u8);
        bytes.extend(bloom_bytes);
        bytes.push(0);
        bytes
    }

    #[test]
    fn refuses_bloom_filters_that_would_crash_or_exhaust_automerge() {
        // 3 entries, 0 bits per entry, 7 probes: a division by zero inside automerge.
        let zero_bits = message_with_bloom(vec![3, 0, 7]);
        assert!(
            decode_from_parent(&zero_bits)
                .unwrap_err()
                .contains("bits per entry")
        );
        // 1 entry, 10 bits, 2^32-1 probes: gigabytes allocated per hash.
        let mut huge_probes = vec![1, 10, 0xff, 0xff, 0xff, 0xff, 0x0f];
        huge_probes.extend([0u8; 2]);
        assert!(
            decode_from_parent(&message_with_bloom(huge_probes))
                .unwrap_err()
                .contains("probes")
        );
        // A sane filter passes: 1 entry, 10 bits, 7 probes, 2 bytes of bits.
        assert!(decode_from_parent(&message_with_bloom(vec![1, 10, 7, 0, 0])).is_ok());
    }

    #[test]
    fn a_parent_ignores_what_a_child_says_it_has_and_needs() {
        let mut budget = DocumentBudget::new(crate::limits::InflationLimits::default());
        let message = decode_from_child(&message_with_bloom(vec![3, 0, 7]), &mut budget).unwrap();
        assert!(message.have.is_empty());
        assert!(message.need.is_empty());
    }
}
