//! The messages two peers exchange, and their encoding inside frames.
//!
//! A child offers its parent what it holds (signed submissions), the parent pulls each document it
//! lacks with automerge sync, tells the child when the offer is settled, and the child then sends
//! its rollups. Every message is decoded with postcard from one frame and checked against the
//! limits before it is acted on.
//!
//! A child that lost its store asks its parent instead to restore it (`RestoreRequest`, then one
//! `RestoreNext` per page): the parent answers page by page with what it holds about the child's
//! subtree (see `crate::restore`).

use serde::{Deserialize, Serialize};
use topology::DivisionCode;

use crate::frame::{FrameError, encode_frame};
use crate::key::DocumentKey;
use crate::signed::Envelope;

/// The newest protocol version this build speaks; bumped on any change to a message or to a signed
/// object's encoding. History: 3 added restore; 4 added `Topology`, receipts (a notice kind),
/// exact decoding (no trailing bytes) and envelope size caps; 5 names the person in submissions
/// (`huizong/submission/2`) and review decisions (a new notice body), which a peer speaking 4
/// could not decode; 6 adds the choices of a return definition (a new notice body); 7 adds the
/// recovery of a node restored from a backup (`RecoveryRequest`, `Recovery`) and negotiation.
///
/// `Hello` keeps its encoding in every version. From 7 on, each side's hello names the newest
/// version it speaks and the session speaks the older of the two, as long as both speak it
/// (this build speaks [`OLDEST_PROTOCOL_VERSION`] to [`PROTOCOL_VERSION`]). A version-6 node
/// refuses any hello but its own, so a driver that heard a peer say 6 opens its next session
/// with that peer saying 6 ([`SessionConfig::hello_version`](crate::SessionConfig)).
pub const PROTOCOL_VERSION: u32 = 7;

/// The oldest protocol version this build still speaks: the one before [`PROTOCOL_VERSION`], so
/// that a tree can be upgraded one node at a time.
pub const OLDEST_PROTOCOL_VERSION: u32 = 6;

/// The first version with the recovery messages.
pub const RECOVERY_PROTOCOL_VERSION: u32 = 7;

/// The version a session speaks, given the version our hello named and the peer's: the older
/// of the two, or `None` when this build no longer speaks it.
pub fn negotiated_version(announced: u32, theirs: u32) -> Option<u32> {
    let version = announced.min(theirs).min(PROTOCOL_VERSION);
    (version >= OLDEST_PROTOCOL_VERSION).then_some(version)
}

/// One message, one frame.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Message {
    /// First message each way: who I am, what I speak, which topology I hold.
    Hello {
        protocol_version: u32,
        node: DivisionCode,
        topology_version: u64,
    },
    /// Child to parent: a page of the latest signed submissions the child holds (its own and its
    /// descendants'). An offer round is one or more pages, the last marked. For documents already
    /// synced in this session the child adds the sync message that carries the new changes, so the
    /// parent needs no round trip to ask for them.
    Offer {
        round: u64,
        submissions: Vec<Envelope>,
        eager: Vec<EagerSync>,
        last_page: bool,
    },
    /// Either way: an automerge sync message for one document, for the submission with this
    /// sequence number. `restart` marks the parent's first message of a pull: the child forgets
    /// what it sent for the document before, since the parent starts from what it has stored.
    Sync {
        key: DocumentKey,
        sequence: u64,
        restart: bool,
        message: Vec<u8>,
    },
    /// Child to parent: the submission being synced was replaced by a newer one, which the child
    /// offers next; the parent drops what it received for the old one.
    Superseded { key: DocumentKey, sequence: u64 },
    /// Parent to child: every document offered up to this round is handled. The parent now holds
    /// each offered document at its signed heads, except those listed in `not_stored` (refused or
    /// abandoned); the child's later offers send new changes from there without being asked.
    Settled {
        round: u64,
        not_stored: Vec<DocumentKey>,
    },
    /// Either way: a page of signed notices (review decisions) the sender holds and has not sent
    /// in this session, those the receiver may see.
    Notices { notices: Vec<Envelope> },
    /// Child to parent: a page of signed rollups, deepest nodes first, the last page marked.
    Rollups {
        rollups: Vec<Envelope>,
        last_page: bool,
    },
    /// Child to parent, after hello, instead of an offer: the child lost its store and asks for
    /// everything the parent holds about the child's subtree. The parent answers with the first
    /// `RestorePage`.
    RestoreRequest,
    /// Child to parent: the next page of the restore, once the previous one is checked. One page in
    /// flight at a time keeps the parent's outbox and the child's memory bounded.
    RestoreNext,
    /// Parent to child: one page of the restore, the last marked.
    RestorePage { part: RestorePart, last_page: bool },
    /// Parent to child, when the child's hello named an older topology version than the parent
    /// holds (or the parent adopts a newer one): the root-signed topology file. The child checks
    /// it against the root key it pinned and adopts it, and passes it on to its own children.
    Topology { text: String },
    /// Parent to child, after hello (version 7 on): this node was restored from a backup and asks
    /// for what the child holds that it signed or must hold: the topology version, definitions,
    /// locks, and every notice about the child's subtree. The child answers with `Recovery` pages.
    RecoveryRequest,
    /// Child to parent, answering `RecoveryRequest`: the child's topology when it is newer than
    /// the parent's hello named, and a page of notices, the last page marked.
    Recovery {
        topology: Option<String>,
        notices: Vec<Envelope>,
        last_page: bool,
    },
}

