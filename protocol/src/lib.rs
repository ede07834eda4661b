//! The sans-IO sync protocol between a node and its parent.
//!
//! Architecture invariant: this crate does no I/O. No sockets, no tokio, no sled, no clock, no
//! randomness: the driver feeds bytes and time in and drains frames and events out (see
//! [`session`]). Everything a peer sends is checked here: frames against hard limits, signed
//! objects against the topology, documents against their owner's signed heads, rollups against
//! the sum of their inputs.

pub mod authorization;
pub mod encoding;
pub mod frame;
pub mod inflation;
pub mod key;
pub mod key_use;
pub mod limits;
pub mod message;
pub mod notice;
pub mod person;
pub mod refusal;
pub mod replicas;
pub mod restore;
pub mod rollup;
pub mod session;
pub mod signed;
pub mod submission;
pub mod sync_check;

pub use key::DocumentKey;
pub use notice::{Decision, Notice, NoticeBody, Receipt, Verdict};
pub use refusal::{Refusal, RefusalReason};
pub use replicas::{Replicas, StoreFailure, TopologyAdoption};
pub use restore::{RestoreClient, RestoreError, Restored};
pub use rollup::{InputKind, Rollup, RollupInput};
pub use session::{Event, QueueDepths, Role, Session, SessionConfig, SessionError, SessionStats};
pub use signed::{Envelope, ObjectHash, Signed, SignedError, SignedPayload};
pub use submission::{AcceptedSubmission, Submission};
