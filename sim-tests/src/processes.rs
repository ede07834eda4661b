//! Running `huizong` as separate processes.
