#!/usr/bin/env bash
# Builds Tokengate in release mode and serves it at http://127.0.0.1:3000 (LEPTOS_SITE_ADDR).
# The first start creates ./data/tokengate.db, applies migrations and generates a signing key;
# later starts reuse them.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
source scripts/env.sh
exec cargo leptos serve --release
