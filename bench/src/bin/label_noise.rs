//! `label-disagreement` as a label-error detector. Target (docs/contract.md): F1 on injected label
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
//! Also printed: how many items Arbiter's set differs by from cleanlab's, and from cleanlab rerun
//! with a stable sort where it rounds the calibrated joint (Arbiter's port breaks those ties
//! stably; `queue::prune_by_noise_rate`).
//!
//! Run: `cargo build --release -p arbiter-bench && ./target/release/label_noise [CASE ...]`.
//! `ARBITER_BENCH_CLEANLAB_PYTHON` names the Python (default /tmp/cleanvenv/bin/python).

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{bail, Context, Result};
use arbiter_bench::{imported_project, sql_conn};
use arbiter_core::predict::{pack, Scores};
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
    /// |arbiter ⊕ cleanlab|: 0 when Arbiter flags exactly cleanlab's items.
    vs_cleanlab: usize,
    /// |arbiter ⊕ cleanlab with a stable sort in its rounding| (see make.py).
    vs_stable: usize,
    /// cleanlab's flags differ from its stable-sort rerun: an exact rounding tie was broken.
    cleanlab_tie: bool,
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
            "  arbiter's set differs from cleanlab's on {} items, from cleanlab with stable rounding ties on {}{}",
            o.vs_cleanlab,
            o.vs_stable,
            if o.cleanlab_tie {
                "  [cleanlab broke an exact rounding tie with numpy's unstable sort]"
            } else {
                ""
            }
        );
        rows.push(o);
    }
    let n = rows.len() as f64;
    let mean = |f: &dyn Fn(&Outcome) -> f64| rows.iter().map(f).sum::<f64>() / n;
    let met = rows
        .iter()
        .filter(|o| o.arbiter.f1 >= o.cleanlab.f1)
        .count();
    let identical = rows.iter().filter(|o| o.vs_stable == 0).count();
    println!(
        "summary over {} cases: mean F1 arbiter {:.3}, cleanlab {:.3}; \
         arbiter F1 ≥ cleanlab in {met}/{} cases (target: all); \
         arbiter = cleanlab-with-stable-ties exactly in {identical}/{}",
        rows.len(),
        mean(&|o| o.arbiter.f1),
        mean(&|o| o.cleanlab.f1),
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
    drop(imported_project(root, &case.join("manifest.csv"))?);

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
        let conn = sql_conn(root)?;
        let mut stmt = conn.prepare("SELECT id, ext_id FROM items")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let spec = QueueSpec {
        run: 1,
        strategy: Strategy::LabelDisagreement,
        other_run: None,
        threshold: None,
        seed: 0,
        calibrated: false,
    };
    let ranked = queue::rank(&p, &spec)?;
    let arbiter_flagged: HashSet<String> = ranked.iter().map(|r| ext_of[&r.item].clone()).collect();

    Ok(Outcome {
        arbiter: prf(&arbiter_flagged, &noisy),
        cleanlab: prf(&cleanlab_flagged, &noisy),
        vs_cleanlab: arbiter_flagged
            .symmetric_difference(&cleanlab_flagged)
            .count(),
        vs_stable: arbiter_flagged
            .symmetric_difference(&stable_flagged)
            .count(),
        cleanlab_tie: stable_flagged != cleanlab_flagged,
    })
}
