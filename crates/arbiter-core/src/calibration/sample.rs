//! The fair sample: the one place that decides which items model quality, calibration and
//! auto-accept may learn from. Only a `random` queue saved without a confidence threshold, on
//! the run in question, is a uniform sample of the run's items; of it, only the items people
//! decided count (an automatic decision is the model's own answer, not evidence about it).
//! Anything else is refused with the reason, and nothing is written.

use std::collections::HashMap;

use rusqlite::Connection;
use serde::Serialize;

use crate::decide::{self, Status};
use crate::error::{Error, Result};
use crate::queue::Strategy;
use crate::review::{self, SavedQueue};

/// The fewest decided items a fair sample must hold.
pub const MIN_ITEMS: usize = 30;

/// One decided item of a fair sample.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SampleItem {
    /// The item's row id.
    pub item: i64,
    /// The run's probability vector, in the model's class order.
    pub probabilities: Vec<f32>,
    /// The predicted class (index into [`Sample::classes`]).
    pub predicted: usize,
    /// The decided label's class index, `None` when the model does not know that label.
    pub label: Option<usize>,
    /// The decided label's name.
    pub label_name: String,
}

impl SampleItem {
    /// Whether the decided label differs from the prediction.
    pub fn is_error(&self) -> bool {
        self.label != Some(self.predicted)
    }
}

/// The decided items of a fair sample of a run, in item order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sample {
    pub run: i64,
    pub queue: SavedQueue,
    /// The run's model's classes, in output order.
    pub classes: Vec<String>,
    pub items: Vec<SampleItem>,
    /// Items in the queue (decided or not).
    pub queued: usize,
}

/// Why a queue is not a fair sample of `run`, or `None` when it is: a `random` queue on that
/// run saved without a confidence threshold.
pub fn unfair_reason(q: &SavedQueue, run: i64) -> Option<String> {
    if q.run != run {
        return Some(format!(
            "queue {:?} ranks run {}, not run {run}: use a random queue saved on run {run}",
            q.name, q.run
        ));
    }
    if q.strategy != Strategy::Random {
        return Some(format!(
            "queue {:?} is a {} queue: its items were chosen because the model struggles on them, so they are not a fair sample; save a random queue without --threshold (`arbiter queue --run {run} --strategy random --save NAME`) and label it",
            q.name,
            q.strategy.as_str()
        ));
    }
    if let Some(t) = q.threshold {
        return Some(format!(
            "queue {:?} is a random queue with a confidence threshold ({t}): it holds only low-confidence items, so it is not a fair sample; save a random queue without --threshold and label it",
            q.name
        ));
    }
    None
}

/// The fair sample of `run` that the saved queue `queue` (name or id) holds: per decided item
/// (decided by people: gold, override, votes — never an automatic decision) the probability
/// vector, the predicted class and the decided label. Refused, saying why, when the queue is
/// not a random queue without a threshold on that run, when the run has no probabilities, or
/// when fewer than [`MIN_ITEMS`] of its items are decided (saying how many more are needed).
pub fn fair_sample(project: &crate::Project, run: i64, queue: &str) -> Result<Sample> {
    let q = review::find(project, queue)?;
    fair_sample_in(project.conn(), project.root(), run, q)
}

/// [`fair_sample`] on a connection the core already holds, for a queue already found.
pub(crate) fn fair_sample_in(
    conn: &Connection,
    root: &std::path::Path,
    run: i64,
    q: SavedQueue,
) -> Result<Sample> {
    let classes = crate::predict::run_classes(conn, root, run)?;
    if let Some(why) = unfair_reason(&q, run) {
        return Err(Error::InvalidArgument(why));
    }
    require_probabilities(conn, run)?;
    let mut probs: HashMap<i64, (usize, Vec<f32>)> = HashMap::new();
    let mut queued = 0usize;
    {
        let mut stmt = conn.prepare(
            "SELECT qi.item_id, p.predicted, p.probs FROM queue_items qi
             LEFT JOIN predictions p ON p.run_id = ?2 AND p.item_id = qi.item_id
             WHERE qi.queue_id = ?1",
        )?;
        let mut rows = stmt.query([q.id, run])?;
        while let Some(r) = rows.next()? {
            queued += 1;
            let (Some(predicted), Some(bytes)) =
                (r.get::<_, Option<i64>>(1)?, r.get::<_, Option<Vec<u8>>>(2)?)
            else {
                continue;
            };
            probs.insert(
                r.get(0)?,
                (
                    predicted as usize,
                    crate::predict::unpack(&bytes, classes.len()),
                ),
            );
        }
    }
    let index: HashMap<&str, usize> = classes
        .iter()
        .enumerate()
        .map(|(i, c)| (c.as_str(), i))
        .collect();
    let mut items = Vec::new();
    for d in decide::decisions_in(conn, None)? {
        if d.status != Status::Decided || d.rule.is_some_and(|r| r.is_automatic()) {
            continue;
        }
        let (Some(label), Some((predicted, p))) = (d.label, probs.get(&d.item)) else {
            continue;
        };
        items.push(SampleItem {
            item: d.item,
            probabilities: p.clone(),
            predicted: *predicted,
            label: index.get(label.as_str()).copied(),
            label_name: label,
        });
    }
    items.sort_by_key(|i| i.item);
    if items.len() < MIN_ITEMS {
        return Err(Error::InvalidArgument(format!(
            "queue {:?} has {} decided item(s); a fair sample needs at least {MIN_ITEMS}: label {} more of its items",
            q.name,
            items.len(),
            MIN_ITEMS - items.len()
        )));
    }
    Ok(Sample {
        run,
        queue: q,
        classes,
        items,
        queued,
    })
}

/// Refused, naming the run, when it holds no probability vector (nothing predicted yet, or
/// every item failed).
pub(crate) fn require_probabilities(conn: &Connection, run: i64) -> Result<()> {
    let any: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM predictions WHERE run_id = ?1 AND probs IS NOT NULL)",
        [run],
        |r| r.get(0),
    )?;
    if any {
        Ok(())
    } else {
        Err(Error::InvalidArgument(format!(
            "run {run} has no probabilities (no item predicted yet, or every item failed: `arbiter runs --failures`); calibration needs a run's probability vectors"
        )))
    }
}
