//! The domain classifier: can a model tell the current rows from the reference rows? A
//! logistic regression (L2, λ = 1, Newton's method) on the common feature columns —
//! standardised over both sides, a missing value at the mean — or, for runs without features
//! (images), on the two runs' probability vectors. Scored out-of-fold (5 folds by row
//! position; each fold trained on at most [`TRAIN_CAP`] rows, evenly spaced), so every
//! current row gets the probability of being current from a model that never saw it. Its ROC
//! AUC says how separable the sides are; drift at AUC > 0.55 (Evidently's embedding test).

use rusqlite::Connection;
use serde::Serialize;

use super::{stats, Loaded};
use crate::error::{Error, Result};
use crate::queue::Ranked;

/// Folds of the out-of-fold scores.
const FOLDS: usize = 5;
/// Training rows per fold at most.
pub const TRAIN_CAP: usize = 20_000;
/// Drift when the AUC exceeds this.
pub const AUC_THRESHOLD: f64 = 0.55;

/// What the classifier found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DomainClassifier {
    /// `features` or `probabilities`.
    pub inputs: &'static str,
    pub roc_auc: f64,
    pub threshold: f64,
    pub drifted: bool,
}

/// Fit and score; the current rows ranked least like the reference first.
pub(crate) fn fit(
    conn: &Connection,
    root: &std::path::Path,
    r: &Loaded,
    c: &Loaded,
    common: &[(String, usize, usize)],
) -> Result<(DomainClassifier, Vec<Ranked>)> {
    let (inputs, x_ref, x_cur, cur_items) = if !common.is_empty() {
        let pick = |l: &Loaded, idx: &dyn Fn(&(String, usize, usize)) -> usize| -> Vec<Vec<f64>> {
            (0..l.items.len())
                .map(|row| common.iter().map(|col| l.features[idx(col)][row]).collect())
                .collect()
        };
        (
            "features",
            pick(r, &|col| col.1),
            pick(c, &|col| col.2),
            c.items.clone(),
        )
    } else {
        let (Some(rr), Some(cr)) = (&r.run, &c.run) else {
            return Err(Error::InvalidArgument(
                "the domain classifier needs feature columns in common or two runs".into(),
            ));
        };
        let (rc, rp) = crate::predict::predictions_in(conn, root, rr.run)?;
        let (cc, cp) = crate::predict::predictions_in(conn, root, cr.run)?;
        let mut classes = rc.clone();
        cc.iter()
            .filter(|k| !rc.contains(k))
            .for_each(|k| classes.push(k.clone()));
        let vectors = |names: &[String], preds: &[crate::predict::Prediction]| -> Vec<Vec<f64>> {
            preds
                .iter()
                .filter(|p| !p.probabilities.is_empty())
                .map(|p| {
                    let mut v = vec![0.0; classes.len()];
                    for (k, &x) in p.probabilities.iter().enumerate() {
                        let at = classes.iter().position(|c| c == &names[k]).expect("class");
                        v[at] = x as f64;
                    }
                    v
                })
                .collect()
        };
        let items = cp
            .iter()
            .filter(|p| !p.probabilities.is_empty())
            .map(|p| p.item)
            .collect();
        ("probabilities", vectors(&rc, &rp), vectors(&cc, &cp), items)
    };
    let (labels, scores) = out_of_fold(&x_ref, &x_cur);
    let roc_auc = stats::roc_auc(&labels, &scores).unwrap_or(0.5);
    let mut ranked: Vec<Ranked> = cur_items
        .iter()
        .zip(&scores[x_ref.len()..])
        .map(|(&item, &score)| Ranked { item, score })
        .collect();
    ranked.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.item.cmp(&b.item)));
    Ok((
        DomainClassifier {
            inputs,
            roc_auc,
            threshold: AUC_THRESHOLD,
            drifted: roc_auc > AUC_THRESHOLD,
        },
        ranked,
    ))
}

