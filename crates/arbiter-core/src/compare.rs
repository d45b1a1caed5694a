//! Two runs on the same decided items: accuracy with its 95% Wilson interval, macro-F1 and ECE
//! per run (the figures of `metrics::quality`, computed by its own code), the flips (items
//! exactly one run gets right, counted both ways) and the exact McNemar p-value on them; and a
//! quality gate: B may lose at most `max_drop` accuracy against A (`arbiter compare --max-drop`,
//! exit status 3 when it loses more).
//!
//! The items: every item people decided (an automatic decision is a model's own answer, not
//! evidence about it) that both runs predicted, or only those of one saved queue (`--on`). Both
//! runs must be over the same dataset version and hold probabilities (ECE needs them).
//!
//! McNemar's exact test is the two-sided binomial test on the discordant pairs, as statsmodels'
//! `mcnemar(table, exact=True)`: with b and c the two flip counts,
//! p = min(1, 2 · P(X ≤ min(b, c))), X ~ Binomial(b + c, ½) (1 when there is no flip).

use std::collections::{HashMap, HashSet};

use serde::Serialize;

use crate::calibration::stats::binom_cdf;
use crate::decide::{self, Status};
use crate::error::{Error, Result};
use crate::metrics::quality::{from_pairs, Estimate};

/// One run's figures on the compared items.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunFigures {
    pub run: i64,
    /// The model and dataset, `NAME@VERSION`.
    pub model: String,
    pub correct: usize,
    pub accuracy: Option<f64>,
    /// The 95% Wilson interval of the accuracy.
    pub ci_low: Option<f64>,
    pub ci_high: Option<f64>,
    /// The unweighted mean of the per-class F1 over the classes predicted or decided (as
    /// scikit-learn's `f1_score(average="macro")`).
    pub macro_f1: Option<f64>,
    /// Expected calibration error over 10 equal-width confidence bins.
    pub ece: Option<f64>,
}

/// Items exactly one run gets right.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Flips {
    /// Both counts together.
    pub total: usize,
    /// Right by A, wrong by B (B broke them).
    pub a_only: usize,
    /// Right by B, wrong by A (B fixed them).
    pub b_only: usize,
}

/// The quality gate: B's accuracy may fall below A's by at most `max_drop`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Gate {
    pub max_drop: f64,
    /// A's accuracy minus B's (negative when B is better).
    pub drop: f64,
    pub passed: bool,
}

/// Two runs compared.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    /// The queue the items come from (`None`: every decided item).
    pub on: Option<String>,
    /// The decided items both runs predicted.
    pub items: usize,
    /// A, then B.
    pub runs: Vec<RunFigures>,
    pub flips: Flips,
    pub mcnemar_p: f64,
    /// Present when a `max_drop` was given.
    pub gate: Option<Gate>,
}

/// What to compare.
#[derive(Debug, Clone)]
pub struct CompareOptions {
    pub a: i64,
    pub b: i64,
    /// A saved queue (name or id): only its items.
    pub on: Option<String>,
    /// The most accuracy B may lose against A, in [0, 1].
    pub max_drop: Option<f64>,
}

/// A run's (predicted class, confidence) per item it predicted.
type Predicted = HashMap<i64, (String, f64)>;

/// The exact McNemar p-value of `b` and `c` discordant pairs (see the module docs).
pub fn mcnemar_exact(b: usize, c: usize) -> f64 {
    let n = b + c;
    if n == 0 {
        return 1.0;
    }
    (2.0 * binom_cdf(b.min(c), n, 0.5)).min(1.0)
}

/// The figures of two runs from their (predicted, decided, confidence) triples on the same
/// items in the same order, with the flips and McNemar's p.
pub fn from_pairs_of_two(
    runs: [(i64, &str, &[String]); 2],
    a: &[(String, String, f64)],
    b: &[(String, String, f64)],
) -> (Vec<RunFigures>, Flips, f64) {
    let figures = [(runs[0], a), (runs[1], b)]
        .into_iter()
        .map(|((run, model, classes), pairs)| {
            let q = from_pairs(run, classes, pairs, &[], &[]);
            let f1s: Vec<f64> = q.per_class.values().filter_map(|c| c.f1).collect();
            let Estimate {
                correct,
                accuracy,
                low,
                high,
                ..
            } = q.overall;
            RunFigures {
                run,
                model: model.to_string(),
                correct,
                accuracy,
                ci_low: low,
                ci_high: high,
                macro_f1: (!f1s.is_empty()).then(|| f1s.iter().sum::<f64>() / f1s.len() as f64),
                ece: q.ece,
            }
        })
        .collect();
    let (mut a_only, mut b_only) = (0, 0);
    for ((pa, d, _), (pb, _, _)) in a.iter().zip(b) {
        match (pa == d, pb == d) {
            (true, false) => a_only += 1,
            (false, true) => b_only += 1,
            _ => {}
        }
    }
    let flips = Flips {
        total: a_only + b_only,
        a_only,
        b_only,
    };
    (figures, flips, mcnemar_exact(a_only, b_only))
}

