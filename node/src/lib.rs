//! The huizong node: one binary run by every county, city and region.
//!
//! - [`core`]: the node's data and operations (import, submit, consolidate, verify), synchronous;
//! - [`store`]: sled behind a small trait;
//! - [`transport`]: QUIC with mutual TLS and pinned ed25519 keys;
//! - [`driver`]: runs the core and protocol sessions over QUIC with tokio;
//! - [`operations`]: every operation typed (arguments, apply, answer), for the CLI, the control
//!   socket and the web console; [`import`], [`render`]: the edges people touch;
//! - [`local_tree`], [`demo`] and [`bench`]: a whole tree in one process.
//!
//! Architecture invariant: all data work goes through [`core::NodeCore`]; the driver only moves
//! bytes and wakes sessions.

// The workspace's message catalogues (`locales/<language>.yml`), compiled in; every text people
// read is looked up with `t!` (see `schemas::i18n`).
rust_i18n::i18n!("../locales", fallback = "zh-CN");

/// `t!(key, name = value)`: a text of the catalogues in the language in force.
pub use schemas::t;

pub mod backup;
pub mod bench;
pub mod clock;
pub mod config_check;
pub mod console;
pub mod core;
pub mod demo;
pub mod directory;
pub mod driver;
pub mod export;
pub mod import;
pub mod local_tree;
pub mod metrics;
pub mod operations;
pub mod refusals;
pub mod render;
pub mod returns;
pub mod spreadsheet;
pub mod store;
pub mod template;
pub mod transport;
