"""Generate the cases of the `label_noise` benchmark and cleanlab's answer on each.

    python make.py OUT_DIR [CASE ...]

For every case (all of CASES by default, or the names given) writes OUT_DIR/<case>/:

- manifest.csv  `id,label`: the items with their *noisy* labels, as class-name strings;
- probs.csv     `id,p_<class>,...`: out-of-sample predicted probabilities, as float32 values
                (written with 9 significant digits, so they parse back to the same float32);
- truth.json    classes, the ids whose label was flipped, the ids cleanlab flags and cleanlab's
                precision / recall / F1 against the flipped ids.

Data: scikit-learn's bundled datasets (digits, wine, breast_cancer; nothing is downloaded).
Noise (seeded): `uniform` flips round(rate * n) items, chosen uniformly, each to a uniformly
chosen *other* class; `asym` flips round(rate * n) items, chosen uniformly, from class i to
class (i + 1) mod K.
Probabilities: cross_val_predict(StandardScaler + LogisticRegression(max_iter=5000), X,
noisy_y, cv=5, method="predict_proba"), trained on the noisy labels (the scaler is there so
that lbfgs converges on wine's and breast_cancer's unscaled features). They are
rounded to float32 - what Arbiter stores - *before* cleanlab sees them, so both sides get
bit-identical inputs.
cleanlab: filter.find_label_issues(noisy, probs, filter_by="prune_by_noise_rate") with every
other argument at its default (n_jobs=1 only avoids a process pool; results do not depend on it).
The `confident_learning` filter's flags are recorded too, for the analysis, and so are the
flags of prune_by_noise_rate rerun with one change: a *stable* sort when cleanlab rounds the
calibrated confident joint to integers (`round_preserving_sum`). cleanlab uses np.argsort's
default, unstable sort there, so on exactly equal rounding residues which cell gets the extra
item depends on numpy's SIMD sort (i.e. on the CPU); the stable variant is deterministic, and is
what the Rust prototype of the benchmark reproduces.
"""

import csv
import json
import os
import sys

import numpy as np
import sklearn
import cleanlab
import cleanlab.internal.util as cleanlab_util
from cleanlab.filter import find_label_issues
from cleanlab.internal.constants import FLOATING_POINT_COMPARISON
from sklearn.datasets import load_breast_cancer, load_digits, load_wine
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_predict
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

LOADERS = {
    "digits": load_digits,
    "wine": load_wine,
    "breast_cancer": load_breast_cancer,
}

# name: (dataset, noise kind, rate, seed)
CASES = {}
for _seed in (1, 2, 3):
    CASES[f"digits-uniform10-s{_seed}"] = ("digits", "uniform", 0.10, _seed)
    CASES[f"digits-uniform20-s{_seed}"] = ("digits", "uniform", 0.20, _seed)
    CASES[f"digits-asym20-s{_seed}"] = ("digits", "asym", 0.20, _seed)
    CASES[f"wine-uniform20-s{_seed}"] = ("wine", "uniform", 0.20, _seed)
    CASES[f"breast_cancer-uniform10-s{_seed}"] = ("breast_cancer", "uniform", 0.10, _seed)


def class_names(dataset, bunch):
    if dataset == "digits":
        return [f"digit_{int(c)}" for c in bunch.target_names]
    return [str(c) for c in bunch.target_names]


def inject(y, k, kind, rate, rng):
    n = len(y)
    flipped = np.sort(rng.choice(n, size=int(round(rate * n)), replace=False))
    noisy = y.copy()
    for i in flipped:
        if kind == "uniform":
            other = rng.integers(k - 1)
            noisy[i] = other if other < y[i] else other + 1
        elif kind == "asym":
            noisy[i] = (y[i] + 1) % k
        else:
            raise ValueError(kind)
    assert np.all(noisy[flipped] != y[flipped])
    return noisy, flipped


def round_preserving_sum_stable(iterable):
    """cleanlab.internal.util.round_preserving_sum with argsort(kind="stable")."""
    floats = np.asarray(iterable, dtype=float)
    ints = floats.round()
    orig_sum = np.sum(floats).round()
    int_sum = np.sum(ints).round()
    while abs(int_sum - orig_sum) > FLOATING_POINT_COMPARISON:
        diff = np.round(orig_sum - int_sum)
        increment = -1 if int(diff < 0.0) else 1
        changes = min(int(abs(diff)), len(iterable))
        indices = np.argsort(floats - ints, kind="stable")[::-increment][:changes]
        for i in indices:
            ints[i] = ints[i] + increment
        int_sum = np.sum(ints).round()
    return ints.astype(int)


