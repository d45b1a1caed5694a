//! Annotations: append-only events (label, skip, flag, retract) by local annotators. Undo is a
//! retraction, never a delete — the database refuses updates and deletes on `annotations`.
//! Every event commits on its own (synchronous = FULL) before it is acknowledged; a file import
//! validates every row first and writes all of them or none.

use std::collections::HashMap;
use std::path::Path;

use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;

use crate::error::{Error, Problem, Result};
use crate::store::{Project, NOW_SQL};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Annotator,
    Reviewer,
    Lead,
}

impl Role {
    pub fn parse(s: &str) -> Result<Role> {
        match s {
            "annotator" => Ok(Role::Annotator),
            "reviewer" => Ok(Role::Reviewer),
            "lead" => Ok(Role::Lead),
            o => Err(Error::InvalidArgument(format!(
                "role {o:?}: use annotator, reviewer or lead"
            ))),
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Annotator => "annotator",
            Role::Reviewer => "reviewer",
            Role::Lead => "lead",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Annotator {
    pub id: i64,
    pub name: String,
    pub role: Role,
}

/// Add an annotator profile (or change nothing if it exists with the same role).
pub fn add_annotator(conn: &Connection, name: &str, role: Role) -> Result<Annotator> {
    let name = name.trim();
    check_name(name).map_err(Error::InvalidArgument)?;
    if let Some(a) = find_annotator(conn, name)? {
        if a.role != role {
            return Err(Error::InvalidArgument(format!(
                "annotator {name:?} already exists as {}",
                a.role.as_str()
            )));
        }
        return Ok(a);
    }
    conn.execute(
        &format!("INSERT INTO annotators (name, role, created_at) VALUES (?1, ?2, {NOW_SQL})"),
        (name, role.as_str()),
    )?;
    crate::audit::record(
        conn,
        name,
        "annotator.add",
        &serde_json::json!({ "name": name, "role": role.as_str() }),
    )?;
    Ok(Annotator {
        id: conn.last_insert_rowid(),
        name: name.to_string(),
        role,
    })
}

/// The longest annotator name, in characters.
pub const MAX_NAME_CHARS: usize = 64;

/// Why `name` cannot name an annotator, if it cannot: empty, too long, or holding a control
/// character (a newline would break every table and file that lists annotators).
pub fn check_name(name: &str) -> std::result::Result<(), String> {
    if name.trim().is_empty() {
        return Err("an annotator needs a name".into());
    }
    if name.chars().any(char::is_control) {
        return Err(format!(
            "annotator name {name:?} holds a control character (a newline or tab); use letters, digits, spaces and punctuation"
        ));
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(format!(
            "annotator name {name:?} is longer than {MAX_NAME_CHARS} characters"
        ));
    }
    Ok(())
}

pub fn find_annotator(conn: &Connection, name: &str) -> Result<Option<Annotator>> {
    Ok(conn
        .query_row(
            "SELECT id, name, role FROM annotators WHERE name = ?1",
            [name],
            |r| {
                let role: String = r.get(2)?;
                Ok((r.get(0)?, r.get(1)?, role))
            },
        )
        .optional()?
        .map(|(id, name, role): (i64, String, String)| Annotator {
            id,
            name,
            role: Role::parse(&role).unwrap_or(Role::Annotator),
        }))
}

pub fn annotators(conn: &Connection) -> Result<Vec<Annotator>> {
    let mut stmt = conn.prepare("SELECT name FROM annotators ORDER BY name")?;
    let names: Vec<String> = stmt
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    names
        .iter()
        .filter_map(|n| find_annotator(conn, n).transpose())
        .collect()
}

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

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Event {
    Label { label: String },
    Skip,
    Flag { flag: String },
}

/// One new annotation event.
#[derive(Debug, Clone)]
pub struct NewAnnotation {
    pub item: i64,
    pub annotator: String,
    pub event: Event,
    pub reason: Option<String>,
    pub note: Option<String>,
    pub seconds: Option<f64>,
    pub prediction_shown: bool,
    pub source: Source,
    pub queue: Option<i64>,
    pub run: Option<i64>,
    /// RFC 3339; default now.
    pub created_at: Option<String>,
}

impl NewAnnotation {
    /// `event` by `annotator` on `item` from `source`, now, with nothing else: no reason,
    /// note, time spent, queue or run, the prediction not shown.
    pub fn new(item: i64, annotator: &str, event: Event, source: Source) -> NewAnnotation {
        NewAnnotation {
            item,
            annotator: annotator.into(),
            event,
            reason: None,
            note: None,
            seconds: None,
            prediction_shown: false,
            source,
            queue: None,
            run: None,
            created_at: None,
        }
    }
}

/// An event resolved against the schema: (label id, reason id, flag).
type Resolved = (Option<i64>, Option<i64>, Option<String>);

struct Lookup {
    labels: HashMap<String, i64>,
    reasons: HashMap<String, i64>,
}

fn lookup(conn: &Connection) -> Result<Lookup> {
    let labels = crate::schema::labels(conn)?
        .into_iter()
        .map(|l| (l.name, l.id))
        .collect();
    let mut stmt = conn.prepare("SELECT code, id FROM reasons")?;
    let reasons = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(Lookup { labels, reasons })
}

/// Check one event against the schema; returns (label_id, reason_id, flag). An override needs a
/// reason code unless it adjudicates a conflict between annotators (`adjudicating`): that
/// decides between people's labels and is no correction of the model, so it carries no reason
/// unless the reviewer picks one.
fn resolve(
    l: &Lookup,
    a: &NewAnnotation,
    role: Role,
    adjudicating: bool,
) -> std::result::Result<Resolved, String> {
    let label = match &a.event {
        Event::Label { label } => Some(*l.labels.get(label).ok_or_else(|| {
            let mut names: Vec<&String> = l.labels.keys().collect();
            names.sort();
            format!(
                "label {label:?} is not in the project's label schema ({})",
                names
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })?),
        _ => None,
    };
    let flag = match &a.event {
        Event::Flag { flag } if flag == "bad_input" || flag == "unsure" => Some(flag.clone()),
        Event::Flag { flag } => return Err(format!("flag {flag:?}: use bad_input or unsure")),
        _ => None,
    };
    let reason = match a.reason.as_deref().map(str::trim).filter(|r| !r.is_empty()) {
        Some(r) => Some(*l.reasons.get(r).ok_or_else(|| {
            let mut codes: Vec<&String> = l.reasons.keys().collect();
            codes.sort();
            format!(
                "reason {r:?} is not one of the project's reasons ({})",
                codes
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })?),
        None => None,
    };
    if a.source == Source::Override {
        if role == Role::Annotator {
            return Err(format!(
                "{} is an annotator; only reviewers and leads override",
                a.annotator
            ));
        }
        if reason.is_none() && !adjudicating {
            return Err(
                "an override needs a reason code (only deciding a conflict between annotators may go without one)"
                    .into(),
            );
        }
    }
    Ok((label, reason, flag))
}

fn insert(conn: &Connection, a: &NewAnnotation, annotator: i64, ids: Resolved) -> Result<i64> {
    let kind = match a.event {
        Event::Label { .. } => "label",
        Event::Skip => "skip",
        Event::Flag { .. } => "flag",
    };
    conn.prepare_cached(&format!(
        "INSERT INTO annotations (item_id, annotator_id, queue_id, run_id, kind, label_id, reason_id, note, flag, seconds,
                                  prediction_shown, source, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, COALESCE(?13, {NOW_SQL}))"
    ))?
    .execute(rusqlite::params![
        a.item,
        annotator,
        a.queue,
        a.run,
        kind,
        ids.0,
        ids.1,
        a.note.as_deref().map(str::trim).filter(|n| !n.is_empty()),
        ids.2,
        a.seconds,
        a.prediction_shown,
        a.source.as_str(),
        a.created_at,
    ])?;
    Ok(conn.last_insert_rowid())
}

/// Record one event in its own transaction; returns its id once committed.
pub fn record(project: &mut Project, a: &NewAnnotation) -> Result<i64> {
    let tx = project
        .conn_mut()
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let annotator = find_annotator(&tx, &a.annotator)?.ok_or_else(|| Error::NotFound {
        what: "annotator",
        name: format!("{} (add it with `arbiter annotators add`)", a.annotator),
    })?;
    let exists: bool = tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM items WHERE id = ?1)",
        [a.item],
        |r| r.get(0),
    )?;
    if !exists {
        return Err(Error::NotFound {
            what: "item",
            name: a.item.to_string(),
        });
    }
    let no_reason = a.reason.as_deref().map(str::trim).is_none_or(str::is_empty);
    let adjudicating = a.source == Source::Override
        && no_reason
        && crate::decide::decision(&tx, a.item)?.status == crate::decide::Status::Conflict;
    let ids =
        resolve(&lookup(&tx)?, a, annotator.role, adjudicating).map_err(Error::InvalidArgument)?;
    if let (Some(q), Event::Label { .. }) = (a.queue, &a.event) {
        if a.source != Source::Override {
            check_room(&tx, q, a.item, &annotator)?;
        }
    }
    let id = insert(&tx, a, annotator.id, ids)?;
    // The claim on this item is fulfilled.
    if let Some(q) = a.queue {
        tx.execute(
            "DELETE FROM claims WHERE queue_id = ?1 AND item_id = ?2 AND annotator_id = ?3",
            (q, a.item, annotator.id),
        )?;
    }
    tx.commit()?;
    Ok(id)
}

/// A label through a queue must fit in the people the item needs there: refused when `k` other
/// annotators already labeled it (a lapsed claim someone else took over). Runs inside the
/// writing transaction, so two annotators racing for the last place cannot both get it.
fn check_room(conn: &Connection, queue: i64, item: i64, who: &Annotator) -> Result<()> {
    // `labels` (distinct live labelers through this queue, kept by the triggers of migrations
    // 0005 and 0007) bounds the others, so an item with room left needs no further read.
    let place: Option<(i64, i64)> = conn
        .prepare_cached(
            "SELECT needed, labels FROM queue_items WHERE queue_id = ?1 AND item_id = ?2",
        )?
        .query_row((queue, item), |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    if let Some((needed, labels)) = place {
        if labels < needed {
            return Ok(());
        }
    }
    let ext: String = conn.query_row("SELECT ext_id FROM items WHERE id = ?1", [item], |r| {
        r.get(0)
    })?;
    let qname: String = conn
        .query_row("SELECT name FROM queues WHERE id = ?1", [queue], |r| {
            r.get(0)
        })
        .optional()?
        .ok_or(Error::NotFound {
            what: "queue",
            name: queue.to_string(),
        })?;
    let Some((needed, _)) = place else {
        return Err(Error::InvalidArgument(format!(
            "item {ext} is not in queue {qname:?}; nothing was recorded"
        )));
    };
    let mut stmt = conn.prepare_cached(
        "SELECT DISTINCT w.name FROM annotations a JOIN annotators w ON w.id = a.annotator_id
         WHERE a.item_id = ?1 AND a.kind = 'label' AND a.annotator_id != ?2
           AND (?4 = 1 OR a.queue_id = ?3)
           AND NOT EXISTS (SELECT 1 FROM annotations r WHERE r.retracts = a.id)
         ORDER BY w.name",
    )?;
    let others: Vec<String> = stmt
        .query_map((item, who.id, queue, needed), |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    if others.len() as i64 >= needed {
        return Err(Error::InvalidArgument(format!(
            "item {ext} already has the {needed} label(s) queue {qname:?} needs (from {}); {}'s claim on it lapsed and it went to someone else — nothing was recorded, take the next item",
            others.join(", "),
            who.name
        )));
    }
    Ok(())
}

/// Retract the annotator's latest event that is not yet retracted (in `queue`, if given).
/// Returns the id of the retracted event, or `None` when there is nothing to undo.
pub fn undo(project: &mut Project, annotator: &str, queue: Option<i64>) -> Result<Option<i64>> {
    undo_on(project, annotator, queue, None)
}

/// [`undo`], limited to one item when `item` is given: the annotator's latest live event on
/// that item is retracted, never an event on another item.
pub fn undo_on(
    project: &mut Project,
    annotator: &str,
    queue: Option<i64>,
    item: Option<i64>,
) -> Result<Option<i64>> {
    let tx = project
        .conn_mut()
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let who = find_annotator(&tx, annotator)?.ok_or_else(|| Error::NotFound {
        what: "annotator",
        name: annotator.to_string(),
    })?;
    let last: Option<(i64, i64, Option<i64>)> = tx
        .query_row(
            "SELECT a.id, a.item_id, a.queue_id FROM annotations a
             WHERE a.annotator_id = ?1 AND a.kind != 'retract' AND (?2 IS NULL OR a.queue_id = ?2)
               AND (?3 IS NULL OR a.item_id = ?3)
               AND NOT EXISTS (SELECT 1 FROM annotations r WHERE r.retracts = a.id)
             ORDER BY a.id DESC LIMIT 1",
            rusqlite::params![who.id, queue, item],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let Some((id, item, q)) = last else {
        return Ok(None);
    };
    tx.execute(
        &format!(
            "INSERT INTO annotations (item_id, annotator_id, queue_id, kind, source, retracts, created_at)
             VALUES (?1, ?2, ?3, 'retract', 'manual', ?4, {NOW_SQL})"
        ),
        rusqlite::params![item, who.id, q, id],
    )?;
    tx.commit()?;
    Ok(Some(id))
}

/// An annotation as stored, with names.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AnnotationRow {
    pub id: i64,
    pub item_id: String,
    #[serde(skip)]
    pub item: i64,
    pub annotator: String,
    pub role: String,
    pub kind: String,
    pub label: Option<String>,
    pub reason: Option<String>,
    pub note: Option<String>,
    pub flag: Option<String>,
    pub seconds: Option<f64>,
    pub prediction_shown: bool,
    pub source: String,
    pub retracts: Option<i64>,
    pub queue: Option<i64>,
    pub created_at: String,
}

/// Every event, oldest first (optionally of one item).
pub fn list(conn: &Connection, item: Option<i64>) -> Result<Vec<AnnotationRow>> {
    list_where(conn, item, None)
}

/// Every event on the items of one dataset version, in order.
pub fn list_version(conn: &Connection, version: i64) -> Result<Vec<AnnotationRow>> {
    list_where(conn, None, Some(version))
}

fn list_where(
    conn: &Connection,
    item: Option<i64>,
    version: Option<i64>,
) -> Result<Vec<AnnotationRow>> {
    let mut stmt = conn.prepare_cached(
        "SELECT a.id, i.ext_id, a.item_id, w.name, w.role, a.kind, l.name, r.code, a.note, a.flag, a.seconds, a.prediction_shown,
                a.source, a.retracts, a.queue_id, a.created_at
         FROM annotations a JOIN items i ON i.id = a.item_id JOIN annotators w ON w.id = a.annotator_id
         LEFT JOIN labels l ON l.id = a.label_id LEFT JOIN reasons r ON r.id = a.reason_id
         WHERE (?1 IS NULL OR a.item_id = ?1) AND (?2 IS NULL OR i.version_id = ?2) ORDER BY a.id",
    )?;
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
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Write every annotation event (oldest first) to `out`, a .csv or .jsonl file named by its
/// extension: `id, item_id, annotator, role, kind, label, reason, note, flag, seconds,
/// prediction_shown, source, retracts, queue, created_at`. The destination is checked first
/// and written through a temporary renamed into place. Returns the number of events.
pub fn export_file(project: &Project, out: &Path) -> Result<usize> {
    use crate::table::{self, TableFormat};
    use polars::prelude::*;
    let allowed = [TableFormat::Csv, TableFormat::Jsonl];
    TableFormat::from_path(out, &allowed)?;
    let rows = list(project.conn(), None)?;
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
        Column::new("flag".into(), text(&|r| r.flag.as_deref())),
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
    ];
    let mut df = DataFrame::new(rows.len(), columns)
        .map_err(|e| Error::InvalidArgument(format!("building the table: {e}")))?;
    table::write(Some(project), &mut df, out, &allowed)?;
    Ok(rows.len())
}

/// A row of an annotations file.
#[derive(Debug, Clone, PartialEq)]
pub struct FileRow {
    pub item_id: String,
    pub annotator: String,
    pub label: String,
    pub reason: Option<String>,
    pub note: Option<String>,
    pub created_at: Option<String>,
}

/// Read `item_id, annotator, label[, reason, note, created_at]` from a .csv or .jsonl file.
pub fn read_file(path: &Path) -> Result<Vec<FileRow>> {
    use polars::prelude::*;
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let read_err = |m: String| Error::Read {
        path: path.to_path_buf(),
        message: m,
    };
    const TEXT: [&str; 6] = [
        "item_id",
        "annotator",
        "label",
        "reason",
        "note",
        "created_at",
    ];
    // The manifests' readers: every problem with its row and line, values as written.
    let as_annotations = |e: Error| match e {
        Error::InvalidSource { path, problems } => Error::InvalidAnnotations { path, problems },
        other => other,
    };
    let df = match ext.as_str() {
        "csv" => {
            let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
            crate::dataset::text::check_csv(path, &bytes, b',').map_err(as_annotations)?;
            crate::dataset::text::read_csv(path, b',', &TEXT).map_err(as_annotations)?
        }
        "jsonl" | "ndjson" => {
            let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
            crate::dataset::text::read_jsonl(path, &bytes, &TEXT).map_err(as_annotations)?
        }
        _ => return Err(read_err(
            "use a .csv or .jsonl file of item_id, annotator, label[, reason, note, created_at]"
                .into(),
        )),
    };
    let names: Vec<String> = df
        .get_column_names()
        .iter()
        .map(|s| s.to_string())
        .collect();
    let missing: Vec<&str> = ["item_id", "annotator", "label"]
        .into_iter()
        .filter(|c| !names.iter().any(|n| n == c))
        .collect();
    if !missing.is_empty() {
        return Err(Error::InvalidAnnotations {
            path: path.to_path_buf(),
            problems: vec![Problem::general(format!(
                "missing column(s) {} (columns: {})",
                missing.join(", "),
                names.join(", ")
            ))],
        });
    }
    let col = |name: &str| -> Result<Vec<Option<String>>> {
        match df.column(name) {
            Ok(c) => {
                let s = c
                    .as_materialized_series()
                    .cast(&DataType::String)
                    .map_err(|e| read_err(e.to_string()))?;
                Ok(s.str()
                    .map_err(|e| read_err(e.to_string()))?
                    .iter()
                    .map(|v| v.map(str::to_string))
                    .collect())
            }
            Err(_) => Ok(vec![None; df.height()]),
        }
    };
    let (items, who, labels, reasons, notes, times) = (
        col("item_id")?,
        col("annotator")?,
        col("label")?,
        col("reason")?,
        col("note")?,
        col("created_at")?,
    );
    Ok((0..df.height())
        .map(|i| FileRow {
            item_id: items[i].clone().unwrap_or_default(),
            annotator: who[i].clone().unwrap_or_default(),
            label: labels[i].clone().unwrap_or_default(),
            reason: reasons[i].clone().filter(|s| !s.is_empty()),
            note: notes[i].clone().filter(|s| !s.is_empty()),
            created_at: times[i].clone().filter(|s| !s.is_empty()),
        })
        .collect())
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportSummary {
    /// Events added.
    pub annotations: usize,
    /// Rows identical to an event already in the project (or to an earlier row of the file):
    /// not stored again, so importing a file twice adds nothing.
    pub already_present: usize,
    pub annotators_added: Vec<String>,
}

/// What makes two label events the same for an import: item, annotator, label, reason, note,
/// and the time when the row gives one.
type EventKey = (
    i64,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
);

/// The live label events of a version, keyed with and without their time.
fn existing_keys(
    conn: &Connection,
    version_id: i64,
) -> Result<(
    std::collections::HashSet<EventKey>,
    std::collections::HashSet<EventKey>,
)> {
    let (mut timed, mut untimed) = (
        std::collections::HashSet::new(),
        std::collections::HashSet::new(),
    );
    let events = list_version(conn, version_id)?;
    let retracted: std::collections::HashSet<i64> =
        events.iter().filter_map(|e| e.retracts).collect();
    for e in events {
        if e.kind != "label" || retracted.contains(&e.id) {
            continue;
        }
        let Some(label) = e.label.clone() else {
            continue;
        };
        let key: EventKey = (
            e.item,
            e.annotator.clone(),
            label,
            e.reason.clone(),
            e.note.clone(),
            None,
        );
        untimed.insert(key.clone());
        timed.insert((
            key.0,
            key.1,
            key.2,
            key.3,
            key.4,
            Some(e.created_at.clone()),
        ));
    }
    Ok((timed, untimed))
}

/// Import a file of annotations into one dataset version: every row is checked (item, label,
/// reason, annotator name, timestamp) before anything is written; unknown annotators are added
/// as annotators.
pub fn import_file(project: &mut Project, path: &Path, version_id: i64) -> Result<ImportSummary> {
    let rows = read_file(path)?;
    let line_of = |i: usize| {
        if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("csv"))
        {
            i + 2
        } else {
            i + 1
        }
    };
    let tx = project
        .conn_mut()
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let l = lookup(&tx)?;
    let latest: String = tx.query_row(
        "SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '+1 day')",
        [],
        |r| r.get(0),
    )?;
    let (timed, untimed) = existing_keys(&tx, version_id)?;
    let mut in_file: std::collections::HashSet<EventKey> = std::collections::HashSet::new();
    let mut already_present = 0usize;
    let mut problems = Vec::new();
    let mut resolved = Vec::with_capacity(rows.len());
    let mut new_annotators: Vec<String> = Vec::new();
    {
        let mut find_item =
            tx.prepare_cached("SELECT id FROM items WHERE version_id = ?1 AND ext_id = ?2")?;
        for (i, row) in rows.iter().enumerate() {
            let mut fail = |m: String| {
                problems.push(Problem {
                    row: Some(i + 1),
                    line: Some(line_of(i)),
                    message: m,
                })
            };
            if row.item_id.trim().is_empty()
                || row.annotator.trim().is_empty()
                || row.label.trim().is_empty()
            {
                fail("item_id, annotator and label must all be given".into());
                continue;
            }
            let item: Option<i64> = find_item
                .query_row(rusqlite::params![version_id, row.item_id], |r| r.get(0))
                .optional()?;
            let Some(item) = item else {
                fail(format!(
                    "unknown item {:?} (not in this dataset version)",
                    row.item_id
                ));
                continue;
            };
            if let Err(why) = check_name(row.annotator.trim()) {
                fail(why);
                continue;
            }
            let created_at = match &row.created_at {
                Some(t) => match normalize_time(t) {
                    Ok(utc) if utc.as_str() < EARLIEST || utc > latest => {
                        fail(format!(
                            "created_at {t:?} is outside the plausible range ({} to a day from now); check the year",
                            &EARLIEST[..10]
                        ));
                        continue;
                    }
                    Ok(utc) => Some(utc),
                    Err(why) => {
                        fail(format!(
                            "created_at {t:?} is not an RFC 3339 time such as 2026-11-22T09:30:00Z ({why})"
                        ));
                        continue;
                    }
                },
                None => None,
            };
            let role = match find_annotator(&tx, row.annotator.trim())? {
                Some(a) => a.role,
                None => {
                    if !new_annotators.contains(&row.annotator.trim().to_string()) {
                        new_annotators.push(row.annotator.trim().to_string());
                    }
                    Role::Annotator
                }
            };
            let a = NewAnnotation {
                item,
                annotator: row.annotator.trim().to_string(),
                event: Event::Label {
                    label: row.label.trim().to_string(),
                },
                reason: row.reason.clone(),
                note: row.note.clone(),
                seconds: None,
                prediction_shown: false,
                source: Source::Import,
                queue: None,
                run: None,
                created_at,
            };
            match resolve(&l, &a, role, false) {
                Ok(ids) => {
                    let Event::Label { label } = &a.event else {
                        unreachable!("imports hold labels")
                    };
                    let key: EventKey = (
                        item,
                        a.annotator.clone(),
                        label.clone(),
                        a.reason
                            .as_deref()
                            .map(str::trim)
                            .filter(|r| !r.is_empty())
                            .map(String::from),
                        a.note
                            .as_deref()
                            .map(str::trim)
                            .filter(|n| !n.is_empty())
                            .map(String::from),
                        a.created_at.clone(),
                    );
                    let known = match &key.5 {
                        Some(_) => timed.contains(&key),
                        None => untimed.contains(&key),
                    };
                    if known || !in_file.insert(key) {
                        already_present += 1;
                    } else {
                        resolved.push((a, ids));
                    }
                }
                Err(m) => fail(m),
            }
        }
    }
    if rows.is_empty() {
        problems.push(Problem::general("the file holds no annotations"));
    }
    if !problems.is_empty() {
        return Err(Error::InvalidAnnotations {
            path: path.to_path_buf(),
            problems,
        });
    }
    for name in &new_annotators {
        add_annotator(&tx, name, Role::Annotator)?;
    }
    let ids: HashMap<String, i64> = annotators(&tx)?
        .into_iter()
        .map(|a| (a.name, a.id))
        .collect();
    for (a, r) in &resolved {
        insert(&tx, a, ids[&a.annotator], r.clone())?;
    }
    crate::audit::record(
        &tx,
        "arbiter",
        "annotations.import",
        &serde_json::json!({ "file": path.to_string_lossy(), "annotations": resolved.len(),
            "already_present": already_present, "version": version_id }),
    )?;
    tx.commit()?;
    Ok(ImportSummary {
        annotations: resolved.len(),
        already_present,
        annotators_added: new_annotators,
    })
}

/// The earliest time an imported event may carry.
const EARLIEST: &str = "1970-01-01T00:00:00.000Z";

/// Who a project-wide change is recorded under: `by`, who must be a lead, or `arbiter` (the
/// command line) when nobody is named. `what` names the setting, for the refusal.
pub fn lead_actor(conn: &Connection, by: Option<&str>, what: &str) -> Result<String> {
    let Some(name) = by else {
        return Ok("arbiter".to_string());
    };
    match find_annotator(conn, name.trim())? {
        Some(a) if a.role == Role::Lead => Ok(a.name),
        Some(a) => Err(Error::InvalidArgument(format!(
            "{} is a {}; only a lead changes {what}",
            a.name,
            a.role.as_str()
        ))),
        None => Err(Error::NotFound {
            what: "annotator",
            name: name.to_string(),
        }),
    }
}

/// An RFC 3339 time (`T` or a space between date and time; `Z` or a `±HH:MM` offset; any
/// fraction of a second) as UTC in the store's own form, `YYYY-MM-DDTHH:MM:SS.fffZ` — the form
/// `NOW_SQL` writes, so times compare correctly as text. Fractions beyond milliseconds are
/// truncated.
pub fn normalize_time(t: &str) -> std::result::Result<String, &'static str> {
    let (secs, millis) = crate::time::parse(t)?;
    let (year, _, _) = crate::time::civil_from_days(secs.div_euclid(crate::time::DAY));
    if !(0..=9999).contains(&year) {
        return Err("the year falls outside 0000–9999 in UTC");
    }
    Ok(crate::time::format_utc_millis(secs, millis))
}

#[cfg(test)]
mod tests;
