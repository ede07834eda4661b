//! Every bound the protocol keeps, in one place, each with the reason for its number.
//!
//! A peer is not trusted: whatever it sends is held to these limits before anything is allocated
//! for it, and the session's own queues never grow past them.

/// Largest frame a peer may send. The first sync of a document carries the whole document as one
/// automerge message; a county's annual vehicle ledger with 100,000 dispatch orders saves to about
/// 5 MiB, so 64 MiB leaves room for ten times that while still refusing absurd lengths before
/// allocating for them.
pub const MAX_FRAME_BYTES: usize = 64 * 1024 * 1024;

/// Signed submissions per offer page. A page of 256 submissions is about 50 KiB, small enough to
/// interleave with sync messages; a province's region offers about 400 documents in two pages.
pub const MAX_SUBMISSIONS_PER_PAGE: usize = 256;

/// Bytes of eager sync messages one offer page may carry. Eager messages carry the changes of
/// documents already synced in the session, usually a few hundred bytes each; a large backlog goes
/// the normal way, pulled by the parent a few documents at a time.
pub const MAX_EAGER_BYTES_PER_PAGE: usize = 1024 * 1024;

/// Signed rollups per rollup page, for the same reason as [`MAX_SUBMISSIONS_PER_PAGE`]. Rollups
/// carry figures and are larger, so pages hold fewer.
pub const MAX_ROLLUPS_PER_PAGE: usize = 64;

/// Notices per `Notices` message: a decision is a few hundred bytes.
pub const MAX_NOTICES_PER_PAGE: usize = 256;

/// Documents being synced at once on one connection. Each holds an automerge document in memory
/// while it is being received; four keeps a city's memory bounded while hiding a round trip.
pub const MAX_DOCUMENTS_IN_FLIGHT: usize = 4;

/// Documents waiting to be synced on one connection. A national simulation's largest subtree
/// (a region with its cities and counties) offers about 1,500 documents; this leaves headroom
/// while refusing an offer flood.
pub const MAX_DOCUMENTS_WAITING: usize = 100_000;

/// Automerge sync messages received for one document before the session gives up on it. A sync
/// normally completes in one or two round trips; bloom-filter false positives add a few more.
pub const MAX_SYNC_ROUNDS_PER_DOCUMENT: u32 = 64;

/// Frames waiting in the session's outbox. The driver drains the outbox after every input, so the
/// outbox only holds what one input produced: at most a page plus a few sync messages.
pub const MAX_OUTBOX_FRAMES: usize = 1_024;

/// Events waiting for the driver, bounded for the same reason as [`MAX_OUTBOX_FRAMES`].
pub const MAX_EVENTS: usize = 4_096;

/// Heads a signed submission may name. A document written only by its owner has one head; a
/// restored owner may briefly have two. More is malformed.
pub const MAX_HEADS_PER_SUBMISSION: usize = 16;

/// Inputs a rollup may list: the node's own submission plus one per child. The largest fan-out in
/// the national tree is a region with about 20 cities or a city with about 30 counties.
pub const MAX_INPUTS_PER_ROLLUP: usize = 1_024;

/// Figures a rollup may carry. A ledger has a few dozen figures with breakdowns.
pub const MAX_FIGURES_PER_ROLLUP: usize = 4_096;

/// Length of texts inside signed objects (coefficient table versions, reasons).
pub const MAX_TEXT_BYTES: usize = 1_024;

/// First wait before a child offers again documents its parent did not store (a stalled pull, a
/// full queue): long enough not to hammer a parent that refuses on purpose.
pub const NOT_STORED_RETRY_MS_MIN: u64 = 30_000;

/// Longest wait between such offers, reached by doubling: a parent that keeps refusing a document
/// hears of it every ten minutes, and each time counts and logs it.
pub const NOT_STORED_RETRY_MS_MAX: u64 = 600_000;

/// Eager sync bytes a parent keeps for offered documents still waiting to be pulled. Beyond it the
/// eager messages are dropped and those documents are pulled the normal way.
pub const MAX_EAGER_BYTES_WAITING: usize = 16 * 1024 * 1024;

