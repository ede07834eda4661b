//! Handshakes in progress, accounted by where they come from, so that strangers cannot hold the
//! slots a node's children need.
//!
//! The accept loop ([`super::peers`]) asks [`HandshakeTable::admit`] about every connection attempt
//! whose address quinn's stateless Retry has validated, so the source address is one the peer can
//! really receive on. The table refuses the attempt or admits it, possibly by abandoning an older
//! pending handshake: it cancels that handshake's token, its task drops the `Connecting`, and quinn
//! closes the connection. Each handshake's task reports how it ended with
//! [`HandshakeTable::finish`]. A handshake that completes has proved a child's key (the server's
//! TLS verifier accepts no other, see `transport::tls::AcceptedKeys`), so it leaves the table at
//! once and never counts against any stranger's bound. An unauthenticated connection is therefore
//! exactly a pending handshake, and the bounds on pending handshakes are the bounds on
//! unauthenticated connections.
//!
//! Sources are IPv4 addresses, or IPv6 /64 prefixes (a single IPv6 host usually holds a whole /64,
//! so counting its addresses one by one would bound nothing).
//!
//! # Who is refused and who is abandoned
//!
//! A new handshake from a source holding `k` pending handshakes is admitted outright while its
//! source holds fewer than [`MAX_PENDING_HANDSHAKES_PER_SOURCE`] and the table fewer than
//! [`MAX_PENDING_HANDSHAKES`]. Otherwise it takes the place of a handshake that has been pending
//! longer than [`EVICTION_GRACE`], or is refused:
//!
//! 1. If its source is full, the victim is its own source's oldest handshake.
//! 2. If only the table is full, the victim is the oldest handshake of the source holding most
//!    among those holding at least `k + 2` (after the move that source still holds at least as
//!    many as the newcomer's); failing that, its own source's oldest.
//! 3. While the table is full, a source replaces its own handshakes (1, 2) only if it holds
//!    strictly more than every other source.
//!
//! No handshake younger than the grace is ever abandoned, and a child's handshake completes well
//! within it, so a flood of brand-new attempts cannot evict a child mid-handshake: once admitted,
//! it finishes. A flood only ever replaces handshakes that have already stalled.
//!
//! Rule 3 is what keeps a full table from staying young for ever. Were every source allowed to
//! replace its own stalled handshakes, strangers on many addresses could renew each slot the moment
//! it passed the grace, and a child would only get in by winning a race. With it, strangers at an
//! equal share can neither evict each other nor renew their own, so their handshakes age past the
//! grace, and a child on an address of its own (holding nothing) may evict from any source holding
//! two or more. Only the one heaviest source can renew its own, and it holds at most
//! [`MAX_PENDING_HANDSHAKES_PER_SOURCE`] slots.
//!
//! A child that shares its address with strangers (behind one NAT) competes with them for that
//! address's slots: their stalled handshakes are abandoned for newcomers from the address once past
//! the grace, and the child is one of those newcomers, so strangers who keep sending attempts from
//! the same address take a share of its slots in proportion to their attempts. No accounting by
//! address can tell them apart before the certificate arrives.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;

/// Handshakes in progress at once, from everyone.
///
/// Strangers on 64 addresses (the attack in the issue) holding as many as each address may (64 ×
/// [`MAX_PENDING_HANDSHAKES_PER_SOURCE`] = 256) leave room for 64 children handshaking at once, as
/// many as any node but the largest cities has, and a child needs its slot only for a round trip.
/// So such an attack never fills the table, and a child on an address of its own is admitted
/// without evicting anything; strangers on more addresses fill it and meet the rules in the module
/// documentation. Each pending handshake holds one quinn connection with its TLS state and
/// retransmission buffers, some tens of KiB, so a full table stays within about 16 MiB.
pub const MAX_PENDING_HANDSHAKES: usize = 320;

