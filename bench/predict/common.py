"""What the `predict_images` data generators (make_data.py, make_camera.py) share: the sample
photos and class folders, the Python loop's preprocessing, and the centring of a random net's
class-1 bias so that its predictions split about evenly between the two classes (random weights
alone put every item in one class, which makes a useless cross-check).
"""

import glob
import os

import numpy as np
import onnx
import onnxruntime as ort
from onnx import numpy_helper
from PIL import Image
from sklearn.datasets import load_sample_images


def sample_photos(out_dir: str) -> list:
    """scikit-learn's two bundled photos (china.jpg -> class "0", flower.jpg -> class "1";
    uint8 427x640x3 each), with DIR/images/<class>/ created for them."""
    photos = load_sample_images().images
    for c in range(len(photos)):
        os.makedirs(os.path.join(out_dir, "images", str(c)), exist_ok=True)
    return photos


def load(path: str, size: int) -> np.ndarray:
    """A JPEG as the Python loop feeds it: RGB, bilinear resize to SxS, float32 / 255, CHW."""
    with Image.open(path) as im:
        im = im.convert("RGB").resize((size, size), Image.BILINEAR)
        return (np.asarray(im, dtype=np.float32) / 255.0).transpose(2, 0, 1)


def centre_bias_and_save(model: onnx.ModelProto, path: str, size: int, sample: int) -> None:
    """Shift the `fc.b` bias of class 1 by the median logit difference over about `sample` of
    the images next to `path`, then save the model there."""
    files = sorted(glob.glob(os.path.join(os.path.dirname(path), "images", "*", "*.jpg")))
    files = files[:: max(1, len(files) // sample)]
    xs = np.stack([load(f, size) for f in files])
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    (logits,) = session.run(None, {"image": xs})
    fc_b = next(t for t in model.graph.initializer if t.name == "fc.b")
    b = numpy_helper.to_array(fc_b).copy()
    b[1] -= float(np.median(logits[:, 1] - logits[:, 0]))
    fc_b.CopyFrom(numpy_helper.from_array(b.astype(np.float32), "fc.b"))
    onnx.save(model, path)
