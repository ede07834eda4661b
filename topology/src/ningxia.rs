//! The shipped Ningxia tree: 宁夏回族自治区, its 5 cities and 22 counties, as a template.
//!
//! `topology/ningxia.toml` is compiled into the crate. It has no keys or addresses: operators fill
//! those in and sign the file with the region's key before nodes use it (its comment header says how).
//! Tests and the simulator use it as a real tree of realistic shape.

use crate::tree::Topology;

/// Name under which errors in the shipped file are reported.
const NINGXIA_ORIGIN: &str = "ningxia.toml";

/// The text of `topology/ningxia.toml`, comments included, for `huizong` to write out as a template.
pub const NINGXIA_TOML: &str = include_str!("../ningxia.toml");

/// The Ningxia tree parsed from [`NINGXIA_TOML`]: 28 nodes, unsigned, without keys or addresses.
pub fn ningxia() -> Topology {
    // The text is part of the crate and parsed by its tests, so a failure here is a bug of ours.
    Topology::from_toml_str(NINGXIA_TOML, NINGXIA_ORIGIN)
        .expect("the shipped ningxia.toml is valid")
}
