#!/usr/bin/env bash
# Formatting and clippy (warnings are errors) for the server build and the browser build.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
export LEPTOS_OUTPUT_NAME=tokengate
cargo fmt --all -- --check
cargo clippy -p app -p tokengate --features app/ssr --all-targets -- -D warnings
cargo clippy -p frontend --target wasm32-unknown-unknown -- -D warnings
