#!/usr/bin/env bash
# Install what is missing, build Arbiter and open the desktop app on the bundled demo project.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
(cd ui && npm run --silent build)
cargo build --release -p arbiter-cli -p arbiter-app
ARBITER=target/release/arbiter ./scripts/demo-project.sh .demo/digits
if [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  echo "run-demo: no display found; starting Xvfb on :99 (screenshots only)" >&2
  Xvfb :99 -screen 0 1400x900x24 >/dev/null 2>&1 &
  export DISPLAY=:99
fi
exec target/release/arbiter-app --project .demo/digits
