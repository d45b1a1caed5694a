#!/usr/bin/env bash
# Build the demo project (the 8×8 digits from scikit-learn) in DIR (default: .demo/digits) with
# the arbiter CLI at $ARBITER (default: target/debug/arbiter). Leaves an existing project alone.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
dir="${1:-$repo/.demo/digits}"
arbiter="${ARBITER:-$repo/target/debug/arbiter}"
if [ -f "$dir/arbiter.db" ]; then
  echo "demo: $dir already exists" >&2
  exit 0
fi
"$arbiter" init "$dir" --name digits >/dev/null
"$arbiter" --project "$dir" dataset import "$repo/fixtures/digits/manifest.csv" --name digits >/dev/null
echo "demo: created $dir (1,797 digits)" >&2
