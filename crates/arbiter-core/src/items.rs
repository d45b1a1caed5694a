//! Item queries: pages of a dataset version in source order (optionally filtered by given
//! label), one item in full, and label counts. Pages are addressed by position, which maps to
//! rowids directly (`first_rowid + position`), so paging stays O(page) at 1,000,000 items.

use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;

use crate::error::{Error, Result};

/// Which items of a version to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum LabelFilter {
    #[default]
    All,
    Unlabeled,
    Label(String),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ItemSummary {
    pub rowid: i64,
    pub id: String,
    pub label: Option<String>,
    pub path: Option<String>,
    /// A text item's first 280 characters (the whole text when shorter).
    pub snippet: Option<String>,
    /// The run's predicted class and its probability, when a run was asked for and the item
    /// has a (successful) prediction in it.
    pub predicted: Option<String>,
    pub confidence: Option<f32>,
    /// The run tried the item and it failed (an unreadable file, a non-finite output, or a row
    /// of imported predictions marked with an error) — unlike an item the run has no
    /// prediction for at all (not reached yet, or absent from imported predictions).
    pub failed: bool,
    /// Where review stands, when [`query`] filled it in: `decided`, `conflict` or `pending`
    /// (waiting for votes); `None` for an item without a live label.
    pub review: Option<crate::decide::Status>,
    /// The decided label, if decided.
    pub final_label: Option<String>,
    /// Someone flagged the item (unsure or bad input), and the flag stands.
    pub flagged: bool,
}

/// Items by where their review stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewFilter {
    /// A final label by the decision rule.
    Decided,
    /// Votes that disagree, for adjudication.
    Conflict,
    /// Labeled, but waiting for more votes.
    Waiting,
    /// Flagged unsure or bad input.
    Flagged,
    /// No live event at all.
    Unannotated,
}

impl ReviewFilter {
    pub fn as_str(self) -> &'static str {
        match self {
            ReviewFilter::Decided => "decided",
            ReviewFilter::Conflict => "conflict",
            ReviewFilter::Waiting => "waiting",
            ReviewFilter::Flagged => "flagged",
            ReviewFilter::Unannotated => "unannotated",
        }
    }
}

impl std::str::FromStr for ReviewFilter {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "decided" => Ok(ReviewFilter::Decided),
            "conflict" => Ok(ReviewFilter::Conflict),
            "waiting" => Ok(ReviewFilter::Waiting),
            "flagged" => Ok(ReviewFilter::Flagged),
            "unannotated" => Ok(ReviewFilter::Unannotated),
            o => Err(Error::InvalidArgument(format!(
                "review status {o:?}: use decided, conflict, waiting, flagged or unannotated"
            ))),
        }
    }
}

/// Order of a listing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Sort {
    /// Source order.
    #[default]
    Source,
    /// Least confident first (items without a prediction last).
    ConfidenceAsc,
    ConfidenceDesc,
}