def find_label_issues_stable_ties(labels, pred_probs):
    original = cleanlab_util.round_preserving_sum
    cleanlab_util.round_preserving_sum = round_preserving_sum_stable
    try:
        return find_label_issues(labels, pred_probs, filter_by="prune_by_noise_rate", n_jobs=1)
    finally:
        cleanlab_util.round_preserving_sum = original


def prf(flagged, truth):
    flagged, truth = set(flagged), set(truth)
    tp = len(flagged & truth)
    p = tp / len(flagged) if flagged else 0.0
    r = tp / len(truth) if truth else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": p, "recall": r, "f1": f, "flagged": len(flagged), "true_positives": tp}


def make(out_dir, name):
    dataset, kind, rate, seed = CASES[name]
    bunch = LOADERS[dataset]()
    X, y = bunch.data, bunch.target.astype(int)
    classes = class_names(dataset, bunch)
    k = len(classes)
    rng = np.random.default_rng(seed)
    noisy, flipped = inject(y, k, kind, rate, rng)

    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=5000))
    probs = cross_val_predict(model, X, noisy, cv=5, method="predict_proba")
    # What Arbiter stores: float32. cleanlab gets the same values (as float64, exactly).
    probs = probs.astype(np.float32).astype(np.float64)

    issues = find_label_issues(noisy, probs, filter_by="prune_by_noise_rate", n_jobs=1)
    cl_issues = find_label_issues(noisy, probs, filter_by="confident_learning", n_jobs=1)
    stable_issues = find_label_issues_stable_ties(noisy, probs)

    ids = [f"{dataset}_{i:05d}" for i in range(len(y))]
    case_dir = os.path.join(out_dir, name)
    os.makedirs(case_dir, exist_ok=True)
    with open(os.path.join(case_dir, "manifest.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "label"])
        for i, lab in enumerate(noisy):
            w.writerow([ids[i], classes[lab]])
    with open(os.path.join(case_dir, "probs.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id"] + [f"p_{c}" for c in classes])
        for i in range(len(y)):
            w.writerow([ids[i]] + [f"{np.float32(v):.9g}" for v in probs[i]])
    noisy_ids = [ids[i] for i in flipped]
    flagged = [ids[i] for i in np.flatnonzero(issues)]
    cl_flagged = [ids[i] for i in np.flatnonzero(cl_issues)]
    stable_flagged = [ids[i] for i in np.flatnonzero(stable_issues)]
    truth = {
        "case": name,
        "dataset": dataset,
        "noise": kind,
        "rate": rate,
        "seed": seed,
        "items": len(y),
        "classes": classes,
        "noisy_ids": noisy_ids,
        "cleanlab_flagged_ids": flagged,
        "cleanlab": prf(flagged, noisy_ids),
        "cleanlab_confident_learning_flagged_ids": cl_flagged,
        "cleanlab_confident_learning": prf(cl_flagged, noisy_ids),
        "cleanlab_stable_ties_flagged_ids": stable_flagged,
        "cleanlab_stable_ties": prf(stable_flagged, noisy_ids),
        "model_accuracy_vs_noisy": float(np.mean(probs.argmax(1) == noisy)),
        "model_accuracy_vs_true": float(np.mean(probs.argmax(1) == y)),
        "versions": {
            "cleanlab": cleanlab.__version__,
            "scikit-learn": sklearn.__version__,
            "numpy": np.__version__,
        },
    }
    with open(os.path.join(case_dir, "truth.json"), "w") as f:
        json.dump(truth, f, indent=1)
    c = truth["cleanlab"]
    print(
        f"{name}: n={len(y)} K={k} noisy={len(noisy_ids)} cleanlab flagged={c['flagged']} "
        f"P={c['precision']:.3f} R={c['recall']:.3f} F1={c['f1']:.3f}",
        file=sys.stderr,
    )


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    out_dir = sys.argv[1]
    names = sys.argv[2:] or list(CASES)
    for name in names:
        if name not in CASES:
            sys.exit(f"unknown case {name!r}; cases: {', '.join(CASES)}")
    for name in names:
        make(out_dir, name)
    # The case list, in order, for the Rust side.
    print(json.dumps(names))


if __name__ == "__main__":
    main()
