//! Gold items served among a queue's own ([`super::GoldServing`]), and qualification queues.
//!
//! Each annotator's items through a queue form a sequence: slot `s` is the item they get after
//! handling `s` items there (labeled, skipped or flagged, live) — the items they hold claims on
//! count as handled for the next slot. Slot `s` is gold when `s < warmup`, else when
//! `u(seed, annotator, s) < rate`, `u` a uniform number in [0, 1) from
//! [`crate::queue::splitmix64`]. A gold slot gets the first gold item of the queue's dataset
//! version, in the seeded order `splitmix64(seed ^ annotator hash ^ item hash)`, that the
//! annotator has neither handled nor claimed; with none left the slot gets the queue's next
//! item. A qualification queue's every slot is gold, up to its `pass_items`. A queue serving
//! gold leaves the gold items out of its own items when it is saved, so they come only in gold
//! slots (a gold item added later may also come in its place in the queue).
//!
//! A qualification grades an annotator on their first `pass_items` gold items labeled there
//! (since a lead's last reset): pending before, then passed when the share correct reaches
//! `pass_accuracy`, else failed. Annotators (not reviewers or leads) claim from other queues
//! only once they passed every qualification queue. A reset is a synchronised setting event
//! (key `qualification_reset:` + JSON `[queue uid, annotator]`): labels before it no longer
//! count, and the qualification's items are served again.

use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;

use crate::annotators::{Annotator, Role};
use crate::error::{Error, Result};
use crate::queue::{fnv, splitmix64};

use super::{SavedQueue, LIVE};

/// A uniform number in [0, 1) for an annotator's slot in a queue.
fn uniform(seed: u64, annotator: &str, slot: u64) -> f64 {
    let h =
        splitmix64(seed ^ 0x676f_6c64_7261_7465 ^ splitmix64(fnv(annotator) ^ splitmix64(slot)));
    (h >> 11) as f64 / (1u64 << 53) as f64
}

/// Whether an annotator's slot `slot` of queue `q` is gold.
pub fn slot_is_gold(q: &SavedQueue, annotator: &str, slot: u64) -> bool {
    match q.gold.qualification {
        Some(x) => slot < u64::from(x.pass_items),
        None => {
            slot < u64::from(q.gold.warmup)
                || (q.gold.rate > 0.0 && uniform(q.seed as u64, annotator, slot) < q.gold.rate)
        }
    }
}

/// When the lead last reset `annotator`'s qualification on queue `q` (RFC 3339), if ever.
fn reset_at(conn: &Connection, q: &SavedQueue, annotator: &str) -> Result<Option<String>> {
    let uid: Option<String> =
        conn.query_row("SELECT uid FROM queues WHERE id = ?1", [q.id], |r| r.get(0))?;
    let Some(uid) = uid else {
        return Ok(None);
    };
    Ok(conn
        .prepare_cached(
            "SELECT at FROM setting_events WHERE key = ?1 ORDER BY at DESC, uid DESC LIMIT 1",
        )?
        .query_row([reset_key(&uid, annotator)], |r| r.get(0))
        .optional()?)
}

fn reset_key(queue_uid: &str, annotator: &str) -> String {
    format!(
        "qualification_reset:{}",
        serde_json::json!([queue_uid, annotator])
    )
}

/// The items `who` handled through queue `q` (live labels, skips, flags; since `since`).
pub(super) fn handled(conn: &Connection, q: i64, who: i64, since: Option<&str>) -> Result<u64> {
    let n: i64 = conn
        .prepare_cached(&format!(
            "SELECT COUNT(DISTINCT a.item_id) FROM annotations a
             WHERE a.queue_id = ?1 AND a.annotator_id = ?2 AND a.kind IN ('label', 'skip', 'flag')
               AND {LIVE} AND (?3 IS NULL OR a.created_at >= ?3)"
        ))?
        .query_row(rusqlite::params![q, who, since], |r| r.get(0))?;
    Ok(n as u64)
}

/// The next gold item for `who` in `q`: of the queue's dataset version, neither handled by
/// them (since `since`) nor claimed by them in this queue, first in their seeded order.
pub(super) fn next_gold(
    conn: &Connection,
    q: &SavedQueue,
    who: &Annotator,
    since: Option<&str>,
) -> Result<Option<i64>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT g.item_id, i.ext_id FROM gold g JOIN items i ON i.id = g.item_id
         WHERE i.version_id = (SELECT version_id FROM runs WHERE id = ?1)
           AND NOT EXISTS (SELECT 1 FROM claims c WHERE c.queue_id = ?2 AND c.item_id = g.item_id AND c.annotator_id = ?3)
           AND NOT EXISTS (SELECT 1 FROM annotations a WHERE a.item_id = g.item_id AND a.annotator_id = ?3
                           AND a.kind IN ('label', 'skip', 'flag') AND {LIVE}
                           AND (?4 IS NULL OR a.created_at >= ?4))"
    ))?;
    let key = splitmix64(q.seed as u64 ^ fnv(&who.name));
    let mut best: Option<(u64, i64)> = None;
    let mut rows = stmt.query(rusqlite::params![q.run, q.id, who.id, since])?;
    while let Some(r) = rows.next()? {
        let (item, ext): (i64, String) = (r.get(0)?, r.get(1)?);
        let h = splitmix64(key ^ fnv(&ext));
        if best.is_none_or(|b| (h, item) < b) {
            best = Some((h, item));
        }
    }
    Ok(best.map(|b| b.1))
}

