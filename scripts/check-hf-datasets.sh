#!/usr/bin/env bash
# Hugging Face `datasets` loads Arbiter's exports: a project made from the digits fixture (with
# annotations that change some labels) is exported as Parquet and as an image folder with a
# validation share, and fixtures/check_hf_datasets.py loads both with `load_dataset("parquet",
# data_files=…)` and `load_dataset("imagefolder", data_dir=…)`, offline, checking labels and
# the train/validation split against the export's own columns.
#
# Python: the fixtures' environment (fixtures/requirements.txt, which pins `datasets`), at
# $ARBITER_FIXTURES_VENV or ~/.cache/arbiter/venv-fixtures (made there when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${ARBITER_FIXTURES_VENV:-$HOME/.cache/arbiter/venv-fixtures}"
if ! "$venv/bin/python" -c "import datasets, pyarrow" 2>/dev/null; then
  echo "Making the fixtures' Python environment in $venv" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet -r fixtures/requirements.txt
fi
cargo build --quiet --locked -p arbiter-cli
arbiter="$PWD/target/debug/arbiter"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
p="$tmp/project"
"$arbiter" init "$p" >/dev/null
"$arbiter" --project "$p" dataset import fixtures/digits/manifest.csv >/dev/null 2>&1
# Decided labels that differ from the given ones, and one label only people use.
printf 'item_id,annotator,label\ndigit_0000,ana,8\ndigit_0001,ana,7\ndigit_0002,ana,2\n' >"$tmp/a.csv"
"$arbiter" --project "$p" annotations import "$tmp/a.csv" >/dev/null
"$arbiter" --project "$p" export --out "$tmp/out/data.parquet" --validation-share 0.2 --seed 5 >/dev/null
"$arbiter" --project "$p" export --format imagefolder --out "$tmp/out/images" --validation-share 0.2 --seed 5 >/dev/null
HF_HUB_OFFLINE=1 HF_DATASETS_CACHE="$tmp/hf-cache" HF_HOME="$tmp/hf-home" \
  "$venv/bin/python" fixtures/check_hf_datasets.py --parquet "$tmp/out/data.parquet" --imagefolder "$tmp/out/images"
