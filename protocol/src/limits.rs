//! Every bound the protocol keeps, in one place, each with the reason for its number.
//!
//! A peer is not trusted: whatever it sends is held to these limits before anything is allocated
//! for it, and the session's own queues never grow past them.

/// Largest frame a peer may send. The first sync of a document carries the whole document as one
/// automerge message; the largest legitimate document, a county's vehicle ledger of 2,000,000
/// dispatch orders, saves to 24.3 MiB (see the inflation caps below), so 64 MiB admits it more than
/// twice over while still refusing absurd lengths before allocating for them.
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

/// Characters of a person's name inside a signed submission or review decision (who submitted,
/// who decided), the same bound the node puts on the name an operation runs as (`--as NAME`): a
/// Chinese name is two to four characters, a romanised one rarely past thirty; 64 leaves room for
/// a name with a title and stays small beside the other fields (at most 256 bytes in UTF-8).
pub const ACTOR_NAME_CHARS_MAX: usize = 64;

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

/// Bytes of one document's save a restoring node accepts. The largest legitimate document saves
/// to 24.3 MiB (see [`MAX_FRAME_BYTES`]); ten times that still refuses a parent that streams
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

/// Bytes of one signed submission envelope. A submission is a key, at most
/// [`MAX_HEADS_PER_SUBMISSION`] heads of 32 bytes, a coefficient version of at most
/// [`MAX_TEXT_BYTES`], a digest, a few numbers and the name of the person who submitted (at most
/// [`ACTOR_NAME_CHARS_MAX`] characters, 256 bytes): at most about 2 KiB (a test in
/// `submission.rs` signs the largest); the demo's are about 250 bytes.
pub const MAX_SUBMISSION_ENVELOPE_BYTES: usize = 4 * 1024;

/// Bytes of one signed rollup envelope. The largest the Ningxia demo signs is 3.5 KiB (89
/// figures, 6 inputs); a ledger has at most a few hundred figures with their breakdowns (about
/// 15 KiB) and the widest node of the national tree about 30 inputs of 44 bytes, or
/// [`MAX_INPUTS_PER_ROLLUP`] at the very most (45 KiB). 256 KiB admits all of it four times over
/// while a page of [`MAX_ROLLUPS_PER_PAGE`] of them stays a quarter of a frame.
pub const MAX_ROLLUP_ENVELOPE_BYTES: usize = 256 * 1024;

/// Bytes of one signed notice envelope. The largest notice is a return definition: at most 256
/// blocking rules of 64 bytes, a coefficient version and four form-heading texts of
/// [`MAX_TEXT_BYTES`] each, about 22 KiB (a test in `notice.rs` signs the largest);
/// a review decision with its reason and the reviewer's name is under 1.5 KiB.
pub const MAX_NOTICE_ENVELOPE_BYTES: usize = 32 * 1024;

/// Bytes of a topology file sent down the tree. The national tree with keys and addresses is about
/// 1 MB (some 300 bytes a node); a few retired keys per node add a little. 16 MiB admits ten
/// national trees while keeping a topology message a quarter of a frame.
pub const MAX_TOPOLOGY_MESSAGE_BYTES: usize = 16 * 1024 * 1024;

/// Bytes the largest legitimate document may take stored: its compressed save (24.3 MiB for
/// 2,000,000 dispatch orders) plus the incremental chunks written since (automerge does not
/// compress changes, so a chunk holds at most what the document inflates to). The inflation cap of
/// a document bounds both, so it bounds this too; the quotas per child are derived from it (see
/// `node::core::quotas`).
pub const MAX_DOCUMENT_STORED_BYTES: u64 = INFLATION_DOCUMENT_BYTES;

/// Bytes of a frame beyond its pages' envelopes: message tags, keys, counters and length
/// prefixes, generously.
const PAGE_OVERHEAD_BYTES: usize = 64 * 1024;

