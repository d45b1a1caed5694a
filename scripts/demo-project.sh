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
# A small conv net trained on the digits (fixtures/models/README.md); registering it needs the
# ONNX Runtime library that scripts/setup.sh installs.
"$arbiter" --project "$dir" model add "$repo/fixtures/models/digits_logits.onnx" --name digits-cnn >/dev/null
echo "demo: created $dir (1,797 digits, model digits-cnn)" >&2
