# The two commands of the README, plus the developer loop.
.PHONY: serve test dev lint bench

serve:   ## build (release) and serve at http://localhost:3000
	./scripts/serve.sh

test:    ## the whole suite: unit, HTTP integration (SQLite + PostgreSQL), Playwright
	./scripts/test.sh

dev:     ## live reload while editing
	./scripts/setup.sh && . scripts/env.sh && cargo leptos watch

lint:    ## formatting and clippy, native and wasm
	./scripts/lint.sh

bench:   ## release benchmark vs server-side sessions: bench/results/report.md + throughput.svg
	python3 bench/run.py
