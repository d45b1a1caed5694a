//! Review queues: the items of a run ranked by a strategy, most in need of a human first.
//!
//! | strategy | score | order |
//! |---|---|---|
//! | `least-confidence` | 1 − max p | highest first |
//! | `margin` | p(1st) − p(2nd) | smallest first |
//! | `entropy` | −Σ p ln p | highest first |
//! | `label-disagreement` | p(predicted) − p(given) | highest first, flagged items only |
//! | `model-disagreement` | ½·Σ\|p − q\| between two runs | highest first |
//! | `random` | a seeded hash of the item | smallest first (a uniform sample) |
//! | `set-size` | the size of the item's split-conformal prediction set | see `conformal` |
//!
//! **label-disagreement** is confident learning (Northcutt et al., 2021) with cleanlab's
//! `find_label_issues(filter_by="prune_by_noise_rate")` rule, ported step for step (see
//! [`prune_by_noise_rate`]): per-class thresholds t_j = the mean probability of j over the items
//! given j; the confident joint (each item counted at its argmax among the classes reaching their
//! threshold); calibrated to the given-label counts and rounded preserving row sums (ties broken
//! stably); then, for each given class y and other class j, the `count[y][j]` items given y with
//! the largest p_j − p_y are flagged; an item whose argmax is its given label is never flagged.
//! Only flagged items enter the queue, ranked by p(predicted) − p(given). Items without a given
//! label the model knows are not considered.
//!
//! `threshold T` keeps only items whose confidence (max p) is below T. Items whose prediction
//! failed are never queued. Ties break by item order, so every ranking is deterministic.
//! Scores come from columns written at inference time (`predictions.confidence`, `margin`,
//! `entropy`), so the uncertainty queues are index-only scans of one covering index.

use std::collections::HashMap;

use rayon::prelude::*;
use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::predict::{self, Scores};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Strategy {
    LeastConfidence,
    Margin,
    Entropy,
    LabelDisagreement,
    ModelDisagreement,
    Random,
    /// Split-conformal prediction sets (`conformal`): items whose set is not one label first.
    SetSize,
    /// Saved by `arbiter drift --save-queue`: the current items least like the reference first
    /// (ranked by the drift module's domain classifier, not by [`rank`]).
    Drift,
}

impl Strategy {
    pub const ALL: &'static [&'static str] = &[
        "least-confidence",
        "margin",
        "entropy",
        "label-disagreement",
        "model-disagreement",
        "random",
        "set-size",
    ];

    pub fn parse(s: &str) -> Result<Strategy> {
        Ok(match s {
            "least-confidence" => Strategy::LeastConfidence,
            "margin" => Strategy::Margin,
            "entropy" => Strategy::Entropy,
            "label-disagreement" => Strategy::LabelDisagreement,
            "model-disagreement" => Strategy::ModelDisagreement,
            "random" => Strategy::Random,
            "set-size" => Strategy::SetSize,
            "drift" => Strategy::Drift,
            other => {
                return Err(Error::InvalidArgument(format!(
                    "strategy {other:?}: use one of {}",
                    Strategy::ALL.join(", ")
                )))
            }
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Strategy::LeastConfidence => "least-confidence",
            Strategy::Margin => "margin",
            Strategy::Entropy => "entropy",
            Strategy::LabelDisagreement => "label-disagreement",
            Strategy::ModelDisagreement => "model-disagreement",
            Strategy::Random => "random",
            Strategy::SetSize => "set-size",
            Strategy::Drift => "drift",
        }
    }
}

impl std::str::FromStr for Strategy {
    type Err = crate::Error;
    fn from_str(s: &str) -> crate::Result<Strategy> {
        Strategy::parse(s)
    }
}

sql_from_str!(Strategy);

