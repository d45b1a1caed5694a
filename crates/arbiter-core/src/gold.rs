//! Gold items: items whose right label a lead knows, used to score annotators (accuracy with a
//! 95% Wilson interval, a confusion matrix, the items each one missed) and to decide those items
//! (rule `gold`). A gold answer is never shown to annotators: no command an annotator uses
//! returns it.
//!
//! Answers are synchronised setting events (`identity::record_setting`): the key is `gold:`
//! followed by the JSON array `[dataset name, version content hash, item id]` (natural keys, the
//! same on every replica), the value `{"label": L}`, or `null` once removed; the latest event of
//! a key wins, as for every setting. [`apply`] rebuilds the `gold` table from them, so every
//! replica holding the same events holds the same answers.
//!
//! Adding samples `--share` or `--count` of the candidates (items with a given label, or with a
//! decided label) stratified by label: each label gets its share of the total by the largest
//! remainder method (ties to the label first in the schema), and within a label the items come
//! in the seeded order of [`crate::queue::seeded_key`].

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;

use crate::answer_key::{answers, apply, schema};
use crate::error::{Error, Problem, Result};
use crate::queue::seeded_key;
use crate::store::Project;

pub use crate::answer_key::KEY_PREFIX;
pub use crate::metrics::gold::{scores, Missed, Score, Scores};

/// Where the answers of `gold add` come from.
#[derive(Debug, Clone, PartialEq)]
pub enum Source {
    /// The items' given labels (the dataset's label column or folder).
    Given,
    /// The items' decided labels (unanimous, majority or an override).
    Decisions,
    /// A file of `item_id,label` rows (.csv).
    File(PathBuf),
}

/// What `gold add` is asked for.
#[derive(Debug, Clone, PartialEq)]
pub struct AddOptions {
    pub source: Source,
    /// `NAME` or `NAME@N`; the only dataset when `None`.
    pub dataset: Option<String>,
    /// The share of the candidates to take, in (0, 1]; with `count`, neither: every candidate.
    pub share: Option<f64>,
    /// How many candidates to take (all of them when there are fewer).
    pub count: Option<usize>,
    pub seed: u64,
    /// The lead recording the answers (`None`: the command line).
    pub by: Option<String>,
}

/// What `gold add` did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Added {
    /// `NAME@N`.
    pub dataset: String,
    /// Items that could have been taken.
    pub candidates: usize,
    /// Answers recorded (new, or changed).
    pub added: usize,
    /// Items taken that were gold with the same answer already (nothing recorded for them).
    pub unchanged: usize,
    /// The taken items per label, in schema order.
    pub by_label: Vec<(String, usize)>,
}

/// One gold item, as a lead sees it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GoldItem {
    pub item_id: String,
    /// `NAME@N`.
    pub dataset: String,
    pub label: String,
    pub added_by: String,
    pub added_at: String,
    #[serde(skip)]
    pub item: i64,
}

/// A version by its natural key, and by its local id.
#[derive(Debug, Clone)]
struct Version {
    id: i64,
    dataset: String,
    number: i64,
    content_hash: String,
}

fn version_of(conn: &Connection, spec: Option<&str>) -> Result<Version> {
    let v = crate::dataset::resolve_or_only_in(conn, spec)?;
    let dataset: String = conn.query_row(
        "SELECT d.name FROM dataset_versions v JOIN datasets d ON d.id = v.dataset_id WHERE v.id = ?1",
        [v.id],
        |r| r.get(0),
    )?;
    Ok(Version {
        id: v.id,
        dataset,
        number: v.version,
        content_hash: v.content_hash,
    })
}

fn key(v: &Version, item_id: &str) -> String {
    format!(
        "{KEY_PREFIX}{}",
        serde_json::json!([v.dataset, v.content_hash, item_id])
    )
}

