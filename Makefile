# The two commands of the README, plus the developer loop.
.PHONY: serve test dev lint bench soak

serve:   ## build (release) and serve at http://localhost:3000
	./scripts/serve.sh

test:    ## the whole suite: unit, HTTP integration (SQLite + PostgreSQL), Playwright
	./scripts/test.sh

dev:     ## live reload while editing
	./scripts/setup.sh && . scripts/env.sh && cargo leptos watch --split

lint:    ## formatting and clippy, native and wasm
	./scripts/lint.sh

bench:   ## release benchmark vs server-side sessions: bench/results/report.md + throughput.svg
	python3 bench/run.py

soak:    ## fixed mixed load, SOAK_MINUTES (10) on SQLite then PostgreSQL: bench/results/soak-*.md
	python3 bench/soak.py
