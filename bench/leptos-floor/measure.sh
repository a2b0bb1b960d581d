#!/usr/bin/env bash
# The framework's floor for issue 18's first-page target: the smallest Leptos 0.8 hydrate app
# that does what /login needs at all (a router, a <title>, one form posting to one server
# function, a pending state and an error), built exactly as Tokengate's WASM is (profile
# wasm-release: opt-level z, fat LTO, one codegen unit, panic abort; wasm-bindgen; cargo-leptos'
# own `wasm-opt -Oz` flags), then brotli-compressed at quality 11 as `--precompress` does.
#
#   bench/leptos-floor/measure.sh      -> prints raw and brotli sizes of the .wasm and .js
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$(cd ../.. && pwd)
export CARGO_TARGET_DIR="$ROOT/target/leptos-floor"
cargo build -q --locked --target wasm32-unknown-unknown --profile wasm-release
out="$CARGO_TARGET_DIR/pkg"
wasm-bindgen --target web --out-dir "$out" "$CARGO_TARGET_DIR/wasm32-unknown-unknown/wasm-release/leptos_floor.wasm"
"$ROOT/.tools/node_modules/.bin/wasm-opt" -Oz --enable-bulk-memory --enable-nontrapping-float-to-int \
  "$out/leptos_floor_bg.wasm" -o "$out/leptos_floor_bg.wasm"
python3 - "$out" <<'PY'
import sys, pathlib
try:
    import brotli
except ImportError:
    sys.exit("needs the Python brotli module: pip install brotli")
out = pathlib.Path(sys.argv[1])
total = 0
for name in ("leptos_floor_bg.wasm", "leptos_floor.js"):
    data = (out / name).read_bytes()
    br = len(brotli.compress(data, quality=11))
    total += br
    print(f"{name}: {len(data) / 1000:.1f} KB raw, {br / 1000:.1f} KB brotli")
print(f"total: {total / 1000:.1f} KB brotli (Leptos 0.8 hydrate floor, before any CSS)")
PY
