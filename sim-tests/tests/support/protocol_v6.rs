//! A frozen copy of the messages of protocol version 6, as `protocol/src/message.rs` declared them
//! when version 7 was made. Never edit it to follow the current code: the versions test decodes
//! every frame a current node sends to a version-6 peer with these types, so a change that a
//! version-6 node could not read fails there. Comments are trimmed; the types and their order are
//! exactly version 6's (postcard encodes a variant by its index and a struct by field order).

use protocol::{DocumentKey, Envelope};
use serde::{Deserialize, Serialize};
use topology::DivisionCode;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Message {
    Hello {
        protocol_version: u32,
        node: DivisionCode,
        topology_version: u64,
    },
    Offer {
        round: u64,
        submissions: Vec<Envelope>,
        eager: Vec<EagerSync>,
        last_page: bool,
    },
    Sync {
        key: DocumentKey,
        sequence: u64,
        restart: bool,
        message: Vec<u8>,
    },
    Superseded {
        key: DocumentKey,
        sequence: u64,
    },
    Settled {
        round: u64,
        not_stored: Vec<DocumentKey>,
    },
    Notices {
        notices: Vec<Envelope>,
    },
    Rollups {
        rollups: Vec<Envelope>,
        last_page: bool,
    },
    RestoreRequest,
    RestoreNext,
    RestorePage {
        part: RestorePart,
        last_page: bool,
    },
    Topology {
        text: String,
    },
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum RestorePart {
    Notices(Vec<Envelope>),
    Submissions(Vec<Envelope>),
    DocumentChunk {
        key: DocumentKey,
        sequence: u64,
        total_bytes: u64,
        offset: u64,
        bytes: Vec<u8>,
    },
    Rollups(Vec<Envelope>),
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EagerSync {
    pub key: DocumentKey,
    pub sequence: u64,
    pub message: Vec<u8>,
}
