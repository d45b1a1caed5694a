#!/usr/bin/env bash
# Install what is missing, then run every check and test: formatting, lints, Rust unit,
# integration and CLI end-to-end tests, the UI's type check, lint and Vitest tests, and the desktop
# end-to-end test (the real app under Xvfb through tauri-driver + WebKitWebDriver).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
./scripts/setup.sh

step() { echo; echo "==> $*" >&2; }

step "UI: type check, lint, unit tests, production build"
(cd ui && npm run --silent typecheck && npm run --silent lint && npm test --silent && npm run --silent build)

step "Rust: format and lints"
cargo fmt --all --check
cargo clippy --workspace --all-targets --locked -- -D warnings

step "Dependencies: licenses, bans and sources (deny.toml)"
cargo deny check licenses bans sources

step "Rust: unit, integration and CLI end-to-end tests"
cargo test --workspace --locked

step "Hugging Face datasets loads the Parquet and image-folder exports"
./scripts/check-hf-datasets.sh

step "Desktop end-to-end test (Xvfb + tauri-driver + WebKitWebDriver)"
cargo build --locked -p arbiter-cli -p arbiter-app
(cd tests/e2e && npm test)