/// A listing with a run's predictions: filter by given and predicted label, sort by confidence.
#[derive(Debug, Clone, Default)]
pub struct Query {
    pub version_id: i64,
    pub label: LabelFilter,
    pub run: Option<i64>,
    /// Only items the run predicted as this class.
    pub predicted: Option<String>,
    /// Only items whose prediction differs from their given label (needs a run).
    pub mismatch: bool,
    /// Only items whose review stands so.
    pub review: Option<ReviewFilter>,
    /// Only items this annotator labeled, skipped or flagged (live events).
    pub annotator: Option<String>,
    /// Only items whose id, or text for text items, contains this text (case-insensitive for
    /// ASCII letters).
    pub search: Option<String>,
    pub sort: Sort,
    pub offset: u64,
    pub limit: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ItemPage {
    /// Items matching the filter (all pages).
    pub total: u64,
    pub offset: u64,
    pub items: Vec<ItemSummary>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ItemDetail {
    pub rowid: i64,
    pub version_id: i64,
    pub id: String,
    pub label: Option<String>,
    pub path: Option<String>,
    /// The media file's absolute path (root + path), when the item has media.
    pub abs_path: Option<String>,
    pub metadata: serde_json::Map<String, serde_json::Value>,
    pub features: Vec<(String, Option<f64>)>,
    /// A text item's whole text.
    pub text: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LabelCount {
    pub label: Option<String>,
    pub count: u64,
}

struct VersionRange {
    first_rowid: i64,
    item_count: i64,
}

fn version_range(conn: &Connection, version_id: i64) -> Result<VersionRange> {
    crate::store::optional(conn.query_row(
        "SELECT first_rowid, item_count FROM dataset_versions WHERE id = ?1",
        [version_id],
        |r| {
            Ok(VersionRange {
                first_rowid: r.get(0)?,
                item_count: r.get(1)?,
            })
        },
    ))?
    .ok_or(Error::NotFound {
        what: "dataset version",
        name: version_id.to_string(),
    })
}

/// A listing carries a text item's first 280 characters.
const SUMMARY_COLS: &str = "i.id, i.ext_id, l.name, i.path, (SELECT substr(t.text, 1, 280) FROM item_texts t WHERE t.item_id = i.id)";

fn summary(r: &rusqlite::Row<'_>) -> rusqlite::Result<ItemSummary> {
    Ok(ItemSummary {
        rowid: r.get(0)?,
        id: r.get(1)?,
        label: r.get(2)?,
        path: r.get(3)?,
        snippet: r.get(4)?,
        predicted: None,
        confidence: None,
        failed: false,
        review: None,
        final_label: None,
        flagged: false,
    })
}

/// A page of items of a version in source order.
pub fn list(
    project: &crate::Project,
    version_id: i64,
    filter: &LabelFilter,
    offset: u64,
    limit: u64,
) -> Result<ItemPage> {
    let conn = project.conn();
    let range = version_range(conn, version_id)?;
    let limit = limit.min(10_000) as i64;
    let offset_i = offset.min(i64::MAX as u64) as i64;
    let (total, items) = match filter {
        LabelFilter::All => {
            let lo = range.first_rowid + offset_i;
            let hi = (range.first_rowid + range.item_count).min(lo.saturating_add(limit));
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {SUMMARY_COLS} FROM items i LEFT JOIN labels l ON l.id = i.label_id
                 WHERE i.id >= ?1 AND i.id < ?2 ORDER BY i.id"
            ))?;
            let items = stmt
                .query_map([lo, hi], summary)?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            (range.item_count as u64, items)
        }
        LabelFilter::Unlabeled | LabelFilter::Label(_) => {
            let label_id: Option<i64> = match filter {
                LabelFilter::Label(name) => Some(label_id(conn, name)?),
                _ => None,
            };
            let total: i64 = conn
                .prepare_cached(
                    "SELECT COUNT(*) FROM items WHERE version_id = ?1 AND label_id IS ?2",
                )?
                .query_row(rusqlite::params![version_id, label_id], |r| r.get(0))?;
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {SUMMARY_COLS} FROM items i LEFT JOIN labels l ON l.id = i.label_id
                 WHERE i.version_id = ?1 AND i.label_id IS ?2 ORDER BY i.id LIMIT ?3 OFFSET ?4"
            ))?;
            let items = stmt
                .query_map(
                    rusqlite::params![version_id, label_id, limit, offset_i],
                    summary,
                )?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            (total as u64, items)
        }
    };
    Ok(ItemPage {
        total,
        offset,
        items,
    })
}

/// Whether a query asks for anything beyond a plain listing by given label.
fn plain(q: &Query) -> bool {
    q.run.is_none()
        && q.predicted.is_none()
        && !q.mismatch
        && q.review.is_none()
        && q.annotator.is_none()
        && q.search.as_deref().is_none_or(|t| t.trim().is_empty())
        && q.sort == Sort::Source
}

/// A live (not retracted) event of an item, as an SQL condition on alias `a`.
const LIVE: &str =
    "a.kind != 'retract' AND NOT EXISTS (SELECT 1 FROM annotations r WHERE r.retracts = a.id)";

