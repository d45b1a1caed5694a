//! Decisions: each item's final label, derived from its annotation events by one documented
//! rule, with its provenance. Nothing is overwritten: a decision is recomputed from the
//! append-only events whenever it is asked for.
//!
//! The rule, in order:
//! 1. Retracted events and the retractions themselves are ignored; skips and flags are not votes.
//! 2. **Override**: if a reviewer or lead recorded an override, the latest one decides
//!    (`rule = override`), whatever the votes say.
//! 3. **Votes**: each annotator's latest label is one vote. With at least `min_annotators`
//!    votes, all the same → `unanimous`; one label holding a strict majority (more than half)
//!    → `majority`; otherwise the item is a **conflict** for adjudication.
//! 4. Fewer votes than `min_annotators`: `pending`.

use std::collections::BTreeMap;

use rusqlite::Connection;
use serde::{Deserialize, Serialize};

use crate::annotate::{self, AnnotationRow};
use crate::error::{Error, Result};

/// The project's decision rule (stored in `settings`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rule {
    pub min_annotators: usize,
}

impl Default for Rule {
    fn default() -> Self {
        Rule { min_annotators: 1 }
    }
}

pub fn rule(conn: &Connection) -> Result<Rule> {
    let v: String = conn.query_row(
        "SELECT value FROM settings WHERE key = 'decision_rule'",
        [],
        |r| r.get(0),
    )?;
    Ok(serde_json::from_str(&v).unwrap_or_default())
}

pub fn set_rule(conn: &Connection, rule: Rule) -> Result<()> {
    if rule.min_annotators == 0 {
        return Err(Error::InvalidArgument(
            "--min-annotators must be at least 1".into(),
        ));
    }
    let json = serde_json::to_string(&rule).unwrap_or_default();
    conn.execute(
        "INSERT OR REPLACE INTO settings (key, value) VALUES ('decision_rule', ?1)",
        [&json],
    )?;
    crate::audit::record(
        conn,
        "arbiter",
        "decision_rule.set",
        &serde_json::json!(rule),
    )?;
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Decided,
    Conflict,
    Pending,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum How {
    Override,
    Unanimous,
    Majority,
}

/// One vote (or override) that counts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Vote {
    pub annotation: i64,
    pub annotator: String,
    pub label: String,
    pub reason: Option<String>,
    pub note: Option<String>,
    pub source: String,
    pub created_at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Decision {
    pub item_id: String,
    #[serde(skip)]
    pub item: i64,
    pub status: Status,
    pub label: Option<String>,
    pub rule: Option<How>,
    /// The events the decision rests on (the override, or the votes).
    pub votes: Vec<Vote>,
    /// Who decided: the overriding reviewer, or the annotators whose votes carried it.
    pub deciders: Vec<String>,
    pub decided_at: Option<String>,
}

fn vote(e: &AnnotationRow) -> Vote {
    Vote {
        annotation: e.id,
        annotator: e.annotator.clone(),
        label: e.label.clone().unwrap_or_default(),
        reason: e.reason.clone(),
        note: e.note.clone(),
        source: e.source.clone(),
        created_at: e.created_at.clone(),
    }
}

/// Apply the rule to one item's events (oldest first).
pub fn decide(events: &[AnnotationRow], rule: Rule) -> Decision {
    let (item, item_id) = events
        .first()
        .map(|e| (e.item, e.item_id.clone()))
        .unwrap_or_default();
    let retracted: std::collections::HashSet<i64> =
        events.iter().filter_map(|e| e.retracts).collect();
    let labels: Vec<&AnnotationRow> = events
        .iter()
        .filter(|e| e.kind == "label" && !retracted.contains(&e.id))
        .collect();
    if let Some(o) = labels.iter().rev().find(|e| e.source == "override") {
        return Decision {
            item_id,
            item,
            status: Status::Decided,
            label: o.label.clone(),
            rule: Some(How::Override),
            votes: vec![vote(o)],
            deciders: vec![o.annotator.clone()],
            decided_at: Some(o.created_at.clone()),
        };
    }
    // Each annotator's latest label.
    let mut latest: BTreeMap<&str, &AnnotationRow> = BTreeMap::new();
    for e in &labels {
        latest.insert(e.annotator.as_str(), e);
    }
    let mut votes: Vec<&AnnotationRow> = latest.into_values().collect();
    votes.sort_by_key(|e| e.id);
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for v in &votes {
        *counts
            .entry(v.label.as_deref().unwrap_or_default())
            .or_default() += 1;
    }
    let top = counts
        .iter()
        .max_by_key(|(_, c)| **c)
        .map(|(l, c)| (l.to_string(), *c));
    let n = votes.len();
    let (status, how, label) = match top {
        _ if n < rule.min_annotators || n == 0 => (Status::Pending, None, None),
        Some((l, c)) if c == n => (Status::Decided, Some(How::Unanimous), Some(l)),
        Some((l, c)) if 2 * c > n => (Status::Decided, Some(How::Majority), Some(l)),
        _ => (Status::Conflict, None, None),
    };
    let deciders = match &label {
        Some(l) => votes
            .iter()
            .filter(|v| v.label.as_deref() == Some(l.as_str()))
            .map(|v| v.annotator.clone())
            .collect(),
        None => Vec::new(),
    };
    let decided_at = label
        .as_ref()
        .and_then(|_| votes.iter().map(|v| v.created_at.clone()).max());
    Decision {
        item_id,
        item,
        status,
        label,
        rule: how,
        votes: votes.into_iter().map(vote).collect(),
        deciders,
        decided_at,
    }
}

/// Decisions for every annotated item (of one dataset version, if given), in item order.
pub fn decisions(conn: &Connection, version_id: Option<i64>) -> Result<Vec<Decision>> {
    let rule = rule(conn)?;
    let mut events = annotate::list(conn, None)?;
    if let Some(v) = version_id {
        let mut stmt = conn.prepare_cached("SELECT version_id FROM items WHERE id = ?1")?;
        let mut keep = std::collections::HashMap::new();
        for e in &events {
            if let std::collections::hash_map::Entry::Vacant(slot) = keep.entry(e.item) {
                let ver: i64 = stmt.query_row([e.item], |r| r.get(0))?;
                slot.insert(ver == v);
            }
        }
        events.retain(|e| keep[&e.item]);
    }
    let mut by_item: BTreeMap<i64, Vec<AnnotationRow>> = BTreeMap::new();
    for e in events {
        by_item.entry(e.item).or_default().push(e);
    }
    Ok(by_item.values().map(|ev| decide(ev, rule)).collect())
}

/// One item's decision.
pub fn decision(conn: &Connection, item: i64) -> Result<Decision> {
    let events = annotate::list(conn, Some(item))?;
    if events.is_empty() {
        let id: String = conn.query_row("SELECT ext_id FROM items WHERE id = ?1", [item], |r| {
            r.get(0)
        })?;
        return Ok(Decision {
            item_id: id,
            item,
            status: Status::Pending,
            label: None,
            rule: None,
            votes: vec![],
            deciders: vec![],
            decided_at: None,
        });
    }
    Ok(decide(&events, rule(conn)?))
}