/// Milliseconds a document sync may sit without progress before the session abandons it and
/// discards what it received for it; the peer offers it again on its next session.
pub const SYNC_STALL_TIMEOUT_MS: u64 = 60_000;

/// Bytes of a document save carried by one restore page. Large documents go in several pages so a
/// page stays far below [`MAX_FRAME_BYTES`] and the parent never holds more than one save at once.
pub const MAX_RESTORE_CHUNK_BYTES: usize = 4 * 1024 * 1024;

/// Bytes of one document's save a restoring node accepts. The largest county document saves to
/// about 5 MiB (see [`MAX_FRAME_BYTES`]); fifty times that still refuses a parent that streams
/// without end.
pub const MAX_RESTORE_DOCUMENT_BYTES: u64 = 256 * 1024 * 1024;

/// Bytes of document saves one restore accepts in all, held in memory until every object is
/// checked. A city's subtree is a few hundred documents of a few hundred KiB, a large province's
/// region a few thousand; 2 GiB covers both and refuses a parent that streams without end.
pub const MAX_RESTORE_BYTES: u64 = 2 * 1024 * 1024 * 1024;

/// Bytes every document of one restore may inflate to in all, counted as each is loaded: they are
/// all held in memory until every object is checked. A region's subtree is a few thousand
/// documents of a few hundred KiB saved, about 1 GiB, which inflates about 9.2 times (see
/// [`INFLATION_MESSAGE_RATIO`]), to about 9 GiB; 16 GiB admits it and stays within the 24 GiB of
/// the machines huizong is sized for. Each document is also held to the document cap, and its
/// save to the per-message cap for its size ([`InflationLimits`]).
pub const MAX_RESTORE_INFLATED_BYTES: u64 = 16 * 1024 * 1024 * 1024;

/// Signed objects (notices, submissions, rollups) one restore accepts. A national subtree holds
/// about 3,000 nodes x 3 ledgers x a few periods, each with a submission, a rollup and decisions.
pub const MAX_RESTORE_OBJECTS: usize = 1_000_000;

/// Pages one restore accepts: every object in pages of at least one, and every document in chunks.
/// A parent that sends more is streaming without end.
pub const MAX_RESTORE_PAGES: u64 = 2_000_000;

/// The bounds a session keeps that tests and operators may set: production values by default.
/// Attack tests shorten the timeouts so that they do not wait out production bounds; nothing else
/// should change them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionLimits {
    /// See [`SYNC_STALL_TIMEOUT_MS`].
    pub sync_stall_timeout_ms: u64,
    /// How far a peer's automerge data may inflate (see [`InflationLimits`]).
    pub inflation: InflationLimits,
}

impl Default for SessionLimits {
    fn default() -> Self {
        Self {
            sync_stall_timeout_ms: SYNC_STALL_TIMEOUT_MS,
            inflation: InflationLimits::default(),
        }
    }
}

/// How far automerge data from a peer, a restore page or the disk may inflate before automerge
/// allocates for it (`crate::inflation` enforces them). Production values by default, derived
/// below from the largest legitimate document; `unbounded` only for the attack test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InflationLimits {
    /// Bytes one message may inflate to, per byte it has on the wire
    /// ([`INFLATION_MESSAGE_RATIO`]); never more than what is left of the document's cap.
    pub message_ratio: u64,
    /// Bytes any message may inflate to, however small it is
    /// ([`INFLATION_MESSAGE_FLOOR_BYTES`]).
    pub message_floor_bytes: u64,
    /// Bytes one document may inflate to, across every message of one sync and when loaded
    /// ([`INFLATION_DOCUMENT_BYTES`]).
    pub document_bytes: u64,
    /// Operations one document's chunks may claim, across every message of one sync and when
    /// loaded: run-length encoding lets a few bytes claim billions
    /// ([`INFLATION_DOCUMENT_OPERATIONS`]).
    pub document_operations: u64,
}

