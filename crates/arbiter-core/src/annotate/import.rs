//! Annotation files: reading `item_id, annotator, label[, reason, note, created_at]` rows
//! (.csv or .jsonl) and importing them all or nothing, stored once by content.

use std::collections::HashMap;
use std::path::Path;

use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;

use super::{insert, lookup, resolve, Event, NewAnnotation, Source};
use crate::annotators::{check_name, find_annotator, Role};
use crate::error::{Error, Problem, Result};
use crate::events::list_version;
use crate::store::Project;

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
            let header =
                crate::dataset::text::check_csv(path, &bytes, b',').map_err(as_annotations)?;
            crate::dataset::text::read_csv(path, b',', &header, &TEXT).map_err(as_annotations)?
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
        if e.kind != crate::events::StoredKind::Label || retracted.contains(&e.id) {
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
        crate::annotators::add_annotator_in(&tx, name, Role::Annotator)?;
    }
    let ids: HashMap<String, i64> = crate::annotators::annotators_in(&tx)?
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

/// An RFC 3339 time (`T` or a space between date and time; `Z` or a `±HH:MM` offset; any
/// fraction of a second) as UTC in the store's own form, `YYYY-MM-DDTHH:MM:SS.fffZ` — the form
/// `NOW_SQL` writes, so times compare correctly as text. Fractions beyond milliseconds are
/// truncated.
pub fn normalize_time(t: &str) -> std::result::Result<String, &'static str> {
    let (secs, millis) = crate::time::parse(t)?;
    let year = crate::time::year_utc(secs);
    if !(0..=9999).contains(&year) {
        return Err("the year falls outside 0000–9999 in UTC");
    }
    Ok(crate::time::format_utc_millis(secs, millis))
}
