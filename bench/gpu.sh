#!/usr/bin/env bash
# Arbiter's predict on an NVIDIA GPU beside the Python loop on the same GPU.
#
#   bench/gpu.sh [N [BATCH]]        (defaults 3000 64; the camera case uses N/10, at least 100)
#
# 1. Fails early, saying so, when there is no NVIDIA GPU (no nvidia-smi, or it lists none).
# 2. Sets up a venv ($ARBITER_GPU_VENV, default /tmp/arbiter-gpu-venv) with onnxruntime-gpu
#    1.31.1 from PyPI (with its CUDA/cuDNN wheels) and the data generators' packages; Arbiter
#    loads the ONNX Runtime library from that same wheel (ORT_DYLIB_PATH), as scripts/setup.sh
#    does for the CPU build.
# 3. Builds predict_images (release) and runs it with --device cuda: the small-image case and the
#    camera photos (bench/predict/make_data.py, make_camera.py), Arbiter beside
#    bench/predict/python_loop.py --cuda. Each timed pass samples `nvidia-smi` every 100 ms and
#    prints items/s with the GPU's mean and peak utilisation.
# ARBITER_BENCH_GPU picks the GPU (default 0).
set -euo pipefail

ORT_VERSION=1.31.1
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
n="${1:-3000}"
batch="${2:-64}"
gpu="${ARBITER_BENCH_GPU:-0}"

die() {
  echo "gpu.sh: $*" >&2
  exit 2
}

case "$n$batch" in
  *[!0-9]*) die "usage: bench/gpu.sh [N [BATCH]] (whole numbers)" ;;
esac

if ! command -v nvidia-smi >/dev/null 2>&1; then
  die "no NVIDIA GPU here: nvidia-smi was not found. This benchmark needs an NVIDIA GPU with its driver (nvidia-smi) and CUDA 12. On a machine without one, run the CPU benchmark: cargo run --release -p arbiter-bench --bin predict_images"
fi
if ! listed="$(nvidia-smi -L 2>&1)" || ! grep -q '^GPU ' <<<"$listed"; then
  die "nvidia-smi found no usable NVIDIA GPU (${listed:-no output}); check the driver with nvidia-smi"
fi
if ! grep -q "^GPU $gpu:" <<<"$listed"; then
  die "ARBITER_BENCH_GPU=$gpu: no such GPU; nvidia-smi -L lists: $listed"
fi
echo "gpu.sh: $(grep "^GPU $gpu:" <<<"$listed")"

venv="${ARBITER_GPU_VENV:-/tmp/arbiter-gpu-venv}"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/pip" install --quiet "onnxruntime-gpu[cuda,cudnn]==$ORT_VERSION" numpy pillow onnx scikit-learn
site="$("$venv/bin/python" -c 'import onnxruntime, os; print(os.path.dirname(os.path.dirname(onnxruntime.__file__)))')"
lib="$site/onnxruntime/capi/libonnxruntime.so.$ORT_VERSION"
[ -f "$lib" ] || die "the onnxruntime-gpu wheel has no $lib"
# The CUDA and cuDNN libraries the wheel's extras installed (nvidia-*-cu12), for Arbiter's loader.
cuda_libs="$(find "$site/nvidia" -maxdepth 2 -type d -name lib 2>/dev/null | paste -sd: -)"
export ORT_DYLIB_PATH="$lib"
export LD_LIBRARY_PATH="${cuda_libs}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export ARBITER_BENCH_PYTHON="$venv/bin/python"
export ARBITER_BENCH_GPU="$gpu"
"$venv/bin/python" - <<'PY' || die "onnxruntime-gpu cannot use CUDA here (see above); check the driver and CUDA 12"
import onnxruntime as ort
ort.preload_dylibs() if hasattr(ort, "preload_dylibs") else None
assert "CUDAExecutionProvider" in ort.get_available_providers(), ort.get_available_providers()
PY

cd "$root"
cargo build --release -p arbiter-bench --bin predict_images
bin="$root/target/release/predict_images"
camera_n=$(( n / 10 > 100 ? n / 10 : 100 ))
echo "== small images, --device cuda =="
"$bin" --device cuda "$n" "$batch"
echo "== camera photos, --device cuda =="
"$bin" --device cuda camera "$camera_n" "$batch"