/// What to rank.
#[derive(Debug, Clone)]
pub struct QueueSpec {
    pub run: i64,
    pub strategy: Strategy,
    /// The second run of `model-disagreement` (same dataset version).
    pub other_run: Option<i64>,
    /// Keep only items whose confidence is below this.
    pub threshold: Option<f64>,
    /// Seed of `random`.
    pub seed: u64,
    /// Rank and threshold by calibrated confidence — softmax(ln p / T) under the temperature
    /// fitted for the run (and, for model-disagreement, for the second run) — instead of the
    /// model's own probabilities. Refused for a run without a temperature.
    pub calibrated: bool,
}

/// One run's probability vectors in item order, as read for model-disagreement and the
/// calibrated rankings: item `i`'s vector is `probs[i·k .. (i+1)·k]`, its given class
/// `given[i]`.
struct RunProbs {
    items: Vec<i64>,
    probs: Vec<f32>,
    given: Vec<Option<usize>>,
}

impl RunProbs {
    /// The items of `run` with a probability vector and a confidence below `threshold`; under
    /// a temperature `t`, the vectors are the calibrated ones and so is the confidence the
    /// threshold compares (`calibrated::top_probability`, what auto-accept certifies).
    fn read(
        conn: &Connection,
        run: i64,
        k: usize,
        threshold: f64,
        t: Option<f64>,
    ) -> Result<RunProbs> {
        // Calibrating costs a logarithm and an exponential per class: the run's two halves (by
        // item) are read and calibrated at once, the second on its own read-only connection.
        if t.is_some() {
            let (lo, hi): (Option<i64>, Option<i64>) = conn.query_row(
                "SELECT MIN(item_id), MAX(item_id) FROM predictions WHERE run_id = ?1",
                [run],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            if let (Some(lo), Some(hi)) = (lo, hi) {
                let mid = lo + (hi - lo) / 2;
                if let Some(reader) = crate::store::open_reader(conn)? {
                    let (mut first, second) = std::thread::scope(|s| {
                        let second = s.spawn(move || {
                            Self::read_range(&reader, run, k, threshold, t, mid + 1, hi)
                        });
                        let first = Self::read_range(conn, run, k, threshold, t, lo, mid);
                        // A panic in the reader is a bug, not bad input: it goes on unwinding.
                        let second = second
                            .join()
                            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                        (first, second)
                    });
                    let second = second?;
                    if let Ok(f) = first.as_mut() {
                        f.items.extend(second.items);
                        f.probs.extend(second.probs);
                        f.given.extend(second.given);
                    }
                    return first;
                }
            }
        }
        Self::read_range(conn, run, k, threshold, t, i64::MIN, i64::MAX)
    }

    /// [`RunProbs::read`] of the items `lo..=hi`.
    fn read_range(
        conn: &Connection,
        run: i64,
        k: usize,
        threshold: f64,
        t: Option<f64>,
        lo: i64,
        hi: i64,
    ) -> Result<RunProbs> {
        let mut stmt = conn.prepare_cached(
            // The primary key's order; filtering by confidence here would pick the confidence
            // index and then look every row up.
            "SELECT item_id, confidence, probs, given_class FROM predictions
             WHERE run_id = ?1 AND item_id BETWEEN ?2 AND ?3 AND probs IS NOT NULL ORDER BY item_id",
        )?;
        let mut rows = stmt.query(rusqlite::params![run, lo, hi])?;
        let mut out = RunProbs {
            items: Vec::new(),
            probs: Vec::new(),
            given: Vec::new(),
        };
        while let Some(row) = rows.next()? {
            // A failed item has no confidence: never queued.
            let Some(confidence) = row.get::<_, Option<f64>>(1)? else {
                continue;
            };
            if t.is_none() && confidence >= threshold {
                continue;
            }
            let at = out.probs.len();
            out.probs.resize(at + k, 0.0);
            let blob = row.get_ref(2)?.as_blob().map_err(rusqlite::Error::from)?;
            predict::unpack_into(blob, &mut out.probs[at..]);
            if let Some(t) = t {
                if crate::calibrated::apply_temperature(&mut out.probs[at..], t) >= threshold {
                    out.probs.truncate(at);
                    continue;
                }
            }
            out.items.push(row.get(0)?);
            out.given
                .push(row.get::<_, Option<i64>>(3)?.map(|g| g as usize));
        }
        Ok(out)
    }

    fn vector(&self, i: usize, k: usize) -> &[f32] {
        &self.probs[i * k..(i + 1) * k]
    }
}

/// One ranked item.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ranked {
    pub item: i64,
    pub score: f64,
}