/// Labels (current = true) and out-of-fold probabilities of being current, reference rows first.
pub fn out_of_fold(x_ref: &[Vec<f64>], x_cur: &[Vec<f64>]) -> (Vec<bool>, Vec<f64>) {
    let rows: Vec<&Vec<f64>> = x_ref.iter().chain(x_cur).collect();
    let labels: Vec<bool> = (0..rows.len()).map(|i| i >= x_ref.len()).collect();
    let d = rows.first().map_or(0, |r| r.len());
    // Standardise over both sides; missing values become the mean (0).
    let mut mean = vec![0.0; d];
    let mut sd = vec![0.0; d];
    for k in 0..d {
        let vals: Vec<f64> = rows
            .iter()
            .map(|r| r[k])
            .filter(|v| v.is_finite())
            .collect();
        if !vals.is_empty() {
            mean[k] = vals.iter().sum::<f64>() / vals.len() as f64;
            sd[k] = stats::std_dev(&vals);
        }
    }
    let z: Vec<Vec<f64>> = rows
        .iter()
        .map(|r| {
            (0..d)
                .map(|k| {
                    if r[k].is_finite() && sd[k] > 0.0 {
                        (r[k] - mean[k]) / sd[k]
                    } else {
                        0.0
                    }
                })
                .collect()
        })
        .collect();
    let mut scores = vec![0.0; rows.len()];
    for fold in 0..FOLDS {
        let train: Vec<usize> = (0..rows.len()).filter(|i| i % FOLDS != fold).collect();
        let step = train.len().div_ceil(TRAIN_CAP).max(1);
        let train: Vec<usize> = train.into_iter().step_by(step).collect();
        let w = logistic(&z, &labels, &train);
        for i in (fold..rows.len()).step_by(FOLDS) {
            scores[i] = sigmoid(dot(&w, &z[i]));
        }
    }
    (labels, scores)
}

fn sigmoid(t: f64) -> f64 {
    1.0 / (1.0 + (-t).exp())
}

/// w·[1, x].
fn dot(w: &[f64], x: &[f64]) -> f64 {
    w[0] + w[1..].iter().zip(x).map(|(a, b)| a * b).sum::<f64>()
}

/// Newton's method on the L2-penalised log-loss (the intercept not penalised).
fn logistic(z: &[Vec<f64>], labels: &[bool], rows: &[usize]) -> Vec<f64> {
    let d = z.first().map_or(0, |r| r.len()) + 1;
    let mut w = vec![0.0; d];
    for _ in 0..30 {
        let mut grad = vec![0.0; d];
        let mut hess = vec![0.0; d * d];
        for &i in rows {
            let p = sigmoid(dot(&w, &z[i]));
            let y = if labels[i] { 1.0 } else { 0.0 };
            let s = (p * (1.0 - p)).max(1e-12);
            let x = |k: usize| if k == 0 { 1.0 } else { z[i][k - 1] };
            for a in 0..d {
                let xa = x(a);
                grad[a] += (p - y) * xa;
                for b in a..d {
                    hess[a * d + b] += s * xa * x(b);
                }
            }
        }
        for a in 0..d {
            for b in 0..a {
                hess[a * d + b] = hess[b * d + a];
            }
            if a > 0 {
                grad[a] += w[a];
                hess[a * d + a] += 1.0;
            }
        }
        let step = solve(hess, grad, d);
        let size = step.iter().map(|s| s.abs()).fold(0.0, f64::max);
        w.iter_mut().zip(&step).for_each(|(w, s)| *w -= s);
        if size < 1e-8 {
            break;
        }
    }
    w
}

/// Solve A·x = b by Gaussian elimination with partial pivoting (A is symmetric positive definite).
fn solve(mut a: Vec<f64>, mut b: Vec<f64>, n: usize) -> Vec<f64> {
    for col in 0..n {
        let pivot = (col..n)
            .max_by(|&i, &j| a[i * n + col].abs().total_cmp(&a[j * n + col].abs()))
            .expect("rows");
        if pivot != col {
            for k in 0..n {
                a.swap(col * n + k, pivot * n + k);
            }
            b.swap(col, pivot);
        }
        let p = a[col * n + col];
        if p.abs() < 1e-300 {
            continue;
        }
        for row in col + 1..n {
            let f = a[row * n + col] / p;
            if f != 0.0 {
                for k in col..n {
                    a[row * n + k] -= f * a[col * n + k];
                }
                b[row] -= f * b[col];
            }
        }
    }
    let mut x = vec![0.0; n];
    for row in (0..n).rev() {
        let s: f64 = (row + 1..n).map(|k| a[row * n + k] * x[k]).sum();
        let p = a[row * n + row];
        x[row] = if p.abs() < 1e-300 {
            0.0
        } else {
            (b[row] - s) / p
        };
    }
    x
}
