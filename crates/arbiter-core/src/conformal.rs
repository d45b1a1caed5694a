//! The `set-size` queue: split-conformal prediction sets (LAC, Sadinle et al. 2019), computed
//! exactly as MAPIE's `SplitConformalClassifier(conformity_score="lac", prefit=True)` does
//! (checked against it on `fixtures/compare/`).
//!
//! - The calibration sample is a fair sample of the run ([`crate::calibration::fair_sample`]:
//!   the decided items of a random queue saved without a threshold, at least 30). Each item's
//!   conformity score is s = 1 − p(decided label) (1 when the model does not know the label).
//! - q̂ is the k-th smallest of the n scores, k = ⌈(n + 1)(1 − α)⌉ — numpy's
//!   `quantile(s, k / n, method="lower")`, as MAPIE computes it. When k > n the sample is too
//!   small for that α: refused, saying how many more labels are needed.
//! - An item's set is every class c with (1 − p_c) − q̂ ≤ 10⁻⁸ (MAPIE's tolerance). Over
//!   exchangeable items it holds the true label with probability at least 1 − α.
//!
//! The queue holds every item of the run with probabilities, its score the size of its set,
//! in this order: sets of two or more labels (larger first), then empty sets (no class is
//! plausible enough: unusual input), then single labels; ties in the queue's seeded order
//! (`queue::seeded_key(seed, item id)`), then by item.

use serde::Serialize;

use crate::error::{Error, Result};
use crate::queue::{seeded_key, Ranked, Strategy};
use crate::review::{self, QueueCreate, SavedQueue};
use crate::store::Project;

/// MAPIE's tolerance when it compares a class's score with q̂.
pub const EPSILON: f64 = 1e-8;

/// A fitted LAC threshold.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Lac {
    /// The calibration queue's name.
    pub calibration: String,
    /// Its decided items (the n of the quantile).
    pub n: usize,
    pub alpha: f64,
    /// The conformity-score quantile: a class is in an item's set when 1 − p ≤ q̂.
    pub qhat: f64,
    /// The run's temperature when the sets are built from calibrated probabilities
    /// (softmax(ln p / T), `--calibrated`), absent for the model's own.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f64>,
}

/// `alpha` in (0, 1), else refused naming the flag.
fn check_alpha(alpha: f64) -> Result<()> {
    if alpha > 0.0 && alpha < 1.0 {
        Ok(())
    } else {
        Err(Error::InvalidArgument(format!(
            "--alpha {alpha}: give the share of items whose set may miss the true label, above 0 and below 1 (such as 0.1 for 90% coverage)"
        )))
    }
}

/// k = ⌈(n + 1)(1 − α)⌉, the rank of q̂ among n scores (computed as numpy does).
fn rank_of(n: usize, alpha: f64) -> usize {
    ((n + 1) as f64 * (1.0 - alpha)).ceil() as usize
}

/// q̂ of the conformity `scores` at level `alpha` (see the module docs); refused when there
/// are too few scores for that level, saying how many more are needed.
pub fn qhat(scores: &[f64], alpha: f64) -> Result<f64> {
    check_alpha(alpha)?;
    let n = scores.len();
    let k = rank_of(n, alpha);
    if k > n || n == 0 {
        let needed = (n.max(1)..).find(|&m| rank_of(m, alpha) <= m).unwrap_or(n);
        return Err(Error::InvalidArgument(format!(
            "--alpha {alpha} needs at least {needed} calibration items and the sample has {n}: label {} more of its items, or give a larger alpha",
            needed - n
        )));
    }
    let mut sorted = scores.to_vec();
    sorted.sort_by(f64::total_cmp);
    Ok(sorted[k - 1])
}

/// The classes of an item's prediction set: each class c with (1 − p_c) − q̂ ≤ [`EPSILON`].
pub fn set_of(probabilities: &[f32], qhat: f64) -> Vec<usize> {
    probabilities
        .iter()
        .enumerate()
        .filter(|(_, p)| (1.0 - f64::from(**p)) - qhat <= EPSILON)
        .map(|(c, _)| c)
        .collect()
}

/// How many labels [`set_of`] holds, without listing them.
pub fn set_size(probabilities: &[f32], qhat: f64) -> usize {
    probabilities
        .iter()
        .filter(|p| (1.0 - f64::from(**p)) - qhat <= EPSILON)
        .count()
}

/// The LAC threshold from the fair sample in `calibration` (a queue's name or id) on `run`,
/// from the calibrated probabilities under `temperature` when given.
pub fn fit(
    project: &Project,
    run: i64,
    calibration: &str,
    alpha: f64,
    temperature: Option<f64>,
) -> Result<Lac> {
    check_alpha(alpha)?;
    let mut sample = crate::calibration::fair_sample(project, run, calibration)?;
    if let Some(t) = temperature {
        for i in &mut sample.items {
            crate::calibrated::apply_temperature(&mut i.probabilities, t);
        }
    }
    let scores: Vec<f64> = sample
        .items
        .iter()
        .map(|i| 1.0 - i.label.map_or(0.0, |l| f64::from(i.probabilities[l])))
        .collect();
    Ok(Lac {
        calibration: sample.queue.name,
        n: scores.len(),
        alpha,
        qhat: qhat(&scores, alpha)?,
        temperature,
    })
}