impl InflationLimits {
    /// No bound at all: only for the attack test that shows what the bound prevents.
    pub fn unbounded() -> Self {
        Self {
            message_ratio: u64::MAX,
            message_floor_bytes: u64::MAX,
            document_bytes: u64::MAX,
            document_operations: u64::MAX,
        }
    }
}

impl Default for InflationLimits {
    fn default() -> Self {
        Self {
            message_ratio: INFLATION_MESSAGE_RATIO,
            message_floor_bytes: INFLATION_MESSAGE_FLOOR_BYTES,
            document_bytes: INFLATION_DOCUMENT_BYTES,
            document_operations: INFLATION_DOCUMENT_OPERATIONS,
        }
    }
}

// The inflation caps are derived from the largest legitimate document: a county's vehicle ledger
// of 2,000,000 dispatch orders, written with the project's own writer (node::bench's CSV, parsed
// and written with schemas::document::write_records), measured with
//
//     cargo run --release -p node --example inflation_caps -- --records 2000000
//
// (figures from the dev profile, which builds automerge optimised; sizes and counts do not depend
// on the profile):
//
// | records   | save (deflated, as stored) | inflated                 | ratio | operations |
// |-----------|----------------------------|--------------------------|-------|------------|
// | 2,000,000 | 25,471,997 B (24.3 MiB)    | 233,472,673 B (222.7 MiB) | 9.17  | 12,000,007 |
// | 100,000   | 1,269,589 B (1.2 MiB)      | 11,658,184 B (11.1 MiB)  | 9.18  | 600,007    |
// | 1,000     | 14,360 B                   | 115,843 B                | 8.07  | 6,007      |
// | 100       | 2,193 B                    | 11,690 B                 | 5.33  | 607        |
//
// A fresh parent syncing it with automerge sync receives one message (v2, the whole deflated
// save): 25,472,049 bytes on the wire for 2,000,000 orders, under MAX_FRAME_BYTES, inflating
// 9.17 times; the largest per-message ratio seen at any size is 9.18. Incremental syncs send
// change chunks, which automerge never compresses (ratio 1). The example's peak resident memory
// at 2,000,000 orders was 10.2 GiB (building the document, then applying it as change chunks);
// the parent's sync itself peaked 1.2 GiB above what the process held before.

/// Bytes a peer's message may inflate to per byte on the wire: the largest ratio measured on
/// legitimate messages is 9.18 (see the table above), so 20 admits them with more than twice the
/// headroom, while a 1 MiB message can inflate to 20 MiB at most, not the 1 GiB DEFLATE allows.
pub const INFLATION_MESSAGE_RATIO: u64 = 20;

/// Bytes any message may inflate to however small it is. Small documents compress less (5.33 for
/// 100 orders), and every message above 52 KiB is already allowed 1 MiB by the ratio; below it, a
/// legitimate message inflates to at most 9.18 x 52 KiB = 478 KiB, so 1 MiB is twice that.
pub const INFLATION_MESSAGE_FLOOR_BYTES: u64 = 1024 * 1024;

/// Bytes one document may inflate to, summed over every message of one pull and when a stored or
/// restored document is loaded: the largest document inflates to 222.7 MiB, so 512 MiB admits it
/// with 2.3 times the headroom.
pub const INFLATION_DOCUMENT_BYTES: u64 = 512 * 1024 * 1024;

/// Operations one document's chunks may claim (rows of their action columns), summed like
/// [`INFLATION_DOCUMENT_BYTES`]. Run-length encoding lets a change chunk of 69 bytes claim
/// 10,000,000 operations, for which automerge 0.12 allocated 3.7 GiB (and a 142-byte save of
/// them, 610 MiB): memory grows with the operations claimed, not the bytes. Honest operations cost
/// as much: the largest document applied as change chunks took 5.1 GiB over 98.7 s, 457 bytes per
/// operation (a fresh parent receiving it as one deflated save: 1.2 GiB). It has 12,000,007
/// operations, so 25,000,000 admits it with twice the headroom, and bounds what a few bytes can
/// make a node allocate to about twice what the largest honest document costs.
pub const INFLATION_DOCUMENT_OPERATIONS: u64 = 25_000_000;
