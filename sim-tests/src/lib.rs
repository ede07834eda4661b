//! Deterministic simulation and multi-process tests.
