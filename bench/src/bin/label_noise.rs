//! `label-disagreement` as a label-error detector. Target (PRODUCT.md): F1 on injected label
//! noise at least that of cleanlab's `find_label_issues` (`filter_by="prune_by_noise_rate"`)
//! given the same probabilities; the queue lists only the items it flags.
//!
//! Data (`bench/label_noise/make.py`, needs the Python environment of
//! `bench/label_noise/requirements.txt`): scikit-learn's bundled digits (10 classes), wine (3)
//! and breast_cancer (2) with seeded injected noise — uniform flips to another class, and an
//! asymmetric case where class i becomes i+1 — and 5-fold out-of-sample probabilities from a
//! logistic regression trained on the noisy labels, rounded to float32 before cleanlab sees them.
//! cleanlab's flags and scores are computed there, in the same run.
//!
//! Arbiter's side, per case: a fresh project, the noisy manifest imported, a model + run + one
//! prediction row per item written with the same probabilities (as `predict` writes them:
//! `Scores`, `pack`, `given_class` = the item's label as a class index, `given_prob` = its
//! probability), then `queue::rank` with `label-disagreement`. The queue *is* the flagged set.
//!
//! Also printed: `proposed`, a prototype of the rule this benchmark argues `queue.rs` should use
//! (cleanlab's prune-by-noise-rate, see `prune_by_noise_rate` below), computed from the
//! probabilities read back from the project's `predictions` table.
//!
//! Run: `cargo build --release -p arbiter-bench && ./target/release/label_noise [CASE ...]`.
//! `ARBITER_BENCH_CLEANLAB_PYTHON` names the Python (default /tmp/cleanvenv/bin/python).

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::AtomicBool;

use anyhow::{bail, Context, Result};
use arbiter_core::dataset::{self, ImportOptions};
use arbiter_core::predict::{pack, unpack, Scores};
use arbiter_core::queue::{self, QueueSpec, Strategy};
use arbiter_core::Project;
use serde_json::Value;

const DEFAULT_PYTHON: &str = "/tmp/cleanvenv/bin/python";
const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/label_noise/make.py");
const REQUIREMENTS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/label_noise/requirements.txt");

