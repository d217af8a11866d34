//! The checks every fuzz target runs. They live in core's
//! `tests/fuzz_replay.rs`, which also replays the committed corpus on the stable
//! toolchain; including that file here keeps each invariant written once.

#[path = "../../organizr-auth-core/tests/fuzz_replay.rs"]
mod fuzz_replay;

pub use fuzz_replay::checks::*;