// Any page of the largest allowed envelopes fits in one frame, so that one object can never make
// a page that cannot be sent (and end a link for good). Checked when the crate compiles.
const _: () = assert!(
    MAX_SUBMISSIONS_PER_PAGE * MAX_SUBMISSION_ENVELOPE_BYTES
        + MAX_EAGER_BYTES_PER_PAGE
        + PAGE_OVERHEAD_BYTES
        <= MAX_FRAME_BYTES
);
const _: () = assert!(
    MAX_ROLLUPS_PER_PAGE * MAX_ROLLUP_ENVELOPE_BYTES + PAGE_OVERHEAD_BYTES <= MAX_FRAME_BYTES
);
const _: () = assert!(
    MAX_NOTICES_PER_PAGE * MAX_NOTICE_ENVELOPE_BYTES + PAGE_OVERHEAD_BYTES <= MAX_FRAME_BYTES
);
const _: () = assert!(MAX_RESTORE_CHUNK_BYTES + PAGE_OVERHEAD_BYTES <= MAX_FRAME_BYTES);
const _: () = assert!(MAX_TOPOLOGY_MESSAGE_BYTES + PAGE_OVERHEAD_BYTES <= MAX_FRAME_BYTES);

/// Milliseconds a session waits for the peer's next complete frame while it owes us one: our
/// hello's answer, the child's answers to pulls in flight, the rest of an offer round, the parent's
/// settling of our round, a restoring child's next request. Long enough for a child to generate
/// the first sync message of its largest document on a slow office PC (tens of seconds) and for a
/// few round trips on a poor link; a peer that owes and stays silent longer is dropped, so it
/// cannot hold a session open with keep-alives alone. A session that owes nothing may stay idle.
pub const REPLY_TIMEOUT_MS: u64 = 120_000;

/// Bytes per second a frame must keep arriving at, once started: 4 KiB/s is a 32 kbit/s link,
/// slower than any office connection that can sync a ledger at all. Measured on progress, not as
/// an absolute deadline, so the largest frame still arrives on a slow link while a peer trickling
/// a byte now and then is dropped.
pub const FRAME_MIN_BYTES_PER_SECOND: u64 = 4 * 1024;

/// Milliseconds of grace at the start of a frame before its rate is held to
/// [`FRAME_MIN_BYTES_PER_SECOND`]: a frame's first bytes may wait for a congested link or a slow
/// peer's CPU.
pub const FRAME_GRACE_MS: u64 = 60_000;

/// Refusals for provable misbehaviour (a bad signature, a document that breaks its signature, a
/// forged notice: see `RefusalReason::is_misbehaviour`) one session accepts before it ends. An
/// honest peer makes none; a few allow for a bug on one side. Past it the peer is held off for a
/// while, so that a compromised child cannot make its parent check forgeries without end.
pub const MAX_MISBEHAVIOUR_REFUSALS_PER_SESSION: u32 = 32;

/// Notices one session accepts from its peer. A child sends the decisions and receipts about its
/// subtree: at most a few per document, for a region's largest child (a province of about 130
/// nodes, 3 ledgers, a year of monthly returns) some 20,000 at the first session; five times that
/// still bounds what a child signing notices without end can make its parent store per session.
pub const MAX_NOTICES_PER_SESSION: usize = 100_000;

/// The bounds a session keeps that tests and operators may set: production values by default.
/// Attack tests shorten the timeouts so that they do not wait out production bounds; nothing else
/// should change them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionLimits {
    /// See [`SYNC_STALL_TIMEOUT_MS`].
    pub sync_stall_timeout_ms: u64,
    /// See [`REPLY_TIMEOUT_MS`].
    pub reply_timeout_ms: u64,
    /// See [`FRAME_MIN_BYTES_PER_SECOND`].
    pub frame_min_bytes_per_second: u64,
    /// See [`FRAME_GRACE_MS`].
    pub frame_grace_ms: u64,
    /// See [`MAX_MISBEHAVIOUR_REFUSALS_PER_SESSION`].
    pub max_misbehaviour_refusals: u32,
    /// See [`MAX_NOTICES_PER_SESSION`].
    pub max_notices_per_session: usize,
    /// How far a peer's automerge data may inflate (see [`InflationLimits`]).
    pub inflation: InflationLimits,
}

impl Default for SessionLimits {
    fn default() -> Self {
        Self {
            sync_stall_timeout_ms: SYNC_STALL_TIMEOUT_MS,
            reply_timeout_ms: REPLY_TIMEOUT_MS,
            frame_min_bytes_per_second: FRAME_MIN_BYTES_PER_SECOND,
            frame_grace_ms: FRAME_GRACE_MS,
            max_misbehaviour_refusals: MAX_MISBEHAVIOUR_REFUSALS_PER_SESSION,
            max_notices_per_session: MAX_NOTICES_PER_SESSION,
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