/// Candidates (item rowid, item id, label id) of a version.
fn candidates(conn: &Connection, v: &Version, source: &Source) -> Result<Vec<(i64, String, i64)>> {
    match source {
        Source::Given => {
            let mut stmt = conn.prepare(
                "SELECT id, ext_id, label_id FROM items WHERE version_id = ?1 AND label_id IS NOT NULL ORDER BY id",
            )?;
            let rows = stmt.query_map([v.id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        }
        Source::Decisions => {
            let ids: HashMap<String, i64> = schema(conn)?.into_iter().collect();
            let gold = answers(conn)?;
            Ok(crate::decide::decisions_in(conn, Some(v.id))?
                .into_iter()
                // A gold item's decision is its answer already: not a new candidate.
                .filter(|d| {
                    d.status == crate::decide::Status::Decided && !gold.contains_key(&d.item)
                })
                .filter_map(|d| {
                    let label = ids.get(d.label.as_deref()?).copied()?;
                    Some((d.item, d.item_id, label))
                })
                .collect())
        }
        Source::File(path) => read_file(conn, v, path),
    }
}

/// `item_id,label` rows of a CSV file, every one checked before anything is written: unknown
/// items, labels outside the schema, an item given two different answers.
fn read_file(conn: &Connection, v: &Version, path: &Path) -> Result<Vec<(i64, String, i64)>> {
    let in_schema = schema(conn)?;
    let names: Vec<&str> = in_schema.iter().map(|(n, _)| n.as_str()).collect();
    let labels: HashMap<&str, i64> = in_schema.iter().map(|(n, id)| (n.as_str(), *id)).collect();
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_path(path)
        .map_err(|e| Error::Read {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
    let headers = reader
        .headers()
        .map_err(|e| Error::Read {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?
        .clone();
    let col = |name: &str| headers.iter().position(|h| h == name);
    let (Some(item_col), Some(label_col)) = (col("item_id"), col("label")) else {
        return Err(Error::InvalidAnnotations {
            path: path.to_path_buf(),
            problems: vec![Problem::general(format!(
                "the header must name the columns item_id and label (it has: {})",
                headers.iter().collect::<Vec<_>>().join(", ")
            ))],
        });
    };
    let mut find =
        conn.prepare_cached("SELECT id FROM items WHERE version_id = ?1 AND ext_id = ?2")?;
    let mut problems = Vec::new();
    let mut out: Vec<(i64, String, i64)> = Vec::new();
    let mut seen: HashMap<String, (usize, String)> = HashMap::new();
    for (i, record) in reader.records().enumerate() {
        let row = i + 1;
        let problem = |message: String| Problem {
            row: Some(row),
            line: Some(row + 1),
            message,
        };
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                problems.push(problem(e.to_string()));
                continue;
            }
        };
        let item_id = record.get(item_col).unwrap_or_default().to_string();
        let label = record.get(label_col).unwrap_or_default().to_string();
        if item_id.is_empty() || label.is_empty() {
            problems.push(problem("item_id and label must both be given".into()));
            continue;
        }
        let Some(label_id) = labels.get(label.as_str()).copied() else {
            problems.push(problem(format!(
                "label {label:?} is not in the schema ({}); add it with `arbiter labels add` first",
                names.join(", ")
            )));
            continue;
        };
        let Some(item): Option<i64> = find
            .query_row(rusqlite::params![v.id, item_id], |r| r.get(0))
            .optional()?
        else {
            problems.push(problem(format!(
                "item {item_id:?} is not in {}@{}",
                v.dataset, v.number
            )));
            continue;
        };
        if let Some((first, before)) = seen.get(&item_id) {
            if *before != label {
                problems.push(problem(format!(
                    "item {item_id:?} is given {label:?} here and {before:?} on row {first}"
                )));
            }
            continue;
        }
        seen.insert(item_id.clone(), (row, label));
        out.push((item, item_id, label_id));
    }
    if !problems.is_empty() {
        return Err(Error::InvalidAnnotations {
            path: path.to_path_buf(),
            problems,
        });
    }
    Ok(out)
}

/// How many of each label's `sizes` to take for `total` in all: proportional, by the largest
/// remainder (ties to the earlier label), never more than a label has.
fn allocate(sizes: &[usize], total: usize) -> Vec<usize> {
    let all: usize = sizes.iter().sum();
    if all == 0 {
        return vec![0; sizes.len()];
    }
    let total = total.min(all);
    let mut take: Vec<usize> = sizes.iter().map(|s| s * total / all).collect();
    let mut rest: Vec<(usize, usize)> = sizes
        .iter()
        .enumerate()
        .map(|(i, s)| ((s * total) % all, i))
        .collect();
    // Largest remainder first; the earlier label among equals.
    rest.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut left = total - take.iter().sum::<usize>();
    for (_, i) in rest {
        if left == 0 {
            break;
        }
        if take[i] < sizes[i] {
            take[i] += 1;
            left -= 1;
        }
    }
    take
}

/// Record gold answers: sampled from the candidates of `o.source`, in one transaction with
/// their audit entry; nothing is written when anything is refused.
pub fn add(project: &mut Project, o: &AddOptions) -> Result<Added> {
    if let Some(s) = o.share {
        if !(s > 0.0 && s <= 1.0) {
            return Err(Error::InvalidArgument(format!(
                "--share {s}: give a share in (0, 1], such as 0.05 for 5%"
            )));
        }
    }
    if o.count == Some(0) {
        return Err(Error::InvalidArgument(
            "--count 0: give how many gold items to add (at least 1)".into(),
        ));
    }
    let tx = project
        .conn_mut()
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let actor = crate::annotators::lead_actor(&tx, o.by.as_deref(), "the gold items")?;
    let v = version_of(&tx, o.dataset.as_deref())?;
    let labels = schema(&tx)?;
    let all = candidates(&tx, &v, &o.source)?;
    let n = all.len();
    let total = match (o.share, o.count) {
        (Some(s), _) => ((s * n as f64).round() as usize).max(1).min(n),
        (None, Some(c)) => c.min(n),
        (None, None) => n,
    };
    // Stratified by label, in schema order; a label outside the schema cannot occur (ids).
    let mut by_label: Vec<Vec<(i64, String, i64)>> = vec![Vec::new(); labels.len()];
    let position: HashMap<i64, usize> = labels
        .iter()
        .enumerate()
        .map(|(i, (_, id))| (*id, i))
        .collect();
    for c in all {
        if let Some(&i) = position.get(&c.2) {
            by_label[i].push(c);
        }
    }
    let take = allocate(&by_label.iter().map(Vec::len).collect::<Vec<_>>(), total);
    let current = answers(&tx)?;
    let mut added = 0;
    let mut unchanged = 0;
    let mut taken_per_label = Vec::new();
    for ((group, k), (name, label_id)) in by_label.iter_mut().zip(&take).zip(&labels) {
        group.sort_by_cached_key(|(item, ext, _)| (seeded_key(o.seed, ext), *item));
        for (item, ext, _) in group.iter().take(*k) {
            if current.get(item) == Some(label_id) {
                unchanged += 1;
                continue;
            }
            crate::identity::record_setting(
                &tx,
                &key(&v, ext),
                &serde_json::json!({ "label": name }),
                &actor,
            )?;
            added += 1;
        }
        if *k > 0 {
            taken_per_label.push((name.clone(), *k));
        }
    }
    apply(&tx)?;
    let dataset = format!("{}@{}", v.dataset, v.number);
    let source = match &o.source {
        Source::Given => "given".to_string(),
        Source::Decisions => "decisions".to_string(),
        Source::File(p) => p.display().to_string(),
    };
    crate::audit::record(
        &tx,
        &actor,
        "gold.add",
        &serde_json::json!({
            "dataset": dataset, "source": source, "share": o.share, "count": o.count,
            "seed": o.seed, "candidates": n, "added": added, "unchanged": unchanged,
        }),
    )?;
    tx.commit()?;
    Ok(Added {
        dataset,
        candidates: n,
        added,
        unchanged,
        by_label: taken_per_label,
    })
}

/// Remove gold answers: the named items of the version, or (`all`) every gold item of it.
/// Refused, naming it, when a named item is not gold; nothing is written then.
pub fn remove(
    project: &mut Project,
    dataset: Option<&str>,
    items: &[String],
    all: bool,
    by: Option<&str>,
) -> Result<usize> {
    let tx = project
        .conn_mut()
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let actor = crate::annotators::lead_actor(&tx, by, "the gold items")?;
    let v = version_of(&tx, dataset)?;
    let gold: Vec<GoldItem> = list_in(&tx, Some(v.id))?;
    let chosen: Vec<&GoldItem> = if all {
        gold.iter().collect()
    } else {
        if items.is_empty() {
            return Err(Error::InvalidArgument(
                "name the items to remove from the gold set, or pass --all".into(),
            ));
        }
        let mut out = Vec::new();
        for id in items {
            match gold.iter().find(|g| &g.item_id == id) {
                Some(g) => out.push(g),
                None => {
                    return Err(Error::InvalidArgument(format!(
                        "item {id:?} of {}@{} is not a gold item (see `arbiter gold list`)",
                        v.dataset, v.number
                    )))
                }
            }
        }
        out
    };
    for g in &chosen {
        crate::identity::record_setting(
            &tx,
            &key(&v, &g.item_id),
            &serde_json::Value::Null,
            &actor,
        )?;
    }
    apply(&tx)?;
    crate::audit::record(
        &tx,
        &actor,
        "gold.remove",
        &serde_json::json!({
            "dataset": format!("{}@{}", v.dataset, v.number),
            "items": chosen.iter().map(|g| g.item_id.as_str()).collect::<Vec<_>>(),
        }),
    )?;
    tx.commit()?;
    Ok(chosen.len())
}

/// Whether the project has any gold item.
pub fn any(project: &Project) -> Result<bool> {
    Ok(project
        .conn()
        .query_row("SELECT EXISTS (SELECT 1 FROM gold)", [], |r| r.get(0))?)
}

/// Every gold item (of one version, if given), in item order. For leads: the answers.
pub fn list(project: &Project, dataset: Option<&str>) -> Result<Vec<GoldItem>> {
    let version = match dataset {
        Some(d) => Some(crate::dataset::resolve_in(project.conn(), d)?.id),
        None => None,
    };
    list_in(project.conn(), version)
}

fn list_in(conn: &Connection, version: Option<i64>) -> Result<Vec<GoldItem>> {
    let mut stmt = conn.prepare_cached(
        "SELECT i.ext_id, d.name || '@' || v.version, l.name, g.added_by, g.added_at, g.item_id
         FROM gold g JOIN items i ON i.id = g.item_id JOIN labels l ON l.id = g.label_id
              JOIN dataset_versions v ON v.id = i.version_id JOIN datasets d ON d.id = v.dataset_id
         WHERE ?1 IS NULL OR i.version_id = ?1
         ORDER BY g.item_id",
    )?;
    let rows = stmt.query_map([version], |r| {
        Ok(GoldItem {
            item_id: r.get(0)?,
            dataset: r.get(1)?,
            label: r.get(2)?,
            added_by: r.get(3)?,
            added_at: r.get(4)?,
            item: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

#[cfg(test)]
mod tests;