fn python() -> Result<PathBuf> {
    let py = std::env::var_os("ARBITER_BENCH_CLEANLAB_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(DEFAULT_PYTHON));
    if !py.is_file() {
        bail!(
            "the benchmark's Python ({}) was not found. Create it with\n  \
             python3 -m venv /tmp/cleanvenv && /tmp/cleanvenv/bin/pip install -r {REQUIREMENTS}\n\
             or point ARBITER_BENCH_CLEANLAB_PYTHON at a Python that has those packages \
             (cleanlab 2.9, scikit-learn, numpy)",
            py.display()
        );
    }
    Ok(py)
}

/// Precision, recall, F1 and the size of a flagged set against the injected noise.
#[derive(Debug, Clone, Copy, Default)]
struct Prf {
    p: f64,
    r: f64,
    f1: f64,
    flagged: usize,
}

fn prf(flagged: &HashSet<String>, noisy: &HashSet<String>) -> Prf {
    let tp = flagged.intersection(noisy).count() as f64;
    let p = if flagged.is_empty() {
        0.0
    } else {
        tp / flagged.len() as f64
    };
    let r = if noisy.is_empty() {
        0.0
    } else {
        tp / noisy.len() as f64
    };
    let f1 = if p + r > 0.0 {
        2.0 * p * r / (p + r)
    } else {
        0.0
    };
    Prf {
        p,
        r,
        f1,
        flagged: flagged.len(),
    }
}

fn show(x: &Prf) -> String {
    format!(
        "P {:.3} R {:.3} F1 {:.3} ({:>3} flagged)",
        x.p, x.r, x.f1, x.flagged
    )
}

fn id_set(v: &Value, key: &str) -> Result<HashSet<String>> {
    v[key]
        .as_array()
        .with_context(|| format!("truth.json: {key}"))?
        .iter()
        .map(|s| s.as_str().map(String::from).context("an id"))
        .collect()
}

struct Outcome {
    arbiter: Prf,
    cleanlab: Prf,
    proposed: Prf,
    /// |proposed ⊕ cleanlab|: 0 when the prototype reproduces cleanlab's flags exactly.
    proposed_vs_cleanlab: usize,
    /// |proposed ⊕ cleanlab with a stable sort in its rounding| (see make.py).
    proposed_vs_stable: usize,
    /// cleanlab's flags differ from its stable-sort rerun: an exact rounding tie was broken.
    cleanlab_tie: bool,
    joint: JointCounts,
}

fn main() -> Result<()> {
    let py = python()?;
    let cases: Vec<String> = std::env::args().skip(1).collect();
    let dir = tempfile::tempdir()?;
    let data = dir.path().join("cases");
    eprintln!("generating the cases and cleanlab's answers ({SCRIPT}) ...");
    let out = Command::new(&py)
        .arg(SCRIPT)
        .arg(&data)
        .args(&cases)
        .stderr(Stdio::inherit())
        .output()
        .with_context(|| format!("running {}", py.display()))?;
    if !out.status.success() {
        bail!("{SCRIPT} failed");
    }
    let names: Vec<String> =
        serde_json::from_slice(&out.stdout).context("make.py's list of cases")?;

    println!(
        "label-disagreement vs cleanlab find_label_issues(filter_by=\"prune_by_noise_rate\"), same float32 probabilities"
    );
    let mut rows = Vec::new();
    for name in &names {
        let o = run_case(&data.join(name), &dir.path().join(format!("p-{name}")))?;
        let ratio = o.arbiter.f1 / o.cleanlab.f1;
        let verdict = if o.arbiter.f1 >= o.cleanlab.f1 {
            "MET"
        } else {
            "MISSED"
        };
        println!("{name}:");
        println!(
            "  arbiter  label-disagreement  {}   F1 ratio arbiter/cleanlab = {ratio:.3}  target ≥ 1: {verdict}",
            show(&o.arbiter)
        );
        println!("  cleanlab prune_by_noise_rate {}", show(&o.cleanlab));
        println!(
            "  proposed (prototype)        {}   F1 ratio = {:.3}  (differs from cleanlab's set on {} items; \
             from cleanlab with stable rounding ties on {}){}",
            show(&o.proposed),
            o.proposed.f1 / o.cleanlab.f1,
            o.proposed_vs_cleanlab,
            o.proposed_vs_stable,
            if o.cleanlab_tie {
                "  [cleanlab broke an exact rounding tie with numpy's unstable sort]"
            } else {
                ""
            }
        );
        println!(
            "  confident joint: off-diagonal {} raw → {} calibrated (estimated label issues)",
            o.joint.raw_off_diagonal, o.joint.calibrated_off_diagonal
        );
        rows.push(o);
    }
    let n = rows.len() as f64;
    let mean = |f: &dyn Fn(&Outcome) -> f64| rows.iter().map(f).sum::<f64>() / n;
    let met = rows
        .iter()
        .filter(|o| o.arbiter.f1 >= o.cleanlab.f1)
        .count();
    let proposed_met = rows
        .iter()
        .filter(|o| o.proposed.f1 >= o.cleanlab.f1)
        .count();
    let identical = rows.iter().filter(|o| o.proposed_vs_stable == 0).count();
    println!(
        "summary over {} cases: mean F1 arbiter {:.3}, cleanlab {:.3}, proposed {:.3}; \
         arbiter F1 ≥ cleanlab in {met}/{} cases (target: all), proposed in {proposed_met}/{}; \
         proposed = cleanlab-with-stable-ties exactly in {identical}/{}",
        rows.len(),
        mean(&|o| o.arbiter.f1),
        mean(&|o| o.cleanlab.f1),
        mean(&|o| o.proposed.f1),
        rows.len(),
        rows.len(),
        rows.len()
    );
    Ok(())
}

fn run_case(case: &Path, root: &Path) -> Result<Outcome> {
    let truth: Value = serde_json::from_slice(&std::fs::read(case.join("truth.json"))?)?;
    let classes: Vec<String> = truth["classes"]
        .as_array()
        .context("truth.json: classes")?
        .iter()
        .map(|c| c.as_str().map(String::from).context("a class name"))
        .collect::<Result<_>>()?;
    let k = classes.len();
    let noisy = id_set(&truth, "noisy_ids")?;
    let cleanlab_flagged = id_set(&truth, "cleanlab_flagged_ids")?;
    let stable_flagged = id_set(&truth, "cleanlab_stable_ties_flagged_ids")?;

    // probs.csv: id, p_<class>... (float32 values written with 9 significant digits).
    let mut probs: HashMap<String, Vec<f32>> = HashMap::new();
    let text = std::fs::read_to_string(case.join("probs.csv"))?;
    for line in text.lines().skip(1) {
        let mut f = line.split(',');
        let id = f.next().context("probs.csv: id")?.to_string();
        let p: Vec<f32> = f.map(str::parse).collect::<std::result::Result<_, _>>()?;
        if p.len() != k {
            bail!(
                "probs.csv: {id} has {} probabilities, expected {k}",
                p.len()
            );
        }
        probs.insert(id, p);
    }

    // A project with the noisy manifest.
    let mut p = Project::create(root, None, &[])?;
    dataset::import(
        &mut p,
        &ImportOptions {
            source: case.join("manifest.csv"),
            ..Default::default()
        },
        &mut |_| {},
        &AtomicBool::new(false),
    )?;
    drop(p);

    // A model over the same classes, one finished run, one prediction row per item.
    {
        let mut conn = rusqlite::Connection::open(root.join("arbiter.db"))?;
        let items: Vec<(i64, String, Option<String>)> = {
            let mut stmt = conn.prepare(
                "SELECT i.id, i.ext_id, l.name FROM items i LEFT JOIN labels l ON l.id = i.label_id ORDER BY i.id",
            )?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        conn.execute(
            "INSERT INTO models (name, version, sha256, file, kind, inputs, outputs, classes, classes_source, preprocess, output, created_at)
             VALUES ('logreg-cv', 1, 'x', 'x', 'tabular', '[]', '[]', ?1, 'labels_file', ?2, '{\"name\":\"p\",\"kind\":\"probabilities\"}', 'now')",
            rusqlite::params![
                serde_json::to_string(&classes)?,
                format!("{{\"kind\":\"tabular\",\"input\":\"x\",\"features\":{k}}}")
            ],
        )?;
        conn.execute(
            "INSERT INTO runs (model_id, version_id, device, provider, batch_size, status, items_total, items_done, started_at, finished_at)
             VALUES (1, 1, 'cpu', 'cpu', 1, 'done', ?1, ?1, 'now', 'now')",
            [items.len() as i64],
        )?;
        let tx = conn.transaction()?;
        {
            let mut ins = tx.prepare(
                "INSERT INTO predictions (run_id, item_id, predicted, confidence, margin, entropy, given_class, given_prob, probs)
                 VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?;
            for (item, ext, label) in &items {
                let pr = probs
                    .get(ext)
                    .with_context(|| format!("probs.csv has no row for {ext}"))?;
                let s = Scores::of(pr);
                let given = label
                    .as_deref()
                    .and_then(|l| classes.iter().position(|c| c == l));
                ins.execute(rusqlite::params![
                    item,
                    s.predicted as i64,
                    s.confidence as f64,
                    s.margin,
                    s.entropy,
                    given.map(|g| g as i64),
                    given.map(|g| pr[g] as f64),
                    pack(pr)
                ])?;
            }
        }
        tx.commit()?;
    }

    // Arbiter: the label-disagreement queue is the flagged set.
    let p = Project::open(root)?;
    let ext_of: HashMap<i64, String> = {
        let mut stmt = p.conn().prepare("SELECT id, ext_id FROM items")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let spec = QueueSpec {
        run: 1,
        strategy: Strategy::LabelDisagreement,
        other_run: None,
        threshold: None,
        seed: 0,
    };
    let ranked = queue::rank(p.conn(), p.root(), &spec)?;
    let arbiter_flagged: HashSet<String> = ranked.iter().map(|r| ext_of[&r.item].clone()).collect();

    // The prototype, from what the project stores.
    let stored: Vec<(i64, usize, Vec<f64>)> = {
        let mut stmt = p.conn().prepare(
            "SELECT item_id, given_class, probs FROM predictions WHERE run_id = 1 AND given_class IS NOT NULL ORDER BY item_id",
        )?;
        let rows = stmt.query_map([], |r| {
            let g: i64 = r.get(1)?;
            let b: Vec<u8> = r.get(2)?;
            Ok((r.get(0)?, g as usize, b))
        })?;
        rows.map(|row| {
            row.map(|(item, g, b)| (item, g, unpack(&b, k).iter().map(|&v| v as f64).collect()))
        })
        .collect::<rusqlite::Result<_>>()?
    };
    let (proposed_ranked, joint) = prune_by_noise_rate(&stored, k);
    let proposed_flagged: HashSet<String> = proposed_ranked
        .iter()
        .map(|(item, _)| ext_of[item].clone())
        .collect();

    Ok(Outcome {
        arbiter: prf(&arbiter_flagged, &noisy),
        cleanlab: prf(&cleanlab_flagged, &noisy),
        proposed: prf(&proposed_flagged, &noisy),
        proposed_vs_cleanlab: proposed_flagged
            .symmetric_difference(&cleanlab_flagged)
            .count(),
        proposed_vs_stable: proposed_flagged
            .symmetric_difference(&stable_flagged)
            .count(),
        cleanlab_tie: stable_flagged != cleanlab_flagged,
        joint,
    })
}

/// Sizes of the confident joint's off-diagonal, before and after calibration.
#[derive(Debug, Clone, Copy, Default)]
struct JointCounts {
    raw_off_diagonal: i64,
    calibrated_off_diagonal: i64,
}

/// The proposed `label-disagreement` rule: confident learning's prune-by-noise-rate
/// (Northcutt et al., 2021, §3.2; cleanlab 2.9 `filter.find_label_issues` with its defaults),
/// over `(item, given class, probabilities)`. Returns the flagged items ranked by
/// p(predicted) − p(given), highest first (ties by item), and the joint's sizes.
///
/// 1. t_j = mean p_j over the items given j (as today), at least 2e-6; 2 for a class nobody is
///    given.
/// 2. Confident joint C[y][j]: an item given y is counted at j = its argmax among the classes
///    with p_c ≥ t_c − 1e-6 (if two or more classes qualify, the overall argmax); items with no
///    class over its threshold are not counted. Diagonal at least 1.
/// 3. Calibration: each row rescaled to the number of items given y, the whole matrix to the
///    number of items, each row rounded to integers preserving its total.
/// 4. For each given class y (with more than one item) and each j ≠ y: flag the C[y][j] items
///    given y with the largest p_j − p_y.
/// 5. Unflag every item whose argmax is its given label (p_y + 1e-6 ≥ max p).
fn prune_by_noise_rate(
    rows: &[(i64, usize, Vec<f64>)],
    k: usize,
) -> (Vec<(i64, f64)>, JointCounts) {
    // 1. Per-class thresholds.
    let mut count = vec![0usize; k];
    let mut sum = vec![0f64; k];
    for (_, g, p) in rows {
        count[*g] += 1;
        sum[*g] += p[*g];
    }
    let t: Vec<f64> = (0..k)
        .map(|j| {
            if count[j] == 0 {
                2.0
            } else {
                (sum[j] / count[j] as f64).max(2e-6)
            }
        })
        .collect();
    let argmax = |p: &[f64]| -> usize {
        // First maximum, as numpy's argmax.
        let mut best = 0;
        for (i, &v) in p.iter().enumerate() {
            if v > p[best] {
                best = i;
            }
        }
        best
    };

    // 2. Confident joint.
    let mut cj = vec![vec![0f64; k]; k];
    for (_, g, p) in rows {
        let confident: Vec<usize> = (0..k).filter(|&c| p[c] >= t[c] - 1e-6).collect();
        let guess = match confident.len() {
            0 => continue,
            1 => confident[0],
            _ => argmax(p),
        };
        cj[*g][guess] += 1.0;
    }
    for (j, row) in cj.iter_mut().enumerate() {
        row[j] = row[j].max(1.0);
    }
    let raw_off_diagonal = off_diagonal(&cj);

    // 3. Calibration.
    for (y, row) in cj.iter_mut().enumerate() {
        let total: f64 = row.iter().sum::<f64>().max(1e-100);
        row.iter_mut()
            .for_each(|v| *v = *v / total * count[y] as f64);
    }
    let n: f64 = count.iter().sum::<usize>() as f64;
    let all: f64 = cj.iter().flatten().sum::<f64>().max(1e-100);
    let cal: Vec<Vec<f64>> = cj
        .iter()
        .map(|row| round_preserving_sum(&row.iter().map(|v| v / all * n).collect::<Vec<_>>()))
        .collect();
    let calibrated_off_diagonal = off_diagonal(&cal);

    // cleanlab's `_keep_at_least_n_per_class(cal.T, n=1)`: raise any zero diagonal to 1,
    // taking it evenly from that given class's non-zero off-diagonal cells.
    // prune[y][j] = how many items given y to flag as truly j.
    let mut prune = cal.clone();
    for (y, row) in prune.iter_mut().enumerate() {
        let raise = (1.0 - row[y]).max(0.0);
        let nonzero = row.iter().filter(|&&v| v != 0.0).count();
        let share = raise / (nonzero as f64 - 1.0).max(1.0);
        for (j, v) in row.iter_mut().enumerate() {
            *v = if j == y {
                v.max(1.0)
            } else {
                (*v - share).max(0.0).trunc()
            };
        }
    }

    // 4. Per (given y, true j) cell: the largest margins p_j − p_y among the items given y.
    let mut flagged: HashSet<i64> = HashSet::new();
    for y in 0..k {
        if count[y] <= 1 {
            continue;
        }
        let given: Vec<&(i64, usize, Vec<f64>)> = rows.iter().filter(|r| r.1 == y).collect();
        for j in (0..k).filter(|&j| j != y) {
            let take = prune[y][j] as usize;
            if take == 0 {
                continue;
            }
            let mut order: Vec<(f64, i64)> = given
                .iter()
                .map(|(item, _, p)| (p[j] - p[y], *item))
                .collect();
            order.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
            flagged.extend(order.iter().take(take).map(|&(_, item)| item));
        }
    }

    // 5. Never flag an item the model agrees with; rank by p(predicted) − p(given).
    let mut out: Vec<(i64, f64)> = rows
        .iter()
        .filter(|(item, _, _)| flagged.contains(item))
        .filter_map(|(item, g, p)| {
            let mut q = p.clone();
            q[*g] += 1e-6;
            (argmax(&q) != *g).then(|| (*item, p[argmax(p)] - p[*g]))
        })
        .collect();
    out.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    (
        out,
        JointCounts {
            raw_off_diagonal,
            calibrated_off_diagonal,
        },
    )
}

fn off_diagonal(m: &[Vec<f64>]) -> i64 {
    m.iter()
        .enumerate()
        .map(|(i, row)| row.iter().sum::<f64>() - row[i])
        .sum::<f64>()
        .round() as i64
}

/// cleanlab's `round_preserving_sum`: round half to even, then move the difference to the sum's
/// rounding onto the entries with the largest (or smallest) rounding residue. Ties among equal
/// residues follow a stable ascending sort, reversed when adding (the highest index gets the
/// extra unit). cleanlab uses `np.argsort`, which is not stable: with numpy 2's SIMD sort the
/// order of equal residues is an accident of the CPU, so on an exact tie the two can pick a
/// different cell (one item more or less in that cell).
fn round_preserving_sum(floats: &[f64]) -> Vec<f64> {
    let mut ints: Vec<f64> = floats.iter().map(|v| v.round_ties_even()).collect();
    let target = floats.iter().sum::<f64>().round_ties_even();
    loop {
        let have = ints.iter().sum::<f64>().round_ties_even();
        if (have - target).abs() <= 1e-6 {
            return ints;
        }
        let diff = (target - have).round_ties_even();
        let step = if diff < 0.0 { -1.0 } else { 1.0 };
        let changes = (diff.abs() as usize).min(floats.len());
        let mut idx: Vec<usize> = (0..floats.len()).collect();
        idx.sort_by(|&a, &b| (floats[a] - ints[a]).total_cmp(&(floats[b] - ints[b])));
        if step > 0.0 {
            idx.reverse();
        }
        for &i in idx.iter().take(changes) {
            ints[i] += step;
        }
    }
}
