//! Prediction drift between two runs (the predicted class mix, the top-class confidence, and on
//! a shared dataset version the flip matrix, flip rate and Cohen's κ between them) and CUR's
//! accuracy estimated without labels beside REF's measured one.

use std::collections::HashMap;

use rusqlite::Connection;
use serde::Serialize;

use super::stats::{self, Method, Outcome};
use crate::error::{Error, Result};
use crate::predict::{Prediction, RunSummary};

/// One class's share of each run's predictions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClassShare {
    pub class: String,
    pub reference: f64,
    pub current: f64,
}

/// How two runs' predictions differ.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PredictionDrift {
    pub class_mix: Vec<ClassShare>,
    /// Jensen–Shannon distance between the two class mixes; drift at ≥ 0.1.
    pub class_mix_distance: f64,
    pub class_mix_drifted: bool,
    pub reference_mean_confidence: f64,
    pub current_mean_confidence: f64,
    /// The top-class confidence compared as a numeric column (Evidently's default test).
    pub confidence: Outcome,
    /// Only when both runs are of one dataset version.
    pub flips: Option<Flips>,
}

/// Two runs over the same items: `matrix[i][j]` items the reference predicted `classes[i]` and
/// the current `classes[j]`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Flips {
    pub classes: Vec<String>,
    pub matrix: Vec<Vec<usize>>,
    pub items: usize,
    pub flipped: usize,
    pub flip_rate: f64,
    pub kappa: Option<f64>,
}

/// CUR's accuracy estimated without labels, beside REF's measured one.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EstimatedAccuracy {
    /// Mean top-class probability of the current run (after temperature scaling when calibrated).
    pub estimate: f64,
    /// The temperature used; `None`: uncalibrated probabilities.
    pub temperature: Option<f64>,
    pub calibrated: bool,
    /// The reference run on its decided items, with the 95% Wilson interval.
    pub reference: crate::metrics::quality::Estimate,
    pub warning: String,
}

/// Mean top-class probability over probability vectors, after scaling by `temperature`
/// (softmax of log p / T) when given.
pub fn estimated_accuracy(probabilities: &[Vec<f32>], temperature: Option<f64>) -> f64 {
    let n = probabilities.len().max(1) as f64;
    probabilities
        .iter()
        .map(|p| match temperature {
            None => p.iter().copied().fold(0.0f32, f32::max) as f64,
            Some(t) => {
                let logits: Vec<f64> = p.iter().map(|&x| (x.max(1e-30) as f64).ln() / t).collect();
                let m = logits.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                let z: f64 = logits.iter().map(|l| (l - m).exp()).sum();
                1.0 / z
            }
        })
        .sum::<f64>()
        / n
}

/// A run's predictions with probabilities, refused when it stored none.
fn scored(
    conn: &Connection,
    root: &std::path::Path,
    run: &RunSummary,
) -> Result<(Vec<String>, Vec<Prediction>)> {
    let (classes, preds) = crate::predict::predictions_in(conn, root, run.run)?;
    let preds: Vec<Prediction> = preds.into_iter().filter(|p| p.error.is_none()).collect();
    if preds.is_empty()
        || preds
            .iter()
            .any(|p| p.probabilities.is_empty() || p.predicted.is_none())
    {
        return Err(Error::InvalidArgument(format!(
            "run {} has no probability vectors for its items (its model outputs labels only, or it predicted nothing); prediction drift needs a run whose model gives probabilities",
            run.run
        )));
    }
    Ok((classes, preds))
}

pub(crate) fn compare(
    conn: &Connection,
    root: &std::path::Path,
    reference: &RunSummary,
    current: &RunSummary,
) -> Result<(PredictionDrift, EstimatedAccuracy)> {
    let (rc, rp) = scored(conn, root, reference)?;
    let (cc, cp) = scored(conn, root, current)?;
    // Class names of both runs, the reference's first.
    let mut classes = rc.clone();
    for c in &cc {
        if !classes.contains(c) {
            classes.push(c.clone());
        }
    }
    let index: HashMap<&str, usize> = classes
        .iter()
        .enumerate()
        .map(|(i, c)| (c.as_str(), i))
        .collect();
    let class_of = |p: &Prediction| index[p.predicted.as_deref().expect("scored")];
    let mix = |preds: &[Prediction]| {
        let mut counts = vec![0.0; classes.len()];
        preds.iter().for_each(|p| counts[class_of(p)] += 1.0);
        counts
            .iter()
            .map(|c| c / preds.len() as f64)
            .collect::<Vec<f64>>()
    };
    let (rm, cm) = (mix(&rp), mix(&cp));
    let distance = stats::jensen_shannon(&rm, &cm);
    let conf = |preds: &[Prediction]| {
        preds
            .iter()
            .map(|p| p.confidence.unwrap_or(0.0) as f64)
            .collect::<Vec<f64>>()
    };
    let (ra, ca) = (conf(&rp), conf(&cp));
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let flips = (reference.version_id == current.version_id).then(|| {
        let cur: HashMap<i64, usize> = cp.iter().map(|p| (p.item, class_of(p))).collect();
        let pairs: Vec<(usize, usize)> = rp
            .iter()
            .filter_map(|p| Some((class_of(p), *cur.get(&p.item)?)))
            .collect();
        let q = classes.len();
        let mut matrix = vec![vec![0usize; q]; q];
        pairs.iter().for_each(|&(a, b)| matrix[a][b] += 1);
        let flipped = pairs.iter().filter(|(a, b)| a != b).count();
        Flips {
            matrix,
            items: pairs.len(),
            flipped,
            flip_rate: flipped as f64 / pairs.len().max(1) as f64,
            kappa: crate::metrics::agreement::cohen(&pairs, q, None).0.value,
            classes: classes.clone(),
        }
    });
    let drift = PredictionDrift {
        class_mix: classes
            .iter()
            .enumerate()
            .map(|(i, c)| ClassShare {
                class: c.clone(),
                reference: rm[i],
                current: cm[i],
            })
            .collect(),
        class_mix_distance: distance,
        class_mix_drifted: distance >= stats::Test::JensenShannon.threshold(),
        reference_mean_confidence: mean(&ra),
        current_mean_confidence: mean(&ca),
        confidence: stats::test_column(&ra, &ca, Method::Default),
        flips,
    };
    let probs: Vec<Vec<f32>> = cp.into_iter().map(|p| p.probabilities).collect();
    // The run's calibration temperature (`arbiter calibrate`), when it has one.
    let temperature = crate::calibrated::temperature_in(conn, current.run)?;
    let measured = crate::metrics::quality::quality(conn, root, reference.run)?.overall;
    let estimate = EstimatedAccuracy {
        estimate: estimated_accuracy(&probs, temperature),
        temperature,
        calibrated: temperature.is_some(),
        reference: measured,
        warning: format!(
            "The estimate is run {}'s mean top-class probability, {}; it assumes no concept drift (the same inputs still mean the same labels){}",
            current.run,
            if temperature.is_some() { "calibrated" } else { "uncalibrated" },
            if temperature.is_some() { "" } else { "; calibrate the run for a better estimate" }
        ),
    };
    Ok((drift, estimate))
}