/// Handshakes in progress at once from one source (an IPv4 address or an IPv6 /64).
///
/// A node normally connects once at a time; a few children behind one office NAT may reconnect
/// together, and those beyond four are refused and retry after a round trip's worth of backoff. Four
/// keeps one stranger's address from holding more than a sliver of [`MAX_PENDING_HANDSHAKES`].
pub const MAX_PENDING_HANDSHAKES_PER_SOURCE: usize = 4;

/// How long a new handshake is safe from being abandoned for a newcomer.
///
/// After the stateless Retry, a handshake needs one round trip: the server's flight out, the
/// client's certificate and `Finished` back. Two seconds cover a 500 ms round trip on a congested
/// rural link plus one lost flight resent after quinn's first probe timeout (about a second, from its
/// initial 333 ms round-trip estimate). A handshake still pending after that has most likely
/// stalled; an honest child whose handshake was abandoned anyway retries.
pub const EVICTION_GRACE: Duration = Duration::from_secs(2);

/// Bits of an IPv6 address that name one source: a /64 is what one host or one site is given.
const IPV6_SOURCE_PREFIX_BITS: u32 = 64;

/// Where a handshake comes from, as far as the bounds are concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Source {
    /// An IPv4 address (IPv4-mapped IPv6 addresses included).
    V4(Ipv4Addr),
    /// The leading [`IPV6_SOURCE_PREFIX_BITS`] of an IPv6 address.
    V6Prefix(u64),
}

impl From<IpAddr> for Source {
    fn from(address: IpAddr) -> Self {
        match address.to_canonical() {
            IpAddr::V4(v4) => Source::V4(v4),
            IpAddr::V6(v6) => {
                Source::V6Prefix((v6.to_bits() >> (128 - IPV6_SOURCE_PREFIX_BITS)) as u64)
            }
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::V4(address) => write!(formatter, "{address}"),
            Source::V6Prefix(prefix) => {
                let address =
                    std::net::Ipv6Addr::from_bits(u128::from(*prefix) << IPV6_SOURCE_PREFIX_BITS);
                write!(formatter, "{address}/{IPV6_SOURCE_PREFIX_BITS}")
            }
        }
    }
}

/// The bounds a table keeps: the production constants, or smaller ones in tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HandshakeLimits {
    /// See [`MAX_PENDING_HANDSHAKES`].
    pub pending_max: usize,
    /// See [`MAX_PENDING_HANDSHAKES_PER_SOURCE`].
    pub pending_per_source_max: usize,
    /// See [`EVICTION_GRACE`].
    pub eviction_grace: Duration,
}

impl Default for HandshakeLimits {
    fn default() -> Self {
        Self {
            pending_max: MAX_PENDING_HANDSHAKES,
            pending_per_source_max: MAX_PENDING_HANDSHAKES_PER_SOURCE,
            eviction_grace: EVICTION_GRACE,
        }
    }
}

/// Names one admitted handshake, for [`HandshakeTable::finish`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HandshakeId {
    source: Source,
    serial: u64,
}

/// What the accept loop hands the task of an admitted handshake.
#[derive(Debug)]
pub struct AdmittedHandshake {
    pub id: HandshakeId,
    /// Cancelled when the handshake is abandoned for a newcomer: the task must then drop the
    /// handshake, which makes quinn close it.
    pub abandoned: CancellationToken,
}

/// Why a handshake was abandoned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EvictionCause {
    /// A newcomer from the same source took its place (the source or the table was full).
    SameSource,
    /// The table was full and a newcomer from a source holding fewer took its place.
    LighterSource,
}

/// A handshake abandoned to admit a newcomer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Eviction {
    pub source: Source,
    /// How long it had been pending.
    pub pending_for: Duration,
    pub cause: EvictionCause,
}

/// Why a connection attempt was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Its source holds [`MAX_PENDING_HANDSHAKES_PER_SOURCE`] and none of them may be replaced.
    SourceFull,
    /// The table is full and no handshake may be replaced.
    TableFull,
    /// The node serves as many connections as it allows (counted by the accept loop).
    TooManyConnections,
}

