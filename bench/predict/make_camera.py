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
class. And DIR/trained.onnx: a classifier TRAINED on crops of the same photos (8 classes:
photo x quadrant; see `write_trained`), for the top-1 agreement of `--decode fast` with
`full` — a random net's agreement says little. Nothing is downloaded: the photos ship inside
scikit-learn.
"""

import json
import os
import sys

import numpy as np
import onnx
import onnxruntime as ort
from common import centre_bias_and_save, sample_photos
from onnx import TensorProto, helper, numpy_helper
from PIL import Image
from sklearn.datasets import load_sample_images

SEED = 20261206
W, H = 2000, 1500


def write_images(out_dir: str, n: int, rng: np.random.Generator) -> None:
    photos = sample_photos(out_dir)
    for i in range(n):
        c = i % len(photos)
        photo = photos[c]
        h, w, _ = photo.shape
        x, y, cw, ch = crop_box(w, h, rng)
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
    centre_bias_and_save(model, path, size, 64)


QUADRANTS = ("nw", "ne", "sw", "se")
POOL = 8


def crop_box(photo_w: int, photo_h: int, rng: np.random.Generator) -> tuple:
    """A seeded random 4:3 crop of at least half the photo's width: (x, y, w, h)."""
    cw = int(rng.integers(photo_w // 2, photo_w + 1))
    ch = min(photo_h, int(round(cw * 3 / 4)))
    y = int(rng.integers(0, photo_h - ch + 1))
    x = int(rng.integers(0, photo_w - cw + 1))
    return x, y, cw, ch


def quadrant_class(photo: int, x: int, y: int, cw: int, ch: int, w: int, h: int) -> int:
    """Which photo, and which quadrant of it the crop's centre lies in: 8 classes."""
    east = x + cw / 2 >= w / 2
    south = y + ch / 2 >= h / 2
    return photo * 4 + int(south) * 2 + int(east)


def write_trained(path: str, rng: np.random.Generator, size: int, n: int = 2400) -> float:
    """A TRAINED classifier for measuring `--decode fast`'s top-1 agreement with `full`: 8
    classes, photo x quadrant of the crop's centre (china_nw ... flower_se), fitted with
    scikit-learn's LogisticRegression on N seeded crops of the sample photos (made as the
    camera photos are, resized to SxS) pooled 8x8 -> 3x(S/8)x(S/8) features. Crops near a
    quadrant border are ambiguous on purpose: borderline scores make the agreement a strict
    test. Exported by hand to ONNX (AveragePool -> Flatten -> Gemm = the same arithmetic) as
    input `image` float32 [N,3,S,S], output `logits` [N,8]. Returns the held-out accuracy."""
    from sklearn.linear_model import LogisticRegression

    if size % POOL:
        sys.exit(f"make_camera.py: --size must be a multiple of {POOL} for the trained model")
    photos = load_sample_images().images
    xs, ys = [], []
    for i in range(n):
        c = i % len(photos)
        h, w, _ = photos[c].shape
        x, y, cw, ch = crop_box(w, h, rng)
        tile = Image.fromarray(np.ascontiguousarray(photos[c][y : y + ch, x : x + cw]))
        a = np.asarray(tile.resize((size, size), Image.BILINEAR), dtype=np.float32) / 255.0
        g = size // POOL
        pooled = a.transpose(2, 0, 1).reshape(3, g, POOL, g, POOL).mean(axis=(2, 4))
        xs.append(pooled.reshape(-1))
        ys.append(quadrant_class(c, x, y, cw, ch, w, h))
    xs, ys = np.stack(xs), np.array(ys)
    cut = n * 3 // 4
    clf = LogisticRegression(C=1.0, max_iter=2000)
    clf.fit(xs[:cut], ys[:cut])
    accuracy = float(clf.score(xs[cut:], ys[cut:]))
    g = size // POOL
    nodes = [
        helper.make_node("AveragePool", ["image"], ["pool"], kernel_shape=[POOL, POOL],
                         strides=[POOL, POOL]),
        helper.make_node("Flatten", ["pool"], ["flat"], axis=1),
        helper.make_node("Gemm", ["flat", "w", "b"], ["logits"], transB=1),
    ]
    inits = [
        numpy_helper.from_array(clf.coef_.astype(np.float32), "w"),
        numpy_helper.from_array(clf.intercept_.astype(np.float32), "b"),
    ]
    k = len(clf.classes_)
    graph = helper.make_graph(
        nodes, "bench_quadrant_logreg",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, ["N", 3, size, size])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", k])],
        initializer=inits)
    model = helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="arbiter-bench")
    model.ir_version = 8
    names = [f"{p}_{q}" for p in ("china", "flower") for q in QUADRANTS]
    helper.set_model_props(model, {"labels": json.dumps([names[int(c)] for c in clf.classes_])})
    onnx.checker.check_model(model, full_check=True)
    # The export computes what was fitted.
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    probe = xs[cut:cut + 8].reshape(-1, 3, g, g).repeat(POOL, axis=2).repeat(POOL, axis=3)
    (logits,) = session.run(None, {"image": probe.astype(np.float32)})
    assert np.allclose(logits, clf.decision_function(xs[cut:cut + 8]), atol=1e-3)
    onnx.save(model, path)
    return accuracy


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
    accuracy = write_trained(os.path.join(out_dir, "trained.onnx"), rng, size)
    print(json.dumps({"images": n, "width": W, "height": H, "size": size, "dir": out_dir,
                      "trained_holdout_accuracy": accuracy}))


if __name__ == "__main__":
    main()
