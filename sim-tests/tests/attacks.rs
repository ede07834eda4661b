//! Attacks on a node by a compromised child, a stranger on the network, a lying parent and a
//! careless operator, each run against real node code (QUIC where the attack is on the transport).
//! Every test asserts how the attack is refused (kind and count), that nothing of the attacker's
//! was stored, and that an honest sibling's submission was stored and the parent's rollup made in
//! the same run. One module per attack or family of attacks, in `tests/attacks/`.

#[path = "attacks/handshakes.rs"]
mod handshakes;
