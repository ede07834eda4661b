//! The QUIC transport between a node, its parent and its children.
//!
//! [`tls`] turns the node's ed25519 key and the keys the signed topology names into quinn client and
//! server configurations: mutual TLS 1.3 with pinned keys and no certificate authority. A connection
//! that completes the handshake has proved, on both sides, possession of a key the topology names for
//! that relation, and [`tls::peer_key`] tells the session which one.
pub mod tls;