impl fmt::Display for Refusal {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(match self {
            Refusal::SourceFull => "its address has too many handshakes in progress",
            Refusal::TableFull => "too many handshakes in progress",
            Refusal::TooManyConnections => "too many connections",
        })
    }
}

/// What [`HandshakeTable::admit`] decided.
#[derive(Debug)]
pub enum Admission {
    Admitted {
        handshake: AdmittedHandshake,
        /// The handshake abandoned to make room, if any (its token is already cancelled).
        evicted: Option<Eviction>,
    },
    Refused(Refusal),
}

/// How an admitted handshake ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HandshakeEnd {
    /// It completed: the peer proved a key the node accepts.
    Authenticated,
    /// It failed: a refused key, a protocol error, a peer that gave up.
    Failed,
    /// It took longer than the accept loop allows.
    TimedOut,
    /// The node is shutting down.
    Cancelled,
}

/// What the table has seen since the node started, for logs, `status` and tests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HandshakeCounts {
    /// Handshakes pending now.
    pub pending: u64,
    /// Handshakes admitted.
    pub admitted: u64,
    /// Handshakes that authenticated a child.
    pub authenticated: u64,
    /// Handshakes that failed.
    pub failed: u64,
    /// Handshakes that took too long.
    pub timed_out: u64,
    /// Handshakes ended because the node shut down.
    pub cancelled: u64,
    /// Handshakes abandoned for a newcomer from the same source.
    pub evicted_for_same_source: u64,
    /// Handshakes abandoned, while the table was full, for a newcomer from a source holding fewer.
    pub evicted_for_lighter_source: u64,
    /// Attempts refused because their source was full.
    pub refused_source_full: u64,
    /// Attempts refused because the table was full.
    pub refused_table_full: u64,
    /// Attempts refused because the node served as many connections as it allows.
    pub refused_too_many_connections: u64,
}

impl HandshakeCounts {
    /// Handshakes abandoned for newcomers, for either cause.
    pub fn evicted(&self) -> u64 {
        self.evicted_for_same_source + self.evicted_for_lighter_source
    }

    /// Attempts refused, for any cause.
    pub fn refused(&self) -> u64 {
        self.refused_source_full + self.refused_table_full + self.refused_too_many_connections
    }
}

/// One pending handshake.
#[derive(Debug)]
struct Pending {
    serial: u64,
    admitted_at: Instant,
    abandoned: CancellationToken,
}

/// The pending handshakes of one node, by source, oldest first within each source.
#[derive(Debug)]
pub struct HandshakeTable {
    limits: HandshakeLimits,
    by_source: HashMap<Source, VecDeque<Pending>>,
    /// Handshakes in `by_source`, all sources together.
    pending: usize,
    next_serial: u64,
    counts: HandshakeCounts,
}

impl Default for HandshakeTable {
    fn default() -> Self {
        Self::new(HandshakeLimits::default())
    }
}

impl HandshakeTable {
    pub fn new(limits: HandshakeLimits) -> Self {
        assert!(
            limits.pending_per_source_max >= 1
                && limits.pending_max >= limits.pending_per_source_max,
            "handshake limits must admit at least one handshake per source: {limits:?}"
        );
        Self {
            limits,
            by_source: HashMap::new(),
            pending: 0,
            next_serial: 0,
            counts: HandshakeCounts::default(),
        }
    }

