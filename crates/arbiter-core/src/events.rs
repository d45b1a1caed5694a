//! The annotation events as stored, read back with names (item, annotator, label, reason),
//! oldest first; and their export to a file.

use std::path::Path;

use rusqlite::Connection;
use serde::Serialize;

use crate::annotators::Role;
use crate::error::{Error, Result};
use crate::store::Project;

/// What a stored event is: what an annotator records (`annotate::EventKind`), or the
/// retraction of an earlier event (an undo).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StoredKind {
    Label,
    Skip,
    Flag,
    Retract,
}

impl StoredKind {
    pub fn as_str(self) -> &'static str {
        match self {
            StoredKind::Label => "label",
            StoredKind::Skip => "skip",
            StoredKind::Flag => "flag",
            StoredKind::Retract => "retract",
        }
    }
}

impl std::str::FromStr for StoredKind {
    type Err = Error;
    fn from_str(s: &str) -> Result<StoredKind> {
        match s {
            "label" => Ok(StoredKind::Label),
            "skip" => Ok(StoredKind::Skip),
            "flag" => Ok(StoredKind::Flag),
            "retract" => Ok(StoredKind::Retract),
            o => Err(Error::InvalidArgument(format!(
                "event kind {o:?}: one of label, skip, flag or retract"
            ))),
        }
    }
}

/// Where a stored event came from: as recorded, or an annotation file (`import`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    Manual,
    AcceptedPrediction,
    Override,
    Import,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Manual => "manual",
            Source::AcceptedPrediction => "accepted_prediction",
            Source::Override => "override",
            Source::Import => "import",
        }
    }
}

impl std::str::FromStr for Source {
    type Err = Error;
    fn from_str(s: &str) -> Result<Source> {
        match s {
            "manual" => Ok(Source::Manual),
            "accepted_prediction" => Ok(Source::AcceptedPrediction),
            "override" => Ok(Source::Override),
            "import" => Ok(Source::Import),
            o => Err(Error::InvalidArgument(format!(
                "source {o:?}: use manual, accepted_prediction, override or import"
            ))),
        }
    }
}

/// Why an item is flagged (the `flag` of an `annotate::Event::Flag`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Flag {
    BadInput,
    Unsure,
}

impl Flag {
    pub fn as_str(self) -> &'static str {
        match self {
            Flag::BadInput => "bad_input",
            Flag::Unsure => "unsure",
        }
    }
}

impl std::str::FromStr for Flag {
    type Err = Error;
    fn from_str(s: &str) -> Result<Flag> {
        match s {
            "bad_input" => Ok(Flag::BadInput),
            "unsure" => Ok(Flag::Unsure),
            o => Err(Error::InvalidArgument(format!(
                "flag {o:?}: use bad_input or unsure"
            ))),
        }
    }
}

sql_from_str!(StoredKind, Source, Role, Flag);

/// An annotation as stored, with names.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AnnotationRow {
    pub id: i64,
    /// The event's global id (a UUIDv7), the same on every replica of the project.
    #[serde(skip)]
    pub uid: String,
    pub item_id: String,
    #[serde(skip)]
    pub item: i64,
    pub annotator: String,
    pub role: Role,
    pub kind: StoredKind,
    pub label: Option<String>,
    pub reason: Option<String>,
    pub note: Option<String>,
    pub flag: Option<Flag>,
    pub seconds: Option<f64>,
    pub prediction_shown: bool,
    pub source: Source,
    pub retracts: Option<i64>,
    pub queue: Option<i64>,
    pub created_at: String,
}

/// Every event, oldest first (optionally of one item).
pub(crate) fn list(conn: &Connection, item: Option<i64>) -> Result<Vec<AnnotationRow>> {
    list_where(conn, item, None)
}

/// Every event on the items of one dataset version, in order.
pub(crate) fn list_version(conn: &Connection, version: i64) -> Result<Vec<AnnotationRow>> {
    list_where(conn, None, Some(version))
}

/// The events query for one item, one version's items, or every event. One statement per
/// case: with `(?1 IS NULL OR a.item_id = ?1)` SQLite cannot use an index and scans every event
/// to read one item's (tens of milliseconds at 1,000,000 events). Parameters: item, version.
fn select_sql(item: Option<i64>, version: Option<i64>) -> String {
    let filter = match (item, version) {
        (Some(_), _) => "a.item_id = ?1 AND (?2 IS NULL OR i.version_id = ?2)",
        (None, Some(_)) => "?1 IS NULL AND i.version_id = ?2",
        (None, None) => "?1 IS NULL AND ?2 IS NULL",
    };
    format!(
        "SELECT a.id, i.ext_id, a.item_id, w.name, w.role, a.kind, l.name, r.code, a.note, a.flag, a.seconds, a.prediction_shown,
                a.source, a.retracts, a.queue_id, a.created_at, a.uid
         FROM annotations a JOIN items i ON i.id = a.item_id JOIN annotators w ON w.id = a.annotator_id
         LEFT JOIN labels l ON l.id = a.label_id LEFT JOIN reasons r ON r.id = a.reason_id
         WHERE {filter} ORDER BY a.id"
    )
}

