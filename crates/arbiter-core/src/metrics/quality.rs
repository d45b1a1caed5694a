//! Model quality against decided labels: accuracy, per-class precision / recall / F1, the
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
    pub ece: Option<f64>,
    pub bins: Vec<Bin>,
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
pub fn quality(conn: &Connection, root: &std::path::Path, run: i64) -> Result<Quality> {
    let (classes, preds) = crate::predict::predictions(conn, root, run)?;
    let predicted: HashMap<i64, (String, f64)> = preds
        .into_iter()
        .filter_map(|p| Some((p.item, (p.predicted?, p.confidence? as f64))))
        .collect();
    let decided: Vec<(i64, String)> = decide::decisions(conn, None)?
        .into_iter()
        .filter(|d| d.status == Status::Decided)
        .filter_map(|d| Some((d.item, d.label?)))
        .collect();
    let random_items: HashSet<i64> = item_set(conn, run, UNBIASED)?;
    let other_items: HashSet<i64> = item_set(conn, run, &format!("NOT ({UNBIASED})"))?;
    let mut all = Vec::new();
    let (mut random, mut other) = (Vec::new(), Vec::new());
    for (item, label) in decided {
        let Some((p, c)) = predicted.get(&item) else {
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
    let mut labels: Vec<String> = classes.clone();
    for (_, d, _) in &all {
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
    for (p, d, _) in &all {
        confusion[index[d.as_str()]][index[p.as_str()]] += 1;
    }
    let mut per_class = BTreeMap::new();
    for (i, l) in labels.iter().enumerate() {
        let tp = confusion[i][i] as f64;
        let support: usize = confusion[i].iter().sum();
        let predicted_as: usize = confusion.iter().map(|row| row[i]).sum();
        let precision = (predicted_as > 0).then(|| tp / predicted_as as f64);
        let recall = (support > 0).then(|| tp / support as f64);
        let f1 = match (precision, recall) {
            (Some(p), Some(r)) if p + r > 0.0 => Some(2.0 * p * r / (p + r)),
            (Some(_), Some(_)) => Some(0.0),
            _ => None,
        };
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
    // Calibration: 10 equal-width bins over (0, 1]; confidence 1.0 falls in the last.
    let mut bins: Vec<Bin> = (0..10)
        .map(|b| Bin {
            lower: b as f64 / 10.0,
            upper: (b + 1) as f64 / 10.0,
            items: 0,
            mean_confidence: None,
            accuracy: None,
        })
        .collect();
    let mut sums = vec![(0f64, 0usize); 10];
    for (p, d, c) in &all {
        let b = ((c * 10.0).ceil() as usize).clamp(1, 10) - 1;
        bins[b].items += 1;
        sums[b].0 += c;
        sums[b].1 += usize::from(p == d);
    }
    let mut ece = 0.0;
    for (b, (conf_sum, correct)) in bins.iter_mut().zip(&sums) {
        if b.items > 0 {
            let mc = conf_sum / b.items as f64;
            let acc = *correct as f64 / b.items as f64;
            b.mean_confidence = Some(mc);
            b.accuracy = Some(acc);
            ece += b.items as f64 / all.len() as f64 * (acc - mc).abs();
        }
    }
    Ok(Quality {
        run,
        overall: estimate(&all),
        random_sample: estimate(&random),
        uncertainty_queues: estimate(&other),
        per_class,
        labels,
        confusion,
        ece: (!all.is_empty()).then_some(ece),
        bins,
    })
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
}