    /// Decides on a connection attempt from `address` at `now` (see the module documentation).
    pub fn admit(&mut self, address: IpAddr, now: Instant) -> Admission {
        let source = Source::from(address);
        let held = self.by_source.get(&source).map_or(0, VecDeque::len);
        let source_full = held >= self.limits.pending_per_source_max;
        let table_full = self.pending >= self.limits.pending_max;
        let evicted = if source_full || table_full {
            let own = || {
                let may_renew = !table_full || self.holds_most_strictly(source);
                (may_renew && self.oldest_is_past_grace(source, now)).then_some(source)
            };
            let victim = if source_full {
                own()
            } else {
                self.heavier_victim(held, now).or_else(own)
            };
            let Some(victim) = victim else {
                let refusal = if source_full {
                    self.counts.refused_source_full += 1;
                    Refusal::SourceFull
                } else {
                    self.counts.refused_table_full += 1;
                    Refusal::TableFull
                };
                return Admission::Refused(refusal);
            };
            Some(self.evict_oldest(victim, source, now))
        } else {
            None
        };
        let serial = self.next_serial;
        self.next_serial += 1;
        let abandoned = CancellationToken::new();
        self.by_source
            .entry(source)
            .or_default()
            .push_back(Pending {
                serial,
                admitted_at: now,
                abandoned: abandoned.clone(),
            });
        self.pending += 1;
        self.counts.admitted += 1;
        Admission::Admitted {
            handshake: AdmittedHandshake {
                id: HandshakeId { source, serial },
                abandoned,
            },
            evicted,
        }
    }

    /// Counts an attempt the accept loop refused before asking the table (the node serves as many
    /// connections as it allows), and says so.
    pub fn refuse_too_many_connections(&mut self) -> Admission {
        self.counts.refused_too_many_connections += 1;
        Admission::Refused(Refusal::TooManyConnections)
    }

    /// Records how an admitted handshake ended and takes it out of the table. Returns false if it
    /// was no longer there (abandoned for a newcomer in the meantime). A handshake that was
    /// abandoned just as it authenticated is counted as both: the connection is a child's and is
    /// served.
    pub fn finish(&mut self, id: HandshakeId, end: HandshakeEnd) -> bool {
        let removed = match self.by_source.get_mut(&id.source) {
            Some(queue) => {
                let position = queue.iter().position(|pending| pending.serial == id.serial);
                let removed = position.and_then(|position| queue.remove(position));
                if queue.is_empty() {
                    self.by_source.remove(&id.source);
                }
                removed.is_some()
            }
            None => false,
        };
        if removed {
            self.pending -= 1;
        }
        if removed || end == HandshakeEnd::Authenticated {
            let counter = match end {
                HandshakeEnd::Authenticated => &mut self.counts.authenticated,
                HandshakeEnd::Failed => &mut self.counts.failed,
                HandshakeEnd::TimedOut => &mut self.counts.timed_out,
                HandshakeEnd::Cancelled => &mut self.counts.cancelled,
            };
            *counter += 1;
        }
        removed
    }

    /// Cancels and forgets every pending handshake, when the accept loop stops; they count as
    /// cancelled.
    pub fn abandon_all(&mut self) {
        for (_, queue) in self.by_source.drain() {
            for pending in queue {
                pending.abandoned.cancel();
                self.counts.cancelled += 1;
            }
        }
        self.pending = 0;
    }

    /// What the table has seen so far.
    pub fn counts(&self) -> HandshakeCounts {
        HandshakeCounts {
            pending: self.pending as u64,
            ..self.counts
        }
    }

    /// Handshakes pending from the source of `address`.
    pub fn pending_from(&self, address: IpAddr) -> usize {
        self.by_source
            .get(&Source::from(address))
            .map_or(0, VecDeque::len)
    }

    fn oldest_is_past_grace(&self, source: Source, now: Instant) -> bool {
        self.by_source
            .get(&source)
            .and_then(VecDeque::front)
            .is_some_and(|oldest| {
                now.saturating_duration_since(oldest.admitted_at) > self.limits.eviction_grace
            })
    }

    /// Whether `source` holds more pending handshakes than every other source.
    fn holds_most_strictly(&self, source: Source) -> bool {
        let held = self.by_source.get(&source).map_or(0, VecDeque::len);
        self.by_source
            .iter()
            .all(|(other, queue)| *other == source || queue.len() < held)
    }

