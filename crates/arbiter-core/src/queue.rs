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
//!
//! **label-disagreement** follows confident learning (Northcutt et al., 2021): each class j gets
//! a threshold t_j = the mean probability the model gives j over the items whose given label is
//! j. An item with given label y is *flagged* when the model's predicted class j ≠ y and
//! p_j ≥ t_j — the item falls off the diagonal of the confident joint, counted at its argmax. Only
//! flagged items enter the queue, ranked by p_j − p_y. Items without a given label the model
//! knows are not ranked by this strategy.
//!
//! `threshold T` keeps only items whose confidence (max p) is below T. Items whose prediction
//! failed are never queued. Ties break by item order, so every ranking is deterministic.
//! Scores come from columns written at inference time (`predictions.confidence`, `margin`,
//! `entropy`, `given_prob`), so the uncertainty queues are index scans.

use std::collections::HashMap;
use std::path::Path;

use rayon::prelude::*;
use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::predict;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strategy {
    LeastConfidence,
    Margin,
    Entropy,
    LabelDisagreement,
    ModelDisagreement,
    Random,
}

impl Strategy {
    pub const ALL: &'static [&'static str] = &[
        "least-confidence",
        "margin",
        "entropy",
        "label-disagreement",
        "model-disagreement",
        "random",
    ];

    pub fn parse(s: &str) -> Result<Strategy> {
        Ok(match s {
            "least-confidence" => Strategy::LeastConfidence,
            "margin" => Strategy::Margin,
            "entropy" => Strategy::Entropy,
            "label-disagreement" => Strategy::LabelDisagreement,
            "model-disagreement" => Strategy::ModelDisagreement,
            "random" => Strategy::Random,
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
        }
    }
}

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
}

/// (item, confidence, packed probabilities) as read for model-disagreement.
type PackedRow = (i64, Option<f64>, Vec<u8>);

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