/// A page of a version's items, filtered and sorted as asked, with a run's predictions when
/// one is named and where each item's review stands (decision, final label, flag).
pub fn query(project: &crate::Project, q: &Query) -> Result<ItemPage> {
    let conn = project.conn();
    let root = project.root();
    if plain(q) {
        let mut page = list(project, q.version_id, &q.label, q.offset, q.limit)?;
        add_review(conn, &mut page.items)?;
        return Ok(page);
    }
    if q.run.is_none() && (q.predicted.is_some() || q.mismatch || q.sort != Sort::Source) {
        return Err(Error::InvalidArgument(
            "sorting by confidence or filtering by prediction needs a run".into(),
        ));
    }
    version_range(conn, q.version_id)?;
    let classes = match q.run {
        Some(run) => {
            let (model_id, run_version): (i64, i64) = crate::store::optional(conn.query_row(
                "SELECT model_id, version_id FROM runs WHERE id = ?1",
                [run],
                |r| Ok((r.get(0)?, r.get(1)?)),
            ))?
            .ok_or(Error::NotFound {
                what: "run",
                name: run.to_string(),
            })?;
            if run_version != q.version_id {
                return Err(Error::InvalidArgument(format!(
                    "run {run} is over another dataset version"
                )));
            }
            crate::model::get(conn, root, model_id)?.classes
        }
        None => Vec::new(),
    };
    let predicted_index = match &q.predicted {
        Some(name) => {
            Some(
                classes
                    .iter()
                    .position(|c| c == name)
                    .ok_or_else(|| Error::NotFound {
                        what: "class of this run's model",
                        name: name.clone(),
                    })? as i64,
            )
        }
        None => None,
    };
    let label_id: Option<Option<i64>> = match &q.label {
        LabelFilter::All => None,
        LabelFilter::Unlabeled => Some(None),
        LabelFilter::Label(name) => Some(Some(label_id(conn, name)?)),
    };
    let mut filters = String::new();
    if label_id.is_some() {
        filters.push_str(" AND i.label_id IS ?3");
    }
    if predicted_index.is_some() {
        filters.push_str(" AND p.predicted = ?4");
    }
    if q.mismatch {
        filters.push_str(" AND p.given_class IS NOT NULL AND p.predicted != p.given_class");
    }
    let search = q
        .search
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(|t| {
            format!(
                "%{}%",
                t.replace('\\', "\\\\")
                    .replace('%', "\\%")
                    .replace('_', "\\_")
            )
        });
    if search.is_some() {
        filters.push_str(
            " AND (i.ext_id LIKE ?7 ESCAPE '\\' OR EXISTS (SELECT 1 FROM item_texts t
                   WHERE t.item_id = i.id AND t.text LIKE ?7 ESCAPE '\\'))",
        );
    }
    if let Some(who) = &q.annotator {
        if crate::annotate::find_annotator(conn, who)?.is_none() {
            return Err(Error::NotFound {
                what: "annotator",
                name: who.clone(),
            });
        }
        filters.push_str(&format!(
            " AND EXISTS (SELECT 1 FROM annotations a JOIN annotators w ON w.id = a.annotator_id
                          WHERE a.item_id = i.id AND w.name = ?8 AND {LIVE})"
        ));
    }
    match q.review {
        Some(ReviewFilter::Unannotated) => filters.push_str(
            " AND NOT EXISTS (SELECT 1 FROM item_state s WHERE s.item_id = i.id
                              AND (s.labelers > 0 OR s.skips > 0 OR s.flags > 0))",
        ),
        Some(ReviewFilter::Flagged) => filters.push_str(
            " AND EXISTS (SELECT 1 FROM item_state s WHERE s.item_id = i.id AND s.flags > 0)",
        ),
        // Decisions need the rule: only labeled items can be decided, in conflict or waiting.
        Some(_) => filters.push_str(
            " AND EXISTS (SELECT 1 FROM item_state s WHERE s.item_id = i.id AND s.labelers > 0)",
        ),
        None => {}
    }
    let order = match q.sort {
        Sort::Source => "i.id",
        Sort::ConfidenceAsc => "p.confidence IS NULL, p.confidence, i.id",
        Sort::ConfidenceDesc => "p.confidence IS NULL, p.confidence DESC, i.id",
    };
    // With a prediction filter only predicted items can match: drive the scan from predictions.
    let from = if predicted_index.is_some() || q.mismatch {
        "predictions p JOIN items i ON i.id = p.item_id AND p.run_id = ?2"
    } else {
        "items i LEFT JOIN predictions p ON p.run_id = ?2 AND p.item_id = i.id"
    };
    let limit = q.limit.min(10_000) as i64;
    let params = rusqlite::params![
        q.version_id,
        q.run,
        label_id.flatten(),
        predicted_index,
        limit,
        q.offset.min(i64::MAX as u64) as i64,
        search,
        q.annotator,
    ];
    let select = format!(
        "SELECT {SUMMARY_COLS}, p.predicted, p.confidence, p.error IS NOT NULL AND p.predicted IS NULL"
    );
    let row = |r: &rusqlite::Row<'_>| -> rusqlite::Result<ItemSummary> {
        let predicted: Option<i64> = r.get(5)?;
        Ok(ItemSummary {
            rowid: r.get(0)?,
            id: r.get(1)?,
            label: r.get(2)?,
            path: r.get(3)?,
            snippet: r.get(4)?,
            predicted: predicted.and_then(|i| classes.get(i as usize).cloned()),
            confidence: r.get::<_, Option<f64>>(6)?.map(|c| c as f32),
            failed: r.get::<_, Option<bool>>(7)?.unwrap_or(false),
            review: None,
            final_label: None,
            flagged: false,
        })
    };
    let status_wanted = match q.review {
        Some(ReviewFilter::Decided) => Some(crate::decide::Status::Decided),
        Some(ReviewFilter::Conflict) => Some(crate::decide::Status::Conflict),
        Some(ReviewFilter::Waiting) => Some(crate::decide::Status::Pending),
        _ => None,
    };
    let (total, mut items) = match status_wanted {
        None => {
            let total: i64 = conn
                .prepare_cached(&format!(
                    "SELECT COUNT(*) FROM {from} WHERE i.version_id = ?1{filters}
                     AND ?5 >= 0 AND ?6 >= 0 AND (?7 IS NULL OR 1) AND (?8 IS NULL OR 1)"
                ))?
                .query_row(params, |r| r.get(0))?;
            let items = conn
                .prepare_cached(&format!(
                    "{select} FROM {from} LEFT JOIN labels l ON l.id = i.label_id
                     WHERE i.version_id = ?1{filters} AND (?7 IS NULL OR 1) AND (?8 IS NULL OR 1)
                     ORDER BY {order} LIMIT ?5 OFFSET ?6"
                ))?
                .query_map(params, row)?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            (total as u64, items)
        }
        Some(status) => {
            // Every candidate in order, kept when its decision has the status; then the page.
            let decided: std::collections::HashSet<i64> =
                crate::decide::decisions_in(conn, Some(q.version_id))?
                    .into_iter()
                    .filter(|d| d.status == status)
                    .map(|d| d.item)
                    .collect();
            let mut all = conn
                .prepare_cached(&format!(
                    "{select} FROM {from} LEFT JOIN labels l ON l.id = i.label_id
                     WHERE i.version_id = ?1{filters} AND ?5 >= 0 AND ?6 >= 0
                     AND (?7 IS NULL OR 1) AND (?8 IS NULL OR 1) ORDER BY {order}"
                ))?
                .query_map(params, row)?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            all.retain(|i| decided.contains(&i.rowid));
            let total = all.len() as u64;
            let page = all
                .into_iter()
                .skip(q.offset.min(usize::MAX as u64) as usize)
                .take(limit as usize)
                .collect();
            (total, page)
        }
    };
    add_review(conn, &mut items)?;
    Ok(ItemPage {
        total,
        offset: q.offset,
        items,
    })
}

