//! Annotations: append-only events (label, skip, flag, retract) by local annotators. Undo is a
//! retraction, never a delete — the database refuses updates and deletes on `annotations`.
//! Every event commits on its own (synchronous = FULL) before it is acknowledged; a file import
//! validates every row first and writes all of them or none.

use std::collections::HashMap;

use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;

pub(crate) use crate::annotators::find_annotator;
pub use crate::annotators::{
    add_annotator, annotators, check_name, Annotator, Role, MAX_NAME_CHARS,
};
use crate::error::{Error, Result};
pub use crate::events::{export_file, AnnotationRow};
pub(crate) use crate::events::{list, list_version};
use crate::store::Project;
use crate::time::NOW_SQL;

mod import;
pub use crate::events::{Flag, Source};
pub use import::{import_file, normalize_time, read_file, FileRow, ImportSummary};

/// What kind of event an annotator records (the tag of [`Event`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    Label,
    Skip,
    Flag,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Label => "label",
            EventKind::Skip => "skip",
            EventKind::Flag => "flag",
        }
    }
}

impl std::str::FromStr for EventKind {
    type Err = Error;
    fn from_str(s: &str) -> Result<EventKind> {
        match s {
            "label" => Ok(EventKind::Label),
            "skip" => Ok(EventKind::Skip),
            "flag" => Ok(EventKind::Flag),
            o => Err(Error::InvalidArgument(format!(
                "kind {o:?}: use label, skip or flag"
            ))),
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
    /// Retired reason codes: not accepted on new events.
    retired: std::collections::BTreeSet<String>,
}

fn lookup(conn: &Connection) -> Result<Lookup> {
    let labels = crate::schema::labels_in(conn)?
        .into_iter()
        .map(|l| (l.name, l.id))
        .collect();
    let mut stmt = conn.prepare("SELECT code, id FROM reasons")?;
    let reasons = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(Lookup {
        labels,
        reasons,
        retired: crate::schema::retired_in(conn)?,
    })
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
        Event::Flag { flag } => Some(
            flag.parse::<Flag>()
                .map_err(|e| e.to_string())?
                .as_str()
                .to_string(),
        ),
        _ => None,
    };
    let reason = match a.reason.as_deref().map(str::trim).filter(|r| !r.is_empty()) {
        Some(r) if l.retired.contains(r) => {
            return Err(format!(
                "reason {r:?} was retired from the project's reasons; pick another (see `arbiter labels`)"
            ))
        }
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
    let stamp = crate::identity::next_stamp(conn)?;
    conn.prepare_cached(&format!(
        "INSERT INTO annotations (item_id, annotator_id, queue_id, run_id, kind, label_id, reason_id, note, flag, seconds,
                                  prediction_shown, source, created_at, uid, origin, seq)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, COALESCE(?13, {NOW_SQL}), ?14, ?15, ?16)"
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
        stamp.uid,
        stamp.origin,
        stamp.seq,
    ])?;
    Ok(conn.last_insert_rowid())
}

/// Record one event in its own transaction; returns its id once committed.
pub fn record(project: &mut Project, a: &NewAnnotation) -> Result<i64> {
    let tx = project
        .conn_mut()
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let id = record_in(&tx, a)?;
    tx.commit()?;
    Ok(id)
}

/// [`record`] inside a transaction the caller holds (and commits).
pub(crate) fn record_in(tx: &Connection, a: &NewAnnotation) -> Result<i64> {
    let annotator = find_annotator(tx, &a.annotator)?.ok_or_else(|| Error::NotFound {
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
        && crate::decide::decision_in(tx, a.item)?.status == crate::decide::Status::Conflict;
    let ids =
        resolve(&lookup(tx)?, a, annotator.role, adjudicating).map_err(Error::InvalidArgument)?;
    if let (Some(q), Event::Label { .. }) = (a.queue, &a.event) {
        if a.source != Source::Override {
            check_room(tx, q, a.item, &annotator)?;
        }
    }
    let id = insert(tx, a, annotator.id, ids)?;
    // The claim on this item is fulfilled.
    if let Some(q) = a.queue {
        tx.execute(
            "DELETE FROM claims WHERE queue_id = ?1 AND item_id = ?2 AND annotator_id = ?3",
            (q, a.item, annotator.id),
        )?;
    }
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
        // A gold item the queue served (a claim on it, or one this annotator labeled there).
        let served: bool = conn
            .prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM gold WHERE item_id = ?2)
                    AND (EXISTS (SELECT 1 FROM claims WHERE queue_id = ?1 AND item_id = ?2 AND annotator_id = ?3)
                         OR EXISTS (SELECT 1 FROM annotations WHERE queue_id = ?1 AND item_id = ?2 AND annotator_id = ?3))",
            )?
            .query_row((queue, item, who.id), |r| r.get(0))?;
        if served {
            return Ok(());
        }
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
    let stamp = crate::identity::next_stamp(&tx)?;
    tx.execute(
        &format!(
            "INSERT INTO annotations (item_id, annotator_id, queue_id, kind, source, retracts, created_at, uid, origin, seq)
             VALUES (?1, ?2, ?3, 'retract', 'manual', ?4, {NOW_SQL}, ?5, ?6, ?7)"
        ),
        rusqlite::params![item, who.id, q, id, stamp.uid, stamp.origin, stamp.seq],
    )?;
    tx.commit()?;
    Ok(Some(id))
}

#[cfg(test)]
mod tests;
