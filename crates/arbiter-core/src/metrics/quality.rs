//! Model quality against the labels people decided (never an automatic decision): accuracy, per-class precision / recall / F1, the
//! confusion matrix, calibration (expected calibration error over 10 equal-width confidence
//! bins, with the reliability-diagram bins), and an accuracy estimate with a 95% Wilson interval
//! from the `random` queues without a confidence threshold alone — the only unbiased sample.
//! Figures over the other queues (uncertainty strategies, thresholded random queues) are
//! reported apart: those items were chosen because the model struggles on them.

use std::collections::{BTreeMap, HashMap, HashSet};

use rusqlite::Connection;
use serde::Serialize;

use crate::decide::{self, Status};
use crate::error::Result;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClassScores {
    pub support: usize,
    pub precision: Option<f64>,
    pub recall: Option<f64>,
    pub f1: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Estimate {
    pub items: usize,
    pub correct: usize,
    pub accuracy: Option<f64>,
    /// 95% Wilson score interval.
    pub low: Option<f64>,
    pub high: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Bin {
    pub lower: f64,
    pub upper: f64,
    pub items: usize,
    pub mean_confidence: Option<f64>,
    pub accuracy: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Quality {
    pub run: i64,
    /// Over every decided item the run predicted.
    pub overall: Estimate,
    /// Over decided items of the run's `random` queues without a confidence threshold only:
    /// the unbiased estimate.
    pub random_sample: Estimate,
    /// Over decided items of the other queues (uncertainty strategies, and `random` with a
    /// threshold): biased by construction.
    pub uncertainty_queues: Estimate,
    pub per_class: BTreeMap<String, ClassScores>,
    /// Row = decided label, column = predicted, in `labels` order.
    pub labels: Vec<String>,
    pub confusion: Vec<Vec<usize>>,
    /// Expected calibration error and the reliability bins, over the items `calibration_on`
    /// names.
    pub ece: Option<f64>,
    pub bins: Vec<Bin>,
    /// Which items `ece` and `bins` are computed on: `random_sample` (the decided items of the
    /// run's random queues without a threshold, when there is any: the fair sample) or
    /// `all_decided` (every decided item the run predicted, queues chosen for being hard
    /// included: biased).
    pub calibration_on: &'static str,
    /// How many items that is.
    pub calibration_items: usize,
    /// Items the run failed (no prediction; in no figure above): `arbiter runs --failures`.
    pub failed: u64,
    /// Of those, items with a decided label — left out of every accuracy above.
    pub failed_decided: usize,
}

/// Wilson score interval for k successes in n trials at z = 1.959964 (95%).
pub fn wilson(k: usize, n: usize) -> (Option<f64>, Option<f64>) {
    if n == 0 {
        return (None, None);
    }
    let z = 1.959_963_984_540_054_f64;
    let (nf, p) = (n as f64, k as f64 / n as f64);
    let centre = p + z * z / (2.0 * nf);
    let spread = z * ((p * (1.0 - p) + z * z / (4.0 * nf)) / nf).sqrt();
    let den = 1.0 + z * z / nf;
    (
        Some(((centre - spread) / den).max(0.0)),
        Some(((centre + spread) / den).min(1.0)),
    )
}

impl Estimate {
    /// `correct` of `items` with its 95% Wilson interval (`None`s when `items` is 0).
    pub fn of(correct: usize, items: usize) -> Estimate {
        let (low, high) = wilson(correct, items);
        Estimate {
            items,
            correct,
            accuracy: (items > 0).then(|| correct as f64 / items as f64),
            low,
            high,
        }
    }
}

fn estimate(pairs: &[(String, String, f64)]) -> Estimate {
    let correct = pairs.iter().filter(|(p, d, _)| p == d).count();
    Estimate::of(correct, pairs.len())
}

/// Quality of a run against the project's decided labels.
pub(crate) fn quality(conn: &Connection, root: &std::path::Path, run: i64) -> Result<Quality> {
    let (classes, preds) = crate::predict::predictions_in(conn, root, run)?;
    let failed_items: HashSet<i64> = preds
        .iter()
        .filter(|p| p.error.is_some())
        .map(|p| p.item)
        .collect();
    let predicted: HashMap<i64, (String, f64)> = preds
        .into_iter()
        .filter_map(|p| Some((p.item, (p.predicted?, p.confidence? as f64))))
        .collect();
    let decided: Vec<(i64, String)> = decide::decisions_in(conn, None)?
        .into_iter()
        // Items people decided: an automatic decision is the model's own answer.
        .filter(|d| d.status == Status::Decided && !d.rule.is_some_and(|r| r.is_automatic()))
        .filter_map(|d| Some((d.item, d.label?)))
        .collect();
    let random_items: HashSet<i64> = item_set(conn, run, UNBIASED)?;
    let other_items: HashSet<i64> = item_set(conn, run, &format!("NOT ({UNBIASED})"))?;
    let mut all = Vec::new();
    let (mut random, mut other) = (Vec::new(), Vec::new());
    let mut failed_decided = 0;
    for (item, label) in decided {
        let Some((p, c)) = predicted.get(&item) else {
            failed_decided += usize::from(failed_items.contains(&item));
            continue;
        };
        let t = (p.clone(), label, *c);
        if random_items.contains(&item) {
            random.push(t.clone());
        }
        if other_items.contains(&item) {
            other.push(t.clone());
        }
        all.push(t);
    }
    let mut q = from_pairs(run, &classes, &all, &random, &other);
    q.failed = failed_items.len() as u64;
    q.failed_decided = failed_decided;
    Ok(q)
}

/// Quality from (predicted, decided, confidence) triples: `all` for the confusion matrix,
/// per-class scores, `random` and `other` for their estimates; calibration over `random` (the
/// fair sample) when it holds any item, else over `all`. Labels are the
/// model's `classes` in order, then decided labels the model does not know (first seen first).
///
/// Per class (as scikit-learn's `precision_recall_fscore_support(labels=…, zero_division=nan)`):
/// precision = tp / predicted (null when never predicted), recall = tp / support (null when
/// never decided), F1 = 2·tp / (2·tp + fp + fn) (null only when the class is neither
/// predicted nor decided). Calibration: 10 bins (k/10, (k+1)/10], confidence 0 in the first;
/// a confidence's bin is the number of edges 0.1, …, 0.9 strictly below it (edges computed as
/// k/10, so 0.3 falls in (0.2, 0.3]); ECE = Σ_b n_b/N · |accuracy_b − mean confidence_b|.
pub fn from_pairs(
    run: i64,
    classes: &[String],
    all: &[(String, String, f64)],
    random: &[(String, String, f64)],
    other: &[(String, String, f64)],
) -> Quality {
    let mut labels: Vec<String> = classes.to_vec();
    for (_, d, _) in all {
        if !labels.contains(d) {
            labels.push(d.clone());
        }
    }
    let index: HashMap<&str, usize> = labels
        .iter()
        .enumerate()
        .map(|(i, l)| (l.as_str(), i))
        .collect();
    let mut confusion = vec![vec![0usize; labels.len()]; labels.len()];
    for (p, d, _) in all {
        confusion[index[d.as_str()]][index[p.as_str()]] += 1;
    }
    let mut per_class = BTreeMap::new();
    for (i, l) in labels.iter().enumerate() {
        let tp = confusion[i][i] as f64;
        let support: usize = confusion[i].iter().sum();
        let predicted_as: usize = confusion.iter().map(|row| row[i]).sum();
        let precision = (predicted_as > 0).then(|| tp / predicted_as as f64);
        let recall = (support > 0).then(|| tp / support as f64);
        // 2tp + fp + fn = support + predicted_as.
        let f1 = (support + predicted_as > 0).then(|| 2.0 * tp / (support + predicted_as) as f64);
        per_class.insert(
            l.clone(),
            ClassScores {
                support,
                precision,
                recall,
                f1,
            },
        );
    }
    // Calibration on the fair sample when there is one, else on everything decided.
    let (calibration_on, on) = if random.is_empty() {
        ("all_decided", all)
    } else {
        ("random_sample", random)
    };
    let (ece, bins) = reliability(on.iter().map(|(p, d, c)| (*c, p == d)), 10);
    Quality {
        run,
        overall: estimate(all),
        random_sample: estimate(random),
        uncertainty_queues: estimate(other),
        per_class,
        labels,
        confusion,
        ece,
        bins,
        calibration_on,
        calibration_items: on.len(),
        failed: 0,
        failed_decided: 0,
    }
}

/// Calibration over (confidence, correct) pairs: `bins` equal-width bins (k/bins, (k+1)/bins],
/// confidence 0 in the first; a confidence's bin is the number of edges k/bins (k = 1 …
/// bins − 1, each computed as k as f64 / bins as f64) strictly below it; ECE = Σ_b n_b/N ·
/// |accuracy_b − mean confidence_b| (`None` without pairs).
pub fn reliability(
    pairs: impl IntoIterator<Item = (f64, bool)>,
    bins: usize,
) -> (Option<f64>, Vec<Bin>) {
    let bins = bins.max(1);
    let mut out: Vec<Bin> = (0..bins)
        .map(|b| Bin {
            lower: b as f64 / bins as f64,
            upper: (b + 1) as f64 / bins as f64,
            items: 0,
            mean_confidence: None,
            accuracy: None,
        })
        .collect();
    let mut sums = vec![(0f64, 0usize); bins];
    let edges: Vec<f64> = (1..bins).map(|k| k as f64 / bins as f64).collect();
    let mut n = 0usize;
    for (c, correct) in pairs {
        let b = edges.partition_point(|e| c > *e);
        out[b].items += 1;
        sums[b].0 += c;
        sums[b].1 += usize::from(correct);
        n += 1;
    }
    let mut ece = 0.0;
    for (b, (conf_sum, correct)) in out.iter_mut().zip(&sums) {
        if b.items > 0 {
            let mc = conf_sum / b.items as f64;
            let acc = *correct as f64 / b.items as f64;
            b.mean_confidence = Some(mc);
            b.accuracy = Some(acc);
            ece += b.items as f64 / n as f64 * (acc - mc).abs();
        }
    }
    ((n > 0).then_some(ece), out)
}

/// The queues whose items are a uniform sample of the run: `random` with no confidence
/// threshold (a threshold keeps only low-confidence items, which biases accuracy down). A
/// limit keeps a prefix of the seeded random order, which is still uniform.
const UNBIASED: &str = "q.strategy = 'random' AND q.threshold IS NULL";

fn item_set(conn: &Connection, run: i64, queues: &str) -> Result<HashSet<i64>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT qi.item_id FROM queue_items qi JOIN queues q ON q.id = qi.queue_id WHERE q.run_id = ?1 AND ({queues})"
    ))?;
    let rows = stmt.query_map([run], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wilson_matches_statsmodels() {
        // statsmodels.stats.proportion.proportion_confint(k, n, method="wilson"), statsmodels 0.15.
        for (k, n, lo, hi) in [
            (81, 263, 0.2552885198782742, 0.36620957698280004),
            (10, 10, 0.7224672001371106, 1.0),
            (3, 40, 0.025836025774588184, 0.1986423352431055),
        ] {
            let (l, h) = wilson(k, n);
            assert!(
                (l.expect("low") - lo).abs() < 1e-9 && (h.expect("high") - hi).abs() < 1e-9,
                "{k}/{n}: {l:?} {h:?}"
            );
        }
        assert_eq!(wilson(0, 0), (None, None));
    }

    /// `fixtures/quality/`: per-class precision/recall/F1, the confusion matrix and accuracy
    /// from scikit-learn, ECE from the documented numpy formula, all to 1e-9.
    #[test]
    fn quality_matches_scikit_learn_and_the_numpy_ece() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/quality");
        let e: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(dir.join("expected.json")).expect("expected.json"),
        )
        .expect("json");
        let text = std::fs::read_to_string(dir.join("case.csv")).expect("case.csv");
        let pairs: Vec<(String, String, f64)> = text
            .lines()
            .skip(1)
            .map(|l| {
                let f: Vec<&str> = l.split(',').collect();
                (f[2].into(), f[1].into(), f[3].parse().expect("confidence"))
            })
            .collect();
        let classes: Vec<String> = e["classes"]
            .as_array()
            .expect("classes")
            .iter()
            .map(|c| c.as_str().expect("s").into())
            .collect();
        let q = from_pairs(1, &classes, &pairs, &[], &[]);
        let labels: Vec<&str> = e["labels"]
            .as_array()
            .expect("labels")
            .iter()
            .map(|c| c.as_str().expect("s"))
            .collect();
        assert_eq!(q.labels, labels);
        let confusion: Vec<Vec<usize>> =
            serde_json::from_value(e["confusion"].clone()).expect("confusion");
        assert_eq!(q.confusion, confusion);
        let close = |what: &str, got: Option<f64>, want: &serde_json::Value| match want.as_f64() {
            Some(w) => {
                let g = got.unwrap_or_else(|| panic!("{what}: null, expected {w}"));
                assert!((g - w).abs() <= 1e-9, "{what}: {g} vs {w}");
            }
            None => assert_eq!(got, None, "{what}: expected null"),
        };
        close("accuracy", q.overall.accuracy, &e["accuracy"]);
        assert_eq!(
            q.overall.correct as u64,
            e["correct"].as_u64().expect("correct")
        );
        close("ece", q.ece, &e["ece"]);
        for (label, w) in e["per_class"].as_object().expect("per class") {
            let g = &q.per_class[label];
            assert_eq!(
                g.support as u64,
                w["support"].as_u64().expect("support"),
                "{label}"
            );
            close(&format!("{label} precision"), g.precision, &w["precision"]);
            close(&format!("{label} recall"), g.recall, &w["recall"]);
            close(&format!("{label} f1"), g.f1, &w["f1"]);
        }
        for (g, w) in q.bins.iter().zip(e["bins"].as_array().expect("bins")) {
            assert_eq!(g.items as u64, w["items"].as_u64().expect("items"));
            close("bin accuracy", g.accuracy, &w["accuracy"]);
            close("bin confidence", g.mean_confidence, &w["mean_confidence"]);
        }
        // The bin edges themselves: 0.3 lies in (0.2, 0.3], 1.0 in the last bin.
        let edge = from_pairs(1, &classes, &[("cat".into(), "cat".into(), 0.3)], &[], &[]);
        assert_eq!(edge.bins[2].items, 1);
        let one = from_pairs(1, &classes, &[("cat".into(), "cat".into(), 1.0)], &[], &[]);
        assert_eq!(one.bins[9].items, 1);
    }
}