/// Fill in where each item's review stands (decision, final label, flag).
fn add_review(conn: &Connection, items: &mut [ItemSummary]) -> Result<()> {
    let mut state = conn.prepare_cached(
        "SELECT labelers, flags FROM item_state WHERE item_id = ?1 AND (labelers > 0 OR skips > 0 OR flags > 0)",
    )?;
    // One Dawid–Skene fit for the page (`None` in the other modes).
    let rule = crate::decide::rule_in(conn)?;
    let mut model: Option<Option<crate::decide::Model>> = None;
    for item in items.iter_mut() {
        let Some((labelers, flags)) = state
            .query_row([item.rowid], |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?))
            })
            .optional()?
        else {
            continue;
        };
        item.flagged = flags > 0;
        // Only labels make a decision; an item only skipped or flagged has none yet.
        if labelers > 0 {
            if model.is_none() {
                model = Some(crate::decide::model_in(conn, rule)?);
            }
            let events = crate::events::list(conn, Some(item.rowid))?;
            let d = crate::decide::decision_with(
                conn,
                &events,
                rule,
                model.as_ref().and_then(Option::as_ref),
            )?;
            item.review = Some(d.status);
            item.final_label = d
                .label
                .filter(|_| d.status == crate::decide::Status::Decided);
        }
    }
    Ok(())
}

