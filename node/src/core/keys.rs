//! Binary encodings of the keys the store is indexed by. Fixed widths and big-endian numbers, so
//! that the store's key order is (owner, ledger, period) and a prefix scan finds one document's
//! chunks or one peer's sync states.

use protocol::DocumentKey;
use schemas::{Ledger, Period};
use topology::DivisionCode;

/// Bytes of an encoded division code.
const CODE_BYTES: usize = 8;
/// Bytes of an encoded document key: code, ledger, period kind, year, month or quarter.
pub const DOCUMENT_KEY_BYTES: usize = CODE_BYTES + 1 + 4;

fn ledger_byte(ledger: Ledger) -> u8 {
    match ledger {
        Ledger::OfficeSpace => 0,
        Ledger::Vehicles => 1,
        Ledger::Energy => 2,
    }
}

fn period_bytes(period: Period) -> [u8; 4] {
    let (kind, year, part) = match period {
        Period::Year(year) => (0u8, year, 0u8),
        Period::Quarter(year, quarter) => (1, year, quarter),
        Period::Month(year, month) => (2, year, month),
    };
    let year = year.to_be_bytes();
    [kind, year[0], year[1], part]
}

/// (owner, ledger, period) as 13 bytes.
pub fn document_key(key: &DocumentKey) -> Vec<u8> {
    ledger_period_key(key.owner, key.ledger, key.period)
}

/// (node, ledger, period) as 13 bytes: the key of a node's latest rollup.
pub fn ledger_period_key(node: DivisionCode, ledger: Ledger, period: Period) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(DOCUMENT_KEY_BYTES);
    bytes.extend_from_slice(&node.as_u64().to_be_bytes());
    bytes.push(ledger_byte(ledger));
    bytes.extend_from_slice(&period_bytes(period));
    bytes
}

/// One chunk of a document's stored bytes.
pub fn document_chunk(key: &DocumentKey, chunk_index: u32) -> Vec<u8> {
    let mut bytes = document_key(key);
    bytes.extend_from_slice(&chunk_index.to_be_bytes());
    bytes
}

/// The sync state with one peer for one document.
pub fn sync_state(peer: DivisionCode, key: &DocumentKey) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(CODE_BYTES + DOCUMENT_KEY_BYTES);
    bytes.extend_from_slice(&peer.as_u64().to_be_bytes());
    bytes.extend_from_slice(&document_key(key));
    bytes
}

/// Meta entries.
/// The topology in force, as root-signed TOML text (from store format 2).
pub const META_TOPOLOGY: &[u8] = b"topology";
pub const META_REFUSALS: &[u8] = b"refusals";
/// The store format version, a big-endian u32 (from store format 2; absent in format 1).
pub const META_STORE_FORMAT: &[u8] = b"store_format";
/// The root key this node trusts, 32 bytes: pinned at `init`, moved only by a root-key handover
/// signed with the key pinned before (from store format 2).
pub const META_PINNED_ROOT_KEY: &[u8] = b"pinned_root_key";

/// The lowest sequence this node signs from now on, a big-endian u64, set by a restore (store
/// format 2): see `NodeCore::next_sequence`.
pub const META_SEQUENCE_FLOOR: &[u8] = b"sequence_floor";

/// The recovery after a restore from a backup (JSON of `recovery::RecoveryState`).
pub const META_RECOVERY: &[u8] = b"recovery";

/// Prefix of the meta entries that hold each document's stored size (store format 2).
pub const META_DOCUMENT_BYTES_PREFIX: &[u8] = b"document_bytes/";

/// The meta entry holding a document's stored size in bytes (a big-endian u64).
pub fn document_bytes_key(key: &DocumentKey) -> Vec<u8> {
    let mut bytes = META_DOCUMENT_BYTES_PREFIX.to_vec();
    bytes.extend_from_slice(&document_key(key));
    bytes
}

/// Reads back the first 13 bytes written by [`document_key`]; `None` if they are not one.
pub fn decode_document_key(bytes: &[u8]) -> Option<DocumentKey> {
    let bytes = bytes.get(..DOCUMENT_KEY_BYTES)?;
    let owner =
        DivisionCode::from_u64(u64::from_be_bytes(bytes[..CODE_BYTES].try_into().ok()?)).ok()?;
    let ledger = match bytes[CODE_BYTES] {
        0 => Ledger::OfficeSpace,
        1 => Ledger::Vehicles,
        2 => Ledger::Energy,
        _ => return None,
    };
    let year = u16::from_be_bytes([bytes[CODE_BYTES + 2], bytes[CODE_BYTES + 3]]);
    let part = bytes[CODE_BYTES + 4];
    let period = match bytes[CODE_BYTES + 1] {
        0 => Period::Year(year),
        1 => Period::Quarter(year, part),
        2 => Period::Month(year, part),
        _ => return None,
    };
    Some(DocumentKey::new(owner, ledger, period))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn document_keys_round_trip_and_sort_by_owner_ledger_period() {
        let owner = DivisionCode::parse("640104000000").unwrap();
        let keys = [
            DocumentKey::new(owner, Ledger::OfficeSpace, Period::Year(2025)),
            DocumentKey::new(owner, Ledger::Energy, Period::Year(2024)),
            DocumentKey::new(owner, Ledger::Energy, Period::Quarter(2025, 2)),
            DocumentKey::new(owner, Ledger::Energy, Period::Month(2025, 11)),
        ];
        for key in &keys {
            assert_eq!(decode_document_key(&document_key(key)), Some(*key));
        }
        let encoded: Vec<Vec<u8>> = keys.iter().map(document_key).collect();
        let mut sorted = encoded.clone();
        sorted.sort();
        assert_eq!(encoded, sorted);
    }
}
