#!/usr/bin/env bash
# Formatting and clippy (warnings are errors) for the server build, the browser build and the
# benchmark code.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
export LEPTOS_OUTPUT_NAME=tokengate
cargo fmt --all -- --check
cargo clippy -p app -p tokengate -p tokengate-robustness --features app/ssr --all-targets -- -D warnings
cargo clippy -p frontend --target wasm32-unknown-unknown -- -D warnings
# The benchmark code (`make bench`): the server's bench feature with its tools, and the baseline.
cargo clippy -p tokengate -p tokengate-bench --features bench -- -D warnings
cargo clippy -p session-baseline --all-targets -- -D warnings