/// Rank the items of a run. Returns every queued item in order.
pub fn rank(conn: &Connection, root: &Path, spec: &QueueSpec) -> Result<Vec<Ranked>> {
    let (model_id, version_id) = run_info(conn, spec.run)?;
    let threshold = spec.threshold.unwrap_or(f64::INFINITY);
    if let Some(t) = spec.threshold {
        if !(0.0..=1.0).contains(&t) {
            return Err(Error::InvalidArgument(format!(
                "--threshold {t}: a confidence between 0 and 1"
            )));
        }
    }
    // Index-only scans (see the covering indexes in 0002_models.sql); sorting happens here.
    // `confidence < T` also leaves out failed items, whose confidence is NULL.
    let scan = |select: &str, index: &str| -> Result<Vec<Ranked>> {
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT item_id, {select} FROM predictions INDEXED BY {index} WHERE run_id = ?1 AND confidence < ?2"
        ))?;
        let rows = stmt.query_map(rusqlite::params![spec.run, threshold], |r| {
            Ok(Ranked {
                item: r.get(0)?,
                score: r.get(1)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    };
    let ascending = |mut v: Vec<Ranked>| {
        v.par_sort_unstable_by(|a, b| a.score.total_cmp(&b.score).then(a.item.cmp(&b.item)));
        v
    };
    let descending = |mut v: Vec<Ranked>| {
        v.par_sort_unstable_by(|a, b| b.score.total_cmp(&a.score).then(a.item.cmp(&b.item)));
        v
    };
    match spec.strategy {
        Strategy::LeastConfidence => Ok(descending(scan(
            "1.0 - confidence",
            "predictions_by_confidence",
        )?)),
        Strategy::Margin => Ok(ascending(scan("margin", "predictions_by_margin")?)),
        Strategy::Entropy => Ok(descending(scan("entropy", "predictions_by_entropy")?)),
        Strategy::Random => {
            let mut all = scan("0.0", "predictions_by_confidence")?;
            all.par_iter_mut().for_each(|r| {
                r.score = (splitmix64(spec.seed ^ splitmix64(r.item as u64)) >> 11) as f64
                    / (1u64 << 53) as f64;
            });
            Ok(ascending(all))
        }
        Strategy::LabelDisagreement => {
            // t_j: the mean probability of class j over the items given j.
            let mut thresholds: HashMap<i64, f64> = HashMap::new();
            {
                let mut stmt = conn.prepare(
                    "SELECT given_class, AVG(given_prob) FROM predictions INDEXED BY predictions_by_given
                     WHERE run_id = ?1 AND given_class IS NOT NULL GROUP BY given_class",
                )?;
                let rows = stmt.query_map([spec.run], |r| {
                    Ok((r.get::<_, i64>(0)?, r.get::<_, f64>(1)?))
                })?;
                for row in rows {
                    let (j, t) = row?;
                    thresholds.insert(j, t);
                }
            }
            let mut stmt = conn.prepare_cached(
                "SELECT item_id, predicted, confidence, given_prob FROM predictions INDEXED BY predictions_by_given
                 WHERE run_id = ?1 AND given_class IS NOT NULL AND predicted != given_class AND confidence < ?2",
            )?;
            let mut out = Vec::new();
            let mut rows = stmt.query(rusqlite::params![spec.run, threshold])?;
            while let Some(r) = rows.next()? {
                let (item, predicted, conf, given_prob): (i64, i64, f64, f64) =
                    (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?);
                if thresholds.get(&predicted).is_some_and(|&t| conf >= t) {
                    out.push(Ranked {
                        item,
                        score: conf - given_prob,
                    });
                }
            }
            Ok(descending(out))
        }
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
            // Align the second model's classes to the first's by name.
            let b_index: HashMap<&str, usize> = b_classes
                .iter()
                .enumerate()
                .map(|(i, c)| (c.as_str(), i))
                .collect();
            // Two scans in primary-key (item) order, merged.
            let read = |run: i64| -> Result<Vec<PackedRow>> {
                let mut stmt = conn.prepare_cached(
                    "SELECT item_id, confidence, probs FROM predictions WHERE run_id = ?1 AND probs IS NOT NULL ORDER BY item_id",
                )?;
                let rows = stmt.query_map([run], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
                Ok(rows.collect::<rusqlite::Result<_>>()?)
            };
            let (first, mut second) = (read(spec.run)?, read(other)?);
            let mut rows: Vec<(i64, Vec<u8>, Vec<u8>)> = Vec::with_capacity(first.len());
            let mut j = 0;
            for (item, conf, a) in first {
                while j < second.len() && second[j].0 < item {
                    j += 1;
                }
                if j < second.len() && second[j].0 == item && conf.is_some_and(|c| c < threshold) {
                    rows.push((item, a, std::mem::take(&mut second[j].2)));
                }
            }
            let out: Vec<Ranked> = rows
                .par_iter()
                .map(|(item, a, b)| {
                    let p = predict::unpack(a, a_classes.len());
                    let q = predict::unpack(b, b_classes.len());
                    let mut l1 = 0f64;
                    let mut matched = 0f64;
                    for (i, c) in a_classes.iter().enumerate() {
                        let qv = b_index.get(c.as_str()).map_or(0.0, |&j| q[j] as f64);
                        l1 += (p[i] as f64 - qv).abs();
                        matched += qv;
                    }
                    // Mass the second model puts on classes the first does not have.
                    l1 += (q.iter().map(|v| *v as f64).sum::<f64>() - matched).max(0.0);
                    Ranked {
                        item: *item,
                        score: 0.5 * l1,
                    }
                })
                .collect();
            Ok(descending(out))
        }
    }
}

/// The first `limit` entries of a ranking with ids, predictions and given labels.
pub fn entries(
    conn: &Connection,
    root: &Path,
    run: i64,
    ranked: &[Ranked],
    limit: usize,
) -> Result<Vec<QueueEntry>> {
    let (model_id, _) = run_info(conn, run)?;
    let classes = crate::model::get(conn, root, model_id)?.classes;
    let mut stmt = conn.prepare_cached(
        "SELECT i.ext_id, p.predicted, p.confidence, l.name FROM items i
         LEFT JOIN predictions p ON p.run_id = ?1 AND p.item_id = i.id LEFT JOIN labels l ON l.id = i.label_id WHERE i.id = ?2",
    )?;
    ranked
        .iter()
        .take(limit)
        .map(|r| {
            stmt.query_row(rusqlite::params![run, r.item], |row| {
                let predicted: Option<i64> = row.get(1)?;
                Ok(QueueEntry {
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
