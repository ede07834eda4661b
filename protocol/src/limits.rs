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

/// Signed objects (notices, submissions, rollups) one restore accepts. A national subtree holds
/// about 3,000 nodes x 3 ledgers x a few periods, each with a submission, a rollup and decisions.
pub const MAX_RESTORE_OBJECTS: usize = 1_000_000;

/// Pages one restore accepts: every object in pages of at least one, and every document in chunks.
/// A parent that sends more is streaming without end.
pub const MAX_RESTORE_PAGES: u64 = 2_000_000;

/// Bytes of one signed submission envelope. A submission is a key, at most
/// [`MAX_HEADS_PER_SUBMISSION`] heads of 32 bytes, a coefficient version of at most
/// [`MAX_TEXT_BYTES`], a digest and a few numbers: at most about 1.7 KiB; the demo's are about
/// 250 bytes.
pub const MAX_SUBMISSION_ENVELOPE_BYTES: usize = 4 * 1024;

/// Bytes of one signed rollup envelope. The largest the Ningxia demo signs is 3.5 KiB (89
/// figures, 6 inputs); a ledger has at most a few hundred figures with their breakdowns (about
/// 15 KiB) and the widest node of the national tree about 30 inputs of 44 bytes, or
/// [`MAX_INPUTS_PER_ROLLUP`] at the very most (45 KiB). 256 KiB admits all of it four times over
/// while a page of [`MAX_ROLLUPS_PER_PAGE`] of them stays a quarter of a frame.
pub const MAX_ROLLUP_ENVELOPE_BYTES: usize = 256 * 1024;

/// Bytes of one signed notice envelope. The largest notice is a return definition: at most 256
/// blocking rules of 64 bytes and a coefficient version of [`MAX_TEXT_BYTES`], about 17.5 KiB;
/// a review decision with its reason is under 1.5 KiB.
pub const MAX_NOTICE_ENVELOPE_BYTES: usize = 32 * 1024;

/// Bytes of a topology file sent down the tree. The national tree with keys and addresses is about
/// 1 MB (some 300 bytes a node); a few retired keys per node add a little. 16 MiB admits ten
/// national trees while keeping a topology message a quarter of a frame.
pub const MAX_TOPOLOGY_MESSAGE_BYTES: usize = 16 * 1024 * 1024;

/// Bytes the largest legitimate document takes stored (its compressed save): the quotas per
/// child are derived from it (see `node::core::quotas`). Placeholder until measured with the
/// inflation caps on a county vehicle document of 2,000,000 dispatch orders.
pub const MAX_DOCUMENT_STORED_BYTES: u64 = 512 * 1024 * 1024;

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
/// allocates for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InflationLimits {
    /// Bytes one message may inflate to, per byte it has on the wire.
    pub message_ratio: u64,
    /// Bytes any message may inflate to, however small it is.
    pub message_floor_bytes: u64,
    /// Bytes one document may inflate to, across every message of one sync and when loaded.
    pub document_bytes: u64,
}

impl InflationLimits {
    /// No bound at all: only for the attack test that shows what the bound prevents.
    pub fn unbounded() -> Self {
        Self {
            message_ratio: u64::MAX,
            message_floor_bytes: u64::MAX,
            document_bytes: u64::MAX,
        }
    }
}

impl Default for InflationLimits {
    fn default() -> Self {
        // Placeholders until the bounds are derived from the largest legitimate document.
        Self {
            message_ratio: 64,
            message_floor_bytes: 16 * 1024 * 1024,
            document_bytes: 4 * 1024 * 1024 * 1024,
        }
    }
}
