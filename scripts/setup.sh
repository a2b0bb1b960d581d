#!/usr/bin/env bash
# Installs what building and testing Tokengate needs, skipping whatever is already there.
#   scripts/setup.sh          build tools (wasm32 target, cargo-leptos, wasm-bindgen CLI, wasm-opt)
#   scripts/setup.sh --test   the above plus Chromium and the Playwright packages
#   scripts/setup.sh --bench  the --test set plus wrk (the load generator of `make bench`)
# Only package registries are used (crates.io, npm, Debian): nothing downloads from GitHub.
set -euo pipefail
cd "$(dirname "$0")/.."

CARGO_LEPTOS_VERSION=0.3.10
BINARYEN_VERSION=132
TOOLS_DIR="$PWD/.tools"

say() { printf '\033[1;34m==>\033[0m %s\n' "$*"; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

if ! cargo leptos --version >/dev/null 2>&1; then
  say "installing cargo-leptos $CARGO_LEPTOS_VERSION (about 13 minutes on 2 cores, once)"
  cargo install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked
fi

# The wasm-bindgen CLI must match the wasm-bindgen crate in Cargo.lock exactly.
WASM_BINDGEN_VERSION=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$WASM_BINDGEN_VERSION" ]; then
  say "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (about 2 minutes, once)"
  # Not --locked: one of its locked dependencies is no longer on the registry.
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
fi

# wasm-opt for release builds; Debian's binaryen is too old for current rustc output.
if [ ! -x "$TOOLS_DIR/node_modules/.bin/wasm-opt" ]; then
  say "installing binaryen $BINARYEN_VERSION (wasm-opt) into .tools/"
  npm install --silent --no-audit --no-fund --prefix "$TOOLS_DIR" "binaryen@$BINARYEN_VERSION"
fi

if [ "${1:-}" = "--test" ] || [ "${1:-}" = "--bench" ]; then
  if [ ! -x /usr/bin/chromium ]; then
    say "installing Debian's Chromium"
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
  fi
  # Also when the lock file changed since the last install (a new devDependency such as otpauth).
  if [ ! -d end2end/node_modules/@playwright/test ] \
    || [ end2end/package-lock.json -nt end2end/node_modules/.package-lock.json ]; then
    say "installing the Playwright test runner and its helpers (npm ci)"
    (cd end2end && npm ci --silent --no-audit --no-fund)
  fi
fi

if [ "${1:-}" = "--bench" ] && ! command -v wrk >/dev/null; then
  say "installing Debian's wrk"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk
fi
