//! Escalation: the built-in queue of items a reviewer must look at, and what a reviewer does
//! with each.
//!
//! An item is **escalated** while
//! - its votes are in **conflict** (the decision rule reached no label), or
//! - it carries a live `unsure` or `bad_input` **flag** newer than the latest reviewer action
//!   on it (a flag raised after an item was accepted or sent back escalates it again).
//!
//! A reviewer (or lead) then
//! - **accepts** it: the labels stand as they are (refused for a conflict, which needs a label);
//! - **overrides** it: records an override label (the usual override event; a conflict needs
//!   no reason code, anything else does) and closes the escalation;
//! - **sends it back** with a note to an annotator who labeled it: that annotator's live events
//!   on it (the label, and a flag or skip with it) are retracted, as their own undo would (the
//!   item reopens in its queue) and the note waits for them:
//!   the Review screen shows it when the item is served to them, until they label it again.
//!   Sending back an item that annotator did not label is refused, and nothing is written.
//!
//! Every action is a setting event under `escalation:<dataset>/<content hash>/<item id>` (the
//! item's natural key, the same on every replica) holding the action, so actions travel in the
//! event packs like any setting, the latest by (time, uid) is the item's state on every replica,
//! and the earlier ones remain as its history. Each action is audited (`escalation.<action>`).
//! The retraction of a send-back and the label of an override are ordinary annotation events.

use std::collections::{BTreeMap, HashMap, HashSet};

use rusqlite::{Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use crate::annotate::{self, Event, NewAnnotation, Role, Source};
use crate::decide::{self, Decision, Status};
use crate::error::{Error, Result};
use crate::events::{AnnotationRow, StoredKind};
use crate::store::Project;
use crate::time::NOW_SQL;

const PREFIX: &str = "escalation:";

/// What a reviewer did with an escalated item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Accept,
    Override,
    SendBack,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Accept => "accept",
            Action::Override => "override",
            Action::SendBack => "send_back",
        }
    }
}

impl std::str::FromStr for Action {
    type Err = Error;
    fn from_str(s: &str) -> Result<Action> {
        match s {
            "accept" => Ok(Action::Accept),
            "override" => Ok(Action::Override),
            "send_back" => Ok(Action::SendBack),
            o => Err(Error::InvalidArgument(format!(
                "escalation action {o:?}: one of accept, override or send_back"
            ))),
        }
    }
}

/// A reviewer's action as its setting event holds it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Stored {
    dataset: String,
    content_hash: String,
    item: String,
    action: Action,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    note: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    label: Option<String>,
    /// The annotator an item was sent back to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    annotator: Option<String>,
}

/// One reviewer action on an item.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ActionTaken {
    pub action: Action,
    /// The reviewer or lead.
    pub by: String,
    pub at: String,
    pub note: Option<String>,
    /// The override's label.
    pub label: Option<String>,
    /// Whom it was sent back to.
    pub annotator: Option<String>,
}

/// A live flag on an escalated item.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FlagNote {
    pub annotator: String,
    pub flag: String,
    pub note: Option<String>,
    pub at: String,
}

/// An item in the escalations queue.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Escalation {
    pub item_id: String,
    #[serde(skip)]
    pub item: i64,
    /// Why: `conflict`, `unsure`, `bad_input` (sorted, distinct).
    pub reasons: Vec<String>,
    /// The live flags newer than the latest action.
    pub flags: Vec<FlagNote>,
    pub decision: Decision,
    /// The latest reviewer action before this escalation (an item flagged again after it).
    pub previous: Option<ActionTaken>,
}

/// A note a reviewer sent back with an item, waiting for the annotator it was sent to.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SentBack {
    pub item_id: String,
    #[serde(skip)]
    pub item: i64,
    pub by: String,
    pub note: String,
    pub at: String,
}

