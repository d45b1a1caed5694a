"""The Python baseline for the `predict_images` benchmark: the loop a user would write.

    python python_loop.py DIR [BATCH] [--model-only] [--draft] [--cuda]

Default: list DIR/images/**.jpg (sorted); per batch, Pillow open -> convert("RGB") ->
resize((S, S), BILINEAR) (S from the model's input shape) -> float32 / 255 -> CHW -> stack;
onnxruntime (CPU, default threads) runs the batch; NumPy softmax; argmax and max probability
collected. The whole loop (session creation excluded, like Arbiter's own `seconds`) is timed.

--draft: call Pillow's `im.draft("RGB", (S, S))` right after opening, so a JPEG is decoded at
the smallest DCT scale (1/2, 1/4, 1/8) not below S x S — what a user who knows Pillow adds for
big photos.

--model-only: preprocess every batch into memory first, then time only `session.run` over
the same batches: the pure model compute time for these inputs.

--cuda: run on the GPU (CUDAExecutionProvider of onnxruntime-gpu); refuses to run when the
session does not actually get CUDA, so a GPU figure is never a CPU one.

Prints one JSON line: {"mode", "items", "seconds", "items_per_second"}.
"""

import glob
import json
import os
import sys
import time

import numpy as np
import onnxruntime as ort
from PIL import Image

DRAFT = "--draft" in sys.argv[1:]
CUDA = "--cuda" in sys.argv[1:]


def load(path: str, size: int) -> np.ndarray:
    with Image.open(path) as im:
        if DRAFT:
            im.draft("RGB", (size, size))
        im = im.convert("RGB").resize((size, size), Image.BILINEAR)
        return (np.asarray(im, dtype=np.float32) / 255.0).transpose(2, 0, 1)


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    model_only = "--model-only" in sys.argv[1:]
    if not args:
        sys.exit("usage: python_loop.py DIR [BATCH] [--model-only]")
    root = args[0]
    batch = int(args[1]) if len(args) > 1 else 32
    files = sorted(glob.glob(os.path.join(root, "images", "**", "*.jpg"), recursive=True))
    providers = ["CUDAExecutionProvider", "CPUExecutionProvider"] if CUDA else ["CPUExecutionProvider"]
    session = ort.InferenceSession(os.path.join(root, "model.onnx"), providers=providers)
    if CUDA and session.get_providers()[0] != "CUDAExecutionProvider":
        sys.exit(f"python_loop.py --cuda: onnxruntime gave {session.get_providers()}, not CUDA")
    name = session.get_inputs()[0].name
    size = int(session.get_inputs()[0].shape[2])
    chunks = [files[i : i + batch] for i in range(0, len(files), batch)]

    predicted, confidence = [], []

    def finish(logits: np.ndarray) -> None:
        e = np.exp(logits - logits.max(axis=1, keepdims=True))
        p = e / e.sum(axis=1, keepdims=True)
        predicted.extend(p.argmax(axis=1).tolist())
        confidence.extend(p.max(axis=1).tolist())

    if model_only:
        inputs = [np.stack([load(f, size) for f in chunk]) for chunk in chunks]
        outputs = []
        t = time.perf_counter()
        for x in inputs:
            outputs.append(session.run(None, {name: x})[0])
        seconds = time.perf_counter() - t
        for logits in outputs:
            finish(logits)
    else:
        t = time.perf_counter()
        for chunk in chunks:
            x = np.stack([load(f, size) for f in chunk])
            (logits,) = session.run(None, {name: x})
            finish(logits)
        seconds = time.perf_counter() - t
    print(
        json.dumps(
            {
                "mode": ("model-only" if model_only else "loop") + (" draft" if DRAFT else "")
                + (" cuda" if CUDA else ""),
                "items": len(files),
                "seconds": seconds,
                "items_per_second": len(files) / seconds,
                # how many items were predicted as class index 1 (a cross-check)
                "predicted_1": int(sum(predicted)),
            }
        )
    )


if __name__ == "__main__":
    main()