/// Compare two runs (see the module docs). Refused, with nothing read past the refusal: a
/// `max_drop` outside [0, 1], runs over different dataset versions (both named), a run without
/// probabilities, no decided item both runs predicted.
pub fn compare(project: &crate::Project, o: &CompareOptions) -> Result<Comparison> {
    if let Some(d) = o.max_drop {
        if !(0.0..=1.0).contains(&d) {
            return Err(Error::InvalidArgument(format!(
                "--max-drop {d}: give the most accuracy B may lose, between 0 and 1 (0.01 is one percentage point)"
            )));
        }
    }
    let conn = project.conn();
    let root = project.root();
    let (sa, sb) = (
        crate::predict::run_summary(conn, o.a, None)?,
        crate::predict::run_summary(conn, o.b, None)?,
    );
    if sa.version_id != sb.version_id {
        return Err(Error::InvalidArgument(format!(
            "run {} is over {} and run {} over {}: compare two runs over the same dataset version",
            sa.run, sa.dataset, sb.run, sb.dataset
        )));
    }
    let on = match &o.on {
        Some(name) => {
            let q = crate::review::find(project, name)?;
            let mut stmt = conn.prepare("SELECT item_id FROM queue_items WHERE queue_id = ?1")?;
            let items: HashSet<i64> = stmt
                .query_map([q.id], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            Some((q.name, items))
        }
        None => None,
    };
    let read = |run: i64| -> Result<(Vec<String>, Predicted)> {
        let (classes, preds) = crate::predict::predictions_in(conn, root, run)?;
        if !preds.iter().any(|p| !p.probabilities.is_empty()) {
            return Err(Error::InvalidArgument(format!(
                "run {run} has no probabilities (no item predicted yet, or every item failed: `arbiter runs --failures {run}`); compare needs them for the calibration error"
            )));
        }
        let by_item = preds
            .into_iter()
            .filter_map(|p| Some((p.item, (p.predicted?, f64::from(p.confidence?)))))
            .collect();
        Ok((classes, by_item))
    };
    let (ca, pa) = read(o.a)?;
    let (cb, pb) = read(o.b)?;
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for d in decide::decisions_in(conn, Some(sa.version_id))? {
        if d.status != Status::Decided || d.rule.is_some_and(|r| r.is_automatic()) {
            continue;
        }
        if on
            .as_ref()
            .is_some_and(|(_, items)| !items.contains(&d.item))
        {
            continue;
        }
        let (Some(label), Some(x), Some(y)) = (d.label, pa.get(&d.item), pb.get(&d.item)) else {
            continue;
        };
        a.push((x.0.clone(), label.clone(), x.1));
        b.push((y.0.clone(), label, y.1));
    }
    if a.is_empty() {
        return Err(Error::InvalidArgument(format!(
            "runs {} and {} have no decided item in common{}: label items (or pick a queue whose items are decided) and compare again",
            o.a,
            o.b,
            on.as_ref()
                .map(|(n, _)| format!(" in queue {n:?}"))
                .unwrap_or_default()
        )));
    }
    let (runs, flips, mcnemar_p) =
        from_pairs_of_two([(o.a, &sa.model, &ca), (o.b, &sb.model, &cb)], &a, &b);
    let gate = o.max_drop.map(|max_drop| {
        let drop = runs[0].accuracy.unwrap_or(0.0) - runs[1].accuracy.unwrap_or(0.0);
        Gate {
            max_drop,
            drop,
            // A tolerance for the float subtraction: a drop of exactly D passes.
            passed: drop <= max_drop + 1e-12,
        }
    });
    Ok(Comparison {
        on: on.map(|(n, _)| n),
        items: a.len(),
        runs,
        flips,
        mcnemar_p,
        gate,
    })
}

#[cfg(test)]
mod tests;