/// The natural key of an item: dataset name, version content hash, item id.
fn natural_key(conn: &Connection, item: i64) -> Result<(String, String, String)> {
    conn.prepare_cached(
        "SELECT d.name, v.content_hash, i.ext_id FROM items i
         JOIN dataset_versions v ON v.id = i.version_id JOIN datasets d ON d.id = v.dataset_id
         WHERE i.id = ?1",
    )?
    .query_row([item], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
    .optional()?
    .ok_or_else(|| Error::NotFound {
        what: "item",
        name: item.to_string(),
    })
}

fn key_of(k: &(String, String, String)) -> String {
    format!("{PREFIX}{}/{}/{}", k.0, k.1, k.2)
}

/// Every item's latest action (by time, then uid), by item row id, for the items this replica
/// has.
fn latest_actions(conn: &Connection) -> Result<HashMap<i64, ActionTaken>> {
    let mut stmt = conn.prepare(
        "SELECT value, actor, at FROM setting_events WHERE key >= 'escalation:' AND key < 'escalation;'
         ORDER BY at, uid",
    )?;
    let mut rows = stmt.query([])?;
    let mut by_key: HashMap<(String, String, String), ActionTaken> = HashMap::new();
    while let Some(r) = rows.next()? {
        let text: String = r.get(0)?;
        let s: Stored = crate::store::from_json_column(&text, 0)?;
        by_key.insert(
            (s.dataset, s.content_hash, s.item),
            ActionTaken {
                action: s.action,
                by: r.get(1)?,
                at: r.get(2)?,
                note: s.note,
                label: s.label,
                annotator: s.annotator,
            },
        );
    }
    let mut find = conn.prepare_cached(
        "SELECT i.id FROM items i JOIN dataset_versions v ON v.id = i.version_id JOIN datasets d ON d.id = v.dataset_id
         WHERE d.name = ?1 AND v.content_hash = ?2 AND i.ext_id = ?3",
    )?;
    let mut out = HashMap::new();
    for (k, a) in by_key {
        let ids: Vec<i64> = find
            .query_map(rusqlite::params![k.0, k.1, k.2], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        for id in ids {
            out.insert(id, a.clone());
        }
    }
    Ok(out)
}

/// The live flags per item, oldest first.
fn live_flags(events: &[AnnotationRow]) -> BTreeMap<i64, Vec<&AnnotationRow>> {
    let retracted: HashSet<i64> = events.iter().filter_map(|e| e.retracts).collect();
    let mut out: BTreeMap<i64, Vec<&AnnotationRow>> = BTreeMap::new();
    for e in events {
        if e.kind == StoredKind::Flag && !retracted.contains(&e.id) {
            out.entry(e.item).or_default().push(e);
        }
    }
    out
}

/// The escalations queue: every escalated item, in item order.
pub fn escalations(project: &Project) -> Result<Vec<Escalation>> {
    escalations_in(project.conn(), None)
}

fn escalations_in(conn: &Connection, only: Option<i64>) -> Result<Vec<Escalation>> {
    let events = crate::events::list(conn, only)?;
    let decisions = decide::decisions_of(conn, &events)?;
    let flags = live_flags(&events);
    let actions = latest_actions(conn)?;
    let mut out = Vec::new();
    for d in decisions {
        let previous = actions.get(&d.item).cloned();
        let newer: Vec<FlagNote> = flags
            .get(&d.item)
            .map(|fs| {
                fs.iter()
                    .filter(|f| previous.as_ref().is_none_or(|p| f.created_at > p.at))
                    .map(|f| FlagNote {
                        annotator: f.annotator.clone(),
                        flag: f.flag.map_or("", |x| x.as_str()).to_string(),
                        note: f.note.clone(),
                        at: f.created_at.clone(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let mut reasons: Vec<String> = newer.iter().map(|f| f.flag.clone()).collect();
        if d.status == Status::Conflict {
            reasons.push("conflict".into());
        }
        reasons.sort();
        reasons.dedup();
        if reasons.is_empty() {
            continue;
        }
        out.push(Escalation {
            item_id: d.item_id.clone(),
            item: d.item,
            reasons,
            flags: newer,
            decision: d,
            previous,
        });
    }
    Ok(out)
}

/// The reviewer acting: a reviewer or a lead.
fn reviewer(conn: &Connection, by: &str) -> Result<String> {
    match annotate::find_annotator(conn, by.trim())? {
        Some(a) if a.role != Role::Annotator => Ok(a.name),
        Some(a) => Err(Error::InvalidArgument(format!(
            "{} is an annotator; only reviewers and leads handle escalations",
            a.name
        ))),
        None => Err(Error::NotFound {
            what: "annotator",
            name: by.to_string(),
        }),
    }
}

fn ext_id(conn: &Connection, item: i64) -> Result<String> {
    Ok(natural_key(conn, item)?.2)
}

/// The item's open escalation, or an error naming it when it has none.
fn escalated(conn: &Connection, item: i64) -> Result<Escalation> {
    escalations_in(conn, Some(item))?
        .into_iter()
        .next()
        .ok_or_else(|| {
            Error::InvalidArgument(format!(
                "item {} is not escalated (no open conflict, no unsure or bad_input flag since the last review); nothing was written",
                ext_id(conn, item).unwrap_or_else(|_| item.to_string())
            ))
        })
}

fn record_action(conn: &Connection, item: i64, by: &str, s: Stored) -> Result<()> {
    let key = key_of(&(s.dataset.clone(), s.content_hash.clone(), s.item.clone()));
    let value = serde_json::to_value(&s)
        .map_err(|e| Error::InvalidArgument(format!("escalation action: {e}")))?;
    crate::identity::record_setting(conn, &key, &value, by)?;
    crate::audit::record(
        conn,
        by,
        &format!("escalation.{}", s.action.as_str()),
        &serde_json::json!({ "item": s.item, "rowid": item, "dataset": s.dataset, "note": s.note,
            "label": s.label, "annotator": s.annotator }),
    )?;
    Ok(())
}

fn stored(conn: &Connection, item: i64, action: Action) -> Result<Stored> {
    let (dataset, content_hash, ext) = natural_key(conn, item)?;
    Ok(Stored {
        dataset,
        content_hash,
        item: ext,
        action,
        note: None,
        label: None,
        annotator: None,
    })
}

fn clean(note: Option<&str>) -> Option<String> {
    note.map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_string)
}

/// Accept an escalated item as it is labeled. Refused for an open conflict (it needs a label:
/// [`override_item`]) and for an item that is not escalated.
pub fn accept(project: &mut Project, item: i64, by: &str, note: Option<&str>) -> Result<()> {
    let tx = project
        .conn_mut()
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let by = reviewer(&tx, by)?;
    let e = escalated(&tx, item)?;
    if e.decision.status == Status::Conflict {
        return Err(Error::InvalidArgument(format!(
            "item {} is in conflict: accepting decides nothing; override it with a label (or send it back); nothing was written",
            e.item_id
        )));
    }
    let s = Stored {
        note: clean(note),
        ..stored(&tx, item, Action::Accept)?
    };
    record_action(&tx, item, &by, s)?;
    tx.commit()?;
    Ok(())
}

/// Override an escalated item with `label` (an override event by the reviewer: a conflict needs
/// no reason code, anything else does) and close the escalation.
pub fn override_item(
    project: &mut Project,
    item: i64,
    by: &str,
    label: &str,
    reason: Option<&str>,
    note: Option<&str>,
) -> Result<()> {
    let tx = project
        .conn_mut()
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let by = reviewer(&tx, by)?;
    escalated(&tx, item)?;
    annotate::record_in(
        &tx,
        &NewAnnotation {
            reason: reason.map(str::to_string),
            note: clean(note),
            ..NewAnnotation::new(
                item,
                &by,
                Event::Label {
                    label: label.to_string(),
                },
                Source::Override,
            )
        },
    )?;
    let s = Stored {
        note: clean(note),
        label: Some(label.to_string()),
        ..stored(&tx, item, Action::Override)?
    };
    record_action(&tx, item, &by, s)?;
    tx.commit()?;
    Ok(())
}

/// Send an item back to an annotator who labeled it, with a note: their latest live label on it
/// is retracted (the item reopens in its queue) and the note waits for them. `to` may be left
/// out when exactly one annotator labeled the item. Refused, with nothing written, when the
/// item has no live label by that annotator (or by anyone), or the note is empty.
pub fn send_back(
    project: &mut Project,
    item: i64,
    by: &str,
    to: Option<&str>,
    note: &str,
) -> Result<String> {
    let tx = project
        .conn_mut()
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let by = reviewer(&tx, by)?;
    let ext = ext_id(&tx, item)?;
    let Some(note) = clean(Some(note)) else {
        return Err(Error::InvalidArgument(format!(
            "sending item {ext} back needs a note saying what to look at again; nothing was written"
        )));
    };
    // Each annotator's latest live own label on the item: (annotator, event id, queue).
    let events = crate::events::list(&tx, Some(item))?;
    let retracted: HashSet<i64> = events.iter().filter_map(|e| e.retracts).collect();
    let mut labels: BTreeMap<String, (i64, Option<i64>)> = BTreeMap::new();
    for e in &events {
        if e.kind == StoredKind::Label && e.source != Source::Override && !retracted.contains(&e.id)
        {
            labels.insert(e.annotator.clone(), (e.id, e.queue));
        }
    }
    let whom = match to.map(str::trim) {
        Some(name) => name.to_string(),
        None if labels.len() == 1 => labels.keys().next().cloned().unwrap_or_default(),
        None if labels.is_empty() => {
            return Err(Error::InvalidArgument(format!(
                "item {ext} was not labeled by anyone: only a labeled item can be sent back; nothing was written"
            )))
        }
        None => {
            return Err(Error::InvalidArgument(format!(
                "item {ext} was labeled by {}: name the annotator to send it back to; nothing was written",
                labels.keys().cloned().collect::<Vec<_>>().join(", ")
            )))
        }
    };
    let Some(&(_, queue)) = labels.get(&whom) else {
        return Err(Error::InvalidArgument(format!(
            "item {ext} has no label by {whom}: only a labeled item can be sent back to the annotator who labeled it{}; nothing was written",
            if labels.is_empty() {
                String::new()
            } else {
                format!(" ({})", labels.keys().cloned().collect::<Vec<_>>().join(", "))
            }
        )));
    };
    let who = annotate::find_annotator(&tx, &whom)?.ok_or_else(|| Error::NotFound {
        what: "annotator",
        name: whom.clone(),
    })?;
    // Every live event of theirs on the item (the label, a flag or skip with it) is retracted
    // as their own undo would retract it, so the item reopens for them in its queue exactly as
    // after undoing their work on it.
    for e in events.iter().filter(|e| {
        e.annotator == whom
            && e.kind != StoredKind::Retract
            && e.source != Source::Override
            && !retracted.contains(&e.id)
    }) {
        let stamp = crate::identity::next_stamp(&tx)?;
        tx.execute(
            &format!(
                "INSERT INTO annotations (item_id, annotator_id, queue_id, kind, source, retracts, created_at, uid, origin, seq)
                 VALUES (?1, ?2, ?3, 'retract', 'manual', ?4, {NOW_SQL}, ?5, ?6, ?7)"
            ),
            rusqlite::params![item, who.id, e.queue.or(queue), e.id, stamp.uid, stamp.origin, stamp.seq],
        )?;
    }
    let s = Stored {
        note: Some(note),
        annotator: Some(whom.clone()),
        ..stored(&tx, item, Action::SendBack)?
    };
    record_action(&tx, item, &by, s)?;
    tx.commit()?;
    Ok(whom)
}

/// The items sent back to `annotator` that they have not labeled again since, with the notes.
pub fn sent_back(project: &Project, annotator: &str) -> Result<Vec<SentBack>> {
    sent_back_in(project.conn(), annotator, None)
}

/// Items sent back and not yet labeled again by the annotator they went to: item → annotator.
/// A queue serves such an item to that annotator only, before their other items.
pub(crate) fn reserved(conn: &Connection) -> Result<HashMap<i64, String>> {
    let mut relabeled = conn.prepare_cached(
        "SELECT EXISTS (SELECT 1 FROM annotations a JOIN annotators w ON w.id = a.annotator_id
           WHERE a.item_id = ?1 AND w.name = ?2 AND a.kind = 'label' AND a.created_at > ?3
             AND NOT EXISTS (SELECT 1 FROM annotations r WHERE r.retracts = a.id))",
    )?;
    let mut out = HashMap::new();
    for (item, a) in latest_actions(conn)? {
        let Some(to) = a.annotator.filter(|_| a.action == Action::SendBack) else {
            continue;
        };
        let again: bool = relabeled.query_row(rusqlite::params![item, to, a.at], |r| r.get(0))?;
        if !again {
            out.insert(item, to);
        }
    }
    Ok(out)
}

/// The notes waiting for `annotator`, by item (read once for a batch of served items).
pub(crate) fn notes_for(conn: &Connection, annotator: &str) -> Result<HashMap<i64, SentBack>> {
    Ok(sent_back_in(conn, annotator, None)?
        .into_iter()
        .map(|s| (s.item, s))
        .collect())
}

fn sent_back_in(conn: &Connection, annotator: &str, only: Option<i64>) -> Result<Vec<SentBack>> {
    let mut out = Vec::new();
    let mut actions: Vec<(i64, ActionTaken)> = latest_actions(conn)?
        .into_iter()
        .filter(|(item, a)| {
            only.is_none_or(|o| o == *item)
                && a.action == Action::SendBack
                && a.annotator.as_deref() == Some(annotator)
        })
        .collect();
    actions.sort_by_key(|(item, _)| *item);
    let mut relabeled = conn.prepare_cached(
        "SELECT EXISTS (SELECT 1 FROM annotations a JOIN annotators w ON w.id = a.annotator_id
           WHERE a.item_id = ?1 AND w.name = ?2 AND a.kind = 'label' AND a.created_at > ?3
             AND NOT EXISTS (SELECT 1 FROM annotations r WHERE r.retracts = a.id))",
    )?;
    for (item, a) in actions {
        let again: bool =
            relabeled.query_row(rusqlite::params![item, annotator, a.at], |r| r.get(0))?;
        if again {
            continue;
        }
        out.push(SentBack {
            item_id: ext_id(conn, item)?,
            item,
            by: a.by,
            note: a.note.unwrap_or_default(),
            at: a.at,
        });
    }
    Ok(out)
}

/// Every reviewer action on an item, oldest first.
pub fn history(project: &Project, item: i64) -> Result<Vec<ActionTaken>> {
    let conn = project.conn();
    let key = key_of(&natural_key(conn, item)?);
    let mut stmt = conn
        .prepare("SELECT value, actor, at FROM setting_events WHERE key = ?1 ORDER BY at, uid")?;
    let rows = stmt.query_map([key], |r| {
        let text: String = r.get(0)?;
        let s: Stored = crate::store::from_json_column(&text, 0)?;
        Ok(ActionTaken {
            action: s.action,
            by: r.get(1)?,
            at: r.get(2)?,
            note: s.note,
            label: s.label,
            annotator: s.annotator,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

#[cfg(test)]
mod tests;