/// Where a set of `size` labels goes: two or more (larger first), then empty, then one.
fn size_order(size: usize) -> (u8, std::cmp::Reverse<usize>) {
    match size {
        0 => (1, std::cmp::Reverse(0)),
        1 => (2, std::cmp::Reverse(1)),
        n => (0, std::cmp::Reverse(n)),
    }
}

/// Every item of `run` with probabilities, scored by the size of its set under `lac`, in the
/// queue's order (see the module docs).
pub fn rank(project: &Project, run: i64, lac: &Lac, seed: u64) -> Result<Vec<Ranked>> {
    use rayon::prelude::*;
    let conn = project.conn();
    let k = crate::predict::run_classes(conn, project.root(), run)?.len();
    // One lean pass (ids, seeded keys and vectors), then the sets in parallel.
    let mut stmt = conn.prepare_cached(
        "SELECT p.item_id, i.ext_id, p.probs FROM predictions p JOIN items i ON i.id = p.item_id
         WHERE p.run_id = ?1 AND p.probs IS NOT NULL AND p.predicted IS NOT NULL ORDER BY p.item_id",
    )?;
    let mut rows = stmt.query([run])?;
    let (mut items, mut keys, mut probs) = (Vec::new(), Vec::new(), Vec::new());
    while let Some(r) = rows.next()? {
        items.push(r.get::<_, i64>(0)?);
        keys.push(seeded_key(
            seed,
            r.get_ref(1)?.as_str().map_err(rusqlite::Error::from)?,
        ));
        let at = probs.len();
        probs.resize(at + k, 0f32);
        let blob = r.get_ref(2)?.as_blob().map_err(rusqlite::Error::from)?;
        crate::predict::unpack_into(blob, &mut probs[at..]);
    }
    if k == 0 {
        return Ok(Vec::new());
    }
    let sizes: Vec<usize> = probs
        .par_chunks_mut(k)
        .map(|p| {
            if let Some(t) = lac.temperature {
                crate::calibrated::apply_temperature(p, t);
            }
            set_size(p, lac.qhat)
        })
        .collect();
    let mut keyed: Vec<((u8, std::cmp::Reverse<usize>), u64, Ranked)> = sizes
        .iter()
        .zip(keys)
        .zip(items)
        .map(|((&size, key), item)| {
            (
                size_order(size),
                key,
                Ranked {
                    item,
                    score: size as f64,
                },
            )
        })
        .collect();
    keyed.par_sort_unstable_by(|a, b| {
        a.0.cmp(&b.0)
            .then(a.1.cmp(&b.1))
            .then(a.2.item.cmp(&b.2.item))
    });
    Ok(keyed.into_iter().map(|(_, _, r)| r).collect())
}

/// Fit the LAC threshold on `calibration` and rank `q.spec.run` by set size (see [`rank`]).
/// Refused, with nothing written: `alpha` outside (0, 1), a confidence threshold, a
/// calibration queue that is not a fair sample of the run or holds too few decided items
/// (saying how many more are needed).
pub fn ranked(
    project: &Project,
    spec: &crate::queue::QueueSpec,
    calibration: &str,
    alpha: f64,
) -> Result<(Lac, Vec<Ranked>)> {
    check_alpha(alpha)?;
    if spec.strategy != Strategy::SetSize {
        return Err(Error::InvalidArgument(format!(
            "--calibration and --alpha go with --strategy set-size, not {}",
            spec.strategy.as_str()
        )));
    }
    if let Some(t) = spec.threshold {
        return Err(Error::InvalidArgument(format!(
            "--threshold {t}: a set-size queue ranks every item of the run by its prediction set; leave the threshold out"
        )));
    }
    let temperature = if spec.calibrated {
        Some(crate::calibrated::required_temperature(
            project.conn(),
            spec.run,
        )?)
    } else {
        None
    };
    let lac = fit(project, spec.run, calibration, alpha, temperature)?;
    let items = rank(project, spec.run, &lac, spec.seed)?;
    Ok((lac, items))
}

/// Save a `set-size` queue: [`ranked`], then saved as `review::create` saves any queue, the
/// calibration queue, α, n and q̂ in its audit entry. Each item's score is its set's size.
pub fn create(
    project: &mut Project,
    q: &QueueCreate,
    calibration: &str,
    alpha: f64,
) -> Result<(Lac, SavedQueue)> {
    let (lac, items) = ranked(project, &q.spec, calibration, alpha)?;
    let extra = serde_json::json!(lac);
    let saved = review::create_with(project, q, |_| Ok(items), extra)?;
    Ok((lac, saved))
}

#[cfg(test)]
mod tests;