    /// The source to evict from when the table is full and the newcomer's source holds `held`:
    /// the one holding most among those holding at least `held + 2` whose oldest handshake is past
    /// the grace (the longest pending first among equals).
    fn heavier_victim(&self, held: usize, now: Instant) -> Option<Source> {
        self.by_source
            .iter()
            .filter(|(source, queue)| {
                queue.len() >= held + 2 && self.oldest_is_past_grace(**source, now)
            })
            .max_by_key(|(_, queue)| {
                let oldest = queue.front().map(|pending| pending.admitted_at);
                (queue.len(), std::cmp::Reverse(oldest))
            })
            .map(|(source, _)| *source)
    }

    /// Abandons the oldest handshake of `victim` for a newcomer from `newcomer`.
    fn evict_oldest(&mut self, victim: Source, newcomer: Source, now: Instant) -> Eviction {
        let queue = self
            .by_source
            .get_mut(&victim)
            .expect("a victim's source holds handshakes");
        let oldest = queue
            .pop_front()
            .expect("a victim's source holds handshakes");
        if queue.is_empty() {
            self.by_source.remove(&victim);
        }
        self.pending -= 1;
        oldest.abandoned.cancel();
        let cause = if victim == newcomer {
            self.counts.evicted_for_same_source += 1;
            EvictionCause::SameSource
        } else {
            self.counts.evicted_for_lighter_source += 1;
            EvictionCause::LighterSource
        };
        Eviction {
            source: victim,
            pending_for: now.saturating_duration_since(oldest.admitted_at),
            cause,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::net::Ipv6Addr;

    use super::*;

    const GRACE: Duration = Duration::from_secs(2);

    fn table(pending_max: usize, pending_per_source_max: usize) -> HandshakeTable {
        HandshakeTable::new(HandshakeLimits {
            pending_max,
            pending_per_source_max,
            eviction_grace: GRACE,
        })
    }

    fn v4(last: u8) -> IpAddr {
        IpAddr::V4(Ipv4Addr::new(127, 0, 0, last))
    }

    fn admitted(admission: Admission) -> (AdmittedHandshake, Option<Eviction>) {
        match admission {
            Admission::Admitted { handshake, evicted } => (handshake, evicted),
            Admission::Refused(refusal) => panic!("refused: {refusal}"),
        }
    }

    fn refusal(admission: Admission) -> Refusal {
        match admission {
            Admission::Refused(refusal) => refusal,
            Admission::Admitted { .. } => panic!("admitted"),
        }
    }

    #[test]
    fn a_full_source_loses_its_oldest_handshake_once_past_the_grace_and_only_then() {
        let start = Instant::now();
        let mut table = table(16, 2);
        let (first, _) = admitted(table.admit(v4(2), start));
        let (second, _) = admitted(table.admit(v4(2), start + Duration::from_millis(10)));

        // Within the grace, a third from the same address is refused; others are not affected.
        assert_eq!(
            refusal(table.admit(v4(2), start + Duration::from_secs(1))),
            Refusal::SourceFull
        );
        admitted(table.admit(v4(3), start + Duration::from_secs(1)));

        // Past the grace, the oldest is abandoned for the newcomer.
        let (_, evicted) = admitted(table.admit(v4(2), start + Duration::from_secs(3)));
        let evicted = evicted.expect("the oldest is evicted");
        assert_eq!(evicted.cause, EvictionCause::SameSource);
        assert_eq!(evicted.source, Source::from(v4(2)));
        assert_eq!(evicted.pending_for, Duration::from_secs(3));
        assert!(first.abandoned.is_cancelled());
        assert!(!second.abandoned.is_cancelled());
        assert!(
            !table.finish(first.id, HandshakeEnd::Failed),
            "already gone"
        );

        let counts = table.counts();
        assert_eq!(counts.pending, 3);
        assert_eq!(counts.evicted_for_same_source, 1);
        assert_eq!(counts.refused_source_full, 1);
        assert_eq!(counts.failed, 0, "an abandoned handshake is counted once");
    }

    #[test]
    fn a_flood_of_new_attempts_cannot_evict_a_handshake_within_the_grace() {
        let start = Instant::now();
        let mut table = table(16, 4);
        for _ in 0..3 {
            admitted(table.admit(v4(1), start));
        }
        // The child arrives last from the shared address, once the stalled ones are old.
        let later = start + Duration::from_secs(5);
        let (child, _) = admitted(table.admit(v4(1), later));
        // A flood from the same address replaces the three stalled handshakes, then is refused:
        // the child is never the victim while its handshake is young.
        let mut evictions = 0;
        for step in 0..1_000u64 {
            match table.admit(v4(1), later + Duration::from_millis(step)) {
                Admission::Admitted { evicted, .. } => {
                    assert!(evicted.is_some());
                    evictions += 1;
                }
                Admission::Refused(refusal) => assert_eq!(refusal, Refusal::SourceFull),
            }
        }
        assert_eq!(evictions, 3);
        assert!(!child.abandoned.is_cancelled());
        assert!(table.finish(child.id, HandshakeEnd::Authenticated));
        assert_eq!(table.pending_from(v4(1)), 3);
    }

    #[test]
    fn a_full_table_makes_room_for_a_newcomer_from_the_source_holding_most() {
        let start = Instant::now();
        let mut table = table(8, 4);
        // Three strangers: one holding four, two holding two.
        let mut heavy = Vec::new();
        for _ in 0..4 {
            heavy.push(admitted(table.admit(v4(2), start)).0);
        }
        for last in [3, 4] {
            for _ in 0..2 {
                admitted(table.admit(v4(last), start + Duration::from_millis(1)));
            }
        }
        assert_eq!(table.counts().pending, 8);

        // Within the grace a newcomer is refused.
        let soon = start + Duration::from_secs(1);
        assert_eq!(refusal(table.admit(v4(9), soon)), Refusal::TableFull);
        // Past it, a child evicts the heaviest source's oldest.
        let later = start + Duration::from_secs(3);
        let (_, evicted) = admitted(table.admit(v4(9), later));
        let evicted = evicted.expect("room was made");
        assert_eq!(evicted.source, Source::from(v4(2)));
        assert_eq!(evicted.cause, EvictionCause::LighterSource);
        assert!(heavy[0].abandoned.is_cancelled());

        // A source holding two may not take from one holding three, nor renew its own while
        // another holds more.
        assert_eq!(refusal(table.admit(v4(3), later)), Refusal::TableFull);
        // A newcomer holding nothing may evict from any source holding two or more.
        let (_, evicted) = admitted(table.admit(v4(10), later));
        assert_eq!(
            evicted.map(|evicted| evicted.source),
            Some(Source::from(v4(2)))
        );
        assert_eq!(table.counts().evicted_for_lighter_source, 2);
    }

    #[test]
    fn in_a_full_table_strangers_at_an_equal_share_neither_evict_nor_renew_but_a_child_gets_in() {
        let start = Instant::now();
        let mut table = table(8, 2);
        // Four strangers, each at its bound: the table is full and every source ties.
        for last in 2..6 {
            for _ in 0..2 {
                admitted(table.admit(v4(last), start));
            }
        }
        let later = start + Duration::from_secs(10);
        for last in 2..6 {
            assert_eq!(refusal(table.admit(v4(last), later)), Refusal::SourceFull);
        }
        let (_, evicted) = admitted(table.admit(v4(1), later));
        assert_eq!(
            evicted.map(|evicted| evicted.cause),
            Some(EvictionCause::LighterSource)
        );
    }

    #[test]
    fn in_a_full_table_only_the_source_holding_strictly_most_renews_its_own() {
        let start = Instant::now();
        let mut table = table(7, 4);
        for _ in 0..3 {
            admitted(table.admit(v4(1), start));
        }
        for last in [2, 3] {
            for _ in 0..2 {
                admitted(table.admit(v4(last), start));
            }
        }
        let later = start + Duration::from_secs(3);
        // Holding three against others' two: it renews its oldest (a child behind the same NAT
        // gets in this way).
        let (_, evicted) = admitted(table.admit(v4(1), later));
        assert_eq!(
            evicted.map(|evicted| (evicted.source, evicted.cause)),
            Some((Source::from(v4(1)), EvictionCause::SameSource))
        );
        // The others may neither renew (they do not hold most) nor take from it (3 < 2 + 2).
        assert_eq!(refusal(table.admit(v4(2), later)), Refusal::TableFull);
    }

    #[test]
    fn an_authenticated_handshake_leaves_the_table_and_frees_its_sources_slot() {
        let start = Instant::now();
        let mut table = table(4, 1);
        let (child, _) = admitted(table.admit(v4(1), start));
        assert_eq!(refusal(table.admit(v4(1), start)), Refusal::SourceFull);
        assert!(table.finish(child.id, HandshakeEnd::Authenticated));
        assert_eq!(table.pending_from(v4(1)), 0);
        let (again, _) = admitted(table.admit(v4(1), start));
        assert!(table.finish(again.id, HandshakeEnd::TimedOut));
        let counts = table.counts();
        assert_eq!(
            (
                counts.pending,
                counts.admitted,
                counts.authenticated,
                counts.timed_out
            ),
            (0, 2, 1, 1)
        );
    }

    #[test]
    fn a_handshake_abandoned_as_it_authenticated_is_still_counted_as_a_child() {
        let start = Instant::now();
        let mut table = table(4, 1);
        let (child, _) = admitted(table.admit(v4(1), start));
        admitted(table.admit(v4(1), start + Duration::from_secs(3)));
        assert!(child.abandoned.is_cancelled());
        assert!(!table.finish(child.id, HandshakeEnd::Authenticated));
        assert_eq!(table.counts().authenticated, 1);
        assert_eq!(table.counts().pending, 1);
    }

    #[test]
    fn stopping_abandons_every_pending_handshake() {
        let start = Instant::now();
        let mut table = table(4, 2);
        let (one, _) = admitted(table.admit(v4(1), start));
        let (two, _) = admitted(table.admit(v4(2), start));
        table.abandon_all();
        assert!(one.abandoned.is_cancelled() && two.abandoned.is_cancelled());
        assert_eq!(table.counts().pending, 0);
        assert_eq!(table.counts().cancelled, 2);
        assert!(!table.finish(one.id, HandshakeEnd::Cancelled));
        assert_eq!(table.counts().cancelled, 2);
    }

    #[test]
    fn ipv6_sources_are_counted_by_their_64_bit_prefix_and_mapped_ipv4_as_ipv4() {
        let host: Ipv6Addr = "2001:db8:1:2::1".parse().unwrap();
        let same_prefix: Ipv6Addr = "2001:db8:1:2:ffff::9".parse().unwrap();
        let other_prefix: Ipv6Addr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(
            Source::from(IpAddr::V6(host)),
            Source::from(IpAddr::V6(same_prefix))
        );
        assert_ne!(
            Source::from(IpAddr::V6(host)),
            Source::from(IpAddr::V6(other_prefix))
        );
        assert_eq!(
            Source::from(IpAddr::V6(host)).to_string(),
            "2001:db8:1:2::/64"
        );
        let mapped = IpAddr::V6(Ipv4Addr::new(10, 1, 2, 3).to_ipv6_mapped());
        assert_eq!(Source::from(mapped), Source::V4(Ipv4Addr::new(10, 1, 2, 3)));
    }
}