/// The reset time that bounds what counts in a qualification queue (None elsewhere).
pub(super) fn since(conn: &Connection, q: &SavedQueue, who: &str) -> Result<Option<String>> {
    if q.gold.qualification.is_none() {
        return Ok(None);
    }
    reset_at(conn, q, who)
}

/// Where an annotator stands in one qualification queue.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QualificationStatus {
    pub queue: String,
    /// `pending`, `passed` or `failed`.
    pub status: &'static str,
    /// Gold items labeled there (counted up to `pass_items`), and how many were right.
    pub labeled: u32,
    pub correct: u32,
    pub pass_items: u32,
    pub pass_accuracy: f64,
}

/// `annotator`'s standing in every qualification queue, in queue order.
pub fn qualifications(
    project: &crate::Project,
    annotator: &str,
) -> Result<Vec<QualificationStatus>> {
    let who = crate::annotate::find_annotator(project.conn(), annotator)?.ok_or_else(|| {
        Error::NotFound {
            what: "annotator",
            name: annotator.to_string(),
        }
    })?;
    qualifications_in(project.conn(), &who)
}

pub(crate) fn qualifications_in(
    conn: &Connection,
    who: &Annotator,
) -> Result<Vec<QualificationStatus>> {
    let queues: Vec<SavedQueue> = conn
        .prepare_cached(&format!(
            "SELECT {} FROM queues WHERE qualification IS NOT NULL ORDER BY id",
            super::COLS
        ))?
        .query_map([], super::row)?
        .collect::<rusqlite::Result<_>>()?;
    let mut out = Vec::new();
    for q in queues {
        let Some(x) = q.gold.qualification else {
            continue;
        };
        let since = reset_at(conn, &q, &who.name)?;
        // Each gold item's latest live label by this annotator through the queue, in the order
        // they were first labeled; the first `pass_items` count.
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT a.item_id, a.label_id = g.label_id FROM annotations a JOIN gold g ON g.item_id = a.item_id
             WHERE a.queue_id = ?1 AND a.annotator_id = ?2 AND a.kind = 'label' AND a.source != 'override'
               AND {LIVE} AND (?3 IS NULL OR a.created_at >= ?3)
             ORDER BY a.created_at, a.uid"
        ))?;
        let mut order: Vec<i64> = Vec::new();
        let mut right: std::collections::HashMap<i64, bool> = std::collections::HashMap::new();
        let mut rows = stmt.query(rusqlite::params![q.id, who.id, since])?;
        while let Some(r) = rows.next()? {
            let (item, ok): (i64, bool) = (r.get(0)?, r.get(1)?);
            if !right.contains_key(&item) {
                order.push(item);
            }
            right.insert(item, ok);
        }
        let counted: Vec<i64> = order.into_iter().take(x.pass_items as usize).collect();
        let labeled = counted.len() as u32;
        let correct = counted.iter().filter(|i| right[*i]).count() as u32;
        let status = if labeled < x.pass_items {
            "pending"
        } else if f64::from(correct) >= x.pass_accuracy * f64::from(x.pass_items) - 1e-9 {
            "passed"
        } else {
            "failed"
        };
        out.push(QualificationStatus {
            queue: q.name,
            status,
            labeled,
            correct,
            pass_items: x.pass_items,
            pass_accuracy: x.pass_accuracy,
        });
    }
    Ok(out)
}

/// Refuse an annotator who has not passed every qualification queue (reviewers and leads are
/// not held to them), naming what to do.
pub(super) fn check_qualified(conn: &Connection, who: &Annotator) -> Result<()> {
    if who.role != Role::Annotator {
        return Ok(());
    }
    for s in qualifications_in(conn, who)? {
        match s.status {
            "passed" => {}
            "pending" => {
                return Err(Error::Forbidden(format!(
                    "{} has not passed the qualification queue {:?} yet ({} of {} gold items labeled): label it first",
                    who.name, s.queue, s.labeled, s.pass_items
                )))
            }
            _ => {
                return Err(Error::Forbidden(format!(
                    "{} did not pass the qualification queue {:?} ({} of {} right, {:.0}% needed): a lead can reset it with `arbiter annotators reset-qualification {} --queue {:?}`",
                    who.name,
                    s.queue,
                    s.correct,
                    s.pass_items,
                    s.pass_accuracy * 100.0,
                    who.name,
                    s.queue
                )))
            }
        }
    }
    Ok(())
}

/// Let `annotator` take qualification queue `queue` again: their labels there so far no longer
/// count. Recorded as a synchronised setting event with its audit entry.
pub fn reset_qualification(
    project: &mut crate::Project,
    queue: &str,
    annotator: &str,
    by: Option<&str>,
) -> Result<()> {
    let q = super::find(project, queue)?;
    if q.gold.qualification.is_none() {
        return Err(Error::InvalidArgument(format!(
            "queue {:?} is not a qualification queue",
            q.name
        )));
    }
    let tx = project
        .conn_mut()
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let actor = crate::annotators::lead_actor(&tx, by, "qualifications")?;
    let who = crate::annotate::find_annotator(&tx, annotator)?.ok_or_else(|| Error::NotFound {
        what: "annotator",
        name: annotator.to_string(),
    })?;
    let uid: String = tx.query_row("SELECT uid FROM queues WHERE id = ?1", [q.id], |r| r.get(0))?;
    crate::identity::record_setting(
        &tx,
        &reset_key(&uid, &who.name),
        &serde_json::json!({ "reset": true }),
        &actor,
    )?;
    crate::audit::record(
        &tx,
        &actor,
        "qualification.reset",
        &serde_json::json!({ "queue": q.name, "annotator": who.name }),
    )?;
    tx.commit()?;
    Ok(())
}

#[cfg(test)]
mod tests;
