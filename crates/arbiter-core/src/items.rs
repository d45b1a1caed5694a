//! Item queries: pages of a dataset version in source order (optionally filtered by given
//! label), one item in full, and label counts. Pages are addressed by position, which maps to
//! rowids directly (`first_rowid + position`), so paging stays O(page) at 1,000,000 items.

use rusqlite::Connection;
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
    /// The run's predicted class and its probability, when a run was asked for and the item
    /// has a (successful) prediction in it.
    pub predicted: Option<String>,
    pub confidence: Option<f32>,
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

const SUMMARY_COLS: &str = "i.id, i.ext_id, l.name, i.path";

fn summary(r: &rusqlite::Row<'_>) -> rusqlite::Result<ItemSummary> {
    Ok(ItemSummary {
        rowid: r.get(0)?,
        id: r.get(1)?,
        label: r.get(2)?,
        path: r.get(3)?,
        predicted: None,
        confidence: None,
    })
}

/// A page of items of a version in source order.
pub fn list(
    conn: &Connection,
    version_id: i64,
    filter: &LabelFilter,
    offset: u64,
    limit: u64,
) -> Result<ItemPage> {
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
                LabelFilter::Label(name) => Some(
                    crate::store::optional(conn.query_row(
                        "SELECT id FROM labels WHERE name = ?1",
                        [name],
                        |r| r.get(0),
                    ))?
                    .ok_or_else(|| Error::NotFound {
                        what: "label",
                        name: name.clone(),
                    })?,
                ),
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

/// A page with a run's predictions, filtered and sorted as asked.
pub fn query(conn: &Connection, root: &std::path::Path, q: &Query) -> Result<ItemPage> {
    let Some(run) = q.run else {
        if q.predicted.is_some() || q.sort != Sort::Source {
            return Err(Error::InvalidArgument(
                "sorting by confidence or filtering by prediction needs a run".into(),
            ));
        }
        return list(conn, q.version_id, &q.label, q.offset, q.limit);
    };
    version_range(conn, q.version_id)?;
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
    let classes = crate::model::get(conn, root, model_id)?.classes;
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
        LabelFilter::Label(name) => Some(Some(
            crate::store::optional(conn.query_row(
                "SELECT id FROM labels WHERE name = ?1",
                [name],
                |r| r.get(0),
            ))?
            .ok_or_else(|| Error::NotFound {
                what: "label",
                name: name.clone(),
            })?,
        )),
    };
    let mut filters = String::new();
    if label_id.is_some() {
        filters.push_str(" AND i.label_id IS ?3");
    }
    if predicted_index.is_some() {
        filters.push_str(" AND p.predicted = ?4");
    }
    let order = match q.sort {
        Sort::Source => "i.id",
        Sort::ConfidenceAsc => "p.confidence IS NULL, p.confidence, i.id",
        Sort::ConfidenceDesc => "p.confidence IS NULL, p.confidence DESC, i.id",
    };
    // With a prediction filter only predicted items can match: drive the scan from predictions.
    let from = if predicted_index.is_some() {
        "predictions p JOIN items i ON i.id = p.item_id AND p.run_id = ?2"
    } else {
        "items i LEFT JOIN predictions p ON p.run_id = ?2 AND p.item_id = i.id"
    };
    let params = rusqlite::params![
        q.version_id,
        run,
        label_id.flatten(),
        predicted_index,
        q.limit.min(10_000) as i64,
        q.offset as i64
    ];
    let total: i64 = conn
        .prepare_cached(&format!(
            "SELECT COUNT(*) FROM {from} WHERE i.version_id = ?1{filters} AND ?5 >= 0 AND ?6 >= 0"
        ))?
        .query_row(params, |r| r.get(0))?;
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT i.id, i.ext_id, l.name, i.path, p.predicted, p.confidence
         FROM {from} LEFT JOIN labels l ON l.id = i.label_id
         WHERE i.version_id = ?1{filters} ORDER BY {order} LIMIT ?5 OFFSET ?6"
    ))?;
    let items = stmt
        .query_map(params, |r| {
            let predicted: Option<i64> = r.get(4)?;
            Ok(ItemSummary {
                rowid: r.get(0)?,
                id: r.get(1)?,
                label: r.get(2)?,
                path: r.get(3)?,
                predicted: predicted.and_then(|i| classes.get(i as usize).cloned()),
                confidence: r.get::<_, Option<f64>>(5)?.map(|c| c as f32),
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(ItemPage {
        total: total as u64,
        offset: q.offset,
        items,
    })
}

/// One item with metadata and features.
pub fn get(conn: &Connection, rowid: i64) -> Result<ItemDetail> {
    let row = crate::store::optional(conn.query_row(
        "SELECT i.id, i.version_id, i.ext_id, l.name, i.path, v.root, i.metadata, i.features, v.feature_names
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
            ))
        },
    ))?
    .ok_or(Error::NotFound { what: "item", name: rowid.to_string() })?;
    let (rowid, version_id, id, label, path, root, metadata, features, names) = row;
    let metadata = metadata
        .and_then(|m| serde_json::from_str::<serde_json::Value>(&m).ok())
        .and_then(|v| v.as_object().cloned())
        .unwrap_or_default();
    let names: Vec<String> = serde_json::from_str(&names).unwrap_or_default();
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
    })
}

/// Find an item of a version by its source id.
pub fn find(conn: &Connection, version_id: i64, ext_id: &str) -> Result<ItemDetail> {
    let rowid: i64 = crate::store::optional(conn.query_row(
        "SELECT id FROM items WHERE version_id = ?1 AND ext_id = ?2",
        rusqlite::params![version_id, ext_id],
        |r| r.get(0),
    ))?
    .ok_or_else(|| Error::NotFound {
        what: "item",
        name: ext_id.to_string(),
    })?;
    get(conn, rowid)
}

/// Unpack little-endian f64 features.
pub fn unpack_features(bytes: &[u8]) -> Vec<f64> {
    bytes
        .chunks_exact(8)
        .map(|c| f64::from_le_bytes(c.try_into().unwrap_or([0; 8])))
        .collect()
}

/// Items per given label (unlabeled as `None`), in schema order, unlabeled last.
pub fn label_counts(conn: &Connection, version_id: i64) -> Result<Vec<LabelCount>> {
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
