"""Generate the data for the `predict_images` benchmark.

    python make_data.py DIR [N] [--width K] [--crop C] [--size S]

Writes N JPEG files (default 3,000) to DIR/images/<class>/NNNNNN.jpg: random CxC crops
(default 160; seeded) of scikit-learn's two bundled sample photos (china.jpg -> class "0",
flower.jpg -> class "1"), saved at JPEG quality 90; and DIR/model.onnx: a small conv net (3
stride-2 3x3 convs + ReLU, global average pool, dense -> 2 logits) with seeded random weights,
input `image` float32 [N,3,S,S] NCHW (default S = 96), output `logits` [N,2], metadata `labels`
= ["0","1"]; the class-1 bias is then shifted so that about half the images are predicted as
each class. --width K multiplies every conv's channel count by K (default 1: 16/32/64
channels); a wider net makes the model, rather than JPEG decoding, the bottleneck.
Nothing is downloaded: the photos ship inside scikit-learn.
"""

import json
import os
import sys

import numpy as np
import onnx
from common import centre_bias_and_save, sample_photos
from onnx import TensorProto, helper, numpy_helper
from PIL import Image

SEED = 20240601


def write_images(out_dir: str, n: int, rng: np.random.Generator, crop: int) -> None:
    photos = sample_photos(out_dir)
    for i in range(n):
        c = i % len(photos)
        photo = photos[c]
        h, w, _ = photo.shape
        y = int(rng.integers(0, h - crop + 1))
        x = int(rng.integers(0, w - crop + 1))
        tile = np.ascontiguousarray(photo[y : y + crop, x : x + crop])
        Image.fromarray(tile).save(
            os.path.join(out_dir, "images", str(c), f"{i:06d}.jpg"), quality=90
        )


def write_model(path: str, rng: np.random.Generator, width: int, size: int) -> None:
    def weight(name, shape):
        fan_in = int(np.prod(shape[1:]))
        w = rng.normal(0.0, np.sqrt(2.0 / fan_in), size=shape).astype(np.float32)
        return numpy_helper.from_array(w, name)

    def bias(name, n):
        return numpy_helper.from_array(rng.normal(0.0, 0.01, size=n).astype(np.float32), name)

    inits, nodes = [], []
    prev, chans = "image", 3
    for k, out_ch in enumerate((16 * width, 32 * width, 64 * width)):
        inits += [weight(f"conv{k}.w", (out_ch, chans, 3, 3)), bias(f"conv{k}.b", out_ch)]
        nodes.append(
            helper.make_node(
                "Conv",
                [prev, f"conv{k}.w", f"conv{k}.b"],
                [f"conv{k}"],
                kernel_shape=[3, 3],
                strides=[2, 2],
                pads=[1, 1, 1, 1],
            )
        )
        nodes.append(helper.make_node("Relu", [f"conv{k}"], [f"relu{k}"]))
        prev, chans = f"relu{k}", out_ch
    nodes.append(helper.make_node("GlobalAveragePool", [prev], ["pool"]))
    nodes.append(helper.make_node("Flatten", ["pool"], ["flat"], axis=1))
    inits += [weight("fc.w", (2, chans)), bias("fc.b", 2)]
    nodes.append(helper.make_node("Gemm", ["flat", "fc.w", "fc.b"], ["logits"], transB=1))
    graph = helper.make_graph(
        nodes,
        "bench_convnet",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, ["N", 3, size, size])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", 2])],
        initializer=inits,
    )
    model = helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="arbiter-bench"
    )
    model.ir_version = 8
    helper.set_model_props(model, {"labels": json.dumps(["0", "1"])})
    onnx.checker.check_model(model, full_check=True)
    centre_bias_and_save(model, path, size, 256)


def main() -> None:
    args = sys.argv[1:]
    opts = {"--width": 1, "--crop": 160, "--size": 96}
    for flag in opts:
        if flag in args:
            i = args.index(flag)
            opts[flag] = int(args[i + 1])
            del args[i : i + 2]
    width, crop, size = opts["--width"], opts["--crop"], opts["--size"]
    if len(args) not in (1, 2) or min(width, crop, size) < 1 or crop > 427:
        sys.exit("usage: make_data.py DIR [N] [--width K] [--crop C (at most 427)] [--size S]")
    out_dir = args[0]
    n = int(args[1]) if len(args) == 2 else 3000
    rng = np.random.default_rng(SEED)
    os.makedirs(out_dir, exist_ok=True)
    write_images(out_dir, n, rng, crop)
    write_model(os.path.join(out_dir, "model.onnx"), rng, width, size)
    print(json.dumps({"images": n, "width": width, "crop": crop, "size": size, "dir": out_dir}))


if __name__ == "__main__":
    main()
