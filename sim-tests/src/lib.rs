//! Test machinery: deterministic in-memory runs of node cores joined by protocol sessions
//! ([`harness`]), and helpers to run `huizong` as separate operating-system processes
//! ([`processes`]).

pub mod attack_peer;
pub mod harness;
pub mod processes;
pub mod sim;
pub mod stalling_client;
pub mod tampering;
