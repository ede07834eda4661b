//! Attacks on a node by a compromised child, a stranger on the network, a lying parent and a
//! careless operator, each run against real node code (QUIC where the attack is on the transport).
//! Every test asserts how the attack is refused (kind and count), that nothing of the attacker's
//! was stored, and that an honest sibling's submission was stored and the parent's rollup made in
//! the same run. One module per attack or family of attacks, in `tests/attacks/`.

// A test crate's root looks for modules beside it, not in `attacks/`: the path says where.
#[path = "attacks/clocks.rs"]
mod clocks;
#[path = "attacks/common.rs"]
mod common;
#[path = "attacks/decompression_bomb.rs"]
mod decompression_bomb;
#[path = "attacks/envelopes.rs"]
mod envelopes;
#[path = "attacks/handshakes.rs"]
mod handshakes;
#[path = "attacks/keys.rs"]
mod keys;
#[path = "attacks/local_files.rs"]
mod local_files;
#[path = "attacks/processes_scene.rs"]
mod processes_scene;
#[path = "attacks/quotas.rs"]
mod quotas;
#[path = "attacks/restore_withholding.rs"]
mod restore_withholding;
#[path = "attacks/rollups.rs"]
mod rollups;
#[path = "attacks/rotation.rs"]
mod rotation;
#[path = "attacks/stalls.rs"]
mod stalls;
#[path = "attacks/topology.rs"]
mod topology;
