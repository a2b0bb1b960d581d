#!/usr/bin/env bash
# Builds Tokengate in release mode and serves it at http://localhost:3000 (listening on LEPTOS_SITE_ADDR, 127.0.0.1:3000).
# The first start creates ./data/tokengate.db, applies migrations and generates a signing key;
# later starts reuse them.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
source scripts/env.sh
# Static files: content-hashed names under /pkg (cached by browsers for a year) and a .br and .gz
# of every file, sent as-is to clients that accept them. Release only: the tests start
# target/debug/tokengate directly, without cargo-leptos's environment, and link the plain names.
# cargo-leptos hands LEPTOS_HASH_FILES on to the server it starts.
# --split: the pages other than /login are WASM chunks loaded on demand (app/src/pages/lazy.rs).
export LEPTOS_HASH_FILES=true
exec cargo leptos serve --release --precompress --split
