# Sourced by the scripts: puts project-local tools on PATH.
export PATH="$PWD/.tools/node_modules/.bin:$HOME/.cargo/bin:$PATH"
