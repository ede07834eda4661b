//! The web console: every node serves its own, so clerks, reviewers and the bureau work in a
//! browser at every level, offline like the sync.
//!
//! - [`server`]: where it listens (loopback by default; anything else only over TLS), the router,
//!   serving until shutdown;
//! - [`tls`]: the console's own ECDSA P-256 certificate (the node's ed25519 identity stays for
//!   QUIC) or the operator's;
//! - [`auth`]: sign-in against the accounts in the store, sessions by cookie, CSRF tokens, login
//!   throttling, who may do what;
//! - [`view`]: the pages' templates (minijinja, embedded in the binary) and their words, from the
//!   same catalogues as the CLI, in the reader's language;
//! - [`charts`]: SVG charts drawn on the server;
//! - `pages/`: one module per group of pages. Every change goes through the typed operations the
//!   CLI uses ([`crate::operations`]), with the signed-in person as the actor.

pub mod auth;
pub mod charts;
mod pages;
pub mod server;
pub mod tls;
mod view;

pub use server::{ConsoleHandle, UPLOAD_BYTES_MAX, start, uses_tls};

/// A password made for a new account or a reset: 16 characters from an alphabet without the
/// letters people confuse (0/O, 1/l/I), about 90 bits.
pub fn new_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("the system random source works");
    bytes
        .iter()
        .map(|byte| char::from(ALPHABET[usize::from(*byte) % ALPHABET.len()]))
        .collect()
}
