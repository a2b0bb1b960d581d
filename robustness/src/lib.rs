//! Robustness tests for the release `tokengate` binary; everything lives in `tests/`.
//!
//! The release profile has `panic = "abort"`, so one `unwrap()` reachable from the network takes
//! the whole server down. These tests start the binary named by `TOKENGATE_BIN`, attack it over
//! raw TCP and assert, after every case, that the process is still running and still answers
//! `GET /healthz`. Run them with `scripts/test.sh`, or by hand:
//!
//! ```text
//! LEPTOS_OUTPUT_NAME=tokengate cargo build --release -p tokengate
//! TOKENGATE_BIN="$PWD/target/release/tokengate" cargo test -p tokengate-robustness
//! ```
//!
//! The fuzzer (`tests/fuzz`) takes `ROBUSTNESS_SEED` and `ROBUSTNESS_CASES`; it prints its seed,
//! and the same seed generates the same cases.