/// What one restore page carries. The parent sends notices, then submissions, then the documents
/// at their signed heads (each a save in chunks), then rollups.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum RestorePart {
    /// Signed notices about the child's subtree (its own decisions included) and the root's
    /// definitions and locks.
    Notices(Vec<Envelope>),
    /// Signed submissions of documents in the child's subtree: the latest of each, and older ones
    /// that the rollups sent later name as inputs.
    Submissions(Vec<Envelope>),
    /// A piece of the automerge save of one document, as of the latest submission `sequence`.
    DocumentChunk {
        key: DocumentKey,
        sequence: u64,
        /// Length of the whole save.
        total_bytes: u64,
        /// Where this piece starts in the save.
        offset: u64,
        bytes: Vec<u8>,
    },
    /// Signed rollups of nodes in the child's subtree: the latest of each, and older ones that
    /// other rollups sent name as inputs.
    Rollups(Vec<Envelope>),
}

/// A sync message sent with an offer, before the parent asks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EagerSync {
    pub key: DocumentKey,
    pub sequence: u64,
    pub message: Vec<u8>,
}

/// A frame that does not hold a message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MessageError {
    #[error("the frame does not decode as a message: {reason}")]
    Malformed { reason: String },
    #[error(transparent)]
    Frame(#[from] FrameError),
}

impl Message {
    /// Encodes the message as one length-prefixed frame.
    pub fn to_frame(&self) -> Result<Vec<u8>, MessageError> {
        let body = postcard::to_stdvec(self).map_err(|error| MessageError::Malformed {
            reason: error.to_string(),
        })?;
        Ok(encode_frame(&body)?)
    }

    /// Decodes a frame body.
    pub fn from_frame_body(body: &[u8]) -> Result<Self, MessageError> {
        crate::encoding::decode_exact(body).map_err(|reason| MessageError::Malformed { reason })
    }

    /// A short name for logs.
    pub fn kind(&self) -> &'static str {
        match self {
            Message::Hello { .. } => "hello",
            Message::Offer { .. } => "offer",
            Message::Sync { .. } => "sync",
            Message::Superseded { .. } => "superseded",
            Message::Settled { .. } => "settled",
            Message::Rollups { .. } => "rollups",
            Message::Notices { .. } => "notices",
            Message::RestoreRequest => "restore request",
            Message::RestoreNext => "restore next",
            Message::RestorePage { .. } => "restore page",
            Message::Topology { .. } => "topology",
            Message::RecoveryRequest => "recovery request",
            Message::Recovery { .. } => "recovery",
        }
    }
}
