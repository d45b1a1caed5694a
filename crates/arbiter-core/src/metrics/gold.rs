//! Scores on gold items (see the `gold` module): each annotator's latest own label on each gold item
//! against its answer — accuracy with a 95% Wilson interval, a confusion matrix, the items
//! missed.

use std::collections::{BTreeMap, HashMap};

use rusqlite::Connection;
use serde::Serialize;

use crate::answer_key::schema;
use crate::error::Result;
use crate::store::Project;

/// An annotator's record on gold items: their latest live label on each gold item they
/// labeled, against its answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Score {
    pub annotator: String,
    /// Items, correct, accuracy and its 95% Wilson interval (the shape of `vs_reviewers`).
    pub estimate: super::quality::Estimate,
    /// `confusion[i][j]`: gold items whose answer is label i that this annotator labeled j
    /// (labels in schema order, [`Scores::labels`]).
    pub confusion: Vec<Vec<u64>>,
    /// The gold items this annotator labeled wrongly.
    pub missed: Vec<Missed>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Missed {
    pub item_id: String,
    pub gold: String,
    pub given: String,
}

/// Every annotator's [`Score`] (those with at least one label on a gold item), by name.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scores {
    pub labels: Vec<String>,
    pub annotators: Vec<Score>,
}

/// The scores on gold, from one read of the label events on gold items.
pub fn scores(project: &Project) -> Result<Scores> {
    scores_in(project.conn())
}

pub(crate) fn scores_in(conn: &Connection) -> Result<Scores> {
    let labels = schema(conn)?;
    let index: HashMap<i64, usize> = labels
        .iter()
        .enumerate()
        .map(|(i, (_, id))| (*id, i))
        .collect();
    // Each annotator's latest live, non-override label on each gold item.
    let mut stmt = conn.prepare_cached(
        "SELECT a.item_id, n.name, a.label_id, g.label_id, i.ext_id
         FROM annotations a JOIN gold g ON g.item_id = a.item_id
              JOIN annotators n ON n.id = a.annotator_id JOIN items i ON i.id = a.item_id
         WHERE a.kind = 'label' AND a.source != 'override'
           AND NOT EXISTS (SELECT 1 FROM annotations r WHERE r.retracts = a.id)
         ORDER BY a.created_at, a.uid",
    )?;
    let mut latest: BTreeMap<(String, i64), (i64, i64, String)> = BTreeMap::new();
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let (item, who, given, gold, ext): (i64, String, i64, i64, String) =
            (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?);
        latest.insert((who, item), (given, gold, ext));
    }
    let k = labels.len();
    let mut by_annotator: BTreeMap<String, Score> = BTreeMap::new();
    for ((who, _item), (given, gold, ext)) in latest {
        let s = by_annotator.entry(who.clone()).or_insert_with(|| Score {
            annotator: who.clone(),
            estimate: super::quality::Estimate::of(0, 0),
            confusion: vec![vec![0; k]; k],
            missed: Vec::new(),
        });
        let (Some(&gi), Some(&li)) = (index.get(&gold), index.get(&given)) else {
            continue;
        };
        s.confusion[gi][li] += 1;
        if gi != li {
            s.missed.push(Missed {
                item_id: ext,
                gold: labels[gi].0.clone(),
                given: labels[li].0.clone(),
            });
        }
    }
    let annotators = by_annotator
        .into_values()
        .map(|mut s| {
            let items: u64 = s.confusion.iter().flatten().sum();
            let correct: u64 = (0..k).map(|i| s.confusion[i][i]).sum();
            s.estimate = super::quality::Estimate::of(correct as usize, items as usize);
            s.missed.sort_by(|a, b| a.item_id.cmp(&b.item_id));
            s
        })
        .collect();
    Ok(Scores {
        labels: labels.into_iter().map(|(n, _)| n).collect(),
        annotators,
    })
}
