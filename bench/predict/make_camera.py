"""Generate the data for `predict_images camera`: camera-sized photos and a MobileNet.

    python make_camera.py DIR [N] [--size S]

Writes N JPEG files (default 300) to DIR/images/<class>/NNNNNN.jpg, 2000x1500, quality 90,
4:2:0: scikit-learn's two bundled sample photos (china.jpg -> class "0", flower.jpg -> class
"1"; 640x427 each), each picture a seeded random crop of at least half the photo, upscaled to
2000x1500 (bicubic) with seeded Gaussian noise (sigma 6) added so that the JPEGs carry
camera-like detail instead of smooth upscaling. And DIR/model.onnx: a MobileNet v1 (width
0.25: a 3x3 stride-2 conv, then 13 depthwise-separable blocks, global average pool, dense ->
2 logits; BatchNorm folded away, ReLU6 as Clip) with seeded random weights, input `image`
float32 [N,3,S,S] NCHW (default S = 224), output `logits` [N,2], metadata `labels` =
["0","1"]; the class-1 bias is shifted so that about half the images are predicted as each
class. Nothing is downloaded: the photos ship inside scikit-learn.
"""

import glob
import json
import os
import sys

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper
from PIL import Image
from sklearn.datasets import load_sample_images

SEED = 20261206
W, H = 2000, 1500


def write_images(out_dir: str, n: int, rng: np.random.Generator) -> None:
    photos = load_sample_images().images  # two uint8 427x640x3 arrays
    for c in range(len(photos)):
        os.makedirs(os.path.join(out_dir, "images", str(c)), exist_ok=True)
    for i in range(n):
        c = i % len(photos)
        photo = photos[c]
        h, w, _ = photo.shape
        cw = int(rng.integers(w // 2, w + 1))
        ch = min(h, int(round(cw * 3 / 4)))
        y = int(rng.integers(0, h - ch + 1))
        x = int(rng.integers(0, w - cw + 1))
        tile = Image.fromarray(np.ascontiguousarray(photo[y : y + ch, x : x + cw]))
        big = np.asarray(tile.resize((W, H), Image.BICUBIC), dtype=np.float32)
        big = big + rng.normal(0.0, 6.0, size=big.shape).astype(np.float32)
        out = Image.fromarray(np.clip(np.round(big), 0, 255).astype(np.uint8))
        out.save(os.path.join(out_dir, "images", str(c), f"{i:06d}.jpg"), quality=90)


def write_model(path: str, rng: np.random.Generator, size: int) -> None:
    inits, nodes = [], []

    def const(name, a):
        inits.append(numpy_helper.from_array(a.astype(np.float32), name))
        return name

    def conv(x, name, cin, cout, k, stride, group=1):
        fan_in = cin // group * k * k
        w = rng.normal(0.0, np.sqrt(2.0 / fan_in), size=(cout, cin // group, k, k))
        b = rng.normal(0.0, 0.01, size=cout)
        pad = k // 2
        nodes.append(helper.make_node(
            "Conv", [x, const(name + ".w", w), const(name + ".b", b)], [name],
            kernel_shape=[k, k], strides=[stride, stride], pads=[pad] * 4, group=group))
        nodes.append(helper.make_node("Clip", [name, "zero", "six"], [name + ".r"]))
        return name + ".r"

    const("zero", np.array(0.0))
    const("six", np.array(6.0))

    def ch(c):
        return max(8, int(c * 0.25))

    x = conv("image", "conv0", 3, ch(32), 3, 2)
    cin = ch(32)
    blocks = [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2),
              (512, 1), (512, 1), (512, 1), (512, 1), (512, 1), (1024, 2), (1024, 1)]
    for i, (cout, stride) in enumerate(blocks):
        x = conv(x, f"dw{i}", cin, cin, 3, stride, group=cin)
        x = conv(x, f"pw{i}", cin, ch(cout), 1, 1)
        cin = ch(cout)
    nodes.append(helper.make_node("GlobalAveragePool", [x], ["pool"]))
    nodes.append(helper.make_node("Flatten", ["pool"], ["flat"], axis=1))
    const("fc.w", rng.normal(0.0, np.sqrt(2.0 / cin), size=(2, cin)))
    const("fc.b", np.zeros(2))
    nodes.append(helper.make_node("Gemm", ["flat", "fc.w", "fc.b"], ["logits"], transB=1))
    graph = helper.make_graph(
        nodes, "bench_mobilenet_v1_025",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, ["N", 3, size, size])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", 2])],
        initializer=inits)
    model = helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="arbiter-bench")
    model.ir_version = 8
    helper.set_model_props(model, {"labels": json.dumps(["0", "1"])})
    onnx.checker.check_model(model, full_check=True)
    # Centre the class-1 bias so that predictions split about evenly.
    files = sorted(glob.glob(os.path.join(os.path.dirname(path), "images", "*", "*.jpg")))
    files = files[:: max(1, len(files) // 64)]

    def load(f):
        with Image.open(f) as im:
            im = im.convert("RGB").resize((size, size), Image.BILINEAR)
            return (np.asarray(im, dtype=np.float32) / 255.0).transpose(2, 0, 1)

    xs = np.stack([load(f) for f in files])
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    (logits,) = session.run(None, {"image": xs})
    fc_b = next(t for t in model.graph.initializer if t.name == "fc.b")
    b = numpy_helper.to_array(fc_b).copy()
    b[1] -= float(np.median(logits[:, 1] - logits[:, 0]))
    fc_b.CopyFrom(numpy_helper.from_array(b.astype(np.float32), "fc.b"))
    onnx.save(model, path)


def main() -> None:
    args = sys.argv[1:]
    size = 224
    if "--size" in args:
        i = args.index("--size")
        size = int(args[i + 1])
        del args[i : i + 2]
    if len(args) not in (1, 2) or size < 1:
        sys.exit("usage: make_camera.py DIR [N] [--size S]")
    out_dir = args[0]
    n = int(args[1]) if len(args) == 2 else 300
    rng = np.random.default_rng(SEED)
    os.makedirs(out_dir, exist_ok=True)
    write_images(out_dir, n, rng)
    write_model(os.path.join(out_dir, "model.onnx"), rng, size)
    print(json.dumps({"images": n, "width": W, "height": H, "size": size, "dir": out_dir}))


if __name__ == "__main__":
    main()