/// A ranked item with what a reviewer sees first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QueueEntry {
    pub item_id: String,
    pub score: f64,
    pub predicted: Option<String>,
    pub confidence: Option<f32>,
    /// The calibrated confidence (a calibrated queue's entries only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub calibrated_confidence: Option<f64>,
    pub given: Option<String>,
    #[serde(skip)]
    pub rowid: i64,
}

fn run_info(conn: &Connection, run: i64) -> Result<(i64, i64)> {
    conn.query_row(
        "SELECT model_id, version_id FROM runs WHERE id = ?1",
        [run],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .optional()?
    .ok_or(Error::NotFound {
        what: "run",
        name: format!("{run} (see `arbiter runs`)"),
    })
}

/// splitmix64: a fixed, documented hash for the seeded random order.
pub fn splitmix64(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// FNV-1a (64-bit) of a text: a fixed hash of ids and names for the seeded orders.
pub fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// An item id's place in the seeded order of `seed` (sort ascending).
pub fn seeded_key(seed: u64, id: &str) -> u64 {
    splitmix64(seed ^ splitmix64(fnv(id)))
}

/// A run's items below a confidence (`?1` run, `?2` threshold) with one score column.
fn scan_sql(score: &str) -> String {
    format!(
        "SELECT item_id, {score} FROM predictions INDEXED BY predictions_scores WHERE run_id = ?1 AND confidence < ?2"
    )
}

/// Rank the items of a run. Returns every queued item in order.
pub fn rank(project: &crate::Project, spec: &QueueSpec) -> Result<Vec<Ranked>> {
    let conn = project.conn();
    let root = project.root();
    let (model_id, version_id) = run_info(conn, spec.run)?;
    let threshold = spec.threshold.unwrap_or(f64::INFINITY);
    if let Some(t) = spec.threshold {
        if !(0.0..=1.0).contains(&t) {
            return Err(Error::InvalidArgument(format!(
                "--threshold {t}: a confidence between 0 and 1"
            )));
        }
    }
    // Model-disagreement calibrates in its own arm; set-size and drift are ranked elsewhere.
    if spec.calibrated
        && !matches!(
            spec.strategy,
            Strategy::ModelDisagreement | Strategy::SetSize | Strategy::Drift
        )
    {
        return rank_calibrated(project, spec, model_id, threshold);
    }
    // Index-only scans of the run's scores (the covering index of 0017_one_predictions_index.sql);
    // sorting happens here. `confidence < T` also leaves out failed items, whose confidence is
    // NULL.
    let scan = |select: &str| -> Result<Vec<Ranked>> {
        let mut stmt = conn.prepare_cached(&scan_sql(select))?;
        let rows = stmt.query_map(rusqlite::params![spec.run, threshold], |r| {
            Ok(Ranked {
                item: r.get(0)?,
                score: r.get(1)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    };
    match spec.strategy {
        Strategy::Drift => Err(Error::InvalidArgument(
            "a drift queue is ranked by `arbiter drift --ref REF --cur CUR --save-queue NAME`"
                .into(),
        )),
        Strategy::LeastConfidence => Ok(descending(scan("1.0 - confidence")?)),
        Strategy::Margin => Ok(ascending(scan("margin")?)),
        Strategy::Entropy => Ok(descending(scan("entropy")?)),
        Strategy::Random => {
            let mut all = scan("0.0")?;
            all.par_iter_mut()
                .for_each(|r| r.score = random_score(spec.seed, r.item));
            Ok(ascending(all))
        }
        Strategy::LabelDisagreement => {
            let k = crate::model::get(conn, root, model_id)?.classes.len();
            let mut stmt = conn.prepare_cached(
                "SELECT item_id, given_class, confidence, probs FROM predictions
                 WHERE run_id = ?1 AND given_class IS NOT NULL AND probs IS NOT NULL ORDER BY item_id",
            )?;
            let mut rows: Vec<(i64, usize, f64, Vec<f64>)> = Vec::new();
            let mut dense = vec![0f32; k];
            let mut found = stmt.query([spec.run])?;
            while let Some(r) = found.next()? {
                dense.iter_mut().for_each(|v| *v = 0.0);
                let blob = r.get_ref(3)?.as_blob().map_err(rusqlite::Error::from)?;
                predict::unpack_into(blob, &mut dense);
                rows.push((
                    r.get(0)?,
                    r.get::<_, i64>(1)? as usize,
                    r.get(2)?,
                    dense.iter().map(|v| f64::from(*v)).collect(),
                ));
            }
            Ok(flagged(&rows, k, threshold))
        }
        Strategy::SetSize => Err(Error::InvalidArgument(
            "a set-size queue needs a calibration queue and a level: --calibration QUEUE --alpha A (and --save NAME)".into(),
        )),
        Strategy::ModelDisagreement => {
            let other = spec.other_run.ok_or_else(|| {
                Error::InvalidArgument(
                    "model-disagreement needs a second run (--other-run ID)".into(),
                )
            })?;
            let (other_model, other_version) = run_info(conn, other)?;
            if other_version != version_id {
                return Err(Error::InvalidArgument(format!(
                    "runs {} and {other} are over different dataset versions; model-disagreement compares two runs on the same one",
                    spec.run
                )));
            }
            let a_classes = crate::model::get(conn, root, model_id)?.classes;
            let b_classes = crate::model::get(conn, root, other_model)?.classes;
            // The second model's class for each of the first model's classes, by name.
            let b_index: HashMap<&str, usize> = b_classes
                .iter()
                .enumerate()
                .map(|(i, c)| (c.as_str(), i))
                .collect();
            let aligned: Vec<Option<usize>> = a_classes
                .iter()
                .map(|c| b_index.get(c.as_str()).copied())
                .collect();
            // The two runs are read at once, the second on its own read-only connection (WAL
            // readers do not block each other), each in primary-key (item) order into one flat
            // buffer; then merged by item.
            let (ka, kb) = (a_classes.len(), b_classes.len());
            // Calibrated: each run's vectors under its own temperature.
            let (ta, tb) = if spec.calibrated {
                (
                    Some(crate::calibrated::required_temperature(conn, spec.run)?),
                    Some(crate::calibrated::required_temperature(conn, other)?),
                )
            } else {
                (None, None)
            };
            let (first, second) = match crate::store::open_reader(conn)? {
                Some(reader) => std::thread::scope(|s| {
                    let second =
                        s.spawn(move || RunProbs::read(&reader, other, kb, f64::INFINITY, tb));
                    let first = RunProbs::read(conn, spec.run, ka, threshold, ta);
                    // A panic in the reader is a bug, not bad input: it goes on unwinding.
                    let second = second
                        .join()
                        .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                    (first, second)
                }),
                // An in-memory database has no second connection.
                None => (
                    RunProbs::read(conn, spec.run, ka, threshold, ta),
                    RunProbs::read(conn, other, kb, f64::INFINITY, tb),
                ),
            };
            let (first, second) = (first?, second?);
            let mut pairs: Vec<(usize, usize)> = Vec::with_capacity(first.items.len());
            let mut j = 0;
            for (i, &item) in first.items.iter().enumerate() {
                while j < second.items.len() && second.items[j] < item {
                    j += 1;
                }
                if j < second.items.len() && second.items[j] == item {
                    pairs.push((i, j));
                }
            }
            let out: Vec<Ranked> = pairs
                .par_iter()
                .map(|&(i, j)| {
                    let p = first.vector(i, ka);
                    let q = second.vector(j, kb);
                    let mut l1 = 0f64;
                    let mut matched = 0f64;
                    for (pv, b) in p.iter().zip(&aligned) {
                        let qv = b.map_or(0.0, |b| q[b] as f64);
                        l1 += (*pv as f64 - qv).abs();
                        matched += qv;
                    }
                    // Mass the second model puts on classes the first does not have.
                    l1 += (q.iter().map(|v| *v as f64).sum::<f64>() - matched).max(0.0);
                    Ranked {
                        item: first.items[i],
                        score: 0.5 * l1,
                    }
                })
                .collect();
            Ok(descending(out))
        }
    }
}

/// [`rank`] by calibrated confidence (`spec.calibrated`; model-disagreement stays in [`rank`]):
/// the same scores and orders as the table in the module docs, computed from each item's
/// calibrated vector softmax(ln p / T) instead of the columns written at inference time.
fn rank_calibrated(
    project: &crate::Project,
    spec: &QueueSpec,
    model_id: i64,
    threshold: f64,
) -> Result<Vec<Ranked>> {
    let conn = project.conn();
    let t = crate::calibrated::required_temperature(conn, spec.run)?;
    let k = crate::model::get(conn, project.root(), model_id)?
        .classes
        .len();
    // label-disagreement flags over every item, then applies the threshold.
    let cut = if spec.strategy == Strategy::LabelDisagreement {
        f64::INFINITY
    } else {
        threshold
    };
    let runs = RunProbs::read(conn, spec.run, k, cut, Some(t))?;
    let scored = |f: &(dyn Fn(i64, &[f32]) -> f64 + Sync)| -> Vec<Ranked> {
        (0..runs.items.len())
            .into_par_iter()
            .map(|i| Ranked {
                item: runs.items[i],
                score: f(runs.items[i], runs.vector(i, k)),
            })
            .collect()
    };
    Ok(match spec.strategy {
        Strategy::LeastConfidence => {
            descending(scored(&|_, p| 1.0 - f64::from(Scores::of(p).confidence)))
        }
        Strategy::Margin => ascending(scored(&|_, p| Scores::of(p).margin)),
        Strategy::Entropy => descending(scored(&|_, p| Scores::of(p).entropy)),
        Strategy::Random => ascending(scored(&|item, _| random_score(spec.seed, item))),
        Strategy::LabelDisagreement => {
            // cleanlab's rule over the calibrated vectors.
            let rows: Vec<(i64, usize, f64, Vec<f64>)> = (0..runs.items.len())
                .filter_map(|i| {
                    let g = runs.given[i].filter(|g| *g < k)?;
                    let p = runs.vector(i, k);
                    Some((
                        runs.items[i],
                        g,
                        f64::from(Scores::of(p).confidence),
                        p.iter().map(|v| f64::from(*v)).collect(),
                    ))
                })
                .collect();
            flagged(&rows, k, threshold)
        }
        other => unreachable!("rank ranks {} itself", other.as_str()),
    })
}

/// By score, lowest first (ties by item).
fn ascending(mut v: Vec<Ranked>) -> Vec<Ranked> {
    v.par_sort_unstable_by(|a, b| a.score.total_cmp(&b.score).then(a.item.cmp(&b.item)));
    v
}

/// By score, highest first (ties by item).
fn descending(mut v: Vec<Ranked>) -> Vec<Ranked> {
    v.par_sort_unstable_by(|a, b| b.score.total_cmp(&a.score).then(a.item.cmp(&b.item)));
    v
}

/// An item's place in the `random` strategy's seeded order, in [0, 1).
fn random_score(seed: u64, item: i64) -> f64 {
    (splitmix64(seed ^ splitmix64(item as u64)) >> 11) as f64 / (1u64 << 53) as f64
}

/// label-disagreement's queue from (item, given class, confidence, probabilities) rows: the
/// items cleanlab's rule flags whose confidence is below `threshold`, most likely mislabeled first.
fn flagged(rows: &[(i64, usize, f64, Vec<f64>)], k: usize, threshold: f64) -> Vec<Ranked> {
    descending(
        prune_by_noise_rate(rows, k)
            .into_iter()
            .filter(|r| r.1 < threshold)
            .map(|(item, _, score)| Ranked { item, score })
            .collect(),
    )
}

/// cleanlab's `prune_by_noise_rate`, ported: returns (item, confidence, p(argmax) − p(given))
/// for every flagged item. `rows` are (item, given class, confidence, probabilities).
pub fn prune_by_noise_rate(rows: &[(i64, usize, f64, Vec<f64>)], k: usize) -> Vec<(i64, f64, f64)> {
    if k < 2 || rows.is_empty() {
        return Vec::new();
    }
    // 1. Per-class thresholds.
    let mut count = vec![0usize; k];
    let mut sum = vec![0f64; k];
    for (_, g, _, p) in rows {
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
    // First maximum, as numpy's argmax.
    let argmax = |p: &[f64]| {
        p.iter()
            .enumerate()
            .fold(0, |best, (i, &v)| if v > p[best] { i } else { best })
    };
    // 2. The confident joint.
    let mut cj = vec![vec![0f64; k]; k];
    for (_, g, _, p) in rows {
        let mut confident = (0..k).filter(|&c| p[c] >= t[c] - 1e-6);
        let guess = match (confident.next(), confident.next()) {
            (None, _) => continue,
            (Some(only), None) => only,
            _ => argmax(p),
        };
        cj[*g][guess] += 1.0;
    }
    for (j, row) in cj.iter_mut().enumerate() {
        row[j] = row[j].max(1.0);
    }
    // 3. Calibration to the given-label counts, then to N, rounded preserving each row's sum.
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
    // cleanlab's `_keep_at_least_n_per_class(n=1)`: a zero diagonal is raised to 1, taken evenly
    // from the row's non-zero off-diagonal cells. prune[y][j] = items given y to flag as j.
    let mut prune = cal;
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
    // 4. Per (given y, true j): the largest margins p_j − p_y among the items given y.
    let mut by_given: Vec<Vec<usize>> = vec![Vec::new(); k];
    for (i, (_, g, _, _)) in rows.iter().enumerate() {
        by_given[*g].push(i);
    }
    let flagged: std::collections::HashSet<usize> = (0..k)
        .into_par_iter()
        .filter(|&y| count[y] > 1)
        .flat_map_iter(|y| {
            let given = &by_given[y];
            let mut out = Vec::new();
            for j in (0..k).filter(|&j| j != y) {
                let take = (prune[y][j] as usize).min(given.len());
                if take == 0 {
                    continue;
                }
                let mut order: Vec<(f64, i64, usize)> = given
                    .iter()
                    .map(|&i| (rows[i].3[j] - rows[i].3[y], rows[i].0, i))
                    .collect();
                let cmp = |a: &(f64, i64, usize), b: &(f64, i64, usize)| {
                    b.0.total_cmp(&a.0).then(a.1.cmp(&b.1))
                };
                if take < order.len() {
                    order.select_nth_unstable_by(take - 1, cmp);
                }
                out.extend(order[..take].iter().map(|o| o.2));
            }
            out
        })
        .collect();
    // 5. Never flag an item the model agrees with.
    let mut out: Vec<(i64, f64, f64)> = flagged
        .into_iter()
        .filter_map(|i| {
            let (item, g, conf, p) = &rows[i];
            let mut q = p.clone();
            q[*g] += 1e-6;
            (argmax(&q) != *g).then(|| (*item, *conf, p[argmax(p)] - p[*g]))
        })
        .collect();
    out.sort_by(|a, b| b.2.total_cmp(&a.2).then(a.0.cmp(&b.0)));
    out
}

/// numpy/cleanlab's `round_preserving_sum`, with a stable order on equal residues.
fn round_preserving_sum(floats: &[f64]) -> Vec<f64> {
    let mut ints: Vec<f64> = floats.iter().map(|v| v.round_ties_even()).collect();
    let target = floats.iter().sum::<f64>().round_ties_even();
    for _ in 0..floats.len() + 2 {
        let have = ints.iter().sum::<f64>().round_ties_even();
        if (have - target).abs() <= 1e-6 {
            break;
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
    ints
}

/// How many of a run's predicted items fall below a confidence threshold, of how many (for a
/// threshold slider); with `calibrated`, below it in calibrated confidence (the run's
/// temperature, required) — the items a queue with that threshold keeps.
pub fn below(
    project: &crate::Project,
    run: i64,
    threshold: f64,
    calibrated: bool,
) -> Result<(u64, u64)> {
    let conn = project.conn();
    if calibrated {
        let t = crate::calibrated::required_temperature(conn, run)?;
        let (model_id, _) = run_info(conn, run)?;
        let mut buf = vec![
            0f32;
            crate::model::get(conn, project.root(), model_id)?
                .classes
                .len()
        ];
        let mut stmt = conn.prepare_cached(
            "SELECT probs FROM predictions WHERE run_id = ?1 AND predicted IS NOT NULL",
        )?;
        let mut rows = stmt.query([run])?;
        let (mut below, mut all) = (0u64, 0u64);
        while let Some(r) = rows.next()? {
            all += 1;
            if let Some(blob) = r
                .get_ref(0)?
                .as_blob_or_null()
                .map_err(rusqlite::Error::from)?
            {
                buf.fill(0.0);
                predict::unpack_into(blob, &mut buf);
                below += u64::from(crate::calibrated::top_probability(&buf, t) < threshold);
            }
        }
        return Ok((below, all));
    }
    let (below, all): (i64, i64) = conn.query_row(
        "SELECT COALESCE(SUM(confidence < ?2), 0), COUNT(*) FROM predictions WHERE run_id = ?1 AND predicted IS NOT NULL",
        rusqlite::params![run, threshold],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    Ok((below as u64, all as u64))
}

/// The first `limit` entries of a ranking with ids, predictions and given labels (and, under
/// the run's temperature `temperature`, calibrated confidence).
pub fn entries(
    project: &crate::Project,
    run: i64,
    ranked: &[Ranked],
    limit: usize,
    temperature: Option<f64>,
) -> Result<Vec<QueueEntry>> {
    let conn = project.conn();
    let root = project.root();
    let (model_id, _) = run_info(conn, run)?;
    let classes = crate::model::get(conn, root, model_id)?.classes;
    let mut stmt = conn.prepare_cached(
        "SELECT i.ext_id, p.predicted, p.confidence, l.name, p.probs FROM items i
         LEFT JOIN predictions p ON p.run_id = ?1 AND p.item_id = i.id LEFT JOIN labels l ON l.id = i.label_id WHERE i.id = ?2",
    )?;
    let mut buf = vec![0f32; classes.len()];
    ranked
        .iter()
        .take(limit)
        .map(|r| {
            stmt.query_row(rusqlite::params![run, r.item], |row| {
                let predicted: Option<i64> = row.get(1)?;
                let calibrated_confidence = match (temperature, row.get_ref(4)?.as_blob_or_null()?)
                {
                    (Some(t), Some(blob)) => {
                        buf.fill(0.0);
                        predict::unpack_into(blob, &mut buf);
                        Some(crate::calibrated::top_probability(&buf, t))
                    }
                    _ => None,
                };
                Ok(QueueEntry {
                    calibrated_confidence,
                    item_id: row.get(0)?,
                    score: r.score,
                    predicted: predicted.and_then(|i| classes.get(i as usize).cloned()),
                    confidence: row.get::<_, Option<f64>>(2)?.map(|c| c as f32),
                    given: row.get(3)?,
                    rowid: r.item,
                })
            })
            .map_err(Error::from)
        })
        .collect()
}

#[cfg(test)]
mod tests;