fn list_where(
    conn: &Connection,
    item: Option<i64>,
    version: Option<i64>,
) -> Result<Vec<AnnotationRow>> {
    let mut stmt = conn.prepare_cached(&select_sql(item, version))?;
    let rows = stmt.query_map(rusqlite::params![item, version], |r| {
        Ok(AnnotationRow {
            id: r.get(0)?,
            item_id: r.get(1)?,
            item: r.get(2)?,
            annotator: r.get(3)?,
            role: r.get(4)?,
            kind: r.get(5)?,
            label: r.get(6)?,
            reason: r.get(7)?,
            note: r.get(8)?,
            flag: r.get(9)?,
            seconds: r.get(10)?,
            prediction_shown: r.get(11)?,
            source: r.get(12)?,
            retracts: r.get(13)?,
            queue: r.get(14)?,
            created_at: r.get(15)?,
            uid: r.get(16)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Write every annotation event (oldest first) to `out`, a .csv or .jsonl file named by its
/// extension: `id, item_id, annotator, role, kind, label, reason, note, flag, seconds,
/// prediction_shown, source, retracts, queue, created_at, uid, retracts_uid` — `id`,
/// `retracts` and `queue` are this machine's ids; `uid` (and `retracts_uid`, the retracted
/// event's) is the event's global id, the same on every replica of the project. The
/// destination is checked first and written through a temporary renamed into place. Returns
/// the number of events.
pub fn export_file(project: &Project, out: &Path) -> Result<usize> {
    use crate::table::{self, TableFormat};
    use polars::prelude::*;
    let allowed = [TableFormat::Csv, TableFormat::Jsonl];
    TableFormat::from_path(out, &allowed)?;
    let rows = list(project.conn(), None)?;
    let uid_of: std::collections::HashMap<i64, &str> =
        rows.iter().map(|r| (r.id, r.uid.as_str())).collect();
    let text = |f: &dyn Fn(&AnnotationRow) -> Option<&str>| -> Vec<Option<&str>> {
        rows.iter().map(f).collect()
    };
    let columns = vec![
        Column::new("id".into(), rows.iter().map(|r| r.id).collect::<Vec<_>>()),
        Column::new("item_id".into(), text(&|r| Some(r.item_id.as_str()))),
        Column::new("annotator".into(), text(&|r| Some(r.annotator.as_str()))),
        Column::new("role".into(), text(&|r| Some(r.role.as_str()))),
        Column::new("kind".into(), text(&|r| Some(r.kind.as_str()))),
        Column::new("label".into(), text(&|r| r.label.as_deref())),
        Column::new("reason".into(), text(&|r| r.reason.as_deref())),
        Column::new("note".into(), text(&|r| r.note.as_deref())),
        Column::new("flag".into(), text(&|r| r.flag.map(Flag::as_str))),
        Column::new(
            "seconds".into(),
            rows.iter().map(|r| r.seconds).collect::<Vec<_>>(),
        ),
        Column::new(
            "prediction_shown".into(),
            rows.iter().map(|r| r.prediction_shown).collect::<Vec<_>>(),
        ),
        Column::new("source".into(), text(&|r| Some(r.source.as_str()))),
        Column::new(
            "retracts".into(),
            rows.iter().map(|r| r.retracts).collect::<Vec<_>>(),
        ),
        Column::new(
            "queue".into(),
            rows.iter().map(|r| r.queue).collect::<Vec<_>>(),
        ),
        Column::new("created_at".into(), text(&|r| Some(r.created_at.as_str()))),
        Column::new("uid".into(), text(&|r| Some(r.uid.as_str()))),
        Column::new(
            "retracts_uid".into(),
            rows.iter()
                .map(|r| r.retracts.and_then(|id| uid_of.get(&id).copied()))
                .collect::<Vec<Option<&str>>>(),
        ),
    ];
    let mut df = DataFrame::new(rows.len(), columns).map_err(|e| table::build_err(out, e))?;
    table::write(Some(project), &mut df, out, &allowed)?;
    Ok(rows.len())
}

#[cfg(test)]
mod tests {
    /// One item's events are read through the index on `annotations.item_id`, not by scanning
    /// every event: the item view and every recorded label read them.
    #[test]
    fn an_items_events_are_read_through_its_index() {
        let dir = tempfile::tempdir().expect("tmp");
        let p = crate::Project::create(dir.path(), None, &[]).expect("project");
        let conn = p.conn();
        let sql = super::select_sql(Some(1), None);
        let plan =
            crate::testutil::query_plan(conn, &sql, rusqlite::params![1, rusqlite::types::Null]);
        assert!(
            plan.iter()
                .any(|s| s.contains("SEARCH a USING INDEX annotations_by_item")),
            "{plan:?}"
        );
        assert!(!plan.iter().any(|s| s.starts_with("SCAN a")), "{plan:?}");
    }
}