/// One item with metadata and features.
pub fn get(project: &crate::Project, rowid: i64) -> Result<ItemDetail> {
    let conn = project.conn();
    let row = crate::store::optional(conn.query_row(
        "SELECT i.id, i.version_id, i.ext_id, l.name, i.path, v.root, i.metadata, i.features, v.feature_names,
                (SELECT t.text FROM item_texts t WHERE t.item_id = i.id)
         FROM items i JOIN dataset_versions v ON v.id = i.version_id LEFT JOIN labels l ON l.id = i.label_id
         WHERE i.id = ?1",
        [rowid],
        |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, Option<String>>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, Option<String>>(6)?,
                r.get::<_, Option<Vec<u8>>>(7)?,
                r.get::<_, String>(8)?,
                r.get::<_, Option<String>>(9)?,
            ))
        },
    ))?
    .ok_or(Error::NotFound { what: "item", name: rowid.to_string() })?;
    let (rowid, version_id, id, label, path, root, metadata, features, names, text) = row;
    // Damaged JSON is an error naming the column, never shown as no metadata or no features.
    let metadata = match metadata {
        Some(m) => crate::store::from_json_column::<serde_json::Value>(&m, 6)?
            .as_object()
            .cloned()
            .unwrap_or_default(),
        None => Default::default(),
    };
    let names: Vec<String> = crate::store::from_json_column(&names, 8)?;
    let values = unpack_features(features.as_deref().unwrap_or_default());
    let features = names
        .into_iter()
        .zip(values.into_iter().map(Some).chain(std::iter::repeat(None)))
        .map(|(n, v)| (n, v.filter(|x: &f64| !x.is_nan())))
        .collect();
    let abs_path = path.as_ref().map(|p| {
        std::path::Path::new(&root)
            .join(p)
            .to_string_lossy()
            .into_owned()
    });
    Ok(ItemDetail {
        rowid,
        version_id,
        id,
        label,
        path,
        abs_path,
        metadata,
        features,
        text,
    })
}

/// Find an item of a version by its source id.
pub fn find(project: &crate::Project, version_id: i64, ext_id: &str) -> Result<ItemDetail> {
    let conn = project.conn();
    let rowid: i64 = crate::store::optional(conn.query_row(
        "SELECT id FROM items WHERE version_id = ?1 AND ext_id = ?2",
        rusqlite::params![version_id, ext_id],
        |r| r.get(0),
    ))?
    .ok_or_else(|| Error::NotFound {
        what: "item",
        name: ext_id.to_string(),
    })?;
    get(project, rowid)
}

/// Unpack little-endian f64 features.
pub fn unpack_features(bytes: &[u8]) -> Vec<f64> {
    bytes
        .chunks_exact(8)
        .map(|c| f64::from_le_bytes(c.try_into().unwrap_or([0; 8])))
        .collect()
}

/// Items per given label (unlabeled as `None`), in schema order, unlabeled last.
pub fn label_counts(project: &crate::Project, version_id: i64) -> Result<Vec<LabelCount>> {
    let conn = project.conn();
    version_range(conn, version_id)?;
    let mut stmt = conn.prepare_cached(
        "SELECT l.name, COUNT(*) FROM items i LEFT JOIN labels l ON l.id = i.label_id
         WHERE i.version_id = ?1 GROUP BY i.label_id ORDER BY l.position IS NULL, l.position",
    )?;
    let rows = stmt.query_map([version_id], |r| {
        Ok(LabelCount {
            label: r.get(0)?,
            count: r.get::<_, i64>(1)? as u64,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The id of the schema's label `name`; not found names the label.
fn label_id(conn: &Connection, name: &str) -> Result<i64> {
    crate::store::optional(
        conn.query_row("SELECT id FROM labels WHERE name = ?1", [name], |r| {
            r.get(0)
        }),
    )?
    .ok_or_else(|| Error::NotFound {
        what: "label",
        name: name.to_string(),
    })
}

#[cfg(test)]
mod tests;
