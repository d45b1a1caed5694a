#!/usr/bin/env bash
# Install what Arbiter's build, app and tests need on Debian 12, skipping what is already there:
# the WebKitGTK/GTK development packages, Xvfb, WebKitWebDriver, xdotool (the e2e tests answer
# the native file dialogs with it), ImageMagick (their screenshots of the X screen), Node.js, the
# UI's and the e2e tests' npm packages, and tauri-driver; libturbojpeg (JPEG decoding, linked
# through pkg-config). Safe to run again; prints what it
# installs.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

need_apt=()
for pkg in build-essential pkg-config libwebkit2gtk-4.1-dev libgtk-3-dev libsoup-3.0-dev \
           librsvg2-dev libssl-dev xvfb webkit2gtk-driver xauth xdotool chromium chromium-driver imagemagick \
           libturbojpeg0-dev; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need_apt+=("$pkg")
done
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then need_apt+=(nodejs npm); fi
if ! python3 -m pip --version >/dev/null 2>&1; then need_apt+=(python3-pip); fi
# scripts/check-hf-datasets.sh makes a virtual environment (Debian splits ensurepip out).
if ! python3 -c "import ensurepip" >/dev/null 2>&1; then need_apt+=(python3-venv); fi
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${need_apt[*]}" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

if ! command -v cargo >/dev/null; then
  echo "setup: cargo is missing: install Rust with rustup (https://rustup.rs); rust-toolchain.toml pins the version" >&2
  exit 1
fi

# npm packages, reinstalled when the lock file changed.
for dir in ui tests/e2e; do
  stamp="$dir/node_modules/.package-lock.json"
  if [ ! -f "$stamp" ] || [ "$dir/package-lock.json" -nt "$stamp" ]; then
    echo "setup: npm ci in $dir" >&2
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
done

# ONNX Runtime, from the official wheel on PyPI (ARBITER_ORT_PACKAGE=onnxruntime-gpu for CUDA).
# Arbiter finds it here; ORT_DYLIB_PATH overrides.
ORT_VERSION=1.31.1
ORT_PACKAGE="${ARBITER_ORT_PACKAGE:-onnxruntime}"
ort_dir="${XDG_DATA_HOME:-$HOME/.local/share}/arbiter/onnxruntime/$ORT_VERSION"
if [ ! -f "$ort_dir/libonnxruntime.so.$ORT_VERSION" ] || [ "$ORT_PACKAGE" != "$(cat "$ort_dir/PACKAGE" 2>/dev/null || echo onnxruntime)" ]; then
  echo "setup: installing ONNX Runtime $ORT_VERSION ($ORT_PACKAGE wheel from PyPI) into $ort_dir" >&2
  wheel_dir="$(mktemp -d)"
  python3 -m pip download --quiet --no-deps --only-binary=:all: --platform manylinux_2_28_x86_64 \
    --python-version 3.11 --implementation cp "$ORT_PACKAGE==$ORT_VERSION" -d "$wheel_dir"
  mkdir -p "$ort_dir"
  python3 - "$wheel_dir" "$ort_dir" <<'PY'
import pathlib, sys, zipfile
wheel = next(pathlib.Path(sys.argv[1]).glob("*.whl"))
out = pathlib.Path(sys.argv[2])
with zipfile.ZipFile(wheel) as z:
    libs = [n for n in z.namelist() if n.startswith("onnxruntime/capi/lib") and ".so" in n]
    for name in libs:
        (out / pathlib.Path(name).name).write_bytes(z.read(name))
print(f"setup: extracted {len(libs)} libraries from {wheel.name}", file=sys.stderr)
PY
  echo "$ORT_PACKAGE" > "$ort_dir/PACKAGE"
  rm -rf "$wheel_dir"
fi

if ! command -v cargo-deny >/dev/null && [ ! -x "$HOME/.cargo/bin/cargo-deny" ]; then
  echo "setup: cargo install cargo-deny" >&2
  cargo install cargo-deny --locked --quiet
fi

if ! command -v tauri-driver >/dev/null && [ ! -x "$HOME/.cargo/bin/tauri-driver" ]; then
  echo "setup: cargo install tauri-driver" >&2
  cargo install tauri-driver --locked --quiet
fi
