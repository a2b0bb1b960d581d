# The two commands of the README, plus the developer loop.
.PHONY: serve test dev lint

serve:   ## build (release) and serve at http://127.0.0.1:3000
	./scripts/serve.sh

test:    ## the whole suite: unit, HTTP integration (SQLite + PostgreSQL), Playwright
	./scripts/test.sh

dev:     ## live reload while editing
	./scripts/setup.sh && . scripts/env.sh && cargo leptos watch

lint:    ## formatting and clippy, native and wasm
	./scripts/lint.sh
