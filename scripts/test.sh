#!/usr/bin/env bash
# The whole test suite, as CI runs it:
#   1. unit tests (tokens, credentials, redirects, formatting)
#   2. HTTP integration tests against the real server binary, on SQLite and on PostgreSQL
#      (PostgreSQL at 127.0.0.1:5432, trust auth, database `test`; override with TOKENGATE_TEST_PG_URL)
#      then the release binary under hostile input (robustness/: raw-TCP attacks, slow clients, fuzzing)
#   3. Playwright end-to-end tests in Debian's Chromium against the real server
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh --test
source scripts/env.sh

# cargo-leptos compiles the server with LEPTOS_OUTPUT_NAME set; setting it here too lets
# `cargo test` reuse that build instead of recompiling the Leptos stack.
export LEPTOS_OUTPUT_NAME=tokengate

step() { printf '\n\033[1;34m==> %s\033[0m\n' "$*"; }
start=$(date +%s)

step "format check"
cargo fmt --all -- --check

# --split, as every build of the WASM: its lazy pages (app/src/pages/lazy.rs) only load as chunks.
step "build (cargo leptos build --split)"
cargo leptos build --split

step "unit tests"
cargo test -p app --features ssr --lib

step "HTTP integration tests (SQLite and PostgreSQL)"
cargo test -p tokengate

step "robustness: the release binary under hostile input"
cargo build --release -p tokengate
TOKENGATE_BIN="$PWD/target/release/tokengate" cargo test -p tokengate-robustness

step "end-to-end tests (Playwright + Chromium)"
(cd end2end && npx playwright test)

step "all tests passed in $(( $(date +%s) - start ))s"
